"""How long the test gate and `make check` take, against their goals, and the gate by part.

The total is the wall-clock time of the gate as `make test` runs it (the pytest command
of the Makefile's test target, on every core). The parts are the time pytest spent on
the tests of each part (setup, call and teardown, from a JUnit report of the same run);
they overlap in time across workers, so they add up to more than the total:

    unit tests    tests/ but docs/ and repo/: the engine, CLI, frameworks, saved models
    repo checks   tests/repo/: ruff, mypy, the workflows (actionlint, zizmor), the wheel
                  and sdist, the extras, smoke runs of the benchmark scripts
    snippets      every code block and shell session on the site, output compared
                  (docs/*.md)
    site          tests/docs/ but the browser: the site's build and the checks on it,
                  the deliberate-breakage builds, the mike deployment, the hooks
    browser       every page in Chromium, the stepper (tests/docs/test_browser.py,
                  test_stepper*.py)

`make check` is timed as the Makefile runs it (each line of its recipe, in order).

The floor is the least any check of a Keras number can cost: one fresh Python process
that imports Keras and runs the article's three-step model. Goals on a 2-core machine,
warm (the site's tools installed, mypy's cache made): the whole gate within 4 minutes,
`make check` within a minute; snippets within 10x the floor, which holds only if
TensorFlow is imported once per test process rather than once per snippet. This
prints; it never fails on time (these machines are shared and noisy: the load average
is shown).

Run with `make bench` or `python benchmarks/bench_gate.py [--json] [--check-only]`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from lstm_explained.frameworks.keras_adapter import TENSORFLOW_ENV

ROOT = Path(__file__).resolve().parents[1]
GOAL_TOTAL, GOAL_CHECK, GOAL_SNIPPETS = 240.0, 60.0, 10.0

FLOOR_CODE = """
import numpy as np, keras
layer = keras.layers.LSTM(1, activation=None, recurrent_activation="linear",
    kernel_initializer="ones", recurrent_initializer="ones", unit_forget_bias=False,
    return_sequences=True, return_state=True)
out, h, c = layer(np.ones((1, 3, 1), dtype="float32"))
assert float(h[0, 0]) == 3211.0 and float(c[0, 0]) == 247.0
"""

PARTS = [  # (part, pattern of the test's file), first match wins
    ("snippets", r"^docs/"),
    ("browser", r"^tests/docs/test_(browser|stepper)"),
    ("site", r"^tests/docs/"),
    ("repo checks", r"^tests/repo/"),
    ("unit tests", r"^tests/"),
]


def makefile() -> str:
    return (ROOT / "Makefile").read_text()


def make_test_pytest_args() -> list[str]:
    """The arguments the Makefile's test target gives pytest, e.g. ['-n', 'auto']."""
    recipe = re.search(r"^test:.*\n\t(.+)$", makefile(), re.M)
    if not recipe or "-m pytest" not in recipe[1]:
        sys.exit("cannot find the pytest command of the Makefile's test target")
    return shlex.split(recipe[1].split("-m pytest", 1)[1])


def make_check_commands(text: str | None = None) -> list[str]:
    """The lines of the Makefile's check recipe, its variables filled in, as a shell
    runs them; `$(BIN)` is this interpreter's bin/ (the virtual environment)."""
    text = makefile() if text is None else text
    recipe = re.search(r"^check:.*\n((?:\t.+\n?)+)", text, re.M)
    if not recipe:
        sys.exit("cannot find the Makefile's check target")
    values = dict(re.findall(r"^([A-Z_]+) :?= (.*)$", text, re.M))
    values["BIN"] = str(Path(sys.executable).parent)

    def fill(line: str) -> str:
        return re.sub(r"\$\(([A-Z_]+)\)", lambda m: fill(value(m[1])), line)

    def value(name: str) -> str:
        if name not in values:
            sys.exit(f"the check target uses $({name}), which the Makefile does not set")
        return values[name]

    return [fill(line.strip()) for line in recipe[1].splitlines()]


def run(cmd: list[str] | str) -> float:
    """Wall-clock seconds of `cmd` (a string runs in the shell); exits if it fails."""
    env = {**os.environ, **TENSORFLOW_ENV}  # as the gate's conftest.py sets them
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        shell=isinstance(cmd, str),
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        shown = cmd if isinstance(cmd, str) else " ".join(cmd)
        sys.exit(f"failed: {shown}\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return elapsed


def part_of(case: ET.Element) -> str:
    path = case.get("file") or case.get("classname", "").replace(".", "/")
    return next((name for name, pattern in PARTS if re.match(pattern, path)), "other")


def verdict(seconds: float, goal: float) -> str:
    return f"{seconds:.1f} s (goal <= {goal:.0f} s: {'met' if seconds <= goal else 'NOT met'})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--check-only", action="store_true", help="time `make check` alone, not the gate"
    )
    args = parser.parse_args()
    load_before = os.getloadavg()
    check = sum(run(line) for line in make_check_commands())
    result: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "load_before": load_before,
        "check_seconds": check,
        "goals_seconds": {"gate": GOAL_TOTAL, "check": GOAL_CHECK},
    }
    if not args.check_only:
        result |= time_the_gate()
    result["load_after"] = os.getloadavg()
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['cpus']} CPUs; load average " + " ".join(f"{x:.1f}" for x in load_before))
    if not args.check_only:
        print(f"the gate as make test runs it: {verdict(result['total_seconds'], GOAL_TOTAL)}")
    print(f"make check: {verdict(check, GOAL_CHECK)}")
    if not args.check_only:
        print_the_gate(result)
    print("load average after " + " ".join(f"{x:.1f}" for x in result["load_after"]))


def time_the_gate() -> dict[str, Any]:
    floor = min(run([sys.executable, "-c", FLOOR_CODE]) for _ in range(3))
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "gate.xml"
        pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        total = run([*pytest, *make_test_pytest_args(), f"--junitxml={report}"])
        parts: dict[str, float] = {name: 0.0 for name, _ in PARTS}
        tests: list[tuple[float, str]] = []
        for case in ET.parse(report).iter("testcase"):
            name = part_of(case)
            seconds = float(case.get("time", 0))
            parts[name] = parts.get(name, 0.0) + seconds
            tests.append((seconds, f"{case.get('classname')}::{case.get('name')}"))
    slowest = sorted(tests, reverse=True)[:10]
    return {
        "total_seconds": total,
        "parts_seconds": parts,
        "floor_seconds": floor,
        "snippets_over_floor": parts["snippets"] / floor,
        "slowest_tests": [{"seconds": t, "test": n} for t, n in slowest],
    }


def print_the_gate(result: dict[str, Any]) -> None:
    print(f"\n{'part':12} {'seconds':>8}  (time in tests; parts run side by side)")
    for name, seconds in result["parts_seconds"].items():
        print(f"{name:12} {seconds:8.1f}")
    print("\nslowest tests (setup, call and teardown; a session fixture's build counts")
    print("toward the first test that waits for it)")
    for test in result["slowest_tests"]:
        print(f"{test['seconds']:8.1f}  {test['test']}")
    ratio = result["snippets_over_floor"]
    met = "met" if ratio <= GOAL_SNIPPETS else "NOT met"
    print(f"\nfloor (one Keras check in a fresh process) {result['floor_seconds']:.2f} s")
    print(f"snippets = {ratio:.2f}x the floor (goal <= {GOAL_SNIPPETS:g}x)  {met}")


if __name__ == "__main__":
    main()
