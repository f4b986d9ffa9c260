"""KernelExplorer driven through its controls; its pixels checked against ops.conv2d and tf.nn.conv2d."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from cnnlab import kernels as K
from cnnlab import ops
from cnnlab.plotting import to_uint8
from cnnlab.widgets import KernelExplorer
from cnnlab.widgets.kernel_explorer import feature_map


def decoded(image_widget) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(image_widget.value)), dtype=np.float32)


def conv_same(image, kernel, channels=None):
    image = image if channels is None else image[..., channels : channels + 1]
    return ops.conv2d(image, K.filter_bank(kernel, channels=image.shape[-1]), padding="SAME")[..., 0]


@pytest.fixture
def photo():
    rng = np.random.default_rng(0)
    smooth = np.cumsum(rng.random((40, 60, 3)), axis=1)
    return (smooth / smooth.max()).astype(np.float32)


@pytest.fixture
def explorer(photo):
    return KernelExplorer({"photo": photo, "flipped": photo[:, ::-1].copy()}, kernel="vertical line")


def test_starts_with_the_chapters_vertical_line_filter(explorer, photo):
    np.testing.assert_array_equal(explorer.kernel, K.vertical_line())
    np.testing.assert_allclose(explorer.output_array, conv_same(photo, K.vertical_line()), atol=1e-5)
    shown = decoded(explorer.output_view)
    assert shown.shape[:2] == photo.shape[:2]
    assert np.abs(shown - to_uint8(explorer.output_array)).mean() < 3  # greyscale JPEG, close to exact


def test_picking_a_preset_shows_its_feature_map(explorer, photo):
    before = explorer.output_view.value
    explorer.preset.value = "sobel x"
    assert explorer.size.value == 3 and explorer.size.disabled
    np.testing.assert_array_equal(explorer.kernel, K.sobel_x())
    np.testing.assert_allclose(explorer.output_array, conv_same(photo, K.sobel_x()), atol=1e-5)
    assert explorer.output_view.value != before
    assert "3×3 kernel" in explorer.readout.value


def test_the_size_control_remakes_a_sized_preset(explorer, photo):
    explorer.preset.value = "gaussian"
    assert explorer.kernel.shape == (5, 5) and not explorer.size.disabled
    explorer.size.value = 7
    np.testing.assert_allclose(explorer.kernel, K.gaussian(7), atol=1e-6)
    np.testing.assert_allclose(explorer.output_array, conv_same(photo, K.gaussian(7)), atol=1e-5)


def test_editing_a_cell_makes_a_custom_kernel(explorer, photo):
    explorer.preset.value = "identity"
    explorer.cells[0].value = 2.5  # top-left weight of the 3×3 grid
    assert explorer.preset.value == "custom"
    expected = K.identity()
    expected[0, 0] = 2.5
    np.testing.assert_array_equal(explorer.kernel, expected)
    np.testing.assert_allclose(explorer.output_array, conv_same(photo, expected), atol=1e-5)


def test_setting_a_kernel_array(explorer, photo):
    custom = np.arange(25, dtype=np.float32).reshape(5, 5) / 100
    explorer.kernel = custom
    assert explorer.size.value == 5 and explorer.preset.value == "custom"
    np.testing.assert_allclose(explorer.kernel, custom, atol=1e-6)
    np.testing.assert_allclose(explorer.output_array, conv_same(photo, custom), atol=1e-5)
    assert sum(c.layout.display != "none" for c in explorer.cells) == 25
    with pytest.raises(ValueError, match=r"kernel must be a square array of size 3, 5 or 7, received shape \(4, 4\)"):
        explorer.kernel = np.zeros((4, 4))


@pytest.mark.parametrize("view, channel", [("red", 0), ("green", 1), ("blue", 2)])
def test_one_channel_view(explorer, photo, view, channel):
    explorer.preset.value = "laplacian"
    explorer.channel.value = view
    np.testing.assert_allclose(explorer.output_array, conv_same(photo, K.laplacian(), channel), atol=1e-5)


def test_switching_the_image(explorer, photo):
    input_before = explorer.input_view.value
    explorer.image_choice.value = "flipped"
    assert explorer.input_view.value != input_before
    np.testing.assert_allclose(explorer.output_array, conv_same(photo[:, ::-1], K.vertical_line()), atol=1e-5)


def test_signed_colours_use_a_diverging_map(explorer):
    explorer.preset.value = "sobel x"
    grey = decoded(explorer.output_view)
    explorer.signed.value = True
    coloured = decoded(explorer.output_view)
    assert coloured.ndim == 3 and coloured.shape[-1] == 3
    assert np.abs(coloured[..., 0] - coloured[..., 2]).mean() > np.abs(grey[..., 0] - grey[..., 2]).mean() + 5


@pytest.mark.tensorflow
def test_stacked_feature_maps_equal_a_tensorflow_conv_layer(explorer, photo):
    """Figure 13-6: two kernels give a two-channel output, the same as tf.nn.conv2d with the filter bank."""
    import tensorflow as tf

    explorer.add_button.click()
    explorer.preset.value = "horizontal line"
    explorer.add_button.click()
    assert [label for label, _ in explorer.stack] == ["vertical line", "horizontal line"]
    bank = K.filter_bank(K.vertical_line(), K.horizontal_line())
    expected = tf.nn.conv2d(photo[None], bank, strides=1, padding="SAME").numpy()[0]
    np.testing.assert_allclose(explorer.stack_arrays, expected, atol=1e-4)
    assert len(explorer.stack_box.children) == 3  # a title and two maps
    views = list(explorer._stack_views)
    explorer.channel.value = "green"             # maps update in place, no new widgets
    assert explorer._stack_views == views
    explorer.clear_button.click()
    assert explorer.stack == [] and explorer.stack_box.children == ()


def upload_value(name: str, data: bytes):
    import datetime

    return ({"name": name, "type": "image/png", "size": len(data), "content": memoryview(data),
             "last_modified": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)},)


def test_uploading_a_photo_adds_and_selects_it(explorer):
    pixels = np.zeros((30, 20, 3), np.uint8)
    pixels[:, 10:] = 255
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    explorer.upload.value = upload_value("edge.png", buffer.getvalue())
    assert explorer.image_choice.value == "upload: edge.png"
    np.testing.assert_allclose(explorer.output_array, conv_same(pixels / 255.0, K.vertical_line()), atol=1e-5)


def test_a_bad_upload_is_shown_in_the_widget_which_keeps_working(explorer, photo):
    explorer.upload.value = upload_value("notes.png", b"not an image at all")
    assert isinstance(explorer.last_error, ValueError)
    assert "is not an image file" in explorer.error_box.value and explorer.error_box.layout.display is None
    assert explorer.image_choice.value == "photo"
    explorer.preset.value = "emboss"
    assert explorer.last_error is None
    np.testing.assert_allclose(explorer.output_array, conv_same(photo, K.emboss()), atol=1e-5)


def test_feature_map_function_checks_its_arguments(photo):
    with pytest.raises(ValueError, match=r"kernel must be a 2-D array, received shape \(3,\)"):
        feature_map(photo, np.ones(3))
    with pytest.raises(ValueError, match=r"channel must be one of None, 0, 1, 2, received channel=5"):
        feature_map(photo, np.ones((3, 3)), channel=5)


def test_bad_constructor_arguments(photo):
    with pytest.raises(ValueError, match=r"kernel must be one of 'vertical line'.* received kernel='blurry'"):
        KernelExplorer({"photo": photo}, kernel="blurry")
    with pytest.raises(ValueError, match="images is empty"):
        KernelExplorer({})
    with pytest.raises(ValueError, match=r"image must have shape .* received shape \(4,\)"):
        KernelExplorer({"bad": np.zeros(4)})


def test_default_images_are_the_chapters_samples():
    explorer = KernelExplorer()
    assert list(explorer.image_choice.options) == ["temple", "flower"]
    assert explorer.output_array.shape == (427, 640)
    assert explorer.last_update_ms > 0


def test_the_angle_slider_turns_the_gabor_kernel(explorer, photo):
    explorer.preset.value = "gabor"
    assert explorer.angle.layout.display is None and explorer.sigma.layout.display == "none"
    np.testing.assert_allclose(explorer.kernel, K.gabor(7, theta=0.0), atol=1e-6)
    explorer.angle.value = 90
    np.testing.assert_allclose(explorer.kernel, K.gabor(7, theta=np.pi / 2), atol=1e-6)
    np.testing.assert_allclose(explorer.output_array, conv_same(photo, K.gabor(7, theta=np.pi / 2)), atol=1e-5)
    explorer.size.value = 5
    np.testing.assert_allclose(explorer.kernel, K.gabor(5, theta=np.pi / 2), atol=1e-6)


def test_the_sigma_slider_widens_the_gaussian(explorer):
    explorer.preset.value = "gaussian"
    assert explorer.sigma.layout.display is None and explorer.angle.layout.display == "none"
    centre_before = explorer.kernel[2, 2]
    explorer.sigma.value = 2.0
    np.testing.assert_allclose(explorer.kernel, K.gaussian(5, sigma=2.0), atol=1e-6)
    assert explorer.kernel[2, 2] < centre_before
    explorer.preset.value = "sharpen"
    assert explorer.sigma.layout.display == "none"


def test_the_readout_shows_no_rounding_noise(explorer):
    """Issue 18: a kernel whose weights sum to 0 read "weights sum to 3.45e-07" in float32."""
    kernel = np.array([[0.1, 0.2, -0.3], [0.7, -0.35, -0.35], [0.05, -0.04, -0.01]], np.float32)
    assert float(kernel.sum()) != 0.0  # float32 leaves noise: the readout must not show it
    explorer.kernel = kernel
    assert "weights sum to 0;" in explorer.readout.value
    explorer.kernel = np.full((3, 3), 0.5, np.float32)
    assert "weights sum to 4.5;" in explorer.readout.value
