"""Self-check questions with a number or a choice for an answer, and the exercise that groups them.

* :class:`NumericAnswer` - a number, with optional units of bytes ("12.6 MB",
  "11.4 MiB", "903,400"), a relative tolerance, targeted messages for typical
  wrong values and hints revealed one at a time; :func:`parse_number` reads it
  (with a regex, never evaluated; at most :data:`MAX_NUMBER_LENGTH` characters);
* :class:`MultipleChoice` - one answer (radio buttons) or several (checkboxes)
  among :class:`Option` s, each with its explanation, in an order set by their
  texts (the same on every run and machine);
* :class:`Exercise` - questions under "Exercise N · title", with a progress line.

Free-text questions are in :mod:`cnnlab.widgets.free_text`; the chapter's
exercises built from these are in :mod:`cnnlab.exercises`.

>>> q = NumericAnswer("How many bytes are there in 1 KiB?", 1024, units="bytes")
>>> q.text.value = "1 KiB"
>>> q.check()
'right'
"""

from __future__ import annotations

import hashlib
import math
import numbers
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import ipywidgets as w

from .._validation import check_bool, check_finite_number, check_one_of, check_positive_int, describe
from ..memory import format_bytes
from ._base import WidgetBase, css
from ._question import (RIGHT_MARK, WRONG_MARK, Question, check_text, escape, format_number, is_close, paragraphs,
                        relative_distance)

__all__ = ["Amount", "MAX_NUMBER_LENGTH", "parse_number", "NumericAnswer", "Option", "MultipleChoice", "Exercise",
           "RIGHT_MARK", "WRONG_MARK"]

#: ipywidgets draws radio buttons and checkboxes one fixed-height line each: long options would
#: overflow onto the next one. This lets them wrap, puts the radio button before its text (ipywidgets
#: writes it after) and shades the chosen options, so that a choice shows at a glance (scoped to the
#: multiple-choice widget).
_WRAP_OPTIONS_CSS = f"""<style>
.cnnlab-multiple-choice .widget-radio-box label, .cnnlab-multiple-choice .widget-checkbox label {{
  height: auto !important; line-height: 1.35 !important; white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; display: flex !important;
  flex-direction: row !important; align-items: flex-start !important; gap: 6px;
  margin: 2px 0 4px 0 !important; padding: 2px 6px; border: 1px solid transparent; border-radius: 4px; }}
.cnnlab-multiple-choice .widget-checkbox {{ height: auto !important; }}
.cnnlab-multiple-choice .widget-radio-box input, .cnnlab-multiple-choice .widget-checkbox input {{
  flex: none; order: -1; margin-top: 1px !important; }}
.cnnlab-multiple-choice .widget-radio-box label:has(input:checked),
.cnnlab-multiple-choice .widget-checkbox label.widget-label-basic:has(input:checked) {{
  background: {css("panel2")}; border-color: {css("brand")}; }}
</style>"""


# --------------------------------------------------------------------------- parsing numbers


class Amount(NamedTuple):
    """A number read from a learner's answer, in base units (bytes for ``units="bytes"``).

    ``alternative`` is the same text read with the other kind of unit (MB as
    MiB, MiB as MB), or None when the unit is not ambiguous.
    """

    value: float
    alternative: float | None
    unit: str


#: The longest answer :func:`parse_number` and :class:`NumericAnswer` read, in characters; a longer one
#: gets a message asking for just the number (no number a learner means is anywhere near this long).
MAX_NUMBER_LENGTH = 2_000

