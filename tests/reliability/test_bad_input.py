"""Issue #9, bad input everywhere: one row per (function, bad argument) case.

Every public callable of every ``cnnlab`` module (and every widget) is called
with wrong types, wrong ranks, empty arrays, NaN/inf, zero or negative sizes,
mismatched channels, sizes that would exhaust memory, and unknown names. Each
must raise ``TypeError`` or ``ValueError`` whose message names the argument and
what it received (its value, shape or type): the ``match`` regex of each row
checks both. Huge sizes must be refused *before* anything is allocated, with
the estimated number of bytes in the message (``cnnlab._validation.check_memory``).

A row is ``Case(id, kind, call, raises, match)``; ``id`` starts with the
function it exercises (``module.function/what``), which
:func:`test_every_public_callable_has_a_row` uses to check that nothing public
is left out. Rows whose function needs TensorFlow live in ``TF_CASES`` and
import it (lazily) only when they run; they build tiny models.

A row may be marked ``Case(..., xfail="why")`` while the code it tests is being
fixed: the mark is strict, so once the code is fixed the row fails until the
mark comes off. No row carries one today.

Widgets: constructor arguments are rows like any other; ``CONTROL_CASES``
set a control to an impossible value programmatically and check that the
widget shows the error in its ``error_box`` instead of raising.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import io
import math
import pkgutil
import re
import struct
import zlib
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

import cnnlab
from cnnlab import _download, _validation, charts, checks, config, course, datasets, digits, evaluation, exercises
from cnnlab import images, kernels
from cnnlab import widgets
from cnnlab import preprocessing
from cnnlab import _quiet, _serve, _store, memory, ops, plotting

pytestmark = pytest.mark.reliability("bad-input")

#: ``non-positive-size`` also covers sizes outside their range (``top`` above the number of classes, a seed
#: above 2**32 - 1); ``mismatched-channels`` any two arguments that must agree (channels, lengths, counts).
KINDS = ("wrong-type", "wrong-rank", "empty", "nan-inf", "non-positive-size", "mismatched-channels", "huge",
         "unknown-name")

#: Rows per kind below which the table may not shrink (raise these when rows are added, never lower them).
MIN_ROWS = {
    "wrong-type": 108,
    "wrong-rank": 48,
    "empty": 44,
    "nan-inf": 48,
    "non-positive-size": 124,
    "mismatched-channels": 28,
    "huge": 42,
    "unknown-name": 55,
}

#: Huge rows refused by a fixed bound stated in the message, not by a memory estimate.
HUGE_WITHOUT_ESTIMATE = {"widgets.ConvGeometryExplorer/huge"}

#: A message that states an estimate of the memory needed, as check_memory writes it.
BYTES = r"\d[\d,]* bytes"



@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    call: Callable[[], object]
    raises: type | tuple
    match: str
    xfail: str | None = None

    @property
    def target(self) -> str:
        """The public callable the row exercises, e.g. ``ops.conv2d``."""
        return self.id.split("/")[0]


def q(text: str) -> str:
    """``text`` as a literal inside a regex."""
    return re.escape(text)


# ----------------------------------------------------------------------------- inputs

IMAGE = np.zeros((8, 8, 3), np.float32)
BATCH = np.zeros((2, 8, 8, 3), np.float32)
FILTERS = np.zeros((3, 3, 3, 2), np.float32)
GREY = np.zeros((8, 8), np.float32)
NAN_IMAGE = np.full((8, 8, 3), np.nan, np.float32)


def huge_view(shape, value=0.0, dtype=np.float32) -> np.ndarray:
    """A read-only array of any shape that takes no memory (every element is the same one)."""
    return np.broadcast_to(np.asarray(value, dtype=dtype), shape)


def png_header(width: int, height: int) -> bytes:
    """The first bytes of a PNG that announces ``width × height`` pixels (no pixel data follows)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    end = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk)) + end


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG")
    return buffer.getvalue()


def text_file() -> Path:
    """A text file (not an archive), in one folder that every run reuses."""
    import tempfile

    folder = Path(tempfile.gettempdir()) / "cnnlab-bad-input"
    folder.mkdir(exist_ok=True)
    path = folder / "notes.txt"
    path.write_text("not an archive")
    return path


def _network():
    return memory.stack((8, 8, 3), [memory.conv2d_layer(2, 3)])


def _numeric(**kwargs):
    return widgets.NumericAnswer("How many?", 12, **kwargs)


# ----------------------------------------------------------------------------- TensorFlow helpers (lazy)


def tfmod(name: str):
    """``cnnlab.<name>``, imported when a row runs (TensorFlow with it)."""
    return importlib.import_module(f"cnnlab.{name}")


@functools.lru_cache(maxsize=None)
def tiny_cnn():
    """8×8×3 images in, 3 class probabilities out; a 'conv' layer with feature maps."""
    import keras

    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(2, 3, name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = keras.layers.Dense(3, activation="softmax", name="out")(x)
    return keras.Model(inputs, outputs, name="tiny")


@functools.lru_cache(maxsize=None)
def tiny_base():
    """Any image size in, feature maps out (for DeepDream)."""
    import keras

    return keras.Sequential([keras.Input((None, None, 3)), keras.layers.Conv2D(2, 3, name="a"),
                             keras.layers.Conv2D(2, 3, name="b")], name="tinybase")


@functools.lru_cache(maxsize=None)
def tiny_pooled_base():
    """Images in, one feature vector out (a transfer-learning base)."""
    import keras

    return keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(2, 3, name="a"),
                             keras.layers.GlobalAveragePooling2D(name="p")], name="pooledbase")


@functools.lru_cache(maxsize=None)
def tiny_transfer():
    return tfmod("transfer").transfer_model(tiny_pooled_base(), 3)


def tiny_dataset():
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices((np.zeros((4, 8, 8, 3), np.float32), np.zeros(4, np.int64))).batch(2)


def unbuilt_model():
    """A Sequential model without an Input: no inputs until it is built."""
    import keras

    return keras.Sequential([keras.layers.Dense(2)], name="unbuilt")


@functools.lru_cache(maxsize=None)
def two_input_model():
    import keras

    a, b = keras.Input((4,)), keras.Input((4,))
    return keras.Model([a, b], keras.layers.Add()([a, b]), name="two")


def keras_input(shape):
    import keras

    return keras.Input(shape)


class FakeClassifier:
    """Enough of cnnlab.pretrained.Classifier for the widgets (no network)."""

    name, input_size, source = "fake", 8, "nowhere"
    class_names = ("cat", "dog")

    def classify(self, images, top=5):
        return [[("cat", 0.9), ("dog", 0.1)][:top]]


# ----------------------------------------------------------------------------- the table: ground floor

