"""numbers.py: how many digits a figure shows so that every line of its working adds up
when redone from the digits shown. Expected values are worked out by hand in the
comments; the GRU's working is redone by tests/docs/arithmetic.py, which parses the text
on its own."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_explained import GRUWeights, LSTMWeights, forward, hand_calculation
from lstm_explained.explain.figures import cell_svg, gru_svg
from lstm_explained.explain.figures.numbers import digits_that_add_up
from tests.docs.arithmetic import lines_that_do_not_add_up
from tests.explain.figures.reading import texts


def test_digits_grow_until_every_line_adds_up():
    # W_f = 0.5, everything else the toy network, in floats. By hand at step 3:
    # z_f = 1×0.5 + 11×1 = 11.5, c = 11.5×5.5 + 12×12 = 207.25 and h = 12×207.25 = 2487.
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
