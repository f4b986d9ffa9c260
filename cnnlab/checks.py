"""Checks for the coding exercises 7 to 10: the learner's code against the course's reference.

* :func:`check_accuracy` - a model's test accuracy against the reference
  (:data:`REFERENCE_ACCURACY`; exercises 7 and 9);
* :func:`check_top5` - a learner's top-5 classifier against the reference one (exercise 8);
* :func:`check_dream` - a learner's DeepDream against :func:`cnnlab.deepdream.deepdream` (exercise 10).

All return a :class:`CheckResult`, shown in a notebook as a short coloured note. A model whose
predictions hold NaN or infinite values fails, with a message that says so. Only
:func:`check_dream` imports TensorFlow (when called).

>>> print(CheckResult(0.99, 0.98, "Well done.", True))
Well done.
"""

from __future__ import annotations

import html
import inspect
import math
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ._validation import check_finite_number, check_model, check_positive_int, describe
from .evaluation import binary_probabilities
from .widgets._base import css
from .widgets.questions import RIGHT_MARK, WRONG_MARK

__all__ = ["CheckResult", "REFERENCE_ACCURACY", "check_accuracy", "check_top5", "check_dream"]

_RIGHT_COLOUR, _MUTED, _HINT_COLOUR = css("success"), css("muted"), css("warn")


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of :func:`check_accuracy`, :func:`check_top5` or :func:`check_dream`.

    Attributes
    ----------
    accuracy : float or None
        The learner's test accuracy (for :func:`check_top5`: the fraction of
        images whose top-1 class agrees with the reference); None when there
        was nothing to check yet.
    reference : float
        What to compare with.
    message : str
        One or two sentences for the learner.
    passed : bool
        Whether the learner's result reaches the reference.
    details : tuple of str
        Further lines (one per image for :func:`check_top5`).

    Examples
    --------
    >>> print(CheckResult(0.99, 0.98, "Well done.", True))
    Well done.
    """

    accuracy: float | None
    reference: float
    message: str
    passed: bool
    details: tuple[str, ...] = ()

    def __str__(self) -> str:
        return "\n".join([self.message, *self.details])

    def _repr_html_(self) -> str:
        colour = _RIGHT_COLOUR if self.passed else (_MUTED if self.accuracy is None else _HINT_COLOUR)
        details = "".join(f"<li>{_escape(line)}</li>" for line in self.details)
        return (f"<div class='cnnlab-check-result' style='border-left:4px solid {colour};padding:4px 10px'>"
                f"{_escape(self.message)}{f'<ul>{details}</ul>' if details else ''}</div>")


class _BadAnswer(Exception):
    """The learner's code returned something the check cannot grade (its message says why, for the learner)."""


def _non_finite(array: np.ndarray) -> tuple[int, str]:
    """How many rows of ``array`` (one per example; one value for 0-d) hold NaN or infinity, and which kind."""
    if not np.issubdtype(array.dtype, np.inexact):
        return 0, ""
    bad = ~np.isfinite(array)
    if not bad.any():
        return 0, ""
    rows = int(bad.reshape(len(array), -1).any(axis=1).sum()) if array.ndim else 1
    return rows, "NaN (not a number)" if np.isnan(array).any() else "infinite values"


def _check_scores(scores, where: str = "") -> np.ndarray:
    """The model's predictions as an array; raise :class:`_BadAnswer` if any is NaN or infinite.

    The largest of NaN scores is meaningless (``argmax`` says class 0), so such a model must not pass.
    """
    array = np.asarray(scores)
    rows, kind = _non_finite(array)
    if rows:
        total = len(array) if array.ndim else 1
        raise _BadAnswer(f"Your model's predictions hold {kind} for {rows:,} of the {total:,} test "
                         f"example{'s' if total != 1 else ''}{where}, so they cannot be graded. Its training has "
                         "probably diverged (a learning rate too high, or NaN in the training images): check that "
                         "the images hold no NaN, retrain the model, then run this cell again.")
    return array


