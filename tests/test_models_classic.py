"""The chapter's classic CNNs (cnnlab.models.classic) and their custom layers (cnnlab.models.layers).

Parameter counts and output shapes are the numbers of Tables 13-1 and 13-2 (with the corrections
the docstrings explain); each builder also runs one training step on a few random samples.
"""

import math

import keras
import numpy as np
import pytest

from cnnlab import ops
from cnnlab.models import alexnet, fashion_cnn, lenet5, mnist_cnn, typical_cnn
from cnnlab.models.layers import (
    LENET5_C3_CONNECTIONS,
    LocalResponseNormalization,
    PartialConv2D,
    RBFLoss,
    RBFOutput,
    ScaledAveragePooling2D,
    rbf_accuracy,
)

pytestmark = pytest.mark.tensorflow


def trainable_count(layer_or_model) -> int:
    return sum(math.prod(w.shape) for w in layer_or_model.trainable_weights)


def shape_of(model, name):
    return tuple(model.get_layer(name).output.shape[1:])


def one_training_step(model, x, y, **compile_kwargs):
    """Compile with plain SGD (no optimizer slots: least memory), take one step, return (loss, changed)."""
    model.compile(optimizer=keras.optimizers.SGD(0.01), **compile_kwargs)
    before = [w.numpy() for w in model.trainable_weights]
    result = model.train_on_batch(x, y, return_dict=True)
    changed = [not np.array_equal(b, w.numpy()) for b, w in zip(before, model.trainable_weights)]
    return result, changed


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(13)


# --------------------------------------------------------------------------- LocalResponseNormalization


@pytest.mark.parametrize("depth_radius", [0, 1, 2, 5])
@pytest.mark.parametrize("alpha", [0.00002, 0.1])
def test_lrn_matches_the_numpy_reference(rng, depth_radius, alpha):
    x = rng.normal(size=(2, 4, 5, 12)).astype(np.float32) * 3
    layer = LocalResponseNormalization(depth_radius=depth_radius, bias=1.5, alpha=alpha, beta=0.75)
    expected = ops.local_response_normalization(x, depth_radius=depth_radius, bias=1.5, alpha=alpha, beta=0.75)
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-5, atol=1e-6)


def test_lrn_defaults_are_alexnets_and_config_round_trips(rng):
    layer = LocalResponseNormalization(name="LRN1")
    assert (layer.depth_radius, layer.bias, layer.alpha, layer.beta) == (2, 1.0, 0.00002, 0.75)
    custom = LocalResponseNormalization(depth_radius=3, bias=2.0, alpha=0.05, beta=0.5, name="lrn")
    config = custom.get_config()
    assert {k: config[k] for k in ("depth_radius", "bias", "alpha", "beta")} == {
        "depth_radius": 3, "bias": 2.0, "alpha": 0.05, "beta": 0.5}
    clone = LocalResponseNormalization.from_config(config)
    x = rng.normal(size=(1, 3, 3, 8)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(clone(x)), np.asarray(custom(x)))
    # Registered: Keras finds the class by its registered name.
    revived = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(custom))
    assert type(revived) is LocalResponseNormalization and revived.get_config() == config


@pytest.mark.parametrize(
    "kwargs, name",
    [({"depth_radius": -1}, "depth_radius"), ({"bias": 0}, "bias"), ({"alpha": -0.1}, "alpha"),
     ({"beta": float("nan")}, "beta")],
)
def test_lrn_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=f"{name}="):
        LocalResponseNormalization(**kwargs)


# --------------------------------------------------------------------------- LeNet-5's layers


def test_c3_connection_table_is_lecuns_table_1():
    table = np.asarray(LENET5_C3_CONNECTIONS)
    assert table.shape == (6, 16) and table.sum() == 60
    inputs_per_map = table.sum(axis=0).tolist()
    assert inputs_per_map == [3] * 6 + [4] * 9 + [6]
    for j in range(6):  # maps 0-5: 3 contiguous S2 maps (cyclically), starting at map j
        assert set(np.flatnonzero(table[:, j])) == {j % 6, (j + 1) % 6, (j + 2) % 6}
    for j in range(6, 12):  # maps 6-11: 4 contiguous S2 maps
        assert set(np.flatnonzero(table[:, j])) == {(j - 6 + d) % 6 for d in range(4)}
    assert [np.flatnonzero(table[:, j]).tolist() for j in (12, 13, 14)] == [[0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5]]
    assert table[:, 15].all()
    assert table.sum(axis=1).tolist() == [10] * 6  # each S2 map feeds 10 C3 maps


