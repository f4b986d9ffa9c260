"""Every data file the course names: what it is, where it is, checked, parsed.

* :func:`load_sample_images` - scikit-learn's two bundled photos (the Chinese
  temple and the flower) that the chapter convolves, as floats in [0, 1].
* :func:`load_photos` - those two and the course's photos (:data:`COURSE_PHOTOS`),
  with their credits (:data:`PHOTO_CREDITS`, :func:`photo_credits`).
* :func:`load_image` - any photo a learner brings (path, bytes, upload or
  URL), in any mode, as an RGB float32 array; it lives in :mod:`cnnlab.images`
  and is re-exported here, the course's one door for data.
* :func:`load_mnist`, :func:`load_fashion_mnist` - the original IDX files,
  parsed by :func:`read_idx`.
* :func:`find_flowers` - TensorFlow's ``flower_photos`` (5 classes): where they
  are and their files; :mod:`cnnlab.flowers` turns them into ``tf.data`` pipelines.

Where data comes from, in order: the offline folder ``$CNNLAB_DATA_DIR``
(a classroom copy), the download cache, and finally the internet. Every file
is checked against the checksum of its *decompressed* content in
:data:`IDX_DATASETS`, the one table of what the course expects; a corrupted or
truncated cached copy is deleted and fetched again, never loaded. The flowers
archive is checked against :data:`FLOWERS` and unpacked by
:func:`cnnlab._download.safe_extract`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import _store, config
from ._download import ChecksumError, UnsafeArchiveError, safe_extract
from ._store import DataUnavailableError
from ._validation import check_one_of
from .images import describe_source, load_image

__all__ = [
    "load_sample_images",
    "load_sample_image",
    "load_photos",
    "load_image",
    "load_mnist",
    "load_fashion_mnist",
    "find_flowers",
    "read_idx",
    "fetch",
    "IDX_DATASETS",
    "SAMPLE_IMAGES",
    "MIRROR_PHOTOS",
    "COURSE_PHOTOS",
    "PHOTO_CREDITS",
    "FLOWERS_CREDIT",
    "photo_credits",
    "entries",
    "MNIST_CLASSES",
    "FASHION_MNIST_CLASSES",
    "FLOWER_CLASSES",
    "FLOWERS",
    "FlowerFolder",
    "DataUnavailableError",
    "ChecksumError",
    "UnsafeArchiveError",
]

MNIST_CLASSES = tuple(str(d) for d in range(10))
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


# --------------------------------------------------------------------------- IDX files


@dataclass(frozen=True)
class IdxFile:
    """One IDX file: its name (without ``.gz``), the SHA-256 and size of its content, its array shape."""

    name: str
    sha256: str
    size: int
    shape: tuple[int, ...]
    download_size: int | None = None  # bytes of the gzipped file, for listings


@dataclass(frozen=True)
class IdxDataset:
    """An IDX data set: its folder name, its mirrors (tried in order), its four files."""

    title: str
    folder: str
    urls: tuple[str, ...]
    train_images: IdxFile
    train_labels: IdxFile
    test_images: IdxFile
    test_labels: IdxFile
    licence: str = ""

    @property
    def files(self) -> tuple[IdxFile, ...]:
        return (self.train_images, self.train_labels, self.test_images, self.test_labels)


# The one table of checksums. They are of the *decompressed* files: the gzip
# bytes differ between mirrors while the content is byte-identical. For MNIST
# these contents have the published MD5s 6bbc9ace..., a25bea73..., 2646ac64...,
# 27ae3e4e... (tests/test_datasets.py checks them against the offline copy).
IDX_DATASETS: dict[str, IdxDataset] = {
    "mnist": IdxDataset(
        title="MNIST",
        folder="mnist",
        urls=(
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://yann.lecun.com/exdb/mnist/",
        ),
        licence="Y. LeCun, C. Cortes, C. J. C. Burges; CC BY-SA 3.0",
        train_images=IdxFile(
            "train-images-idx3-ubyte",
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            47_040_016,
            (60_000, 28, 28),
            9_912_422,
        ),
        train_labels=IdxFile(
            "train-labels-idx1-ubyte",
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            60_008,
            (60_000,),
            28_881,
        ),
        test_images=IdxFile(
            "t10k-images-idx3-ubyte",
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            7_840_016,
            (10_000, 28, 28),
            1_648_877,
        ),
        test_labels=IdxFile(
            "t10k-labels-idx1-ubyte",
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
            10_008,
            (10_000,),
            4_542,
        ),
    ),
    "fashion_mnist": IdxDataset(
        title="Fashion-MNIST",
        folder="fashion-mnist",
        urls=(
            "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
            "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
        ),
        licence="Zalando SE; MIT licence",
        train_images=IdxFile(
            "train-images-idx3-ubyte",
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            47_040_016,
            (60_000, 28, 28),
            26_421_880,
        ),
        train_labels=IdxFile(
            "train-labels-idx1-ubyte",
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            60_008,
            (60_000,),
            29_515,
        ),
        test_images=IdxFile(
            "t10k-images-idx3-ubyte",
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            7_840_016,
            (10_000, 28, 28),
            4_422_102,
        ),
        test_labels=IdxFile(
            "t10k-labels-idx1-ubyte",
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
            10_008,
            (10_000,),
            5_148,
        ),
    ),
}

_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(data: bytes) -> np.ndarray:
    """Parse the bytes of an IDX file (the format MNIST is distributed in).

    An IDX file starts with a magic number: two zero bytes, a type code
    (``0x08`` for unsigned bytes) and the number of dimensions; then one
    big-endian 32-bit size per dimension; then the values, in C order.

    Parameters
    ----------
    data : bytes
        The uncompressed file content.

    Returns
    -------
    numpy.ndarray
        The array, in native byte order.

    Raises
    ------
    ValueError
        If the header is not an IDX header or the data is shorter or longer
        than the header announces (a truncated file).

    Examples
    --------
    >>> header = bytes([0, 0, 0x08, 2]) + (2).to_bytes(4, "big") + (3).to_bytes(4, "big")
    >>> read_idx(header + bytes(range(6)))
    array([[0, 1, 2],
           [3, 4, 5]], dtype=uint8)
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes (the content of an uncompressed IDX file), received a "
                        f"{type(data).__name__}: {describe_source(data)}; read the file with open(path, 'rb').read().")
    data = bytes(data)
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(
            f"data does not start with an IDX magic number (received first bytes {data[:4]!r}); "
            "is this an uncompressed IDX file such as train-images-idx3-ubyte?"
        )
    code, ndim = data[2], data[3]
    if code not in _IDX_DTYPES:
        raise ValueError(f"IDX type code 0x{code:02x} is unknown; expected one of 08, 09, 0B, 0C, 0D, 0E.")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"IDX header announces {ndim} dimensions but the data ends after {len(data)} bytes.")
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = _IDX_DTYPES[code]
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        raise ValueError(
            f"IDX data of shape {shape} should be {expected} bytes long but is {len(data)} bytes; "
            "the file is truncated or corrupted."
        )
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=True)


