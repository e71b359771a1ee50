"""The stepper's LSTM with ONNX's variants (peepholes, clip, input_forget), in Chromium:
its fields, its preset, and numbers worked out here by hand.

The golden vectors of the variants (tests/docs/stepper_golden.json, every vector whose
config names one) are typed into the controls by test_stepper_gru.py with every other
network named by its cell, and their hand calculations compared word for word and redone
by test_stepper.py; the preset is measured there at a phone's and a desk's width.
"""

from __future__ import annotations

import math
import re

import pytest

from tests.docs.arithmetic import lines_that_do_not_add_up
from tests.docs.stepper_page import GOLDEN, LSTM_COLUMNS, loaded, open_stepper, set_controls, table

VARIANTS = ("peephole", "clip", "inputForget")
VARIANT_VECTORS = [v for v in GOLDEN if any(k in v["config"] for k in VARIANTS)]


@pytest.fixture(scope="module")
def stepper_url(server) -> str:
    return f"{server}latest/stepper/"


def test_the_variant_vectors_cover_each_variant_alone_and_together():
    on = [frozenset(k for k in VARIANTS if k in v["config"]) for v in VARIANT_VECTORS]
    for alone in VARIANTS:
        assert frozenset([alone]) in on
    assert frozenset(VARIANTS) in on
    exact = [v for v in VARIANT_VECTORS if v["config"]["exact"]]
    assert any(frozenset(VARIANTS) <= set(v["config"]) for v in exact)
    assert any(isinstance(v["steps"][0]["h"], list) for v in VARIANT_VECTORS)  # two units
    assert any(isinstance(v["steps"][0]["h"], list) for v in exact)
    # every clip cuts some sum: its hand calculation says so on a line of its own
    for vector in (v for v in VARIANT_VECTORS if "clip" in v["config"]):
        assert any("clipped:" in text for text in vector["hand"]), vector["name"]


def worst_difference(got, want) -> float:
    """The largest |got - want| / max(1, |want|) over two nests of floats."""
    if isinstance(want, dict):
        return max(worst_difference(got[k], want[k]) for k in want)
    if isinstance(want, list):
        assert len(got) == len(want)
        return max(worst_difference(a, b) for a, b in zip(got, want, strict=True))
    if isinstance(want, (int, float)):
        return abs(got - want) / max(1.0, abs(want))
    return 0.0


def test_the_page_computes_the_variants_as_the_engine_does_to_the_last_digits(browser, stepper_url):
    # Floats: the same operations in the same order as engine/lstm_variants.py, so the
    # page's numbers differ from the engine's by float64's last digit at most (exp and
    # tanh may round differently in the browser); exact vectors give the same fractions.
    worst = 0.0
    with open_stepper(browser, stepper_url) as (page, errors, _):
        loaded(page, errors)
        for vector in VARIANT_VECTORS:
            got = page.evaluate("cfg => LSTMStepper.forward(cfg)", vector["config"])["steps"]
            keys = ("h", "c", "a", "gates")
            if vector["config"]["exact"]:
                assert [{k: s[k] for k in keys} for s in got] == [
                    {k: s[k] for k in keys} for s in vector["steps"]
                ], vector["name"]
                continue
            for ours, theirs in zip(got, vector["steps"], strict=True):
                worst = max(worst, *(worst_difference(ours[k], theirs[k]) for k in keys))
        assert errors == []
    assert worst <= 1e-15


def sig(v: float) -> float:
    return 1 / (1 + math.exp(-v))


