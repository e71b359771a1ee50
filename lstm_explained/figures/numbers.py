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

from .. import GATES, LSTMInputError, Step, Trace, format_number

LONG = 10  # integers with more digits are shortened in a figure ("≈3.569e+10")


def step_at(trace: Trace, t: int) -> Step:
    """The `Step` at time step `t`, counting from 1, or a clear error."""
    if (
        isinstance(t, bool)
        or not isinstance(t, (int, np.integer))
        or not 1 <= t <= len(trace.steps)
    ):
        raise LSTMInputError(f"t must be a time step from 1 to {len(trace.steps)}; got {t!r}")
    return trace.steps[int(t) - 1]


def check_sample(trace: Trace, sample: int) -> int:
    """`sample` if the trace has that batch row (0 is the only row of an unbatched trace)."""
    size = int(np.asarray(trace.steps[0].h).shape[0]) if trace.batched else 1
    if not trace.batched and sample != 0:
        raise LSTMInputError(f"sample must be 0 for an input without a batch axis; got {sample!r}")
    if not 0 <= sample < size:
        raise LSTMInputError(f"sample must be from 0 to {size - 1}; got {sample!r}")
    return sample


def row(trace: Trace, arr: Any, sample: int) -> Any:
    """One sample's row of a recorded array: (units,) or (features,)."""
    values = np.asarray(arr)
    return values[sample] if trace.batched else values


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


def digits_that_add_up(
    trace: Trace, t: int, *, sample: int = 0, fewest: int = 4, most: int = 10
) -> int:
    """The significant digits to show step `t`'s working with so that every line adds up.

    At least `fewest`; every number with a short decimal form is shown in full (so
    c = 207.25 never reads 207.2); and each line's result must follow from the numbers
    it shows: z = x×W + h_prev×U + b, each gate from its z, c = f×c_prev + i×g and
    h = o×act(c). Numbers that had to be rounded count as whatever they may stand for.
    With fewer digits a reader could meet "c = ... = 207.2" and then
    "h = 12×linear(207.2) = 2487". Exact traces show every digit anyway.
    """
    step = step_at(trace, t)
    if trace.exact:
        return fewest
    sample = check_sample(trace, sample)
    known = {trace.activation, trace.recurrent_activation} <= set(_FUNCTIONS)
    w = trace.weights
    x, h_prev, c_prev = (row(trace, a, sample) for a in (step.x, step.h_prev, step.c_prev))
    c, h = row(trace, step.c, sample), row(trace, step.h, sample)
    gates = {g: row(trace, step.gates[g], sample) for g in GATES}
    z = {g: row(trace, step.z[g], sample) for g in GATES}
    numbers = [*x.ravel(), *h_prev.ravel(), *c_prev.ravel(), *c.ravel(), *h.ravel()]
    numbers += [v for g in GATES for v in (*gates[g].ravel(), *z[g].ravel())]
    for g in GATES:
        gw = w.gate(g)
        numbers += [*gw.kernel.ravel(), *gw.recurrent_kernel.ravel()]
        numbers += [] if gw.bias is None else [*gw.bias.ravel()]
    if not all(math.isfinite(float(v)) for v in numbers):
        return fewest
    masked = step.mask is not None and not bool(row(trace, step.mask, sample))
    start = max(fewest, *(short_digits(v, most) for v in numbers))
    for digits in range(start, most + 1):

        def shown(v: Any, digits: int = digits) -> Interval:
            return shown_interval(v, digits)

        ok = True
        for u in range(w.units):
            for gate in GATES:
                gw = w.gate(gate)
                total: Interval = (Fraction(0), Fraction(0))
                for j in range(w.input_dim):
                    total = _add(total, _mul(shown(x[j]), shown(gw.kernel[j, u])))
                for k in range(w.units):
                    total = _add(total, _mul(shown(h_prev[k]), shown(gw.recurrent_kernel[k, u])))
                if gw.bias is not None:
                    total = _add(total, shown(gw.bias[u]))
                fn = trace.activation if gate == "candidate" else trace.recurrent_activation
                ok = ok and adds_up(total, z[gate][u], digits)
                if known:  # a callable activation: its line cannot be redone here
                    ok = ok and adds_up(_apply(fn, shown(z[gate][u])), gates[gate][u], digits)
            if masked:  # c and h are carried over, not computed
                continue
            v = {gate: shown(gates[gate][u]) for gate in GATES}
            new_c = _add(_mul(v["forget"], shown(c_prev[u])), _mul(v["input"], v["candidate"]))
            ok = ok and adds_up(new_c, c[u], digits)
            if known:
                squashed = _apply(trace.activation, shown(c[u]))
                ok = ok and adds_up(_mul(v["output"], squashed), h[u], digits)
        if ok:
            return digits
    return most
