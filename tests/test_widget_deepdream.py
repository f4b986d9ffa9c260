"""The DeepDream explorer: controls set up a dream, the button runs it, errors show in the widget."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from cnnlab import deepdream  # noqa: E402
from cnnlab.widgets import DeepDreamExplorer  # noqa: E402


@pytest.fixture(scope="module")
def net():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((None, None, 3)),
                             keras.layers.Conv2D(6, 3, activation="relu", name="low"),
                             keras.layers.Conv2D(6, 5, activation="relu", name="high")], name="net")


@pytest.fixture
def image():
    return np.random.default_rng(0).random((40, 56, 3)).astype(np.float32)


def test_controls_do_not_dream_until_the_button_is_pressed(net, image):
    explorer = DeepDreamExplorer(net, image)
    before = explorer.after.value
    explorer.steps.value, explorer.octaves.value, explorer.layer.value = 3, 1, "low"
    assert explorer.dreamed is None and explorer.after.value == before


def test_dream_uses_the_controls_values(net, image):
    explorer = DeepDreamExplorer(net, image)
    explorer.layer.value, explorer.steps.value, explorer.octaves.value = "high", 4, 2
    explorer.step_size.value = 0.02
    original = explorer.after.value
    explorer.dream_button.click()
    expected, losses = deepdream.deepdream(net, image, "high", steps=4, step_size=explorer.step_size.value,
                                           octaves=2)
    np.testing.assert_array_equal(explorer.dreamed, expected)
    assert explorer.losses == losses and len(losses) == 8
    assert explorer.after.value != original and explorer.before.value == original
    assert "high: loss" in explorer.readout.value and "8 steps" in explorer.readout.value
    assert explorer.last_error is None and not explorer.dream_button.disabled


def test_an_error_during_the_dream_shows_in_the_widget(net):
    explorer = DeepDreamExplorer(net, np.full((4, 4, 3), 0.5, np.float32), octaves=1)
    explorer.layer.value = "high"
    explorer.dream_button.click()  # a 4×4 photo is too small for two VALID 3×3 convolutions
    assert explorer.last_error is not None and explorer.error_box.layout.display is None
    assert "too small for these layers" in explorer.error_box.value
    assert not explorer.dream_button.disabled  # the learner can change the controls and try again
    explorer.layer.value = "low"
    explorer.dream_button.click()
    assert explorer.last_error is None and explorer.dreamed.shape == (4, 4, 3)


def test_set_image_clears_the_last_dream(net, image):
    explorer = DeepDreamExplorer(net, image, steps=1, octaves=1)
    explorer.dream_button.click()
    explorer.set_image(image[:20])
    assert explorer.dreamed is None and explorer.losses == []


@pytest.mark.parametrize("kwargs, message", [
    (dict(layers=[]), "layers is empty"),
    (dict(layer="nope"), "layer must be one of the layers offered, received layer='nope'"),
    (dict(steps=0), "steps must be a positive integer, received steps=0"),
    (dict(image=np.zeros((4, 4))), "image must have shape (height, width, 3)"),
])
def test_bad_arguments(net, image, kwargs, message):
    arguments = dict(image=image) | kwargs
    with pytest.raises(ValueError) as error:
        DeepDreamExplorer(net, arguments.pop("image"), **arguments)
    assert message in str(error.value)
