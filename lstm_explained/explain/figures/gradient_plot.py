"""A gradient's size at every time step, on a logarithmic scale: how it fades going back.

`gradient_plot_svg(series)` draws one line per `Series` (a name and one value per step,
step 1 first), the step on the horizontal axis and the size |value| on a log scale,
one gridline per power of ten. Lines are told apart by their dash pattern (keyed in a
legend under the plot) as well as by colour; every plotted value is in the SVG's
description for screen readers. The desk layout is wide, the phone layout narrow with
fewer ticks; `gradient_plot_figure` puts both in one `<figure>`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from ...errors import LSTMInputError
from .lstm_figures import in_both_layouts
from .svg import LINE, Canvas, num, text_width

DASHES = ("", "7 4", "2 3")  # solid, dashed, dotted: the lines differ without colour
STROKES = ("var(--md-primary-fg-color, #3f51b5)", "var(--md-accent-fg-color, #ff6e40)",
           "currentColor")  # fmt: skip
_SIZES = {"desk": (640.0, 300.0, 10), "phone": (360.0, 280.0, 25)}  # width, plot h, x tick


@dataclass(frozen=True)
class Series:
    """One line: its `name` (a short label drawn beside it) and its values, one per time
    step from step 1. Their sizes are plotted; a zero has no logarithm and is refused."""

    name: str
    values: tuple[float, ...]


def decades(series: Sequence[Series]) -> tuple[int, int]:
    """The powers of ten the vertical axis runs between: (lowest, highest), enough for
    every value's size."""
    sizes = [abs(v) for s in series for v in s.values]
    return math.floor(math.log10(min(sizes))), math.ceil(math.log10(max(sizes)))


def _checked(series: Sequence[Series]) -> int:
    """The number of steps every series has, or an error saying what is wrong."""
    if not series:
        raise LSTMInputError("gradient_plot_svg needs at least one Series; got none")
    steps = {len(s.values) for s in series}
    if len(steps) != 1 or 0 in steps:
        raise LSTMInputError(
            "every Series must hold one value per time step, the same number of steps; got "
            + ", ".join(f"{s.name}: {len(s.values)}" for s in series)
        )
    bad = [s.name for s in series if not all(math.isfinite(v) and v != 0 for v in s.values)]
    if bad:
        raise LSTMInputError(
            f"a log scale needs finite values other than zero; {', '.join(bad)} has another"
        )
    return steps.pop()


def power(k: int) -> str:
    """10 to the k as a label: "1", "10", "10⁻³"."""
    if k in (0, 1):
        return "1" if k == 0 else "10"
    sup = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
    return "10" + str(k).translate(sup)


def gradient_plot_svg(
    series: Sequence[Series],
    *,
    title: str = "Gradient size at each time step",
    y_label: str = "size of the gradient",
    layout: str = "desk",
    ident: str = "gradient-plot",
) -> str:
    """The series as lines over the time steps, sizes on a log scale (see the module)."""
    steps = _checked(series)
    width, plot_h, tick = _SIZES[layout]
    low, high = decades(series)
    left, top, right = text_width(power(low)) + 12, 2 * LINE, width - 12
    bottom = top + plot_h
    legend_top = bottom + 3 * LINE + 10
    canvas = Canvas(width, legend_top + len(series) * LINE + 8, ident, values={})

    def x_at(t: int) -> float:
        return left + (t - 1) * (right - left) / max(steps - 1, 1)

    def y_at(v: float) -> float:
        return top + (high - math.log10(abs(v))) * plot_h / max(high - low, 1)

    every = max(1, math.ceil((high - low) / (8 if layout == "desk" else 6)))
    for k in range(low, high + 1):
        y = y_at(10.0**k)
        canvas.wires.append(f'<path d="M{num(left)} {num(y)}H{num(right)}" stroke-opacity="0.25"/>')
        if (high - k) % every == 0:
            canvas.text(left - 6, y + 4.5, power(k), "", "end")
    canvas.text(left, top - LINE + 4, y_label, "lx-muted")
    for t in [1, *range(tick, steps + 1, tick)]:
        canvas.wires.append(f'<path d="M{num(x_at(t))} {num(bottom)}v5"/>')
        canvas.text(x_at(t), bottom + LINE + 4, str(t), "", "middle")
    canvas.text((left + right) / 2, bottom + 2 * LINE + 4, "time step", "lx-muted", "middle")
    for k, s in enumerate(series):
        points = [(x_at(t + 1), y_at(v)) for t, v in enumerate(s.values)]
        y = legend_top + k * LINE
        canvas.shapes.append(_path([(left, y - 4), (left + 36, y - 4)], k))  # the key
        canvas.text(left + 44, y, s.name, "lx-legend")
        canvas.shapes.append(_path(points, k, s.name))
    desc = " ".join(
        f"{s.name}, from step 1 to step {steps}: "
        + ", ".join(f"{v:.2g}" for v in s.values) + "."
        for s in series
    )  # fmt: skip
    return canvas.render(title=title, desc=f"Log scale. {desc}", cls=f"lx-plot lx-{layout}")


def _path(points: Sequence[tuple[float, float]], k: int, name: str = "") -> str:
    """Series k's line through `points`, in its stroke and dash pattern."""
    d = "M" + " L".join(f"{num(x)} {num(y)}" for x, y in points)
    dash = DASHES[k % len(DASHES)]
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    tip = f"<title>{escape(name)}</title>" if name else ""
    return (f'<path d="{d}" fill="none" stroke="{STROKES[k % len(STROKES)]}" '
            f'stroke-width="2.5"{dashed} class="lx-series">{tip}</path>')  # fmt: skip


def gradient_plot_figure(
    series: Sequence[Series], *, caption: str = "", ident: str = "gradient-plot", **options: Any
) -> str:
    """Both layouts of `gradient_plot_svg(series, **options)` in one `<figure>`."""
    return in_both_layouts(gradient_plot_svg, series, caption=caption, ident=ident, **options)
