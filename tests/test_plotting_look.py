"""One look for the course (issue 8): every figure titled, images without axes, signed values centred on zero.

(a) every package function that draws a matplotlib figure, called on tiny inputs;
(b) ``plotting.setup()`` and the colour maps ``show_images`` picks;
(c) a static check of the notebooks' code cells (parsed with ``ast``, never run).
"""

from __future__ import annotations

import ast
import json
import types
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402

from cnnlab import charts, evaluation, plotting  # noqa: E402

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.fixture(autouse=True)
def course_style():
    """Each test draws in the course style, and leaves matplotlib's settings and figures as it found them."""
    with matplotlib.rc_context():
        plotting.setup()
        yield
    plt.close("all")


# ----------------------------------------------------------------------------- (a) the package's figures


def _keras():
    return pytest.importorskip("keras")


def _tiny_cnn(channels: int = 1):
    keras = _keras()
    inputs = keras.Input((8, 8, channels), name="input")
    x = keras.layers.Conv2D(4, 3, name="conv")(inputs)
    x = keras.layers.Flatten(name="flatten")(x)
    return keras.Model(inputs, keras.layers.Dense(2, activation="softmax", name="output")(x), name="tiny")


def _always(probabilities):
    return lambda x: np.tile(probabilities, (len(x), 1))


def show_images_titled():
    rng = np.random.default_rng(0)
    return plotting.show_images([rng.random((6, 6)), rng.normal(size=(6, 6)), rng.random((6, 6, 3)),
                                 rng.random((6, 6))], ["a", "b", "c", "d"], cols=3)


def show_images_untitled():
    return plotting.show_images([np.linspace(-1, 1.5, 16).reshape(4, 4), np.ones((4, 4, 3))])


def show_images_suptitle_only():
    return plotting.show_images([np.eye(4), -np.eye(4)], suptitle="identity and its negative", robust=True)


def show_predictions():
    top = [[("macaw", 0.9), ("lorikeet", 0.06)], [("tabby", 0.5), ("tiger cat", 0.3), ("lynx", 0.1)],
           [("daisy", 0.7)]]
    return plotting.show_predictions([np.ones((4, 6, 3)), np.zeros((5, 5, 3), np.uint8), np.ones((5, 5, 3))], top,
                                     ["parrot", "cat", "flower"])


def show_predictions_untitled():
    return plotting.show_predictions([np.ones((4, 6, 3))], [[("macaw", 0.9), ("lorikeet", 0.05)]])


def confusion_matrix_plot():
    return evaluation.confusion_matrix_plot([0, 1, 2, 2, 1], [0, 2, 2, 2, 1], class_names=["cat", "dog", "owl"])


def confusion_matrix_plot_normalized():
    return evaluation.confusion_matrix_plot([0, 1, 1, 1], [0, 1, 0, 1], normalize=True)


def misclassified_gallery():
    x = np.random.default_rng(1).random((7, 5, 5, 1))
    return evaluation.misclassified_gallery(_always([0.2, 0.8]), x, [0, 1, 0, 0, 1, 0, 0], class_names=["a", "b"],
                                            cols=3)


def misclassified_gallery_no_mistakes():
    return evaluation.misclassified_gallery(_always([0.2, 0.8]), np.zeros((3, 4, 4)), [1, 1, 1])


def plot_phases():
    pytest.importorskip("tensorflow")
    from cnnlab import transfer

    head = types.SimpleNamespace(history={"loss": [1.2, 0.8], "val_loss": [1.0, 0.9],
                                          "accuracy": [0.5, 0.7], "val_accuracy": [0.6, 0.65]})
    tuned = types.SimpleNamespace(history={"loss": [0.6, 0.5], "val_loss": [0.7, 0.6],
                                           "accuracy": [0.8, 0.85], "val_accuracy": [0.75, 0.8]})
    return transfer.plot_phases(head, tuned)