# Read after _squeeze (ends stripped, every run of white space one plain space), so that a space is one
# optional " ?" and no two quantifiers next to each other can share characters: matching time is linear
# in the length of the text (tests/reliability/test_text_inputs.py), where "\s*" side by side with an
# optional unit between them backtracked cubically ("1" + 4,000 spaces + "!" took minutes).
_NUMBER = re.compile(
    r"""^(?:(?:~|≈|about|approx\.?|approximately|around|roughly)\x20?)?
    (?P<number>[+-]?(?:\d{1,3}(?:[,_\x20']\d{3})+|\d+)(?:\.\d*)?|[+-]?\.\d+)
    (?:\x20?[eE](?P<exponent>[+-]?\d+))?
    (?:\x20?(?P<unit>[^\W\d_]+))?\x20?\.?$""",
    re.VERBOSE,
)
_SPACES = re.compile(r"\s+")


def _squeeze(text: str) -> str:
    """``text`` with its ends stripped and every run of white space (non-breaking and thin spaces too) one space."""
    return _SPACES.sub(" ", text).strip()


# unit: (factor, alternative factor or None). Decimal units (kB, MB, GB) read as binary are the alternative, and back.
_BYTE_UNITS: dict[str, tuple[float, float | None]] = {"": (1, None), "b": (1, None), "byte": (1, None),
                                                      "bytes": (1, None)}
_BINARY_UNITS: set[str] = set()
for _power, (_decimal, _binary, _word, _binary_word) in enumerate(
        [("kb", "kib", "kilobytes", "kibibytes"), ("mb", "mib", "megabytes", "mebibytes"),
         ("gb", "gib", "gigabytes", "gibibytes"), ("tb", "tib", "terabytes", "tebibytes")], start=1):
    _pair = (1000.0 ** _power, 1024.0 ** _power)
    for _key in (_decimal, _word, _word[:-1], _decimal[0]):
        _BYTE_UNITS[_key] = _pair
    for _key in (_binary, _binary_word, _binary_word[:-1]):
        _BYTE_UNITS[_key] = _pair[::-1]
        _BINARY_UNITS.add(_key)
del _power, _decimal, _binary, _word, _binary_word, _pair, _key

_PLAIN_UNITS = {"": 1, "k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9,
                "parameters": 1, "params": 1, "weights": 1}

_FORMATS = {
    # The examples must never be an answer of the course's exercises (a test checks it): not 903,400 or 12.6 MB.
    None: "Type a number, such as 45,600 or 45600 (or 45.6k).",
    "bytes": ("Type a number of bytes, with or without a unit: for example 4.2 MB, 4,200,000 or 4.2e6 bytes. "
              "Units: B, kB, MB, GB (powers of 1,000) or KiB, MiB, GiB (powers of 1,024)."),
}


def _parse(text: str, units: str | None) -> Amount | None:
    text = _squeeze(text)
    match = _NUMBER.match(text)
    if match is None and text.count(",") == 1 and "." not in text:      # a decimal comma: "12,6 MB"
        match = _NUMBER.match(text.replace(",", "."))
    if match is None:
        return None
    digits = re.sub(r"[,_\s']", "", match["number"])
    number = float(f"{digits}e{match['exponent'] or 0}")          # 1e999 is inf (then refused), not an OverflowError
    unit = (match["unit"] or "").lower()
    table = _BYTE_UNITS if units == "bytes" else {key: (factor, None) for key, factor in _PLAIN_UNITS.items()}
    if unit not in table or not math.isfinite(number):
        return None
    factor, alternative = table[unit]
    return Amount(number * factor, None if alternative is None else number * alternative, unit)




