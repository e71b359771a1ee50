"""hooks/page_context/walkthrough.py: the walkthrough pages' own values."""

from __future__ import annotations

from tests.docs.hooks.loader import page_context


def test_the_float32_trace_rounds_at_step_4():
    ctx = page_context("walkthrough").context()
    assert ctx["toy_f32"].h(4, sep=True) == "35,686,309,888"  # float32 of 35,686,309,296


def test_the_exercises_what_if_networks():
    ctx = page_context("walkthrough").context()
    # Toy network, one thing changed; every gate z = w*x + w*h_prev, c = f*c_prev + i*g, h = o*c.
    assert ctx["in_two"].outputs() == "8"  # z = 2: c = 4, h = 8
    # f = 0: c = i*g = z*z, h = z^3 with z = 1, 1 + 1, 1 + 8
    assert ctx["no_forget"].outputs() == "1, 8, 729"
    assert ctx["no_recurrence"].outputs() == "1, 2, 3"  # z = 1 always: c = c_prev + 1 = h
    assert ctx["no_output"].outputs() == "0, 0, 0"  # o = 0; h_prev = 0 so z = 1, c = 1, 2, 3
    assert ctx["no_output"].c(3) == "3"
    # step 3 reads 0: z = 0 + 12, c = 12*6 + 144 = 216, h = 12*216
    assert ctx["last_zero"].outputs() == "1, 12, 2592"


def test_the_symbolic_figure():
    figure = page_context("walkthrough").context()["symbolic_figure"]("The cell")
    assert figure.startswith('<figure class="lx-figure">')
    assert 'id="cell-symbols' in figure
