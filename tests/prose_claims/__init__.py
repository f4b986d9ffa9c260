"""The prose claims table: every number a learner reads in the course's prose, and why it is right.

Each module ``nNN.py`` here covers one notebook (``NOTEBOOK = "NN_….ipynb"``) and
``exercises.py`` covers the exercise texts (it defines ``texts()``, the strings a learner
reads). Each holds ``CLAIMS``, a list made with the four functions below. A claim quotes
the prose exactly (whitespace may differ) and every number inside the quote is covered by it.
``tests/test_prose_claims.py`` finds every number in the prose and fails when one is not
covered, when a quote no longer occurs (a stale claim), or when a check fails.

* :func:`computed` - the number comes from the package: ``check()`` recomputes it with
  cnnlab (or Keras) and returns True when the prose is right.
* :func:`printed` - the number is what a code cell of the same notebook prints: ``text``
  must occur in the notebook's committed outputs (a normal-mode run, which nbval compares
  with a fresh run in CI).
* :func:`cited` - the number is a fact from a source: ``source`` names the work, its edition
  or year, and where in it (section, table, page or equation).
* :func:`name` - the digits are part of a name, not a quantity (``class 3`` of a data set,
  a layer called ``block2``); ``why`` says so. Names the test already knows (Figure 13-7,
  Exercise 8, ResNet-34, float32, notebook 07...) need no claim: see ``NAME_PATTERNS``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["Claim", "computed", "printed", "cited", "name", "notebook_code", "notebook_outputs", "printed_number", "code_has", "NAME_PATTERNS", "NUMBER"]

#: A number as a learner reads it: 3, 3,670, 0.17, 1e-5 (two numbers), 13-1 (two numbers).
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")

#: Digits that belong to a name. Each pattern matches the whole name; numbers inside a match need no claim.
NAME_PATTERNS = tuple(re.compile(p, re.IGNORECASE | re.MULTILINE) for p in (
    r"`[^`\n]*`",                                          # inline code: identifiers and calls, run in the cells
    r"\]\([^)\s]*\)", r"<[^>\n]*>", r"https?://\S+",       # link targets, HTML tags, URLs
    r"^\s*(?:#+\s*)?\d+[.)]\s",                            # list and heading numbering
    r"\b(?:figures?|equations?|tables?)\s+\d+-\d+(?:\s*(?:to|and|–|-)\s*\d+-\d+)?",
    r"\bexercises?\s+\d+(?:\s*(?:,|and|–|-|to|or)\s*\d+)*",
    r"\bnotebooks?\s+\d+(?:\s*(?:,|and|–|-|to|or)\s*\d+)*", r"\b\d\d_\w+",
    r"\b\d\d · ",                                           # a notebook's title: "04 · Memory requirements"
    r"\bchapters?\s+\d+", r"\bappendix\s+[A-Z]\b", r"\b\d+(?:st|nd|rd|th)\s+edition",
    r"\b(?:LeNet|ResNet|VGG|AlexNet|ZFNet|Inception|MobileNet|EfficientNet|DenseNet)[- ]?v?\d+(?:\.\d+)?(?:_\d+)?\b",
    r"\b(?:float|int|uint|bfloat)\d+\b", r"\b(?:conv|pool|block|dense|fc|C|S|F)\d+(?:_\w+)?\b",
    r"\btop-\d+\b", r"\b(?:Python|TensorFlow|Keras|JupyterLab|TF)\s+\d+(?:\.\d+)*",
    r"\bCNNLAB_QUICK=\d\b", r"\b[13]D\b", r"\b2-D\b|\b3-D\b|\b1-D\b",
))


@dataclass(frozen=True)
class Claim:
    """One quoted passage and the evidence for the numbers in it (make one with the functions below)."""

    quote: str
    kind: str
    evidence: object

    def __post_init__(self) -> None:
        if not isinstance(self.quote, str) or not NUMBER.search(self.quote):
            raise ValueError(f"quote must be the prose's words with a number in them, received {self.quote!r}.")


def computed(quote: str, check: Callable[[], bool]) -> Claim:
    """A number recomputed by ``check()`` from the package; the claim holds when it returns True."""
    if not callable(check):
        raise ValueError(f"check must be a function of no arguments returning True, received {check!r}.")
    return Claim(quote, "computed", check)


def printed(quote: str, text: str) -> Claim:
    """A number that a code cell of the same notebook prints; ``text`` occurs in its committed outputs."""
    if not isinstance(text, str) or not NUMBER.search(text):
        raise ValueError(f"text must be output text with the number in it, received {text!r}.")
    return Claim(quote, "printed", text)


_LOCATOR = re.compile(r"\b(?:19|20)\d\d\b|\bedition\b|\bed\.", re.IGNORECASE)


def cited(quote: str, source: str) -> Claim:
    """A number taken from ``source``: the work, its edition or year, and where (section, table, page)."""
    if not isinstance(source, str) or len(source) < 20 or not _LOCATOR.search(source):
        raise ValueError(f"source must name the work, its edition or year and where in it, received {source!r}.")
    return Claim(quote, "cited", source)


def name(quote: str, why: str) -> Claim:
    """Digits that are part of a name, not a quantity; ``why`` says what they name."""
    if not isinstance(why, str) or len(why) < 10:
        raise ValueError(f"why must say what the digits name, received {why!r}.")
    return Claim(quote, "name", why)


@lru_cache(maxsize=None)
def notebook_code(notebook: str) -> str:
    """Every code cell of ``notebook`` (a file name in notebooks/), joined: for claims about what the cells run."""
    path = Path(__file__).resolve().parents[2] / "notebooks" / notebook
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def code_has(notebook: str, *snippets: str) -> bool:
    """Whether every snippet occurs in the code cells of ``notebook``: the prose describes what the cells run."""
    code = notebook_code(notebook)
    return all(snippet in code for snippet in snippets)


def notebook_outputs(notebook: str) -> str:
    """The text of every committed output of ``notebook``'s code cells (HTML tags dropped, whitespace collapsed)."""
    path = Path(__file__).resolve().parents[2] / "notebooks" / notebook
    parts = []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            parts.append("".join(output.get("text", "")))
            for kind in ("text/plain", "text/markdown", "text/html"):
                parts.append(re.sub(r"<[^>]+>", " ", "".join(output.get("data", {}).get(kind, ""))))
    return re.sub(r"\s+", " ", "\n".join(parts))


def printed_number(notebook: str, pattern: str) -> float:
    """The number that ``pattern`` (a regular expression with one group) finds in ``notebook``'s committed outputs.

    For numbers a run may vary a little (a baseline trained without a fixed order of float additions):
    the claim then checks a range, not the digits.
    """
    found = re.search(pattern, notebook_outputs(notebook))
    if found is None:
        raise AssertionError(f"{pattern!r} is not in the committed outputs of {notebook}")
    return float(found.group(1).replace(",", ""))