def plot_confusion():
    return charts.plot_confusion([[5, 1, 0], [2, 3, 0], [0, 0, 4]], ["cat", "dog", "a long class name"])


def show_mistakes():
    return charts.show_mistakes([np.random.default_rng(2).random((5, 5)), np.ones((5, 5, 3))],
                                ["a → b (p=0.80)", "b → a (p=0.55)"], title="2 of 9 images misclassified")


def plot_history():
    return charts.plot_history([("first", {"loss": [1.0, 0.7], "accuracy": [0.4, 0.6]}),
                                ("second", {"loss": [0.6], "val_loss": [0.65], "accuracy": [0.7], "val_accuracy": [0.7]})])


def show_filters_of_a_kernel():
    return plotting.show_filters(np.linspace(-1, 1, 3 * 3 * 2 * 5).reshape(3, 3, 2, 5), 3, name="conv")


def diagram():
    _keras()
    from cnnlab import models

    return models.diagram(_tiny_cnn(), direction="horizontal")


def show_filters():
    _keras()
    from cnnlab import widgets

    return widgets.show_filters(_tiny_cnn(), "conv")


def show_filters_rgb():
    _keras()
    from cnnlab import widgets

    return widgets.show_filters(_tiny_cnn(channels=3), "conv")


def training_monitor_chart():
    pytest.importorskip("tensorflow")
    from cnnlab.widgets import TrainingMonitor

    monitor = TrainingMonitor(text=False)
    monitor.history["batch"] = {"step": [0.5, 1.0, 1.5, 2.0], "loss": [2.0, 1.0, 0.7, 0.5],
                                "accuracy": [0.2, 0.6, 0.8, 0.9]}
    monitor.history["epoch"] = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.6], "accuracy": [0.6, 0.9],
                                "val_accuracy": [0.55, 0.85]}
    assert monitor._draw()[:4] == b"\x89PNG"
    return monitor._figure


FIGURE_FUNCTIONS = [show_images_titled, show_images_untitled, show_images_suptitle_only, show_predictions,
                    show_predictions_untitled, confusion_matrix_plot, confusion_matrix_plot_normalized,
                    misclassified_gallery, misclassified_gallery_no_mistakes, plot_phases, plot_confusion, show_mistakes,
                    plot_history, show_filters_of_a_kernel, diagram, show_filters,
                    show_filters_rgb, training_monitor_chart]


def _is_colorbar(ax) -> bool:
    return hasattr(ax, "_colorbar")


def _is_blank(ax) -> bool:
    """An unused slot of a grid: no axis and nothing drawn."""
    return not ax.axison and not (ax.images or ax.lines or ax.patches or ax.collections or ax.texts
                                  or ax.get_title())


def _is_feature_map(image) -> bool:
    """A 2-D image drawn with a colour map whose values are not pixel levels in [0, 1] or [0, 255]: a map."""
    array = np.ma.asarray(image.get_array())
    return array.ndim == 2 and array.size > 0 and (array.min() < 0 or array.max() > 255)


def _is_plot(ax) -> bool:
    """Curves or bars on visible axes."""
    return ax.axison and bool(ax.lines or ax.containers)


