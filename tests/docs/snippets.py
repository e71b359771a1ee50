"""Run every Python fence in docs/ and check that it prints what the page shows.

pytest-markdown-docs (superfences syntax) collects and executes the fences but does not
look at their output. This plugin replaces its default runner with one that captures
what a fence prints and compares it with the output block that follows the fence:

    ```python
    print(6 * 2)
    ```

    ```text title="Output"
    12
    ```

A fence that prints must be followed by such a block and match it exactly (trailing
spaces ignored); a fence that prints nothing must not be. Each fence runs with fresh
globals (no `continuation`), so it behaves as it would when copied alone into a new
interpreter, while modules such as TensorFlow are imported once per test process.

A fence that must not share that process, such as one that picks a Keras backend with
KERAS_BACKEND before importing Keras, is marked `fresh-process` and runs in a new
interpreter (`python -c`), its stdout compared the same way:

    ```{.python fresh-process}
    import os
    os.environ["KERAS_BACKEND"] = "jax"
    ...
    ```

Material renders such a fence as ordinary Python (superfences ignores the bare word).
A fence that sets KERAS_BACKEND without the mark fails rather than run in-process,
where Keras is already imported on TensorFlow and the setting would do nothing.
"""

from __future__ import annotations

import contextlib
import io
import pathlib
import re
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest
from markdown_it import MarkdownIt
from pytest_markdown_docs._runners import DefaultRunner, register_runner
from pytest_markdown_docs.definitions import FenceTestDefinition
from pytest_markdown_docs.plugin import parse_superfences_block_info

OUTPUT_TITLE = re.compile(r'title="Output"')
PYTHON = {"py", "python", "python3"}
FRESH_PROCESS = "fresh-process"
"""The fence option that runs a snippet in a new interpreter instead of this process."""
FRESH_PROCESS_TIMEOUT = 600  # seconds; an import of a framework takes a few


@dataclass(frozen=True)
class Fence:
    lang: str
    options: frozenset[str]
    info: str
    start_line: int  # first line of code, 1-based, as pytest-markdown-docs counts it
    content: str

    @property
    def is_output(self) -> bool:
        return self.lang == "text" and bool(OUTPUT_TITLE.search(self.info))

    @property
    def fresh_process(self) -> bool:
        return FRESH_PROCESS in self.options

    @property
    def needs_fresh_process(self) -> bool:
        """It chooses a Keras backend, which only works before Keras is first imported."""
        return self.lang in PYTHON and "KERAS_BACKEND" in self.content


def fences(path: pathlib.Path) -> list[Fence]:
    """The fences of a page as pytest-markdown-docs's parser sees them."""
    tokens = MarkdownIt("commonmark").parse(path.read_text("utf8"))
    found = []
    for token in tokens:
        if token.type != "fence" or not token.map:
            continue
        info = parse_superfences_block_info(token.info)
        lang = info[0] if info else ""
        found.append(Fence(lang, frozenset(info[1:]), token.info, token.map[0] + 1, token.content))
    return found


def snippet_and_output(path: pathlib.Path, start_line: int) -> tuple[Fence, str | None]:
    """The Python fence starting at `start_line` and the output block after it, if any."""
    page = fences(path)
    for k, fence in enumerate(page):
        if fence.lang in PYTHON and fence.start_line == start_line:
            nxt = page[k + 1] if k + 1 < len(page) else None
            return fence, nxt.content if nxt is not None and nxt.is_output else None
    raise LookupError(f"no Python fence starts at {path}:{start_line}")


def expected_output(path: pathlib.Path, start_line: int) -> str | None:
    """The output block after the Python fence starting at `start_line`, if there is one."""
    return snippet_and_output(path, start_line)[1]


def _normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.rstrip("\n").splitlines())


class OutputMismatch(AssertionError):
    pass


class SnippetFailed(AssertionError):
    """A fresh-process snippet exited with an error, or a snippet lacks the mark it needs."""


def run_in_fresh_process(source: str, where: str) -> str:
    """Run `source` with `python -c` in a new interpreter and return what it printed.

    `source` keeps the blank lines pytest-markdown-docs puts before a fence, so line
    numbers in a traceback are the page's.
    """
    proc = subprocess.run(
        [sys.executable, "-c", source],
        capture_output=True,
        text=True,
        timeout=FRESH_PROCESS_TIMEOUT,
        check=False,
    )
    if proc.returncode != 0:
        raise SnippetFailed(
            f"{where}: the snippet failed in a fresh interpreter (exit status "
            f"{proc.returncode}; line numbers are the page's):\n{proc.stderr[-4000:]}"
        )
    return proc.stdout


@register_runner(default=True)
class OutputCheckingRunner(DefaultRunner):
    """The default runner, plus a comparison of stdout with the page's output block."""

    def runtest(self, test: FenceTestDefinition, args: dict[str, Any], **kwargs: Any) -> None:
        fence, shown = snippet_and_output(pathlib.Path(test.source_path), test.start_line)
        where = f"{test.source_path}:{test.start_line}"
        if fence.fresh_process:
            got = run_in_fresh_process(test.source, where)
        elif fence.needs_fresh_process:
            raise SnippetFailed(
                f"{where}: the snippet sets KERAS_BACKEND, which does nothing once Keras is "
                f"imported; mark it ```{{.python {FRESH_PROCESS}}}``` to run it in a new "
                "interpreter"
            )
        else:
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                super().runtest(test, args, **kwargs)
            got = printed.getvalue()
        if shown is None:
            if got:
                raise OutputMismatch(
                    f"{where}: the snippet printed output but the page shows none after it "
                    f'(add a ```text title="Output"``` block):\n{got}'
                )
            return
        if _normalise(got) != _normalise(shown):
            raise OutputMismatch(
                f"{where}: the snippet's output differs from the page.\n"
                f"--- shown on the page\n{shown}--- printed\n{got}"
            )

    def repr_failure(self, test: FenceTestDefinition, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, (OutputMismatch, SnippetFailed)):
            return str(excinfo.value)
        return str(super().repr_failure(test, excinfo, style))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "docs: checks of the documentation site")
