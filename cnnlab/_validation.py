"""Argument checks shared by every module.

Each check raises an error that names the argument, quotes the value it
received, and says how to fix it, in the style of Keras'
``argument_validation``. Checks run at the public edge of the package; inner
helpers trust their inputs.

:func:`check_memory` refuses a request whose estimated memory exceeds
:func:`memory_limit` (4 GiB or half the machine's memory: the least of its RAM,
its cgroup's limit and its address-space limit) *before* anything is allocated,
with the estimate in the message, written by :func:`cnnlab.memory.format_bytes`.
This module needs only numpy and the standard library at import, so every
other module can import it without a cycle (``check_memory`` imports
``cnnlab.memory``, itself TensorFlow-free, when it refuses a request; Keras is
never imported here: :func:`check_model` looks for it in ``sys.modules``).
"""

from __future__ import annotations

import errno
import math
import numbers
import os
import stat
import sys
from pathlib import Path

import numpy as np

__all__ = [
    "check_memory",
    "memory_limit",
    "check_bool",
    "check_rate",
    "check_finite_array",
    "check_image_batch_tensor",
    "check_positive_int",
    "check_non_negative_int",
    "check_one_of",
    "check_positive_number",
    "check_positive_odd_int",
    "check_finite_number",
    "check_positive_int_pair",
    "check_shape",
    "check_model",
]


def describe(value) -> str:
    """``repr(value)`` cut to 80 characters, with the type for anything but a plain number or string: how an
    error message quotes the value it received (every module's, so that they all read alike).

    Examples
    --------
    >>> describe(3), describe("3"), describe([3])
    ('3', "'3'", '[3] (type list)')
    """
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{text} (type {type(value).__name__})" if not isinstance(value, (int, float, str)) else text


def check_positive_int(name: str, value, *, hint: str = "") -> int:
    """Return ``value`` as an ``int`` if it is an integer >= 1, else raise.

    Examples
    --------
    >>> check_positive_int("max_size", 512)
    512
    >>> check_positive_int("max_size", 0)
    Traceback (most recent call last):
    ...
    ValueError: max_size must be a positive integer, received max_size=0.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        message = f"{name} must be a positive integer, received {name}={describe(value)}."
        raise ValueError(message + (f" {hint}" if hint else ""))
    return int(value)


def check_non_negative_int(name: str, value, *, hint: str = "") -> int:
    """Return ``value`` as an ``int`` if it is an integer >= 0, else raise.

    Examples
    --------
    >>> check_non_negative_int("index", 3)
    3
    >>> check_non_negative_int("index", -1)
    Traceback (most recent call last):
    ...
    ValueError: index must be a non-negative integer, received index=-1.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        message = f"{name} must be a non-negative integer, received {name}={describe(value)}."
        raise ValueError(message + (f" {hint}" if hint else ""))
    return int(value)


def check_positive_number(name: str, value, *, hint: str = "") -> float:
    """Return ``value`` as a ``float`` if it is a finite number > 0, else raise.

    Examples
    --------
    >>> check_positive_number("timeout", 2)
    2.0
    >>> check_positive_number("timeout", -1.5)
    Traceback (most recent call last):
    ...
    ValueError: timeout must be a positive number, received timeout=-1.5.
    """
    ok = (
        not isinstance(value, bool)
        and isinstance(value, numbers.Real)
        and value > 0
        and value != float("inf")
    )
    if not ok:
        message = f"{name} must be a positive number, received {name}={describe(value)}."
        raise ValueError(message + (f" {hint}" if hint else ""))
    return float(value)


def check_one_of(name: str, value, allowed, *, normalize=None):
    """Return ``value`` (normalised) if it is one of ``allowed``, else raise.

    Parameters
    ----------
    name : str
        The argument's name, as the caller wrote it.
    value : object
        What the caller passed.
    allowed : iterable
        The accepted values (after normalisation).
    normalize : callable, optional
        Applied to ``value`` first, for example ``str.upper``.

    Examples
    --------
    >>> check_one_of("padding", "same", ("SAME", "VALID"), normalize=str.upper)
    'SAME'
    >>> check_one_of("padding", "full", ("SAME", "VALID"), normalize=str.upper)
    Traceback (most recent call last):
    ...
    ValueError: padding must be one of 'SAME', 'VALID', received padding='full'.
    """
    allowed = tuple(allowed)
    candidate = value
    if normalize is not None:
        try:
            candidate = normalize(value)
        except (TypeError, AttributeError, ValueError):
            candidate = value
    if candidate not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {choices}, received {name}={describe(value)}.")
    return candidate


