"""The Stop button in a real Jupyter kernel: a click sent while the training cell runs ends it.

No browser: the test is the front end. It starts an ipykernel, runs a training cell that
would last hours, queues a second cell behind it (as Run All does), then sends the message
a browser sends when Stop is clicked (a ``comm_msg`` with a click event) and checks that
training ends after a few more batches and that the queued cell then runs.
"""

from __future__ import annotations

import queue
import time

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
