"""`make lab` brings up JupyterLab: start it on a free port with a token, ask /api/status, stop it."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_lab_serves_jupyterlab(tmp_path):
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"))
    args = f"--no-browser --IdentityProvider.token={token}"
    log = open(tmp_path / "lab.log", "w")
    process = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_PORT={port}", f"LAB_ARGS={args}"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    status = None
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/api/status",
                                                 headers={"Authorization": f"token {token}"})
                with urllib.request.urlopen(request, timeout=5) as response:
                    status = json.load(response)
                    break
            except OSError:
                time.sleep(0.5)
        refused = None
        if status is not None:  # without the token, the server refuses
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents", timeout=5)
            except urllib.error.HTTPError as error:
                refused = error.code
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
    output = (tmp_path / "lab.log").read_text()
    assert status is not None, f"JupyterLab did not answer on port {port}:\n{output[-3000:]}"
    assert "started" in status and "kernels" in status
    assert refused == 403
    assert "notebooks" in output or str(ROOT / "notebooks") in output
