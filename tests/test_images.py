"""cnnlab.images: load_image in every odd mode, from every kind of source (bytes, paths, files, uploads, URLs).

Its other tests: tests/reliability/test_hostile_files.py (broken photos, non-images, decompression bombs,
transparency, EXIF), test_image_values.py (float and 32-bit values), test_download_faults.py (photos by URL),
test_filesystem.py (paths that are no file) and the bad-input table (tests/reliability/test_bad_input.py).
The course's own photos (the sample images, load_photos) are tested with cnnlab.datasets, tests/test_datasets.py.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from cnnlab.images import load_image


def encoded(image: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def check_rgb(array, shape):
    assert array.shape == (*shape, 3) and array.dtype == np.float32
    assert 0.0 <= array.min() and array.max() <= 1.0


def test_rgb_png_is_scaled_to_unit_range():
    pixels = np.array([[[0, 128, 255], [10, 20, 30]]], np.uint8)
    array = load_image(encoded(Image.fromarray(pixels)))
    check_rgb(array, (1, 2))
    np.testing.assert_allclose(array, pixels / 255.0, atol=1e-7)


@pytest.mark.parametrize("mode", ["L", "1"])
def test_greyscale_and_bilevel_become_three_equal_channels(mode):
    grey = Image.fromarray(np.array([[0, 255], [255, 0]], np.uint8)).convert(mode)
    array = load_image(encoded(grey))
    check_rgb(array, (2, 2))
    np.testing.assert_array_equal(array[..., 0], array[..., 2])
    np.testing.assert_allclose(array[..., 0], [[0, 1], [1, 0]])


def test_rgba_is_composited_onto_white_and_alpha_dropped():
    pixels = np.zeros((1, 3, 4), np.uint8)
    pixels[0, 0] = [255, 0, 0, 255]      # opaque red
    pixels[0, 1] = [255, 0, 0, 0]        # fully transparent: background shows
    pixels[0, 2] = [0, 0, 0, 128]        # half-transparent black over white: mid grey
    array = load_image(encoded(Image.fromarray(pixels, "RGBA")))
    check_rgb(array, (1, 3))
    np.testing.assert_allclose(array[0, 0], [1, 0, 0])
    np.testing.assert_allclose(array[0, 1], [1, 1, 1])
    np.testing.assert_allclose(array[0, 2], [1 - 128 / 255] * 3, atol=1e-6)
    black = load_image(encoded(Image.fromarray(pixels, "RGBA")), background=(0, 0, 0))
    np.testing.assert_allclose(black[0, 1], [0, 0, 0])


def test_greyscale_with_alpha():
    la = Image.fromarray(np.array([[[50, 0], [50, 255]]], np.uint8), "LA")
    array = load_image(encoded(la))
    np.testing.assert_allclose(array[0, 0], [1, 1, 1])
    np.testing.assert_allclose(array[0, 1], [50 / 255] * 3, atol=1e-6)


def test_palette_image_and_palette_transparency():
    palette = Image.new("P", (2, 1))
    palette.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    palette.putpixel((0, 0), 0)
    palette.putpixel((1, 0), 1)
    array = load_image(encoded(palette))
    np.testing.assert_allclose(array[0], [[1, 0, 0], [0, 0, 1]])
    transparent = load_image(encoded(palette, transparency=1))
    np.testing.assert_allclose(transparent[0], [[1, 0, 0], [1, 1, 1]])


def test_sixteen_bit_greyscale_keeps_its_precision():
    values = np.array([[0, 32768, 65535, 257]], np.uint16)
    image = Image.fromarray(values)  # mode I;16
    array = load_image(encoded(image))
    check_rgb(array, (1, 4))
    np.testing.assert_allclose(array[0, :, 0], values[0] / 65535.0, atol=1e-6)
    assert len(np.unique(array)) == 4  # 257/65535 is not rounded to 0 or 1/255


def test_thirty_two_bit_integer_and_float_images():
    ints = Image.fromarray(np.array([[0, 65535]], np.int32), "I")
    np.testing.assert_allclose(load_image(encoded(ints, "TIFF"))[0, :, 0], [0, 1])
    floats = Image.fromarray(np.array([[0.25, 0.75]], np.float32), "F")
    np.testing.assert_allclose(load_image(encoded(floats, "TIFF"))[0, :, 0], [0.25, 0.75])
    beyond = Image.fromarray(np.array([[0.25, 2.0]], np.float32), "F")  # rescaled (and said so), not clipped
    with pytest.warns(UserWarning, match="outside"):
        np.testing.assert_allclose(load_image(encoded(beyond, "TIFF"))[0, :, 0], [0.0, 1.0])


def test_cmyk_jpeg():
    cmyk = Image.new("CMYK", (8, 8), (0, 255, 255, 0))  # pure red in CMYK
    array = load_image(encoded(cmyk, "JPEG", quality=95))
    check_rgb(array, (8, 8))
    assert array[..., 0].mean() > 0.9 and array[..., 1].mean() < 0.1


def test_exif_rotation_is_applied():
    pixels = np.zeros((2, 4, 3), np.uint8)
    pixels[0, 0] = 255  # white top-left corner of a wide image
    image = Image.fromarray(pixels)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    array = load_image(encoded(image, "PNG", exif=exif))
    check_rgb(array, (4, 2))  # now tall
    assert array[0, 1].min() == 1.0 and array.sum() == 3.0  # the corner went to the top right


def test_animated_gif_gives_the_first_frame():
    frames = [Image.new("RGB", (4, 4), colour) for colour in [(255, 0, 0), (0, 0, 255)]]
    data = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:])
    array = load_image(data)
    np.testing.assert_allclose(array[0, 0], [1, 0, 0])


def test_oversize_image_is_downscaled_keeping_the_aspect_ratio():
    big = Image.fromarray(np.full((600, 1600, 3), 200, np.uint8))
    array = load_image(encoded(big, "JPEG"), max_size=400)
    check_rgb(array, (150, 400))
    np.testing.assert_allclose(array.mean(), 200 / 255, atol=0.01)
    png = load_image(encoded(Image.fromarray(np.full((300, 100), 65535, np.uint16))), max_size=30)
    check_rgb(png, (30, 10))
    assert load_image(encoded(big, "PNG"), max_size=None).shape == (600, 1600, 3)


def test_small_images_are_not_upscaled():
    assert load_image(encoded(Image.new("RGB", (5, 3))), max_size=400).shape == (3, 5, 3)


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header announces a huge size: a decompression bomb's calling card."""
    data = bytearray(encoded(Image.new("L", (1, 1))))
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17]))
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    return bytes(data)


