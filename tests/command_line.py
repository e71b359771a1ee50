"""Running the lstm-explained command in a test, what a bad-input error must look like,
and reading its wrapped output back."""

from __future__ import annotations

from typing import Any

from lstm_explained.cli.main import main


def run(capsys: Any, *args: object) -> tuple[int, str, str]:
    """`lstm-explained ARGS...` in this process: exit status, stdout, stderr."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(capsys: Any, *args: object) -> str:
    """Run and check the error contract: exit status 2, one line on stderr, no traceback."""
    code, out, err = run(capsys, *args)
    assert code == 2, out + err
    assert err.startswith("lstm-explained: error: "), err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def flat(text: str) -> str:
    """Text with its wrapped lines joined: every run of spaces and newlines one space."""
    return " ".join(text.split())


def working_lines(out: str) -> list[str]:
    """Output lines with --explain's wrapped lines of working joined again: a
    continuation is indented deeper than a gate's second line (14 spaces)."""
    lines: list[str] = []
    for line in out.splitlines():
        if lines and line.startswith(" " * 15):
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    return lines