def parse_number(text: str, units: str | None = None) -> Amount:
    """Read a number typed by a learner, with thousands separators and (for bytes) a unit.

    Parameters
    ----------
    text : str
        For example ``"903,400"``, ``"12.6 MB"``, ``"11.4 MiB"``, ``"564.6 mb"``
        or ``"1.2e7 bytes"``. Letters are case-insensitive: "mb" is MB.
    units : {None, "bytes"}
        ``"bytes"`` reads B, kB/KB/MB/GB/TB (powers of 1,000) and
        KiB/MiB/GiB/TiB (powers of 1,024); a bare number is in bytes. With
        ``None`` the number may end in k, M(illion) or a word such as
        "parameters".

    Returns
    -------
    Amount
        The value in base units, the other reading of an ambiguous unit
        (MB as MiB and back), and the unit as typed (lower case).

    Raises
    ------
    ValueError
        If ``text`` is not a number in one of these forms, or is longer than
        :data:`MAX_NUMBER_LENGTH` characters.

    Examples
    --------
    >>> parse_number("903,400").value
    903400.0
    >>> parse_number("12 MB", "bytes")
    Amount(value=12000000.0, alternative=12582912.0, unit='mb')
    >>> parse_number("1.2e7 bytes", "bytes").value, parse_number("0.5 KiB", "bytes").value
    (12000000.0, 512.0)
    >>> parse_number("twelve")
    Traceback (most recent call last):
    ...
    ValueError: text='twelve' is not a number. Type a number, such as 45,600 or 45600 (or 45.6k).
    """
    units = None if units is None else check_one_of("units", units, ("bytes",))
    check_text("text", text, allow_empty=True)
    if len(text) > MAX_NUMBER_LENGTH:
        raise ValueError(f"text is {len(text):,} characters long, received text={describe(text)}; a number is "
                         f"read up to MAX_NUMBER_LENGTH={MAX_NUMBER_LENGTH:,} characters. {_FORMATS[units]}")
    amount = _parse(text, units)
    if amount is None:
        raise ValueError(f"text={text!r} is not a number. {_FORMATS[units]}")
    return amount


def _check_tolerance(tolerance) -> float:
    ok = (not isinstance(tolerance, bool) and isinstance(tolerance, numbers.Real)
          and math.isfinite(tolerance) and 0 <= tolerance < 1)
    if not ok:
        raise ValueError(f"tolerance must be a relative tolerance from 0 (exact) to below 1, for example 0.02 "
                         f"for 2%, received tolerance={describe(tolerance)}.")
    return float(tolerance)


def _check_mistakes(mistakes, answer: float, tolerance: float) -> tuple[tuple[float, str], ...]:
    if not isinstance(mistakes, Sequence) or isinstance(mistakes, str):
        raise ValueError(f"mistakes must be a sequence of (value, message) pairs, received "
                         f"mistakes={describe(mistakes)}.")
    checked = []
    for i, pair in enumerate(mistakes):
        if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
            raise ValueError(f"mistakes[{i}] must be a (value, message) pair, "
                             f"received mistakes[{i}]={describe(pair)}.")
        value = check_finite_number(f"mistakes[{i}][0]", pair[0])
        message = check_text(f"mistakes[{i}][1]", pair[1])
        if is_close(value, answer, tolerance):
            raise ValueError(
                f"mistakes[{i}] has value {value:,g}, within the tolerance of the answer {answer:,g}: a learner "
                f"typing it would be told they are right. Lower tolerance (received tolerance={tolerance}) "
                "or drop this mistake."
            )
        checked.append((value, message))
    return tuple(checked)


