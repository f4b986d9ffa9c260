"""GoogLeNet (Inception v1): the inception module of Figure 13-10 and the network of Figure 13-11.

Upper floor: importing this module imports Keras (and TensorFlow).

* :func:`inception_module` - four parallel branches (1×1; 1×1→3×3; 1×1→5×5;
  3×3 max pool→1×1) concatenated along the depth axis.
* :func:`googlenet` - the paper's stem, nine inception modules (3a-5b),
  global average pooling, 40 % dropout and a softmax layer; optionally the two
  auxiliary classifiers after modules 4a and 4d.
* :data:`INCEPTION_FILTERS` - the filter counts of the nine modules
  (Szegedy et al. 2014, Table 1), in the argument order of :func:`inception_module`.
* :data:`AUX_LOSS_WEIGHTS` - the loss weights the paper gives the main and the
  two auxiliary outputs when training: ``(1.0, 0.3, 0.3)``.

Layer names are predictable: ``stem_conv1``, ``stem_pool1``, ``inception3a_1x1``,
``inception3a_3x3_reduce``, ..., ``inception3a_concat``, ``pool3``, ``avg_pool``,
``dropout``, ``predictions``, and ``aux1_*`` / ``aux2_*`` for the auxiliary
classifiers.
"""

from __future__ import annotations

import numbers

import keras
from keras import layers

from .._validation import check_image_batch_tensor, check_memory, check_positive_int, check_shape
from .layers import LocalResponseNormalization

__all__ = ["inception_module", "googlenet", "INCEPTION_FILTERS", "AUX_LOSS_WEIGHTS", "PARAMETERS"]

