"""Fixtures for the site's tests: one strict build, and a mike deployment of two versions."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.docs.site import (
    ROOT,
    SCREENSHOTS,
    SCREENSHOTS_ENV,
    LocalServer,
    Quiet,
    build,
    copy_project,
)

BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


@contextlib.contextmanager
def made_once(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[tuple[Path, bool]]:
    """A folder that every pytest-xdist worker of this run shares, and whether it is
    already made. The first worker to get here makes it, holding a lock; the others wait
    for it and reuse it, so a session fixture is built once per run, not once per worker.
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's folder, above each worker's own
    with (base / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        done = base / f"{name}.done"
        yield base / name, done.exists()
        done.touch()


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The site, built once per run with `mkdocs build --strict`."""
    return built_site(tmp_path_factory)


def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `site` fixture's work; also started early by `build_early` (conftest.py)."""
    with made_once(tmp_path_factory, "site") as (out, ready):
        if not ready:
            proc = build(ROOT, out)
            assert proc.returncode == 0, proc.stderr[-4000:]
            # MkDocs's own warnings (--strict already turns them into a failure), and
            # anything else that would alarm a reader of make serve (the notebook's kernel
            # logs here too). Material's end-of-life banner is not among them: make sets
            # NO_MKDOCS_2_WARNING.
            alarming = re.compile(
                r"(?:^|\] )(?:WARNING|ERROR)\b|Traceback|without encryption", re.M
            )
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
    """Two versions deployed with mike into a throwaway repository, as a release would;
    made once per run."""
    return published_site(tmp_path_factory)


def published_site(tmp_path_factory: pytest.TempPathFactory) -> Published:
    """The `published` fixture's work; also started early by `build_early` (conftest.py)."""
    with made_once(tmp_path_factory, "mike") as (base, ready):
        repo, root = base / "project", base / "gh-pages"
        if not ready:
            shutil.rmtree(base, ignore_errors=True)  # what a failed attempt left
            deploy_two_versions(copy_project(repo), root)
    return Published(repo, root)


def deploy_two_versions(repo: Path, root: Path) -> None:
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
    root.mkdir()
    run(["sh", "-c", f"git archive gh-pages | tar -x -C {root}"], repo)


def pytest_terminal_summary(terminalreporter) -> None:
    if os.environ.get(SCREENSHOTS_ENV) and SCREENSHOTS.is_dir():
        terminalreporter.write_line(f"browser screenshots: {SCREENSHOTS}")


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
    httpd = LocalServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
