"""DeepDream with controls: pick a layer, the number of steps, the step size and the octaves, then Dream.

A dream takes seconds to minutes on a CPU, so moving a control does not start one:
the controls set up the next dream, the **Dream** button runs it, and the readout says
what the last one did. The original and the dreamed image are shown side by side;
both are ``ipywidgets.Image`` objects made once and updated in place (JPEG: photos).
The computation is :func:`cnnlab.deepdream.deepdream`, testable without the widget.
"""

from __future__ import annotations

import html
import time

import ipywidgets as w
import numpy as np

from .._validation import check_memory, check_positive_int, check_positive_number
from ..plotting import encode_image
from ._base import WidgetBase

__all__ = ["DeepDreamExplorer"]


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
    layer, steps, step_size, octaves, dream_button, readout, before, after : ipywidgets

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
        import keras

        from .feature_maps import feature_map_layers

        if not isinstance(model, keras.Model):
            raise ValueError(f"model must be a keras.Model (for example an ImageNet base), received model={model!r:.80}.")
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
        self.layer = w.Dropdown(options=options, value=layer, description="Layer")
        self.steps = w.IntSlider(value=check_positive_int("steps", steps), min=1, max=200, description="Steps",
                                 continuous_update=False)
        self.step_size = w.FloatLogSlider(value=step_size, base=10, min=-3, max=-0.5, step=0.1,
                                          description="Step size", readout_format=".3f", continuous_update=False)
        self.octaves = w.IntSlider(value=check_positive_int("octaves", octaves), min=1, max=6, description="Octaves",
                                   continuous_update=False)
        self.dream_button = w.Button(description="Dream", icon="magic", button_style="primary",
                                     tooltip="Run gradient ascent on the chosen layer")
        self.readout = w.HTML(value="Choose a layer and press Dream.")
        self.before = w.Image(format="jpeg", layout=w.Layout(width="360px"))
        self.after = w.Image(format="jpeg", layout=w.Layout(width="360px"))
        self.dream_button.on_click(lambda _button: self.refresh())
        self.set_image(image)
        controls = w.VBox([self.layer, self.steps, self.step_size, self.octaves,
                           w.HBox([self.dream_button, self.readout])])
        pictures = w.HBox([w.VBox([w.HTML("<b>before</b>"), self.before]),
                           w.VBox([w.HTML("<b>after</b>"), self.after])])
        self.root = w.VBox([controls, pictures, self.error_box])

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
        self.dreamed, self.losses = None, []

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
        self.dreamed, self.losses = dreamed, losses
        self.after.value = encode_image(dreamed, "jpeg")
        self.readout.value = html.escape(
            f"{self.layer.value}: loss {losses[0]:.3f} → {losses[-1]:.3f} in "
            f"{self.steps.value * self.octaves.value} steps, {time.perf_counter() - started:.1f} s")
