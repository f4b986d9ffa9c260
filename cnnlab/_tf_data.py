"""``tf.data`` as Keras iterates it best on a small CPU (imports TensorFlow); shared by :mod:`cnnlab.training` and
:mod:`cnnlab.flowers`."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

__all__ = ["prefetch_for_keras"]


def prefetch_for_keras(dataset):
    """``dataset`` with two batches prefetched and tf.data's autotuner off, for Keras to iterate.

    Keras discards an iterator after every epoch and every evaluation, and the discard
    waits for the autotuner's optimisation thread to wind down: about 0.45 s per epoch on
    a 2-core machine, and 15-40 s (with the CPU idle) once its period had grown. The
    pipelines that use it give their maps a fixed parallelism instead.

    Examples
    --------
    >>> dataset = prefetch_for_keras(tf.data.Dataset.range(3))
    >>> [int(x) for x in dataset], dataset.options().autotune.enabled
    ([0, 1, 2], False)
    """
    if not isinstance(dataset, tf.data.Dataset):
        raise ValueError(f"dataset must be a tf.data.Dataset, received dataset={dataset!r} "
                         f"(type {type(dataset).__name__}).")
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.prefetch(2).with_options(options)
