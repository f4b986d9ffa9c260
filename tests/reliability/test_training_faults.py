"""Training cut short: the Stop button, Ctrl-C (KeyboardInterrupt) anywhere in an epoch, and checkpoints.

After each, ``training.fit`` returns or raises cleanly, the model keeps the weights of the last
batch that ran (finite, and it predicts), the TrainingMonitor is no longer running (its Stop
button disabled, as after any run) and the same monitor and model train again. A checkpoint
written during training loads with ``safe_mode=True`` and training resumes from it exactly; a
save interrupted half-way leaves the previous checkpoint whole; a diverged epoch is not saved.
"""

from __future__ import annotations

import zipfile

import keras
import numpy as np
import pytest

from cnnlab import training
from cnnlab.widgets import TrainingMonitor

pytestmark = [pytest.mark.reliability("training-faults"), pytest.mark.tensorflow]

STEPS = 8  # batches per epoch: 256 samples in batches of 32


def data(n=256, seed=0):
    """Learnable in a few epochs: noisy 8×8 images, class 1 a little brighter than class 0."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n).astype("int32")
    x = (rng.random((n, 8, 8, 1)) * 0.7 + 0.3 * y[:, None, None, None]).astype(np.float32)
    return x, y


def build():
    model = keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(4, 3, activation="relu", name="conv"),
        keras.layers.Flatten(name="flat"),
        keras.layers.Dense(2, activation="softmax", name="out"),
    ])
    model.compile(keras.optimizers.Adam(3e-2), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class Recorder(keras.callbacks.Callback):
    """Keeps the weights after every training batch, and each batch's logged loss."""

    def __init__(self):
        super().__init__()
        self.batches, self.weights, self.losses = 0, None, []

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1
        self.weights = [np.array(v) for v in self.model.get_weights()]
        self.losses.append(float(logs["loss"]))


class At(keras.callbacks.Callback):
    """Calls ``action()`` once, at ``where`` ("train batch", "validation batch" or "epoch end") of ``epoch``."""

    def __init__(self, where, action, epoch=1, batch=2):
        super().__init__()
        self.where, self.action, self.epoch, self.batch = where, action, epoch, batch
        self.current = -1
        self.done = False

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def _maybe(self, where, batch=None):
        if self.done or where != self.where or self.current != self.epoch or batch not in (None, self.batch):
            return
        self.done = True
        self.action()

    def on_train_batch_end(self, batch, logs=None):
        self._maybe("train batch", batch)

    def on_test_batch_end(self, batch, logs=None):
        self._maybe("validation batch", batch)

    def on_epoch_end(self, epoch, logs=None):
        self._maybe("epoch end")


def interrupt():
    raise KeyboardInterrupt


def expect_usable(model, weights):
    """The model holds ``weights`` (the last batch's), all finite, and predicts probabilities."""
    for now, then in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(now, then)
        assert np.all(np.isfinite(now))
    x, _ = data(16, seed=9)
    predictions = model.predict(x, verbose=0)
    assert predictions.shape == (16, 2) and np.all(np.isfinite(predictions))
    np.testing.assert_allclose(predictions.sum(axis=1), 1.0, rtol=1e-5)


def expect_idle(monitor):
    assert not monitor.running and monitor.stop_button.disabled
    assert monitor.last_error is None and monitor.error_box.layout.display == "none"


def expect_a_full_second_run(model, monitor, val=None, epochs=2):
    """The same model and monitor train again, all the way, and the monitor reports the new run."""
    recorder = Recorder()
    history = training.fit(model, data(), val, epochs=epochs, batch_size=32, callbacks=[monitor, recorder])
    assert recorder.batches == epochs * STEPS and len(history.history["loss"]) == epochs
    assert not monitor.stopped and monitor.interruption is None
    assert len(monitor.history["batch"]["loss"]) == epochs * STEPS
    assert f"epoch {epochs}/{epochs}, batch {STEPS}/{STEPS}" in monitor.readout.value
    expect_idle(monitor)
    return history


# ----------------------------------------------------------------------------- Stop


def test_stop_mid_epoch_ends_after_that_batch_keeps_its_weights_and_the_monitor_trains_again():
    monitor = TrainingMonitor(update_every=2, text=False)
    monitor.min_redraw_interval = 0.0
    recorder = Recorder()
    click = At("train batch", monitor.stop_button.click, epoch=1, batch=3)  # 2nd epoch, 4th batch
    model = build()
    # The click comes first: the monitor sees it at the end of the same batch, as a click made during that batch.
    history = training.fit(model, data(), data(64, seed=1), epochs=4, batch_size=32,
                           callbacks=[click, monitor, recorder])
    assert recorder.batches == STEPS + 4, "training must end right after the batch during which Stop was clicked"
    assert len(history.history["loss"]) == 2 and history.model is model
    expect_usable(model, recorder.weights)
    assert monitor.stopped and monitor.interruption is None
    assert "stopped after epoch 2, batch 4" in monitor.readout.value
    assert monitor.chart.value[:8] == b"\x89PNG\r\n\x1a\n"
    expect_idle(monitor)
    # A late click (after training ended: the button is disabled in the browser, but a click may be in flight)
    # must not stop the next run before it starts.
    monitor.stop_button.click()
    expect_a_full_second_run(model, monitor, data(64, seed=1))


