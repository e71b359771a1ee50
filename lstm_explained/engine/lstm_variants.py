"""The LSTM with its variants: peepholes, coupled gates, cell clip, projection.

The same cell as `lstm`, in Keras's gate columns (input, forget, candidate, output),
with whichever of `LSTMWeights`' variants are on (`recurrence.cell_of` sends weights
here only when one is, so the plain LSTM's step stays `lstm.step`):

    a = x @ kernel + h_prev @ recurrent_kernel + bias    # (batch, 4*units)
    z_i = clip(a_i + P_i * c_prev)                       # peephole: i sees c_prev
    z_f = clip(a_f + P_f * c_prev)                       #           f sees c_prev
    z_g = clip(a_g)
    i = rec(z_i);  f = 1 - i (input_forget) or rec(z_f);  g = act(z_g)
    c = f * c_prev + i * g                               # (batch, units)
    z_o = clip(a_o + P_o * c)                            # o sees the new c
    o = rec(z_o)
    m = o * act(c)                                       # (batch, units)
    h = m @ projection   (projection)  or  h = m         # (batch, proj_size or units)

`clip(v)` bounds v to [-clip, clip] (identity without a clip), as onnxruntime does for
ONNX's `clip`; with `input_forget` the forget columns, P_f and z_f go unused, as in
onnxruntime. The step's `parts` record what a reader needs to redo the arithmetic:
`peephole_input`, `peephole_forget`, `peephole_output` (the P * c terms), `unclipped_*`
(each gate's pre-activation before the clip) and `before_projection` (m).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import cells
from .cells import Array, ArrayFn, BackwardStep, CellStep, Derivatives, Functions
from .weights import GATES, LSTMWeights

NAME = "LSTM"
STATES = ("h", "c")


@dataclass(frozen=True)
class Params:
    """The weights in the run's number type (floats of one dtype, or exact)."""

    kernel: Array  # (features, 4*units)
    recurrent_kernel: Array  # (proj_size or units, 4*units)
    bias: Array | None  # (4*units,)
    units: int
    peephole: Array | None  # (3, units): input, forget, output
    projection: Array | None  # (units, proj_size)
    input_forget: bool
    clip: Array | None  # a 0-d array in the run's numbers


def prepare(weights: LSTMWeights, convert: ArrayFn) -> Params:
    """The weights as the step uses them."""

    def maybe(a: Any) -> Array | None:
        return None if a is None else convert(np.asarray(a))

    return Params(
        convert(weights.kernel), convert(weights.recurrent_kernel), maybe(weights.bias),
        weights.units, maybe(weights.peephole), maybe(weights.projection),
        weights.input_forget, maybe(weights.clip),
    )  # fmt: skip


def project(x: Array, p: Params) -> Array:
    """`x @ kernel` for every step at once: (batch, time, features) -> (batch, time, 4*units)."""
    return cells.flat_matmul(x, p.kernel)


def _clipped(a: Array, p: Params) -> Array:
    """a bounded to [-clip, clip]; maximum and minimum work on Fractions too."""
    return a if p.clip is None else np.minimum(np.maximum(a, -p.clip), p.clip)


def step(xw: Array, state: tuple[Array, ...], p: Params, fn: Functions) -> CellStep:
    """One step forward from `xw = x @ kernel` (batch, 4*units) and the state (h, c)."""
    h_prev, c_prev = state  # (batch, proj_size or units), (batch, units)
    a = xw + h_prev @ p.recurrent_kernel  # (batch, 4*units)
    if p.bias is not None:
        a = a + p.bias
    a = fn.tidy(a)
    u = p.units
    a_i, a_f, a_g, a_o = a[:, :u], a[:, u : 2 * u], a[:, 2 * u : 3 * u], a[:, 3 * u :]
    parts: dict[str, Array] = {}
    if p.peephole is not None:
        parts["peephole_input"] = fn.tidy(p.peephole[0] * c_prev)
        parts["peephole_forget"] = fn.tidy(p.peephole[1] * c_prev)
        a_i = fn.tidy(a_i + parts["peephole_input"])
        a_f = fn.tidy(a_f + parts["peephole_forget"])
    z_i, z_f, z_g = _clipped(a_i, p), _clipped(a_f, p), _clipped(a_g, p)
    i, g = fn.rec(z_i), fn.act(z_g)
    f = fn.tidy(1 - i) if p.input_forget else fn.rec(z_f)
    c = fn.tidy(f * c_prev + i * g)  # (batch, units)
    if p.peephole is not None:
        parts["peephole_output"] = fn.tidy(p.peephole[2] * c)
        a_o = fn.tidy(a_o + parts["peephole_output"])
    z_o = _clipped(a_o, p)
    o = fn.rec(z_o)
    m = fn.tidy(o * fn.act(c))  # (batch, units)
    h = m if p.projection is None else fn.tidy(m @ p.projection)  # (batch, proj_size)
    if p.clip is not None:
        parts |= {f"unclipped_{k}": v for k, v in zip(GATES, (a_i, a_f, a_g, a_o), strict=True)}
    if p.projection is not None:
        parts["before_projection"] = m
    return CellStep(
        (h, c), dict(zip(GATES, (z_i, z_f, z_g, z_o), strict=True)),
        dict(zip(GATES, (i, f, g, o), strict=True)), parts,
    )  # fmt: skip


