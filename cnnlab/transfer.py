"""Transfer learning (exercise 9): a pretrained base, a new softmax, then fine-tuning.

The recipe, in the order exercise 9 asks for it:

1. :func:`transfer_model` puts a new head (dropout and a ``num_classes``-way softmax)
   on a pretrained, headless base (:func:`cnnlab.pretrained.feature_extractor`). The
   model takes images in ``[0, 1]`` (as :func:`cnnlab.flowers.load_flowers` gives them)
   and scales them for the base inside the graph (:func:`scaling_layer`).
2. :func:`train_transfer` first trains only the head with the base frozen (a high
   learning rate is safe: the base cannot be damaged), then unfreezes the top of the
   base (``fine_tune_from``) and trains everything with a small learning rate that
   warms up and then decays (cosine), with label smoothing.

Pixel values: every entry point that feeds images to the model (:func:`train_transfer`,
:func:`predict_with_flips`, :func:`classify_photos`, :func:`check_known_photos`) refuses
images outside ``[0, 1]`` and images that look divided by 255 twice
(:func:`cnnlab.evaluation.check_pixel_values`): the model would answer them without
complaint, and wrongly. :func:`check_known_photos` then checks the end result: photos of a
known class must come out as that class.

Batch normalisation: while the base is frozen, its batch normalisation layers run in
inference mode with ImageNet's statistics (Keras 3 runs a frozen ``BatchNormalization``
in inference mode; note that it does *not* pass ``training=False`` down into a nested
base, so freezing is what keeps them in inference mode). For fine-tuning there are two
choices (``batchnorm``): ``"frozen"`` keeps them exactly as ImageNet left them, the
usual advice for a large base; ``"train"`` lets them train like the other layers: their
scale and offset learn, and their statistics are re-estimated on the new photos. For the
small MobileNet 0.25 base on the flowers, ``"train"`` did better in
``benchmarks/flowers_transfer.py`` (the README's results table: 81.6 % at 224 px, against
78.5 % with them frozen), so it is the default.

Examples
--------
>>> import keras
>>> base = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Conv2D(4, 3),
...                          keras.layers.GlobalAveragePooling2D()], name="tiny_base")
>>> model = transfer_model(base, num_classes=5)
>>> model.output.shape, [layer.name for layer in model.layers][1:]
((None, 5), ['scale_inception', 'tiny_base', 'head_dropout', 'head'])
"""

from __future__ import annotations

from dataclasses import dataclass

import os
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from ._validation import (  # noqa: E402
    check_class_labels,
    check_finite_array,
    check_memory,
    check_model,
    check_non_negative_int,
    check_one_of,
    check_positive_int,
    check_positive_number,
    check_rate,
)
from .evaluation import UNIT_RANGE, check_pixel_values, check_value_range, pixel_value_problems  # noqa: E402
from .charts import plot_history  # noqa: E402
from .training import GUARD, BatchCounter, guard_error, guarded, wind_up  # noqa: E402


def _check_dataset(name: str, dataset) -> None:
    if not isinstance(dataset, tf.data.Dataset):
        raise ValueError(f"{name} must be a batched tf.data.Dataset of (images, labels), as load_flowers gives, "
                         f"received {name} of type {type(dataset).__name__}.")
    if int(dataset.cardinality()) == 0:
        raise ValueError(f"{name} is an empty tf.data.Dataset (cardinality 0: no batch at all); check the "
                         "filter, take or split that made it, or give a larger data set.")

__all__ = ["base_for_this_machine", "scaling_layer", "transfer_model", "set_fine_tuning", "train_transfer", "predict_with_flips",
           "FlipPredictions", "classify_photos", "check_known_photos", "plot_phases"]

#: Added to every refusal of pixel values: how to say that a model takes other values.
_RANGE_FIX = "If your model takes other values, pass value_range=(low, high) (or None to skip this check)."

#: ImageNet's mean pixel in B, G, R order (Keras' "caffe" preprocessing).
_BGR_MEAN = (103.939, 116.779, 123.68)


