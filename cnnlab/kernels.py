"""Named convolution kernels (filters) and a filter bank in TensorFlow's layout.

Every function returns a fresh 2-D ``float32`` array, so a learner can edit one
without changing the next. The fixed 3×3 filters show their values in their
docstrings; the edge detectors (Sobel, Scharr, Prewitt) and the Gaussian are
built from their separable parts, as an outer product of a column and a row.

* Line filters from the chapter: :func:`vertical_line`, :func:`horizontal_line`.
* Smoothing and sharpening: :func:`identity`, :func:`box_blur`, :func:`gaussian`,
  :func:`sharpen`, :func:`emboss`.
* Edges: :func:`sobel_x`, :func:`sobel_y`, :func:`scharr_x`, :func:`scharr_y`,
  :func:`prewitt_x`, :func:`prewitt_y`, :func:`laplacian`; texture: :func:`gabor`.
* :data:`PRESETS`, :func:`names` and :func:`get` look filters up by the names a
  dropdown shows ("vertical line", "sobel x", ...).
* :func:`filter_bank` stacks 2-D kernels into the ``[fh, fw, c_in, c_out]``
  array that ``tf.nn.conv2d`` takes as its ``filters``.

Conventions
-----------
Rows are ``y`` and grow downwards, columns are ``x`` and grow to the right, as
in an image array. The kernels are meant for **cross-correlation**, which is
what convolutional layers (``keras.layers.Conv2D``, ``tf.nn.conv2d``) and
``cnnlab.ops`` compute under the name "convolution": the kernel slides over the
image without being flipped,

    out[i, j] = sum over u, v of image[i + u, j + v] * kernel[u, v].

So :func:`sobel_x` gives a positive response where the image gets brighter to
the right, and :func:`sobel_y` where it gets brighter downwards. A true
convolution (``scipy.signal.convolve2d``) flips the kernel first; pass
``np.flip(kernel)`` to it to get the same result.

numpy only: importing this module loads no TensorFlow.
"""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import Callable

import numpy as np

from ._validation import (
    check_finite_number,
    check_memory,
    check_one_of,
    check_positive_int,
    check_positive_number,
    check_positive_odd_int,
)

__all__ = [
    "vertical_line",
    "horizontal_line",
    "identity",
    "box_blur",
    "gaussian",
    "sharpen",
    "emboss",
    "sobel_x",
    "sobel_y",
    "scharr_x",
    "scharr_y",
    "prewitt_x",
    "prewitt_y",
    "laplacian",
    "gabor",
    "PRESETS",
    "names",
    "sized_names",
    "get",
    "filter_bank",
]

# Separable parts: an edge detector smooths across the edge direction with a
# short low-pass and differentiates along it with a central difference.
_DIFFERENCE = (-1.0, 0.0, 1.0)
_SOBEL_SMOOTH = (1.0, 2.0, 1.0)
_SCHARR_SMOOTH = (3.0, 10.0, 3.0)
_PREWITT_SMOOTH = (1.0, 1.0, 1.0)

_ODD_HINT = "An odd size has a centre pixel; try 3, 5 or 7."


def _check_size_memory(size: int, bytes_per_value: int) -> None:
    """Refuse a ``size × size`` kernel whose construction needs more memory than allowed."""
    check_memory(f"size={size}", size * size * bytes_per_value,
                 fix="Kernels are a few pixels wide: try 3, 5 or 7.")


def _separable(column, row) -> np.ndarray:
    """The outer product ``column[:, None] * row[None, :]`` as float32."""
    return np.outer(np.asarray(column, np.float64), np.asarray(row, np.float64)).astype(np.float32)


# --------------------------------------------------------------------------- lines


