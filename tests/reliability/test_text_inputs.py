"""Issue #17, resources: every regular expression that reads text a user controls runs in linear time.

Python's ``re`` backtracks: a pattern with two quantifiers that can share characters
(``\\s*`` beside ``\\s*`` with an optional unit between them, ``\\w*`` after a stem,
``[^.]*`` between two words) can take quadratic or cubic time on a crafted answer, and a
learner's ``"42" + " " * 1500 + "?"`` froze the kernel. Each *target* below is one place
that matches a user's text with a regex (a learner's answer, a teacher's question or key
idea, a class name a learner's function returns, a labels file, a model's layer names,
TensorFlow's log lines), called on adversarial inputs of 10 kB and 100 kB.

The measure is a ratio, never an absolute time: the best of a few runs at 100 kB over the
best at 10 kB (each repeated until it lasts long enough for the clock) must stay below
:data:`RATIO`: about 10 for linear time, 100 for quadratic, 1,000 for cubic. A run that
passes the ratio's budget is stopped by a timer (``re`` checks for signals while it
matches), so the old cubic code fails in seconds instead of hanging.

Targets (and where their regexes live):

* ``number``: :func:`cnnlab.widgets.parse_number`'s reader (``_NUMBER`` after
  ``_squeeze``, with the decimal-comma retry and the separators' ``re.sub``), as
  :class:`~cnnlab.widgets.NumericAnswer` uses it: the public function refuses text
  past ``MAX_NUMBER_LENGTH``, so the reader itself is timed;
* ``parse_number``: the public function, whatever the length;
* ``exercise 1``, ``exercise 3``: :meth:`FreeText.mentions` with the course's key ideas
  (and ``_normalise``'s three substitutions);
* ``teacher patterns``: :meth:`FreeText.mentions` with key ideas whose patterns
  backtrack quadratically over what they are given (the windows bound it: a pattern with
  two free gaps, cubic, is still linear but costs about 0.7 s per 1,000 characters);
* ``paragraphs``: ``_question.paragraphs`` (questions, model answers, intros);
* ``class names``: :func:`cnnlab.checks.check_top5`'s normalisation of the class names
  a learner's function returns;
* ``labels file``: ``pretrained._COUNTER_PREFIX`` (a labels file's "0  background" lines);
* ``layer names``: :func:`cnnlab.models.inspect.block_of`;
* ``tensorflow log``: :func:`cnnlab._quiet.is_noise`.
"""

from __future__ import annotations

import gc
import math
import signal
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnlab import _quiet, checks, exercises, pretrained, widgets
from cnnlab.widgets import _question, free_text, questions
from cnnlab.widgets.free_text import FreeText, KeyIdea
from cnnlab.widgets.questions import NumericAnswer
from cnnlab.models.inspect import block_of

pytestmark = pytest.mark.reliability("resources")

SMALL, LARGE = 10_000, 100_000
#: Linear time gives about LARGE / SMALL = 10; quadratic 100, cubic 1,000.
RATIO = 30
#: A call at SMALL that is still running after this is stopped (a hang guard, not the measure).
SMALL_BUDGET = 10.0
#: Each measurement is repeated until it lasts this long, so that the clock's resolution does not matter.
MIN_MEASURE = 0.02


class _TooSlow(Exception):
    pass


def _raise_too_slow(signum, frame):
    raise _TooSlow


def _elapsed(call, budget: float) -> float:
    """Seconds ``call()`` takes, or inf if it is still running after ``budget`` seconds (then it is stopped)."""
    previous = signal.signal(signal.SIGALRM, _raise_too_slow)
    signal.setitimer(signal.ITIMER_REAL, budget)
    try:
        start = time.perf_counter()
        call()
        return time.perf_counter() - start
    except _TooSlow:
        return math.inf
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _per_call(fn, text: str, loops: int, repeats: int, budget: float) -> float:
    """The best of ``repeats`` runs of ``loops`` calls ``fn(text)``, per call."""
    def run():
        for _ in range(loops):
            fn(text)

    enabled = gc.isenabled()
    gc.disable()
    try:
        best = math.inf
        for _ in range(repeats):
            best = min(best, _elapsed(run, budget))
            if best == math.inf:
                break
        return best / loops
    finally:
        if enabled:
            gc.enable()


