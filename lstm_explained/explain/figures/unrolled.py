"""The cell unrolled in time: one box per step, h and c flowing from each step into the next.

On a desk the steps stand side by side, c running along the top and h along the bottom,
each step reading its input x from below. On a phone they stack, c flowing down the left
and h down the right. Each box shows the step's gates and its two updates with numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...engine.trace import Trace, require_trace
from ...engine.weights import GATES
from ..hand import Written, unit_working, writer_for
from .lstm_cell import SYMBOL
from .lstm_figures import LAYOUT_NAMES, in_both_layouts, plain_only
from .numbers import number, operands, result
from .svg import LINE, Canvas, LegendEntry, legend, text_width

SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
DIGITS = 4  # the fewest significant digits a float shows; a line shows more if it needs


def _sub(t: int) -> str:
    return str(t).translate(SUB)


def step_shown(trace: Trace, t: int, *, sample: int, unit: int) -> dict[str, str]:
    """What step `t`'s box shows, each number as the hand calculation writes it: the
    gates, the lines "c" and "h" worked out, and the new states "c=" and "h=" alone."""
    one = trace.sample(sample)
    plain_only(one, "the unrolled figure")
    step = one.step(t)
    lines = unit_working(one, t, unit, writer_for(one, DIGITS))
    shown = {g: result(lines[g]) for g in GATES}
    if "c" not in lines:  # a masked step carries its states over
        for s in ("c", "h"):
            value = number(step.state[s][unit], DIGITS)
            shown |= {s: f"{s} = {s}_prev = {value}", f"{s}=": value}
        return shown
    return shown | {
        "c": _c_line(lines["c"]),
        "h": _h_line(lines["h"]),
        "c=": result(lines["c"]),
        "h=": result(lines["h"]),
    }


def _c_line(line: Written) -> str:
    f, c_prev, i, g = operands(line)
    return f"c = {f}×{c_prev} + {i}×{g} {line.digits.equals} {result(line)}"


def _h_line(line: Written) -> str:
    o, c = operands(line)
    return f"h = {o}×φ({c}) {line.digits.equals} {result(line)}"


def step_lines(trace: Trace, t: int, *, sample: int, unit: int) -> list[str]:
    """The text inside step `t`'s box: its gates, then c and h worked out."""
    v = step_shown(trace, t, sample=sample, unit=unit)
    return [
        f"step {t}",
        f"i = {v['input']},  f = {v['forget']},",
        f"g = {v['candidate']},  o = {v['output']}",
        v["c"],
        v["h"],
    ]


def unrolled_svg(
    trace: Trace,
    *,
    sample: int = 0,
    unit: int = 0,
    ident: str = "lstm-unrolled",
    layout: str = "desk",
) -> str:
    """Every step of `trace` side by side (desk) or stacked (phone), with its numbers."""
    require_trace(trace)
    one = trace.sample(sample)  # this sequence's steps, without a batch axis
    labels = _labels(trace, sample=sample, unit=unit)
    canvas = Canvas(0, 0, ident, {})
    draw = _DRAW.get(layout)
    if draw is None:
        raise ValueError(f"layout must be one of {', '.join(LAYOUT_NAMES)}; got {layout!r}")
    width, legend_y = draw(canvas, labels)
    entries = [
        LegendEntry("box", "one time step: the same cell, the same weights"),
        LegendEntry("wire", "c and h carried to the next step"),
        LegendEntry("text", f"σ = {trace.recurrent_activation}, φ = {trace.activation}"),
    ]
    bottom = legend(canvas, 8, legend_y, entries, width=width - 16)
    canvas.width, canvas.height = width, bottom + 6
    title = f"The LSTM cell unrolled over {len(one.steps)} time steps"
    desc = _description(one, labels, unit)
    return canvas.render(title=title, desc=desc, cls=f"lx-unrolled lx-{layout}")


BOX_HEIGHT = 20.0 + LINE * 5  # a step's box: its five lines of text
BOX_STYLES = ["lx-gate-name", "", "", "", "lx-value"]  # the step's name, gates, c, h


@dataclass(frozen=True)
class _Labels:
    """The texts of an unrolled figure, by time step t (from 1): each step's box, its
    input `x[t]`, the states `c[t]` and `h[t]` after it (t = 0: the initial state) and
    the values `shown[t]` of `step_shown`, each as the hand calculation writes it."""

    boxes: dict[int, list[str]]
    x: dict[int, str]
    c: list[str]
    h: list[str]
    shown: dict[int, dict[str, str]]

    @property
    def steps(self) -> int:
        return len(self.boxes)

    @property
    def box_width(self) -> float:
        return max(150.0, *(text_width(line) + 24 for b in self.boxes.values() for line in b))


