"""A widget's static picture: its state drawn as one PNG, for viewers that cannot run widgets.

GitHub and nbviewer show a notebook's saved outputs but run none of its
JavaScript, so a widget shows there as ``<KernelExplorer widget>``.
:func:`widget_picture` draws the widget's tree the way the browser lays it out
(boxes in rows that wrap at the column's width, or in columns): each
``ipywidgets.Image`` from its bytes at its layout's width, HTML text with its
bold, colours, tables and bars, inline SVG (rectangles, lines, circles and text,
what the course's diagrams use), and each control as its label and its value.
Pillow only, one font (DejaVu Sans, which matplotlib ships), the light theme's
colours: the same state gives the same picture.
"""

from __future__ import annotations

import importlib.util
import io
import math
import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import ipywidgets as w
import numpy as np

from ._base import PICTURE_FOOTER, THEME

# encode_png, html_picture and svg_picture serve widget_picture, which hands them what it has checked.
__all__ = ["widget_picture", "COLUMN_WIDTH"]

#: Width of the notebook column the picture is drawn for, in pixels.
COLUMN_WIDTH = 900
#: Below the picture, so that a reader of the static page does not try to drag its sliders.
FOOTER = PICTURE_FOOTER
_MARGIN, _GAP_X, _GAP_Y = 8, 12, 6
_SIZE, _SMALL = 13, 11
_WHITE = (255, 255, 255)
_BUTTON_FILLS = {"primary": "#1976d2", "success": "#388e3c", "info": "#0288d1", "warning": "#f57c00",
                 "danger": "#d32f2f"}


def _theme(name: str) -> tuple[int, int, int]:
    from PIL import ImageColor

    return ImageColor.getrgb(THEME[name][1])


# --------------------------------------------------------------------------- fonts and colours


@lru_cache(maxsize=None)
def _font(size: int = _SIZE, bold: bool = False, italic: bool = False, mono: bool = False):
    from PIL import ImageFont

    name = "DejaVuSans" + ("Mono" if mono else "") + ("-Bold" if bold else "") + \
        ("Oblique" if italic and bold else "-Oblique" if italic else "")
    spec = importlib.util.find_spec("matplotlib")
    if spec is not None and spec.submodule_search_locations:
        path = Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf" / f"{name}.ttf"
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def _colour(value, default=None):
    """An RGB tuple from a CSS colour (``#hex``, a name, ``rgb()``, or ``var(--x, fallback)``); ``default`` if none."""
    from PIL import ImageColor

    if value is None:
        return default
    value = str(value).strip()
    var = re.fullmatch(r"var\(\s*(--[\w-]+)\s*(?:,\s*(.+))?\)", value)
    if var:
        known = {variable: fallback for variable, fallback in THEME.values()}
        value = (var.group(2) or known.get(var.group(1), "")).strip()
    if value in ("", "none", "transparent", "inherit", "currentColor"):
        return None if value in ("none", "transparent") else default
    try:
        return ImageColor.getrgb(value)[:3]
    except ValueError:
        return default


def _px(value, available: float | None = None, em: float = _SIZE) -> float | None:
    """Pixels of a CSS length (``"300px"``, ``"50%"`` of ``available``, ``"2em"``); None for auto or unknown."""
    if value is None:
        return None
    match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*(px|%|em|rem)?\s*", str(value))
    if not match:
        return None
    number, unit = float(match.group(1)), match.group(2) or "px"
    if unit == "%":
        return None if available is None else available * number / 100
    return number * em if unit in ("em", "rem") else number


# --------------------------------------------------------------------------- text


class _Run:
    """A piece of text in one style, or a coloured box (``text`` None): a bar of a bar chart."""

    __slots__ = ("text", "bold", "italic", "mono", "size", "colour", "box")

    def __init__(self, text, *, bold=False, italic=False, mono=False, size=_SIZE, colour=None, box=None):
        self.text, self.bold, self.italic, self.mono = text, bold, italic, mono
        self.size, self.colour, self.box = size, colour, box

    @property
    def font(self):
        return _font(self.size, self.bold, self.italic, self.mono)

    def width(self) -> float:
        return self.box[0] if self.box else _length(self.font, self.text)

    def height(self) -> float:
        return self.box[1] if self.box else self.size * 1.4


@lru_cache(maxsize=4096)
def _length(font, text: str) -> float:
    """The width of ``text`` in ``font`` (measured once: a widget's labels come back at every display)."""
    return font.getlength(text)


