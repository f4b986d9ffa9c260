"""Slide a kernel over a photo and watch the feature map, live."""

from __future__ import annotations

import html
import math
import time
from collections.abc import Mapping

import ipywidgets as w
import numpy as np

from .. import kernels as K
from .. import ops
from .._validation import check_channels_last, check_finite_array, check_memory
from ..plotting import colour_bar, encode_array, value_scale
from ._base import WidgetBase, close_widgets, named_images, readable, CAPTION_STYLE, fit, label_style, picture_layout

__all__ = ["KernelExplorer", "feature_map", "channel_planes", "channel_scale", "channel_picture", "shown_weights",
           "CHANNELS"]

#: Channel views: all channels at once (what a conv layer computes), or one colour.
CHANNELS = {"all (RGB)": None, "red": 0, "green": 1, "blue": 2}
_MAX_SIZE = 7
_SIZES = (3, 5, 7)
_CUSTOM = "custom"
#: The label width of every control of the widget (the course's one label style).
#: Display width of the input and feature-map pictures, and of a stacked map, in pixels.
_PICTURE, _STACKED = 320, 200


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


def channel_scale(image, kernel, *, planes: Mapping | None = None) -> tuple[str, float, float]:
    """One colour scale for the feature maps of every channel view, so that switching channels shows a change.

    A map scaled to its own range looks the same whatever its strength: the
    red channel's map would look like the RGB one, which is the sum of three
    such maps. This is :func:`cnnlab.plotting.value_scale` of the maps of all
    the views together (all channels, and each one): the diverging colour map
    centred on zero for signed maps, grey otherwise; robust, as the notebook's
    gallery of filters: the strongest 1 % of the values (at the photo's
    border, where the zero padding makes an edge) show at full colour rather
    than washing out the rest.

    Parameters
    ----------
    image : array_like
        As for :func:`feature_map` (ignored when ``planes`` is given).
    kernel : array_like
        2-D kernel.
    planes : mapping, optional
        :func:`channel_planes` of the image.

    Returns
    -------
    (str, float, float)
        Colour map, low and high limit.

    Examples
    --------
    >>> image = np.zeros((6, 8, 3), np.float32); image[:, 3:5, 0] = 1.0   # a red stripe
    >>> feature_map(image, K.sobel_x(), 0)[2]
    array([ 0.,  0.,  4.,  4., -4., -4.,  0.,  0.], dtype=float32)
    >>> channel_scale(image, K.sobel_x())     # the green and blue views share the red view's ±4
    ('RdBu_r', -4.0, 4.0)
    """
    planes = channel_planes(image) if planes is None else planes
    return value_scale(*[feature_map(None, kernel, channel, planes=planes) for channel in planes], robust=True)


def channel_picture(image, channel: int | None) -> np.ndarray:
    """What the kernel is applied to, as a picture: the photo, or only its ``channel`` (the others black).

    Examples
    --------
    >>> channel_picture(np.ones((1, 1, 3)), 1)[0, 0]
    array([0., 1., 0.], dtype=float32)
    """
    array = np.asarray(image)
    if array.dtype.kind not in "biuf" or array.ndim not in (2, 3) or array.size == 0:
        raise ValueError(f"image must be a numeric array of shape (height, width) or (height, width, channels), "
                         f"received shape {array.shape} and dtype {array.dtype}.")
    array = array.astype(np.float32, copy=False)
    if channel is not None and (isinstance(channel, bool) or not isinstance(channel, (int, np.integer))):
        raise ValueError(f"channel must be None or a channel index such as 0, received channel={channel!r}.")
    if array.ndim == 2 or channel is None:
        return array
    if not 0 <= channel < array.shape[-1]:
        raise ValueError(f"channel must be None or a channel index below {array.shape[-1] if array.ndim == 3 else 1}, "
                         f"received channel={channel!r}.")
    if array.shape[-1] != 3:  # not a colour photo: the plane itself, in grey
        return array[..., channel]
    picture = np.zeros_like(array)
    picture[..., channel] = array[..., channel]
    return picture


