"""An LSTM's variants lost on one side: peepholes, the cell clip, coupled gates, the
projection.

Converters that know only the plain LSTM read W, R and B and leave the rest behind:
ONNX's `P`, `clip` and `input_forget`, PyTorch's `weight_hr` (`proj_size`). Each
hypothesis here proposes B with A's variant put back (or A's absence: the repair makes B
compute what A computes), as `bias-missing` does for a lost bias:

    peepholes-dropped     one side has peepholes (P), the other none
    clip-dropped          one side clips the gates' pre-activations, the other does not,
                          or clips at another value
    input-forget-dropped  one side couples the gates (f = 1 - i), the other does not

A dropped projection changes the size of h, so the two layers cannot be run side by
side; `dropped_projection` names it before they are (see `diff.diff_layers`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..engine.layers import Bidirectional
from ..engine.weights import LSTMWeights
from ..saved.layer import SavedLayer
from .findings import Finding, Repairs
from .sides import Side, close

Array = NDArray[Any]


def _lacking(a: Any, b: Any) -> str:
    """Which side lacks a variant the other has: "B" or "A"."""
    return "B" if b is None or b is False else "A"


def peepholes(a: Side, b: Side, tolerance: float) -> Repairs:
    """One side's gates see c (peepholes, ONNX's P) and the other's do not."""
    if (a.peephole is None) == (b.peephole is None):
        return
    who = _lacking(a.peephole, b.peephole)
    size = float(np.abs(a.peephole if who == "B" else b.peephole).max())  # type: ignore[arg-type]
    summary = (f"{who} has no peepholes; {'AB'[who == 'A']}'s gates see the cell state "
               "(ONNX's P: i and f add P * c_prev, o adds P * c): P dropped by a converter "
               "that reads only W, R and B")  # fmt: skip
    evidence = (f"the largest peephole weight is {size:.3g}",)
    yield (
        Finding("peepholes-dropped", summary, evidence, {"lacking": who}),
        b.replace(peephole=a.peephole),
    )


def clip(a: Side, b: Side, tolerance: float) -> Repairs:
    """One side clips the gates' pre-activations (ONNX's clip) and the other does not,
    or at another value."""
    if a.clip == b.clip:
        return
    if a.clip is not None and b.clip is not None:
        summary = f"A clips the gates' pre-activations at {a.clip:g}, B at {b.clip:g}"
        who = ""
    else:
        who = _lacking(a.clip, b.clip)
        bound = a.clip if who == "B" else b.clip
        summary = (f"{who} does not clip; {'AB'[who == 'A']} clips every gate's "
                   f"pre-activation to [-{bound:g}, {bound:g}] (ONNX's clip): the clip "
                   "dropped")  # fmt: skip
    yield (
        Finding("clip-dropped", summary, (), {"lacking": who, "a": a.clip, "b": b.clip}),
        b.replace(clip=a.clip),
    )


def coupled_gates(a: Side, b: Side, tolerance: float) -> Repairs:
    """One side computes f = 1 - i (ONNX's input_forget=1) and the other its own f."""
    if a.input_forget == b.input_forget:
        return
    who = "A" if b.input_forget else "B"
    summary = (f"{who} computes its own forget gate; {'AB'[who == 'A']} couples it to the "
               "input gate, f = 1 - i (ONNX's input_forget=1): the setting dropped")  # fmt: skip
    yield (
        Finding("input-forget-dropped", summary, (), {"lacking": who}),
        b.replace(input_forget=a.input_forget),
    )


def _one(layer: SavedLayer) -> Any:
    w = layer.weights
    return w.forward if isinstance(w, Bidirectional) else w


def dropped_projection(a: Any, b: Any) -> Finding | None:
    """The finding when one layer projects h (PyTorch's proj_size) and the other, with
    the same gates and inputs, does not: its h has all of the gates' units. Evidence
    says whether the other folded the projection into its recurrent kernel (R' = W_hr.T
    R: the same gates and c, h the one before the projection)."""
    if not (isinstance(a, SavedLayer) and isinstance(b, SavedLayer)):
        return None
    wa, wb = _one(a), _one(b)
    if not (isinstance(wa, LSTMWeights) and isinstance(wb, LSTMWeights)):
        return None
    if (wa.projection is None) == (wb.projection is None) or a.direction != b.direction:
        return None
    if (wa.units, wa.input_dim) != (wb.units, wb.input_dim):
        return None
    who = "B" if wb.projection is None else "A"
    has = wa if who == "B" else wb
    lacks = wb if who == "B" else wa
    summary = (
        f"{who} has no projection: its h has {lacks.output_units} values, "
        f"{'AB'[who == 'A']}'s is projected to proj_size={has.output_units} "
        "(PyTorch's weight_hr, h = W_hr (o * tanh(c))): the projection dropped"
    )
    folded = lacks.replace(recurrent_kernel=np.asarray(has.projection) @ has.recurrent_kernel)
    evidence = []
    if close(np.asarray(folded.recurrent_kernel), np.asarray(lacks.recurrent_kernel), 1e-6):
        evidence.append(f"{who}'s recurrent kernel is {'AB'[who == 'A']}'s with the projection "
                        "folded in (W_hr.T R): the gates and c agree, h is the one before "
                        "the projection")  # fmt: skip
    detail = {"lacking": who, "proj_size": has.output_units, "units": has.units}
    return Finding("projection-dropped", summary, tuple(evidence), detail)
