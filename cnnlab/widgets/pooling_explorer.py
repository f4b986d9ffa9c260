"""Pooling, live: max or average, size, stride, padding, a one-pixel shift, and depthwise pooling."""

from __future__ import annotations

import ipywidgets as w
import numpy as np

from .. import kernels as K
from .. import ops
from .._validation import check_channels_last, check_positive_int
from ..plotting import encode_image
from ._base import WidgetBase, named_images

__all__ = ["PoolingExplorer", "pool", "shift_invariance", "orientation_maps", "ORIENTATIONS"]

#: Angles (degrees) of the Gabor filters whose feature maps depthwise pooling combines.
ORIENTATIONS = (0, 30, 60, 90, 120, 150)


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
    image = np.asarray(image, dtype=np.float64)
    shifted = np.concatenate([image[:, :1], image[:, :-1]], axis=1)
    pixels_same = float(np.mean(np.isclose(image[:, 1:], shifted[:, 1:])))
    a = pool(image, mode, pool_size, stride, padding)
    b = pool(shifted, mode, pool_size, stride, padding)
    # Outputs whose window may include column 0 (duplicated by the shift) are left out, if any remain.
    first_clean = 1 if a.shape[1] > 1 else 0
    outputs_same = float(np.mean(np.isclose(a[:, first_clean:], b[:, first_clean:])))
    return pixels_same, outputs_same


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
    grey = image.mean(axis=-1, keepdims=True) if image.ndim == 3 else image[..., None]
    bank = K.filter_bank(*[K.gabor(7, theta=np.deg2rad(a)) for a in ORIENTATIONS], channels=1)
    return np.maximum(ops.conv2d(grey, bank, padding="SAME"), 0.0)


def _default_images() -> dict:
    from .. import datasets

    return {name: datasets.load_sample_image(name)[100:300, 150:450] for name in datasets.SAMPLE_IMAGES}


