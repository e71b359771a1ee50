"""Backpropagation by hand: one step of an LSTM's backward pass as lines of working.

`hand_backward(trace, gradients, t)` reads from top to bottom in the order the gradient
flows: into h and c, back into each gate (in the order i, f, g, o of the equations), out
to the step before. `backward_working` gives one unit's lines by what they compute, for
the backward figure. Like the forward hand calculation, every line shows the digits it
needs to add up (`hand.Writer`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine.activations import derivative, resolve
from ..engine.backward import StepGradients
from ..engine.trace import Step, Trace, require_trace
from ..engine.weights import Weights
from .hand import (
    LABEL_WIDTH,
    LABELS,
    SYMBOLS,
    Writer,
    Written,
    label,
    no_variants,
    writer_for,
)
from .working import Noted, Num, Op, Sym


def hand_backward(trace: Trace, gradients: Any, t: int, *, sample: int = 0, digits: int = 6) -> str:
    """The arithmetic of backpropagation at time step `t` through an LSTM, as a person
    would write it.

    `gradients` is what `backward(trace, ...)` returned. Reads from top to bottom in the
    order the gradient flows: into h and c, back into each gate (in the order i, f, g, o
    of the equations), out to the step before. Floats show at least `digits` significant
    digits, and each line as many more as it needs to add up from the numbers it shows.
    """
    back = _backward(trace, gradients, t, sample, digits)
    step = back.step
    lines = [f"time step {step.t}, backwards (dL/dX is written dX):"]
    for u in range(back.weights.units):
        if back.weights.units > 1:
            lines.append(f"unit {u + 1}:")
        if step.mask is not None and not bool(step.mask):
            lines.append(f"{label('masked')}dh and dc pass unchanged to {back.before}")
            continue
        lines += [w.text for w in {**back.state_lines(u), **back.gate_lines(u)}.values()]
    for k in range(back.weights.units):
        lines += [w.text for w in back.previous_lines(k).values()]
    return "\n".join(lines)


def backward_working(
    trace: Trace, gradients: Any, t: int, *, sample: int = 0, unit: int = 0, digits: int = 6
) -> dict[str, Written]:
    """Unit `unit`'s lines of `hand_backward` at step `t`, by what they compute: "dh",
    "dc", "d_<gate>" and "da_<gate>" for each gate, "dh_prev" and "dc_prev"."""
    back = _backward(trace, gradients, t, sample, digits)
    return {**back.state_lines(unit), **back.gate_lines(unit), **back.previous_lines(unit)}


def _backward(trace: Trace, gradients: Any, t: int, sample: int, digits: int) -> _Back:
    if trace.cell != "LSTM":
        raise NotImplementedError(
            f"hand_backward writes out an LSTM's step; this trace is a {trace.cell}'s. "
            "Its gradients are all in backward()'s result"
        )
    one = require_trace(trace).sample(sample)
    no_variants(one, "hand_backward")
    step = one.step(t)
    act, rec = one.activation, one.recurrent_activation
    return _Back(
        step=step,
        grad=gradients.steps[step.t - 1],
        weights=one.weights,
        row=sample if trace.batched else None,
        writer=writer_for(one, digits),
        act=act,
        rec=rec,
        act_fn=resolve(act, argument="activation", exact=one.exact).fn,
        act_d=derivative(act, argument="activation"),
        rec_d=derivative(rec, argument="recurrent_activation"),
        later=f"step {step.t + 1}" if step.t < len(one.steps) else "the final state",
        before=f"step {step.t - 1}" if step.t > 1 else "h0, c0",
    )


@dataclass(frozen=True)
class _Back:
    """One step of an LSTM's backward pass, for one sequence: `grad` is the step's
    `StepGradients`, whose arrays are read at `row` (None when they have no batch axis);
    `act` and `rec` name the activations, `act_fn`, `act_d` and `rec_d` compute the
    activation and the two derivatives; `later` and `before` name the neighbours."""

    step: Step
    grad: StepGradients
    weights: Weights  # an LSTM's
    row: int | None
    writer: Writer
    act: str
    rec: str
    act_fn: Callable[[Any], Any]
    act_d: Callable[[Any], Any]
    rec_d: Callable[[Any], Any]
    later: str
    before: str

    def of(self, arr: Any) -> Any:
        """This sequence's (units,) row of a gradient."""
        arr = np.asarray(arr)
        return arr if self.row is None else arr[self.row]

    def state_lines(self, u: int) -> dict[str, Written]:
        """Unit u's dh (its output's gradient plus what came from later) and dc."""
        grad, c, later, w = self.grad, self.step.c, self.later, self.writer
        dh, dc = self.of(grad.dh)[u], self.of(grad.dc)[u]
        dh_later, dc_later = self.of(grad.dh_later)[u], self.of(grad.dc_later)[u]
        slope_c = self.act_d(np.asarray([c[u]]))[0]
        o = self.step.gates["output"][u]
        arrived = (Noted(Num(self.of(grad.d_output)[u]), "output"),
                   Noted(Num(dh_later), f"from {later}"))  # fmt: skip
        through_h = Op("×", (Num(dh), Num(o), Num(slope_c)))
        middle = Op("+", (Noted(Num(dc_later), f"from {later}"), Sym(f"dh×o×{self.act}'(c)", "")))
        dc_sum = Op("+", (Num(dc_later), through_h))
        return {
            "dh": w.line(f"{label('hidden state')}dh = ", Op("+", arrived), dh),
            "dc": w.line(f"{label('cell state')}dc = ", dc_sum, dc, middle=middle),
        }

    def gate_lines(self, u: int) -> dict[str, Written]:
        """Unit u's gradient of each gate's value, then of its pre-activation."""
        step, grad, w = self.step, self.grad, self.writer
        dh, dc = self.of(grad.dh)[u], self.of(grad.dc)[u]
        gate = {g: step.gates[g][u] for g in self.weights.gates}
        squashed = self.act_fn(np.asarray([step.c[u]]))[0]
        products = {
            "input": ("dc×g", dc, gate["candidate"]),
            "forget": ("dc×c_prev", dc, step.c_prev[u]),
            "candidate": ("dc×i", dc, gate["input"]),
            "output": (f"dh×{self.act}(c)", dh, squashed),
        }
        lines = {}
        for g in self.weights.gates:
            s, fn = SYMBOLS[g], self.act if g == "candidate" else self.rec
            slope = (self.act_d if g == "candidate" else self.rec_d)(np.asarray([step.a[g][u]]))[0]
            g_grad, a_grad = self.of(grad.gates[g])[u], self.of(grad.a[g])[u]
            formula, x, y = products[g]
            start = f"{label(LABELS[g])}d{s} = {formula} = "
            lines[f"d_{g}"] = w.line(start, _times(x, y), g_grad)
            start = f"{label('')}da_{s} = d{s}×{fn}'(a_{s}) = "
            lines[f"da_{g}"] = w.line(start, _times(g_grad, slope), a_grad)
        return lines

    def previous_lines(self, k: int) -> dict[str, Written]:
        """What goes on to the step before from unit k: its dh_prev and dc_prev."""
        weights, grad, w = self.weights, self.grad, self.writer
        terms = [
            _times(self.of(grad.a[g])[u], weights.gate(g).recurrent_kernel[k, u])
            for g in weights.gates for u in range(weights.units)
        ]  # fmt: skip
        suffix = f" (unit {k + 1})" if weights.units > 1 else ""
        to = f"to {self.before}:"
        dc, f = self.of(grad.dc)[k], self.step.gates["forget"][k]
        dh_prev, dc_prev = self.of(grad.dh_prev)[k], self.of(grad.dc_prev)[k]
        start = f"{to:{LABEL_WIDTH}}dh_prev{suffix} = Σ da×U = "
        return {
            "dh_prev": w.line(start, Op("+", tuple(terms)), dh_prev),
            "dc_prev": w.line(f"{label('')}dc_prev{suffix} = dc×f = ", _times(dc, f), dc_prev),
        }


def _times(a: Any, b: Any) -> Op:
    return Op("×", (Num(a), Num(b)))
