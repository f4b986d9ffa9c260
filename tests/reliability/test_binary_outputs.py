"""Issue 17: a binary classifier with one sigmoid output is read as two classes, everywhere.

``Dense(1, activation="sigmoid")`` gives one column per example, the
probability of class 1. An argmax (or a softmax) over that one column says
"class 0, certainly" for every example. The evaluation functions take the
column as ``[1 - p, p]`` (and a column outside [0, 1] as logits); a column of
integer labels stays labels. numpy only: no TensorFlow here.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab import evaluation

pytestmark = pytest.mark.reliability("bad-input")

SIGMOID = np.array([[0.9], [0.2], [0.7], [0.4]])
LOGITS = np.array([[2.0], [-1.5], [0.3], [-0.1]])
TRUE = np.array([1, 0, 0, 1])


@pytest.mark.parametrize("column", [SIGMOID, LOGITS], ids=["sigmoid", "logits"])
def test_misclassified_reads_one_output_as_two_classes(column):
    found = evaluation.misclassified(lambda x: column, np.zeros((4, 2, 2)), TRUE)
    assert found.indices.tolist() == [2, 3]
    assert found.predicted.tolist() == [1, 0]
    expected = evaluation.binary_probabilities(column)[[2, 3], [1, 0]]
    np.testing.assert_allclose(found.probability, expected)
    assert np.all(found.probability > 0.5) and np.all(found.probability < 1.0)  # not a softmax over one column


@pytest.mark.parametrize("column", [SIGMOID, LOGITS], ids=["sigmoid", "logits"])
def test_confusion_matrix_thresholds_one_output_at_one_half(column):
    matrix = evaluation.confusion_matrix(TRUE, column)
    assert matrix.tolist() == [[1, 1], [1, 1]]


def test_a_column_of_integer_labels_stays_labels():
    assert evaluation.confusion_matrix(TRUE[:, None], [1, 0, 0, 1]).tolist() == [[2, 0], [0, 2]]
    assert evaluation.confusion_matrix(np.array([[2.0], [0.0]]), [2, 0]).tolist() == [[1, 0, 0], [0, 0, 0], [0, 0, 1]]


@pytest.mark.parametrize("scores", [np.array([[0.9], [np.nan], [0.1], [0.2]]),
                                    np.array([[0.1, 0.9], [np.nan, np.nan], [0.5, 0.5], [0.2, 0.8]]),
                                    np.array([0.0, np.inf, 1.0, 1.0])], ids=["column", "rows", "labels"])
def test_scores_holding_nan_are_refused_not_read_as_class_0(scores):
    with pytest.raises(ValueError, match=r"y_pred holds [12] NaN or infinite values"):
        evaluation.confusion_matrix(TRUE, scores)


def test_gallery_titles_a_binary_mistake_with_its_real_probability():
    import matplotlib.pyplot as plt

    fig = evaluation.misclassified_gallery(lambda x: SIGMOID, np.zeros((4, 4, 4)), TRUE, class_names=["cat", "dog"])
    titles = sorted(ax.get_title() for ax in fig.axes)
    plt.close(fig)
    assert titles == ["cat → dog (p=0.70)", "dog → cat (p=0.60)"]


@pytest.mark.parametrize("column", [SIGMOID, LOGITS], ids=["sigmoid", "logits"])
def test_check_accuracy_reads_one_output_as_two_classes(column):
    from cnnlab import checks

    class Binary:  # what a Dense(1, activation="sigmoid") model's predict returns (or, without it, logits)
        def predict(self, x, **kwargs):
            return column

    result = checks.check_accuracy(Binary(), np.zeros((4, 2)), TRUE, reference=0.5, exercise=9)
    assert result.accuracy == 0.5 and result.passed  # examples 0 and 1 right, 2 and 3 wrong
