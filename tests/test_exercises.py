"""The exercise widgets driven as a learner would (type, tick, click), and the coding-exercise checks."""

import html
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cnnlab import exercises
from cnnlab.exercises import (
    CheckResult,
    Exercise,
    FreeText,
    KeyIdea,
    MultipleChoice,
    NumericAnswer,
    Option,
    check_accuracy,
    check_top5,
    exercise,
    exercise2_answers,
    parse_number,
)

# Exercise 2 by hand: 3×3 kernels, stride 2, SAME padding, 100, 200, 400 maps on a 200×300×3 input.
PARAMS = (3 * 3 * 3 + 1) * 100 + (3 * 3 * 100 + 1) * 200 + (3 * 3 * 200 + 1) * 400
INPUT, L1, L2, L3 = 200 * 300 * 3, 100 * 150 * 100, 50 * 75 * 200, 25 * 38 * 400
INFERENCE = 4 * (L1 + L2) + 4 * PARAMS
TRAINING = 50 * 4 * (INPUT + L1 + L2 + L3) + 4 * PARAMS


def text(question) -> str:
    """The feedback as a learner reads it: tags removed, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", question.feedback.value))).strip()


def answer(question, value: str) -> str:
    question.text.value = value
    question.check_button.click()
    return question.state


def hint_lines(question) -> list[str]:
    return re.findall(r"Hint \d of \d", text(question))


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize("typed, units, value", [
    ("903,400", None, 903_400), ("903400", None, 903_400), ("903 400", None, 903_400), ("903.4k", None, 903_400),
    ("903,400 parameters", None, 903_400), ("0.9034 million", None, 903_400),
    ("12 MB", "bytes", 12_000_000), ("12.6MB", "bytes", 12_600_000), ("11.4 MiB", "bytes", 11.4 * 2**20),
    ("564.6 mb", "bytes", 564_600_000), ("0.56 GB", "bytes", 560_000_000), ("1.2e7 bytes", "bytes", 12_000_000),
    ("12613600", "bytes", 12_613_600), ("2 KiB", "bytes", 2048), ("12,6 MB", "bytes", 12_600_000),
    ("~ 12.6 megabytes", "bytes", 12_600_000), ("3 GiB", "bytes", 3 * 2**30),
])
def test_parse_number_reads_what_learners_type(typed, units, value):
    assert parse_number(typed, units).value == pytest.approx(value)


def test_parse_number_keeps_the_other_reading_of_ambiguous_units():
    assert parse_number("12 MB", "bytes").alternative == 12 * 2**20
    assert parse_number("12 MiB", "bytes").alternative == 12_000_000
    assert parse_number("12000000 bytes", "bytes").alternative is None


@pytest.mark.parametrize("typed, units", [
    ("twelve", None), ("12 MB", None), ("12 apples", "bytes"), ("", None), ("1+1", None), ("__import__('os')", None),
    ("12..5", "bytes"), ("12 M B extra", "bytes"),
])
def test_parse_number_refuses_anything_else(typed, units):
    with pytest.raises(ValueError, match=r"is not a number"):
        parse_number(typed, units)


def test_parse_number_checks_its_units():
    with pytest.raises(ValueError, match=r"units must be one of 'bytes', received units='bits'"):
        parse_number("1", "bits")


# --------------------------------------------------------------------------- NumericAnswer


@pytest.fixture
def ram():
    return NumericAnswer("RAM?", 12_613_600, units="bytes", hints=["First hint.", "Second hint."],
                         mistakes=[(9_000_000, "You forgot the parameters.")], explanation="Because.")


def test_numeric_right_answer_shows_the_mark_and_explanation(ram):
    assert ram.state == "unanswered" and ram.feedback.value == "" and ram.attempts == 0
    assert answer(ram, "12.6 MB") == "right"
    assert text(ram).startswith("✓ Right!") and "Because." in text(ram) and ram.attempts == 1
    assert ram.value == pytest.approx(12_600_000)
    assert answer(ram, "12,613,600") == "right"
    assert "Note" not in text(ram)


def test_numeric_wrong_answers_reveal_the_hints_one_at_a_time(ram):
    assert answer(ram, "20 MB") == "wrong"
    assert "✗ Not yet." in text(ram) and "too high" in text(ram)
    assert hint_lines(ram) == ["Hint 1 of 2"] and "First hint." in text(ram) and "Second hint." not in text(ram)
    assert answer(ram, "1 MB") == "wrong"
    assert "too low" in text(ram) and hint_lines(ram) == ["Hint 1 of 2", "Hint 2 of 2"]
    assert "Second hint." in text(ram) and ram.hints_shown == 2
    assert answer(ram, "2 MB") == "wrong"
    assert "That was the last hint: expand the solution below this exercise" in text(ram) and ram.hints_shown == 2
    assert ram.attempts == 3
    assert answer(ram, "12.6 MB") == "right"
    assert "Hint" not in text(ram)                       # hints are put away once the answer is right


def test_the_hint_button_reveals_the_next_hint_without_an_answer(ram):
    ram.hint_button.click()
    assert ram.hints_shown == 1 and "First hint." in text(ram) and ram.attempts == 0
    assert ram.hint() == 2
    ram.hint_button.click()
    assert ram.hints_shown == 2 and "That was the last hint" in text(ram)
    assert ram.state == "unanswered"


def test_a_typical_mistake_gets_its_message_and_no_hint(ram):
    assert answer(ram, "9 MB") == "wrong"
    assert "You forgot the parameters." in text(ram) and ram.hints_shown == 0 and "too low" not in text(ram)
    assert answer(ram, "8.6 MiB") == "wrong"               # 9,017,753 bytes: within 2% of the mistake
    assert "You forgot the parameters." in text(ram)


def test_mb_read_as_mib_is_accepted_with_a_note(ram):
    assert answer(ram, "12 MB") == "right"                 # 12 MiB = 12,582,912 bytes: right as MiB only
    note = text(ram)
    assert "Note: your number is right if your MB is read as MiB" in note
    assert "1 MB = 1,000,000 bytes and 1 MiB = 1,048,576 bytes" in note and "Because." in note
    assert answer(ram, "12.6 MiB") == "right"              # and the other way round
    assert "your MiB is read as MB" in text(ram)
    big = NumericAnswer("?", 3 * 2**30, units="bytes")
    assert answer(big, "3 GB") == "right" and "your GB is read as GiB" in text(big)


def test_a_mistake_in_the_unit_typed_beats_the_other_reading():
    q = NumericAnswer("?", 565_613_600, units="bytes", mistakes=[(529_613_600, "You forgot the input images.")])
    assert answer(q, "529.6 MB") == "wrong"                # as MiB it would be within 2% of the answer
    assert "You forgot the input images." in text(q)
    assert answer(q, "537.7 MB") == "right"                # 1.5% from the mistake, but 0.3% from the answer as MiB
    assert "your MB is read as MiB" in text(q) and "You forgot" not in text(q)


def test_unreadable_or_empty_input_asks_again_without_counting(ram):
    assert answer(ram, "about twelve megs") == "unanswered"
    assert "I could not read 'about twelve megs' as a number" in text(ram)
    assert "4.2 MB" in text(ram) and "12.6" not in text(ram) and "KiB, MiB, GiB" in text(ram)
    assert answer(ram, "   ") == "unanswered" and "Type your answer in the box first" in text(ram)
    assert ram.attempts == 0 and ram.hints_shown == 0
    plain = NumericAnswer("?", 42)
    assert answer(plain, "42 MB") == "unanswered" and "Type a number, such as 45,600" in text(plain)


def test_learner_text_is_escaped_in_the_feedback(ram):
    answer(ram, "<b>12</b>")
    assert "<b>12</b>" not in ram.feedback.value and "&lt;b&gt;12&lt;/b&gt;" in ram.feedback.value


def test_tolerance_is_relative_and_zero_means_exact():
    exact = NumericAnswer("?", 903_400, tolerance=0)
    assert answer(exact, "903,401") == "wrong" and answer(exact, "903.4k") == "right"
    loose = NumericAnswer("?", 100, tolerance=0.1)
    assert answer(loose, "109") == "right" and answer(loose, "111") == "wrong"


def test_text_box_has_a_placeholder():
    assert NumericAnswer("?", 1, units="bytes").text.placeholder == "e.g. 4.2 MB"
    assert NumericAnswer("?", 1).text.placeholder == "e.g. 123,456"


@pytest.mark.parametrize("kwargs, message", [
    (dict(tolerance=-0.1), r"tolerance must be a relative tolerance .* received tolerance=-0.1"),
    (dict(tolerance=2), r"received tolerance=2"),
    (dict(units="bits"), r"units must be one of 'bytes', received units='bits'"),
    (dict(mistakes=[(101, "close")]), r"mistakes\[0\] has value 101, within the tolerance of the answer 100"),
    (dict(mistakes=[50]), r"mistakes\[0\] must be a \(value, message\) pair, received mistakes\[0\]=50"),
    (dict(mistakes=[(50, "")]), r"mistakes\[0\]\[1\] must be a non-empty string"),
    (dict(hints=[1]), r"hints\[0\] must be a non-empty string, received hints\[0\]=1"),
])
def test_numeric_answer_argument_errors_name_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        NumericAnswer("?", 100, **kwargs)


def test_numeric_answer_refuses_a_bad_question_or_answer():
    with pytest.raises(ValueError, match=r"question must be a non-empty string, received question=''"):
        NumericAnswer("", 1)
    with pytest.raises(ValueError, match=r"answer must be a finite number, received answer='12 MB'"):
        NumericAnswer("?", "12 MB")


# --------------------------------------------------------------------------- MultipleChoice

OPTIONS = [Option("A", True, "A is right."), Option("B", False, "B belongs to ResNet."),
           Option("C", True, "C is right too."), Option("D", False, "D is GoogLeNet's.")]


def test_single_choice_starts_with_nothing_chosen_and_explains_the_choice():
    q = MultipleChoice("Pick one", [Option("yes", True, "Indeed."), Option("no", False, "No: see above.")],
                       hints=["Think."])
    assert q.radio.value is None and q.selected == () and not q.checkboxes
    q.check_button.click()
    assert q.state == "unanswered" and "Choose an answer first" in text(q) and q.attempts == 0
    q.radio.value = q.index("no")
    q.check_button.click()
    assert q.state == "wrong" and "No: see above." in text(q) and "Hint 1 of 1: Think." in text(q)
    q.radio.value = q.index("yes")
    assert q.check() == "right" and "Indeed." in text(q) and "No: see above." not in text(q)


def test_multiple_choice_is_right_only_for_exactly_the_correct_set():
    q = MultipleChoice("Tick", OPTIONS, multiple=True, hints=["First.", "Second."], shuffle=False)
    assert q.radio is None and len(q.checkboxes) == 4
    q.checkboxes[0].value = True                          # a right subset
    assert q.check() == "wrong"
    assert "1 of your ticks is right." in text(q) and "1 right option is still unticked." in text(q)
    assert "A is right." not in text(q) and "Hint 1 of 2: First." in text(q)
    q.select(0, 1, 2)                                     # a superset
    assert q.check() == "wrong"
    assert "B belongs to ResNet." in text(q) and "2 of your ticks are right, 1 is not" in text(q)
    assert "still unticked" not in text(q) and "Second." in text(q)
    q.select(1, 3)                                        # only wrong ones
    assert q.check() == "wrong" and "D is GoogLeNet's." in text(q) and "2 right options are still unticked" in text(q)
    q.select(0, 2)
    assert q.check() == "right" and "A is right." in text(q) and "C is right too." in text(q)
    assert [box.value for box in q.checkboxes] == [True, False, True, False]


@pytest.mark.parametrize("options, kwargs, message", [
    ([Option("a", True), Option("b", True)], {}, r"options must have exactly one .* received 2 correct options"),
    ([Option("a"), Option("b")], dict(multiple=True), r"options must have at least one correct option, received 0"),
    ([Option("a", True)], {}, r"options must be a sequence of at least two Option"),
    ([Option("a", True), "b"], {}, r"options\[1\] must be an Option\(text, correct, explanation\), received "
                                  r"options\[1\]='b'"),
    ([Option("a", 1), Option("b")], {}, r"options\[0\].correct must be True or False, received options\[0\]"
                                        r".correct=1"),
    ([Option("a", True), Option("a")], {}, r"options must have different texts"),
    ([Option("a", True), Option("b")], dict(multiple="yes"), r"multiple must be True or False"),
    ([Option("a", True), Option("b")], dict(shuffle=1), r"shuffle must be True or False, received shuffle=1"),
])
def test_multiple_choice_argument_errors_name_the_argument(options, kwargs, message):
    with pytest.raises(ValueError, match=message):
        MultipleChoice("?", options, **kwargs)


def test_options_may_be_plain_tuples_and_select_checks_its_choices():
    q = MultipleChoice("?", [("a", True, "yes"), ("b", False)])
    assert q.options[q.index("b")] == Option("b", False, "")
    with pytest.raises(ValueError, match=r"choices must be option texts or numbers from 0 to 1, received 2"):
        q.select(2)
    with pytest.raises(ValueError, match=r"single-choice question takes one option"):
        q.select(0, 1)
    with pytest.raises(ValueError, match=r"text='c' is neither an option nor the start of one; the options are"):
        q.select("c")


LETTERS = [Option(f"option {c}", c in "BD", f"why {c}") for c in "ABCDEF"]


def test_options_are_shuffled_reproducibly_and_keep_their_explanations():
    q = MultipleChoice("Which letters?", LETTERS, multiple=True)
    assert q.options != tuple(LETTERS) and sorted(q.options, key=lambda o: o.text) == LETTERS
    assert [box.description for box in q.checkboxes] == [option.text for option in q.options]
    assert q.correct == {q.index("option B"), q.index("option D")}
    assert q.options == MultipleChoice("Which letters?", LETTERS[::-1], multiple=True).options  # not the given order
    assert q.options != MultipleChoice("Which letters, then?", LETTERS, multiple=True).options  # the question's text
    q.select("option A", "option B")
    assert q.check() == "wrong" and "✗ “option A”: why A" in text(q) and "why B" not in text(q)
    q.select("option D", "option B")
    assert q.check() == "right" and "✓ “option B”: why B" in text(q) and "✓ “option D”: why D" in text(q)
    assert MultipleChoice("Which letters?", LETTERS, multiple=True, shuffle=False).options == tuple(LETTERS)


def test_the_shuffled_order_is_the_same_in_every_process():
    """The order comes from SHA-256, not from Python's hash(), which changes with PYTHONHASHSEED."""
    code = ("from cnnlab.exercises import MultipleChoice, Option\n"
            "print([o.text for o in MultipleChoice('Which letters?', [Option(f'option {c}', c in 'BD') "
            "for c in 'ABCDEF'], multiple=True).options])")
    here = str([option.text for option in MultipleChoice("Which letters?", LETTERS, multiple=True).options])
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
        assert out.stdout.strip() == here


