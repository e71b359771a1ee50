"""How long the test gate takes, part by part, against a floor.

The floor is the least any check of a Keras number can cost: one fresh Python process
that imports Keras and runs the article's three-step model. The parts are:

    unit tests    pytest tests/ without tests/docs (engine, CLI, Keras comparisons, lint)
    snippets      pytest docs/ (every code block on the site, output compared)
    build         mkdocs build --strict
    site checks   pytest tests/docs (the built site, sources, deliberate-breakage builds)

Goal: snippets and build together within 10x the floor, which holds only if TensorFlow
is imported once per test process rather than once per snippet. This prints; it never
fails on time (these machines are shared and noisy).

Run with `make bench` or `python benchmarks/bench_gate.py [--repeat N] [--json]`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lstm_explained.keras_adapter import TENSORFLOW_ENV

ROOT = Path(__file__).resolve().parents[1]
GOAL = 10.0

FLOOR_CODE = """
import numpy as np, keras
layer = keras.layers.LSTM(1, activation=None, recurrent_activation="linear",
    kernel_initializer="ones", recurrent_initializer="ones", unit_forget_bias=False,
    return_sequences=True, return_state=True)
out, h, c = layer(np.ones((1, 3, 1), dtype="float32"))
assert float(h[0, 0]) == 3211.0 and float(c[0, 0]) == 247.0
"""


def timed(cmd: list[str], repeat: int) -> float:
    """Best wall-clock seconds over `repeat` runs; exits if the command fails."""
    env = {**os.environ, **TENSORFLOW_ENV}  # as the gate's conftest.py sets them
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
        best = min(best, elapsed)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per part (best is kept)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    py = sys.executable
    pytest = [py, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    with tempfile.TemporaryDirectory() as site:
        parts = {
            "floor": timed([py, "-c", FLOOR_CODE], max(args.repeat, 3)),
            "unit tests": timed([*pytest, "tests", "--ignore=tests/docs"], args.repeat),
            "snippets": timed([*pytest, "docs"], args.repeat),
            "build": timed([py, "-m", "mkdocs", "build", "--strict", "-d", site], args.repeat),
            "site checks": timed([*pytest, "tests/docs"], args.repeat),
        }
    floor = parts["floor"]
    ratio = (parts["snippets"] + parts["build"]) / floor
    if args.json:
        print(json.dumps({"seconds": parts, "snippets_and_build_over_floor": ratio, "goal": GOAL}))
        return
    print(f"{'part':12} {'seconds':>8} {'x floor':>8}")
    for name, seconds in parts.items():
        print(f"{name:12} {seconds:8.2f} {seconds / floor:8.2f}")
    verdict = "met" if ratio <= GOAL else "NOT met"
    print(f"\nsnippets + build = {ratio:.2f}x the floor (goal <= {GOAL:g}x)  {verdict}")


if __name__ == "__main__":
    main()
