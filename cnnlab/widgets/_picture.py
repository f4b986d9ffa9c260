"""A widget's static picture: its state drawn as one PNG, for viewers that cannot run widgets.

GitHub and nbviewer show a notebook's saved outputs but run none of its
JavaScript, so a widget shows there as ``<KernelExplorer widget>``.
:func:`widget_picture` draws the widget's tree the way the browser lays it out
(boxes in rows that wrap at the column's width, or in columns): each
``ipywidgets.Image`` from its bytes at its layout's width, HTML text and inline
SVG (drawn by :mod:`cnnlab.widgets._drawing`), and each control as its label and
its value. Pillow only, the light theme's colours: the same state gives the same picture.
"""

from __future__ import annotations

import io
import math
import re

import ipywidgets as w
import numpy as np

from ._base import PICTURE_FOOTER
from ._drawing import (COLUMN_WIDTH, GAP_X, GAP_Y, MARGIN, WHITE, Run, css_colour, css_px, draw_runs, html_picture,
                       stack_pictures, text_length, theme_rgb, ui_font, wrap_runs)

# encode_png serves WidgetBase, which hands it what it has drawn.
__all__ = ["widget_picture", "COLUMN_WIDTH"]

#: Below the picture, so that a reader of the static page does not try to drag its sliders.
FOOTER = PICTURE_FOOTER
_BUTTON_FILLS = {"primary": "#1976d2", "success": "#388e3c", "info": "#0288d1", "warning": "#f57c00",
                 "danger": "#d32f2f"}


def _hidden(widget) -> bool:
    layout = getattr(widget, "layout", None)
    return layout is not None and (layout.display == "none" or layout.visibility == "hidden")




def _flow(pictures, width: float, gap_x: int = GAP_X, gap_y: int = GAP_Y):
    """Pictures side by side, wrapping onto a new line where the next one would pass ``width``."""
    from PIL import Image

    lines, line, x = [], [], 0
    for picture in pictures:
        if line and x + picture.width > width:
            lines.append(line)
            line, x = [], 0
        line.append(picture)
        x += picture.width + gap_x
    lines.append(line)
    out_w = max(sum(p.width for p in ln) + gap_x * (len(ln) - 1) for ln in lines)
    out_h = sum(max(p.height for p in ln) for ln in lines) + gap_y * (len(lines) - 1)
    out = Image.new("RGB", (max(1, out_w), max(1, out_h)), WHITE)
    y = 0
    for ln in lines:
        x = 0
        for picture in ln:
            out.paste(picture, (x, y))
            x += picture.width + gap_x
        y += max(p.height for p in ln) + gap_y
    return out


def _fit(picture, width: float):
    from PIL import Image

    if picture.width <= width:
        return picture.convert("RGB")
    height = max(1, round(picture.height * width / picture.width))
    return picture.convert("RGB").resize((max(1, int(width)), height), Image.Resampling.BILINEAR)


def _image(widget, width: float):
    from PIL import Image

    if not widget.value:
        return None
    try:
        picture = Image.open(io.BytesIO(widget.value))
        natural_w, natural_h = picture.size
    except Exception:  # noqa: BLE001 - not a picture Pillow reads (e.g. SVG bytes): nothing to draw
        return None
    layout = widget.layout
    limit = min(width, css_px(layout.max_width, width) or width)
    target = css_px(layout.width, width) or css_px(widget.width, width)
    if target is None:  # the width follows the height, or the picture keeps its own
        by_height = css_px(layout.height) or css_px(widget.height)
        target = natural_w * by_height / natural_h if by_height else natural_w
    size = (max(1, round(min(target, limit))), max(1, round(natural_h * min(target, limit) / natural_w)))
    picture.draft("RGB", size)  # a large JPEG is decoded at a reduced scale (still at least ``size``)
    picture = picture.convert("RGB")
    if size == picture.size:
        return picture
    method = Image.Resampling.NEAREST if size[0] >= 2 * natural_w else Image.Resampling.BILINEAR
    return picture.resize(size, method)


def _label_width(widget) -> float:
    style = getattr(widget, "style", None)
    width = css_px(getattr(style, "description_width", None))
    if width is not None:
        return width
    description = getattr(widget, "description", "") or ""
    return max(80.0, text_length(ui_font(), description) + 8) if description else 0.0


def _box_text(draw, box, text, *, fill, outline, colour, font, align="middle"):
    draw.rectangle(box, fill=fill, outline=outline)
    x0, y0, x1, y1 = box
    y = (y0 + y1) / 2 + font.size * 0.36
    if align == "middle":
        draw.text(((x0 + x1) / 2, y), text, font=font, fill=colour, anchor="ms")
    else:
        draw.text((x0 + 6, y), text, font=font, fill=colour, anchor="ls")


