"""The GRU cell with a trace's numbers, for a desk or a phone, or as a template.

The gates stand in the order of the equations on the GRU page, z, r, n: left to right on
a desk, top to bottom on a phone. The previous hidden state runs along the top (down the
left on a phone): z times h_prev is kept, (1 - z) times the candidate n is added, and
that is h. The reset gate r feeds the candidate through the product where it multiplies;
a note there says what it multiplies under each `reset_after` convention, and which one
this cell uses. Each gate box works its pre-activation out with the step's numbers
(a_z, a_r, a_n, as the site writes them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ...engine.trace import Trace, require_trace
from .lstm_cell import Layout
from .lstm_figures import LAYOUT_NAMES, both_layouts, factor, number, step_values
from .svg import FONT, LINE, OP_R, Canvas, LegendEntry, legend, text_width

SYMBOL = {"update": "z", "reset": "r", "candidate": "n"}
FN = {"update": "σ", "reset": "σ", "candidate": "φ"}
GATES = tuple(SYMBOL)
BOX_W, BOX_H = 200, 96  # five lines of about 22 characters

NOTE = {
    True: ("reset_after=True", "r×(h_prev×U_n + b′_n)"),
    False: ("reset_after=False", "(r×h_prev)×U_n"),
}


def gate_lines(gate: str, *, reset_after: bool, products: bool) -> list[str]:
    """The five lines of a gate box, as templates with `{field}`s; `products=False` writes
    the products as symbols (several inputs or units) and keeps the numeric result."""
    s = SYMBOL[gate]
    head, value = f"{s} = {FN[gate]}(a_{s})", f"{s} = {{v_{s}}}"
    b2 = f" + b′_{s}" if reset_after else ""
    if not products:
        x_side = f"a_{s} = x×W_{s} + b_{s}"
        if gate != "candidate":
            return [head, x_side, f"+ h_prev×U_{s}{b2}", f"= {{a_{s}}}", value]
        if reset_after:
            return [head, x_side, "+ r×(h_prev×U_n + b′_n)", "= {a_n}", value]
        return [head, x_side, "+ (r×h_prev)×U_n", "= {a_n}", value]
    x_side = f"a_{s} = {{xt}}×{{W_{s}}} + {{b_{s}}}"
    if gate != "candidate":
        h_side = f"+ {{h_prevt}}×{{U_{s}}}"
        if reset_after:
            return [head, x_side, h_side, f"+ {{b2_{s}}} = {{a_{s}}}", value]
        return [head, x_side, h_side, f"= {{a_{s}}}", value]
    if reset_after:
        return [head, x_side, "+ r×({h_prevt}×{U_n}", "+ {b2_n}) = {a_n}", value]
    return [head, x_side, "+ (r×{h_prevt})×{U_n}", "= {a_n}", value]


class _Pen:
    """Places the cell's parts on a canvas: gate boxes, the 1−z box, the r note."""

    def __init__(self, canvas: Canvas, boxes: Mapping[str, Sequence[str]]) -> None:
        self.c = canvas
        self.boxes = boxes

    def gate(self, gate: str, x: float, y: float) -> None:
        self.c.box(x, y, BOX_W, BOX_H, "lx-gate")
        lines = list(self.boxes[gate])
        classes = ["lx-gate-name", "", "", "", "lx-value"]
        self.c.lines(x + 10, y + 20, lines, classes)

    def one_minus(self, x: float, y: float) -> None:
        """The 1−z box centred at (x, y)."""
        self.c.box(x - 22, y - 12, 44, 24, "lx-gate", rx=12)
        self.c.text(x, y + 5, "1−z", "lx-gate-name", "middle")


def notes(reset_after: bool) -> list[str]:
    """What r multiplies under each convention, this cell's first and marked."""
    here, other = NOTE[reset_after], NOTE[not reset_after]
    return ["r multiplies at ×:", f"{here[0]} (here): {here[1]}", f"{other[0]}: {other[1]}"]