_BLOCKS = {"div", "p", "br", "tr", "table", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "section",
           "header", "footer", "pre", "blockquote", "dl", "dt", "dd", "figure", "figcaption"}
_SKIP = {"style", "script", "head", "title", "img", "svg", "input", "button", "select", "textarea"}
_VOID = {"br", "hr", "img", "input", "meta", "link", "wbr", "col", "area", "base", "source"}
_CLASS_STYLES = {"cnnlab-caption": dict(colour="muted", size=_SMALL), "cnnlab-note": dict(colour="muted"),
                 "cnnlab-warning": dict(colour="warn", bold=True), "cnnlab-title": dict(bold=True, colour="strong"),
                 "cnnlab-error-message": dict(colour="error"), "cnnlab-error-where": dict(colour="muted")}


class _Lines(HTMLParser):
    """HTML to lines of cells of runs: blocks break lines, table cells and flex items become cells."""

    def __init__(self, colour) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[dict] = []
        self._cells: list[list[_Run]] = [[]]
        self._aligns: list[str | None] = [None]  # each cell's text-align (the cells of a spread row use it)
        self._spreads = 0
        self._group = None
        self._styles = [dict(bold=False, italic=False, mono=False, size=_SIZE, colour=colour)]
        self._tags: list[tuple[str, bool]] = []  # (tag, whether it pushed a style)
        self._skip = 0
        self._tables = 0
        self._flex: list[int] = []  # depths of the open flex containers

    # ---------------------------------------------------------------- structure
    def _flush(self) -> None:
        if any(run.box or run.text.strip() for cell in self._cells for run in cell):
            cells = [self._trim(cell) for cell in self._cells]
            self.lines.append({"cells": cells, "group": self._group, "aligns": self._aligns})
        self._cells, self._aligns = [[]], [None]

    @staticmethod
    def _trim(cell):
        while cell and cell[0].box is None and not cell[0].text.strip():
            cell = cell[1:]
        if cell and cell[0].box is None:
            cell[0].text = cell[0].text.lstrip()
        if cell and cell[-1].box is None:
            cell[-1].text = cell[-1].text.rstrip()
        return cell

    def _new_cell(self, align: str | None = None) -> None:
        if self._cells[-1]:
            self._cells.append([])
            self._aligns.append(align)
        else:
            self._aligns[-1] = align

    def _style_for(self, tag: str, attrs: dict) -> dict | None:
        style = dict(self._styles[-1])
        changed = False
        if tag in ("b", "strong", "th") or re.fullmatch(r"h[1-6]", tag):
            style["bold"], changed = True, True
        if tag in ("i", "em"):
            style["italic"], changed = True, True
        if tag in ("code", "tt", "kbd", "pre"):
            style["mono"], changed = True, True
        if tag in ("small", "sub", "sup"):
            style["size"], changed = _SMALL, True
        if tag in ("h1", "h2", "h3"):
            style["size"], changed = 16, True
        for name in (attrs.get("class") or "").split():
            for key, value in _CLASS_STYLES.get(name, {}).items():
                style[key] = _theme(value) if key == "colour" else value
                changed = True
        css = attrs.get("style") or ""
        colour = re.search(r"(?:^|;)\s*color\s*:\s*([^;]+)", css)
        if colour:
            style["colour"], changed = _colour(colour.group(1), style["colour"]), True
        if re.search(r"font-weight\s*:\s*(bold|[6-9]00)", css):
            style["bold"], changed = True, True
        if re.search(r"font-weight\s*:\s*normal", css):
            style["bold"], changed = False, True
        return style if changed else None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._skip or tag in _SKIP:
            if tag not in _VOID:
                self._skip += 1
            return
        depth = len(self._tags)
        css = attrs.get("style") or ""
        if self._flex and depth == self._flex[-1] + 1:
            align = re.search(r"text-align\s*:\s*(left|center|right)", css)
            self._new_cell(align.group(1) if align else None)
        if tag in _BLOCKS and not (self._flex and depth > self._flex[-1]):
            self._flush()
        if tag == "table":
            self._tables += 1
            self._group = ("table", self._tables)
        if tag in ("td", "th"):
            self._new_cell()
        if tag == "li":
            self._cells[-1].append(_Run("• ", **self._styles[-1]))
        if tag == "div" and re.search(r"display\s*:\s*flex", css):
            self._flex.append(depth)
            self._group = ("flex", self._tables)
        elif tag == "div" and re.search(r"display\s*:\s*grid", css):
            # A grid whose items align themselves (a colour bar's labels: left, centre, right): its items
            # are spread over the grid's width, each at its text-align.
            self._flex.append(depth)
            self._spreads += 1
            spread = re.search(r"(?:^|;)\s*width\s*:\s*([\d.]+)px", css)
            self._group = ("spread", float(spread.group(1)) if spread else None, self._spreads)
        background = re.search(r"background(?:-color)?\s*:\s*([^;]+)", css)
        width, height = re.search(r"(?:^|;)\s*width\s*:\s*([\d.]+)px", css), re.search(r"height\s*:\s*([\d.]+)px", css)
        if tag == "span" and background and width:
            box = (float(width.group(1)), float(height.group(1)) if height else 12.0,
                   _colour(background.group(1), _theme("border")))
            self._cells[-1].append(_Run(None, box=box))
        if tag in _VOID:
            if tag == "br":
                self._flush()
            return
        style = self._style_for(tag, attrs)
        if style is not None:
            self._styles.append(style)
        self._tags.append((tag, style is not None))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and not self._skip and self._tags and self._tags[-1][0] == tag:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if self._skip:
            if tag not in _VOID:
                self._skip -= 1
            return
        if tag in _VOID or not any(t == tag for t, _ in self._tags):
            return
        while self._tags:
            open_tag, pushed = self._tags.pop()
            if pushed:
                self._styles.pop()
            depth = len(self._tags)
            if self._flex and depth == self._flex[-1]:
                self._flex.pop()
                self._flush()
                if not self._flex:
                    self._group = ("table", self._tables) if self._in_table() else None
            if open_tag == tag:
                break
        if tag == "table":
            self._flush()
            self._group = None
        elif tag in _BLOCKS and not self._flex:
            self._flush()

    def _in_table(self) -> bool:
        return any(t == "table" for t, _ in self._tags)

    def handle_data(self, data):
        if self._skip:
            return
        text = re.sub(r"\s+", " ", data)
        if text:
            self._cells[-1].append(_Run(text, **self._styles[-1]))

    def close(self):
        super().close()
        self._flush()
        return self.lines


