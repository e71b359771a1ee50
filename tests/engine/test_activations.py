"""Activations follow Keras 3's definitions."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from lstm_explained.engine.activations import ACTIVATIONS, EXACT_ACTIVATIONS, resolve

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