def _labels(trace: Trace, *, sample: int, unit: int) -> _Labels:
    """The figure's texts for `unit` of sequence `sample`."""
    one = trace.sample(sample)
    steps = range(1, len(trace.steps) + 1)
    shown = {t: step_shown(trace, t, sample=sample, unit=unit) for t in steps}

    def state(name: str, t: int) -> str:
        # the state after step t (t = 0: the initial state, as step 1 received it)
        if t:
            return f"{name}{_sub(t)} = {shown[t][name + '=']}"
        return f"{name}{_sub(0)} = {number(getattr(one.steps[0], f'{name}_prev')[unit], DIGITS)}"

    return _Labels(
        boxes={t: step_lines(trace, t, sample=sample, unit=unit) for t in steps},
        x={t: f"x{_sub(t)} = {number(one.steps[t - 1].x.ravel()[0], DIGITS)}" for t in steps},
        c=[state("c", t) for t in range(len(steps) + 1)],
        h=[state("h", t) for t in range(len(steps) + 1)],
        shown=shown,
    )


def _desk(canvas: Canvas, labels: _Labels) -> tuple[float, float]:
    """The steps side by side, c along the top and h along the bottom, x from below;
    the figure's width and where its legend starts."""
    box_w, box_h, n = labels.box_width, BOX_HEIGHT, labels.steps
    gaps = [max(64, text_width(labels.c[t]) + 16, text_width(labels.h[t]) + 16)
            for t in range(n + 1)]  # fmt: skip
    top, x = 22.0, 8.0
    y_c, y_h = top + 22, top + box_h - 14
    for t in range(n + 1):
        end = x + gaps[t]
        last = t == n
        canvas.wire([(x, y_c), (end - (4 if last else 1), y_c)])
        canvas.wire([(x, y_h), (end - (4 if last else 1), y_h)])
        canvas.text((x + end) / 2, y_c - 8, labels.c[t], "lx-name", "middle")
        canvas.text((x + end) / 2, y_h + 20, labels.h[t], "lx-name", "middle")
        x = end
        if last:
            break
        cx = x + box_w / 2
        canvas.box(x, top, box_w, box_h, "lx-gate")
        canvas.lines(x + 12, top + 20, labels.boxes[t + 1], BOX_STYLES)
        canvas.wire([(cx, top + box_h + 30), (cx, top + box_h + 1)])
        canvas.text(cx, top + box_h + 46, labels.x[t + 1], "lx-name", "middle")
        x += box_w
    return x, top + box_h + 58


def _phone(canvas: Canvas, labels: _Labels) -> tuple[float, float]:
    """The steps one below the other, c down the left and h down the right; the
    figure's width and where its legend starts."""
    box_h, n = BOX_HEIGHT, labels.steps
    width = max(360.0, labels.box_width + 40)
    left, x_c, x_h, y = 20.0, 60.0, width - 60, 8.0
    for t in range(n + 1):
        last = t == n
        end = y + 46
        canvas.wire([(x_c, y), (x_c, end - (4 if last else 1))])
        canvas.wire([(x_h, y), (x_h, end - (4 if last else 1))])
        canvas.text(x_c + 10, y + 28, labels.c[t], "lx-name")
        canvas.text(x_h - 10, y + 28, labels.h[t], "lx-name", "end")
        y = end
        if last:
            break
        box = labels.boxes[t + 1]
        lines = [f"{box[0]}, reading {labels.x[t + 1]}", *box[1:]]
        canvas.box(left, y, width - 2 * left, box_h, "lx-gate")
        canvas.lines(left + 14, y + 20, lines, BOX_STYLES)
        y += box_h
    return width, y + 14


_DRAW = {"desk": _desk, "phone": _phone}


def _description(one: Trace, labels: _Labels, unit: int) -> str:
    """The figure's text for a screen reader: every step's input, gates and states."""
    shown = labels.shown
    outputs = ", ".join(shown[s.t]["h="] for s in one.steps)
    cells = ", ".join(shown[s.t]["c="] for s in one.steps)

    def gates_of(t: int) -> str:
        return ", ".join(f"{SYMBOL[g]} = {shown[t][g]}" for g in GATES)

    return (
        f"The same cell at each of {labels.steps} time steps, left to right. Each step reads "
        f"its input and the hidden state h and cell state c handed on by the step before, "
        f"starting from {labels.h[0]} and {labels.c[0]}. "
        + " ".join(
            f"Step {t}: {labels.x[t]}, gates {gates_of(t)}, then {labels.c[t]} and {labels.h[t]}."
            for t in range(1, labels.steps + 1)
        )
        + f" The hidden states {outputs} are the layer's outputs; the cell states are {cells}."
    )


def unrolled_figure(
    trace: Trace, *, caption: str = "", ident: str = "lstm-unrolled", **options: Any
) -> str:
    """Both layouts of `unrolled_svg` in one `<figure>` with a caption."""
    return in_both_layouts(unrolled_svg, trace, caption=caption, ident=ident, **options)
