"""Training: a thin ``model.fit`` wrapper, augmentation, a learning-rate schedule, exercise 7's recipe (imports TensorFlow).

Upper floor: importing this module imports TensorFlow and Keras.

* :func:`fit` wraps ``model.fit``: numpy arrays become a seeded ``tf.data``
  pipeline (shuffle, batch, optional augmentation, prefetch), with early
  stopping, ``.keras`` checkpoints, TensorBoard logs, a ``tf.distribute``
  strategy, and a choice of what to do when memory runs out.
* :func:`build_in_scope` builds (and compiles) a model under a strategy's scope.
* :func:`digits_augmentation` is the small shift / rotation / zoom used for 28×28 digits.
* :class:`OneCycle` is the one-cycle learning-rate schedule: warm up, then anneal.
* :func:`train_reference` is exercise 7's reference recipe (the notebook and
  ``benchmarks/mnist.py`` both call it); :func:`ensemble_predict` averages several models.

The live monitor to pass in ``callbacks`` is a widget:
:class:`cnnlab.widgets.TrainingMonitor` (in :mod:`cnnlab.widgets.training_monitor`).
"""

from __future__ import annotations

import importlib.util
import numbers
import os
import re
from collections.abc import Callable

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from ._validation import (  # noqa: E402
    check_finite_array,
    check_finite_number,
    check_non_negative_int,
    check_class_labels,
    check_one_of,
    check_positive_int,
    check_positive_number,
)
from ._tf_data import prefetch_for_keras  # noqa: E402
from .evaluation import check_pixel_values  # noqa: E402
from .widgets.training_monitor import TrainingMonitor  # noqa: E402  (fit sets its batch size; winds it up)

__all__ = ["fit", "build_in_scope", "digits_augmentation", "fashion_augmentation", "RandomAffine", "OneCycle", "prepare_digits", "train_reference",
           "ensemble_predict", "OOM_REMEDIES"]

#: What to try when a model does not fit in memory (the book's chapter 13, exercise 3).
OOM_REMEDIES = (
    "use smaller mini-batches (fit(..., on_oom='halve_batch') does it for you)",
    "use a larger stride in one or more layers",
    "remove one or more layers",
    "use 16-bit floats instead of 32-bit (cnnlab.device.enable_mixed_precision())",
    "distribute the model over several devices (fit(..., strategy=...))",
)


# ----------------------------------------------------------------------------- building


def build_in_scope(strategy, build_fn: Callable[[], keras.Model], compile_kwargs: dict | None = None) -> keras.Model:
    """Call ``build_fn()`` inside ``strategy.scope()`` and compile the model there if asked.

    A model trained with a ``tf.distribute`` strategy must create its variables
    (and its optimizer's) under that strategy's scope; this does both.

    Parameters
    ----------
    strategy : tf.distribute.Strategy or None
        ``None`` means the default strategy (one device).
    build_fn : callable
        Returns a new ``keras.Model``.
    compile_kwargs : dict, optional
        Passed to ``model.compile`` inside the scope.

    Examples
    --------
    >>> model = build_in_scope(None, lambda: keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]),
    ...                        dict(optimizer="sgd", loss="mse"))
    >>> model.count_params(), type(model.optimizer).__name__
    (8, 'SGD')
    """
    if not callable(build_fn):
        raise ValueError(f"build_fn must be a callable that returns a keras.Model, received build_fn={build_fn!r}.")
    strategy = strategy or tf.distribute.get_strategy()
    with strategy.scope():
        model = build_fn()
        if not isinstance(model, keras.Model):
            raise ValueError(f"build_fn must return a keras.Model, it returned {type(model).__name__}.")
        if compile_kwargs:
            model.compile(**compile_kwargs)
    return model