def test_options_are_found_by_their_text_or_its_start():
    q = MultipleChoice("Where?", [Option("In the lower layers", True), Option("In the upper layers"),
                                  Option("In"), Option("Nowhere")])
    assert q.options[q.index("Nowhere")].text == "Nowhere" and q.options[q.index("In")].text == "In"  # exact first
    assert q.options[q.index("In the low")].correct
    with pytest.raises(ValueError, match=r"text='In the' starts 2 options \('In the "):
        q.index("In the")
    with pytest.raises(ValueError, match=r"text must be a non-empty string, received text=''"):
        q.index("")
    q.select("In the lower")
    assert q.check() == "right"


# --------------------------------------------------------------------------- FreeText

IDEAS = [KeyIdea("cats", [r"\bcats?\b", r"kitten"], "Think of a pet that purrs."),
         KeyIdea("dogs", r"\bdogs?\b", "Think of a pet that barks."),
         KeyIdea("fish", r"\bfish", "Think of a pet in a bowl.")]


@pytest.fixture
def pets():
    return FreeText("Name three pets.", "Cats, dogs and fish.", key_ideas=IDEAS, hints=["Think of a house."])


def test_free_text_counts_the_key_ideas_and_points_at_a_missing_one(pets):
    pets.text.value = "A kitten and a DOG."
    assert pets.check() == "wrong" and pets.mentioned == ("cats", "dogs")
    assert "You named 2 of 3 key ideas: cats; dogs." in text(pets)
    assert "Think of a pet in a bowl." in text(pets) and "fish" not in text(pets)   # points, does not name it
    pets.text.value = "Cats."
    pets.check_button.click()
    first = text(pets)
    pets.check_button.click()                             # missing ideas take turns
    assert "You named 1 of 3" in first and {"barks" in first, "barks" in text(pets)} == {True, False}
    pets.text.value = "Cats, dogs and a fish."
    assert pets.check() == "right" and "You named 3 of 3 key ideas" in text(pets) and pets.attempts == 4


