"""pyproject.toml, environment.yml and binder/environment.yml name the same packages and bounds."""

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import yaml

ROOT = Path(__file__).resolve().parent.parent
# conda-only entries, and Binder's CPU-only spelling of TensorFlow.
NOT_PACKAGES = {"python", "pip"}
ALIASES = {"tensorflow-cpu": "tensorflow"}


def _split(requirement: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)$", requirement)
    name = match.group(1).lower().replace("_", "-")
    return ALIASES.get(name, name), match.group(3).replace(" ", "")


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["test"]
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


def test_environment_yml_matches_pyproject():
    assert _environment(ROOT / "environment.yml") == _pyproject()


def test_binder_environment_matches_pyproject():
    assert _environment(ROOT / "binder" / "environment.yml") == _pyproject()


def test_binder_uses_cpu_tensorflow_and_prefetches_data():
    text = (ROOT / "binder" / "environment.yml").read_text()
    assert "tensorflow-cpu" in text and "and-cuda" not in text
    post_build = (ROOT / "binder" / "postBuild").read_text()
    assert "cnnlab fetch mnist fashion_mnist" in post_build
    assert "InceptionV3(weights='imagenet')" in post_build
    assert (ROOT / "binder" / "postBuild").stat().st_mode & 0o111


def test_the_gpu_extra_is_the_cuda_build_of_the_same_tensorflow():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (gpu,) = project["optional-dependencies"]["gpu"]
    assert gpu.startswith("tensorflow[and-cuda]")
    assert _split(gpu)[1] == _pyproject()["tensorflow"]
