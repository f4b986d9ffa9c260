"""The engine of :func:`cnnlab.models.diagram.diagram`: measuring text, a model as a chain of items, what each
layer says, the glyph of each item (a box, an inception module's branches, a residual unit's skip) and their
layout in columns and bands with the connectors between them. Private: the public face is
:mod:`cnnlab.models.diagram`.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache

from .inspect import activation_name, block_kind, layer_row, block_of

# Nothing here is for learners: diagram.py is the only caller. The names it uses are public within the package
# (no underscore) but not in __all__, so they need no bad-input rows (as in widgets/_drawing.py).
__all__: list[str] = []

# ----------------------------------------------------------------------------- the diagram: what it shows
#
# The diagram is measured in inches with y pointing up and drawn at one data unit per inch, so a font size
# in points is the size a learner sees when the figure is shown at its natural width (8 inches at most, the
# notebook column at 100 dpi). Each item of the chain (a layer, or a block: inception module, residual
# unit, auxiliary classifier) becomes a glyph: boxes, lines and labels placed relative to the point where its
# input arrives (x = 0 on its axis, y = 0 at its top). The layout stacks glyphs top to bottom in columns and
# joins them; the renderer turns the parts into matplotlib artists.

FONT = 9.0  # points: every text but the title
TITLE_FONT = 12.0
LINE = FONT * 1.3 / 72  # the height of one line of text, in inches
_PAD_X, _PAD_Y = 0.07, 0.045  # from a text to its box's edge
GAP = 0.27  # between two items of a column; their connector runs in it
HEAD = 0.075  # arrowhead length
_LANE = 0.08  # from a box to its name and shape
_COLUMN_GAP = 0.2  # the connector to the next column runs in its middle
_SIDE_GAP = 0.36  # between a column and the side outputs drawn beside it
MARGIN = 0.06
_MAX_WIDTH = 8.0  # the notebook column at 100 dpi
_TARGET_HEIGHT = 5.5  # add columns until the diagram is no taller (while it fits _MAX_WIDTH)
_MAX_COLUMNS = 8
_WRAP = 1.42  # the longest line of a layer's box before the description wraps
LEGEND_WIDTH = 5.8  # a narrow diagram is widened to this, so that its legend reads in a few lines
INK, MUTED, _EDGE, SKIP = "#222222", "#555555", "#555555", "#1b7837"
FILLS = {"input": "#ffffff", "conv": "#d4e5f7", "pool": "#fde0c2", "dense": "#e4d9ef", "merge": "#d5edd0",
          "other": "#ebebeb"}
FILL_NAMES = {"conv": "convolution", "pool": "pooling", "dense": "fully connected", "merge": "merge",
               "other": "other layer"}
_MODULE_FILL, _MODULE_EDGE = "#f3f7fb", "#8fb0d0"
# Drawn in the box of the layer they follow (when it is their only input and they its only reader).
_FOLLOWERS = ("BatchNormalization", "Activation", "ReLU", "LocalResponseNormalization")


@lru_cache(maxsize=1)
def _renderer():
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(1, 1, 100)


def text_width(text: str, bold: bool = False, size: float = FONT) -> float:
    """Width in inches of ``text`` in the current default font at ``size`` points, as Agg draws it at 100 dpi.

    (Hinting makes text a few per cent wider at 100 dpi than at a higher
    resolution, so this is the widest it will be drawn.)

    Examples
    --------
    >>> text_width("conv 3×3, 64") > text_width("conv 3×3")
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


def wrap_pieces(pieces, limit: float = _WRAP, sep: str = ", ", bold: bool = False) -> list:
    """Join ``pieces`` with ``sep`` into lines no wider than ``limit`` inches (a piece is never split).

    Examples
    --------
    >>> wrap_pieces(["conv 5×5", "6 maps"])
    ['conv 5×5, 6 maps']
    >>> wrap_pieces(["conv 7×7 /2", "64 maps", "ReLU"], limit=1.2)
    ['conv 7×7 /2', '64 maps, ReLU']
    """
    lines = []
    for piece in pieces:
        if lines and text_width(lines[-1] + sep + piece, bold) <= limit:
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