def shown_weights(kernel) -> np.ndarray:
    """The kernel's weights as the grid shows them: to three significant digits of the largest weight.

    A box shows ``-0.43`` rather than ``-0.43215037`` (which it would cut off);
    a weight below that precision shows as 0. The kernel applied keeps its
    exact values; only the text in the boxes is rounded.

    Examples
    --------
    >>> shown_weights(np.array([[-0.43215, 1.0271], [0.00458, -0.0]]))
    array([[-0.43,  1.03],
           [ 0.  ,  0.  ]])
    >>> shown_weights(K.gaussian(3, sigma=1.0))[0]   # the largest weight is 0.204
    array([0.075, 0.124, 0.075])
    """
    array = np.asarray(kernel)
    if array.dtype.kind not in "biuf" or array.ndim != 2 or array.size == 0:
        raise ValueError(f"kernel must be a 2-D array of numbers, received shape {array.shape} and dtype {array.dtype}.")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise ValueError("kernel holds NaN or infinite values; give finite numbers.")
    largest = float(np.abs(array).max())
    decimals = 0 if largest == 0 else max(0, 2 - math.floor(math.log10(largest)))
    return np.round(array, decimals) + 0.0  # + 0.0: no "-0"


def _number_text(value: float) -> str:
    """``value`` as the browser writes it in a number box: ``1`` for 1.0."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _cell_width(values) -> int:
    """Pixels a number box needs to show every one of ``values`` whole.

    Measured in Chromium with JupyterLab's number boxes (13 px DejaVu Sans, the
    widest of its fonts): 8 px of padding, 2 of border and a 15 px spin button
    beside the text; a digit takes at most 8.3 px, a sign or a point 4.7.
    """
    widest = max((sum(4.7 if ch in "-." else 8.3 for ch in _number_text(v)) for v in values), default=0.0)
    return max(44, math.ceil(28 + widest))


def _default_images() -> dict:
    from .. import datasets

    return {name: datasets.load_sample_image(name) for name in datasets.SAMPLE_IMAGES}


# --------------------------------------------------------------------------- checked once, then unchecked


def _admit(name: str, image: np.ndarray) -> None:
    """Check a photo once, where it enters the explorer (the constructor, an upload).

    Its shape (:func:`channel_planes`), the memory an update of it can need whatever the controls
    say (the channel planes, the four channel views' feature maps of a 7×7 kernel with their padded
    copies, the enlarged pictures), and its values, which must be finite. An update does not look at
    it again: it computes through :func:`_plane_map`, :func:`_planes_scale` and
    :func:`cnnlab.plotting.encode_array`, which check nothing.
    """
    if image.ndim in (2, 3) and image.size:
        height, width = image.shape[:2]
        views = (image.shape[2] if image.ndim == 3 else 1) + 1  # the sum of the channels, and each channel
        padded = (height + _MAX_SIZE - 1) * (width + _MAX_SIZE - 1)
        values = views * height * width + views * (2 * padded + height * width)
        zoom = _zoom(width, _PICTURE)  # the feature map's picture (RGB from its colour map) and the photo's
        picture = height * width * 4 * (3 * zoom * zoom + zoom) + height * width * 9
        check_memory(f"images[{name!r}] of shape {image.shape}", 4 * values + 2 * picture,
                     fix="Use a smaller image (for example image[::4, ::4]).")
    channel_planes(image)  # validates the shape
    check_finite_array(f"images[{name!r}]", image)


def _plane_map(planes: Mapping, kernel: np.ndarray, channel: int | None) -> np.ndarray:
    """:func:`feature_map` of a checked photo's ``planes`` and a checked float32 kernel, with no checks."""
    return ops.correlate_same(planes[channel], kernel[:, :, None, None])[..., 0]


def _planes_scale(planes: Mapping, kernel: np.ndarray) -> tuple[str, float, float]:
    """:func:`channel_scale` of a checked photo's ``planes`` and a checked float32 kernel, with no checks."""
    return value_scale(*[_plane_map(planes, kernel, channel) for channel in planes], robust=True)


