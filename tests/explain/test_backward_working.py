"""backward_working.py: backpropagation by hand, checked literally, and every line of it
redone from the digits it shows by tests/docs/arithmetic.py (its own parser)."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_explained import (
    GRUWeights,
    LSTMInputError,
    LSTMWeights,
    backward,
    forward,
    hand_backward,
    mean_squared_error,
    sum_of_outputs,
)
from lstm_explained.explain.backward_working import backward_working
from tests.docs.arithmetic import checked_lines, lines_that_do_not_add_up

TOY = {"activation": "linear", "recurrent_activation": "linear"}


def toy(**kwargs):
    return forward([1, 1, 1], LSTMWeights.constant(1.0), **TOY, **kwargs)


def test_backward_hand_calculation_of_step_three():
    # L = h1 + h2 + h3; at step 3, dh = 1 and every gate is 13 (see test_backward.py).
    trace = toy(exact=True)
    grads = backward(trace, sum_of_outputs(trace).d_sequence_out)
    assert hand_backward(trace, grads, 3) == "\n".join(
        [
            "time step 3, backwards (dL/dX is written dX):",
            "hidden state: dh = 1 (output) + 0 (from the final state) = 1",
            "cell state:   dc = 0 (from the final state) + dh×o×linear'(c) = 0 + 1×13×1 = 13",
            # the gates in the order of the equations, i, f, g, o
            "input gate:   di = dc×g = 13×13 = 169",
            "              da_i = di×linear'(a_i) = 169×1 = 169",
            "forget gate:  df = dc×c_prev = 13×6 = 78",
            "              da_f = df×linear'(a_f) = 78×1 = 78",
            "candidate:    dg = dc×i = 13×13 = 169",
            "              da_g = dg×linear'(a_g) = 169×1 = 169",
            "output gate:  do = dh×linear(c) = 1×247 = 247",
            "              da_o = do×linear'(a_o) = 247×1 = 247",
            "to step 2:    dh_prev = Σ da×U = 169×1 + 78×1 + 169×1 + 247×1 = 663",
            "              dc_prev = dc×f = 13×13 = 169",
        ]
    )
    assert "to h0, c0:" in hand_backward(trace, grads, 1)


@pytest.mark.parametrize("seed", range(4))
def test_every_line_adds_up_from_the_digits_it_shows(seed):
    # Random weights with two decimals, sigmoid and tanh, two units: the gradients are
    # long decimals, so lines need more than four digits here and there.
    rng = np.random.default_rng(seed)
    weights = LSTMWeights(rng.normal(size=(1, 8)).round(2), rng.normal(size=(2, 8)).round(2),
                          rng.normal(size=8).round(2))  # fmt: skip
    trace = forward(rng.normal(size=(3, 1)).round(2), weights)
    loss = mean_squared_error(trace, np.zeros((3, 2)))
    grads = backward(trace, loss.d_sequence_out)
    blocks = [hand_backward(trace, grads, t, digits=4) for t in (1, 2, 3)]
    assert lines_that_do_not_add_up(*blocks) == []
    # per step: dh, dc and 8 gate lines per unit, dh_prev and dc_prev per unit
    assert checked_lines(*blocks) == 3 * 2 * (2 + 8 + 2)


def test_one_units_lines_by_what_they_compute():
    trace = toy(exact=True)
    grads = backward(trace, sum_of_outputs(trace).d_sequence_out)
    lines = backward_working(trace, grads, 2)
    # step 2 by hand: dh = 1 + 663 = 664, dc = 169 + 664×2×1 = 1497, di = 1497×2 = 2994
    assert [lines[k].result for k in ("dh", "dc", "d_input", "dh_prev")] == [
        "664", "1497", "2994", "11469",
    ]  # fmt: skip
    assert lines["dc"].arithmetic == "169 + 664×2×1"


def test_a_gru_has_no_backward_hand_calculation_yet():
    trace = forward([1], GRUWeights.constant(1), **TOY)
    grads = backward(trace, sum_of_outputs(trace).d_sequence_out)
    with pytest.raises(NotImplementedError, match="this trace is a GRU's"):
        hand_backward(trace, grads, 1)


@pytest.mark.parametrize(
    "variant",
    [
        {"peephole": np.ones((3, 1))},
        {"input_forget": True},
        {"clip": 1.5},
        {"projection": np.ones((1, 1))},
    ],
)
def test_an_lstm_variants_backward_is_refused_saying_which(variant):
    # the forward lines write the variants (variant_hand); the backward ones do not yet
    trace = forward([1, 1], LSTMWeights.constant(1.0).replace(**variant), **TOY)
    grads = backward(trace, sum_of_outputs(trace).d_sequence_out)
    with pytest.raises(LSTMInputError, match=f"this one has {next(iter(variant))}, whose terms"):
        hand_backward(trace, grads, 1)
