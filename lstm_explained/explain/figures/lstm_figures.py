"""The LSTM cell with a trace's numbers: forwards, gate by gate, backwards, or as a template.

`cell_svg` draws one layout (desk or phone) as an SVG string; `cell_figure` wraps both in
a `<figure>` whose stylesheet shows the one that fits; `cell_template` leaves every
number as a `{field}` for the interactive stepper's script to fill; `backward_figure`
draws the gradients of one step. All numbers come from the `Trace` and `Gradients`.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np

from ...engine.trace import Step, Trace, require_trace
from ...engine.weights import GATES
from ...errors import LSTMInputError
from ..backward_working import backward_working
from ..hand import Written, unit_working, writer_for
from .lstm_cell import FN, HIGHLIGHTS, SYMBOL, CellLabels, draw, gate_lines
from .numbers import number, operands, result, vector
from .svg import LegendEntry

LAYOUT_NAMES = ("desk", "phone")
DIGITS = 4  # the fewest significant digits a float shows; a line shows more if it needs

TITLES = {
    "forget": "The forget gate",
    "input": "The input gate and the candidate",
    "cell": "The cell state update",
    "output": "The output gate",
}
FOCUS = {
    "forget": "Highlighted: the forget gate and its product with the previous cell state. ",
    "input": "Highlighted: the input gate, the candidate and their product. ",
    "cell": "Highlighted: the cell state line, where f×c_prev and i×g are added. ",
    "output": "Highlighted: the output gate, φ of the new cell state and their product. ",
}

# Stand-ins for a template's widest values, to lay its legend out.
WIDEST = {"act": "hard_sigmoid", "rec": "hard_sigmoid[alpha=1/4, beta=1/2]"}


def step_values(
    trace: Trace, t: int, *, sample: int = 0, unit: int = 0, digits: int = DIGITS
) -> tuple[Step, dict[str, Written], dict[str, str]]:
    """What every cell's drawing shows of step `t` for `unit`: the step (of one sample),
    the unit's lines of working as the hand calculation writes them (`hand.unit_working`;
    a GRU's r by its letter where it can), and the fields t, x, h_prev, h, act and rec.
    States the step starts from show `digits` significant digits, as the hand
    calculation's first line does; what a line computes shows as that line writes it."""
    one = trace.sample(sample)
    plain_only(one, "the cell figure")
    step = one.step(t)
    lines = unit_working(one, t, unit, writer_for(one, digits), letter_r=True)
    values = {
        "t": str(step.t),
        "x": vector(step.x, digits),
        "h_prev": number(step.h_prev[unit], digits),
        "h": result(lines["h"]) if "h" in lines else number(step.h[unit], digits),
        "act": trace.activation,
        "rec": trace.recurrent_activation,
    }
    return step, lines, values


def forward_values(
    trace: Trace, t: int, *, sample: int = 0, unit: int = 0, digits: int = DIGITS
) -> dict[str, str]:
    """Every field of the forward cell drawing, for step `t` of `trace`, as text: for
    each gate symbol s, its line of working a_s = xt_s×W_s + h_prevt_s×U_s + b_s (the
    operands at the digits that line needs), a_s and the gate's value v_s."""
    step, lines, values = step_values(trace, t, sample=sample, unit=unit, digits=digits)
    values["c_prev"] = number(step.c_prev[unit], digits)
    values["c"] = result(lines["c"]) if "c" in lines else number(step.c[unit], digits)
    one_by_one = trace.weights.input_dim == 1 and trace.weights.units == 1
    for gate in GATES:
        s, line = SYMBOL[gate], lines[f"a_{gate}"]
        values |= {f"a_{s}": result(line), f"v_{s}": result(lines[gate])}
        if one_by_one:  # x×W + h_prev×U (+ b): the numbers of the box's products
            x, w, h, u, *b = operands(line)
            values |= {f"xt_{s}": x, f"W_{s}": w, f"h_prevt_{s}": h, f"U_{s}": u,
                       f"b_{s}": b[0] if b else "0"}  # fmt: skip
    return values


