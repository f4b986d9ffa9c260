"""ImageNet classifiers and feature extractors, ready to use (imports TensorFlow when a model is loaded).

Upper floor: loading a model imports TensorFlow and Keras (several seconds the
first time). The preprocessing each network expects is :mod:`cnnlab.preprocessing`.

* :func:`load_classifier` returns a :class:`Classifier`: a Keras application
  (``"inception_v3"``, ``"xception"``, ``"resnet50"``, ``"mobilenet_v2"``), a
  small quantized TFLite MobileNet (``"mobilenet_v2_quant"``,
  ``"mobilenet_v1_025_quant"``), ``"auto"`` (Inception v3 if it is here or can
  be downloaded, else the best model available; it prints which and why), or
  your own ``.keras`` / ``.h5`` / ``.tflite`` file.
* :func:`classify` is the one-liner: images in, top-5 (class, probability) out.
* :func:`feature_extractor` returns a headless Keras base (``include_top=False``,
  average pooling) and its preprocessing, for transfer learning.
* Each classifier applies the preprocessing its network was trained with
  (:mod:`cnnlab.preprocessing`, written out in numpy, one step per function).

Where the weights come from is the course's one door (:mod:`cnnlab._store`):
the offline data folder ``$CNNLAB_DATA_DIR/pretrained/``, the Keras cache
(``$KERAS_HOME/models/``, by default ``~/.keras/models/``, with the file names
Keras itself uses), the cnnlab cache, then a download into that cache (from
the classroom mirror first, if ``CNNLAB_MIRROR_URL`` is set). Every file is
checked against the checksum in :data:`FILES`, the one table of model files;
a truncated or corrupted file is skipped with a warning that names it.

The 1,000 / 1,001 class trap: Keras models output the 1,000 ImageNet classes;
models converted from TF-slim (the TFLite MobileNets) output 1,001, where
index 0 is "background". Every :class:`Classifier` reports the same 1,000
:data:`class names <Classifier.class_names>`, in Keras' order; for a 1,001-output
model output ``i + 1`` is class ``i``, and the background column is dropped.
The first synonym of each line of the TFLite labels file (``tench``,
``goldfish``, ...) equals Keras' name with underscores turned into spaces for
all 1,000 classes (``tests/test_pretrained.py`` checks it), so both kinds of
model speak the same names. Two names occur twice, because ImageNet has two
such classes: ``crane`` (the bird, 134, and the machine, 517) and ``maillot``
(638, 639).
"""

from __future__ import annotations

import contextlib

import os
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import _quiet, _store
from ._download import ChecksumError
from ._store import DataUnavailableError, keras_cache_dir
from ._validation import check_positive_int
from .evaluation import binary_probabilities
from ._model_files import (AUTO_ORDER, CLASSIFIERS, FEATURE_EXTRACTORS, FILES, PREPROCESSINGS, USER_SUFFIXES,
                           choose_model, entries, imagenet_class_names, locate, origin_words, verify_file)
from .preprocessing import as_image_list, as_pixels, center_crop_resize, drop_alpha, gray_to_rgb, preprocess

__all__ = [
    "load_classifier",
    "classify",
    "feature_extractor",
    "Classifier",
    "FeatureExtractor",
    "WeightsUnavailableError",
    "ChecksumError",
    "imagenet_class_names",
    "entries",
    "locate",
    "verify_file",
    "keras_cache_dir",
    "FILES",
    "CLASSIFIERS",
    "FEATURE_EXTRACTORS",
    "AUTO_ORDER",
]


#: The course's one "not available" error (:class:`cnnlab._store.DataUnavailableError`), under the name
#: this module has always used for model files.
WeightsUnavailableError = DataUnavailableError


# ----------------------------------------------------------------------------- the classifier


def _keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    return keras


