"""The unrolled figure: the cell at every step, h and c carried from each step into the
next, with the numbers worked out by hand."""

from __future__ import annotations

import pytest

from lstm_explained.explain.figures import unrolled_svg
from tests.explain.figures.reading import LAYOUTS, desc_of, positions, texts, toy


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
