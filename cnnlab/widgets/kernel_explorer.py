"""Slide a kernel over a photo and watch the feature map, live."""

from __future__ import annotations

import html
import time
from collections.abc import Mapping

import ipywidgets as w
import numpy as np

from .. import kernels as K
from .. import ops
from .._validation import check_bool, check_channels_last
from ..plotting import DIVERGING_CMAP, encode_image
from ._base import WidgetBase, close_widgets, named_images, readable

__all__ = ["KernelExplorer", "feature_map", "channel_planes", "CHANNELS"]

#: Channel views: all channels at once (what a conv layer computes), or one colour.
CHANNELS = {"all (RGB)": None, "red": 0, "green": 1, "blue": 2}
_MAX_SIZE = 7
_SIZES = (3, 5, 7)
_CUSTOM = "custom"


def channel_planes(image) -> dict:
    """The single-channel planes a kernel is applied to, one per channel view.

    A kernel applied identically to every colour channel and summed, which is
    what a convolutional layer does with ``filter_bank(kernel)``, equals the
    kernel applied once to the *sum* of the channels. Summing first makes the
    live preview three times cheaper with exactly the same result.

    Parameters
    ----------
    image : array_like
        ``(height, width)`` or ``(height, width, channels)``.

    Returns
    -------
    dict
        ``{None: sum of channels, 0: first channel, ...}``, each of shape
        ``(height, width, 1)``, float32 and C-contiguous.

    Examples
    --------
    >>> planes = channel_planes(np.ones((2, 3, 3)))
    >>> sorted(k for k in planes if k is not None), float(planes[None][0, 0, 0])
    ([0, 1, 2], 3.0)
    """
    array = np.asarray(image, dtype=np.float32)
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.size == 0:
        raise ValueError(f"image must have shape (height, width) or (height, width, channels), "
                         f"received shape {array.shape}.")
    check_channels_last("image", array)
    planes = {None: np.ascontiguousarray(array.sum(axis=-1, keepdims=True))}
    for c in range(array.shape[-1]):
        planes[c] = np.ascontiguousarray(array[..., c : c + 1])
    return planes


def feature_map(image, kernel, channel: int | None = None, *, planes: Mapping | None = None) -> np.ndarray:
    """The feature map of one 2-D kernel on an image: SAME padding, stride 1.

    Parameters
    ----------
    image : array_like
        ``(height, width)`` or ``(height, width, channels)``.
    kernel : array_like
        2-D kernel, applied to every channel (``channel=None``, as a
        convolutional layer with ``filter_bank(kernel)`` does) or to one.
    channel : int, optional
        Apply the kernel to this channel only.
    planes : mapping, optional
        The result of :func:`channel_planes` for ``image``, to skip recomputing it.

    Returns
    -------
    numpy.ndarray
        ``(height, width)`` float32, equal to
        ``ops.conv2d(image, filter_bank(kernel, channels=c), padding="SAME")[..., 0]``.

    Examples
    --------
    >>> image = np.random.default_rng(0).random((5, 6, 3)).astype(np.float32)
    >>> k = K.sobel_x()
    >>> full = ops.conv2d(image, K.filter_bank(k), padding="SAME")[..., 0]
    >>> bool(np.allclose(feature_map(image, k), full, atol=1e-5))
    True
    """
    kernel = np.asarray(kernel, dtype=np.float32)
    if kernel.ndim != 2 or kernel.size == 0:
        raise ValueError(f"kernel must be a 2-D array, received shape {kernel.shape}.")
    planes = channel_planes(image) if planes is None else planes
    if channel not in planes:
        choices = ", ".join(repr(c) for c in planes)
        raise ValueError(f"channel must be one of {choices}, received channel={channel!r}.")
    return ops.conv2d(planes[channel], kernel[:, :, None, None], padding="SAME")[..., 0]


def _default_images() -> dict:
    from .. import datasets

    return {name: datasets.load_sample_image(name) for name in datasets.SAMPLE_IMAGES}