def _clip(text: str, width: float, font) -> str:
    if text_length(font, text) <= width:
        return text
    while text and text_length(font, text + "…") > width:
        text = text[:-1]
    return text + "…"


def _readout(widget) -> str:
    value = widget.value
    if isinstance(widget, w.SelectionSlider):
        return str(widget.label)
    if isinstance(widget, w.SelectionRangeSlider):
        return "–".join(map(str, widget.label))
    fmt = getattr(widget, "readout_format", None) or ""
    values = value if isinstance(value, (tuple, list)) else (value,)
    try:
        parts = [format(v, fmt) for v in values]
    except (TypeError, ValueError):
        parts = [str(v) for v in values]
    return "–".join(parts)


def _slider_position(widget) -> list[float]:
    if isinstance(widget, (w.SelectionSlider, w.SelectionRangeSlider)):
        n = max(1, len(widget.options) - 1)
        index = widget.index if isinstance(widget.index, (tuple, list)) else (widget.index,)
        return [i / n for i in index]
    values = widget.value if isinstance(widget.value, (tuple, list)) else (widget.value,)
    low, high = widget.min, widget.max
    if isinstance(widget, w.FloatLogSlider):
        base = widget.base
        values = [math.log(max(v, 1e-300), base) for v in values]
    span = (high - low) or 1
    return [min(1.0, max(0.0, (v - low) / span)) for v in values]


_ROW = 28  # the height of one control, in pixels (as ipywidgets draws them)


def _faded(colour, opacity: float = 0.6) -> tuple[int, int, int]:
    """``colour`` drawn at ``opacity`` over white."""
    return tuple(round(opacity * c + (1 - opacity) * 255) for c in colour)


def _button(widget, width: float, total: float | None):
    """A button (or an upload button, or a toggle) as its coloured box and its label."""
    from PIL import Image, ImageDraw

    font, text, border, panel = ui_font(), theme_rgb("text"), theme_rgb("border"), theme_rgb("panel2")
    description = str(widget.description or "")
    label = f"⇪ {description or 'Upload'}" if isinstance(widget, w.FileUpload) else description
    fill = css_colour(_BUTTON_FILLS.get(getattr(widget, "button_style", "")), panel)
    if isinstance(widget, w.ToggleButton) and widget.value and fill == panel:
        fill = border
    ink = text if fill in (panel, border) else WHITE
    if getattr(widget, "disabled", False):  # faded, as the browser draws a disabled button (opacity 0.6)
        fill, ink = _faded(fill), _faded(ink)
    bw = min(width, total or max(80.0, text_length(font, label) + 28))
    picture = Image.new("RGB", (max(1, round(bw)), _ROW), WHITE)
    _box_text(ImageDraw.Draw(picture), [0, 2, bw - 1, _ROW - 3], _clip(label, bw - 12, font), fill=fill,
              outline=fill, colour=ink, font=font)
    return picture


def _play():
    from PIL import Image, ImageDraw

    panel = theme_rgb("panel2")
    picture = Image.new("RGB", (68, _ROW), WHITE)
    draw = ImageDraw.Draw(picture)
    for k, glyph in enumerate(("▶", "■")):
        _box_text(draw, [k * 34, 2, k * 34 + 31, _ROW - 3], glyph, fill=panel, outline=panel, colour=theme_rgb("text"),
                  font=ui_font())
    return picture


def _checkbox(widget, width: float, total: float | None):
    from PIL import Image, ImageDraw

    font = ui_font()
    indent = _label_width(widget) if widget.indent else 0
    label = f"{'☑' if widget.value else '☐'} {widget.description or ''}"
    cw = min(width, total or indent + text_length(font, label) + 4)
    picture = Image.new("RGB", (max(1, round(cw)), _ROW), WHITE)
    ImageDraw.Draw(picture).text((indent, _ROW / 2 + 5), _clip(label, cw - indent, font), font=font,
                                 fill=theme_rgb("text"), anchor="ls")
    return picture


def _labelled(widget, width: float, total: float | None, body: float, height: int, draw_body):
    """A control with its label on the left (right-aligned in its width) and ``draw_body`` beside it."""
    from PIL import Image, ImageDraw

    font = ui_font()
    description = str(getattr(widget, "description", "") or "")
    label_w = _label_width(widget)
    body_x = label_w + (4 if label_w else 0)
    cw = min(width, total or body_x + body)
    picture = Image.new("RGB", (max(1, round(cw)), max(_ROW, height)), WHITE)
    draw = ImageDraw.Draw(picture)
    if description:
        draw.text((label_w, _ROW / 2 + 5), _clip(description, max(label_w, 1), font), font=font,
                  fill=theme_rgb("text"), anchor="rs")
    draw_body(draw, body_x, max(20.0, cw - body_x), picture.height)
    return picture


