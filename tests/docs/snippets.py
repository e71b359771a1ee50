"""Run every Python fence in docs/ and check that it prints what the page shows.

A small pytest collector of our own (pytest_collect_file, one item per fence), since
pytest-markdown-docs offers no public way to check output. Fences use superfences
syntax (```` ```python ```` or ```` ```{.python mark} ````), as Material renders them:

    ```python
    print(6 * 2)
    ```

    ```text title="Output"
    12
    ```

A fence that prints must be followed by such a block and match it exactly (trailing
spaces ignored); a fence that prints nothing must not be. Each fence runs with fresh
globals, as if pasted alone into a new interpreter, while modules such as TensorFlow
are imported once per test process. Every snippet runs in a new empty directory, so
the files it writes (a saved model) are its own and vanish after it. A Python fence
indented inside an admonition or a tab is not a fence to Markdown and would never run:
the page fails instead.

Marks, written after the language: ```` ```{.python fresh-process varies} ````

- `fresh-process`: run in a new interpreter (`python -c`), as a snippet that picks a
  Keras backend with KERAS_BACKEND before importing Keras must. A fence that sets
  KERAS_BACKEND without the mark fails rather than run in-process, where Keras is
  already imported on TensorFlow and the setting would do nothing. Run alone, as a
  reader runs it, such a snippet must not warn: a UserWarning is an error
  (`-W error::UserWarning`), and any other warning it prints fails it too.
- `varies`: the output depends on the machine or the moment (timings, addresses,
  random seeds from the clock). Its Output block is compared loosely: line for line,
  every number may differ (``0x7f3a``, ``0.52``, ``1e-07`` all match any number), and
  ``...`` in the block matches any text within its line. The words must still agree.

Material renders a marked fence as ordinary Python (superfences ignores bare words).

Shell sessions run too when marked `run`: ```` ```{.sh run} ```` is run by `bash -e` in
a new empty directory, with this interpreter's `bin/` first on PATH (so `python` and
`lstm-explained` are the project's), and its standard output is checked against the
Output block after it like a Python snippet's. Being self-contained, it makes any file it
reads itself. A command expected to fail says so on the page (`... || echo "exit
status $?"`), since `bash -e` stops at the first failure. An unmarked shell fence is
shown and not run. A session of several commands is written one command per fence, each
with its own Output block: the first fence is ```` ```{.sh run} ````, the ones that
continue it ```` ```{.sh run continue} ````. They run in order, as one test, in the same
directory, so a later command reads the files an earlier one made, as in a terminal.

`pytest --update-output docs/` reruns the snippets and rewrites each page's Output
blocks from what they printed: it replaces a block that differs, adds one after a
snippet that prints but has none and removes one after a snippet that no longer prints,
leaving every other byte of the page alone. It runs each snippet twice and refuses to
write the output of an unmarked snippet that changed between the runs. The gate never
rewrites; it fails on a difference.

A snippet that needs an optional extra that is not installed (its import raises
ModuleNotFoundError for a module of tests/extras.py) is skipped locally with the
command that installs it, and fails under CI=true, like the unit tests.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from tests.docs.site import raw_python_fences
from tests.extras import extra_module, missing, missing_module_in

OUTPUT_TITLE = re.compile(r'title="Output"')
PYTHON = {"py", "python", "python3"}
FRESH_PROCESS = "fresh-process"
"""The mark that runs a snippet in a new interpreter instead of this process."""
VARIES = "varies"
"""The mark of a snippet whose output depends on the machine; compared loosely."""
RUN = "run"
"""The mark of a shell fence that the gate runs."""
CONTINUE = "continue"
"""The mark of a shell fence that continues the session of the `run` fences before it."""
SHELL = {"sh", "bash", "shell"}
MARKS = {FRESH_PROCESS, VARIES, RUN, CONTINUE}
FRESH_PROCESS_TIMEOUT = 600  # seconds; an import of a framework takes a few
UPDATE_OPTION = "--update-output"


def fence_info(info: str) -> list[str]:
    """The language first, then the other words of a fence's info string.

    Superfences writes `{.python fresh-process}` (the language is the first word that
    starts with a dot); plain `python` works too.
    """
    info = info.strip()
    if not info.startswith("{"):
        return info.split()
    words = info.strip("{}").split()
    lang = next((w for w in words if w.startswith(".")), None)
    if lang is None:
        return words
    words.remove(lang)
    return [lang[1:], *words]


@dataclass(frozen=True)
class Fence:
    lang: str
    options: frozenset[str]
    info: str
    start_line: int  # the opening fence's line, 1-based (the code's first line, 0-based)
    end_line: int  # the closing fence's line, 1-based (the line after it, 0-based)
    content: str

    @property
    def is_python(self) -> bool:
        return self.lang in PYTHON

    @property
    def is_shell_run(self) -> bool:
        return self.lang in SHELL and RUN in self.options

    @property
    def continues(self) -> bool:
        """It runs after the shell fences before it, in their directory."""
        return self.is_shell_run and CONTINUE in self.options

    @property
    def runs(self) -> bool:
        """The gate runs this fence: Python, or a shell session marked `run`."""
        return self.is_python or self.is_shell_run

    @property
    def is_output(self) -> bool:
        return self.lang == "text" and bool(OUTPUT_TITLE.search(self.info))

    @property
    def fresh_process(self) -> bool:
        return FRESH_PROCESS in self.options

    @property
    def varies(self) -> bool:
        return VARIES in self.options

    @property
    def needs_fresh_process(self) -> bool:
        """It chooses a Keras backend, which only works before Keras is first imported."""
        return self.is_python and "KERAS_BACKEND" in self.content

    @property
    def source(self) -> str:
        """The code, after blank lines that put it on the page's line numbers."""
        return "\n" * self.start_line + self.content


