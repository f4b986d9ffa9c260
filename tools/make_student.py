"""Write a student version of the course: the notebooks without the worked solutions.

Usage: python tools/make_student.py [--out student] notebooks/*.ipynb   (``make student``)

Every cell of a worked solution (exercises 1-6) carries the cell tag ``solution``.
Each notebook is copied into the output folder with those cells removed (by nbconvert's
``TagRemovePreprocessor``); where a run of consecutive solution cells was, one markdown
cell (tagged ``solution-removed``) tells the student to ask the teacher. Every other cell, output and metadata is kept,
so the relative links between notebooks keep working in the new folder, and every
non-notebook file next to the notebooks (none today) is copied too.

The result is checked before the script reports success: no cell tagged
``solution``, no removed cell's text, and no untagged ``### Solution`` heading
under an ``## Exercise N`` heading for N in 1-6 (a solution someone forgot to tag).

Exit codes: 0 done, 1 a student copy failed its check, 2 refused (bad output folder).
Needs nbformat and nbconvert, which JupyterLab brings (the ``lab`` extra).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import nbformat
from nbconvert.preprocessors import TagRemovePreprocessor

SOLUTION_TAG = "solution"
REMOVED_TAG = "solution-removed"
PLACEHOLDER = "*The worked solution is not included in this version of the course. Ask your teacher.*"
TAGGED_EXERCISES = range(1, 7)  # exercises 7-10 are coding projects: no tagged worked solution

_EXERCISE = re.compile(r"^##\s+Exercise\s+(\d+)\b", re.MULTILINE)
_SOLUTION = re.compile(r"^###\s+Solution\b", re.MULTILINE)


class RefusedOutput(ValueError):
    """The output folder would overwrite or mix with the course's own notebooks."""


class StudentCheckError(RuntimeError):
    """A student notebook still holds (part of) a worked solution."""


def is_solution(cell) -> bool:
    """Whether ``cell`` is part of a worked solution (tagged ``solution``).

    Examples
    --------
    >>> is_solution(nbformat.v4.new_code_cell("x = 1", metadata={"tags": [SOLUTION_TAG]}))
    True
    """
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def _placeholder(nb, first_removed, taken: set[str]):
    cell = nbformat.v4.new_markdown_cell(PLACEHOLDER, metadata={"tags": [REMOVED_TAG]})
    if nb.nbformat > 4 or nb.nbformat_minor >= 5:
        # A stable id (derived from the first removed cell's), so that re-running gives the same file.
        seed = str(first_removed.get("id", len(taken)))
        base = f"{REMOVED_TAG}-{hashlib.sha1(seed.encode()).hexdigest()[:8]}"
        cell.id, n = base, 1
        while cell.id in taken:
            cell.id, n = f"{base}-{n}", n + 1
        taken.add(cell.id)
    else:
        cell.pop("id", None)
    return cell


def strip_solutions(nb) -> tuple[object, list]:
    """Remove the ``solution`` cells of ``nb`` in place; return ``(nb, removed cells)``.

    A placeholder goes in front of each run of consecutive solution cells, then nbconvert's
    ``TagRemovePreprocessor`` (the tool ``jupyter nbconvert --TagRemovePreprocessor.remove_cell_tags``
    runs) drops every cell tagged ``solution``.

    Examples
    --------
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Exercise 1"),
    ...     nbformat.v4.new_code_cell("x = 1", metadata={"tags": [SOLUTION_TAG]}),
    ...     nbformat.v4.new_code_cell("x", metadata={"tags": [SOLUTION_TAG]})])
    >>> nb, removed = strip_solutions(nb)
    >>> len(removed), [cell.metadata["tags"] for cell in nb.cells[1:]]
    (2, [['solution-removed']])
    """
    taken = {cell.get("id") for cell in nb.cells if not is_solution(cell)}
    removed = [cell for cell in nb.cells if is_solution(cell)]
    marked, in_run = [], False
    for cell in nb.cells:
        if is_solution(cell) and not in_run:
            marked.append(_placeholder(nb, cell, taken))
        marked.append(cell)
        in_run = is_solution(cell)
    nb.cells = marked
    nb, _ = TagRemovePreprocessor(remove_cell_tags={SOLUTION_TAG}).preprocess(nb, {})
    return nb, removed


