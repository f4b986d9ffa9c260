"""The one look of every widget (issue 18): a static picture of its first state, no empty picture, theme colours.

Every widget class of the course is built here the way a notebook builds it, and each is
checked for what a learner (or a reader on GitHub) sees before touching any control:

* its mime bundle carries an ``image/png`` that decodes, is not blank, and shows the
  widget's own pictures (each ``ipywidgets.Image`` on display is found, pixel for pixel,
  in the picture the bundle's PNG was made from);
* no ``ipywidgets.Image`` in its tree has an empty value (a browser shows a broken-image
  icon for one until the first redraw);
* it carries the course's stylesheet once, and its outer box never exceeds the column.

The widgets of the widget-base files are also checked for one label width, layouts that
stay inside the column, and text colours from JupyterLab's theme variables.
"""

from __future__ import annotations

import base64
import importlib
import io
import pkgutil
import re

import ipywidgets as w
import numpy as np
import pytest
from PIL import Image

import cnnlab.widgets
from cnnlab.widgets import _base, _drawing, _picture
from cnnlab.widgets._base import FULL_WIDTH, LABEL_WIDTH, STYLESHEET, WidgetBase, _widget_tree

RNG = np.random.default_rng(0)
SEVEN = [(60, 50), (220, 50), (120, 250)]


# ----------------------------------------------------------------------------- every widget, as a notebook makes it


def _keras():
    return pytest.importorskip("keras")


def _tiny_cnn(shape=(28, 28, 1)):
    keras = _keras()
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape)
    x = keras.layers.Conv2D(4, 3, activation="relu", name="conv")(inputs)
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(x))
    return keras.Model(inputs, outputs, name="tiny")


def _dream_net():
    keras = _keras()
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((None, None, 3)), keras.layers.Conv2D(4, 3, activation="relu", name="low"),
                             keras.layers.Conv2D(4, 3, activation="relu", name="high")], name="dream")


def _toy_classifier():
    from cnnlab.pretrained import Classifier

    def redness(batch, training=False):
        red = batch[..., 0].mean(axis=(1, 2)) - batch[..., 1:].mean(axis=(1, 2, 3))
        return np.stack([red, -red], axis=1)

    return Classifier("toy", 32, ["red", "not red"], "a toy model", "unit", redness, kind="keras")


def _photo():
    photo = np.zeros((48, 64, 3), np.float32)
    photo[..., 0] = np.linspace(0, 1, 64)
    photo[10:30, 20:40, 1] = 1.0
    return photo


def _digits():
    return RNG.integers(0, 256, (6, 28, 28), dtype=np.uint8), np.array([0, 1, 2, 0, 1, 2])


def _training_monitor():
    from cnnlab.widgets import TrainingMonitor

    return TrainingMonitor(text=False)


def _exercise(n):
    from cnnlab import exercises

    return exercises.exercise(n)


def _question(n, i):
    return _exercise(n)[i]


def _widgets():
    from cnnlab import widgets

    return widgets


#: name -> (make, needs TensorFlow). Every WidgetBase subclass of the package must be here (a test checks).
FACTORIES = {
    "DatasetBrowser": (lambda: _widgets().DatasetBrowser(*_digits(), title="MNIST training digits"), False),
    "KernelExplorer": (lambda: _widgets().KernelExplorer(), False),
    "PoolingExplorer": (lambda: _widgets().PoolingExplorer(), False),
    "ReceptiveFieldExplorer": (lambda: _widgets().ReceptiveFieldExplorer(), False),
    "ConvGeometryExplorer": (lambda: _widgets().ConvGeometryExplorer.figure_13_7("VALID"), False),
    "MemoryCalculator": (lambda: _widgets().MemoryCalculator(), False),
    "DigitCanvas": (lambda: _widgets().DigitCanvas(lambda batch: np.full((1, 10), 0.1), accuracy=0.16), False),
    "FeatureMapViewer": (lambda: _widgets().FeatureMapViewer(_tiny_cnn(), {"a digit": _digits()[0][0]}), True),
    "PhotoClassifier": (lambda: _widgets().PhotoClassifier(_toy_classifier(), {"red": _photo()}, top=2), True),
    "DeepDreamExplorer": (lambda: _widgets().DeepDreamExplorer(_dream_net(), _photo(), steps=2, octaves=1), True),
    "TrainingMonitor": (_training_monitor, True),
    "Exercise": (lambda: _exercise(2), False),
    "NumericAnswer": (lambda: _question(2, 0), False),
    "MultipleChoice": (lambda: _question(6, 0), False),
    "FreeText": (lambda: _question(1, 0), False),
}


