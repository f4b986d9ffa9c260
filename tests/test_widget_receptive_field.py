"""ReceptiveFieldExplorer driven through its controls, and the pure functions behind it."""

import io
import re

import numpy as np
import pytest
from PIL import Image

from cnnlab import ops
from cnnlab.widgets import ReceptiveFieldExplorer
from cnnlab.widgets._base import FULL_WIDTH
from cnnlab.widgets.receptive_field import PRESETS, draw_box, field_box, field_path, field_table, shrink

WHITE = np.full((40, 60), 255, np.uint8)
TWO_3X3 = "two 3×3 convs vs one 5×5"
LENET = "LeNet-5 (conv 5, pool 2, conv 5, pool 2)"


def text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def bounds(layers, shape, row, col):
    """(top, bottom, left, right) of a neuron of the last layer, straight from ops."""
    (top, bottom), (left, right) = (ops.receptive_field_bounds(layers, n, index)[0]
                                    for n, index in zip(shape, (row, col)))
    return top, bottom, left, right


def shown_box(explorer):
    """Decode the displayed image and return the bounding box of its undimmed (white) pixels."""
    pixels = np.asarray(Image.open(io.BytesIO(explorer.image.value)).convert("RGB")).astype(int)
    s = explorer.scale
    assert pixels.shape[:2] == (WHITE.shape[0] * s, WHITE.shape[1] * s)
    centres = pixels[s // 2 :: s, s // 2 :: s]                     # one sample per input pixel
    bright = (centres > 200).all(axis=-1)
    rows, cols = np.flatnonzero(bright.any(axis=1)), np.flatnonzero(bright.any(axis=0))
    box = rows[0], rows[-1], cols[0], cols[-1]
    assert bright.sum() == (box[1] - box[0] + 1) * (box[3] - box[2] + 1)   # one solid rectangle
    return tuple(int(v) for v in box)


# --------------------------------------------------------------------------- pure functions


@pytest.mark.parametrize("preset", list(PRESETS))
def test_field_box_is_ops_receptive_field_bounds_per_axis(preset):
    layers = PRESETS[preset]
    shape = (53, 80)
    for k in range(len(layers)):
        out_h, out_w = (ops.receptive_field(layers[: k + 1], n)[-1].output_size for n in shape)
        for row, col in [(0, 0), (out_h // 2, out_w // 3), (out_h - 1, out_w - 1)]:
            assert field_box(layers, shape, k, row, col) == bounds(layers[: k + 1], shape, row, col)
            path = field_path(layers, shape, k, row, col)
            assert len(path) == k + 2 and path[-1] == ((row, row), (col, col))


def test_two_3x3_convs_see_5x5_away_from_the_border_and_less_at_it():
    layers = PRESETS[TWO_3X3]
    assert field_box(layers, (40, 60), 1, 20, 30) == (18, 22, 28, 32)
    assert field_box(layers, (40, 60), 1, 0, 59) == (0, 2, 57, 59)
    assert field_box(layers, (40, 60), 0, 20, 30) == (19, 21, 29, 31)


def test_field_table_compares_weights_with_one_layer_of_the_same_field():
    rows = field_table(PRESETS["three 3×3 convs"], (32, 32))
    assert [r.field for r in rows] == [(3, 3), (5, 5), (7, 7)]
    assert [(r.weights, r.single_layer_weights) for r in rows] == [(9, 9), (18, 25), (27, 49)]
    lenet = field_table(PRESETS[LENET], (32, 32))
    assert [(r.field[0], r.jump[0], r.output_shape[0]) for r in lenet] == [(5, 1, 28), (6, 2, 14), (14, 2, 10),
                                                                          (16, 4, 5)]
    assert [r.weights for r in lenet] == [25, 25, 50, 50]       # pooling layers add no weights
    strided = field_table(PRESETS["strided convs"], (64, 64))
    assert [(r.field[0], r.jump[0]) for r in strided] == [(3, 2), (7, 4), (15, 8)]


def test_draw_box_keeps_the_field_darkens_the_rest_and_frames_it_outside():
    image = np.full((6, 8, 3), 200, np.uint8)
    shown = draw_box(image, (1, 2, 3, 5), scale=2, border=2, colour=(255, 0, 0), dim=0.5)
    assert shown.shape == (12, 16, 3) and shown.dtype == np.uint8
    np.testing.assert_array_equal(shown[2:6, 6:12], 200)                  # the field, untouched
    np.testing.assert_array_equal(shown[0:2, 4:14], [[[255, 0, 0]] * 10] * 2)  # frame above it
    np.testing.assert_array_equal(shown[2:6, 4:6], [[[255, 0, 0]] * 2] * 4)    # frame left of it
    np.testing.assert_array_equal(shown[10:, :], 100)                     # dimmed elsewhere
    np.testing.assert_array_equal(shown[:, :3], 100)


def test_draw_box_clips_the_frame_at_the_image_border():
    shown = draw_box(np.ones((4, 4)), (0, 3, 0, 1), border=1, colour=(0, 0, 255), dim=0.0)
    np.testing.assert_array_equal(shown[:, :2], 255)
    np.testing.assert_array_equal(shown[:, 2], [[0, 0, 255]] * 4)
    np.testing.assert_array_equal(shown[:, 3], 0)


def test_shrink_averages_blocks():
    image = np.arange(16, dtype=np.float32).reshape(4, 4)
    np.testing.assert_array_equal(shrink(image, 2), [[2.5, 4.5], [10.5, 12.5]])
    assert shrink(image, 4).shape == (4, 4)


@pytest.mark.parametrize("call, message", [
    (lambda: field_box(PRESETS[TWO_3X3], (10, 10), 2, 0, 0), r"layer_index must be below .* received layer_index=2"),
    (lambda: field_box(PRESETS[TWO_3X3], (10, 10), 1, 10, 0), r"row must be an integer from 0 to 9 .* received row=10"),
    (lambda: field_box(PRESETS[TWO_3X3], (10, 10), 1, 0, -1), r"col must be .* received col=-1"),
    (lambda: field_box(PRESETS[TWO_3X3], (10,), 1, 0, 0), r"image_shape must be .* received image_shape=\(10,\)"),
    (lambda: field_box("3x3", (10, 10), 0, 0, 0), r"layers must be a sequence .* received layers='3x3'"),
    (lambda: field_table(PRESETS[LENET], (12, 12)), r"kernel_size=5 is larger than input_size=4"),
    (lambda: draw_box(np.ones((4, 4)), (0, 4, 0, 0)), r"box must be .* inside the 4×4 image .* box=\(0, 4, 0, 0\)"),
    (lambda: draw_box(np.ones((4, 4)), (2, 1, 0, 0)), r"received box=\(2, 1, 0, 0\)"),
    (lambda: draw_box(np.ones((4, 4, 2)), (0, 0, 0, 0)), r"image must be .* received shape \(4, 4, 2\)"),
    (lambda: draw_box(np.ones((4, 4)), (0, 0, 0, 0), dim=2), r"dim must be a number from 0 to 1, received dim=2"),
])
def test_pure_functions_refuse_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------- the widget


@pytest.fixture
def explorer():
    return ReceptiveFieldExplorer(WHITE, preset=TWO_3X3, scale=4)


def test_starts_on_the_centre_neuron_of_the_last_layer(explorer):
    assert explorer.layer.value == 1 and [label for label, _ in explorer.layer.options] == ["1. conv1 3×3",
                                                                                          "2. conv2 3×3"]
    assert (explorer.row.max, explorer.col.max) == (39, 59) and (explorer.row.value, explorer.col.value) == (20, 30)
    assert explorer.box == (18, 22, 28, 32) == shown_box(explorer)


def test_the_drawn_box_follows_the_neuron_and_matches_ops(explorer):
    layers = PRESETS[TWO_3X3]
    for row, col in [(5, 7), (0, 0), (39, 59), (1, 58), (38, 2)]:
        explorer.row.value, explorer.col.value = row, col
        expected = bounds(layers, WHITE.shape, row, col)
        assert explorer.box == expected and shown_box(explorer) == expected
    explorer.row.value, explorer.col.value = 12, 40
    top, bottom, left, right = shown_box(explorer)
    assert (bottom - top + 1, right - left + 1) == (5, 5)          # two 3×3 convs see 5×5 away from the border
    assert "5×5</b> receptive field" in explorer.readout.value
    explorer.row.value = 0
    assert shown_box(explorer) == (0, 2, 38, 42)                    # clipped by the border
    assert "The border clips it to 3×5 real pixels" in text(explorer.readout.value)


def test_readout_compares_18_weights_with_25(explorer):
    readout, table = text(explorer.readout.value), text(explorer.table_html.value)
    assert "used 18 weights per input/output channel pair to see a 5×5 field" in readout
    assert "one 5×5 convolution would need 25" in readout
    assert "1. conv1 3×3" in table and "2. conv2 3×3" in table and "25 (1.4× more)" in table
    assert "input: rows 18–22, columns 28–32 (5×5)" in readout
    assert "1. conv1 3×3: rows 19–21, columns 29–31 (3×3)" in readout
    assert "2. conv2 3×3: row 20, column 30 (the neuron)" in readout


def test_choosing_a_layer_updates_sliders_box_and_table(explorer):
    explorer.layer.value = 0
    assert (explorer.row.max, explorer.col.max) == (39, 59)
    assert explorer.box == bounds(PRESETS[TWO_3X3][:1], WHITE.shape, 20, 30) == shown_box(explorer)
    assert "2. conv2" not in explorer.table_html.value


def test_choosing_a_preset_rebuilds_the_layer_list_and_slider_ranges(explorer):
    explorer.preset.value = "strided convs"
    assert len(explorer.layer.options) == 3 and explorer.layer.value == 2
    out_h, out_w = (ops.receptive_field(PRESETS["strided convs"], n)[-1].output_size for n in WHITE.shape)
    assert (explorer.row.max, explorer.col.max) == (out_h - 1, out_w - 1) == (4, 7)
    explorer.row.value, explorer.col.value = 2, 3
    assert shown_box(explorer) == bounds(PRESETS["strided convs"], WHITE.shape, 2, 3)
    assert "15×15" in explorer.readout.value and "8 pixels apart" in explorer.readout.value
    explorer.preset.value = LENET
    assert len(explorer.layer.options) == 4
    assert (explorer.row.max, explorer.col.max) == (6, 11)
    assert shown_box(explorer) == bounds(PRESETS[LENET], WHITE.shape, 3, 6) == explorer.box


def test_a_stack_too_deep_for_the_image_is_flagged_and_the_widget_recovers():
    explorer = ReceptiveFieldExplorer(np.ones((12, 12)), preset="three 3×3 convs", scale=4)
    before = explorer.image.value
    explorer.preset.value = LENET                       # 12 → 8 → 4, then a 5×5 VALID conv cannot fit
    assert isinstance(explorer.last_error, ValueError)
    assert explorer.error_box.layout.display is None and "kernel_size=5 is larger" in explorer.error_box.value
    assert explorer.image.value == before
    explorer.preset.value = "conv 3×3, pool 2×2, conv 3×3"
    assert explorer.last_error is None and explorer.error_box.layout.display == "none"
    assert explorer.box == bounds(PRESETS["conv 3×3, pool 2×2, conv 3×3"], (12, 12), 3, 3)


def test_a_custom_stack_is_offered_and_selected():
    explorer = ReceptiveFieldExplorer(np.zeros((30, 30, 3)), layers=[(7, 2, "SAME"), (3, 1, "VALID")])
    assert explorer.preset.value == "custom" and explorer.preset.options[0] == "custom"
    assert [row.field[0] for row in explorer.table] == [7, 11]
    assert explorer.output_array.shape == (30 * explorer.scale, 30 * explorer.scale, 3)


def test_default_is_the_temple_photo_as_jpeg():
    explorer = ReceptiveFieldExplorer()
    assert explorer.input_image.shape == (53, 80, 3) and explorer.input_image.dtype == np.uint8
    assert explorer.image.format == "jpeg" and explorer.image.value[:2] == b"\xff\xd8"
    assert explorer.preset.value == "three 3×3 convs" and explorer.table[-1].field == (7, 7)


def test_displays_as_a_widget_with_a_short_text_form(explorer):
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == "<ReceptiveFieldExplorer widget>"


@pytest.mark.parametrize("kwargs, message", [
    ({"image": np.ones((4, 4, 2))}, r"image must be .* received shape \(4, 4, 2\)"),
    ({"image": np.array(["a"])}, r"image must be .* received shape \(1,\)"),
    ({"preset": "VGG"}, r"preset must be one of .* received preset='VGG'"),
    ({"scale": 0}, r"scale must be a positive integer, received scale=0"),
    ({"format": "gif"}, r"format must be one of 'jpeg', 'png', received format='gif'"),
    ({"layers": [(3, 1, "FULL")]}, r"padding must be one of 'SAME', 'VALID', received padding='FULL'"),
    ({"layers": [object]}, r"layers\[0\] must be a Layer"),
])
def test_bad_arguments_are_refused(kwargs, message):
    kwargs.setdefault("image", WHITE)
    with pytest.raises(ValueError, match=message):
        ReceptiveFieldExplorer(**kwargs)


def test_the_photo_keeps_its_aspect_ratio_whatever_the_text_beside_it():
    """Issue 18: the photo followed the height of the text beside it (stretched by the row's align-items)."""
    from tests.test_widget_kernel_explorer import overflowing

    explorer = ReceptiveFieldExplorer()
    layout = explorer.image.layout
    shown = Image.open(io.BytesIO(explorer.image.value))
    assert layout.width == f"{shown.width}px" and shown.width <= 400               # its natural width, set alone
    assert (layout.height, layout.object_fit, layout.align_self, layout.max_width) == ("auto", "contain",
                                                                                       "flex-start", FULL_WIDTH)
    row = next(box for box in explorer.root.children if explorer.image in getattr(box, "children", ()))
    assert row.layout.align_items == "flex-start" and "wrap" in row.layout.flex_flow
    assert explorer.scale >= 4                                                       # pixels big enough to see
    for preset in PRESETS:
        explorer.preset.value = preset
        assert overflowing(explorer) == [], preset
    # The chosen row in a theme colour that suits the theme's text (the browser suite measures the contrast).
    assert "var(--jp-notebook-multiselected-color" in explorer.table_html.value
