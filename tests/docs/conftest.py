"""Fixtures for the site's tests: the site built once, as mike builds it, and deployed by
mike as two versions; Chromium."""

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


# The site is built once per run, as mike builds it for a release, and that one build
# serves every test: the checks of the built pages (`site`), the mike deployment of two
# versions (`published`) and the browser, which reads the deployment. (It used to be
# built three times: strict, then by mike for each version, the notebook run each time.)
NEW_IN_0_2 = "This paragraph is new in version 0.2."  # tells the two versions apart
ALARMING = re.compile(r"(?:^|\] )(?:WARNING|ERROR)\b|Traceback|without encryption", re.M)


@dataclass(frozen=True)
class Published:
    repo: Path  # a git repository whose gh-pages branch mike wrote
    root: Path  # gh-pages checked out: <root>/<version>/..., versions.json, index.html
    built: Path  # the one build, <built>/<version>/, as mike deployed each version

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=self.repo, capture_output=True, text=True, check=True
        ).stdout


@pytest.fixture(scope="session")
def site(published) -> Path:
    """The site as built for version 0.2 (latest): the project as it is, plus one
    paragraph on the home page (NEW_IN_0_2). Strict: any warning fails the build."""
    return published.built / "0.2"


def run(cmd: list[str], cwd: Path, path: tuple[Path, ...] = ()) -> None:
    env = {
        **os.environ,
        # mike runs `mkdocs`: `path` first, then this interpreter's
        "PATH": os.pathsep.join([*map(str, path), str(BIN), os.environ.get("PATH", "")]),
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
        published = Published(base / "project", base / "gh-pages", base / "built")
        if not ready:
            shutil.rmtree(base, ignore_errors=True)  # what a failed attempt left
            publish(copy_project(published.repo), published)
    return published


def publish(repo: Path, to: Published) -> None:
    """Commit version 0.1, then 0.2 (one more paragraph); build 0.2 once; deploy both
    with mike's own commands, in order, each given its build instead of building again."""
    run(["git", "init", "-q", "-b", "main"], repo)
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-q", "-m", "version 0.1"], repo)
    index = repo / "docs" / "index.md"
    index.write_text(index.read_text("utf8") + f"\n{NEW_IN_0_2}\n")
    run(["git", "commit", "-q", "-am", "version 0.2"], repo)
    build_as_mike_does(repo, to.built / "0.2", "0.2")
    older_version(to.built / "0.2", to.built / "0.1")
    shim = prebuilt_mkdocs(to.built.parent / "bin", to.built)
    mike = str(BIN / "mike")
    run(["git", "checkout", "-q", "main~1"], repo)  # deploy 0.1 from its own commit
    run([mike, "deploy", "0.1"], repo, path=(shim,))
    run(["git", "checkout", "-q", "main"], repo)
    run([mike, "deploy", "--update-aliases", "0.2", "latest"], repo, path=(shim,))
    run([mike, "set-default", "latest"], repo)
    to.root.mkdir()
    run(["sh", "-c", f"git archive gh-pages | tar -x -C {to.root}"], repo)


def build_as_mike_does(repo: Path, out: Path, version: str) -> None:
    """`mkdocs build` as `mike deploy` runs it (the mike plugin added to the config,
    MIKE_DOCS_VERSION set), and strict: a warning fails it, and so does anything in its
    log that would alarm a reader of `make serve` (the notebook's kernel logs here too).
    Material's end-of-life banner is not among them: make sets NO_MKDOCS_2_WARNING."""
    from mike import mkdocs_utils

    with mkdocs_utils.inject_plugin(str(repo / "mkdocs.yml")) as config:
        proc = build(repo, out, config_file=Path(config), env={"MIKE_DOCS_VERSION": version})
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert not ALARMING.search(proc.stderr), proc.stderr[-4000:]


def older_version(new: Path, old: Path) -> None:
    """Version 0.1's build: version 0.2's without the paragraph 0.2 added (the only
    difference between their sources). Its canonical links still say 0.2; no test reads
    them."""
    shutil.copytree(new, old)
    # the page holds it as a paragraph; the search index as plain text (hooks/page_weight.py)
    paragraph = {".html": f"<p>{NEW_IN_0_2}</p>", ".json": NEW_IN_0_2}
    changed = []
    for page in old.rglob("*"):
        cut = paragraph.get(page.suffix)
        if cut is not None and cut in (text := page.read_text("utf8")):
            page.write_text(text.replace(cut, ""), "utf8")
            changed.append(page.relative_to(old).as_posix())
    assert changed == ["index.html", "search/search_index.json"], changed


PREBUILT_MKDOCS = """#!{python}
# `mkdocs` for mike during the gate: instead of building the version mike deploys
# (MIKE_DOCS_VERSION), copy in the build the gate made of it, into mkdocs.yml's site_dir.
import os, shutil, sys
from pathlib import Path
args = sys.argv[1:]
assert args[:2] == ["build", "--clean"] and args[2] == "--config-file", args
config = Path(args[3])
assert "- mike" in config.read_text("utf8"), "mike did not add its plugin"
assert "site_dir:" not in config.read_text("utf8"), "site_dir is set: copy there"
site_dir = config.parent / "site"
shutil.rmtree(site_dir, ignore_errors=True)  # --clean
shutil.copytree(Path({built!r}) / os.environ["MIKE_DOCS_VERSION"], site_dir)
"""


def prebuilt_mkdocs(folder: Path, built: Path) -> Path:
    """A folder holding an `mkdocs` that hands mike a version's build instead of
    building it again (PREBUILT_MKDOCS)."""
    folder.mkdir()
    script = folder / "mkdocs"
    script.write_text(PREBUILT_MKDOCS.format(python=sys.executable, built=str(built)))
    script.chmod(0o755)
    return folder


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