FORWARD_DESC = (
    "Time step {t}. The input x = {x} and the previous hidden state h_prev = {h_prev} feed "
    "three gates and the candidate, each σ or φ of its pre-activation a = x×W + h_prev×U + "
    "b: input gate i = {v_i} (a_i = {a_i}), forget gate f = {v_f} (a_f = {a_f}), candidate g "
    "= {v_g} (a_g = {a_g}) and output gate o = {v_o} (a_o = {a_o}). Along the top, the "
    "previous cell state c_prev = {c_prev} is multiplied by f and i×g is added, giving the "
    "new cell state c = {c}. The output gate times φ of c gives the new hidden state h = "
    "{h}, which leaves the cell and is fed back at the next step. Here σ is {rec} and φ is "
    "{act}."
)
SYMBOLIC_DESC = (
    "The input x and the previous hidden state h_prev feed three gates and the candidate, "
    "each σ or φ of its pre-activation a = x×W + h_prev×U + b: the input gate i, the forget "
    "gate f, the candidate g and the output gate o, in that order. Along the top, the "
    "previous cell state c_prev is multiplied by f and i×g is added, giving the new cell "
    "state c. The output gate times φ of c gives the new hidden state h, which leaves the "
    "cell and is fed back at the next step. σ is the recurrent activation, φ the activation."
)


def forward_legend(*, symbolic: bool) -> list[LegendEntry]:
    entries = [
        LegendEntry("box", "gate or candidate: σ or φ of its a"),
        LegendEntry("op", "element-wise product", "×"),
        LegendEntry("op", "sum", "+"),
    ]
    if symbolic:
        entries.append(LegendEntry("text", "σ: recurrent_activation, φ: activation"))
    else:
        entries.append(LegendEntry("text", "σ = {rec} (recurrent_activation)"))
        entries.append(LegendEntry("text", "φ = {act} (activation)"))
    return entries


def _forward_labels(*, numeric: bool, products: bool, highlight: str | None) -> CellLabels:
    if highlight is not None and highlight not in HIGHLIGHTS:
        raise ValueError(f"highlight must be one of {', '.join(HIGHLIGHTS)}; got {highlight!r}")
    named = (lambda name: f"{name} = {{{name}}}") if numeric else (lambda name: name)
    return CellLabels(
        gates={g: gate_lines(g, numeric=numeric, products=products) for g in GATES},
        c_prev=named("c_prev"),
        c=named("c"),
        h_prev=named("h_prev"),
        h=named("h"),
        x=named("x"),
        highlight=HIGHLIGHTS[highlight] if highlight else frozenset(),
    )


def cell_svg(
    trace: Trace | None = None,
    t: int = 1,
    *,
    sample: int = 0,
    unit: int = 0,
    digits: int = DIGITS,
    ident: str = "lstm-cell",
    layout: str = "desk",
    highlight: str | None = None,
) -> str:
    """The cell as an SVG string, with the values of step `t` or, without a trace, symbols.

    `layout` is "desk" (gates side by side) or "phone" (gates stacked, for a narrow
    column). `highlight` singles out "forget", "input", "cell" or "output". `unit` picks
    which unit's values to show when there are several; floats show at least `digits`
    significant digits, and each gate's line of working as many more as it needs to add
    up, as the hand calculation writes it. `ident`
    makes the element ids unique when a page holds more than one figure.
    """
    if trace is not None:
        require_trace(trace)
    if trace is None:
        labels = _forward_labels(numeric=False, products=False, highlight=highlight)
        title, desc, values = "The LSTM cell", SYMBOLIC_DESC, {}
    else:
        values = forward_values(trace, t, sample=sample, unit=unit, digits=digits)
        simple = trace.weights.input_dim == 1 and trace.weights.units == 1
        labels = _forward_labels(numeric=True, products=simple, highlight=highlight)
        title = f"{TITLES.get(highlight or '', 'The LSTM cell')} at time step {values['t']}"
        desc = FOCUS.get(highlight or "", "") + FORWARD_DESC
    return draw(
        labels,
        layout=layout,
        ident=ident,
        values=values,
        title=title,
        desc=desc,
        legend_entries=forward_legend(symbolic=trace is None),
    )


