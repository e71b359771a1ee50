"""Helpers shared by the site's tests: build the site, read its pages, scan its sources."""

from __future__ import annotations

import contextlib
import http.server
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def build(
    config_dir: Path,
    site_dir: Path,
    *,
    config_file: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` of the project in `config_dir` into `site_dir` (with
    `config_file` instead of its mkdocs.yml, and `env` added to the environment)."""
    config = ["--config-file", str(config_file)] if config_file else []
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir), *config],
        cwd=config_dir,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


def copy_project(
    dest: Path, *, execute_notebook: bool = True, pages: list[str] | None = None
) -> Path:
    """A copy of what the site build reads, for tests that break it on purpose.

    A test that breaks something else than the notebook can leave it unexecuted: its
    kernel is the longest part of a build. `pages` (paths below docs/) keeps only those
    pages, in that order, as the whole navigation: the same configuration, hooks, theme
    and plugins build a site of a few pages in a fraction of the time. The pages kept
    must link only to each other, or the strict build fails on the missing ones.
    """
    for name in ("docs", "hooks", "overrides"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("mkdocs.yml", "CHANGELOG.md"):  # docs/changelog.md includes the latter
        shutil.copy(ROOT / name, dest / name)
    config = dest / "mkdocs.yml"
    text = config.read_text("utf8")
    if not execute_notebook:
        assert text.count("execute: true") == 1, "mkdocs-jupyter's setting has moved"
        text = text.replace("execute: true", "execute: false")
    if pages is not None:
        text = only_these_pages(text, dest / "docs", pages)
    config.write_text(text)
    return dest


def only_these_pages(config: str, docs: Path, pages: list[str]) -> str:
    """`config` (mkdocs.yml's text) with `pages` as its navigation, and every other
    page deleted from `docs` (an unlisted page would warn, failing a strict build)."""
    head, nav = config.split("\nnav:\n")
    assert all(not line or line.startswith("  ") for line in nav.splitlines()), (
        "nav is no longer the last section of mkdocs.yml"
    )
    for page in [*docs.rglob("*.md"), *docs.rglob("*.ipynb")]:
        if page.relative_to(docs).as_posix() not in pages:
            page.unlink()
    missing = [page for page in pages if not (docs / page).is_file()]
    assert missing == [], f"no such pages: {missing}"
    return head + "\nnav:\n" + "".join(f"  - {page}\n" for page in pages)


def pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


FENCE_LINE = re.compile(r"^(?P<indent>\s*)(?P<ticks>`{3,}|~{3,})\s*(?P<info>.*)$")


def raw_python_fences(text: str) -> list[int]:
    """Line numbers (1-based, of the opening line) of every Python fence, however
    indented: a plain scan, independent of any Markdown parser."""
    found, open_ticks = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        m = FENCE_LINE.match(line)
        if not m:
            continue
        if open_ticks is None:
            open_ticks = m["ticks"]
            info = m["info"].strip().strip("{}").split()
            lang = next((p.lstrip(".") for p in info if p.startswith(".")), info[0] if info else "")
            if lang in ("py", "python", "python3", "pycon"):
                found.append(number)
        elif (
            m["ticks"].startswith(open_ticks[0])
            and len(m["ticks"]) >= len(open_ticks)
            and not m["info"].strip()
        ):
            open_ticks = None
    return found


# Prose may only contain numbers that name things rather than state results.
ALLOWED_NUMBERS = [
    r"\b[Ss]teps? \d+\b",  # "step 3": which step, not what it computed
    r"\bKeras \d\b",  # versions of tools
    r"\bTensorFlow \d\b",
    r"\bPython 3(?:\.\d+)?\b",
    r"\b(?:16|32|64)-bit\b",  # float widths
    r"\bFig(?:ure)?s?\.? \d+\b",
    r"\bet al\. \((?:19|20)\d\d\)",  # a citation's year: "Cho et al. (2014)"
]
_STRIP = [
    re.compile(r"\A---\n.*?\n---\n", re.S),  # front matter
    re.compile(r"^(\s*)(`{3,}|~{3,}).*?^\1\2\s*$", re.S | re.M),  # fenced blocks
    re.compile(r"\{\{.*?\}\}", re.S),  # values from the engine
    re.compile(r"\{%.*?%\}", re.S),  # template tags: a claim's name (claims.py)
    re.compile(r"\$\$.*?\$\$", re.S),  # display math
    re.compile(r"\$[^$\n]+\$"),  # inline math
    re.compile(r"`[^`\n]+`"),  # inline code
    re.compile(r"\]\([^)]*\)"),  # link targets
    re.compile(r"<[^>\n]+>"),  # HTML tags
    re.compile(r"^:::.*$", re.M),  # mkdocstrings directives
]
NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w])")

