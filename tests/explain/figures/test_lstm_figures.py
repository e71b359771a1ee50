"""The LSTM cell with a trace's numbers, forwards and backwards: accessible, well-formed, in
the equations' gate order, carrying the trace's numbers, and as the stepper's template.

Expected numbers are worked out by hand in the comments, never copied from the engine.
"""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from fractions import Fraction

import numpy as np
import pytest

from lstm_explained import LSTMInputError, LSTMWeights, backward, forward, sum_of_outputs
from lstm_explained.explain.figures import backward_svg, cell_figure, cell_svg, cell_template
from lstm_explained.explain.figures.lstm_figures import backward_figure
from lstm_explained.explain.figures.svg import FIELD
from lstm_explained.networks.examples import standard_trace
from tests.explain.figures.reading import LAYOUTS, SVG, desc_of, positions, texts, toy
from tests.paths import PACKAGE

FIGURES = PACKAGE / "explain" / "figures"


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
    parts += ["candidate g = 2", "output gate o = 2", "c = 6.", "h = 12,", "a_f = 2"]
    for part in parts:
        assert part in desc
    labels = texts(svg)
    for s in "ifgo":
        # each gate box works its pre-activation out: z = x×W + h_prev×U + b
        assert [f"a_{s} = 1×1", "+ 1×1", "+ 0 = 2", f"{s} = 2"] == labels[
            labels.index(f"a_{s} = 1×1") : labels.index(f"a_{s} = 1×1") + 4
        ]
    assert "c = 6" in labels
    assert "h = 12" in labels


def test_the_figure_uses_the_equations_symbols_and_names_the_activations():
    labels = texts(cell_svg(standard_trace(), 1))
    assert "g = φ(a_g)" in labels
    assert not any(label.startswith("act") for label in labels)
    assert "σ = sigmoid (recurrent_activation)" in labels
    assert "φ = tanh (activation)" in labels


def test_symbolic_figure_has_no_numbers():
    svg = cell_svg()
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title").text == "The LSTM cell"
    labels = " ".join(texts(svg))
    assert not any(ch in "0123456789" for ch in labels)
    for part in ("a_f = x×W_f", "+ h_prev×U_f", "+ b_f", "c_prev", "h_prev"):
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
        ("forget", {"f = σ(a_f)"}),
        ("input", {"i = σ(a_i)", "g = φ(a_g)"}),
        ("output", {"o = σ(a_o)"}),
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
    heads = {h for h in highlighted if "(a_" in h}
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
    # standard_weights at step 1 (x = 1, h_prev = 0): a_f = 1×0.25 + 0×0.5 + 1 = 1.25,
    # a_o = 1×(-0.5) + 0×0.5 + 0.25 = -0.25; negative factors are bracketed
    labels = texts(cell_svg(standard_trace(), 1))
    assert "+ 1 = 1.25" in labels
    assert "a_o = 1×(-0.5)" in labels
    assert "+ 0.25 = -0.25" in labels


def test_the_template_leaves_every_number_to_the_stepper():
    html = cell_template("st")
    fields = set(FIELD.findall(html))
    # what the stepper's figureValues fills, and nothing else
    per_gate = {f"{k}_{s}" for k in ("xt", "W", "h_prevt", "U", "b", "a", "v") for s in "ifgo"}
    assert fields == {"t", "x", "h_prev", "c_prev", "c", "h", "act", "rec"} | per_gate
    root = ET.fromstring(html)
    assert [svg.get("class") for svg in root] == [
        "lx-svg lx-cell lx-desk",
        "lx-svg lx-cell lx-phone",
    ]
    for svg in root:
        assert svg.find(f"{SVG}desc").get("data-text").startswith("Time step {t}.")
        assert all(not (t.text or "").strip() for t in svg.iter(f"{SVG}text"))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_backward_figure_shows_step_twos_gradients(layout):
    trace = toy()
    grads = backward(trace, sum_of_outputs(trace).d_sequence_out)
    svg = backward_svg(trace, grads, 2, layout=layout)
    labels = texts(svg)
    # L = h1 + h2 + h3, by hand (tests/engine/test_backward.py has the full derivation):
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


@pytest.mark.parametrize("variant", [{"peephole": np.ones((3, 1))}, {"clip": 0.5}])
def test_the_figures_refuse_an_lstm_with_variants_naming_them(variant):
    # the drawings have no place for a peephole term or a clip; the hand calculation has
    trace = forward([1, 0.5], LSTMWeights.constant(0.5).replace(**variant))
    name = next(iter(variant))
    with pytest.raises(LSTMInputError, match=f"cell figure draws .* this one has {name}"):
        cell_figure(trace, 2)
    grads = backward(trace, sum_of_outputs(trace).d_sequence_out)
    with pytest.raises(LSTMInputError, match=f"backward figure draws .* this one has {name}"):
        backward_figure(trace, grads, 2)
