"""How two layers mask the padded steps of one diff, and the masking mistakes it names.

A model marks padded steps its own way (`saved.LayerMask`): Keras's `Masking` layer
masks a step whose features all equal its mask_value; an ONNX node's `sequence_lens`
masks every step past each row's length, so its padding is always at the end. A masked
step carries the state forward and outputs either the last output again (a plain Keras
layer) or zeros (inside Keras's `Bidirectional`, with `zero_output_for_mask=True`, and
in ONNX's Y). `padding_of` builds each side's mask over the inputs as its model would:
a `Masking` side from the values, a `sequence_lens` side from the number of real steps
in each row of the other side's mask (what a user feeds it). `padding_findings` names
what differs, each as a repair of B that a run then confirms:

    padding-output   at padded steps one side repeats the last real output, the other
                     outputs zeros
    mask-ignored     one side masks the padded steps, the other runs them as real steps
    padding-moved    as many padded steps on both sides, at the start on one and at the
                     end on the other (ONNX's sequence_lens cannot mean the start)
    mask-differs     the two masks differ in another way (a mask_value, the lengths)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..engine.layers import BidirectionalTrace
from ..engine.trace import Trace
from ..saved.layer import LayerMask, SavedLayer
from .divergence import TraceComparison, shown_difference
from .findings import Finding

Array = NDArray[Any]
Compare = Callable[[SavedLayer, "Padding"], TraceComparison]
"""Runs A and the given B over the diff's inputs, masked as the padding says, and
compares them (`diagnose` supplies it)."""

__all__ = ["Padding", "padding_findings", "padding_of"]


@dataclass(frozen=True, eq=False)
class Padding:
    """The masks one diff gives A and B: (batch, time) booleans, True at a real step,
    None for no mask; `a_how` and `b_how` say how each was made, `notes` what could not
    be compared. `Padding()` masks nothing."""

    a: Array | None = None
    b: Array | None = None
    a_how: str = ""
    b_how: str = ""
    notes: tuple[str, ...] = ()

    def lines(self) -> tuple[str, ...]:
        """How each side masks the inputs, as a report prints it."""
        hows = [f"{label}'s mask: {how}" for label, how in (("A", self.a_how), ("B", self.b_how))]
        return (*(h for h in hows if not h.endswith(": ")), *self.notes)


def padding_of(a: SavedLayer, b: SavedLayer, x: Array) -> Padding:
    """Each side's mask over `x` (batch, time, features): the inputs entering A's chain
    of recurrent layers, which B's layer reads too. Nothing is masked when neither layer
    masks, or when one's mask is made where these inputs cannot show it."""
    sides = {"A": a, "B": b}
    if all(layer.mask is None for layer in sides.values()):
        return Padding()
    made = [f"{label}'s from {layer.mask.by}" for label, layer in sides.items()
            if layer.mask is not None and layer.mask.kind == "model"]  # fmt: skip
    if made:
        said = " and ".join(made).replace("'s from", "'s mask comes from", 1)
        return Padding(notes=(
            f"padding not compared: {said}, made below where these inputs enter, which "
            "cannot show it; both sides run every step as a real one",
        ))  # fmt: skip
    masks: dict[str, Array | None] = {}
    hows: dict[str, str] = {}
    for label, layer in sides.items():
        if layer.mask is not None and layer.mask.kind == "values":
            masks[label] = _values_mask(layer.mask, x, layer.dtype)
            hows[label] = f"{layer.mask.by}; {padded_text(masks[label])}"
    reference = masks.get("A", masks.get("B"))
    for label, layer in sides.items():
        other = "B" if label == "A" else "A"
        if layer.mask is None:
            masks[label], hows[label] = None, f"none ({no_mask(layer)})"
        elif layer.mask.kind == "lengths":
            masks[label], hows[label] = _lengths_mask(layer.mask, x.shape[:2], reference, other)
    return Padding(masks["A"], masks["B"], hows["A"], hows["B"])


def _values_mask(mask: LayerMask, x: Array, dtype: str) -> Array:
    """Keras's `Masking`: a step is real where any feature differs from mask_value,
    compared in the layer's dtype as Keras compares them."""
    kind = np.float64 if dtype == "float64" else np.float32
    return np.asarray(np.any(x.astype(kind) != kind(mask.mask_value), axis=-1))  # (batch, time)