def _words(runs):
    """Split runs into wrappable pieces (a word with its trailing space, or a box)."""
    for run in runs:
        if run.box:
            yield run
            continue
        for piece in re.findall(r"\S+\s*|\s+", run.text):
            yield _Run(piece, bold=run.bold, italic=run.italic, mono=run.mono, size=run.size, colour=run.colour)


def _wrap(runs, width: float) -> list[list[_Run]]:
    if sum(run.width() for run in runs) <= width:  # most lines fit: no need to measure word by word
        return [runs] if runs else []
    lines, line, x = [], [], 0.0
    for piece in _words(runs):
        size = piece.width()
        tail = 0.0 if piece.box else size - _length(piece.font, piece.text.rstrip())
        if line and x + size - tail > width:
            lines.append(line)
            line, x = [], 0.0
            if piece.box is None:
                piece.text = piece.text.lstrip()
                size = piece.width()
                if not piece.text:
                    continue
        line.append(piece)
        x += size
    if line:
        lines.append(line)
    return lines


def _draw_runs(draw, runs, x: float, y: float, height: float, default) -> float:
    for run in runs:
        if run.box:
            bw, bh, colour = run.box
            top = y + (height - bh) / 2
            if bw >= 1:
                draw.rectangle([x, top, x + bw - 1, top + bh - 1], fill=colour)
            x += bw
        else:
            baseline = y + (height + run.size * 0.72) / 2
            draw.text((x, baseline), run.text, font=run.font, fill=run.colour or default, anchor="ls")
            x += run.width()
    return x


def html_picture(value: str, width: float = COLUMN_WIDTH, *, colour=None):
    """Draw HTML text (and the SVG inside it) as an RGB picture at most ``width`` wide; None if it shows nothing.

    Block elements break lines; the cells of a table, and the items of a
    ``display:flex`` row, line up in columns; an inline ``<span>`` with a
    background and a width in pixels is drawn as a bar.

    Examples
    --------
    >>> picture = html_picture("<b>Steps</b>: 3<br><table><tr><td>a</td><td>1</td></tr></table>")
    >>> picture.mode, picture.height > 30
    ('RGB', True)
    >>> html_picture("<style>p {}</style>") is None
    True
    """
    parts = []
    for i, piece in enumerate(re.split(r"(<svg\b.*?</svg>)", str(value), flags=re.S | re.I)):
        picture = svg_picture(piece, width) if i % 2 else _text_picture(piece, width, colour)
        if picture is not None:
            parts.append(picture)
    return _stack(parts, _GAP_Y) if parts else None


