"""The chapter's checklist: every concept of the CNN chapter is taught, and taught with code.

One row of :data:`CONCEPTS` per concept: (concept, notebook, prose regex, code regex).
A concept is covered when one *section* of its notebook (the text between two headings
of level 1 or 2, ``#`` or ``##``) has

- the concept in a **heading** (any level) or in **bold** text: the prose regex is matched
  against the section's markdown in which headings and bold spans are marked ``⟦...⟧``
  (a plain mention in running text does not count), and
- a code cell that runs it: the code regex is matched against the section's code cells.

VGGNet and Inception-v4 are only named by the chapter, so their rows ask for the name in a
heading or bold text followed by a pointer (a link or a paper reference such as
"(Szegedy et al., 2016)"), and no code.

Cells tagged ``solution`` are left out: the student version (``make student``) removes
them, and the course must cover the chapter without its worked solutions.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import nbformat
import pytest

from cnnlab import course

OPEN, CLOSE = "⟦", "⟧"
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_POINTER = (r"(?:\]\(\s*(?:https?://|doi:)[^)\s]+\)"  # a link
            r"|\(\s*[A-Z][\w'-]+(?:\s+et\s+al\.?|\s+(?:and|&)\s+[A-Z][\w'-]+)?,?\s+(?:19|20)\d\d"  # (Author, 2014)
            r"|arxiv\.org/|doi\.org/)")


def emphasised(pattern: str) -> str:
    """A regex for ``pattern`` inside one heading or one bold span."""
    return rf"{OPEN}[^{CLOSE}\n]*?(?:{pattern})[^{CLOSE}\n]*{CLOSE}"


def named_with_pointer(name: str) -> str:
    """``name`` in a heading or bold span, then a link or a paper reference on its line or the next one."""
    return rf"{OPEN}[^{CLOSE}\n]*?(?:{name})[^\n]*?(?:\n[ \t]*\n?[^\n]*?)?{_POINTER}"


def all_of(*patterns: str) -> str:
    """A regex that matches where every one of ``patterns`` matches (in any order)."""
    return "^" + "".join(rf"(?=[\s\S]*?(?:{p}))" for p in patterns)


class Concept(NamedTuple):
    name: str
    notebook: str
    prose: str
    code: str | None


A02, A03 = "02_convolutional_layers.ipynb", "03_filters_and_feature_maps.ipynb"
A05, A06 = "05_pooling.ipynb", "06_cnn_architectures.ipynb"

CONCEPTS = [
    Concept("receptive fields", "01_visual_cortex_and_receptive_fields.ipynb",
            emphasised(r"receptive fields?"), r"ops\.receptive_field(?:_bounds)?\("),
    Concept("zero padding", A02, emphasised(r"zero[- ]padding"), r"ops\.same_padding\(|ConvGeometryExplorer\b"),
    Concept("stride", A02, emphasised(r"\bstrides?\b"), r"ops\.output_size\(|\bstrides\s*="),
    Concept("filters", A03, emphasised(r"\bfilters?\b"),
            r"kernels\.filter_bank\(|kernels\.(?:vertical|horizontal)_line\("),
    Concept("feature maps", A03, emphasised(r"feature maps?"), r"tf\.nn\.conv2d\(|ops\.conv2d\(|layers\.Conv2D\("),
    Concept("channels (colour channels / stacking)", A03,
            emphasised(r"colou?r channels|stack\w*[^⟧\n]*channels|channels[^⟧\n]*stack"),
            r"\b(\w+)\s*:\s*\1\s*\+\s*1\b|\bchannels\s*=\s*3\b"),  # one channel sliced out, c:c + 1
    Concept("Equation 13-1", A02, emphasised(r"Equation 13-1\b"), r"ops\.conv2d_naive\b"),
    Concept("SAME vs VALID", A02, emphasised(r"(?-i:SAME)\b[^⟧\n]*\b(?-i:VALID)|(?-i:VALID)\b[^⟧\n]*\b(?-i:SAME)"),
            all_of(r"""padding\s*=\s*["'](?i:same)["']|\(\s*["']SAME["']""",
                   r"""padding\s*=\s*["'](?i:valid)["']|["']VALID["']\s*\)""")),
    Concept("memory arithmetic (parameters and RAM)", "04_memory_requirements.ipynb",
            all_of(emphasised(r"\bparameters\b"), emphasised(r"\bRAM\b")),
            all_of(r"memory\.conv2d_stats\(", r"\.params\b", r"\.bytes_per_(?:instance|batch)\(")),
    Concept("max pooling", A05, emphasised(r"\bmax[- ]pooling"), r"ops\.max_pool2d\(|\bMaxPool(?:ing)?2D\("),
    Concept("average pooling", A05, emphasised(r"(?<!global )\baverage pooling"),
            r"ops\.avg_pool2d\(|(?<!Global)\bAveragePooling2D\(|(?<!Global)\bAvgPool2D\("),
    Concept("depthwise pooling", A05, emphasised(r"depth[- ]?wise (?:max )?pooling"),
            r"ops\.depth_max_pool\(|ksize\s*=\s*\(1,\s*1,\s*1,"),
    Concept("global average pooling", A05, emphasised(r"global average pooling"),
            r"ops\.global_avg_pool\(|GlobalAveragePooling2D\(|GlobalAvgPool2D\("),
    Concept("LeNet-5", A06, emphasised(r"LeNet-5"), r"models\.lenet5\("),
    Concept("AlexNet", A06, emphasised(r"AlexNet"), r"models\.alexnet\("),
    Concept("local response normalisation (Equation 13-2)", A06,
            all_of(emphasised(r"local response normali[sz]ation"), emphasised(r"Equation 13-2\b")),
            r"LocalResponseNormalization\(|local_response_normalization\("),
    Concept("data augmentation (AlexNet's)", A06, all_of(emphasised(r"data augmentation"), r"AlexNet"),
            r"keras\.layers\.Random\w+\(|tf\.image\.(?:stateless_)?random_\w+\(|tf\.image\.flip_left_right\("
            r"|\baugment\w*\("),
    Concept("GoogLeNet", A06, emphasised(r"GoogLeNet"), r"models\.googlenet\("),
    Concept("inception module", A06, emphasised(r"inception modules?"), r"models\.inception_module\("),
    Concept("auxiliary classifiers", A06, emphasised(r"auxiliary classifiers?"), r"aux_classifiers\s*=\s*True"),
    Concept("ResNet residual learning", A06, emphasised(r"residual learning"), r"models\.residual_unit\("),
    Concept("residual units", A06, emphasised(r"residual units?"), r"models\.residual_unit\("),
    Concept("1×1 projection skip connection", A06,
            emphasised(r"1\s*[×x]\s*1[^⟧\n]*(?:projection|projects?|skip|shortcut)"
                       r"|projection (?:skip )?(?:connection|shortcut)"),
            r"models\.residual_unit\([^)]*\bstrides\s*=\s*2"),
    Concept("ResNet-34", A06, emphasised(r"ResNet-34"), r"models\.resnet34\b"),
    Concept("ResNet-152", A06, emphasised(r"ResNet-152"), r"models\.resnet152\b"),
    Concept("VGGNet (named, with a pointer)", A06, named_with_pointer(r"VGG\s?Net|VGG-?1[69]"), None),
    Concept("Inception-v4 (named, with a pointer)", A06, named_with_pointer(r"Inception[- ]v4"), None),
]