def test_partial_conv_counts_only_connected_weights_and_convolves_with_the_masked_kernel(rng):
    layer = PartialConv2D(kernel_size=5, bias_initializer="random_normal")
    x = rng.normal(size=(2, 14, 14, 6)).astype(np.float32)
    y = np.asarray(layer(x))
    assert layer.count_params() == 1516 == 60 * 25 + 16 and trainable_count(layer) == 1516
    assert tuple(layer.kernel.shape) == (5, 5, 60)
    full = np.asarray(layer.full_kernel())
    assert full.shape == (5, 5, 6, 16)
    mask = np.asarray(LENET5_C3_CONNECTIONS)
    assert not full[:, :, ~mask].any() and np.all(full[:, :, mask] != 0)
    expected = ops.conv2d(x, full, bias=layer.bias.numpy())
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)


def test_partial_conv_gradients_leave_unconnected_weights_at_zero(rng):
    import tensorflow as tf

    layer = PartialConv2D(connections=[[1, 0], [1, 1]], kernel_size=3)
    x = tf.constant(rng.normal(size=(1, 6, 6, 2)).astype(np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) ** 2)
    (grad, _) = tape.gradient(loss, layer.trainable_weights)
    assert tuple(grad.shape) == (3, 3, 3) and layer.count_params() == 3 * 9 + 2
    clone = PartialConv2D.from_config(layer.get_config())
    assert clone.get_config()["connections"] == [[1, 0], [1, 1]]
    with pytest.raises(ValueError, match="output map"):
        PartialConv2D(connections=[[1, 0], [1, 0]])
    with pytest.raises(ValueError, match="3 channels"):
        PartialConv2D(connections=[[1, 0], [1, 1]], name="c")(np.zeros((1, 6, 6, 3), np.float32))


def test_scaled_average_pooling_is_coefficient_times_average_plus_bias(rng):
    layer = ScaledAveragePooling2D(2, activation="tanh")
    x = rng.normal(size=(2, 8, 8, 6)).astype(np.float32)
    layer.build(x.shape)
    coefficient, bias = rng.normal(size=6).astype(np.float32), rng.normal(size=6).astype(np.float32)
    layer.set_weights([coefficient, bias])
    expected = np.tanh(ops.avg_pool2d(x, 2) * coefficient + bias)
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-5, atol=1e-6)
    assert layer.count_params() == 12
    assert ScaledAveragePooling2D.from_config(layer.get_config()).get_config() == layer.get_config()


def test_rbf_output_is_the_squared_distance_to_each_centre(rng):
    layer = RBFOutput(10, seed=3)
    x = rng.normal(size=(4, 84)).astype(np.float32)
    d = np.asarray(layer(x))
    centres = layer.centres.numpy()
    assert centres.shape == (84, 10) and set(np.unique(centres)) == {-1.0, 1.0}
    expected = ((x[:, :, None] - centres[None]) ** 2).sum(axis=1)
    np.testing.assert_allclose(d, expected, rtol=1e-5)
    assert layer.count_params() == 840 and trainable_count(layer) == 0
    learnt = RBFOutput(10, trainable_centres=True)
    learnt.build((None, 84))
    assert trainable_count(learnt) == 840 == learnt.count_params()


def test_rbf_loss_is_lecuns_map_criterion():
    d = np.array([[3.0, 1.0, 7.0], [0.5, 9.0, 2.0]], np.float32)
    y = np.array([2, 0])
    j = 1.5
    per_sample = d[[0, 1], y] + np.log(np.exp(-j) + np.exp(-d).sum(axis=1))
    assert float(RBFLoss(j=j)(y, d)) == pytest.approx(per_sample.mean(), rel=1e-5)
    # Without the rubbish class (j -> infinity) it is cross-entropy on the negative distances.
    ce = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, -d)
    assert float(RBFLoss(j=1e4)(y, d)) == pytest.approx(float(ce), rel=1e-5)
    assert float(rbf_accuracy(y, d)) == 0.5


# --------------------------------------------------------------------------- LeNet-5


@pytest.fixture(scope="module")
def lenet():
    return lenet5()


def test_lenet5_trainable_parameters_per_layer_are_table_13_1s(lenet):
    counts = {name: trainable_count(lenet.get_layer(name)) for name in ("C1", "S2", "C3", "S4", "C5", "F6")}
    assert counts == {"C1": 156, "S2": 12, "C3": 1516, "S4": 32, "C5": 48120, "F6": 10164}
    assert sum(counts.values()) == 60_000 == trainable_count(lenet)
    assert lenet.get_layer("out").count_params() == 840 and lenet.count_params() == 60_840


def test_lenet5_output_shapes(lenet):
    assert shape_of(lenet, "pad") == (32, 32, 1)
    shapes = {name: shape_of(lenet, name) for name in ("C1", "S2", "C3", "S4", "C5", "F6", "out")}
    assert shapes == {"C1": (28, 28, 6), "S2": (14, 14, 6), "C3": (10, 10, 16), "S4": (5, 5, 16),
                      "C5": (1, 1, 120), "F6": (84,), "out": (10,)}
    assert isinstance(lenet.get_layer("C3"), PartialConv2D)
    assert isinstance(lenet.get_layer("out"), RBFOutput)


