"""Backpropagation by hand: one step of an LSTM's backward pass as lines of working.

`hand_backward(trace, gradients, t)` reads from top to bottom in the order the gradient
flows: into h and c, back into each gate (in the order i, f, g, o of the equations), out
to the step before. `backward_working` gives one unit's lines by what they compute, for
the backward figure. Like the forward hand calculation, every line shows the digits it
needs to add up (`hand.Writer`). The LSTM's variants add their terms: a projection's
dm = Σ dh×W_hr per unit (dh has proj_size values), the peepholes' da_o×p_o in dc (the
output gate is then worked first) and da_i×p_i + da_f×p_f in dc_prev, coupled gates'
di = dc×g - dc×c_prev (no lines for f), and a da of 0 said where the clip bit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
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
    writer_for,
)
from .variant_hand import PEEPHOLE_ROW, Said
from .working import Expr, Noted, Num, Op, Sym


def hand_backward(trace: Trace, gradients: Any, t: int, *, sample: int = 0, digits: int = 6) -> str:
    """The arithmetic of backpropagation at time step `t` through an LSTM, as a person
    would write it.

    `gradients` is what `backward(trace, ...)` returned. Reads from top to bottom in the
    order the gradient flows: into h and c, back into each gate (in the order i, f, g, o
    of the equations), out to the step before. Floats show at least `digits` significant
    digits, and each line as many more as it needs to add up from the numbers it shows.
    """
    back = _backward(trace, gradients, t, sample, digits)
    step, units = back.step, back.weights.units
    masked = step.mask is not None and not bool(step.mask)
    lines = [f"time step {step.t}, backwards (dL/dX is written dX):"]
    if back.projection is not None and not masked:  # dh has proj_size values: each first
        lines += [w.text for w in back.projected_dh_lines().values()]
    for u in range(units):
        if units > 1:
            lines.append(f"unit {u + 1}:")
        if masked:
            lines.append(f"{label('masked')}dh and dc pass unchanged to {back.before}")
            continue
        lines += [w.text for w in back.unit_lines(u).values()]
    if back.output_units == units:
        for k in range(units):
            lines += [w.text for w in back.previous_lines(k).values()]
    else:  # a projected h_prev has other values than c_prev
        lines += [back.dh_prev_line(k).text for k in range(back.output_units)]
        lines += [back.dc_prev_line(k).text for k in range(units)]
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

    @property
    def projection(self) -> Any:
        """An LSTM's W_hr (units, proj_size), or None."""
        return getattr(self.weights, "projection", None)

    @property
    def peephole(self) -> Any:
        """An LSTM's peepholes (3, units), rows i, f, o, or None."""
        return getattr(self.weights, "peephole", None)

    @property
    def coupled(self) -> bool:
        """Whether f = 1 - i (ONNX's input_forget)."""
        return bool(getattr(self.weights, "input_forget", False))

    @property
    def output_units(self) -> int:
        """The size of h: the units, or proj_size."""
        return int(getattr(self.weights, "output_units", self.weights.units))

    def dm(self, u: int) -> Any:
        """dL/dm of unit u, m = o×act(c): dh itself, or Σ dh×W_hr with a projection."""
        dh = self.of(self.grad.dh)
        if self.projection is None:
            return dh[u]
        row = self.projection[u]  # (proj_size,)
        if self.writer.exact:  # as the exact run took W_hr: its floats' exact values
            row = np.array([Fraction(v) for v in row.tolist()], dtype=object)
        return np.asarray(dh @ row)[()]  # the products summed, in the trace's numbers

    def projected_dh_lines(self) -> dict[str, Written]:
        """dh of each value of a projected h: its output's gradient plus what came later."""
        grad, later, lines = self.grad, self.later, {}
        for k in range(self.output_units):
            name = "dh" if self.output_units == 1 else f"dh_{k + 1}"
            arrived = (Noted(Num(self.of(grad.d_output)[k]), "output"),
                       Noted(Num(self.of(grad.dh_later)[k]), f"from {later}"))  # fmt: skip
            start = f"{label('hidden state')}{name} = "
            lines[name] = self.writer.line(start, Op("+", arrived), self.of(grad.dh)[k])
        return lines

    def unit_lines(self, u: int) -> dict[str, Any]:
        """Unit u's lines in the order they are worked: with peepholes the output gate's
        before dc, which gets da_o×p_o from it."""
        lines = {**self.state_lines(u), **self.gate_lines(u)}
        if self.peephole is None:
            return lines
        first = [k for k in ("dh", "dm", "d_output", "da_output") if k in lines]
        return {k: lines[k] for k in first} | lines

    def state_lines(self, u: int) -> dict[str, Written]:
        """Unit u's dh (its output's gradient plus what came from later) and dc."""
        grad, c, later, w = self.grad, self.step.c, self.later, self.writer
        dc, dc_later = self.of(grad.dc)[u], self.of(grad.dc_later)[u]
        slope_c = self.act_d(np.asarray([c[u]]))[0]
        o = self.step.gates["output"][u]
        lines: dict[str, Written] = {}
        if self.projection is None:
            arrived = (Noted(Num(self.of(grad.d_output)[u]), "output"),
                       Noted(Num(self.of(grad.dh_later)[u]), f"from {later}"))  # fmt: skip
            dh_u = self.of(grad.dh)[u]
            lines["dh"] = w.line(f"{label('hidden state')}dh = ", Op("+", arrived), dh_u)
            d_name = "dh"
        else:
            dhs = self.of(grad.dh)  # (proj_size,)
            products = [_times(dhs[k], self.projection[u, k]) for k in range(self.output_units)]
            formula = "dh×W_hr" if self.output_units == 1 else "Σ dh×W_hr"
            start = f"{label('to project')}dm = {formula} = "
            lines["dm"] = w.line(start, _sum(products), self.dm(u))
            d_name = "dm"
        through_h = Op("×", (Num(self.dm(u)), Num(o), Num(slope_c)))
        names: list[Expr] = [Noted(Num(dc_later), f"from {later}"),
                             Sym(f"{d_name}×o×{self.act}'(c)", "")]  # fmt: skip
        terms: list[Expr] = [Num(dc_later), through_h]
        if self.peephole is not None:  # o saw the new c: its gradient flows back into c
            names.append(Sym("da_o×p_o", ""))
            terms.append(_times(self.of(grad.a["output"])[u], self.peephole[2][u]))
        start = f"{label('cell state')}dc = "
        lines["dc"] = w.line(start, Op("+", tuple(terms)), dc, middle=Op("+", tuple(names)))
        return lines

    def gate_lines(self, u: int) -> dict[str, Written]:
        """Unit u's gradient of each gate's value, then of its pre-activation."""
        step, grad, w = self.step, self.grad, self.writer
        dc = self.of(grad.dc)[u]
        gate = {g: step.gates[g][u] for g in self.weights.gates}
        squashed = self.act_fn(np.asarray([step.c[u]]))[0]
        d_name = "dh" if self.projection is None else "dm"
        products = {
            "input": ("dc×g", _times(dc, gate["candidate"])),
            "forget": ("dc×c_prev", _times(dc, step.c_prev[u])),
            "candidate": ("dc×i", _times(dc, gate["input"])),
            "output": (f"{d_name}×{self.act}(c)", _times(self.dm(u), squashed)),
        }
        if self.coupled:  # f = 1 - i: what f would have got goes to i, negated
            both = Op("+", (_times(dc, gate["candidate"]), _times(dc, -step.c_prev[u])))
            products["input"] = ("dc×g - dc×c_prev", both)
        lines: dict[str, Any] = {}
        for g in (g for g in self.weights.gates if not (self.coupled and g == "forget")):
            s, fn = SYMBOLS[g], self.act if g == "candidate" else self.rec
            slope = (self.act_d if g == "candidate" else self.rec_d)(np.asarray([step.a[g][u]]))[0]
            g_grad, a_grad = self.of(grad.gates[g])[u], self.of(grad.a[g])[u]
            formula, expr = products[g]
            start = f"{label(LABELS[g])}d{s} = {formula} = "
            lines[f"d_{g}"] = w.line(start, expr, g_grad)
            if self.clipped(g, u):
                note = f"a_{s} was clipped: no gradient passes the clip"
                lines[f"da_{g}"] = Said(f"{label('')}da_{s} = 0 ({note})")
                continue
            start = f"{label('')}da_{s} = d{s}×{fn}'(a_{s}) = "
            lines[f"da_{g}"] = w.line(start, _times(g_grad, slope), a_grad)
        return lines

    def clipped(self, gate: str, u: int) -> bool:
        """Whether the clip held gate's pre-activation of unit u at this step."""
        clip = getattr(self.weights, "clip", None)
        if clip is None:
            return False
        return not -clip <= self.step.parts[f"unclipped_{gate}"][u] <= clip

    def previous_lines(self, k: int) -> dict[str, Written]:
        """What goes on to the step before from unit k: its dh_prev and dc_prev."""
        return {"dh_prev": self.dh_prev_line(k), "dc_prev": self.dc_prev_line(k)}

    def dh_prev_line(self, k: int) -> Written:
        """dh_prev of value k of h: every unit's da of every gate times its U (no forget
        gate's when f = 1 - i: its block is unused)."""
        weights, grad = self.weights, self.grad
        gates = [g for g in weights.gates if not (self.coupled and g == "forget")]
        terms = [_times(self.of(grad.a[g])[u], weights.gate(g).recurrent_kernel[k, u])
                 for g in gates for u in range(weights.units)]  # fmt: skip
        if self.output_units != weights.units:  # a projected h: its values, not units
            name = "dh_prev" if self.output_units == 1 else f"dh_prev_{k + 1}"
        else:
            name = "dh_prev" + (f" (unit {k + 1})" if weights.units > 1 else "")
        first = k == 0 or self.output_units == weights.units
        start = f"{f'to {self.before}:' if first else '':{LABEL_WIDTH}}{name} = Σ da×U = "
        return self.writer.line(start, _sum(terms), self.of(grad.dh_prev)[k])

    def dc_prev_line(self, k: int) -> Written:
        """dc_prev of unit k: dc×f, plus da_i×p_i and da_f×p_f through the peepholes."""
        grad, f = self.grad, self.step.gates["forget"][k]
        suffix = f" (unit {k + 1})" if self.weights.units > 1 else ""
        formula, terms = "dc×f", [_times(self.of(grad.dc)[k], f)]
        if self.peephole is not None:
            for g in ("input",) if self.coupled else ("input", "forget"):
                formula += f" + da_{SYMBOLS[g]}×p_{SYMBOLS[g]}"
                terms.append(_times(self.of(grad.a[g])[k], self.peephole[PEEPHOLE_ROW[g]][k]))
        start = f"{label('')}dc_prev{suffix} = {formula} = "
        return self.writer.line(start, _sum(terms), self.of(grad.dc_prev)[k])


def _times(a: Any, b: Any) -> Op:
    return Op("×", (Num(a), Num(b)))


def _sum(terms: Sequence[Expr]) -> Expr:
    """The terms added, or the one term alone."""
    return terms[0] if len(terms) == 1 else Op("+", tuple(terms))