def look_problems(fig) -> list[str]:
    """What keeps ``fig`` from the course's look, one line per problem (empty: it conforms)."""
    problems = []
    axes = [ax for ax in fig.axes if not _is_colorbar(ax) and not _is_blank(ax)]
    if not axes:
        problems.append("the figure draws nothing")
    if not fig.get_suptitle() and not all(ax.get_title() for ax in axes):
        untitled = [i for i, ax in enumerate(fig.axes) if ax in axes and not ax.get_title()]
        problems.append(f"no suptitle and axes {untitled} have no title")
    for i, ax in enumerate(fig.axes):
        if _is_colorbar(ax):
            if not (ax.get_ylabel() or ax.get_xlabel()):
                problems.append(f"colorbar axes {i} has no label")
            continue
        if ax.images and ax.axison:
            # Only a matrix (confusion matrix) keeps its axes, and then they are titled and labelled.
            if not (ax.get_title() and ax.get_xlabel() and ax.get_ylabel()):
                problems.append(f"axes {i} shows an image with its axis on (and is not a titled, labelled matrix)")
        if _is_plot(ax):
            for what, text in (("title", ax.get_title()), ("xlabel", ax.get_xlabel()), ("ylabel", ax.get_ylabel())):
                if not text:
                    problems.append(f"plot axes {i} has no {what}")
        if any(_is_feature_map(image) for image in ax.images) and not any(_is_colorbar(a) for a in fig.axes):
            problems.append(f"axes {i} shows a 2-D map and the figure has no colour bar")
        for image in ax.images:
            array = np.ma.asarray(image.get_array())
            # Signed data centred on zero (an edge map, a kernel, a difference): negative values and
            # a median within a quarter of the largest magnitude. A sharpened photo is not.
            centred = array.size and abs(np.ma.median(array)) <= 0.25 * np.abs(array).max()
            if array.ndim == 2 and array.size and array.min() < 0 and centred:
                low, high = image.get_clim()
                if image.get_cmap().name != plotting.DIVERGING_CMAP or not np.isclose(low, -high):
                    problems.append(f"axes {i} shows signed values with {image.get_cmap().name} "
                                    f"on [{low:g}, {high:g}], not {plotting.DIVERGING_CMAP} centred on 0")
    return problems


@pytest.mark.parametrize("draw", FIGURE_FUNCTIONS, ids=[f.__name__ for f in FIGURE_FUNCTIONS])
def test_every_package_figure_has_the_course_look(draw):
    fig = draw()
    assert isinstance(fig, matplotlib.figure.Figure)
    assert look_problems(fig) == []


def test_the_look_check_catches_untitled_figures_axes_on_images_and_unlabelled_plots():
    fig, (left, right) = plt.subplots(1, 2)
    left.imshow(np.linspace(-1, 1, 4).reshape(2, 2), cmap="gray")
    right.plot([1, 2, 3])
    left.images[0].set_array(np.linspace(-300, 300, 4).reshape(2, 2))
    problems = look_problems(fig)
    assert "no suptitle and axes [0, 1] have no title" in problems
    assert any("axis on" in p for p in problems)
    assert {"plot axes 1 has no xlabel", "plot axes 1 has no ylabel"} <= set(problems)
    assert any("signed values with gray" in p for p in problems)
    assert "axes 0 shows a 2-D map and the figure has no colour bar" in problems


# ----------------------------------------------------------------------------- (b) setup and colour maps


def test_setup_sets_the_documented_readable_style():
    matplotlib.rcdefaults()
    plotting.setup()
    rc = matplotlib.rcParams
    assert rc["image.cmap"] == plotting.SEQUENTIAL_CMAP
    assert rc["image.interpolation"] == "nearest"
    assert (rc["font.size"], rc["axes.labelsize"], rc["axes.titlesize"], rc["figure.titlesize"]) == (11, 11, 12, 13)
    assert rc["axes.titleweight"] == rc["figure.titleweight"] == "bold"
    for key in ("font.size", "axes.labelsize", "axes.titlesize", "figure.titlesize", "xtick.labelsize",
                "ytick.labelsize", "legend.fontsize"):
        assert FontProperties(size=rc[key]).get_size_in_points() >= 10, key


def test_the_colour_maps_are_a_sequential_grey_and_a_diverging_map_white_at_zero():
    from matplotlib import colormaps

    grey = colormaps[plotting.SEQUENTIAL_CMAP](np.linspace(0, 1, 5))[:, :3]
    assert np.all(np.diff(grey.mean(axis=1)) > 0)               # dark to bright
    diverging = colormaps[plotting.DIVERGING_CMAP]
    assert np.all(np.asarray(diverging(0.5)[:3]) > 0.9)         # zero is (near) white
    low, high = diverging(0.0), diverging(1.0)
    assert low[2] > low[0] and high[0] > high[2]                # blue negative, red positive