class KernelExplorer(WidgetBase):
    """Pick or edit a kernel, see its feature map on a photo; stack several (Figure 13-6).

    The feature map is drawn by the course's one convention (the gallery's
    too): the diverging colour map centred on zero for signed maps (blue
    negative, white zero, red positive), grey otherwise, with a colour bar
    under it. Its scale is the same for every channel view
    (:func:`channel_scale`), so choosing one colour shows that channel's share
    of the map, and the input picture shows only that channel.

    Parameters
    ----------
    images : mapping of str to array, or array, optional
        Photos to choose from (RGB floats in [0, 1]); the chapter's two sample
        images by default. A learner can add their own with the upload button.
    kernel : str or array_like
        A preset name from :func:`cnnlab.kernels.names` or a square kernel of
        size 3, 5 or 7 to start with.

    Attributes
    ----------
    output_array : numpy.ndarray
        The feature map on display, ``(height, width)`` float32.
    scale : (str, float, float)
        Its colour map and limits (shared by the channel views).
    stack : list of (str, numpy.ndarray)
        Kernels added to the stack, whose feature maps are shown side by side.
    last_update_ms : float
        Server-side time of the last update (compute and encode).

    Examples
    --------
    >>> explorer = KernelExplorer({"noise": np.random.default_rng(0).random((20, 30, 3))}, kernel="sobel x")
    >>> explorer.kernel.shape, explorer.output_array.shape, explorer.scale[0]
    ((3, 3), (20, 30), 'RdBu_r')
    >>> explorer.preset.value = "vertical line"
    >>> explorer.kernel.shape
    (7, 7)
    """

    def __init__(self, images=None, kernel="vertical line") -> None:
        super().__init__()
        self._images = named_images(images, _default_images)
        for name, image in self._images.items():
            _admit(name, image)  # the one check of each photo: an update computes unchecked
        self._init_state()
        self._build_controls()
        self._build_views()
        self._connect()
        self.root = self._layout()
        if isinstance(kernel, str):
            self.preset.value = self._preset_name(kernel)
            self._on_preset(None)
        else:
            self.kernel = kernel

    # ------------------------------------------------------------------ construction
    def _init_state(self) -> None:
        """The caches and the results on display, before the first update."""
        self._planes_cache: dict = {}
        self._scales: dict = {}  # (image name, kernel bytes) -> channel_scale, for the kernels on display
        self._input_shown: tuple | None = None  # (image, channel) whose picture input_view holds
        self.stack: list[tuple[str, np.ndarray]] = []
        self.output_array = np.zeros((1, 1), np.float32)
        self.scale: tuple[str, float, float] = ("gray", 0.0, 1.0)
        self.last_update_ms = 0.0
        self._kernel = np.zeros((3, 3), np.float32)

    def _build_controls(self) -> None:
        """The photo and channel choices, the kernel's preset, size and parameters, its grid of weights."""
        self.image_choice = w.Dropdown(options=list(self._images), description="Image", style=label_style(),
                                       layout=fit("310px"))
        self.upload = w.FileUpload(accept="image/*", multiple=False, description="Your photo",
                                   layout=w.Layout(width="130px"))
        self.channel = w.ToggleButtons(options=list(CHANNELS), value="all (RGB)", description="Channels",
                                       style=label_style(button_width="80px"))
        self.preset = w.Dropdown(options=K.names() + [_CUSTOM], description="Kernel", style=label_style(),
                                 layout=fit("310px"))
        self.size = w.ToggleButtons(options=list(_SIZES), value=3, description="Size",
                                    style=label_style(button_width="40px"))
        # Parameters of the two kernel factories, shown only for their preset.
        self.angle = w.IntSlider(value=0, min=0, max=165, step=15, description="Angle θ (°)", style=label_style(),
                                 layout=fit("420px", display="none"))
        self.sigma = w.FloatSlider(value=1.0, min=0.5, max=3.0, step=0.25, description="Sigma σ", style=label_style(),
                                   layout=fit("420px", display="none"))
        # No margin: each box fills its grid track exactly (with the 2 px margins the last column spilled out).
        self.cells = [w.FloatText(value=0.0, step=0.1, layout=w.Layout(width="44px", margin="0"))
                      for _ in range(_MAX_SIZE ** 2)]
        self.grid = w.GridBox(self.cells, layout=w.Layout(grid_gap="2px", max_width="100%"))
        self.add_button = w.Button(description="Add to stack", icon="plus", layout=w.Layout(width="130px"))
        self.clear_button = w.Button(description="Clear stack", icon="trash", layout=w.Layout(width="130px"))

    def _build_views(self) -> None:
        """The pictures, captions and readout the updates write into, and the (empty) stack."""
        self.input_view = w.Image(format="jpeg", layout=picture_layout(f"{_PICTURE}px"))
        self.output_view = w.Image(format="jpeg", layout=picture_layout(f"{_PICTURE}px"))
        self.bar_view = w.Image(format="png", layout=picture_layout("240px"))
        self.bar_labels = w.HTML()
        self.input_caption = w.HTML()
        self.readout = w.HTML()
        self.stack_box = w.HBox([], layout=w.Layout(flex_flow="row wrap", max_width="100%"))
        self._stack_views: list[w.Image] = []
        self._stack_bars: list[tuple[w.Image, w.HTML]] = []

    def _connect(self) -> None:
        """Each control to what it changes; the kernel's controls and cells stay still inside :meth:`quiet`."""
        on_preset, on_cell = self._unless_quiet(self._on_preset), self._unless_quiet(self._on_cell)
        for control in (self.preset, self.size, self.angle, self.sigma):
            control.observe(on_preset, names="value")
        for cell in self.cells:
            cell.observe(on_cell, names="value")
        self.upload.observe(self._on_upload, names="value")
        self._observe(self.image_choice, self.channel)
        self.add_button.on_click(lambda _b: self._guarded(self._add_to_stack))
        self.clear_button.on_click(lambda _b: self._guarded(self._clear_stack))

    def _layout(self) -> w.VBox:
        """The controls beside the pictures, the readout and the stack under them, the error line last."""
        controls = w.VBox([
            w.HBox([self.image_choice, self.upload], layout=w.Layout(flex_flow="row wrap", max_width="100%")),
            self.channel,
            self.preset,
            self.size,
            self.angle,
            self.sigma,
            w.HTML(f'<div class="cnnlab-caption" style="{CAPTION_STYLE}">Kernel weights (type a number to edit one)</div>'),
            self.grid,
            w.HBox([self.add_button, self.clear_button], layout=w.Layout(flex_flow="row wrap")),
        ], layout=w.Layout(max_width="100%"))
        pictures = w.VBox([
            _title("Input"), self.input_view, self.input_caption,
            _title("Feature map"), self.output_view, self.bar_view, self.bar_labels,
        ], layout=w.Layout(width=f"{_PICTURE + 4}px", max_width="100%", align_items="flex-start"))  # captions wrap
        return w.VBox([
            w.HBox([controls, pictures], layout=w.Layout(flex_flow="row wrap", max_width="100%",
                                                         align_items="flex-start", grid_gap="12px")),
            self.readout, self.stack_box, self.error_box,
        ], layout=w.Layout(max_width="100%"))

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
        """The kernel being applied (float32, size × size); the grid shows it rounded (:func:`shown_weights`)."""
        return self._kernel.copy()

    @kernel.setter
    def kernel(self, value) -> None:
        array = np.asarray(value)  # the shape first: a huge array is refused before any copy of it
        if array.ndim != 2 or array.shape[0] != array.shape[1] or array.shape[0] not in _SIZES:
            raise ValueError(f"kernel must be a square array of size 3, 5 or 7, received shape {array.shape}.")
        array = np.asarray(value, dtype=np.float32)
        if not np.all(np.isfinite(array)):
            raise ValueError("kernel holds NaN or infinite values; give finite numbers.")
        with self.quiet():
            self.preset.value = _CUSTOM
            self.size.value = array.shape[0]
            self.angle.layout.display = self.sigma.layout.display = "none"
        self._show_kernel(array)

    def _show_kernel(self, array: np.ndarray) -> None:
        """Apply ``array``: the new feature map goes out first, the 49 grid cells after it.

        Each cell is a widget of its own, so writing the grid sends dozens of messages to the
        browser; sending the picture before them keeps a slider drag responsive.
        """
        self._kernel = np.asarray(array, dtype=np.float32).copy()
        self.refresh()
        with self.quiet():
            self._write_cells(self._kernel)

    def _write_cells(self, array: np.ndarray) -> None:
        n = array.shape[0]
        shown = shown_weights(array)
        self._size_cells(n, shown.ravel())
        for index, cell in enumerate(self.cells):
            row, col = divmod(index, _MAX_SIZE)
            inside = row < n and col < n
            cell.layout.display = None if inside else "none"
            cell.value = float(shown[row, col]) if inside else 0.0

    def _size_cells(self, n: int, values) -> None:
        """Make every box of the grid wide enough for the longest of ``values`` (no number cut off)."""
        width = _cell_width(values)
        self.grid.layout.grid_template_columns = f"repeat({n}, {width}px)"
        for cell in self.cells:
            if cell.layout.width != f"{width}px":
                cell.layout.width = f"{width}px"

    def _on_preset(self, _change) -> None:
        try:
            self._apply_preset(_change)
        except Exception as error:  # noqa: BLE001 - a kernel factory's error goes to the widget, not the kernel log
            if _change is not None:  # the control goes back, so that the controls still describe the kernel shown
                with self.quiet():
                    _change["owner"].value = _change["old"]
            self.show_error(error)

    def _apply_preset(self, _change) -> None:
        if self.preset.value == _CUSTOM:
            # Size changed on a custom kernel: keep its top-left part (zeros where it grows).
            n = self.size.value
            resized = np.zeros((n, n), np.float32)
            m = min(n, self._kernel.shape[0])
            resized[:m, :m] = self._kernel[:m, :m]
            self._show_kernel(resized)
            return
        with self.quiet():
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
        self._show_kernel(array)

    def _make(self, name: str, size: int | None) -> np.ndarray:
        """The preset's kernel, with the angle and sigma sliders' values for the factories that take them."""
        if name == "gabor":
            return K.gabor(size or 7, theta=np.deg2rad(self.angle.value))
        if name == "gaussian":
            return K.gaussian(size or 5, sigma=self.sigma.value)
        return K.get(name, size)

    def _on_cell(self, change) -> None:
        with self.errors_shown():
            self._apply_cell(self.cells.index(change["owner"]), change["new"])

    def _apply_cell(self, index: int, value: float) -> None:
        """One weight typed: it alone changes (the others keep their exact values, not the rounded ones shown).

        The grid is then written again: a new largest weight changes how many digits every box shows.
        A weight that is not a finite number is refused (the box goes back to the weight applied).
        """
        row, col = divmod(index, _MAX_SIZE)
        if not np.isfinite(value):
            with self.quiet():
                self.cells[index].value = float(shown_weights(self._kernel)[row, col])
            raise ValueError(f"kernel holds NaN or infinite values: the weight in row {row + 1}, column {col + 1} "
                             f"was set to {value!r}; type a finite number.")
        if self.preset.value != _CUSTOM:
            with self.quiet():
                self.preset.value = _CUSTOM
                self.size.disabled = False
                self.angle.layout.display = self.sigma.layout.display = "none"
        kernel = self._kernel.copy()
        kernel[row, col] = value
        self._show_kernel(kernel)

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
            image = load_image(item, max_size=640)
            _admit(name, image)
            self._images[name] = image
            self._planes_cache, self._scales, self._input_shown = {}, {}, None  # the same name may hold a new photo
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
        maps = [_plane_map(planes, k, channel) for _, k in self.stack]
        return np.stack(maps, axis=-1) if maps else np.zeros((*self.image.shape[:2], 0), np.float32)

    def _guarded(self, action) -> None:
        try:
            action()
        except Exception as error:  # noqa: BLE001 - shown in the widget
            self.show_error(error)
        else:
            self.clear_error()

    # ------------------------------------------------------------------ rendering
    def _scale_of(self, kernel: np.ndarray, planes: dict, scales: dict) -> tuple:
        """:func:`channel_scale` of ``kernel`` on the current image, from the cache or computed into ``scales``."""
        key = (self.image_choice.value, kernel.tobytes(), kernel.shape)
        if key not in scales:
            scales[key] = self._scales[key] if key in self._scales else _planes_scale(planes, kernel)
        return scales[key]

    def _stack_picture(self, kernel: np.ndarray, scales: dict | None = None) -> bytes:
        """The picture of a stacked kernel's feature map: the current image and channel, on the kernel's own scale."""
        planes = self._planes()
        array = _plane_map(planes, kernel, CHANNELS[self.channel.value])
        scale = self._scale_of(kernel, planes, {} if scales is None else scales)
        return _encode_map(array, scale, _zoom(array.shape[1], _STACKED))

    def _update(self) -> None:
        # Compute and encode everything first, then write: if anything fails, every picture stays as it was.
        start = time.perf_counter()
        name = self.image_choice.value
        planes = self._planes()
        channel = CHANNELS[self.channel.value]
        kernel = self.kernel
        scales: dict = {}
        result = _plane_map(planes, kernel, channel)
        scale = self._scale_of(kernel, planes, scales)
        k = _zoom(result.shape[1], _PICTURE)
        picture = _encode_map(result, scale, k)
        bar = _bar(scale, 240, "one scale for all four channel views; the strongest 1 % of values show "
                               "at full colour")
        stacked = [(self._stack_picture(k, scales), _bar(self._scale_of(k, planes, scales), 160, ""))
                   for _, k in self.stack]
        photo = None
        if (name, channel) != self._input_shown:
            photo = encode_array(channel_picture(self._images[name], channel), "jpeg", vmin=0, vmax=1, scale=k)
        low, high = float(result.min()), float(result.max())
        span = max(abs(low), abs(high))
        readout = (
            f"{kernel.shape[0]}×{kernel.shape[1]} kernel, weights sum to "
            f"{readable(kernel.sum(), np.abs(kernel).sum())}; feature map {result.shape[0]}×{result.shape[1]}, "
            f"values {readable(low, span)} to {readable(high, span)} (SAME padding, stride 1)"
        )
        if channel is not None:
            readout += (f".<br>Only the {self.channel.value} channel goes through the kernel: its map is one of the "
                        "three that add up to the RGB one, drawn on the same scale, so it is paler.")
        caption = ("the photo: the kernel runs over each channel and the three results are added" if channel is None
                   else f"only the {self.channel.value} channel (the others shown black)")
        width = f"{min(_PICTURE, result.shape[1] * k)}px"
        if photo is not None:
            self.input_view.value, self._input_shown = photo, (name, channel)
        self.input_view.layout.width = self.output_view.layout.width = width
        self.output_view.value = picture
        self.bar_view.value, self.bar_labels.value = bar
        self.input_caption.value = f'<div class="cnnlab-caption" style="{CAPTION_STYLE}">{html.escape(caption)}</div>'
        self.output_array, self.scale, self._scales = result, scale, scales
        self.readout.value = readout
        self._render_stack(stacked)
        self.last_update_ms = (time.perf_counter() - start) * 1000

    def _render_stack(self, pictures: list) -> None:
        """Show the stacked maps' ``pictures`` in place; widgets are added or removed only when the stack changes."""
        views = self._stack_views
        if len(views) != len(self.stack):
            replaced = self.stack_box.children  # closed below: a widget only dropped lives on in the kernel
            views[:] = [w.Image(format="jpeg", layout=picture_layout(f"{_STACKED}px")) for _ in self.stack]
            self._stack_bars[:] = [(w.Image(format="png", layout=picture_layout("160px")), w.HTML())
                                   for _ in self.stack]
            labels = [w.VBox([w.HTML(f"<small>{html.escape(str(label))}</small>"), view, *bar],
                             layout=w.Layout(max_width="100%"))
                      for (label, _), view, bar in zip(self.stack, views, self._stack_bars)]
            if labels:
                title = w.HTML("<b>Stacked feature maps</b> (one per kernel, as a convolutional layer outputs them; "
                               "each on its own scale, shown under it):", layout=w.Layout(width="100%"))
                labels = [title, *labels]
            self.stack_box.children = labels
            close_widgets(*replaced)
        for (picture, bar), view, (bar_view, bar_labels) in zip(pictures, views, self._stack_bars):
            view.value = picture
            bar_view.value, bar_labels.value = bar

    def __repr__(self) -> str:
        return f"<KernelExplorer widget: {self.preset.value} kernel on {self.image_choice.value!r}>"



def _title(text: str) -> w.HTML:
    return w.HTML(f'<b class="cnnlab-title">{html.escape(text)}</b>')


def _zoom(width: int, target: int) -> int:
    """The whole factor by which a picture ``width`` pixels wide is enlarged (nearest neighbour) to show ``target``."""
    return max(1, target // max(width, 1))


def _encode_map(array: np.ndarray, scale: tuple, zoom: int) -> bytes:
    """A feature map's JPEG in its colour map and limits (:func:`channel_scale`), each pixel a ``zoom``-wide block."""
    cmap, low, high = scale
    return encode_array(array, "jpeg", vmin=low, vmax=high, cmap=cmap, scale=zoom)


def _bar(scale: tuple, length: int, caption: str):
    cmap, low, high = scale
    return colour_bar(low, high, cmap, length=length, caption=caption)
