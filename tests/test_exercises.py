"""cnnlab.exercises: the chapter's exercises 1 to 6 as a learner meets them (type, tick, click).

The question widgets they are made of are tested in tests/test_widget_questions.py, the checks of the
coding exercises 7 to 10 in tests/test_checks.py; the exercise texts' numbers in tests/prose_claims/exercises.py;
hostile answers in tests/reliability/test_text_inputs.py; the widgets in the browser in tests/browser.
"""

import html
import json
import math
import re
import subprocess
import sys

import numpy as np
import pytest

from cnnlab import checks, exercises
from cnnlab.checks import CheckResult, check_accuracy
from cnnlab.exercises import exercise, exercise2_answers
from cnnlab.widgets.free_text import FreeText
from cnnlab.widgets.questions import Exercise, MultipleChoice, NumericAnswer, Option, parse_number
from tests.test_widget_questions import OPTIONS, answer, text

# Exercise 2 by hand: 3×3 kernels, stride 2, SAME padding, 100, 200, 400 maps on a 200×300×3 input.
PARAMS = (3 * 3 * 3 + 1) * 100 + (3 * 3 * 100 + 1) * 200 + (3 * 3 * 200 + 1) * 400
INPUT, L1, L2, L3 = 200 * 300 * 3, 100 * 150 * 100, 50 * 75 * 200, 25 * 38 * 400
INFERENCE = 4 * (L1 + L2) + 4 * PARAMS
TRAINING = 50 * 4 * (INPUT + L1 + L2 + L3) + 4 * PARAMS


# --------------------------------------------------------------------------- the chapter's exercises


def test_exercise2_answers_are_memorys_and_the_books():
    answers = exercise2_answers()
    assert (answers["parameters"], answers["ram_inference"], answers["ram_training"]) == (
        PARAMS, INFERENCE, TRAINING)
    assert PARAMS == 903_400                                             # the book's 903,400, in every edition
    # The 1st edition's Appendix A counts in binary megabytes. Early printings add 6 + 9 million bytes of feature
    # maps for a prediction instead of 6 + 3: 17.8 MB. For training it rounds each layer's maps per image to
    # 5.7, 2.9 and 1.4 MB before multiplying by 50, then adds the images (34.3 MB) and the parameters (3.4 MB).
    assert (4 * (2 * L1 + L2) + 4 * PARAMS) / 2**20 == pytest.approx(17.8, abs=0.05)
    first_edition = (50 * sum(round(4 * values / 2**20, 1) for values in (L1, L2, L3))
                     + round(50 * 4 * INPUT / 2**20, 1) + round(4 * PARAMS / 2**20, 1))
    assert first_edition == pytest.approx(537.7) and TRAINING / 2**20 == pytest.approx(537.7, rel=0.005)
    assert TRAINING / 1e6 == pytest.approx(564.6, rel=0.01)          # later editions' 564.6 MB (decimal)
    assert "float32" in answers["assumptions"].lower() or "32-bit" in answers["assumptions"]
    assert "gradients" in answers["assumptions"]
    ex2 = exercise(2)
    assert [q.answer for q in ex2.questions] == [PARAMS, INFERENCE, TRAINING]
    assert [q.units for q in ex2.questions] == [None, "bytes", "bytes"]


@pytest.mark.parametrize("index, typed", [(0, "903,400"), (0, "903400"), (1, "12.6 MB"), (1, "12 MiB"), (1, "12 MB"),
                                          (2, "564.6 MB"), (2, "0.56 GB"), (2, "539.4 MiB"),
                                          (2, "537.7 MB")])   # the 1st edition's answer, in MiB
def test_exercise2_accepts_the_books_answers(index, typed):
    assert answer(exercise(2)[index], typed) == "right"


@pytest.mark.parametrize("index, typed, phrase", [
    (0, "902,700", "you left out the biases"),
    (0, "901,600", "3 colour channels"),
    (1, "9 MB", "the parameters must be in RAM too"),
    (1, f"{4 * (INPUT + L1 + L2 + L3) + 4 * PARAMS}", "You added up every tensor"),
    (1, "9.6 MB", "two consecutive tensors are in RAM together"),
    (1, "17.8 MB", "early printings of the book's 1st edition"),        # its MB are MiB: 18,664,652 bytes
    (1, "18,613,600", "adds 6 + 9 million bytes"),
    (2, f"{(TRAINING - 50 * 4 * INPUT) / 1e6:.1f} MB", "You forgot the input images"),
    (2, "14.85 MB", "That is for one image"),
    (2, f"{50 * 4 * (L1 + L2) + 4 * PARAMS}", "backpropagation needs all of them"),
    (2, f"{50 * (4 * (INPUT + L1 + L2 + L3) + 4 * PARAMS)}", "count them once, not 50 times"),
])
def test_exercise2_typical_mistakes_get_targeted_messages(index, typed, phrase):
    q = exercise(2)[index]
    assert answer(q, typed) == "wrong"
    assert phrase in text(q) and q.hints_shown == 0