def check_positive_odd_int(name: str, value, *, hint: str = "") -> int:
    """Return ``value`` as an ``int`` if it is an odd integer >= 1, else raise.

    For sizes that need a centre pixel (3, 5, 7, ...).

    Examples
    --------
    >>> check_positive_odd_int("size", 5)
    5
    >>> check_positive_odd_int("size", 4)
    Traceback (most recent call last):
    ...
    ValueError: size must be a positive odd integer, received size=4.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1 or value % 2 == 0:
        message = f"{name} must be a positive odd integer, received {name}={describe(value)}."
        raise ValueError(message + (f" {hint}" if hint else ""))
    return int(value)


def check_finite_number(name: str, value, *, hint: str = "") -> float:
    """Return ``value`` as a ``float`` if it is a finite real number, else raise.

    Examples
    --------
    >>> check_finite_number("angle", -1)
    -1.0
    >>> check_finite_number("angle", float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: angle must be a finite number, received angle=nan.
    """
    ok = (
        not isinstance(value, bool)
        and isinstance(value, numbers.Real)
        and value == value  # not NaN
        and abs(value) != float("inf")
    )
    if not ok:
        message = f"{name} must be a finite number, received {name}={describe(value)}."
        raise ValueError(message + (f" {hint}" if hint else ""))
    return float(value)


def _is_positive_int(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Integral) and value >= 1


def check_positive_int_pair(name: str, value, *, hint: str = "") -> tuple[int, int]:
    """Return ``value`` as ``(int, int)`` if it is a positive integer or a pair of them, else raise.

    A single integer ``k`` stands for ``(k, k)``, as in Keras' ``kernel_size=3``.

    Examples
    --------
    >>> check_positive_int_pair("kernel_size", 3)
    (3, 3)
    >>> check_positive_int_pair("strides", (2, 1))
    (2, 1)
    >>> check_positive_int_pair("kernel_size", (3, 0))
    Traceback (most recent call last):
    ...
    ValueError: kernel_size must be a positive integer or a pair (height, width) of them, received kernel_size=(3, 0) (type tuple).
    """
    if _is_positive_int(value):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(_is_positive_int(v) for v in value):
        return int(value[0]), int(value[1])
    message = (f"{name} must be a positive integer or a pair (height, width) of them, "
               f"received {name}={describe(value)}.")
    raise ValueError(message + (f" {hint}" if hint else ""))


def check_shape(name: str, value, ndim: int | None = None, *, hint: str = "") -> tuple[int, ...]:
    """Return ``value`` as a tuple of positive ``int`` (of length ``ndim`` if given), else raise.

    Parameters
    ----------
    name : str
        The argument's name, as the caller wrote it.
    value : object
        What the caller passed: a tuple or list of integers.
    ndim : int, optional
        The required number of dimensions.
    hint : str
        Appended to the message, for example what the dimensions mean.

    Examples
    --------
    >>> check_shape("input_shape", [150, 100, 3], 3)
    (150, 100, 3)
    >>> check_shape("input_shape", (150, 100), 3, hint="Give (height, width, channels).")
    Traceback (most recent call last):
    ...
    ValueError: input_shape must be a tuple of 3 positive integers, received input_shape=(150, 100) (type tuple). Give (height, width, channels).
    """
    ok = (
        isinstance(value, (tuple, list))
        and len(value) >= 1
        and (ndim is None or len(value) == ndim)
        and all(_is_positive_int(v) for v in value)
    )
    if not ok:
        size = "" if ndim is None else f"{ndim} "
        message = f"{name} must be a tuple of {size}positive integers, received {name}={describe(value)}."
        raise ValueError(message + (f" {hint}" if hint else ""))
    return tuple(int(v) for v in value)


def check_image_batch_tensor(name: str, value) -> None:
    """Check that ``value`` has a 4-D shape ``(batch, height, width, channels)``, as Keras layers expect.

    Works on anything with a ``shape`` (a Keras tensor, a numpy array), without importing Keras.

    Examples
    --------
    >>> check_image_batch_tensor("x", np.zeros((1, 8, 8, 3)))
    >>> check_image_batch_tensor("x", np.zeros((8, 8, 3)))
    Traceback (most recent call last):
    ...
    ValueError: x must be a 4-D tensor (batch, height, width, channels), received x with shape (8, 8, 3).
    """
    shape = getattr(value, "shape", None)
    if shape is None or len(shape) != 4:
        shape_text = tuple(shape) if shape is not None else None
        raise ValueError(
            f"{name} must be a 4-D tensor (batch, height, width, channels), received {name} with shape {shape_text!r}."
        )


def check_bool(name: str, value) -> bool:
    """Return ``value`` if it is ``True`` or ``False`` (numpy's too), else raise.

    ``"yes"``, ``1`` or ``None`` are refused: a flag that silently takes any
    truthy value hides typos such as ``normalize="rows"``.

    Examples
    --------
    >>> check_bool("normalize", False)
    False
    >>> check_bool("normalize", "rows")
    Traceback (most recent call last):
    ...
    ValueError: normalize must be True or False, received normalize='rows'.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, received {name}={describe(value)}.")
    return bool(value)


def check_rate(name: str, value, *, hint: str = "") -> float:
    """Return ``value`` as a float if it is a finite number in [0, 1) (a dropout rate, a label smoothing), else raise.

    Examples
    --------
    >>> check_rate("dropout", 0.5)
    0.5
    >>> check_rate("dropout", 1)
    Traceback (most recent call last):
    ...
    ValueError: dropout must be a number in [0, 1), received dropout=1.
    """
    ok = (not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(value)
          and 0 <= value < 1)
    if not ok:
        raise ValueError(f"{name} must be a number in [0, 1), received {name}={describe(value)}."
                         + (f" {hint}" if hint else ""))
    return float(value)


def check_finite_array(name: str, array) -> None:
    """Raise if the numeric array ``array`` holds NaN or infinite values, naming where the first one is.

    Examples
    --------
    >>> check_finite_array("x", np.ones((2, 2)))
    >>> check_finite_array("x", np.array([[0.0, 1.0], [np.nan, np.inf]]))
    Traceback (most recent call last):
    ...
    ValueError: x contains 2 NaN or infinite values (the first at x[1, 0] = nan); give finite numbers.
    """
    array = np.asarray(array)
    if array.dtype.kind not in "fc" or array.size == 0:
        return
    count, first = 0, None
    for lead, start, block in _scan_blocks(array) if array.ndim else [((), 0, array[None])]:
        bad = ~np.isfinite(block)  # at most _SCAN_BLOCK booleans: a huge or broadcast array is never copied whole
        found = int(np.count_nonzero(bad))
        if found and first is None:
            inside = tuple(int(i) for i in np.argwhere(bad)[0])
            first = (*lead, start + inside[0], *inside[1:])[: array.ndim]
        count += found
    if first is None:
        return
    where = ", ".join(str(i) for i in first)
    raise ValueError(f"{name} contains {count:,} NaN or infinite values (the first at {name}[{where}] = "
                     f"{array[first].item()!r}); give finite numbers.")


#: :func:`check_finite_array` tests at most this many values at a time (2 MiB of booleans).
_SCAN_BLOCK = 2**21


def _scan_blocks(array: np.ndarray, lead: tuple = ()):
    """Views of at most :data:`_SCAN_BLOCK` values that cover ``array`` (not empty, 1-D or more) in order.

    Yields ``(lead, start, block)`` with ``block = array[lead][start:start + len(block)]``: the
    leading indices fixed so far, and where the block starts along the next axis. No value is copied.

    Examples
    --------
    >>> [(lead, start, block.shape) for lead, start, block in _scan_blocks(np.zeros((3, 2)))]
    [((), 0, (3, 2))]
    """
    row = array[0].size
    if row > _SCAN_BLOCK and array.ndim > 1:
        for index in range(array.shape[0]):
            yield from _scan_blocks(array[index], (*lead, index))
        return
    step = max(1, _SCAN_BLOCK // max(row, 1))
    for start in range(0, array.shape[0], step):
        yield lead, start, array[start:start + step]


#: The most any single request may allocate when the machine's RAM cannot be read.
_DEFAULT_MEMORY_LIMIT = 4 * 2**30

#: Where Linux keeps the cgroup files: in a container, the container's own group (Binder gives 2 GB this way).
_CGROUP_ROOT = "/sys/fs/cgroup"

#: A limit at least this large means "no limit" (cgroup v1 writes 2**63 rounded down to a page).
_NO_LIMIT = 2**60


def _physical_memory() -> int | None:
    """The machine's physical RAM in bytes (``os.sysconf``), or None where it cannot be read (Windows)."""
    try:
        ram = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows) or no such name
        return None
    return ram if isinstance(ram, int) and ram > 0 else None


def _cgroup_memory_files(root: str = _CGROUP_ROOT, self_cgroup: str = "/proc/self/cgroup") -> list[str]:
    """The files that may hold this process's cgroup memory limit: v2's ``memory.max``, v1's ``memory.limit_in_bytes``.

    Those at ``root`` (a container's group), and those of the group that
    ``self_cgroup`` names (on a host, a systemd slice).

    Examples
    --------
    >>> _cgroup_memory_files("/sys/fs/cgroup", "/no/such/file")
    ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']
    """
    files = [os.path.join(root, "memory.max"), os.path.join(root, "memory", "memory.limit_in_bytes")]
    try:
        with open(self_cgroup, encoding="utf-8") as file:
            lines = file.read(65536).splitlines()
    except (OSError, UnicodeDecodeError):
        return files
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3 or not parts[2].startswith("/") or parts[2] == "/":
            continue
        group = parts[2].lstrip("/")
        if parts[0] == "0" and parts[1] == "":  # cgroup v2: "0::/path"
            files.append(os.path.join(root, group, "memory.max"))
        elif "memory" in parts[1].split(","):  # cgroup v1: "4:memory:/path"
            files.append(os.path.join(root, "memory", group, "memory.limit_in_bytes"))
    return files


def _cgroup_memory_limit(files=None) -> int | None:
    """The tightest memory limit in the cgroup ``files`` that can be read, in bytes; None if there is none.

    ``max`` (cgroup v2), a huge number (cgroup v1), or no readable file means no limit.
    ``files``: :func:`_cgroup_memory_files` by default.

    Examples
    --------
    >>> _cgroup_memory_limit(["/no/such/file"]) is None
    True
    """
    limits = []
    for name in _cgroup_memory_files() if files is None else files:
        try:
            with open(name, encoding="ascii") as file:
                raw = file.read(64).strip()
        except (OSError, UnicodeDecodeError):
            continue
        if raw.isdigit() and 0 < int(raw) < _NO_LIMIT:
            limits.append(int(raw))
    return min(limits) if limits else None


def _address_space_limit(getrlimit=None) -> int | None:
    """The soft limit on this process's address space (``ulimit -v``) in bytes, or None if unlimited.

    ``getrlimit`` stands in for :func:`resource.getrlimit` (which is missing on Windows) in tests.

    Examples
    --------
    >>> _address_space_limit(lambda which: (2**31, -1))
    2147483648
    >>> _address_space_limit(lambda which: (-1, -1)) is None
    True
    """
    try:
        import resource
    except ImportError:  # Windows
        resource = None
    which = getattr(resource, "RLIMIT_AS", None)
    if getrlimit is None:
        if which is None:
            return None
        getrlimit = resource.getrlimit
    try:
        soft = getrlimit(which)[0]
    except (OSError, ValueError, TypeError, IndexError):
        return None
    # RLIM_INFINITY is -1 on Linux and 2**63 - 1 elsewhere: both mean no limit.
    return soft if isinstance(soft, int) and 0 < soft < _NO_LIMIT else None


def _machine_memory(*, physical=None, cgroup_files=None, getrlimit=None) -> int | None:
    """The memory this process may use, in bytes: the least of the RAM, its cgroup's limit and its address-space limit.

    In a container or on Binder (2 GB in a cgroup) the cgroup's limit is what
    counts, not the host's RAM; ``ulimit -v`` caps the address space. None
    where none of the three can be read.

    Parameters
    ----------
    physical : callable, optional
        Returns the physical RAM in bytes, or None; :func:`_physical_memory` by default.
    cgroup_files : sequence of paths, optional
        The cgroup files to read, the tightest limit wins (:func:`_cgroup_memory_files` by default).
    getrlimit : callable, optional
        Stands in for :func:`resource.getrlimit`.

    Examples
    --------
    >>> _machine_memory(physical=lambda: 16 * 2**30, cgroup_files=[], getrlimit=lambda which: (2**31, -1))
    2147483648
    >>> _machine_memory(physical=lambda: None, cgroup_files=[], getrlimit=lambda which: (-1, -1)) is None
    True
    """
    ram = (_physical_memory if physical is None else physical)()
    limits = [ram, _cgroup_memory_limit(cgroup_files), _address_space_limit(getrlimit)]
    known = [limit for limit in limits if limit is not None]
    return min(known) if known else None


def memory_limit() -> int:
    """The default ``limit`` of :func:`check_memory`, in bytes: 4 GiB or half the machine's memory, whichever is less.

    The machine's memory is the least of the physical RAM (``os.sysconf``), the
    limit of the process's cgroup (a container's, or Binder's 2 GB) and its
    address-space limit (``ulimit -v``); see :func:`_machine_memory`. It is not
    what is free at the moment: free memory changes from second to second, and
    the same call should not pass or fail depending on what else runs. Half of
    it leaves room for the notebook, TensorFlow and the copies an operation
    makes besides its result; 4 GiB is more than any step of the course needs
    (the largest, a batch of 32 flower photos at 299×299, takes 34 MiB), so a
    request above it is almost certainly a typo such as ``size=70000``.
    Where none of them can be read (Windows), the limit is 4 GiB.

    Examples
    --------
    >>> 0 < memory_limit() <= 4 * 2**30
    True
    """
    memory = _machine_memory()
    if memory is None:
        return _DEFAULT_MEMORY_LIMIT
    return min(_DEFAULT_MEMORY_LIMIT, memory // 2)


def check_memory(name: str, nbytes, *, limit: int | None = None, fix: str = "") -> int:
    """Refuse a request that would need more than ``limit`` bytes, before anything is allocated.

    Call it with an estimate of what the request will allocate (its result
    and the temporary copies it makes) computed from the arguments' shapes,
    so that a typo such as ``size=70000`` gives a clear error at once instead
    of a ``MemoryError`` after a long wait, or a machine that swaps.

    Parameters
    ----------
    name : str
        What was asked for, in the caller's words: the arguments that set the
        size, with their values, for example ``"size=70001"`` or
        ``"x of shape (64, 2000, 2000, 3) and filters of shape (3, 3, 3, 256)"``.
        The message starts with it.
    nbytes : int
        The estimated number of bytes.
    limit : int, optional
        The most that may be allocated; :func:`memory_limit` by default
        (4 GiB or half the machine's memory, whichever is less).
    fix : str
        How to ask for less, appended to the message.

    Returns
    -------
    int
        ``nbytes``, when it is within the limit.

    Raises
    ------
    ValueError
        Naming the request, the estimate (readable and in bytes) and the limit.

    Examples
    --------
    >>> check_memory("size=7", 7 * 7 * 4)
    196
    >>> check_memory("size=100000", 4 * 100_000**2, limit=2**30, fix="Use a size of at most 16,383.")
    Traceback (most recent call last):
    ...
    ValueError: size=100000 would need about 37.3 GiB (40,000,000,000 bytes) of memory, more than the 1.0 GiB allowed for one request (memory_limit()). Use a size of at most 16,383.
    """
    if isinstance(nbytes, bool) or not isinstance(nbytes, numbers.Real) or not nbytes >= 0:
        raise ValueError(f"nbytes must be a non-negative number of bytes, received nbytes={describe(nbytes)}.")
    if limit is None:
        limit = memory_limit()
    elif isinstance(limit, bool) or not isinstance(limit, numbers.Integral) or limit < 0:
        raise ValueError(f"limit must be a non-negative integer number of bytes, received limit={describe(limit)}.")
    if nbytes > limit:
        from .memory import format_bytes  # the lesson's one way to write bytes; memory imports this module

        if math.isfinite(nbytes):
            need = f"about {format_bytes(nbytes)} ({int(nbytes):,} bytes)"
        else:
            need = "infinitely many bytes"
        message = f"{name} would need {need} of memory, more than the {format_bytes(limit)} allowed for one request " \
                  "(memory_limit())."
        raise ValueError(message + (f" {fix}" if fix else ""))
    return nbytes


# ----------------------------------------------------------------------------- models

#: How to give a model its inputs, for the message of :func:`check_model`.
BUILD_FIX = "start it with keras.Input(shape=...) or call model.build((None, height, width, channels)) first"


def _quoted(value) -> str:
    """:func:`describe`, with the type also for a number or a string: ``'lenet5' (type str)``."""
    text = describe(value)
    return text if "(type " in text else f"{text} (type {type(value).__name__})"


def _is_keras_model(value) -> bool:
    # A keras.Model exists only once keras has been imported: never import it (and TensorFlow) here.
    keras = sys.modules.get("keras")
    return keras is not None and isinstance(value, keras.Model)


def _model_inputs(model) -> list:
    """The model's input tensors, or ``[]`` for a model not built yet (Keras raises then)."""
    try:
        return list(model.inputs or [])
    except (AttributeError, ValueError):
        return []


def check_model(name: str, value, *, predict_only: bool = False, built: bool = False, single_input: bool = False,
                allow_none: bool = False, example: str = "", fix: str = ""):
    """Return ``value`` if it is a Keras model (with the inputs asked for), else raise.

    Never imports Keras: a ``keras.Model`` can only exist once Keras has been
    imported, so a value is checked against it only then.

    Parameters
    ----------
    name : str
        The argument's name in the message.
    value : object
        What was received.
    predict_only : bool
        Accept anything with a callable ``predict`` method (a grader's rule:
        a stand-in model passes), instead of only a ``keras.Model``.
    built : bool
        Also require known inputs (a model started with ``keras.Input`` or
        built with ``model.build``), for callers that read ``model.inputs``.
    single_input : bool
        Also require exactly one input (implies ``built``).
    allow_none : bool
        Let ``None`` through (returned as is), for "no model yet".
    example : str
        What model to give, written in parentheses after the rule, e.g.
        ``"a convolutional network such as dream_base()"``.
    fix : str
        How to build a model that has no inputs yet; :data:`BUILD_FIX` by default.

    Returns
    -------
    object
        ``value``.

    Raises
    ------
    ValueError
        Naming the argument, quoting the value received (and its type), and
        saying what to give instead.

    Examples
    --------
    >>> check_model("model", None, allow_none=True) is None
    True
    >>> check_model("model", "lenet5")
    Traceback (most recent call last):
    ...
    ValueError: model must be a keras.Model, received model='lenet5' (type str).
    >>> check_model("model", "lenet5", built=True)
    Traceback (most recent call last):
    ...
    ValueError: model must be a built Keras model with defined inputs, received model='lenet5' (type str); start it with keras.Input(shape=...) or call model.build((None, height, width, channels)) first.
    """
    if value is None and allow_none:
        return None
    built = built or single_input
    if not (callable(getattr(value, "predict", None)) if predict_only else _is_keras_model(value)):
        noun = ("a Keras model (anything with a predict method)" if predict_only
                else "a built Keras model with defined inputs" if built else "a keras.Model")
        rule = noun + (f" ({example})" if example else "") + (" or None" if allow_none else "")
        message = f"{name} must be {rule}, received {name}={_quoted(value)}"
        raise ValueError(message + (f"; {fix or BUILD_FIX}." if built else "."))
    if built and not predict_only:
        _check_model_inputs(name, value, single_input, fix or BUILD_FIX)
    return value


def _check_model_inputs(name: str, model, single_input: bool, fix: str) -> None:
    inputs = _model_inputs(model)
    if not inputs:
        raise ValueError(f"{name} must be a built Keras model with defined inputs, but {name} {model.name!r} "
                         f"has no known input: {fix}.")
    if single_input and len(inputs) != 1:
        raise ValueError(f"{name} must be a Keras model with one input, received {name} {model.name!r} "
                         f"with {len(inputs)} inputs; give a model with one image input.")


# ----------------------------------------------------------------------------- images and labels (issue 17)

#: The channel counts an image may have: greyscale, RGB, RGBA.
_CHANNEL_COUNTS = (1, 3, 4)


def check_channels_last(name: str, value, *, batch: bool = False) -> None:
    """Refuse an image given channels first, ``(C, H, W)`` (or a batch ``(N, C, H, W)``), as PyTorch stores them.

    cnnlab, like Keras, takes images channels last: ``(H, W, C)`` and ``(N, H, W, C)``.
    The rule: the axis where channels would come first holds 1, 3 or 4 entries and the
    last axis does not. Such an array is refused rather than read as three grey images
    (or as an image three pixels high). Works on anything with a ``shape``, or a shape.

    Parameters
    ----------
    name : str
        The argument's name, as the caller wrote it.
    value : array-like or tuple
        The image or batch (or its shape).
    batch : bool
        Whether ``value`` is a batch (the channel axis would then be axis 1).

    Examples
    --------
    >>> check_channels_last("image", np.zeros((64, 64, 3)))
    >>> check_channels_last("image", np.zeros((3, 64, 64)))
    Traceback (most recent call last):
    ...
    ValueError: image has shape (3, 64, 64), which looks channels-first (3 channels on axis 0, as PyTorch stores images); cnnlab takes images channels last, (H, W, C): pass np.moveaxis(image, 0, -1). If it is a batch of greyscale images, add a channel axis: image[..., None].
    """
    shape = tuple(int(d) for d in (value.shape if hasattr(value, "shape") else value))
    axis = 1 if batch else 0
    if len(shape) != axis + 3 or shape[axis] not in _CHANNEL_COUNTS or shape[-1] in _CHANNEL_COUNTS:
        return
    layout = "(N, H, W, C)" if batch else "(H, W, C)"
    message = (f"{name} has shape {shape}, which looks channels-first ({shape[axis]} channel"
               f"{'s' * (shape[axis] != 1)} on axis {axis}, as PyTorch stores images); cnnlab takes images "
               f"channels last, {layout}: pass np.moveaxis({name}, {axis}, -1).")
    if not batch:
        message += f" If it is a batch of greyscale images, add a channel axis: {name}[..., None]."
    raise ValueError(message)


def check_class_labels(name: str, labels, num_classes: int | None = None) -> np.ndarray:
    """Return ``labels`` as int64 if they are whole numbers in ``[0, num_classes)``, else raise naming the first bad one.

    Parameters
    ----------
    name : str
        The argument's name, as the caller wrote it.
    labels : array-like
        Class indices, of any shape (usually ``(n,)``); integers or whole floats.
    num_classes : int, optional
        The number of classes (the model's outputs); without it only ``>= 0`` is checked.

    Examples
    --------
    >>> check_class_labels("y", [0, 2, 1.0], 3)
    array([0, 2, 1])
    >>> check_class_labels("y", [0, 3, 1], 3)
    Traceback (most recent call last):
    ...
    ValueError: y must hold class labels in [0, 3) (the model has 3 outputs), received y[1] = 3; give labels 0 to 2, or a model with more outputs.
    """
    array = np.asarray(labels)
    if array.dtype.kind not in "iuf" or array.dtype == bool:
        raise ValueError(f"{name} must hold integer class labels, received dtype {array.dtype}.")
    if array.dtype.kind == "f":
        bad = ~np.isfinite(array) | (array != np.round(np.nan_to_num(array)))
        if bad.any():
            where, value = _first_true(bad, array)
            raise ValueError(f"{name} must hold integer class labels, received {name}[{where}] = "
                             f"{value!r}; give whole class numbers 0, 1, 2, ...")
    array = array.astype(np.int64)
    high = num_classes
    bad = (array < 0) if high is None else ((array < 0) | (array >= high))
    if bad.any():
        where, value = _first_true(bad, array)
        if high is None:
            raise ValueError(f"{name} must hold class labels >= 0, received {name}[{where}] = {value}.")
        raise ValueError(f"{name} must hold class labels in [0, {high}) (the model has {high} output"
                         f"{'s' * (high != 1)}), received {name}[{where}] = {value}; give labels 0 to "
                         f"{high - 1}, or a model with more outputs.")
    return array


def _first_true(mask: np.ndarray, array: np.ndarray) -> tuple[str, object]:
    """The index of the first True of ``mask``, written as in ``y[2, 0]``, and the value of ``array`` there."""
    first = tuple(int(i) for i in np.argwhere(mask)[0])
    return ", ".join(str(i) for i in first), array[first].item()


# --------------------------------------------------------------------------- paths

def check_file(path, name: str = "path") -> Path:
    """Return ``path`` as a Path if it names a readable regular file; otherwise say why, naming the argument.

    Raises
    ------
    FileNotFoundError
        If nothing is there.
    ValueError
        If it is a folder or a special file, lies inside a file, has a name too long for the file
        system, or cannot be read.

    Examples
    --------
    >>> check_file("/")
    Traceback (most recent call last):
    ...
    ValueError: path='/' is a folder, not a file; give the path of a file (one inside that folder?).
    """
    path, shown, mode = path_mode(path, name, "give the path of a file")
    if mode is None:
        raise FileNotFoundError(f"{shown} does not exist; give the path of a file.")
    if stat.S_ISDIR(mode):
        raise ValueError(f"{shown} is a folder, not a file; give the path of a file (one inside that folder?).")
    if not stat.S_ISREG(mode):
        raise ValueError(f"{shown} is a special file (a device, FIFO or socket), not a file; give the path of a file.")
    if not os.access(path, os.R_OK):
        raise ValueError(f"{shown} cannot be read (no permission); give the path of a file you can read.")
    return path


def check_folder(path, name: str = "path") -> Path:
    """Return ``path`` as a Path if it names a folder; otherwise a ValueError naming the argument and why.

    Examples
    --------
    >>> check_folder("/nonexistent/cnnlab-data", "data_dir")
    Traceback (most recent call last):
    ...
    ValueError: data_dir='/nonexistent/cnnlab-data' does not exist; give the path of a folder.
    """
    path, shown, mode = path_mode(path, name, "give the path of a folder")
    if mode is None:
        raise ValueError(f"{shown} does not exist; give the path of a folder.")
    if not stat.S_ISDIR(mode):
        raise ValueError(f"{shown} is a file, not a folder; give the path of a folder (the one that holds it?).")
    return path


def path_mode(path, name: str, fix: str, *, follow: bool = True) -> tuple[Path, str, int | None]:
    """``(Path, "name='...'" for messages, st_mode or None if nothing is there)``; a path the system refuses raises.

    The ``ValueError`` names ``name``, says what is wrong (:func:`path_problem`) and ends with ``fix``.
    ``follow=False`` looks at a symbolic link itself, not at what it points to.

    Examples
    --------
    >>> path, shown, mode = path_mode("/", "root", "give a folder")
    >>> shown, stat.S_ISDIR(mode)
    ("root='/'", True)
    """
    if not isinstance(path, (str, os.PathLike)) or isinstance(path, bytes):
        raise ValueError(f"{name} must be a path (str or pathlib.Path), received {name}={path!r:.80}.")
    shown = f"{name}={short_path(path)}"
    path = Path(path)
    try:
        return path, shown, os.stat(path, follow_symlinks=follow).st_mode
    except FileNotFoundError:
        return path, shown, None
    except OSError as error:  # a name too long, a path through a file, no permission, a loop of links
        raise ValueError(f"{shown} {path_problem(error)}; {fix}.") from None


def short_path(path) -> str:
    """``repr`` of a path for a message, its middle left out if it is long (a 300-character name).

    Examples
    --------
    >>> short_path("/tmp/" + "a" * 300)
    "'/tmp/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...aaaaaaaaaaaaaaaaaaaaaaaaa' (305 characters)"
    """
    text = str(path)
    if len(text) <= 100:
        return repr(text)
    return f"{repr(text[:60])[:-1]}...{repr(text[-25:])[1:]} ({len(text)} characters)"


def path_problem(error: OSError) -> str:
    """What an OSError of ``stat`` says about a path, in words."""
    if error.errno == errno.ENAMETOOLONG:
        return "has a name too long for this file system (at most 255 characters per name)"
    if error.errno == errno.ENOTDIR:
        return "lies inside a file, not a folder"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "cannot be read (no permission)"
    if error.errno == errno.ELOOP:
        return "is a loop of symbolic links"
    return f"cannot be used ({os.strerror(error.errno) if error.errno else error})"
