"""The LSTM cell's step: every gate, c and h, with golden values derived by hand or
taken from Keras's own tests."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from lstm_explained import GATES, LSTMWeights, forward
from tests.engine.toy import TOY, toy_trace

# Worked by hand: z = x + h_prev for every gate, c = z*c_prev + z*z, h = z*c.
#   step 1: z = 1 + 0 = 1,   c = 1*0 + 1*1 = 1,        h = 1*1 = 1
#   step 2: z = 1 + 1 = 2,   c = 2*1 + 2*2 = 6,        h = 2*6 = 12
#   step 3: z = 1 + 12 = 13, c = 13*6 + 13*13 = 247,   h = 13*247 = 3211
TOY_BY_HAND = [
    # (z = every gate, h_prev, c_prev, c, h)
    (1, 0, 0, 1, 1),
    (2, 1, 1, 6, 12),
    (13, 12, 6, 247, 3211),
]


def test_toy_network_every_value_matches_the_hand_calculation():
    trace = toy_trace()
    assert len(trace.steps) == 3
    for step, (z, h_prev, c_prev, c, h) in zip(trace.steps, TOY_BY_HAND, strict=True):
        assert step.x.tolist() == [1.0]
        assert step.h_prev.tolist() == [h_prev]
        assert step.c_prev.tolist() == [c_prev]
        for gate in GATES:
            assert step.a[gate].tolist() == [z], (step.t, gate)
            assert step.gates[gate].tolist() == [z], (step.t, gate)
        assert step.c.tolist() == [c]
        assert step.h.tolist() == [h]
    assert [s.t for s in trace.steps] == [1, 2, 3]


def test_forget_bias_one_as_keras_unit_forget_bias_sets_it():
    # By hand with b_f = 1: a_f = z + 1, every other gate z = x + h_prev.
    #   step 1: z = 1, f = 2:   c = 2*0 + 1*1 = 1,        h = 1*1 = 1
    #   step 2: z = 2, f = 3:   c = 3*1 + 2*2 = 7,        h = 2*7 = 14
    #   step 3: z = 15, f = 16: c = 16*7 + 15*15 = 337,   h = 15*337 = 5055
    weights = LSTMWeights.constant(1.0, bias={"forget": 1.0})
    trace = forward([1, 1, 1], weights, **TOY)
    assert trace.sequence_out[:, 0].tolist() == [1, 14, 5055]
    assert [s.c.item() for s in trace.steps] == [1, 7, 337]
    assert [s.gates["forget"].item() for s in trace.steps] == [2, 3, 16]
    assert [s.gates["input"].item() for s in trace.steps] == [1, 2, 15]


def test_no_bias_equals_zero_bias():
    with_zero = toy_trace()
    without = forward([1, 1, 1], LSTMWeights.constant(1.0, bias=None), **TOY)
    assert without.sequence_out.tolist() == with_zero.sequence_out.tolist()


def test_exact_hard_sigmoid_and_relu_are_exact():
    # hard_sigmoid(z) = clip(z/6 + 1/2, 0, 1); with x = 1, weights 1, z = 1 at step 1:
    # gates = 1/6 + 1/2 = 2/3, candidate relu(1) = 1, c = 2/3 * 1 = 2/3, h = 2/3 * relu(2/3) = 4/9
    trace = forward(
        [1],
        LSTMWeights.constant(1),
        activation="relu",
        recurrent_activation="hard_sigmoid",
        exact=True,
    )
    assert trace.steps[0].gates["forget"][0] == Fraction(2, 3)
    assert trace.state_c[0] == Fraction(2, 3)
    assert trace.state_h[0] == Fraction(4, 9)


def sig(v: float) -> float:
    return 1 / (1 + math.exp(-v))


def test_standard_activations_one_unit_by_hand():
    # kernel 0.5, recurrent 0.25, bias 0.1 (all gates), x = 1, 2; computed with math below.
    weights = LSTMWeights.constant(0.5, bias=0.1)
    weights = LSTMWeights(weights.kernel, np.full((1, 4), 0.25), weights.bias)
    trace = forward([1, 2], weights)
    h = c = 0.0
    for step, x in zip(trace.steps, (1, 2), strict=True):
        z = 0.5 * x + 0.25 * h + 0.1
        i = f = o = sig(z)
        g = math.tanh(z)
        c = f * c + i * g
        h = o * math.tanh(c)
        assert step.a["forget"][0] == pytest.approx(z, abs=1e-15)
        assert step.gates["input"][0] == pytest.approx(i, abs=1e-15)
        assert step.gates["candidate"][0] == pytest.approx(g, abs=1e-15)
        assert step.c[0] == pytest.approx(c, abs=1e-15)
        assert step.h[0] == pytest.approx(h, abs=1e-15)


def test_gate_slices_follow_keras_order():
    # One unit, bias (i, f, g, o) = (1, 2, 3, 4) and zero weights: z equals the bias per gate.
    weights = LSTMWeights(np.zeros((1, 4)), np.zeros((1, 4)), np.array([1.0, 2, 3, 4]))
    step = forward([0], weights, **TOY).steps[0]
    assert [step.a[g][0] for g in GATES] == [1, 2, 3, 4]
    assert step.c[0] == 2 * 0 + 1 * 3
    assert step.h[0] == 4 * 3


# Keras's own golden values (keras/src/layers/rnn/lstm_test.py): LSTM(3) on
# np.arange(72).reshape((3, 6, 4)) with kernel 0.01, recurrent 0.02, bias 0.03.
KERAS_GOLDEN_UNIT_FORGET_BIAS = [0.6288687, 0.86899155, 0.9460773]
KERAS_GOLDEN_NO_UNIT_FORGET_BIAS = [0.57019705, 0.8661914, 0.9459622]


@pytest.mark.parametrize(
    ("forget_bias", "expected"),
    [(1.0, KERAS_GOLDEN_UNIT_FORGET_BIAS), (0.03, KERAS_GOLDEN_NO_UNIT_FORGET_BIAS)],
)
def test_keras_golden_values(forget_bias, expected):
    weights = LSTMWeights(
        np.full((4, 12), 0.01),
        np.full((3, 12), 0.02),
        np.array([0.03] * 3 + [forget_bias] * 3 + [0.03] * 6),
    )
    trace = forward(np.arange(72).reshape((3, 6, 4)), weights)
    assert trace.state_h.shape == (3, 3)
    np.testing.assert_allclose(trace.state_h[:, 0], expected, atol=1e-5)
    np.testing.assert_allclose(trace.sequence_out[:, -1], trace.state_h)