_HDF5 = "an HDF5 file (a .h5 Keras model or weights)"
_ZIP = "a zip archive (a .keras model is one)"
#: What the first bytes of a file say it is: (magic bytes, offset, description).
_MAGIC = (
    (b"PK\x03\x04", 0, _ZIP),
    (b"TFL3", 4, "a TFLite model (.tflite)"),
    (b"\xff\xd8\xff", 0, "a JPEG image"),
    (b"\x89PNG\r\n\x1a\n", 0, "a PNG image"),
    (b"GIF8", 0, "a GIF image"),
    (b"\x1f\x8b", 0, "a gzip file"),
)
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _file_kind(path: Path) -> str:
    """Say what a file looks like from its first bytes: "an HDF5 file", "a JPEG image", "empty", ..."""
    with open(path, "rb") as f:
        head = f.read(2048 + 8)
    if not head:
        return "empty (0 bytes)"
    if any(head[offset : offset + 8] == _HDF5_SIGNATURE for offset in (0, 512, 1024, 2048)):  # after a user block
        return _HDF5
    for magic, offset, kind in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return kind
    text = head.lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html", b"<?xml", b"<")):
        return "an HTML or XML page (perhaps a web error page saved under this name)"
    try:
        head[:512].decode("utf-8")
        return "a text file"
    except UnicodeDecodeError:
        return "of an unknown kind"


def _check_tflite_file(path: Path) -> None:
    """Raise ValueError unless ``path`` is a structurally complete TFLite flatbuffer.

    TFLite trusts its file: a truncated ``.tflite`` makes ``tf.lite.Interpreter``
    read past the end and crash the whole Python process (the notebook kernel
    dies). Unpacking the flatbuffer in Python first turns that into an error.
    """
    data = path.read_bytes()
    kind = _file_kind(path)
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ValueError(f"{path} is not a TFLite model: the file is {kind}, and a .tflite file carries "
                         "'TFL3' at bytes 4-8. Give the .tflite file itself.")
    from tensorflow.lite.python import schema_py_generated as schema

    try:
        model = schema.ModelT.InitFromPackedBuf(data, 0)
    except Exception as error:  # noqa: BLE001 - struct.error, IndexError, ValueError... all mean "broken"
        raise ValueError(f"{path} is a damaged TFLite model ({len(data):,} bytes): its structure points past the "
                         f"end of the file or is corrupted ({type(error).__name__}: {error}); the file is probably "
                         "truncated. Copy or download it again.") from None
    if not model.subgraphs:
        raise ValueError(f"{path} is a TFLite file without any network (no subgraph).")
    for i, buffer in enumerate(model.buffers or []):
        if buffer.offset > 1 and buffer.offset + buffer.size > len(data):
            raise ValueError(f"{path} is a damaged TFLite model: weights buffer {i} ends at byte "
                             f"{buffer.offset + buffer.size:,} of a {len(data):,}-byte file (truncated?).")


def _tflite_interpreter(path: Path):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    _check_tflite_file(path)
    import tensorflow as tf

    try:
        with warnings.catch_warnings(), _quiet.quiet_stderr():  # quiet: TFLite announces its XNNPACK delegate
            # TF 2.20+ announces that tf.lite.Interpreter moves to ai_edge_litert; it still works.
            warnings.filterwarnings("ignore", message=r"(?s).*tf\.lite\.Interpreter is deprecated",
                                    category=UserWarning)
            interpreter = tf.lite.Interpreter(model_path=str(path))
            interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as error:
        raise ValueError(f"{_store.describe_path(path)} could not be loaded as a TFLite model "
                         f"({type(error).__name__}: {error}).") from None
    return interpreter


