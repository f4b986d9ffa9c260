"""Issue #17: markup in what a learner (or a data set, a model, a file) gives a widget is shown as text.

Every widget that ``cnnlab.widgets`` exports has a row: it builds the widget with the hostile text in
every piece of text the widget takes (titles, class names, image and file names, layer names, model
names and sources, photo credits) and drives it until that text is on display. Then the widget tree
is walked (every child, through every synced trait) and no ``ipywidgets.HTML`` / ``HTMLMath`` value,
nor any description the widget lets render as HTML, may hold the raw text: it must be there escaped.
``&amp;`` must survive the round trip (shown as the five characters, so escaped once more).

A second test makes each widget's update fail with an exception whose message holds the markup:
the error line must show it escaped too. A new widget without a row fails
``test_every_exported_widget_has_a_row``.

Matplotlib has its own markup, mathtext: a class name such as ``"x^$"`` or ``"$\\frac$"`` must not
stop a figure from drawing, and a very long title must still leave a layout that fits. Those rows
(category ``bad-input``) cover every function that draws text in a figure from user input.
"""

from __future__ import annotations

import datetime
import html
import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

pytestmark = pytest.mark.reliability("security")

#: Hostile texts: an element with an event handler, a closing tag and a script, an entity.
PAYLOADS = {
    "img-onerror": "<img src=x onerror=alert(1)>",
    "close-and-script": "</div><script>alert(2)</script>",
    "entity": "R&amp;D",
}

RGB = np.random.default_rng(0).random((16, 16, 3)).astype(np.float32)


def keras_name(text: str) -> str:
    """Keras refuses "/" in layer names: the same markup without it."""
    return text.replace("/", "")


# ----------------------------------------------------------------------------- walking the widget tree


def widget_tree(widget) -> list:
    from cnnlab.widgets._base import _widget_tree

    return _widget_tree([widget.root if hasattr(widget, "root") else widget])


def html_texts(widget) -> list[str]:
    """Every string the browser renders as HTML: HTML and HTMLMath values, descriptions allowed to be HTML."""
    import ipywidgets as w

    texts = []
    for child in widget_tree(widget):
        if isinstance(child, (w.HTML, w.HTMLMath)):
            texts.append(child.value)
        if getattr(child, "description_allow_html", False):
            texts.append(child.description)
        if isinstance(child, w.Dropdown) and getattr(child, "description_allow_html", False):
            texts.extend(str(label) for label in child._options_labels)
    return texts


def assert_shown_only_as_text(widget, text: str, *, must_show: bool) -> None:
    rendered = html_texts(widget)
    raw = [value for value in rendered if text in value]
    assert not raw, f"raw markup {text!r} reaches the page in:\n  " + "\n  ".join(v[:300] for v in raw)
    if must_show:
        escaped = html.escape(text)
        assert any(escaped in value for value in rendered), (
            f"the text {text!r} is not on display (escaped) in any HTML output; the row does not show it:\n  "
            + "\n  ".join(v[:200] for v in rendered))
        assert any(text in html.unescape(value) for value in rendered)  # and it reads as the learner wrote it


# ----------------------------------------------------------------------------- widgets' rows


def upload(widget, name: str, content: bytes) -> None:
    """Put a file in the widget's FileUpload, as the browser does."""
    widget.upload.value = ({"name": name, "type": "", "size": len(content), "content": memoryview(content),
                            "last_modified": datetime.datetime.now(datetime.timezone.utc)},)


class FakeClassifier:
    """Enough of cnnlab.pretrained.Classifier for PhotoClassifier, every text of it hostile."""

    input_size = 8

    def __init__(self, text: str):
        self.name, self.source, self.class_names = text, text, (text, "dog")

    def classify(self, images, top=5):
        return [[(self.class_names[0], 0.9), ("dog", 0.1)][:top]]


