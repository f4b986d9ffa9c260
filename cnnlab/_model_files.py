"""The pretrained model files: the one table of them (:data:`FILES`, :data:`CLASSIFIERS`,
:data:`FEATURE_EXTRACTORS`), finding and checking them through the course's one door, and choosing the
best one available (private: :mod:`cnnlab.pretrained` is the public face and re-exports the tables,
:func:`locate`, :func:`verify_file` and :func:`imagenet_class_names`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import _store, config
from ._download import ChecksumError
from ._store import DataUnavailableError, keras_cache_dir

# choose_model serves pretrained and deepdream, which hand it their own tables (not a learner's input).
__all__ = ["FILES", "CLASSIFIERS", "FEATURE_EXTRACTORS", "AUTO_ORDER", "locate", "verify_file", "imagenet_class_names"]


# ----------------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class ModelFile:
    """One file the course may load: its name, where to download it, its checksum.

    ``filename`` is the name Keras uses in its cache (``~/.keras/models/``) and
    the name in the offline mirror. At most one of ``md5`` (what Keras
    publishes) and ``sha256`` (what the offline mirror lists) is needed; a
    file with neither is only checked to be an HDF5 file (Keras publishes no
    checksum for its MobileNet weights).
    """

    filename: str
    url: str | None
    md5: str | None = None
    sha256: str | None = None
    size: int | None = None  # bytes, for listings and progress


_KERAS_APPS = "https://storage.googleapis.com/tensorflow/keras-applications/"
_CORAL = "https://github.com/google-coral/test_data/raw/master/"

#: Every model file and checksum the course knows, named once. The Keras URLs and
#: MD5s are those of ``keras/src/applications/*.py``; the SHA-256s are the
#: offline mirror's ``pretrained/SHA256SUMS``.
FILES: dict[str, ModelFile] = {
    "inception_v3": ModelFile(
        "inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
        _KERAS_APPS + "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
        md5="9a0d58056eeedaa3f26cb7ebd46da564",
        size=96_112_376,
    ),
    "inception_v3_notop": ModelFile(
        "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
        _KERAS_APPS + "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
        md5="bcbd6486424b2319ff4ef7d526e38f63",
        size=87_910_968,
    ),
    "xception": ModelFile(
        "xception_weights_tf_dim_ordering_tf_kernels.h5",
        _KERAS_APPS + "xception/xception_weights_tf_dim_ordering_tf_kernels.h5",
        md5="0a58e3b7378bc2990ea3b43d5981f1f6",
        size=91_884_032,
    ),
    "xception_notop": ModelFile(
        "xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
        _KERAS_APPS + "xception/xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
        md5="b0042744bf5b25fce3cb969f33bebb97",
        size=83_683_744,
    ),
    "resnet50": ModelFile(
        "resnet50_weights_tf_dim_ordering_tf_kernels.h5",
        _KERAS_APPS + "resnet/resnet50_weights_tf_dim_ordering_tf_kernels.h5",
        md5="2cb95161c43110f7111970584f804107",
        size=102_853_048,
    ),
    "resnet50_notop": ModelFile(
        "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
        _KERAS_APPS + "resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
        md5="4d473c1dd8becc155b73f8504c6f6626",
        size=94_765_736,
    ),
    "mobilenet_v2": ModelFile(  # Keras publishes no checksum for the MobileNet weights
        "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5",
        _KERAS_APPS + "mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5",
        size=14_536_120,
    ),
    "mobilenet_v2_notop": ModelFile(
        "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5",
        _KERAS_APPS + "mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5",
        size=9_406_464,
    ),
    "mobilenet_025_notop": ModelFile(
        "mobilenet_2_5_224_tf_no_top.h5",
        _KERAS_APPS + "mobilenet/mobilenet_2_5_224_tf_no_top.h5",
        sha256="dbdb03ee2a22fd895301636cd328b234bb3a9952358f436d82f46b81e0d5b0bf",
        size=2_108_140,
    ),
    "mobilenet_v2_quant_tflite": ModelFile(
        "mobilenet_v2_1.0_224_quant.tflite",
        _CORAL + "mobilenet_v2_1.0_224_quant.tflite",
        sha256="7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776",
        size=3_610_798,
    ),
    "mobilenet_v1_025_quant_tflite": ModelFile(
        "mobilenet_v1_0.25_128_quant.tflite",
        _CORAL + "mobilenet_v1_0.25_128_quant.tflite",
        sha256="cb273c23ee76374b05b9583177e28aa19744858a7679c56a250e83d0333da785",
        size=525_598,
    ),
    "imagenet_class_index": ModelFile(  # what keras.applications' decode_predictions reads
        "imagenet_class_index.json",
        _KERAS_APPS + "imagenet_class_index.json",
        md5="c2c37ea517e94d9795004a39431a14cb",
        size=35_363,
    ),
    "imagenet_labels_1001": ModelFile(  # the TFLite models' labels; in the offline mirror only
        "imagenet_labels_1001.txt",
        None,
        sha256="b8aaeb5630c62626a7d124a05c0e14230a7ffdd2136a31d0190a4fb71c1d82f1",
        size=21_686,
    ),
}


@dataclass(frozen=True)
class ClassifierSpec:
    """A known ImageNet classifier: how to build it, its weights file, its input."""

    title: str
    kind: str  # "keras" or "tflite"
    weights: str  # key of FILES
    input_size: int
    preprocessing: str  # "inception", "caffe" or "uint8"
    builder: str | None = None  # keras.applications attribute
    outputs: int = 1000


#: The ImageNet classifiers :func:`load_classifier` knows by name.
CLASSIFIERS: dict[str, ClassifierSpec] = {
    "inception_v3": ClassifierSpec("Inception v3 (Keras)", "keras", "inception_v3", 299, "inception", "InceptionV3"),
    "xception": ClassifierSpec("Xception (Keras)", "keras", "xception", 299, "inception", "Xception"),
    "resnet50": ClassifierSpec("ResNet-50 (Keras)", "keras", "resnet50", 224, "caffe", "ResNet50"),
    "mobilenet_v2": ClassifierSpec("MobileNet v2 (Keras)", "keras", "mobilenet_v2", 224, "inception", "MobileNetV2"),
    "mobilenet_v2_quant": ClassifierSpec(
        "MobileNet v2, 8-bit TFLite", "tflite", "mobilenet_v2_quant_tflite", 224, "uint8", outputs=1001
    ),
    "mobilenet_v1_025_quant": ClassifierSpec(
        "MobileNet v1 0.25, 8-bit TFLite", "tflite", "mobilenet_v1_025_quant_tflite", 128, "uint8", outputs=1001
    ),
}

#: What ``load_classifier("auto")`` tries, best first: the first is the default (downloaded if it is
#: not on this machine); the others are the fallbacks, local ones before downloads.
AUTO_ORDER = ("inception_v3", "xception", "resnet50", "mobilenet_v2", "mobilenet_v2_quant", "mobilenet_v1_025_quant")


@dataclass(frozen=True)
class ExtractorSpec:
    """A known headless base for transfer learning."""

    title: str
    weights: str  # key of FILES
    input_size: int
    preprocessing: str
    builder: str
    options: tuple[tuple[str, object], ...] = ()


#: The headless bases :func:`feature_extractor` knows, best first (the order "auto" tries).
FEATURE_EXTRACTORS: dict[str, ExtractorSpec] = {
    "inception_v3": ExtractorSpec("Inception v3", "inception_v3_notop", 299, "inception", "InceptionV3"),
    "xception": ExtractorSpec("Xception", "xception_notop", 299, "inception", "Xception"),
    "resnet50": ExtractorSpec("ResNet-50", "resnet50_notop", 224, "caffe", "ResNet50"),
    "mobilenet_v2": ExtractorSpec("MobileNet v2", "mobilenet_v2_notop", 224, "inception", "MobileNetV2"),
    "mobilenet_025": ExtractorSpec(
        "MobileNet v1, alpha 0.25", "mobilenet_025_notop", 224, "inception", "MobileNet", (("alpha", 0.25),)
    ),
}

USER_SUFFIXES = (".keras", ".h5", ".tflite")
PREPROCESSINGS = ("inception", "caffe", "unit", "none")

# ----------------------------------------------------------------------------- finding and checking files


def _check_hdf5(path: Path) -> None:
    with open(path, "rb") as f:
        if f.read(8) != b"\x89HDF\r\n\x1a\n":
            raise ChecksumError(f"{path.name} is not an HDF5 weights file (truncated or corrupted?)")


def _entry(key: str) -> _store.Entry:
    """``FILES[key]`` as an entry of the course's one registry (:mod:`cnnlab._store`)."""
    file = FILES[key]
    return _store.Entry(
        key=f"pretrained/{key}", title=file.filename, offline=(f"pretrained/{file.filename}",),
        cache=f"pretrained/{file.filename}", urls=(file.url,) if file.url else (), size=file.size,
        sha256=file.sha256, md5=file.md5, licence=_LICENCES.get(key, "Keras applications (Apache-2.0)"),
        check=None if (file.sha256 or file.md5) else _check_hdf5,
        also=(("the Keras cache", lambda: keras_cache_dir() / file.filename),),
        fix="or use load_classifier('auto') / feature_extractor('auto'), which pick a model that is available.")


