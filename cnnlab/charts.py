"""The charts of training and evaluation: data drawn on axes, in the course's look.

* :func:`plot_confusion` - a confusion matrix with the count (or row fraction) in each cell.
* :func:`show_mistakes` - misclassified images in a grid, each captioned "true → predicted (p=0.87)".
* :func:`plot_history` - learning curves (loss and accuracy, training and validation) of one or
  more training phases, end to end, a dashed line where each phase after the first begins.

Why a module of its own, next to :mod:`cnnlab.plotting`: ``plotting`` is the course's look
(``setup``, the colour scales) and its pictures of data and networks (images, predictions,
kernels), and encodes arrays for the widgets; this module holds the figures that *judge a
model*: how it errs and how its training went. Together they would pass the 900 lines a
module may have, and a maintainer looking for "the confusion-matrix figure", "the mistakes"
or "the learning curves" finds them here in one hop; everything else drawn with matplotlib
is in ``plotting`` (the SVG model diagram is its own family, in :mod:`cnnlab.models.diagram`).

The domain modules keep the compute and call these with its result:
:func:`cnnlab.evaluation.confusion_matrix_plot` counts the matrix,
:func:`cnnlab.evaluation.misclassified_gallery` finds and captions the mistakes,
:func:`cnnlab.transfer.plot_phases` takes the phases' Keras histories. The training
monitor's live chart (:mod:`cnnlab.widgets.training_monitor`) is drawn by the monitor:
its docstring says why it does not share :func:`plot_history`.

Ground floor: numpy only at import; matplotlib is imported by the functions that draw.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np

from ._validation import check_bool, check_memory, check_positive_int
from .plotting import SEQUENTIAL_CMAP, check_pictures, text_kwargs

__all__ = ["plot_confusion", "show_mistakes", "plot_history"]

#: The metrics :func:`plot_history` draws, one axes each, in this order.
HISTORY_METRICS = ("loss", "accuracy")


def check_confusion(matrix) -> np.ndarray:
    """``matrix`` as a square int64 array of counts, or an error naming what is wrong.

    Examples
    --------
    >>> check_confusion([[3, 1], [0, 2]]).dtype
    dtype('int64')
    >>> check_confusion([[1, 2]])
    Traceback (most recent call last):
    ...
    ValueError: matrix must be a square (classes, classes) array of counts, received shape (1, 2).
    """
    array = np.asarray(matrix)
    if array.ndim != 2 or array.shape[0] != array.shape[1] or array.size == 0:
        raise ValueError(f"matrix must be a square (classes, classes) array of counts, received shape {array.shape}.")
    # Each cell becomes a text artist and a few float64 copies: refused before any scan of the values.
    check_memory(f"matrix of shape {array.shape}", 64 * array.size,
                 fix="A confusion matrix has one row and one column per class; give the real number of classes.")
    if array.dtype.kind not in "iuf" or (array.dtype.kind == "f" and not np.all(np.isfinite(array))):
        raise ValueError(f"matrix must hold finite counts (integers >= 0), received dtype {array.dtype}"
                         f"{' with NaN or infinite values' if array.dtype.kind == 'f' else ''}.")
    if np.any(array < 0) or np.any(array != np.round(array)):
        raise ValueError(f"matrix must hold counts (integers >= 0), received values from {array.min():g} "
                         f"to {array.max():g}; pass confusion_matrix(y_true, y_pred), not fractions.")
    return array.astype(np.int64)


def cell_values(matrix: np.ndarray, normalize: bool) -> np.ndarray:
    """The values the cells are coloured by: counts, or each row's fractions (an empty row stays 0).

    Examples
    --------
    >>> cell_values(np.array([[3, 1], [0, 0]]), True).tolist()
    [[0.75, 0.25], [0.0, 0.0]]
    """
    if not normalize:
        return matrix.astype(np.float64)
    rows = matrix.sum(axis=1, keepdims=True)
    return np.divide(matrix, rows, out=np.zeros(matrix.shape, np.float64), where=rows > 0)


def _check_names(class_names, count: int) -> list[str] | None:
    """One tick label per class, or None for the class numbers."""
    if class_names is None:
        return None
    if isinstance(class_names, bytes) or not hasattr(class_names, "__iter__"):
        raise ValueError(f"class_names must be one name per class ({count}), received class_names={class_names!r:.80}.")
    names = [str(n) for n in class_names]
    if len(names) != count:
        raise ValueError(f"class_names has {len(names)} entries for a {count}×{count} matrix; give one name per "
                         f"class, received class_names={names!r:.200}.")
    return names


def _matrix_ticks(ax, names: list[str]) -> None:
    """Class names (data: drawn literally, wrapped) on both axes, slanted when long."""
    n = len(names)
    long_names = max(map(len, names)) > 3
    ticks = [text_kwargs(t, 1.5, math=False)["text"] for t in names]
    ax.set_xticks(range(n), ticks, rotation=45 if long_names else 0, ha="right" if long_names else "center",
                  parse_math=False)
    ax.set_yticks(range(n), ticks, parse_math=False)


def plot_confusion(matrix, class_names=None, *, normalize: bool = False):
    """Draw a confusion matrix with the count (or row fraction) written in each cell.

    Parameters
    ----------
    matrix : array_like
        ``(classes, classes)`` counts, rows true and columns predicted, as
        :func:`cnnlab.evaluation.confusion_matrix` gives them.
    class_names : sequence of str, optional
        Tick labels, one per class; class numbers by default.
    normalize : bool
        Show each row as fractions of that class (each row sums to 1), so classes
        of different sizes compare; the colours follow the same values.

    Returns
    -------
    matplotlib.figure.Figure
        Titled "Confusion matrix (accuracy …)", x axis "Predicted class", y axis "True class".

    Notes
    -----
    Drawn by hand rather than with scikit-learn's ``ConfusionMatrixDisplay``, which
    would change the course's look: it picks white or dark text from the matrix's own
    smallest and largest values rather than from the colour scale (0 to 1, or 0 to the
    largest count), writes class names through mathtext (a name holding ``$`` would be
    typeset; class names are data and are drawn literally here), and gives its colour
    bar neither a label nor the image's height.

    Examples
    --------
    >>> fig = plot_confusion([[1, 0], [1, 2]], ["cat", "dog"])
    >>> ax = fig.axes[0]
    >>> ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), [t.get_text() for t in ax.texts]
    ('Confusion matrix (accuracy 75.0%)', 'Predicted class', 'True class', ['1', '0', '1', '2'])
    """
    import matplotlib.pyplot as plt

    normalize = check_bool("normalize", normalize)
    matrix = check_confusion(matrix)
    n = matrix.shape[0]
    names = _check_names(class_names, n) or [str(i) for i in range(n)]
    total = matrix.sum()
    accuracy = np.trace(matrix) / total if total else 0.0
    values = cell_values(matrix, normalize)
    top = 1 if normalize else max(values.max(), 1)
    side = max(3.5, 0.55 * n + 1.5)
    fig, ax = plt.subplots(figsize=(side + 1, side))
    image = ax.imshow(values, cmap="Blues", vmin=0, vmax=top)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04).set_label("fraction of the true class" if normalize
                                                                    else "images")
    for i in range(n):
        for j in range(n):
            text = f"{values[i, j]:.2f}" if normalize else str(matrix[i, j])
            ax.text(j, i, text, ha="center", va="center", fontsize=9 if n <= 10 else 7,
                    color="white" if values[i, j] > top / 2 else "black")
    _matrix_ticks(ax, names)
    ax.set_xlabel("Predicted class")
    ax.set_ylabel("True class")
    suffix = ", rows sum to 1" if normalize else ""
    ax.set_title(f"Confusion matrix (accuracy {100 * accuracy:.1f}%{suffix})")
    fig.tight_layout()
    return fig


def _squeezed(images):
    """``images`` as a list of arrays, a greyscale image's channel axis of 1 dropped (it is drawn 2-D)."""
    if isinstance(images, (str, bytes)) or not hasattr(images, "__iter__"):
        return images  # check_pictures says what is wrong
    arrays = [np.asarray(image) for image in images]
    return [array[..., 0] if array.ndim == 3 and array.shape[-1] == 1 else array for array in arrays]


