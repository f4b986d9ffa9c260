"""The ways in, without the internet: a stand-in for it, and the learners' machines as they are.

* :func:`standin` serves, on 127.0.0.1 under ``/HOST/PATH``, the real bytes of every file of the
  offline data folder that the course knows a public address for, and nothing else: the internet
  as the course sees it, minus what the folder lacks (Inception v3's weights, the flowers archive).
  It is the course's own classroom mirror (:mod:`cnnlab._serve`), so it is what a teacher serves too.
* :func:`learner_env` is a fresh machine: an empty home (so empty Keras and cnnlab caches), no
  offline data folder, downloads allowed, and the stand-in as ``CNNLAB_MIRROR_URL``. The conftest's
  network guard still refuses every address outside this machine, so the public addresses fail
  at once, as they would for a learner whose network has no route to them.
* :func:`run_notebooks` executes notebooks top to bottom with nbclient, two kernels at a time.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import shutil
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NETGUARD = Path(__file__).resolve().parent / "netguard"  # sitecustomize.py: no connection leaves the machine
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@contextlib.contextmanager
def standin(data_dir: Path):
    """Yield ``(base_url, server)`` of a stand-in for the internet serving ``data_dir``'s registered files."""
    from cnnlab import _serve

    server = _serve.mirror_server(data_dir, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server
    finally:
        server.shutdown()
        server.server_close()


def flowers_only(data_dir: Path, folder: Path) -> Path:
    """A data folder that holds only the flowers (what the stand-in cannot serve: the 218 MiB archive)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "flowers").symlink_to(data_dir / "flowers", target_is_directory=True)
    return folder


def learner_env(home: Path, mirror: str | None, data_dir: Path | None = None, offline: bool = False) -> dict:
    """The environment of a learner's fresh machine (for subprocesses and kernels)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CNNLAB_", "KERAS_", "XDG_", "JUPYTER_")) and k != "TF_CPP_MIN_LOG_LEVEL"}
    home.mkdir(parents=True, exist_ok=True)
    env["PYTHONPATH"] = os.pathsep.join([str(NETGUARD), *filter(None, [env.get("PYTHONPATH")])])
    env.update(HOME=str(home), CNNLAB_QUICK="1", CNNLAB_OFFLINE="1" if offline else "0",
               JUPYTER_RUNTIME_DIR=str(home / ".jupyter-runtime"), MPLCONFIGDIR=str(home / ".mpl"))
    if mirror:
        env["CNNLAB_MIRROR_URL"] = mirror
    if data_dir is not None:
        env["CNNLAB_DATA_DIR"] = str(data_dir)
    return env


def _run_one(path: Path, workdir: Path, env: dict, timeout: int) -> tuple[str, list[str], str]:
    import nbclient
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                                     resources={"metadata": {"path": str(workdir)}}, allow_errors=False)
    errors: list[str] = []
    try:
        client.execute(env=env)
    except Exception as error:  # noqa: BLE001 - reported by the test, with the notebook's name
        errors.append(f"{type(error).__name__}: {str(error)[-3000:]}")
    text = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if "text" in output:
                text.append(output["text"])
            elif output.get("output_type") == "error":
                errors.append("\n".join(output.get("traceback", []))[-3000:])
    return path.name, errors, "".join(text)


def run_notebooks(paths, env: dict, workdir: Path, *, timeout: int = 900, workers: int = 2) -> dict:
    """Run each notebook top to bottom in a fresh kernel with ``env``; return ``{name: (errors, stream text)}``.

    The notebooks run in a copy of the notebooks folder (``workdir``), so nothing they write lands in
    the repository. Each runs in a thread of its own (Playwright's sync API, used by the browser suite,
    may leave an event loop in the main thread).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    for path in paths:
        shutil.copy(path, workdir / path.name)
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda p: _run_one(workdir / p.name, workdir, env, timeout), paths))
    return {name: (errors, text) for name, errors, text in results}