def desk(pen: _Pen, reset_after: bool) -> Layout:
    """Left to right: h_prev along the top, the gates z, r, n in a row, x below."""
    c = pen.c
    left, gap_zr, gap_rn = 100, 20, 70
    x0 = {"update": left, "reset": left + BOX_W + gap_zr}
    x0["candidate"] = x0["reset"] + BOX_W + gap_rn
    cx = {g: x + BOX_W / 2 for g, x in x0.items()}
    right = x0["candidate"] + BOX_W
    width = right + 60
    y_h, y_m, top = 56, 112, 150
    y_g, y_bus = top + BOX_H / 2, top + BOX_H + 30
    mul_z, plus, mul_n = (cx["update"], y_h), (cx["candidate"], y_h), (cx["candidate"], y_m)
    minus = (cx["candidate"] - 90, y_m)
    reset = (x0["candidate"] - gap_rn / 2, y_g)
    x_down, x_in = 60, left - 16

    c.outline(left - 56, 28, right - left + 76, y_bus - 44)
    # h_prev along the top, and down to the bus that feeds the gates with x
    c.wire([(8, y_h), (mul_z[0] - OP_R - 1, y_h)])
    c.wire([(x_down, y_h), (x_down, y_bus), (cx["candidate"], y_bus)], arrow=False)
    c.wire([(x_in, y_bus + 24), (x_in, y_bus)], arrow=False)
    for g in GATES:
        c.wire([(cx[g], y_bus), (cx[g], top + BOX_H + 1)])
    # z keeps z×h_prev; 1−z takes that share of n; their sum is h
    c.wire([(cx["update"], top), (cx["update"], y_h + OP_R + 1)])
    c.wire([(cx["update"], y_m), (minus[0] - 23, y_m)])
    c.wire([(minus[0] + 22, y_m), (mul_n[0] - OP_R - 1, y_m)])
    c.wire([(cx["candidate"], top), (cx["candidate"], y_m + OP_R + 1)])
    c.wire([(mul_n[0], y_m - OP_R), (plus[0], y_h + OP_R + 1)])
    c.wire([(mul_z[0] + OP_R, y_h), (plus[0] - OP_R - 1, y_h)])
    c.wire([(plus[0] + OP_R, y_h), (width - 4, y_h)])
    # r reaches the candidate through the product where it multiplies
    c.wire([(x0["reset"] + BOX_W, y_g), (reset[0] - OP_R - 1, y_g)])
    c.wire([(reset[0] + OP_R, y_g), (x0["candidate"] - 1, y_g)])
    for g in GATES:
        pen.gate(g, x0[g], top)
    for center, sign in ((mul_z, "×"), (mul_n, "×"), (plus, "+"), (reset, "×")):
        c.op(center, sign)
    pen.one_minus(*minus)
    c.text(8, y_h - 8, "h_prev = {h_prev}", "lx-name")
    c.text(width - 8, y_h - 8, "h = {h}", "lx-name lx-result", "end")
    c.text(x_in, y_bus + 40, "x = {x}", "lx-name", "middle")
    c.lines(x0["reset"], y_bus + 22, notes(reset_after), "lx-name")
    return Layout(width, y_bus + 22 + 3 * LINE)


def phone(pen: _Pen, reset_after: bool) -> Layout:
    """The desk drawing turned a quarter: h_prev down the left, the gates stacked."""
    c = pen.c
    left, top, gap_zr, gap_rn = 170, 48, 12, 60
    y0 = {"update": top, "reset": top + BOX_H + gap_zr}
    y0["candidate"] = y0["reset"] + BOX_H + gap_rn
    cy = {g: y + BOX_H / 2 for g, y in y0.items()}
    bottom = y0["candidate"] + BOX_H
    bus = left + BOX_W + 24
    width = bus + 16
    x_h, x_m = 40, 100
    mul_z, plus, mul_n = (x_h, cy["update"]), (x_h, cy["candidate"]), (x_m, cy["candidate"])
    minus = (x_m, cy["candidate"] - 48)
    reset = (left + BOX_W / 2, y0["candidate"] - gap_rn / 2)
    y_note = bottom + 24
    end = y_note + 4 * LINE

    c.outline(24, top - 8, bus - 32, bottom - top + 16)
    c.wire([(x_h, 26), (x_h, mul_z[1] - OP_R - 1)])
    c.wire([(x_h, 34), (bus, 34), (bus, cy["candidate"])], arrow=False)
    for g in GATES:
        c.wire([(bus, cy[g]), (left + BOX_W + 1, cy[g])])
    c.wire([(left, cy["update"]), (x_h + OP_R + 1, cy["update"])])
    c.wire([(x_m, cy["update"]), (x_m, minus[1] - 13)])
    c.wire([(x_m, minus[1] + 12), (x_m, mul_n[1] - OP_R - 1)])
    c.wire([(left, cy["candidate"]), (mul_n[0] + OP_R + 1, cy["candidate"])])
    c.wire([(mul_n[0] - OP_R, mul_n[1]), (plus[0] + OP_R + 1, plus[1])])
    c.wire([(x_h, mul_z[1] + OP_R), (x_h, plus[1] - OP_R - 1)])
    c.wire([(x_h, plus[1] + OP_R), (x_h, end)])
    c.wire([(reset[0], y0["reset"] + BOX_H), (reset[0], reset[1] - OP_R - 1)])
    c.wire([(reset[0], reset[1] + OP_R), (reset[0], y0["candidate"] - 1)])
    for g in GATES:
        pen.gate(g, left, y0[g])
    for center, sign in ((mul_z, "×"), (mul_n, "×"), (plus, "+"), (reset, "×")):
        c.op(center, sign)
    pen.one_minus(*minus)
    c.text(8, 18, "h_prev = {h_prev}", "lx-name")
    c.text(width - 8, 18, "x = {x}", "lx-name", "end")
    here, other = NOTE[reset_after], NOTE[not reset_after]
    lines = [f"{here[0]} (here):", here[1], f"{other[0]}:", other[1]]
    c.lines(x_m + 30, y_note, ["r multiplies at ×:", *lines], "lx-name")
    c.text(x_h + 8, end + 18, "h = {h}", "lx-name lx-result")
    return Layout(width, end + 30)


