"""The LSTM cell, drawn forwards (values) or backwards (gradients), for a desk or a phone.

The gates stand in the order of the equations, i, f, g, o: left to right on a desk,
top to bottom on a phone, where the whole drawing turns a quarter so it stays legible
in a narrow column. Each gate box shows its pre-activation worked out with numbers,
a = x×W + h_prev×U + b, and the gate's value. The drawing code only places things;
what the labels say comes in a `CellLabels`, so the forward figure, the backward figure
and the stepper's template share one drawing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ...engine.weights import GATES
from .svg import FONT, LINE, OP_R, Canvas, LegendEntry, Point, legend, text_width

SYMBOL = {"input": "i", "forget": "f", "candidate": "g", "output": "o"}
FN = {"input": "σ", "forget": "σ", "candidate": "φ", "output": "σ"}

BOX_W, BOX_H = 140, 96  # a gate box holds five lines of about 17 characters
BOX_LINES = 5

# What each highlighted figure singles out (the keys name parts of the drawing).
HIGHLIGHTS: dict[str, frozenset[str]] = {
    "forget": frozenset({"box:forget", "in:forget", "f->mul", "mul_f", "c_prev"}),
    "input": frozenset(
        {"box:input", "in:input", "box:candidate", "in:candidate", "i->m", "g->m", "m", "m->plus"}
    ),
    "cell": frozenset({"c_prev", "mul_f", "c_mid", "plus", "c_out", "f->mul", "m->plus"}),
    "output": frozenset(
        {"box:output", "in:output", "o->mul", "branch", "squash", "squash->mul", "mul_o", "h_out"}
    ),
}


@dataclass(frozen=True)
class CellLabels:
    """What the cell drawing says: text templates with `{name}` fields.

    `gates` holds each gate's box lines; the rest label the wires entering and leaving.
    `backward` turns every arrow round, for gradients flowing from the outputs back.
    """

    gates: Mapping[str, Sequence[str]]
    c_prev: str
    c: str
    h_prev: str
    h: str
    x: str
    squash: str = "φ"
    note: Sequence[str] = ()  # on the cell-state line between + and the branch to φ
    backward: bool = False
    highlight: frozenset[str] = field(default_factory=frozenset)


class _Pen:
    """Draws parts of the cell by key, highlighting and reversing as the labels ask."""

    def __init__(self, canvas: Canvas, labels: CellLabels) -> None:
        self.c = canvas
        self.labels = labels

    def hl(self, key: str) -> bool:
        return key in self.labels.highlight

    def wire(
        self, key: str, points: list[Point], *, hops: Sequence[Point] = (), arrow: bool = True
    ) -> None:
        pts = points[::-1] if self.labels.backward else points
        self.c.wire(pts, hops=hops, arrow=arrow, hl=self.hl(key))

    def gate(self, gate: str, x: float, y: float) -> None:
        """A gate box with its top-left corner at (x, y)."""
        key = f"box:{gate}"
        self.c.box(x, y, BOX_W, BOX_H, "lx-gate", hl=self.hl(key))
        lines = list(self.labels.gates[gate])
        classes = ["lx-gate-name", *[""] * (len(lines) - 2), "lx-value"]
        self.c.lines(x + 10, y + 20, lines, classes, hl=self.hl(key))

    def squash(self, center: Point) -> None:
        x, y = center
        self.c.box(x - 22, y - 12, 44, 24, "lx-gate", rx=12, hl=self.hl("squash"))
        self.c.text(x, y + 5, self.labels.squash, "lx-gate-name", "middle", hl=self.hl("squash"))


def gate_lines(gate: str, *, numeric: bool, products: bool = True) -> list[str]:
    """The five lines of a forward gate box, as templates.

    Numeric boxes work a out with the step's numbers (`{xt_f}`, `{W_f}`, ...); symbolic ones
    show the formula. `products=False` writes the products as symbols (several inputs or
    units would not fit in a box) and keeps only the numeric result.
    """
    s = SYMBOL[gate]
    head = f"{s} = {FN[gate]}(a_{s})"
    if not numeric:
        return [head, f"a_{s} = x×W_{s}", f"+ h_prev×U_{s}", f"+ b_{s}", ""]
    if not products:
        return [
            head,
            f"a_{s} = x×W_{s}",
            f"+ h_prev×U_{s}",
            f"+ b_{s} = {{a_{s}}}",
            f"{s} = {{v_{s}}}",
        ]
    return [
        head,
        f"a_{s} = {{xt_{s}}}×{{W_{s}}}",
        f"+ {{h_prevt_{s}}}×{{U_{s}}}",
        f"+ {{b_{s}}} = {{a_{s}}}",
        f"{s} = {{v_{s}}}",
    ]


# ---- the two layouts ---------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """A drawing's size and the y where its legend starts."""

    width: float
    legend_y: float