class KernelExplorer(WidgetBase):
    """Pick or edit a kernel, see its feature map on a photo; stack several (Figure 13-6).

    Parameters
    ----------
    images : mapping of str to array, or array, optional
        Photos to choose from (RGB floats in [0, 1]); the chapter's two sample
        images by default. A learner can add their own with the upload button.
    kernel : str or array_like
        A preset name from :func:`cnnlab.kernels.names` or a square kernel of
        size 3, 5 or 7 to start with.
    signed_colours : bool
        Show the feature map with a diverging colour map (blue negative, white
        zero, red positive) instead of grey levels.

    Attributes
    ----------
    output_array : numpy.ndarray
        The feature map on display, ``(height, width)`` float32.
    stack : list of (str, numpy.ndarray)
        Kernels added to the stack, whose feature maps are shown side by side.
    last_update_ms : float
        Server-side time of the last update (compute and encode).

    Examples
    --------
    >>> explorer = KernelExplorer({"noise": np.random.default_rng(0).random((20, 30, 3))}, kernel="sobel x")
    >>> explorer.kernel.shape, explorer.output_array.shape
    ((3, 3), (20, 30))
    >>> explorer.preset.value = "vertical line"
    >>> explorer.kernel.shape
    (7, 7)
    """

    def __init__(self, images=None, kernel="vertical line", *, signed_colours: bool = False) -> None:
        super().__init__()
        signed_colours = check_bool("signed_colours", signed_colours)
        self._images = named_images(images, _default_images)
        for name, image in self._images.items():
            channel_planes(image)  # validates the shape
        self._planes_cache: dict = {}
        self._input_shown: str | None = None  # the image whose picture input_view holds
        self._syncing = False
        self.stack: list[tuple[str, np.ndarray]] = []
        self.output_array = np.zeros((1, 1), np.float32)
        self.last_update_ms = 0.0
        self._kernel = np.zeros((3, 3), np.float32)

        self.image_choice = w.Dropdown(options=list(self._images), description="Image", layout=w.Layout(width="230px"))
        self.upload = w.FileUpload(accept="image/*", multiple=False, description="Your photo")
        self.channel = w.ToggleButtons(options=list(CHANNELS), value="all (RGB)", description="Channels",
                                       style={"button_width": "84px"})
        self.preset = w.Dropdown(options=K.names() + [_CUSTOM], description="Kernel", layout=w.Layout(width="230px"))
        self.size = w.ToggleButtons(options=list(_SIZES), value=3, description="Size", style={"button_width": "36px"})
        self.signed = w.Checkbox(value=signed_colours, description="signed colours", indent=False)
        # Parameters of the two kernel factories, shown only for their preset.
        self.angle = w.IntSlider(value=0, min=0, max=165, step=15, description="Angle θ (°)",
                                 layout=w.Layout(display="none"))
        self.sigma = w.FloatSlider(value=1.0, min=0.5, max=3.0, step=0.25, description="Sigma σ",
                                   layout=w.Layout(display="none"))
        self.cells = [w.FloatText(value=0.0, step=0.1, layout=w.Layout(width="58px")) for _ in range(_MAX_SIZE ** 2)]
        self.grid = w.GridBox(self.cells, layout=w.Layout(grid_gap="2px"))
        self.add_button = w.Button(description="Add to stack", icon="plus")
        self.clear_button = w.Button(description="Clear stack", icon="trash")
        self.input_view = w.Image(format="jpeg", layout=w.Layout(width="320px"))
        self.output_view = w.Image(format="jpeg", layout=w.Layout(width="320px"))
        self.readout = w.HTML()
        self.stack_box = w.HBox([], layout=w.Layout(flex_flow="row wrap"))
        self._stack_views: list[w.Image] = []

        self.preset.observe(self._on_preset, names="value")
        self.size.observe(self._on_preset, names="value")
        self.angle.observe(self._on_preset, names="value")
        self.sigma.observe(self._on_preset, names="value")
        for cell in self.cells:
            cell.observe(self._on_cell, names="value")
        self.upload.observe(self._on_upload, names="value")
        self._observe(self.image_choice, self.channel, self.signed)
        self.add_button.on_click(lambda _b: self._guarded(self._add_to_stack))
        self.clear_button.on_click(lambda _b: self._guarded(self._clear_stack))

        controls = w.VBox([
            w.HBox([self.image_choice, self.upload]),
            self.channel,
            w.HBox([self.preset, self.signed]),
            self.size,
            self.angle,
            self.sigma,
            self.grid,
            w.HBox([self.add_button, self.clear_button]),
        ])
        pictures = w.HBox([
            w.VBox([w.HTML("<b>Input</b>"), self.input_view]),
            w.VBox([w.HTML("<b>Feature map</b>"), self.output_view]),
        ])
        self.root = w.VBox([w.HBox([controls, pictures]), self.readout, self.stack_box, self.error_box])

        if isinstance(kernel, str):
            self.preset.value = self._preset_name(kernel)
            self._on_preset(None)
        else:
            self.kernel = kernel

    # ------------------------------------------------------------------ kernel state
    @staticmethod
    def _preset_name(name: str) -> str:
        normalized = name.strip().lower().replace("_", " ").replace("-", " ")
        if normalized not in K.names():
            choices = ", ".join(repr(n) for n in K.names())
            raise ValueError(f"kernel must be one of {choices} or a square array, received kernel={name!r}.")
        return normalized

    @property
    def kernel(self) -> np.ndarray:
        """The kernel being applied (float32, size × size), as shown in the grid."""
        return self._kernel.copy()

    @kernel.setter
    def kernel(self, value) -> None:
        array = np.asarray(value)  # the shape first: a huge array is refused before any copy of it
        if array.ndim != 2 or array.shape[0] != array.shape[1] or array.shape[0] not in _SIZES:
            raise ValueError(f"kernel must be a square array of size 3, 5 or 7, received shape {array.shape}.")
        array = np.asarray(value, dtype=np.float32)
        if not np.all(np.isfinite(array)):
            raise ValueError("kernel holds NaN or infinite values; give finite numbers.")
        self._syncing = True
        try:
            self.preset.value = _CUSTOM
            self.size.value = array.shape[0]
            self.angle.layout.display = self.sigma.layout.display = "none"
        finally:
            self._syncing = False
        self._show_kernel(array)

    def _show_kernel(self, array: np.ndarray) -> None:
        """Apply ``array``: the new feature map goes out first, the 49 grid cells after it.

        Each cell is a widget of its own, so writing the grid sends dozens of messages to the
        browser; sending the picture before them keeps a slider drag responsive.
        """
        self._kernel = np.asarray(array, dtype=np.float32).copy()
        self.refresh()
        self._syncing = True
        try:
            self._write_cells(self._kernel)
        finally:
            self._syncing = False

    def _read_cells(self) -> np.ndarray:
        n = self.size.value
        values = np.array([c.value for c in self.cells], dtype=np.float32).reshape(_MAX_SIZE, _MAX_SIZE)
        return values[:n, :n].copy()

    def _write_cells(self, array: np.ndarray) -> None:
        n = array.shape[0]
        self.grid.layout.grid_template_columns = f"repeat({n}, 58px)"
        for index, cell in enumerate(self.cells):
            row, col = divmod(index, _MAX_SIZE)
            inside = row < n and col < n
            cell.layout.display = None if inside else "none"
            cell.value = float(round(float(array[row, col]), 6)) if inside else 0.0

    def _on_preset(self, _change) -> None:
        if self._syncing:
            return
        try:
            self._apply_preset(_change)
        except Exception as error:  # noqa: BLE001 - a kernel factory's error goes to the widget, not the kernel log
            if _change is not None:  # the control goes back, so that the controls still describe the kernel shown
                self._syncing = True
                try:
                    _change["owner"].value = _change["old"]
                finally:
                    self._syncing = False
            self.show_error(error)

    def _apply_preset(self, _change) -> None:
        if self.preset.value == _CUSTOM:
            self._show_kernel(self._read_cells())  # size changed on a custom kernel: keep its top-left part
            return
        self._syncing = True
        try:
            name = self.preset.value
            sized = name in K.sized_names()
            # A new preset starts at its own default size (the chapter's line filters are 7×7);
            # moving the size control re-makes the same preset at the chosen size.
            keep_size = _change is not None and _change["owner"] is not self.preset
            array = self._make(name, self.size.value if (sized and keep_size) else None)
            self.size.value = array.shape[0]
            self.size.disabled = not sized
            self.angle.layout.display = None if name == "gabor" else "none"
            self.sigma.layout.display = None if name == "gaussian" else "none"
        finally:
            self._syncing = False
        self._show_kernel(array)

    def _make(self, name: str, size: int | None) -> np.ndarray:
        """The preset's kernel, with the angle and sigma sliders' values for the factories that take them."""
        if name == "gabor":
            return K.gabor(size or 7, theta=np.deg2rad(self.angle.value))
        if name == "gaussian":
            return K.gaussian(size or 5, sigma=self.sigma.value)
        return K.get(name, size)

    def _on_cell(self, _change) -> None:
        if self._syncing:
            return
        with self.errors_shown():
            self._apply_cells()

    def _apply_cells(self) -> None:
        if self.preset.value != _CUSTOM:
            self._syncing = True
            try:
                self.preset.value = _CUSTOM
                self.size.disabled = False
                self.angle.layout.display = self.sigma.layout.display = "none"
            finally:
                self._syncing = False
        self._kernel = self._read_cells()
        self.refresh()

    # ------------------------------------------------------------------ images
    @property
    def image(self) -> np.ndarray:
        """The photo currently selected."""
        return self._images[self.image_choice.value]

    def _planes(self) -> dict:
        name = self.image_choice.value
        if name not in self._planes_cache:
            self._planes_cache = {name: channel_planes(self._images[name])}
        return self._planes_cache[name]

    def _on_upload(self, change) -> None:
        from ..datasets import load_image

        uploads = change["new"]
        if not uploads:
            return
        with self.errors_shown():  # a file that is not an image is reported in the widget
            item = uploads[0]
            name = f"upload: {item['name']}"
            self._images[name] = load_image(item, max_size=640)
            self._planes_cache, self._input_shown = {}, None  # the same name may hold a new photo
            if name not in self.image_choice.options:
                self.image_choice.options = list(self._images)
            if self.image_choice.value == name:
                self.refresh()  # uploaded again under the same name: no change event, so redraw here
            else:
                self.image_choice.value = name  # the observer redraws (and shows any error)

    # ------------------------------------------------------------------ stack (Figure 13-6)
    def _add_to_stack(self) -> None:
        label = self.preset.value if self.preset.value != _CUSTOM else f"custom {len(self.stack) + 1}"
        self.stack.append((label, self.kernel))
        self._update()

    def _clear_stack(self) -> None:
        self.stack.clear()
        self._update()

    @property
    def stack_arrays(self) -> np.ndarray:
        """The stacked feature maps, ``(height, width, len(stack))``: one channel per kernel, as a conv layer outputs."""
        planes = self._planes()
        channel = CHANNELS[self.channel.value]
        maps = [feature_map(None, k, channel, planes=planes) for _, k in self.stack]
        return np.stack(maps, axis=-1) if maps else np.zeros((*self.image.shape[:2], 0), np.float32)

    def _guarded(self, action) -> None:
        try:
            action()
        except Exception as error:  # noqa: BLE001 - shown in the widget
            self.show_error(error)
        else:
            self.clear_error()

    # ------------------------------------------------------------------ rendering
    def _encode_map(self, array: np.ndarray) -> bytes:
        if self.signed.value:
            limit = float(np.abs(array).max()) or 1.0
            return encode_image(array, "jpeg", vmin=-limit, vmax=limit, cmap=DIVERGING_CMAP)
        return encode_image(array, "jpeg")

    def _update(self) -> None:
        # Compute and encode everything first, then write: if anything fails, every picture stays as it was.
        start = time.perf_counter()
        name = self.image_choice.value
        planes = self._planes()
        channel = CHANNELS[self.channel.value]
        kernel = self.kernel
        result = feature_map(None, kernel, channel, planes=planes)
        picture = self._encode_map(result)
        stacked = [self._encode_map(feature_map(None, k, channel, planes=planes)) for _, k in self.stack]
        photo = None if name == self._input_shown else encode_image(self._images[name], "jpeg", vmin=0, vmax=1)
        low, high = float(result.min()), float(result.max())
        span = max(abs(low), abs(high))
        readout = (
            f"{kernel.shape[0]}×{kernel.shape[1]} kernel, weights sum to "
            f"{readable(kernel.sum(), np.abs(kernel).sum())}; feature map {result.shape[0]}×{result.shape[1]}, "
            f"values {readable(low, span)} to {readable(high, span)} (SAME padding, stride 1)"
        )
        if photo is not None:
            self.input_view.value, self._input_shown = photo, name
        self.output_view.value = picture
        self.output_array = result
        self.readout.value = readout
        self._render_stack(stacked)
        self.last_update_ms = (time.perf_counter() - start) * 1000

    def _render_stack(self, pictures: list) -> None:
        """Show the stacked maps' ``pictures`` in place; widgets are added or removed only when the stack changes."""
        views = self._stack_views
        if len(views) != len(self.stack):
            replaced = self.stack_box.children  # closed below: a widget only dropped lives on in the kernel
            views[:] = [w.Image(format="jpeg", layout=w.Layout(width="200px")) for _ in self.stack]
            labels = [w.VBox([w.HTML(f"<small>{html.escape(str(label))}</small>"), view]) for (label, _), view in zip(self.stack, views)]
            if labels:
                title = w.HTML("<b>Stacked feature maps</b> (one per kernel, as a convolutional layer outputs them):",
                               layout=w.Layout(width="100%"))
                labels = [title, *labels]
            self.stack_box.children = labels
            close_widgets(*replaced)
        for picture, view in zip(pictures, views):
            view.value = picture

    def __repr__(self) -> str:
        return f"<KernelExplorer widget: {self.preset.value} kernel on {self.image_choice.value!r}>"
