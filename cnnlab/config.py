"""Settings read from the environment, in one place.

Every switch the course honours is an environment variable, read here and
nowhere else:

``CNNLAB_QUICK``
    ``1`` caps epochs, steps and sample counts so that the whole notebook test
    run stays short on a small CPU. Learners leave it unset.
``CNNLAB_DATA_DIR``
    A folder holding an offline copy of the data (``mnist/``,
    ``fashion-mnist/``, ``pretrained/``, ``flowers/``, ``images/``). The loaders
    look here first, so a classroom without internet still works.
``CNNLAB_CACHE_DIR``
    Where downloads are kept (default: ``$XDG_CACHE_HOME/cnnlab`` or
    ``~/.cache/cnnlab``).
``CNNLAB_OFFLINE``
    ``1`` forbids every download; loaders then use only the data folder and the
    cache. The test suite runs this way.
``CNNLAB_MIRROR_URL``
    A classroom mirror (``python -m cnnlab serve``, or any static file server)
    laid out as ``HOST/PATH``: every download of ``https://HOST/PATH`` is tried
    there first. Plain ``http://`` is allowed for it, because every file is
    verified by its checksum.
"""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "quick",
    "cap",
    "offline",
    "data_dir",
    "cache_dir",
    "set_seed",
    "QUICK_ENV",
    "DATA_DIR_ENV",
    "CACHE_DIR_ENV",
    "OFFLINE_ENV",
    "MIRROR_URL_ENV",
    "mirror_url",
]

QUICK_ENV = "CNNLAB_QUICK"
DATA_DIR_ENV = "CNNLAB_DATA_DIR"
CACHE_DIR_ENV = "CNNLAB_CACHE_DIR"
OFFLINE_ENV = "CNNLAB_OFFLINE"
MIRROR_URL_ENV = "CNNLAB_MIRROR_URL"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def _env(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    if environ is None:
        return os.environ
    if not isinstance(environ, Mapping):
        raise ValueError(
            f"environ must be a mapping of variable names to values, such as os.environ or "
            f"{{'CNNLAB_QUICK': '1'}}, received environ={environ!r:.80} (type {type(environ).__name__})."
        )
    return environ


def _flag(name: str, environ: Mapping[str, str] | None) -> bool:
    raw = _env(environ).get(name, "")
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"environment variable {name}={raw!r} is not a yes/no value; "
        f"set it to 1 (on) or 0 (off), or unset it."
    )


def quick(environ: Mapping[str, str] | None = None) -> bool:
    """Return True when quick mode (``CNNLAB_QUICK=1``) is on.

    Quick mode only caps the amount of work (epochs, steps, sample counts); it
    never skips a cell. Notebooks use :func:`cap` to pick their numbers.

    Parameters
    ----------
    environ : mapping, optional
        Where to read the variable; ``os.environ`` by default.

    Examples
    --------
    >>> quick({"CNNLAB_QUICK": "1"})
    True
    >>> quick({})
    False
    """
    return _flag(QUICK_ENV, environ)


def cap(normal, quick_value, environ: Mapping[str, str] | None = None):
    """Return ``quick_value`` in quick mode and ``normal`` otherwise.

    Parameters
    ----------
    normal : object
        What a learner gets (for example 20 epochs).
    quick_value : object
        What the test run gets (for example 1 epoch). For numbers it must not
        exceed ``normal``: quick mode caps work, it never adds any.
    environ : mapping, optional
        Where to read ``CNNLAB_QUICK``; ``os.environ`` by default.

    Examples
    --------
    >>> cap(20, 1, environ={"CNNLAB_QUICK": "1"})
    1
    >>> cap(20, 1, environ={})
    20
    """
    for label, value in (("normal", normal), ("quick_value", quick_value)):
        if isinstance(value, float) and value != value:
            raise ValueError(f"{label} must be a number, received {label}={value!r}.")
    if isinstance(normal, (int, float)) and isinstance(quick_value, (int, float)):
        if quick_value > normal:
            raise ValueError(
                f"quick_value={quick_value!r} is larger than normal={normal!r}; "
                "quick mode may only cap work, so pass a value <= normal."
            )
    return quick_value if quick(environ) else normal


