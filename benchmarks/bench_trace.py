"""What tracing a real-sized model costs: time and memory against a bare loop and Keras.

The model: two stacked LSTM layers of 256 units (tanh / sigmoid, Keras's defaults) over a
batch of 32 sequences of 1,000 steps with 64 features, float32, seeded random weights.
Variants, each timed in a fresh child process (so each one's peak memory is its own):

1. trace     what `lstm-explained trace` computes: `forward` layer by layer in float32,
             recording every step's gates and pre-activations for the units shown (the
             first four of each layer, `units=`) and both states whole;
2. full      the same, recording every unit (for information: what `units=` saves);
3. floor     a bare NumPy float32 loop in this file, with no checks and no recording,
             computing `x[:, t] @ W` inside the loop as a first NumPy LSTM does; checked
             once to agree with the trace to 1e-4;
4. keras     `keras.Sequential` of two `keras.layers.LSTM(256, return_sequences=True)`
             with the same weights, `predict(x, batch_size=32)`, timed on its second
             call (the first builds the graph); checked to agree with the trace.

Rounds are interleaved (one child of each variant per round) and each variant is
summarised by its best and median time. Then, with the goals:

    trace / floor       goal <= 1.5x
    trace / keras       for information
    trace peak memory   goal <= 1 GB (the peak resident set of its process)

End to end (with Keras), each a whole fresh process, wall time and peak memory:

5. cli       `lstm-explained trace big.keras --layer 2 -i x.npy`: Python and TensorFlow
             starting, the file read, the trace printed, and the check (Keras running
             the model to the traced layer's output);
6. process   Keras's own whole process on the same file: import, `load_model`,
             `predict`: what a practitioner runs anyway.

    cli / process       goal <= 1.5x
    cli peak memory     goal <= 1 GB, the check included

This is a measurement, not a test: a missed goal is printed, never an error. The exit
status is 1 only when a variant's output disagrees with the trace, 2 when Keras is asked
for and cannot be imported.

    python benchmarks/bench_trace.py                 # 3 rounds, with Keras
    python benchmarks/bench_trace.py --rounds 5 --full --json
    python benchmarks/bench_trace.py --quick         # tiny shapes, a smoke test
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

try:
    from lstm_explained import LSTMWeights, forward
except ModuleNotFoundError:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from lstm_explained import LSTMWeights, forward
from lstm_explained.engine.activations import sigmoid

TIME_GOAL = 1.5  # trace / floor, and cli / process
MEMORY_GOAL = 1024**3  # bytes of peak resident memory
SHOWN_UNITS = [0, 1, 2, 3]


@dataclass(frozen=True)
class Shape:
    """Sizes of the problem."""

    batch: int
    time: int
    features: int
    units: int
    layers: int = 2


FULL = Shape(batch=32, time=1000, features=64, units=256)
QUICK = Shape(batch=2, time=20, features=3, units=5)


def problem(shape: Shape) -> tuple[np.ndarray, list[LSTMWeights]]:
    """Seeded float32 input (batch, time, features) and weights, bottom layer first,
    scaled as Keras's initialisers do so that the gates stay away from saturation."""
    rng = np.random.default_rng(1000)
    x = rng.standard_normal((shape.batch, shape.time, shape.features)).astype(np.float32)
    layers, width = [], shape.features
    for _ in range(shape.layers):
        kernel = rng.uniform(-1, 1, (width, 4 * shape.units)) * np.sqrt(
            6 / (width + 4 * shape.units)
        )
        recurrent = rng.standard_normal((shape.units, 4 * shape.units)) / np.sqrt(shape.units)
        bias = rng.uniform(-0.1, 0.1, 4 * shape.units)
        layers.append(LSTMWeights(*(a.astype(np.float32) for a in (kernel, recurrent, bias))))
        width = shape.units
    return x, layers


def run_trace(x: np.ndarray, layers: list[LSTMWeights], record_all: bool) -> np.ndarray:
    """What the trace command computes: each layer's trace in float32, bottom first."""
    shown = None if record_all else [u for u in SHOWN_UNITS if u < layers[0].units]
    out: Any = x
    for weights in layers:
        out = forward(out, weights, dtype="float32", units=shown).sequence_out
    return np.asarray(out)


