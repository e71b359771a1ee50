"""The plain cell's figure: its one box with the step's numbers (worked out by hand in
floats and in fractions), both layouts, the description, and the template with every
number left as a field."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from fractions import Fraction

import numpy as np
import pytest

from lstm_explained import RNNWeights, forward
from lstm_explained.explain.figures import rnn_figure, rnn_svg, rnn_template
from lstm_explained.explain.figures.svg import FIELD
from tests.explain.figures.reading import LAYOUTS, SVG, desc_of, texts


@pytest.mark.parametrize("layout", LAYOUTS)
def test_one_step_with_its_numbers_by_hand(layout):
    # kernel 2, recurrent -1/2, bias 1/4, tanh; x = 1, then 0.5.
    # step 2: h_prev = tanh(2.25); a = 0.5×2 + 0.25 + h_prev×(-0.5); h = tanh(a)
    trace = forward([1.0, 0.5], RNNWeights([[2.0]], [[-0.5]], [0.25]))
    h_prev = math.tanh(2.25)
    a = 1.0 + 0.25 - 0.5 * h_prev
    digits = 5
    svg = rnn_svg(trace, 2, layout=layout, digits=digits)
    labels = texts(svg)
    for line in ["h = φ(a)", "a = 0.5×2 + 0.25", f"= {a:.{digits}g}",
                 f"h = {math.tanh(a):.{digits}g}", f"h_prev = {h_prev:.{digits}g}",
                 "x = 0.5"]:  # fmt: skip
        assert line in labels, (line, labels)
    assert any(t.startswith("+ ") and t.endswith("×(-0.5)") for t in labels)
    assert ET.fromstring(svg).find(f"{SVG}title").text == (
        "The plain recurrent cell at time step 2"
    )
    assert f"h = φ(a) = {math.tanh(a):.{digits}g}" in desc_of(svg)
    assert "Here φ is tanh" in desc_of(svg)


def test_exact_numbers_and_symbols_for_several_units():
    # relu, exact: x = 1 -> a = 1×3 + (-1) = 2, h = 2
    exact = forward([1], RNNWeights([[3]], [[1]], [-1]), activation="relu", exact=True)
    labels = texts(rnn_svg(exact, 1))
    assert {"a = 1×3 + (-1)", "= 2", "h = 2"} <= set(labels)
    several = forward(np.ones((2, 2)), RNNWeights.random(2, 3, seed=0))
    labels = texts(rnn_svg(several, 1, unit=2))
    assert {"a = x×W + b", "+ h_prev×U"} <= set(labels)
    a = several.steps[0].a["hidden"][2]
    assert any(t.startswith("= ") and Fraction(t[2:]) == Fraction(f"{a:.4g}") for t in labels)


def test_the_figure_holds_both_layouts_and_the_template_only_fields():
    trace = forward([1.0], RNNWeights.constant(0.5))
    figure = rnn_figure(trace, 1, caption="one step")
    assert figure.count("<svg") == 2
    assert "one step" in figure
    template = rnn_template("stepper", products=True)
    fields = set(FIELD.findall(template))
    assert {"a", "h", "h_prev", "x", "W", "U", "b", "act", "t"} <= fields
    with pytest.raises(ValueError, match="layout must be one of desk, phone"):
        rnn_svg(trace, 1, layout="poster")
