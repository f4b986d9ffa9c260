"""KernelExplorer driven through its controls; its pixels checked against ops.conv2d and tf.nn.conv2d."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from cnnlab import kernels as K
from cnnlab import ops, plotting
from cnnlab.plotting import to_uint8
from cnnlab.widgets import KernelExplorer, kernel_explorer
from cnnlab.widgets._base import FULL_WIDTH
from cnnlab.widgets._base import readable
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
    cmap, low, high = explorer.scale
    assert cmap == "gray"  # a line of ones on a photo: no negative values
    shown = decoded(explorer.output_view)
    zoom = 320 // photo.shape[1]  # a small map is enlarged, each pixel a zoom × zoom block
    assert shown.shape[:2] == (photo.shape[0] * zoom, photo.shape[1] * zoom)
    expected = to_uint8(explorer.output_array, low, high)
    assert np.abs(shown[zoom // 2 :: zoom, zoom // 2 :: zoom, 0] - expected).mean() < 3  # JPEG, close to exact


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


def test_signed_maps_follow_the_gallerys_convention():
    """Issue 18: the explorer drew signed maps in grey, auto-contrasted, the gallery in RdBu_r centred on zero."""
    import matplotlib.pyplot as plt

    noise = np.random.default_rng(3).random((40, 60, 3)).astype(np.float32)
    explorer = KernelExplorer({"noise": noise}, kernel="sobel x")
    shown = decoded(explorer.output_view)
    shown = shown[:: shown.shape[0] // 40, :: shown.shape[1] // 60]   # one sample per map pixel
    assert shown.ndim == 3, "drawn in grey"
    result = explorer.output_array
    low, high = -np.percentile(np.abs(result), 99), np.percentile(np.abs(result), 99)
    negative, positive = shown[result < 0.5 * low], shown[result > 0.5 * high]
    assert len(negative) > 20 and len(positive) > 20
    assert negative[:, 2].mean() > negative[:, 0].mean() + 40   # negative: blue
    assert positive[:, 0].mean() > positive[:, 2].mean() + 40   # positive: red
    near_zero = shown[np.abs(result) < 0.02 * high]
    assert near_zero.min() > 200  # zero: white
    cmap, low, high = explorer.scale
    gallery = plotting.show_images([explorer.output_array], ["sobel x"]).axes[0].images[0]
    assert cmap == gallery.get_cmap().name == plotting.DIVERGING_CMAP and low == -high
    plt.close("all")


def test_every_feature_map_has_a_colour_bar_labelled_with_its_limits(explorer):
    explorer.preset.value = "sobel x"
    cmap, low, high = explorer.scale
    bar = decoded(explorer.bar_view)
    assert bar.shape[1] == 240 and bar[0, 0, 2] > bar[0, 0, 0] and bar[0, -1, 0] > bar[0, -1, 2]  # blue to red
    labels = re.findall(r">([^<>]+)</span>", explorer.bar_labels.value)
    assert labels == [readable(low, high), "0", readable(high, high)]
    assert "one scale for all four channel views" in explorer.bar_labels.value
    explorer.add_button.click()
    stacked_bar = explorer.stack_box.children[1].children[2]
    assert decoded(stacked_bar).shape[1] == 160


def test_the_channel_toggle_visibly_changes_the_map_and_the_input(photo):
    """Issue 18: each map was auto-contrasted, so a channel whose values are a scaled copy looked the same."""
    scaled = np.stack([photo[..., 0], 0.5 * photo[..., 0], 0.25 * photo[..., 0]], axis=-1)
    explorer = KernelExplorer({"scaled": scaled}, kernel="box blur")
    pictures, inputs, scales = {}, {}, set()
    for view in ("red", "green", "blue"):
        explorer.channel.value = view
        pictures[view], inputs[view] = decoded(explorer.output_view), decoded(explorer.input_view)
        scales.add(getattr(explorer, "scale", None))
    assert pictures["red"].mean() > pictures["green"].mean() + 10 > pictures["blue"].mean() + 20
    assert inputs["green"][..., 1].mean() > 20 and inputs["green"][..., [0, 2]].mean() < 5  # only that channel
    assert "Only the blue channel goes through the kernel" in explorer.readout.value
    explorer.channel.value = "all (RGB)"
    assert scales == {explorer.scale}  # one scale for every channel view


#: The narrowest number box (px) Chromium showed each value in without cutting it (scrollWidth <= clientWidth),
#: measured with JupyterLab's number-box style (13 px DejaVu Sans, 8 px left padding, a 15 px spin button).
MEASURED_NEEDS = {"-0.432": 65, "-0.43": 59, "-0.0123": 73, "0.111": 59, "-0.00458": 81, "0.0204": 69}


def test_the_width_rule_covers_what_chromium_needs():
    for text, needed in MEASURED_NEEDS.items():
        assert kernel_explorer._cell_width([float(text)]) >= needed, text


@pytest.mark.parametrize("preset, size", [("gabor", 7), ("gabor", 3), ("gaussian", 5), ("gaussian", 7),
                                          ("box blur", 7), ("scharr x", 3), ("vertical line", 7)])
def test_the_weights_are_shown_whole_in_their_boxes(explorer, preset, size):
    """Issue 18: 58-pixel boxes cut -0.432150 off as "-0.43(": every box fits its text (3 significant digits)."""
    explorer.preset.value = preset
    explorer.size.value = size
    for angle in (0, 45, 90) if preset == "gabor" else (0,):
        explorer.angle.value = angle
        visible = [c for c in explorer.cells if c.layout.display != "none"]
        assert len(visible) == size * size
        for cell in visible:
            text = repr(cell.value).removesuffix(".0")
            digits = text.lstrip("-0.").replace(".", "")
            assert len(digits) <= 3, text                         # no float noise in a box
            assert int(cell.layout.width.removesuffix("px")) >= 25 + sum(
                4.7 if ch in "-." else 8.3 for ch in text), text   # padding, spin button and the text
    np.testing.assert_allclose(kernel_explorer.shown_weights(explorer.kernel).ravel(),
                               [c.value for c in visible], atol=0)


def test_editing_one_weight_keeps_the_others_exact(explorer):
    explorer.preset.value = "gabor"
    explorer.cells[0].value = 0.5
    expected = K.gabor(7)
    expected[0, 0] = 0.5
    np.testing.assert_array_equal(explorer.kernel, expected)  # not the rounded values the boxes show


def test_a_small_photo_is_enlarged_with_visible_pixels():
    tiny = np.random.default_rng(2).random((10, 16, 3)).astype(np.float32)
    explorer = KernelExplorer({"tiny": tiny})
    assert decoded(explorer.input_view).shape[:2] == (10 * 20, 16 * 20)      # 20 × 20 blocks
    assert explorer.input_view.layout.width == explorer.output_view.layout.width == "320px"
    for view in (explorer.input_view, explorer.output_view, explorer.bar_view):
        assert view.layout.max_width == FULL_WIDTH and view.layout.height == "auto"


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


# ----------------------------------------------------------------------------- fitting the notebook column

#: The notebook column the widgets must fit (JupyterLab at its default width), and ipywidgets' default sizes.
COLUMN, INLINE, SHORT, MARGIN = 900, 300, 148, 4


def _px(value) -> float | None:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)px", str(value or ""))
    return float(match.group(1)) if match else None


def widest(widget) -> float:
    """The width in pixels ``widget`` takes at the least, from its fixed widths (what cannot shrink or wrap)."""
    import ipywidgets as w

    layout = widget.layout
    if layout.display == "none":
        return 0.0
    if isinstance(widget, w.GridBox):
        match = re.fullmatch(r"repeat\((\d+), (\d+)px\)", layout.grid_template_columns or "")
        return int(match.group(1)) * (int(match.group(2)) + 2) if match else 0.0
    if isinstance(widget, w.Box):
        sizes = [widest(child) for child in widget.children]
        wraps = isinstance(widget, w.VBox) or "wrap" in (layout.flex_flow or "")
        return max(sizes, default=0.0) if wraps else sum(sizes)
    own = _px(layout.width)
    if own is not None:
        return own + MARGIN
    if isinstance(widget, w.ToggleButtons):
        label = _px(widget.style.description_width) or 80.0 if widget.description else 0.0
        return label + len(widget.options) * ((_px(widget.style.button_width) or SHORT) + MARGIN)
    if isinstance(widget, w.Image):  # no width: its natural one
        return float(Image.open(io.BytesIO(widget.value)).width) if widget.value else 0.0
    if isinstance(widget, (w.HTML, w.Label)):
        return 0.0  # text wraps
    return (SHORT if isinstance(widget, w.Button) else INLINE) + MARGIN


def overflowing(widget, column: float = COLUMN) -> list[str]:
    """The parts of ``widget`` whose fixed widths add up to more than the column, and pictures not at their ratio."""
    import ipywidgets as w

    problems, stack = [], [widget.root]
    while stack:
        box = stack.pop()
        if widest(box) > column:
            problems.append(f"{type(box).__name__} of {widest(box):.0f} px")
        if isinstance(box, w.Image) and box.layout.display != "none":
            layout = box.layout
            if not (layout.max_width == FULL_WIDTH and layout.height in (None, "auto") and _px(layout.width)):
                problems.append(f"an image without width, max_width FULL_WIDTH and height auto ({layout.width})")
        if isinstance(box, w.Box):
            stack.extend(box.children)
    return problems


def test_the_explorer_fits_the_notebook_column(explorer):
    """Issue 18: 320 + 320 px of pictures beside the controls made the widget wider than the column."""
    for preset, size, sigma in (("gabor", 7, 1.0), ("gaussian", 7, 3.0), ("box blur", 7, 1.0), ("sobel x", 3, 1.0)):
        explorer.preset.value = preset
        explorer.size.value = size
        explorer.sigma.value = sigma
        explorer.add_button.click()
        assert overflowing(explorer) == [], preset
        controls, pictures = explorer.root.children[0].children
        assert widest(controls) + 12 + widest(pictures) <= COLUMN, preset   # side by side at 900 px (else they wrap)


def test_a_weight_that_is_not_a_number_is_refused_and_its_box_goes_back(explorer):
    explorer.preset.value = "sobel x"
    explorer.cells[0].value = float("nan")
    assert isinstance(explorer.last_error, ValueError)
    assert "the weight in row 1, column 1 was set to nan" in explorer.error_box.value
    np.testing.assert_array_equal(explorer.kernel, K.sobel_x())     # the kernel applied is unchanged
    assert explorer.cells[0].value == -1.0
    explorer.cells[1].value = 0.5                                   # and the next edit works
    assert explorer.last_error is None and explorer.kernel[0, 1] == 0.5


@pytest.mark.parametrize("act", [
    lambda x: setattr(x.preset, "value", "gaussian"),       # sets the size control too
    lambda x: setattr(x.size, "value", 5),                  # a custom kernel resized
    lambda x: setattr(x.cells[0], "value", 2.5),            # sets the preset to custom, then rewrites the grid
    lambda x: setattr(x, "kernel", np.ones((5, 5))),        # sets the preset and the size
], ids=["preset", "size", "cell", "kernel"])
def test_one_change_updates_once_the_controls_it_sets_stay_quiet(photo, monkeypatch, act):
    """The explorer sets its own controls inside WidgetBase.quiet(): their observers do not update again."""
    explorer = KernelExplorer({"photo": photo}, kernel=np.zeros((3, 3)))
    updates = []
    original = explorer._update
    monkeypatch.setattr(explorer, "_update", lambda: (updates.append(1), original())[1])
    act(explorer)
    assert len(updates) == 1 and explorer.last_error is None


def test_a_photo_is_checked_once_where_it_enters_and_never_on_a_slider_move(photo, monkeypatch):
    """Issue: one family per file, checked once at the edge. The constructor scans each photo once; after it,
    moving a control scans no image for NaN and checks no image-sized memory (ops.correlate_same and
    plotting.encode_array compute unchecked), and the feature map is the checked functions' to the bit."""
    from tests.checks_spy import ChecksSpy

    spy = ChecksSpy(monkeypatch)
    explorer = KernelExplorer({"photo": photo, "flipped": photo[:, ::-1].copy()}, kernel="gabor")
    h, w = photo.shape[:2]
    assert spy.image_scans(h, w) == [("images['photo']", photo.shape), ("images['flipped']", photo.shape)]
    assert any("images['photo']" in what for what in spy.image_memory(h, w))
    spy.clear()
    explorer.angle.value = 45
    explorer.size.value = 5
    explorer.preset.value = "gaussian"
    explorer.sigma.value = 2.0
    explorer.cells[0].value = 0.5
    explorer.channel.value = "green"
    explorer.image_choice.value = "flipped"
    explorer.add_button.click()
    assert explorer.last_error is None and len(explorer.stack) == 1
    assert spy.image_scans(h, w) == [] and spy.image_memory(h, w) == []
    image = explorer.image
    np.testing.assert_array_equal(explorer.output_array, feature_map(image, explorer.kernel, 1))
    assert explorer.scale == kernel_explorer.channel_scale(image, explorer.kernel)
    np.testing.assert_array_equal(explorer.stack_arrays[..., 0], feature_map(image, explorer.kernel, 1))


