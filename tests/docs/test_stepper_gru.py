"""The stepper's GRU and its networks of several inputs and units, in Chromium.

Every number the page shows is compared with the engine's golden vectors
(tests/docs/stepper_golden.json): the table of every step, the hand calculation (word
for word, and line by line redone by tests/docs/arithmetic.py), the diagram's values and
its lines of working (redone too), for each new preset and for configs typed into the
controls. The page is measured at a phone's and a desk's width
with every preset.
"""

from __future__ import annotations

import re

import pytest

from tests.docs.arithmetic import lines_that_do_not_add_up
from tests.docs.layout import MIN_FONT_PX, layout_problems
from tests.docs.site import WIDTHS, open_page, screenshot
from tests.docs.stepper_page import (
    BY_NAME,
    GOLDEN,
    columns,
    open_stepper,
    rendered_working,
    set_controls,
    start_over,
    table,
    want_rows,
)

# Each menu entry and the golden vector of the same network.
PRESETS = {
    "article": "article",
    "forget-bias": "unit_forget_bias",
    "second-example": "second example",
    "gru-example": "gru example",
    "fingerprint": "fingerprint",
    "fingerprint-gru": "fingerprint gru",
    "plain-cell": "plain cell",
    "peepholes": "peepholes",
}
# The presets without a drawing: an LSTM with ONNX's variants, whose terms it has no
# place for (test_stepper_variants.py).
NO_DRAWING = {"peepholes"}
# The vectors with a cell named: the GRUs, the plain cells, the LSTMs with ONNX's
# variants and the networks of several inputs or units.
NEW = [v for v in GOLDEN if "cell" in v["config"]]


@pytest.fixture(scope="module")
def stepper_url(server) -> str:
    return f"{server}latest/stepper/"


@pytest.mark.parametrize("preset", PRESETS, ids=str)
def test_each_preset_shows_its_network(browser, stepper_url, preset):
    vector = BY_NAME[PRESETS[preset]]
    with open_stepper(browser, stepper_url) as (page, errors, _):
        page.select_option("#stepper-preset", preset)
        assert page.input_value("#stepper-cell") == vector["config"].get("cell", "lstm")
        assert table(page) == want_rows(vector)
        heads = page.locator("#stepper-table thead th").all_inner_texts()
        letters = {"input": "i", "forget": "f", "candidate": "g", "output": "o",
                   "update": "z", "reset": "r"}  # fmt: skip
        if vector["config"].get("cell") == "gru":
            letters["candidate"] = "n"
        assert heads == [letters.get(c, c) for c in columns(vector["config"])]
        texts, drawing, _ = rendered_working(page)
        assert texts == vector["hand"]  # the engine's hand calculation, word for word
        assert lines_that_do_not_add_up(*texts) == []
        assert drawing == []  # the drawing's working adds up too, at every step
        assert errors == []


def problems_with(page, vector) -> list[str]:
    """What the page shows wrong after typing `vector`'s network into its controls."""
    problems = []
    if error := page.inner_text("#stepper-error"):
        problems.append(f"error shown: {error}")
    if page.locator("#stepper-exact").is_checked() != vector["config"]["exact"]:
        problems.append("exact mode")
    if table(page) != want_rows(vector):
        problems.append(f"table: {table(page)}")
    texts, drawing, _ = rendered_working(page)
    if texts != vector["hand"]:
        problems.append(f"hand calculation: {texts}")
    if not any(word in t for t in texts for word in ("inf", "nan")):
        problems += lines_that_do_not_add_up(*texts)
        problems += drawing
    return problems


def test_the_controls_reproduce_every_gru_or_vector_network(browser, stepper_url):
    # One page, started over between vectors; a mismatch is reported by the vector's name.
    wrong = {}
    with open_stepper(browser, stepper_url) as (page, errors, _):
        for vector in NEW:
            start_over(page)
            set_controls(page, vector["config"])
            if problems := problems_with(page, vector):
                wrong[vector["name"]] = problems
        assert errors == []
    assert wrong == {}
    assert len(NEW) >= 10


