"""A Keras model as the chapter tabulates it (Tables 13-1, 13-2) and draws it (Figures 13-11, 13-14).

Upper floor: the functions take a Keras model (so TensorFlow is already
imported) and :func:`diagram` imports matplotlib when called.

* :func:`layer_table` - one row per layer: type, maps, size, kernel, stride,
  padding, activation, parameters; shown as an HTML table in a notebook and as
  markdown by ``print``.
* :func:`diagram` - a chain of boxes, one per layer or per block (inception
  module, residual unit, auxiliary classifier), with the output shape under
  each box.

Blocks are recognised by layer names, the convention of
:mod:`cnnlab.models.googlenet` and :mod:`cnnlab.models.resnet`: every layer
whose name starts with ``inception3a_`` belongs to block ``inception3a``,
``stage2_unit1_conv1`` to ``stage2_unit1``, ``aux1_fc`` to ``aux1``.
"""

from __future__ import annotations

import html
import itertools
import math
import numbers
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache

__all__ = ["layer_table", "diagram", "LayerTable", "block_of"]

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


def _output_shape(layer):
    try:
        output = layer.output
    except (AttributeError, ValueError, RuntimeError):
        return None
    if isinstance(output, (list, tuple)):
        output = output[0]
    return tuple(output.shape)


def _activation_name(layer):
    activation = getattr(layer, "activation", None)
    if activation is None:
        name = type(layer).__name__
        return {"ReLU": "relu", "Softmax": "softmax"}.get(name)
    name = getattr(activation, "__name__", str(activation))
    return None if name == "linear" else name


def _row(layer, name=None) -> dict:
    shape = _output_shape(layer)
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
        "activation": _activation_name(layer),
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


def _check_model(model):
    import keras

    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a keras.Model, received model={model!r} (type {type(model).__name__}).")


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
    _check_model(model)
    if not isinstance(blocks, bool):
        raise ValueError(f"blocks must be True or False, received blocks={blocks!r}.")
    rows = [_row(layer, name) for name, layer in _flat_layers(model)]
    if rows and rows[0]["class"] != "InputLayer" and getattr(model, "inputs", None):
        shape = tuple(model.inputs[0].shape)  # a Sequential model does not list its input layer
        rows.insert(0, {**dict.fromkeys(COLUMNS), "layer": "input", "type": "Input", "class": "InputLayer",
                        "maps": shape[-1], "size": shape[1:3] if len(shape) == 4 else None, "parameters": 0})
    if blocks:
        rows = _block_rows(model, rows)
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    return LayerTable(model.name, rows, int(model.count_params()), int(trainable))


_BLOCK_KINDS = {"inception": "Inception module", "stage": "Residual unit", "aux": "Auxiliary classifier"}


def _block_kind(block: str) -> str:
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
            out.append({**dict.fromkeys(COLUMNS), "layer": block, "type": _block_kind(block), "class": "block",
                        "parameters": 0})
        merged = out[index[block]]
        merged["parameters"] += row["parameters"]
        if not merged.get("_ended"):  # the block's output: its *_concat / *_out / *_predictions layer
            merged["maps"], merged["size"] = row["maps"], row["size"]
            merged["_ended"] = row["layer"].endswith(_BLOCK_ENDS)
    for row in out:
        row.pop("_ended", None)
    return out


# ----------------------------------------------------------------------------- the diagram: what it shows
#
# The diagram is measured in inches with y pointing up and drawn at one data unit per inch, so a font size
# in points is the size a learner sees when the figure is shown at its natural width (8 inches at most, the
# notebook column at 100 dpi). Each item of the chain (a layer, or a block: inception module, residual
# unit, auxiliary classifier) becomes a glyph: boxes, lines and labels placed relative to the point where its
# input arrives (x = 0 on its axis, y = 0 at its top). The layout stacks glyphs top to bottom in columns and
# joins them; the renderer turns the parts into matplotlib artists.

_FONT = 9.0  # points: every text but the title
_TITLE_FONT = 12.0
_LINE = _FONT * 1.3 / 72  # the height of one line of text, in inches
_PAD_X, _PAD_Y = 0.07, 0.045  # from a text to its box's edge
_GAP = 0.27  # between two items of a column; their connector runs in it
_HEAD = 0.075  # arrowhead length
_LANE = 0.08  # from a box to its name and shape
_COLUMN_GAP = 0.2  # the connector to the next column runs in its middle
_SIDE_GAP = 0.36  # between a column and the side outputs drawn beside it
_MARGIN = 0.06
_MAX_WIDTH = 8.0  # the notebook column at 100 dpi
_TARGET_HEIGHT = 5.5  # add columns until the diagram is no taller (while it fits _MAX_WIDTH)
_MAX_COLUMNS = 8
_WRAP = 1.42  # the longest line of a layer's box before the description wraps
_LEGEND_WIDTH = 5.8  # a narrow diagram is widened to this, so that its legend reads in a few lines
_INK, _MUTED, _EDGE, _SKIP = "#222222", "#555555", "#555555", "#1b7837"
_FILLS = {"input": "#ffffff", "conv": "#d4e5f7", "pool": "#fde0c2", "dense": "#e4d9ef", "merge": "#d5edd0",
          "other": "#ebebeb"}
_FILL_NAMES = {"conv": "convolution", "pool": "pooling", "dense": "fully connected", "merge": "merge",
               "other": "other layer"}
_MODULE_FILL, _MODULE_EDGE = "#f3f7fb", "#8fb0d0"
# Drawn in the box of the layer they follow (when it is their only input and they its only reader).
_FOLLOWERS = ("BatchNormalization", "Activation", "ReLU", "LocalResponseNormalization")


@lru_cache(maxsize=1)
def _renderer():
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(1, 1, 100)


