"""The benchmark scripts still run and print their ratios (their timings are never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys

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
