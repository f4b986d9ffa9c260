"""Issue #17, bad input: the exercises' code checks never pass a model whose numbers mean nothing.

``argmax`` of a row of NaN is 0, so a diverged model that predicts NaN for every image
"predicts" class 0 everywhere and, on a data set whose labels are mostly 0, would pass.
Every check that grades a learner's numbers (:func:`~cnnlab.checks.check_accuracy`,
:func:`~cnnlab.checks.check_top5`, :func:`~cnnlab.checks.check_dream`) fails such an
answer with a message that says what happened and what to do; numbers the *course* gives
it (the labels, the reference function, the starting image) that hold NaN are a
``ValueError`` naming the argument. None of these rows needs TensorFlow: the checks refuse
before they touch a network.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab import checks

pytestmark = pytest.mark.reliability("bad-input")

BAD_VALUES = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}


class _Model:
    """Anything with ``predict``: returns ``scores`` (one row per example)."""

    def __init__(self, scores):
        self.scores = np.asarray(scores)

    def predict(self, x, **kwargs):
        return self.scores[: len(x)]


def _scores(n: int, bad: float, rows: slice) -> np.ndarray:
    scores = np.tile(np.float32([0.9, 0.1]), (n, 1))
    scores[rows] = bad
    return scores


@pytest.mark.parametrize("bad", list(BAD_VALUES), ids=list(BAD_VALUES))
@pytest.mark.parametrize("rows", ["all", "one"])
def test_check_accuracy_fails_a_model_whose_scores_are_not_finite(bad, rows):
    n = 8
    labels = np.zeros(n, np.int64)      # every label is 0: argmax of NaN (0) would score 100 %
    scores = _scores(n, BAD_VALUES[bad], slice(None) if rows == "all" else slice(0, 1))
    result = checks.check_accuracy(_Model(scores), np.zeros((n, 2)), labels, reference=0.5, exercise=7)
    assert not result.passed
    assert result.accuracy is None
    expected = "NaN" if bad == "nan" else "infinite"
    assert expected in result.message
    assert f"{n if rows == 'all' else 1:,} of the {n:,} test examples" in result.message
    assert "retrain" in result.message


def test_check_accuracy_fails_a_model_that_returns_nan_labels():
    result = checks.check_accuracy(_Model(np.full(4, np.nan)), np.zeros((4, 2)), np.zeros(4, np.int64),
                                      reference=0.5, exercise=7)
    assert not result.passed and result.accuracy is None and "NaN" in result.message


def test_check_accuracy_fails_nan_scores_from_a_dataset_too():
    class Batches:  # iterable like a tf.data.Dataset of (images, labels) batches
        def __iter__(self):
            return iter([(np.zeros((3, 2)), np.zeros(3, np.int64)), (np.zeros((2, 2)), np.zeros(2, np.int64))])

    batches = Batches()
    model = _Model(np.full((3, 2), np.nan))
    result = checks.check_accuracy(model, batches, reference=0.5, exercise=9)
    assert not result.passed and result.accuracy is None and "NaN" in result.message


@pytest.mark.parametrize("bad", list(BAD_VALUES), ids=list(BAD_VALUES))
def test_check_accuracy_refuses_labels_that_are_not_finite_naming_y(bad):
    labels = np.zeros(4)
    labels[2] = BAD_VALUES[bad]
    with pytest.raises(ValueError, match=r"^y must be class labels.*1 of its 4 entries"):
        checks.check_accuracy(_Model(_scores(4, 0.5, slice(0, 0))), np.zeros((4, 2)), labels,
                                 reference=0.5, exercise=7)


def test_finite_scores_are_still_graded():
    """The guard is not a blanket refusal: the same model with finite scores is graded as before."""
    result = checks.check_accuracy(_Model(_scores(8, 0.5, slice(0, 0))), np.zeros((8, 2)), np.zeros(8, np.int64),
                                      reference=0.5, exercise=7)
    assert result.passed and result.accuracy == 1.0


def _top(bad=None):
    probabilities = [0.6, 0.2, 0.1, 0.05, 0.05]
    if bad is not None:
        probabilities[1] = bad
    return [(name, p) for name, p in zip(["macaw", "lorikeet", "toucan", "jay", "robin"], probabilities)]


@pytest.mark.parametrize("bad", list(BAD_VALUES), ids=list(BAD_VALUES))
def test_check_top5_fails_a_classifier_with_non_finite_probabilities(bad):
    result = checks.check_top5(lambda image: _top(BAD_VALUES[bad]), {"parrot": np.zeros((4, 4, 3))},
                                  lambda image: _top())
    assert not result.passed
    assert result.accuracy is None
    assert "'parrot'" in result.message and "NaN or infinite" in result.message


@pytest.mark.parametrize("bad", list(BAD_VALUES), ids=list(BAD_VALUES))
def test_check_top5_refuses_a_reference_with_non_finite_probabilities(bad):
    with pytest.raises(ValueError, match=r"^reference_fn must return probabilities"):
        checks.check_top5(lambda image: _top(), {"parrot": np.zeros((4, 4, 3))},
                             lambda image: _top(BAD_VALUES[bad]))


@pytest.mark.parametrize("bad", list(BAD_VALUES), ids=list(BAD_VALUES))
def test_check_dream_fails_a_dream_with_non_finite_pixels(bad):
    image = np.full((8, 8, 3), 0.5, np.float32)

    def dream(start):
        start[0, 0, 0] = BAD_VALUES[bad]
        return start

    # The base is never reached: the check refuses the answer before it runs the network.
    result = checks.check_dream(dream, object(), image, ["mixed3"])
    assert not result.passed and result.accuracy is None
    assert "1 NaN (not a number) or infinite values" in result.message
    assert "epsilon" in result.message


@pytest.mark.parametrize("bad", list(BAD_VALUES), ids=list(BAD_VALUES))
def test_check_dream_refuses_a_starting_image_with_non_finite_pixels_naming_image(bad):
    image = np.full((8, 8, 3), 0.5, np.float32)
    image[3, 3, 1] = BAD_VALUES[bad]
    with pytest.raises(ValueError, match=r"^image must hold pixel values in \[0, 1\].*1 NaN or infinite"):
        checks.check_dream(lambda start: start, object(), image, ["mixed3"])