def test_lenet5_accepts_32x32_directly():
    model = lenet5(input_shape=(32, 32, 1))
    assert "pad" not in [layer.name for layer in model.layers]
    assert shape_of(model, "C1") == (28, 28, 6) and shape_of(model, "C5") == (1, 1, 120)


def test_lenet5_faithful_trains_one_step_and_saves(rng, tmp_path):
    model = lenet5()
    x = rng.uniform(size=(4, 28, 28, 1)).astype(np.float32)
    y = np.array([0, 1, 2, 3])
    result, changed = one_training_step(model, x, y, loss=RBFLoss(), metrics=[rbf_accuracy])
    assert np.isfinite(result["loss"]) and all(changed)
    path = tmp_path / "lenet5.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), rtol=1e-5)


def test_lenet5_modern_variant(rng):
    model = lenet5(faithful=False)
    counts = {layer.name: layer.count_params() for layer in model.layers}
    assert counts == {"input": 0, "pad": 0, "C1": 156, "S2": 0, "C3": 2416, "S4": 0, "C5": 48120, "flatten": 0,
                      "F6": 10164, "out": 850}
    assert model.count_params() == 61_706 and model.name == "lenet5_modern"
    assert shape_of(model, "S4") == (5, 5, 16)
    x = rng.uniform(size=(4, 28, 28, 1)).astype(np.float32)
    probabilities = np.asarray(model(x))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)
    result, changed = one_training_step(model, x, np.array([0, 1, 2, 3]),
                                        loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    assert np.isfinite(result["loss"]) and all(changed)


# --------------------------------------------------------------------------- typical CNN


def test_typical_cnn_shapes_counts_and_one_training_step(rng):
    model = typical_cnn()
    assert shape_of(model, "block1_conv1") == (28, 28, 64)
    assert shape_of(model, "block2_conv2") == (14, 14, 128)
    assert shape_of(model, "block3_pool") == (3, 3, 256)
    assert shape_of(model, "out") == (10,)
    assert model.count_params() == 1_413_834
    x = rng.uniform(size=(2, 28, 28, 1)).astype(np.float32)
    result, changed = one_training_step(model, x, np.array([3, 7]), loss="sparse_categorical_crossentropy")
    assert np.isfinite(result["loss"]) and all(changed)


# --------------------------------------------------------------------------- AlexNet


@pytest.fixture(scope="module")
def alex():
    return alexnet()


def test_alexnet_stage_shapes(alex):
    expected = {"C1": (55, 55, 96), "LRN1": (55, 55, 96), "S2": (27, 27, 96), "C3": (27, 27, 256),
                "LRN3": (27, 27, 256), "S4": (13, 13, 256), "C5": (13, 13, 384), "C6": (13, 13, 384),
                "C7": (13, 13, 256), "S8": (6, 6, 256), "F8": (4096,), "F9": (4096,), "out": (1000,)}
    assert {name: shape_of(alex, name) for name in expected} == expected
    assert isinstance(alex.get_layer("LRN1"), LocalResponseNormalization)


def test_alexnet_parameter_counts(alex):
    assert 58_000_000 <= alex.count_params() <= 63_000_000
    assert alex.count_params() == 62_378_344 == trainable_count(alex)
    assert alex.get_layer("F8").count_params() == 6 * 6 * 256 * 4096 + 4096 == 37_752_832


def test_alexnet_forward_pass_and_one_training_step(alex, rng):
    x = rng.uniform(size=(2, 227, 227, 3)).astype(np.float32)
    probabilities = np.asarray(alex(x))
    assert probabilities.shape == (2, 1000)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-4)
    result, changed = one_training_step(alex, x, np.array([1, 999]), loss="sparse_categorical_crossentropy")
    assert np.isfinite(result["loss"]) and all(changed)


def test_alexnet_pads_224_and_can_drop_lrn():
    padded = alexnet(input_shape=(224, 224, 3), num_classes=10)
    assert shape_of(padded, "pad") == (227, 227, 3) and shape_of(padded, "C1") == (55, 55, 96)
    del padded
    small = alexnet(input_shape=(67, 67, 3), num_classes=5, lrn=False)
    names = [layer.name for layer in small.layers]
    assert "LRN1" not in names and "LRN3" not in names
    assert shape_of(small, "S8") == (1, 1, 256) and shape_of(small, "out") == (5,)


