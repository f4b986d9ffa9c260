"""One look for the whole course, and fast image encoding for widgets.

* :func:`setup` sets matplotlib's style once per notebook: readable fonts,
  no axes on images, a sequential colour map for images and a diverging one
  for signed values such as feature maps.
* :func:`encode_image` turns an array into PNG or JPEG bytes for an
  ``ipywidgets.Image`` without going through a matplotlib figure: about 1 ms
  for a JPEG of a 427×640 photo against about 80 ms for a figure re-draw
  (see ``../shared/PERFORMANCE-NOTES.md``), which is what keeps sliders live.

matplotlib is imported only when a function needs it.
"""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np

from ._validation import check_one_of, check_positive_int

__all__ = ["setup", "encode_image", "to_uint8", "show_images", "show_predictions", "SEQUENTIAL_CMAP",
           "DIVERGING_CMAP"]

#: Colour map for images and non-negative maps.
SEQUENTIAL_CMAP = "gray"
#: Colour map for signed values (feature maps, kernels): white at zero.
DIVERGING_CMAP = "RdBu_r"


def setup() -> None:
    """Apply the course's matplotlib style (call once at the top of a notebook).

    Examples
    --------
    >>> setup()
    >>> import matplotlib
    >>> matplotlib.rcParams["image.cmap"]
    'gray'
    """
    import matplotlib

    matplotlib.rcParams.update(
        {
            "figure.figsize": (8, 4),
            "figure.dpi": 100,
            "font.size": 11,
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
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
    if array.dtype == np.uint8 and vmin is None and vmax is None:
        return array
    values = array.astype(np.float32, copy=False)
    lo = float(np.nanmin(values)) if vmin is None else float(vmin)
    hi = float(np.nanmax(values)) if vmax is None else float(vmax)
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
        A matplotlib colour map name applied to a 2-D array.
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
    """
    from PIL import Image

    fmt = check_one_of("format", format, ("png", "jpeg"), normalize=lambda f: str(f).lower().replace("jpg", "jpeg"))
    scale = check_positive_int("scale", scale)
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] != 3) or array.size == 0:
        raise ValueError(
            f"array must have shape (height, width) or (height, width, 3), received shape {array.shape}."
        )
    pixels = to_uint8(array, vmin, vmax)
    if cmap is not None and pixels.ndim == 2:
        pixels = np.take(_lut(cmap), pixels, axis=0)
    if scale > 1:
        pixels = np.repeat(np.repeat(pixels, scale, axis=0), scale, axis=1)
    buffer = io.BytesIO()
    image = Image.fromarray(np.ascontiguousarray(pixels))
    if fmt == "png":
        image.save(buffer, format="PNG", compress_level=1)
    else:
        image.save(buffer, format="JPEG", quality=int(quality))
    return buffer.getvalue()


def show_images(images, titles=None, *, cols: int | None = None, cmap: str | None = None,
                vmin: float | None = None, vmax: float | None = None, robust: bool = False, size: float = 3.0,
                suptitle: str | None = None):
    """Show images side by side without axes, each with its title.

    Parameters
    ----------
    images : sequence of array_like
        2-D (shown with ``cmap``) or RGB images.
    titles : sequence of str, optional
        One title per image.
    cols : int, optional
        Images per row (default: all in one row, at most 6).
    cmap : str, optional
        Colour map for 2-D images (default: grey).
    vmin, vmax : float, optional
        Value range for 2-D images (default: each image's own).
    robust : bool
        Scale each 2-D image from its 1st to its 99th percentile instead of its
        minimum and maximum, so that a few extreme pixels (typical at the edges
        of a sharpened or embossed image) do not wash out the rest.
    size : float
        Width of one image in inches.
    suptitle : str, optional
        Title of the whole figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = show_images([np.eye(3), np.ones((3, 3))], ["identity", "ones"])
    >>> [ax.get_title() for ax in fig.axes]
    ['identity', 'ones']
    """
    import matplotlib.pyplot as plt

    images = list(images)
    if not images:
        raise ValueError("images is empty; give at least one image to show.")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"titles has {len(titles)} entries for {len(images)} images; give one per image.")
    cols = min(len(images), 6) if cols is None else check_positive_int("cols", cols)
    rows = -(-len(images) // cols)
    first = np.asarray(images[0])
    aspect = first.shape[0] / max(first.shape[1], 1)
    fig, axes = plt.subplots(rows, cols, figsize=(size * cols, size * aspect * rows + (0.4 if suptitle else 0)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= len(images):
            continue
        image = np.asarray(images[i])
        if image.ndim == 2:
            low, high = (np.percentile(image, [1, 99]) if robust else (vmin, vmax))
            ax.imshow(image, cmap=cmap or SEQUENTIAL_CMAP, vmin=low, vmax=high)
        else:
            ax.imshow(np.clip(image, 0, 1) if image.dtype.kind == "f" else image)
        if titles is not None:
            ax.set_title(titles[i])
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def show_predictions(images, predictions, titles=None, *, cols: int = 2, size: float = 2.6):
    """Show photos, each next to a horizontal bar chart of its top classes and their probabilities.

    Parameters
    ----------
    images : sequence of array_like
        RGB images (floats in [0, 1] or ``uint8``).
    predictions : sequence of lists of (str, float)
        One list per image, best class first, as
        :meth:`cnnlab.pretrained.Classifier.classify` returns them.
    titles : sequence of str, optional
        One title per photo.
    cols : int
        Photos per row (each takes a photo and a bar chart).
    size : float
        Height of one row, and width of one photo, in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes per photo: the photo, then its bars (the best class on top, in a darker colour).

    Examples
    --------
    >>> fig = show_predictions([np.ones((4, 6, 3))], [[("macaw", 0.9), ("lorikeet", 0.05)]], ["parrot"])
    >>> [t.get_text() for t in fig.axes[1].get_yticklabels()], fig.axes[0].get_title()
    (['macaw', 'lorikeet'], 'parrot')
    """
    import matplotlib.pyplot as plt

    images, predictions = list(images), [list(p) for p in predictions]
    if not images:
        raise ValueError("images is empty; give at least one image to show.")
    if len(predictions) != len(images):
        raise ValueError(f"predictions has {len(predictions)} entries for {len(images)} images; give one per image.")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"titles has {len(titles)} entries for {len(images)} images; give one per image.")
    cols = min(check_positive_int("cols", cols), len(images))
    rows = -(-len(images) // cols)
    fig, axes = plt.subplots(rows, 2 * cols, figsize=(2.7 * size * cols, size * rows), squeeze=False,
                             gridspec_kw={"width_ratios": [1, 1.6] * cols})
    for ax in axes.flat:
        ax.axis("off")
    for i, (image, top) in enumerate(zip(images, predictions)):
        photo, bars = axes[i // cols, 2 * (i % cols)], axes[i // cols, 2 * (i % cols) + 1]
        image = np.asarray(image)
        photo.imshow(np.clip(image, 0, 1) if image.dtype.kind == "f" else image)
        if titles is not None:
            photo.set_title(titles[i])
        names, probabilities = [str(n) for n, _ in top], [100 * float(p) for _, p in top]
        bars.axis("on")
        positions = np.arange(len(top))[::-1]
        bars.barh(positions, probabilities, color=["#1f77b4"] + ["#9ecae1"] * (len(top) - 1))
        bars.set_yticks(positions, names)
        bars.set_xlim(0, 100)
        bars.set_xlabel("probability (%)")
        for y, value in zip(positions, probabilities):
            inside = value > 75  # a long bar carries its label inside, in white
            bars.text(value - 2 if inside else value + 2, y, f"{value:.1f}%", va="center", fontsize=9,
                      ha="right" if inside else "left", color="white" if inside else "black")
    fig.tight_layout()
    return fig