class RandomAffine(keras.layers.Layer):
    """Random shifts, rotations and zooms of a batch of images, as one affine warp per image.

    One warp means one bilinear interpolation: chaining separate shift, rotate and zoom
    layers interpolates three times and blurs thin strokes, so the network would train
    on softer digits than it is tested on. Outside training (``training=False``) the
    images pass unchanged. Pixels that come from outside the image are 0 (background).

    Parameters
    ----------
    shift : float
        Largest shift, in pixels, along each axis.
    rotation : float
        Largest rotation, in degrees, either way.
    zoom : float
        Largest relative change of size, e.g. 0.1 for 90 % to 110 %.
    seed : int, optional
        Seeds the random draws (with ``keras.utils.set_random_seed``, runs repeat exactly).

    Examples
    --------
    >>> image = np.zeros((1, 28, 28, 1), "float32"); image[0, 14, 14] = 1.0
    >>> moved = RandomAffine(shift=3.0, rotation=0.0, zoom=0.0, seed=0)(image, training=True)
    >>> float(np.asarray(moved).sum()) > 0.99, bool(np.asarray(moved)[0, 14, 14, 0] < 1.0)
    (True, True)
    """

    def __init__(self, shift: float = 2.0, rotation: float = 10.0, zoom: float = 0.1, seed: int | None = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        for name, value in (("shift", shift), ("rotation", rotation), ("zoom", zoom)):
            check_finite_number(name, value)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"{name} must be a number >= 0, received {name}={value!r}.")
        if zoom >= 1:
            raise ValueError(f"zoom must be below 1 (a relative change of size), received zoom={zoom!r}.")
        self.shift, self.rotation, self.zoom = float(shift), float(rotation), float(zoom)
        self.seed = None if seed is None else check_non_negative_int("seed", seed)

    def _uniform(self, shape, limit: float, offset: int):
        seed = None if self.seed is None else self.seed + offset
        return tf.random.uniform(shape, -limit, limit, seed=seed)

    def call(self, images, training=True):
        if not training:
            return images
        images = tf.convert_to_tensor(images, dtype=self.compute_dtype)
        n = tf.shape(images)[0]
        height, width = images.shape[1], images.shape[2]
        angle = self._uniform([n], np.deg2rad(self.rotation), 0)
        scale = 1.0 + self._uniform([n], self.zoom, 1)
        dx, dy = self._uniform([n], self.shift, 2), self._uniform([n], self.shift, 3)
        # The transform maps each output pixel (x, y) to the input point it samples:
        # input = centre + R(angle) / scale · (output - centre - shift).
        cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
        cx, cy = (width - 1) / 2, (height - 1) / 2
        ox, oy = cx + dx, cy + dy
        transforms = tf.stack([cos, -sin, cx - cos * ox + sin * oy,
                               sin, cos, cy - sin * ox - cos * oy,
                               tf.zeros([n]), tf.zeros([n])], axis=1)
        return tf.raw_ops.ImageProjectiveTransformV3(
            images=images, transforms=tf.cast(transforms, tf.float32), output_shape=[height, width],
            fill_value=0.0, interpolation="BILINEAR", fill_mode="CONSTANT")

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "shift": self.shift, "rotation": self.rotation, "zoom": self.zoom,
                "seed": self.seed}


def digits_augmentation(seed: int = 42) -> RandomAffine:
    """Small random shifts (±2 px), rotations (±10°) and zooms (±10 %) for 28×28 digit images, in one warp.

    Seeded, so a run with the same seed sees the same sequence of augmented
    images. Input: a batch ``(batch, 28, 28, channels)``.

    Examples
    --------
    >>> augment = digits_augmentation(seed=0)
    >>> augment(np.zeros((2, 28, 28, 1), "float32"), training=True).shape
    TensorShape([2, 28, 28, 1])
    """
    seed = check_non_negative_int("seed", seed)
    return RandomAffine(shift=2.0, rotation=10.0, zoom=0.1, seed=seed, name="digits_augmentation")


@keras.saving.register_keras_serializable(package="cnnlab")
class OneCycle(keras.optimizers.schedules.LearningRateSchedule):
    """One-cycle learning rate: a linear warm-up to ``max_lr``, then a cosine decay to almost zero.

    A short warm-up lets a high learning rate be used safely (batch normalisation
    helps too); the high rate moves fast and regularises, and the long decay
    settles into a minimum. Most of a fixed, small budget of epochs is spent
    learning fast: the course's reference MNIST recipe trains in about ten epochs
    this way (L. Smith, *Super-convergence*, 2018).

    Parameters
    ----------
    max_lr : float
        The peak learning rate (for Adam, about 3e-3; for SGD with momentum, about 0.1).
    total_steps : int
        Number of optimizer steps of the whole run: epochs × batches per epoch.
    warmup : float
        Fraction of the steps spent warming up, in (0, 1).
    start_factor, end_factor : float
        The rate starts at ``max_lr / start_factor`` and ends at ``max_lr / end_factor``.

    Examples
    --------
    >>> schedule = OneCycle(1e-2, total_steps=100, warmup=0.2)
    >>> [round(float(schedule(step)), 5) for step in (0, 20, 60, 100)]
    [0.0004, 0.01, 0.005, 0.0]
    """

    def __init__(self, max_lr: float, total_steps: int, warmup: float = 0.2, start_factor: float = 25.0,
                 end_factor: float = 1e4) -> None:
        max_lr = check_positive_number("max_lr", max_lr, hint="For Adam, about 3e-3; for SGD with momentum, about 0.1.")
        total_steps = check_positive_int("total_steps", total_steps, hint="Give epochs × batches per epoch.")
        if isinstance(warmup, bool) or not isinstance(warmup, numbers.Real) or not 0 < warmup < 1:
            raise ValueError(f"warmup must be a fraction of the steps in (0, 1), received warmup={warmup!r}.")
        for name, value in (("start_factor", start_factor), ("end_factor", end_factor)):
            if (isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 1
                    or value == float("inf")):
                raise ValueError(f"{name} must be a finite number >= 1 (the rate is max_lr / {name}), "
                                 f"received {name}={value!r}.")
        self.max_lr, self.total_steps, self.warmup = float(max_lr), total_steps, float(warmup)
        self.start_factor, self.end_factor = float(start_factor), float(end_factor)

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        peak = self.warmup * self.total_steps
        start, end = self.max_lr / self.start_factor, self.max_lr / self.end_factor
        rising = start + (self.max_lr - start) * step / peak
        progress = tf.clip_by_value((step - peak) / (self.total_steps - peak), 0.0, 1.0)
        falling = end + (self.max_lr - end) * 0.5 * (1.0 + tf.cos(np.pi * progress))
        return tf.where(step < peak, rising, falling)

    def get_config(self) -> dict:
        return {"max_lr": self.max_lr, "total_steps": self.total_steps, "warmup": self.warmup,
                "start_factor": self.start_factor, "end_factor": self.end_factor}


