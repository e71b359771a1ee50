"""The hand calculation of the LSTM variants: every expected number worked out on paper
with fractions (identity activations, exact mode), and float lines redone by
tests/docs/arithmetic.py's own parser."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_explained import LSTMWeights, forward, hand_calculation
from tests.docs.arithmetic import checked_lines, lines_that_do_not_add_up

TOY = {"activation": "linear", "recurrent_activation": "linear", "exact": True}


def toy(**variant):
    """One unit, every weight 1, zero bias, identity activations, with one variant on."""
    return LSTMWeights([[1, 1, 1, 1]], [[1, 1, 1, 1]], [0, 0, 0, 0], **variant)


def test_peepholes_add_their_terms_and_the_output_gate_sees_the_new_c():
    # P = (1/2, 1/4, 2). Step 1: a = 1 for i, f, g (c_prev = 0), c_1 = 1×0 + 1×1 = 1,
    # a_o = 1 + 2×c_1 = 3, h_1 = 3×1 = 3. Step 2 (x = 1, h_prev = 3, c_prev = 1):
    # a_i = 1 + 3 + 0 + 1/2 = 9/2, a_f = 4 + 1/4 = 17/4, a_g = 4,
    # c_2 = 17/4×1 + 9/2×4 = 89/4, a_o = 4 + 2×89/4 = 97/2, h_2 = 97/2 × 89/4 = 8633/8
    weights = toy(peephole=[[0.5], [0.25], [2]])
    text = hand_calculation(forward([1, 1], weights, **TOY), 2)
    assert text == "\n".join([
        "time step 2: x = 1, h_prev = 3, c_prev = 1",
        "input gate:   a_i = 1×1 + 3×1 + 0 + 0.5×1 (peephole) = 9/2",
        "              i = linear(9/2) = 9/2",
        "forget gate:  a_f = 1×1 + 3×1 + 0 + 0.25×1 (peephole) = 17/4",
        "              f = linear(17/4) = 17/4",
        "candidate:    a_g = 1×1 + 3×1 + 0 = 4",
        "              g = linear(4) = 4",
        "cell state:   c = f×c_prev + i×g = (17/4)×1 + (9/2)×4 = 89/4",
        "output gate:  a_o = 1×1 + 3×1 + 0 + 2×(89/4) (peephole, new c) = 97/2",
        "              o = linear(97/2) = 97/2",
        "hidden state: h = o×linear(c) = (97/2)×linear(89/4) = 8633/8",
    ])  # fmt: skip


def test_the_clip_gets_a_line_only_where_it_bites():
    # clip 3/2. Step 1: every a = 1, inside the clip: c_1 = h_1 = 1. Step 2: every
    # a = 1 + 1 = 2, clipped to 3/2: c_2 = 3/2×1 + 3/2×3/2 = 15/4, h_2 = 3/2×15/4 = 45/8
    trace = forward([1, 1], toy(clip=1.5), **TOY)
    assert "clipped" not in hand_calculation(trace, 1)
    lines = hand_calculation(trace, 2).splitlines()
    assert lines[1:4] == [
        "input gate:   a_i = 1×1 + 1×1 + 0 = 2",
        "clipped:      a_i = 3/2 (2 is outside [-1.5, 1.5])",
        "              i = linear(3/2) = 3/2",
    ]
    assert sum(line.startswith("clipped:") for line in lines) == 4  # every gate's a
    assert lines[-2:] == [
        "cell state:   c = f×c_prev + i×g = (3/2)×1 + (3/2)×(3/2) = 15/4",
        "hidden state: h = o×linear(c) = (3/2)×linear(15/4) = 45/8",
    ]


def test_coupled_gates_write_f_as_one_minus_i_and_no_forget_sum():
    # Step 1: i = 1, f = 1 - 1 = 0, c_1 = 0×0 + 1×1 = 1, h_1 = 1. Step 2: a = 2 for
    # every block, f = 1 - 2 = -1, c_2 = -1×1 + 2×2 = 3, h_2 = 2×3 = 6
    lines = hand_calculation(forward([1, 1], toy(input_forget=True), **TOY), 2).splitlines()
    assert "forget gate:  f = 1 - i = (1-2) = -1" in lines
    assert not any("a_f" in line for line in lines)
    assert lines[-2:] == [
        "cell state:   c = f×c_prev + i×g = (-1)×1 + 2×2 = 3",
        "hidden state: h = o×linear(c) = 2×linear(3) = 6",
    ]


def projected():
    """Two units (kernel 1 for unit 1, 2 for unit 2), h of one value: W_hr = (1, 1/2)."""
    return LSTMWeights([[1, 2] * 4], [[1] * 8], [0] * 8, projection=[[1], [0.5]])


def test_a_projection_writes_m_per_unit_then_h_as_its_sum():
    # Step 1 (h_0 = 0): unit 1 a = 1, c = 1, m = 1; unit 2 a = 2, c = 2×2 = 4, m = 2×4 = 8;
    # h_1 = 1×1 + 8×1/2 = 5. Step 2 (x = 1, h_prev = 5): unit 1 a = 6, c = 6×1 + 6×6 = 42,
    # m = 6×42 = 252; unit 2 a = 7, c = 7×4 + 7×7 = 77, m = 7×77 = 539;
    # h_2 = 252×1 + 539×1/2 = 1043/2
    lines = hand_calculation(forward([1, 1], projected(), **TOY), 2).splitlines()
    assert lines[0] == "time step 2: x = 1, h_prev = 5, c_prev = [1, 4]"
    assert "to project:   m = o×linear(c) = 6×linear(42) = 252" in lines
    assert "to project:   m = o×linear(c) = 7×linear(77) = 539" in lines
    assert lines[-1] == "hidden state: h = Σ m×W_hr = 252×1 + 539×0.5 = 1043/2"
    assert not any(line.startswith("hidden state: h = o×") for line in lines)


def test_a_projection_of_a_trace_that_kept_one_unit_states_h_without_its_sum():
    # unit 2's m (539, above) was not kept, so h_2 = 1043/2 is said, not summed
    lines = hand_calculation(forward([1, 1], projected(), units=[0], **TOY), 2).splitlines()
    assert "to project:   m = o×linear(c) = 6×linear(42) = 252" in lines
    assert lines[-1] == ("hidden state: h = [1043/2] (the sum of every unit's m×W_hr: "
                         "record every unit to see it)")  # fmt: skip


def test_several_values_of_h_each_get_their_sum():
    # proj_size 2, W_hr = [[1, 2], [3, 4]] on the two units above: step 1 m = (1, 8),
    # h_1 = (1×1 + 8×3, 1×2 + 8×4) = (25, 34)
    weights = projected().replace(projection=[[1, 2], [3, 4]], recurrent_kernel=[[1] * 8] * 2)
    lines = hand_calculation(forward([1], weights, **TOY), 1).splitlines()
    assert lines[-2:] == [
        "hidden state: h_1 = Σ m×W_hr = 1×1 + 8×3 = 25",
        "hidden state: h_2 = Σ m×W_hr = 1×2 + 8×4 = 34",
    ]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("seed", range(4))
def test_every_variant_at_once_adds_up_in_floats(seed, dtype):
    # Random weights, all four variants, a clip small enough to bite: every line is redone
    # from the digits it shows by tests/docs/arithmetic.py, which shares no code with this.
    rng = np.random.default_rng(seed)
    weights = LSTMWeights.random(2, 3, seed=seed).replace(
        peephole=rng.normal(size=(3, 3)), clip=0.75, input_forget=seed % 2 == 0,
        projection=rng.normal(size=(3, 2)), recurrent_kernel=rng.normal(size=(2, 12)),
    )  # fmt: skip
    trace = forward(rng.normal(size=(3, 2)), weights, dtype=dtype)
    blocks = [hand_calculation(trace, t, digits=3) for t in (1, 2, 3)]
    assert lines_that_do_not_add_up(*blocks) == []
    assert any("clipped:" in block for block in blocks)
    # per step: 3 units × (i, g, o sums and values, f's line or its two, c, m), 2 sums of h
    per_unit = 9 if seed % 2 == 0 else 10
    assert checked_lines(*blocks) == 3 * (3 * per_unit + 2)
