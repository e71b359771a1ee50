"""Where the LSTM cell's parts go: the gates stand in the order of the equations, i, f,
g, o, left to right on a desk and top to bottom on a phone."""

from __future__ import annotations

import pytest

from lstm_explained.explain.figures import cell_svg
from tests.explain.figures.reading import LAYOUTS, positions, toy


@pytest.mark.parametrize("layout", LAYOUTS)
def test_gates_stand_in_the_order_of_the_equations(layout):
    svg = cell_svg(toy(), 1, layout=layout)
    heads = ["i = σ(z_i)", "f = σ(z_f)", "g = φ(z_g)", "o = σ(z_o)"]
    where = [positions(svg, head) for head in heads]
    # left to right on a desk, top to bottom on a phone
    axis = 0 if layout == "desk" else 1
    assert [p[axis] for p in where] == sorted(p[axis] for p in where)
    assert len({p[axis] for p in where}) == 4
