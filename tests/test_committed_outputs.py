"""The outputs saved in the notebooks show neither TensorFlow's start-up noise nor a machine's paths.

The committed outputs are what a student reads on GitHub before running anything; lines such
as "Could not find cuda drivers on your machine" or ``/home/alice/...`` there are noise at best
and a leak at worst. ``tools/run_notebooks.py`` saves outputs as they come, on purpose: a new
such line must be fixed where it is printed (``cnnlab._quiet`` for TensorFlow's start-up
messages, a relative or ``~``-based path for data folders), not hidden.
"""

from __future__ import annotations

import re
from html import escape, unescape
from pathlib import Path

import nbformat
import pytest

from cnnlab import course
from cnnlab._quiet import is_noise

NOTEBOOKS = sorted(course.notebooks_dir().glob("*.ipynb"))

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# Addresses such as https://example.org/usr/share/... are not paths of this machine: drop them first
# (a file:// address is one, so only its scheme goes).
_FILE_URL = re.compile(r"\bfile://", re.IGNORECASE)
_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://\S*")
# A path starts a word: not after a letter, digit, dot, dash, slash or tilde ("and/or", "n/a",
# "data/tmp/x", "~/work/" are not absolute paths).
_START = r"(?<![\w.~/\\-])"
_PATH = re.compile(
    _START + r"(?:/work/|/home/[^/\s]+|/root/|/tmp/|/Users/[^/\s]+|/usr/|/opt/|/private/var\b|/content/)"
    r"|(?<![\w])(?i:[A-Z]:\\{1,2}Users\\{1,2})"  # C:\Users\ (doubled in a repr), any case
    r"|\bsite-packages\b",
)
_TAG = re.compile(r"<([^<>]*)>")
_ATTRIBUTE = re.compile(r"""=\s*(?:"([^"]*)"|'([^']*)')""")
#: Output mime types that hold no text to check (pictures, widget references).
_NOT_TEXT = ("image/", "application/vnd.jupyter.widget-view+json")


def machine_path(line: str) -> str | None:
    """The first absolute path of a machine in ``line``, or None.

    Examples
    --------
    >>> machine_path("from the offline mirror: /work/shared/data/pretrained/x.h5")
    '/work/'
    >>> machine_path("see https://example.org/usr/share/doc and n/a, and/or ~/tmp/x") is None
    True
    """
    text = _URL.sub(" ", _FILE_URL.sub(" ", line))
    found = _PATH.search(text)
    return found.group(0) if found else None


def _html_text(html: str) -> str:
    """The text of an HTML fragment, one line per text run and per attribute value (alt, title, href, src)."""
    def tag(match):
        values = [a or b for a, b in _ATTRIBUTE.findall(match.group(1))]
        return "\n" + "".join(v + "\n" for v in values)

    return unescape(_TAG.sub(tag, html))


def _texts(output) -> list[str]:
    """Every piece of text an output shows: streams, text mime types, tracebacks, alt texts."""
    if output.output_type == "stream":
        return [output.get("text", "")]
    if output.output_type == "error":
        return [output.get("ename", ""), output.get("evalue", ""), *output.get("traceback", [])]
    texts = []
    for mime, value in output.get("data", {}).items():
        if not mime.startswith(_NOT_TEXT):
            text = value if isinstance(value, str) else "".join(value) if isinstance(value, list) else str(value)
            texts.append(_html_text(text) if mime == "text/html" else text)
    for mime, meta in output.get("metadata", {}).items():  # {"image/png": {"alt": "..."}} where a front end wrote one
        if isinstance(meta, dict) and isinstance(meta.get("alt"), str):
            texts.append(meta["alt"])
    return texts


