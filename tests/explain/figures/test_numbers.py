"""numbers.py: a figure shows each number as the hand calculation writes it, so each of
its lines of working adds up from the digits it shows. Expected values are worked out by
hand in the comments; whole figures' working is redone by tests/docs/arithmetic.py,
which parses the text on its own."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from lstm_explained import GRUWeights, LSTMWeights, forward, hand_calculation
from lstm_explained.explain.figures import cell_svg, gru_svg, unrolled_svg
from lstm_explained.explain.figures.numbers import factor, number, operands, result, short
from lstm_explained.explain.hand import unit_working, writer_for
from tests.docs.arithmetic import checked_lines, lines_that_do_not_add_up
from tests.explain.figures.reading import texts

LINEAR = {"activation": "linear", "recurrent_activation": "linear"}


def half_forget():
    # W_f = 0.5, everything else the toy network, in floats. By hand at step 3:
    # a_f = 1×0.5 + 11×1 = 11.5, c = 11.5×5.5 + 12×12 = 207.25 and h = 12×207.25 = 2487.
    weights = LSTMWeights([[1, 0.5, 1, 1]], [[1, 1, 1, 1]], [0, 0, 0, 0])
    return forward([1, 1, 1], weights, **LINEAR)


def test_a_result_on_a_tie_shows_the_digits_that_make_it_the_rounding():
    # 207.25 is halfway between 207.2 and 207.3: at four digits it has no rounding, so
    # c shows five; h = 12×207.2 = 2486.4 would not give 2487, so h's line shows c as
    # 207.25 too. The figure labels c as its line gives it.
    lines = unit_working(half_forget(), 3, 0, writer_for(half_forget(), 4))
    assert lines["c"].text.endswith("c = f×c_prev + i×g = 11.5×5.5 + 12×12 = 207.25")
    assert lines["h"].text.endswith("h = o×linear(c) = 12×linear(207.25) = 2487")
    assert operands(lines["h"]) == ["12", "207.25"]  # linear's argument, bare
    assert result(lines["c"]) == "207.25"
    assert "c = 207.25" in texts(cell_svg(half_forget(), 3))


def test_a_gru_result_on_a_tie_is_shown_in_full():
    # A GRU in floats with identity activations: kernel z 0.25, r 0, n 100.5, nothing
    # recurrent. Step 1: z = 0.25, r = 0, n = 100.5, h = 0.25×0 + 0.75×100.5 = 75.375,
    # halfway between 75.37 and 75.38 at four digits: shown with five.
    weights = GRUWeights([[0.25, 0, 100.5]], [[0, 0, 0]], None)
    trace = forward([1], weights, **LINEAR)
    assert "h = 75.375" in texts(gru_svg(trace, 1))


def test_a_figure_shows_a_lines_operands_with_the_digits_that_line_needs():
    # The second example's step 2 (x = 0.5, h_prev = 0.164606...): a_i = 0.5×0.5 +
    # 0.1646×0.25 = 0.29115 exactly, a tie at four digits; with h_prev at five digits,
    # 0.25 + 0.16461×0.25 = 0.2911525 rounds to a_i's 0.2912. a_f = 0.125 + 0.1646×0.5 + 1
    # = 1.2073 rounds to 1.207 at four digits already.
    from lstm_explained.networks.examples import NETWORKS

    labels = texts(cell_svg(NETWORKS["second-example"].run(), 2))
    start = labels.index("a_i = 0.5×0.5")
    assert labels[start : start + 3] == ["a_i = 0.5×0.5", "+ 0.16461×0.25", "+ 0 = 0.2912"]
    start = labels.index("a_f = 0.5×0.25")
    assert labels[start : start + 3] == ["a_f = 0.5×0.25", "+ 0.1646×0.5", "+ 1 = 1.207"]
    assert "h_prev = 0.1646" in labels  # a state alone, as the hand calculation's header


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("seed", range(4))
def test_gru_working_and_figure_add_up(seed, reset_after):
    # redone by tests/docs/arithmetic.py, which parses the text on its own; weights and
    # inputs have two decimals, as a reader types them
    rng = np.random.default_rng(seed)
    bias = rng.normal(size=(2, 6) if reset_after else 6).round(2)
    weights = GRUWeights(rng.normal(size=(2, 6)).round(2), rng.normal(size=(2, 6)).round(2),
                         bias, reset_after=reset_after)  # fmt: skip
    inputs = rng.normal(size=(3, 2)).round(2)
    trace = forward(inputs, weights)
    blocks = [hand_calculation(trace, t, digits=4) for t in (1, 2, 3)]
    assert lines_that_do_not_add_up(*blocks) == []
    assert checked_lines(*blocks) == 3 * 2 * 7  # 3 steps, 2 units, 7 lines each
    one_unit = GRUWeights(weights.kernel[:1, ::2], weights.recurrent_kernel[:1, ::2],
                          bias[..., ::2], reset_after=reset_after)  # fmt: skip
    one_trace = forward(inputs[:, :1], one_unit)
    for t in (1, 2, 3):  # the drawing's three lines of working, r by its letter
        figure = "\n".join(texts(gru_svg(one_trace, t)))
        assert lines_that_do_not_add_up(figure) == []
        assert checked_lines(figure) == 3


def test_the_unrolled_figure_writes_c_and_h_as_the_hand_calculation_does():
    trace = half_forget()
    lines = "\n".join(texts(unrolled_svg(trace)))
    assert "c = 11.5×5.5 + 12×12 = 207.25" in lines  # 4 digits would make a tie
    assert "h = 12×φ(207.25) = 2487" in lines
    assert "c3 = 207.25" in lines  # (the subscript read as a digit)
    assert lines_that_do_not_add_up(lines.replace("φ", "linear")) == []


# ---- the helpers, by hand ----------------------------------------------------------------


def test_a_factor_is_bracketed_when_negative_or_a_fraction():
    assert [factor(number(v, 4)) for v in (2, -0.5, Fraction(1, 3), 0.123456)] == [
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


def test_long_fractions_are_shortened_to_four_digits():
    assert number(Fraction(1, 3), 4) == "1/3"
    assert number(Fraction(10**12 + 1, 3), 4) == "≈3.333e+11"
