"""The GRU cell's figure: each gate with its numbers (worked out by hand in floats), the
reset gate marked where it multiplies under either reset_after, and the stepper's
templates with every number left as a field."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from lstm_explained import GRUWeights, forward
from lstm_explained.explain.figures import gru_svg, gru_template
from lstm_explained.explain.figures.svg import FIELD
from lstm_explained.networks.examples import NETWORKS, reset_pair_weights
from tests.explain.figures.reading import LAYOUTS, SVG, desc_of, positions, texts


def gru_example_step_one() -> dict[str, str]:
    """The GRU example (examples.gru_example_weights) at step 1, by hand in floats:
    x = 1, h0 = 0. a_z = 1×(-0.5) + 0 + 0×0.5 + 0 = -0.5, z = sigmoid(-0.5);
    a_r = 1×0.5 + 0 + 0×(-0.5) + 0 = 0.5, r = sigmoid(0.5);
    a_n = 1×1 + 0 + r×(0×1 + 0.5) = 1 + r/2, n = tanh(a_n); h = z×0 + (1-z)×n."""
    z, r = 1 / (1 + math.exp(0.5)), 1 / (1 + math.exp(-0.5))
    a_n = 1 + r * 0.5
    n = math.tanh(a_n)
    values = {"z": z, "r": r, "a_n": a_n, "n": n, "h": (1 - z) * n}
    return {k: f"{v:.4g}" for k, v in values.items()}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_gru_figure_shows_each_gate_with_its_numbers(layout):
    want = gru_example_step_one()
    svg = gru_svg(NETWORKS["gru-example"].run(), 1, layout=layout)
    labels = texts(svg)
    heads = ["z = σ(a_z)", "r = σ(a_r)", "n = φ(a_n)"]
    for line in [*heads, "a_z = 1×(-0.5) + 0", "+ 0×0.5", "+ 0 = -0.5", "a_r = 1×0.5 + 0",
                 "+ 0 = 0.5", "a_n = 1×1 + 0", "+ r×(0×1", f"+ 0.5) = {want['a_n']}",
                 f"z = {want['z']}", f"r = {want['r']}", f"n = {want['n']}", "h_prev = 0",
                 f"h = {want['h']}", "x = 1", "1−z"]:  # fmt: skip
        assert line in labels, line
    axis = 0 if layout == "desk" else 1
    where = [positions(svg, head)[axis] for head in heads]
    assert where == sorted(where)  # z, r, n as the equations order them
    # z×h_prev, (1-z)×n and r's product, one sum; and each sign once more in the legend
    assert labels.count("×") == 3 + 1
    assert labels.count("+") == 1 + 1
    assert "reset_after=True (here): r×(h_prev×U_n + b′_n)" in " ".join(labels)
    assert "reset_after=False: (r×h_prev)×U_n" in " ".join(labels)
    assert ET.fromstring(svg).find(f"{SVG}title").text == "The GRU cell at time step 1"
    assert f"h = {want['h']}" in desc_of(svg)


def test_the_gru_figure_marks_reset_before_and_shows_one_unit():
    # reset_pair_weights, reset_after=False, no bias, on 1, 0.5, -1. Step 1 from h0 = 0,
    # unit 2 (column 1 of each block): a_z = 1×(-0.5) = -0.5, a_r = 1×(-1) = -1,
    # a_n = 1×0.5 + (r×0)×… = 0.5, n = tanh(0.5), h = (1 - sigmoid(-0.5))×tanh(0.5).
    trace = forward([1.0, 0.5, -1.0], reset_pair_weights(reset_after=False))
    labels = texts(gru_svg(trace, 1, unit=1))
    z = 1 / (1 + math.exp(0.5))
    for line in ["a_n = x×W_n + b_n", "+ (r×h_prev)×U_n", "= -0.5", "= -1", "= 0.5",
                 f"z = {z:.4g}", f"n = {math.tanh(0.5):.4g}",
                 f"h = {(1 - z) * math.tanh(0.5):.4g}"]:  # fmt: skip
        assert line in labels, line
    assert "reset_after=False (here): (r×h_prev)×U_n" in labels


def test_the_gru_figure_of_the_article_network_stays_at_zero():
    # Every weight 1, no bias, identity activations, exact: a_z = a_r = 1×1 + 0×1 = 1,
    # a_n = 1×1 + r×(0×1) = 1, h = 1×0 + (1-1)×1 = 0 at step 1.
    trace = forward([1, 1, 1], GRUWeights.constant(1), activation="linear",
                    recurrent_activation="linear", exact=True)  # fmt: skip
    labels = texts(gru_svg(trace, 1))
    for line in ("z = 1", "r = 1", "n = 1", "h = 0", "+ 0) = 1"):
        assert line in labels, line


def test_the_gru_templates_leave_every_number_to_the_stepper():
    after = set(FIELD.findall(gru_template("g", reset_after=True, products=True)))
    per_gate = {f"{k}_{s}" for k in ("xt", "W", "h_prevt", "U", "b", "b2", "a", "v") for s in "zrn"}
    assert after == {"t", "x", "h_prev", "h", "act", "rec", "rt"} | per_gate  # rt: r or its value
    before = set(FIELD.findall(gru_template("g", reset_after=False, products=True)))
    assert before == after - {"b2_z", "b2_r", "b2_n"}
    units = set(FIELD.findall(gru_template("g", reset_after=True, products=False)))
    assert units == {"t", "x", "h_prev", "h", "act", "rec"} | {f"{k}_{s}" for k in "av"
                                                                for s in "zrn"}  # fmt: skip