def both_layouts(
    desk: str, phone: str, *, caption: str = "", cls: str = "", standalone: bool = False
) -> str:
    """A `<figure>` holding a desk and a phone layout; the stylesheet shows the one that fits.

    `standalone` adds the few style rules that choose between them, for pages without
    the site's stylesheet (a notebook).
    """
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    style = (
        "<style>.lx-layouts{container-type:inline-size}.lx-layouts>.lx-phone{display:none}"
        "@container (max-width:659.98px){.lx-layouts>.lx-desk{display:none}"
        ".lx-layouts>.lx-phone{display:block}}</style>"
        if standalone
        else ""
    )
    classes = " ".join(c for c in ("lx-figure", cls) if c)
    layouts = f'<div class="lx-layouts">{desk}{phone}</div>'
    return f'<figure class="{classes}">{style}{layouts}{cap}</figure>'


def in_both_layouts(
    draw: Any,
    *args: Any,
    caption: str = "",
    ident: str,
    standalone: bool = False,
    **options: Any,
) -> str:
    """`draw(*args, ident=..., layout=..., **options)` in the desk and the phone layout,
    in one `<figure>` with a caption (see `both_layouts`)."""
    desk, phone = (draw(*args, ident=f"{ident}-{name}", layout=name, **options)
                   for name in LAYOUT_NAMES)  # fmt: skip
    return both_layouts(desk, phone, caption=caption, standalone=standalone)


def cell_figure(
    trace: Trace | None = None,
    t: int = 1,
    *,
    caption: str = "",
    ident: str = "lstm-cell",
    standalone: bool = False,
    **options: Any,
) -> str:
    """Both layouts of `cell_svg(trace, t, **options)` in one `<figure>` with a caption."""
    return in_both_layouts(cell_svg, trace, t, caption=caption, ident=ident,
                           standalone=standalone, **options)  # fmt: skip


def cell_template(ident: str = "stepper-cell", *, products: bool = True) -> str:
    """Both layouts (in a `<div class="lx-layouts">`) with every number left as a
    `{field}` for a script to fill.

    The fields are those of `forward_values`: t, x, h_prev, c_prev, c, h, act, rec and,
    for each gate symbol s, xt_s, W_s, h_prevt_s, U_s, b_s, a_s and v_s. `products=False`
    writes the products as symbols, for several inputs or units (one unit's values).
    """
    labels = _forward_labels(numeric=True, products=products, highlight=None)
    svgs = [
        draw(
            labels,
            layout=name,
            ident=f"{ident}-{name}",
            values=None,
            title="The LSTM cell at time step {t}",
            desc=FORWARD_DESC,
            legend_entries=forward_legend(symbolic=False),
            widest=WIDEST,
        )
        for name in LAYOUT_NAMES
    ]
    return f'<div class="lx-layouts">{"".join(svgs)}</div>'


def plain_only(trace: Trace, what: str) -> None:
    """Refuse an LSTM with variants: the drawings have no place for their terms (the
    hand calculations write them: `hand_calculation`, `hand_backward`)."""
    variants = getattr(trace.weights, "variants", ())
    if variants:
        raise LSTMInputError(
            f"{what} draws the plain LSTM's step; this one has {', '.join(variants)}, "
            "whose terms only hand_calculation and hand_backward write out"
        )


# ---- backwards ----------------------------------------------------------------------------


def backward_values(
    trace: Trace, gradients: Any, t: int, *, sample: int = 0, unit: int = 0, digits: int = 6
) -> dict[str, str]:
    """Every field of the backward drawing at step `t`, from the lines of
    `backward_working`: the gradients and the numbers each line multiplies, at the
    digits that line needs to add up."""
    plain_only(trace, "the backward figure")
    step = trace.sample(sample).step(t)
    grad = gradients.steps[step.t - 1]
    dx = np.asarray(grad.dx)[sample] if trace.batched else np.asarray(grad.dx)
    lines = backward_working(trace, gradients, t, sample=sample, unit=unit, digits=digits)
    d_output, dh_later = operands(lines["dh"])
    dc_later, dht, ot, slope_c = operands(lines["dc"])
    values = {
        "t": str(step.t),
        "act": trace.activation,
        "rec": trace.recurrent_activation,
        "later": f"step {step.t + 1}" if step.t < len(trace.steps) else "the final state",
        "before": f"step {step.t - 1}" if step.t > 1 else "h0, c0",
        "dx": vector(dx, digits),
        "d_output": d_output.strip("()"),  # first in its sum: no brackets needed
        "dh_later": dh_later,
        "dc_later": dc_later.strip("()"),
        "dht": dht,
        "ot": ot,
        "slope_c": slope_c,
    }
    for name in ("dh", "dc", "dh_prev", "dc_prev"):
        values[name] = result(lines[name])
    for gate in GATES:
        s = SYMBOL[gate]
        values[f"prod_{s}"] = "×".join(operands(lines[f"d_{gate}"]))
        values[f"d_{s}"] = result(lines[f"d_{gate}"])
        values[f"d_{s}t"], values[f"slope_{s}"] = operands(lines[f"da_{gate}"])
        values[f"da_{s}"] = result(lines[f"da_{gate}"])
    return values