def _lengths_mask(
    mask: LayerMask, shape: tuple[int, int], reference: Array | None, other: str
) -> tuple[Array, str]:
    """ONNX's sequence_lens: the first lengths[row] steps are real. Stored lengths as
    stored; lengths given at run time counted from the other side's mask."""
    batch, time = shape
    if mask.lengths is not None and len(mask.lengths) == batch:
        lengths, how = np.asarray(mask.lengths), mask.by
    elif reference is not None:
        lengths = reference.sum(axis=1)
        how = f"{mask.by}, given the number of real steps in each row of {other}'s mask"
    else:
        lengths = np.full(batch, time)
        why = "" if mask.lengths is None else f" (it stores {len(mask.lengths)} lengths)"
        how = (
            f"{mask.by}, given full lengths{why}: {other}'s mask does not mark padding in "
            "the inputs"
        )
    keep = np.arange(time) < np.minimum(lengths, time)[:, None]  # (batch, time)
    shown = ", ".join(str(int(n)) for n in lengths[:8]) + (", ..." if batch > 8 else "")
    return keep, f"{how}: lengths {shown}; {padded_text(keep)}"


def no_mask(layer: SavedLayer) -> str:
    """Why a layer has no mask, in words."""
    return {
        "keras": "no Masking or Embedding(mask_zero=True) layer below it",
        "onnx": "the node has no sequence_lens input",
        "torch": "a state dict records none; PyTorch masks by packing a batch "
        "(pack_padded_sequence) when the model runs",
    }[layer.framework]


def steps_text(steps: Any) -> str:
    """Step indices from 0 as people count them from 1, in runs: "1-2, 5"."""
    numbers = [int(s) + 1 for s in steps]
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def padded_text(mask: Array | None, rows: int = 3) -> str:
    """Which steps a mask pads, row by row: "padded: row 0 steps 5-6, row 1 step 6"."""
    if mask is None or mask.all():
        return "no step padded in these inputs"
    parts = []
    for row in np.flatnonzero(~mask.all(axis=1)):
        padded = np.flatnonzero(~mask[row])
        parts.append(f"row {row} step{'s' if padded.size > 1 else ''} {steps_text(padded)}")
    more = f", and {len(parts) - rows} more row(s)" if len(parts) > rows else ""
    return f"padded: {', '.join(parts[:rows])}{more}"


def padding_findings(
    a: SavedLayer, b: SavedLayer, x: Array, padding: Padding, compare: Compare
) -> tuple[tuple[Finding, ...], SavedLayer, Padding, bool]:
    """The masking mistakes behind the difference, B and the padding with them undone,
    and whether that alone makes B's trace match A's (`compare`). Repairs are tried one
    at a time, then together; when none suffices, all are kept for the rest of the diff
    (the findings that show on these inputs)."""
    repairs = list(_repairs(a, b, x, padding))
    if not repairs:
        return (), b, padding, False
    before = compare(b, padding)
    chains = [[r] for r in repairs] + ([repairs] if len(repairs) > 1 else [])
    for chain in chains:
        fixed_b, fixed = b, padding
        for _, repair in chain:
            fixed_b, fixed = repair(fixed_b, fixed)
        after = compare(fixed_b, fixed)
        if after.first is None:
            line = _confirmed(x, after, before, len(chain) > 1)
            found = tuple(_with(f, line) for f, _ in chain)
            return found, fixed_b, fixed, True
    line = "undone, B's trace still differs from A's: see what follows"
    found = tuple(_with(f, line) for f, _ in repairs if f.evidence)
    return found, fixed_b, fixed, False


Repair = Callable[[SavedLayer, Padding], tuple[SavedLayer, Padding]]


def _repairs(
    a: SavedLayer, b: SavedLayer, x: Array, padding: Padding
) -> Iterator[tuple[Finding, Repair]]:
    """The masking mistakes that differ between A and B, each with its repair of B."""
    batch, time = x.shape[:2]
    full = np.ones((batch, time), dtype=bool)
    mask_a = full if padding.a is None else padding.a
    mask_b = full if padding.b is None else padding.b
    if not np.array_equal(mask_a, mask_b):
        finding = _mask_finding(a, b, x, padding, mask_a, mask_b)
        yield finding, lambda side, p: (side, dataclasses.replace(p, b=p.a))
    after_real = ~mask_a & (np.cumsum(mask_a, axis=1) > 0)  # padded, after a real step
    if a.zero_output_for_mask != b.zero_output_for_mask and after_real.any():
        zero = a.zero_output_for_mask
        finding = _output_finding(a, b, x, mask_a)
        yield finding, lambda side, p: (_outputting(side, zero), p)