_SUGGESTIONS = {
    7: "training longer (20 or 30 epochs of the one-cycle schedule), wider blocks such as filters=(48, 96, 192), "
       "or averaging several models",
    9: "fine-tuning: once the new head is trained, unfreeze the pretrained base and train again with a smaller "
       "learning rate, on the augmented training photos, as notebook 09's reference run does",
}
_GENERIC_SUGGESTION = "training longer, data augmentation, or a larger model"


def _check_reference(reference) -> float:
    ok = (not isinstance(reference, bool) and isinstance(reference, numbers.Real)
          and math.isfinite(reference) and 0 <= reference <= 1)
    if not ok:
        raise ValueError(f"reference must be an accuracy between 0 and 1, for example 0.993 for 99.3%, "
                         f"received reference={describe(reference)}.")
    return float(reference)


def _predict(model, x, batch_size: int):
    """``model.predict(x)``, with batch_size and verbose=0 when its signature takes them."""
    try:
        parameters = inspect.signature(model.predict).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        parameters = {}
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    options = {key: value for key, value in (("batch_size", batch_size), ("verbose", 0))
               if takes_any or key in parameters}
    return model.predict(x, **options)


def _as_labels(values, name: str) -> np.ndarray:
    """Class labels from labels, one-hot rows, probabilities or a single sigmoid column."""
    array = np.asarray(values)
    rows, kind = _non_finite(array)
    if rows:
        raise ValueError(f"{name} must be class labels (whole numbers, or one-hot rows), but it holds {kind} in "
                         f"{rows:,} of its {len(array) if array.ndim else 1:,} entries: give the labels of the test "
                         "examples as they were loaded.")
    if array.ndim == 2 and array.shape[1] == 1:
        scores = np.issubdtype(array.dtype, np.floating) and not np.all(array == np.round(array))
        # a sigmoid column (or logits, outside [0, 1]) becomes [1 - p, p]; a column of labels stays labels
        array = binary_probabilities(array).argmax(axis=1) if scores else array[:, 0]
    elif array.ndim == 2:
        array = array.argmax(axis=1)
    if array.ndim != 1:
        raise ValueError(f"{name} must be class labels (1-D) or one row of scores per example (2-D), "
                         f"received {name} with shape {array.shape}.")
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.bool_)):
        if not np.issubdtype(array.dtype, np.number) or not np.all(np.equal(np.mod(array, 1), 0)):
            raise ValueError(f"{name} must be whole class labels, received 1-D {name} of dtype {array.dtype} "
                             f"with values such as {array[:3].tolist()}.")
    return array.astype(np.int64)


def _is_dataset(x) -> bool:
    return not isinstance(x, (np.ndarray, list, tuple, str, bytes)) and hasattr(x, "__iter__") \
        and not hasattr(x, "shape")


