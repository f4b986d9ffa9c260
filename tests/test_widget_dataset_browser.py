"""DatasetBrowser driven through its controls, as a learner would, without a browser."""

import io

import numpy as np
import pytest
from PIL import Image

from cnnlab.widgets import DatasetBrowser


def shown(browser) -> np.ndarray:
    pixels = np.asarray(Image.open(io.BytesIO(browser.image.value)))
    return pixels[:: browser.scale, :: browser.scale]  # undo the pixel enlargement


@pytest.fixture
def browser():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (6, 5, 4), dtype=np.uint8)
    labels = np.array([2, 0, 2, 1, 2, 0])
    return DatasetBrowser(images, labels, ["zero", "one", "two"], scale=3)


def test_starts_on_the_first_image(browser):
    np.testing.assert_array_equal(shown(browser), browser.images[0])
    assert "label <b>2: two</b>" in browser.caption.value


def test_moving_the_slider_shows_that_image(browser):
    browser.slider.value = 4
    assert browser.index == 4
    np.testing.assert_array_equal(shown(browser), browser.images[4])
    assert "image #4 of 6" in browser.caption.value


def test_class_filter_restricts_the_slider_to_that_class(browser):
    browser.class_filter.value = 0
    assert browser.slider.max == 1 and browser.slider.value == 0
    assert browser.index == 1
    browser.slider.value = 1
    assert browser.index == 5
    np.testing.assert_array_equal(shown(browser), browser.images[5])
    assert "2 images in this selection" in browser.caption.value
    browser.class_filter.value = -1
    assert browser.class_filter.label == "all classes"
    assert browser.slider.max == 5 and browser.index == 0


def test_all_classes_is_a_real_selection_so_the_dropdown_shows_it(browser):
    assert browser.class_filter.value == -1 and browser.class_filter.index == 0
    assert browser.class_filter.label == "all classes"


def test_float_rgb_images_are_shown_in_unit_range():
    images = np.zeros((2, 3, 3, 3), np.float32)
    images[1] = 1.0
    browser = DatasetBrowser(images, np.array([0, 1]), scale=1)
    browser.slider.value = 1
    np.testing.assert_array_equal(shown(browser), np.full((3, 3, 3), 255))


def test_an_error_during_an_update_is_shown_in_the_widget_and_it_recovers(browser, monkeypatch):
    import cnnlab.widgets.dataset_browser as module

    before = browser.image.value
    monkeypatch.setattr(module, "encode_image", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("disk on fire")))
    browser.slider.value = 3
    assert isinstance(browser.last_error, RuntimeError)
    assert "RuntimeError" in browser.error_box.value and "disk on fire" in browser.error_box.value
    assert browser.error_box.layout.display is None      # visible
    assert browser.image.value == before                  # the last good picture stays
    monkeypatch.undo()
    browser.slider.value = 2
    assert browser.last_error is None and browser.error_box.layout.display == "none"
    np.testing.assert_array_equal(shown(browser), browser.images[2])


def test_displays_as_a_widget_with_a_short_text_form(browser):
    bundle = browser._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == "<DatasetBrowser widget>"


@pytest.mark.parametrize("images, labels, names, message", [
    (np.zeros((0, 2, 2)), np.zeros(0), None, r"images must have shape .* received shape \(0, 2, 2\)"),
    (np.zeros((2, 2)), np.zeros(2), None, r"received shape \(2, 2\)"),
    (np.zeros((2, 2, 2)), np.zeros(3), None, r"labels must have shape \(2,\) to match images, received shape \(3,\)"),
    (np.zeros((2, 2, 2)), np.array([0, 3]), ["a", "b"], r"class_names has 2 names but labels go up to 3"),
])
def test_bad_arguments_are_refused(images, labels, names, message):
    with pytest.raises(ValueError, match=message):
        DatasetBrowser(images, labels, names)


def test_the_displayed_box_carries_css_hooks_for_browser_tests(browser):
    browser._repr_mimebundle_()
    assert {"cnnlab-widget", "cnnlab-dataset-browser"} <= set(browser.root._dom_classes)
    assert "cnnlab-error" in browser.error_box._dom_classes


def test_float_images_show_their_range_without_rounding_noise():
    images = np.zeros((1, 4, 4), np.float32)
    images[0, 0, 0], images[0, 1, 1] = 3e-9, 0.5  # 3e-09 is float noise next to 0.5
    browser = DatasetBrowser(images, np.array([0]))
    assert "values 0–0.5" in browser.caption.value
