"""`make lab` brings up JupyterLab: start it on a free port with a token, ask /api/status, stop it.

Also the Makefile's set-up logic, in a second, with stand-in Pythons and ``make -n``: which
Python makes the venv (``make which-python``), and which extras an install brings.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAKE = shutil.which("make") or "make"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
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
        # After a change to pyproject.toml, `make lab` first brings the venv up to date (pip).
        deadline = time.monotonic() + 600
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


# ----------------------------------------------------------------------------- which Python makes the venv

EXPECTED_RANGE = "3.10–3.13"


def fake_python(folder: Path, name: str, version: str | None, log: Path) -> Path:
    """A stand-in interpreter: reports ``version`` (None: fails, as a pyenv shim of a missing Python does)
    and, for ``-m venv DIR``, makes ``DIR/bin/python``, which only records its arguments."""
    path = folder / name
    report = f"echo {version}" if version else "echo \"pyenv: $0: command not found\" >&2; exit 127"
    path.write_text(f"""#!/bin/sh
echo "$(basename "$0") $*" >> "{log}"
case "$1" in
  -c) {report} ;;
  -m) if [ "$2" = venv ]; then
        mkdir -p "$3/bin"
        printf '#!/bin/sh\\necho "venv-python $*" >> "{log}"\\n' > "$3/bin/python"
        chmod +x "$3/bin/python"
      fi ;;
esac
""")
    path.chmod(0o755)
    return path


def run_make(tmp_path, pythons: dict[str, str | None], *args: str):
    """Run make with a PATH that holds only the stand-in ``pythons`` ({name: version}) and a few tools."""
    bin_dir, log = tmp_path / "bin", tmp_path / "python.log"
    bin_dir.mkdir(exist_ok=True)
    for name, version in pythons.items():
        fake_python(bin_dir, name, version, log)
    for tool in ("grep", "id", "mkdir", "chmod", "basename"):
        if shutil.which(tool) and not (bin_dir / tool).exists():
            (bin_dir / tool).symlink_to(shutil.which(tool))
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
    result = subprocess.run([MAKE, "--no-print-directory", "-s", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=30)
    calls = log.read_text().splitlines() if log.exists() else []
    return result, calls


def test_a_supported_python3_is_used_as_it_is(tmp_path):
    result, _ = run_make(tmp_path, {"python3": "3.11", "python3.12": "3.12"}, "which-python")
    assert (result.returncode, result.stdout, result.stderr) == (0, "python3\n", "")


def test_an_unsupported_python3_gives_way_to_the_newest_supported_python(tmp_path):
    result, _ = run_make(tmp_path, {"python3": "3.14", "python3.13": None, "python3.12": "3.12",
                                    "python3.11": "3.11"}, "which-python")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "python3.12\n"  # python3.13 is a shim with no Python behind it
    assert result.stderr.splitlines() == [f"python3 is Python 3.14; using python3.12 (cnnlab needs Python {EXPECTED_RANGE})"]


def test_no_supported_python_fails_with_one_clear_line(tmp_path):
    result, _ = run_make(tmp_path, {"python3": "3.14", "python3.9": "3.9"}, "which-python")
    assert result.returncode != 0 and result.stdout == ""
    line = (f"cnnlab needs Python {EXPECTED_RANGE} (TensorFlow 2.21 has wheels for those); this machine has "
            "python3 = 3.14. Install one, or run: make PYTHON=python3.12 lab")
    assert line in result.stderr.splitlines()
    assert [x for x in result.stderr.splitlines() if not x.startswith("make:")] == [line]


def test_no_python_at_all_says_so(tmp_path):
    result, _ = run_make(tmp_path, {}, "which-python", "PYTHON=python3")
    assert result.returncode != 0
    assert "this machine has no python3. Install one" in result.stderr


def test_the_venv_is_made_with_the_python_chosen(tmp_path):
    venv = tmp_path / "venv"
    result, calls = run_make(tmp_path, {"python3": "3.14", "python3.12": "3.12"}, f"VENV={venv}", f"{venv}/bin/python")
    assert result.returncode == 0, result.stderr
    assert f"python3.12 -m venv {venv}" in calls
    assert calls[-1] == "venv-python -m pip install --quiet --upgrade pip"
    assert not any(call.startswith("python3 -m") for call in calls)


def test_make_with_no_supported_python_stops_before_pip(tmp_path):
    venv = tmp_path / "venv"
    result, calls = run_make(tmp_path, {"python3": "3.14"}, f"VENV={venv}", "lab")
    assert result.returncode != 0 and not venv.exists()
    assert "cnnlab needs Python 3.10–3.13" in result.stderr
    assert not any("-m venv" in call or "pip" in call for call in calls)


def test_the_makefile_and_pyproject_agree_on_the_pythons():
    from packaging.specifiers import SpecifierSet

    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    makefile = (ROOT / "Makefile").read_text()
    listed = re.search(r"^SUPPORTED_PYTHONS := (.*)$", makefile, re.M).group(1).split()
    requires = SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"])
    supported = [f"3.{minor}" for minor in range(30, 5, -1) if f"3.{minor}" in requires]
    assert listed == supported  # newest first
    assert EXPECTED_RANGE == f"{supported[-1]}–{supported[0]}"


# ----------------------------------------------------------------------------- which extras an install brings


def dry_run(venv: Path, target: str) -> str:
    result = subprocess.run([MAKE, "--no-print-directory", "-n", f"VENV={venv}", target], cwd=ROOT,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout


def prepared_venv(tmp_path, *stamps: str) -> Path:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    for stamp in stamps:  # both devices: the Makefile picks the one nvidia-smi implies
        for device in ("cpu", "gpu"):
            (venv / f".cnnlab-installed-{stamp}-{device}").touch()
    return venv


PIP = re.compile(r'pip install --quiet --editable "\.\[([a-z,]+)\]"')


def test_make_lab_installs_the_lab_extra_and_make_test_the_test_extra(tmp_path):
    venv = prepared_venv(tmp_path)
    assert PIP.findall(dry_run(venv, "install-lab")) in (["lab"], ["lab,gpu"])
    assert PIP.findall(dry_run(venv, "install")) in (["lab,test"], ["lab,test,gpu"])
    assert "jupyter lab" in dry_run(venv, "lab") and PIP.findall(dry_run(venv, "lab"))[0].startswith("lab")


def test_a_lab_venv_gets_the_test_tools_from_make_test(tmp_path):
    venv = prepared_venv(tmp_path, "lab")
    assert PIP.findall(dry_run(venv, "install-lab")) == []  # up to date for `make lab`
    assert PIP.findall(dry_run(venv, "install")) in (["lab,test"], ["lab,test,gpu"])


def test_a_test_venv_is_up_to_date_for_both(tmp_path):
    venv = prepared_venv(tmp_path, "lab", "lab-test")
    assert PIP.findall(dry_run(venv, "install-lab")) == []
    assert PIP.findall(dry_run(venv, "install")) == []
    # The stamps of an older scheme (one per device, no extras) do not count.
    old = prepared_venv(tmp_path / "old")
    (old / ".cnnlab-installed-cpu").touch()
    assert PIP.findall(dry_run(old, "install-lab")) in (["lab"], ["lab,gpu"])