def _idx_entry(key: str, dataset: IdxDataset, file: IdxFile) -> _store.Entry:
    kind = {"train-images": "training images", "train-labels": "training labels",
            "t10k-images": "test images", "t10k-labels": "test labels"}
    label = next((words for prefix, words in kind.items() if file.name.startswith(prefix)), file.name)
    return _store.Entry(
        key=f"{key}/{file.name}",
        title=f"{dataset.title} {label}",
        offline=(f"{dataset.folder}/{file.name}.gz", f"{dataset.folder}/{file.name}"),
        cache=f"{dataset.folder}/{file.name}.gz",
        urls=tuple(base + f"{file.name}.gz" for base in dataset.urls),
        size=file.download_size,
        sha256=file.sha256,
        content_size=file.size,
        gzipped=True,
        licence=dataset.licence,
    )


def entries() -> dict[str, _store.Entry]:
    """Every file this module reads, as entries of the course's one registry (:mod:`cnnlab._store`).

    Examples
    --------
    >>> entries()["mnist/t10k-labels-idx1-ubyte"].urls[0]
    'https://storage.googleapis.com/cvdf-datasets/mnist/t10k-labels-idx1-ubyte.gz'
    >>> entries()["photos/parrot"].offline
    ('images/parrot.jpg',)
    """
    table = {}
    for key, dataset in IDX_DATASETS.items():
        for file in dataset.files:
            entry = _idx_entry(key, dataset, file)
            table[entry.key] = entry
    for name, photo in COURSE_PHOTOS.items():
        table[f"photos/{name}"] = _photo_entry(name, photo)
    table["flowers/flower_photos.tgz"] = flowers_entry()
    return table