#: Multiply-adds per photo of each base at its own input size, as its paper reports: Inception v3
#: "5 billion" at 299 px (Szegedy et al. 2015, section 6), MobileNet v1 0.25 at 224 px 41 million
#: (Howard et al. 2017, Table 6).
MULTIPLY_ADDS = {"inception_v3": 5_000_000_000, "mobilenet_025": 41_000_000}


def base_for_this_machine(gpus=None) -> str:
    """The base to fine-tune here, chosen by the hardware found: ``"auto"`` on a GPU, ``"mobilenet_025"`` on a CPU.

    Fine-tuning Inception v3 (the exercise's default) costs about 120 times the
    multiply-adds per photo of the small MobileNet (:data:`MULTIPLY_ADDS`), so on
    a laptop CPU it would take hours where the notebook has ten minutes. On a
    GPU, ``"auto"`` takes Inception v3 when it is here or can be downloaded.
    Prints one line saying which, and why.

    Parameters
    ----------
    gpus : sequence, optional
        The GPUs found (default: :func:`cnnlab.device.gpus`).

    Examples
    --------
    >>> base_for_this_machine(gpus=[])
    base_for_this_machine(): mobilenet_025, because this machine has no GPU: fine-tuning Inception v3 costs about 122 times the multiply-adds per photo, hours on a CPU. With a GPU this picks "auto" (Inception v3).
    'mobilenet_025'
    >>> base_for_this_machine(gpus=["GPU:0"])
    base_for_this_machine(): "auto" (Inception v3 if it is here or can be downloaded), because this machine has a GPU.
    'auto'
    """
    if gpus is None:
        from . import device

        gpus = device.gpus()
    elif isinstance(gpus, (str, bytes)) or not hasattr(gpus, "__len__"):
        raise ValueError(f"gpus must be a list of the GPUs found (e.g. device.gpus(), or [] for none), "
                         f"received gpus={gpus!r:.80}.")
    if len(gpus):
        print('base_for_this_machine(): "auto" (Inception v3 if it is here or can be downloaded), because this '
              "machine has a GPU.")
        return "auto"
    ratio = MULTIPLY_ADDS["inception_v3"] / MULTIPLY_ADDS["mobilenet_025"]
    print(f"base_for_this_machine(): mobilenet_025, because this machine has no GPU: fine-tuning Inception v3 "
          f"costs about {ratio:.0f} times the multiply-adds per photo, hours on a CPU. With a GPU this picks "
          '"auto" (Inception v3).')
    return "mobilenet_025"


def scaling_layer(preprocessing: str = "inception") -> keras.layers.Layer:
    """A layer turning ``[0, 1]`` RGB pixels into what an ImageNet base expects.

    ``"inception"`` (Inception, Xception, MobileNet): ``2x - 1``, in ``[-1, 1]``;
    ``"caffe"`` (ResNet-50): ``255x``, RGB to BGR, minus ImageNet's mean pixel.

    Examples
    --------
    >>> scaling_layer("inception")(np.array([[0.0, 0.5, 1.0]], "float32")).numpy().tolist()
    [[-1.0, 0.0, 1.0]]
    """
    mode = check_one_of("preprocessing", preprocessing, ("inception", "caffe"))
    if mode == "inception":
        return keras.layers.Rescaling(2.0, offset=-1.0, name="scale_inception")
    mean = np.array(_BGR_MEAN, "float32")
    return keras.layers.Lambda(lambda x: x[..., ::-1] * 255.0 - mean, name="scale_caffe")


