"""Hostile and broken files: images, archives and model files made in tmp_path to break the loaders.

What tests/test_images.py, tests/test_flowers.py and tests/test_pretrained.py
already check (synthetic odd images, the tgz members refused by safe_extract,
truncated *registered* weights caught by their checksum) is not repeated; this
module goes further:

* images: real photos of the offline mirror cut in half, HTML error pages and
  other non-images, given the three ways a learner can (bytes, a widget's
  FileUpload value, a path with a misleading suffix); decompression bombs in
  four formats refused before any pixel is decoded, with ``max_pixels`` named
  and raisable beyond Pillow's own limit; oversized files refused before they
  are read; and valid-but-odd images converted exactly (CMYK, 16-bit colour,
  colour-key and palette transparency, animations, every EXIF orientation of a
  real JPEG);
* archives: every unsafe member in every archive format (tar, tgz, tbz2, txz,
  zip), PAX and GNU long names, lying sizes, corrupted data, an interrupted
  extraction, an archive bomb stopped at its first header;
* model files: your own ``.keras`` / ``.h5`` / ``.tflite`` that are truncated,
  of another kind, or carry code, and labels files that do not fit. A
  truncated ``.tflite`` used to crash the Python process (segmentation fault
  inside TFLite), so the TFLite cases run in a child process: a regression
  fails the test instead of killing the run.

Every case also checks that nothing was written outside the target folder and
that nothing half-written stays behind (the folder listing before == after).
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import tarfile
import textwrap
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from cnnlab._download import UnsafeArchiveError, safe_extract
from cnnlab.images import load_image

pytestmark = pytest.mark.reliability("hostile-files")


def encoded(image: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def tree(folder: Path) -> list[str]:
    """Every path under ``folder`` (relative), hidden ones included: the evidence that nothing was written."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def photos(data_dir):
    """Real photos from the offline mirror, as the bytes of a JPEG and of a PNG."""
    jpeg = (data_dir / "images" / "parrot.jpg").read_bytes()
    png = encoded(Image.open(data_dir / "images" / "cat.bmp"))
    return {"jpeg": jpeg, "png": png}


@pytest.fixture
def watched(tmp_path, monkeypatch):
    """An empty cache in tmp_path; yields tmp_path, and afterwards checks that loading wrote nothing there
    (only the test's own photos/ folder, made by :func:`deliver`, may appear)."""
    monkeypatch.setenv("CNNLAB_CACHE_DIR", str(tmp_path / "cache"))
    before = tree(tmp_path)
    yield tmp_path
    after = [path for path in tree(tmp_path) if not path.startswith("photos")]
    assert after == before, "loading a photo wrote files"


# ----------------------------------------------------------------------------- broken images

HTML_PAGE = (b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>"
             b"<body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>\n")

