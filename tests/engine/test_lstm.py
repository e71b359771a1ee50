"""forward(): golden values derived by hand or taken from Keras's own tests."""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest

from lstm_explained import GATES, LSTMOverflowWarning, LSTMWeights, forward

TOY = {"activation": "linear", "recurrent_activation": "linear"}


def toy_trace(steps: int = 3, **kwargs):
    return forward([1] * steps, LSTMWeights.constant(1.0), **TOY, **kwargs)


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
            assert step.z[gate].tolist() == [z], (step.t, gate)
            assert step.gates[gate].tolist() == [z], (step.t, gate)
        assert step.c.tolist() == [c]
        assert step.h.tolist() == [h]
    assert [s.t for s in trace.steps] == [1, 2, 3]


def test_toy_network_outputs_are_shaped_like_keras_without_batch_axis():
    trace = toy_trace()
    assert trace.sequence_out.shape == (3, 1)
    assert trace.sequence_out[:, 0].tolist() == [1, 12, 3211]
    assert trace.state_h.tolist() == [3211]
    assert trace.state_c.tolist() == [247]
    assert trace.batched is False


def test_toy_network_with_a_batch_axis_keeps_it():
    trace = forward([[[1], [1], [1]], [[0], [0], [0]]], LSTMWeights.constant(1.0), **TOY)
    assert trace.sequence_out.shape == (2, 3, 1)
    assert trace.state_h.tolist() == [[3211], [0]]
    assert trace.state_c.tolist() == [[247], [0]]
    assert trace.steps[1].h.tolist() == [[12], [0]]


def test_forget_bias_one_as_keras_unit_forget_bias_sets_it():
    # By hand with b_f = 1: z_f = z + 1, every other gate z = x + h_prev.
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


def integer_toy(steps: int) -> list[tuple[int, int]]:
    """The toy network in Python ints, written out independently of the engine."""
    h = c = 0
    out = []
    for _ in range(steps):
        z = 1 + h
        c = z * c + z * z
        h = z * c
        out.append((h, c))
    return out


def test_exact_mode_matches_integer_arithmetic_for_eight_steps():
    trace = toy_trace(8, exact=True)
    expected = integer_toy(8)
    assert [(s.h[0], s.c[0]) for s in trace.steps] == expected
    for step in trace.steps:
        assert type(step.h[0]) is int
        assert type(step.c[0]) is int
    assert len(str(trace.steps[5].h[0])) == 95
    assert len(str(trace.steps[5].c[0])) == 64
    assert trace.steps[3].h[0] == 35_686_309_296
    assert trace.steps[3].c[0] == 11_110_308


def test_exact_mode_keeps_fractions():
    # one step, x = 1/2, weights 1/3, bias 0, linear: z = 1/6 for every gate,
    # c = z*0 + z*z = 1/36, h = z*c = 1/216
    weights = LSTMWeights.constant(Fraction(1, 3))
    trace = forward([Fraction(1, 2)], weights, **TOY, exact=True)
    assert trace.steps[0].z["input"][0] == Fraction(1, 6)
    assert trace.state_c[0] == Fraction(1, 36)
    assert trace.state_h[0] == Fraction(1, 216)


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


def test_float64_is_exact_at_step_four_and_float32_rounds_like_keras():
    assert toy_trace(4).state_h[0] == 35_686_309_296
    # float32 has a 24-bit significand: 35,686,309,296 rounds to 35,686,309,888.
    assert float(np.float32(35_686_309_296)) == 35_686_309_888
    assert toy_trace(4, dtype="float32").state_h[0] == 35_686_309_888
    assert toy_trace(4, dtype="float32").state_h.dtype == np.float32


def test_float_overflow_warns_with_the_step():
    # float64 max is about 1.8e308; step 7's h is about 1e285 (finite), step 8 overflows.
    with pytest.warns(LSTMOverflowWarning, match=r"time step 8\b.*exact=True"):
        trace = toy_trace(8)
    assert math.isfinite(trace.steps[6].h[0])
    assert not math.isfinite(trace.steps[7].h[0])


def test_no_overflow_warning_for_a_healthy_run():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        toy_trace(7)


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
        assert step.z["forget"][0] == pytest.approx(z, abs=1e-15)
        assert step.gates["input"][0] == pytest.approx(i, abs=1e-15)
        assert step.gates["candidate"][0] == pytest.approx(g, abs=1e-15)
        assert step.c[0] == pytest.approx(c, abs=1e-15)
        assert step.h[0] == pytest.approx(h, abs=1e-15)


def test_gate_slices_follow_keras_order():
    # One unit, bias (i, f, g, o) = (1, 2, 3, 4) and zero weights: z equals the bias per gate.
    weights = LSTMWeights(np.zeros((1, 4)), np.zeros((1, 4)), np.array([1.0, 2, 3, 4]))
    step = forward([0], weights, **TOY).steps[0]
    assert [step.z[g][0] for g in GATES] == [1, 2, 3, 4]
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


def test_initial_state_is_used():
    # toy network from h0 = 1, c0 = 1 is step 2 of the zero-state run: z = 2, c = 6, h = 12
    trace = forward([1], LSTMWeights.constant(1.0), **TOY, initial_state=([1.0], [1.0]))
    assert (trace.state_h[0], trace.state_c[0]) == (12, 6)


