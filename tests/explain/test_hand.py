"""Hand calculations and tables: the text a reader will see, checked literally."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from lstm_explained import (
    LSTMInputError,
    LSTMWeights,
    ParametricActivation,
    format_number,
    forward,
    hand_calculation,
    trace_table,
)

TOY = {"activation": "linear", "recurrent_activation": "linear"}


def toy(**kwargs):
    return forward([1, 1, 1], LSTMWeights.constant(1.0), **TOY, **kwargs)


def test_toy_step_two_reads_like_the_arithmetic_on_paper():
    assert hand_calculation(toy(), 2) == "\n".join(
        [
            "time step 2: x = 1, h_prev = 1, c_prev = 1",
            "input gate:   a_i = 1×1 + 1×1 + 0 = 2",
            "              i = linear(2) = 2",
            "forget gate:  a_f = 1×1 + 1×1 + 0 = 2",
            "              f = linear(2) = 2",
            "candidate:    a_g = 1×1 + 1×1 + 0 = 2",
            "              g = linear(2) = 2",
            "output gate:  a_o = 1×1 + 1×1 + 0 = 2",
            "              o = linear(2) = 2",
            "cell state:   c = f×c_prev + i×g = 2×1 + 2×2 = 6",
            "hidden state: h = o×linear(c) = 2×linear(6) = 12",
        ]
    )


def test_toy_step_three_ends_in_3211():
    text = hand_calculation(toy(), 3)
    assert "a_f = 1×1 + 12×1 + 0 = 13" in text
    assert text.endswith(
        "c = f×c_prev + i×g = 13×6 + 13×13 = 247\n"
        "hidden state: h = o×linear(c) = 13×linear(247) = 3211"
    )


def test_no_bias_omits_the_bias_term_and_negatives_get_brackets():
    weights = LSTMWeights.constant(-1.0, bias=None)
    text = hand_calculation(forward([2], weights, **TOY), 1)
    assert "a_i = 2×(-1) + 0×(-1) = -2" in text


def test_standard_activations_show_function_names_and_rounding():
    weights = LSTMWeights.constant(0.5, bias=0.0)
    text = hand_calculation(forward([1], weights), 1, digits=4)
    # z = 0.5; sigmoid(0.5) = 0.62245933..., tanh(0.5) = 0.46211715...
    assert "i = sigmoid(0.5) = 0.6225" in text
    assert "g = tanh(0.5) = 0.4621" in text


def test_exact_fractions_are_bracketed():
    trace = forward([Fraction(1, 2)], LSTMWeights.constant(Fraction(1, 3)), **TOY, exact=True)
    assert "a_i = (1/2)×(1/3) + 0×(1/3) + 0 = 1/6" in hand_calculation(trace, 1)


def test_several_units_get_a_block_each_and_batches_pick_a_sample():
    weights = LSTMWeights.constant(1.0, units=2)
    trace = forward(np.ones((2, 1, 1)), weights, **TOY)
    text = hand_calculation(trace, 1, sample=1)
    assert "unit 1:" in text
    assert "unit 2:" in text
    assert "a_i = 1×1 + 0×1 + 0×1 + 0 = 1" in text
    with pytest.raises(LSTMInputError, match="sample must be from 0 to 1; got 2"):
        hand_calculation(trace, 1, sample=2)


def test_masked_step_says_so():
    trace = forward([1, 1], LSTMWeights.constant(1.0), **TOY, mask=[True, False])
    text = hand_calculation(trace, 2)
    assert "masked:       c and h keep their previous values" in text
    assert "c = 1, h = 1" in text


def test_bad_step_number():
    with pytest.raises(LSTMInputError, match="t must be a time step from 1 to 3; got 0"):
        hand_calculation(toy(), 0)


def test_trace_table_of_the_toy_network():
    assert trace_table(toy()) == "\n".join(
        [
            "| t | x | h_prev | c_prev |  i |  f |  g |  o |   c |    h |",
            "|--:|--:|-------:|-------:|---:|---:|---:|---:|----:|-----:|",
            "| 1 | 1 |      0 |      0 |  1 |  1 |  1 |  1 |   1 |    1 |",
            "| 2 | 1 |      1 |      1 |  2 |  2 |  2 |  2 |   6 |   12 |",
            "| 3 | 1 |     12 |      6 | 13 | 13 | 13 | 13 | 247 | 3211 |",
        ]
    )


def test_trace_table_with_preactivations():
    header = trace_table(toy(), preactivations=True).splitlines()[0]
    assert header.split("|")[5:9] == [" a_i ", " a_f ", " a_g ", " a_o "]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3211, "3211"),
        (3211.0, "3211"),
        (Fraction(6, 1), "6"),
        (Fraction(-1, 3), "-1/3"),
        (0.1234567, "0.123457"),
        (-0.0, "0"),
        (35686309888.0, "3.56863e+10"),
        (np.True_, "True"),
    ],
)
def test_format_number(value, text):
    assert format_number(value) == text


def test_integers_beyond_pythons_str_limit_are_written_out():
    big = 10**5000 + 1  # str() refuses more than 4300 digits by default
    assert format_number(big) == "1" + "0" * 4999 + "1"
    assert format_number(-big) == "-1" + "0" * 4999 + "1"
    assert format_number(Fraction(1, big)) == "1/1" + "0" * 4999 + "1"


@pytest.mark.parametrize(
    ("reset_after", "candidate_lines", "h_line"),
    [
        # r = h_prev @ U_r = [1, 2]. Reset before the product: each h_prev[k] is scaled by
        # its own unit's r[k]: a_n = (1×1)×1 + (2×2)×1 = 5 for both units; z = 0, h = n.
        (False, ["a_n = 0×0 + (1×1)×1 + (2×2)×1 = 5", "a_n = 0×0 + (1×1)×1 + (2×2)×1 = 5"],
         "h = z×h_prev + (1-z)×n = 0×1 + (1-0)×5 = 5"),
        # Reset after: the product first, h_prev @ U_n = 1 + 2 = 3, then each unit's r:
        # unit 1: 1×3 = 3, unit 2: 2×3 = 6.
        (True, ["a_n = 0×0 + r×(1×1 + 2×1) = 3", "a_n = 0×0 + r×(1×1 + 2×1) = 6"],
         "h = z×h_prev + (1-z)×n = 0×1 + (1-0)×3 = 3"),
    ],
)  # fmt: skip
def test_gru_hand_calculation_shows_where_the_reset_gate_acts(reset_after, candidate_lines, h_line):
    from lstm_explained import GRUWeights

    # columns z z r r n n; kernel 0, U_z = 0, U_r = identity, U_n = all ones; no bias
    recurrent = [[0, 0, 1, 0, 1, 1], [0, 0, 0, 1, 1, 1]]
    weights = GRUWeights([[0] * 6], recurrent, None, reset_after=reset_after)
    trace = forward([0], weights, **TOY, initial_state=([1, 2],), exact=True)
    text = hand_calculation(trace, 1)
    assert "reset gate:   a_r = 0×0 + 1×1 + 2×0 = 1" in text
    for line in candidate_lines:
        assert f"candidate:    {line}" in text
    assert f"hidden state: {h_line}" in text


def test_a_line_it_cannot_redo_is_written_at_the_digits_asked():
    # An activation known only by its name cannot be redone by a reader: its lines are
    # written at the digits asked, as they come. softsign(0.5) = 0.5/1.5 = 0.333333.
    def softsign(x):
        return x / (1 + np.abs(x))

    trace = forward([1], LSTMWeights.constant(0.5, bias=0.0), recurrent_activation=softsign)
    text = hand_calculation(trace, 1)
    assert "i = softsign(0.5) = 0.333333" in text
    assert "≈" not in text


def test_onnxs_hard_sigmoid_with_exact_parameters_is_redone():
    # a = 1×0.5 + 0×0.5 + 0 = 0.5 for every gate; ONNX's hard_sigmoid with alpha 1/4 and
    # beta 1/2 gives 0.5/4 + 1/2 = 0.625 for i, f and o; g = tanh(0.5) = 0.46211715726;
    # c = 0.625×0 + 0.625×0.462117 = 0.288823125, which rounds to 0.288823.
    gates = ParametricActivation("hard_sigmoid", Fraction(1, 4), Fraction(1, 2))
    trace = forward([1], LSTMWeights.constant(0.5, bias=0.0), recurrent_activation=gates)
    text = hand_calculation(trace, 1)
    assert "i = hard_sigmoid[alpha=1/4, beta=1/2](0.5) = 0.625" in text
    assert "g = tanh(0.5) = 0.462117" in text
    assert "c = f×c_prev + i×g = 0.625×0 + 0.625×0.462117 = 0.288823" in text
    assert "≈" not in text