def _table_rows(table, width: float) -> list:
    """Lay out rows of cells in columns at most ``width`` wide in all: the widest columns wrap their text.

    Returns drawn rows ``(height, [(x, runs), ...])``; a row whose cells wrap becomes several.
    """
    n = max(len(cells) for cells in table)
    limits: list[float | None] = [None] * n

    def columns():
        wrapped = [[_wrap(cell, limits[k] or math.inf) for k, cell in enumerate(cells)] for cells in table]
        widths = [0.0] * n
        for row in wrapped:
            for k, lines in enumerate(row):
                widths[k] = max([widths[k]] + [sum(r.width() for r in line) for line in lines])
        return wrapped, widths

    wrapped, widths = columns()
    for _ in range(n):  # narrow the widest column until the table fits (a word never breaks)
        excess = sum(widths) + _GAP_X * (sum(1 for v in widths if v) - 1) - width
        if excess <= 0:
            break
        k = int(np.argmax(widths))
        limits[k] = max(4 * _SIZE, widths[k] - excess)
        wrapped, widths = columns()
    starts = [0.0]
    for k in range(n - 1):
        starts.append(starts[-1] + widths[k] + (_GAP_X if widths[k] else 0))
    rows = []
    for row in wrapped:
        for j in range(max((len(lines) for lines in row), default=0)):
            cells = [(starts[k], lines[j]) for k, lines in enumerate(row) if j < len(lines) and lines[j]]
            height = max((r.height() for _, runs in cells for r in runs), default=_SIZE * 1.4)
            rows.append((height, cells))
    return rows


def _spread_rows(lines, width: float) -> list:
    """Lay out the items of a grid each at its ``text-align`` across ``width``: left, centred or right.

    Items without an alignment, or too wide to sit side by side, fall back to columns (:func:`_table_rows`).
    """
    rows = []
    for line in lines:
        cells, aligns = line["cells"], line["aligns"]
        sizes = [sum(run.width() for run in cell) for cell in cells]
        if None in aligns or len(aligns) != len(cells) or sum(sizes) + _GAP_X * (len(cells) - 1) > width:
            rows.extend(_table_rows([cells], width))
            continue
        starts = {"left": lambda size: 0.0, "center": lambda size: (width - size) / 2,
                  "right": lambda size: width - size}
        placed = [(starts[align](size), cell) for cell, align, size in zip(cells, aligns, sizes) if cell]
        height = max((run.height() for _, cell in placed for run in cell), default=_SIZE * 1.4)
        rows.append((height, placed))
    return rows


def _text_picture(value: str, width: float, colour=None):
    from PIL import Image, ImageDraw

    if not value.strip():
        return None
    colour = colour or _theme("text")
    parser = _Lines(colour)
    parser.feed(value)
    lines = parser.close()
    if not lines:
        return None
    # Lay out: consecutive lines of one group share column widths; other lines wrap.
    rows = []  # (height, [(x, runs)])
    i = 0
    while i < len(lines):
        group = lines[i]["group"]
        j = i + 1
        while group is not None and j < len(lines) and lines[j]["group"] == group:
            j += 1
        block = lines[i:j]
        if group is not None and group[0] == "spread":
            rows.extend(_spread_rows(block, min(width, group[1] or width)))
        elif group is None:
            for line in block:
                runs = [run for cell in line["cells"] for run in cell]
                for wrapped in _wrap(runs, width):
                    rows.append((max(r.height() for r in wrapped), [(0.0, wrapped)]))
        else:
            rows.extend(_table_rows([line["cells"] for line in block], width))
        i = j
    total_width = 1.0
    for _, cells in rows:
        for x, runs in cells:
            total_width = max(total_width, x + sum(r.width() for r in runs))
    picture = Image.new("RGB", (max(1, math.ceil(min(total_width, width))), math.ceil(sum(h for h, _ in rows))), _WHITE)
    draw = ImageDraw.Draw(picture)
    y = 0.0
    for height, cells in rows:
        for x, runs in cells:
            _draw_runs(draw, runs, x, y, height, colour)
        y += height
    return picture


# --------------------------------------------------------------------------- SVG


#: The SVG properties a child takes from its parent (its position and size are its own).
_INHERITED = {"fill", "stroke", "stroke-width", "stroke-dasharray", "fill-opacity", "stroke-opacity", "font-size",
              "font-weight", "font-family", "text-anchor"}


