"""Draw a digit with the mouse and watch a model classify it, stroke by stroke.

* :func:`class_probabilities` - a model's class probabilities for one 28×28 digit.
* :class:`DigitCanvas` - a drawing surface (ipycanvas), the 28×28 input the model
  actually sees, and the model's probabilities, updated after every stroke.

Compute is kept apart from display: the canvas only records the pen's path; after
each stroke the widget rasterises the strokes (:func:`cnnlab.digits.render_strokes`),
preprocesses them as MNIST was (:func:`cnnlab.digits.to_mnist`), asks the model, and
writes the results into an existing ``ipywidgets.Image`` and ``HTML``. Keras is not
imported here: the model is called, whatever it is.
"""

from __future__ import annotations

import html

import ipywidgets as w
import numpy as np

from ..datasets import MNIST_CLASSES
from ..digits import render_strokes, to_mnist
from ..evaluation import check_pixel_values
from ..plotting import encode_image
from ._base import WidgetBase, column, css, picture_layout, row

__all__ = ["DigitCanvas", "class_probabilities", "accuracy_note"]

#: Below this test accuracy a model's answers to a drawing are close to guesses, and the canvas says so.
TRUSTWORTHY = 0.9


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max()
    e = np.exp(z)
    return e / e.sum()


def class_probabilities(model, digit) -> np.ndarray:
    """The class probabilities a model gives one 28×28 digit (``uint8`` 0-255, as ``to_mnist`` returns).

    The digit is scaled to [0, 1] ``float32`` and given the shape the model
    expects: ``(1, 28, 28, 1)``, or ``(1, 28, 28)`` for a model whose input has
    no channel axis. A model that outputs logits (values that are not
    probabilities) gets a softmax.

    Parameters
    ----------
    model : keras.Model or callable
        Anything that maps a batch of digits to a batch of scores.
    digit : array_like
        ``(28, 28)`` image.

    Returns
    -------
    numpy.ndarray
        1-D probabilities that sum to 1.

    Examples
    --------
    >>> def brightness_model(batch):                  # scores: 0 for dark, 1 for bright
    ...     mean = batch.mean(axis=(1, 2, 3))
    ...     return np.stack([1 - mean, mean], axis=1)
    >>> class_probabilities(brightness_model, np.zeros((28, 28), np.uint8)).round(2)
    array([1., 0.])
    """
    if not callable(model):
        raise ValueError(f"model must be a Keras model or a function of a batch of images, received model={model!r:.80}.")
    digit = np.asarray(digit)
    if digit.shape != (28, 28):
        raise ValueError(f"digit must be a 28×28 image, received shape {digit.shape}.")
    x = (digit.astype(np.float32) / (255.0 if digit.dtype == np.uint8 else 1.0))[None, :, :, None]
    check_pixel_values("digit", x, fix="Pass the uint8 digit (0-255) or floats in [0, 1].")  # 0-255 floats, or / 255 twice
    inputs = getattr(model, "inputs", None)
    if inputs and len(inputs[0].shape) == 3:
        x = x[..., 0]
    if hasattr(model, "predict_on_batch"):
        scores = model(x, training=False)
    else:
        scores = model(x)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    if not np.isfinite(scores).all():
        raise ValueError("the model returned NaN or infinite scores for this digit.")
    if scores.min() < 0 or abs(scores.sum() - 1) > 1e-3:
        scores = _softmax(scores)
    return scores


def _bars(probabilities, class_names) -> str:
    """HTML bar chart of the probabilities, best class highlighted."""
    best = int(np.argmax(probabilities))
    rows = []
    for i, (p, name) in enumerate(zip(probabilities, class_names)):
        colour = "#1f77b4" if i == best else "#9ecae1"
        weight = "bold" if i == best else "normal"
        rows.append(
            f'<div style="display:flex;align-items:center;gap:6px;font-weight:{weight}">'
            f'<span style="width:5.5em;text-align:right">{html.escape(str(name))}</span>'
            f'<span style="display:inline-block;width:{140 * p:.0f}px;height:12px;background:{colour}"></span>'
            f"<span>{100 * p:.1f}%</span></div>"
        )
    return "".join(rows)


