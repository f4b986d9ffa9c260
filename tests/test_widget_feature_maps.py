"""FeatureMapViewer driven through its dropdowns; its arrays checked against a Keras sub-model."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.tensorflow

import keras  # noqa: E402 - after the marker, like the other TensorFlow tests

from cnnlab import plotting  # noqa: E402
from cnnlab.widgets import FeatureMapViewer  # noqa: E402
from cnnlab.widgets._base import readable  # noqa: E402
from cnnlab.widgets import feature_maps as fm  # noqa: E402


def decoded(image_widget) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(image_widget.value)))


@pytest.fixture(scope="module")
def model():
    """A tiny LeNet-like model on 12×12 greyscale images, with a dense head that is not offered."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((12, 12, 1), name="input")
    x = keras.layers.Conv2D(4, 3, activation="tanh", name="C1")(inputs)
    x = keras.layers.MaxPooling2D(2, name="S2")(x)
    x = keras.layers.Conv2D(6, 3, name="C3")(x)
    x = keras.layers.Activation("relu", name="relu3")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    outputs = keras.layers.Dense(3, activation="softmax", name="out")(x)
    return keras.Model(inputs, outputs, name="tiny")


@pytest.fixture(scope="module")
def digits():
    rng = np.random.default_rng(0)
    return {"first": rng.random((12, 12)).astype(np.float32),
            "second": (rng.random((12, 12)) * 255).astype(np.uint8)}


def reference(model, image, layer):
    sub = keras.Model(model.inputs, model.get_layer(layer).output)
    return np.asarray(sub([image[None]]))[0]


def test_only_feature_map_layers_are_offered(model, digits):
    viewer = FeatureMapViewer(model, digits["first"])
    assert list(viewer.layer_choice.options) == ["C1", "S2", "C3", "relu3"]
    assert fm.feature_map_layers(model) == ["C1", "S2", "C3", "relu3"]
    assert viewer.image_choice.layout.display == "none"  # one image: no chooser
    assert viewer.css_class == "cnnlab-feature-map-viewer"


def test_grid_equals_a_keras_sub_model(model, digits):
    viewer = FeatureMapViewer(model, digits["first"])
    expected = reference(model, digits["first"][..., None], "C1")
    np.testing.assert_allclose(viewer.output_array, expected, atol=1e-6)
    np.testing.assert_allclose(viewer.grid_array, fm.feature_grid(expected, pad_value=np.nan, normalize=False),
                               atol=1e-6)
    assert viewer.readout.value == "layer C1: 4 maps of 10×10"


def test_changing_the_layer_updates_image_and_readout(model, digits):
    viewer = FeatureMapViewer(model, digits["first"])
    before, input_before = viewer.output_view.value, viewer.input_view.value
    viewer.layer_choice.value = "C3"
    assert viewer.output_view.value != before and viewer.input_view.value == input_before
    assert viewer.readout.value == "layer C3: 6 maps of 3×3"
    expected = reference(model, digits["first"][..., None], "C3")
    np.testing.assert_allclose(viewer.output_array, expected, atol=1e-6)
    np.testing.assert_allclose(viewer.grid_array, fm.feature_grid(expected, pad_value=np.nan, normalize=False),
                               atol=1e-6)
    shown = decoded(viewer.output_view)
    scale = shown.shape[1] // viewer.grid_array.shape[1]
    assert shown.shape[:2] == (viewer.grid_array.shape[0] * scale, viewer.grid_array.shape[1] * scale)


def test_an_image_mapping_gives_an_image_dropdown_and_uint8_is_scaled(model, digits):
    viewer = FeatureMapViewer(model, digits, layers=["S2", "relu3"])
    assert list(viewer.layer_choice.options) == ["S2", "relu3"]
    assert list(viewer.image_choice.options) == ["first", "second"] and viewer.image_choice.layout.display is None
    before, input_before = viewer.output_view.value, viewer.input_view.value
    viewer.image_choice.value = "second"
    assert viewer.output_view.value != before and viewer.input_view.value != input_before
    scaled = digits["second"].astype(np.float32)[..., None] / 255
    np.testing.assert_allclose(viewer.image, scaled)
    np.testing.assert_allclose(viewer.output_array, reference(model, scaled, "S2"), atol=1e-6)


