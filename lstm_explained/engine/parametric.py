"""Activations with parameters, named as ONNX's recurrent operators name them.

ONNX's LSTM and GRU take their activations by name, some with an `alpha` and a `beta`:

    hard_sigmoid      min(max(alpha*x + beta, 0), 1)   ONNX HardSigmoid (0.2, 0.5 by default,
                                                       Keras 2's; Keras 3's is alpha 1/6)
    affine            alpha*x + beta                   ONNX Affine
    leaky_relu        x if x >= 0 else alpha*x         ONNX LeakyRelu (alpha 0.01)
    thresholded_relu  x if x >= alpha else 0           ONNX ThresholdedRelu
    scaled_tanh       alpha*tanh(beta*x)               ONNX ScaledTanh
    elu               x if x >= 0 else alpha*(e^x - 1) ONNX Elu (alpha 1)
    softsign          x / (1 + |x|)                    ONNX Softsign
    softplus          log(1 + e^x)                     ONNX Softplus

A `ParametricActivation` is a callable that `forward` accepts wherever it accepts an
activation. Its parameters are Fractions, so the rational kinds stay exact with
`exact=True`; on float32 arrays it computes in float32, as onnxruntime does. On other
arrays (a Keras or JAX tensor) the piecewise-linear kinds use only +, * and abs, so a
Keras layer can run the same function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import LSTMInputError
from ._validate import describe
from .activations import ACTIVATIONS


@dataclass(frozen=True)
class Kind:
    """What one kind of activation is called in ONNX, which parameters it reads, and
    whether it maps rationals to rationals."""

    onnx: str
    uses_alpha: bool
    uses_beta: bool
    exact: bool


KINDS: dict[str, Kind] = {
    "hard_sigmoid": Kind("HardSigmoid", True, True, True),
    "affine": Kind("Affine", True, True, True),
    "leaky_relu": Kind("LeakyRelu", True, False, True),
    "thresholded_relu": Kind("ThresholdedRelu", True, False, True),
    "scaled_tanh": Kind("ScaledTanh", True, True, False),
    "elu": Kind("Elu", True, False, False),
    "softsign": Kind("Softsign", False, False, True),
    "softplus": Kind("Softplus", False, False, False),
}
"""Every kind, by the engine's name for it."""


def _fraction(value: Any, name: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, float, Fraction, np.number)):
        raise LSTMInputError(f"{name} must be a real number; got {describe(value)}")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, (int, np.integer)):
        return Fraction(int(value))
    as_float = float(value)
    if not math.isfinite(as_float):
        raise LSTMInputError(f"{name} must be finite; got {value!r}")
    return Fraction(as_float)


def _short(value: Fraction) -> str:
    """1/4 as "1/4"; a float32 such as 0.2f (13421773/67108864) as "0.2"."""
    as_f32 = np.float32(value)
    if value.denominator > 1024 and Fraction(float(as_f32)) == value:
        return str(as_f32)  # NumPy prints a float32 as its shortest decimal
    return str(value)


@dataclass(frozen=True)
class ParametricActivation:
    """An activation with parameters: `ParametricActivation("hard_sigmoid", Fraction(1, 4),
    Fraction(1, 2))` is min(max(x/4 + 1/2, 0), 1).

    Floats are taken at the exact value they store (ONNX stores alpha and beta as
    float32). Parameters a kind does not use must be left at 0.
    """

    kind: str
    alpha: Fraction = Fraction(0)
    beta: Fraction = Fraction(0)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise LSTMInputError(
                f"kind must be one of {', '.join(KINDS)}; got {describe(self.kind)}"
            )
        spec = KINDS[self.kind]
        for name, used in (("alpha", spec.uses_alpha), ("beta", spec.uses_beta)):
            value = _fraction(getattr(self, name), name)
            if value and not used:
                raise LSTMInputError(f"{self.kind} takes no {name}; got {name}={value}")
            object.__setattr__(self, name, value)

    @property
    def __name__(self) -> str:  # what `forward` records and the hand calculation prints
        spec = KINDS[self.kind]
        params = [f"alpha={_short(self.alpha)}"] if spec.uses_alpha else []
        params += [f"beta={_short(self.beta)}"] if spec.uses_beta else []
        return f"{self.kind}[{', '.join(params)}]" if params else self.kind

    def __str__(self) -> str:
        return self.__name__

    @property
    def exact(self) -> bool:
        """Whether it maps rationals to rationals (so `exact=True` can use it)."""
        return KINDS[self.kind].exact

    def __call__(self, x: Any) -> Any:
        if isinstance(x, np.ndarray) and x.dtype == object:
            return self._exact(x)
        if isinstance(x, np.ndarray):
            return self._numpy(x)
        return self._tensor(x)

    def _exact(self, x: np.ndarray) -> np.ndarray:
        if not self.exact:
            raise LSTMInputError(
                f"exact=True cannot use {self.__name__}: it turns rational numbers into "
                "irrational ones (use exact=False)"
            )
        a, b = self.alpha, self.beta
        one: dict[str, Any] = {
            "hard_sigmoid": lambda v: min(max(a * v + b, 0), 1),
            "affine": lambda v: a * v + b,
            "leaky_relu": lambda v: v if v >= 0 else a * v,
            "thresholded_relu": lambda v: v if v >= a else 0,
            "softsign": lambda v: v / (1 + abs(v)),
        }
        fn = one[self.kind]
        out = np.empty(x.shape, dtype=object)
        for index, v in np.ndenumerate(x):
            out[index] = fn(v)
        return out

    def _numpy(self, x: np.ndarray) -> np.ndarray:
        dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
        x = x.astype(dtype, copy=False)
        a, b = dtype.type(self.alpha), dtype.type(self.beta)
        if self.kind == "hard_sigmoid":
            return np.clip(a * x + b, 0, 1).astype(dtype)
        if self.kind == "affine":
            return np.asarray(a * x + b)
        if self.kind == "leaky_relu":
            return np.where(x >= 0, x, a * x)
        if self.kind == "thresholded_relu":
            return np.where(x >= a, x, 0).astype(dtype)
        if self.kind == "scaled_tanh":
            return np.asarray(a * np.tanh(b * x))
        if self.kind == "elu":
            return np.where(x >= 0, x, a * np.expm1(np.minimum(x, 0))).astype(dtype)
        if self.kind == "softsign":
            return np.asarray(x / (1 + np.abs(x)))
        return np.asarray(np.logaddexp(0, x), dtype=dtype)  # softplus, without overflow

    def _tensor(self, x: Any) -> Any:
        """The same function on another library's tensor, with +, * and abs only."""
        a, b = float(self.alpha), float(self.beta)
        if self.kind == "hard_sigmoid":
            y = x * a + b
            return (abs(y) - abs(y - 1.0) + 1.0) * 0.5  # clip(y, 0, 1)
        if self.kind == "affine":
            return x * a + b
        if self.kind == "leaky_relu":
            return (x + abs(x)) * 0.5 + (x - abs(x)) * (0.5 * a)
        if self.kind == "softsign":
            return x / (abs(x) + 1.0)
        raise LSTMInputError(f"{self.__name__} runs on NumPy arrays only; got {type(x).__name__}")


