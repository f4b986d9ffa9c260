"""One look for the whole course, and fast image encoding for widgets.

* :func:`setup` sets matplotlib's style once per notebook: readable fonts
  (10 points or more), bold titles, and a sequential colour map for images.
* :func:`show_images` and :func:`show_predictions` draw images without axes,
  each titled; a 2-D image with negative values (a kernel, a feature map, a
  difference) is drawn with the diverging :data:`DIVERGING_CMAP`, centred on zero,
  and every 2-D image gets a colour bar (one for all panels with ``share_scale``).
* :func:`show_filters` draws a convolutional layer's kernels, all on one scale
  (:func:`cnnlab.widgets.show_filters` finds them in a model).
* :func:`value_scale` is that convention in one place (the colour map and the
  limits for some arrays), used by the figures and the widgets alike;
  :func:`colour_bar` is its legend for a widget: a gradient picture and its labels.
* :func:`encode_image` turns an array into PNG or JPEG bytes for an
  ``ipywidgets.Image`` without going through a matplotlib figure: about 1 ms
  for a JPEG of a 427×640 photo against about 80 ms for a figure re-draw
  (see ``../shared/PERFORMANCE-NOTES.md``), which is what keeps sliders live.

matplotlib is imported only when a function needs it. The figures that judge a model (a confusion
matrix, the mistakes, learning curves) are in :mod:`cnnlab.charts`, next to this module:
together they would pass 900 lines.
"""

from __future__ import annotations

import html
import io
import math
import numbers
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from ._validation import (check_bool, check_finite_array, check_finite_number, check_memory, check_one_of,
                          check_positive_int, check_positive_number)

__all__ = ["readable", "setup", "encode_image", "to_uint8", "show_images", "show_predictions", "show_filters",
           "value_scale", "colour_bar", "ColourBar", "SEQUENTIAL_CMAP", "DIVERGING_CMAP"]

#: Colour map for images and non-negative maps.
SEQUENTIAL_CMAP = "gray"
#: Colour map for signed values (feature maps, kernels): white at zero.
DIVERGING_CMAP = "RdBu_r"


#: Bytes that drawing an image in a figure takes, per pixel of a 2-D image and per value of an RGB(A) one.
_BYTES_PER_GREY_PIXEL, _BYTES_PER_COLOUR_VALUE = 64, 24

#: About how many characters of a title fit in one inch at the course's font size (10 points).
_CHARS_PER_INCH = 12
#: A longer title is cut to this many lines (the rest becomes "…").
_TITLE_LINES = 3


def _parses_as_math(text: str) -> bool:
    """Whether matplotlib can draw ``text`` with math on: it has no ``$...$`` part, or its parts parse as mathtext."""
    from matplotlib import cbook, mathtext

    if not cbook.is_math_text(text):
        return True
    try:
        mathtext.MathTextParser("path").parse(text)
    except ValueError:  # a class name such as "x^$" or "$\frac$"
        return False
    return True


def text_kwargs(text, width_inches: float | None = None, *, math: bool = True) -> dict:
    r"""Keyword arguments that draw ``text`` as a title or label whatever it holds.

    ``text`` becomes a string (a class number, a numpy string). ``$...$`` is
    drawn as mathematics only when ``math`` and it parses; anything else
    (``"x^$"``, a data set's class name) is drawn literally, instead of a
    figure that fails to draw. With ``width_inches``, a long literal text is
    wrapped to that width and cut after three lines with "…", so the layout
    still fits.

    Examples
    --------
    >>> text_kwargs(r"$\sigma=1$")["parse_math"], text_kwargs("$x^$")["parse_math"], text_kwargs("$x$", math=False)["parse_math"]
    (True, False, False)
    >>> text_kwargs("word " * 40, width_inches=2)["text"].count("\n")
    2
    """
    import textwrap

    from matplotlib import cbook

    text = "" if text is None else str(text)
    parse_math = math and _parses_as_math(text)
    width = None if width_inches is None else max(8, int(width_inches * _CHARS_PER_INCH))
    formula = parse_math and cbook.is_math_text(text)  # wrapping could cut a formula in two: left as written
    if width is not None and not formula and len(text) > width:
        lines = [piece for line in text.splitlines() or [""]
                 for piece in (textwrap.wrap(line, width) or [""])]
        if len(lines) > _TITLE_LINES:
            lines = lines[:_TITLE_LINES]
            lines[-1] = lines[-1][: width - 2] + " …"
        text = "\n".join(lines)
    return {"text": text, "parse_math": parse_math}


def _title(text, width_inches: float, key: str = "label") -> dict:
    """:func:`text_kwargs` as keyword arguments of ``Axes.set_title`` (``key="label"``) or ``Figure.suptitle`` (``"t"``)."""
    drawn = text_kwargs(text, width_inches)
    return {key: drawn["text"], "parse_math": drawn["parse_math"]}


