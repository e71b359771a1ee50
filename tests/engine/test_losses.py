"""The losses and their gradients with respect to sequence_out, against their
definitions worked out here, exact for exact traces, and against central differences."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np
import pytest

from lstm_explained import LSTMWeights, forward, mean_squared_error, sum_of_outputs
from tests.calculus import numeric_gradient
from tests.engine.toy import toy_trace


def test_mean_squared_error_matches_its_definition():
    trace = forward([1, 2], LSTMWeights.constant(0.5))
    targets = [[0.25], [-1.0]]
    loss = mean_squared_error(trace, targets)
    out = trace.sequence_out[:, 0]
    assert loss.value == pytest.approx(((out[0] - 0.25) ** 2 + (out[1] + 1) ** 2) / 2)
    np.testing.assert_allclose(loss.d_sequence_out[:, 0], [out[0] - 0.25, out[1] + 1.0])


def test_sum_of_outputs_of_the_toy_network_and_its_gradient_of_ones():
    # h = 1, 12, 3211 (by hand, tests/engine/test_lstm.py): L = 1 + 12 + 3211 = 3224
    exact = sum_of_outputs(toy_trace(exact=True))
    assert exact.value == 3224
    assert type(exact.value) is int
    assert exact.d_sequence_out.tolist() == [[1], [1], [1]]
    floats = sum_of_outputs(toy_trace())
    assert floats.value == 3224.0
    assert floats.d_sequence_out.dtype == np.float64
    assert floats.d_sequence_out.tolist() == [[1.0], [1.0], [1.0]]


def test_an_exact_mean_squared_error_is_a_fraction_with_an_exact_gradient():
    # outputs 1, 12, 3211 against targets 0, 10, 3200: differences 1, 2, 11,
    # L = (1 + 4 + 121) / 3 = 42, dL/dout = 2 × difference / 3 = 2/3, 4/3, 22/3
    loss = mean_squared_error(toy_trace(exact=True), [[0], [10], [3200]])
    assert loss.value == 42
    assert type(loss.value) is int
    assert loss.d_sequence_out.tolist() == [[Fraction(2, 3)], [Fraction(4, 3)], [Fraction(22, 3)]]
    one_off = mean_squared_error(toy_trace(exact=True), [[0], [12], [3211]])
    assert one_off.value == Fraction(1, 3)  # only the first output is off, by 1: 1/3


def test_the_mean_squared_errors_gradient_matches_central_differences():
    trace = forward(
        np.random.default_rng(3).normal(size=(2, 4, 3)), LSTMWeights.random(3, 2, seed=3)
    )
    targets = np.random.default_rng(4).normal(size=trace.sequence_out.shape)
    out = trace.sequence_out.copy()  # (batch, time, units), moved entry by entry below

    def loss():
        return mean_squared_error(dataclasses.replace(trace, sequence_out=out), targets).value

    gradient = mean_squared_error(trace, targets).d_sequence_out
    np.testing.assert_allclose(gradient, numeric_gradient(loss, out), rtol=1e-6, atol=1e-9)
