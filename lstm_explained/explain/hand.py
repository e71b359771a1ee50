"""Hand calculations as text: the arithmetic a person would write, with real numbers.

`hand_calculation(trace, t)` spells out one time step gate by gate, for an LSTM or a
GRU, each line with the digits it needs to add up (`Writer`, the rule of `working`);
`unit_working` gives one unit's lines by what they compute, for the figures, which
show the same numbers. `trace_table(trace)` is a Markdown table of every step. All read
only the `Trace`, so what they print is what the engine computed; `backward_working`
does the same for a step of backpropagation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..engine._validate import int_text
from ..engine.trace import Step, Trace, require_trace
from ..errors import LSTMInputError
from . import rnn_hand, variant_hand
from .working import Digits, Expr, Noted, Num, Op, Sym, Wrap, choose_digits, wrap_working

SYMBOLS = {"input": "i", "forget": "f", "candidate": "g", "output": "o"}
"""One letter per LSTM gate, as in the equations on the site (Keras's code calls g "c")."""

GRU_SYMBOLS = {"update": "z", "reset": "r", "candidate": "n"}
"""One letter per GRU gate (Keras's code calls n "h")."""

LABELS = {
    "input": "input gate",
    "forget": "forget gate",
    "candidate": "candidate",
    "output": "output gate",
    "update": "update gate",
    "reset": "reset gate",
}
LABEL_WIDTH = len("hidden state:") + 1  # the labels' column


def symbols(trace: Trace) -> dict[str, str]:
    """The letter of each gate of the trace's cell."""
    return {"LSTM": SYMBOLS, "GRU": GRU_SYMBOLS, "RNN": rnn_hand.RNN_SYMBOLS}[trace.cell]


def preactivation_symbol(trace: Trace, gate: str) -> str:
    """How the site writes a gate's pre-activation, `Step.a[gate]`: a and the gate's
    letter (a_i, a_f, a_g, a_o for an LSTM; a_z, a_r, a_n for a GRU; a for the plain
    cell, whose one block has no gate)."""
    if trace.cell == "RNN":
        return rnn_hand.PREACTIVATION
    return "a_" + symbols(trace)[gate]


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


def written(value: Any, digits: int) -> str:
    """A number in a line of working: `format_number` at `digits`, but never with more
    digits than the float's shortest form in its own type has (0.2 stays 0.2 rather than
    0.20000000000000001, a float32's 0.1 stays 0.1): digits past those are the binary
    representation's, not the number's."""
    if isinstance(value, (float, np.floating)) and math.isfinite(value):
        mantissa = str(value).lower().lstrip("-").split("e")[0].replace(".", "").lstrip("0")
        digits = min(digits, max(len(mantissa), 1))
    return format_number(value, digits)


def format_vector(arr: Any, digits: int = 6) -> str:
    """One value as `format_number` writes it; several as "[a, b, ...]"."""
    values = [format_number(v, digits) for v in np.asarray(arr).ravel()]
    return values[0] if len(values) == 1 else "[" + ", ".join(values) + "]"


def _factor(text: str) -> str:
    """A number as a factor: negatives and fractions in brackets so products read right."""
    return f"({text})" if text.startswith("-") or "/" in text else text


def label(text: str) -> str:
    """A line's label ("input gate:"), padded to the labels' column."""
    return f"{text}:".ljust(LABEL_WIDTH) if text else " " * LABEL_WIDTH


def _products(x: Any, kernel: Any, h: Any, recurrent: Any, u: int) -> list[Expr]:
    """The terms of x·W + h·U for unit u: "x×W" for every input, "h×U" for every unit."""
    terms: list[Expr] = [Op("×", (Num(x[j]), Num(kernel[j, u]))) for j in range(len(x))]
    return terms + [Op("×", (Num(h[k]), Num(recurrent[k, u]))) for k in range(len(h))]


def _text(expr: Expr, digits: int) -> str:
    """An expression as a line of working writes it, every number at `digits`."""
    if isinstance(expr, Num):
        text = written(expr.value, digits)
        return text if expr.bare else _factor(text)
    if isinstance(expr, Sym):
        return expr.name
    if isinstance(expr, Noted):
        return f"{_text(expr.inner, digits)} ({expr.note})"
    if isinstance(expr, Op):
        return (" + " if expr.op == "+" else "×").join(_text(p, digits) for p in expr.parts)
    inner = _text(expr.inner, digits)
    return f"(1-{inner})" if expr.head == "1-" else f"{expr.head}({inner})"


def shown_value(value: Any, digits: int) -> Fraction:
    """The exact value of a number as a line of working writes it at `digits`."""
    return Fraction(written(value, digits))


@dataclass(frozen=True)
class Written:
    """A line of working as written: its text, its arithmetic (the expression redone,
    "2×1 + 2×2") and its result as text, the digits its operands and its result show,
    and its expression (a GRU's a_n names r by its letter or writes r's value)."""

    text: str
    arithmetic: str
    result: str
    digits: Digits
    expr: Expr


@dataclass(frozen=True)
class Writer:
    """Writes lines of working, each with the digits it needs to add up (the one rule,
    `working.choose_digits`): at least `digits`, at most `most`, what the trace's float
    type holds. An exact trace's numbers are written in full, and its lines add up."""

    digits: int
    most: int = 17
    exact: bool = False

    def choose(self, expr: Expr, result: Any) -> Digits:
        if self.exact:
            return Digits(self.digits, self.digits, True)
        return choose_digits(expr, result, shown_value, self.digits, self.most)

    def line(self, start: str, expr: Expr, result: Any, middle: Expr | None = None) -> Written:
        """`start` (label and left-hand side), then `middle` if given (letters and numbers
        between the first "=" and the arithmetic), the expression and the result."""
        d = self.choose(expr, result)
        shown = written(result, d.result)
        head = start + (f"{_text(middle, d.operands)} = " if middle is not None else "")
        arithmetic = _text(expr, d.operands)
        return Written(f"{head}{arithmetic} {d.equals} {shown}", arithmetic, shown, d, expr)


def most_digits(values: Any) -> int:
    """The significant digits beyond which a float type's numbers say nothing more."""
    dtype = np.asarray(values).dtype
    return min(17, np.finfo(dtype).precision + 3) if dtype.kind == "f" else 17


def writer_for(trace: Trace, digits: int) -> Writer:
    """The writer of a (one-sequence) trace's working: at least `digits` digits."""
    return Writer(digits, most_digits(trace.steps[0].h), trace.exact)


def hand_calculation(
    trace: Trace,
    t: int,
    *,
    sample: int = 0,
    digits: int = 6,
    units: Any = None,
    width: int | None = None,
) -> str:
    """The arithmetic of time step `t` (counting from 1), one line per quantity.

    For a batched trace, `sample` picks the sequence. With several units, each unit
    gets its own block, headed "unit 1:" and on, counting from one as people count
    units; `units` picks some by Python index, from 0 (by default every recorded one:
    `units=[0]` is the block "unit 1:"). Works for an LSTM and a GRU (`reset_after`
    either way).

    Every line adds up: its result is the rounding of what the numbers it shows give,
    redone exactly (the site's rule, `working.choose_digits`). Floats show at least
    `digits` significant digits, and a line shows more where it needs them (its operands
    first, rarely its result); exact traces show every digit. A line float32's rounding
    keeps from adding up at any digits shows its operands in full and "≈" before its
    result. `width` wraps lines longer than that between terms, continuations indented
    past their "=".
    """
    one = require_trace(trace).sample(sample)
    chosen = list(one.recorded_units) if units is None else [int(u) for u in units]
    for u in chosen:
        one.column(u)  # checks each unit was recorded
    step = one.step(t)
    states = [("x", step.x)] + [(f"{s}_prev", v) for s, v in step.state_prev.items()]
    lines = [f"time step {step.t}: " + ", ".join(f"{k} = {format_vector(v, digits)}"
                                                for k, v in states)]  # fmt: skip
    writer = writer_for(one, digits)
    for u in chosen:
        if one.weights.units > 1:
            lines.append(f"unit {u + 1}:")
        lines += [w.text for w in unit_working(one, t, u, writer).values()]
        if _masked(step):
            lines += _masked_lines(step, u, digits)
    if getattr(one.weights, "projection", None) is not None and not _masked(step):
        lines += [w.text for w in variant_hand.projection_lines(one, step, _pen(writer))]
    if width is not None:
        lines = [part for line in lines for part in wrap_working(line, width)]
    return "\n".join(lines)


def unit_working(
    one: Trace, t: int, u: int, writer: Writer, *, letter_r: bool = False
) -> dict[str, Written]:
    """The lines of working of unit `u` (an index from 0) at step `t` of a one-sequence
    trace, by what they compute: "a_<gate>" and "<gate>" for each gate, then "c" and "h"
    (the plain cell: "a_hidden" and "h"; none at a masked step, which computes no state).
    `letter_r` writes a GRU's reset gate as r in the reset-before form too, as the GRU
    figure does with one unit."""
    step, j = one.step(t), one.column(u)
    if one.cell == "RNN":
        return rnn_hand.unit_working(one, step, u, j, writer.line, label, _masked(step))
    if getattr(one.weights, "variants", ()):
        return variant_hand.unit_working(one, step, u, j, _pen(writer), _masked(step))
    lines: dict[str, Written] = {}
    for gate in one.weights.gates:
        gw = one.weights.gate(gate)
        if one.cell == "LSTM":
            terms = _products(step.x, gw.kernel, step.h_prev, gw.recurrent_kernel, u)
            terms += [] if gw.bias is None else [Num(gw.bias[u])]
            expr: Expr = Op("+", tuple(terms))
        else:
            expr = _gru_sum(one, step, gate, u, j, lines, writer, letter_r)
        s = symbols(one)[gate]
        fn = one.activation if gate == "candidate" else one.recurrent_activation
        a, value = step.a[gate][j], step.gates[gate][j]
        lines[f"a_{gate}"] = writer.line(f"{label(LABELS[gate])}a_{s} = ", expr, a)
        lines[gate] = writer.line(f"{label('')}{s} = ", Wrap(fn, Num(a, bare=True)), value)
    if _masked(step):
        return lines
    g = {gate: step.gates[gate][j] for gate in one.weights.gates}
    if one.cell == "LSTM":
        act = one.activation
        c_sum = Op("+", (_times(g["forget"], step.c_prev[u]), _times(g["input"], g["candidate"])))
        h_product = Op("×", (Num(g["output"]), Wrap(act, Num(step.c[u], bare=True))))
        lines["c"] = writer.line(f"{label('cell state')}c = f×c_prev + i×g = ", c_sum, step.c[u])
        lines["h"] = writer.line(f"{label('hidden state')}h = o×{act}(c) = ", h_product, step.h[u])
        return lines
    z, n = g["update"], g["candidate"]
    kept = Op("+", (_times(z, step.h_prev[u]), Op("×", (Wrap("1-", Num(z)), Num(n)))))
    start = f"{label('hidden state')}h = z×h_prev + (1-z)×n = "
    lines["h"] = writer.line(start, kept, step.h[u])
    return lines


def _pen(writer: Writer) -> variant_hand.Pen:
    """What `variant_hand` writes its lines with: this module's writer, labels, letters."""
    number = lambda v: written(v, writer.digits)  # noqa: E731 - the pen's one-line helper
    return variant_hand.Pen(writer.line, label, SYMBOLS, LABELS, number)


def _gru_sum(
    one: Trace, step: Step, gate: str, u: int, j: int, lines: dict[str, Written],
    writer: Writer, letter_r: bool,
) -> Expr:  # fmt: skip
    """A GRU gate's pre-activation for unit u: x×W + b + h_prev×U (+ b'), r where
    `reset_after` puts it in the candidate's. r is written by its letter, the value its
    line above shows, where the line adds up so; else by its value."""
    weights = one.weights
    reset_after = getattr(weights, "reset_after", True)
    gw = weights.gate(gate)
    bias = None if gw.bias is None else (gw.bias[:, u] if reset_after else gw.bias[[u]])
    inputs = _products(step.x, gw.kernel, [], gw.recurrent_kernel, u)
    inputs += [] if bias is None else [Num(bias[0])]
    recurrent = _products([], gw.kernel, step.h_prev, gw.recurrent_kernel, u)
    recurrent += [] if bias is None or not reset_after else [Num(bias[1])]
    if gate != "candidate":
        return Op("+", tuple(inputs + recurrent))
    letter = Sym("r", lines["reset"].result)
    if reset_after:  # r multiplies the whole recurrent side, bias included

        def with_r(r: Expr) -> Expr:
            return Op("+", (*inputs, Op("×", (r, Wrap("", Op("+", tuple(recurrent)))))))

        return _r_by_letter(with_r, letter, Num(step.gates["reset"][j]), step.a[gate][j], writer)
    if letter_r and weights.units == 1:  # one unit: its own r scales its h_prev

        def before(r: Expr) -> Expr:
            scaled = Wrap("", Op("×", (r, Num(step.h_prev[0]))))
            return Op("+", (*inputs, Op("×", (scaled, Num(gw.recurrent_kernel[0, u])))))

        return _r_by_letter(before, letter, Num(step.gates["reset"][j]), step.a[gate][j], writer)
    if set(one.recorded_units) != set(range(weights.units)):
        raise LSTMInputError(
            "the reset-before form multiplies every unit's h_prev by its own r, so "
            "its hand calculation needs every unit's gates; trace without units="
        )
    r = [step.gates["reset"][one.column(k)] for k in range(weights.units)]
    return Op("+", (*inputs, *(
        Op("×", (Wrap("", _times(r[k], step.h_prev[k])), Num(gw.recurrent_kernel[k, u])))
        for k in range(len(step.h_prev))
    )))  # fmt: skip


def _r_by_letter(
    build: Callable[[Expr], Expr], letter: Sym, value: Num, result: Any, writer: Writer
) -> Expr:
    """`build(r)` with r's letter if that adds up (or cannot be redone), else its value."""
    by_letter = build(letter)
    if writer.choose(by_letter, result).adds_up is not False:
        return by_letter
    return build(value)


def _masked(step: Step) -> bool:
    return step.mask is not None and not bool(step.mask)


def _masked_lines(step: Step, u: int, digits: int) -> list[str]:
    names = list(step.state)[::-1]  # "c and h", as the LSTM's equations order them
    keeps = "keep their previous values" if len(names) > 1 else "keeps its previous value"

    def value(s: str) -> str:  # a projected h has no value per unit: all of it
        v = step.state[s]
        whole = len(v) != len(step.state["c" if "c" in step.state else s])
        return format_vector(v, digits) if whole else format_number(v[u], digits)

    values = ", ".join(f"{s} = {value(s)}" for s in names)
    return [f"{label('masked')}{' and '.join(names)} {keeps}", f"{label('')}{values}"]


def _times(a: Any, b: Any) -> Op:
    return Op("×", (Num(a), Num(b)))


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

    `preactivations=True` adds the pre-activation columns (a_i, a_f, a_g, a_o for an
    LSTM; a_z, a_r, a_n for a GRU). `units` picks which units' values the gate and
    state columns show (by default every recorded one). `show_x=False` leaves out the
    input column (too wide to read when a step has many features). A masked step's t
    is marked with a star: it carried the state forward.

    `width` keeps the text within that many characters where it can: a table wider
    than that gives each unit its own row instead (a column "unit" numbers them from 1,
    as the hand calculation does), and if that is still too wide, the gates (with x) and the states
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
    whole = {name for name, _ in before + after if name.endswith(WHOLE)}
    keys = ["t", "unit"] if len(chosen) > 1 else ["t"]
    x = ["x"] if show_x else []
    cells: dict[str, list[str]] = {name: [] for name in ["t", "unit", *x]}
    cells |= {name: [] for name, _ in before + gates + after}
    for st in one.steps:
        for k, u in enumerate(chosen):
            cells["t"].append(_step_label(st))
            cells["unit"].append(str(u + 1))
            for name in x:
                cells[name].append(format_vector(st.x, digits) if k == 0 else "")
            for name, get in before + gates + after:
                value = get(st)
                if name in whole:  # a projected h: all of it on the step's first row, as x
                    cells[name].append(format_vector(value, digits) if k == 0 else "")
                else:
                    cells[name].append(format_number(value[k], digits))
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
WHOLE = " (all)"
"""Marks a state column shown whole rather than by unit: an LSTM's h projected to
proj_size values has no value per unit of the gates."""


def _table_columns(
    one: Trace, chosen: list[int], preactivations: bool
) -> tuple[list[Column], list[Column], list[Column]]:
    """The gate columns (pre-activations first if asked), the previous states' and the
    new states' (c before h, as the equations go), for the chosen units."""
    columns = [one.column(u) for u in chosen]  # checks each unit was recorded

    def recorded(kind: str, g: str) -> Column:
        name = preactivation_symbol(one, g) if kind == "a" else symbols(one)[g]
        return name, lambda st: np.asarray((st.a if kind == "a" else st.gates)[g])[columns]

    def state(s: str, prev: bool) -> Column:
        name = f"{s}_prev" if prev else s
        if np.shape(one.steps[0].state[s])[-1] != one.weights.units:  # h projected
            return name + WHOLE, lambda st: np.asarray((st.state_prev if prev else st.state)[s])
        return name, lambda st: np.asarray((st.state_prev if prev else st.state)[s])[chosen]

    gates = one.weights.gates
    pre = [recorded("a", g) for g in gates] if preactivations else []
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
