"""Free-text self-check questions: a short essay, checked for the key ideas it mentions.

* :class:`FreeText` - the question, a text box, **Check** and **Hint**, and a
  model answer on request;
* :class:`KeyIdea` - one idea the answer should mention: a name, regular
  expressions and a hint.

The learner's text is only ever matched against regular expressions, each in
time linear in its length: a long answer is searched in overlapping windows of
:data:`KEY_IDEA_WINDOW` characters, and an answer longer than
:data:`MAX_ANSWER_LENGTH` characters gets a message instead of a grade.

>>> q = FreeText("Why pool?", "It keeps fewer values.",
...              key_ideas=[KeyIdea("fewer values", [r"fewer|smaller|reduc"], "What happens to the size?")])
>>> q.text.value = "It reduces the size of the maps."
>>> q.check()
'right'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import ipywidgets as w

from .._validation import check_positive_int, describe
from ._base import css
from ._question import Question, answer_problem, check_text, check_texts, paragraphs

__all__ = ["FreeText", "KeyIdea", "KEY_IDEA_WINDOW", "MAX_ANSWER_LENGTH"]


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
                         f"received key_ideas={describe(key_ideas)}.")
    checked = []
    for i, idea in enumerate(key_ideas):
        if not isinstance(idea, KeyIdea):
            raise ValueError(f"key_ideas[{i}] must be a KeyIdea(name, patterns, hint), "
                             f"received key_ideas[{i}]={describe(idea)}.")
        check_text(f"key_ideas[{i}].name", idea.name)
        check_text(f"key_ideas[{i}].hint", idea.hint, allow_empty=True)
        patterns = check_texts(f"key_ideas[{i}].patterns", idea.patterns)
        if not patterns:
            raise ValueError(f"key_ideas[{i}].patterns must hold at least one regular expression, "
                             f"received key_ideas[{i}].patterns={describe(idea.patterns)}.")
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
_SHORTER = "A few sentences are enough."  # after the message for an answer past MAX_ANSWER_LENGTH
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


class FreeText(Question):
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
        self.model_answer = check_text("model_answer", model_answer)
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
                                    f"<b>Model answer</b>{paragraphs(self.model_answer)}</div>")
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
        text = self._read_answer(self.text.value, MAX_ANSWER_LENGTH, "an answer", _SHORTER)
        if text is None:
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
        text = self.text.value.strip()
        problem = answer_problem(text, MAX_ANSWER_LENGTH, "an answer", _SHORTER) if text else ""
        if problem:  # too long to point at a missing idea (no text: the hints' end is said below)
            self._note = problem
            return
        missing = [idea for idea in self.key_ideas if idea not in self.mentions(text)]
        nudge = self._missing_hint(missing) if text else ""
        if nudge:
            self._note = f"Think about this: {nudge}"
        else:
            self._reveal_hint()