def _svg_attributes(element, inherited: dict) -> dict:
    attributes = {key: value for key, value in inherited.items() if key in _INHERITED}
    for key, value in element.attrib.items():
        attributes[key.split("}")[-1]] = value
    for declaration in (element.get("style") or "").split(";"):
        if ":" in declaration:
            key, value = declaration.split(":", 1)
            attributes[key.strip()] = value.strip()
    return attributes


def _number(attributes: dict, key: str, default: float = 0.0) -> float:
    try:
        return float(re.sub(r"px$", "", str(attributes.get(key, default))))
    except ValueError:
        return default


def _paint(attributes: dict, key: str, default=None, alpha: float = 1.0):
    colour = _colour(attributes.get(key), default)
    if colour is None:
        return None
    opacity = _number(attributes, "opacity", 1.0) * _number(attributes, f"{key}-opacity", 1.0) * alpha
    return (*colour, round(255 * max(0.0, min(1.0, opacity))))


def _dashed(draw, start, end, dashes, fill, width: int) -> None:
    (x0, y0), (x1, y1) = start, end
    length = math.hypot(x1 - x0, y1 - y0)
    if not dashes or length == 0:
        draw.line([start, end], fill=fill, width=width)
        return
    position, k = 0.0, 0
    while position < length:
        step = dashes[k % len(dashes)]
        if k % 2 == 0:
            a, b = position / length, min(position + step, length) / length
            draw.line([(x0 + a * (x1 - x0), y0 + a * (y1 - y0)), (x0 + b * (x1 - x0), y0 + b * (y1 - y0))],
                      fill=fill, width=width)
        position += step
        k += 1


def _svg_shape(draw, tag: str, attributes: dict, scale: float) -> None:
    """Draw one ``rect``, ``circle``, ``line`` or ``polyline`` (anything else is left out)."""
    def number(key):
        return _number(attributes, key) * scale

    stroke_width = max(1, round(_number(attributes, "stroke-width", 1.0) * scale))
    fill, stroke = _paint(attributes, "fill"), _paint(attributes, "stroke")
    outline = dict(outline=stroke, width=stroke_width if stroke else 0)
    if tag == "rect" and number("width") > 0 and number("height") > 0:
        x, y = number("x"), number("y")
        draw.rectangle([x, y, x + number("width") - 1, y + number("height") - 1], fill=fill, **outline)
    elif tag == "circle":
        cx, cy, r = number("cx"), number("cy"), number("r")
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill, **outline)
    elif tag in ("line", "polyline") and stroke:
        if tag == "line":
            points = [(number("x1"), number("y1")), (number("x2"), number("y2"))]
        else:
            values = [float(v) * scale for v in re.split(r"[\s,]+", attributes.get("points", "").strip()) if v]
            points = list(zip(values[::2], values[1::2]))
        dashes = [float(v) * scale for v in re.split(r"[\s,]+", attributes.get("stroke-dasharray", ""))
                  if re.fullmatch(r"\d+(\.\d+)?", v)]
        for start, end in zip(points, points[1:]):
            _dashed(draw, start, end, dashes, stroke, stroke_width)


def _svg_text(draw, element, attributes: dict, scale: float) -> None:
    content = re.sub(r"\s+", " ", "".join(element.itertext())).strip()
    if not content:
        return
    size = max(6, round(_number(attributes, "font-size", 12.0) * scale))
    bold = attributes.get("font-weight") in ("bold", "600", "700", "800", "900")
    anchor = {"middle": "ms", "end": "rs"}.get(attributes.get("text-anchor"), "ls")
    text = _theme("text")
    draw.text((_number(attributes, "x") * scale, _number(attributes, "y") * scale), content,
              font=_font(size, bold), fill=_paint(attributes, "fill", text) or (*text, 255), anchor=anchor)


def _svg_size(root) -> tuple[float, float, float, float] | None:
    """``(width, height)`` on the page and of the view box, or None if the SVG gives neither."""
    box = [float(v) for v in re.split(r"[\s,]+", root.get("viewBox", "").strip()) if v] if root.get("viewBox") else []
    natural_w = _px(root.get("width")) or (box[2] if len(box) == 4 else None)
    natural_h = _px(root.get("height")) or (box[3] if len(box) == 4 else None)
    if not natural_w or not natural_h:
        return None
    view_w, view_h = (box[2], box[3]) if len(box) == 4 else (natural_w, natural_h)
    return natural_w, natural_h, view_w, view_h


