"""cnnlab.memory: the chapter's figures, exercise 2, and agreement with Keras (from_keras and its engine,
cnnlab/_keras_reading.py). Other tests: tests/reliability/test_bad_input.py, test_resources.py."""

import json
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlab import memory
from cnnlab.memory import (
    LayerStats,
    Network,
    bytes_per_value,
    conv2d_layer,
    conv2d_stats,
    dense_layer,
    dense_stats,
    flatten_layer,
    flatten_stats,
    format_bytes,
    pool2d_layer,
    pool2d_stats,
    stack,
)

MiB, GiB = 2**20, 2**30


def exercise_2() -> Network:
    return stack((200, 300, 3), [conv2d_layer(100, 3, strides=2, padding="SAME"),
                                 conv2d_layer(200, 3, strides=2, padding="SAME"),
                                 conv2d_layer(400, 3, strides=2, padding="SAME")])


# ----------------------------------------------------------------------------- the chapter's layer


def test_the_chapters_convolutional_layer():
    layer = conv2d_stats((150, 100, 3), filters=200, kernel_size=5, strides=1, padding="SAME")
    assert layer.output_shape == (150, 100, 200)
    assert layer.params == (5 * 5 * 3 + 1) * 200 == 15_200
    assert layer.multiplications == 150 * 100 * 200 * 5 * 5 * 3 == 225_000_000
    assert layer.bytes_per_instance("float32") == 200 * 150 * 100 * 4 == 12_000_000
    assert round(layer.bytes_per_instance() / MiB, 1) == 11.4          # the book's "11.4 MB" is MiB
    assert format_bytes(layer.bytes_per_instance()) == "11.4 MiB"
    assert layer.bytes_per_batch(100) == 1_200_000_000                   # "1.2 GB" for a batch of 100
    assert layer.bytes_per_batch(100) > GiB                               # over 1 GiB, too
    assert format_bytes(layer.bytes_per_batch(100)) == "1.1 GiB"
    assert format_bytes(layer.bytes_per_batch(100), binary=False) == "1.2 GB"


def test_float16_halves_every_byte_count():
    layer = conv2d_stats((150, 100, 3), 200, 5)
    net = exercise_2()
    assert layer.bytes_per_instance("float16") * 2 == layer.bytes_per_instance("float32")
    assert layer.bytes_per_batch(100, "float16") == 600_000_000
    assert layer.param_bytes("float16") * 2 == layer.param_bytes("float32")
    for method in (net.ram_inference, net.ram_training, net.feature_map_bytes):
        assert method(50, "float16") * 2 == method(50, "float32")
    assert bytes_per_value("float16") == 2 and bytes_per_value("float32") == 4


# ----------------------------------------------------------------------------- exercise 2


def test_exercise_2_parameters_and_shapes():
    net = exercise_2()
    assert [layer.output_shape for layer in net.layers] == [(100, 150, 100), (50, 75, 200), (25, 38, 400)]
    assert [layer.params for layer in net.layers] == [2_800, 180_200, 720_400]
    assert net.total_params == 903_400
    assert net.param_bytes() == 3_613_600                                 # the book's "about 3.6 MB"
    assert [layer.name for layer in net.layers] == ["conv2d_1", "conv2d_2", "conv2d_3"]


def test_exercise_2_ram_for_one_instance_and_a_batch_of_50():
    net = exercise_2()
    outputs = [layer.bytes_per_instance() for layer in net.layers]
    assert outputs == [6_000_000, 3_000_000, 1_520_000]                   # 6 MB, 3 MB, 1.5 MB
    # Inference: layers 1 and 2 held together (9 MB) plus the parameters: the book's 12,613,600 bytes.
    assert net.ram_inference(1) == 9_000_000 + 3_613_600 == 12_613_600
    assert net.ram_inference(50) == 50 * 9_000_000 + 3_613_600 == 453_613_600
    # Training: the input batch (36 MB), every output (50 × 10.52 MB), the parameters; the book rounds
    # the third layer to 1.5 MB and gets "roughly 564.6 MB".
    assert net.feature_map_bytes(50) == 36_000_000 + 50 * 10_520_000
    assert net.ram_training(50) == 36_000_000 + 526_000_000 + 3_613_600 == 565_613_600
    assert net.ram_training(1) == 720_000 + 10_520_000 + 3_613_600 == 14_853_600


