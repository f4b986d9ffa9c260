"""tools/make_student.py: the course without the worked solutions (``make student``)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import pytest

from cnnlab import course

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "make_student.py"


def _load_tool():
    spec = importlib.util.spec_from_file_location("make_student", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_student"] = module
    spec.loader.exec_module(module)
    return module


tool = _load_tool()
v4 = nbformat.v4


def tagged(cell, *tags):
    cell.metadata["tags"] = list(tags)
    return cell


def solution_heading(text="### Solution\n\nThe answer is 42."):
    cell = tagged(v4.new_markdown_cell(text), "solution")
    cell.metadata["heading_collapsed"] = True
    return cell


def code_with_output(source, text):
    cell = v4.new_code_cell(source, execution_count=1)
    cell.outputs = [v4.new_output("stream", name="stdout", text=text)]
    return cell


def write(folder: Path, name: str, cells) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    nb = v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                               "language": "python"}})
    path = folder / name
    nbformat.write(nb, path)
    return path


def sources(nb):
    return [cell.source for cell in nb.cells]


def placeholders(nb):
    return [c for c in nb.cells if "solution-removed" in c.metadata.get("tags", [])]


@pytest.fixture
def course_folder(tmp_path):
    """Two small notebooks: one with two runs of solution cells, one without any."""
    folder = tmp_path / "notebooks"
    write(folder, "01_a.ipynb", [
        v4.new_markdown_cell("# 01 · A\n\nIntro. **Next:** [02](02_b.ipynb)"),
        code_with_output("print('kept')", "kept\n"),
        v4.new_markdown_cell("## Exercise 1\n\nWhat is 6 × 7?"),
        solution_heading(),
        tagged(code_with_output("print(6 * 7)", "42\n"), "solution"),
        tagged(v4.new_markdown_cell("Because 6 × 7 = 42."), "solution"),
        v4.new_markdown_cell("## Exercise 2\n\nWhat is 2 + 2?"),
        solution_heading("### Solution\n\nFour."),
        tagged(code_with_output("print(2 + 2)", "4\n"), "solution", "nbval-ignore-output"),
        v4.new_markdown_cell("## Summary\n\nDone."),
    ])
    write(folder, "02_b.ipynb", [
        v4.new_markdown_cell("# 02 · B\n\n[back](01_a.ipynb)"),
        tagged(code_with_output("x = 1", ""), "nbval-ignore-output"),
    ])
    return folder


def test_removes_solution_cells_and_marks_each_run(course_folder, tmp_path):
    out = tmp_path / "student"
    counts = tool.make_student(sorted(course_folder.glob("*.ipynb")), out)
    assert counts == {"01_a.ipynb": 5, "02_b.ipynb": 0}
    nb = nbformat.read(out / "01_a.ipynb", as_version=4)
    nbformat.validate(nb)
    assert not [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert sources(nb) == [
        "# 01 · A\n\nIntro. **Next:** [02](02_b.ipynb)",
        "print('kept')",
        "## Exercise 1\n\nWhat is 6 × 7?",
        tool.PLACEHOLDER,
        "## Exercise 2\n\nWhat is 2 + 2?",
        tool.PLACEHOLDER,
        "## Summary\n\nDone.",
    ]
    marks = placeholders(nb)
    assert len(marks) == 2 and all(c.cell_type == "markdown" for c in marks)
    assert len({c.id for c in nb.cells}) == len(nb.cells), "cell ids must stay unique"
    text = "\n".join(sources(nb))
    assert "42" not in text and "Four" not in text and "2 + 2)" not in text


def test_keeps_other_cells_outputs_and_metadata(course_folder, tmp_path):
    out = tmp_path / "student"
    tool.make_student(sorted(course_folder.glob("*.ipynb")), out)
    original = nbformat.read(course_folder / "01_a.ipynb", as_version=4)
    student = nbformat.read(out / "01_a.ipynb", as_version=4)
    kept = student.cells[1]
    assert kept == original.cells[1] and kept.outputs[0].text == "kept\n"
    assert student.metadata == original.metadata
    # A notebook without solutions is copied unchanged, cell for cell.
    assert nbformat.read(out / "02_b.ipynb", as_version=4) == nbformat.read(course_folder / "02_b.ipynb",
                                                                             as_version=4)


def test_is_repeatable_and_copies_companion_files(course_folder, tmp_path):
    (course_folder / "images").mkdir()
    (course_folder / "images" / "figure.png").write_bytes(b"\x89PNG")
    (course_folder / "data.csv").write_text("a,b\n")
    (course_folder / ".ipynb_checkpoints").mkdir()
    (course_folder / ".ipynb_checkpoints" / "01_a-checkpoint.ipynb").write_text("{}")
    out = tmp_path / "student"
    notebooks = sorted(course_folder.glob("*.ipynb"))
    tool.make_student(notebooks, out)
    first = (out / "01_a.ipynb").read_bytes()
    tool.make_student(notebooks, out)
    assert (out / "01_a.ipynb").read_bytes() == first, "the same course must give the same files"
    assert (out / "images" / "figure.png").read_bytes() == b"\x89PNG"
    assert (out / "data.csv").read_text() == "a,b\n"
    assert not (out / ".ipynb_checkpoints").exists()


def test_every_run_gets_one_placeholder(tmp_path):
    cells = [
        v4.new_markdown_cell("# T"),
        tagged(v4.new_markdown_cell("### Solution\n\nfirst"), "solution"),
        v4.new_markdown_cell("between"),
        tagged(v4.new_code_cell("second = 2"), "solution"),
        tagged(v4.new_code_cell("third = 3"), "solution"),
        tagged(v4.new_code_cell("fourth = 4"), "solution"),
    ]
    path = write(tmp_path / "nb", "t.ipynb", cells)
    assert tool.make_student([path], tmp_path / "out") == {"t.ipynb": 4}
    nb = nbformat.read(tmp_path / "out" / "t.ipynb", as_version=4)
    assert sources(nb) == ["# T", tool.PLACEHOLDER, "between", tool.PLACEHOLDER]


@pytest.mark.parametrize("inside", [".", "student", "deeper/student"])
def test_refuses_an_output_folder_inside_the_notebooks(course_folder, inside, capsys):
    notebooks = sorted(course_folder.glob("*.ipynb"))
    out = course_folder / inside
    with pytest.raises(tool.RefusedOutput, match="inside the notebooks' folder"):
        tool.make_student(notebooks, out)
    assert tool.main(["--out", str(out), *map(str, notebooks)]) == 2
    assert "refusing" in capsys.readouterr().err
    assert sorted(p.name for p in course_folder.iterdir()) == ["01_a.ipynb", "02_b.ipynb"]


def test_command_line_prints_one_line_per_notebook(course_folder, tmp_path, capsys):
    notebooks = sorted(course_folder.glob("*.ipynb"))
    assert tool.main(["--out", str(tmp_path / "student"), *map(str, notebooks)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"01_a\.ipynb\s+5 cells removed", lines[0])
    assert re.fullmatch(r"02_b\.ipynb\s+0 cells removed", lines[1])


def test_an_untagged_solution_is_reported_not_handed_out(tmp_path, capsys):
    path = write(tmp_path / "nb", "t.ipynb", [
        v4.new_markdown_cell("## Exercise 3\n\nQuestion?"),
        v4.new_markdown_cell("### Solution\n\nThe answer, which someone forgot to tag."),
    ])
    with pytest.raises(tool.StudentCheckError, match="not tagged 'solution'"):
        tool.make_student([path], tmp_path / "out")
    assert tool.main(["--out", str(tmp_path / "out"), str(path)]) == 1
    # Exercises 7-10 are coding projects: a "Solution" heading there is not a tagged worked solution.
    other = write(tmp_path / "nb7", "t.ipynb", [
        v4.new_markdown_cell("## Exercise 7\n\nBuild a CNN."), v4.new_markdown_cell("### Solution\n\nOurs."),
    ])
    assert tool.make_student([other], tmp_path / "out7") == {"t.ipynb": 0}


def test_the_check_finds_text_of_a_removed_cell():
    removed = tagged(v4.new_markdown_cell("### Solution\n\nsecret"), "solution")
    original = [v4.new_markdown_cell("# T"), removed]
    leaky = v4.new_notebook(cells=[v4.new_markdown_cell("# T"), v4.new_markdown_cell("### Solution\n\nsecret")])
    assert any("removed cell" in p for p in tool.check_student(leaky, original, [removed]))
    clean = v4.new_notebook(cells=[v4.new_markdown_cell("# T")])
    assert tool.check_student(clean, original, [removed]) == []


# ----------------------------------------------------------------------------- the real course

NOTEBOOKS = sorted(course.notebooks_dir().glob("*.ipynb"))
TAGGED_EXERCISES = [(chapter.file, n) for chapter in course.CHAPTERS for n in chapter.exercises if 1 <= n <= 6]


def test_the_real_course_gives_valid_student_notebooks(tmp_path):
    counts = tool.make_student(NOTEBOOKS, tmp_path / "student")
    assert set(counts) == {p.name for p in NOTEBOOKS}
    for path in NOTEBOOKS:
        student = nbformat.read(tmp_path / "student" / path.name, as_version=4)
        nbformat.validate(student)
        assert not [c for c in student.cells if "solution" in c.metadata.get("tags", [])], path.name
        for link in re.findall(r"\]\(([^)#:\s]+\.ipynb)\)", "\n".join(c.source for c in student.cells)):
            assert (tmp_path / "student" / link).exists(), f"{path.name} links to {link}, not in the student folder"


def solution_cells(nb) -> dict[int, list]:
    """The cells that start a worked solution: a ``### Solution`` heading after ``## Exercise N``."""
    found, exercise = {}, None
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for match in re.finditer(r"^##\s+Exercise\s+(\d+)\b|^###\s+Solution\b", cell.source, re.MULTILINE):
            if match.group(1) is not None:
                exercise = int(match.group(1))
            elif exercise is not None:
                found.setdefault(exercise, []).append(cell)
    return found


