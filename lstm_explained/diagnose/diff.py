"""Why two copies of a layer disagree: the engine behind `lstm-explained diff A B`.

`diff_layers(a, b, inputs)` runs two `SavedLayer`s (two models, or one model read from
two frameworks) on the same inputs, each in the dtype its file stores, and finds the
first step, quantity, batch row and unit where they part beyond the tolerance
(`divergence`). When they part it looks for the cause:

0. masking (`padding`): when the two mask the padded steps differently (one repeats the
   last output there and the other outputs zeros; one ignores the mask; the padding at
   the start on one side and at the end on the other), B is given A's way and run
   again; if that makes them agree, that is the finding, else the rest looks further.
1. float32 rounding: run both in float64; if they agree there, that is the finding,
   with the difference step by step.
2. otherwise the known mistakes (`hypotheses`, searched by `search`): each proposes
   B with one mistake undone; a repair is kept when it leaves fewer differing weight
   blocks and settings (`sides.mismatches`), and a chain of at most three is accepted
   when nothing is left and B's trace then matches A's over the first steps and rows.
   The shortest chains win; every one of that length is reported.
3. a bidirectional layer is searched direction by direction, after checking whether
   its two directions were exchanged.

Every step's output is compared too: at a masked step it is not h but the last output
repeated, or zeros. `LayerDiff.report()` is the text: the verdict, how each side masks
the inputs, one line per finding, evidence indented;
`exit_code` is 0 when the two agree and 1 when they differ. To add a cause, see
`hypotheses`.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from ..engine._validate import describe
from ..engine.layers import Bidirectional, BidirectionalTrace
from ..engine.recurrence import sequence_inputs
from ..errors import LSTMInputError, LSTMOverflowWarning
from ..saved.layer import SavedLayer
from .divergence import Divergence, TraceComparison, compare_traces, growth
from .findings import Finding
from .padding import Padding, padding_findings
from .search import search_layer
from .sides import Side, mismatches
from .variant_mistakes import dropped_projection

Array = NDArray[Any]
TOLERANCE = 1e-5
"""Largest difference taken as agreement: absolute below 1, relative above."""
WINDOW = (16, 4)  # steps (at least, past the first difference) and batch rows searched

__all__ = [
    "TOLERANCE",
    "Divergence",
    "Finding",
    "LayerDiff",
    "Padding",
    "default_inputs",
    "diff_layers",
]


@dataclass(frozen=True)
class LayerDiff:
    """What `diff_layers` found. `first` is None when A and B agree; `findings` the
    causes that explain the difference (empty when none does, and `evidence` then shows
    what differs); `largest` the largest difference, each run in its file's dtype;
    `masks` how each side masked the inputs (`Padding.lines`)."""

    a: str
    b: str
    tolerance: float
    largest: float
    first: Divergence | None
    findings: tuple[Finding, ...] = ()
    evidence: tuple[str, ...] = ()
    masks: tuple[str, ...] = ()

    @property
    def agree(self) -> bool:
        """Whether every compared value agrees within the tolerance."""
        return self.first is None

    @property
    def exit_code(self) -> int:
        """0 when A and B agree, 1 when they differ: what `lstm-explained diff` exits with."""
        return 0 if self.agree else 1

    @property
    def causes(self) -> tuple[str, ...]:
        """The findings' cause keys, e.g. ("gate-order",)."""
        return tuple(f.cause for f in self.findings)

    def verdict(self) -> str:
        """The first line of the report."""
        if self.first is None:
            return (
                f"A and B agree within tolerance {self.tolerance:g} "
                f"(largest difference {self.largest:.2g})"
            )
        return f"A and B differ beyond tolerance {self.tolerance:g}, first at {self.first.text()}"

    def report(self) -> str:
        """The verdict; one line per finding with its evidence indented under it; or,
        when nothing explains the difference, that sentence and what differs."""
        lines = [self.verdict(), f"    A: {self.a}", f"    B: {self.b}"]
        lines += [f"    {m}" for m in self.masks]
        for finding in self.findings:
            lines.append(f"{finding.cause}: {finding.summary}")
            lines += [f"    {e}" for e in finding.evidence]
        if not self.agree and not self.findings:
            lines.append("no known cause explains the difference")
        lines += [f"    {e}" for e in self.evidence]
        return "\n".join(lines)


