"""Drawing for the static pictures: HTML text and inline SVG as Pillow pictures, in the light theme's colours.

The engine behind :mod:`cnnlab.widgets._picture` (which lays a widget's tree out and draws its
controls): :func:`html_picture` draws HTML text with its bold, italics, colours, tables, flex rows,
grids whose items align themselves and inline bars; :func:`svg_picture` draws the SVG the course's
diagrams use (rectangles, lines, circles, polygons and text). One font (DejaVu Sans, which matplotlib
ships), the colours of :data:`cnnlab.widgets._base.THEME`'s light-theme fallbacks: the same input gives
the same picture. Pillow is imported when a picture is drawn.
"""

from __future__ import annotations

import importlib.util
import math
import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import numpy as np

from ._base import THEME

# Nothing here is for learners: widget_picture (_picture.py) is the only caller, and hands it what it has checked
# (so html_picture and svg_picture, public within the package, are not in __all__, as in _picture.py before).
__all__: list[str] = []

#: Width of the notebook column a picture is drawn for, in pixels.
COLUMN_WIDTH = 900
MARGIN, GAP_X, GAP_Y = 8, 12, 6
FONT_SIZE, SMALL_SIZE = 13, 11
WHITE = (255, 255, 255)

def theme_rgb(name: str) -> tuple[int, int, int]:
    from PIL import ImageColor

    return ImageColor.getrgb(THEME[name][1])


# --------------------------------------------------------------------------- fonts and colours


@lru_cache(maxsize=None)
def ui_font(size: int = FONT_SIZE, bold: bool = False, italic: bool = False, mono: bool = False):
    from PIL import ImageFont

    name = "DejaVuSans" + ("Mono" if mono else "") + ("-Bold" if bold else "") + \
        ("Oblique" if italic and bold else "-Oblique" if italic else "")
    spec = importlib.util.find_spec("matplotlib")
    if spec is not None and spec.submodule_search_locations:
        path = Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf" / f"{name}.ttf"
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def css_colour(value, default=None):
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


def css_px(value, available: float | None = None, em: float = FONT_SIZE) -> float | None:
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


class Run:
    """A piece of text in one style, or a coloured box (``text`` None): a bar of a bar chart."""

    __slots__ = ("text", "bold", "italic", "mono", "size", "colour", "box")

    def __init__(self, text, *, bold=False, italic=False, mono=False, size=FONT_SIZE, colour=None, box=None):
        self.text, self.bold, self.italic, self.mono = text, bold, italic, mono
        self.size, self.colour, self.box = size, colour, box

    @property
    def font(self):
        return ui_font(self.size, self.bold, self.italic, self.mono)

    def width(self) -> float:
        return self.box[0] if self.box else text_length(self.font, self.text)

    def height(self) -> float:
        return self.box[1] if self.box else self.size * 1.4


@lru_cache(maxsize=4096)
def text_length(font, text: str) -> float:
    """The width of ``text`` in ``font`` (measured once: a widget's labels come back at every display)."""
    return font.getlength(text)


_BLOCKS = {"div", "p", "br", "tr", "table", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "section",
           "header", "footer", "pre", "blockquote", "dl", "dt", "dd", "figure", "figcaption"}
_SKIP = {"style", "script", "head", "title", "img", "svg", "input", "button", "select", "textarea"}
_VOID = {"br", "hr", "img", "input", "meta", "link", "wbr", "col", "area", "base", "source"}
_CLASS_STYLES = {"cnnlab-caption": dict(colour="muted", size=SMALL_SIZE), "cnnlab-note": dict(colour="muted"),
                 "cnnlab-warning": dict(colour="warn", bold=True), "cnnlab-title": dict(bold=True, colour="strong"),
                 "cnnlab-error-message": dict(colour="error"), "cnnlab-error-where": dict(colour="muted")}


class _Lines(HTMLParser):
    """HTML to lines of cells of runs: blocks break lines, table cells and flex items become cells."""

    def __init__(self, colour) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[dict] = []
        self._cells: list[list[Run]] = [[]]
        self._aligns: list[str | None] = [None]  # each cell's text-align (the cells of a spread row use it)
        self._spreads = 0
        self._group = None
        self._styles = [dict(bold=False, italic=False, mono=False, size=FONT_SIZE, colour=colour)]
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
            style["size"], changed = SMALL_SIZE, True
        if tag in ("h1", "h2", "h3"):
            style["size"], changed = 16, True
        for name in (attrs.get("class") or "").split():
            for key, value in _CLASS_STYLES.get(name, {}).items():
                style[key] = theme_rgb(value) if key == "colour" else value
                changed = True
        css = attrs.get("style") or ""
        colour = re.search(r"(?:^|;)\s*color\s*:\s*([^;]+)", css)
        if colour:
            style["colour"], changed = css_colour(colour.group(1), style["colour"]), True
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
            self._cells[-1].append(Run("• ", **self._styles[-1]))
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
                   css_colour(background.group(1), theme_rgb("border")))
            self._cells[-1].append(Run(None, box=box))
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
            self._cells[-1].append(Run(text, **self._styles[-1]))

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
            yield Run(piece, bold=run.bold, italic=run.italic, mono=run.mono, size=run.size, colour=run.colour)