def scaling(fn, make) -> tuple[float, float, float]:
    """``(ratio, seconds per call at SMALL, at LARGE)`` for ``fn(make(n))``."""
    small_text, large_text = make(SMALL), make(LARGE)
    assert len(small_text) == SMALL and len(large_text) == LARGE
    loops = 1
    while True:
        small = _per_call(fn, small_text, loops, 3, SMALL_BUDGET)
        if small == math.inf:
            return math.inf, small, math.inf
        if small * loops >= MIN_MEASURE or loops >= 4096:
            break
        loops = min(4096, loops * max(2, math.ceil(MIN_MEASURE / max(small * loops, 1e-7))))
    large_loops = max(1, math.ceil(loops * SMALL / LARGE))
    budget = max(RATIO * small * large_loops * 1.5, 0.5)  # past it the ratio fails anyway: stop there
    large = _per_call(fn, large_text, large_loops, 2, budget)
    return large / small, small, large


def repeat(piece: str, prefix: str = "", suffix: str = ""):
    """A maker: ``prefix + piece * k + suffix`` cut (or padded with ``piece``) to exactly n characters."""
    def make(n: int) -> str:
        body = n - len(prefix) - len(suffix)
        return prefix + (piece * (body // len(piece) + 1))[:body] + suffix
    make.__name__ = f"{prefix!r}+{piece!r}*k+{suffix!r}"
    return make


def assert_linear(fn, make, what: str) -> None:
    ratio, small, large = scaling(fn, make)
    assert ratio < RATIO, (
        f"{what} on {make.__name__}: {large * 1e3:.1f} ms at {LARGE:,} characters against {small * 1e3:.3f} ms at "
        f"{SMALL:,} (ratio {ratio:.0f}; linear is about {LARGE // SMALL}, the limit {RATIO})")


# ----------------------------------------------------------------------------- the targets

_QUESTIONS: dict[str, FreeText] = {}


def _free_text(n: int) -> FreeText:
    if n not in _QUESTIONS:
        _QUESTIONS[n] = exercises.exercise(n)[0]
    return _QUESTIONS[n]


def _teacher_question() -> FreeText:
    if "teacher" not in _QUESTIONS:
        _QUESTIONS["teacher"] = FreeText("Q?", "A.", key_ideas=[  # each re-scans the rest of what it is given
            KeyIdea("gap", r"a[^.]*b"), KeyIdea("stem", r"c\w*x"), KeyIdea("spaces", r"d\s+e\s*f")])
    return _QUESTIONS["teacher"]


def _top5(text: str):
    return checks.check_top5(lambda image: [(text, 1.0)], {"x": np.zeros((1, 1, 3))},
                                lambda image: [("macaw", 1.0)], k=1)


def _labels_line(text: str):
    return pretrained._COUNTER_PREFIX.match(text), pretrained._COUNTER_PREFIX.sub("", text)


#: The words the course's key-idea patterns start from, so that every pattern gets tried everywhere.
_STEMS = ("combine assemble build pixels flatten split sharing reuse partial local neighbour reducing removing "
          "drop add fewer less weights parameters smaller cut halve downsample resize more multiple mini batch "
          "spatial translation invariant different any regardless not fully 16 float lower ")

TARGETS = {
    "number": (lambda text: questions._parse(text, "bytes"), [
        repeat(" ", "1", "!"), repeat(" ", "12,", "!"), repeat(" "), repeat("1", "", "!"), repeat("1 "),
        repeat(",000", "1", "!"), repeat(" 000", "1", " x"), repeat("\u00a0", "1", "MB!"), repeat(" ", "about", "1!"),
        repeat("5", "1.5e", " MB x"), repeat("1,"), repeat(" e", "1"), repeat("1 e ", "", "!"), repeat("mb ", "1 "),
    ]),
    "parse_number": (lambda text: pytest.raises(ValueError, widgets.parse_number, text),
                     [repeat(" ", "1", "!"), repeat("1", "", "!")]),
    "exercise 1": (lambda text: _free_text(1).mentions(text), [
        repeat("build "), repeat("cut"), repeat("split across "), repeat(_STEMS), repeat(" "), repeat("-"),
        repeat("x-"), repeat("weights "), repeat("a"), repeat("combine pixels flatten "),
    ]),
    "exercise 3": (lambda text: _free_text(3).mentions(text), [
        repeat("build "), repeat("cut"), repeat("split across "), repeat(_STEMS), repeat(" "), repeat("-"),
        repeat("x-"), repeat("remove a "), repeat("add"), repeat("split across the "),
    ]),
    "teacher patterns": (lambda text: _teacher_question().mentions(text), [
        repeat("a"), repeat("c"), repeat("d "), repeat("a "), repeat(" "),
    ]),
    "paragraphs": (_question.paragraphs, [repeat(" ", "\n", "x"), repeat(" \n"), repeat("\n \n"), repeat("\t", "\n")]),
    "class names": (_top5, [repeat(" _-"), repeat(" ", "a", "b"), repeat("a_")]),
    "labels file": (_labels_line, [repeat(" ", "0", "x"), repeat("1", "", "x"), repeat(" :"), repeat("1 :")]),
    "layer names": (block_of, [repeat("a", "inception"), repeat("1", "stage"), repeat("1", "aux"),
                               repeat("_unit1", "stage1"), repeat("stage1_unit")]),
    "tensorflow log": (_quiet.is_noise, [
        repeat("0", "I0000 "), repeat(" ", "I0000 00:00:1.5 ", "x"), repeat("a.", "I0000 00:00:1.5 7 "),
        repeat("x, in", "To enable the following instructions: "), repeat(":", "2024-01-31 12:00:00.1"),
    ]),
}

CASES = [pytest.param(name, make, id=f"{name}/{make.__name__}")
         for name, (_fn, makers) in TARGETS.items() for make in makers]


@pytest.mark.parametrize("name, make", CASES)
def test_regex_time_is_linear_in_the_length_of_the_text(name, make):
    fn, _makers = TARGETS[name]
    assert_linear(fn, make, name)


#: Pieces a crafted answer is made of: white space of several kinds, digits, separators, units,
#: punctuation and the words the course's patterns look for.
_PIECES = [" ", "  ", "\u00a0", "\t", "\n", "1", "9", ",", ".", "'", "_", "-", "e", "E", "+", "!", "?", "~", "MB",
           "KiB", "about", "x", "build", "cut", "split", "across", "weights", "reduc", "larger", "gpus", "layers"]


@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(st.sampled_from(_PIECES), min_size=1, max_size=8))
@pytest.mark.parametrize("name", ["number", "exercise 1", "exercise 3", "teacher patterns"])
def test_regex_time_is_linear_on_random_mixes(name, pieces):
    fn, _makers = TARGETS[name]
    assert_linear(fn, repeat("".join(pieces)), name)


# ----------------------------------------------------------------------------- limits on what is read


def _feedback(question) -> str:
    return question.feedback.value


def test_a_number_answer_past_the_limit_gets_a_message_not_a_grade():
    question = NumericAnswer("How many?", 42, tolerance=0)
    question.text.value = "42" + " " * questions.MAX_NUMBER_LENGTH + "?"
    assert question.check() == "unanswered" and question.attempts == 0 and question.last_error is None
    assert f"read up to {questions.MAX_NUMBER_LENGTH:,} characters" in _feedback(question)
    question.text.value = "4" * (questions.MAX_NUMBER_LENGTH + 1)
    assert question.check() == "unanswered" and "Shorten it" in _feedback(question)
    question.text.value = "42" + " " * (questions.MAX_NUMBER_LENGTH - 10) + "."  # under the limit: read, and right
    assert question.check() == "right"


def test_parse_number_refuses_text_past_the_limit_naming_it():
    with pytest.raises(ValueError, match=r"text is 2,001 characters long.*MAX_NUMBER_LENGTH=2,000"):
        widgets.parse_number("1" * 2001)
    assert widgets.parse_number("1" + " " * 1990 + "MB", "bytes").value == 1e6


def test_a_free_text_answer_past_the_limit_gets_a_message_not_a_grade():
    question = FreeText("Q?", "A.", key_ideas=[KeyIdea("build", r"\bbuild\b", "Think of building.")])
    question.text.value = "build " * (free_text.MAX_ANSWER_LENGTH // 6 + 1)
    assert question.check() == "unanswered" and question.attempts == 0 and question.last_error is None
    assert f"read up to {free_text.MAX_ANSWER_LENGTH:,} characters" in _feedback(question)
    question.hint()
    assert "Shorten it" in _feedback(question) and "Think of building." not in _feedback(question)
    question.text.value = "build " * (free_text.MAX_ANSWER_LENGTH // 6 - 1)
    assert question.check() == "right"


def test_the_hang_guard_stops_a_cubic_regex():
    """The timer really stops a runaway match (else the old code would hang the suite, not fail it)."""
    import re

    cubic = re.compile(r"1\s*(?:e)?\s*(?:[a-z]+)?\s*\.?\s*$")
    assert _elapsed(lambda: cubic.match("1" + " " * 5000 + "!"), 0.2) == math.inf
    assert _elapsed(lambda: cubic.match("1 x"), 0.2) < 0.2