def parse_fences(text: str) -> list[Fence]:
    found = []
    for token in MarkdownIt("commonmark").parse(text):
        if token.type != "fence" or not token.map:
            continue
        words = fence_info(token.info)
        lang = words[0] if words else ""
        start, end = token.map  # 0-based lines [opening fence, after closing fence)
        found.append(Fence(lang, frozenset(words[1:]), token.info, start + 1, end, token.content))
    return found


def fences(path: Path) -> list[Fence]:
    """The fences of a page as Markdown (CommonMark) sees them."""
    return parse_fences(path.read_text("utf8"))


def output_after(page: list[Fence], k: int) -> Fence | None:
    """The Output block that follows fence `k`, if the next fence is one."""
    nxt = page[k + 1] if k + 1 < len(page) else None
    return nxt if nxt is not None and nxt.is_output else None


def normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.rstrip("\n").splitlines())


NUMBER = re.compile(r"0x[0-9a-fA-F]+|[-+]?(?:\d[\d_,]*)?\.?\d+(?:[eE][-+]?\d+)?")


def matches_loosely(printed: str, shown: str) -> bool:
    """The `varies` rule: same lines, any number for any number, `...` for any text."""
    got, want = normalise(printed).splitlines(), normalise(shown).splitlines()
    if len(got) != len(want):
        return False
    for line, pattern in zip(got, want, strict=True):
        parts = [NUMBER.sub("\0", p) for p in pattern.split("...")]
        regex = ".*".join(re.escape(p).replace("\0", "(?:" + NUMBER.pattern + ")") for p in parts)
        if not re.fullmatch(regex, line):
            return False
    return True


class OutputMismatch(AssertionError):
    pass


class SnippetFailed(AssertionError):
    """A fresh-process snippet exited with an error, or a snippet lacks a mark it needs."""


def run_in_fresh_process(source: str, where: str) -> str:
    """Run `source` with `python -c` in a new interpreter and return what it printed.

    `source` starts with blank lines, so line numbers in a traceback are the page's.
    """
    with tempfile.TemporaryDirectory(prefix="snippet-") as empty:
        proc = subprocess.run(
            [sys.executable, "-W", "error::UserWarning", "-c", source],
            cwd=empty,
            capture_output=True,
            text=True,
            timeout=FRESH_PROCESS_TIMEOUT,
            check=False,
        )
    if proc.returncode != 0:
        module = missing_module_in(proc.stderr)
        if module is not None:
            missing(module, f"{where} imports it")
        raise SnippetFailed(
            f"{where}: the snippet failed in a fresh interpreter (exit status "
            f"{proc.returncode}; line numbers are the page's):\n{proc.stderr[-4000:]}"
        )
    if "Warning" in proc.stderr:
        raise SnippetFailed(
            f"{where}: the snippet warned when run alone in a fresh interpreter:\n"
            f"{proc.stderr[-2000:]}"
        )
    return proc.stdout