LAYOUTS = {"desk": desk, "phone": phone}

DESC = (
    "Time step {t}. The input x = {x} and the previous hidden state h_prev = {h_prev} feed "
    "two gates, update gate z = {v_z} (a_z = {a_z}) and reset gate r = {v_r} "
    "(a_r = {a_r}), each σ of its pre-activation, and the candidate n = {v_n} "
    "(a_n = {a_n}), φ of a pre-activation in which r multiplies the recurrent part. Along "
    "the top, z×h_prev is kept and (1−z)×n is added, giving the new hidden state h = {h}, "
    "which leaves the cell and is fed back at the next step. Here σ is {rec} and φ is {act}."
)


def legend_entries() -> list[LegendEntry]:
    return [
        LegendEntry("box", "gate or candidate: σ or φ of its pre-activation a"),
        LegendEntry("op", "element-wise product", "×"),
        LegendEntry("op", "sum", "+"),
        LegendEntry("text", "σ = {rec} (recurrent_activation)"),
        LegendEntry("text", "φ = {act} (activation)"),
    ]


WIDEST = {"act": "hard_sigmoid", "rec": "hard_sigmoid[alpha=1/4, beta=1/2]"}


def draw(
    *,
    reset_after: bool,
    products: bool,
    layout: str,
    ident: str,
    values: Mapping[str, str] | None,
    title: str,
) -> str:
    """One layout of the GRU cell as an SVG string; `values` None leaves a template."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}; got {layout!r}")
    boxes = {g: gate_lines(g, reset_after=reset_after, products=products) for g in GATES}
    canvas = Canvas(0, 0, ident, values)
    size = LAYOUTS[layout](_Pen(canvas, boxes), reset_after)
    sample = values if values is not None else WIDEST
    entries = []
    for e in legend_entries():
        text = e.label
        for name, value in sample.items():
            text = text.replace("{" + name + "}", value)
        entries.append(LegendEntry(e.kind, e.label, e.sign, text_width(text, FONT)))
    bottom = legend(canvas, 8, size.legend_y, entries, width=size.width - 16)
    canvas.width, canvas.height = size.width, bottom + 6
    return canvas.render(title=title, desc=DESC, cls=f"lx-cell lx-gru lx-{layout}")


def gru_values(
    trace: Trace, t: int, *, sample: int = 0, unit: int = 0, digits: int | None = None
) -> dict[str, str]:
    """Every field of the GRU drawing for step `t` of `trace`, one unit's values, as text."""
    step, d, values = step_values(trace, t, sample=sample, unit=unit, digits=digits)
    w = trace.weights
    for gate in GATES:
        s, gw = SYMBOL[gate], w.gate(gate)
        bias: Any = np.zeros((1, w.units)) if gw.bias is None else gw.bias.reshape(-1, w.units)
        values[f"W_{s}"] = factor(number(gw.kernel[0, unit], d))
        values[f"U_{s}"] = factor(number(gw.recurrent_kernel[0, unit], d))
        values[f"b_{s}"] = factor(number(bias[0][unit], d))
        values[f"b2_{s}"] = factor(number(bias[1][unit] if len(bias) > 1 else 0, d))
        values[f"a_{s}"] = number(step.z[gate][unit], d)
        values[f"v_{s}"] = number(step.gates[gate][unit], d)
    return values


def gru_svg(trace: Trace, t: int, *, layout: str = "desk", ident: str = "gru-cell",
            **options: Any) -> str:  # fmt: skip
    """The GRU cell at step `t` as one layout's SVG (`options`: sample, unit, digits)."""
    require_trace(trace)
    w = trace.weights
    values = gru_values(trace, t, **options)
    return draw(
        reset_after=getattr(w, "reset_after", True),
        products=w.input_dim == 1 and w.units == 1,
        layout=layout,
        ident=ident,
        values=values,
        title=f"The GRU cell at time step {values['t']}",
    )


def gru_figure(trace: Trace, t: int, *, caption: str = "", ident: str = "gru-cell",
               **options: Any) -> str:  # fmt: skip
    """Both layouts of `gru_svg(trace, t, **options)` in one `<figure>` with a caption."""
    desk_svg, phone_svg = (gru_svg(trace, t, layout=name, ident=f"{ident}-{name}", **options)
                           for name in LAYOUT_NAMES)  # fmt: skip
    return both_layouts(desk_svg, phone_svg, caption=caption)


def gru_template(ident: str, *, reset_after: bool, products: bool) -> str:
    """Both layouts with every number a `{field}` (those of `gru_values`) for a script."""
    svgs = [
        draw(reset_after=reset_after, products=products, layout=name,
             ident=f"{ident}-{name}", values=None, title="The GRU cell at time step {t}")
        for name in LAYOUT_NAMES
    ]  # fmt: skip
    return f'<div class="lx-layouts">{"".join(svgs)}</div>'