def test_the_article_as_a_gru_stays_at_zero(browser, stepper_url):
    # By hand: every weight 1, no bias, identity activations. Step 1: a_z = 1×1 + 0×1 = 1,
    # so z = 1 and h = z×h0 + (1-z)×n = 0; every later step starts from the same zero.
    with open_stepper(browser, stepper_url) as (page, errors, _):
        page.select_option("#stepper-cell", "gru")
        assert page.locator("#stepper-reset-after").is_visible()
        assert not page.locator("#stepper-c0").is_visible()
        h = [row[-1] for row in table(page)]
        assert h == ["0", "0", "0"]
        assert "z = linear(1) = 1" in page.inner_text("#stepper-hand")
        assert errors == []


def test_reset_after_switches_where_r_multiplies(browser, stepper_url):
    with open_stepper(browser, stepper_url) as (page, errors, _):
        page.select_option("#stepper-preset", "gru-example")
        page.click("#stepper-next")
        assert "a_n = 0.5×1 + 0 + r×(" in page.inner_text("#stepper-hand")
        page.select_option("#stepper-reset-after", "false")
        # one bias per gate now: the recurrent-side b′ column is gone, b keeps its value
        assert page.locator("#stepper-b2-candidate").count() == 0
        page.fill("#stepper-b-candidate", "0.5")  # b_n + b′_n, as the golden vector sums them
        assert table(page) == want_rows(BY_NAME["gru example, reset before"])
        # r multiplies h_prev before the product: "+ (r×h_prev)×U_n", with step 2's values
        step = BY_NAME["gru example, reset before"]["steps"][1]
        found = re.search(r"\+ \(([-\d.]+)×([-\d.]+)\)×1 = ", page.inner_text("#stepper-hand"))
        assert found
        r, h_prev = (float(v) for v in found.groups())
        assert r == pytest.approx(step["gates"]["reset"], abs=5e-4)
        assert h_prev == pytest.approx(step["h_prev"], abs=5e-4)
        assert errors == []


def figure_text(page) -> str:
    return " ".join(page.locator("#stepper-figure-box svg:visible text").all_text_contents())


def test_the_diagram_shows_the_unit_chosen(browser, stepper_url):
    vector = BY_NAME["fingerprint"]
    with open_stepper(browser, stepper_url) as (page, errors, _):
        page.select_option("#stepper-preset", "fingerprint")
        page.click("#stepper-next")
        step = vector["steps"][1]
        for unit in (0, 1):
            page.select_option("#stepper-unit", str(unit + 1))
            text = figure_text(page)
            assert f"c = {step['c'][unit]}" in text
            assert f"i = {step['gates']['input'][unit]}" in text
            assert f"+ b_f = {step['a']['forget'][unit]}" in text
            caption = page.inner_text("#stepper-figcaption")
            assert f"unit {unit + 1} of 2" in caption
        assert errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_every_preset_fits_and_reads(browser, stepper_url, width):
    """The layout measurements of tests/docs/layout.py with each preset at its last step,
    one preset after another on one page."""
    found = {}
    with open_stepper(browser, stepper_url, **WIDTHS[width]) as (page, errors, _):
        for preset in PRESETS:
            page.select_option("#stepper-preset", preset)
            page.click("#stepper-next")
            problems = layout_problems(page)
            sizes = page.evaluate(
                """() => [...document.querySelectorAll('#stepper-figure-box svg text')]
                    .filter((t) => t.getBoundingClientRect().width > 0 && t.textContent.trim())
                    .map((t) => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"""
            )
            screenshot(page, f"stepper-{preset}-{width}")
            drawn = bool(sizes) and min(sizes) >= MIN_FONT_PX
            if problems or (drawn if preset in NO_DRAWING else not drawn):
                found[preset] = (problems, min(sizes, default=None))
        assert errors == []
    assert found == {}


def test_the_stepper_fills_the_same_gru_drawing_the_gru_page_shows(browser, server, stepper_url):
    # One drawing: at step 2 the GRU example must read exactly as on the GRU page, whose
    # first GRU figure is that step (both layouts).
    with open_page(browser, f"{server}latest/gru/") as (page, _, _):
        first = page.locator(".md-content .lx-layouts").filter(has=page.locator("svg.lx-gru"))
        want = first.first.locator("svg text").all_text_contents()
    with open_stepper(browser, stepper_url) as (page, errors, _):
        page.select_option("#stepper-preset", "gru-example")
        page.click("#stepper-next")
        got = page.locator("#stepper-figure-box svg text").all_text_contents()
        assert len(got) > 60
        assert got == want
        assert not any("{" in text or "undefined" in text for text in got)
        assert errors == []