def _image(fig, index=0):
    return fig.axes[index].images[0]


def test_signed_images_use_the_diverging_map_with_symmetric_limits():
    signed = np.array([[-1.0, 0.0], [0.5, 3.0]])
    fig = plotting.show_images([signed, np.array([[0.0, 0.25], [0.5, 1.0]])], ["signed", "photo"])
    assert _image(fig, 0).get_cmap().name == plotting.DIVERGING_CMAP
    assert _image(fig, 0).get_clim() == (-3.0, 3.0)
    assert _image(fig, 1).get_cmap().name == plotting.SEQUENTIAL_CMAP  # [0, 1] images keep their grey
    assert _image(fig, 1).get_clim() == (0.0, 1.0)


def test_a_photo_with_a_few_negative_overshoots_stays_grey():
    """A sharpened photo dips below zero at some edges, but it is a photo, not signed data centred on zero."""
    sharpened = np.random.default_rng(0).random((20, 20)) * 0.6 + 0.3
    sharpened[::5, ::5] = -0.2
    assert _image(plotting.show_images([sharpened], ["sharpened"])).get_cmap().name == plotting.SEQUENTIAL_CMAP


def test_signed_images_robust_limits_are_symmetric_and_ignore_outliers():
    image = np.linspace(-1, 1, 10_000).reshape(100, 100)
    image[0, 0] = -1000.0
    low, high = _image(plotting.show_images([image], ["edges"], robust=True)).get_clim()
    assert low == -high and high == pytest.approx(0.99, abs=0.005)   # |values|: 99th percentile


def test_an_explicit_colour_map_or_range_is_respected():
    signed = np.array([[-1.0, 2.0]])
    fig = plotting.show_images([signed], ["magma"], cmap="magma")
    assert _image(fig).get_cmap().name == "magma" and _image(fig).get_clim() == (-1.0, 2.0)
    fig = plotting.show_images([signed], ["fixed range"], vmin=-4, vmax=4)
    assert _image(fig).get_cmap().name == plotting.DIVERGING_CMAP and _image(fig).get_clim() == (-4.0, 4.0)


def _colorbars(fig):
    return [ax for ax in fig.axes if _is_colorbar(ax)]


def test_every_2d_panel_has_a_colour_bar_unless_asked_not_to():
    """Issue 18: feature maps with no colour scale."""
    rng = np.random.default_rng(0)
    fig = plotting.show_images([rng.normal(size=(6, 6)), rng.random((6, 6, 3)), rng.random((6, 6)) * 5], list("abc"))
    bars = _colorbars(fig)
    assert [bar.get_ylabel() for bar in bars] == ["value", "value"]        # none for the RGB photo
    assert [bar.get_ylim() for bar in bars] == [_image(fig, 0).get_clim(), _image(fig, 2).get_clim()]
    assert _colorbars(plotting.show_images([rng.normal(size=(6, 6))], ["a"], colorbar=False)) == []
    assert _colorbars(plotting.show_images([rng.random((6, 6, 3))], ["photo"])) == []


def test_share_scale_puts_compared_panels_on_one_scale_and_says_so():
    """Issue 18: "after LRN" looked brighter because each panel was auto-scaled."""
    before = np.linspace(0, 10, 36).reshape(6, 6)
    after = before / 4                                          # damped: it must look darker, not the same
    fig = plotting.show_images([before, after, before - after], ["before", "after", "removed"], share_scale=True)
    clims = {_image(fig, i).get_clim() for i in range(3)}
    assert clims == {(0.0, 10.0)} and _image(fig, 1).get_cmap().name == plotting.SEQUENTIAL_CMAP
    bars = _colorbars(fig)
    assert len(bars) == 1 and bars[0].get_xlabel() == "value (one scale for all panels)"  # under the panels
    auto = plotting.show_images([before, after], ["before", "after"])
    assert _image(auto, 1).get_clim() == (0.0, 2.5)             # without it: each panel its own range
    signed = plotting.show_images([np.array([[-1.0, 0.5]]), np.array([[0.0, 4.0]])], ["a", "b"], share_scale=True)
    assert {_image(signed, i).get_clim() for i in range(2)} == {(-4.0, 4.0)}
    assert {_image(signed, i).get_cmap().name for i in range(2)} == {plotting.DIVERGING_CMAP}
    fixed = plotting.show_images([before, after], ["a", "b"], vmin=0, vmax=20)
    assert [bar.get_xlabel() for bar in _colorbars(fixed)] == ["value (one scale for all panels)"]


