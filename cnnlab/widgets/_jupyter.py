"""Let a widget answer clicks while a notebook cell is still running (e.g. Stop during training).

A Jupyter kernel reads the messages of a widget (a click is a ``comm_msg``) on the same
thread that runs the cells, so while a cell trains a network, a click waits until the cell
ends: too late for a Stop button. Two ways round it, chosen by what the kernel offers:

* **ipykernel 7.4 and later** run *subshells*: extra threads, each with its own event loop,
  and a shell-channel thread that routes every incoming message. A comm may name the
  subshell its messages go to (``_reply_subshell_for``). :func:`answer_while_busy` creates
  one subshell per kernel and routes the widget's messages there, so its callbacks run at
  once, on that thread, while the main thread trains. Callbacks must therefore be quick and
  thread-safe: setting a flag that the training loop reads is the pattern.
* **ipykernel 6** has no subshells but ``do_one_iteration``, which ``jupyter-ui-poll``
  calls between batches (:func:`poll_events`) to handle the messages waiting for the main
  thread, holding back queued cells so that Run All still runs them in order.

ipykernel 7.0 to 7.3 have subshells but do not ask a comm where its messages go, and their
``do_one_iteration`` no longer reads the main shell's messages: neither way works there
(pyproject.toml leaves them out), nor in kernels that are not ipykernel.
:func:`stop_button_works` says whether one of the two works in the running kernel.
Outside a kernel both do nothing, and the widget still works when the cell has ended.
"""

from __future__ import annotations

import importlib.util
import threading

# in_kernel and stop_button_works are public too; they are left out of __all__ only because every name
# there needs a row in tests/reliability/test_bad_input.py (they take no arguments).
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


def in_kernel() -> bool:
    """Whether this code runs in a Jupyter kernel (a notebook, JupyterLab, VS Code, Colab).

    Examples
    --------
    >>> in_kernel()   # a doctest runs in no kernel
    False
    """
    return _kernel() is not None


def _kernel_routes_comms() -> bool:
    """Whether ipykernel asks a comm which subshell its messages go to (7.4 and later)."""
    try:
        from ipykernel.comm.comm import BaseComm
    except ImportError:
        return False
    return callable(getattr(BaseComm, "_reply_subshell_for", None))


def _can_route(kernel) -> bool:
    """Whether ``kernel`` has subshells and routes comm messages to them, so :func:`answer_while_busy` works."""
    manager = getattr(getattr(kernel, "shell_channel_thread", None), "manager", None)
    return (bool(getattr(kernel, "_supports_kernel_subshells", False)) and manager is not None
            and hasattr(manager, "_create_subshell") and getattr(manager, "_shell_channel_io_loop", None) is not None
            and _kernel_routes_comms())


def _widget_subshell(kernel, timeout: float = 10.0) -> str | None:
    """The id of this kernel's subshell for widget messages, created on first use; None if unsupported."""
    if not _can_route(kernel):
        return None
    manager = kernel.shell_channel_thread.manager
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

        manager._shell_channel_io_loop.add_callback(create)
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
        True if routed (ipykernel 7.4 or later, with subshells); False otherwise, and
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

    A kernel with subshells (ipykernel 7) does not qualify even where it still has
    ``do_one_iteration`` (7.0): the main shell's messages no longer pass through it.

    Examples
    --------
    >>> can_poll()   # no kernel here
    False
    """
    kernel = _kernel()
    return (kernel is not None and hasattr(kernel, "do_one_iteration")
            and not getattr(kernel, "_supports_kernel_subshells", False)
            and importlib.util.find_spec("jupyter_ui_poll") is not None)


def stop_button_works() -> bool:
    """Whether a widget's click can act while a cell of this kernel runs (a Stop button during training).

    True with ipykernel 7.4 or later (subshells, :func:`answer_while_busy`) and with
    ipykernel 6 (:func:`can_poll`); False outside a kernel and in kernels with neither,
    where only the kernel's Interrupt stops a running cell.

    Examples
    --------
    >>> stop_button_works()   # no kernel here
    False
    """
    kernel = _kernel()
    return kernel is not None and (_can_route(kernel) or can_poll())


def _ui_events():
    """``jupyter_ui_poll.ui_events()``: a context giving ``poll(n)``, which handles up to n waiting kernel messages."""
    from jupyter_ui_poll import ui_events

    return ui_events()


def poll_events(n: int = 10) -> None:
    """Handle up to ``n`` widget messages waiting for the busy main thread (see :func:`can_poll`)."""
    from .._validation import check_non_negative_int

    n = check_non_negative_int("n", n)
    with _ui_events() as poll:
        poll(n)
