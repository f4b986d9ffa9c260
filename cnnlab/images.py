"""Any photo a learner brings, as an RGB float32 array: :func:`load_image` and its readers.

Ground floor (numpy and Pillow, no TensorFlow). :func:`load_image` takes a path,
an ``https://`` URL (downloaded once into the cache, through
:func:`cnnlab._download.download`), the bytes of an image file, an open binary
file or an ``ipywidgets.FileUpload`` value; it decodes any mode Pillow reads
(greyscale, palette, transparency, CMYK, 16-bit, 32-bit, float) to RGB in
[0, 1], applies the EXIF orientation, and refuses what would exhaust the memory
(files and announced sizes beyond ``max_pixels``, decompression bombs).

The course's own photos (the sample images, :data:`cnnlab.datasets.COURSE_PHOTOS`)
are named, found and checked in :mod:`cnnlab.datasets`, which decodes them
with :func:`load_image` and re-exports it: ``datasets.load_image`` is the
name the notebooks use.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from . import config
from ._download import ChecksumError, DownloadError, download
from ._validation import check_file, check_memory, check_positive_int

# describe_source is public for cnnlab.datasets (read_idx quotes its argument so), not a learner's door.
__all__ = ["load_image"]


def load_image(source, max_size: int | None = 1024, *, max_pixels: int = 100_000_000,
               background=(1.0, 1.0, 1.0)) -> np.ndarray:
    """Load a photo as an RGB float32 array of shape ``(height, width, 3)`` in [0, 1].

    Parameters
    ----------
    source : str, path-like, bytes, file object or FileUpload value
        A file path, an ``https://`` URL (downloaded once into the cache), the
        bytes of an image file, an open binary file, or one entry of an
        ``ipywidgets.FileUpload`` value (a mapping with ``"content"``).
    max_size : int or None
        If the longer side exceeds this, the image is downscaled (keeping its
        aspect ratio) so that it equals it. None keeps the original size.
    max_pixels : int
        Refuse images with more pixels than this, before decoding them (a
        "decompression bomb" can announce billions of pixels in a few bytes),
        and files larger than such an image could be, before reading them.
        Pillow's own limit (``PIL.Image.MAX_IMAGE_PIXELS``) follows it.
    background : tuple of 3 floats
        Colour that transparent pixels are composited onto (white by default).

    Returns
    -------
    numpy.ndarray
        float32, 3 channels, values in [0, 1]. Greyscale, palette, RGBA,
        CMYK, 16-bit, 32-bit and float images are all converted (float or 32-bit
        values outside [0, 1] are rescaled from their own range, with a warning;
        NaN or infinite pixels are refused); EXIF orientation is applied,
        so a photo taken with a rotated phone comes out upright; an animated
        GIF gives its first frame.

    Raises
    ------
    ValueError
        If the data is not an image Pillow can read, is truncated, or is too
        large (the message names ``max_pixels`` and how to raise it).

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> buffer = io.BytesIO()
    >>> Image.new("L", (4, 2), color=255).save(buffer, format="PNG")
    >>> image = load_image(buffer.getvalue())
    >>> image.shape, image.dtype, float(image.max())
    ((2, 4, 3), dtype('float32'), 1.0)
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if max_size is not None:
        max_size = check_positive_int("max_size", max_size, hint="Use None to keep the original size.")
    max_pixels = check_positive_int("max_pixels", max_pixels)
    background = _check_background(background)
    data, described = _read_source(source, max_pixels)
    if not data:
        raise ValueError(f"source={described} is empty (0 bytes); give an image file.")
    try:
        with warnings.catch_warnings(), _pillow_pixel_limit(Image, max_pixels):
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            width, height = img.size
            if width * height > max_pixels:
                raise ValueError(
                    f"source={described} is {width}×{height} = {width * height:,} pixels, more than "
                    f"max_pixels={max_pixels:,} (decoding it would take about "
                    f"{width * height * 16 / 2**30:.1f} GiB); pass a smaller image or raise max_pixels."
                )
            # within max_pixels, but a raised max_pixels must not let a bomb exhaust the memory
            check_memory(f"source={described} of {width}×{height} pixels", width * height * _BYTES_PER_PIXEL,
                         fix="Pass a smaller image.")
            img.seek(0)  # first frame of an animation
            if max_size is not None and img.format == "JPEG":
                img.draft("RGB", (max_size, max_size))  # decode a reduced JPEG directly, much faster
            img = ImageOps.exif_transpose(img)
            img.load()
    except UnidentifiedImageError:
        raise ValueError(
            f"source={described} is not an image file that Pillow can read ({_looks_like(data[:64])}); "
            "give a PNG, JPEG, GIF, BMP, TIFF or WebP file."
        ) from None
    except Image.DecompressionBombError as error:
        raise ValueError(
            f"source={described} announces too many pixels to decode safely ({error}); "
            f"it may be a decompression bomb. The limit is max_pixels={max_pixels:,}: pass a smaller image, "
            "or raise max_pixels if you trust the file (load_image(..., max_pixels=...))."
        ) from None
    except (OSError, SyntaxError) as error:
        raise ValueError(f"source={described} could not be decoded ({error}); the file may be truncated.") from None
    array = _to_float_array(img, background, described)
    height, width = array.shape[:2]
    if max_size is not None and max(height, width) > max_size:
        scale = max_size / max(height, width)
        new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
        array = _resize_float(array, new_size)
    return np.ascontiguousarray(array, dtype=np.float32)