def check_accuracy(model, x, y=None, *, reference, exercise: int, batch_size: int = 256) -> CheckResult:
    """Measure a model's test accuracy and compare it with the course's reference.

    Parameters
    ----------
    model : keras.Model, anything with ``predict``, or None
        None (the model is not built yet) gives a result that says so, not an
        error. ``predict`` may return one row of class scores per example or
        the class labels themselves (1-D).
    x : array, tuple or tf.data.Dataset
        The test images, with their integer (or one-hot) labels in ``y``; or a
        pair ``(images, labels)``; or a dataset of ``(images, labels)``
        batches, with ``y=None``.
    y : array, optional
        The labels of ``x``.
    reference : float
        The reference solution's accuracy, between 0 and 1.
    exercise : int
        The exercise (7 to 10), for the suggestions.
    batch_size : int
        Passed to ``model.predict`` for arrays.

    Returns
    -------
    CheckResult
        Not passed, with ``accuracy`` None and a message, when the model's
        predictions hold NaN or infinite values (whose argmax means nothing).

    Examples
    --------
    >>> class Fake:                     # predicts class 0 for every image
    ...     def predict(self, x, **kwargs):
    ...         return np.tile([0.9, 0.1], (len(x), 1))
    >>> result = check_accuracy(Fake(), np.zeros((4, 2)), np.array([0, 0, 0, 1]), reference=0.8, exercise=7)
    >>> result.accuracy, result.passed
    (0.75, False)
    >>> print(result.message)  # doctest: +ELLIPSIS
    Your model: 75.00% test accuracy (4 test examples); the reference: 80.00%: 5.00 points short; try ...
    >>> check_accuracy(None, None, reference=0.99, exercise=7).message
    'No model yet: build your model in the cell above, then run this cell again.'
    """
    reference = _check_reference(reference)
    if isinstance(exercise, bool) or not isinstance(exercise, numbers.Integral) or not 7 <= exercise <= 10:
        raise ValueError(f"exercise must be a coding exercise number from 7 to 10, received "
                         f"exercise={describe(exercise)}.")
    batch_size = check_positive_int("batch_size", batch_size)
    if check_model("model", model, predict_only=True, allow_none=True) is None:
        return CheckResult(None, reference, "No model yet: build your model in the cell above, then run this cell "
                                            "again.", False)
    if y is None and isinstance(x, tuple) and len(x) == 2:
        x, y = x
    try:
        predicted, labels = _predictions_and_labels(model, x, y, batch_size)
    except _BadAnswer as problem:
        return CheckResult(None, reference, str(problem), False)
    if len(labels) == 0:
        raise ValueError("x is empty: give at least one test example.")
    if len(predicted) != len(labels):
        raise ValueError(f"y must have one label per example: the model made {len(predicted)} predictions for "
                         f"{len(labels)} labels.")
    accuracy = float(np.mean(predicted == labels))
    return CheckResult(accuracy, reference, _accuracy_message(accuracy, reference, len(labels), exercise),
                       accuracy >= reference)


