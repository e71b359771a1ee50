"""What every cell module provides, and what it gets from the loops around it.

A cell (`lstm`, `lstm_variants`, `gru`, `rnn`) is a module with:

    NAME, GATES, STATES           "LSTM", its gate names in Keras's column order, and
                                  the names of its state ("h", "c")
    prepare(weights, convert)     the weights as the step uses them
    project(x, params)            every step's input-side product at once:
                                  (batch, time, features) -> (batch, time, n*units)
    step(xw, state, params, fn)   one step forward -> `CellStep`
    step_backward(record, d_state, params, fn)
                                  the same step backward -> `BackwardStep`

`recurrence.forward` runs the time loop forward (masks, initial state, overflow, the
record) and `backward.backward` runs it backwards; both are written once, for every cell.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from numpy.typing import NDArray

Array = NDArray[Any]
ArrayFn = Callable[[Array], Array]


def flat_matmul(x: Array, kernel: Array) -> Array:
    """`x @ kernel` for x of any number of leading axes, (..., features) @ (features, n),
    as one matrix product: NumPy's stacked matmul multiplies one matrix at a time."""
    flat = x.reshape(-1, x.shape[-1]) @ kernel  # (batch*time, n)
    return flat.reshape(*x.shape[:-1], kernel.shape[-1])


@dataclass(frozen=True)
class Functions:
    """The activations of a run, their derivatives, and `tidy`.

    `tidy` turns exact results such as Fraction(6, 1) into 6 so they print as people
    write them; in float runs it returns its argument.
    """

    act: ArrayFn
    rec: ArrayFn
    tidy: ArrayFn


@dataclass(frozen=True)
class Derivatives(Functions):
    """`Functions` plus the derivatives of the two activations, for a step backward."""

    act_d: ArrayFn
    rec_d: ArrayFn


@dataclass(frozen=True)
class CellStep:
    """What one step computed, every array (batch, units)."""

    state: tuple[Array, ...]  # the new state, in the cell's STATES order
    a: dict[str, Array]  # pre-activation by gate
    gates: dict[str, Array]  # value by gate
    parts: Mapping[str, Array] | None = None  # what else the hand calculation shows


@dataclass(frozen=True)
class BackwardStep:
    """What one step backward computed, for a batch.

    Weight gradients are this step's contributions, shaped like the weights; `dx` goes
    to the input, `d_state_prev` to the step before (in STATES order); `d_state` holds
    the totals that reached this step's state, and `gates`/`a` the gradients of each
    gate's value and pre-activation, for the record. `d_extra` holds this step's
    contributions to weights only some cells have (an LSTM's "peephole", "projection").
    """

    d_kernel: Array
    d_recurrent_kernel: Array
    d_bias: Array
    dx: Array
    d_state_prev: tuple[Array, ...]
    d_state: tuple[Array, ...]
    gates: dict[str, Array]
    a: dict[str, Array]
    d_extra: Mapping[str, Array] | None = None  # weights only some cells have, by field name


def keep_as_is(a: Array) -> Array:
    """The `tidy` of float runs: nothing to tidy."""
    return a


class Cell(Protocol):
    """The interface of a cell module (see the module docstring)."""

    NAME: str
    GATES: tuple[str, ...]
    STATES: tuple[str, ...]

    def prepare(self, weights: Any, convert: ArrayFn) -> Any: ...

    def project(self, x: Array, params: Any) -> Array: ...

    def step(self, xw: Array, state: tuple[Array, ...], params: Any, fn: Functions) -> CellStep: ...

    def step_backward(
        self, record: Any, d_state: tuple[Array, ...], params: Any, fn: Derivatives
    ) -> BackwardStep: ...