# --------------------------------------------------------------------------- reading the source


def describe_source(source) -> str:
    """How a message quotes an image source (or any data argument): bytes by their length, anything else by
    its ``repr`` cut to 80 characters (:func:`cnnlab.datasets.read_idx` quotes its ``data`` so too).

    Examples
    --------
    >>> describe_source(b"\\x89PNG"), describe_source("cat.jpg")
    ('<4 bytes>', "'cat.jpg'")
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"<{len(source)} bytes>"
    text = repr(source)
    return text if len(text) <= 80 else text[:77] + "..."


def _max_file_bytes(max_pixels: int) -> int:
    """The largest file an image of ``max_pixels`` pixels can need: 16-bit RGBA uncompressed, plus metadata."""
    return max_pixels * 8 + 64 * 2**20


def _too_large(described: str, size: int, max_pixels: int) -> ValueError:
    return ValueError(
        f"source={described} is {size:,} bytes, more than any image of max_pixels={max_pixels:,} pixels can "
        f"take ({_max_file_bytes(max_pixels):,} bytes); it was not read. Pass a smaller image or raise max_pixels."
    )


def _verify_image_file(path: Path) -> None:
    """Refuse a download that is not an image (an HTML error page, a captive portal's login page...)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path):
                pass
    except Image.DecompressionBombError:
        return  # an image all right: load_image refuses it with its own message
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        head = path.read_bytes()[:64]
        raise ChecksumError(f"the downloaded file is not an image ({_looks_like(head)}; {error})") from None


def _looks_like(head: bytes) -> str:
    text = head.lstrip()[:15].lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml")):
        return "it looks like a web page (HTML), for example an error or login page saved instead of the picture"
    return f"it starts with {head[:16]!r}"


def _read_source(source, max_pixels: int = 100_000_000) -> tuple[bytes, str]:
    """Return the raw bytes of an image source and a description for messages.

    Files (and file objects) larger than any image of ``max_pixels`` pixels
    could be are refused before they are read into memory.
    """
    limit = _max_file_bytes(max_pixels)
    if isinstance(source, Mapping) and "content" in source:  # an ipywidgets FileUpload value
        return bytes(source["content"]), repr(source.get("name", "<upload>"))
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), describe_source(source)
    if hasattr(source, "read"):
        data = source.read(limit + 1)
        if isinstance(data, str):
            raise TypeError(f"source={describe_source(source)} is a file opened in text mode; open it in binary "
                            "mode: open(path, 'rb').")
        if len(data) > limit:
            raise _too_large(describe_source(source), len(data), max_pixels)
        return bytes(data), describe_source(source)
    if isinstance(source, str) and source.startswith(("http://", "https://")):
        digest = hashlib.sha256(source.encode()).hexdigest()[:16]
        suffix = Path(source.split("?")[0]).suffix[:8]
        target = config.cache_dir() / "images" / f"{digest}{suffix}"
        if target.is_file():
            try:  # a web page cached as a photo (by an older version, or by hand) is fetched again
                _verify_image_file(target)
            except ChecksumError:
                target.unlink()
        if not target.is_file():
            try:
                download([source], target, description=Path(source).name or "image", verify=_verify_image_file,
                         max_bytes=limit)
            except DownloadError as error:
                raise DownloadError(
                    f"{error}\nOr save the photo from a browser and give its path: load_image('photo.jpg')."
                ) from None
        return target.read_bytes(), repr(source)
    if isinstance(source, (str, os.PathLike)):
        try:  # a folder, a name too long, a path through a file: one ValueError naming source
            path = check_file(Path(source).expanduser(), "source")
        except FileNotFoundError:
            raise FileNotFoundError(f"source={str(source)!r}: no such image file.") from None
        size = path.stat().st_size
        if size > limit:
            raise _too_large(repr(str(source)), size, max_pixels)
        return path.read_bytes(), repr(str(source))
    raise TypeError(
        f"source must be a path, a URL, bytes, a file object or a FileUpload value, "
        f"received source={describe_source(source)} (type {type(source).__name__})."
    )


# --------------------------------------------------------------------------- decoding to floats in [0, 1]