def _softmax_if_logits(outputs: np.ndarray) -> np.ndarray:
    sums = outputs.sum(axis=1)
    if outputs.min() >= 0.0 and np.allclose(sums, 1.0, atol=0.02):
        return outputs
    shifted = np.exp(outputs - outputs.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


class Classifier:
    """An image classifier: preprocessing, the network and the class names, kept together.

    Made by :func:`load_classifier`; not meant to be built by hand.

    Attributes
    ----------
    name : str
        ``"inception_v3"``, ``"mobilenet_v2_quant"``, ... or the file name of your model.
    input_size : int
        Side of the square image the network takes (299, 224, 128, ...).
    class_names : tuple of str
        For ImageNet models the same 1,000 names, in the same order, whatever
        the model (``"tabby"``, ``"Egyptian cat"``, ...).
    source : str
        Where the weights came from, in one sentence.
    preprocessing : str or callable
        The scaling after crop and resize (see :func:`preprocess`).
    model : keras.Model or tf.lite.Interpreter
        The network itself, for inspection.
    """

    def __init__(self, name, input_size, class_names, source, preprocessing, model, *, kind, background_first=False):
        self.name = name
        self.input_size = check_positive_int("input_size", input_size)
        self.class_names = tuple(class_names)
        self.source = source
        self.preprocessing = preprocessing
        self.model = model
        self._kind = kind
        self._background_first = background_first

    def __repr__(self) -> str:
        return (f"Classifier({self.name!r}, input_size={self.input_size}, {len(self.class_names)} classes, "
                f"source={self.source!r})")

    def preprocess(self, images) -> np.ndarray:
        """Turn images into the batch this network expects (see :func:`preprocess`).

        Examples
        --------
        >>> clf = load_classifier("mobilenet_v1_025_quant")
        >>> batch = clf.preprocess(np.zeros((50, 80, 3), dtype=np.uint8))
        >>> batch.shape, batch.dtype
        ((1, 128, 128, 3), dtype('uint8'))
        """
        if callable(self.preprocessing):
            return np.stack([np.asarray(self.preprocessing(center_crop_resize(
                drop_alpha(gray_to_rgb(as_pixels(image, "images"))), self.input_size)))
                for image in as_image_list(images)])
        return preprocess(images, self.input_size, self.preprocessing)

    def _raw_outputs(self, batch: np.ndarray) -> tuple[np.ndarray, bool]:
        if self._kind == "tflite":
            interpreter = self.model
            inp = interpreter.get_input_details()[0]
            out = interpreter.get_output_details()[0]
            rows = []
            for x in batch:
                x = x[None]
                if inp["dtype"] == np.int8:  # int8 models: pixel - 128
                    x = (x.astype(np.int16) - 128).astype(np.int8)
                interpreter.set_tensor(inp["index"], x.astype(inp["dtype"]))
                interpreter.invoke()
                rows.append(interpreter.get_tensor(out["index"])[0])
            raw = np.stack(rows)
            scale, zero_point = out["quantization"]
            if scale:  # quantized output: real value = scale * (q - zero_point)
                return (raw.astype(np.float32) - zero_point) * np.float32(scale), True
            return raw.astype(np.float32), False
        outputs = [np.asarray(self.model(batch[i : i + 32], training=False)) for i in range(0, len(batch), 32)]
        return np.concatenate(outputs).astype(np.float32), False

    def predict(self, images) -> np.ndarray:
        """Return class probabilities, one row per image: shape ``(n, len(class_names))``.

        For a 1,001-output model the "background" column is dropped and each
        row renormalised to sum to 1, so column ``i`` is always
        ``class_names[i]``. Outputs that are not probabilities (logits) go
        through a softmax. A model with one output (a sigmoid unit) is a binary
        classifier: its two columns are ``1 - p`` and ``p`` (a logit outside
        [0, 1] goes through a sigmoid first), for ``class_names[0]`` and
        ``class_names[1]``. NaN or infinite outputs raise ``ValueError``.

        Examples
        --------
        >>> clf = load_classifier("mobilenet_v1_025_quant")
        >>> p = clf.predict(np.zeros((2, 64, 64, 3), dtype=np.uint8))
        >>> p.shape, bool(np.allclose(p.sum(axis=1), 1.0))
        ((2, 1000), True)
        """
        batch = self.preprocess(images)
        outputs, quantized = self._raw_outputs(batch)
        if not np.isfinite(outputs).all():
            rows = np.flatnonzero(~np.isfinite(outputs).all(axis=1))
            raise ValueError(f"{self.name} gave NaN or infinite outputs for {rows.size} of the {len(outputs)} images "
                             f"(the first is image {rows[0]}); its weights may have diverged in training.")
        if outputs.shape[1] == 1 and len(self.class_names) == 2:  # a sigmoid unit: p for class 1, 1 - p for class 0
            return binary_probabilities(outputs).astype(np.float32)  # [1 - p, p]; logits pass a sigmoid
        if not quantized:  # dequantized uint8 softmax is a probability up to rounding
            outputs = _softmax_if_logits(outputs)
        if self._background_first:
            outputs = outputs[:, 1:]
        if self._background_first or quantized:
            outputs = outputs / np.maximum(outputs.sum(axis=1, keepdims=True), np.float32(1e-12))
        if outputs.shape[1] != len(self.class_names):  # pragma: no cover - checked when loading
            raise ValueError(f"the model gives {outputs.shape[1]} outputs for {len(self.class_names)} class names.")
        return outputs.astype(np.float32)

    def classify(self, images, top: int = 5) -> list[list[tuple[str, float]]]:
        """Return, for each image, its ``top`` most probable classes as ``(name, probability)``, best first.

        Always a list with one entry per image, also for a single image.

        Examples
        --------
        >>> from cnnlab.config import data_dir
        >>> from cnnlab.datasets import load_image
        >>> clf = load_classifier("mobilenet_v2_quant")
        >>> parrot = load_image(data_dir() / "images" / "parrot.jpg")
        >>> [(name, p > 0.9) for name, p in clf.classify(parrot, top=1)[0]]
        [('macaw', True)]
        """
        top = check_positive_int("top", top, hint="Ask for at least one class, for example top=5.")
        if top > len(self.class_names):
            raise ValueError(f"top={top} is more than the {len(self.class_names)} classes of {self.name}; "
                             f"pass top <= {len(self.class_names)}.")
        probabilities = self.predict(images)
        results = []
        for row in probabilities:
            best = np.argsort(-row, kind="stable")[:top]
            results.append([(self.class_names[i], float(row[i])) for i in best])
        return results


_LOADED: dict[tuple[str, str], Classifier] = {}


def _is_user_file(name) -> bool:
    if isinstance(name, os.PathLike):
        return True
    return isinstance(name, str) and (name.lower().endswith(USER_SUFFIXES) or os.sep in name or "/" in name)


def _check_name(name, known: Sequence[str], *, files: bool) -> None:
    if isinstance(name, str) and name in known:
        return
    choices = ", ".join(repr(k) for k in known)
    tail = ", or a path to a .keras, .h5 or .tflite file" if files else ""
    raise ValueError(f"name must be one of {choices}{tail}, received name={name!r}.")


def load_classifier(name="inception_v3", *, weights="imagenet", labels=None, preprocessing=None,
                    input_size=None) -> Classifier:
    """Load an ImageNet classifier (or your own model) with its preprocessing and class names.

    Parameters
    ----------
    name : str or path-like
        ``"inception_v3"`` (default, 299 px), ``"xception"`` (299 px),
        ``"resnet50"`` (224 px), ``"mobilenet_v2"`` (224 px): Keras
        applications with ImageNet weights, downloaded once if not in the
        offline mirror or a cache. ``"mobilenet_v2_quant"`` (224 px) and
        ``"mobilenet_v1_025_quant"`` (128 px): 8-bit TFLite models, a few MB.
        ``"auto"``: Inception v3 if it is on this machine or can be
        downloaded; otherwise the best of the others (order in
        :data:`AUTO_ORDER`) on this machine, else the best that can be
        downloaded. It prints one line: which model, from where, and why.
        A path to a ``.keras``, ``.h5`` or ``.tflite`` file: your own model.
    weights : {"imagenet", None}
        None builds a Keras architecture with random weights, for tests and
        architecture study (its predictions mean nothing).
    labels : path or sequence of str, optional
        Only for your own file: the class names, one per line (a line
        ``background`` first is understood as TF-slim's extra class 0).
        Without it, the model must have 1,000 outputs (Keras' ImageNet order)
        or 1,001 (background first).
    preprocessing : {"inception", "caffe", "unit", "none", "uint8"} or callable, optional
        Only for your own file: the scaling after crop and resize (a callable
        receives one ``(size, size, 3)`` array of pixel values 0-255). Default
        ``"inception"`` ([-1, 1]) for Keras files, ``"uint8"`` for TFLite.
    input_size : int, optional
        Only for your own file, when the model does not fix its input size.

    Returns
    -------
    Classifier

    Raises
    ------
    ValueError
        For an unknown name or a bad argument, or for your own file when it is
        damaged (truncated), of another kind than its suffix says (a JPEG
        named ``.tflite``, an HTML error page named ``.h5``), holds Python code
        (a ``Lambda`` layer, never run), or its ``labels`` do not match its
        outputs; the message names the file and what is wrong.
    WeightsUnavailableError
        If the weights are not on this machine and cannot be downloaded (the
        message says where it looked and how to fix it).

    Examples
    --------
    >>> clf = load_classifier("mobilenet_v2_quant")   # with CNNLAB_DATA_DIR set
    >>> clf.name, clf.input_size, len(clf.class_names), clf.class_names[1]
    ('mobilenet_v2_quant', 224, 1000, 'goldfish')
    >>> load_classifier("alexnet")
    Traceback (most recent call last):
    ...
    ValueError: name must be one of 'auto', 'inception_v3', 'xception', 'resnet50', 'mobilenet_v2', 'mobilenet_v2_quant', 'mobilenet_v1_025_quant', or a path to a .keras, .h5 or .tflite file, received name='alexnet'.
    """
    if weights not in ("imagenet", None):
        raise ValueError(f"weights must be 'imagenet' or None (random weights), received weights={weights!r}.")
    if _is_user_file(name):
        if weights is None:
            raise ValueError("weights=None is for the named Keras architectures; your file brings its own weights.")
        return _load_user_file(Path(name).expanduser(), labels, preprocessing, input_size)
    _check_name(name, ("auto", *CLASSIFIERS), files=True)
    for argument, value in (("labels", labels), ("preprocessing", preprocessing), ("input_size", input_size)):
        if value is not None:
            raise ValueError(f"{argument} is only for your own model file, received {argument}={value!r} "
                             f"with name={name!r}; the named models know their own.")
    if name == "auto":
        if weights is None:
            raise ValueError("weights=None needs a named architecture, "
                             "for example load_classifier('inception_v3', weights=None).")
        return _load_auto()
    spec = CLASSIFIERS[name]
    if weights is None:
        if spec.kind != "keras":
            raise ValueError(f"weights=None is for Keras architectures; {name!r} is a TFLite file, which has no "
                             "architecture without its weights. "
                             "Try 'inception_v3', 'xception', 'resnet50' or 'mobilenet_v2'.")
        model = getattr(_keras().applications, spec.builder)(weights=None)
        return Classifier(name, spec.input_size, imagenet_class_names(),
                          "random weights (weights=None): the architecture only, its predictions mean nothing",
                          spec.preprocessing, model, kind="keras")
    path, where = locate(spec.weights)
    return _build_named(name, path, where)


def _build_named(name: str, path: Path, where: str) -> Classifier:
    """Build (once per weights file: later calls reuse it) the named classifier from verified weights."""
    key = (name, str(path.resolve()))
    if key not in _LOADED:
        _LOADED[key] = _build_uncached(name, path, where)
    return _LOADED[key]


def _build_uncached(name: str, path: Path, where: str) -> Classifier:
    spec = CLASSIFIERS[name]
    source = f"{spec.title}, ImageNet weights {origin_words(where)}"
    if spec.kind == "tflite":
        interpreter = _tflite_interpreter(path)
        return Classifier(name, spec.input_size, imagenet_class_names(), source, spec.preprocessing, interpreter,
                          kind="tflite", background_first=True)
    model = getattr(_keras().applications, spec.builder)(weights=None)
    try:
        model.load_weights(str(path))
    except (OSError, ValueError) as error:
        raise ChecksumError(f"{_store.describe_path(path)} could not be read as {spec.title} weights ({error}); "
                            "delete it so that a good copy is used.") from None
    return Classifier(name, spec.input_size, imagenet_class_names(), source, spec.preprocessing, model, kind="keras")


def _load_auto() -> Classifier:
    name, path, origin = choose_model("load_classifier", AUTO_ORDER, lambda c: CLASSIFIERS[c].weights,
                                 lambda c: CLASSIFIERS[c].title.replace(" (Keras)", ", Keras"))
    return _build_named(name, path, origin)


_COUNTER_PREFIX = re.compile(r"^\s*\d+[\s:]+")


def _read_labels(labels) -> tuple[str, ...]:
    if isinstance(labels, (str, os.PathLike)):
        path = Path(labels).expanduser()
        if not path.is_file():
            raise FileNotFoundError(
                f"labels={str(labels)!r}: no such file; give a text file with one class name per line."
            )
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"labels={str(labels)!r} is not a UTF-8 text file (it is {_file_kind(path)}); "
                             "give a text file with one class name per line.") from None
        lines = [line.strip() for line in text.splitlines()]
        while lines and not lines[-1]:
            lines.pop()
        blank = [number for number, line in enumerate(lines, 1) if not line]
        if blank:
            raise ValueError(f"labels={str(labels)!r} has empty lines ({', '.join(map(str, blank[:5]))}"
                             f"{', ...' if len(blank) > 5 else ''}): every line must name one class, in output order.")
        if lines and all(_COUNTER_PREFIX.match(line) for line in lines):  # "0  background" style
            lines = [_COUNTER_PREFIX.sub("", line) for line in lines]
        return tuple(lines)
    if isinstance(labels, Sequence) and all(isinstance(s, str) for s in labels):
        return tuple(labels)
    raise ValueError(f"labels must be a path to a text file or a sequence of strings, received labels={labels!r}.")


