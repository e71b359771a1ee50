"""SVG cell diagrams: accessible, well-formed, and carrying the trace's numbers."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from lstm_explained import LSTMInputError, LSTMWeights, forward
from lstm_explained.figures import cell_svg

SVG = "{http://www.w3.org/2000/svg}"


def toy():
    return forward(
        [1, 1, 1],
        LSTMWeights.constant(1),
        activation="linear",
        recurrent_activation="linear",
        exact=True,
    )


def test_step_two_figure_shows_the_hand_calculated_values():
    svg = cell_svg(toy(), 2, ident="fig")
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "fig-title fig-desc"
    assert root.find(f"{SVG}title").text == "The LSTM cell at time step 2"
    desc = root.find(f"{SVG}desc").text
    # step 2 by hand: every gate 1 + 1 = 2, c = 2*1 + 2*2 = 6, h = 2*6 = 12
    for part in (
        "x = 1",
        "h_prev = 1",
        "c_prev = 1",
        "forget gate f = 2",
        "input gate i = 2",
        "candidate g = 2",
        "output gate o = 2",
        "c = 6",
        "h = 12",
    ):
        assert part in desc
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "12" in labels
    assert "6" in labels
    assert labels.count("2") == 4


def test_figure_numbers_follow_the_trace():
    weights = LSTMWeights.constant(1, bias={"forget": 1})
    trace = forward(
        [1, 1, 1], weights, activation="linear", recurrent_activation="linear", exact=True
    )
    desc = ET.fromstring(cell_svg(trace, 3)).find(f"{SVG}desc").text
    # forget bias 1, step 3 by hand: z = 1 + 14 = 15, f = 16, c = 16*7 + 15*15 = 337, h = 5055
    assert "forget gate f = 16" in desc
    assert "c = 337" in desc
    assert "h = 5055" in desc


def test_symbolic_figure_has_no_numbers():
    root = ET.fromstring(cell_svg())
    assert root.find(f"{SVG}title").text == "The LSTM cell"
    labels = " ".join(t.text for t in root.iter(f"{SVG}text"))
    assert not any(ch in "0123456789" for ch in labels)
    assert "cₜ₋₁" in labels
    assert "hₜ" in labels


def test_floats_are_rounded_and_batches_pick_a_sample():
    trace = forward([[[0.5]], [[1.0]]], LSTMWeights.constant(0.5))
    desc = ET.fromstring(cell_svg(trace, 1, sample=1, digits=3)).find(f"{SVG}desc").text
    assert "x = 1 and" in desc
    # z = 0.5 * 1 = 0.5 for every gate; sigmoid(0.5) = 0.6225 -> 0.622 at three digits
    assert "forget gate f = 0.622" in desc


def test_bad_step_is_a_clear_error():
    with pytest.raises(LSTMInputError, match="t must be a time step from 1 to 3; got 4"):
        cell_svg(toy(), 4)
