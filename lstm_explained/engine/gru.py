"""The GRU cell: one time step forward, and the same step backward, side by side.

With Keras's gate columns (update z, reset r, candidate n; Keras's code calls the
candidate h) and `act`, `rec` the layer's `activation` and `recurrent_activation`:

    xw = x @ kernel + b_in                        # (batch, 3*units), input side
    z = rec(xw_z + h_prev @ U_z + b_rec_z)        # update gate
    r = rec(xw_r + h_prev @ U_r + b_rec_r)        # reset gate
    reset_after=True:   n = act(xw_n + r * (h_prev @ U_n + b_rec_n))
    reset_after=False:  n = act(xw_n + (r * h_prev) @ U_n)
    h = z * h_prev + (1 - z) * n                  # new hidden state

`U_z`, `U_r`, `U_n` are the recurrent kernel's column blocks; `b_rec` exists only with
reset_after (otherwise the one bias is the input side's). `parts["candidate_recurrent"]`
records what r multiplies (reset_after) or the product of `r * h_prev` (reset before),
so that the hand calculation and the step backward can show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import cells
from .cells import Array, ArrayFn, BackwardStep, CellStep, Derivatives, Functions
from .weights import GRU_GATES, GRUWeights

NAME = "GRU"
STATES = ("h",)
GATES = GRU_GATES


@dataclass(frozen=True)
class Params:
    """The weights in the run's number type (floats of one dtype, or exact)."""

    kernel: Array  # (features, 3*units)
    recurrent_kernel: Array  # (units, 3*units)
    input_bias: Array | None  # (3*units,)
    recurrent_bias: Array | None  # (3*units,), reset_after only
    reset_after: bool
    units: int


def prepare(weights: GRUWeights, convert: ArrayFn) -> Params:
    """The weights as the step uses them, the bias split into its two sides."""
    b_in, b_rec = weights.input_bias, weights.recurrent_bias
    return Params(
        convert(weights.kernel),
        convert(weights.recurrent_kernel),
        None if b_in is None else convert(b_in),
        None if b_rec is None else convert(b_rec),
        weights.reset_after,
        weights.units,
    )


def project(x: Array, p: Params) -> Array:
    """`x @ kernel + b_in` for every step at once: (batch, time, 3*units)."""
    xw = cells.flat_matmul(x, p.kernel)
    return xw if p.input_bias is None else xw + p.input_bias


def step(xw: Array, state: tuple[Array, ...], p: Params, fn: Functions) -> CellStep:
    """One step forward from the input side `xw` (batch, 3*units) and h_prev."""
    (h_prev,) = state  # (batch, units)
    u = p.units
    if p.reset_after:
        hu = h_prev @ p.recurrent_kernel  # (batch, 3*units)
        if p.recurrent_bias is not None:
            hu += p.recurrent_bias
    else:
        hu = h_prev @ p.recurrent_kernel[:, : 2 * u]  # (batch, 2*units): z and r only
    zr = fn.tidy(xw[:, : 2 * u] + hu[:, : 2 * u])  # (batch, 2*units)
    a_z, a_r = zr[:, :u], zr[:, u:]
    gates_zr = fn.rec(zr)  # both gates in one call
    z, r = gates_zr[:, :u], gates_zr[:, u:]
    if p.reset_after:
        rec_n = fn.tidy(hu[:, 2 * u :])  # what r multiplies
        a_n = fn.tidy(xw[:, 2 * u :] + r * rec_n)
    else:
        rec_n = fn.tidy((r * h_prev) @ p.recurrent_kernel[:, 2 * u :])
        a_n = fn.tidy(xw[:, 2 * u :] + rec_n)
    n = fn.act(a_n)
    h = fn.tidy(z * h_prev + (1 - z) * n)  # (batch, units)
    parts = {"candidate_input": fn.tidy(xw[:, 2 * u :]), "candidate_recurrent": rec_n}
    return CellStep(
        (h,), dict(zip(GATES, (a_z, a_r, a_n), strict=True)),
        dict(zip(GATES, (z, r, n), strict=True)), parts,
    )  # fmt: skip


def step_backward(s: Any, d_state: tuple[Array, ...], p: Params, fn: Derivatives) -> BackwardStep:
    """The step in reverse, from dL/dh (batch, units) to gates, weights, inputs, h_prev.

    dz = dh * (h_prev - n)     dn = dh * (1 - z)     dh_prev gets dh * z
    da_n = dn * act'(a_n)      da_z = dz * rec'(a_z)
    reset_after:   dr = da_n * (h_prev @ U_n + b_rec_n);   U_n sees da_n * r
    reset before:  d(r*h_prev) = da_n @ U_n.T;  dr = that * h_prev;  U_n sees r*h_prev
    da_r = dr * rec'(a_r)
    """
    (dh,) = d_state
    u = p.units
    z, r, n = (s.gates[k] for k in GATES)
    h_prev, rec_n = s.h_prev, s.parts["candidate_recurrent"]
    dz, dn = fn.tidy(dh * (h_prev - n)), fn.tidy(dh * (1 - z))
    da_n = fn.tidy(dn * fn.act_d(s.a["candidate"]))
    da_z = fn.tidy(dz * fn.rec_d(s.a["update"]))
    u_n = p.recurrent_kernel[:, 2 * u :]  # (units, units)
    if p.reset_after:
        dr = fn.tidy(da_n * rec_n)
        d_rec_n = fn.tidy(da_n * r)  # gradient of h_prev @ U_n + b_rec_n
        da_r = fn.tidy(dr * fn.rec_d(s.a["reset"]))
        d_hu = np.concatenate([da_z, da_r, d_rec_n], axis=1)  # (batch, 3*units)
        d_recurrent = h_prev.T @ d_hu
        dh_prev = dh * z + d_hu @ p.recurrent_kernel.T
    else:
        d_rh = fn.tidy(da_n @ u_n.T)  # gradient of r * h_prev, (batch, units)
        dr = fn.tidy(d_rh * h_prev)
        da_r = fn.tidy(dr * fn.rec_d(s.a["reset"]))
        d_zr = np.concatenate([da_z, da_r], axis=1)  # (batch, 2*units)
        d_recurrent = np.concatenate([h_prev.T @ d_zr, (r * h_prev).T @ da_n], axis=1)
        dh_prev = dh * z + d_zr @ p.recurrent_kernel[:, : 2 * u].T + d_rh * r
    d_xw = np.concatenate([da_z, da_r, da_n], axis=1)  # (batch, 3*units), input side
    d_bias = d_xw.sum(axis=0)
    if p.reset_after:
        d_bias = np.stack([d_bias, d_hu.sum(axis=0)])  # (2, 3*units)
    return BackwardStep(
        d_kernel=s.x.T @ d_xw,  # (features, 3*units)
        d_recurrent_kernel=d_recurrent,  # (units, 3*units)
        d_bias=d_bias,
        dx=fn.tidy(d_xw @ p.kernel.T),  # (batch, features)
        d_state_prev=(fn.tidy(dh_prev),),
        d_state=(dh,),
        gates=dict(zip(GATES, (dz, dr, dn), strict=True)),
        a=dict(zip(GATES, (da_z, da_r, da_n), strict=True)),
    )