def transfer_model(base, num_classes: int, *, dropout: float = 0.2, preprocessing: str = "inception",
                   name: str = "transfer") -> keras.Model:
    """A new ``num_classes``-way softmax on top of a pretrained headless base.

    Parameters
    ----------
    base : keras.Model or cnnlab.pretrained.FeatureExtractor
        Images in, one feature vector per image out (``pooling="avg"``). A
        ``FeatureExtractor`` brings its own ``preprocessing``.
    num_classes : int
    dropout : float
        Dropout before the new softmax layer.
    preprocessing : {"inception", "caffe"}
        The base's input scaling (ignored for a ``FeatureExtractor``).
    name : str

    Returns
    -------
    keras.Model
        ``[0, 1]`` images in, probabilities out; layers ``scale_*``, the base, ``head_dropout``, ``head``.
        The base is frozen (``trainable=False``).
    """
    if hasattr(base, "model") and hasattr(base, "preprocessing"):
        base, preprocessing = base.model, base.preprocessing
    if not isinstance(base, keras.Model):
        raise ValueError(f"base must be a keras.Model or a cnnlab.pretrained.FeatureExtractor, "
                         f"received base={base!r:.80} (type {type(base).__name__}).")
    num_classes = check_positive_int("num_classes", num_classes)
    dropout = check_rate("dropout", dropout)
    if len(base.outputs[0].shape) != 2:
        raise ValueError(f"base must output one feature vector per image (build it with pooling='avg'), its output "
                         f"shape is {tuple(base.outputs[0].shape)}.")
    features = int(base.outputs[0].shape[-1] or 0)
    # The head's float32 weights, and the random values they are initialised from.
    check_memory(f"num_classes={num_classes} on a base of {features:,} features "
                 f"({(features + 1) * num_classes:,} weights in the head)", 8 * (features + 1) * num_classes,
                 fix="num_classes is the number of classes in your data, for example 5 for the flowers.")
    base.trainable = False
    inputs = keras.Input(tuple(base.inputs[0].shape[1:]), name="image")
    x = scaling_layer(preprocessing)(inputs)
    x = base(x)  # a frozen BatchNormalization runs in inference mode (see the module notes)
    x = keras.layers.Dropout(dropout, name="head_dropout")(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="head")(x)
    return keras.Model(inputs, outputs, name=name)


def _base_of(model) -> keras.Model:
    check_model("model", model)
    base = next((layer for layer in model.layers if isinstance(layer, keras.Model)), None)
    if base is None:
        raise ValueError(f"model must be a model from transfer_model (a pretrained base inside a new head), "
                         f"received model={model.name!r}, which has no base model among its layers.")
    return base


def set_fine_tuning(model, fine_tune_from: int | str | None, *, batchnorm: str = "train") -> int:
    """Unfreeze the base's layers from ``fine_tune_from`` (an index or a layer name) on; return how many.

    ``None`` freezes the whole base; ``0`` unfreezes all of it. With ``batchnorm="train"``
    the unfrozen batch normalisation layers train too (scale, offset and statistics);
    with ``"frozen"`` they stay in inference mode with ImageNet's values. They are not
    counted in the number returned.

    Examples
    --------
    >>> base = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(2, 3, name="a"),
    ...                          keras.layers.Conv2D(2, 3, name="b"), keras.layers.GlobalAveragePooling2D(name="p")])
    >>> model = transfer_model(base, 3)
    >>> set_fine_tuning(model, "b"), [layer.trainable for layer in base.layers]
    (2, [False, True, True])
    """
    batchnorm = check_one_of("batchnorm", batchnorm, ("train", "frozen"))
    base = _base_of(model)
    names = [layer.name for layer in base.layers]
    if fine_tune_from is None:
        start = len(names)
    elif isinstance(fine_tune_from, str):
        if fine_tune_from not in names:
            raise ValueError(f"fine_tune_from={fine_tune_from!r} is not a layer of the base {base.name!r}; "
                             f"its last layers are {', '.join(names[-6:])}.")
        start = names.index(fine_tune_from)
    else:
        start = check_non_negative_int("fine_tune_from", fine_tune_from)
    base.trainable = start < len(names)
    unfrozen = 0
    for index, layer in enumerate(base.layers):
        is_bn = isinstance(layer, keras.layers.BatchNormalization)
        layer.trainable = index >= start and (batchnorm == "train" or not is_bn)
        unfrozen += layer.trainable and not is_bn
    return unfrozen


def _one_hot(dataset, num_classes: int):
    return dataset.map(lambda x, y: (x, tf.one_hot(y, num_classes)), num_parallel_calls=tf.data.AUTOTUNE)