# ----------------------------------------------------------------------------- matching


class Section(NamedTuple):
    heading: str
    markdown: str  # headings and bold spans marked ⟦...⟧
    code: str  # the section's code cells, one after the other
    cells: tuple[int, ...]  # indices of the notebook's cells that are (partly) in this section


def mark(markdown: str) -> str:
    """Markdown with each heading and each bold span wrapped in ⟦...⟧, the rest as is."""
    lines = []
    for line in markdown.splitlines():
        heading = _HEADING.match(line)
        if heading:
            lines.append(f"{heading.group(1)} {OPEN}{heading.group(2)}{CLOSE}")
        else:
            lines.append(_BOLD.sub(lambda m: OPEN + (m.group(1) or m.group(2)) + CLOSE, line))
    return "\n".join(lines)


def is_solution(cell) -> bool:
    return "solution" in cell.get("metadata", {}).get("tags", [])


def sections(cells) -> list[Section]:
    """Split a notebook into sections at each ``#`` or ``##`` heading (solution cells left out).

    A markdown cell may end one section and start the next; it then belongs to both.
    """
    found = [Section("", "", "", ())]

    def add(markdown="", code="", index=None):
        last = found[-1]
        found[-1] = last._replace(markdown="\n\n".join(filter(None, [last.markdown, markdown])),
                                  code="\n\n".join(filter(None, [last.code, code])),
                                  cells=last.cells + ((index,) if index not in last.cells else ()))

    for index, cell in enumerate(cells):
        if is_solution(cell) or cell.cell_type not in ("markdown", "code"):
            continue
        if cell.cell_type == "code":
            add(code=cell.source, index=index)
            continue
        chunk: list[str] = []
        for line in cell.source.splitlines():
            heading = _HEADING.match(line)
            if heading and len(heading.group(1)) <= 2:
                if any(part.strip() for part in chunk):
                    add(markdown=mark("\n".join(chunk)), index=index)
                chunk = []
                found.append(Section(line.strip(), "", "", ()))
            chunk.append(line)
        if any(part.strip() for part in chunk):
            add(markdown=mark("\n".join(chunk)), index=index)
    return found


