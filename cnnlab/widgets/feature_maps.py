"""What a trained CNN sees: the feature maps of any layer, and the kernels it learned.

* :func:`feature_maps` - the activations of one layer for one image, ``(h, w, channels)``.
* :func:`feature_grid` - all channels of such an activation tiled into one 2-D picture.
* :func:`map_scale` - the values and colour scale a grid is drawn in: one scale for the layer, or each map its own.
* :func:`show_filters` - the learned kernels of a ``Conv2D`` layer as a figure
  (found here, drawn by :func:`cnnlab.plotting.show_filters`).
* :class:`FeatureMapViewer` - pick a layer (and an image), see all its feature maps, live.

Compute is kept apart from display: the widget calls :func:`feature_maps` and
:func:`feature_grid` and writes PNG bytes into an existing ``ipywidgets.Image``.
Keras is imported only inside the functions that need it.

Input scaling: images are fed to the model *as the model was trained on them*.
``uint8`` images are scaled to [0, 1] (divided by 255); float images are used as
given, so pass them already scaled (and preprocessed) the way the model expects.
A ``(height, width)`` greyscale image gets a channel axis for one-channel models.
"""

from __future__ import annotations

import html
import math
import weakref
from collections.abc import Mapping

import ipywidgets as w
import numpy as np

from .._validation import (check_bool, check_channels_last, check_finite_array, check_memory, check_model,
                           check_non_negative_int, check_positive_int)
from .. import plotting
from ..plotting import DIVERGING_CMAP, SEQUENTIAL_CMAP, colour_bar, encode_image, value_scale
from ._base import WidgetBase, fit, label_style, picture_layout

__all__ = ["FeatureMapViewer", "feature_maps", "feature_grid", "feature_map_layers", "map_scale", "prepare_image",
           "show_filters", "SCALES"]

#: The viewer's two ways to scale a layer's maps: one scale for all of them, or each its own.
SCALES = ("one for the layer", "each map its own")

# model -> {layer name: keras.Model(model.inputs, layer.output)}; weak, so models can be freed.
_EXTRACTORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


# ----------------------------------------------------------------------------- compute


def _output_shape(layer):
    """The layer's single output shape in the model's graph, or None (several outputs, shared layer)."""
    try:
        output = layer.output
    except (AttributeError, ValueError, RuntimeError):
        return None
    if isinstance(output, (list, tuple, dict)):
        return None
    return tuple(output.shape)


def feature_map_layers(model) -> list[str]:
    """Names of the layers of ``model`` whose output is a batch of feature maps (4-D, not the input).

    Parameters
    ----------
    model : keras.Model
        A built functional (or built Sequential) model.

    Returns
    -------
    list of str
        In model order: convolution, pooling, activation, normalisation, padding layers...

    Examples
    --------
    >>> import keras
    >>> inputs = keras.Input((8, 8, 1))
    >>> x = keras.layers.Conv2D(2, 3, name="conv")(inputs)
    >>> x = keras.layers.MaxPooling2D(name="pool")(x)
    >>> model = keras.Model(inputs, keras.layers.Dense(3, name="dense")(keras.layers.Flatten(name="flat")(x)))
    >>> feature_map_layers(model)
    ['conv', 'pool']
    """
    if not hasattr(model, "layers"):
        raise ValueError(f"model must be a built Keras model, received model={model!r:.80}.")
    names = []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        shape = _output_shape(layer)
        if shape is not None and len(shape) == 4:
            names.append(layer.name)
    return names


def _input_shape(model) -> tuple:
    return tuple(model.inputs[0].shape)


