"""The notebook conventions of CONTRIBUTING.md, checked on every notebook in notebooks/."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from cnnlab import course

NOTEBOOKS = sorted(course.notebooks_dir().glob("*.ipynb"))
MAX_CODE_LINES = 10
#: Where the reference solution of each coding exercise starts, per chapter.
REFERENCE_SOLUTION = {7: "## Step 2: the reference recipe", 8: "## Top 5 on the photos", 9: "## Step 3: a pretrained base",
                      10: "## The full DeepDream"}


SETUP_TAG = "setup"
COLAB_CHECK = 'if "google.colab" in sys.modules:'


def load(path: Path):
    return nbformat.read(path, as_version=4)


def colab_setup_source() -> str:
    """The source of the Colab setup cell: the first code cell of 00_start_here.ipynb."""
    return code_cells(load(course.notebooks_dir() / "00_start_here.ipynb"))[0].source


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no notebook"


def test_every_notebook_is_on_the_course_map():
    listed = {chapter.file for chapter in course.CHAPTERS}
    assert {p.name for p in NOTEBOOKS} <= listed


def test_course_map_is_numbered_and_named_consistently():
    for index, chapter in enumerate(course.CHAPTERS):
        assert chapter.number == index and chapter.file.startswith(f"{index:02d}_")
        assert all(p < chapter.number for p in chapter.prerequisites)


def test_course_map_links_only_existing_notebooks(tmp_path):
    (tmp_path / "00_start_here.ipynb").write_text("{}")
    html = course.course_map(tmp_path)
    assert '<a href="00_start_here.ipynb">' in html
    assert "01_visual_cortex" not in html and "(in preparation)" in html


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
class TestNotebook:
    def test_saved_with_outputs_without_widget_state_or_errors(self, path):
        nb = load(path)
        assert "widgets" not in nb.metadata, "saved widget state: run tools/run_notebooks.py --strip-only"
        cells = code_cells(nb)
        # The Colab setup cell prints nothing elsewhere, so an unrun one (no count) reads the same.
        ran = [c for c in cells if SETUP_TAG not in c.metadata.get("tags", [])]
        assert all(c.execution_count is not None for c in ran), "not every cell was run before saving"
        assert any(c.outputs for c in cells)
        errors = [o for c in cells for o in c.outputs if o.output_type == "error"]
        assert not errors
        assert nb.metadata.kernelspec.name == "python3"

    def test_starts_with_title_objectives_and_the_setup_cells(self, path):
        nb = load(path)
        number = int(path.name[:2])
        assert nb.cells[0].cell_type == "markdown"
        assert nb.cells[0].source.startswith(f"# {number:02d} · ")
        colab, setup = code_cells(nb)[:2]
        assert colab.source == colab_setup_source(), "the Colab setup cell must be the first code cell, the same everywhere"
        assert colab.metadata.get("tags", []) == [SETUP_TAG], "tagged 'setup' only: nbval checks that it prints nothing"
        assert colab.get("id") == SETUP_TAG and not colab.outputs
        assert "device.describe()" in setup.source and "set_seed(" in setup.source
        assert "nbval-ignore-output" in setup.metadata.get("tags", []), "the hardware report differs per machine"

    def test_every_code_cell_has_a_lead_in_and_is_short(self, path):
        nb = load(path)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            assert index > 0 and nb.cells[index - 1].cell_type == "markdown", f"cell {index} has no lead-in"
            lines = [line for line in cell.source.splitlines() if line.strip()]
            assert len(lines) <= MAX_CODE_LINES, f"cell {index} has {len(lines)} lines; move code to the package"

    def test_ends_with_a_summary_and_a_link_to_the_next_notebook(self, path):
        nb = load(path)
        last = nb.cells[-1]
        assert last.cell_type == "markdown" and "## Summary" in last.source
        number = int(path.name[:2])
        if number + 1 < len(course.CHAPTERS):
            following = course.chapter(number + 1).file
            assert re.search(rf"\*\*Next:\*\* \[.*\]\({re.escape(following)}\)", last.source)
        if number > 0:
            previous = course.chapter(number - 1).file
            assert re.search(rf"\*\*Previous:\*\* \[.*\]\({re.escape(previous)}\)", last.source)

    def test_objectives_come_first_and_the_exercises_are_named_in_the_summary(self, path):
        nb = load(path)
        chapter = course.chapter(int(path.name[:2]))
        if chapter.number > 0:
            assert "**In this notebook you will**" in nb.cells[0].source, "the first cell lists no objectives"
        summary = nb.cells[-1].source
        for n in chapter.exercises:
            assert re.search(rf"Exercises? (\d+ and )?{n}\b", summary), f"the summary does not name exercise {n}"

    def test_exercises_1_to_6_have_a_self_check_then_a_collapsed_solution(self, path):
        nb = load(path)
        for n in (n for n in course.chapter(int(path.name[:2])).exercises if n <= 6):
            start = next(i for i, c in enumerate(nb.cells) if c.source.startswith(f"## Exercise {n}"))
            check = next(c for c in nb.cells[start:] if c.cell_type == "code")
            assert check.source.strip() == f"exercises.exercise({n})"
            solution = next(c for c in nb.cells[start:] if c.source.startswith("### Solution"))
            assert solution.metadata.get("jp-MarkdownHeadingCollapsed") is True
            assert "solution" in solution.metadata.get("tags", [])

    def test_coding_exercises_have_a_your_turn_check_before_the_reference(self, path):
        nb = load(path)
        chapter = course.chapter(int(path.name[:2]))
        if not any(n >= 7 for n in chapter.exercises):
            return
        start = next(i for i, c in enumerate(nb.cells) if c.source.startswith("## Your turn"))
        checks = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "checks.check_" in c.source]
        assert checks and checks[0] > start, "no check cell in the 'Your turn' section"
        reference = next(i for i, c in enumerate(nb.cells) if c.source.startswith(REFERENCE_SOLUTION[chapter.number]))
        assert checks[0] < reference, "'Your turn' and its check must come before the reference solution"


# ----------------------------------------------------------------------------- the Colab setup cell


def _repository() -> str:
    """The course's GitHub repository, as README.md's Binder badge names it."""
    readme = (course.notebooks_dir().parent / "README.md").read_text(encoding="utf-8")
    return re.search(r"mybinder\.org/v2/gh/([\w.-]+/[\w.-]+)/", readme).group(1)


def test_colab_setup_cell_installs_this_repository_only_on_colab():
    from IPython.core.inputtransformer2 import TransformerManager

    source = colab_setup_source()
    assert len([line for line in source.splitlines() if line.strip()]) <= MAX_CODE_LINES
    assert f"git+https://github.com/{_repository()}" in source
    python = TransformerManager().transform_cell(source)
    lines = python.splitlines()
    guard = lines.index(COLAB_CHECK)
    body = lines[guard + 1:]
    assert body and all(line.startswith("    ") for line in body), "everything after the Colab check is inside it"
    assert any(line.startswith("    get_ipython().run_line_magic('pip', 'install ") for line in body)
    assert "    output.enable_custom_widget_manager()" in body
    before = [line for line in lines[:guard] if line.strip() and not line.startswith("#")]
    assert before == ["import sys"], "outside Colab the cell only imports sys"
    compile(python, "<setup cell>", "exec")


@pytest.mark.slow
def test_colab_setup_cell_in_a_real_kernel(tmp_path):
    """Silent outside Colab; on a (faked) Colab it runs %pip and turns on the widget manager."""
    from nbclient import NotebookClient

    source = colab_setup_source()
    fake_colab = (
        "import sys, types\n"
        "calls = []\n"
        "colab = types.ModuleType('google.colab')\n"
        "colab.output = types.SimpleNamespace(enable_custom_widget_manager=lambda: calls.append('widgets'))\n"
        "sys.modules['google.colab'] = colab\n"
        "get_ipython().register_magic_function(lambda line: calls.append('pip ' + line), 'line', 'pip')"
    )
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source), nbformat.v4.new_code_cell(fake_colab),
                nbformat.v4.new_code_cell(source), nbformat.v4.new_code_cell("print(calls)")]
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert nb.cells[0].outputs == [], "outside Colab the setup cell must print nothing"
    assert nb.cells[1].outputs == [] and nb.cells[2].outputs == []
    printed = "".join(o.get("text", "") for o in nb.cells[3].outputs)
    url = f"git+https://github.com/{_repository()}"
    assert printed == repr([f'pip install --quiet "cnnlab @ {url}"', "widgets"]) + "\n"
