"""Lines of a gradient's way back through time: values worked by hand, lines that add up
by tests/docs/arithmetic.py's own parser."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from lstm_explained import LSTMInputError, LSTMWeights, RNNWeights, backward, forward
from lstm_explained.explain.through_time import cell_state_lines, gradient_sizes, plain_lines
from tests.docs.arithmetic import checked_lines, lines_that_do_not_add_up

X, U = [0.5, -0.5, 1.0], 0.5


def plain_run():
    """A plain tanh cell, W = 1, U = 0.5, no bias, L = h_3."""
    trace = forward(X, RNNWeights(np.array([[1.0]]), np.array([[U]]), None))
    return trace, backward(trace, np.zeros((3, 1)), d_state_h=[1.0])


def by_hand():
    """h_t = tanh(x_t + U h_{t-1}); going back, dh_{t-1} = dh_t (1 - h_t²) U."""
    h, hs = 0.0, []
    for x in X:
        h = math.tanh(x + U * h)
        hs.append(h)
    dh = [0.0, 0.0, 1.0]
    dh[1] = dh[2] * (1 - hs[2] ** 2) * U
    dh[0] = dh[1] * (1 - hs[1] ** 2) * U
    before_first = dh[0] * (1 - hs[0] ** 2) * U
    return hs, dh, before_first


def toy_run():
    """The article's toy LSTM (identity activations, weights 1), exact, with L = h_3."""
    weights = LSTMWeights.constant(1)
    trace = forward([1, 1, 1], weights, activation="linear", recurrent_activation="linear",
                    exact=True)  # fmt: skip
    return trace, backward(trace, [[0], [0], [0]], d_state_h=[1])


def test_the_plain_cells_gradient_at_each_step_is_the_product_of_its_factors():
    _, grads = plain_run()
    _, dh, _ = by_hand()
    assert gradient_sizes(grads) == pytest.approx(dh, rel=1e-12)


def test_each_plain_line_shows_h_and_the_result_worked_by_hand_and_adds_up():
    trace, grads = plain_run()
    hs, dh, before_first = by_hand()
    lines = plain_lines(trace, grads, [3, 2, 1])
    assert [line.split(":")[0] for line in lines] == ["step 3", "step 2", "step 1"]
    for line, h, result in zip(lines, hs[::-1], [dh[1], dh[0], before_first], strict=True):
        numbers = re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", line.split(" = ")[-2])
        # "dh×(1-h×h)×U": dh, 1, h, h, U (h in brackets when negative)
        assert abs(float(numbers[2])) == pytest.approx(abs(h), rel=1e-3)
        assert float(line.split(" = ")[-1]) == pytest.approx(result, rel=1e-3)
    # each line adds up from its own digits (a line shows as many as it needs)
    assert [lines_that_do_not_add_up(line) for line in lines] == [[], [], []]
    assert sum(checked_lines(line) for line in lines) == 3


def test_the_cell_state_line_of_the_toy_network():
    # L = h_3 = o_3 c_3 with identity activations: dc_3 = dh_3 × o_3 = 1 × 13 = 13, and c_2
    # gets dc_3 × f_3 = 13 × 13 = 169 (z_3 = x + h_2 = 1 + 12 = 13 for every gate).
    trace, grads = toy_run()
    assert cell_state_lines(trace, grads, [3]) == ["step 3: dc_prev = 13×13 = 169"]
    assert gradient_sizes(grads, "c")[2] == 13
    assert gradient_sizes(grads, "h")[1:] == (663, 1)  # tests/engine/test_backward.py


def test_lines_for_the_wrong_cell_or_a_slope_other_than_tanhs_are_refused():
    trace, grads = plain_run()
    with pytest.raises(LSTMInputError, match="these lines are a LSTM's; the trace is a RNN's"):
        cell_state_lines(trace, grads, [1])
    _toy, toy_grads = toy_run()
    with pytest.raises(LSTMInputError, match="backward\\(\\)'s Gradients of this trace"):
        plain_lines(trace, toy_grads, [1])
    relu = forward(X, RNNWeights(np.array([[1.0]]), np.array([[U]]), None), activation="relu")
    relu_grads = backward(relu, np.zeros((3, 1)), d_state_h=[1.0])
    with pytest.raises(LSTMInputError, match="1 units and activation 'relu'"):
        plain_lines(relu, relu_grads, [1])
    with pytest.raises(LSTMInputError, match=r"one of the cell's states \(h\); got 'c'"):
        gradient_sizes(grads, "c")
