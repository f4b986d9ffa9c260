"""What one neuron sees: its receptive field in the input image, through a stack of layers.

Pick a stack (three 3×3 convolutions, LeNet-5's conv/pool pairs, strided
convolutions...), a layer and a neuron: the input photo is shown darkened
outside the pixels that neuron depends on, with a coloured frame around
them. The table beside it gives, layer by layer, the field's size, its jump
(how far apart neighbouring neurons' fields are in the input) and the weights
per input/output channel pair the stack has used so far against one layer
whose kernel covers the same field: two 3×3 convolutions see what one 5×5
sees with 18 weights instead of 25.

All the arithmetic is :func:`cnnlab.ops.receptive_field` and
:func:`cnnlab.ops.receptive_field_bounds`, applied per axis; the stacks use
square kernels and strides, so one list of :class:`cnnlab.ops.Layer` serves
both axes.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as w
import numpy as np

from .. import ops
from .._validation import check_memory, check_non_negative_int, check_one_of, check_positive_int
from ..plotting import encode_image, to_uint8
from ._base import WidgetBase, css, fit, picture_layout

__all__ = [
    "PRESETS",
    "FieldRow",
    "is_pooling",
    "field_path",
    "field_box",
    "field_table",
    "draw_box",
    "shrink",
    "ReceptiveFieldExplorer",
]


def _conv(k: int, stride: int = 1, padding: str = "SAME", n: int | None = None) -> ops.Layer:
    stride_text = f" /{stride}" if stride > 1 else ""
    return ops.Layer(k, stride, padding, f"conv{'' if n is None else n} {k}×{k}{stride_text}")


def _pool(k: int = 2, stride: int = 2, n: int | None = None) -> ops.Layer:
    return ops.Layer(k, stride, "VALID", f"pool{'' if n is None else n} {k}×{k} /{stride}")


#: Stacks of layers to choose from. A layer whose name contains "pool" has no weights.
PRESETS: dict[str, tuple[ops.Layer, ...]] = {
    "three 3×3 convs": (_conv(3, n=1), _conv(3, n=2), _conv(3, n=3)),
    "two 3×3 convs vs one 5×5": (_conv(3, n=1), _conv(3, n=2)),
    "conv 3×3, pool 2×2, conv 3×3": (_conv(3, n=1), _pool(n=1), _conv(3, n=2)),
    "LeNet-5 (conv 5, pool 2, conv 5, pool 2)": (
        ops.Layer(5, 1, "VALID", "C1 conv 5×5"), ops.Layer(2, 2, "VALID", "S2 pool 2×2 /2"),
        ops.Layer(5, 1, "VALID", "C3 conv 5×5"), ops.Layer(2, 2, "VALID", "S4 pool 2×2 /2"),
    ),
    "strided convs": (_conv(3, 2, n=1), _conv(3, 2, n=2), _conv(3, 2, n=3)),
}

_BORDER_COLOUR = (255, 90, 0)
#: About how many pixels the longer side of the picture takes by default (it and the text fit a 900 px column).
_PICTURE = 400


def is_pooling(layer: ops.Layer) -> bool:
    """Whether ``layer`` is a pooling layer (no weights): its name contains "pool".

    Examples
    --------
    >>> [is_pooling(layer) for layer in PRESETS["conv 3×3, pool 2×2, conv 3×3"]]
    [False, True, False]
    """
    if not isinstance(layer, ops.Layer):
        raise ValueError(f"layer must be a cnnlab.ops.Layer, received layer={layer!r:.80}.")
    return "pool" in layer.name.lower()


def _stack(layers) -> list[ops.Layer]:
    """Layers as ``ops.Layer`` objects (tuples and dicts accepted, as in :mod:`cnnlab.ops`)."""
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        raise ValueError(f"layers must be a sequence of Layer objects or (kernel_size, stride, padding) tuples, "
                         f"received layers={layers!r}.")
    return ops.as_layers(list(layers))


def _image_shape(image_shape) -> tuple[int, int]:
    shape = tuple(image_shape)[:2] if isinstance(image_shape, (tuple, list)) else image_shape
    if not (isinstance(shape, tuple) and len(shape) == 2
            and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1 for v in shape)):
        raise ValueError(f"image_shape must be (height, width) or (height, width, channels) with positive "
                         f"integers, received image_shape={image_shape!r}.")
    return int(shape[0]), int(shape[1])


def field_path(layers, image_shape, layer_index: int, row: int, col: int) -> list[tuple[tuple[int, int], ...]]:
    """The positions neuron ``(row, col)`` of layer ``layer_index`` depends on, in every layer below it.

    Parameters
    ----------
    layers : sequence
        ``ops.Layer`` objects or ``(kernel_size, stride, padding)`` tuples,
        square kernels and strides.
    image_shape : tuple
        ``(height, width)`` of the input (a channel axis is ignored).
    layer_index : int
        Which layer's neuron, 0 for the first.
    row, col : int
        The neuron's position in that layer's output.

    Returns
    -------
    list of ((int, int), (int, int))
        ``((first_row, last_row), (first_col, last_col))``, inclusive, from the
        input (element 0) to the neuron itself (last element); computed by
        :func:`cnnlab.ops.receptive_field_bounds` along each axis.

    Examples
    --------
    >>> field_path([(3, 1, "SAME"), (3, 1, "SAME")], (10, 10), 1, 5, 0)
    [((3, 7), (0, 2)), ((4, 6), (0, 1)), ((5, 5), (0, 0))]
    """
    stack = _stack(layers)
    height, width = _image_shape(image_shape)
    layer_index = check_non_negative_int("layer_index", layer_index)
    if layer_index >= len(stack):
        raise ValueError(f"layer_index must be below the number of layers ({len(stack)}), "
                         f"received layer_index={layer_index}.")
    stack = stack[: layer_index + 1]
    per_axis = []
    for name, index, size in (("row", row, height), ("col", col, width)):
        last = ops.receptive_field(stack, size)[-1].output_size
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < last:
            raise ValueError(f"{name} must be an integer from 0 to {last - 1} (layer {layer_index}'s output "
                             f"size along that axis), received {name}={index!r}.")
        per_axis.append(ops.receptive_field_bounds(stack, size, int(index)))
    return list(zip(*per_axis))


def field_box(layers, image_shape, layer_index: int, row: int, col: int) -> tuple[int, int, int, int]:
    """The input pixels neuron ``(row, col)`` of layer ``layer_index`` sees, as ``(top, bottom, left, right)``.

    Bounds are inclusive and clipped to the image: near the border part of
    the field lies in the zero padding.

    Examples
    --------
    Two 3×3 SAME convolutions: 5×5 away from the border, clipped at it.

    >>> field_box([(3, 1, "SAME"), (3, 1, "SAME")], (10, 10), 1, 5, 5)
    (3, 7, 3, 7)
    >>> field_box([(3, 1, "SAME"), (3, 1, "SAME")], (10, 10), 1, 0, 9)
    (0, 2, 7, 9)
    """
    (top, bottom), (left, right) = field_path(layers, image_shape, layer_index, row, col)[0]
    return top, bottom, left, right


@dataclass(frozen=True)
class FieldRow:
    """One layer of a stack, seen from the input.

    Attributes
    ----------
    name : str
    kernel_size, stride : int
    padding : str
    output_shape : (int, int)
        Neurons along each axis.
    field : (int, int)
        Receptive field ``(height, width)`` in input pixels, padding included.
    jump : (int, int)
        Input distance between the fields of neighbouring neurons.
    weights : int
        Weights per input/output channel pair of the stack up to this layer
        (pooling layers add none).
    single_layer_weights : int
        Weights per channel pair of one convolution whose kernel covers the
        same field: ``field[0] × field[1]``.

    Examples
    --------
    >>> row = field_table(PRESETS["three 3×3 convs"], (32, 32))[-1]
    >>> row.name, row.field, row.jump, row.weights, row.single_layer_weights
    ('conv3 3×3', (7, 7), (1, 1), 27, 49)
    """

    name: str
    kernel_size: int
    stride: int
    padding: str
    output_shape: tuple[int, int]
    field: tuple[int, int]
    jump: tuple[int, int]
    weights: int
    single_layer_weights: int


def field_table(layers, image_shape) -> list[FieldRow]:
    """Receptive field, jump and weights of every layer of a stack.

    Parameters
    ----------
    layers : sequence
        As for :func:`field_path`.
    image_shape : tuple
        ``(height, width)`` of the input.

    Returns
    -------
    list of FieldRow

    Examples
    --------
    >>> rows = field_table(PRESETS["two 3×3 convs vs one 5×5"], (64, 64))
    >>> [(r.field, r.weights, r.single_layer_weights) for r in rows]
    [((3, 3), 9, 9), ((5, 5), 18, 25)]
    """
    stack = _stack(layers)
    height, width = _image_shape(image_shape)
    rows, weights = [], 0
    for layer, fh, fw in zip(stack, ops.receptive_field(stack, height), ops.receptive_field(stack, width)):
        weights += 0 if is_pooling(layer) else layer.kernel_size**2
        rows.append(FieldRow(layer.name, layer.kernel_size, layer.stride, layer.padding,
                             (fh.output_size, fw.output_size), (fh.size, fw.size), (fh.jump, fw.jump),
                             weights, fh.size * fw.size))
    return rows


def _rgb(image) -> np.ndarray:
    """An image as ``uint8`` RGB: floats and booleans are read in [0, 1], other integers in [0, 255]."""
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] != 3) or array.size == 0 \
            or array.dtype.kind not in "fiub":
        raise ValueError(f"image must be a numeric array of shape (height, width), (height, width, 1) or "
                         f"(height, width, 3), received shape {array.shape} and dtype {array.dtype}.")
    if array.dtype != np.uint8:
        array = to_uint8(array, 0.0, 1.0 if array.dtype.kind in "fb" else 255.0)
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=-1)
    return array


def draw_box(image, box, *, scale: int = 1, border: int = 2, colour=_BORDER_COLOUR, dim: float = 0.45) -> np.ndarray:
    """Show a box of pixels: the image enlarged, darkened outside the box and framed around it.

    The frame is drawn *outside* the box, so every pixel of the box keeps
    its own value (a frame that would leave the image is clipped).

    Parameters
    ----------
    image : array_like
        ``(height, width)`` or ``(height, width, 3)``; floats in [0, 1] or ``uint8``.
    box : (int, int, int, int)
        ``(top, bottom, left, right)``, inclusive, in image pixels.
    scale : int
        Each pixel becomes a ``scale``×``scale`` block.
    border : int
        Frame thickness in displayed pixels.
    colour : (int, int, int)
        Frame colour.
    dim : float
        Brightness kept outside the box, in [0, 1].

    Returns
    -------
    numpy.ndarray
        ``uint8`` RGB of shape ``(height × scale, width × scale, 3)``.

    Examples
    --------
    >>> shown = draw_box(np.ones((5, 5)), (1, 3, 2, 2), border=1, dim=0.0)
    >>> shown[..., 0]
    array([[  0, 255, 255, 255,   0],
           [  0, 255, 255, 255,   0],
           [  0, 255, 255, 255,   0],
           [  0, 255, 255, 255,   0],
           [  0, 255, 255, 255,   0]], dtype=uint8)
    >>> shown[..., 2]
    array([[  0,   0,   0,   0,   0],
           [  0,   0, 255,   0,   0],
           [  0,   0, 255,   0,   0],
           [  0,   0, 255,   0,   0],
           [  0,   0,   0,   0,   0]], dtype=uint8)
    """
    pixels = _rgb(image)
    scale = check_positive_int("scale", scale)
    border = check_non_negative_int("border", border)
    if not (0.0 <= float(dim) <= 1.0):
        raise ValueError(f"dim must be a number from 0 to 1, received dim={dim!r}.")
    height, width = pixels.shape[:2]
    ok = (isinstance(box, (tuple, list)) and len(box) == 4
          and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in box))
    if not ok or not (0 <= box[0] <= box[1] < height and 0 <= box[2] <= box[3] < width):
        raise ValueError(f"box must be (top, bottom, left, right) inside the {height}×{width} image with "
                         f"top <= bottom and left <= right, received box={box!r}.")
    if scale > 1:
        pixels = np.repeat(np.repeat(pixels, scale, axis=0), scale, axis=1)
    top, bottom, left, right = (int(box[0]) * scale, (int(box[1]) + 1) * scale,
                                int(box[2]) * scale, (int(box[3]) + 1) * scale)
    shown = (pixels * float(dim) + 0.5).astype(np.uint8)
    shown[top:bottom, left:right] = pixels[top:bottom, left:right]
    if border:
        outer_top, outer_left = max(top - border, 0), max(left - border, 0)
        outer_bottom, outer_right = bottom + border, right + border
        frame = np.zeros(shown.shape[:2], bool)
        frame[outer_top:outer_bottom, outer_left:outer_right] = True
        frame[top:bottom, left:right] = False
        shown[frame] = colour
    return shown


def shrink(image, max_size: int) -> np.ndarray:
    """Downscale an image by an integer factor (mean of blocks) so its longer side is at most ``max_size``.

    Examples
    --------
    >>> shrink(np.ones((427, 640, 3)), 80).shape
    (53, 80, 3)
    """
    array = np.asarray(image, dtype=np.float32)
    max_size = check_positive_int("max_size", max_size)
    factor = -(-max(array.shape[:2]) // max_size)
    if factor <= 1:
        return array
    height, width = array.shape[0] // factor, array.shape[1] // factor
    blocks = array[: height * factor, : width * factor].reshape(height, factor, width, factor, *array.shape[2:])
    return blocks.mean(axis=(1, 3))


# --------------------------------------------------------------------------- widget


def _table_html(rows: list[FieldRow], chosen: int) -> str:
    head = ("<tr><th style='text-align:left'>layer</th><th>kernel / stride</th><th>padding</th><th>output</th>"
            "<th>receptive field</th><th>jump</th><th>weights per channel pair</th>"
            "<th>one layer with that field</th></tr>")
    body = []
    for index, row in enumerate(rows[: chosen + 1]):
        # The chosen layer in the frame's orange, light in the light theme and dark in the dark one.
        style = f" style='background:{css('highlight')};font-weight:bold'" if index == chosen else ""
        saving = "" if row.single_layer_weights == row.weights else (
            f" ({row.single_layer_weights / max(row.weights, 1):.1f}× more)" if row.weights else "")
        body.append(
            f"<tr{style}><td style='text-align:left'>{index + 1}. {html.escape(row.name)}</td>"
            f"<td>{row.kernel_size} / {row.stride}</td><td>{row.padding}</td>"
            f"<td>{row.output_shape[0]}×{row.output_shape[1]}</td>"
            f"<td>{row.field[0]}×{row.field[1]}</td><td>{row.jump[0]}</td>"
            f"<td>{row.weights}</td><td>{row.single_layer_weights}{saving}</td></tr>"
        )
    return ("<div style='max-width:100%;overflow-x:auto'><table class='cnnlab-table' style='max-width:100%;"
            "border-collapse:collapse;text-align:center;color:var(--jp-ui-font-color1, #333)' cellpadding='3'>"
            + head + "".join(body) + "</table></div>")


def _span(first: int, last: int, what: str) -> str:
    return f"{what} {first}" if first == last else f"{what}s {first}–{last}"


class ReceptiveFieldExplorer(WidgetBase):
    """Pick a stack, a layer and a neuron; see which input pixels that neuron depends on.

    Parameters
    ----------
    image : array_like, optional
        ``(height, width)`` or ``(height, width, 3)``, floats in [0, 1] or
        ``uint8``. Default: the chapter's temple photo shrunk to 53×80, so
        that the fields of small stacks are visible.
    preset : str
        One of :data:`PRESETS`.
    layers : sequence, optional
        A stack of your own (``ops.Layer`` objects or ``(kernel_size, stride,
        padding)`` tuples); it appears as "custom" and is selected.
    scale : int, optional
        Each input pixel is shown as a ``scale``×``scale`` block (default:
        about 400 pixels for the longer side, so that the picture and the
        text beside it fit a notebook column). The picture keeps its aspect
        ratio whatever the height of the text.
    format : {"jpeg", "png"}
        JPEG suits photos; PNG keeps small digits crisp.

    Attributes
    ----------
    box : (int, int, int, int)
        ``(top, bottom, left, right)`` of the field on display, in input pixels.
    path : list
        :func:`field_path` of the chosen neuron.
    table : list of FieldRow
        :func:`field_table` of the whole stack.
    output_array : numpy.ndarray
        The picture on display, before encoding.

    Examples
    --------
    >>> explorer = ReceptiveFieldExplorer(np.zeros((32, 32)), preset="two 3×3 convs vs one 5×5")
    >>> explorer.row.value, explorer.col.value = 10, 20
    >>> explorer.box
    (8, 12, 18, 22)
    >>> explorer.layer.value = 0
    >>> explorer.box[1] - explorer.box[0] + 1
    3
    """

    def __init__(self, image=None, *, preset: str = "three 3×3 convs", layers=None, scale: int | None = None,
                 format: str = "jpeg") -> None:
        super().__init__()
        if image is None:
            from ..datasets import load_sample_image

            image = shrink(load_sample_image("temple"), 80)
        self.input_image = _rgb(image)
        self.presets = dict(PRESETS)
        if layers is not None:
            self.presets = {"custom": tuple(_stack(layers)), **self.presets}
            preset = "custom"
        preset = check_one_of("preset", preset, self.presets)
        height, width = self.input_image.shape[:2]
        self.scale = (max(1, _PICTURE // max(height, width)) if scale is None else check_positive_int("scale", scale))
        check_memory(f"scale={self.scale} on an image of {height}×{width} pixels", height * width * self.scale**2 * 3,
                     fix="Use a smaller scale.")
        self.format = check_one_of("format", format, ("jpeg", "png"),
                                   normalize=lambda f: str(f).lower().replace("jpg", "jpeg"))
        self.box: tuple[int, int, int, int] | None = None
        self.path: list | None = None
        self.table: list[FieldRow] = []
        self.output_array: np.ndarray | None = None
        self._shown = None  # (preset, layer) last drawn: a new one recentres the neuron

        style = {"description_width": "110px"}  # the course's one label style
        stack = self.presets[preset]
        self.preset = w.Dropdown(options=list(self.presets), value=preset, description="Stack", style=style,
                                 layout=fit("400px"))
        self.layer = w.Dropdown(options=self._layer_options(stack), value=len(stack) - 1, description="Layer",
                                style=style, layout=fit("400px"))
        self.row = w.IntSlider(value=0, min=0, max=0, description="Row", style=style, continuous_update=True,
                               layout=fit("400px"))
        self.col = w.IntSlider(value=0, min=0, max=0, description="Column", style=style, continuous_update=True,
                               layout=fit("400px"))
        # Width only: the height follows the aspect ratio, never the height of the text beside it.
        self.image = w.Image(format=self.format, layout=picture_layout(f"{width * self.scale}px",
                                                                      align_self="flex-start", flex="0 0 auto"))
        self.readout = w.HTML()
        self.readout.add_class("cnnlab-readout")
        self.table_html = w.HTML()

        self.preset.observe(self._on_preset, names="value")
        for control in (self.layer, self.row, self.col):
            control.observe(self._on_change, names="value")
        wrap = {"flex_flow": "row wrap", "max_width": "100%", "align_items": "flex-start"}
        self.root = w.VBox([
            w.HTML("<b>Receptive field: what one neuron sees of the input</b>"),
            w.HBox([w.VBox([self.preset, self.layer]), w.VBox([self.row, self.col])], layout=w.Layout(**wrap)),
            w.HBox([self.image, w.VBox([self.readout], layout=w.Layout(flex="1 1 300px", max_width="100%"))],
                   layout=w.Layout(grid_gap="12px", **wrap)),
            self.table_html,
            self.error_box,
        ], layout=w.Layout(max_width="100%"))
        self.refresh()

    @staticmethod
    def _layer_options(stack) -> list[tuple[str, int]]:
        return [(f"{index + 1}. {layer.name}", index) for index, layer in enumerate(stack)]

    @property
    def layers(self) -> tuple[ops.Layer, ...]:
        """The stack selected in the Stack dropdown.

        Examples
        --------
        >>> explorer = ReceptiveFieldExplorer(np.zeros((32, 32)), preset="strided convs")
        >>> [layer.stride for layer in explorer.layers]
        [2, 2, 2]
        """
        return tuple(self.presets[self.preset.value])

    # ------------------------------------------------------------------ updates
    def _on_preset(self, _change) -> None:
        with self.errors_shown():
            stack = self.layers
            with self.quiet():
                self.layer.options = self._layer_options(stack)
                self.layer.value = len(stack) - 1
        self.refresh()

    def _update(self) -> None:
        stack = self.layers
        shape = self.input_image.shape[:2]
        table = field_table(stack, shape)  # refuses a stack that does not fit the image
        chosen = self.layer.value
        out_h, out_w = table[chosen].output_shape
        with self.quiet():
            self.row.max, self.col.max = out_h - 1, out_w - 1
            if self._shown != (self.preset.value, chosen):
                self.row.value, self.col.value = out_h // 2, out_w // 2
        row, col = self.row.value, self.col.value
        path = field_path(stack, shape, chosen, row, col)
        box = field_box(stack, shape, chosen, row, col)
        shown = draw_box(self.input_image, box, scale=self.scale, border=max(2, self.scale // 3))
        # Everything is computed before anything is shown: if one step fails, the last good view stays whole.
        picture = encode_image(shown, self.format)
        readout = self._readout(table, chosen, (row, col), path)
        table_html = _table_html(table, chosen)
        self.image.value = picture
        self.readout.value = readout
        self.table_html.value = table_html
        self.box, self.path, self.table, self.output_array = box, path, table, shown
        self._shown = (self.preset.value, chosen)

    def _readout(self, table, chosen, neuron, path) -> str:
        row = table[chosen]
        (top, bottom), (left, right) = path[0]
        seen = (bottom - top + 1, right - left + 1)
        clipped = "" if seen == row.field else (
            f" The border clips it to {seen[0]}×{seen[1]} real pixels; the rest is zero padding.")
        steps = [f"input: {_span(*path[0][0], 'row')}, {_span(*path[0][1], 'column')} "
                 f"({seen[0]}×{seen[1]})"]
        for index, ((r0, r1), (c0, c1)) in enumerate(path[1:]):
            what = "the neuron" if index == chosen else f"{r1 - r0 + 1}×{c1 - c0 + 1}"
            steps.append(f"{index + 1}. {html.escape(table[index].name)}: {_span(r0, r1, 'row')}, "
                         f"{_span(c0, c1, 'column')} ({what})")
        compare = (
            f"Up to this layer the stack has used <b>{row.weights}</b> weights per input/output channel pair "
            f"to see a {row.field[0]}×{row.field[1]} field; one {row.field[0]}×{row.field[1]} convolution "
            f"would need <b>{row.single_layer_weights}</b>."
        )
        return (
            f"<div>Neuron ({neuron[0]}, {neuron[1]}) of layer {chosen + 1} ({html.escape(row.name)}, "
            f"{row.output_shape[0]}×{row.output_shape[1]} neurons) has a "
            f"<b>{row.field[0]}×{row.field[1]}</b> receptive field; neighbouring neurons' fields are "
            f"{row.jump[0]} pixel{'s' if row.jump[0] > 1 else ''} apart.{clipped}"
            f"<br><br>What it depends on, layer by layer:<br>" + "<br>".join(steps)
            + f"<br><br>{compare}</div>"
        )
