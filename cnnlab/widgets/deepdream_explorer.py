"""DeepDream with controls: pick a layer, the number of steps, the step size and the octaves, then Dream.

A dream takes seconds to minutes on a CPU, so moving a control does not start one:
the controls set up the next dream, the **Dream** button runs it, and the readout says
what the last one did. The original and the dreamed image are shown side by side, and
after a dream a third picture shows the change itself (after − before, magnified to
fill its colour scale): a short dream changes the pixels too little to
see in "after", and the readout then says so and how to see more. The pictures are
``ipywidgets.Image`` objects made once and updated in place (JPEG: photos). The
computation is :func:`cnnlab.deepdream.deepdream` and :func:`dream_change`, testable
without the widget.
"""

from __future__ import annotations

import html
import time

import ipywidgets as w
import numpy as np

from .._validation import check_memory, check_model, check_positive_int, check_positive_number
from ..plotting import DIVERGING_CMAP, encode_image
from ._base import WidgetBase, column, fit, label_style, picture_layout, row

__all__ = ["DeepDreamExplorer", "dream_change", "change_summary"]  # change_limit reads dream_change's checked output

#: A mean change below this (in pixel units, 0-1) is too faint to see in the dreamed photo: about 5 grey levels of 255.
FAINT = 0.02
#: Steps that make a visible dream at the default step size (the readout suggests them after a faint one).
VISIBLE_STEPS = 20
_PICTURE_WIDTH = "280px"


def dream_change(before, after) -> np.ndarray:
    """The change a dream made, pixel by pixel: ``after − before`` averaged over the colour channels.

    Positive where the dream brightened the photo, negative where it darkened it;
    in pixel units (the photos are in [0, 1]).

    Examples
    --------
    >>> before = np.zeros((2, 2, 3), np.float32); after = before.copy(); after[0, 0] = 0.3
    >>> dream_change(before, after).round(2)
    array([[0.3, 0. ],
           [0. , 0. ]], dtype=float32)
    """
    before, after = np.asarray(before, np.float32), np.asarray(after, np.float32)
    if before.shape != after.shape or before.ndim != 3:
        raise ValueError(f"before and after must be images of one shape (height, width, 3), received shapes "
                         f"{before.shape} and {after.shape}.")
    return (after - before).mean(axis=-1)


def change_limit(change) -> float:
    """The change picture's colour limit: ±this is full colour. The 99th percentile of ``|change|``.

    The largest change alone would leave most of a short dream's picture white; the
    1% of pixels beyond the limit are drawn in full colour. 1.0 for no change at all.

    Examples
    --------
    >>> change = np.full((10, 100), 0.01); change[0, 0] = -0.5      # one pixel far beyond the others
    >>> round(change_limit(change), 3), change_limit(np.zeros((2, 2)))
    (0.01, 1.0)
    """
    limit = float(np.percentile(np.abs(np.asarray(change, np.float32)), 99)) if np.size(change) else 0.0
    return limit if limit > 0 else (float(np.abs(change).max(initial=0.0)) or 1.0)


def change_summary(before, after, steps: int) -> tuple[str, bool]:
    """A sentence on how much a dream of ``steps`` steps changed the photo, and whether that is too faint to see.

    Examples
    --------
    >>> before = np.full((4, 4, 3), 0.5, np.float32)
    >>> text, faint = change_summary(before, before + 0.004, steps=3)
    >>> faint, text.split(":")[0]
    (True, 'Pixels moved by 0.4% of their range on average (at most 0.4%)')
    >>> change_summary(before, before + 0.1, steps=20)[1]
    False
    """
    steps = check_positive_int("steps", steps)
    moved = np.abs(np.asarray(after, np.float32) - np.asarray(before, np.float32))
    mean, largest = float(moved.mean()), float(moved.max(initial=0.0))
    text = f"Pixels moved by {100 * mean:.1f}% of their range on average (at most {100 * largest:.1f}%)"
    faint = mean < FAINT
    if faint:
        more = (f"try {VISIBLE_STEPS} steps or more" if steps < VISIBLE_STEPS else "try a larger step size")
        verb = "step changes" if steps == 1 else "steps change"
        text += (f": {steps} {verb} the photo too little to see in “after”. "
                 f"The change picture shows it magnified; for a visible dream, {more}.")
    else:
        text += "."
    return text, faint