def test_initial_state_per_batch_row():
    trace = forward(
        [[[1]], [[1]]],
        LSTMWeights.constant(1.0),
        **TOY,
        initial_state=([[0.0], [1.0]], [[0.0], [1.0]]),
    )
    assert trace.state_h.tolist() == [[1], [12]]


def test_mask_carries_state_and_repeats_output():
    # Step 2 masked: h and c stay at step 1's (1, 1); step 3 then is the zero-state step 2.
    trace = forward([1, 1, 1], LSTMWeights.constant(1.0), **TOY, mask=[True, False, True])
    assert trace.sequence_out[:, 0].tolist() == [1, 1, 12]
    assert trace.state_h.tolist() == [12]
    assert trace.state_c.tolist() == [6]
    assert trace.steps[1].mask == np.False_


def test_masked_first_step_outputs_zero_but_keeps_initial_state():
    # Keras: the output for a masked first step is zeros; the state stays h0, c0.
    trace = forward(
        [1, 1], LSTMWeights.constant(1.0), **TOY, mask=[False, True], initial_state=([1.0], [1.0])
    )
    assert trace.sequence_out[:, 0].tolist() == [0, 12]
    assert trace.steps[0].h.tolist() == [1]


def test_mask_per_batch_row():
    trace = forward(
        [[[1], [1]], [[1], [1]]],
        LSTMWeights.constant(1.0),
        **TOY,
        mask=[[True, True], [True, False]],
    )
    assert trace.state_h.tolist() == [[12], [1]]
    assert trace.steps[1].mask.tolist() == [True, False]


def test_callable_activation():
    trace = forward(
        [1, 1, 1],
        LSTMWeights.constant(1.0),
        activation=lambda a: a,
        recurrent_activation=lambda a: a,
    )
    assert trace.state_h.tolist() == [3211]


def test_activation_none_means_linear():
    trace = forward(
        [1, 1, 1], LSTMWeights.constant(1.0), activation=None, recurrent_activation=None
    )
    assert trace.activation == "linear"
    assert trace.state_h.tolist() == [3211]


def test_trace_is_read_only_and_to_dict_is_json_safe():
    import dataclasses
    import json

    trace = toy_trace(2, exact=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        trace.state_h = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        trace.steps[0].gates["input"] = 0  # type: ignore[index]
    doc = json.loads(json.dumps(trace.to_dict()))
    assert doc["state_h"] == [12]
    assert doc["steps"][1]["gates"]["forget"] == [2]
    assert doc["weights"]["bias"] == [0, 0, 0, 0]


def test_exact_mode_keeps_big_integers_and_takes_floats_at_their_stored_value():
    big = 2**60 + 1  # float64 would round this to 2**60
    trace = forward([big], LSTMWeights.constant(1), **TOY, exact=True)
    assert trace.steps[0].z["input"][0] == big
    tenth = forward([0.1], LSTMWeights.constant(1), **TOY, exact=True).steps[0].x[0]
    assert tenth == Fraction(3602879701896397, 36028797018963968)  # the double nearest 0.1
    assert forward([Fraction("0.1")], LSTMWeights.constant(1), **TOY, exact=True).steps[0].x[
        0
    ] == Fraction(1, 10)


def test_recording_chosen_units_keeps_their_columns_and_every_state():
    # Recording is a view of the same computation: the chosen units' gate columns, in
    # the order asked for, and the states whole (every h_prev enters every gate).
    weights = LSTMWeights.random(2, 3, seed=9)
    x = np.random.default_rng(9).normal(size=(2, 4, 2))
    full = forward(x, weights)
    part = forward(x, weights, units=[2, 0])
    assert part.units == (2, 0)
    assert part.recorded_units == (2, 0)
    for a, b in zip(full.steps, part.steps, strict=True):
        for gate in GATES:
            assert b.gates[gate].shape == (2, 2)
            np.testing.assert_array_equal(b.gates[gate], a.gates[gate][:, [2, 0]])
            np.testing.assert_array_equal(b.z[gate], a.z[gate][:, [2, 0]])
        np.testing.assert_array_equal(b.h, a.h)
        np.testing.assert_array_equal(b.c_prev, a.c_prev)
    np.testing.assert_array_equal(part.sequence_out, full.sequence_out)


def test_recorded_units_in_the_table_and_the_hand_calculation():
    from lstm_explained import LSTMInputError, hand_calculation, trace_table

    weights = LSTMWeights.constant(1, units=3)
    part = forward([1, 1], weights, **TOY, exact=True, units=[1])
    full = forward([1, 1], weights, **TOY, exact=True)
    assert hand_calculation(part, 2) == hand_calculation(full, 2, units=[1])
    assert "unit 2:" in hand_calculation(part, 2)
    assert trace_table(part) == trace_table(full, units=[1])
    with pytest.raises(LSTMInputError, match=r"unit 0 was not recorded; .* units \[1\]"):
        hand_calculation(part, 1, units=[0])
    with pytest.raises(LSTMInputError, match=r"units must hold unit numbers from 0 to 2; got 3"):
        forward([1], weights, units=[3])
    with pytest.raises(LSTMInputError, match=r"units lists unit 1 twice"):
        forward([1], weights, units=[1, 1])
    from lstm_explained import backward

    with pytest.raises(LSTMInputError, match=r"backward\(\) needs every unit's gates"):
        backward(part, np.ones((2, 3)))
