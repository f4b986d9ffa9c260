import io

import numpy as np
import pytest
from PIL import Image

from cnnlab import plotting


def decode(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


def test_png_round_trip_of_a_greyscale_float_array():
    array = np.array([[0.0, 0.5], [1.0, 0.25]])
    pixels = decode(plotting.encode_image(array, vmin=0, vmax=1))
    np.testing.assert_array_equal(pixels, [[0, 128], [255, 64]])


def test_uint8_rgb_is_encoded_unchanged():
    array = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    np.testing.assert_array_equal(decode(plotting.encode_image(array)), array)


def test_scale_enlarges_pixels_into_blocks():
    pixels = decode(plotting.encode_image(np.eye(2, dtype=np.uint8) * 255, scale=3))
    assert pixels.shape == (6, 6)
    np.testing.assert_array_equal(pixels[:3, :3], 255)
    np.testing.assert_array_equal(pixels[:3, 3:], 0)


def test_colour_map_turns_grey_into_rgb():
    pixels = decode(plotting.encode_image(np.array([[-1.0, 0.0, 1.0]]), cmap="RdBu_r", vmin=-1, vmax=1))
    assert pixels.shape == (1, 3, 3)
    assert pixels[0, 0, 2] > pixels[0, 0, 0]   # negative: blue
    assert pixels[0, 2, 0] > pixels[0, 2, 2]   # positive: red
    assert pixels[0, 1].min() > 240            # zero: near white


def test_jpeg_is_smaller_for_photos_and_decodes_close():
    photo = np.random.default_rng(1).random((64, 64, 3)).astype(np.float32) * 0.2 + 0.4
    jpeg = plotting.encode_image(photo, "jpeg", vmin=0, vmax=1)
    assert jpeg[:2] == b"\xff\xd8"
    assert np.abs(decode(jpeg) / 255.0 - photo).mean() < 0.05


def test_to_uint8_defaults_and_constant_input():
    np.testing.assert_array_equal(plotting.to_uint8(np.array([2.0, 4.0])), [0, 255])
    np.testing.assert_array_equal(plotting.to_uint8(np.full(3, 7.0)), [128, 128, 128])
    np.testing.assert_array_equal(plotting.to_uint8(np.array([np.nan, 1.0]), 0, 1), [0, 255])


@pytest.mark.parametrize("kwargs, message", [
    ({"array": np.zeros((2, 2, 4))}, r"array must have shape \(height, width\) or \(height, width, 3\), received shape \(2, 2, 4\)"),
    ({"array": np.zeros((0, 3))}, r"received shape \(0, 3\)"),
    ({"array": np.zeros((2, 2)), "format": "gif"}, r"format must be one of 'png', 'jpeg', received format='gif'"),
    ({"array": np.zeros((2, 2)), "scale": 0}, r"scale must be a positive integer, received scale=0"),
])
def test_encode_image_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plotting.encode_image(**kwargs)


def test_show_images_titles_and_no_axes():
    import matplotlib.pyplot as plt

    fig = plotting.show_images([np.zeros((4, 4)), np.ones((4, 4, 3))], ["a", "b"], suptitle="both")
    panels = [ax for ax in fig.axes if not hasattr(ax, "_colorbar")]
    assert [ax.get_title() for ax in panels] == ["a", "b"]
    assert not any(ax.axison for ax in panels)
    plt.close(fig)
    with pytest.raises(ValueError, match="titles has 1 entries for 2 images"):
        plotting.show_images([np.zeros((2, 2))] * 2, ["only one"])


def test_show_images_robust_scaling_ignores_outliers():
    import matplotlib.pyplot as plt

    image = np.linspace(0, 1, 10_000).reshape(100, 100)
    image[0, 0] = 1000.0
    fig = plotting.show_images([image], robust=True)
    low, high = fig.axes[0].images[0].get_clim()
    assert low == pytest.approx(0.01, abs=0.005) and high == pytest.approx(0.99, abs=0.01)
    plt.close(fig)


def test_show_predictions_draws_each_photo_beside_its_top_classes():
    import matplotlib.pyplot as plt

    top = [[("macaw", 0.9), ("lorikeet", 0.06), ("toucan", 0.04)], [("tabby", 0.5), ("tiger cat", 0.3)]]
    fig = plotting.show_predictions([np.ones((4, 6, 3)), np.zeros((5, 5, 3), np.uint8)], top, ["parrot", "cat"])
    photo, bars = fig.axes[0], fig.axes[1]
    assert photo.get_title() == "parrot" and not photo.axison and bars.axison
    assert [t.get_text() for t in bars.get_yticklabels()] == ["macaw", "lorikeet", "toucan"]  # best on top
    widths = sorted((p.get_width() for p in bars.patches), reverse=True)
    assert widths == pytest.approx([90, 6, 4])
    assert {"90.0%", "6.0%", "4.0%"} <= {t.get_text() for t in bars.texts}
    assert [t.get_text() for t in fig.axes[3].get_yticklabels()] == ["tabby", "tiger cat"]
    plt.close(fig)
    with pytest.raises(ValueError, match="predictions has 1 entries for 2 images"):
        plotting.show_predictions([np.zeros((2, 2, 3))] * 2, top[:1])
    with pytest.raises(ValueError, match="cols must be a positive integer, received cols=0"):
        plotting.show_predictions([np.zeros((2, 2, 3))], top[:1], cols=0)


def test_nan_becomes_transparent_in_a_colour_mapped_png():
    pixels = decode(plotting.encode_image(np.array([[0.0, np.nan, 1.0]]), cmap="gray", vmin=0, vmax=1, scale=2))
    assert pixels.shape == (2, 6, 4)
    np.testing.assert_array_equal(pixels[0, :, 3], [255, 255, 0, 0, 255, 255])
    np.testing.assert_array_equal(pixels[0, ::2, :3], [[0, 0, 0], [255, 255, 255], [255, 255, 255]])  # NaN: white
    assert decode(plotting.encode_image(np.array([[0.0, 1.0]]), cmap="gray")).shape == (1, 2, 3)  # no NaN: RGB


def test_show_filters_draws_a_kernel_on_one_diverging_scale():
    import matplotlib

    matplotlib.use("Agg")
    kernel = np.stack([np.eye(3), -2 * np.eye(3), np.ones((3, 3))], axis=-1)[:, :, None, :]
    fig = plotting.show_filters(kernel, 2, max_filters=2, name="conv$1")
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 2 and all(ax.images[0].get_clim() == (-2.0, 2.0) for ax in panels)  # the shown ones' max
    assert panels[1].images[0].get_cmap().name == plotting.DIVERGING_CMAP
    assert fig.get_suptitle() == "conv$1: 2 of 3 learned 3×3 kernels (input channel 0)"  # drawn literally


def test_show_filters_of_rgb_kernels_maps_zero_to_grey():
    import matplotlib

    matplotlib.use("Agg")
    kernel = np.zeros((2, 2, 3, 1), np.float32)
    kernel[0, 0, 0, 0] = 4.0
    fig = plotting.show_filters(kernel)
    shown = fig.axes[0].images[0].get_array()
    assert shown[0, 0].tolist() == [1.0, 0.5, 0.5] and shown[1, 1].tolist() == [0.5, 0.5, 0.5]
    assert "±4 is full brightness" in fig._supxlabel.get_text() and len(fig.axes) == 1  # no colour bar