def _to_float_array(img, background, described: str = "source") -> np.ndarray:
    """Convert a loaded PIL image of any mode to float32 RGB in [0, 1]."""
    mode = img.mode
    if mode.startswith("I;16") or mode in ("I", "F"):
        values = np.asarray(img, dtype=np.float32)
        if mode != "F":
            values = values / 65535.0  # 16-bit samples (PNG stores greyscale 16-bit as I;16 or I)
        grey = _unit_range(values, described)
        return np.repeat(grey[..., None], 3, axis=-1)
    # Transparency is an alpha channel, or (palette, greyscale and RGB PNGs, GIFs) a transparent colour.
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode in ("P", "L", "RGB") and "transparency" in img.info)
    if has_alpha:
        rgba = np.asarray(img.convert("RGBA"), dtype=np.float32) / 255.0
        alpha = rgba[..., 3:4]
        return rgba[..., :3] * alpha + np.asarray(background, np.float32) * (1.0 - alpha)
    return np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0


def _unit_range(values: np.ndarray, described: str) -> np.ndarray:
    """Greyscale samples of a float or 32-bit image, checked and brought into [0, 1].

    NaN or infinite samples are refused (they would spread through every
    convolution). Samples outside [0, 1] (a float TIFF saved in 0-255, a depth
    map, a 32-bit scan) are rescaled from their own minimum and maximum, as
    matplotlib's ``imshow`` would show them, with a warning that says so;
    clipping them would silently turn the picture white.

    Examples
    --------
    >>> _unit_range(np.array([[0.0, 0.5, 1.0]], np.float32), "x").tolist()
    [[0.0, 0.5, 1.0]]
    >>> import warnings
    >>> with warnings.catch_warnings(record=True):
    ...     _unit_range(np.array([[0.0, 127.5, 255.0]], np.float32), "x").tolist()
    [[0.0, 0.5, 1.0]]
    """
    finite = np.isfinite(values)
    if not finite.all():
        raise ValueError(
            f"source={described} holds {int(values.size - finite.sum()):,} NaN or infinite pixel values "
            f"(a {values.shape[1]}×{values.shape[0]} float image); replace them before saving "
            "(e.g. numpy.nan_to_num), or give an 8-bit image."
        )
    low, high = float(values.min()), float(values.max())
    if low >= 0.0 and high <= 1.0:
        return values
    warnings.warn(
        f"source={described} has pixel values from {low:g} to {high:g}, outside [0, 1]; they were rescaled "
        "so that the smallest is black and the largest white (as matplotlib's imshow shows them).",
        UserWarning, stacklevel=4,
    )
    span = high - low
    return ((values - low) / span if span > 0 else np.zeros_like(values)).astype(np.float32)


def _resize_float(array: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize a float image channel by channel with Pillow's Lanczos filter."""
    from PIL import Image

    channels = [
        np.asarray(Image.fromarray(np.ascontiguousarray(array[..., c])).resize(size, Image.Resampling.LANCZOS))
        for c in range(array.shape[-1])
    ]
    return np.clip(np.stack(channels, axis=-1), 0.0, 1.0).astype(np.float32)


def _check_background(background) -> tuple[float, float, float]:
    message = (f"background must be three numbers in [0, 1] (an RGB colour such as (1.0, 1.0, 1.0), white), "
               f"received background={background!r}.")
    try:
        values = tuple(float(v) for v in background)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if len(values) != 3 or not all(0.0 <= v <= 1.0 for v in values):  # NaN fails the comparison too
        raise ValueError(message)
    return values


# --------------------------------------------------------------------------- Pillow's own pixel limit


_PILLOW_LIMIT_LOCK = threading.Lock()
#: What decoding one pixel takes at most: Pillow's RGBA copy, float32 RGBA and the float32 RGB result.
_BYTES_PER_PIXEL = 4 + 16 + 12


class _pillow_pixel_limit:  # noqa: N801 - used as a context manager
    """Let Pillow's own decompression-bomb limit follow ``max_pixels`` while one image is decoded.

    Pillow refuses images above twice ``PIL.Image.MAX_IMAGE_PIXELS`` (179 million
    pixels by default) whatever ``max_pixels`` says; when ``max_pixels`` is larger,
    the limit is raised for this decoding only, under a lock (it is a global).
    Below that (the default ``max_pixels``), nothing is changed and no lock taken.
    """

    def __init__(self, image_module, max_pixels: int):
        self.image, self.max_pixels, self.saved = image_module, max_pixels, None
        limit = image_module.MAX_IMAGE_PIXELS
        self.needed = limit is not None and max_pixels > 2 * limit

    def __enter__(self):
        if self.needed:
            _PILLOW_LIMIT_LOCK.acquire()
            self.saved = self.image.MAX_IMAGE_PIXELS
            self.image.MAX_IMAGE_PIXELS = self.max_pixels
        return self

    def __exit__(self, *exc_info):
        if self.needed:
            self.image.MAX_IMAGE_PIXELS = self.saved
            _PILLOW_LIMIT_LOCK.release()
        return False
