"""Transfer learning: the head trains on a frozen base, fine-tuning unfreezes its top, scaling is the base's own."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from cnnlab import transfer  # noqa: E402


def _base():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Conv2D(4, 3, name="c1"),
                             keras.layers.BatchNormalization(name="bn"), keras.layers.Conv2D(6, 3, name="c2"),
                             keras.layers.GlobalAveragePooling2D(name="pool")], name="base")


def _data(n=64, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % classes
    x = rng.random((n, 16, 16, 3)).astype("float32") * 0.3 + y[:, None, None, None] * 0.3  # learnable
    return tf.data.Dataset.from_tensor_slices((x, y.astype("int32"))).batch(16)


def _weights(layer):
    return [w.copy() for w in layer.get_weights()]


def test_the_head_phase_changes_only_the_head():
    model = transfer.transfer_model(_base(), 3)
    base = model.get_layer("base")
    before_base, before_head = _weights(base), _weights(model.get_layer("head"))
    transfer.train_transfer(model, _data(), head_epochs=2, fine_tune_epochs=0)
    for a, b in zip(before_base, _weights(base)):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(before_head, _weights(model.get_layer("head"))))


def test_fine_tuning_changes_the_unfrozen_top_but_not_below_it_nor_batch_norm():
    model = transfer.transfer_model(_base(), 3)
    base = model.get_layer("base")
    c1, bn, c2 = (_weights(base.get_layer(n)) for n in ("c1", "bn", "c2"))
    result = transfer.train_transfer(model, _data(), _data(32, seed=1), head_epochs=1, fine_tune_epochs=2,
                                     fine_tune_from="c2")  # bn is below c2: frozen, and in inference mode
    assert len(result["fine_tune"].history["val_accuracy"]) == 2 and set(result["seconds"]) == {"head", "fine_tune"}
    for a, b in zip(c1 + bn, _weights(base.get_layer("c1")) + _weights(base.get_layer("bn"))):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(c2, _weights(base.get_layer("c2"))))


def test_set_fine_tuning_counts_and_keeps_batch_norm_frozen_when_asked():
    model = transfer.transfer_model(_base(), 3)
    base = model.get_layer("base")
    assert transfer.set_fine_tuning(model, 0, batchnorm="frozen") == 3  # c1, c2, pool; not bn
    assert base.get_layer("bn").trainable is False and base.get_layer("c1").trainable is True
    assert transfer.set_fine_tuning(model, 0) == 3  # bn trains too, but is not counted
    assert base.get_layer("bn").trainable is True
    assert transfer.set_fine_tuning(model, None) == 0 and not base.trainable
    with pytest.raises(ValueError, match="fine_tune_from='nope' is not a layer of the base 'base'"):
        transfer.set_fine_tuning(model, "nope")
    with pytest.raises(ValueError, match="batchnorm"):
        transfer.set_fine_tuning(model, 0, batchnorm="affine")


@pytest.mark.parametrize("batchnorm", ["train", "frozen"])
def test_fine_tuning_trains_batch_norm_or_keeps_imagenets_as_asked(batchnorm):
    model = transfer.transfer_model(_base(), 3)
    bn = model.get_layer("base").get_layer("bn")
    before = [w.copy() for w in bn.get_weights()]  # gamma, beta, moving mean, moving variance
    transfer.train_transfer(model, _data(), head_epochs=1, fine_tune_epochs=2, fine_tune_from=0, batchnorm=batchnorm)
    changed = [not np.array_equal(a, b) for a, b in zip(before, bn.get_weights())]
    assert changed == ([True] * 4 if batchnorm == "train" else [False] * 4)


@pytest.mark.parametrize("mode, module", [("inception", "inception_v3"), ("caffe", "resnet50")])
def test_scaling_layer_matches_keras_preprocess_input(mode, module):
    pixels = np.random.default_rng(0).random((2, 5, 7, 3)).astype("float32")
    expected = getattr(keras.applications, module).preprocess_input(pixels * 255.0)
    np.testing.assert_allclose(np.asarray(transfer.scaling_layer(mode)(pixels)), expected, rtol=1e-5, atol=1e-4)


def test_predict_with_flips_averages_an_image_and_its_mirror_and_keeps_the_plain_predictions():
    model = transfer.transfer_model(_base(), 3)
    data = _data(8)
    result = transfer.predict_with_flips(model, data)
    x = np.concatenate([xb.numpy() for xb, _ in data])
    plain = model.predict(x, verbose=0)
    expected = (plain + model.predict(x[:, :, ::-1], verbose=0)) / 2
    np.testing.assert_allclose(result.probabilities, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result.plain, plain, rtol=1e-5, atol=1e-6)
    labels = np.arange(8) % 3
    assert result.labels.tolist() == labels.tolist()
    assert result.accuracy == pytest.approx((plain.argmax(axis=1) == labels).mean())
    assert result.tta_accuracy == pytest.approx((expected.argmax(axis=1) == labels).mean())


def test_bad_arguments():
    with pytest.raises(ValueError, match="base must output one feature vector per image"):
        transfer.transfer_model(keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(2, 3)]), 3)
    with pytest.raises(ValueError, match="num_classes must be a positive integer, received num_classes=0"):
        transfer.transfer_model(_base(), 0)
    with pytest.raises(ValueError, match="preprocessing"):
        transfer.scaling_layer("torch")


def test_plot_phases_draws_both_phases_end_to_end():
    import matplotlib

    matplotlib.use("Agg")
    model = transfer.transfer_model(_base(), 3)
    result = transfer.train_transfer(model, _data(), _data(16, seed=1), head_epochs=2, fine_tune_epochs=3)
    figure = transfer.plot_phases(result["head"], result["fine_tune"])
    loss_axis = figure.axes[0]
    assert [len(line.get_xdata()) for line in loss_axis.lines[:2]] == [5, 5]  # training and validation, 2 + 3 epochs
    expected = result["head"].history["loss"] + result["fine_tune"].history["loss"]
    np.testing.assert_allclose(loss_axis.lines[0].get_ydata(), expected)
    with pytest.raises(ValueError, match="histories has no History"):
        transfer.plot_phases(None)


# ----------------------------------------------------------------------------- pixel values (issue 18)
# Notebook 09 once divided its [0, 1] photos by 255 a second time: the model saw black squares and gave
# the sunflower and the dahlia the same answer. Every entry point now refuses such images, and
# check_known_photos checks the end result.


def _bright_dark_model():
    """A transfer model that calls a bright image "light" and a dark one "dark", with certainty."""
    base = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.GlobalAveragePooling2D(name="mean")], name="mean")
    model = transfer.transfer_model(base, 2, dropout=0.0)
    model.get_layer("head").set_weights([np.array([[-9.0, 9.0]] * 3), np.zeros(2)])
    return model


PHOTOS = {"snow": np.full((12, 9, 3), 0.9, np.float32), "coal": np.full((9, 14, 3), 0.1, np.float32)}


@pytest.mark.parametrize("scale, message", [
    (lambda x: x / 255, r"train: every value of an image lies within 1/255 of 0 .*divided by 255 twice"),
    (lambda x: x * 255, r"train: values above 1: these look like 0-255 pixel values"),
    (lambda x: 2 * x - 1, r"train: values below 0: these images look scaled for the network already"),
], ids=["divided twice", "0-255", "scaled for the base"])
def test_train_transfer_refuses_images_the_model_would_misread(scale, message):
    x, y = next(iter(_data().unbatch().batch(64)))
    bad = tf.data.Dataset.from_tensor_slices((scale(x.numpy()), y)).batch(16)
    with pytest.raises(ValueError, match=message) as caught:
        transfer.train_transfer(transfer.transfer_model(_base(), 3), bad, head_epochs=1, fine_tune_epochs=0)
    assert "Graph execution" not in str(caught.value) and "value_range=(low, high)" in str(caught.value)


def test_train_transfer_checks_the_validation_images_too_and_can_be_told_another_range():
    x, y = next(iter(_data(32, seed=1).unbatch().batch(32)))
    val = tf.data.Dataset.from_tensor_slices((x.numpy() / 255, y)).batch(16)
    with pytest.raises(ValueError, match=r"^val: every value of an image lies within 1/255"):
        transfer.train_transfer(transfer.transfer_model(_base(), 3), _data(), val, head_epochs=1, fine_tune_epochs=0)
    raw = tf.data.Dataset.from_tensor_slices((x.numpy() * 255, y)).batch(16)
    result = transfer.train_transfer(transfer.transfer_model(_base(), 3), raw, head_epochs=1, fine_tune_epochs=0,
                                     value_range=(0, 255))  # a model told it takes 0-255 trains on them
    assert np.isfinite(result["head"].history["loss"][0])


def test_predict_with_flips_refuses_a_batch_divided_by_255_twice():
    model = transfer.transfer_model(_base(), 3)
    x, y = next(iter(_data(8).unbatch().batch(8)))
    x = x.numpy()
    x[5] /= 255  # one image of the second batch of 4
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    with pytest.raises(ValueError, match=r"^dataset, batch 1: images\[1\] holds values from 0\.00\d+ to 0\.00\d+: .*twice"):
        transfer.predict_with_flips(model, data)
    assert transfer.predict_with_flips(model, data, value_range=None).plain.shape == (8, 3)


def test_classify_photos_crops_each_photo_to_the_model_and_answers_it():
    answers = transfer.classify_photos(_bright_dark_model(), PHOTOS, ["dark", "light"], top=2)
    assert list(answers) == ["snow", "coal"]
    assert [answers[name][0][0] for name in answers] == ["light", "dark"]
    assert all(p > 0.99 for name in answers for label, p in answers[name][:1])
    assert all(abs(sum(p for _, p in answer) - 1) < 1e-6 for answer in answers.values())


@pytest.mark.parametrize("scale, message", [
    (lambda x: x / 255, r"photos\['snow'\] holds values from 0\.00353 to 0\.00353: .*divided by 255 twice"),
    (lambda x: x * 255, r"photos\['snow'\] holds values from 230 to 230: values above 1"),
    (lambda x: x * 2 - 1, r"photos\['coal'\] holds values from -0\.8 to -0\.8: values below 0"),
], ids=["divided twice", "0-255", "scaled for the base"])
def test_classify_photos_refuses_photos_the_model_would_misread(scale, message):
    photos = {name: scale(image) for name, image in PHOTOS.items()}
    with pytest.raises(ValueError, match=message):
        transfer.classify_photos(_bright_dark_model(), photos, ["dark", "light"])


def test_the_old_notebook_09_cell_is_caught_twice():
    """The old cell: photos from load_photos ([0, 1]) divided by 255 again, then the model.

    The guard refuses the photos; and had the model seen them, both would get the same
    answer (the symptom of the old notebook), which check_known_photos refuses.
    """
    model = _bright_dark_model()
    twice = {name: image / 255 for name, image in PHOTOS.items()}
    with pytest.raises(ValueError, match="divided by 255 twice"):
        transfer.check_known_photos(model, twice, ["dark", "light"], {"snow": "light", "coal": "dark"})
    answers = transfer.classify_photos(model, twice, ["dark", "light"], value_range=None)  # what the model saw
    assert answers["snow"][0][0] == answers["coal"][0][0] == "dark"
    with pytest.raises(AssertionError, match=r"1 of 2 photos of a known class came out as another class: "
                                             r"snow → dark \(\d+\.\d%\), not light"):
        transfer.check_known_photos(model, twice, ["dark", "light"], {"snow": "light", "coal": "dark"},
                                    value_range=None)


def test_check_known_photos_passes_a_model_that_is_right_and_reports_without_raising_when_not_strict(capsys):
    model = _bright_dark_model()
    transfer.check_known_photos(model, PHOTOS, ["dark", "light"], {"snow": "light", "coal": "dark"})
    assert capsys.readouterr().out.splitlines() == ["known photos: snow → light (100.0%), as expected",
                                                    "known photos: coal → dark (100.0%), as expected"]
    transfer.check_known_photos(model, PHOTOS, ["dark", "light"], {"snow": "dark"}, strict=False)
    assert capsys.readouterr().out == ("known photos: snow → light (100.0%), not dark (0.0%) "
                                       "(strict=False: reported, not raised)\n")


def test_check_known_photos_refuses_names_it_cannot_check():
    model = _bright_dark_model()
    with pytest.raises(ValueError, match=r"expected names photos that are not in photos: \['sun'\]"):
        transfer.check_known_photos(model, PHOTOS, ["dark", "light"], {"sun": "light"})
    with pytest.raises(ValueError, match=r"expected names classes the model does not have: \['sunflowers'\]"):
        transfer.check_known_photos(model, PHOTOS, ["dark", "light"], {"snow": "sunflowers"})
    with pytest.raises(ValueError, match=r"class_names must hold one name per output of the model \(2\)"):
        transfer.classify_photos(model, PHOTOS, ["dark", "light", "grey"])
    with pytest.raises(ValueError, match=r"photos\['snow'\] must be one image of shape \(height, width, 3\)"):
        transfer.classify_photos(model, {"snow": np.ones((4, 4))}, ["dark", "light"])


def test_label_smoothing_targets_are_what_the_docstring_says():
    """Keras' smoothing: y (1 - s) + s / K, so 0.92 and 0.02 for s = 0.1 and 5 classes (not 0.9 and 0.025)."""
    p = np.array([[0.1, 0.2, 0.3, 0.15, 0.25]], "float32")
    y = np.eye(5, dtype="float32")[[3]]
    keras_loss = float(keras.losses.CategoricalCrossentropy(label_smoothing=0.1)(y, p))
    cross_entropy = lambda targets: float(-(np.array(targets) * np.log(p[0])).sum())  # noqa: E731
    assert keras_loss == pytest.approx(cross_entropy([0.02, 0.02, 0.02, 0.92, 0.02]), rel=1e-6)
    assert keras_loss != pytest.approx(cross_entropy([0.025, 0.025, 0.025, 0.9, 0.025]), rel=1e-3)
    assert "0.92 and 0.02" in " ".join(transfer.train_transfer.__doc__.split())