def _slider_body(widget):
    def draw_body(draw, x0, body_w, height):
        font = ui_font()
        readout = _readout(widget) if getattr(widget, "readout", True) else ""
        track_w = max(20.0, body_w - (text_length(font, readout) + 10 if readout else 0) - 8)
        y, positions = _ROW / 2, _slider_position(widget)
        draw.line([(x0 + 6, y), (x0 + 6 + track_w, y)], fill=theme_rgb("border"), width=4)
        if len(positions) == 2:  # a range: the part between the handles in colour
            draw.line([(x0 + 6 + p * track_w, y) for p in positions], fill=theme_rgb("brand"), width=4)
        for p in positions:
            x = x0 + 6 + p * track_w
            draw.ellipse([x - 7, y - 7, x + 7, y + 7], fill=WHITE, outline=theme_rgb("muted"), width=1)
        draw.text((x0 + 14 + track_w, y + 5), readout, font=font, fill=theme_rgb("text"), anchor="ls")
    return draw_body


def _toggle_widths(widget) -> list[float]:
    button_w = css_px(widget.style.button_width) if widget.style.button_width else None
    return [button_w or max(40.0, text_length(ui_font(), str(o)) + 20) for o in widget._options_labels]


def _toggles_body(widget):
    def draw_body(draw, x, body_w, height):
        for option, bw in zip(widget._options_labels, _toggle_widths(widget)):
            selected = option == widget.label
            fill = theme_rgb("border") if selected else theme_rgb("panel2")
            _box_text(draw, [x, 2, x + bw - 1, _ROW - 3], _clip(str(option), bw - 8, ui_font()), fill=fill,
                      outline=fill, colour=theme_rgb("text"), font=ui_font(bold=selected))
            x += bw + 2
    return draw_body


def _radio_body(widget, line: int):
    def draw_body(draw, x, body_w, height):
        for k, option in enumerate(widget._options_labels):
            mark = "●" if option == widget.label else "○"
            draw.text((x, k * line + line / 2 + 5), _clip(f"{mark} {option}", body_w, ui_font()), font=ui_font(),
                      fill=theme_rgb("text"), anchor="ls")
    return draw_body


def _dropdown_body(widget):
    def draw_body(draw, x, body_w, height):
        font = ui_font()
        label = "" if widget.label is None else str(widget.label)
        _box_text(draw, [x, 2, x + body_w - 1, _ROW - 3], _clip(label, body_w - 24, font), fill=WHITE,
                  outline=theme_rgb("border"), colour=theme_rgb("text"), font=font, align="left")
        draw.text((x + body_w - 8, _ROW / 2 + 5), "▾", font=font, fill=theme_rgb("muted"), anchor="rs")
    return draw_body


def _text_body(widget, rows: int):
    """A text or number box: its value (dots for a password), or its placeholder in grey; a text area wraps."""
    value = widget.value
    shown = "" if value is None else "•" * len(str(value)) if isinstance(widget, w.Password) else str(value)
    placeholder = getattr(widget, "placeholder", "") or ""
    ink = theme_rgb("text") if shown else theme_rgb("muted")
    shown = shown or ("" if placeholder == "\u200b" else placeholder)

    def draw_body(draw, x, body_w, height):
        draw.rectangle([x, 2, x + body_w - 1, height - 3], fill=WHITE, outline=theme_rgb("border"))
        if rows == 1:
            draw.text((x + 6, _ROW / 2 + 5), _clip(shown, body_w - 12, ui_font()), font=ui_font(), fill=ink, anchor="ls")
            return
        y = 4.0
        for wrapped in wrap_runs([Run(shown, colour=ink)], body_w - 12):
            if y + 18 > height - 4:
                break
            draw_runs(draw, wrapped, x + 6, y, 18, ink)
            y += 18
    return draw_body


