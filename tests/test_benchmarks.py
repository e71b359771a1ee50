"""The benchmark scripts still run and print their ratios (their timings are never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.keras
def test_bench_forward_quick_prints_both_ratios(keras):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks/bench_forward.py"), "--quick", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["untraced_max_abs_diff"] <= 1e-12
    assert report["trace_overhead"]["value"] > 0
    assert {t["name"] for t in report["timings"]} == {"traced", "untraced", "keras"}