def test_free_text_need_sets_how_many_ideas_are_enough():
    q = FreeText("?", "model", key_ideas=IDEAS, need=2)
    q.text.value = "a dog"
    assert q.check() == "wrong" and "(a complete answer names 2)" in text(q)
    q.text.value = "a dog and a cat"
    assert q.check() == "right"


def test_the_model_answer_is_shown_only_on_request(pets):
    pets.text.value = "dogs"
    pets.check()
    assert not pets.model_answer_shown and pets.model_box.layout.display == "none"
    assert "Cats, dogs and fish." not in pets.model_box.value + pets.feedback.value
    pets.show_button.click()
    assert pets.model_answer_shown and pets.model_box.layout.display is None
    assert "Cats, dogs and fish." in pets.model_box.value and pets.show_button.description == "Hide model answer"
    pets.show_button.click()
    assert not pets.model_answer_shown and pets.model_box.value == ""
    assert pets.show_button.description == "Show model answer"


def test_free_text_hint_button_gives_general_hints_then_nudges(pets):
    pets.hint_button.click()
    assert "Hint 1 of 1: Think of a house." in text(pets)
    pets.hint_button.click()                              # no text yet: nothing to point at
    assert "That was the last hint" in text(pets)
    pets.text.value = "cats and dogs"
    pets.hint_button.click()
    assert "Think of a pet in a bowl." in text(pets)


