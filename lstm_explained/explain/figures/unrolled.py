"""The cell unrolled in time: one box per step, h and c flowing from each step into the next.

On a desk the steps stand side by side, c running along the top and h along the bottom,
each step reading its input x from below. On a phone they stack, c flowing down the left
and h down the right. Each box shows the step's gates and its two updates with numbers.
"""

from __future__ import annotations

from typing import Any

from ...engine.trace import Trace
from ...engine.weights import GATES
from .lstm_cell import SYMBOL
from .lstm_figures import LAYOUT_NAMES, in_both_layouts, number
from .numbers import digits_that_add_up
from .svg import LINE, Canvas, LegendEntry, legend, text_width

SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sub(t: int) -> str:
    return str(t).translate(SUB)


def step_lines(trace: Trace, t: int, *, sample: int, unit: int) -> list[str]:
    """The text inside step `t`'s box: its gates, then c and h worked out."""
    step = trace.sample(sample).step(t)
    d = digits_that_add_up(trace, t, sample=sample)

    def at(arr: Any) -> str:
        return number(arr[unit], d)

    def fac(arr: Any) -> str:
        text = at(arr)
        return f"({text})" if text.lstrip("≈").startswith("-") or "/" in text else text

    v = {g: at(step.gates[g]) for g in GATES}
    f = {g: fac(step.gates[g]) for g in GATES}
    return [
        f"step {t}",
        f"i = {v['input']},  f = {v['forget']},",
        f"g = {v['candidate']},  o = {v['output']}",
        f"c = {f['forget']}×{fac(step.c_prev)} + {f['input']}×{f['candidate']} = {at(step.c)}",
        f"h = {f['output']}×φ({at(step.c)}) = {at(step.h)}",
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
    one = trace.sample(sample)  # this sequence's steps, without a batch axis
    steps = range(1, len(trace.steps) + 1)
    d = {t: digits_that_add_up(trace, t, sample=sample) for t in steps}
    boxes = {t: step_lines(trace, t, sample=sample, unit=unit) for t in steps}

    def state(name: str, t: int) -> str:
        # the state after step t (t = 0: the initial state, as step 1 received it)
        step = one.steps[max(t, 1) - 1]
        arr = getattr(step, name) if t else getattr(step, f"{name}_prev")
        return f"{name}{_sub(t)} = {number(arr[unit], d[max(t, 1)])}"

    def x_of(t: int) -> str:
        return f"x{_sub(t)} = {number(one.steps[t - 1].x.ravel()[0], d[t])}"

    canvas = Canvas(0, 0, ident, {})
    box_w = max(150.0, *(text_width(line) + 24 for lines in boxes.values() for line in lines))
    box_h = 20.0 + LINE * 5
    if layout == "desk":
        gaps = [max(64, text_width(state("c", t)) + 16, text_width(state("h", t)) + 16)
                for t in range(len(steps) + 1)]  # fmt: skip
        top, x = 22.0, 8.0
        y_c, y_h = top + 22, top + box_h - 14
        for t in range(len(steps) + 1):
            end = x + gaps[t]
            last = t == len(steps)
            canvas.wire([(x, y_c), (end - (4 if last else 1), y_c)])
            canvas.wire([(x, y_h), (end - (4 if last else 1), y_h)])
            canvas.text((x + end) / 2, y_c - 8, state("c", t), "lx-name", "middle")
            canvas.text((x + end) / 2, y_h + 20, state("h", t), "lx-name", "middle")
            x = end
            if last:
                break
            cx = x + box_w / 2
            canvas.box(x, top, box_w, box_h, "lx-gate")
            canvas.lines(x + 12, top + 20, boxes[t + 1], ["lx-gate-name", "", "", "", "lx-value"])
            canvas.wire([(cx, top + box_h + 30), (cx, top + box_h + 1)])
            canvas.text(cx, top + box_h + 46, x_of(t + 1), "lx-name", "middle")
            x += box_w
        width, legend_y = x, top + box_h + 58
    elif layout == "phone":
        width = max(360.0, box_w + 40)
        left, x_c, x_h, y = 20.0, 60.0, width - 60, 8.0
        for t in range(len(steps) + 1):
            last = t == len(steps)
            end = y + 46
            canvas.wire([(x_c, y), (x_c, end - (4 if last else 1))])
            canvas.wire([(x_h, y), (x_h, end - (4 if last else 1))])
            canvas.text(x_c + 10, y + 28, state("c", t), "lx-name")
            canvas.text(x_h - 10, y + 28, state("h", t), "lx-name", "end")
            y = end
            if last:
                break
            lines = [f"{boxes[t + 1][0]}, reading {x_of(t + 1)}", *boxes[t + 1][1:]]
            canvas.box(left, y, width - 2 * left, box_h, "lx-gate")
            canvas.lines(left + 14, y + 20, lines, ["lx-gate-name", "", "", "", "lx-value"])
            y += box_h
        legend_y = y + 14
    else:
        raise ValueError(f"layout must be one of {', '.join(LAYOUT_NAMES)}; got {layout!r}")
    entries = [
        LegendEntry("box", "one time step: the same cell, the same weights"),
        LegendEntry("wire", "c and h carried to the next step"),
        LegendEntry("text", f"σ = {trace.recurrent_activation}, φ = {trace.activation}"),
    ]
    bottom = legend(canvas, 8, legend_y, entries, width=width - 16)
    canvas.width, canvas.height = width, bottom + 6
    outputs = ", ".join(number(s.h[unit], d[s.t]) for s in one.steps)
    cells = ", ".join(number(s.c[unit], d[s.t]) for s in one.steps)

    def gates_of(t: int) -> str:
        step = one.steps[t - 1]
        return ", ".join(f"{SYMBOL[g]} = {number(step.gates[g][unit], d[t])}" for g in GATES)

    desc = (
        f"The same cell at each of {len(steps)} time steps, left to right. Each step reads "
        f"its input and the hidden state h and cell state c handed on by the step before, "
        f"starting from {state('h', 0)} and {state('c', 0)}. "
        + " ".join(
            f"Step {t}: {x_of(t)}, gates {gates_of(t)}, then {state('c', t)} and {state('h', t)}."
            for t in steps
        )
        + f" The hidden states {outputs} are the layer's outputs; the cell states are {cells}."
    )
    title = f"The LSTM cell unrolled over {len(steps)} time steps"
    return canvas.render(title=title, desc=desc, cls=f"lx-unrolled lx-{layout}")


def unrolled_figure(
    trace: Trace, *, caption: str = "", ident: str = "lstm-unrolled", **options: Any
) -> str:
    """Both layouts of `unrolled_svg` in one `<figure>` with a caption."""
    return in_both_layouts(unrolled_svg, trace, caption=caption, ident=ident, **options)