def _text_width(text: str, bold: bool = False, size: float = _FONT) -> float:
    """Width in inches of ``text`` in the current default font at ``size`` points, as Agg draws it at 100 dpi.

    (Hinting makes text a few per cent wider at 100 dpi than at a higher
    resolution, so this is the widest it will be drawn.)

    Examples
    --------
    >>> _text_width("conv 3×3, 64") > _text_width("conv 3×3")
    True
    """
    import matplotlib

    font = (str(matplotlib.rcParams["font.family"]), str(matplotlib.rcParams["font.sans-serif"]))
    return _measured_width(text, bold, size, font)


@lru_cache(maxsize=4096)
def _measured_width(text: str, bold: bool, size: float, font: tuple) -> float:
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(size=size, weight="bold" if bold else "normal")
    return _renderer().get_text_width_height_descent(text, prop, ismath=False)[0] / 100


def _wrap(pieces, limit: float = _WRAP, sep: str = ", ", bold: bool = False) -> list:
    """Join ``pieces`` with ``sep`` into lines no wider than ``limit`` inches (a piece is never split).

    Examples
    --------
    >>> _wrap(["conv 5×5", "6 maps"])
    ['conv 5×5, 6 maps']
    >>> _wrap(["conv 7×7 /2", "64 maps", "ReLU"], limit=1.2)
    ['conv 7×7 /2', '64 maps, ReLU']
    """
    lines = []
    for piece in pieces:
        if lines and _text_width(lines[-1] + sep + piece, bold) <= limit:
            lines[-1] += sep + piece
        else:
            lines.append(piece)
    return lines


def _partition(weights, parts: int, cap: int | None = None) -> list:
    """Cut ``weights`` (in order) into ``parts`` runs of at most ``cap`` items, the heaviest run as light as can be.

    Returns the runs as lists of indices. ``parts`` larger than the number of
    weights gives one run per weight.

    Examples
    --------
    >>> _partition([1, 1, 1, 3, 1, 1], 2)
    [[0, 1, 2], [3, 4, 5]]
    >>> _partition([1, 1, 1, 1, 1], 3, cap=2)
    [[0], [1, 2], [3, 4]]
    """
    n = len(weights)
    parts = min(parts, n)
    cap = cap or n
    prefix = [0.0, *itertools.accumulate(weights)]
    best = [[math.inf] * (n + 1) for _ in range(parts + 1)]
    cut = [[0] * (n + 1) for _ in range(parts + 1)]
    best[0][0] = 0.0
    for p in range(1, parts + 1):
        for j in range(p, n + 1):
            for i in range(max(p - 1, j - cap), j):
                cost = max(best[p - 1][i], prefix[j] - prefix[i])
                if cost < best[p][j]:
                    best[p][j], cut[p][j] = cost, i
    runs, j = [], n
    for p in range(parts, 0, -1):
        runs.append(list(range(cut[p][j], j)))
        j = cut[p][j]
    return runs[::-1]


# ----------------------------------------------------------------------------- the model as a chain of items


@dataclass
class _Item:
    """A layer (with the batch norm and activation layers that follow it) or a block of layers."""

    name: str
    layers: list
    block: str | None = None
    parents: list = field(default_factory=list)


def _inbound(layer) -> list:
    """The layers whose outputs ``layer`` reads (at its first call)."""
    return [tensor._keras_history[0] for node in layer._inbound_nodes[:1] for tensor in node.input_tensors]


def _model_layers(model) -> list:
    """``model.layers``, with the input layer first also for a ``Sequential`` model (which does not list it)."""
    layers = list(model.layers)
    names = {layer.name for layer in layers}
    inputs = [t._keras_history[0] for t in getattr(model, "inputs", None) or []]
    return [layer for layer in inputs if layer.name not in names] + layers


def _items(model) -> list:
    """Group the model's layers into items: blocks by :func:`block_of`, a layer with its batch norm / ReLU."""
    layers = _model_layers(model)
    consumers = Counter(parent.name for layer in layers for parent in _inbound(layer))
    items, owner, blocks = [], {}, {}
    for layer in layers:
        block = block_of(layer.name)
        last = items[-1] if items else None
        if block is not None and block in blocks:
            index = blocks[block]
            items[index].layers.append(layer)
        elif (block is None and last is not None and last.block is None and type(layer).__name__ in _FOLLOWERS
              and type(last.layers[0]).__name__ != "InputLayer"
              and [p.name for p in _inbound(layer)] == [last.layers[-1].name]
              and consumers[last.layers[-1].name] == 1):
            index = len(items) - 1
            last.layers.append(layer)
        else:
            index = len(items)
            items.append(_Item(block or layer.name, [layer], block))
            if block is not None:
                blocks[block] = index
        owner[layer.name] = index
    for index, item in enumerate(items):
        for layer in item.layers:
            for parent_layer in _inbound(layer):
                parent = owner.get(parent_layer.name)
                if parent is not None and parent != index and parent not in item.parents:
                    item.parents.append(parent)
    return items, owner


def _chain(model, items, owner):
    """The main chain (item indices from the input to the first output) and the side runs beside it.

    A side run is a list of items (a side output such as GoogLeNet's
    auxiliary classifiers) hanging from its anchor, the last chain item it
    reads from: ``{anchor: [run, ...]}``.
    """
    chain = [owner[model.outputs[0]._keras_history[0].name]]
    while items[chain[-1]].parents:
        chain.append(max(items[chain[-1]].parents))
    chain.reverse()
    on_chain = set(chain)
    runs, run_of = {}, {}
    for index, item in enumerate(items):
        if index in on_chain:
            continue
        previous = [p for p in item.parents if p in run_of]
        if previous and run_of[previous[0]][-1] == previous[0]:
            run = run_of[previous[0]]
        else:
            anchor = max((p for p in item.parents if p in on_chain), default=chain[-1])
            run = []
            runs.setdefault(anchor, []).append(run)
        run.append(index)
        run_of[index] = run
    return chain, runs


# ----------------------------------------------------------------------------- what a layer says


def _activation_text(layer):
    name = _activation_name(layer)
    return {"relu": "ReLU"}.get(name, name)


