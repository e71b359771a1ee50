"""The gradient plot: a log scale whose gridlines are powers of ten, lines told apart
without colour, every value in the description."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

import pytest

from lstm_explained import LSTMInputError
from lstm_explained.explain.figures.gradient_plot import (
    Series,
    decades,
    gradient_plot_figure,
    gradient_plot_svg,
    power,
)
from tests.explain.figures.reading import SVG, desc_of, texts

FALLING = Series("falling", (1e-3, 1e-2, 1e-1, 1.0))  # one power of ten a step
LEVEL = Series("level", (0.5, 0.5, 0.5, 0.5))


def series_points(svg: str) -> dict[str, list[tuple[float, float]]]:
    """Each named series' points, read from its path."""
    found = {}
    for path in ET.fromstring(svg).iter(f"{SVG}path"):
        tip = path.find(f"{SVG}title")
        if tip is not None:
            pairs = re.findall(r"([\d.]+) ([\d.]+)", path.get("d"))
            found[tip.text] = [(float(x), float(y)) for x, y in pairs]
    return found


def test_the_axis_spans_the_powers_of_ten_the_values_need():
    assert decades([FALLING, LEVEL]) == (-3, 0)
    assert decades([Series("s", (2.0, -0.04))]) == (-2, 1)  # sizes: the sign is dropped
    assert [power(k) for k in (0, 1, -3, -11)] == ["1", "10", "10⁻³", "10⁻¹¹"]


@pytest.mark.parametrize("layout", ["desk", "phone"])
def test_a_power_of_ten_a_step_is_a_straight_line_with_even_steps(layout):
    svg = gradient_plot_svg([FALLING, LEVEL], layout=layout)
    points = series_points(svg)["falling"]
    xs, ys = zip(*points, strict=True)
    # evenly spaced in x (steps) and in y (one decade per step), falling to the left
    x_steps = [b - a for a, b in itertools.pairwise(xs)]
    y_steps = [a - b for a, b in itertools.pairwise(ys)]
    for gaps in (x_steps, y_steps):  # coordinates are written to a tenth
        assert min(gaps) > 20
        assert max(gaps) - min(gaps) <= 0.11
    level_ys = {y for _, y in series_points(svg)["level"]}
    assert len(level_ys) == 1
    # 0.5 sits log10(2) = 0.301 of a decade below 1, and 1 is at the top gridline
    decade = ys[2] - ys[3]
    assert level_ys.pop() - ys[3] == pytest.approx(0.30103 * decade, abs=0.2)
    assert {"1", "10⁻¹", "10⁻²", "10⁻³", "time step"} <= set(texts(svg))


def test_lines_differ_by_dash_and_the_legend_names_them():
    svg = gradient_plot_svg([FALLING, LEVEL, Series("third", (1, 1, 1, 1))])
    dashes = [p.get("stroke-dasharray") for p in ET.fromstring(svg).iter(f"{SVG}path")
              if p.find(f"{SVG}title") is not None]  # fmt: skip
    assert len(set(dashes)) == 3
    assert {"falling", "level", "third"} <= set(texts(svg))


def test_every_value_is_in_the_description_and_both_layouts_in_one_figure():
    svg = gradient_plot_svg([FALLING], title="A title")
    assert "falling, from step 1 to step 4: 0.001, 0.01, 0.1, 1." in desc_of(svg)
    assert '<title id="gradient-plot-title">A title</title>' in svg
    figure = gradient_plot_figure([FALLING], caption="sizes", ident="g")
    assert figure.count("<svg") == 2
    assert 'id="g-desk-title"' in figure
    assert 'id="g-phone-title"' in figure
    assert "<figcaption>sizes</figcaption>" in figure


def test_no_value_is_fetched_or_scripted():
    svg = gradient_plot_svg([FALLING])
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert "<script" not in svg


@pytest.mark.parametrize(
    ("series", "message"),
    [
        ([], "at least one Series; got none"),
        ([FALLING, Series("short", (1.0,))], "falling: 4, short: 1"),
        ([Series("zero", (1.0, 0.0))], "finite values other than zero; zero has another"),
        ([Series("nan", (1.0, float("nan")))], "nan has another"),
    ],
)
def test_what_cannot_be_plotted_is_refused_and_named(series, message):
    with pytest.raises(LSTMInputError, match=re.escape(message)):
        gradient_plot_svg(series)
