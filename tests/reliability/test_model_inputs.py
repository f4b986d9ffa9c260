"""Issue 17: models, images and labels that used to give silently wrong results.

A Keras model with one sigmoid output (or one logit) loaded with ``pretrained.load_classifier``
gives two probabilities ``[1 - p, p]`` per image, not 1.0 for every image; labels of the wrong
count are refused naming ``labels``. A channels-first photo ``(3, H, W)`` (PyTorch's layout) is
refused, with the ``np.moveaxis`` fix, by pretrained's classification and preprocessing and by
deepdream, rather than read as three grey images; ``(H, W, 3)`` and the ambiguous ``(3, 3, 3)``
still work. ``transfer.predict_with_flips`` refuses empty data sets, NaN images and labels
outside the model's classes; ``training.ensemble_predict`` NaN inputs and models that disagree;
deepdream's step counts and sizes must be finite and positive. Tiny models only.
"""

from __future__ import annotations

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from cnnlab import deepdream, pretrained, training, transfer
from cnnlab import preprocessing

pytestmark = [pytest.mark.reliability("bad-input"), pytest.mark.tensorflow]

BLACK, WHITE = np.zeros((20, 20, 3), np.uint8), np.full((20, 20, 3), 255, np.uint8)


def save(model, path):
    with warnings.catch_warnings():  # Keras 3.15's own numpy-2 copy= warning while saving
        warnings.simplefilter("ignore", DeprecationWarning)
        model.save(path)
    return path


def one_output_model(path, activation):
    """8×8 RGB in, one unit out: 4 × the mean red value in [-1, 1] (inception scaling), through ``activation``."""
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.GlobalAveragePooling2D(),
                              keras.layers.Dense(1, activation=activation)])
    model.layers[-1].set_weights([np.array([[4.0], [0.0], [0.0]], np.float32), np.zeros(1, np.float32)])
    return save(model, path)


@pytest.fixture(scope="module")
def sigmoid_file(tmp_path_factory):
    return one_output_model(tmp_path_factory.mktemp("models") / "binary.keras", "sigmoid")


@pytest.fixture(scope="module")
def logit_file(tmp_path_factory):
    return one_output_model(tmp_path_factory.mktemp("models") / "logit.keras", None)


@pytest.fixture(scope="module")
def binary(sigmoid_file):
    return pretrained.load_classifier(sigmoid_file, labels=["cat", "dog"])


# ----------------------------------------------------------------------------- one-output models


@pytest.mark.parametrize("which", ["sigmoid", "logit"])
def test_a_one_output_model_gives_two_probabilities_per_image(which, sigmoid_file, logit_file):
    clf = pretrained.load_classifier(sigmoid_file if which == "sigmoid" else logit_file, labels=["cat", "dog"])
    p = clf.predict([BLACK, WHITE])
    expected = 1 / (1 + np.exp(-4.0))  # sigmoid(±4): the mean red is -1 for black, +1 for white
    assert p.shape == (2, 2) and np.allclose(p.sum(axis=1), 1.0)
    assert np.allclose(p, [[expected, 1 - expected], [1 - expected, expected]], atol=1e-4)


def test_a_sigmoid_model_classifies_both_ways(binary):
    (black,), (white,) = binary.classify([BLACK, WHITE], top=1)
    assert black[0] == "cat" and white[0] == "dog" and 0.98 < black[1] < 0.99
    assert pretrained.classify(WHITE, top=2, model=binary)[0][0][0] == "dog"


def test_one_name_for_a_sigmoid_model_stands_for_it_and_its_opposite(sigmoid_file):
    clf = pretrained.load_classifier(sigmoid_file, labels=["dog"])
    assert clf.class_names == ("not dog", "dog")
    assert clf.classify(BLACK, top=1)[0][0][0] == "not dog"


@pytest.mark.parametrize("labels, match", [
    (None, r"1 output, a binary \(sigmoid\) classifier; pass its two class names.*labels="),
    (["a", "b", "c"], r"labels has 3 names but binary.keras has 1 output"),
])
def test_a_sigmoid_model_with_the_wrong_number_of_labels_is_refused_naming_labels(sigmoid_file, labels, match):
    with pytest.raises(ValueError, match=match):
        pretrained.load_classifier(sigmoid_file, labels=labels)


