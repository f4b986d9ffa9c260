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