def _class_mapping(outputs: int, labels, where: str) -> tuple[tuple[str, ...], bool]:
    """Return (class names, whether output 0 is an extra background class to drop).

    A model with one output is a binary classifier (a sigmoid unit, as Keras' binary
    cross-entropy trains it): its two classes are the one for outputs near 0 and the one
    for outputs near 1, in that order (``labels=["cat", "dog"]``); a single name
    ``labels=["dog"]`` stands for ``["not dog", "dog"]``.
    """
    if outputs == 1:
        return _binary_names(labels, where), False
    if labels is None:
        if outputs == 1000:
            return imagenet_class_names(), False
        if outputs == 1001:
            return imagenet_class_names(), True
        raise ValueError(f"{where} has {outputs} outputs, which is not ImageNet's 1,000 (or 1,001 with "
                         "background); pass labels=['cat', 'dog', ...] or labels='labels.txt'.")
    names = _read_labels(labels)
    if len(names) == outputs:
        if outputs > 1 and names[0].strip().lower() == "background":
            return names[1:], True
        return names, False
    if outputs == 1001 and len(names) == 1000:  # TF-slim: output 0 is "background"
        return names, True
    origin = f" (from {str(labels)!r})" if isinstance(labels, (str, os.PathLike)) else ""
    raise ValueError(f"labels has {len(names)} names{origin} but {where} has {outputs} outputs; "
                     "give one name per output.")