def _outputting(layer: SavedLayer, zero: bool) -> SavedLayer:
    """The layer with masked steps outputting zeros (or repeating the last output)."""
    return dataclasses.replace(layer, settings={**layer.settings, "zero_output_for_mask": zero})


def _with(finding: Finding, line: str) -> Finding:
    return dataclasses.replace(finding, evidence=(*finding.evidence, line))


def _confirmed(x: Array, after: TraceComparison, before: TraceComparison, together: bool) -> str:
    return (
        f"undone{' with the other finding(s) of this diff' if together else ''}, B's trace "
        f"matches A's over {x.shape[1]} step(s) of {x.shape[0]} batch row(s): largest "
        f"difference {shown_difference(after.largest)}, against {before.largest:.2g} before"
    )


def _in_input_order(trace: Trace | BidirectionalTrace) -> tuple[Array, Array]:
    """h and the output at every step, (batch, time, units) in input order: of the only
    direction, or the forward one of a bidirectional layer."""
    one = trace.forward if isinstance(trace, BidirectionalTrace) else trace
    h = np.stack([np.asarray(s.state["h"], np.float64) for s in one.steps], axis=1)
    out = np.asarray(one.sequence_out, np.float64)
    return (h[:, ::-1], out[:, ::-1]) if one.go_backwards else (h, out)


def vector_text(v: Array, shown: int = 3) -> str:
    """ "(0.231, -0.107, ...)": a vector's first values."""
    values = ", ".join(f"{float(u):.3g}" for u in v[:shown])
    return f"({values}{', ...' if v.size > shown else ''})"


def _mask_finding(
    a: SavedLayer, b: SavedLayer, x: Array, padding: Padding, mask_a: Array, mask_b: Array
) -> Finding:
    """mask-ignored, padding-moved or mask-differs, with the rows that show it."""
    h_a, _ = _in_input_order(a.trace(x, mask=padding.a))
    h_b, _ = _in_input_order(b.trace(x, mask=padding.b))
    if mask_a.all() or mask_b.all():
        return _ignored(a, b, (h_a, h_b), (mask_a, mask_b))
    if np.array_equal(mask_a.sum(axis=1), mask_b.sum(axis=1)):
        return _moved(a, b, mask_a, mask_b)
    rows = np.flatnonzero((mask_a != mask_b).any(axis=1))
    evidence = tuple(
        f"row {r}: A masks step(s) {steps_text(np.flatnonzero(~mask_a[r])) or 'none'}, B "
        f"step(s) {steps_text(np.flatnonzero(~mask_b[r])) or 'none'}"
        for r in rows[:3]
    )
    if a.mask and b.mask and a.mask.kind == b.mask.kind == "values":
        evidence += (f"A's mask_value is {a.mask.mask_value:g}, B's {b.mask.mask_value:g}",)
    summary = "A and B mask different steps of the same inputs"
    return Finding("mask-differs", summary, evidence, {"rows": [int(r) for r in rows]})


def _ignored(
    a: SavedLayer, b: SavedLayer, hs: tuple[Array, Array], masks: tuple[Array, Array]
) -> Finding:
    """One side runs the other's padded steps as real steps."""
    k = 0 if masks[0].all() else 1  # the side that ignores the mask
    who, other = ("A", "B")[k], ("B", "A")[k]
    masking, ignoring = (a, b)[1 - k], (a, b)[k]
    mask = masks[1 - k]
    rows = np.flatnonzero(~mask.all(axis=1))
    r = int(rows[0])
    padded = np.flatnonzero(~mask[r])
    t = int(padded[0])
    before = int(np.flatnonzero(mask[r, :t])[-1]) if mask[r, :t].any() else None
    carried = f"h of step {before + 1}" if before is not None else "its initial state"
    evidence = [
        f"row {r}, padded step(s) {steps_text(padded)}: {other} carries {carried} forward "
        f"{vector_text(hs[1 - k][r, t])}; {who}'s h at step {t + 1} is "
        f"{vector_text(hs[k][r, t])}"
        + (f" (and {rows.size - 1} more row(s))" if rows.size > 1 else ""),
        f"{who} masks nothing: {no_mask(ignoring)}; {other}'s padding comes from "
        f"{masking.mask.by if masking.mask else 'the mask it is given'}",
        _mask_advice(ignoring),
    ]
    summary = (
        f"{who} runs the padded steps as real steps: {other} masks them, {who} ignores the mask"
    )
    return Finding(
        "mask-ignored", summary, tuple(evidence), {"ignores": who, "rows": [int(i) for i in rows]}
    )


