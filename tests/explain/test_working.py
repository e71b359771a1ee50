"""Lines of working that add up: the expected digits and roundings are worked by hand."""

from __future__ import annotations

from fractions import Fraction

from lstm_explained.explain.hand import format_number
from lstm_explained.explain.working import Num, Op, Wrap, digits_to_show, rounding, wrap_working


def shown(value, digits):
    return Fraction(format_number(value, digits))


def times(a, b):
    return Op("×", (Num(a), Num(b)))


# The cell state of the site's "Trace your own model" page at step 4, unit 1, as float32
# gave it: f, c_prev, i, g and c.
FORGET, C_PREV, INPUT, CANDIDATE, C = 0.0801166, 0.272212, 0.963254, -0.945235, -0.888693
CELL = Op("+", (times(FORGET, C_PREV), times(INPUT, CANDIDATE)))


def test_the_cell_state_line_needs_four_digit_operands_for_a_three_digit_result():
    # 3 digits: 0.0801×0.272 + 0.963×(-0.945) = 0.0217872 - 0.910035 = -0.8882478, which
    # rounds to -0.888, not c's -0.889. 4 digits: 0.08012×0.2722 + 0.9633×(-0.9452)
    # = 0.021808664 - 0.91051116 = -0.888702496, which rounds to -0.889.
    assert digits_to_show(CELL, C, shown, 3, 9) == (4, 3)
    # 6 digits: 0.0218086999192 - 0.91050139469 = -0.8886926947708 -> -0.888693
    assert digits_to_show(CELL, C, shown, 6, 9) == (6, 6)


def test_an_activation_is_redone_from_its_argument_as_written():
    # The same step's candidate: a_g = -1.785047, g = -0.945235. tanh(-1.79) = -0.94576
    # rounds to -0.946, not g's -0.945; tanh(-1.785) = -0.945230 does.
    candidate = Wrap("tanh", Num(-1.785047, bare=True))
    assert digits_to_show(candidate, -0.945235, shown, 3, 9) == (4, 3)


def test_rounding_is_exact_and_refuses_a_tie():
    assert rounding(Fraction("-0.8882478"), 3) == Fraction("-0.888")
    assert rounding(Fraction("-0.888702496"), 3) == Fraction("-0.889")
    assert rounding(Fraction("0.1235"), 3) is None  # exactly halfway: no single rounding
    assert rounding(Fraction("0.12350001"), 3) == Fraction("0.124")
    assert rounding(Fraction(999, 1000), 2) == Fraction(1)  # 0.999 -> 1.0
    assert rounding(Fraction(0), 4) == 0


def test_a_long_line_breaks_before_a_term_indented_past_its_equals_sign():
    line = "input gate:   a_i = " + " + ".join(["0.123456×(-0.654321)"] * 6) + " = -0.484"
    assert wrap_working(line, 100) == [
        "input gate:   a_i = 0.123456×(-0.654321) + 0.123456×(-0.654321) + 0.123456×(-0.654321)",
        "                    + 0.123456×(-0.654321) + 0.123456×(-0.654321) + 0.123456×(-0.654321)"
        " = -0.484",
    ]
    header = "time step 4: x = [-1, 1], h_prev = [" + ", ".join(["-0.300465"] * 4) + "], c_prev = ["
    header += ", ".join(["0.272212"] * 4) + "]"
    assert wrap_working(header, 100) == [
        "time step 4: x = [-1, 1], h_prev = [-0.300465, -0.300465, -0.300465, -0.300465],",
        "                 c_prev = [0.272212, 0.272212, 0.272212, 0.272212]",
    ]
