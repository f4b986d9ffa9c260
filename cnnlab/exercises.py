"""Self-check widgets for the chapter's exercises 1 to 6, and check helpers for the coding exercises 7 to 10.

Everything is checked in the kernel: nothing is sent anywhere, and the
learner's text is only ever matched against regular expressions (numbers are
parsed with a regex, never evaluated), each in time linear in the text's
length; answers longer than :data:`MAX_NUMBER_LENGTH` (a number) or
:data:`MAX_ANSWER_LENGTH` (free text) characters get a message instead of a
grade. A model whose predictions hold NaN or infinite values fails the coding
checks, with a message that says so.

Questions (each a widget with a **Check** and a **Hint** button):

* :class:`NumericAnswer` - a number, with optional units of bytes
  ("12.6 MB", "11.4 MiB", "903,400"), a relative tolerance, targeted messages
  for typical wrong values and hints revealed one at a time;
* :class:`MultipleChoice` - one answer (radio buttons) or several
  (checkboxes) among :class:`Option` s, each with its explanation, shown in
  an order set by their texts (the same on every run and machine);
* :class:`FreeText` - a short essay, checked for the :class:`KeyIdea` s it
  mentions, with a model answer shown on request.

:class:`Exercise` groups questions under "Exercise N", and :func:`exercise`
builds the ready-made widget of exercise 1 to 6. Exercise 2's expected
numbers come from :mod:`cnnlab.memory` (:func:`exercise2_answers`).

For the coding exercises, :func:`check_accuracy` measures a model's test
accuracy against the course's reference (:data:`REFERENCE_ACCURACY`),
:func:`check_top5` compares a learner's top-5 classifier with the reference
one, and :func:`check_dream` a learner's DeepDream with
:func:`cnnlab.deepdream.deepdream`; all return a :class:`CheckResult`. Only
:func:`check_dream` imports TensorFlow (when called).

>>> q = NumericAnswer("How many bytes are there in 1 KiB?", 1024, units="bytes")
>>> q.text.value = "1 KiB"
>>> q.check()
'right'
"""

from __future__ import annotations

import hashlib
import html
import inspect
import math
import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import ipywidgets as w
import numpy as np

from ._validation import check_finite_number, check_one_of, check_positive_int
from .evaluation import binary_probabilities
from .memory import conv2d_layer, conv2d_stats, format_bytes, pool2d_stats, stack
from .widgets._base import WidgetBase, css

__all__ = [
    "Amount",
    "CheckResult",
    "KEY_IDEA_WINDOW",
    "MAX_ANSWER_LENGTH",
    "MAX_NUMBER_LENGTH",
    "Exercise",
    "FreeText",
    "KeyIdea",
    "MultipleChoice",
    "NumericAnswer",
    "Option",
    "REFERENCE_ACCURACY",
    "check_accuracy",
    "check_dream",
    "check_top5",
    "exercise",
    "exercise2_answers",
    "parse_number",
]

RIGHT_MARK = "✓"
WRONG_MARK = "✗"
_SOLUTION = "expand the solution below this exercise in the notebook (click the ▸ beside “Solution”)"
_NO_MORE_HINTS = f"That was the last hint: {_SOLUTION} and compare."
_BOX = dict(border=f"1px solid {css('border')}", padding="6px 10px", margin="6px 0")
# Text colours come from JupyterLab's theme (light-theme fallbacks), so that they read in the dark theme too.
_RIGHT_COLOUR = "var(--jp-success-color1, #1b7d36)"
_MUTED, _WRONG_COLOUR, _HINT_COLOUR = css("muted"), css("error"), css("warn")
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


# --------------------------------------------------------------------------- small helpers