def _fetch_idx(dataset: IdxDataset, file: IdxFile) -> np.ndarray:
    """Find, verify and parse one IDX file through the course's one door (offline folder, cache, download).

    The gzipped file is decompressed once (verification and parsing share the bytes), never beyond its known size.
    """
    return read_idx(_store.load_content(_idx_entry(_key_of(dataset), dataset, file)))


def _key_of(dataset: IdxDataset) -> str:
    return next(key for key, value in IDX_DATASETS.items() if value is dataset)


def _load_idx_dataset(key: str):
    dataset = IDX_DATASETS[key]
    x_train, y_train, x_test, y_test = (_fetch_idx(dataset, f) for f in dataset.files)
    for array, file in zip((x_train, y_train, x_test, y_test), dataset.files):
        if array.shape != file.shape:  # pragma: no cover - guarded by the checksum
            raise ValueError(f"{file.name} has shape {array.shape}, expected {file.shape}")
    return (x_train, y_train), (x_test, y_test)


def load_mnist():
    """Load MNIST: 60,000 training and 10,000 test images of handwritten digits.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of numpy.ndarray
        ``uint8`` images of shape ``(n, 28, 28)`` (0 = white paper, 255 = ink)
        and ``uint8`` labels 0-9, as in ``keras.datasets.mnist.load_data()``.

    Notes
    -----
    Looks in ``$CNNLAB_DATA_DIR/mnist/``, then the cache, then downloads the
    four ``*-ubyte.gz`` files (about 11 MB) with a progress bar. Each file's
    decompressed content is checked against :data:`IDX_DATASETS`.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load_mnist()
    >>> x_train.shape, x_test.shape
    ((60000, 28, 28), (10000, 28, 28))
    """
    return _load_idx_dataset("mnist")


def load_fashion_mnist():
    """Load Fashion-MNIST: 70,000 28×28 greyscale photos of 10 kinds of clothing.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of numpy.ndarray
        As :func:`load_mnist`; class names are in :data:`FASHION_MNIST_CLASSES`.

    Examples
    --------
    >>> (x_train, y_train), _ = load_fashion_mnist()
    >>> FASHION_MNIST_CLASSES[y_train[0]]
    'Ankle boot'
    """
    return _load_idx_dataset("fashion_mnist")


def fetch(*names: str) -> None:
    """Make data available offline: fetch each named group into the cache (see :func:`cnnlab._store.fetch`).

    Parameters
    ----------
    *names : str
        ``"mnist"``, ``"fashion_mnist"``, ``"photos"``, ``"pretrained"``,
        ``"flowers"`` (the full ``flower_photos`` set, 218 MiB) or ``"all"``;
        all of them if none is given.

    Raises
    ------
    DataUnavailableError
        If a file a notebook needs could not be fetched.

    Examples
    --------
    >>> fetch("mnist")  # doctest: +SKIP
    >>> fetch("cifar10")
    Traceback (most recent call last):
    ...
    ValueError: name must be one of 'mnist', 'fashion_mnist', 'photos', 'pretrained', 'flowers', 'all', received name='cifar10'.
    """
    missing = _store.fetch(names)
    if missing:
        raise DataUnavailableError(f"{missing} file(s) could not be fetched; the lines above say why.")


# --------------------------------------------------------------------------- photos

#: The chapter's two sample photos, as scikit-learn ships them (427×640 each).
SAMPLE_IMAGES = {"temple": "china.jpg", "flower": "flower.jpg"}


def _sample_image_path(name: str) -> Path:
    if name not in SAMPLE_IMAGES:
        choices = ", ".join(repr(k) for k in SAMPLE_IMAGES)
        raise ValueError(f"name must be one of {choices}, received name={name!r}.")
    # Locate scikit-learn's files without importing scikit-learn (about a second).
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("scikit-learn is not installed; `pip install scikit-learn` brings the sample images.")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "images" / SAMPLE_IMAGES[name]