@pytest.mark.tensorflow
def test_exercise_2_agrees_with_keras():
    import keras

    model = keras.Sequential([keras.Input((200, 300, 3))] + [
        keras.layers.Conv2D(filters, 3, strides=2, padding="same") for filters in (100, 200, 400)
    ])
    net = exercise_2()
    assert model.count_params() == net.total_params == 903_400
    assert [tuple(layer.output.shape[1:]) for layer in model.layers] == [l.output_shape for l in net.layers]
    assert [layer.count_params() for layer in model.layers] == [l.params for l in net.layers]
    read = memory.from_keras(model)
    assert read.layers == tuple(
        LayerStats(k.name, s.kind, s.input_shape, s.output_shape, s.params, s.multiplications)
        for k, s in zip(model.layers, net.layers)
    )
    assert read.ram_training(50) == net.ram_training(50) and read.ram_inference(50) == net.ram_inference(50)


# ----------------------------------------------------------------------------- layer arithmetic


@pytest.mark.parametrize("size, kernel, stride, same, valid", [
    (28, 5, 1, 28, 24),
    (13, 6, 5, 3, 2),          # the chapter's figure of padding with stride 5
    (200, 3, 2, 100, 99),
    (5, 5, 1, 5, 1),
    (7, 1, 3, 3, 3),
])
def test_same_and_valid_output_sizes(size, kernel, stride, same, valid):
    assert conv2d_stats((size, size, 1), 1, kernel, stride, "SAME").output_shape[:2] == (same, same)
    assert conv2d_stats((size, size, 1), 1, kernel, stride, "valid").output_shape[:2] == (valid, valid)


def test_rectangular_kernels_and_strides_and_no_bias():
    layer = conv2d_stats((32, 48, 16), 8, (3, 5), strides=(1, 2), padding="VALID", use_bias=False)
    assert layer.output_shape == (30, 22, 8)
    assert layer.params == 3 * 5 * 16 * 8
    assert layer.multiplications == 30 * 22 * 8 * 3 * 5 * 16


def test_pooling_has_no_parameters_nor_multiplications():
    pool = pool2d_stats((150, 100, 200), 2)
    assert (pool.kind, pool.output_shape, pool.params, pool.multiplications) == ("max_pool2d", (75, 50, 200), 0, 0)
    assert pool2d_stats((7, 7, 3), 3, strides=2).output_shape == (3, 3, 3)          # VALID by default
    assert pool2d_stats((7, 7, 3), 2, padding="same").output_shape == (4, 4, 3)
    average = pool2d_stats((4, 4, 1), (2, 1), mode="average", name="avg")
    assert (average.name, average.kind, average.output_shape) == ("avg", "avg_pool2d", (2, 4, 1))


def test_dense_and_flatten():
    flat = flatten_stats((7, 7, 64))
    assert flat.output_shape == (3136,) and flat.params == 0 and not flat.stores_output
    dense = dense_stats(flat.output_shape, 128)
    assert dense.params == 3136 * 128 + 128 and dense.multiplications == 3136 * 128
    assert dense_stats(10, 1, use_bias=False).params == 10
    assert dense_stats((5, 10), 3).output_shape == (5, 3)                         # on the last axis, as Keras


