"""How good is the classifier, and where does it go wrong?

* :func:`confusion_matrix` - counts of (true class, predicted class), by scikit-learn.
* :func:`confusion_matrix_plot` - the same as a figure with the counts in the cells
  (counted here, drawn by :func:`cnnlab.charts.plot_confusion`).
* :func:`misclassified` - indices, predicted classes and confidences of the mistakes.
* :func:`misclassified_gallery` - the mistakes as pictures titled "true → predicted (p=0.87)"
  (found and captioned here, drawn by :func:`cnnlab.charts.show_mistakes`).
* :func:`check_pixel_values` - refuses images whose values cannot be what the model takes:
  outside its range (0–255 pixels where [0, 1] is expected, or scaled for the network
  twice), or every value within 1/255 of the bottom ("divided by 255 twice", a black
  square to the model). The course's predict, classify and transfer entry points call it.

Compute is kept apart from display. A ``model`` is anything with a Keras-style
``predict(x, verbose=0)`` returning class probabilities, or a plain callable
``model(x)`` returning them; this module imports neither TensorFlow nor Keras.
The figures are drawn by :mod:`cnnlab.charts`, which imports matplotlib only when it draws;
scikit-learn is imported only by :func:`confusion_matrix`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import check_finite_array, check_memory, check_positive_int
from .charts import plot_confusion, show_mistakes

__all__ = ["binary_probabilities", "check_pixel_values", "confusion_matrix", "confusion_matrix_plot", "misclassified",
           "misclassified_gallery", "Mistakes"]

#: The values the course's models take: RGB or grey floats in [0, 1], as load_image, load_photos,
#: load_flowers and training.prepare_digits give them.
UNIT_RANGE = (0.0, 1.0)


def pixel_value_problems(value_range=UNIT_RANGE) -> dict[str, str]:
    """What each way of failing :func:`check_pixel_values` means, and its fix, for a model taking ``value_range``.

    Keys: ``"below"`` and ``"above"`` (values outside the range) and ``"dim"`` (an image
    whose values all lie within 1/255 of the range's bottom, not all at it). The same
    words serve the numpy check and the batch-by-batch check of ``tf.data`` pipelines
    (:func:`cnnlab.transfer.train_transfer`).

    Examples
    --------
    >>> sorted(pixel_value_problems())
    ['above', 'below', 'dim']
    >>> pixel_value_problems((0, 255))["above"]
    'values above 255: the model takes values in [0, 255]; scale the images the way it was trained, once'
    """
    low, high = check_value_range(value_range)
    if (low, high) == UNIT_RANGE:
        return {
            "below": "values below 0: these images look scaled for the network already (to [-1, 1] by "
                     "preprocess_input or 2x - 1, or mean-subtracted), but the model takes [0, 1] images and "
                     "scales them itself; remove that step (for load_flowers: no preprocess)",
            "above": "values above 1: these look like 0-255 pixel values, but the model takes [0, 1]; "
                     "divide them by 255, once",
            "dim": "every value of an image lies within 1/255 of 0 (but not all are 0): it looks divided by 255 "
                   "twice, and the model would see a black square; remove the second / 255 (load_image, "
                   "load_photos and load_flowers give [0, 1] already)",
        }
    outside = (f"the model takes values in [{low:g}, {high:g}]; scale the images the way it was trained, "
               "once")
    return {
        "below": f"values below {low:g}: {outside}",
        "above": f"values above {high:g}: {outside}",
        "dim": f"every value of an image lies within 1/255 of the range ({(high - low) / 255:.3g}) above {low:g} "
               f"(but not all at {low:g}): it looks scaled twice, for example [0, 1] values scaled as if they "
               "were 0-255 pixels; scale the 0-255 pixels, once",
    }


def check_value_range(value_range) -> tuple[float, float]:
    """``value_range`` as ``(low, high)``: two finite numbers with ``low < high``.

    Examples
    --------
    >>> check_value_range((0, 255))
    (0.0, 255.0)
    >>> check_value_range((1, 0))
    Traceback (most recent call last):
    ...
    ValueError: value_range must be (low, high), two finite numbers with low < high, such as (0, 1) for images in [0, 1]; received value_range=(1, 0).
    """
    message = (f"value_range must be (low, high), two finite numbers with low < high, such as (0, 1) for images in "
               f"[0, 1]; received value_range={value_range!r}.")
    try:
        low, high = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(message)
    return low, high


#: Values may leave the range by this fraction of its width (resampling and rounding) before they are refused.
RANGE_TOLERANCE = 0.01


def check_pixel_values(name: str, images, value_range=UNIT_RANGE, *, batch: bool = True, fix: str = "") -> np.ndarray:
    """Refuse images that cannot be what a model taking ``value_range`` expects; return them as an array.

    Two mistakes give a model inputs it answers without complaint, and wrongly:

    * values outside ``value_range`` (beyond 1 % of its width): 0-255 pixels where
      [0, 1] is expected, or images already scaled for the network (``preprocess_input``)
      given to a model that scales them itself;
    * an image whose values all lie within 1/255 of the range's width above its bottom,
      not all at it: [0, 1] images divided by 255 a second time, which the model sees as
      a black square (every photo then gets the same answer). An image that is all at
      the bottom (all black) is allowed.

    Parameters
    ----------
    name : str
        The argument's name, for the message.
    images : array_like
        A batch ``(n, ...)`` (``batch=True``, each ``images[i]`` checked on its own for
        the second mistake) or one image (``batch=False``).
    value_range : (low, high)
        What the model takes: ``(0, 1)`` for the course's models (the default).
    batch : bool
    fix : str
        Added to the message, e.g. how to turn the check off.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    ValueError
        Naming ``name`` (and the image), the values received and the fix.

    Examples
    --------
    >>> check_pixel_values("photos", np.full((2, 4, 4, 3), 0.5)).shape
    (2, 4, 4, 3)
    >>> check_pixel_values("photos", np.full((2, 4, 4, 3), 0.5) / 255)
    Traceback (most recent call last):
    ...
    ValueError: photos[0] holds values from 0.00196 to 0.00196: every value of an image lies within 1/255 of 0 (but not all are 0): it looks divided by 255 twice, and the model would see a black square; remove the second / 255 (load_image, load_photos and load_flowers give [0, 1] already).
    >>> check_pixel_values("x", np.full((1, 2, 2), 255, np.uint8))
    Traceback (most recent call last):
    ...
    ValueError: x holds values from 255 to 255: values above 1: these look like 0-255 pixel values, but the model takes [0, 1]; divide them by 255, once.
    """
    low, high = check_value_range(value_range)
    array = np.asarray(images)
    if array.dtype.kind not in "iuf":
        raise ValueError(f"{name} must hold pixel values (numbers), received an array of dtype {array.dtype}.")
    if array.size == 0:
        return array
    check_finite_array(name, array)
    problems = pixel_value_problems((low, high))
    end = "." if not fix else f". {fix}"
    lo, hi = float(array.min()), float(array.max())
    tolerance = RANGE_TOLERANCE * (high - low)
    if lo < low - tolerance or hi > high + tolerance:
        problem = problems["below"] if lo < low - tolerance else problems["above"]
        raise ValueError(f"{name} holds values from {lo:.3g} to {hi:.3g}: {problem}{end}")
    per_image = array.reshape(len(array), -1) if batch and array.ndim > 1 else array.reshape(1, -1)
    tops = per_image.max(axis=1).astype(np.float64) - low
    dim = np.flatnonzero((tops > 0) & (tops <= (high - low) / 255 * (1 + 1e-3)))
    if dim.size:
        i = int(dim[0])
        label = f"{name}[{i}]" if batch and array.ndim > 1 else name
        image = per_image[i]
        raise ValueError(f"{label} holds values from {float(image.min()):.3g} to {float(image.max()):.3g}: "
                         f"{problems['dim']}{end}")
    return array


def _labels(name: str, values) -> np.ndarray:
    """Integer class labels from labels, one-hot rows or probability rows (argmax)."""
    array = np.asarray(values)
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):  # argmax would call NaN rows class 0
        raise ValueError(f"{name} holds {int(array.size - np.isfinite(array).sum())} NaN or infinite values; "
                         "labels and scores must be finite (a model that outputs NaN has diverged: check its inputs "
                         "and its training loss).")
    if array.ndim == 2 and array.shape[1] == 1:  # a column of labels, or one sigmoid output per example
        column = array[:, 0]
        scores = column.dtype.kind == "f" and not np.all(column == np.round(column))
        array = binary_probabilities(array).argmax(axis=1) if scores else column
    if array.ndim == 2:
        if array.shape[1] == 0:
            raise ValueError(f"{name} has shape {array.shape}; give labels (n,) or probabilities (n, classes).")
        array = array.argmax(axis=1)
    if array.ndim != 1:
        raise ValueError(f"{name} must be class labels of shape (n,) or probabilities/one-hot rows of shape "
                         f"(n, classes), received shape {array.shape}.")
    if array.dtype.kind == "b" or array.dtype.kind not in "iuf":
        raise ValueError(f"{name} must hold integer class labels, received dtype {array.dtype}.")
    if array.dtype.kind == "f":
        if not np.all(array == np.round(array)):
            raise ValueError(f"{name} must hold integer class labels, received non-integer values "
                             f"such as {array[array != np.round(array)][:1].tolist()}.")
    array = array.astype(np.int64)
    if array.size and array.min() < 0:
        raise ValueError(f"{name} must hold class labels >= 0, received {int(array.min())}.")
    return array


def binary_probabilities(outputs) -> np.ndarray:
    """The ``(n, 2)`` probabilities ``[1 - p, p]`` of a binary classifier with one output per example.

    A Keras binary classifier ends in ``Dense(1, activation="sigmoid")``; its
    ``predict`` returns one column, the probability of class 1. A softmax or
    an argmax over that single column would call every example class 0 with
    certainty. Outputs outside [0, 1] are taken as logits (a model without the
    final sigmoid) and passed through one.

    Parameters
    ----------
    outputs : array_like
        Shape ``(n, 1)``, finite.

    Returns
    -------
    numpy.ndarray
        float64, shape ``(n, 2)``, each row summing to 1.

    Examples
    --------
    >>> binary_probabilities([[0.9], [0.2]]).round(2).tolist()
    [[0.1, 0.9], [0.8, 0.2]]
    >>> binary_probabilities([[0.0], [3.0]])[:, 1].round(3).tolist()  # logits: 3.0 is outside [0, 1]
    [0.5, 0.953]
    """
    p = np.asarray(outputs, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != 1:
        raise ValueError(f"outputs must have shape (n, 1), one output per example, received shape {p.shape}.")
    if not np.isfinite(p).all():
        raise ValueError(f"outputs holds {int(p.size - np.isfinite(p).sum())} NaN or infinite values; a model that "
                         "outputs NaN has diverged (check its inputs and its training loss).")
    p = p[:, 0]
    if p.size and (p.min() < 0.0 or p.max() > 1.0):  # logits: no sigmoid at the end of the model
        p = 1.0 / (1.0 + np.exp(-p))
    return np.stack([1.0 - p, p], axis=1)


def confusion_matrix(y_true, y_pred, num_classes: int | None = None) -> np.ndarray:
    """Count how often each true class was predicted as each class.

    scikit-learn's :func:`sklearn.metrics.confusion_matrix` does the counting;
    this function checks the labels first (so a mistake gets a message that
    names it) and takes what a model gives: probability or one-hot rows.

    Parameters
    ----------
    y_true, y_pred : array_like
        Integer labels ``(n,)``, or rows of probabilities / one-hot ``(n, classes)``
        (their argmax is taken), so ``model.predict(x)`` can be passed directly.
    num_classes : int, optional
        Size of the matrix; by default one more than the largest label seen.

    Returns
    -------
    numpy.ndarray
        ``(num_classes, num_classes)`` int64; entry ``[i, j]`` counts the images of
        class ``i`` predicted as ``j`` (rows: true, columns: predicted, as in
        scikit-learn). The diagonal holds the correct predictions.

    Examples
    --------
    >>> confusion_matrix([0, 1, 2, 2, 1], [0, 2, 2, 2, 1])
    array([[1, 0, 0],
           [0, 1, 1],
           [0, 0, 2]])
    >>> confusion_matrix([0, 1], [0, 1, 1])
    Traceback (most recent call last):
    ...
    ValueError: y_true and y_pred must have the same length, received 2 and 3 labels.
    """
    true = _labels("y_true", y_true)
    pred = _labels("y_pred", y_pred)
    if true.shape != pred.shape:
        raise ValueError(f"y_true and y_pred must have the same length, received {true.size} and {pred.size} labels.")
    largest = int(max(true.max(initial=-1), pred.max(initial=-1)))
    if num_classes is None:
        if largest < 0:
            raise ValueError("y_true is empty; give labels, or num_classes for an all-zero matrix.")
        num_classes = largest + 1
        check_memory(f"label {largest} (the largest in y_true and y_pred, so {num_classes:,} classes)",
                     8 * num_classes * num_classes, fix="Labels must be class numbers 0, 1, 2, ...; "
                     "for probabilities or one-hot rows pass the 2-D array itself.")
    else:
        num_classes = check_positive_int("num_classes", num_classes)
        if largest >= num_classes:
            raise ValueError(f"num_classes={num_classes} is too small for label {largest}; "
                             f"give num_classes >= {largest + 1} or None.")
        check_memory(f"num_classes={num_classes}", 8 * num_classes * num_classes,
                     fix="A confusion matrix has num_classes × num_classes cells; give the real number of classes.")
    if not true.size:  # scikit-learn refuses empty labels; no images, no counts
        return np.zeros((num_classes, num_classes), np.int64)
    from sklearn.metrics import confusion_matrix as count  # imported here: about a second to import

    return count(true, pred, labels=np.arange(num_classes)).astype(np.int64, copy=False)


def _check_class_names(class_names, count: int | None = None) -> list[str] | None:
    if class_names is None:
        return None
    names = [str(n) for n in class_names]
    if count is not None and len(names) < count:
        raise ValueError(f"class_names has {len(names)} entries but labels go up to {count - 1}; "
                         f"give one name per class, received class_names={names!r}.")
    return names


def confusion_matrix_plot(y_true, y_pred, class_names=None, normalize: bool = False):
    """Draw the confusion matrix with the count (or row fraction) written in each cell.

    Parameters
    ----------
    y_true, y_pred : array_like
        As for :func:`confusion_matrix`.
    class_names : sequence of str, optional
        Tick labels, one per class (their number sets the matrix size).
    normalize : bool
        Show each row as fractions of that class (each row sums to 1), so classes
        of different sizes compare; the colours follow the same values.

    Returns
    -------
    matplotlib.figure.Figure
        Titled "Confusion matrix (accuracy …)", x axis "Predicted class", y axis "True class".

    Notes
    -----
    Counts with :func:`confusion_matrix` and draws with :func:`cnnlab.charts.plot_confusion`
    (which says why by hand rather than with scikit-learn's ``ConfusionMatrixDisplay``).

    Examples
    --------
    >>> fig = confusion_matrix_plot([0, 1, 1, 1], [0, 1, 0, 1], class_names=["cat", "dog"])
    >>> ax = fig.axes[0]
    >>> ax.get_title(), ax.get_xlabel(), ax.get_ylabel()
    ('Confusion matrix (accuracy 75.0%)', 'Predicted class', 'True class')
    >>> [t.get_text() for t in ax.texts]
    ['1', '0', '1', '2']
    """
    if not isinstance(normalize, bool):
        raise ValueError(f"normalize must be True or False, received normalize={normalize!r}.")
    matrix = confusion_matrix(y_true, y_pred)
    names = _check_class_names(class_names, matrix.shape[0])
    if names and len(names) > matrix.shape[0]:
        matrix = confusion_matrix(y_true, y_pred, num_classes=len(names))
    return plot_confusion(matrix, names, normalize=normalize)


class Mistakes(NamedTuple):
    """The misclassified examples: where they are, what was predicted, and how confidently."""

    indices: np.ndarray
    """Positions in ``x`` of the misclassified examples, ascending (int64)."""
    predicted: np.ndarray
    """The predicted class of each (int64)."""
    probability: np.ndarray
    """The probability the model gave to that (wrong) class (float64)."""
    true: np.ndarray
    """The true class of each (int64)."""


def _check_input_shape(model, x: np.ndarray) -> None:
    """Compare ``x`` with a Keras model's fixed input shape (if it has one) before predicting."""
    try:
        expected = tuple(model.input_shape)
    except (AttributeError, TypeError, ValueError):  # not a Keras model, or several inputs
        return
    if len(expected) != x.ndim or any(e is not None and e != d for e, d in zip(expected[1:], x.shape[1:])):
        raise ValueError(f"x has shape {x.shape} but model takes inputs of shape {expected}; "
                         "reshape or rescale x the way the model was trained (for example x[..., None] "
                         "for a greyscale channel axis).")


_RANGE_FIX = "If your model was trained on other values, pass value_range=(low, high) (or None to skip this check)."


def _probabilities(model, x) -> np.ndarray:
    _check_input_shape(model, x)
    if hasattr(model, "predict"):
        probabilities = model.predict(x, verbose=0)
    elif callable(model):
        probabilities = model(x)
    else:
        raise ValueError(f"model must be a Keras model or a callable returning class probabilities, "
                         f"received model={type(model).__name__}.")
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2 or probabilities.shape[0] != len(x):
        raise ValueError(f"model must return probabilities of shape (n, classes) = ({len(x)}, classes), "
                         f"it returned shape {probabilities.shape}.")
    if not np.isfinite(probabilities).all():
        rows = np.flatnonzero(~np.isfinite(probabilities).all(axis=1))
        raise ValueError(f"the model returned NaN or infinite probabilities for {rows.size} of the {len(x)} examples "
                         f"of x (the first is x[{rows[0]}]); check x for NaN values and the model for a diverged "
                         "training (a loss of nan).")
    if probabilities.shape[1] == 1:  # a binary classifier with one sigmoid output
        probabilities = binary_probabilities(probabilities)
    return probabilities


def misclassified(model, x, y, *, value_range=UNIT_RANGE) -> Mistakes:
    """Find the examples that ``model`` gets wrong.

    Parameters
    ----------
    model : keras.Model or callable
        ``model.predict(x, verbose=0)`` or ``model(x)`` must return class
        probabilities of shape ``(n, classes)``.
    x : array_like
        The inputs, ``(n, ...)``, scaled as the model expects.
    y : array_like
        True labels ``(n,)`` or one-hot rows ``(n, classes)``.
    value_range : (low, high) or None
        The values the model takes. Images (``x`` of 3 or 4 dimensions) are checked
        against it first (:func:`check_pixel_values`): 0-255 pixels given to a model
        trained on [0, 1], or digits divided by 255 twice, would only look like a bad
        model. ``(0, 1)`` by default, as the course's models take; None skips the check.

    Returns
    -------
    Mistakes
        ``(indices, predicted, probability, true)``, one entry per mistake, in the order of ``x``.

    Examples
    --------
    >>> def model(x):  # a "model" that always says class 1 with probability 0.8
    ...     return np.tile([0.2, 0.8], (len(x), 1))
    >>> found = misclassified(model, np.zeros((3, 2, 2)), [1, 0, 0])
    >>> found.indices.tolist(), found.predicted.tolist(), found.probability.tolist()
    ([1, 2], [1, 1], [0.8, 0.8])
    """
    x = np.asarray(x)
    if value_range is not None and x.ndim in (3, 4):
        check_pixel_values("x", x, value_range, fix=_RANGE_FIX)
    true = _labels("y", y)
    if x.ndim < 1 or len(x) != len(true):
        raise ValueError(f"x and y must hold the same number of examples, received {len(x) if x.ndim else 0} "
                         f"and {len(true)}.")
    probabilities = _probabilities(model, x)
    if true.size and true.max() >= probabilities.shape[1]:
        raise ValueError(f"y holds label {int(true.max())} but the model predicts only "
                         f"{probabilities.shape[1]} classes.")
    predicted = probabilities.argmax(axis=1)
    indices = np.flatnonzero(predicted != true)
    return Mistakes(indices.astype(np.int64), predicted[indices].astype(np.int64),
                    probabilities[indices, predicted[indices]], true[indices])


def misclassified_gallery(model, x, y, class_names=None, limit: int = 25, *, most_confident_first: bool = True,
                          cols: int = 5, value_range=UNIT_RANGE):
    """Show up to ``limit`` misclassified images titled "true → predicted (p=0.87)".

    Parameters
    ----------
    model, x, y
        As for :func:`misclassified`; ``x`` holds images ``(n, h, w)``, ``(n, h, w, 1)`` or ``(n, h, w, 3)``.
    class_names : sequence of str, optional
        Names for the titles; class numbers by default.
    limit : int
        Show at most this many.
    most_confident_first : bool
        Show the most confident mistakes first (the most instructive ones);
        otherwise in the order of ``x``.
    cols : int
        Images per row.
    value_range : (low, high) or None
        As for :func:`misclassified`.

    Returns
    -------
    matplotlib.figure.Figure
        Titled "k of n images misclassified", one axes per image shown.

    Examples
    --------
    >>> def model(x):
    ...     return np.tile([0.13, 0.87], (len(x), 1))
    >>> fig = misclassified_gallery(model, np.zeros((2, 4, 4)), [0, 1], class_names=["T-shirt", "Trouser"])
    >>> fig._suptitle.get_text(), [ax.get_title() for ax in fig.axes]
    ('1 of 2 images misclassified', ['T-shirt → Trouser (p=0.87)'])
    """
    limit = check_positive_int("limit", limit)
    cols = check_positive_int("cols", cols)
    x = np.asarray(x)
    if x.ndim not in (3, 4) or (x.ndim == 4 and x.shape[-1] not in (1, 3, 4)):
        raise ValueError(f"x must hold images of shape (n, height, width), (n, height, width, 1) or "
                         f"(n, height, width, 3), received shape {x.shape}.")
    found = misclassified(model, x, y, value_range=value_range)
    names = _check_class_names(class_names, int(max(found.true.max(initial=-1), found.predicted.max(initial=-1))) + 1)
    order = np.argsort(-found.probability, kind="stable") if most_confident_first else np.arange(found.indices.size)
    order = order[:limit]
    title = f"{found.indices.size} of {len(x)} images misclassified"
    if 0 < order.size < found.indices.size:
        title += f" (showing {order.size})"
    label = (lambda c: names[c]) if names else str
    captions = [f"{label(int(found.true[k]))} → {label(int(found.predicted[k]))} (p={found.probability[k]:.2f})"
                for k in order]
    return show_mistakes([x[found.indices[k]] for k in order], captions, title=title, cols=cols)
