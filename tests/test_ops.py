"""The numpy reference ops against tf.nn over a parameter grid, plus their own arithmetic."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from cnnlab import ops

TOL = dict(rtol=1e-5, atol=1e-5)


@pytest.fixture(scope="module")
def tf():
    import tensorflow as tf

    return tf


def rng(*seed):
    return np.random.default_rng(list(seed))


# ----------------------------------------------------------------------------- sizes and padding


@pytest.mark.parametrize("n, k, s", list(itertools.product(range(1, 15), range(1, 8), range(1, 4))))
def test_output_size_and_same_padding_agree_with_each_other(n, k, s):
    out_same = ops.output_size(n, k, s, "SAME")
    assert out_same == -(-n // s)
    before, after = ops.same_padding(n, k, s)
    assert 0 <= after - before <= 1  # the extra zero goes after
    assert (out_same - 1) * s + k <= n + before + after  # the last window fits in the padded input
    if k <= n:
        out_valid = ops.output_size(n, k, s, "VALID")
        assert (out_valid - 1) * s + k <= n < out_valid * s + k


def test_figure_13_7_thirteen_inputs_filter_six_stride_five():
    assert ops.output_size(13, 6, 5, "SAME") == 3
    assert ops.same_padding(13, 6, 5) == (1, 2)
    assert ops.output_size(13, 6, 5, "VALID") == 2
    # VALID: windows start at 0 and 5, so columns 11 and 12 are ignored.
    used = {c for start in (0, 5) for c in range(start, start + 6)}
    assert sorted(set(range(13)) - used) == [11, 12]


def test_padding_amounts_follow_tensorflow_asymmetric_split():
    assert ops.padding_amounts((427, 640), 7, 2, "SAME") == ((3, 3), (2, 3))
    assert ops.padding_amounts((5, 6), (3, 2), 1, "VALID") == ((0, 0), (0, 0))


# ----------------------------------------------------------------------------- convolution vs tf.nn


@pytest.mark.tensorflow
@pytest.mark.parametrize("stride, kernel, padding", list(itertools.product([1, 2, 3], range(1, 8), ["SAME", "VALID"])))
def test_conv2d_and_naive_equal_tf_nn_conv2d(tf, stride, kernel, padding):
    for c_in, c_out in itertools.product(range(1, 5), range(1, 4)):
        r = rng(stride, kernel, c_in, c_out)
        x = r.standard_normal((2, 9, 11, c_in)).astype(np.float32)       # non-square
        w = r.standard_normal((kernel, max(kernel - 1, 1), c_in, c_out)).astype(np.float32)  # non-square kernel
        b = r.standard_normal(c_out).astype(np.float32)
        expected = (tf.nn.conv2d(x, w, (stride, stride), padding) + b).numpy()
        fast = ops.conv2d(x, w, b, strides=stride, padding=padding)
        assert fast.shape == expected.shape and fast.dtype == np.float32
        np.testing.assert_allclose(fast, expected, **TOL)
        np.testing.assert_allclose(ops.conv2d_naive(x, w, b, strides=stride, padding=padding), expected, **TOL)


@pytest.mark.tensorflow
def test_conv2d_with_unequal_strides_and_single_images(tf):
    r = rng(7)
    x = r.standard_normal((10, 13, 3)).astype(np.float32)
    w = r.standard_normal((3, 5, 3, 2)).astype(np.float32)
    expected = tf.nn.conv2d(x[None], w, (1, 2, 3, 1), "SAME").numpy()[0]
    np.testing.assert_allclose(ops.conv2d(x, w, strides=(2, 3), padding="same"), expected, **TOL)
    np.testing.assert_allclose(ops.conv2d_naive(x, w, strides=(2, 3), padding="SAME"), expected, **TOL)


@pytest.mark.tensorflow
def test_the_chapters_example_on_the_sample_images(tf):
    from cnnlab import datasets

    images = datasets.load_sample_images()
    filters = np.zeros((7, 7, 3, 2), np.float32)
    filters[:, 3, :, 0] = 1  # vertical line
    filters[3, :, :, 1] = 1  # horizontal line
    for stride in (1, 2):
        expected = tf.nn.conv2d(images, filters, strides=stride, padding="SAME").numpy()
        np.testing.assert_allclose(ops.conv2d(images, filters, strides=stride, padding="SAME"), expected,
                                   rtol=1e-5, atol=2e-5)


def test_zero_taps_are_skipped_without_changing_the_result():
    r = rng(3)
    x = r.standard_normal((1, 8, 8, 2))
    w = r.standard_normal((3, 3, 2, 2))
    sparse = w.copy()
    sparse[0] = 0
    sparse[:, 2] = 0
    np.testing.assert_allclose(ops.conv2d(x, sparse), ops.conv2d_naive(x, sparse), atol=1e-12)


def test_integer_images_are_accepted_and_float64_is_kept():
    x = np.arange(25, dtype=np.uint8).reshape(5, 5, 1)
    w = np.ones((3, 3, 1, 1))
    out = ops.conv2d(x, w)
    assert out.dtype == np.float64 and out[0, 0, 0] == x[:3, :3].sum()


# ----------------------------------------------------------------------------- pooling vs tf.nn


@pytest.mark.tensorflow
@pytest.mark.parametrize("pool, stride, padding", list(itertools.product([1, 2, 3, 4], [1, 2, 3], ["SAME", "VALID"])))
def test_max_and_avg_pooling_equal_tf_nn(tf, pool, stride, padding):
    for channels in range(1, 5):
        x = rng(pool, stride, channels).standard_normal((2, 9, 7, channels)).astype(np.float32)
        size = (pool, max(pool - 1, 1))
        np.testing.assert_allclose(ops.max_pool2d(x, size, stride, padding),
                                   tf.nn.max_pool2d(x, size, stride, padding).numpy(), **TOL)
        np.testing.assert_allclose(ops.avg_pool2d(x, size, stride, padding),
                                   tf.nn.avg_pool2d(x, size, stride, padding).numpy(), **TOL)


def test_figure_13_8_max_pooling_2x2_stride_2_keeps_a_quarter():
    image = rng(1).random((427, 640, 3)).astype(np.float32)
    pooled = ops.max_pool2d(image, 2)
    assert pooled.shape == (213, 320, 3)  # VALID drops the last row
    assert pooled[0, 0, 0] == image[:2, :2, 0].max()
    assert ops.max_pool2d(image, 2, padding="SAME").shape == (214, 320, 3)


@pytest.mark.tensorflow
@pytest.mark.parametrize("channels, pool", [(6, 1), (6, 2), (6, 3), (6, 6), (8, 4), (9, 3)])
def test_depth_max_pool_equals_tensorflow(tf, channels, pool):
    x = rng(channels, pool).standard_normal((2, 4, 5, channels)).astype(np.float32)
    expected = tf.nn.max_pool(x, ksize=(1, 1, 1, pool), strides=(1, 1, 1, pool), padding="VALID").numpy()
    np.testing.assert_array_equal(ops.depth_max_pool(x, pool), expected)


@pytest.mark.tensorflow
def test_global_average_pooling_equals_keras(tf):
    import keras

    x = rng(5).standard_normal((3, 6, 4, 5)).astype(np.float32)
    np.testing.assert_allclose(ops.global_avg_pool(x), keras.layers.GlobalAveragePooling2D()(x).numpy(), **TOL)


@pytest.mark.tensorflow
@pytest.mark.parametrize("depth_radius, channels", list(itertools.product([0, 1, 2, 3], [1, 3, 5, 8])))
def test_lrn_equals_tf_nn(tf, depth_radius, channels):
    r = rng(depth_radius, channels)
    x = (r.standard_normal((2, 4, 3, channels)) * 20).astype(np.float32)
    for bias, alpha, beta in [(1.0, 0.00002, 0.75), (2.0, 1e-3, 0.5), (0.5, 0.1, 1.0)]:
        expected = tf.nn.local_response_normalization(x, depth_radius, bias, alpha, beta).numpy()
        np.testing.assert_allclose(ops.local_response_normalization(x, depth_radius, bias, alpha, beta),
                                   expected, **TOL)


def test_lrn_defaults_are_the_chapters_alexnet_settings():
    import inspect

    defaults = {k: v.default for k, v in inspect.signature(ops.local_response_normalization).parameters.items()
                if k != "x"}
    assert defaults == {"depth_radius": 2, "bias": 1.0, "alpha": 0.00002, "beta": 0.75}


# ----------------------------------------------------------------------------- receptive fields


def impulse_response(layers, n, index):
    """Which input positions change output neuron `index`: ones kernels make every tap positive."""
    affecting = []
    for position in range(n):
        x = np.zeros((1, n, 1))
        x[0, position] = 1.0
        for layer in ops.as_layers(layers):
            w = np.ones((1, layer.kernel_size, 1, 1))
            x = ops.conv2d(x, w, strides=(1, layer.stride), padding=layer.padding)
        if x[0, index, 0] != 0:
            affecting.append(position)
    return affecting


@pytest.mark.parametrize("layers, n", [
    ([(3, 1, "VALID"), (3, 1, "VALID")], 12),
    ([(3, 1, "SAME"), (3, 1, "SAME")], 9),
    ([(5, 1, "VALID"), (2, 2, "VALID"), (5, 1, "VALID"), (2, 2, "VALID")], 32),  # LeNet-5's stack
    ([(7, 2, "SAME"), (3, 2, "SAME"), (3, 1, "SAME")], 23),
    ([(6, 5, "SAME")], 13),
])
def test_receptive_field_bounds_match_an_impulse_experiment(layers, n):
    last = ops.receptive_field(layers, n)[-1].output_size
    for index in range(last):
        first, final = ops.receptive_field_bounds(layers, n, index)[0]
        assert impulse_response(layers, n, index) == list(range(first, final + 1))


def test_two_3x3_layers_see_what_one_5x5_sees():
    two = ops.receptive_field([(3, 1, "SAME"), (3, 1, "SAME")], 28)
    one = ops.receptive_field([(5, 1, "SAME")], 28)
    assert two[-1].size == one[-1].size == 5
    assert 2 * 3 * 3 < 5 * 5


def test_receptive_field_size_jump_start():
    fields = ops.receptive_field([ops.Layer(3, 2, "VALID", "conv"), {"kernel_size": 2, "stride": 2}], 11)
    assert [(f.name, f.size, f.jump, f.start, f.output_size) for f in fields] == [
        ("conv", 3, 2, 1.0, 5), ("layer 2", 5, 4, 2.0, 2)]


# ----------------------------------------------------------------------------- bad arguments


X = np.zeros((1, 5, 5, 3), np.float32)
W = np.zeros((3, 3, 3, 2), np.float32)


@pytest.mark.parametrize("call, message", [
    (lambda: ops.conv2d(X, W, strides=0), r"strides must be a positive integer or a pair .* received strides=0"),
    (lambda: ops.conv2d(X, W, strides=(1, -2)), r"received strides=\(1, -2\)"),
    (lambda: ops.conv2d(X, W, padding="full"), r"padding must be one of 'SAME', 'VALID', received padding='full'"),
    (lambda: ops.conv2d(X, W, padding=None), r"received padding=None"),
    (lambda: ops.conv2d(X, np.zeros((7, 7, 3, 1))), r"filters \(7×7\) does not fit in x's 5×5 images with padding='VALID'; use padding='SAME'"),
    (lambda: ops.conv2d(X, np.zeros((3, 3, 1, 2))), r"filters expect 1 input channels but x has 3"),
    (lambda: ops.conv2d(X, np.zeros((3, 3, 3))), r"filters must have shape .* received shape \(3, 3, 3\)"),
    (lambda: ops.conv2d(np.zeros((5, 5)), W), r"x must have shape .* received shape \(5, 5\).*x\[\.\.\., None\]"),
    (lambda: ops.conv2d(X, W, bias=np.zeros(3)), r"bias must have shape \(2,\).* received shape \(3,\)"),
    (lambda: ops.conv2d_naive(X, W, strides=0), r"received strides=0"),
    (lambda: ops.conv2d(np.array([["a"]]), W), r"x must hold numbers"),
    (lambda: ops.output_size(-4, 3), r"input_size must be a positive integer, received input_size=-4"),
    (lambda: ops.output_size(4, 0), r"kernel_size must be a positive integer, received kernel_size=0"),
    (lambda: ops.output_size(4, 3, 0), r"stride must be a positive integer, received stride=0"),
    (lambda: ops.output_size(4, 3, 1, "same-ish"), r"received padding='same-ish'"),
    (lambda: ops.max_pool2d(X, 0), r"pool_size must be a positive integer or a pair .* received pool_size=0"),
    (lambda: ops.avg_pool2d(X, 6), r"the pooling window pool_size=6 \(6×6\) does not fit in x's 5×5 images"),
    (lambda: ops.max_pool2d(X, 2, padding="valid ", strides=1), r"received padding='valid '"),
    (lambda: ops.depth_max_pool(X, 2), r"pool_size=2 does not divide the 3 channels of x"),
    (lambda: ops.depth_max_pool(X, 0), r"pool_size must be a positive integer, received pool_size=0"),
    (lambda: ops.local_response_normalization(X, depth_radius=-1), r"received depth_radius=-1"),
    (lambda: ops.local_response_normalization(X, bias=0), r"bias must be a positive number, received bias=0"),
    (lambda: ops.receptive_field([], 5), r"layers is empty"),
    (lambda: ops.receptive_field(["conv"], 5), r"layers\[0\] must be a Layer, a dict or a tuple"),
    (lambda: ops.receptive_field_bounds([(3, 1)], 5, 3), r"index must be an integer from 0 to 2 .* received index=3"),
    (lambda: ops.conv2d(np.zeros((1, 0, 5, 3)), W), r"x is empty"),
])
def test_bad_arguments_raise_value_errors_that_name_them(call, message):
    with pytest.raises(ValueError, match=message):
        call()