def fashion_augmentation(seed: int = 42) -> keras.Sequential:
    """Random horizontal flips and small shifts (±2 px) for 28×28 Fashion-MNIST images.

    A shirt seen in a mirror is still a shirt (a digit is not, which is why
    :func:`digits_augmentation` rotates instead of flipping); clothes are photographed
    upright, so no rotation.

    Examples
    --------
    >>> fashion_augmentation(seed=0)(np.zeros((2, 28, 28, 1), "float32"), training=True).shape
    TensorShape([2, 28, 28, 1])
    """
    seed = check_non_negative_int("seed", seed)
    return keras.Sequential(
        [
            keras.layers.RandomFlip("horizontal", seed=seed),
            keras.layers.RandomTranslation(2 / 28, 2 / 28, fill_mode="constant", seed=seed + 1),
        ],
        name="fashion_augmentation",
    )


# ----------------------------------------------------------------------------- fit


def _augmenter(augment, seed: int):
    if augment is None:
        return None
    if isinstance(augment, str):
        check_one_of("augment", augment, ("digits", "fashion"))
        augment = (digits_augmentation if augment == "digits" else fashion_augmentation)(seed)
    if isinstance(augment, keras.layers.Layer):
        layer = augment
        return lambda x: layer(x, training=True)
    if callable(augment):
        return augment
    raise ValueError(
        f"augment must be None, 'digits', 'fashion', a keras layer or a callable, received augment={augment!r}."
    )


def _dataset(data, name: str, batch_size: int, *, shuffle: bool, seed: int, augment=None):
    """A batched, prefetched ``tf.data.Dataset`` from ``(x, y)`` numpy arrays; a Dataset is used as it is."""
    if isinstance(data, tf.data.Dataset):
        return data
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        raise ValueError(f"{name} must be an (x, y) pair of arrays or a tf.data.Dataset, received {name}={data!r:.80}.")
    x, y = (np.asarray(a) for a in data)
    if len(x) != len(y):
        raise ValueError(f"{name} has {len(x)} inputs but {len(y)} labels; give as many of each.")
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    if augment is not None:
        dataset = dataset.map(lambda xb, yb: (augment(xb), yb))
    return prefetch_for_keras(dataset)


def _standard_callbacks(val, early_stopping, checkpoint, tensorboard) -> list:
    monitor = "val_loss" if val is not None else "loss"
    made = []
    if early_stopping is not None:
        patience = check_positive_int("early_stopping", early_stopping, hint="Give a patience in epochs, or None.")
        made.append(keras.callbacks.EarlyStopping(monitor=monitor, patience=patience, restore_best_weights=True))
    if checkpoint is not None:
        path = os.fspath(checkpoint)
        if not path.endswith(".keras"):
            raise ValueError(f"checkpoint must be a path ending in '.keras', received checkpoint={path!r}.")
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        made.append(_Checkpoint(path, monitor=monitor, save_best_only=val is not None))
    if tensorboard is not None:
        if importlib.util.find_spec("tensorboard") is None:
            raise ImportError(f"tensorboard={os.fspath(tensorboard)!r} needs the tensorboard package, which is not "
                              "installed; install it (pip install tensorboard) or pass tensorboard=None.")
        made.append(keras.callbacks.TensorBoard(log_dir=os.fspath(tensorboard)))
    return made


