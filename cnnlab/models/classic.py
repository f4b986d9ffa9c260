"""The chapter's classic CNNs as Keras 3 functional models (upper floor: imports TensorFlow).

* :func:`typical_cnn` - the conv-conv-pool ... dense stack of Figure 13-9, sized for
  MNIST / Fashion-MNIST.
* :func:`lenet5` - LeNet-5, Table 13-1, faithful to LeCun et al. (1998) or modernised.
* :func:`alexnet` - AlexNet, Table 13-2, with the two corrections the table needs.

Every builder takes ``input_shape`` and ``num_classes``, checks them (a ``ValueError``
names the argument and quotes the value) and returns an *uncompiled* model whose layers
carry the names of the chapter's tables ("C1", "S2", ...), so ``model.get_layer("C3")``
finds the row you are reading about. Like Keras' own applications, each builder is a thin
layer list handed to one private helper that makes the functional model.
"""

from __future__ import annotations

import numbers

import keras
from keras import layers as kl

from .. import ops as _ops
from .._validation import check_memory, check_positive_int, check_rate, check_shape
from ..memory import batch_norm_params, conv2d_params, dense_params
from .layers import LocalResponseNormalization, PartialConv2D, RBFOutput, ScaledAveragePooling2D

__all__ = ["typical_cnn", "mnist_cnn", "fashion_cnn", "lenet5", "alexnet"]

_SHAPE_HINT = "Give (height, width, channels), for example (28, 28, 1)."


# --------------------------------------------------------------------------- shared helpers


def _weights(layer, shape) -> int:
    """How many weights ``layer`` will create for inputs of ``shape``, without creating them.

    The arithmetic is :mod:`cnnlab.memory`'s (the lesson of notebook 04); only
    LeNet-5's own layers are counted here.
    """
    channels = int(shape[-1])
    if isinstance(layer, PartialConv2D):  # each output map: one filter over the input maps it is connected to
        return sum(conv2d_params(int(maps), 1, layer.kernel_size, layer.use_bias)
                   for maps in layer.connections.sum(axis=0))
    if isinstance(layer, kl.Conv2D):
        return conv2d_params(channels, layer.filters, layer.kernel_size, bool(layer.use_bias))
    if isinstance(layer, kl.Dense):
        return dense_params(channels, layer.units, bool(layer.use_bias))
    if isinstance(layer, kl.BatchNormalization):
        return batch_norm_params(channels)
    if isinstance(layer, RBFOutput):  # one centre per class, over every input: a dense layer's weights, no bias
        return dense_params(channels, layer.num_classes, use_bias=False)
    if isinstance(layer, ScaledAveragePooling2D):  # a trained coefficient and bias per feature map
        return 2 * channels
    return 0


def _check_weights(call: str, input_shape, stack) -> None:
    """Refuse a model whose weights would not fit in memory, before Keras creates (and fills) them.

    ``call`` is how the builder was called (its arguments), for the message.
    """
    shape, total, largest = (1, *input_shape), 0, (0, "")
    for layer in stack:
        count = _weights(layer, shape)
        total += count
        largest = max(largest, (count, layer.name))
        shape = tuple(layer.compute_output_shape(shape))
    # Each float32 weight, and the random values it is initialised from.
    check_memory(f"{call} ({total:,} parameters, {largest[0]:,} of them in layer {largest[1]!r})", 8 * total,
                 fix="Use smaller images (input_shape), fewer filters or units, or fewer classes.")


def _call(builder: str, **arguments) -> str:
    return f"{builder}({', '.join(f'{key}={value!r}' for key, value in arguments.items())})"


def _build(name: str, input_shape, stack, call: str = "") -> keras.Model:
    """Apply the layers of ``stack`` in order to an ``Input`` of ``input_shape``: the generic builder.

    ``call`` (the builder's name and arguments) names the model in the memory check.
    """
    _check_weights(call or name, input_shape, stack)
    inputs = keras.Input(shape=input_shape, name="input")
    x = inputs
    for layer in stack:
        x = layer(x)
    return keras.Model(inputs, x, name=name)


def _final_size(size: int, steps) -> int | None:
    """Spatial size after ``steps`` ``(kernel, stride, padding)``, or None if a window does not fit."""
    for kernel, stride, padding in steps:
        if padding == "VALID" and kernel > size:
            return None
        size = _ops.output_size(size, kernel, stride, padding)
    return size


