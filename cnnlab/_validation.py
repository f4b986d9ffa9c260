"""Argument checks shared by every module.

Each check raises an error that names the argument, quotes the value it
received, and says how to fix it, in the style of Keras'
``argument_validation``. Checks run at the public edge of the package; inner
helpers trust their inputs.
"""

from __future__ import annotations

import numbers

__all__ = ["check_positive_int", "check_non_negative_int", "check_one_of", "check_positive_number"]


def _describe(value) -> str:
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
        message = f"{name} must be a positive integer, received {name}={_describe(value)}."
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
        message = f"{name} must be a non-negative integer, received {name}={_describe(value)}."
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
        message = f"{name} must be a positive number, received {name}={_describe(value)}."
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
        raise ValueError(f"{name} must be one of {choices}, received {name}={_describe(value)}.")
    return candidate