def prepare_image(image, model=None, *, name: str = "image") -> np.ndarray:
    """Return ``image`` as the float32 ``(height, width, channels)`` array the model is fed.

    ``uint8`` is scaled to [0, 1]; floats (and other integer types) are kept as
    given. A ``(height, width)`` greyscale image gets a channel axis (for
    one-channel models). With ``model``, the channels (and fixed height and
    width) must match its input.

    Parameters
    ----------
    image : array_like
        ``(height, width)`` or ``(height, width, channels)``.
    model : keras.Model, optional
        Check the image against this model's input shape.
    name : str
        The argument's name in error messages.

    Returns
    -------
    numpy.ndarray
        float32 ``(height, width, channels)``.

    Examples
    --------
    >>> prepare_image(np.full((2, 3), 255, np.uint8)).shape, float(prepare_image(np.full((2, 3), 255, np.uint8)).max())
    ((2, 3, 1), 1.0)
    >>> prepare_image(np.zeros(4))
    Traceback (most recent call last):
    ...
    ValueError: image must have shape (height, width) or (height, width, channels), received shape (4,).
    """
    array = np.asarray(image)
    if array.ndim not in (2, 3) or array.size == 0:
        raise ValueError(f"{name} must have shape (height, width) or (height, width, channels), "
                         f"received shape {array.shape}.")
    if array.dtype.kind not in "fiub":
        raise ValueError(f"{name} must hold numbers, received dtype {array.dtype}.")
    check_channels_last(name, array)
    if array.dtype != np.float32:  # the float32 copy (and, from uint8, its scaled copy), before it is made
        check_memory(f"{name} of shape {array.shape}", 8 * array.size, fix="Use a smaller image.")
    if array.dtype == np.uint8:
        array = array.astype(np.float32) / 255.0
    array = array.astype(np.float32, copy=False)
    check_finite_array(name, array)
    if array.ndim == 2:
        array = array[..., None]
    if model is not None:
        expected = _input_shape(model)
        if len(expected) != 4:
            raise ValueError(f"model must take images (batch, height, width, channels), its input shape is {expected}.")
        channels = expected[-1]
        if channels is not None and array.shape[-1] != channels:
            raise ValueError(f"{name} has {array.shape[-1]} channel(s), received shape {np.asarray(image).shape}, "
                             f"but the model takes {channels}; give (height, width, {channels}) images.")
        for side, want in zip(array.shape[:2], expected[1:3]):
            if want is not None and side != want:
                raise ValueError(f"{name} has shape {np.asarray(image).shape}, but the model takes "
                                 f"{expected[1]}×{expected[2]} images; resize it first.")
    return array


def _extractor(model, layer_name: str):
    import keras

    try:
        cache = _EXTRACTORS.setdefault(model, {})
    except TypeError:  # not weak-referenceable: no cache
        cache = {}
    if layer_name not in cache:
        cache[layer_name] = keras.Model(model.inputs, model.get_layer(layer_name).output)
    return cache[layer_name]


def feature_maps(model, image, layer_name: str) -> np.ndarray:
    """The activations of one layer of ``model`` for one image.

    Parameters
    ----------
    model : keras.Model
        A built model taking ``(batch, height, width, channels)`` images.
    image : array_like
        ``(height, width, channels)``, or ``(height, width)`` for one-channel models.
        ``uint8`` is scaled to [0, 1]; floats are used as given (scale them the way
        the model was trained).
    layer_name : str
        A layer with 4-D output (see :func:`feature_map_layers`).

    Returns
    -------
    numpy.ndarray
        ``(height, width, channels)`` float32, equal to
        ``keras.Model(model.inputs, model.get_layer(layer_name).output)(image[None])[0]``.
        The sub-model is built once per layer and cached; it shares the model's
        layers, so it shows the current weights after more training.

    Examples
    --------
    >>> import keras
    >>> inputs = keras.Input((8, 8, 1))
    >>> model = keras.Model(inputs, keras.layers.Conv2D(4, 3, name="conv")(inputs))
    >>> feature_maps(model, np.zeros((8, 8)), "conv").shape
    (6, 6, 4)
    """
    check_model("model", model, built=True)
    names = feature_map_layers(model)
    if layer_name not in names:
        if layer_name in [layer.name for layer in model.layers]:
            shape = _output_shape(model.get_layer(layer_name))
            raise ValueError(f"layer_name={layer_name!r} outputs shape {shape}, not feature maps; "
                             f"choose one of {', '.join(repr(n) for n in names)}.")
        raise ValueError(f"layer_name must be one of {', '.join(repr(n) for n in names)}, "
                         f"received layer_name={layer_name!r}.")
    array = prepare_image(image, model)
    output = _extractor(model, layer_name)([array[None]], training=False)  # one entry per model input
    return np.asarray(output, dtype=np.float32)[0]


