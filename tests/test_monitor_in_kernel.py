"""The Stop button in a real Jupyter kernel: a click sent while the training cell runs ends it.

No browser: the test is the front end. It starts an ipykernel, runs a training cell that
would last hours, queues a second cell behind it (as Run All does), then sends the message
a browser sends when Stop is clicked (a ``comm_msg`` with a click event) and checks that
training ends after a few more batches and that the queued cell then runs.
"""

from __future__ import annotations

import queue
import time

import numpy as np
import pytest

jupyter_client = pytest.importorskip("jupyter_client")

from tests.stop_training_cells import AFTER, SETUP, TRAIN  # noqa: E402 (after importorskip)


@pytest.fixture
def kernel():
    manager, client = jupyter_client.manager.start_new_kernel(kernel_name="python3")
    try:
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def _iopub_until(client, predicate, timeout: float):
    """Read IOPub messages until ``predicate(msg)`` is true; return that message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        if predicate(msg):
            return msg
    raise AssertionError(f"no such IOPub message within {timeout} s")


def _reply(client, msg_id: str, timeout: float):
    """The shell reply to request ``msg_id`` (other replies, e.g. to kernel_info, are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        msg = client.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


def _is_stop_button(msg) -> bool:
    if msg["msg_type"] != "comm_open":
        return False
    state = msg["content"]["data"].get("state", {})
    return state.get("_model_name") == "ButtonModel" and state.get("description") == "Stop"


def _text(msg) -> str:
    return msg["content"].get("text", "") if msg["msg_type"] == "stream" else ""


def test_stop_clicked_while_the_training_cell_runs_ends_it_and_the_queued_cell_runs(kernel):
    setup_id = kernel.execute(SETUP)
    button = _iopub_until(kernel, _is_stop_button, 120)["content"]["comm_id"]
    assert _reply(kernel, setup_id, 120)["content"]["status"] == "ok"
    # This ipykernel routes the click to a subshell: the monitor has no "use Interrupt" note.
    note_id = kernel.execute("from cnnlab.widgets import _jupyter\n"
                             "print(f'note={monitor.stop_note.value!r} works={_jupyter.stop_button_works()}')")
    printed = _iopub_until(kernel, lambda m: "note=" in _text(m), 30)
    assert _text(printed).strip() == "note='' works=True"
    assert _reply(kernel, note_id, 30)["content"]["status"] == "ok"

    train_id = kernel.execute(TRAIN)
    after_id = kernel.execute(AFTER)  # queued behind the training cell, as with Run All
    # Training is under way once the monitor reports a batch (its readout is an HTML widget update).
    _iopub_until(kernel, lambda m: m["msg_type"] == "comm_msg"
                 and "epoch 1/10000, batch" in str(m["content"]["data"].get("state", {}).get("value", "")), 120)
    clicked = time.monotonic()
    click = kernel.session.msg("comm_msg", {"comm_id": button,
                                            "data": {"method": "custom", "content": {"event": "click"}}})
    kernel.shell_channel.send(click)

    assert _reply(kernel, train_id, 60)["content"]["status"] == "ok"
    assert _reply(kernel, after_id, 30)["content"]["status"] == "ok"
    assert time.monotonic() - clicked < 30, "training went on long after Stop"

    printed = _iopub_until(kernel, lambda m: "stopped=" in _text(m), 30)
    assert "stopped=True" in _text(printed)
    batches = int(_text(printed).split("batches=")[1].split()[0])
    assert 0 < batches < 10_000 * 128


def _png(bundle: dict):
    import base64
    import io

    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(base64.b64decode(bundle["image/png"]))).convert("L"), dtype=np.int16)