class NumericAnswer(Question):
    """A question answered with a number, optionally a number of bytes with a unit.

    Parameters
    ----------
    question : str
        Plain text (it is escaped); blank lines separate paragraphs.
    answer : float
        The right value, in base units (bytes for ``units="bytes"``).
    tolerance : float
        Relative: 0.02 accepts answers within 2% of ``answer``; 0 wants it exactly.
    units : {None, "bytes"}
        With ``"bytes"`` the learner may type B, kB, MB, GB or KiB, MiB, GiB.
        Because the book writes "MB" for MiB in places, an answer that is
        right only if its MB is read as MiB (or its MiB as MB) is accepted,
        with a note on the difference.
    hints : sequence of str
        Revealed one at a time: by the Hint button, or by a wrong answer that
        matches none of the ``mistakes``.
    mistakes : sequence of (float, str)
        Typical wrong values (in base units) and the message each gets.
    explanation : str
        Shown with a right answer.
    placeholder : str, optional
        Grey text in the empty box; default "e.g. 4.2 MB" for bytes, "e.g. 123,456" otherwise.

    Attributes
    ----------
    text : ipywidgets.Text
        Where the learner types. An answer longer than
        :data:`MAX_NUMBER_LENGTH` characters gets a message, not a grade.
    value : float or None
        The last answer read, in base units.

    Examples
    --------
    >>> q = NumericAnswer("6 × 7?", 42, tolerance=0, hints=["Count six sevens."], mistakes=[(13, "That is 6 + 7.")])
    >>> q.text.value = "13"
    >>> q.check(), "That is 6 + 7." in q.feedback.value
    ('wrong', True)
    >>> q.text.value = "40"
    >>> q.check(), "Hint 1 of 1:</b> Count six sevens." in q.feedback.value
    ('wrong', True)
    >>> q.text.value = "42"
    >>> q.check(), q.attempts
    ('right', 3)
    """

    def __init__(self, question: str, answer, *, tolerance=0.02, units: str | None = None, hints=(),
                 mistakes=(), explanation: str = "", placeholder: str | None = None) -> None:
        super().__init__(question, hints=hints)
        self.answer = check_finite_number("answer", answer)
        self.tolerance = _check_tolerance(tolerance)
        self.units = None if units is None else check_one_of("units", units, ("bytes",))
        self.mistakes = _check_mistakes(mistakes, self.answer, self.tolerance)
        self.explanation = check_text("explanation", explanation, allow_empty=True)
        if placeholder is None:
            placeholder = "e.g. 4.2 MB" if self.units == "bytes" else "e.g. 123,456"
        self.text = w.Text(value="", placeholder=check_text("placeholder", placeholder, allow_empty=True),
                           layout=w.Layout(width="240px"))
        self.text.add_class("cnnlab-answer")
        self.value: float | None = None
        self._build(self.text)

    def _show(self, value: float) -> str:
        if self.units == "bytes":
            return f"{format_bytes(max(value, 0), binary=False)} ({format_number(round(value))} bytes)"
        return format_number(value)

    def _check(self) -> None:
        text = self._read_answer(self.text.value, MAX_NUMBER_LENGTH, "a number", _FORMATS[self.units])
        if text is None:
            return
        amount = _parse(text, self.units)
        if amount is None:
            self._ask(f"I could not read {describe(text)} as a number. {_FORMATS[self.units]}")
            return
        self.value = amount.value
        # The unit as typed first (right, then a known mistake), then the other reading of MB/MiB; when the
        # number typed is near a known mistake but its other reading is right, the nearer of the two wins
        # (the book's 1st edition writes 537.7 "MB", right in MiB, 1.5 % from 529.6 MB, a known mistake).
        typed = self._mistake(amount.value)
        other_right = amount.alternative is not None and is_close(amount.alternative, self.answer, self.tolerance)
        if is_close(amount.value, self.answer, self.tolerance):
            self._grade(True, [self.explanation])
        elif typed and not (other_right and relative_distance(amount.alternative, self.answer)
                            < self._mistake_distance(amount.value)):
            self._grade(False, [typed])
        elif other_right:
            self._grade(True, [self._unit_note(amount), self.explanation])
        elif amount.alternative is not None and self._mistake(amount.alternative):
            self._grade(False, [self._mistake(amount.alternative)])
        else:
            direction = "too high" if amount.value > self.answer else "too low"
            self._grade(False, [f"You answered {self._show(amount.value)}: that is {direction}."])
            self._reveal_hint()

    def _mistake(self, value: float) -> str:
        """The message of the first typical mistake ``value`` matches, or ""."""
        return next((message for mistake, message in self.mistakes if is_close(value, mistake, self.tolerance)), "")

    def _mistake_distance(self, value: float) -> float:
        """How far ``value`` is (relative) from the first typical mistake it matches."""
        return next(relative_distance(value, mistake) for mistake, _ in self.mistakes
                    if is_close(value, mistake, self.tolerance))

    def _unit_note(self, amount: Amount) -> str:
        prefix = amount.unit[0]
        decimal, binary = {"k": ("kB", "KiB"), "m": ("MB", "MiB"), "g": ("GB", "GiB"), "t": ("TB", "TiB")}[prefix]
        typed, meant = (binary, decimal) if amount.unit in _BINARY_UNITS else (decimal, binary)
        return (f"Note: your number is right if your {typed} is read as {meant}. Strictly, 1 MB = 1,000,000 bytes "
                f"and 1 MiB = 1,048,576 bytes (and likewise kB/KiB, GB/GiB); the book writes “MB” for MiB in "
                f"places. The answer is {format_number(self.answer)} bytes = {format_bytes(self.answer, binary=False)} "
                f"= {format_bytes(self.answer)}.")