def run_floor(x: np.ndarray, layers: list[LSTMWeights]) -> np.ndarray:
    """The same arithmetic with no checks and no record: the top layer's sequence output."""
    out = x
    for w in layers:
        kernel, recurrent, bias = w.kernel.astype(np.float32), w.recurrent_kernel.astype(
            np.float32), np.asarray(w.bias, dtype=np.float32)  # fmt: skip
        batch, steps, _ = out.shape
        n = recurrent.shape[0]
        h = np.zeros((batch, n), np.float32)
        c = np.zeros((batch, n), np.float32)
        seq = np.empty((batch, steps, n), np.float32)
        for t in range(steps):
            z = out[:, t] @ kernel + h @ recurrent + bias  # (batch, 4*units)
            i, f, o = sigmoid(z[:, :n]), sigmoid(z[:, n : 2 * n]), sigmoid(z[:, 3 * n :])
            c = f * c + i * np.tanh(z[:, 2 * n : 3 * n])
            h = o * np.tanh(c)
            seq[:, t] = h
        out = seq
    return out


def keras_model(layers: list[LSTMWeights], shape: Shape) -> Any:
    """A Sequential of Keras LSTMs holding the same weights."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    model = keras.Sequential(
        [keras.Input((shape.time, shape.features))]
        + [keras.layers.LSTM(shape.units, return_sequences=True) for _ in layers]
    )
    for layer, weights in zip(model.layers, layers, strict=True):
        layer.set_weights(weights.to_keras("float32"))
    return model


def child(variant: str, quick: bool, save: str | None = None) -> dict[str, Any]:
    """Run one variant once in this process: seconds, peak memory, and its output's
    largest difference from the float64 engine (computed after the timing). The keras
    variant then saves its model to `save` when given, for the end-to-end runs."""
    shape = QUICK if quick else FULL
    x, layers = problem(shape)
    if variant == "keras":
        model = keras_model(layers, shape)
        model.predict(x, batch_size=shape.batch, verbose=0)  # builds the graph
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    start = time.perf_counter()
    if variant == "keras":
        out = model.predict(x, batch_size=shape.batch, verbose=0)
    elif variant == "floor":
        out = run_floor(x, layers)
    else:
        out = run_trace(x, layers, record_all=variant == "full")
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    reference = x.astype(np.float64)
    for weights in layers:  # float64, nothing recorded beyond one unit: the yardstick
        reference = forward(reference, weights, units=[0]).sequence_out
    diff = float(np.max(np.abs(np.asarray(out, np.float64) - reference)))
    if save is not None and variant == "keras":
        model.save(save)  # after the measurements: it changes none of them
    return {"variant": variant, "seconds": seconds, "peak_bytes": peak,
            "baseline_bytes": baseline, "difference": diff}  # fmt: skip


def spawn(variant: str, quick: bool, save: Path | None = None) -> dict[str, Any]:
    """`child(variant)` in a fresh interpreter; its JSON result."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", variant]
        + (["--quick"] if quick else []) + (["--save", str(save)] if save else []),
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        status = 2 if variant == "keras" else 1
        print(f"bench_trace: the {variant} variant failed: {tail}"[:400], file=sys.stderr)
        sys.exit(status)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


KERAS_PROCESS = """
import sys, numpy, keras
model = keras.saving.load_model(sys.argv[1], compile=False)
model.predict(numpy.load(sys.argv[2]), batch_size=%d, verbose=0)
"""
MEASURED = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "peak_bytes": peak, "status": done.returncode,
                  "stderr": done.stderr.decode()[-300:]}))
"""


def save_inputs(folder: Path, quick: bool) -> tuple[Path, Path]:
    """Where the end-to-end runs read the benchmark's model (a .keras file, which the
    keras variant's first child saves, so that this process never imports TensorFlow)
    and its input (.npy, saved here)."""
    shape = QUICK if quick else FULL
    np.save(folder / "x.npy", problem(shape)[0])
    return folder / "big.keras", folder / "x.npy"


def end_to_end(variant: str, model: Path, x: Path, batch: int) -> dict[str, Any]:
    """One whole process, timed from outside: the trace command or Keras's own."""
    if variant == "cli":
        cli = Path(sys.executable).with_name("lstm-explained")
        command = [str(cli), "trace", str(model), "--layer", "2", "-i", str(x)]
    else:
        command = [sys.executable, "-c", KERAS_PROCESS % batch, str(model), str(x)]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run([sys.executable, "-c", MEASURED, *command], capture_output=True,
                          text=True, check=True, env=env)  # fmt: skip
    found: dict[str, Any] = json.loads(done.stdout)
    if found["status"]:
        print(
            f"bench_trace: {variant} exited {found['status']}: {found['stderr']}", file=sys.stderr
        )
        sys.exit(1)
    return {"best_s": found["seconds"], "median_s": found["seconds"],
            "peak_bytes": found["peak_bytes"], "difference": 0.0}  # fmt: skip