_LICENCES = {
    "mobilenet_v2_quant_tflite": "Coral's test data (google-coral/test_data), Apache-2.0",
    "mobilenet_v1_025_quant_tflite": "Coral's test data (google-coral/test_data), Apache-2.0",
    "imagenet_labels_1001": "TF-slim's ImageNet labels, Apache-2.0",
}

#: The model files the notebooks use: each default, and the fallback each notebook takes where the
#: default cannot be had (``python -m cnnlab fetch pretrained`` fetches these). The defaults are
#: :data:`PREFERRED`: where they cannot be downloaded, the fallbacks serve.
NOTEBOOK_FILES = ("imagenet_class_index", "inception_v3", "inception_v3_notop", "mobilenet_v2_quant_tflite",
                  "mobilenet_v1_025_quant_tflite", "mobilenet_025_notop")
PREFERRED = frozenset({"inception_v3", "inception_v3_notop"})


def entries() -> dict[str, _store.Entry]:
    """Every model file of :data:`FILES`, as entries of the course's one registry.

    Examples
    --------
    >>> entries()["pretrained/inception_v3"].urls[0].split("/")[-1]
    'inception_v3_weights_tf_dim_ordering_tf_kernels.h5'
    """
    return {f"pretrained/{key}": _entry(key) for key in FILES}