def dataset_browser(text):
    from cnnlab.widgets import DatasetBrowser

    browser = DatasetBrowser(np.zeros((3, 8, 8), np.uint8), np.array([0, 1, 2]),
                             [text, f"{text} 1", f"{text} 2"], title=text)
    for label in (1, 2, 0):
        browser.class_filter.value = label  # each class name in the caption in turn
    return browser, text


def kernel_explorer(text):
    from cnnlab.widgets import KernelExplorer

    explorer = KernelExplorer({text: RGB})
    upload(explorer, f"{text}.txt", b"not a photo")  # the file name comes back in the error line
    assert explorer.last_error is not None
    return explorer, text


def pooling_explorer(text):
    from cnnlab.widgets import PoolingExplorer

    return PoolingExplorer({text: RGB}), None  # the image name only in a Dropdown (text, never HTML)


def memory_calculator(text):
    from cnnlab.widgets import MemoryCalculator

    return MemoryCalculator(), None  # takes no text


def conv_geometry(text):
    from cnnlab.widgets import ConvGeometryExplorer

    return ConvGeometryExplorer(), None  # takes no text


def receptive_field(text):
    from cnnlab import ops
    from cnnlab.widgets import ReceptiveFieldExplorer

    layers = [ops.Layer(3, 1, "VALID", name=text), ops.Layer(2, 2, "VALID", name=f"{text} pool")]
    return ReceptiveFieldExplorer(RGB, layers=layers), text


def tiny_model(layer_name: str, size: int | None = 16):
    import keras

    keras.utils.set_random_seed(0)
    inputs = keras.Input((size, size, 3))
    x = keras.layers.Conv2D(2, 3, name=layer_name)(inputs)
    return keras.Model(inputs, keras.layers.Conv2D(2, 3, name="second")(x), name=layer_name)


def feature_maps(text):
    from cnnlab.widgets import FeatureMapViewer

    name = keras_name(text)
    return FeatureMapViewer(tiny_model(name), {name: RGB}), name


def digit_canvas(text):
    from cnnlab.widgets import DigitCanvas

    canvas = DigitCanvas(lambda x: np.eye(10)[:1], class_names=[text] + [str(d) for d in range(1, 10)])
    canvas.draw_stroke([(60, 50), (220, 50), (120, 250)])
    return canvas, text


def photo_classifier(text):
    from cnnlab.widgets import PhotoClassifier

    return PhotoClassifier(FakeClassifier(text), {text: RGB}, top=2, credits={text: text}), text


def deepdream_explorer(text):
    from cnnlab.widgets import DeepDreamExplorer

    name = keras_name(text)
    explorer = DeepDreamExplorer(tiny_model(name, None), RGB, layer=name, steps=1, octaves=1)
    explorer.dream_button.click()  # the readout names the layer
    assert explorer.last_error is None, explorer.last_error
    return explorer, name


def numeric_answer(text):
    from cnnlab.widgets import NumericAnswer

    question = NumericAnswer(text, 12, hints=[text], explanation=text)
    question.text.value = f"{text} 3"          # what the learner typed comes back in the feedback
    question.check_button.click()
    return question, text


def multiple_choice(text):
    from cnnlab.widgets import MultipleChoice, Option

    question = MultipleChoice(text, [Option(text, True, text), Option(f"{text} 2", False, text)])
    question.select(f"{text} 2")
    question.check_button.click()
    return question, text


def free_text(text):
    from cnnlab.widgets import FreeText, KeyIdea

    question = FreeText(text, text, key_ideas=[KeyIdea(text, ["pooling"], text)])
    question.text.value = f"{text} about pooling"
    question.check_button.click()
    question.show_button.click()              # the model answer
    return question, text


def exercise(text):
    from cnnlab.widgets import Exercise, NumericAnswer

    return Exercise(1, text, NumericAnswer(text, 1), intro=text), text


def training_monitor(text):
    from cnnlab.widgets import TrainingMonitor

    return TrainingMonitor(text=False), None  # takes no text: its readout holds numbers only