def vertical_line(size: int = 7) -> np.ndarray:
    """The chapter's vertical line filter: zeros except a central column of ones.

    Cross-correlated with an image, it sums each pixel's column neighbourhood,
    so vertical white lines come out bright and everything else blurs.

    Parameters
    ----------
    size : int
        Height and width, a positive odd integer (7 in the chapter).

    Returns
    -------
    numpy.ndarray
        ``(size, size)`` float32.

    Examples
    --------
    >>> vertical_line(5)
    array([[0., 0., 1., 0., 0.],
           [0., 0., 1., 0., 0.],
           [0., 0., 1., 0., 0.],
           [0., 0., 1., 0., 0.],
           [0., 0., 1., 0., 0.]], dtype=float32)
    >>> vertical_line().shape
    (7, 7)
    """
    size = check_positive_odd_int("size", size, hint=_ODD_HINT)
    _check_size_memory(size, 4)
    kernel = np.zeros((size, size), np.float32)
    kernel[:, size // 2] = 1.0
    return kernel


def horizontal_line(size: int = 7) -> np.ndarray:
    """The chapter's horizontal line filter: zeros except a central row of ones.

    The transpose of :func:`vertical_line`: horizontal white lines come out
    bright.

    Parameters
    ----------
    size : int
        Height and width, a positive odd integer (7 in the chapter).

    Returns
    -------
    numpy.ndarray
        ``(size, size)`` float32.

    Examples
    --------
    >>> horizontal_line(5)
    array([[0., 0., 0., 0., 0.],
           [0., 0., 0., 0., 0.],
           [1., 1., 1., 1., 1.],
           [0., 0., 0., 0., 0.],
           [0., 0., 0., 0., 0.]], dtype=float32)
    """
    size = check_positive_odd_int("size", size, hint=_ODD_HINT)
    _check_size_memory(size, 4)
    kernel = np.zeros((size, size), np.float32)
    kernel[size // 2, :] = 1.0
    return kernel


# --------------------------------------------------------------------------- smoothing


def identity(size: int = 3) -> np.ndarray:
    """The identity filter: a single 1 in the centre, so the output equals the input.

    Parameters
    ----------
    size : int
        Height and width, a positive odd integer.

    Returns
    -------
    numpy.ndarray
        ``(size, size)`` float32.

    Examples
    --------
    >>> identity()
    array([[0., 0., 0.],
           [0., 1., 0.],
           [0., 0., 0.]], dtype=float32)
    """
    size = check_positive_odd_int("size", size, hint=_ODD_HINT)
    _check_size_memory(size, 4)
    kernel = np.zeros((size, size), np.float32)
    kernel[size // 2, size // 2] = 1.0
    return kernel


def box_blur(size: int = 3) -> np.ndarray:
    """The box (mean) blur: every weight is ``1 / size**2``, so the weights sum to 1.

    It is separable: the outer product of two rows of ``1 / size``. Any
    positive size works; an even size shifts the output by half a pixel.

    Parameters
    ----------
    size : int
        Height and width, a positive integer.

    Returns
    -------
    numpy.ndarray
        ``(size, size)`` float32.

    Examples
    --------
    >>> box_blur() * 9
    array([[1., 1., 1.],
           [1., 1., 1.],
           [1., 1., 1.]], dtype=float32)
    >>> float(box_blur(4).sum())
    1.0
    """
    size = check_positive_int("size", size)
    _check_size_memory(size, 12)  # the float64 outer product, then float32
    part = np.full(size, 1.0 / size)
    return _separable(part, part)


def gaussian(size: int = 5, sigma: float = 1.0) -> np.ndarray:
    """A Gaussian blur, normalised so that its weights sum to 1.

    The outer product of a 1-D Gaussian with itself,

        g[k] = exp(-k**2 / (2 * sigma**2)) / Z,   k = -(size // 2), ..., size // 2,
        kernel = outer(g, g),

    where ``Z`` makes ``g`` sum to 1 (and so the kernel too). The truncation
    at ``size`` is part of the normalisation: pick ``size`` at least
    ``6 * sigma`` to keep almost all of the bell.

    Parameters
    ----------
    size : int
        Height and width, a positive odd integer.
    sigma : float
        Standard deviation in pixels, > 0.

    Returns
    -------
    numpy.ndarray
        ``(size, size)`` float32.

    Examples
    --------
    >>> gaussian().round(4)
    array([[0.003 , 0.0133, 0.0219, 0.0133, 0.003 ],
           [0.0133, 0.0596, 0.0983, 0.0596, 0.0133],
           [0.0219, 0.0983, 0.1621, 0.0983, 0.0219],
           [0.0133, 0.0596, 0.0983, 0.0596, 0.0133],
           [0.003 , 0.0133, 0.0219, 0.0133, 0.003 ]], dtype=float32)
    >>> round(float(gaussian(7, sigma=2.0).sum()), 6)
    1.0
    """
    size = check_positive_odd_int("size", size, hint=_ODD_HINT)
    sigma = check_positive_number("sigma", sigma, hint="sigma is the blur radius in pixels, for example 1.0.")
    _check_size_memory(size, 12)  # the float64 outer product, then float32
    k = np.arange(size, dtype=np.float64) - size // 2
    g = np.exp(-(k**2) / (2.0 * sigma**2))
    g /= g.sum()
    return _separable(g, g)


def sharpen() -> np.ndarray:
    """The 3×3 sharpen filter: the identity minus the :func:`laplacian`.

    It adds to each pixel how much it differs from its four neighbours, so
    edges get more contrast. Its weights sum to 1, so flat areas are unchanged.

    Returns
    -------
    numpy.ndarray
        ``(3, 3)`` float32.

    Examples
    --------
    >>> sharpen()
    array([[ 0., -1.,  0.],
           [-1.,  5., -1.],
           [ 0., -1.,  0.]], dtype=float32)
    """
    return identity(3) - laplacian()


def emboss() -> np.ndarray:
    """The 3×3 emboss filter: a relief lit from the top left.

    Its weights sum to 1; it is positive where the image gets brighter
    towards the bottom right and negative where it gets darker.

    Returns
    -------
    numpy.ndarray
        ``(3, 3)`` float32.

    Examples
    --------
    >>> emboss()
    array([[-2., -1.,  0.],
           [-1.,  1.,  1.],
           [ 0.,  1.,  2.]], dtype=float32)
    """
    return np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], np.float32)


# --------------------------------------------------------------------------- edges


def sobel_x() -> np.ndarray:
    """The Sobel filter for changes along x (vertical edges, brighter to the right).

    ``outer([1, 2, 1], [-1, 0, 1])``: a central difference along the row,
    smoothed down the column. Its weights sum to 0.

    Returns
    -------
    numpy.ndarray
        ``(3, 3)`` float32.

    Examples
    --------
    >>> sobel_x()
    array([[-1.,  0.,  1.],
           [-2.,  0.,  2.],
           [-1.,  0.,  1.]], dtype=float32)
    """
    return _separable(_SOBEL_SMOOTH, _DIFFERENCE)


def sobel_y() -> np.ndarray:
    """The Sobel filter for changes along y (horizontal edges, brighter downwards).

    ``outer([-1, 0, 1], [1, 2, 1])``, the transpose of :func:`sobel_x`.

    Returns
    -------
    numpy.ndarray
        ``(3, 3)`` float32.

    Examples
    --------
    >>> sobel_y()
    array([[-1., -2., -1.],
           [ 0.,  0.,  0.],
           [ 1.,  2.,  1.]], dtype=float32)
    """
    return _separable(_DIFFERENCE, _SOBEL_SMOOTH)


def scharr_x() -> np.ndarray:
    """The Scharr filter for changes along x: a Sobel with better rotation symmetry.

    ``outer([3, 10, 3], [-1, 0, 1])``.

    Returns
    -------
    numpy.ndarray
        ``(3, 3)`` float32.

    Examples
    --------
    >>> scharr_x()
    array([[ -3.,   0.,   3.],
           [-10.,   0.,  10.],
           [ -3.,   0.,   3.]], dtype=float32)
    """
    return _separable(_SCHARR_SMOOTH, _DIFFERENCE)


def scharr_y() -> np.ndarray:
    """The Scharr filter for changes along y, the transpose of :func:`scharr_x`.

    ``outer([-1, 0, 1], [3, 10, 3])``.

    Returns
    -------
    numpy.ndarray
        ``(3, 3)`` float32.

    Examples
    --------
    >>> scharr_y()
    array([[ -3., -10.,  -3.],
           [  0.,   0.,   0.],
           [  3.,  10.,   3.]], dtype=float32)
    """
    return _separable(_DIFFERENCE, _SCHARR_SMOOTH)


def prewitt_x() -> np.ndarray:
    """The Prewitt filter for changes along x: a difference smoothed by a plain mean.

    ``outer([1, 1, 1], [-1, 0, 1])``.

    Returns
    -------
    numpy.ndarray
        ``(3, 3)`` float32.

    Examples
    --------
    >>> prewitt_x()
    array([[-1.,  0.,  1.],
           [-1.,  0.,  1.],
           [-1.,  0.,  1.]], dtype=float32)
    """
    return _separable(_PREWITT_SMOOTH, _DIFFERENCE)


def prewitt_y() -> np.ndarray:
    """The Prewitt filter for changes along y, the transpose of :func:`prewitt_x`.

    ``outer([-1, 0, 1], [1, 1, 1])``.

    Returns
    -------
    numpy.ndarray
        ``(3, 3)`` float32.

    Examples
    --------
    >>> prewitt_y()
    array([[-1., -1., -1.],
           [ 0.,  0.,  0.],
           [ 1.,  1.,  1.]], dtype=float32)
    """
    return _separable(_DIFFERENCE, _PREWITT_SMOOTH)


def laplacian() -> np.ndarray:
    """The 3×3 Laplacian: the sum of the second differences along x and y.

    ``[1, -2, 1]`` as a row plus ``[1, -2, 1]`` as a column. It responds to
    edges in every direction, with a zero crossing on the edge itself, and is
    0 on flat areas and constant slopes (its weights sum to 0).

    Returns
    -------
    numpy.ndarray
        ``(3, 3)`` float32.

    Examples
    --------
    >>> laplacian()
    array([[ 0.,  1.,  0.],
           [ 1., -4.,  1.],
           [ 0.,  1.,  0.]], dtype=float32)
    """
    kernel = np.zeros((3, 3), np.float32)
    kernel[1, :] += (1.0, -2.0, 1.0)
    kernel[:, 1] += (1.0, -2.0, 1.0)
    return kernel


# --------------------------------------------------------------------------- texture


def gabor(
    size: int = 7,
    sigma: float = 2.0,
    theta: float = 0.0,
    wavelength: float = 4.0,
    phase: float = 0.0,
    aspect: float = 0.5,
) -> np.ndarray:
    """The real part of a Gabor filter, shifted to zero mean.

    A cosine wave under a Gaussian envelope, the kind of oriented stripe
    detector that the first layer of a trained CNN often learns. With
    ``x`` the column offset from the centre (to the right) and ``y`` the row
    offset (downwards)::

        x' =  x * cos(theta) + y * sin(theta)
        y' = -x * sin(theta) + y * cos(theta)
        g(x, y) = exp(-(x'**2 + aspect**2 * y'**2) / (2 * sigma**2))
                  * cos(2 * pi * x' / wavelength + phase)

    and the kernel is ``g - mean(g)``, so it gives 0 on a flat image.

    ``theta = 0`` makes vertical stripes (the wave runs along x), which
    respond to vertical lines and edges; ``theta = pi / 2`` gives exactly the
    transpose, horizontal stripes. On screen, a larger ``theta`` turns the
    stripes clockwise. ``phase = 0`` gives a symmetric line detector,
    ``phase = pi / 2`` an antisymmetric edge detector.

    Parameters
    ----------
    size : int
        Height and width, a positive odd integer.
    sigma : float
        Width of the Gaussian envelope in pixels, > 0.
    theta : float
        Direction of the wave in radians (see above).
    wavelength : float
        Period of the wave in pixels, > 0 (below 2 pixels it aliases).
    phase : float
        Phase offset of the wave in radians.
    aspect : float
        Spatial aspect ratio ``gamma`` of the envelope, > 0: below 1 the
        envelope is longer along the stripes than across them.

    Returns
    -------
    numpy.ndarray
        ``(size, size)`` float32 with mean 0.

    Examples
    --------
    >>> gabor(5, wavelength=4.0).round(2)
    array([[-0.5 ,  0.04,  0.92,  0.04, -0.5 ],
           [-0.55,  0.04,  1.01,  0.04, -0.55],
           [-0.57,  0.04,  1.04,  0.04, -0.57],
           [-0.55,  0.04,  1.01,  0.04, -0.55],
           [-0.5 ,  0.04,  0.92,  0.04, -0.5 ]], dtype=float32)
    >>> bool(np.allclose(gabor(theta=np.pi / 2), gabor(theta=0.0).T, atol=1e-6))
    True
    """
    size = check_positive_odd_int("size", size, hint=_ODD_HINT)
    sigma = check_positive_number("sigma", sigma, hint="sigma is the envelope width in pixels, for example 2.0.")
    theta = check_finite_number("theta", theta, hint="theta is an angle in radians, for example np.pi / 4.")
    wavelength = check_positive_number(
        "wavelength", wavelength, hint="wavelength is the stripe period in pixels, for example 4.0."
    )
    phase = check_finite_number("phase", phase, hint="phase is an angle in radians, for example 0.0.")
    aspect = check_positive_number("aspect", aspect, hint="aspect is a ratio such as 0.5 (1.0 for a round envelope).")
    _check_size_memory(size, 68)  # up to eight float64 grids at once, then float32
    offsets = np.arange(size, dtype=np.float64) - size // 2
    y, x = np.meshgrid(offsets, offsets, indexing="ij")
    x_rot = x * math.cos(theta) + y * math.sin(theta)
    y_rot = -x * math.sin(theta) + y * math.cos(theta)
    envelope = np.exp(-(x_rot**2 + aspect**2 * y_rot**2) / (2.0 * sigma**2))
    kernel = envelope * np.cos(2.0 * math.pi * x_rot / wavelength + phase)
    return (kernel - kernel.mean()).astype(np.float32)


# --------------------------------------------------------------------------- presets

#: Preset name → factory, in the order a dropdown shows them (read-only).
PRESETS: MappingProxyType[str, Callable[..., np.ndarray]] = MappingProxyType(
    {
        "vertical line": vertical_line,
        "horizontal line": horizontal_line,
        "identity": identity,
        "box blur": box_blur,
        "gaussian": gaussian,
        "sharpen": sharpen,
        "emboss": emboss,
        "sobel x": sobel_x,
        "sobel y": sobel_y,
        "scharr x": scharr_x,
        "scharr y": scharr_y,
        "prewitt x": prewitt_x,
        "prewitt y": prewitt_y,
        "laplacian": laplacian,
        "gabor": gabor,
    }
)

# The presets whose factory takes a ``size``; the others are fixed 3×3 filters.
_SIZED = frozenset({"vertical line", "horizontal line", "identity", "box blur", "gaussian", "gabor"})


def names() -> list[str]:
    """The preset names, in display order, for a dropdown.

    Returns
    -------
    list of str

    Examples
    --------
    >>> names()[:3]
    ['vertical line', 'horizontal line', 'identity']
    >>> len(names())
    15
    """
    return list(PRESETS)


def sized_names() -> list[str]:
    """The preset names whose size can be chosen (the others are fixed 3×3).

    Returns
    -------
    list of str

    Examples
    --------
    >>> sized_names()
    ['vertical line', 'horizontal line', 'identity', 'box blur', 'gaussian', 'gabor']
    """
    return [name for name in PRESETS if name in _SIZED]


def _normalize_name(name: str) -> str:
    return " ".join(name.lower().replace("_", " ").replace("-", " ").split())


def get(name: str, size: int | None = None) -> np.ndarray:
    """A preset filter by name, with its default parameters.

    Parameters
    ----------
    name : str
        One of :func:`names`. Case, underscores and hyphens are ignored, so
        ``"sobel_x"`` and ``"Sobel X"`` both mean ``"sobel x"``.
    size : int, optional
        Height and width for the presets that have one (see
        :func:`sized_names`); the default is the factory's own. The fixed
        filters accept only ``None`` or 3.

    Returns
    -------
    numpy.ndarray
        A 2-D float32 kernel.

    Examples
    --------
    >>> get("sobel x")
    array([[-1.,  0.,  1.],
           [-2.,  0.,  2.],
           [-1.,  0.,  1.]], dtype=float32)
    >>> get("vertical line", size=3)
    array([[0., 1., 0.],
           [0., 1., 0.],
           [0., 1., 0.]], dtype=float32)
    >>> get("sharpen", size=5)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: size must be 3 (or None) for the fixed 3×3 preset 'sharpen', received size=5. ...
    """
    key = check_one_of("name", name, tuple(PRESETS), normalize=_normalize_name)
    factory = PRESETS[key]
    if key in _SIZED:
        return factory() if size is None else factory(size=size)
    if size is not None and check_positive_int("size", size, hint="The fixed filters are 3×3; leave size=None.") != 3:
        raise ValueError(
            f"size must be 3 (or None) for the fixed 3×3 preset {key!r}, received size={size!r}. "
            f"Only these presets take another size: {', '.join(repr(n) for n in sized_names())}."
        )
    return factory()


# --------------------------------------------------------------------------- filter bank


def filter_bank(*kernels, channels: int = 3) -> np.ndarray:
    """Stack 2-D kernels into the ``[fh, fw, c_in, c_out]`` array of ``tf.nn.conv2d``.

    Kernel ``j`` becomes output channel ``j`` and is applied identically to
    every one of the ``channels`` input channels:
    ``bank[:, :, c, j] == kernels[j]`` for every ``c``. Each output feature
    map is then the kernel's response summed over the input channels (for an
    RGB image, the response to R + G + B).

    Parameters
    ----------
    *kernels : array_like
        2-D kernels, all of the same shape, given one per argument or as one
        list.
    channels : int
        Number of input channels ``c_in`` (3 for RGB, 1 for greyscale).

    Returns
    -------
    numpy.ndarray
        ``(fh, fw, channels, len(kernels))`` float32.

    Examples
    --------
    The chapter's two 7×7 filters, built by hand and from the presets:

    >>> channels = 3
    >>> filters = np.zeros(shape=(7, 7, channels, 2), dtype=np.float32)
    >>> filters[:, 3, :, 0] = 1  # vertical line
    >>> filters[3, :, :, 1] = 1  # horizontal line
    >>> bank = filter_bank(vertical_line(), horizontal_line())
    >>> bank.shape, bank.dtype
    ((7, 7, 3, 2), dtype('float32'))
    >>> bool(np.array_equal(bank, filters))
    True
    >>> filter_bank([sobel_x(), sobel_y()], channels=1).shape
    (3, 3, 1, 2)
    """
    channels = check_positive_int("channels", channels, hint="Use 3 for RGB images and 1 for greyscale.")
    if len(kernels) == 1 and isinstance(kernels[0], (list, tuple)) and _is_sequence_of_kernels(kernels[0]):
        kernels = tuple(kernels[0])
    if not kernels:
        raise ValueError(
            "kernels is empty: give at least one 2-D kernel, "
            "for example filter_bank(vertical_line(), horizontal_line())."
        )
    arrays = []
    for index, kernel in enumerate(kernels):
        name = f"kernels[{index}]"
        try:  # an array is taken as it is (no copy yet: it may be a huge broadcast view)
            array = np.asarray(kernel)
            if array.dtype.kind not in "biuf":
                array = np.asarray(kernel, dtype=np.float32)
        except (TypeError, ValueError):
            raise ValueError(
                f"{name} must be a 2-D array of numbers, received {name}={_short(kernel)}."
            ) from None
        if array.ndim != 2 or array.size == 0:
            raise ValueError(
                f"{name} must be a non-empty 2-D array (height, width), received an array of shape {array.shape}. "
                "Give each filter as its own 2-D argument."
            )
        if arrays and array.shape != arrays[0].shape:
            raise ValueError(
                f"all kernels must have the same shape, received kernels[0] of shape {arrays[0].shape} "
                f"and {name} of shape {array.shape}. Build them with the same size, "
                "for example gaussian(size=7) next to vertical_line(size=7)."
            )
        arrays.append(array)
    # Before any value is converted or scanned: the float32 copies, their stack, the result, the scan's booleans.
    check_memory(f"channels={channels} with {len(arrays)} kernels of shape {arrays[0].shape}",
                 arrays[0].size * len(arrays) * ((channels + 2) * 4 + 1),
                 fix="channels is the number of input channels: 3 for RGB images, 1 for greyscale.")
    arrays = [array.astype(np.float32, copy=False) for array in arrays]
    for index, (kernel, array) in enumerate(zip(kernels, arrays)):
        if not np.all(np.isfinite(array)):
            raise ValueError(f"kernels[{index}] must contain only finite numbers, "
                             f"received kernels[{index}]={_short(kernel)}.")
    stacked = np.stack(arrays, axis=-1)  # (fh, fw, c_out)
    return np.ascontiguousarray(np.repeat(stacked[:, :, np.newaxis, :], channels, axis=2))


def _is_sequence_of_kernels(candidate) -> bool:
    """True if ``candidate`` is a (possibly empty) list of kernels, not one kernel as nested lists."""
    try:
        return len(candidate) == 0 or any(np.ndim(item) >= 2 for item in candidate)
    except ValueError:  # a ragged element: let the per-kernel checks report it
        return True


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