def test_stop_clicked_before_training_starts_does_not_stop_it():
    monitor = TrainingMonitor(text=True)
    monitor.stop_button.click()
    expect_a_full_second_run(build(), monitor, epochs=1)


# ----------------------------------------------------------------------------- KeyboardInterrupt


@pytest.mark.parametrize("where", ["train batch", "validation batch", "epoch end"])
def test_keyboard_interrupt_mid_fit_raises_cleanly_and_both_model_and_monitor_train_again(where):
    monitor = TrainingMonitor(update_every=2, text=False)
    recorder = Recorder()
    model = build()
    val = data(64, seed=1)
    with pytest.raises(KeyboardInterrupt):
        training.fit(model, data(), val, epochs=3, batch_size=32,
                     callbacks=[monitor, recorder, At(where, interrupt, epoch=1, batch=1)])
    ran = STEPS + 2 if where == "train batch" else 2 * STEPS
    assert recorder.batches == ran
    expect_usable(model, recorder.weights)
    assert monitor.interruption == "KeyboardInterrupt" and not monitor.stopped
    assert "interrupted (KeyboardInterrupt) in epoch 2" in monitor.readout.value
    expect_idle(monitor)
    # Keras caches the validation iterator during fit and drops it only at the end: left behind, the next
    # fit would evaluate the OLD validation data. Checked with new validation data (the labels reversed).
    other_val = (val[0], 1 - val[1])
    history = expect_a_full_second_run(model, monitor, other_val, epochs=1)
    evaluated = model.evaluate(*other_val, verbose=0, return_dict=True)
    assert history.history["val_loss"][-1] == pytest.approx(evaluated["loss"], rel=1e-5)


def test_an_interrupted_text_monitor_says_where(capsys):
    monitor = TrainingMonitor(text=True)
    with pytest.raises(KeyboardInterrupt):
        training.fit(build(), data(), epochs=3, batch_size=32,
                     callbacks=[monitor, At("train batch", interrupt, epoch=1, batch=4)])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("epoch 1/3 - ")
    assert lines[-1] == "interrupted (KeyboardInterrupt) in epoch 2, after 5 batches of it"
    expect_idle(monitor)


def test_an_error_in_a_callback_also_leaves_the_monitor_idle():
    monitor = TrainingMonitor(text=False)

    def broken():
        raise RuntimeError("a callback failed")

    with pytest.raises(RuntimeError, match="a callback failed"):
        training.fit(build(), data(), epochs=2, batch_size=32, callbacks=[monitor, At("train batch", broken, 0, 1)])
    assert monitor.interruption == "RuntimeError"
    expect_idle(monitor)


@pytest.mark.parametrize("phase", ["head", "fine-tune"])
def test_ctrl_c_in_either_phase_of_train_transfer_leaves_the_monitor_idle(phase):
    """Notebook 09 trains through ``transfer.train_transfer``, which calls Keras' fit itself: same wind-up."""
    import tensorflow as tf

    from cnnlab import transfer

    base = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, name="c"),
                             keras.layers.BatchNormalization(name="bn"), keras.layers.GlobalAveragePooling2D()],
                            name="base")
    model = transfer.transfer_model(base, 2)
    x, y = data()
    train = tf.data.Dataset.from_tensor_slices((x, y)).batch(32)
    val = tf.data.Dataset.from_tensor_slices(data(64, seed=1)).batch(32)
    monitor, recorder = TrainingMonitor(text=False), Recorder()
    epoch = 0 if phase == "head" else 1  # Keras counts each phase's epochs from 0; the head phase has only one
    with pytest.raises(KeyboardInterrupt):
        transfer.train_transfer(model, train, val, head_epochs=1, fine_tune_epochs=2,
                                callbacks=[monitor, recorder, At("train batch", interrupt, epoch=epoch, batch=2)])
    assert recorder.batches == (3 if phase == "head" else 2 * STEPS + 3)
    assert monitor.interruption == "KeyboardInterrupt"
    expect_idle(monitor)
    result = transfer.train_transfer(model, train, val, head_epochs=0, fine_tune_epochs=1, callbacks=[monitor])
    assert len(result["fine_tune"].history["val_loss"]) == 1 and monitor.interruption is None
    expect_idle(monitor)


# ----------------------------------------------------------------------------- checkpoints