def load_sample_image(name: str) -> np.ndarray:
    """Load one of the chapter's sample photos as an RGB float32 array in [0, 1].

    Parameters
    ----------
    name : {"temple", "flower"}
        ``"temple"`` is scikit-learn's ``china.jpg``.

    Examples
    --------
    >>> load_sample_image("flower").shape
    (427, 640, 3)
    """
    return load_image(_sample_image_path(name), max_size=None)


def load_sample_images() -> np.ndarray:
    """Load both sample photos (temple, flower) as one batch, as in the chapter.

    Returns
    -------
    numpy.ndarray
        float32 array of shape ``(2, 427, 640, 3)`` with values in [0, 1].

    Examples
    --------
    >>> images = load_sample_images()
    >>> images.shape, images.dtype, float(images.min()) >= 0.0, float(images.max()) <= 1.0
    ((2, 427, 640, 3), dtype('float32'), True, True)
    """
    return np.stack([load_sample_image(name) for name in SAMPLE_IMAGES])


@dataclass(frozen=True)
class Photo:
    """One of the course's photos: its file in the offline folder's ``images/``, its public origin, its credit."""

    filename: str
    url: str
    sha256: str
    size: int
    credit: str


_CORAL_TEST_DATA = "https://github.com/google-coral/test_data/raw/master/"
_OPEN_IMAGES = "Open Images (CC BY 2.0), via Coral's test data"

#: The course's photos, named by what a person would call them (not by what a network answers). They
#: are the photos of Coral's test data (google-coral/test_data), which the offline data folder holds in
#: ``images/``; online they are downloaded from there and checked against these SHA-256s, so every
#: learner gets the same gallery. Credits are in CREDITS.md and under every figure that shows them.
COURSE_PHOTOS: dict[str, Photo] = {
    "cat": Photo("cat.bmp", _CORAL_TEST_DATA + "cat.bmp",
                 "34f235786382686111728287fd26d4c24dd8c25de8233469d6eeb301888ce0a9", 523_914, _OPEN_IMAGES),
    "parrot": Photo("parrot.jpg", _CORAL_TEST_DATA + "parrot.jpg",
                    "a8fba9e7e29439fa414c13129aad661f2289ff891231920a7c33641b076f1833", 596_977, _OPEN_IMAGES),
    "owl": Photo("owl.jpg", _CORAL_TEST_DATA + "owl.jpg",
                 "ea9a0e3943bbd0acaeb472a6e66e777d13cf76646f9e42e84cafa931cc8a5bf7", 155_944, _OPEN_IMAGES),
    "dragonfly": Photo("dragonfly.bmp", _CORAL_TEST_DATA + "dragonfly.bmp",
                       "bb42efbdd3ef1a06cc17cc4db862373be91d74eec2fcdeeb6665247a3ae6ce52", 642_186, _OPEN_IMAGES),
    "dog": Photo("dog_train_0.bmp", _CORAL_TEST_DATA + "imprinting/dog_train_0.bmp",
                 "87ac84789364b2a5b12566c5bbb4f1c00f669a170e6246d96cf2915cd54bc430", 523_914, _OPEN_IMAGES),
    "two dogs": Photo("pets.jpg", _CORAL_TEST_DATA + "pets.jpg",
                      "3d71034f8a910bc71c744d3191b652c6c09e9e9c703e4dcd97f1c5ef7adbfe82", 170_711, _OPEN_IMAGES),
    "bird": Photo("bird.bmp", _CORAL_TEST_DATA + "bird.bmp",
                  "3fd22d6ed352b8e721d9982e38ed655f8429e168bb53ad205c6f3cdfa848e994", 526_986, _OPEN_IMAGES),
    "sunflower": Photo("sunflower.bmp", _CORAL_TEST_DATA + "sunflower.bmp",
                       "896b5e31cee42ebe32ee91251fc42041ca03c767fe02bd7ebc0e37d45f4a45b2", 522_378, _OPEN_IMAGES),
    "Grace Hopper": Photo("grace_hopper.bmp", _CORAL_TEST_DATA + "grace_hopper.bmp",
                          "c43444bf3b1b1e3080551ca194bd231da4b67f20fc91454502915a6b806b614f", 921_738,
                          "US Navy, Naval History and Heritage Command (public domain), via Coral's test data"),
}

