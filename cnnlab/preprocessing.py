"""The preprocessing a pretrained ImageNet network expects, written out in numpy, one step per function.

Ground floor (numpy and Pillow): it is part of the lesson, so each step is a small function a learner
can call and look at: :func:`as_pixels` (any image to float32 pixels in [0, 255]), :func:`gray_to_rgb`,
:func:`drop_alpha`, :func:`center_crop_resize`, then the network's own scaling, :func:`scale_inception`
([-1, 1], Inception, Xception, MobileNet) or :func:`scale_caffe` (BGR minus the ImageNet mean, ResNet-50).
:func:`preprocess` chains them for a batch. Each network expects exactly the preprocessing it was
trained with; feed it anything else and it still answers, just worse. The classifiers that use them are
in :mod:`cnnlab.pretrained`.

The two scalings are Keras' ``keras.applications.imagenet_utils.preprocess_input`` modes ``"tf"`` and
``"caffe"`` written out (its ``"torch"`` mode, for PyTorch-trained weights, no course network uses).
They stay numpy here rather than calling Keras because this module must not import TensorFlow, and
Keras keeps the ImageNet mean as numbers inside that function, not as a constant to import; so
tests/test_pretrained.py checks on real photos that both give exactly what ``preprocess_input`` gives.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._validation import check_channels_last, check_memory, check_positive_int
from .evaluation import check_pixel_values

__all__ = ["as_pixels", "gray_to_rgb", "drop_alpha", "center_crop_resize", "scale_inception", "scale_caffe", "preprocess",
           "IMAGENET_BGR_MEAN"]


#: The ImageNet mean pixel in B, G, R order, as Keras' "caffe" mode subtracts it (Keras types these numbers
#: inside ``imagenet_utils.preprocess_input``; tests/test_pretrained.py checks that the two agree).
IMAGENET_BGR_MEAN = np.array([103.939, 116.779, 123.68], dtype=np.float32)


def as_pixels(image, name: str = "image") -> np.ndarray:
    """Return ``image`` as float32 pixel values in [0, 255].

    Two conventions are accepted, and told apart by the dtype: integers
    (``uint8``) are pixel values 0-255; floats are in [0, 1], as
    :func:`cnnlab.datasets.load_image` returns them.

    Parameters
    ----------
    image : array-like
        Any shape; only the values are converted.
    name : str
        The argument's name, for error messages.

    Raises
    ------
    ValueError
        If float values leave [0, 1] (pixel values 0-255 stored as floats are
        ambiguous: divide by 255 or convert to ``uint8``), or integers leave
        [0, 255]; or if every value lies within 1/255 of black without being
        black (floats divided by 255 twice, or a [0, 1] image cast to uint8),
        which the network would see as a black square.

    Examples
    --------
    >>> as_pixels(np.array([0.0, 0.5, 1.0]))
    array([  0. , 127.5, 255. ], dtype=float32)
    >>> as_pixels(np.array([0, 255], dtype=np.uint8))
    array([  0., 255.], dtype=float32)
    """
    array = np.asarray(image)
    if array.dtype == bool or not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise ValueError(
            f"{name} must hold numbers (uint8 0-255 or floats in [0, 1]), received dtype {array.dtype}."
        )
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}); give an image with at least one pixel.")
    low, high = array.min(), array.max()
    if np.issubdtype(array.dtype, np.integer):
        if low < 0 or high > 255:
            raise ValueError(
                f"{name} holds integers from {low} to {high}; integer images must be pixel values 0-255."
            )
        check_pixel_values(name, array, (0, 255), batch=False,
                           fix="A [0, 1] image cast to uint8 holds only 0s and 1s: pass the floats instead.")
        return array.astype(np.float32)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values; give finite pixel values.")
    if low < 0.0 or high > 1.0:
        raise ValueError(
            f"{name} holds floats from {float(low):g} to {float(high):g}, but float images must be in [0, 1] "
            "(as cnnlab.datasets.load_image returns them); divide 0-255 values by 255, or pass uint8."
        )
    check_pixel_values(name, array, batch=False)  # divided by 255 twice: the network would see a black square
    return (array.astype(np.float32) * np.float32(255.0)).astype(np.float32)


def gray_to_rgb(image: np.ndarray) -> np.ndarray:
    """Repeat a greyscale image, ``(H, W)`` or ``(H, W, 1)``, into 3 equal channels.

    Other images (3 or 4 channels) are returned unchanged.

    Examples
    --------
    >>> gray_to_rgb(np.zeros((2, 5))).shape
    (2, 5, 3)
    >>> gray_to_rgb(np.zeros((2, 5, 3))).shape
    (2, 5, 3)
    """
    image = _check_image_shape(image, "image")
    if image.ndim == 2:
        image = image[..., None]
    if image.shape[-1] == 1:
        return np.repeat(image, 3, axis=-1)
    return image


def _check_image_shape(image, name: str, channels=(1, 3, 4)) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[-1] not in channels):
        shapes = ", ".join(f"(H, W, {c})" for c in channels)
        raise ValueError(f"{name} must be one image of shape (H, W) or {shapes}, received shape {image.shape}.")
    return image


def drop_alpha(image: np.ndarray) -> np.ndarray:
    """Drop the 4th (alpha, transparency) channel of an RGBA image.

    The networks were trained on 3-channel photos. (To composite onto a
    background colour instead, load the file with
    :func:`cnnlab.datasets.load_image`.)

    Examples
    --------
    >>> rgba = np.zeros((2, 2, 4)); rgba[..., 3] = 1.0
    >>> drop_alpha(rgba).shape, float(drop_alpha(rgba).max())
    ((2, 2, 3), 0.0)
    """
    image = _check_image_shape(image, "image")
    return image[..., :3] if image.ndim == 3 and image.shape[-1] == 4 else image


def _resize_square(image: np.ndarray, size: int) -> np.ndarray:
    """Resize an ``(h, w, c)`` float image to ``(size, size, c)``, bilinear (antialiased when shrinking)."""
    from PIL import Image

    channels = [
        np.asarray(Image.fromarray(np.ascontiguousarray(image[..., c], dtype=np.float32), mode="F")
                   .resize((size, size), Image.Resampling.BILINEAR))
        for c in range(image.shape[-1])
    ]
    return np.stack(channels, axis=-1).astype(np.float32)


def center_crop_resize(image, size: int) -> np.ndarray:
    """Cut the largest centred square out of ``image`` and resize it to ``size × size``.

    This is "resize the shorter side to ``size`` keeping the aspect ratio,
    then cut the centre square", done in the other order so that only one
    resampling happens. The square starts at row ``(H - s) // 2`` and column
    ``(W - s) // 2``, where ``s = min(H, W)``. Resizing is bilinear (Pillow,
    antialiased when shrinking) and is skipped when the square already has
    the right size. The networks never see the sides of a wide photo: put
    the subject in the middle.

    Parameters
    ----------
    image : numpy.ndarray
        ``(H, W, C)`` float pixel values.
    size : int
        The network's input size: 299 for Inception v3 and Xception, 224 for
        ResNet-50 and MobileNet.

    Returns
    -------
    numpy.ndarray
        float32, shape ``(size, size, C)``.

    Examples
    --------
    >>> image = np.arange(8, dtype=np.float32).reshape(2, 4, 1)
    >>> center_crop_resize(image, 2)[..., 0]
    array([[1., 2.],
           [5., 6.]], dtype=float32)
    >>> center_crop_resize(np.ones((300, 400, 3)), 299).shape
    (299, 299, 3)
    """
    size = check_positive_int("size", size)
    image = np.asarray(image)
    if image.ndim != 3:
        raise ValueError(f"image must be one image of shape (H, W, C), received shape {image.shape}.")
    check_memory(f"size={size}", 2 * size * size * image.shape[-1] * 4, fix="Pass the network's input size, e.g. 224.")
    image = np.asarray(image, dtype=np.float32)
    height, width = image.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = image[top : top + side, left : left + side]
    if side == size:
        return np.array(square, dtype=np.float32)
    return _resize_square(square, size)


def scale_inception(pixels) -> np.ndarray:
    """Scale pixel values from [0, 255] to [-1, 1]: ``x / 127.5 - 1``.

    Keras calls this the ``"tf"`` mode of
    ``keras.applications.imagenet_utils.preprocess_input`` (equal to it, a test
    checks on real photos); Inception v3, Xception and MobileNet (v1 and v2)
    were trained on it.

    Examples
    --------
    >>> scale_inception(np.array([0.0, 127.5, 255.0]))
    array([-1.,  0.,  1.], dtype=float32)
    """
    return (_numeric_pixels(pixels) / np.float32(127.5) - np.float32(1.0)).astype(np.float32)


def _numeric_pixels(pixels) -> np.ndarray:
    array = np.asarray(pixels)
    if array.dtype == bool or not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise ValueError(f"pixels must hold numbers (pixel values 0-255), received dtype {array.dtype}.")
    return array.astype(np.float32)


def scale_caffe(pixels) -> np.ndarray:
    """Turn RGB pixel values [0, 255] into BGR minus the ImageNet mean pixel (Keras' ``"caffe"`` mode).

    ResNet-50 was trained (in Caffe) on blue-green-red images with the mean
    pixel (103.939, 116.779, 123.68) subtracted, and no scaling. Equal to
    ``keras.applications.imagenet_utils.preprocess_input(pixels, mode="caffe")``
    (a test checks it on real photos), without importing TensorFlow.

    Examples
    --------
    >>> scale_caffe(np.array([[255.0, 0.0, 0.0]]))
    array([[-103.939, -116.779,  131.32 ]], dtype=float32)
    """
    pixels = _numeric_pixels(pixels)
    if pixels.ndim == 0 or pixels.shape[-1] != 3:
        raise ValueError(f"pixels must have 3 channels (R, G, B) on the last axis, received shape {pixels.shape}.")
    bgr = pixels[..., ::-1]
    return (bgr - IMAGENET_BGR_MEAN).astype(np.float32)


def _scale_unit(pixels) -> np.ndarray:
    return (np.asarray(pixels, dtype=np.float32) / np.float32(255.0)).astype(np.float32)


def _scale_none(pixels) -> np.ndarray:
    return np.asarray(pixels, dtype=np.float32)


def _to_uint8(pixels) -> np.ndarray:
    return np.clip(np.rint(pixels), 0, 255).astype(np.uint8)


_SCALERS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "inception": scale_inception,
    "caffe": scale_caffe,
    "unit": _scale_unit,
    "none": _scale_none,
    "uint8": _to_uint8,
}


def as_image_list(images) -> list:
    """Split ``images`` (one image, a batch, or a list of images) into a list of single images."""
    if isinstance(images, (list, tuple)):
        if not images:
            raise ValueError("images is an empty list; give at least one image.")
        if all(np.isscalar(v) for v in images):  # a single image written as nested lists would not be flat
            raise ValueError(
                f"images must be an image array or a list of them, received a flat list of {len(images)} numbers."
            )
        for i, image in enumerate(images):
            check_channels_last(f"images[{i}]", np.shape(image))
        return list(images)
    array = np.asarray(images)
    if array.ndim == 2:
        return [array]
    if array.ndim == 3:
        check_channels_last("images", array)
        return [array] if array.shape[-1] in (1, 3, 4) else list(array)
    if array.ndim == 4:
        check_channels_last("images", array, batch=True)
        if array.shape[0] == 0:
            raise ValueError("images is an empty batch (shape starts with 0); give at least one image.")
        return list(array)
    raise ValueError(
        f"images must be one image (H, W), (H, W, 3) or (H, W, 4), a batch (N, H, W, C), or a list of images; "
        f"received an array of shape {array.shape}."
    )


def preprocess(images, size: int, mode: str = "inception") -> np.ndarray:
    """Run the whole preprocessing pipeline and return one batch.

    For each image: :func:`as_pixels` (to [0, 255]) → :func:`gray_to_rgb` →
    :func:`drop_alpha` → :func:`center_crop_resize` → the scaling of ``mode``.

    Parameters
    ----------
    images : array or list of arrays
        One image (``(H, W)``, ``(H, W, 1)``, ``(H, W, 3)`` or ``(H, W, 4)``),
        a batch ``(N, H, W, C)``, or a list of images of different sizes.
        uint8 pixels 0-255, or floats in [0, 1]. A 3-D array is one image
        when its last axis has 1, 3 or 4 entries, and a batch of greyscale
        images otherwise, except that an array that looks channels-first
        (``(3, H, W)``, ``(N, 3, H, W)``; also 1 or 4 channels) is refused: pass
        ``np.moveaxis(images, 0, -1)``, or ``images[..., None]`` for greyscale
        images (:func:`cnnlab._validation.check_channels_last`).
    size : int
        Side of the square the network expects.
    mode : {"inception", "caffe", "unit", "none", "uint8"}
        ``"inception"``: [-1, 1] (:func:`scale_inception`); ``"caffe"``:
        :func:`scale_caffe`; ``"unit"``: [0, 1]; ``"none"``: pixels 0-255 as
        floats; ``"uint8"``: pixels 0-255 as ``uint8`` (quantized TFLite models).

    Returns
    -------
    numpy.ndarray
        ``(N, size, size, 3)``, float32 (``uint8`` for ``mode="uint8"``).

    Examples
    --------
    >>> grey = np.full((3, 5), 0.5, dtype=np.float32)
    >>> batch = preprocess(grey, 4)
    >>> batch.shape, batch.dtype, float(batch.min()), float(batch.max())
    ((1, 4, 4, 3), dtype('float32'), 0.0, 0.0)
    >>> preprocess([np.zeros((10, 20, 3)), np.ones((30, 20, 4))], 8, mode="uint8")[:, 0, 0, 0]
    array([  0, 255], dtype=uint8)
    """
    size = check_positive_int("size", size)
    if mode not in _SCALERS:
        choices = ", ".join(repr(m) for m in _SCALERS)
        raise ValueError(f"mode must be one of {choices}, received mode={mode!r}.")
    scale = _SCALERS[mode]
    out = []
    listed = as_image_list(images)
    check_memory(f"size={size} for {len(listed)} image(s)", 3 * len(listed) * size * size * 3 * 4,
                 fix="Pass the network's input size, e.g. 224.")
    for i, image in enumerate(listed):
        label = "images" if not isinstance(images, (list, tuple)) and np.ndim(images) <= 3 else f"images[{i}]"
        array = np.asarray(image)
        if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (1, 3, 4)):
            raise ValueError(
                f"{label} must be an image of shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), "
                f"received shape {array.shape}."
            )
        pixels = drop_alpha(gray_to_rgb(as_pixels(array, label)))
        out.append(scale(center_crop_resize(pixels, size)))
    return np.stack(out)
