"""SVG figures: accessible, well-formed, in the equations' gate order, carrying the trace's numbers.

Expected numbers are worked out by hand in the comments, never copied from the engine.
"""

from __future__ import annotations

import ast
import math
import re
import xml.etree.ElementTree as ET
from fractions import Fraction

import numpy as np
import pytest

from lstm_explained import (
    GRUWeights,
    LSTMInputError,
    LSTMWeights,
    backward,
    forward,
    hand_calculation,
    sum_of_outputs,
)
from lstm_explained.explain.figures import (
    backward_svg,
    cell_figure,
    cell_svg,
    cell_template,
    gru_svg,
    gru_template,
    unrolled_svg,
)
from lstm_explained.explain.figures.numbers import digits_that_add_up
from lstm_explained.explain.figures.svg import FIELD
from lstm_explained.networks.examples import NETWORKS, reset_pair_weights, standard_trace
from tests.docs.arithmetic import lines_that_do_not_add_up
from tests.paths import PACKAGE

SVG = "{http://www.w3.org/2000/svg}"
FIGURES = PACKAGE / "explain" / "figures"
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


# ---- the GRU cell ---------------------------------------------------------------------------


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
    per_gate = {f"{k}_{s}" for k in ("W", "U", "b", "b2", "a", "v") for s in "zrn"}
    assert after == {"t", "x", "h_prev", "h", "act", "rec", "xt", "h_prevt"} | per_gate
    before = set(FIELD.findall(gru_template("g", reset_after=False, products=True)))
    assert before == after - {"b2_z", "b2_r", "b2_n"}
    units = set(FIELD.findall(gru_template("g", reset_after=True, products=False)))
    assert units == {"t", "x", "h_prev", "h", "act", "rec"} | {f"{k}_{s}" for k in "av"
                                                                for s in "zrn"}  # fmt: skip


def test_gru_digits_grow_until_every_line_adds_up():
    # A GRU in floats with identity activations: kernel z 0.25, r 0, n 100.5, nothing
    # recurrent. Step 1: z = 0.25, r = 0, n = 100.5, h = 0.25×0 + 0.75×100.5 = 75.375,
    # which has five significant digits: shown in full, not as 75.38.
    weights = GRUWeights([[0.25, 0, 100.5]], [[0, 0, 0]], None)
    trace = forward([1], weights, activation="linear", recurrent_activation="linear")
    assert digits_that_add_up(trace, 1) == 5
    assert "h = 75.375" in texts(gru_svg(trace, 1))


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("seed", range(4))
def test_gru_working_with_the_digits_chosen_adds_up(seed, reset_after):
    # redone by tests/docs/arithmetic.py, which parses the text on its own; weights and
    # inputs have two decimals, as a reader types them (the check takes them as exact)
    rng = np.random.default_rng(seed)
    bias = rng.normal(size=(2, 6) if reset_after else 6).round(2)
    weights = GRUWeights(rng.normal(size=(2, 6)).round(2), rng.normal(size=(2, 6)).round(2),
                         bias, reset_after=reset_after)  # fmt: skip
    inputs = rng.normal(size=(3, 2)).round(2)
    trace = forward(inputs, weights)
    blocks = [hand_calculation(trace, t, digits=digits_that_add_up(trace, t)) for t in (1, 2, 3)]
    assert lines_that_do_not_add_up(*blocks) == []