def _check_input(input_shape, steps, architecture: str, note: str = ""):
    """Validate ``input_shape`` and check that the image survives every window of ``steps``."""
    shape = check_shape("input_shape", input_shape, 3, hint=_SHAPE_HINT)
    if any(_final_size(side, steps) is None for side in shape[:2]):
        smallest = next(n for n in range(1, 10_000) if _final_size(n, steps) is not None)
        raise ValueError(
            f"input_shape={tuple(input_shape)!r} is too small for {architecture}: its convolution and pooling "
            f"windows need images of at least {smallest}×{smallest}{note}."
        )
    return shape


def _check_positive_ints(name: str, value, *, allow_empty: bool = False) -> tuple[int, ...]:
    ok = isinstance(value, (tuple, list)) and (allow_empty or len(value) > 0) and all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1 for v in value
    )
    if not ok:
        raise ValueError(f"{name} must be a {'' if allow_empty else 'non-empty '}tuple of positive integers, "
                         f"received {name}={value!r}.")
    return tuple(int(v) for v in value)


# --------------------------------------------------------------------------- Figure 13-9


def typical_cnn(input_shape=(28, 28, 1), num_classes: int = 10, filters=(64, 128, 256), dense_units=(128, 64),
                dropout: float = 0.5, name: str = "typical_cnn") -> keras.Model:
    """The typical CNN of Figure 13-9: conv-pool, then (conv-conv-pool) blocks, then a dense head.

    With the defaults, for 28×28 greyscale images (MNIST, Fashion-MNIST)::

        block1_conv1  64 7×7 ReLU, SAME          28×28×64
        block1_pool   max 2×2                     14×14×64
        block2_conv1, block2_conv2  128 3×3 ReLU  14×14×128
        block2_pool   max 2×2                     7×7×128
        block3_conv1, block3_conv2  256 3×3 ReLU  7×7×256
        block3_pool   max 2×2                     3×3×256
        flatten, fc1 128 ReLU, fc1_dropout, fc2 64 ReLU, fc2_dropout, out softmax

    The first block has one large (7×7) convolution and the others two 3×3 ones; the number
    of filters grows as the maps shrink, so each block does about the same amount of work.
    Dropout regularises the dense layers, which hold most of the weights.

    Parameters
    ----------
    input_shape : tuple of 3 ints
        (height, width, channels); each pooling halves the size, so it must be at least
        ``2 ** len(filters)`` pixels high and wide.
    num_classes : int
        Units of the softmax output.
    filters : tuple of int
        Filters per block (one block per entry).
    dense_units : tuple of int
        Units of the hidden dense layers (may be empty).
    dropout : float
        Dropout rate after each hidden dense layer, in [0, 1).
    name : str

    Returns
    -------
    keras.Model
        Uncompiled; compile with ``loss="sparse_categorical_crossentropy"`` for integer labels.

    Examples
    --------
    >>> model = typical_cnn()
    >>> model.get_layer("block3_pool").output.shape, model.count_params()
    ((None, 3, 3, 256), 1413834)
    """
    num_classes = check_positive_int("num_classes", num_classes)
    filters = _check_positive_ints("filters", filters)
    dense_units = _check_positive_ints("dense_units", dense_units, allow_empty=True)
    dropout = check_rate("dropout", dropout)
    steps = [step for b in range(len(filters)) for step in ([(7, 1, "SAME")] if b == 0 else [(3, 1, "SAME")] * 2)
             + [(2, 2, "VALID")]]
    _check_input(input_shape, steps, "typical_cnn",
                 f" (one 2×2 pooling per entry of filters={filters!r})")

    stack = []
    for b, n in enumerate(filters, start=1):
        convs = [(7, 1)] if b == 1 else [(3, 1), (3, 2)]
        for size, c in convs:
            stack.append(kl.Conv2D(n, size, padding="same", activation="relu", name=f"block{b}_conv{c}"))
        stack.append(kl.MaxPooling2D(2, name=f"block{b}_pool"))
    stack.append(kl.Flatten(name="flatten"))
    for d, units in enumerate(dense_units, start=1):
        stack += [kl.Dense(units, activation="relu", name=f"fc{d}"), kl.Dropout(dropout, name=f"fc{d}_dropout")]
    stack.append(kl.Dense(num_classes, activation="softmax", name="out"))
    return _build(name, tuple(input_shape), stack, _call("typical_cnn", input_shape=tuple(input_shape),
                                                        num_classes=num_classes, filters=filters,
                                                        dense_units=dense_units))