def desk(pen: _Pen) -> Layout:
    """Left to right: c along the top, the gates i, f, g, o in a row, h_prev and x below."""
    c, lab = pen.c, pen.labels
    left, gap = 120, 10
    cx = {g: left + BOX_W / 2 + k * (BOX_W + gap) for k, g in enumerate(GATES)}
    right = cx["output"] + BOX_W / 2
    y_c, y_m, top = 56, 112, 150
    y_g, y_bus = top + BOX_H / 2, top + BOX_H + 30
    plus = ((cx["forget"] + cx["candidate"]) / 2, y_c)
    mul_f, mul_m = (cx["forget"], y_c), (plus[0], y_m)
    branch = right + 56
    width = branch + 54
    mul_o, squash = (branch, y_g), (branch, y_m)
    x_in = left - 16

    c.outline(left - 12, 28, branch - left + 40, y_bus - 44)
    # the cell state along the top
    pen.wire("c_prev", [(8, y_c), (mul_f[0] - OP_R - 1, y_c)])
    pen.wire("c_mid", [(mul_f[0] + OP_R, y_c), (plus[0] - OP_R - 1, y_c)])
    pen.wire("c_out", [(plus[0] + OP_R, y_c), (width - 4, y_c)])
    # the inputs: h_prev and x join a bus under the gates
    # backwards, the gradient leaves along them: an arrow head at the far end
    pen.wire("bus", [(8, y_bus), (cx["output"], y_bus)], arrow=lab.backward)
    pen.wire("x", [(x_in, y_bus + 24), (x_in, y_bus)], arrow=lab.backward)
    for g in GATES:
        pen.wire(f"in:{g}", [(cx[g], y_bus), (cx[g], top + BOX_H + 1)])
    # gates up to the cell state: f to its product; i and g meet, their product is added
    pen.wire("f->mul", [(cx["forget"], top), (cx["forget"], y_c + OP_R + 1)])
    pen.wire("i->m", [(cx["input"], top), (cx["input"], y_m), (mul_m[0] - OP_R - 1, y_m)],
             hops=[(cx["forget"], y_m)])  # fmt: skip
    pen.wire("g->m", [(cx["candidate"], top), (cx["candidate"], y_m), (mul_m[0] + OP_R + 1, y_m)])
    pen.wire("m->plus", [(mul_m[0], y_m - OP_R), (plus[0], y_c + OP_R + 1)])
    # c, squashed, times o gives h
    pen.wire("branch", [(branch, y_c), (branch, squash[1] - 13)])
    pen.wire("squash->mul", [(branch, squash[1] + 12), (branch, y_g - OP_R - 1)])
    pen.wire("o->mul", [(right, y_g), (branch - OP_R - 1, y_g)])
    pen.wire("h_out", [(branch, y_g + OP_R), (branch, y_bus), (width - 4, y_bus)])
    for g in GATES:
        pen.gate(g, cx[g] - BOX_W / 2, top)
    c.op(mul_f, "×", hl=pen.hl("mul_f"))
    c.op(mul_m, "×", hl=pen.hl("m"))
    c.op(plus, "+", hl=pen.hl("plus"))
    c.op(mul_o, "×", hl=pen.hl("mul_o"))
    pen.squash(squash)
    c.text(8, y_c - 8, lab.c_prev, "lx-name", hl=pen.hl("c_prev"))
    c.text(width - 8, y_c - 8, lab.c, "lx-name lx-result", "end", hl=pen.hl("c_out"))
    c.text(8, y_bus - 8, lab.h_prev, "lx-name")
    c.text(width - 8, y_bus + 20, lab.h, "lx-name lx-result", "end", hl=pen.hl("h_out"))
    c.text(x_in, y_bus + 40, lab.x, "lx-name", "middle")
    if lab.note:  # under the cell state line, between g's wire and the branch to φ
        c.lines((cx["candidate"] + branch) / 2, y_c + 24, list(lab.note), "lx-name", "middle")
    return Layout(width, y_bus + 52)