def accuracy_note(accuracy: float | None, *, quick: bool = False, classes: int = 10) -> str:
    """What a model's test ``accuracy`` means for its answers to a drawing, as a line of HTML ('' for None).

    Below :data:`TRUSTWORTHY` the line warns that the answers are close to guesses
    (chance is one in ``classes``) and how to get real ones; ``quick`` says that
    quick mode trained the model briefly.

    Examples
    --------
    >>> import re
    >>> re.sub("<[^>]+>", "", accuracy_note(0.16, quick=True))[:76]
    'This model is 16.0% accurate on the test digits (quick mode trained it only '
    >>> "close to guesses" in accuracy_note(0.992)
    False
    """
    if accuracy is None:
        return ""
    if isinstance(accuracy, bool) or not isinstance(accuracy, (int, float, np.floating, np.integer)) \
            or not 0 <= float(accuracy) <= 1:
        raise ValueError(f"accuracy must be the model's test accuracy, a number from 0 to 1 (0.99 for 99%), "
                         f"received accuracy={accuracy!r:.80}.")
    accuracy = float(accuracy)
    if isinstance(classes, bool) or not isinstance(classes, (int, np.integer)) or classes < 2:
        raise ValueError(f"classes must be the number of classes the model tells apart, at least 2, "
                         f"received classes={classes!r:.80}.")
    if accuracy >= TRUSTWORTHY:
        return (f'<span class="cnnlab-note">This model is {accuracy:.1%} accurate on the test digits; '
                "a drawing unlike MNIST's digits can still fool it.</span>")
    why = " (quick mode trained it only briefly)" if quick else ""
    return (f'<span class="cnnlab-warning">This model is {accuracy:.1%} accurate on the test digits{why}, '
            f"so its answers here are close to guesses ({1 / classes:.0%} is chance). Train it longer (run the "
            "notebook in normal mode) for real predictions.</span>")


