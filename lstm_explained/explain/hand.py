"""Hand calculations as text: the arithmetic a person would write, with real numbers.

`hand_calculation(trace, t)` spells out one time step gate by gate, for an LSTM or a
GRU; `trace_table(trace)` is a Markdown table of every step; `hand_backward` spells out
one step of backpropagation. All read only the `Trace` (and `Gradients`), so what they
print is what the engine computed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..engine._validate import int_text
from ..engine.activations import derivative, resolve
from ..engine.backward import StepGradients
from ..engine.trace import Step, Trace, require_trace
from ..engine.weights import Weights
from ..errors import LSTMInputError
from . import rnn_hand
from .working import Expr, Num, Op, Sym, Wrap, digits_to_show, wrap_working

SYMBOLS = {"input": "i", "forget": "f", "candidate": "g", "output": "o"}
"""One letter per LSTM gate, as in the equations on the site (Keras's code calls g "c")."""

GRU_SYMBOLS = {"update": "z", "reset": "r", "candidate": "n"}
"""One letter per GRU gate (Keras's code calls n "h"). A GRU's pre-activations are
written a_z, a_r, a_n, since z already names the update gate."""

_LABELS = {
    "input": "input gate",
    "forget": "forget gate",
    "candidate": "candidate",
    "output": "output gate",
    "update": "update gate",
    "reset": "reset gate",
}
_WIDTH = len("hidden state:") + 1  # the labels' column


def symbols(trace: Trace) -> dict[str, str]:
    """The letter of each gate of the trace's cell."""
    return {"LSTM": SYMBOLS, "GRU": GRU_SYMBOLS, "RNN": rnn_hand.RNN_SYMBOLS}[trace.cell]


def preactivation_symbol(trace: Trace, gate: str) -> str:
    """How the site writes a gate's pre-activation: z_i for an LSTM, a_z for a GRU."""
    if trace.cell == "RNN":
        return rnn_hand.PREACTIVATION
    return ("z_" if trace.cell == "LSTM" else "a_") + symbols(trace)[gate]


def format_number(value: Any, digits: int = 6) -> str:
    """Ints and Fractions exactly; floats to `digits` significant digits (1.0 -> "1")."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, Fraction):
        num = int_text(value.numerator)
        return num if value.denominator == 1 else f"{num}/{int_text(value.denominator)}"
    if isinstance(value, (int, np.integer)):
        return int_text(int(value))
    text = f"{float(value):.{digits}g}"
    return "0" if text == "-0" else text


def format_vector(arr: Any, digits: int = 6) -> str:
    """One value as `format_number` writes it; several as "[a, b, ...]"."""
    values = [format_number(v, digits) for v in np.asarray(arr).ravel()]
    return values[0] if len(values) == 1 else "[" + ", ".join(values) + "]"


def format_factor(value: Any, digits: int = 6) -> str:
    """A number as a factor: negatives and fractions in brackets so products read right."""
    text = format_number(value, digits)
    return f"({text})" if text.startswith("-") or "/" in text else text


def _label(text: str) -> str:
    return f"{text}:".ljust(_WIDTH) if text else " " * _WIDTH


def _products(x: Any, kernel: Any, h: Any, recurrent: Any, u: int) -> list[Expr]:
    """The terms of x·W + h·U for unit u: "x×W" for every input, "h×U" for every unit."""
    terms: list[Expr] = [Op("×", (Num(x[j]), Num(kernel[j, u]))) for j in range(len(x))]
    return terms + [Op("×", (Num(h[k]), Num(recurrent[k, u]))) for k in range(len(h))]


def _text(expr: Expr, digits: int) -> str:
    """An expression as a line of working writes it, every number at `digits`."""
    if isinstance(expr, Num):
        return (format_number if expr.bare else format_factor)(expr.value, digits)
    if isinstance(expr, Sym):
        return expr.name
    if isinstance(expr, Op):
        return (" + " if expr.op == "+" else "×").join(_text(p, digits) for p in expr.parts)
    inner = _text(expr.inner, digits)
    return f"(1-{inner})" if expr.head == "1-" else f"{expr.head}({inner})"


def _shown(value: Any, digits: int) -> Fraction:
    """The exact value of a number as `format_number` writes it."""
    return Fraction(format_number(value, digits))


@dataclass(frozen=True)
class _Writer:
    """Writes lines of working at `digits`; with `add_up`, each line with the digits it
    needs for its result to be the rounding of what its numbers give as written (up to
    `most`, what the trace's float type holds; the fewest first, result at `digits`
    where it can be). A line that cannot add up (float32 rounded its result otherwise
    than exact arithmetic would) shows its operands at `most` digits and says "≈"
    instead of its last "="; one that cannot be redone (an activation known only by
    name, inf) is written at `digits`."""

    digits: int
    add_up: bool = False
    most: int = 17

    def line(self, start: str, expr: Expr, result: Any) -> tuple[str, str]:
        """`start` (label and left-hand side), the expression and the result; and the
        result's text, for a later line that names it by its letter."""
        d_operands = d_result = self.digits
        equals = "="
        if self.add_up:
            try:
                found = digits_to_show(expr, result, _shown, self.digits, self.most)
            except ValueError:  # it cannot be redone: written as without add_up
                found = (self.digits, self.digits)
            if found:
                d_operands, d_result = found
            else:
                d_operands, equals = self.most, "≈"
        shown = format_number(result, d_result)
        return f"{start}{_text(expr, d_operands)} {equals} {shown}", shown


def hand_calculation(
    trace: Trace,
    t: int,
    *,
    sample: int = 0,
    digits: int = 6,
    units: Any = None,
    count_units_from: int = 1,
    add_up: bool = False,
    width: int | None = None,
) -> str:
    """The arithmetic of time step `t` (counting from 1), one line per quantity.

    For a batched trace, `sample` picks the sequence. With several units, each unit
    gets its own block, headed "unit 1:" and on (`count_units_from=0` numbers them as
    Keras and PyTorch index them); `units` picks some by index from 0 (by default every
    recorded one). Floats show `digits` significant digits; exact traces show every
    digit. Works for an LSTM and a GRU (`reset_after` either way).

    `add_up=True` lets each line show as many digits as it needs for its result to be
    the rounding of what the numbers it shows give (so its operands, and rarely its
    result, may show more than `digits`); a GRU's a_n then shows r's value where it
    otherwise writes the letter. A line float32's rounding keeps from adding up at any
    digits shows its operands in full and "≈" before its result. `width` wraps lines
    longer than that between terms, continuations indented past their "=".
    """
    one = require_trace(trace).sample(sample)
    chosen = list(one.recorded_units) if units is None else [int(u) for u in units]
    columns = [one.column(u) for u in chosen]  # checks each unit was recorded
    step = one.step(t)
    states = [("x", step.x)] + [(f"{s}_prev", v) for s, v in step.state_prev.items()]
    lines = [f"time step {step.t}: " + ", ".join(f"{k} = {format_vector(v, digits)}"
                                                for k, v in states)]  # fmt: skip
    masked = step.mask is not None and not bool(step.mask)
    writer = _Writer(digits, add_up and not one.exact, _most_digits(step.h))
    for u, j in zip(chosen, columns, strict=True):
        if one.weights.units > 1:
            lines.append(f"unit {u + count_units_from}:")
        if trace.cell == "LSTM":
            lines += _lstm_unit(one, step, u, j, writer, masked)
        elif trace.cell == "RNN":
            lines += rnn_hand.unit_lines(one, step, u, j, writer.line, _label, masked)
            lines += _masked_lines(step, u, writer.digits) if masked else []
        else:
            lines += _gru_unit(one, step, u, j, writer, masked)
    if width is not None:
        lines = [part for line in lines for part in wrap_working(line, width)]
    return "\n".join(lines)


def _most_digits(values: Any) -> int:
    """The significant digits beyond which a float type's numbers say nothing more."""
    dtype = np.asarray(values).dtype
    return min(17, np.finfo(dtype).precision + 3) if dtype.kind == "f" else 17


def _gate_lines(
    one: Trace, step: Step, gate: str, j: int, terms: list[Expr], w: _Writer
) -> tuple[list[str], str]:
    """'z_s = terms = value' and 's = fn(z) = value' for one gate of one unit (whose
    recorded gate values sit in column j), and the gate's value as shown."""
    s, pre = symbols(one)[gate], preactivation_symbol(one, gate)
    fn = one.activation if gate == "candidate" else one.recurrent_activation
    z, value = step.z[gate][j], step.gates[gate][j]
    z_line, _ = w.line(f"{_label(_LABELS[gate])}{pre} = ", Op("+", tuple(terms)), z)
    gate_line, shown = w.line(f"{_label('')}{s} = ", Wrap(fn, Num(z, bare=True)), value)
    return [z_line, gate_line], shown


def _masked_lines(step: Step, u: int, digits: int) -> list[str]:
    names = list(step.state)[::-1]  # "c and h", as the LSTM's equations order them
    keeps = "keep their previous values" if len(names) > 1 else "keeps its previous value"
    values = ", ".join(f"{s} = {format_number(step.state[s][u], digits)}" for s in names)
    return [f"{_label('masked')}{' and '.join(names)} {keeps}", f"{_label('')}{values}"]


def _times(a: Any, b: Any) -> Op:
    return Op("×", (Num(a), Num(b)))


def _lstm_unit(one: Trace, step: Step, u: int, j: int, w: _Writer, masked: bool) -> list[str]:
    lines = []
    for gate in one.weights.gates:
        gw = one.weights.gate(gate)
        terms = _products(step.x, gw.kernel, step.h_prev, gw.recurrent_kernel, u)
        if gw.bias is not None:
            terms.append(Num(gw.bias[u]))
        lines += _gate_lines(one, step, gate, j, terms, w)[0]
    if masked:
        return lines + _masked_lines(step, u, w.digits)
    g = {gate: step.gates[gate][j] for gate in one.weights.gates}
    act = one.activation
    c_sum = Op("+", (_times(g["forget"], step.c_prev[u]), _times(g["input"], g["candidate"])))
    h_product = Op("×", (Num(g["output"]), Wrap(act, Num(step.c[u], bare=True))))
    return [
        *lines,
        w.line(f"{_label('cell state')}c = f×c_prev + i×g = ", c_sum, step.c[u])[0],
        w.line(f"{_label('hidden state')}h = o×{act}(c) = ", h_product, step.h[u])[0],
    ]


def _gru_unit(one: Trace, step: Step, u: int, j: int, w: _Writer, masked: bool) -> list[str]:
    weights = one.weights
    reset_after = getattr(weights, "reset_after", True)
    lines, r_shown = [], ""
    for gate in weights.gates:
        gw = weights.gate(gate)
        bias = None if gw.bias is None else (gw.bias[:, u] if reset_after else gw.bias[[u]])
        inputs = _products(step.x, gw.kernel, [], gw.recurrent_kernel, u)
        inputs += [] if bias is None else [Num(bias[0])]
        recurrent = _products([], gw.kernel, step.h_prev, gw.recurrent_kernel, u)
        recurrent += [] if bias is None or not reset_after else [Num(bias[1])]
        if gate != "candidate":
            terms = inputs + recurrent
        elif reset_after:  # r multiplies the whole recurrent side, bias included
            # the letter r, whose value the line above shows; when the line must add up on
            # its own, r's value at the digits this line needs
            r_factor = Num(step.gates["reset"][j]) if w.add_up else Sym("r", r_shown)
            terms = [*inputs, Op("×", (r_factor, Wrap("", Op("+", tuple(recurrent)))))]
        else:  # r multiplies h_prev, unit by unit, before the product
            if set(one.recorded_units) != set(range(weights.units)):
                raise LSTMInputError(
                    "the reset-before form multiplies every unit's h_prev by its own r, so "
                    "its hand calculation needs every unit's gates; trace without units="
                )
            r = [step.gates["reset"][one.column(k)] for k in range(weights.units)]
            terms = inputs + [
                Op("×", (Wrap("", _times(r[k], step.h_prev[k])), Num(gw.recurrent_kernel[k, u])))
                for k in range(len(step.h_prev))
            ]
        gate_lines, shown = _gate_lines(one, step, gate, j, terms, w)
        lines += gate_lines
        r_shown = shown if gate == "reset" else r_shown
    if masked:
        return lines + _masked_lines(step, u, w.digits)
    z, cand = step.gates["update"][j], step.gates["candidate"][j]
    kept = Op("+", (_times(z, step.h_prev[u]), Op("×", (Wrap("1-", Num(z)), Num(cand)))))
    start = f"{_label('hidden state')}h = z×h_prev + (1-z)×n = "
    return [*lines, w.line(start, kept, step.h[u])[0]]


def trace_table(
    trace: Trace,
    *,
    sample: int = 0,
    digits: int = 6,
    preactivations: bool = False,
    units: Any = None,
    show_x: bool = True,
    width: int | None = None,
) -> str:
    """A Markdown table with one row per time step: inputs, gates and states.

    `preactivations=True` adds the pre-activation columns (z_i, z_f, z_g, z_o for an
    LSTM; a_z, a_r, a_n for a GRU). `units` picks which units' values the gate and
    state columns show (by default every recorded one). `show_x=False` leaves out the
    input column (too wide to read when a step has many features). A masked step's t
    is marked with a star: it carried the state forward.

    `width` keeps the text within that many characters where it can: a table wider
    than that gives each unit its own row instead (a column "unit" numbers them from 0,
    as `units` does), and if that is still too wide, the gates (with x) and the states
    go to two tables, each repeating t and unit, split further if need be.
    """
    one = require_trace(trace).sample(sample)
    chosen = list(one.recorded_units) if units is None else [int(u) for u in units]
    gates, before, after = _table_columns(one, chosen, preactivations)
    x = ["x"] if show_x else []
    order = [*before, *gates, *after]
    header = ["t", *x, *(name for name, _ in order)]
    rows = [
        [_step_label(st), *([format_vector(st.x, digits)] if show_x else []),
         *(format_vector(get(st), digits) for _, get in order)]
        for st in one.steps
    ]  # fmt: skip
    table = _markdown(header, rows)
    if width is None or len(table.split("\n", 1)[0]) <= width:
        return table
    return _per_unit_tables(one, chosen, show_x, (before, gates, after), digits, width)


def _per_unit_tables(
    one: Trace,
    chosen: list[int],
    show_x: bool,
    parts: tuple[list[Column], list[Column], list[Column]],
    digits: int,
    width: int,
) -> str:
    """One row per unit and step (x on the step's first row only): in one table if it
    fits `width`, else the gates (with x) in one and the states in another, each split
    again where a column would not fit."""
    before, gates, after = parts
    keys = ["t", "unit"] if len(chosen) > 1 else ["t"]
    x = ["x"] if show_x else []
    cells: dict[str, list[str]] = {name: [] for name in ["t", "unit", *x]}
    cells |= {name: [] for name, _ in before + gates + after}
    for st in one.steps:
        for k, u in enumerate(chosen):
            cells["t"].append(_step_label(st))
            cells["unit"].append(str(u))
            for name in x:
                cells[name].append(format_vector(st.x, digits) if k == 0 else "")
            for name, get in before + gates + after:
                cells[name].append(format_number(get(st)[k], digits))
    groups = [x + [name for name, _ in before + gates + after]]
    if _width([*keys, *groups[0]], cells) > width:
        groups = [x + [name for name, _ in gates], [name for name, _ in before + after]]
    tables: list[list[str]] = []
    for group in groups:
        tables.append([])
        for name in group:  # left to right; a new table when the next column won't fit
            if tables[-1] and _width([*keys, *tables[-1], name], cells) > width:
                tables.append([])
            tables[-1].append(name)
    return "\n\n".join(
        _markdown(
            [*keys, *names],
            [list(row) for row in zip(*(cells[n] for n in [*keys, *names]), strict=True)],
        )
        for names in tables
    )


Column = tuple[str, Callable[[Step], Any]]  # a heading, and a step's values in that column


def _table_columns(
    one: Trace, chosen: list[int], preactivations: bool
) -> tuple[list[Column], list[Column], list[Column]]:
    """The gate columns (pre-activations first if asked), the previous states' and the
    new states' (c before h, as the equations go), for the chosen units."""
    columns = [one.column(u) for u in chosen]  # checks each unit was recorded

    def recorded(kind: str, g: str) -> Column:
        name = preactivation_symbol(one, g) if kind == "z" else symbols(one)[g]
        return name, lambda st: np.asarray((st.z if kind == "z" else st.gates)[g])[columns]

    def state(s: str, prev: bool) -> Column:
        name = f"{s}_prev" if prev else s
        return name, lambda st: np.asarray((st.state_prev if prev else st.state)[s])[chosen]

    gates = one.weights.gates
    pre = [recorded("z", g) for g in gates] if preactivations else []
    gates = () if one.cell == "RNN" else gates  # the plain cell's one block is h itself
    before = [state(s, True) for s in one.steps[0].state_prev]
    after = [state(s, False) for s in list(one.steps[0].state)[::-1]]
    return pre + [recorded("gate", g) for g in gates], before, after


def _step_label(step: Step) -> str:
    """A step's number as a table shows it: with a star when the step was masked."""
    masked = step.mask is not None and not bool(np.asarray(step.mask))
    return f"{step.t}*" if masked else str(step.t)


def _width(names: list[str], cells: dict[str, list[str]]) -> int:
    """How wide `_markdown` writes a table of these columns."""
    widths = [max(len(name), *(len(v) for v in cells[name])) for name in names]
    return sum(widths) + 3 * len(widths) + 1


def _markdown(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table, every column right-aligned."""
    widths = [max(len(r[k]) for r in [header, *rows]) for k in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(t.rjust(wd) for t, wd in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (wd + 1) + ":" for wd in widths) + "|"  # right-aligned columns
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def hand_backward(trace: Trace, gradients: Any, t: int, *, sample: int = 0, digits: int = 6) -> str:
    """The arithmetic of backpropagation at time step `t` through an LSTM, as a person
    would write it.

    `gradients` is what `backward(trace, ...)` returned. Reads from top to bottom in the
    order the gradient flows: into h and c, back into each gate (in the order i, f, g, o
    of the equations), out to the step before.
    """
    if trace.cell != "LSTM":
        raise NotImplementedError(
            f"hand_backward writes out an LSTM's step; this trace is a {trace.cell}'s. "
            "Its gradients are all in backward()'s result"
        )
    one = require_trace(trace).sample(sample)
    step = one.step(t)
    act, rec = one.activation, one.recurrent_activation
    back = _BackwardWorking(
        step=step,
        grad=gradients.steps[step.t - 1],
        weights=one.weights,
        row=sample if trace.batched else None,
        digits=digits,
        act=act,
        rec=rec,
        act_fn=resolve(act, argument="activation", exact=one.exact).fn,
        act_d=derivative(act, argument="activation"),
        rec_d=derivative(rec, argument="recurrent_activation"),
    )
    later = f"step {step.t + 1}" if step.t < len(one.steps) else "the final state"
    before = f"step {step.t - 1}" if step.t > 1 else "h0, c0"
    lines = [f"time step {step.t}, backwards (dL/dX is written dX):"]
    for u in range(one.weights.units):
        if one.weights.units > 1:
            lines.append(f"unit {u + 1}:")
        if step.mask is not None and not bool(step.mask):
            lines.append(f"{_label('masked')}dh and dc pass unchanged to {before}")
            continue
        lines += back.state_lines(u, later)
        lines += back.gate_lines(u)
    lines += back.previous_state_lines(before)
    return "\n".join(lines)


@dataclass(frozen=True)
class _BackwardWorking:
    """One step of an LSTM's backward pass, for one sequence, written at `digits`:
    `grad` is the step's `StepGradients`, whose arrays are read at `row` (None when
    they have no batch axis); `act` and `rec` name the activations, `act_fn`, `act_d`
    and `rec_d` compute the activation and the two derivatives."""

    step: Step
    grad: StepGradients
    weights: Weights  # an LSTM's
    row: int | None
    digits: int
    act: str
    rec: str
    act_fn: Callable[[Any], Any]
    act_d: Callable[[Any], Any]
    rec_d: Callable[[Any], Any]

    def of(self, arr: Any) -> Any:
        """This sequence's (units,) row of a gradient."""
        arr = np.asarray(arr)
        return arr if self.row is None else arr[self.row]

    def n(self, v: Any) -> str:
        return format_factor(v, self.digits)

    def num(self, v: Any) -> str:
        return format_number(v, self.digits)

    def state_lines(self, u: int, later: str) -> list[str]:
        """Unit u's dh (its output's gradient plus what came from `later`) and dc."""
        grad, n, num, c = self.grad, self.n, self.num, self.step.c
        dh, dc = self.of(grad.dh)[u], self.of(grad.dc)[u]
        dh_later, dc_later = self.of(grad.dh_later)[u], self.of(grad.dc_later)[u]
        slope_c = self.act_d(np.asarray([c[u]]))[0]
        return [
            f"{_label('hidden state')}dh = {n(self.of(grad.d_output)[u])} (output) + "
            f"{n(dh_later)} (from {later}) = {num(dh)}",
            f"{_label('cell state')}dc = {n(dc_later)} (from {later}) + dh×o×{self.act}'(c) = "
            f"{n(dc_later)} + {n(dh)}×{n(self.step.gates['output'][u])}×{n(slope_c)} = {num(dc)}",
        ]

    def gate_lines(self, u: int) -> list[str]:
        """Unit u's gradient of each gate's value, then of its pre-activation."""
        step, grad, n, num = self.step, self.grad, self.n, self.num
        dh, dc = n(self.of(grad.dh)[u]), n(self.of(grad.dc)[u])
        gate = {g: n(step.gates[g][u]) for g in self.weights.gates}
        squashed = self.act_fn(np.asarray([step.c[u]]))[0]
        products = {
            "input": f"dc×g = {dc}×{gate['candidate']}",
            "forget": f"dc×c_prev = {dc}×{n(step.c_prev[u])}",
            "candidate": f"dc×i = {dc}×{gate['input']}",
            "output": f"dh×{self.act}(c) = {dh}×{n(squashed)}",
        }
        lines = []
        for g in self.weights.gates:
            s, fn = SYMBOLS[g], self.act if g == "candidate" else self.rec
            slope = (self.act_d if g == "candidate" else self.rec_d)(np.asarray([step.z[g][u]]))[0]
            g_grad, z_grad = self.of(grad.gates[g])[u], self.of(grad.z[g])[u]
            lines.append(f"{_label(_LABELS[g])}d{s} = {products[g]} = {num(g_grad)}")
            lines.append(
                f"{_label('')}dz_{s} = d{s}×{fn}'(z_{s}) = {n(g_grad)}×{n(slope)} = {num(z_grad)}"
            )
        return lines

    def previous_state_lines(self, before: str) -> list[str]:
        """What goes on to the step `before`: each unit's dh_prev and dc_prev."""
        w, grad, n, num = self.weights, self.grad, self.n, self.num
        dh_prev, dc_prev = self.of(grad.dh_prev), self.of(grad.dc_prev)
        lines = []
        for k in range(w.units):
            terms = [
                f"{n(self.of(grad.z[g])[u])}×{n(w.gate(g).recurrent_kernel[k, u])}"
                for g in w.gates for u in range(w.units)
            ]  # fmt: skip
            suffix = f" (unit {k + 1})" if w.units > 1 else ""
            label = f"to {before}:"
            lines.append(f"{label:{_WIDTH}}dh_prev{suffix} = Σ dz×U = {' + '.join(terms)} = "
                         f"{num(dh_prev[k])}")  # fmt: skip
            lines.append(
                f"{_label('')}dc_prev{suffix} = dc×f = {n(self.of(grad.dc)[k])}×"
                f"{n(self.step.gates['forget'][k])} = {num(dc_prev[k])}"
            )
        return lines