def test_free_text_empty_answer_is_not_an_attempt(pets):
    assert pets.check() == "unanswered" and "Write your answer in the box first" in text(pets)
    assert pets.attempts == 0


@pytest.mark.parametrize("kwargs, message", [
    (dict(key_ideas=[KeyIdea("a", [r"("])]), r"key_ideas\[0\].patterns\[0\] is not a valid regular expression"),
    (dict(key_ideas=[KeyIdea("a", [])]), r"key_ideas\[0\].patterns must hold at least one regular expression"),
    (dict(key_ideas=["a"]), r"key_ideas\[0\] must be a KeyIdea\(name, patterns, hint\), received key_ideas\[0\]='a'"),
    (dict(key_ideas=IDEAS, need=4), r"need must be at most the number of key ideas \(3\), received need=4"),
    (dict(key_ideas=IDEAS, need=0), r"need must be a positive integer, received need=0"),
    (dict(key_ideas=[IDEAS[0], IDEAS[0]]), r"key_ideas must have different names"),
])
def test_free_text_argument_errors_name_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FreeText("?", "model", **kwargs)


# --------------------------------------------------------------------------- errors inside callbacks


def test_an_error_in_a_callback_shows_in_the_widget_and_it_keeps_working(ram, monkeypatch):
    calls = []
    real = NumericAnswer._mistake

    def broken_once(self, value):
        if not calls:
            calls.append(value)
            raise RuntimeError("boom in the grader")
        return real(self, value)

    monkeypatch.setattr(NumericAnswer, "_mistake", broken_once)
    ram.text.value = "9 MB"
    ram.check_button.click()                              # must not raise out of the click
    assert isinstance(ram.last_error, RuntimeError)
    assert "boom in the grader" in ram.error_box.value and ram.error_box.layout.display is None
    assert ram.state == "unanswered" and ram.feedback.value == ""
    ram.check_button.click()
    assert ram.last_error is None and ram.error_box.layout.display == "none"
    assert ram.state == "wrong" and "You forgot the parameters." in text(ram)


