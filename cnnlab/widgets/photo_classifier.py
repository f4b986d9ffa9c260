"""Classify photos, your own included, with a pretrained ImageNet network (exercise 8).

* :func:`model_view` - the square a classifier actually looks at: the photo's
  centre, cropped and resized to the network's input size, as ``uint8`` pixels.
* :func:`top_k_bars` - a top-k answer as an HTML bar chart (class names and percentages).
* :class:`PhotoClassifier` - choose or upload a photo; see what the network sees
  and its top-k classes with their probabilities.

Compute is kept apart from display: the widget calls the classifier's
``classify`` (see :mod:`cnnlab.pretrained`) and writes JPEG bytes and HTML into
existing widgets. TensorFlow is imported only when a model is loaded.
"""

from __future__ import annotations

import html

import ipywidgets as w
import numpy as np

from .._validation import check_positive_int
from ..plotting import encode_image
from ._base import WidgetBase, column, fit, label_style, named_images, picture_layout, row

__all__ = ["PhotoClassifier", "model_view", "top_k_bars"]

_BAR_WIDTH = 220  # pixels for 100%


def model_view(image, size: int) -> np.ndarray:
    """Return the ``(size, size, 3)`` ``uint8`` square a classifier of input ``size`` sees of ``image``.

    The largest centred square, resized (see
    :func:`cnnlab.preprocessing.center_crop_resize`): the sides of a wide photo
    and the top and bottom of a tall one are never seen by the network.

    Examples
    --------
    >>> wide = np.zeros((100, 300, 3), np.float32); wide[:, 100:200] = 1.0   # white centre third
    >>> view = model_view(wide, 50)
    >>> view.shape, view.dtype, int(view.min())
    ((50, 50, 3), dtype('uint8'), 255)
    """
    from ..pretrained import preprocess

    return preprocess(image, check_positive_int("size", size), mode="uint8")[0]


def top_k_bars(predictions) -> str:
    """Draw a top-k answer, ``[(class name, probability), ...]`` best first, as HTML bars.

    The first (best) class is drawn bold and darker; each bar's length is its
    probability, followed by the percentage.

    Examples
    --------
    >>> bars = top_k_bars([("macaw", 0.9), ("lorikeet", 0.1)])
    >>> bars.count("cnnlab-bar-row"), "macaw" in bars, "90.0%" in bars
    (2, True, True)
    """
    predictions = list(predictions) if not isinstance(predictions, (str, bytes)) else [predictions]
    for item in predictions:
        if not (isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[1], (int, float, np.number))
                and not isinstance(item[1], bool)):
            raise ValueError(f"predictions must be a list of (name, probability) pairs, best first, "
                             f"received {item!r:.80} in predictions={predictions!r:.80}.")
    rows = []
    for i, (name, p) in enumerate(predictions):
        p = float(p)
        colour, weight = ("#1f77b4", "bold") if i == 0 else ("#9ecae1", "normal")
        rows.append(
            f'<div class="cnnlab-bar-row" style="display:flex;align-items:center;gap:6px;font-weight:{weight}">'
            f'<span style="width:13em;text-align:right;white-space:nowrap;overflow:hidden;text-overflow:ellipsis">'
            f"{html.escape(str(name))}</span>"
            f'<span style="display:inline-block;width:{_BAR_WIDTH * p:.0f}px;height:12px;background:{colour}"></span>'
            f"<span>{100 * p:.1f}%</span></div>"
        )
    return "".join(rows)


def _default_photos() -> dict:
    from ..datasets import load_photos

    return load_photos()


