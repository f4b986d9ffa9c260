"""cnnlab.widgets.training_monitor: live curves, progress and the Stop button during training (imports TensorFlow).

Other tests of the monitor: tests/test_monitor_in_kernel.py (the Stop button in a real kernel, and
what it says where a click cannot reach a running cell), tests/reliability/test_training_faults.py
(the monitor when training fails), tests/test_widget_look.py (its look and static picture) and the
browser suite (tests/browser: Stop clicked in JupyterLab while the cell runs).
"""

import keras
import numpy as np
import pytest

from cnnlab import training
from cnnlab.widgets import TrainingMonitor, _jupyter, training_monitor
from tests.test_training import _build, _Counter, _data

pytestmark = pytest.mark.tensorflow


def test_bad_arguments_raise_value_errors():
    with pytest.raises(ValueError, match="update_every must be a positive integer"):
        TrainingMonitor(update_every=0)


def test_stop_button_ends_training_after_the_current_batch():
    x, y = _data(256)
    monitor = TrainingMonitor(update_every=100, text=False)
    counter = _Counter()

    class ClickStop(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                monitor.stop_button.click()

    # ClickStop comes first, so the monitor sees the click at the end of the same batch, as it would
    # see a real click made while that batch ran.
    history = training.fit(_build, (x, y), epochs=3, batch_size=16, callbacks=[ClickStop(), monitor, counter])
    assert counter.batches == 3 and len(history.history["loss"]) == 1
    assert monitor.stopped and len(monitor.history["batch"]["loss"]) == 3
    assert "stopped after epoch 1, batch 3" in monitor.readout.value
    assert monitor.stop_button.disabled


def test_chart_is_redrawn_into_the_same_image():
    x, y = _data(64)
    monitor = TrainingMonitor(update_every=4, text=False)
    monitor.min_redraw_interval = 0.0
    chart = monitor.chart
    pictures, figures = [], set()

    def redrawn(change):
        pictures.append(change["new"])
        figures.add(id(monitor._figure))

    chart.observe(redrawn, names="value")
    training.fit(_build, (x, y), _data(32, seed=1), epochs=2, batch_size=8, callbacks=[monitor])
    assert monitor.chart is chart and len(figures) == 1
    assert len(pictures) >= 4 and all(p[:8] == b"\x89PNG\r\n\x1a\n" for p in pictures)
    assert len(set(pictures)) == len(pictures)
    assert monitor.history["epoch"]["val_loss"] and len(monitor.history["batch"]["loss"]) == 16
    assert "epoch 2/2, batch 8/8" in monitor.readout.value and "samples/s" in monitor.readout.value
    bundle = monitor._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == "<TrainingMonitor widget>"
    # The static picture says which moment it shows: the end of the run, not the widget as first shown.
    assert "end of its last training run" in monitor.picture_footer
    assert "as it was shown" in TrainingMonitor(text=False).picture_footer
    assert monitor.css_class == "cnnlab-training-monitor"


@pytest.mark.parametrize("losses", [(3.7, 1.8), (0.763, 0.655), (0.0123, 0.0041)])
def test_every_text_of_the_chart_lies_inside_it(losses):
    """Issue 18: with three-decimal ticks the "loss" axis label was cut at the chart's left edge."""
    monitor = TrainingMonitor(text=False)
    steps = np.linspace(0.01, 2.0, 50)
    monitor.history["batch"] = {"step": list(steps), "loss": list(np.linspace(*losses, 50)),
                                "accuracy": list(np.linspace(0.45, 0.65, 50))}
    monitor.history["epoch"] = {"loss": [losses[0], losses[1]], "val_loss": [losses[0], losses[1]],
                                "accuracy": [0.5, 0.6], "val_accuracy": [0.5, 0.6]}
    monitor._draw()
    figure = monitor._figure
    drawn = figure.get_tightbbox(figure.canvas.get_renderer())     # every text drawn: labels, ticks, titles, legends
    width, height = figure.get_size_inches()
    assert drawn.x0 >= 0 and drawn.y0 >= 0 and drawn.x1 <= width and drawn.y1 <= height, (drawn.bounds, width, height)


def test_text_fallback_prints_one_line_per_epoch(capsys):
    x, y = _data(64)
    monitor = TrainingMonitor()  # no IPython kernel under pytest: text
    assert monitor.text
    training.fit(_build, (x, y), _data(32, seed=1), epochs=3, batch_size=32, callbacks=[monitor])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert [line.split(" - ")[0] for line in lines] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]
    assert all("val_loss" in line and "samples/s" in line for line in lines)
    assert monitor.chart.value == b""