def mnist_cnn(input_shape=(28, 28, 1), num_classes: int = 10, filters=(32, 48, 96), dropout: float = 0.3,
              name: str = "mnist_cnn") -> keras.Model:
    """The course's reference CNN for exercise 7: small, fast on a CPU, and above 99.4 % on MNIST.

    Three blocks of convolution, batch normalisation, ReLU and 2×2 max pooling, then
    dropout and a softmax layer. With the defaults, for 28×28 digits::

        block1_conv  32 3×3, SAME, no bias   28×28×32   (batch normalisation has the bias)
        block1_bn, block1_relu, block1_pool            14×14×32
        block2_conv  48 3×3, VALID           12×12×48
        block2_bn, block2_relu, block2_pool            6×6×48
        block3_conv  96 3×3, VALID           4×4×96
        block3_bn, block3_relu, block3_pool            2×2×96
        flatten, dropout, out softmax                  10

    Why it is shaped so: most of a CNN's time goes into its convolutions at high
    resolution, so the first block is narrow and pooling comes early; VALID
    convolutions shrink the maps further for free. Batch normalisation lets a
    high learning rate (one-cycle schedule) train it in a few epochs; dropout and
    data augmentation (small shifts, rotations and zooms) keep it from
    overfitting. It has about 60,000 weights, 23 times fewer than :func:`typical_cnn`.

    Parameters
    ----------
    input_shape : tuple of 3 ints
        (height, width, channels).
    num_classes : int
    filters : tuple of int
        Filters per block, one block per entry.
    dropout : float
        Dropout rate before the output layer, in [0, 1).
    name : str

    Returns
    -------
    keras.Model
        Uncompiled; it outputs probabilities (compile with ``loss="sparse_categorical_crossentropy"``).

    Examples
    --------
    >>> model = mnist_cnn()
    >>> model.get_layer("block3_pool").output.shape, model.count_params()
    ((None, 2, 2, 96), 60138)
    """
    num_classes = check_positive_int("num_classes", num_classes)
    filters = _check_positive_ints("filters", filters)
    dropout = check_rate("dropout", dropout)
    steps = [step for b in range(len(filters)) for step in ((3, 1, "SAME" if b == 0 else "VALID"), (2, 2, "VALID"))]
    _check_input(input_shape, steps, "mnist_cnn", f" (one 3×3 convolution and 2×2 pooling per entry of "
                                                  f"filters={filters!r})")
    stack = []
    for b, n in enumerate(filters, start=1):
        stack += [
            kl.Conv2D(n, 3, padding="same" if b == 1 else "valid", use_bias=False, name=f"block{b}_conv"),
            kl.BatchNormalization(name=f"block{b}_bn"),
            kl.ReLU(name=f"block{b}_relu"),
            kl.MaxPooling2D(2, name=f"block{b}_pool"),
        ]
    stack += [kl.Flatten(name="flatten"), kl.Dropout(dropout, name="dropout"),
              kl.Dense(num_classes, activation="softmax", name="out")]
    return _build(name, tuple(input_shape), stack, _call("mnist_cnn", input_shape=tuple(input_shape),
                                                        num_classes=num_classes, filters=filters))


