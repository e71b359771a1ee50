"""hooks/page_context/family.py: the recurrent family page's worked steps, by hand."""

from __future__ import annotations

import html
import math
import re

import pytest

from tests.docs.arithmetic import checked_lines, lines_that_do_not_add_up
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
    # Each result must be the rounding, at its own digits, of what the operands shown
    # give, redone by tests/docs/arithmetic.py's own parser (the site-wide checker).
    shared = page_context("shared").context()
    views = [module.context()["plain_cell"], shared["std"], shared["gru"]]
    blocks = ["\n".join(lines(module.worked(view))[1:]) for view in views]  # after the heading
    assert lines_that_do_not_add_up(*blocks) == []
    assert checked_lines(*blocks) == 2 + 10 + 7  # every line of the three steps


def test_the_plain_cell_is_drawn_at_the_worked_step_with_its_numbers(module):
    # a_2 = 0.5 × 0.75 + tanh(0.75) × (-0.25) = 0.2162 (four digits), h_2 = tanh(a_2) = 0.2129
    figure = module.context()["plain_figure"]("caption")
    assert figure.count("<svg") == 2
    assert "at time step 2" in figure
    assert "0.2162" in figure
    assert "0.2129" in figure