#: The photos' file names in the offline data folder's ``images/``, by name.
MIRROR_PHOTOS = {name: photo.filename for name, photo in COURSE_PHOTOS.items()}

#: The credit of every photo :func:`load_photos` returns, by name (the two sample photos: scikit-learn's).
PHOTO_CREDITS = {
    "temple": "danielbuechele on Flickr (CC BY 2.0), scikit-learn's china.jpg",
    "flower": "vultilion on Flickr (CC BY 2.0), scikit-learn's flower.jpg",
    **{name: photo.credit for name, photo in COURSE_PHOTOS.items()},
}

#: The credit of the flower photos (:func:`load_flowers`), for under a figure that shows them.
FLOWERS_CREDIT = ("Photos: TensorFlow's flower_photos, from Flickr (CC BY 2.0); each photographer is named in "
                  "the set's LICENSE.txt.")


def photo_credits(names) -> str:
    """One line that credits the photos ``names`` (keys of :data:`PHOTO_CREDITS`), for under a figure.

    Examples
    --------
    >>> photo_credits(["owl", "parrot", "temple"])
    "Photos: owl, parrot: Open Images (CC BY 2.0), via Coral's test data; temple: danielbuechele on Flickr (CC BY 2.0), scikit-learn's china.jpg."
    """
    groups: dict[str, list[str]] = {}
    for name in names:
        if name not in PHOTO_CREDITS:
            choices = ", ".join(repr(k) for k in PHOTO_CREDITS)
            raise ValueError(f"names must be photos of the course ({choices}), received {name!r}.")
        groups.setdefault(PHOTO_CREDITS[name], []).append(name)
    return "Photos: " + "; ".join(f"{', '.join(group)}: {credit}" for credit, group in groups.items()) + "."


def _photo_entry(name: str, photo: Photo) -> _store.Entry:
    return _store.Entry(key=f"photos/{name}", title=f"the photo {name!r} ({photo.filename})",
                        offline=(f"images/{photo.filename}",), cache=f"images/{photo.filename}",
                        urls=(photo.url,), size=photo.size, sha256=photo.sha256, content_size=photo.size,
                        licence=photo.credit)


def load_photos(mirror: bool = True, max_size: int | None = 1024) -> dict[str, np.ndarray]:
    """Load the chapter's two sample photos and the course's photos, by name.

    Parameters
    ----------
    mirror : bool
        Also load the course's photos (:data:`COURSE_PHOTOS`): from the
        offline data folder, the cache, or downloaded once from their public
        origin (checked by SHA-256). Without a connection and a local copy, only
        the sample photos are returned, and one line says why.
    max_size : int or None
        As for :func:`load_image`.

    Returns
    -------
    dict of str to numpy.ndarray
        ``{"temple": ..., "flower": ..., "cat": ..., ...}``, RGB float32 in [0, 1];
        :data:`PHOTO_CREDITS` has each one's credit.

    Examples
    --------
    >>> photos = load_photos(mirror=False)
    >>> list(photos), photos["temple"].shape
    (['temple', 'flower'], (427, 640, 3))
    >>> len(load_photos())     # with CNNLAB_DATA_DIR set, or online
    11
    """
    if not isinstance(mirror, (bool, np.bool_)):
        raise ValueError(f"mirror must be True or False, received mirror={mirror!r}.")
    photos = {name: load_image(_sample_image_path(name), max_size=max_size) for name in SAMPLE_IMAGES}
    if not mirror:
        return photos
    missing, reason = [], ""
    for name, photo in COURSE_PHOTOS.items():
        try:
            # After one failed download, look only at local copies: the next one would fail the same way.
            found = _store.find(_photo_entry(name, photo), allow_download=not reason, progress=False)
        except _store.DataUnavailableError as error:
            missing.append(name)
            reason = reason or error.reason
            continue
        photos[name] = load_image(found.path, max_size=max_size)
    if missing:
        print(f"load_photos(): {len(missing)} of the course's {len(COURSE_PHOTOS)} photos are not on this machine "
              f"and were not downloaded ({reason}); `python -m cnnlab fetch photos` gets them.")
    return photos


