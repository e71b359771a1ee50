"""Where the LSTM cell's parts go: the gates stand in the order of the equations, i, f,
g, o, left to right on a desk and top to bottom on a phone; and what each gate's box
says, as a template the figure, its symbolic form and the stepper fill."""

from __future__ import annotations

import pytest

from lstm_explained.explain.figures import cell_svg
from lstm_explained.explain.figures.lstm_cell import gate_lines
from tests.explain.figures.reading import LAYOUTS, positions, toy


@pytest.mark.parametrize("layout", LAYOUTS)
def test_gates_stand_in_the_order_of_the_equations(layout):
    svg = cell_svg(toy(), 1, layout=layout)
    heads = ["i = σ(a_i)", "f = σ(a_f)", "g = φ(a_g)", "o = σ(a_o)"]
    where = [positions(svg, head) for head in heads]
    # left to right on a desk, top to bottom on a phone
    axis = 0 if layout == "desk" else 1
    assert [p[axis] for p in where] == sorted(p[axis] for p in where)
    assert len({p[axis] for p in where}) == 4


def test_a_gate_box_has_five_lines_numeric_or_symbolic():
    # the forget gate: f = σ(a_f), then a_f worked out (with the step's numbers as fields)
    assert gate_lines("forget", numeric=False) == [
        "f = σ(a_f)",
        "a_f = x×W_f",
        "+ h_prev×U_f",
        "+ b_f",
        "",
    ]
    assert gate_lines("candidate", numeric=True) == [
        "g = φ(a_g)",
        "a_g = {xt_g}×{W_g}",  # x and h_prev as this line needs them: a field per gate
        "+ {h_prevt_g}×{U_g}",
        "+ {b_g} = {a_g}",
        "g = {v_g}",
    ]
    assert gate_lines("output", numeric=True, products=False) == [
        "o = σ(a_o)",
        "a_o = x×W_o",
        "+ h_prev×U_o",
        "+ b_o = {a_o}",
        "o = {v_o}",
    ]
