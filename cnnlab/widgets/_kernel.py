"""Let a widget answer clicks while a notebook cell is still running (e.g. Stop during training).

A Jupyter kernel reads the messages of a widget (a click is a ``comm_msg``) on the same
thread that runs the cells, so while a cell trains a network, a click waits until the cell
ends: too late for a Stop button. Two ways round it, chosen by what the kernel offers:

* **ipykernel 7 and later** run *subshells*: extra threads, each with its own event loop,
  and a shell-channel thread that routes every incoming message. A comm may name the
  subshell its messages go to (``_reply_subshell_for``). :func:`answer_while_busy` creates
  one subshell per kernel and routes the widget's messages there, so its callbacks run at
  once, on that thread, while the main thread trains. Callbacks must therefore be quick and
  thread-safe: setting a flag that the training loop reads is the pattern.
* **ipykernel 6** has no subshells but ``do_one_iteration``, which ``jupyter-ui-poll``
  calls between batches (:func:`poll_events`) to handle the messages waiting for the main
  thread, holding back queued cells so that Run All still runs them in order.

Outside a kernel both do nothing, and the widget still works when the cell has ended.
"""

from __future__ import annotations

import importlib.util
import threading

__all__ = ["answer_while_busy", "can_poll", "poll_events"]

_subshells: dict[int, str] = {}   # id(kernel) -> the subshell created for widgets
_lock = threading.Lock()


def _kernel():
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return None
    shell = get_ipython()
    return getattr(shell, "kernel", None) if shell is not None else None


def _widget_subshell(kernel, timeout: float = 10.0) -> str | None:
    """The id of this kernel's subshell for widget messages, created on first use; None if unsupported."""
    thread = getattr(kernel, "shell_channel_thread", None)
    manager = getattr(thread, "manager", None)
    if not getattr(kernel, "_supports_kernel_subshells", False) or manager is None:
        return None
    with _lock:
        if id(kernel) in _subshells:
            return _subshells[id(kernel)]
        # Subshells are created on the shell-channel thread (as for a create_subshell_request).
        created, result = threading.Event(), {}

        def create():
            try:
                result["id"] = manager._create_subshell()
            except Exception as error:  # noqa: BLE001 - reported below as "unsupported"
                result["error"] = error
            finally:
                created.set()

        loop = getattr(manager, "_shell_channel_io_loop", None)
        if loop is None or not hasattr(manager, "_create_subshell"):
            return None
        loop.add_callback(create)
        if not created.wait(timeout) or "id" not in result:
            return None
        _subshells[id(kernel)] = result["id"]
        return result["id"]


def answer_while_busy(widget) -> bool:
    """Route ``widget``'s messages to a kernel subshell, so that its callbacks run while a cell runs.

    Parameters
    ----------
    widget : ipywidgets.Widget
        Typically a button whose callback only sets a flag.

    Returns
    -------
    bool
        True if routed (ipykernel 7 or later with subshells); False otherwise, and
        nothing changed: use :func:`poll_events` between steps of the long computation.

    Examples
    --------
    >>> import ipywidgets as w
    >>> answer_while_busy(w.Button())   # no kernel here
    False
    """
    import ipywidgets

    if not isinstance(widget, ipywidgets.Widget):
        raise ValueError(f"widget must be an ipywidgets.Widget, received widget={widget!r:.80}.")
    kernel = _kernel()
    comm = getattr(widget, "comm", None)
    if kernel is None or comm is None:
        return False
    subshell = _widget_subshell(kernel)
    if subshell is None:
        return False
    # An instance attribute: ipykernel's own per-message routing (it follows the thread that last
    # published on the comm) must not send a click back to the busy main thread.
    comm._reply_subshell_for = lambda data, default: subshell
    return True


def can_poll() -> bool:
    """Whether :func:`poll_events` can handle widget messages here (ipykernel 6 with ``jupyter-ui-poll``).

    Examples
    --------
    >>> can_poll()   # no kernel here
    False
    """
    kernel = _kernel()
    return (kernel is not None and hasattr(kernel, "do_one_iteration")
            and importlib.util.find_spec("jupyter_ui_poll") is not None)


def poll_events(n: int = 10) -> None:
    """Handle up to ``n`` widget messages waiting for the busy main thread (see :func:`can_poll`)."""
    from jupyter_ui_poll import ui_events

    from .._validation import check_non_negative_int

    n = check_non_negative_int("n", n)
    with ui_events() as poll:
        poll(n)
