"""backward_working.py: backpropagation by hand, checked literally, and every line of it
redone from the digits it shows by tests/docs/arithmetic.py (its own parser)."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_explained import (
    GRUWeights,
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


EXACT = {**TOY, "exact": True}


def variant_toy(**variant):
    """One unit, every weight 1, zero bias, identity activations, one variant on."""
    return LSTMWeights([[1, 1, 1, 1]], [[1, 1, 1, 1]], [0, 0, 0, 0], **variant)


def lines_of(weights, t, inputs=(1, 1)):
    trace = forward(list(inputs), weights, **EXACT)
    return hand_backward(trace, backward(trace, sum_of_outputs(trace).d_sequence_out), t)


def test_peepholes_send_da_o_into_dc_and_da_i_da_f_into_dc_prev():
    # P = (1/2, 1/4, 2), L = h1 + h2 (forward by hand in test_variant_hand.py: step 2 has
    # i = 9/2, f = 17/4, g = 4, c_prev = 1, c = 89/4, o = 97/2). At step 2: dh = 1,
    # do = dh×c = 89/4, dc = dh×o + da_o×p_o = 97/2 + 89/4×2 = 93, di = 93×4 = 372,
    # df = 93×1 = 93, dg = 93×9/2 = 837/2; dh_prev = 372 + 93 + 837/2 + 89/4 = 3623/4,
    # dc_prev = 93×17/4 + 372×1/2 + 93×1/4 = 1209/2
    lines = lines_of(variant_toy(peephole=[[0.5], [0.25], [2]]), 2).splitlines()
    assert [line.split(":")[0] for line in lines[1:5]] == [
        "hidden state", "output gate", "              da_o = do×linear'(a_o) = (89/4)×1 = 89/4",
        "cell state"]  # fmt: skip
    assert lines[4] == ("cell state:   dc = 0 (from the final state) + dh×o×linear'(c) + "
                        "da_o×p_o = 0 + 1×(97/2)×1 + (89/4)×2 = 93")  # fmt: skip
    assert lines[-2].endswith(" = 372×1 + 93×1 + (837/2)×1 + (89/4)×1 = 3623/4")
    assert lines[-1] == ("              dc_prev = dc×f + da_i×p_i + da_f×p_f = "
                         "93×(17/4) + 372×0.5 + 93×0.25 = 1209/2")  # fmt: skip


def test_coupled_gates_give_i_what_f_would_have_got_and_f_no_lines():
    # f = 1 - i. Step 2: i = 2, f = -1, g = 2, c_prev = 1, o = 2, c = 3; dh = 1,
    # dc = 1×2 = 2, di = dc×g - dc×c_prev = 4 - 2 = 2, dg = dc×i = 4, do = c = 3;
    # dh_prev = 2 + 4 + 3 = 9 (no forget block), dc_prev = dc×f = -2
    lines = lines_of(variant_toy(input_forget=True), 2).splitlines()
    assert "input gate:   di = dc×g - dc×c_prev = 2×2 + 2×(-1) = 2" in lines
    assert not any("df" in line or "da_f" in line for line in lines)
    assert lines[-2:] == ["to step 1:    dh_prev = Σ da×U = 2×1 + 4×1 + 3×1 = 9",
                          "              dc_prev = dc×f = 2×(-1) = -2"]  # fmt: skip


def test_no_gradient_passes_a_clip_that_bit():
    # clip 3/2: every a at step 2 is 2, clipped, so every da is 0 and dh_prev = 0;
    # dc = dh×o = 3/2, dc_prev = dc×f = 3/2×3/2 = 9/4
    lines = lines_of(variant_toy(clip=1.5), 2).splitlines()
    said = [line for line in lines if "no gradient passes the clip" in line]
    assert [line.split(" (")[0].strip() for line in said] == [
        "da_i = 0", "da_f = 0", "da_g = 0", "da_o = 0"]  # fmt: skip
    assert lines[-2:] == ["to step 1:    dh_prev = Σ da×U = 0×1 + 0×1 + 0×1 + 0×1 = 0",
                          "              dc_prev = dc×f = (3/2)×(3/2) = 9/4"]  # fmt: skip
    assert "clip" not in lines_of(variant_toy(clip=1.5), 1)  # step 1's a = 1: inside


def test_a_projection_writes_each_units_dm_from_dh():
    # W_hr = (1, 1/2) over two units (forward in test_variant_hand.py: step 2 has unit 1
    # gates 6, c_prev 1, c 42; unit 2 gates 7, c_prev 4, c 77). dh = 1, dm = (1, 1/2);
    # unit 1: dc = 1×6 = 6, di = dg = 36, df = 6, do = 42; unit 2: dc = 1/2×7 = 7/2,
    # di = dg = 49/2, df = 14, do = 77/2; dh_prev = 120 + 14 + 175/2 = 443/2,
    # dc_prev = (6×6, 7/2×7) = (36, 49/2)
    weights = LSTMWeights([[1, 2] * 4], [[1] * 8], [0] * 8, projection=[[1], [0.5]])
    lines = lines_of(weights, 2).splitlines()
    assert lines[1] == "hidden state: dh = 1 (output) + 0 (from the final state) = 1"
    assert "to project:   dm = dh×W_hr = 1×0.5 = 1/2" in lines  # unit 2's
    assert "output gate:  do = dm×linear(c) = (1/2)×77 = 77/2" in lines
    assert lines[-3].endswith(" = 443/2")
    assert lines[-2:] == ["              dc_prev (unit 1) = dc×f = 6×6 = 36",
                          "              dc_prev (unit 2) = dc×f = (7/2)×7 = 49/2"]  # fmt: skip


@pytest.mark.parametrize("seed", range(4))
def test_every_variants_backward_line_adds_up_in_floats(seed):
    # all four variants at once, three units, h of two values; redone by
    # tests/docs/arithmetic.py from the digits shown
    rng = np.random.default_rng(seed)
    weights = LSTMWeights.random(2, 3, seed=seed).replace(
        peephole=rng.normal(size=(3, 3)), clip=0.75, input_forget=seed % 2 == 0,
        projection=rng.normal(size=(3, 2)), recurrent_kernel=rng.normal(size=(2, 12)),
    )  # fmt: skip
    trace = forward(rng.normal(size=(3, 2)), weights)
    grads = backward(trace, mean_squared_error(trace, np.zeros((3, 2))).d_sequence_out)
    blocks = [hand_backward(trace, grads, t, digits=4) for t in (1, 2, 3)]
    assert lines_that_do_not_add_up(*blocks) == []
    said = sum(block.count("no gradient passes the clip") for block in blocks)
    assert said > 0
    # per step: dh of h's 2 values; per unit dm, dc and 2 lines a gate (f has none when
    # coupled); dh_prev per value of h, dc_prev per unit. A clip's da line says, not sums.
    gate_lines = 6 if seed % 2 == 0 else 8
    assert checked_lines(*blocks) + said == 3 * (2 + 3 * (2 + gate_lines) + 2 + 3)