def matching_sections(cells, row: Concept) -> list[Section]:
    """The sections of ``cells`` where ``row``'s concept is named (heading or bold) and run."""
    return [s for s in sections(cells)
            if re.search(row.prose, s.markdown, re.IGNORECASE)
            and (row.code is None or re.search(row.code, s.code))]


def covered(cells, row: Concept) -> bool:
    return bool(matching_sections(cells, row))


def diagnose(cells, row: Concept) -> str:
    """Why ``row`` is not covered, in words."""
    parts = sections(cells)
    named = [s for s in parts if re.search(row.prose, s.markdown, re.IGNORECASE)]
    run = [s for s in parts if row.code is not None and re.search(row.code, s.code)]

    def where(found):
        return ", ".join(repr(s.heading or "(top)") for s in found)

    if not named:
        plain = [s for s in parts if re.search(_plain(row.prose), s.markdown, re.IGNORECASE)]
        message = f"no heading or bold text matches /{row.prose}/"
        message += f"; named only in plain text in {where(plain)}" if plain else "; not named at all"
    else:
        message = f"named in {where(named)}, but no code cell there matches /{row.code}/"
    if row.code is not None and not named:
        message += f"; code matching /{row.code}/ in {where(run)}" if run else f"; no code cell matches /{row.code}/"
    return message


def _plain(pattern: str) -> str:
    """``pattern`` without its heading/bold requirement (to say where a concept is only in plain text)."""
    return pattern.replace(OPEN, "").replace(f"[^{CLOSE}\\n]", "[^\\n]").replace(CLOSE, "")


# ----------------------------------------------------------------------------- the checklist

_cache: dict[str, list] = {}


def notebook_cells(file: str):
    if file not in _cache:
        _cache[file] = nbformat.read(course.notebooks_dir() / file, as_version=4).cells
    return _cache[file]


def test_every_row_names_a_course_notebook():
    files = {chapter.file for chapter in course.CHAPTERS}
    assert all(row.notebook in files for row in CONCEPTS)
    assert len({row.name for row in CONCEPTS}) == len(CONCEPTS)


@pytest.mark.parametrize("row", CONCEPTS, ids=[row.name for row in CONCEPTS])
def test_concept_is_covered(row):
    cells = notebook_cells(row.notebook)
    if not covered(cells, row):
        pytest.fail(f"{row.name!r} is not covered in {row.notebook}: {diagnose(cells, row)}", pytrace=False)


