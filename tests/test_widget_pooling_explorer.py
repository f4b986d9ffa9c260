"""PoolingExplorer driven through its controls; results checked against ops (and tf.nn through ops' tests)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from cnnlab import ops
from cnnlab.widgets import PoolingExplorer
from cnnlab.widgets.pooling_explorer import orientation_maps, pool, shift_invariance


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
