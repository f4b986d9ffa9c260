"""The reliability summary line (tests/reliability/summary.py), run on small made-up suites with pytester."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from tests.reliability.summary import summary_line

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.reliability("meta")

CONFTEST = (Path(__file__).with_name("summary.py")).read_text(encoding="utf-8")

SUITE = textwrap.dedent('''
    import pytest
    from hypothesis import example, given, settings, strategies as st

    pytestmark = pytest.mark.reliability("property")

    CALLS = []

    @settings(max_examples=37, database=None, derandomize=True)
    @given(st.integers())
    def test_hypothesis_counts_examples(n):
        CALLS.append(n)

    @settings(max_examples=5, database=None, derandomize=True)
    @given(st.integers())
    @example(10**6)
    def test_explicit_examples_count_too(n):
        pass

    @pytest.mark.parametrize("n", [1, 2])
    @settings(max_examples=4, database=None, derandomize=True)
    @given(st.integers())
    def test_parametrized_hypothesis(n, b):
        pass

    def test_the_inner_test_is_put_back():
        assert test_hypothesis_counts_examples.hypothesis.inner_test.__name__ == "test_hypothesis_counts_examples"
        assert not hasattr(test_hypothesis_counts_examples.hypothesis.inner_test, "__wrapped__")

    def test_examples_really_ran():
        assert len(CALLS) == 37
''')


def _line(result) -> str:
    lines = [line for line in result.outlines if line.startswith("reliability:")]
    assert len(lines) == 1, result.outlines
    return lines[0]


@pytest.fixture
def suite(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makeini("[pytest]\naddopts = --strict-markers -p no:cacheprovider\n")
    return pytester


def test_hypothesis_examples_are_counted_and_the_line_is_written(suite):
    suite.makepyfile(test_props=SUITE)
    suite.makepyfile(test_plain=textwrap.dedent('''
        import pytest
        pytestmark = pytest.mark.reliability("security")

        @pytest.mark.parametrize("i", range(3))
        def test_row(i):
            pass
    '''))
    result = suite.runpytest_subprocess()
    result.assert_outcomes(passed=9)
    # 37 + (5 generated + 1 explicit) + 2 × 4 + 2 plain tests = 53
    expected = "reliability: property 53 cases, security 3 cases: all passing"
    assert _line(result) == expected
    assert (suite.path / "artifacts" / "reliability-summary.txt").read_text() == expected + "\n"


def test_parallel_workers_count_the_same_cases_as_one_process(suite):
    """``make test`` runs with pytest-xdist workers: their controller prints the same line, examples included."""
    suite.makepyfile(test_props=SUITE)
    suite.makepyfile(test_plain=textwrap.dedent('''
        import pytest
        pytestmark = pytest.mark.reliability("security")

        @pytest.mark.parametrize("i", range(3))
        def test_row(i):
            assert i != 2
    '''))
    alone = suite.runpytest_subprocess()
    parallel = suite.runpytest_subprocess("-n", "2", "--dist", "loadfile", "-p", "xdist")
    alone.assert_outcomes(passed=8, failed=1)
    parallel.assert_outcomes(passed=8, failed=1)
    assert "2 workers" in parallel.stdout.str()
    expected = "reliability: property 53 cases, security 3 cases: 1 failing (security)"
    assert _line(alone) == _line(parallel) == expected


def test_failures_are_named_by_category(suite):
    suite.makepyfile(test_mixed=textwrap.dedent('''
        import pytest
        from hypothesis import given, settings, strategies as st

        pytestmark = pytest.mark.reliability("bad-input")

        def test_ok():
            pass

        def test_broken():
            assert False

        @pytest.fixture
        def broken_teardown():
            yield
            raise RuntimeError("teardown")

        def test_teardown_error(broken_teardown):
            pass

        @pytest.mark.xfail(strict=True, reason="known")
        def test_known():
            assert False

        @settings(max_examples=50, database=None, derandomize=True)
        @given(st.integers(0, 100))
        def test_property_fails(n):
            assert n < 50
    '''))
    suite.makepyfile(test_other=textwrap.dedent('''
        import pytest
        pytestmark = pytest.mark.reliability("widget-stress")

        def test_fine():
            pass
    '''))
    suite.makepyfile(test_meta=textwrap.dedent('''
        import pytest
        pytestmark = pytest.mark.reliability("meta")

        def test_hidden():
            assert False
    '''))
    suite.makepyfile(test_unmarked="def test_not_counted():\n    pass\n")
    result = suite.runpytest_subprocess()
    result.assert_outcomes(passed=4, failed=3, xfailed=1, errors=1)
    line = _line(result)
    match = re.fullmatch(r"reliability: bad-input (\d+) cases, widget-stress 1 case: "
                         r"3 failing \(bad-input\), 1 xfailed \(bad-input\)", line)
    assert match, line
    # 4 plain items + the examples of the failing property (at least the failing one, its shrinks, its replay)
    assert int(match.group(1)) > 4 + 1
    assert "meta" not in line


def test_no_line_without_reliability_tests(suite):
    suite.makepyfile(test_plain="def test_a():\n    pass\n")
    result = suite.runpytest_subprocess()
    result.assert_outcomes(passed=1)
    assert not [line for line in result.outlines if line.startswith("reliability:")]
    assert not (suite.path / "artifacts").exists()


def test_an_unregistered_marker_argument_is_an_error(suite):
    suite.makepyfile(test_bad="import pytest\n\n@pytest.mark.reliability\ndef test_a():\n    pass\n")
    result = suite.runpytest_subprocess()
    assert result.ret != 0
    assert "use pytest.mark.reliability('<category>')" in result.stdout.str() + result.stderr.str()


@pytest.mark.parametrize(("tally", "expected"), [
    ({}, None),
    ({"a": {"category": "meta", "outcome": "passed"}}, None),
    ({"a": {"category": "zeta", "outcome": "passed"}, "b": {"category": "property", "outcome": "passed",
                                                             "examples": 100}},
     "reliability: property 100 cases, zeta 1 case: all passing"),
    ({"a": {"category": "security", "outcome": "skipped"}}, "reliability: no cases: all passing, 1 skipped (security)"),
    ({"a": {"category": "security", "outcome": "failed"}, "b": {"category": "property", "outcome": "failed",
                                                               "examples": 0}},
     "reliability: property 1 case, security 1 case: 2 failing (property, security)"),
])
def test_summary_line(tally, expected):
    assert summary_line(tally) == expected
