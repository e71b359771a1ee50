"""A heatmap of gate values over time: one row per gate and unit, one column per step.

Reading a long sequence's gates as numbers is slow; as colours, a gate that opens once
and a gate that stays shut stand out at a glance. Each cell's colour is its gate value
from 0 (dark) to 1 (light) on the viridis scale, which keeps its order in grey and for
the common colour-vision deficiencies; the desk layout also prints each value, and every
value is in the SVG's description and each cell's tooltip for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from ...engine.trace import Trace
from ...errors import LSTMInputError
from .lstm_figures import in_both_layouts
from .svg import FONT, LINE, Canvas, num

# viridis at 0, 1/4, 1/2, 3/4, 1
_VIRIDIS = [(0x44, 0x01, 0x54), (0x3B, 0x52, 0x8B), (0x21, 0x91, 0x8C), (0x5E, 0xC9, 0x62),
            (0xFD, 0xE7, 0x25)]  # fmt: skip
SYMBOLS = {"input": "i", "forget": "f", "candidate": "g", "output": "o", "update": "z",
           "reset": "r"}  # fmt: skip


def colour(value: float) -> str:
    """The viridis colour of `value` in [0, 1] (clipped), as #rrggbb."""
    v = min(max(float(value), 0.0), 1.0) * (len(_VIRIDIS) - 1)
    k = min(int(v), len(_VIRIDIS) - 2)
    a, b, w = _VIRIDIS[k], _VIRIDIS[k + 1], v - k
    return "#" + "".join(f"{round(x + (y - x) * w):02x}" for x, y in zip(a, b, strict=True))


def ink(value: float) -> str:
    """Black or white, whichever contrasts more with `colour(value)` (by WCAG's
    relative luminance L: black's contrast is (L + 0.05) / 0.05, white's 1.05 / (L + 0.05))."""
    rgb = [int(colour(value)[k : k + 2], 16) / 255 for k in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return "#000" if (lum + 0.05) ** 2 >= 0.05 * 1.05 else "#fff"


def gate_rows(trace: Trace, gates: Sequence[str], units: Sequence[int], sample: int) -> list[Any]:
    """(gate, unit, values over time) for each row, from one sample of the trace."""
    one = trace.sample(sample) if trace.batched else trace
    rows = []
    for gate in gates:
        for unit in units:
            col = one.column(unit)
            rows.append((gate, unit, [float(s.gates[gate][col]) for s in one.steps]))
    return rows


def heatmap_svg(
    trace: Trace,
    *,
    gates: Sequence[str] | None = None,
    units: Sequence[int] = (0,),
    sample: int = 0,
    notes: Sequence[str] | None = None,
    layout: str = "desk",
    ident: str = "gate-heatmap",
) -> str:
    """The heatmap of `gates` (default: every gate but the candidate) for `units` (Python
    indices from 0; the figure counts units from 1, as the site does), in the
    desk layout (labels in words, values printed) or the phone layout (symbols, colour
    only). `notes`, one short string per step, go under the step numbers (the input)."""
    if gates is None:
        gates = [g for g in trace.steps[0].gates if g != "candidate"]
    rows = gate_rows(trace, gates, units, sample)
    steps = len(trace.steps)
    desk = layout == "desk"
    cell_w = 46.0 if desk else 30.0
    cell_h = 26.0 if desk else 22.0
    label_w = 120.0 if desk else 34.0
    if notes is not None and len(notes) != steps:
        raise LSTMInputError(f"notes must hold one string per step ({steps}); got {len(notes)}")
    gap = 6.0  # between one gate's rows and the next gate's
    top = LINE * (3 if notes else 2) + 4  # the header: "time step", numbers, notes
    width = label_w + steps * cell_w + 8
    grid_h = len(rows) * cell_h + (len(gates) - 1) * gap
    height = top + grid_h + 54  # and the colour bar
    canvas = Canvas(width, height, ident, values={})
    canvas.text(label_w + steps * cell_w / 2, LINE, "time step", "lx-muted", "middle")
    for t in range(steps):
        canvas.text(label_w + (t + 0.5) * cell_w, 2 * LINE, str(t + 1), "", "middle")
        if notes:
            canvas.text(label_w + (t + 0.5) * cell_w, 3 * LINE, notes[t], "lx-muted", "middle")
    for r, (gate, unit, values) in enumerate(rows):
        y = top + r * cell_h + (r // len(units)) * gap
        name = f"{gate}, unit {unit + 1}" if desk else f"{SYMBOLS.get(gate, gate[0])}{unit + 1}"
        canvas.text(label_w - 6, y + cell_h / 2 + 5, name, "", "end")
        for t, v in enumerate(values):
            x = label_w + t * cell_w
            canvas.shapes.append(
                f'<rect x="{num(x)}" y="{num(y)}" width="{num(cell_w)}" '
                f'height="{num(cell_h)}" fill="{colour(v)}" stroke="none">'
                f"<title>{escape(gate)} gate, unit {unit + 1}, step {t + 1}: {v:.3f}</title></rect>"
            )
            if desk:
                canvas.labels.append(
                    f'<text x="{num(x + cell_w / 2)}" y="{num(y + cell_h / 2 + 5)}" '
                    f'text-anchor="middle" class="lx-on-colour" fill="{ink(v)}">{v:.2f}</text>'
                )
    _colour_bar(canvas, label_w, top + grid_h + 14, min(steps * cell_w, 240))
    described = "; ".join(
        f"{gate} gate of unit {unit + 1}: " + ", ".join(f"{v:.2f}" for v in values)
        for gate, unit, values in rows
    )
    title = f"Gate values over {steps} time steps"
    desc = f"Values from step 1 to step {steps}, 0 dark to 1 light. {described}."
    return canvas.render(title=title, desc=desc, cls=f"lx-heatmap lx-{layout}")


def _colour_bar(canvas: Canvas, x: float, y: float, width: float) -> None:
    """A bar from 0 to 1 in the heatmap's colours, labelled at both ends."""
    parts = 20
    for k in range(parts):
        canvas.shapes.append(
            f'<rect x="{num(x + k * width / parts)}" y="{num(y)}" '
            f'width="{num(width / parts + 0.5)}" height="10" fill="{colour(k / (parts - 1))}" '
            'stroke="none"/>'
        )
    canvas.text(x, y + 10 + FONT + 4, "0 (shut)", "", "start")
    canvas.text(x + width, y + 10 + FONT + 4, "1 (open)", "", "end")


def heatmap_figure(
    trace: Trace, *, caption: str = "", ident: str = "gate-heatmap", **options: Any
) -> str:
    """Both layouts of `heatmap_svg(trace, **options)` in one `<figure>`."""
    return in_both_layouts(heatmap_svg, trace, caption=caption, ident=ident, **options)
