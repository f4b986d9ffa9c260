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


def _pooled_net():
    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(4, 5, activation="relu", name="c1")(inputs)
    x = keras.layers.MaxPooling2D(2, name="pool")(x)
    x = keras.layers.Conv2D(4, 5, activation="relu", name="c2")(x)
    return keras.Model(inputs, x)


def test_smallest_input_side_follows_the_layers_shape_arithmetic():
    # c1: n - 4; pool: floor(/2); c2: - 4 must stay >= 1  ->  (n - 4) // 2 >= 5  ->  n >= 14
    net = _pooled_net()
    assert deepdream.smallest_input_side(net) == 14
    net(np.zeros((1, 14, 14, 3), np.float32))  # accepted
    with pytest.raises(ValueError):
        net.compute_output_shape((1, 13, 13, 3))


def test_small_octaves_are_clamped_to_the_smallest_size_the_layers_accept():
    """Inception v3 needs 75 px: octaves shrinking a small photo below that must be clamped, not crash."""
    net = _pooled_net()
    seen = []
    real = deepdream.tiled_gradients
    try:
        deepdream.tiled_gradients = lambda f, w, image, *a, **k: (seen.append(tuple(image.shape[:2])),
                                                                  real(f, w, image, *a, **k))[1]
        dreamed, losses = deepdream.deepdream(net, _image(20, 30), "c2", steps=1, octaves=3, octave_scale=2.0)
    finally:
        deepdream.tiled_gradients = real
    assert dreamed.shape == (20, 30, 3) and len(losses) == 3
    assert seen[0] == (14, 21) and seen[-1] == (20, 30)  # 20/4 = 5 px would be too small: clamped to 14
    assert min(min(shape) for shape in seen) >= 14


def test_an_image_smaller_than_the_layers_accept_is_refused_with_the_minimum():
    with pytest.raises(ValueError, match=r"too small for these layers: they need at least 14×14"):
        deepdream.deepdream(_pooled_net(), _image(12, 40), "c2", steps=1, octaves=1)


def test_the_smallest_side_is_worked_out_once_per_model_and_layers(monkeypatch):
    """A dream explorer dreams at every slider move: the shape search is not repeated for the same layers."""
    net = _pooled_net()
    calls = []
    real = deepdream.smallest_input_side

    def counted(model, *args):
        calls.append(model.name)
        return real(model, *args)

    monkeypatch.setattr(deepdream, "smallest_input_side", counted)
    for layers in ("c2", "c2", ["c2"], "c1", {"c1": 2.0}):
        deepdream.deepdream(net, _image(20, 30), layers, steps=1, octaves=1)
    assert len(calls) == 2  # once for c2, once for c1
    deepdream.deepdream(_pooled_net(), _image(20, 30), "c2", steps=1, octaves=1)  # another model: asked again
    assert len(calls) == 3


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
    (dict(image=np.full((32, 32, 3), 0.5) / 255), "image holds values from 0.00196 to 0.00196"),  # / 255 twice
])
def test_bad_arguments_are_named_with_the_value_received(net, kwargs, message):
    arguments = dict(image=_image(), layers="low") | kwargs
    with pytest.raises(ValueError) as error:
        deepdream.deepdream(net, arguments.pop("image"), arguments.pop("layers"), **arguments)
    assert message in str(error.value)


# ----------------------------------------------------------------------------- pretrained bases (offline mirror)


@pytest.fixture(scope="module")
def mobilenet_base(data_dir):
    return deepdream.dream_base("mobilenet_025")


def test_mobilenet_base_loads_from_the_mirror_and_takes_any_image_size(mobilenet_base):
    assert mobilenet_base.name == "mobilenet_025" and mobilenet_base.input_shape == (None, None, None, 3)
    assert not mobilenet_base.trainable
    shapes = [tuple(mobilenet_base(np.zeros((1, h, w, 3), np.float32)).shape) for h, w in ((64, 96), (160, 128))]
    assert shapes == [(1, 2, 3, 256), (1, 5, 4, 256)]
    names = {layer.name for layer in mobilenet_base.layers}
    assert set(deepdream.DREAM_LAYERS["mobilenet_025"]) <= names