def wrap_runs(runs, width: float) -> list[list[Run]]:
    if sum(run.width() for run in runs) <= width:  # most lines fit: no need to measure word by word
        return [runs] if runs else []
    lines, line, x = [], [], 0.0
    for piece in _words(runs):
        size = piece.width()
        tail = 0.0 if piece.box else size - text_length(piece.font, piece.text.rstrip())
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


def draw_runs(draw, runs, x: float, y: float, height: float, default) -> float:
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
    return stack_pictures(parts, GAP_Y) if parts else None


def _table_rows(table, width: float) -> list:
    """Lay out rows of cells in columns at most ``width`` wide in all: the widest columns wrap their text.

    Returns drawn rows ``(height, [(x, runs), ...])``; a row whose cells wrap becomes several.
    """
    n = max(len(cells) for cells in table)
    limits: list[float | None] = [None] * n

    def columns():
        wrapped = [[wrap_runs(cell, limits[k] or math.inf) for k, cell in enumerate(cells)] for cells in table]
        widths = [0.0] * n
        for row in wrapped:
            for k, lines in enumerate(row):
                widths[k] = max([widths[k]] + [sum(r.width() for r in line) for line in lines])
        return wrapped, widths

    wrapped, widths = columns()
    for _ in range(n):  # narrow the widest column until the table fits (a word never breaks)
        excess = sum(widths) + GAP_X * (sum(1 for v in widths if v) - 1) - width
        if excess <= 0:
            break
        k = int(np.argmax(widths))
        limits[k] = max(4 * FONT_SIZE, widths[k] - excess)
        wrapped, widths = columns()
    starts = [0.0]
    for k in range(n - 1):
        starts.append(starts[-1] + widths[k] + (GAP_X if widths[k] else 0))
    rows = []
    for row in wrapped:
        for j in range(max((len(lines) for lines in row), default=0)):
            cells = [(starts[k], lines[j]) for k, lines in enumerate(row) if j < len(lines) and lines[j]]
            height = max((r.height() for _, runs in cells for r in runs), default=FONT_SIZE * 1.4)
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
        if None in aligns or len(aligns) != len(cells) or sum(sizes) + GAP_X * (len(cells) - 1) > width:
            rows.extend(_table_rows([cells], width))
            continue
        starts = {"left": lambda size: 0.0, "center": lambda size: (width - size) / 2,
                  "right": lambda size: width - size}
        placed = [(starts[align](size), cell) for cell, align, size in zip(cells, aligns, sizes) if cell]
        height = max((run.height() for _, cell in placed for run in cell), default=FONT_SIZE * 1.4)
        rows.append((height, placed))
    return rows


def _text_picture(value: str, width: float, colour=None):
    from PIL import Image, ImageDraw

    if not value.strip():
        return None
    colour = colour or theme_rgb("text")
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
                for wrapped in wrap_runs(runs, width):
                    rows.append((max(r.height() for r in wrapped), [(0.0, wrapped)]))
        else:
            rows.extend(_table_rows([line["cells"] for line in block], width))
        i = j
    total_width = 1.0
    for _, cells in rows:
        for x, runs in cells:
            total_width = max(total_width, x + sum(r.width() for r in runs))
    picture = Image.new("RGB", (max(1, math.ceil(min(total_width, width))), math.ceil(sum(h for h, _ in rows))), WHITE)
    draw = ImageDraw.Draw(picture)
    y = 0.0
    for height, cells in rows:
        for x, runs in cells:
            draw_runs(draw, runs, x, y, height, colour)
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
    colour = css_colour(attributes.get(key), default)
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
    text = theme_rgb("text")
    draw.text((_number(attributes, "x") * scale, _number(attributes, "y") * scale), content,
              font=ui_font(size, bold), fill=_paint(attributes, "fill", text) or (*text, 255), anchor=anchor)


def _svg_size(root) -> tuple[float, float, float, float] | None:
    """``(width, height)`` on the page and of the view box, or None if the SVG gives neither."""
    box = [float(v) for v in re.split(r"[\s,]+", root.get("viewBox", "").strip()) if v] if root.get("viewBox") else []
    natural_w = css_px(root.get("width")) or (box[2] if len(box) == 4 else None)
    natural_h = css_px(root.get("height")) or (box[3] if len(box) == 4 else None)
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
    picture = Image.new("RGB", (max(1, round(view_w * scale)), max(1, round(view_h * scale))), WHITE)
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


def stack_pictures(pictures, gap: int):
    from PIL import Image

    width = max(p.width for p in pictures)
    height = sum(p.height for p in pictures) + gap * (len(pictures) - 1)
    out = Image.new("RGB", (width, height), WHITE)
    y = 0
    for picture in pictures:
        out.paste(picture, (0, y))
        y += picture.height + gap
    return out