def test_the_saved_picture_of_a_monitor_shows_the_curves_of_its_last_run(kernel):
    """Issue 18: the static picture (what GitHub shows) was the empty axes of before training."""
    setup_id = kernel.execute(SETUP)
    shown = _iopub_until(kernel, lambda m: m["msg_type"] == "display_data"
                         and "application/vnd.jupyter.widget-view+json" in m["content"]["data"], 120)
    assert _reply(kernel, setup_id, 120)["content"]["status"] == "ok"
    display_id = shown["content"]["transient"]["display_id"]
    train_id = kernel.execute("history = training.fit(model, (x[:512], y[:512]), epochs=2, batch_size=32, "
                              "callbacks=[monitor])")
    updated = _iopub_until(kernel, lambda m: m["msg_type"] == "update_display_data", 120)
    assert _reply(kernel, train_id, 60)["content"]["status"] == "ok"
    assert updated["content"]["transient"]["display_id"] == display_id
    before, after = shown["content"]["data"], updated["content"]["data"]
    view = "application/vnd.jupyter.widget-view+json"
    assert after[view]["model_id"] == before[view]["model_id"]          # the same live widget
    first, last = _png(before), _png(after)
    assert first.shape == last.shape
    changed = np.abs(first - last) > 40
    assert changed.mean() > 0.002, "the saved picture did not change after training"
    # The curves are drawn in the chart's two axes, below the readout and the button.
    assert changed[first.shape[0] // 3:].mean() > changed[: first.shape[0] // 3].mean() / 2


# ----------------------------------------------------------------------------- where Stop cannot work
# Fake kernel objects, no real kernel: what the monitor says next to its Stop button in a kernel
# with neither subshells that route comms (ipykernel 7.4+) nor do_one_iteration (ipykernel 6).

INTERRUPT_NOTE = ("In this Jupyter, use the kernel's Interrupt (■ in the toolbar, or Kernel ▸ Interrupt) "
                  "to stop training.")


class BareKernel:
    """A kernel with neither way (a kernel that is not ipykernel, as some front ends run)."""


class Ipykernel6(BareKernel):
    def do_one_iteration(self):  # pragma: no cover - never called here
        pass


class _Manager:
    _shell_channel_io_loop = object()

    def _create_subshell(self):  # pragma: no cover - never called here
        return "subshell-1"


class Ipykernel7(Ipykernel6):
    """ipykernel 7.0's shape: subshells, and a do_one_iteration that no longer reads the main shell."""
    _supports_kernel_subshells = True
    shell_channel_thread = type("ShellChannelThread", (), {"manager": _Manager()})()


@pytest.fixture
def in_kernel(monkeypatch):
    """Pretend this process is a notebook kernel of the given kind; yields a setter."""
    from cnnlab.widgets import _jupyter, training_monitor

    def use(kernel, routes_comms: bool = True):
        monkeypatch.setattr(_jupyter, "_kernel", lambda: kernel)
        monkeypatch.setattr(_jupyter, "_kernel_routes_comms", lambda: routes_comms)
        return training_monitor

    return use


def _note(monitor) -> str:
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", monitor.stop_note.value))


@pytest.mark.parametrize("kernel, routes_comms, works", [
    (BareKernel(), True, False),
    (Ipykernel6(), True, True),
    (Ipykernel7(), True, True),     # 7.4 and later: clicks go to a subshell
    (Ipykernel7(), False, False),   # 7.0-7.3: subshells, but comms are not routed to them
])
def test_stop_button_works_follows_what_the_kernel_offers(in_kernel, kernel, routes_comms, works):
    from cnnlab.widgets import _jupyter

    in_kernel(kernel, routes_comms)
    assert _jupyter.in_kernel()
    assert _jupyter.stop_button_works() is works
    assert _jupyter.can_poll() is (isinstance(kernel, Ipykernel6) and not isinstance(kernel, Ipykernel7))


def test_the_monitor_says_to_use_interrupt_where_stop_cannot_work(in_kernel):
    monitor = in_kernel(BareKernel()).TrainingMonitor()
    assert monitor.poll_ui and not monitor.text
    assert _note(monitor) == INTERRUPT_NOTE
    assert monitor.stop_note.layout.display != "none"
    # Next to the button: in the same row as the Stop button.
    row = monitor.root.children[0]
    assert monitor.stop_button in row.children
    assert any(monitor.stop_note in getattr(child, "children", ()) for child in row.children)
    monitor.close()


@pytest.mark.parametrize("kernel", [Ipykernel6(), Ipykernel7()], ids=["ipykernel6", "ipykernel7.4"])
def test_the_monitor_says_nothing_where_stop_works(in_kernel, kernel):
    monitor = in_kernel(kernel).TrainingMonitor()
    assert monitor.stop_note.value == "" and monitor.stop_note.layout.display == "none"
    monitor.close()


def test_the_note_appears_when_training_finds_stop_cannot_work(in_kernel, monkeypatch):
    from cnnlab.widgets import _jupyter

    monitor = in_kernel(Ipykernel7()).TrainingMonitor()
    assert monitor.stop_note.value == ""
    # The subshell could not be made after all (e.g. it timed out), and this kernel cannot poll.
    monkeypatch.setattr(_jupyter, "answer_while_busy", lambda button: False)
    monkeypatch.setattr(_jupyter, "can_poll", lambda: False)
    monitor.on_train_begin()
    assert _note(monitor) == INTERRUPT_NOTE and not monitor._polling
    monkeypatch.setattr(_jupyter, "answer_while_busy", lambda button: True)
    monitor.on_train_begin()
    assert monitor.stop_note.value == ""
    monitor.close()


def test_outside_a_kernel_there_is_no_note():
    from cnnlab.widgets import TrainingMonitor

    monitor = TrainingMonitor(text=True)
    assert monitor.stop_note.value == ""
    monitor.close()
