"""The numbers a figure shows: one unit of one sample of a recorded step, as text.

Reads only the public records (`Trace`, `Step`, `Gradients`), and picks how many
significant digits to show so that every line of a step's working adds up when a reader
redoes it with the numbers shown (`digits_that_add_up`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from ...engine.trace import Step, Trace
from ..hand import format_number

LONG = 10  # integers with more digits are shortened in a figure ("≈3.569e+10")


def term(value: Any, digits: int) -> str:
    """A number as a factor: negatives and fractions in brackets, as the hand calculation does."""
    text = format_number(value, digits)
    return f"({text})" if text.startswith("-") or "/" in text else text


def short(text: str) -> str:
    """A long integer shortened for a figure, "≈3.569e+10"; anything else unchanged."""
    digits = text.lstrip("-")
    if len(digits) <= LONG or not digits.isdigit():
        return text
    exponent = len(digits) - 1
    mantissa = round(int(digits[:5]) / 10_000, 3)
    if mantissa >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    sign = "-" if text.startswith("-") else ""
    return f"≈{sign}{mantissa:g}e+{exponent:02d}"


# Keras's activations in float64, to redo a line of working from the digits shown.
_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "linear": lambda v: v,
    "sigmoid": lambda v: 0.5 * (math.tanh(0.5 * v) + 1.0),
    "hard_sigmoid": lambda v: min(max(v / 6.0 + 0.5, 0.0), 1.0),
    "tanh": math.tanh,
    "relu": lambda v: max(v, 0.0),
}


def activation_value(name: str, v: Any) -> Any:
    """act(v) for a named activation; exact for ints and Fractions where it can be."""
    if isinstance(v, (int, Fraction, np.integer)) and name in ("linear", "relu", "hard_sigmoid"):
        if name == "linear":
            return v
        if name == "relu":
            return max(v, 0)
        exact = v if isinstance(v, Fraction) else Fraction(int(v))
        return min(max(exact / 6 + Fraction(1, 2), 0), 1)
    return _FUNCTIONS[name](float(v)) if name in _FUNCTIONS else float("nan")


def slope(name: str, z: Any, value: Any) -> Any:
    """act'(z) for a named activation, from z and value = act(z); exact where it can be."""
    if name == "linear":
        return 1
    if name == "relu":
        return 1 if z > 0 else 0
    if name == "hard_sigmoid":
        return Fraction(1, 6) if -3 < z < 3 else 0
    if name == "sigmoid":
        return float(value) * (1.0 - float(value))
    if name == "tanh":
        return 1.0 - float(value) ** 2
    return float("nan")


def significant(text: str) -> int:
    """How many significant digits a number written as text has ("207.25" has 5)."""
    mantissa = text.lower().split("e")[0]
    return len(mantissa.replace("-", "").replace(".", "").lstrip("0")) or 1


def short_digits(value: Any, most: int) -> int:
    """The significant digits of a float's shortest decimal form, if at most `most`
    (0.5 has 1, 207.25 has 5); 0 for a value whose decimals run on, like sigmoid(1)."""
    digits = significant(repr(float(value)))
    return digits if digits <= most else 0


Interval = tuple[Fraction, Fraction]


def shown_interval(value: Any, digits: int) -> Interval:
    """What a reader can tell from `value` written to `digits` significant digits: the
    value itself if the text is exact, else every number that rounds to that text."""
    text = format_number(value, digits)
    shown = Fraction(text)
    if shown == Fraction(float(value)) or shown == 0:
        return shown, shown
    half = Fraction(10) ** (math.floor(math.log10(abs(shown))) - digits + 1) / 2
    return shown - half, shown + half


def _add(a: Interval, b: Interval) -> Interval:
    return a[0] + b[0], a[1] + b[1]


def _mul(a: Interval, b: Interval) -> Interval:
    ends = [x * y for x in a for y in b]
    return min(ends), max(ends)


def _clip(v: Fraction) -> Fraction:
    """Keras 3's hard_sigmoid, exactly: clip(v/6 + 1/2, 0, 1)."""
    return min(max(v / 6 + Fraction(1, 2), Fraction(0)), Fraction(1))