def _binary_names(labels, where: str) -> tuple[str, str]:
    """The two class names of a one-output (sigmoid) model: for outputs near 0, then near 1."""
    if labels is None:
        raise ValueError(f"{where} has 1 output, a binary (sigmoid) classifier; pass its two class names, the one "
                         "for outputs near 0 first: labels=['cat', 'dog'] (or one name, labels=['dog'], for "
                         "'not dog' and 'dog').")
    names = _read_labels(labels)
    if len(names) == 1:
        return f"not {names[0]}", names[0]
    if len(names) == 2:
        return names[0], names[1]
    raise ValueError(f"labels has {len(names)} names but {where} has 1 output (a binary classifier): give two names, "
                     "the class for outputs near 0 first, e.g. labels=['cat', 'dog'].")


@contextlib.contextmanager
def _forced_safe_mode():
    """Keras' safe mode on, whatever the global setting, and the setting restored after."""
    try:
        from keras.src.saving.serialization_lib import SafeModeScope
    except ImportError:  # pragma: no cover - a Keras without the scope: load_model(safe_mode=True) alone
        yield
        return
    with SafeModeScope(True):
        yield


def _check_keras_file(path: Path, suffix: str) -> None:
    """Raise ValueError naming the file if it cannot be a Keras model of its suffix.

    (Keras itself answers "File not found" for a truncated ``.keras`` file that exists.)
    """
    kind = _file_kind(path)
    if suffix == ".h5":
        if kind != _HDF5:
            hint = " (rename it to .keras)" if kind == _ZIP else ""
            raise ValueError(f"{path} is not an HDF5 model: the file is {kind}{hint}. A .h5 model starts "
                             "with the HDF5 signature; the file may be truncated or of another kind.")
        return
    if kind != _ZIP:
        hint = " (rename it to .h5)" if kind == _HDF5 else ""
        raise ValueError(f"{path} is not a .keras model: the file is {kind}{hint}. A .keras model is a zip archive.")
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ValueError(f"{path} is a damaged .keras model: its zip archive cannot be read ({error}); "
                         "the file is probably truncated. Save or download it again.") from None
    if "config.json" not in names:
        listed = ", ".join(sorted(names)[:5]) or "nothing"
        raise ValueError(f"{path} is a zip archive but not a Keras model: it has no config.json "
                         f"(it holds {listed}).")