def fashion_cnn(input_shape=(28, 28, 1), num_classes: int = 10, filters=(32, 64, 128), dense_units: int = 256,
                dropout: float = 0.25, name: str = "fashion_cnn") -> keras.Model:
    """The reference CNN for Fashion-MNIST: :func:`mnist_cnn` with more room where clothes need it.

    Clothes are told apart by textures and shapes spread over the whole image, which a
    60,000-weight digit network cannot hold: it stays near 91 %. This one adds a second
    convolution at 14×14, keeps 5×5 maps at the end (no last pooling), and puts a dense
    layer before the softmax::

        block1_conv  32 3×3, SAME            28×28×32, then bn, relu, pool  14×14×32
        block2_conv1 64 3×3, SAME            14×14×64, bn, relu
        block2_conv2 64 3×3, SAME            14×14×64, bn, relu, pool       7×7×64
        block3_conv  128 3×3, VALID          5×5×128, bn, relu
        flatten, dropout1, fc 256 (bn, relu), dropout2, out softmax          10

    Every convolution and the dense layer are followed by batch normalisation (so they
    have no bias of their own) and ReLU.

    Parameters
    ----------
    input_shape : tuple of 3 ints
    num_classes : int
    filters : tuple of 3 ints
        Filters of blocks 1, 2 and 3.
    dense_units : int
        Width of the dense layer.
    dropout : float
        Rate of both dropout layers, in [0, 1).
    name : str

    Returns
    -------
    keras.Model
        Uncompiled; it outputs probabilities.

    Examples
    --------
    >>> model = fashion_cnn()
    >>> model.get_layer("block3_relu").output.shape, model.count_params()
    ((None, 5, 5, 128), 953258)
    """
    num_classes = check_positive_int("num_classes", num_classes)
    filters = _check_positive_ints("filters", filters)
    if len(filters) != 3:
        raise ValueError(f"filters must hold 3 numbers (blocks 1, 2 and 3), received filters={filters!r}.")
    dense_units = check_positive_int("dense_units", dense_units)
    dropout = check_rate("dropout", dropout)
    steps = [(3, 1, "SAME"), (2, 2, "VALID"), (3, 1, "SAME"), (3, 1, "SAME"), (2, 2, "VALID"), (3, 1, "VALID")]
    _check_input(input_shape, steps, "fashion_cnn")

    def conv_bn_relu(n, padding, block, index=""):
        return [kl.Conv2D(n, 3, padding=padding, use_bias=False, name=f"{block}_conv{index}"),
                kl.BatchNormalization(name=f"{block}_bn{index}"), kl.ReLU(name=f"{block}_relu{index}")]

    f1, f2, f3 = filters
    stack = [*conv_bn_relu(f1, "same", "block1"), kl.MaxPooling2D(2, name="block1_pool"),
             *conv_bn_relu(f2, "same", "block2", 1), *conv_bn_relu(f2, "same", "block2", 2),
             kl.MaxPooling2D(2, name="block2_pool"),
             *conv_bn_relu(f3, "valid", "block3"),
             kl.Flatten(name="flatten"), kl.Dropout(dropout, name="dropout1"),
             kl.Dense(dense_units, use_bias=False, name="fc"), kl.BatchNormalization(name="fc_bn"),
             kl.ReLU(name="fc_relu"), kl.Dropout(dropout, name="dropout2"),
             kl.Dense(num_classes, activation="softmax", name="out")]
    return _build(name, tuple(input_shape), stack, _call("fashion_cnn", input_shape=tuple(input_shape),
                                                        num_classes=num_classes, filters=filters,
                                                        dense_units=dense_units))


# --------------------------------------------------------------------------- Table 13-1

_LENET5_STEPS = [(5, 1, "VALID"), (2, 2, "VALID"), (5, 1, "VALID"), (2, 2, "VALID"), (5, 1, "VALID")]