def _apply(name: str, a: Interval) -> Interval:
    """An activation over an interval; every Keras activation is monotone, so the ends
    map to the ends. Exact where the function keeps rationals rational."""
    lo, hi = a
    if name == "linear":
        return a
    if name == "relu":
        return max(lo, Fraction(0)), max(hi, Fraction(0))
    if name == "hard_sigmoid":
        return _clip(lo), _clip(hi)
    fn = _FUNCTIONS[name]
    return Fraction(fn(float(lo))), Fraction(fn(float(hi)))


def adds_up(computed: Interval, result: Any, digits: int) -> bool:
    """Whether a line whose right-hand side, redone from the numbers shown, lies in
    `computed` may show `result` at `digits` significant digits.

    From exact numbers (a single value) the result must be that value, written in
    full if it has a short decimal form (207.25, not 207.2) and rounded otherwise;
    from rounded numbers it must be the rounding of some value they allow.
    """
    lo, hi = computed
    if lo == hi:
        if short_digits(lo, 10) and Fraction(float(lo)) == lo:
            return Fraction(format_number(result, digits)) == lo
        return format_number(float(lo), digits) == format_number(result, digits)
    r_lo, r_hi = shown_interval(result, digits)
    if r_lo == r_hi:  # shown exactly: widen by its last digit's rounding all the same
        text = format_number(result, digits)
        shown = Fraction(text)
        half = Fraction(10) ** (math.floor(math.log10(abs(shown))) - digits + 1) / 2 if shown else 0
        r_lo, r_hi = shown - half, shown + half
    return lo <= r_hi and r_lo <= hi


Line = tuple[Interval, Any]  # what a line's right-hand side may be, and what it shows


def _sum(parts: list[Interval]) -> Interval:
    total: Interval = (Fraction(0), Fraction(0))
    for part in parts:
        total = _add(total, part)
    return total


def _products(shown: Callable[[Any], Interval], v: Any, m: Any, u: int) -> list[Interval]:
    """The terms v_j×M[j, u] of one unit's column, as intervals."""
    return [_mul(shown(v[j]), shown(m[j, u])) for j in range(len(v))]


def _gate_lines(one: Trace, step: Step, shown: Callable[[Any], Interval], j: int,
                gate: str, pre: Interval) -> list[Line]:  # fmt: skip
    """A gate's two lines: its pre-activation from `pre`, its value from what z shows."""
    lines: list[Line] = [(pre, step.z[gate][j])]
    fn = one.activation if gate == "candidate" else one.recurrent_activation
    if fn in _FUNCTIONS:  # a callable activation: its line cannot be redone here
        lines.append((_apply(fn, shown(step.z[gate][j])), step.gates[gate][j]))
    return lines


def _lstm_lines(one: Trace, step: Step, shown: Callable[[Any], Interval]) -> list[Line]:
    """z = x×W + h_prev×U + b and each gate; c = f×c_prev + i×g; h = o×act(c)."""
    w, lines = one.weights, []
    masked = step.mask is not None and not bool(step.mask)
    for u in one.recorded_units:
        j = one.column(u)
        for gate in w.gates:
            gw = w.gate(gate)
            terms = _products(shown, step.x, gw.kernel, u)
            terms += _products(shown, step.h_prev, gw.recurrent_kernel, u)
            terms += [] if gw.bias is None else [shown(gw.bias[u])]
            lines += _gate_lines(one, step, shown, j, gate, _sum(terms))
        if masked:  # c and h are carried over, not computed
            continue
        v = {gate: shown(step.gates[gate][j]) for gate in w.gates}
        c = _add(_mul(v["forget"], shown(step.c_prev[u])), _mul(v["input"], v["candidate"]))
        lines.append((c, step.c[u]))
        if one.activation in _FUNCTIONS:
            squashed = _apply(one.activation, shown(step.c[u]))
            lines.append((_mul(v["output"], squashed), step.h[u]))
    return lines


