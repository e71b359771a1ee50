"""How a gradient travels back through time, written out step by step.

Going back one step, the gradient on a plain cell's hidden state is multiplied by that
step's recurrent factor, φ′(a)·U (with tanh, φ′(a) = 1 - h², since h = tanh(a)):

    step 50: dh_prev = 1×(1-0.6234×0.6234)×1 = 0.6114      (dh×(1-h²)×U)

An LSTM's cell state passes its gradient back through the forget gate alone:

    step 50: dc_prev = 0.0990×0.9853 = 0.09754             (dc×f)

`plain_lines` and `cell_state_lines` write these lines from a trace and its
`Gradients` (`backward`), each with the digits it needs to add up from the numbers it
shows (`hand.Writer`) and short enough for a phone; `gradient_sizes` gives
the gradient reaching each step's state, for a plot. One unit, one sequence (a
batched trace's `sample`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..engine.backward import Gradients
from ..engine.trace import Trace, require_trace
from ..errors import LSTMInputError
from .hand import Writer
from .working import Expr, Num, Op, Wrap


def gradient_sizes(gradients: Gradients, state: str = "h", unit: int = 0) -> tuple[float, ...]:
    """dLoss/d`state` at every step, step 1 first: what reaches each step's new state
    ("h", or an LSTM's "c") from the loss and the steps after it, for unit `unit`."""
    if not gradients.steps or state not in gradients.steps[0].total:
        names = ", ".join(gradients.steps[0].total) if gradients.steps else "none"
        raise LSTMInputError(f"state must be one of the cell's states ({names}); got {state!r}")
    return tuple(float(np.ravel(s.total[state])[unit]) for s in gradients.steps)


Entry = tuple[str, Expr, Any]
"""A line to write: its start (the left-hand sides), its expression, the recorded result."""


def working_lines(entries: Sequence[Entry], digits: int = 4) -> list[str]:
    """Each entry's start, the numbers of its expression and its recorded result, written
    by the site's one rule (`hand.Writer`): at least `digits` digits, and as many more as
    the line needs for its result to be the rounding of what the numbers shown give. A
    line that adds up at no digits (float rounding made it otherwise) shows "≈" before
    its result."""
    writer = Writer(digits)
    return [writer.line(start, expr, result).text for start, expr, result in entries]


def _steps_back(trace: Trace, gradients: Any, cell: str, sample: int) -> tuple[Trace, Any]:
    """The trace's sequence `sample` and its gradients, checked to be `cell`'s."""
    one = require_trace(trace).sample(sample)
    if one.cell != cell:
        raise LSTMInputError(f"these lines are a {cell}'s; the trace is a {one.cell}'s")
    if (
        not isinstance(gradients, Gradients)
        or len(gradients.steps) != len(one.steps)
        or set(gradients.initial_state) != set(one.states)
    ):
        raise LSTMInputError("gradients must be backward()'s Gradients of this trace")
    return one, gradients


def _pick(a: Any, sample: int, unit: int) -> Any:
    """Unit `unit` of sequence `sample` in a gradient, (batch, units) or (units,)."""
    arr = np.asarray(a)
    return arr[sample, unit] if arr.ndim == 2 else arr[unit]


def plain_lines(
    trace: Trace, gradients: Gradients, steps: Sequence[int], *, sample: int = 0,
    unit: int = 0, digits: int = 4,
) -> list[str]:  # fmt: skip
    """For each of `steps` (counted from 1), the plain cell's gradient on h_prev from its
    gradient on h: dh_prev = dh×(1-h²)×U. One unit and a tanh activation, so that
    φ′(a) = 1 - h² and U is one number."""
    one, grads = _steps_back(trace, gradients, "RNN", sample)
    if unit != 0:
        raise LSTMInputError(f"a one-unit cell has only unit 0; got unit={unit!r}")
    if one.weights.units != 1 or one.activation != "tanh":
        raise LSTMInputError(
            "plain_lines writes one unit's factor with tanh's slope 1 - h²; this trace has "
            f"{one.weights.units} units and activation {one.activation!r}"
        )
    u = float(np.ravel(one.weights.recurrent_kernel)[0])
    entries: list[Entry] = []
    for t in steps:
        step, back = one.step(t), grads.steps[t - 1]
        h, dh = step.h[unit], _pick(back.total["h"], sample, unit)
        factors = (Num(dh), Wrap("1-", Op("×", (Num(h), Num(h)))), Num(u))
        prev = _pick(back.prev["h"], sample, unit)
        entries.append((f"step {t}: dh_prev = ", Op("×", factors), prev))
    return working_lines(entries, digits)


def cell_state_lines(
    trace: Trace, gradients: Gradients, steps: Sequence[int], *, sample: int = 0,
    unit: int = 0, digits: int = 4,
) -> list[str]:  # fmt: skip
    """For each of `steps` (counted from 1), what an LSTM's cell state hands back to the
    step before through the forget gate: dc_prev = dc×f."""
    one, grads = _steps_back(trace, gradients, "LSTM", sample)
    entries: list[Entry] = []
    for t in steps:
        step, back = one.step(t), grads.steps[t - 1]
        dc, f = _pick(back.total["c"], sample, unit), step.gates["forget"][one.column(unit)]
        product = Op("×", (Num(dc), Num(f)))
        prev = _pick(back.prev["c"], sample, unit)
        entries.append((f"step {t}: dc_prev = ", product, prev))
    return working_lines(entries, digits)
