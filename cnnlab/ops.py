"""Convolution and pooling from the ground up, in numpy.

These are the reference implementations the course teaches with. Each one
follows TensorFlow's conventions exactly (NHWC layout, filters of shape
``[fh, fw, c_in, c_out]``, TensorFlow's asymmetric SAME padding) and the tests
check each against its ``tf.nn`` counterpart to 1e-5 in float32.

* :func:`conv2d_naive` is the chapter's Equation 13-1 written as loops:
  slow on purpose, and readable.
* :func:`conv2d` computes the same thing fast: one loop over the kernel's
  taps, each a matrix product over all positions at once.
* :func:`output_size`, :func:`same_padding`, :func:`padding_amounts` say how
  big the output is and where the zero padding goes.
* :func:`max_pool2d`, :func:`avg_pool2d`, :func:`depth_max_pool`,
  :func:`global_avg_pool`, :func:`local_response_normalization`.
* :func:`receptive_field` and :func:`receptive_field_bounds`: which input
  pixels a neuron in a stack of layers can see.

Each public function checks its arguments, then computes with an engine that
checks nothing: :func:`correlate_same` (conv2d at stride 1 with SAME padding),
:func:`pool_windows` (max and average pooling, with the settings
:func:`pool_geometry` checked) and :func:`depth_max`. The engines are public
within the package, not in ``__all__``: the kernel and pooling explorers check
a photo once where it enters and compute with them at every slider move.

Like TensorFlow and every CNN library, "convolution" here is
cross-correlation: the kernel is not flipped.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._validation import (
    check_finite_array,
    check_finite_number,
    check_memory,
    check_one_of,
    check_positive_int,
    check_positive_number,
)

__all__ = [
    "output_size",
    "same_padding",
    "padding_amounts",
    "conv2d_naive",
    "conv2d",
    "max_pool2d",
    "avg_pool2d",
    "depth_max_pool",
    "global_avg_pool",
    "local_response_normalization",
    "Layer",
    "ReceptiveField",
    "receptive_field",
    "receptive_field_bounds",
]

PADDINGS = ("SAME", "VALID")


# --------------------------------------------------------------------------- argument handling


def check_padding(padding) -> str:
    return check_one_of("padding", padding, PADDINGS, normalize=lambda p: p.upper())


def _pair(name: str, value) -> tuple[int, int]:
    """Normalise an int or a pair of ints (height, width) to a pair of positive ints."""
    pair = (value, value) if isinstance(value, numbers.Integral) else value
    valid = isinstance(pair, (tuple, list)) and len(pair) == 2 and all(
        isinstance(item, numbers.Integral) and not isinstance(item, bool) and item >= 1 for item in pair
    )
    if not valid or isinstance(value, bool):
        raise ValueError(
            f"{name} must be a positive integer or a pair (height, width) of them, received {name}={value!r}."
        )
    return int(pair[0]), int(pair[1])


_SMALLER = "Use fewer images (for example x[:8]) or smaller ones."


def _image_batch(name: str, x) -> tuple[np.ndarray, bool]:
    """Return ``x`` as a batch ``(n, h, w, c)`` of numbers, as given, and whether it was a single image.

    Refuses non-numbers, other ranks and empty arrays. Nothing is converted or scanned yet, and an
    array is not copied: the caller checks the memory its request needs first (with
    :func:`_conversion_bytes`), then calls :func:`_as_float`.
    """
    array = np.asarray(x)
    if array.dtype.kind not in "fiub":
        raise ValueError(f"{name} must hold numbers, received an array of dtype {array.dtype}.")
    if array.ndim not in (3, 4):
        raise ValueError(
            f"{name} must have shape (height, width, channels) or (batch, height, width, channels), "
            f"received shape {array.shape}; for a greyscale image add a channel axis: x[..., None]."
        )
    if array.size == 0:
        raise ValueError(f"{name} is empty, received shape {array.shape}.")
    single = array.ndim == 3
    return (array[None] if single else array), single


def _conversion_bytes(batch: np.ndarray) -> int:
    """What :func:`_as_float` allocates: a float32 copy of integers (floats are used as they are)."""
    return 0 if batch.dtype.kind == "f" else 4 * batch.size


def _float_itemsize(batch: np.ndarray) -> int:
    """Bytes per value of ``batch`` once :func:`_as_float` has converted it."""
    return batch.dtype.itemsize if batch.dtype.kind == "f" else 4


def _as_float(name: str, batch: np.ndarray, single: bool, *, finite: bool = True) -> np.ndarray:
    """``batch`` in floating point (integers become float32), refusing NaN and infinities if ``finite``.

    The scan tests a block of values at a time (see :func:`cnnlab._validation.check_finite_array`),
    so it allocates nothing of the array's size; integers, always finite, are not scanned.
    """
    if batch.dtype.kind != "f":
        return batch.astype(np.float32)
    if finite:
        check_finite_array(name, batch[0] if single else batch)
    return batch


def output_size(input_size: int, kernel_size: int, stride: int = 1, padding: str = "VALID") -> int:
    """Number of outputs along one axis of a convolution or pooling layer.

    SAME pads with zeros so that every input is used and the output has
    ``ceil(input_size / stride)`` positions; VALID uses no padding, so the
    kernel must fit entirely: ``floor((input_size - kernel_size) / stride) + 1``
    positions, and inputs past the last full window are ignored.

    Parameters
    ----------
    input_size, kernel_size, stride : int
        Positive integers.
    padding : {"SAME", "VALID"}
        Case-insensitive.

    Returns
    -------
    int

    Examples
    --------
    The chapter's Figure 13-7: 13 inputs, a filter of 6, a stride of 5.

    >>> output_size(13, 6, 5, "VALID"), output_size(13, 6, 5, "SAME")
    (2, 3)
    >>> output_size(28, 5, 1, "VALID")
    24
    """
    n = check_positive_int("input_size", input_size)
    k = check_positive_int("kernel_size", kernel_size)
    s = check_positive_int("stride", stride)
    if check_padding(padding) == "SAME":
        return -(-n // s)
    if k > n:
        raise ValueError(
            f"kernel_size={k} is larger than input_size={n}, so with padding='VALID' the kernel never fits; "
            "use padding='SAME' or a smaller kernel."
        )
    return (n - k) // s + 1


def same_padding(input_size: int, kernel_size: int, stride: int = 1) -> tuple[int, int]:
    """Zeros TensorFlow adds before and after one axis under SAME padding.

    The total is whatever makes ``ceil(input_size / stride)`` windows fit; when
    it is odd, the extra zero goes *after* (right or bottom), as in TensorFlow.

    Examples
    --------
    >>> same_padding(13, 6, 5)   # Figure 13-7: 3 windows need 16 inputs: 1 zero left, 2 right
    (1, 2)
    >>> same_padding(5, 3, 1)
    (1, 1)
    """
    n = check_positive_int("input_size", input_size)
    k = check_positive_int("kernel_size", kernel_size)
    s = check_positive_int("stride", stride)
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def padding_amounts(input_shape, kernel_size, strides=1, padding="VALID") -> tuple[tuple[int, int], tuple[int, int]]:
    """``((top, bottom), (left, right))`` zeros added around a 2-D input.

    Examples
    --------
    >>> padding_amounts((427, 640), 7, 2, "SAME")
    ((3, 3), (2, 3))
    """
    h, w = _pair("input_shape", input_shape)
    kh, kw = _pair("kernel_size", kernel_size)
    sh, sw = _pair("strides", strides)
    if check_padding(padding) == "VALID":
        output_size(h, kh, sh, "VALID")
        output_size(w, kw, sw, "VALID")
        return (0, 0), (0, 0)
    return same_padding(h, kh, sh), same_padding(w, kw, sw)


def _check_fits(what: str, window, image_shape, padding: str) -> None:
    if padding == "VALID" and (window[0] > image_shape[0] or window[1] > image_shape[1]):
        raise ValueError(
            f"{what} ({window[0]}×{window[1]}) does not fit in x's {image_shape[0]}×{image_shape[1]} images "
            "with padding='VALID'; use padding='SAME', a smaller window or a larger image."
        )


def _pad(x: np.ndarray, pads, value: float = 0.0) -> np.ndarray:
    (top, bottom), (left, right) = pads
    if top == bottom == left == right == 0:
        return x
    return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=value)


# --------------------------------------------------------------------------- convolution


def _check_conv(x, filters, bias, strides, padding):
    batch, single = _image_batch("x", x)
    w = np.asarray(filters)
    if w.dtype.kind not in "fiub":
        raise ValueError(f"filters must hold numbers, received an array of dtype {w.dtype}.")
    if w.ndim != 4 or w.size == 0:
        raise ValueError(
            f"filters must have shape (height, width, in_channels, out_channels), received shape {w.shape}; "
            "cnnlab.kernels.filter_bank builds one from 2-D kernels."
        )
    if w.shape[2] != batch.shape[3]:
        raise ValueError(
            f"filters expect {w.shape[2]} input channels but x has {batch.shape[3]} "
            f"(x shape {np.shape(x)}, filters shape {w.shape}); the third axis of filters must match "
            "the last axis of x."
        )
    sh, sw = _pair("strides", strides)
    padding = check_padding(padding)
    _check_fits("filters", w.shape[:2], batch.shape[1:3], padding)
    pads = padding_amounts(batch.shape[1:3], w.shape[:2], (sh, sw), padding)
    if bias is not None:
        bias = np.asarray(bias)
        if bias.dtype.kind not in "fiub":
            raise ValueError(f"bias must hold numbers, received an array of dtype {bias.dtype}.")
        if bias.shape != (w.shape[3],):
            raise ValueError(
                f"bias must have shape ({w.shape[3]},), one value per output channel, received shape {bias.shape}."
            )
    dtype = np.result_type(batch.dtype if batch.dtype.kind == "f" else np.float32, w.dtype, np.float32)
    # What conv2d allocates: the padded (contiguous) input, the stride-1 wide output or the output
    # plus one strided slice per tap, and the output once more when the bias is added.
    (top, bottom), (left, right) = pads
    n, height, width, channels = batch.shape
    hp, wp = height + top + bottom, width + left + right
    out_h, out_w, maps = (hp - w.shape[0]) // sh + 1, (wp - w.shape[1]) // sw + 1, w.shape[3]
    values = n * hp * wp * channels + n * out_h * (wp if sh == sw == 1 else out_w) * maps
    values += n * out_h * out_w * (maps + (channels if (sh, sw) != (1, 1) else 0) + (maps if bias is not None else 0))
    check_memory(f"x of shape {np.shape(x)} and filters of shape {w.shape} (an output of shape "
                 f"{(n, out_h, out_w, maps) if not single else (out_h, out_w, maps)})",
                 values * np.dtype(dtype).itemsize + _conversion_bytes(batch),
                 fix="Use fewer images (for example x[:8]), smaller images, fewer filters or a larger stride.")
    batch = _as_float("x", batch, single)
    check_finite_array("filters", w)
    if bias is not None:
        check_finite_array("bias", bias)
    return batch.astype(dtype, copy=False), w.astype(dtype, copy=False), bias, (sh, sw), pads, single


def conv2d_naive(x, filters, bias=None, strides=1, padding="VALID") -> np.ndarray:
    """A convolutional layer exactly as Equation 13-1 writes it, with loops.

    .. math:: z_{i,j,k} = b_k + \\sum_{u=0}^{f_h-1} \\sum_{v=0}^{f_w-1} \\sum_{k'=0}^{f_{n'}-1}
              x_{i',j',k'} \\, w_{u,v,k',k}
              \\quad\\text{with}\\quad i' = i\\,s_h + u,\\; j' = j\\,s_w + v

    where ``x`` is the zero-padded input: the book's Equation 13-1, with
    ``i'`` and ``j'`` written out (the chapter's paragraphs on strides and on
    stacked feature maps swap the row and column indices). The loops run over every
    image ``n``, output row ``i``, output column ``j`` and feature map ``k``;
    the triple sum over ``u``, ``v`` and ``k'`` is one ``np.sum`` of the window
    times the filter. Use it to read, not to compute: :func:`conv2d` gives the
    same numbers hundreds of times faster.

    Parameters
    ----------
    x : array_like
        ``(height, width, channels)`` or ``(batch, height, width, channels)``.
    filters : array_like
        ``(fh, fw, in_channels, out_channels)``, TensorFlow's layout.
    bias : array_like, optional
        ``(out_channels,)``.
    strides : int or (int, int)
    padding : {"SAME", "VALID"}

    Returns
    -------
    numpy.ndarray
        ``(batch, out_height, out_width, out_channels)``, without the batch axis
        if ``x`` had none.

    Examples
    --------
    >>> x = np.arange(16, dtype=np.float32).reshape(4, 4, 1)
    >>> w = np.ones((2, 2, 1, 1), np.float32)
    >>> conv2d_naive(x, w, strides=2)[..., 0]
    array([[10., 18.],
           [42., 50.]], dtype=float32)
    """
    batch, w, bias, (sh, sw), pads, single = _check_conv(x, filters, bias, strides, padding)
    fh, fw, _, maps = w.shape
    xp = _pad(batch, pads)
    out_h = (xp.shape[1] - fh) // sh + 1
    out_w = (xp.shape[2] - fw) // sw + 1
    z = np.zeros((batch.shape[0], out_h, out_w, maps), dtype=w.dtype)
    for n in range(batch.shape[0]):
        for i in range(out_h):
            for j in range(out_w):
                for k in range(maps):
                    window = xp[n, i * sh : i * sh + fh, j * sw : j * sw + fw, :]  # x[i', j', k'] over u, v, k'
                    z[n, i, j, k] = (bias[k] if bias is not None else 0.0) + np.sum(window * w[:, :, :, k])
    return z[0] if single else z


def _correlate(xp: np.ndarray, w: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """Stride-1 correlation of a contiguous, already padded batch, cropped to ``out_h × out_w``.

    Output row ``i``, column ``j`` reads flat position ``(i + u) * width + (j + v)``: for a fixed
    tap ``(u, v)`` all outputs read one contiguous run of the flattened image (the columns past
    ``out_w`` in each row are computed and thrown away), so each tap is one matrix product with
    no copy. Taps whose weights are all zero are skipped.
    """
    n, hp, wp, c_in = xp.shape
    fh, fw, _, maps = w.shape
    flat = xp.reshape(n, hp * wp, c_in)
    length = (out_h - 1) * wp + out_w
    wide = np.zeros((n, out_h * wp, maps), dtype=w.dtype)
    for u in range(fh):
        for v in range(fw):
            if not np.any(w[u, v]):
                continue
            start = u * wp + v
            if c_in == 1:  # a scaled copy: cheaper than a matrix product with an inner size of 1
                wide[:, :length] += flat[:, start : start + length] * w[u, v, 0]
            else:
                wide[:, :length] += flat[:, start : start + length] @ w[u, v]
    return wide.reshape(n, out_h, wp, maps)[:, :, :out_w]


def correlate_same(x: np.ndarray, filters: np.ndarray) -> np.ndarray:
    """``conv2d(x, filters, padding="SAME")`` of one image, with no checks: the same numbers, bit for bit.

    The engine of :func:`conv2d` at stride 1 (:func:`_correlate` on the zero-padded image), for
    callers inside the package that checked their image where it entered: the kernel and pooling
    explorers check a photo once, and a slider move does not scan it again. Public within the
    package, not in ``__all__``.

    Parameters
    ----------
    x : numpy.ndarray
        ``(height, width, in_channels)``, floating point and finite.
    filters : numpy.ndarray
        ``(fh, fw, in_channels, out_channels)``, finite, of the dtype :func:`conv2d` would compute in
        (``x``'s, float32 at least).

    Examples
    --------
    >>> x = np.arange(12, dtype=np.float32).reshape(3, 4, 1)
    >>> w = np.ones((3, 3, 1, 1), np.float32)
    >>> bool(np.array_equal(correlate_same(x, w), conv2d(x, w, padding="SAME")))
    True
    """
    height, width = x.shape[:2]
    pads = tuple(((k - 1) // 2, k - 1 - (k - 1) // 2) for k in filters.shape[:2])  # same_padding at stride 1
    z = _correlate(np.ascontiguousarray(_pad(x[None], pads)), filters, height, width)
    return np.ascontiguousarray(z)[0]


def conv2d(x, filters, bias=None, strides=1, padding="VALID") -> np.ndarray:
    """A convolutional layer, vectorised: same arguments and result as :func:`conv2d_naive`.

    Instead of looping over output positions, it loops over the kernel's
    ``fh × fw`` taps: for tap ``(u, v)`` every output position needs the input
    shifted by ``(u, v)``, multiplied by the ``in × out`` weight matrix
    ``filters[u, v]``, and all these products add up. Each tap is one matrix
    product over all positions at once, done by BLAS. Taps whose weights are
    all zero are skipped (the chapter's line filters have 7 non-zero taps out
    of 49). With stride 1 the shifted inputs are contiguous slices of the
    flattened padded image, so nothing is copied.

    Examples
    --------
    >>> x = np.arange(16, dtype=np.float32).reshape(4, 4, 1)
    >>> w = np.ones((2, 2, 1, 1), np.float32)
    >>> conv2d(x, w, strides=2)[..., 0]
    array([[10., 18.],
           [42., 50.]], dtype=float32)
    >>> conv2d(x, w, padding="SAME").shape
    (4, 4, 1)

    Notes
    -----
    Memory: besides the output, stride 1 needs one padded copy of the input;
    larger strides also copy one strided slice of the input per tap.
    """
    batch, w, bias, (sh, sw), pads, single = _check_conv(x, filters, bias, strides, padding)
    fh, fw, _, _ = w.shape
    xp = _pad(batch, pads)
    out_h = (xp.shape[1] - fh) // sh + 1
    out_w = (xp.shape[2] - fw) // sw + 1
    if sh == sw == 1:
        z = _correlate(np.ascontiguousarray(xp), w, out_h, out_w)
    else:
        # With a stride the shifted inputs are strided views; each tap's product copies one.
        # (Splitting the input into stride × stride phase images, each convolved at stride 1,
        # was measured and is slower here: the inner matrices are too small for BLAS to shine.)
        z = np.zeros((xp.shape[0], out_h, out_w, w.shape[3]), dtype=w.dtype)
        for u in range(fh):
            for v in range(fw):
                if np.any(w[u, v]):
                    z += xp[:, u : u + sh * (out_h - 1) + 1 : sh, v : v + sw * (out_w - 1) + 1 : sw, :] @ w[u, v]
    if bias is not None:
        z = z + bias.astype(w.dtype)
    z = np.ascontiguousarray(z)
    return z[0] if single else z


# --------------------------------------------------------------------------- pooling


@dataclass(frozen=True)
class PoolGeometry:
    """Checked settings of a pooling over images of one height and width (from :func:`pool_geometry`)."""

    window: tuple[int, int]
    strides: tuple[int, int]
    pads: tuple[tuple[int, int], tuple[int, int]]
    output_shape: tuple[int, int]


def pool_geometry(image_shape, pool_size, strides, padding) -> PoolGeometry:
    """Check a pooling's settings against images of ``image_shape`` ``(height, width)``; their geometry.

    The checks :func:`max_pool2d` and :func:`avg_pool2d` make of their settings, with the same
    messages; a widget that checked its image where it entered checks here the settings a control
    changed, then pools with :func:`pool_windows`. Public within the package, not in ``__all__``.

    Examples
    --------
    >>> pool_geometry((5, 7), 2, None, "same")
    PoolGeometry(window=(2, 2), strides=(2, 2), pads=((0, 1), (0, 1)), output_shape=(3, 4))
    """
    kh, kw = _pair("pool_size", pool_size)
    sh, sw = _pair("strides", (kh, kw) if strides is None else strides)
    padding = check_padding(padding)
    _check_fits(f"the pooling window pool_size={pool_size!r}", (kh, kw), image_shape, padding)
    pads = padding_amounts(image_shape, (kh, kw), (sh, sw), padding)
    output_shape = (output_size(image_shape[0], kh, sh, padding), output_size(image_shape[1], kw, sw, padding))
    return PoolGeometry((kh, kw), (sh, sw), pads, output_shape)


def _pool(x, pool_size, strides, padding, reduce: str) -> np.ndarray:
    batch, single = _image_batch("x", x)
    geometry = pool_geometry(batch.shape[1:3], pool_size, strides, padding)
    (out_h, out_w), ((top, bottom), (left, right)) = geometry.output_shape, geometry.pads
    # The padded input (or the input itself) and the output, twice for an average (sum, then mean).
    n, height, width, channels = batch.shape
    # Without padding the input itself counts: the finiteness scan reads all of it, so a broadcast view of
    # 10^12 values is refused here rather than scanned.
    padded = n * (height + top + bottom) * (width + left + right) * channels
    check_memory(f"x of shape {np.shape(x)} with pool_size={pool_size!r}",
                 (padded + (1 if reduce == "max" else 2) * n * out_h * out_w * channels) * _float_itemsize(batch)
                 + _conversion_bytes(batch), fix=_SMALLER)
    out = pool_windows(_as_float("x", batch, single), geometry, reduce)
    return out[0] if single else out


def pool_windows(batch: np.ndarray, geometry: PoolGeometry, reduce: str) -> np.ndarray:
    """Max (``reduce="max"``) or average (``"avg"``) pooling of a checked batch, with no checks.

    The engine of :func:`max_pool2d` and :func:`avg_pool2d`: ``batch`` is ``(n, height, width,
    channels)``, floating point and finite, ``geometry`` :func:`pool_geometry` of its height and width.
    Public within the package, not in ``__all__``.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> pool_windows(x, pool_geometry((4, 4), 2, None, "VALID"), "max")[0, ..., 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    (kh, kw), (sh, sw), pads = geometry.window, geometry.strides, geometry.pads
    out_h, out_w = geometry.output_shape

    def window(array, u, v):
        return array[:, u : u + sh * (out_h - 1) + 1 : sh, v : v + sw * (out_w - 1) + 1 : sw, :]

    if reduce == "max":
        xp = _pad(batch, pads, value=-np.inf)
        out = np.full((batch.shape[0], out_h, out_w, batch.shape[3]), -np.inf, dtype=batch.dtype)
        for u in range(kh):
            for v in range(kw):
                np.maximum(out, window(xp, u, v), out=out)
        return out
    # TensorFlow averages over the real inputs in each window only: padded zeros do not count.
    xp = _pad(batch, pads)
    ones = _pad(np.ones((1, *batch.shape[1:3], 1), dtype=batch.dtype), pads)
    total = np.zeros((batch.shape[0], out_h, out_w, batch.shape[3]), dtype=batch.dtype)
    count = np.zeros((1, out_h, out_w, 1), dtype=batch.dtype)
    for u in range(kh):
        for v in range(kw):
            total += window(xp, u, v)
            count += window(ones, u, v)
    return total / count


def max_pool2d(x, pool_size=2, strides=None, padding="VALID") -> np.ndarray:
    """Max pooling: each output is the largest input in its window, per channel.

    Parameters
    ----------
    x : array_like
        ``(height, width, channels)`` or ``(batch, height, width, channels)``.
    pool_size : int or (int, int)
        Window size.
    strides : int or (int, int), optional
        Step between windows; defaults to ``pool_size`` (windows side by side).
    padding : {"SAME", "VALID"}
        SAME pads with -inf, so padding never wins the max.

    Examples
    --------
    >>> x = np.array([[1, 3, 2, 0], [4, 2, 1, 5], [0, 0, 7, 1], [2, 1, 0, 3]], np.float32)[..., None]
    >>> max_pool2d(x, 2)[..., 0]
    array([[4., 5.],
           [2., 7.]], dtype=float32)
    """
    return _pool(x, pool_size, strides, padding, "max")


def avg_pool2d(x, pool_size=2, strides=None, padding="VALID") -> np.ndarray:
    """Average pooling: each output is the mean of its window, per channel.

    Under SAME padding, as in TensorFlow, the mean is over the window's real
    inputs only: padded positions are not counted.

    Examples
    --------
    >>> x = np.array([[1, 3, 2, 0], [4, 2, 1, 5], [0, 0, 7, 1], [2, 1, 0, 3]], np.float32)[..., None]
    >>> avg_pool2d(x, 2)[..., 0]
    array([[2.5 , 2.  ],
           [0.75, 2.75]], dtype=float32)
    >>> avg_pool2d(np.ones((3, 3, 1)), 2, padding="SAME")[..., 0]   # no zeros pull the edge down
    array([[1., 1.],
           [1., 1.]])
    """
    return _pool(x, pool_size, strides, padding, "avg")


def depth_max_pool(x, pool_size: int) -> np.ndarray:
    """Max pooling across channels: every ``pool_size`` consecutive channels become one.

    The chapter uses it to make a network invariant to, for example, rotation:
    if each channel of a group detects the same pattern at another angle, their
    maximum detects it at any of those angles. Height and width are unchanged.

    Parameters
    ----------
    x : array_like
        ``(..., channels)``; 3-D or 4-D.
    pool_size : int
        Must divide the number of channels.

    Examples
    --------
    >>> x = np.array([[[1., 5., 2., 0., 3., 3.]]])
    >>> depth_max_pool(x, 3)
    array([[[5., 3.]]])
    """
    batch, single = _image_batch("x", x)
    p = check_positive_int("pool_size", pool_size)
    channels = batch.shape[3]
    if channels % p:
        raise ValueError(
            f"pool_size={p} does not divide the {channels} channels of x; depthwise pooling groups the "
            f"channels in blocks of pool_size, so use a divisor of {channels}."
        )
    # Grouping the channels may copy the input; the output has a p-th of its values.
    check_memory(f"x of shape {np.shape(x)}", batch.size * _float_itemsize(batch) * (p + 1) // p
                 + _conversion_bytes(batch), fix=_SMALLER)
    out = depth_max(_as_float("x", batch, single), p)
    return out[0] if single else out


def depth_max(x: np.ndarray, pool_size: int) -> np.ndarray:
    """The maximum over each ``pool_size`` consecutive channels of ``x`` ``(..., channels)``, with no checks.

    The engine of :func:`depth_max_pool`: ``pool_size`` divides the channels. Public within the
    package, not in ``__all__``.

    Examples
    --------
    >>> depth_max(np.array([[[1., 5., 2., 0., 3., 3.]]]), 3)
    array([[[5., 3.]]])
    """
    return x.reshape(*x.shape[:-1], x.shape[-1] // pool_size, pool_size).max(axis=-1)


def global_avg_pool(x) -> np.ndarray:
    """Global average pooling: the mean of each feature map, one number per channel.

    Examples
    --------
    >>> global_avg_pool(np.arange(8.0).reshape(1, 2, 2, 2))
    array([[3., 4.]])
    """
    batch, single = _image_batch("x", x)
    # The input itself, in floating point: an array larger than any request may be (a broadcast view
    # of 10^10 values, say) is refused before the finiteness scan, which would read every value.
    check_memory(f"x of shape {np.shape(x)}", batch.size * _float_itemsize(batch) + _conversion_bytes(batch),
                 fix=_SMALLER)
    batch = _as_float("x", batch, single)
    out = batch.mean(axis=(1, 2))
    return out[0] if single else out


def local_response_normalization(x, depth_radius: int = 2, bias: float = 1.0, alpha: float = 0.00002,
                                 beta: float = 0.75) -> np.ndarray:
    """Local response normalisation (Equation 13-2), as ``tf.nn.local_response_normalization``.

    .. math:: b_i = a_i \\left(k + \\alpha \\sum_{j=j_\\text{low}}^{j_\\text{high}} a_j^2\\right)^{-\\beta}
              \\quad j_\\text{low} = \\max(0, i - r),\\; j_\\text{high} = \\min(i + r, f_n - 1)

    A strongly activated channel inhibits its neighbours at the same position,
    which AlexNet used to make feature maps specialise. The defaults are the
    chapter's AlexNet settings ``r = 2, α = 0.00002, β = 0.75, k = 1``.

    The book writes the window as ``i ± r/2``; this follows TensorFlow, whose
    ``depth_radius`` ``r`` is the half-width: it sums over ``i ± r``, that is
    ``2r + 1`` channels, so the defaults sum over 5, the AlexNet paper's
    ``n = 5``. The paper (Krizhevsky, Sutskever & Hinton, NIPS 2012, section
    3.3) uses ``k = 2, n = 5, α = 10⁻⁴, β = 0.75`` with ``α`` not divided by
    ``n``: ``depth_radius=2, bias=2, alpha=1e-4``. The chapter's ``k = 1`` and
    ``α = 0.00002 = 10⁻⁴ / 5`` follow Caffe, which divides ``α`` by the window size.

    Examples
    --------
    A strong channel (100) between two weak ones (1): with ``r = 1`` every
    channel's window holds all three, so each is divided by
    ``(1 + 10⁻⁴ × 10002)^0.75 ≈ 1.68``.

    >>> a = np.array([[[[1.0, 100.0, 1.0]]]])
    >>> local_response_normalization(a, depth_radius=1, bias=1.0, alpha=1e-4, beta=0.75).round(4)
    array([[[[ 0.5946, 59.4559,  0.5946]]]])
    """
    batch, single = _image_batch("x", x)
    r = depth_radius
    if isinstance(r, bool) or not isinstance(r, numbers.Integral) or r < 0:
        raise ValueError(f"depth_radius must be a non-negative integer, received depth_radius={r!r}.")
    bias = check_positive_number("bias", bias)
    alpha = check_finite_number("alpha", alpha, hint="AlexNet used alpha=0.00002.")
    if alpha < 0:
        raise ValueError(f"alpha must be a non-negative number, received alpha={alpha!r}.")
    beta = check_finite_number("beta", beta, hint="AlexNet used beta=0.75.")
    # Squares, their running sum, each window's sum, the denominator and the output: five copies of x.
    check_memory(f"x of shape {np.shape(x)}", 5 * batch.size * _float_itemsize(batch) + _conversion_bytes(batch),
                 fix=_SMALLER)
    batch = _as_float("x", batch, single)
    squares = np.square(batch)
    channels = batch.shape[3]
    # Sum of squares over channels [d - r, d + r] via a cumulative sum with a leading zero.
    cumulative = np.concatenate([np.zeros((*batch.shape[:3], 1), batch.dtype), np.cumsum(squares, axis=3)], axis=3)
    upper = np.minimum(np.arange(channels) + r + 1, channels)
    lower = np.maximum(np.arange(channels) - r, 0)
    window = cumulative[..., upper] - cumulative[..., lower]
    out = batch / np.power(bias + alpha * window, beta)
    return out[0] if single else out


# --------------------------------------------------------------------------- receptive fields


@dataclass(frozen=True)
class Layer:
    """A convolution or pooling layer's geometry, for receptive-field arithmetic."""

    kernel_size: int
    stride: int = 1
    padding: str = "VALID"
    name: str = ""

    def __post_init__(self):
        object.__setattr__(self, "kernel_size", check_positive_int("kernel_size", self.kernel_size))
        object.__setattr__(self, "stride", check_positive_int("stride", self.stride))
        object.__setattr__(self, "padding", check_padding(self.padding))


@dataclass(frozen=True)
class ReceptiveField:
    """What one neuron of a layer sees of the input, along one axis.

    ``size``: how many input pixels; ``jump``: how far apart in the input two
    neighbouring neurons' fields are; ``start``: the input coordinate of the
    centre of the first neuron's field (negative when it lies in the padding);
    ``output_size``: the layer's number of neurons along the axis.
    """

    name: str
    size: int
    jump: int
    start: float
    output_size: int


def as_layers(layers) -> list[Layer]:
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise ValueError(
            "layers must be a sequence of Layer objects, dicts or tuples (kernel_size, stride, padding), "
            f"received layers={layers!r}."
        )
    result = []
    for index, spec in enumerate(layers):
        if isinstance(spec, Layer):
            layer = spec
        elif isinstance(spec, dict):
            layer = Layer(**spec)
        elif isinstance(spec, (tuple, list)) and 1 <= len(spec) <= 4:
            layer = Layer(*spec)
        else:
            raise ValueError(
                f"layers[{index}] must be a Layer, a dict or a tuple (kernel_size, stride, padding), "
                f"received layers[{index}]={spec!r}."
            )
        result.append(layer if layer.name else Layer(layer.kernel_size, layer.stride, layer.padding,
                                                     f"layer {index + 1}"))
    if not result:
        raise ValueError("layers is empty; give at least one (kernel_size, stride, padding).")
    return result


def receptive_field(layers: Sequence, input_size: int) -> list[ReceptiveField]:
    """Receptive field of each layer of a stack, along one axis.

    Each layer multiplies the jump by its stride and widens the field by
    ``(kernel_size - 1) × jump``. Two stacked 3×3 convolutions therefore see
    5×5 pixels, the same as one 5×5 convolution, with 2 × 9 = 18 weights per
    channel pair instead of 25.

    Parameters
    ----------
    layers : sequence
        ``Layer`` objects, dicts, or tuples ``(kernel_size, stride, padding)``.
    input_size : int
        Input length along the axis (SAME padding depends on it).

    Returns
    -------
    list of ReceptiveField
        One per layer, input first excluded.

    Examples
    --------
    >>> [(r.size, r.jump) for r in receptive_field([(3, 1, "SAME"), (3, 1, "SAME")], 28)]
    [(3, 1), (5, 1)]
    >>> [(r.size, r.jump, r.output_size) for r in receptive_field([(5, 1), (2, 2), (5, 1), (2, 2)], 32)]
    [(5, 1, 28), (6, 2, 14), (14, 2, 10), (16, 4, 5)]
    """
    n = check_positive_int("input_size", input_size)
    size, jump, start = 1, 1, 0.0
    fields = []
    for layer in as_layers(layers):
        before, _ = same_padding(n, layer.kernel_size, layer.stride) if layer.padding == "SAME" else (0, 0)
        n = output_size(n, layer.kernel_size, layer.stride, layer.padding)
        start = start + ((layer.kernel_size - 1) / 2 - before) * jump
        size = size + (layer.kernel_size - 1) * jump
        jump = jump * layer.stride
        fields.append(ReceptiveField(layer.name, size, jump, start, n))
    return fields


def receptive_field_bounds(layers: Sequence, input_size: int, index: int) -> list[tuple[int, int]]:
    """Input positions that neuron ``index`` of the last layer depends on, layer by layer.

    Works backwards from the last layer: a neuron at position ``i`` of a layer
    reads inputs ``i × stride - pad_before`` to ``i × stride - pad_before +
    kernel_size - 1`` of the layer below. Ranges are clipped to real inputs
    (the padding contributes zeros, not pixels).

    Parameters
    ----------
    layers : sequence
        As for :func:`receptive_field`.
    input_size : int
        Input length along the axis.
    index : int
        Position of the neuron in the last layer's output.

    Returns
    -------
    list of (int, int)
        Inclusive ``(first, last)`` positions, from the input (element 0) up to
        the last layer's output (the neuron itself).

    Examples
    --------
    >>> receptive_field_bounds([(3, 1, "VALID"), (3, 1, "VALID")], 10, 0)
    [(0, 4), (0, 2), (0, 0)]
    """
    stack = as_layers(layers)
    fields = receptive_field(stack, input_size)
    last = fields[-1].output_size
    if isinstance(index, bool) or not isinstance(index, numbers.Integral) or not 0 <= index < last:
        raise ValueError(f"index must be an integer from 0 to {last - 1} (the last layer's size), "
                         f"received index={index!r}.")
    sizes = [check_positive_int("input_size", input_size)] + [f.output_size for f in fields]
    lo, hi = int(index), int(index)
    bounds = [(lo, hi)]
    for layer, size_below in zip(reversed(stack), reversed(sizes[:-1])):
        before = same_padding(size_below, layer.kernel_size, layer.stride)[0] if layer.padding == "SAME" else 0
        lo = max(lo * layer.stride - before, 0)
        hi = min(hi * layer.stride - before + layer.kernel_size - 1, size_below - 1)
        bounds.append((lo, hi))
    return bounds[::-1]