def svg_picture(svg: str, width: float = COLUMN_WIDTH):
    """Draw an SVG made of ``rect``, ``line``, ``circle``, ``polyline`` and ``text`` elements; None if unreadable.

    The subset the course's diagrams use, drawn at most ``width`` wide (scaled
    down, never up). Colours may be CSS variables: their fallback is drawn.

    Examples
    --------
    >>> svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
    ...        '<rect x="0" y="0" width="20" height="20" fill="#1f77b4"/><text x="22" y="14">a</text></svg>')
    >>> picture = svg_picture(svg)
    >>> picture.size, picture.getpixel((5, 5))
    ((40, 20), (31, 119, 180))
    """
    from PIL import Image, ImageDraw

    try:
        root = ET.fromstring(svg)
    except ET.ParseError:
        return None
    size = _svg_size(root)
    if size is None:
        return None
    natural_w, _, view_w, view_h = size
    scale = min(1.0, width / natural_w) * natural_w / view_w
    picture = Image.new("RGB", (max(1, round(view_w * scale)), max(1, round(view_h * scale))), _WHITE)
    draw = ImageDraw.Draw(picture, "RGBA")  # RGBA: fill-opacity blends over what is drawn below

    def walk(element, inherited):
        attributes = _svg_attributes(element, inherited)
        tag = element.tag.split("}")[-1]
        if tag == "text":
            _svg_text(draw, element, attributes, scale)
            return
        _svg_shape(draw, tag, attributes, scale)
        for child in element:
            walk(child, attributes)

    walk(root, {"font-size": "12", "fill": "#000000"})  # SVG's defaults: black, 12 px
    return picture


# --------------------------------------------------------------------------- widgets


def _hidden(widget) -> bool:
    layout = getattr(widget, "layout", None)
    return layout is not None and (layout.display == "none" or layout.visibility == "hidden")


def _stack(pictures, gap: int):
    from PIL import Image

    width = max(p.width for p in pictures)
    height = sum(p.height for p in pictures) + gap * (len(pictures) - 1)
    out = Image.new("RGB", (width, height), _WHITE)
    y = 0
    for picture in pictures:
        out.paste(picture, (0, y))
        y += picture.height + gap
    return out


def _flow(pictures, width: float, gap_x: int = _GAP_X, gap_y: int = _GAP_Y):
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
    out = Image.new("RGB", (max(1, out_w), max(1, out_h)), _WHITE)
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
    limit = min(width, _px(layout.max_width, width) or width)
    target = _px(layout.width, width) or _px(widget.width, width)
    if target is None:  # the width follows the height, or the picture keeps its own
        by_height = _px(layout.height) or _px(widget.height)
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
    width = _px(getattr(style, "description_width", None))
    if width is not None:
        return width
    description = getattr(widget, "description", "") or ""
    return max(80.0, _length(_font(), description) + 8) if description else 0.0


def _box_text(draw, box, text, *, fill, outline, colour, font, align="middle"):
    draw.rectangle(box, fill=fill, outline=outline)
    x0, y0, x1, y1 = box
    y = (y0 + y1) / 2 + font.size * 0.36
    if align == "middle":
        draw.text(((x0 + x1) / 2, y), text, font=font, fill=colour, anchor="ms")
    else:
        draw.text((x0 + 6, y), text, font=font, fill=colour, anchor="ls")


def _clip(text: str, width: float, font) -> str:
    if _length(font, text) <= width:
        return text
    while text and _length(font, text + "…") > width:
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

    font, text, border, panel = _font(), _theme("text"), _theme("border"), _theme("panel2")
    description = str(widget.description or "")
    label = f"⇪ {description or 'Upload'}" if isinstance(widget, w.FileUpload) else description
    fill = _colour(_BUTTON_FILLS.get(getattr(widget, "button_style", "")), panel)
    if isinstance(widget, w.ToggleButton) and widget.value and fill == panel:
        fill = border
    ink = text if fill in (panel, border) else _WHITE
    if getattr(widget, "disabled", False):  # faded, as the browser draws a disabled button (opacity 0.6)
        fill, ink = _faded(fill), _faded(ink)
    bw = min(width, total or max(80.0, _length(font, label) + 28))
    picture = Image.new("RGB", (max(1, round(bw)), _ROW), _WHITE)
    _box_text(ImageDraw.Draw(picture), [0, 2, bw - 1, _ROW - 3], _clip(label, bw - 12, font), fill=fill,
              outline=fill, colour=ink, font=font)
    return picture


