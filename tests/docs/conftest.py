"""Fixtures for the site's tests: one strict build, and a mike deployment of two versions."""

from __future__ import annotations

import functools
import http.server
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.docs.site import ROOT, Quiet, build, copy_project

BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The site, built once with `mkdocs build --strict`."""
    out = tmp_path_factory.mktemp("site")
    proc = build(ROOT, out)
    assert proc.returncode == 0, proc.stderr[-4000:]
    # MkDocs's own warnings (--strict already turns them into a failure), and anything
    # else that would alarm a reader of make serve (the notebook's kernel logs here too).
    # (Material's end-of-life banner is not among them: make sets NO_MKDOCS_2_WARNING.)
    alarming = re.compile(r"(?:^|\] )(?:WARNING|ERROR)\b|Traceback|without encryption", re.M)
    assert not alarming.search(proc.stderr), proc.stderr[-4000:]
    return out


@dataclass(frozen=True)
class Published:
    repo: Path  # a git repository whose gh-pages branch mike wrote
    root: Path  # gh-pages checked out: <root>/<version>/..., versions.json, index.html

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=self.repo, capture_output=True, text=True, check=True
        ).stdout


def run(cmd: list[str], cwd: Path) -> None:
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",  # mike runs `mkdocs`
        "GIT_AUTHOR_NAME": "gate", "GIT_AUTHOR_EMAIL": "gate@localhost",
        "GIT_COMMITTER_NAME": "gate", "GIT_COMMITTER_EMAIL": "gate@localhost",
    }  # fmt: skip
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"


@pytest.fixture(scope="session")
def published(tmp_path_factory) -> Published:
    """Two versions deployed with mike into a throwaway repository, as a release would."""
    repo = copy_project(tmp_path_factory.mktemp("mike") / "project")
    mike = str(BIN / "mike")
    run(["git", "init", "-q", "-b", "main"], repo)
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-q", "-m", "version 0.1"], repo)
    run([mike, "deploy", "0.1"], repo)
    index = repo / "docs" / "index.md"
    index.write_text(index.read_text("utf8") + "\nThis paragraph is new in version 0.2.\n")
    run(["git", "commit", "-q", "-am", "version 0.2"], repo)
    run([mike, "deploy", "--update-aliases", "0.2", "latest"], repo)
    run([mike, "set-default", "latest"], repo)
    root = repo.parent / "gh-pages"
    root.mkdir()
    run(["sh", "-c", f"git archive gh-pages | tar -x -C {root}"], repo)
    return Published(repo, root)


def pytest_terminal_summary(terminalreporter) -> None:
    shots = ROOT / "build" / "screenshots"
    if shots.is_dir() and any(shots.iterdir()):
        terminalreporter.write_line(f"browser screenshots: {shots}")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        reason = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def server(published) -> Iterator[str]:
    """The gh-pages tree served on a free localhost port; yields its base URL."""
    handler = functools.partial(Quiet, directory=str(published.root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