def offline(environ: Mapping[str, str] | None = None) -> bool:
    """Return True when downloads are forbidden (``CNNLAB_OFFLINE=1``).

    Examples
    --------
    >>> offline({"CNNLAB_OFFLINE": "yes"})
    True
    >>> offline({})
    False
    """
    return _flag(OFFLINE_ENV, environ)


def data_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    """Return the offline data folder named by ``CNNLAB_DATA_DIR``, or None.

    The path is returned even when it does not exist, so that loaders can say
    exactly which file they looked for.

    Examples
    --------
    >>> str(data_dir({"CNNLAB_DATA_DIR": "/srv/cnnlab-data"}))
    '/srv/cnnlab-data'
    >>> data_dir({}) is None
    True
    """
    raw = _env(environ).get(DATA_DIR_ENV, "").strip()
    if not raw:
        return None
    return Path(raw).expanduser()


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Return the folder where downloads are cached.

    ``CNNLAB_CACHE_DIR`` wins; otherwise ``$XDG_CACHE_HOME/cnnlab``, otherwise
    ``~/.cache/cnnlab``. The folder is not created here; the downloader
    creates it when it first writes.

    Examples
    --------
    >>> str(cache_dir({"CNNLAB_CACHE_DIR": "/tmp/cnnlab-cache"}))
    '/tmp/cnnlab-cache'
    >>> str(cache_dir({"XDG_CACHE_HOME": "/var/cache"}))
    '/var/cache/cnnlab'
    """
    env = _env(environ)
    raw = env.get(CACHE_DIR_ENV, "").strip()
    if raw:
        return Path(raw).expanduser()
    xdg = env.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "cnnlab"


def mirror_url(environ: Mapping[str, str] | None = None) -> str | None:
    """Return the classroom mirror named by ``CNNLAB_MIRROR_URL`` (no trailing slash), or None.

    Raises
    ------
    ValueError
        If the value is not an ``http://`` or ``https://`` address with a host.

    Examples
    --------
    >>> mirror_url({"CNNLAB_MIRROR_URL": "http://192.168.1.20:8765/"})
    'http://192.168.1.20:8765'
    >>> mirror_url({}) is None
    True
    >>> mirror_url({"CNNLAB_MIRROR_URL": "ftp://teacher"})
    Traceback (most recent call last):
    ...
    ValueError: CNNLAB_MIRROR_URL='ftp://teacher' is not an http:// or https:// address; set it to the address that `python -m cnnlab serve` prints on the teacher's machine, or unset it.
    """
    from urllib.parse import urlsplit

    raw = _env(environ).get(MIRROR_URL_ENV, "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(
            f"{MIRROR_URL_ENV}={raw!r} is not an http:// or https:// address; set it to the address that "
            "`python -m cnnlab serve` prints on the teacher's machine, or unset it."
        )
    return raw.rstrip("/")


def set_seed(seed: int = 42) -> int:
    """Seed Python's, numpy's and (if loaded) TensorFlow's random generators.

    TensorFlow is seeded only when it has already been imported, so calling
    this never costs the several seconds that importing TensorFlow takes.

    Parameters
    ----------
    seed : int
        A non-negative integer.

    Returns
    -------
    int
        The seed, so a notebook can print it.

    Examples
    --------
    >>> import numpy as np
    >>> _ = set_seed(7); a = np.random.rand()
    >>> _ = set_seed(7); b = np.random.rand()
    >>> a == b
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(
            f"seed={seed!r} is not a non-negative integer; pass for example seed=42."
        )
    if seed > 2**32 - 1:
        raise ValueError(f"seed={seed!r} is too large: numpy takes seeds from 0 to 2**32 - 1; pass for example seed=42.")
    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    if "tensorflow" in sys.modules or "keras" in sys.modules:
        import keras

        keras.utils.set_random_seed(seed)
    return seed