#: Filter counts ``(c1, c3_reduce, c3, c5_reduce, c5, pool_proj)`` of the nine modules (paper, Table 1).
INCEPTION_FILTERS = {
    "3a": (64, 96, 128, 16, 32, 32),
    "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64),
    "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}

#: Loss weights of the outputs ``(main, aux1, aux2)`` when ``aux_classifiers=True``.
AUX_LOSS_WEIGHTS = (1.0, 0.3, 0.3)

#: Exact parameter counts for 1,000 classes: main head only, and with both auxiliary classifiers.
PARAMETERS = {"main": 6_998_552, "with_aux": 13_378_280}

_MIN_SIZE = 32  # five stride-2 reductions: 32 -> 1 after module 5b
_MIN_SIZE_AUX = 65  # the auxiliary 5×5 average pool needs a 5×5 map after module 4a (ceil(65 / 16) = 5)


def inception_module(x, c1, c3_reduce, c3, c5_reduce, c5, pool_proj, name="inception"):
    """Apply an inception module (Figure 13-10) to the Keras tensor ``x``.

    Four branches look at the same input, all with stride 1, ``SAME`` padding
    and ReLU, and their outputs are stacked along the depth axis:

    1. a 1×1 convolution with ``c1`` maps;
    2. a 1×1 convolution with ``c3_reduce`` maps (a bottleneck) then a 3×3 one with ``c3`` maps;
    3. a 1×1 convolution with ``c5_reduce`` maps then a 5×5 one with ``c5`` maps;
    4. a 3×3 max pool (stride 1) then a 1×1 convolution with ``pool_proj`` maps.

    Parameters
    ----------
    x : keras tensor
        Input of shape ``(batch, height, width, channels)``.
    c1, c3_reduce, c3, c5_reduce, c5, pool_proj : int
        Number of feature maps of each convolution (positive).
    name : str
        Prefix of the layer names: ``{name}_1x1``, ``{name}_3x3_reduce``,
        ``{name}_3x3``, ``{name}_5x5_reduce``, ``{name}_5x5``, ``{name}_pool``,
        ``{name}_pool_proj`` and ``{name}_concat``.

    Returns
    -------
    keras tensor
        Same height and width as ``x``, ``c1 + c3 + c5 + pool_proj`` channels.

    Examples
    --------
    >>> import keras
    >>> inputs = keras.Input((28, 28, 192))
    >>> outputs = inception_module(inputs, 64, 96, 128, 16, 32, 32, name="inception3a")
    >>> tuple(outputs.shape)
    (None, 28, 28, 256)
    >>> keras.Model(inputs, outputs).count_params()
    163696
    """
    check_image_batch_tensor("x", x)
    counts = {}
    for arg, value in (("c1", c1), ("c3_reduce", c3_reduce), ("c3", c3), ("c5_reduce", c5_reduce),
                       ("c5", c5), ("pool_proj", pool_proj)):
        counts[arg] = check_positive_int(arg, value)
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, received name={name!r}.")
    channels = int(x.shape[-1] or 0)
    weights = (channels * (counts["c1"] + counts["c3_reduce"] + counts["c5_reduce"] + counts["pool_proj"])
               + 9 * counts["c3_reduce"] * counts["c3"] + 25 * counts["c5_reduce"] * counts["c5"] + sum(counts.values()))
    arguments = ", ".join(f"{key}={value}" for key, value in counts.items())
    # Each float32 weight, and the random values it is initialised from.
    check_memory(f"inception_module(x with {channels} channels, {arguments}) ({weights:,} parameters)", 8 * weights,
                 fix="GoogLeNet's modules have 16 to 384 maps per branch.")

    def conv(filters, size, suffix, inputs):
        return layers.Conv2D(filters, size, padding="same", activation="relu", name=f"{name}_{suffix}")(inputs)

    branch1 = conv(counts["c1"], 1, "1x1", x)
    branch2 = conv(counts["c3"], 3, "3x3", conv(counts["c3_reduce"], 1, "3x3_reduce", x))
    branch3 = conv(counts["c5"], 5, "5x5", conv(counts["c5_reduce"], 1, "5x5_reduce", x))
    pooled = layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    branch4 = conv(counts["pool_proj"], 1, "pool_proj", pooled)
    return layers.Concatenate(axis=-1, name=f"{name}_concat")([branch1, branch2, branch3, branch4])


def _auxiliary_classifier(x, num_classes: int, name: str):
    """The paper's auxiliary head: 5×5/3 average pool, 1×1 conv 128, FC 1024, dropout 70 %, softmax."""
    x = layers.AveragePooling2D(5, strides=3, padding="valid", name=f"{name}_avg_pool")(x)
    x = layers.Conv2D(128, 1, padding="same", activation="relu", name=f"{name}_conv")(x)
    x = layers.Flatten(name=f"{name}_flatten")(x)
    x = layers.Dense(1024, activation="relu", name=f"{name}_fc")(x)
    x = layers.Dropout(0.7, name=f"{name}_dropout")(x)
    return layers.Dense(num_classes, activation="softmax", name=f"{name}_predictions")(x)


def googlenet(input_shape=(224, 224, 3), num_classes=1000, aux_classifiers=False, dropout=0.4):
    """Build GoogLeNet (Inception v1, Figure 13-11) as a Keras functional model.

    The stem follows the paper (Szegedy et al. 2014, Table 1): 7×7/2 convolution
    with 64 maps, 3×3/2 max pool, local response normalisation, 1×1 convolution
    with 64 maps, 3×3 convolution with 192 maps, local response normalisation,
    3×3/2 max pool. Then come the nine inception modules of
    :data:`INCEPTION_FILTERS` with a 3×3/2 max pool after 3b and after 4e,
    global average pooling, dropout and a dense softmax layer. Every
    convolution and pool uses ``SAME`` padding and every convolution ReLU.

    On a 224×224 input the stem ends at 28×28×192, module 3b at 28×28×480,
    4e at 14×14×832 and 5b at 7×7×1024. With 1,000 classes the model has
    **6,998,552** parameters, 8,280 of them biases (the chapter says "roughly
    6 million"; the per-layer figures of the paper's Table 1 add up to about
    6.8 M, but some do not match the filter counts: it lists 2.7 K for the
    first 7×7 convolution, which has 9,472); the two auxiliary classifiers add
    6,379,728 more (13,378,280 in total), which are only used during training.

    Parameters
    ----------
    input_shape : tuple of 3 int
        ``(height, width, channels)``; height and width at least 32 (at least
        65 with ``aux_classifiers=True``, whose 5×5 average pool needs a 5×5 map
        after module 4a).
    num_classes : int
        Number of classes of the softmax layer(s).
    aux_classifiers : bool
        Add the auxiliary classifiers after modules 4a and 4d (5×5/3 average
        pool ``VALID``, 1×1 convolution with 128 maps, 1,024-unit dense layer,
        70 % dropout, softmax). The model then has three outputs
        ``[predictions, aux1_predictions, aux2_predictions]``; train it with
        the loss weights :data:`AUX_LOSS_WEIGHTS` ``(1.0, 0.3, 0.3)`` (the
        total loss is ``main + 0.3 aux1 + 0.3 aux2``) and keep only the first
        output for inference.
    dropout : float
        Dropout rate before the final dense layer, in ``[0, 1)``.

    Returns
    -------
    keras.Model
        Named ``"googlenet"``.

    Raises
    ------
    ValueError
        If ``input_shape`` is not 3 positive integers or too small, if
        ``num_classes`` is not a positive integer, if ``aux_classifiers`` is not
        a bool or if ``dropout`` is outside ``[0, 1)``.

    Examples
    --------
    >>> model = googlenet()
    >>> model.count_params()
    6998552
    >>> tuple(model.get_layer("inception5b_concat").output.shape)
    (None, 7, 7, 1024)

    With the auxiliary classifiers, weight their losses by 0.3 when training:

    >>> model = googlenet(input_shape=(96, 96, 3), num_classes=10, aux_classifiers=True)
    >>> [tuple(output.shape) for output in model.outputs]
    [(None, 10), (None, 10), (None, 10)]
    >>> model.compile(optimizer="sgd", loss=["sparse_categorical_crossentropy"] * 3,
    ...               loss_weights=list(AUX_LOSS_WEIGHTS))

    (Keras 3 wants one loss per output when ``loss_weights`` is a list; the
    labels are given three times: ``model.fit(x, [y, y, y])``.)

    >>> googlenet(input_shape=(16, 16, 3))
    Traceback (most recent call last):
    ...
    ValueError: input_shape must be at least 32×32 for GoogLeNet's five stride-2 reductions, received input_shape=(16, 16, 3).
    """
    input_shape = check_shape("input_shape", input_shape, 3, hint="Give (height, width, channels).")
    num_classes = check_positive_int("num_classes", num_classes)
    if not isinstance(aux_classifiers, bool):
        raise ValueError(f"aux_classifiers must be True or False, received aux_classifiers={aux_classifiers!r}.")
    if (isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or not 0 <= dropout < 1):
        raise ValueError(f"dropout must be a rate in [0, 1), received dropout={dropout!r}.")
    smallest = min(input_shape[:2])
    if smallest < _MIN_SIZE:
        raise ValueError(
            f"input_shape must be at least {_MIN_SIZE}×{_MIN_SIZE} for GoogLeNet's five stride-2 reductions, "
            f"received input_shape={input_shape!r}."
        )
    if aux_classifiers and smallest < _MIN_SIZE_AUX:
        raise ValueError(
            f"input_shape must be at least {_MIN_SIZE_AUX}×{_MIN_SIZE_AUX} with aux_classifiers=True (their 5×5 "
            f"average pool needs a 5×5 map after module 4a), received input_shape={input_shape!r}."
        )

    # The softmax layers hold 1,024 weights per class each (the main one, and the two auxiliary ones).
    # PARAMETERS with 1,000 classes, less those heads: 5,973,552, and 4,329,728 more in the auxiliary classifiers.
    weights = 5_973_552 + 4_329_728 * aux_classifiers + (1 + 2 * aux_classifiers) * 1025 * num_classes
    check_memory(f"googlenet(num_classes={num_classes}, aux_classifiers={aux_classifiers}) "
                 f"({weights:,} parameters)", 8 * weights,
                 fix="num_classes is the number of classes in your data, for example 10 or 1000.")
    inputs = keras.Input(input_shape, name="input")
    x = layers.Conv2D(64, 7, strides=2, padding="same", activation="relu", name="stem_conv1")(inputs)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="stem_pool1")(x)
    x = LocalResponseNormalization(name="stem_lrn1")(x)
    x = layers.Conv2D(64, 1, padding="same", activation="relu", name="stem_conv2")(x)
    x = layers.Conv2D(192, 3, padding="same", activation="relu", name="stem_conv3")(x)
    x = LocalResponseNormalization(name="stem_lrn2")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="stem_pool2")(x)

    aux_outputs = []
    for module, filters in INCEPTION_FILTERS.items():
        if module in ("4a", "5a"):
            x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"pool{int(module[0]) - 1}")(x)
        x = inception_module(x, *filters, name=f"inception{module}")
        if aux_classifiers and module in ("4a", "4d"):
            aux_outputs.append(_auxiliary_classifier(x, num_classes, name=f"aux{len(aux_outputs) + 1}"))

    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dropout(float(dropout), name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, [outputs, *aux_outputs] if aux_classifiers else outputs, name="googlenet")
