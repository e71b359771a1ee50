"""Two independent ways to differentiate, for checking `backward`: forward-mode dual
numbers (exact with ints and Fractions) and central finite differences (float64)."""

from __future__ import annotations

from typing import Any

import numpy as np


class Dual:
    """a + b·ε with ε² = 0: carrying b through a computation gives its exact derivative."""

    def __init__(self, a: Any, b: Any = 0) -> None:
        self.a, self.b = a, b

    def __add__(self, o: Any) -> Dual:
        o = o if isinstance(o, Dual) else Dual(o)
        return Dual(self.a + o.a, self.b + o.b)

    __radd__ = __add__

    def __neg__(self) -> Dual:
        return Dual(-self.a, -self.b)

    def __sub__(self, o: Any) -> Dual:
        return self + (-(o if isinstance(o, Dual) else Dual(o)))

    def __rsub__(self, o: Any) -> Dual:
        return Dual(o) - self

    def __mul__(self, o: Any) -> Dual:
        o = o if isinstance(o, Dual) else Dual(o)
        return Dual(self.a * o.a, self.a * o.b + self.b * o.a)

    __rmul__ = __mul__


def numeric_gradient(fn: Any, arr: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of scalar fn() with respect to every entry of arr (in place)."""
    grad = np.zeros(arr.shape)
    for idx in np.ndindex(arr.shape):
        keep = arr[idx]
        arr[idx] = keep + eps
        up = fn()
        arr[idx] = keep - eps
        down = fn()
        arr[idx] = keep
        grad[idx] = (up - down) / (2 * eps)
    return grad
