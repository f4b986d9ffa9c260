"""How many parameters, multiplications and bytes of RAM a CNN needs, per layer and in total.

Ground floor: numpy-free arithmetic on shapes, no TensorFlow. Only
:func:`from_keras` imports Keras, inside the function, to read a model the
learner has built.

* :func:`conv2d_stats`, :func:`pool2d_stats`, :func:`flatten_stats` and
  :func:`dense_stats` describe one layer as a :class:`LayerStats`;
* :func:`stack` chains layer specs (:func:`conv2d_layer`, :func:`pool2d_layer`,
  :func:`flatten_layer`, :func:`dense_layer`) from an input shape into a
  :class:`Network`, which adds them up and estimates the RAM for inference and
  for training;
* :func:`from_keras` reads a built Keras model into the same :class:`Network`;
* :func:`format_bytes` writes byte counts the way the book does ("11.4 MB"),
  with the binary units that number really is ("11.4 MiB").

Shapes are per instance, without the batch axis: ``(height, width, channels)``
for images and feature maps, ``(units,)`` for vectors.

The chapter's example (Hands-On Machine Learning, ch. 13 of the 1st edition,
ch. 14 of the 2nd): a 5×5 convolutional layer with 200 feature maps, stride 1
and SAME padding, on a 150×100 RGB image.

>>> layer = conv2d_stats((150, 100, 3), filters=200, kernel_size=5)
>>> layer.params, layer.multiplications
(15200, 225000000)
>>> layer.bytes_per_instance(), format_bytes(layer.bytes_per_instance())
(12000000, '11.4 MiB')
>>> format_bytes(layer.bytes_per_batch(100))
'1.1 GiB'
"""

from __future__ import annotations

import html
import math
import numbers
from dataclasses import dataclass, field

from ._validation import (
    check_bool,
    check_non_negative_int,
    check_one_of,
    check_positive_int,
    check_positive_int_pair,
    check_shape,
    describe,
)
from .ops import output_size

__all__ = [
    "DTYPE_SIZES",
    "LayerStats",
    "Network",
    "LayerSpec",
    "bytes_per_value",
    "format_bytes",
    "conv2d_params",
    "dense_params",
    "batch_norm_params",
    "conv2d_stats",
    "pool2d_stats",
    "flatten_stats",
    "dense_stats",
    "conv2d_layer",
    "pool2d_layer",
    "flatten_layer",
    "dense_layer",
    "stack",
    "from_keras",
]

#: Bytes per value of each floating-point type the course talks about.
DTYPE_SIZES = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8}

_PADDINGS = ("SAME", "VALID")
_IMAGE_HINT = "Give (height, width, channels), without the batch axis."
#: Layer kinds whose output is a reshaped view of their input: they hold no memory of their own.
_VIEW_KINDS = ("flatten", "reshape")


# --------------------------------------------------------------------------- small helpers


def bytes_per_value(dtype: str = "float32") -> int:
    """Bytes taken by one value of ``dtype`` (``"float32"``: 4, ``"float16"``: 2).

    Parameters
    ----------
    dtype : {"float32", "float16", "bfloat16", "float64"}
        A name, or anything with a ``name`` attribute such as ``numpy.float16``'s dtype.

    Examples
    --------
    >>> bytes_per_value("float32"), bytes_per_value("float16")
    (4, 2)
    >>> bytes_per_value("int8")
    Traceback (most recent call last):
    ...
    ValueError: dtype must be one of 'float32', 'float16', 'bfloat16', 'float64', received dtype='int8'.
    """
    name = check_one_of("dtype", dtype, DTYPE_SIZES, normalize=lambda d: str(getattr(d, "name", d)).lower())
    return DTYPE_SIZES[name]


