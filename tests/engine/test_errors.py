"""Every bad input gets an LSTMInputError that names the argument and what was expected."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_explained import LSTMInputError, LSTMWeights, forward
from lstm_explained.diagnose.diff import default_inputs, diff_layers
from lstm_explained.saved.layer import SavedLayer

W = LSTMWeights.constant(1.0)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        (
            {"kernel": np.ones((1, 3)), "recurrent_kernel": np.ones((1, 4))},
            r"kernel must have shape \(input_dim, 4\*units\).*got shape \(1, 3\)",
        ),
        (
            {"kernel": np.ones(4), "recurrent_kernel": np.ones((1, 4))},
            r"kernel must have shape.*got shape \(4,\)",
        ),
        ({"kernel": np.ones((0, 4)), "recurrent_kernel": np.ones((1, 4))}, r"input_dim 0"),
        (
            {"kernel": np.ones((2, 8)), "recurrent_kernel": np.ones((1, 8))},
            r"recurrent_kernel must have shape \(units, 4\*units\) = \(2, 8\).*got shape \(1, 8\)",
        ),
        (
            {"kernel": np.ones((1, 4)), "recurrent_kernel": np.ones((1, 4)), "bias": np.ones(8)},
            r"bias must have shape \(4\*units,\) = \(4,\).*got shape \(8,\)",
        ),
        (
            {"kernel": [[1, 1, np.nan, 1]], "recurrent_kernel": np.ones((1, 4))},
            r"kernel contains NaN at index \[0, 2\]",
        ),
        (
            {"kernel": np.ones((1, 4)), "recurrent_kernel": [[1, np.inf, 1, 1]]},
            r"recurrent_kernel contains inf",
        ),
        (
            {"kernel": [["a", 1, 1, 1]], "recurrent_kernel": np.ones((1, 4))},
            r"kernel must hold real numbers; found 'a'",
        ),
        (
            {"kernel": [[1, 1, 1, 1], [1, 1]], "recurrent_kernel": np.ones((1, 4))},
            r"kernel is ragged",
        ),
        (
            {"kernel": np.ones((1, 4)), "recurrent_kernel": np.ones((1, 4)), "bias": [None] * 4},
            r"bias must hold real numbers; found None",
        ),
    ],
)
def test_bad_weights(kwargs, pattern):
    with pytest.raises(LSTMInputError, match=pattern):
        LSTMWeights(**kwargs)


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: LSTMWeights.constant(1.0, units=0), r"units must be a positive integer; got 0"),
        (lambda: LSTMWeights.constant(1.0, input_dim=1.5), r"input_dim must be a positive"),
        (lambda: LSTMWeights.constant(1.0, bias={"forgot": 1}), r"unknown gates \['forgot'\]"),
        (lambda: LSTMWeights.random(2, -1, seed=0), r"units must be a positive integer; got -1"),
        (lambda: W.gate("cell"), r"unknown gate 'cell'; gates are input, forget"),
    ],
)
def test_bad_weight_constructors(call, pattern):
    with pytest.raises(LSTMInputError, match=pattern):
        call()


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


def test_unknown_activation_lists_the_valid_ones():
    with pytest.raises(
        LSTMInputError,
        match=r"activation='softmax' is not a known activation; use one of linear, sigmoid, "
        r"hard_sigmoid, tanh, relu",
    ):
        forward([1], W, activation="softmax")
    with pytest.raises(LSTMInputError, match=r"recurrent_activation=3 is not a known"):
        forward([1], W, recurrent_activation=3)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_exact_mode_refuses_irrational_activations(name):
    with pytest.raises(LSTMInputError, match=rf"exact=True cannot use activation='{name}'"):
        forward([1], W, activation=name, recurrent_activation="linear", exact=True)


def test_exact_mode_refuses_a_callable_that_returns_floats():
    def halve(a):
        return a * 0.5

    with pytest.raises(LSTMInputError, match=r"callable 'halve' returned the float 0.5"):
        forward([1], W, activation="linear", recurrent_activation=halve, exact=True)


def test_weights_must_be_lstm_weights():
    with pytest.raises(LSTMInputError, match=r"weights must be an LSTMWeights; got \[1, 1\]"):
        forward([1], [1, 1])


def test_bad_flags():
    with pytest.raises(LSTMInputError, match="exact must be True or False"):
        forward([1], W, exact="yes")
    with pytest.raises(LSTMInputError, match="dtype must be 'float64' or 'float32'"):
        forward([1], W, dtype="float16")


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda a: diff_layers(a, W), r"b must be a SavedLayer; got LSTMWeights"),
        (lambda a: diff_layers(a, a, tolerance=0), r"tolerance must be a positive number; got 0"),
        (lambda a: diff_layers(a, a, tolerance=float("nan")), r"tolerance must be a positive"),
        (lambda a: diff_layers(a, a, np.zeros((4, 3))), r"inputs has 3 feature\(s\) per time"),
        (
            lambda a: diff_layers(a, SavedLayer("B", "torch", W, bias_halves=(np.zeros(4),))),
            r"B.bias_halves must be \(input side, recurrent side\), two arrays of shape \(4,\)",
        ),
        (lambda a: default_inputs(0), r"input_dim must be a positive integer; got 0"),
        (lambda a: default_inputs(2, steps=1.5), r"steps must be a positive integer; got 1.5"),
    ],
)
def test_bad_diff_arguments(call, pattern):
    with pytest.raises(LSTMInputError, match=pattern):
        call(SavedLayer("A", "keras", W))


def test_errors_are_value_errors():
    assert issubclass(LSTMInputError, ValueError)
