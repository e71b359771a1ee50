"""The Python on the site's pages, linted by the package's own ruff rules.

Every Python fence of docs/*.md is written to a file of its own (named for its page and
line), each notebook's code cells to one file (they share one kernel), and `ruff check`
runs over them with the project's configuration, as pydantic's documentation tests lint
its examples. `lstm_explained` counts as the first party, as in
the package, so imports sort the same way on a page as in the code.

    python -m tests.docs.snippet_lint          # report, exit 1 on a finding
    python -m tests.docs.snippet_lint --fix    # let ruff fix what it can, in the pages
                                               # (a notebook's findings are reported only)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.docs.snippets import Fence, fences
from tests.paths import DOCS, ROOT

RUFF = Path(sys.executable).with_name("ruff")
SETTINGS = ["--config", str(ROOT / "pyproject.toml"),
            "--config", "lint.isort.known-first-party = ['lstm_explained']",
            # a notebook imports where a cell first needs it, as a lesson introduces it
            "--config", "lint.per-file-ignores = {'notebook__*.py' = ['E402']}"]  # fmt: skip


@dataclass(frozen=True)
class Finding:
    page: str
    line: int  # on the page, 1-based
    code: str
    message: str

    def __str__(self) -> str:
        return f"docs/{self.page}:{self.line}: {self.code} {self.message}"


def python_fences(docs: Path = DOCS) -> list[tuple[Path, Fence]]:
    """Every Python fence of the site's pages, with its page."""
    return [(page, f) for page in sorted(docs.glob("*.md")) for f in fences(page) if f.is_python]


def _file_name(page: Path, fence: Fence) -> str:
    return f"{page.stem.replace('-', '_')}__{fence.start_line}.py"


def lint(docs: Path = DOCS, *, fix: bool = False) -> list[Finding]:
    """ruff's findings on every Python fence (after fixing what it can, with `fix`,
    and writing the fixed code back into the pages)."""
    snippets = python_fences(docs)
    with tempfile.TemporaryDirectory() as tmp:
        where = {}
        for page, fence in snippets:
            path = Path(tmp) / _file_name(page, fence)
            path.write_text(fence.content, "utf8")
            where[path.name] = (page, fence)
        cells = _notebook_files(docs, Path(tmp))
        cmd = [str(RUFF), "check", *SETTINGS, "--output-format", "json", "--no-cache", tmp]
        done = subprocess.run([*cmd, *(["--fix"] if fix else [])], capture_output=True,
                              text=True, check=False)  # fmt: skip
        if done.returncode not in (0, 1):
            raise RuntimeError(f"ruff failed: {done.stderr.strip()}")
        if fix:
            _write_back(where, Path(tmp))
        items = json.loads(done.stdout or "[]")
        return [_cell_finding(i, cells) if Path(str(i["filename"])).name in cells
                else _finding(i, where) for i in items]  # fmt: skip


def _finding(item: dict[str, object], where: dict[str, tuple[Path, Fence]]) -> Finding:
    page, fence = where[Path(str(item["filename"])).name]
    row = int(item["location"]["row"])  # type: ignore[index]
    return Finding(page.name, fence.start_line + row, str(item["code"]), str(item["message"]))


def _notebook_files(docs: Path, folder: Path) -> dict[str, tuple[str, list[tuple[int, int]]]]:
    """Each notebook's code cells in one file; by file name, the notebook and, per line
    of the file, (cell, line in the cell), counting from 1."""
    found = {}
    for book in sorted(docs.glob("notebooks/*.ipynb")):
        lines: list[str] = []
        origin: list[tuple[int, int]] = []
        code = [c for c in json.loads(book.read_text("utf8"))["cells"] if c["cell_type"] == "code"]
        for k, cell in enumerate(code, start=1):
            text = "".join(cell["source"]).rstrip("\n").split("\n")
            lines += [*text, "", ""]
            origin += [(k, n) for n in range(1, len(text) + 1)] + [(k, 0), (k, 0)]
        name = f"notebook__{book.stem.replace('-', '_')}.py"
        (folder / name).write_text("\n".join(lines) + "\n", "utf8")
        found[name] = (str(book.relative_to(docs)), origin)
    return found


def _cell_finding(item: dict[str, object], cells: dict[str, tuple[str, list[tuple[int, int]]]]
                  ) -> Finding:  # fmt: skip
    book, origin = cells[Path(str(item["filename"])).name]
    row = int(item["location"]["row"])  # type: ignore[index]
    cell, line = origin[min(row, len(origin)) - 1]
    return Finding(f"{book}, code cell {cell}", line, str(item["code"]), str(item["message"]))


def _write_back(where: dict[str, tuple[Path, Fence]], folder: Path) -> None:
    """Each fixed snippet in place of its fence's code, pages edited from the end."""
    by_page: dict[Path, list[tuple[Fence, str]]] = {}
    for name, (page, fence) in where.items():
        fixed = (folder / name).read_text("utf8")
        if fixed != fence.content:
            by_page.setdefault(page, []).append((fence, fixed))
    for page, changes in by_page.items():
        lines = page.read_text("utf8").split("\n")
        for fence, fixed in sorted(changes, key=lambda c: -c[0].start_line):
            lines[fence.start_line : fence.end_line - 1] = fixed.rstrip("\n").split("\n")
        page.write_text("\n".join(lines), "utf8")


def main(argv: list[str]) -> int:
    found = lint(fix="--fix" in argv)
    for finding in found:
        print(finding)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