@dataclass(frozen=True)
class Row:
    build: Callable[[str], tuple]  # text -> (widget, the text it must show, or None if it shows none as HTML)
    tensorflow: bool = False


ROWS = {
    "DatasetBrowser": Row(dataset_browser),
    "KernelExplorer": Row(kernel_explorer),
    "PoolingExplorer": Row(pooling_explorer),
    "MemoryCalculator": Row(memory_calculator),
    "ConvGeometryExplorer": Row(conv_geometry),
    "ReceptiveFieldExplorer": Row(receptive_field),
    "FeatureMapViewer": Row(feature_maps, tensorflow=True),
    "DigitCanvas": Row(digit_canvas),
    "PhotoClassifier": Row(photo_classifier),
    "DeepDreamExplorer": Row(deepdream_explorer, tensorflow=True),
    "NumericAnswer": Row(numeric_answer),
    "MultipleChoice": Row(multiple_choice),
    "FreeText": Row(free_text),
    "Exercise": Row(exercise),
    "TrainingMonitor": Row(training_monitor, tensorflow=True),
}

#: Exported functions that draw a matplotlib figure (no HTML): their rows are FIGURE_ROWS below.
FIGURE_FUNCTIONS = {"show_filters"}
#: Exported parts of a question, not widgets: their text is shown by the question rows above.
QUESTION_PARTS = {"Option", "KeyIdea", "parse_number"}


def test_every_exported_widget_has_a_row():
    import cnnlab.widgets

    exported = set(cnnlab.widgets.__all__)
    known = set(ROWS) | FIGURE_FUNCTIONS | QUESTION_PARTS
    assert exported == known, (
        f"widgets without a markup row: {sorted(exported - known)}; rows for no widget: {sorted(known - exported)}")


def _params():
    for name, row in ROWS.items():
        marks = [pytest.mark.tensorflow] if row.tensorflow else []
        for payload_id, payload in PAYLOADS.items():
            yield pytest.param(name, payload, id=f"{name}-{payload_id}", marks=marks)


@pytest.mark.parametrize("name, text", list(_params()))
def test_text_a_widget_is_given_is_shown_escaped(name, text):
    widget, shown = ROWS[name].build(text)
    try:
        assert_shown_only_as_text(widget, text, must_show=shown == text)
        if shown is not None and shown != text:
            assert_shown_only_as_text(widget, shown, must_show=True)
    finally:
        widget.close()


@pytest.mark.parametrize("name, text", list(_params()))
def test_an_error_message_holding_markup_is_shown_escaped(name, text):
    widget, _ = ROWS[name].build("plain")

    def failing_update():
        raise ValueError(f"bad value {text}")

    try:
        widget._update = failing_update  # the next update fails, as a compute function would
        widget.refresh()
        assert widget.last_error is not None, "the failure was not reported"
        assert widget.error_box.layout.display != "none"
        assert_shown_only_as_text(widget, f"bad value {text}", must_show=True)
    finally:
        widget.close()


def test_the_walk_finds_markup_that_is_not_escaped():
    """The check itself: an HTML child deep in a box, with the raw text, is found."""
    import ipywidgets as w

    class Holder:
        root = w.VBox([w.HBox([w.HTML("<b>ok</b>"), w.HTML(PAYLOADS["img-onerror"])])])

    with pytest.raises(AssertionError, match="raw markup"):
        assert_shown_only_as_text(Holder(), PAYLOADS["img-onerror"], must_show=True)
    Holder.root.children[0].children[1].value = html.escape(PAYLOADS["img-onerror"])
    assert_shown_only_as_text(Holder(), PAYLOADS["img-onerror"], must_show=True)


# ----------------------------------------------------------------------------- matplotlib's mathtext

