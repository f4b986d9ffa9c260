"""The engine of :func:`cnnlab.memory.from_keras`: a built Keras model's layers read into :class:`~cnnlab.memory.LayerStats`.

memory.py does the arithmetic on shapes (the ground floor, no Keras); this module reads Keras'
objects (their shapes, kernels and ``count_params()``) into the same records, and is imported
only when a learner asks for it. Its names are the package's, not the course's (``__all__`` is
empty): the public face is ``memory.from_keras``.
"""

from __future__ import annotations

import math

from ._validation import check_model
from .memory import LayerStats, Network

__all__: list[str] = []


def _shape_of(tensor, what: str) -> tuple[int, ...]:
    if isinstance(tensor, (list, tuple)):  # several inputs or outputs: the first one stands for them
        tensor = tensor[0]
    shape = tuple(tensor.shape[1:])
    if any(d is None for d in shape):
        raise ValueError(
            f"{what} has an unknown size, shape {(None, *shape)}: memory needs fixed sizes; "
            "build the model for one input size, e.g. keras.Input(shape=(224, 224, 3))."
        )
    return tuple(int(d) for d in shape)


def _keras_layers(model, keras, prefix: str = ""):
    """The model's layers in order, nested models opened up, input layers left out."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.Model):
            yield from _keras_layers(layer, keras, f"{prefix}{layer.name}/")
        else:
            yield prefix, layer


def _keras_stats(layer, keras, prefix: str) -> LayerStats:
    L = keras.layers  # noqa: N806 - Keras' own spelling
    try:
        input_shape = _shape_of(layer.input, f"the input of layer {layer.name!r}")
        output_shape = _shape_of(layer.output, f"the output of layer {layer.name!r}")
    except (AttributeError, RuntimeError) as error:
        raise ValueError(
            f"cannot read the shapes of layer {layer.name!r} ({error}); from_keras reads models built "
            "from keras.Input or model.build(...), where each layer is called once."
        ) from error
    out = math.prod(output_shape)
    stores_output = True
    multiplications = 0
    kind = type(layer).__name__
    if isinstance(layer, L.SeparableConv2D):
        kind = "separable_conv2d"
        depthwise, pointwise = tuple(layer.depthwise_kernel.shape), tuple(layer.pointwise_kernel.shape)
        positions = out // pointwise[-1]
        multiplications = positions * math.prod(depthwise) + out * pointwise[-2]
    elif isinstance(layer, L.DepthwiseConv2D):
        kind = "depthwise_conv2d"
        multiplications = out * math.prod(tuple(layer.kernel.shape)[:-2])
    elif isinstance(layer, (L.Conv1D, L.Conv2D, L.Conv3D)):
        kind = {L.Conv1D: "conv1d", L.Conv2D: "conv2d", L.Conv3D: "conv3d"}.get(type(layer), kind)
        multiplications = out * math.prod(tuple(layer.kernel.shape)[:-1])
    elif isinstance(layer, L.Dense):
        kind = "dense"
        multiplications = out * int(layer.kernel.shape[0])
    elif isinstance(layer, L.MaxPooling2D):
        kind = "max_pool2d"
    elif isinstance(layer, L.AveragePooling2D):
        kind = "avg_pool2d"
    elif isinstance(layer, (L.Flatten, L.Reshape)):
        kind, stores_output = ("flatten" if isinstance(layer, L.Flatten) else "reshape"), False
    return LayerStats(name=prefix + layer.name, kind=kind, input_shape=input_shape, output_shape=output_shape,
                      params=int(layer.count_params()), multiplications=int(multiplications),
                      stores_output=stores_output)


def network_of(model) -> Network:
    """:func:`cnnlab.memory.from_keras`, which documents it (with an example).

    >>> import keras
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3)])
    >>> network_of(model).total_params == model.count_params() == 20
    True
    """
    import keras  # upper floor: only this function needs it

    check_model("model", model, single_input=True,
                fix="start it with keras.Input(shape=...) or call model.build((None, height, width, channels)) "
                    "first (subclassed models cannot be read)")
    input_shape = _shape_of(model.inputs[0], f"the input of model {model.name!r}")
    layers = tuple(_keras_stats(layer, keras, prefix) for prefix, layer in _keras_layers(model, keras))
    return Network(input_shape, layers)
