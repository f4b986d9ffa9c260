"""A Keras model drawn as the chapter draws it (Figures 13-11, 13-14): top to bottom, readable at column width.

Upper floor: :func:`diagram` takes a Keras model (so TensorFlow is already imported) and imports
matplotlib when called. A chain of boxes, one per layer or per block (inception module, residual
unit, auxiliary classifier), with the output shape beside each box, skip connections and branch
merges drawn; blocks are recognised by layer names (:func:`cnnlab.models.inspect.block_of`). How the
items are measured, drawn and laid out is in the private :mod:`cnnlab.models._diagram`.
"""

from __future__ import annotations

import math
import numbers
import re

# The engine's parts: its constants, glyph parts and layout steps (one family, split only for size).
from ._diagram import (FILL_NAMES, FILLS, FONT, GAP, HEAD, INK, LEGEND_WIDTH, LINE, MARGIN, MUTED, SKIP, TITLE_FONT,
                       Dot, Label, Path, Rect, band_width, block_output, layer_items, main_chain, make_column,
                       make_glyphs, place_bands, placed_parts, shape_text, split_bands, text_width, vertical_columns,
                       wrap_pieces, written_text)
from .._validation import check_model
from .inspect import output_shape_of


__all__ = ["diagram"]


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
    parts, y = [], top - LINE / 2
    x = x0
    merges = [name for key, name in (("inception", "depth concat"), ("skip", "add")) if key in legend]
    names = {**FILL_NAMES, "merge": f"merge ({', '.join(merges)})" if merges else FILL_NAMES["merge"]}
    for fill in ("conv", "pool", "dense", "merge", "other"):
        if fill not in legend:
            continue
        size = 0.26 + 0.06 + text_width(names[fill]) + 0.2
        if x > x0 and x + size > x0 + width:
            x, y = x0, y - LINE - 0.05
        parts += [Rect(x + 0.13, y + 0.07, 0.26, 0.14, FILLS[fill], gid=f"legend:{fill}"),
                  Label(x + 0.32, y, names[fill], gid=f"legend:{fill}")]
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
        for k, line in enumerate(wrap_pieces(text.split(" "), width - 0.5, sep=" ")):
            y -= LINE + 0.05
            if k == 0:
                parts.append(Path(((x0, y), (x0 + 0.36, y)), dashed=dashed, colour=SKIP, width=1.5,
                                   gid="legend:skip"))
            parts.append(Label(x0 + 0.46, y, line, gid="legend:skip"))
    for note in _legend_notes(legend):
        for line in wrap_pieces(note.split(" "), width, sep=" "):
            y -= LINE + 0.02
            parts.append(Label(x0, y, line, colour=MUTED, gid="legend:note"))
    return parts, y - LINE / 2


# ----------------------------------------------------------------------------- drawing


def _draw(ax, part, scale: float) -> None:
    from matplotlib.patches import Circle, FancyBboxPatch, Polygon

    if isinstance(part, Rect):
        ax.add_patch(FancyBboxPatch((part.x - part.width / 2, part.top - part.height), part.width, part.height,
                                    boxstyle="round,pad=0,rounding_size=0.05", facecolor=part.fill,
                                    edgecolor=part.edge, linewidth=0.9 * scale, zorder=part.zorder, gid=part.gid))
        start = part.top - (part.height - len(part.lines) * LINE) / 2 - LINE / 2
        for k, (text, bold) in enumerate(part.lines):
            ax.text(part.x, start - k * LINE, text, ha="center", va="center", fontsize=FONT * scale,
                    fontweight="bold" if bold else "normal", color=INK, zorder=part.zorder + 0.5, gid=part.gid)
    elif isinstance(part, Label):
        ax.text(part.x, part.y, part.text, ha="left", va="center", fontsize=FONT * scale, color=part.colour,
                zorder=4, gid=part.gid)
    elif isinstance(part, Dot):
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
        base = (x1 - ux * HEAD, y1 - uy * HEAD)
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

    check_model("model", model)
    direction = check_one_of("direction", direction, ("vertical", "horizontal"), normalize=str.lower)
    per_line = check_positive_int("per_line", per_line) if per_line is not None else None
    limit = _check_figsize(figsize) if figsize is not None else None

    items, owner = layer_items(model)
    chain, runs = main_chain(model, items, owner)
    legend = set()
    glyphs = make_glyphs(items, legend)
    names = [item.name for item in items]
    texts = [(item.name, shape_text(output_shape_of(block_output(item.layers)))) for item in items]
    written = "\n".join(written_text(glyphs))
    legend.update(f"stride:{stride}" for stride in re.findall(r"/(\d+)", written))
    if re.search(r"\bLRN\b", written):
        legend.add("lrn")

    if direction == "vertical":
        columns = vertical_columns(chain, glyphs, texts, runs, per_line)
        bands = split_bands(columns, None)
    else:
        bands = split_bands([make_column([i], glyphs, texts, runs) for i in chain], per_line)
    content = max(band_width(band) for band in bands)
    width = max(content, LEGEND_WIDTH, text_width(model.name, True, TITLE_FONT)) + 2 * MARGIN
    title = MARGIN + TITLE_FONT * 1.3 / 72
    bottom = place_bands(bands, -title, MARGIN + (width - 2 * MARGIN - content) / 2)

    parts = placed_parts(bands, glyphs, texts, names)
    key, bottom = _legend(legend, MARGIN, bottom - GAP / 2 - 0.12, width - 2 * MARGIN)
    parts += key
    height = -bottom + MARGIN / 2
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
    figure.suptitle(title, y=1 - MARGIN / 2 / height, va="top", fontsize=TITLE_FONT * scale, fontweight="bold")
    return figure
