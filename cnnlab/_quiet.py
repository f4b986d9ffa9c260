"""Keep TensorFlow's start-up noise out of the notebooks, and every real error in them.

Why this exists
---------------
The first ``import tensorflow`` of a process (also the one ``import keras``
does) and TensorFlow's first GPU enumeration print a handful of lines that
say nothing to a student, straight into the first cell of every notebook::

    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 00:00:1795655874.561202    7167 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.
    I0000 00:00:1795661891.810705    5691 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use ...
    To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow with ...
    E0000 00:00:1795655879.415124    7167 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error: ...

TensorFlow's C++ code writes them to file descriptor 2 itself, not through
Python's ``sys.stderr``, so neither ``warnings`` filters nor
``contextlib.redirect_stderr`` see them (ipykernel forwards fd 2 into the
cell). The alternatives checked first:

* ``TF_CPP_MIN_LOG_LEVEL`` (checked with TensorFlow 2.21): level 2 hides
  only the cpu_feature_guard lines. The absl "All log messages before
  absl::InitializeLog()" line and the ``I`` cudart_stub line come from a part
  of the runtime that ignores the variable, and the cuInit line is an ``E``
  line. Level 3 hides the cuInit line too, but still not those two, and it
  hides every real error, which a student must see.
* absl's Python logging (``absl.logging.set_verbosity``) governs Python-side
  messages only; the lines above come from the C++ runtime before any Python
  code could configure it.
* Installing ``tensorflow-cpu`` instead of ``tensorflow`` (tried here with
  2.21) drops the CUDA lines but still prints the absl WARNING and the
  cpu_feature_guard lines, and the course installs the CUDA build on GPUs.

What this module does instead
-----------------------------
:func:`quiet_stderr` points fd 2 at a temporary file for the duration of a
``with`` block, then writes every captured line that is *not* one of a short,
explicit list of known start-up messages (:data:`NOISE_PATTERNS`,
:func:`is_noise`, :func:`filter_noise`) back to ``sys.stderr``: in Jupyter it
still shows in the cell, and any other message, a real error above all,
stays visible.

:func:`install` (called by ``import cnnlab``, at the cost of one list insert:
it imports no TensorFlow) puts a :data:`sys.meta_path` finder in front of the
others. The first ``import tensorflow`` after that, wherever it comes from
(``import keras``, ``import tensorflow as tf`` in any module), runs inside
:func:`quiet_stderr`, followed, still inside it, by one
``tf.config.list_physical_devices("GPU")`` so that the cuInit message is caught
too. The finder removes itself at that first use; if TensorFlow was imported
before cnnlab it does nothing. ``CNNLAB_TF_LOGS=1`` turns all of this off:
nothing is captured or filtered.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager

__all__ = ["NOISE_PATTERNS", "is_noise", "filter_noise", "quiet_stderr", "install", "uninstall", "installed"]

#: Set to ``"1"`` to see TensorFlow's start-up messages unfiltered.
ESCAPE_HATCH = "CNNLAB_TF_LOGS"

# A C++ log line's prefix: absl/glog ("I0000 00:00:1795655874.561202    7167 file.cc:31] ")
# or the TensorFlow <= 2.15 format ("2024-01-31 12:00:00.123456: I tensorflow/.../file.cc:31] ").
_PREFIX = (r"^(?:[IWEF]\d{4} [\d:.]+\s+\d+ |\d{4}-\d{2}-\d{2} [\d:.]+: [IWEF] )"
           r"[\w./-]*")

#: The known start-up messages, as regular expressions over one line (without its newline).
NOISE_PATTERNS: tuple[str, ...] = (
    r"^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR$",
    _PREFIX + r"\.cc:\d+\] failed call to cuInit: ",
    _PREFIX + r"cpu_feature_guard\.cc:\d+\] This TensorFlow binary is optimized to use available CPU instructions",
    r"^To enable (?:the following instructions: .+, in|them in) other operations, rebuild TensorFlow with the "
    r"appropriate compiler flags\.$",
    _PREFIX + r"\.cc:\d+\] Unable to register (?:cuDNN|cuFFT|cuBLAS) factory: ",
    _PREFIX + r"\.cc:\d+\] TF-TRT Warning: Could not find TensorRT",
    _PREFIX + r"\.cc:\d+\] oneDNN custom operations are on\.",
    _PREFIX + r"computation_placer\.cc:\d+\] computation placer already registered\.",
    _PREFIX + r"\.cc:\d+\] Could not find cuda drivers on your machine, GPU will not be used\.",
    r"^INFO: Created TensorFlow Lite XNNPACK delegate for CPU\.$",
)

_compiled = None


def _patterns():
    global _compiled
    if _compiled is None:
        import re

        _compiled = tuple(re.compile(p) for p in NOISE_PATTERNS)
    return _compiled


def is_noise(line: str) -> bool:
    """Whether ``line`` is one of TensorFlow's known start-up messages.

    Parameters
    ----------
    line : str
        One line, with or without its line ending.

    Returns
    -------
    bool
        True if the line matches one of :data:`NOISE_PATTERNS`.

    Examples
    --------
    >>> is_noise("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\\n")
    True
    >>> is_noise("E0000 00:00:1795655879.415124    7167 some_real_error.cc:12] Out of memory")
    False
    """
    if not isinstance(line, str):
        raise ValueError(f"line must be a str (one line of text), received line={line!r:.80}.")
    text = line.rstrip("\r\n")
    return any(p.search(text) for p in _patterns())


def filter_noise(lines) -> list[str]:
    """Drop TensorFlow's known start-up messages from ``lines``; keep everything else as it is.

    Parameters
    ----------
    lines : iterable of str
        Lines of captured standard error, with or without their line endings.

    Returns
    -------
    list of str
        The lines that are not start-up noise, unchanged and in order.

    Examples
    --------
    >>> captured = [
    ...     "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\\n",
    ...     "I0000 00:00:1795655874.561202    7167 cudart_stub.cc:31] Could not find cuda drivers on your "
    ...     "machine, GPU will not be used.\\n",
    ...     "E0000 00:00:1795655879.415124    7167 cuda_platform.cc:52] failed call to cuInit: INTERNAL: "
    ...     "CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)\\n",
    ...     "E0000 00:00:1795655879.415124    7167 some_real_error.cc:12] Out of memory\\n",
    ... ]
    >>> filter_noise(captured)
    ['E0000 00:00:1795655879.415124    7167 some_real_error.cc:12] Out of memory\\n']
    """
    if isinstance(lines, (str, bytes)):
        raise ValueError(f"lines must be a list of lines, received one {type(lines).__name__} "
                         f"(lines={lines!r:.60}); split it first: text.splitlines(keepends=True).")
    return [line for line in lines if not is_noise(line)]


def logs_wanted() -> bool:
    return os.environ.get(ESCAPE_HATCH, "").strip() == "1"


@contextmanager
def quiet_stderr():
    """Capture file descriptor 2 in the ``with`` block; pass on all but TensorFlow's start-up noise.

    C-level writes to fd 2 (and Python's, in a plain interpreter) go to a
    temporary file while the block runs. Afterwards, also when the block
    raises or is interrupted, fd 2 is restored and every captured line that
    :func:`is_noise` does not recognise is written to ``sys.stderr``, where
    Jupyter shows it in the cell. With ``CNNLAB_TF_LOGS=1`` in the
    environment nothing is captured.

    Examples
    --------
    >>> import os
    >>> with quiet_stderr():
    ...     _ = os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\\n")
    """
    if logs_wanted():
        yield
        return
    try:
        saved = os.dup(2)
    except OSError:  # no fd 2 at all (a GUI interpreter): nothing to capture
        yield
        return
    import tempfile

    capture = tempfile.TemporaryFile()
    _flush()
    os.dup2(capture.fileno(), 2)
    try:
        yield
    finally:
        _flush()
        os.dup2(saved, 2)
        os.close(saved)
        try:
            capture.seek(0)
            text = capture.read().decode("utf-8", errors="replace")
        finally:
            capture.close()
        kept = "".join(filter_noise(text.splitlines(keepends=True)))
        if kept and sys.stderr is not None:
            try:
                sys.stderr.write(kept)
                sys.stderr.flush()
            except (OSError, ValueError):  # a closed stream: nowhere left to report to
                pass


def _flush() -> None:
    for stream in (sys.stderr, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass


class _QuietLoader:
    """Wraps TensorFlow's loader: runs its ``exec_module`` and the first GPU enumeration quietly."""

    def __init__(self, loader):
        self._loader = loader

    def __getattr__(self, name):
        if name == "_loader":  # not set yet (copy, pickle): no recursion
            raise AttributeError(name)
        return getattr(self._loader, name)

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        # From here on the module is TensorFlow's own again, as if no one had been in between.
        if getattr(module, "__spec__", None) is not None:
            module.__spec__.loader = self._loader
        module.__loader__ = self._loader
        with quiet_stderr():
            self._loader.exec_module(module)
            try:  # the first GPU enumeration is where CUDA's cuInit fails on a machine without a GPU
                module.config.list_physical_devices("GPU")
            except Exception:  # noqa: BLE001 - a broken GPU set-up is reported later, by cnnlab.device
                pass


class _TensorFlowFinder:
    """A :data:`sys.meta_path` finder that quiets the first import of ``tensorflow``, then leaves."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "tensorflow" or path is not None:
            return None
        uninstall()
        import importlib.util

        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _QuietLoader(spec.loader)
        return spec


_finder = _TensorFlowFinder()


def install() -> bool:
    """Make the first ``import tensorflow`` of this process quiet; return whether the hook is in place.

    Does nothing if TensorFlow is already imported or ``CNNLAB_TF_LOGS=1``.
    Cheap: it imports nothing.
    """
    if "tensorflow" in sys.modules or logs_wanted():
        return False
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    return True


def uninstall() -> None:
    """Remove the import hook (it removes itself at the first ``import tensorflow``)."""
    while _finder in sys.meta_path:
        sys.meta_path.remove(_finder)


def installed() -> bool:
    """Whether the import hook is waiting for ``import tensorflow``."""
    return _finder in sys.meta_path