def _colour_bar() -> bytes:
    """The change picture's colour scale, from −largest (left) through 0 (white) to +largest (right)."""
    ramp = np.linspace(-1.0, 1.0, 140, dtype=np.float32)[None, :].repeat(6, axis=0)
    return encode_image(ramp, "png", vmin=-1.0, vmax=1.0, cmap=DIVERGING_CMAP, scale=2)


class DeepDreamExplorer(WidgetBase):
    """Controls for :func:`~cnnlab.deepdream.deepdream` and before/after images.

    Parameters
    ----------
    model : keras.Model
        A convolutional base taking ``[-1, 1]`` images of any size (``include_top=False``).
    image : array of shape (H, W, 3)
        The photo to dream on, in ``[0, 1]``.
    layers : sequence of str, optional
        The layers offered in the dropdown (default: every layer with 4-D output).
    layer : str, optional
        The layer selected first (default: the middle one of ``layers``).
    steps, octaves : int
        Initial slider values.
    step_size : float
        Initial step size.
    tile_size : int
        Passed to ``deepdream``; bounds the memory of one step.

    Attributes
    ----------
    dreamed : numpy.ndarray or None
        The last dream, ``(H, W, 3)`` in ``[0, 1]``.
    losses : list of float
        Its loss before each step.
    change : numpy.ndarray or None
        ``dream_change(image, dreamed)``: the last dream's change per pixel, shown magnified in
        ``change_view`` (±:func:`change_limit` in full colour).
    faint : bool or None
        Whether that change was too small to see in "after" (the readout then says how to see more).
    layer, steps, step_size, octaves, dream_button, readout, before, after, change_view : ipywidgets

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((None, None, 3)), keras.layers.Conv2D(4, 3, name="conv")])
    >>> explorer = DeepDreamExplorer(model, np.full((40, 40, 3), 0.5, "float32"), steps=2, octaves=1)
    >>> explorer.dream_button.click(); explorer.dreamed.shape, len(explorer.losses)
    ((40, 40, 3), 2)
    """

    def __init__(self, model, image, layers=None, *, layer: str | None = None, steps: int = 10,
                 step_size: float = 0.01, octaves: int = 2, tile_size: int = 512) -> None:
        super().__init__()
        from .feature_maps import feature_map_layers

        check_model("model", model, example="for example an ImageNet base")
        step_size = check_positive_number("step_size", step_size)
        self.model = model
        self.tile_size = check_positive_int("tile_size", tile_size)
        options = list(layers) if layers is not None else feature_map_layers(model)
        if not options:
            raise ValueError(f"layers is empty, received layers={layers!r}; name at least one layer of "
                             f"{model.name!r} with feature maps.")
        if layer is None:
            layer = options[len(options) // 2]
        if layer not in options:
            raise ValueError(f"layer must be one of the layers offered, received layer={layer!r}; "
                             f"options: {', '.join(options[:10])}{' ...' if len(options) > 10 else ''}.")
        self.dreamed: np.ndarray | None = None
        self.losses: list[float] = []
        self.change: np.ndarray | None = None
        self.faint: bool | None = None
        style = label_style()
        self.layer = w.Dropdown(options=options, value=layer, description="Layer", style=style, layout=fit("330px"))
        self.steps = w.IntSlider(value=check_positive_int("steps", steps), min=1, max=200, description="Steps",
                                 continuous_update=False, style=label_style(), layout=fit("330px"))
        self.step_size = w.FloatLogSlider(value=step_size, base=10, min=-3, max=-0.5, step=0.1,
                                          description="Step size", readout_format=".3f", continuous_update=False,
                                          style=label_style(), layout=fit("330px"))
        self.octaves = w.IntSlider(value=check_positive_int("octaves", octaves), min=1, max=6, description="Octaves",
                                   continuous_update=False, style=label_style(), layout=fit("330px"))
        self.dream_button = w.Button(description="Dream", icon="magic", button_style="primary",
                                     tooltip="Run gradient ascent on the chosen layer",
                                     layout=w.Layout(margin=f"4px 0 4px {style['description_width']}"))
        self.readout = w.HTML(value="Choose a layer and press Dream.", layout=fit("100%"))
        self.readout.add_class("cnnlab-readout")
        self.before = w.Image(format="jpeg", layout=picture_layout(_PICTURE_WIDTH))
        self.after = w.Image(format="jpeg", layout=picture_layout(_PICTURE_WIDTH))
        self.change_view = w.Image(format="jpeg", layout=picture_layout(_PICTURE_WIDTH))
        self.change_scale = w.Image(value=_colour_bar(), format="png", layout=picture_layout(_PICTURE_WIDTH))
        self.change_caption = w.HTML()
        self.dream_button.on_click(lambda _button: self.refresh())
        for control in (self.layer, self.steps, self.step_size, self.octaves):  # a dream takes seconds: say so
            control.observe(lambda _change: self._settings_changed(), names="value")
        self.change_box = column([w.HTML("<b>change</b> (after − before, magnified)"), self.change_view,
                                  self.change_scale, self.change_caption],
                                 width=_PICTURE_WIDTH)
        self.set_image(image)
        controls = column([self.layer, self.steps, self.step_size, self.octaves, self.dream_button])
        pictures = row([column([w.HTML("<b>before</b>"), self.before]),
                        column([w.HTML("<b>after</b>"), self.after]),
                        self.change_box])
        self.root = column([controls, self.readout, pictures, self.error_box])

    def set_image(self, image) -> None:
        """Dream on another photo from now on (the dreamed picture is cleared)."""
        array = np.asarray(image)  # the shape and the size first: a huge image is refused before any copy
        if array.ndim != 3 or array.shape[-1] != 3:
            raise ValueError(f"image must have shape (height, width, 3) in [0, 1], received shape {array.shape}; "
                             "load photos with cnnlab.datasets.load_image.")
        check_memory(f"image of shape {array.shape}", 4 * array.size * (array.dtype != np.float32),
                     fix="Use a smaller photo: cnnlab.datasets.load_image(..., max_size=512).")
        array = np.asarray(image, dtype=np.float32)
        self.image = array
        self.before.value = encode_image(array, "jpeg")
        self.after.value = self.before.value
        self.change_view.value = encode_image(np.zeros(array.shape[:2], np.float32), "jpeg", vmin=-1.0, vmax=1.0,
                                              cmap=DIVERGING_CMAP)  # never an empty picture, even while hidden
        self.change_box.layout.display = "none"  # until a dream has changed something
        self.dreamed, self.losses, self.change, self.faint = None, [], None, None

    def settings_text(self) -> str:
        """What the next Dream will do, shown when a control moves (a dream takes seconds, so it waits for Dream).

        For example ``"Next dream: conv_pw_11_relu, 3 steps of 0.010 at 1 octave. Press Dream (it takes a few
        seconds)."`` (tests/test_widget_deepdream.py checks it).
        """
        octaves = self.octaves.value
        return (f"Next dream: {self.layer.value}, {self.steps.value} steps of {self.step_size.value:.3f} at "
                f"{octaves} octave{'s' if octaves > 1 else ''}. Press Dream (it takes a few seconds).")

    def _settings_changed(self) -> None:
        with self.errors_shown():
            self.readout.value = html.escape(self.settings_text())

    def _update(self) -> None:
        from ..deepdream import deepdream

        self.dream_button.disabled = True
        self.readout.value = html.escape(f"dreaming on {self.layer.value} ...")
        started = time.perf_counter()
        try:
            dreamed, losses = deepdream(self.model, self.image, self.layer.value, steps=self.steps.value,
                                        step_size=self.step_size.value, octaves=self.octaves.value,
                                        tile_size=self.tile_size)
        finally:
            self.dream_button.disabled = False
        change = dream_change(self.image, dreamed)
        summary, faint = change_summary(self.image, dreamed, self.steps.value * self.octaves.value)
        limit = change_limit(change)
        self.dreamed, self.losses, self.change, self.faint = dreamed, losses, change, faint
        self.after.value = encode_image(dreamed, "jpeg")
        self.change_view.value = encode_image(change, "jpeg", vmin=-limit, vmax=limit, cmap=DIVERGING_CMAP)
        self.change_caption.value = (
            f'<span class="cnnlab-caption">blue: darker by {limit:.3g} or more · white: unchanged · '
            f"red: brighter by {limit:.3g} or more (pixels range from 0 to 1; 99% of them changed by less "
            f"than {limit:.3g})</span>")
        self.change_box.layout.display = None
        self.readout.value = (
            html.escape(f"{self.layer.value}: loss {losses[0]:.3f} → {losses[-1]:.3f} in "
                        f"{self.steps.value * self.octaves.value} steps, {time.perf_counter() - started:.1f} s. ")
            + (f'<span class="cnnlab-warning">{html.escape(summary)}</span>' if faint else html.escape(summary)))