def test_decompression_bomb_is_refused_before_decoding():
    with pytest.raises(ValueError, match=r"announces too many pixels .*10000000000 pixels.* decompression bomb"):
        load_image(png_claiming(100_000, 100_000))
    with pytest.raises(ValueError, match=r"12000×12000 = 144,000,000 pixels, more than max_pixels=100,000,000 "
                                         r"\(decoding it would take about 2.1 GiB\)"):
        load_image(png_claiming(12_000, 12_000))
    with pytest.raises(ValueError, match="max_pixels=50"):
        load_image(encoded(Image.new("RGB", (10, 10))), max_pixels=50)


@pytest.mark.parametrize("data, message", [
    (b"this is a text file, not a picture", "is not an image file that Pillow can read"),
    (b"", "is empty"),
])
def test_non_images_are_refused_clearly(data, message):
    with pytest.raises(ValueError, match=message):
        load_image(data)


def test_truncated_image_is_refused():
    data = encoded(Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8)))
    with pytest.raises(ValueError, match="could not be decoded .*truncated"):
        load_image(data[: len(data) // 2])


def test_paths_files_and_upload_values(tmp_path):
    data = encoded(Image.new("RGB", (3, 2), (0, 255, 0)))
    (tmp_path / "green.png").write_bytes(data)
    for source in [tmp_path / "green.png", str(tmp_path / "green.png"), io.BytesIO(data),
                   memoryview(data), {"name": "green.png", "content": memoryview(data)}]:
        np.testing.assert_allclose(load_image(source)[0, 0], [0, 1, 0])


def test_text_file_on_disk_is_refused(tmp_path):
    (tmp_path / "notes.jpg").write_text("hello")
    with pytest.raises(ValueError, match=r"notes.jpg' is not an image file"):
        load_image(tmp_path / "notes.jpg")


def test_missing_path_and_wrong_types():
    with pytest.raises(FileNotFoundError, match="no such image file"):
        load_image("/no/such/photo.jpg")
    with pytest.raises(TypeError, match=r"source must be a path, a URL, bytes.*type int"):
        load_image(42)


@pytest.mark.parametrize("bad", [0, -3, 2.5, "big"])
def test_max_size_must_be_positive(bad):
    with pytest.raises(ValueError, match=rf"max_size must be a positive integer, received max_size="):
        load_image(b"irrelevant", max_size=bad)


def test_image_url_is_downloaded_once_into_the_cache(empty_env, online, local_server):
    data = encoded(Image.new("RGB", (2, 2), (0, 0, 255)))
    with local_server({"/cat.png": (200, data, {})}) as (server, base):
        first = load_image(base + "/cat.png")
        second = load_image(base + "/cat.png")
    np.testing.assert_array_equal(first, second)
    assert server.hits == ["/cat.png"]


def test_real_photos_from_the_offline_folder(data_dir):
    parrot = load_image(data_dir / "images" / "parrot.jpg", max_size=512)
    assert max(parrot.shape[:2]) == 512 and parrot.shape[2] == 3
    hopper = load_image(data_dir / "images" / "grace_hopper.bmp")
    check_rgb(hopper, hopper.shape[:2])