def test_an_error_in_free_text_matching_shows_too(pets, monkeypatch):
    def broken(self, text):
        raise ValueError("bad pattern state")

    monkeypatch.setattr(FreeText, "mentions", broken)
    pets.text.value = "cats"
    pets.check()
    assert "bad pattern state" in pets.error_box.value
    monkeypatch.undo()
    assert pets.check() == "wrong" and pets.error_box.value == ""


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
            "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(json.loads(out.splitlines()[-1]))
    assert "cnnlab.exercises" in loaded and "tensorflow" not in loaded and "keras" not in loaded


def test_no_eval_or_exec_of_learner_text():
    source = open(exercises.__file__, encoding="utf-8").read()
    assert not re.search(r"\b(eval|exec)\(", source)


# --------------------------------------------------------------------------- check_accuracy


class Scores:
    """A fake model: predict returns one row of class scores per example (picks the class in x[:, 0])."""

    def __init__(self):
        self.calls = []

    def predict(self, x, batch_size=None, verbose=1):
        self.calls.append(dict(n=len(x), batch_size=batch_size, verbose=verbose))
        x = np.asarray(x)
        return np.eye(3)[x[:, 0].astype(int)] * 0.8 + 0.05


class Labels:
    """A scikit-learn-like model: predict(x) takes nothing else and returns labels."""

    def predict(self, x):
        return np.asarray(x)[:, 0].astype(int)


