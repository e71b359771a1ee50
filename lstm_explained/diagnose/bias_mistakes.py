"""Mistakes in a layer's bias: PyTorch's and ONNX's two halves (or a GRU's two rows)
lost, counted twice or swapped; the forget gate's 1 of `unit_forget_bias`; a GRU's
bias carried into the other `reset_after` form.

Each function is a hypothesis (see `hypotheses`): it yields B with the mistake undone.
"""

from __future__ import annotations

import numpy as np

from .findings import Finding, Repairs
from .sides import Array, Side, close

_HALF_NAMES = {
    "input": "input side: PyTorch's bias_ih, ONNX's Wb",
    "recurrent": "recurrent side: PyTorch's bias_hh, ONNX's Rb",
}


def _halves_of(side: Side, shape: tuple[int, ...]) -> list[tuple[str, Array]]:
    """The two halves placed as they add into a bias of `shape`: the file's halves, or a
    GRU's two rows (each half in its own row)."""
    if side.halves is not None and shape == side.halves[0].shape:
        return [("input", side.halves[0]), ("recurrent", side.halves[1])]
    if len(shape) == 2 and side.bias is not None and side.bias.ndim == 2:
        rows = []
        for k, name in enumerate(("input", "recurrent")):
            placed = np.zeros(shape)
            placed[k] = side.bias[k]
            rows.append((name, placed))
        return rows
    return []


def bias_halves(a: Side, b: Side, tolerance: float) -> Repairs:
    """A bias half lost or counted twice, on either side; the bias doubled, missing, or
    a GRU's two rows swapped."""
    ab, bb = a.full_bias(), b.full_bias()
    if ab.shape != bb.shape:
        return
    for owner, other, sign in (("A", "B", 1), ("B", "A", -1)):
        for name, half in _halves_of(a if owner == "A" else b, ab.shape):
            if not np.any(half):
                continue
            for cause, step, what in (
                ("bias-half-missing", sign, "lacks"),
                ("bias-half-twice", -sign, "counts twice"),
            ):
                summary = f"{other}'s bias {what} {owner}'s {name}-side half ({_HALF_NAMES[name]})"
                detail = {"half": name, "lacking" if step == sign else "doubled": other}
                yield Finding(cause, summary, (), detail), b.replace(bias=bb + step * half)
    if np.any(bb) and not close(bb, ab, tolerance):
        for who, factor in (("B", 0.5), ("A", 2.0)):
            summary = f"{who}'s bias is twice {'AB'[who == 'A']}'s: both halves counted twice"
            yield (
                Finding("bias-doubled", summary, (), {"doubled": who}),
                b.replace(bias=bb * factor),
            )
    for owner, other, mine, theirs in (("B", "A", bb, ab), ("A", "B", ab, bb)):
        if not np.any(mine) and np.any(theirs):
            yield (
                Finding(
                    "bias-missing",
                    f"{owner} has no bias (or all zeros); {other}'s is "
                    "not: use_bias=False, or a bias that was never loaded",
                    (),
                    {"lacking": owner},
                ),
                b.replace(bias=ab),
            )
    if bb.ndim == 2:
        yield (
            Finding(
                "bias-rows-swapped", "B's two bias rows (input side, recurrent side) are swapped"
            ),
            b.replace(bias=bb[::-1].copy()),
        )


def forget_bias(a: Side, b: Side, tolerance: float) -> Repairs:
    """An LSTM's forget-gate bias off by exactly 1: Keras's unit_forget_bias=True
    re-applied, or TensorFlow 1's forget_bias=1.0, which it adds at run time, not in its
    stored bias."""
    if b.cell != "LSTM":
        return
    ones = np.zeros(b.kernel.shape[1])
    ones[b.units : 2 * b.units] = 1.0  # (4*units,): the forget block
    for delta in (1.0, -1.0):
        summary = (
            f"B's forget-gate bias is A's {'plus' if delta > 0 else 'minus'} 1 on every "
            "unit: unit_forget_bias=True applied on top of trained weights, or "
            "TensorFlow 1's forget_bias=1.0 (added at run time) folded in or lost"
        )
        yield (
            Finding("forget-bias", summary, (), {"delta": delta}),
            b.replace(bias=b.full_bias() - delta * ones),
        )


def reset_after(a: Side, b: Side, tolerance: float) -> Repairs:
    """A GRU run with the other `reset_after`, its bias carried over: two rows become
    their sum (what a reset-before bias holds), one row becomes A's two rows or the file's
    two halves when it matches their sum."""
    if b.cell != "GRU" or a.reset_after == b.reset_after:
        return
    bias: Array | None = None
    evidence = ""
    if a.reset_after:  # B runs reset-before with one bias row
        if b.halves is not None:
            bias, evidence = np.stack(b.halves), "B's file keeps the two halves it summed"
        elif b.bias is not None and a.bias is not None and close(b.bias, a.bias.sum(0), tolerance):
            bias, evidence = a.bias.copy(), "B's one bias row is the sum of A's two rows"
        elif b.bias is not None and np.any(b.bias):
            return
    elif b.bias is not None:
        bias, evidence = b.bias.sum(axis=0), "A's one bias row is the sum of B's two rows"

    def form(flag: bool) -> str:
        return (
            "reset_after=True (r multiplies h_prev @ U + b: Keras 3's default, PyTorch, "
            "ONNX linear_before_reset=1)"
            if flag
            else "reset_after=False (r multiplies "
            "h_prev before U: Keras 2, ONNX's default linear_before_reset=0)"
        )

    summary = f"B computes the GRU with {form(b.reset_after)}; A with reset_after={a.reset_after}"
    yield (
        Finding(
            "reset-after",
            summary,
            (evidence,) if evidence else (),
            {"a": a.reset_after, "b": b.reset_after},
        ),
        b.replace(reset_after=a.reset_after, bias=bias),
    )
