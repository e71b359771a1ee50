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
    # A line may show its operands with more digits than its result: the result must be
    # the rounding, at its own digits, of what the operands shown give (redone by
    # tests/docs/arithmetic.py's own parser and activations; the GRU's a_n reads r from
    # the line that gave it).
    shared = page_context("shared").context()
    views = [module.context()["plain_cell"], shared["std"], shared["gru"]]
    blocks = ["\n".join(lines(module.worked(view))) for view in views]
    assert lines_that_do_not_add_up(*blocks) == []
    assert checked_lines(*blocks) == 2 + 10 + 7  # every line of the three steps but the headings


def sigmoid(v):
    return 1 / (1 + math.exp(-v))


def by_hand(x, p=(0, 0, 0), clip=math.inf, coupled=False, w_hr=1.0):
    """The second example's LSTM (W = 0.5, 0.25, 0.75, -0.5; U = 0.25, 0.5, -0.25, 0.5;
    b = 0, 1, 0, 0.25 for i, f, g, o) with one variant, in plain float arithmetic:
    h after each input."""
    h = c = 0.0
    hs = []
    for xt in x:

        def a(w, u, b, peep=0.0, xt=xt, h=h):
            return max(-clip, min(clip, xt * w + h * u + b + peep))

        i = sigmoid(a(0.5, 0.25, 0, p[0] * c))
        f = 1 - i if coupled else sigmoid(a(0.25, 0.5, 1, p[1] * c))
        c = f * c + i * math.tanh(a(0.75, -0.25, 0))
        o = sigmoid(a(-0.5, 0.5, 0.25, p[2] * c))
        h = w_hr * o * math.tanh(c)
        hs.append(h)
    return hs


SETTINGS = {  # the page's settings (family.VARIANTS), as by_hand takes them
    "peepholes": {"p": (0.5, -0.25, 0.75)},
    "coupled": {"coupled": True},
    "clip": {"clip": 0.5},
    "projection": {"w_hr": 0.5},
}


@pytest.mark.parametrize("name", list(SETTINGS))
def test_each_variants_worked_step_ends_in_the_h_worked_by_hand(module, name):
    # h at step 2 of the inputs 1, 0.5, -1, from by_hand, to the digits the page shows
    h1, h2, _ = by_hand((1.0, 0.5, -1.0), **SETTINGS[name])
    shown = lines(module.context()["worked_variant"](name))
    assert shown[0].startswith(f"time step 2: x = 0.5, h_prev = {h1:.4g}, c_prev = ")
    last = shown[-1].split(" = ")[-1]
    assert float(last) == pytest.approx(h2, abs=0.6 * 10 ** (math.floor(math.log10(h2)) - 3))


def test_the_variants_show_what_they_change(module):
    worked = {name: lines(module.context()["worked_variant"](name)) for name in SETTINGS}
    assert sum("(peephole)" in line for line in worked["peepholes"]) == 2
    assert "(peephole, new c)" in worked["peepholes"][8]  # the output gate after c
    assert worked["peepholes"][7].startswith("cell state:")
    assert worked["coupled"][3].startswith("forget gate:  f = 1 - i = (1-")
    # the clip, 0.5, bites on the forget gate only: a_f = 0.5×0.25 + h_1×0.5 + 1 > 1
    assert [line.split(" (")[0] for line in worked["clip"] if line.startswith("clipped")] == [
        "clipped:      a_f = 0.5"]  # fmt: skip
    assert worked["projection"][-2].startswith("to project:   m = o×tanh(c) = ")
    assert worked["projection"][-1].startswith("hidden state: h = m×W_hr = ")


def test_every_variants_line_adds_up(module):
    # as test_every_worked_line_adds_up: redone by tests/docs/arithmetic.py's own parser
    blocks = ["\n".join(lines(module.context()["worked_variant"](name))) for name in SETTINGS]
    assert lines_that_do_not_add_up(*blocks) == []
    # peepholes 10 lines, coupled 9 (no a_f), clip 10 (its clip line states, it does not
    # compute), projection 11 (m and h = m×W_hr)
    assert checked_lines(*blocks) == 10 + 9 + 10 + 11