class PoolingExplorer(WidgetBase):
    """Pool a photo: change the pooling kind, size, stride and padding and see the result.

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
        self._orientations: dict = {}

        self.image_choice = w.Dropdown(options=list(self._images), description="Image")
        self.mode = w.ToggleButtons(options=["max", "average"], value=mode, description="Pooling")
        self.pool_size = w.IntSlider(value=pool_size, min=1, max=6, description="Pool size")
        self.tie_stride = w.Checkbox(value=stride is None, description="stride = pool size", indent=False)
        self.stride = w.IntSlider(value=stride or pool_size, min=1, max=6, description="Stride",
                                  disabled=stride is None)
        self.padding = w.ToggleButtons(options=["VALID", "SAME"], value=ops._padding(padding), description="Padding")
        self.shift = w.Checkbox(value=False, description="shift the input one pixel right", indent=False)
        self.depth_size = w.ToggleButtons(options=[1, 2, 3, 6], value=6, description="Depth pool",
                                          style={"button_width": "36px"})
        self.input_view = w.Image(format="jpeg", layout=w.Layout(width="300px"))
        self.output_view = w.Image(format="png", layout=w.Layout(width="300px"))
        self.readout = w.HTML()
        self.depth_inputs = [w.Image(format="jpeg", layout=w.Layout(width="110px")) for _ in ORIENTATIONS]
        self.depth_outputs = [w.Image(format="jpeg", layout=w.Layout(width="110px")) for _ in ORIENTATIONS]
        self.depth_readout = w.HTML()

        self.tie_stride.observe(self._on_tie, names="value")
        self.pool_size.observe(self._on_pool_size, names="value")
        self._observe(self.image_choice, self.mode, self.stride, self.padding, self.shift, self.depth_size)

        captions = [w.HTML(f"<small>{a}°</small>") for a in ORIENTATIONS]
        self.root = w.VBox([
            w.HBox([self.image_choice, self.mode]),
            w.HBox([self.pool_size, self.tie_stride, self.stride]),
            w.HBox([self.padding, self.shift]),
            w.HBox([w.VBox([w.HTML("<b>Input</b>"), self.input_view]),
                    w.VBox([w.HTML("<b>Pooled</b> (each output pixel drawn as a stride × stride block)"),
                            self.output_view])]),
            self.readout,
            w.HTML("<b>Depthwise max pooling</b>: six Gabor feature maps, one per orientation, pooled across "
                   "channels; with a depth pool of 6 the result responds to edges at any of these angles."),
            self.depth_size,
            w.HBox([w.VBox([c, v]) for c, v in zip(captions, self.depth_inputs)]),
            w.HBox(self.depth_outputs),
            self.depth_readout,
            self.error_box,
        ])
        self.output_array = np.zeros((1, 1, 3), np.float32)
        self.depth_output = np.zeros((1, 1, 1), np.float32)
        self.invariance = (0.0, 0.0)
        self.refresh()

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
        if self.shift.value:
            image = np.concatenate([image[:, :1], image[:, :-1]], axis=1)
        return image

    # ------------------------------------------------------------------ rendering
    def _update(self) -> None:
        # Compute and encode everything first, then write: if anything fails, every picture stays as it was.
        image = self.image
        size, stride, padding = self.pool_size.value, self.stride.value, self.padding.value
        result = pool(image, self.mode.value, size, stride, padding)
        photo = encode_image(image, "jpeg", vmin=0, vmax=1)
        pooled_picture = encode_image(np.clip(result, 0, 1), "png", vmin=0, vmax=1, scale=stride)
        invariance = shift_invariance(self._images[self.image_choice.value], self.mode.value, size, stride, padding)
        kept = result.shape[0] * result.shape[1] / (image.shape[0] * image.shape[1])
        readout = (
            f"{image.shape[0]}×{image.shape[1]} → {result.shape[0]}×{result.shape[1]} "
            f"({self.mode.value} pooling, {size}×{size} window, stride {stride}, {padding}): "
            f"{kept:.0%} of the values are kept, no weights involved.<br>"
            f"Shifting the input one pixel right changes {1 - invariance[0]:.0%} of its pixels "
            f"{'but only' if invariance[1] > invariance[0] else 'and'} "
            f"{1 - invariance[1]:.0%} of the pooled outputs."
        )
        write_depthwise = self._depthwise()
        self.input_view.value = photo
        self.output_view.value = pooled_picture
        self.output_array = result
        self.invariance = invariance
        self.readout.value = readout
        write_depthwise()

    def _depthwise(self):
        """Compute depthwise pooling of the orientation maps; return the function that shows it."""
        key = (self.image_choice.value, self.shift.value)
        if key in self._orientations:  # their pictures are on display already
            maps, top = self._orientations[key]
            new_inputs = None
        else:
            maps = orientation_maps(self.image)
            top = float(maps.max()) or 1.0
            new_inputs = [encode_image(channel, "jpeg", vmin=0, vmax=top) for channel in np.moveaxis(maps, -1, 0)]
        pooled = ops.depth_max_pool(maps, self.depth_size.value)
        pictures = [encode_image(pooled[..., index], "jpeg", vmin=0, vmax=top) for index in range(pooled.shape[-1])]
        readout = (f"{maps.shape[-1]} channels → {pooled.shape[-1]} (max over groups of {self.depth_size.value} "
                   "consecutive channels; height and width unchanged)")

        def write() -> None:
            if new_inputs is not None:
                self._orientations = {key: (maps, top)}
                for view, picture in zip(self.depth_inputs, new_inputs):
                    view.value = picture
            self.depth_output = pooled
            for index, view in enumerate(self.depth_outputs):
                visible = index < len(pictures)
                view.layout.display = None if visible else "none"
                if visible:
                    view.value = pictures[index]
            self.depth_readout.value = readout

        return write

    def __repr__(self) -> str:
        return f"<PoolingExplorer widget: {self.mode.value} pooling on {self.image_choice.value!r}>"