class PhotoClassifier(WidgetBase):
    """Choose or upload a photo; see the square the network sees and its top-k ImageNet classes.

    Parameters
    ----------
    classifier : cnnlab.pretrained.Classifier, optional
        Any classifier from :func:`cnnlab.pretrained.load_classifier`. None loads
        ``load_classifier("auto")``: the best ImageNet model on this machine
        (Inception v3 if it is here or can be downloaded; otherwise the best model available).
    images : mapping of str to array, or array, optional
        Photos to choose from (RGB floats in [0, 1]); by default the chapter's
        sample photos and the course's photos (:func:`cnnlab.datasets.load_photos`).
        The **Upload** button adds your own.
    top : int
        How many classes to show.
    credits : mapping of str to str, optional
        The credit shown under each named photo (default: the course's,
        :data:`cnnlab.datasets.PHOTO_CREDITS`); uploads and other names get none.

    Attributes
    ----------
    predictions : list of (str, float)
        The classes on display, best first: ``classifier.classify(image, top)[0]``.
    input_array : numpy.ndarray
        The ``(size, size, 3)`` ``uint8`` square shown as "what the network sees".

    Examples
    --------
    Any :class:`~cnnlab.pretrained.Classifier` works; a toy one (the "network"
    measures how red the photo is) keeps this example free of downloads:

    >>> from cnnlab.pretrained import Classifier
    >>> def redness(batch, training=False):
    ...     red = batch[..., 0].mean(axis=(1, 2)) - batch[..., 1:].mean(axis=(1, 2, 3))
    ...     return np.stack([red, -red], axis=1)          # logits of "red", "not red"
    >>> toy = Classifier("toy", 32, ["red", "not red"], "a toy model", "unit", redness, kind="keras")
    >>> red = np.zeros((40, 60, 3)); red[..., 0] = 1.0
    >>> widget = PhotoClassifier(toy, {"red square": red}, top=2)
    >>> widget.predictions[0][0], widget.input_array.shape
    ('red', (32, 32, 3))

    With the course's models (``CNNLAB_DATA_DIR`` set, or online):

    >>> from cnnlab.pretrained import load_classifier
    >>> widget = PhotoClassifier(load_classifier("mobilenet_v2_quant"))  # doctest: +SKIP
    >>> widget.photo.value = "parrot"                                    # doctest: +SKIP
    >>> widget.predictions[0][0]                                         # doctest: +SKIP
    'macaw'
    """

    def __init__(self, classifier=None, images=None, *, top: int = 5, credits=None) -> None:
        super().__init__()
        top = check_positive_int("top", top, hint="Show at least one class, for example top=5.")
        if classifier is None:
            from ..pretrained import load_classifier

            classifier = load_classifier("auto")
        for attribute in ("classify", "input_size", "class_names", "name", "source"):
            if not hasattr(classifier, attribute):
                raise ValueError(f"classifier must be a cnnlab.pretrained.Classifier (from load_classifier), "
                                 f"received classifier={classifier!r:.80}.")
        if top > len(classifier.class_names):
            raise ValueError(f"top={top} is more than the {len(classifier.class_names)} classes of "
                             f"{classifier.name}; pass top <= {len(classifier.class_names)}.")
        self.classifier = classifier
        self.top = top
        self._images = named_images(images, _default_photos)
        for name, image in self._images.items():
            if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[-1] not in (1, 3, 4)):
                raise ValueError(f"images[{name!r}] must be an image of shape (H, W) or (H, W, 3), "
                                 f"received shape {image.shape}.")
        if credits is None:
            from ..datasets import PHOTO_CREDITS as credits
        if not hasattr(credits, "get"):
            raise ValueError(f"credits must be a mapping of photo names to credits, received credits={credits!r:.80}.")
        self.credits = dict(credits)
        self.predictions: list[tuple[str, float]] = []
        self.input_array = np.zeros((1, 1, 3), np.uint8)

        self.photo = w.Dropdown(options=list(self._images), description="Photo", style=label_style(),
                                layout=fit("330px"))
        self.upload = w.FileUpload(accept="image/*", multiple=False, description="Upload")
        size = classifier.input_size
        self.view = w.Image(format="jpeg", layout=picture_layout(f"{max(224, size)}px"))
        self.answer = w.HTML()
        self.answer.add_class("cnnlab-readout")
        self.bars = w.HTML()
        self.bars.add_class("cnnlab-photo-bars")
        self.readout = w.HTML(
            f'<span class="cnnlab-caption">Model: <b>{html.escape(str(classifier.name))}</b>, {size}×{size} input. '
            f"{html.escape(str(classifier.source))}</span>"
        )
        self.photo.observe(self._on_change, names="value")
        self.upload.observe(self._on_upload, names="value")

        self.credit = w.HTML(layout=fit(f"{max(224, size)}px"))
        picture = column([w.HTML(f"<b>What the network sees</b> (centre {size}×{size})"), self.view, self.credit])
        answer = column([w.HTML(f"<b>Top {top}</b>"), self.answer, self.bars])
        self.root = column([row([self.photo, self.upload]), row([picture, answer]), self.readout, self.error_box])
        self.refresh()

    @property
    def image(self) -> np.ndarray:
        """The photo currently selected, as given (before cropping)."""
        return self._images[self.photo.value]

    def add_photo(self, name: str, image) -> bool:
        """Add (or replace) the photo called ``name``, select it and classify it; return ``refresh()``'s result."""
        name = str(name)
        array = np.asarray(image, dtype=np.float32)
        model_view(array, 8)  # validates the shape and values before the photo joins the list
        self._images[name] = array
        if name not in self.photo.options:
            with self.quiet():
                self.photo.options = list(self._images)
        if self.photo.value != name:
            self.photo.value = name  # the observer classifies
            return self.last_error is None
        return self.refresh()

    def _on_upload(self, change) -> None:
        from ..datasets import load_image

        uploads = change["new"]
        if not uploads:
            return
        item = uploads[0]
        try:
            image = load_image(item, max_size=1024)
        except Exception as error:  # noqa: BLE001 - shown in the widget; the previous photo stays
            self.show_error(error)
            return
        self.add_photo(f"upload: {item.get('name', 'photo')}", image)

    def _update(self) -> None:
        image = self.image
        predictions = self.classifier.classify(image, top=self.top)[0]
        square = model_view(image, self.classifier.input_size)
        self.view.value = encode_image(square, "jpeg")
        self.input_array, self.predictions = square, predictions
        best, p = predictions[0]
        self.answer.value = f"The network says <b>{html.escape(best)}</b> ({100 * p:.1f}%)."
        self.bars.value = top_k_bars(predictions)
        credit = self.credits.get(self.photo.value)
        self.credit.value = f'<span class="cnnlab-caption">Photo: {html.escape(credit)}</span>' if credit else ""

    def __repr__(self) -> str:
        return f"<PhotoClassifier widget: {self.classifier.name} on {self.photo.value!r}>"