def default_inputs(input_dim: int, *, steps: int = 10, seed: int = 0) -> Array:
    """Seeded standard-normal inputs `(1, steps, input_dim)`: the same on every machine,
    for comparing two layers when no inputs are given."""
    for name, value in (("input_dim", input_dim), ("steps", steps)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise LSTMInputError(f"{name} must be a positive integer; got {describe(value)}")
    return np.random.default_rng(seed).normal(size=(1, steps, input_dim))


def diff_layers(
    a: SavedLayer,
    b: SavedLayer,
    inputs: Any = None,
    *,
    tolerance: float = TOLERANCE,
    padding: Padding | None = None,
) -> LayerDiff:
    """Run A and B on the same inputs and say where and why they part.

    Args:
        a: the first layer ("A" in the report).
        b: the second layer ("B"); same cell, input size, units and number of
            directions as `a`.
        inputs: `(time, features)` or `(batch, time, features)`; `default_inputs(...)`
            of 10 steps if None.
        tolerance: the largest difference taken as agreement (absolute below 1,
            relative above).
        padding: the masks each side applies, `(batch, time)` booleans each
            (`padding.padding_of` builds them as the two models would); no masks if None.
            A masked step carries the state forward and outputs as the layer's
            framework does (`SavedLayer.zero_output_for_mask`).

    Raises:
        LSTMInputError: when the two cannot be compared (naming what differs), or for
            malformed inputs, masks or tolerance.
    """
    projection = dropped_projection(a, b)
    if projection is not None:  # h's sizes differ: named before any side-by-side run
        return _projection_diff(a, b, projection, inputs, tolerance)
    _check_comparable(a, b)
    if (
        isinstance(tolerance, bool)
        or not isinstance(tolerance, (int, float))
        or not (math.isfinite(tolerance) and tolerance > 0)
    ):
        raise LSTMInputError(f"tolerance must be a positive number; got {describe(tolerance)}")
    first_weights = a.weights.forward if isinstance(a.weights, Bidirectional) else a.weights
    x, _ = sequence_inputs(default_inputs(a.input_dim) if inputs is None else inputs, first_weights)
    padding = _checked_padding(Padding() if padding is None else padding, x)
    names = (_describe_layer(a), _describe_layer(b))
    stored_dtypes = (_dtype(a), _dtype(b))

    def compare(
        side: SavedLayer, masks: Padding, dtypes: tuple[Any, Any] = stored_dtypes
    ) -> TraceComparison:
        return _compare(a, side, x, *dtypes, tolerance, masks)

    with warnings.catch_warnings():  # an overflowing layer still has a first difference
        warnings.simplefilter("ignore", LSTMOverflowWarning)
        stored = compare(b, padding)
        found = LayerDiff(*names, tolerance, stored.largest, stored.first, masks=padding.lines())
        if stored.first is None:
            return dataclasses.replace(found, evidence=_agreeing_notes(a, b, tolerance))
        masking, b, padding, agreed = padding_findings(a, b, x, padding, compare)
        if agreed:
            return dataclasses.replace(found, findings=masking)
        wide = compare(b, padding, ("float64", "float64"))
        if wide.first is None:
            drift = _drift(a, b, stored, wide, tolerance)
            return dataclasses.replace(found, findings=(*masking, drift))
        findings, evidence = search_layer(a, b, _window(x, stored.first), tolerance)
    return dataclasses.replace(found, findings=(*masking, *findings), evidence=evidence)


def _projection_diff(
    a: SavedLayer, b: SavedLayer, finding: Finding, inputs: Any, tolerance: float
) -> LayerDiff:
    """A and B when one projects h and the other does not: they differ from the first
    output on (its sizes differ), and the finding says why."""
    first_weights = a.weights.forward if isinstance(a.weights, Bidirectional) else a.weights
    x, _ = sequence_inputs(default_inputs(a.input_dim) if inputs is None else inputs, first_weights)
    outs = [Side.of(layer, label).run(x[:, :1]).sequence_out for label, layer in
            (("A", a), ("B", b))]  # fmt: skip
    first = Divergence(
        1, 0, "output", "output", 0, float(outs[0][0, 0, 0]), float(outs[1][0, 0, 0])
    )
    sizes = f"A's output has {outs[0].shape[-1]} values per step, B's {outs[1].shape[-1]}"
    names = (_describe_layer(a), _describe_layer(b))
    return LayerDiff(*names, tolerance, math.inf, first, (finding,), (sizes,))


def _checked_padding(padding: Any, x: Array) -> Padding:
    """The padding's masks as (batch, time) booleans for `x`, or an error naming them."""
    if not isinstance(padding, Padding):
        raise LSTMInputError(f"padding must be a Padding; got {describe(padding)}")
    masks = {}
    for label in ("a", "b"):
        mask = getattr(padding, label)
        if mask is not None:
            mask = np.asarray(mask)
            if mask.dtype != bool or mask.shape != x.shape[:2]:
                raise LSTMInputError(
                    f"padding.{label} must be booleans of shape (batch, time) = "
                    f"{x.shape[:2]}; got {describe(mask)}"
                )
        masks[label] = mask
    return dataclasses.replace(padding, **masks)


def _check_comparable(a: Any, b: Any) -> None:
    for label, layer in (("a", a), ("b", b)):
        if not isinstance(layer, SavedLayer):
            raise LSTMInputError(f"{label} must be a SavedLayer; got {describe(layer)}")
    checks = [
        ("cell", a.kind, b.kind),
        ("direction", _directions(a), _directions(b)),
        ("input size (features per step)", a.input_dim, b.input_dim),
    ]
    if isinstance(a.weights, Bidirectional) and isinstance(b.weights, Bidirectional):
        checks.append(("merge_mode", a.weights.merge_mode, b.weights.merge_mode))
    checks.append(("units", a.units, b.units))
    for what, x, y in checks:
        if x != y:
            raise LSTMInputError(
                f"A and B cannot be compared: different {what} (A {x}, B {y}); a diff "
                "compares two copies of one layer"
            )
    for label, layer in (("A", a), ("B", b)):  # bias_halves checked before any run
        for direction in _direction_names(layer):
            Side.of(layer, label, direction)


def _directions(layer: SavedLayer) -> str:
    return "bidirectional" if layer.direction == "bidirectional" else "one direction"


def _describe_layer(layer: SavedLayer) -> str:
    return (
        f"{layer.name} ({layer.framework} {layer.kind}, {layer.direction}, "
        f"{layer.units} units, {layer.dtype})"
    )


def _dtype(layer: SavedLayer) -> Literal["float64", "float32"]:
    return "float64" if str(layer.dtype) == "float64" else "float32"


def _compare(
    a: SavedLayer, b: SavedLayer, x: Array, da: Any, db: Any, tol: float, padding: Padding
) -> TraceComparison:
    """Compare the two layers' traces of x, each masked as `padding` says, both
    directions of a bidirectional layer."""
    ta, tb = a.trace(x, dtype=da, mask=padding.a), b.trace(x, dtype=db, mask=padding.b)
    if not isinstance(ta, BidirectionalTrace) or not isinstance(tb, BidirectionalTrace):
        assert not isinstance(ta, BidirectionalTrace)
        assert not isinstance(tb, BidirectionalTrace)
        return compare_traces(ta, tb, tol)
    parts = [
        compare_traces(ta.forward, tb.forward, tol, "forward"),
        compare_traces(ta.backward, tb.backward, tol, "backward"),
    ]
    firsts = [p.first for p in parts if p.first is not None]
    first = min(firsts, key=lambda d: d.step) if firsts else None
    per_step = np.maximum(parts[0].per_step, parts[1].per_step)
    return TraceComparison(first, float(per_step.max()), per_step)


def _window(x: Array, first: Divergence) -> Array:
    """The steps and batch rows the search runs on: a few rows (with the first
    difference's) and the first steps, past the first difference."""
    steps, rows = WINDOW
    keep = sorted({*range(min(rows, x.shape[0])), first.row})
    return x[keep, : max(steps, first.step + steps)]


def _drift(
    a: SavedLayer, b: SavedLayer, stored: TraceComparison, wide: TraceComparison, tol: float
) -> Finding:
    summary = (
        f"float rounding: run in float64, A and B agree (largest difference "
        f"{wide.largest:.2g}); A computes in {_dtype(a)}, B in {_dtype(b)}"
    )
    evidence = (
        f"largest difference by step, each in its file's dtype: {growth(stored.per_step, tol)}",
    )
    return Finding("float-drift", summary, evidence, {"a": _dtype(a), "b": _dtype(b)})


def _agreeing_notes(a: SavedLayer, b: SavedLayer, tol: float) -> tuple[str, ...]:
    """When the traces agree but the weights or settings do not: say so."""
    notes = []
    for direction in _direction_names(a):
        left = mismatches(Side.of(a, "A", direction), Side.of(b, "B", direction), tol)
        if left:
            where = f"{direction} direction: " if a.direction == "bidirectional" else ""
            notes.append(f"{where}the layers differ in {', '.join(left)}, but not on these inputs")
    return tuple(notes)


def _direction_names(layer: SavedLayer) -> tuple[str, ...]:
    return ("forward", "backward") if layer.direction == "bidirectional" else ("forward",)
