"""The time loop every cell shares: checks, masks, initial state, overflow, the record.

`forward(inputs, weights)` runs the cell that `weights` belongs to (`LSTMWeights` ->
`lstm`, `GRUWeights` -> `gru`) over the sequence, one `step` per time step, and keeps
every intermediate value in a `Trace`. Internally everything has a batch axis; it is
dropped only in the returned trace, where the caller gave none.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from ..errors import LSTMInputError, LSTMOverflowWarning
from . import gru, lstm, lstm_variants, rnn
from ._validate import bool_array, describe, numeric_array
from .cells import Cell, Functions
from .options import ActivationSpec, RunOptions, check_flag
from .trace import Step, Trace
from .weights import GRUWeights, LSTMWeights, RNNWeights, Weights

Array = NDArray[Any]

_CELLS: dict[type, Cell] = {
    LSTMWeights: lstm, GRUWeights: gru, RNNWeights: rnn,  # type: ignore[dict-item]
}  # fmt: skip


def cell_of(weights: Any) -> Cell:
    """The cell module that computes with `weights`, or an error saying what fits."""
    cell = _CELLS.get(type(weights))
    if isinstance(weights, LSTMWeights) and weights.variants:
        return lstm_variants  # type: ignore[return-value]
    if cell is None:
        raise LSTMInputError(
            f"weights must be an LSTMWeights; got {describe(weights)}. Build one with "
            "LSTMWeights(kernel, recurrent_kernel, bias) or LSTMWeights.constant(1.0), or "
            "use GRUWeights for a GRU, RNNWeights for a plain recurrent cell"
        )
    return cell


def forward(
    inputs: Any,
    weights: Weights,
    *,
    activation: ActivationSpec = "tanh",
    recurrent_activation: ActivationSpec = "sigmoid",
    initial_state: Sequence[Any] | None = None,
    mask: Any = None,
    go_backwards: bool = False,
    zero_output_for_mask: bool = False,
    exact: bool = False,
    dtype: Literal["float64", "float32"] = "float64",
    units: Sequence[int] | None = None,
    record: bool = True,
) -> Trace:
    """Run an LSTM, a GRU or a plain recurrent cell over `inputs` and record every step.

    Args:
        inputs: `(time, features)` or `(batch, time, features)`; a flat list such as
            `[1, 1, 1]` is a sequence of one-feature steps.
        weights: `LSTMWeights`, `GRUWeights` or `RNNWeights`, in Keras's layout; they
            choose the cell.
        activation: for the candidate (and, in an LSTM, for the cell state on its way
            to h): "tanh", "linear" (also None), "sigmoid", "hard_sigmoid", "relu" or a
            callable on arrays.
        recurrent_activation: for the gates (input, forget, output; update, reset).
            The plain recurrent cell (`RNNWeights`) has no gates and ignores it.
        initial_state: the state to start from, each `(units,)` or `(batch, units)`:
            `(h0, c0)` for an LSTM, `(h0,)` for a GRU or a plain cell; zeros if None.
        mask: booleans `(batch, time)` or `(time,)`; a masked step carries the state
            forward and repeats the previous output, as in Keras.
        go_backwards: run over the sequence from its last step to its first, and return
            the outputs in that order, as Keras's `go_backwards=True` does.
        zero_output_for_mask: a masked step outputs zeros instead of repeating the
            previous output (Keras's option of that name, which its `Bidirectional`
            turns on); the state is carried forward either way.
        exact: compute with Python ints and Fractions, never rounding. Needs
            activations that keep rationals rational (linear, relu, hard_sigmoid).
            A float enters at the exact value it stores (0.1 is not one tenth);
            pass `Fraction("0.1")` for one tenth.
        dtype: float precision when not exact; "float32" is what Keras computes in.
        units: record the gates of these units only (every unit if None). The states
            are recorded whole either way, so a hand calculation of a recorded unit is
            complete; a large layer traced over a long sequence needs far less memory.
        record: False keeps no steps (the trace's `steps` is empty), only the outputs
            and the final states: what a layer below the one traced needs.

    Returns:
        A `Trace`: `sequence_out` `(batch, time, units)`, the final states `(batch,
        units)` (no batch axis when the input had none), and one `Step` per time step.

    Raises:
        LSTMInputError: for any malformed argument, naming it.

    Warns:
        LSTMOverflowWarning: when a float value becomes inf or NaN, naming the step.
    """
    cell = cell_of(weights)
    if isinstance(weights, RNNWeights):  # no gates: recurrent_activation unused; linear
        recurrent_activation = "linear"
    options = RunOptions(activation, recurrent_activation, exact, dtype)  # checked here
    check_flag("go_backwards", go_backwards)
    check_flag("zero_output_for_mask", zero_output_for_mask)
    x, batched = sequence_inputs(inputs, weights)  # (batch, time, features)
    batch, time, _ = x.shape
    state = initial_states(initial_state, cell.STATES, batch, state_sizes(weights, cell))
    keep = None if mask is None else time_mask(mask, batch, time, batched)
    chosen = None if units is None else recorded_units(units, weights.units)
    if go_backwards:
        x = x[:, ::-1]
        keep = None if keep is None else keep[:, ::-1]
    x, state = options.convert(x), tuple(options.convert(s) for s in state)
    ran = _run(cell, weights, options, x, state, keep, chosen, zero_output_for_mask, record)
    overflow_step = 0 if exact else _first_overflow(ran.steps, ran.outputs, ran.state, record)
    if overflow_step:
        warnings.warn(
            f"float overflow at time step {overflow_step}: values became inf or NaN and "
            "everything from that step on is meaningless. Identity activations let the "
            "toy network grow doubly exponentially; use exact=True for exact integers.",
            LSTMOverflowWarning,
            stacklevel=2,
        )
    act, rec = options.activations
    trace = Trace(
        sequence_out=ran.outputs,  # (batch, time, units)
        states=MappingProxyType(dict(zip(cell.STATES, ran.state, strict=True))),
        steps=tuple(ran.steps),
        weights=weights,
        activation=act.name,
        recurrent_activation=rec.name,
        exact=exact,
        batched=True,
        go_backwards=go_backwards,
        zero_output_for_mask=zero_output_for_mask,
        units=None if chosen is None else tuple(chosen),
    )
    return trace if batched else trace.sample(0)


@dataclass(frozen=True)
class _Ran:
    """What the time loop gives back: every output, the final state and the steps."""

    outputs: Array  # (batch, time, units)
    state: tuple[Array, ...]  # (batch, units) each, in the cell's STATES order
    steps: list[Step]  # empty unless recorded


def _run(
    cell: Cell, weights: Weights, options: RunOptions, x: Array, state: tuple[Array, ...],
    keep: Array | None, chosen: list[int] | None, zero_output_for_mask: bool, record: bool,
) -> _Ran:  # fmt: skip
    """The time loop: one `cell.step` per step of `x` (batch, time, features), from
    `state`; a step masked out by `keep` (batch, time) carries the state forward."""
    batch, time, _ = x.shape
    fn = options.functions
    params = cell.prepare(weights, options.convert)
    xw = _projections(x, cell, params, fn)
    sizes = state_sizes(weights, cell)
    zeros = options.convert(np.zeros((batch, weights.output_units)))
    out = zeros  # what a masked first step repeats
    outputs = np.empty((batch, time, weights.output_units), dtype=zeros.dtype)  # sequence_out
    # every step's state in one buffer per state name, (time + 1, batch, units): the
    # steps hold views into it (one allocation, not two small ones per step)
    held = {name: np.empty((time + 1 if record else 1, batch, size), zeros.dtype)
            for name, size in zip(cell.STATES, sizes, strict=True)}  # fmt: skip
    for name, value in zip(cell.STATES, state, strict=True):
        held[name][0] = value
    state = tuple(held[name][0] for name in cell.STATES)
    steps: list[Step] = []
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(time):
            result = cell.step(next(xw), state, params, fn)
            new = result.state
            if keep is None:
                out = new[0]
            else:
                k_t = keep[:, t, None]  # (batch, 1)
                new = tuple(np.where(k_t, a, b) for a, b in zip(new, state, strict=True))
                out = np.where(k_t, new[0], zeros if zero_output_for_mask else out)
            outputs[:, t] = out
            slot = t + 1 if record else 0
            for name, value in zip(cell.STATES, new, strict=True):
                held[name][slot] = value
            new = tuple(held[name][slot] for name in cell.STATES)
            if record:
                steps.append(_step(t, x, state, new, result, chosen, keep, cell.STATES))
            state = new
    return _Ran(outputs, state, steps)


def state_sizes(weights: Weights, cell: Cell) -> tuple[int, ...]:
    """The size of each state in the cell's STATES order: h has `output_units` (an
    LSTM's proj_size when it projects), c has `units`."""
    return tuple(weights.output_units if name == "h" else weights.units for name in cell.STATES)


PROJECTED_STEPS = 256
"""Time steps whose input-side products are computed in one matrix product: one
product per block is nearly as fast as one for the whole sequence, and a long
sequence's products never sit in memory all at once."""


def _projections(x: Array, cell: Cell, params: Any, fn: Functions) -> Iterator[Array]:
    """`x_t @ kernel` (batch, n*units) for each step t in turn, computed a block of
    steps at a time."""
    for start in range(0, x.shape[1], PROJECTED_STEPS):
        block = fn.tidy(cell.project(x[:, start : start + PROJECTED_STEPS], params))
        yield from block.transpose(1, 0, 2)  # (steps, batch, n*units), one step at a time


def _step(
    t: int, x: Array, state: tuple[Array, ...], new: tuple[Array, ...], result: Any,
    chosen: list[int] | None, keep: Array | None, names: tuple[str, ...],
) -> Step:  # fmt: skip
    """The record of step t (from 0): the chosen units' gates, the states whole."""
    a, gates, parts = result.a, result.gates, result.parts or {}
    if chosen is not None:  # keep only the chosen units' columns
        a, gates, parts = ({k: v[:, chosen] for k, v in d.items()} for d in (a, gates, parts))
    return Step(
        t + 1,
        x[:, t],
        MappingProxyType(dict(zip(names, state, strict=True))),
        MappingProxyType(a),
        MappingProxyType(gates),
        MappingProxyType(dict(zip(names, new, strict=True))),
        None if keep is None else keep[:, t],
        MappingProxyType(parts),
    )


def recorded_units(units: Any, total: int) -> list[int]:
    """The units to record, checked: distinct integers from 0 to total - 1."""
    if isinstance(units, (str, bytes)) or not isinstance(units, Sequence) or not units:
        raise LSTMInputError(
            f"units must be a non-empty list of unit numbers; got {describe(units)}"
        )
    chosen = []
    for u in units:
        if isinstance(u, bool) or not isinstance(u, (int, np.integer)) or not 0 <= u < total:
            raise LSTMInputError(f"units must hold unit numbers from 0 to {total - 1}; got {u!r}")
        if int(u) in chosen:
            raise LSTMInputError(f"units lists unit {u} twice")
        chosen.append(int(u))
    return chosen


def _finite(*arrays: Array) -> bool:
    # One sum per array: inf or NaN anywhere makes it non-finite (sums beyond 1e308 are
    # flagged too, which is overflow in all but name). Cheaper than isfinite on each.
    return math.isfinite(sum(float(a.sum()) for a in arrays))


def _first_overflow(
    steps: list[Step], outputs: Array, final: tuple[Array, ...], record: bool = True
) -> int:
    """The first step whose state became inf or NaN, or 0 if none did.

    A non-finite state stays non-finite (inf times a positive gate is inf, times zero
    NaN), so the outputs and the final state tell whether to look; only then are the
    steps searched, which keeps the check out of the loop.
    """
    if _finite(outputs, *final):
        return 0
    if not record:  # no steps kept: the first output that is not finite
        bad = ~np.isfinite(outputs).all(axis=(0, 2))
        return int(np.argmax(bad)) + 1 if bad.any() else int(bad.shape[0])
    for step in steps:
        if not _finite(*step.state.values()):
            return step.t
    return len(steps)  # pragma: no cover - the final state was not finite


def sequence_inputs(inputs: Any, weights: Weights) -> tuple[Array, bool]:
    """Inputs as (batch, time, features) and whether the caller gave a batch axis."""
    input_dim = weights.input_dim
    x = numeric_array(inputs, "inputs")
    if x.ndim == 0:
        raise LSTMInputError(
            f"inputs must be a sequence, (time, features) or (batch, time, features); "
            f"got the single number {describe(x.item())}. For one step write [{x.item()}]"
        )
    if x.ndim > 3:
        raise LSTMInputError(
            f"inputs must be (time, features) or (batch, time, features); got shape {x.shape}"
        )
    if x.ndim == 1:
        if x.size and input_dim != 1:
            raise LSTMInputError(
                f"inputs of shape {x.shape} is read as {x.shape[0]} time steps of one "
                f"feature each, but the weights expect input_dim={input_dim} features per "
                "step; give inputs as (time, features)"
            )
        x = x[:, None]
    batched = x.ndim == 3
    if not batched:
        x = x[None]
    batch, time, features = x.shape
    if time == 0:
        raise LSTMInputError("inputs is an empty sequence; give at least one time step")
    if batch == 0:
        raise LSTMInputError("inputs has a batch of 0 sequences; give at least one")
    if features != input_dim:
        raise LSTMInputError(
            f"inputs has {features} feature(s) per time step but the weights expect "
            f"input_dim={input_dim} (kernel shape {weights.kernel.shape}); "
            f"got inputs of shape {x.shape if batched else x.shape[1:]}"
        )
    return x, batched


def initial_states(
    initial_state: Any, names: tuple[str, ...], batch: int, sizes: int | tuple[int, ...]
) -> tuple[Array, ...]:
    """The initial state, one (batch, size) array per state name; zeros if None. `sizes`
    is one size for every state, or one per state (an LSTM's projected h is smaller)."""
    per_state = sizes if isinstance(sizes, tuple) else tuple(sizes for _ in names)
    if initial_state is None:  # one array per size: states of one size share it
        zeros = {size: np.zeros((batch, size)) for size in set(per_state)}
        return tuple(zeros[size] for size in per_state)
    what = "(h0, c0)" if names == ("h", "c") else "(h0,)"
    if isinstance(initial_state, (str, np.ndarray)) or not isinstance(initial_state, Sequence):
        raise LSTMInputError(
            f"initial_state must be a {'pair' if len(names) == 2 else 'sequence'} {what}; "
            f"got {describe(initial_state)}"
        )
    if len(initial_state) != len(names):
        raise LSTMInputError(
            f"initial_state must be a {'pair' if len(names) == 2 else 'sequence'} {what}; "
            f"got {len(initial_state)} item(s)"
        )
    states = []
    for k, (name, value, units) in enumerate(zip(names, initial_state, per_state, strict=True)):
        label = f"initial_state[{k}] ({name}0)"
        arr = numeric_array(value, label)
        if arr.shape == (units,):
            arr = np.broadcast_to(arr, (batch, units))
        elif arr.shape != (batch, units):
            raise LSTMInputError(
                f"{label} must have shape (units,) = {(units,)} or (batch, units) = "
                f"{(batch, units)}; got shape {arr.shape}"
            )
        states.append(arr)
    return tuple(states)


def time_mask(mask: Any, batch: int, time: int, batched: bool) -> NDArray[np.bool_]:
    """The mask as (batch, time) booleans, or an error naming the shapes that fit."""
    m = bool_array(mask, "mask")
    if m.shape == (time,):
        return np.broadcast_to(m, (batch, time))
    if m.shape != (batch, time):
        expected = f"(batch, time) = {(batch, time)} or " if batched else ""
        raise LSTMInputError(
            f"mask must have shape {expected}(time,) = {(time,)}; got shape {m.shape}"
        )
    return m
