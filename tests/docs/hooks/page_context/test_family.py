"""hooks/page_context/family.py: the recurrent family page's worked steps, by hand."""

from __future__ import annotations

import html
import math
import re

import pytest

from tests.docs.arithmetic import check, significant
from tests.docs.hooks.loader import page_context


@pytest.fixture(scope="module")
def module():
    return page_context("family")


def lines(block: str) -> list[str]:
    return [html.unescape(s) for s in re.findall(r'<span class="lx-line">(.*?)</span>', block)]


def test_the_plain_cell_is_the_second_examples_candidate_alone(module):
    # The second example's candidate block: W = 0.75, U = -0.25, b = 0 (networks/examples.py)
    w = module.plain_weights()
    assert (w.kernel.tolist(), w.recurrent_kernel.tolist(), w.bias.tolist()) == (
        [[0.75]], [[-0.25]], [0.0],
    )  # fmt: skip


def test_the_plain_cells_worked_step_by_hand(module):
    # h_1 = tanh(1 × 0.75) = 0.635149; a_2 = 0.5 × 0.75 + 0.635149 × (-0.25) = 0.216213;
    # h_2 = tanh(0.216213) = 0.212882
    h1 = math.tanh(0.75)
    a2 = 0.5 * 0.75 - 0.25 * h1
    ctx = module.context()
    shown = lines(module.worked(ctx["plain_cell"]))
    assert shown[0] == f"time step 2: x = 0.5, h_prev = {h1:.4g}"
    assert shown[1].endswith(f"= {a2:.4g}")
    assert shown[2] == f"hidden state: h = tanh(a) = tanh({a2:.4g}) = {math.tanh(a2):.4g}"


def test_every_worked_line_adds_up(module):
    # A line may show its operands with more digits than its result: the result must be
    # the rounding, at its own digits, of what the operands shown give (check() reads
    # each operand as known to the result's digits, its own parser and activations).
    shared = page_context("shared").context()
    views = [module.context()["plain_cell"], shared["std"], shared["gru"]]
    checked = 0
    for view in views:
        symbols: dict[str, str] = {}
        for line in lines(module.worked(view))[1:]:  # after the step's heading
            result = line.split(" = ")[-1]
            verdict = check(line.strip(), significant(result), set(), symbols=symbols)
            assert verdict is not False, line
            checked += verdict is True
            if line.strip().startswith("r = "):  # the GRU's a_n line writes r
                symbols["r"] = result
    assert checked == 2 + 10 + 7  # every line of the three steps but the headings


def test_the_plain_cell_is_drawn_at_the_worked_step_with_its_numbers(module):
    # a_2 = 0.5 × 0.75 + tanh(0.75) × (-0.25) = 0.2162 (four digits), h_2 = tanh(a_2) = 0.2129
    figure = module.context()["plain_figure"]("caption")
    assert figure.count("<svg") == 2
    assert "at time step 2" in figure
    assert "0.2162" in figure
    assert "0.2129" in figure
