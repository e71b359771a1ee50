"""Hand calculations as text: the arithmetic a person would write, with real numbers.

`hand_calculation(trace, t)` spells out one time step gate by gate;
`trace_table(trace)` is a Markdown table of every step. Both read only the `Trace`,
so what they print is what the engine computed.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from ._validate import int_text
from .activations import derivative, resolve
from .errors import LSTMInputError
from .trace import Step, Trace
from .weights import GATES

SYMBOLS = {"input": "i", "forget": "f", "candidate": "g", "output": "o"}
"""One letter per gate, as in the equations on the site (Keras's code calls g "c")."""

_LABELS = {
    "input": "input gate",
    "forget": "forget gate",
    "candidate": "candidate",
    "output": "output gate",
}


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


def _term(value: Any, digits: int) -> str:
    """A number as a factor: negatives and fractions in brackets so products read right."""
    text = format_number(value, digits)
    return f"({text})" if text.startswith("-") or "/" in text else text


def _row(arr: Any, sample: int, batched: bool) -> np.ndarray:
    return np.asarray(arr)[sample] if batched else np.asarray(arr)


def _step(trace: Trace, t: int) -> Step:
    if (
        isinstance(t, bool)
        or not isinstance(t, (int, np.integer))
        or not 1 <= t <= len(trace.steps)
    ):
        raise LSTMInputError(f"t must be a time step from 1 to {len(trace.steps)}; got {t!r}")
    return trace.steps[int(t) - 1]


def _sample(trace: Trace, sample: int) -> int:
    size = trace.state_h.shape[0] if trace.batched else 1
    if not trace.batched and sample != 0:
        raise LSTMInputError(f"sample must be 0 for an input without a batch axis; got {sample!r}")
    if not 0 <= sample < size:
        raise LSTMInputError(f"sample must be from 0 to {size - 1}; got {sample!r}")
    return sample


def hand_calculation(trace: Trace, t: int, *, sample: int = 0, digits: int = 6) -> str:
    """The arithmetic of time step `t` (counting from 1), one line per quantity.

    For a batched trace, `sample` picks the sequence. With several units, each unit
    gets its own block. Floats show `digits` significant digits; exact traces show
    every digit.
    """
    step = _step(trace, t)
    sample = _sample(trace, sample)
    w = trace.weights
    x = _row(step.x, sample, trace.batched)  # (features,)
    h_prev = _row(step.h_prev, sample, trace.batched)  # (units,)
    c_prev = _row(step.c_prev, sample, trace.batched)
    c = _row(step.c, sample, trace.batched)
    h = _row(step.h, sample, trace.batched)
    act, rec = trace.activation, trace.recurrent_activation
    masked = step.mask is not None and not bool(_row(step.mask, sample, trace.batched))

    def n(v: Any) -> str:
        return _term(v, digits)

    states = [f"{name} = {format_vector(v, digits)}" for name, v in
              (("x", x), ("h_prev", h_prev), ("c_prev", c_prev))]  # fmt: skip
    lines = [f"time step {step.t}: " + ", ".join(states)]
    width = len("hidden state:") + 1
    for u in range(w.units):
        if w.units > 1:
            lines.append(f"unit {u + 1}:")
        for gate in GATES:
            s = SYMBOLS[gate]
            gw = w.gate(gate)
            products = [f"{n(x[j])}×{n(gw.kernel[j, u])}" for j in range(w.input_dim)]
            products += [f"{n(h_prev[k])}×{n(gw.recurrent_kernel[k, u])}" for k in range(w.units)]
            if gw.bias is not None:
                products.append(n(gw.bias[u]))
            z = _row(step.z[gate], sample, trace.batched)[u]
            value = _row(step.gates[gate], sample, trace.batched)[u]
            fn = act if gate == "candidate" else rec
            label = f"{_LABELS[gate]}:".ljust(width)
            lines.append(f"{label}z_{s} = {' + '.join(products)} = {format_number(z, digits)}")
            z_text = format_number(z, digits)
            lines.append(f"{'':{width}}{s} = {fn}({z_text}) = {format_number(value, digits)}")
        if masked:
            lines.append(f"{'masked:':{width}}c and h keep their previous values")
            lines.append(
                f"{'':{width}}c = {format_number(c[u], digits)}, h = {format_number(h[u], digits)}"
            )
            continue
        g = {gate: _row(step.gates[gate], sample, trace.batched)[u] for gate in GATES}
        lines.append(
            f"{'cell state:':{width}}c = f×c_prev + i×g = {n(g['forget'])}×{n(c_prev[u])} + "
            f"{n(g['input'])}×{n(g['candidate'])} = {format_number(c[u], digits)}"
        )
        c_text = format_number(c[u], digits)
        lines.append(
            f"{'hidden state:':{width}}h = o×{act}(c) = {n(g['output'])}×{act}({c_text}) "
            f"= {format_number(h[u], digits)}"
        )
    return "\n".join(lines)


def format_vector(arr: Any, digits: int = 6) -> str:
    """One value as `format_number` writes it; several as "[a, b, ...]"."""
    values = [format_number(v, digits) for v in np.asarray(arr).ravel()]
    return values[0] if len(values) == 1 else "[" + ", ".join(values) + "]"


def trace_table(
    trace: Trace, *, sample: int = 0, digits: int = 6, preactivations: bool = False
) -> str:
    """A Markdown table with one row per time step: inputs, gates, c and h.

    `preactivations=True` adds the pre-activation columns z_i, z_f, z_g, z_o.
    """
    sample = _sample(trace, sample)
    header = ["t", "x", "h_prev", "c_prev"]
    if preactivations:
        header += [f"z_{SYMBOLS[g]}" for g in GATES]
    header += [SYMBOLS[g] for g in GATES] + ["c", "h"]
    rows = []
    for step in trace.steps:
        cells = [str(step.t)] + [
            format_vector(_row(a, sample, trace.batched), digits)
            for a in (step.x, step.h_prev, step.c_prev)
        ]
        if preactivations:
            cells += [format_vector(_row(step.z[g], sample, trace.batched), digits) for g in GATES]
        cells += [format_vector(_row(step.gates[g], sample, trace.batched), digits) for g in GATES]
        cells += [format_vector(_row(a, sample, trace.batched), digits) for a in (step.c, step.h)]
        rows.append(cells)
    widths = [max(len(r[k]) for r in [header, *rows]) for k in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(t.rjust(wd) for t, wd in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (wd + 1) + ":" for wd in widths) + "|"  # right-aligned columns
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def hand_backward(trace: Trace, gradients: Any, t: int, *, sample: int = 0, digits: int = 6) -> str:
    """The arithmetic of backpropagation at time step `t`, as a person would write it.

    `gradients` is what `backward(trace, ...)` returned. Reads from top to bottom in the
    order the gradient flows: into h and c, back into each gate, out to the step before.
    """
    step = _step(trace, t)
    sample = _sample(trace, sample)
    grad = gradients.steps[step.t - 1]
    w = trace.weights
    act, rec = trace.activation, trace.recurrent_activation
    act_fn = resolve(act, argument="activation", exact=trace.exact).fn
    act_d = derivative(act, argument="activation")
    rec_d = derivative(rec, argument="recurrent_activation")

    def row(arr: Any) -> Any:
        return _row(arr, sample, trace.batched)

    def n(v: Any) -> str:
        return _term(v, digits)

    def f(v: Any) -> str:
        return format_number(v, digits)

    c, c_prev = row(step.c), row(step.c_prev)
    gates = {g: row(step.gates[g]) for g in GATES}
    z = {g: row(step.z[g]) for g in GATES}
    width = len("hidden state:") + 1
    later = f"step {step.t + 1}" if step.t < len(trace.steps) else "the final state"
    before = f"step {step.t - 1}" if step.t > 1 else "h0, c0"
    lines = [f"time step {step.t}, backwards (dL/dX is written dX):"]
    for u in range(w.units):
        if w.units > 1:
            lines.append(f"unit {u + 1}:")
        dh, dc = row(grad.dh)[u], row(grad.dc)[u]
        d_out = row(grad.d_output)[u]
        dh_later, dc_later = row(grad.dh_later)[u], row(grad.dc_later)[u]
        g_grad = {g: row(grad.gates[g])[u] for g in GATES}
        z_grad = {g: row(grad.z[g])[u] for g in GATES}
        squashed = act_fn(np.asarray([c[u]]))[0]
        slope_c = act_d(np.asarray([c[u]]))[0]
        if step.mask is not None and not bool(row(step.mask)):
            lines.append(f"{'masked:':{width}}dh and dc pass unchanged to {before}")
            continue
        lines.append(
            f"{'hidden state:':{width}}dh = {n(d_out)} (output) + {n(dh_later)} (from {later}) "
            f"= {f(dh)}"
        )
        lines.append(
            f"{'cell state:':{width}}dc = {n(dc_later)} (from {later}) + dh×o×{act}'(c) = "
            f"{n(dc_later)} + {n(dh)}×{n(gates['output'][u])}×{n(slope_c)} = {f(dc)}"
        )
        rows = [
            ("output", "o", f"dh×{act}(c) = {n(dh)}×{n(squashed)}", rec),
            ("forget", "f", f"dc×c_prev = {n(dc)}×{n(c_prev[u])}", rec),
            ("input", "i", f"dc×g = {n(dc)}×{n(gates['candidate'][u])}", rec),
            ("candidate", "g", f"dc×i = {n(dc)}×{n(gates['input'][u])}", act),
        ]
        for gate, s, product, fn in rows:
            slope = (act_d if gate == "candidate" else rec_d)(np.asarray([z[gate][u]]))[0]
            label = f"{_LABELS[gate]}:".ljust(width)
            lines.append(f"{label}d{s} = {product} = {f(g_grad[gate])}")
            lines.append(
                f"{'':{width}}dz_{s} = d{s}×{fn}'(z_{s}) = {n(g_grad[gate])}×{n(slope)} "
                f"= {f(z_grad[gate])}"
            )
    dh_prev, dc_prev = row(grad.dh_prev), row(grad.dc_prev)
    for k in range(w.units):
        terms = [
            f"{n(row(grad.z[g])[u])}×{n(w.gate(g).recurrent_kernel[k, u])}"
            for g in GATES for u in range(w.units)
        ]  # fmt: skip
        suffix = f" (unit {k + 1})" if w.units > 1 else ""
        label = f"to {before}:"
        lines.append(
            f"{label:{width}}dh_prev{suffix} = Σ dz×U = {' + '.join(terms)} = {f(dh_prev[k])}"
        )
        lines.append(
            f"{'':{width}}dc_prev{suffix} = dc×f = {n(row(grad.dc)[k])}×{n(gates['forget'][k])} "
            f"= {f(dc_prev[k])}"
        )
    return "\n".join(lines)