def problems(nb, name: str) -> list[str]:
    """One line per offending output line: ``name cell N: [what] the line`` (N counts all cells from 0)."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            for text in _texts(output):
                for line in _ANSI.sub("", text).splitlines():
                    if is_noise(line):
                        found.append(f"{name} cell {index}: [TensorFlow start-up] {line}")
                    elif (path := machine_path(line)) is not None:
                        found.append(f"{name} cell {index}: [machine path {path!r}] {line}")
    return found


def test_there_are_notebooks_to_check():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_show_no_start_up_noise_and_no_machine_paths(path):
    found = problems(nbformat.read(path, as_version=4), path.name)
    assert not found, (
        f"{len(found)} committed output line(s) of {path.name} show TensorFlow's start-up noise or a path of the "
        "machine that ran it (fix where it is printed, then re-run `make notebooks`):\n  " + "\n  ".join(found)
    )


# ----------------------------------------------------------------------------- the checker itself

BAD_LINES = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1795655874.561202    7167 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.",
    "E0000 00:00:1795655879.415124    7167 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error: Failed call to "
    "cuInit: UNKNOWN ERROR (303)",
    "weights from the offline mirror: /work/shared/data/pretrained/mobilenet_2_5_224_tf_no_top.h5",
    "FlowerData(train=2438, source='mirror', folder='/home/alice/data/flowers')",
    "cached in /root/.cache/cnnlab/mnist",
    "written to /tmp/tmpab12cd/model.keras",
    "PosixPath('/Users/bob/Library/Caches/cnnlab')",
    "WindowsPath('C:\\\\Users\\\\carol\\\\AppData\\\\Local\\\\cnnlab')",
    r"C:\Users\carol\AppData\Local\cnnlab",
    "/usr/lib/python3/dist-packages/numpy/core/_methods.py:49: RuntimeWarning",
    "/opt/conda/lib/python3.11/warnings.py",
    "/private/var/folders/xy/T/cnnlab",
    '  File ".venv/lib/python3.12/site-packages/keras/src/utils/traceback_utils.py", line 122',
    "Drive mounted at /content/drive",
    "open file:///home/alice/notes.html",
]

GOOD_LINES = [
    "See https://github.com/cnnlab/cnnlab/tree/main/notebooks and http://127.0.0.1:8888/lab/tree/tmp/x",
    "https://storage.googleapis.com/download.tensorflow.org/example_images/flower_photos.tgz",
    "accuracy: n/a (no labels), and/or try again",
    "saved to ~/tmp/cnnlab/run.keras and data/tmp/x, notebooks/07_mnist_cnn.ipynb",
    "E0000 00:00:1795655879.415124    7167 some_real_error.cc:12] Out of memory",
    "Epoch 1/5 - loss 0.31 - 12 ms/step",
    "ratio 3/4 of the users/groups",
    "TensorFlow 2.21.0, Keras 3.15.1, Python 3.12.3",
]


@pytest.mark.parametrize("line", BAD_LINES)
def test_checker_finds_each_bad_line(line):
    assert is_noise(line) or machine_path(line) is not None


@pytest.mark.parametrize("line", GOOD_LINES)
def test_checker_lets_ordinary_lines_through(line):
    assert not is_noise(line) and machine_path(line) is None


def _notebook(*outputs) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# title"),
                nbformat.v4.new_code_cell("x = 1", execution_count=1, outputs=list(outputs))]
    return nb


def _all_output_kinds(line: str) -> list:
    out = nbformat.v4
    return [
        out.new_output("stream", name="stderr", text=f"first\n{line}\n"),
        out.new_output("stream", name="stdout", text=line),
        out.new_output("execute_result", data={"text/plain": line}, execution_count=1),
        out.new_output("display_data", data={"text/html": f"<pre>{escape(line)}</pre>", "text/markdown": line}),
        out.new_output("display_data", data={"text/html": f'<img alt="{escape(line)}" src="data:image/png;base64,AA">'}),
        out.new_output("error", ename="OSError", evalue=line, traceback=[f"\x1b[0;31m{line}\x1b[0m"]),
        out.new_output("display_data", data={"image/png": "iVBORw0KGgo="}, metadata={"image/png": {"alt": line}}),
    ]


def test_a_good_and_a_bad_notebook_on_disk(tmp_path):
    """A copy without the offending outputs passes; one with them fails, naming notebook, cell and line."""
    good = _all_output_kinds(GOOD_LINES[0]) + _all_output_kinds(GOOD_LINES[4])
    bad = _all_output_kinds(BAD_LINES[0]) + [nbformat.v4.new_output("stream", name="stdout", text=BAD_LINES[3] + "\n")]
    for name, outputs in (("good.ipynb", good), ("bad.ipynb", bad)):
        nbformat.write(_notebook(*outputs), tmp_path / name)

    assert problems(nbformat.read(tmp_path / "good.ipynb", as_version=4), "good.ipynb") == []
    found = problems(nbformat.read(tmp_path / "bad.ipynb", as_version=4), "bad.ipynb")
    noise = f"bad.ipynb cell 1: [TensorFlow start-up] {BAD_LINES[0]}"
    assert found == [noise] * 9 + [f"bad.ipynb cell 1: [machine path '/work/'] {BAD_LINES[3]}"]


# What the committed outputs held when this test was written (TensorFlow 2.21 on a CPU-only machine,
# the offline data mirror in /work/shared/data); found by plain substring search, not by the checker.
KNOWN_BAD = ("absl::InitializeLog()", "cudart_stub.cc", "cpu_feature_guard.cc", "To enable the following instructions",
             "failed call to cuInit", "/work/shared/data")


def _without_known_bad_lines(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not any(k in line for k in KNOWN_BAD))


def test_the_checker_finds_nothing_else_in_the_current_outputs(tmp_path):
    """The committed notebooks with those lines removed pass: on real outputs the checker has no false alarm."""
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                if "text" in output:
                    output.text = _without_known_bad_lines(output.text)
                for mime, value in output.get("data", {}).items():
                    if mime.startswith("text/"):
                        output.data[mime] = _without_known_bad_lines(value)
        nbformat.write(nb, tmp_path / path.name)
        assert problems(nbformat.read(tmp_path / path.name, as_version=4), path.name) == []