def format_bytes(n, *, binary: bool = True, digits: int = 1) -> str:
    """Write a number of bytes with a unit: ``"11.4 MiB"``, ``"1.1 GiB"``.

    The book writes "11.4 MB" for 12,000,000 bytes: that is 12e6 / 2**20 =
    11.44 mebibytes (MiB, units of 1,024² bytes). Its 2nd edition says "12 MB",
    the same number in decimal megabytes (units of 1,000² bytes). The
    package's own messages (a request refused for its memory) use it too.

    Parameters
    ----------
    n : int
        A non-negative number of bytes.
    binary : bool
        True for powers of 1,024 (KiB, MiB, GiB, TiB), False for powers of
        1,000 (kB, MB, GB, TB).
    digits : int
        Digits after the decimal point (bytes are always whole).

    Examples
    --------
    >>> format_bytes(12_000_000), format_bytes(1_200_000_000)
    ('11.4 MiB', '1.1 GiB')
    >>> format_bytes(12_000_000, binary=False), format_bytes(512)
    ('12.0 MB', '512 B')
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Real) or not n >= 0 or n == float("inf"):
        raise ValueError(f"n must be a non-negative number of bytes, received n={describe(n)}.")
    if isinstance(digits, bool) or not isinstance(digits, numbers.Integral) or digits < 0:
        raise ValueError(f"digits must be a non-negative integer, received digits={describe(digits)}.")
    base = 1024 if binary else 1000
    units = ("KiB", "MiB", "GiB", "TiB", "PiB") if binary else ("kB", "MB", "GB", "TB", "PB")
    if n < base:
        return f"{int(n)} B"
    value, unit = n / base, units[0]
    for bigger in units[1:]:
        if round(value, digits) < base:
            break
        value, unit = value / base, bigger
    return f"{value:.{digits}f} {unit}"


def _image_shape(input_shape) -> tuple[int, int, int]:
    return check_shape("input_shape", input_shape, 3, hint=_IMAGE_HINT)


def _fit(argument: str, window: tuple[int, int], shape: tuple[int, ...], padding: str) -> None:
    """Refuse a VALID window larger than the input, naming the argument that set the window."""
    if padding == "VALID" and (window[0] > shape[0] or window[1] > shape[1]):
        raise ValueError(
            f"{argument}={window} does not fit in the {shape[0]}×{shape[1]} input with padding='VALID': "
            f"use a {argument} of at most {shape[0]}×{shape[1]}, a larger input, or padding='SAME'."
        )


def _spatial(shape, window, strides, padding) -> tuple[int, int]:
    return (output_size(shape[0], window[0], strides[0], padding),
            output_size(shape[1], window[1], strides[1], padding))


def _dims(shape) -> str:
    return "×".join(str(d) for d in shape)


# --------------------------------------------------------------------------- one layer


@dataclass(frozen=True)
class LayerStats:
    """What one layer costs: parameters, multiplications and the size of its output.

    Parameters
    ----------
    name : str
        The layer's name.
    kind : str
        ``"conv2d"``, ``"max_pool2d"``, ``"avg_pool2d"``, ``"flatten"``,
        ``"dense"``, and from :func:`from_keras` also ``"reshape"``,
        ``"depthwise_conv2d"``, ``"separable_conv2d"``, ``"conv1d"``,
        ``"conv3d"`` or the Keras class name of any other layer.
    input_shape, output_shape : tuple of int
        Per instance, without the batch axis.
    params : int
        Trainable and non-trainable parameters (weights, biases, and for
        example batch normalization's moving averages).
    multiplications : int
        Multiplications for one instance in the forward pass (one per weight
        per output for convolutional and dense layers; counted as 0 for
        pooling, reshaping, normalization and activation layers, whose cost
        is small next to them).
    stores_output : bool
        False for layers whose output is a reshaped view of their input
        (Flatten, Reshape): they hold no memory of their own, so the RAM
        estimates of :class:`Network` skip them.

    Examples
    --------
    >>> layer = dense_stats((100,), 10)
    >>> layer.params, layer.output_values, layer.bytes_per_batch(32, "float16")
    (1010, 10, 640)
    """

    name: str
    kind: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    params: int
    multiplications: int
    stores_output: bool = True

    def __post_init__(self) -> None:
        for label in ("name", "kind"):
            if not isinstance(getattr(self, label), str):
                raise ValueError(f"{label} must be a string, received {label}={getattr(self, label)!r}.")
        for label in ("input_shape", "output_shape"):
            shape = getattr(self, label)
            if not isinstance(shape, tuple) or not all(
                    isinstance(d, numbers.Integral) and not isinstance(d, bool) and d >= 0 for d in shape):
                raise ValueError(f"{label} must be a tuple of non-negative integers, received {label}={shape!r}.")
        for label in ("params", "multiplications"):
            value = getattr(self, label)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
                raise ValueError(f"{label} must be a non-negative integer, received {label}={value!r}.")
        check_bool("stores_output", self.stores_output)

    @property
    def output_values(self) -> int:
        """Number of values in the output of one instance (all feature maps together)."""
        return math.prod(self.output_shape)

    def bytes_per_instance(self, dtype: str = "float32") -> int:
        """Bytes of the output (feature maps) for one instance.

        Examples
        --------
        >>> conv2d_stats((150, 100, 3), 200, 5).bytes_per_instance("float16")
        6000000
        """
        return self.output_values * bytes_per_value(dtype)

    def bytes_per_batch(self, batch_size: int, dtype: str = "float32") -> int:
        """Bytes of the output (feature maps) for a batch of ``batch_size`` instances.

        Examples
        --------
        >>> conv2d_stats((150, 100, 3), 200, 5).bytes_per_batch(100)
        1200000000
        """
        batch_size = check_positive_int("batch_size", batch_size)
        return batch_size * self.bytes_per_instance(dtype)

    def param_bytes(self, dtype: str = "float32") -> int:
        """Bytes of the layer's parameters.

        Examples
        --------
        >>> conv2d_stats((150, 100, 3), 200, 5).param_bytes()
        60800
        """
        return self.params * bytes_per_value(dtype)


def _conv_options(filters, kernel_size, strides, padding, use_bias) -> tuple:
    return (
        check_positive_int("filters", filters),
        check_positive_int_pair("kernel_size", kernel_size),
        check_positive_int_pair("strides", strides),
        check_one_of("padding", padding, _PADDINGS, normalize=str.upper),
        check_bool("use_bias", use_bias),
    )


def _pool_options(pool_size, strides, padding, mode) -> tuple:
    window = check_positive_int_pair("pool_size", pool_size)
    return (
        window,
        window if strides is None else check_positive_int_pair("strides", strides),
        check_one_of("padding", padding, _PADDINGS, normalize=str.upper),
        check_one_of("mode", mode, ("max", "average"), normalize=str.lower),
    )


def _dense_options(units, use_bias) -> tuple:
    return check_positive_int("units", units), check_bool("use_bias", use_bias)


def _check_name(name) -> str:
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, received name={name!r}.")
    return name


def conv2d_params(channels: int, filters: int, kernel_size, use_bias: bool = True) -> int:
    """Parameters of a 2-D convolutional layer: one ``kh×kw×channels`` kernel and one bias per feature map.

    The count does not depend on the height and width of the input, nor on
    the strides or the padding: the same kernels slide over every position.

    Parameters
    ----------
    channels : int
        Channels (feature maps) of the input.
    filters : int
        Feature maps of the output.
    kernel_size : int or (int, int)
        The kernel's ``(height, width)``.
    use_bias : bool
        Whether each feature map has a bias term (a ResNet's convolutions
        have none: the batch normalization after them plays its role).

    Returns
    -------
    int

    Examples
    --------
    The chapter's layer, (5×5×3 + 1) × 200, and a ResNet's 3×3 convolution from 64 to 128 maps:

    >>> conv2d_params(3, 200, 5), conv2d_params(64, 128, 3, use_bias=False)
    (15200, 73728)
    """
    channels = check_non_negative_int("channels", channels)
    filters = check_positive_int("filters", filters)
    height, width = check_positive_int_pair("kernel_size", kernel_size)
    return (height * width * channels + int(check_bool("use_bias", use_bias))) * filters


def dense_params(inputs: int, units: int, use_bias: bool = True) -> int:
    """Parameters of a dense layer: ``inputs × units`` weights and ``units`` biases.

    Parameters
    ----------
    inputs : int
        Values per instance in the input (its last axis).
    units : int
        Neurons.
    use_bias : bool

    Returns
    -------
    int

    Examples
    --------
    >>> dense_params(3136, 128), dense_params(84, 10, use_bias=False)
    (401536, 840)
    """
    inputs = check_non_negative_int("inputs", inputs)
    units = check_positive_int("units", units)
    return (inputs + int(check_bool("use_bias", use_bias))) * units


def batch_norm_params(channels: int) -> int:
    """Parameters of a batch normalization layer: four per channel.

    A scale and an offset are trained; the moving mean and variance are not,
    but they are stored with the model, and Keras' ``count_params()`` counts
    them (as non-trainable parameters).

    Parameters
    ----------
    channels : int
        Channels (feature maps) normalized, each on its own.

    Returns
    -------
    int

    Examples
    --------
    >>> batch_norm_params(64)
    256
    """
    return 4 * check_non_negative_int("channels", channels)


def conv2d_stats(input_shape, filters: int, kernel_size, strides=1, padding: str = "SAME",
                 use_bias: bool = True, *, name: str = "conv2d") -> LayerStats:
    """Parameters, multiplications and output shape of a 2-D convolutional layer.

    Each of the ``filters`` feature maps has one ``kh×kw×channels`` kernel and
    one bias; each output value is a weighted sum of ``kh×kw×channels``
    inputs, so the layer does that many multiplications per output value.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)`` of one instance.
    filters : int
        Number of feature maps in the output.
    kernel_size, strides : int or (int, int)
        The kernel's ``(height, width)`` and the step between two kernel positions.
    padding : {"SAME", "VALID"}
        Case-insensitive. Unlike Keras (whose default is ``"valid"``), the
        default follows the chapter's example. SAME gives ``ceil(n / s)``
        outputs per axis; VALID gives ``floor((n - k) / s) + 1`` and needs the
        kernel to fit in the input.
    use_bias : bool
        Whether each feature map has a bias term.
    name : str
        The layer's name.

    Returns
    -------
    LayerStats

    Examples
    --------
    The chapter's layer: (5×5×3 + 1) × 200 parameters, and 150×100×200 output
    values times 5×5×3 multiplications each.

    >>> layer = conv2d_stats((150, 100, 3), filters=200, kernel_size=5, strides=1, padding="SAME")
    >>> layer.output_shape, layer.params, layer.multiplications
    ((150, 100, 200), 15200, 225000000)
    >>> conv2d_stats((28, 28, 1), 6, 5, padding="VALID").output_shape
    (24, 24, 6)
    """
    shape = _image_shape(input_shape)
    filters, kernel, strides, padding, use_bias = _conv_options(filters, kernel_size, strides, padding, use_bias)
    _fit("kernel_size", kernel, shape, padding)
    height, width = _spatial(shape, kernel, strides, padding)
    per_output = kernel[0] * kernel[1] * shape[2]
    return LayerStats(
        name=_check_name(name), kind="conv2d", input_shape=shape, output_shape=(height, width, filters),
        params=conv2d_params(shape[2], filters, kernel, use_bias),
        multiplications=height * width * filters * per_output,
    )


def pool2d_stats(input_shape, pool_size=2, strides=None, padding: str = "VALID", *,
                 mode: str = "max", name: str | None = None) -> LayerStats:
    """Output shape of a 2-D max or average pooling layer (no parameters, no multiplications).

    Pooling works on each channel separately, so the number of channels is
    unchanged. Its cost is comparisons (max) or additions (average), counted
    here as 0 multiplications.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)`` of one instance.
    pool_size : int or (int, int)
        The pooling window.
    strides : int or (int, int), optional
        Default: ``pool_size`` (windows side by side), as in Keras.
    padding : {"SAME", "VALID"}
        Default ``"VALID"``, as in Keras.
    mode : {"max", "average"}
    name : str, optional
        Default ``"max_pool2d"`` or ``"avg_pool2d"``.

    Returns
    -------
    LayerStats

    Examples
    --------
    >>> pool = pool2d_stats((150, 100, 200), 2)
    >>> pool.output_shape, pool.params, pool.multiplications
    ((75, 50, 200), 0, 0)
    >>> pool2d_stats((5, 5, 1), 2, padding="SAME", mode="average").output_shape
    (3, 3, 1)
    """
    shape = _image_shape(input_shape)
    window, strides, padding, mode = _pool_options(pool_size, strides, padding, mode)
    _fit("pool_size", window, shape, padding)
    kind = "max_pool2d" if mode == "max" else "avg_pool2d"
    height, width = _spatial(shape, window, strides, padding)
    return LayerStats(name=_check_name(kind if name is None else name), kind=kind, input_shape=shape,
                      output_shape=(height, width, shape[2]), params=0, multiplications=0)


def flatten_stats(input_shape, *, name: str = "flatten") -> LayerStats:
    """A Flatten layer: the same values in one long vector (a view, no memory of its own).

    Examples
    --------
    >>> flat = flatten_stats((7, 7, 64))
    >>> flat.output_shape, flat.stores_output
    ((3136,), False)
    """
    shape = check_shape("input_shape", input_shape)
    return LayerStats(name=_check_name(name), kind="flatten", input_shape=shape,
                      output_shape=(math.prod(shape),), params=0, multiplications=0, stores_output=False)


def dense_stats(input_shape, units: int, use_bias: bool = True, *, name: str = "dense") -> LayerStats:
    """Parameters and multiplications of a dense (fully connected) layer.

    As in Keras, the layer acts on the last axis: an input of shape
    ``(..., n)`` gives ``(..., units)``, with ``n × units`` weights and
    ``units`` biases.

    Parameters
    ----------
    input_shape : int or tuple of int
        ``(n,)`` (or just ``n``) for a vector; flatten feature maps first.
    units : int
        Number of neurons.
    use_bias : bool
    name : str

    Returns
    -------
    LayerStats

    Examples
    --------
    >>> layer = dense_stats(3136, 128)
    >>> layer.params, layer.multiplications
    (401536, 401408)
    """
    if isinstance(input_shape, numbers.Integral) and not isinstance(input_shape, bool):
        input_shape = (input_shape,)
    shape = check_shape("input_shape", input_shape, hint="Give (n,) for a vector of n values.")
    units, use_bias = _dense_options(units, use_bias)
    return LayerStats(
        name=_check_name(name), kind="dense", input_shape=shape, output_shape=(*shape[:-1], units),
        params=dense_params(shape[-1], units, use_bias), multiplications=math.prod(shape) * units,
    )


# --------------------------------------------------------------------------- layer specs and networks


@dataclass(frozen=True)
class LayerSpec:
    """A layer waiting for its input shape; made by :func:`conv2d_layer` and friends, used by :func:`stack`.

    Calling it with an input shape returns the layer's :class:`LayerStats`.

    Examples
    --------
    >>> spec = conv2d_layer(100, 3, strides=2)
    >>> spec.kind
    'conv2d'
    >>> spec((200, 300, 3)).output_shape
    (100, 150, 100)
    """

    kind: str
    options: dict = field(default_factory=dict, hash=False)
    name: str | None = None

    def __post_init__(self) -> None:
        check_one_of("kind", self.kind, tuple(_BUILDERS))
        if not isinstance(self.options, dict):
            raise ValueError(f"options must be a dict of the layer's arguments, received options={self.options!r}.")
        if self.name is not None:
            _check_name(self.name)

    def __call__(self, input_shape, name: str | None = None) -> LayerStats:
        name = name or self.name or self.kind
        return _BUILDERS[self.kind](input_shape, name=name, **self.options)


def conv2d_layer(filters: int, kernel_size, strides=1, padding: str = "SAME", use_bias: bool = True, *,
                 name: str | None = None) -> LayerSpec:
    """A convolutional layer for :func:`stack`; the arguments are those of :func:`conv2d_stats`.

    Examples
    --------
    >>> conv2d_layer(32, 3, padding="valid").options["padding"]
    'VALID'
    """
    filters, kernel, strides, padding, use_bias = _conv_options(filters, kernel_size, strides, padding, use_bias)
    return LayerSpec("conv2d", dict(filters=filters, kernel_size=kernel, strides=strides, padding=padding,
                                    use_bias=use_bias), None if name is None else _check_name(name))


def pool2d_layer(pool_size=2, strides=None, padding: str = "VALID", *, mode: str = "max",
                 name: str | None = None) -> LayerSpec:
    """A pooling layer for :func:`stack`; the arguments are those of :func:`pool2d_stats`.

    Examples
    --------
    >>> pool2d_layer(2).kind, pool2d_layer(3, mode="average").kind
    ('max_pool2d', 'avg_pool2d')
    """
    window, strides, padding, mode = _pool_options(pool_size, strides, padding, mode)
    return LayerSpec("max_pool2d" if mode == "max" else "avg_pool2d",
                     dict(pool_size=window, strides=strides, padding=padding, mode=mode),
                     None if name is None else _check_name(name))


def flatten_layer(*, name: str | None = None) -> LayerSpec:
    """A Flatten layer for :func:`stack`.

    Examples
    --------
    >>> flatten_layer()((2, 2, 3)).output_shape
    (12,)
    """
    return LayerSpec("flatten", {}, None if name is None else _check_name(name))


def dense_layer(units: int, use_bias: bool = True, *, name: str | None = None) -> LayerSpec:
    """A dense layer for :func:`stack`; the arguments are those of :func:`dense_stats`.

    Examples
    --------
    >>> dense_layer(10)((128,)).params
    1290
    """
    units, use_bias = _dense_options(units, use_bias)
    return LayerSpec("dense", dict(units=units, use_bias=use_bias), None if name is None else _check_name(name))


_BUILDERS = {
    "conv2d": conv2d_stats,
    "max_pool2d": pool2d_stats,
    "avg_pool2d": pool2d_stats,
    "flatten": flatten_stats,
    "dense": dense_stats,
}


@dataclass(frozen=True)
class Network:
    """Layers after an input, with their totals and RAM estimates.

    Build one with :func:`stack` or :func:`from_keras` (or directly from a
    tuple of :class:`LayerStats`).

    RAM estimates (a bare minimum, as in the book's exercise 2; frameworks add
    workspace, fragmentation and, on a GPU, the CUDA context):

    * **inference** (:meth:`ram_inference`): layers run one after the other
      and a layer's input can be freed once its output is computed, so the
      peak is the largest sum of two consecutive tensors (input and first
      layer's output, first and second layers' outputs, ...), times the batch
      size, plus the parameters. For a model with branches (skip
      connections), this reads the layers in order and is a lower bound.
    * **training** (:meth:`ram_training`): backpropagation needs every
      layer's output from the forward pass, so the input batch and every
      layer's output are kept, plus the parameters. Gradients are left out
      (they can be freed layer by layer during the backward pass, as the book
      says), and so is the optimizer's state (momentum keeps one more copy of
      the parameters, Adam two).

    Flatten and Reshape outputs are views of their input and add nothing.

    Parameters
    ----------
    input_shape : tuple of int
        One instance's input shape, without the batch axis.
    layers : tuple of LayerStats
        In the order they run.

    Examples
    --------
    Exercise 2: a 200×300 RGB image, three 3×3 convolutional layers with
    stride 2 and SAME padding, with 100, 200 and 400 feature maps.

    >>> net = stack((200, 300, 3), [conv2d_layer(100, 3, strides=2), conv2d_layer(200, 3, strides=2),
    ...                              conv2d_layer(400, 3, strides=2)])
    >>> [layer.output_shape for layer in net.layers]
    [(100, 150, 100), (50, 75, 200), (25, 38, 400)]
    >>> net.total_params, net.param_bytes()
    (903400, 3613600)
    >>> net.ram_inference(batch_size=1), net.ram_training(batch_size=50)
    (12613600, 565613600)
    """

    input_shape: tuple[int, ...]
    layers: tuple[LayerStats, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "input_shape", check_shape("input_shape", self.input_shape))
        layers = tuple(self.layers)
        for index, layer in enumerate(layers):
            if not isinstance(layer, LayerStats):
                raise ValueError(
                    f"layers[{index}] must be a LayerStats (from conv2d_stats(...) and the like), "
                    f"received layers[{index}]={layer!r}."
                )
        object.__setattr__(self, "layers", layers)

    # ---------------------------------------------------------------- totals
    @property
    def output_shape(self) -> tuple[int, ...]:
        """The last layer's output shape (the input shape if there are no layers)."""
        return self.layers[-1].output_shape if self.layers else self.input_shape

    @property
    def total_params(self) -> int:
        """Parameters of all layers together."""
        return sum(layer.params for layer in self.layers)

    @property
    def total_multiplications(self) -> int:
        """Multiplications of all layers together, for one instance."""
        return sum(layer.multiplications for layer in self.layers)

    def param_bytes(self, dtype: str = "float32") -> int:
        """Bytes of all parameters."""
        return self.total_params * bytes_per_value(dtype)

    def _tensors(self) -> list[int]:
        """Values per instance of every tensor held in memory: the input, then each stored output."""
        return [math.prod(self.input_shape)] + [layer.output_values for layer in self.layers if layer.stores_output]

    def feature_map_bytes(self, batch_size: int = 1, dtype: str = "float32") -> int:
        """Bytes of the input and every layer's output for a batch (what training keeps).

        Examples
        --------
        >>> stack((150, 100, 3), [conv2d_layer(200, 5)]).feature_map_bytes(100)
        1218000000
        """
        batch_size = check_positive_int("batch_size", batch_size)
        return batch_size * sum(self._tensors()) * bytes_per_value(dtype)

    def ram_inference(self, batch_size: int = 1, dtype: str = "float32") -> int:
        """Least RAM, in bytes, to predict a batch: the peak of two consecutive tensors, plus the parameters.

        See the class docstring for the assumptions.

        Examples
        --------
        >>> stack((150, 100, 3), [conv2d_layer(200, 5)]).ram_inference(100)
        1218060800
        """
        batch_size = check_positive_int("batch_size", batch_size)
        tensors = self._tensors()
        peak = max((a + b for a, b in zip(tensors, tensors[1:])), default=tensors[0])
        return batch_size * peak * bytes_per_value(dtype) + self.param_bytes(dtype)

    def ram_training(self, batch_size: int = 1, dtype: str = "float32") -> int:
        """Least RAM, in bytes, to train on a batch: the input and every layer's output kept, plus the parameters.

        See the class docstring for the assumptions.

        Examples
        --------
        >>> stack((150, 100, 3), [conv2d_layer(200, 5)]).ram_training(100, "float16")
        609030400
        """
        return self.feature_map_bytes(batch_size, dtype) + self.param_bytes(dtype)

    # ---------------------------------------------------------------- display
    def _rows(self, dtype: str) -> list[tuple[str, ...]]:
        size = bytes_per_value(dtype)
        rows = [("input", "input", _dims(self.input_shape), "0", "0",
                 format_bytes(math.prod(self.input_shape) * size))]
        for layer in self.layers:
            memory = format_bytes(layer.bytes_per_instance(dtype)) if layer.stores_output else "(view)"
            rows.append((layer.name, layer.kind, _dims(layer.output_shape), f"{layer.params:,}",
                         f"{layer.multiplications:,}", memory))
        rows.append(("total", "", "", f"{self.total_params:,}", f"{self.total_multiplications:,}", ""))
        return rows

    def _estimates(self, batch_size: int, dtype: str) -> list[tuple[str, int]]:
        return [
            (f"parameters ({dtype})", self.param_bytes(dtype)),
            (f"RAM for inference, batch of {batch_size}", self.ram_inference(batch_size, dtype)),
            (f"RAM for training, batch of {batch_size}", self.ram_training(batch_size, dtype)),
        ]

    _HEADER = ("layer", "kind", "output shape", "parameters", "multiplications", "output / instance")

    def summary(self, batch_size: int = 1, dtype: str = "float32") -> str:
        """A text table of the layers, their totals and the RAM estimates.

        Examples
        --------
        >>> print(stack((28, 28, 1), [conv2d_layer(8, 3), pool2d_layer(2), flatten_layer(),
        ...                           dense_layer(10)]).summary(batch_size=32))
        layer         kind        output shape  parameters  multiplications  output / instance
        input         input       28×28×1                0                0            3.1 KiB
        conv2d_1      conv2d      28×28×8               80           56,448           24.5 KiB
        max_pool2d_1  max_pool2d  14×14×8                0                0            6.1 KiB
        flatten_1     flatten     1568                   0                0             (view)
        dense_1       dense       10                15,690           15,680               40 B
        total                                       15,770           72,128
        parameters (float32): 61.6 KiB (63,080 bytes)
        RAM for inference, batch of 32: 1.0 MiB (1,066,600 bytes)
        RAM for training, batch of 32: 1.1 MiB (1,168,232 bytes)
        """
        rows = [self._HEADER, *self._rows(dtype)]
        widths = [max(len(row[i]) for row in rows) for i in range(len(self._HEADER))]
        lines = []
        for row in rows:
            cells = [cell.ljust(width) if i < 3 else cell.rjust(width)
                     for i, (cell, width) in enumerate(zip(row, widths))]
            lines.append("  ".join(cells).rstrip())
        lines += [f"{label}: {format_bytes(n)} ({n:,} bytes)" for label, n in self._estimates(batch_size, dtype)]
        return "\n".join(lines)

    def to_html(self, batch_size: int = 1, dtype: str = "float32") -> str:
        """The :meth:`summary` as an HTML table (what a notebook shows for a Network).

        Examples
        --------
        >>> "<td>903,400</td>" in stack((200, 300, 3), [conv2d_layer(100, 3, strides=2),
        ...     conv2d_layer(200, 3, strides=2), conv2d_layer(400, 3, strides=2)]).to_html()
        True
        """
        def row(cells, tag="td"):
            return "<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>"

        body = "".join(row(r) for r in self._rows(dtype))
        estimates = "".join(
            f"<li>{html.escape(label)}: <b>{format_bytes(n)}</b> ({n:,} bytes)</li>"
            for label, n in self._estimates(batch_size, dtype)
        )
        return (f"<table><thead>{row(self._HEADER, 'th')}</thead><tbody>{body}</tbody></table>"
                f"<ul>{estimates}</ul>")

    def _repr_html_(self) -> str:
        return self.to_html()


