"""Pooling, live: max or average, size, stride, padding, a one-pixel shift, and depthwise pooling."""

from __future__ import annotations

import html

import ipywidgets as w
import numpy as np

from .. import kernels as K
from .. import ops
from .._validation import check_channels_last, check_finite_array, check_finite_number, check_memory, check_positive_int
from ..plotting import SEQUENTIAL_CMAP, colour_bar, encode_array, encode_image, value_scale
from ._base import WidgetBase, named_images, CAPTION_STYLE, fit, label_style, picture_layout, row

__all__ = ["PoolingExplorer", "pool", "shift_invariance", "shift_changes", "mark_changes", "group_names",
           "orientation_maps", "ORIENTATIONS"]

#: Angles (degrees) of the Gabor filters whose feature maps depthwise pooling combines.
ORIENTATIONS = (0, 30, 60, 90, 120, 150)
#: The colour that marks what a shift changed.
CHANGED = (1.0, 0.1, 0.0)
#: The label width of every control of the widget (the course's one label style).
_PICTURE, _MAP = 300, 110


def pool(image, mode: str = "max", pool_size: int = 2, stride: int | None = None, padding: str = "VALID"):
    """Max or average pooling of one image ``(height, width, channels)``.

    Examples
    --------
    >>> pool(np.arange(16.0).reshape(4, 4, 1), "max", 2)[..., 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    if mode not in ("max", "average"):
        raise ValueError(f"mode must be one of 'max', 'average', received mode={mode!r}.")
    check_channels_last("image", np.shape(image))
    function = ops.max_pool2d if mode == "max" else ops.avg_pool2d
    return function(image, pool_size, stride, padding)


def _shifted(image: np.ndarray) -> np.ndarray:
    """``image`` moved one pixel right; its first column repeats (nothing new comes in)."""
    return np.concatenate([image[:, :1], image[:, :-1]], axis=1)


def shift_changes(image, mode: str = "max", pool_size: int = 2, stride: int | None = None,
                  padding: str = "VALID") -> tuple[np.ndarray, np.ndarray]:
    """Where moving the image one pixel right changes the input, and where it changes the pooled output.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        For each input pixel ``(height, width)`` and each pooled output
        ``(out_height, out_width)``: the fraction of its channels whose value
        changed (0 unchanged, 1 all changed). The first column of each, which
        the shift fills with copies of the old one, is not compared (0).

    Examples
    --------
    >>> stripes = np.zeros((2, 8, 1)); stripes[:, ::2] = 1.0
    >>> pixels, outputs = shift_changes(stripes, "max", 2)
    >>> pixels[0], outputs[0]         # every pixel changes, no maximum does
    (array([0., 1., 1., 1., 1., 1., 1., 1.]), array([0., 0., 0., 0.]))
    """
    image = np.asarray(image, dtype=np.float64)
    shifted = _shifted(image)
    pixels = _pixel_changes(image, shifted)
    return pixels, _output_changes(pool(image, mode, pool_size, stride, padding),
                                   pool(shifted, mode, pool_size, stride, padding))


def _pixel_changes(image: np.ndarray, shifted: np.ndarray) -> np.ndarray:
    """The fraction of each pixel's channels that the shift changed (column 0, copied, counts as unchanged)."""
    pixels = 1.0 - np.isclose(image, shifted).reshape(*image.shape[:2], -1).mean(axis=-1)
    pixels[:, 0] = 0.0
    return pixels