def test_exercise2_wrong_answers_get_the_hints():
    q = exercise(2)[1]
    answer(q, "100 MB")
    assert "too high" in text(q) and "Hint 1 of 2" in text(q) and "Each value takes 4 bytes" in text(q)
    answer(q, "50 MB")
    assert "largest pair of consecutive tensors" in text(q)


EX1_ANSWER = ("CNNs have far fewer parameters, thanks to partial connections and weight sharing, so they train "
              "faster and overfit less. A feature learned in one place is detected anywhere in the image. And the "
              "architecture knows that nearby pixels belong together: small local patterns are combined into "
              "larger ones.")
EX3_ANSWER = ("Reduce the mini-batch size; use a larger stride in the lower layers; remove one or more layers; "
              "use 16-bit floats instead of 32-bit; distribute the CNN across multiple GPUs.")


def test_exercise1_right_and_partial_answers():
    q = exercise(1)[0]
    assert len(q.key_ideas) == 3 and q.need == 3
    q.text.value = EX1_ANSWER
    assert q.check() == "right" and "You named 3 of 3 key ideas" in text(q)
    q.text.value = "Far fewer weights, because the kernels are shared."
    assert q.check() == "wrong" and "You named 1 of 3 key ideas" in text(q)
    q.text.value = "It is translation invariant."
    assert q.mentions(q.text.value) == (q.key_ideas[1],)


def test_exercise3_needs_all_five_remedies():
    q = exercise(3)[0]
    assert len(q.key_ideas) == 5 and q.need == 5
    q.text.value = EX3_ANSWER
    assert q.check() == "right"
    q.text.value = "Use mixed precision, a smaller batch, data parallelism over several devices, and a bigger stride."
    assert q.check() == "wrong" and "You named 4 of 5 key ideas" in text(q)
    assert "What could you change in the network itself?" in text(q)
    q.text.value = "Buy a bigger GPU."
    assert q.check() == "wrong" and "You named 0 of 5 key ideas." in text(q)


def right_options(question) -> tuple[int, ...]:
    return tuple(i for i, option in enumerate(question.options) if option.correct)


@pytest.mark.parametrize("n, phrase", [(4, "no parameters"), (5, "lower layers")])
def test_exercises_4_and_5_are_single_choices(n, phrase):
    ex = exercise(n)
    q = ex[0]
    assert isinstance(q, MultipleChoice) and not q.multiple and q.radio.value is None
    (right,) = right_options(q)
    assert phrase in q.options[right].text
    wrong = next(i for i in range(len(q.options)) if i != right)
    q.select(wrong)
    assert q.check() == "wrong" and q.options[wrong].explanation in text(q)
    q.select(right)
    assert q.check() == "right" and ex.state == "right"


def test_exercise6_has_three_multiple_choices_with_distractors_from_other_architectures():
    ex = exercise(6)
    assert len(ex) == 3 and all(q.multiple for q in ex.questions)
    names = ("AlexNet", "GoogLeNet", "ResNet", "LeNet-5")
    for q, own in zip(ex.questions, names):
        wrong = [option for option in q.options if not option.correct]
        assert len(wrong) >= 3 and len(right_options(q)) >= 2
        assert all(any(name in option.explanation for name in names if name != own) for option in wrong)
        q.select(*right_options(q), q.options.index(wrong[0]))
        assert q.check() == "wrong" and wrong[0].explanation in text(q)
        q.select(*right_options(q))
        assert q.check() == "right"
    assert ex.state == "right" and ex.progress.value == "✓ 3 of 3 questions right"


# --------------------------------------------------------------------------- the course's quizzes


def course_choices() -> list[tuple[str, MultipleChoice]]:
    """Every multiple-choice question of the course's exercises, found through the exercise registry."""
    found = []
    for n in sorted(exercises._EXERCISES):
        questions = exercise(n).questions
        for i, question in enumerate(questions):
            if isinstance(question, MultipleChoice):
                found.append((f"exercise {n}" + (f"({'abcdefgh'[i]})" if len(questions) > 1 else ""), question))
    return found


COURSE_CHOICES = course_choices()


def test_the_course_has_multiple_choice_questions_to_check():
    assert [label for label, _ in COURSE_CHOICES] == ["exercise 4", "exercise 5", "exercise 6(a)", "exercise 6(b)",
                                                      "exercise 6(c)"]


