"""Speed of `lstm_explained.forward`: what the trace costs, and how it compares with Keras.

On one input of shape (batch 32, time 100, features 16), 64 units, tanh / sigmoid, this
times three ways of running the same LSTM:

1. traced    `lstm_explained.forward(x, weights)` in float64, recording every step;
2. untraced  a plain NumPy loop in this file doing the same float64 arithmetic and
             returning only sequence_out, h and c (checked once, outside the timing, to
             agree with forward() to 1e-12);
3. keras     a `keras.layers.LSTM` from `build_keras_lstm(weights)`, called eagerly,
             `layer(x)`, on float32 input.

Each variant is warmed up, then timed `timeit`-style: one call per measurement, N
measurements (default 20 for NumPy, 10 for Keras), and the best (minimum) and the
median are reported in milliseconds, followed by two ratios and their goals:

    trace overhead      traced / untraced    goal <= 1.5x
    against Keras       keras / traced       goal > 1x (the traced forward is faster)

The NumPy variants are timed before Keras is imported: once TensorFlow is loaded,
glibc hands the trace's ~16 MB back to the OS after every call and the traced run pays
thousands of page faults per call (about twice the time), which says more about the
process than about the trace. The page-fault column shows what each run paid.

This is a measurement, not a test: a missed goal is printed, never an error. The exit
status is 1 only if the untraced loop disagrees with forward(), and 2 if Keras is
needed but cannot be imported.

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
import platform
import statistics
import sys
import timeit
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

try:
    from lstm_explained import LSTMWeights, forward
except ModuleNotFoundError:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from lstm_explained import LSTMWeights, forward
from lstm_explained.activations import sigmoid

Array = NDArray[np.float64]

TRACE_GOAL = 1.5  # traced / untraced must be at most this
KERAS_GOAL = 1.0  # keras / traced must be above this


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


def untraced_forward(
    x: Array, kernel: Array, recurrent: Array, bias: Array | None
) -> tuple[Array, Array, Array]:
    """The LSTM arithmetic of `forward`, with no trace: (sequence_out, h, c).

    Gate columns in Keras's order input, forget, candidate, output; tanh for the
    candidate and the cell output, `lstm_explained.activations.sigmoid` for the gates.
    """
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


def minor_page_faults() -> int | None:
    """Minor page faults of this process so far (Unix only), else None."""
    try:
        import resource
    except ImportError:
        return None
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_minflt)


def measure(name: str, fn: Callable[[], object], repeat: int) -> Timing:
    """Warm up, then time `repeat` single calls; best and median in milliseconds.

    Page faults are counted too: the traced forward keeps every step's arrays (about
    16 MB at full size), and whether the allocator hands that memory back to the system
    between calls (so that each call faults it in again) can change its time by half.
    """
    fn()  # warm-up: caches, lazy imports, first-call dispatch
    before = minor_page_faults()
    seconds = timeit.Timer(fn).repeat(repeat=repeat, number=1)
    after = minor_page_faults()
    return Timing(
        name=name,
        repeat=repeat,
        best_ms=min(seconds) * 1e3,
        median_ms=statistics.median(seconds) * 1e3,
        page_faults_per_call=None if before is None or after is None else (after - before) / repeat,
    )


def check_untraced(x: Array, weights: LSTMWeights, tolerance: float = 1e-12) -> float:
    """Largest absolute difference between the untraced loop and forward(); exit 1 if too big."""
    trace = forward(x, weights)
    ours = untraced_forward(x, weights.kernel, weights.recurrent_kernel, weights.bias)
    theirs = (trace.sequence_out, trace.state_h, trace.state_c)
    diff = max(float(np.max(np.abs(a - b))) for a, b in zip(ours, theirs, strict=True))
    if not diff <= tolerance:  # also catches NaN
        sys.exit(
            f"bench_forward: the untraced loop disagrees with forward() by {diff:.3g} "
            f"(allowed {tolerance:g}); the comparison would be meaningless"
        )
    return diff


def load_keras() -> Any:
    """Keras via the adapter, or exit 2 with a one-line explanation."""
    from lstm_explained.keras_adapter import import_keras

    try:
        return import_keras()
    except ImportError as err:
        sys.stderr.write(f"bench_forward: cannot import Keras ({err}); use --no-keras to skip it\n")
        sys.exit(2)


def keras_variant(x: Array, weights: LSTMWeights) -> tuple[Callable[[], object], float]:
    """A zero-argument eager Keras call, and its largest difference from forward()."""
    from lstm_explained.keras_adapter import build_keras_lstm

    keras = load_keras()
    layer = build_keras_lstm(weights)
    x32 = np.ascontiguousarray(x, dtype=np.float32)

    def call() -> Any:  # [sequence_out, state_h, state_c] as backend tensors
        return layer(x32)

    sequence_out, _, _ = call()  # warm-up, and a sanity check that it is the same LSTM
    trace = forward(x, weights)
    diff = float(np.max(np.abs(keras.ops.convert_to_numpy(sequence_out) - trace.sequence_out)))
    return call, diff


def ratio_line(label: str, value: float, goal: str, met: bool) -> str:
    """One ratio with its goal and whether it was met."""
    return f"{label} = {value:.2f}x{goal}  {'met' if met else 'NOT met'}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time traced forward() against an untraced NumPy loop and eager Keras."
    )
    parser.add_argument(
        "--repeat",
        type=int,
        metavar="N",
        help="measurements per variant (default 20 for NumPy, 10 for Keras; 2 with --quick)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny shapes and 2 repeats, to smoke-test the script"
    )
    parser.add_argument("--no-keras", action="store_true", help="skip the Keras variant")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")

    shape = QUICK if args.quick else FULL
    default_numpy, default_keras = (2, 2) if args.quick else (20, 10)
    numpy_repeat = args.repeat or default_numpy
    keras_repeat = args.repeat or default_keras

    if not args.no_keras and importlib.util.find_spec("keras") is None:
        # Fail fast without importing: importing TensorFlow changes how glibc hands
        # memory back to the OS, which would tax the NumPy timings below (the
        # page-fault column shows it), so Keras is imported only after them.
        sys.stderr.write("bench_forward: Keras is not installed; use --no-keras to skip it\n")
        return 2

    weights = LSTMWeights.random(shape.features, shape.units, seed=0)
    rng = np.random.default_rng(1)
    x = rng.normal(0.0, 1.0, (shape.batch, shape.time, shape.features))
    kernel, recurrent, bias = weights.kernel, weights.recurrent_kernel, weights.bias

    untraced_diff = check_untraced(x, weights)
    timings = [
        measure("traced", lambda: forward(x, weights), numpy_repeat),
        measure("untraced", lambda: untraced_forward(x, kernel, recurrent, bias), numpy_repeat),
    ]
    keras_diff: float | None = None
    if not args.no_keras:
        call, keras_diff = keras_variant(x, weights)
        timings.append(measure("keras", call, keras_repeat))

    best = {t.name: t.best_ms for t in timings}
    trace_overhead = best["traced"] / best["untraced"]
    keras_speedup = best["keras"] / best["traced"] if "keras" in best else None

    if args.json:
        report: dict[str, Any] = {
            "shape": asdict(shape),
            "dtype": {"numpy": "float64", "keras": "float32"},
            "numpy_version": np.__version__,
            "python_version": platform.python_version(),
            "timings": [asdict(t) for t in timings],
            "untraced_max_abs_diff": untraced_diff,
            "keras_max_abs_diff": keras_diff,
            "trace_overhead": {
                "value": trace_overhead,
                "goal_max": TRACE_GOAL,
                "met": trace_overhead <= TRACE_GOAL,
            },
            "keras_vs_traced": None
            if keras_speedup is None
            else {
                "value": keras_speedup,
                "goal_min": KERAS_GOAL,
                "met": keras_speedup > KERAS_GOAL,
            },
        }
        print(json.dumps(report, indent=2))
        return 0

    print(
        f"LSTM forward, batch {shape.batch}, time {shape.time}, features {shape.features}, "
        f"units {shape.units}, tanh/sigmoid"
    )
    print(f"python {platform.python_version()}, numpy {np.__version__}")
    print()
    print(
        f"{'variant':<10} {'dtype':<8} {'repeat':>6} {'best ms':>10} {'median ms':>10} "
        f"{'page faults/call':>17}"
    )
    for t in timings:
        dtype = "float32" if t.name == "keras" else "float64"
        faults = "-" if t.page_faults_per_call is None else f"{t.page_faults_per_call:.0f}"
        print(
            f"{t.name:<10} {dtype:<8} {t.repeat:>6} {t.best_ms:>10.3f} {t.median_ms:>10.3f} "
            f"{faults:>17}"
        )
    print()
    print(f"untraced vs forward(): max |diff| = {untraced_diff:.3g} (must be <= 1e-12)")
    if keras_diff is not None:
        print(f"keras vs forward():    max |diff| = {keras_diff:.3g} (float32, for information)")
    print()
    overhead_met = trace_overhead <= TRACE_GOAL
    print(
        ratio_line(
            "trace overhead: traced / untraced", trace_overhead, " (goal <= 1.5x)", overhead_met
        )
    )
    if keras_speedup is None:
        print("traced forward vs eager Keras: skipped (--no-keras)")
    else:
        print(
            ratio_line(
                "traced forward vs eager Keras: keras / traced",
                keras_speedup,
                " faster (goal > 1x)",
                keras_speedup > KERAS_GOAL,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
