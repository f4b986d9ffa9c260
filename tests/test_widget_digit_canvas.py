"""DigitCanvas: strokes become MNIST-like inputs; the model's probabilities follow each stroke."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab.digits import center_of_mass, render_strokes, to_mnist
from cnnlab.widgets import DigitCanvas
from cnnlab.widgets.digit_canvas import class_probabilities

ONE = [(140, 40), (137, 150), (135, 240)]
SEVEN = [(60, 50), (220, 50), (120, 250)]
ZERO = [(140 + 70 * np.cos(t), 145 + 100 * np.sin(t)) for t in np.linspace(0, 2 * np.pi, 60)]


def _ink_box(digit) -> tuple[int, int]:
    rows = np.flatnonzero(digit.max(axis=1) > 0)
    cols = np.flatnonzero(digit.max(axis=0) > 0)
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def _event(canvas, kind, x, y):
    """Deliver a mouse event as the browser does: a custom message to the ipycanvas widget."""
    canvas.canvas._handle_frontend_event(None, {"event": kind, "x": x, "y": y}, [])


def test_a_mouse_stroke_becomes_a_28x28_input_centred_by_mass_like_mnist():
    canvas = DigitCanvas()
    _event(canvas, "mouse_down", *SEVEN[0])
    for point in SEVEN[1:]:
        _event(canvas, "mouse_move", *point)
    assert canvas.digit is None  # nothing is computed while the pen is down
    _event(canvas, "mouse_up", *SEVEN[-1])
    digit = canvas.digit
    assert digit.shape == (28, 28) and digit.dtype == np.uint8
    row, col = center_of_mass(digit)
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5, (row, col)
    assert max(_ink_box(digit)) in (20, 21)  # fitted into MNIST's 20×20 box (anti-aliased edges may add a pixel)
    assert canvas.strokes == [[(float(x), float(y)) for x, y in SEVEN]]
    assert canvas.preview.value[:4] == b"\x89PNG"


def test_drawn_digits_have_mnist_size_centre_and_stroke_weight(data_dir):
    from cnnlab.datasets import load_mnist

    (x, y), _ = load_mnist()
    sample = x[:5000]
    # MNIST's own statistics: the most common longer ink side, and the mean centre of mass.
    sides = np.array([max(_ink_box(d)) for d in sample])
    assert np.bincount(sides).argmax() == 20
    centres = np.array([center_of_mass(d) for d in sample])
    np.testing.assert_allclose(centres.mean(axis=0), (14, 14), atol=0.1)
    for digit_class, stroke in ((1, ONE), (7, SEVEN), (0, ZERO)):
        canvas = DigitCanvas()
        canvas.draw_stroke(stroke)
        drawn = canvas.digit
        assert max(_ink_box(drawn)) in (20, 21)
        np.testing.assert_allclose(center_of_mass(drawn), (14, 14), atol=0.5)
        ink = x[y == digit_class].astype(float).sum(axis=(1, 2)) / 255
        low, high = np.percentile(ink, [10, 90])
        assert low <= drawn.sum() / 255 <= high, (digit_class, drawn.sum() / 255, low, high)


def test_the_same_shape_drawn_small_or_large_gives_the_same_input():
    small = to_mnist(render_strokes([[(x / 4 + 10, y / 4 + 10) for x, y in SEVEN]]))
    large = to_mnist(render_strokes([SEVEN]))
    assert np.abs(small.astype(int) - large.astype(int)).max() <= 2


def test_probabilities_follow_each_stroke_and_name_the_best_class():
    seen = []

    def model(batch):  # a stand-in model: the score of class k grows with the amount of ink
        seen.append(batch.copy())
        ink = batch.mean()
        return np.array([[-abs(k / 30 - ink) * 50 for k in range(10)]])  # logits

    canvas = DigitCanvas(model)
    canvas.draw_stroke(ONE)
    first = canvas.probabilities.copy()
    assert seen[-1].shape == (1, 28, 28, 1) and seen[-1].dtype == np.float32 and seen[-1].max() <= 1.0
    np.testing.assert_allclose(first.sum(), 1.0)
    best = int(first.argmax())
    assert f"<b>{best}</b>" in canvas.answer.value
    assert canvas.bars.value.count("%</span>") == 10
    canvas.draw_stroke([(60, 145), (220, 145)])  # a second stroke: more ink, a new answer
    assert len(seen) == 2 and not np.allclose(canvas.probabilities, first)


def test_probabilities_equal_the_keras_models_prediction():
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(4, 3), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    canvas = DigitCanvas(model)
    canvas.draw_stroke(SEVEN)
    expected = model.predict(canvas.digit[None, :, :, None] / 255.0, verbose=0)[0]
    np.testing.assert_allclose(canvas.probabilities, expected, rtol=1e-5, atol=1e-6)
    # A model without a channel axis gets (1, 28, 28).
    flat = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])
    assert class_probabilities(flat, canvas.digit).shape == (10,)


def test_undo_and_clear():
    canvas = DigitCanvas(lambda batch: np.ones((1, 10)) / 10)
    canvas.draw_stroke(ONE)
    one = canvas.digit.copy()
    canvas.draw_stroke([(60, 145), (220, 145)])
    assert not np.array_equal(canvas.digit, one)
    canvas.undo_button.click()
    np.testing.assert_array_equal(canvas.digit, one)
    canvas.clear_button.click()
    assert canvas.strokes == [] and canvas.digit is None and canvas.probabilities is None
    assert canvas.bars.value == "" and "Draw a digit" in canvas.answer.value
    canvas.undo()  # nothing to undo: still fine
    assert canvas.last_error is None


def test_touch_strokes_draw_like_the_mouse():
    canvas = DigitCanvas()
    canvas.canvas._handle_frontend_event(None, {"event": "touch_start", "touches": [{"x": 60, "y": 50}]}, [])
    canvas.canvas._handle_frontend_event(None, {"event": "touch_move", "touches": [{"x": 220, "y": 50}]}, [])
    canvas.canvas._handle_frontend_event(None, {"event": "touch_move", "touches": [{"x": 120, "y": 250}]}, [])
    canvas.canvas._handle_frontend_event(None, {"event": "touch_end", "touches": []}, [])
    reference = DigitCanvas()
    reference.draw_stroke(SEVEN)
    np.testing.assert_array_equal(canvas.digit, reference.digit)


def test_a_model_error_is_shown_in_the_widget_which_keeps_working():
    canvas = DigitCanvas(lambda batch: np.ones((1, 3)))  # 3 scores for 10 class names
    assert canvas.draw_stroke(ONE) is False
    assert "class_names" in canvas.error_box.value and canvas.error_box.layout.display is None
    canvas.model = lambda batch: np.full((1, 10), 0.1)
    assert canvas.draw_stroke(SEVEN) is True
    assert canvas.last_error is None and canvas.error_box.layout.display == "none"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model": 3}, "model must be"),
        ({"size": 20}, "size must be an int from 100 to 800"),
        ({"size": True}, "size must be"),
        ({"pen": 0}, "pen must be a fraction"),
        ({"pen": 2.0}, "received pen=2.0"),
    ],
)
def test_bad_arguments_are_refused_with_the_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DigitCanvas(**kwargs)


@pytest.mark.parametrize(
    ("strokes", "message"),
    [([], "strokes is empty"), ([[]], "strokes is empty"), ([[(0, "a")]], "strokes must be"),
     ([[(0, np.nan)]], "NaN or infinite")],
)
def test_render_strokes_refuses_bad_strokes(strokes, message):
    with pytest.raises(ValueError, match=message):
        render_strokes(strokes)


def test_a_dot_is_ink_too():
    digit = to_mnist(render_strokes([[(50, 50)]]))
    assert digit.max() == 255
    np.testing.assert_allclose(center_of_mass(digit), (14, 14), atol=0.5)


def test_displays_with_its_css_class():
    canvas = DigitCanvas()
    bundle = canvas._repr_mimebundle_()
    assert bundle["text/plain"] == "<DigitCanvas widget>"
    assert "cnnlab-digit-canvas" in canvas.root._dom_classes


def test_on_draw_feeds_each_new_digit_to_a_feature_map_viewer():
    import keras

    from cnnlab.widgets import FeatureMapViewer
    from cnnlab.widgets.feature_maps import feature_maps

    keras.utils.set_random_seed(0)
    inputs = keras.Input((28, 28, 1))
    conv = keras.layers.Conv2D(4, 3, name="conv")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(conv)))
    viewer = FeatureMapViewer(model, {"blank": np.zeros((28, 28), np.uint8)})
    canvas = DigitCanvas(model, on_draw=lambda digit: viewer.set_image("your drawing", digit))
    canvas.draw_stroke(SEVEN)
    assert viewer.image_choice.value == "your drawing" and viewer.image_choice.options == ("blank", "your drawing")
    np.testing.assert_allclose(viewer.output_array, feature_maps(model, canvas.digit, "conv"), rtol=1e-5, atol=1e-6)
    before = viewer.output_array.copy()
    canvas.draw_stroke([(60, 145), (220, 145)])  # same name, new picture: replaced and redrawn
    assert viewer.image_choice.options == ("blank", "your drawing")
    assert not np.allclose(viewer.output_array, before)
    with pytest.raises(ValueError, match="on_draw must be"):
        DigitCanvas(on_draw=3)


def test_closing_one_canvas_leaves_the_next_one_working():
    """ipycanvas talks through one shared manager widget: closing a DigitCanvas must not close it."""
    first = DigitCanvas()
    first.close()
    second = DigitCanvas()
    second.draw_stroke(SEVEN)
    assert second.digit is not None and second.preview.value[:4] == b"\x89PNG"
    second.close()


def _text(html_value: str) -> str:
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", html_value))


@pytest.mark.parametrize("quick", ["1", "0"])
def test_a_model_near_chance_is_said_to_guess(monkeypatch, quick):
    """Notebook 07 in quick mode trains for a moment (about 16% accurate): its answers must not look meaningful."""
    monkeypatch.setenv("CNNLAB_QUICK", quick)
    canvas = DigitCanvas(lambda batch: np.full((1, 10), 0.1), accuracy=0.16)
    text = _text(canvas.trust.value)
    assert canvas.trust.layout.display != "none" and "cnnlab-warning" in canvas.trust.value
    assert text.startswith("This model is 16.0% accurate on the test digits")
    assert "close to guesses" in text and "Train it longer" in text
    assert ("quick mode" in text) is (quick == "1")
    canvas.draw_stroke(SEVEN)
    assert "close to guesses" in _text(canvas.trust.value)  # still said next to each answer


def test_an_accurate_model_is_not_called_a_guesser():
    canvas = DigitCanvas(lambda batch: np.full((1, 10), 0.1), accuracy=0.992)
    text = _text(canvas.trust.value)
    assert text.startswith("This model is 99.2% accurate") and "guesses" not in text
    assert "cnnlab-warning" not in canvas.trust.value


def test_without_an_accuracy_nothing_is_claimed():
    canvas = DigitCanvas(lambda batch: np.full((1, 10), 0.1))
    assert canvas.trust.value == "" and canvas.trust.layout.display == "none" and canvas.accuracy is None


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"accuracy": 1.5}, r"accuracy must be the model's test accuracy, a number from 0 to 1 .* received accuracy=1.5"),
    ({"accuracy": True}, "received accuracy=True"),
    ({"accuracy": "99%"}, "received accuracy='99%'"),
])
def test_a_bad_accuracy_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DigitCanvas(lambda batch: np.full((1, 10), 0.1), **kwargs)
    with pytest.raises(ValueError, match="accuracy=0.5 is given but model is None"):
        DigitCanvas(accuracy=0.5)


@pytest.mark.parametrize("digit, message", [
    (np.full((28, 28), 200.0), r"digit holds values from 200 to 200: values above 1"),  # 0-255 floats unscaled
    (np.full((28, 28), 0.5) / 255, r"divided by 255 twice"),
])
def test_a_digit_on_the_wrong_scale_is_refused_not_classified(digit, message):
    with pytest.raises(ValueError, match=message):
        class_probabilities(lambda x: np.full((len(x), 10), 0.1), digit)