def test_an_error_during_an_update_is_shown_and_the_widget_recovers(model, digits, monkeypatch):
    viewer = FeatureMapViewer(model, digits["first"])
    shown = viewer.output_view.value

    def broken(*_args, **_kwargs):
        raise RuntimeError("activation exploded")

    monkeypatch.setattr(fm, "feature_maps", broken)
    viewer.layer_choice.value = "S2"
    assert isinstance(viewer.last_error, RuntimeError)
    assert "activation exploded" in viewer.error_box.value and viewer.error_box.layout.display is None
    assert viewer.output_view.value == shown  # the last good picture stays
    monkeypatch.undo()
    viewer.layer_choice.value = "C3"
    assert viewer.last_error is None and viewer.error_box.layout.display == "none"
    assert viewer.readout.value.startswith("layer C3")


def test_bad_arguments_name_themselves(model, digits):
    with pytest.raises(ValueError, match=r"layers must name layers with 4-D output.*received 'out'"):
        FeatureMapViewer(model, digits["first"], layers=["C1", "out"])
    with pytest.raises(ValueError, match=r"received 'nope' in layers="):
        FeatureMapViewer(model, digits["first"], layers=["nope"])
    with pytest.raises(ValueError, match=r"image must have shape \(height, width\) or \(height, width, channels\), "
                                         r"received shape \(12,\)"):
        FeatureMapViewer(model, np.zeros(12))
    with pytest.raises(ValueError, match=r"image\['bad'\] has 3 channel\(s\)"):
        FeatureMapViewer(model, {"ok": digits["first"], "bad": np.zeros((12, 12, 3))})
    with pytest.raises(ValueError, match="image is empty"):
        FeatureMapViewer(model, {})
    with pytest.raises(ValueError, match=r"layer_name='out' outputs shape \(None, 3\), not feature maps"):
        fm.feature_maps(model, digits["first"], "out")
    with pytest.raises(ValueError, match=r"layer_name must be one of 'C1'.* received layer_name='C9'"):
        fm.feature_maps(model, digits["first"], "C9")


def test_lenet5_readout_names_the_chapters_layer():
    from cnnlab.models import lenet5

    net = lenet5(faithful=False)
    viewer = FeatureMapViewer(net, np.zeros((28, 28), np.uint8), layers=["C1", "S2"])
    assert viewer.readout.value == "layer C1: 6 maps of 28×28"
    viewer.layer_choice.value = "S2"
    assert viewer.readout.value == "layer S2: 6 maps of 14×14"


def test_feature_grid_layout():
    maps = np.arange(2 * 3 * 5, dtype=np.float32).reshape(2, 3, 5)
    grid = fm.feature_grid(maps, columns=2, pad=1)
    assert grid.shape == (3 * 2 + 2, 2 * 3 + 1)
    np.testing.assert_array_equal(grid[2, :], 1.0)            # padding line between rows
    np.testing.assert_array_equal(grid[6:, 4:], 1.0)          # the empty last tile
    assert grid[:2, :3].min() == 0.0 and grid[:2, :3].max() == 1.0  # each map to its own range
    assert fm.feature_grid(maps).shape == (2 * 2 + 1, 3 * 3 + 2)  # 5 maps: 3 columns, 2 rows
    with pytest.raises(ValueError, match=r"maps must have shape \(height, width, channels\), received shape \(4, 4\)"):
        fm.feature_grid(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="columns must be a positive integer, received columns=0"):
        fm.feature_grid(maps, columns=0)


def test_show_filters_draws_one_axes_per_kernel(model):
    import matplotlib.pyplot as plt

    fig = fm.show_filters(model, "C3", columns=4)
    kernels, bar = fig.axes[:-1], fig.axes[-1]
    assert len(kernels) == 6 and fig._suptitle.get_text() == "C3: 6 learned 3×3 kernels (input channel 0)"
    assert all(not ax.axison for ax in kernels)
    assert bar.get_xlabel() == "weight (one scale for all kernels)"        # issue 18: a colour bar
    assert bar.get_xlim() == kernels[0].images[0].get_clim()
    image = fig.axes[0].images[0]
    low, high = image.get_clim()
    assert low == -high and image.get_cmap().name == fm.DIVERGING_CMAP
    plt.close(fig)
    fig = fm.show_filters(model, "C3", max_filters=4)
    assert len(fig.axes) == 5 and fig._suptitle.get_text().startswith("C3: 4 of 6 learned")
    plt.close(fig)
    with pytest.raises(ValueError, match=r"layer_name='S2' has no 4-D convolution kernel; choose one of 'C1', 'C3'"):
        fm.show_filters(model, "S2")
    with pytest.raises(ValueError, match=r"layer_name must be one of .* received layer_name='zz'"):
        fm.show_filters(model, "zz")