def layer_items(model) -> list:
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


def main_chain(model, items, owner):
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
    name = activation_name(layer)
    return {"relu": "ReLU"}.get(name, name)


def _stride_text(stride) -> str:
    if not stride or tuple(stride) == (1, 1):
        return ""
    return f" /{stride[0]}" if stride[0] == stride[1] else f" /{stride[0]}×{stride[1]}"


def _kernel_text(kernel) -> str:
    return f"{kernel[0]}×{kernel[1]}"


def _pieces(layer) -> list:
    """What ``layer`` does, in short pieces ("conv 5×5", "6 maps", "tanh") for :func:`wrap_pieces`."""
    row, kind = layer_row(layer), type(layer).__name__
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


def shape_text(shape) -> str:
    """An output shape as the diagram writes it (without the batch axis); ``""`` when it is unknown.

    Examples
    --------
    >>> shape_text((None, 28, 28, 6)), shape_text((None, 1000)), shape_text(None)
    ('28×28×6', '1,000', '')
    """
    if shape is None:
        return ""
    return "×".join(f"{d:,}" if d is not None else "?" for d in shape[1:])


def block_output(layers):
    """The layer of a block that no other layer of the block reads (its output)."""
    if len(layers) == 1:
        return layers[0]
    consumed = {parent.name for layer in layers for parent in _inbound(layer)}
    ends = [layer for layer in layers if layer.name not in consumed]
    return ends[-1] if ends else layers[-1]


# ----------------------------------------------------------------------------- glyphs: the parts of one item


@dataclass(frozen=True)
class Rect:
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
class Path:
    """A polyline, ending in an arrowhead if ``arrow``."""

    points: tuple
    arrow: bool = False
    dashed: bool = False
    colour: str = _EDGE
    width: float = 1.0
    gid: str = ""


@dataclass(frozen=True)
class Label:
    """One line of text starting at ``x``, vertically centred on ``y``."""

    x: float
    y: float
    text: str
    colour: str = INK
    gid: str = ""


@dataclass(frozen=True)
class Dot:
    """A junction: a line branches here."""

    x: float
    y: float
    colour: str = _EDGE


def _moved(part, dx: float, dy: float):
    if isinstance(part, Path):
        return replace(part, points=tuple((x + dx, y + dy) for x, y in part.points))
    if isinstance(part, Rect):
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
    height = max(len(lines), 2) * LINE + 2 * _PAD_Y
    box = Rect(0.0, 0.0, width, height, FILLS[fill], tuple(lines), gid=gid)
    side = width / 2 + _LANE
    return _Glyph([box], width / 2, width / 2, height, side, -_PAD_Y - LINE / 2, side, -height + _PAD_Y + LINE / 2)


def _layer_lines(item) -> list:
    """A layer's description, and on the next line(s) the batch norm / activation layers fused into it."""
    first, *followers = item.layers
    lines = wrap_pieces(_pieces(first))
    if followers:
        pieces = [piece for layer in followers for piece in _pieces(layer)]
        lines += wrap_pieces([f"+ {pieces[0]}", *pieces[1:]])
    return lines


def _layer_glyph(item, width: float, legend: set) -> _Glyph:
    lines = _layer_lines(item)
    legend.add(_fill(item.layers[0]))
    return _box_glyph([(line, False) for line in lines], width, _fill(item.layers[0]), f"box:{item.name}")


