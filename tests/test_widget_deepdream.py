"""The DeepDream explorer: controls set up a dream, the button runs it, errors show in the widget."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from cnnlab import deepdream  # noqa: E402
from cnnlab.widgets import DeepDreamExplorer  # noqa: E402
from cnnlab.widgets.deepdream_explorer import FAINT, change_limit, change_summary, dream_change  # noqa: E402


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


def test_moving_a_control_says_what_the_next_dream_will_do(net, image):
    """Every control changes something visible: the readout names the next dream and asks for Dream."""
    explorer = DeepDreamExplorer(net, image, layer="high", steps=3, octaves=1)
    first = explorer.readout.value
    explorer.layer.value = "low"
    assert explorer.readout.value != first and "Next dream: low, 3 steps" in explorer.readout.value
    explorer.steps.value = 2
    assert "low, 2 steps" in explorer.readout.value and "at 1 octave." in explorer.readout.value
    explorer.octaves.value = 2
    assert "at 2 octaves" in explorer.readout.value and "Press Dream" in explorer.readout.value
    assert explorer.dreamed is None and explorer.last_error is None


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
    assert explorer.change_box.layout.display is None
    explorer.set_image(image[:20])
    assert explorer.dreamed is None and explorer.losses == [] and explorer.change is None
    assert explorer.change_box.layout.display == "none" and explorer.change_view.value  # hidden, never empty


def _text(html_value: str) -> str:
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", html_value))


def test_a_short_dream_shows_its_change_magnified_and_says_it_is_faint(net, image):
    explorer = DeepDreamExplorer(net, image, steps=1, step_size=0.001, octaves=1)
    assert explorer.change_box.layout.display == "none"  # nothing to show before a dream
    blank = explorer.change_view.value
    explorer.dream_button.click()
    np.testing.assert_allclose(explorer.change, dream_change(image, explorer.dreamed))
    assert explorer.faint and np.abs(explorer.dreamed - image).mean() < FAINT
    assert explorer.change_box.layout.display is None and explorer.change_view.value != blank
    text = _text(explorer.readout.value)
    assert "1 step changes the photo too little to see in “after”" in text and "try 20 steps or more" in text
    limit = change_limit(explorer.change)
    assert 0 < limit <= np.abs(explorer.change).max()
    assert f"blue: darker by {limit:.3g} or more" in _text(explorer.change_caption.value)
    # Magnified: the largest change reaches the colour map's dark end although no pixel moved by 1%.
    import io

    from PIL import Image

    shown = np.asarray(Image.open(io.BytesIO(explorer.change_view.value)).convert("RGB"))
    assert np.abs(explorer.dreamed - image).max() < 0.01 and shown.min() < 128


def test_a_strong_dream_is_not_called_faint(net, image):
    explorer = DeepDreamExplorer(net, image, steps=20, step_size=0.3, octaves=1)
    explorer.dream_button.click()
    assert explorer.faint is False and np.abs(explorer.dreamed - image).mean() >= FAINT
    assert "too little" not in _text(explorer.readout.value) and "Pixels moved by" in _text(explorer.readout.value)


def test_the_notebooks_quick_dream_is_called_faint(data_dir):
    """Notebook 10 in quick mode: MobileNet 0.25, the 128-pixel owl, 3 steps, 1 octave (no visible change); then 20."""
    from cnnlab import datasets

    base = deepdream.dream_base("mobilenet_025")
    owl = datasets.load_photos(max_size=128)["owl"]
    layers = deepdream.DREAM_LAYERS[base.name]
    explorer = DeepDreamExplorer(base, owl, layers, layer=layers[len(layers) // 2], steps=3, octaves=1)
    explorer.dream_button.click()
    assert explorer.last_error is None and explorer.faint
    assert "3 steps change the photo too little to see" in _text(explorer.readout.value)
    assert "try 20 steps or more" in _text(explorer.readout.value)
    explorer.steps.value = 20  # the advice holds: 20 steps make a change that is not faint
    explorer.dream_button.click()
    assert explorer.last_error is None and explorer.faint is False


@pytest.mark.parametrize("moved, steps, faint, advice", [
    (0.004, 3, True, "try 20 steps or more"),
    (0.004, 40, True, "try a larger step size"),
    (0.05, 3, False, None),
])
def test_change_summary(moved, steps, faint, advice):
    before = np.full((4, 4, 3), 0.5, np.float32)
    text, is_faint = change_summary(before, before + moved, steps)
    assert is_faint is faint and f"{100 * moved:.1f}% of their range" in text
    assert (advice in text) if advice else text.endswith(".")
    with pytest.raises(ValueError, match="before and after must be images of one shape"):
        dream_change(before, before[:2])


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