def test_the_right_options_are_not_given_away_by_their_place():
    """Issue 18: the correct option came first in every question."""
    assert not all(0 in q.correct for _, q in COURSE_CHOICES), "the first option is right in every question"
    n = {label: len(q.options) for label, q in COURSE_CHOICES}
    ends = [label for label, q in COURSE_CHOICES
            if q.correct in (frozenset(range(len(q.correct))), frozenset(range(n[label] - len(q.correct), n[label])))]
    assert len(ends) <= 1, f"the right options fill the first or the last places in {ends}"


def _lengths(question) -> tuple[list[int], list[int]]:
    right = [len(option.text) for option in question.options if option.correct]
    wrong = [len(option.text) for option in question.options if not option.correct]
    return right, wrong


@pytest.mark.parametrize("label, question", COURSE_CHOICES, ids=[label for label, _ in COURSE_CHOICES])
def test_the_right_options_are_not_given_away_by_their_length(label, question):
    """Issue 18: the correct option was the longest, by far (232 characters against at most 79 in exercise 5).

    A right option may be at most 20 % longer than the longest wrong one, and the right options may be on
    average at most 30 % longer than the wrong ones.
    """
    right, wrong = _lengths(question)
    assert max(right) <= 1.2 * max(wrong), f"{label}: a right option of {max(right)} characters, wrong ones {wrong}"
    assert np.mean(right) <= 1.3 * np.mean(wrong), f"{label}: right options {right}, wrong ones {wrong}"


def test_the_longest_option_is_right_in_at_most_half_of_the_questions():
    longest_right = [label for label, q in COURSE_CHOICES
                     if max(_lengths(q)[0]) > max(_lengths(q)[1])]
    assert len(longest_right) <= len(COURSE_CHOICES) // 2, f"the longest option is a right one in {longest_right}"


def test_every_course_option_shows_its_own_explanation():
    """After shuffling, each option still carries its explanation: choosing it alone shows that explanation."""
    for label, question in COURSE_CHOICES:
        for i, option in enumerate(question.options):
            if question.multiple and option.correct:
                continue                              # a right subset is graded without explanations
            question.select(i)
            question.check()
            assert f"“{option.text}”: {option.explanation}" in text(question), (label, option.text)
        question.select(*sorted(question.correct))
        assert question.check() == "right", label
        assert all(question.options[i].explanation in text(question) for i in question.correct), label


def test_exercise_numbers_outside_1_to_6_are_refused():
    with pytest.raises(ValueError, match=r"n must be an exercise number from 1 to 6, received n=7: exercises 7 to "
                                         r"10 are coding exercises, done in notebooks 07 to 10"):
        exercise(7)
    for bad in (0, 11, "1", True, 2.0):
        with pytest.raises(ValueError, match=r"n must be an exercise number from 1 to 6"):
            exercise(bad)


def test_exercise_groups_questions_and_tracks_progress():
    a, b = NumericAnswer("one?", 1), NumericAnswer("two?", 2)
    ex = Exercise(9, "Counting", a, b, intro="Count <carefully>.")
    assert ex.state == "unanswered" and ex.progress.value == "0 of 2 questions right"
    assert "Exercise 9 · Counting" in ex.root.children[0].value and "&lt;carefully&gt;" in ex.root.children[0].value
    answer(a, "1")
    assert ex.state == "wrong" and ex.progress.value == "1 of 2 questions right"
    answer(b, "2")
    assert ex.state == "right" and ex.progress.value.startswith("✓")
    with pytest.raises(ValueError, match=r"questions\[0\] must be a NumericAnswer, MultipleChoice or FreeText, "
                                         r"received questions\[0\]='a'"):
        Exercise(1, "t", "a")
    with pytest.raises(ValueError, match=r"questions: give at least one question"):
        Exercise(1, "t")
    with pytest.raises(ValueError, match=r"number must be a positive integer, received number=0"):
        Exercise(0, "t", a)


def test_widgets_display_with_their_css_classes_and_button_labels():
    ex = exercise(3)
    q = ex[0]
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and bundle["text/plain"] == "<Exercise widget>"
    assert "cnnlab-exercise" in ex.root._dom_classes
    assert {"cnnlab-free-text", "cnnlab-question", "cnnlab-widget"} <= set(q.root._dom_classes)
    assert (q.check_button.description, q.hint_button.description) == ("Check", "Hint")
    assert q.show_button.description == "Show model answer"
    assert NumericAnswer("?", 1).css_class == "cnnlab-numeric-answer"
    assert MultipleChoice("?", OPTIONS, multiple=True).css_class == "cnnlab-multiple-choice"
    assert q.root.layout.border                           # a bordered box