CASES: list[Case] = [
    # ------------------------------------------------------------------ _validation
    Case("_validation.check_rate/one", "non-positive-size",
         lambda: _validation.check_rate("dropout", 1.0), ValueError, r"dropout must be a number in \[0, 1\), received dropout=1\.0"),
    Case("_validation.check_rate/str", "wrong-type",
         lambda: _validation.check_rate("dropout", "0.5"), ValueError, r"received dropout='0\.5'"),
    Case("_validation.check_positive_int/zero", "non-positive-size",
         lambda: _validation.check_positive_int("size", 0), ValueError, r"size must be .*received size=0"),
    Case("_validation.check_non_negative_int/str", "wrong-type",
         lambda: _validation.check_non_negative_int("index", "1"), ValueError, r"index must .*received index='1'"),
    Case("_validation.check_one_of/unknown", "unknown-name",
         lambda: _validation.check_one_of("mode", "median", ("max", "average")), ValueError,
         r"mode must be one of 'max', 'average', received mode='median'"),
    Case("_validation.check_positive_number/inf", "nan-inf",
         lambda: _validation.check_positive_number("sigma", math.inf), ValueError, r"sigma must .*received sigma=inf"),
    Case("_validation.check_positive_number/nan", "nan-inf",
         lambda: _validation.check_positive_number("sigma", math.nan), ValueError, r"sigma must .*received sigma=nan"),
    Case("_validation.check_positive_odd_int/even", "non-positive-size",
         lambda: _validation.check_positive_odd_int("size", 4), ValueError, r"size must be .*odd.*received size=4"),
    Case("_validation.check_finite_number/nan", "nan-inf",
         lambda: _validation.check_finite_number("angle", math.nan), ValueError, r"angle must .*received angle=nan"),
    Case("_validation.check_positive_int_pair/triple", "wrong-rank",
         lambda: _validation.check_positive_int_pair("kernel_size", (3, 3, 3)), ValueError,
         r"kernel_size must .*pair.*received kernel_size=\(3, 3, 3\)"),
    Case("_validation.check_shape/rank", "wrong-rank",
         lambda: _validation.check_shape("input_shape", (28, 28), 3), ValueError,
         r"input_shape must be a tuple of 3 .*received input_shape=\(28, 28\)"),
    Case("_validation.check_image_batch_tensor/rank", "wrong-rank",
         lambda: _validation.check_image_batch_tensor("x", IMAGE), ValueError, r"x must be a 4-D .*\(8, 8, 3\)"),
    Case("_validation.check_memory/huge", "huge",
         lambda: _validation.check_memory("size=100000", 4 * 10**10, limit=2**30, fix="Use a smaller size."),
         ValueError, rf"size=100000 would need about 37\.3 GiB \(40,000,000,000 bytes\).*limit.*Use a smaller size"),
    Case("_validation.check_memory/negative", "non-positive-size",
         lambda: _validation.check_memory("size=3", -1), ValueError, r"nbytes must be .*received nbytes=-1"),
    Case("_validation.check_bool/str", "wrong-type",
         lambda: _validation.check_bool("normalize", "rows"), ValueError,
         r"normalize must be True or False, received normalize='rows'"),
    Case("_validation.check_bool/int", "wrong-type",
         lambda: _validation.check_bool("normalize", 1),
         ValueError, r"normalize must be True or False, received normalize=1"),
    Case("_validation.check_finite_array/nan", "nan-inf",
         lambda: _validation.check_finite_array("x", np.array([[1.0, 2.0], [np.inf, np.nan]])), ValueError,
         r"x contains 2 NaN or infinite values \(the first at x\[1, 0\] = inf\)"),
    Case("_validation.check_memory/infinite", "nan-inf",
         lambda: _validation.check_memory("size=inf", math.inf, limit=2**30), ValueError,
         r"^size=inf would need infinitely many bytes of memory, more than the 1\.0 GiB allowed"),
    Case("_validation.check_model/str", "wrong-type",
         lambda: _validation.check_model("model", "lenet5"), ValueError,
         r"^model must be a keras\.Model, received model='lenet5' \(type str\)\.$"),
    Case("_validation.check_model/example", "wrong-type",
         lambda: _validation.check_model("base", [1, 2], example="for example dream_base()"), ValueError,
         r"^base must be a keras\.Model \(for example dream_base\(\)\), received base=\[1, 2\] \(type list\)\.$"),
    Case("_validation.check_model/not-predicting", "wrong-type",
         lambda: _validation.check_model("model", 3, predict_only=True, allow_none=True), ValueError,
         r"^model must be a Keras model \(anything with a predict method\) or None, received model=3 \(type int\)\.$"),
    Case("_validation.check_model/none-built", "wrong-type",
         lambda: _validation.check_model("model", None, built=True), ValueError,
         r"^model must be a built Keras model with defined inputs, received model=None \(type NoneType\); "
         r"start it with keras\.Input\(shape=\.\.\.\) or call model\.build"),
    Case("_validation.memory_limit/str", "wrong-type",
         lambda: _validation.check_memory("size=3", 10, limit="4 GiB"), ValueError,
         r"limit must be .*received limit='4 GiB'"),
    # ------------------------------------------------------------------ config
    Case("config.quick/environ-not-mapping", "wrong-type",
         lambda: config.quick(environ=["CNNLAB_QUICK=1"]), (TypeError, ValueError),
         r"environ must be a mapping.*received .*list"),
    Case("config.quick/not-yes-no", "unknown-name",
         lambda: config.quick({"CNNLAB_QUICK": "maybe"}), ValueError, r"CNNLAB_QUICK='maybe'"),
    Case("config.offline/not-yes-no", "unknown-name",
         lambda: config.offline({"CNNLAB_OFFLINE": "2"}), ValueError, r"CNNLAB_OFFLINE='2'"),
    Case("config.data_dir/environ-not-mapping", "wrong-type",
         lambda: config.data_dir(environ="CNNLAB_DATA_DIR=/x"), (TypeError, ValueError),
         r"environ must be a mapping.*received .*str"),
    Case("config.cache_dir/environ-not-mapping", "wrong-type",
         lambda: config.cache_dir(environ=42),
         (TypeError, ValueError), r"environ must be a mapping.*received environ=42"),
    Case("config.cap/quick-larger", "non-positive-size",
         lambda: config.cap(1, 20, {}), ValueError, r"quick_value=20 is larger than normal=1"),
    Case("config.cap/nan", "nan-inf",
         lambda: config.cap(math.nan, 1, {}), ValueError, r"normal=nan"),
    Case("config.set_seed/negative", "non-positive-size",
         lambda: config.set_seed(-1), ValueError, r"seed=-1 is not a non-negative integer"),
    Case("config.set_seed/float", "wrong-type",
         lambda: config.set_seed(4.2), ValueError, r"seed=4\.2 is not"),
    Case("config.set_seed/too-large", "non-positive-size",
         lambda: config.set_seed(2**40), ValueError, r"seed=1099511627776 .*2\*\*32 - 1"),
    # ------------------------------------------------------------------ course
    Case("course.chapter/unknown", "unknown-name",
         lambda: course.chapter(99), ValueError, r"number must be a chapter number 0-10, received number=99"),
    Case("course.chapter/bool", "wrong-type",
         lambda: course.chapter(True), ValueError, r"number must be .*received number=True"),
    Case("course.chapter/str", "wrong-type",
         lambda: course.chapter("2"), ValueError, r"number must be .*received number='2'"),
    Case("course.course_map/folder-int", "wrong-type",
         lambda: course.course_map(folder=42), (TypeError, ValueError), r"folder must be .*received folder=42"),
    Case("course.Chapter/negative-minutes", "non-positive-size",
         lambda: course.Chapter(11, "11_x.ipynb", "X", ("learn",), 0), ValueError,
         r"minutes must be a positive integer, received minutes=0"),
    Case("course.Chapter/objectives-str", "wrong-type",
         lambda: course.Chapter(11, "11_x.ipynb", "X", "learn", 10), ValueError,
         r"objectives must be a tuple of strings, received objectives='learn'"),
    # ------------------------------------------------------------------ ops
    Case("ops.output_size/zero-input", "non-positive-size",
         lambda: ops.output_size(0, 3), ValueError, r"input_size must be a positive integer, received input_size=0"),
    Case("ops.output_size/negative-stride", "non-positive-size",
         lambda: ops.output_size(28, 3, -1), ValueError, r"stride must .*received stride=-1"),
    Case("ops.output_size/str", "wrong-type",
         lambda: ops.output_size("28", 3), ValueError, r"input_size must .*received input_size='28'"),
    Case("ops.output_size/float-kernel", "wrong-type",
         lambda: ops.output_size(28, 2.5), ValueError, r"kernel_size must .*received kernel_size=2\.5"),
    Case("ops.output_size/padding", "unknown-name",
         lambda: ops.output_size(28, 3, 1, "full"),
         ValueError, r"padding must be one of 'SAME', 'VALID', received padding='full'"),
    Case("ops.output_size/kernel-too-big", "non-positive-size",
         lambda: ops.output_size(3, 5), ValueError, r"kernel_size=5 is larger than input_size=3"),
    Case("ops.same_padding/zero-kernel", "non-positive-size",
         lambda: ops.same_padding(13, 0), ValueError, r"kernel_size must .*received kernel_size=0"),
    Case("ops.same_padding/nan", "nan-inf",
         lambda: ops.same_padding(math.nan, 3), ValueError, r"input_size must .*received input_size=nan"),
    Case("ops.padding_amounts/rank", "wrong-rank",
         lambda: ops.padding_amounts((8, 8, 3), 3), ValueError, r"input_shape must .*received input_shape=\(8, 8, 3\)"),
    Case("ops.padding_amounts/padding", "unknown-name",
         lambda: ops.padding_amounts((8, 8), 3, 1, "causal"),
         ValueError, r"padding must be one of .*received padding='causal'"),
    Case("ops.conv2d/x-rank-2", "wrong-rank",
         lambda: ops.conv2d(GREY, FILTERS),
         ValueError, r"x must have shape .*received shape \(8, 8\).*x\[\.\.\., None\]"),
    Case("ops.conv2d/x-rank-5", "wrong-rank",
         lambda: ops.conv2d(np.zeros((1, 1, 8, 8, 3)), FILTERS),
         ValueError, r"x must have shape .*received shape \(1, 1, 8, 8, 3\)"),
    Case("ops.conv2d/x-strings", "wrong-type",
         lambda: ops.conv2d(np.full((8, 8, 3), "a"), FILTERS),
         ValueError, r"x must hold numbers, received .*dtype <U1"),
    Case("ops.conv2d/x-none", "wrong-type",
         lambda: ops.conv2d(None, FILTERS), ValueError, r"x must hold numbers, received .*dtype object"),
    Case("ops.conv2d/x-empty", "empty",
         lambda: ops.conv2d(np.zeros((0, 8, 8, 3)), FILTERS), ValueError, r"x is empty, received shape \(0, 8, 8, 3\)"),
    Case("ops.conv2d/x-nan", "nan-inf",
         lambda: ops.conv2d(NAN_IMAGE, FILTERS), ValueError, r"x contains .*NaN.*x\[0, 0, 0\]"),
    Case("ops.conv2d/filters-rank", "wrong-rank",
         lambda: ops.conv2d(IMAGE, np.zeros((3, 3))), ValueError,
         r"filters must have shape \(height, width, in_channels, out_channels\), received shape \(3, 3\)"),
    Case("ops.conv2d/filters-empty", "empty",
         lambda: ops.conv2d(IMAGE, np.zeros((3, 3, 3, 0))),
         ValueError, r"filters must .*received shape \(3, 3, 3, 0\)"),
    Case("ops.conv2d/filters-inf", "nan-inf",
         lambda: ops.conv2d(IMAGE, np.full((3, 3, 3, 2), np.inf)),
         ValueError, r"filters contains .*inf.*filters\[0, 0, 0, 0\]"),
    Case("ops.conv2d/channels", "mismatched-channels",
         lambda: ops.conv2d(IMAGE, np.zeros((3, 3, 1, 2))), ValueError,
         r"filters expect 1 input channels but x has 3 \(x shape \(8, 8, 3\), filters shape \(3, 3, 1, 2\)\)"),
    Case("ops.conv2d/bias-shape", "mismatched-channels",
         lambda: ops.conv2d(IMAGE, FILTERS, bias=np.zeros(3)),
         ValueError, r"bias must have shape \(2,\).*received shape \(3,\)"),
    Case("ops.conv2d/bias-nan", "nan-inf",
         lambda: ops.conv2d(IMAGE, FILTERS, bias=np.array([0.0, np.nan])),
         ValueError, r"bias contains .*NaN.*bias\[1\]"),
    Case("ops.conv2d/strides-zero", "non-positive-size",
         lambda: ops.conv2d(IMAGE, FILTERS, strides=0), ValueError, r"strides must .*received strides=0"),
    Case("ops.conv2d/strides-float", "wrong-type",
         lambda: ops.conv2d(IMAGE, FILTERS, strides=1.5), ValueError, r"strides must .*received strides=1\.5"),
    Case("ops.conv2d/padding", "unknown-name",
         lambda: ops.conv2d(IMAGE, FILTERS, padding="full"),
         ValueError, r"padding must be one of .*received padding='full'"),
    Case("ops.conv2d/padding-none", "wrong-type",
         lambda: ops.conv2d(IMAGE, FILTERS, padding=None),
         ValueError, r"padding must be one of .*received padding=None"),
    Case("ops.conv2d/kernel-does-not-fit", "non-positive-size",
         lambda: ops.conv2d(np.zeros((2, 2, 3)), FILTERS),
         ValueError, r"filters \(3×3\) does not fit in x's 2×2 images"),
    Case("ops.conv2d/huge-output", "huge",
         lambda: ops.conv2d(huge_view((64, 2000, 2000, 3)), np.zeros((3, 3, 3, 256), np.float32)), ValueError,
         rf"x of shape \(64, 2000, 2000, 3\) and filters of shape \(3, 3, 3, 256\).*GiB \({BYTES}\)"),
    Case("ops.conv2d/huge-input-conversion", "huge",
         lambda: ops.conv2d(huge_view((10**5, 10**3, 10**3, 1), 0, np.uint8), np.zeros((1, 1, 1, 1))), ValueError,
         rf"x of shape \(100000, 1000, 1000, 1\).*\({BYTES}\)"),
    Case("ops.conv2d_naive/channels", "mismatched-channels",
         lambda: ops.conv2d_naive(BATCH, np.zeros((3, 3, 4, 1))),
         ValueError, r"filters expect 4 input channels but x has 3"),
    Case("ops.conv2d_naive/huge-output", "huge",
         lambda: ops.conv2d_naive(huge_view((64, 2000, 2000, 3)), np.zeros((3, 3, 3, 256), np.float32)), ValueError,
         rf"x of shape \(64, 2000, 2000, 3\).*\({BYTES}\)"),
    Case("ops.max_pool2d/rank", "wrong-rank",
         lambda: ops.max_pool2d(GREY), ValueError, r"x must have shape .*received shape \(8, 8\)"),
    Case("ops.max_pool2d/pool-zero", "non-positive-size",
         lambda: ops.max_pool2d(IMAGE, 0), ValueError, r"pool_size must .*received pool_size=0"),
    Case("ops.max_pool2d/pool-str", "wrong-type",
         lambda: ops.max_pool2d(IMAGE, "2"), ValueError, r"pool_size must .*received pool_size='2'"),
    Case("ops.max_pool2d/empty", "empty",
         lambda: ops.max_pool2d(np.zeros((0, 4, 3))), ValueError, r"x is empty, received shape \(0, 4, 3\)"),
    Case("ops.max_pool2d/huge", "huge",
         lambda: ops.max_pool2d(huge_view((10**4, 10**4, 10**4, 1)), 1), ValueError,
         rf"x of shape \(10000, 10000, 10000, 1\).*\({BYTES}\)"),
    Case("ops.avg_pool2d/strides-negative", "non-positive-size",
         lambda: ops.avg_pool2d(IMAGE, 2, strides=(1, -1)), ValueError, r"strides must .*received strides=\(1, -1\)"),
    Case("ops.avg_pool2d/padding", "unknown-name",
         lambda: ops.avg_pool2d(IMAGE, padding="reflect"), ValueError, r"padding must be .*received padding='reflect'"),
    Case("ops.avg_pool2d/nan", "nan-inf",
         lambda: ops.avg_pool2d(NAN_IMAGE), ValueError, r"x contains .*NaN"),
    Case("ops.depth_max_pool/not-divisor", "mismatched-channels",
         lambda: ops.depth_max_pool(IMAGE, 2), ValueError, r"pool_size=2 does not divide the 3 channels of x"),
    Case("ops.depth_max_pool/zero", "non-positive-size",
         lambda: ops.depth_max_pool(IMAGE, 0), ValueError, r"pool_size must .*received pool_size=0"),
    Case("ops.global_avg_pool/rank", "wrong-rank",
         lambda: ops.global_avg_pool(np.zeros(5)), ValueError, r"x must have shape .*received shape \(5,\)"),
    Case("ops.global_avg_pool/empty", "empty",
         lambda: ops.global_avg_pool(np.zeros((1, 0, 0, 3))), ValueError, r"x is empty, received shape \(1, 0, 0, 3\)"),
    Case("ops.local_response_normalization/radius", "non-positive-size",
         lambda: ops.local_response_normalization(IMAGE, depth_radius=-1), ValueError,
         r"depth_radius must .*received depth_radius=-1"),
    Case("ops.local_response_normalization/alpha-nan", "nan-inf",
         lambda: ops.local_response_normalization(IMAGE, alpha=math.nan),
         ValueError, r"alpha must .*received alpha=nan"),
    Case("ops.local_response_normalization/alpha-str", "wrong-type",
         lambda: ops.local_response_normalization(IMAGE, alpha="small"), ValueError,
         r"alpha must .*received alpha='small'"),
    Case("ops.local_response_normalization/huge", "huge",
         lambda: ops.local_response_normalization(huge_view((10**4, 10**3, 10**3, 3))), ValueError,
         rf"x of shape \(10000, 1000, 1000, 3\).*\({BYTES}\)"),
    Case("ops.Layer/kernel-zero", "non-positive-size",
         lambda: ops.Layer(0), ValueError, r"kernel_size must .*received kernel_size=0"),
    Case("ops.Layer/padding", "unknown-name",
         lambda: ops.Layer(3, 1, "full"), ValueError, r"padding must be .*received padding='full'"),
    Case("ops.receptive_field/empty", "empty",
         lambda: ops.receptive_field([], 28), ValueError, r"layers is empty"),
    Case("ops.receptive_field/layer-str", "wrong-type",
         lambda: ops.receptive_field(["conv"], 28), ValueError, r"layers\[0\] must be .*received layers\[0\]='conv'"),
    Case("ops.receptive_field/not-a-sequence", "wrong-type",
         lambda: ops.receptive_field(3, 28), (TypeError, ValueError), r"layers must be .*received layers=3"),
    Case("ops.receptive_field/input-zero", "non-positive-size",
         lambda: ops.receptive_field([(3, 1)], 0), ValueError, r"input_size must .*received input_size=0"),
    Case("ops.receptive_field_bounds/index", "non-positive-size",
         lambda: ops.receptive_field_bounds([(3, 1)], 10, -1),
         ValueError, r"index must be .*from 0 to 7.*received index=-1"),
    Case("ops.receptive_field_bounds/index-float", "wrong-type",
         lambda: ops.receptive_field_bounds([(3, 1)], 10, 1.0), ValueError, r"index must .*received index=1\.0"),
    # ------------------------------------------------------------------ kernels
    Case("kernels.vertical_line/even", "non-positive-size",
         lambda: kernels.vertical_line(4), ValueError, r"size must be a positive odd integer, received size=4"),
    Case("kernels.vertical_line/huge", "huge",
         lambda: kernels.vertical_line(200_001), ValueError, rf"size=200001 .*GiB \({BYTES}\)"),
    Case("kernels.horizontal_line/zero", "non-positive-size",
         lambda: kernels.horizontal_line(0), ValueError, r"size must .*received size=0"),
    Case("kernels.horizontal_line/huge", "huge",
         lambda: kernels.horizontal_line(200_001), ValueError, rf"size=200001 .*\({BYTES}\)"),
    Case("kernels.identity/str", "wrong-type",
         lambda: kernels.identity("3"), ValueError, r"size must .*received size='3'"),
    Case("kernels.identity/huge", "huge",
         lambda: kernels.identity(200_001), ValueError, rf"size=200001 .*\({BYTES}\)"),
    Case("kernels.box_blur/negative", "non-positive-size",
         lambda: kernels.box_blur(-3), ValueError, r"size must .*received size=-3"),
    Case("kernels.box_blur/huge", "huge",
         lambda: kernels.box_blur(200_000), ValueError, rf"size=200000 .*\({BYTES}\)"),
    Case("kernels.gaussian/sigma-zero", "non-positive-size",
         lambda: kernels.gaussian(5, sigma=0), ValueError, r"sigma must be a positive number, received sigma=0"),
    Case("kernels.gaussian/sigma-nan", "nan-inf",
         lambda: kernels.gaussian(5, sigma=math.nan), ValueError, r"sigma must .*received sigma=nan"),
    Case("kernels.gaussian/huge", "huge",
         lambda: kernels.gaussian(100_001), ValueError, rf"size=100001 .*\({BYTES}\)"),
    Case("kernels.gabor/wavelength-zero", "non-positive-size",
         lambda: kernels.gabor(wavelength=0), ValueError, r"wavelength must .*received wavelength=0"),
    Case("kernels.gabor/theta-inf", "nan-inf",
         lambda: kernels.gabor(theta=math.inf), ValueError, r"theta must .*received theta=inf"),
    Case("kernels.gabor/phase-str", "wrong-type",
         lambda: kernels.gabor(phase="pi"), ValueError, r"phase must .*received phase='pi'"),
    Case("kernels.gabor/huge", "huge",
         lambda: kernels.gabor(size=100_001), ValueError, rf"size=100001 .*\({BYTES}\)"),
    Case("kernels.get/unknown", "unknown-name",
         lambda: kernels.get("sobel z"), ValueError, r"name must be one of 'vertical line', .*received name='sobel z'"),
    Case("kernels.get/not-a-str", "wrong-type",
         lambda: kernels.get(3), ValueError, r"name must be one of .*received name=3"),
    Case("kernels.get/fixed-size", "non-positive-size",
         lambda: kernels.get("sharpen", size=5), ValueError, r"size must be 3 \(or None\) .*received size=5"),
    Case("kernels.get/huge", "huge",
         lambda: kernels.get("gaussian", size=100_001), ValueError, rf"size=100001 .*\({BYTES}\)"),
    Case("kernels.filter_bank/empty", "empty",
         lambda: kernels.filter_bank(), ValueError, r"kernels is empty"),
    Case("kernels.filter_bank/empty-list", "empty",
         lambda: kernels.filter_bank([]), ValueError, r"kernels is empty"),
    Case("kernels.filter_bank/rank", "wrong-rank",
         lambda: kernels.filter_bank(np.zeros(3)),
         ValueError, r"kernels\[0\] must be a non-empty 2-D array .*shape \(3,\)"),
    Case("kernels.filter_bank/strings", "wrong-type",
         lambda: kernels.filter_bank([["a", "b"], ["c", "d"]]),
         ValueError, r"kernels\[0\] must be a 2-D array of numbers"),
    Case("kernels.filter_bank/nan", "nan-inf",
         lambda: kernels.filter_bank(np.full((3, 3), np.nan)), ValueError, r"kernels\[0\] must contain only finite"),
    Case("kernels.filter_bank/shapes", "mismatched-channels",
         lambda: kernels.filter_bank(kernels.sobel_x(), kernels.vertical_line(7)), ValueError,
         r"kernels\[0\] of shape \(3, 3\) and kernels\[1\] of shape \(7, 7\)"),
    Case("kernels.filter_bank/channels-zero", "non-positive-size",
         lambda: kernels.filter_bank(kernels.sobel_x(), channels=0),
         ValueError, r"channels must .*received channels=0"),
    Case("kernels.filter_bank/huge", "huge",
         lambda: kernels.filter_bank(kernels.sobel_x(), channels=10**9), ValueError,
         rf"channels=1000000000 .*\({BYTES}\)"),
    # ------------------------------------------------------------------ memory
    Case("memory.bytes_per_value/unknown", "unknown-name",
         lambda: memory.bytes_per_value("int8"), ValueError, r"dtype must be one of .*received dtype='int8'"),
    Case("memory.bytes_per_value/none", "wrong-type",
         lambda: memory.bytes_per_value(None), ValueError, r"dtype must be one of .*received dtype=None"),
    Case("memory.format_bytes/negative", "non-positive-size",
         lambda: memory.format_bytes(-1), ValueError, r"n must be a non-negative number of bytes, received n=-1"),
    Case("memory.format_bytes/nan", "nan-inf",
         lambda: memory.format_bytes(math.nan), ValueError, r"received n=nan"),
    Case("memory.format_bytes/str", "wrong-type",
         lambda: memory.format_bytes("1 GB"), ValueError, r"received n='1 GB'"),
    Case("memory.conv2d_params/filters-zero", "non-positive-size",
         lambda: memory.conv2d_params(3, 0, 5), ValueError, r"filters must be a positive integer, received filters=0"),
    Case("memory.conv2d_params/channels-negative", "non-positive-size",
         lambda: memory.conv2d_params(-3, 8, 5), ValueError,
         r"channels must be a non-negative integer, received channels=-3"),
    Case("memory.conv2d_params/kernel-str", "wrong-type",
         lambda: memory.conv2d_params(3, 8, "5"), ValueError, r"kernel_size must be .*received kernel_size='5'"),
    Case("memory.dense_params/units-nan", "nan-inf",
         lambda: memory.dense_params(10, math.nan), ValueError, r"units must be a positive integer, received units=nan"),
    Case("memory.dense_params/bias-str", "wrong-type",
         lambda: memory.dense_params(10, 2, use_bias="yes"), ValueError,
         r"use_bias must be True or False, received use_bias='yes'"),
    Case("memory.batch_norm_params/float", "wrong-type",
         lambda: memory.batch_norm_params(6.5), ValueError,
         r"channels must be a non-negative integer, received channels=6\.5"),
    Case("memory.conv2d_stats/rank", "wrong-rank",
         lambda: memory.conv2d_stats((150, 100), 200, 5), ValueError,
         r"input_shape must be a tuple of 3 positive integers, received input_shape=\(150, 100\)"),
    Case("memory.conv2d_stats/zero-filters", "non-positive-size",
         lambda: memory.conv2d_stats((150, 100, 3), 0, 5), ValueError, r"filters must .*received filters=0"),
    Case("memory.conv2d_stats/padding", "unknown-name",
         lambda: memory.conv2d_stats((150, 100, 3), 200, 5, padding="full"), ValueError, r"received padding='full'"),
    Case("memory.conv2d_stats/use-bias-str", "wrong-type",
         lambda: memory.conv2d_stats((150, 100, 3), 200, 5, use_bias="yes"),
         ValueError, r"use_bias must be True or False, received use_bias='yes'"),
    Case("memory.conv2d_stats/kernel-does-not-fit", "non-positive-size",
         lambda: memory.conv2d_stats((4, 4, 3), 2, 5, padding="VALID"),
         ValueError, r"kernel_size=\(5, 5\) does not fit in the 4×4 input"),
    Case("memory.pool2d_stats/mode", "unknown-name",
         lambda: memory.pool2d_stats((8, 8, 3), mode="median"),
         ValueError, r"mode must be one of 'max', 'average', received mode='median'"),
    Case("memory.pool2d_stats/zero", "non-positive-size",
         lambda: memory.pool2d_stats((8, 8, 3), 0), ValueError, r"pool_size must .*received pool_size=0"),
    Case("memory.flatten_stats/empty", "empty",
         lambda: memory.flatten_stats(()), ValueError, r"input_shape must be a tuple .*received input_shape=\(\)"),
    Case("memory.dense_stats/units-zero", "non-positive-size",
         lambda: memory.dense_stats(10, 0), ValueError, r"units must .*received units=0"),
    Case("memory.dense_stats/nan", "nan-inf",
         lambda: memory.dense_stats(math.nan, 10), ValueError, r"input_shape must .*received input_shape=nan"),
    Case("memory.conv2d_layer/kernel-triple", "wrong-rank",
         lambda: memory.conv2d_layer(32, (3, 3, 3)),
         ValueError, r"kernel_size must .*received kernel_size=\(3, 3, 3\)"),
    Case("memory.pool2d_layer/strides-zero", "non-positive-size",
         lambda: memory.pool2d_layer(2, 0), ValueError, r"strides must .*received strides=0"),
    Case("memory.flatten_layer/name-empty", "empty",
         lambda: memory.flatten_layer(name=""), ValueError, r"name must be a non-empty string, received name=''"),
    Case("memory.dense_layer/units-str", "wrong-type",
         lambda: memory.dense_layer("10"), ValueError, r"units must .*received units='10'"),
    Case("memory.stack/layers-not-list", "wrong-type",
         lambda: memory.stack((8, 8, 3), memory.dense_layer(10)),
         ValueError, r"layers must be a list .*received layers=LayerSpec"),
    Case("memory.stack/layer-not-spec", "wrong-type",
         lambda: memory.stack((8, 8, 3), [("conv", 3)]),
         ValueError, r"layers\[0\] must be a layer spec .*received layers\[0\]=\('conv', 3\)"),
    Case("memory.stack/rank", "wrong-rank",
         lambda: memory.stack((8, 8), [memory.conv2d_layer(2, 3)]), ValueError,
         r"layers\[0\] \(conv2d_1, input 8×8\): input_shape must be a tuple of 3 .*received input_shape=\(8, 8\)"),
    Case("memory.stack/does-not-fit", "non-positive-size",
         lambda: memory.stack((4, 4, 1), [memory.conv2d_layer(2, 5, padding="VALID")]), ValueError,
         r"layers\[0\] \(conv2d_1, input 4×4×1\): kernel_size=\(5, 5\) does not fit"),
    Case("memory.Network/layer-not-stats", "wrong-type",
         lambda: memory.Network((8, 8, 3), ("conv",)),
         ValueError, r"layers\[0\] must be a LayerStats .*received layers\[0\]='conv'"),
    Case("memory.Network/batch-zero", "non-positive-size",
         lambda: _network().ram_training(batch_size=0), ValueError, r"batch_size must .*received batch_size=0"),
    Case("memory.LayerSpec/unknown-kind", "unknown-name",
         lambda: memory.LayerSpec("conv3d"), ValueError, r"kind must be one of .*received kind='conv3d'"),
    Case("memory.LayerStats/negative-params", "non-positive-size",
         lambda: memory.LayerStats("c", "conv2d", (8, 8, 3), (8, 8, 2), -1, 0), ValueError,
         r"params must be a non-negative integer, received params=-1"),
    # ------------------------------------------------------------------ plotting
    Case("plotting.to_uint8/strings", "wrong-type",
         lambda: plotting.to_uint8(np.array(["a", "b"])), ValueError, r"array must hold numbers, received .*dtype <U1"),
    Case("plotting.to_uint8/empty", "empty",
         lambda: plotting.to_uint8(np.zeros((0, 3))), ValueError, r"array is empty, received shape \(0, 3\)"),
    Case("plotting.to_uint8/vmin-nan", "nan-inf",
         lambda: plotting.to_uint8(GREY, vmin=math.nan), ValueError, r"vmin must .*received vmin=nan"),
    Case("plotting.to_uint8/huge", "huge",
         lambda: plotting.to_uint8(huge_view((10**5, 10**5), 0.5, np.float64)), ValueError,
         rf"array of shape \(100000, 100000\).*\({BYTES}\)"),
    Case("plotting.encode_image/rank", "wrong-rank",
         lambda: plotting.encode_image(np.zeros(5)), ValueError, r"array must have shape .*received shape \(5,\)"),
    Case("plotting.encode_image/channels", "mismatched-channels",
         lambda: plotting.encode_image(np.zeros((4, 4, 2))),
         ValueError, r"array must have shape .*received shape \(4, 4, 2\)"),
    Case("plotting.encode_image/empty", "empty",
         lambda: plotting.encode_image(np.zeros((0, 4))), ValueError, r"received shape \(0, 4\)"),
    Case("plotting.encode_image/format", "unknown-name",
         lambda: plotting.encode_image(GREY, "gif"),
         ValueError, r"format must be one of 'png', 'jpeg', received format='gif'"),
    Case("plotting.encode_image/cmap", "unknown-name",
         lambda: plotting.encode_image(GREY, cmap="rainbowz"), ValueError, r"cmap must be .*received cmap='rainbowz'"),
    Case("plotting.encode_image/scale-zero", "non-positive-size",
         lambda: plotting.encode_image(GREY, scale=0), ValueError, r"scale must .*received scale=0"),
    Case("plotting.encode_image/quality", "non-positive-size",
         lambda: plotting.encode_image(GREY, "jpeg", quality=0),
         ValueError, r"quality must be .*1 to 95.*received quality=0"),
    Case("plotting.encode_image/huge-scale", "huge",
         lambda: plotting.encode_image(GREY, scale=100_000),
         ValueError, rf"array of shape \(8, 8\) with scale=100000.*\({BYTES}\)"),
    Case("plotting.show_images/empty", "empty",
         lambda: plotting.show_images([]), ValueError, r"images is empty"),
    Case("plotting.show_images/image-rank", "wrong-rank",
         lambda: plotting.show_images([np.zeros(5)]), ValueError, r"images\[0\] must be .*received shape \(5,\)"),
    Case("plotting.show_images/titles", "mismatched-channels",
         lambda: plotting.show_images([GREY, GREY], titles=["a"]), ValueError, r"titles has 1 entries for 2 images"),
    Case("plotting.show_images/cols-zero", "non-positive-size",
         lambda: plotting.show_images([GREY], cols=0), ValueError, r"cols must .*received cols=0"),
    Case("plotting.show_images/size-nan", "nan-inf",
         lambda: plotting.show_images([GREY], size=math.nan), ValueError, r"size must .*received size=nan"),
    Case("plotting.show_images/huge", "huge",
         lambda: plotting.show_images([GREY], size=100_000), ValueError, rf"size=100000.*\({BYTES}\)"),
    Case("plotting.show_images/share-scale-str", "wrong-type",
         lambda: plotting.show_images([GREY], share_scale="yes"), ValueError,
         r"share_scale must be True or False, received share_scale='yes'"),
    Case("plotting.show_filters/rank", "wrong-rank",
         lambda: plotting.show_filters(np.zeros((3, 3))), ValueError,
         r"kernel must be a convolution kernel of shape \(kh, kw, in_channels, filters\).*received shape \(3, 3\)"),
    Case("plotting.show_filters/empty", "empty",
         lambda: plotting.show_filters(np.zeros((3, 3, 1, 0))), ValueError, r"kernel must be .*received shape \(3, 3, 1, 0\)"),
    Case("plotting.show_filters/strings", "wrong-type",
         lambda: plotting.show_filters(np.full((3, 3, 1, 2), "w")), ValueError,
         r"kernel must hold numbers \(weights\), received an array of dtype <U1"),
    Case("plotting.show_filters/nan", "nan-inf",
         lambda: plotting.show_filters(np.full((3, 3, 1, 2), np.nan)), ValueError, r"kernel .*NaN"),
    Case("plotting.show_filters/columns-zero", "non-positive-size",
         lambda: plotting.show_filters(np.zeros((3, 3, 1, 2)), columns=0), ValueError,
         r"columns must be a positive integer, received columns=0"),
    Case("plotting.show_filters/max-filters-float", "wrong-type",
         lambda: plotting.show_filters(np.zeros((3, 3, 1, 2)), max_filters=2.5), ValueError,
         r"max_filters must be a positive integer, received max_filters=2\.5"),
    # ------------------------------------------------------------------ charts
    Case("charts.plot_confusion/not-square", "wrong-rank",
         lambda: charts.plot_confusion([[1, 2]]), ValueError,
         r"matrix must be a square \(classes, classes\) array of counts, received shape \(1, 2\)"),
    Case("charts.plot_confusion/empty", "empty",
         lambda: charts.plot_confusion(np.zeros((0, 0))), ValueError, r"matrix must be .*received shape \(0, 0\)"),
    Case("charts.plot_confusion/nan", "nan-inf",
         lambda: charts.plot_confusion([[1.0, np.nan], [0.0, 1.0]]), ValueError,
         r"matrix must hold finite counts .*received dtype float64 with NaN or infinite values"),
    Case("charts.plot_confusion/fractions", "wrong-type",
         lambda: charts.plot_confusion([[0.5, 0.5], [0.0, 1.0]]), ValueError,
         r"matrix must hold counts \(integers >= 0\), received values from 0 to 1"),
    Case("charts.plot_confusion/names", "mismatched-channels",
         lambda: charts.plot_confusion([[1, 0], [0, 1]], ["a"]), ValueError,
         r"class_names has 1 entries for a 2×2 matrix.*received class_names=\['a'\]"),
    Case("charts.plot_confusion/normalize-str", "wrong-type",
         lambda: charts.plot_confusion([[1]], normalize="rows"), ValueError,
         r"normalize must be True or False, received normalize='rows'"),
    Case("charts.plot_confusion/huge", "huge",
         lambda: charts.plot_confusion(huge_view((10**5, 10**5), 0, np.int64)), ValueError,
         rf"matrix of shape \(100000, 100000\).*\({BYTES}\)"),
    Case("charts.show_mistakes/captions", "mismatched-channels",
         lambda: charts.show_mistakes([GREY, GREY], ["a"], title="t"), ValueError,
         r"captions has 1 entries for 2 images"),
    Case("charts.show_mistakes/image-rank", "wrong-rank",
         lambda: charts.show_mistakes([np.zeros(5)], ["a"], title="t"), ValueError,
         r"images\[0\] must be .*received shape \(5,\)"),
    Case("charts.show_mistakes/cols-zero", "non-positive-size",
         lambda: charts.show_mistakes([GREY], ["a"], title="t", cols=0), ValueError,
         r"cols must be a positive integer, received cols=0"),
    Case("charts.show_mistakes/captions-str", "wrong-type",
         lambda: charts.show_mistakes([GREY], "a", title="t"), ValueError,
         r"captions must be a sequence of texts, one per image, received captions='a'"),
    Case("charts.show_mistakes/title-none", "wrong-type",
         lambda: charts.show_mistakes([GREY], ["a"], title=None), ValueError, r"title must be a text, received title=None"),
    Case("charts.plot_history/empty", "empty",
         lambda: charts.plot_history([]), ValueError, r"phases is empty"),
    Case("charts.plot_history/not-pairs", "wrong-type",
         lambda: charts.plot_history([{"loss": [1.0]}, 3]), ValueError,
         r"phases\[0\] must be a \(name, history\) pair.*received phases\[0\]=\{'loss': \[1\.0\]\}"),
    Case("charts.plot_history/number", "wrong-type",
         lambda: charts.plot_history(3), ValueError, r"phases must be a sequence of \(name, history\) pairs .*received phases=3"),
    Case("charts.plot_history/values", "wrong-type",
         lambda: charts.plot_history({"loss": ["high"]}), ValueError,
         r"phases\[0\]\[1\]\['loss'\] must be a list of numbers \(one per epoch\), received .*\['high'\]"),
    Case("plotting.readable/nan", "nan-inf",
         lambda: plotting.readable(math.nan, 1.0), ValueError, r"value must be a finite number, received value=nan"),
    Case("plotting.readable/scale-str", "wrong-type",
         lambda: plotting.readable(1.0, "big"), ValueError, r"scale must be a finite number, received scale='big'"),
    Case("plotting.value_scale/empty", "empty",
         lambda: plotting.value_scale(), ValueError, r"value_scale needs at least one array"),
    Case("plotting.value_scale/strings", "wrong-type",
         lambda: plotting.value_scale(np.array(["a"])), ValueError,
         r"arrays\[0\] must be a non-empty array of numbers, received an array of dtype <U1"),
    Case("plotting.value_scale/empty-array", "empty",
         lambda: plotting.value_scale(GREY, np.zeros(0)), ValueError,
         r"arrays\[1\] must be a non-empty array of numbers.*shape \(0,\)"),
    Case("plotting.colour_bar/nan", "nan-inf",
         lambda: plotting.colour_bar(math.nan, 1.0), ValueError, r"low must be a finite number, received low=nan"),
    Case("plotting.colour_bar/length-zero", "non-positive-size",
         lambda: plotting.colour_bar(0.0, 1.0, length=0), ValueError,
         r"length must be a positive integer, received length=0"),
    Case("plotting.colour_bar/cmap", "unknown-name",
         lambda: plotting.colour_bar(0.0, 1.0, "nope"), ValueError, r"cmap must be the name of a matplotlib colour map"),
    Case("plotting.colour_bar/huge", "huge",
         lambda: plotting.colour_bar(0.0, 1.0, length=10**6, thickness=10**5), ValueError,
         rf"length=1000000 and thickness=100000.*\({BYTES}\)"),
    Case("plotting.show_predictions/mismatch", "mismatched-channels",
         lambda: plotting.show_predictions([IMAGE], []), ValueError, r"predictions has 0 entries for 1 images"),
    Case("plotting.show_predictions/not-pairs", "wrong-type",
         lambda: plotting.show_predictions([IMAGE], [["cat"]]), ValueError,
         r"predictions\[0\] must be .*\(name, probability\).*received predictions\[0\]=\['cat'\]"),
    Case("plotting.show_predictions/size-zero", "non-positive-size",
         lambda: plotting.show_predictions([IMAGE], [[("cat", 1.0)]], size=0),
         ValueError, r"size must .*received size=0"),
    # ------------------------------------------------------------------ evaluation
    Case("evaluation.check_pixel_values/nan", "nan-inf",
         lambda: evaluation.check_pixel_values("x", np.array([[[0.5, np.nan]]])), ValueError, r"x contains 1 NaN"),
    Case("evaluation.check_pixel_values/strings", "wrong-type",
         lambda: evaluation.check_pixel_values("x", np.array([["a"]])), ValueError,
         r"x must hold pixel values \(numbers\)"),
    Case("evaluation.check_pixel_values/value-range", "wrong-type",
         lambda: evaluation.check_pixel_values("x", np.zeros((1, 2, 2)), "0-1"), ValueError,
         r"value_range must be \(low, high\)"),
    Case("evaluation.binary_probabilities/shape", "wrong-rank",
         lambda: evaluation.binary_probabilities(np.zeros((3, 2))), ValueError,
         r"outputs must have shape \(n, 1\).*received shape \(3, 2\)"),
    Case("evaluation.binary_probabilities/nan", "nan-inf",
         lambda: evaluation.binary_probabilities([[0.5], [math.nan]]), ValueError, r"outputs holds 1 NaN"),
    Case("evaluation.confusion_matrix/rank", "wrong-rank",
         lambda: evaluation.confusion_matrix(np.zeros((2, 2, 2)), [0, 1]),
         ValueError, r"y_true must be .*received shape \(2, 2, 2\)"),
    Case("evaluation.confusion_matrix/lengths", "mismatched-channels",
         lambda: evaluation.confusion_matrix([0, 1], [0, 1, 2]), ValueError, r"same length, received 2 and 3 labels"),
    Case("evaluation.confusion_matrix/empty", "empty",
         lambda: evaluation.confusion_matrix([], []), ValueError, r"y_true is empty"),
    Case("evaluation.confusion_matrix/nan", "nan-inf",
         lambda: evaluation.confusion_matrix([0.0, math.nan], [0, 1]), ValueError, r"y_true holds 1 NaN or infinite values"),
    Case("evaluation.confusion_matrix/strings", "wrong-type",
         lambda: evaluation.confusion_matrix(["cat", "dog"], [0, 1]),
         ValueError, r"y_true must hold integer class labels, received dtype <U3"),
    Case("evaluation.confusion_matrix/negative", "non-positive-size",
         lambda: evaluation.confusion_matrix([-1, 0], [0, 0]),
         ValueError, r"y_true must hold class labels >= 0, received -1"),
    Case("evaluation.confusion_matrix/num-classes-zero", "non-positive-size",
         lambda: evaluation.confusion_matrix([0], [0], num_classes=0),
         ValueError, r"num_classes must .*received num_classes=0"),
    Case("evaluation.confusion_matrix/huge-num-classes", "huge",
         lambda: evaluation.confusion_matrix([0], [0], num_classes=10**6), ValueError,
         rf"num_classes=1000000 .*\({BYTES}\)"),
    Case("evaluation.confusion_matrix/huge-label", "huge",
         lambda: evaluation.confusion_matrix([0], [10**7]), ValueError, rf"label 10000000.*\({BYTES}\)"),
    Case("evaluation.confusion_matrix_plot/normalize-str", "wrong-type",
         lambda: evaluation.confusion_matrix_plot([0], [0], normalize="rows"),
         ValueError, r"normalize must be True or False, received normalize='rows'"),
    Case("evaluation.confusion_matrix_plot/class-names", "mismatched-channels",
         lambda: evaluation.confusion_matrix_plot([0, 2], [0, 1], class_names=["a"]), ValueError,
         r"class_names has 1 entries but labels go up to 2.*received class_names=\['a'\]"),
    Case("evaluation.misclassified/model-not-callable", "wrong-type",
         lambda: evaluation.misclassified(42, np.zeros((2, 4)), [0, 1]),
         ValueError, r"model must be .*received model=int"),
    Case("evaluation.misclassified/lengths", "mismatched-channels",
         lambda: evaluation.misclassified(lambda x: np.ones((len(x), 2)) / 2, np.zeros((3, 4)), [0, 1]), ValueError,
         r"x and y must hold the same number of examples, received 3 and 2"),
    Case("evaluation.misclassified/returns-wrong-shape", "wrong-rank",
         lambda: evaluation.misclassified(lambda x: np.ones(len(x)), np.zeros((2, 4)), [0, 1]), ValueError,
         r"model must return probabilities of shape \(n, classes\).*returned shape \(2,\)"),
    Case("evaluation.misclassified/returns-nan", "nan-inf",
         lambda: evaluation.misclassified(lambda x: np.full((len(x), 2), np.nan), np.zeros((2, 4)), [0, 1]), ValueError,
         r"the model returned NaN or infinite probabilities for 2 of the 2 examples of x \(the first is x\[0\]\)"),
    Case("evaluation.misclassified_gallery/limit-zero", "non-positive-size",
         lambda: evaluation.misclassified_gallery(lambda x: np.ones((len(x), 2)) / 2, np.zeros((2, 4, 4)), [0, 1], limit=0),
         ValueError, r"limit must .*received limit=0"),
    Case("evaluation.misclassified_gallery/cols-str", "wrong-type",
         lambda: evaluation.misclassified_gallery(lambda x: np.ones((len(x), 2)) / 2, np.zeros((2, 4, 4)), [0, 1], cols="5"),
         ValueError, r"cols must .*received cols='5'"),
    Case("evaluation.misclassified_gallery/images-rank", "wrong-rank",
         lambda: evaluation.misclassified_gallery(lambda x: np.ones((len(x), 2)) / 2, np.zeros((2, 4)), [1, 1]),
         ValueError, r"x must hold images .*received shape \(2, 4\)"),
    # ------------------------------------------------------------------ digits
    Case("digits.to_mnist/rank", "wrong-rank",
         lambda: digits.to_mnist(np.zeros(5)), ValueError, r"drawing must be a 2-D .*received shape \(5,\)"),
    Case("digits.to_mnist/empty", "empty",
         lambda: digits.to_mnist(np.zeros((0, 0))), ValueError, r"drawing must .*received shape \(0, 0\)"),
    Case("digits.to_mnist/blank", "empty",
         lambda: digits.to_mnist(np.zeros((28, 28))), ValueError, r"drawing is blank"),
    Case("digits.to_mnist/nan", "nan-inf",
         lambda: digits.to_mnist(np.full((28, 28), np.nan)), ValueError, r"drawing contains .*NaN"),
    Case("digits.to_mnist/strings", "wrong-type",
         lambda: digits.to_mnist(np.full((28, 28), "x")),
         ValueError, r"drawing must hold numbers, received .*dtype <U1"),
    Case("digits.to_mnist/ink-str", "wrong-type",
         lambda: digits.to_mnist(np.ones((28, 28)), ink_is_dark="yes"),
         ValueError, r"ink_is_dark must be True or False, received ink_is_dark='yes'"),
    Case("digits.to_mnist/channels", "mismatched-channels",
         lambda: digits.to_mnist(np.ones((28, 28, 2))), ValueError, r"drawing must .*received shape \(28, 28, 2\)"),
    Case("digits.to_mnist/huge", "huge",
         lambda: digits.to_mnist(huge_view((10**5, 10**5), 1, np.uint8)),
         ValueError, rf"drawing of shape \(100000, 100000\).*\({BYTES}\)"),
    Case("digits.center_of_mass/blank", "empty",
         lambda: digits.center_of_mass(np.zeros((4, 4))), ValueError, r"image is blank"),
    Case("digits.center_of_mass/rank", "wrong-rank",
         lambda: digits.center_of_mass(np.ones(4)), ValueError, r"image must be a 2-D .*received shape \(4,\)"),
    Case("digits.center_of_mass/nan", "nan-inf",
         lambda: digits.center_of_mass(np.full((4, 4), np.nan)), ValueError, r"image contains .*NaN"),
    Case("digits.center_of_mass/huge", "huge",
         lambda: digits.center_of_mass(huge_view((10**5, 10**5), 1.0, np.float64)), ValueError,
         rf"image of shape \(100000, 100000\).*\({BYTES}\)"),
    Case("digits.render_strokes/empty", "empty",
         lambda: digits.render_strokes([]), ValueError, r"strokes is empty"),
    Case("digits.render_strokes/nan", "nan-inf",
         lambda: digits.render_strokes([[(0, 0), (math.nan, 1)]]), ValueError, r"strokes contain NaN"),
    Case("digits.render_strokes/pen-zero", "non-positive-size",
         lambda: digits.render_strokes([[(0, 0)]], pen=0), ValueError, r"pen must be a fraction .*received pen=0"),
    Case("digits.render_strokes/pen-nan", "nan-inf",
         lambda: digits.render_strokes([[(0, 0)]], pen=math.nan), ValueError, r"pen must .*received pen=nan"),
    Case("digits.render_strokes/points-not-pairs", "wrong-rank",
         lambda: digits.render_strokes([[(0, 0, 0)]]),
         ValueError, r"strokes must be .*\(x, y\) points, received strokes=\[\[\(0, 0, 0\)\]\]"),
    Case("digits.render_strokes/not-a-list", "wrong-type",
         lambda: digits.render_strokes(5), ValueError, r"strokes must be a list .*received strokes=5"),
    # ------------------------------------------------------------------ exercises
    Case("widgets.parse_number/empty", "empty",
         lambda: widgets.parse_number(""), ValueError, r"text='' is not a number"),
    Case("widgets.parse_number/int", "wrong-type",
         lambda: widgets.parse_number(12), ValueError, r"text must be a string, received text=12"),
    Case("widgets.parse_number/units", "unknown-name",
         lambda: widgets.parse_number("12", units="metres"),
         ValueError, r"units must be one of 'bytes', received units='metres'"),
    Case("exercises.exercise/unknown", "unknown-name",
         lambda: exercises.exercise(7), ValueError, r"n must be an exercise number from 1 to 6, received n=7"),
    Case("exercises.exercise/str", "wrong-type",
         lambda: exercises.exercise("1"), ValueError, r"received n='1'"),
    Case("widgets.NumericAnswer/answer-nan", "nan-inf",
         lambda: widgets.NumericAnswer("How many?", math.nan),
         ValueError, r"answer must be a finite number, received answer=nan"),
    Case("widgets.NumericAnswer/tolerance", "non-positive-size",
         lambda: _numeric(tolerance=-0.1), ValueError, r"tolerance must .*received tolerance=-0\.1"),
    Case("widgets.NumericAnswer/question-empty", "empty",
         lambda: widgets.NumericAnswer("", 12),
         ValueError, r"question must be a non-empty string, received question=''"),
    Case("widgets.NumericAnswer/units", "unknown-name",
         lambda: _numeric(units="kg"), ValueError, r"units must be one of 'bytes', received units='kg'"),
    Case("widgets.Option/correct-str", "wrong-type",
         lambda: widgets.MultipleChoice("Q?", [widgets.Option("a", "yes"), widgets.Option("b")]), ValueError,
         r"options\[0\]\.correct must be True or False, received options\[0\]\.correct='yes'"),
    Case("widgets.MultipleChoice/one-option", "empty",
         lambda: widgets.MultipleChoice("Q?", [widgets.Option("a", True)]), ValueError,
         r"options must be a sequence of at least two"),
    Case("widgets.MultipleChoice/option-str", "wrong-type",
         lambda: widgets.MultipleChoice("Q?", ["a", "b"]), ValueError, r"options\[0\] must be an Option.*received"),
    Case("widgets.KeyIdea/bad-regex", "wrong-type",
         lambda: widgets.FreeText("Q?", "A.", key_ideas=[widgets.KeyIdea("x", ("(",))]), ValueError,
         r"key_ideas\[0\]\.patterns\[0\] is not a valid regular expression"),
    Case("widgets.FreeText/need-zero", "non-positive-size",
         lambda: widgets.FreeText("Q?", "A.", key_ideas=[widgets.KeyIdea("x", ("x",))], need=0), ValueError,
         r"need must .*received need=0"),
    Case("widgets.FreeText/need-too-many", "non-positive-size",
         lambda: widgets.FreeText("Q?", "A.", key_ideas=[widgets.KeyIdea("x", ("x",))], need=2), ValueError,
         r"need must be at most the number of key ideas \(1\)"),
    Case("widgets.Exercise/no-questions", "empty",
         lambda: widgets.Exercise(1, "Title"), ValueError, r"questions: give at least one question"),
    Case("widgets.Exercise/number-zero", "non-positive-size",
         lambda: widgets.Exercise(0, "Title", _numeric()), ValueError, r"number must .*received number=0"),
    Case("widgets.Exercise/question-str", "wrong-type",
         lambda: widgets.Exercise(1, "Title", "What?"),
         ValueError, r"questions\[0\] must be a NumericAnswer.*received"),
    Case("checks.check_accuracy/reference", "non-positive-size",
         lambda: checks.check_accuracy(None, np.zeros((2, 2)), [0, 1], reference=99.3, exercise=7), ValueError,
         r"reference must be an accuracy between 0 and 1.*received reference=99\.3"),
    Case("checks.check_accuracy/reference-nan", "nan-inf",
         lambda: checks.check_accuracy(None, np.zeros((2, 2)), [0, 1], reference=math.nan, exercise=7), ValueError,
         r"received reference=nan"),
    Case("checks.check_accuracy/exercise", "unknown-name",
         lambda: checks.check_accuracy(None, np.zeros((2, 2)), [0, 1], reference=0.9, exercise=3), ValueError,
         r"exercise must be a coding exercise number from 7 to 10, received exercise=3"),
    Case("checks.check_accuracy/model-str", "wrong-type",
         lambda: checks.check_accuracy("model", np.zeros((2, 2)), [0, 1], reference=0.9, exercise=7), ValueError,
         r"model must be a Keras model .*received model='model'"),
    Case("checks.check_accuracy/y-rank", "wrong-rank",
         lambda: checks.check_accuracy(FakeModel(), np.zeros((2, 2)), np.zeros((2, 2, 2)), reference=0.9, exercise=7),
         ValueError, r"y must be class labels .*received y with shape \(2, 2, 2\)"),
    Case("checks.check_accuracy/empty", "empty",
         lambda: checks.check_accuracy(FakeModel(), np.zeros((0, 2)), np.zeros(0, int), reference=0.9, exercise=7),
         ValueError, r"x is empty"),
    Case("checks.check_accuracy/batch-size", "non-positive-size",
         lambda: checks.check_accuracy(None, np.zeros((2, 2)), [0, 1], reference=0.9, exercise=7, batch_size=0),
         ValueError, r"batch_size must .*received batch_size=0"),
    Case("checks.check_top5/k-zero", "non-positive-size",
         lambda: checks.check_top5(None, {}, lambda image: [], k=0), ValueError, r"k must .*received k=0"),
    Case("checks.check_top5/reference-not-callable", "wrong-type",
         lambda: checks.check_top5(None, {}, "classifier"),
         ValueError, r"reference_fn must be a function .*received reference_fn='classifier'"),
    Case("checks.check_top5/images-empty", "empty",
         lambda: checks.check_top5(lambda image: [], {}, lambda image: []), ValueError, r"images is empty"),
    Case("checks.check_dream/steps-zero", "non-positive-size",
         lambda: checks.check_dream(None, None, IMAGE, "a", steps=0), ValueError, r"steps must .*received steps=0"),
    Case("checks.check_dream/step-size-inf", "nan-inf",
         lambda: checks.check_dream(None, None, IMAGE, "a", step_size=math.inf),
         ValueError, r"step_size must .*received step_size=inf"),
    Case("checks.check_dream/fn-str", "wrong-type",
         lambda: checks.check_dream("dream", None, IMAGE, "a"),
         ValueError, r"fn must be a function .*received fn='dream'"),
    # ------------------------------------------------------------------ datasets
    Case("datasets.read_idx/not-idx", "wrong-type",
         lambda: datasets.read_idx(b"GIF89a"),
         ValueError, r"data does not start with an IDX magic number \(received first bytes b'GIF8'\)"),
    Case("datasets.read_idx/empty", "empty",
         lambda: datasets.read_idx(b""),
         ValueError, r"data does not start with an IDX magic number \(received first bytes b''\)"),
    Case("datasets.read_idx/str", "wrong-type",
         lambda: datasets.read_idx("train-images-idx3-ubyte"), (TypeError, ValueError),
         r"data must be bytes.*received .*str"),
    Case("datasets.read_idx/huge", "huge",
         lambda: datasets.read_idx(bytes([0, 0, 8, 3]) + (10**5).to_bytes(4, "big") * 3), ValueError,
         rf"IDX data of shape \(100000, 100000, 100000\) should be {BYTES} long but is 16 bytes"),
    Case("datasets.fetch/unknown", "unknown-name",
         lambda: datasets.fetch("cifar10"),
         ValueError, r"name must be one of 'mnist', 'fashion_mnist', 'photos', 'pretrained', 'flowers', 'all', received name='cifar10'"),
    Case("datasets.fetch/not-a-str", "wrong-type",
         lambda: datasets.fetch(10), (TypeError, ValueError), r"name must be one of .*received name=10"),
    Case("datasets.load_sample_image/unknown", "unknown-name",
         lambda: datasets.load_sample_image("china"),
         ValueError, r"name must be one of 'temple', 'flower', received name='china'"),
    Case("datasets.load_photos/max-size-zero", "non-positive-size",
         lambda: datasets.load_photos(max_size=0), ValueError, r"max_size must .*received max_size=0"),
    Case("datasets.load_photos/mirror-str", "wrong-type",
         lambda: datasets.load_photos(mirror="yes"),
         ValueError, r"mirror must be True or False, received mirror='yes'"),
    Case("images.load_image/empty-bytes", "empty",
         lambda: images.load_image(b""), ValueError, r"source=.* is empty \(0 bytes\)"),
    Case("images.load_image/not-an-image", "wrong-type",
         lambda: images.load_image(b"hello, world"), ValueError, r"source=.* is not an image file"),
    Case("images.load_image/int", "wrong-type",
         lambda: images.load_image(42), (TypeError, ValueError), r"source must be .*received source=42"),
    Case("images.load_image/max-size-zero", "non-positive-size",
         lambda: images.load_image(png_bytes(), max_size=0), ValueError, r"max_size must .*received max_size=0"),
    Case("images.load_image/max-pixels-negative", "non-positive-size",
         lambda: images.load_image(png_bytes(), max_pixels=-1),
         ValueError, r"max_pixels must .*received max_pixels=-1"),
    Case("images.load_image/background-nan", "nan-inf",
         lambda: images.load_image(png_bytes(), background=(math.nan, 1, 1)), ValueError,
         r"background must .*received background=\(nan, 1, 1\)"),
    Case("images.load_image/background-rank", "wrong-rank",
         lambda: images.load_image(png_bytes(), background=(1, 1)), ValueError,
         r"background must .*received background=\(1, 1\)"),
    Case("images.load_image/huge-announced", "huge",
         lambda: images.load_image(png_header(12_000, 12_000), max_size=10**9), ValueError,
         r"source=.* is 12000×12000 = 144,000,000 pixels, more than max_pixels=100,000,000 .*\d GiB"),
    Case("images.load_image/huge-max-pixels-raised", "huge",
         lambda: images.load_image(png_header(100_000, 100_000), max_size=10**9, max_pixels=10**12), ValueError,
         rf"source=.*100000×100000.*\({BYTES}\)"),
    Case("flowers.load_flowers/image-size-zero", "non-positive-size",
         lambda: tfmod("flowers").load_flowers(image_size=0), ValueError, r"image_size must .*received image_size=0"),
    Case("flowers.load_flowers/batch-size-str", "wrong-type",
         lambda: tfmod("flowers").load_flowers(batch_size="32"), ValueError, r"batch_size must .*received batch_size='32'"),
    Case("flowers.load_flowers/split", "non-positive-size",
         lambda: tfmod("flowers").load_flowers(split=(0.7, 0.7, -0.4)),
         ValueError, r"split must .*received split=\(0\.7, 0\.7, -0\.4\)"),
    Case("flowers.load_flowers/split-nan", "nan-inf",
         lambda: tfmod("flowers").load_flowers(split=(math.nan, 0.5, 0.5)),
         ValueError, r"split must .*received split=\(nan, 0\.5, 0\.5\)"),
    Case("flowers.load_flowers/source", "unknown-name",
         lambda: tfmod("flowers").load_flowers(source="web"), ValueError, r"source must be one of .*received source='web'"),
    Case("flowers.load_flowers/huge", "huge",
         lambda: tfmod("flowers").load_flowers(image_size=100_000, cache=True), ValueError,
         rf"image_size=100000.*\({BYTES}\)"),
    Case("datasets.find_flowers/source", "unknown-name",
         lambda: datasets.find_flowers("web"), ValueError, r"source must be one of .*received source='web'"),
    Case("_tf_data.prefetch_for_keras/not-a-dataset", "wrong-type",
         lambda: tfmod("_tf_data").prefetch_for_keras([1, 2]), ValueError,
         r"dataset must be a tf\.data\.Dataset, received dataset=\[1, 2\]"),
    Case("flowers.flowers_pipeline/empty", "empty",
         lambda: tfmod("flowers").flowers_pipeline([]), ValueError, r"pairs is empty"),
    Case("flowers.flowers_pipeline/image-size", "non-positive-size",
         lambda: tfmod("flowers").flowers_pipeline([("a.jpg", 0)], image_size=0),
         ValueError, r"image_size must .*received image_size=0"),
    # ------------------------------------------------------------------ _download
    Case("_download.check_url/scheme", "unknown-name",
         lambda: _download.check_url("ftp://example.org/x"), ValueError, r"ftp://example\.org/x"),
    Case("_download.check_redirect/int", "wrong-type",
         lambda: _download.check_redirect("https://example.org/a", 42), ValueError,
         r"origin and target must be strings, received .*target=42"),
    Case("_download.default_deadline/negative", "non-positive-size",
         lambda: _download.default_deadline(-1), ValueError, r"max_bytes must be .*received max_bytes=-1"),
    Case("_download.default_deadline/str", "wrong-type",
         lambda: _download.default_deadline("10 MB"), ValueError, r"received max_bytes='10 MB'"),
    Case("_download.check_url/int", "wrong-type",
         lambda: _download.check_url(42), ValueError, r"url must be a string, received url=42"),
    Case("_download.download/empty", "empty",
         lambda: _download.download([], "/tmp/cnnlab-never/x"), ValueError, r"urls is empty"),
    Case("_download.download/timeout-negative", "non-positive-size",
         lambda: _download.download(["https://example.org/x"], "/tmp/cnnlab-never/x", timeout=-1), ValueError,
         r"timeout must .*received timeout=-1"),
    Case("_download.download/retries-zero", "non-positive-size",
         lambda: _download.download(["https://example.org/x"], "/tmp/cnnlab-never/x", retries=0), ValueError,
         r"retries must .*received retries=0"),
    Case("_download.download_from/empty", "empty",
         lambda: _download.download_from([], "/tmp/cnnlab-never/x"), ValueError, r"urls is empty"),
    Case("_store.find/entry-str", "wrong-type",
         lambda: _store.find("mnist"), ValueError, r"entry must be an Entry .*received entry='mnist'"),
    Case("_store.describe_path/int", "wrong-type",
         lambda: _store.describe_path(3), ValueError, r"path must be a path .*received path=3"),
    Case("_store.format_size/negative", "non-positive-size",
         lambda: _store.format_size(-1), ValueError, r"nbytes must .*received nbytes=-1"),
    Case("_store.format_size/str", "wrong-type",
         lambda: _store.format_size("9 MB"), ValueError, r"nbytes must .*received nbytes='9 MB'"),
    Case("_store.mirror_path/ftp", "unknown-name",
         lambda: _store.mirror_path("ftp://x/y"), ValueError, r"url must be an https:// address, received url='ftp://x/y'"),
    Case("_serve.mirror_server/not-a-folder", "unknown-name",
         lambda: _serve.mirror_server("/tmp/cnnlab-never/data"), ValueError,
         r"data_dir='/tmp/cnnlab-never/data' does not exist; give the path of a folder\. It must be the course's "
         r"offline data folder"),
    Case("_serve.serve/not-a-folder", "unknown-name",
         lambda: _serve.serve("/tmp/cnnlab-never/data"), ValueError, r"DATA_DIR='/tmp/cnnlab-never/data' does not exist"),
    Case("_serve.serve/int", "wrong-type",
         lambda: _serve.serve(8765), ValueError, r"DATA_DIR must be a path .*received DATA_DIR=8765"),
    Case("_quiet.is_noise/bytes", "wrong-type",
         lambda: _quiet.is_noise(b"W0000 x"), ValueError, r"line must be a str .*received line=b'W0000 x'"),
    Case("_quiet.filter_noise/one-string", "wrong-type",
         lambda: _quiet.filter_noise("a\nb"), ValueError, r"lines must be a list of lines, received one str"),
    Case("config.mirror_url/no-scheme", "unknown-name",
         lambda: config.mirror_url({"CNNLAB_MIRROR_URL": "teacher:8765"}), ValueError,
         r"CNNLAB_MIRROR_URL='teacher:8765' is not an http:// or https:// address"),
    Case("config.mirror_url/environ-list", "wrong-type",
         lambda: config.mirror_url(["CNNLAB_MIRROR_URL"]), ValueError, r"environ must be a mapping"),
    Case("datasets.photo_credits/unknown", "unknown-name",
         lambda: datasets.photo_credits(["unicorn"]), ValueError,
         r"names must be photos of the course .*received 'unicorn'"),
    Case("_download.safe_extract/not-an-archive", "wrong-type",
         lambda: _download.safe_extract(text_file(), text_file().parent / "out"), ValueError,
         r"neither a tar nor a zip.*notes\.txt|notes\.txt.*neither a tar nor a zip"),
    Case("_download.safe_extract/max-bytes-zero", "non-positive-size",
         lambda: _download.safe_extract(text_file(), text_file().parent / "out", max_bytes=0), ValueError,
         r"max_bytes must .*received max_bytes=0"),
]


