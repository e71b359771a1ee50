"""The gate heatmap: colours that keep their order, ink that reads, values from the trace."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

from lstm_explained import LSTMInputError, LSTMWeights, forward
from lstm_explained.explain.figures.heatmap import colour, heatmap_figure, heatmap_svg, ink


def luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of #rrggbb (or #rgb)."""
    h = hex_colour.lstrip("#")
    h = "".join(c * 2 for c in h) if len(h) == 3 else h
    channels = [int(h[k : k + 2], 16) / 255 for k in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_the_scale_runs_from_viridis_dark_to_light_and_brightens_steadily():
    assert colour(0) == "#440154"  # viridis's published end points
    assert colour(1) == "#fde725"
    assert colour(-3) == colour(0)
    assert colour(7) == colour(1)
    lum = [luminance(colour(v)) for v in np.linspace(0, 1, 41)]
    assert all(b > a for a, b in itertools.pairwise(lum))  # order survives in grey


@pytest.mark.parametrize("value", np.linspace(0, 1, 101))
def test_printed_values_meet_wcag_aa_contrast(value):
    assert contrast(ink(value), colour(value)) >= 4.5


def trace_of_a_gate_that_follows_its_input():
    # One unit; the input gate's pre-activation is x itself (kernel 1 in the input column,
    # everything else 0), so with sigmoid i_t = 1 / (1 + e^-x_t).
    kernel = np.array([[1.0, 0, 0, 0]])
    return forward([-2, 0, 2], LSTMWeights(kernel, np.zeros((1, 4)), np.zeros(4)))


def test_each_cell_shows_its_gate_value_and_says_it_in_words():
    svg = heatmap_svg(trace_of_a_gate_that_follows_its_input(), gates=["input"], units=[0])
    expected = [1 / (1 + np.exp(2)), 0.5, 1 / (1 + np.exp(-2))]  # 0.119, 0.5, 0.881
    shown = re.findall(r'class="lx-on-colour" fill="#(?:000|fff)">([0-9.]+)</text>', svg)
    assert shown == [f"{v:.2f}" for v in expected]
    tips = re.findall(r"<title>input gate, unit 1, step (\d): ([0-9.]+)</title>", svg)
    assert tips == [(str(t + 1), f"{v:.3f}") for t, v in enumerate(expected)]
    fills = re.findall(r'height="26" fill="(#[0-9a-f]{6})"', svg)
    assert fills == [colour(v) for v in expected]
    assert "input gate of unit 1: 0.12, 0.50, 0.88" in svg  # the description


def test_the_phone_layout_has_colour_and_symbols_and_both_sit_in_one_figure():
    trace = trace_of_a_gate_that_follows_its_input()
    phone = heatmap_svg(trace, layout="phone", notes=["-2", "0", "+2"])
    assert all(f">{g}1</text>" in phone for g in "ifo")  # unit 1, as the site counts
    assert "candidate" not in phone  # the candidate is not a gate in [0, 1]
    assert not re.search(r'fill="#(?:000|fff)">', phone)  # colour only
    assert ">+2</text>" in phone
    figure = heatmap_figure(trace, caption="gates")
    assert figure.count("<svg") == 2
    assert "<figcaption>gates</figcaption>" in figure


def test_notes_must_match_the_steps():
    with pytest.raises(LSTMInputError, match=r"one string per step \(3\); got 2"):
        heatmap_svg(trace_of_a_gate_that_follows_its_input(), notes=["a", "b"])
