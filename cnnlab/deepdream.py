"""DeepDream (exercise 10): change an image so that chosen layers of a CNN respond more strongly.

Training changes the weights to fit the images; DeepDream does the opposite. The
weights stay fixed and the *pixels* move by gradient ascent on the mean activation of
some layers. Whatever those layers detect (edges and textures low in the network, eyes,
fur and arches higher up) is amplified until it shows.

Two refinements make the result look like the well-known pictures and keep memory bounded:

* **octaves**: the ascent runs on a small copy of the image first, then on larger and
  larger copies (each ``octave_scale`` times the previous), so patterns appear at
  several scales;
* **tiles**: each gradient is computed tile by tile (``tile_size`` pixels square), after
  rolling the image by a random shift so the tile seams move from step to step. The
  memory a step needs then depends on the tile size, not on the image size.

The network sees the image in its own input range (``[-1, 1]`` for Inception and
MobileNet); :func:`deepdream` takes and returns images in ``[0, 1]``.

Examples
--------
>>> import keras
>>> model = keras.Sequential([keras.Input((None, None, 3)), keras.layers.Conv2D(4, 3, name="conv")])
>>> dreamed, losses = deepdream(model, np.full((32, 32, 3), 0.5, "float32"), "conv", steps=3, octaves=1)
>>> dreamed.shape, len(losses)
((32, 32, 3), 3)
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Mapping

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from .evaluation import check_pixel_values  # noqa: E402
from ._validation import (  # noqa: E402
    check_channels_last,
    check_finite_array,
    check_model,
    check_positive_int,
    check_positive_number,
)

__all__ = ["dream_model", "dream_loss", "tiled_gradients", "deepdream", "smallest_input_side", "dream_base", "DREAM_BASES", "DREAM_LAYERS"]


#: What ``model`` should be, for the message when it is not a keras.Model.
_MODEL_EXAMPLE = "a convolutional network such as dream_base()"


def _layer_weights(model, layers) -> dict[str, float]:
    """Normalise ``layers`` (a name, a list of names, or ``{name: weight}``) and check they exist."""
    check_model("model", model, example=_MODEL_EXAMPLE)
    if isinstance(layers, str):
        layers = {layers: 1.0}
    elif not isinstance(layers, Mapping):
        if not isinstance(layers, (list, tuple)):
            raise ValueError(f"layers must be a layer name, a list of names or a dict {{name: weight}}, "
                             f"received layers={layers!r:.80}.")
        layers = {name: 1.0 for name in layers}
    if not layers:
        raise ValueError("layers is empty; give at least one layer name, e.g. layers='mixed3'.")
    names = [layer.name for layer in model.layers]
    for name, weight in layers.items():
        if name not in names:
            close = [n for n in names if n.startswith(str(name)[:3])][:8] or names[-8:]
            raise ValueError(f"layers has {name!r}, which is not a layer of {model.name!r}; "
                             f"some of its layers: {', '.join(close)}.")
        check_positive_number(f"layers[{name!r}]", weight)
    return {str(name): float(weight) for name, weight in layers.items()}


def dream_model(model, layers) -> tuple[keras.Model, dict[str, float]]:
    """A model from ``model``'s input to the outputs of ``layers``, and the weight of each.

    Parameters
    ----------
    model : keras.Model
        A functional or sequential convolutional network (e.g. ``InceptionV3(include_top=False)``).
    layers : str, sequence of str, or mapping of str to float
        The layers whose activations to amplify, with optional weights.

    Returns
    -------
    keras.Model, dict
        The multi-output model and ``{layer name: weight}``.

    Examples
    --------
    >>> base = keras.Sequential([keras.Input((None, None, 3)), keras.layers.Conv2D(2, 3, name="a"),
    ...                          keras.layers.Conv2D(2, 3, name="b")])
    >>> model, weights = dream_model(base, {"a": 1.0, "b": 0.5})
    >>> len(model.outputs), weights
    (2, {'a': 1.0, 'b': 0.5})
    """
    weights = _layer_weights(model, layers)
    outputs = [model.get_layer(name).output for name in weights]
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    return keras.Model(inputs, outputs, name=f"{model.name}_dream"), weights


def dream_loss(activations, weights) -> tf.Tensor:
    """The weighted sum, over the chosen layers, of each layer's mean activation.

    The mean (not the sum) keeps layers of different sizes comparable, and a tile's
    loss comparable with the whole image's.

    Examples
    --------
    >>> float(dream_loss([tf.ones((1, 4, 4, 2)), 3 * tf.ones((1, 2, 2, 8))], [1.0, 0.5]))
    2.5
    """
    if not isinstance(activations, (list, tuple)):
        activations = [activations]
    weights = list(weights)
    if not activations:
        raise ValueError("activations is empty; give the outputs of at least one layer.")
    if len(weights) != len(activations):
        raise ValueError(f"weights has {len(weights)} entries for {len(activations)} activations; "
                         "give one weight per layer output.")
    return tf.add_n([w * tf.reduce_mean(a) for a, w in zip(activations, weights)])


def tiled_gradients(model, weights, image: tf.Tensor, tile_size: int = 512, seed=None) -> tuple[tf.Tensor, float]:
    """The gradient of :func:`dream_loss` with respect to ``image`` (H, W, 3), computed tile by tile.

    The image is rolled by a random shift first (and the gradient rolled back), so the tile
    borders fall somewhere else at every step and leave no seams.

    Returns
    -------
    gradient : tf.Tensor
        Same shape as ``image``.
    loss : float
        The tiles' losses averaged by area: the whole image's loss for a network whose
        activations only see single pixels, close to it for others (tiles lose their borders).
    """
    check_model("model", model, example=_MODEL_EXAMPLE)
    tile_size = check_positive_int("tile_size", tile_size)
    if not isinstance(weights, Mapping) or not weights:
        raise ValueError(f"weights must be a non-empty dict {{layer name: weight}} (as dream_model returns), "
                         f"received weights={weights!r:.80}.")
    check_channels_last("image", tuple(image.shape))
    if len(image.shape) != 3 or image.shape[-1] != 3:
        raise ValueError(f"image must have shape (height, width, 3), received shape {tuple(image.shape)}.")
    rng = np.random.default_rng(seed)
    height, width = int(image.shape[0]), int(image.shape[1])
    shift = (int(rng.integers(-tile_size, tile_size)) % height, int(rng.integers(-tile_size, tile_size)) % width)
    rolled = tf.roll(image, shift=shift, axis=(0, 1))
    gradient = tf.zeros_like(rolled)
    total = 0.0
    # Tiles cover the image; a last row or column narrower than the tile is part of the previous tile.
    ys = list(range(0, max(height - tile_size, 0) + 1, tile_size)) or [0]
    xs = list(range(0, max(width - tile_size, 0) + 1, tile_size)) or [0]
    for y0, y1 in zip(ys, [*ys[1:], height]):
        for x0, x1 in zip(xs, [*xs[1:], width]):
            share = (y1 - y0) * (x1 - x0) / (height * width)  # tiles weigh by area: their sum is a mean
            with tf.GradientTape() as tape:
                tape.watch(rolled)
                tile = rolled[y0:y1, x0:x1][tf.newaxis]
                loss = share * dream_loss(model(tile, training=False), list(weights.values()))
            gradient += tape.gradient(loss, rolled)
            total += float(loss)
    return tf.roll(gradient, shift=(-shift[0], -shift[1]), axis=(0, 1)), total


def smallest_input_side(model, limit: int = 4096) -> int:
    """The smallest side of a square image that ``model`` accepts (every output at least 1×1).

    Found from the layers' shape arithmetic (``compute_output_shape``), without running the model.

    Examples
    --------
    >>> inputs = keras.Input((None, None, 3))
    >>> outputs = keras.layers.MaxPooling2D(2)(keras.layers.Conv2D(2, 5)(inputs))
    >>> smallest_input_side(keras.Model(inputs, outputs))  # 6 - 5 + 1 = 2, pooled to 1
    6
    """

    def accepts(side: int) -> bool:
        try:
            shapes = model.compute_output_shape((1, side, side, 3))
        except ValueError:
            return False
        shapes = shapes if isinstance(shapes[0], (tuple, list)) else [shapes]
        return all(dim is None or dim > 0 for shape in shapes for dim in shape[1:])

    check_model("model", model, example=_MODEL_EXAMPLE)
    limit = check_positive_int("limit", limit)
    if not accepts(limit):
        raise ValueError(f"model accepts no square image up to {limit}×{limit} pixels; "
                         "it must take images of any size, e.g. built with input_shape=(None, None, 3).")
    low, high = 1, limit  # accepts(high) holds; find the smallest side that does
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if accepts(middle) else (middle + 1, high)
    return high


# model -> {chosen layer names: smallest side}: a dream explorer asks again at every slider move.
_SMALLEST_SIDES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _smallest_side_for(model, names: tuple[str, ...], features) -> int:
    """:func:`smallest_input_side` of ``features`` (``model`` up to ``names``), remembered per model and layers."""
    known = _SMALLEST_SIDES.setdefault(model, {})
    if names not in known:
        known[names] = smallest_input_side(features)
    return known[names]


def deepdream(model, image, layers, steps: int = 20, step_size: float = 0.01, octaves: int = 3,
              octave_scale: float = 1.3, tile_size: int = 512, seed: int | None = 0):
    """Gradient ascent on the activations of ``layers``, over several octaves; see the module notes.

    Parameters
    ----------
    model : keras.Model
        A convolutional network that takes images in ``[-1, 1]`` of any size
        (``input_shape=(None, None, 3)``, ``include_top=False``).
    image : array of shape (H, W, 3)
        Pixels in ``[0, 1]`` (as :func:`cnnlab.datasets.load_image` gives them).
    layers : str, sequence of str, or mapping of str to float
        Layers to amplify; lower layers give textures, higher ones objects' parts.
    steps : int
        Gradient steps per octave.
    step_size : float
        Size of each step, in the network's input units (the gradient is normalised).
    octaves : int
        How many scales; the first is the image shrunk ``octave_scale ** (octaves - 1)`` times.
    octave_scale : float
        Ratio between successive scales (> 1).
    tile_size : int
        Side of the square tiles the gradient is computed on; bounds memory.
    seed : int or None
        Seeds the random roll of the tiles.

    Returns
    -------
    dreamed : numpy.ndarray
        The image, same shape, in ``[0, 1]``.
    losses : list of float
        The loss before each step, octave after octave (``steps * octaves`` values).

    Notes
    -----
    Memory: one step holds the activations of one tile (not of the whole image) for the
    backward pass, so a 12-megapixel photo dreams in the memory of a 512×512 one.
    Time grows with the number of pixels times ``steps``.
    """
    check_model("model", model, example=_MODEL_EXAMPLE)
    array = np.asarray(image)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"image must hold numbers, received an array of dtype {array.dtype}.")
    array = array.astype(np.float32)
    check_channels_last("image", array)
    if array.ndim != 3 or array.shape[-1] != 3:
        raise ValueError(f"image must have shape (height, width, 3) with values in [0, 1], received shape "
                         f"{array.shape}; drop an alpha channel with image[..., :3].")
    check_finite_array("image", array)
    if array.size and (array.min() < 0 or array.max() > 1):
        raise ValueError(f"image must hold values in [0, 1] (as cnnlab.datasets.load_image gives them), received "
                         f"values from {float(array.min()):g} to {float(array.max()):g}; divide 0-255 pixels by 255.")
    check_pixel_values("image", array, batch=False)  # a photo divided by 255 twice dreams from a black square
    steps = check_positive_int("steps", steps)
    octaves = check_positive_int("octaves", octaves)
    tile_size = check_positive_int("tile_size", tile_size)
    step_size = check_positive_number("step_size", step_size)
    octave_scale = check_positive_number("octave_scale", octave_scale)
    if octave_scale <= 1:
        raise ValueError(f"octave_scale must be greater than 1, received octave_scale={octave_scale}; "
                         "1.3 to 1.5 are usual.")
    features, weights = dream_model(model, layers)
    smallest = _smallest_side_for(model, tuple(weights), features)
    if min(array.shape[:2]) < smallest:
        raise ValueError(f"image of shape {array.shape} is too small for these layers: they need at least "
                         f"{smallest}×{smallest} pixels; enlarge the image or choose a lower layer.")
    rng = np.random.default_rng(seed)
    base = np.array(array.shape[:2], dtype=float)
    current = tf.constant(array * 2.0 - 1.0)  # [0, 1] -> the network's [-1, 1]
    losses: list[float] = []
    for octave in range(octaves):
        shrink = octave_scale ** (octaves - 1 - octave)
        # Small octaves are clamped to the smallest size the layers accept (75 px for Inception v3's).
        shrink = min(shrink, base.min() / smallest)
        size = np.maximum(np.round(base / shrink), smallest).astype(int)
        current = tf.image.resize(current, tuple(size), method="bilinear")
        for _ in range(steps):
            gradient, loss = tiled_gradients(features, weights, current, tile_size, seed=rng.integers(2**31))
            losses.append(loss)
            gradient /= tf.math.reduce_std(gradient) + 1e-8
            current = tf.clip_by_value(current + step_size * gradient, -1.0, 1.0)
    dreamed = (current.numpy() + 1.0) / 2.0
    return np.clip(dreamed, 0.0, 1.0).astype(np.float32), losses


# ----------------------------------------------------------------------------- pretrained bases

#: The convolutional bases :func:`dream_base` knows: name -> (title, key of
#: :data:`cnnlab.pretrained.FILES`, ``keras.applications`` builder, its options).
DREAM_BASES: dict[str, tuple[str, str, str, dict]] = {
    "inception_v3": ("Inception v3", "inception_v3_notop", "InceptionV3", {}),
    "mobilenet_025": ("MobileNet v1, alpha 0.25", "mobilenet_025_notop", "MobileNet", {"alpha": 0.25}),
}

#: Layers worth dreaming on, per base, from low (edges, textures) to high (parts of objects).
#: For Inception v3, ``mixed3`` and ``mixed5`` are the pair of TensorFlow's DeepDream tutorial.
DREAM_LAYERS: dict[str, tuple[str, ...]] = {
    "inception_v3": ("mixed1", "mixed3", "mixed5", "mixed7"),
    "mobilenet_025": ("conv_pw_3_relu", "conv_pw_5_relu", "conv_pw_7_relu", "conv_pw_9_relu", "conv_pw_11_relu"),
}


def dream_base(name: str = "auto") -> keras.Model:
    """A pretrained ImageNet convolutional base to dream with: any image size, ``[-1, 1]`` pixels in.

    Parameters
    ----------
    name : {"auto", "inception_v3", "mobilenet_025"}
        ``"inception_v3"``: Keras' Inception v3 without its top (the network of the
        original DeepDream pictures; 87 MB of weights, downloaded once if neither the
        offline mirror nor a cache has them). ``"mobilenet_025"``: MobileNet v1 with a
        quarter of the filters (2 MB, in the offline mirror; fast on a CPU, plainer
        dreams). ``"auto"``: Inception v3 if its weights are on this machine or can
        be downloaded, else MobileNet 0.25; prints one line: which, and why.

    Returns
    -------
    keras.Model
        The base (``include_top=False``, ``input_shape=(None, None, 3)``, frozen), named
        ``name`` (so ``DREAM_LAYERS[model.name]`` lists layers to try). Inception needs
        images of at least 75×75 pixels, MobileNet of at least 32×32.

    Raises
    ------
    ValueError
        If ``name`` is not one of the choices.
    cnnlab.pretrained.WeightsUnavailableError
        If the weights are not on this machine and cannot be downloaded.

    Examples
    --------
    >>> base = dream_base("mobilenet_025")   # with CNNLAB_DATA_DIR set
    >>> base.name, base.input_shape, DREAM_LAYERS[base.name][0]
    ('mobilenet_025', (None, None, None, 3), 'conv_pw_3_relu')
    >>> [tuple(base(np.zeros((1, s, s, 3), "float32")).shape) for s in (64, 96)]
    [(1, 2, 2, 256), (1, 3, 3, 256)]
    """
    from . import pretrained

    choices = ("auto", *DREAM_BASES)
    if not isinstance(name, str) or name not in choices:
        raise ValueError(f"name must be one of {', '.join(repr(c) for c in choices)}, received name={name!r}.")
    if name == "auto":
        name, path, origin = pretrained.choose_model("dream_base", tuple(DREAM_BASES), lambda c: DREAM_BASES[c][1],
                                                lambda c: f"{DREAM_BASES[c][0]}, headless")
        found = (path, origin)
    else:
        found = pretrained.locate(DREAM_BASES[name][1])
    title, _key, builder, options = DREAM_BASES[name]
    model = getattr(keras.applications, builder)(input_shape=(None, None, 3), include_top=False, weights=None,
                                                 name=name, **options)
    try:
        model.load_weights(str(found[0]))
    except (OSError, ValueError) as error:
        raise pretrained.ChecksumError(f"{found[0]} could not be read as {title} weights ({error}); "
                                       "delete it so that a good copy is used.") from None
    model.trainable = False
    return model