class FakeModel:
    """A model-like object: ``predict`` returns two-class probabilities."""

    def predict(self, x, **kwargs):
        return np.tile([0.9, 0.1], (len(x), 1))


# ----------------------------------------------------------------------------- the table: TensorFlow floor

TF_CASES: list[Case] = [
    Case("memory.from_keras/not-a-model", "wrong-type",
         lambda: memory.from_keras("model.h5"), ValueError,
         r"model must be a built Keras model with defined inputs, received model='model\.h5' \(type str\); "
         r"start it with keras\.Input"),
    Case("_validation.check_model/unbuilt", "empty",
         lambda: _validation.check_model("model", unbuilt_model(), built=True), ValueError,
         r"^model must be a built Keras model with defined inputs, but model 'unbuilt' has no known input: "
         r"start it with keras\.Input\(shape=\.\.\.\) or call model\.build"),
    Case("_validation.check_model/two-inputs", "mismatched-channels",
         lambda: _validation.check_model("model", two_input_model(), single_input=True), ValueError,
         r"^model must be a Keras model with one input, received model 'two' with 2 inputs"),
    # ------------------------------------------------------------------ models
    Case("models.classic.typical_cnn/rank", "wrong-rank",
         lambda: tfmod("models").typical_cnn(input_shape=(28, 28)), ValueError,
         r"input_shape must be a tuple of 3 positive integers, received input_shape=\(28, 28\)"),
    Case("models.classic.typical_cnn/filters-empty", "empty",
         lambda: tfmod("models").typical_cnn(filters=()),
         ValueError, r"filters must be a non-empty tuple .*received filters=\(\)"),
    Case("models.classic.typical_cnn/dropout-nan", "nan-inf",
         lambda: tfmod("models").typical_cnn(dropout=math.nan), ValueError, r"dropout must .*received dropout=nan"),
    Case("models.classic.typical_cnn/too-small", "non-positive-size",
         lambda: tfmod("models").typical_cnn(input_shape=(4, 4, 1)),
         ValueError, r"input_shape=\(4, 4, 1\) is too small"),
    Case("models.classic.typical_cnn/huge", "huge",
         lambda: tfmod("models").typical_cnn(input_shape=(20_000, 20_000, 1)), ValueError,
         rf"input_shape=\(20000, 20000, 1\).*parameters.*\({BYTES}\)"),
    Case("models.classic.mnist_cnn/num-classes-zero", "non-positive-size",
         lambda: tfmod("models").mnist_cnn(num_classes=0), ValueError, r"num_classes must .*received num_classes=0"),
    Case("models.classic.mnist_cnn/filters-str", "wrong-type",
         lambda: tfmod("models").mnist_cnn(filters="32"), ValueError, r"filters must .*received filters='32'"),
    Case("models.classic.mnist_cnn/huge", "huge",
         lambda: tfmod("models").mnist_cnn(filters=(100_000, 100_000, 10)), ValueError,
         rf"filters=\(100000, 100000, 10\).*\({BYTES}\)"),
    Case("models.classic.fashion_cnn/filters-length", "wrong-rank",
         lambda: tfmod("models").fashion_cnn(filters=(32, 64)),
         ValueError, r"filters must hold 3 numbers .*received filters=\(32, 64\)"),
    Case("models.classic.fashion_cnn/huge", "huge",
         lambda: tfmod("models").fashion_cnn(dense_units=10**9), ValueError, rf"dense_units=1000000000.*\({BYTES}\)"),
    Case("models.classic.lenet5/faithful-str", "wrong-type",
         lambda: tfmod("models").lenet5(faithful="yes"),
         ValueError, r"faithful must be True or False, received faithful='yes'"),
    Case("models.classic.lenet5/huge", "huge",
         lambda: tfmod("models").lenet5(input_shape=(100_000, 100_000, 1)), ValueError,
         rf"input_shape=\(100000, 100000, 1\).*\({BYTES}\)"),
    Case("models.classic.alexnet/lrn-str", "wrong-type",
         lambda: tfmod("models").alexnet(lrn="yes"), ValueError, r"lrn must be True or False, received lrn='yes'"),
    Case("models.classic.alexnet/channels-zero", "non-positive-size",
         lambda: tfmod("models").alexnet(input_shape=(227, 227, 0)),
         ValueError, r"input_shape must .*received input_shape=\(227, 227, 0\)"),
    Case("models.classic.alexnet/huge", "huge",
         lambda: tfmod("models").alexnet(num_classes=10**8), ValueError, rf"num_classes=100000000.*\({BYTES}\)"),
    Case("models.googlenet.googlenet/too-small", "non-positive-size",
         lambda: tfmod("models").googlenet(input_shape=(16, 16, 3)),
         ValueError, r"input_shape must be at least 32×32 .*received input_shape=\(16, 16, 3\)"),
    Case("models.googlenet.googlenet/aux-str", "wrong-type",
         lambda: tfmod("models").googlenet(aux_classifiers="no"),
         ValueError, r"aux_classifiers must be True or False, received aux_classifiers='no'"),
    Case("models.googlenet.googlenet/huge", "huge",
         lambda: tfmod("models").googlenet(num_classes=10**9), ValueError, rf"num_classes=1000000000.*\({BYTES}\)"),
    Case("models.googlenet.inception_module/rank", "wrong-rank",
         lambda: tfmod("models").inception_module(keras_input((8, 8)), 1, 1, 1, 1, 1, 1), ValueError,
         r"x must be a 4-D tensor .*received x with shape \(None, 8, 8\)"),
    Case("models.googlenet.inception_module/zero", "non-positive-size",
         lambda: tfmod("models").inception_module(keras_input((8, 8, 3)), 1, 1, 0, 1, 1, 1),
         ValueError, r"c3 must .*received c3=0"),
    Case("models.googlenet.inception_module/huge", "huge",
         lambda: tfmod("models").inception_module(keras_input((8, 8, 3)), 1, 10**6, 10**6, 1, 1, 1), ValueError,
         rf"c3=1000000.*\({BYTES}\)"),
    Case("models.resnet.residual_unit/strides", "unknown-name",
         lambda: tfmod("models").residual_unit(keras_input((8, 8, 3)), 4, strides=3),
         ValueError, r"strides must be 1 or 2, received strides=3"),
    Case("models.resnet.residual_unit/rank", "wrong-rank",
         lambda: tfmod("models").residual_unit(np.zeros((8, 8, 3)), 4),
         ValueError, r"x must be a 4-D tensor .*received x with shape \(8, 8, 3\)"),
    Case("models.resnet.residual_unit/huge", "huge",
         lambda: tfmod("models").residual_unit(keras_input((8, 8, 3)), 10**6),
         ValueError, rf"filters=1000000.*\({BYTES}\)"),
    Case("models.resnet.bottleneck_unit/filters-zero", "non-positive-size",
         lambda: tfmod("models").bottleneck_unit(keras_input((8, 8, 3)), 0),
         ValueError, r"filters must .*received filters=0"),
    Case("models.resnet.bottleneck_unit/name-empty", "empty",
         lambda: tfmod("models").bottleneck_unit(keras_input((8, 8, 3)), 4, name=""),
         ValueError, r"name must be a non-empty string, received name=''"),
    Case("models.resnet.resnet/block", "unknown-name",
         lambda: tfmod("models").resnet("dense", (1,), (16,)),
         ValueError, r"block must be 'basic', 'bottleneck' or a callable, received block='dense'"),
    Case("models.resnet.resnet/stages-mismatch", "mismatched-channels",
         lambda: tfmod("models").resnet("basic", (1, 1), (16,)), ValueError,
         r"filters_per_stage must have one entry per stage \(2\), received filters_per_stage=\(16,\)"),
    Case("models.resnet.resnet/units-empty", "empty",
         lambda: tfmod("models").resnet("basic", (), ()),
         ValueError, r"units_per_stage must hold positive integers, received units_per_stage=\(\)"),
    Case("models.resnet.resnet/huge", "huge",
         lambda: tfmod("models").resnet("basic", (1,), (10**6,), input_shape=(32, 32, 3)), ValueError,
         rf"filters_per_stage=\(1000000,\).*\({BYTES}\)"),
    Case("models.resnet.resnet34/too-small", "non-positive-size",
         lambda: tfmod("models").resnet34(input_shape=(8, 8, 3)),
         ValueError, r"input_shape must be at least 32×32 .*received input_shape=\(8, 8, 3\)"),
    Case("models.resnet.resnet152/num-classes", "non-positive-size",
         lambda: tfmod("models").resnet152(num_classes=-1), ValueError, r"num_classes must .*received num_classes=-1"),
    Case("models.resnet.resnet152/huge", "huge",
         lambda: tfmod("models").resnet152(num_classes=10**9), ValueError, rf"num_classes=1000000000.*\({BYTES}\)"),
    Case("models.layers.LocalResponseNormalization/radius", "non-positive-size",
         lambda: tfmod("models").LocalResponseNormalization(depth_radius=-1),
         ValueError, r"depth_radius must .*received depth_radius=-1"),
    Case("models.layers.LocalResponseNormalization/beta-nan", "nan-inf",
         lambda: tfmod("models").LocalResponseNormalization(beta=math.nan),
         ValueError, r"beta must .*received beta=nan"),
    Case("models.layers.ScaledAveragePooling2D/pool-zero", "non-positive-size",
         lambda: tfmod("models").ScaledAveragePooling2D(pool_size=0),
         ValueError, r"pool_size must .*received pool_size=0"),
    Case("models.layers.ScaledAveragePooling2D/padding", "unknown-name",
         lambda: tfmod("models").ScaledAveragePooling2D(padding="full"),
         ValueError, r"padding must be 'valid' or 'same', received padding='full'"),
    Case("models.layers.PartialConv2D/connections-rank", "wrong-rank",
         lambda: tfmod("models").PartialConv2D(connections=np.ones(6, bool)),
         ValueError, r"connections must .*shape \(6,\)"),
    Case("models.layers.PartialConv2D/channels", "mismatched-channels",
         lambda: tfmod("models").PartialConv2D(connections=np.ones((6, 16), bool))(np.zeros((1, 14, 14, 3), np.float32)),
         ValueError, r"connections has 6 rows \(input maps\) but the input has 3 channels \(input shape \(1, 14, 14, 3\)\)"),
    Case("models.layers.RBFOutput/num-classes", "non-positive-size",
         lambda: tfmod("models").RBFOutput(num_classes=0), ValueError, r"num_classes must .*received num_classes=0"),
    Case("models.layers.RBFLoss/j-inf", "nan-inf",
         lambda: tfmod("models").RBFLoss(j=math.inf), ValueError, r"j must .*received j=inf"),
    Case("models.layers.rbf_accuracy/mismatch", "mismatched-channels",
         lambda: tfmod("models").rbf_accuracy(np.zeros(3), np.zeros((2, 10))), ValueError,
         r"received y_true of shape \(3,\) and y_pred of shape \(2, 10\)"),
    Case("models.inspect.layer_table/not-a-model", "wrong-type",
         lambda: tfmod("models").layer_table("lenet5"),
         ValueError, r"model must be a keras\.Model, received model='lenet5' \(type str\)"),
    Case("models.inspect.layer_table/blocks-str", "wrong-type",
         lambda: tfmod("models").layer_table(tiny_cnn(), blocks="yes"),
         ValueError, r"blocks must be True or False, received blocks='yes'"),
    Case("models.diagram.diagram/direction", "unknown-name",
         lambda: tfmod("models").diagram(tiny_cnn(), direction="diagonal"), ValueError,
         r"direction must be one of 'vertical', 'horizontal', received direction='diagonal'"),
    Case("models.diagram.diagram/per-line-zero", "non-positive-size",
         lambda: tfmod("models").diagram(tiny_cnn(), per_line=0), ValueError, r"per_line must .*received per_line=0"),
    Case("models.inspect.block_of/int", "wrong-type",
         lambda: tfmod("models.inspect").block_of(42),
         ValueError, r"layer_name must be a string, received layer_name=42"),
    # ------------------------------------------------------------------ deepdream
    Case("deepdream.dream_model/unknown-layer", "unknown-name",
         lambda: tfmod("deepdream").dream_model(tiny_base(), "mixed3"),
         ValueError, r"layers has 'mixed3', which is not a layer of 'tinybase'"),
    Case("deepdream.dream_model/empty", "empty",
         lambda: tfmod("deepdream").dream_model(tiny_base(), []), ValueError, r"layers is empty"),
    Case("deepdream.dream_model/weight-nan", "nan-inf",
         lambda: tfmod("deepdream").dream_model(tiny_base(), {"a": math.nan}),
         ValueError, r"layers\['a'\] must .*received layers\['a'\]=nan"),
    Case("deepdream.dream_model/not-a-model", "wrong-type",
         lambda: tfmod("deepdream").dream_model("inception", "a"), ValueError,
         r"model must be a keras\.Model .*received model='inception' \(type str\)"),
    Case("deepdream.dream_loss/lengths", "mismatched-channels",
         lambda: tfmod("deepdream").dream_loss([np.ones((1, 2, 2, 1))], [1.0, 0.5]), ValueError,
         r"weights has 2 entries for 1 activations"),
    Case("deepdream.dream_loss/empty", "empty",
         lambda: tfmod("deepdream").dream_loss([], []), ValueError, r"activations is empty"),
    Case("deepdream.tiled_gradients/tile-zero", "non-positive-size",
         lambda: tfmod("deepdream").tiled_gradients(tiny_base(), {"b": 1.0}, np.zeros((8, 8, 3), np.float32), tile_size=0),
         ValueError, r"tile_size must .*received tile_size=0"),
    Case("deepdream.tiled_gradients/rank", "wrong-rank",
         lambda: tfmod("deepdream").tiled_gradients(tiny_base(), {"b": 1.0}, np.zeros((8, 8), np.float32)),
         ValueError, r"image must have shape \(height, width, 3\).*received shape \(8, 8\)"),
    Case("deepdream.smallest_input_side/limit", "non-positive-size",
         lambda: tfmod("deepdream").smallest_input_side(tiny_base(), limit=0),
         ValueError, r"limit must .*received limit=0"),
    Case("deepdream.smallest_input_side/not-a-model", "wrong-type",
         lambda: tfmod("deepdream").smallest_input_side(None),
         ValueError, r"model must be a keras\.Model.*received model=None"),
    Case("deepdream.deepdream/rank", "wrong-rank",
         lambda: tfmod("deepdream").deepdream(tiny_base(), GREY, "b"), ValueError,
         r"image must have shape \(height, width, 3\) .*received shape \(8, 8\)"),
    Case("deepdream.deepdream/channels", "mismatched-channels",
         lambda: tfmod("deepdream").deepdream(tiny_base(), np.zeros((8, 8, 4)), "b"), ValueError,
         r"image must .*received shape \(8, 8, 4\).*image\[\.\.\., :3\]"),
    Case("deepdream.deepdream/nan", "nan-inf",
         lambda: tfmod("deepdream").deepdream(tiny_base(), NAN_IMAGE, "b"), ValueError,
         r"image contains 192 NaN or infinite values \(the first at image\[0, 0, 0\] = nan\)"),
    Case("deepdream.deepdream/out-of-range", "nan-inf",
         lambda: tfmod("deepdream").deepdream(tiny_base(), np.full((8, 8, 3), 255.0), "b"), ValueError,
         r"image must hold values in \[0, 1\] .*received values from 255 to 255"),
    Case("deepdream.deepdream/octave-scale", "non-positive-size",
         lambda: tfmod("deepdream").deepdream(tiny_base(), IMAGE, "b", octave_scale=1.0), ValueError,
         r"octave_scale must be greater than 1, received octave_scale=1\.0"),
    Case("deepdream.deepdream/steps-str", "wrong-type",
         lambda: tfmod("deepdream").deepdream(tiny_base(), IMAGE, "b", steps="10"),
         ValueError, r"steps must .*received steps='10'"),
    Case("deepdream.deepdream/step-size-inf", "nan-inf",
         lambda: tfmod("deepdream").deepdream(tiny_base(), IMAGE, "b", step_size=math.inf),
         ValueError, r"step_size must .*received step_size=inf"),
    Case("deepdream.deepdream/too-small", "non-positive-size",
         lambda: tfmod("deepdream").deepdream(tiny_base(), np.zeros((3, 3, 3)), "b"), ValueError,
         r"image of shape \(3, 3, 3\) is too small .*at least 5×5"),
    Case("deepdream.dream_base/unknown", "unknown-name",
         lambda: tfmod("deepdream").dream_base("vgg16"),
         ValueError, r"name must be one of 'auto', 'inception_v3', 'mobilenet_025', received name='vgg16'"),
    # ------------------------------------------------------------------ transfer
    Case("transfer.classify_photos/photos-list", "wrong-type",
         lambda: tfmod("transfer").classify_photos(tiny_transfer(), [np.zeros((8, 8, 3))], ["a", "b", "c"]),
         ValueError, r"photos must be a non-empty dict"),
    Case("transfer.classify_photos/class-names", "mismatched-channels",
         lambda: tfmod("transfer").classify_photos(tiny_transfer(), {"p": np.zeros((8, 8, 3))}, ["a", "b"]),
         ValueError, r"class_names must hold one name per output of the model \(3\), received 2"),
    Case("transfer.classify_photos/grey-photo", "wrong-rank",
         lambda: tfmod("transfer").classify_photos(tiny_transfer(), {"p": np.zeros((8, 8))}, ["a", "b", "c"]),
         ValueError, r"photos\['p'\] must be one image of shape \(height, width, 3\)"),
    Case("transfer.classify_photos/top-zero", "non-positive-size",
         lambda: tfmod("transfer").classify_photos(tiny_transfer(), {"p": np.zeros((8, 8, 3))}, ["a", "b", "c"],
                                                   top=0),
         ValueError, r"top must be a positive integer, received top=0"),
    Case("transfer.check_known_photos/unknown-photo", "unknown-name",
         lambda: tfmod("transfer").check_known_photos(tiny_transfer(), {"p": np.zeros((8, 8, 3))}, ["a", "b", "c"],
                                                      {"q": "a"}),
         ValueError, r"expected names photos that are not in photos: \['q'\]"),
    Case("transfer.check_known_photos/unknown-class", "unknown-name",
         lambda: tfmod("transfer").check_known_photos(tiny_transfer(), {"p": np.zeros((8, 8, 3))}, ["a", "b", "c"],
                                                      {"p": "z"}),
         ValueError, r"expected names classes the model does not have: \['z'\]"),
    Case("transfer.check_known_photos/expected-empty", "empty",
         lambda: tfmod("transfer").check_known_photos(tiny_transfer(), {"p": np.zeros((8, 8, 3))}, ["a", "b", "c"],
                                                      {}),
         ValueError, r"expected must be a non-empty dict"),
    Case("transfer.base_for_this_machine/gpus-int", "wrong-type",
         lambda: tfmod("transfer").base_for_this_machine(gpus=2), ValueError,
         r"gpus must be a list of the GPUs found .*received gpus=2"),
    Case("transfer.scaling_layer/unknown", "unknown-name",
         lambda: tfmod("transfer").scaling_layer("torch"),
         ValueError, r"preprocessing must be one of 'inception', 'caffe', received preprocessing='torch'"),
    Case("transfer.transfer_model/num-classes", "non-positive-size",
         lambda: tfmod("transfer").transfer_model(tiny_pooled_base(), 0),
         ValueError, r"num_classes must .*received num_classes=0"),
    Case("transfer.transfer_model/dropout-str", "wrong-type",
         lambda: tfmod("transfer").transfer_model(tiny_pooled_base(), 3, dropout="0.2"),
         ValueError, r"dropout must be .*received dropout='0\.2'"),
    Case("transfer.transfer_model/dropout-nan", "nan-inf",
         lambda: tfmod("transfer").transfer_model(tiny_pooled_base(), 3, dropout=math.nan),
         ValueError, r"dropout must be .*received dropout=nan"),
    Case("transfer.transfer_model/base-not-a-model", "wrong-type",
         lambda: tfmod("transfer").transfer_model("mobilenet", 3),
         ValueError, r"base must be a keras\.Model or a .*FeatureExtractor.*received base='mobilenet'"),
    Case("transfer.transfer_model/base-rank", "wrong-rank",
         lambda: tfmod("transfer").transfer_model(tiny_base(), 3), ValueError,
         r"base must output one feature vector per image .*output shape is \(None, None, None, 2\)"),
    Case("transfer.transfer_model/huge", "huge",
         lambda: tfmod("transfer").transfer_model(tiny_pooled_base(), 10**12),
         ValueError, rf"num_classes=1000000000000.*\({BYTES}\)"),
    Case("transfer.set_fine_tuning/unknown-layer", "unknown-name",
         lambda: tfmod("transfer").set_fine_tuning(tiny_transfer(), "conv5"),
         ValueError, r"fine_tune_from='conv5' is not a layer of the base"),
    Case("transfer.set_fine_tuning/negative", "non-positive-size",
         lambda: tfmod("transfer").set_fine_tuning(tiny_transfer(), -1),
         ValueError, r"fine_tune_from must .*received fine_tune_from=-1"),
    Case("transfer.set_fine_tuning/batchnorm", "unknown-name",
         lambda: tfmod("transfer").set_fine_tuning(tiny_transfer(), 0, batchnorm="off"), ValueError,
         r"batchnorm must be one of 'train', 'frozen', received batchnorm='off'"),
    Case("transfer.set_fine_tuning/not-a-transfer-model", "wrong-type",
         lambda: tfmod("transfer").set_fine_tuning(tiny_cnn(), 0),
         ValueError, r"model must be .*transfer_model.*received model=.*tiny"),
    Case("transfer.train_transfer/epochs", "non-positive-size",
         lambda: tfmod("transfer").train_transfer(tiny_transfer(), tiny_dataset(), head_epochs=-1), ValueError,
         r"head_epochs must .*received head_epochs=-1"),
    Case("transfer.train_transfer/lr-nan", "nan-inf",
         lambda: tfmod("transfer").train_transfer(tiny_transfer(), tiny_dataset(), head_lr=math.nan), ValueError,
         r"head_lr must .*received head_lr=nan"),
    Case("transfer.train_transfer/label-smoothing", "non-positive-size",
         lambda: tfmod("transfer").train_transfer(tiny_transfer(), tiny_dataset(), label_smoothing=1.5), ValueError,
         r"label_smoothing must .*received label_smoothing=1\.5"),
    Case("transfer.train_transfer/train-array", "wrong-type",
         lambda: tfmod("transfer").train_transfer(tiny_transfer(), np.zeros((4, 8, 8, 3))), ValueError,
         r"train must be a batched tf\.data\.Dataset.*received train of type ndarray"),
    Case("transfer.predict_with_flips/not-a-dataset", "wrong-type",
         lambda: tfmod("transfer").predict_with_flips(tiny_transfer(), 42), ValueError,
         r"dataset must be .*\(images, labels\).*received dataset of type int"),
    Case("transfer.plot_phases/none", "empty",
         lambda: tfmod("transfer").plot_phases(None, None), ValueError, r"histories has no History"),
    Case("transfer.plot_phases/not-history", "wrong-type",
         lambda: tfmod("transfer").plot_phases({"loss": [1.0]}), ValueError,
         r"histories\[0\] must be a keras History .*received an object of type dict"),
    # ------------------------------------------------------------------ evaluation with a Keras model
    Case("evaluation.misclassified/keras-channels", "mismatched-channels",
         lambda: evaluation.misclassified(tiny_cnn(), np.zeros((2, 8, 8, 1), np.float32), [0, 1]), ValueError,
         r"x has shape \(2, 8, 8, 1\) but model takes inputs of shape \(None, 8, 8, 3\)"),
    # ------------------------------------------------------------------ pretrained
    Case("pretrained.load_classifier/unknown", "unknown-name",
         lambda: tfmod("pretrained").load_classifier("alexnet"),
         ValueError, r"name must be one of 'auto', .*received name='alexnet'"),
    Case("pretrained.load_classifier/weights", "unknown-name",
         lambda: tfmod("pretrained").load_classifier("inception_v3", weights="random"), ValueError,
         r"weights must be 'imagenet' or None .*received weights='random'"),
    Case("pretrained.load_classifier/int", "wrong-type",
         lambda: tfmod("pretrained").load_classifier(3), ValueError, r"name must be one of .*received name=3"),
    Case("pretrained.load_classifier/input-size", "non-positive-size",
         lambda: tfmod("pretrained").load_classifier("/tmp/cnnlab-never/model.tflite", input_size=0), ValueError,
         r"input_size must .*received input_size=0"),
    Case("pretrained.classify/top-zero", "non-positive-size",
         lambda: tfmod("pretrained").classify(IMAGE, top=0, model=FakeClassifier()),
         ValueError, r"top must .*received top=0"),
    Case("pretrained.classify/model-str", "wrong-type",
         lambda: tfmod("pretrained").classify(IMAGE, model="mobilenet"), ValueError,
         r"model must be .*Classifier.*received model='mobilenet'"),
    Case("pretrained.feature_extractor/unknown", "unknown-name",
         lambda: tfmod("pretrained").feature_extractor("vgg"),
         ValueError, r"name must be one of .*received name='vgg'"),
    Case("pretrained.feature_extractor/input-size", "non-positive-size",
         lambda: tfmod("pretrained").feature_extractor("mobilenet_025", input_size=-5),
         ValueError, r"input_size must .*received input_size=-5"),
    Case("pretrained.Classifier/input-size", "non-positive-size",
         lambda: tfmod("pretrained").Classifier("x", 0, ("a",), "here", "inception", None, kind="keras"), ValueError,
         r"input_size must .*received input_size=0"),
    Case("pretrained.FeatureExtractor/preprocess", "wrong-type",
         lambda: tfmod("pretrained").FeatureExtractor(None, "inception", 224, "x", "here"), ValueError,
         r"preprocess must be .*callable.*received preprocess='inception'"),
    Case("preprocessing.as_pixels/strings", "wrong-type",
         lambda: preprocessing.as_pixels(np.array(["a"])),
         ValueError, r"image must hold numbers .*received dtype <U1"),
    Case("preprocessing.as_pixels/empty", "empty",
         lambda: preprocessing.as_pixels(np.zeros((0, 3))), ValueError, r"image is empty \(shape \(0, 3\)\)"),
    Case("preprocessing.as_pixels/nan", "nan-inf",
         lambda: preprocessing.as_pixels(np.array([0.5, np.nan])), ValueError, r"image contains NaN or infinite"),
    Case("preprocessing.as_pixels/range", "non-positive-size",
         lambda: preprocessing.as_pixels(np.array([0.0, 255.0])),
         ValueError, r"image holds floats from 0 to 255"),
    Case("preprocessing.gray_to_rgb/rank", "wrong-rank",
         lambda: preprocessing.gray_to_rgb(np.zeros(5)), ValueError, r"image must .*received shape \(5,\)"),
    Case("preprocessing.drop_alpha/channels", "mismatched-channels",
         lambda: preprocessing.drop_alpha(np.zeros((4, 4, 2))),
         ValueError, r"image must .*received shape \(4, 4, 2\)"),
    Case("preprocessing.center_crop_resize/size-zero", "non-positive-size",
         lambda: preprocessing.center_crop_resize(IMAGE, 0), ValueError, r"size must .*received size=0"),
    Case("preprocessing.center_crop_resize/rank", "wrong-rank",
         lambda: preprocessing.center_crop_resize(np.zeros(5), 4),
         ValueError, r"image must .*received shape \(5,\)"),
    Case("preprocessing.center_crop_resize/huge", "huge",
         lambda: preprocessing.center_crop_resize(IMAGE, 1_000_000), ValueError, rf"size=1000000.*\({BYTES}\)"),
    Case("preprocessing.scale_inception/strings", "wrong-type",
         lambda: preprocessing.scale_inception(np.array(["a"])), ValueError, r"pixels must hold numbers .*<U1"),
    Case("preprocessing.scale_caffe/channels", "mismatched-channels",
         lambda: preprocessing.scale_caffe(np.zeros((4, 4, 2))),
         ValueError, r"pixels must .*received shape \(4, 4, 2\)"),
    Case("preprocessing.preprocess/mode", "unknown-name",
         lambda: preprocessing.preprocess(IMAGE, 8, mode="torch"),
         ValueError, r"mode must be one of .*received mode='torch'"),
    Case("preprocessing.preprocess/empty", "empty",
         lambda: preprocessing.preprocess([], 8), ValueError, r"images is an empty list"),
    Case("preprocessing.preprocess/rank", "wrong-rank",
         lambda: preprocessing.preprocess(np.zeros((1, 1, 8, 8, 3)), 8), ValueError,
         r"images must be one image .*received an array of shape \(1, 1, 8, 8, 3\)"),
    Case("preprocessing.preprocess/channels", "mismatched-channels",
         lambda: preprocessing.preprocess([np.zeros((8, 8, 2))], 8),
         ValueError, r"images\[0\] must be an image .*received shape \(8, 8, 2\)"),
    Case("preprocessing.preprocess/huge", "huge",
         lambda: preprocessing.preprocess(IMAGE, 1_000_000), ValueError, rf"size=1000000.*\({BYTES}\)"),
    Case("pretrained.locate/unknown", "unknown-name",
         lambda: tfmod("pretrained").locate("vgg16"), ValueError, r"key must be one of .*received key='vgg16'"),
    Case("pretrained.verify_file/file-str", "wrong-type",
         lambda: tfmod("pretrained").verify_file("/tmp/cnnlab-never/x.h5", "x.h5"), ValueError,
         r"file must be a ModelFile.*received file='x\.h5'"),
    # ------------------------------------------------------------------ training
    Case("training.build_in_scope/not-callable", "wrong-type",
         lambda: tfmod("training").build_in_scope(None, "mnist_cnn"),
         ValueError, r"build_fn must be a callable .*received build_fn='mnist_cnn'"),
    Case("training.build_in_scope/returns-wrong", "wrong-type",
         lambda: tfmod("training").build_in_scope(None, lambda: 42),
         ValueError, r"build_fn must return a keras\.Model, it returned int"),
    Case("training.RandomAffine/negative", "non-positive-size",
         lambda: tfmod("training").RandomAffine(shift=-1),
         ValueError, r"shift must be a number >= 0, received shift=-1"),
    Case("training.RandomAffine/nan", "nan-inf",
         lambda: tfmod("training").RandomAffine(rotation=math.nan),
         ValueError, r"rotation must .*received rotation=nan"),
    Case("training.digits_augmentation/seed", "non-positive-size",
         lambda: tfmod("training").digits_augmentation(seed=-1), ValueError, r"seed must .*received seed=-1"),
    Case("training.fashion_augmentation/seed", "wrong-type",
         lambda: tfmod("training").fashion_augmentation(seed="42"), ValueError, r"seed must .*received seed='42'"),
    Case("training.OneCycle/max-lr", "non-positive-size",
         lambda: tfmod("training").OneCycle(0, 100),
         ValueError, r"max_lr must be a positive number, received max_lr=0"),
    Case("training.OneCycle/max-lr-nan", "nan-inf",
         lambda: tfmod("training").OneCycle(math.nan, 100), ValueError, r"max_lr must .*received max_lr=nan"),
    Case("training.OneCycle/steps-zero", "non-positive-size",
         lambda: tfmod("training").OneCycle(0.01, 0), ValueError, r"total_steps must .*received total_steps=0"),
    Case("training.fit/epochs-zero", "non-positive-size",
         lambda: tfmod("training").fit(tiny_cnn(), (np.zeros((2, 8, 8, 3)), np.zeros(2)), epochs=0), ValueError,
         r"epochs must .*received epochs=0"),
    Case("training.fit/on-oom", "unknown-name",
         lambda: tfmod("training").fit(tiny_cnn(), (np.zeros((2, 8, 8, 3)), np.zeros(2)), on_oom="retry"), ValueError,
         r"on_oom must be one of 'raise', 'halve_batch', received on_oom='retry'"),
    Case("training.fit/model-str", "wrong-type",
         lambda: tfmod("training").fit("mnist_cnn", (np.zeros((2, 8, 8, 3)), np.zeros(2))), ValueError,
         r"model must be a keras\.Model or a function that builds one, received model='mnist_cnn'"),
    Case("training.fit/channels", "mismatched-channels",
         lambda: tfmod("training").fit(tiny_cnn(), (np.zeros((2, 8, 8, 1)), np.zeros(2)),
                                       compile_kwargs=dict(optimizer="sgd", loss="sparse_categorical_crossentropy")),
         ValueError,
         r"train .*\(2, 8, 8, 1\).*\(None, 8, 8, 3\)"),
    Case("training.prepare_digits/rank", "wrong-rank",
         lambda: tfmod("training").prepare_digits(np.zeros(5)),
         ValueError, r"x must be a batch of greyscale images .*received shape \(5,\)"),
    Case("training.prepare_digits/range", "nan-inf",
         lambda: tfmod("training").prepare_digits(np.full((1, 28, 28), np.nan)),
         ValueError, r"x must be uint8 .*nan"),
    Case("training.train_reference/architecture", "unknown-name",
         lambda: tfmod("training").train_reference((np.zeros((2, 28, 28)), np.zeros(2)), architecture="resnet"), ValueError,
         r"architecture must be one of 'mnist_cnn', 'fashion_cnn', received architecture='resnet'"),
    Case("training.train_reference/max-lr", "non-positive-size",
         lambda: tfmod("training").train_reference((np.zeros((2, 28, 28)), np.zeros(2)), max_lr=-1.0), ValueError,
         r"max_lr must .*received max_lr=-1\.0"),
    Case("training.ensemble_predict/empty", "empty",
         lambda: tfmod("training").ensemble_predict([], np.zeros((2, 8, 8, 3))), ValueError, r"models is empty"),
    Case("training.ensemble_predict/batch-size", "non-positive-size",
         lambda: tfmod("training").ensemble_predict([tiny_cnn()], np.zeros((2, 8, 8, 3)), batch_size=0), ValueError,
         r"batch_size must .*received batch_size=0"),
    # ------------------------------------------------------------------ device (no owner yet)
    Case("device.split_cpu/zero", "non-positive-size",
         lambda: tfmod("device").split_cpu(0), ValueError, r"n must .*received n=0"),
    Case("device.describe/str", "wrong-type",
         lambda: tfmod("device").describe(print_report="yes"), ValueError,
         r"print_report must be True or False, received print_report='yes'"),
    Case("device.gpus/str", "wrong-type",
         lambda: tfmod("device").gpus(memory_growth="yes"), ValueError,
         r"memory_growth must be True or False, received memory_growth='yes'"),
    Case("device.enable_mixed_precision/str", "wrong-type",
         lambda: tfmod("device").enable_mixed_precision(force="yes"), ValueError,
         r"force must be True or False, received force='yes'"),
]


