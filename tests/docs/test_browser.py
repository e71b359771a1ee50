"""The published site in a real browser: Debian's Chromium driven by Playwright.

Served from a mike deployment of two versions on localhost, as a reader meets it:
pages load without console errors and without a request leaving the machine, math and
figures render, code has copy buttons, search works, the version selector lists both
versions, and the dark palette toggles. Every page is measured at a phone's width and a
desk's (tests/docs/layout.py: nothing scrolls sideways, figures fit and stay legible,
every table shows every column (a wide one reflowed on a phone), hand calculations show
their results, long output lines wrap, notebook code cells get a readable width), and
so is every step of every preset of the stepper on a phone. `make screenshots` also
writes full-page screenshots of both widths to build/screenshots/.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time

import pytest

from tests.docs.conftest import BIN
from tests.docs.layout import MIN_FONT_PX, layout_problems, text_sizes
from tests.docs.site import DOCS, WIDTHS, open_page, screenshot


def page_paths() -> list[str]:
    """Every page's path below a version root, from the Markdown and notebook sources."""
    paths = []
    for src in sorted([*DOCS.rglob("*.md"), *DOCS.rglob("*.ipynb")]):
        rel = src.relative_to(DOCS).with_suffix("")
        paths.append("" if rel.name == "index" else f"{rel.as_posix()}/")
    return paths


PAGES = page_paths()


# The boxes renders() checks, measured in one call rather than one round trip each: a
# figure shown as Playwright's is_visible() sees it (a box, not visibility: hidden), and
# the first 20 math elements' heights (null where, like bounding_box(), there is no box).
BOXES = """() => {
  const shown = (e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== "hidden";
  };
  return {
    figures: [...document.querySelectorAll("svg.lx-svg")].filter(shown).map((e) => {
      const r = e.getBoundingClientRect();
      return {width: r.width, height: r.height};
    }),
    math: [...document.querySelectorAll("math")].slice(0, 20).map((e) =>
      e.getClientRects().length ? e.getBoundingClientRect().height : null),
  };
}"""


def renders(page, path: str) -> None:
    """Figures and math are laid out, and every code block has its copy button."""
    boxes = page.evaluate(BOXES)
    for box in boxes["figures"]:
        assert box["width"] > 300
        assert box["height"] > 100
    for height in boxes["math"]:
        assert height is not None
        assert height > 5  # laid out by the browser's MathML engine
    code_blocks = page.locator(".md-content .highlight pre").count()
    if code_blocks and not path.startswith("notebooks/"):
        copy = page.locator(".md-content .highlight button[data-md-type='copy']")
        assert copy.count() == code_blocks


def test_pages_with_math_and_figures_have_them(browser, server):
    with open_page(browser, f"{server}latest/cell/") as (page, _, _):
        assert page.locator("math").count() >= 10
        # the symbolic cell and one figure per gate, each in a desk and a phone layout
        assert page.locator("svg.lx-cell").count() == 10
    with open_page(browser, f"{server}latest/step-2/") as (page, _, _):
        results = page.locator("svg.lx-desk text.lx-result")
        assert [results.nth(k).text_content() for k in range(results.count())] == [
            "c = 6",
            "h = 12",
        ]
    with open_page(browser, f"{server}latest/") as (page, _, _):
        assert page.locator("svg.lx-unrolled.lx-desk").is_visible()
    with open_page(browser, f"{server}latest/backprop/") as (page, _, _):
        assert page.locator("svg.lx-cell.lx-desk").count() == 1


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", PAGES, ids=lambda p: p or "home")
def test_every_page_loads_cleanly_fits_and_reads(browser, server, path, width):
    """At a phone's 375px and a desk's 1280px: no console error, no request leaving the
    machine (counted until the network is idle, the search index included), the
    measurements of tests/docs/layout.py; at the desk, figures and math laid out."""
    with open_page(
        browser, f"{server}latest/{path}", wait_until="networkidle", **WIDTHS[width]
    ) as (page, errors, outside):
        problems = layout_problems(page)
        screenshot(page, (path.strip("/").replace("/", "_") or "home") + f"-{width}")
        assert problems == []
        assert errors == []
        assert outside == []
        if page.locator("svg.lx-svg").count():
            assert min(text_sizes(page)) >= MIN_FONT_PX
        # a desk gets the desk layout of every figure outside the notebook's output area
        if width == "desk":
            renders(page, path)
            phone_shown = page.locator(".md-content svg.lx-phone:visible")
            assert (
                phone_shown.count() == page.locator(".jp-OutputArea svg.lx-phone:visible").count()
            )