def test_a_small_cnn_stacked_layer_by_layer():
    net = stack((28, 28, 1), [conv2d_layer(32, 3), pool2d_layer(2), conv2d_layer(64, 3),
                              pool2d_layer(2, name="pool"), flatten_layer(), dense_layer(10)])
    assert [layer.name for layer in net.layers] == ["conv2d_1", "max_pool2d_1", "conv2d_2", "pool",
                                                    "flatten_1", "dense_1"]
    assert net.output_shape == (10,)
    assert net.total_params == (9 + 1) * 32 + (9 * 32 + 1) * 64 + (7 * 7 * 64 + 1) * 10
    # Inference peak: conv2d_1 and the pooling after it; the flatten view adds nothing to training.
    values = [784, 28 * 28 * 32, 14 * 14 * 32, 14 * 14 * 64, 7 * 7 * 64, 10]
    assert net.ram_inference(8) == 8 * 4 * (values[1] + values[2]) + 4 * net.total_params
    assert net.ram_training(8) == 8 * 4 * sum(values) + 4 * net.total_params


def test_summary_and_html_show_every_layer_and_the_totals():
    net = exercise_2()
    text = net.summary(batch_size=50)
    assert "conv2d_3" in text and "25×38×400" in text and "903,400" in text
    assert "RAM for training, batch of 50: 539.4 MiB (565,613,600 bytes)" in text
    page = net._repr_html_()
    assert page.startswith("<table>") and "<td>720,400</td>" in page and "12,613,600 bytes" in page


def test_a_network_of_no_layers_holds_its_input():
    net = Network((10, 10, 3), ())
    assert net.total_params == 0 and net.output_shape == (10, 10, 3)
    assert net.ram_inference(2) == net.ram_training(2) == 2 * 300 * 4


@given(st.integers(1, 64), st.integers(1, 64), st.integers(1, 8), st.integers(1, 32), st.integers(1, 7),
       st.integers(1, 4), st.sampled_from(["SAME", "VALID"]), st.integers(1, 16))
def test_training_never_needs_less_than_inference(h, w, c, f, k, s, padding, batch):
    k = min(k, h, w)
    net = stack((h, w, c), [conv2d_layer(f, k, s, padding), conv2d_layer(f, 1), pool2d_layer(1)])
    assert net.ram_training(batch) >= net.ram_inference(batch) >= net.param_bytes()
    assert net.ram_inference(batch, "float16") * 2 == net.ram_inference(batch)


@pytest.mark.parametrize("n, binary, text", [
    (0, True, "0 B"), (1023, True, "1023 B"), (1024, True, "1.0 KiB"), (1536, True, "1.5 KiB"),
    (1_048_575, True, "1.0 MiB"), (3_613_600, True, "3.4 MiB"), (3_613_600, False, "3.6 MB"),
    (2**40, True, "1.0 TiB"), (999, False, "999 B"),
])
def test_format_bytes(n, binary, text):
    assert format_bytes(n, binary=binary) == text