# ----------------------------------------------------------------------------- the table: widgets


def W(name: str):
    """A widget class (or widget-module function) by its name in ``cnnlab.widgets`` or a submodule."""
    module, _, attribute = name.rpartition(".")
    return getattr(importlib.import_module("cnnlab.widgets" + (f".{module}" if module else "")), attribute)


RGB = np.zeros((8, 8, 3), np.float32)

WIDGET_CASES: list[Case] = [
    # ConvGeometryExplorer and conv_geometry
    Case("widgets.ConvGeometryExplorer/rank", "wrong-rank",
         lambda: W("ConvGeometryExplorer")(input_shape=(5, 7, 3)),
         ValueError, r"input_shape must .*received input_shape=\(5, 7, 3\)"),
    Case("widgets.ConvGeometryExplorer/zero-kernel", "non-positive-size",
         lambda: W("ConvGeometryExplorer")(kernel_size=(0, 3)),
         ValueError, r"kernel_size must .*received kernel_size=\(0, 3\)"),
    Case("widgets.ConvGeometryExplorer/padding", "unknown-name",
         lambda: W("ConvGeometryExplorer")(padding="full"), ValueError, r"padding must be .*received padding='full'"),
    Case("widgets.ConvGeometryExplorer/huge", "huge",
         lambda: W("ConvGeometryExplorer")(input_shape=(10**6, 10**6)),
         ValueError, r"input_shape must .*at most 20.*received input_shape=\(1000000, 1000000\)"),
    Case("widgets.ConvGeometryExplorer/step", "non-positive-size",
         lambda: W("ConvGeometryExplorer")(step=-1), ValueError, r"step must .*received step=-1"),
    Case("widgets.conv_geometry.conv_geometry/padding", "unknown-name",
         lambda: W("conv_geometry.conv_geometry")((5, 7), (3, 3), 1, "full"), ValueError, r"received padding='full'"),
    Case("widgets.conv_geometry.conv_geometry/does-not-fit", "non-positive-size",
         lambda: W("conv_geometry.conv_geometry")((2, 2), (3, 3), 1, "VALID"), ValueError,
         r"kernel_size=\(3, 3\) does not fit in input_shape=\(2, 2\) with padding='VALID'"),
    Case("widgets.conv_geometry.geometry_svg/neuron", "non-positive-size",
         lambda: W("conv_geometry.geometry_svg")(W("conv_geometry.conv_geometry")((5, 7), (3, 3)), (9, 9)), ValueError,
         r"neuron must .*received neuron=\(9, 9\)"),
    Case("widgets.conv_geometry.geometry_readout/geometry-str", "wrong-type",
         lambda: W("conv_geometry.geometry_readout")("5x7"),
         ValueError, r"geometry must be a ConvGeometry.*received geometry='5x7'"),
    Case("widgets.conv_geometry.conv_geometry/negative", "non-positive-size",
         lambda: W("conv_geometry.conv_geometry")((5, -7), (3, 3)),
         ValueError, r"input_shape must .*received input_shape=\(5, -7\)"),
    Case("widgets.conv_geometry.conv_geometry/window-negative", "non-positive-size",
         lambda: W("conv_geometry.conv_geometry")((5, 7), (3, 3)).window(-1, 0), ValueError,
         r"i must be a non-negative integer, received i=-1"),
    # DatasetBrowser
    Case("widgets.DatasetBrowser/rank", "wrong-rank",
         lambda: W("DatasetBrowser")(np.zeros((28, 28)), np.zeros(28, int)), ValueError,
         r"images must have shape \(n, height, width\) .*received shape \(28, 28\)"),
    Case("widgets.DatasetBrowser/empty", "empty",
         lambda: W("DatasetBrowser")(np.zeros((0, 28, 28)), np.zeros(0, int)),
         ValueError, r"images must .*n >= 1, received shape \(0, 28, 28\)"),
    Case("widgets.DatasetBrowser/labels", "mismatched-channels",
         lambda: W("DatasetBrowser")(np.zeros((3, 28, 28)), np.zeros(2, int)),
         ValueError, r"labels must have shape \(3,\) .*received shape \(2,\)"),
    Case("widgets.DatasetBrowser/class-names", "mismatched-channels",
         lambda: W("DatasetBrowser")(np.zeros((2, 4, 4)), np.array([0, 5]), class_names=["a"]), ValueError,
         r"class_names has 1 names but labels go up to 5"),
    Case("widgets.DatasetBrowser/labels-negative", "non-positive-size",
         lambda: W("DatasetBrowser")(np.zeros((2, 4, 4)), np.array([0, -1])),
         ValueError, r"labels must .*>= 0.*-1"),
    Case("widgets.DatasetBrowser/labels-float", "wrong-type",
         lambda: W("DatasetBrowser")(np.zeros((2, 4, 4)), np.array([0.5, 1.0])),
         ValueError, r"labels must .*integer.*0\.5"),
    Case("widgets.DatasetBrowser/scale-zero", "non-positive-size",
         lambda: W("DatasetBrowser")(np.zeros((2, 4, 4)), np.array([0, 1]), scale=0),
         ValueError, r"scale must .*received scale=0"),
    Case("widgets.DatasetBrowser/huge-scale", "huge",
         lambda: W("DatasetBrowser")(np.zeros((2, 28, 28)), np.array([0, 1]), scale=100_000), ValueError,
         rf"scale=100000.*\({BYTES}\)"),
    Case("widgets.DatasetBrowser/channels", "mismatched-channels",
         lambda: W("DatasetBrowser")(np.zeros((2, 4, 4, 2)), np.array([0, 1])), ValueError,
         r"images must have shape .*\(n, height, width, 3\).*received shape \(2, 4, 4, 2\)"),
    Case("widgets.dataset_browser.class_indices/label-str", "wrong-type",
         lambda: W("dataset_browser.class_indices")(np.array([0, 1]), "cat"),
         ValueError, r"label must .*received label='cat'"),
    # DeepDreamExplorer (TensorFlow)
    Case("widgets.DeepDreamExplorer/tile-zero", "non-positive-size",
         lambda: W("DeepDreamExplorer")(tiny_base(), RGB, tile_size=0),
         ValueError, r"tile_size must .*received tile_size=0"),
    Case("widgets.DeepDreamExplorer/layer", "unknown-name",
         lambda: W("DeepDreamExplorer")(tiny_base(), RGB, layer="mixed3"),
         ValueError, r"layer must be one of the layers offered, received layer='mixed3'"),
    Case("widgets.DeepDreamExplorer/layers-empty", "empty",
         lambda: W("DeepDreamExplorer")(tiny_base(), RGB, layers=[]),
         ValueError, r"layers is empty, received layers=\[\]"),
    Case("widgets.DeepDreamExplorer/image-rank", "wrong-rank",
         lambda: W("DeepDreamExplorer")(tiny_base(), GREY),
         ValueError, r"image must have shape \(height, width, 3\).*received shape \(8, 8\)"),
    Case("widgets.DeepDreamExplorer/step-size-nan", "nan-inf",
         lambda: W("DeepDreamExplorer")(tiny_base(), RGB, step_size=math.nan),
         ValueError, r"step_size must .*received step_size=nan"),
    Case("widgets.DeepDreamExplorer/model-str", "wrong-type",
         lambda: W("DeepDreamExplorer")("inception", RGB),
         ValueError, r"model must be a keras\.Model.*received model='inception'"),
    # DigitCanvas and class_probabilities
    Case("widgets.DigitCanvas/size", "non-positive-size",
         lambda: W("DigitCanvas")(size=0), ValueError, r"size must be an int from 100 to 800 .*received size=0"),
    Case("widgets.DigitCanvas/pen-nan", "nan-inf",
         lambda: W("DigitCanvas")(pen=math.nan), ValueError, r"pen must .*received pen=nan"),
    Case("widgets.DigitCanvas/model-str", "wrong-type",
         lambda: W("DigitCanvas")(model="mnist_cnn"),
         ValueError, r"model must be a Keras model, .*received model='mnist_cnn'"),
    Case("widgets.DigitCanvas/class-names-empty", "empty",
         lambda: W("DigitCanvas")(class_names=[]), ValueError, r"class_names .*received class_names=\[\]"),
    Case("widgets.digit_canvas.class_probabilities/shape", "wrong-rank",
         lambda: W("digit_canvas.class_probabilities")(lambda x: np.ones((1, 10)), np.zeros((20, 20))), ValueError,
         r"digit must be a 28×28 image, received shape \(20, 20\)"),
    Case("widgets.digit_canvas.class_probabilities/nan", "nan-inf",
         lambda: W("digit_canvas.class_probabilities")(lambda x: np.full((1, 10), np.nan), np.zeros((28, 28))), ValueError,
         r"the model returned NaN or infinite scores"),
    # FeatureMapViewer and feature-map helpers (TensorFlow)
    Case("widgets.FeatureMapViewer/not-a-model", "wrong-type",
         lambda: W("FeatureMapViewer")("tiny", RGB), ValueError,
         r"model must be a built Keras model .*received model='tiny' \(type str\); start it with keras\.Input"),
    Case("widgets.FeatureMapViewer/layers-unknown", "unknown-name",
         lambda: W("FeatureMapViewer")(tiny_cnn(), RGB, layers=["out"]),
         ValueError, r"layers must name layers with 4-D output, .*received 'out'"),
    Case("widgets.FeatureMapViewer/image-channels", "mismatched-channels",
         lambda: W("FeatureMapViewer")(tiny_cnn(), np.zeros((8, 8, 2))),
         ValueError, r"image has 2 channel\(s\), received shape \(8, 8, 2\)"),
    Case("widgets.FeatureMapViewer/image-empty", "empty",
         lambda: W("FeatureMapViewer")(tiny_cnn(), {}), ValueError, r"image is empty"),
    Case("widgets.FeatureMapViewer/image-nan", "nan-inf",
         lambda: W("FeatureMapViewer")(tiny_cnn(), NAN_IMAGE), ValueError, r"image contains .*NaN"),
    Case("widgets.feature_maps.feature_maps/layer", "unknown-name",
         lambda: W("feature_maps.feature_maps")(tiny_cnn(), RGB, "C9"),
         ValueError, r"layer_name must be one of .*'C9'"),
    Case("widgets.feature_maps.feature_grid/rank", "wrong-rank",
         lambda: W("feature_maps.feature_grid")(np.zeros((4, 4))),
         ValueError, r"maps must have shape \(height, width, channels\), received shape \(4, 4\)"),
    Case("widgets.feature_maps.feature_grid/columns-zero", "non-positive-size",
         lambda: W("feature_maps.feature_grid")(np.zeros((4, 4, 2)), columns=0),
         ValueError, r"columns must .*received columns=0"),
    Case("widgets.feature_maps.feature_grid/pad-negative", "non-positive-size",
         lambda: W("feature_maps.feature_grid")(np.zeros((4, 4, 2)), pad=-1),
         ValueError, r"pad must .*received pad=-1"),
    Case("widgets.feature_maps.feature_grid/huge", "huge",
         lambda: W("feature_maps.feature_grid")(np.zeros((4, 4, 16)), pad=10**5),
         ValueError, rf"pad=100000.*\({BYTES}\)"),
    Case("widgets.feature_maps.feature_map_layers/not-a-model", "wrong-type",
         lambda: W("feature_maps.feature_map_layers")("tiny"),
         ValueError, r"model must be .*received model='tiny'"),
    Case("widgets.feature_maps.prepare_image/strings", "wrong-type",
         lambda: W("feature_maps.prepare_image")(np.full((4, 4), "a")),
         ValueError, r"image must hold numbers, received dtype <U1"),
    Case("widgets.feature_maps.prepare_image/rank", "wrong-rank",
         lambda: W("feature_maps.prepare_image")(np.zeros(4)),
         ValueError, r"image must have shape \(height, width\) .*received"),
    Case("widgets.feature_maps.show_filters/columns", "non-positive-size",
         lambda: W("show_filters")(tiny_cnn(), "conv", columns=0), ValueError, r"columns must .*received columns=0"),
    Case("widgets.feature_maps.show_filters/layer", "unknown-name",
         lambda: W("show_filters")(tiny_cnn(), "C1"),
         ValueError, r"layer_name must be one of .*received layer_name='C1'"),
    Case("widgets.feature_maps.show_filters/no-kernel", "wrong-rank",
         lambda: W("show_filters")(tiny_cnn(), "out"), ValueError, r"layer_name='out' has no 4-D convolution kernel"),
    # KernelExplorer and kernel helpers
    Case("widgets.KernelExplorer/kernel-unknown", "unknown-name",
         lambda: W("KernelExplorer")({"x": RGB}, kernel="sobel z"),
         ValueError, r"kernel must be one of .*received kernel='sobel z'"),
    Case("widgets.KernelExplorer/kernel-even", "non-positive-size",
         lambda: W("KernelExplorer")({"x": RGB}, kernel=np.zeros((4, 4))),
         ValueError, r"kernel must be a square array of size 3, 5 or 7, received shape \(4, 4\)"),
    Case("widgets.KernelExplorer/kernel-nan", "nan-inf",
         lambda: W("KernelExplorer")({"x": RGB}, kernel=np.full((3, 3), np.nan)),
         ValueError, r"kernel holds NaN or infinite values"),
    Case("widgets.KernelExplorer/images-empty", "empty",
         lambda: W("KernelExplorer")({}), ValueError, r"images is empty"),
    Case("widgets.KernelExplorer/image-rank", "wrong-rank",
         lambda: W("KernelExplorer")({"x": np.zeros(5)}),
         ValueError, r"image.* must have shape \(height, width\) .*received shape \(5,\)"),
    Case("widgets.KernelExplorer/image-nan", "nan-inf",  # checked once where it enters, not at each slider move
         lambda: W("KernelExplorer")({"x": np.where(RGB == 0, np.nan, RGB)}),
         ValueError, r"images\['x'\] contains 192 NaN or infinite values \(the first at images\['x'\]\[0, 0, 0\]"),
    Case("widgets.kernel_explorer.feature_map/channel", "unknown-name",
         lambda: W("kernel_explorer.feature_map")(RGB, kernels.sobel_x(), channel=5),
         ValueError, r"channel must be one of .*received channel=5"),
    Case("widgets.kernel_explorer.feature_map/kernel-rank", "wrong-rank",
         lambda: W("kernel_explorer.feature_map")(RGB, np.zeros(3)),
         ValueError, r"kernel must be a 2-D array, received shape \(3,\)"),
    Case("widgets.kernel_explorer.channel_planes/rank", "wrong-rank",
         lambda: W("kernel_explorer.channel_planes")(np.zeros(5)),
         ValueError, r"image must have shape .*received shape \(5,\)"),
    # MemoryCalculator
    Case("widgets.MemoryCalculator/height-zero", "non-positive-size",
         lambda: W("MemoryCalculator")(height=0), ValueError, r"height must .*received height=0"),
    Case("widgets.MemoryCalculator/padding", "unknown-name",
         lambda: W("MemoryCalculator")(padding="full"),
         ValueError, r"padding must be one of .*received padding='full'"),
    Case("widgets.MemoryCalculator/dtype", "unknown-name",
         lambda: W("MemoryCalculator")(dtype="int8"),
         ValueError, r"dtype must be one of .*received dtype='int8'"),
    Case("widgets.MemoryCalculator/kernel-str", "wrong-type",
         lambda: W("MemoryCalculator")(kernel_size="5"),
         ValueError, r"kernel_size must .*received kernel_size='5'"),
    # PhotoClassifier and helpers
    Case("widgets.PhotoClassifier/credits-int", "wrong-type",
         lambda: W("PhotoClassifier")(FakeClassifier(), {"x": RGB}, top=1, credits=3), ValueError,
         r"credits must be a mapping of photo names to credits, received credits=3"),
    Case("widgets.PhotoClassifier/top-zero", "non-positive-size",
         lambda: W("PhotoClassifier")(FakeClassifier(), {"x": RGB}, top=0), ValueError, r"top must .*received top=0"),
    Case("widgets.PhotoClassifier/classifier-str", "wrong-type",
         lambda: W("PhotoClassifier")("mobilenet", {"x": RGB}),
         ValueError, r"classifier must be a cnnlab\.pretrained\.Classifier .*received classifier='mobilenet'"),
    Case("widgets.PhotoClassifier/top-too-many", "non-positive-size",
         lambda: W("PhotoClassifier")(FakeClassifier(), {"x": RGB}, top=3),
         ValueError, r"top=3 is more than the 2 classes of fake"),
    Case("widgets.PhotoClassifier/image-channels", "mismatched-channels",
         lambda: W("PhotoClassifier")(FakeClassifier(), {"x": np.zeros((8, 8, 2))}, top=1),
         ValueError, r"images\['x'\] must be an image .*received shape \(8, 8, 2\)"),
    Case("widgets.photo_classifier.model_view/size-zero", "non-positive-size",
         lambda: W("photo_classifier.model_view")(RGB, 0), ValueError, r"size must .*received size=0"),
    Case("widgets.photo_classifier.top_k_bars/not-pairs", "wrong-type",
         lambda: W("photo_classifier.top_k_bars")(["cat"]),
         ValueError, r"predictions must be .*\(name, probability\).*received"),
    # PoolingExplorer and pooling helpers
    Case("widgets.PoolingExplorer/mode", "unknown-name",
         lambda: W("PoolingExplorer")({"x": RGB}, mode="median"),
         ValueError, r"mode must be one of 'max', 'average', received mode='median'"),
    Case("widgets.PoolingExplorer/small-image", "non-positive-size",
         lambda: W("PoolingExplorer")({"x": np.zeros((2, 2, 3))}),
         ValueError, r"images\['x'\] must be an RGB image .*received shape \(2, 2, 3\)"),
    Case("widgets.PoolingExplorer/channels", "mismatched-channels",
         lambda: W("PoolingExplorer")({"x": np.zeros((8, 8, 4))}),
         ValueError, r"images\['x'\] must be an RGB image .*received shape \(8, 8, 4\)"),
    Case("widgets.PoolingExplorer/pool-size-zero", "non-positive-size",
         lambda: W("PoolingExplorer")({"x": RGB}, pool_size=0),
         ValueError, r"pool_size must .*received pool_size=0"),
    Case("widgets.PoolingExplorer/image-inf", "nan-inf",  # checked once where it enters, not at each slider move
         lambda: W("PoolingExplorer")({"x": np.full((8, 8, 3), np.inf, np.float32)}),
         ValueError, r"images\['x'\] contains 192 NaN or infinite values \(the first at images\['x'\]\[0, 0, 0\]"),
    Case("widgets.PoolingExplorer/padding", "unknown-name",
         lambda: W("PoolingExplorer")({"x": RGB}, padding="full"),
         ValueError, r"padding must be .*received padding='full'"),
    Case("widgets.pooling_explorer.pool/pool-size", "non-positive-size",
         lambda: W("pooling_explorer.pool")(RGB, pool_size=-2), ValueError, r"pool_size must .*received pool_size=-2"),
    Case("widgets.pooling_explorer.shift_invariance/mode", "unknown-name",
         lambda: W("pooling_explorer.shift_invariance")(RGB, mode="min"),
         ValueError, r"mode must be one of .*received mode='min'"),
    Case("widgets._picture.widget_picture/root-str", "wrong-type",
         lambda: W("_picture.widget_picture")("x"), ValueError, r"root must be an ipywidgets widget, received root='x'"),
    Case("widgets.deepdream_explorer.dream_change/shapes", "mismatched-channels",
         lambda: W("deepdream_explorer.dream_change")(np.zeros((4, 4, 3)), np.zeros((5, 4, 3))), ValueError,
         r"before and after must be images of one shape \(height, width, 3\), received shapes \(4, 4, 3\) and "
         r"\(5, 4, 3\)"),
    Case("widgets.deepdream_explorer.change_summary/steps-zero", "non-positive-size",
         lambda: W("deepdream_explorer.change_summary")(np.zeros((4, 4, 3)), np.zeros((4, 4, 3)), steps=0),
         ValueError, r"steps must be a positive integer, received steps=0"),
    Case("widgets.digit_canvas.accuracy_note/percent", "wrong-type",
         lambda: W("digit_canvas.accuracy_note")(99.2), ValueError,
         r"accuracy must be the model's test accuracy, a number from 0 to 1 \(0.99 for 99%\), received accuracy=99.2"),
    Case("widgets.digit_canvas.accuracy_note/nan", "nan-inf",
         lambda: W("digit_canvas.accuracy_note")(math.nan), ValueError, r"received accuracy=nan"),
    Case("widgets.digit_canvas.accuracy_note/one-class", "non-positive-size",
         lambda: W("digit_canvas.accuracy_note")(0.5, classes=1), ValueError,
         r"classes must be the number of classes the model tells apart, at least 2, received classes=1"),
    Case("widgets.kernel_explorer.channel_scale/kernel-rank", "wrong-rank",
         lambda: W("kernel_explorer.channel_scale")(RGB, np.zeros(3)), ValueError,
         r"kernel must be a 2-D array, received shape \(3,\)"),
    Case("widgets.kernel_explorer.channel_picture/channel-name", "wrong-type",
         lambda: W("kernel_explorer.channel_picture")(RGB, "red"), ValueError,
         r"channel must be None or a channel index such as 0, received channel='red'"),
    Case("widgets.kernel_explorer.channel_picture/channel", "mismatched-channels",
         lambda: W("kernel_explorer.channel_picture")(RGB, 5), ValueError,
         r"channel must be None or a channel index below 3, received channel=5"),
    Case("widgets.kernel_explorer.shown_weights/rank", "wrong-rank",
         lambda: W("kernel_explorer.shown_weights")(np.zeros(3)), ValueError,
         r"kernel must be a 2-D array of numbers, received shape \(3,\)"),
    Case("widgets.kernel_explorer.shown_weights/nan", "nan-inf",
         lambda: W("kernel_explorer.shown_weights")(np.full((3, 3), np.nan)), ValueError,
         r"kernel holds NaN or infinite values"),
    Case("widgets.pooling_explorer.shift_changes/mode", "unknown-name",
         lambda: W("pooling_explorer.shift_changes")(RGB, mode="min"), ValueError,
         r"mode must be one of .*received mode='min'"),
    Case("widgets.pooling_explorer.shift_changes/pool-zero", "non-positive-size",
         lambda: W("pooling_explorer.shift_changes")(RGB, "max", 0), ValueError, r"pool_size must be a positive integer"),
    Case("widgets.pooling_explorer.mark_changes/shapes", "mismatched-channels",
         lambda: W("pooling_explorer.mark_changes")(RGB, np.zeros((4, 4))), ValueError,
         r"received shapes \(8, 8, 3\) and \(4, 4\)"),
    Case("widgets.pooling_explorer.mark_changes/strength-nan", "nan-inf",
         lambda: W("pooling_explorer.mark_changes")(RGB, np.zeros((8, 8)), strength=math.nan), ValueError,
         r"strength must be a finite number, received strength=nan"),
    Case("widgets.pooling_explorer.group_names/group-zero", "non-positive-size",
         lambda: W("pooling_explorer.group_names")((0, 30), 0), ValueError,
         r"group must be a positive integer, received group=0"),
    Case("widgets.pooling_explorer.group_names/angles-str", "wrong-type",
         lambda: W("pooling_explorer.group_names")("0,30", 1), ValueError,
         r"angles must be a sequence of angles in degrees.*received angles='0,30'"),
    Case("widgets.pooling_explorer.group_names/empty", "empty",
         lambda: W("pooling_explorer.group_names")((), 1), ValueError, r"angles is empty; give the angles"),
    Case("widgets.feature_maps.map_scale/rank", "wrong-rank",
         lambda: W("feature_maps.map_scale")(np.zeros((4, 4))), ValueError,
         r"maps must have shape \(height, width, channels\), received shape \(4, 4\)"),
    Case("widgets.feature_maps.map_scale/shared-str", "wrong-type",
         lambda: W("feature_maps.map_scale")(RGB, shared="no"), ValueError,
         r"shared must be True or False, received shared='no'"),
    Case("widgets.pooling_explorer.orientation_maps/rank", "wrong-rank",
         lambda: W("pooling_explorer.orientation_maps")(np.zeros(5)),
         ValueError, r"image must .*received shape \(5,\)"),
    # ReceptiveFieldExplorer and helpers
    Case("widgets.ReceptiveFieldExplorer/preset", "unknown-name",
         lambda: W("ReceptiveFieldExplorer")(RGB, preset="vgg"),
         ValueError, r"preset must be one of .*received preset='vgg'"),
    Case("widgets.ReceptiveFieldExplorer/format", "unknown-name",
         lambda: W("ReceptiveFieldExplorer")(RGB, format="gif"),
         ValueError, r"format must be one of 'jpeg', 'png', received format='gif'"),
    Case("widgets.ReceptiveFieldExplorer/scale-zero", "non-positive-size",
         lambda: W("ReceptiveFieldExplorer")(RGB, scale=0), ValueError, r"scale must .*received scale=0"),
    Case("widgets.ReceptiveFieldExplorer/layers-empty", "empty",
         lambda: W("ReceptiveFieldExplorer")(RGB, layers=[]), ValueError, r"layers is empty"),
    Case("widgets.ReceptiveFieldExplorer/huge-scale", "huge",
         lambda: W("ReceptiveFieldExplorer")(RGB, scale=10**6), ValueError, rf"scale=1000000.*\({BYTES}\)"),
    Case("widgets.ReceptiveFieldExplorer/image-rank", "wrong-rank",
         lambda: W("ReceptiveFieldExplorer")(np.zeros(5)), ValueError, r"image must .*received shape \(5,\)"),
    Case("widgets.receptive_field.is_pooling/str", "wrong-type",
         lambda: W("receptive_field.is_pooling")("pool"),
         ValueError, r"layer must be .*received layer='pool'"),
    Case("widgets.receptive_field.field_path/layer-index", "non-positive-size",
         lambda: W("receptive_field.field_path")([(3, 1)], (8, 8), 5, 0, 0),
         ValueError, r"layer_index must .*received layer_index=5"),
    Case("widgets.receptive_field.field_box/row", "non-positive-size",
         lambda: W("receptive_field.field_box")([(3, 1)], (8, 8), 0, 99, 0), ValueError, r"row must .*received row=99"),
    Case("widgets.receptive_field.field_table/empty", "empty",
         lambda: W("receptive_field.field_table")([], (8, 8)), ValueError, r"layers is empty"),
    Case("widgets.receptive_field.field_table/image-shape", "wrong-rank",
         lambda: W("receptive_field.field_table")([(3, 1)], (8,)),
         ValueError, r"image_shape must .*received image_shape=\(8,\)"),
    Case("widgets.receptive_field.draw_box/border", "non-positive-size",
         lambda: W("receptive_field.draw_box")(RGB, (0, 0, 2, 2), border=-1),
         ValueError, r"border must .*received border=-1"),
    Case("widgets.receptive_field.draw_box/dim-nan", "nan-inf",
         lambda: W("receptive_field.draw_box")(RGB, (0, 0, 2, 2), dim=math.nan),
         ValueError, r"dim must .*received dim=nan"),
    Case("widgets.receptive_field.shrink/max-size", "non-positive-size",
         lambda: W("receptive_field.shrink")(RGB, 0), ValueError, r"max_size must .*received max_size=0"),
    # base helpers
    Case("widgets._base.named_images/empty", "empty",
         lambda: W("_base.named_images")({}, dict), ValueError, r"images is empty"),
    Case("widgets._base.named_images/strings", "wrong-type",
         lambda: W("_base.named_images")({"x": "photo.jpg"}, dict),
         ValueError, r"images\['x'\] must .*received .*photo\.jpg"),
    Case("widgets._base.close_widgets/not-a-widget", "wrong-type",
         lambda: W("_base.close_widgets")("box"),
         ValueError, r"roots\[0\] must be .*widget.*received .*'box'"),
    Case("widgets._jupyter.poll_events/negative", "non-positive-size",
         lambda: W("_jupyter.poll_events")(-1), ValueError, r"n must .*received n=-1"),
    Case("widgets._jupyter.answer_while_busy/not-a-widget", "wrong-type",
         lambda: W("_jupyter.answer_while_busy")("button"),
         ValueError, r"widget must be .*received widget='button'"),
    Case("widgets.TrainingMonitor/update-every", "non-positive-size",
         lambda: W("TrainingMonitor")(update_every=0),
         ValueError, r"update_every must .*received update_every=0"),
]