# ----------------------------------------------------------------------------- channels first: pretrained


@pytest.mark.parametrize("images, name, axis", [
    (np.zeros((3, 20, 24), np.uint8), "images", 0),
    (np.zeros((1, 20, 24)), "images", 0),
    (np.zeros((2, 3, 20, 24), np.uint8), "images", 1),
    ([np.zeros((3, 20, 24), np.uint8)], r"images\[0\]", 0),
    ([BLACK, np.zeros((4, 30, 30), np.uint8)], r"images\[1\]", 0),
], ids=["CHW", "1HW", "NCHW", "list of CHW", "second of a list"])
def test_channels_first_images_are_refused_with_the_fix(binary, images, name, axis):
    with pytest.raises(ValueError, match=rf"{name} has shape .* looks channels-first.*"
                                         rf"np\.moveaxis\({name}, {axis}, -1\)"):
        binary.predict(images)


def test_channels_first_is_refused_by_preprocess_and_classify_too(binary):
    photo = np.zeros((3, 32, 40), np.uint8)
    with pytest.raises(ValueError, match=r"np\.moveaxis\(images, 0, -1\)"):
        preprocessing.preprocess(photo, 16)
    with pytest.raises(ValueError, match=r"np\.moveaxis\(images, 0, -1\)"):
        pretrained.classify(photo, top=1, model=binary)


def test_a_callable_preprocessing_gets_the_same_check(sigmoid_file):
    clf = pretrained.load_classifier(sigmoid_file, labels=["cat", "dog"], preprocessing=lambda x: x / 127.5 - 1)
    with pytest.raises(ValueError, match=r"np\.moveaxis\(images, 0, -1\)"):
        clf.predict(np.zeros((3, 20, 24), np.uint8))
    assert clf.predict(WHITE).shape == (1, 2)


@pytest.mark.parametrize("images, rows", [
    (np.zeros((20, 24, 3), np.uint8), 1),
    (np.moveaxis(np.zeros((3, 20, 24), np.uint8), 0, -1), 1),
    (np.zeros((3, 3, 3), np.uint8), 1),          # ambiguous: taken as one tiny RGB image, as before
    (np.zeros((2, 20, 24, 3), np.uint8), 2),
    (np.zeros((5, 20, 24)), 5),                  # a batch of greyscale images: 5 is no channel count
    (np.zeros((20, 24)), 1),
])
def test_channels_last_images_still_work(binary, images, rows):
    p = binary.predict(images)
    assert p.shape == (rows, 2) and np.allclose(p.sum(axis=1), 1.0)


# ----------------------------------------------------------------------------- channels first: deepdream


@pytest.fixture(scope="module")
def dreamer():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((None, None, 3))
    return keras.Model(inputs, keras.layers.Conv2D(2, 3, activation="relu", name="c")(inputs))


def dream(model, image, **kwargs):
    return deepdream.deepdream(model, image, "c", **{"steps": 1, "octaves": 1, "tile_size": 64, **kwargs})


def test_deepdream_refuses_a_channels_first_photo_with_the_fix(dreamer):
    with pytest.raises(ValueError, match=r"image has shape \(3, 16, 20\).*np\.moveaxis\(image, 0, -1\)"):
        dream(dreamer, np.zeros((3, 16, 20), np.float32))


def test_tiled_gradients_refuses_a_channels_first_tensor_with_the_fix(dreamer):
    features, weights = deepdream.dream_model(dreamer, "c")
    with pytest.raises(ValueError, match=r"np\.moveaxis\(image, 0, -1\)"):
        deepdream.tiled_gradients(features, weights, tf.zeros((3, 16, 20)))


@pytest.mark.parametrize("shape", [(16, 20, 3), (3, 3, 3)])
def test_deepdream_still_takes_channels_last_and_ambiguous_images(dreamer, shape):
    image = np.random.default_rng(0).random(shape).astype(np.float32)
    dreamed, losses = dream(dreamer, image)
    assert dreamed.shape == shape and np.isfinite(dreamed).all() and len(losses) == 1