def stack(input_shape, layers) -> Network:
    """Chain layer specs from an input shape: each layer's output is the next one's input.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)`` of one instance.
    layers : sequence of LayerSpec
        From :func:`conv2d_layer`, :func:`pool2d_layer`, :func:`flatten_layer`
        and :func:`dense_layer`. Unnamed layers are numbered per kind, as
        Keras does: ``conv2d_1``, ``conv2d_2``, ...

    Returns
    -------
    Network

    Examples
    --------
    >>> net = stack((150, 100, 3), [conv2d_layer(200, 5)])
    >>> net.total_params, net.total_multiplications
    (15200, 225000000)
    """
    input_shape = shape = check_shape("input_shape", input_shape, hint=_IMAGE_HINT)
    if not isinstance(layers, (list, tuple)):
        raise ValueError(
            f"layers must be a list of layer specs such as conv2d_layer(32, 3), received layers={layers!r}."
        )
    counts: dict[str, int] = {}
    stats = []
    for index, spec in enumerate(layers):
        if not isinstance(spec, LayerSpec):
            raise ValueError(
                f"layers[{index}] must be a layer spec such as conv2d_layer(32, 3) or dense_layer(10), "
                f"received layers[{index}]={spec!r}."
            )
        counts[spec.kind] = counts.get(spec.kind, 0) + 1
        name = spec.name or f"{spec.kind}_{counts[spec.kind]}"
        try:
            layer = spec(shape, name=name)
        except ValueError as error:
            raise ValueError(f"layers[{index}] ({name}, input {_dims(shape)}): {error}") from error
        stats.append(layer)
        shape = layer.output_shape
    return Network(input_shape, tuple(stats))


# --------------------------------------------------------------------------- Keras


def from_keras(model) -> Network:
    """Read a built Keras model into a :class:`Network`: the same counts, from Keras' own shapes.

    Parameters come from each layer's ``count_params()`` (so the total equals
    ``model.count_params()``), shapes from the layers' outputs.
    Multiplications are counted for convolutional (1-D, 2-D, 3-D, depthwise,
    separable) and dense layers; other layers count 0. Nested models are
    opened up (their layers are named ``outer/inner``). Imports Keras.

    Parameters
    ----------
    model : keras.Model
        Built with one input of fixed size: started with ``keras.Input(...)``
        or built with ``model.build((None, height, width, channels))``.

    Returns
    -------
    Network

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3),
    ...                           keras.layers.Flatten(), keras.layers.Dense(10)])
    >>> net = from_keras(model)
    >>> [(layer.kind, layer.output_shape) for layer in net.layers]
    [('conv2d', (26, 26, 8)), ('flatten', (5408,)), ('dense', (10,))]
    >>> net.total_params == model.count_params() == 54170
    True
    """
    from ._keras_reading import network_of  # the upper floor: it imports Keras

    return network_of(model)