TRUNCATED = r"could not be decoded \(.*truncated.*the file may be truncated"
NOT_AN_IMAGE = r"is not an image file that Pillow can read"
BROKEN = {
    # name: (bytes maker from the real photos, message regex)
    "jpeg-cut-in-half": (lambda p: p["jpeg"][: len(p["jpeg"]) // 2], TRUNCATED),
    "png-cut-in-half": (lambda p: p["png"][: len(p["png"]) // 2], TRUNCATED),
    "jpeg-header-only": (lambda p: p["jpeg"][:300], r"could not be decoded .*the file may be truncated"),
    "png-signature-only": (lambda p: p["png"][:8], NOT_AN_IMAGE),
    "zero-bytes": (lambda p: b"", r"is empty \(0 bytes\)"),
    "text": (lambda p: b"cat, dog, parrot\n" * 10, NOT_AN_IMAGE + r" \(it starts with b'cat, dog"),
    "html-error-page": (lambda p: HTML_PAGE, r"is not an image file .*looks like a web page \(HTML\), for example"),
    "random-bytes": (lambda p: np.random.default_rng(0).bytes(4096), NOT_AN_IMAGE),
    "gzipped-jpeg": (lambda p: __import__("gzip").compress(p["jpeg"]), NOT_AN_IMAGE),
}
DELIVERIES = ("bytes", "upload", "path")


def deliver(data: bytes, how: str, folder: Path, name: str = "holiday.jpg"):
    """The same bytes as a learner or a widget hands them to load_image."""
    if how == "bytes":
        return data
    if how == "upload":  # one entry of an ipywidgets 8 FileUpload value, as the widgets pass it
        return {"name": name, "type": "image/jpeg", "size": len(data), "content": memoryview(data),
                "last_modified": 0}
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("how", DELIVERIES)
@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_image_is_refused_clearly_however_it_is_given(photos, watched, case, how):
    make, message = BROKEN[case]
    source = deliver(make(photos), how, watched / "photos")
    before = tree(watched)
    with pytest.raises(ValueError, match=message) as raised:
        load_image(source)
    if how != "bytes":
        assert "holiday.jpg" in str(raised.value), "the message names the file"
    assert tree(watched) == before


def test_trailing_junk_after_a_complete_photo_is_harmless(photos, watched):
    """A complete JPEG followed by garbage (a half-overwritten file) still gives the photo."""
    clean = load_image(photos["jpeg"], max_size=None)
    dirty = load_image(photos["jpeg"] + b"\x00garbage" * 1000, max_size=None)
    np.testing.assert_array_equal(clean, dirty)


@pytest.mark.parametrize("case", ["jpeg-cut-in-half", "html-error-page", "zero-bytes"])
def test_the_widget_upload_path_shows_the_error_and_keeps_the_previous_photo(photos, case):
    """KernelExplorer's upload handler with the same hostile bytes: an error in the widget,
    never an exception in the notebook, and the photo list unchanged."""
    from cnnlab.widgets import KernelExplorer

    explorer = KernelExplorer(images={"grey": np.full((12, 16, 3), 0.5, np.float32)})
    before = (list(explorer.image_choice.options), explorer.image_choice.value)
    data = BROKEN[case][0](photos)
    explorer._on_upload({"new": (deliver(data, "upload", Path("."), name="evil.jpg"),)})
    assert isinstance(explorer.last_error, ValueError) and "evil.jpg" in str(explorer.last_error)
    assert (list(explorer.image_choice.options), explorer.image_choice.value) == before


# ----------------------------------------------------------------------------- decompression bombs


def _png_claiming(width, height):
    data = bytearray(encoded(Image.new("L", (1, 1))))
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", zlib.crc32(bytes(data[ihdr : ihdr + 17])))
    return bytes(data)


def _jpeg_claiming(width, height):
    data = bytearray(encoded(Image.new("RGB", (8, 8)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def _gif_claiming(width, height):
    data = bytearray(encoded(Image.new("P", (8, 8)), "GIF"))
    struct.pack_into("<HH", data, 6, width, height)  # the logical screen
    return bytes(data)


def _bmp_claiming(width, height):
    data = bytearray(encoded(Image.new("RGB", (8, 8)), "BMP"))
    struct.pack_into("<ii", data, 18, width, height)
    return bytes(data)


BOMBS = {"png": _png_claiming, "jpeg": _jpeg_claiming, "gif": _gif_claiming, "bmp": _bmp_claiming}


@pytest.fixture
def decoding_spy(monkeypatch):
    """Record every call of Pillow's pixel decoding (ImageFile.load)."""
    calls = []
    real = ImageFile.ImageFile.load

    def load(self):
        calls.append(self.size)
        return real(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return calls


@pytest.mark.parametrize("how", DELIVERIES)
@pytest.mark.parametrize("fmt", BOMBS)
def test_a_decompression_bomb_is_refused_before_decoding_and_says_how_to_raise_the_limit(watched, decoding_spy,
                                                                                          fmt, how):
    pillow_limit = Image.MAX_IMAGE_PIXELS
    data = BOMBS[fmt](30_000, 30_000)
    assert len(data) < 1000, "a few hundred bytes that announce 900 million pixels"
    with pytest.raises(ValueError) as raised:
        load_image(deliver(data, how, watched / "photos", name=f"bomb.{fmt}"))
    message = str(raised.value)
    assert "900000000 pixels" in message or "900,000,000 pixels" in message
    assert "max_pixels=100,000,000" in message and "raise max_pixels" in message, message
    assert decoding_spy == [], "not a single pixel may be decoded"
    assert Image.MAX_IMAGE_PIXELS == pillow_limit, "Pillow's global limit is left as it was"


def test_max_pixels_is_the_limit_even_above_pillows_own(monkeypatch, watched):
    """Pillow refuses images above twice PIL.Image.MAX_IMAGE_PIXELS whatever max_pixels says; load_image lifts
    that limit for one decoding when the caller raised max_pixels (here Pillow's limit is shrunk to show it)."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    photo = encoded(Image.fromarray(np.full((60, 50, 3), 99, np.uint8)))  # 3,000 pixels
    with pytest.raises(ValueError, match="max_pixels=2,000"):
        load_image(photo, max_pixels=2000)
    image = load_image(photo, max_pixels=10_000)
    assert image.shape == (60, 50, 3) and np.allclose(image, 99 / 255)
    assert Image.MAX_IMAGE_PIXELS == 1000


def test_raising_max_pixels_is_still_bounded_by_memory(watched, decoding_spy):
    """A bomb announcing 10^10 pixels with max_pixels raised to 10^12: refused by the memory estimate,
    before decoding (Pillow would otherwise allocate the pixels of the announced size)."""
    with pytest.raises(ValueError, match=r"100000×100000.*\(\d[\d,]* bytes\)"):
        load_image(_png_claiming(100_000, 100_000), max_pixels=10**12)
    assert decoding_spy == []


def test_a_file_larger_than_any_allowed_image_is_not_read(tmp_path, monkeypatch):
    sparse = tmp_path / "huge.png"
    with open(sparse, "wb") as f:  # 200 MB that take no disk space
        f.truncate(200_000_000)
    read = []
    real_read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self) or real_read_bytes(self))
    with pytest.raises(ValueError, match=r"huge.png' is 200,000,000 bytes, more than any image of max_pixels=1,000,000 "
                                         r"pixels can take .* it was not read"):
        load_image(sparse, max_pixels=1_000_000)
    assert read == []
    with open(sparse, "rb") as stream, pytest.raises(ValueError, match="more than any image of max_pixels=1,000"):
        load_image(stream, max_pixels=1000)


def test_a_file_opened_in_text_mode_is_refused_with_the_fix(tmp_path):
    (tmp_path / "a.png").write_bytes(encoded(Image.new("RGB", (2, 2))))
    with open(tmp_path / "a.png", encoding="latin-1") as stream:
        with pytest.raises(TypeError, match=r"opened in text mode; open it in binary mode: open\(path, 'rb'\)"):
            load_image(stream)


# ----------------------------------------------------------------------------- odd but valid images


@pytest.mark.parametrize("ink, rgb", [
    ((255, 0, 0, 0), (0, 1, 1)),      # pure cyan
    ((0, 255, 0, 0), (1, 0, 1)),      # magenta
    ((0, 0, 255, 0), (1, 1, 0)),      # yellow
    ((0, 0, 0, 255), (0, 0, 0)),      # black ink
    ((0, 0, 0, 0), (1, 1, 1)),        # no ink: white paper
    ((255, 255, 0, 0), (0, 0, 1)),    # cyan + magenta: blue
], ids=["cyan", "magenta", "yellow", "black", "white", "blue"])
def test_cmyk_jpeg_colours_are_converted_to_the_right_rgb(watched, ink, rgb):
    array = load_image(encoded(Image.new("CMYK", (16, 16), ink), "JPEG", quality=95))
    assert array.shape == (16, 16, 3)
    np.testing.assert_allclose(array.mean(axis=(0, 1)), rgb, atol=0.02)


def _png(samples: np.ndarray, colour_type: int, bit_depth: int = 16) -> bytes:
    """A PNG written by hand (Pillow cannot save 16-bit colour)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    height, width = samples.shape[:2]
    dtype = ">u2" if bit_depth == 16 else "u1"
    rows = b"".join(b"\x00" + samples[y].astype(dtype).tobytes() for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def test_sixteen_bit_colour_png(watched):
    rgb = np.array([[[65535, 0, 257], [0, 32768, 65535], [12345, 54321, 1000]]], np.uint16)
    array = load_image(_png(rgb, colour_type=2))
    assert array.shape == (1, 3, 3) and array.dtype == np.float32
    np.testing.assert_allclose(array, rgb / 65535.0, atol=1 / 255 + 1e-6)  # 8 bits kept per channel at least


def test_sixteen_bit_colour_png_with_alpha_is_composited(watched):
    rgba = np.array([[[65535, 0, 0, 65535], [0, 0, 65535, 0], [0, 0, 0, 32768]]], np.uint16)
    array = load_image(_png(rgba, colour_type=6))
    np.testing.assert_allclose(array[0], [[1, 0, 0], [1, 1, 1], [0.5, 0.5, 0.5]], atol=1 / 255 + 1e-6)


def test_sixteen_bit_greyscale_with_alpha(watched):
    la = np.array([[[30000, 65535], [30000, 0]]], np.uint16)
    array = load_image(_png(la, colour_type=4))
    np.testing.assert_allclose(array[0], [[30000 / 65535] * 3, [1, 1, 1]], atol=1 / 255 + 1e-6)


def test_a_real_greyscale_jpeg_gives_three_equal_channels(data_dir, watched):
    grey = Image.open(data_dir / "images" / "parrot.jpg").convert("L")
    data = encoded(grey, "JPEG", quality=90)
    array = load_image(data, max_size=None)
    assert array.shape == (grey.height, grey.width, 3)
    np.testing.assert_array_equal(array[..., 0], array[..., 1])
    np.testing.assert_array_equal(array[..., 0], array[..., 2])
    np.testing.assert_allclose(array[..., 0], np.asarray(Image.open(io.BytesIO(data)), np.float32) / 255, atol=1e-6)


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_colour_key_transparency_of_greyscale_and_rgb_pngs(watched, mode):
    """PNG's tRNS chunk marks one grey value or one RGB colour as transparent (no alpha channel)."""
    if mode == "L":
        image = Image.fromarray(np.array([[0, 200]], np.uint8))
        data = encoded(image, transparency=0)
    else:
        image = Image.fromarray(np.array([[[0, 0, 0], [10, 20, 30]]], np.uint8))
        data = encoded(image, transparency=(0, 0, 0))
    opaque = np.asarray(image.convert("RGB"), np.float32)[0, 1] / 255
    np.testing.assert_allclose(load_image(data)[0], [[1, 1, 1], opaque], atol=1e-6)
    np.testing.assert_allclose(load_image(data, background=(0, 0.5, 0))[0], [[0, 0.5, 0], opaque], atol=1e-6)


def test_palette_with_partial_transparency(watched):
    palette = Image.new("P", (3, 1))
    palette.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * 759)
    for x in range(3):
        palette.putpixel((x, 0), x)
    data = encoded(palette, transparency=bytes([255, 128, 0]))  # opaque red, half green, invisible blue
    half = 128 / 255
    np.testing.assert_allclose(load_image(data)[0], [[1, 0, 0], [1 - half, 1, 1 - half], [1, 1, 1]], atol=1e-6)
    gif = encoded(palette, "GIF", transparency=2)
    np.testing.assert_allclose(load_image(gif, background=(0, 0, 0))[0], [[1, 0, 0], [0, 1, 0], [0, 0, 0]])


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])
def test_animations_give_their_first_frame_as_documented(watched, fmt):
    assert "an animated\n        GIF gives its first frame" in load_image.__doc__
    frames = [Image.new("RGB", (6, 4), colour) for colour in [(0, 200, 0), (200, 0, 0), (0, 0, 200)]]
    options = {"lossless": True} if fmt == "WEBP" else {}
    data = encoded(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, **options)
    assert Image.open(io.BytesIO(data)).n_frames == 3
    array = load_image(data)
    assert array.shape == (4, 6, 3)
    np.testing.assert_allclose(array.mean(axis=(0, 1)), [0, 200 / 255, 0], atol=0.01)


def _orient(array: np.ndarray, orientation: int) -> np.ndarray:
    """What EXIF orientation ``orientation`` asks a viewer to do to the stored pixels (TIFF/EXIF 2.3 spec)."""
    return {
        1: lambda a: a,
        2: lambda a: a[:, ::-1],                             # mirrored left-right
        3: lambda a: a[::-1, ::-1],                          # upside down
        4: lambda a: a[::-1],                                # mirrored top-bottom
        5: lambda a: a.transpose(1, 0, 2),                   # mirrored, then 90° anticlockwise
        6: lambda a: np.rot90(a, k=-1),                      # 90° clockwise (a phone held upright)
        7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),       # mirrored, then 90° clockwise
        8: lambda a: np.rot90(a, k=1),                       # 90° anticlockwise
    }[orientation](array)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_of_a_real_jpeg(data_dir, watched, orientation):
    photo = Image.open(data_dir / "images" / "parrot.jpg").convert("RGB").resize((64, 48))
    upright = load_image(encoded(photo, "JPEG", quality=90), max_size=None)
    exif = Image.Exif()
    exif[0x0112] = orientation
    rotated = load_image(encoded(photo, "JPEG", quality=90, exif=exif), max_size=None)
    # the same encoder on the same pixels gives the same decoded pixels: only the tag differs
    np.testing.assert_array_equal(rotated, _orient(upright, orientation))


def test_a_corrupt_exif_block_does_not_stop_the_photo(photos, watched):
    data = photos["jpeg"]
    quantisation = data.index(b"\xff\xdb")
    junk = b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08" + b"\xff" * 40
    broken = data[:quantisation] + b"\xff\xe1" + struct.pack(">H", len(junk) + 2) + junk + data[quantisation:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Pillow: "Corrupt EXIF data"
        np.testing.assert_array_equal(load_image(broken), load_image(data))


# ----------------------------------------------------------------------------- hostile archives


def _tar_file(tar, name, data=b"data", **fields):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in fields.items():
        setattr(info, key, value)
    tar.addfile(info, io.BytesIO(data))


def _tar_link(tar, name, kind, target):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    tar.addfile(info)


def _zip_file(z, name, data=b"data", mode=None):
    info = zipfile.ZipInfo(name)
    if mode is not None:
        info.external_attr = mode << 16
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Duplicate name", UserWarning)  # the duplicate is the point
        z.writestr(info, data)


TAR_MODES = {"tar": "w", "tgz": "w:gz", "tbz2": "w:bz2", "txz": "w:xz"}


def _tar_builder(kind, suffix, escape):
    """The members of an evil tar archive, after one innocent file."""
    def build(tar):
        _tar_file(tar, "photos/a.jpg", b"innocent")
        if kind == "dot-dot":
            _tar_file(tar, "../evil.txt")
        elif kind == "dot-dot-nested":
            _tar_file(tar, "a/../../evil.txt")
        elif kind == "dot-dot-dot-slash":
            _tar_file(tar, "./photos/./../../evil.txt")
        elif kind == "absolute":
            _tar_file(tar, str(escape / "evil.txt"))
        elif kind == "symlink-escaping":
            _tar_link(tar, "photos/out", tarfile.SYMTYPE, str(escape))
            _tar_file(tar, "photos/out/evil.txt")
        elif kind == "hardlink-escaping":
            _tar_link(tar, "photos/hard", tarfile.LNKTYPE, str(escape / "victim.txt"))
        elif kind == "duplicate":
            _tar_file(tar, "photos/a.jpg", b"replacement")
        elif kind == "duplicate-spelled-differently":
            _tar_file(tar, "./photos//a.jpg", b"replacement")
        elif kind == "pax-path":  # the ustar name is harmless; the PAX header overrides it
            info = tarfile.TarInfo("photos/b.jpg")
            info.size = 4
            info.pax_headers = {"path": "../../evil.txt"}
            tar.addfile(info, io.BytesIO(b"data"))
        elif kind == "gnu-longname":
            _tar_file(tar, "photos/" + "x" * 120 + "/../../../evil.txt")
        elif kind == "bomb":
            _tar_file(tar, "photos/big.bin", bytes(3_000_000))
    return build


TAR_CASES = {
    "dot-dot": "'../evil.txt' contains a '..' component",
    "dot-dot-nested": "'a/../../evil.txt' contains a '..' component",
    "dot-dot-dot-slash": "contains a '..' component",
    "absolute": "is an absolute path",
    "symlink-escaping": "'photos/out' is a symbolic link to",
    "hardlink-escaping": "'photos/hard' is a hard link to",
    "duplicate": "'photos/a.jpg' appears twice",
    "duplicate-spelled-differently": "'./photos//a.jpg' appears twice",
    "pax-path": "'../../evil.txt' contains a '..' component",
    "gnu-longname": "contains a '..' component",
    "bomb": "more than max_bytes=1,000,000 bytes (reached at member 'photos/big.bin'); it may be an archive bomb",
}


@pytest.fixture
def arena(tmp_path):
    """tmp_path/arena/parent/<target>, with a victim file beside the target and one level above."""
    parent = tmp_path / "arena" / "parent"
    parent.mkdir(parents=True)
    (parent / "victim.txt").write_text("keep me")
    (tmp_path / "arena" / "victim.txt").write_text("keep me too")
    return tmp_path / "arena"


@pytest.mark.parametrize("fmt", TAR_MODES)
@pytest.mark.parametrize("kind", TAR_CASES)
def test_an_unsafe_tar_is_refused_whole_in_every_compression(arena, tmp_path, fmt, kind):
    archive = tmp_path / f"evil.{fmt}"
    tar_format = tarfile.GNU_FORMAT if kind == "gnu-longname" else tarfile.PAX_FORMAT
    with tarfile.open(archive, TAR_MODES[fmt], format=tar_format) as tar:
        _tar_builder(kind, fmt, arena)(tar)
    before = tree(tmp_path)
    with pytest.raises(UnsafeArchiveError) as raised:
        safe_extract(archive, arena / "parent" / "out", max_bytes=1_000_000)
    assert TAR_CASES[kind] in str(raised.value), str(raised.value)
    assert "archive evil." in str(raised.value), "the message names the archive"
    assert tree(tmp_path) == before, "something was written, or a partial target or .part folder was left"
    assert (arena / "victim.txt").read_text() == "keep me too"


ZIP_CASES = {
    "dot-dot": (lambda z, out: _zip_file(z, "../evil.txt"), "'../evil.txt' contains a '..' component"),
    "dot-dot-nested": (lambda z, out: _zip_file(z, "a/../../evil.txt"), "'a/../../evil.txt' contains a '..'"),
    "absolute": (lambda z, out: _zip_file(z, str(out / "evil.txt")), "is an absolute path"),
    "windows-drive": (lambda z, out: _zip_file(z, "C:/evil.txt"), "'C:/evil.txt' is an absolute path"),
    "backslash": (lambda z, out: _zip_file(z, "photos\\..\\..\\evil.txt"), "contains a backslash"),
    "symlink": (lambda z, out: _zip_file(z, "photos/out", str(out).encode(), mode=0o120777),
                "'photos/out' is a symbolic link"),
    "fifo": (lambda z, out: _zip_file(z, "photos/pipe", b"", mode=0o010644), "'photos/pipe' is a special file"),
    "duplicate": (lambda z, out: _zip_file(z, "photos/a.jpg", b"replacement"), "'photos/a.jpg' appears twice"),
    "file-then-folder": (lambda z, out: _zip_file(z, "photos/a.jpg/inner.txt"),
                         "lies inside 'photos/a.jpg', which the archive also holds as a file"),
    "bomb": (lambda z, out: z.writestr("photos/zeros.bin", bytes(3_000_000), zipfile.ZIP_DEFLATED),
             "more than max_bytes=1,000,000 bytes (reached at member 'photos/zeros.bin')"),
}


@pytest.mark.parametrize("kind", ZIP_CASES)
def test_an_unsafe_zip_is_refused_whole(arena, tmp_path, kind):
    build, expected = ZIP_CASES[kind]
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        _zip_file(z, "photos/a.jpg", b"innocent")
        build(z, arena)
    with zipfile.ZipFile(archive) as z:  # the hostile name really is in the archive as written
        assert len(z.infolist()) == 2
    before = tree(tmp_path)
    with pytest.raises(UnsafeArchiveError) as raised:
        safe_extract(archive, arena / "parent" / "out", max_bytes=1_000_000)
    assert expected in str(raised.value), str(raised.value)
    assert tree(tmp_path) == before


def _zip_with_lying_size(path, declared=10):
    """A zip whose member announces ``declared`` bytes but inflates to 3 MB (sizes patched after writing)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("photos/a.jpg", b"innocent")
        z.writestr("photos/zeros.bin", bytes(3_000_000))
    raw = bytearray(path.read_bytes())
    local = raw.index(b"PK\x03\x04", 1)  # the second member's local header
    struct.pack_into("<I", raw, local + 22, declared)
    central = raw.index(b"PK\x01\x02", raw.index(b"PK\x01\x02") + 1)
    struct.pack_into("<I", raw, central + 24, declared)
    path.write_bytes(raw)
    return path


def test_a_zip_member_that_lies_about_its_size_never_writes_more_and_leaves_nothing(arena, tmp_path):
    archive = _zip_with_lying_size(tmp_path / "liar.zip")
    before = tree(tmp_path)
    with pytest.raises(ValueError, match=r"could not be read at member 'photos/zeros.bin' \(BadZipFile: Bad CRC-32"
                                         r".*truncated or corrupted. Nothing was extracted"):
        safe_extract(archive, arena / "parent" / "out", max_bytes=1_000_000)
    assert tree(tmp_path) == before


def test_a_zip_with_corrupted_data_is_a_clear_error_and_leaves_nothing(arena, tmp_path):
    archive = tmp_path / "corrupt.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("photos/a.jpg", np.random.default_rng(1).bytes(20_000))
        z.writestr("photos/b.jpg", b"fine")
    raw = bytearray(archive.read_bytes())
    raw[200] ^= 0xFF  # inside the first member's compressed bytes
    archive.write_bytes(raw)
    before = tree(tmp_path)
    with pytest.raises(ValueError, match=r"corrupt.zip' could not be read at member 'photos/a.jpg'.*corrupted"):
        safe_extract(archive, arena / "parent" / "out")
    assert tree(tmp_path) == before


@pytest.mark.parametrize("fmt", ["tar", "tgz", "zip"])
def test_a_truncated_archive_is_a_clear_error_and_leaves_nothing(arena, tmp_path, fmt):
    archive = tmp_path / f"cut.{fmt}"
    payloads = {f"photos/{i}.jpg": np.random.default_rng(i).bytes(30_000) for i in range(3)}
    if fmt == "zip":
        with zipfile.ZipFile(archive, "w") as z:
            for name, data in payloads.items():
                z.writestr(name, data)
    else:
        with tarfile.open(archive, TAR_MODES[fmt]) as tar:
            for name, data in payloads.items():
                _tar_file(tar, name, data)
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size * 2 // 3])
    before = tree(tmp_path)
    with pytest.raises(ValueError, match="truncated or corrupted"):
        safe_extract(archive, arena / "parent" / "out")
    assert tree(tmp_path) == before


def test_a_tar_bomb_is_refused_at_its_first_header_without_reading_on(arena, tmp_path):
    """A header announcing 10^12 bytes and nothing behind it: refused as a bomb at once (iterating the headers),
    not after reading to the end of the stream (which would only find it truncated)."""
    info = tarfile.TarInfo("photos/huge.bin")
    info.size = 10**12
    archive = tmp_path / "bomb.tar"
    archive.write_bytes(info.tobuf(tarfile.GNU_FORMAT))
    with pytest.raises(UnsafeArchiveError, match=r"reached at member 'photos/huge.bin'\); it may be an archive bomb"):
        safe_extract(archive, arena / "parent" / "out", max_bytes=10**9)
    assert not (arena / "parent" / "out").exists()


def test_ctrl_c_during_extraction_leaves_no_partial_target_and_keeps_the_old_one(arena, tmp_path, monkeypatch):
    from cnnlab import _download

    old = arena / "parent" / "out"
    old.mkdir()
    (old / "previous.jpg").write_bytes(b"previous content")
    archive = tmp_path / "new.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        for i in range(5):
            _tar_file(tar, f"photos/{i}.jpg", bytes(1000))
    real = _download._copy_member
    copied = []

    def interrupted(source, dest):
        if len(copied) == 2:
            raise KeyboardInterrupt
        copied.append(dest)
        real(source, dest)

    monkeypatch.setattr(_download, "_copy_member", interrupted)
    before = tree(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        safe_extract(archive, old, overwrite=True)
    assert len(copied) == 2, "the interruption came half-way"
    assert tree(tmp_path) == before and (old / "previous.jpg").read_bytes() == b"previous content"


def test_an_unsafe_archive_with_overwrite_keeps_the_existing_target(arena, tmp_path):
    target = arena / "parent" / "out"
    target.mkdir()
    (target / "good.jpg").write_bytes(b"good")
    archive = tmp_path / "evil.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        _tar_file(tar, "photos/a.jpg")
        _tar_file(tar, "../evil.txt")
    before = tree(tmp_path)
    with pytest.raises(UnsafeArchiveError):
        safe_extract(archive, target, overwrite=True)
    assert tree(tmp_path) == before


# ----------------------------------------------------------------------------- model files (Keras)


def _tiny_model(outputs=1000, code=None):
    import keras

    layers = [keras.Input((8, 8, 3))]
    if code is not None:
        layers.append(keras.layers.Lambda(code))
    layers += [keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(outputs, activation="softmax")]
    return keras.Sequential(layers)


def _save(model, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras' own deprecation chatter while saving
        model.save(path)
    return path


@pytest.fixture(scope="module")
def model_files(tmp_path_factory, data_dir):
    """Good and hostile model files, made once."""
    folder = tmp_path_factory.mktemp("models")
    good_keras = _save(_tiny_model(), folder / "good.keras").read_bytes()
    good_h5 = _save(_tiny_model(), folder / "good.h5").read_bytes()
    jpeg = (data_dir / "images" / "parrot.jpg").read_bytes()
    files = {
        "keras-zip-of-junk": ("model.keras", None),
        "keras-truncated": ("model.keras", good_keras[: len(good_keras) // 2]),
        "keras-is-a-jpeg": ("model.keras", jpeg),
        "keras-is-hdf5": ("model.keras", good_h5),
        "keras-is-empty": ("model.keras", b""),
        "keras-is-html": ("model.keras", HTML_PAGE),
        "h5-is-text": ("model.h5", b"this is not a model\n"),
        "h5-is-html": ("model.h5", HTML_PAGE),
        "h5-truncated": ("model.h5", good_h5[: len(good_h5) // 2]),
        "h5-is-a-keras-zip": ("model.h5", good_keras),
        "h5-weights-only": ("model.h5", (data_dir / "pretrained" / "mobilenet_2_5_224_tf_no_top.h5").read_bytes()),
    }
    paths = {}
    for case, (name, content) in files.items():
        path = folder / case / name
        path.parent.mkdir()
        if content is None:
            with zipfile.ZipFile(path, "w") as z:
                z.writestr("notes.txt", "junk")
                z.writestr("weights.bin", os.urandom(100))
        else:
            path.write_bytes(content)
        paths[case] = path
    return paths


KERAS_CASES = {
    "keras-zip-of-junk": r"is a zip archive but not a Keras model: it has no config.json \(it holds notes.txt",
    "keras-truncated": r"is a damaged .keras model: its zip archive cannot be read .* probably truncated",
    "keras-is-a-jpeg": r"is not a .keras model: the file is a JPEG image",
    "keras-is-hdf5": r"is not a .keras model: the file is an HDF5 file .*\(rename it to .h5\)",
    "keras-is-empty": r"is not a .keras model: the file is empty \(0 bytes\)",
    "keras-is-html": r"is not a .keras model: the file is an HTML or XML page \(perhaps a web error page",
    "h5-is-text": r"is not an HDF5 model: the file is a text file",
    "h5-is-html": r"is not an HDF5 model: the file is an HTML or XML page",
    "h5-truncated": r"could not be loaded as a Keras model \(OSError: .*truncated file",
    "h5-is-a-keras-zip": r"is not an HDF5 model: the file is a zip archive .*\(rename it to .keras\)",
    "h5-weights-only": r"could not be loaded as a Keras model \(ValueError: No model config found",
}


@pytest.mark.tensorflow
@pytest.mark.parametrize("case", KERAS_CASES)
def test_a_broken_keras_file_raises_a_valueerror_naming_it_and_the_problem(model_files, case):
    from cnnlab import pretrained

    path = model_files[case]
    before = tree(path.parent.parent)
    with pytest.raises(ValueError, match=KERAS_CASES[case]) as raised:
        pretrained.load_classifier(path)
    assert str(path) in str(raised.value) or repr(str(path)) in str(raised.value), "the message names the file"
    assert tree(path.parent.parent) == before


@pytest.mark.tensorflow
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_a_model_file_carrying_code_is_refused_and_the_code_never_runs(tmp_path, suffix):
    """A Lambda layer is Python code inside the model file: loading must not run it (Keras' safe mode),
    even after keras.config.enable_unsafe_deserialization() was called somewhere in the session."""
    import keras
    from keras.src.backend.common import global_state

    from cnnlab import pretrained

    marker = tmp_path / "the-code-ran"
    path = _save(_tiny_model(code=lambda x, m=str(marker): (open(m, "w").close(), x)[1]), tmp_path / f"evil{suffix}")
    assert marker.exists(), "the planted code works: building the model ran it"
    marker.unlink()
    with pytest.raises(ValueError, match=r"evil\.(keras|h5).*could not be loaded as a Keras model .*Lambda"):
        pretrained.load_classifier(path)
    assert not marker.exists()
    previous = global_state.get_global_attribute("safe_mode_saving")
    keras.config.enable_unsafe_deserialization()
    try:
        with pytest.raises(ValueError, match="Lambda"):
            pretrained.load_classifier(path)
    finally:
        global_state.set_global_attribute("safe_mode_saving", previous)
    assert not marker.exists(), "the model file ran its code while being loaded"


@pytest.mark.tensorflow
@pytest.mark.parametrize("lines, message", [
    (1002, r"labels has 1002 names \(from '.*labels.txt'\) but fake.keras has 1001 outputs"),
    (999, r"labels has 999 names \(from '.*labels.txt'\) but fake.keras has 1001 outputs"),
    (0, r"labels has 0 names \(from '.*labels.txt'\)"),
    ("blank", r"labels='.*labels.txt' has empty lines \(5\): every line must name one class"),
    ("jpeg", r"labels='.*labels.txt' is not a UTF-8 text file \(it is a JPEG image\)"),
], ids=["1002-lines", "999-lines", "empty", "blank-line", "a-jpeg"])
def test_a_labels_file_that_does_not_fit_names_the_file(tmp_path, data_dir, lines, message):
    from cnnlab import pretrained

    model = _save(_tiny_model(outputs=1001), tmp_path / "fake.keras")
    labels = tmp_path / "labels.txt"
    if lines == "blank":
        labels.write_text("\n".join(["background", "a", "b", "c", "", *[f"class {i}" for i in range(996)]]) + "\n")
    elif lines == "jpeg":
        labels.write_bytes((data_dir / "images" / "parrot.jpg").read_bytes())
    else:
        labels.write_text("".join(f"class {i}\n" for i in range(lines)))
    with pytest.raises(ValueError, match=message):
        pretrained.load_classifier(model, labels=labels)


# ----------------------------------------------------------------------------- model files (TFLite, in a child)

TFLITE_CHILD = textwrap.dedent("""
    import json, sys
    from cnnlab import pretrained
    results = {}
    for case, path in json.loads(sys.argv[1]).items():
        try:
            classifier = pretrained.load_classifier(path)
            results[case] = ["loaded", classifier.name]
        except Exception as error:
            results[case] = [type(error).__name__, str(error)]
        print("done", case, flush=True, file=sys.stderr)
    print(json.dumps(results))
""")


@pytest.fixture(scope="module")
def tflite_results(tmp_path_factory, data_dir):
    """Load every hostile .tflite in one child process; a crash there shows which file killed it."""
    good = (data_dir / "pretrained" / "mobilenet_v1_0.25_128_quant.tflite").read_bytes()
    folder = tmp_path_factory.mktemp("tflite")
    contents = {
        "good-copy": good,
        "cut-in-half": good[: len(good) // 2],
        "cut-at-three-quarters": good[: len(good) * 3 // 4],
        "cut-in-the-appended-labels": good[:-1000],  # Coral appends a zip of labels after the network
        "first-100-bytes": good[:100],
        "is-a-jpeg": (data_dir / "images" / "parrot.jpg").read_bytes(),
        "is-a-keras-zip": _zip_bytes(),
        "is-empty": b"",
        "is-html": HTML_PAGE,
    }
    paths = {}
    for case, content in contents.items():
        path = folder / case / "model.tflite"
        path.parent.mkdir()
        path.write_bytes(content)
        paths[case] = str(path)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    child = subprocess.run([sys.executable, "-c", TFLITE_CHILD, json.dumps(paths)], capture_output=True, text=True,
                           timeout=300, env=env, cwd=str(Path(__file__).resolve().parents[2]))
    finished = [line.split()[1] for line in child.stderr.splitlines() if line.startswith("done ")]
    assert child.returncode == 0, (
        f"loading hostile .tflite files killed the process (exit code {child.returncode}) after {finished}; "
        f"the next file crashed it. stderr tail: {child.stderr[-800:]}"
    )
    return json.loads(child.stdout.strip().splitlines()[-1]), paths


def _zip_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("config.json", "{}")
    return buffer.getvalue()


TFLITE_CASES = {
    "cut-in-half": r"is a damaged TFLite model .*points past the end of the file.*probably truncated",
    "cut-at-three-quarters": r"is a damaged TFLite model",
    "first-100-bytes": r"is a damaged TFLite model \(100 bytes\)",
    "is-a-jpeg": r"is not a TFLite model: the file is a JPEG image",
    "is-a-keras-zip": r"is not a TFLite model: the file is a zip archive",
    "is-empty": r"is not a TFLite model: the file is empty \(0 bytes\)",
    "is-html": r"is not a TFLite model: the file is an HTML or XML page",
}


@pytest.mark.tensorflow
@pytest.mark.parametrize("case", TFLITE_CASES)
def test_a_broken_tflite_file_raises_a_valueerror_instead_of_crashing(tflite_results, case):
    import re

    results, paths = tflite_results
    kind, message = results[case]
    assert kind == "ValueError", (kind, message)
    assert paths[case] in message, "the message names the file"
    assert re.search(TFLITE_CASES[case], message), message
    assert results["good-copy"] == ["loaded", "model.tflite"], "the control: an intact copy loads"


@pytest.mark.tensorflow
def test_a_tflite_cut_only_in_its_appended_labels_still_loads(tflite_results):
    """Coral's models carry a zip of their labels after the network (TFLite metadata); losing part of it
    leaves the network intact, so the file loads: the check refuses damaged networks, not damaged extras."""
    results, _ = tflite_results
    assert results["cut-in-the-appended-labels"] == ["loaded", "model.tflite"]


@pytest.mark.tensorflow
def test_the_registered_tflite_models_pass_the_structure_check(data_dir):
    from cnnlab import pretrained

    for name in ("mobilenet_v2_1.0_224_quant.tflite", "mobilenet_v1_0.25_128_quant.tflite"):
        pretrained._check_tflite_file(data_dir / "pretrained" / name)
