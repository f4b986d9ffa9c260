"""The flowers as ``tf.data`` pipelines: exercise 9's data (imports TensorFlow).

Upper floor. :func:`cnnlab.datasets.find_flowers` finds TensorFlow's ``flower_photos``
(offline folder, cache or download) without TensorFlow; this module splits them, stratified,
into train / validation / test and builds the pipelines that decode, resize, augment and
batch them, deterministic for a seed:

* :func:`load_flowers` - the three pipelines and what they hold (:class:`FlowerData`);
* :func:`flowers_pipeline` - the same pipeline for any ``(path, label)`` pairs, e.g. to
  see the training augmentation on one photo.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

from . import _store  # noqa: E402
from ._tf_data import prefetch_for_keras  # noqa: E402
from ._validation import check_memory, check_non_negative_int, check_positive_int  # noqa: E402
from .datasets import FLOWER_CLASSES, find_flowers  # noqa: E402

__all__ = ["load_flowers", "flowers_pipeline", "FlowerData", "FLOWER_CLASSES"]

_FLOWER_SPLITS = ("train", "val", "test")
_CACHE_BUDGET = 256 * 2**20  # bytes of decoded images that cache=None keeps in memory


def _split_counts(n: int, fractions: tuple[float, float, float]) -> list[int]:
    """Share ``n`` images between the splits: largest remainders, at least one per non-empty split."""
    exact = [n * f for f in fractions]
    counts = [int(np.floor(e)) for e in exact]
    order = sorted(range(3), key=lambda i: (counts[i] - exact[i], i))
    for i in order[: n - sum(counts)]:
        counts[i] += 1
    for i in range(3):
        if fractions[i] > 0 and counts[i] == 0:
            counts[int(np.argmax(counts))] -= 1
            counts[i] = 1
    return counts


def _check_split(split) -> tuple[float, float, float]:
    message = (
        f"split must be three fractions (train, validation, test), each >= 0, with train > 0, adding up to 1; "
        f"received split={split!r}. For example split=(0.7, 0.15, 0.15)."
    )
    try:
        fractions = tuple(float(f) for f in split)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if (len(fractions) != 3 or any(not np.isfinite(f) or f < 0 for f in fractions) or fractions[0] <= 0
            or abs(sum(fractions) - 1.0) > 1e-6):
        raise ValueError(message)
    return fractions


def _split_files(per_class: list[list[Path]], fractions, seed: int, max_per_class: int | None):
    rng = np.random.default_rng(seed)
    files: dict[str, list[tuple[str, int]]] = {name: [] for name in _FLOWER_SPLITS}
    needed = sum(f > 0 for f in fractions)
    for label, class_files in enumerate(per_class):
        chosen = [class_files[i] for i in rng.permutation(len(class_files))]
        if max_per_class is not None:
            chosen = chosen[:max_per_class]
        if len(chosen) < needed:
            raise ValueError(
                f"class {FLOWER_CLASSES[label]!r} has only {len(chosen)} images, too few for {needed} splits; "
                f"raise max_per_class (received max_per_class={max_per_class!r}) or give fewer splits."
            )
        start = 0
        for name, count in zip(_FLOWER_SPLITS, _split_counts(len(chosen), fractions)):
            files[name].extend((str(path), label) for path in chosen[start : start + count])
            start += count
    return files


@dataclass(frozen=True, repr=False)
class FlowerData:
    """What :func:`load_flowers` returns: three ``tf.data`` pipelines and where their images came from.

    Attributes
    ----------
    train, val, test : tf.data.Dataset
        Batches of ``(images, labels)``: float32 images ``(batch, image_size, image_size, 3)``
        in [0, 1] (or whatever ``preprocess`` makes of them) and int32 labels.
    class_names : tuple of str
        Label ``i`` is ``class_names[i]``.
    files : dict
        ``{"train": [(path, label), ...], "val": [...], "test": [...]}``, in pipeline
        order for val and test (train is reshuffled every epoch).
    folder : pathlib.Path
        The folder holding the class folders.
    source : str
        ``"mirror"``, ``"original"`` (the offline folder), ``"cache"`` or ``"download"``.
    image_size : int
        Side of the square images.
    cached : bool
        Whether decoded images are kept in memory after the first epoch.
    """

    train: object
    val: object
    test: object
    class_names: tuple[str, ...]
    files: dict
    folder: Path
    source: str
    image_size: int
    cached: bool

    def counts(self) -> dict[str, list[int]]:
        """Images per class in each split, e.g. ``{"train": [427, 622, ...], ...}``."""
        result = {}
        for name, pairs in self.files.items():
            labels = np.array([label for _, label in pairs], dtype=np.int64)
            result[name] = np.bincount(labels, minlength=len(self.class_names)).tolist()
        return result

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(self.files[name])}" for name in _FLOWER_SPLITS)
        return (f"FlowerData({sizes} images of {self.image_size}×{self.image_size}, "
                f"classes={self.class_names}, source={self.source!r}, folder={_store.describe_path(self.folder)!r})")


def load_flowers(image_size: int = 224, batch_size: int = 32, split=(0.7, 0.15, 0.15), seed: int = 42,
                 source: str = "auto", max_per_class: int | None = None, preprocess=None,
                 cache: bool | None = None) -> FlowerData:
    """Load TensorFlow's ``flower_photos`` (5 classes) as stratified train/validation/test pipelines.

    Parameters
    ----------
    image_size : int
        Side of the square images the model takes (224, 299, 128, ...).
    batch_size : int
        Images per batch.
    split : tuple of 3 floats
        Fractions (train, validation, test) of each class; they add up to 1.
    seed : int
        Seeds the split, the shuffling and the augmentation. The same seed
        gives the same files in each split and the same batches, epoch after
        epoch, whatever TensorFlow's global seed (``keras.utils.set_random_seed``)
        and in any session: the order of the ``k``-th pass over ``train`` is a
        stateless shuffle keyed by ``(seed, k)``.
    source : {"auto", "mirror", "original", "download"}
        Where the photos come from. ``"auto"``: ``$CNNLAB_DATA_DIR/flowers/``
        (3,482 photos resized to 128×128), else the cache, else a download.
        ``"mirror"``: only that offline folder. ``"original"``: photos at their
        original sizes, from ``$CNNLAB_DATA_DIR/flowers-original-size/`` (824
        of them), else the cache, else a download. ``"download"``: the full set
        of 3,670 original photos, from the cache or the internet (218 MiB).
    max_per_class : int, optional
        Use at most this many images of each class (a random sample drawn with
        ``seed``), for quick runs.
    preprocess : callable, optional
        Applied last, to each batch of float32 images in [0, 1]; for example a
        model's own input scaling. Keras' ``preprocess_input`` functions expect
        values in [0, 255], so wrap them: ``lambda x: preprocess_input(x * 255.0)``.
    cache : bool, optional
        Keep the decoded images in memory after the first epoch. By default
        (None) they are kept when all of them together take at most 256 MiB.

    Returns
    -------
    FlowerData
        ``.train``, ``.val``, ``.test`` (``tf.data.Dataset`` of ``(images, labels)``
        batches), ``.class_names`` (:data:`FLOWER_CLASSES`), ``.files`` (the
        ``(path, label)`` pairs of each split) and ``.counts()``.

    Raises
    ------
    DataUnavailableError
        If the photos are in neither the offline folder nor the cache and
        cannot be downloaded; the message says how to fix it.
    ValueError
        If an argument is out of range; the message names it.

    Notes
    -----
    *Stratified*: each class is shuffled with ``seed`` and cut by the
    fractions, so every split holds every class in the same proportion (each
    split's share of a class is within one image of the exact fraction, unless
    a class is so small that a split would otherwise get none of it).

    *Evaluation* images (val and test) are resized so that their shorter side
    is ``image_size``, then centre-cropped to a square. *Training* images are
    resized the same way, then a random square covering 60 % to 100 % of the
    shorter side's square is cut out (aspect ratio kept, nothing stretched),
    resized to ``image_size`` and flipped left-right half of the time; the
    order, crops and flips change every epoch but repeat for the same seed
    (decoding runs in parallel, in a fixed order; ``cache`` does not change
    the batches either).

    Pixel values are float32 in [0, 1]. A model's own input scaling (to
    [-1, 1] for MobileNet and Inception, mean subtraction for ResNet) belongs
    to the model side, or to ``preprocess``. The 128×128 offline copy is
    enlarged when ``image_size`` is larger, which blurs it a little.

    A download is checked against :data:`cnnlab.datasets.FLOWERS` (size and SHA-256), unpacked
    by :func:`cnnlab._download.safe_extract`, checked for five class folders
    of at least 500 photos each, and only then appears in the cache as
    ``flowers/flower_photos/``; the archive is then deleted.

    Examples
    --------
    >>> data = load_flowers(image_size=64, batch_size=8, max_per_class=20)
    >>> data.class_names
    ('daisy', 'dandelion', 'roses', 'sunflowers', 'tulips')
    >>> [len(data.files[name]) for name in ("train", "val", "test")]
    [70, 15, 15]
    >>> images, labels = next(iter(data.val))
    >>> tuple(images.shape), images.dtype.name, labels.dtype.name
    ((8, 64, 64, 3), 'float32', 'int32')
    """
    image_size = check_positive_int("image_size", image_size, hint="Give the model's input side, e.g. 224.")
    batch_size = check_positive_int("batch_size", batch_size)
    fractions = _check_split(split)
    seed = check_non_negative_int("seed", seed)
    if max_per_class is not None:
        max_per_class = check_positive_int("max_per_class", max_per_class, hint="Use None for every image.")
    if preprocess is not None and not callable(preprocess):
        raise ValueError(
            f"preprocess must be a function of a batch of images or None, received preprocess={preprocess!r} "
            f"(type {type(preprocess).__name__})."
        )
    if cache is not None and not isinstance(cache, bool):
        raise ValueError(f"cache must be True, False or None (automatic), received cache={cache!r}.")
    _check_batch_memory(image_size, batch_size)

    folder, found, per_class = find_flowers(source)
    files = _split_files(per_class, fractions, seed, max_per_class)
    decoded = sum(len(pairs) for pairs in files.values()) * image_size * image_size * 3 * 4 // 3
    if cache is None:
        cache = decoded <= _CACHE_BUDGET  # training images keep their aspect ratio (4:3 is typical)
    elif cache:
        check_memory(f"cache=True with image_size={image_size} ({sum(len(p) for p in files.values())} photos)",
                     decoded, fix="Pass cache=False (or None), or a smaller image_size.")

    pipelines = {
        name: _flower_pipeline(files[name], training=(name == "train"), image_size=image_size,
                               batch_size=batch_size, seed=seed, preprocess=preprocess, cache=cache)
        for name in _FLOWER_SPLITS
    }
    return FlowerData(class_names=FLOWER_CLASSES, files=files, folder=folder, source=found,
                      image_size=image_size, cached=cache, **pipelines)


def flowers_pipeline(pairs, *, training: bool = False, image_size: int = 224, batch_size: int = 32, seed: int = 42):
    """The pipeline :func:`load_flowers` builds, for any ``(path, label)`` pairs: e.g. to see its augmentation.

    Parameters
    ----------
    pairs : sequence of (path, int)
        Photos and labels, e.g. ``data.files["train"][:1] * 8``: one photo eight times.
    training : bool
        Random crops (60–100 % of the area) and flips, shuffled; else the centre crop.
    image_size, batch_size, seed : int

    Returns
    -------
    tf.data.Dataset
        Batches of ``(images in [0, 1], labels)``.
    """
    _check_batch_memory(check_positive_int("image_size", image_size), check_positive_int("batch_size", batch_size))
    pairs = [(str(path), int(label)) for path, label in pairs]
    if not pairs:
        raise ValueError("pairs is empty; give at least one (path, label) pair, e.g. data.files['train'][:1].")
    return _flower_pipeline(pairs, training=bool(training), image_size=check_positive_int("image_size", image_size),
                            batch_size=check_positive_int("batch_size", batch_size),
                            seed=check_non_negative_int("seed", seed), preprocess=None, cache=False)


def _check_batch_memory(image_size: int, batch_size: int) -> None:
    """One batch of float32 images, and the resizing copies made on the way, must fit in memory."""
    check_memory(f"image_size={image_size}, batch_size={batch_size}", 3 * batch_size * image_size * image_size * 3 * 4,
                 fix="Pass a smaller image_size or batch_size.")


def _epoch_orders(n: int, seed: int):
    """A one-element dataset: the order of the next epoch, drawn from ``seed`` and an epoch counter only.

    Each iteration of the dataset (each epoch) increments a counter ``k`` and yields
    ``stateless_shuffle(range(n), seed=(seed, k))``. ``Dataset.shuffle(seed=seed)``
    would also depend on TensorFlow's global seed (``tf.random.set_seed``,
    ``keras.utils.set_random_seed``), so that the same ``seed`` could give other
    batches in another notebook session; a stateless shuffle depends on its key alone.
    """
    epoch = tf.Variable(-1, dtype=tf.int64, trainable=False, name="flowers_epoch")
    key = tf.constant(seed % 2**63, tf.int64)

    def next_order(_):
        k = epoch.assign_add(1)
        return tf.random.experimental.stateless_shuffle(tf.range(n, dtype=tf.int64), seed=tf.stack([key, k]))

    return tf.data.Dataset.from_tensors(tf.constant(0, tf.int64)).map(next_order)




def _flower_pipeline(pairs, *, training, image_size, batch_size, seed, preprocess, cache):
    """Build one tf.data pipeline: decode, resize (and augment when training), batch, prefetch.

    Everything random depends on ``seed`` and on how many times the pipeline has been
    iterated before, nothing else (not TensorFlow's global seed, not thread timing):
    the order of epoch ``k`` is a stateless shuffle keyed by ``(seed, k)``, the crops
    and flips come from ``tf.random.Generator.from_seed(seed)`` drawn one element at
    a time in order, and every parallel map keeps its input order (``deterministic=True``).
    """
    # Fixed parallelism, as the autotuner is off (see :func:`cnnlab._tf_data.prefetch_for_keras`): decoding
    # gets half the cores, and the model the rest.
    parallel = max(1, (os.cpu_count() or 2) // 2)
    n = len(pairs)
    paths = tf.constant([path for path, _ in pairs], dtype=tf.string)
    labels = tf.constant([label for _, label in pairs], dtype=tf.int32)
    size = tf.constant(image_size, tf.int32)

    def shorter_side(image):
        height, width = tf.shape(image)[0], tf.shape(image)[1]
        scale = tf.cast(size, tf.float32) / tf.cast(tf.minimum(height, width), tf.float32)
        new_h = tf.maximum(size, tf.cast(tf.round(tf.cast(height, tf.float32) * scale), tf.int32))
        new_w = tf.maximum(size, tf.cast(tf.round(tf.cast(width, tf.float32) * scale), tf.int32))
        resized = tf.image.resize(image, tf.stack([new_h, new_w]), antialias=True)
        return tf.cast(tf.clip_by_value(tf.round(resized), 0.0, 255.0), tf.uint8)

    def load(path, label):
        image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
        image = shorter_side(image)
        if not training:
            image = tf.image.resize_with_crop_or_pad(image, size, size)  # centre crop
        return image, label

    if not training:
        dataset = tf.data.Dataset.from_tensor_slices((paths, labels))
        dataset = dataset.map(load, num_parallel_calls=parallel, deterministic=True)
        if cache:
            dataset = dataset.cache()
        dataset = dataset.map(lambda image, label: (tf.cast(image, tf.float32) / 255.0, label),
                              num_parallel_calls=parallel, deterministic=True)
    else:
        orders = _epoch_orders(n, seed)
        if not cache:
            # Each epoch: a new order of the files, then decode them in that order.
            dataset = orders.flat_map(tf.data.Dataset.from_tensor_slices)
            dataset = dataset.map(lambda i: (tf.gather(paths, i), tf.gather(labels, i)))
            dataset = dataset.map(load, num_parallel_calls=parallel, deterministic=True)
        else:
            # Decode every photo once, in file order, and keep them all (flattened, with their shapes)
            # as one ragged batch; each epoch then reads them in its own order, one index at a time.
            decoded = tf.data.Dataset.from_tensor_slices((paths, labels))
            decoded = decoded.map(load, num_parallel_calls=parallel, deterministic=True)
            decoded = decoded.map(lambda image, label: (tf.reshape(image, [-1]), tf.shape(image), label))
            decoded = decoded.ragged_batch(n).cache()

            def in_order(everything, order):
                pixels, shapes, all_labels = everything
                return tf.data.Dataset.from_tensor_slices(order).map(
                    lambda i: (tf.reshape(pixels[i], shapes[i]), all_labels[i]))

            dataset = tf.data.Dataset.zip(decoded, orders).flat_map(in_order)
        # flat_map hides the length from tf.data; every epoch has exactly n photos, and Keras
        # (and train_transfer's schedule) need the number of batches per epoch.
        dataset = dataset.apply(tf.data.experimental.assert_cardinality(n))
        generator = tf.random.Generator.from_seed(seed)
        # Seeds are drawn one element at a time, in order, so that the same seed
        # gives the same augmentation; the costly work below runs in parallel.
        dataset = dataset.map(lambda image, label: (image, label, generator.make_seeds(1)[:, 0]))

        def augment(image, label, pair):
            seeds = tf.random.experimental.stateless_split(pair, 3)
            shorter = tf.minimum(tf.shape(image)[0], tf.shape(image)[1])
            area = tf.random.stateless_uniform([], seed=seeds[0], minval=0.6, maxval=1.0)
            side = tf.maximum(1, tf.cast(tf.round(tf.sqrt(area) * tf.cast(shorter, tf.float32)), tf.int32))
            crop = tf.image.stateless_random_crop(image, tf.stack([side, side, 3]), seed=seeds[1])
            crop = tf.image.resize(crop, tf.stack([size, size]), antialias=True)
            crop = tf.image.stateless_random_flip_left_right(crop, seed=seeds[2])
            return tf.clip_by_value(crop / 255.0, 0.0, 1.0), label

        dataset = dataset.map(augment, num_parallel_calls=parallel, deterministic=True)
    dataset = dataset.batch(batch_size)
    if preprocess is not None:
        dataset = dataset.map(lambda images, labels: (preprocess(images), labels), num_parallel_calls=parallel,
                              deterministic=True)
    return prefetch_for_keras(dataset)
