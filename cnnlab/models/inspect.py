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
import math
import re
from dataclasses import dataclass, field

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


# ----------------------------------------------------------------------------- the diagram


@dataclass
class _Box:
    name: str
    label: str
    layers: list
    shape: tuple | None
    parents: list = field(default_factory=list)


def _short(layer) -> str:
    row = _row(layer)
    kind = row["class"]
    if kind == "Conv2D":
        text = f"Conv {row['kernel'][0]}×{row['kernel'][1]}"
        text += f"/{row['stride'][0]}" if row["stride"][0] > 1 else ""
        return f"{text}, {row['maps']}"
    if kind in ("MaxPooling2D", "AveragePooling2D"):
        text = f"{'Max' if kind.startswith('Max') else 'Avg'} pool {row['kernel'][0]}×{row['kernel'][1]}"
        return text + (f"/{row['stride'][0]}" if row["stride"][0] > 1 else "")
    if kind == "Dense":
        return f"Dense {row['maps']}" + (f", {row['activation']}" if row["activation"] else "")
    return row["type"]


def _block_label(name, layers) -> str:
    kind = _block_kind(name)
    names = {layer.name for layer in layers}
    if kind == "Residual unit":
        if f"{name}_conv3" in names:
            kind = "Bottleneck unit"
        conv1 = next(layer for layer in layers if layer.name == f"{name}_conv1")
        strides = _pair(conv1.strides)
        conv2 = next((layer for layer in layers if layer.name == f"{name}_conv2"), None)
        if conv2 is not None and _pair(conv2.strides)[0] > strides[0]:
            strides = _pair(conv2.strides)
        if strides[0] > 1:
            kind += f" /{strides[0]}"
        if f"{name}_skip_conv" in names:
            kind += " + proj."
    return f"{name}\n{kind}"


def _boxes(model):
    boxes, owner, by_block = [], {}, {}
    for layer in model.layers:  # a block's layers need not be contiguous in model.layers
        block = block_of(layer.name)
        if block is not None and block in by_block:
            boxes[by_block[block]].layers.append(layer)
        else:
            boxes.append(_Box(block or layer.name, "", [layer], None))
            if block is not None:
                by_block[block] = len(boxes) - 1
        owner[layer.name] = by_block[block] if block is not None else len(boxes) - 1
    for i, box in enumerate(boxes):
        if block_of(box.layers[0].name):
            box.label = _block_label(box.name, box.layers)
        else:
            box.label = f"{box.name}\n{_short(box.layers[0])}"
        box.shape = _output_shape(_block_output(box))
        for layer in box.layers:
            for node in layer._inbound_nodes[:1]:
                for tensor in node.input_tensors:
                    parent = owner.get(tensor._keras_history[0].name)
                    if parent is not None and parent != i and parent not in box.parents:
                        box.parents.append(parent)
    return boxes, owner


def _block_output(box):
    """The layer of ``box`` that no other layer of the box consumes (its output)."""
    if len(box.layers) == 1:
        return box.layers[0]
    consumed = set()
    for layer in box.layers:
        for node in layer._inbound_nodes[:1]:
            consumed.update(tensor._keras_history[0].name for tensor in node.input_tensors)
    ends = [layer for layer in box.layers if layer.name not in consumed]
    return ends[-1] if ends else box.layers[-1]


def _shape_text(shape) -> str:
    if shape is None:
        return ""
    return "×".join(str(d) for d in shape[1:])