def test_show_filters_in_colour_for_rgb_input():
    import matplotlib.pyplot as plt

    inputs = keras.Input((8, 8, 3))
    rgb = keras.Model(inputs, keras.layers.Conv2D(5, 3, name="conv")(inputs))
    fig = fm.show_filters(rgb, "conv")
    assert len(fig.axes) == 5 and fig._suptitle.get_text() == "conv: 5 learned 3×3 kernels (RGB)"
    assert fig.axes[0].images[0].get_array().shape == (3, 3, 3)
    assert fig.get_supxlabel().startswith("grey: weight 0")     # a value legend instead of a colour bar
    plt.close(fig)


def test_show_filters_finds_the_kernel_and_plotting_draws_it(model):
    """The face hands the layer's weights to plotting.show_filters: the very same picture."""
    import io

    import matplotlib.pyplot as plt

    def png(fig):
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        plt.close(fig)
        return buffer.getvalue()

    kernel = model.get_layer("C3").get_weights()[0]
    assert png(fm.show_filters(model, "C3", 4, max_filters=5)) == png(
        plotting.show_filters(kernel, 4, max_filters=5, name="C3"))


def test_the_maps_of_a_layer_share_one_scale_with_a_colour_bar(model, digits):
    """Issue 18: each map was scaled to its own range, with no colour scale: a weak map looked as strong."""
    viewer = FeatureMapViewer(model, digits["first"])      # C1: tanh, signed
    maps = viewer.output_array
    cmap, low, high = viewer.scale
    assert (cmap, low, high) == plotting.value_scale(maps) and cmap == plotting.DIVERGING_CMAP and low == -high
    labels = re.findall(r">([^<>]+)</span>", viewer.bar_labels.value)
    assert labels == [readable(low, high), "0", readable(high, high)]
    assert "one scale for all 4 maps of the layer" in viewer.bar_labels.value
    shown = decoded(viewer.output_view)
    zoom = shown.shape[1] // viewer.grid_array.shape[1]
    assert shown.shape[-1] == 4 and zoom >= 2                                 # RGBA, enlarged
    tiles = shown[::zoom, ::zoom]
    assert (tiles[np.isnan(viewer.grid_array)][:, 3] == 0).all()              # transparent between the tiles
    assert (tiles[~np.isnan(viewer.grid_array)][:, 3] == 255).all()

    def tile(index):  # 4 maps of 10×10: two columns of tiles, one pixel apart
        row, col = divmod(index, 2)
        return tiles[row * 11 : row * 11 + 10, col * 11 : col * 11 + 10, :3].astype(float)

    strength = np.abs(maps).max(axis=(0, 1))
    weakest, strongest = tile(int(np.argmin(strength))), tile(int(np.argmax(strength)))
    assert np.abs(255 - weakest).mean() < np.abs(255 - strongest).mean()      # weaker: closer to white


def test_each_map_its_own_scale_is_a_choice_and_says_so(model, digits):
    viewer = FeatureMapViewer(model, digits["first"])
    viewer.layer_choice.value = "relu3"                     # non-negative: grey
    viewer.scale_choice.value = "each map its own"
    values, cmap, low, high = fm.map_scale(viewer.output_array, shared=False)
    assert (cmap, low, high) == (plotting.SEQUENTIAL_CMAP, 0.0, 1.0) == viewer.scale
    np.testing.assert_allclose(viewer.grid_array, fm.feature_grid(values, pad_value=np.nan, normalize=False))
    assert "each map on its own scale, from its own minimum to its maximum" in viewer.bar_labels.value
    viewer.layer_choice.value = "C1"
    assert viewer.scale == (plotting.DIVERGING_CMAP, -1.0, 1.0)
    assert np.nanmax(np.abs(viewer.grid_array)) == pytest.approx(1.0)
    assert "minus its largest" in viewer.bar_labels.value


def test_map_scale_and_an_unnormalised_grid():
    maps = np.stack([np.full((2, 2), 1.0), np.full((2, 2), 3.0)], axis=-1)
    values, cmap, low, high = fm.map_scale(maps)
    assert (cmap, low, high) == ("gray", 1.0, 3.0) and values is not None
    grid = fm.feature_grid(maps, columns=2, pad_value=np.nan, normalize=False)
    np.testing.assert_array_equal(grid[:, :2], 1.0)
    assert np.isnan(grid[:, 2]).all()
    np.testing.assert_array_equal(fm.map_scale(maps, shared=False)[0][..., 1], 0.5)  # constant: mid-grey


def test_the_viewer_fits_the_notebook_column(model, digits):
    from tests.test_widget_kernel_explorer import overflowing

    viewer = FeatureMapViewer(model, digits)
    for layer in viewer.layer_choice.options:
        viewer.layer_choice.value = layer
        assert overflowing(viewer) == [], layer