def test_a_click_during_validation_stops_at_the_end_of_the_epoch(capsys):
    """A click between two batch checks (here: while validating) still stops, and says where."""
    x, y = _data(64)
    monitor = TrainingMonitor(text=True)

    class ClickWhileValidating(keras.callbacks.Callback):
        def on_test_begin(self, logs=None):
            monitor.stop_button.click()

    history = training.fit(_build, (x, y), _data(32, seed=1), epochs=3, batch_size=32,
                           callbacks=[ClickWhileValidating(), monitor])
    assert len(history.history["loss"]) == 1 and monitor.stopped
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("epoch 1/3 - loss")
    assert lines[1] == "stopped after epoch 1, batch 2"


def test_ui_polling_lets_a_click_that_arrives_mid_cell_stop_training(monkeypatch):
    """In a kernel, the click reaches the monitor only when it asks the kernel for waiting messages."""
    x, y = _data(512)
    polls = []

    class FakeKernelEvents:  # stands in for jupyter_ui_poll.ui_events(): the 3rd poll delivers a click
        def __enter__(self):
            return self.poll

        def __exit__(self, *exc):
            return False

        def poll(self, n):
            polls.append(n)
            if len(polls) == 3:
                monitor.stop_button.click()

    monkeypatch.setattr(_jupyter, "_ui_events", FakeKernelEvents)
    monkeypatch.setattr(_jupyter, "can_poll", lambda: True)  # as in an ipykernel 6 kernel
    monitor = TrainingMonitor(text=True, poll_ui=True)
    monitor.ui_poll_interval = 0.0  # poll after every batch
    training.fit(_build(), (x, y), epochs=5, batch_size=16, callbacks=[monitor])
    assert monitor.stopped and len(polls) == 3
    assert len(monitor.history["batch"]["loss"]) == 3  # stopped after the batch whose poll saw the click


def test_ui_polling_is_throttled_and_off_outside_a_kernel(monkeypatch):
    assert TrainingMonitor(text=True).poll_ui is False  # pytest is not a notebook kernel
    calls = []

    class Counting:
        def __enter__(self):
            return lambda n: calls.append(n)

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(_jupyter, "_ui_events", Counting)
    monitor = TrainingMonitor(text=True, poll_ui=True)
    times = iter([1.0, 1.05, 1.09, 1.11, 1.15, 1.3])
    monkeypatch.setattr(training_monitor.time, "perf_counter", lambda: next(times))
    for _ in range(6):
        monitor._handle_ui_events()
    assert len(calls) == 3  # at 1.0, 1.11 and 1.3: at most every 0.1 s


def test_redraws_during_an_epoch_are_limited_in_time():
    """Tiny batches take a millisecond: redrawing every few of them would flood the browser with images."""
    x, y = _data(256)
    monitor = TrainingMonitor(update_every=1, text=False)
    monitor.min_redraw_interval = 3600.0
    pictures = []
    monitor.chart.observe(lambda change: pictures.append(change["new"]), names="value")
    training.fit(_build, (x, y), epochs=2, batch_size=8, callbacks=[monitor])
    assert len(pictures) == 2  # at the end of each epoch only (the end of training redraws the same picture)


def test_the_eta_leaves_out_the_first_batch_and_reads_as_a_clock(monkeypatch):
    """Issue 18: the first batch also compiles the graph; counting it gave an ETA of "7135:28"."""
    now = [0.0]
    monkeypatch.setattr(training_monitor.time, "perf_counter", lambda: now[0])
    monitor = TrainingMonitor(text=True)
    monitor.set_params({"epochs": 2, "steps": 10})
    monitor.on_train_begin()
    monitor.on_epoch_begin(0)
    now[0] = 100.0  # the first batch: 100 s, most of it compiling
    monitor.on_train_batch_end(0, {"loss": 1.0})
    assert "ETA estimating…" in monitor._progress()
    for batch in (1, 2):  # then 1 s per batch
        now[0] += 1.0
        monitor.on_train_batch_end(batch, {"loss": 1.0})
    assert "batch 3/10, ETA 0:17," in monitor._progress()  # 17 batches left at 1 s each, not 102 s / 3 each
    assert training_monitor._duration(7135) == "1:58:55"