def _no_mistakes(title: str):
    """The mistakes gallery with nothing to show: "no mistakes" under the title."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 1.5))
    ax.set_axis_off()
    ax.text(0.5, 0.5, "no mistakes", ha="center", va="center", transform=ax.transAxes)
    fig.suptitle(title)
    return fig


def show_mistakes(images, captions, *, title: str, cols: int = 5):
    """Show misclassified images in a grid, each with a small caption, under one title.

    :func:`cnnlab.evaluation.misclassified_gallery` finds the mistakes and writes the
    words ("true → predicted (p=0.87)", "3 of 50 images misclassified"); this draws them.

    Parameters
    ----------
    images : sequence of array_like
        ``(height, width)``, ``(height, width, 1)`` (both drawn in :data:`SEQUENTIAL_CMAP`,
        on each image's own range) or RGB(A) images; none at all draws "no mistakes".
    captions : sequence of str
        One per image, drawn literally at 9 points (wrapped to the column, at most three lines).
    title : str
        The figure's title.
    cols : int
        Images per row (at most as many as there are images).

    Returns
    -------
    matplotlib.figure.Figure
        One axes per image, without axis lines, titled by its caption.

    Examples
    --------
    >>> fig = show_mistakes([np.zeros((4, 4, 1))], ["7 → 1 (p=0.87)"], title="1 of 9 images misclassified")
    >>> fig.get_suptitle(), [ax.get_title() for ax in fig.axes]
    ('1 of 9 images misclassified', ['7 → 1 (p=0.87)'])
    """
    import matplotlib.pyplot as plt

    cols = check_positive_int("cols", cols)
    if not isinstance(title, str):
        raise ValueError(f"title must be a text, received title={title!r:.80}.")
    if isinstance(captions, (str, bytes)) or not hasattr(captions, "__iter__"):
        raise ValueError(f"captions must be a sequence of texts, one per image, received captions={captions!r:.80}.")
    captions, images = [str(caption) for caption in captions], _squeezed(images)
    if not captions and isinstance(images, list) and not images:
        return _no_mistakes(title)
    pictures = check_pictures("images", images)
    if len(captions) != len(pictures):
        raise ValueError(f"captions has {len(captions)} entries for {len(pictures)} images; give one per image.")
    cols = min(cols, len(pictures))
    rows = -(-len(pictures) // cols)
    fig = plt.figure(figsize=(2.0 * cols, 2.2 * rows + 0.4))
    for slot, (picture, caption) in enumerate(zip(pictures, captions)):
        ax = fig.add_subplot(rows, cols, slot + 1)
        ax.set_axis_off()
        if picture.ndim == 2:
            ax.imshow(picture, cmap=SEQUENTIAL_CMAP)
        else:
            ax.imshow(np.clip(picture, 0, 1) if picture.dtype.kind == "f" else picture)
        # 2 inches per column, at fontsize 9 rather than 10: about 2.2 inches of 10-point text
        ax.set_title(text_kwargs(caption, 2.2, math=False)["text"], parse_math=False, fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _check_curve(label: str, values) -> None:
    """A history's entry must be a list of finite-or-NaN numbers (Keras logs floats)."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__") or not all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values):
        raise ValueError(f"{label} must be a list of numbers (one per epoch), received {label}={values!r:.80}.")


def check_phases(phases) -> list[tuple[str, Mapping]]:
    """``phases`` as a list of ``(name, history)`` pairs: one Keras ``History.history`` mapping alone is one phase.

    Examples
    --------
    >>> check_phases({"loss": [1.0, 0.5]})
    [('training', {'loss': [1.0, 0.5]})]
    >>> check_phases([])
    Traceback (most recent call last):
    ...
    ValueError: phases is empty; give at least one (name, history) pair, such as [('head', history.history)].
    """
    if isinstance(phases, Mapping):
        phases = [("training", phases)]
    if isinstance(phases, (str, bytes)) or not hasattr(phases, "__iter__"):
        raise ValueError(f"phases must be a sequence of (name, history) pairs or one history dict, "
                         f"received phases={phases!r:.80}.")
    phases = list(phases)
    if not phases:
        raise ValueError("phases is empty; give at least one (name, history) pair, such as [('head', history.history)].")
    for i, phase in enumerate(phases):
        if not (isinstance(phase, (list, tuple)) and len(phase) == 2 and isinstance(phase[1], Mapping)):
            raise ValueError(f"phases[{i}] must be a (name, history) pair, history a dict such as History.history, "
                             f"received phases[{i}]={phase!r:.80}.")
        for key in (m for metric in HISTORY_METRICS for m in (metric, "val_" + metric)):
            if key in phase[1]:
                _check_curve(f"phases[{i}][1][{key!r}]", phase[1][key])
    return [(phase[0], phase[1]) for phase in phases]


def _phase_markers(axis, phases) -> None:
    """A dotted line and the phase's name (data: drawn literally, wrapped) where each phase after the first begins."""
    start = 0
    for index, (name, history) in enumerate(phases):
        if index:
            axis.axvline(start + 0.5, color="grey", linestyle=":")
            label = text_kwargs(name, 1.5, math=False)["text"]
            axis.text(start + 0.6, axis.get_ylim()[1], label, va="top", fontsize=9, color="grey", parse_math=False)
        start += len(history.get("loss", []))


def plot_history(phases):
    """Learning curves (loss and accuracy, training and validation) of successive phases, end to end.

    A dotted line marks where each phase after the first begins, with its name.

    Parameters
    ----------
    phases : sequence of (str, mapping), or mapping
        ``(name, history)`` pairs in order, each ``history`` a Keras ``History.history``
        (``{"loss": [...], "val_loss": [...], "accuracy": [...], ...}``, one value per
        epoch); one mapping alone is one phase. :func:`cnnlab.transfer.plot_phases`
        calls it with the phases of a transfer learning run.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes, "loss" and "accuracy", the epochs counted across the phases.

    Examples
    --------
    >>> fig = plot_history([("head", {"loss": [1.0, 0.8], "val_loss": [1.1, 0.9]}), ("fine-tuning", {"loss": [0.5]})])
    >>> [ax.get_title() for ax in fig.axes], [line.get_label() for line in fig.axes[0].lines][:2]
    (['loss', 'accuracy'], ['training loss', 'validation loss'])
    """
    import matplotlib.pyplot as plt

    phases = check_phases(phases)
    figure, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    for axis, metric in zip(axes, HISTORY_METRICS):
        for prefix, style in (("", "-"), ("val_", "--")):
            values = [v for _, history in phases for v in history.get(prefix + metric, [])]
            if values:
                axis.plot(range(1, len(values) + 1), values, style, marker="o", markersize=3,
                          label=("validation " if prefix else "training ") + metric)
        _phase_markers(axis, phases)
        axis.set_xlabel("epoch")
        axis.set_ylabel(metric)
        axis.set_title(metric)
        axis.legend(fontsize=8)
    figure.tight_layout()
    return figure
