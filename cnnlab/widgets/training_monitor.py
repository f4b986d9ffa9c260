"""The training monitor: live loss and accuracy curves, progress and a Stop button (imports TensorFlow).

Upper floor: a Keras callback that is also a widget, so importing this module imports Keras.
Pass a :class:`TrainingMonitor` in the ``callbacks`` of :func:`cnnlab.training.fit` (or of
``model.fit``); it draws one matplotlib figure, made once, into one ``ipywidgets.Image``, and
outside a notebook prints one line per epoch instead. How a Stop click reaches a running
cell is :mod:`cnnlab.widgets._jupyter`'s business.

Why its chart is drawn here and not by :func:`cnnlab.charts.plot_history`, the course's other
learning curves: the two show different things and are made differently. The monitor draws the
training curves per *batch* (at fractional epochs) with validation points per epoch, legends in a
fixed corner and a fixed layout, into one Figure made once whose lines are updated in place at
every redraw (a new figure and ``tight_layout`` each time would cost far more than a batch);
``plot_history`` draws finished per-epoch histories of several phases into a new figure, with phase
markers. Sharing code would change what one of them shows, so the monitor keeps its few lines.
"""

from __future__ import annotations

import html
import io
import os
import time
import uuid

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import ipywidgets as w  # noqa: E402
import keras  # noqa: E402

from .._validation import check_positive_int  # noqa: E402
from . import _jupyter  # noqa: E402
from ._base import WidgetBase, column, picture_layout, row  # noqa: E402

__all__ = ["TrainingMonitor"]

#: Shown next to the Stop button in a kernel where a click cannot reach a running cell.
_STOP_BUTTON_CANNOT_WORK = ("In this Jupyter, use the kernel's Interrupt (■ in the toolbar, or "
                           "Kernel ▸ Interrupt) to stop training.")


def _accuracy_key(logs) -> str | None:
    return next((k for k in logs if "acc" in k and not k.startswith("val_")), None)


def _duration(seconds: float) -> str:
    """A duration as a learner reads a clock: ``m:ss``, or ``h:mm:ss`` from an hour on.

    Examples
    --------
    >>> _duration(75.4), _duration(7135.0), _duration(0)
    ('1:15', '1:58:55', '0:00')
    """
    seconds = int(round(seconds))
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}:{seconds:02d}"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}"


#: The monitor's chart: inches and dots per inch (640×240 pixels, shown at that size).
_CHART_SIZE, _CHART_DPI = (6.4, 2.4), 100


