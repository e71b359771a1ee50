"""Hand calculations as text: the arithmetic a person would write, with real numbers.

`hand_calculation(trace, t)` spells out one time step gate by gate, for an LSTM or a
GRU; `trace_table(trace)` is a Markdown table of every step; `hand_backward` spells out
one step of backpropagation. All read only the `Trace` (and `Gradients`), so what they
print is what the engine computed.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from ._validate import int_text
from .activations import derivative, resolve
from .errors import LSTMInputError
from .trace import Step, Trace

SYMBOLS = {"input": "i", "forget": "f", "candidate": "g", "output": "o"}
"""One letter per LSTM gate, as in the equations on the site (Keras's code calls g "c")."""

GRU_SYMBOLS = {"update": "z", "reset": "r", "candidate": "n"}
"""One letter per GRU gate (Keras's code calls n "h"). A GRU's pre-activations are
written a_z, a_r, a_n, since z already names the update gate."""

_LABELS = {
    "input": "input gate",
    "forget": "forget gate",
    "candidate": "candidate",
    "output": "output gate",
    "update": "update gate",
    "reset": "reset gate",
}
_WIDTH = len("hidden state:") + 1  # the labels' column


def symbols(trace: Trace) -> dict[str, str]:
    """The letter of each gate of the trace's cell."""
    return SYMBOLS if trace.cell == "LSTM" else GRU_SYMBOLS


def preactivation_symbol(trace: Trace, gate: str) -> str:
    """How the site writes a gate's pre-activation: z_i for an LSTM, a_z for a GRU."""
    return ("z_" if trace.cell == "LSTM" else "a_") + symbols(trace)[gate]


def format_number(value: Any, digits: int = 6) -> str:
    """Ints and Fractions exactly; floats to `digits` significant digits (1.0 -> "1")."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, Fraction):
        num = int_text(value.numerator)
        return num if value.denominator == 1 else f"{num}/{int_text(value.denominator)}"
    if isinstance(value, (int, np.integer)):
        return int_text(int(value))
    text = f"{float(value):.{digits}g}"
    return "0" if text == "-0" else text


def format_vector(arr: Any, digits: int = 6) -> str:
    """One value as `format_number` writes it; several as "[a, b, ...]"."""
    values = [format_number(v, digits) for v in np.asarray(arr).ravel()]
    return values[0] if len(values) == 1 else "[" + ", ".join(values) + "]"


def format_factor(value: Any, digits: int = 6) -> str:
    """A number as a factor: negatives and fractions in brackets so products read right."""
    text = format_number(value, digits)
    return f"({text})" if text.startswith("-") or "/" in text else text


def _label(text: str) -> str:
    return f"{text}:".ljust(_WIDTH) if text else " " * _WIDTH


def _products(x: Any, kernel: Any, h: Any, recurrent: Any, u: int, n: Any) -> list[str]:
    """The terms of x·W + h·U for unit u: "x×W" for every input, "h×U" for every unit."""
    terms = [f"{n(x[j])}×{n(kernel[j, u])}" for j in range(len(x))]
    return terms + [f"{n(h[k])}×{n(recurrent[k, u])}" for k in range(len(h))]


def hand_calculation(
    trace: Trace,
    t: int,
    *,
    sample: int = 0,
    digits: int = 6,
    units: Any = None,
    count_units_from: int = 1,
) -> str:
    """The arithmetic of time step `t` (counting from 1), one line per quantity.

    For a batched trace, `sample` picks the sequence. With several units, each unit
    gets its own block, headed "unit 1:" and on (`count_units_from=0` numbers them as
    Keras and PyTorch index them); `units` picks some by index from 0 (by default every
    recorded one). Floats show `digits` significant digits; exact traces show every
    digit. Works for an LSTM and a GRU (`reset_after` either way).
    """
    one = trace.sample(sample)
    chosen = list(one.recorded_units) if units is None else [int(u) for u in units]
    columns = [one.column(u) for u in chosen]  # checks each unit was recorded
    step = one.step(t)
    states = [("x", step.x)] + [(f"{s}_prev", v) for s, v in step.state_prev.items()]
    lines = [f"time step {step.t}: " + ", ".join(f"{k} = {format_vector(v, digits)}"
                                                for k, v in states)]  # fmt: skip
    masked = step.mask is not None and not bool(step.mask)
    for u, j in zip(chosen, columns, strict=True):
        if one.weights.units > 1:
            lines.append(f"unit {u + count_units_from}:")
        if trace.cell == "LSTM":
            lines += _lstm_unit(one, step, u, j, digits, masked)
        else:
            lines += _gru_unit(one, step, u, j, digits, masked)
    return "\n".join(lines)


def _gate_lines(
    one: Trace, step: Step, gate: str, j: int, terms: list[str], digits: int
) -> list[str]:
    """'z_s = terms = value' and 's = fn(z) = value' for one gate of one unit (whose
    recorded gate values sit in column j)."""
    s, pre = symbols(one)[gate], preactivation_symbol(one, gate)
    fn = one.activation if gate == "candidate" else one.recurrent_activation
    z_text = format_number(step.z[gate][j], digits)
    value = format_number(step.gates[gate][j], digits)
    return [
        f"{_label(_LABELS[gate])}{pre} = {' + '.join(terms)} = {z_text}",
        f"{_label('')}{s} = {fn}({z_text}) = {value}",
    ]


def _masked_lines(step: Step, u: int, digits: int) -> list[str]:
    names = list(step.state)[::-1]  # "c and h", as the LSTM's equations order them
    keeps = "keep their previous values" if len(names) > 1 else "keeps its previous value"
    values = ", ".join(f"{s} = {format_number(step.state[s][u], digits)}" for s in names)
    return [f"{_label('masked')}{' and '.join(names)} {keeps}", f"{_label('')}{values}"]


def _lstm_unit(one: Trace, step: Step, u: int, j: int, digits: int, masked: bool) -> list[str]:
    def n(v: Any) -> str:
        return format_factor(v, digits)

    lines = []
    for gate in one.weights.gates:
        gw = one.weights.gate(gate)
        terms = _products(step.x, gw.kernel, step.h_prev, gw.recurrent_kernel, u, n)
        if gw.bias is not None:
            terms.append(n(gw.bias[u]))
        lines += _gate_lines(one, step, gate, j, terms, digits)
    if masked:
        return lines + _masked_lines(step, u, digits)
    g = {gate: step.gates[gate][j] for gate in one.weights.gates}
    act, c = one.activation, format_number(step.c[u], digits)
    return [
        *lines,
        f"{_label('cell state')}c = f×c_prev + i×g = {n(g['forget'])}×{n(step.c_prev[u])} + "
        f"{n(g['input'])}×{n(g['candidate'])} = {c}",
        f"{_label('hidden state')}h = o×{act}(c) = {n(g['output'])}×{act}({c}) "
        f"= {format_number(step.h[u], digits)}",
    ]


def _gru_unit(one: Trace, step: Step, u: int, j: int, digits: int, masked: bool) -> list[str]:
    def n(v: Any) -> str:
        return format_factor(v, digits)

    w = one.weights
    reset_after = getattr(w, "reset_after", True)
    lines = []
    for gate in w.gates:
        gw = one.weights.gate(gate)
        bias = None if gw.bias is None else (gw.bias[:, u] if reset_after else gw.bias[[u]])
        inputs = _products(step.x, gw.kernel, [], gw.recurrent_kernel, u, n)
        inputs += [] if bias is None else [n(bias[0])]
        recurrent = _products([], gw.kernel, step.h_prev, gw.recurrent_kernel, u, n)
        recurrent += [] if bias is None or not reset_after else [n(bias[1])]
        if gate != "candidate":
            terms = inputs + recurrent
        elif reset_after:  # r multiplies the whole recurrent side, bias included
            terms = [*inputs, f"r×({' + '.join(recurrent)})"]
        else:  # r multiplies h_prev, unit by unit, before the product
            if set(one.recorded_units) != set(range(w.units)):
                raise LSTMInputError(
                    "the reset-before form multiplies every unit's h_prev by its own r, so "
                    "its hand calculation needs every unit's gates; trace without units="
                )
            r = [step.gates["reset"][one.column(k)] for k in range(w.units)]
            terms = inputs + [
                f"({n(r[k])}×{n(step.h_prev[k])})×{n(gw.recurrent_kernel[k, u])}"
                for k in range(len(step.h_prev))
            ]
        lines += _gate_lines(one, step, gate, j, terms, digits)
    if masked:
        return lines + _masked_lines(step, u, digits)
    z, cand = step.gates["update"][j], step.gates["candidate"][j]
    return [
        *lines,
        f"{_label('hidden state')}h = z×h_prev + (1-z)×n = {n(z)}×{n(step.h_prev[u])} + "
        f"(1-{n(z)})×{n(cand)} = {format_number(step.h[u], digits)}",
    ]


def trace_table(
    trace: Trace,
    *,
    sample: int = 0,
    digits: int = 6,
    preactivations: bool = False,
    units: Any = None,
    show_x: bool = True,
) -> str:
    """A Markdown table with one row per time step: inputs, gates and states.

    `preactivations=True` adds the pre-activation columns (z_i, z_f, z_g, z_o for an
    LSTM; a_z, a_r, a_n for a GRU). `units` picks which units' values the gate and
    state columns show (by default every recorded one). `show_x=False` leaves out the
    input column (too wide to read when a step has many features).
    """
    one = trace.sample(sample)
    chosen = list(one.recorded_units) if units is None else [int(u) for u in units]
    columns = [one.column(u) for u in chosen]
    gates = one.weights.gates
    prev_states = list(one.steps[0].state_prev)
    new_states = list(one.steps[0].state)[::-1]  # c before h, as the equations go
    header = ["t", *(["x"] if show_x else []), *(f"{s}_prev" for s in prev_states)]
    if preactivations:
        header += [preactivation_symbol(one, g) for g in gates]
    header += [symbols(one)[g] for g in gates] + new_states
    rows = []
    for step in one.steps:
        arrays = [step.x] if show_x else []
        arrays += [np.asarray(step.state_prev[s])[chosen] for s in prev_states]
        if preactivations:
            arrays += [np.asarray(step.z[g])[columns] for g in gates]
        arrays += [np.asarray(step.gates[g])[columns] for g in gates]
        arrays += [np.asarray(step.state[s])[chosen] for s in new_states]
        rows.append([str(step.t)] + [format_vector(a, digits) for a in arrays])
    widths = [max(len(r[k]) for r in [header, *rows]) for k in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(t.rjust(wd) for t, wd in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (wd + 1) + ":" for wd in widths) + "|"  # right-aligned columns
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def hand_backward(trace: Trace, gradients: Any, t: int, *, sample: int = 0, digits: int = 6) -> str:
    """The arithmetic of backpropagation at time step `t` through an LSTM, as a person
    would write it.

    `gradients` is what `backward(trace, ...)` returned. Reads from top to bottom in the
    order the gradient flows: into h and c, back into each gate (in the order i, f, g, o
    of the equations), out to the step before.
    """
    if trace.cell != "LSTM":
        raise NotImplementedError(
            f"hand_backward writes out an LSTM's step; this trace is a {trace.cell}'s. "
            "Its gradients are all in backward()'s result"
        )
    one = trace.sample(sample)
    step = one.step(t)
    grad = gradients.steps[step.t - 1]
    w = one.weights
    act, rec = one.activation, one.recurrent_activation
    act_fn = resolve(act, argument="activation", exact=one.exact).fn
    act_d = derivative(act, argument="activation")
    rec_d = derivative(rec, argument="recurrent_activation")

    def row(arr: Any) -> Any:
        arr = np.asarray(arr)
        return arr[sample] if trace.batched else arr

    def n(v: Any) -> str:
        return format_factor(v, digits)

    def num(v: Any) -> str:
        return format_number(v, digits)

    c, c_prev = step.c, step.c_prev
    later = f"step {step.t + 1}" if step.t < len(one.steps) else "the final state"
    before = f"step {step.t - 1}" if step.t > 1 else "h0, c0"
    lines = [f"time step {step.t}, backwards (dL/dX is written dX):"]
    for u in range(w.units):
        if w.units > 1:
            lines.append(f"unit {u + 1}:")
        if step.mask is not None and not bool(step.mask):
            lines.append(f"{_label('masked')}dh and dc pass unchanged to {before}")
            continue
        dh, dc = row(grad.dh)[u], row(grad.dc)[u]
        g_grad = {g: row(grad.gates[g])[u] for g in w.gates}
        z_grad = {g: row(grad.z[g])[u] for g in w.gates}
        gate = {g: step.gates[g][u] for g in w.gates}
        squashed = act_fn(np.asarray([c[u]]))[0]
        slope_c = act_d(np.asarray([c[u]]))[0]
        dh_later, dc_later = row(grad.dh_later)[u], row(grad.dc_later)[u]
        lines.append(
            f"{_label('hidden state')}dh = {n(row(grad.d_output)[u])} (output) + "
            f"{n(dh_later)} (from {later}) = {num(dh)}"
        )
        lines.append(
            f"{_label('cell state')}dc = {n(dc_later)} (from {later}) + dh×o×{act}'(c) = "
            f"{n(dc_later)} + {n(dh)}×{n(gate['output'])}×{n(slope_c)} = {num(dc)}"
        )
        products = {
            "input": f"dc×g = {n(dc)}×{n(gate['candidate'])}",
            "forget": f"dc×c_prev = {n(dc)}×{n(c_prev[u])}",
            "candidate": f"dc×i = {n(dc)}×{n(gate['input'])}",
            "output": f"dh×{act}(c) = {n(dh)}×{n(squashed)}",
        }
        for g in w.gates:
            s, fn = SYMBOLS[g], act if g == "candidate" else rec
            slope = (act_d if g == "candidate" else rec_d)(np.asarray([step.z[g][u]]))[0]
            lines.append(f"{_label(_LABELS[g])}d{s} = {products[g]} = {num(g_grad[g])}")
            lines.append(
                f"{_label('')}dz_{s} = d{s}×{fn}'(z_{s}) = {n(g_grad[g])}×{n(slope)} "
                f"= {num(z_grad[g])}"
            )
    dh_prev, dc_prev = row(grad.dh_prev), row(grad.dc_prev)
    for k in range(w.units):
        terms = [
            f"{n(row(grad.z[g])[u])}×{n(w.gate(g).recurrent_kernel[k, u])}"
            for g in w.gates for u in range(w.units)
        ]  # fmt: skip
        suffix = f" (unit {k + 1})" if w.units > 1 else ""
        label = f"to {before}:"
        lines.append(f"{label:{_WIDTH}}dh_prev{suffix} = Σ dz×U = {' + '.join(terms)} = "
                     f"{num(dh_prev[k])}")  # fmt: skip
        lines.append(
            f"{_label('')}dc_prev{suffix} = dc×f = {n(row(grad.dc)[k])}×"
            f"{n(step.gates['forget'][k])} = {num(dc_prev[k])}"
        )
    return "\n".join(lines)
