"""SVG figures: accessible, well-formed, in the equations' gate order, carrying the trace's numbers.

Expected numbers are worked out by hand in the comments, never copied from the engine.
"""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from lstm_explained import LSTMInputError, LSTMWeights, backward, forward, sum_of_outputs
from lstm_explained.examples import standard_trace
from lstm_explained.figures import (
    backward_svg,
    cell_figure,
    cell_svg,
    cell_template,
    unrolled_svg,
)
from lstm_explained.figures.numbers import digits_that_add_up
from lstm_explained.figures.svg import FIELD

SVG = "{http://www.w3.org/2000/svg}"
FIGURES = Path(__file__).resolve().parents[1] / "lstm_explained" / "figures"
LAYOUTS = ("desk", "phone")


def toy(steps: int = 3):
    return forward(
        [1] * steps,
        LSTMWeights.constant(1),
        activation="linear",
        recurrent_activation="linear",
        exact=True,
    )


def texts(svg: str) -> list[str]:
    """Every label as a reader sees it (lowered subscript digits joined back in)."""
    root = ET.fromstring(svg)
    return ["".join(t.itertext()).replace("\u200b", "") for t in root.iter(f"{SVG}text")]


def desc_of(svg: str) -> str:
    return ET.fromstring(svg).find(f"{SVG}desc").text or ""


def positions(svg: str, label: str) -> tuple[float, float]:
    root = ET.fromstring(svg)
    for t in root.iter(f"{SVG}text"):
        if "".join(t.itertext()).replace("\u200b", "") == label:
            return float(t.get("x")), float(t.get("y"))
    raise AssertionError(f"no label {label!r}")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_step_two_figure_shows_the_hand_calculated_values(layout):
    svg = cell_svg(toy(), 2, ident="fig", layout=layout)
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "fig-title fig-desc"
    assert root.find(f"{SVG}title").text == "The LSTM cell at time step 2"
    desc = desc_of(svg)
    # step 2 by hand: every z = 1×1 + 1×1 + 0 = 2, every gate 2, c = 2×1 + 2×2 = 6, h = 2×6 = 12
    parts = ["x = 1", "h_prev = 1", "c_prev = 1", "input gate i = 2", "forget gate f = 2"]
    parts += ["candidate g = 2", "output gate o = 2", "c = 6.", "h = 12,", "z_f = 2"]
    for part in parts:
        assert part in desc
    labels = texts(svg)
    for s in "ifgo":
        # each gate box works its pre-activation out: z = x×W + h_prev×U + b
        assert [f"z_{s} = 1×1", "+ 1×1", "+ 0 = 2", f"{s} = 2"] == labels[
            labels.index(f"z_{s} = 1×1") : labels.index(f"z_{s} = 1×1") + 4
        ]
    assert "c = 6" in labels
    assert "h = 12" in labels


@pytest.mark.parametrize("layout", LAYOUTS)
def test_gates_stand_in_the_order_of_the_equations(layout):
    svg = cell_svg(toy(), 1, layout=layout)
    heads = ["i = σ(z_i)", "f = σ(z_f)", "g = φ(z_g)", "o = σ(z_o)"]
    where = [positions(svg, head) for head in heads]
    # left to right on a desk, top to bottom on a phone
    axis = 0 if layout == "desk" else 1
    assert [p[axis] for p in where] == sorted(p[axis] for p in where)
    assert len({p[axis] for p in where}) == 4


def test_the_figure_uses_the_equations_symbols_and_names_the_activations():
    labels = texts(cell_svg(standard_trace(), 1))
    assert "g = φ(z_g)" in labels
    assert not any(label.startswith("act") for label in labels)
    assert "σ = sigmoid (recurrent_activation)" in labels
    assert "φ = tanh (activation)" in labels


def test_symbolic_figure_has_no_numbers():
    svg = cell_svg()
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title").text == "The LSTM cell"
    labels = " ".join(texts(svg))
    assert not any(ch in "0123456789" for ch in labels)
    for part in ("z_f = x×W_f", "+ h_prev×U_f", "+ b_f", "c_prev", "h_prev"):
        assert part in labels


def test_floats_are_rounded_and_batches_pick_a_sample():
    trace = forward([[[0.5]], [[1.0]]], LSTMWeights.constant(0.5))
    desc = desc_of(cell_svg(trace, 1, sample=1, digits=3))
    assert "x = 1 and" in desc
    # z = 0.5 * 1 + 0.5 * 0 + 0 = 0.5 for every gate; sigmoid(0.5) = 0.6225 -> 0.622 at three digits
    assert "forget gate f = 0.622" in desc