def end_to_end_rounds(rounds: int, quick: bool, model: Path, x: Path) -> dict[str, dict[str, Any]]:
    """cli and process, interleaved for `rounds` rounds, each summarised."""
    batch = (QUICK if quick else FULL).batch
    runs: dict[str, list[dict[str, Any]]] = {"cli": [], "process": []}
    for _ in range(rounds):
        for variant in runs:
            runs[variant].append(end_to_end(variant, model, x, batch))
    return {v: {"best_s": min(r["best_s"] for r in rs),
                "median_s": statistics.median(r["median_s"] for r in rs),
                "peak_bytes": max(r["peak_bytes"] for r in rs), "difference": 0.0}
            for v, rs in runs.items()}  # fmt: skip


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    seconds = [r["seconds"] for r in runs]
    return {"best_s": min(seconds), "median_s": statistics.median(seconds),
            "peak_bytes": max(r["peak_bytes"] for r in runs),
            "difference": max(r["difference"] for r in runs)}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="children per variant (3)")
    parser.add_argument("--quick", action="store_true", help="tiny shapes, a smoke test")
    parser.add_argument("--full", action="store_true", help="also trace every unit")
    parser.add_argument("--no-keras", action="store_true", help="skip Keras")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--save", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.quick, args.save)))
        return 0
    with tempfile.TemporaryDirectory() as folder:
        return measure(args, Path(folder))


def measure(args: argparse.Namespace, folder: Path) -> int:
    variants = ["trace", "floor"] + (["full"] if args.full else [])
    variants += [] if args.no_keras else ["keras"]
    model, x = save_inputs(folder, args.quick)
    runs: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
    for _ in range(args.rounds):
        for v in variants:
            runs[v].append(spawn(v, args.quick, save=None if model.exists() else model))
    result = {v: summarise(r) for v, r in runs.items()}
    shape = QUICK if args.quick else FULL
    trace = result["trace"]
    ratios = {"trace/floor": trace["median_s"] / result["floor"]["median_s"],
              "trace/floor best": trace["best_s"] / result["floor"]["best_s"]}  # fmt: skip
    if "keras" in result:
        ratios["trace/keras"] = trace["median_s"] / result["keras"]["median_s"]
        result |= end_to_end_rounds(args.rounds, args.quick, model, x)
        ratios["cli/process"] = result["cli"]["median_s"] / result["process"]["median_s"]
        ratios["cli/process best"] = result["cli"]["best_s"] / result["process"]["best_s"]
    # float32 against float64 drifts with length; beyond this something is wrong
    tolerance = 1e-3
    wrong = [v for v, s in result.items() if not s["difference"] <= tolerance]
    report = {"shape": asdict(shape), "rounds": args.rounds, "load": os.getloadavg(),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores", "variants": result,
              "ratios": ratios, "goals": {"trace/floor": TIME_GOAL, "cli/process": TIME_GOAL,
                                          "peak_bytes": MEMORY_GOAL},
              "disagree": wrong}  # fmt: skip
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"bench_trace: {shape.layers} x LSTM({shape.units}) over "
              f"({shape.batch}, {shape.time}, {shape.features}) float32, {args.rounds} rounds, "
              f"load {report['load'][0]:.1f}")  # fmt: skip
        for v, s in result.items():
            print(
                f"  {v:6s} best {s['best_s']:7.3f} s  median {s['median_s']:7.3f} s  "
                f"peak {s['peak_bytes'] / 2**20:7.0f} MiB  max |diff| {s['difference']:.2g}"
            )
        for name, value in ratios.items():
            print(f"  {name:17s} {value:5.2f}x")
        met = ratios["trace/floor"] <= TIME_GOAL
        print(f"  time goal trace/floor <= {TIME_GOAL}x: {'met' if met else 'NOT met'}")
        mem = trace["peak_bytes"] <= MEMORY_GOAL
        print(
            f"  memory goal trace peak <= 1 GiB: {'met' if mem else 'NOT met'} "
            f"({trace['peak_bytes'] / 2**30:.2f} GiB)"
        )
        if "cli" in result:
            met = ratios["cli/process"] <= TIME_GOAL
            print(f"  end-to-end goal cli/process <= {TIME_GOAL}x: {'met' if met else 'NOT met'}")
            mem = result["cli"]["peak_bytes"] <= MEMORY_GOAL
            print(
                f"  end-to-end memory goal cli peak <= 1 GiB, check included: "
                f"{'met' if mem else 'NOT met'} ({result['cli']['peak_bytes'] / 2**30:.2f} GiB)"
            )
        for v in wrong:
            print(
                f"  DISAGREES: {v} differs from the float64 engine by {result[v]['difference']:.3g}"
            )
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
