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
"""

from __future__ import annotations

import contextlib
import io
import pathlib
import re
from dataclasses import dataclass
from typing import Any

import pytest
from markdown_it import MarkdownIt
from pytest_markdown_docs._runners import DefaultRunner, register_runner
from pytest_markdown_docs.definitions import FenceTestDefinition
from pytest_markdown_docs.plugin import parse_superfences_block_info

OUTPUT_TITLE = re.compile(r'title="Output"')
PYTHON = {"py", "python", "python3"}


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


def expected_output(path: pathlib.Path, start_line: int) -> str | None:
    """The output block after the Python fence starting at `start_line`, if there is one."""
    page = fences(path)
    for k, fence in enumerate(page):
        if fence.lang in PYTHON and fence.start_line == start_line:
            nxt = page[k + 1] if k + 1 < len(page) else None
            return nxt.content if nxt is not None and nxt.is_output else None
    raise LookupError(f"no Python fence starts at {path}:{start_line}")


def _normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.rstrip("\n").splitlines())


class OutputMismatch(AssertionError):
    pass


@register_runner(default=True)
class OutputCheckingRunner(DefaultRunner):
    """The default runner, plus a comparison of stdout with the page's output block."""

    def runtest(self, test: FenceTestDefinition, args: dict[str, Any], **kwargs: Any) -> None:
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            super().runtest(test, args, **kwargs)
        shown = expected_output(pathlib.Path(test.source_path), test.start_line)
        got = printed.getvalue()
        where = f"{test.source_path}:{test.start_line}"
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
        if isinstance(excinfo.value, OutputMismatch):
            return str(excinfo.value)
        return str(super().repr_failure(test, excinfo, style))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "docs: checks of the documentation site")