def test_dreaming_on_a_mirror_photo_raises_the_layers_mean_activation(mobilenet_base, data_dir):
    from cnnlab.datasets import load_image

    owl = load_image(data_dir / "images" / "owl.jpg", max_size=96)
    layer = deepdream.DREAM_LAYERS["mobilenet_025"][2]
    dreamed, losses = deepdream.deepdream(mobilenet_base, owl, layer, steps=8, step_size=0.02, octaves=1)
    assert dreamed.shape == owl.shape and losses[-1] > losses[0]
    # ReLU6 caps MobileNet's activations, so a few small steps raise the mean by a few percent (5.5% here)
    assert _activation(mobilenet_base, layer, dreamed) > _activation(mobilenet_base, layer, owl) * 1.03


def test_auto_offline_picks_mobilenet_and_says_why(data_dir, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("CNNLAB_CACHE_DIR", str(tmp_path / "cache"))
    base = deepdream.dream_base("auto")
    lines = capsys.readouterr().out.strip().splitlines()
    assert base.name == "mobilenet_025" and len(lines) == 1
    assert "mobilenet_025" in lines[0] and "the offline data folder" in lines[0]
    assert "the default, inception_v3 (Inception v3, headless), is not on this machine" in lines[0]


def test_inception_without_local_weights_offline_says_how_to_get_them(monkeypatch, tmp_path):
    from cnnlab.pretrained import WeightsUnavailableError

    monkeypatch.setenv("CNNLAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("CNNLAB_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(WeightsUnavailableError, match="inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"):
        deepdream.dream_base("inception_v3")


@pytest.mark.parametrize("name", ["vgg16", "MobileNet", None])
def test_unknown_base_names_the_argument_and_the_choices(name):
    with pytest.raises(ValueError) as error:
        deepdream.dream_base(name)
    assert str(error.value) == ("name must be one of 'auto', 'inception_v3', 'mobilenet_025', "
                                f"received name={name!r}.")


def _hand_dream(net, layer, steps, step_size, sign=1.0):
    """A learner's DeepDream: the loop of notebook 10's "one step by hand", repeated."""
    features, weights = deepdream.dream_model(net, layer)

    def dream(image):
        x = tf.constant(image * 2 - 1)
        for _ in range(steps):
            gradient, _ = deepdream.tiled_gradients(features, weights, x, seed=0)
            x = tf.clip_by_value(x + sign * step_size * gradient / (tf.math.reduce_std(gradient) + 1e-8), -1, 1)
        return (x.numpy() + 1) / 2

    return dream


def test_check_dream_passes_a_right_dream_and_fails_a_descent(net):
    from cnnlab import checks

    image = _image()
    good = checks.check_dream(_hand_dream(net, "high", 5, 0.02), net, image, "high", steps=5, step_size=0.02)
    assert good.passed and good.accuracy > 0 and "Well done" in good.message
    bad = checks.check_dream(_hand_dream(net, "high", 5, 0.02, sign=-1), net, image, "high", steps=5,
                                step_size=0.02)
    assert not bad.passed and bad.accuracy < 0 and "step *up* the gradient" in bad.message
    assert "No dream function yet" in checks.check_dream(None, net, image, "high").message
    wrong_range = checks.check_dream(lambda im: im * 2 - 1, net, image, "high", steps=1)
    assert not wrong_range.passed and "return pixels in [0, 1]" in wrong_range.message
    assert "shape" in checks.check_dream(lambda im: im[:10], net, image, "high", steps=1).message
    with pytest.raises(ValueError, match="fn must be a function"):
        checks.check_dream("dream", net, image, "high")