# ----------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize("call, message", [
    (lambda: conv2d_stats((150, 100), 200, 5), r"input_shape must be a tuple of 3 positive integers, received input_shape=\(150, 100\)"),
    (lambda: conv2d_stats((150, 100, 0), 200, 5), r"input_shape=\(150, 100, 0\)"),
    (lambda: conv2d_stats((150, 100, 3), 0, 5), r"filters must be a positive integer, received filters=0"),
    (lambda: conv2d_stats((150, 100, 3), 2.5, 5), r"filters=2.5"),
    (lambda: conv2d_stats((150, 100, 3), 200, (5, 0)), r"kernel_size must be .*received kernel_size=\(5, 0\)"),
    (lambda: conv2d_stats((150, 100, 3), 200, 5, strides=0), r"strides must be .*received strides=0"),
    (lambda: conv2d_stats((150, 100, 3), 200, 5, padding="full"), r"padding must be one of 'SAME', 'VALID', received padding='full'"),
    (lambda: conv2d_stats((3, 3, 1), 1, 5, padding="VALID"), r"kernel_size=\(5, 5\) does not fit in the 3×3 input with padding='VALID'.*padding='SAME'"),
    (lambda: conv2d_stats((9, 9, 1), 1, 3, use_bias="yes"), r"use_bias must be True or False, received use_bias='yes'"),
    (lambda: pool2d_stats((1, 4, 1), 2), r"pool_size=\(2, 2\) does not fit in the 1×4 input"),
    (lambda: pool2d_stats((4, 4, 1), 2, mode="median"), r"mode must be one of 'max', 'average', received mode='median'"),
    (lambda: dense_stats((10,), -3), r"units must be a positive integer, received units=-3"),
    (lambda: dense_stats("10", 3), r"input_shape must be a tuple of positive integers, received input_shape='10'"),
    (lambda: conv2d_stats((9, 9, 1), 1, 3).bytes_per_batch(0), r"batch_size must be a positive integer, received batch_size=0"),
    (lambda: exercise_2().ram_training(50, "int8"), r"dtype must be one of .*received dtype='int8'"),
    (lambda: stack((8, 8, 1), [conv2d_layer(4, 3), "dense"]), r"layers\[1\] must be a layer spec .*received layers\[1\]='dense'"),
    (lambda: stack((8, 8, 1), conv2d_layer(4, 3)), r"layers must be a list of layer specs"),
    (lambda: stack((8, 8, 1), [conv2d_layer(4, 5, padding="VALID"), conv2d_layer(4, 5, padding="VALID")]),
     r"layers\[1\] \(conv2d_2, input 4×4×4\): kernel_size=\(5, 5\) does not fit"),
    (lambda: conv2d_layer(4, 3, name=""), r"name must be a non-empty string, received name=''"),
    (lambda: Network((4, 4, 1), ("conv",)), r"layers\[0\] must be a LayerStats"),
    (lambda: format_bytes(-1), r"n must be a non-negative number of bytes, received n=-1"),
])
def test_bad_arguments_are_refused_with_the_argument_and_value(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ----------------------------------------------------------------------------- Keras models


def test_importing_memory_loads_no_tensorflow():
    probe = "import sys, json, cnnlab.memory\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    loaded = set(json.loads(out.splitlines()[-1]))
    assert "tensorflow" not in loaded and "keras" not in loaded


def _check_against_keras(model, net):
    keras_layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    assert net.total_params == model.count_params()
    assert [layer.params for layer in net.layers] == [layer.count_params() for layer in keras_layers]
    assert [layer.output_shape for layer in net.layers] == [tuple(l.output.shape[1:]) for l in keras_layers]
    assert [layer.name for layer in net.layers] == [layer.name for layer in keras_layers]


@pytest.mark.tensorflow
def test_from_keras_reads_a_sequential_cnn():
    import keras

    L = keras.layers
    model = keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"), L.MaxPool2D(),
        L.Conv2D(64, 3, padding="same", activation="relu"), L.AveragePooling2D(2),
        L.Flatten(), L.Dense(64, activation="relu"), L.Dropout(0.5), L.Dense(10, activation="softmax"),
    ])
    net = memory.from_keras(model)
    _check_against_keras(model, net)
    assert net.input_shape == (28, 28, 1)
    assert [layer.kind for layer in net.layers] == ["conv2d", "max_pool2d", "conv2d", "avg_pool2d", "flatten",
                                                    "dense", "Dropout", "dense"]
    # The same network written with cnnlab.memory's own specs gives the same numbers.
    ours = stack((28, 28, 1), [conv2d_layer(32, 3, padding="VALID"), pool2d_layer(2), conv2d_layer(64, 3),
                               pool2d_layer(2, mode="average"), flatten_layer(), dense_layer(64), dense_layer(10)])
    assert net.total_multiplications == ours.total_multiplications
    kept = [l for l in net.layers if l.kind != "Dropout"]
    assert [(l.params, l.multiplications, l.output_shape) for l in kept] == [
        (l.params, l.multiplications, l.output_shape) for l in ours.layers]


