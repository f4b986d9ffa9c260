"""GoogLeNet (Figures 13-10, 13-11) and ResNet (Figures 13-12 to 13-15): shapes, parameter counts, skips, training.

The full-size networks are built once per module at 224×224 for the shapes and
counts; training steps run eagerly on 64×64 (96×96 with auxiliary classifiers)
batches of two, which is much faster on a CPU than tracing the graphs.
"""

from __future__ import annotations

import importlib
import re

import numpy as np
import pytest


@pytest.fixture(scope="module")
def keras():
    import keras

    return keras


@pytest.fixture(scope="module")
def gn():
    return importlib.import_module("cnnlab.models.googlenet")


@pytest.fixture(scope="module")
def rn():
    return importlib.import_module("cnnlab.models.resnet")


@pytest.fixture(scope="module")
def googlenet_224(gn):
    return gn.googlenet()


@pytest.fixture(scope="module")
def resnet34_224(rn):
    return rn.resnet34()


@pytest.fixture(scope="module")
def resnet152_224(rn):
    return rn.resnet152()


def batch(shape, classes=5, n=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, *shape)).astype("float32"), np.arange(n) % classes


def train_one_step(keras, model, x, y, loss="sparse_categorical_crossentropy", **compile_args):
    """Compile (eagerly: no graph tracing), take one SGD step, return the loss and whether every weight moved."""
    before = [w.numpy() for w in model.trainable_weights]
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss=loss, run_eagerly=True, **compile_args)
    loss = model.train_on_batch(x, y)
    loss = float(np.ravel(loss)[0])
    moved = [not np.array_equal(b, w.numpy()) for b, w in zip(before, model.trainable_weights)]
    return loss, moved


def shape_of(model, layer):
    return tuple(model.get_layer(layer).output.shape[1:])


# ----------------------------------------------------------------------------- inception module


