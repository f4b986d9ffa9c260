"""PhotoClassifier: choose or upload a photo, see what the network sees and its top-k classes."""

from __future__ import annotations

import datetime
import io

import numpy as np
import pytest
from PIL import Image

from cnnlab import datasets, pretrained
from cnnlab.widgets import PhotoClassifier
from cnnlab.widgets.photo_classifier import model_view, top_k_bars

pytestmark = pytest.mark.tensorflow


@pytest.fixture(scope="module")
def classifier(data_dir):
    return pretrained.load_classifier("mobilenet_v2_quant")


@pytest.fixture(scope="module")
def photos(data_dir):
    return {name: datasets.load_image(data_dir / "images" / f) for name, f in
            (("parrot", "parrot.jpg"), ("cat", "cat.bmp"), ("dragonfly", "dragonfly.bmp"))}


@pytest.fixture
def widget(classifier, photos):
    return PhotoClassifier(classifier, photos, top=3)


def upload_value(name: str, data: bytes, kind: str = "image/png"):
    """A FileUpload value as ipywidgets 8 sets it: a tuple of dicts with a memoryview content."""
    return ({"name": name, "type": kind, "size": len(data), "content": memoryview(data),
             "last_modified": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)},)


def png_bytes(pixels) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_parrot_is_a_macaw(widget):
    assert widget.photo.value == "parrot"
    name, probability = widget.predictions[0]
    assert name == "macaw" and probability > 0.9
    assert "macaw" in widget.answer.value and "macaw" in widget.bars.value


def test_choosing_a_photo_updates_the_picture_and_the_bars(widget, classifier, photos):
    picture, bars = widget.view.value, widget.bars.value
    widget.photo.value = "dragonfly"
    assert widget.view.value != picture and widget.bars.value != bars
    assert widget.predictions == classifier.classify(photos["dragonfly"], 3)[0]
    assert widget.bars.value == top_k_bars(widget.predictions)
    assert widget.bars.value.count("cnnlab-bar-row") == 3
    np.testing.assert_array_equal(widget.input_array, model_view(photos["dragonfly"], 224))
    assert widget.input_array.shape == (224, 224, 3) and widget.view.value[:2] == b"\xff\xd8"  # a JPEG
    assert widget.last_error is None


def test_uploading_a_photo_adds_selects_and_classifies_it(widget, classifier, data_dir):
    data = (data_dir / "images" / "owl.jpg").read_bytes()
    widget.upload.value = upload_value("owl.jpg", data, "image/jpeg")
    assert widget.photo.value == "upload: owl.jpg" and "upload: owl.jpg" in widget.photo.options
    assert widget.last_error is None
    expected = classifier.classify(datasets.load_image(data, max_size=1024), 3)[0]
    assert widget.predictions == expected


def test_uploading_a_png_of_your_own(widget, classifier):
    pixels = np.zeros((60, 90, 3), np.uint8)
    pixels[:, 45:] = 255
    widget.upload.value = upload_value("half.png", png_bytes(pixels))
    assert widget.photo.value == "upload: half.png"
    assert widget.predictions == classifier.classify(pixels, 3)[0]
    np.testing.assert_array_equal(widget.input_array, model_view(pixels, 224))


def test_a_non_image_upload_is_shown_in_the_widget_which_keeps_its_picture(widget):
    picture, predictions, options = widget.view.value, widget.predictions, widget.photo.options
    widget.upload.value = upload_value("notes.txt", b"this is not an image", "text/plain")
    assert isinstance(widget.last_error, ValueError)
    assert "is not an image file" in widget.error_box.value and widget.error_box.layout.display is None
    assert widget.view.value == picture and widget.predictions == predictions
    assert widget.photo.options == options and widget.photo.value == "parrot"
    widget.photo.value = "cat"  # keeps working, and the error goes away
    assert widget.last_error is None and widget.error_box.layout.display == "none"


def test_the_readout_names_the_model_and_its_source(widget, classifier):
    assert classifier.name in widget.readout.value and "the offline data folder" in widget.readout.value
    assert repr(widget) == "<PhotoClassifier widget: mobilenet_v2_quant on 'parrot'>"


def test_bad_arguments_name_the_argument(classifier, photos):
    with pytest.raises(ValueError, match="top must be a positive integer, received top=0"):
        PhotoClassifier(classifier, photos, top=0)
    with pytest.raises(ValueError, match="top=1001 is more than the 1000 classes"):
        PhotoClassifier(classifier, photos, top=1001)
    with pytest.raises(ValueError, match="classifier must be a cnnlab.pretrained.Classifier"):
        PhotoClassifier("inception", photos)
    with pytest.raises(ValueError, match="images is empty"):
        PhotoClassifier(classifier, {})
    with pytest.raises(ValueError, match=r"images\['flat'\] must be an image"):
        PhotoClassifier(classifier, {"flat": np.zeros(5)})


def test_default_photos_are_the_samples_and_the_mirrors(classifier):
    widget = PhotoClassifier(classifier)
    options = list(widget.photo.options)
    assert options[:2] == ["temple", "flower"] and set(datasets.MIRROR_PHOTOS) <= set(options)


def test_without_the_mirror_the_default_photos_are_the_samples(classifier, monkeypatch):
    monkeypatch.delenv("CNNLAB_DATA_DIR")
    assert list(datasets.load_photos()) == ["temple", "flower"]
    assert list(PhotoClassifier(classifier, top=1).photo.options) == ["temple", "flower"]


def test_model_view_is_the_centre_square(data_dir):
    tall = np.zeros((300, 100, 3), np.float32)
    tall[100:200] = 1.0
    assert model_view(tall, 100).min() == 255
    with pytest.raises(ValueError, match="size must be a positive integer"):
        model_view(tall, 0)


def test_a_course_photo_is_credited_under_the_picture_and_an_upload_is_not(classifier):
    from cnnlab import datasets, widgets

    widget = widgets.PhotoClassifier(classifier, datasets.load_photos(max_size=96), top=3)
    widget.photo.value = "parrot"
    assert widget.credit.value == ('<span class="cnnlab-caption">Photo: Open Images (CC BY 2.0), '
                                   "via Coral&#x27;s test data</span>")
    widget.photo.value = "temple"
    assert "danielbuechele on Flickr (CC BY 2.0)" in widget.credit.value
    widget.add_photo("upload: mine.jpg", datasets.load_photos(max_size=96)["owl"])
    assert widget.credit.value == ""