def test_the_stepper_fits_a_phone_in_every_preset_and_step(browser, server):
    """Each of the stepper's presets, at each of its steps, measured at a phone's width
    (tests/docs/layout.py): its hand calculation whole in its box, its table of steps
    within the column."""
    url = f"{server}latest/stepper/"
    with open_page(browser, url, **WIDTHS["phone"]) as (page, errors, _):
        presets = page.eval_on_selector_all("#stepper-preset option", "os => os.map(o => o.value)")
        assert len(presets) >= 6
        for preset in presets:
            page.select_option("#stepper-preset", preset)
            steps = int(page.get_attribute("#stepper-slider", "max") or 0)
            assert steps >= 2, preset
            for t in range(1, steps + 1):
                if t > 1:
                    page.click("#stepper-next")
                assert page.inner_text("#stepper-step") == f"step {t} of {steps}"
                if (preset, t) == ("second-example", 2):  # where the issue saw it cut off
                    screenshot(page, "stepper_second-example_step-2-phone")
                assert (preset, t, layout_problems(page)) == (preset, t, [])
        assert errors == []


# What the reader met, put back one at a time: the measurements must see each.
OLD_BUGS = {
    "a figure with a minimum width": (
        "step-2/", "phone", ".lx-layouts > svg { min-width: 34rem }"
        ".lx-layouts { overflow-x: auto }",
        "scrolls sideways inside",
    ),
    "a desk figure squeezed onto a phone": (
        "step-2/", "phone", ".lx-layouts > .lx-desk { display: block !important }", "renders at",
    ),
    "Material's minimum header width": (
        "", "desk", ".md-typeset table:not([class]) :is(th, td) { padding: .9375em 1.25em }"
        ".md-typeset table:not([class]) th { min-width: 5rem }",
        "hides",
    ),
    "a wide table left as a table on a phone": (
        "", "phone", ".md-typeset table[data-lx-reflow] { display: table !important }"
        ".md-typeset table[data-lx-reflow] thead"
        " { display: table-header-group !important; position: static !important }"
        ".md-typeset table[data-lx-reflow] tbody { display: table-row-group !important }"
        ".md-typeset table[data-lx-reflow] tr { display: table-row !important }"
        ".md-typeset table[data-lx-reflow] :is(th, td) { display: table-cell !important }",
        "hides",
    ),
    "the stepper's table left as a table on a phone": (
        "stepper/", "phone", ".md-typeset .stepper-table { display: table !important }"
        ".md-typeset .stepper-table tbody { display: table-row-group !important }"
        ".md-typeset .stepper-table tbody tr { display: table-row !important }"
        ".md-typeset .stepper-table :is(th, td)"
        " { display: table-cell !important; white-space: nowrap !important }",
        "hides",
    ),
    "the stepper's hand calculation in a box that scrolls down": (
        "stepper/", "phone", ".md-typeset .stepper-hand { max-height: 10em; overflow-y: auto }",
        "hides part of its lines",
    ),
    "long output lines that do not wrap": (
        "trace-your-model/", "phone", ".md-typeset .lx-wrap { white-space: pre !important }",
        "does not wrap",
    ),
    "notebook code cells a sliver wide": (
        "notebooks/step-through-it-yourself/", "phone",
        ".md-content .jupyter-wrapper .jp-InputArea-editor { width: 1px !important }",
        "notebook code cell",
    ),
    "hand calculations that do not wrap": (
        "step-2/", "phone", ".lx-line { white-space: pre } .md-typeset .lx-hand { overflow: auto }",
        "is cut off",
    ),
    "the stepper's hand calculation that does not wrap": (
        "stepper/", "phone", ".lx-line { white-space: pre }"
        ".md-typeset .stepper-hand { overflow: auto }",
        "is cut off",
    ),
    "a page wider than the phone": (
        "cell/", "phone", ".md-content__inner { min-width: 30rem }", "past the window's edge",
    ),
    "overlapping labels": ("step-1/", "desk", ".lx-svg .lx-value { font-size: 40px }", "overlaps"),
}  # fmt: skip


