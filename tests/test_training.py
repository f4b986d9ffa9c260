"""cnnlab.training: the fit wrapper, out-of-memory handling, augmentation and exercise 7's recipe (imports TensorFlow;
the pipelines it fits on come through cnnlab/_tf_data.py).

Other tests of this module: tests/reliability/test_training_faults.py (faults during training) and the
bad-input table (tests/reliability/test_bad_input.py); the monitor passed in ``callbacks`` is tested in
tests/test_widget_training_monitor.py.
"""

import importlib.util
import json
import subprocess
import sys
import textwrap

from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from cnnlab import training

pytestmark = pytest.mark.tensorflow


def _data(n=256, seed=0, shape=(8, 8, 1)):
    rng = np.random.default_rng(seed)
    x = rng.random((n, *shape), dtype=np.float32)
    y = (x.reshape(n, -1).mean(axis=1) > 0.5).astype("int32")
    return x, y


def _build(shape=(8, 8, 1)):
    model = keras.Sequential([
        keras.Input(shape),
        keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(2, activation="softmax"),
    ])
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class _Counter(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1


def test_fit_returns_the_history_and_is_reproducible():
    x, y = _data()
    first = training.fit(_build, (x, y), _data(64, seed=1), epochs=2, batch_size=32, seed=3)
    second = training.fit(_build, (x, y), _data(64, seed=1), epochs=2, batch_size=32, seed=3)
    assert isinstance(first, keras.callbacks.History)
    assert first.params["epochs"] == 2 and len(first.history["loss"]) == 2
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(first.history)
    for a, b in zip(first.model.get_weights(), second.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    other = training.fit(_build, (x, y), epochs=2, batch_size=32, seed=4)
    assert not np.array_equal(first.model.get_weights()[0], other.model.get_weights()[0])


def test_digits_augmentation_moves_pixels_and_trains():
    x, y = _data(128, shape=(28, 28, 1))
    augmented = training.digits_augmentation(seed=0)(x[:8], training=True)
    assert augmented.shape == (8, 28, 28, 1) and not np.allclose(augmented, x[:8])
    history = training.fit(lambda: _build((28, 28, 1)), (x, y), epochs=1, batch_size=32, augment="digits")
    assert np.isfinite(history.history["loss"][0])
    with pytest.raises(ValueError, match="augment must be one of 'digits', 'fashion', received augment='faces'"):
        training.fit(lambda: _build((28, 28, 1)), (x, y), epochs=1, augment="faces")


def test_early_stopping_restores_the_best_weights():
    """Validation targets are the opposite of the training targets, so learning makes val_loss worse."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 4)).astype("float32")
    y = x @ np.array([1.0, -2.0, 0.5, 3.0], "float32")

    def build():
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, kernel_initializer="zeros")])
        model.compile(keras.optimizers.SGD(0.01), "mse")
        return model

    seen = []
    keep = keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(keep.model.get_weights()))
    history = training.fit(build, (x, y), (x, -y), epochs=20, batch_size=32, early_stopping=2, callbacks=[keep])
    val_loss = history.history["val_loss"]
    best = int(np.argmin(val_loss))
    assert len(val_loss) == best + 3 < 20  # stopped after `patience` epochs without improvement
    for restored, kept in zip(history.model.get_weights(), seen[best]):
        np.testing.assert_array_equal(restored, kept)
    assert not np.array_equal(history.model.get_weights()[0], seen[-1][0])


def test_checkpoint_and_tensorboard_files_are_written(tmp_path):
    x, y = _data(64)
    path = tmp_path / "checkpoints" / "best.keras"
    logs = tmp_path / "logs"
    if importlib.util.find_spec("tensorboard") is None:  # tensorflow does not always bring it along
        with pytest.raises(ImportError, match="needs the tensorboard package"):
            training.fit(_build, (x, y), epochs=1, tensorboard=logs)
        logs = None
    history = training.fit(_build, (x, y), _data(32, seed=1), epochs=2, batch_size=32,
                           checkpoint=path, tensorboard=logs)
    assert path.exists() and (logs is None or any(logs.rglob("*tfevents*")))
    restored = keras.models.load_model(path)
    assert [w.shape for w in restored.get_weights()] == [w.shape for w in history.model.get_weights()]
    with pytest.raises(ValueError, match=r"must be a path ending in '.keras', received checkpoint='model.h5'"):
        training.fit(_build, (x, y), epochs=1, checkpoint="model.h5")


def test_mirrored_strategy_over_two_cpus_agrees_with_one_device():
    """In a fresh process (logical devices must exist before TensorFlow starts).

    Same seed, same data, no shuffling, plain SGD: each replica gets half of every
    batch and the summed gradients equal the one-device gradient, so the runs agree
    up to float32 rounding (the sums are added in a different order). Measured on a
    2-core CPU: 1.5e-6 relative difference in the weights, 1e-7 in the loss; a
    mistake in splitting or combining the gradients would show up as 1e-2 or more.
    """
    code = textwrap.dedent("""
        import json
        import numpy as np
        import tensorflow as tf
        from cnnlab import device
        cpus = device.split_cpu(2)
        from tests.test_training import _build, _data
        from cnnlab import training
        x, y = _data(256)
        one = training.fit(_build, (x, y), epochs=2, batch_size=32, shuffle=False, seed=5)
        strategy = tf.distribute.MirroredStrategy([d.name for d in cpus])
        two = training.fit(_build, (x, y), epochs=2, batch_size=32, shuffle=False, seed=5, strategy=strategy)
        weights = max(float(np.max(np.abs(a - b)) / (np.max(np.abs(a)) + 1e-12))
                      for a, b in zip(one.model.get_weights(), two.model.get_weights()))
        loss = max(abs(a - b) / abs(a) for a, b in zip(one.history["loss"], two.history["loss"]))
        print(json.dumps({"replicas": strategy.num_replicas_in_sync, "weights": weights, "loss": loss}))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2
    assert result["weights"] < 1e-4 and result["loss"] < 1e-4, result


def _oom():
    return tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor with shape[256,32,28,28]")


def test_halve_batch_retries_with_half_the_batch(monkeypatch, capsys):
    x, y = _data(64)
    model = _build()
    sizes = []
    real_fit = model.fit

    def fit_that_runs_out_of_memory_once(data, **kwargs):
        sizes.append(int(next(iter(data))[0].shape[0]))
        if len(sizes) == 1:
            raise _oom()
        return real_fit(data, **kwargs)

    monkeypatch.setattr(model, "fit", fit_that_runs_out_of_memory_once)
    history = training.fit(model, (x, y), epochs=1, batch_size=64, on_oom="halve_batch")
    assert sizes == [64, 32] and len(history.history["loss"]) == 1
    assert "out of memory with batch_size=64: retrying with batch_size=32" in capsys.readouterr().out


def test_halve_batch_gives_up_after_a_batch_of_one(monkeypatch, capsys):
    x, y = _data(16)
    model = _build()
    sizes = []

    def always_out_of_memory(data, **kwargs):
        sizes.append(int(next(iter(data))[0].shape[0]))
        raise _oom()

    monkeypatch.setattr(model, "fit", always_out_of_memory)
    with pytest.raises(tf.errors.ResourceExhaustedError, match="out of memory with batch_size=1"):
        training.fit(model, (x, y), epochs=1, batch_size=4, on_oom="halve_batch")
    assert sizes == [4, 2, 1]
    assert capsys.readouterr().out.splitlines() == [
        "out of memory with batch_size=4: retrying with batch_size=2",
        "out of memory with batch_size=2: retrying with batch_size=1",
    ]


def test_out_of_memory_is_reraised_with_the_remedies(monkeypatch):
    x, y = _data(16)
    model = _build()
    monkeypatch.setattr(model, "fit", lambda data, **kwargs: (_ for _ in ()).throw(_oom()))
    with pytest.raises(tf.errors.ResourceExhaustedError) as caught:
        training.fit(model, (x, y), epochs=1, batch_size=8)
    message = caught.value.message
    for remedy in ("smaller mini-batches", "larger stride", "remove one or more layers", "16-bit floats",
                   "several devices", "OOM when allocating"):
        assert remedy in message
    assert isinstance(caught.value.__cause__, tf.errors.ResourceExhaustedError)


def test_bad_arguments_raise_value_errors():
    x, y = _data(16)
    expected = "on_oom must be one of 'raise', 'halve_batch', received on_oom='retry'"
    with pytest.raises(ValueError, match=expected):
        training.fit(_build, (x, y), on_oom="retry")
    with pytest.raises(ValueError, match="batch_size must be a positive integer, received batch_size=0"):
        training.fit(_build, (x, y), batch_size=0)
    with pytest.raises(ValueError, match="train has 16 inputs but 3 labels"):
        training.fit(_build, (x, y[:3]), epochs=1)
    with pytest.raises(ValueError, match="model must be a keras.Model or a function"):
        training.fit("resnet", (x, y))


# ----------------------------------------------------------------------------- exercise 7's recipe


def test_one_cycle_warms_up_to_the_peak_then_anneals_to_almost_zero():
    schedule = training.OneCycle(3e-3, total_steps=1000, warmup=0.3)
    rates = np.array([float(schedule(step)) for step in range(0, 1001, 10)])
    peak = int(np.argmax(rates))
    assert rates[peak] == pytest.approx(3e-3) and peak * 10 == 300
    assert np.all(np.diff(rates[: peak + 1]) > 0) and np.all(np.diff(rates[peak:]) <= 0)
    assert rates[0] == pytest.approx(3e-3 / 25) and rates[-1] == pytest.approx(3e-3 / 1e4)
    assert float(schedule(5000)) == pytest.approx(3e-3 / 1e4)  # past the end: stays at the floor
    again = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(schedule))
    assert isinstance(again, training.OneCycle) and again.get_config() == schedule.get_config()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"max_lr": 0, "total_steps": 10}, "max_lr must be a positive number, received max_lr=0"),
    ({"max_lr": 1e-3, "total_steps": 0}, "total_steps"),
    ({"max_lr": 1e-3, "total_steps": 10, "warmup": 1.0}, "warmup must be a fraction"),
    ({"max_lr": 1e-3, "total_steps": 10, "end_factor": 0.5}, "end_factor must be a finite number >= 1"),
])
def test_one_cycle_refuses_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        training.OneCycle(**kwargs)