# --------------------------------------------------------------------------- flowers

#: The five classes of TensorFlow's ``flower_photos`` set, in label order (0-4): alphabetical,
#: the order in which ``keras.utils.image_dataset_from_directory`` numbers the same folders.
FLOWER_CLASSES = ("daisy", "dandelion", "roses", "sunflowers", "tulips")


@dataclass(frozen=True)
class FlowersArchive:
    """The full ``flower_photos`` set: where to download it and what a complete copy looks like."""

    urls: tuple[str, ...]
    sha256: str
    size: int
    root: str
    classes: tuple[str, ...]
    min_per_class: int


# The archive's size and SHA-256 are the ones TensorFlow Datasets publishes for
# tf_flowers (tensorflow_datasets/url_checksums/tf_flowers.txt); Coral's
# retraining scripts pin the same SHA-256. Its 3,670 photos are 633 to 898 per
# class, so a download is also checked structurally after extraction: five class
# folders of at least ``min_per_class`` JPEGs each (the hash already guarantees
# this; the check guards the cache and any archive placed there by hand).
FLOWERS = FlowersArchive(
    urls=("https://storage.googleapis.com/download.tensorflow.org/example_images/flower_photos.tgz",),
    sha256="4c54ace7911aaffe13a365c34f650e71dd5bf1be0a58b464e5a7183e3e595d9c",
    size=228_813_984,
    root="flower_photos",
    classes=FLOWER_CLASSES,
    min_per_class=500,
)

#: Folders of ``$CNNLAB_DATA_DIR`` that hold the flowers, by ``source``.
_FLOWER_MIRRORS = {"mirror": "flowers", "original": "flowers-original-size"}
_FLOWER_SOURCES = ("auto", "mirror", "original", "download")
_JPEG_SUFFIXES = (".jpg", ".jpeg")


def _flower_class_files(folder: Path, classes: tuple[str, ...], minimum: int) -> list[list[Path]]:
    """Return the sorted JPEG files of each class folder, or raise ChecksumError if the set is incomplete."""
    shown = _store.describe_path(folder)
    if not folder.is_dir():
        raise ChecksumError(f"{shown} does not exist")
    per_class, problems = [], []
    for name in classes:
        sub = folder / name
        files = sorted(p for p in sub.iterdir() if p.suffix.lower() in _JPEG_SUFFIXES and p.is_file()) \
            if sub.is_dir() else []
        if len(files) < minimum:
            problems.append(f"{name}/ holds {len(files)} JPEG files" if sub.is_dir() else f"{name}/ is missing")
        per_class.append(files)
    if problems:
        raise ChecksumError(f"{shown} is incomplete: {', '.join(problems)} (at least {minimum} each expected)")
    return per_class


def flowers_entry() -> _store.Entry:
    return _store.Entry(
        key="flowers/flower_photos.tgz", title="the flowers archive flower_photos.tgz",
        offline=("flower_photos.tgz",), cache="flower_photos.tgz", urls=FLOWERS.urls, size=FLOWERS.size,
        sha256=FLOWERS.sha256, content_size=FLOWERS.size,
        licence="TensorFlow's flower_photos; CC BY 2.0, per-photo credits in its LICENSE.txt",
        fix=f"download {FLOWERS.urls[0]} by hand and put it in the cache folder (`python -m cnnlab info` "
            "shows where), named flower_photos.tgz.")


def _install_flowers(notes: list[str]) -> Path:
    """Find or download ``flower_photos.tgz`` through the one door, extract it safely, check it, return the folder."""
    target = config.cache_dir() / "flowers"
    entry = flowers_entry()
    try:
        found = _store.find(entry)
    except DataUnavailableError as error:
        raise _store.unavailable(
            "The flowers data set (TensorFlow's flower_photos, 218 MiB)", [*notes, *error.notes],
            error.reason, entry.fix, names=["flowers/<class>/*.jpg"], key="flowers") from None
    try:
        safe_extract(found.path, target, overwrite=True,
                     verify=lambda tmp: _flower_class_files(tmp / FLOWERS.root, FLOWERS.classes,
                                                            FLOWERS.min_per_class))
    except ValueError as error:  # ChecksumError and UnsafeArchiveError are ValueErrors
        raise _store.unavailable(
            "The flowers data set (TensorFlow's flower_photos, 218 MiB)", [*notes, f"the archive was rejected: {error}"],
            "the archive was rejected and has been deleted; it will be downloaded again next time",
            entry.fix, names=["flowers/<class>/*.jpg"], key="flowers") from None
    finally:
        if found.origin != "the offline data folder":
            found.path.unlink(missing_ok=True)  # extracted or rejected: either way not needed any more
    return target / FLOWERS.root


