"""Speed of `lstm_explained.forward`: what the trace costs, for the LSTM and the GRU.

On one input of shape (batch 32, time 100, features 16), 64 units, tanh / sigmoid, this
times, for each cell:

1. traced    `lstm_explained.forward(x, weights)` in float64, recording every step
             (gate pre-activations and values, states) through the shared time loop;
2. floor     a bare NumPy loop in this file doing the same float64 arithmetic step by
             step, with no checks and no recording, returning only (sequence_out, state)
             (checked once, outside the timing, to agree with forward() to 1e-12);
3. keras     a `keras.layers.LSTM` / `GRU` from `build_keras_layer(weights)`, called
             eagerly on float32 input (optional).

The machines this runs on are shared and noisy, so the variants are interleaved (one
call of each in turn, round after round) and each is summarised by its best of N rounds
(default 30; at least 20 is advised) and its median, in milliseconds. Then the ratios:

    LSTM trace overhead   traced / floor    goal <= 1.5x
    GRU trace overhead    traced / floor    goal <= 1.5x
    against Keras         keras / traced    for information

The engine computes every step's input-side product `x @ kernel` in one matrix product
before the loop; the floor, like a first NumPy LSTM, does it step by step.

Memory: a trace keeps every step's arrays (about 16 MB for the LSTM here), while the
floor reuses a few buffers. When a call's trace is dropped, glibc decides by its
dynamic trim threshold whether to hand that memory back to the OS; between calls of
this benchmark it does, so every traced call faults its 16 MB in again (about 3,700
minor page faults, shown per call), which a program that traces once pays once. The
script therefore reports each ratio twice: as measured in this process, and measured
again in a child process whose glibc keeps freed memory (MALLOC_TRIM_THRESHOLD_ and
MALLOC_MMAP_THRESHOLD_ set high), which shows what the loop itself costs. The NumPy
variants are timed before Keras is imported, which changes glibc's thresholds again.

This is a measurement, not a test: a missed goal is printed, never an error. The exit
status is 1 only if a floor loop disagrees with forward(), and 2 if Keras is needed but
cannot be imported.

Run it with `make bench`, or from the repository root:

    python benchmarks/bench_forward.py              # full size, with Keras
    python benchmarks/bench_forward.py --quick      # tiny shapes, a smoke test
    python benchmarks/bench_forward.py --no-keras   # NumPy variants only
    python benchmarks/bench_forward.py --repeat 50 --json
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

try:
    from lstm_explained import GRUWeights, LSTMWeights, forward
except ModuleNotFoundError:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from lstm_explained import GRUWeights, LSTMWeights, forward
from lstm_explained.engine.activations import sigmoid

Array = NDArray[np.float64]

TRACE_GOAL = 1.5  # traced / untraced must be at most this


@dataclass(frozen=True)
class Shape:
    """Sizes of the benchmark problem."""

    batch: int
    time: int
    features: int
    units: int


FULL = Shape(batch=32, time=100, features=16, units=64)
QUICK = Shape(batch=2, time=5, features=3, units=4)


@dataclass(frozen=True)
class Timing:
    """Milliseconds per call of one variant, over `repeat` measurements."""

    name: str
    repeat: int
    best_ms: float
    median_ms: float
    page_faults_per_call: float | None  # minor page faults, None where not measurable


def floor_lstm(x: Array, weights: Any) -> tuple[Array, ...]:
    """The LSTM arithmetic of `forward`, with no checks and no trace: (sequence_out, h, c).

    Gate columns in Keras's order input, forget, candidate, output; tanh for the
    candidate and the cell output, `lstm_explained.engine.activations.sigmoid` for the gates.
    """
    kernel, recurrent, bias = weights.kernel, weights.recurrent_kernel, weights.bias
    batch, time, _ = x.shape
    units = recurrent.shape[0]
    h = np.zeros((batch, units))
    c = np.zeros((batch, units))
    out = np.empty((batch, time, units))
    for t in range(time):
        z = x[:, t, :] @ kernel + h @ recurrent  # (batch, 4*units)
        if bias is not None:
            z = z + bias
        i = sigmoid(z[:, :units])
        f = sigmoid(z[:, units : 2 * units])
        g = np.tanh(z[:, 2 * units : 3 * units])
        o = sigmoid(z[:, 3 * units :])
        c = f * c + i * g
        h = o * np.tanh(c)
        out[:, t, :] = h
    return out, h, c


def floor_gru(x: Array, weights: Any) -> tuple[Array, ...]:
    """The GRU arithmetic of `forward` (reset_after=True, Keras's default), with no checks
    and no trace: (sequence_out, h). Gate columns z, r, h; two bias rows."""
    kernel, recurrent = weights.kernel, weights.recurrent_kernel
    b_in, b_rec = weights.bias[0], weights.bias[1]
    batch, time, _ = x.shape
    u = recurrent.shape[0]
    h = np.zeros((batch, u))
    out = np.empty((batch, time, u))
    for t in range(time):
        xw = x[:, t, :] @ kernel + b_in  # (batch, 3*units)
        hu = h @ recurrent + b_rec  # (batch, 3*units)
        z = sigmoid(xw[:, :u] + hu[:, :u])
        r = sigmoid(xw[:, u : 2 * u] + hu[:, u : 2 * u])
        n = np.tanh(xw[:, 2 * u :] + r * hu[:, 2 * u :])
        h = z * h + (1 - z) * n
        out[:, t, :] = h
    return out, h


def minor_page_faults() -> int | None:
    """Minor page faults of this process so far (Unix only), else None."""
    try:
        import resource
    except ImportError:
        return None
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_minflt)


def measure_interleaved(variants: dict[str, Callable[[], object]], rounds: int) -> list[Timing]:
    """Warm each variant up, then time one call of each in turn for `rounds` rounds, so
    that a burst of load on a shared machine hits every variant alike."""
    for fn in variants.values():
        fn()  # warm-up: caches, lazy imports, first-call dispatch
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    faults: dict[str, int] = dict.fromkeys(variants, 0)
    timer = time.perf_counter
    for _ in range(rounds):
        for name, fn in variants.items():
            before = minor_page_faults()
            start = timer()
            fn()
            seconds[name].append(timer() - start)
            after = minor_page_faults()
            if before is not None and after is not None:
                faults[name] += after - before
    has_faults = minor_page_faults() is not None
    return [
        Timing(
            name=name,
            repeat=rounds,
            best_ms=min(s) * 1e3,
            median_ms=statistics.median(s) * 1e3,
            page_faults_per_call=faults[name] / rounds if has_faults else None,
        )
        for name, s in seconds.items()
    ]


def check_floor(name: str, floor: Any, x: Array, weights: Any, tolerance: float = 1e-12) -> float:
    """Largest absolute difference between a floor loop and forward(); exit 1 if too big."""
    trace = forward(x, weights)
    theirs = (trace.sequence_out, *trace.states.values())
    diff = max(float(np.max(np.abs(a - b))) for a, b in zip(floor(x, weights), theirs, strict=True))
    if not diff <= tolerance:  # also catches NaN
        sys.exit(
            f"bench_forward: the {name} floor loop disagrees with forward() by {diff:.3g} "
            f"(allowed {tolerance:g}); the comparison would be meaningless"
        )
    return diff


def load_keras() -> Any:
    """Keras via the adapter, or exit 2 with a one-line explanation."""
    from lstm_explained.frameworks.keras_adapter import import_keras

    try:
        return import_keras()
    except ImportError as err:
        sys.stderr.write(f"bench_forward: cannot import Keras ({err}); use --no-keras to skip it\n")
        sys.exit(2)


def keras_variant(x: Array, weights: Any) -> tuple[Callable[[], object], float]:
    """A zero-argument eager Keras call, and its largest difference from forward()."""
    from lstm_explained.frameworks.keras_adapter import build_keras_layer

    keras = load_keras()
    layer = build_keras_layer(weights)
    x32 = np.ascontiguousarray(x, dtype=np.float32)

    def call() -> Any:  # [sequence_out, *states] as backend tensors
        return layer(x32)

    sequence_out = call()[0]  # warm-up, and a sanity check that it is the same layer
    trace = forward(x, weights)
    diff = float(np.max(np.abs(keras.ops.convert_to_numpy(sequence_out) - trace.sequence_out)))
    return call, diff


def kept_memory_overhead(rounds: int, quick: bool) -> dict[str, float] | None:
    """traced / floor per cell, measured in a child process whose glibc keeps freed
    memory instead of handing it back to the OS between calls (Linux only)."""
    if not sys.platform.startswith("linux"):
        return None
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": str(2**40), "MALLOC_MMAP_THRESHOLD_": str(2**30)}
    cmd = [sys.executable, __file__, "--no-keras", "--json", "--no-kept-memory",
           "--repeat", str(rounds)] + (["--quick"] if quick else [])  # fmt: skip
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(f"bench_forward: the kept-memory run failed:\n{proc.stderr[-2000:]}")
        return None
    report = json.loads(proc.stdout)
    return {cell: r["value"] for cell, r in report["trace_overhead"].items()}


def ratio_line(label: str, value: float, goal: str, met: bool | None) -> str:
    """One ratio with its goal and whether it was met (None: for information)."""
    verdict = "" if met is None else ("  met" if met else "  NOT met")
    return f"{label} = {value:.2f}x{goal}{verdict}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time traced forward() against a bare NumPy loop and eager Keras, "
        "for the LSTM and the GRU."
    )
    parser.add_argument(
        "--repeat",
        type=int,
        metavar="N",
        help="interleaved rounds (default 30 for NumPy, 10 for Keras; 2 with --quick)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny shapes and 2 rounds, to smoke-test the script"
    )
    parser.add_argument("--no-keras", action="store_true", help="skip the Keras variants")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument(
        "--no-kept-memory",
        action="store_true",
        help="skip the second measurement, in a child process whose glibc keeps freed memory",
    )
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")

    shape = QUICK if args.quick else FULL
    default_numpy, default_keras = (2, 2) if args.quick else (30, 10)
    numpy_rounds = args.repeat or default_numpy
    keras_rounds = args.repeat or default_keras

    if not args.no_keras and importlib.util.find_spec("keras") is None:
        # Fail fast without importing: importing TensorFlow changes how glibc hands
        # memory back to the OS, which would tax the NumPy timings below.
        sys.stderr.write("bench_forward: Keras is not installed; use --no-keras to skip it\n")
        return 2

    cells = {
        "lstm": (LSTMWeights.random(shape.features, shape.units, seed=0), floor_lstm),
        "gru": (GRUWeights.random(shape.features, shape.units, seed=0), floor_gru),
    }
    rng = np.random.default_rng(1)
    x = rng.normal(0.0, 1.0, (shape.batch, shape.time, shape.features))

    floor_diffs = {cell: check_floor(cell, floor, x, w) for cell, (w, floor) in cells.items()}
    variants: dict[str, Callable[[], object]] = {}
    for cell, (w, floor) in cells.items():
        variants[f"{cell} traced"] = lambda w=w: forward(x, w)
        variants[f"{cell} floor"] = lambda w=w, floor=floor: floor(x, w)
    timings = measure_interleaved(variants, numpy_rounds)
    keras_diffs: dict[str, float] = {}
    if not args.no_keras:
        keras_calls = {}
        for cell, (w, _) in cells.items():
            keras_calls[f"{cell} keras"], keras_diffs[cell] = keras_variant(x, w)
        timings += measure_interleaved(keras_calls, keras_rounds)

    kept = None if args.no_kept_memory else kept_memory_overhead(numpy_rounds, args.quick)
    best = {t.name: t.best_ms for t in timings}
    overhead = {cell: best[f"{cell} traced"] / best[f"{cell} floor"] for cell in cells}
    keras_ratio = {
        cell: best[f"{cell} keras"] / best[f"{cell} traced"]
        for cell in cells
        if f"{cell} keras" in best
    }

    if args.json:
        report: dict[str, Any] = {
            "shape": asdict(shape),
            "dtype": {"numpy": "float64", "keras": "float32"},
            "numpy_version": np.__version__,
            "python_version": platform.python_version(),
            "timings": [asdict(t) for t in timings],
            "floor_max_abs_diff": floor_diffs,
            "keras_max_abs_diff": keras_diffs,
            "trace_overhead": {
                cell: {"value": v, "goal_max": TRACE_GOAL, "met": v <= TRACE_GOAL}
                for cell, v in overhead.items()
            },
            "keras_vs_traced": keras_ratio,
            "trace_overhead_memory_kept": kept,
        }
        print(json.dumps(report, indent=2))
        return 0

    print(
        f"forward(), batch {shape.batch}, time {shape.time}, features {shape.features}, "
        f"units {shape.units}, tanh/sigmoid; best of {numpy_rounds} interleaved rounds"
    )
    print(f"python {platform.python_version()}, numpy {np.__version__}")
    print()
    print(
        f"{'variant':<12} {'dtype':<8} {'rounds':>6} {'best ms':>10} {'median ms':>10} "
        f"{'page faults/call':>17}"
    )
    for t in timings:
        dtype = "float32" if t.name.endswith("keras") else "float64"
        faults = "-" if t.page_faults_per_call is None else f"{t.page_faults_per_call:.0f}"
        print(
            f"{t.name:<12} {dtype:<8} {t.repeat:>6} {t.best_ms:>10.3f} {t.median_ms:>10.3f} "
            f"{faults:>17}"
        )
    print()
    for cell, diff in floor_diffs.items():
        print(f"{cell} floor vs forward(): max |diff| = {diff:.3g} (must be <= 1e-12)")
    for cell, diff in keras_diffs.items():
        print(f"{cell} keras vs forward(): max |diff| = {diff:.3g} (float32, for information)")
    print()
    for cell, value in overhead.items():
        label = f"{cell.upper()} trace overhead: traced / floor"
        print(ratio_line(label, value, " (goal <= 1.5x)", value <= TRACE_GOAL))
    if kept is None:
        print("with freed memory kept by glibc: skipped (--no-kept-memory, or not Linux)")
    for cell, value in (kept or {}).items():
        label = f"{cell.upper()} trace overhead, freed memory kept"
        print(ratio_line(label, value, " (goal <= 1.5x)", value <= TRACE_GOAL))
    if not keras_ratio:
        print("traced forward vs eager Keras: skipped (--no-keras)")
    for cell, value in keras_ratio.items():
        label = f"{cell.upper()} eager Keras / traced forward"
        print(ratio_line(label, value, "", None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