@pytest.mark.tensorflow
def test_inception_module_stacks_four_branches_and_keeps_the_size(keras, gn):
    inputs = keras.Input((9, 11, 20))
    outputs = gn.inception_module(inputs, 3, 4, 5, 2, 6, 7, name="inception9z")
    model = keras.Model(inputs, outputs)
    assert tuple(outputs.shape) == (None, 9, 11, 3 + 5 + 6 + 7)
    names = {layer.name for layer in model.layers}
    assert {f"inception9z_{part}" for part in
            ("1x1", "3x3_reduce", "3x3", "5x5_reduce", "5x5", "pool", "pool_proj", "concat")} <= names
    for part, size in (("1x1", 1), ("3x3_reduce", 1), ("3x3", 3), ("5x5_reduce", 1), ("5x5", 5), ("pool_proj", 1)):
        conv = model.get_layer(f"inception9z_{part}")
        assert conv.kernel_size == (size, size) and conv.strides == (1, 1) and conv.padding == "same"
        assert conv.activation.__name__ == "relu"
    pool = model.get_layer("inception9z_pool")
    assert pool.pool_size == (3, 3) and pool.strides == (1, 1) and pool.padding == "same"
    # Depth concatenation in branch order: the first 3 channels are the 1×1 branch.
    x, _ = batch((9, 11, 20))
    np.testing.assert_allclose(np.asarray(model(x))[..., :3], np.asarray(model.get_layer("inception9z_1x1")(x)),
                               rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------- GoogLeNet


@pytest.mark.tensorflow
def test_googlenet_stage_shapes_and_parameter_count(gn, googlenet_224):
    model = googlenet_224
    assert shape_of(model, "stem_pool2") == (28, 28, 192)
    assert shape_of(model, "inception3b_concat") == (28, 28, 480)
    assert shape_of(model, "inception4e_concat") == (14, 14, 832)
    assert shape_of(model, "inception5b_concat") == (7, 7, 1024)
    assert tuple(model.output.shape) == (None, 1000)
    assert model.count_params() == gn.PARAMETERS["main"] == 6_998_552
    assert 6_000_000 < model.count_params() < 7_000_000
    filters = {name: shape_of(model, f"inception{name}_concat")[-1] for name in gn.INCEPTION_FILTERS}
    assert filters == {name: c1 + c3 + c5 + pp for name, (c1, _, c3, _, c5, pp) in gn.INCEPTION_FILTERS.items()}
    assert model.get_layer("dropout").rate == pytest.approx(0.4)
    assert type(model.get_layer("stem_lrn1")).__name__ == "LocalResponseNormalization"


@pytest.mark.tensorflow
def test_googlenet_auxiliary_classifiers_give_three_outputs_weighted_1_03_03(keras, gn):
    full = gn.googlenet(aux_classifiers=True)
    assert full.count_params() == gn.PARAMETERS["with_aux"] == 13_378_280
    assert tuple(full.get_layer("aux1_avg_pool").output.shape[1:]) == (4, 4, 512)  # 14×14 after 4a, 5×5/3 VALID
    assert tuple(full.get_layer("aux2_avg_pool").output.shape[1:]) == (4, 4, 528)  # after 4d

    model = gn.googlenet(input_shape=(96, 96, 3), num_classes=4, aux_classifiers=True)
    assert [output._keras_history[0].name for output in model.outputs] == [
        "predictions", "aux1_predictions", "aux2_predictions"]
    assert [tuple(output.shape) for output in model.outputs] == [(None, 4)] * 3
    assert gn.AUX_LOSS_WEIGHTS == (1.0, 0.3, 0.3)
    x, y = batch((96, 96, 3), classes=4)
    loss, moved = train_one_step(keras, model, x, [y, y, y], loss=["sparse_categorical_crossentropy"] * 3,
                                 loss_weights=list(gn.AUX_LOSS_WEIGHTS))
    assert np.isfinite(loss) and all(moved)
    # The compiled loss is main + 0.3 aux1 + 0.3 aux2 (evaluated without dropout).
    predictions = [np.asarray(p) for p in model(x, training=False)]
    cross_entropy = [float(np.mean(-np.log(p[np.arange(len(y)), y]))) for p in predictions]
    expected = cross_entropy[0] + 0.3 * cross_entropy[1] + 0.3 * cross_entropy[2]
    evaluated = model.evaluate(x, [y, y, y], verbose=0, return_dict=True)["loss"]
    assert evaluated == pytest.approx(expected, rel=1e-4)


@pytest.mark.tensorflow
def test_googlenet_forward_pass_and_one_training_step_on_a_small_input(keras, gn):
    model = gn.googlenet(input_shape=(64, 64, 3), num_classes=5)
    x, y = batch((64, 64, 3))
    probabilities = np.asarray(model(x, training=False))
    assert probabilities.shape == (2, 5)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    loss, moved = train_one_step(keras, model, x, y)
    assert np.isfinite(loss) and all(moved)


@pytest.mark.tensorflow
@pytest.mark.parametrize(
    "kwargs, quoted",
    [
        (dict(input_shape=(31, 224, 3)), "input_shape=(31, 224, 3)"),
        (dict(input_shape=(64, 64, 3), aux_classifiers=True), "input_shape=(64, 64, 3)"),
        (dict(input_shape=(224, 224)), "input_shape=(224, 224)"),
        (dict(num_classes=0), "num_classes=0"),
        (dict(num_classes=2.5), "num_classes=2.5"),
        (dict(dropout=1.0), "dropout=1.0"),
        (dict(aux_classifiers="yes"), "aux_classifiers='yes'"),
    ],
)
def test_googlenet_rejects_bad_arguments(gn, kwargs, quoted):
    with pytest.raises(ValueError, match=f"^{quoted.split('=')[0]} .*received {re.escape(quoted)}"):
        gn.googlenet(**kwargs)


@pytest.mark.tensorflow
@pytest.mark.parametrize("argument, value", [("c1", 0), ("c3", -2), ("pool_proj", 1.5)])
def test_inception_module_rejects_non_positive_filter_counts(keras, gn, argument, value):
    counts = dict(c1=1, c3_reduce=1, c3=1, c5_reduce=1, c5=1, pool_proj=1) | {argument: value}
    with pytest.raises(ValueError, match=f"^{argument} must be a positive integer, received {argument}={value}"):
        gn.inception_module(keras.Input((8, 8, 3)), **counts)
    with pytest.raises(ValueError, match=r"x must be a 4-D tensor \(batch, height, width, channels\), received x with shape"):
        gn.inception_module(keras.Input((8, 3)), 1, 1, 1, 1, 1, 1)


# ----------------------------------------------------------------------------- residual units


@pytest.mark.tensorflow
def test_residual_unit_identity_skip_keeps_the_shape_and_projection_skip_halves_it(keras, rn):
    inputs = keras.Input((8, 8, 16))
    same = keras.Model(inputs, rn.residual_unit(inputs, 16, name="stage2_unit2"))
    assert tuple(same.output.shape) == (None, 8, 8, 16)
    assert not [layer for layer in same.layers if "skip" in layer.name]
    assert same.count_params() == 2 * (3 * 3 * 16 * 16 + 4 * 16)

    halved = keras.Model(inputs, rn.residual_unit(inputs, 32, strides=2, name="stage3_unit1"))
    assert tuple(halved.output.shape) == (None, 4, 4, 32)
    projection = halved.get_layer("stage3_unit1_skip_conv")
    assert projection.kernel_size == (1, 1) and projection.strides == (2, 2) and not projection.use_bias
    assert type(halved.get_layer("stage3_unit1_skip_bn")).__name__ == "BatchNormalization"
    assert halved.get_layer("stage3_unit1_conv1").strides == (2, 2)
    assert halved.get_layer("stage3_unit1_conv2").strides == (1, 1)

    wider = keras.Model(inputs, rn.residual_unit(inputs, 24, name="u"))  # more maps, same size: 1×1 stride 1
    assert wider.get_layer("u_skip_conv").strides == (1, 1) and tuple(wider.output.shape) == (None, 8, 8, 24)


@pytest.mark.tensorflow
@pytest.mark.parametrize("unit, filters, last_bn", [("residual_unit", 16, "bn2"), ("bottleneck_unit", 4, "bn3")])
def test_a_unit_whose_last_batch_norm_has_zero_gamma_outputs_relu_of_its_input(keras, rn, unit, filters, last_bn):
    inputs = keras.Input((6, 6, 16))
    model = keras.Model(inputs, getattr(rn, unit)(inputs, filters, name="unit"))
    bn = model.get_layer(f"unit_{last_bn}")
    bn.gamma.assign(np.zeros(bn.gamma.shape, "float32"))
    x, _ = batch((6, 6, 16), seed=1)
    np.testing.assert_allclose(np.asarray(model(x, training=False)), np.maximum(x, 0), atol=1e-6)


@pytest.mark.tensorflow
def test_bottleneck_unit_shrinks_then_expands_four_times(keras, rn):
    inputs = keras.Input((8, 8, 64))
    model = keras.Model(inputs, rn.bottleneck_unit(inputs, 32, strides=2, name="stage3_unit1"))
    assert tuple(model.output.shape) == (None, 4, 4, 128)
    kernels = [model.get_layer(f"stage3_unit1_conv{i}").kernel_size for i in (1, 2, 3)]
    assert kernels == [(1, 1), (3, 3), (1, 1)]
    assert [model.get_layer(f"stage3_unit1_conv{i}").filters for i in (1, 2, 3)] == [32, 32, 128]
    assert model.get_layer("stage3_unit1_skip_conv").strides == (2, 2)
    identity_input = keras.Input((8, 8, 128))
    identity = keras.Model(identity_input, rn.bottleneck_unit(identity_input, 32, name="u"))
    assert not [layer for layer in identity.layers if "skip" in layer.name]


# ----------------------------------------------------------------------------- ResNet-34 and ResNet-152


@pytest.mark.tensorflow
def test_resnet34_parameter_count_and_stage_shapes(rn, resnet34_224):
    model = resnet34_224
    assert model.count_params() == rn.PARAMETERS["resnet34"] == 21_814_696
    assert 21_500_000 < model.count_params() < 22_000_000
    ends = {2: "stage2_unit3_out", 3: "stage3_unit4_out", 4: "stage4_unit6_out", 5: "stage5_unit3_out"}
    assert [shape_of(model, name) for name in ends.values()] == [(56, 56, 64), (28, 28, 128), (14, 14, 256),
                                                                 (7, 7, 512)]
    assert shape_of(model, "stem_pool") == (56, 56, 64)
    assert model.get_layer("stage2_unit1_conv1").name == "stage2_unit1_conv1"
    assert sum(1 for layer in model.layers if layer.name.endswith("_add")) == 3 + 4 + 6 + 3


@pytest.mark.tensorflow
def test_resnet152_parameter_count_and_stage_shapes(rn, resnet152_224):
    model = resnet152_224
    assert model.count_params() == rn.PARAMETERS["resnet152"] == 60_344_232
    assert 60_000_000 < model.count_params() < 60_500_000
    ends = {2: "stage2_unit3_out", 3: "stage3_unit8_out", 4: "stage4_unit36_out", 5: "stage5_unit3_out"}
    assert [shape_of(model, name) for name in ends.values()] == [(56, 56, 256), (28, 28, 512), (14, 14, 1024),
                                                                 (7, 7, 2048)]
    # Keras' ResNet152 (60,419,944) differs only by a bias on each of the 75,712 convolution filters.
    filters = sum(layer.filters for layer in model.layers if type(layer).__name__ == "Conv2D")
    assert model.count_params() + filters == 60_419_944


@pytest.mark.tensorflow
@pytest.mark.parametrize("builder", ["resnet34", "resnet152"])
def test_resnet_forward_pass_and_one_training_step_on_a_small_input(keras, rn, builder):
    model = getattr(rn, builder)(input_shape=(64, 64, 3), num_classes=5)
    x, y = batch((64, 64, 3))
    assert np.asarray(model(x, training=False)).shape == (2, 5)
    loss, moved = train_one_step(keras, model, x, y)
    assert np.isfinite(loss) and all(moved)


@pytest.mark.tensorflow
def test_generic_resnet_accepts_a_custom_block_and_checks_the_input_size(keras, rn):
    calls = []

    def block(x, filters, strides, name):
        calls.append((filters, strides, name))
        return keras.layers.Conv2D(filters, 3, strides=strides, padding="same", name=f"{name}_conv")(x)

    model = rn.resnet(block, (2, 1), (8, 16), input_shape=(8, 8, 1), num_classes=3, name="custom")
    assert calls == [(8, 1, "stage2_unit1"), (8, 1, "stage2_unit2"), (16, 2, "stage3_unit1")]
    assert tuple(model.output.shape) == (None, 3) and model.name == "custom"
    with pytest.raises(ValueError, match=r"^input_shape must be at least 8×8 .*received input_shape=\(7, 8, 1\)"):
        rn.resnet(block, (2, 1), (8, 16), input_shape=(7, 8, 1))


@pytest.mark.tensorflow
@pytest.mark.parametrize(
    "call, quoted",
    [
        (lambda rn: rn.resnet34(input_shape=(16, 16, 3)), "input_shape=(16, 16, 3)"),
        (lambda rn: rn.resnet152(num_classes=-1), "num_classes=-1"),
        (lambda rn: rn.resnet("basic", (3, 0), (64, 128)), "units_per_stage=(3, 0)"),
        (lambda rn: rn.resnet("basic", (3, 4), (64,)), "filters_per_stage=(64,)"),
        (lambda rn: rn.resnet("dense", (3,), (64,)), "block='dense'"),
        (lambda rn: rn.residual_unit(importlib.import_module("keras").Input((8, 8, 4)), 0), "filters=0"),
        (lambda rn: rn.bottleneck_unit(importlib.import_module("keras").Input((8, 8, 4)), 4, strides=3), "strides=3"),
    ],
)
def test_resnet_builders_reject_bad_arguments(rn, call, quoted):
    argument = quoted.split("=")[0]
    with pytest.raises(ValueError, match=rf"^{argument} .*received {re.escape(quoted)}"):
        call(rn)


# ----------------------------------------------------------------------------- the memory check's count


def _estimates(monkeypatch, rn):
    seen = []
    monkeypatch.setattr(rn, "check_memory", lambda name, nbytes, **options: seen.append(nbytes) or nbytes)
    return seen


@pytest.mark.tensorflow
@pytest.mark.parametrize("unit, channels, filters, strides", [
    ("residual_unit", 16, 16, 1), ("residual_unit", 8, 16, 2), ("bottleneck_unit", 16, 4, 1),
    ("bottleneck_unit", 8, 4, 2), ("bottleneck_unit", 3, 8, 1)])
def test_a_units_memory_check_counts_the_weights_keras_creates(keras, rn, monkeypatch, unit, channels, filters,
                                                              strides):
    seen = _estimates(monkeypatch, rn)
    inputs = keras.Input((8, 8, channels))
    model = keras.Model(inputs, getattr(rn, unit)(inputs, filters, strides=strides))
    assert seen == [8 * model.count_params()]


@pytest.mark.tensorflow
@pytest.mark.parametrize("block", ["basic", "bottleneck"])
def test_resnets_memory_check_counts_the_weights_keras_creates(keras, rn, monkeypatch, block):
    seen = _estimates(monkeypatch, rn)
    model = rn.resnet(block, (2, 1), (8, 16), input_shape=(32, 32, 3), num_classes=5)
    assert seen[0] == 8 * model.count_params()  # the whole network's, before its units check their own
