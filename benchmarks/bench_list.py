"""How long `lstm-explained trace MODEL --list` takes on a Keras file, with Keras and
TensorFlow unimportable.

A .keras file is read with zipfile, json and h5py and a legacy .h5 with h5py; listing
never hands either to Keras. The files are written here by Keras itself, in a child
process (LSTM(64) -> Bidirectional(GRU(32)) -> Dense, and the same saved as a legacy
.h5). Each round then runs `trace FILE --list` in a fresh interpreter in which `import
keras`, `import tensorflow` and `import tf_keras` fail (None in sys.modules), so the time
is Python starting, lstm-explained importing and the file read: what a user waits for.
A bare `python -c pass` is timed beside it for scale.

    goal: --list answers within 1 s (the best round's wall time: on a shared machine
          the others' load lengthens the rest; the CPU time, user + system, is printed
          beside it as the process's own work)

Before this reader, --list on a .keras took 7.7 to 14 s here, nearly all of it `import
tensorflow`. This is a measurement, not a test: a missed goal is printed, never an error.
The exit status is 1 when a listing fails or does not name the layers, 2 when Keras is
missing to write the files.

    python benchmarks/bench_list.py                  # 5 rounds
    python benchmarks/bench_list.py --rounds 1 --json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECONDS = 1.0
BLOCKED = ("keras", "tensorflow", "tf_keras")
WRITE = """
import os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
keras.utils.set_random_seed(3)
x = keras.Input((None, 16), name="x")
low = keras.layers.LSTM(64, return_sequences=True, name="low")(x)
top = keras.layers.Bidirectional(keras.layers.GRU(32), name="top")(low)
out = keras.layers.Dense(4, name="head")(top)
model = keras.Model(x, out)
model.save(os.path.join(sys.argv[1], "model.keras"))
model.save(os.path.join(sys.argv[1], "model.h5"))
"""
LIST = """
import sys
for name in {blocked!r}:
    sys.modules[name] = None  # `import keras` now raises ImportError
from lstm_explained.cli.main import main
sys.exit(main(["trace", {path!r}, "--list"]))
"""


def write_files(folder: Path) -> None:
    """model.keras and model.h5 in `folder`, written by Keras in a child process."""
    proc = subprocess.run([sys.executable, "-c", WRITE, str(folder)], capture_output=True,
                          text=True, check=False)  # fmt: skip
    if proc.returncode != 0:
        print(f"Keras could not write the files:\n{proc.stderr[-2000:]}", file=sys.stderr)
        sys.exit(2)


def timed(code: str) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall time and CPU time (user + system) of `python -c CODE` in a fresh interpreter,
    run from the checkout. On a shared machine the wall time carries the others' load;
    the CPU time is the process's own work."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [
        str(ROOT), os.environ.get("PYTHONPATH")]))}  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, check=False)  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()
    names = ("python -c pass", "model.keras", "model.h5")
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-list-") as tmp:
        folder = Path(tmp)
        write_files(folder)
        for _ in range(args.rounds):  # interleaved: the machine's load falls on each alike
            for name in names:
                code = "pass" if name.startswith("python") else \
                    LIST.format(blocked=BLOCKED, path=str(folder / name))  # fmt: skip
                seconds, used, proc = timed(code)
                wall[name].append(seconds)
                cpu[name].append(used)
                if not name.startswith("python") and (
                    proc.returncode != 0 or "2. top: GRU" not in proc.stdout
                ):
                    failed.append(f"{name}: exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
    report: dict[str, Any] = {
        "goal_seconds": GOAL_SECONDS,
        "load_average": os.getloadavg()[0],
        "timings": {
            name: {
                "best": min(wall[name]),
                "median": statistics.median(wall[name]),
                "cpu_median": statistics.median(cpu[name]),
                "rounds": wall[name],
            }
            for name in names
        },
        "failed": failed,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report, args.rounds)
    sys.exit(1 if failed else 0)


def print_report(report: dict[str, Any], rounds: int) -> None:
    print(
        f"trace FILE --list with keras, tensorflow and tf_keras unimportable "
        f"({rounds} rounds; load average {report['load_average']:.2f} on {os.cpu_count()} cores)"
    )
    for name, t in report["timings"].items():
        goal = "" if name.startswith("python") else \
            ("  goal met" if t["best"] <= GOAL_SECONDS else "  goal MISSED")  # fmt: skip
        print(f"  {name:16} wall best {t['best']:.2f} s, median {t['median']:.2f} s; "
              f"cpu median {t['cpu_median']:.2f} s{goal}")  # fmt: skip
    for line in report["failed"]:
        print(f"  FAILED {line}")


if __name__ == "__main__":
    main()
