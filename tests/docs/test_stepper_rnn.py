"""The stepper's plain recurrent cell, in Chromium: its fields, its table and its hand
calculation against numbers worked out here by hand (math.tanh), and its drawing.

The golden vectors of the plain cell (tests/docs/stepper_golden.json, "plain ...") are
typed into the controls by test_stepper_gru.py with every other network named by its
cell; its preset is measured there at a phone's and a desk's width (with
LSTM_EXPLAINED_SCREENSHOTS=1, screenshots in build/screenshots/stepper-plain-cell-*).
"""

from __future__ import annotations

import math

from tests.docs.arithmetic import lines_that_do_not_add_up
from tests.docs.stepper_page import GOLDEN, open_stepper, table


def test_the_plain_preset_by_hand(browser, server):
    # W = 1, U = 1, b = 0, tanh; input 1 then zeros: h1 = tanh(1), then h = tanh(h_prev).
    want, h = [], 0.0
    for x in (1, 0, 0, 0, 0, 0):
        a = x * 1 + h * 1 + 0
        h = math.tanh(a)
        want.append((a, h))
    with open_stepper(browser, f"{server}latest/stepper/") as (page, errors, _):
        page.select_option("#stepper-preset", "plain-cell")
        assert page.input_value("#stepper-cell") == "rnn"
        # no gates: no recurrent activation, no cell state, one row of W, U, b
        assert not page.locator("#stepper-recurrent-activation").is_visible()
        assert not page.locator("#stepper-c0").is_visible()
        assert page.locator("#stepper-gates input").count() == 3
        heads = page.locator("#stepper-table thead th").all_inner_texts()
        assert heads == ["t", "x", "h_prev", "a", "h"]
        rows = table(page)
        assert [float(r[3]) for r in rows] == [float(f"{a:.4g}") for a, _ in want]
        assert [float(r[4]) for r in rows] == [float(f"{h:.4g}") for _, h in want]
        hand = page.inner_text("#stepper-hand").splitlines()
        assert hand == [
            "time step 1: x = 1, h_prev = 0",
            "weighted sum: a = x×W + h_prev×U + b = 1×1 + 0×1 + 0 = 1",
            f"hidden state: h = tanh(a) = tanh(1) = {want[0][1]:.4g}",
        ]
        assert lines_that_do_not_add_up(*hand) == []
        figure = " ".join(page.locator("#stepper-figure-box svg text").all_text_contents())
        assert "a = 1×1 + 0" in figure
        assert f"h = {want[0][1]:.4g}" in figure
        assert "{" not in figure
        assert "undefined" not in figure
        caption = page.inner_text("#stepper-figcaption")
        assert caption == "The plain recurrent cell at time step 1 of 6."
        assert errors == []


def test_switching_to_the_plain_cell_keeps_one_weight(browser, server):
    # The article's network as a plain cell, exact: a = x + h_prev, h = a, so h = 1, 2, 3.
    with open_stepper(browser, f"{server}latest/stepper/") as (page, errors, _):
        # sigmoid left in the gates menu takes exact mode from the LSTM, not from the plain
        # cell, which has no gates
        page.select_option("#stepper-recurrent-activation", "sigmoid")
        page.select_option("#stepper-cell", "rnn")
        assert page.locator("#stepper-exact").is_checked()
        assert [r[-1] for r in table(page)] == ["1", "2", "3"]
        page.click("#stepper-next")
        page.click("#stepper-next")
        hand = page.inner_text("#stepper-hand")
        assert "weighted sum: a = x×W + h_prev×U + b = 1×1 + 2×1 + 0 = 3" in hand
        assert "hidden state: h = linear(a) = linear(3) = 3" in hand
        page.select_option("#stepper-activation", "tanh")  # exact is not offered with tanh
        assert page.locator("#stepper-exact").is_disabled()
        page.select_option("#stepper-activation", "relu")
        assert not page.locator("#stepper-exact").is_disabled()  # sigmoid σ plays no part
        # no gate to speak of: the weights' row is a block, and per-gate mode says matrices
        assert page.inner_text("#stepper-gates .stepper-gate-head >> nth=0") == "block"
        mode = "#stepper-weight-mode option[value='per-gate']"
        assert page.inner_text(mode) == "typed as matrices"
        page.select_option("#stepper-cell", "lstm")
        assert page.inner_text("#stepper-gates .stepper-gate-head >> nth=0") == "gate"
        assert page.inner_text(mode) == "per gate and candidate"
        assert errors == []


def test_plain_vectors_cover_every_activation_and_two_units():
    plain = [v for v in GOLDEN if v["config"].get("cell") == "rnn"]
    activations = {v["config"]["activation"] for v in plain}
    assert activations == {"tanh", "relu", "linear"}
    assert any(v["config"]["exact"] for v in plain)
    assert any(isinstance(v["steps"][0]["h"], list) for v in plain)  # two units
