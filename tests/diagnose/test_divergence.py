"""divergence.py: where two traces of one input part, and how the difference grows.

The traces are the toy network (every weight 1, bias 0, identity activations, inputs
1, 1, 1) with and without a forget bias of 1, worked out by hand in
tests/engine/test_lstm.py: h = 1, 12, 3211 and c = 1, 6, 247 against h = 1, 14, 5055
and c = 1, 7, 337; the forget gate's pre-activation is 1, 2, 13 against 2, 3, 16.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from lstm_explained import LSTMWeights, forward
from lstm_explained.diagnose.divergence import (
    Divergence,
    compare_traces,
    growth,
    shown_difference,
)
from tests.engine.toy import TOY

X = [[[1], [1], [1]]]  # (batch 1, time 3, features 1)


def toy(**bias):
    return forward(X, LSTMWeights.constant(1.0, bias=bias or 0.0), **TOY)


def test_the_first_value_that_differs_is_the_forget_gates_pre_activation_at_step_1():
    # Step 1: z_i = 1 on both sides, z_f = 1 against 1 + 1 = 2: the first quantity compared
    # that differs, as |1 - 2| / max(1, 1, 2) = 0.5 is beyond any tolerance below it.
    found = compare_traces(toy(), toy(forget=1.0), 1e-5)
    assert found.first == Divergence(1, 0, "pre-activation", "forget", 0, 1.0, 2.0)


def test_the_largest_difference_by_step_is_relative_above_one():
    # step 1: z_f and f, 1 against 2: 1/2; c and h 1 against 1 agree
    # step 2: z_f 2 against 3: 1/3 (c 6 against 7 and h 12 against 14: 1/7)
    # step 3: h 3211 against 5055: 1844/5055 (z_f 13 against 16: 3/16; c 90/337)
    found = compare_traces(toy(), toy(forget=1.0), 1e-5)
    np.testing.assert_allclose(found.per_step, [1 / 2, 1 / 3, 1844 / 5055], rtol=1e-15)
    assert found.largest == 0.5


def test_within_the_tolerance_there_is_no_first_difference():
    found = compare_traces(toy(), toy(forget=1.0), 0.5)  # nothing is beyond 0.5
    assert found.first is None
    assert found.largest == 0.5
    same = compare_traces(toy(), toy(), 1e-12)
    assert (same.first, same.largest, same.per_step.tolist()) == (None, 0.0, [0.0, 0.0, 0.0])


def test_a_masked_step_is_compared_by_what_it_outputs():
    # Step 2 masked on both sides: the states carry step 1's (h = c = 1) and agree, but a
    # plain layer repeats the last output (1) and the other outputs zeros.
    mask = [[True, False, True]]
    repeats = forward(X, LSTMWeights.constant(1.0), **TOY, mask=mask)
    zeros = forward(X, LSTMWeights.constant(1.0), **TOY, mask=mask, zero_output_for_mask=True)
    first = compare_traces(repeats, zeros, 1e-5).first
    assert first == Divergence(2, 0, "output", "output", 0, 1.0, 0.0)


@pytest.mark.parametrize(
    ("divergence", "text"),
    [
        (
            Divergence(2, 0, "pre-activation", "forget", 1, 0.25, 1.25),
            "step 2, batch row 0: the forget gate's pre-activation, unit 1: A 0.25, B 1.25",
        ),
        (Divergence(1, 3, "gate", "reset", 0, 0.5, 0.75), "the reset gate, unit 0"),
        (Divergence(1, 0, "gate", "hidden", 0, 0.5, 0.75), "the new hidden state, unit 0"),
        (
            Divergence(1, 0, "pre-activation", "hidden", 1, 0.5, 0.75),
            "the new hidden state's pre-activation, unit 1",
        ),
        (Divergence(3, 0, "state", "c", 2, 247, 337), "the cell state c, unit 2: A 247, B 337"),
        (Divergence(3, 0, "state", "h", 0, 1 / 3, 0.5), "the hidden state h, unit 0: A 0.3333333"),
        (
            Divergence(4, 1, "output", "output", 0, 1.0, 0.0, "backward"),
            "backward direction, step 4, batch row 1: the output, unit 0: A 1, B 0",
        ),
    ],
)
def test_a_divergence_in_words(divergence, text):
    assert text in divergence.text()


def test_differences_below_float64_noise_are_not_printed_as_digits():
    assert shown_difference(3e-13) == "below 1e-12"
    assert shown_difference(0.000123) == "0.00012"
    assert shown_difference(float(Fraction(1844, 5055))) == "0.36"


def test_growth_shows_steps_1_10_100_the_first_beyond_and_the_last():
    per_step = np.array([1e-8] * 6 + [2e-5] * 3 + [0.5] * 3)  # 12 steps, beyond from step 7
    assert growth(per_step, 1e-5) == "1: 1e-08, 7: 2e-05 (first beyond), 10: 0.5, 12: 0.5"
    within = np.full(150, 3e-7)
    assert growth(within, 1e-5) == "1: 3e-07, 10: 3e-07, 100: 3e-07, 150: 3e-07"
    assert growth(np.array([0.25]), 1e-5) == "1: 0.25 (first beyond)"
