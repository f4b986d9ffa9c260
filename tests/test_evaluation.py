"""Confusion matrices and mistake galleries: checked by hand, against scikit-learn, and on a tiny Keras model."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnlab import evaluation as ev  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_confusion_matrix_by_hand():
    y_true = [0, 0, 1, 1, 1, 2]
    y_pred = [0, 1, 1, 1, 2, 0]
    expected = np.array([[1, 1, 0],
                         [0, 2, 1],
                         [1, 0, 0]])
    np.testing.assert_array_equal(ev.confusion_matrix(y_true, y_pred), expected)
    bigger = ev.confusion_matrix(y_true, y_pred, num_classes=4)
    assert bigger.shape == (4, 4) and bigger[3].sum() == bigger[:, 3].sum() == 0
    np.testing.assert_array_equal(bigger[:3, :3], expected)


def test_confusion_matrix_takes_probabilities_and_one_hot_rows():
    y_true = np.eye(3)[[0, 2, 1]]
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1]])
    np.testing.assert_array_equal(ev.confusion_matrix(y_true, probabilities),
                                  [[1, 0, 0], [1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(ev.confusion_matrix(np.array([1.0, 0.0]), [1, 0]), [[1, 0], [0, 1]])


def test_confusion_matrix_agrees_with_a_count_of_the_pairs():
    """scikit-learn counts inside; an independent count of the (true, predicted) pairs checks the wiring."""
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 10, 500)
    y_pred = np.where(rng.random(500) < 0.7, y_true, rng.integers(0, 10, 500))
    expected = np.zeros((12, 12), np.int64)
    np.add.at(expected, (y_true, y_pred), 1)
    got = ev.confusion_matrix(y_true, y_pred, num_classes=12)
    assert got.dtype == np.int64 and got.sum() == 500
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(ev.confusion_matrix(y_true, y_pred), expected[:10, :10])


def test_confusion_matrix_checks_its_arguments():
    with pytest.raises(ValueError, match="y_true and y_pred must have the same length, received 2 and 3"):
        ev.confusion_matrix([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match=r"num_classes=2 is too small for label 4"):
        ev.confusion_matrix([0, 4], [0, 1], num_classes=2)
    with pytest.raises(ValueError, match="y_pred must hold class labels >= 0, received -1"):
        ev.confusion_matrix([0, 1], [0, -1])
    with pytest.raises(ValueError, match=r"y_true must hold integer class labels, received non-integer values such as \[0.5\]"):
        ev.confusion_matrix([0.5, 1], [0, 1])
    with pytest.raises(ValueError, match=r"y_true must be class labels of shape \(n,\).* received shape \(1, 1, 2\)"):
        ev.confusion_matrix([[[0, 1]]], [0])
    with pytest.raises(ValueError, match="num_classes must be a positive integer, received num_classes=0"):
        ev.confusion_matrix([0], [0], num_classes=0)
    with pytest.raises(ValueError, match="y_true is empty"):
        ev.confusion_matrix([], [])
    np.testing.assert_array_equal(ev.confusion_matrix([], [], num_classes=2), np.zeros((2, 2)))


def test_confusion_matrix_plot_counts_and_labels():
    fig = ev.confusion_matrix_plot([0, 0, 1, 2], [0, 1, 1, 2], class_names=["cat", "dog", "bird"])
    ax = fig.axes[0]
    assert ax.get_title() == "Confusion matrix (accuracy 75.0%)"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Predicted class", "True class")
    assert [t.get_text() for t in ax.texts] == ["1", "1", "0", "0", "1", "0", "0", "0", "1"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "bird"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["cat", "dog", "bird"]


def test_confusion_matrix_plot_normalized_rows():
    fig = ev.confusion_matrix_plot([0, 0, 0, 0, 1], [0, 0, 0, 1, 1], normalize=True)
    ax = fig.axes[0]
    assert ax.get_title() == "Confusion matrix (accuracy 80.0%, rows sum to 1)"
    assert [t.get_text() for t in ax.texts] == ["0.75", "0.25", "0.00", "1.00"]
    np.testing.assert_allclose(ax.images[0].get_array().sum(axis=1), [1.0, 1.0])
    with pytest.raises(ValueError, match=r"class_names has 1 entries but labels go up to 1"):
        ev.confusion_matrix_plot([0, 1], [0, 1], class_names=["only"])
    with pytest.raises(ValueError, match="normalize must be True or False, received normalize='rows'"):
        ev.confusion_matrix_plot([0, 1], [0, 1], normalize="rows")


class FakeModel:
    """A "model" with known outputs: predict() returns fixed probabilities."""

    def __init__(self, probabilities):
        self.probabilities = np.asarray(probabilities)
        self.calls = 0

    def predict(self, x, verbose=0):
        self.calls += 1
        return self.probabilities[: len(x)]


PROBABILITIES = np.array([
    [0.9, 0.05, 0.05],  # 0: predicts 0
    [0.2, 0.7, 0.1],    # 1: predicts 1
    [0.1, 0.3, 0.6],    # 2: predicts 2
    [0.6, 0.3, 0.1],    # 3: predicts 0
    [0.05, 0.92, 0.03], # 4: predicts 1
])
LABELS = np.array([0, 2, 2, 1, 1])  # examples 1 and 3 are wrong


def test_misclassified_with_a_callable():
    found = ev.misclassified(lambda x: PROBABILITIES, np.zeros((5, 4, 4)), LABELS)
    assert found.indices.tolist() == [1, 3]
    assert found.predicted.tolist() == [1, 0]
    assert found.true.tolist() == [2, 1]
    np.testing.assert_allclose(found.probability, [0.7, 0.6])


def test_misclassified_with_a_predict_method_and_one_hot_labels():
    model = FakeModel(PROBABILITIES)
    found = ev.misclassified(model, np.zeros((5, 4, 4)), np.eye(3)[LABELS])
    assert model.calls == 1 and found.indices.tolist() == [1, 3]


def test_misclassified_checks_its_arguments():
    with pytest.raises(ValueError, match="x and y must hold the same number of examples, received 4 and 5"):
        ev.misclassified(lambda x: PROBABILITIES, np.zeros((4, 2, 2)), LABELS)
    with pytest.raises(ValueError, match=r"model must return probabilities of shape \(n, classes\) = \(5, classes\), it returned shape \(5,\)"):
        ev.misclassified(lambda x: np.zeros(5), np.zeros((5, 2, 2)), LABELS)
    with pytest.raises(ValueError, match="model must be a Keras model or a callable.* received model=str"):
        ev.misclassified("resnet", np.zeros((5, 2, 2)), LABELS)
    with pytest.raises(ValueError, match="y holds label 7 but the model predicts only 3 classes"):
        ev.misclassified(lambda x: PROBABILITIES, np.zeros((5, 2, 2)), [0, 1, 2, 7, 0])


def test_gallery_titles_most_confident_first():
    names = ["zero", "one", "two"]
    fig = ev.misclassified_gallery(lambda x: PROBABILITIES, np.random.default_rng(0).random((5, 4, 4)), LABELS,
                                   class_names=names)
    assert fig._suptitle.get_text() == "2 of 5 images misclassified"
    assert [ax.get_title() for ax in fig.axes] == ["two → one (p=0.70)", "one → zero (p=0.60)"]
    fig = ev.misclassified_gallery(lambda x: PROBABILITIES, np.zeros((5, 4, 4, 1)), LABELS, limit=1,
                                   most_confident_first=False)
    assert fig._suptitle.get_text() == "2 of 5 images misclassified (showing 1)"
    assert [ax.get_title() for ax in fig.axes] == ["2 → 1 (p=0.70)"]


def test_the_gallery_finds_and_captions_the_mistakes_and_charts_draws_them():
    import io

    from cnnlab import charts

    def png(fig):
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        plt.close(fig)
        return buffer.getvalue()

    x = np.random.default_rng(3).random((5, 4, 4, 1))
    face = ev.misclassified_gallery(lambda x: PROBABILITIES, x, LABELS, class_names=["zero", "one", "two"], cols=1)
    direct = charts.show_mistakes([x[1], x[3]], ["two → one (p=0.70)", "one → zero (p=0.60)"],
                                  title="2 of 5 images misclassified", cols=1)
    assert png(face) == png(direct)


def test_gallery_of_rgb_images_and_of_no_mistakes():
    x = np.random.default_rng(1).random((5, 4, 4, 3)).astype(np.float32)
    fig = ev.misclassified_gallery(lambda x: PROBABILITIES, x, LABELS)
    assert fig.axes[0].images[0].get_array().shape == (4, 4, 3)
    fig = ev.misclassified_gallery(lambda x: PROBABILITIES, x, PROBABILITIES.argmax(axis=1))
    assert fig._suptitle.get_text() == "0 of 5 images misclassified"
    assert fig.axes[0].texts[0].get_text() == "no mistakes"
    with pytest.raises(ValueError, match="limit must be a positive integer, received limit=0"):
        ev.misclassified_gallery(lambda x: PROBABILITIES, x, LABELS, limit=0)


@pytest.mark.tensorflow
def test_misclassified_with_a_keras_model():
    import keras

    keras.utils.set_random_seed(0)
    inputs = keras.Input((4, 4, 1))
    outputs = keras.layers.Dense(3, activation="softmax")(keras.layers.Flatten()(inputs))
    model = keras.Model(inputs, outputs)
    x = np.random.default_rng(0).random((6, 4, 4, 1)).astype(np.float32)
    probabilities = model.predict(x, verbose=0)
    y = (probabilities.argmax(axis=1) + np.array([0, 1, 0, 0, 2, 0])) % 3
    found = ev.misclassified(model, x, y)
    assert found.indices.tolist() == [1, 4]
    np.testing.assert_allclose(found.probability, probabilities[[1, 4]].max(axis=1), rtol=1e-6)


# ----------------------------------------------------------------------------- pixel values (issue 18)


def test_check_pixel_values_accepts_images_in_range_and_all_black_ones():
    rng = np.random.default_rng(0)
    images = rng.random((3, 5, 5, 3))
    assert ev.check_pixel_values("x", images) is not None
    ev.check_pixel_values("x", np.zeros((2, 4, 4)))                  # all black: allowed
    ev.check_pixel_values("x", images * 1.005)                       # within 1 % of the range (resampling)
    ev.check_pixel_values("x", (images * 255).astype(np.uint8), (0, 255))
    ev.check_pixel_values("x", np.full((2, 2), 2 / 255), batch=False)  # a dark image, above 1/255


@pytest.mark.parametrize("images, value_range, message", [
    (np.full((2, 3, 3), 0.8) / 255, (0, 1), r"^x\[0\] holds values from 0\.00314 to 0\.00314: .*divided by 255 twice"),
    (np.full((2, 3, 3), 200, np.uint8), (0, 1), r"^x holds values from 200 to 200: values above 1: .*0-255"),
    (np.full((2, 3, 3), -0.5), (0, 1), r"^x holds values from -0\.5 to -0\.5: values below 0: .*scaled"),
    (np.full((2, 3, 3), 1, np.uint8), (0, 255), r"^x\[0\] holds values from 1 to 1: every value .*within 1/255 of the "
                                                  r"range \(1\) above 0 .*scaled twice"),
    (np.full((2, 3, 3), -0.999), (-1, 1), r"^x\[0\] holds .*within 1/255 of the range \(0\.00784\) above -1"),
], ids=["divided twice", "0-255 for [0, 1]", "[-1, 1] for [0, 1]", "[0, 1] cast to uint8 for 0-255",
        "preprocess_input on [0, 1] values"])
def test_check_pixel_values_refuses_what_a_model_would_misread(images, value_range, message):
    with pytest.raises(ValueError, match=message):
        ev.check_pixel_values("x", images, value_range)


def test_check_pixel_values_looks_at_each_image_of_a_batch():
    images = np.random.default_rng(1).random((4, 3, 3))
    images[2] /= 255  # one image divided twice, among good ones: the batch's range alone looks fine
    with pytest.raises(ValueError, match=r"^x\[2\] holds"):
        ev.check_pixel_values("x", images)
    ev.check_pixel_values("x", images, batch=False)  # as one image its values span the range


@pytest.mark.parametrize("value_range", [(1, 0), (0, float("nan")), "0-1", (0,)])
def test_check_pixel_values_refuses_a_bad_value_range(value_range):
    with pytest.raises(ValueError, match=r"^value_range must be \(low, high\)"):
        ev.check_pixel_values("x", np.zeros((1, 2, 2)), value_range)


def test_check_pixel_values_refuses_nan_and_text():
    with pytest.raises(ValueError, match=r"x contains 1 NaN"):
        ev.check_pixel_values("x", np.array([[[0.5, np.nan]]]))
    with pytest.raises(ValueError, match=r"x must hold pixel values \(numbers\)"):
        ev.check_pixel_values("x", np.array([["a"]]))


def test_misclassified_refuses_digits_the_model_would_misread_unless_told_their_range():
    """0-255 digits given to a model trained on [0, 1] (or digits divided twice) would look like a bad model."""
    digits = (np.random.default_rng(2).random((5, 4, 4)) * 255).astype(np.uint8)
    with pytest.raises(ValueError, match=r"^x holds values from \d+ to \d+: values above 1.*value_range=\(low, high\)"):
        ev.misclassified(lambda x: PROBABILITIES, digits, LABELS)
    with pytest.raises(ValueError, match=r"^x\[0\] holds .*divided by 255 twice"):
        ev.misclassified_gallery(lambda x: PROBABILITIES, digits / 255 / 255, LABELS)
    assert ev.misclassified(lambda x: PROBABILITIES, digits, LABELS, value_range=(0, 255)).indices.size == 2
    assert ev.misclassified(lambda x: PROBABILITIES, digits, LABELS, value_range=None).indices.size == 2
    features = np.random.default_rng(3).normal(size=(5, 4)) * 10  # not images: not checked
    assert ev.misclassified(lambda x: PROBABILITIES, features, LABELS).indices.size == 2