def verify_file(path, file: ModelFile) -> Path:
    """Return ``path`` if its content has the checksum that ``file`` records, else raise.

    Files without a published checksum are only checked to be HDF5 files.
    A verified file is remembered (by path, size and modification time), so
    loading a 90 MB model twice hashes it once.

    Raises
    ------
    ChecksumError
        If the content is not what the registry expects (a truncated or
        corrupted file).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "model.tflite"
    >>> _ = path.write_bytes(b"not a model")
    >>> verify_file(path, FILES["mobilenet_v2_quant_tflite"])
    Traceback (most recent call last):
    ...
    cnnlab._download.ChecksumError: model.tflite fails its checksum: SHA-256 is 708811ccb1510c6d6c6e6379ef09be39bdbb0e7edcf44fefcca21c6228ee6d89, expected 7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776 (truncated or corrupted?)
    """
    if not isinstance(file, ModelFile):
        raise ValueError(f"file must be a ModelFile (an entry of FILES, e.g. FILES['mobilenet_v2_quant_tflite']), "
                         f"received file={file!r}.")
    key = next((k for k, v in FILES.items() if v == file), file.filename)
    entry = _entry(key) if key in FILES else _store.Entry(
        key=f"pretrained/{key}", title=file.filename, offline=(), cache=file.filename, sha256=file.sha256,
        md5=file.md5, check=None if (file.sha256 or file.md5) else _check_hdf5)
    return _store.verify(path, entry)


def _check_key(key) -> None:
    if key not in FILES:
        choices = ", ".join(repr(k) for k in FILES)
        raise ValueError(f"key must be one of {choices}, received key={key!r}.")


def _find_local(key: str, notes: list[str] | None = None) -> tuple[Path, str] | None:
    """Return ``(path, where)`` of a verified local copy of ``FILES[key]``, or None; never downloads."""
    found = _store.find_local(_entry(key), notes)
    return None if found is None else (found.path, found.origin)