def _stride_text(stride) -> str:
    if not stride or tuple(stride) == (1, 1):
        return ""
    return f" /{stride[0]}" if stride[0] == stride[1] else f" /{stride[0]}×{stride[1]}"


def _kernel_text(kernel) -> str:
    return f"{kernel[0]}×{kernel[1]}"


def _pieces(layer) -> list:
    """What ``layer`` does, in short pieces ("conv 5×5", "6 maps", "tanh") for :func:`_wrap`."""
    row, kind = _row(layer), type(layer).__name__
    kernel = row["kernel"] and _kernel_text(row["kernel"]) + _stride_text(row["stride"])
    if kind in ("Conv2D", "PartialConv2D"):
        pieces = [f"{'partial ' if kind == 'PartialConv2D' else ''}conv {kernel}", f"{row['maps']:,} maps"]
        table = getattr(layer, "connections", None)
        if table is not None:
            pieces.append(f"{int(table.sum())} of {table.size} links")
    elif kind in ("MaxPooling2D", "AveragePooling2D", "ScaledAveragePooling2D"):
        pieces = [f"{'max' if kind.startswith('Max') else 'avg'} pool {kernel}"]
        if kind == "ScaledAveragePooling2D":
            pieces.append("× weight + bias")
    elif kind in ("Dense", "RBFOutput"):
        pieces = ["fully connected" if kind == "Dense" else "RBF output", f"{row['maps']:,} units"]
    else:
        pieces = [_PIECES.get(kind, lambda layer, row: row["type"])(layer, row)]
    activation = _activation_text(layer)
    return pieces + ([activation] if activation and kind not in ("Activation", "ReLU", "Softmax") else [])


_PIECES = {
    "InputLayer": lambda layer, row: "input image" if row["size"] else "input",
    "GlobalAveragePooling2D": lambda layer, row: "global avg pool",
    "GlobalMaxPooling2D": lambda layer, row: "global max pool",
    "LocalResponseNormalization": lambda layer, row: "LRN",
    "BatchNormalization": lambda layer, row: "batch norm",
    "Activation": lambda layer, row: _activation_text(layer) or "linear",
    "ReLU": lambda layer, row: "ReLU",
    "Softmax": lambda layer, row: "softmax",
    "Dropout": lambda layer, row: f"dropout {layer.rate * 100:g} %",
    "Flatten": lambda layer, row: "flatten",
    "Concatenate": lambda layer, row: "depth concat",
    "Add": lambda layer, row: "add",
    "ZeroPadding2D": lambda layer, row: "zero padding " + "/".join(
        sorted({str(p) for pair in layer.padding for p in pair}, key=int)),
}


def _fill(layer) -> str:
    kind = type(layer).__name__
    if kind == "InputLayer":
        return "input"
    if "Conv" in kind:
        return "conv"
    if "Pool" in kind:
        return "pool"
    if kind in ("Dense", "RBFOutput"):
        return "dense"
    if kind in ("Concatenate", "Add"):
        return "merge"
    return "other"


def _shape_text(shape) -> str:
    """An output shape as the diagram writes it (without the batch axis); ``""`` when it is unknown.

    Examples
    --------
    >>> _shape_text((None, 28, 28, 6)), _shape_text((None, 1000)), _shape_text(None)
    ('28×28×6', '1,000', '')
    """
    if shape is None:
        return ""
    return "×".join(f"{d:,}" if d is not None else "?" for d in shape[1:])


def _block_output(layers):
    """The layer of a block that no other layer of the block reads (its output)."""
    if len(layers) == 1:
        return layers[0]
    consumed = {parent.name for layer in layers for parent in _inbound(layer)}
    ends = [layer for layer in layers if layer.name not in consumed]
    return ends[-1] if ends else layers[-1]


# ----------------------------------------------------------------------------- glyphs: the parts of one item


@dataclass(frozen=True)
class _Rect:
    """A rounded box: centre ``x``, ``top``, size, fill, and lines of text ``(text, bold)`` centred in it."""

    x: float
    top: float
    width: float
    height: float
    fill: str
    lines: tuple = ()
    gid: str = ""
    edge: str = _EDGE
    zorder: float = 2.0


@dataclass(frozen=True)
class _Path:
    """A polyline, ending in an arrowhead if ``arrow``."""

    points: tuple
    arrow: bool = False
    dashed: bool = False
    colour: str = _EDGE
    width: float = 1.0
    gid: str = ""


@dataclass(frozen=True)
class _Label:
    """One line of text starting at ``x``, vertically centred on ``y``."""

    x: float
    y: float
    text: str
    colour: str = _INK
    gid: str = ""


@dataclass(frozen=True)
class _Dot:
    """A junction: a line branches here."""

    x: float
    y: float
    colour: str = _EDGE


def _moved(part, dx: float, dy: float):
    if isinstance(part, _Path):
        return replace(part, points=tuple((x + dx, y + dy) for x, y in part.points))
    if isinstance(part, _Rect):
        return replace(part, x=part.x + dx, top=part.top + dy)
    return replace(part, x=part.x + dx, y=part.y + dy)


@dataclass
class _Glyph:
    """An item's parts around its axis (input at (0, 0)), its extent, and where its name and shape go.

    The name is written at ``(name_x, name_y)``, the output shape at
    ``(out_x, out_y)``, both left-aligned, right of the drawing. ``arrow_in``
    says whether the connector from the previous item ends in an arrowhead
    (a block draws its own arrows from its input point).
    """

    parts: list
    left: float
    right: float
    height: float
    name_x: float
    name_y: float
    out_x: float
    out_y: float
    arrow_in: bool = True


def _box_glyph(lines, width: float, fill: str, gid: str) -> _Glyph:
    """A box holding ``lines`` ((text, bold) pairs), at least two lines high (its name and shape sit beside it)."""
    height = max(len(lines), 2) * _LINE + 2 * _PAD_Y
    box = _Rect(0.0, 0.0, width, height, _FILLS[fill], tuple(lines), gid=gid)
    side = width / 2 + _LANE
    return _Glyph([box], width / 2, width / 2, height, side, -_PAD_Y - _LINE / 2, side, -height + _PAD_Y + _LINE / 2)


