"""The interactive stepper's JavaScript against the engine's golden vectors, in Chromium.

The LSTM with one input and one unit; the GRU and the networks of several inputs and
units are in test_stepper_gru.py.
"""

from __future__ import annotations

import json
import math

import pytest

from tests.docs.arithmetic import checked_lines, lines_that_do_not_add_up
from tests.docs.site import PHONE, open_page, screenshot
from tests.docs.stepper_page import (
    GOLDEN,
    LSTM_COLUMNS,
    loaded,
    make_stepper_golden,
    open_stepper,
    rendered_working,
    set_controls,
    start_over,
    table,
    want_rows,
)

GATES = ("input", "forget", "candidate", "output")
COLUMNS = LSTM_COLUMNS


def agree(stored, fresh, where="golden"):
    """Where `stored` and `fresh` differ, beyond float64's last digits (a processor
    with other vector instructions computes exp and tanh to a different last bit)."""
    if isinstance(stored, dict) and isinstance(fresh, dict):
        if stored.keys() != fresh.keys():
            return [f"{where}: keys {sorted(stored)} against {sorted(fresh)}"]
        return [d for k in stored for d in agree(stored[k], fresh[k], f"{where}.{k}")]
    if isinstance(stored, list) and isinstance(fresh, list):
        if len(stored) != len(fresh):
            return [f"{where}: {len(stored)} items against {len(fresh)}"]
        return [
            d
            for k, (a, b) in enumerate(zip(stored, fresh, strict=True))
            for d in agree(a, b, f"{where}[{k}]")
        ]
    if isinstance(stored, float) or isinstance(fresh, float):
        same = isinstance(stored, (int, float)) and isinstance(fresh, (int, float)) and \
            math.isclose(stored, fresh, rel_tol=1e-12, abs_tol=1e-300)  # fmt: skip
        return [] if same else [f"{where}: {stored!r} against {fresh!r}"]
    return [] if stored == fresh else [f"{where}: {stored!r} against {fresh!r}"]


def test_the_golden_vectors_are_up_to_date():
    # Regenerated from the engine on every run: a change to the engine or to the
    # vectors' definitions makes the file stale, and this fails until it is rewritten.
    stored = json.loads(make_stepper_golden.OUT.read_text("utf8"))
    fresh = json.loads(make_stepper_golden.render())
    assert agree(stored, fresh)[:5] == []
    assert len(GOLDEN) >= 15


def test_the_golden_comparison_sees_a_changed_digit():
    assert agree({"a": [1.0, 2.5]}, {"a": [1.0, 2.5 * (1 + 4e-16)]}) == []
    assert agree({"a": [1.0, 2.5]}, {"a": [1.0, 2.5001]}) == ["golden.a[1]: 2.5 against 2.5001"]
    assert agree({"a": "x"}, {"a": "y"}) == ["golden.a: 'x' against 'y'"]


@pytest.fixture(scope="module")
def stepper_url(server) -> str:
    """The page as published by mike, so the version selector finds its versions.json."""
    return f"{server}latest/stepper/"


def same(got, want, exact: bool) -> bool:
    if isinstance(want, list):
        return (
            isinstance(got, list)
            and len(got) == len(want)
            and all(same(a, b, exact) for a, b in zip(got, want, strict=True))
        )
    if exact:
        return got == want
    return abs(got - want) <= 1e-9 * max(1.0, abs(want))


def test_page_code_reproduces_every_vector(browser, stepper_url):
    with open_stepper(browser, stepper_url) as (page, errors, outside):
        loaded(page, errors)
        for vector in GOLDEN:
            got = page.evaluate("cfg => LSTMStepper.forward(cfg)", vector["config"])["steps"]
            exact = vector["config"]["exact"]
            assert len(got) == len(vector["steps"]), vector["name"]
            for ours, theirs in zip(got, vector["steps"], strict=True):
                assert sorted(ours) == sorted(theirs), vector["name"]
                for key in theirs.keys() - {"t", "a", "gates"}:
                    assert same(ours[key], theirs[key], exact), (vector["name"], ours["t"], key)
                for gate in theirs["gates"]:
                    assert same(ours["a"][gate], theirs["a"][gate], exact), (vector["name"], gate)
                    assert same(ours["gates"][gate], theirs["gates"][gate], exact)
        assert errors == []
        assert outside == []


CONTROL_VECTORS = [v for v in GOLDEN if v["config"].get("cell", "lstm") == "lstm"
                   and v["config"]["h0"] == 0 and v["config"]["c0"] == 0]  # fmt: skip


def test_the_controls_reproduce_every_vector(browser, stepper_url):
    # One page, started over between vectors; a mismatch is reported by the vector's name.
    # Every step's hand calculation as rendered is the engine's word for word, and every
    # line of working the drawing shows adds up from its digits (tests/docs/arithmetic.py).
    wrong, drawn = {}, 0
    with open_stepper(browser, stepper_url) as (page, errors, _):
        for vector in CONTROL_VECTORS:
            start_over(page)
            set_controls(page, vector["config"])
            exact = page.locator("#stepper-exact").is_checked()
            if exact != vector["config"]["exact"] or table(page) != want_rows(vector):
                wrong[vector["name"]] = {"exact": exact, "table": table(page)}
            hands, failing, count = rendered_working(page)
            drawn += count
            if hands != vector["hand"] or failing:
                wrong[vector["name"]] = {"hand": hands, "drawing": failing}
        assert errors == []
    assert wrong == {}
    assert len(CONTROL_VECTORS) >= 15
    assert drawn >= 8 * len(CONTROL_VECTORS)  # both layouts' four a lines, every step


