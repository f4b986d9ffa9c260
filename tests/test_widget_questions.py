"""cnnlab.widgets.questions and .free_text (their engine, cnnlab/widgets/_question.py):
the self-check questions driven as a learner would (type, tick, click).

The chapter's exercises built from them are tested in tests/test_exercises.py; hostile answers (huge, binary,
catastrophic patterns) in tests/reliability/test_text_inputs.py; the widgets in the browser in tests/browser.
"""

import html
import os
import re
import subprocess
import sys

import pytest

from cnnlab.widgets.free_text import FreeText, KeyIdea
from cnnlab.widgets.questions import MultipleChoice, NumericAnswer, Option, parse_number




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
    code = ("from cnnlab.widgets.questions import MultipleChoice, Option\n"
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
    assert pets.check() == "unanswered" and "Type your answer in the box first" in text(pets)
    assert pets.attempts == 0


def test_both_kinds_of_answer_box_share_one_guard_and_its_words():
    """Empty (or blank) and too-long answers: the same words from the number box and the essay box, no attempt."""
    from cnnlab.widgets import free_text, questions

    number, essay = NumericAnswer("6 x 7?", 42), FreeText("Why?", "Because.", key_ideas=[KeyIdea("b", r"b")])
    for question in (number, essay):
        assert answer(question, " \n\t ") == "unanswered" and question.attempts == 0
    assert text(number) == text(essay) == "Type your answer in the box first, then click Check."
    # Measured without the spaces around it: just under the limit plus spaces is read, one more character is not.
    for question, limit in ((number, questions.MAX_NUMBER_LENGTH), (essay, free_text.MAX_ANSWER_LENGTH)):
        answer(question, "  " + "4" * limit + "  ")
        assert "characters long" not in text(question), type(question).__name__
        assert answer(question, "4" * (limit + 1)) == "unanswered"
        assert text(question).startswith(f"Your answer is {limit + 1:,} characters long;")
        assert "Shorten it, then check again." in text(question)


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
