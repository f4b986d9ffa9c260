"""Key press to new feature map on screen: KernelExplorer in JupyterLab in headless Chromium.

Opens a fresh JupyterLab with a one-cell notebook showing `KernelExplorer(kernel="gabor")` on the
427×640 temple photo (a dense 7×7 kernel), focuses the "Angle θ" slider and presses an arrow key
20 times (right, then back left, so every press changes the kernel). For each press it measures, in
the page's own clock, the time from the keydown event to the `load` event of the new feature-map
image. That covers the whole loop: the slider's message to the kernel, the kernel's compute and
encode, the new bytes back over the websocket, and the browser decoding the image.

Usage: python benchmarks/browser_latency.py [--presses 20]   (needs /usr/bin/chromium)
Last line: key=value figures in milliseconds, and the 150 ms median target check.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "browser"))

from harness import NotebookPage  # noqa: E402
from jupyterlab import jupyterlab, launch_chromium  # noqa: E402

TARGET_MS = 150.0
NOTEBOOK = "latency.ipynb"
CELL = 'from cnnlab.widgets import KernelExplorer\nKernelExplorer(kernel="gabor")'

INSTRUMENT = """w => {
    const img = w.querySelectorAll('img.widget-image')[1];
    window.__loads = []; window.__presses = [];
    img.addEventListener('load', () => window.__loads.push(performance.now()));
    document.addEventListener('keydown', () => window.__presses.push(performance.now()), true);
}"""


def notebook_json() -> str:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell(CELL)])
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    return nbformat.writes(nb)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--presses", type=int, default=20)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    latencies = []
    with jupyterlab(extra_files={NOTEBOOK: notebook_json()}) as lab, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = NotebookPage(browser, lab, NOTEBOOK, HERE / ".." / "artifacts" / "browser")
        page.open_and_run_all()
        widget = page.widget("cnnlab-kernel-explorer")
        widget.locator("img.widget-image").nth(1).wait_for()
        widget.evaluate(INSTRUMENT)
        control = widget.locator(".widget-slider", has=page.page.locator("label:text-is('Angle θ (°)')"))
        handle = control.locator(".noUi-handle").first
        handle.focus()
        half = max(1, min(args.presses // 2, 11))  # 12 angles: 0, 15, ..., 165
        keys = (["ArrowRight"] * half + ["ArrowLeft"] * half) * (args.presses // (2 * half) + 1)
        for key in keys[: args.presses]:
            loads_before = page.page.evaluate("window.__loads.length")
            handle.press(key)
            page.page.wait_for_function(f"window.__loads.length > {loads_before}", timeout=30_000, polling="raf")
            press_at, load_at = page.page.evaluate("[window.__presses.at(-1), window.__loads.at(-1)]")
            latencies.append(load_at - press_at)
        problems = page.problems()
        page.close()
        browser.close()
    if problems:
        raise SystemExit(f"errors in the page: {problems}")
    median = statistics.median(latencies)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; headless Chromium; {len(latencies)} presses")
    print("latencies (ms): " + json.dumps([round(x, 1) for x in latencies]))
    print(f"presses={len(latencies)} min_ms={min(latencies):.1f} median_ms={median:.1f} max_ms={max(latencies):.1f} "
          f"target_ms={TARGET_MS:.0f} within_target={median <= TARGET_MS}")


if __name__ == "__main__":
    main()