ALL_CASES = CASES + TF_CASES + WIDGET_CASES


def _param(case: Case):
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return pytest.param(case, id=case.id, marks=marks)


# ----------------------------------------------------------------------------- the tests


@contextmanager
def address_space_headroom(nbytes: int = 2 * 2**30):
    """Let the block map at most ``nbytes`` more memory (``RLIMIT_AS``), then restore the limit.

    A huge row whose function lacks its size check then fails with a ``MemoryError`` instead of
    filling the machine's memory (Pillow, for one, allocates a huge image in blocks until the
    kernel kills the process). Linux only; elsewhere the block runs unguarded.
    """
    try:
        import resource

        status = Path("/proc/self/status").read_text()
        size = int(re.search(r"VmSize:\s+(\d+) kB", status).group(1)) * 1024
    except (ImportError, OSError, AttributeError):
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = size + nbytes if hard == resource.RLIM_INFINITY else min(size + nbytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def run(case: Case):
    """Call the row; a huge row runs with its modules imported first and its memory bounded."""
    if case.kind != "huge":
        return case.call()
    if case in TF_CASES or case in WIDGET_CASES:
        import keras  # noqa: F401 - imported outside the guard: it maps a lot of memory
        import tensorflow  # noqa: F401
    parts = case.target.split(".")
    for end in range(len(parts), 0, -1):
        try:
            importlib.import_module("cnnlab." + ".".join(parts[:end]))
            break
        except ImportError:
            continue
    with address_space_headroom():
        return case.call()


def _check_row(case: Case) -> None:
    with pytest.raises(case.raises) as info:
        run(case)
    message = str(info.value)
    assert re.search(case.match, message, re.S), (
        f"{case.id}: the {type(info.value).__name__} message does not name the argument and what it received;\n"
        f"  message: {message!r}\n  wanted (regex): {case.match!r}"
    )


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_input(case: Case):
    _check_row(case)


@pytest.mark.parametrize("case", [_param(c) for c in TF_CASES])
def test_bad_input_tensorflow(case: Case):
    _check_row(case)


@pytest.mark.parametrize("case", [_param(c) for c in WIDGET_CASES])
def test_bad_input_widgets(case: Case):
    _check_row(case)


# ----------------------------------------------------------------------------- widget controls


@dataclass(frozen=True)
class ControlCase:
    id: str
    make: Callable[[], object]
    act: Callable[[object], None]
    match: str
    xfail: str | None = None


def _set(**values):
    def act(widget):
        for name, value in values.items():
            setattr(getattr(widget, name), "value", value)
    return act


def _set_cell(index, value):
    def act(widget):
        widget.cells[index].value = value
    return act


def _upload(name: str, content: bytes):
    """Put a file in the widget's FileUpload, as the browser does when a learner picks one."""
    import datetime

    def act(widget):
        widget.upload.value = ({"name": name, "type": "", "size": len(content), "content": memoryview(content),
                                "last_modified": datetime.datetime.now(datetime.timezone.utc)},)
    return act


CONTROL_CASES = [
    ControlCase("ConvGeometryExplorer/valid-kernel-larger-than-input",
                lambda: W("ConvGeometryExplorer")((3, 3), (3, 3), (1, 1), "VALID"),
                _set(kernel_height=5), r"kernel.*5.*3|larger than input_size"),
    ControlCase("MemoryCalculator/valid-kernel-larger-than-input",
                lambda: W("MemoryCalculator")(height=4, width=4),
                _set(padding="VALID", kernel_size=7), r"kernel_size=\(7, 7\) does not fit in the 4×4 input"),
    ControlCase("PoolingExplorer/valid-window-larger-than-image",
                lambda: W("PoolingExplorer")({"x": np.zeros((4, 4, 3), np.float32)}),
                _set(pool_size=6), r"pool.*6.*4×4|does not fit"),
    ControlCase("KernelExplorer/cell-set-to-inf",
                lambda: W("KernelExplorer")({"x": RGB}, kernel=np.zeros((3, 3))),
                _set_cell(0, math.inf), r"(kernel|filters) .*(NaN or infinite).*inf"),
    ControlCase("KernelExplorer/cell-set-to-nan",
                lambda: W("KernelExplorer")({"x": RGB}, kernel=np.zeros((3, 3))),
                _set_cell(8, math.nan), r"(kernel|filters) .*(NaN or infinite).*nan"),
    ControlCase("KernelExplorer/upload-not-an-image",
                lambda: W("KernelExplorer")({"x": RGB}),
                _upload("notes.txt", b"not a photo"), r"source=.*notes\.txt.* is not an image file"),
    ControlCase("KernelExplorer/upload-huge-image",
                lambda: W("KernelExplorer")({"x": RGB}),
                _upload("bomb.png", png_header(100_000, 100_000)),
                r"source='bomb\.png' announces too many pixels .*10000000000 pixels"),
    ControlCase("PhotoClassifier/upload-not-an-image",
                lambda: W("PhotoClassifier")(FakeClassifier(), {"x": RGB}, top=1),
                _upload("notes.txt", b"not a photo"), r"source=.*notes\.txt.* is not an image file"),
    ControlCase("PhotoClassifier/upload-empty-file",
                lambda: W("PhotoClassifier")(FakeClassifier(), {"x": RGB}, top=1),
                _upload("empty.jpg", b""), r"source=.*empty\.jpg.* is empty \(0 bytes\)"),
    ControlCase("ConvGeometryExplorer/stride-leaves-valid-kernel-outside",
                lambda: W("ConvGeometryExplorer")((4, 4), (3, 3), (1, 1), "VALID"),
                _set(input_height=2), r"kernel_size=\(3, 3\) does not fit in input_shape=\(2, 4\)"),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=[pytest.mark.xfail(strict=True, reason=c.xfail)]
                                               if c.xfail else []) for c in CONTROL_CASES])