def _output_changes(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The fraction of each pooled output's channels that differ between ``a`` and ``b``."""
    outputs = 1.0 - np.isclose(a, b).mean(axis=-1)
    if outputs.shape[1] > 1:  # its window may include column 0 (duplicated by the shift)
        outputs[:, 0] = 0.0
    return outputs


def shift_invariance(image, mode: str = "max", pool_size: int = 2, stride: int | None = None,
                     padding: str = "VALID") -> tuple[float, float]:
    """How much of the input, and of the pooled output, stays the same when the image moves one pixel right.

    Returns
    -------
    (float, float)
        Fraction of input pixels unchanged by the shift, and fraction of pooled
        outputs unchanged (compared where both images have data: the first
        column, which the shift fills with copies, is left out). Pooling's
        "small translation invariance" is the second number being much larger.

    Examples
    --------
    >>> stripes = np.zeros((4, 8, 1)); stripes[:, ::2] = 1.0
    >>> shift_invariance(stripes, "max", 2)   # every pixel changes, no max does
    (0.0, 1.0)
    """
    return _invariance(*shift_changes(image, mode, pool_size, stride, padding))


def _invariance(pixels: np.ndarray, outputs: np.ndarray) -> tuple[float, float]:
    """:func:`shift_invariance` from :func:`shift_changes`' ``pixels`` and ``outputs``."""
    first_clean = 1 if outputs.shape[1] > 1 else 0
    return float(1.0 - pixels[:, 1:].mean()), float(1.0 - outputs[:, first_clean:].mean())


def mark_changes(image, changed, strength: float = 0.7) -> np.ndarray:
    """``image`` with what a shift changed painted over in :data:`CHANGED` red, in proportion to ``changed``.

    Parameters
    ----------
    image : array_like
        ``(height, width, 3)`` floats in [0, 1].
    changed : array_like
        ``(height, width)`` fractions in [0, 1], as :func:`shift_changes` gives them.
    strength : float
        How much of a fully changed pixel is red.

    Examples
    --------
    >>> mark_changes(np.zeros((1, 2, 3)), np.array([[0.0, 1.0]]), strength=1.0)[0]
    array([[0. , 0. , 0. ],
           [1. , 0.1, 0. ]], dtype=float32)
    """
    image = np.asarray(image, dtype=np.float32)
    changed = np.asarray(changed, dtype=np.float32)
    strength = check_finite_number("strength", strength)
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must be a number from 0 to 1, received strength={strength!r}.")
    if image.ndim != 3 or image.shape[-1] != 3 or changed.shape != image.shape[:2]:
        raise ValueError(f"image must be (height, width, 3) and changed (height, width) of the same height and "
                         f"width, received shapes {image.shape} and {changed.shape}.")
    alpha = float(strength) * np.clip(changed, 0.0, 1.0)[..., None]
    return (1.0 - alpha) * image + alpha * np.asarray(CHANGED, np.float32)


def group_names(angles, group: int) -> list[str]:
    """What each output of depthwise max pooling over groups of ``group`` consecutive maps is the maximum of.

    Examples
    --------
    >>> group_names((0, 30, 60, 90), 2)
    ['max of 0° and 30°', 'max of 60° and 90°']
    >>> group_names((0, 30, 60), 3), group_names((0, 30), 1)
    (['max of 0°, 30°, 60°'], ['0° alone', '30° alone'])
    """
    group = check_positive_int("group", group)
    if isinstance(angles, (str, bytes)) or not hasattr(angles, "__iter__"):
        raise ValueError(f"angles must be a sequence of angles in degrees, such as (0, 30, 60), received "
                         f"angles={angles!r:.80}.")
    angles = list(angles)
    if not angles:
        raise ValueError("angles is empty; give the angles of the maps, such as (0, 30, 60).")
    if len(angles) % group:
        raise ValueError(f"group must divide the number of maps ({len(angles)}), received group={group}.")
    names = []
    for start in range(0, len(angles), group):
        part = [f"{a}°" for a in angles[start : start + group]]
        names.append(f"{part[0]} alone" if group == 1 else f"max of {part[0]} and {part[1]}" if group == 2
                     else f"max of {', '.join(part)}")
    return names


def orientation_maps(image) -> np.ndarray:
    """Feature maps of 7×7 Gabor filters at the :data:`ORIENTATIONS`, one channel each, clipped at 0 (ReLU).

    Examples
    --------
    >>> orientation_maps(np.zeros((8, 8, 3))).shape
    (8, 8, 6)
    """
    image = np.asarray(image, dtype=np.float32)
    if image.ndim not in (2, 3):
        raise ValueError(f"image must have shape (height, width) or (height, width, channels), "
                         f"received shape {image.shape}.")
    check_channels_last("image", image)
    return np.maximum(ops.conv2d(_grey(image), _gabor_bank(), padding="SAME"), 0.0)


def _grey(image: np.ndarray) -> np.ndarray:
    """``(height, width, 1)``: the mean of ``image``'s channels (the image itself if it has none)."""
    return image.mean(axis=-1, keepdims=True) if image.ndim == 3 else image[..., None]


def _gabor_bank() -> np.ndarray:
    """The 7×7 Gabor filters at the :data:`ORIENTATIONS`, one output channel each (float32)."""
    return K.filter_bank(*[K.gabor(7, theta=np.deg2rad(a)) for a in ORIENTATIONS], channels=1)


def _default_images() -> dict:
    from .. import datasets

    return {name: datasets.load_sample_image(name)[100:300, 150:450] for name in datasets.SAMPLE_IMAGES}



# --------------------------------------------------------------------------- checked once, then unchecked


def _admit(name: str, image: np.ndarray) -> None:
    """Check a photo once, where it enters the explorer: the memory an update of it can need, and finite values.

    The estimate holds whatever the controls say (a 6×6 window under SAME padding at stride 1): the
    pooling and a shift's comparison in float64 (the photo, its shifted copy, their padded copies and
    pooled outputs), the six orientation maps with their padded and wide copies, the pictures. An
    update does not look at the photo again: it computes through :func:`_pooled`, :func:`_changes`,
    :func:`_orientations_of` and :func:`cnnlab.plotting.encode_array`, which check nothing.
    """
    height, width, channels = image.shape
    pixels, padded = height * width, (height + 5) * (width + 5)
    shift = 8 * channels * (2 * pixels + 2 * padded + 4 * pixels)
    maps = 4 * (pixels + (height + 6) * (width + 6) + 6 * height * (width + 6) + 2 * 6 * pixels)
    pictures = 4 * channels * pixels * 8
    check_memory(f"images[{name!r}] of shape {image.shape}", shift + maps + pictures,
                 fix="Use a smaller image (for example image[::4, ::4]).")
    check_finite_array(f"images[{name!r}]", image)


def _pooled(image: np.ndarray, mode: str, geometry: ops.PoolGeometry) -> np.ndarray:
    """:func:`pool` of a checked image with checked settings (``geometry``), with no checks."""
    return ops.pool_windows(image[None], geometry, "max" if mode == "max" else "avg")[0]


def _changes(image: np.ndarray, mode: str, geometry: ops.PoolGeometry) -> tuple[np.ndarray, np.ndarray]:
    """:func:`shift_changes` of a checked image with checked settings (``geometry``), with no checks."""
    image = image.astype(np.float64)
    shifted = _shifted(image)
    return _pixel_changes(image, shifted), _output_changes(_pooled(image, mode, geometry),
                                                           _pooled(shifted, mode, geometry))


def _orientations_of(image: np.ndarray) -> np.ndarray:
    """:func:`orientation_maps` of a checked float32 image, with no checks."""
    return np.maximum(ops.correlate_same(_grey(image), _gabor_bank()), 0.0)


def _caption(text: str) -> str:
    return f'<div class="cnnlab-caption" style="{CAPTION_STYLE}">{text}</div>'


class PoolingExplorer(WidgetBase):
    """Pool a photo: change the pooling kind, size, stride and padding and see the result.

    Ticking the shift box moves the input one pixel right and paints in red
    what that changed, in the input (almost every pixel) and in the pooled
    output (with max pooling, far fewer): pooling's small invariance to shifts.
    Below, depthwise max pooling of six orientation maps, each output captioned
    with the maps it is the maximum of, all the maps on one grey scale (the
    strongest 1 % of values white).

    Parameters
    ----------
    images : mapping of str to array, or array, optional
        RGB photos (floats in [0, 1]); crops of the chapter's sample images by default.
    mode : {"max", "average"}
    pool_size, stride : int
    padding : {"SAME", "VALID"}

    Attributes
    ----------
    output_array : numpy.ndarray
        The pooled image on display.
    changes : (numpy.ndarray, numpy.ndarray)
        :func:`shift_changes` of the image: painted over the pictures while the shift box is ticked.
    depth_output : numpy.ndarray
        The depthwise-pooled orientation maps.
    invariance : (float, float)
        Fractions of input pixels and pooled outputs unchanged by a one-pixel shift.

    Examples
    --------
    >>> explorer = PoolingExplorer({"noise": np.random.default_rng(0).random((12, 16, 3))})
    >>> explorer.output_array.shape
    (6, 8, 3)
    >>> explorer.pool_size.value = 4
    >>> explorer.output_array.shape
    (3, 4, 3)
    """

    def __init__(self, images=None, *, mode: str = "max", pool_size: int = 2, stride: int | None = None,
                 padding: str = "VALID") -> None:
        super().__init__()
        pool_size = check_positive_int("pool_size", pool_size)
        self._images = named_images(images, _default_images)
        for name, array in self._images.items():
            if array.ndim != 3 or array.shape[-1] != 3 or min(array.shape[:2]) < 4:
                raise ValueError(f"images[{name!r}] must be an RGB image of shape (height >= 4, width >= 4, 3), "
                                 f"received shape {array.shape}.")
        pool(np.zeros((4, 4, 1)), mode, 1)  # validates mode
        for name, array in self._images.items():
            _admit(name, array)  # the one check of each photo: an update computes unchecked
        self._orientations: dict = {}
        self._build_controls(mode, pool_size, stride, padding)
        self._build_views()
        self._connect()
        self.root = self._layout()
        self.output_array = np.zeros((1, 1, 3), np.float32)
        self.depth_output = np.zeros((1, 1, 1), np.float32)
        self.changes = (np.zeros((1, 1)), np.zeros((1, 1)))
        self.invariance = (0.0, 0.0)
        self.refresh()

    # ------------------------------------------------------------------ construction
    def _build_controls(self, mode: str, pool_size: int, stride: int | None, padding: str) -> None:
        """The photo, the pooling's kind, size, stride and padding, the shift box and the depth pool."""
        self.image_choice = w.Dropdown(options=list(self._images), description="Image", style=label_style(),
                                       layout=fit("310px"))
        self.mode = w.ToggleButtons(options=["max", "average"], value=mode, description="Pooling",
                                    style=label_style(button_width="80px"))
        self.pool_size = w.IntSlider(value=pool_size, min=1, max=6, description="Pool size", style=label_style(),
                                     layout=fit("300px"))
        self.tie_stride = w.Checkbox(value=stride is None, description="stride = pool size", indent=False,
                                     layout=w.Layout(width="160px"))
        self.stride = w.IntSlider(value=stride or pool_size, min=1, max=6, description="Stride", style=label_style(),
                                  disabled=stride is None, layout=fit("300px"))
        self.padding = w.ToggleButtons(options=["VALID", "SAME"], value=ops.check_padding(padding), description="Padding",
                                       style=label_style(button_width="80px"))
        self.shift = w.Checkbox(value=False, description="shift the input one pixel right", indent=False,
                                layout=w.Layout(width="260px"))
        self.depth_size = w.ToggleButtons(options=[1, 2, 3, 6], value=6, description="Depth pool",
                                          style=label_style(button_width="36px"))

    def _build_views(self) -> None:
        """The input and pooled pictures, their captions and readout, and the depthwise pooling's pictures."""
        self.input_view = w.Image(format="jpeg", layout=picture_layout(f"{_PICTURE}px"))
        self.output_view = w.Image(format="png", layout=picture_layout(f"{_PICTURE}px"))
        self.input_caption, self.output_caption = w.HTML(), w.HTML()
        self.readout = w.HTML()
        self.depth_inputs = [w.Image(format="jpeg", layout=picture_layout(f"{_MAP}px")) for _ in ORIENTATIONS]
        # Hidden until a depth pool needs them, but never empty (an empty Image shows a broken-image icon).
        blank = encode_image(np.full((2, 2), 0.5), "jpeg")
        self.depth_outputs = [w.Image(value=blank, format="jpeg", layout=picture_layout(f"{_MAP}px"))
                              for _ in ORIENTATIONS]
        self.depth_captions = [w.HTML() for _ in ORIENTATIONS]
        self._depth_boxes = [w.VBox([caption, view], layout=w.Layout(align_items="center", max_width="100%"))
                             for caption, view in zip(self.depth_captions, self.depth_outputs)]
        self.depth_bar, self.depth_bar_labels = w.Image(format="png", layout=picture_layout("240px")), w.HTML()
        self.depth_readout = w.HTML()

    def _connect(self) -> None:
        """Each control to the update (the pool size and the stride tie through their own observers)."""
        self.tie_stride.observe(self._on_tie, names="value")
        self.pool_size.observe(self._on_pool_size, names="value")
        self._observe(self.image_choice, self.mode, self.stride, self.padding, self.shift, self.depth_size)

    def _layout(self) -> w.VBox:
        """The controls in rows, the input beside the pooled picture, the depthwise pooling under them."""
        inputs = [w.VBox([w.HTML(_caption(f"{a}°")), view], layout=w.Layout(align_items="center"))
                  for a, view in zip(ORIENTATIONS, self.depth_inputs)]
        return w.VBox([
            row([self.image_choice, self.mode]),
            row([self.pool_size, self.tie_stride, self.stride]),
            row([self.padding, self.shift]),
            row([w.VBox([w.HTML("<b>Input</b>"), self.input_view, self.input_caption],
                        layout=fit(f"{_PICTURE + 4}px")),  # + the picture's margins
                 w.VBox([w.HTML("<b>Pooled</b>"), self.output_view, self.output_caption],
                        layout=fit(f"{_PICTURE + 4}px"))], grid_gap="12px"),
            self.readout,
            w.HTML("<b>Depthwise max pooling</b>: six Gabor feature maps, one per orientation, pooled across "
                   "channels; with a depth pool of 6 the result responds to edges at any of these angles."),
            self.depth_size,
            w.HTML(_caption("Input: six orientation maps of the photo (7×7 Gabor filters, negative responses set "
                            "to 0), one channel each")),
            row(inputs),
            self.depth_readout,
            row(self._depth_boxes),
            self.depth_bar, self.depth_bar_labels,
            self.error_box,
        ], layout=w.Layout(max_width="100%"))

    # ------------------------------------------------------------------ controls
    def _on_tie(self, _change) -> None:
        self.stride.disabled = self.tie_stride.value
        if self.tie_stride.value and self.stride.value != self.pool_size.value:
            self.stride.value = self.pool_size.value  # refreshes through the stride observer
        else:
            self.refresh()

    def _on_pool_size(self, _change) -> None:
        if self.tie_stride.value and self.stride.value != self.pool_size.value:
            self.stride.value = self.pool_size.value  # refreshes through the stride observer
        else:
            self.refresh()

    @property
    def image(self) -> np.ndarray:
        """The input on display (shifted one pixel right when the shift box is ticked)."""
        image = self._images[self.image_choice.value]
        return _shifted(image) if self.shift.value else image

    # ------------------------------------------------------------------ rendering
    def _update(self) -> None:
        # Compute and encode everything first, then write: if anything fails, every picture stays as it was.
        image = self.image
        size, stride, padding = self.pool_size.value, self.stride.value, self.padding.value
        geometry = ops.pool_geometry(image.shape[:2], size, stride, padding)  # the settings; the photo was at entry
        result = _pooled(image, self.mode.value, geometry)
        changes = _changes(self._images[self.image_choice.value], self.mode.value, geometry)
        invariance = _invariance(*changes)
        shown_input, shown_output = np.clip(image, 0, 1), np.clip(result, 0, 1)
        if self.shift.value:
            shown_input, shown_output = mark_changes(shown_input, changes[0]), mark_changes(shown_output, changes[1])
        photo = encode_array(shown_input, "jpeg", vmin=0, vmax=1)
        pooled_picture = encode_array(shown_output, "png", vmin=0, vmax=1, scale=stride)
        kept = result.shape[0] * result.shape[1] / (image.shape[0] * image.shape[1])
        pixels_changed, outputs_changed = 1 - invariance[0], 1 - invariance[1]
        readout = (
            f"{image.shape[0]}×{image.shape[1]} → {result.shape[0]}×{result.shape[1]} "
            f"({self.mode.value} pooling, {size}×{size} window, stride {stride}, {padding}): "
            f"{kept:.0%} of the values are kept, no weights involved.<br>"
            f"Shifting the input one pixel right changes {pixels_changed:.0%} of its pixels "
            f"{'but only' if invariance[1] > invariance[0] else 'and'} "
            f"{outputs_changed:.0%} of the pooled outputs."
        )
        if self.shift.value:
            input_caption = (f"Shifted one pixel right. <b style='color:#e61a00'>Red</b>: what changed, "
                             f"{pixels_changed:.0%} of the pixel values.")
            output_caption = (f"<b style='color:#e61a00'>Red</b>: the {outputs_changed:.0%} of the pooled values "
                              f"that changed; the rest stayed the same"
                              + (" (the maximum only moved inside its window)." if self.mode.value == "max" else "."))
        else:
            input_caption = f"The photo, {image.shape[0]}×{image.shape[1]} pixels."
            output_caption = (f"Each output pixel drawn as a {stride}×{stride} block. Tick “shift the input one "
                              "pixel right” to see in red what changes.")
        write_depthwise = self._depthwise()
        self.input_view.value = photo
        self.output_view.value = pooled_picture
        self.input_caption.value, self.output_caption.value = _caption(input_caption), _caption(output_caption)
        self.output_array = result
        self.changes, self.invariance = changes, invariance
        self.readout.value = readout
        write_depthwise()

    def _depthwise(self):
        """Compute depthwise pooling of the orientation maps; return the function that shows it."""
        key = (self.image_choice.value, self.shift.value)
        if key in self._orientations:  # their pictures are on display already
            maps, top = self._orientations[key]
            new_inputs = None
        else:
            maps = _orientations_of(self.image)
            top = value_scale(maps, robust=True)[2] or float(maps.max()) or 1.0  # a few strong edges saturate
            new_inputs = [encode_array(channel, "jpeg", vmin=0, vmax=top) for channel in np.moveaxis(maps, -1, 0)]
        group = self.depth_size.value
        pooled = ops.depth_max(maps, group)
        pictures = [encode_array(pooled[..., index], "jpeg", vmin=0, vmax=top) for index in range(pooled.shape[-1])]
        names = group_names(ORIENTATIONS, group)
        bar = colour_bar(0.0, top, SEQUENTIAL_CMAP, caption="one scale for all the maps above, inputs and outputs; "
                                                           "the strongest 1 % of values show white")
        readout = _caption(
            f"Output: {maps.shape[-1]} channels → {pooled.shape[-1]}, the maximum over each group of {group} "
            f"consecutive channels{'' if group > 1 else ' (a group of one: nothing changes)'}; height and width "
            "unchanged.")
        width = _MAP if group == 1 else 2 * _MAP  # fewer, larger outputs, each under its group of inputs
        box = f"{group * (_MAP + 4) - 4}px"

        def write() -> None:
            if new_inputs is not None:
                self._orientations = {key: (maps, top)}
                for view, picture in zip(self.depth_inputs, new_inputs):
                    view.value = picture
            self.depth_output = pooled
            for index, (view, caption, holder) in enumerate(zip(self.depth_outputs, self.depth_captions,
                                                                self._depth_boxes)):
                visible = index < len(pictures)
                view.layout.display = holder.layout.display = None if visible else "none"
                if visible:
                    view.value = pictures[index]
                    view.layout.width, holder.layout.width = f"{width}px", box
                    caption.value = _caption(html.escape(names[index]))
            self.depth_bar.value, self.depth_bar_labels.value = bar
            self.depth_readout.value = readout

        return write

    def __repr__(self) -> str:
        return f"<PoolingExplorer widget: {self.mode.value} pooling on {self.image_choice.value!r}>"