def _layer_lines(item) -> list:
    """A layer's description, and on the next line(s) the batch norm / activation layers fused into it."""
    first, *followers = item.layers
    lines = _wrap(_pieces(first))
    if followers:
        pieces = [piece for layer in followers for piece in _pieces(layer)]
        lines += _wrap([f"+ {pieces[0]}", *pieces[1:]])
    return lines


def _layer_glyph(item, width: float, legend: set) -> _Glyph:
    lines = _layer_lines(item)
    legend.add(_fill(item.layers[0]))
    return _box_glyph([(line, False) for line in lines], width, _fill(item.layers[0]), f"box:{item.name}")


def _block_glyph(item, legend: set) -> _Glyph:
    """A block without a drawing of its own (an auxiliary classifier): its kind, then its layers, one per line."""
    limit = 1.1  # drawn beside the chain: narrower than a layer's box
    lines = [(line, True) for line in _wrap(_block_kind(item.block).lower().split(" "), limit, " ", bold=True)]
    for layer in item.layers:
        lines += [(line, False) for line in _wrap(_pieces(layer), limit)]
    legend.add("other")
    width = max(_text_width(text, bold) for text, bold in lines) + 2 * _PAD_X
    return _box_glyph(lines, width, "other", f"box:{item.name}")


def _branches(item):
    """The inception module's branches (lists of layers, in the concatenation's order), or ``None``."""
    concat = [layer for layer in item.layers if type(layer).__name__ == "Concatenate"]
    if len(concat) != 1:
        return None
    inside, branches = {layer.name for layer in item.layers}, []
    for layer in _inbound(concat[0]):
        walked = _path_back(layer, inside)
        if walked is None or not walked[0]:
            return None
        branches.append(walked[0])
    return branches


def _path_back(layer, inside: set):
    """The chain of layers inside a block that ends at ``layer``, walked back to the block's input.

    Returns ``(layers from first to last, name of the layer it starts from)``, or ``None``
    when a layer on the way has more than one input (not a simple path).
    """
    path = []
    while layer.name in inside:
        path.insert(0, layer)
        parents = _inbound(layer)
        if len(parents) != 1:
            return None
        layer = parents[0]
    return path, layer.name


def _cell_lines(layer) -> list:
    """A branch layer of an inception module in two short lines: kernel over maps, or "max" over the window."""
    row, kind = _row(layer), type(layer).__name__
    if row["kernel"] is None:
        return [_pieces(layer)[0]]
    window = _kernel_text(row["kernel"]) + _stride_text(row["stride"]).replace(" ", "")
    if "Pool" in kind:
        return ["max" if kind.startswith("Max") else "avg", window]
    return [window, f"{row['maps']:,}"]


def _inception_glyph(item, legend: set):
    """Four branches side by side, fanned out from the input and merged by the depth concatenation."""
    branches = _branches(item)
    if branches is None:
        return None
    cells = [[_cell_lines(layer) for layer in branch] for branch in branches]
    cell_w = max(_text_width(text) for column in cells for lines in column for text in lines) + 2 * 0.025
    cell_h, cell_gap, bus, step, pad = 2 * _LINE + 2 * 0.03, 0.04, 0.1, 0.12, 0.05
    bar_h = _LINE + 2 * _PAD_Y
    inner = max(len(cells) * cell_w + (len(cells) - 1) * cell_gap, _text_width("depth concat") + 2 * _PAD_X)
    xs = [(k - (len(cells) - 1) / 2) * (cell_w + cell_gap) for k in range(len(cells))]
    rows = max(len(column) for column in cells)

    def row_top(r):
        return -bus - step - r * (cell_h + step)

    concat_top = row_top(rows)
    parts = [_Path(((0.0, 0.0), (0.0, -bus))), _Path(((xs[0], -bus), (xs[-1], -bus)))]
    for x, branch, column in zip(xs, branches, cells):
        parts.append(_Path(((x, -bus), (x, row_top(0))), arrow=True))
        for r, (layer, lines) in enumerate(zip(branch, column)):
            if r:
                parts.append(_Path(((x, row_top(r - 1) - cell_h), (x, row_top(r))), arrow=True))
            parts.append(_Rect(x, row_top(r), cell_w, cell_h, _FILLS[_fill(layer)],
                               tuple((text, False) for text in lines), gid=f"branch:{layer.name}"))
            legend.add(_fill(layer))
        parts.append(_Path(((x, row_top(len(column) - 1) - cell_h), (x, concat_top)), arrow=True))
    parts.append(_Rect(0.0, concat_top, inner, bar_h, _FILLS["merge"], (("depth concat", False),),
                       gid=f"concat:{item.name}"))
    bottom = concat_top - bar_h - pad
    parts.append(_Path(((0.0, concat_top - bar_h), (0.0, bottom))))
    width = inner + 2 * pad
    parts.insert(0, _Rect(0.0, 0.0, width, -bottom, _MODULE_FILL, edge=_MODULE_EDGE, gid=f"box:{item.name}",
                          zorder=1.0))
    legend.update({"merge", "inception"})
    side = width / 2 + _LANE
    return _Glyph(parts, width / 2, width / 2, -bottom, side, -_PAD_Y - _LINE / 2, side,
                  concat_top - bar_h / 2, arrow_in=False)


def _unit_paths(item):
    """A residual unit's main path and skip path (layers from its input to its add) and the layers after the add."""
    adds = [layer for layer in item.layers if type(layer).__name__ == "Add"]
    if len(adds) != 1 or len(_inbound(adds[0])) != 2:
        return None
    inside, paths = {layer.name for layer in item.layers}, []
    for layer in _inbound(adds[0]):
        walked = _path_back(layer, inside)
        if walked is None:
            return None
        paths.append(walked)
    if paths[0][1] != paths[1][1]:  # both paths must start from the unit's input
        return None
    skip, main = sorted((path for path, _ in paths), key=len)
    used = {layer.name for layer in main + skip + adds}
    return main, skip, [layer for layer in item.layers if layer.name not in used]