def test_share_scale_with_robust_limits_and_an_explicit_colour_map():
    image = np.linspace(0, 1, 10_000).reshape(100, 100)
    fig = plotting.show_images([image, image * 2], ["a", "b"], share_scale=True, robust=True, cmap="magma")
    low, high = _image(fig, 0).get_clim()
    assert _image(fig, 1).get_clim() == (low, high) and _image(fig, 0).get_cmap().name == "magma"
    assert low == pytest.approx(0.015, abs=0.01) and high == pytest.approx(1.96, abs=0.02)


def test_value_scale_is_the_one_rule_of_the_gallery():
    rng = np.random.default_rng(1)
    for image in (rng.normal(size=(8, 8)), rng.random((8, 8)), np.array([[-0.1, 1.0, 0.9, 0.8]])):
        drawn = _image(plotting.show_images([image], ["x"]))
        assert (drawn.get_cmap().name, *drawn.get_clim()) == pytest.approx(plotting.value_scale(image))
    assert plotting.value_scale(np.array([np.nan, -1.0, 1.0])) == ("RdBu_r", -1.0, 1.0)   # NaN left out
    with pytest.raises(ValueError, match="value_scale needs at least one array"):
        plotting.value_scale()
    with pytest.raises(ValueError, match=r"arrays\[1\] must be a non-empty array of numbers"):
        plotting.value_scale(np.ones(2), np.array([]))


def test_the_widget_colour_bar_is_a_gradient_with_readable_labels():
    import io
    import re

    from PIL import Image

    bar = plotting.colour_bar(-0.43215, 0.43215, length=100, thickness=4, caption="one <scale>")
    pixels = np.asarray(Image.open(io.BytesIO(bar.png)).convert("RGB")).astype(int)
    assert pixels.shape == (4, 100, 3)
    assert pixels[0, 0, 2] > pixels[0, 0, 0] + 60 and pixels[0, -1, 0] > pixels[0, -1, 2] + 60   # blue to red
    assert pixels[0, 49:51].min() > 230                                                           # white at 0
    assert re.findall(r">([^<>]+)</span>", bar.html) == ["-0.432", "0", "0.432"]
    assert "one &lt;scale&gt;" in bar.html and "var(--jp-ui-font-color2" in bar.html
    noisy = plotting.colour_bar(-3.45e-07, 2.0, plotting.SEQUENTIAL_CMAP)
    assert re.findall(r">([^<>]+)</span>", noisy.html) == ["0", "1", "2"]                         # no 3.45e-07
    custom = plotting.colour_bar(0.0, 1.0, labels=("min", "", "max"))
    assert re.findall(r">([^<>]*)</span>", custom.html) == ["min", "", "max"]
    with pytest.raises(ValueError, match=r"high must be at least low, received low=1.0 and high=0.0"):
        plotting.colour_bar(1.0, 0.0)
    with pytest.raises(ValueError, match=r"labels must be three texts"):
        plotting.colour_bar(0.0, 1.0, labels=("a", "b"))


