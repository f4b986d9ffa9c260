"""Issue 17: ``load_image`` of float and 32-bit images never returns NaN, nor a silently white picture.

Pillow opens a float TIFF as mode ``F`` and a 32-bit one as mode ``I``; the
values are whatever the writer stored. NaN or infinite pixels are refused
with the source named; values outside [0, 1] are rescaled from their own
range with a warning (clipping them turned a 0-255 float TIFF all white).
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from PIL import Image

from cnnlab import images

pytestmark = pytest.mark.reliability("hostile-files")


def _tiff(values: np.ndarray, mode: str = "F") -> bytes:
    buffer = io.BytesIO()
    dtype = np.float32 if mode == "F" else np.int32
    Image.fromarray(values.astype(dtype), mode=mode).save(buffer, format="TIFF")
    return buffer.getvalue()


def _ramp(low: float, high: float) -> np.ndarray:
    return np.linspace(low, high, 6 * 8, dtype=np.float64).reshape(6, 8)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("max_size", [None, 4])
def test_non_finite_pixels_are_refused(bad, max_size):
    values = _ramp(0.0, 1.0)
    values[2, 3] = bad
    with pytest.raises(ValueError, match=r"source=.*1 NaN or infinite pixel values.*nan_to_num"):
        images.load_image(_tiff(values), max_size=max_size)


@pytest.mark.parametrize(("low", "high", "mode"), [(0.0, 255.0, "F"), (-3.0, 7.5, "F"), (0, 2**20, "I")])
@pytest.mark.parametrize("max_size", [None, 4])
def test_values_outside_unit_range_are_rescaled_with_a_warning(low, high, mode, max_size):
    values = _ramp(low, high)
    with pytest.warns(UserWarning, match=r"outside \[0, 1\]; they were rescaled"):
        image = images.load_image(_tiff(values, mode), max_size=max_size)
    assert np.isfinite(image).all() and image.min() >= 0.0 and image.max() <= 1.0
    if max_size is None:  # the ramp survives: black to white, in order, not clipped to white
        expected = (values - low) / (high - low)
        np.testing.assert_allclose(image[..., 0], expected, atol=1e-6)
        assert (image == 1.0).mean() < 0.05


def test_float_image_in_unit_range_is_kept_as_is_without_warning():
    values = _ramp(0.0, 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        image = images.load_image(_tiff(values))
    np.testing.assert_allclose(image[..., 1], values, atol=1e-6)


def test_constant_float_image_outside_range_becomes_black_not_nan():
    with pytest.warns(UserWarning):
        image = images.load_image(_tiff(np.full((5, 5), 300.0)))
    assert np.isfinite(image).all() and float(image.max()) == 0.0
