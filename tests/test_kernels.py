"""Named kernels, presets and the filter bank: literal values, structure, conventions, errors."""

import math

import numpy as np
import pytest

from cnnlab import kernels


def cross_correlate(image, kernel):
    """'valid' cross-correlation, no flip, as Conv2D computes it (deliberately naive)."""
    image, kernel = np.asarray(image, np.float64), np.asarray(kernel, np.float64)
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


# --------------------------------------------------------------------------- literal values

FIXED = {
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
    "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "sobel_y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "scharr_x": [[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]],
    "scharr_y": [[-3, -10, -3], [0, 0, 0], [3, 10, 3]],
    "prewitt_x": [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],
    "prewitt_y": [[-1, -1, -1], [0, 0, 0], [1, 1, 1]],
    "laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
}


@pytest.mark.parametrize("name, expected", FIXED.items())
def test_fixed_kernels_have_their_literal_values(name, expected):
    kernel = getattr(kernels, name)()
    assert kernel.dtype == np.float32
    np.testing.assert_array_equal(kernel, np.array(expected, np.float32))


def test_box_blur_is_a_uniform_mean():
    np.testing.assert_allclose(kernels.box_blur(), np.full((3, 3), 1 / 9), rtol=1e-6)
    for size in (1, 2, 3, 4, 5):
        kernel = kernels.box_blur(size)
        assert kernel.shape == (size, size) and kernel.dtype == np.float32
        assert kernel.sum() == pytest.approx(1.0, abs=1e-6)
        assert np.ptp(kernel) == 0


def test_sharpen_is_identity_minus_laplacian():
    np.testing.assert_array_equal(kernels.sharpen(), kernels.identity() - kernels.laplacian())


@pytest.mark.parametrize("name", ["sharpen", "emboss", "box_blur", "gaussian", "identity"])
def test_brightness_preserving_kernels_sum_to_one(name):
    assert getattr(kernels, name)().sum() == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("name", ["sobel_x", "sobel_y", "scharr_x", "scharr_y", "prewitt_x", "prewitt_y",
                                  "laplacian", "gabor"])
def test_edge_and_texture_kernels_ignore_flat_areas(name):
    assert getattr(kernels, name)().sum() == pytest.approx(0.0, abs=1e-5)


@pytest.mark.parametrize("name", kernels.names())
def test_each_call_returns_a_fresh_array(name):
    first = kernels.get(name)
    first[...] = 99
    assert not np.any(kernels.get(name) == 99)


# --------------------------------------------------------------------------- lines


@pytest.mark.parametrize("size", [1, 3, 5, 7, 9])
def test_line_filters_have_one_central_line_of_ones(size):
    vertical, horizontal = kernels.vertical_line(size), kernels.horizontal_line(size)
    centre = size // 2
    expected = np.zeros((size, size), np.float32)
    expected[:, centre] = 1
    np.testing.assert_array_equal(vertical, expected)
    np.testing.assert_array_equal(horizontal, expected.T)
    assert vertical.dtype == horizontal.dtype == np.float32
    assert vertical.sum() == horizontal.sum() == size


def test_line_filters_default_to_the_chapters_seven_by_seven():
    assert kernels.vertical_line().shape == kernels.horizontal_line().shape == (7, 7)
    assert kernels.vertical_line()[:, 3].tolist() == [1.0] * 7


@pytest.mark.parametrize("size", [1, 3, 5, 7])
def test_identity_leaves_an_image_unchanged(size):
    image = np.random.default_rng(0).random((10, 10))
    pad = size // 2
    out = cross_correlate(image, kernels.identity(size))
    np.testing.assert_allclose(out, image[pad:10 - pad, pad:10 - pad], rtol=1e-6)


# --------------------------------------------------------------------------- gaussian


