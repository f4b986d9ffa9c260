"""Argument checks shared by every module.

Each check raises an error that names the argument, quotes the value it
received, and says how to fix it, in the style of Keras'
``argument_validation``. Checks run at the public edge of the package; inner
helpers trust their inputs.
"""

from __future__ import annotations

import numbers

__all__ = [
    "check_image_batch_tensor",
    "check_positive_int",
    "check_non_negative_int",
    "check_one_of",
    "check_positive_number",
    "check_positive_odd_int",
    "check_finite_number",
    "check_positive_int_pair",
    "check_shape",
]


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
        message = f"{name} must be a positive odd integer, received {name}={_describe(value)}."
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
        message = f"{name} must be a finite number, received {name}={_describe(value)}."
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
    message = f"{name} must be a positive integer or a pair (height, width) of them, received {name}={_describe(value)}."
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
        message = f"{name} must be a tuple of {size}positive integers, received {name}={_describe(value)}."
        raise ValueError(message + (f" {hint}" if hint else ""))
    return tuple(int(v) for v in value)


def check_image_batch_tensor(name: str, value) -> None:
    """Check that ``value`` has a 4-D shape ``(batch, height, width, channels)``, as Keras layers expect.

    Works on anything with a ``shape`` (a Keras tensor, a numpy array), without importing Keras.

    Examples
    --------
    >>> import numpy as np
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