def diagram(model, direction="vertical", per_line=None, figsize=None):
    """Draw ``model`` as a chain of labelled boxes with the output shape under each.

    Inception modules, residual units and auxiliary classifiers (see
    :func:`block_of`) are drawn as one box each; other layers get a box of
    their own. Side outputs (GoogLeNet's auxiliary classifiers) are drawn next
    to the box that feeds them. Long chains wrap into several columns (or rows).

    Parameters
    ----------
    model : keras.Model
        A functional or sequential model.
    direction : {"vertical", "horizontal"}
        ``"vertical"``: top to bottom, columns left to right; ``"horizontal"``:
        left to right, rows top to bottom.
    per_line : int, optional
        Boxes per column (row); by default up to 20.
    figsize : tuple of float, optional
        Figure size in inches; by default from the number of boxes.

    Returns
    -------
    matplotlib.figure.Figure
        Each box is a patch whose ``gid`` is ``"box:<name>"``, drawn from the
        input to the output (a side output right after the box feeding it).

    Examples
    --------
    >>> import keras
    >>> from cnnlab.models.resnet import residual_unit
    >>> inputs = keras.Input((32, 32, 16), name="input")
    >>> x = residual_unit(inputs, 16, name="stage2_unit1")
    >>> x = residual_unit(x, 32, strides=2, name="stage3_unit1")
    >>> figure = diagram(keras.Model(inputs, x))
    >>> [p.get_gid() for p in figure.axes[0].patches if (p.get_gid() or "").startswith("box:")]
    ['box:input', 'box:stage2_unit1', 'box:stage3_unit1']
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    from .._validation import check_one_of, check_positive_int

    _check_model(model)
    direction = check_one_of("direction", direction, ("vertical", "horizontal"), normalize=str.lower)
    boxes, _ = _boxes(model)
    outputs = {t._keras_history[0].name for t in model.outputs}

    # The main chain: from the (first) output back through each box's latest parent.
    main_output = model.outputs[0]._keras_history[0].name
    chain = [next(i for i, b in enumerate(boxes) if any(layer.name == main_output for layer in b.layers))]
    while boxes[chain[-1]].parents:
        chain.append(max(boxes[chain[-1]].parents))
    chain.reverse()
    side = [i for i in range(len(boxes)) if i not in set(chain)]

    n = len(chain)
    per_line = check_positive_int("per_line", per_line) if per_line is not None else math.ceil(n / math.ceil(n / 20))
    width, height, gap, margin = 2.2, 0.8, 0.55, 0.4
    lanes = 2 if side else 1  # a second lane beside the chain for side outputs

    slots = {index: (*divmod(k, per_line), 0) for k, index in enumerate(chain)}  # (line, slot, lateral)
    order = list(chain)  # drawing order: each side box right after the box that feeds it
    for index in side:
        anchor = max((p for p in boxes[index].parents if p in slots), default=chain[-1])
        line, slot, _ = slots[anchor]
        while (line, slot, 1) in slots.values():
            slot += 1
        slots[index] = (line, slot, 1)
        order.insert(order.index(anchor) + 1, index)
    if direction == "vertical":
        positions = {i: ((line * lanes + lateral) * (width + margin), -slot * (height + gap))
                     for i, (line, slot, lateral) in slots.items()}
    else:
        positions = {i: (slot * (width + margin), -(line * lanes + lateral) * (height + gap + margin))
                     for i, (line, slot, lateral) in slots.items()}

    xs = [x for x, _ in positions.values()]
    ys = [y for _, y in positions.values()]
    if figsize is None:
        span_x = max(xs) - min(xs) + width + margin
        span_y = max(ys) - min(ys) + height + gap
        figsize = (max(3.0, span_x * 1.1), max(2.0, span_y * 1.1))
    figure, ax = plt.subplots(figsize=figsize)
    colours = {"Inception module": "#cfe2f3", "Residual unit": "#d9ead3", "Bottleneck unit": "#d9ead3",
               "Auxiliary classifier": "#fce5cd"}
    for index in order:
        (x, y), box = positions[index], boxes[index]
        kind = box.label.split("\n")[1].split(" /")[0].split(" +")[0]
        colour = colours.get(kind, "#f3f3f3" if box.name not in outputs else "#ead1dc")
        ax.add_patch(FancyBboxPatch((x, y), width, height, boxstyle="round,pad=0.02,rounding_size=0.08",
                                    facecolor=colour, edgecolor="#444444", linewidth=1, gid=f"box:{box.name}"))
        ax.text(x + width / 2, y + height / 2, box.label, ha="center", va="center", fontsize=8)
        ax.text(x + width / 2, y - 0.05, _shape_text(box.shape), ha="center", va="top", fontsize=7, color="#555555")
    for index, box in enumerate(boxes):
        for parent in box.parents:
            if parent not in positions:
                continue
            (x0, y0), (x1, y1) = positions[parent], positions[index]
            if abs(x0 - x1) < 1e-9:  # one above the other
                start, end = (x0 + width / 2, y0 - 0.25), (x1 + width / 2, y1 + height)
            else:  # side by side, or the wrap to the next line
                start, end = (x0 + width, y0 + height / 2), (x1, y1 + height / 2)
            ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=8, color="#444444",
                                         linewidth=0.8, connectionstyle="arc3,rad=0.0"))
    ax.set_xlim(min(xs) - 0.2, max(xs) + width + 0.2)
    ax.set_ylim(min(ys) - gap, max(ys) + height + 0.2)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(model.name, fontsize=10)
    figure.tight_layout()
    return figure
