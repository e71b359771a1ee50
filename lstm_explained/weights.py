"""LSTM weights in Keras's packed layout, so Keras weights load without transposes.

Keras stores the four gates side by side in column blocks, in the order
input, forget, candidate, output (Keras's own code calls the candidate "c"):

    kernel            (input_dim, 4*units)   input  -> gates
    recurrent_kernel  (units, 4*units)       h_prev -> gates
    bias              (4*units,)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._validate import describe, numeric_array
from .errors import LSTMInputError

GATES: tuple[str, ...] = ("input", "forget", "candidate", "output")
"""Gate names in Keras's column order."""


@dataclass(frozen=True)
class GateWeights:
    """The slice of each weight that feeds one gate."""

    kernel: NDArray[Any]  # (input_dim, units)
    recurrent_kernel: NDArray[Any]  # (units, units)
    bias: NDArray[Any] | None  # (units,)


@dataclass(frozen=True, eq=False)
class LSTMWeights:
    """Kernel, recurrent kernel and optional bias of one LSTM layer, in Keras's layout.

    `LSTMWeights(*layer.get_weights())` reads a Keras layer; `weights.to_keras()` gives
    the list for `layer.set_weights`. Shapes are checked here, once.
    """

    kernel: NDArray[Any]
    recurrent_kernel: NDArray[Any]
    bias: NDArray[Any] | None = None

    def __post_init__(self) -> None:
        kernel = numeric_array(self.kernel, "kernel")
        if kernel.ndim != 2 or kernel.shape[1] == 0 or kernel.shape[1] % 4:
            raise LSTMInputError(
                "kernel must have shape (input_dim, 4*units), gates side by side in the "
                f"order {', '.join(GATES)}; got shape {kernel.shape}"
            )
        units = kernel.shape[1] // 4
        if kernel.shape[0] == 0:
            raise LSTMInputError("kernel has input_dim 0; an LSTM needs at least one input")
        recurrent = numeric_array(self.recurrent_kernel, "recurrent_kernel")
        if recurrent.shape != (units, 4 * units):
            raise LSTMInputError(
                f"recurrent_kernel must have shape (units, 4*units) = {(units, 4 * units)} "
                f"to match kernel {kernel.shape}; got shape {recurrent.shape}"
            )
        bias = None
        if self.bias is not None:
            bias = numeric_array(self.bias, "bias")
            if bias.shape != (4 * units,):
                raise LSTMInputError(
                    f"bias must have shape (4*units,) = {(4 * units,)} to match kernel "
                    f"{kernel.shape}; got shape {bias.shape}"
                )
        for name, arr in (("kernel", kernel), ("recurrent_kernel", recurrent), ("bias", bias)):
            if arr is not None:
                arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    @property
    def input_dim(self) -> int:
        """Number of input features per time step."""
        return int(self.kernel.shape[0])

    @property
    def units(self) -> int:
        """Number of LSTM units (the size of h and c)."""
        return int(self.kernel.shape[1] // 4)

    def gate(self, name: str) -> GateWeights:
        """The kernel, recurrent kernel and bias columns of one gate."""
        if name not in GATES:
            raise LSTMInputError(f"unknown gate {name!r}; gates are {', '.join(GATES)}")
        k = GATES.index(name)
        cols = slice(k * self.units, (k + 1) * self.units)
        return GateWeights(
            self.kernel[:, cols],
            self.recurrent_kernel[:, cols],
            None if self.bias is None else self.bias[cols],
        )

    def to_keras(self) -> list[NDArray[np.float32]]:
        """`[kernel, recurrent_kernel, bias]` as float32, for `layer.set_weights`.

        No bias entry when there is no bias (a layer built with `use_bias=False`).
        """
        arrays = [self.kernel, self.recurrent_kernel]
        if self.bias is not None:
            arrays.append(self.bias)
        return [np.asarray(a, dtype=np.float32) for a in arrays]

    @classmethod
    def constant(
        cls,
        value: float,
        *,
        input_dim: int = 1,
        units: int = 1,
        bias: float | Mapping[str, float] | None = 0.0,
    ) -> LSTMWeights:
        """Every kernel and recurrent-kernel entry set to `value`.

        `bias` is one number for every gate, a mapping from gate name to number (gates
        left out get 0; `{"forget": 1.0}` is what Keras's `unit_forget_bias=True` does),
        or None for no bias at all.
        """
        _check_size("input_dim", input_dim)
        _check_size("units", units)
        kernel = np.full((input_dim, 4 * units), value, dtype=object)
        recurrent = np.full((units, 4 * units), value, dtype=object)
        return cls(kernel, recurrent, None if bias is None else _bias(bias, units))

    @classmethod
    def random(
        cls, input_dim: int, units: int, *, seed: int, scale: float = 0.5, use_bias: bool = True
    ) -> LSTMWeights:
        """Weights drawn from a normal distribution (mean 0, standard deviation `scale`).

        The same `seed` gives the same weights on every machine.
        """
        _check_size("input_dim", input_dim)
        _check_size("units", units)
        rng = np.random.default_rng(seed)
        kernel = rng.normal(0.0, scale, (input_dim, 4 * units))
        recurrent = rng.normal(0.0, scale, (units, 4 * units))
        bias = rng.normal(0.0, scale, (4 * units,)) if use_bias else None
        return cls(kernel, recurrent, bias)


def _check_size(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise LSTMInputError(f"{name} must be a positive integer; got {describe(value)}")


def _bias(bias: float | Mapping[str, float], units: int) -> NDArray[Any]:
    if isinstance(bias, Mapping):
        unknown = set(bias) - set(GATES)
        if unknown:
            raise LSTMInputError(
                f"bias names unknown gates {sorted(unknown)}; gates are {', '.join(GATES)}"
            )
        per_gate = [bias.get(gate, 0.0) for gate in GATES]
    else:
        per_gate = [bias] * 4
    return np.repeat(np.array(per_gate, dtype=object), units)