#: Class names, titles and layer names matplotlib cannot parse as mathtext, or that are awkward.
AWKWARD_TEXTS = {
    "lone-dollar": "a$b",
    "broken-math": "$x^$",
    "broken-frac": r"$\frac$",
    "two-formulas-one-broken": r"$\alpha$ and $x_$",
    "empty": "",
    "very-long": "long class name " * 400,
    "html": PAYLOADS["img-onerror"],
}


def draw(fig) -> None:
    """Render the figure as a notebook does."""
    import matplotlib.pyplot as plt

    try:
        fig.savefig(io.BytesIO(), format="png")
    finally:
        plt.close(fig)


def _show_images(text):
    from cnnlab import plotting

    draw(plotting.show_images([np.eye(4), np.ones((4, 4))], [text, text], suptitle=text))


def _show_predictions(text):
    from cnnlab import plotting

    draw(plotting.show_predictions([np.ones((4, 4, 3))], [[(text, 0.9), ("dog", 0.1)]], [text], suptitle=text))


def _show_filters(text):
    from cnnlab.widgets import show_filters

    name = keras_name(text) or "conv"
    draw(show_filters(tiny_model(name), name))


def _confusion_matrix_plot(text):
    from cnnlab import evaluation

    draw(evaluation.confusion_matrix_plot([0, 1, 1], [0, 1, 0], class_names=[text, "dog"]))


def _misclassified_gallery(text):
    from cnnlab import evaluation

    draw(evaluation.misclassified_gallery(lambda x: np.tile([0.3, 0.7], (len(x), 1)), np.zeros((2, 4, 4)), [0, 1],
                                          class_names=[text, "dog"]))


def _transfer_history(text):
    from cnnlab import transfer

    class History:  # what model.fit returns, as far as plot_phases reads it
        history = {"loss": [1.0, 0.8], "accuracy": [0.5, 0.6], "val_loss": [1.1, 0.9], "val_accuracy": [0.4, 0.5]}

    draw(transfer.plot_phases(History(), History(), names=("head", text)))


FIGURE_ROWS = {
    "plotting.show_images": (_show_images, False),
    "plotting.show_predictions": (_show_predictions, False),
    "widgets.show_filters": (_show_filters, True),
    "evaluation.confusion_matrix_plot": (_confusion_matrix_plot, False),
    "evaluation.misclassified_gallery": (_misclassified_gallery, False),
    "transfer.plot_phases": (_transfer_history, True),
}


def _figure_params():
    for name, (function, tensorflow) in FIGURE_ROWS.items():
        for text_id, text in AWKWARD_TEXTS.items():
            yield pytest.param(function, text, id=f"{name}-{text_id}",
                               marks=[pytest.mark.tensorflow] if tensorflow else [])


@pytest.mark.reliability("bad-input")
@pytest.mark.parametrize("function, text", list(_figure_params()))
def test_a_figure_draws_whatever_text_it_is_given(function, text):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Tight layout not applied" too: the figure must still fit
        function(text)


@pytest.mark.reliability("bad-input")
def test_a_formula_that_parses_is_still_drawn_as_mathematics():
    import matplotlib.pyplot as plt

    from cnnlab import plotting

    fig = plotting.show_images([np.eye(3)], [r"$\sigma = 1$"])
    title = fig.axes[0].title
    assert title.get_text() == r"$\sigma = 1$" and title.get_parse_math()
    plt.close(fig)
    fig = plotting.show_predictions([np.ones((4, 4, 3))], [[("$x$", 1.0)]])
    assert [label.get_parse_math() for label in fig.axes[1].get_yticklabels()] == [False]  # a class name is data
    plt.close(fig)


@pytest.mark.reliability("bad-input")
def test_a_very_long_title_is_wrapped_and_cut():
    import matplotlib.pyplot as plt

    from cnnlab import plotting

    fig = plotting.show_images([np.eye(3)], ["word " * 1000], size=3)
    shown = fig.axes[0].get_title()
    plt.close(fig)
    assert shown.count("\n") == 2 and shown.endswith("…") and len(shown) < 200, shown