def _predictions_and_labels(model, x, y, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    """The predicted and true labels of ``x`` (array or dataset); NaN or infinite scores raise _BadAnswer."""
    if _is_dataset(x):
        if y is not None:
            raise ValueError("y must be None when x is a dataset of (images, labels) batches, "
                             f"received y of type {type(y).__name__}.")
        return _predict_dataset(model, x)
    if y is None:
        raise ValueError("y is None: give the labels of x, or x as a pair (images, labels) or a dataset of "
                         "(images, labels) batches.")
    labels = _as_labels(y, "y")
    return _as_labels(_check_scores(_predict(model, x, batch_size)), "the predictions"), labels


def _predict_dataset(model, dataset) -> tuple[np.ndarray, np.ndarray]:
    batches = dataset.as_numpy_iterator() if hasattr(dataset, "as_numpy_iterator") else iter(dataset)
    on_batch = getattr(model, "predict_on_batch", None)
    predicted, labels = [], []
    for i, element in enumerate(batches):
        if not isinstance(element, (tuple, list)) or len(element) < 2:
            raise ValueError(f"x must be a dataset of (images, labels) batches, but its batch {i} is a "
                             f"{type(element).__name__}, not a pair.")
        images, batch_labels = element[0], element[1]
        scores = on_batch(images) if callable(on_batch) else _predict(model, images, len(images))
        predicted.append(_as_labels(_check_scores(scores, f" of batch {i}"), "the predictions"))
        labels.append(_as_labels(batch_labels, "the dataset's labels"))
    if not labels:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(predicted), np.concatenate(labels)


def _accuracy_message(accuracy: float, reference: float, n: int, exercise: int) -> str:
    points = (accuracy - reference) * 100
    start = (f"Your model: {accuracy:.2%} test accuracy ({n:,} test example{'s' if n != 1 else ''}); "
             f"the reference: {reference:.2%}")
    if accuracy > reference:
        return f"{start}: {points:.2f} points above it. Well done!"
    if accuracy == reference:
        return f"{start}: level with it. Well done!"
    return f"{start}: {-points:.2f} points short; try {_SUGGESTIONS.get(exercise, _GENERIC_SUGGESTION)}."


def _top_list(answer, k: int, who: str, image_name: str) -> list[tuple[str, str, float]]:
    """``[(key, name, probability), ...]`` best first, k of them, from a classify function's answer."""
    if isinstance(answer, Mapping):
        answer = list(answer.items())
    if isinstance(answer, np.ndarray) or not isinstance(answer, (list, tuple)):
        shape = f" of shape {answer.shape}" if isinstance(answer, np.ndarray) else ""
        raise _BadAnswer(f"{who} must return a list of (class name, probability) pairs, such as "
                         f"[('macaw', 0.97), ...]; for {image_name!r} it returned a "
                         f"{type(answer).__name__}{shape}.")
    rows = []
    for item in answer:
        if not isinstance(item, (tuple, list)) or len(item) not in (2, 3):  # 3: Keras' (wnid, name, probability)
            raise _BadAnswer(f"{who} must return (class name, probability) pairs; for {image_name!r} one of its "
                             f"items is {describe(item)}.")
        name, probability = item[-2], item[-1]
        if not isinstance(name, str) or isinstance(probability, bool) or not isinstance(probability, numbers.Real):
            raise _BadAnswer(f"{who} must return (class name, probability) pairs; for {image_name!r} one of its "
                             f"items is {describe(tuple(item))}.")
        if not math.isfinite(float(probability)):
            raise _BadAnswer(f"{who} must return probabilities between 0 and 1; for {image_name!r} it returned "
                             f"{float(probability)} for {name!r}: the model's scores hold NaN or infinite values, "
                             "so the classes cannot be ranked (check the preprocessing and the weights).")
        if not 0 <= float(probability) <= 1:
            raise _BadAnswer(f"{who} must return probabilities between 0 and 1; for {image_name!r} it returned "
                             f"{float(probability):g} for {name!r} (a percentage?).")
        key = re.sub(r"[\s_-]+", " ", name).strip().lower()
        rows.append((key, name, float(probability)))
    if len(rows) < k:
        raise _BadAnswer(f"{who} returned {len(rows)} classes for {image_name!r}; the exercise asks for the top {k}.")
    return sorted(rows, key=lambda row: -row[2])[:k]


def _named(images) -> dict:
    if isinstance(images, Mapping):
        named = {str(name): image for name, image in images.items()}
    elif isinstance(images, np.ndarray) and images.ndim == 3:
        named = {"image": images}
    elif isinstance(images, (np.ndarray, list, tuple)):
        named = {f"image {i + 1}": image for i, image in enumerate(images)}
    else:
        raise ValueError(f"images must be a dict {{name: image}}, a list of images or one image array, "
                         f"received images={describe(images)}.")
    if not named:
        raise ValueError("images is empty: give at least one image.")
    return named


def _compare(name: str, mine, theirs, k: int) -> tuple[bool, bool, float | None, str]:
    """Compare one image's top-k lists: (same top-1, same set, top-1 probability gap or None, detail line)."""
    top1 = mine[0][0] == theirs[0][0]
    same_set = {row[0] for row in mine} == {row[0] for row in theirs}
    gap = abs(mine[0][2] - theirs[0][2]) if top1 else None
    if top1:
        first = f"top-1 {mine[0][1]} (yours {mine[0][2]:.1%}, reference {theirs[0][2]:.1%})"
    else:
        first = f"top-1 differs: yours {mine[0][1]!r}, reference {theirs[0][1]!r}"
    if same_set:
        rest = f"same top-{k} classes"
    else:
        missing = [row[1] for row in theirs if row[0] not in {m[0] for m in mine}]
        extra = [row[1] for row in mine if row[0] not in {t[0] for t in theirs}]
        rest = f"top-{k} differs: missing {', '.join(missing)}; extra {', '.join(extra)}"
    mark = RIGHT_MARK if top1 and same_set else WRONG_MARK
    return top1, same_set, gap, f"{mark} {name}: {first}; {rest}"


def check_top5(fn, images, reference_fn, *, k: int = 5) -> CheckResult:
    """Compare a learner's top-k classifier with the reference one, image by image (exercise 8).

    Parameters
    ----------
    fn : callable or None
        ``fn(image)`` returns the top classes as ``[(class name, probability),
        ...]`` (Keras' ``decode_predictions`` triples ``(id, name,
        probability)`` are accepted too). None (not written yet) gives a
        result that says so, not an error.
    images : dict, list or array
        ``{name: image}``, a list of images, or one image.
    reference_fn : callable
        The same for the reference classifier, for example
        ``lambda image: classifier.classify(image, top=5)[0]``.
    k : int
        How many classes to compare.

    Returns
    -------
    CheckResult
        ``accuracy`` is the fraction of images whose top-1 class agrees with
        the reference's; ``passed`` when the top-1 class and the set of the
        top ``k`` agree on every image. Class names are compared ignoring
        case, spaces and underscores.

    Examples
    --------
    >>> reference = lambda image: [("macaw", 0.9), ("lorikeet", 0.05), ("toucan", 0.03)]
    >>> mine = lambda image: [("lorikeet", 0.5), ("macaw", 0.4), ("toucan", 0.1)]
    >>> result = check_top5(mine, {"parrot": np.zeros((2, 2, 3))}, reference, k=3)
    >>> result.passed, result.accuracy
    (False, 0.0)
    >>> print(result)  # doctest: +NORMALIZE_WHITESPACE
    Your top-1 class agrees with the reference on 0 of 1 images, your top-3 set on 1 of 1.
    Check the preprocessing (centre crop, input size, pixel scaling) and that you read the right class names.
    ✗ parrot: top-1 differs: yours 'lorikeet', reference 'macaw'; same top-3 classes
    """
    k = check_positive_int("k", k)
    if not callable(reference_fn):
        raise ValueError(f"reference_fn must be a function image -> [(class name, probability), ...], "
                         f"received reference_fn={describe(reference_fn)}.")
    if fn is None:
        return CheckResult(None, 1.0, "No classify function yet: write it in the cell above, then run this cell "
                                      "again.", False)
    if not callable(fn):
        raise ValueError(f"fn must be a function image -> [(class name, probability), ...] or None, "
                         f"received fn={describe(fn)}.")
    named = _named(images)
    rows = []
    for name, image in named.items():
        try:
            mine = _top_list(fn(image), k, "your function", name)
        except _BadAnswer as problem:
            return CheckResult(None, 1.0, str(problem), False)
        try:
            theirs = _top_list(reference_fn(image), k, "reference_fn", name)
        except _BadAnswer as problem:
            raise ValueError(str(problem)) from None
        rows.append(_compare(name, mine, theirs, k))
    n = len(rows)
    top1, sets = sum(row[0] for row in rows), sum(row[1] for row in rows)
    gaps = [row[2] for row in rows if row[2] is not None]
    passed = top1 == n and sets == n
    if passed:
        message = f"{RIGHT_MARK} Your top-{k} matches the reference on all {n} image{'s' if n != 1 else ''}."
        if gaps and max(gaps) > 0.02:
            message += (f" The probabilities differ by up to {max(gaps) * 100:.1f} points: a small difference in "
                        "preprocessing (resizing, scaling) would explain it.")
    else:
        message = (f"Your top-1 class agrees with the reference on {top1} of {n} images, your top-{k} set on "
                   f"{sets} of {n}.\nCheck the preprocessing (centre crop, input size, pixel scaling) and that you "
                   "read the right class names.")
    return CheckResult(top1 / n, 1.0, message, passed, tuple(row[3] for row in rows))


#: The reference solutions' test accuracies that the "your turn" checks compare with: the committed
#: normal-mode runs of the notebooks on a 2-core CPU (tests/test_checks.py checks they agree). Exercise 7,
#: ``training.train_reference`` for 12 epochs in notebook 07: 45 mistakes in 10,000 (``benchmarks/mnist.py``
#: measured 99.59 % in an earlier run of the same recipe); exercise 9, notebook 09's reference run (the
#: offline MobileNet 0.25 base at 128 px, 2 + 16 epochs: 410 of the 521 test photos).
REFERENCE_ACCURACY = {7: 0.9955, 9: 0.7870}


#: What a dream is told when it falls short of the reference's gain, holds NaN, or leaves [0, 1] (the reference's
#: steps are those of deepdream.deepdream: tests/prose_claims/exercises.py checks the numbers against its source).
_DREAM_ADVICE = ("Check that you step *up* the gradient, normalise it (divide by its standard deviation) and clip "
                 "the pixels to [-1, 1] after each step.")
_DREAM_NAN_ADVICE = ("the gradient step probably divided by a standard deviation of 0: add a small epsilon to it "
                     "(deepdream adds 1e-8). Clipping does not remove NaN.")
_DREAM_RANGE_ADVICE = "return pixels in [0, 1] (the network's values x, in [-1, 1], become (x + 1) / 2)."


def _dream_score(base, layers, image) -> float:
    """The mean activation of ``layers`` for ``image`` in ``[0, 1]`` (DeepDream's loss)."""
    from .deepdream import dream_loss, dream_model

    features, weights = dream_model(base, layers)
    return float(dream_loss(features((np.asarray(image, np.float32) * 2 - 1)[None]), list(weights.values())))


def check_dream(fn, base, image, layers, *, steps: int = 20, step_size: float = 0.01) -> CheckResult:
    """Compare a learner's DeepDream with the reference :func:`cnnlab.deepdream.deepdream` (exercise 10).

    Both start from ``image`` and take ``steps`` gradient steps of ``step_size``
    on one octave; the check compares how much each raised the mean activation of
    ``layers``. Reaching 80 % of the reference's gain passes.

    Parameters
    ----------
    fn : callable or None
        ``fn(image)`` returns the dreamed image: same shape, values in ``[0, 1]``.
        None (not written yet) gives a result that says so, not an error.
    base : keras.Model
        The network dreamed with (e.g. ``deepdream.dream_base("auto")``).
    image : array of shape (H, W, 3)
        Pixels in ``[0, 1]``.
    layers : str, sequence of str, or mapping of str to float
        As for :func:`cnnlab.deepdream.deepdream`.
    steps : int
    step_size : float

    Returns
    -------
    CheckResult
        ``accuracy`` holds the learner's gain in mean activation, ``reference``
        the reference's gain.
    """
    steps = check_positive_int("steps", steps)
    step_size = check_finite_number("step_size", step_size)
    if fn is None:
        return CheckResult(None, 0.0, "No dream function yet: write it in the cell above, then run this cell "
                                      "again.", False)
    if not callable(fn):
        raise ValueError(f"fn must be a function image -> dreamed image, or None, received fn={describe(fn)}.")
    start = np.asarray(image, np.float32)
    if _non_finite(start.reshape(1, -1))[0]:
        raise ValueError(f"image must hold pixel values in [0, 1], received an image of shape {start.shape} with "
                         f"{int(np.count_nonzero(~np.isfinite(start))):,} NaN or infinite values; load it again "
                         "(datasets.load_image gives values in [0, 1]).")
    mine = np.asarray(fn(start.copy()), dtype=np.float32)
    if mine.shape != start.shape:
        return CheckResult(None, 0.0, f"Your function returned an image of shape {mine.shape}; it must keep the "
                                      f"photo's shape {start.shape}.", False)
    if _non_finite(mine.reshape(1, -1))[0]:
        bad = int(np.count_nonzero(~np.isfinite(mine)))
        return CheckResult(None, 0.0, f"Your function returned an image with {bad:,} NaN (not a number) or infinite "
                                      f"values: {_DREAM_NAN_ADVICE}", False)
    if mine.min() < -1e-6 or mine.max() > 1 + 1e-6:
        return CheckResult(None, 0.0, f"Your function returned values from {mine.min():.2f} to {mine.max():.2f}; "
                                      f"{_DREAM_RANGE_ADVICE}", False)
    from .deepdream import deepdream

    reference, _ = deepdream(base, start, layers, steps=steps, step_size=step_size, octaves=1)
    before = _dream_score(base, layers, start)
    gain, reference_gain = _dream_score(base, layers, mine) - before, _dream_score(base, layers, reference) - before
    share = gain / reference_gain if reference_gain > 0 else 0.0
    passed = share >= 0.8
    message = (f"Your dream raised the layers' mean activation from {before:.3f} by {gain:+.3f}; the reference "
               f"(deepdream, {steps} steps of {step_size:g}, one octave) by {reference_gain:+.3f}: "
               f"{share:.0%} of its gain.")
    message += f" {RIGHT_MARK} Well done!" if passed else f" {_DREAM_ADVICE}"
    return CheckResult(gain, reference_gain, message, passed)