def _control(widget, width: float):
    """A control as its label and its value, the way ipywidgets draws it (roughly), or None."""
    total = css_px(widget.layout.width, width) if isinstance(getattr(widget, "layout", None), w.Layout) else None
    if isinstance(widget, (w.Button, w.FileUpload, w.ToggleButton)):
        return _button(widget, width, total)
    if isinstance(widget, w.Play):
        return _play()
    if isinstance(widget, w.Checkbox):
        return _checkbox(widget, width, total)
    if "Slider" in type(widget).__name__ and hasattr(widget, "value"):
        return _labelled(widget, width, total, 220, _ROW, _slider_body(widget))
    if isinstance(widget, w.ToggleButtons):
        widths = _toggle_widths(widget)
        return _labelled(widget, width, total, sum(widths) + 2 * (len(widths) - 1), _ROW, _toggles_body(widget))
    if isinstance(widget, w.RadioButtons):
        labels = widget._options_labels
        body = max((text_length(ui_font(), "● " + str(o)) for o in labels), default=0) + 4
        return _labelled(widget, width, total, body, 22 * max(1, len(labels)), _radio_body(widget, 22))
    if isinstance(widget, (w.Dropdown, w.Select)):
        return _labelled(widget, width, total, 160, _ROW, _dropdown_body(widget))
    if hasattr(widget, "value"):
        rows = max(2, round((css_px(widget.layout.height) or 60) / 20)) if isinstance(widget, w.Textarea) else 1
        return _labelled(widget, width, total, 160, 22 * rows if rows > 1 else _ROW, _text_body(widget, rows))
    return None


def _canvas(widget, width: float):
    """A canvas (ipycanvas) as a framed grey area of its size: its pixels live in the browser."""
    from PIL import Image, ImageDraw

    cw, ch = css_px(widget.layout.width, width) or widget.width, css_px(widget.layout.height) or widget.height
    scale = min(1.0, width / cw)
    picture = Image.new("RGB", (max(1, round(cw * scale)), max(1, round(ch * scale))), theme_rgb("panel2"))
    ImageDraw.Draw(picture).rectangle([0, 0, picture.width - 1, picture.height - 1], outline=theme_rgb("border"))
    return picture


def _render(widget, width: float, parts: dict):
    if id(widget) in parts:
        return _fit(parts[id(widget)], width)
    if not isinstance(widget, w.Widget) or _hidden(widget):
        return None
    if isinstance(widget, w.Image):
        return _image(widget, width)
    if isinstance(widget, (w.HTML, w.HTMLMath, w.Label)):
        layout = widget.layout
        limit = min(width, css_px(layout.width, width) or width, css_px(layout.max_width, width) or width)
        value = widget.value if not isinstance(widget, w.Label) else \
            re.sub(r"[<>&]", lambda m: {"<": "&lt;", ">": "&gt;", "&": "&amp;"}[m.group()], widget.value)
        return html_picture(value, limit)
    if isinstance(widget, w.Box):
        return _box(widget, width, parts)
    if isinstance(widget, w.DOMWidget) and isinstance(getattr(widget, "width", None), (int, float)) \
            and isinstance(getattr(widget, "height", None), (int, float)) and not hasattr(widget, "value"):
        return _canvas(widget, width)
    return _control(widget, width)


def _grid_columns(template) -> int | None:
    """The number of columns of a CSS ``grid-template-columns`` (``"repeat(3, 60px)"`` or ``"60px 60px 60px"``)."""
    if not template:
        return None
    repeat = re.fullmatch(r"\s*repeat\(\s*(\d+)\s*,.*\)\s*", template)
    if repeat:
        return int(repeat.group(1))
    tracks = re.findall(r"minmax\([^)]*\)|[^\s]+", template)
    return len(tracks) or None


def _grid(pictures, columns: int, gap: int = 2):
    from PIL import Image

    rows = [pictures[i:i + columns] for i in range(0, len(pictures), columns)]
    widths = [max(row[k].width for row in rows if k < len(row)) for k in range(min(columns, len(pictures)))]
    heights = [max(p.height for p in row) for row in rows]
    out = Image.new("RGB", (sum(widths) + gap * (len(widths) - 1), sum(heights) + gap * (len(rows) - 1)), WHITE)
    y = 0
    for row, height in zip(rows, heights):
        x = 0
        for picture, width in zip(row, widths):
            out.paste(picture, (x, y))
            x += width + gap
        y += height + gap
    return out