def lenet5(faithful: bool = True, input_shape=(28, 28, 1), num_classes: int = 10,
           name: str | None = None) -> keras.Model:
    """LeNet-5 (LeCun et al., 1998) as Table 13-1 lays it out.

    ======  =====================  ==========  ===========  ====================
    Layer   Type                   Maps, size  Kernel       Trainable parameters
    ======  =====================  ==========  ===========  ====================
    pad     zero padding 2         1@32×32                  0 (only for 28×28 input)
    C1      convolution, tanh      6@28×28     5×5          156
    S2      avg pooling, tanh      6@14×14     2×2, 2       12
    C3      convolution, tanh      16@10×10    5×5          1,516
    S4      avg pooling, tanh      16@5×5      2×2, 2       32
    C5      convolution, tanh      120@1×1     5×5          48,120
    flatten                        120                      0
    F6      fully connected, tanh  84                       10,164
    out     RBF                    10                       0 (840 fixed)
    ======  =====================  ==========  ===========  ====================

    156 + 12 + 1,516 + 32 + 48,120 + 10,164 = **60,000**, the paper's "60,000 trainable
    parameters": the 840 RBF centres were chosen by hand and fixed, so they are not in it.

    ``faithful=True`` (the default) is the 1998 network:

    * S2 and S4 are :class:`~cnnlab.models.layers.ScaledAveragePooling2D` (an average times a
      learnable coefficient plus a learnable bias per map, then tanh);
    * C3 is a :class:`~cnnlab.models.layers.PartialConv2D` following the paper's Table 1
      (60 of the 96 map-to-map connections);
    * the output is an :class:`~cnnlab.models.layers.RBFOutput`: squared distances to fixed
      ±1 codes, smallest wins. Compile with
      ``loss=cnnlab.models.layers.RBFLoss(), metrics=[cnnlab.models.layers.rbf_accuracy]``.

    ``faithful=False`` is the modern variant most tutorials call LeNet-5: plain
    ``AveragePooling2D`` for S2/S4 (no parameters, no squashing), a full ``Conv2D`` C3
    (2,416 parameters) and a softmax ``Dense`` output (850 parameters); 61,706 in all.
    Compile it with ``loss="sparse_categorical_crossentropy"``.

    Both use plain tanh; LeCun used the scaled ``1.7159 tanh(2a/3)``, and his inputs were
    normalised so that the background is -0.1 and the ink 1.175 (feed pixels scaled to
    [0, 1] here; the network trains either way).

    Parameters
    ----------
    faithful : bool
    input_shape : tuple of 3 ints
        28×28 images are zero-padded to 32×32 (layer "pad"), as the chapter says for MNIST;
        any other size is used as it is and must be at least 32×32. Larger images give C5
        maps larger than 1×1, which "flatten" feeds to F6.
    num_classes : int
    name : str, optional
        Defaults to "lenet5" or "lenet5_modern".

    Returns
    -------
    keras.Model
        Uncompiled.

    Examples
    --------
    >>> model = lenet5()
    >>> [model.get_layer(n).count_params() for n in ("C1", "S2", "C3", "S4", "C5", "F6")]
    [156, 12, 1516, 32, 48120, 10164]
    >>> import math
    >>> sum(math.prod(w.shape) for w in model.trainable_weights), model.output.shape
    (60000, (None, 10))
    >>> lenet5(faithful=False).get_layer("C3").count_params()
    2416
    """
    num_classes = check_positive_int("num_classes", num_classes)
    if not isinstance(faithful, bool):
        raise ValueError(f"faithful must be True or False, received faithful={faithful!r}.")
    shape = check_shape("input_shape", input_shape, 3, hint=_SHAPE_HINT)
    padded = shape[:2] == (28, 28)
    if not padded:
        _check_input(shape, _LENET5_STEPS, "LeNet-5", " (28×28 images are zero-padded to 32×32)")

    stack = [kl.ZeroPadding2D(2, name="pad")] if padded else []
    stack.append(kl.Conv2D(6, 5, activation="tanh", name="C1"))
    if faithful:
        stack += [
            ScaledAveragePooling2D(2, activation="tanh", name="S2"),
            PartialConv2D(kernel_size=5, activation="tanh", name="C3"),
            ScaledAveragePooling2D(2, activation="tanh", name="S4"),
        ]
    else:
        stack += [
            kl.AveragePooling2D(2, name="S2"),
            kl.Conv2D(16, 5, activation="tanh", name="C3"),
            kl.AveragePooling2D(2, name="S4"),
        ]
    stack += [
        kl.Conv2D(120, 5, activation="tanh", name="C5"),
        kl.Flatten(name="flatten"),
        kl.Dense(84, activation="tanh", name="F6"),
        RBFOutput(num_classes, name="out") if faithful else kl.Dense(num_classes, activation="softmax", name="out"),
    ]
    return _build(name or ("lenet5" if faithful else "lenet5_modern"), shape, stack,
                  _call("lenet5", faithful=faithful, input_shape=shape, num_classes=num_classes))


# --------------------------------------------------------------------------- Table 13-2

_ALEXNET_STEPS = [(11, 4, "VALID"), (3, 2, "VALID"), (3, 2, "VALID"), (3, 2, "VALID")]