def untagged_solution_headings(nb) -> list[int]:
    """Indices of untagged cells holding ``### Solution`` under ``## Exercise N``, N in 1-6."""
    found, exercise = [], None
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        # Walk the cell's headings in order: a cell may close one exercise and open the next.
        for match in re.finditer(rf"{_EXERCISE.pattern}|{_SOLUTION.pattern}", cell.source, re.MULTILINE):
            if match.group(1) is not None:
                exercise = int(match.group(1))
            elif exercise in TAGGED_EXERCISES and not is_solution(cell):
                found.append(index)
    return found


def check_student(student, original_cells: list, removed: list) -> list[str]:
    """The problems of a student notebook, given the original's cells and the removed ones."""
    problems = []
    tagged = [i for i, cell in enumerate(student.cells) if is_solution(cell)]
    if tagged:
        problems.append(f"cells {tagged} are still tagged {SOLUTION_TAG!r}")
    # Every cell's text may appear only as often as it does in the original's kept cells
    # (a removed cell may share its text with a kept one, e.g. a lone `plt.show()`).
    allowed = Counter(c.source for c in original_cells if not is_solution(c))
    present = Counter(c.source for c in student.cells if REMOVED_TAG not in c.metadata.get("tags", []))
    for cell in removed:
        if cell.source.strip() and present[cell.source] > allowed[cell.source]:
            problems.append(f"the text of a removed cell is still there: {cell.source[:60]!r}")
    leaked = untagged_solution_headings(student)
    if leaked:
        problems.append(f"cells {leaked} hold a '### Solution' heading of exercises 1-6 but are not "
                        f"tagged {SOLUTION_TAG!r}: tag the solution's cells in the course notebook")
    return problems


def _check_output_folder(sources: Iterable[Path], out: Path) -> None:
    out = out.resolve()
    for folder in sorted(set(sources)):
        if out == folder or folder in out.parents:
            raise RefusedOutput(
                f"refusing to write the student version into {out}: it is inside the notebooks' folder "
                f"{folder}. Pick a folder outside it, e.g. --out student")


def _copy_companions(folder: Path, out: Path) -> list[str]:
    """Copy every non-notebook file and folder next to the notebooks (not hidden ones)."""
    copied = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.name == "__pycache__" or entry.suffix == ".ipynb":
            continue
        target = out / entry.name
        if entry.is_dir():
            shutil.copytree(entry, target, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(".*", "__pycache__"))
        else:
            shutil.copy2(entry, target)
        copied.append(entry.name)
    return copied


def make_student(notebooks: Iterable[str | Path], out: str | Path = "student") -> dict[str, int]:
    """Write each notebook without its ``solution`` cells into ``out``; return ``{name: cells removed}``.

    Raises :class:`RefusedOutput` if ``out`` is a notebooks' folder or inside one, and
    :class:`StudentCheckError` if a student copy still holds (part of) a solution.
    """
    paths = [Path(p) for p in notebooks]
    if not paths:
        raise ValueError("notebooks must name at least one .ipynb file, received none.")
    names = [p.name for p in paths]
    duplicates = sorted(name for name, n in Counter(names).items() if n > 1)
    if duplicates:
        raise ValueError(f"notebooks must have distinct names (they share one folder), received {duplicates} twice.")
    out = Path(out)
    sources = {p.resolve().parent for p in paths}
    _check_output_folder(sources, out)
    out.mkdir(parents=True, exist_ok=True)

    counts, problems = {}, []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        original_cells = list(nb.cells)
        nb, removed = strip_solutions(nb)
        target = out / path.name
        nbformat.write(nb, target)
        student = nbformat.read(target, as_version=4)
        nbformat.validate(student)
        problems += [f"{target}: {p}" for p in check_student(student, original_cells, removed)]
        counts[path.name] = len(removed)
    for folder in sorted(sources):
        _copy_companions(folder, out)
    if problems:
        raise StudentCheckError("the student version still holds worked solutions:\n  " + "\n  ".join(problems))
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("student"), help="output folder (default: student)")
    args = parser.parse_args(argv)
    try:
        counts = make_student(args.notebooks, args.out)
    except RefusedOutput as error:
        print(error, file=sys.stderr)
        return 2
    except StudentCheckError as error:
        print(error, file=sys.stderr)
        return 1
    width = max(map(len, counts))
    for name, removed in counts.items():
        print(f"{name:<{width}}  {removed:>3} cell{'s' if removed != 1 else ''} removed")
    print(f"student version written to {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