def _through_clip(dz: Array, s: Any, gate: str, p: Params) -> Array:
    """The gradient of a pre-activation before the clip: zero where the clip bit."""
    if p.clip is None:
        return dz
    a = s.parts[f"unclipped_{gate}"]
    return np.where((a >= -p.clip) & (a <= p.clip), dz, 0 * dz)


def step_backward(s: Any, d_state: tuple[Array, ...], p: Params, fn: Derivatives) -> BackwardStep:
    """The step in reverse, from dL/dh (batch, proj_size or units) and dL/dc (batch, units).

    dm = dh @ projection.T (or dh)        d_projection = m.T @ dh
    do = dm * act(c)     da_o = do * rec'(z_o), zero where clipped
    dc = dc_later + dm * o * act'(c) + da_o * P_o     (o saw the new c)
    di = dc * g (- dc * c_prev when f = 1 - i)    df = dc * c_prev (0 when coupled)
    dg = dc * i          da_k = dk * activation'(z_k), zero where clipped
    dh_prev = da @ recurrent_kernel.T     dc_prev = dc * f + da_i P_i + da_f P_f
    """
    dh, dc_later = d_state
    i, f, g, o = (s.gates[k] for k in GATES)
    m = s.parts["before_projection"] if p.projection is not None else None
    dm = dh if p.projection is None else fn.tidy(dh @ p.projection.T)  # (batch, units)
    do = fn.tidy(dm * fn.act(s.c))
    da_o = _through_clip(fn.tidy(do * fn.rec_d(s.a["output"])), s, "output", p)
    dc = dc_later + dm * o * fn.act_d(s.c)
    if p.peephole is not None:
        dc = dc + da_o * p.peephole[2]
    dc = fn.tidy(dc)
    df, di, dg = fn.tidy(dc * s.c_prev), fn.tidy(dc * g), fn.tidy(dc * i)
    if p.input_forget:  # f = 1 - i: the forget gate's gradient flows into i
        di, df = fn.tidy(di - df), fn.tidy(0 * df)
    da_i = _through_clip(fn.tidy(di * fn.rec_d(s.a["input"])), s, "input", p)
    da_f = _through_clip(fn.tidy(df * fn.rec_d(s.a["forget"])), s, "forget", p)
    da_g = _through_clip(fn.tidy(dg * fn.act_d(s.a["candidate"])), s, "candidate", p)
    da = [da_i, da_f, da_g, da_o]
    da_all = np.concatenate(da, axis=1)  # (batch, 4*units)
    dc_prev = dc * f
    extra: dict[str, Array] = {}
    if p.peephole is not None:
        dc_prev = dc_prev + da_i * p.peephole[0] + da_f * p.peephole[1]
        terms = (da_i * s.c_prev, da_f * s.c_prev, da_o * s.c)
        extra["peephole"] = fn.tidy(np.stack([t.sum(axis=0) for t in terms]))  # (3, units)
    if m is not None:
        extra["projection"] = fn.tidy(m.T @ dh)  # (units, proj_size)
    return BackwardStep(
        d_kernel=s.x.T @ da_all,  # (features, 4*units)
        d_recurrent_kernel=s.h_prev.T @ da_all,  # (proj_size or units, 4*units)
        d_bias=da_all.sum(axis=0),  # (4*units,)
        dx=fn.tidy(da_all @ p.kernel.T),  # (batch, features)
        d_state_prev=(fn.tidy(da_all @ p.recurrent_kernel.T), fn.tidy(dc_prev)),
        d_state=(dh, dc),
        gates=dict(zip(GATES, (di, df, dg, do), strict=True)),
        a=dict(zip(GATES, da, strict=True)),
        d_extra=extra,
    )