def test_bad_step_is_a_clear_error():
    with pytest.raises(LSTMInputError, match="t must be a time step from 1 to 3; got 4"):
        cell_svg(toy(), 4)
    with pytest.raises(ValueError, match="layout must be one of desk, phone"):
        cell_svg(toy(), 1, layout="tablet")
    with pytest.raises(ValueError, match="highlight must be one of"):
        cell_svg(toy(), 1, highlight="memory")


def test_a_figure_holds_both_layouts_with_unique_ids():
    html = cell_figure(toy(), 2, caption="Step 2.", ident="s2")
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)) == 8  # title, desc and two arrow heads, twice
    assert 'class="lx-svg lx-cell lx-desk"' in html
    assert 'class="lx-svg lx-cell lx-phone"' in html
    assert html.endswith("<figcaption>Step 2.</figcaption></figure>")
    assert "<style>" not in html
    assert "<style>" in cell_figure(toy(), 2, standalone=True)  # for a notebook


def test_colours_follow_the_page():
    svg = cell_svg(toy(), 1)
    # no fixed colour: currentColor and Material's variables only
    assert not re.search(r'(?:fill|stroke)="#', svg)
    assert 'stroke="currentColor"' in svg
    assert "var(--md-default-bg-color" in svg


@pytest.mark.parametrize(
    ("gate", "lit"),
    [
        ("forget", {"f = σ(z_f)"}),
        ("input", {"i = σ(z_i)", "g = φ(z_g)"}),
        ("output", {"o = σ(z_o)"}),
        ("cell", set()),
    ],
)
def test_a_highlighted_figure_singles_out_its_gate(gate, lit):
    svg = cell_svg(standard_trace(), 2, highlight=gate)
    root = ET.fromstring(svg)
    assert "lx-focus" in root.get("class")
    highlighted = {
        "".join(t.itertext()) for t in root.iter(f"{SVG}text") if "lx-hl" in t.get("class")
    }
    heads = {h for h in highlighted if "(z_" in h}
    assert heads == lit
    assert root.find(f"{SVG}title").text.startswith(
        {
            "forget": "The forget gate",
            "input": "The input gate",
            "cell": "The cell state",
            "output": "The output gate",
        }[gate]
    )
    assert any("lx-hl" in (p.get("class") or "") for p in root.iter(f"{SVG}path"))


def test_the_second_example_figure_works_out_each_gate():
    # standard_weights at step 1 (x = 1, h_prev = 0): z_f = 1×0.25 + 0×0.5 + 1 = 1.25,
    # z_o = 1×(-0.5) + 0×0.5 + 0.25 = -0.25; negative factors are bracketed
    labels = texts(cell_svg(standard_trace(), 1))
    assert "+ 1 = 1.25" in labels
    assert "z_o = 1×(-0.5)" in labels
    assert "+ 0.25 = -0.25" in labels


def test_digits_grow_until_every_line_adds_up():
    # W_f = 0.5, everything else the toy network, in floats. By hand at step 3:
    # z_f = 1×0.5 + 11×1 = 11.5, c = 11.5×5.5 + 12×12 = 207.25 and h = 12×207.25 = 2487.
    # At four digits c shows as 207.2 and 12×207.2 = 2486.4 would not give 2487.
    weights = LSTMWeights([[1, 0.5, 1, 1]], [[1, 1, 1, 1]], [0, 0, 0, 0])
    trace = forward([1, 1, 1], weights, activation="linear", recurrent_activation="linear")
    assert digits_that_add_up(trace, 2) == 4  # c = 1.5×1 + 2×2 = 5.5, h = 11: all short
    assert digits_that_add_up(trace, 3) == 5
    assert "c = 207.25" in texts(cell_svg(trace, 3))