def feature_grid(maps, columns: int | None = None, pad: int = 1, pad_value: float = 1.0, *,
                 normalize: bool = True) -> np.ndarray:
    """Tile every channel of a ``(height, width, channels)`` activation into one 2-D image.

    With ``normalize``, each map is scaled to [0, 1] by its own minimum and
    maximum (a constant map becomes 0.5), so weak and strong channels are
    equally visible; without, the values are kept (to draw on one scale, see
    :func:`map_scale`). ``pad`` lines of ``pad_value`` separate the tiles, and
    empty tiles at the end are filled with it (NaN: transparent in
    :func:`cnnlab.plotting.encode_image`'s PNG).

    Parameters
    ----------
    maps : array_like
        ``(height, width, channels)``.
    columns : int, optional
        Tiles per row; by default ``ceil(sqrt(channels))``.
    pad : int
        Width of the lines between tiles, in pixels.
    pad_value : float
        Value of those lines (1.0 shows white lines in grey scale).
    normalize : bool
        Scale each map to [0, 1] by its own range.

    Returns
    -------
    numpy.ndarray
        ``(rows * height + (rows - 1) * pad, columns * width + (columns - 1) * pad)`` float32.

    Examples
    --------
    >>> maps = np.stack([np.eye(2), 2 * np.eye(2), np.ones((2, 2))], axis=-1)
    >>> feature_grid(maps, columns=3)
    array([[1. , 0. , 1. , 1. , 0. , 1. , 0.5, 0.5],
           [0. , 1. , 1. , 0. , 1. , 1. , 0.5, 0.5]], dtype=float32)
    """
    maps = np.asarray(maps, dtype=np.float32)
    if maps.ndim != 3 or maps.size == 0:
        raise ValueError(f"maps must have shape (height, width, channels), received shape {maps.shape}.")
    height, width, count = maps.shape
    columns = math.ceil(math.sqrt(count)) if columns is None else check_positive_int("columns", columns)
    columns = min(columns, count)
    pad = check_non_negative_int("pad", pad)
    rows = -(-count // columns)
    grid_shape = (rows * height + (rows - 1) * pad, columns * width + (columns - 1) * pad)
    check_memory(f"pad={pad} ({rows}×{columns} tiles of {height}×{width}: a {grid_shape[0]:,}×{grid_shape[1]:,} grid)",
                 4 * grid_shape[0] * grid_shape[1], fix="pad is in pixels between tiles: 1 or 2 suits a grid.")
    if check_bool("normalize", normalize):
        low = maps.min(axis=(0, 1))
        span = maps.max(axis=(0, 1)) - low
        with np.errstate(invalid="ignore", divide="ignore"):
            scaled = np.where(span > 0, (maps - low) / np.where(span > 0, span, 1), 0.5).astype(np.float32)
    else:
        scaled = maps
    grid = np.full(grid_shape, pad_value, np.float32)
    for index in range(count):
        row, col = divmod(index, columns)
        top, left = row * (height + pad), col * (width + pad)
        grid[top : top + height, left : left + width] = scaled[..., index]
    return grid


def map_scale(maps, *, shared: bool = True) -> tuple[np.ndarray, str, float, float]:
    """The values a layer's maps are drawn with, their colour map and limits, by the course's convention.

    Parameters
    ----------
    maps : array_like
        ``(height, width, channels)`` activations.
    shared : bool
        One scale for every map (:func:`cnnlab.plotting.value_scale` of them
        all: a strong map looks strong, a dead one black or white), or each
        map on its own scale, so that weak maps show their pattern too: a
        signed layer's maps each divided by their own largest magnitude
        (diverging, -1 to 1), other maps each from their own minimum (0) to
        their own maximum (1), in grey.

    Returns
    -------
    (numpy.ndarray, str, float, float)
        The values to draw, the colour map, the low and the high limit.

    Examples
    --------
    >>> maps = np.stack([np.array([[-2.0, 2.0]]), np.array([[-0.5, 0.5]])], axis=-1)
    >>> map_scale(maps)[1:]
    ('RdBu_r', -2.0, 2.0)
    >>> values, cmap, low, high = map_scale(maps, shared=False)
    >>> values[..., 1], (cmap, low, high)
    (array([[-1.,  1.]], dtype=float32), ('RdBu_r', -1.0, 1.0))
    """
    maps = np.asarray(maps, dtype=np.float32)
    if maps.ndim != 3 or maps.size == 0:
        raise ValueError(f"maps must have shape (height, width, channels), received shape {maps.shape}.")
    cmap, low, high = value_scale(maps)
    if check_bool("shared", shared):
        return maps, cmap, low, high
    if cmap == DIVERGING_CMAP:
        largest = np.abs(maps).max(axis=(0, 1))
        return (maps / np.where(largest > 0, largest, 1)).astype(np.float32), DIVERGING_CMAP, -1.0, 1.0
    low = maps.min(axis=(0, 1))
    span = maps.max(axis=(0, 1)) - low
    scaled = np.where(span > 0, (maps - low) / np.where(span > 0, span, 1), 0.5).astype(np.float32)
    return scaled, SEQUENTIAL_CMAP, 0.0, 1.0


# ----------------------------------------------------------------------------- filters


def show_filters(model, layer_name: str, columns: int = 8, *, max_filters: int = 64):
    """Draw the learned kernels of a convolutional layer.

    For layers on RGB input (3 input channels) each kernel is shown in colour
    (0.5 grey is a zero weight, said under the kernels); otherwise the weights on
    the first input channel are shown with a diverging colour map centred on 0
    (blue negative, red positive), with a colour bar. All kernels share one scale,
    so they can be compared. The layer's kernel is found here and drawn by
    :func:`cnnlab.plotting.show_filters`.

    Parameters
    ----------
    model : keras.Model
    layer_name : str
        A layer with a 4-D kernel ``(kh, kw, in_channels, filters)``, e.g. ``Conv2D``.
    columns : int
        Kernels per row.
    max_filters : int
        Draw at most this many (the first ones).

    Returns
    -------
    matplotlib.figure.Figure
        One axes per kernel drawn, no ticks, with a title.

    Examples
    --------
    >>> import keras
    >>> inputs = keras.Input((8, 8, 1))
    >>> model = keras.Model(inputs, keras.layers.Conv2D(4, 3, name="conv")(inputs))
    >>> fig = show_filters(model, "conv")
    >>> len(fig.axes), fig._suptitle.get_text(), fig.axes[-1].get_xlabel()
    (5, 'conv: 4 learned 3×3 kernels (input channel 0)', 'weight (one scale for all kernels)')
    """
    check_model("model", model, built=True)
    check_positive_int("columns", columns)
    check_positive_int("max_filters", max_filters)
    names = [layer.name for layer in model.layers]
    if layer_name not in names:
        raise ValueError(f"layer_name must be one of {', '.join(repr(n) for n in names)}, "
                         f"received layer_name={layer_name!r}.")
    weights = model.get_layer(layer_name).get_weights()
    if not weights or np.asarray(weights[0]).ndim != 4:
        conv = [layer.name for layer in model.layers
                if layer.get_weights() and np.asarray(layer.get_weights()[0]).ndim == 4]
        raise ValueError(f"layer_name={layer_name!r} has no 4-D convolution kernel; "
                         f"choose one of {', '.join(repr(n) for n in conv) or 'no layer (the model has none)'}.")
    return plotting.show_filters(weights[0], columns, max_filters=max_filters, name=layer_name)


# ----------------------------------------------------------------------------- widget


def _display_scale(width: int, target: int = 480) -> int:
    """The whole factor a picture ``width`` pixels wide is enlarged by (nearest neighbour), so its pixels show."""
    return max(1, min(8, target // max(width, 1)))





class FeatureMapViewer(WidgetBase):
    """Choose a layer of a CNN and an image; see every feature map of that layer (Figure 13-6, learned).

    Parameters
    ----------
    model : keras.Model
        A built model taking images.
    image : array_like or mapping of str to array_like
        One image, or ``{name: image}`` to choose from with a dropdown.
        ``(height, width)`` greyscale (for one-channel models) or
        ``(height, width, channels)``. ``uint8`` is scaled to [0, 1]; float images
        are used as given, so scale them the way the model was trained.
    layers : sequence of str, optional
        Offer only these layers (each must output 4-D feature maps); by default
        every such layer of the model.

    The maps are drawn by the course's convention (:func:`map_scale`): on one
    scale for the whole layer by default, or each on its own (the Scale
    buttons), with a colour bar under them that says which.

    Attributes
    ----------
    output_array : numpy.ndarray
        The chosen layer's activations for the chosen image, ``(h, w, channels)``.
    grid_array : numpy.ndarray
        The values on display, tiled: ``feature_grid(map_scale(output_array)[0],
        pad_value=nan, normalize=False)`` (NaN between the tiles).
    scale : (str, float, float)
        The colour map and limits of the picture.

    Examples
    --------
    >>> import keras
    >>> inputs = keras.Input((8, 8, 1))
    >>> x = keras.layers.Conv2D(3, 3, name="C1")(inputs)
    >>> model = keras.Model(inputs, keras.layers.MaxPooling2D(name="S2")(x))
    >>> viewer = FeatureMapViewer(model, np.zeros((8, 8), np.uint8))
    >>> viewer.readout.value
    'layer C1: 3 maps of 6×6'
    >>> viewer.layer_choice.value = "S2"
    >>> viewer.output_array.shape
    (3, 3, 3)
    """

    def __init__(self, model, image, layers=None) -> None:
        super().__init__()
        check_model("model", model, built=True)
        self.model = model
        available = feature_map_layers(model)
        if not available:
            raise ValueError("model has no layer with 4-D (feature map) output; give a convolutional model.")
        if layers is None:
            offered = available
        else:
            offered = [layers] if isinstance(layers, str) else list(layers)
            if not offered:
                raise ValueError("layers is empty; give layer names, or None for every feature-map layer.")
            for name in offered:
                if name not in available:
                    raise ValueError(f"layers must name layers with 4-D output, one of "
                                     f"{', '.join(repr(n) for n in available)}; received {name!r} in layers={offered!r}.")
        if isinstance(image, Mapping):
            if not image:
                raise ValueError("image is empty; give an array or a non-empty mapping of name to array.")
            self._images = {str(k): prepare_image(v, model, name=f"image[{k!r}]") for k, v in image.items()}
        else:
            self._images = {"image": prepare_image(image, model)}
        self.output_array = np.zeros((1, 1, 1), np.float32)
        self.grid_array = np.zeros((1, 1), np.float32)
        self.scale: tuple[str, float, float] = (SEQUENTIAL_CMAP, 0.0, 1.0)
        self._shown_image: str | None = None

        labels = label_style()
        self.layer_choice = w.Dropdown(options=offered, value=offered[0], description="Layer", style=labels,
                                       layout=fit("330px"))
        self.image_choice = w.Dropdown(options=list(self._images), description="Image", style=labels,
                                       layout=fit("330px", display=None if isinstance(image, Mapping) else "none"))
        self.scale_choice = w.ToggleButtons(options=list(SCALES), value=SCALES[0], description="Scale",
                                            style={**labels, "button_width": "150px"})
        self.input_view = w.Image(format="png", layout=picture_layout("160px"))
        self.output_view = w.Image(format="png", layout=picture_layout("480px"))
        self.bar_view, self.bar_labels = w.Image(format="png", layout=picture_layout("240px")), w.HTML()
        self.readout = w.HTML()
        self._observe(self.layer_choice, self.image_choice, self.scale_choice)

        wrap = {"flex_flow": "row wrap", "max_width": "100%", "align_items": "flex-start"}
        pictures = w.HBox([
            w.VBox([w.HTML("<b>Input</b>"), self.input_view]),
            w.VBox([w.HTML("<b>Feature maps</b>"), self.output_view, self.bar_view, self.bar_labels],
                   layout=w.Layout(max_width="100%")),
        ], layout=w.Layout(grid_gap="12px", **wrap))
        self.root = w.VBox([w.HBox([self.layer_choice, self.image_choice], layout=w.Layout(**wrap)),
                            self.scale_choice, self.readout, pictures, self.error_box],
                           layout=w.Layout(max_width="100%"))
        self.refresh()

    def set_image(self, name: str, image) -> bool:
        """Add (or replace) the image called ``name``, select it, and redraw; return ``refresh()``'s result.

        For example the digit a learner just drew:
        ``DigitCanvas(model, on_draw=lambda digit: viewer.set_image("your drawing", digit))``.
        """
        name = str(name)
        self._images[name] = prepare_image(image, self.model, name="image")
        self._shown_image = None  # its picture may have changed under the same name
        if name not in self.image_choice.options:
            self.image_choice.options = list(self._images)
        self.image_choice.layout.display = None
        if self.image_choice.value != name:
            self.image_choice.value = name  # the observer redraws
            return self.last_error is None
        return self.refresh()

    @property
    def image(self) -> np.ndarray:
        """The image fed to the model, float32 ``(height, width, channels)``."""
        return self._images[self.image_choice.value]

    def _input_picture(self) -> bytes | None:
        """The input's picture, or None if the one on display is already this image's."""
        name = self.image_choice.value
        if name == self._shown_image:
            return None
        picture = self._images[name]
        picture = picture if picture.shape[-1] == 3 else picture[..., 0]
        return encode_image(picture, "png", scale=_display_scale(picture.shape[1], 160))

    def _update(self) -> None:
        # Compute and encode everything first, then write: if anything fails, both pictures stay as they were.
        layer = self.layer_choice.value
        maps = feature_maps(self.model, self.image, layer)
        shared = self.scale_choice.value == SCALES[0]
        values, cmap, low, high = map_scale(maps, shared=shared)
        grid = feature_grid(values, pad_value=np.nan, normalize=False)
        zoom = _display_scale(grid.shape[1])
        picture = encode_image(grid, "png", vmin=low, vmax=high, cmap=cmap, scale=zoom)
        bar = self._colour_bar(cmap, low, high, shared, maps.shape[-1])
        photo = self._input_picture()
        h, wd, c = maps.shape
        self.output_view.value = picture
        self.output_view.layout.width = f"{grid.shape[1] * zoom}px"
        self.bar_view.value, self.bar_labels.value = bar
        self.output_array, self.grid_array, self.scale = maps, grid, (cmap, low, high)
        if photo is not None:
            self.input_view.value, self._shown_image = photo, self.image_choice.value
        self.readout.value = f"layer {html.escape(str(layer))}: {c} map{'s' if c != 1 else ''} of {h}×{wd}"

    @staticmethod
    def _colour_bar(cmap: str, low: float, high: float, shared: bool, count: int):
        """The legend of the grid: its limits on one scale, or what the ends mean for each map's own scale."""
        if shared:
            caption = f"one scale for all {count} maps of the layer" if count > 1 else "the map's values"
            return colour_bar(low, high, cmap, caption=caption)
        if cmap == DIVERGING_CMAP:
            return colour_bar(low, high, cmap, labels=("minus its largest", "0", "its largest"),
                              caption="each map on its own scale: ± its own largest value")
        return colour_bar(low, high, cmap, labels=("its minimum", "", "its maximum"),
                          caption="each map on its own scale, from its own minimum to its maximum")

    def __repr__(self) -> str:
        return f"<FeatureMapViewer widget: layer {self.layer_choice.value} of {getattr(self.model, 'name', 'model')}>"