def test_out_of_range_control_shows_error_in_widget(case: ControlCase):
    widget = case.make()
    assert widget.last_error is None, f"the widget starts with an error: {widget.last_error!r}"
    case.act(widget)  # must not raise
    assert widget.last_error is not None, "the impossible setting was accepted silently"
    assert widget.error_box.layout.display != "none", "the error box stays hidden"
    assert re.search(case.match, str(widget.last_error)), (str(widget.last_error), case.match)
    assert re.search(case.match, _html_text(widget.error_box.value)), widget.error_box.value


def _html_text(value: str) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", value))


# ----------------------------------------------------------------------------- the table itself

#: Public callables that take no arguments, so no bad input exists for them.
NO_ARGUMENTS = {
    "course.notebooks_dir", "datasets.load_sample_images", "datasets.load_mnist", "datasets.load_fashion_mnist",
    "device.mixed_precision_available", "device.distribution_strategy", "exercises.exercise2_answers",
    "kernels.sharpen", "kernels.emboss", "kernels.sobel_x", "kernels.sobel_y", "kernels.scharr_x", "kernels.scharr_y",
    "kernels.prewitt_x", "kernels.prewitt_y", "kernels.laplacian", "kernels.names", "kernels.sized_names",
    "plotting.setup", "pretrained.imagenet_class_names", "pretrained.keras_cache_dir", "pretrained.entries",
    "widgets._jupyter.can_poll", "widgets._base.WidgetBase",
    "_store.registry", "datasets.entries", "_quiet.install", "_quiet.uninstall", "_quiet.installed",
    "_quiet.quiet_stderr",
}