def _describe(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _check_text(name: str, value, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        kind = "a string" if allow_empty else "a non-empty string"
        raise ValueError(f"{name} must be {kind}, received {name}={_describe(value)}.")
    return value


def _check_texts(name: str, value) -> tuple[str, ...]:
    """A sequence of non-empty strings; a single string counts as one."""
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Sequence):
        raise ValueError(f"{name} must be a sequence of strings, received {name}={_describe(value)}.")
    return tuple(_check_text(f"{name}[{i}]", text) for i, text in enumerate(value))


def _check_bool(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, received {name}={_describe(value)}.")
    return bool(value)


def _escape(text: str) -> str:
    """Escape text for an HTML text node (quotes stay as they are: they are safe there)."""
    return html.escape(text, quote=False)


def _paragraphs(text: str) -> str:
    """Plain text as escaped HTML: blank lines separate paragraphs, single newlines break lines."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]
    return "".join(f"<p style='margin:4px 0'>{_escape(block).replace(chr(10), '<br>')}</p>" for block in blocks)


def _close(value: float, target: float, tolerance: float) -> bool:
    """Whether ``value`` is within ``tolerance`` (relative) of ``target``, with room for float rounding."""
    return abs(value - target) <= max(tolerance * abs(target), 1e-9 * max(1.0, abs(target)))


def _distance(value: float, target: float) -> float:
    """How far ``value`` is from ``target``, relative to it (an absolute distance when ``target`` is 0)."""
    return abs(value - target) / abs(target) if target else abs(value)


def _number(value: float) -> str:
    """A number as a learner would write it: thousands separators, no useless decimals."""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.6g}"


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


def _too_long(text: str, limit: int, what: str) -> str:
    """The message for an answer longer than ``limit`` characters, or "" when it is not."""
    if len(text) <= limit:
        return ""
    return (f"Your answer is {len(text):,} characters long; {what} is read up to {limit:,} characters. "
            f"Shorten it, then check again.")


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
    _check_text("text", text, allow_empty=True)
    if len(text) > MAX_NUMBER_LENGTH:
        raise ValueError(f"text is {len(text):,} characters long, received text={_describe(text)}; a number is "
                         f"read up to MAX_NUMBER_LENGTH={MAX_NUMBER_LENGTH:,} characters. {_FORMATS[units]}")
    amount = _parse(text, units)
    if amount is None:
        raise ValueError(f"text={text!r} is not a number. {_FORMATS[units]}")
    return amount


# --------------------------------------------------------------------------- questions


class _Question(WidgetBase):
    """What every question shares: the question, the Check and Hint buttons, hints, state and feedback.

    Subclasses build their input control, call :meth:`_build`, and implement
    ``_check()`` (grade the current input) and optionally ``_hint()``.
    Both run through :meth:`WidgetBase.refresh`, so an error in them shows in
    the widget's error box instead of vanishing into the kernel log.
    """

    def __init__(self, question: str, *, hints=()) -> None:
        super().__init__()
        self.question = _check_text("question", question)
        self.hints = _check_texts("hints", hints)
        #: "unanswered", "wrong" or "right".
        self.state = "unanswered"
        #: Number of graded answers (empty or unreadable input does not count).
        self.attempts = 0
        #: Number of hints revealed so far.
        self.hints_shown = 0
        self.feedback = w.HTML(value="")
        self.feedback.add_class("cnnlab-feedback")
        self.check_button = w.Button(description="Check", button_style="primary", tooltip="Check your answer")
        self.check_button.add_class("cnnlab-check")
        self.hint_button = w.Button(description="Hint", tooltip="Reveal the next hint")
        self.hint_button.add_class("cnnlab-hint")
        self.check_button.on_click(lambda _button: self.check())
        self.hint_button.on_click(lambda _button: self.hint())
        self._message = ""
        self._note = ""
        self._action = None
        self._listeners: list = []

    def _build(self, control, *, buttons=(), below=()) -> None:
        self.root = w.VBox(
            [w.HTML(_paragraphs(self.question)), control,
             w.HBox([self.check_button, self.hint_button, *buttons]), self.feedback, *below, self.error_box],
            layout=w.Layout(**_BOX),
        )
        for name in ("cnnlab-widget", "cnnlab-question", self.css_class):
            self.root.add_class(name)

    # ---------------------------------------------------------------- actions
    def check(self) -> str:
        """Grade the current answer (what the Check button does); return the new :attr:`state`."""
        self._run(self._check)
        return self.state

    def hint(self) -> int:
        """Reveal the next hint (what the Hint button does); return how many hints are shown."""
        self._run(self._hint)
        return self.hints_shown

    def _run(self, action) -> None:
        self._action = action
        try:
            self.refresh()
        finally:
            self._action = None
        for listener in self._listeners:
            listener()

    def _update(self) -> None:
        if self._action is not None:
            self._note = ""
            self._action()
            self._render()

    def _check(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _hint(self) -> None:
        self._reveal_hint()

    # ---------------------------------------------------------------- feedback
    def _ask(self, message: str) -> None:
        """Empty or unreadable input: say what is expected; this is not an answer."""
        self.state = "unanswered"
        self._message = f"<div style='color:{_MUTED}'>{_escape(message)}</div>"

    def _grade(self, right: bool, lines) -> None:
        self.state = "right" if right else "wrong"
        self.attempts += 1
        mark = (f"<b style='color:{_RIGHT_COLOUR}'>{RIGHT_MARK} Right!</b>" if right
                else f"<b style='color:{_WRONG_COLOUR}'>{WRONG_MARK} Not yet.</b>")
        body = "".join(f"<div>{_escape(line)}</div>" for line in lines if line)
        self._message = f"<div>{mark}</div>{body}"

    def _reveal_hint(self) -> bool:
        """Show one more hint; if there is none left, say so. Return whether a new hint was shown."""
        if self.hints_shown < len(self.hints):
            self.hints_shown += 1
            return True
        self._note = _NO_MORE_HINTS if self.hints else f"This question has no hints: {_SOLUTION} and compare."
        return False

    def _render(self) -> None:
        parts = [self._message]
        if self.state != "right":
            n = len(self.hints)
            parts += [f"<div style='color:{_HINT_COLOUR}'><b>Hint {i + 1} of {n}:</b> {_escape(self.hints[i])}</div>"
                      for i in range(self.hints_shown)]
        if self._note:
            parts.append(f"<div style='color:{_MUTED}'><i>{_escape(self._note)}</i></div>")
        self.feedback.value = "".join(parts)


def _check_tolerance(tolerance) -> float:
    ok = (not isinstance(tolerance, bool) and isinstance(tolerance, numbers.Real)
          and math.isfinite(tolerance) and 0 <= tolerance < 1)
    if not ok:
        raise ValueError(f"tolerance must be a relative tolerance from 0 (exact) to below 1, for example 0.02 "
                         f"for 2%, received tolerance={_describe(tolerance)}.")
    return float(tolerance)


def _check_mistakes(mistakes, answer: float, tolerance: float) -> tuple[tuple[float, str], ...]:
    if not isinstance(mistakes, Sequence) or isinstance(mistakes, str):
        raise ValueError(f"mistakes must be a sequence of (value, message) pairs, received "
                         f"mistakes={_describe(mistakes)}.")
    checked = []
    for i, pair in enumerate(mistakes):
        if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
            raise ValueError(f"mistakes[{i}] must be a (value, message) pair, "
                             f"received mistakes[{i}]={_describe(pair)}.")
        value = check_finite_number(f"mistakes[{i}][0]", pair[0])
        message = _check_text(f"mistakes[{i}][1]", pair[1])
        if _close(value, answer, tolerance):
            raise ValueError(
                f"mistakes[{i}] has value {value:,g}, within the tolerance of the answer {answer:,g}: a learner "
                f"typing it would be told they are right. Lower tolerance (received tolerance={tolerance}) "
                "or drop this mistake."
            )
        checked.append((value, message))
    return tuple(checked)


class NumericAnswer(_Question):
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
        self.explanation = _check_text("explanation", explanation, allow_empty=True)
        if placeholder is None:
            placeholder = "e.g. 4.2 MB" if self.units == "bytes" else "e.g. 123,456"
        self.text = w.Text(value="", placeholder=_check_text("placeholder", placeholder, allow_empty=True),
                           layout=w.Layout(width="240px"))
        self.text.add_class("cnnlab-answer")
        self.value: float | None = None
        self._build(self.text)

    def _show(self, value: float) -> str:
        if self.units == "bytes":
            return f"{format_bytes(max(value, 0), binary=False)} ({_number(round(value))} bytes)"
        return _number(value)

    def _check(self) -> None:
        text = self.text.value.strip()
        if not text:
            self._ask("Type your answer in the box first, then click Check.")
            return
        too_long = _too_long(text, MAX_NUMBER_LENGTH, "a number")
        if too_long:
            self._ask(f"{too_long} {_FORMATS[self.units]}")
            return
        amount = _parse(text, self.units)
        if amount is None:
            self._ask(f"I could not read {_describe(text)} as a number. {_FORMATS[self.units]}")
            return
        self.value = amount.value
        # The unit as typed first (right, then a known mistake), then the other reading of MB/MiB; when the
        # number typed is near a known mistake but its other reading is right, the nearer of the two wins
        # (the book's 1st edition writes 537.7 "MB", right in MiB, 1.5 % from 529.6 MB, a known mistake).
        typed = self._mistake(amount.value)
        other_right = amount.alternative is not None and _close(amount.alternative, self.answer, self.tolerance)
        if _close(amount.value, self.answer, self.tolerance):
            self._grade(True, [self.explanation])
        elif typed and not (other_right and _distance(amount.alternative, self.answer)
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
        return next((message for mistake, message in self.mistakes if _close(value, mistake, self.tolerance)), "")

    def _mistake_distance(self, value: float) -> float:
        """How far ``value`` is (relative) from the first typical mistake it matches."""
        return next(_distance(value, mistake) for mistake, _ in self.mistakes if _close(value, mistake, self.tolerance))

    def _unit_note(self, amount: Amount) -> str:
        prefix = amount.unit[0]
        decimal, binary = {"k": ("kB", "KiB"), "m": ("MB", "MiB"), "g": ("GB", "GiB"), "t": ("TB", "TiB")}[prefix]
        typed, meant = (binary, decimal) if amount.unit in _BINARY_UNITS else (decimal, binary)
        return (f"Note: your number is right if your {typed} is read as {meant}. Strictly, 1 MB = 1,000,000 bytes "
                f"and 1 MiB = 1,048,576 bytes (and likewise kB/KiB, GB/GiB); the book writes “MB” for MiB in "
                f"places. The answer is {_number(self.answer)} bytes = {format_bytes(self.answer, binary=False)} "
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
                         f"received options={_describe(options)}.")
    checked = []
    for i, option in enumerate(options):
        if not isinstance(option, Option):
            if isinstance(option, Sequence) and not isinstance(option, str) and 1 <= len(option) <= 3:
                option = Option(*option)
            else:
                raise ValueError(f"options[{i}] must be an Option(text, correct, explanation), "
                                 f"received options[{i}]={_describe(option)}.")
        checked.append(Option(_check_text(f"options[{i}].text", option.text),
                              _check_bool(f"options[{i}].correct", option.correct),
                              _check_text(f"options[{i}].explanation", option.explanation, allow_empty=True)))
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


class MultipleChoice(_Question):
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
        self.multiple = _check_bool("multiple", multiple)
        self.shuffle = _check_bool("shuffle", shuffle)
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
        _check_text("text", text)
        texts = [option.text for option in self.options]
        if text in texts:
            return texts.index(text)
        starts = [i for i, option in enumerate(texts) if option.startswith(text)]
        if len(starts) == 1:
            return starts[0]
        if starts:
            raise ValueError(f"text={_describe(text)} starts {len(starts)} options "
                             f"({', '.join(_describe(texts[i]) for i in starts)}): give more of it.")
        raise ValueError(f"text={_describe(text)} is neither an option nor the start of one; the options are "
                         f"{', '.join(_describe(option) for option in texts)}.")

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


@dataclass(frozen=True)
class KeyIdea:
    """One idea a :class:`FreeText` answer should mention.

    Parameters
    ----------
    name : str
        Shown to the learner once their answer mentions it.
    patterns : str or sequence of str
        Regular expressions, matched case-insensitively anywhere in the answer
        (after its white space is made single spaces): one match is enough. A
        long answer is searched in overlapping windows of
        :data:`KEY_IDEA_WINDOW` characters, so a match must fit in half of one
        (a phrase of a sentence or two); that keeps the time linear in the
        answer's length whatever the pattern. Prefer bounded gaps, such as
        ``(?:[^\\s.-]{1,30}[\\s-]){0,8}`` (up to 8 words), to ``[^.]*``.
    hint : str
        A nudge towards the idea that does not name it, shown when it is missing.

    Examples
    --------
    >>> KeyIdea("16-bit floats", [r"16[\\s-]?bits?", r"half[\\s-]precision"]).name
    '16-bit floats'
    """

    name: str
    patterns: tuple[str, ...]
    hint: str = ""


def _check_key_ideas(key_ideas) -> tuple[tuple[KeyIdea, tuple[re.Pattern, ...]], ...]:
    if isinstance(key_ideas, str) or not isinstance(key_ideas, Sequence):
        raise ValueError(f"key_ideas must be a sequence of KeyIdea(name, patterns, hint), "
                         f"received key_ideas={_describe(key_ideas)}.")
    checked = []
    for i, idea in enumerate(key_ideas):
        if not isinstance(idea, KeyIdea):
            raise ValueError(f"key_ideas[{i}] must be a KeyIdea(name, patterns, hint), "
                             f"received key_ideas[{i}]={_describe(idea)}.")
        _check_text(f"key_ideas[{i}].name", idea.name)
        _check_text(f"key_ideas[{i}].hint", idea.hint, allow_empty=True)
        patterns = _check_texts(f"key_ideas[{i}].patterns", idea.patterns)
        if not patterns:
            raise ValueError(f"key_ideas[{i}].patterns must hold at least one regular expression, "
                             f"received key_ideas[{i}].patterns={_describe(idea.patterns)}.")
        compiled = []
        for j, pattern in enumerate(patterns):
            try:
                compiled.append(re.compile(pattern, re.IGNORECASE))
            except re.error as error:
                raise ValueError(f"key_ideas[{i}].patterns[{j}] is not a valid regular expression ({error}), "
                                 f"received {pattern!r}.") from error
        checked.append((idea, tuple(compiled)))
    names = [idea.name for idea, _ in checked]
    if len(set(names)) != len(names):
        raise ValueError(f"key_ideas must have different names, received names {names!r}.")
    return tuple(checked)


#: The longest free-text answer :class:`FreeText` checks, in characters (about 3,000 words, ten times a
#: long answer to any of the chapter's questions); a longer one gets a message asking to shorten it.
MAX_ANSWER_LENGTH = 20_000
#: A long answer is searched for key ideas in windows of this many characters (``pattern.search(text,
#: start, end)``, no copies), each starting half a window after the one before: any phrase up to half a
#: window long (about 40 words) lies whole in one of them. Each window costs a bounded time, so the total
#: is linear in the answer's length even for a pattern that backtracks over all the text it is given
#: (``[^.]*`` after a word that repeats, say), where one search of the whole answer could be quadratic
#: or worse.
KEY_IDEA_WINDOW = 500
_WORD_END_SLACK = 40  # a window's end moves up to this far to the end of a word, so that \b there is real


def _normalise(text: str) -> str:
    """Typographic dashes, quotes and spaces made plain, so that patterns need not list them."""
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    text = re.sub(r"[\u2018\u2019]", "'", text)
    return re.sub(r"\s+", " ", text)


def _windows(text: str, size: int = KEY_IDEA_WINDOW) -> list[tuple[int, int]]:
    """``(start, end)`` of overlapping windows of ``text``, about ``size`` long, ``size // 2`` apart.

    A search from ``start`` still sees the characters before it (``\\b`` and look-behinds are right
    there); each window's end is moved to the end of a word when one is near, so ``\\b`` is right there
    too. A match at most ``size // 2`` long lies whole in at least one window.

    >>> _windows("A short answer.")
    [(0, 15)]
    >>> _windows("words " * 150, 500)           # 900 characters; 503: the end of the word at 500
    [(0, 503), (250, 750), (500, 900)]
    """
    if len(text) <= size:
        return [(0, len(text))]
    step, windows = size // 2, []
    for start in range(0, len(text) - step, step):
        end = min(start + size, len(text))
        space = text.find(" ", end, end + _WORD_END_SLACK)
        windows.append((start, space if space != -1 and not text[end - 1].isspace() else end))
    return windows


class FreeText(_Question):
    """A question answered in a few sentences, checked for the key ideas it mentions.

    Check reports which key ideas the answer mentions ("You named 2 of 3 key
    ideas: ..."); the answer counts as complete when it names ``need`` of
    them. A wrong answer gets a hint pointing at a missing idea, without
    naming it. The model answer stays hidden until the learner clicks
    "Show model answer".

    Parameters
    ----------
    question : str
        Plain text (escaped).
    model_answer : str
        Plain text (escaped); blank lines separate paragraphs.
    key_ideas : sequence of KeyIdea
        What a complete answer mentions.
    need : int, optional
        How many key ideas make the answer complete; default all of them.
    hints : sequence of str
        General hints, revealed one at a time by the Hint button (after
        them, the button points at a missing idea).

    An answer longer than :data:`MAX_ANSWER_LENGTH` characters gets a message
    asking to shorten it, not a grade.

    Examples
    --------
    >>> q = FreeText("Name two primary colours.", "Red, green or blue (for light).",
    ...              key_ideas=[KeyIdea("red", r"\\bred\\b"), KeyIdea("blue", r"\\bblue\\b", "The sky's colour.")])
    >>> q.text.value = "Red, and green."
    >>> q.check(), q.mentioned, "The sky's colour." in q.feedback.value
    ('wrong', ('red',), True)
    >>> q.model_answer_shown
    False
    >>> q.text.value = "Red and blue."
    >>> q.check()
    'right'
    """

    def __init__(self, question: str, model_answer: str, *, key_ideas=(), need: int | None = None,
                 hints=()) -> None:
        super().__init__(question, hints=hints)
        self.model_answer = _check_text("model_answer", model_answer)
        self._ideas = _check_key_ideas(key_ideas)
        self.key_ideas = tuple(idea for idea, _ in self._ideas)
        if need is None:
            need = len(self.key_ideas)
        elif self.key_ideas:
            need = check_positive_int("need", need)
        if self.key_ideas and need > len(self.key_ideas):
            raise ValueError(f"need must be at most the number of key ideas ({len(self.key_ideas)}), "
                             f"received need={need}.")
        if not self.key_ideas and need:
            raise ValueError(f"need must be None or 0 when there are no key ideas, received need={need!r}.")
        self.need = need
        #: Names of the key ideas the last checked answer mentions.
        self.mentioned: tuple[str, ...] = ()
        self.model_answer_shown = False
        self._pointer = 0
        self.text = w.Textarea(value="", placeholder="Write your answer here, in your own words.",
                               # stretched by its column, margins included (width 100% plus margins overflowed it)
                               layout=w.Layout(width="auto", align_self="stretch", height="110px"))
        self.text.add_class("cnnlab-answer")
        # as wide as its label ("Hide model answer" too): the default 148 px cut it to "Show model ans…"
        self.show_button = w.Button(description="Show model answer", tooltip="Show or hide the model answer",
                                    layout=w.Layout(width="auto", min_width="148px"))
        self.show_button.add_class("cnnlab-show-answer")
        self.show_button.on_click(lambda _button: self.toggle_model_answer())
        self.model_box = w.HTML(value="", layout=w.Layout(display="none"))
        self.model_box.add_class("cnnlab-model-answer")
        self._build(self.text, buttons=[self.show_button], below=[self.model_box])

    def mentions(self, text: str) -> tuple[KeyIdea, ...]:
        """The key ideas that ``text`` mentions, in order.

        Examples
        --------
        >>> q = FreeText("?", "!", key_ideas=[KeyIdea("cats", r"\\bcats?\\b"), KeyIdea("dogs", r"\\bdogs?\\b")])
        >>> [idea.name for idea in q.mentions("A dog chased the CAT.")]
        ['cats', 'dogs']
        """
        text = _normalise(text)
        windows = _windows(text)
        return tuple(idea for idea, patterns in self._ideas
                     if any(p.search(text, start, end) for p in patterns for start, end in windows))

    def toggle_model_answer(self) -> bool:
        """Show the model answer, or hide it if it is shown; return whether it is shown now."""
        self._run(self._toggle)
        return self.model_answer_shown

    def _toggle(self) -> None:
        self.model_answer_shown = not self.model_answer_shown
        if self.model_answer_shown:
            self.model_box.value = (f"<div style='background:{css('panel2')};color:{css('text')};padding:6px 10px;"
                                    "margin-top:4px'>"
                                    f"<b>Model answer</b>{_paragraphs(self.model_answer)}</div>")
            self.model_box.layout.display = None
            self.show_button.description = "Hide model answer"
        else:
            self.model_box.value = ""
            self.model_box.layout.display = "none"
            self.show_button.description = "Show model answer"

    def _missing_hint(self, missing) -> str:
        """A nudge towards one missing idea (they take turns), or "" if none of them has one."""
        with_hints = [idea for idea in missing if idea.hint]
        if not with_hints:
            return ""
        idea = with_hints[self._pointer % len(with_hints)]
        self._pointer += 1
        return idea.hint

    def _check(self) -> None:
        text = self.text.value
        if not text.strip():
            self._ask("Write your answer in the box first, then click Check.")
            return
        too_long = _too_long(text, MAX_ANSWER_LENGTH, "an answer")
        if too_long:
            self._ask(f"{too_long} A few sentences are enough.")
            return
        found = self.mentions(text)
        self.mentioned = tuple(idea.name for idea in found)
        total = len(self.key_ideas)
        if not total:
            self._grade(True, ["There is nothing to check automatically here: compare your answer with the "
                               "model answer."])
            if not self.model_answer_shown:
                self._toggle()
            return
        named = f"You named {len(found)} of {total} key ideas" + (
            ": " + "; ".join(self.mentioned) + "." if found else ".")
        if len(found) >= self.need:
            self._grade(True, [named, "Compare with the model answer (“Show model answer”) for the details."])
            return
        missing = [idea for idea in self.key_ideas if idea not in found]
        wanted = "" if self.need == total else f" (a complete answer names {self.need})"
        nudge = self._missing_hint(missing)
        self._grade(False, [named + wanted, f"Think about this: {nudge}" if nudge else ""])
        if not nudge:
            self._reveal_hint()

    def _hint(self) -> None:
        if self.hints_shown < len(self.hints):
            self.hints_shown += 1
            return
        text = self.text.value
        too_long = _too_long(text, MAX_ANSWER_LENGTH, "an answer")
        if too_long:
            self._note = f"{too_long} A few sentences are enough."
            return
        missing = [idea for idea in self.key_ideas if idea not in self.mentions(text)]
        nudge = self._missing_hint(missing) if text.strip() else ""
        if nudge:
            self._note = f"Think about this: {nudge}"
        else:
            self._reveal_hint()


# --------------------------------------------------------------------------- exercises


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
        self.title = _check_text("title", title)
        self.intro = _check_text("intro", intro, allow_empty=True)
        if not questions:
            raise ValueError("questions: give at least one question, such as NumericAnswer(...), "
                             "MultipleChoice(...) or FreeText(...); received none.")
        for i, question in enumerate(questions):
            if not isinstance(question, _Question):
                raise ValueError(f"questions[{i}] must be a NumericAnswer, MultipleChoice or FreeText, "
                                 f"received questions[{i}]={_describe(question)}.")
        self.questions = tuple(questions)
        self.progress = w.HTML()
        self.progress.add_class("cnnlab-progress")
        header = w.HTML(f"<h4 style='margin:4px 0'>Exercise {self.number} · {_escape(self.title)}</h4>"
                        + (_paragraphs(self.intro) if self.intro else ""))
        self.root = w.VBox([header, *(q.root for q in self.questions), self.progress, self.error_box])
        for name in ("cnnlab-widget", self.css_class):
            self.root.add_class(name)
        for question in self.questions:
            question._listeners.append(self.refresh)
        self.refresh()

    def __getitem__(self, index: int) -> _Question:
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


def _exercise2_network():
    return stack((200, 300, 3), [conv2d_layer(maps, 3, strides=2, padding="SAME") for maps in (100, 200, 400)])


_EX2_ASSUMPTIONS = (
    "32-bit floats (4 bytes per value). \"At least\" for a prediction: layers run one after the other and a "
    "layer's input is freed once its output is computed, so the peak is the largest pair of consecutive tensors "
    "(input or layer outputs) plus the parameters. For training on a mini-batch: the input images and every "
    "layer's output are kept for backpropagation, plus the parameters once; gradients (freed layer by layer "
    "during backpropagation) and optimizer state are left out."
)


def exercise2_answers() -> dict:
    """Exercise 2's expected answers, computed with :mod:`cnnlab.memory`.

    Returns
    -------
    dict
        ``"parameters"`` (a count), ``"ram_inference"`` (bytes for a
        prediction on one instance), ``"ram_training"`` (bytes for training
        on a mini-batch of 50) and ``"assumptions"`` (the text stating them).

    Examples
    --------
    >>> answers = exercise2_answers()
    >>> answers["parameters"], answers["ram_inference"], answers["ram_training"]
    (903400, 12613600, 565613600)
    """
    net = _exercise2_network()
    return {
        "parameters": net.total_params,
        "ram_inference": net.ram_inference(batch_size=1),
        "ram_training": net.ram_training(batch_size=50),
        "assumptions": _EX2_ASSUMPTIONS,
    }


# Pieces of the course's key-idea patterns, bounded so that each try at a position costs a bounded time
# (``\w*`` after a stem, or ``[^.]*`` between two words, backtracked over the rest of the answer from
# every place the stem occurs: "build " * 4,000 took seconds). _STEM: the end of a word after its stem
# ("reduc" + "ing"); _WORD: one word; _GAP: up to 12 words of the same sentence (a word holds no space,
# full stop or hyphen, so the text splits into words in one way only).
_STEM = r"\w{0,12}"
_WORD = r"\w{1,30}"
_GAP = r"(?:[^\s.-]{1,30}[\s-]){0,12}"


def _both(n: int) -> str:
    return f"{_number(n)} bytes = {format_bytes(n, binary=False)} = {format_bytes(n)}"


def _exercise1() -> Exercise:
    ideas = [
        KeyIdea("far fewer parameters, thanks to partial connections and weight sharing", [
            r"(fewer|less|smaller number of|reduced?( number of)?|lower number of)\s+(trainable\s+)?"
            r"(parameters|params|weights|connections)",
            r"(parameters|params|weights|connections)\s+((is|are)\s+)?(much\s+|far\s+|a lot\s+)?"
            r"(fewer|less|reduced|smaller|lower)",
            r"(weights?|parameters?|kernels?|filters?)[\s-]+(is\s+|are\s+)?(shar|reus)",
            r"(shar|reus)" + _STEM + r"\s+(of\s+)?(the\s+)?(same\s+)?(weights?|parameters?|kernels?|filters?)",
            r"(partial|local|sparse)" + _STEM + r"[\s-]+connect", r"not\s+fully[\s-]+connected"],
            "Count the weights: how many does a convolutional layer need, compared with a dense layer with as "
            "many neurons, and why? What does that change for training time, overfitting and the amount of data?"),
        KeyIdea("a feature learned once is detected anywhere in the image", [
            r"anywhere", r"everywhere", r"wherever", r"regardless of (where|its (location|position))",
            r"any\s+(location|position|place|part|region|spot)",
            r"(translation|shift|spatial|position(al)?|location)[\s-]+(invarian|equivarian|independen)",
            r"(invariant|equivariant|independent)\s+(to|of)\s+(the\s+)?(translation|shift|position|location)",
            r"(different|other|all|every)\s+(locations?|positions?|places?|parts of the image|regions?)"],
            "Picture a pattern, say an eye, that a network learned to recognise in the top-left corner of its "
            "training images. What happens when an eye shows up in the bottom-right corner: for a CNN, and for "
            "a fully connected network?"),
        KeyIdea("built-in prior knowledge of how pixels are organised: local patterns combined into larger ones", [
            r"(spatial|local|2-?d|two-dimensional|neighbou?r" + _STEM + r"|nearby|adjacent)\s+(structure|information|"
            r"relation" + _STEM + r"|correlation" + _STEM
            + r"|pixels|patterns?|features?|organi[sz]ation|context|topology|arrangement)",
            r"prior", r"inductive bias", r"hierarch", r"receptive field",
            r"(combin|assembl|build)" + _STEM + r"\s" + _GAP + r"(larger|bigger|higher[\s-]level|more complex|complex)",
            r"pixels?\s" + _GAP + r"(close|near|next to)",
            r"flatten" + _STEM + r"\s" + _GAP + r"(los[et]|destroy|throw|ignor|discard)"],
            "What does a fully connected layer know about which pixels are neighbours? If you shuffled the "
            "pixels of every image in the same way, which kind of network would not notice?"),
    ]
    model = (
        "(a) Far fewer parameters. Consecutive layers are only partially connected and the network heavily "
        "reuses its weights (weight sharing), so a CNN has many fewer parameters than a fully connected DNN: it "
        "is faster to train, less prone to overfitting, and needs much less training data.\n\n"
        "(b) A feature learned once is detected anywhere. A kernel that detects a feature slides over every "
        "position, so the CNN detects that feature anywhere in the image; a DNN that learned it in one location "
        "can detect it only there. Images have very repetitive features, so CNNs generalise much better.\n\n"
        "(c) Built-in knowledge of how pixels are organised. A DNN has no prior knowledge of which pixels are "
        "close. A CNN's architecture embeds it: lower layers identify features in small areas of the image, and "
        "higher layers combine them into larger features. This works well with most natural images."
    )
    question = FreeText("What are the advantages of a CNN over a fully connected DNN for image classification?",
                        model, key_ideas=ideas,
                        hints=["There are three main ones: one about the number of parameters, one about where in "
                               "the image a feature can be found, one about what the architecture assumes about "
                               "images."])
    return Exercise(1, "CNNs versus fully connected networks", question)


def _exercise2_questions() -> tuple[NumericAnswer, NumericAnswer, NumericAnswer]:
    net = _exercise2_network()
    answers = exercise2_answers()
    params, inference, training = answers["parameters"], answers["ram_inference"], answers["ram_training"]
    size = 4                                                            # bytes per float32
    param_bytes = net.param_bytes()
    tensors = [("the input", math.prod(net.input_shape), net.input_shape)] + [
        (f"layer {i}'s output", layer.output_values, layer.output_shape) for i, layer in enumerate(net.layers, 1)]
    pair = max(range(len(tensors) - 1), key=lambda i: tensors[i][1] + tensors[i + 1][1])
    (first, first_values, first_shape), (second, second_values, second_shape) = tensors[pair], tensors[pair + 1]
    pair_bytes = (first_values + second_values) * size
    per_image = sum(values for _, values, _ in tensors) * size
    images = math.prod(net.input_shape) * size * 50

    def dims(shape):
        return "×".join(map(str, shape))

    terms = [f"(3×3×{layer.input_shape[2]} + 1) × {layer.output_shape[2]} = {layer.params:,}"
             for layer in net.layers]
    no_bias = stack((200, 300, 3), [conv2d_layer(m, 3, strides=2, use_bias=False) for m in (100, 200, 400)])
    grey = stack((200, 300, 1), [conv2d_layer(m, 3, strides=2) for m in (100, 200, 400)])
    flat_kernels = sum((3 * 3 + 1) * layer.output_shape[2] for layer in net.layers)
    parameters = NumericAnswer(
        "(a) What is the total number of parameters in the CNN?", params, tolerance=0,
        placeholder="e.g. 123,456",
        hints=["Each layer has (3×3×channels in + 1) × feature maps out parameters; its channels in are the "
               "feature maps of the layer below (3 for the RGB input).",
               "Add up (3×3×3 + 1) × 100, (3×3×100 + 1) × 200 and (3×3×200 + 1) × 400."],
        mistakes=[
            (no_bias.total_params, f"Almost: you left out the biases, one per feature map "
                                   f"({params - no_bias.total_params:,} in all)."),
            (grey.total_params, "Almost: the first layer's kernels span the 3 colour channels of the RGB input: "
                                "3×3×3 + 1 parameters per feature map, not 3×3 + 1."),
            (flat_kernels, "Each kernel spans all the feature maps of the layer below, not just one: the middle "
                           "layer's kernels are 3×3×100, the top layer's 3×3×200."),
            (net.layers[-1].params, "That is only the top layer: add the other two."),
        ],
        explanation="; ".join(terms) + f": {params:,} parameters in all. The image size does not matter.")
    prediction = NumericAnswer(
        "(b) Using 32-bit floats, at least how much RAM does the network need to make a prediction for a single "
        "instance?", inference, units="bytes",
        hints=["Work out each tensor per image: the input is 200×300×3 values, and with stride 2 and SAME padding "
               "each layer halves the height and width (rounding up). Each value takes 4 bytes.",
               "During a prediction, a layer's input can be freed once its output is computed: the peak is the "
               "largest pair of consecutive tensors, plus the parameters (4 bytes each)."],
        mistakes=[
            (pair_bytes, "That is the feature maps alone: the parameters must be in RAM too "
                         f"({params:,} × 4 bytes = {format_bytes(param_bytes, binary=False)})."),
            (net.feature_map_bytes(1) + param_bytes,
             "You added up every tensor. For a prediction, a layer's output can be freed as soon as the next "
             "layer has computed its own, so only the largest two consecutive tensors are in RAM at once."),
            (max(v for _, v, _ in tensors) * size + param_bytes,
             "A layer's input can only be freed once its output is computed, so at the peak two consecutive "
             "tensors are in RAM together, not just the largest one."),
            (param_bytes, "That is just the parameters: the feature maps being computed take RAM too."),
            (first_values + second_values + params,
             "That looks like a count of values: in 32-bit floats each value takes 4 bytes."),
            ((2 * first_values + second_values) * size + param_bytes,
             "That is the figure of early printings of the book's 1st edition (about 17.8 MB), which adds 6 + 9 "
             "million bytes of feature maps where the two layers hold 6 and 3 million: count each of the two "
             "consecutive tensors once."),
        ],
        explanation=(f"The largest consecutive pair is {first} ({dims(first_shape)}) and {second} "
                     f"({dims(second_shape)}): {first_values + second_values:,} values × 4 bytes = "
                     f"{pair_bytes:,} bytes, plus the parameters, {params:,} × 4 = {param_bytes:,} bytes: "
                     f"{_both(inference)}. Early printings of the book's 1st edition say about 17.8 MB: they add "
                     "6 + 9 million bytes of feature maps instead of 6 + 3."))
    batch = NumericAnswer(
        "(c) And at least how much RAM to train it on a mini-batch of 50 images?", training, units="bytes",
        hints=["Backpropagation needs every layer's output from the forward pass: keep the input images and all "
               "three layers' outputs, for each of the 50 images.",
               "Then add the parameters once (the whole batch shares them); leave out the gradients, which can be "
               "freed as backpropagation goes down the layers."],
        mistakes=[
            (training - images, f"You forgot the input images: 50 × 200×300×3 values × 4 bytes = "
                                f"{format_bytes(images, binary=False)} are in RAM too."),
            (net.ram_training(1), "That is for one image: multiply the feature maps (not the parameters) by the "
                                  "50 images of the mini-batch."),
            (50 * net.ram_training(1), "The parameters are shared by the whole mini-batch: count them once, not "
                                       "50 times."),
            (net.ram_inference(50), "Training cannot free the layer outputs as it goes: backpropagation needs all "
                                    "of them, so the input and every layer's output are kept for the 50 images."),
            (50 * inference, "You multiplied the prediction's RAM by 50: training keeps every layer's output, not "
                             "just two, and the parameters are counted once."),
        ],
        explanation=(f"Per image: the input and the three outputs, {per_image // size:,} values × 4 bytes = "
                     f"{per_image:,} bytes; × 50 = {per_image * 50:,} bytes; plus the parameters once, "
                     f"{param_bytes:,} bytes: {_both(training)}. The book's 1st edition gets 537.7 MB: its "
                     "megabytes are MiB, and it rounds each layer to 5.7, 2.9 and 1.4 MB per image before "
                     "multiplying by 50."))
    return parameters, prediction, batch


def _exercise2() -> Exercise:
    intro = ("Consider a CNN composed of three convolutional layers, each with 3×3 kernels, a stride of 2, and "
             "SAME padding. The lowest layer outputs 100 feature maps, the middle one outputs 200, and the top one "
             "outputs 400. The input images are RGB images of 200×300 pixels.\n\n"
             "Type numbers such as 45,600 or 4.2 MB (MB: 1,000² bytes; MiB: 1,024² bytes).")
    return Exercise(2, "Parameters and RAM of a three-layer CNN", *_exercise2_questions(), intro=intro)


def _exercise3() -> Exercise:
    ideas = [
        KeyIdea("reduce the mini-batch size", [
            r"(smaller|(reduc|decreas|lower|shrink|cut|halv)" + _STEM + r")\s+(the\s+)?(mini[\s-]?)?batch",
            r"(mini[\s-]?)?batch(\s+size)?\s+(is\s+)?(smaller|reduc|decreas|lower|down)",
            r"fewer\s+(images|instances|samples|examples)\s+(per|in each|in a)\s+(mini[\s-]?)?batch"],
            "What is the RAM for training multiplied by, in exercise 2?"),
        KeyIdea("reduce dimensionality, e.g. a larger stride", [
            r"stride", r"dimensionality",
            r"(reduc|lower|decreas|shrink)" + _STEM
            + r"\s+(the\s+)?(dimension|resolution|image size|input size|size of the)",
            r"(smaller|(downsampl|downscal|resiz)" + _STEM + r")\s+(the\s+)?(input\s+)?(images?|inputs?|feature maps?)",
            r"(more|extra|add" + _STEM + r")\s+(" + _WORD + r"\s+)?pooling", r"lower resolution"],
            "The lowest layers have the largest feature maps. Which setting of a layer makes its output smaller?"),
        KeyIdea("remove layers (a smaller network)", [
            r"(remov|drop|delet|cut)" + _STEM + r"\s+(" + _WORD + r"\s+){0,4}layers?",
            r"layers?\s+(removed|dropped|deleted)",
            r"(fewer|less)\s+(" + _WORD + r"\s+)?layers", r"shallower",
            r"(fewer|less)\s+(feature maps|filters|channels|neurons|units)",
            r"(reduc|decreas|lower)" + _STEM + r"\s+(the\s+)?(number of|depth|layers|feature maps|filters)"],
            "Training keeps every layer's output for backpropagation. What could you change in the network "
            "itself?"),
        KeyIdea("use 16-bit floats instead of 32-bit", [
            r"16[\s-]?bits?", r"float\s?16", r"fp\s?16", r"half[\s-]precision", r"mixed[\s-]precision",
            r"bfloat", r"(lower|reduced?|less)\s+precision", r"quanti[sz]"],
            "Every value takes 4 bytes in float32. Does it have to?"),
        KeyIdea("distribute the CNN across multiple devices", [
            r"(multiple|several|more|two|many|other|additional|extra)\s+(gpus|devices|machines|cards|servers|"
            r"graphics cards|tpus)", r"more than one (gpu|device|machine)", r"distribut", r"parallel",
            r"multi[\s-]?gpu", r"cluster",
            r"split" + _STEM + r"\s" + _GAP + r"(across|between|over|among)\s" + _GAP + r"(gpus|devices)"],
            "One GPU is not enough for the whole network. What if you had more than one?"),
    ]
    model = ("The book's five answers, other than buying a GPU with more RAM:\n"
             "1. reduce the mini-batch size;\n"
             "2. reduce dimensionality using a larger stride in one or more layers;\n"
             "3. remove one or more layers;\n"
             "4. use 16-bit floats instead of 32-bit floats;\n"
             "5. distribute the CNN across multiple devices.\n\n"
             "Notebook 04 measures each one on exercise 2's network, with its price: noisier gradients, lost "
             "spatial detail, a less powerful network, lower precision, more hardware.")
    question = FreeText("If your GPU runs out of memory while training a CNN, what are five things you could try "
                        "to solve the problem? (Buying a bigger GPU does not count.)", model, key_ideas=ideas,
                        need=5,
                        hints=["Look at what exercise 2's training RAM is made of: the mini-batch, the size of "
                               "each feature map, the number of layers, the bytes per value, and the one GPU "
                               "that holds it all. Each gives one remedy."])
    return Exercise(3, "Out of GPU memory", question)


def _exercise4() -> Exercise:
    conv = conv2d_stats((32, 32, 64), filters=64, kernel_size=2, strides=2)          # any height and width
    pool = pool2d_stats((32, 32, 64), pool_size=2, strides=2)
    per_value = conv.multiplications // math.prod(conv.output_shape)
    options = [
        Option("It has no parameters at all, so there is nothing to learn and less to compute.", True,
               f"A 2×2 max pooling layer with stride 2 has {pool.params} parameters, while a 2×2 convolution with "
               f"stride 2 that keeps 64 channels has 2×2×64×64 + 64 = {conv.params:,} parameters to learn, and does "
               f"{per_value:,} multiplications for each value it outputs. Pooling only takes maxima."),
        Option("Its output is smaller in height and width than the convolutional layer's output.", False,
               "With the same stride (and padding), both give outputs of the same height and width: the output "
               "size depends on the window, stride and padding, not on what the layer computes."),
        Option("It learns which features are worth keeping, thanks to its trainable weights.", False,
               "A max pooling layer has no weights: it always takes the maximum of each window, and learns "
               "nothing."),
        Option("It reduces the number of feature maps (channels), which a convolution cannot do.", False,
               "A max pooling layer pools each feature map on its own and keeps their number; a convolutional "
               "layer is the one that can change it (1×1 convolutions are used for exactly that)."),
    ]
    question = MultipleChoice("What advantage does a max pooling layer have over a convolutional layer with the "
                              "same stride?", options,
                              hints=["Count what each layer has to learn: how many parameters does a 2×2 "
                                     "convolution with stride 2 on 64 channels have? And a 2×2 max pooling layer?"])
    return Exercise(4, "Max pooling versus a strided convolution", question)


def _exercise5() -> Exercise:
    options = [
        Option("In the lower layers, so that neighbouring feature maps specialise in different features.", True,
               "The most strongly activated neurons inhibit the neurons at the same location in neighbouring "
               "feature maps: this pushes the maps apart, so they explore a wider range of features, and the upper "
               "layers get a larger pool of low-level features to build upon. AlexNet and GoogLeNet used LRN in "
               "their lower layers (later networks mostly use batch normalization instead)."),
        Option("Right before the output layer, to turn the scores into class probabilities.", False,
               "That is the softmax activation's job. LRN normalises a neuron by the neurons at the same position "
               "in the neighbouring feature maps of a convolutional layer."),
        Option("After the dense layers at the top, to fight overfitting the way dropout does.", False,
               "LRN is not a regulariser like dropout: it works across the feature maps of convolutional layers, "
               "and it is typically used in the lower ones."),
        Option("In the upper layers, so that neighbouring feature maps learn to detect the same features.", False,
               "The opposite: LRN makes neighbouring feature maps compete, so they learn different features, and "
               "it is typically used in the lower layers."),
        Option("Whenever the network has too many parameters, to reduce the number it must learn.", False,
               "LRN has no trainable parameters and changes no shape, so it cannot reduce the number of "
               "parameters of the other layers."),
    ]
    question = MultipleChoice("When would you want to add a local response normalization (LRN) layer?", options,
                              hints=["With LRN, a neuron that fires strongly dampens the neurons at the same "
                                     "position in the neighbouring feature maps. What does that do to what those "
                                     "feature maps learn?",
                                     "Which layers' features does the rest of the network build upon?"])
    return Exercise(5, "Local response normalization", question)


def _exercise6() -> Exercise:
    alexnet = MultipleChoice(
        "(a) What were AlexNet's main innovations, compared with LeNet-5? Tick all that apply.", [
            Option("A much larger and deeper network than LeNet-5.", True,
                   "AlexNet has about 60 million parameters, a thousand times LeNet-5's 60,000, and more layers."),
            Option("Convolutional layers stacked directly on top of each other, no pooling in between.", True,
                   "LeNet-5 alternates convolution and pooling; AlexNet stacks three convolutions in a row."),
            Option("ReLU activations, dropout and local response normalization.", True,
                   "None of the three was in LeNet-5, which used tanh activations. AlexNet also relied heavily on "
                   "data augmentation (LeNet-5's paper had already tried distorted copies of the digits) and was "
                   "trained on two GPUs."),
            Option("Convolutional layers and pooling layers, the two building blocks of a CNN.", False,
                   "LeNet-5 already alternated convolutional and pooling (subsampling) layers."),
            Option("Inception modules, running 1×1, 3×3 and 5×5 convolutions side by side on one input.", False,
                   "That is GoogLeNet's innovation, two years after AlexNet."),
            Option("Skip connections that add a unit's input to its output.", False,
                   "That is ResNet's innovation (residual units), three years after AlexNet."),
            Option("Global average pooling instead of large dense layers at the top.", False,
                   "That came later, with GoogLeNet (after Network in Network, 2013); AlexNet ends with two dense "
                   "layers of 4,096 neurons before its output layer."),
        ], multiple=True,
        hints=["Compare the layer tables of LeNet-5 and AlexNet in notebook 06: size, depth, and what follows "
               "each convolutional layer. Then think about activations and fighting overfitting."])
    googlenet = MultipleChoice(
        "(b) What were GoogLeNet's main innovations? Tick all that apply.", [
            Option("Inception modules: 1×1, 3×3 and 5×5 convolutions and max pooling in parallel, concatenated.",
                   True, "Each module captures patterns at several scales at once; its output depth is the sum of "
                         "its branches' depths."),
            Option("1×1 bottleneck layers that cut the depth before the costly 3×3 and 5×5 convolutions.", True,
                   "They make inception modules affordable: GoogLeNet is much deeper than AlexNet, yet it has about "
                   "a tenth of its parameters."),
            Option("Global average pooling instead of large dense layers at the top.", True,
                   "New compared with AlexNet: it removes most of the parameters a dense top would need. GoogLeNet "
                   "took the idea from Network in Network (Lin et al., 2013)."),
            Option("Skip connections that add each unit's input to its output, so that deep stacks still train.",
                   False, "That is ResNet's innovation, the year after GoogLeNet."),
            Option("Dropout and data augmentation, to keep such a deep network from overfitting.", False,
                   "Both were already in AlexNet: GoogLeNet uses them, but they were not new."),
            Option("Convolutional layers stacked directly on top of each other, without pooling between.", False,
                   "That was AlexNet's innovation."),
            Option("Local response normalization after the first layers, to make the maps compete.", False,
                   "That came with AlexNet: GoogLeNet uses it in its first layers, but it was not new."),
        ], multiple=True,
        hints=["What is inside one inception module, and what do its 1×1 convolutions do to the number of "
               "feature maps? What replaces the dense layers at the top?"])
    resnet = MultipleChoice(
        "(c) What were ResNet's main innovations? Tick all that apply.", [
            Option("Skip connections: each residual unit adds its input to its output.", True,
                   "The unit only has to learn the difference (the residual); the signal and the gradients flow "
                   "through the skip connections, so very deep networks train well."),
            Option("Networks well beyond 100 layers (ResNet-152) that still train well.", True,
                   "Skip connections make that depth possible."),
            Option("A simple, regular design: stacks of identical residual units, in a few stages.", True,
                   "ResNet-34 is just 16 residual units in four stages; where a unit changes the size and depth, a "
                   "1×1 convolution with stride 2 on its skip connection gives the input the right shape."),
            Option("Inception modules, which run convolutions of several sizes in parallel on one input.", False,
                   "That is GoogLeNet's innovation."),
            Option("Global average pooling instead of large dense layers at the top.", False,
                   "ResNet uses it, but GoogLeNet used it the year before."),
            Option("Local response normalization in the lower layers, to make neighbouring maps compete.", False,
                   "That came with AlexNet (GoogLeNet used it too); ResNet uses batch normalization instead."),
        ], multiple=True,
        hints=["How deep is ResNet-152, and what does a residual unit add to the output of its layers?"])
    intro = ("Can you name the main innovations in AlexNet, compared to LeNet-5? What about the main innovations "
             "in GoogLeNet and ResNet?")
    return Exercise(6, "AlexNet, GoogLeNet and ResNet", alexnet, googlenet, resnet, intro=intro)


_EXERCISES = {1: _exercise1, 2: _exercise2, 3: _exercise3, 4: _exercise4, 5: _exercise5, 6: _exercise6}


def exercise(n: int) -> Exercise:
    """The self-check widget of the chapter's exercise ``n`` (1 to 6).

    Exercises 7 to 10 are coding exercises, each in its own notebook (07 to
    10); check their results there with :func:`check_accuracy`,
    :func:`check_top5` and :func:`check_dream`.

    Examples
    --------
    >>> ex = exercise(2)
    >>> len(ex), ex[0].answer
    (3, 903400.0)
    >>> exercise(7)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: n must be an exercise number from 1 to 6, received n=7: exercises 7 to 10 are coding exercises, ...
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n not in _EXERCISES:
        raise ValueError(f"n must be an exercise number from 1 to 6, received n={_describe(n)}: exercises 7 to 10 "
                         "are coding exercises, done in notebooks 07 to 10 (check your results there with "
                         "check_accuracy, check_top5 or check_dream).")
    return _EXERCISES[int(n)]()


# --------------------------------------------------------------------------- coding exercises


@dataclass(frozen=True)
class CheckResult:
    """The outcome of :func:`check_accuracy`, :func:`check_top5` or :func:`check_dream`.

    Attributes
    ----------
    accuracy : float or None
        The learner's test accuracy (for :func:`check_top5`: the fraction of
        images whose top-1 class agrees with the reference); None when there
        was nothing to check yet.
    reference : float
        What to compare with.
    message : str
        One or two sentences for the learner.
    passed : bool
        Whether the learner's result reaches the reference.
    details : tuple of str
        Further lines (one per image for :func:`check_top5`).

    Examples
    --------
    >>> print(CheckResult(0.99, 0.98, "Well done.", True))
    Well done.
    """

    accuracy: float | None
    reference: float
    message: str
    passed: bool
    details: tuple[str, ...] = ()

    def __str__(self) -> str:
        return "\n".join([self.message, *self.details])

    def _repr_html_(self) -> str:
        colour = _RIGHT_COLOUR if self.passed else (_MUTED if self.accuracy is None else _HINT_COLOUR)
        details = "".join(f"<li>{_escape(line)}</li>" for line in self.details)
        return (f"<div class='cnnlab-check-result' style='border-left:4px solid {colour};padding:4px 10px'>"
                f"{_escape(self.message)}{f'<ul>{details}</ul>' if details else ''}</div>")


class _BadAnswer(Exception):
    """The learner's code returned something the check cannot grade (its message says why, for the learner)."""


def _non_finite(array: np.ndarray) -> tuple[int, str]:
    """How many rows of ``array`` (one per example; one value for 0-d) hold NaN or infinity, and which kind."""
    if not np.issubdtype(array.dtype, np.inexact):
        return 0, ""
    bad = ~np.isfinite(array)
    if not bad.any():
        return 0, ""
    rows = int(bad.reshape(len(array), -1).any(axis=1).sum()) if array.ndim else 1
    return rows, "NaN (not a number)" if np.isnan(array).any() else "infinite values"


def _check_scores(scores, where: str = "") -> np.ndarray:
    """The model's predictions as an array; raise :class:`_BadAnswer` if any is NaN or infinite.

    The largest of NaN scores is meaningless (``argmax`` says class 0), so such a model must not pass.
    """
    array = np.asarray(scores)
    rows, kind = _non_finite(array)
    if rows:
        total = len(array) if array.ndim else 1
        raise _BadAnswer(f"Your model's predictions hold {kind} for {rows:,} of the {total:,} test "
                         f"example{'s' if total != 1 else ''}{where}, so they cannot be graded. Its training has "
                         "probably diverged (a learning rate too high, or NaN in the training images): check that "
                         "the images hold no NaN, retrain the model, then run this cell again.")
    return array


_SUGGESTIONS = {
    7: "training longer (20 or 30 epochs of the one-cycle schedule), wider blocks such as filters=(48, 96, 192), "
       "or averaging several models",
    9: "fine-tuning: once the new head is trained, unfreeze the pretrained base and train again with a smaller "
       "learning rate, on the augmented training photos, as notebook 09's reference run does",
}
_GENERIC_SUGGESTION = "training longer, data augmentation, or a larger model"


def _check_reference(reference) -> float:
    ok = (not isinstance(reference, bool) and isinstance(reference, numbers.Real)
          and math.isfinite(reference) and 0 <= reference <= 1)
    if not ok:
        raise ValueError(f"reference must be an accuracy between 0 and 1, for example 0.993 for 99.3%, "
                         f"received reference={_describe(reference)}.")
    return float(reference)


def _check_model(name: str, model) -> None:
    if not callable(getattr(model, "predict", None)):
        raise ValueError(f"{name} must be a Keras model (anything with a predict method) or None, "
                         f"received {name}={_describe(model)} (type {type(model).__name__}).")


def _predict(model, x, batch_size: int):
    """``model.predict(x)``, with batch_size and verbose=0 when its signature takes them."""
    try:
        parameters = inspect.signature(model.predict).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        parameters = {}
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    options = {key: value for key, value in (("batch_size", batch_size), ("verbose", 0))
               if takes_any or key in parameters}
    return model.predict(x, **options)


def _as_labels(values, name: str) -> np.ndarray:
    """Class labels from labels, one-hot rows, probabilities or a single sigmoid column."""
    array = np.asarray(values)
    rows, kind = _non_finite(array)
    if rows:
        raise ValueError(f"{name} must be class labels (whole numbers, or one-hot rows), but it holds {kind} in "
                         f"{rows:,} of its {len(array) if array.ndim else 1:,} entries: give the labels of the test "
                         "examples as they were loaded.")
    if array.ndim == 2 and array.shape[1] == 1:
        scores = np.issubdtype(array.dtype, np.floating) and not np.all(array == np.round(array))
        # a sigmoid column (or logits, outside [0, 1]) becomes [1 - p, p]; a column of labels stays labels
        array = binary_probabilities(array).argmax(axis=1) if scores else array[:, 0]
    elif array.ndim == 2:
        array = array.argmax(axis=1)
    if array.ndim != 1:
        raise ValueError(f"{name} must be class labels (1-D) or one row of scores per example (2-D), "
                         f"received {name} with shape {array.shape}.")
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.bool_)):
        if not np.issubdtype(array.dtype, np.number) or not np.all(np.equal(np.mod(array, 1), 0)):
            raise ValueError(f"{name} must be whole class labels, received 1-D {name} of dtype {array.dtype} "
                             f"with values such as {array[:3].tolist()}.")
    return array.astype(np.int64)


def _is_dataset(x) -> bool:
    return not isinstance(x, (np.ndarray, list, tuple, str, bytes)) and hasattr(x, "__iter__") \
        and not hasattr(x, "shape")


def check_accuracy(model, x, y=None, *, reference, exercise: int, batch_size: int = 256) -> CheckResult:
    """Measure a model's test accuracy and compare it with the course's reference.

    Parameters
    ----------
    model : keras.Model, anything with ``predict``, or None
        None (the model is not built yet) gives a result that says so, not an
        error. ``predict`` may return one row of class scores per example or
        the class labels themselves (1-D).
    x : array, tuple or tf.data.Dataset
        The test images, with their integer (or one-hot) labels in ``y``; or a
        pair ``(images, labels)``; or a dataset of ``(images, labels)``
        batches, with ``y=None``.
    y : array, optional
        The labels of ``x``.
    reference : float
        The reference solution's accuracy, between 0 and 1.
    exercise : int
        The exercise (7 to 10), for the suggestions.
    batch_size : int
        Passed to ``model.predict`` for arrays.

    Returns
    -------
    CheckResult
        Not passed, with ``accuracy`` None and a message, when the model's
        predictions hold NaN or infinite values (whose argmax means nothing).

    Examples
    --------
    >>> class Fake:                     # predicts class 0 for every image
    ...     def predict(self, x, **kwargs):
    ...         return np.tile([0.9, 0.1], (len(x), 1))
    >>> result = check_accuracy(Fake(), np.zeros((4, 2)), np.array([0, 0, 0, 1]), reference=0.8, exercise=7)
    >>> result.accuracy, result.passed
    (0.75, False)
    >>> print(result.message)  # doctest: +ELLIPSIS
    Your model: 75.00% test accuracy (4 test examples); the reference: 80.00%: 5.00 points short; try ...
    >>> check_accuracy(None, None, reference=0.99, exercise=7).message
    'No model yet: build your model in the cell above, then run this cell again.'
    """
    reference = _check_reference(reference)
    if isinstance(exercise, bool) or not isinstance(exercise, numbers.Integral) or not 7 <= exercise <= 10:
        raise ValueError(f"exercise must be a coding exercise number from 7 to 10, received "
                         f"exercise={_describe(exercise)}.")
    batch_size = check_positive_int("batch_size", batch_size)
    if model is None:
        return CheckResult(None, reference, "No model yet: build your model in the cell above, then run this cell "
                                            "again.", False)
    _check_model("model", model)
    if y is None and isinstance(x, tuple) and len(x) == 2:
        x, y = x
    try:
        predicted, labels = _predictions_and_labels(model, x, y, batch_size)
    except _BadAnswer as problem:
        return CheckResult(None, reference, str(problem), False)
    if len(labels) == 0:
        raise ValueError("x is empty: give at least one test example.")
    if len(predicted) != len(labels):
        raise ValueError(f"y must have one label per example: the model made {len(predicted)} predictions for "
                         f"{len(labels)} labels.")
    accuracy = float(np.mean(predicted == labels))
    return CheckResult(accuracy, reference, _accuracy_message(accuracy, reference, len(labels), exercise),
                       accuracy >= reference)


def _predictions_and_labels(model, x, y, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    """The predicted and true labels of ``x`` (array or dataset); NaN or infinite scores raise _BadAnswer."""
    if _is_dataset(x):
        if y is not None:
            raise ValueError("y must be None when x is a dataset of (images, labels) batches, "
                             f"received y of type {type(y).__name__}.")
        return _predict_dataset(model, x)
    if y is None:
        raise ValueError("y is None: give the labels of x, or x as a pair (images, labels) or a dataset of "
                         "(images, labels) batches.")
    labels = _as_labels(y, "y")
    return _as_labels(_check_scores(_predict(model, x, batch_size)), "the predictions"), labels


def _predict_dataset(model, dataset) -> tuple[np.ndarray, np.ndarray]:
    batches = dataset.as_numpy_iterator() if hasattr(dataset, "as_numpy_iterator") else iter(dataset)
    on_batch = getattr(model, "predict_on_batch", None)
    predicted, labels = [], []
    for i, element in enumerate(batches):
        if not isinstance(element, (tuple, list)) or len(element) < 2:
            raise ValueError(f"x must be a dataset of (images, labels) batches, but its batch {i} is a "
                             f"{type(element).__name__}, not a pair.")
        images, batch_labels = element[0], element[1]
        scores = on_batch(images) if callable(on_batch) else _predict(model, images, len(images))
        predicted.append(_as_labels(_check_scores(scores, f" of batch {i}"), "the predictions"))
        labels.append(_as_labels(batch_labels, "the dataset's labels"))
    if not labels:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(predicted), np.concatenate(labels)


def _accuracy_message(accuracy: float, reference: float, n: int, exercise: int) -> str:
    points = (accuracy - reference) * 100
    start = (f"Your model: {accuracy:.2%} test accuracy ({n:,} test example{'s' if n != 1 else ''}); "
             f"the reference: {reference:.2%}")
    if accuracy > reference:
        return f"{start}: {points:.2f} points above it. Well done!"
    if accuracy == reference:
        return f"{start}: level with it. Well done!"
    return f"{start}: {-points:.2f} points short; try {_SUGGESTIONS.get(exercise, _GENERIC_SUGGESTION)}."


def _top_list(answer, k: int, who: str, image_name: str) -> list[tuple[str, str, float]]:
    """``[(key, name, probability), ...]`` best first, k of them, from a classify function's answer."""
    if isinstance(answer, Mapping):
        answer = list(answer.items())
    if isinstance(answer, np.ndarray) or not isinstance(answer, (list, tuple)):
        shape = f" of shape {answer.shape}" if isinstance(answer, np.ndarray) else ""
        raise _BadAnswer(f"{who} must return a list of (class name, probability) pairs, such as "
                         f"[('macaw', 0.97), ...]; for {image_name!r} it returned a "
                         f"{type(answer).__name__}{shape}.")
    rows = []
    for item in answer:
        if not isinstance(item, (tuple, list)) or len(item) not in (2, 3):  # 3: Keras' (wnid, name, probability)
            raise _BadAnswer(f"{who} must return (class name, probability) pairs; for {image_name!r} one of its "
                             f"items is {_describe(item)}.")
        name, probability = item[-2], item[-1]
        if not isinstance(name, str) or isinstance(probability, bool) or not isinstance(probability, numbers.Real):
            raise _BadAnswer(f"{who} must return (class name, probability) pairs; for {image_name!r} one of its "
                             f"items is {_describe(tuple(item))}.")
        if not math.isfinite(float(probability)):
            raise _BadAnswer(f"{who} must return probabilities between 0 and 1; for {image_name!r} it returned "
                             f"{float(probability)} for {name!r}: the model's scores hold NaN or infinite values, "
                             "so the classes cannot be ranked (check the preprocessing and the weights).")
        if not 0 <= float(probability) <= 1:
            raise _BadAnswer(f"{who} must return probabilities between 0 and 1; for {image_name!r} it returned "
                             f"{float(probability):g} for {name!r} (a percentage?).")
        key = re.sub(r"[\s_-]+", " ", name).strip().lower()
        rows.append((key, name, float(probability)))
    if len(rows) < k:
        raise _BadAnswer(f"{who} returned {len(rows)} classes for {image_name!r}; the exercise asks for the top {k}.")
    return sorted(rows, key=lambda row: -row[2])[:k]


def _named(images) -> dict:
    if isinstance(images, Mapping):
        named = {str(name): image for name, image in images.items()}
    elif isinstance(images, np.ndarray) and images.ndim == 3:
        named = {"image": images}
    elif isinstance(images, (np.ndarray, list, tuple)):
        named = {f"image {i + 1}": image for i, image in enumerate(images)}
    else:
        raise ValueError(f"images must be a dict {{name: image}}, a list of images or one image array, "
                         f"received images={_describe(images)}.")
    if not named:
        raise ValueError("images is empty: give at least one image.")
    return named


def _compare(name: str, mine, theirs, k: int) -> tuple[bool, bool, float | None, str]:
    """Compare one image's top-k lists: (same top-1, same set, top-1 probability gap or None, detail line)."""
    top1 = mine[0][0] == theirs[0][0]
    same_set = {row[0] for row in mine} == {row[0] for row in theirs}
    gap = abs(mine[0][2] - theirs[0][2]) if top1 else None
    if top1:
        first = f"top-1 {mine[0][1]} (yours {mine[0][2]:.1%}, reference {theirs[0][2]:.1%})"
    else:
        first = f"top-1 differs: yours {mine[0][1]!r}, reference {theirs[0][1]!r}"
    if same_set:
        rest = f"same top-{k} classes"
    else:
        missing = [row[1] for row in theirs if row[0] not in {m[0] for m in mine}]
        extra = [row[1] for row in mine if row[0] not in {t[0] for t in theirs}]
        rest = f"top-{k} differs: missing {', '.join(missing)}; extra {', '.join(extra)}"
    mark = RIGHT_MARK if top1 and same_set else WRONG_MARK
    return top1, same_set, gap, f"{mark} {name}: {first}; {rest}"


def check_top5(fn, images, reference_fn, *, k: int = 5) -> CheckResult:
    """Compare a learner's top-k classifier with the reference one, image by image (exercise 8).

    Parameters
    ----------
    fn : callable or None
        ``fn(image)`` returns the top classes as ``[(class name, probability),
        ...]`` (Keras' ``decode_predictions`` triples ``(id, name,
        probability)`` are accepted too). None (not written yet) gives a
        result that says so, not an error.
    images : dict, list or array
        ``{name: image}``, a list of images, or one image.
    reference_fn : callable
        The same for the reference classifier, for example
        ``lambda image: classifier.classify(image, top=5)[0]``.
    k : int
        How many classes to compare.

    Returns
    -------
    CheckResult
        ``accuracy`` is the fraction of images whose top-1 class agrees with
        the reference's; ``passed`` when the top-1 class and the set of the
        top ``k`` agree on every image. Class names are compared ignoring
        case, spaces and underscores.

    Examples
    --------
    >>> reference = lambda image: [("macaw", 0.9), ("lorikeet", 0.05), ("toucan", 0.03)]
    >>> mine = lambda image: [("lorikeet", 0.5), ("macaw", 0.4), ("toucan", 0.1)]
    >>> result = check_top5(mine, {"parrot": np.zeros((2, 2, 3))}, reference, k=3)
    >>> result.passed, result.accuracy
    (False, 0.0)
    >>> print(result)  # doctest: +NORMALIZE_WHITESPACE
    Your top-1 class agrees with the reference on 0 of 1 images, your top-3 set on 1 of 1.
    Check the preprocessing (centre crop, input size, pixel scaling) and that you read the right class names.
    ✗ parrot: top-1 differs: yours 'lorikeet', reference 'macaw'; same top-3 classes
    """
    k = check_positive_int("k", k)
    if not callable(reference_fn):
        raise ValueError(f"reference_fn must be a function image -> [(class name, probability), ...], "
                         f"received reference_fn={_describe(reference_fn)}.")
    if fn is None:
        return CheckResult(None, 1.0, "No classify function yet: write it in the cell above, then run this cell "
                                      "again.", False)
    if not callable(fn):
        raise ValueError(f"fn must be a function image -> [(class name, probability), ...] or None, "
                         f"received fn={_describe(fn)}.")
    named = _named(images)
    rows = []
    for name, image in named.items():
        try:
            mine = _top_list(fn(image), k, "your function", name)
        except _BadAnswer as problem:
            return CheckResult(None, 1.0, str(problem), False)
        try:
            theirs = _top_list(reference_fn(image), k, "reference_fn", name)
        except _BadAnswer as problem:
            raise ValueError(str(problem)) from None
        rows.append(_compare(name, mine, theirs, k))
    n = len(rows)
    top1, sets = sum(row[0] for row in rows), sum(row[1] for row in rows)
    gaps = [row[2] for row in rows if row[2] is not None]
    passed = top1 == n and sets == n
    if passed:
        message = f"{RIGHT_MARK} Your top-{k} matches the reference on all {n} image{'s' if n != 1 else ''}."
        if gaps and max(gaps) > 0.02:
            message += (f" The probabilities differ by up to {max(gaps) * 100:.1f} points: a small difference in "
                        "preprocessing (resizing, scaling) would explain it.")
    else:
        message = (f"Your top-1 class agrees with the reference on {top1} of {n} images, your top-{k} set on "
                   f"{sets} of {n}.\nCheck the preprocessing (centre crop, input size, pixel scaling) and that you "
                   "read the right class names.")
    return CheckResult(top1 / n, 1.0, message, passed, tuple(row[3] for row in rows))


#: The reference solutions' test accuracies that the "your turn" checks compare with, as measured
#: on a 2-core CPU in normal mode: exercise 7, ``training.train_reference`` for 12 epochs
#: (``benchmarks/mnist.py``, and notebook 07's own run); exercise 9, notebook 09's reference run
#: (the offline MobileNet 0.25 base at 128 px, 2 + 16 epochs: 409 of the 521 test photos).
REFERENCE_ACCURACY = {7: 0.9959, 9: 0.7850}


#: What a dream is told when it falls short of the reference's gain, holds NaN, or leaves [0, 1] (the reference's
#: steps are those of deepdream.deepdream: tests/prose_claims/exercises.py checks the numbers against its source).
_DREAM_ADVICE = ("Check that you step *up* the gradient, normalise it (divide by its standard deviation) and clip "
                 "the pixels to [-1, 1] after each step.")
_DREAM_NAN_ADVICE = ("the gradient step probably divided by a standard deviation of 0: add a small epsilon to it "
                     "(deepdream adds 1e-8). Clipping does not remove NaN.")
_DREAM_RANGE_ADVICE = "return pixels in [0, 1] (the network's values x, in [-1, 1], become (x + 1) / 2)."


def _dream_score(base, layers, image) -> float:
    """The mean activation of ``layers`` for ``image`` in ``[0, 1]`` (DeepDream's loss)."""
    from .deepdream import dream_loss, dream_model

    features, weights = dream_model(base, layers)
    return float(dream_loss(features((np.asarray(image, np.float32) * 2 - 1)[None]), list(weights.values())))


def check_dream(fn, base, image, layers, *, steps: int = 20, step_size: float = 0.01) -> CheckResult:
    """Compare a learner's DeepDream with the reference :func:`cnnlab.deepdream.deepdream` (exercise 10).

    Both start from ``image`` and take ``steps`` gradient steps of ``step_size``
    on one octave; the check compares how much each raised the mean activation of
    ``layers``. Reaching 80 % of the reference's gain passes.

    Parameters
    ----------
    fn : callable or None
        ``fn(image)`` returns the dreamed image: same shape, values in ``[0, 1]``.
        None (not written yet) gives a result that says so, not an error.
    base : keras.Model
        The network dreamed with (e.g. ``deepdream.dream_base("auto")``).
    image : array of shape (H, W, 3)
        Pixels in ``[0, 1]``.
    layers : str, sequence of str, or mapping of str to float
        As for :func:`cnnlab.deepdream.deepdream`.
    steps : int
    step_size : float

    Returns
    -------
    CheckResult
        ``accuracy`` holds the learner's gain in mean activation, ``reference``
        the reference's gain.
    """
    steps = check_positive_int("steps", steps)
    step_size = check_finite_number("step_size", step_size)
    if fn is None:
        return CheckResult(None, 0.0, "No dream function yet: write it in the cell above, then run this cell "
                                      "again.", False)
    if not callable(fn):
        raise ValueError(f"fn must be a function image -> dreamed image, or None, received fn={_describe(fn)}.")
    start = np.asarray(image, np.float32)
    if _non_finite(start.reshape(1, -1))[0]:
        raise ValueError(f"image must hold pixel values in [0, 1], received an image of shape {start.shape} with "
                         f"{int(np.count_nonzero(~np.isfinite(start))):,} NaN or infinite values; load it again "
                         "(datasets.load_image gives values in [0, 1]).")
    mine = np.asarray(fn(start.copy()), dtype=np.float32)
    if mine.shape != start.shape:
        return CheckResult(None, 0.0, f"Your function returned an image of shape {mine.shape}; it must keep the "
                                      f"photo's shape {start.shape}.", False)
    if _non_finite(mine.reshape(1, -1))[0]:
        bad = int(np.count_nonzero(~np.isfinite(mine)))
        return CheckResult(None, 0.0, f"Your function returned an image with {bad:,} NaN (not a number) or infinite "
                                      f"values: {_DREAM_NAN_ADVICE}", False)
    if mine.min() < -1e-6 or mine.max() > 1 + 1e-6:
        return CheckResult(None, 0.0, f"Your function returned values from {mine.min():.2f} to {mine.max():.2f}; "
                                      f"{_DREAM_RANGE_ADVICE}", False)
    from .deepdream import deepdream

    reference, _ = deepdream(base, start, layers, steps=steps, step_size=step_size, octaves=1)
    before = _dream_score(base, layers, start)
    gain, reference_gain = _dream_score(base, layers, mine) - before, _dream_score(base, layers, reference) - before
    share = gain / reference_gain if reference_gain > 0 else 0.0
    passed = share >= 0.8
    message = (f"Your dream raised the layers' mean activation from {before:.3f} by {gain:+.3f}; the reference "
               f"(deepdream, {steps} steps of {step_size:g}, one octave) by {reference_gain:+.3f}: "
               f"{share:.0%} of its gain.")
    message += f" {RIGHT_MARK} Well done!" if passed else f" {_DREAM_ADVICE}"
    return CheckResult(gain, reference_gain, message, passed)