def test_the_template_leaves_every_number_to_the_stepper():
    html = cell_template("st")
    fields = set(FIELD.findall(html))
    # what the stepper's figureValues fills, and nothing else
    per_gate = {f"{k}_{s}" for k in ("W", "U", "b", "z", "v") for s in "ifgo"}
    assert (
        fields == {"t", "x", "h_prev", "c_prev", "c", "h", "act", "rec", "xt", "h_prevt"} | per_gate
    )
    root = ET.fromstring(html)
    assert [svg.get("class") for svg in root] == [
        "lx-svg lx-cell lx-desk",
        "lx-svg lx-cell lx-phone",
    ]
    for svg in root:
        assert svg.find(f"{SVG}desc").get("data-text").startswith("Time step {t}.")
        assert all(not (t.text or "").strip() for t in svg.iter(f"{SVG}text"))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_unrolled_figure_carries_h_and_c_from_step_to_step(layout):
    svg = unrolled_svg(toy(), layout=layout)
    labels = texts(svg)
    # by hand: c = 1, 6, 247 and h = 1, 12, 3211, from h0 = c0 = 0
    for state in ("c0 = 0", "h0 = 0", "c1 = 1", "h1 = 1", "c2 = 6", "h2 = 12", "c3 = 247",
                  "h3 = 3211"):  # fmt: skip
        assert state in labels
    for line in ("c = 2×1 + 2×2 = 6", "h = 2×φ(6) = 12", "c = 13×6 + 13×13 = 247"):
        assert line in labels
    desc = desc_of(svg)
    assert "Step 2: x2 = 1, gates i = 2, f = 2, g = 2, o = 2, then c2 = 6 and h2 = 12." in (
        desc.translate(str.maketrans("₀₁₂₃", "0123"))
    )
    order = ["c0 = 0", "c1 = 1", "c2 = 6", "c3 = 247"]
    axis = 0 if layout == "desk" else 1
    where = [positions(svg, label)[axis] for label in order]
    assert where == sorted(where)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_backward_figure_shows_step_twos_gradients(layout):
    trace = toy()
    grads = backward(trace, sum_of_outputs(trace).d_sequence_out)
    svg = backward_svg(trace, grads, 2, layout=layout)
    labels = texts(svg)
    # L = h1 + h2 + h3, by hand (tests/test_backward.py has the full derivation):
    # step 3 sends back dh_later = 663 and dc_later = 13×13 = 169; at step 2
    # dh = 1 + 663 = 664, dc = 169 + 664×2×1 = 1497, di = dc×g = 2994, df = dc×c_prev = 1497,
    # dg = dc×i = 2994, do = dh×c = 664×6 = 3984, dh_prev = 2994 + 1497 + 2994 + 3984 = 11469,
    # dc_prev = dc×f = 2994
    for label in ("dh = 1 + 663 = 664", "dc_later = 169", "= 1497×2 = 2994", "= 1497×1 = 1497",
                  "= 664×6 = 3984", "dh_prev = 11469", "dc_prev = 2994", "dc = 169 + 664×2×1",
                  "= 1497"):  # fmt: skip
        assert label in labels, label
    heads = ["di = dc×g", "df = dc×c_prev", "dg = dc×i", "do = dh×φ(c)"]
    axis = 0 if layout == "desk" else 1
    where = [positions(svg, head)[axis] for head in heads]
    assert where == sorted(where)  # i, f, g, o, as in the forward figure
    assert "Leaving for step 1: dh_prev = 11469" in desc_of(svg)


def test_exact_fractions_are_shortened_only_when_long():
    weights = LSTMWeights([[1, Fraction(1, 2), 1, 1]], [[1, 1, 1, 1]], [0, 0, 0, 0])
    trace = forward([1] * 3, weights, activation="linear", recurrent_activation="linear",
                    exact=True)  # fmt: skip
    # c3 = 23/2 × 11/2 + 12×12 = 253/4 + 576/4 = 829/4
    assert "c = 829/4" in texts(cell_svg(trace, 3))
    long = toy(6)
    # h6 has 95 digits: the figure shows it shortened, the description too
    assert any(label.startswith("h = ≈") for label in texts(cell_svg(long, 6)))


def test_figures_read_only_public_names_of_other_modules():
    # The figures may import from their own package freely, from the engine only public names.
    for path in FIGURES.glob("*.py"):
        tree = ast.parse(path.read_text("utf8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level >= 2:
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{path.name} imports {private} from {node.module}"
                assert not (node.module or "").startswith("_"), f"{path.name}: {node.module}"


def test_numbers_of_a_batched_trace_match_its_rows():
    trace = forward(np.ones((2, 2, 1)), LSTMWeights.constant(1), activation="linear",
                    recurrent_activation="linear", exact=True)  # fmt: skip
    assert desc_of(cell_svg(trace, 2, sample=1)) == desc_of(cell_svg(toy(2), 2))