@pytest.mark.parametrize("bug", OLD_BUGS)
def test_the_measurements_catch_the_old_bugs(browser, server, bug):
    path, width, css, expected = OLD_BUGS[bug]
    with open_page(browser, f"{server}latest/{path}", **WIDTHS[width]) as (page, _, _):
        assert layout_problems(page) == []
        page.add_style_tag(content=css)
        problems = layout_problems(page)
        assert any(expected in p for p in problems), problems


def test_search_finds_the_forget_gate(browser, server):
    with open_page(browser, f"{server}latest/") as (page, errors, _):
        page.locator("input.md-search__input").click()
        page.keyboard.type("forget gate")  # Material listens for key events, not fill()
        results = page.locator(".md-search-result__item")
        results.first.wait_for(timeout=10_000)
        assert "forget" in results.first.inner_text().lower()
        assert errors == []


def test_dark_mode_toggle(browser, server):
    with open_page(browser, f"{server}latest/step-1/", color_scheme="light") as (page, _, _):
        body = page.locator("body")
        assert body.get_attribute("data-md-color-scheme") == "default"
        page.locator("label[for='__palette_1']").first.click()
        page.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
        figure_colour = page.locator("svg.lx-cell.lx-desk").evaluate(
            "e => getComputedStyle(e).color"
        )
        assert figure_colour != "rgb(0, 0, 0)"  # the figure follows the dark palette


def test_version_selector_lists_both_versions(browser, server):
    with open_page(browser, f"{server}latest/") as (page, errors, _):
        items = page.locator(".md-version__item")
        items.first.wait_for(state="attached", timeout=10_000)
        texts = [t.strip() for t in items.all_inner_texts()]
        assert any(t.startswith("0.2") for t in texts)
        assert any(t.startswith("0.1") for t in texts)
        assert errors == []


def test_older_version_shows_the_banner(browser, server):
    with open_page(browser, f"{server}0.1/step-1/") as (page, _, _):
        banner = page.locator("[data-md-component='outdated']")
        banner.wait_for(state="visible", timeout=10_000)
        assert "older version" in banner.inner_text()
    with open_page(browser, f"{server}latest/step-1/") as (page, _, _):
        assert not page.locator("[data-md-component='outdated']").is_visible()


def test_root_redirects_to_latest(browser, server):
    with open_page(browser, server) as (page, _, _):
        page.wait_for_url(f"{server}latest/")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_mike_serve_shows_both_versions(browser, published):
    port = free_port()
    proc = subprocess.Popen([str(BIN / "mike"), "serve", "--dev-addr", f"127.0.0.1:{port}"],
                            cwd=published.repo, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            time.sleep(0.2)
        with open_page(browser, f"http://127.0.0.1:{port}/latest/") as (page, errors, outside):
            items = page.locator(".md-version__item")
            items.first.wait_for(state="attached", timeout=10_000)
            assert items.count() == 2
            assert errors == []
            assert outside == []
    finally:
        proc.terminate()
        proc.wait(timeout=10)