def test_opened_without_parameters_it_shows_the_article(browser, stepper_url):
    # The article's numbers, by hand: h = 1, 12, 3211 and c = 1, 6, 247.
    with open_page(browser, stepper_url) as (page, errors, _):
        loaded(page, errors)
        rows = table(page)
        assert [r[COLUMNS.index("h")] for r in rows] == ["1", "12", "3211"]
        assert [r[COLUMNS.index("c")] for r in rows] == ["1", "6", "247"]
        assert page.locator("#stepper-figure svg:visible").count() == 1  # of two layouts
        assert errors == []


@pytest.mark.parametrize("status", [200, 404])
def test_the_other_cells_drawings_come_when_picked(browser, stepper_url, status):
    """The page holds the LSTM's drawings; the GRU's and the plain cell's are fetched the
    first time a reader picks one of those cells (3 KiB gzipped that a page opened on the
    LSTM does not download), once, and drawn when they arrive. If they cannot be fetched,
    the box says so, and the table and the hand calculation are there as ever."""
    figures = f"{stepper_url}cell-figures.html"
    context = browser.new_context()
    page = context.new_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    if status == 404:  # as a host that lost the file would answer
        page.route(figures, lambda r: r.fulfill(status=404, body="not found"))
    try:
        page.goto(stepper_url, wait_until="networkidle")
        loaded(page, errors)
        assert figures not in requests  # not at load
        assert page.locator("#stepper-figure-box svg").count() > 0  # the LSTM's, inline
        assert page.locator("template[id^='gru-'], template[id^='rnn-']").count() == 0
        page.select_option("#stepper-preset", "gru-example")
        if status == 200:
            page.wait_for_selector("#stepper-figure-box svg.lx-gru", state="attached")
            page.select_option("#stepper-preset", "fingerprint-gru")  # the -units drawings
            assert page.locator("#stepper-figure-box svg.lx-gru").count() > 0
            page.select_option("#stepper-preset", "plain-cell")
            assert page.locator("#stepper-figure-box svg.lx-rnn").count() > 0
        else:
            note = page.locator("#stepper-figure-box .stepper-figure-note")
            note.filter(has_text="could not be loaded").wait_for()
            assert "HTTP 404" in note.inner_text()
            assert "the table and the hand calculation show this step" in note.inner_text()
            assert len(table(page)) == 3  # the GRU example's three steps
            assert "time step 1" in page.inner_text("#stepper-hand")
        assert requests.count(figures) == 1
        assert errors == []
    finally:
        context.close()


def test_keyboard_steps_through_time(browser, stepper_url):
    with open_stepper(browser, stepper_url) as (page, _, _):
        page.focus("#stepper-next")
        page.keyboard.press("Enter")
        assert "step 2 of 3" in page.inner_text("#stepper-step")
        assert "time step 2" in page.inner_text("#stepper-hand")
        page.keyboard.press("ArrowRight")
        assert "step 3 of 3" in page.inner_text("#stepper-step")
        assert "= 3211" in page.inner_text("#stepper-hand")
        page.keyboard.press("ArrowLeft")
        assert "step 2 of 3" in page.inner_text("#stepper-step")


def test_presets(browser, stepper_url):
    with open_stepper(browser, stepper_url) as (page, _, _):
        page.select_option("#stepper-preset", "forget-bias")
        assert [r[COLUMNS.index("h")] for r in table(page)] == ["1", "14", "5055"]


def test_impossible_exact_mode_is_a_clear_error(browser, stepper_url):
    with open_stepper(browser, stepper_url) as (page, errors, _):
        loaded(page, errors)
        config = {**GOLDEN[0]["config"], "activation": "tanh"}
        message = page.evaluate(
            "cfg => { try { LSTMStepper.forward(cfg); return ''; }"
            " catch (e) { return e.message; } }",
            config,
        )
        assert "exact" in message
        assert "linear" in message


def test_the_page_is_usable_on_a_phone(browser, stepper_url):
    with open_stepper(browser, stepper_url, **PHONE) as (page, errors, _):
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1
        assert errors == []
        screenshot(page, "stepper_phone")


def hand_after(page, config, t: int) -> str:
    """The stepper's hand calculation of step t after typing `config` into its controls."""
    set_controls(page, config)
    for _ in range(t - 1):
        page.click("#stepper-next")
    return page.inner_text("#stepper-hand")


HALF_FORGET = {
    "inputs": [1, 1, 1],
    "weights": {g: {"W": 0.5 if g == "forget" else 1, "U": 1, "b": 0} for g in GATES},
    "activation": "linear",
    "recurrentActivation": "linear",
}