def _play():
    from PIL import Image, ImageDraw

    panel = _theme("panel2")
    picture = Image.new("RGB", (68, _ROW), _WHITE)
    draw = ImageDraw.Draw(picture)
    for k, glyph in enumerate(("▶", "■")):
        _box_text(draw, [k * 34, 2, k * 34 + 31, _ROW - 3], glyph, fill=panel, outline=panel, colour=_theme("text"),
                  font=_font())
    return picture


def _checkbox(widget, width: float, total: float | None):
    from PIL import Image, ImageDraw

    font = _font()
    indent = _label_width(widget) if widget.indent else 0
    label = f"{'☑' if widget.value else '☐'} {widget.description or ''}"
    cw = min(width, total or indent + _length(font, label) + 4)
    picture = Image.new("RGB", (max(1, round(cw)), _ROW), _WHITE)
    ImageDraw.Draw(picture).text((indent, _ROW / 2 + 5), _clip(label, cw - indent, font), font=font,
                                 fill=_theme("text"), anchor="ls")
    return picture


def _labelled(widget, width: float, total: float | None, body: float, height: int, draw_body):
    """A control with its label on the left (right-aligned in its width) and ``draw_body`` beside it."""
    from PIL import Image, ImageDraw

    font = _font()
    description = str(getattr(widget, "description", "") or "")
    label_w = _label_width(widget)
    body_x = label_w + (4 if label_w else 0)
    cw = min(width, total or body_x + body)
    picture = Image.new("RGB", (max(1, round(cw)), max(_ROW, height)), _WHITE)
    draw = ImageDraw.Draw(picture)
    if description:
        draw.text((label_w, _ROW / 2 + 5), _clip(description, max(label_w, 1), font), font=font,
                  fill=_theme("text"), anchor="rs")
    draw_body(draw, body_x, max(20.0, cw - body_x), picture.height)
    return picture


def _slider_body(widget):
    def draw_body(draw, x0, body_w, height):
        font = _font()
        readout = _readout(widget) if getattr(widget, "readout", True) else ""
        track_w = max(20.0, body_w - (_length(font, readout) + 10 if readout else 0) - 8)
        y, positions = _ROW / 2, _slider_position(widget)
        draw.line([(x0 + 6, y), (x0 + 6 + track_w, y)], fill=_theme("border"), width=4)
        if len(positions) == 2:  # a range: the part between the handles in colour
            draw.line([(x0 + 6 + p * track_w, y) for p in positions], fill=_theme("brand"), width=4)
        for p in positions:
            x = x0 + 6 + p * track_w
            draw.ellipse([x - 7, y - 7, x + 7, y + 7], fill=_WHITE, outline=_theme("muted"), width=1)
        draw.text((x0 + 14 + track_w, y + 5), readout, font=font, fill=_theme("text"), anchor="ls")
    return draw_body


def _toggle_widths(widget) -> list[float]:
    button_w = _px(widget.style.button_width) if widget.style.button_width else None
    return [button_w or max(40.0, _length(_font(), str(o)) + 20) for o in widget._options_labels]


def _toggles_body(widget):
    def draw_body(draw, x, body_w, height):
        for option, bw in zip(widget._options_labels, _toggle_widths(widget)):
            selected = option == widget.label
            fill = _theme("border") if selected else _theme("panel2")
            _box_text(draw, [x, 2, x + bw - 1, _ROW - 3], _clip(str(option), bw - 8, _font()), fill=fill,
                      outline=fill, colour=_theme("text"), font=_font(bold=selected))
            x += bw + 2
    return draw_body


def _radio_body(widget, line: int):
    def draw_body(draw, x, body_w, height):
        for k, option in enumerate(widget._options_labels):
            mark = "●" if option == widget.label else "○"
            draw.text((x, k * line + line / 2 + 5), _clip(f"{mark} {option}", body_w, _font()), font=_font(),
                      fill=_theme("text"), anchor="ls")
    return draw_body


def _dropdown_body(widget):
    def draw_body(draw, x, body_w, height):
        font = _font()
        label = "" if widget.label is None else str(widget.label)
        _box_text(draw, [x, 2, x + body_w - 1, _ROW - 3], _clip(label, body_w - 24, font), fill=_WHITE,
                  outline=_theme("border"), colour=_theme("text"), font=font, align="left")
        draw.text((x + body_w - 8, _ROW / 2 + 5), "▾", font=font, fill=_theme("muted"), anchor="rs")
    return draw_body