def test_prepare_digits_scales_and_adds_the_channel_axis():
    x = np.array([[[0, 255]]], np.uint8).repeat(28, 1).repeat(14, 2)
    prepared = training.prepare_digits(x)
    assert prepared.shape == (1, 28, 28, 1) and prepared.dtype == np.float32
    assert prepared.min() == 0.0 and prepared.max() == 1.0
    np.testing.assert_array_equal(training.prepare_digits(prepared), prepared)
    with pytest.raises(ValueError, match="divide by 255 first"):
        training.prepare_digits(x.astype(np.float32))
    with pytest.raises(ValueError, match=r"received shape \(28, 28\)"):
        training.prepare_digits(x[0])


def test_train_reference_builds_the_recipe():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (96, 28, 28), dtype=np.uint8)
    y = np.arange(96) % 10
    model, history = training.train_reference((x, y), (x[:32], y[:32]), epochs=2, batch_size=32, seed=3)
    assert model.name == "mnist_cnn" and history.model is model
    schedule = model.optimizer._learning_rate
    assert isinstance(schedule, training.OneCycle) and schedule.total_steps == 2 * 3
    assert set(history.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    again, _ = training.train_reference((x, y), epochs=1, batch_size=32, seed=3, filters=(8, 8, 8))
    assert again.get_layer("block1_conv").filters == 8
    fashion, _ = training.train_reference((x, y), epochs=1, batch_size=32, augment="fashion",
                                          architecture="fashion_cnn", filters=(4, 8, 8), dense_units=16)
    assert fashion.name == "fashion_cnn" and fashion.get_layer("fc").units == 16
    with pytest.raises(ValueError, match="architecture must be one of 'mnist_cnn', 'fashion_cnn', received"):
        training.train_reference((x, y), architecture="resnet")


def test_ensemble_predict_averages_probabilities():
    x, _ = _data(16)
    models = [_build(), _build()]
    expected = (models[0].predict(x, verbose=0) + models[1].predict(x, verbose=0)) / 2
    np.testing.assert_allclose(training.ensemble_predict(models, x), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="models is empty"):
        training.ensemble_predict([], x)


def test_fashion_augmentation_flips_some_images_left_to_right():
    x = np.zeros((64, 28, 28, 1), np.float32)
    x[:, 8:20, 1:6] = 1.0  # ink only on the left
    augmented = np.asarray(training.fashion_augmentation(seed=0)(x, training=True))
    right_side = augmented[:, :, 14:].sum(axis=(1, 2, 3)) > 0
    assert 10 < right_side.sum() < 54  # about half were mirrored


def _centre(image):
    rows, cols = np.indices(image.shape[:2])
    total = image[..., 0].sum()
    return (rows * image[..., 0]).sum() / total, (cols * image[..., 0]).sum() / total


def test_random_affine_is_one_warp_about_the_centre():
    from cnnlab.digits import center_of_mass

    x = np.zeros((1, 28, 28, 1), np.float32)
    x[0, 6:22, 13:15] = 1.0  # a vertical bar through the centre
    unchanged = training.RandomAffine(shift=0, rotation=0, zoom=0, seed=0)(x, training=True)
    np.testing.assert_array_equal(np.asarray(unchanged), x)
    np.testing.assert_array_equal(np.asarray(training.RandomAffine(seed=0)(x, training=False)), x)
    batch = np.repeat(x, 16, axis=0)
    rotated = np.asarray(training.RandomAffine(shift=0, rotation=45, zoom=0, seed=1)(batch, training=True))
    for image in rotated:  # rotation about the image centre keeps the centre of mass and the ink
        np.testing.assert_allclose(center_of_mass(image[..., 0]), (13.5, 13.5), atol=0.2)
        assert image.sum() == pytest.approx(x.sum(), rel=0.05)
    assert len({round(float(np.abs(image - x[0]).sum()), 3) for image in rotated}) == 16  # all different
    shifted = np.asarray(training.RandomAffine(shift=3, rotation=0, zoom=0, seed=2)(batch, training=True))
    moves = np.array([np.subtract(center_of_mass(image[..., 0]), (13.5, 13.5)) for image in shifted])
    assert np.abs(moves).max() <= 3.01 and np.abs(moves).max() > 1.0
    zoomed = np.asarray(training.RandomAffine(shift=0, rotation=0, zoom=0.3, seed=3)(batch, training=True))
    heights = [int((image[..., 0].max(axis=1) > 0.5).sum()) for image in zoomed]
    assert min(heights) < 16 < max(heights)  # some shrink, some grow


def test_random_affine_is_reproducible_with_a_seed_and_refuses_bad_arguments():
    x = np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32)
    keras.utils.set_random_seed(5)
    first = np.asarray(training.digits_augmentation(seed=7)(x, training=True))
    keras.utils.set_random_seed(5)
    second = np.asarray(training.digits_augmentation(seed=7)(x, training=True))
    np.testing.assert_array_equal(first, second)
    for kwargs, message in (({"shift": -1}, "shift must be a number >= 0, received shift=-1"),
                            ({"zoom": 1.0}, "zoom must be below 1"), ({"rotation": "10"}, "rotation must be")):
        with pytest.raises(ValueError, match=message):
            training.RandomAffine(**kwargs)


def test_the_numpy_pipeline_runs_without_the_tf_data_autotuner():
    """Keras discards an iterator every epoch; with the autotuner on, each discard waited for its thread
    (0.4 s per epoch on the 2-core machine, 15-40 s once its period had grown)."""
    x, y = np.zeros((10, 4, 4, 1), np.float32), np.zeros(10, np.int64)
    dataset = training._dataset((x, y), "train", 4, shuffle=True, seed=0)
    assert dataset.options().autotune.enabled is False
    assert [len(b) for b, _ in dataset] == [4, 4, 2]


@pytest.mark.parametrize("digits, message", [
    (np.full((2, 28, 28), 0.5) / 255, r"x\[0\] holds values from 0.00196 to 0.00196: .*divided by 255 twice"),
    (np.ones((2, 28, 28), np.uint8), r"cast to uint8 holds only 0s and 1s"),
])
def test_prepare_digits_refuses_digits_scaled_twice(digits, message):
    """x / 255 / 255 (or [0, 1] digits cast to uint8) would train on black squares; it is refused."""
    with pytest.raises(ValueError, match=message):
        training.prepare_digits(digits)
    assert training.prepare_digits(np.zeros((2, 28, 28), np.uint8)).max() == 0  # an empty digit is a digit