def _standard_main_path(main) -> bool:
    """conv, batch norm, ReLU, ..., conv, batch norm: drawn as its convolutions only (the legend says the rest)."""
    kinds = [type(layer).__name__ for layer in main]
    convs = kinds.count("Conv2D")
    expected = ["Conv2D", "BatchNormalization", "Activation"] * (convs - 1) + ["Conv2D", "BatchNormalization"]
    relus = [layer for layer in main if type(layer).__name__ == "Activation"]
    return convs >= 1 and kinds == expected and all(_activation_name(layer) == "relu" for layer in relus)


def _conv_line(layer) -> str:
    row = _row(layer)
    return f"conv {_kernel_text(row['kernel'])}{_stride_text(row['stride'])}, {row['maps']:,}"


def _residual_glyph(item, legend: set):
    """The unit's convolutions, its add, and the skip connection beside them (dashed when it is a projection)."""
    paths = _unit_paths(item)
    if paths is None:
        return None
    main, skip, after = paths
    if _standard_main_path(main):
        lines = [_conv_line(layer) for layer in main if type(layer).__name__ == "Conv2D"]
        legend.add("unit")
    else:
        lines = [line for layer in main for line in _wrap(_pieces(layer))]
    add_text = ", ".join(["add", *(piece for layer in after for piece in _pieces(layer))])
    label = _skip_label(skip, legend)
    legend.update({"skip", "conv", "merge"})
    conv_w = max(_text_width(line) for line in lines) + 2 * _PAD_X
    conv_h = len(lines) * _LINE + 2 * _PAD_Y
    add_w, add_h = _text_width(add_text) + 2 * _PAD_X, _LINE + 2 * _PAD_Y
    entry = len(label) * _LINE + 0.12 if label else 0.15
    x_skip = -max([conv_w / 2 + 0.16] + [_text_width(line) + 0.14 for line in label])
    conv_top = -entry
    add_top = conv_top - conv_h - 0.15
    add_mid, bottom = add_top - add_h / 2, add_top - add_h
    parts = [
        _Path(((0.0, 0.0), (x_skip, 0.0), (x_skip, add_mid), (-add_w / 2, add_mid)), arrow=True,
              dashed=bool(skip), colour=_SKIP, width=1.5, gid=f"skip:{item.name}"),
        _Dot(0.0, 0.0, _SKIP),
        _Path(((0.0, 0.0), (0.0, conv_top)), arrow=True),
        _Rect(0.0, conv_top, conv_w, conv_h, _FILLS["conv"], tuple((line, False) for line in lines),
              gid=f"box:{item.name}"),
        _Path(((0.0, conv_top - conv_h), (0.0, add_top)), arrow=True),
        _Rect(0.0, add_top, add_w, add_h, _FILLS["merge"], ((add_text, False),), gid=f"add:{item.name}"),
    ]
    for k, line in enumerate(label):
        parts.append(_Label(x_skip + 0.07, -0.06 - (k + 0.5) * _LINE, line, colour=_SKIP,
                            gid=f"projection:{item.name}"))
    return _Glyph(parts, -x_skip + 0.02, max(conv_w, add_w) / 2, -bottom, conv_w / 2 + _LANE,
                  conv_top - _PAD_Y - _LINE / 2, add_w / 2 + _LANE, add_mid, arrow_in=False)


def _skip_label(skip, legend: set) -> list:
    """The lines written beside a projection skip ("1×1 conv", "stride 2"); none for an identity skip."""
    if not skip:
        return []
    if [type(layer).__name__ for layer in skip] != ["Conv2D", "BatchNormalization"]:
        legend.add("skip-other")
        return _wrap([piece for layer in skip for piece in _pieces(layer)], limit=0.9)
    legend.add("projection")
    row = _row(skip[0])
    stride = row["stride"]
    lines = [f"{_kernel_text(row['kernel'])} conv"]
    if stride != (1, 1):
        lines.append(f"stride {stride[0]}" if stride[0] == stride[1] else f"stride {stride[0]}×{stride[1]}")
    return lines


def _written(glyphs):
    """Every text the glyphs write, one by one."""
    for glyph in glyphs:
        for part in glyph.parts:
            if isinstance(part, _Rect):
                yield from (text for text, _ in part.lines)
            elif isinstance(part, _Label):
                yield part.text


def _glyphs(items, legend: set) -> list:
    """One glyph per item; the plain layers' boxes share one width, so that a column reads as one."""
    plain = [item for item in items if item.block is None]
    width = max((_text_width(line) for item in plain for line in _layer_lines(item)), default=0.0) + 2 * _PAD_X
    glyphs = []
    for item in items:
        glyph = None
        if item.block is not None and item.block.startswith("inception"):
            glyph = _inception_glyph(item, legend)
        elif item.block is not None and item.block.startswith("stage"):
            glyph = _residual_glyph(item, legend)
        if glyph is None:
            glyph = _layer_glyph(item, width, legend) if item.block is None else _block_glyph(item, legend)
        glyphs.append(glyph)
    return glyphs


# ----------------------------------------------------------------------------- layout: columns, bands, connectors


@dataclass
class _Column:
    """Chain items stacked top to bottom (``tops`` relative to the column's top), side runs beside them."""

    items: list
    left: float
    width: float
    bottom: float
    tops: dict
    side_tops: dict
    side_axis: float
    corridor: float
    runs: list
    x: float = 0.0  # set when the column is placed: its left edge and its top
    y: float = 0.0

    @property
    def axis(self) -> float:
        return self.x + self.left


def _reach(glyph, name: str, shape: str) -> float:
    """How far right of its axis an item reaches, its name and shape included."""
    return max(glyph.right, glyph.name_x + _text_width(name), glyph.out_x + _text_width(shape))


