"""Plain pip: the built wheel installs and runs the notebooks in a fresh venv without JupyterLab.

The way in for Colab, VS Code or any Jupyter that is not this repository's ``make lab``: build
the wheel, install it with ``pip install`` into a new virtual environment that has no JupyterLab,
and run two notebooks there with nbclient and that environment's own ipykernel.

Nothing is downloaded: the wheel is built from a copy of the source tree with the installed
setuptools (``--no-build-isolation``), installed with ``--no-deps --no-index``, and the new
environment sees its dependencies through a folder of links to this venv's site-packages,
without JupyterLab, the test tools and the editable cnnlab. ``pip check`` then proves that
cnnlab's declared dependencies are all there without JupyterLab.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
NETGUARD = ROOT / "tests" / "netguard"
NOTEBOOKS = ("01_visual_cortex_and_receptive_fields.ipynb", "04_memory_requirements.ipynb")
#: Never an unconditional requirement of the package: JupyterLab and the test tools.
NOT_IN_BASE = {"jupyterlab", "notebook", "jupyter-server", "pytest", "nbval", "playwright", "hypothesis"}
#: Distributions the fresh venv must not see: JupyterLab and its server, the test tools, and
#: the editable cnnlab of this venv. What needs them is left out too (see _linked_distributions).
LEFT_OUT = re.compile(r"^(jupyterlab|jupyterlab-server|jupyter-server(-.*)?|notebook(-.*)?|nbval(-.*)?|"
                      r"pytest(-.*)?|playwright(-.*)?|hypothesis(-.*)?|cnnlab)$")
PIP_QUIET = ["--disable-pip-version-check", "--no-input"]

pytestmark = [pytest.mark.slow, pytest.mark.tensorflow]


def _run(args, *, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout, **kwargs)
    assert result.returncode == 0, f"{args} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    return result


# ----------------------------------------------------------------------------- the wheel


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(wheel, source copy): the wheel built offline from a copy of the source tree."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "CREDITS.md"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "cnnlab", source / "cnnlab", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = work / "dist"
    _run([sys.executable, "-m", "pip", "wheel", *PIP_QUIET, "--no-deps", "--no-build-isolation", "--no-index",
          "-w", dist, source])
    (wheel,) = dist.glob("cnnlab-*.whl")
    return wheel, source


def _metadata(wheel: Path) -> tuple[list[str], str]:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        text = archive.read(name).decode()
    requires = [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Requires-Dist:")]
    python = next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Requires-Python:"))
    return requires, python


def _extras_of(requirement: Requirement) -> set[str]:
    return set(re.findall(r'extra\s*==\s*"([^"]+)"', str(requirement.marker or "")))


def test_the_wheel_requires_no_jupyterlab_and_no_test_tools(built):
    wheel, _ = built
    requires, python = _metadata(wheel)
    parsed = [Requirement(r) for r in requires]
    unconditional = {canonicalize_name(r.name) for r in parsed if not _extras_of(r)}
    assert not unconditional & NOT_IN_BASE, sorted(unconditional & NOT_IN_BASE)
    assert {"ipykernel", "ipywidgets", "tensorflow", "keras", "numpy"} <= unconditional
    lab = {canonicalize_name(r.name) for r in parsed if "lab" in _extras_of(r)}
    assert "jupyterlab" in lab
    test = {canonicalize_name(r.name) for r in parsed if "test" in _extras_of(r)}
    assert {"pytest", "nbval", "playwright"} <= test and "cnnlab" in test  # the test extra includes lab
    assert python.replace(" ", "") in (">=3.10,<3.14", "<3.14,>=3.10")


def test_the_wheel_holds_every_subpackage_and_module(built):
    wheel, source = built
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    in_wheel = {n for n in names if n.startswith("cnnlab/") and n.endswith(".py")}
    in_source = {p.relative_to(source).as_posix() for p in (source / "cnnlab").rglob("*.py")}
    assert in_source == in_wheel, f"missing {sorted(in_source - in_wheel)}, extra {sorted(in_wheel - in_source)}"
    # Every folder of the source tree that holds Python files is a package (a missing __init__.py
    # would leave it out of the wheel), compared with the live tree.
    folders = {p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "cnnlab").rglob("*.py")
               if "__pycache__" not in p.parts}
    packages = {Path(n).parent.as_posix() for n in in_wheel if n.endswith("/__init__.py")}
    assert folders <= packages, sorted(folders - packages)
    assert {"cnnlab", "cnnlab/models", "cnnlab/widgets"} <= packages
    assert any(n.endswith(".dist-info/licenses/LICENSE") or n.endswith(".dist-info/LICENSE") for n in names)


# ----------------------------------------------------------------------------- a fresh venv without JupyterLab


def _linked_distributions() -> tuple[dict[str, metadata.Distribution], set[str]]:
    """This venv's distributions that the fresh venv sees, by name, and the names left out.

    Left out: those LEFT_OUT names, then every distribution that needs one left out (jupyter-lsp
    needs jupyter-server...), until nothing left needs anything missing, so that ``pip check``
    judges only cnnlab's own requirements.
    """
    everything = {canonicalize_name(d.metadata["Name"]): d for d in metadata.distributions(path=[str(SITE_PACKAGES)])}
    kept = {name: d for name, d in everything.items() if not LEFT_OUT.match(name)}
    while True:
        needy = set()
        for name, dist in kept.items():
            for raw in dist.requires or []:
                requirement = Requirement(raw)
                if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                    continue
                if canonicalize_name(requirement.name) not in kept:
                    needy.add(name)
        if not needy:
            return kept, set(everything) - set(kept)
        kept = {name: d for name, d in kept.items() if name not in needy}


def _top_level(dist: metadata.Distribution) -> set[str]:
    return {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}


@pytest.fixture(scope="module")
def fresh_venv(built, tmp_path_factory):
    """A new venv, from this venv's base interpreter, with the wheel installed and the dependencies linked."""
    wheel, _ = built
    work = tmp_path_factory.mktemp("plain-pip")
    venv = work / "venv"
    base = getattr(sys, "_base_executable", None) or sys.executable
    _run([base, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())

    kept, left_out = _linked_distributions()
    hidden = set().union(*(_top_level(d) for name, d in metadata_all().items() if name in left_out))
    shown = set().union(*(_top_level(d) for d in kept.values()))
    deps = work / "deps"
    deps.mkdir()
    for entry in SITE_PACKAGES.iterdir():
        name = entry.name
        if (name in hidden and name not in shown) or name.endswith(".pth") or name.startswith("__editable__") \
                or name == "__pycache__" or name.startswith("cnnlab"):
            continue
        (deps / name).symlink_to(entry)
    (purelib / "cnnlab_plain_pip_deps.pth").write_text(f"{deps}\n")

    env = _clean_env(work)
    _run([python, "-m", "pip", "install", *PIP_QUIET, "--no-deps", "--no-index", wheel], env=env)
    return {"python": python, "venv": venv, "work": work, "deps": deps, "left_out": left_out, "env": env}


def metadata_all() -> dict[str, metadata.Distribution]:
    return {canonicalize_name(d.metadata["Name"]): d for d in metadata.distributions(path=[str(SITE_PACKAGES)])}


def _clean_env(work: Path) -> dict[str, str]:
    """The environment of a learner's shell: no PYTHONPATH, no Jupyter or cnnlab settings, an empty HOME."""
    home = work / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "JUPYTER", "CNNLAB_", "VIRTUAL_ENV", "COVERAGE_", "XDG_", "KERAS_",
                                "IPYTHON", "MPL", "PIP_"))}
    env.update(HOME=str(home), PATH=f"{work / 'venv' / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin",
               PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", TF_CPP_MIN_LOG_LEVEL="2")
    if (NETGUARD / "sitecustomize.py").is_file():  # the subprocesses' network guard (tests/netguard)
        env["PYTHONPATH"] = str(NETGUARD)
    return env


def test_the_fresh_venv_has_no_jupyterlab_and_nothing_broken(fresh_venv):
    python, env = fresh_venv["python"], fresh_venv["env"]
    assert {"jupyterlab", "jupyter-server", "pytest", "nbval", "playwright", "cnnlab"} <= fresh_venv["left_out"]
    missing = subprocess.run([python, "-c", "import jupyterlab"], capture_output=True, text=True, env=env, timeout=60)
    assert missing.returncode != 0 and "No module named 'jupyterlab'" in missing.stderr
    check = subprocess.run([python, "-m", "pip", "check", *PIP_QUIET], capture_output=True, text=True, env=env,
                           timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    where = _run([python, "-c", "import cnnlab, ipykernel; print(cnnlab.__file__); print(ipykernel.__version__)"],
                 env=env, cwd=fresh_venv["work"]).stdout.split()
    assert Path(where[0]).is_relative_to(fresh_venv["venv"]), where
    assert not Path(where[0]).is_relative_to(ROOT)


DRIVER = r'''
"""Run each notebook top to bottom with nbclient in this interpreter's kernel; report where it ran."""
import json, sys, time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

report = []
for path in map(Path, sys.argv[1:]):
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import sys, importlib.util, cnnlab\n"
        "print(repr((sys.executable, cnnlab.__file__, importlib.util.find_spec('jupyterlab') is None)))"))
    start = time.perf_counter()
    NotebookClient(nb, kernel_name="cnnlab-plain-pip", timeout=600, startup_timeout=120,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    where = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    report.append({"notebook": path.name, "seconds": round(time.perf_counter() - start, 1), "where": where.strip()})
print("REPORT " + json.dumps(report))
'''


def test_two_notebooks_run_in_the_fresh_venv_with_its_own_kernel(fresh_venv, data_dir):
    python, work = fresh_venv["python"], fresh_venv["work"]
    kernels = work / "jupyter" / "kernels" / "cnnlab-plain-pip"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "cnnlab (plain pip)", "language": "python"}))
    notebooks = work / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebooks, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    (work / "driver.py").write_text(DRIVER)
    env = dict(fresh_venv["env"], CNNLAB_QUICK="1", CNNLAB_OFFLINE="1", CNNLAB_DATA_DIR=str(data_dir),
               JUPYTER_PATH=str(work / "jupyter"), JUPYTER_DATA_DIR=str(work / "jupyter-data"),
               JUPYTER_CONFIG_DIR=str(work / "jupyter-config"), JUPYTER_RUNTIME_DIR=str(work / "runtime"))
    start = time.perf_counter()
    result = _run([python, work / "driver.py", *(notebooks / name for name in NOTEBOOKS)], env=env, cwd=notebooks,
                  timeout=900)
    seconds = time.perf_counter() - start
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("REPORT ")]
    report = json.loads(line.removeprefix("REPORT "))
    assert [r["notebook"] for r in report] == list(NOTEBOOKS)
    for entry in report:
        executable, package, no_jupyterlab = ast.literal_eval(entry["where"])
        assert Path(executable).parent == python.parent, entry
        assert Path(package).is_relative_to(fresh_venv["venv"]), entry
        assert no_jupyterlab, entry
    print(f"plain pip: {report}; both notebooks in {seconds:.0f} s")
