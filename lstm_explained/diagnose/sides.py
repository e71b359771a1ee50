"""One direction of a saved layer as the diagnosis compares it, and how two of them differ.

`Side` holds what decides a direction's numbers: the weights as float64 arrays in
Keras's layout, the two activations, `go_backwards`, a GRU's `reset_after` and the
file's two bias halves when it stored them. `mismatches(a, b)` lists, block by block
and setting by setting, where B is not A: the hypotheses (`hypotheses.py`) are judged
by how much of that list they clear, and the report shows what is left.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..engine._validate import describe, to_float
from ..engine.activations import resolve
from ..engine.layers import Bidirectional
from ..engine.options import ActivationSpec
from ..engine.recurrence import forward
from ..engine.trace import Trace
from ..engine.weights import (
    GATES,
    GRU_GATES,
    RNN_GATES,
    GRUWeights,
    LSTMWeights,
    RNNWeights,
    Weights,
)
from ..errors import LSTMInputError
from ..saved.layer import SavedLayer

Array = NDArray[Any]
LETTERS = {"LSTM": ("i", "f", "g", "o"), "GRU": ("z", "r", "n"), "RNN": ("h",)}
"""How the gates are written in a report: the site's symbols (g for the LSTM's candidate,
which Keras and ONNX call c, the letter of the cell state; n for the GRU's)."""

PROBE = np.linspace(-8.0, 8.0, 321)  # where two activations are compared, step 0.05


def relative_difference(a: Any, b: Any) -> Array:
    """|a - b| / max(1, |a|, |b|) elementwise: absolute below 1, relative above; equal
    values (inf included) give 0, NaN gives inf."""
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        d = np.abs(x - y) / np.maximum(1.0, np.maximum(np.abs(x), np.abs(y)))
    d = np.where(x == y, 0.0, d)
    return np.where(np.isnan(d), np.inf, d)


def close(a: Array, b: Array, tolerance: float) -> bool:
    """Same shape and every entry within `tolerance` (see `relative_difference`)."""
    return a.shape == b.shape and bool(np.all(relative_difference(a, b) <= tolerance))


def same_function(f: ActivationSpec, g: ActivationSpec, tolerance: float) -> bool:
    """Whether two activations agree on -8..8 (a name, None or a callable each)."""
    return close(activation_values(f), activation_values(g), tolerance)


def activation_values(spec: ActivationSpec) -> Array:
    """The activation on the probe points -8, -7.95, ..., 8."""
    fn = resolve(spec, argument="activation", exact=False).fn
    return np.asarray(fn(PROBE.copy()), dtype=np.float64)


@dataclass(frozen=True, eq=False)
class Side:
    """One direction of a layer: weights (float64, Keras's layout) and settings.

    `bias` is None, `(n*units,)`, or `(2, n*units)` for a GRU with reset_after;
    `halves` is the file's (input side, recurrent side), each `(n*units,)`, or None.
    """

    cell: str
    kernel: Array  # (input_dim, n*units)
    recurrent_kernel: Array  # (units, n*units)
    bias: Array | None
    activation: ActivationSpec
    recurrent_activation: ActivationSpec
    go_backwards: bool = False
    reset_after: bool = True
    halves: tuple[Array, Array] | None = None

    @classmethod
    def of(cls, layer: SavedLayer, label: str, direction: str = "forward") -> Side:
        """A SavedLayer's one direction ("forward" or "backward" of a bidirectional one);
        `label` ("A" or "B") names the layer in errors."""
        w, halves = layer.weights, layer.bias_halves
        go_backwards = layer.go_backwards
        if isinstance(w, Bidirectional):
            k = 0 if direction == "forward" else 1
            w, go_backwards = (w.forward, w.backward)[k], direction == "backward"
            if halves is not None and len(_pair(halves)) != 2:
                raise LSTMInputError(
                    f"{label}.bias_halves of a bidirectional layer must be a pair, one "
                    f"(input side, recurrent side) per direction; got {describe(halves)}"
                )
            halves = None if halves is None else _pair(halves)[k]
        return cls(
            w.cell,
            to_float(np.asarray(w.kernel)),
            to_float(np.asarray(w.recurrent_kernel)),
            None if w.bias is None else to_float(np.asarray(w.bias)),
            layer.activation,
            # the plain cell has no gates: whatever a file says of them changes nothing
            "linear" if w.cell == "RNN" else layer.recurrent_activation,
            go_backwards,
            bool(getattr(w, "reset_after", True)),
            _halves(halves, w, label),
        )

    @property
    def gates(self) -> tuple[str, ...]:
        """Gate names in Keras's column order."""
        return {"LSTM": GATES, "GRU": GRU_GATES, "RNN": RNN_GATES}[self.cell]

    @property
    def units(self) -> int:
        """Units of this direction."""
        return int(self.recurrent_kernel.shape[0])

    def letters(self, order: tuple[str, ...] | None = None) -> str:
        """Gates written as letters, "i, f, g, o" (in `order` if given)."""
        names = dict(zip(self.gates, LETTERS[self.cell], strict=True))
        return ", ".join(names[g] for g in (order or self.gates))

    def full_bias(self) -> Array:
        """The bias with zeros for None: `(n*units,)`, or `(2, n*units)` with reset_after."""
        if self.bias is not None:
            return self.bias
        width = self.kernel.shape[1]
        return np.zeros((2, width) if self.cell == "GRU" and self.reset_after else width)

    def weights(self) -> Weights:
        """As `LSTMWeights`, `GRUWeights` or `RNNWeights`, for the engine."""
        if self.cell in ("LSTM", "RNN"):
            kind = LSTMWeights if self.cell == "LSTM" else RNNWeights
            return kind(self.kernel, self.recurrent_kernel, self.bias)
        return GRUWeights(self.kernel, self.recurrent_kernel, self.bias, self.reset_after)

    def run(self, x: Array, dtype: Any = "float64") -> Trace:
        """The engine over `x` (batch, time, features) with these weights and settings."""
        return forward(
            x,
            self.weights(),
            activation=self.activation,
            go_backwards=self.go_backwards,
            recurrent_activation=self.recurrent_activation,
            dtype=dtype,
        )

    def replace(self, **changes: Any) -> Side:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)


