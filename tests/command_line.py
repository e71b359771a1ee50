"""Running the lstm-explained command in a test, and what a bad-input error must look like."""

from __future__ import annotations

from typing import Any

from lstm_explained.cli import main


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