@dataclass(frozen=True)
class Option:
    """One option of a :class:`MultipleChoice`: its text, whether it is right, and why.

    Examples
    --------
    >>> Option("No parameters to learn", True, "A pooling layer has no weights.").correct
    True
    """

    text: str
    correct: bool = False
    explanation: str = ""


def _check_options(options, multiple: bool) -> tuple[Option, ...]:
    if isinstance(options, str) or not isinstance(options, Sequence) or len(options) < 2:
        raise ValueError(f"options must be a sequence of at least two Option(text, correct, explanation), "
                         f"received options={describe(options)}.")
    checked = []
    for i, option in enumerate(options):
        if not isinstance(option, Option):
            if isinstance(option, Sequence) and not isinstance(option, str) and 1 <= len(option) <= 3:
                option = Option(*option)
            else:
                raise ValueError(f"options[{i}] must be an Option(text, correct, explanation), "
                                 f"received options[{i}]={describe(option)}.")
        checked.append(Option(check_text(f"options[{i}].text", option.text),
                              check_bool(f"options[{i}].correct", option.correct),
                              check_text(f"options[{i}].explanation", option.explanation, allow_empty=True)))
    right = sum(option.correct for option in checked)
    if right == 0 or (not multiple and right != 1):
        wanted = "at least one" if multiple else "exactly one (or pass multiple=True)"
        raise ValueError(f"options must have {wanted} correct option, received {right} correct options "
                         f"among {len(checked)}.")
    texts = [option.text for option in checked]
    if len(set(texts)) != len(texts):
        raise ValueError(f"options must have different texts, received options with texts {texts!r}.")
    return tuple(checked)


def _shuffled(question: str, options: tuple[Option, ...]) -> tuple[Option, ...]:
    """``options`` in an order fixed by the texts alone: sorted by a SHA-256 of the question and each option.

    The same on every run and every machine (Python's own ``hash`` of a string changes from one process
    to the next), and unrelated to the order the options were written in, so the author may put the
    right one first. Each :class:`Option` moves whole, with its explanation.

    >>> [option.text for option in _shuffled("2 + 2 = ?", (Option("4", True), Option("5"), Option("22")))]
    ['5', '22', '4']
    """
    def key(option: Option) -> bytes:
        return hashlib.sha256(f"{question}\n{option.text}".encode("utf-8")).digest()

    return tuple(sorted(options, key=key))