X = np.array([[0], [1], [2], [1], [0], [2], [2], [1]])
Y = np.array([0, 1, 2, 1, 0, 2, 2, 0])                    # the last one is predicted wrong: 7/8


def test_check_accuracy_with_scores_labels_and_onehot():
    model = Scores()
    result = check_accuracy(model, X, Y, reference=0.9, exercise=7, batch_size=4)
    assert isinstance(result, CheckResult) and result.accuracy == 0.875 and not result.passed
    assert model.calls == [dict(n=8, batch_size=4, verbose=0)]
    assert result.message.startswith("Your model: 87.50% test accuracy (8 test examples); the reference: "
                                     "90.00%: 2.50 points short; try training longer")
    assert str(result) == result.message and "87.50%" in result._repr_html_()
    assert check_accuracy(Labels(), X, Y, reference=0.875, exercise=9).passed
    onehot = check_accuracy(Labels(), X, np.eye(3)[Y], reference=0.5, exercise=10)
    assert onehot.accuracy == 0.875 and onehot.passed
    assert "37.50 points above it. Well done!" in onehot.message


def test_check_accuracy_takes_pairs_and_datasets_of_batches():
    assert check_accuracy(Labels(), (X, Y), reference=0.9, exercise=7).accuracy == 0.875
    batches = ((X[i:i + 3], Y[i:i + 3]) for i in range(0, 8, 3))          # like a tf.data.Dataset
    assert check_accuracy(Scores(), batches, reference=0.9, exercise=7).accuracy == 0.875
    with pytest.raises(ValueError, match=r"y must be None when x is a dataset"):
        check_accuracy(Labels(), iter([(X, Y)]), Y, reference=0.9, exercise=7)
    with pytest.raises(ValueError, match=r"its batch 0 is a ndarray, not a pair"):
        check_accuracy(Labels(), iter([X]), reference=0.9, exercise=7)


def test_check_accuracy_without_a_model_says_what_to_do():
    result = check_accuracy(None, X, Y, reference=0.99, exercise=7)
    assert result.accuracy is None and not result.passed
    assert "build your model in the cell above, then run this cell again" in result.message