def _column(indices, glyphs, texts, runs) -> _Column:
    left = max(glyphs[i].left for i in indices)
    right = max(_reach(glyphs[i], *texts[i]) for i in indices)
    tops, y = {}, -_GAP
    for i in indices:
        tops[i] = y
        y -= glyphs[i].height + _GAP
    bottom = y + _GAP
    column_runs = [(anchor, run) for anchor in indices for run in runs.get(anchor, [])]
    side = [j for _, run in column_runs for j in run]
    width, side_axis, side_tops = left + right, 0.0, {}
    if side:
        side_left = max(glyphs[j].left for j in side)
        side_axis = right + _SIDE_GAP + side_left
        width = left + side_axis + max(_reach(glyphs[j], *texts[j]) for j in side)
        last = math.inf
        for anchor, run in column_runs:
            top = min(tops[anchor] - glyphs[anchor].height - _GAP, last - _GAP)
            for j in run:
                side_tops[j] = top
                top -= glyphs[j].height + _GAP
            last = top + _GAP
            bottom = min(bottom, last)
    return _Column(list(indices), left, width, bottom, tops, side_tops, side_axis, right + _SIDE_GAP / 2,
                   column_runs)


def _bands(columns, per_band: int | None) -> list:
    """Columns left to right, wrapping onto a new band below when the next would pass ``_MAX_WIDTH``."""
    bands, width = [[]], 2 * _MARGIN
    for column in columns:
        full = per_band is not None and len(bands[-1]) >= per_band
        if bands[-1] and (full or width + _COLUMN_GAP + column.width > _MAX_WIDTH):
            bands.append([])
            width = 2 * _MARGIN
        width += column.width + (_COLUMN_GAP if len(bands[-1]) else 0.0)
        bands[-1].append(column)
    return bands


def _band_width(band) -> float:
    return sum(column.width for column in band) + _COLUMN_GAP * (len(band) - 1)


def _vertical_columns(chain, glyphs, texts, runs, per_line):
    """The chain cut into columns: at most ``per_line`` items each, or as few as make it no taller than wide."""
    weights = [glyphs[i].height + _GAP for i in chain]

    def columns_of(count, cap=None):
        return [_column([chain[k] for k in run], glyphs, texts, runs) for run in _partition(weights, count, cap)]

    if per_line is not None:
        return columns_of(math.ceil(len(chain) / per_line), per_line)
    fitting = []
    for count in range(1, min(len(chain), _MAX_COLUMNS) + 1):
        columns = columns_of(count)
        if _band_width(columns) + 2 * _MARGIN > _MAX_WIDTH:
            continue
        height = -min(column.bottom for column in columns)
        if height <= _TARGET_HEIGHT:
            return columns
        fitting.append((height, count, columns))
    return min(fitting, key=lambda entry: entry[:2])[2] if fitting else columns_of(1)


def _place(bands, top: float, offset: float) -> float:
    """Give every column its place; return the bottom of the last band."""
    for band in bands:
        x = offset
        for column in band:
            column.x, column.y = x, top
            x += column.width + _COLUMN_GAP
        top += min(column.bottom for column in band) - _GAP / 2
    return top + _GAP / 2


def _top(column, index) -> float:
    return column.y + column.tops[index]


def _bottom(column, index, glyphs) -> float:
    return column.y + column.tops[index] - glyphs[index].height


def _connectors(bands, glyphs, names) -> list:
    """Lines from each chain item to the next: straight down a column, around to the next column or band."""
    parts, flat = [], [(b, column) for b, band in enumerate(bands) for column in band]
    for k, (b, column) in enumerate(flat):
        x = column.axis
        for i, j in zip(column.items, column.items[1:]):
            parts.append(_Path(((x, _bottom(column, i, glyphs)), (x, _top(column, j))), arrow=glyphs[j].arrow_in,
                               gid=f"edge:{names[i]}->{names[j]}"))
        if k + 1 == len(flat):
            break
        nb, following = flat[k + 1]
        last, first = column.items[-1], following.items[0]
        if nb == b:  # the next column of the band: through the gap between them
            low, lane = column.y + column.bottom - _GAP / 2, column.x + column.width + _COLUMN_GAP / 2
        else:  # the first column of the next band: under this band, along the left margin
            low, lane = min(c.y + c.bottom for c in bands[b]) - _GAP / 2, _MARGIN / 2
        high, x_next = following.y - _GAP / 2, following.axis
        route = ((x, _bottom(column, last, glyphs)), (x, low), (lane, low), (lane, high), (x_next, high),
                 (x_next, _top(following, first)))
        parts.append(_Path(route, arrow=glyphs[first].arrow_in, gid=f"edge:{names[last]}->{names[first]}"))
    return parts


def _side_connectors(column, glyphs, names) -> list:
    """From just under an anchor to each side run beside it (along a corridor left of the run), then down the run."""
    parts, x_side = [], column.x + column.left + column.side_axis
    corridor = column.x + column.left + column.corridor
    for anchor, run in column.runs:
        below = _bottom(column, anchor, glyphs)
        junction, top = below - _GAP / 2, column.y + column.side_tops[run[0]]
        route = ((column.axis, below), (column.axis, junction), (corridor, junction), (corridor, top + _GAP / 2),
                 (x_side, top + _GAP / 2), (x_side, top))
        parts += [_Dot(column.axis, junction),
                  _Path(route, arrow=glyphs[run[0]].arrow_in, gid=f"edge:{names[anchor]}->{names[run[0]]}")]
        for i, j in zip(run, run[1:]):
            bottom = column.y + column.side_tops[i] - glyphs[i].height
            parts.append(_Path(((x_side, bottom), (x_side, column.y + column.side_tops[j])),
                               arrow=glyphs[j].arrow_in, gid=f"edge:{names[i]}->{names[j]}"))
    return parts