def test_the_peephole_preset_by_hand(browser, stepper_url):
    # The second example (W, U, b per gate below) with p_i, p_f, p_o = 0.5, -0.25, 0.75:
    # i and f add p×c_prev, o adds p×c, the new c; sigmoid gates, tanh.
    per_gate = {"input": (0.5, 0.25, 0.0), "forget": (0.25, 0.5, 1.0),
                "candidate": (0.75, -0.25, 0.0), "output": (-0.5, 0.5, 0.25)}  # fmt: skip
    want, h, c = [], 0.0, 0.0
    for x in (1.0, 0.5, -1.0):
        z = {g: k * x + u * h + b for g, (k, u, b) in per_gate.items()}
        i, f = sig(z["input"] + 0.5 * c), sig(z["forget"] - 0.25 * c)
        c = f * c + i * math.tanh(z["candidate"])
        h = sig(z["output"] + 0.75 * c) * math.tanh(c)
        want.append((c, h))
    with open_stepper(browser, stepper_url) as (page, errors, _):
        page.select_option("#stepper-preset", "peepholes")
        assert page.input_value("#stepper-cell") == "lstm"
        assert page.input_value("#stepper-peephole") == "0.5; -0.25; 0.75"
        assert page.input_value("#stepper-clip") == ""
        assert not page.locator("#stepper-input-forget").is_checked()
        rows = table(page)
        assert [float(r[LSTM_COLUMNS.index("c")]) for r in rows] == [
            float(f"{c:.4g}") for c, _ in want
        ]
        assert [float(r[LSTM_COLUMNS.index("h")]) for r in rows] == [
            float(f"{h:.4g}") for _, h in want
        ]
        page.click("#stepper-next")
        hand = page.inner_text("#stepper-hand").splitlines()
        labels = [line.split(":")[0].strip() for line in hand[1:] if ":" in line[:14]]
        # the output gate comes after c, whose new value its peephole term uses
        assert labels == ["input gate", "forget gate", "candidate", "cell state",
                          "output gate", "hidden state"]  # fmt: skip
        assert sum(line.endswith(f"(peephole) = {line.split()[-1]}") for line in hand) == 2
        # o's peephole term is p_o times step 2's new c, as the line writes it
        new_c = re.search(r"\+ 0\.75×([\d.]+) \(peephole, new c\) = ", "\n".join(hand))
        assert new_c
        assert float(new_c[1]) == pytest.approx(want[1][0], abs=5e-4)
        assert lines_that_do_not_add_up(*hand) == []
        # no drawing: it has no place for the peephole terms, and says so
        assert page.locator("#stepper-figure-box svg").count() == 0
        assert page.inner_text("#stepper-figcaption").startswith(
            "No diagram of an LSTM with peepholes: the hand calculation shows their terms."
        )
        assert errors == []


def test_clip_and_coupled_gates_on_the_articles_network(browser, stepper_url):
    # Every weight 1, no bias, linear activations, exact; clip 2 and f = 1 - i.
    # Step 1: every sum is 1 + 0 = 1, so i = g = o = 1, f = 1 - 1 = 0, c = 0×0 + 1×1 = 1,
    # h = 1×1 = 1. Step 2: every sum 1 + 1 = 2, on the clip's edge, kept: i = g = o = 2,
    # f = 1 - 2 = -1, c = (-1)×1 + 2×2 = 3, h = 2×3 = 6. Step 3: every sum 1 + 6 = 7,
    # clipped to 2: again i = g = o = 2, f = -1, c = (-1)×3 + 2×2 = 1, h = 2×1 = 2.
    with open_stepper(browser, stepper_url) as (page, errors, _):
        page.fill("#stepper-clip", "2")
        page.check("#stepper-input-forget")
        assert page.locator("#stepper-exact").is_checked()
        rows = table(page)
        assert [r[LSTM_COLUMNS.index("forget")] for r in rows] == ["0", "-1", "-1"]
        assert [r[LSTM_COLUMNS.index("c")] for r in rows] == ["1", "3", "1"]
        assert [r[LSTM_COLUMNS.index("h")] for r in rows] == ["1", "6", "2"]
        page.click("#stepper-next")
        step2 = page.inner_text("#stepper-hand")
        assert "clipped" not in step2  # 2 is inside [-2, 2]
        page.click("#stepper-next")
        hand = page.inner_text("#stepper-hand").splitlines()
        assert "input gate:   a_i = 1×1 + 6×1 + 0 = 7" in hand
        assert "clipped:      a_i = 2 (7 is outside [-2, 2])" in hand
        assert "forget gate:  f = 1 - i = (1-2) = -1" in hand
        assert not any(line.startswith("forget gate:  a_f") for line in hand)
        assert sum(line.startswith("clipped:") for line in hand) == 3  # i, g, o
        assert lines_that_do_not_add_up(*hand) == []
        caption = page.inner_text("#stepper-figcaption")
        assert caption.startswith("No diagram of an LSTM with clip and input_forget:")
        assert errors == []