def test_untitled_images_get_numbered_titles_unless_the_figure_has_a_suptitle():
    fig = plotting.show_images([np.zeros((28, 28)), np.zeros((4, 6, 3))])
    assert [ax.get_title() for ax in fig.axes if not _is_colorbar(ax)] == ["image 1 (28×28)", "image 2 (4×6×3)"]
    fig = plotting.show_images([np.zeros((2, 2))] * 2, suptitle="zeros")
    assert [ax.get_title() for ax in fig.axes if not _is_colorbar(ax)] == ["", ""]
    assert fig.get_suptitle() == "zeros"
    fig = plotting.show_predictions([np.ones((4, 6, 3))], [[("macaw", 0.9)]], suptitle="one parrot")
    assert fig.get_suptitle() == "one parrot" and fig.axes[1].get_title() == "top 1 class"


# ----------------------------------------------------------------------------- (c) the notebooks


FIGURE_CALLS = {"subplots", "figure", "subplot_mosaic"}
TITLE_CALLS = {"set_title", "suptitle", "title"}
#: Position of ``titles`` among the positional arguments.
TITLED_FUNCTIONS = {"show_images": 1, "show_predictions": 2}


def _name(func) -> str | None:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def _is_none(node) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _given(call: ast.Call, keyword: str) -> bool:
    return any(k.arg == keyword and not _is_none(k.value) and not (isinstance(k.value, ast.Constant)
                                                                  and k.value.value == "")
               for k in call.keywords)


def _code_cells(path: Path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for index, cell in enumerate(cells):
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            # IPython magics and shell escapes are not Python; they draw nothing.
            python = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
            yield index, source, python


def untitled_figures(path: Path) -> list[str]:
    """The code cells of a notebook that draw a figure without a title, one line each."""
    problems = []
    for index, source, python in _code_cells(path):
        where = f"{path.name} cell {index}: {source.strip().splitlines()[0] if source.strip() else ''!r}"
        try:
            tree = ast.parse(python)
        except SyntaxError as error:
            problems.append(f"{where}: does not parse ({error.msg})")
            continue
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
        makes_figure = any(isinstance(c.func, ast.Attribute) and c.func.attr in FIGURE_CALLS
                           and isinstance(c.func.value, ast.Name) and c.func.value.id in ("plt", "pyplot")
                           for c in calls)
        titled = any(_name(c.func) in TITLE_CALLS or (_name(c.func) == "set" and _given(c, "title")) for c in calls)
        if makes_figure and not titled:
            problems.append(f"{where}: plt.subplots/plt.figure without set_title, ax.set(title=...) or suptitle")
        for call in calls:
            position = TITLED_FUNCTIONS.get(_name(call.func))
            if position is None:
                continue
            positional = [a for a in call.args if not isinstance(a, ast.Starred)]
            has_titles = (len(positional) > position and len(positional) == len(call.args)
                          and not _is_none(positional[position])) or _given(call, "titles")
            if not (has_titles or _given(call, "suptitle")):
                problems.append(f"{where}: {_name(call.func)} (line {call.lineno}) without titles or suptitle")
    return problems


def test_the_notebook_check_finds_untitled_figures(tmp_path):
    cells = ["fig, ax = plt.subplots()\nax.plot([1, 2])", "fig, ax = plt.subplots()\nax.set(title='ok')",
             "plotting.show_images(images)", "plotting.show_images(images, titles=None)",
             "plotting.show_images(images, names)", "plotting.show_images(images, suptitle='all')",
             "plotting.show_predictions(images, top)", "plotting.show_predictions(images, top, names)",
             "%matplotlib inline\nplt.figure()\nplt.title('t')"]
    notebook = {"cells": [{"cell_type": "code", "source": source} for source in cells]}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(notebook))
    found = untitled_figures(path)
    assert [line.split(":")[0] for line in found] == ["nb.ipynb cell 0", "nb.ipynb cell 2", "nb.ipynb cell 3",
                                                      "nb.ipynb cell 6"]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_notebook_figure_is_titled(notebook):
    problems = untitled_figures(notebook)
    assert not problems, "untitled figures:\n" + "\n".join(problems)


def test_the_notebooks_are_found():
    assert len(NOTEBOOKS) >= 10
