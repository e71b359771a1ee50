"""Activations follow Keras 3's definitions; a name that is not one, or one exact mode
cannot use, is refused with the names that fit."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from lstm_explained import LSTMInputError, forward
from lstm_explained.engine.activations import ACTIVATIONS, EXACT_ACTIVATIONS, resolve
from tests.engine.toy import W

POINTS = np.array([-10.0, -3.0, -1.0, 0.0, 0.5, 3.0, 10.0])

REFERENCE = {
    "linear": lambda v: v,
    "sigmoid": lambda v: 1 / (1 + math.exp(-v)),
    # Keras 3: relu6(x + 3) / 6 (Keras 2 used 0.2 x + 0.5 instead)
    "hard_sigmoid": lambda v: min(max(v + 3, 0), 6) / 6,
    "tanh": math.tanh,
    "relu": lambda v: max(v, 0.0),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_float_activation_matches_its_definition(name):
    got = resolve(name, argument="activation", exact=False).fn(POINTS)
    np.testing.assert_allclose(got, [REFERENCE[name](v) for v in POINTS], rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("name", EXACT_ACTIVATIONS)
def test_exact_activation_matches_its_definition(name):
    points = np.array([Fraction(-7, 2), -3, Fraction(1, 3), 0, 3, 4], dtype=object)
    got = resolve(name, argument="activation", exact=True).fn(points)
    expected = {
        "linear": list(points),
        "hard_sigmoid": [Fraction(min(max(v + 3, 0), 6), 6) for v in points],
        "relu": [max(v, 0) for v in points],
    }[name]
    assert list(got) == expected
    assert all(isinstance(v, (int, Fraction)) for v in got)


def test_sigmoid_saturates_without_overflow_warnings():
    with np.errstate(all="raise"):
        assert resolve("sigmoid", argument="a", exact=False).fn(np.array([-1000.0]))[0] == 0.0


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