def test_a_checkpoint_loads_in_safe_mode_and_training_resumes_from_it_exactly(tmp_path):
    path = tmp_path / "m.keras"
    first = training.fit(build, data(), epochs=3, batch_size=32, checkpoint=path, seed=1)
    assert path.is_file() and [p.name for p in tmp_path.iterdir()] == ["m.keras"]  # no temporary file left
    restored = keras.saving.load_model(path, safe_mode=True)
    for a, b in zip(restored.get_weights(), first.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(restored.optimizer.iterations) == int(first.model.optimizer.iterations) == 3 * STEPS

    resumed_probe, fresh_probe, continued_probe = Recorder(), Recorder(), Recorder()
    resumed = training.fit(restored, data(), epochs=1, batch_size=32, seed=1, callbacks=[resumed_probe])
    training.fit(build, data(), epochs=1, batch_size=32, seed=1, callbacks=[fresh_probe])
    # Continuing the trained model in memory over the same epoch: the same losses and weights (Adam's state too).
    continued = training.fit(first.model, data(), epochs=1, batch_size=32, seed=1, callbacks=[continued_probe])
    np.testing.assert_allclose(resumed_probe.losses, continued_probe.losses, rtol=1e-5)
    for a, b in zip(resumed.model.get_weights(), continued.model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # The resumed run starts where the first one ended, not where a fresh model starts.
    last = first.history["loss"][-1]
    assert resumed_probe.losses[0] < 2 * last < 0.2 * fresh_probe.losses[0], (
        resumed_probe.losses[0], last, fresh_probe.losses[0])


def test_an_interrupted_save_leaves_the_previous_checkpoint_whole(tmp_path, monkeypatch):
    """Ctrl-C while the 2nd epoch's checkpoint is being written (after part of the file is out)."""
    path = tmp_path / "m.keras"
    epoch_weights = []
    keep = keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: epoch_weights.append(model.get_weights()))
    real_open = zipfile.ZipFile.open
    opened = []

    def open_then_interrupt(self, name, mode="r", *args, **kwargs):
        if mode == "w" and isinstance(name, str):
            opened.append(name)
            if opened.count("config.json") == 2:
                raise KeyboardInterrupt  # during the 2nd save: its metadata.json is already written
        return real_open(self, name, mode, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", open_then_interrupt)
    model = build()
    monitor = TrainingMonitor(text=False)
    with pytest.raises(KeyboardInterrupt):
        training.fit(model, data(), epochs=3, batch_size=32, checkpoint=path, callbacks=[keep, monitor])
    monkeypatch.undo()
    assert len(epoch_weights) == 1 and opened.count("config.json") == 2  # the 2nd epoch's end never finished
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"], "the half-written temporary file must be removed"
    restored = keras.saving.load_model(path, safe_mode=True)
    for a, b in zip(restored.get_weights(), epoch_weights[0]):  # the 1st epoch's checkpoint, whole
        np.testing.assert_array_equal(a, b)
    assert monitor.interruption == "KeyboardInterrupt"
    expect_idle(monitor)


def test_a_diverged_epoch_does_not_overwrite_the_last_good_checkpoint(tmp_path):
    path = tmp_path / "m.keras"
    epoch_weights = []

    def poison(epoch, logs=None):
        if epoch == 1:
            model.get_layer("out").kernel.assign(np.full((144, 2), np.nan, np.float32))

    callbacks = [keras.callbacks.LambdaCallback(on_epoch_begin=poison,
                                                on_epoch_end=lambda e, logs: epoch_weights.append(model.get_weights()))]
    model = build()
    history = training.fit(model, data(), epochs=2, batch_size=32, checkpoint=path, callbacks=callbacks)
    assert np.isfinite(history.history["loss"][0]) and np.isnan(history.history["loss"][1])
    restored = keras.saving.load_model(path, safe_mode=True)
    for a, b in zip(restored.get_weights(), epoch_weights[0]):
        np.testing.assert_array_equal(a, b)
        assert np.all(np.isfinite(a))


def test_with_validation_only_improvements_are_saved(tmp_path):
    """With ``val``, the checkpoint is the best epoch by validation loss (as Keras' save_best_only)."""
    path = tmp_path / "m.keras"
    saved = []
    model = build()
    x, y = data()
    val = (x[:64], 1 - y[:64])  # learning the task makes this validation loss worse: epoch 1 stays the best

    class Watch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            saved.append((path.stat().st_mtime_ns if path.exists() else None, model.get_weights()))

    history = training.fit(model, (x, y), val, epochs=3, batch_size=32, checkpoint=path, callbacks=[Watch()])
    best = int(np.argmin(history.history["val_loss"]))
    restored = keras.saving.load_model(path, safe_mode=True)
    for a, b in zip(restored.get_weights(), saved[best][1]):
        np.testing.assert_array_equal(a, b)
