"""Activation functions by the names Keras uses, in float and in exact arithmetic.

Float versions follow Keras 3's definitions, so the engine rounds as Keras does.
Exact versions exist only for functions that map rationals to rationals (linear,
relu, hard_sigmoid); sigmoid and tanh involve e**x and cannot stay exact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import LSTMInputError
from ._validate import describe, exact_scalar, to_exact

Array = NDArray[Any]
ArrayFn = Callable[[Array], Array]


def linear(x: Array) -> Array:
    """Identity: Keras's "linear", also what `activation=None` means."""
    return x


def sigmoid(x: Array) -> Array:
    """1 / (1 + e**-x), written as (1 + tanh(x/2)) / 2, which cannot overflow."""
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


def hard_sigmoid(x: Array) -> Array:
    """Keras 3's piecewise-linear sigmoid: relu6(x + 3) / 6, i.e. clip(x/6 + 1/2, 0, 1)."""
    return np.clip(x / 6.0 + 0.5, 0.0, 1.0)


def tanh(x: Array) -> Array:
    """Hyperbolic tangent."""
    return np.tanh(x)


def relu(x: Array) -> Array:
    """max(x, 0)."""
    return np.maximum(x, 0.0)


def _exact_elementwise(fn: Callable[[Any], Any]) -> ArrayFn:
    vectorized = np.vectorize(fn, otypes=[object])

    def apply(x: Array) -> Array:
        return vectorized(x) if x.size else x

    return apply


_SIXTH = Fraction(1, 6)
_HALF = Fraction(1, 2)


def _hard_sigmoid_exact(v: Any) -> Any:
    return exact_scalar(min(max(v * _SIXTH + _HALF, 0), 1))


_FLOAT: dict[str, ArrayFn] = {
    "linear": linear,
    "sigmoid": sigmoid,
    "hard_sigmoid": hard_sigmoid,
    "tanh": tanh,
    "relu": relu,
}
_EXACT: dict[str, ArrayFn] = {
    "linear": linear,
    "hard_sigmoid": _exact_elementwise(_hard_sigmoid_exact),
    "relu": _exact_elementwise(lambda v: max(v, 0)),
}

ACTIVATIONS: tuple[str, ...] = tuple(_FLOAT)
"""The activation names the engine knows, as Keras spells them."""

EXACT_ACTIVATIONS: tuple[str, ...] = tuple(_EXACT)
"""The activations that keep rational numbers rational, usable with `exact=True`."""


@dataclass(frozen=True)
class Activation:
    """A resolved activation: the name shown to people and the function to apply."""

    name: str
    fn: ArrayFn


def resolve(spec: str | Callable[..., Any] | None, *, argument: str, exact: bool) -> Activation:
    """Look up an activation given by name, None (linear) or a callable."""
    if spec is None:
        spec = "linear"
    if callable(spec):
        name = getattr(spec, "__name__", type(spec).__name__)
        return Activation(name, _checked_exact(spec, name, argument) if exact else spec)
    if not isinstance(spec, str) or spec not in _FLOAT:
        raise LSTMInputError(
            f"{argument}={describe(spec)} is not a known activation; "
            f"use one of {', '.join(ACTIVATIONS)}, None (linear) or a callable"
        )
    if not exact:
        return Activation(spec, _FLOAT[spec])
    if spec not in _EXACT:
        raise LSTMInputError(
            f"exact=True cannot use {argument}={spec!r}: it turns rational numbers into "
            f"irrational ones; exact mode supports {', '.join(EXACT_ACTIVATIONS)} "
            "(or use exact=False)"
        )
    return Activation(spec, _EXACT[spec])


def keeps_rationals(spec: str | Callable[..., Any] | None) -> bool:
    """Whether `exact=True` can use an activation: a name in `EXACT_ACTIVATIONS`, None
    (linear), or a callable that says so with `exact = True` (`ParametricActivation` does)."""
    if spec is None:
        return True
    if isinstance(spec, str):
        return spec in _EXACT
    return getattr(spec, "exact", False) is True


def _checked_exact(fn: Callable[..., Any], name: str, argument: str) -> ArrayFn:
    """Wrap a user callable so exact mode refuses it if it returns floats."""

    def apply(x: Array) -> Array:
        out = np.asarray(fn(x), dtype=object)
        for value in out.flat:
            if isinstance(value, (float, np.floating)):
                raise LSTMInputError(
                    f"exact=True needs {argument} to return ints or Fractions; "
                    f"the callable {name!r} returned the float {value!r}"
                )
        return to_exact(out)

    return apply


# Derivatives, as the frameworks define them at the kinks: relu'(0) = 0, and
# hard_sigmoid' = 1/6 strictly inside (-3, 3), else 0 (TensorFlow's Relu6Grad).
def _ones_like(x: Array) -> Array:
    return np.ones_like(x) if x.dtype != object else np.full(x.shape, 1, dtype=object)


def _sigmoid_derivative(x: Array) -> Array:
    s = sigmoid(x)
    return s * (1.0 - s)


def _tanh_derivative(x: Array) -> Array:
    return 1.0 - np.tanh(x) ** 2


def _relu_derivative(x: Array) -> Array:
    return np.where(x > 0, 1, 0).astype(x.dtype)


def _hard_sigmoid_derivative(x: Array) -> Array:
    inside = (x > -3) & (x < 3)
    if x.dtype == object:
        out = np.full(x.shape, 0, dtype=object)
        out[inside] = _SIXTH
        return out
    return np.where(inside, 1.0 / 6.0, 0.0).astype(x.dtype)


_DERIVATIVES: dict[str, ArrayFn] = {
    "linear": _ones_like,
    "sigmoid": _sigmoid_derivative,
    "hard_sigmoid": _hard_sigmoid_derivative,
    "tanh": _tanh_derivative,
    "relu": _relu_derivative,
}


def derivative(name: str, *, argument: str) -> ArrayFn:
    """The derivative of a named activation (float or exact, following its input's dtype)."""
    if name not in _DERIVATIVES:
        raise LSTMInputError(
            f"backward() needs {argument} to be one of {', '.join(ACTIVATIONS)}; the trace "
            f"used {name!r}, a callable whose derivative the engine does not know"
        )
    return _DERIVATIVES[name]