@pytest.mark.parametrize("argument, value", [
    ("steps", 0), ("steps", 2.5), ("steps", float("nan")), ("steps", True),
    ("octaves", 0), ("octaves", float("inf")),
    ("step_size", float("nan")), ("step_size", float("inf")), ("step_size", 0), ("step_size", -0.01),
    ("octave_scale", float("nan")), ("octave_scale", float("inf")), ("octave_scale", 1.0),
    ("tile_size", 0),
])
def test_deepdream_refuses_steps_and_sizes_that_are_not_finite_and_positive(dreamer, argument, value):
    with pytest.raises(ValueError, match=rf"^{argument} must be"):
        dream(dreamer, np.zeros((16, 16, 3), np.float32), **{argument: value})


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_deepdream_refuses_a_nan_or_inf_image(dreamer, value):
    image = np.zeros((16, 16, 3), np.float32)
    image[2, 3, 1] = value
    with pytest.raises(ValueError, match=r"image contains 1 NaN or infinite"):
        dream(dreamer, image)


# ----------------------------------------------------------------------------- transfer.predict_with_flips


@pytest.fixture(scope="module")
def softmax3():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((8, 8, 3)), keras.layers.GlobalAveragePooling2D(),
                             keras.layers.Dense(3, activation="softmax")])


def flowers(n=8, classes=3, x=None, y=None):
    rng = np.random.default_rng(0)
    x = rng.random((n, 8, 8, 3)).astype("float32") if x is None else x
    y = (np.arange(n) % classes).astype("int32") if y is None else y
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(4)


@pytest.mark.parametrize("empty", [lambda d: d.take(0), lambda d: d.filter(lambda x, y: False)],
                         ids=["cardinality 0", "yields nothing"])
def test_predict_with_flips_refuses_an_empty_dataset(softmax3, empty):
    with pytest.raises(ValueError, match=r"dataset (is an empty|yielded no batch)"):
        transfer.predict_with_flips(softmax3, empty(flowers()))


def test_predict_with_flips_refuses_nan_images(softmax3):
    x = np.zeros((8, 8, 8, 3), np.float32)
    x[5, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"dataset, batch 1: images contains 1 NaN"):
        transfer.predict_with_flips(softmax3, flowers(x=x))


@pytest.mark.parametrize("bad", [3, -1])
def test_predict_with_flips_refuses_labels_outside_the_models_classes(softmax3, bad):
    y = (np.arange(8) % 3).astype("int32")
    y[6] = bad
    with pytest.raises(ValueError, match=rf"dataset: labels must hold class labels in \[0, 3\).*labels\[6\] = {bad}"):
        transfer.predict_with_flips(softmax3, flowers(y=y))


def test_predict_with_flips_on_good_data(softmax3):
    result = transfer.predict_with_flips(softmax3, flowers())
    assert result.plain.shape == (8, 3) and 0 <= result.accuracy <= 1 and result.labels.dtype.kind == "i"


# ----------------------------------------------------------------------------- training.ensemble_predict


def test_ensemble_predict_refuses_nan_inputs(softmax3):
    x = np.zeros((4, 8, 8, 3), np.float32)
    x[1, 2, 3, 0] = np.inf
    with pytest.raises(ValueError, match=r"x contains 1 NaN or infinite"):
        training.ensemble_predict([softmax3], x)


def test_ensemble_predict_refuses_empty_inputs(softmax3):
    with pytest.raises(ValueError, match=r"x is empty"):
        training.ensemble_predict([softmax3], np.zeros((0, 8, 8, 3), np.float32))


def test_ensemble_predict_refuses_models_with_different_outputs(softmax3):
    other = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.GlobalAveragePooling2D(),
                              keras.layers.Dense(1, activation="sigmoid")])
    with pytest.raises(ValueError, match=r"models\[1\] gives outputs of shape \(2, 1\).*models\[0\] \(2, 3\)"):
        training.ensemble_predict([softmax3, other], np.zeros((2, 8, 8, 3), np.float32))


def test_ensemble_predict_on_good_inputs(softmax3):
    p = training.ensemble_predict([softmax3, softmax3], np.zeros((2, 8, 8, 3), np.float32))
    assert p.shape == (2, 3) and np.allclose(p.sum(axis=1), 1.0)