class _Checkpoint(keras.callbacks.Callback):
    """Save the model to a ``.keras`` file at the end of each epoch, atomically, and never with a diverged loss.

    Like ``keras.callbacks.ModelCheckpoint(path, monitor, save_best_only)``, except that
    the model is written to a temporary file in the same folder which then replaces
    ``path`` in one step (``os.replace``): a save interrupted half-way (Ctrl-C, a full
    disk) leaves the previous checkpoint whole instead of a truncated file. An epoch
    whose monitored loss is NaN or infinite is not saved, so the last good weights stay.
    """

    def __init__(self, path: str, monitor: str = "val_loss", save_best_only: bool = False) -> None:
        super().__init__()
        self.path, self.monitor, self.save_best_only = os.fspath(path), monitor, save_best_only
        self.best = np.inf

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None or not np.isfinite(float(current)):
            return
        if self.save_best_only:
            if not float(current) < self.best:
                return
            self.best = float(current)
        self.save()

    def save(self) -> None:
        import tempfile

        folder, name = os.path.split(os.path.abspath(self.path))
        handle, partial = tempfile.mkstemp(prefix=f".{name}.", suffix=".part.keras", dir=folder)
        os.close(handle)
        try:
            self.model.save(partial, overwrite=True)
            os.replace(partial, self.path)
        except BaseException:
            if os.path.exists(partial):
                os.remove(partial)
            raise


def wind_up(model, callbacks, error: BaseException) -> None:
    """Tidy up after ``model.fit`` stopped on an exception (Ctrl-C, out of memory, an error in a callback).

    Keras then skips ``on_train_end``: a :class:`TrainingMonitor` would stay "running"
    (its Stop button live, its readout mid-epoch), and the model would keep the cached
    validation iterator, which the next ``fit`` would reuse, evaluating the *old*
    validation data. The weights are those after the last batch that ran.
    """
    if getattr(model, "_eval_epoch_iterator", None) is not None:
        try:
            del model._eval_epoch_iterator
        except AttributeError:  # pragma: no cover - a Keras without this cache
            pass
    for callback in callbacks:
        if isinstance(callback, TrainingMonitor):
            callback.interrupted(error)


def _out_of_memory(error, batch_size: int):
    remedies = "\n".join(f"  - {remedy}" for remedy in OOM_REMEDIES)
    message = f"out of memory with batch_size={batch_size}. Ways to make the model fit:\n{remedies}\n{error.message}"
    return tf.errors.ResourceExhaustedError(error.node_def, error.op, message)