def test_the_variants_belong_to_the_lstm_alone(browser, stepper_url):
    with open_stepper(browser, stepper_url) as (page, errors, _):
        box = page.locator("#stepper-variants")
        assert box.is_visible()
        # each field is named for a screen reader by its label
        for field in ("#stepper-peephole", "#stepper-clip", "#stepper-input-forget"):
            assert page.locator(f"label[for='{field[1:]}']").count() == 1
        assert page.get_attribute("#stepper-variants", "aria-describedby") == (
            "stepper-variants-hint"
        )
        page.fill("#stepper-clip", "2")
        page.select_option("#stepper-cell", "gru")
        assert not box.is_visible()
        assert page.inner_text("#stepper-error") == ""  # a GRU takes no clip: none is read
        page.select_option("#stepper-cell", "rnn")
        assert not box.is_visible()
        page.select_option("#stepper-cell", "lstm")
        assert box.is_visible()
        assert page.input_value("#stepper-clip") == "2"
        assert errors == []


def test_bad_variants_are_clear_errors(browser, stepper_url):
    with open_stepper(browser, stepper_url) as (page, errors, _):
        loaded(page, errors)
        for field, text, message in (
            ("#stepper-clip", "-1", 'clip must be a positive number, or empty for none; got "-1".'),
            ("#stepper-clip", "x", 'clip must be a positive number, or empty for none; got "x".'),
            ("#stepper-peephole", "1; 2",
             "Peepholes P must be 3×1 (rows separated by semicolons); got 2×1."),
            ("#stepper-peephole", "1; 2; y", 'Peepholes P must be numbers; got "1; 2; y".'),
        ):  # fmt: skip
            page.fill(field, text)
            assert page.inner_text("#stepper-error") == message
            assert page.get_attribute(field, "aria-invalid") == "true"
            page.fill(field, "")
            assert page.inner_text("#stepper-error") == ""
        base = GOLDEN[0]["config"]  # the article's network
        ones = {"W": 1, "U": 1, "b": 0}
        gru = {
            "cell": "gru",
            "inputs": [1],
            "weights": dict.fromkeys(("update", "reset", "candidate"), ones),
        }
        for config, message in (
            ({**base, "clip": 0}, "clip must be a positive number or null; got 0"),
            ({**base, "peephole": [1, 2]}, "peephole must be 3 rows (p_i, p_f, p_o) or null; "
             "got an array of 2"),
            ({**base, "peephole": [1, 2, [3, 4]]}, "peephole[2] (p_o) must be a number; got "
             "an array of 2"),
            ({**base, "inputForget": 1}, "inputForget must be true or false; got 1"),
            ({**gru, "clip": 1}, "peephole, clip and inputForget are an LSTM's variants; the "
             "GRU cell takes none"),
        ):  # fmt: skip
            got = page.evaluate(
                "cfg => { try { LSTMStepper.forward(cfg); return ''; }"
                " catch (e) { return e.message; } }",
                config,
            )
            assert got == message
        assert errors == []


def test_a_typed_variant_network_matches_its_golden_vector(browser, stepper_url):
    # One vector with all three variants, two units, typed into the controls: the table
    # as the engine's trace gives it (every vector is typed by test_stepper_gru.py).
    vector = next(v for v in VARIANT_VECTORS if v["name"].startswith("random integers, all"))
    with open_stepper(browser, stepper_url) as (page, errors, _):
        set_controls(page, vector["config"])
        assert page.locator("#stepper-exact").is_checked()
        assert page.inner_text("#stepper-error") == ""
        assert [r[LSTM_COLUMNS.index("h")] for r in table(page)] == [
            "[" + ", ".join(s["h"]) + "]" for s in vector["steps"]
        ]
        assert not page.locator("#stepper-unit-box").is_visible()  # no drawing to pick for
        assert errors == []