def _item_parts(glyph, x: float, top: float, name: str, shape: str) -> list:
    parts = [_moved(part, x, top) for part in glyph.parts]
    parts.append(_Label(x + glyph.name_x, top + glyph.name_y, name, gid=f"name:{name}"))
    if shape:
        parts.append(_Label(x + glyph.out_x, top + glyph.out_y, shape, colour=_MUTED, gid=f"shape:{name}"))
    return parts


def _placed_parts(bands, glyphs, texts, names) -> list:
    """Every item's parts at its place (a side run right after its anchor), then the connectors."""
    parts = []
    for band in bands:
        for column in band:
            side_of = {}
            for anchor, run in column.runs:
                side_of.setdefault(anchor, []).extend(run)
            for i in column.items:
                parts += _item_parts(glyphs[i], column.axis, column.y + column.tops[i], *texts[i])
                for j in side_of.get(i, []):
                    x_side = column.x + column.left + column.side_axis
                    parts += _item_parts(glyphs[j], x_side, column.y + column.side_tops[j], *texts[j])
            parts += _side_connectors(column, glyphs, names)
    return parts + _connectors(bands, glyphs, names)


# ----------------------------------------------------------------------------- the legend


def _legend_notes(legend: set) -> list:
    notes = ["Beside each box: its name and (grey) its output shape, height × width × maps or units."]
    strides = sorted((int(key[7:]) for key in legend if key.startswith("stride:")))
    if strides:
        notes.append(f"{', '.join(f'/{s}' for s in strides)}: stride {', '.join(map(str, strides))}.")
    if "lrn" in legend:
        notes.append("LRN: local response normalisation.")
    if "inception" in legend:
        notes.append("Inception module: four branches read the same input (in each box the kernel size over the "
                     "number of maps; max: max pooling), and their maps are stacked (depth concat).")
    if "unit" in legend:
        notes.append("In a residual unit every conv is followed by batch norm, all but the last one by ReLU too.")
    return notes


def _legend(legend: set, x0: float, top: float, width: float) -> tuple:
    """The colour key, the skip connections' line styles and the notes; return the parts and the bottom."""
    parts, y = [], top - _LINE / 2
    x = x0
    merges = [name for key, name in (("inception", "depth concat"), ("skip", "add")) if key in legend]
    names = {**_FILL_NAMES, "merge": f"merge ({', '.join(merges)})" if merges else _FILL_NAMES["merge"]}
    for fill in ("conv", "pool", "dense", "merge", "other"):
        if fill not in legend:
            continue
        size = 0.26 + 0.06 + _text_width(names[fill]) + 0.2
        if x > x0 and x + size > x0 + width:
            x, y = x0, y - _LINE - 0.05
        parts += [_Rect(x + 0.13, y + 0.07, 0.26, 0.14, _FILLS[fill], gid=f"legend:{fill}"),
                  _Label(x + 0.32, y, names[fill], gid=f"legend:{fill}")]
        x += size
    samples = []
    if "skip" in legend:
        samples.append((False, "skip connection: the unit's input is added to the output of its convolutions"))
    if "projection" in legend:
        samples.append((True, "projection skip, where the unit changes the shape: the conv written beside it, "
                              "then batch norm"))
    elif "skip-other" in legend:
        samples.append((True, "skip connection through the layers written beside it"))
    for dashed, text in samples:
        for k, line in enumerate(_wrap(text.split(" "), width - 0.5, sep=" ")):
            y -= _LINE + 0.05
            if k == 0:
                parts.append(_Path(((x0, y), (x0 + 0.36, y)), dashed=dashed, colour=_SKIP, width=1.5,
                                   gid="legend:skip"))
            parts.append(_Label(x0 + 0.46, y, line, gid="legend:skip"))
    for note in _legend_notes(legend):
        for line in _wrap(note.split(" "), width, sep=" "):
            y -= _LINE + 0.02
            parts.append(_Label(x0, y, line, colour=_MUTED, gid="legend:note"))
    return parts, y - _LINE / 2


# ----------------------------------------------------------------------------- drawing


def _draw(ax, part, scale: float) -> None:
    from matplotlib.patches import Circle, FancyBboxPatch, Polygon

    if isinstance(part, _Rect):
        ax.add_patch(FancyBboxPatch((part.x - part.width / 2, part.top - part.height), part.width, part.height,
                                    boxstyle="round,pad=0,rounding_size=0.05", facecolor=part.fill,
                                    edgecolor=part.edge, linewidth=0.9 * scale, zorder=part.zorder, gid=part.gid))
        start = part.top - (part.height - len(part.lines) * _LINE) / 2 - _LINE / 2
        for k, (text, bold) in enumerate(part.lines):
            ax.text(part.x, start - k * _LINE, text, ha="center", va="center", fontsize=_FONT * scale,
                    fontweight="bold" if bold else "normal", color=_INK, zorder=part.zorder + 0.5, gid=part.gid)
    elif isinstance(part, _Label):
        ax.text(part.x, part.y, part.text, ha="left", va="center", fontsize=_FONT * scale, color=part.colour,
                zorder=4, gid=part.gid)
    elif isinstance(part, _Dot):
        ax.add_patch(Circle((part.x, part.y), 0.03, facecolor=part.colour, edgecolor="none", zorder=3, gid="dot"))
    else:
        _draw_path(ax, part, scale, Polygon)


def _draw_path(ax, part, scale: float, Polygon) -> None:
    points = [point for k, point in enumerate(part.points) if k == 0 or point != part.points[k - 1]]
    if len(points) < 2:
        return
    (x0, y0), (x1, y1) = points[-2], points[-1]
    if part.arrow:
        length = math.hypot(x1 - x0, y1 - y0)
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        base = (x1 - ux * _HEAD, y1 - uy * _HEAD)
        points[-1] = base
        half = 0.032
        ax.add_patch(Polygon([(x1, y1), (base[0] - uy * half, base[1] + ux * half),
                              (base[0] + uy * half, base[1] - ux * half)], closed=True, facecolor=part.colour,
                             edgecolor="none", zorder=3, gid=f"arrow:{part.gid}"))
    xs, ys = zip(*points)
    ax.plot(xs, ys, color=part.colour, linewidth=part.width * scale, zorder=1.5,
            linestyle=(0, (4, 2.5)) if part.dashed else "-", solid_capstyle="butt", solid_joinstyle="miter",
            gid=part.gid)


