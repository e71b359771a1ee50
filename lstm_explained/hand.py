"""Hand calculations as text: the arithmetic a person would write, with real numbers.

`hand_calculation(trace, t)` spells out one time step gate by gate;
`trace_table(trace)` is a Markdown table of every step. Both read only the `Trace`,
so what they print is what the engine computed.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

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
        return (
            str(value.numerator)
            if value.denominator == 1
            else f"{value.numerator}/{value.denominator}"
        )
    if isinstance(value, (int, np.integer)):
        return str(int(value))
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
