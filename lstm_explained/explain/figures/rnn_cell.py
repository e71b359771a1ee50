"""The plain recurrent cell with a trace's numbers, for a desk or a phone, or as a template.

One box, no gates: the input x and the previous hidden state h_prev meet in a weighted
sum a = x×W + b + h_prev×U, and h = φ(a) leaves the cell, as the output and as the next
step's h_prev. The box works a out with the step's numbers, as the GRU's and the LSTM's
gate boxes do; on a desk h_prev comes in along the top and x from below, on a phone
h_prev from the top and x from the right.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ...engine.trace import Trace, require_trace
from .lstm_cell import Layout
from .lstm_figures import LAYOUT_NAMES, both_layouts, factor, number, step_values
from .svg import FONT, LINE, Canvas, LegendEntry, legend, text_width

BOX_W, BOX_H = 200, 96  # five lines of about 22 characters, as the GRU's gate boxes


def box_lines(*, products: bool) -> list[str]:
    """The five lines of the box, as templates with `{field}`s; `products=False` writes
    the products as symbols (several inputs or units) and keeps the numeric result."""
    head, value = "h = φ(a)", "h = {h}"
    if not products:
        return [head, "a = x×W + b", "+ h_prev×U", "= {a}", value]
    return [head, "a = {xt}×{W} + {b}", "+ {h_prevt}×{U}", "= {a}", value]


def _box(c: Canvas, lines: Sequence[str], x: float, y: float) -> None:
    c.box(x, y, BOX_W, BOX_H, "lx-gate")
    c.lines(x + 10, y + 20, list(lines), ["lx-gate-name", "", "", "", "lx-value"])


def desk(c: Canvas, lines: Sequence[str]) -> Layout:
    """Left to right: h_prev in along the top, down into the box; x up from below; h out
    to the right, and back round to the next step's h_prev."""
    left, top = 120, 70
    cx, right = left + BOX_W / 2, left + BOX_W
    y_h, y_x = 40, top + BOX_H + 40
    width = right + 230
    c.outline(left - 30, y_h + 14, BOX_W + 60, BOX_H + 56)
    c.wire([(8, y_h), (cx, y_h), (cx, top - 1)])
    c.wire([(cx, y_x + 14), (cx, top + BOX_H + 1)])
    c.wire([(right, top + BOX_H / 2), (width - 8, top + BOX_H / 2)])
    _box(c, lines, left, top)
    c.text(8, y_h - 8, "h_prev = {h_prev}", "lx-name")
    c.text(cx + 8, y_x + 26, "x = {x}", "lx-name")
    c.text(width - 8, top + BOX_H / 2 - 8, "h = {h}", "lx-name lx-result", "end")
    c.text(width - 8, top + BOX_H / 2 + 20, "(the next step's h_prev)", "lx-name", "end")
    return Layout(width, y_x + 26 + LINE)


def phone(c: Canvas, lines: Sequence[str]) -> Layout:
    """Top to bottom: h_prev in from the top, x from the right, h out at the bottom."""
    left, top = 24, 56
    cx, bottom = left + BOX_W / 2, top + BOX_H
    x_x = left + BOX_W + 70
    width = x_x + 16
    c.outline(left - 12, top - 14, BOX_W + 24, BOX_H + 28)
    c.wire([(cx, 26), (cx, top - 1)])
    c.wire([(x_x, top + BOX_H / 2), (left + BOX_W + 1, top + BOX_H / 2)])
    c.wire([(cx, bottom), (cx, bottom + 40)])
    _box(c, lines, left, top)
    c.text(8, 18, "h_prev = {h_prev}", "lx-name")
    c.text(x_x, top + BOX_H / 2 - 10, "x = {x}", "lx-name", "end")
    c.text(cx + 8, bottom + 36, "h = {h}", "lx-name lx-result")
    return Layout(width, bottom + 36 + LINE)


LAYOUTS = {"desk": desk, "phone": phone}

DESC = (
    "Time step {t}. The input x = {x} and the previous hidden state h_prev = {h_prev} meet "
    "in one weighted sum, a = x×W + b + h_prev×U = {a}; the new hidden state is "
    "h = φ(a) = {h}, the cell's output, which is fed back as h_prev at the next step. "
    "There are no gates. Here φ is {act}."
)


def legend_entries() -> list[LegendEntry]:
    return [
        LegendEntry("box", "the weighted sum a and h = φ(a)"),
        LegendEntry("text", "φ = {act} (activation)"),
    ]


WIDEST = {"act": "hard_sigmoid[alpha=1/4, beta=1/2]"}


def draw(
    *, products: bool, layout: str, ident: str, values: Mapping[str, str] | None, title: str
) -> str:
    """One layout of the plain cell as an SVG string; `values` None leaves a template."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}; got {layout!r}")
    canvas = Canvas(0, 0, ident, values)
    size = LAYOUTS[layout](canvas, box_lines(products=products))
    sample = values if values is not None else WIDEST
    entries = []
    for e in legend_entries():
        text = e.label
        for name, value in sample.items():
            text = text.replace("{" + name + "}", value)
        entries.append(LegendEntry(e.kind, e.label, e.sign, text_width(text, FONT)))
    bottom = legend(canvas, 8, size.legend_y, entries, width=size.width - 16)
    canvas.width, canvas.height = size.width, bottom + 6
    return canvas.render(title=title, desc=DESC, cls=f"lx-cell lx-rnn lx-{layout}")


def rnn_values(
    trace: Trace, t: int, *, sample: int = 0, unit: int = 0, digits: int | None = None
) -> dict[str, str]:
    """Every field of the plain cell's drawing for step `t` of `trace`, one unit's values,
    as text."""
    step, d, values = step_values(trace, t, sample=sample, unit=unit, digits=digits)
    gw = trace.weights.gate("hidden")
    bias: Any = np.zeros(trace.weights.units) if gw.bias is None else gw.bias
    values["W"] = factor(number(gw.kernel[0, unit], d))
    values["U"] = factor(number(gw.recurrent_kernel[0, unit], d))
    values["b"] = factor(number(bias[unit], d))
    values["a"] = number(step.z["hidden"][trace.column(unit)], d)
    return values


def rnn_svg(trace: Trace, t: int, *, layout: str = "desk", ident: str = "rnn-cell",
            **options: Any) -> str:  # fmt: skip
    """The plain cell at step `t` as one layout's SVG (`options`: sample, unit, digits)."""
    require_trace(trace)
    w = trace.weights
    values = rnn_values(trace, t, **options)
    title = f"The plain recurrent cell at time step {values['t']}"
    products = w.input_dim == 1 and w.units == 1
    return draw(products=products, layout=layout, ident=ident, values=values, title=title)


def rnn_figure(trace: Trace, t: int, *, caption: str = "", ident: str = "rnn-cell",
               **options: Any) -> str:  # fmt: skip
    """Both layouts of `rnn_svg(trace, t, **options)` in one `<figure>` with a caption."""
    desk_svg, phone_svg = (rnn_svg(trace, t, layout=name, ident=f"{ident}-{name}", **options)
                           for name in LAYOUT_NAMES)  # fmt: skip
    return both_layouts(desk_svg, phone_svg, caption=caption)


def rnn_template(ident: str, *, products: bool) -> str:
    """Both layouts with every number a `{field}` (those of `rnn_values`) for a script."""
    svgs = [
        draw(products=products, layout=name, ident=f"{ident}-{name}", values=None,
             title="The plain recurrent cell at time step {t}")
        for name in LAYOUT_NAMES
    ]  # fmt: skip
    return f'<div class="lx-layouts">{"".join(svgs)}</div>'
