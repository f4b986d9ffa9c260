"""A Keras model as the chapter tabulates it (Tables 13-1, 13-2) and draws it (Figures 13-11, 13-14).

Upper floor: the functions take a Keras model (so TensorFlow is already
imported). The diagram is drawn by :func:`cnnlab.models.diagram.diagram`.

* :func:`layer_table` - one row per layer: type, maps, size, kernel, stride,
  padding, activation, parameters; shown as an HTML table in a notebook and as
  markdown by ``print``.

Blocks are recognised by layer names, the convention of
:mod:`cnnlab.models.googlenet` and :mod:`cnnlab.models.resnet`: every layer
whose name starts with ``inception3a_`` belongs to block ``inception3a``,
``stage2_unit1_conv1`` to ``stage2_unit1``, ``aux1_fc`` to ``aux1``.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field

from .._validation import check_model

__all__ = ["layer_table", "LayerTable", "block_of"]

COLUMNS = ("layer", "type", "maps", "size", "kernel", "stride", "padding", "activation", "parameters")
_HEADERS = ("Layer", "Type", "Maps", "Size", "Kernel", "Stride", "Padding", "Activation", "Parameters")
_DASH = "–"
_LEFT = (0, 1, 6, 7)  # text columns: layer, type, padding, activation

_TYPE_NAMES = {
    "InputLayer": "Input",
    "Conv2D": "Convolution",
    "MaxPooling2D": "Max pooling",
    "AveragePooling2D": "Avg pooling",
    "GlobalAveragePooling2D": "Global avg pooling",
    "GlobalMaxPooling2D": "Global max pooling",
    "Dense": "Fully connected",
    "LocalResponseNormalization": "LRN",
    "BatchNormalization": "Batch norm",
    "Concatenate": "Depth concat",
    "Add": "Add",
    "Activation": "Activation",
    "Dropout": "Dropout",
    "Flatten": "Flatten",
}

_BLOCK_PATTERN = re.compile(r"^(inception[^_]+|stage\d+_unit\d+|aux\d+)_")


def block_of(layer_name: str):
    """Return the block a layer belongs to by its name, or ``None`` for a layer on its own.

    Examples
    --------
    >>> block_of("inception3a_5x5_reduce"), block_of("stage2_unit1_conv1"), block_of("aux1_fc")
    ('inception3a', 'stage2_unit1', 'aux1')
    >>> print(block_of("stem_conv1"))
    None
    """
    if not isinstance(layer_name, str):
        raise ValueError(f"layer_name must be a string, received layer_name={layer_name!r} "
                         f"(type {type(layer_name).__name__}).")
    match = _BLOCK_PATTERN.match(layer_name)
    return match.group(1) if match else None


# ----------------------------------------------------------------------------- the table


def _pair(value):
    if value is None:
        return None
    if isinstance(value, int):
        return (value, value)
    return tuple(int(v) for v in value)


def output_shape_of(layer):
    try:
        output = layer.output
    except (AttributeError, ValueError, RuntimeError):
        return None
    if isinstance(output, (list, tuple)):
        output = output[0]
    return tuple(output.shape)


def activation_name(layer):
    activation = getattr(layer, "activation", None)
    if activation is None:
        name = type(layer).__name__
        return {"ReLU": "relu", "Softmax": "softmax"}.get(name)
    name = getattr(activation, "__name__", str(activation))
    return None if name == "linear" else name


def layer_row(layer, name=None) -> dict:
    shape = output_shape_of(layer)
    maps = size = None
    if shape is not None:
        maps = shape[-1]
        if len(shape) == 4:
            size = (shape[1], shape[2])
    kernel = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None)
    stride = getattr(layer, "strides", None) if kernel is not None else None
    padding = getattr(layer, "padding", None) if kernel is not None else None
    class_name = type(layer).__name__
    return {
        "layer": name or layer.name,
        "type": _TYPE_NAMES.get(class_name, class_name),
        "class": class_name,
        "maps": maps,
        "size": size,
        "kernel": _pair(kernel),
        "stride": _pair(stride),
        "padding": padding.upper() if isinstance(padding, str) else None,
        "activation": activation_name(layer),
        "parameters": int(layer.count_params()) if layer.built else 0,
    }


def _format(column, value) -> str:
    if value is None:
        return _DASH
    if column in ("size", "kernel"):
        return f"{value[0]} × {value[1]}"
    if column == "stride":
        return str(value[0]) if value[0] == value[1] else f"{value[0]} × {value[1]}"
    if column in ("parameters", "maps"):
        return f"{value:,}"
    return str(value)


@dataclass
class LayerTable:
    """The rows of :func:`layer_table`, shown as HTML in notebooks and as markdown by ``print``.

    Attributes
    ----------
    name : str
        The model's name.
    rows : list of dict
        One dict per row with the keys of :data:`COLUMNS` (plus ``"class"``, the
        Keras class name). Missing values are ``None``; ``size``, ``kernel`` and
        ``stride`` are ``(height, width)`` pairs.
    total_parameters, trainable_parameters : int
        ``model.count_params()`` and the trainable part of it.
    """

    name: str
    rows: list = field(default_factory=list)
    total_parameters: int = 0
    trainable_parameters: int = 0

    def _cells(self):
        return [[_format(column, row[column]) for column in COLUMNS] for row in self.rows]

    def _footer(self) -> str:
        return (f"Total parameters: {self.total_parameters:,} "
                f"(trainable {self.trainable_parameters:,}, "
                f"non-trainable {self.total_parameters - self.trainable_parameters:,})")

    def to_markdown(self) -> str:
        """Return the table as GitHub markdown, with the totals on the last line."""
        lines = ["| " + " | ".join(_HEADERS) + " |",
                 "|" + "|".join(":---" if i in _LEFT else "---:" for i in range(len(_HEADERS))) + "|"]
        lines += ["| " + " | ".join(cells) + " |" for cells in self._cells()]
        return "\n".join([f"**{self.name}**", "", *lines, "", self._footer()])

    def __str__(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in _HEADERS)
        body = "".join(
            "<tr>" + "".join(
                f'<td style="text-align:{"left" if i in _LEFT else "right"}">{html.escape(c)}</td>'
                for i, c in enumerate(cells)
            ) + "</tr>"
            for cells in self._cells()
        )
        return (
            f'<table class="cnnlab-layer-table"><caption>{html.escape(self.name)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
            f'<tfoot><tr><td colspan="{len(_HEADERS)}">{html.escape(self._footer())}</td></tr></tfoot></table>'
        )


def _flat_layers(model, prefix=""):
    """(display name, layer) pairs; the layers of nested models are listed one by one as ``outer/inner``."""
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _flat_layers(layer, prefix=f"{prefix}{layer.name}/")
        else:
            yield f"{prefix}{layer.name}", layer


def layer_table(model, blocks=False) -> LayerTable:
    """Tabulate ``model`` layer by layer, like the chapter's Tables 13-1 and 13-2.

    Columns: layer name, type, maps (output channels, or units of a dense
    layer), size (output height × width), kernel, stride, padding, activation,
    parameters. Rows run from the input to the output (the book lists them the
    other way round); the first row is the input, also for a ``Sequential``
    model. Layers of a nested ``keras.Model`` are listed one by one, named
    ``outer/inner``.

    Parameters
    ----------
    model : keras.Model
        A built model.
    blocks : bool
        Give one row per block (inception module, residual unit, auxiliary
        classifier, see :func:`block_of`) instead of one per layer: the
        block's output maps and size and the sum of its parameters.

    Returns
    -------
    LayerTable
        ``.rows`` for code, ``print(table)`` for markdown, and an HTML table
        when it is the last value of a notebook cell.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([
    ...     keras.Input((28, 28, 1)),
    ...     keras.layers.Conv2D(6, 5, padding="same", activation="tanh", name="C1"),
    ...     keras.layers.MaxPooling2D(2, name="S2"),
    ...     keras.layers.Flatten(name="flatten"),
    ...     keras.layers.Dense(10, activation="softmax", name="F3"),
    ... ])
    >>> table = layer_table(model)
    >>> [row["layer"] for row in table.rows]
    ['input', 'C1', 'S2', 'flatten', 'F3']
    >>> table.rows[1]["size"], table.rows[1]["kernel"], table.rows[1]["parameters"]
    ((28, 28), (5, 5), 156)
    >>> print(table.to_markdown().splitlines()[6])
    | S2 | Max pooling | 6 | 14 × 14 | 2 × 2 | 2 | VALID | – | 0 |
    >>> table.total_parameters == model.count_params()
    True
    """
    check_model("model", model)
    if not isinstance(blocks, bool):
        raise ValueError(f"blocks must be True or False, received blocks={blocks!r}.")
    rows = [layer_row(layer, name) for name, layer in _flat_layers(model)]
    if rows and rows[0]["class"] != "InputLayer" and getattr(model, "inputs", None):
        shape = tuple(model.inputs[0].shape)  # a Sequential model does not list its input layer
        rows.insert(0, {**dict.fromkeys(COLUMNS), "layer": "input", "type": "Input", "class": "InputLayer",
                        "maps": shape[-1], "size": shape[1:3] if len(shape) == 4 else None, "parameters": 0})
    if blocks:
        rows = _block_rows(model, rows)
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    return LayerTable(model.name, rows, int(model.count_params()), int(trainable))


_BLOCK_KINDS = {"inception": "Inception module", "stage": "Residual unit", "aux": "Auxiliary classifier"}


def block_kind(block: str) -> str:
    return next(kind for prefix, kind in _BLOCK_KINDS.items() if block.startswith(prefix))


_BLOCK_ENDS = ("_concat", "_out", "_predictions")


def _block_rows(model, rows):
    out, index = [], {}
    for row in rows:
        block = block_of(row["layer"].split("/")[-1])
        if block is None:
            out.append(row)
            continue
        if block not in index:
            index[block] = len(out)
            out.append({**dict.fromkeys(COLUMNS), "layer": block, "type": block_kind(block), "class": "block",
                        "parameters": 0})
        merged = out[index[block]]
        merged["parameters"] += row["parameters"]
        if not merged.get("_ended"):  # the block's output: its *_concat / *_out / *_predictions layer
            merged["maps"], merged["size"] = row["maps"], row["size"]
            merged["_ended"] = row["layer"].endswith(_BLOCK_ENDS)
    for row in out:
        row.pop("_ended", None)
    return out