def test_every_line_of_working_adds_up_in_floats(browser, stepper_url):
    # The example: W_f = 0.5. By hand at step 3, a_f = 1×0.5 + 11×1 = 11.5,
    # c = 11.5×5.5 + 12×12 = 63.25 + 144 = 207.25 and h = 12×207.25 = 2487. Four
    # significant digits showed c as 207.2, and 12×207.2 is not 2487.
    with open_stepper(browser, stepper_url) as (page, errors, _):
        text = hand_after(page, {**HALF_FORGET, "exact": False}, 3)
        assert "c = f×c_prev + i×g = 11.5×5.5 + 12×12 = 207.25" in text
        assert "h = o×linear(c) = 12×linear(207.25) = 2487" in text
        assert lines_that_do_not_add_up(text) == []
        assert checked_lines(text) == 10
        assert errors == []


def test_exact_mode_takes_decimals_as_fractions(browser, stepper_url):
    # The same network in exact arithmetic: 0.5 is 1/2, so c_2 = (3/2)×1 + 2×2 = 11/2 and
    # c_3 = (23/2)×(11/2) + 12×12 = 253/4 + 576/4 = 829/4, h_3 = 12×829/4 = 2487.
    with open_stepper(browser, stepper_url) as (page, errors, _):
        set_controls(page, {**HALF_FORGET, "exact": True})
        assert page.locator("#stepper-exact").is_enabled()
        assert page.locator("#stepper-exact").is_checked()
        assert [r[COLUMNS.index("c")] for r in table(page)] == ["1", "11/2", "829/4"]
        page.click("#stepper-next")
        page.click("#stepper-next")
        text = page.inner_text("#stepper-hand")
        assert "c = f×c_prev + i×g = (23/2)×(11/2) + 12×12 = 829/4" in text
        assert "h = o×linear(c) = 12×linear(829/4) = 2487" in text
        assert lines_that_do_not_add_up(text) == []
        assert errors == []


def test_the_working_of_every_golden_vector_adds_up(browser, stepper_url):
    # One page for all the vectors: handCalculation is a pure function of its arguments.
    # Its text is the engine's, word for word (the same rule chose every line's digits),
    # and every line adds up from the digits it shows (tests/docs/arithmetic.py).
    wrong, checked = {}, 0
    with open_stepper(browser, stepper_url) as (page, errors, _):
        loaded(page, errors)
        for vector in GOLDEN:
            config = vector["config"]
            steps = [
                page.evaluate("([cfg, t]) => LSTMStepper.handCalculation(cfg, t)", [config, t])
                for t in range(1, len(vector["steps"]) + 1)
            ]
            assert not any(word in text for text in steps for word in ("inf", "nan")), (
                f"{vector['name']} overflowed: nothing to add up"
            )
            checked += sum(checked_lines(text) for text in steps)
            if bad := lines_that_do_not_add_up(*steps):
                wrong[vector["name"]] = bad
            elif steps != vector["hand"]:
                wrong[vector["name"]] = [a for a, b in zip(steps, vector["hand"], strict=True)
                                         if a != b]  # fmt: skip
        assert errors == []
    assert wrong == {}
    assert checked > 10 * len(GOLDEN)


def figure_texts(page, scope: str) -> list[str]:
    """Every label of both layouts (SVG text has no innerText: textContent)."""
    texts = page.locator(f"{scope} svg.lx-cell text").all_text_contents()
    assert len(texts) > 60
    return texts


def test_the_stepper_fills_the_same_drawing_the_pages_show(browser, server, stepper_url):
    # One drawing: at step 2 the article's preset must read exactly as step 2's page.
    with open_page(browser, f"{server}latest/step-2/") as (page, _, _):
        want = figure_texts(page, ".md-content")
        want_desc = page.locator(".md-content svg.lx-desk desc").text_content()
    with open_stepper(browser, stepper_url) as (page, errors, _):
        page.click("#stepper-next")
        got = figure_texts(page, "#stepper-figure-box")
        assert got == want
        assert page.locator("#stepper-figure-box svg.lx-desk desc").text_content() == want_desc
        assert page.locator("#stepper-figure-box svg.lx-desk title").text_content() == (
            "The LSTM cell at time step 2"
        )
        assert not any("{" in text or "undefined" in text for text in got)
        assert errors == []


def test_the_activations_are_named_as_the_api_names_them(browser, stepper_url):
    with open_stepper(browser, stepper_url) as (page, _, _):
        activation = page.inner_text("label[for='stepper-activation']")
        recurrent = page.inner_text("label[for='stepper-recurrent-activation']")
        assert activation.startswith("activation φ")
        assert recurrent.startswith("recurrent_activation σ")
        assert "output" not in activation  # φ acts on the candidate and on c, not on o
        assert "i, f, o" in recurrent


def test_the_page_names_each_preset_as_the_menu_does(browser, stepper_url):
    with open_stepper(browser, stepper_url) as (page, _, _):
        presets = page.locator("#stepper-preset option").all_inner_texts()
        named = [s.lower() for s in page.locator("#what-to-try + ul strong").all_inner_texts()]
        assert len(presets) == 8
        for preset in presets:
            assert preset.lower() in named
