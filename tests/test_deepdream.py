"""DeepDream: the ascent raises the chosen layer's activation; tiles and octaves keep the bookkeeping right."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from cnnlab import deepdream  # noqa: E402


@pytest.fixture(scope="module")
def net():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((None, None, 3)),
                             keras.layers.Conv2D(8, 3, activation="relu", name="low"),
                             keras.layers.Conv2D(8, 3, activation="relu", name="high"),
                             keras.layers.Conv2D(4, 1, name="pointwise")], name="net")


def _image(height=48, width=64, seed=0):
    return np.random.default_rng(seed).random((height, width, 3)).astype(np.float32)


def _activation(model, layer, image) -> float:
    features = keras.Model(model.inputs[0], model.get_layer(layer).output)
    return float(tf.reduce_mean(features(image[None] * 2 - 1)))


@pytest.mark.parametrize("layer", ["low", "high"])
def test_the_ascent_raises_the_chosen_layers_activation(net, layer):
    image = _image()
    dreamed, losses = deepdream.deepdream(net, image, layer, steps=8, octaves=1, step_size=0.02)
    assert dreamed.shape == image.shape and dreamed.dtype == np.float32
    assert 0.0 <= dreamed.min() and dreamed.max() <= 1.0
    assert losses[-1] > losses[0] * 1.2
    assert np.all(np.diff(losses) > 0)  # every step of a small ascent goes up
    assert _activation(net, layer, dreamed) > _activation(net, layer, image) * 1.2


def test_octaves_run_small_to_full_size_and_return_the_input_size(net):
    dreamed, losses = deepdream.deepdream(net, _image(50, 70), {"low": 1.0, "high": 0.5}, steps=2, octaves=3,
                                          octave_scale=1.4)
    assert dreamed.shape == (50, 70, 3) and len(losses) == 6


def test_tiled_gradient_equals_the_whole_image_gradient_for_a_pointwise_network():
    """With 1×1 convolutions no activation crosses a tile border, so tiling (and the roll) must change nothing."""
    keras.utils.set_random_seed(1)
    pointwise = keras.Sequential([keras.Input((None, None, 3)), keras.layers.Conv2D(5, 1, activation="relu", name="p"),
                                  keras.layers.Conv2D(3, 1, activation="relu", name="q")])
    features, weights = deepdream.dream_model(pointwise, ["p", "q"])
    image = tf.constant(_image(45, 70) * 2 - 1)
    with tf.GradientTape() as tape:
        tape.watch(image)
        loss = deepdream.dream_loss(features(image[None]), list(weights.values()))
    expected = tape.gradient(loss, image)
    for tile_size in (16, 20, 1000):
        gradient, tiled_loss = deepdream.tiled_gradients(features, weights, image, tile_size=tile_size, seed=3)
        np.testing.assert_allclose(gradient.numpy(), expected.numpy(), rtol=1e-4, atol=1e-7)
        assert tiled_loss == pytest.approx(float(loss), rel=1e-5)


def test_same_seed_same_dream(net):
    a, _ = deepdream.deepdream(net, _image(), "low", steps=3, octaves=2, tile_size=24, seed=5)
    b, _ = deepdream.deepdream(net, _image(), "low", steps=3, octaves=2, tile_size=24, seed=5)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs, message", [
    (dict(layers="nope"), "layers has 'nope', which is not a layer of 'net'"),
    (dict(layers=[]), "layers is empty"),
    (dict(layers={"low": -1.0}), "layers['low'] must be a positive number"),
    (dict(steps=0), "steps must be a positive integer, received steps=0"),
    (dict(octave_scale=1.0), "octave_scale must be greater than 1, received octave_scale=1.0"),
    (dict(image=np.zeros((8, 8, 4))), "image must have shape (height, width, 3)"),
])
def test_bad_arguments_are_named_with_the_value_received(net, kwargs, message):
    arguments = dict(image=_image(), layers="low") | kwargs
    with pytest.raises(ValueError) as error:
        deepdream.deepdream(net, arguments.pop("image"), arguments.pop("layers"), **arguments)
    assert message in str(error.value)
