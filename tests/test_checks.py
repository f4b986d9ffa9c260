"""cnnlab.checks: the checks of the coding exercises 7 to 10 (check_accuracy, check_top5; check_dream is tested
in tests/test_deepdream.py, beside the DeepDream it checks). Hostile models and answers: tests/reliability/
test_exercise_checks.py and test_binary_outputs.py.
"""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from cnnlab import checks
from cnnlab.checks import CheckResult, check_accuracy, check_top5




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
    assert checks.REFERENCE_ACCURACY[7] == pytest.approx(1 - int(mistakes) / int(total.replace(",", "")))
    tuned = re.search(r"fine-tuned: ([\d.]+)% test accuracy", _printed("09_transfer_learning_flowers.ipynb"))[1]
    assert abs(checks.REFERENCE_ACCURACY[9] * 100 - float(tuned)) <= 0.05


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
