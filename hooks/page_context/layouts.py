"""The values of "One cell, four layouts" (docs/layouts.md): the frameworks' layouts
side by side and the fingerprint GRU. The fingerprint LSTM is shared: the stepper's
page quotes it too."""

from __future__ import annotations

import functools
from fractions import Fraction
from typing import Any

import numpy as np

from lstm_explained.networks.fingerprint import fingerprint_gru_weights, fingerprint_trace

from .claims import Claim, registry
from .layout_view import FractionsView, LayoutTables


@functools.cache
def context() -> dict[str, Any]:
    """Computed once per build, when the page is rendered."""
    gru = fingerprint_gru_weights()
    bias = np.asarray(gru.bias)  # (2, 3 * units): Keras's input-side and recurrent-side rows
    return {
        # parameter counts for the fingerprint networks' size
        "layouts": LayoutTables(inputs=gru.input_dim, units=gru.units),
        "fingerprint_gru": FractionsView(fingerprint_trace(gru), (bias[0], bias[1])),
    }


# ---- claims: what the page says of the fingerprint networks (see claims.py) -------------


def fingerprint_gates_in_linear_range(fingerprint: FractionsView) -> bool:
    """No gate of the fingerprint LSTM is clipped to 0 or 1 by its hard sigmoid at any step:
    every value of i, f, o lies strictly between them, in the linear range."""
    steps = fingerprint.trace.steps
    gates = ("input", "forget", "output")
    return all(0 < v < 1 for s in steps for g in gates for v in s.gates[g])


def power_of_two_fraction(value: object) -> bool:
    """An exact fraction whose denominator is a power of two, which a float32 holds exactly
    (a float32 holds any such number of few enough digits)."""
    if not isinstance(value, (int, Fraction)):
        return False
    q = Fraction(value)
    return q.denominator & (q.denominator - 1) == 0 and float(np.float32(float(q))) == q


def fingerprint_exact_in_float32(fingerprint: FractionsView) -> bool:
    """Every number of the fingerprint LSTM's trace (x, states, gates) is a fraction with a
    power-of-two denominator that a float32 holds exactly."""
    values = []
    for s in fingerprint.trace.steps:
        values += [*s.x, *s.h, *s.c, *(v for g in s.gates.values() for v in g)]
    return all(map(power_of_two_fraction, values))


def forget_bias_twice_from_step_2(fingerprint: FractionsView) -> bool:
    """With the forget bias added twice, step 1's h and c are right and step 2's h is not."""
    wrong = next(w.trace for w in fingerprint.wrong if "forget bias" in w.name)
    right = fingerprint.trace
    same = [np.array_equal(getattr(wrong.steps[0], n), getattr(right.steps[0], n)) for n in "hc"]
    return all(same) and not np.array_equal(wrong.steps[1].h, right.steps[1].h)


def counts_differ_by_a_bias(layouts: LayoutTables) -> bool:
    """PyTorch's and ONNX's LSTM hold one bias vector (4 × units numbers) more than Keras's
    and Flax's, which hold as many as each other, for the page's layer size."""
    one_bias, keras = 4 * layouts.units, int(layouts.count("keras-lstm"))
    two_biases = [int(layouts.count(k)) for k in ("torch-lstm", "onnx-lstm")]
    same = int(layouts.count("flax-lstm")) == keras
    return same and all(count == keras + one_bias for count in two_biases)


CLAIMS = registry(
    Claim("counts-differ-by-a-bias", counts_differ_by_a_bias),
    Claim("fingerprint-gates-in-linear-range", fingerprint_gates_in_linear_range),
    Claim("fingerprint-exact-in-float32", fingerprint_exact_in_float32),
    Claim("forget-bias-twice-from-step-2", forget_bias_twice_from_step_2),
)
"""The claims of "One cell, four layouts" (the toy network's are shared)."""
