"""ResNet: residual units (Figures 13-12 to 13-15) and the ResNet-34 / ResNet-152 networks.

Upper floor: importing this module imports Keras (and TensorFlow).

* :func:`residual_unit` - the basic unit of ResNet-18/34 (Figure 13-15): two 3×3
  convolutions with batch normalisation and a skip connection.
* :func:`bottleneck_unit` - the unit of ResNet-50/101/152: 1×1 (shrink),
  3×3, 1×1 (expand ×4).
* :func:`resnet` - one generic builder (stem, stages of units, global average
  pooling, softmax), in the style of ``keras.applications.resnet``;
  :func:`resnet34` and :func:`resnet152` are thin wrappers around it.

Layer names are predictable: ``stem_conv``, ``stem_bn``, ``stem_relu``,
``stem_pool``, then ``stage2_unit1_conv1``, ``stage2_unit1_bn1``, ...,
``stage2_unit1_skip_conv``, ``stage2_unit1_add``, ``stage2_unit1_out`` (stages
are numbered 2 to 5 as in the paper, whose ``conv1`` is the stem), then
``avg_pool`` and ``predictions``.
"""

from __future__ import annotations

import keras
from keras import layers

from .._validation import check_image_batch_tensor, check_memory, check_positive_int, check_shape
from ..memory import batch_norm_params, conv2d_params, dense_params

__all__ = ["residual_unit", "bottleneck_unit", "resnet", "resnet34", "resnet152", "PARAMETERS"]

#: Exact parameter counts for 1,000 classes (biases only in the dense layer; BN moving statistics included).
PARAMETERS = {"resnet34": 21_814_696, "resnet152": 60_344_232}

_BN_EPSILON = 1.001e-5  # as keras.applications.resnet


def _check_name(name):
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, received name={name!r}.")


def _check_strides(strides):
    if strides not in (1, 2) or isinstance(strides, bool):
        raise ValueError(f"strides must be 1 or 2, received strides={strides!r}.")
    return int(strides)


def _unit_weights(block: str, channels: int, filters: int, strides: int) -> tuple[int, int]:
    """Weights of one unit (convolutions and batch norms) and its output channels, without building it.

    Each convolution (without bias) is followed by a batch normalization;
    the counts are :mod:`cnnlab.memory`'s.
    """
    out = filters if block == "basic" else 4 * filters
    if block == "basic":
        convolutions = [(channels, filters, 3), (filters, filters, 3)]
    else:
        convolutions = [(channels, filters, 1), (filters, filters, 3), (filters, out, 1)]
    if strides != 1 or channels != out:  # the 1×1 projection of the skip path
        convolutions.append((channels, out, 1))
    count = sum(conv2d_params(inputs, maps, size, use_bias=False) + batch_norm_params(maps)
                for inputs, maps, size in convolutions)
    return count, out


def _check_weights(call: str, count: int) -> None:
    # Each float32 weight, and the random values it is initialised from.
    check_memory(f"{call} ({count:,} parameters)", 8 * count,
                 fix="Use fewer filters (ResNet-34's stages have 64 to 512) or fewer classes.")


def _conv_bn(x, filters, size, strides, name, suffix, relu):
    x = layers.Conv2D(filters, size, strides=strides, padding="same", use_bias=False, name=f"{name}_conv{suffix}")(x)
    x = layers.BatchNormalization(epsilon=_BN_EPSILON, name=f"{name}_bn{suffix}")(x)
    if relu:
        x = layers.Activation("relu", name=f"{name}_relu{suffix}")(x)
    return x


def _skip(x, channels, strides, name):
    """Identity when the shape is kept, else a 1×1 convolution (with ``strides``) and batch normalisation."""
    if strides == 1 and x.shape[-1] == channels:
        return x
    x = layers.Conv2D(channels, 1, strides=strides, use_bias=False, name=f"{name}_skip_conv")(x)
    return layers.BatchNormalization(epsilon=_BN_EPSILON, name=f"{name}_skip_bn")(x)


