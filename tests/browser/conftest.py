"""Fixtures for the browser tests: one JupyterLab and one Chromium for the session."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from jupyterlab import jupyterlab, launch_chromium  # noqa: E402
from layout import SPENT  # noqa: E402
from scenarios import NOTEBOOKS, TEST_NOTEBOOKS  # noqa: E402

#: Where the screenshots go; CNNLAB_BROWSER_ARTIFACTS moves them (e.g. for two runs at once).
SCREENSHOTS = Path(os.environ.get("CNNLAB_BROWSER_ARTIFACTS")
                   or Path(__file__).resolve().parents[2] / "artifacts" / "browser")


@pytest.fixture(scope="session")
def lab():
    with jupyterlab(NOTEBOOKS, extra_files=TEST_NOTEBOOKS) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshots():
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)  # only this run's pictures
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def pytest_terminal_summary(terminalreporter):
    if SCREENSHOTS.exists() and any(SCREENSHOTS.iterdir()):
        terminalreporter.write_line(f"browser screenshots (before/after each widget step): {SCREENSHOTS}")
    if SPENT:
        terminalreporter.write_line("time spent on layout invariants: " + ", ".join(
            f"{name} {seconds:.1f} s" for name, seconds in SPENT.items()))
