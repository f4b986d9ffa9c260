"""pyproject.toml, environment.yml and binder/environment.yml name the same packages and bounds.

pyproject's dependencies are what the notebooks need in any Jupyter; its ``lab`` extra adds
JupyterLab and its ``test`` extra the test tools (and the lab extra). The conda environment and
the Binder image are both the dependencies plus the lab extra: no test tools.
"""

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import yaml
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parent.parent
# conda-only entries, and Binder's CPU-only spelling of TensorFlow.
NOT_PACKAGES = {"python", "pip"}
ALIASES = {"tensorflow-cpu": "tensorflow"}
TEST_TOOLS = {"pytest", "nbval", "hypothesis", "playwright", "nbclient", "pyyaml", "tomli"}


def _split(requirement: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)$", requirement)
    name = match.group(1).lower().replace("_", "-")
    return ALIASES.get(name, name), match.group(3).replace(" ", "")


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _requirements(*extras: str) -> dict[str, str]:
    """pyproject's dependencies plus those of ``extras`` (``cnnlab[...]`` entries expanded)."""
    project = _project()
    requirements = list(project["dependencies"])
    pending, seen = list(extras), set()
    while pending:
        extra = pending.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for requirement in project["optional-dependencies"][extra]:
            own = re.match(r"^cnnlab\[([^\]]*)\]$", requirement.replace(" ", ""))
            if own:
                pending += own.group(1).split(",")
            else:
                requirements.append(requirement)
    # Back-ports for old Pythons (tomli) are not needed by conda's newer Python.
    return dict(_split(r) for r in requirements if "python_version" not in r)


def _environment(path: Path) -> dict[str, str]:
    spec = yaml.safe_load(path.read_text())
    packages = {}
    for entry in spec["dependencies"]:
        entries = entry["pip"] if isinstance(entry, dict) else [entry]
        for requirement in entries:
            if requirement.startswith("-"):  # --editable .
                continue
            name, bounds = _split(requirement)
            if name not in NOT_PACKAGES:
                packages[name] = bounds
    return packages


def _conda_python(path: Path) -> str:
    spec = yaml.safe_load(path.read_text())
    (python,) = [e for e in spec["dependencies"] if isinstance(e, str) and re.match(r"python\b", e)]
    return python.removeprefix("python").strip()


def test_environment_yml_is_the_dependencies_and_the_lab_extra():
    assert _environment(ROOT / "environment.yml") == _requirements("lab")


def test_binder_environment_is_the_dependencies_and_the_lab_extra():
    assert _environment(ROOT / "binder" / "environment.yml") == _requirements("lab")


def test_neither_environment_has_test_tools():
    for path in (ROOT / "environment.yml", ROOT / "binder" / "environment.yml"):
        assert not TEST_TOOLS & set(_environment(path)), path


def test_plain_pip_install_brings_no_jupyterlab_and_the_test_extra_brings_it():
    base = {_split(r)[0] for r in _project()["dependencies"]}
    assert "jupyterlab" not in base and not TEST_TOOLS & base
    assert {"jupyterlab", "ipykernel"} <= set(_requirements("test")) and TEST_TOOLS - {"tomli"} <= set(
        _requirements("test"))
    assert _requirements("lab")["jupyterlab"] == ">=4.1,<5"


def test_ipykernel_bound_leaves_out_the_versions_whose_stop_button_cannot_work():
    bound = SpecifierSet(_requirements()["ipykernel"])
    assert all(v in bound for v in ("6.0.3", "6.17.1", "6.29.5", "6.31.0", "7.4.0", "7.9"))
    assert not any(v in bound for v in ("5.5.6", "7.0.0", "7.0.1", "7.1.0", "7.2.0", "7.3.0", "8.0.0"))


def test_python_range_agrees_everywhere():
    supported = SpecifierSet(_project()["requires-python"])
    minors = [f"3.{minor}" for minor in range(6, 20) if f"3.{minor}" in supported]
    assert minors == ["3.10", "3.11", "3.12", "3.13"]  # TensorFlow 2.21's wheels (see pyproject.toml)
    conda = SpecifierSet(_conda_python(ROOT / "environment.yml"))
    assert [f"3.{minor}" for minor in range(6, 20) if f"3.{minor}" in conda] == minors
    binder = _conda_python(ROOT / "binder" / "environment.yml").lstrip("=")
    assert binder in minors


def test_binder_uses_cpu_tensorflow_and_bakes_in_every_file_with_one_command():
    text = (ROOT / "binder" / "environment.yml").read_text()
    assert "tensorflow-cpu" in text and "and-cuda" not in text
    post_build = (ROOT / "binder" / "postBuild").read_text()
    commands = [line for line in post_build.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert "python -m cnnlab fetch all" in commands
    assert "InceptionV3" not in post_build and "keras.applications" not in post_build
    assert "450 MB" in post_build
    assert (ROOT / "binder" / "postBuild").stat().st_mode & 0o111


def test_post_build_installs_fetches_and_opens_the_cache_it_was_given(tmp_path):
    """Run postBuild with a stand-in ``python`` that records its arguments (no install, no download)."""
    bin_dir, log = tmp_path / "bin", tmp_path / "python.log"
    bin_dir.mkdir()
    fake = bin_dir / "python"
    fake.write_text(f'#!/bin/sh\necho "$PWD :: $*" >> "{log}"\n')
    fake.chmod(0o755)
    cache, keras_home = tmp_path / "cache", tmp_path / "keras"
    for folder in (cache / "mnist", keras_home / "models"):
        folder.mkdir(parents=True)
        (folder / "file").write_bytes(b"x")
        (folder / "file").chmod(0o600)
        folder.chmod(0o700)
    env = {"PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin", "HOME": str(tmp_path / "home"),
           "CNNLAB_CACHE_DIR": str(cache), "KERAS_HOME": str(keras_home)}
    result = subprocess.run(["bash", str(ROOT / "binder" / "postBuild")], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert log.read_text().splitlines() == [f"{ROOT} :: -m pip install --no-deps --editable .",
                                            f"{ROOT} :: -m cnnlab fetch all"]
    for path in (cache / "mnist" / "file", keras_home / "models" / "file"):
        assert path.stat().st_mode & stat.S_IROTH
    assert (cache / "mnist").stat().st_mode & stat.S_IXOTH


def test_post_build_fails_when_the_fetch_fails(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "python"
    fake.write_text('#!/bin/sh\ncase "$*" in *"cnnlab fetch"*) exit 3;; esac\nexit 0\n')
    fake.chmod(0o755)
    env = {"PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin", "HOME": str(tmp_path)}
    result = subprocess.run(["bash", str(ROOT / "binder" / "postBuild")], env=env, capture_output=True, timeout=60)
    assert result.returncode != 0


def test_the_gpu_extra_is_the_cuda_build_of_the_same_tensorflow():
    (gpu,) = _project()["optional-dependencies"]["gpu"]
    assert gpu.startswith("tensorflow[and-cuda]")
    assert _split(gpu)[1] == _requirements()["tensorflow"]