# Each gate's share: the product it appears in.
BACKWARD_PRODUCT = {
    "input": "dc×g",
    "forget": "dc×c_prev",
    "candidate": "dc×i",
    "output": "dh×φ(c)",
}

BACKWARD_DESC = (
    "Backpropagation through time step {t}, with dX for the loss's gradient with respect to "
    "X. From the right arrive the hidden state's gradient dh = {d_output} (this step's "
    "output) + {dh_later} (from {later}) = {dh} and the cell state's gradient from {later}, "
    "dc_later = {dc_later}; adding the path through h gives dc = {dc}. The gates and the "
    "candidate receive their shares: input gate di = dc×g = {d_i} (da_i = {da_i}), forget "
    "gate df = dc×c_prev = {d_f} (da_f = {da_f}), candidate dg = dc×i = {d_g} (da_g = "
    "{da_g}) and output gate do = dh×φ(c) = {d_o} (da_o = {da_o}). Leaving for {before}: "
    "dh_prev = {dh_prev} through the recurrent weights and dc_prev = dc×f = {dc_prev}; to "
    "the input, dx = {dx}. Here σ is {rec} and φ is {act}."
)


def backward_svg(
    trace: Trace,
    gradients: Any,
    t: int,
    *,
    sample: int = 0,
    unit: int = 0,
    digits: int = 6,
    ident: str = "lstm-backward",
    layout: str = "desk",
) -> str:
    """Step `t` of backpropagation as an SVG: the gradients entering from the right (the
    later step and this step's output), what each gate receives, and what leaves to the
    left for the step before. `gradients` is what `backward(trace, ...)` returned."""
    values = backward_values(trace, gradients, t, sample=sample, unit=unit, digits=digits)
    boxes = {}
    for gate in GATES:
        s = SYMBOL[gate]
        boxes[gate] = [
            f"d{s} = {BACKWARD_PRODUCT[gate]}",
            f"= {{prod_{s}}} = {{d_{s}}}",
            f"da_{s} = d{s}×{FN[gate]}′(a_{s})",
            f"= {{d_{s}t}}×{{slope_{s}}}",
            f"= {{da_{s}}}",
        ]
    labels = CellLabels(
        gates=boxes,
        c_prev="dc_prev = {dc_prev}",
        c="dc_later = {dc_later}",
        h_prev="dh_prev = {dh_prev}",
        h="dh = {d_output} + {dh_later} = {dh}",
        x="dx = {dx}",
        note=("dc = {dc_later} + {dht}×{ot}×{slope_c}", "= {dc}"),
        backward=True,
    )
    legend = [
        LegendEntry("box", "gate or candidate: its gradient d, then da = d × slope"),
        LegendEntry("wire", "gradient, flowing back"),
        LegendEntry("text", "σ′, φ′: slopes of σ = {rec} and φ = {act}"),
    ]
    return draw(labels, layout=layout, ident=ident, values=values,
                title=f"Backpropagation through time step {values['t']}",
                desc=BACKWARD_DESC, legend_entries=legend)  # fmt: skip


def backward_figure(
    trace: Trace,
    gradients: Any,
    t: int,
    *,
    caption: str = "",
    ident: str = "lstm-backward",
    **options: Any,
) -> str:
    """Both layouts of `backward_svg` in one `<figure>` with a caption."""
    desk, phone = (
        backward_svg(trace, gradients, t, ident=f"{ident}-{name}", layout=name, **options)
        for name in LAYOUT_NAMES
    )
    return both_layouts(desk, phone, caption=caption)