def _load_user_file(path: Path, labels, preprocessing, input_size) -> Classifier:
    suffix = path.suffix.lower()
    if suffix not in USER_SUFFIXES:
        raise ValueError(f"name={str(path)!r} is not a .keras, .h5 or .tflite file; save your model in one of these.")
    if preprocessing is not None and not callable(preprocessing) and preprocessing not in (*PREPROCESSINGS, "uint8"):
        choices = ", ".join(repr(m) for m in (*PREPROCESSINGS, "uint8"))
        raise ValueError(
            f"preprocessing must be one of {choices} or a callable, received preprocessing={preprocessing!r}."
        )
    if input_size is not None:
        input_size = check_positive_int("input_size", input_size)
    if not path.is_file():
        raise FileNotFoundError(f"name={str(path)!r}: no such model file.")
    source = f"your file {path}"
    if suffix == ".tflite":
        interpreter = _tflite_interpreter(path)
        inp = interpreter.get_input_details()[0]
        out = interpreter.get_output_details()[0]
        size = int(inp["shape"][1]) or input_size or 224
        names, background = _class_mapping(int(out["shape"][-1]), labels, path.name)
        mode = preprocessing or ("uint8" if inp["dtype"] in (np.uint8, np.int8) else "inception")
        return Classifier(path.name, size, names, source, mode, interpreter, kind="tflite",
                          background_first=background)
    _check_keras_file(path, suffix)
    keras = _keras()
    try:
        # A model file from the internet must not run Python code (a Lambda layer) when it is
        # loaded. Keras lets a global keras.config.enable_unsafe_deserialization() override
        # load_model(safe_mode=True), so safe mode is also forced for the duration of the call.
        with _forced_safe_mode():
            model = keras.models.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # noqa: BLE001 - Keras raises many kinds; the message says which
        raise ValueError(
            f"name={str(path)!r} could not be loaded as a Keras model ({type(error).__name__}: {error})."
        ) from None
    shape = model.input_shape
    if isinstance(shape, list):
        shape = shape[0]
    size = shape[1] or input_size or 224
    if shape[1] is not None and shape[2] is not None and shape[1] != shape[2]:
        raise ValueError(
            f"{path.name} takes {shape[1]}×{shape[2]} images; load_classifier handles square inputs only."
        )
    names, background = _class_mapping(int(model.output_shape[-1]), labels, path.name)
    return Classifier(path.name, size, names, source, preprocessing or "inception", model, kind="keras",
                      background_first=background)


