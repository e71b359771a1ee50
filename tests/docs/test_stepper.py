"""The interactive stepper's JavaScript against the engine's golden vectors, in Chromium."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from lstm_explained import format_number
from tests.docs.site import ROOT, open_page

sys.path.insert(0, str(ROOT / "scripts"))
import make_stepper_golden

GOLDEN = json.loads(make_stepper_golden.OUT.read_text("utf8"))["vectors"]
GATES = ("input", "forget", "candidate", "output")
COLUMNS = ("t", "x", "h_prev", "c_prev", "input", "forget", "candidate", "output", "c", "h")


def test_the_golden_vectors_are_up_to_date():
    # Regenerated from the engine on every run: a change to the engine or to the
    # vectors' definitions makes the file stale, and this fails until it is rewritten.
    assert make_stepper_golden.OUT.read_text("utf8") == make_stepper_golden.render()
    assert len(GOLDEN) >= 15


@pytest.fixture(scope="module")
def stepper_url(server) -> str:
    """The page as published by mike, so the version selector finds its versions.json."""
    return f"{server}latest/stepper/"


def same(got, want, exact: bool) -> bool:
    if exact:
        return got == want
    return abs(got - want) <= 1e-9 * max(1.0, abs(want))


def test_page_code_reproduces_every_vector(browser, stepper_url):
    with open_page(browser, stepper_url) as (page, errors, outside):
        for vector in GOLDEN:
            got = page.evaluate("cfg => LSTMStepper.forward(cfg)", vector["config"])["steps"]
            exact = vector["config"]["exact"]
            assert len(got) == len(vector["steps"]), vector["name"]
            for ours, theirs in zip(got, vector["steps"], strict=True):
                for key in ("x", "h_prev", "c_prev", "c", "h"):
                    assert same(ours[key], theirs[key], exact), (vector["name"], ours["t"], key)
                for gate in GATES:
                    assert same(ours["z"][gate], theirs["z"][gate], exact), (vector["name"], gate)
                    assert same(ours["gates"][gate], theirs["gates"][gate], exact)
        assert errors == []
        assert outside == []


def shown(value, exact: bool) -> str:
    return value if exact else format_number(value, 4)


def table(page) -> list[list[str]]:
    rows = page.locator("#stepper-table tbody tr")
    return [
        [c.strip() for c in rows.nth(k).locator("td, th").all_inner_texts()]
        for k in range(rows.count())
    ]


def set_controls(page, config) -> None:
    page.select_option("#stepper-weight-mode", "per-gate")
    for gate in GATES:
        for part in "WUb":
            page.fill(f"#stepper-{part}-{gate}", str(config["weights"][gate][part]))
    page.select_option("#stepper-activation", config["activation"])
    page.select_option("#stepper-recurrent-activation", config["recurrentActivation"])
    page.fill("#stepper-inputs", ", ".join(str(v) for v in config["inputs"]))
    exact_box = page.locator("#stepper-exact")
    if exact_box.is_enabled() and exact_box.is_checked() != config["exact"]:
        exact_box.click()


CONTROL_VECTORS = [v for v in GOLDEN if v["config"]["h0"] == 0 and v["config"]["c0"] == 0]


@pytest.mark.parametrize("vector", CONTROL_VECTORS, ids=lambda v: v["name"])
def test_the_controls_reproduce_a_vector(browser, stepper_url, vector):
    config = vector["config"]
    with open_page(browser, stepper_url) as (page, errors, _):
        set_controls(page, config)
        assert page.locator("#stepper-exact").is_checked() == config["exact"]
        rows = table(page)
        assert len(rows) == len(vector["steps"])
        for row, step in zip(rows, vector["steps"], strict=True):
            flat = {**step, **step["gates"]}
            want = [str(step["t"])] + [shown(flat[k], config["exact"]) for k in COLUMNS[1:]]
            assert row == want, vector["name"]
        assert errors == []


def test_opened_without_parameters_it_shows_the_article(browser, stepper_url):
    # The article's numbers, by hand: h = 1, 12, 3211 and c = 1, 6, 247.
    with open_page(browser, stepper_url) as (page, errors, _):
        rows = table(page)
        assert [r[COLUMNS.index("h")] for r in rows] == ["1", "12", "3211"]
        assert [r[COLUMNS.index("c")] for r in rows] == ["1", "6", "247"]
        assert page.locator("#stepper-figure svg").count() == 1
        assert errors == []


def test_keyboard_steps_through_time(browser, stepper_url):
    with open_page(browser, stepper_url) as (page, _, _):
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
    with open_page(browser, stepper_url) as (page, _, _):
        page.select_option("#stepper-preset", "unit_forget_bias")
        assert [r[COLUMNS.index("h")] for r in table(page)] == ["1", "14", "5055"]


def test_impossible_exact_mode_is_a_clear_error(browser, stepper_url):
    with open_page(browser, stepper_url) as (page, _, _):
        config = {**GOLDEN[0]["config"], "activation": "tanh"}
        message = page.evaluate(
            "cfg => { try { LSTMStepper.forward(cfg); return ''; }"
            " catch (e) { return e.message; } }",
            config,
        )
        assert "exact" in message
        assert "linear" in message


def test_the_page_is_usable_on_a_phone(browser, stepper_url):
    phone = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}
    with open_page(browser, stepper_url, **phone) as (page, errors, _):
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1
        assert errors == []
        page.screenshot(path=str(Path(ROOT / "build" / "screenshots" / "stepper_phone.png")),
                        full_page=True)  # fmt: skip
