"""PoolingExplorer driven through its controls; results checked against ops (and tf.nn through ops' tests)."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from cnnlab import ops, plotting
from cnnlab.widgets import PoolingExplorer
from cnnlab.widgets._base import FULL_WIDTH, readable
from cnnlab.widgets.pooling_explorer import group_names, orientation_maps, pool, shift_changes, shift_invariance


def decoded(view) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(view.value)), dtype=np.float32) / 255.0


@pytest.fixture
def photo():
    rng = np.random.default_rng(1)
    return rng.random((24, 36, 3)).astype(np.float32)


@pytest.fixture
def explorer(photo):
    return PoolingExplorer({"photo": photo, "dark": photo * 0.5})


def test_starts_with_2x2_max_pooling_stride_2(explorer, photo):
    np.testing.assert_array_equal(explorer.output_array, ops.max_pool2d(photo, 2))
    shown = decoded(explorer.output_view)
    assert shown.shape == (24, 36, 3)  # 12×18 outputs drawn as 2×2 blocks
    np.testing.assert_allclose(shown[::2, ::2], explorer.output_array, atol=1 / 255)
    assert "24×36 → 12×18" in explorer.readout.value and "25% of the values are kept" in explorer.readout.value


def test_average_pooling_with_its_own_stride_and_padding(explorer, photo):
    explorer.mode.value = "average"
    explorer.tie_stride.value = False
    explorer.pool_size.value = 3
    explorer.stride.value = 2
    explorer.padding.value = "SAME"
    np.testing.assert_allclose(explorer.output_array, ops.avg_pool2d(photo, 3, 2, "SAME"))
    assert explorer.output_array.shape == (12, 18, 3)
    assert decoded(explorer.output_view).shape == (24, 36, 3)


def test_tied_stride_follows_the_pool_size(explorer, photo):
    explorer.pool_size.value = 3
    assert explorer.stride.value == 3 and explorer.stride.disabled
    np.testing.assert_array_equal(explorer.output_array, ops.max_pool2d(photo, 3, 3))
    explorer.tie_stride.value = False
    explorer.stride.value = 1
    assert explorer.pool_size.value == 3 and explorer.output_array.shape == (22, 34, 3)


def test_the_shift_toggle_moves_the_input_and_reports_invariance(explorer, photo):
    before = explorer.input_view.value
    explorer.shift.value = True
    assert explorer.input_view.value != before
    shifted = np.concatenate([photo[:, :1], photo[:, :-1]], axis=1)
    np.testing.assert_array_equal(explorer.output_array, ops.max_pool2d(shifted, 2))
    pixels_same, outputs_same = explorer.invariance
    assert pixels_same < 0.05 < outputs_same  # random noise: almost every pixel changes, some maxima survive
    assert "changes" in explorer.readout.value


def test_max_pooling_is_more_shift_invariant_than_the_pixels_on_a_real_photo():
    from cnnlab import datasets

    temple = datasets.load_sample_image("temple")[100:300, 150:450]
    pixels_same, outputs_same = shift_invariance(temple, "max", 2)
    assert outputs_same > pixels_same + 0.2


def test_depthwise_pooling_over_orientation_maps(explorer, photo):
    maps = orientation_maps(photo)
    np.testing.assert_array_equal(explorer.depth_output, ops.depth_max_pool(maps, 6))
    np.testing.assert_array_equal(explorer.depth_output[..., 0], maps.max(axis=-1))
    assert [v.layout.display for v in explorer.depth_outputs] == [None] + ["none"] * 5
    explorer.depth_size.value = 2
    assert explorer.depth_output.shape == (24, 36, 3)
    assert [v.layout.display for v in explorer.depth_outputs] == [None] * 3 + ["none"] * 3
    assert "6 channels → 3" in explorer.depth_readout.value


def test_an_impossible_setting_is_shown_in_the_widget_and_it_recovers(photo):
    explorer = PoolingExplorer({"tiny": photo[:5, :5]})
    explorer.pool_size.value = 6
    assert isinstance(explorer.last_error, ValueError)
    assert "does not fit" in explorer.error_box.value and explorer.error_box.layout.display is None
    explorer.padding.value = "SAME"
    assert explorer.last_error is None and explorer.output_array.shape == (1, 1, 3)


def test_switching_images(explorer, photo):
    explorer.image_choice.value = "dark"
    np.testing.assert_allclose(explorer.output_array, ops.max_pool2d(photo * 0.5, 2))


@pytest.mark.parametrize("kwargs, message", [
    ({"images": {}}, "images is empty"),
    ({"images": {"grey": np.zeros((8, 8))}}, r"images\['grey'\] must be an RGB image .* received shape \(8, 8\)"),
    ({"mode": "median"}, r"mode must be one of 'max', 'average', received mode='median'"),
    ({"padding": "full"}, r"received padding='full'"),
])
def test_bad_arguments(photo, kwargs, message):
    kwargs.setdefault("images", {"photo": photo})
    with pytest.raises(ValueError, match=message):
        PoolingExplorer(**kwargs)


def test_pool_function_defaults():
    x = np.arange(16.0).reshape(4, 4, 1)
    np.testing.assert_array_equal(pool(x, "average", 2), ops.avg_pool2d(x, 2))


def redness(pixels: np.ndarray) -> np.ndarray:
    return pixels[..., 0] - pixels[..., 1:].mean(axis=-1)


def test_ticking_shift_paints_in_red_exactly_the_outputs_it_changed(explorer, photo):
    """Issue 18: the shift box had no visible effect (a one-pixel move at 300 px)."""
    plain = decoded(explorer.output_view)
    assert "Tick “shift the input one pixel right”" in explorer.output_caption.value
    explorer.shift.value = True
    marked = decoded(explorer.output_view)[::2, ::2]           # one sample per 2×2 block
    pixels_changed, outputs_changed = shift_changes(photo, "max", 2)
    np.testing.assert_array_equal(explorer.changes[1], outputs_changed)
    fully, untouched = outputs_changed == 1, outputs_changed == 0
    assert fully.any() and untouched.any()
    assert redness(marked[fully]).mean() > redness(marked[untouched]).mean() + 0.3
    np.testing.assert_allclose(marked[untouched], explorer.output_array[untouched], atol=1 / 255)  # unchanged
    assert np.abs(decoded(explorer.output_view) - plain).mean() > 0.05
    share = f"{1 - explorer.invariance[1]:.0%}"
    assert f"the {share} of the pooled values that changed" in explorer.output_caption.value
    assert "Red" in explorer.input_caption.value
    assert redness(decoded(explorer.input_view))[:, 1:].mean() > 0.3   # noise: almost every pixel changed


def test_shift_changes_agrees_with_shift_invariance(photo):
    for mode, size in (("max", 2), ("average", 3)):
        pixels, outputs = shift_changes(photo, mode, size)
        assert pixels.shape == photo.shape[:2] and outputs.shape == pool(photo, mode, size).shape[:2]
        same = shift_invariance(photo, mode, size)
        assert same == pytest.approx((1 - pixels[:, 1:].mean(), 1 - outputs[:, 1:].mean()))
        assert not pixels[:, 0].any() and not outputs[:, 0].any()   # the copied column is not compared


def test_the_depth_pool_outputs_are_captioned_with_what_they_are_the_maximum_of(explorer):
    """Issue 18: the depth-pool output had no caption."""
    text = [re.sub(r"<[^>]+>", "", c.value) for c in explorer.depth_captions[:1]]
    assert text == ["max of 0°, 30°, 60°, 90°, 120°, 150°"]
    explorer.depth_size.value = 2
    text = [re.sub(r"<[^>]+>", "", c.value) for c in explorer.depth_captions[:3]]
    assert text == ["max of 0° and 30°", "max of 60° and 90°", "max of 120° and 150°"]
    assert [b.layout.display for b in explorer._depth_boxes] == [None] * 3 + ["none"] * 3
    assert "Output: 6 channels → 3, the maximum over each group of 2" in explorer.depth_readout.value
    assert group_names((0, 30), 1) == ["0° alone", "30° alone"]


def test_the_depth_maps_share_one_scale_shown_by_a_colour_bar(explorer, photo):
    top = plotting.value_scale(orientation_maps(photo), robust=True)[2]   # the strongest 1 % saturate
    labels = re.findall(r">([^<>]+)</span>", explorer.depth_bar_labels.value)
    assert labels == ["0", readable(top / 2, top), readable(top, top)]
    assert "one scale for all the maps above" in explorer.depth_bar_labels.value
    bar = decoded(explorer.depth_bar)
    assert bar[0, 0].max() < 0.05 and bar[0, -1].min() > 0.95     # black at 0, white at the largest response


def test_the_pictures_keep_their_aspect_ratio_and_fit_the_column(explorer):
    for view in (explorer.input_view, explorer.output_view, *explorer.depth_inputs, *explorer.depth_outputs,
                 explorer.depth_bar):
        assert view.layout.max_width == FULL_WIDTH and view.layout.height == "auto"
        assert view.layout.object_fit == "contain"


def test_the_explorer_fits_the_notebook_column(explorer):
    from tests.test_widget_kernel_explorer import overflowing

    for depth in (6, 2, 1):
        explorer.depth_size.value = depth
        explorer.shift.value = not explorer.shift.value
        assert overflowing(explorer) == [], depth


def test_a_photo_is_checked_once_where_it_enters_and_never_on_a_slider_move(photo, monkeypatch):
    """Issue: one family per file, checked once at the edge. The constructor scans each photo once; after it,
    moving a control scans no image for NaN and checks no image-sized memory (ops.pool_windows,
    ops.correlate_same and plotting.encode_array compute unchecked), and the results are the checked functions'."""
    from tests.checks_spy import ChecksSpy

    spy = ChecksSpy(monkeypatch)
    explorer = PoolingExplorer({"photo": photo, "dark": photo * 0.5})
    h, w = photo.shape[:2]
    assert spy.image_scans(h, w) == [("images['photo']", photo.shape), ("images['dark']", photo.shape)]
    assert any("images['photo']" in what for what in spy.image_memory(h, w))
    spy.clear()
    explorer.pool_size.value = 3
    explorer.tie_stride.value = False
    explorer.stride.value = 1
    explorer.padding.value = "SAME"
    explorer.mode.value = "average"
    explorer.shift.value = True
    explorer.depth_size.value = 2
    explorer.image_choice.value = "dark"
    assert explorer.last_error is None
    assert spy.image_scans(h, w) == [] and spy.image_memory(h, w) == []
    dark, args = photo * 0.5, ("average", 3, 1, "SAME")
    np.testing.assert_array_equal(explorer.output_array, pool(explorer.image, *args))
    changes = shift_changes(dark, *args)
    np.testing.assert_array_equal(explorer.changes[0], changes[0])
    np.testing.assert_array_equal(explorer.changes[1], changes[1])
    assert explorer.invariance == shift_invariance(dark, *args)
    np.testing.assert_array_equal(explorer.depth_output, ops.depth_max_pool(orientation_maps(explorer.image), 2))


def test_a_setting_that_does_not_fit_is_still_refused_on_a_slider_move():
    """The settings a control changes are checked at each move (ops.pool_geometry), the photo is not."""
    explorer = PoolingExplorer({"small": np.zeros((5, 5, 3), np.float32)})
    explorer.pool_size.value = 6
    assert "does not fit in x's 5×5 images with padding='VALID'" in str(explorer.last_error)


def test_a_nan_photo_is_refused_where_it_enters(photo):
    bad = photo.copy()
    bad[2, 5, 0] = np.inf
    with pytest.raises(ValueError, match=r"images\['bad'\] contains 1 NaN or infinite values \(the first at "
                                         r"images\['bad'\]\[2, 5, 0\] = inf\)"):
        PoolingExplorer({"photo": photo, "bad": bad})