#: Exception classes: raised by the package, never called with user input.
EXCEPTIONS = {"datasets.DataUnavailableError", "datasets.ChecksumError", "datasets.UnsafeArchiveError",
              "pretrained.WeightsUnavailableError", "pretrained.ChecksumError", "_download.DownloadError",
              "_download.ChecksumError", "_download.UnsafeArchiveError"}

#: Result records: the package builds them from values it has already checked, and hands them out;
#: a learner reads them but has no reason to build one.
RESULTS = {"ops.ReceptiveField", "plotting.ColourBar", "evaluation.Mistakes", "checks.CheckResult", "widgets.questions.Amount",
           "flowers.FlowerData", "datasets.FlowerFolder", "device.DeviceReport", "device.GpuInfo", "models.inspect.LayerTable",
           "transfer.FlipPredictions", "widgets.conv_geometry.ConvGeometry", "widgets.conv_geometry.Window",
           "widgets.receptive_field.FieldRow", "_store.Entry", "_store.Found"}

ALLOWED_WITHOUT_ROW = NO_ARGUMENTS | EXCEPTIONS | RESULTS


def _modules():
    """Every ``cnnlab`` module with an ``__all__`` (imports them all, TensorFlow included)."""
    names = ["cnnlab." + info.name for info in pkgutil.walk_packages(cnnlab.__path__)] + [
        "cnnlab." + info.name for info in pkgutil.walk_packages(cnnlab.models.__path__, "models.")] + [
        "cnnlab." + info.name for info in pkgutil.walk_packages(cnnlab.widgets.__path__, "widgets.")]
    for name in sorted(set(names)):
        if name == "cnnlab.__main__":
            continue
        module = importlib.import_module(name)
        if hasattr(module, "__all__"):
            yield name.removeprefix("cnnlab."), module