def setup() -> None:
    """Apply the course's matplotlib style (call once at the top of a notebook).

    Sets ``font.size`` 11, ``axes.labelsize`` 11, ``axes.titlesize`` 12 and
    ``figure.titlesize`` 13 (titles bold; tick labels and legends follow
    ``font.size``), ``image.cmap`` to :data:`SEQUENTIAL_CMAP` with
    ``image.interpolation`` "nearest" (pixels stay crisp squares), an 8×4 inch
    figure at 100 dpi, and no top or right spines.

    Examples
    --------
    >>> setup()
    >>> import matplotlib
    >>> matplotlib.rcParams["image.cmap"], matplotlib.rcParams["figure.titlesize"]
    ('gray', 13.0)
    """
    import matplotlib

    matplotlib.rcParams.update(
        {
            "figure.figsize": (8, 4),
            "figure.dpi": 100,
            "font.size": 11,
            "axes.labelsize": 11,
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "figure.titlesize": 13,
            "figure.titleweight": "bold",
            "image.cmap": SEQUENTIAL_CMAP,
            "image.interpolation": "nearest",
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )


@lru_cache(maxsize=16)
def _lut(cmap: str) -> np.ndarray:
    """A 256×3 uint8 lookup table for a matplotlib colour map."""
    from matplotlib import colormaps

    return (colormaps[cmap](np.linspace(0.0, 1.0, 256))[:, :3] * 255).round().astype(np.uint8)


def to_uint8(array, vmin: float | None = None, vmax: float | None = None) -> np.ndarray:
    """Map values linearly from ``[vmin, vmax]`` to 0-255 (clipping outside).

    ``uint8`` input is returned unchanged when no range is given. For other
    input, ``vmin``/``vmax`` default to the array's own minimum and maximum; a
    constant array maps to mid-grey.

    Examples
    --------
    >>> to_uint8(np.array([0.0, 0.5, 1.0]), 0.0, 1.0)
    array([  0, 128, 255], dtype=uint8)
    """
    array = np.asarray(array)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"array must hold numbers, received an array of dtype {array.dtype} and shape {array.shape}.")
    if array.size == 0:
        raise ValueError(f"array is empty, received shape {array.shape}.")
    vmin = None if vmin is None else check_finite_number("vmin", vmin)
    vmax = None if vmax is None else check_finite_number("vmax", vmax)
    if array.dtype == np.uint8 and vmin is None and vmax is None:
        return array
    # A float32 copy, the scaled values and the uint8 result.
    check_memory(f"array of shape {array.shape}", array.size * 9, fix="Show a part of it, or a smaller version.")
    return uint8_pixels(array, vmin, vmax)


def uint8_pixels(array: np.ndarray, vmin: float | None, vmax: float | None) -> np.ndarray:
    """:func:`to_uint8`'s arithmetic for a checked, non-empty array of numbers, with no checks.

    Public within the package, not in ``__all__``: :func:`encode_array` uses it.

    Examples
    --------
    >>> uint8_pixels(np.array([0.0, 0.5, 1.0]), 0.0, 1.0)
    array([  0, 128, 255], dtype=uint8)
    """
    values = array.astype(np.float32, copy=False)
    lo = float(np.nanmin(values)) if vmin is None else vmin
    hi = float(np.nanmax(values)) if vmax is None else vmax
    if not hi > lo:
        return np.full(values.shape, 128, np.uint8)
    scaled = (values - lo) * (255.0 / (hi - lo))
    return np.clip(np.nan_to_num(scaled, nan=0.0) + 0.5, 0, 255).astype(np.uint8)


def encode_image(
    array,
    format: str = "png",
    *,
    vmin: float | None = None,
    vmax: float | None = None,
    cmap: str | None = None,
    scale: int = 1,
    quality: int = 90,
) -> bytes:
    """Encode a 2-D (greyscale) or 3-D (RGB) array as PNG or JPEG bytes.

    Parameters
    ----------
    array : array_like
        ``(height, width)`` or ``(height, width, 3)``; floats are mapped with
        :func:`to_uint8`.
    format : {"png", "jpeg"}
        PNG is crisp (pixel grids, digits); JPEG is about ten times faster to
        encode for photos and feature maps while a slider moves.
    vmin, vmax : float, optional
        Value range mapped to black and white (or to the colour map's ends).
    cmap : str, optional
        A matplotlib colour map name applied to a 2-D array. In a PNG, its
        NaN values become transparent (the page's background shows through:
        the lines between the tiles of a grid of feature maps).
    scale : int
        Enlarge each pixel to a ``scale``×``scale`` block (nearest neighbour),
        so a 28×28 digit shows as crisp squares in any browser.
    quality : int
        JPEG quality, 1-95.

    Examples
    --------
    >>> png = encode_image(np.eye(3), scale=2)
    >>> png[:4]
    b'\\x89PNG'
    >>> from PIL import Image
    >>> Image.open(io.BytesIO(encode_image(np.array([[0.0, np.nan]]), cmap="gray"))).mode   # NaN: transparent
    'RGBA'
    """
    fmt = check_one_of("format", format, ("png", "jpeg"), normalize=lambda f: str(f).lower().replace("jpg", "jpeg"))
    scale = check_positive_int("scale", scale)
    if isinstance(quality, bool) or not isinstance(quality, numbers.Integral) or not 1 <= quality <= 95:
        raise ValueError(f"quality must be an integer from 1 to 95 (JPEG quality), received quality={quality!r}.")
    if cmap is not None:
        from matplotlib import colormaps

        if not isinstance(cmap, str) or cmap not in colormaps:
            raise ValueError(f"cmap must be the name of a matplotlib colour map, such as 'gray', 'viridis' or "
                             f"'RdBu_r', received cmap={cmap!r}.")
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] != 3) or array.size == 0:
        raise ValueError(
            f"array must have shape (height, width) or (height, width, 3), received shape {array.shape}."
        )
    # The enlarged pixels (RGB once a colour map applies), the repeat's intermediate, Pillow's copy and the file.
    channels = 4 if cmap is not None else 3 if array.ndim == 3 else 1
    check_memory(f"array of shape {array.shape} with scale={scale}",
                 array.shape[0] * array.shape[1] * channels * (3 * scale * scale + scale),
                 fix="Use a smaller scale: the browser can enlarge the picture (an ipywidgets.Image's width).")
    return _encoded(to_uint8(array, vmin, vmax), array, fmt, cmap, scale, quality)


