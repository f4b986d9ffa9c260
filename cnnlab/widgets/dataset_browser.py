"""Browse a labelled image data set: an image is a grid of numbers with a label."""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as w
import numpy as np

from .._validation import check_memory, check_positive_int
from ..plotting import encode_image
from ._base import WidgetBase, column, fit, label_style, picture_layout, readable, row

__all__ = ["DatasetBrowser", "class_indices"]


ALL = -1  # the class filter's value for "all classes" (a Dropdown shows None as no selection)


def class_indices(labels, label: int | None) -> np.ndarray:
    """Return the positions of ``label`` in ``labels`` (all positions if ``label`` is None or negative).

    Examples
    --------
    >>> class_indices(np.array([3, 1, 3, 0]), 3)
    array([0, 2])
    >>> class_indices(np.array([3, 1]), None)
    array([0, 1])
    """
    if label is not None and (isinstance(label, bool) or not isinstance(label, (int, np.integer))):
        raise ValueError(f"label must be an integer class label or None, received label={label!r:.80}.")
    labels = np.asarray(labels)
    if label is None or label < 0:
        return np.arange(len(labels))
    return np.flatnonzero(labels == label)


class DatasetBrowser(WidgetBase):
    """Slide through a data set's images, optionally one class at a time.

    Parameters
    ----------
    images : array_like
        ``(n, height, width)`` greyscale or ``(n, height, width, 3)`` RGB
        images, ``uint8`` or floats in [0, 1].
    labels : array_like
        ``(n,)`` integer class labels.
    class_names : sequence of str, optional
        Name of each class (default: the label numbers).
    scale : int
        Each pixel is drawn as a ``scale``×``scale`` square.
    title : str
        Shown above the image.

    Attributes
    ----------
    index : int
        Position, in the whole data set, of the image on display.
    output_array : numpy.ndarray
        The image on display, as given.

    Examples
    --------
    >>> images = np.zeros((3, 28, 28), np.uint8); labels = np.array([5, 0, 5])
    >>> browser = DatasetBrowser(images, labels)
    >>> browser.class_filter.value = 5
    >>> browser.slider.value = 1
    >>> browser.index
    2
    """

    def __init__(self, images, labels, class_names: Sequence[str] | None = None, *,
                 scale: int = 8, title: str = "Data set") -> None:
        super().__init__()
        images = np.asarray(images)
        labels = np.asarray(labels)
        if images.ndim not in (3, 4) or len(images) == 0 or (images.ndim == 4 and images.shape[-1] != 3):
            raise ValueError(
                f"images must have shape (n, height, width) or (n, height, width, 3) with n >= 1, "
                f"received shape {images.shape}."
            )
        if labels.shape != (len(images),):
            raise ValueError(
                f"labels must have shape ({len(images)},) to match images, received shape {labels.shape}."
            )
        if labels.dtype.kind not in "iuf":
            raise ValueError(f"labels must be integers >= 0 (class numbers), received dtype {labels.dtype}.")
        bad = np.flatnonzero(~np.isfinite(labels) | (labels < 0) | (labels != np.round(labels))) \
            if labels.dtype.kind == "f" else np.flatnonzero(labels < 0)
        if bad.size:
            raise ValueError(f"labels must be integers >= 0 (class numbers), received labels[{bad[0]}] = "
                             f"{labels[bad[0]].item()!r}.")
        scale = check_positive_int("scale", scale)
        height, width = images.shape[1:3]
        check_memory(f"scale={scale} on images of {height}×{width} pixels", height * width * scale**2 * 3,
                     fix="Use a smaller scale.")
        classes = sorted(int(c) for c in np.unique(labels))
        if class_names is None:
            class_names = [str(c) for c in range(max(classes) + 1)]
        if len(class_names) <= max(classes):
            raise ValueError(
                f"class_names has {len(class_names)} names but labels go up to {max(classes)}; "
                "give one name per class."
            )
        self.images, self.labels, self.class_names = images, labels, list(class_names)
        self.scale, self.title = scale, title
        self.index = 0
        self.output_array = images[0]

        self.class_filter = w.Dropdown(
            options=[("all classes", ALL)] + [(f"{c}: {self.class_names[c]}", c) for c in classes],
            value=ALL, description="Show", style=label_style(), layout=fit("330px"),
        )
        self.slider = w.IntSlider(value=0, min=0, max=len(images) - 1, description="Image", style=label_style(),
                                  continuous_update=True, layout=fit("420px"))
        # Shown at its size (scale × the data set's pixels), narrower in a narrow column, never stretched.
        self.image = w.Image(format="png", layout=picture_layout(f"{width * scale}px"))
        self.caption = w.HTML()
        self.class_filter.observe(self._on_filter, names="value")
        self.slider.observe(self._on_change, names="value")
        self.root = column([
            w.HTML(f'<span class="cnnlab-title">{html.escape(str(title))}</span>'),
            column([self.class_filter, self.slider]),
            row([self.image, self.caption]),
            self.error_box,
        ])
        self.refresh()

    def _positions(self) -> np.ndarray:
        return class_indices(self.labels, self.class_filter.value)

    def _on_filter(self, _change) -> None:
        with self.quiet():  # a new class starts at its first image; _update fits the slider to the class
            self.slider.value = 0
        self.refresh()

    def _update(self) -> None:
        positions = self._positions()
        with self.quiet():  # the slider spans the selection (a shorter one clamps its value)
            self.slider.max = max(len(positions) - 1, 0)
        index = int(positions[min(self.slider.value, len(positions) - 1)])
        array = self.images[index]
        vmax = 255 if array.dtype == np.uint8 else 1.0
        picture = encode_image(array, "png", vmin=0, vmax=vmax, scale=self.scale)
        label = int(self.labels[index])
        shape = "×".join(map(str, array.shape))
        low, high = array.min(), array.max()
        values = (f"{low}–{high}" if array.dtype.kind in "iu" else
                  f"{readable(low, vmax)}–{readable(high, vmax)}")
        caption = (
            f"<div class='cnnlab-readout'>image #{index:,} of {len(self.images):,}<br>"
            f"label <b>{label}: {html.escape(str(self.class_names[label]))}</b><br>"
            f"{shape} pixels, values {values}<br>"
            f"{len(positions):,} images in this selection</div>"
        )
        self.image.value, self.caption.value = picture, caption
        self.index, self.output_array = index, array
