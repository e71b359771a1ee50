"""The hand calculation of an LSTM with variants: peepholes, coupled gates, clip, projection.

One unit's lines, in the order the step computes them (`engine.lstm_variants`):

    input gate:   a_i = x×W + h_prev×U + b + p_i×c_prev (peephole) = ...
    clipped:      a_i = 1 (1.58 is outside [-1, 1])          (only where the clip bit)
                  i = sigmoid(a_i) = ...
    forget gate:  f = 1 - i = (1-0.731) = 0.269               (coupled: no a_f)
    candidate:    a_g, g as in the plain LSTM
    cell state:   c = f×c_prev + i×g = ...
    output gate:  a_o = ... + p_o×c (peephole, new c) = ...    (after c: o sees the new c)
    hidden state: h = o×tanh(c) = ...,  or with a projection
    to project:   m = o×tanh(c) = ...
and, after every unit, the projection's sums, one per value of h (`projection_lines`):
    hidden state: h = m×W_hr = ...  (h_1 = Σ m×W_hr = m_1×W_hr[1,1] + ... with several)

`hand.unit_working` hands over its line writer, its label and its gate letters and
names (`Pen`), so every line here adds up from the digits it shows, as the plain LSTM's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..engine.trace import Step, Trace
from ..engine.weights import LSTMWeights
from .working import Expr, Noted, Num, Op, Wrap

LineWriter = Callable[..., Any]
"""(label and left-hand side, expression, result) -> the line as `hand.Written`."""


@dataclass(frozen=True)
class Pen:
    """What the lines are written with: `hand.Writer.line`, `hand.label`, the gates'
    letters (`hand.SYMBOLS`) and names (`hand.LABELS`), and `hand.format_number`."""

    line: LineWriter
    label: Callable[[str], str]
    symbols: Mapping[str, str]
    labels: Mapping[str, str]
    number: Callable[[Any], str]


PEEPHOLE_ROW = {"input": 0, "forget": 1, "output": 2}  # rows of LSTMWeights.peephole


def lstm_weights(one: Trace) -> LSTMWeights:
    """The trace's weights, which are an LSTM's here (`hand.unit_working` sends only those)."""
    if not isinstance(one.weights, LSTMWeights):
        raise TypeError(f"variant_hand writes an LSTM's lines; this trace is a {one.cell}'s")
    return one.weights


def gate_sum(one: Trace, step: Step, gate: str, u: int) -> Expr:
    """Unit u's a_<gate>: x×W + h_prev×U + b, plus the peephole term where there is one
    (i and f see c_prev, o the new c), noted so the reader knows which term it is."""
    w = lstm_weights(one)
    gw = w.gate(gate)
    terms: list[Expr] = [Op("×", (Num(step.x[k]), Num(gw.kernel[k, u])))
                         for k in range(len(step.x))]  # fmt: skip
    terms += [Op("×", (Num(step.h_prev[k]), Num(gw.recurrent_kernel[k, u])))
              for k in range(len(step.h_prev))]  # fmt: skip
    terms += [] if gw.bias is None else [Num(gw.bias[u])]
    peephole = getattr(w, "peephole", None)
    if peephole is not None and gate in PEEPHOLE_ROW:
        seen, note = (step.c, "peephole, new c") if gate == "output" else (step.c_prev, "peephole")
        terms.append(Noted(Op("×", (Num(peephole[PEEPHOLE_ROW[gate]][u]), Num(seen[u]))), note))
    return Op("+", tuple(terms))


def gate_lines(one: Trace, step: Step, gate: str, u: int, j: int, pen: Pen) -> dict[str, Any]:
    """The lines of one gate: its pre-activation's sum, the clip where it bit, its value.
    A coupled forget gate is f = 1 - i alone (its block goes unused)."""
    s, w = pen.symbols[gate], lstm_weights(one)
    value = step.gates[gate][j]
    if gate == "forget" and w.input_forget:
        start = f"{pen.label(pen.labels[gate])}f = 1 - i = "
        return {gate: pen.line(start, Wrap("1-", Num(step.gates["input"][j])), value)}
    a = step.a[gate][j]  # after the clip: what the activation saw
    unclipped = step.parts[f"unclipped_{gate}"][j] if w.clip is not None else a
    lines = {f"a_{gate}": pen.line(f"{pen.label(pen.labels[gate])}a_{s} = ",
                                   gate_sum(one, step, gate, u), unclipped)}  # fmt: skip
    if w.clip is not None and not -w.clip <= unclipped <= w.clip:
        bound = pen.number(w.clip)
        note = f"{lines[f'a_{gate}'].result} is outside [-{bound}, {bound}]"
        lines[f"clip_{gate}"] = Said(f"{pen.label('clipped')}a_{s} = {pen.number(a)} ({note})")
    fn = one.activation if gate == "candidate" else one.recurrent_activation
    lines[gate] = pen.line(f"{pen.label('')}{s} = ", Wrap(fn, Num(a, bare=True)), value)
    return lines


@dataclass(frozen=True)
class Said:
    """A line that states rather than computes (the clip): its text alone."""

    text: str


def unit_working(one: Trace, step: Step, u: int, j: int, pen: Pen, masked: bool) -> dict[str, Any]:
    """Unit u's lines (its recorded values in column j) by what they compute: "a_<gate>",
    "clip_<gate>" (where the clip bit) and "<gate>" for each gate, "c", and "h" (or "m",
    o×act(c), when a projection makes h from every unit's m: `projection_lines`). With
    peepholes the output gate comes after c, which it sees."""
    w = lstm_weights(one)
    late = ("output",) if w.peephole is not None else ()
    lines: dict[str, Any] = {}
    for gate in (g for g in w.gates if g not in late):
        lines |= gate_lines(one, step, gate, u, j, pen)
    if masked:  # the state was carried: the c a late output gate saw is not recorded
        return lines
    g = {gate: step.gates[gate][j] for gate in w.gates}
    c_sum = Op("+", (_times(g["forget"], step.c_prev[u]), _times(g["input"], g["candidate"])))
    lines["c"] = pen.line(f"{pen.label('cell state')}c = f×c_prev + i×g = ", c_sum, step.c[u])
    for gate in late:
        lines |= gate_lines(one, step, gate, u, j, pen)
    act = one.activation
    product = Op("×", (Num(g["output"]), Wrap(act, Num(step.c[u], bare=True))))
    if w.projection is None:
        lines["h"] = pen.line(f"{pen.label('hidden state')}h = o×{act}(c) = ", product, step.h[u])
    else:
        m = step.parts["before_projection"][j]
        lines["m"] = pen.line(f"{pen.label('to project')}m = o×{act}(c) = ", product, m)
    return lines


def projection_lines(one: Trace, step: Step, pen: Pen) -> list[Any]:
    """h from every unit's m = o×act(c): one sum per value of h, "h = m×W_hr = ..." (with
    several values "h_1 = Σ m×W_hr = m_1×W_hr[1,1] + ...", counted from 1). A trace that
    kept only some units' gates has not the others' m: h is stated, not summed."""
    w = lstm_weights(one)
    if w.projection is None:
        return []
    projection = w.projection  # (units, proj_size)
    if set(one.recorded_units) != set(range(w.units)):  # the other units' m were not kept
        values = ", ".join(pen.number(v) for v in step.h)
        return [Said(f"{pen.label('hidden state')}h = [{values}] (the sum of every unit's "
                      "m×W_hr: record every unit to see it)")]  # fmt: skip
    m = [step.parts["before_projection"][one.column(k)] for k in range(w.units)]
    lines = []
    for p in range(w.output_units):
        name = "h" if w.output_units == 1 else f"h_{p + 1}"
        formula = "m×W_hr" if w.units == 1 else "Σ m×W_hr"
        terms = tuple(_times(m[k], projection[k, p]) for k in range(w.units))
        start = f"{pen.label('hidden state')}{name} = {formula} = "
        lines.append(pen.line(start, Op("+", terms) if len(terms) > 1 else terms[0], step.h[p]))
    return lines


def _times(a: Any, b: Any) -> Op:
    return Op("×", (Num(a), Num(b)))