class MultipleChoice(Question):
    """A question answered by choosing one option (radio buttons) or several (checkboxes).

    The answer is right only when exactly the correct options are chosen.
    Check shows the explanation of each chosen option (of the wrong ones,
    when the answer is wrong) and, for a wrong answer, the next hint.

    Parameters
    ----------
    question : str
        Plain text (escaped).
    options : sequence of Option
        Tuples ``(text, correct, explanation)`` are accepted too. With
        ``multiple=False`` exactly one must be correct.
    multiple : bool
        Checkboxes (choose all that apply) instead of radio buttons.
    hints : sequence of str
        Revealed one at a time.
    shuffle : bool
        Show the options in an order set by the texts (the question's and
        the options'), the same on every run and machine, rather than in
        the order given: the right option is then no more often first than
        any other. :attr:`options` holds the order shown; find an option by
        its text with :meth:`index`.

    Examples
    --------
    >>> q = MultipleChoice("What is 2 + 2?", [Option("4", True, "Yes."), Option("5", False, "Orwell's answer.")])
    >>> [option.text for option in q.options]       # shuffled: the right answer is not always first
    ['5', '4']
    >>> q.radio.value is None                     # nothing is chosen at first
    True
    >>> q.select("5"); q.check(), "Orwell's answer." in q.feedback.value
    ('wrong', True)
    >>> q.select(q.index("4")); q.check()
    'right'
    """

    def __init__(self, question: str, options, *, multiple: bool = False, hints=(), shuffle: bool = True) -> None:
        super().__init__(question, hints=hints)
        self.multiple = check_bool("multiple", multiple)
        self.shuffle = check_bool("shuffle", shuffle)
        options = _check_options(options, self.multiple)
        #: The options in the order shown (shuffled unless ``shuffle=False``).
        self.options = _shuffled(self.question, options) if self.shuffle else options
        self.correct = frozenset(i for i, option in enumerate(self.options) if option.correct)
        self.radio: w.RadioButtons | None = None
        self.checkboxes: tuple[w.Checkbox, ...] = ()
        if self.multiple:
            self.checkboxes = tuple(w.Checkbox(value=False, description=option.text, indent=False,
                                               layout=w.Layout(width="auto"))
                                    for option in self.options)
            control = w.VBox(list(self.checkboxes))
        else:
            self.radio = w.RadioButtons(options=[(option.text, i) for i, option in enumerate(self.options)],
                                        value=None, layout=w.Layout(width="auto"))
            control = self.radio
        control.add_class("cnnlab-answer")
        self._build(w.VBox([w.HTML(_WRAP_OPTIONS_CSS), control]))

    def index(self, text: str) -> int:
        """The position (in :attr:`options`) of the option whose text is ``text``, or the one it starts.

        Examples
        --------
        >>> q = MultipleChoice("?", [Option("In the lower layers", True), Option("In the upper layers")])
        >>> q.options[q.index("In the lower")].correct
        True
        >>> q.index("In the")
        Traceback (most recent call last):
        ...
        ValueError: text='In the' starts 2 options ('In the upper layers', 'In the lower layers'): give more of it.
        """
        check_text("text", text)
        texts = [option.text for option in self.options]
        if text in texts:
            return texts.index(text)
        starts = [i for i, option in enumerate(texts) if option.startswith(text)]
        if len(starts) == 1:
            return starts[0]
        if starts:
            raise ValueError(f"text={describe(text)} starts {len(starts)} options "
                             f"({', '.join(describe(texts[i]) for i in starts)}): give more of it.")
        raise ValueError(f"text={describe(text)} is neither an option nor the start of one; the options are "
                         f"{', '.join(describe(option) for option in texts)}.")

    @property
    def selected(self) -> tuple[int, ...]:
        """Indices of the chosen options, in order."""
        if self.radio is not None:
            return () if self.radio.value is None else (self.radio.value,)
        return tuple(i for i, box in enumerate(self.checkboxes) if box.value)

    def select(self, *choices: int | str) -> None:
        """Choose these options (and no other), as a learner clicking them would.

        Each choice is an option's position in :attr:`options` or its text
        (or the start of it, see :meth:`index`). ``select()`` clears the choice.
        """
        indices = tuple(self.index(choice) if isinstance(choice, str) else choice for choice in choices)
        for index in indices:
            if isinstance(index, bool) or not isinstance(index, numbers.Integral) or not 0 <= index < len(self.options):
                raise ValueError(f"choices must be option texts or numbers from 0 to {len(self.options) - 1}, "
                                 f"received {index!r}.")
        if self.radio is not None:
            if len(indices) > 1:
                raise ValueError(f"a single-choice question takes one option, received choices={choices!r}.")
            self.radio.value = indices[0] if indices else None
        else:
            for i, box in enumerate(self.checkboxes):
                box.value = i in indices

    def _explain(self, index: int) -> str:
        option = self.options[index]
        mark = RIGHT_MARK if option.correct else WRONG_MARK
        return f"{mark} “{option.text}”" + (f": {option.explanation}" if option.explanation else "")

    def _check(self) -> None:
        chosen = self.selected
        if not chosen:
            self._ask("Tick every option you think is right, then click Check." if self.multiple
                      else "Choose an answer first, then click Check.")
            return
        if set(chosen) == self.correct:
            self._grade(True, [self._explain(i) for i in chosen])
            return
        wrong = [i for i in chosen if i not in self.correct]
        lines = [self._explain(i) for i in wrong]
        if self.multiple:
            missing = len(self.correct - set(chosen))
            right = len(chosen) - len(wrong)
            if right:
                lines.insert(0, f"{right} of your ticks {'is' if right == 1 else 'are'} right"
                                + (f", {len(wrong)} {'is' if len(wrong) == 1 else 'are'} not:" if wrong else "."))
            if missing:
                lines.append(f"{missing} right option{' is' if missing == 1 else 's are'} still unticked.")
        self._grade(False, lines)
        self._reveal_hint()