# ---- ONNX's names for the engine's activations, both ways ----------------------------

SIXTH_F32 = float(np.float32(1 / 6))
"""What Keras 3's hard_sigmoid slope 1/6 becomes in ONNX's float32 attribute."""

# The engine's activation names as ONNX spells them, with (alpha, beta) where ONNX reads them.
_BY_NAME: dict[str, tuple[str, tuple[float, ...]]] = {
    "sigmoid": ("Sigmoid", ()),
    "tanh": ("Tanh", ()),
    "relu": ("Relu", ()),
    "linear": ("Affine", (1.0, 0.0)),
    "hard_sigmoid": ("HardSigmoid", (SIXTH_F32, 0.5)),  # Keras 3's x/6 + 1/2
}
_FROM_ONNX = {"Sigmoid": "sigmoid", "Tanh": "tanh", "Relu": "relu"}
DEFAULTS = {
    name: (float(np.float32(alpha)), float(np.float32(beta)))
    for name, (alpha, beta) in {
        "HardSigmoid": (0.2, 0.5),
        "LeakyRelu": (0.01, 0),
        "Elu": (1, 0),
    }.items()
}
"""alpha and beta where a node leaves them out: the ONNX operators' defaults, as float32
like every ONNX float attribute; onnxruntime uses them too. (Affine, ScaledTanh and
ThresholdedRelu have no default that ONNX and onnxruntime agree on.)"""


def onnx_activation(spec: Any, argument: str) -> tuple[str, tuple[float, ...]]:
    """An engine activation as ONNX names it, with the alpha and beta it reads.

    Keras 3's "hard_sigmoid" becomes HardSigmoid with alpha 1/6 rounded to float32
    (ONNX stores the attribute as float32), so it reads back as that value.
    """
    if spec is None or isinstance(spec, str):
        name = spec or "linear"
        if name not in _BY_NAME:
            raise LSTMInputError(
                f"{argument}={describe(spec)} is not an activation; use one of "
                f"{', '.join(ACTIVATIONS)} or a ParametricActivation"
            )
        return _BY_NAME[name]
    if isinstance(spec, ParametricActivation):
        kind = KINDS[spec.kind]
        params = [float(spec.alpha)] if kind.uses_alpha else []
        params += [float(spec.beta)] if kind.uses_beta else []
        return kind.onnx, tuple(params)
    name = getattr(spec, "__name__", type(spec).__name__)
    raise LSTMInputError(
        f"{argument}={name}: ONNX names its activations, so a Python callable "
        "cannot be written into a model; use a name or a ParametricActivation"
    )


def engine_activation(
    name: str, alpha: float | None, beta: float | None
) -> str | ParametricActivation:
    """An ONNX activation as the engine's name (Sigmoid -> "sigmoid"; Affine with alpha 1,
    beta 0 -> "linear") or a `ParametricActivation` holding ONNX's float32 parameters."""
    if name in _FROM_ONNX:
        return _FROM_ONNX[name]
    kinds = {k.onnx: key for key, k in KINDS.items()}
    if name not in kinds:
        raise LSTMInputError(
            f"the activation {name!r} is not one ONNX defines for LSTM and GRU; expected one "
            f"of Sigmoid, Tanh, Relu, {', '.join(kinds)}"
        )
    if name == "Affine" and alpha == 1.0 and beta == 0.0:
        return "linear"
    kind = KINDS[kinds[name]]
    a = Fraction(alpha) if kind.uses_alpha and alpha is not None else Fraction(0)
    b = Fraction(beta) if kind.uses_beta and beta is not None else Fraction(0)
    return ParametricActivation(kinds[name], a, b)