def phone(pen: _Pen) -> Layout:
    """The desk drawing turned a quarter: c down the left, the gates i, f, g, o stacked."""
    c, lab = pen.c, pen.labels
    left, gap, top = 180, 12, 48
    cy = {g: top + BOX_H / 2 + k * (BOX_H + gap) for k, g in enumerate(GATES)}
    bottom = cy["output"] + BOX_H / 2
    bus = left + BOX_W + 24
    width = bus + 16
    x_c, x_m = 40, 100
    mul_f = (x_c, cy["forget"])
    between = (cy["forget"] + cy["candidate"]) / 2  # in the gap between the f and g boxes
    mul_m, plus = (x_m, between), (x_c, between)
    y_o = bottom + 32
    mul_o, squash = (left + BOX_W / 2, y_o), (120, y_o)
    end = y_o + 48

    c.outline(24, top - 8, bus - 32, y_o - top + 24)
    pen.wire("c_prev", [(x_c, 26), (x_c, mul_f[1] - OP_R - 1)])
    pen.wire("c_mid", [(x_c, mul_f[1] + OP_R), (x_c, plus[1] - OP_R - 1)])
    pen.wire("c_out", [(x_c, plus[1] + OP_R), (x_c, end)])
    pen.wire("bus", [(bus, top - 8), (bus, cy["output"])], arrow=lab.backward)
    for g in GATES:
        pen.wire(f"in:{g}", [(bus, cy[g]), (left + BOX_W + 1, cy[g])])
    pen.wire("f->mul", [(left, cy["forget"]), (x_c + OP_R + 1, cy["forget"])])
    pen.wire("i->m", [(left, cy["input"]), (x_m, cy["input"]), (x_m, mul_m[1] - OP_R - 1)],
             hops=[(x_m, cy["forget"])])  # fmt: skip
    pen.wire("g->m", [(left, cy["candidate"]), (x_m, cy["candidate"]), (x_m, mul_m[1] + OP_R + 1)])
    pen.wire("m->plus", [(x_m - OP_R, mul_m[1]), (x_c + OP_R + 1, plus[1])])
    pen.wire("branch", [(x_c, y_o), (squash[0] - 23, y_o)])
    pen.wire("squash->mul", [(squash[0] + 22, y_o), (mul_o[0] - OP_R - 1, y_o)])
    pen.wire("o->mul", [(mul_o[0], bottom), (mul_o[0], y_o - OP_R - 1)])
    pen.wire("h_out", [(mul_o[0], y_o + OP_R), (mul_o[0], end)])
    for g in GATES:
        pen.gate(g, left, cy[g] - BOX_H / 2)
    c.op(mul_f, "×", hl=pen.hl("mul_f"))
    c.op(mul_m, "×", hl=pen.hl("m"))
    c.op(plus, "+", hl=pen.hl("plus"))
    c.op(mul_o, "×", hl=pen.hl("mul_o"))
    pen.squash(squash)
    c.text(8, 18, lab.c_prev, "lx-name", hl=pen.hl("c_prev"))
    c.text(width - 8, 18, lab.x, "lx-name", "end")
    c.text(width - 8, 18 + LINE, lab.h_prev, "lx-name", "end")
    c.text(8, end + 18, lab.c, "lx-name lx-result", hl=pen.hl("c_out"))
    c.text(mul_o[0], end + 18, lab.h, "lx-name lx-result", "middle", hl=pen.hl("h_out"))
    if lab.note:
        c.lines(x_c + 14, cy["output"] - 4, list(lab.note), "lx-name")
    return Layout(width, end + 30)


LAYOUTS = {"desk": desk, "phone": phone}


def draw(
    labels: CellLabels,
    *,
    layout: str,
    ident: str,
    values: Mapping[str, str] | None,
    title: str,
    desc: str,
    legend_entries: Sequence[LegendEntry],
    widest: Mapping[str, str] | None = None,
) -> str:
    """One layout of the cell as an SVG string.

    `values` fills the `{name}` fields; None leaves them for a script, and `widest` then
    stands in for the values when the legend is laid out.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}; got {layout!r}")
    canvas = Canvas(0, 0, ident, values, focus=bool(labels.highlight))
    size = LAYOUTS[layout](_Pen(canvas, labels))
    sample = values if values is not None else widest or {}
    entries = [
        LegendEntry(e.kind, e.label, e.sign, _filled(e.label, sample)) for e in legend_entries
    ]
    bottom = legend(canvas, 8, size.legend_y, entries, width=size.width - 16)
    canvas.width, canvas.height = size.width, bottom + 6
    return canvas.render(title=title, desc=desc, cls=f"lx-cell lx-{layout}")


def _filled(template: str, values: Mapping[str, str]) -> float:
    """How wide a legend label will be once its fields are filled."""
    text = template
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text_width(text, FONT)