def test_a_nan_photo_is_refused_where_it_enters(photo):
    bad = photo.copy()
    bad[3, 4, 1] = np.nan
    with pytest.raises(ValueError, match=r"images\['bad'\] contains 1 NaN or infinite values \(the first at "
                                         r"images\['bad'\]\[3, 4, 1\] = nan\)"):
        KernelExplorer({"photo": photo, "bad": bad})


def test_the_unchecked_engines_give_the_checked_functions_bytes(photo):
    from cnnlab.plotting import encode_array, encode_image

    for kernel in (K.gabor(7, theta=0.3), K.sobel_x(), np.ones((5, 5), np.float32)):
        x = photo[..., :1]
        filters = kernel[:, :, None, None].astype(np.float32)
        np.testing.assert_array_equal(ops.correlate_same(x, filters), ops.conv2d(x, filters, padding="SAME"))
    for array, kwargs in ((photo, dict(vmin=0, vmax=1)), (photo[..., 0] - 0.5, dict(cmap="RdBu_r", scale=3)),
                          ((photo * 255).astype(np.uint8), {}), (np.where(photo[..., 0] > 0.5, np.nan, photo[..., 0]),
                                                                dict(cmap="gray", vmin=0.0, vmax=1.0))):
        for fmt in ("png", "jpeg"):
            assert encode_array(array, fmt, **kwargs) == encode_image(array, fmt, **kwargs)