def _gru_lines(one: Trace, step: Step, shown: Callable[[Any], Interval]) -> list[Line]:
    """a_z, a_r = x×W + b + h_prev×U (+ b'); a_n with r where `reset_after` puts it;
    each gate; h = z×h_prev + (1-z)×n."""
    w, lines = one.weights, []
    reset_after = getattr(w, "reset_after", True)
    masked = step.mask is not None and not bool(step.mask)
    r_all = None if one.units is not None else step.gates["reset"]  # every unit's r
    for u in one.recorded_units:
        j = one.column(u)
        for gate in w.gates:
            gw = w.gate(gate)
            bias = None if gw.bias is None else np.asarray(gw.bias).reshape(-1, w.units)[:, u]
            x_side = _products(shown, step.x, gw.kernel, u)
            x_side += [] if bias is None else [shown(bias[0])]
            h_side = _products(shown, step.h_prev, gw.recurrent_kernel, u)
            h_side += [] if bias is None or not reset_after else [shown(bias[1])]
            if gate != "candidate":
                pre = _sum(x_side + h_side)
            elif reset_after:  # r scales the whole recurrent part, its bias included
                pre = _add(_sum(x_side), _mul(shown(step.gates["reset"][j]), _sum(h_side)))
            elif r_all is None:  # every unit's r is needed: skip a line it cannot redo
                lines.append(((Fraction(0), Fraction(0)), None))
                continue
            else:  # each h_prev scaled by its own r, before the product
                rh = [_mul(_mul(shown(r_all[k]), shown(step.h_prev[k])),
                           shown(gw.recurrent_kernel[k, u])) for k in range(w.units)]  # fmt: skip
                pre = _sum(x_side + rh)
            lines += _gate_lines(one, step, shown, j, gate, pre)
        if masked:
            continue
        z, n = shown(step.gates["update"][j]), shown(step.gates["candidate"][j])
        keep = (1 - z[1], 1 - z[0])  # 1 - z
        lines.append((_add(_mul(z, shown(step.h_prev[u])), _mul(keep, n)), step.h[u]))
    return [line for line in lines if line[1] is not None]


def _rnn_lines(one: Trace, step: Step, shown: Callable[[Any], Interval]) -> list[Line]:
    """The plain cell: a = x×W + h_prev×U + b and h = act(a), unit by unit (a masked
    step computes a and carries h over)."""
    gw, lines = one.weights.gate("hidden"), []
    masked = step.mask is not None and not bool(step.mask)
    for u in one.recorded_units:
        j = one.column(u)
        terms = _products(shown, step.x, gw.kernel, u)
        terms += _products(shown, step.h_prev, gw.recurrent_kernel, u)
        terms += [] if gw.bias is None else [shown(gw.bias[u])]
        lines.append((_sum(terms), step.z["hidden"][j]))
        if not masked and one.activation in _FUNCTIONS:
            a = shown(step.z["hidden"][j])
            lines.append((_apply(one.activation, a), step.gates["hidden"][j]))
    return lines


def digits_that_add_up(
    trace: Trace, t: int, *, sample: int = 0, fewest: int = 4, most: int = 10
) -> int:
    """The significant digits to show step `t`'s working with so that every line adds up.

    At least `fewest`; every number with a short decimal form is shown in full (so
    c = 207.25 never reads 207.2); and each line's result must follow from the numbers
    it shows, as `hand_calculation` writes them. For an LSTM: z = x×W + h_prev×U + b,
    each gate from its z, c = f×c_prev + i×g and h = o×act(c); for a GRU: a_z and a_r,
    a_n with r where `reset_after` puts it, each gate, and h = z×h_prev + (1-z)×n; for
    the plain cell: a = x×W + h_prev×U + b and h = act(a). Numbers that had to be
    rounded count as whatever they may stand for. With fewer digits a reader could meet
    "c = ... = 207.2" and then "h = 12×linear(207.2) = 2487". Exact traces show every
    digit anyway.
    """
    trace.step(t)  # a clear error for a step out of range, exact or not
    if trace.exact:
        return fewest
    one = trace.sample(sample)
    step = one.step(t)
    w = one.weights
    numbers = [*np.ravel(step.x)]
    for group in (step.state_prev, step.state, step.z, step.gates):
        numbers += [v for arr in group.values() for v in np.ravel(arr)]
    for gate in w.gates:
        gw = w.gate(gate)
        numbers += [*gw.kernel.ravel(), *gw.recurrent_kernel.ravel()]
        numbers += [] if gw.bias is None else [*gw.bias.ravel()]
    if not all(math.isfinite(float(v)) for v in numbers):
        return fewest
    lines_of = {"LSTM": _lstm_lines, "GRU": _gru_lines, "RNN": _rnn_lines}[one.cell]
    start = max(fewest, *(short_digits(v, most) for v in numbers))
    for digits in range(start, most + 1):

        def shown(v: Any, digits: int = digits) -> Interval:
            return shown_interval(v, digits)

        if all(
            adds_up(computed, result, digits) for computed, result in lines_of(one, step, shown)
        ):
            return digits
    return most