def residual_unit(x, filters, strides=1, name="unit"):
    """Apply a basic residual unit (Figure 13-15) to the Keras tensor ``x``.

    Main path: 3×3 convolution (with ``strides``) → batch norm → ReLU → 3×3
    convolution → batch norm. Skip path: ``x`` itself, or, when the unit
    changes the shape (``strides=2`` or a different number of maps), a 1×1
    convolution with the same stride followed by batch norm. The two are
    added and go through a final ReLU. Convolutions have no bias (batch norm's
    offset plays its role) and ``SAME`` padding.

    Parameters
    ----------
    x : keras tensor
        Input of shape ``(batch, height, width, channels)``.
    filters : int
        Number of feature maps of both convolutions (and of the output).
    strides : int
        1, or 2 to halve the height and width (first unit of a stage).
    name : str
        Prefix of the layer names: ``{name}_conv1``, ``{name}_bn1``,
        ``{name}_relu1``, ``{name}_conv2``, ``{name}_bn2``, optionally
        ``{name}_skip_conv`` and ``{name}_skip_bn``, then ``{name}_add`` and
        ``{name}_out``.

    Returns
    -------
    keras tensor
        ``(batch, ceil(height / strides), ceil(width / strides), filters)``.

    Examples
    --------
    >>> import keras
    >>> inputs = keras.Input((56, 56, 64))
    >>> outputs = residual_unit(inputs, 128, strides=2, name="stage3_unit1")
    >>> tuple(outputs.shape)
    (None, 28, 28, 128)
    >>> [layer.name for layer in keras.Model(inputs, outputs).layers if "skip" in layer.name]
    ['stage3_unit1_skip_conv', 'stage3_unit1_skip_bn']
    """
    check_image_batch_tensor("x", x)
    filters = check_positive_int("filters", filters)
    strides = _check_strides(strides)
    _check_name(name)
    _check_weights(f"residual_unit(x with {x.shape[-1]} channels, filters={filters})",
                   _unit_weights("basic", int(x.shape[-1] or 0), filters, strides)[0])
    shortcut = _skip(x, filters, strides, name)
    y = _conv_bn(x, filters, 3, strides, name, 1, relu=True)
    y = _conv_bn(y, filters, 3, 1, name, 2, relu=False)
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.Activation("relu", name=f"{name}_out")(y)


def bottleneck_unit(x, filters, strides=1, name="unit"):
    """Apply a bottleneck residual unit (ResNet-50/101/152) to the Keras tensor ``x``.

    Main path: 1×1 convolution with ``filters`` maps → 3×3 convolution with
    ``filters`` maps (and ``strides``) → 1×1 convolution with ``4 * filters``
    maps, each followed by batch norm and the first two by ReLU. Skip path:
    ``x``, or a 1×1 convolution (with ``strides``) and batch norm when the
    shape or the number of maps changes. Sum, then ReLU.

    Parameters
    ----------
    x : keras tensor
        Input of shape ``(batch, height, width, channels)``.
    filters : int
        Maps of the two first convolutions; the unit outputs ``4 * filters``.
    strides : int
        1, or 2 to halve the height and width. The stride sits on the 3×3
        convolution (as in torchvision's "ResNet v1.5"; ``keras.applications``
        puts it on the first 1×1 convolution; the parameter count is the same).
    name : str
        Prefix of the layer names: ``{name}_conv1`` ... ``{name}_conv3``,
        ``{name}_bn1`` ... ``{name}_bn3``, ``{name}_relu1``, ``{name}_relu2``,
        optionally ``{name}_skip_conv`` and ``{name}_skip_bn``, then
        ``{name}_add`` and ``{name}_out``.

    Returns
    -------
    keras tensor
        ``(batch, ceil(height / strides), ceil(width / strides), 4 * filters)``.

    Examples
    --------
    >>> import keras
    >>> inputs = keras.Input((56, 56, 64))
    >>> outputs = bottleneck_unit(inputs, 64, name="stage2_unit1")
    >>> tuple(outputs.shape)
    (None, 56, 56, 256)
    >>> keras.Model(inputs, outputs).count_params()
    76288
    """
    check_image_batch_tensor("x", x)
    filters = check_positive_int("filters", filters)
    strides = _check_strides(strides)
    _check_name(name)
    _check_weights(f"bottleneck_unit(x with {x.shape[-1]} channels, filters={filters})",
                   _unit_weights("bottleneck", int(x.shape[-1] or 0), filters, strides)[0])
    shortcut = _skip(x, 4 * filters, strides, name)
    y = _conv_bn(x, filters, 1, 1, name, 1, relu=True)
    y = _conv_bn(y, filters, 3, strides, name, 2, relu=True)
    y = _conv_bn(y, 4 * filters, 1, 1, name, 3, relu=False)
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.Activation("relu", name=f"{name}_out")(y)