def classify(images, top: int = 5, model=None) -> list[list[tuple[str, float]]]:
    """Classify images with an ImageNet model: for each image, its ``top`` classes and probabilities.

    Parameters
    ----------
    images : array or list of arrays
        One image, a batch or a list of images (see :func:`preprocess`).
    top : int
        How many classes to report per image.
    model : Classifier, str or None
        A :class:`Classifier`, a name for :func:`load_classifier` (loaded
        once and kept), or None for the default, ``"inception_v3"``.

    Returns
    -------
    list of lists of (str, float)
        One list per image, most probable class first.

    Examples
    --------
    >>> from cnnlab.config import data_dir
    >>> from cnnlab.datasets import load_image
    >>> hopper = load_image(data_dir() / "images" / "grace_hopper.bmp")
    >>> classify(hopper, top=1, model="mobilenet_v2_quant")[0][0][0]
    'military uniform'
    """
    top = check_positive_int("top", top, hint="Ask for at least one class, for example top=5.")
    if isinstance(model, str) and not _is_user_file(model) and model not in ("auto", *CLASSIFIERS):
        choices = ", ".join(repr(k) for k in ("auto", *CLASSIFIERS))
        raise ValueError(f"model must be a Classifier, one of {choices}, a path to a .keras, .h5 or .tflite file, "
                         f"or None, received model={model!r}.")
    if model is None or isinstance(model, (str, os.PathLike)):
        model = load_classifier(model or "inception_v3")
    if not isinstance(model, Classifier):
        raise ValueError(f"model must be a Classifier, a model name or None, received model={model!r}.")
    return model.classify(images, top=top)


# ----------------------------------------------------------------------------- transfer learning


@dataclass(frozen=True)
class FeatureExtractor:
    """A headless ImageNet network for transfer learning.

    Attributes
    ----------
    model : keras.Model
        The convolutional base with global average pooling: images of
        ``(input_size, input_size, 3)`` in, one feature vector per image out.
        Frozen (``trainable=False``); set ``model.trainable = True`` to fine-tune.
    preprocess : callable
        Images (as for :func:`preprocess`) → the batch ``model`` expects.
    input_size : int
    name : str
    source : str
        Where the weights came from.
    preprocessing : str
        The pixel scaling ``model`` expects (``"inception"``: [-1, 1]; ``"caffe"``), the
        name :func:`preprocess` takes; :func:`cnnlab.transfer.scaling_layer` does it in the graph.
    """

    model: object
    preprocess: Callable[..., np.ndarray]
    input_size: int
    name: str
    source: str
    preprocessing: str = "inception"

    def __post_init__(self):
        if not callable(self.preprocess):
            raise ValueError(f"preprocess must be a callable (images -> the batch model expects), received "
                             f"preprocess={self.preprocess!r}.")
        check_positive_int("input_size", self.input_size)

    def __call__(self, images) -> np.ndarray:
        """Return the feature vectors of ``images``, shape ``(n, features)``."""
        batch = self.preprocess(images)
        return np.concatenate([np.asarray(self.model(batch[i : i + 32], training=False))
                               for i in range(0, len(batch), 32)])


