"""Where two traces of the same input part: the first step, quantity, batch row and unit
whose values differ beyond a tolerance, and how the difference grows step by step.

Within a step the quantities are compared in the order the cell computes them: every
gate's pre-activation (Keras's gate order), every gate's value, the state (c, then h for
an LSTM), then the output, which is h except at a masked step (the last output repeated,
or zeros). Differences are `sides.relative_difference`: absolute below 1, relative
above, so a tolerance means the same for a gate near 0.5 and for the toy network's h in
the thousands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..engine.trace import Trace
from .sides import relative_difference

Array = NDArray[Any]


@dataclass(frozen=True)
class Divergence:
    """The first value where A and B part: `step` from 1 (processing order), `row` the
    batch row from 0, `quantity` "pre-activation", "gate", "state" or "output", `name`
    the gate ("forget"), state ("c") or "output", `unit` from 0, and both values;
    `direction` is "forward" or "backward" in a bidirectional layer, else ""."""

    step: int
    row: int
    quantity: str
    name: str
    unit: int
    a: float
    b: float
    direction: str = ""

    def text(self) -> str:
        """ "step 2, batch row 0: the forget gate's pre-activation, unit 1: A 0.25, B 1.25"."""
        block = "new hidden state" if self.name == "hidden" else f"{self.name} gate"  # an RNN's
        what = {
            "pre-activation": f"the {block}'s pre-activation",
            "gate": f"the {block}",
            "state": {"c": "the cell state c", "h": "the hidden state h"}.get(self.name, self.name),
            "output": "the output",
        }[self.quantity]
        where = f"{self.direction} direction, " if self.direction else ""
        return (
            f"{where}step {self.step}, batch row {self.row}: {what}, unit {self.unit}: "
            f"A {self.a:.7g}, B {self.b:.7g}"
        )


@dataclass(frozen=True)
class TraceComparison:
    """How two traces of one input compare: the first divergence (None when they agree
    within the tolerance), the largest difference anywhere, and the largest difference at
    each step `(time,)`."""

    first: Divergence | None
    largest: float
    per_step: Array


def _stacked(trace: Trace, field: str, name: str) -> Array:
    """One quantity over all steps: (time, batch, units) as float64."""
    if field == "output":
        return np.asarray(trace.with_batch_axis().sequence_out, np.float64).transpose(1, 0, 2)
    arrays = [getattr(step, field)[name] for step in trace.steps]
    return np.asarray(np.stack(arrays), dtype=np.float64)


def compare_traces(a: Trace, b: Trace, tolerance: float, direction: str = "") -> TraceComparison:
    """Compare two traces of the same cell over the same batched input, step by step."""
    quantities = [("pre-activation", "z", g) for g in a.steps[0].z]
    quantities += [("gate", "gates", g) for g in a.steps[0].gates]
    quantities += [("state", "state", s) for s in reversed(list(a.steps[0].state))]  # c, h
    quantities.append(("output", "output", "output"))  # h, or what a masked step outputs
    per_step = np.zeros(len(a.steps))
    first: Divergence | None = None
    for quantity, field, name in quantities:  # one at a time: a long trace is large
        x, y = _stacked(a, field, name), _stacked(b, field, name)  # (time, batch, units)
        d = relative_difference(x, y)
        per_step = np.maximum(per_step, d.max(axis=(1, 2)))
        hit = np.asarray((d > tolerance).any(axis=(1, 2)))  # (time,)
        t = int(np.argmax(hit))
        if hit[t] and (first is None or t + 1 < first.step):  # ties keep the earlier quantity
            row, unit = (int(i) for i in np.argwhere(d[t] > tolerance)[0])
            first = Divergence(
                t + 1,
                row,
                quantity,
                name,
                unit,
                float(x[t, row, unit]),
                float(y[t, row, unit]),
                direction,
            )
    return TraceComparison(first, float(per_step.max()), per_step)


ROUNDING_NOISE = 1e-12
"""Differences below this are float64 rounding: their digits change with the machine's
instruction set and say nothing, so reports do not print them."""


def shown_difference(value: float) -> str:
    """A difference as a report prints it: two significant digits, or "below 1e-12"."""
    return f"below {ROUNDING_NOISE:.0e}" if value < ROUNDING_NOISE else f"{value:.2g}"


def growth(per_step: Array, tolerance: float) -> str:
    """The largest difference at a few steps (1, 10, 100, ..., the first beyond the
    tolerance, the last): "1: 6e-08, 10: 3.1e-07, 97: 1.2e-05 (first beyond), 300: 0.41"."""
    time = len(per_step)
    steps = {1, time} | {10**k for k in range(1, 7) if 10**k < time}
    beyond = np.flatnonzero(per_step > tolerance)
    first = int(beyond[0]) + 1 if beyond.size else None
    if first is not None:
        steps.add(first)
    parts = [
        f"{t}: {per_step[t - 1]:.2g}" + (" (first beyond)" if t == first else "")
        for t in sorted(steps)
    ]
    return ", ".join(parts)