def fit(model, train, val=None, *, epochs: int = 10, batch_size: int = 128, seed: int = 42, augment=None,
        shuffle: bool = True, early_stopping: int | None = None, checkpoint=None, tensorboard=None,
        strategy=None, callbacks=(), on_oom: str = "raise", verbose: int = 0, compile_kwargs: dict | None = None):
    """Train ``model`` on ``train`` (and watch ``val``) with the course's defaults; return Keras' ``History``.

    Parameters
    ----------
    model : keras.Model or callable
        A compiled model, or a function that builds one. With a ``strategy``,
        the model's variables must be created under ``strategy.scope()``: pass
        a function (it is called inside the scope, see :func:`build_in_scope`)
        or a model built there.
    train, val : (x, y) pair of numpy arrays, or tf.data.Dataset
        Arrays become a pipeline: shuffle (seeded), batch, augment, prefetch.
        A Dataset is used as it is (already batched; ``batch_size``, ``shuffle``
        and ``augment`` do not apply to it). Both are refused (``ValueError``) when
        empty, when x or y hold NaN or infinite values, or when class labels are not
        whole numbers in ``[0, outputs)``: arrays at once, a Dataset batch by batch as
        training reads it (see :func:`guarded`).
    epochs, batch_size : int
        ``batch_size`` is the global batch: a strategy splits it over its replicas.
    seed : int
        Seeds Python, numpy and TensorFlow (``keras.utils.set_random_seed``) before
        the model is built, the shuffling and the augmentation layers. On a CPU two
        runs with the same seed give the same weights; on a GPU some kernels are not
        deterministic: call ``tf.config.experimental.enable_op_determinism()`` once
        for identical runs (slower, so it is not done here).
    augment : None, "digits", "fashion", keras layer or callable
        Applied to each training batch of images; ``"digits"`` is :func:`digits_augmentation`,
        ``"fashion"`` :func:`fashion_augmentation`.
    shuffle : bool
        Shuffle the training arrays each epoch.
    early_stopping : int, optional
        Patience in epochs; training stops when the validation loss (the training
        loss without ``val``) has not improved for that long, and the best weights
        are restored.
    checkpoint : str or path, optional
        A ``.keras`` file, saved every epoch (only when the validation loss improves, if ``val`` is given).
        Each save replaces the file in one step, so an interrupted save leaves the previous one whole;
        an epoch with a NaN or infinite loss is not saved. Load it with
        ``keras.saving.load_model(path, safe_mode=True)`` and pass the model to ``fit`` to resume.
    tensorboard : str or path, optional
        A log directory for TensorBoard (needs the ``tensorboard`` package).
    strategy : tf.distribute.Strategy, optional
        For example ``tf.distribute.MirroredStrategy()``; see ``cnnlab.device.distribution_strategy``.
    callbacks : sequence of keras.callbacks.Callback
        More callbacks, such as a :class:`TrainingMonitor`.
    on_oom : {"raise", "halve_batch"}
        What to do on ``tf.errors.ResourceExhaustedError``: re-raise it with a list of
        remedies, or halve the batch size and start again (numpy inputs only, down
        to a batch of 1). A retry continues from the weights reached so far.
    verbose : int
        Keras' progress output (0: none).
    compile_kwargs : dict, optional
        Passed to ``model.compile`` (inside the strategy's scope).

    Returns
    -------
    keras.callbacks.History

    Raises
    ------
    KeyboardInterrupt
        When the kernel is interrupted: the model keeps the weights of the last batch
        that ran, and every :class:`TrainingMonitor` in ``callbacks`` ends its run (it
        says "interrupted"); ``fit`` can be called again with both.

    Examples
    --------
    >>> def build():
    ...     return keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    >>> x = np.random.default_rng(0).random((64, 4), "float32"); y = (x[:, 0] * 3).astype(int)
    >>> history = fit(build, (x, y), epochs=2, batch_size=16,
    ...               compile_kwargs=dict(optimizer="sgd", loss="sparse_categorical_crossentropy"))
    >>> len(history.history["loss"])
    2
    """
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    seed = check_non_negative_int("seed", seed)
    on_oom = check_one_of("on_oom", on_oom, ("raise", "halve_batch"))
    if strategy is not None and not isinstance(strategy, tf.distribute.Strategy):
        raise ValueError(f"strategy must be a tf.distribute.Strategy or None, received strategy={strategy!r}.")

    train = _checked_data("train", train)
    val = None if val is None else _checked_data("val", val)
    all_callbacks = _standard_callbacks(val, early_stopping, checkpoint, tensorboard) + list(callbacks)
    augmenter = _augmenter(augment, seed)  # seeded layers: they draw nothing from the global generator

    keras.utils.set_random_seed(seed)
    if isinstance(model, keras.Model):
        if compile_kwargs:
            with (strategy or tf.distribute.get_strategy()).scope():
                model.compile(**compile_kwargs)
    elif callable(model):
        model = build_in_scope(strategy, model, compile_kwargs)
    else:
        raise ValueError(f"model must be a keras.Model or a function that builds one, received model={model!r:.80}.")
    _check_train_shape(model, train)
    for name, data in (("train", train), ("val", val)):
        _check_labels(model, name, data)
    _check_learning_rate(model)
    train, val = (None if data is None else guarded(data, name, _output_classes(model))
                  for name, data in (("train", train), ("val", val)))
    all_callbacks.append(counter := BatchCounter(val is not None))

    while True:
        for callback in all_callbacks:
            if isinstance(callback, TrainingMonitor) and not isinstance(train, tf.data.Dataset):
                callback.batch_size = batch_size
        train_data = _dataset(train, "train", batch_size, shuffle=shuffle, seed=seed, augment=augmenter)
        val_data = None if val is None else _dataset(val, "val", batch_size, shuffle=False, seed=seed)
        try:
            history = model.fit(train_data, validation_data=val_data, epochs=epochs, callbacks=all_callbacks,
                                shuffle=False, verbose=verbose)  # the pipeline shuffles
        except BaseException as error:  # KeyboardInterrupt too: the monitor must not be left "running"
            wind_up(model, all_callbacks, error)
            if isinstance(error, tf.errors.InvalidArgumentError) and GUARD in (error.message or ""):
                raise guard_error(error) from None
            if not isinstance(error, tf.errors.ResourceExhaustedError):
                raise
            if on_oom == "raise" or batch_size == 1 or isinstance(train, tf.data.Dataset):
                raise _out_of_memory(error, batch_size) from error
            smaller = batch_size // 2
            print(f"out of memory with batch_size={batch_size}: retrying with batch_size={smaller}")
            batch_size = smaller
            keras.utils.set_random_seed(seed)
            continue
        counter.check_not_empty()
        return history


