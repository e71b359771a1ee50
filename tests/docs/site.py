"""Helpers shared by the site's tests: build the site, read its pages, scan its sources."""

from __future__ import annotations

import contextlib
import http.server
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def build(config_dir: Path, site_dir: Path) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` of the project in `config_dir` into `site_dir`."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=config_dir,
        capture_output=True,
        text=True,
        check=False,
    )


def copy_project(dest: Path) -> Path:
    """A copy of what the site build reads, for tests that break it on purpose."""
    for name in ("docs", "hooks", "overrides"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("mkdocs.yml", "CHANGELOG.md"):  # docs/changelog.md includes the latter
        shutil.copy(ROOT / name, dest / name)
    return dest


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


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def open_page(browser, url: str, **context_options):
    """A page with every request recorded and any leaving localhost blocked."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:")) or host in LOCAL:
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(url, wait_until="networkidle")
    try:
        yield page, errors, outside
    finally:
        context.close()
