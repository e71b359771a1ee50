"""Turn user input (lists, arrays, Fractions) into checked NumPy arrays.

Every failure raises `LSTMInputError` naming the argument, what was expected and what
was given, so no caller ever sees a NumPy traceback.
"""

from __future__ import annotations

import math
import numbers
import sys
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import LSTMInputError


def describe(value: Any) -> str:
    """A short, human description of a value for error messages."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _as_object_array(value: Any, name: str) -> NDArray[Any]:
    ragged = LSTMInputError(
        f"{name} is ragged: every row must have the same length; got {describe(value)}"
    )
    try:
        arr = np.array(value, dtype=object)
    except ValueError:
        raise ragged from None
    # With dtype=object NumPy stops at the ragged level and keeps the rows as lists.
    if any(isinstance(item, (list, tuple, np.ndarray)) for item in arr.flat):
        raise ragged
    return arr


_FLOAT_EXACT_INT = 2**53  # float64 holds every integer up to here exactly


def numeric_array(value: Any, name: str) -> NDArray[Any]:
    """Return `value` as a float64 array, or an object array if it holds Fractions.

    Fractions, and integers too large for float64 to hold exactly (beyond 2**53), are kept
    as Python numbers so that `exact=True` can use them without rounding; every other real
    number becomes float64. Strings, None, complex numbers and NaN/inf are refused.
    """
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf":
        arr = value.astype(np.float64, copy=True)
    else:
        if isinstance(value, str):
            raise LSTMInputError(f"{name} must hold numbers, not the string {value!r}")
        obj = _as_object_array(value, name)
        keep_exact = False
        for index, item in np.ndenumerate(obj):
            if isinstance(item, str) or not isinstance(item, numbers.Real):
                where = f" at index {list(index)}" if obj.ndim else ""
                raise LSTMInputError(
                    f"{name} must hold real numbers; found {describe(item)}{where}"
                )
            keep_exact = (
                keep_exact
                or isinstance(item, Fraction)
                or (isinstance(item, numbers.Integral) and abs(int(item)) > _FLOAT_EXACT_INT)
            )
        if keep_exact:
            return to_exact(obj)
        arr = obj.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        kind = "NaN" if math.isnan(arr[bad]) else "inf"
        raise LSTMInputError(
            f"{name} contains {kind} at index {list(bad)}; only finite numbers are allowed"
        )
    return arr


def _exact_scalar(value: Any) -> int | Fraction:
    """The exact rational value of a real number; whole numbers come back as int."""
    if isinstance(value, Fraction):
        frac = value
    elif isinstance(value, numbers.Integral):
        return int(value)
    else:
        as_float = float(value)
        if not math.isfinite(as_float):
            raise LSTMInputError(f"exact mode needs finite numbers; got {as_float}")
        frac = Fraction(as_float)
    return int(frac) if frac.denominator == 1 else frac


exact_scalar = _exact_scalar
_to_exact = np.vectorize(_exact_scalar, otypes=[object])


def to_exact(arr: NDArray[Any]) -> NDArray[Any]:
    """Exact (int/Fraction) object array of `arr`; floats are taken exactly as stored."""
    return _to_exact(arr) if arr.size else np.asarray(arr, dtype=object)


def to_float(arr: NDArray[Any]) -> NDArray[np.float64]:
    """float64 view of an array that may hold Fractions."""
    return arr.astype(np.float64) if arr.dtype == object else arr


def bool_array(value: Any, name: str) -> NDArray[np.bool_]:
    """A boolean mask; accepts booleans or the integers 0 and 1."""
    if isinstance(value, np.ndarray) and value.dtype == np.bool_:
        return value
    obj = _as_object_array(value, name)
    for index, item in np.ndenumerate(obj):
        ok = isinstance(item, (bool, np.bool_)) or (
            isinstance(item, numbers.Integral) and int(item) in (0, 1)
        )
        if not ok:
            raise LSTMInputError(
                f"{name} must hold booleans (True keeps a step, False masks it); "
                f"found {describe(item)} at index {list(index)}"
            )
    return obj.astype(np.bool_)


def int_text(n: int) -> str:
    """Decimal digits of any int, however long.

    Python refuses str() of an int longer than `sys.get_int_max_str_digits()` (4300 by
    default) and the toy network passes that at step 10; split such a number into halves
    by a power of ten instead.
    """
    limit = sys.get_int_max_str_digits()
    if limit == 0 or n.bit_length() < 3 * limit:  # 3 bits per digit stays under the limit
        return str(n)
    if n < 0:
        return "-" + int_text(-n)
    half = max(1, len(_rough_digits(n)) // 2)
    high, low = divmod(n, 10**half)
    return int_text(high) + int_text(low).rjust(half, "0")


def _rough_digits(n: int) -> range:
    return range(int(n.bit_length() * 0.30103) + 1)  # log10(2) digits per bit