def _checked_data(name: str, data):
    """``data`` checked once at the edge: a non-empty Dataset, or an ``(x, y)`` pair of finite numeric arrays.

    Returns a Dataset as it is, and a pair as ``(x, y)`` numpy arrays. The checks that need
    the model (label range, input shape) follow in :func:`fit` once it is built.
    """
    if isinstance(data, tf.data.Dataset):
        if int(data.cardinality()) == 0:
            raise ValueError(f"{name} is an empty tf.data.Dataset (cardinality 0: no batch at all); check the "
                             "filter, take or split that made it, or give a larger data set.")
        return data
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        raise ValueError(f"{name} must be an (x, y) pair of arrays or a tf.data.Dataset, received {name}={data!r:.80}.")
    x, y = (np.asarray(a) for a in data)
    for part, array in (("x", x), ("y", y)):
        if array.dtype.kind not in "biuf":
            raise ValueError(f"{name}=(x, y): {part} must hold numbers, received dtype {array.dtype}; "
                             f"convert it with np.asarray({part}, dtype='float32').")
        if array.ndim == 0:
            raise ValueError(f"{name}=(x, y): {part} must be an array with one entry per example, received "
                             f"a single number {part}={array.item()!r}.")
    if len(x) != len(y):
        raise ValueError(f"{name} has {len(x)} inputs but {len(y)} labels; give as many of each "
                         f"(len(x) == len(y)).")
    if len(x) == 0:
        raise ValueError(f"{name} is empty: x of shape {x.shape} and y of shape {y.shape} hold no example; "
                         "give at least one.")
    for part, array in (("x", x), ("y", y)):
        try:
            check_finite_array(part, array)
        except ValueError as error:
            raise ValueError(f"{name}=(x, y): {error} Training on them would make every weight NaN.") from None
    return x, y


#: Marks the assertions :func:`guarded` adds to a Dataset, so that :func:`fit` can tell them from other errors.
GUARD = "cnnlab-guard"


def guarded(data, name: str, classes: int | None):
    """A Dataset ``data`` whose batches are checked as they are read: finite x (and y), class labels in range.

    The checks cost one pass over each batch that training reads anyway (no extra pass
    over the data). A failed check stops ``model.fit`` with an ``InvalidArgumentError``
    carrying :data:`GUARD`, which :func:`fit` turns into a ``ValueError`` (see
    :func:`guard_error`). Elements that are not ``(x, y)`` or ``(x, y, weights)`` tensors,
    such as dicts of several inputs, are left unchecked; so are ``(x, y)`` numpy pairs
    (:func:`_checked_data` checked them whole).
    """
    if not isinstance(data, tf.data.Dataset):
        return data
    spec = data.element_spec
    if not (isinstance(spec, tuple) and len(spec) in (2, 3)
            and all(isinstance(s, tf.TensorSpec) for s in spec[:2])):
        return data
    x_spec, y_spec = spec[0], spec[1]
    check_x, check_y = x_spec.dtype.is_floating, y_spec.dtype.is_floating
    rank = y_spec.shape.rank
    labels = (classes is not None and classes >= 2 and (y_spec.dtype.is_integer or y_spec.dtype.is_floating)
              and (rank == 1 or (rank == 2 and y_spec.shape[-1] == 1)))
    if not (check_x or check_y or labels):
        return data

    harm = "training on them would make every weight NaN" if name == "train" else "the validation loss would be NaN"

    def finite(part: str, tensor):
        bad = tf.logical_not(tf.math.is_finite(tensor))
        return tf.debugging.Assert(tf.logical_not(tf.reduce_any(bad)), [
            f"{GUARD}: {name}: {part} contains NaN or infinite values; give finite numbers ({harm}). "
            f"NaN or infinite values in the batch: ", tf.math.count_nonzero(bad)], summarize=3)

    def in_range(tensor):
        y = tf.cast(tensor, tf.float64)
        ok = (y >= 0) & (y < classes) & tf.equal(y, tf.round(y))
        return tf.debugging.Assert(tf.reduce_all(ok), [
            f"{GUARD}: {name}: y must hold whole class labels in [0, {classes}) (the model has {classes} "
            f"outputs); give labels 0 to {classes - 1}, or a model with more outputs. Labels outside it in the batch: ",
            tf.boolean_mask(tensor, tf.logical_not(ok))], summarize=3)

    def check(*element):
        x, y = element[0], element[1]
        asserts = ([finite("x", x)] if check_x else []) + ([finite("y", y)] if check_y else [])
        asserts += [in_range(y)] if labels else []
        with tf.control_dependencies(asserts):
            return (tf.identity(x), tf.identity(y), *element[2:])

    return data.map(check)


