"""Reading and driving the interactive stepper in the browser, for its tests.

`GOLDEN` holds the engine's vectors (scripts/make_stepper_golden.py); `set_controls`
types one of their configs into the page's fields, `table` reads the table of steps,
and `shown` is how the table writes a golden value.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from lstm_explained import format_number
from tests.docs.site import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import make_stepper_golden

GOLDEN: list[dict[str, Any]] = json.loads(make_stepper_golden.OUT.read_text("utf8"))["vectors"]
BY_NAME = {v["name"]: v for v in GOLDEN}
LSTM_COLUMNS = ("t", "x", "h_prev", "c_prev", "input", "forget", "candidate", "output", "c", "h")
GRU_COLUMNS = ("t", "x", "h_prev", "update", "reset", "candidate", "h")


def loaded(page: Any, errors: list[str]) -> Any:
    """The page, once its stepper script has defined window.LSTMStepper; if it never
    does, the failure names what went wrong while loading (a request that failed, a
    script error) rather than "LSTMStepper is not defined"."""
    try:
        page.wait_for_function("() => window.LSTMStepper !== undefined", timeout=15_000)
    except Exception as e:  # playwright's TimeoutError
        raise AssertionError(f"the stepper's script never loaded: {errors}") from e
    return page


def start_over(page: Any) -> None:
    """Back to the state the page opens in, without reloading it: the article's preset,
    applied by the page's own Reset button (what the page does when it loads)."""
    page.select_option("#stepper-preset", "article")
    page.click("#stepper-reset")


def columns(config: dict[str, Any]) -> tuple[str, ...]:
    return GRU_COLUMNS if config.get("cell") == "gru" else LSTM_COLUMNS


def shown(value: Any, exact: bool) -> str:
    """A golden value as the table writes it: every digit if exact, else four
    significant digits; a vector as "[a, b]"."""
    if isinstance(value, list):
        return "[" + ", ".join(shown(v, exact) for v in value) + "]"
    return value if exact else format_number(value, 4)


def want_rows(vector: dict[str, Any]) -> list[list[str]]:
    """The table a golden vector should give, row by row."""
    exact = vector["config"]["exact"]
    rows = []
    for step in vector["steps"]:
        flat = {**step, **step["gates"]}
        rows.append(
            [str(step["t"])] + [shown(flat[k], exact) for k in columns(vector["config"])[1:]]
        )
    return rows


def table(page: Any) -> list[list[str]]:
    rows = page.locator("#stepper-table tbody tr")
    return [
        [c.strip() for c in rows.nth(k).locator("td, th").all_inner_texts()]
        for k in range(rows.count())
    ]


def field_text(value: Any) -> str:
    """A number, a vector ("1, -1") or a matrix ("1, -1; 3, -2") as the fields take it."""
    if not isinstance(value, list):
        return str(value)
    if value and isinstance(value[0], list):
        return "; ".join(", ".join(str(v) for v in row) for row in value)
    return ", ".join(str(v) for v in value)


def set_controls(page: Any, config: dict[str, Any]) -> None:
    """Type a golden config into the page's controls, field by field."""
    page.select_option("#stepper-cell", config.get("cell", "lstm"))
    if config.get("cell") == "gru":
        page.select_option("#stepper-reset-after", str(config.get("resetAfter", True)).lower())
    page.select_option("#stepper-weight-mode", "per-gate")
    for gate, weights in config["weights"].items():
        for key, value in weights.items():
            part = "b2" if key == "bRecurrent" else key
            page.fill(f"#stepper-{part}-{gate}", field_text(value))
    page.select_option("#stepper-activation", config["activation"])
    page.select_option("#stepper-recurrent-activation", config["recurrentActivation"])
    inputs = config["inputs"]
    text = (
        "; ".join(field_text(x) for x in inputs)
        if isinstance(inputs[0], list)
        else (", ".join(str(v) for v in inputs))
    )
    page.fill("#stepper-inputs", text)
    page.fill("#stepper-h0", field_text(config.get("h0", 0)))
    if config.get("cell") != "gru":
        page.fill("#stepper-c0", field_text(config.get("c0", 0)))
    exact_box = page.locator("#stepper-exact")
    if exact_box.is_enabled() and exact_box.is_checked() != config["exact"]:
        exact_box.click()