def locate(key: str, *, allow_download: bool = True, retries: int = 3) -> tuple[Path, str]:
    """Find a verified copy of the registered file ``key``; download it if needed and allowed.

    Looks in the offline data folder, the Keras cache and the cnnlab cache, in
    that order, then downloads into the cnnlab cache, from the classroom
    mirror first if one is set (unless ``CNNLAB_OFFLINE=1`` or
    ``allow_download=False``): the course's one door, :func:`cnnlab._store.find`.

    Parameters
    ----------
    key : str
        A key of :data:`FILES`, for example ``"mobilenet_v2_quant_tflite"``.
    allow_download : bool
        False looks only at local copies.
    retries : int
        Tries per address for transient network errors.

    Returns
    -------
    (pathlib.Path, str)
        The file, and where it came from, in words ("the offline data folder",
        "the Keras cache", "the cache", "downloaded from storage.googleapis.com").

    Raises
    ------
    DataUnavailableError
        If no verified copy exists and none could be downloaded; the message
        lists every place looked at and how to fix it.

    Examples
    --------
    >>> path, source = locate("mobilenet_v2_quant_tflite")   # with CNNLAB_DATA_DIR set
    >>> path.name, source
    ('mobilenet_v2_1.0_224_quant.tflite', 'the offline data folder')
    """
    _check_key(key)
    found = _store.find(_entry(key), allow_download=allow_download, retries=retries)
    return found.path, found.origin


def choose_model(label: str, order: Sequence[str], weights_of: Callable[[str], str], title_of: Callable[[str], str]):
    """What "auto" picks: ``order[0]`` (the notebook's default) if it is here or can be downloaded; else the
    best of the others that is here; else the best that can be downloaded. Prints one line: which, and why.

    Returns ``(name, path, origin)``.
    """
    def named(candidate: str) -> str:
        return f"{candidate} ({title_of(candidate)})"

    default = order[0]
    try:
        path, origin = locate(weights_of(default))
        print(f"{label}('auto'): {named(default)}, {origin_words(origin)}: the default.")
        return default, path, origin
    except DataUnavailableError as error:
        reason = error.reason
    why = f"the default, {named(default)}, is not on this machine and {_why_not(reason)}"
    for candidate in order[1:]:
        found = _find_local(weights_of(candidate))
        if found is not None:
            print(f"{label}('auto'): {named(candidate)}, {origin_words(found[1])}, because {why}.")
            return candidate, *found
    if reason != f"downloads are off ({config.OFFLINE_ENV}=1)":
        for candidate in order[1:]:
            try:  # one try each: the default's download has already shown how the network answers
                path, origin = locate(weights_of(candidate), retries=1)
            except DataUnavailableError:
                continue
            print(f"{label}('auto'): {named(candidate)}, {origin}, because {why}.")
            return candidate, path, origin
    raise _store.unavailable(
        f"A model for {label}('auto') ({default}, or any of " + ", ".join(order[1:]) + ")", [], reason,
        names=[f"pretrained/{FILES[weights_of(c)].filename}" for c in order[-1:]], key="pretrained")


def origin_words(origin: str) -> str:
    """"from the cache", but "downloaded from the classroom mirror" as it is."""
    return origin if origin.startswith("downloaded") else f"from {origin}"


def _why_not(reason: str) -> str:
    if reason.startswith("downloads are off"):
        return f"{reason.replace('downloads are off', 'downloads are off here')}"
    return "could not be downloaded (no connection, or no source had it)"


def _read_class_index(path: Path) -> tuple[str, ...]:
    index = json.loads(path.read_text(encoding="utf-8"))
    return tuple(index[str(i)][1].replace("_", " ") for i in range(1000))


def _read_labels_1001(path: Path) -> tuple[str, ...]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return tuple(line.split(",")[0].strip() for line in lines[1:1001])


_CLASS_NAMES: tuple[str, ...] | None = None


def imagenet_class_names() -> tuple[str, ...]:
    """Return the 1,000 ImageNet class names, in Keras' order, with spaces instead of underscores.

    They come from Keras' ``imagenet_class_index.json`` (mirror, Keras cache,
    cnnlab cache or download); without it, from the first synonym of each
    line of the mirror's ``imagenet_labels_1001.txt`` (the same names).

    Examples
    --------
    >>> names = imagenet_class_names()
    >>> len(names), names[0], names[285], names[88]
    (1000, 'tench', 'Egyptian cat', 'macaw')
    """
    global _CLASS_NAMES
    if _CLASS_NAMES is None:
        try:
            path, _ = locate("imagenet_class_index")
            _CLASS_NAMES = _read_class_index(path)
        except DataUnavailableError as error:
            fallback = _find_local("imagenet_labels_1001")
            if fallback is None:
                raise error from None
            _CLASS_NAMES = _read_labels_1001(fallback[0])
    return _CLASS_NAMES
