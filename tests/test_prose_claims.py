"""Every number in the course's prose is covered by the claims table (tests/prose_claims), and each claim holds.

A number in a markdown cell (or an exercise text) is covered when it lies inside a quote of a
claim for that text or inside a name that ``NAME_PATTERNS`` knows. A claim's quote must still
occur (no stale claims); a computed claim's check must return True; a printed claim's text must
be in the notebook's committed outputs; a cited claim names its source and where in it.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

from tests.prose_claims import NAME_PATTERNS, NUMBER, Claim, notebook_outputs

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TABLES = sorted(p.stem for p in (ROOT / "tests" / "prose_claims").glob("*.py") if p.stem != "__init__")


def _table(stem: str):
    return importlib.import_module(f"tests.prose_claims.{stem}")


def _notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _markdown(path: Path) -> list[str]:
    return ["".join(c["source"]) for c in _notebook(path)["cells"] if c["cell_type"] == "markdown"]




def _texts(stem: str) -> list[str]:
    table = _table(stem)
    if hasattr(table, "NOTEBOOK"):
        return _markdown(ROOT / "notebooks" / table.NOTEBOOK)
    return list(table.texts())


def _quote_pattern(quote: str) -> re.Pattern:
    """The quote, with any run of whitespace matching any other (markdown wraps lines anywhere)."""
    return re.compile(r"\s+".join(re.escape(word) for word in quote.split()))


def _covered(text: str, claims: list[Claim]) -> list[bool]:
    mask = [False] * len(text)
    for pattern in NAME_PATTERNS + tuple(_quote_pattern(c.quote) for c in claims):
        for match in pattern.finditer(text):
            mask[match.start():match.end()] = [True] * (match.end() - match.start())
    return mask


def _uncovered(texts: list[str], claims: list[Claim]) -> list[str]:
    problems = []
    for text in texts:
        mask = _covered(text, claims)
        for match in NUMBER.finditer(text):
            if not all(mask[match.start():match.end()]):
                context = text[max(0, match.start() - 50):match.end() + 30].replace("\n", " ")
                problems.append(f"{match.group()!r} in …{context}…")
    return problems


def test_every_notebook_has_a_claims_table():
    stems = {_table(stem).NOTEBOOK for stem in TABLES if hasattr(_table(stem), "NOTEBOOK")}
    missing = [p.name for p in NOTEBOOKS if p.name not in stems]
    assert not missing, f"no claims table in tests/prose_claims for {missing}"
    assert "exercises" in TABLES, "no claims table for the exercise texts (tests/prose_claims/exercises.py)"


@pytest.mark.parametrize("stem", TABLES)
def test_every_number_in_the_prose_is_covered(stem):
    problems = _uncovered(_texts(stem), _table(stem).CLAIMS)
    assert not problems, f"{len(problems)} numbers in the prose have no claim:\n" + "\n".join(problems)


@pytest.mark.parametrize("stem", TABLES)
def test_no_claim_is_stale(stem):
    texts = _texts(stem)
    stale = [c.quote for c in _table(stem).CLAIMS if not any(_quote_pattern(c.quote).search(t) for t in texts)]
    assert not stale, f"quotes no longer in the prose (update or delete these claims): {stale}"


def _claims(kind: str):
    for stem in TABLES:
        for i, claim in enumerate(_table(stem).CLAIMS):
            if claim.kind == kind:
                yield pytest.param(stem, claim, id=f"{stem}-{i}-{claim.quote[:40]}")


@pytest.mark.parametrize("stem, claim", list(_claims("computed")))
def test_computed_claim_holds(stem, claim):
    result = claim.evidence()
    assert result is True or (hasattr(result, "dtype") and result.dtype == bool and result.all() and result.size), (
        f"{claim.quote!r}: its check returned {result!r}, not True")


@pytest.mark.parametrize("stem, claim", list(_claims("printed")))
def test_printed_claim_is_in_the_outputs(stem, claim):
    table = _table(stem)
    assert hasattr(table, "NOTEBOOK"), "printed claims need a notebook"
    outputs = notebook_outputs(table.NOTEBOOK)
    assert re.sub(r"\s+", " ", claim.evidence) in outputs, (
        f"{claim.quote!r}: {claim.evidence!r} is not in the committed outputs of {table.NOTEBOOK}")


def test_the_coverage_check_can_fail():
    """A number outside every quote and name is reported; inside a quote or a name it is not."""
    from tests.prose_claims import cited

    claims = [cited("error of 0.23 %", "Cireşan et al., CVPR 2012, Table 1")]
    text = "An error of 0.23 % (see Figure 13-7 and `conv2d(x, 3)`), while 0.17 % is uncited."
    problems = _uncovered([text], claims)
    assert len(problems) == 1 and problems[0].startswith("'0.17' in "), problems