def run_shell(sources: list[tuple[str, str]]) -> list[str]:
    """Run shell fences (source, where) with `bash -e`, in order, in one new empty
    directory; what each printed."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    printed = []
    with tempfile.TemporaryDirectory(prefix="snippet-") as where_to_run:
        for source, where in sources:
            proc = subprocess.run(
                ["bash", "-e", "-c", source], cwd=where_to_run, env=env, capture_output=True,
                text=True, timeout=FRESH_PROCESS_TIMEOUT, check=False,
            )  # fmt: skip
            if proc.returncode != 0:
                raise SnippetFailed(
                    f"{where}: the shell session failed (exit status {proc.returncode}):\n"
                    f"{proc.stdout[-2000:]}{proc.stderr[-4000:]}"
                )
            printed.append(proc.stdout)
    return printed


def run_here(source: str, path: Path, where: str) -> str:
    """Run `source` in this process with fresh globals and return what it printed."""
    code = compile(source, str(path), "exec", dont_inherit=True)
    printed = io.StringIO()
    try:
        with (
            tempfile.TemporaryDirectory(prefix="snippet-") as empty,
            contextlib.chdir(empty),
            contextlib.redirect_stdout(printed),
        ):
            exec(code, {"__name__": "__main__"})
    except ModuleNotFoundError as err:
        module = extra_module(err.name)
        if module is None:
            raise
        missing(module, f"{where} imports it")
    return printed.getvalue()


def check_output(fence: Fence, shown: Fence | None, printed: str, where: str) -> None:
    """Fail unless the Output block after `fence` (`shown`) is what it printed."""
    if shown is None:
        if normalise(printed):
            raise OutputMismatch(
                f"{where}: the snippet printed output but the page shows none after "
                f'it (add a ```text title="Output"``` block, or run pytest '
                f"{UPDATE_OPTION}):\n{printed}"
            )
        return
    if fence.varies:
        if not matches_loosely(printed, shown.content):
            raise OutputMismatch(
                f"{where}: the output of this `{VARIES}` snippet does not match the "
                "page even with any number allowed to differ.\n"
                f"--- shown on the page\n{shown.content}--- printed\n{printed}"
            )
    elif normalise(printed) != normalise(shown.content):
        raise OutputMismatch(
            f"{where}: the snippet's output differs from the page (pytest "
            f"{UPDATE_OPTION} rewrites it).\n"
            f"--- shown on the page\n{shown.content}--- printed\n{printed}"
        )


class Snippet(pytest.Item):
    """One Python fence, or one shell session (a `run` fence and the `continue` fences
    after it), run and checked against the Output block after each fence."""

    def __init__(self, *, fence: Fence, index: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fence = fence
        self.index = index  # among the page's fences
        self.where = f"{self.path.name}:{fence.start_line}"
        self.parts: list[tuple[int, Fence]] = [(index, fence)]  # with a session's continuations

    def continue_with(self, index: int, fence: Fence) -> None:
        """Add a `continue` shell fence to this session: it runs after the others."""
        self.parts.append((index, fence))

    def run(self) -> list[str]:
        """What each fence of this item printed, in order."""
        if self.fence.is_shell_run:
            return run_shell(
                [(f.content, f"{self.path.name}:{f.start_line}") for _, f in self.parts]
            )
        if self.fence.fresh_process:
            return [run_in_fresh_process(self.fence.source, self.where)]
        if self.fence.needs_fresh_process:
            raise SnippetFailed(
                f"{self.where}: the snippet sets KERAS_BACKEND, which does nothing once Keras "
                f"is imported; mark it ```{{.python {FRESH_PROCESS}}}``` to run it in a new "
                "interpreter"
            )
        return [run_here(self.fence.source, self.path, self.where)]

    def runtest(self) -> None:
        printed = self.run()
        if self.config.getoption("update_output"):
            again = self.run()
            for (_, fence), first, second in zip(self.parts, printed, again, strict=True):
                if not fence.varies and normalise(second) != normalise(first):
                    raise OutputMismatch(
                        f"{self.path.name}:{fence.start_line}: the snippet printed something "
                        f"else when run again, so its output depends on the machine or the "
                        f"moment. Mark it ```{{.python {VARIES}}}``` (see tests/docs/snippets.py)."
                        f"\n--- first run\n{first}--- second run\n{second}"
                    )
                self.config.stash[UPDATES].append((self.path, fence, first))
            return
        page = fences(self.path)
        for (index, fence), out in zip(self.parts, printed, strict=True):
            check_output(
                fence, output_after(page, index), out, f"{self.path.name}:{fence.start_line}"
            )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, (OutputMismatch, SnippetFailed)):
            return str(excinfo.value)
        if isinstance(excinfo.value, pytest.fail.Exception):
            return str(excinfo.value.msg)
        # The traceback from the snippet's first frame on, with the page's lines.
        frames = traceback.extract_tb(excinfo.tb)
        first = next((k for k, f in enumerate(frames) if f.filename == str(self.path)), 0)
        return (
            f"{self.where}: the snippet raised an exception\n"
            "Traceback (most recent call last):\n"
            + "".join(traceback.format_list(frames[first:]))
            + "".join(traceback.format_exception_only(excinfo.value))
        )

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.fence.start_line - 1, f"{self.where} (snippet)"


class ContinuesNothing(pytest.Item):
    """A `continue` shell fence with no `run` shell fence before it: a failure."""

    def __init__(self, *, line: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.line = line

    def runtest(self) -> None:
        raise SnippetFailed(
            f"{self.path.name}:{self.line}: this shell fence is marked `{CONTINUE}` but "
            f"follows no `{RUN}` shell fence (a Python fence in between ends a session)"
        )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.line - 1, f"{self.path.name}:{self.line} (continue)"


class IndentedFence(pytest.Item):
    """A Python fence Markdown does not see (indented in an admonition or tab): a failure."""

    def __init__(self, *, line: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.line = line

    def runtest(self) -> None:
        raise SnippetFailed(
            f"{self.path.name}:{self.line}: this Python fence is indented (inside an "
            "admonition or a tab), so Markdown does not see it as a fence and it would never "
            "run; move it out to the left margin"
        )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.line - 1, f"{self.path.name}:{self.line} (indented fence)"


class Page(pytest.File):
    def collect(self) -> Any:
        text = self.path.read_text("utf8")
        page = parse_fences(text)
        session: Snippet | None = None  # the shell session a `continue` fence joins
        for k, fence in enumerate(page):
            if fence.continues and session is not None:
                session.continue_with(k, fence)
            elif fence.continues:
                yield ContinuesNothing.from_parent(
                    self, name=f"line-{fence.start_line}", line=fence.start_line
                )
            elif fence.runs:
                item = Snippet.from_parent(
                    self, name=f"line-{fence.start_line}", fence=fence, index=k
                )
                session = item if fence.is_shell_run else None
                yield item
        seen = {fence.start_line for fence in page}  # fences Markdown sees, of any language
        for line in raw_python_fences(text):
            if line not in seen:
                yield IndentedFence.from_parent(self, name=f"line-{line}-indented", line=line)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".md":
        return Page.from_parent(parent, path=file_path)
    return None


# ---- rewriting Output blocks -------------------------------------------------------
UPDATES = pytest.StashKey[list[tuple[Path, Fence, str]]]()
REWRITTEN = pytest.StashKey[list[Path]]()


def rewrite_outputs(text: str, printed: dict[int, str]) -> str:
    """`text` with the Output block after each Python fence (keyed by its first code
    line) made to show what it printed; every other line is kept byte for byte."""
    lines = text.splitlines(keepends=True)
    page = parse_fences(text)
    edits = []
    for k, fence in enumerate(page):
        if not fence.runs or fence.start_line not in printed:
            continue
        out, shown = printed[fence.start_line], output_after(page, k)
        body = [line + "\n" for line in normalise(out).splitlines()] if normalise(out) else []
        if any(line.lstrip().startswith(("```", "~~~")) for line in body):
            raise ValueError(f"line {fence.start_line}: the output contains a fence line")
        if fence.varies and shown is not None and body and matches_loosely(out, shown.content):
            continue  # hand-loosened block (with `...`) that still matches: keep it
        if shown is not None:
            # Lines (0-based) from the opening to after the closing of the Output fence.
            first, after = shown.start_line - 1, shown.end_line
            if lines[first].startswith((" ", "\t")):
                raise ValueError(f"line {first + 1}: an indented Output block")
            if body:
                edits.append((first + 1, after - 1, body))  # keep its fences, replace inside
            else:
                gap = lines[fence.end_line : first]
                start = fence.end_line if all(not g.strip() for g in gap) else first
                edits.append((start, after, []))
        elif body:
            edits.append(
                (fence.end_line, fence.end_line, ["\n", '```text title="Output"\n', *body, "```\n"])
            )
    for start, stop, new in sorted(edits, reverse=True):
        lines[start:stop] = new
    return "".join(lines)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        UPDATE_OPTION,
        action="store_true",
        dest="update_output",
        help="rerun every documentation snippet and rewrite the Output blocks of docs/*.md "
        "from what it printed (the gate itself only compares)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "docs: checks of the documentation site")
    config.stash[UPDATES] = []
    if config.getoption("update_output") and (
        getattr(config.option, "numprocesses", None) or hasattr(config, "workerinput")
    ):
        raise pytest.UsageError(
            f"{UPDATE_OPTION} rewrites pages in place and runs in one process: add -n 0"
        )


def pytest_sessionfinish(session: pytest.Session) -> None:
    updates = session.config.stash.get(UPDATES, [])
    by_page: dict[Path, dict[int, str]] = {}
    for path, fence, printed in updates:
        by_page.setdefault(path, {})[fence.start_line] = printed
    rewritten = []
    for path, printed in sorted(by_page.items()):
        text = path.read_text("utf8")
        new = rewrite_outputs(text, printed)
        if new != text:
            path.write_text(new, "utf8")
            rewritten.append(path)
    session.config.stash[REWRITTEN] = rewritten


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if config.getoption("update_output"):
        rewritten = config.stash.get(REWRITTEN, [])
        names = ", ".join(str(p) for p in rewritten) or "none (every Output block was right)"
        terminalreporter.write_line(f"rewrote the Output blocks of: {names}")
