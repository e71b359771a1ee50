"""forward(): the time loop every cell shares. Batch axes and initial states, masks,
exact and float32 runs, overflow, the activations it is given, the units it records,
and the error each malformed argument gets. Golden values are derived by hand."""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest

from lstm_explained import GATES, LSTMInputError, LSTMOverflowWarning, LSTMWeights, forward
from tests.engine.toy import TOY, W, toy_trace


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
    assert trace.steps[0].a["input"][0] == Fraction(1, 6)
    assert trace.state_c[0] == Fraction(1, 36)
    assert trace.state_h[0] == Fraction(1, 216)


def test_exact_mode_keeps_big_integers_and_takes_floats_at_their_stored_value():
    big = 2**60 + 1  # float64 would round this to 2**60
    trace = forward([big], LSTMWeights.constant(1), **TOY, exact=True)
    assert trace.steps[0].a["input"][0] == big
    tenth = forward([0.1], LSTMWeights.constant(1), **TOY, exact=True).steps[0].x[0]
    assert tenth == Fraction(3602879701896397, 36028797018963968)  # the double nearest 0.1
    assert forward([Fraction("0.1")], LSTMWeights.constant(1), **TOY, exact=True).steps[0].x[
        0
    ] == Fraction(1, 10)


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
            np.testing.assert_array_equal(b.a[gate], a.a[gate][:, [2, 0]])
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


def test_weights_must_be_lstm_weights():
    with pytest.raises(LSTMInputError, match=r"weights must be an LSTMWeights; got \[1, 1\]"):
        forward([1], [1, 1])


def test_bad_flags():
    with pytest.raises(LSTMInputError, match="exact must be True or False"):
        forward([1], W, exact="yes")
    with pytest.raises(LSTMInputError, match="dtype must be 'float64' or 'float32'"):
        forward([1], W, dtype="float16")


@pytest.mark.parametrize(
    ("inputs", "pattern"),
    [
        ([], r"inputs is an empty sequence"),
        (np.zeros((2, 0, 1)), r"inputs is an empty sequence"),
        (np.zeros((0, 3, 1)), r"batch of 0 sequences"),
        (5, r"inputs must be a sequence.*got the single number 5"),
        (np.zeros((1, 1, 1, 1)), r"got shape \(1, 1, 1, 1\)"),
        (
            [[1, 2], [3, 4]],
            r"inputs has 2 feature\(s\) per time step but the weights expect input_dim=1",
        ),
        ([1, "x", 1], r"inputs must hold real numbers; found 'x' at index \[1\]"),
        ("111", r"inputs must hold numbers, not the string '111'"),
        ([1, None], r"found None at index \[1\]"),
        ([1, float("nan"), 1], r"inputs contains NaN at index \[1\]"),
        ([[1], [float("inf")]], r"inputs contains inf at index \[1, 0\]"),
        ([[1], [1, 2]], r"inputs is ragged"),
    ],
)
def test_bad_inputs(inputs, pattern):
    with pytest.raises(LSTMInputError, match=pattern):
        forward(inputs, W)


def test_flat_list_with_several_features_expected():
    with pytest.raises(LSTMInputError, match=r"read as 3 time steps of one feature.*input_dim=3"):
        forward([1, 1, 1], LSTMWeights.constant(1.0, input_dim=3))


@pytest.mark.parametrize(
    ("state", "pattern"),
    [
        ([0.0], r"initial_state must be a pair \(h0, c0\); got 1 item"),
        (np.zeros((2, 1)), r"initial_state must be a pair \(h0, c0\); got an array"),
        ("hc", r"initial_state must be a pair"),
        (
            ([0.0, 0.0], [0.0]),
            r"initial_state\[0\] \(h0\) must have shape \(units,\) = \(1,\) "
            r"or \(batch, units\) = \(1, 1\); got shape \(2,\)",
        ),
        (([0.0], [[0.0], [0.0]]), r"initial_state\[1\] \(c0\) must have shape.*got shape \(2, 1\)"),
        (([0.0], [float("nan")]), r"initial_state\[1\] \(c0\) contains NaN"),
    ],
)
def test_bad_initial_state(state, pattern):
    with pytest.raises(LSTMInputError, match=pattern):
        forward([1, 1], W, initial_state=state)


@pytest.mark.parametrize(
    ("mask", "pattern"),
    [
        ([True, False], r"mask must have shape \(time,\) = \(3,\); got shape \(2,\)"),
        ([[True, True, True]] * 2, r"mask must have shape \(time,\) = \(3,\); got shape \(2, 3\)"),
        ([1, 0, 2], r"mask must hold booleans.*found 2 at index \[2\]"),
        ([True, "no", True], r"mask must hold booleans.*found 'no'"),
    ],
)
def test_bad_mask(mask, pattern):
    with pytest.raises(LSTMInputError, match=pattern):
        forward([1, 1, 1], W, mask=mask)


def test_bad_mask_batched_names_both_shapes():
    with pytest.raises(LSTMInputError, match=r"\(batch, time\) = \(2, 3\) or \(time,\) = \(3,\)"):
        forward(np.ones((2, 3, 1)), W, mask=np.ones((3, 2), bool))
