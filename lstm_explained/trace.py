"""The record of a forward pass: every intermediate value, step by step.

Arrays have a batch axis exactly when the input had one, as Keras returns them with
`return_sequences=True, return_state=True`. In exact mode they are object arrays of
Python ints and Fractions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .weights import GATES, LSTMWeights

Array = NDArray[Any]


@dataclass(frozen=True, eq=False)
class Step:
    """One time step. `t` counts from 1, as people count steps.

    Shapes (without the leading batch axis when the input had none):
    `x` (batch, features); `h_prev`, `c_prev`, `c`, `h` and every entry of `z` and
    `gates` (batch, units). `z[gate]` is the pre-activation, `gates[gate]` the value
    after the activation; gate is one of "input", "forget", "candidate", "output".
    `mask` is None when no mask was given, else whether each batch row used this step.
    """

    t: int
    x: Array
    h_prev: Array
    c_prev: Array
    z: Mapping[str, Array]
    gates: Mapping[str, Array]
    c: Array
    h: Array
    mask: Array | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain Python values (Fractions as "p/q" strings), ready for `json.dumps`."""
        return {
            "t": self.t,
            "x": jsonable(self.x),
            "h_prev": jsonable(self.h_prev),
            "c_prev": jsonable(self.c_prev),
            "z": {g: jsonable(self.z[g]) for g in GATES},
            "gates": {g: jsonable(self.gates[g]) for g in GATES},
            "c": jsonable(self.c),
            "h": jsonable(self.h),
            "mask": None if self.mask is None else jsonable(self.mask),
        }


@dataclass(frozen=True, eq=False)
class Trace:
    """Outputs of `forward` plus one `Step` per time step.

    `sequence_out` (batch, time, units), `state_h` and `state_c` (batch, units).
    """

    sequence_out: Array
    state_h: Array
    state_c: Array
    steps: tuple[Step, ...]
    weights: LSTMWeights
    activation: str
    recurrent_activation: str
    exact: bool
    batched: bool

    def to_dict(self) -> dict[str, Any]:
        """The whole trace as plain Python values, ready for `json.dumps`."""
        return {
            "activation": self.activation,
            "recurrent_activation": self.recurrent_activation,
            "exact": self.exact,
            "weights": {
                "kernel": jsonable(self.weights.kernel),
                "recurrent_kernel": jsonable(self.weights.recurrent_kernel),
                "bias": None if self.weights.bias is None else jsonable(self.weights.bias),
            },
            "steps": [step.to_dict() for step in self.steps],
            "sequence_out": jsonable(self.sequence_out),
            "state_h": jsonable(self.state_h),
            "state_c": jsonable(self.state_c),
        }


def _scalar(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    if isinstance(value, (int, np.integer)):
        return int(value)
    as_float = float(value)
    # JSON has no inf or NaN; spell them out rather than emit invalid JSON.
    return as_float if math.isfinite(as_float) else str(as_float)


def jsonable(arr: Array) -> Any:
    """Nested lists of JSON-safe scalars."""
    arr = np.asarray(arr)
    if arr.ndim == 0:
        return _scalar(arr.item())
    return [jsonable(row) for row in arr]