@pytest.mark.parametrize(("file", "exercise"), TAGGED_EXERCISES,
                         ids=[f"{file[:2]}-exercise-{n}" for file, n in TAGGED_EXERCISES])
def test_the_real_worked_solutions_are_tagged(file, exercise):
    nb = nbformat.read(course.notebooks_dir() / file, as_version=4)
    starts = solution_cells(nb).get(exercise, [])
    assert starts, f"{file}: no '### Solution' heading after '## Exercise {exercise}'"
    tagged_starts = [c for c in starts if "solution" in c.metadata.get("tags", [])]
    assert tagged_starts, f"{file}: the solution of exercise {exercise} is not tagged 'solution'"
    for cell in tagged_starts:
        assert cell.source.startswith("### Solution"), f"{file}: exercise {exercise}'s solution cell must begin with it"
        assert cell.metadata.get("heading_collapsed") is True, f"{file}: exercise {exercise}: heading_collapsed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_real_solution_cell_holds_a_question_or_the_summary(path):
    """A tagged cell is removed whole: it must not also hold an exercise's question or the summary."""
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        if "solution" in cell.metadata.get("tags", []):
            headings = re.findall(r"^#{1,2}\s.*", cell.source, re.MULTILINE)
            assert not headings, f"cell {index} is tagged 'solution' but holds {headings}: split the cell"