_BLOCKS = {"basic": residual_unit, "bottleneck": bottleneck_unit}


def resnet(block, units_per_stage, filters_per_stage, input_shape=(224, 224, 3), num_classes=1000, name="resnet"):
    """Build a ResNet (Figure 13-14) from a unit type and the units and filters of each stage.

    Stem: 7×7/2 convolution with 64 maps, batch norm, ReLU, 3×3/2 max pool
    (``SAME``). Then one stage per entry of ``units_per_stage``: the first unit
    of every stage but the first has stride 2 (halving height and width) and a
    projection skip; the other units keep the shape. Then global average
    pooling and a dense softmax layer. Stage ``i`` (counting from 0) is named
    ``stage{i + 2}`` to follow the paper's ``conv2_x`` ... ``conv5_x``.

    Parameters
    ----------
    block : {"basic", "bottleneck"} or callable
        The unit: ``"basic"`` for :func:`residual_unit`, ``"bottleneck"`` for
        :func:`bottleneck_unit`, or any function ``block(x, filters, strides, name)``.
    units_per_stage : sequence of int
        Number of units in each stage, e.g. ``(3, 4, 6, 3)``.
    filters_per_stage : sequence of int
        The ``filters`` argument of the units of each stage (same length).
    input_shape : tuple of 3 int
        ``(height, width, channels)``; height and width at least
        ``4 * 2 ** (len(units_per_stage) - 1)`` (32 for four stages).
    num_classes : int
        Number of classes of the softmax layer.
    name : str
        The model's name.

    Returns
    -------
    keras.Model

    Raises
    ------
    ValueError
        If an argument is malformed or the input is smaller than the stack's
        total stride.

    Examples
    --------
    A small ResNet with two stages of one basic unit each:

    >>> model = resnet("basic", (1, 1), (16, 32), input_shape=(32, 32, 3), num_classes=10, name="tiny")
    >>> tuple(model.get_layer("stage3_unit1_out").output.shape)
    (None, 4, 4, 32)
    >>> resnet("basic", (1, 1), (16, 0))
    Traceback (most recent call last):
    ...
    ValueError: filters_per_stage must hold positive integers, received filters_per_stage=(16, 0).
    """
    kind = block
    if isinstance(block, str):
        if block not in _BLOCKS:
            raise ValueError(f"block must be 'basic', 'bottleneck' or a callable, received block={block!r}.")
        block = _BLOCKS[block]
    elif not callable(block):
        raise ValueError(f"block must be 'basic', 'bottleneck' or a callable, received block={block!r}.")
    units_per_stage = _check_int_sequence("units_per_stage", units_per_stage)
    filters_per_stage = _check_int_sequence("filters_per_stage", filters_per_stage)
    if len(filters_per_stage) != len(units_per_stage):
        raise ValueError(
            f"filters_per_stage must have one entry per stage ({len(units_per_stage)}), "
            f"received filters_per_stage={filters_per_stage!r}."
        )
    input_shape = check_shape("input_shape", input_shape, 3, hint="Give (height, width, channels).")
    num_classes = check_positive_int("num_classes", num_classes)
    _check_name(name)
    smallest = 4 * 2 ** (len(units_per_stage) - 1)
    if min(input_shape[:2]) < smallest:
        raise ValueError(
            f"input_shape must be at least {smallest}×{smallest} for a stem of stride 4 and "
            f"{len(units_per_stage) - 1} stride-2 stages, received input_shape={input_shape!r}."
        )
    if kind in _BLOCKS:  # a callable block's weights are its own business
        channels, count = 64, conv2d_params(input_shape[2], 64, 7, use_bias=False) + batch_norm_params(64)
        for stage, (units, filters) in enumerate(zip(units_per_stage, filters_per_stage)):
            for unit in range(units):
                weights, channels = _unit_weights(kind, channels, filters, 2 if unit == 0 and stage else 1)
                count += weights
        count += dense_params(channels, num_classes)
        _check_weights(f"resnet(block={kind!r}, units_per_stage={units_per_stage}, "
                       f"filters_per_stage={filters_per_stage}, num_classes={num_classes})", count)

    inputs = keras.Input(input_shape, name="input")
    x = layers.Conv2D(64, 7, strides=2, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = layers.BatchNormalization(epsilon=_BN_EPSILON, name="stem_bn")(x)
    x = layers.Activation("relu", name="stem_relu")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="stem_pool")(x)
    for stage, (units, filters) in enumerate(zip(units_per_stage, filters_per_stage), start=2):
        for unit in range(1, units + 1):
            strides = 2 if unit == 1 and stage > 2 else 1
            x = block(x, filters, strides=strides, name=f"stage{stage}_unit{unit}")
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=name)


