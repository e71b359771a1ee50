"""Reading and driving the interactive stepper in the browser, for its tests.

`GOLDEN` holds the engine's vectors (scripts/make_stepper_golden.py); `set_controls`
types one of their configs into the page's fields, `table` reads the table of steps,
`shown` is how the table writes a golden value, and `rendered_working` reads the hand
calculation and the drawing of every step as the page renders them.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from typing import Any

from lstm_explained import format_number
from tests.docs.rendered_working import page_working
from tests.docs.site import ROOT, open_page

sys.path.insert(0, str(ROOT / "scripts"))
import make_stepper_golden

GOLDEN: list[dict[str, Any]] = json.loads(make_stepper_golden.OUT.read_text("utf8"))["vectors"]
BY_NAME = {v["name"]: v for v in GOLDEN}
LSTM_COLUMNS = ("t", "x", "h_prev", "c_prev", "input", "forget", "candidate", "output", "c", "h")
GRU_COLUMNS = ("t", "x", "h_prev", "update", "reset", "candidate", "h")
RNN_COLUMNS = ("t", "x", "h_prev", "a", "h")  # the plain cell: its weighted sum a, then h


def loaded(page: Any, errors: list[str]) -> Any:
    """The page, once its stepper script has defined window.LSTMStepper; if it never
    does, the failure names what went wrong while loading (a request that failed, a
    script error) rather than "LSTMStepper is not defined"."""
    try:
        page.wait_for_function("() => window.LSTMStepper !== undefined", timeout=15_000)
    except Exception as e:  # playwright's TimeoutError
        raise AssertionError(f"the stepper's script never loaded: {errors}") from e
    return page


@contextlib.contextmanager
def open_stepper(
    browser: Any, url: str, **options: Any
) -> Iterator[tuple[Any, list[str], list[str]]]:
    """The stepper's page, as open_page gives it, with the GRU's and the plain cell's
    drawings already fetched. The page fetches them the first time a reader picks one of
    those cells (test_stepper.py's test_the_other_cells_drawings_come_when_picked); here
    they are there before any control is touched, so that every change renders at once,
    as the tests that read the drawing after a change expect."""
    with open_page(browser, url, **options) as (page, errors, outside):
        loaded(page, errors)
        page.evaluate("() => window.LSTMStepper.loadFigures()")
        assert page.locator("#stepper-more-figures template").count() == 6, errors
        yield page, errors, outside


def start_over(page: Any) -> None:
    """Back to the state the page opens in, without reloading it: the article's preset,
    applied by the page's own Reset button (what the page does when it loads)."""
    page.select_option("#stepper-preset", "article")
    page.click("#stepper-reset")


def columns(config: dict[str, Any]) -> tuple[str, ...]:
    cell = config.get("cell", "lstm")
    return {"gru": GRU_COLUMNS, "rnn": RNN_COLUMNS}.get(cell, LSTM_COLUMNS)


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
        flat = {**step, **step["gates"], "a": step["a"].get("hidden")}
        rows.append(
            [str(step["t"])] + [shown(flat[k], exact) for k in columns(vector["config"])[1:]]
        )
    return rows


def table(page: Any) -> list[list[str]]:
    """The table's cells, row by row, as shown (innerText), in one round trip."""
    rows: list[list[str]] = page.eval_on_selector_all(
        "#stepper-table tbody tr",
        "rows => rows.map((r) => [...r.querySelectorAll('td, th')].map((c) => c.innerText))",
    )
    return [[c.strip() for c in row] for row in rows]


def field_text(value: Any) -> str:
    """A number, a vector ("1, -1") or a matrix ("1, -1; 3, -2") as the fields take it."""
    if not isinstance(value, list):
        return str(value)
    if value and isinstance(value[0], list):
        return "; ".join(", ".join(str(v) for v in row) for row in value)
    return ", ".join(str(v) for v in value)


# Playwright's fill() and select_option() for a list of fields in one call: one round
# trip instead of one per field and its checks (half of the typing tests' time). Each
# field gets the same checks first (there, visible, enabled; a text field editable, an
# option that exists), then the same events in the same order: focus and `input` for a
# text field, `input` then `change` for a menu. The stepper handles each event at once
# (it renders synchronously), so each field sees the page the previous one left.
FILL = """(steps) => {
  for (const [kind, selector, value] of steps) {
    const el = document.querySelector(selector);
    const what = `${kind} ${selector} = ${value}`;
    if (!el) throw new Error(`${what}: no such element`);
    const box = el.getBoundingClientRect();
    if (!(box.width > 0 && box.height > 0) || getComputedStyle(el).visibility === "hidden") {
      throw new Error(`${what}: not visible`);
    }
    if (el.disabled || el.closest("fieldset:disabled")) throw new Error(`${what}: disabled`);
    if (kind === "fill") {
      if (!["INPUT", "TEXTAREA"].includes(el.tagName) || el.readOnly) {
        throw new Error(`${what}: not editable`);
      }
      el.focus();
      el.value = value;
      const typed = {bubbles: true, inputType: "insertText", data: value};
      el.dispatchEvent(new InputEvent("input", typed));
    } else {
      if (el.tagName !== "SELECT" || ![...el.options].some((o) => o.value === value)) {
        throw new Error(`${what}: no such option`);
      }
      el.value = value;
      el.dispatchEvent(new Event("input", {bubbles: true}));
      el.dispatchEvent(new Event("change", {bubbles: true}));
    }
  }
}"""


def set_controls(page: Any, config: dict[str, Any]) -> None:
    """Type a golden config into the page's controls, field by field (FILL)."""
    steps = [("select", "#stepper-cell", config.get("cell", "lstm"))]
    if config.get("cell") == "gru":
        steps.append(
            ("select", "#stepper-reset-after", str(config.get("resetAfter", True)).lower())
        )
    steps.append(("select", "#stepper-weight-mode", "per-gate"))
    for gate, weights in config["weights"].items():
        for key, value in weights.items():
            part = "b2" if key == "bRecurrent" else key
            steps.append(("fill", f"#stepper-{part}-{gate}", field_text(value)))
    steps.append(("select", "#stepper-activation", config["activation"]))
    if config.get("cell") != "rnn":  # the plain cell has no gates: the menu is hidden
        steps.append(("select", "#stepper-recurrent-activation", config["recurrentActivation"]))
    inputs = config["inputs"]
    text = (
        "; ".join(field_text(x) for x in inputs)
        if isinstance(inputs[0], list)
        else (", ".join(str(v) for v in inputs))
    )
    steps.append(("fill", "#stepper-inputs", text))
    steps.append(("fill", "#stepper-h0", field_text(config.get("h0", 0))))
    lstm = config.get("cell", "lstm") == "lstm"
    if lstm:  # and ONNX's variants, each field empty for none
        steps.append(("fill", "#stepper-c0", field_text(config.get("c0", 0))))
        steps.append(("fill", "#stepper-peephole", field_text(config.get("peephole", ""))))
        steps.append(("fill", "#stepper-clip", str(config.get("clip", ""))))
    page.evaluate(FILL, steps)
    coupled = page.locator("#stepper-input-forget")
    if lstm and coupled.is_checked() != config.get("inputForget", False):
        coupled.click()
    exact_box = page.locator("#stepper-exact")
    if exact_box.is_enabled() and exact_box.is_checked() != config["exact"]:
        exact_box.click()


# Every step from the one shown to the last, clicking "next" between them in the page
# (it renders synchronously): the hand calculation's text and the drawing's markup.
EVERY_STEP = """() => {
  const slider = document.querySelector('#stepper-slider');
  const out = [];
  for (;;) {
    out.push([document.querySelector('#stepper-hand').innerText,
              document.querySelector('#stepper-figure-box').innerHTML]);
    if (Number(slider.value) >= Number(slider.max)) return out;
    document.querySelector('#stepper-next').click();
  }
}"""


def rendered_working(page: Any) -> tuple[list[str], list[str], int]:
    """The hand calculation of every step as rendered, from the one shown on; the lines
    of the drawings' working (both layouts, text and description) that do not add up,
    redone by tests/docs/arithmetic.py; and how many such lines there were."""
    steps = page.evaluate(EVERY_STEP)
    hands = [hand for hand, _ in steps]
    failing, count = [], 0
    for k, (_, figure) in enumerate(steps, start=1):
        found = page_working(figure)
        failing += [f"step {k}: {line}" for line in found.failing()]
        count += found.count()
    return hands, failing, count
