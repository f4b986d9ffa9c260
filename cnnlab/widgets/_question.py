"""The engine of the self-check questions: what every question shares (private; see questions and free_text).

:class:`Question` is the base of :class:`~cnnlab.widgets.questions.NumericAnswer`,
:class:`~cnnlab.widgets.questions.MultipleChoice` and :class:`~cnnlab.widgets.free_text.FreeText`:
the question text, the **Check** and **Hint** buttons, the feedback line, hints revealed one at a
time, and the listeners an :class:`~cnnlab.widgets.questions.Exercise` uses to count what is right.
Everything is checked in the kernel: nothing is sent anywhere.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import ipywidgets as w

from .._validation import describe
from ._base import WidgetBase, css

# Nothing here is for learners: questions.py and free_text.py are the faces. The names they share are public
# within the package (no underscore) but not in __all__, so they need no bad-input rows (as in _drawing.py).
__all__: list[str] = []

RIGHT_MARK = "✓"
WRONG_MARK = "✗"
_SOLUTION = "expand the solution below this exercise in the notebook (click the ▸ beside “Solution”)"
_NO_MORE_HINTS = f"That was the last hint: {_SOLUTION} and compare."
_BOX = dict(border=f"1px solid {css('border')}", padding="6px 10px", margin="6px 0")
# Text colours come from JupyterLab's theme (light-theme fallbacks), so that they read in the dark theme too.
_RIGHT_COLOUR = css("success")
_MUTED, _WRONG_COLOUR, _HINT_COLOUR = css("muted"), css("error"), css("warn")


# --------------------------------------------------------------------------- small helpers


def check_text(name: str, value, *, allow_empty: bool = False) -> str:
    """``value`` if it is a string (not blank unless ``allow_empty``); else a ValueError naming ``name``.

    >>> check_text("question", "Why?")
    'Why?'
    >>> check_text("question", "  ")
    Traceback (most recent call last):
    ...
    ValueError: question must be a non-empty string, received question='  '.
    """
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        kind = "a string" if allow_empty else "a non-empty string"
        raise ValueError(f"{name} must be {kind}, received {name}={describe(value)}.")
    return value


def check_texts(name: str, value) -> tuple[str, ...]:
    """A sequence of non-empty strings; a single string counts as one.

    >>> check_texts("hints", "Count them.")
    ('Count them.',)
    """
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Sequence):
        raise ValueError(f"{name} must be a sequence of strings, received {name}={describe(value)}.")
    return tuple(check_text(f"{name}[{i}]", text) for i, text in enumerate(value))


def escape(text: str) -> str:
    """Escape text for an HTML text node (quotes stay as they are: they are safe there).

    >>> escape("<b>'x' & y</b>")
    "&lt;b&gt;'x' &amp; y&lt;/b&gt;"
    """
    return html.escape(text, quote=False)


def paragraphs(text: str) -> str:
    """Plain text as escaped HTML: blank lines separate paragraphs, single newlines break lines.

    >>> paragraphs("One\\ntwo.\\n\\n<Three>")
    "<p style='margin:4px 0'>One<br>two.</p><p style='margin:4px 0'>&lt;Three&gt;</p>"
    """
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]
    return "".join(f"<p style='margin:4px 0'>{escape(block).replace(chr(10), '<br>')}</p>" for block in blocks)


def is_close(value: float, target: float, tolerance: float) -> bool:
    """Whether ``value`` is within ``tolerance`` (relative) of ``target``, with room for float rounding.

    >>> is_close(101, 100, 0.02), is_close(0.1 + 0.2, 0.3, 0), is_close(103, 100, 0.02)
    (True, True, False)
    """
    return abs(value - target) <= max(tolerance * abs(target), 1e-9 * max(1.0, abs(target)))


def relative_distance(value: float, target: float) -> float:
    """How far ``value`` is from ``target``, relative to it (an absolute distance when ``target`` is 0).

    >>> relative_distance(110, 100), relative_distance(0.5, 0)
    (0.1, 0.5)
    """
    return abs(value - target) / abs(target) if target else abs(value)


def format_number(value: float) -> str:
    """A number as a learner would write it: thousands separators, no useless decimals.

    >>> format_number(1234567.0), format_number(0.25)
    ('1,234,567', '0.25')
    """
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.6g}"


# --------------------------------------------------------------------------- questions

#: What an empty answer gets, whatever the question: it is not an attempt.
EMPTY_ANSWER = "Type your answer in the box first, then click Check."


def answer_problem(text: str, limit: int, what: str, advice: str = "") -> str:
    """Why an answer cannot be graded: empty, or longer than ``limit``; "" when it can be.

    Every question's guard: ``text`` is measured as it is (strip it first), ``what`` names
    what is read ("a number", "an answer") and ``advice`` follows a too-long message.

    Examples
    --------
    >>> answer_problem("", 10, "a number") == EMPTY_ANSWER
    True
    >>> answer_problem("12", 10, "a number")
    ''
    >>> print(answer_problem("1" * 12, 10, "a number", "Digits only."))  # doctest: +NORMALIZE_WHITESPACE
    Your answer is 12 characters long; a number is read up to 10 characters. Shorten it, then check again.
    Digits only.
    """
    if not text.strip():
        return EMPTY_ANSWER
    if len(text) <= limit:
        return ""
    return " ".join(filter(None, [f"Your answer is {len(text):,} characters long; {what} is read up to {limit:,} "
                                  "characters. Shorten it, then check again.", advice]))


class Question(WidgetBase):
    """What every question shares: the question, the Check and Hint buttons, hints, state and feedback.

    Subclasses build their input control, call :meth:`_build`, and implement
    ``_check()`` (grade the current input; :meth:`_read_answer` first turns
    away an empty or too-long answer, the same words for every question) and
    optionally ``_hint()``.
    Both run through :meth:`WidgetBase.refresh`, so an error in them shows in
    the widget's error box instead of vanishing into the kernel log.
    """

    def __init__(self, question: str, *, hints=()) -> None:
        super().__init__()
        self.question = check_text("question", question)
        self.hints = check_texts("hints", hints)
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
            [w.HTML(paragraphs(self.question)), control,
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
    def _read_answer(self, text: str, limit: int, what: str, advice: str = "") -> str | None:
        """``text`` stripped, or None after asking again when it is empty or too long (:func:`answer_problem`)."""
        text = text.strip()
        problem = answer_problem(text, limit, what, advice)
        if problem:
            self._ask(problem)
            return None
        return text

    def _ask(self, message: str) -> None:
        """Empty or unreadable input: say what is expected; this is not an answer."""
        self.state = "unanswered"
        self._message = f"<div style='color:{_MUTED}'>{escape(message)}</div>"

    def _grade(self, right: bool, lines) -> None:
        self.state = "right" if right else "wrong"
        self.attempts += 1
        mark = (f"<b style='color:{_RIGHT_COLOUR}'>{RIGHT_MARK} Right!</b>" if right
                else f"<b style='color:{_WRONG_COLOUR}'>{WRONG_MARK} Not yet.</b>")
        body = "".join(f"<div>{escape(line)}</div>" for line in lines if line)
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
            parts += [f"<div style='color:{_HINT_COLOUR}'><b>Hint {i + 1} of {n}:</b> {escape(self.hints[i])}</div>"
                      for i in range(self.hints_shown)]
        if self._note:
            parts.append(f"<div style='color:{_MUTED}'><i>{escape(self._note)}</i></div>")
        self.feedback.value = "".join(parts)