def guard_error(error) -> ValueError:
    """The ``ValueError`` for a check of :func:`guarded` that failed: its message without TensorFlow's graph dump."""
    found = re.search(re.escape(GUARD) + r": (.*?)\] \[(.*?)\]", error.message, re.DOTALL)
    if found is None:  # pragma: no cover - TensorFlow formats Assert's data this way
        return ValueError(error.message.split("\n")[0])
    return ValueError(f"{found.group(1)}{found.group(2)} (checked batch by batch in the tf.data.Dataset).")


class BatchCounter(keras.callbacks.Callback):
    """Counts the batches of one :func:`fit`: a Dataset that yields none is an error, not an empty history.

    Keras only warns ("Your input ran out of data") when ``train`` is empty, and leaves
    ``val_loss`` out of the logs when ``val`` is: both would pass silently.
    """

    def __init__(self, validating: bool) -> None:
        super().__init__()
        self.validating = validating
        self.batches = self.val_batches = 0

    def on_train_begin(self, logs=None):
        self.batches = self.val_batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1

    def on_test_batch_end(self, batch, logs=None):
        self.val_batches += 1

    def on_epoch_end(self, epoch, logs=None):
        if self.validating and self.val_batches == 0:
            raise ValueError("val yielded no batch at all (an empty tf.data.Dataset, so nothing was validated); "
                             "check the filter, take or split that made it, or leave val out.")

    def check_not_empty(self) -> None:
        if self.batches == 0 and not getattr(self.model, "stop_training", False):
            raise ValueError("train yielded no batch at all (an empty tf.data.Dataset, so nothing was trained); "
                             "check the filter, take or split that made it, or give a larger data set.")


def _output_classes(model) -> int | None:
    """The size of the model's last output axis (its number of classes), or None if it has no single fixed one."""
    try:
        shape = model.output_shape
    except (AttributeError, TypeError, ValueError, RuntimeError):
        return None
    if not isinstance(shape, tuple) or not shape or not isinstance(shape[-1], int):
        return None
    return shape[-1]


def _check_labels(model, name: str, data) -> None:
    """Class-index labels (``(n,)`` or ``(n, 1)``) must be whole numbers in [0, classes) for a multi-class output."""
    if not isinstance(data, tuple):
        return
    y = data[1]
    classes = _output_classes(model)
    if classes is None or classes < 2 or not (y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1)):
        return
    try:
        check_class_labels("y", y, classes)
    except ValueError as error:
        raise ValueError(f"{name}=(x, y): {error}") from None


def _check_learning_rate(model) -> None:
    """The compiled optimizer's learning rate must be a finite number > 0 (a schedule: finite and >= 0 where it starts)."""
    optimizer = getattr(model, "optimizer", None)
    rate = getattr(optimizer, "_learning_rate", None)
    if rate is None:
        return
    fix = "compile with a finite positive rate, for example keras.optimizers.Adam(1e-3)."
    if isinstance(rate, keras.optimizers.schedules.LearningRateSchedule):
        for step in sorted({0, int(optimizer.iterations)}):
            value = float(rate(step))
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"the optimizer's learning-rate schedule {type(rate).__name__} gives "
                                 f"learning_rate={value!r} at step {step}; check its parameters, or {fix}")
        return
    try:
        value = float(np.asarray(rate))
    except (TypeError, ValueError):
        return
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"the optimizer's learning_rate={value!r} cannot train (every step would be "
                         f"{'NaN' if not np.isfinite(value) else 'zero or uphill'}); {fix}")


def _check_train_shape(model, train) -> None:
    """Compare the inputs of an ``(x, y)`` pair ``train`` with the model's fixed input shape, if it has one."""
    if not (isinstance(train, (tuple, list)) and len(train) == 2):
        return
    try:
        expected = tuple(model.input_shape)
    except (AttributeError, TypeError, ValueError):  # several inputs, or not built yet
        return
    shape = np.shape(train[0])
    if len(expected) != len(shape) or any(e is not None and e != d for e, d in zip(expected[1:], shape[1:])):
        raise ValueError(f"train has inputs of shape {shape} but model takes inputs of shape {expected}; "
                         "reshape or rescale them the way the model expects (for example x[..., None] "
                         "for a greyscale channel axis).")


# ----------------------------------------------------------------------------- exercise 7