def flowers_here() -> str:
    """Where a complete copy of the flowers is on this machine, in words ("" if nowhere); never downloads."""
    root = config.data_dir()
    for folder, where, minimum in ((root / _FLOWER_MIRRORS["mirror"] if root else None, "the offline data folder", 1),
                                   (config.cache_dir() / "flowers" / FLOWERS.root, "the cache", FLOWERS.min_per_class)):
        if folder is None:
            continue
        try:
            _flower_class_files(folder, FLOWERS.classes, minimum)
            return where
        except ChecksumError:
            continue
    return ""


def _flowers_folder(source: str) -> tuple[Path, str]:
    """The folder of flower class folders and where it was: offline folder, then cache, then the archive."""
    notes: list[str] = []
    if source != "download":
        mirror = _FLOWER_MIRRORS["original" if source == "original" else "mirror"]
        root = config.data_dir()
        if root is None:
            notes.append(f"{config.DATA_DIR_ENV} is not set (no offline data folder)")
        else:
            try:
                _flower_class_files(root / mirror, FLOWERS.classes, 1)
                return root / mirror, "original" if source == "original" else "mirror"
            except ChecksumError as error:
                notes.append(str(error))
        if source == "mirror":
            raise _store.unavailable(
                "The offline copy of the flowers (source='mirror')", notes, "it is not in the offline data folder",
                "or pass source='auto' to use the cache or download the set.",
                names=[f"{mirror}/<class>/*.jpg for the classes {', '.join(FLOWERS.classes)}"])

    cached = config.cache_dir() / "flowers" / FLOWERS.root
    with contextlib.suppress(ChecksumError, OSError):  # a complete copy needs no lock (a read-only cache works)
        _flower_class_files(cached, FLOWERS.classes, FLOWERS.min_per_class)
        return cached, "cache"
    with _store.cache_lock(config.cache_dir() / "flowers", folder=True):  # one process extracts, the others wait
        if cached.is_dir():
            try:
                _flower_class_files(cached, FLOWERS.classes, FLOWERS.min_per_class)
                return cached, "cache"
            except ChecksumError as error:
                warnings.warn(f"the cached flowers are incomplete and are replaced: {error}", stacklevel=3)
                notes.append(f"the cached copy was incomplete ({error})")
        else:
            notes.append("the cache (flowers/): not there")
        return _install_flowers(notes), "download"


class FlowerFolder(NamedTuple):
    """What :func:`find_flowers` found: the folder of class folders, where it was, and each class's photos."""

    folder: Path
    source: str
    per_class: list


def find_flowers(source: str = "auto") -> FlowerFolder:
    """Find the flowers (offline folder, then cache, then download) and list each class's photos; no TensorFlow.

    ``source`` is as for :func:`cnnlab.flowers.load_flowers`: ``"auto"``, ``"mirror"``
    (only the offline folder), ``"original"`` (photos at their original sizes) or
    ``"download"`` (the full set, from the cache or the internet). The photos of
    class ``i`` (:data:`FLOWER_CLASSES`) are ``per_class[i]``, sorted.

    Examples
    --------
    >>> found = find_flowers("mirror")   # the offline data folder's copy (CNNLAB_DATA_DIR)
    >>> found.source, len(found.per_class), all(files for files in found.per_class)
    ('mirror', 5, True)
    """
    source = check_one_of("source", source, _FLOWER_SOURCES, normalize=str.lower)
    folder, found = _flowers_folder(source)
    minimum = FLOWERS.min_per_class if found in ("cache", "download") else 1
    return FlowerFolder(folder, found, _flower_class_files(folder, FLOWERS.classes, minimum))