def _html_values(widget) -> list[str]:
    """Every HTML text inside a widget's box, and the border of each box."""
    found, stack = [], [widget.root]
    while stack:
        node = stack.pop()
        stack.extend(getattr(node, "children", ()))
        if isinstance(getattr(node, "value", None), str) and type(node).__name__ == "HTML":
            found.append(node.value)
        found.append(getattr(node.layout, "border", None) or "")
    return found


def test_exercise_colours_come_from_the_theme():
    """Widget text reads in JupyterLab's dark theme too: colours are its variables, with light-theme fallbacks."""
    shown = []
    for n in sorted(exercises._EXERCISES):
        ex = exercise(n)
        for q in ex.questions:
            q.hint()
            if isinstance(q, MultipleChoice):
                q.select(next(i for i in range(len(q.options)) if i not in q.correct))
            else:
                q.text.value = "1"
            q.check()
            q.hint()
            if isinstance(q, FreeText):
                q.toggle_model_answer()
        shown += _html_values(ex)
    shown += [check_accuracy(None, None, reference=0.99, exercise=7)._repr_html_(),
              CheckResult(0.5, 0.9, "Short.", False)._repr_html_(), CheckResult(0.95, 0.9, "Well done.", True)._repr_html_()]
    assert any("Hint 1 of" in value for value in shown) and any("Model answer" in value for value in shown)
    for value in shown:
        assert not re.search(r"(?<![-\w])(?:color|background|border)\s*:\s*(?:1px solid\s*)?#", value), value[:200]
        assert not re.search(r"\b1px solid #", value), value[:200]


def test_a_chosen_option_is_shaded_and_its_button_comes_first():
    """ipywidgets writes a radio button after its text, and a chosen one differs from the others by a dot only."""
    style = "".join(_html_values(exercise(5)))
    assert re.search(r"label:has\(input:checked\)[^{]*\{[^}]*background: var\(--jp-layout-color2", style)
    assert re.search(r"input \{[^}]*order: -1", style)


def test_questions_escape_their_text():
    q = MultipleChoice("Is 1 < 2?", [Option("<script>", True, "a & b"), Option("no")])
    assert "1 &lt; 2" in q.root.children[0].value and "<script>" not in q.root.children[0].value
    q.select("<script>")
    q.check()
    assert "&lt;script&gt;" in q.feedback.value and "a &amp; b" in q.feedback.value


def test_importing_exercises_loads_no_tensorflow():
    code = ("import sys, json, cnnlab\nassert 'ipywidgets' not in sys.modules\ncnnlab.exercises.exercise(2)\n"
            "import cnnlab.checks\nprint(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(json.loads(out.splitlines()[-1]))
    assert {"cnnlab.exercises", "cnnlab.checks", "cnnlab.widgets.questions"} <= loaded
    assert "tensorflow" not in loaded and "keras" not in loaded


def test_no_eval_or_exec_of_learner_text():
    from cnnlab.widgets import _question, free_text, questions

    for module in (exercises, checks, questions, free_text, _question):
        source = open(module.__file__, encoding="utf-8").read()
        assert not re.search(r"\b(eval|exec)\(", source), module.__name__


#: Anything a learner could read as a number in a text: digits with separators, a decimal part, an exponent, a unit.
_NUMBER_IN_TEXT = re.compile(r"\d[\d,]*(?:\.\d+)?(?:e\d+)?(?:\s?(?:[kKMG]i?B|bytes|k))?")


def _shown_before_the_answer(question) -> list[str]:
    """What a learner can read before getting a numeric question right: the texts, and a parse error's message."""
    question.text.value = "twelve"
    question.check()
    return [question.question, question.text.placeholder, question.feedback.value, *question.hints,
            *(message for _, message in question.mistakes)]


@pytest.mark.parametrize("number", range(1, 7))
def test_no_hint_example_or_message_gives_away_an_accepted_answer(number):
    """Issue 18: exercise 2 said "Type numbers such as 903,400 or 12.6 MB", two of its own answers."""
    exercise = exercises.exercise(number)
    for question in exercise.questions:
        if not isinstance(question, NumericAnswer):
            continue
        for text in [exercise.intro, *_shown_before_the_answer(question)]:
            for token in _NUMBER_IN_TEXT.findall(html.unescape(text)):
                try:
                    value = parse_number(token, units=question.units).value
                except ValueError:
                    continue
                assert not math.isclose(value, question.answer, rel_tol=question.tolerance), (
                    f"exercise {number}: {token!r} in {text[:80]!r} is an accepted answer of {question.question!r}")