@pytest.mark.parametrize("args, kwargs, message", [
    ((Labels(), X, Y), dict(reference=99.3, exercise=7), r"reference must be an accuracy between 0 and 1, .* "
                                                         r"received reference=99.3"),
    ((Labels(), X, Y), dict(reference=0.9, exercise=3), r"exercise must be a coding exercise number from 7 to "
                                                        r"10, received exercise=3"),
    (("model", X, Y), dict(reference=0.9, exercise=7), r"model must be a Keras model \(anything with a predict "
                                                       r"method\) or None, received model='model'"),
    ((Labels(), X), dict(reference=0.9, exercise=7), r"y is None: give the labels of x"),
    ((Labels(), X, Y[:5]), dict(reference=0.9, exercise=7), r"y must have one label per example: the model made 8 "
                                                            r"predictions for 5 labels"),
    ((Labels(), X, Y), dict(reference=0.9, exercise=7, batch_size=0), r"batch_size must be a positive integer"),
])
def test_check_accuracy_argument_errors_name_the_argument(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        check_accuracy(*args, **kwargs)


def _printed(notebook: str) -> str:
    """Everything the committed (normal-mode) outputs of a course notebook print."""
    cells = json.loads((Path(__file__).parents[1] / "notebooks" / notebook).read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(output.get("text", "")) for cell in cells for output in cell.get("outputs", ()))


def test_the_reference_accuracies_are_what_the_reference_runs_print():
    """REFERENCE_ACCURACY, which every learner's model is compared with, is the notebooks' own reference runs."""
    mistakes, total = re.search(r"reference test accuracy: [\d.]+% \((\d+) mistakes in ([\d,]+)\)",
                                _printed("07_mnist_cnn.ipynb")).groups()
    assert exercises.REFERENCE_ACCURACY[7] == pytest.approx(1 - int(mistakes) / int(total.replace(",", "")))
    tuned = re.search(r"fine-tuned: ([\d.]+)% test accuracy", _printed("09_transfer_learning_flowers.ipynb"))[1]
    assert abs(exercises.REFERENCE_ACCURACY[9] * 100 - float(tuned)) <= 0.05


def test_check_accuracy_refuses_predictions_that_are_not_labels():
    class Regressor:
        def predict(self, x):
            return np.full(len(x), 0.3)

    with pytest.raises(ValueError, match=r"the predictions must be whole class labels"):
        check_accuracy(Regressor(), X, Y, reference=0.9, exercise=7)


# --------------------------------------------------------------------------- check_top5

REF = {"parrot": [("macaw", 0.90), ("lorikeet", 0.04), ("toucan", 0.03), ("jacamar", 0.02), ("bee eater", 0.01)],
       "owl": [("great grey owl", 0.6), ("tabby", 0.2), ("marmot", 0.1), ("weasel", 0.05), ("hare", 0.05)]}
IMAGES = {name: np.full((2, 2, 3), i, np.float32) for i, name in enumerate(REF)}


def reference(image):
    return REF[list(REF)[int(image[0, 0, 0])]]


def test_check_top5_passes_when_top1_and_top5_agree():
    def mine(image):  # Keras' decode_predictions style, other spelling, other order within the top 5
        return [("n0", name.replace(" ", "_").title(), p) for name, p in reversed(reference(image))]

    result = check_top5(mine, IMAGES, reference)
    assert result.passed and result.accuracy == 1.0
    assert result.message == "✓ Your top-5 matches the reference on all 2 images."
    assert len(result.details) == 2 and result.details[0].startswith("✓ parrot: top-1 Macaw")


def test_check_top5_reports_each_disagreement():
    def mine(image):
        top = list(reference(image))
        if top[0][0] == "macaw":
            top[0], top[1] = ("lorikeet", 0.9), ("macaw", 0.04)
        else:
            top[-1] = ("tench", 0.05)
        return top

    result = check_top5(mine, IMAGES, reference)
    assert not result.passed and result.accuracy == 0.5
    assert "agrees with the reference on 1 of 2 images, your top-5 set on 1 of 2" in result.message
    assert "✗ parrot: top-1 differs: yours 'lorikeet', reference 'macaw'; same top-5 classes" in result.details
    assert "✗ owl: top-1 great grey owl (yours 60.0%, reference 60.0%); top-5 differs: missing hare; extra tench" \
        in result.details


def test_check_top5_friendly_messages_for_unfinished_functions():
    assert "write it in the cell above" in check_top5(None, IMAGES, reference).message
    assert check_top5(None, IMAGES, reference).accuracy is None
    short = check_top5(lambda image: reference(image)[:3], IMAGES, reference)
    assert not short.passed and "returned 3 classes for 'parrot'; the exercise asks for the top 5" in short.message
    raw = check_top5(lambda image: np.zeros(1000), IMAGES, reference)
    assert "list of (class name, probability) pairs" in raw.message and "(1000,)" in raw.message
    percent = check_top5(lambda image: [(n, p * 100) for n, p in reference(image)], IMAGES, reference)
    assert "between 0 and 1" in percent.message and "a percentage?" in percent.message


def test_check_top5_accepts_lists_and_single_images_and_checks_arguments():
    assert check_top5(reference, list(IMAGES.values()), reference).details[1].startswith("✓ image 2")
    assert check_top5(reference, IMAGES["owl"], reference, k=2).passed
    with pytest.raises(ValueError, match=r"k must be a positive integer, received k=0"):
        check_top5(reference, IMAGES, reference, k=0)
    with pytest.raises(ValueError, match=r"reference_fn must be a function"):
        check_top5(reference, IMAGES, None)
    with pytest.raises(ValueError, match=r"fn must be a function image -> \[\(class name, probability\), \.\.\.\] "
                                         r"or None, received fn='x'"):
        check_top5("x", IMAGES, reference)
    with pytest.raises(ValueError, match=r"images is empty"):
        check_top5(reference, {}, reference)


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
        if not isinstance(question, exercises.NumericAnswer):
            continue
        for text in [exercise.intro, *_shown_before_the_answer(question)]:
            for token in _NUMBER_IN_TEXT.findall(html.unescape(text)):
                try:
                    value = exercises.parse_number(token, units=question.units).value
                except ValueError:
                    continue
                assert not math.isclose(value, question.answer, rel_tol=question.tolerance), (
                    f"exercise {number}: {token!r} in {text[:80]!r} is an accepted answer of {question.question!r}")