def _params():
    return [pytest.param(name, marks=[pytest.mark.tensorflow] if tf else [], id=name)
            for name, (_, tf) in FACTORIES.items()]


@pytest.fixture
def make(data_dir):
    """Build the widget called ``name`` (sample images come from the offline data folder)."""
    made = []

    def build(name):
        widget = FACTORIES[name][0]()
        made.append(widget)
        return widget

    yield build
    for widget in made:
        widget.close()


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_widget_class_of_the_package_is_checked_here():
    pytest.importorskip("keras")
    for module in pkgutil.iter_modules(cnnlab.widgets.__path__):
        importlib.import_module(f"cnnlab.widgets.{module.name}")
    importlib.import_module("cnnlab.exercises")
    # Not the engines' bases (widgets/_question.py's Question): a private module holds no widget a learner makes.
    classes = {cls.__name__ for cls in _subclasses(WidgetBase)
               if cls.__module__.startswith("cnnlab.") and not cls.__name__.startswith("_")
               and not cls.__module__.rsplit(".", 1)[-1].startswith("_")}
    assert classes - set(FACTORIES) == set(), "add the new widget classes to FACTORIES"


# ----------------------------------------------------------------------------- the static picture


def _bundle_png(widget) -> Image.Image:
    bundle = widget._repr_mimebundle_()
    assert "image/png" in bundle, f"no image/png in the bundle ({widget.picture_error!r})"
    return Image.open(io.BytesIO(base64.b64decode(bundle["image/png"])))


def _visible_images(root) -> list[w.Image]:
    """The Images on display: neither they nor a box around them is hidden."""
    found = []

    def walk(widget):
        if _picture._hidden(widget):
            return
        if isinstance(widget, w.Image):
            found.append(widget)
        for child in getattr(widget, "children", ()):
            walk(child)

    walk(root)
    return found


