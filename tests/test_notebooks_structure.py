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


def load(path: Path):
    return nbformat.read(path, as_version=4)


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
        assert all(c.execution_count is not None for c in cells), "not every cell was run before saving"
        assert any(c.outputs for c in cells)
        errors = [o for c in cells for o in c.outputs if o.output_type == "error"]
        assert not errors
        assert nb.metadata.kernelspec.name == "python3"

    def test_starts_with_title_objectives_and_the_setup_cell(self, path):
        nb = load(path)
        number = int(path.name[:2])
        assert nb.cells[0].cell_type == "markdown"
        assert nb.cells[0].source.startswith(f"# {number:02d} · ")
        setup = code_cells(nb)[0]
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
        checks = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "exercises.check_" in c.source]
        assert checks and checks[0] > start, "no check cell in the 'Your turn' section"
        reference = next(i for i, c in enumerate(nb.cells) if c.source.startswith(REFERENCE_SOLUTION[chapter.number]))
        assert checks[0] < reference, "'Your turn' and its check must come before the reference solution"