@pytest.mark.parametrize("size, sigma", [(1, 1.0), (3, 0.5), (5, 1.0), (7, 2.0), (9, 1.5), (5, 0.01), (5, 50.0)])
def test_gaussian_is_normalised_symmetric_centred_and_separable(size, sigma):
    g = kernels.gaussian(size, sigma)
    assert g.shape == (size, size) and g.dtype == np.float32
    assert g.sum() == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_array_equal(g, g.T)
    np.testing.assert_array_equal(g, g[::-1, ::-1])
    np.testing.assert_array_equal(g, g[::-1, :])
    assert np.unravel_index(np.argmax(g), g.shape) == (size // 2, size // 2)
    assert np.all(g > 0) or sigma < 0.1
    assert np.linalg.matrix_rank(g) == 1  # tolerance at float32 precision


def test_gaussian_is_the_outer_product_of_a_normalised_1d_gaussian():
    x = np.arange(5) - 2
    g1 = np.exp(-x**2 / 2.0)
    g1 /= g1.sum()
    np.testing.assert_allclose(kernels.gaussian(5, 1.0), np.outer(g1, g1), rtol=1e-6)


def test_a_wider_gaussian_blurs_more():
    narrow, wide = kernels.gaussian(7, 0.8), kernels.gaussian(7, 2.0)
    assert wide[3, 3] < narrow[3, 3]
    assert wide[0, 0] > narrow[0, 0]


# --------------------------------------------------------------------------- edge detectors

EDGE_PARTS = {
    "sobel": [1, 2, 1],
    "scharr": [3, 10, 3],
    "prewitt": [1, 1, 1],
}


@pytest.mark.parametrize("family, smooth", EDGE_PARTS.items())
def test_edge_detectors_are_separable_and_y_is_the_transpose_of_x(family, smooth):
    kx, ky = getattr(kernels, f"{family}_x")(), getattr(kernels, f"{family}_y")()
    np.testing.assert_array_equal(kx, np.outer(smooth, [-1, 0, 1]))
    np.testing.assert_array_equal(ky, np.outer([-1, 0, 1], smooth))
    np.testing.assert_array_equal(ky, kx.T)
    assert np.linalg.matrix_rank(kx) == np.linalg.matrix_rank(ky) == 1


@pytest.mark.parametrize("family", EDGE_PARTS)
def test_x_kernels_are_positive_where_the_image_gets_brighter_to_the_right(family):
    image = np.zeros((6, 6))
    image[:, 3:] = 1.0  # dark on the left, bright on the right
    out = cross_correlate(image, getattr(kernels, f"{family}_x")())
    assert out.min() >= 0 and out.max() > 0
    assert np.all(out[:, 1:3] > 0) and np.all(out[:, [0, 3]] == 0)
    # Mirrored (bright on the left) the sign flips; y ignores a vertical edge.
    assert cross_correlate(image[:, ::-1], getattr(kernels, f"{family}_x")()).max() <= 0
    np.testing.assert_array_equal(cross_correlate(image, getattr(kernels, f"{family}_y")()), 0)


@pytest.mark.parametrize("family", EDGE_PARTS)
def test_y_kernels_are_positive_where_the_image_gets_brighter_downwards(family):
    image = np.zeros((6, 6))
    image[3:, :] = 1.0  # dark on top, bright below
    out = cross_correlate(image, getattr(kernels, f"{family}_y")())
    assert out.min() >= 0 and out.max() > 0
    np.testing.assert_array_equal(cross_correlate(image, getattr(kernels, f"{family}_x")()), 0)


def test_sobel_x_sign_on_a_smooth_ramp():
    ramp = np.tile(np.arange(5.0), (5, 1))  # brightness grows by 1 per column
    np.testing.assert_array_equal(cross_correlate(ramp, kernels.sobel_x()), np.full((3, 3), 8.0))


def test_laplacian_is_zero_on_constant_slopes_and_not_separable():
    ramp = np.add.outer(np.arange(6.0), 2 * np.arange(6.0))
    np.testing.assert_array_equal(cross_correlate(ramp, kernels.laplacian()), 0)
    assert np.linalg.matrix_rank(kernels.laplacian()) == 2


# --------------------------------------------------------------------------- gabor

GABOR_SETTINGS = [
    {},
    {"size": 9, "sigma": 3.0, "wavelength": 5.0, "aspect": 0.3},
    {"size": 5, "phase": math.pi / 2},
    {"size": 11, "sigma": 1.5, "wavelength": 3.0, "phase": 1.0, "aspect": 2.0},
]


@pytest.mark.parametrize("settings", GABOR_SETTINGS)
def test_gabor_at_a_right_angle_is_the_transpose(settings):
    g0 = kernels.gabor(theta=0.0, **settings)
    g90 = kernels.gabor(theta=math.pi / 2, **settings)
    np.testing.assert_allclose(g90, g0.T, atol=1e-6)


@pytest.mark.parametrize("settings", GABOR_SETTINGS)
def test_gabor_at_forty_five_degrees_is_symmetric_about_the_diagonal(settings):
    g = kernels.gabor(theta=math.pi / 4, **settings)
    np.testing.assert_allclose(g, g.T, atol=1e-6)


@pytest.mark.parametrize("settings", GABOR_SETTINGS)
def test_gabor_is_zero_mean_float32_and_square(settings):
    g = kernels.gabor(**settings)
    size = settings.get("size", 7)
    assert g.shape == (size, size) and g.dtype == np.float32
    assert abs(float(g.mean())) < 1e-6


def test_gabor_phase_zero_is_symmetric_and_quarter_phase_is_antisymmetric():
    even = kernels.gabor(phase=0.0)
    odd = kernels.gabor(phase=math.pi / 2)
    np.testing.assert_allclose(even, even[:, ::-1], atol=1e-6)
    np.testing.assert_allclose(even, even[::-1, :], atol=1e-6)
    np.testing.assert_allclose(odd, -odd[:, ::-1], atol=1e-6)
    np.testing.assert_allclose(even, kernels.gabor(theta=math.pi), atol=1e-6)


def test_gabor_follows_its_documented_formula():
    size, sigma, theta, wavelength, phase, aspect = 7, 2.0, 0.3, 4.0, 0.5, 0.5
    expected = np.zeros((size, size))
    for row in range(size):
        for col in range(size):
            x, y = col - size // 2, row - size // 2
            xr = x * math.cos(theta) + y * math.sin(theta)
            yr = -x * math.sin(theta) + y * math.cos(theta)
            expected[row, col] = (math.exp(-(xr**2 + aspect**2 * yr**2) / (2 * sigma**2))
                                  * math.cos(2 * math.pi * xr / wavelength + phase))
    expected -= expected.mean()
    np.testing.assert_allclose(kernels.gabor(size, sigma, theta, wavelength, phase, aspect), expected, atol=1e-6)


def test_gabor_at_theta_zero_prefers_vertical_lines():
    g = kernels.gabor(size=7, theta=0.0, wavelength=4.0)
    vertical, horizontal = kernels.vertical_line(7), kernels.horizontal_line(7)
    assert np.sum(g * vertical) > np.sum(g * horizontal)


# --------------------------------------------------------------------------- presets

EXPECTED_NAMES = ["vertical line", "horizontal line", "identity", "box blur", "gaussian", "sharpen", "emboss",
                  "sobel x", "sobel y", "scharr x", "scharr y", "prewitt x", "prewitt y", "laplacian", "gabor"]
SIZED = ["vertical line", "horizontal line", "identity", "box blur", "gaussian", "gabor"]


def test_names_in_dropdown_order():
    assert kernels.names() == EXPECTED_NAMES
    assert list(kernels.PRESETS) == EXPECTED_NAMES
    assert kernels.sized_names() == SIZED
    kernels.names().append("changed")
    assert kernels.names() == EXPECTED_NAMES


def test_presets_are_read_only():
    with pytest.raises(TypeError):
        kernels.PRESETS["mine"] = kernels.identity  # type: ignore[index]


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_get_returns_the_factory_default(name):
    kernel = kernels.get(name)
    np.testing.assert_array_equal(kernel, kernels.PRESETS[name]())
    assert kernel.dtype == np.float32 and kernel.ndim == 2


@pytest.mark.parametrize("name", SIZED)
@pytest.mark.parametrize("size", [3, 5])
def test_get_passes_size_to_factories(name, size):
    assert kernels.get(name, size=size).shape == (size, size)


@pytest.mark.parametrize("name", sorted(set(EXPECTED_NAMES) - set(SIZED)))
def test_get_accepts_size_three_for_fixed_filters(name):
    np.testing.assert_array_equal(kernels.get(name, size=3), kernels.get(name))


@pytest.mark.parametrize("spelling", ["sobel_x", "Sobel X", "SOBEL-X", "  sobel   x "])
def test_get_ignores_case_underscores_and_hyphens(spelling):
    np.testing.assert_array_equal(kernels.get(spelling), kernels.sobel_x())


# --------------------------------------------------------------------------- filter bank


def test_filter_bank_matches_the_chapters_construction():
    channels = 3
    filters = np.zeros(shape=(7, 7, channels, 2))
    filters[:, 3, :, 0] = 1
    filters[3, :, :, 1] = 1
    bank = kernels.filter_bank(kernels.vertical_line(), kernels.horizontal_line())
    assert bank.dtype == np.float32 and bank.shape == (7, 7, 3, 2)
    np.testing.assert_array_equal(bank, filters)


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_filter_bank_layout_puts_kernel_j_on_every_input_channel(channels):
    ks = [kernels.sobel_x(), kernels.laplacian(), kernels.emboss()]
    bank = kernels.filter_bank(*ks, channels=channels)
    assert bank.shape == (3, 3, channels, 3) and bank.dtype == np.float32
    for j, k in enumerate(ks):
        for c in range(channels):
            np.testing.assert_array_equal(bank[:, :, c, j], k)


def test_filter_bank_accepts_a_list_a_tuple_nested_lists_and_non_square_kernels():
    ks = [kernels.sobel_x(), kernels.sobel_y()]
    np.testing.assert_array_equal(kernels.filter_bank(ks), kernels.filter_bank(*ks))
    np.testing.assert_array_equal(kernels.filter_bank(tuple(ks)), kernels.filter_bank(*ks))
    one = kernels.filter_bank([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], channels=1)
    np.testing.assert_array_equal(one[:, :, 0, 0], kernels.sharpen())
    assert kernels.filter_bank(np.ones((1, 3)), np.zeros((1, 3))).shape == (1, 3, 3, 2)


def test_filter_bank_output_is_writeable_and_independent_of_its_inputs():
    k = kernels.identity()
    bank = kernels.filter_bank(k, channels=2)
    bank[1, 1, 0, 0] = 7
    assert bank[1, 1, 1, 0] == 1 and k[1, 1] == 1


def test_filter_bank_sums_the_response_over_input_channels():
    rng = np.random.default_rng(1)
    image = rng.random((6, 6, 3))
    k = kernels.sobel_x()
    bank = kernels.filter_bank(k)
    by_channel = sum(cross_correlate(image[:, :, c], bank[:, :, c, 0]) for c in range(3))
    np.testing.assert_allclose(by_channel, cross_correlate(image.sum(axis=2), k), rtol=1e-5)


# --------------------------------------------------------------------------- bad arguments

ODD_SIZED = [kernels.vertical_line, kernels.horizontal_line, kernels.identity, kernels.gaussian, kernels.gabor]
BAD_SIZES = [0, -1, 2.5, "7", None, True, 3.0]


def _assert_message_names(error, name, value):
    message = str(error.value)
    assert f"{name}={value!r}" in message, message


@pytest.mark.parametrize("factory", ODD_SIZED, ids=lambda f: f.__name__)
@pytest.mark.parametrize("size", [*BAD_SIZES, 4, 2])
def test_odd_sized_factories_reject_bad_sizes(factory, size):
    with pytest.raises(ValueError, match="size must be a positive odd integer") as error:
        factory(size=size)
    _assert_message_names(error, "size", size)


@pytest.mark.parametrize("size", BAD_SIZES)
def test_box_blur_rejects_bad_sizes(size):
    with pytest.raises(ValueError, match="size must be a positive integer") as error:
        kernels.box_blur(size)
    _assert_message_names(error, "size", size)


@pytest.mark.parametrize("factory, argument, value", [
    (kernels.gaussian, "sigma", 0),
    (kernels.gaussian, "sigma", -1.0),
    (kernels.gaussian, "sigma", float("nan")),
    (kernels.gaussian, "sigma", float("inf")),
    (kernels.gaussian, "sigma", "1"),
    (kernels.gabor, "sigma", 0.0),
    (kernels.gabor, "wavelength", 0),
    (kernels.gabor, "wavelength", -4.0),
    (kernels.gabor, "aspect", 0),
    (kernels.gabor, "theta", float("nan")),
    (kernels.gabor, "theta", float("inf")),
    (kernels.gabor, "theta", "0"),
    (kernels.gabor, "phase", None),
    (kernels.gabor, "phase", float("-inf")),
])
def test_parameters_are_validated(factory, argument, value):
    with pytest.raises(ValueError, match=f"{argument} must be a") as error:
        factory(**{argument: value})
    _assert_message_names(error, argument, value)


@pytest.mark.parametrize("name", ["blur", "sobel", "", 5, None])
def test_get_rejects_unknown_names_and_lists_the_valid_ones(name):
    with pytest.raises(ValueError, match="name must be one of") as error:
        kernels.get(name)
    _assert_message_names(error, "name", name)
    assert all(repr(valid) in str(error.value) for valid in EXPECTED_NAMES)


@pytest.mark.parametrize("name", ["sharpen", "sobel x", "laplacian"])
@pytest.mark.parametrize("size", [1, 5, 7])
def test_get_rejects_another_size_for_fixed_filters(name, size):
    with pytest.raises(ValueError, match=f"size must be 3 .* '{name}'") as error:
        kernels.get(name, size=size)
    _assert_message_names(error, "size", size)


@pytest.mark.parametrize("size", [0, -1, 2.5, "3"])
def test_get_rejects_invalid_sizes_for_fixed_filters(size):
    with pytest.raises(ValueError, match="size must be a positive integer") as error:
        kernels.get("sobel y", size=size)
    _assert_message_names(error, "size", size)


@pytest.mark.parametrize("size", [0, 4, "5"])
def test_get_passes_bad_sizes_to_the_factory_check(size):
    with pytest.raises(ValueError, match="size must be a positive odd integer") as error:
        kernels.get("gaussian", size=size)
    _assert_message_names(error, "size", size)


def test_filter_bank_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="all kernels must have the same shape") as error:
        kernels.filter_bank(kernels.vertical_line(), kernels.sobel_x())
    message = str(error.value)
    assert "kernels[0] of shape (7, 7)" in message and "kernels[1] of shape (3, 3)" in message