def _contains(picture: np.ndarray, part: np.ndarray) -> bool:
    """Whether ``part`` appears, pixel for pixel, somewhere in ``picture`` (both ``(H, W, 3)`` uint8)."""
    ph, pw = picture.shape[:2]
    h, w_ = part.shape[:2]
    if h > ph or w_ > pw:
        return False
    ny, nx = ph - h + 1, pw - w_ + 1
    mask = np.ones((ny, nx), bool)
    for dy, dx in {(0, 0), (h - 1, w_ - 1), (h // 2, w_ // 2), (0, w_ - 1), (h - 1, 0), (h // 3, w_ // 3)}:
        mask &= np.all(picture[dy:dy + ny, dx:dx + nx] == part[dy, dx], axis=-1)
    return any(np.array_equal(picture[y:y + h, x:x + w_], part) for y, x in zip(*np.nonzero(mask)))


@pytest.mark.parametrize("name", _params())
def test_the_bundle_carries_a_picture_of_the_widget_as_first_shown(make, name):
    widget = make(name)
    png = _bundle_png(widget)
    assert png.format == "PNG" and png.width <= _picture.COLUMN_WIDTH and png.height >= 40
    pixels = np.asarray(png.convert("RGB"))
    ink = np.any(pixels < 200, axis=-1).mean()
    assert ink > 0.005, f"the picture is blank ({ink:.2%} of its pixels are not near white)"
    # The bundle's PNG is the picture of the widget's state (in at most 256 colours).
    picture = np.asarray(widget.picture())
    assert picture.shape == pixels.shape
    assert np.abs(picture.astype(int) - pixels).mean() < 4
    # Each picture the widget shows is in it, at the size it is shown.
    for image in _visible_images(widget.root):
        expected = np.asarray(_picture._image(image, _picture.COLUMN_WIDTH - 2 * _drawing.MARGIN))
        assert _contains(picture, expected), f"{name}: an image of the widget is not in its picture"


def test_the_picture_follows_the_widgets_state(data_dir):
    from cnnlab.widgets import ConvGeometryExplorer, DatasetBrowser

    browser = DatasetBrowser(*_digits(), scale=4)
    browser.slider.value = 3
    shown = np.asarray(Image.open(io.BytesIO(browser.image.value)).convert("RGB"))
    picture = np.asarray(_bundle_png(browser).convert("RGB"))
    assert _contains(np.asarray(browser.picture()), shown)
    first = np.asarray(Image.open(io.BytesIO(DatasetBrowser(*_digits(), scale=4).image.value)).convert("RGB"))
    assert not _contains(np.asarray(browser.picture()), first)
    assert picture.shape[0] > shown.shape[0]

    explorer = ConvGeometryExplorer()
    before = np.asarray(explorer.picture())
    explorer.step.value = 5
    after = np.asarray(explorer.picture())
    assert before.shape == after.shape and not np.array_equal(before, after)


def test_the_same_state_gives_the_same_picture():
    from cnnlab.widgets import ConvGeometryExplorer, MemoryCalculator

    for make in (ConvGeometryExplorer.figure_13_4, MemoryCalculator):
        first, second = make(), make()
        assert first._static_png() == second._static_png() == first._static_png()


def test_the_geometry_diagram_is_drawn_from_its_svg():
    from cnnlab.widgets import ConvGeometryExplorer

    explorer = ConvGeometryExplorer((5, 7), 3, 1, "SAME")
    svg = _drawing.svg_picture(explorer.svg)
    assert svg is not None
    colours = {colour for _, colour in svg.getcolors(1 << 16)}
    assert (31, 119, 180) in colours                 # the highlighted output neuron, in the window's blue
    assert (214, 214, 214) in colours                # zero padding, grey
    assert (238, 243, 248) in colours                # the other output neurons
    assert _contains(np.asarray(explorer.picture()), np.asarray(svg))


def test_the_digit_canvas_picture_shows_the_strokes():
    from cnnlab.widgets import DigitCanvas

    canvas = DigitCanvas()
    blank = canvas._picture_parts()[canvas.canvas]
    canvas.draw_stroke(SEVEN)
    drawn = np.asarray(canvas._picture_parts()[canvas.canvas])
    assert np.asarray(blank).max() == 0 and drawn.max() == 255
    assert 0.02 < (drawn == 255).all(axis=-1).mean() < 0.3     # a pen stroke, not a filled square
    assert _contains(np.asarray(canvas.picture()), drawn)


def test_html_text_is_drawn_with_tables_in_columns():
    two_rows = _drawing.html_picture("<table><tr><td>a</td><td>b</td></tr><tr><td>long label</td><td>c</td></tr>"
                                     "</table>")
    one_line = _drawing.html_picture("a b long label c")
    assert two_rows.height > 1.5 * one_line.height
    assert _drawing.html_picture("<style>.x {}</style><script>1</script>") is None
    error = _drawing.html_picture('<div class="cnnlab-error-message">bad</div>')
    assert (176, 0, 32) in {colour for _, colour in error.getcolors(1 << 16)} or \
        np.asarray(error)[..., 0].max() > np.asarray(error)[..., 1].max()


def _inked_columns(picture, x0: int, x1: int) -> bool:
    return bool((np.asarray(picture.convert("L"))[:, x0:x1] < 160).any())


def test_a_colour_bars_labels_are_spread_under_it_as_in_the_browser():
    """Issue 18: the static picture drew the labels of a colour bar bunched at its left (it ignored the CSS grid)."""
    from cnnlab.plotting import colour_bar

    bar = colour_bar(-0.8, 0.8, "RdBu_r", length=300)
    picture = _drawing.html_picture(bar.html)
    assert picture.width == 300                                              # the bar's width, not the column's
    assert _inked_columns(picture, 0, 20)                                    # "-0.8" at the left end
    assert _inked_columns(picture, 140, 160)                                 # "0" in the middle
    assert _inked_columns(picture, 280, 300)                                 # "0.8" at the right end
    assert not _inked_columns(picture, 40, 130) and not _inked_columns(picture, 170, 270)
    # Items without their own alignment still come out side by side, in columns.
    plain = _drawing.html_picture('<div style="display:grid; width:300px"><span>a</span><span>b</span></div>')
    assert plain.width < 100 and _inked_columns(plain, 0, 20)


def test_a_picture_that_cannot_be_drawn_leaves_the_widget_displayable(monkeypatch):
    from cnnlab.widgets import MemoryCalculator

    calc = MemoryCalculator()
    monkeypatch.setattr(_picture, "widget_picture", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("no font")))
    bundle = calc._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "image/png" not in bundle
    assert "no font" in str(calc.picture_error)


@pytest.mark.parametrize("kwargs, message", [
    (dict(root="box"), "root must be an ipywidgets widget"),
    (dict(root=w.VBox(), width=50), "width must be an int of at least 100"),
    (dict(root=w.VBox(), parts={w.HTML(): "picture"}), "parts must map widgets to PIL images"),
])
def test_widget_picture_refuses_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _picture.widget_picture(**kwargs)


# ----------------------------------------------------------------------------- no empty picture, one stylesheet


@pytest.mark.parametrize("name", _params())
def test_no_image_is_ever_shown_empty(make, name):
    """A browser draws an Image with an empty value as a broken-image icon, until the first redraw."""
    widget = make(name)
    widget._repr_mimebundle_()
    empty = [image for image in _widget_tree([widget.root]) if isinstance(image, w.Image) and not image.value]
    assert not empty, f"{name}: {len(empty)} ipywidgets.Image with an empty value in its tree"


@pytest.mark.parametrize("name", _params())
def test_a_displayed_widget_carries_the_stylesheet_once_and_fits_the_column(make, name):
    widget = make(name)
    widget._repr_mimebundle_()
    widget._repr_mimebundle_()  # displayed twice: still one stylesheet
    sheets = [c for c in widget.root.children if "cnnlab-stylesheet" in c._dom_classes]
    assert len(sheets) == 1 and STYLESHEET in sheets[0].value and sheets[0].layout.display == "none"
    assert widget.root.layout.max_width == "100%"
    assert "cnnlab-widget" in widget.root._dom_classes


def test_the_stylesheet_uses_theme_variables_with_light_fallbacks():
    colours = re.findall(r"(?:color|border(?:-bottom)?)\s*:\s*([^;]+);", STYLESHEET)
    assert colours and all("var(--jp-" in c for c in colours), colours
    for name in ("text", "muted", "error", "border2"):
        assert _base.css(name) in STYLESHEET
    assert re.search(r"\.cnnlab-widget \{[^}]*max-width: 100%", STYLESHEET)
    assert re.search(r"img\.widget-image \{[^}]*height: auto", STYLESHEET)


def test_the_error_box_uses_the_themes_error_colour():
    from cnnlab.widgets import MemoryCalculator

    calc = MemoryCalculator()
    calc.show_error(ValueError("no"))
    assert "var(--jp-error-color1, #b00020)" in calc.error_box.value
    assert not re.search(r"color:\s*#", calc.error_box.value)  # every colour is a theme variable


# ----------------------------------------------------------------------------- the widget-base files' layouts

MINE = ["DatasetBrowser", "ConvGeometryExplorer", "MemoryCalculator", "DigitCanvas", "PhotoClassifier",
        "DeepDreamExplorer", "TrainingMonitor"]


def _mine():
    return [pytest.param(name, marks=[pytest.mark.tensorflow] if FACTORIES[name][1] else [], id=name)
            for name in MINE]


def _px(value):
    match = re.fullmatch(r"(\d+(?:\.\d+)?)px", value or "")
    return float(match.group(1)) if match else None


@pytest.mark.parametrize("name", _mine())
def test_labels_share_one_width(make, name):
    widget = make(name)
    labelled = [c for c in _widget_tree([widget.root])
                if getattr(c, "description", "") and not isinstance(c, (w.Button, w.FileUpload, w.Play))
                and not (isinstance(c, w.Checkbox) and not c.indent)]
    widths = {c.description: c.style.description_width for c in labelled}
    assert all(width == LABEL_WIDTH for width in widths.values()), widths


@pytest.mark.parametrize("name", _mine())
def test_nothing_is_wider_than_the_column_and_no_picture_is_stretched(make, name):
    widget = make(name)
    for child in _widget_tree([widget.root]):
        layout = getattr(child, "layout", None)
        if not isinstance(layout, w.Layout) or type(child).__name__ == "Canvas":  # a canvas keeps its pixels
            continue
        width = _px(layout.width)
        if width is not None:
            assert width <= 900 and layout.max_width in ("100%", FULL_WIDTH), (name, type(child).__name__, layout.width)
        if isinstance(child, w.Image):
            assert layout.height in (None, "auto") and layout.max_width == FULL_WIDTH, (name, layout.height, layout.max_width)
    for box in _widget_tree([widget.root]):
        if isinstance(box, w.HBox):
            assert "wrap" in (box.layout.flex_flow or ""), f"{name}: a row that does not wrap"


@pytest.mark.parametrize("name", _mine())
def test_text_colours_come_from_the_theme(make, name):
    widget = make(name)
    for child in _widget_tree([widget.root]):
        value = getattr(child, "value", None)
        if isinstance(child, w.HTML) and isinstance(value, str) and "cnnlab-stylesheet" not in child._dom_classes:
            assert not re.search(r"(?<![-\w])color\s*:\s*#", value), (name, value[:200])
            assert not re.search(r"<text[^>]*fill=\"#", value), (name, "SVG text with a fixed colour")


def test_a_disabled_button_is_drawn_faded_as_in_the_browser():
    """The monitor's Stop button is disabled after training: its static picture must not look clickable."""
    live = np.asarray(_picture.widget_picture(w.Button(description="Stop", button_style="danger"), footer=None))
    off = np.asarray(_picture.widget_picture(w.Button(description="Stop", button_style="danger", disabled=True),
                                             footer=None))
    assert live.shape == off.shape
    red = live[..., 0].astype(int) - live[..., 1]                       # how red the button's fill is
    assert red.max() > 150 and (off[..., 0].astype(int) - off[..., 1]).max() < 0.7 * red.max()
