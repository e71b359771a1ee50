"""SVG diagrams of the LSTM cell, drawn from a `Trace` so every number comes from the engine.

`cell_svg(trace, t)` draws the cell at time step `t` with that step's values;
`cell_svg()` with no trace draws it with symbols only. The SVG carries a <title> and a
<desc> for screen readers, uses `currentColor` so it follows the page's light or dark
theme, and has classes (`lx-*`) that a stylesheet may colour.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np

from .hand import format_number
from .trace import Trace

WIDTH, HEIGHT = 640, 330

# Where things sit (x, y). The cell-state line runs along the top, the gates along the
# middle, and the inputs enter at the bottom left; h leaves at the bottom right.
C_LINE_Y, GATE_Y, BUS_Y = 70, 200, 290
FORGET_X, INPUT_X, CAND_X, OUTPUT_X = 170, 265, 360, 455
MUL_F = (FORGET_X, C_LINE_Y)  # f × c_prev
MUL_IG = (312, 135)  # i × g
ADD_C = (312, C_LINE_Y)  # + i × g
SQUASH = (560, 135)  # activation(c)
MUL_O = (560, GATE_Y)  # o × activation(c)
GATE_W, GATE_H = 88, 46


def _text(x: float, y: float, body: str, cls: str = "lx-label", anchor: str = "middle") -> str:
    return (
        f'<text x="{x}" y="{y}" class="{cls}" text-anchor="{anchor}" '
        f'fill="currentColor">{escape(body)}</text>'
    )


def _wire(points: list[tuple[float, float]], arrow: str = "") -> str:
    """A polyline; `arrow` is the id of the arrow-head marker, or "" for none."""
    path = " ".join(f"{'M' if k == 0 else 'L'}{x} {y}" for k, (x, y) in enumerate(points))
    marker = f' marker-end="url(#{arrow})"' if arrow else ""
    return f'<path d="{path}" class="lx-wire" fill="none" stroke="currentColor"{marker}/>'


def _op(center: tuple[float, float], sign: str) -> str:
    x, y = center
    return (
        f'<circle cx="{x}" cy="{y}" r="13" class="lx-op" fill="var(--md-default-bg-color, '
        f'Canvas)" stroke="currentColor"/>' + _text(x, y + 6, sign, "lx-op-sign")
    )


def _gate(x: float, name: str, fn: str, value: str) -> str:
    left, top = x - GATE_W / 2, GATE_Y - GATE_H / 2
    return (
        f'<rect x="{left}" y="{top}" width="{GATE_W}" height="{GATE_H}" rx="6" '
        f'class="lx-gate" fill="var(--md-default-bg-color, Canvas)" stroke="currentColor"/>'
        + _text(x, GATE_Y - 4, f"{name}: {fn}", "lx-gate-name")
        + _text(x, GATE_Y + 15, value, "lx-value")
    )


def cell_svg(
    trace: Trace | None = None,
    t: int = 1,
    *,
    sample: int = 0,
    unit: int = 0,
    digits: int = 4,
    ident: str = "lstm-cell",
) -> str:
    """The cell as an SVG string, with the values of step `t` or, without a trace, symbols.

    `unit` picks which unit's values to show when there are several; `ident` makes the
    element ids unique when a page holds more than one figure.
    """
    if trace is None:
        act, rec = "act", "σ"
        v: dict[str, str] = {
            "x": "xₜ", "h_prev": "hₜ₋₁", "c_prev": "cₜ₋₁", "c": "cₜ", "h": "hₜ",
            "input": "iₜ", "forget": "fₜ", "candidate": "gₜ", "output": "oₜ",
        }  # fmt: skip
        title = "The LSTM cell"
        step_no = None
    else:
        step = trace.sample(sample).step(t)
        act, rec = trace.activation, trace.recurrent_activation

        def pick(arr: Any) -> str:
            return ", ".join(format_number(value, digits) for value in np.ravel(arr))

        def unit_value(arr: Any) -> str:
            return format_number(np.asarray(arr)[unit], digits)

        v = {
            "x": pick(step.x),
            "h_prev": unit_value(step.h_prev),
            "c_prev": unit_value(step.c_prev),
        }
        v |= {"c": unit_value(step.c), "h": unit_value(step.h)}
        v |= {gate: unit_value(step.gates[gate]) for gate in step.gates}
        title = f"The LSTM cell at time step {step.t}"
        step_no = step.t

    desc = (
        f"The input x = {v['x']} and the previous hidden state h_prev = {v['h_prev']} feed "
        f"four gates: forget gate f = {v['forget']}, input gate i = {v['input']}, candidate "
        f"g = {v['candidate']} and output gate o = {v['output']}. Along the top, the previous "
        f"cell state c_prev = {v['c_prev']} is multiplied by f and i times g is added, giving "
        f"the new cell state c = {v['c']}. The output gate times {act} of c gives the new "
        f"hidden state h = {v['h']}, which leaves the cell and is fed back at the next step."
    )
    if step_no is None:
        desc = desc.replace(" = ", " ")

    arrow = f"{ident}-arrow"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'class="lx-cell" aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(desc)}</desc>',
        f'<defs><marker id="{ident}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" '
        'fill="currentColor"/></marker></defs>',
        '<rect x="100" y="30" width="500" height="235" rx="14" class="lx-body" fill="none" '
        'stroke="currentColor" stroke-dasharray="6 4"/>',
        # cell state line: c_prev -> ×f -> +ig -> c
        _text(14, C_LINE_Y - 12, "c_prev", "lx-name", "start"),
        _text(14, C_LINE_Y + 22, v["c_prev"], "lx-value", "start"),
        _wire([(14, C_LINE_Y), (MUL_F[0] - 14, C_LINE_Y)], arrow),
        _wire([(MUL_F[0] + 13, C_LINE_Y), (ADD_C[0] - 14, C_LINE_Y)], arrow),
        _wire([(ADD_C[0] + 13, C_LINE_Y), (WIDTH - 10, C_LINE_Y)], arrow),
        _text(WIDTH - 12, C_LINE_Y - 12, "c", "lx-name", "end"),
        _text(WIDTH - 12, C_LINE_Y + 22, v["c"], "lx-value lx-result", "end"),
        # inputs: h_prev and x join a bus under the gates
        _text(14, BUS_Y - 12, "h_prev", "lx-name", "start"),
        _text(14, BUS_Y + 22, v["h_prev"], "lx-value", "start"),
        _text(100, HEIGHT - 6, v["x"] if step_no is None else f"x = {v['x']}", "lx-value"),
        _wire([(14, BUS_Y), (OUTPUT_X, BUS_Y)]),
        _wire([(100, HEIGHT - 24), (100, BUS_Y)]),
    ]
    for gx in (FORGET_X, INPUT_X, CAND_X, OUTPUT_X):
        parts.append(_wire([(gx, BUS_Y), (gx, GATE_Y + GATE_H / 2 + 1)], arrow))
    parts += [
        _gate(FORGET_X, "f", rec, v["forget"]),
        _gate(INPUT_X, "i", rec, v["input"]),
        _gate(CAND_X, "g", act, v["candidate"]),
        _gate(OUTPUT_X, "o", rec, v["output"]),
        # f up to the forget multiply; i and g meet, then rise to the add
        _wire([(FORGET_X, GATE_Y - GATE_H / 2), (FORGET_X, C_LINE_Y + 14)], arrow),
        _wire(
            [(INPUT_X, GATE_Y - GATE_H / 2), (INPUT_X, MUL_IG[1]), (MUL_IG[0] - 14, MUL_IG[1])],
            arrow,
        ),
        _wire(
            [(CAND_X, GATE_Y - GATE_H / 2), (CAND_X, MUL_IG[1]), (MUL_IG[0] + 14, MUL_IG[1])], arrow
        ),
        _wire([(MUL_IG[0], MUL_IG[1] - 13), (ADD_C[0], C_LINE_Y + 14)], arrow),
        _op(MUL_F, "×"),
        _op(MUL_IG, "×"),
        _op(ADD_C, "+"),
        # c is squashed by the activation and multiplied by o to give h
        _wire([(SQUASH[0], C_LINE_Y), (SQUASH[0], SQUASH[1] - 15)], arrow),
        f'<rect x="{SQUASH[0] - 30}" y="{SQUASH[1] - 14}" width="60" height="28" rx="14" '
        f'class="lx-gate" fill="var(--md-default-bg-color, Canvas)" stroke="currentColor"/>',
        _text(SQUASH[0], SQUASH[1] + 5, act, "lx-gate-name"),
        _wire([(SQUASH[0], SQUASH[1] + 14), (MUL_O[0], MUL_O[1] - 14)], arrow),
        _wire([(OUTPUT_X + GATE_W / 2, GATE_Y), (MUL_O[0] - 14, GATE_Y)], arrow),
        _op(MUL_O, "×"),
        _wire([(MUL_O[0], MUL_O[1] + 13), (MUL_O[0], BUS_Y), (WIDTH - 10, BUS_Y)], arrow),
        _text(WIDTH - 12, BUS_Y - 12, "h", "lx-name", "end"),
        _text(WIDTH - 12, BUS_Y + 22, v["h"], "lx-value lx-result", "end"),
        "</svg>",
    ]
    return "".join(parts)