def encode_array(array: np.ndarray, format: str, *, vmin: float | None = None, vmax: float | None = None,
                 cmap: str | None = None, scale: int = 1, quality: int = 90) -> bytes:
    """:func:`encode_image` of an array checked where it entered, with no checks: the same bytes.

    For the widgets inside the package that check a photo once (its shape, the memory its pictures
    need) and then redraw it at every slider move. ``format`` is ``"png"`` or ``"jpeg"``, ``cmap``
    None or a matplotlib colour map's name, ``vmin`` and ``vmax`` finite numbers or None. Public
    within the package, not in ``__all__``.

    Examples
    --------
    >>> encode_array(np.eye(3), "png", scale=2) == encode_image(np.eye(3), scale=2)
    True
    """
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    pixels = array if array.dtype == np.uint8 and vmin is None and vmax is None else uint8_pixels(array, vmin, vmax)
    return _encoded(pixels, array, format, cmap, scale, quality)


def _encoded(pixels: np.ndarray, array: np.ndarray, fmt: str, cmap: str | None, scale: int, quality: int) -> bytes:
    """The PNG or JPEG bytes of ``pixels`` (:func:`to_uint8` of ``array``) in ``cmap``, enlarged ``scale`` times."""
    from PIL import Image

    missing = None
    if cmap is not None and pixels.ndim == 2:
        if fmt == "png" and array.dtype.kind == "f" and np.isnan(array).any():
            missing = np.isnan(array)
        pixels = np.take(_lut(cmap), pixels, axis=0)
        if missing is not None:  # an alpha channel: opaque, transparent where the value is missing
            pixels[missing] = 255  # and white there, for a viewer that drops the alpha channel
            pixels = np.dstack([pixels, np.where(missing, 0, 255).astype(np.uint8)])
    if scale > 1:
        pixels = np.repeat(np.repeat(pixels, scale, axis=0), scale, axis=1)
    buffer = io.BytesIO()
    image = Image.fromarray(np.ascontiguousarray(pixels))
    if fmt == "png":
        image.save(buffer, format="PNG", compress_level=1)
    else:
        image.save(buffer, format="JPEG", quality=int(quality))
    return buffer.getvalue()


def check_pictures(name: str, images) -> list[np.ndarray]:
    """``images`` as a list of arrays that ``imshow`` can draw, or an error naming the first bad one.

    Each must be ``(height, width)``, ``(height, width, 3)`` or ``(height, width, 4)``
    numbers, and drawing them all must fit in memory. Public within the package, not in
    ``__all__``: :mod:`cnnlab.charts` checks the mistakes it shows with it.

    Examples
    --------
    >>> [picture.shape for picture in check_pictures("images", [np.eye(2), np.ones((2, 2, 3))])]
    [(2, 2), (2, 2, 3)]
    >>> check_pictures("images", [np.zeros(5)])
    Traceback (most recent call last):
    ...
    ValueError: images[0] must be an image of shape (height, width), (height, width, 3) or (height, width, 4), received shape (5,).
    """
    if isinstance(images, (str, bytes)) or not hasattr(images, "__iter__"):
        raise ValueError(f"{name} must be a sequence of images, received {name}={images!r:.80}.")
    pictures = [np.asarray(image) for image in images]
    if not pictures:
        raise ValueError(f"{name} is empty; give at least one image to show.")
    for i, picture in enumerate(pictures):
        if picture.dtype.kind not in "biuf":
            raise ValueError(f"{name}[{i}] must hold numbers, received an array of dtype {picture.dtype}.")
        if picture.ndim not in (2, 3) or (picture.ndim == 3 and picture.shape[-1] not in (3, 4)) or picture.size == 0:
            raise ValueError(f"{name}[{i}] must be an image of shape (height, width), (height, width, 3) or "
                             f"(height, width, 4), received shape {picture.shape}.")
    # What drawing takes, measured with tracemalloc: matplotlib normalises a 2-D image in float64 with a
    # mask and resamples it (about 60 bytes per pixel); an RGB(A) image is clipped and resampled (about 21).
    needed = sum(picture.size * (_BYTES_PER_GREY_PIXEL if picture.ndim == 2 else _BYTES_PER_COLOUR_VALUE)
                 for picture in pictures)
    shapes = ", ".join(str(picture.shape) for picture in pictures[:3]) + (", ..." if len(pictures) > 3 else "")
    check_memory(f"{name} of shape{'s' if len(pictures) > 1 else ''} {shapes}", needed,
                 fix="Show a part of each image, or a smaller version (for example image[::4, ::4]).")
    return pictures


