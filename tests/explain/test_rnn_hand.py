"""The plain cell's hand calculation: lines worked out here by hand in exact arithmetic,
a masked step, the table's columns, and float lines whose shown digits add up (checked
here with Fractions from the printed text alone)."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from lstm_explained import RNNWeights, forward, hand_calculation, trace_table
from lstm_explained.explain.rnn_hand import RNN_SYMBOLS


def test_one_step_by_hand_in_fractions():
    # kernel [2], recurrent [-1], bias 1/2, relu; x = 1, -1:
    # step 2: a = (-1)×2 + (5/2)×(-1) + 1/2 = -4, h = relu(-4) = 0
    trace = forward([1, -1], RNNWeights([[2]], [[-1]], [Fraction(1, 2)]), activation="relu",
                    exact=True)  # fmt: skip
    text = hand_calculation(trace, 2)
    assert text.splitlines() == [
        "time step 2: x = -1, h_prev = 5/2",
        "weighted sum: a = x×W + h_prev×U + b = (-1)×2 + (5/2)×(-1) + (1/2) = -4",
        "hidden state: h = relu(a) = relu(-4) = 0",
    ]


def test_two_units_and_a_masked_step():
    # units 2, x = [1]; kernel [[1, 2]], recurrent [[1, 0], [0, 1]], no bias, linear.
    # step 1: a = [1, 2]; step 2 is masked: a is computed, h keeps [1, 2]
    w = RNNWeights([[1, 2]], [[1, 0], [0, 1]])
    trace = forward([1, 1], w, activation="linear", exact=True, mask=[True, False])
    text = hand_calculation(trace, 2)
    assert "unit 2:" in text
    assert "weighted sum: a = x×W + h_prev×U + b = 1×2 + 1×0 + 2×1 = 4" in text
    assert "masked:       h keeps its previous value" in text
    assert "hidden state:" not in text


def test_the_table_shows_h_once_and_a_when_asked():
    trace = forward([1, 2], RNNWeights.constant(1), activation="linear", exact=True)
    head = trace_table(trace).splitlines()[0]
    assert [c.strip() for c in head.strip("|").split("|")] == ["t", "x", "h_prev", "h"]
    head = trace_table(trace, preactivations=True).splitlines()[0]
    assert [c.strip() for c in head.strip("|").split("|")] == ["t", "x", "h_prev", "a", "h"]
    assert RNN_SYMBOLS == {"hidden": "h"}


def _number(text: str) -> Fraction:
    return Fraction(Decimal(text.strip("()")))


@pytest.mark.parametrize("seed", range(8))
def test_float_lines_add_up_from_the_digits_they_show(seed):
    # at 2 digits without choosing more where needed, about 4 lines in 10 of these would not add up
    w = RNNWeights.random(3, 2, seed=seed)
    x = np.random.default_rng(seed).normal(size=(4, 3))
    trace = forward(x, w, dtype="float32")
    for t in range(1, 5):
        for line in hand_calculation(trace, t, digits=2).splitlines():
            if "weighted sum" not in line:
                continue
            sums, result = line.split(" = ")[-2:]
            total = Fraction(0)
            for term in sums.split(" + "):
                factors = [_number(f) for f in re.split(r"×(?![^(]*\))", term)]
                total += factors[0] * (factors[1] if len(factors) > 1 else 1)
            digits = len(result.lstrip("-").replace(".", "").lstrip("0")) or 1
            assert f"{float(total):.{digits}g}" == f"{float(result):.{digits}g}", line
