"""numbers.py: how many digits a figure shows so that every line of its working adds up
when redone from the digits shown. Expected values are worked out by hand in the
comments; the GRU's working is redone by tests/docs/arithmetic.py, which parses the text
on its own. The helpers it is built from (factors, shortened integers, significant
digits, activations and their slopes, the numbers a rounded one can stand for) are
checked against values written out by hand."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from lstm_explained import GRUWeights, LSTMWeights, forward, hand_calculation
from lstm_explained.explain.figures import cell_svg, gru_svg
from lstm_explained.explain.figures.numbers import (
    activation_value,
    adds_up,
    digits_that_add_up,
    short,
    short_digits,
    shown_interval,
    significant,
    slope,
    term,
)
from tests.docs.arithmetic import lines_that_do_not_add_up
from tests.explain.figures.reading import texts


def test_digits_grow_until_every_line_adds_up():
    # W_f = 0.5, everything else the toy network, in floats. By hand at step 3:
    # a_f = 1×0.5 + 11×1 = 11.5, c = 11.5×5.5 + 12×12 = 207.25 and h = 12×207.25 = 2487.
    # At four digits c shows as 207.2 and 12×207.2 = 2486.4 would not give 2487.
    weights = LSTMWeights([[1, 0.5, 1, 1]], [[1, 1, 1, 1]], [0, 0, 0, 0])
    trace = forward([1, 1, 1], weights, activation="linear", recurrent_activation="linear")
    assert digits_that_add_up(trace, 2) == 4  # c = 1.5×1 + 2×2 = 5.5, h = 11: all short
    assert digits_that_add_up(trace, 3) == 5
    assert "c = 207.25" in texts(cell_svg(trace, 3))


def test_gru_digits_grow_until_every_line_adds_up():
    # A GRU in floats with identity activations: kernel z 0.25, r 0, n 100.5, nothing
    # recurrent. Step 1: z = 0.25, r = 0, n = 100.5, h = 0.25×0 + 0.75×100.5 = 75.375,
    # which has five significant digits: shown in full, not as 75.38.
    weights = GRUWeights([[0.25, 0, 100.5]], [[0, 0, 0]], None)
    trace = forward([1], weights, activation="linear", recurrent_activation="linear")
    assert digits_that_add_up(trace, 1) == 5
    assert "h = 75.375" in texts(gru_svg(trace, 1))


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("seed", range(4))
def test_gru_working_with_the_digits_chosen_adds_up(seed, reset_after):
    # redone by tests/docs/arithmetic.py, which parses the text on its own; weights and
    # inputs have two decimals, as a reader types them (the check takes them as exact)
    rng = np.random.default_rng(seed)
    bias = rng.normal(size=(2, 6) if reset_after else 6).round(2)
    weights = GRUWeights(rng.normal(size=(2, 6)).round(2), rng.normal(size=(2, 6)).round(2),
                         bias, reset_after=reset_after)  # fmt: skip
    inputs = rng.normal(size=(3, 2)).round(2)
    trace = forward(inputs, weights)
    blocks = [hand_calculation(trace, t, digits=digits_that_add_up(trace, t)) for t in (1, 2, 3)]
    assert lines_that_do_not_add_up(*blocks) == []


# ---- the helpers, by hand ----------------------------------------------------------------


def test_a_factor_is_bracketed_when_negative_or_a_fraction():
    assert [term(v, 4) for v in (2, -0.5, Fraction(1, 3), 0.123456)] == [
        "2",
        "(-0.5)",
        "(1/3)",
        "0.1235",
    ]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("35686309296", "≈3.569e+10"),  # the toy network's h at step 4: 11 digits
        ("-35686309296", "≈-3.569e+10"),
        ("99999999999", "≈1e+11"),  # 9.9999 rounds to 10.000: one more power of ten
        ("3211", "3211"),  # ten digits or fewer stay whole
        ("1234567890", "1234567890"),
        ("207.25", "207.25"),  # not an integer
    ],
)
def test_long_integers_are_shortened(text, shown):
    assert short(text) == shown


def test_significant_digits_of_a_number_as_written():
    assert [significant(t) for t in ("207.25", "0.00120", "1.5e-07", "-42", "0")] == [
        5,
        3,
        2,
        2,
        1,
    ]
    assert [short_digits(v, 10) for v in (0.5, 207.25, 1 / 3)] == [1, 5, 0]
    assert short_digits(207.25, 4) == 0  # more than `most`


def test_activations_and_slopes_exact_where_they_can_be():
    assert activation_value("relu", -3) == 0
    assert activation_value("hard_sigmoid", Fraction(3, 2)) == Fraction(3, 4)  # 1/4 + 1/2
    assert activation_value("hard_sigmoid", 4) == 1  # clipped
    assert activation_value("sigmoid", 0.0) == 0.5
    assert math.isnan(activation_value("softsign", 1.0))  # not one it knows
    assert slope("hard_sigmoid", 0, None) == Fraction(1, 6)
    assert slope("hard_sigmoid", 3, None) == 0  # on the clipped part
    assert slope("sigmoid", 0.3, 0.25) == 0.25 * 0.75  # value × (1 - value)
    assert slope("tanh", 0.3, 0.5) == 0.75  # 1 - value²
    assert (slope("relu", 2, 2), slope("relu", -1, 0), slope("linear", 9, 9)) == (1, 0, 1)


def test_what_a_rounded_number_can_stand_for():
    assert shown_interval(0.5, 4) == (Fraction(1, 2), Fraction(1, 2))  # written exactly
    # 1/3 at 4 digits is "0.3333": every number within half a unit of its last digit
    assert shown_interval(1 / 3, 4) == (Fraction(33325, 100000), Fraction(33335, 100000))


def test_a_result_with_a_short_decimal_form_must_be_written_in_full():
    exact = (Fraction(829, 4), Fraction(829, 4))  # c = 23/2 × 11/2 + 12 × 12 = 207.25
    assert not adds_up(exact, 207.25, 4)  # "207.2" would not be the value
    assert adds_up(exact, 207.25, 5)
    # from rounded numbers, any result they allow: [0.33325, 0.33335] allows 0.3333
    assert adds_up((Fraction(33325, 100000), Fraction(33335, 100000)), 1 / 3, 4)
    assert not adds_up((Fraction(33325, 100000), Fraction(33335, 100000)), 0.3337, 4)
