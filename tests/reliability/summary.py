"""Issue #9, reliability and safety: the ``reliability`` marker and the one-line summary (a pytest plugin).

Every module in ``tests/reliability/`` sets::

    pytestmark = pytest.mark.reliability("<category>")

with one of the categories below (``meta`` is for the tests of this summary
itself; it is left out of the line). Nothing else is needed from a module.

At the end of a run that ran any reliability test, one line is printed (and
written to ``artifacts/reliability-summary.txt`` under the rootdir)::

    reliability: property 3012 cases, bad-input 240 cases, ...: all passing

or ``...: 2 failing (bad-input, security)``. A *case* is one test item, except
for a Hypothesis ``@given`` test, which counts the examples Hypothesis ran.

This is a plugin, loaded by ``pytest_plugins`` in tests/conftest.py, not a
conftest of its own: with parallel workers (``pytest -n``, as
``make test`` runs) the controller process, which prints the line, never
collects tests and so never loads ``tests/reliability/conftest.py``. Whatever
process runs a test writes its category and example count into the report's
``user_properties`` (which pytest-xdist sends to the controller), and the
process that prints tallies the reports as they arrive
(``pytest_runtest_logreport``): the same code counts a run with workers and
one without.

How examples are counted: Hypothesis documents ``test.hypothesis.inner_test``
(``hypothesis.core.HypothesisHandle``) as the reassignable function that
``@given`` calls once per example (generated, explicit ``@example`` s,
shrinks and the final replay of a failure). A ``pytest_runtest_call`` wrapper
(innermost, so after Hypothesis' own plugin has prepared the item) replaces it
with a counting wrapper for the duration of the call and puts the original
back afterwards. So @given tests need no fixture and no change: they are
counted as they are. A test that is not a Hypothesis test counts as one case.

Outcomes: a test that fails in setup, call or teardown is failing; an
``xfail`` (expected failure) is a case and is reported after the line's
verdict; a skipped test is not a case and is named too (the suite allows no
skips anyway, see tests/conftest.py).
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

#: The categories of issue #9, in the order the summary lists them (others follow, sorted).
CATEGORIES = ("property", "bad-input", "hostile-files", "download-faults", "widget-stress", "training-faults",
              "reproducibility", "security", "resources", "concurrency")
#: Categories counted but left out of the line (the tests of the summary itself).
HIDDEN = ("meta",)
SUMMARY_FILE = Path("artifacts") / "reliability-summary.txt"
#: The key of this plugin's entry in a report's ``user_properties``: ``(category, examples or None)``.
PROPERTY = "cnnlab-reliability"

_category_key = pytest.StashKey[str]()
_examples_key = pytest.StashKey[int]()


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "reliability(category): a reliability test of issue #9, counted per category in the run's last line "
        "(see tests/reliability/summary.py)",
    )
    config.pluginmanager.register(Tally(), "cnnlab-reliability-tally")


def _marker_category(item) -> str | None:
    marker = item.get_closest_marker("reliability")
    if marker is None:
        return None
    category = marker.args[0] if marker.args else marker.kwargs.get("category")
    if not isinstance(category, str) or not category:
        raise pytest.UsageError(f"{item.nodeid}: use pytest.mark.reliability('<category>'), got {marker!r}")
    return category


def pytest_collection_modifyitems(config, items):
    for item in items:  # a malformed marker stops the run before any test runs
        category = _marker_category(item)
        if category is not None:
            item.stash[_category_key] = category


def _category(item) -> str | None:
    return item.stash.get(_category_key, None)


def _hypothesis_handle(item):
    obj = getattr(item, "obj", None)
    handle = getattr(obj, "hypothesis", None)
    return handle if handle is not None and callable(getattr(handle, "inner_test", None)) else None


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_call(item):
    handle = _hypothesis_handle(item) if _category(item) is not None else None
    if handle is None:
        return (yield)
    original = handle.inner_test
    calls = [0]

    @functools.wraps(original)  # keeps the name, signature and Hypothesis' attributes (database key)
    def counted(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    handle.inner_test = counted
    try:
        return (yield)
    finally:
        handle.inner_test = original
        item.stash[_examples_key] = calls[0]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Mark the report of a reliability test with its category (and, after the call, its examples)."""
    report = yield
    category = _category(item)
    if category is not None:
        examples = item.stash.get(_examples_key, None) if report.when == "call" else None
        report.user_properties.append((PROPERTY, (category, examples)))
    return report


def _marked(report) -> tuple[str, int | None] | None:
    for name, value in report.user_properties:
        if name == PROPERTY:
            return tuple(value)
    return None


def _order(category: str):
    return (CATEGORIES.index(category), "") if category in CATEGORIES else (len(CATEGORIES), category)


def summary_line(tally: dict) -> str | None:
    """The summary of ``{nodeid: {"category", "outcome", "examples"}}``; None if no reliability test ran."""
    cases: dict[str, int] = {}
    failing: dict[str, int] = {}
    xfailed: dict[str, int] = {}
    skipped: dict[str, int] = {}
    for entry in tally.values():
        category, outcome = entry.get("category"), entry.get("outcome")
        if category is None or outcome is None or category in HIDDEN:
            continue
        if outcome == "skipped":
            skipped[category] = skipped.get(category, 0) + 1
            continue
        cases[category] = cases.get(category, 0) + max(1, entry.get("examples", 1))
        if outcome == "failed":
            failing[category] = failing.get(category, 0) + 1
        elif outcome == "xfailed":
            xfailed[category] = xfailed.get(category, 0) + 1
    if not cases and not skipped:
        return None
    counted = ", ".join(f"{category} {cases[category]} case{'s' * (cases[category] != 1)}"
                        for category in sorted(cases, key=_order))
    if failing:
        verdict = f"{sum(failing.values())} failing ({', '.join(sorted(failing, key=_order))})"
    else:
        verdict = "all passing"
    extras = [f"{sum(d.values())} {label} ({', '.join(sorted(d, key=_order))})"
              for d, label in ((xfailed, "xfailed"), (skipped, "skipped")) if d]
    return f"reliability: {counted or 'no cases'}: {verdict}" + "".join(f", {extra}" for extra in extras)


class Tally:
    """The reports of reliability tests, tallied where the line is printed (one per pytest run)."""

    def __init__(self):
        self.entries: dict[str, dict] = {}

    def pytest_runtest_logreport(self, report):
        marked = _marked(report)
        if marked is None:
            return
        category, examples = marked
        entry = self.entries.setdefault(report.nodeid, {})
        entry["category"] = category
        if examples is not None:
            entry["examples"] = examples
        if report.failed:
            entry["outcome"] = "failed"
        elif entry.get("outcome") != "failed":
            if report.skipped and hasattr(report, "wasxfail"):
                entry["outcome"] = "xfailed"
            elif report.skipped:
                entry["outcome"] = "skipped"
            elif report.when == "call":
                entry["outcome"] = "passed"

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter, exitstatus, config):
        line = summary_line(self.entries)
        if line is None:
            return
        failing = ": all passing" not in line
        terminalreporter.write_line(line, red=failing, green=not failing)
        path = config.rootpath / SUMMARY_FILE
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(line + "\n", encoding="utf-8")
        except OSError as error:  # a read-only checkout still gets the line on the terminal
            terminalreporter.write_line(f"(could not write {path}: {error})", yellow=True)