def _text_body(widget, rows: int):
    """A text or number box: its value (dots for a password), or its placeholder in grey; a text area wraps."""
    value = widget.value
    shown = "" if value is None else "•" * len(str(value)) if isinstance(widget, w.Password) else str(value)
    placeholder = getattr(widget, "placeholder", "") or ""
    ink = _theme("text") if shown else _theme("muted")
    shown = shown or ("" if placeholder == "\u200b" else placeholder)

    def draw_body(draw, x, body_w, height):
        draw.rectangle([x, 2, x + body_w - 1, height - 3], fill=_WHITE, outline=_theme("border"))
        if rows == 1:
            draw.text((x + 6, _ROW / 2 + 5), _clip(shown, body_w - 12, _font()), font=_font(), fill=ink, anchor="ls")
            return
        y = 4.0
        for wrapped in _wrap([_Run(shown, colour=ink)], body_w - 12):
            if y + 18 > height - 4:
                break
            _draw_runs(draw, wrapped, x + 6, y, 18, ink)
            y += 18
    return draw_body


def _control(widget, width: float):
    """A control as its label and its value, the way ipywidgets draws it (roughly), or None."""
    total = _px(widget.layout.width, width) if isinstance(getattr(widget, "layout", None), w.Layout) else None
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
        body = max((_length(_font(), "● " + str(o)) for o in labels), default=0) + 4
        return _labelled(widget, width, total, body, 22 * max(1, len(labels)), _radio_body(widget, 22))
    if isinstance(widget, (w.Dropdown, w.Select)):
        return _labelled(widget, width, total, 160, _ROW, _dropdown_body(widget))
    if hasattr(widget, "value"):
        rows = max(2, round((_px(widget.layout.height) or 60) / 20)) if isinstance(widget, w.Textarea) else 1
        return _labelled(widget, width, total, 160, 22 * rows if rows > 1 else _ROW, _text_body(widget, rows))
    return None


def _canvas(widget, width: float):
    """A canvas (ipycanvas) as a framed grey area of its size: its pixels live in the browser."""
    from PIL import Image, ImageDraw

    cw, ch = _px(widget.layout.width, width) or widget.width, _px(widget.layout.height) or widget.height
    scale = min(1.0, width / cw)
    picture = Image.new("RGB", (max(1, round(cw * scale)), max(1, round(ch * scale))), _theme("panel2"))
    ImageDraw.Draw(picture).rectangle([0, 0, picture.width - 1, picture.height - 1], outline=_theme("border"))
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
        limit = min(width, _px(layout.width, width) or width, _px(layout.max_width, width) or width)
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
    out = Image.new("RGB", (sum(widths) + gap * (len(widths) - 1), sum(heights) + gap * (len(rows) - 1)), _WHITE)
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
    inner = min(width, _px(layout.width, width) or width, _px(layout.max_width, width) or width)
    bordered = bool(layout.border) and layout.border not in ("none", "0", "0px")
    if bordered:
        inner -= 2 * (_GAP_X - 2)
    pictures = [p for p in (_render(child, inner, parts) for child in box.children) if p is not None]
    if not pictures:
        return None
    if isinstance(box, w.GridBox):
        picture = _grid(pictures, _grid_columns(layout.grid_template_columns) or len(pictures))
    elif isinstance(box, w.VBox) or "column" in (layout.flex_flow or ""):
        picture = _stack(pictures, _GAP_Y)
    else:
        picture = _flow(pictures, inner)
    if bordered:  # a framed box (an exercise's question) spans its column, as in the browser
        from PIL import Image

        framed = Image.new("RGB", (max(picture.width, round(inner)) + 2 * (_GAP_X - 2),
                                   picture.height + 2 * _GAP_Y + 2), _WHITE)
        framed.paste(picture, (_GAP_X - 2, _GAP_Y + 1))
        ImageDraw.Draw(framed).rectangle([0, 0, framed.width - 1, framed.height - 1], outline=_theme("border"))
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
    inner = width - 2 * _MARGIN
    body = _render(root, inner, stand_ins)
    pieces = [body] if body is not None else []
    if footer:
        pieces.append(html_picture(f'<span class="cnnlab-caption">{footer}</span>', inner))
    content = _stack(pieces, _GAP_Y * 2) if pieces else Image.new("RGB", (1, 1), _WHITE)
    picture = Image.new("RGB", (min(width, content.width + 2 * _MARGIN), content.height + 2 * _MARGIN), _WHITE)
    picture.paste(content.crop((0, 0, min(content.width, inner), content.height)), (_MARGIN, _MARGIN))
    ImageDraw.Draw(picture).rectangle([0, 0, picture.width - 1, picture.height - 1], outline=_theme("border2"))
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