def _mask_advice(layer: SavedLayer) -> str:
    return {
        "keras": "put the Masking layer below it (as in the other model), or give Keras "
        "the mask when calling the layer",
        "onnx": "export with sequence_lens as a model input and feed each row's number of "
        "real steps (a converter that drops it makes every step real)",
        "torch": "pack the batch with pack_padded_sequence before the layer",
    }[layer.framework]


def _where(row: Array) -> str:
    padded = np.flatnonzero(~row)
    if padded.size == 0:
        return "nowhere"
    if padded[-1] == row.size - 1 and padded.size == padded[-1] - padded[0] + 1:
        return "at the end"
    if padded[0] == 0 and padded.size == padded[-1] + 1:
        return "at the start"
    return "in the middle"


def _moved(a: SavedLayer, b: SavedLayer, mask_a: Array, mask_b: Array) -> Finding:
    """As many padded steps on both sides, in different places."""
    rows = np.flatnonzero((mask_a != mask_b).any(axis=1))
    r = int(rows[0])
    where_a, where_b = _where(mask_a[r]), _where(mask_b[r])
    evidence = [
        f"row {r}: A masks steps {steps_text(np.flatnonzero(~mask_a[r]))} ({where_a}), B "
        f"steps {steps_text(np.flatnonzero(~mask_b[r]))} ({where_b}) and runs A's padded "
        "steps as real ones" + (f" (and {rows.size - 1} more row(s))" if rows.size > 1 else ""),
    ]
    lengths = [
        s for s, layer in (("A", a), ("B", b)) if layer.mask and layer.mask.kind == "lengths"
    ]
    if lengths:
        evidence.append(
            f"{' and '.join(lengths)}'s sequence_lens can only mark the last steps as padding: "
            "pad the inputs at the end (Keras: pad_sequences(padding='post')), or give "
            "both sides the same padded positions"
        )
    summary = (
        f"A pads {where_a} of the sequence, B {where_b}: the same number of steps, in other places"
    )
    return Finding(
        "padding-moved",
        summary,
        tuple(evidence),
        {"a": where_a, "b": where_b, "rows": [int(i) for i in rows]},
    )


def _output_finding(a: SavedLayer, b: SavedLayer, x: Array, mask: Array) -> Finding:
    """At padded steps (after a real one) one side repeats its last output, one outputs 0."""
    repeats, zeros = ("A", "B") if b.zero_output_for_mask else ("B", "A")
    outs = {
        "A": _in_input_order(a.trace(x, mask=mask))[1],
        "B": _in_input_order(b.trace(x, mask=mask))[1],
    }
    shown = []
    for r in range(mask.shape[0]):
        after = np.flatnonzero(~mask[r] & (np.cumsum(mask[r]) > 0))  # padded, after a real step
        if after.size and not np.allclose(outs["A"][r, after], outs["B"][r, after]):
            shown.append((r, after))
    evidence = []
    if shown:
        r, after = shown[0]
        run = (
            after[: int(np.argmax(np.diff(after) != 1)) + 1]
            if (np.diff(after) != 1).any()
            else after
        )
        last = int(np.flatnonzero(mask[r, : run[0]])[-1])
        evidence.append(
            f"at padded step(s) {steps_text(run)} of row {r} {repeats} repeats h of step "
            f"{last + 1} {vector_text(outs[repeats][r, run[0]])}, {zeros} outputs 0"
            + (f" (and {len(shown) - 1} more row(s))" if len(shown) > 1 else "")
        )
        evidence.append(
            "a masked step carries the state forward on both sides; only its output differs: "
            "a Keras layer repeats the last real h unless zero_output_for_mask=True (set "
            "inside Bidirectional); "
            "ONNX's Y has zeros there and Y_h the last real h (microsoft/onnxruntime#12492)"
        )
    summary = f"at padded steps {repeats} repeats the last real output and {zeros} outputs zeros"
    return Finding(
        "padding-output",
        summary,
        tuple(evidence),
        {"repeats": repeats, "rows": [r for r, _ in shown]},
    )