def _check_figsize(figsize):
    ok = (isinstance(figsize, (tuple, list)) and len(figsize) == 2
          and all(isinstance(v, numbers.Real) and not isinstance(v, bool) and 0 < v < math.inf for v in figsize))
    if not ok:
        raise ValueError(f"figsize must be (width, height) in inches, two positive numbers, received "
                         f"figsize={figsize!r}. Leave it out to get the diagram's natural size.")
    return float(figsize[0]), float(figsize[1])


def diagram(model, direction="vertical", per_line=None, figsize=None):
    """Draw ``model`` top to bottom, one box per layer or block, with its name and output shape beside it.

    Inception modules are drawn with their four branches and the depth
    concatenation that merges them (kernel size over number of maps in each
    branch box); residual units with their convolutions, their add and the
    skip connection beside them (dashed, with its convolution written beside
    it, when it is a projection); auxiliary classifiers and other side outputs
    beside the layer that feeds them. A batch norm or activation layer that
    follows a single layer is written in that layer's box. A legend under the
    diagram explains the colours, lines and notation. Links other than the
    chain, the blocks' own and the side outputs' are not drawn.

    Text is 9 pt (the title 12 pt) at the figure's natural size, which is at
    most 8 inches wide (the notebook column at 100 dpi) unless a single item
    is wider: a long chain is cut into columns read left to right, each top
    to bottom, and the columns wrap onto a new band below when they do not
    fit side by side.

    Parameters
    ----------
    model : keras.Model
        A functional or sequential model.
    direction : {"vertical", "horizontal"}
        ``"vertical"``: the chain runs down columns. ``"horizontal"`` (kept for
        older notebooks): one item per column, so the chain runs left to right
        in rows, each item still drawn top to bottom.
    per_line : int, optional
        At most this many items per column (``"vertical"``) or per row
        (``"horizontal"``). By default, as few columns as keep the diagram
        about 5.5 inches tall while it fits the width.
    figsize : tuple of float, optional
        The largest size, in inches, for the figure: the diagram keeps its
        proportions and shrinks to fit (its text with it). By default its
        natural size.

    Returns
    -------
    matplotlib.figure.Figure
        Each item's box (a module's or unit's frame) is a patch whose ``gid``
        is ``"box:<name>"``, drawn from the input to the output (a side output
        right after the item feeding it); a skip connection is a line with
        ``gid`` ``"skip:<unit>"``.

    Examples
    --------
    >>> import keras
    >>> from cnnlab.models.resnet import residual_unit
    >>> inputs = keras.Input((32, 32, 16), name="input")
    >>> x = residual_unit(inputs, 16, name="stage2_unit1")
    >>> x = residual_unit(x, 32, strides=2, name="stage3_unit1")
    >>> figure = diagram(keras.Model(inputs, x))
    >>> ax = figure.axes[0]
    >>> [p.get_gid() for p in ax.patches if (p.get_gid() or "").startswith("box:")]
    ['box:input', 'box:stage2_unit1', 'box:stage3_unit1']
    >>> [(line.get_gid(), line.get_linestyle()) for line in ax.lines if line.get_gid().startswith("skip:")]
    [('skip:stage2_unit1', '-'), ('skip:stage3_unit1', '--')]
    >>> bool(figure.get_size_inches()[0] <= 8)
    True
    """
    from .._validation import check_one_of, check_positive_int

    _check_model(model)
    direction = check_one_of("direction", direction, ("vertical", "horizontal"), normalize=str.lower)
    per_line = check_positive_int("per_line", per_line) if per_line is not None else None
    limit = _check_figsize(figsize) if figsize is not None else None

    items, owner = _items(model)
    chain, runs = _chain(model, items, owner)
    legend = set()
    glyphs = _glyphs(items, legend)
    names = [item.name for item in items]
    texts = [(item.name, _shape_text(_output_shape(_block_output(item.layers)))) for item in items]
    written = "\n".join(_written(glyphs))
    legend.update(f"stride:{stride}" for stride in re.findall(r"/(\d+)", written))
    if re.search(r"\bLRN\b", written):
        legend.add("lrn")

    if direction == "vertical":
        columns = _vertical_columns(chain, glyphs, texts, runs, per_line)
        bands = _bands(columns, None)
    else:
        bands = _bands([_column([i], glyphs, texts, runs) for i in chain], per_line)
    content = max(_band_width(band) for band in bands)
    width = max(content, _LEGEND_WIDTH, _text_width(model.name, True, _TITLE_FONT)) + 2 * _MARGIN
    title = _MARGIN + _TITLE_FONT * 1.3 / 72
    bottom = _place(bands, -title, _MARGIN + (width - 2 * _MARGIN - content) / 2)

    parts = _placed_parts(bands, glyphs, texts, names)
    key, bottom = _legend(legend, _MARGIN, bottom - _GAP / 2 - 0.12, width - 2 * _MARGIN)
    parts += key
    height = -bottom + _MARGIN / 2
    return _render(parts, width, height, model.name, limit)


def _render(parts, width: float, height: float, title: str, limit):
    import matplotlib.pyplot as plt

    scale = 1.0 if limit is None else min(limit[0] / width, limit[1] / height)
    figure = plt.figure(figsize=(width * scale, height * scale))
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(-height, 0)
    ax.axis("off")
    for part in parts:
        _draw(ax, part, scale)
    figure.suptitle(title, y=1 - _MARGIN / 2 / height, va="top", fontsize=_TITLE_FONT * scale, fontweight="bold")
    return figure