@pytest.mark.parametrize("channels", [0, -1, 2.5, "3", None])
def test_filter_bank_rejects_bad_channels(channels):
    with pytest.raises(ValueError, match="channels must be a positive integer") as error:
        kernels.filter_bank(kernels.identity(), channels=channels)
    _assert_message_names(error, "channels", channels)


@pytest.mark.parametrize("args, message", [
    ((), "kernels is empty"),
    (([],), "kernels is empty"),
    ((np.zeros(3),), r"kernels\[0\] must be a non-empty 2-D array .* shape \(3,\)"),
    ((np.zeros((3, 3, 3)),), r"kernels\[0\] must be a non-empty 2-D array .* shape \(3, 3, 3\)"),
    ((np.zeros((0, 3)),), r"kernels\[0\] must be a non-empty 2-D array .* shape \(0, 3\)"),
    ((np.eye(3), [[1, 2], [3]]),
     r"kernels\[1\] must be a 2-D array of numbers, received kernels\[1\]=\[\[1, 2\], \[3\]\]"),
    ((np.eye(3), "abc"), r"kernels\[1\] must be a 2-D array of numbers, received kernels\[1\]='abc'"),
    ((np.array([[1.0, np.nan]]),), r"kernels\[0\] must contain only finite numbers"),
])
def test_filter_bank_rejects_bad_kernels(args, message):
    with pytest.raises(ValueError, match=message):
        kernels.filter_bank(*args)