def prepare_digits(x) -> np.ndarray:
    """``uint8`` images ``(n, 28, 28)`` (as ``load_mnist`` gives them) → ``float32`` ``(n, 28, 28, 1)`` in [0, 1].

    Examples
    --------
    >>> prepare_digits(np.full((2, 28, 28), 255, np.uint8)).shape
    (2, 28, 28, 1)
    """
    x = np.asarray(x)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4:
        raise ValueError(f"x must be a batch of greyscale images (n, height, width), received shape {x.shape}.")
    if x.dtype == np.uint8:
        check_pixel_values("x", x, (0, 255), fix="A [0, 1] digit cast to uint8 holds only 0s and 1s: pass the floats.")
        return x.astype(np.float32) / 255.0
    try:
        check_finite_array("x", x)
    except ValueError as error:
        raise ValueError(f"x must be uint8 (0-255) or finite floats in [0, 1]; {error}") from None
    if x.size and (np.nanmin(x) < 0 or np.nanmax(x) > 1):
        raise ValueError(f"x must be uint8 (0-255) or floats in [0, 1], received values from {np.nanmin(x)} "
                         f"to {np.nanmax(x)}; divide by 255 first.")
    check_pixel_values("x", x)  # x / 255 / 255: every digit a black square
    return x.astype(np.float32)


def train_reference(train, val=None, *, epochs: int = 12, batch_size: int = 128, max_lr: float = 3e-3,
                    seed: int = 42, augment="digits", architecture: str = "mnist_cnn", callbacks=(), verbose: int = 0,
                    **model_kwargs):
    """Exercise 7's reference recipe: :func:`~cnnlab.models.mnist_cnn`, augmentation, Adam with :class:`OneCycle`.

    Parameters
    ----------
    train, val : (x, y) pairs
        Images as ``load_mnist`` gives them (``uint8``, ``(n, 28, 28)``) or
        already prepared (see :func:`prepare_digits`); integer labels.
    epochs, batch_size, max_lr, seed : see :func:`fit` and :class:`OneCycle`
    augment : {"digits", "fashion"} or see :func:`fit`
        ``"fashion"`` (:func:`fashion_augmentation`) for Fashion-MNIST's clothes.
    architecture : {"mnist_cnn", "fashion_cnn"}
        The model builder in :mod:`cnnlab.models`: the small digit network, or the wider
        one for Fashion-MNIST.
    callbacks : sequence of keras.callbacks.Callback
        For example a :class:`TrainingMonitor`.
    **model_kwargs
        Passed to the builder (``filters``, ``dropout``, ...).

    Returns
    -------
    model, history : keras.Model, keras.callbacks.History

    Examples
    --------
    >>> x = np.random.default_rng(0).integers(0, 256, (64, 28, 28), dtype=np.uint8); y = np.arange(64) % 10
    >>> model, history = train_reference((x, y), epochs=1, batch_size=32)
    >>> model.name, len(history.history["loss"])
    ('mnist_cnn', 1)
    """
    from . import models

    builder = getattr(models, check_one_of("architecture", architecture, ("mnist_cnn", "fashion_cnn")))
    x, y = train
    x = prepare_digits(x)
    if val is not None:
        val = (prepare_digits(val[0]), np.asarray(val[1]))
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    steps = epochs * -(-len(x) // batch_size)
    compile_kwargs = dict(optimizer=keras.optimizers.Adam(OneCycle(max_lr, steps)),
                          loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = fit(lambda: builder(input_shape=x.shape[1:], **model_kwargs), (x, np.asarray(y)), val,
                  epochs=epochs, batch_size=batch_size, seed=seed, augment=augment, callbacks=callbacks,
                  verbose=verbose, compile_kwargs=compile_kwargs)
    return history.model, history


def ensemble_predict(models, x, batch_size: int = 1000) -> np.ndarray:
    """The average of several models' class probabilities: a small ensemble usually beats each member.

    Examples
    --------
    >>> inputs = keras.Input((2,))
    >>> a = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))
    >>> b = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))
    >>> ensemble_predict([a, b], np.ones((4, 2), "float32")).sum(axis=1).round(3)
    array([1., 1., 1., 1.], dtype=float32)
    """
    models = list(models)
    if not models:
        raise ValueError("models is empty; give at least one trained model.")
    batch_size = check_positive_int("batch_size", batch_size)
    if not isinstance(x, tf.data.Dataset):
        x = np.asarray(x)
        if x.ndim == 0 or len(x) == 0:
            raise ValueError(f"x is empty (shape {x.shape}); give at least one input.")
        check_finite_array("x", x)  # NaN inputs give NaN probabilities, and argmax then says class 0
    total, first = None, None
    for index, model in enumerate(models):
        probabilities = model.predict(x, batch_size=batch_size, verbose=0)
        if total is not None and probabilities.shape != total.shape:  # numpy would broadcast (n, 1) onto (n, k)
            raise ValueError(f"models[{index}] gives outputs of shape {probabilities.shape} but models[0] "
                             f"{first}; an ensemble needs models with the same classes.")
        first = first or probabilities.shape
        total = probabilities if total is None else total + probabilities
    return total / len(models)