class DigitCanvas(WidgetBase):
    """Draw a digit; see the 28×28 input the model sees and its class probabilities, after each stroke.

    Drawing happens in the browser (an ``ipycanvas.Canvas``); the widget records
    the pen's path and, on pen up, preprocesses the drawing the way MNIST's digits
    were (fit the digit into a 20×20 box, put its centre of mass at the centre of
    the 28×28 image) and classifies it. **Clear** starts again, **Undo** removes
    the last stroke.

    Parameters
    ----------
    model : keras.Model or callable, optional
        Trained on MNIST-like inputs scaled to [0, 1]; without one, only the
        preprocessed input is shown.
    class_names : sequence of str
        Names of the model's classes (MNIST's digits by default).
    size : int
        Width and height of the drawing surface, in screen pixels (100 to 800).
    pen : float
        Pen width as a fraction of the drawing's size (see :func:`cnnlab.digits.render_strokes`).
    on_draw : callable, optional
        Called with the new ``(28, 28)`` input after each stroke, e.g. to show its
        feature maps: ``on_draw=lambda digit: viewer.set_image("your drawing", digit)``.
    accuracy : float, optional
        The model's accuracy on the test digits (0 to 1). The canvas says what it
        means for the answers: below 90% (a quick-mode model), that they are close to guesses.

    Attributes
    ----------
    strokes : list of list of (x, y)
    digit : numpy.ndarray or None
        The last preprocessed ``(28, 28)`` ``uint8`` input.
    probabilities : numpy.ndarray or None
        The model's last answer.
    accuracy : float or None
        As given; ``trust`` (an ``ipywidgets.HTML``) says what it means, next to the answer.

    Examples
    --------
    >>> canvas = DigitCanvas(model=None)
    >>> canvas.draw_stroke([(140, 40), (140, 240)])          # a "1", as if drawn with the mouse
    True
    >>> canvas.digit.shape
    (28, 28)
    """

    def __init__(self, model=None, *, class_names=MNIST_CLASSES, size: int = 280, pen: float = 0.15,
                 on_draw=None, accuracy: float | None = None) -> None:
        super().__init__()
        import ipycanvas

        from .. import config

        if model is not None and not callable(model):
            raise ValueError(f"model must be a Keras model, a function of a batch of images, or None, "
                             f"received model={model!r:.80}.")
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 100 <= size <= 800:
            raise ValueError(f"size must be an int from 100 to 800 (screen pixels), received size={size!r}.")
        render_strokes([[(0, 0)]], pen=pen)  # validates pen
        if on_draw is not None and not callable(on_draw):
            raise ValueError(f"on_draw must be a function of the drawn digit, or None, received on_draw={on_draw!r:.80}.")
        names = [] if isinstance(class_names, str) else list(class_names) if hasattr(class_names, "__iter__") else []
        if not names:
            raise ValueError(f"class_names must be a non-empty sequence of names, one per class, "
                             f"received class_names={class_names!r:.80}.")
        note = accuracy_note(accuracy, quick=config.quick(), classes=len(names))  # validates accuracy
        if accuracy is not None and model is None:
            raise ValueError(f"accuracy={accuracy!r} is given but model is None: pass the model it measures.")
        self.on_draw = on_draw
        self.model = model
        self.accuracy = None if accuracy is None else float(accuracy)
        self.class_names = [str(name) for name in names]
        self.pen = pen
        self.strokes: list[list[tuple[float, float]]] = []
        self.digit: np.ndarray | None = None
        self.probabilities: np.ndarray | None = None
        self._drawing = False

        # A canvas keeps its size (its drawing coordinates are its pixels); the side panel wraps below it if need be.
        self.canvas = ipycanvas.Canvas(width=int(size), height=int(size), layout=w.Layout(
            width=f"{int(size)}px", height=f"{int(size)}px", border=f"1px solid {css('border')}"))
        self.canvas.add_class("cnnlab-digit-surface")
        self.canvas.line_cap = "round"
        self.canvas.line_join = "round"
        self._line_width = max(2, round(size * 0.06))
        self._clear_surface()
        for event, handler in (("mouse_down", self._pen_down), ("mouse_move", self._pen_move),
                               ("mouse_up", self._pen_up), ("mouse_out", self._pen_up),
                               ("touch_start", self._touch_down), ("touch_move", self._touch_move),
                               ("touch_end", self._touch_up), ("touch_cancel", self._touch_up)):
            getattr(self.canvas, f"on_{event}")(handler)

        self.clear_button = w.Button(description="Clear", icon="eraser")
        self.undo_button = w.Button(description="Undo", icon="undo")
        self.clear_button.on_click(lambda _b: self.clear())
        self.undo_button.on_click(lambda _b: self.undo())
        self.preview = w.Image(format="png", layout=picture_layout("112px"))
        self.preview.add_class("cnnlab-digit-input")
        self._blank_preview()  # before the preview is shown: never an empty picture
        self.answer = w.HTML(value=self._prompt())
        self.answer.add_class("cnnlab-digit-answer")
        self.trust = w.HTML(value=note, layout=w.Layout(display=None if note else "none", max_width="320px"))
        self.trust.add_class("cnnlab-digit-accuracy")
        self.bars = w.HTML()
        self.bars.add_class("cnnlab-digit-probabilities")
        side = column([w.HTML("<b>What the model sees</b> (28×28)"), self.preview, self.answer, self.trust,
                       self.bars])
        self.root = column([row([column([self.canvas, row([self.clear_button, self.undo_button])]), side]),
                            self.error_box])

    # ------------------------------------------------------------------ drawing events
    def _pen_down(self, x, y) -> None:
        self._drawing = True
        self.strokes.append([(float(x), float(y))])
        self.canvas.fill_circle(x, y, self._line_width / 2)

    def _pen_move(self, x, y) -> None:
        if not self._drawing:
            return
        x0, y0 = self.strokes[-1][-1]
        self.strokes[-1].append((float(x), float(y)))
        self.canvas.stroke_line(x0, y0, x, y)

    def _pen_up(self, x=None, y=None) -> None:
        if not self._drawing:
            return
        self._drawing = False
        self.refresh()

    def _touch_down(self, touches) -> None:
        if touches:
            self._pen_down(*touches[0])

    def _touch_move(self, touches) -> None:
        if touches:
            self._pen_move(*touches[0])

    def _touch_up(self, touches=None) -> None:
        self._pen_up()

    # ------------------------------------------------------------------ public API
    def draw_stroke(self, points) -> bool:
        """Add one stroke (a list of (x, y) canvas points), as if drawn with the mouse; return ``refresh()``'s result."""
        points = [(float(x), float(y)) for x, y in points]
        if not points:
            raise ValueError("points is empty; a stroke needs at least one (x, y) point.")
        self._pen_down(*points[0])
        for x, y in points[1:]:
            self._pen_move(x, y)
        self._drawing = False
        return self.refresh()

    def clear(self) -> None:
        """Remove every stroke."""
        self.strokes.clear()
        self._drawing = False
        self._clear_surface()
        self.refresh()

    def undo(self) -> None:
        """Remove the last stroke and redraw the rest."""
        if self.strokes:
            self.strokes.pop()
        self._clear_surface()
        for stroke in self.strokes:
            self.canvas.fill_circle(*stroke[0], self._line_width / 2)
            for (x0, y0), (x1, y1) in zip(stroke, stroke[1:]):
                self.canvas.stroke_line(x0, y0, x1, y1)
        self.refresh()

    # ------------------------------------------------------------------ display
    def _picture_parts(self) -> dict:
        """The drawing surface in the static picture: the strokes in white on black (its pixels live in the browser)."""
        from PIL import Image, ImageDraw

        surface = Image.new("RGB", (self.canvas.width, self.canvas.height), (0, 0, 0))
        draw = ImageDraw.Draw(surface)
        radius = self._line_width / 2
        for stroke in self.strokes:
            if len(stroke) > 1:
                draw.line(stroke, fill=(255, 255, 255), width=self._line_width)
            for x, y in stroke:  # round caps and joins, as the canvas draws them
                draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=(255, 255, 255))
        return {self.canvas: surface}

    def _clear_surface(self) -> None:
        from ipycanvas import hold_canvas

        with hold_canvas():
            self.canvas.clear()
            self.canvas.fill_style = "black"
            self.canvas.fill_rect(0, 0, self.canvas.width, self.canvas.height)
            self.canvas.fill_style = "white"
            self.canvas.stroke_style = "white"
            self.canvas.line_width = self._line_width

    def _prompt(self) -> str:
        return "<i>Draw a digit on the black square.</i>"

    def _blank_preview(self) -> None:
        self.preview.value = encode_image(np.zeros((28, 28), np.uint8), scale=4)

    def _update(self) -> None:
        if not self.strokes:
            self.digit = self.probabilities = None
            self._blank_preview()
            self.answer.value = self._prompt()
            self.bars.value = ""
            return
        digit = to_mnist(render_strokes(self.strokes, pen=self.pen))
        self.digit = digit
        self.preview.value = encode_image(digit, scale=4)
        if self.on_draw is not None:
            self.on_draw(digit)
        if self.model is None:
            self.answer.value = "<i>No model given: this is the input a model would see.</i>"
            return
        probabilities = class_probabilities(self.model, digit)
        if len(probabilities) != len(self.class_names):
            raise ValueError(f"the model gives {len(probabilities)} scores but there are "
                             f"{len(self.class_names)} class_names; pass class_names to match the model.")
        self.probabilities = probabilities
        best = int(np.argmax(probabilities))
        self.answer.value = (f"The model says <b>{html.escape(self.class_names[best])}</b> "
                             f"({100 * probabilities[best]:.1f}%).")
        self.bars.value = _bars(probabilities, self.class_names)