def _pixel_guarded(data, name: str, value_range):
    """``data`` with each batch's images checked as training reads them, as :func:`check_pixel_values` does.

    A failed check stops ``model.fit`` with an ``InvalidArgumentError`` carrying
    :data:`cnnlab.training.GUARD`, which :func:`_fit` turns into a one-line ``ValueError``.
    Elements that are not ``(images, labels, ...)`` tensors with batched images are left alone.
    """
    spec = data.element_spec
    if value_range is None or not (isinstance(spec, tuple) and isinstance(spec[0], tf.TensorSpec)
                                   and (spec[0].shape.rank or 0) >= 3):
        return data
    low, high = check_value_range(value_range)
    problems, tolerance = pixel_value_problems((low, high)), 0.01 * (high - low)
    dim = (high - low) / 255 * (1 + 1e-3)

    def assertion(ok, kind: str, value):
        return tf.debugging.Assert(ok, [f"{GUARD}: {name}: {problems[kind]}. {_RANGE_FIX} The value in the batch: ",
                                        value], summarize=1)

    def check(*element):
        x = tf.cast(element[0], tf.float32)
        tops = tf.reduce_max(tf.reshape(x, [tf.shape(x)[0], -1]), axis=1) - low
        dim_tops = tf.boolean_mask(tops, (tops > 0) & (tops <= dim)) + low
        lowest, highest = tf.reduce_min(x), tf.reduce_max(x)
        asserts = [assertion(lowest >= low - tolerance, "below", lowest),
                   assertion(highest <= high + tolerance, "above", highest),
                   assertion(tf.size(dim_tops) == 0, "dim", tf.reduce_max(dim_tops))]
        with tf.control_dependencies(asserts):
            return (tf.identity(element[0]), *element[1:])

    return data.map(check)


def _fit(model, train, val, epochs: int, callbacks, verbose: int):
    """``model.fit`` on pipelines that shuffle themselves; on Ctrl-C or an error, wind up as ``training.fit`` does.

    A training set of known length is repeated ``epochs`` times and read through one
    iterator (``steps_per_epoch``): the same batches in the same order as one pass per
    epoch, without an iterator built and torn down every epoch. The repeated stream
    ends exactly after the last epoch, so nothing is read ahead into an epoch that is
    not trained (the flowers' order and crops stay reproducible). The validation set is
    left alone: Keras discards its iterator after every evaluation anyway.

    Keras skips ``on_train_end`` when ``fit`` raises, so a :class:`cnnlab.widgets.TrainingMonitor`
    would be left "running"; :func:`cnnlab.training.wind_up` ends its run and drops the cached
    validation iterator before the exception goes on.
    """
    callbacks = list(callbacks) + [counter := BatchCounter(val is not None)]
    steps = {}
    batches = int(train.cardinality())
    if batches > 0:
        steps["steps_per_epoch"] = batches
        train = train.repeat(epochs)
    try:
        history = model.fit(train, validation_data=val, epochs=epochs, callbacks=callbacks, shuffle=False,
                            verbose=verbose, **steps)
    except BaseException as error:  # KeyboardInterrupt too
        wind_up(model, callbacks, error)
        if isinstance(error, tf.errors.InvalidArgumentError) and GUARD in (error.message or ""):
            raise guard_error(error) from None  # NaN pixels or a label out of range: one line, no graph dump
        raise
    counter.check_not_empty()
    return history


