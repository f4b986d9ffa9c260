"""Shared test set-up: offline by construction, no silent skips, data helpers."""

from __future__ import annotations

import importlib.util
import os
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

#: The reliability marker and the run's summary line (a plugin, so parallel workers' controller has it).
pytest_plugins = ["tests.reliability.summary"]

# No test may download anything: the loaders are told so, and any connection
# that would leave this machine is refused outright (loopback stays open for the
# local HTTP servers that tests start themselves).
os.environ["CNNLAB_OFFLINE"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# The guard is tests/netguard/sitecustomize.py, which the processes the tests start (kernels, the
# command line) load through PYTHONPATH; this process loads the same file here.
_GUARD = importlib.util.spec_from_file_location("_cnnlab_netguard", Path(__file__).parent / "netguard" / "sitecustomize.py")
_GUARD.loader.exec_module(importlib.util.module_from_spec(_GUARD))

# A doctest whose every example is marked +SKIP (examples that need the network or
# a GPU) is documentation, not a skipped test; every other skip fails the run.
_DOCUMENTATION_SKIP = "all tests skipped by +SKIP option"


def _long(item) -> bool:
    return item.get_closest_marker("slow") is not None or item.get_closest_marker("browser") is not None


def pytest_collection_modifyitems(config, items):
    """The files with slow or browser tests first, each file's items in their order.

    ``make test`` hands whole files to its parallel workers in the order they are collected: the
    long ones given out first leave no worker alone on one at the end (the browser suite and the
    ways in take minutes each). Only the order changes; every test runs.
    """
    long_files = {item.path for item in items if _long(item)}
    items[:] = sorted(items, key=lambda item: item.path not in long_files)  # sorted() is stable


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or os.environ.get("CNNLAB_ALLOW_SKIPS") == "1":
        return
    skipped = [r for r in reporter.stats.get("skipped", []) if _DOCUMENTATION_SKIP not in str(r.longrepr)]
    if skipped:
        reporter.write_line(
            f"{len(skipped)} test(s) were skipped; the suite allows no skips "
            "(set CNNLAB_ALLOW_SKIPS=1 to allow them locally):",
            red=True,
        )
        for report in skipped:
            reporter.write_line(f"  {report.nodeid}: {report.longrepr[-1] if report.longrepr else ''}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# ----------------------------------------------------------------------------- local HTTP server


class _Handler(BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):  # noqa: N802 - http.server's naming
        route = self.routes.get(self.path)
        self.server.hits.append(self.path)
        if route is None:
            self.send_error(404)
            return
        action = route(self.server.hits.count(self.path)) if callable(route) else route
        status, body, headers = action
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def http_server(routes):
    """Serve ``routes`` ({path: (status, body, headers) or callable(hit_count) -> that}) on 127.0.0.1."""
    handler = type("Handler", (_Handler,), {"routes": routes})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def local_server():
    return http_server


@pytest.fixture
def online(monkeypatch):
    """Allow downloads (from the loopback servers tests start; the network guard still holds)."""
    monkeypatch.setenv("CNNLAB_OFFLINE", "0")


@pytest.fixture
def empty_env(monkeypatch, tmp_path):
    """No offline data folder and an empty cache in a temporary folder."""
    monkeypatch.delenv("CNNLAB_DATA_DIR", raising=False)
    monkeypatch.setenv("CNNLAB_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


@pytest.fixture(scope="session")
def data_dir():
    """The offline data mirror; the tests that need real data require it (no skip)."""
    from cnnlab import config

    path = config.data_dir()
    if path is None or not path.is_dir():
        pytest.fail(
            "these tests need the offline data mirror: set CNNLAB_DATA_DIR to the folder "
            "holding mnist/, fashion-mnist/, pretrained/, images/ (see README, 'Running the tests')."
        )
    return path