def _block_glyph(item, legend: set) -> _Glyph:
    """A block without a drawing of its own (an auxiliary classifier): its kind, then its layers, one per line."""
    limit = 1.1  # drawn beside the chain: narrower than a layer's box
    lines = [(line, True) for line in wrap_pieces(block_kind(item.block).lower().split(" "), limit, " ", bold=True)]
    for layer in item.layers:
        lines += [(line, False) for line in wrap_pieces(_pieces(layer), limit)]
    legend.add("other")
    width = max(text_width(text, bold) for text, bold in lines) + 2 * _PAD_X
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
    row, kind = layer_row(layer), type(layer).__name__
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
    cell_w = max(text_width(text) for column in cells for lines in column for text in lines) + 2 * 0.025
    cell_h, cell_gap, bus, step, pad = 2 * LINE + 2 * 0.03, 0.04, 0.1, 0.12, 0.05
    bar_h = LINE + 2 * _PAD_Y
    inner = max(len(cells) * cell_w + (len(cells) - 1) * cell_gap, text_width("depth concat") + 2 * _PAD_X)
    xs = [(k - (len(cells) - 1) / 2) * (cell_w + cell_gap) for k in range(len(cells))]
    rows = max(len(column) for column in cells)

    def row_top(r):
        return -bus - step - r * (cell_h + step)

    concat_top = row_top(rows)
    parts = [Path(((0.0, 0.0), (0.0, -bus))), Path(((xs[0], -bus), (xs[-1], -bus)))]
    for x, branch, column in zip(xs, branches, cells):
        parts.append(Path(((x, -bus), (x, row_top(0))), arrow=True))
        for r, (layer, lines) in enumerate(zip(branch, column)):
            if r:
                parts.append(Path(((x, row_top(r - 1) - cell_h), (x, row_top(r))), arrow=True))
            parts.append(Rect(x, row_top(r), cell_w, cell_h, FILLS[_fill(layer)],
                               tuple((text, False) for text in lines), gid=f"branch:{layer.name}"))
            legend.add(_fill(layer))
        parts.append(Path(((x, row_top(len(column) - 1) - cell_h), (x, concat_top)), arrow=True))
    parts.append(Rect(0.0, concat_top, inner, bar_h, FILLS["merge"], (("depth concat", False),),
                       gid=f"concat:{item.name}"))
    bottom = concat_top - bar_h - pad
    parts.append(Path(((0.0, concat_top - bar_h), (0.0, bottom))))
    width = inner + 2 * pad
    parts.insert(0, Rect(0.0, 0.0, width, -bottom, _MODULE_FILL, edge=_MODULE_EDGE, gid=f"box:{item.name}",
                          zorder=1.0))
    legend.update({"merge", "inception"})
    side = width / 2 + _LANE
    return _Glyph(parts, width / 2, width / 2, -bottom, side, -_PAD_Y - LINE / 2, side,
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
    return convs >= 1 and kinds == expected and all(activation_name(layer) == "relu" for layer in relus)


def _conv_line(layer) -> str:
    row = layer_row(layer)
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
        lines = [line for layer in main for line in wrap_pieces(_pieces(layer))]
    add_text = ", ".join(["add", *(piece for layer in after for piece in _pieces(layer))])
    label = _skip_label(skip, legend)
    legend.update({"skip", "conv", "merge"})
    conv_w = max(text_width(line) for line in lines) + 2 * _PAD_X
    conv_h = len(lines) * LINE + 2 * _PAD_Y
    add_w, add_h = text_width(add_text) + 2 * _PAD_X, LINE + 2 * _PAD_Y
    entry = len(label) * LINE + 0.12 if label else 0.15
    x_skip = -max([conv_w / 2 + 0.16] + [text_width(line) + 0.14 for line in label])
    conv_top = -entry
    add_top = conv_top - conv_h - 0.15
    add_mid, bottom = add_top - add_h / 2, add_top - add_h
    parts = [
        Path(((0.0, 0.0), (x_skip, 0.0), (x_skip, add_mid), (-add_w / 2, add_mid)), arrow=True,
              dashed=bool(skip), colour=SKIP, width=1.5, gid=f"skip:{item.name}"),
        Dot(0.0, 0.0, SKIP),
        Path(((0.0, 0.0), (0.0, conv_top)), arrow=True),
        Rect(0.0, conv_top, conv_w, conv_h, FILLS["conv"], tuple((line, False) for line in lines),
              gid=f"box:{item.name}"),
        Path(((0.0, conv_top - conv_h), (0.0, add_top)), arrow=True),
        Rect(0.0, add_top, add_w, add_h, FILLS["merge"], ((add_text, False),), gid=f"add:{item.name}"),
    ]
    for k, line in enumerate(label):
        parts.append(Label(x_skip + 0.07, -0.06 - (k + 0.5) * LINE, line, colour=SKIP,
                            gid=f"projection:{item.name}"))
    return _Glyph(parts, -x_skip + 0.02, max(conv_w, add_w) / 2, -bottom, conv_w / 2 + _LANE,
                  conv_top - _PAD_Y - LINE / 2, add_w / 2 + _LANE, add_mid, arrow_in=False)


def _skip_label(skip, legend: set) -> list:
    """The lines written beside a projection skip ("1×1 conv", "stride 2"); none for an identity skip."""
    if not skip:
        return []
    if [type(layer).__name__ for layer in skip] != ["Conv2D", "BatchNormalization"]:
        legend.add("skip-other")
        return wrap_pieces([piece for layer in skip for piece in _pieces(layer)], limit=0.9)
    legend.add("projection")
    row = layer_row(skip[0])
    stride = row["stride"]
    lines = [f"{_kernel_text(row['kernel'])} conv"]
    if stride != (1, 1):
        lines.append(f"stride {stride[0]}" if stride[0] == stride[1] else f"stride {stride[0]}×{stride[1]}")
    return lines


def written_text(glyphs):
    """Every text the glyphs write, one by one."""
    for glyph in glyphs:
        for part in glyph.parts:
            if isinstance(part, Rect):
                yield from (text for text, _ in part.lines)
            elif isinstance(part, Label):
                yield part.text


def make_glyphs(items, legend: set) -> list:
    """One glyph per item; the plain layers' boxes share one width, so that a column reads as one."""
    plain = [item for item in items if item.block is None]
    width = max((text_width(line) for item in plain for line in _layer_lines(item)), default=0.0) + 2 * _PAD_X
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
    return max(glyph.right, glyph.name_x + text_width(name), glyph.out_x + text_width(shape))


def make_column(indices, glyphs, texts, runs) -> _Column:
    left = max(glyphs[i].left for i in indices)
    right = max(_reach(glyphs[i], *texts[i]) for i in indices)
    tops, y = {}, -GAP
    for i in indices:
        tops[i] = y
        y -= glyphs[i].height + GAP
    bottom = y + GAP
    column_runs = [(anchor, run) for anchor in indices for run in runs.get(anchor, [])]
    side = [j for _, run in column_runs for j in run]
    width, side_axis, side_tops = left + right, 0.0, {}
    if side:
        side_left = max(glyphs[j].left for j in side)
        side_axis = right + _SIDE_GAP + side_left
        width = left + side_axis + max(_reach(glyphs[j], *texts[j]) for j in side)
        last = math.inf
        for anchor, run in column_runs:
            top = min(tops[anchor] - glyphs[anchor].height - GAP, last - GAP)
            for j in run:
                side_tops[j] = top
                top -= glyphs[j].height + GAP
            last = top + GAP
            bottom = min(bottom, last)
    return _Column(list(indices), left, width, bottom, tops, side_tops, side_axis, right + _SIDE_GAP / 2,
                   column_runs)


def split_bands(columns, per_band: int | None) -> list:
    """Columns left to right, wrapping onto a new band below when the next would pass ``_MAX_WIDTH``."""
    bands, width = [[]], 2 * MARGIN
    for column in columns:
        full = per_band is not None and len(bands[-1]) >= per_band
        if bands[-1] and (full or width + _COLUMN_GAP + column.width > _MAX_WIDTH):
            bands.append([])
            width = 2 * MARGIN
        width += column.width + (_COLUMN_GAP if len(bands[-1]) else 0.0)
        bands[-1].append(column)
    return bands


def band_width(band) -> float:
    return sum(column.width for column in band) + _COLUMN_GAP * (len(band) - 1)


def vertical_columns(chain, glyphs, texts, runs, per_line):
    """The chain cut into columns: at most ``per_line`` items each, or as few as make it no taller than wide."""
    weights = [glyphs[i].height + GAP for i in chain]

    def columns_of(count, cap=None):
        return [make_column([chain[k] for k in run], glyphs, texts, runs) for run in _partition(weights, count, cap)]

    if per_line is not None:
        return columns_of(math.ceil(len(chain) / per_line), per_line)
    fitting = []
    for count in range(1, min(len(chain), _MAX_COLUMNS) + 1):
        columns = columns_of(count)
        if band_width(columns) + 2 * MARGIN > _MAX_WIDTH:
            continue
        height = -min(column.bottom for column in columns)
        if height <= _TARGET_HEIGHT:
            return columns
        fitting.append((height, count, columns))
    return min(fitting, key=lambda entry: entry[:2])[2] if fitting else columns_of(1)


def place_bands(bands, top: float, offset: float) -> float:
    """Give every column its place; return the bottom of the last band."""
    for band in bands:
        x = offset
        for column in band:
            column.x, column.y = x, top
            x += column.width + _COLUMN_GAP
        top += min(column.bottom for column in band) - GAP / 2
    return top + GAP / 2


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
            parts.append(Path(((x, _bottom(column, i, glyphs)), (x, _top(column, j))), arrow=glyphs[j].arrow_in,
                               gid=f"edge:{names[i]}->{names[j]}"))
        if k + 1 == len(flat):
            break
        nb, following = flat[k + 1]
        last, first = column.items[-1], following.items[0]
        if nb == b:  # the next column of the band: through the gap between them
            low, lane = column.y + column.bottom - GAP / 2, column.x + column.width + _COLUMN_GAP / 2
        else:  # the first column of the next band: under this band, along the left margin
            low, lane = min(c.y + c.bottom for c in bands[b]) - GAP / 2, MARGIN / 2
        high, x_next = following.y - GAP / 2, following.axis
        route = ((x, _bottom(column, last, glyphs)), (x, low), (lane, low), (lane, high), (x_next, high),
                 (x_next, _top(following, first)))
        parts.append(Path(route, arrow=glyphs[first].arrow_in, gid=f"edge:{names[last]}->{names[first]}"))
    return parts


def _side_connectors(column, glyphs, names) -> list:
    """From just under an anchor to each side run beside it (along a corridor left of the run), then down the run."""
    parts, x_side = [], column.x + column.left + column.side_axis
    corridor = column.x + column.left + column.corridor
    for anchor, run in column.runs:
        below = _bottom(column, anchor, glyphs)
        junction, top = below - GAP / 2, column.y + column.side_tops[run[0]]
        route = ((column.axis, below), (column.axis, junction), (corridor, junction), (corridor, top + GAP / 2),
                 (x_side, top + GAP / 2), (x_side, top))
        parts += [Dot(column.axis, junction),
                  Path(route, arrow=glyphs[run[0]].arrow_in, gid=f"edge:{names[anchor]}->{names[run[0]]}")]
        for i, j in zip(run, run[1:]):
            bottom = column.y + column.side_tops[i] - glyphs[i].height
            parts.append(Path(((x_side, bottom), (x_side, column.y + column.side_tops[j])),
                               arrow=glyphs[j].arrow_in, gid=f"edge:{names[i]}->{names[j]}"))
    return parts


def _item_parts(glyph, x: float, top: float, name: str, shape: str) -> list:
    parts = [_moved(part, x, top) for part in glyph.parts]
    parts.append(Label(x + glyph.name_x, top + glyph.name_y, name, gid=f"name:{name}"))
    if shape:
        parts.append(Label(x + glyph.out_x, top + glyph.out_y, shape, colour=MUTED, gid=f"shape:{name}"))
    return parts


def placed_parts(bands, glyphs, texts, names) -> list:
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