def alexnet(input_shape=(227, 227, 3), num_classes: int = 1000, lrn: bool = True, dropout: float = 0.5,
            name: str = "alexnet") -> keras.Model:
    """AlexNet (Krizhevsky, Sutskever & Hinton, 2012) as Table 13-2 lays it out, corrected.

    ======  ========================  ==========  ======  =======  =======  ==========
    Layer   Type                      Maps        Size    Kernel   Stride   Padding
    ======  ========================  ==========  ======  =======  =======  ==========
    C1      convolution, ReLU         96          55×55   11×11    4        VALID
    LRN1    local response norm.
    S2      max pooling               96          27×27   3×3      2        VALID
    C3      convolution, ReLU         256         27×27   5×5      1        SAME
    LRN3    local response norm.
    S4      max pooling               256         13×13   3×3      2        VALID
    C5      convolution, ReLU         384         13×13   3×3      1        SAME
    C6      convolution, ReLU         384         13×13   3×3      1        SAME
    C7      convolution, ReLU         256         13×13   3×3      1        SAME
    S8      max pooling               256         6×6     3×3      2        VALID
    F8      fully connected, ReLU     4,096                        (then F8_dropout)
    F9      fully connected, ReLU     4,096                        (then F9_dropout)
    out     fully connected, softmax  1,000
    ======  ========================  ==========  ======  =======  =======  ==========

    Two corrections to the chapter's table:

    1. **Input size.** The table feeds 224×224 images to C1 with SAME padding and gets
       55×55, but SAME would give ``ceil(224 / 4) = 56``. The paper's numbers work for
       227×227 images and VALID padding: ``(227 - 11) // 4 + 1 = 55``. So the default is
       227×227; a 224×224 input is zero-padded to 227×227 first (layer "pad", 1 row and
       column before, 2 after), which gives the same 55×55.
    2. **The pooling after C7** ("S8"). The table omits it, but the paper has it:
       13×13 → 6×6 before the dense layers. Without it F8 alone would hold
       13 × 13 × 256 × 4,096 ≈ 177 million weights; with it, 6 × 6 × 256 × 4,096 + 4,096 =
       37,752,832.

    The model has **62,378,344** parameters (the chapter says "roughly 60 million"). It is
    the single-tower version: the paper split most layers over two GPUs, with fewer
    connections. The LRN layers (``depth_radius=2, alpha=2e-5, beta=0.75, bias=1``) follow
    C1's and C3's ReLUs, as in the paper.

    Parameters
    ----------
    input_shape : tuple of 3 ints
        At least 67×67 (so that S8 still has a 1×1 output); 224×224 is padded as above.
    num_classes : int
    lrn : bool
        Include the LRN layers ("LRN1", "LRN3"); later networks dropped them.
    dropout : float
        Rate of the dropout after F8 and F9, in [0, 1).
    name : str

    Returns
    -------
    keras.Model
        Uncompiled.

    Examples
    --------
    >>> model = alexnet()
    >>> model.get_layer("S8").output.shape, model.count_params()
    ((None, 6, 6, 256), 62378344)
    """
    num_classes = check_positive_int("num_classes", num_classes)
    if not isinstance(lrn, bool):
        raise ValueError(f"lrn must be True or False, received lrn={lrn!r}.")
    dropout = check_rate("dropout", dropout)
    shape = check_shape("input_shape", input_shape, 3,
                        hint="Give (height, width, channels), for example (227, 227, 3).")
    padded = shape[:2] == (224, 224)
    if not padded:
        _check_input(shape, _ALEXNET_STEPS, "AlexNet")

    def norm(name):
        return [LocalResponseNormalization(2, bias=1.0, alpha=0.00002, beta=0.75, name=name)] if lrn else []

    stack = [kl.ZeroPadding2D(((1, 2), (1, 2)), name="pad")] if padded else []
    stack += [kl.Conv2D(96, 11, strides=4, padding="valid", activation="relu", name="C1"), *norm("LRN1")]
    stack += [kl.MaxPooling2D(3, strides=2, padding="valid", name="S2")]
    stack += [kl.Conv2D(256, 5, padding="same", activation="relu", name="C3"), *norm("LRN3")]
    stack += [kl.MaxPooling2D(3, strides=2, padding="valid", name="S4")]
    stack += [kl.Conv2D(384, 3, padding="same", activation="relu", name="C5")]
    stack += [kl.Conv2D(384, 3, padding="same", activation="relu", name="C6")]
    stack += [kl.Conv2D(256, 3, padding="same", activation="relu", name="C7")]
    stack += [kl.MaxPooling2D(3, strides=2, padding="valid", name="S8"), kl.Flatten(name="flatten")]
    stack += [kl.Dense(4096, activation="relu", name="F8"), kl.Dropout(dropout, name="F8_dropout")]
    stack += [kl.Dense(4096, activation="relu", name="F9"), kl.Dropout(dropout, name="F9_dropout")]
    stack += [kl.Dense(num_classes, activation="softmax", name="out")]
    return _build(name, shape, stack, _call("alexnet", input_shape=shape, num_classes=num_classes))