class TrainingMonitor(keras.callbacks.Callback, WidgetBase):
    """Live loss and accuracy curves, progress, and a Stop button; pass it in ``callbacks``.

    The chart (one PNG in an ``ipywidgets.Image``, drawn by one matplotlib
    figure made once) is redrawn every ``update_every`` batches and at the end
    of each epoch. Stop ends training cleanly after the current batch. Outside a
    notebook (or with ``text=True``) it prints one line per epoch instead.

    Parameters
    ----------
    update_every : int
        Redraw every this many batches (and at most every ``min_redraw_interval`` seconds).
    text : bool, optional
        Print text instead of drawing; by default, text when no notebook kernel runs.
    batch_size : int, optional
        For the samples-per-second readout (:func:`cnnlab.training.fit` sets it).

    Attributes
    ----------
    history : dict
        ``history["batch"]``: lists ``step`` (fractional epochs), ``loss`` and ``accuracy``
        per batch; ``history["epoch"]``: a list per Keras log key (``loss``, ``val_loss``, ...) per epoch.
    stopped : bool
        Whether the Stop button ended the last training run.
    running : bool
        Whether a training run is going on (from ``on_train_begin`` to its end or interruption).
    interruption : str or None
        The exception that cut the last run short (``"KeyboardInterrupt"``...), if :func:`fit` saw one.
    stop_button, readout, chart : ipywidgets.Button, ipywidgets.HTML, ipywidgets.Image
    stop_note : ipywidgets.HTML
        Empty and hidden, except in a kernel where Stop cannot act during training (see Notes).

    poll_ui : bool, optional
        Make the Stop click act while the training cell runs (see Notes); by
        default on in a notebook kernel.

    Notes
    -----
    The chart and readout update while a cell runs (they go out on IOPub), but a
    kernel busy in a cell reads a button click only after the cell ends. So that
    Stop acts *during* training: with ipykernel 7.4 or later, the Stop button's
    messages go to a kernel subshell, a thread that handles them at once
    (:func:`cnnlab.widgets._jupyter.answer_while_busy`); with ipykernel 6, the
    monitor asks the kernel, at most ten times a second between batches, to
    handle the widget messages that arrived (``jupyter_ui_poll.ui_events``).
    Either way the click only sets a flag, which the next batch's hook acts on, and
    cells queued behind the training cell (Run All) still run after it, in order.
    Where neither works (:func:`cnnlab.widgets._jupyter.stop_button_works`, e.g. a
    kernel other than ipykernel), the monitor says so next to the button
    (in ``stop_note``): the kernel's Interrupt (■, or Kernel ▸ Interrupt) stops
    training then (:func:`cnnlab.training.fit` winds up cleanly). Or run the training in a thread:
    ``threading.Thread(target=fit, args=(model, train), kwargs=dict(callbacks=[monitor])).start()``.

    Examples
    --------
    >>> from cnnlab.training import fit
    >>> monitor = TrainingMonitor(text=True)
    >>> x = np.zeros((32, 2), "float32"); y = np.zeros(32, "int32")
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="softmax")])
    >>> model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    >>> _ = fit(model, (x, y), epochs=1, batch_size=16, callbacks=[monitor])  # doctest: +ELLIPSIS
    epoch 1/1 - loss ... - accuracy 1.0000 - ...
    >>> len(monitor.history["batch"]["loss"]), monitor.stopped
    (2, False)
    """

    def __init__(self, update_every: int = 20, *, text: bool | None = None, batch_size: int | None = None,
                 poll_ui: bool | None = None) -> None:
        keras.callbacks.Callback.__init__(self)
        WidgetBase.__init__(self)
        self.update_every = check_positive_int("update_every", update_every)
        self.text = (not _jupyter.in_kernel()) if text is None else bool(text)
        self.poll_ui = _jupyter.in_kernel() if poll_ui is None else bool(poll_ui)
        self._polling = False   # polling the kernel between batches (ipykernel 6), set when training begins
        self._last_poll = self._last_draw = 0.0
        self.batch_size = batch_size
        self.history: dict = {"batch": {"step": [], "loss": [], "accuracy": []}, "epoch": {}}
        self.stopped = False
        self.running = False
        self.interruption: str | None = None
        self._stop_requested = False
        self._figure = None
        self._display_id: str | None = None  # set when displayed (see _ipython_display_)
        # At its natural size (the figure is drawn 640 pixels wide), narrower in a narrow column, never stretched.
        self.chart = w.Image(format="png", layout=picture_layout(f"{_CHART_SIZE[0] * _CHART_DPI:.0f}px"))
        self.readout = w.HTML(value="waiting for training to start")
        self.readout.add_class("cnnlab-readout")
        self.stop_button = w.Button(description="Stop", icon="stop", button_style="danger",
                                    tooltip="End training after the current batch")
        self.stop_button.on_click(self._on_stop)
        # Where a click cannot reach the running cell, say so next to the button.
        self.stop_note = w.HTML(value="", layout=w.Layout(display="none"))
        self.stop_note.add_class("cnnlab-note")
        self._note_stop_button(not _jupyter.in_kernel() or (self.poll_ui and _jupyter.stop_button_works()))
        self.root = column([row([self.stop_button, column([self.readout, self.stop_note])]),
                            self.chart, self.error_box])
        if self.text:
            self.chart.layout.display = "none"
        else:  # the empty axes until the first batch: never an empty picture (a broken-image icon)
            self.chart.value = self._draw()

    def _note_stop_button(self, works: bool) -> None:
        self.stop_note.value = "" if works else f"<i>{html.escape(_STOP_BUTTON_CANNOT_WORK)}</i>"
        self.stop_note.layout.display = "none" if works else None

    # ------------------------------------------------------------------ stop
    def _on_stop(self, _button=None) -> None:
        # Only a flag: the Keras hooks act on it, so the readout always names the last batch run.
        self._stop_requested = True

    def _stop_if_requested(self) -> bool:
        if self._stop_requested and not self.stopped:
            self.model.stop_training = True
            self.stopped = True
            self.refresh()
        return self.stopped

    #: Seconds between two requests to the kernel to handle widget messages.
    ui_poll_interval = 0.1
    #: Least seconds between two redraws during an epoch: fast batches must not flood the browser with images.
    min_redraw_interval = 0.25

    def _handle_ui_events(self) -> None:
        """Let the kernel handle pending widget messages (at most every ``ui_poll_interval`` seconds)."""
        now = time.perf_counter()
        if now - self._last_poll < self.ui_poll_interval:
            return
        self._last_poll = now
        _jupyter.poll_events(10)

    # ------------------------------------------------------------------ Keras hooks
    def on_train_begin(self, logs=None):
        self.history = {"batch": {"step": [], "loss": [], "accuracy": []}, "epoch": {}}
        self.stopped = self._stop_requested = False
        self.running, self.interruption = True, None
        self.stop_button.disabled = False
        # Clicks routed to a subshell need nothing more; otherwise poll the kernel between batches.
        routed = self.poll_ui and _jupyter.answer_while_busy(self.stop_button)
        self._polling = self.poll_ui and not routed and _jupyter.can_poll()
        if _jupyter.in_kernel():
            self._note_stop_button(routed or self._polling)
        self._epoch = self._batch = self._done = self._epoch_batches = 0
        self._start = self._last_draw = time.perf_counter()
        self._epochs = (self.params or {}).get("epochs") or 1
        self._steps = (self.params or {}).get("steps")

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._epoch_start = time.perf_counter()
        self._epoch_batches = 0

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        self._batch = batch
        self._done += 1
        self._epoch_batches += 1
        if self._done == 1:  # the first batch also builds and compiles the graph: the ETA starts after it
            self._first_batch_end = time.perf_counter()
        steps = self._steps or batch + 1
        record = self.history["batch"]
        record["step"].append(self._epoch + (batch + 1) / steps)
        record["loss"].append(float(logs.get("loss", np.nan)))
        key = _accuracy_key(logs)
        record["accuracy"].append(float(logs[key]) if key else np.nan)
        if self._polling:
            self._handle_ui_events()
        if self._stop_requested:
            self._stop_if_requested()
        elif (not self.text and self._done % self.update_every == 0
              and time.perf_counter() - self._last_draw >= self.min_redraw_interval):
            self.refresh()

    def on_test_batch_end(self, batch, logs=None):
        if self._polling:  # a click during validation is read, and acted on at the epoch's end
            self._handle_ui_events()

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.history["epoch"].setdefault(key, []).append(float(value))
        if self.text:
            elapsed = time.perf_counter() - self._epoch_start
            parts = [f"epoch {epoch + 1}/{self._epochs}"]
            keys = sorted(logs or {}, key=lambda k: (k.startswith("val_"), k.removeprefix("val_") != "loss", k))
            parts += [f"{key} {float(logs[key]):.4f}" for key in keys]
            parts.append(f"{elapsed:.1f} s ({self._rate(self._epoch_batches, elapsed)})")
            print(" - ".join(parts))
        if not self._stop_if_requested():  # a click during validation stops here
            self.refresh()

    def on_train_end(self, logs=None):
        self.running = False
        self.stop_button.disabled = True
        self.refresh()
        self._update_saved_picture()
        if self.text and self.stopped:
            print(self.readout.value)

    # ------------------------------------------------------------------ display
    def _ipython_display_(self) -> None:
        """Display the monitor under a display id, so that its static picture can follow the training.

        Every widget's output carries a static picture of the widget as first shown (for GitHub and
        nbviewer); for a monitor that is empty axes. So the monitor is displayed under its own display id,
        and at the end of each run (:meth:`_update_saved_picture`) the output is replaced by the same
        widget with a picture of the curves: what a saved notebook then shows.
        """
        from IPython.display import display

        bundle = self._repr_mimebundle_()
        if bundle is None:  # no widget front end at all: the text form
            display(repr(self))
            return
        self._display_id = self._display_id or uuid.uuid4().hex
        display(bundle, raw=True, display_id=self._display_id)

    @property
    def picture_footer(self) -> str:
        """The line under the static picture: which moment it shows."""
        if self.history["batch"]["loss"]:
            return "A picture of the monitor at the end of its last training run; run the notebook to use it."
        return WidgetBase.picture_footer

    def _update_saved_picture(self) -> None:
        """Replace the displayed output (widget and static picture) by one of the monitor's state now."""
        if self._display_id is None or self.text:
            return
        from IPython.display import update_display

        bundle = self._repr_mimebundle_()
        if bundle is not None:
            update_display(bundle, raw=True, display_id=self._display_id)

    def interrupted(self, error: BaseException) -> None:
        """End the run that ``error`` cut short (Keras skips ``on_train_end`` then); :func:`fit` calls it.

        The Stop button is disabled as after any run, the readout says where training
        was interrupted, and the next ``fit`` with this monitor starts afresh.
        """
        if not self.running:
            return
        self.running = False
        self.interruption = type(error).__name__
        self._polling = False
        self.stop_button.disabled = True
        self.refresh()
        self._update_saved_picture()
        if self.text:
            print(self.readout.value)

    # ------------------------------------------------------------------ drawing
    def _rate(self, batches: int, seconds: float) -> str:
        seconds = max(seconds, 1e-9)
        if self.batch_size:
            return f"{batches * self.batch_size / seconds:,.0f} samples/s"
        return f"{batches / seconds:,.1f} batches/s"

    def _progress(self) -> str:
        if self.stopped:
            return f"stopped after epoch {self._epoch + 1}, batch {self._batch + 1}"
        if self.interruption:
            return (f"interrupted ({self.interruption}) in epoch {self._epoch + 1}, "
                    f"after {self._epoch_batches} batch{'es' * (self._epoch_batches != 1)} of it")
        elapsed = time.perf_counter() - self._start
        steps = self._steps or self._batch + 1
        total = self._epochs * steps
        if self._done < 2:  # one batch, mostly graph compilation, says nothing about the others
            eta = "ETA estimating…"
        else:
            per_batch = (time.perf_counter() - self._first_batch_end) / (self._done - 1)
            eta = f"ETA {_duration(per_batch * max(total - self._done, 0))}"
        return (f"epoch {self._epoch + 1}/{self._epochs}, batch {self._batch + 1}/{steps}, "
                f"{eta}, {self._rate(self._done, elapsed)}")

    def _update(self) -> None:
        if not hasattr(self, "_start"):
            return
        self._last_draw = time.perf_counter()
        self.readout.value = html.escape(self._progress())
        if not self.text:
            self.chart.value = self._draw()

    def _draw(self) -> bytes:
        from PIL import Image

        if self._figure is None:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure

            # A fixed layout: "constrained" layout would re-measure every text on each redraw.
            self._figure = Figure(figsize=_CHART_SIZE, dpi=_CHART_DPI)
            self._figure.subplots_adjust(left=0.12, right=0.98, bottom=0.2, top=0.88, wspace=0.4)
            FigureCanvasAgg(self._figure)
            self._lines = {}
            for ax, name in zip(self._figure.subplots(1, 2), ("loss", "accuracy")):
                ax.set_title(name)
                ax.set_xlabel("epoch")
                ax.set_ylabel(name)
                self._lines[name] = ax.plot([], [], label="train")[0]
                self._lines["val_" + name] = ax.plot([], [], "o-", label="validation")[0]
                # A fixed corner: loc="best" searches every point of the curves on each redraw.
                ax.legend(loc="upper right" if name == "loss" else "lower right", fontsize="small")
        batch = self.history["batch"]
        epochs = self.history["epoch"]
        accuracy_key = _accuracy_key(epochs) or "accuracy"
        for name, line in self._lines.items():
            if name.startswith("val_"):
                values = epochs.get("val_" + (accuracy_key if name == "val_accuracy" else "loss"), [])
                line.set_data(np.arange(1, len(values) + 1), values)
            else:
                line.set_data(batch["step"], batch[name])
        for ax in self._figure.axes:
            if batch["step"]:
                ax.set_autoscale_on(True)
                ax.relim()
                ax.autoscale_view()
            else:  # no batch yet: plain limits, not matplotlib's ±0.05 around nothing
                ax.set_xlim(0, 1)
                ax.set_ylim(0, 1)
        canvas = self._figure.canvas
        canvas.draw()
        buffer = io.BytesIO()
        Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3]).save(buffer, format="PNG", compress_level=1)
        return buffer.getvalue()