def _check_int_sequence(name, value):
    ok = (
        isinstance(value, (tuple, list))
        and len(value) >= 1
        and all(not isinstance(v, bool) and isinstance(v, int) and v >= 1 for v in value)
    )
    if not ok:
        raise ValueError(f"{name} must hold positive integers, received {name}={value!r}.")
    return tuple(int(v) for v in value)


def resnet34(input_shape=(224, 224, 3), num_classes=1000):
    """Build ResNet-34 (Figure 13-14): basic units 3, 4, 6, 3 with 64, 128, 256, 512 maps.

    On a 224×224 input the stages end at 56×56×64, 28×28×128, 14×14×256 and
    7×7×512. With 1,000 classes the model has **21,814,696** parameters
    (21,797,672 trainable, plus 17,024 batch-norm moving means and variances,
    which ``count_params()`` includes); the paper quotes 21.8 M.

    Parameters
    ----------
    input_shape : tuple of 3 int
        ``(height, width, channels)``, at least 32×32.
    num_classes : int
        Number of classes.

    Returns
    -------
    keras.Model
        Named ``"resnet34"``.

    Examples
    --------
    >>> model = resnet34()
    >>> model.count_params()
    21814696
    >>> [model.get_layer(f"stage{s}_unit1_out").output.shape[1] for s in (2, 3, 4, 5)]
    [56, 28, 14, 7]
    """
    return resnet("basic", (3, 4, 6, 3), (64, 128, 256, 512), input_shape, num_classes, name="resnet34")


def resnet152(input_shape=(224, 224, 3), num_classes=1000):
    """Build ResNet-152: bottleneck units 3, 8, 36, 3 with 64, 128, 256, 512 (×4) maps.

    On a 224×224 input the stages end at 56×56×256, 28×28×512, 14×14×1024 and
    7×7×2048. With 1,000 classes the model has **60,344,232** parameters
    (60,192,808 trainable, plus 151,424 batch-norm moving statistics).

    ``keras.applications.ResNet152`` (with its top) has 60,419,944: it gives
    every convolution a bias although batch norm follows (its ``conv1`` is
    also biased), which adds exactly 75,712 parameters (the number of
    convolution filters in the network); it reaches the same shapes with
    explicit ``ZeroPadding2D`` and ``VALID`` layers instead of ``SAME`` padding
    and puts the stride on the first 1×1 convolution of a unit, neither of
    which changes the count.

    Parameters
    ----------
    input_shape : tuple of 3 int
        ``(height, width, channels)``, at least 32×32.
    num_classes : int
        Number of classes.

    Returns
    -------
    keras.Model
        Named ``"resnet152"``.

    Examples
    --------
    >>> model = resnet152()  # doctest: +SKIP
    >>> model.count_params()  # doctest: +SKIP
    60344232
    >>> resnet152(num_classes=0)
    Traceback (most recent call last):
    ...
    ValueError: num_classes must be a positive integer, received num_classes=0.

    (Building the model takes about ten seconds on a CPU, so the first two
    lines are not run as doctests; ``tests/test_models_googlenet_resnet.py``
    checks them.)
    """
    return resnet("bottleneck", (3, 8, 36, 3), (64, 128, 256, 512), input_shape, num_classes, name="resnet152")