def feature_extractor(name: str = "auto", *, weights="imagenet", input_size: int | None = None) -> FeatureExtractor:
    """Return a headless ImageNet base (``include_top=False``, ``pooling="avg"``) and its preprocessing.

    Parameters
    ----------
    name : str
        ``"inception_v3"``, ``"xception"``, ``"resnet50"``, ``"mobilenet_v2"``,
        ``"mobilenet_025"`` (MobileNet v1 with a quarter of the filters, 224 px,
        256 features: small enough for a CPU, and in the offline mirror), or
        ``"auto"``: Inception v3 if its weights are on this machine or can be
        downloaded, otherwise the best of the others, in that order, that is
        here (or else can be downloaded); prints one line: which, and why.
    weights : {"imagenet", None}
        None gives random weights (architecture only).
    input_size : int, optional
        Side of the square input (default: the size the weights were trained at, 224 or
        299). Convolution weights do not depend on it, so a smaller size trades some
        accuracy for speed: at 128 px a base costs about a third of its 224 px time.

    Examples
    --------
    >>> extractor = feature_extractor("mobilenet_025")   # with CNNLAB_DATA_DIR set
    >>> extractor.input_size, extractor(np.zeros((2, 100, 120, 3), dtype=np.uint8)).shape
    (224, (2, 256))
    """
    if weights not in ("imagenet", None):
        raise ValueError(f"weights must be 'imagenet' or None (random weights), received weights={weights!r}.")
    _check_name(name, ("auto", *FEATURE_EXTRACTORS), files=False)
    if name == "auto":
        if weights is None:
            raise ValueError("weights=None needs a named architecture, "
                             "for example feature_extractor('mobilenet_025', weights=None).")
        name, path, origin = choose_model("feature_extractor", tuple(FEATURE_EXTRACTORS),
                                     lambda c: FEATURE_EXTRACTORS[c].weights,
                                     lambda c: f"{FEATURE_EXTRACTORS[c].title}, headless")
        return _build_extractor(name, path, origin, input_size=input_size)
    if weights is None:
        return _build_extractor(name, None, "random weights (weights=None): the architecture only",
                                input_size=input_size)
    return _build_extractor(name, *locate(FEATURE_EXTRACTORS[name].weights), input_size=input_size)


def _build_extractor(name: str, path: Path | None, where: str, input_size: int | None = None) -> FeatureExtractor:
    spec = FEATURE_EXTRACTORS[name]
    keras = _keras()
    size = spec.input_size if input_size is None else check_positive_int("input_size", input_size)
    if size < 32:
        raise ValueError(f"input_size must be at least 32 pixels, received input_size={size}; "
                         f"{spec.title} was trained at {spec.input_size}.")
    model = getattr(keras.applications, spec.builder)(
        input_shape=(size, size, 3), include_top=False, pooling="avg", weights=None, **dict(spec.options)
    )
    if path is not None:
        try:
            model.load_weights(str(path))
        except (OSError, ValueError) as error:
            raise ChecksumError(f"{_store.describe_path(path)} could not be read as {spec.title} weights ({error}); "
                                "delete it so that a good copy is used.") from None
    model.trainable = False
    mode = spec.preprocessing

    def prepare(images) -> np.ndarray:
        return preprocess(images, size, mode)

    prepare.__doc__ = f"Centre-crop-resize to {size}×{size} and scale as {mode!r} (see cnnlab.preprocessing.preprocess)."
    source = f"{spec.title}, headless, " + (f"ImageNet weights {origin_words(where)}" if path is not None else where)
    return FeatureExtractor(model=model, preprocess=prepare, input_size=size, name=name, source=source,
                            preprocessing=mode)