def _halves(halves: Any, w: Weights, label: str) -> tuple[Array, Array] | None:
    """The bias halves checked: two arrays of shape (n*units,), or None."""
    if halves is None:
        return None
    width = w.kernel.shape[1]
    pair = [to_float(np.asarray(h)).astype(np.float64) for h in _pair(halves)]
    if len(pair) != 2 or any(h.shape != (width,) for h in pair):
        raise LSTMInputError(
            f"{label}.bias_halves must be (input side, recurrent side), two arrays of shape "
            f"({width},) in Keras's gate order; got {describe(halves)}"
        )
    return pair[0], pair[1]


def _pair(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (tuple, list)) else [value]


def block(arr: Array, k: int, n: int) -> Array:
    """Gate block k of n along the last axis."""
    width = arr.shape[-1] // n
    return arr[..., k * width : (k + 1) * width]


def mismatches(a: Side, b: Side, tolerance: float) -> list[str]:
    """Where B is not A: each gate block of each matrix and bias row, and each setting
    that changes the numbers. Empty when B computes what A computes."""
    out, n = [], len(a.gates)
    letters = a.letters().split(", ")
    ab, bb = a.full_bias(), b.full_bias()
    rows = (
        [("bias", ab, bb)]
        if ab.ndim == 1
        else [
            ("input-side bias", ab[0], bb[0] if bb.ndim == 2 else bb),
            ("recurrent-side bias", ab[1], bb[1] if bb.ndim == 2 else np.zeros_like(ab[1])),
        ]
    )
    for label, x, y in (
        ("kernel", a.kernel, b.kernel),
        ("recurrent kernel", a.recurrent_kernel, b.recurrent_kernel),
        *rows,
    ):
        for k in range(n):
            if not close(block(x, k, n), block(y, k, n), tolerance):
                out.append(f"{label} block {letters[k]}")
    if ab.ndim != bb.ndim:
        out.append("bias layout")
    for name in ("activation", "recurrent_activation"):
        if not same_function(getattr(a, name), getattr(b, name), tolerance):
            out.append(name)
    out += [
        name for name in ("go_backwards", "reset_after") if getattr(a, name) != getattr(b, name)
    ]
    return out


def block_correlations(a: Side, b: Side, matrix: str) -> str:
    """Which of A's blocks each of B's blocks of `matrix` looks most like, by correlation:
    "i~i 1.00, f~o 0.98, ...". Evidence for a gate order, not a test of one."""
    x, y, n = getattr(a, matrix), getattr(b, matrix), len(a.gates)
    letters = a.letters().split(", ")
    parts = []
    for k in range(n):
        mine = block(y, k, n).ravel()
        scores = [_correlation(mine, block(x, j, n).ravel()) for j in range(n)]
        best = int(np.argmax(scores))
        parts.append(f"{letters[k]}~{letters[best]} {scores[best]:.2f}")
    return ", ".join(parts)


def _correlation(u: Array, v: Array) -> float:
    if u.size < 2 or np.std(u) == 0 or np.std(v) == 0:
        return 1.0 if np.array_equal(u, v) else 0.0
    return float(np.corrcoef(u, v)[0, 1])


def largest_weight_difference(a: Side, b: Side) -> float:
    """The largest difference between A's and B's weights (same layout assumed)."""
    pairs = [(a.kernel, b.kernel), (a.recurrent_kernel, b.recurrent_kernel)]
    ab, bb = a.full_bias(), b.full_bias()
    if ab.shape == bb.shape:
        pairs.append((ab, bb))
    return max(float(relative_difference(x, y).max()) for x, y in pairs)


def block_differences(a: Side, b: Side, tolerance: float) -> list[str]:
    """One line per weight block that differs, with its largest difference."""
    n, lines = len(a.gates), []
    letters = a.letters().split(", ")
    ab, bb = a.full_bias(), b.full_bias()
    arrays = [
        ("kernel", a.kernel, b.kernel),
        ("recurrent kernel", a.recurrent_kernel, b.recurrent_kernel),
    ]
    if ab.shape == bb.shape:
        arrays.append(("bias", ab, bb))
    for label, x, y in arrays:
        diffs = [float(relative_difference(block(x, k, n), block(y, k, n)).max()) for k in range(n)]
        bad = [f"{letters[k]} {d:.3g}" for k, d in enumerate(diffs) if d > tolerance]
        if bad:
            lines.append(f"{label} blocks that differ (largest difference): {', '.join(bad)}")
    return lines