def _public_callables() -> dict[int, set[str]]:
    """``id(object) -> {"module.name", ...}`` for every public callable (re-exports share an id)."""
    found: dict[int, set[str]] = {}
    for module_name, module in _modules():
        for attribute in module.__all__:
            value = getattr(module, attribute)
            if callable(value) and not attribute.startswith("_"):
                found.setdefault(id(value), set()).add(f"{module_name}.{attribute}")
    return found


def test_every_public_callable_has_a_row():
    covered = {case.target for case in ALL_CASES}
    missing = []
    for names in _public_callables().values():
        if names & covered or names & ALLOWED_WITHOUT_ROW:
            continue
        missing.append(" = ".join(sorted(names)))
    assert not missing, "public callables with no bad-input row (add rows, or an allow-list entry with a reason):\n  " \
        + "\n  ".join(sorted(missing))


def test_rows_name_real_callables_and_allow_lists_are_not_stale():
    everything = set().union(*_public_callables().values())
    unknown = sorted({case.target for case in ALL_CASES} - everything)
    assert not unknown, f"rows whose id does not start with a public callable: {unknown}"
    stale = sorted(ALLOWED_WITHOUT_ROW - everything)
    assert not stale, f"allow-list entries that are no longer public callables: {stale}"
    with_rows = sorted(ALLOWED_WITHOUT_ROW & {case.target for case in ALL_CASES})
    assert not with_rows, f"allow-listed callables that have rows (drop them from the allow-list): {with_rows}"


def test_no_argument_allow_list_really_takes_no_arguments():
    objects = {}
    for module_name, module in _modules():
        for attribute in module.__all__:
            objects[f"{module_name}.{attribute}"] = getattr(module, attribute)
    takes_arguments = []
    for name in sorted(NO_ARGUMENTS):
        parameters = [p for p in inspect.signature(objects[name]).parameters.values()
                      if p.kind not in (p.VAR_KEYWORD,)]
        if parameters:
            takes_arguments.append(f"{name}{inspect.signature(objects[name])}")
    assert not takes_arguments, f"allow-listed as taking no arguments, but they do: {takes_arguments}"


def test_table_has_enough_rows_of_each_kind():
    counts = Counter(case.kind for case in ALL_CASES)
    assert set(counts) <= set(KINDS), f"unknown kinds: {set(counts) - set(KINDS)}"
    short = {kind: (counts[kind], minimum) for kind, minimum in MIN_ROWS.items() if counts[kind] < minimum}
    assert not short, f"kinds with fewer rows than the floor (have, need): {short}"


def test_huge_rows_state_the_memory_needed():
    vague = [case.id for case in ALL_CASES if case.kind == "huge" and case.id not in HUGE_WITHOUT_ESTIMATE
             and BYTES not in case.match and not re.search(r"[GT]iB", case.match)]
    assert not vague, f"huge rows whose message need not state the memory needed: {vague}"


def test_memory_guard_turns_a_runaway_allocation_into_memory_error():
    """The guard huge rows run under: without it, a missing size check could fill the machine's memory."""
    with pytest.raises(MemoryError):
        with address_space_headroom(64 * 2**20):
            np.ones(256 * 2**20 // 8)
    assert np.ones(256 * 2**20 // 8).nbytes == 256 * 2**20  # the limit is lifted afterwards


def test_rows_are_well_formed():
    ids = [case.id for case in ALL_CASES]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    for case in ALL_CASES:
        raises = case.raises if isinstance(case.raises, tuple) else (case.raises,)
        assert raises and all(issubclass(e, (TypeError, ValueError)) for e in raises), case.id
        assert case.kind in KINDS, case.id
        re.compile(case.match)
        # The regex must say something specific: more than a bare word.
        assert len(case.match) >= 10, case.id