# The changelog names releases by version and date and links to them; only there.
CHANGELOG_NUMBERS = [
    r"^## \[\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2}$",  # a release's heading
    r"^\[[^\]\n]+\]: \S+$",  # a link reference definition
]
PAGE_NUMBERS = {"changelog.md": CHANGELOG_NUMBERS}


def bare_numbers(markdown: str, allowed: list[str] | None = None) -> list[str]:
    """Numbers written by hand in the prose of a page (what a hand edit would change);
    `allowed` adds patterns for one page (PAGE_NUMBERS)."""
    for pattern in _STRIP:
        markdown = pattern.sub(" ", markdown)
    for allowance in [*ALLOWED_NUMBERS, *(allowed or [])]:
        markdown = re.sub(allowance, " ", markdown, flags=re.M)
    return NUMBER.findall(markdown)


INCLUDE = re.compile(r'^--8<-- "([^"\n]+)"[ \t]*$', re.M)


def page_source(path: Path) -> str:
    """A page's Markdown with pymdownx.snippets' includes (`--8<-- "FILE"`) inlined, as
    the build sees it."""
    return INCLUDE.sub(lambda m: (ROOT / m[1]).read_text("utf8"), path.read_text("utf8"))


LOCAL = {"127.0.0.1", "localhost"}


class LocalServer(http.server.ThreadingHTTPServer):
    # A deeper accept queue than socketserver's 5: Chromium opens several connections
    # per page, and on a loaded machine the serving thread accepts them late.
    request_queue_size = 64
    daemon_threads = True


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


# The two widths every page is measured at.
PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}  # fmt: skip
DESK = {"viewport": {"width": 1280, "height": 800}}
WIDTHS = {"phone": PHONE, "desk": DESK}

SCREENSHOTS = ROOT / "build" / "screenshots"
SCREENSHOTS_ENV = "LSTM_EXPLAINED_SCREENSHOTS"


def screenshot(page, name: str) -> None:
    """A full-page screenshot, build/screenshots/NAME.png, for a person to look at.

    Written by `make screenshots` (which sets LSTM_EXPLAINED_SCREENSHOTS=1) and not by
    the gate: the gate measures what a screenshot would show (tests/docs/layout.py), and
    a full-page screenshot of a long page at a phone's doubled pixels costs seconds.
    """
    if os.environ.get(SCREENSHOTS_ENV):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


class Tab:
    """A browser tab, reused from one page to the next: opening a tab costs a renderer
    process, about a third of a page load here, and navigating an open one does not.
    Each use starts from a blank page with empty storage and new records of errors and
    requests; a tab that cannot be brought back to that state is closed instead."""

    def __init__(self, browser: Any, context_options: dict[str, Any]) -> None:
        self.context = browser.new_context(**context_options)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        # A script that never arrived shows up later as "X is not defined"; say so here.
        self.page.on(
            "requestfailed", lambda r: self.errors.append(f"request failed: {r.url} ({r.failure})")
        )
        self.page.route("**/*", self.route)

    def route(self, r: Any) -> None:
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:")) or host in LOCAL:
            r.continue_()
        else:
            self.outside.append(r.request.url)
            r.abort()

    def start(self) -> None:
        """New records, for a page about to be opened in a blank tab."""
        self.errors, self.outside = [], []

    def clear(self) -> bool:
        """Back to a blank page with nothing stored (what the page stored, the storage
        of its origin, and cookies); whether that worked."""
        with contextlib.suppress(Exception):  # about:blank has no storage; nor a crashed page
            self.page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
        try:
            self.page.goto("about:blank")
            self.context.clear_cookies()
            state = self.context.storage_state()
        except Exception:
            return False
        return state["cookies"] == [] and all(
            origin.get("localStorage", []) == [] for origin in state["origins"]
        )


TABS: dict[tuple[int, str], Tab] = {}
"""The tab of each browser (of this process) and set of context options."""


@contextlib.contextmanager
def open_page(browser, url: str, *, wait_until: str = "load", **context_options):
    """A page with every request recorded and any leaving localhost blocked. It is
    returned once loaded; `wait_until="networkidle"` also waits for what the page fetches
    after loading (the search index, versions.json), for a test of every request.
    The tab it is in is reused for the next page with the same options (Tab)."""
    key = (id(browser), repr(sorted(context_options.items())))
    tab = TABS.pop(key, None) or Tab(browser, context_options)
    tab.start()
    try:
        tab.page.goto(url, wait_until=wait_until)
        yield tab.page, tab.errors, tab.outside
    finally:
        if tab.clear():
            TABS[key] = tab
        else:
            tab.context.close()
