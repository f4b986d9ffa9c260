"""Turn a digit drawn by hand into an input that looks like MNIST.

MNIST's digits were size-normalised to fit a 20×20 box (keeping their aspect
ratio, with anti-aliasing), then placed in a 28×28 image so that their centre
of mass sits at the centre of the image (LeCun, Cortes and Burges). A digit
drawn with the mouse must go through the same steps, or a model trained on
MNIST sees something it never saw: a thin line in a corner.

numpy and Pillow only.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_bool, check_finite_array, check_memory

__all__ = ["to_mnist", "center_of_mass", "render_strokes"]

_BOX = 20
_SIZE = 28
#: Rendering size of :func:`render_strokes`: the digit's longer side spans this many pixels.
_RENDER_EXTENT = 200


def center_of_mass(image) -> tuple[float, float]:
    """The intensity-weighted mean (row, column) of a 2-D image.

    Examples
    --------
    >>> image = np.zeros((5, 5)); image[1, 3] = 1.0
    >>> center_of_mass(image)
    (1.0, 3.0)
    """
    image = _check_picture("image", image, bytes_per_pixel=48)  # float64 copy, int64 indices, weighted sums
    if image.ndim != 2:
        raise ValueError(f"image must be a 2-D greyscale image (height, width), received shape {image.shape}.")
    image = image.astype(np.float64)
    total = image.sum()
    if total <= 0:
        raise ValueError("image is blank (no ink); draw something first.")
    rows, cols = np.indices(image.shape)
    return float((rows * image).sum() / total), float((cols * image).sum() / total)


def _check_picture(name: str, value, *, bytes_per_pixel: int) -> np.ndarray:
    """``value`` as a numeric, non-empty, finite 2-D (or RGB/RGBA) array small enough to process."""
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold numbers, received an array of dtype {array.dtype} and shape {array.shape}.")
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[-1] in (3, 4))) or array.size == 0:
        raise ValueError(f"{name} must be a 2-D greyscale image (or RGB/RGBA), received shape {array.shape}.")
    check_memory(f"{name} of shape {array.shape}", array.shape[0] * array.shape[1] * bytes_per_pixel,
                 fix="A drawing of a few hundred pixels a side is plenty; shrink it first.")
    check_finite_array(name, array)
    return array


def to_mnist(drawing, *, ink_is_dark: bool = False) -> np.ndarray:
    """Preprocess a drawn digit the way MNIST's digits were: crop, fit into 20×20, centre by mass in 28×28.

    Parameters
    ----------
    drawing : array_like
        2-D greyscale (or RGB/RGBA, converted) image of any size: ``uint8``
        0-255 or floats in [0, 1].
    ink_is_dark : bool
        True for dark ink on a light background (a photo of paper); the result
        is inverted so ink is bright, as in MNIST.

    Returns
    -------
    numpy.ndarray
        ``(28, 28)`` ``uint8``, ink near 255, background 0, like
        ``load_mnist()``'s images.

    Examples
    --------
    >>> canvas = np.zeros((200, 200)); canvas[20:180, 95:105] = 1.0   # a tall "1" drawn off-centre
    >>> digit = to_mnist(canvas)
    >>> digit.shape, digit.dtype
    ((28, 28), dtype('uint8'))
    >>> [round(c) for c in center_of_mass(digit)]
    [14, 14]
    """
    from PIL import Image

    ink_is_dark = check_bool("ink_is_dark", ink_is_dark)
    array = _check_picture("drawing", drawing, bytes_per_pixel=40)  # a few float64 copies of the image
    if array.ndim == 3 and array.shape[-1] in (3, 4):
        array = array[..., :3].mean(axis=-1) if array.shape[-1] == 3 else (
            array[..., :3].mean(axis=-1) * (array[..., 3] / (255.0 if array.dtype == np.uint8 else 1.0)))
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"drawing must be a 2-D greyscale image (or RGB/RGBA), received shape {np.shape(drawing)}.")
    image = array.astype(np.float64) / (255.0 if array.dtype == np.uint8 else 1.0)
    if ink_is_dark:
        image = 1.0 - image
    image = np.clip(image, 0.0, 1.0)
    rows = np.flatnonzero(image.max(axis=1) > 0.05)
    cols = np.flatnonzero(image.max(axis=0) > 0.05)
    if rows.size == 0:
        raise ValueError("drawing is blank (no ink); draw a digit first.")
    crop = image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    height, width = crop.shape
    scale = _BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    fitted = np.asarray(Image.fromarray(crop.astype(np.float32)).resize(size, Image.Resampling.LANCZOS))
    fitted = np.clip(fitted, 0.0, 1.0)
    # Put the box in the middle, then move it so that its centre of mass is at the image centre.
    canvas = np.zeros((_SIZE, _SIZE))
    top, left = (_SIZE - fitted.shape[0]) // 2, (_SIZE - fitted.shape[1]) // 2
    canvas[top : top + fitted.shape[0], left : left + fitted.shape[1]] = fitted
    row, col = center_of_mass(canvas)
    # MNIST's centres of mass sit at (14, 14) in array coordinates (mean over the training set: 13.99, 14.00).
    shift_r, shift_c = int(round(_SIZE / 2 - row)), int(round(_SIZE / 2 - col))
    top = int(np.clip(top + shift_r, 0, _SIZE - fitted.shape[0]))
    left = int(np.clip(left + shift_c, 0, _SIZE - fitted.shape[1]))
    canvas[:] = 0.0
    canvas[top : top + fitted.shape[0], left : left + fitted.shape[1]] = fitted
    return np.round(canvas * 255).astype(np.uint8)


def render_strokes(strokes, *, pen: float = 0.15) -> np.ndarray:
    """Rasterise pen strokes (lists of (x, y) points) into a greyscale image, ink bright.

    The drawing is rescaled so that its longer side spans 200 pixels before the
    pen is applied, and the pen's width is ``pen`` times that: a digit drawn
    small or large gets the same stroke thickness relative to its size, as MNIST's
    digits have (about 2 pixels in the 20×20 box). :func:`to_mnist` then does the
    rest of MNIST's preprocessing.

    Parameters
    ----------
    strokes : sequence of sequences of (x, y)
        One entry per pen-down ... pen-up movement, in any coordinate unit
        (canvas pixels, say); a stroke of one point is a dot.
    pen : float
        Pen width as a fraction of the drawing's longer side, in (0, 1].

    Returns
    -------
    numpy.ndarray
        2-D ``uint8`` image (ink 255 on 0), a little larger than 200×200 for the pen's margin.

    Examples
    --------
    >>> image = render_strokes([[(10, 0), (10, 50)]])      # one vertical line
    >>> image.shape, image.dtype, int(image.max())
    ((260, 260), dtype('uint8'), 255)
    >>> to_mnist(image).shape
    (28, 28)
    """
    from PIL import Image, ImageDraw

    if not isinstance(pen, (int, float)) or not 0 < pen <= 1:
        raise ValueError(f"pen must be a fraction in (0, 1] of the drawing's size, received pen={pen!r}.")
    try:
        paths = [np.asarray(stroke, dtype=np.float64).reshape(-1, 2) for stroke in strokes]
    except (TypeError, ValueError):
        raise ValueError("strokes must be a list of strokes, each a list of (x, y) points, "
                         f"received strokes={strokes!r:.80}.") from None
    paths = [path for path in paths if len(path)]
    if not paths:
        raise ValueError("strokes is empty (no ink); draw a digit first.")
    points = np.concatenate(paths)
    if not np.isfinite(points).all():
        raise ValueError("strokes contain NaN or infinite coordinates; give finite (x, y) points.")
    low = points.min(axis=0)
    extent = float((points.max(axis=0) - low).max())
    scale = _RENDER_EXTENT / extent if extent > 0 else 1.0
    width = max(1, round(pen * _RENDER_EXTENT))
    margin = width
    size = _RENDER_EXTENT + 2 * margin
    image = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(image)
    for path in paths:
        xy = [tuple(p) for p in (path - low) * scale + margin]
        if len(xy) > 1:
            draw.line(xy, fill=255, width=width, joint="curve")
        for x, y in (xy[0], xy[-1]) if len(xy) > 1 else xy:  # round caps (PIL's lines have square ends)
            draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=255)
    return np.asarray(image)