# --------------------------------------------------------------------------- argument checks


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: typical_cnn(num_classes=0), "num_classes=0"),
        (lambda: typical_cnn(input_shape=(4, 4, 1)), r"input_shape=\(4, 4, 1\).*at least 8×8"),
        (lambda: typical_cnn(filters=(64, 0)), r"filters=\(64, 0\)"),
        (lambda: typical_cnn(dropout=1.0), "dropout=1.0"),
        (lambda: lenet5(num_classes=0), "num_classes=0"),
        (lambda: lenet5(num_classes=-3, faithful=False), "num_classes=-3"),
        (lambda: lenet5(input_shape=(20, 20, 1)), r"input_shape=\(20, 20, 1\).*at least 32×32"),
        (lambda: lenet5(input_shape=(28, 28)), r"input_shape=\(28, 28\)"),
        (lambda: lenet5(faithful="yes"), "faithful='yes'"),
        (lambda: alexnet(num_classes=0), "num_classes=0"),
        (lambda: alexnet(input_shape=(32, 32, 3)), r"input_shape=\(32, 32, 3\).*at least 67×67"),
        (lambda: alexnet(dropout=-0.5), "dropout=-0.5"),
        (lambda: RBFOutput(0), "num_classes=0"),
    ],
)
def test_builders_reject_bad_arguments(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_mnist_cnn_shapes_and_names():
    model = mnist_cnn()
    assert [layer.name for layer in model.layers[1:5]] == ["block1_conv", "block1_bn", "block1_relu", "block1_pool"]
    assert model.get_layer("block2_conv").output.shape == (None, 12, 12, 48)
    assert model.output.shape == (None, 10)
    assert not model.get_layer("block1_conv").use_bias  # batch normalisation supplies the bias
    small = mnist_cnn(filters=(4, 8), dropout=0.0, num_classes=3)
    assert small.get_layer("block2_pool").output.shape == (None, 6, 6, 8) and small.output.shape == (None, 3)
    with pytest.raises(ValueError, match="too small for mnist_cnn"):
        mnist_cnn(input_shape=(8, 8, 1))
    with pytest.raises(ValueError, match="dropout must be a number in"):
        mnist_cnn(dropout=1.0)


def test_fashion_cnn_shapes_names_and_parameters():
    model = fashion_cnn()
    names = [layer.name for layer in model.layers]
    assert names[5:11] == ["block2_conv1", "block2_bn1", "block2_relu1", "block2_conv2", "block2_bn2", "block2_relu2"]
    assert model.get_layer("block2_pool").output.shape == (None, 7, 7, 64)
    assert model.get_layer("block3_relu").output.shape == (None, 5, 5, 128)
    # 3x3 kernels without bias, batch normalisation (4 per channel), the dense layer and the softmax
    convs = 9 * (1 * 32 + 32 * 64 + 64 * 64 + 64 * 128)
    assert model.count_params() == convs + 4 * (32 + 64 + 64 + 128 + 256) + 3200 * 256 + 256 * 10 + 10
    assert not any(getattr(layer, "use_bias", False) for layer in model.layers if layer.name != "out")
    with pytest.raises(ValueError, match="filters must hold 3 numbers"):
        fashion_cnn(filters=(8, 8))
    with pytest.raises(ValueError, match="too small for fashion_cnn"):
        fashion_cnn(input_shape=(8, 8, 1))


# --------------------------------------------------------------------------- the memory check's count


class _Estimate(Exception):
    """Raised by the recording check_memory when the model need not be built."""


def _recorded_estimate(monkeypatch, build, *, stop: bool = False):
    """The bytes the builder's memory check was asked about (8 per weight), and the model unless ``stop``."""
    from cnnlab.models import classic

    seen = []

    def record(name, nbytes, **options):
        seen.append(nbytes)
        if stop:
            raise _Estimate
        return nbytes

    monkeypatch.setattr(classic, "check_memory", record)
    model = None
    try:
        model = build()
    except _Estimate:
        pass
    assert len(seen) == 1
    return seen[0], model


@pytest.mark.parametrize("build", [
    lambda: typical_cnn(),
    lambda: typical_cnn(input_shape=(32, 32, 3), filters=(8, 16), dense_units=(12,), num_classes=5),
    lambda: mnist_cnn(),
    lambda: fashion_cnn(),
    lambda: lenet5(),
    lambda: lenet5(faithful=False),
], ids=["typical", "typical-rgb", "mnist", "fashion", "lenet5", "lenet5-modern"])
def test_the_memory_check_counts_the_weights_keras_creates(monkeypatch, build):
    """The builders' estimate (cnnlab.memory's arithmetic, before any weight exists) is Keras' count_params()."""
    nbytes, model = _recorded_estimate(monkeypatch, build)
    assert nbytes == 8 * model.count_params()


def test_the_memory_check_counts_alexnets_weights(monkeypatch):
    # Not built twice: its count_params() is 62,378,344 (test_alexnet_parameter_counts checks that).
    nbytes, _ = _recorded_estimate(monkeypatch, alexnet, stop=True)
    assert nbytes == 8 * 62_378_344