@pytest.mark.parametrize("row", CONCEPTS, ids=[row.name for row in CONCEPTS])
def test_deleting_the_section_uncovers_the_concept(row):
    """The regexes are specific: with the sections that cover a concept deleted, it is no longer covered."""
    cells = notebook_cells(row.notebook)
    doomed = {i for s in matching_sections(cells, row) for i in s.cells}
    assert not covered([c for i, c in enumerate(cells) if i not in doomed], row)


# ----------------------------------------------------------------------------- the matching itself

v4 = nbformat.v4
GAP = next(row for row in CONCEPTS if row.name == "global average pooling")
AUX = next(row for row in CONCEPTS if row.name == "auxiliary classifiers")


def test_removing_the_heading_or_the_code_cell_uncovers_a_real_concept():
    """On the real notebooks: each concept is covered, and dropping its heading or its code uncovers it."""
    cells = notebook_cells(A05)
    assert covered(cells, GAP), diagnose(cells, GAP)
    without_heading = [c for c in cells if not (c.cell_type == "markdown" and "Global average pooling" in c.source
                                                and c.source.lstrip().startswith("#"))]
    without_code = [c for c in cells if not (c.cell_type == "code" and "global_avg_pool" in c.source)]
    assert not covered(without_heading, GAP) and not covered(without_code, GAP)
    cells = notebook_cells(A06)
    assert covered(cells, AUX), diagnose(cells, AUX)
    assert not covered([c for c in cells if "aux_classifiers=True" not in c.source], AUX)


def toy(*cells):
    made = []
    for kind, source in cells:
        made.append(v4.new_markdown_cell(source) if kind == "md" else v4.new_code_cell(source))
    return made


def test_a_heading_or_bold_text_counts_plain_text_does_not():
    code = ("code", "out = ops.global_avg_pool(maps)")
    assert covered(toy(("md", "## Global average pooling\n\nIt averages."), code), GAP)
    assert covered(toy(("md", "## Pooling\n\nA **global average pooling** layer."), code), GAP)
    assert covered(toy(("md", "### Global average pooling, at last"), code), GAP)
    assert not covered(toy(("md", "## Pooling\n\nA global average pooling layer."), code), GAP)
    assert not covered(toy(("md", "## Pooling\n\n**Global** average pooling."), code), GAP)
    assert not covered(toy(("md", "## Global average pooling")), GAP), "named but never run"


def test_the_code_must_be_in_the_same_section():
    assert not covered(toy(("md", "## Global average pooling\n\nIt averages."),
                           ("md", "## Something else"), ("code", "ops.global_avg_pool(maps)")), GAP)
    # A cell can end one section and start the next: the heading's section starts mid-cell.
    assert covered(toy(("md", "End of pooling.\n\n## Global average pooling"), ("code", "ops.global_avg_pool(maps)")),
                   GAP)


def test_solution_cells_do_not_count():
    cells = toy(("md", "## Global average pooling"), ("code", "ops.global_avg_pool(maps)"))
    cells[1].metadata["tags"] = ["solution"]
    assert not covered(cells, GAP)


def test_a_named_concept_needs_a_pointer():
    vgg = next(row for row in CONCEPTS if row.name.startswith("VGGNet"))
    assert covered(toy(("md", "The chapter names **VGGNet** (Simonyan and Zisserman, 2014).")), vgg)
    assert covered(toy(("md", "**[VGGNet](https://arxiv.org/abs/1409.1556)**: 3×3 stacks.")), vgg)
    assert covered(toy(("md", "### VGGNet\n\nSee [the paper](https://arxiv.org/abs/1409.1556).")), vgg)
    assert not covered(toy(("md", "The chapter names **VGGNet**, a plain stack of 3×3 convolutions.")), vgg)
    assert not covered(toy(("md", "The chapter names VGGNet (Simonyan and Zisserman, 2014).")), vgg)