def _box(box, width: float, parts: dict):
    from PIL import ImageDraw

    layout = box.layout
    inner = min(width, css_px(layout.width, width) or width, css_px(layout.max_width, width) or width)
    bordered = bool(layout.border) and layout.border not in ("none", "0", "0px")
    if bordered:
        inner -= 2 * (GAP_X - 2)
    pictures = [p for p in (_render(child, inner, parts) for child in box.children) if p is not None]
    if not pictures:
        return None
    if isinstance(box, w.GridBox):
        picture = _grid(pictures, _grid_columns(layout.grid_template_columns) or len(pictures))
    elif isinstance(box, w.VBox) or "column" in (layout.flex_flow or ""):
        picture = stack_pictures(pictures, GAP_Y)
    else:
        picture = _flow(pictures, inner)
    if bordered:  # a framed box (an exercise's question) spans its column, as in the browser
        from PIL import Image

        framed = Image.new("RGB", (max(picture.width, round(inner)) + 2 * (GAP_X - 2),
                                   picture.height + 2 * GAP_Y + 2), WHITE)
        framed.paste(picture, (GAP_X - 2, GAP_Y + 1))
        ImageDraw.Draw(framed).rectangle([0, 0, framed.width - 1, framed.height - 1], outline=theme_rgb("border"))
        picture = framed
    return picture


def widget_picture(root, *, parts=None, width: int = COLUMN_WIDTH, footer: str | None = FOOTER):
    """Draw the widget tree under ``root`` as one RGB ``PIL.Image`` at most ``width`` pixels wide.

    Parameters
    ----------
    root : ipywidgets.Widget
        Usually a widget's outer box.
    parts : mapping of ipywidgets.Widget to PIL.Image, optional
        Stand-in pictures for widgets whose look lives in the browser (a drawing canvas).
    width : int
        The notebook column's width in pixels.
    footer : str or None
        A line under the picture (by default: that it is a picture, and how to use the widget).

    Examples
    --------
    >>> from PIL import Image
    >>> red = Image.new("RGB", (10, 5), (255, 0, 0)); buffer = io.BytesIO(); red.save(buffer, "PNG")
    >>> box = w.VBox([w.HTML("<b>A red image</b>"), w.Image(value=buffer.getvalue(), layout=w.Layout(width="40px"))])
    >>> picture = widget_picture(box, footer=None)
    >>> picture.width <= 900, (255, 0, 0) in [c for _, c in picture.getcolors(1 << 16)]
    (True, True)
    """
    from PIL import Image, ImageDraw

    if not isinstance(root, w.Widget):
        raise ValueError(f"root must be an ipywidgets widget, received root={root!r:.80}.")
    if isinstance(width, bool) or not isinstance(width, int) or width < 100:
        raise ValueError(f"width must be an int of at least 100 (pixels), received width={width!r}.")
    stand_ins = {}
    for widget, picture in (parts or {}).items():
        if not isinstance(picture, Image.Image):
            raise ValueError(f"parts must map widgets to PIL images, received {picture!r:.80} for {widget!r:.80}.")
        stand_ins[id(widget)] = picture
    inner = width - 2 * MARGIN
    body = _render(root, inner, stand_ins)
    pieces = [body] if body is not None else []
    if footer:
        pieces.append(html_picture(f'<span class="cnnlab-caption">{footer}</span>', inner))
    content = stack_pictures(pieces, GAP_Y * 2) if pieces else Image.new("RGB", (1, 1), WHITE)
    picture = Image.new("RGB", (min(width, content.width + 2 * MARGIN), content.height + 2 * MARGIN), WHITE)
    picture.paste(content.crop((0, 0, min(content.width, inner), content.height)), (MARGIN, MARGIN))
    ImageDraw.Draw(picture).rectangle([0, 0, picture.width - 1, picture.height - 1], outline=theme_rgb("border2"))
    return picture


def encode_png(picture) -> bytes:
    """``picture`` as PNG bytes, in at most 256 colours (small and quick to write: one is made at every display).

    Examples
    --------
    >>> from PIL import Image
    >>> encode_png(Image.new("RGB", (4, 4)))[:4]
    b'\\x89PNG'
    """
    from PIL import Image

    if picture.mode != "RGB":
        picture = picture.convert("RGB")
    colours = picture.getcolors(256)
    if colours is None:  # photos: 256 colours make the file 3-4 times smaller, and faster to write
        picture = picture.quantize(256, method=Image.Quantize.FASTOCTREE)
    else:  # text and diagrams: a palette of exactly their colours, the same picture in a third of the bytes
        keys = np.array(sorted({(r << 16) | (g << 8) | b for _, (r, g, b) in colours}), np.uint32)
        pixels = np.asarray(picture).astype(np.uint32)
        index = np.searchsorted(keys, (pixels[..., 0] << 16) | (pixels[..., 1] << 8) | pixels[..., 2])
        picture = Image.fromarray(index.astype(np.uint8), "P")
        picture.putpalette(np.stack([keys >> 16, (keys >> 8) & 255, keys & 255], axis=1).astype(np.uint8).tobytes())
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()
