"""Where a kernel goes: input size, kernel, stride and SAME/VALID padding, drawn cell by cell.

The chapter's Figures 13-3 (zero padding, stride 1), 13-4 (stride 2) and 13-7
(SAME against VALID: 13 inputs, a filter of 6, a stride of 5) as one live
diagram. :func:`conv_geometry` computes the geometry with the reference
arithmetic of :mod:`cnnlab.ops`, :func:`geometry_svg` and
:func:`geometry_readout` turn it into SVG and HTML text, and
:class:`ConvGeometryExplorer` only writes those strings into its existing
``ipywidgets.HTML`` outputs, so a change redraws in a millisecond and stays
crisp at any zoom.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as w

from .. import ops
from .._validation import check_non_negative_int, check_one_of, check_positive_int, check_positive_int_pair
from ._base import WidgetBase, column, css, fit, label_style, row

__all__ = ["ConvGeometry", "Window", "conv_geometry", "geometry_svg", "geometry_readout", "ConvGeometryExplorer"]

#: Largest input side, kernel side and stride the explorer's sliders offer.
MAX_INPUT, MAX_KERNEL, MAX_STRIDE = 20, 10, 8

_AXES = ("height", "width")
_PAD_FILL, _PAD_LINE = "#d6d6d6", "#9a9a9a"
_IGNORED_FILL = "#f6b3b3"
_WINDOW = "#1f77b4"
# Text drawn on the notebook's background follows its theme (light or dark); the cells keep their own colours.
_TEXT, _MUTED, _ERROR = css("text"), css("muted"), css("error")


@dataclass(frozen=True)
class Window:
    """The input cells one output neuron reads.

    ``padded_rows`` and ``padded_cols`` index the zero-padded input (as in
    Equation 13-1: ``i' = i × s_h + u``); ``rows`` and ``cols`` index the
    real input and leave out the zeros of the padding.

    Examples
    --------
    >>> conv_geometry((5, 7), 3, 1, "SAME").window(0, 0)
    Window(neuron=(0, 0), padded_rows=range(0, 3), padded_cols=range(0, 3), rows=range(0, 2), cols=range(0, 2))
    """

    neuron: tuple[int, int]
    padded_rows: range
    padded_cols: range
    rows: range
    cols: range

    @property
    def cells(self) -> set[tuple[int, int]]:
        """The real input cells ``(row, col)`` inside the window.

        Examples
        --------
        >>> sorted(conv_geometry((3, 3), 2, 1, "VALID").window(1, 1).cells)
        [(1, 1), (1, 2), (2, 1), (2, 2)]
        """
        return {(r, c) for r in self.rows for c in self.cols}


@dataclass(frozen=True)
class ConvGeometry:
    """Shape arithmetic of one convolution or pooling layer over a 2-D input.

    Attributes
    ----------
    input_shape, kernel_size, strides : (int, int)
        ``(height, width)``.
    padding : {"SAME", "VALID"}
    output_shape : (int, int)
        Number of output neurons along each axis (:func:`cnnlab.ops.output_size`).
    pads : ((int, int), (int, int))
        ``((top, bottom), (left, right))`` zeros (:func:`cnnlab.ops.padding_amounts`).
    ignored_rows, ignored_cols : tuple of int
        Input rows and columns that no window reads: those past the last
        window under VALID, and those between windows when the stride is
        larger than the kernel.

    Examples
    --------
    >>> g = conv_geometry((5, 7), 3, 2, "SAME")      # Figure 13-4
    >>> g.output_shape, g.pads, g.padded_shape
    ((3, 4), ((1, 1), (1, 1)), (7, 9))
    """

    input_shape: tuple[int, int]
    kernel_size: tuple[int, int]
    strides: tuple[int, int]
    padding: str
    output_shape: tuple[int, int]
    pads: tuple[tuple[int, int], tuple[int, int]]
    ignored_rows: tuple[int, ...]
    ignored_cols: tuple[int, ...]

    @property
    def padded_shape(self) -> tuple[int, int]:
        """``(height, width)`` of the input with its zero padding.

        Examples
        --------
        >>> conv_geometry((1, 13), (1, 6), (1, 5), "SAME").padded_shape
        (1, 16)
        """
        (top, bottom), (left, right) = self.pads
        return self.input_shape[0] + top + bottom, self.input_shape[1] + left + right

    @property
    def n_outputs(self) -> int:
        """Number of output neurons, ``out_height × out_width``.

        Examples
        --------
        >>> conv_geometry((5, 7), 3, 2, "SAME").n_outputs
        12
        """
        return self.output_shape[0] * self.output_shape[1]

    def neuron(self, step: int) -> tuple[int, int]:
        """Output neuron ``(i, j)`` visited at ``step`` as the kernel slides row by row.

        Examples
        --------
        >>> conv_geometry((5, 7), 3, 2, "SAME").neuron(5)
        (1, 1)
        """
        step = check_non_negative_int("step", step)
        if step >= self.n_outputs:
            raise ValueError(f"step must be below the number of outputs ({self.n_outputs}), received step={step}.")
        i, j = divmod(step, self.output_shape[1])
        return i, j

    def window(self, i: int, j: int) -> Window:
        """The input window of output neuron ``(i, j)``.

        The real-input ranges come from :func:`cnnlab.ops.receptive_field_bounds`
        for a one-layer stack; the padded ranges start at ``i × s_h`` and
        ``j × s_w``, as in Equation 13-1.

        Examples
        --------
        >>> g = conv_geometry((1, 13), (1, 6), (1, 5), "SAME")
        >>> win = g.window(0, 2)
        >>> win.padded_cols, win.cols       # the last window: 2 of its 6 cells are padding
        (range(10, 16), range(9, 13))
        """
        for name, index, size in (("i", i, self.output_shape[0]), ("j", j, self.output_shape[1])):
            check_non_negative_int(name, index)
            if index >= size:
                raise ValueError(f"{name} must be below the output's {size} positions, received {name}={index}.")
        ranges = []
        for axis, index in enumerate((i, j)):
            n, k, s = self.input_shape[axis], self.kernel_size[axis], self.strides[axis]
            first, last = ops.receptive_field_bounds([(k, s, self.padding)], n, index)[0]
            start = index * s  # Equation 13-1: the window starts at i × s_h in the padded input
            ranges.append((range(start, start + k), range(first, last + 1)))
        (padded_rows, rows), (padded_cols, cols) = ranges
        return Window((int(i), int(j)), padded_rows, padded_cols, rows, cols)


def _unread(size: int, kernel: int, stride: int, padding: str) -> tuple[int, ...]:
    """Input positions along one axis that no window reads."""
    read = set()
    for index in range(ops.output_size(size, kernel, stride, padding)):
        first, last = ops.receptive_field_bounds([(kernel, stride, padding)], size, index)[0]
        read.update(range(first, last + 1))
    return tuple(p for p in range(size) if p not in read)


def conv_geometry(input_shape, kernel_size, strides=1, padding: str = "SAME") -> ConvGeometry:
    """Output shape, zero padding and ignored inputs of a layer over a 2-D input.

    Parameters
    ----------
    input_shape : int or (int, int)
        ``(height, width)`` of the input.
    kernel_size, strides : int or (int, int)
        The receptive field (filter or pooling window) and the stride.
    padding : {"SAME", "VALID"}
        Case-insensitive. VALID needs the kernel to fit inside the input.

    Returns
    -------
    ConvGeometry

    Raises
    ------
    ValueError
        For a bad argument, or a VALID kernel larger than the input.

    Examples
    --------
    Figure 13-7: 13 inputs, a filter of 6, a stride of 5.

    >>> same = conv_geometry((1, 13), (1, 6), (1, 5), "SAME")
    >>> same.output_shape, same.pads, same.ignored_cols
    ((1, 3), ((0, 0), (1, 2)), ())
    >>> valid = conv_geometry((1, 13), (1, 6), (1, 5), "VALID")
    >>> valid.output_shape, valid.ignored_cols
    ((1, 2), (11, 12))
    """
    shape = check_positive_int_pair("input_shape", input_shape)
    kernel = check_positive_int_pair("kernel_size", kernel_size)
    stride = check_positive_int_pair("strides", strides)
    padding = check_one_of("padding", padding, ops.PADDINGS, normalize=lambda p: p.upper())
    if padding == "VALID":
        for axis, n, k in zip(_AXES, shape, kernel):
            if k > n:
                raise ValueError(
                    f"kernel_size={kernel} does not fit in input_shape={shape} with padding='VALID': "
                    f"the kernel's {axis} ({k}) is larger than the input's ({n}), so no window fits; "
                    "use padding='SAME', a smaller kernel or a larger input."
                )
    output_shape = tuple(ops.output_size(n, k, s, padding) for n, k, s in zip(shape, kernel, stride))
    pads = ops.padding_amounts(shape, kernel, stride, padding)
    ignored = [_unread(n, k, s, padding) for n, k, s in zip(shape, kernel, stride)]
    return ConvGeometry(shape, kernel, stride, padding, output_shape, pads, ignored[0], ignored[1])


# --------------------------------------------------------------------------- drawing


def _cell_size(geometry: ConvGeometry) -> int:
    side = max(*geometry.padded_shape, *geometry.output_shape)
    return max(12, min(30, 420 // side))


def _ranges(values) -> str:
    """``(0, 1, 2, 5, 6)`` → ``'0–2, 5, 6'``."""
    values = list(values)
    parts, start = [], None
    for index, value in enumerate(values):
        if start is None:
            start = value
        if index + 1 == len(values) or values[index + 1] != value + 1:
            parts.append(str(start) if start == value else
                         f"{start}, {value}" if value == start + 1 else f"{start}–{value}")
            start = None
    return ", ".join(parts)


def _neuron_window(geometry, neuron) -> Window:
    """``geometry.window(*neuron)``, with errors that name ``geometry`` and ``neuron``."""
    if not isinstance(geometry, ConvGeometry):
        raise ValueError(f"geometry must be a ConvGeometry (from conv_geometry()), received geometry={geometry!r:.80}.")
    ok = (isinstance(neuron, (tuple, list)) and len(neuron) == 2
          and all(not isinstance(v, bool) and isinstance(v, int) and 0 <= v < n
                  for v, n in zip(neuron, geometry.output_shape)))
    if not ok:
        rows, cols = geometry.output_shape
        raise ValueError(f"neuron must be an output position (i, j) with 0 <= i < {rows} and 0 <= j < {cols}, "
                         f"received neuron={neuron!r:.80}.")
    return geometry.window(*neuron)


def geometry_svg(geometry: ConvGeometry, neuron=(0, 0), *, cell: int | None = None) -> str:
    """Draw the padded input, one neuron's window over it, and the output grid, as SVG.

    Zero-padding cells are grey and hatched (class ``pad``), real input cells
    white (class ``cell``) or red-tinted when no window reads them (class
    ``cell ignored``); cells inside the window of ``neuron`` also carry the
    class ``in-window``. The window itself is a blue rectangle (class
    ``window``) over the padded input, joined by dashed lines to its neuron,
    filled blue in the output grid (class ``out hl``; the others are class
    ``out``). Every cell has ``data-row`` and ``data-col``: input coordinates
    (negative or past the end in the padding) or output coordinates.

    Parameters
    ----------
    geometry : ConvGeometry
        From :func:`conv_geometry`.
    neuron : (int, int)
        The highlighted output neuron ``(i, j)``.
    cell : int, optional
        Side of one cell in pixels (default: fitted to the grid's size).

    Returns
    -------
    str
        An ``<svg>`` element.

    Examples
    --------
    >>> svg = geometry_svg(conv_geometry((1, 13), (1, 6), (1, 5), "SAME"), (0, 2))
    >>> svg.count('class="pad'), svg.count('class="out'), svg.count('"cell in-window"'), svg.count('"pad in-window"')
    (3, 3, 4, 2)
    """
    window = _neuron_window(geometry, neuron)
    cell = _cell_size(geometry) if cell is None else check_positive_int("cell", cell)
    layout = _svg_layout(geometry, window, cell)
    parts = [
        _svg_header(layout),
        *_input_cells(geometry, window, layout),
        *_input_indices(geometry, layout),
        *_window_links(window, layout),
        *_output_cells(geometry, window, layout),
        _window_rect(window, layout),
        *_legend(layout),
        "</svg>",
    ]
    return "".join(parts)


@dataclass(frozen=True)
class _SvgLayout:
    """Where the parts of :func:`geometry_svg`'s picture go, in pixels."""

    cell: int
    font: int
    em: float                       # rough width of a character
    input_title: str
    output_title: str
    x0: int                         # the padded input's top-left corner
    y0: int
    ox: float                       # the output grid's top-left corner
    oy: float
    legend: list                    # (swatch attributes, text)
    legend_y: float
    width: int
    height: int


def _legend_entries(geometry: ConvGeometry, window: Window) -> list:
    """The legend's ``(swatch attributes, text)``: the window, then the padding and the ignored inputs if any."""
    legend = [(f'fill="{_WINDOW}" fill-opacity="0.35" stroke="{_WINDOW}"',
               f"window of neuron ({window.neuron[0]}, {window.neuron[1]})")]
    if geometry.padded_shape != geometry.input_shape:
        legend.append((f'fill="{_PAD_FILL}" stroke="{_PAD_LINE}"', "zero padding"))
    if geometry.ignored_rows or geometry.ignored_cols:
        legend.append((f'fill="{_IGNORED_FILL}" stroke="#888"', "never read by any window (ignored)"))
    return legend


def _svg_layout(geometry: ConvGeometry, window: Window, c: int) -> _SvgLayout:
    """The picture's layout for cells of ``c`` pixels: titles above, input left, output right, legend below."""
    g = geometry
    hp, wp = g.padded_shape
    oh, ow = g.output_shape
    font = max(8, min(12, int(c * 0.45)))
    em, bold_em = font * 0.58, font * 0.72  # rough widths of a character
    label = font + 8                    # room for the row and column indices
    input_title = (f"input {g.input_shape[0]}×{g.input_shape[1]}"
                   + (f" + zero padding → {hp}×{wp}" if (hp, wp) != g.input_shape else "") + f", {g.padding}")
    output_title = f"output {oh}×{ow}"
    x0, y0 = label + 4, 24 + label
    ox = x0 + max(wp * c, len(input_title) * bold_em) + max(60, 2 * c)
    oy = y0 + (hp - oh) * c / 2
    legend = _legend_entries(g, window)
    legend_y = max(y0 + hp * c, oy + oh * c) + 22
    legend_width = sum(28 + len(text) * em for _, text in legend)
    width = round(max(ox + max(ow * c, len(output_title) * bold_em), x0 + legend_width) + 12)
    return _SvgLayout(c, font, em, input_title, output_title, x0, y0, ox, oy, legend, legend_y, width,
                      round(legend_y + 16))


def _svg_header(layout: _SvgLayout) -> str:
    """The ``<svg>`` opening tag and the two titles."""
    width, height = layout.width, layout.height
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" style="max-width:100%;height:auto" '
            f'font-family="sans-serif" font-size="{layout.font}">'
            f'<text x="{layout.x0}" y="14" font-weight="bold" style="fill:{_TEXT}">'
            f'{html.escape(layout.input_title)}</text>'
            f'<text x="{layout.ox:g}" y="14" font-weight="bold" style="fill:{_TEXT}">{layout.output_title}</text>')


def _input_cell(geometry: ConvGeometry, inside: bool, r: int, col: int, x: int, y: int, c: int) -> str:
    """One real input cell ``(r, col)``: white, or red-tinted if no window reads it."""
    ignored = r in geometry.ignored_rows or col in geometry.ignored_cols
    classes = "cell" + (" ignored" if ignored else "") + (" in-window" if inside else "")
    fill = _IGNORED_FILL if ignored else "#ffffff"
    return (f'<rect class="{classes}" data-row="{r}" data-col="{col}" x="{x}" y="{y}" width="{c}" height="{c}" '
            f'fill="{fill}" stroke="#888" stroke-width="1"/>')


def _pad_cell(inside: bool, r: int, col: int, x: int, y: int, c: int) -> str:
    """One zero-padding cell: grey and hatched."""
    classes = "pad" + (" in-window" if inside else "")
    return (f'<g class="{classes}" data-row="{r}" data-col="{col}"><rect x="{x}" y="{y}" width="{c}" height="{c}" '
            f'fill="{_PAD_FILL}" stroke="#b0b0b0" stroke-width="1"/>'
            f'<line x1="{x}" y1="{y + c}" x2="{x + c}" y2="{y}" stroke="{_PAD_LINE}" '
            f'stroke-width="1"/></g>')


def _input_cells(geometry: ConvGeometry, window: Window, layout: _SvgLayout) -> list[str]:
    """The input grid, padding included, row by row."""
    (top, _), (left, _) = geometry.pads
    hp, wp = geometry.padded_shape
    height, width = geometry.input_shape
    c, read = layout.cell, window.cells
    out = []
    for pr in range(hp):
        for pc in range(wp):
            r, col = pr - top, pc - left
            x, y = layout.x0 + pc * c, layout.y0 + pr * c
            if 0 <= r < height and 0 <= col < width:
                out.append(_input_cell(geometry, (r, col) in read, r, col, x, y, c))
            else:
                inside = pr in window.padded_rows and pc in window.padded_cols
                out.append(_pad_cell(inside, r, col, x, y, c))
    return out


def _input_indices(geometry: ConvGeometry, layout: _SvgLayout) -> list[str]:
    """The indices of the real rows and columns (red when ignored)."""
    (top, _), (left, _) = geometry.pads
    c, x0, y0 = layout.cell, layout.x0, layout.y0
    out = []
    for col in range(geometry.input_shape[1]):
        x = x0 + (col + left) * c + c / 2
        colour = _ERROR if col in geometry.ignored_cols else _MUTED
        out.append(f'<text x="{x:g}" y="{y0 - 5}" text-anchor="middle" style="fill:{colour}">{col}</text>')
    for r in range(geometry.input_shape[0]):
        y = y0 + (r + top) * c + c / 2 + layout.font / 3
        colour = _ERROR if r in geometry.ignored_rows else _MUTED
        out.append(f'<text x="{x0 - 4}" y="{y:g}" text-anchor="end" style="fill:{colour}">{r}</text>')
    return out


def _window_box(window: Window, layout: _SvgLayout) -> tuple:
    """``(x, y, width, height)`` of the window over the padded input."""
    c = layout.cell
    return (layout.x0 + window.padded_cols.start * c, layout.y0 + window.padded_rows.start * c,
            len(window.padded_cols) * c, len(window.padded_rows) * c)


def _window_links(window: Window, layout: _SvgLayout) -> list[str]:
    """The two dashed lines from the window to its neuron (drawn under the output grid)."""
    wx, wy, ww, wh = _window_box(window, layout)
    c = layout.cell
    nx, ny = layout.ox + window.neuron[1] * c, layout.oy + window.neuron[0] * c
    return [f'<line x1="{ax:g}" y1="{ay:g}" x2="{bx:g}" y2="{by:g}" stroke="{_WINDOW}" '
            'stroke-width="1" stroke-dasharray="4 3" opacity="0.7"/>'
            for (ax, ay), (bx, by) in (((wx + ww, wy), (nx, ny)), ((wx + ww, wy + wh), (nx, ny + c)))]


def _output_cells(geometry: ConvGeometry, window: Window, layout: _SvgLayout) -> list[str]:
    """The output grid, the window's neuron filled blue."""
    c, ox, oy = layout.cell, layout.ox, layout.oy
    out = []
    for i in range(geometry.output_shape[0]):
        for j in range(geometry.output_shape[1]):
            hl = (i, j) == window.neuron
            out.append(f'<rect class="out{" hl" if hl else ""}" data-row="{i}" data-col="{j}" '
                       f'x="{ox + j * c:g}" y="{oy + i * c:g}" width="{c}" height="{c}" '
                       f'fill="{_WINDOW if hl else "#eef3f8"}" stroke="#888" stroke-width="1"/>')
    return out


def _window_rect(window: Window, layout: _SvgLayout) -> str:
    """The window itself: a blue rectangle over the padded input."""
    wx, wy, ww, wh = _window_box(window, layout)
    return (f'<rect class="window" x="{wx:g}" y="{wy:g}" width="{ww:g}" height="{wh:g}" fill="{_WINDOW}" '
            f'fill-opacity="0.22" stroke="{_WINDOW}" stroke-width="3"/>')


def _legend(layout: _SvgLayout) -> list[str]:
    """The legend's swatches and texts, in a row under the picture."""
    x, y, out = layout.x0, layout.legend_y, []
    for style, text in layout.legend:
        out.append(f'<rect x="{x:g}" y="{y - 10:g}" width="12" height="12" {style}/>'
                   f'<text x="{x + 16:g}" y="{y:g}" style="fill:{_TEXT}">{html.escape(text)}</text>')
        x += 28 + len(text) * layout.em
    return out


def _size_formula(n: int, k: int, s: int, padding: str, result: int) -> str:
    if padding == "SAME":
        return f"⌈{n} / {s}⌉ = <b>{result}</b>"
    return f"⌊({n} − {k}) / {s}⌋ + 1 = <b>{result}</b>"


def geometry_readout(geometry: ConvGeometry, neuron=(0, 0)) -> str:
    """The arithmetic behind the diagram, as an HTML table and a sentence.

    For each axis: the output-size formula with its numbers and result, the
    zeros added before and after, and the input rows or columns that no
    window reads. Then what the highlighted neuron reads.

    Examples
    --------
    >>> import re
    >>> text = re.sub("<[^>]+>", "", geometry_readout(conv_geometry((1, 13), (1, 6), (1, 5), "VALID")))
    >>> "⌊(13 − 6) / 5⌋ + 1 = 2 outputs" in text, "ignored input columns: 11, 12" in text
    (True, True)
    """
    g = geometry
    window = _neuron_window(geometry, neuron)
    rule = ("SAME: ⌈input / stride⌉ outputs, zeros added so that every window fits"
            if g.padding == "SAME" else "VALID: ⌊(input − kernel) / stride⌋ + 1 outputs, no padding")
    rows = []
    for axis, what in enumerate(("rows", "columns")):
        n, k, s, o = g.input_shape[axis], g.kernel_size[axis], g.strides[axis], g.output_shape[axis]
        before, after = g.pads[axis]
        sides = ("top", "bottom") if axis == 0 else ("left", "right")
        ignored = (g.ignored_rows, g.ignored_cols)[axis]
        if ignored:
            unread = f'ignored input {what}: <b style="color:{_ERROR}">{_ranges(ignored)}</b>'
        else:
            unread = f"every input {what[:-1]} is read"
        rows.append(
            f"<tr><td><b>{_AXES[axis]}</b></td><td>input {n}, kernel {k}, stride {s}</td>"
            f"<td>{_size_formula(n, k, s, g.padding, o)} outputs</td>"
            f"<td>{sides[0]} {before} + {sides[1]} {after} = {before + after} zeros</td>"
            f"<td>{unread}</td></tr>"
        )
    i, j = window.neuron
    sentence = (
        f"Output neuron ({i}, {j}) reads padded rows {window.padded_rows.start}–{window.padded_rows.stop - 1}, "
        f"columns {window.padded_cols.start}–{window.padded_cols.stop - 1}: input rows "
        f"{window.rows.start}–{window.rows.stop - 1}, columns {window.cols.start}–{window.cols.stop - 1}"
    )
    zeros = len(window.padded_rows) * len(window.padded_cols) - len(window.cells)
    sentence += f", plus {zeros} zero{'s' if zeros != 1 else ''} of padding." if zeros else "."
    return (
        f'<div class="cnnlab-readout"><i class="cnnlab-note">{rule}.</i>'
        '<table class="cnnlab-table"><tr><th></th><th>layer</th><th>output size</th><th>zero padding</th>'
        '<th>ignored</th></tr>'
        + "".join(rows)
        + f"</table>Output {g.output_shape[0]}×{g.output_shape[1]} = <b>{g.n_outputs}</b> neurons. {sentence}</div>"
    )


# --------------------------------------------------------------------------- widget


def _bounded_pair(name: str, value, maximum: int) -> tuple[int, int]:
    pair = check_positive_int_pair(name, value)
    if max(pair) > maximum:
        raise ValueError(
            f"{name} must be at most {maximum} along each axis for the diagram, received {name}={value!r}."
        )
    return pair


class ConvGeometryExplorer(WidgetBase):
    """Slide a kernel over a small input and see padding, stride and output size cell by cell.

    Controls: input height and width, kernel height and width, stride (one
    for both axes, or one per axis), SAME/VALID padding, and a step slider
    (with a Play button) that walks the kernel over the output neurons row by
    row. The diagram (SVG) shows the zero-padded input, the current window,
    and the output grid; under VALID the input rows and columns that no
    window reads are tinted red. The readout gives the output-size formula,
    the padding on each side and the ignored inputs. A setting that cannot
    work (a VALID kernel larger than the input) is reported in the widget's
    error line, and the last good diagram stays until it is fixed.

    Parameters
    ----------
    input_shape, kernel_size, strides : int or (int, int)
        Initial ``(height, width)`` values; at most 20, 10 and 8.
    padding : {"SAME", "VALID"}
    step : int
        Initial output neuron, counted row by row.

    Attributes
    ----------
    geometry : ConvGeometry
        As last computed.
    window : Window
        The highlighted neuron's window.
    svg : str
        The diagram on display.

    Examples
    --------
    >>> explorer = ConvGeometryExplorer.figure_13_7()
    >>> explorer.geometry.output_shape
    (1, 3)
    >>> explorer.padding.value = "VALID"
    >>> explorer.geometry.output_shape, explorer.geometry.ignored_cols, explorer.step.max
    ((1, 2), (11, 12), 1)
    """

    def __init__(self, input_shape=(5, 7), kernel_size=(3, 3), strides=(1, 1), padding: str = "SAME", *,
                 step: int = 0) -> None:
        super().__init__()
        shape = _bounded_pair("input_shape", input_shape, MAX_INPUT)
        kernel = _bounded_pair("kernel_size", kernel_size, MAX_KERNEL)
        stride = _bounded_pair("strides", strides, MAX_STRIDE)
        geometry = conv_geometry(shape, kernel, stride, padding)  # refuses impossible settings
        step = check_non_negative_int("step", step)
        if step >= geometry.n_outputs:
            raise ValueError(f"step must be below the number of outputs ({geometry.n_outputs}) "
                             f"for these settings, received step={step}.")
        self.geometry: ConvGeometry = geometry
        self.window: Window | None = None
        self.svg = ""

        def slider(value, maximum, description):
            return w.IntSlider(value=value, min=1, max=maximum, description=description, style=label_style(),
                               continuous_update=True, layout=fit("280px"))

        self.input_height = slider(shape[0], MAX_INPUT, "Input height")
        self.input_width = slider(shape[1], MAX_INPUT, "Input width")
        self.kernel_height = slider(kernel[0], MAX_KERNEL, "Kernel height")
        self.kernel_width = slider(kernel[1], MAX_KERNEL, "Kernel width")
        self.stride_height = slider(stride[0], MAX_STRIDE, "Stride height")
        self.stride_width = slider(stride[1], MAX_STRIDE, "Stride width")
        self.same_stride = w.Checkbox(value=stride[0] == stride[1], description="one stride for both axes",
                                      indent=True, style=label_style(), layout=fit())
        self.padding = w.ToggleButtons(options=list(ops.PADDINGS), value=geometry.padding, description="Padding",
                                       style=label_style(button_width="70px"))
        last = geometry.n_outputs - 1
        self.step = w.IntSlider(value=step, min=0, max=last, description="Step (neuron)", style=label_style(),
                                continuous_update=True, layout=fit("360px"))
        self.play = w.Play(value=step, min=0, max=last, interval=700, repeat=True, description="Slide")
        self._link = w.link((self.play, "value"), (self.step, "value"))
        self.diagram = w.HTML(layout=fit("100%"))
        self.readout = w.HTML(layout=fit("100%"))

        for control in (self.input_height, self.input_width, self.kernel_height, self.kernel_width,
                        self.stride_height, self.stride_width, self.same_stride, self.padding, self.step):
            control.observe(self._on_change, names="value")
        # Controls above (three columns that wrap in a narrow notebook), the diagram and its arithmetic below.
        self.root = column([
            w.HTML('<span class="cnnlab-title">Convolution geometry: padding, stride and output size</span>'),
            row([column([self.input_height, self.input_width]), column([self.kernel_height, self.kernel_width]),
                 column([self.stride_height, self.stride_width, self.same_stride])]),
            row([self.padding, self.step, self.play]),
            self.diagram,
            self.readout,
            self.error_box,
        ])
        self.refresh()

    # ------------------------------------------------------------------ presets
    @classmethod
    def figure_13_3(cls) -> ConvGeometryExplorer:
        """Figure 13-3: a 5×7 input, 3×3 receptive fields, stride 1, zero padding.

        Examples
        --------
        >>> ConvGeometryExplorer.figure_13_3().geometry.pads
        ((1, 1), (1, 1))
        """
        return cls((5, 7), (3, 3), (1, 1), "SAME")

    @classmethod
    def figure_13_4(cls) -> ConvGeometryExplorer:
        """Figure 13-4: the same 5×7 input with a stride of 2 gives a 3×4 output.

        Examples
        --------
        >>> ConvGeometryExplorer.figure_13_4().geometry.output_shape
        (3, 4)
        """
        return cls((5, 7), (3, 3), (2, 2), "SAME")

    @classmethod
    def figure_13_7(cls, padding: str = "SAME") -> ConvGeometryExplorer:
        """Figure 13-7: 13 inputs in a row, a filter of 6, a stride of 5, SAME or VALID.

        Examples
        --------
        >>> ConvGeometryExplorer.figure_13_7("VALID").geometry.ignored_cols
        (11, 12)
        """
        return cls((1, 13), (1, 6), (1, 5), padding)

    # ------------------------------------------------------------------ updates
    def _update(self) -> None:
        with self.quiet():
            self.stride_width.disabled = self.same_stride.value
            if self.same_stride.value:
                self.stride_width.value = self.stride_height.value
        geometry = conv_geometry(
            (self.input_height.value, self.input_width.value),
            (self.kernel_height.value, self.kernel_width.value),
            (self.stride_height.value, self.stride_width.value),
            self.padding.value,
        )
        last = geometry.n_outputs - 1
        with self.quiet():
            for control in (self.step, self.play):  # shrinking max clamps the value (linked to the other)
                control.max = last
        neuron = geometry.neuron(self.step.value)
        window = geometry.window(*neuron)
        svg = geometry_svg(geometry, neuron)
        readout = geometry_readout(geometry, neuron)  # computed before either is shown: both change, or neither
        self.diagram.value = svg
        self.readout.value = readout
        self.geometry, self.window, self.svg = geometry, window, svg
