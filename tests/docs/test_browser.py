"""The published site in a real browser: Debian's Chromium driven by Playwright.

Served from a mike deployment of two versions on localhost, as a reader meets it:
pages load without console errors and without a request leaving the machine, math and
figures render, code has copy buttons, search works, the version selector lists both
versions, the dark palette toggles, and nothing overflows a phone's width. Full-page
screenshots of every page are written to build/screenshots/.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time

import pytest

from tests.docs.conftest import BIN
from tests.docs.site import DOCS, ROOT, open_page

SCREENSHOTS = ROOT / "build" / "screenshots"


def page_paths() -> list[str]:
    """Every page's path below a version root, from the Markdown and notebook sources."""
    paths = []
    for src in sorted([*DOCS.rglob("*.md"), *DOCS.rglob("*.ipynb")]):
        rel = src.relative_to(DOCS).with_suffix("")
        paths.append("" if rel.name == "index" else f"{rel.as_posix()}/")
    return paths


PAGES = page_paths()


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p or "home")
def test_page_loads_cleanly_and_renders(browser, server, path):
    with open_page(browser, f"{server}latest/{path}") as (page, errors, outside):
        assert errors == []
        assert outside == []
        for figure in page.locator("svg.lx-cell").all():
            figure.scroll_into_view_if_needed()
            box = figure.bounding_box()
            assert figure.is_visible()
            assert box["width"] > 300
            assert box["height"] > 100
        for math in page.locator("math").all()[:20]:
            box = math.bounding_box()
            assert box is not None
            assert box["height"] > 5  # laid out by the browser's MathML engine
        code_blocks = page.locator(".md-content .highlight pre").count()
        if code_blocks and not path.startswith("notebooks/"):
            copy = page.locator(".md-content .highlight button[data-md-type='copy']")
            assert copy.count() == code_blocks
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = (path.strip("/").replace("/", "_") or "home") + ".png"
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def test_pages_with_math_and_figures_have_them(browser, server):
    with open_page(browser, f"{server}latest/cell/") as (page, _, _):
        assert page.locator("math").count() >= 10
        assert page.locator("svg.lx-cell").count() == 1
    with open_page(browser, f"{server}latest/step-2/") as (page, _, _):
        results = page.locator("svg.lx-cell text.lx-result")
        assert [results.nth(k).text_content() for k in range(results.count())] == ["6", "12"]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p or "home")
def test_layout_holds_at_phone_width(browser, server, path):
    phone = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2,
             "is_mobile": True, "has_touch": True}  # fmt: skip
    with open_page(browser, f"{server}latest/{path}", **phone) as (page, errors, _):
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"the page is {overflow}px wider than the phone"
        assert errors == []


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
        figure_colour = page.locator("svg.lx-cell").evaluate("e => getComputedStyle(e).color")
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