class Exercise(WidgetBase):
    """Questions grouped under "Exercise N · title", with a progress line.

    Parameters
    ----------
    number : int
        The exercise's number in the chapter.
    title : str
        A few words.
    *questions : NumericAnswer, MultipleChoice or FreeText
        At least one.
    intro : str
        Plain text shown above the questions (the exercise as the book asks it).

    Examples
    --------
    >>> ex = Exercise(4, "Pooling", MultipleChoice("?", [Option("a", True), Option("b")]))
    >>> ex.progress.value
    '0 of 1 questions right'
    >>> ex[0].select("a"); ex[0].check(); ex.state, ex.progress.value
    'right'
    ('right', '✓ 1 of 1 questions right')
    """

    def __init__(self, number: int, title: str, *questions, intro: str = "") -> None:
        super().__init__()
        self.number = check_positive_int("number", number)
        self.title = check_text("title", title)
        self.intro = check_text("intro", intro, allow_empty=True)
        if not questions:
            raise ValueError("questions: give at least one question, such as NumericAnswer(...), "
                             "MultipleChoice(...) or FreeText(...); received none.")
        for i, question in enumerate(questions):
            if not isinstance(question, Question):
                raise ValueError(f"questions[{i}] must be a NumericAnswer, MultipleChoice or FreeText, "
                                 f"received questions[{i}]={describe(question)}.")
        self.questions = tuple(questions)
        self.progress = w.HTML()
        self.progress.add_class("cnnlab-progress")
        header = w.HTML(f"<h4 style='margin:4px 0'>Exercise {self.number} · {escape(self.title)}</h4>"
                        + (paragraphs(self.intro) if self.intro else ""))
        self.root = w.VBox([header, *(q.root for q in self.questions), self.progress, self.error_box])
        for name in ("cnnlab-widget", self.css_class):
            self.root.add_class(name)
        for question in self.questions:
            question._listeners.append(self.refresh)
        self.refresh()

    def __getitem__(self, index: int) -> Question:
        return self.questions[index]

    def __len__(self) -> int:
        return len(self.questions)

    @property
    def state(self) -> str:
        """"right" when every question is right, "unanswered" when none is answered, else "wrong"."""
        states = {q.state for q in self.questions}
        if states == {"right"}:
            return "right"
        return "unanswered" if states == {"unanswered"} else "wrong"

    def _update(self) -> None:
        right = sum(q.state == "right" for q in self.questions)
        done = f"{RIGHT_MARK} " if right == len(self.questions) else ""
        self.progress.value = f"{done}{right} of {len(self.questions)} questions right"
