"""The benchmark scripts still run and print their ratios (their timings are never asserted),
and the gate's benchmark reads the Makefile and sorts the tests as the gate is laid out."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.paths import ROOT


@pytest.mark.keras
def test_bench_forward_quick_prints_the_ratios_of_both_cells(keras):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks/bench_forward.py"), "--quick", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert set(report["floor_max_abs_diff"]) == {"lstm", "gru"}
    assert all(diff <= 1e-12 for diff in report["floor_max_abs_diff"].values())
    assert all(r["value"] > 0 for r in report["trace_overhead"].values())
    names = {t["name"] for t in report["timings"]}
    assert names == {f"{c} {v}" for c in ("lstm", "gru") for v in ("traced", "floor", "keras")}


@pytest.mark.keras
def test_bench_trace_quick_prints_time_and_memory_against_the_goals(keras):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks/bench_trace.py"), "--quick", "--rounds", "1",
         "--full", "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert set(report["variants"]) == {"trace", "floor", "full", "keras", "cli", "process"}
    assert report["disagree"] == []
    assert all(v["difference"] <= 1e-5 for v in report["variants"].values())
    assert set(report["ratios"]) == {"trace/floor", "trace/floor best", "trace/keras",
                                     "cli/process", "cli/process best"}  # fmt: skip
    assert report["variants"]["trace"]["peak_bytes"] > 0
    # the end-to-end runs are whole processes: TensorFlow alone takes more than 100 MB
    assert report["variants"]["cli"]["peak_bytes"] > 100 * 2**20
    assert report["variants"]["process"]["peak_bytes"] > 100 * 2**20


@pytest.mark.keras
def test_bench_list_lists_both_keras_files_without_keras(keras):
    """Its listings run with keras, tensorflow and tf_keras unimportable and must name
    the layers; the times are printed, never asserted."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks/bench_list.py"), "--rounds", "1", "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["failed"] == []
    assert set(report["timings"]) == {"python -c pass", "model.keras", "model.h5"}
    assert all(len(t["rounds"]) == 1 for t in report["timings"].values())


def bench_gate():
    """benchmarks/bench_gate.py as a module: its run of the gate is the gate itself, so
    only the parts that read the Makefile and sort the tests are tried here."""
    spec = importlib.util.spec_from_file_location("bench_gate", ROOT / "benchmarks/bench_gate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_gate_runs_make_check_and_make_test_as_the_makefile_says():
    bench = bench_gate()
    assert bench.make_test_pytest_args() == ["-n", "auto"]
    commands = bench.make_check_commands()
    assert all(c.startswith(f"{Path(sys.executable).parent}/python -m ") for c in commands)
    assert [c.split(" -m ")[1].split()[0] for c in commands] == ["ruff", "ruff", "mypy", "pytest"]
    assert commands[-1].endswith('-m "not (keras or torch or backends or onnx or flax)"')
    fake = "X := a $(Y)\nY := b\ncheck:  ## c\n\t$(BIN)/tool $(X)\n\t$(BIN)/other\n\nnext:\n\tno\n"
    assert bench.make_check_commands(fake) == [
        f"{Path(sys.executable).parent}/tool a b",
        f"{Path(sys.executable).parent}/other",
    ]
    assert (bench.GOAL_TOTAL, bench.GOAL_CHECK) == (240, 60)
    assert bench.verdict(59.96, 60) == "60.0 s (goal <= 60 s: met)"
    assert bench.verdict(241, 240) == "241.0 s (goal <= 240 s: NOT met)"


@pytest.mark.parametrize(
    ("classname", "part"),
    [
        ("docs.trace-your-model.md", "snippets"),
        ("tests.docs.test_browser", "browser"),
        ("tests.docs.test_stepper", "browser"),
        ("tests.docs.test_stepper_gru", "browser"),
        ("tests.docs.test_site", "site"),
        ("tests.docs.test_versions", "site"),
        ("tests.repo.test_quality", "repo checks"),
        ("tests.repo.test_benchmarks", "repo checks"),
        ("tests.engine.test_lstm", "unit tests"),
        ("tests.networks.test_trained", "unit tests"),
    ],
)
def test_bench_gate_sorts_each_test_into_its_part(classname, part):
    case = ET.Element("testcase", classname=classname, name="test_x", time="1.0")
    assert bench_gate().part_of(case) == part