def _check_figure(size, width_inches: float, height_inches: float, layout: str) -> None:
    """Refuse a figure whose canvas would not fit in memory (matplotlib draws it as RGBA bytes)."""
    import matplotlib

    dpi = float(matplotlib.rcParams["figure.dpi"])
    width, height = math.ceil(width_inches * dpi), math.ceil(height_inches * dpi)
    check_memory(f"size={size!r} with {layout} (a figure of {width:,}×{height:,} pixels)", 4 * width * height,
                 fix="size is in inches: 2 to 4 suits a notebook.")


#: Values of an array that :func:`_is_signed` looks at, at most (evenly spaced): enough for a median.
_SIGN_SAMPLE = 1 << 16


def _is_signed(image: np.ndarray) -> bool:
    """Whether an array is signed data centred on zero (then it is shown with the diverging map).

    It must hold negative values, and its median must lie near zero (within a quarter of
    its 99th percentile of absolute values, so that a few extreme values, as at a photo's
    border under SAME padding, do not decide): an edge detector's response, a kernel, a
    difference. A photo that a sharpening filter pushed below zero here and there is not.
    """
    if image.dtype.kind not in "iuf" or image.size == 0 or not np.nanmin(image) < 0:
        return False
    values = image.ravel()[:: max(1, image.size // _SIGN_SAMPLE)]
    values = values[np.isfinite(values)]
    return bool(values.size and abs(np.median(values)) <= 0.25 * np.percentile(np.abs(values), 99, method="higher"))


def _finite(array: np.ndarray) -> np.ndarray:
    """``array``'s finite values (the array itself when they all are)."""
    return array if np.isfinite(array).all() else array[np.isfinite(array)]


def value_scale(*arrays, robust: bool = False) -> tuple[str, float, float]:
    """The colour map and the limits that show ``arrays`` on one scale, by the course's convention.

    One rule for every figure and widget: if any array is signed data centred
    on zero (it has negative values and its median lies within a quarter of its
    largest magnitude: a kernel, an edge map, a difference), the diverging
    :data:`DIVERGING_CMAP` with limits symmetric about zero, ``±max|v|``, so that
    white is 0; otherwise the grey :data:`SEQUENTIAL_CMAP` from the smallest to
    the largest value.

    Parameters
    ----------
    *arrays : array_like
        One or more arrays of numbers, compared on one scale (NaN and infinite
        values are left out).
    robust : bool
        Use the 99th percentile of the magnitudes (signed) or the 1st to 99th
        percentiles (unsigned) instead of the extremes, so that a few extreme
        values do not wash out the rest.

    Returns
    -------
    (str, float, float)
        The colour map's name, the value drawn at its low end and at its high end.

    Examples
    --------
    >>> value_scale(np.array([[-2.0, 1.0], [0.5, 0.0]]))
    ('RdBu_r', -2.0, 2.0)
    >>> value_scale(np.array([0.0, 3.0]), np.array([1.0, 5.0]))       # one scale for both
    ('gray', 0.0, 5.0)
    """
    if not arrays:
        raise ValueError("value_scale needs at least one array; give the arrays to show on one scale.")
    robust = check_bool("robust", robust)
    values = []
    for i, array in enumerate(arrays):
        array = np.asarray(array)
        if array.dtype.kind not in "biuf" or array.size == 0:
            raise ValueError(f"arrays[{i}] must be a non-empty array of numbers, received an array of dtype "
                             f"{array.dtype} and shape {array.shape}.")
        values.append(_finite(array.astype(np.float32, copy=False)))
    values = [v for v in values if v.size] or [np.zeros(1, np.float32)]
    if any(_is_signed(v) for v in values):
        if robust:
            limit = float(np.percentile(np.abs(np.concatenate([v.ravel() for v in values])), 99))
        else:
            limit = 0.0
        limit = limit or max(float(np.abs(v).max()) for v in values) or 1.0
        return DIVERGING_CMAP, -limit, limit
    return (SEQUENTIAL_CMAP, *_value_range(values, robust))


def _value_range(values: list[np.ndarray], robust: bool) -> tuple[float, float]:
    """The smallest and largest of finite ``values`` (their 1st and 99th percentiles when ``robust``)."""
    values = [v for v in values if v.size] or [np.zeros(1, np.float32)]
    if robust:
        low, high = np.percentile(np.concatenate([v.ravel() for v in values]), [1, 99])
        return float(low), float(high)
    return min(float(v.min()) for v in values), max(float(v.max()) for v in values)


class ColourBar(NamedTuple):
    """A widget's colour bar: the gradient's PNG bytes (for an ``ipywidgets.Image``) and its labels' HTML."""

    png: bytes
    html: str


def _tick(value: float, scale: float) -> str:
    """A colour bar's label: :func:`readable` (no rounding noise), 3 significant digits."""
    return readable(value, scale)

def readable(value: float, scale: float) -> str:
    """``value`` to three significant digits, and 0 where it is rounding noise next to ``scale``.

    float32 sums of kernels that should sum to 0 come out as 3.45e-07; a
    beginner reads that as a number that matters. Anything smaller than a
    millionth of ``scale`` (the largest magnitude it was computed from) is 0.

    Examples
    --------
    >>> readable(3.45e-07, 2.0), readable(-0.4321, 2.0), readable(1e-7, 1e-7)
    ('0', '-0.432', '1e-07')
    """
    value, scale = check_finite_number("value", value), abs(check_finite_number("scale", scale))
    if abs(value) <= 1e-6 * scale:
        return "0"
    return f"{value:.3g}"


def colour_bar(low: float, high: float, cmap: str = DIVERGING_CMAP, *, length: int = 240, thickness: int = 10,
               labels=None, caption: str = "") -> ColourBar:
    """A colour bar for a widget: a horizontal gradient from ``low`` (left) to ``high`` (right), and its labels.

    Show ``png`` in an ``ipywidgets.Image`` at ``length`` pixels wide (its
    natural size) and ``html`` in an ``ipywidgets.HTML`` under it: three labels
    (the low end, the middle, the high end), in JupyterLab's theme colours, and
    an optional caption such as "one scale for every channel".

    Parameters
    ----------
    low, high : float
        The values at the two ends (those the picture it explains was encoded with).
    cmap : str
        The colour map of that picture.
    length, thickness : int
        Size of the gradient in pixels.
    labels : sequence of three str, optional
        Texts for the ends and the middle, instead of the values (e.g. "own
        minimum", "", "own maximum"); by default the values, to three
        significant digits and with 0 where a value is rounding noise.
    caption : str
        A line under the labels (plain text).

    Returns
    -------
    ColourBar
        ``(png, html)``.

    Examples
    --------
    >>> bar = colour_bar(-0.8, 0.8, caption="one scale for every channel")
    >>> bar.png[:4], [label in bar.html for label in (">-0.8<", ">0<", ">0.8<", "one scale")]
    (b'\\x89PNG', [True, True, True, True])
    """
    low = check_finite_number("low", low)
    high = check_finite_number("high", high)
    if high < low:
        raise ValueError(f"high must be at least low, received low={low!r} and high={high!r}; swap them.")
    length = check_positive_int("length", length)
    thickness = check_positive_int("thickness", thickness)
    if labels is None:
        scale = max(abs(low), abs(high))
        labels = [_tick(low, scale), _tick((low + high) / 2, scale), _tick(high, scale)]
    elif isinstance(labels, str) or len(labels) != 3:
        raise ValueError(f"labels must be three texts (low end, middle, high end), received labels={labels!r}.")
    check_memory(f"length={length} and thickness={thickness}", 12 * length * thickness,
                 fix="length and thickness are in pixels: about 240 by 10 suits a widget.")
    gradient = np.repeat(np.linspace(low, high, length, dtype=np.float64)[None], thickness, axis=0)
    png = encode_image(gradient, "png", vmin=low, vmax=high if high > low else low + 1.0, cmap=cmap)
    muted = "color: var(--jp-ui-font-color2, #616161); font-size: var(--jp-ui-font-size0, 11px)"
    # Spaces between the labels: ignored by the grid, they keep the labels apart where no grid is drawn.
    cells = " ".join(f'<span style="text-align:{align}">{html.escape(str(text))}</span>'
                     for text, align in zip(labels, ("left", "center", "right")))
    text = (f'<div class="cnnlab-caption" style="width:{length}px; max-width:100%; display:grid; '
            f'grid-template-columns:1fr auto 1fr; line-height:1.3; {muted}">{cells}</div>')
    if caption:
        text += (f'<div class="cnnlab-caption" style="width:{length}px; max-width:100%; line-height:1.3; {muted}">'
                 f"{html.escape(caption)}</div>")
    return ColourBar(png, text)


def _default_title(index: int, image) -> str:
    """ "image 1 (28×28)": a title for an image the caller did not title."""
    return f"image {index + 1} ({'×'.join(str(d) for d in np.shape(image))})"


def _image_scale(images: list[np.ndarray], cmap: str | None, vmin, vmax, robust: bool) -> tuple:
    """``(cmap, low, high)`` for 2-D ``images`` drawn on one scale: :func:`value_scale`'s, or ``cmap`` from the
    smallest to the largest value (percentiles when ``robust``); ``vmin`` and ``vmax`` replace the limits given."""
    if cmap is None:
        name, low, high = value_scale(*images, robust=robust)
    else:
        name, (low, high) = cmap, _value_range([_finite(image.astype(np.float32, copy=False)) for image in images],
                                               robust)
    return name, float(low) if vmin is None else vmin, float(high) if vmax is None else vmax


def show_images(images, titles=None, *, cols: int | None = None, cmap: str | None = None,
                vmin: float | None = None, vmax: float | None = None, robust: bool = False, size: float = 3.0,
                suptitle: str | None = None, share_scale: bool = False, colorbar: bool | None = None):
    """Show images side by side without axes, each with its title, and a colour bar for every 2-D image.

    Parameters
    ----------
    images : sequence of array_like
        2-D (shown with ``cmap``) or RGB images.
    titles : sequence of str, optional
        One title per image. Without ``titles`` or ``suptitle`` each image is
        titled with its number and shape, e.g. "image 1 (28×28)".
    cols : int, optional
        Images per row (default: all in one row, at most 6).
    cmap : str, optional
        Colour map for 2-D images. By default :func:`value_scale` chooses:
        :data:`SEQUENTIAL_CMAP` (grey), or, for signed data centred on zero
        (negative values and a median near zero: a kernel, an edge map, a
        difference), :data:`DIVERGING_CMAP` with limits symmetric about zero
        (blue negative, white zero, red positive).
    vmin, vmax : float, optional
        Value range for 2-D images (default: each image's own, symmetric about
        zero for a signed image shown with the default colour map). Giving
        both puts every panel on that one scale.
    robust : bool
        Scale each 2-D image from its 1st to its 99th percentile (a signed one:
        to ± the 99th percentile of its absolute values) instead of its
        minimum and maximum, so that a few extreme pixels (typical at the edges
        of a sharpened or embossed image) do not wash out the rest.
    size : float
        Width of one image in inches.
    suptitle : str, optional
        Title of the whole figure.
    share_scale : bool
        Draw every 2-D image on one scale, the one :func:`value_scale` gives
        for all of them together, with one colour bar labelled "one scale for
        all panels": for panels that are compared (before and after a layer,
        the channels of one map), so that brighter means larger.
    colorbar : bool, optional
        Draw the colour bars (default: yes, when there is a 2-D image).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = show_images([np.eye(3), np.ones((3, 3))], ["identity", "ones"], colorbar=False)
    >>> [ax.get_title() for ax in fig.axes]
    ['identity', 'ones']
    >>> fig = show_images([np.array([[-2.0, 1.0]])])             # signed: diverging, centred on zero
    >>> image = fig.axes[0].images[0]
    >>> image.get_cmap().name, image.get_clim(), fig.axes[0].get_title(), fig.axes[1].get_ylabel()
    ('RdBu_r', (-2.0, 2.0), 'image 1 (1×2)', 'value')
    >>> fig = show_images([np.full((2, 2), 1.0), np.full((2, 2), 4.0)], ["before", "after"], share_scale=True)
    >>> [ax.images[0].get_clim() for ax in fig.axes[:2]], fig.axes[2].get_xlabel()   # one bar, under the panels
    ([(1.0, 4.0), (1.0, 4.0)], 'value (one scale for all panels)')
    """
    import matplotlib.pyplot as plt

    images = check_pictures("images", images)
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"titles has {len(titles)} entries for {len(images)} images; give one per image.")
    if titles is None and not suptitle:  # every figure is titled
        titles = [_default_title(i, image) for i, image in enumerate(images)]
    cols = min(len(images), 6) if cols is None else check_positive_int("cols", cols)
    size = check_positive_number("size", size, hint="size is the width of one image in inches, for example 3.")
    vmin = None if vmin is None else check_finite_number("vmin", vmin)
    vmax = None if vmax is None else check_finite_number("vmax", vmax)
    share_scale = check_bool("share_scale", share_scale)
    flat = [image for image in images if image.ndim == 2]
    colorbar = bool(flat) if colorbar is None else check_bool("colorbar", colorbar) and bool(flat)
    shared = _image_scale(flat, cmap, vmin, vmax, robust) if flat and (
        share_scale or (vmin is not None and vmax is not None)) else None
    rows = -(-len(images) // cols)
    first = np.asarray(images[0])
    aspect = first.shape[0] / max(first.shape[1], 1)
    # Room for the colour bars: one beside each 2-D panel, or one for the whole figure.
    one_bar = colorbar and shared is not None and len(flat) > 1
    width = size * cols + (0.6 * min(cols, len(flat)) if colorbar and not one_bar else 0.0)
    height = size * aspect * rows + (0.4 if suptitle else 0) + (0.35 * rows + 0.9 if one_bar else 0.0)
    _check_figure(size, width, height + 0.4, f"{cols} columns and {rows} rows")
    fig, axes = plt.subplots(rows, cols, figsize=(width, height), squeeze=False, layout="constrained")
    drawn = []
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= len(images):
            continue
        image = images[i]
        if image.ndim == 2:
            name, low, high = shared or _image_scale([image], cmap, vmin, vmax, robust)
            drawn.append((ax, ax.imshow(image, cmap=name, vmin=low, vmax=high)))
        else:
            ax.imshow(np.clip(image, 0, 1) if image.dtype.kind == "f" else image)
        if titles is not None:
            ax.set_title(**_title(titles[i], size))
    if colorbar:
        if shared and len(drawn) > 1:  # one bar under all the panels, its label along it
            fig.colorbar(drawn[0][1], ax=axes.ravel().tolist(), location="bottom", shrink=min(0.6, 2.4 / cols + 0.2),
                         aspect=30, pad=0.02, label="value (one scale for all panels)")
        else:
            for ax, mappable in drawn:
                fig.colorbar(mappable, ax=ax, fraction=0.046, pad=0.03, label="value")
    if suptitle:
        fig.suptitle(**_title(suptitle, size * cols, "t"))
    return fig


def show_predictions(images, predictions, titles=None, *, cols: int = 2, size: float = 2.6,
                     suptitle: str | None = None):
    """Show photos, each next to a horizontal bar chart of its top classes and their probabilities.

    Parameters
    ----------
    images : sequence of array_like
        RGB images (floats in [0, 1] or ``uint8``).
    predictions : sequence of lists of (str, float)
        One list per image, best class first, as
        :meth:`cnnlab.pretrained.Classifier.classify` returns them.
    titles : sequence of str, optional
        One title per photo. Without ``titles`` or ``suptitle`` each photo is
        titled with its number and shape, e.g. "image 1 (299×299×3)".
    cols : int
        Photos per row (each takes a photo and a bar chart).
    size : float
        Height of one row, and width of one photo, in inches.
    suptitle : str, optional
        Title of the whole figure.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes per photo: the photo, then its bars titled "top k classes" (the
        best class on top, in a darker colour).

    Examples
    --------
    >>> fig = show_predictions([np.ones((4, 6, 3))], [[("macaw", 0.9), ("lorikeet", 0.05)]], ["parrot"])
    >>> [t.get_text() for t in fig.axes[1].get_yticklabels()], fig.axes[0].get_title()
    (['macaw', 'lorikeet'], 'parrot')
    """
    import matplotlib.pyplot as plt

    images = check_pictures("images", images)
    predictions = list(predictions)
    for i, top in enumerate(predictions):
        ok = isinstance(top, (list, tuple)) and len(top) > 0 and all(
            isinstance(pair, (list, tuple)) and len(pair) == 2 and isinstance(pair[1], numbers.Real)
            and not isinstance(pair[1], bool) and 0 <= pair[1] <= 1 for pair in top)
        if not ok:
            raise ValueError(f"predictions[{i}] must be a non-empty list of (name, probability) pairs with "
                             f"probabilities in [0, 1], such as [('macaw', 0.97), ('lorikeet', 0.02)], "
                             f"received predictions[{i}]={top!r:.80}.")
    predictions = [list(p) for p in predictions]
    if len(predictions) != len(images):
        raise ValueError(f"predictions has {len(predictions)} entries for {len(images)} images; give one per image.")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"titles has {len(titles)} entries for {len(images)} images; give one per image.")
    if titles is None and not suptitle:  # every figure is titled
        titles = [_default_title(i, image) for i, image in enumerate(images)]
    cols = min(check_positive_int("cols", cols), len(images))
    size = check_positive_number("size", size, hint="size is the height of one row in inches, for example 2.6.")
    rows = -(-len(images) // cols)
    _check_figure(size, 2.7 * size * cols, size * rows, f"{cols} columns and {rows} rows")
    fig, axes = plt.subplots(rows, 2 * cols, figsize=(2.7 * size * cols, size * rows), squeeze=False,
                             gridspec_kw={"width_ratios": [1, 1.6] * cols})
    for ax in axes.flat:
        ax.axis("off")
    for i, (image, top) in enumerate(zip(images, predictions)):
        photo, bars = axes[i // cols, 2 * (i % cols)], axes[i // cols, 2 * (i % cols) + 1]
        image = np.asarray(image)
        photo.imshow(np.clip(image, 0, 1) if image.dtype.kind == "f" else image)
        if titles is not None:
            photo.set_title(**_title(titles[i], size))
        names = [text_kwargs(n, 2 * size, math=False)["text"] for n, _ in top]  # class names are data: drawn literally
        probabilities = [100 * float(p) for _, p in top]
        bars.axis("on")
        positions = np.arange(len(top))[::-1]
        bars.barh(positions, probabilities, color=["#1f77b4"] + ["#9ecae1"] * (len(top) - 1))
        bars.set_yticks(positions, names, parse_math=False)
        bars.set_xlim(0, 100)
        bars.set_xlabel("probability (%)")
        bars.set_ylabel("class")
        bars.set_title(f"top {len(top)} {'class' if len(top) == 1 else 'classes'}")
        for y, value in zip(positions, probabilities):
            inside = value > 75  # a long bar carries its label inside, in white
            bars.text(value - 2 if inside else value + 2, y, f"{value:.1f}%", va="center", fontsize=9,
                      ha="right" if inside else "left", color="white" if inside else "black")
    if suptitle:
        fig.suptitle(**_title(suptitle, 2.7 * size * cols, "t"))
    fig.tight_layout()
    return fig


def check_kernel(kernel) -> np.ndarray:
    """``kernel`` as a float32 ``(kh, kw, in_channels, filters)`` array of finite weights, or an error.

    Examples
    --------
    >>> check_kernel(np.zeros((3, 3, 1, 2))).dtype
    dtype('float32')
    >>> check_kernel(np.zeros((3, 3)))
    Traceback (most recent call last):
    ...
    ValueError: kernel must be a convolution kernel of shape (kh, kw, in_channels, filters), as Conv2D.get_weights()[0] gives it, received shape (3, 3).
    """
    array = np.asarray(kernel)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"kernel must hold numbers (weights), received an array of dtype {array.dtype}.")
    if array.ndim != 4 or array.size == 0:
        raise ValueError(f"kernel must be a convolution kernel of shape (kh, kw, in_channels, filters), as "
                         f"Conv2D.get_weights()[0] gives it, received shape {array.shape}.")
    array = array.astype(np.float32, copy=False)
    check_finite_array("kernel", array)
    return array


def _filter_panels(fig, kernel: np.ndarray, count: int, columns: int, limit: float) -> list:
    """One axes per kernel: RGB kernels in colour (0.5 grey is 0), others' first input channel on the diverging map."""
    rows = -(-count // columns)
    panels = []
    for index in range(count):
        ax = fig.add_subplot(rows, columns, index + 1)
        ax.set_axis_off()
        if kernel.shape[2] == 3:
            panels.append(ax.imshow(np.clip(0.5 + kernel[..., index] / (2 * limit), 0, 1), interpolation="nearest"))
        else:
            panels.append(ax.imshow(kernel[:, :, 0, index], cmap=DIVERGING_CMAP, vmin=-limit, vmax=limit,
                                    interpolation="nearest"))
    return panels


def show_filters(kernel, columns: int = 8, *, max_filters: int = 64, name: str = ""):
    """Draw the kernels of a convolutional layer, all on one scale, so they can be compared.

    With 3 input channels (a layer on RGB input) each kernel is shown in colour
    (0.5 grey is a zero weight, said under the kernels); otherwise the weights on
    the first input channel are shown with :data:`DIVERGING_CMAP` centred on 0
    (blue negative, red positive), with a colour bar. :func:`cnnlab.widgets.show_filters`
    draws a model's layer with it.

    Parameters
    ----------
    kernel : array_like
        ``(kh, kw, in_channels, filters)``, as ``Conv2D.get_weights()[0]`` gives it.
    columns : int
        Kernels per row.
    max_filters : int
        Draw at most this many (the first ones).
    name : str
        The layer's name, at the start of the title (drawn literally).

    Returns
    -------
    matplotlib.figure.Figure
        One axes per kernel drawn, no ticks, with a title.

    Examples
    --------
    >>> kernel = np.stack([np.eye(3), -np.eye(3)], axis=-1)[:, :, None, :]
    >>> fig = show_filters(kernel, name="conv")
    >>> len(fig.axes), fig.get_suptitle(), fig.axes[-1].get_xlabel()
    (3, 'conv: 2 learned 3×3 kernels (input channel 0)', 'weight (one scale for all kernels)')
    """
    import matplotlib.pyplot as plt

    kernel = check_kernel(kernel)
    columns = check_positive_int("columns", columns)
    max_filters = check_positive_int("max_filters", max_filters)
    kh, kw, in_channels, filters = kernel.shape
    count = min(filters, max_filters)
    columns = min(columns, count)
    limit = float(np.abs(kernel[..., :count]).max()) or 1.0
    rgb = in_channels == 3
    fig = plt.figure(figsize=(max(1.1 * columns, 4.0), 1.1 * -(-count // columns) + (0.9 if rgb else 1.3)),
                     layout="constrained")
    panels = _filter_panels(fig, kernel, count, columns, limit)
    shown = f"{count} of {filters}" if count < filters else f"{count}"
    title = f"{shown} learned {kh}×{kw} kernels ({'RGB' if rgb else 'input channel 0'})"
    fig.suptitle(f"{name}: {title}" if name else title, parse_math=False)  # names are data
    if rgb:  # a value legend: colours are the weights of the three input channels
        fig.supxlabel(f"grey: weight 0; a colour channel brighter for a positive weight on that input channel, "
                      f"darker for a negative one (one scale: ±{readable(limit, limit)} is full brightness)",
                      fontsize=9, wrap=True)
    else:
        fig.colorbar(panels[0], ax=fig.axes, location="bottom", shrink=min(0.8, 3.0 / columns + 0.2), aspect=30,
                     label="weight (one scale for all kernels)")
    return fig
