"""Keras layers the classic architectures need and Keras does not ship (upper floor: imports TensorFlow).

* :class:`LocalResponseNormalization` - AlexNet's LRN (Equation 13-2), backed by
  ``tf.nn.local_response_normalization``.
* :class:`ScaledAveragePooling2D` - LeNet-5's subsampling layers S2 and S4: an average
  times a learnable coefficient plus a learnable bias, per feature map.
* :class:`PartialConv2D` - LeNet-5's C3: a convolution in which each output map sees
  only some input maps (LeCun et al., 1998, Table 1).
* :class:`RBFOutput` - LeNet-5's output layer: squared Euclidean distances to one
  centre per class; :class:`RBFLoss` trains it and :func:`rbf_accuracy` scores it.

Every layer is registered with ``keras.saving.register_keras_serializable(package="cnnlab")``,
so models that use them save and load with ``model.save`` / ``keras.models.load_model``.
All layers work on channels-last images ``(batch, height, width, channels)``.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from .._validation import check_finite_number, check_non_negative_int, check_positive_int, check_positive_number

__all__ = [
    "LocalResponseNormalization",
    "ScaledAveragePooling2D",
    "PartialConv2D",
    "LENET5_C3_CONNECTIONS",
    "RBFOutput",
    "RBFLoss",
    "rbf_accuracy",
]

_register = keras.saving.register_keras_serializable(package="cnnlab")


# --------------------------------------------------------------------------- local response normalisation


@_register
class LocalResponseNormalization(keras.layers.Layer):
    """Local response normalisation (Equation 13-2), AlexNet's competition between feature maps.

    .. math:: b_i = a_i \\left(k + \\alpha \\sum_{j=\\max(0, i-r)}^{\\min(i+r, f_n-1)} a_j^2\\right)^{-\\beta}

    A thin layer around ``tf.nn.local_response_normalization``; the numpy reference
    is :func:`cnnlab.ops.local_response_normalization` (same arguments, same numbers).
    The defaults are the chapter's AlexNet settings ``r = 2, k = 1, α = 0.00002,
    β = 0.75``. TensorFlow's window is ``i ± r`` (``2r + 1`` maps, 5 by default, the
    paper's ``n = 5``). The paper's own settings (NIPS 2012, section 3.3) are ``k = 2,
    α = 10⁻⁴``, not divided by ``n``: ``depth_radius=2, bias=2, alpha=1e-4``; the
    chapter's ``α = 0.00002 = 10⁻⁴ / 5`` follows Caffe, which divides by the window size.

    Parameters
    ----------
    depth_radius : int
        ``r``, a non-negative integer.
    bias : float
        ``k``, a positive number.
    alpha : float
        ``α``, a non-negative number.
    beta : float
        ``β``, a finite number.
    **kwargs
        Passed to ``keras.layers.Layer`` (``name``, ``dtype``, ...).

    Examples
    --------
    >>> import numpy as np
    >>> lrn = LocalResponseNormalization(depth_radius=1, alpha=1e-4)
    >>> np.asarray(lrn(np.array([[[[1.0, 100.0, 1.0]]]], np.float32))).round(4)
    array([[[[ 0.5946, 59.4559,  0.5946]]]], dtype=float32)
    >>> lrn.count_params(), lrn.get_config()["depth_radius"]
    (0, 1)
    """

    def __init__(self, depth_radius: int = 2, bias: float = 1.0, alpha: float = 0.00002, beta: float = 0.75,
                 **kwargs):
        super().__init__(**kwargs)
        self.depth_radius = check_non_negative_int("depth_radius", depth_radius)
        self.bias = check_positive_number("bias", bias)
        alpha_value = check_finite_number("alpha", alpha)
        if alpha_value < 0:
            raise ValueError(f"alpha must be a non-negative number, received alpha={alpha!r}.")
        self.alpha = alpha_value
        self.beta = check_finite_number("beta", beta)

    def call(self, inputs):
        import tensorflow as tf

        return tf.nn.local_response_normalization(
            inputs, depth_radius=self.depth_radius, bias=self.bias, alpha=self.alpha, beta=self.beta
        )

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(depth_radius=self.depth_radius, bias=self.bias, alpha=self.alpha, beta=self.beta)
        return config


# --------------------------------------------------------------------------- LeNet-5's subsampling


@_register
class ScaledAveragePooling2D(keras.layers.Layer):
    """LeNet-5's subsampling layer (S2, S4): average pooling, then ``coefficient × avg + bias`` per map.

    LeCun et al. (1998) add the four inputs of each 2×2 window, multiply by a trainable
    coefficient and add a trainable bias, one of each per feature map, then apply a
    sigmoidal squashing function. Averaging instead of adding only rescales the
    coefficient (by 4). So the layer has ``2 × channels`` parameters: 12 for S2 (6 maps),
    32 for S4 (16 maps). The coefficients start at 1 and the biases at 0, so an
    untrained layer is plain average pooling.

    The paper's squashing function is the scaled tanh ``1.7159 tanh(2a/3)``;
    :func:`cnnlab.models.lenet5` passes ``activation="tanh"``, plain tanh, as the chapter does.

    Parameters
    ----------
    pool_size : int
        Side of the square window (2 in LeNet-5).
    strides : int, optional
        Defaults to ``pool_size`` (non-overlapping windows).
    padding : {"valid", "same"}
    activation : str or callable, optional
        Applied after the scale and shift; none by default.
    **kwargs
        Passed to ``keras.layers.Layer``.

    Examples
    --------
    >>> import numpy as np
    >>> s2 = ScaledAveragePooling2D(activation="tanh", name="S2")
    >>> tuple(s2(np.zeros((1, 28, 28, 6), np.float32)).shape)
    (1, 14, 14, 6)
    >>> s2.count_params()
    12
    """

    def __init__(self, pool_size: int = 2, strides: int | None = None, padding: str = "valid", activation=None,
                 coefficient_initializer="ones", bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        self.pool_size = check_positive_int("pool_size", pool_size)
        self.strides = self.pool_size if strides is None else check_positive_int("strides", strides)
        self.padding = _padding(padding)
        self.activation = keras.activations.get(activation)
        self.coefficient_initializer = keras.initializers.get(coefficient_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def build(self, input_shape):
        channels = _channels(input_shape, self)
        self.coefficient = self.add_weight(shape=(channels,), initializer=self.coefficient_initializer,
                                           name="coefficient")
        self.bias = self.add_weight(shape=(channels,), initializer=self.bias_initializer, name="bias")

    def call(self, inputs):
        pooled = ops.average_pool(inputs, self.pool_size, self.strides, self.padding)
        return self.activation(pooled * self.coefficient + self.bias)

    def compute_output_shape(self, input_shape):
        return _pooled_shape(input_shape, self.pool_size, self.strides, self.padding)

    def get_config(self):
        config = super().get_config()
        config.update(
            pool_size=self.pool_size,
            strides=self.strides,
            padding=self.padding,
            activation=keras.activations.serialize(self.activation),
            coefficient_initializer=keras.initializers.serialize(self.coefficient_initializer),
            bias_initializer=keras.initializers.serialize(self.bias_initializer),
        )
        return config


# --------------------------------------------------------------------------- LeNet-5's C3

# LeCun, Bottou, Bengio & Haffner (1998), "Gradient-based learning applied to document
# recognition", Proc. IEEE 86(11), Table 1: which S2 feature maps (rows) each C3 feature map
# (columns) is connected to. Maps 0-5 see 3 contiguous S2 maps, 6-11 see 4 contiguous ones,
# 12-14 see 4 non-contiguous ones and map 15 sees all 6: 60 connections in all.
_LENET5_C3_TABLE = (
    # C3 map: 0123456789012345
    "X...XXX..XXXX.XX",  # S2 map 0
    "XX...XXX..XXXX.X",  # S2 map 1
    "XXX...XXX..X.XXX",  # S2 map 2
    ".XXX..XXXX..X.XX",  # S2 map 3
    "..XXX..XXXX.XX.X",  # S2 map 4
    "...XXX..XXXX.XXX",  # S2 map 5
)
LENET5_C3_CONNECTIONS = np.array([[c == "X" for c in row] for row in _LENET5_C3_TABLE], dtype=bool)
LENET5_C3_CONNECTIONS.flags.writeable = False


@_register
class PartialConv2D(keras.layers.Layer):
    """A convolution whose output maps each see only some input maps: LeNet-5's C3.

    ``connections[i, j]`` says whether output map ``j`` sees input map ``i``; the default
    is :data:`LENET5_C3_CONNECTIONS`, Table 1 of LeCun et al. (1998). Only the connected
    ``kernel_size × kernel_size`` kernels are weights: the layer keeps them in one
    trainable tensor ``kernel`` of shape ``(kh, kw, connections)`` and scatters them into
    the full ``(kh, kw, in, out)`` kernel with a fixed index map (unconnected slots read a
    constant zero), so ``count_params()`` counts exactly the paper's parameters:
    ``60 × 25 + 16 = 1,516`` for C3. The initial weights are the connected entries of a
    full kernel drawn by ``kernel_initializer``, as a full ``Conv2D`` would draw them.

    LeCun's reasons for the partial table: fewer connections, and broken symmetry:
    different maps are forced to extract different features because they see different inputs.

    Parameters
    ----------
    connections : array_like of bool, shape (in_maps, out_maps), optional
        The connection table; every output map needs at least one input.
    kernel_size : int
    strides : int
    padding : {"valid", "same"}
    activation : str or callable, optional
    use_bias : bool
    kernel_initializer, bias_initializer
        Keras initializers (``kernel_initializer`` is applied to the full kernel shape).
    **kwargs
        Passed to ``keras.layers.Layer``.

    Examples
    --------
    >>> import numpy as np
    >>> c3 = PartialConv2D(kernel_size=5, activation="tanh", name="C3")
    >>> tuple(c3(np.zeros((1, 14, 14, 6), np.float32)).shape)
    (1, 10, 10, 16)
    >>> c3.count_params(), int(c3.connections.sum())
    (1516, 60)
    """

    def __init__(self, connections=None, kernel_size: int = 5, strides: int = 1, padding: str = "valid",
                 activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        table = LENET5_C3_CONNECTIONS if connections is None else np.asarray(connections)
        if table.ndim != 2 or table.size == 0 or not np.isin(table, (0, 1)).all():
            raise ValueError(
                "connections must be a 2-D table of 0/1 (or booleans) with one row per input map and one column "
                f"per output map, received connections of shape {table.shape}."
            )
        table = table.astype(bool)
        unconnected = np.flatnonzero(~table.any(axis=0))
        if unconnected.size:
            raise ValueError(
                f"connections leaves output map(s) {unconnected.tolist()} connected to no input map; "
                "give every column at least one 1."
            )
        self.connections = table
        self.filters = table.shape[1]
        self.kernel_size = check_positive_int("kernel_size", kernel_size)
        self.strides = check_positive_int("strides", strides)
        self.padding = _padding(padding)
        self.activation = keras.activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        # Connection c links input map inputs[c] to output map outputs[c], ordered by output map.
        outputs, inputs = np.nonzero(table.T)
        self._inputs, self._outputs = inputs, outputs
        # index[i, j] = the connection linking input i to output j, or len(connections) (a zero slot).
        index = np.full(table.shape, len(inputs), dtype=np.int32)
        index[inputs, outputs] = np.arange(len(inputs), dtype=np.int32)
        self._index = index

    def build(self, input_shape):
        channels = _channels(input_shape, self)
        if channels != self.connections.shape[0]:
            raise ValueError(
                f"{self.name}: connections has {self.connections.shape[0]} rows (input maps) but the input has "
                f"{channels} channels (input shape {tuple(input_shape)})."
            )
        k, maps = self.kernel_size, self.filters
        flat = (self._inputs * maps + self._outputs).astype(np.int32)

        def connected_entries(shape, dtype=None):
            full = self.kernel_initializer(shape=(k, k, channels, maps), dtype=dtype)
            return ops.take(ops.reshape(full, (k, k, channels * maps)), flat, axis=2)

        self.kernel = self.add_weight(shape=(k, k, len(flat)), initializer=connected_entries, name="kernel")
        self.bias = (
            self.add_weight(shape=(maps,), initializer=self.bias_initializer, name="bias") if self.use_bias else None
        )

    def full_kernel(self):
        """The ``(kh, kw, in_maps, out_maps)`` kernel, zero where ``connections`` is False."""
        k = self.kernel_size
        padded = ops.concatenate([self.kernel, ops.zeros((k, k, 1), dtype=self.kernel.dtype)], axis=2)
        return ops.take(padded, self._index, axis=2)

    def call(self, inputs):
        kernel = ops.cast(self.full_kernel(), inputs.dtype)
        outputs = ops.conv(inputs, kernel, strides=self.strides, padding=self.padding)
        if self.bias is not None:
            outputs = outputs + ops.cast(self.bias, outputs.dtype)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return _pooled_shape(input_shape, self.kernel_size, self.strides, self.padding)[:-1] + (self.filters,)

    def get_config(self):
        config = super().get_config()
        config.update(
            connections=self.connections.astype(int).tolist(),
            kernel_size=self.kernel_size,
            strides=self.strides,
            padding=self.padding,
            activation=keras.activations.serialize(self.activation),
            use_bias=self.use_bias,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            bias_initializer=keras.initializers.serialize(self.bias_initializer),
        )
        return config


# --------------------------------------------------------------------------- LeNet-5's RBF output


@_register
class RBFOutput(keras.layers.Layer):
    """LeNet-5's output layer: the squared Euclidean distance from the input to each class's centre.

    .. math:: y_i = \\sum_j (x_j - w_{ij})^2

    Output ``i`` is a *penalty*: the network predicts the class with the **smallest**
    distance (``argmin``), and ``-y`` can serve as logits. The layer holds
    ``input_dim × num_classes`` numbers (84 × 10 = 840 in LeNet-5) and no bias.

    In the paper the centres were drawn by hand (stylised 7×12 bitmaps of the characters,
    entries ±1) and kept fixed, which is why LeNet-5's "60,000 trainable parameters" stop
    at F6. This layer follows that by default: the centres are random ±1 codes (seeded;
    two random ±1 codes of length 84 are about 168 apart, like well-separated bitmaps)
    and are not trainable; ``trainable_centres=True`` learns them. Training uses
    :class:`RBFLoss`, the paper's MAP criterion. (With a loss that only pulls the correct
    distance down, learnable centres would collapse onto one point; the MAP criterion's
    competitive term prevents that.)

    Parameters
    ----------
    num_classes : int
    trainable_centres : bool
    seed : int
        Seed of the ±1 codes.
    **kwargs
        Passed to ``keras.layers.Layer``.

    Examples
    --------
    >>> import numpy as np
    >>> rbf = RBFOutput(3, seed=0)
    >>> x = np.zeros((1, 84), np.float32)
    >>> np.asarray(rbf(x))           # every ±1 code is 84 away from the origin
    array([[84., 84., 84.]], dtype=float32)
    >>> rbf.count_params(), len(rbf.trainable_weights)
    (252, 0)
    """

    def __init__(self, num_classes: int = 10, trainable_centres: bool = False, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = check_positive_int("num_classes", num_classes)
        self.trainable_centres = bool(trainable_centres)
        self.seed = check_non_negative_int("seed", seed)

    def build(self, input_shape):
        dim = input_shape[-1]
        if dim is None:
            raise ValueError(f"{self.name}: the last axis of the input must be known, received shape {input_shape}.")
        codes = np.random.default_rng(self.seed).choice(np.array([-1.0, 1.0]), size=(int(dim), self.num_classes))

        def initial_codes(shape, dtype=None):
            return ops.convert_to_tensor(codes.reshape(shape), dtype=dtype)

        self.centres = self.add_weight(shape=(int(dim), self.num_classes), initializer=initial_codes,
                                       trainable=self.trainable_centres, name="centres")

    def call(self, inputs):
        differences = ops.expand_dims(inputs, -1) - ops.cast(self.centres, inputs.dtype)
        return ops.sum(ops.square(differences), axis=-2)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.num_classes,)

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, trainable_centres=self.trainable_centres, seed=self.seed)
        return config


@_register
class RBFLoss(keras.losses.Loss):
    """LeCun et al.'s MAP criterion (1998, Equation 9) for distances from :class:`RBFOutput`.

    .. math:: E = y_{D} + \\log\\left(e^{-j} + \\sum_i e^{-y_i}\\right)

    where ``y_D`` is the distance to the correct class's centre. The first term pulls
    the correct distance down; the second pushes the other distances up (it is the
    log-partition of a softmax over ``-y`` plus a "rubbish" class at distance ``j``, so
    without the ``e^{-j}`` term this is exactly sparse categorical cross-entropy on
    ``-y``). The paper leaves ``j`` unspecified; 1.0 here.

    Labels are integer class indices, as for ``SparseCategoricalCrossentropy``.

    Examples
    --------
    >>> import numpy as np
    >>> loss = RBFLoss(j=1.0)
    >>> distances = np.array([[0.0, 50.0, 50.0]], np.float32)
    >>> round(float(loss(np.array([0]), distances)), 4)   # right class close, others far: ~0
    0.3133
    >>> round(float(loss(np.array([1]), distances)), 4)   # wrong class close: ~50
    50.3133
    """

    def __init__(self, j: float = 1.0, name: str = "rbf_map_loss", reduction="sum_over_batch_size", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.j = check_finite_number("j", j)

    def call(self, y_true, y_pred):
        labels = ops.reshape(ops.cast(y_true, "int32"), (-1, 1))
        correct = ops.take_along_axis(y_pred, labels, axis=-1)[:, 0]
        rubbish = ops.full_like(y_pred[:, :1], -self.j)
        return correct + ops.logsumexp(ops.concatenate([-y_pred, rubbish], axis=-1), axis=-1)

    def get_config(self):
        return {**super().get_config(), "j": self.j}


@_register
def rbf_accuracy(y_true, y_pred):
    """Accuracy for distance outputs (:class:`RBFOutput`): the prediction is the *closest* class.

    Examples
    --------
    >>> import numpy as np
    >>> float(rbf_accuracy(np.array([0, 2]), np.array([[1.0, 5.0, 9.0], [1.0, 5.0, 9.0]])))
    0.5
    """
    true_shape, pred_shape = tuple(ops.shape(y_true)), tuple(ops.shape(y_pred))
    if true_shape and pred_shape and isinstance(true_shape[0], int) and isinstance(pred_shape[0], int) \
            and true_shape[0] != pred_shape[0]:
        raise ValueError(f"y_true and y_pred must hold the same number of examples, received y_true of shape "
                         f"{true_shape} and y_pred of shape {pred_shape}.")
    labels = ops.reshape(ops.cast(y_true, "int32"), (-1,))
    predicted = ops.cast(ops.argmin(y_pred, axis=-1), "int32")
    return ops.mean(ops.cast(ops.equal(labels, predicted), "float32"))


# --------------------------------------------------------------------------- helpers


def _padding(padding) -> str:
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', received padding={padding!r}.")
    return padding.lower()


def _channels(input_shape, layer) -> int:
    if len(input_shape) != 4 or input_shape[-1] is None:
        raise ValueError(
            f"{layer.name} expects images (batch, height, width, channels) with a known number of channels, "
            f"received input shape {tuple(input_shape)}."
        )
    return int(input_shape[-1])


def _pooled_shape(input_shape, window: int, stride: int, padding: str):
    def size(n):
        if n is None:
            return None
        if padding == "same":
            return math.ceil(n / stride)
        return (n - window) // stride + 1

    batch, height, width, channels = input_shape
    return (batch, size(height), size(width), channels)
