"""hooks/page_context/why_gates.py: the gradients of the why-gates page, checked against a
loop written here for the plain cell and against finite differences for the LSTM."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from lstm_explained import forward
from tests.docs.arithmetic import lines_that_do_not_add_up
from tests.docs.hooks.loader import page_context


@pytest.fixture(scope="module")
def module():
    return page_context("why_gates")


@pytest.fixture(scope="module")
def ctx(module):
    return module.context()


def test_the_sequence_is_fifty_inputs_between_minus_one_and_one(module, ctx):
    x = module.inputs()
    assert len(x) == 50
    assert all(-1 <= v <= 1 and round(v, 1) == v for v in x)
    assert ctx["plain"].steps == ctx["lstm"].steps == 50


def test_the_plain_cells_gradients_are_its_factors_multiplied(module, ctx):
    # h_t = tanh(x_t + h_{t-1}) (W = U = 1, no bias); dL/dh_50 = 1 and, going back,
    # dL/dh_{t-1} = dL/dh_t × (1 - h_t²) × U.
    h, hs = 0.0, []
    for x in module.inputs():
        h = math.tanh(x + h)
        hs.append(h)
    dh = [0.0] * 50
    dh[49] = 1.0
    for t in range(49, 0, -1):
        dh[t - 1] = dh[t] * (1 - hs[t] ** 2) * 1.0
    plain = ctx["plain"]
    for t in (1, 25, 49, 50):
        assert plain.grad_number(t) == pytest.approx(dh[t - 1], rel=1e-9)
    assert dh[0] < 1e-10  # the page's point, from this loop alone


def h_last(module, t, h, c):
    """h at step 50, running the LSTM on from step t's state (h, c). A change to c_t
    reaches h_t too (h_t = o_t × tanh(c_t)), so the caller passes h for the c it tries."""
    rest = module.inputs()[t:]
    return float(forward(rest, module.lstm_weights(), initial_state=([h], [c])).state_h[0])


@pytest.mark.parametrize("t", [1, 25, 49])
def test_the_lstms_gradients_match_finite_differences(module, ctx, t):
    lstm = ctx["lstm"]
    step = lstm.trace.steps[t - 1]
    h, c, o, eps = float(step.h[0]), float(step.c[0]), float(step.gates["output"][0]), 1e-6
    dh = (h_last(module, t, h + eps, c) - h_last(module, t, h - eps, c)) / (2 * eps)
    up, down = c + eps, c - eps
    dc = h_last(module, t, o * math.tanh(up), up) - h_last(module, t, o * math.tanh(down), down)
    dc /= 2 * eps
    assert lstm.grad_number(t, "h") == pytest.approx(dh, rel=1e-6)
    assert lstm.grad_number(t, "c") == pytest.approx(dc, rel=1e-6)


def test_the_page_values_are_formatted_from_those_gradients(ctx):
    plain, lstm = ctx["plain"], ctx["lstm"]
    assert plain.grad(50) == "1"
    assert float(plain.grad(1)) == pytest.approx(plain.grad_number(1), rel=0.05)
    assert float(lstm.smallest("forget")) < float(lstm.largest("forget")) < 1
    assert plain.first_inputs().count(",") == 4


def test_the_hand_lines_go_back_from_the_last_step_and_each_adds_up(ctx):
    # dh×(1-h×h)×U for the plain cell, dc×f for the LSTM
    for view, start in (
        (ctx["plain"], r"dh_prev = [\d.]+×\(1-"),
        (ctx["lstm"], r"dc_prev = [\d.]+×[\d.]+ ="),
    ):
        block = view.hand_back("label")
        lines = re.findall(r'<span class="lx-line">(.*?)</span>', block)
        assert [line.split(":")[0] for line in lines] == [f"step {t}" for t in (50, 49, 48, 47)]
        assert all(re.search(start, line) for line in lines)
        assert [lines_that_do_not_add_up(line) for line in lines] == [[]] * 4


def test_the_claims_hold_and_fail_when_their_numbers_change(module, ctx):
    assert all(claim.holds_for(ctx) for claim in module.CLAIMS)
    # A recurrent weight of 1.5 lets some factors exceed one; a linear cell's factors are
    # all one, and nothing vanishes: the sentences must go.
    view = module.ThroughTimeView
    weights = module.plain_weights().replace(recurrent_kernel=np.array([[1.5]]))
    assert not module.plain_factors_below_one(view(forward(module.inputs(), weights), "steep"))
    linear = forward(module.inputs(), module.plain_weights(), activation="linear")
    assert not module.plain_vanishes(view(linear, "linear"))


def test_the_figure_has_both_layouts_and_three_lines(ctx):
    figure = ctx["vanishing_figure"]("caption")
    assert figure.count("<svg") == 2
    for name in ("plain cell: dL/dh", "LSTM: dL/dh", "LSTM: dL/dc"):
        assert figure.count(f"<title>{name}</title></path>") == 2  # a line in each layout
    assert "<figcaption>caption</figcaption>" in figure
