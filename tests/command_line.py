"""Running the lstm-explained command in a test (in this process, or in a fresh one for a
file that must be refused before anything in it runs), what a bad-input error must look
like, and reading its wrapped output back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
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


def refused_in_a_fresh_process(path: Path, marker: Path, importable: Path | None = None) -> str:
    """`trace PATH` in a new interpreter: exit status 2, one line on stderr with no
    traceback, and the file's code never ran (it would have created `marker`).
    `importable`: a folder put first on the interpreter's path, so that a module there
    which a file names could be imported. Returns stderr."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if importable is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(importable),
                                                          env.get("PYTHONPATH")]))  # fmt: skip
    proc = subprocess.run([sys.executable, "-m", "lstm_explained", "trace", str(path)],
                          capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert proc.returncode == 2
    assert not marker.exists()
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.stderr


BLOCKED = ("keras", "tensorflow", "tf_keras")


def run_without_keras(*args: object) -> subprocess.CompletedProcess[str]:
    """`lstm-explained ARGS...` in a new interpreter where `import keras`, `import
    tensorflow` and `import tf_keras` fail (None in sys.modules stops an import), so that
    nothing it does can lean on them."""
    code = (
        "import sys\n"
        f"for name in {BLOCKED!r}:\n"
        "    sys.modules[name] = None\n"
        "from lstm_explained.cli.main import main\n"
        f"sys.exit(main({[str(a) for a in args]!r}))\n"
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=300)  # fmt: skip