def train_transfer(model, train, val=None, *, head_epochs: int = 2, fine_tune_epochs: int = 8,
                   fine_tune_from: int | str | None = 0, head_lr: float = 1e-3, fine_tune_lr: float = 5e-4,
                   label_smoothing: float = 0.1, batchnorm: str = "train", callbacks=(), verbose: int = 0,
                   value_range=UNIT_RANGE):
    """Exercise 9's two phases: train the new head on the frozen base, then fine-tune.

    Parameters
    ----------
    model : keras.Model
        From :func:`transfer_model`.
    train, val : tf.data.Dataset
        Batches of ``(images in [0, 1], integer labels)``, e.g. ``load_flowers(...).train``.
    head_epochs, fine_tune_epochs : int
        Epochs of each phase (either may be 0).
    fine_tune_from : int, str or None
        Where the unfrozen top of the base starts (see :func:`set_fine_tuning`).
    head_lr : float
        Adam's learning rate for the head alone.
    fine_tune_lr : float
        The peak learning rate of the fine-tuning phase: it warms up linearly from a
        fifth of it over the first 10 % of the steps, then decays to zero (cosine).
    label_smoothing : float
        ``s``: Keras' smoothed targets ``y (1 - s) + s / K`` for ``K`` classes, that is
        ``1 - s + s / K`` for the true class and ``s / K`` for each other one (0.92 and
        0.02 for ``s = 0.1`` and the 5 flower classes): a softer goal that keeps a small
        data set from making the model overconfident.
    batchnorm : {"train", "frozen"}
        Whether fine-tuning trains the unfrozen batch normalisation layers (scale,
        offset and statistics) or keeps ImageNet's (see the module notes).
    callbacks : sequence of keras.callbacks.Callback
        For example a :class:`cnnlab.widgets.TrainingMonitor` (used in both phases).
    value_range : (low, high) or None
        The values the model takes, checked batch by batch as training reads them
        (:func:`cnnlab.evaluation.check_pixel_values`): ``(0, 1)``, what
        :func:`transfer_model` takes; None skips the check.

    Returns
    -------
    dict
        ``{"head": History or None, "fine_tune": History or None, "seconds": {...}}``.

    Raises
    ------
    ValueError
        If a batch holds NaN values, labels outside the model's classes, or images that
        are not in ``value_range`` or look divided by 255 twice.
    KeyboardInterrupt
        When the kernel is interrupted: the model keeps the weights of the last batch
        that ran, and every :class:`cnnlab.widgets.TrainingMonitor` in ``callbacks``
        ends its run (it says "interrupted"), as with :func:`cnnlab.training.fit`.
    """
    head_epochs = check_non_negative_int("head_epochs", head_epochs)
    fine_tune_epochs = check_non_negative_int("fine_tune_epochs", fine_tune_epochs)
    head_lr = check_positive_number("head_lr", head_lr, hint="Adam's usual rate is 0.001.")
    fine_tune_lr = check_positive_number("fine_tune_lr", fine_tune_lr, hint="Fine-tuning uses a small rate, "
                                         "for example 0.0005.")
    label_smoothing = check_rate("label_smoothing", label_smoothing, hint="0.1 is usual; 0 turns it off.")
    batchnorm = check_one_of("batchnorm", batchnorm, ("train", "frozen"))
    if value_range is not None:
        value_range = check_value_range(value_range)
    _base_of(model)  # a transfer model: a base inside
    _check_dataset("train", train)
    if val is not None:
        _check_dataset("val", val)
    num_classes = int(model.outputs[0].shape[-1])
    # Checked batch by batch as training reads them: tf.one_hot would turn a label out of range into a row of zeros.
    train, val = (None if data is None else _pixel_guarded(guarded(data, name, num_classes), name, value_range)
                  for name, data in (("train", train), ("val", val)))
    loss = keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing)
    train1 = _one_hot(train, num_classes)
    val1 = _one_hot(val, num_classes) if val is not None else None
    result: dict = {"head": None, "fine_tune": None, "seconds": {}}
    if head_epochs:
        set_fine_tuning(model, None)
        model.compile(keras.optimizers.Adam(head_lr), loss, metrics=["accuracy"])
        started = time.perf_counter()
        result["head"] = _fit(model, train1, val1, head_epochs, callbacks, verbose)
        result["seconds"]["head"] = time.perf_counter() - started
    if fine_tune_epochs:
        set_fine_tuning(model, fine_tune_from, batchnorm=batchnorm)
        steps = fine_tune_epochs * int(train1.cardinality())
        if steps <= 0:
            raise ValueError("train must be a batched tf.data.Dataset of known length (as load_flowers gives), "
                             f"received a dataset of cardinality {int(train1.cardinality())} "
                             "(-1: repeats forever, -2: unknown; add .apply(tf.data.experimental.assert_cardinality(n))).")
        schedule = keras.optimizers.schedules.CosineDecay(fine_tune_lr / 5, steps, warmup_target=fine_tune_lr,
                                                          warmup_steps=max(steps // 10, 1))
        model.compile(keras.optimizers.Adam(schedule), loss, metrics=["accuracy"])
        started = time.perf_counter()
        result["fine_tune"] = _fit(model, train1, val1, fine_tune_epochs, callbacks, verbose)
        result["seconds"]["fine_tune"] = time.perf_counter() - started
    return result


@dataclass(frozen=True)
class FlipPredictions:
    """A test set's predictions, plain and averaged with each image's mirror image.

    Attributes
    ----------
    plain : numpy.ndarray
        The model's probabilities for each image, shape ``(n, classes)``.
    probabilities : numpy.ndarray
        The mean of ``plain`` and the probabilities for the mirrored image.
    labels : numpy.ndarray
        The true labels, shape ``(n,)``.
    """

    plain: np.ndarray
    probabilities: np.ndarray
    labels: np.ndarray

    @property
    def accuracy(self) -> float:
        """Accuracy of the plain predictions."""
        return float((self.plain.argmax(axis=1) == self.labels).mean())

    @property
    def tta_accuracy(self) -> float:
        """Accuracy of the flip-averaged predictions (test-time augmentation)."""
        return float((self.probabilities.argmax(axis=1) == self.labels).mean())


def predict_with_flips(model, dataset, *, value_range=UNIT_RANGE) -> FlipPredictions:
    """Predict every batch of ``dataset`` as it is and mirrored, in one pass over the data.

    A flower seen in a mirror is the same flower: averaging the two predictions
    (test-time augmentation) usually gains a little accuracy for one extra forward
    pass. The plain predictions come with it, so nothing is predicted twice.

    Parameters
    ----------
    model : keras.Model
    dataset : tf.data.Dataset
        Batches of ``(images, integer labels)``, e.g. ``load_flowers(...).test``.
    value_range : (low, high) or None
        The values the model takes; each batch is checked against it
        (:func:`cnnlab.evaluation.check_pixel_values`). ``(0, 1)`` by default, what
        :func:`transfer_model` takes; None skips the check.

    Returns
    -------
    FlipPredictions
        ``.plain``, ``.probabilities`` (flip-averaged), ``.labels``, ``.accuracy``, ``.tta_accuracy``.
    """
    check_model("model", model)
    _check_dataset("dataset", dataset)
    if value_range is not None:
        value_range = check_value_range(value_range)
    plain, both, labels = [], [], []
    for images, y in dataset:
        try:
            check_finite_array("images", np.asarray(images))
            if value_range is not None:  # 0-255 or twice-divided pixels: confident answers, and wrong ones
                check_pixel_values("images", np.asarray(images), value_range, fix=_RANGE_FIX)
        except ValueError as error:  # NaN pixels give NaN probabilities, and argmax then says class 0
            raise ValueError(f"dataset, batch {len(plain)}: {error}") from None
        straight = np.asarray(model(images, training=False))
        mirrored = np.asarray(model(tf.image.flip_left_right(images), training=False))
        plain.append(straight)
        both.append((straight + mirrored) / 2)
        labels.append(np.asarray(y))
    if not plain:
        raise ValueError("dataset yielded no batch at all (an empty tf.data.Dataset); check the filter, take or "
                         "split that made it.")
    if plain[0].shape[-1] >= 2:  # a label outside the model's classes would only lower the accuracy, silently
        try:
            labels = [check_class_labels("labels", np.concatenate(labels), plain[0].shape[-1])]
        except ValueError as error:
            raise ValueError(f"dataset: {error}") from None
    return FlipPredictions(np.concatenate(plain), np.concatenate(both), np.concatenate(labels))


def _input_side(model) -> int:
    """The side of the square images ``model`` takes (a transfer model has a fixed one)."""
    shape = tuple(model.inputs[0].shape)
    if len(shape) != 4 or shape[1] is None or shape[1] != shape[2]:
        raise ValueError(f"model must take square images of a fixed size, as transfer_model's do; model "
                         f"{model.name!r} takes inputs of shape {shape}.")
    return int(shape[1])


def classify_photos(model, photos, class_names, *, top: int = 3, value_range=UNIT_RANGE) -> dict:
    """The ``top`` classes of each photo, as the model answers them: photos checked, cropped, resized.

    Each photo must hold values in ``value_range`` ([0, 1], as
    :func:`cnnlab.datasets.load_photos` gives them) and must not look divided by 255
    twice (:func:`cnnlab.evaluation.check_pixel_values`). Its largest centred square is
    resized to the model's input size (:func:`cnnlab.preprocessing.center_crop_resize`, as
    the evaluation pipeline of :func:`cnnlab.flowers.load_flowers` does).

    Parameters
    ----------
    model : keras.Model
        A classifier of square images with a fixed size, e.g. from :func:`transfer_model`.
    photos : dict
        ``{name: image}``, each ``(height, width, channels)``.
    class_names : sequence of str
        One name per output of the model, e.g. ``data.class_names``.
    top : int
        How many classes to give per photo, best first.
    value_range : (low, high) or None
        The values the model takes; None skips the check.

    Returns
    -------
    dict
        ``{name: [(class name, probability), ...]}``, best first, as
        :func:`cnnlab.plotting.show_predictions` takes them.

    Examples
    --------
    >>> base = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.GlobalAveragePooling2D()], name="mean")
    >>> model = transfer_model(base, 2)
    >>> answers = classify_photos(model, {"grey": np.full((10, 12, 3), 0.5)}, ["a", "b"], top=2)
    >>> list(answers), len(answers["grey"]), round(sum(p for _, p in answers["grey"]), 6)
    (['grey'], 2, 1.0)
    >>> classify_photos(model, {"grey": np.full((10, 12, 3), 0.5) / 255}, ["a", "b"])
    Traceback (most recent call last):
    ...
    ValueError: photos['grey'] holds values from 0.00196 to 0.00196: every value of an image lies within 1/255 of 0 (but not all are 0): it looks divided by 255 twice, and the model would see a black square; remove the second / 255 (load_image, load_photos and load_flowers give [0, 1] already). If your model takes other values, pass value_range=(low, high) (or None to skip this check).
    """
    from .pretrained import center_crop_resize

    check_model("model", model)
    if not isinstance(photos, dict) or not photos:
        raise ValueError(f"photos must be a non-empty dict {{name: image}}, e.g. datasets.load_photos(), received "
                         f"photos of type {type(photos).__name__}.")
    names = [str(name) for name in class_names] if not isinstance(class_names, str) else [class_names]
    outputs = int(model.outputs[0].shape[-1])
    if len(names) != outputs:
        raise ValueError(f"class_names must hold one name per output of the model ({outputs}), received "
                         f"{len(names)}: {names!r:.120}.")
    top = min(check_positive_int("top", top), outputs)
    if value_range is not None:
        value_range = check_value_range(value_range)
    side, channels = _input_side(model), model.inputs[0].shape[-1]
    inputs = []
    for name, image in photos.items():
        label = f"photos[{name!r}]"
        image = np.asarray(image)
        if image.ndim != 3 or image.shape[-1] != channels:
            raise ValueError(f"{label} must be one image of shape (height, width, {channels}), received shape "
                             f"{image.shape}.")
        if value_range is not None:
            check_pixel_values(label, image, value_range, batch=False, fix=_RANGE_FIX)
        else:
            check_finite_array(label, image)
        inputs.append(center_crop_resize(image, side))
    probabilities = np.asarray(model(np.stack(inputs), training=False), dtype=np.float64)
    answers = {}
    for name, row in zip(photos, probabilities):
        order = np.argsort(-row, kind="stable")[:top]
        answers[name] = [(names[i], float(row[i])) for i in order]
    return answers


def check_known_photos(model, photos, class_names, expected, *, strict: bool = True,
                       value_range=UNIT_RANGE) -> None:
    """Check that photos of known classes come out as their class; print one line per photo.

    The end-to-end check of a classifier and of the way photos reach it: a photo
    scaled differently from the training images (divided by 255 twice, say) gets
    a confident answer all the same, only a wrong one. Photos are prepared as
    :func:`classify_photos` prepares them.

    Parameters
    ----------
    model, photos, class_names, value_range
        As for :func:`classify_photos`.
    expected : dict
        ``{photo name: class name}`` for the photos whose class the model knows, e.g.
        ``{"sunflower": "sunflowers"}``.
    strict : bool
        Raise when a photo comes out as another class (the default). With False the
        lines are printed all the same, for a model that is not trained enough to be
        held to it (the course's quick mode).

    Raises
    ------
    AssertionError
        If ``strict`` and a photo's first answer is not its class.
    ValueError
        If a name in ``expected`` is not in ``photos`` or not a class.

    Examples
    --------
    >>> base = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.GlobalAveragePooling2D()], name="mean")
    >>> model = transfer_model(base, 2, dropout=0.0)
    >>> model.get_layer("head").set_weights([np.array([[-9.0, 9.0]] * 3), np.zeros(2)])  # bright: "light"
    >>> photos = {"snow": np.full((9, 9, 3), 0.9), "coal": np.full((9, 9, 3), 0.1)}
    >>> check_known_photos(model, photos, ["dark", "light"], {"snow": "light", "coal": "dark"})
    known photos: snow → light (100.0%), as expected
    known photos: coal → dark (100.0%), as expected
    >>> check_known_photos(model, photos, ["dark", "light"], {"snow": "dark"})
    Traceback (most recent call last):
    ...
    AssertionError: 1 of 1 photos of a known class came out as another class: snow → light (100.0%), not dark (0.0%). A model that has learned does not do this; look for photos prepared differently from the training images (scaled twice, or not at all), or a model that has not trained.
    """
    if not isinstance(expected, dict) or not expected:
        raise ValueError(f"expected must be a non-empty dict {{photo name: class name}}, e.g. "
                         f"{{'sunflower': 'sunflowers'}}, received expected={expected!r:.80}.")
    if not isinstance(strict, bool):
        raise ValueError(f"strict must be True or False, received strict={strict!r}.")
    names = [str(name) for name in class_names] if not isinstance(class_names, str) else [class_names]
    missing = [name for name in expected if not isinstance(photos, dict) or name not in photos]
    if missing:
        known = ", ".join(map(repr, photos)) if isinstance(photos, dict) else "none"
        raise ValueError(f"expected names photos that are not in photos: {missing!r}; photos holds {known}.")
    unknown = [label for label in expected.values() if label not in names]
    if unknown:
        raise ValueError(f"expected names classes the model does not have: {unknown!r}; its classes are {names!r}.")
    answers = classify_photos(model, {name: photos[name] for name in expected}, names, top=len(names),
                              value_range=value_range)
    wrong = []
    for name, label in expected.items():
        first, p = answers[name][0]
        if first == label:
            print(f"known photos: {name} → {first} ({p:.1%}), as expected")
            continue
        given = dict(answers[name])[label]
        wrong.append(f"{name} → {first} ({p:.1%}), not {label} ({given:.1%})")
        print(f"known photos: {wrong[-1]}" + ("" if strict else " (strict=False: reported, not raised)"))
    if wrong and strict:
        raise AssertionError(f"{len(wrong)} of {len(expected)} photos of a known class came out as another class: "
                             f"{'; '.join(wrong)}. A model that has learned does not do this; look for photos "
                             "prepared differently from the training images (scaled twice, or not at all), or a model "
                             "that has not trained.")


def plot_phases(*histories, names=("head", "fine-tuning")):
    """Learning curves (loss and accuracy, training and validation) of successive phases, end to end.

    A dotted line marks where each phase after the first begins. The histories are
    checked here and drawn by :func:`cnnlab.charts.plot_history`.

    Parameters
    ----------
    *histories : keras.callbacks.History or None
        In order, e.g. ``result["head"], result["fine_tune"]`` (None entries are skipped).
    names : sequence of str
        The phases' names, for the markers.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> head = keras.callbacks.History()
    >>> head.history = {"loss": [1.0, 0.7], "accuracy": [0.5, 0.7]}
    >>> fig = plot_phases(head, None)
    >>> [ax.get_title() for ax in fig.axes]
    ['loss', 'accuracy']
    """
    for index, history in enumerate(histories):
        if history is not None and not isinstance(getattr(history, "history", None), dict):
            raise ValueError(f"histories[{index}] must be a keras History (what model.fit returns) or None, "
                             f"received an object of type {type(history).__name__}.")
    if isinstance(names, str) or len(names) < len(histories):
        raise ValueError(f"names must hold one name per history ({len(histories)}), received names={names!r}.")
    phases = [(name, h.history) for name, h in zip(names, histories) if h is not None]
    if not phases:
        raise ValueError("histories has no History; pass what train_transfer returned, e.g. result['head'].")
    return plot_history(phases)