@pytest.mark.tensorflow
def test_from_keras_reads_functional_models_built_models_and_nested_models():
    import keras

    L = keras.layers
    inputs = keras.Input((32, 32, 3))
    x = L.Conv2D(16, 3, strides=2, padding="same", use_bias=False)(inputs)
    x = L.BatchNormalization()(x)
    x = L.Activation("relu")(x)
    x = L.DepthwiseConv2D(3, padding="same")(x)
    x = L.SeparableConv2D(24, 3)(x)
    x = L.GlobalAveragePooling2D()(x)
    functional = keras.Model(inputs, L.Dense(5)(x), name="small")
    net = memory.from_keras(functional)
    _check_against_keras(functional, net)
    by_kind = {layer.kind: layer for layer in net.layers}
    assert by_kind["conv2d"].multiplications == 16 * 16 * 16 * 3 * 3 * 3
    assert by_kind["depthwise_conv2d"].multiplications == 16 * 16 * 16 * 3 * 3
    assert by_kind["separable_conv2d"].multiplications == 14 * 14 * 16 * 3 * 3 + 14 * 14 * 24 * 16
    assert by_kind["BatchNormalization"].params == 4 * 16 and by_kind["BatchNormalization"].multiplications == 0

    built = keras.Sequential([L.Conv2D(4, 3), L.Flatten(), L.Dense(2)])
    built.build((None, 10, 10, 1))
    _check_against_keras(built, memory.from_keras(built))

    outer = keras.Sequential([keras.Input((32, 32, 3)), functional, L.Dense(1)])
    nested = memory.from_keras(outer)
    assert nested.total_params == outer.count_params()
    assert nested.layers[0].name == "small/" + functional.layers[1].name
    assert nested.layers[-1].output_shape == (1,)


@pytest.mark.tensorflow
def test_from_keras_refuses_what_it_cannot_read():
    import keras

    with pytest.raises(ValueError, match=r"model must be a built Keras model with defined inputs, received model='resnet'"):
        memory.from_keras("resnet")
    with pytest.raises(ValueError, match=r"has no known input: start it with keras.Input"):
        memory.from_keras(keras.Sequential([keras.layers.Dense(3)]))
    variable = keras.Sequential([keras.Input((None, None, 3)), keras.layers.Conv2D(4, 3)])
    with pytest.raises(ValueError, match=r"unknown size, shape \(None, None, None, 3\)"):
        memory.from_keras(variable)
    a, b = keras.Input((4,)), keras.Input((4,))
    two = keras.Model([a, b], keras.layers.Add()([a, b]))
    with pytest.raises(ValueError, match=r"one input, received model .* with 2 inputs"):
        memory.from_keras(two)


# ----------------------------------------------------------------------------- parameter counts, against Keras


@pytest.mark.tensorflow
@pytest.mark.parametrize("channels, filters, kernel_size, use_bias", [
    (3, 200, 5, True), (64, 128, 3, False), (1, 6, (5, 3), True), (16, 4, 1, False)])
def test_conv2d_params_is_keras_count(channels, filters, kernel_size, use_bias):
    import keras

    layer = keras.layers.Conv2D(filters, kernel_size, use_bias=use_bias)
    layer.build((None, 32, 32, channels))
    assert memory.conv2d_params(channels, filters, kernel_size, use_bias) == layer.count_params()
    assert conv2d_stats((32, 32, channels), filters, kernel_size, use_bias=use_bias).params == layer.count_params()


@pytest.mark.tensorflow
@pytest.mark.parametrize("inputs, units, use_bias", [(3136, 128, True), (84, 10, False), (1, 1, True)])
def test_dense_params_is_keras_count(inputs, units, use_bias):
    import keras

    layer = keras.layers.Dense(units, use_bias=use_bias)
    layer.build((None, inputs))
    assert memory.dense_params(inputs, units, use_bias) == layer.count_params()
    assert dense_stats(inputs, units, use_bias).params == layer.count_params()


@pytest.mark.tensorflow
@pytest.mark.parametrize("channels", [1, 3, 64])
def test_batch_norm_params_is_keras_count(channels):
    import keras

    layer = keras.layers.BatchNormalization()
    layer.build((None, 8, 8, channels))
    assert memory.batch_norm_params(channels) == layer.count_params()
