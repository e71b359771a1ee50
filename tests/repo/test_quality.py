"""Repository-wide checks that run in the gate: lint, types, import cost, packaging, README."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.paths import ROOT


def tool(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_ruff_lint():
    proc = tool("ruff", "check", "--no-cache", ".")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_format():
    proc = tool("ruff", "format", "--check", "--no-cache", ".")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict():
    # Incremental, from .mypy_cache as `make check` and pre-commit leave it: a warm run
    # rechecks what changed in under a second, where --no-incremental took 20 s of the
    # gate; the cache is keyed by each file's contents and mypy's version and options.
    proc = tool("mypy")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_import_needs_neither_tensorflow_nor_click():
    # Nor PyTorch, JAX, ONNX or Flax: the adapters import them when a function runs.
    frameworks = ("tensorflow", "keras", "click", "torch", "jax", "onnx", "onnxruntime", "flax")
    code = f"import sys, lstm_explained; print(sorted(m for m in {frameworks} if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    proc = tool("build", "--no-isolation", "--outdir", str(out), str(ROOT), cwd=out)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


def test_wheel_and_sdist_pass_twine_check(dist):
    files = sorted(str(p) for p in dist.iterdir())
    assert any(f.endswith(".whl") for f in files)
    assert any(f.endswith(".tar.gz") for f in files)
    proc = tool("twine", "check", "--strict", *files)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_wheel_metadata_is_complete(dist):
    wheel = next(dist.glob("*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        meta = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        entry_points = zf.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "lstm_explained/py.typed" in names
    assert not any(n.startswith("tests/") for n in names)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    for field in (
        "License-Expression: MIT",
        "License-File: LICENSE",
        "Requires-Python: >=3.11",
        "Project-URL: Source, ",
        "Project-URL: Documentation, ",
        "Description-Content-Type: text/markdown",
        "Provides-Extra: keras",
    ):
        assert field in meta, field
    assert re.search(r"^Requires-Dist: numpy", meta, re.M)
    assert "lstm-explained = lstm_explained.cli.main:main" in entry_points


def test_readme_gives_the_two_commands_and_its_python_example_runs():
    text = (ROOT / "README.md").read_text()
    assert "make serve" in text
    assert "make test" in text
    block = re.search(r"```python\n(.*?)```", text, re.S)
    assert block
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block.group(1), "README.md", "exec"), {})
    assert out.getvalue().startswith("[3211.] [247.]\n[2.]\ntime step 2: x = 1, h_prev = 1")


def test_ci_runs_the_readme_test_command_and_nothing_else():
    lines = [
        line
        for line in (ROOT / ".ci/run").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[-1] == "make test"


def test_pre_commit_runs_the_gates_linters_from_the_venv():
    config_file = ROOT / ".pre-commit-config.yaml"
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "pre-commit"), "validate-config", str(config_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    config = yaml.safe_load(config_file.read_text())
    assert [repo["repo"] for repo in config["repos"]] == ["local"]  # nothing to download
    commands = [hook["entry"].split() for hook in config["repos"][0]["hooks"]]
    for command in commands:
        assert command[0].startswith(".venv/bin/"), command
    # The gate's linters: this file's ruff and mypy tests, tests/repo/test_workflows.py's two.
    names = [(Path(c[0]).name, *c[1:2]) for c in commands]
    for tool in [("ruff", "check"), ("ruff", "format"), ("mypy",), ("actionlint",), ("zizmor",)]:
        assert any(n[: len(tool)] == tool for n in names), tool
    zizmor = next(c for c in commands if c[0].endswith("zizmor"))
    assert "--offline" in zizmor  # never asks GitHub's API
