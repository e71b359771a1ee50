"""The LSTM cell: one time step forward, and the same step backward, side by side.

With Keras's gate columns (input, forget, candidate, output) and `act`, `rec` the
layer's `activation` and `recurrent_activation`:

    a = x @ kernel + h_prev @ recurrent_kernel + bias     # (batch, 4*units)
    i, f, o = rec(a_i), rec(a_f), rec(a_o)                # gates
    g = act(a_g)                                          # candidate values
    c = f * c_prev + i * g                                # new cell state
    h = o * act(c)                                        # new hidden state

The loops around it (masks, initial state, the record) are `recurrence.forward` and
`backward.backward`; see `cells` for the interface.
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
    recurrent_kernel: Array  # (units, 4*units)
    bias: Array | None  # (4*units,)
    units: int


def prepare(weights: LSTMWeights, convert: ArrayFn) -> Params:
    """The weights as the step uses them."""
    bias = None if weights.bias is None else convert(weights.bias)
    return Params(convert(weights.kernel), convert(weights.recurrent_kernel), bias, weights.units)


def project(x: Array, p: Params) -> Array:
    """`x @ kernel` for every step at once: (batch, time, features) -> (batch, time, 4*units)."""
    return cells.flat_matmul(x, p.kernel)


def step(xw: Array, state: tuple[Array, ...], p: Params, fn: Functions) -> CellStep:
    """One step forward from `xw = x @ kernel` (batch, 4*units) and the state (h, c)."""
    h_prev, c_prev = state  # (batch, units) each
    a = xw + h_prev @ p.recurrent_kernel  # (batch, 4*units), summed in Keras's order
    if p.bias is not None:
        a += p.bias
    a = fn.tidy(a)
    u = p.units
    a_i, a_f, a_g, a_o = a[:, :u], a[:, u : 2 * u], a[:, 2 * u : 3 * u], a[:, 3 * u :]
    i_f = fn.rec(a[:, : 2 * u])  # the input and forget gates side by side: one call
    i, f, g, o = i_f[:, :u], i_f[:, u:], fn.act(a_g), fn.rec(a_o)
    c = fn.tidy(f * c_prev + i * g)  # (batch, units)
    h = fn.tidy(o * fn.act(c))  # (batch, units)
    return CellStep(
        (h, c), dict(zip(GATES, (a_i, a_f, a_g, a_o), strict=True)),
        dict(zip(GATES, (i, f, g, o), strict=True)),
    )  # fmt: skip


def step_backward(s: Any, d_state: tuple[Array, ...], p: Params, fn: Derivatives) -> BackwardStep:
    """The step in reverse, from dL/dh and dL/dc (batch, units) to gates, weights, inputs.

    `s` is the step's record with a batch axis; `d_state` = (everything that reaches this
    step's h, what reaches its c from the step after):

        do = dh * act(c)                  dc = dc_later + dh * o * act'(c)
        df = dc * c_prev    di = dc * g   dg = dc * i
        da = [di rec'(a_i), df rec'(a_f), dg act'(a_g), do rec'(a_o)]
        dh_prev = da @ recurrent_kernel.T     dc_prev = dc * f
    """
    dh, dc_later = d_state
    i, f, g, o = (s.gates[k] for k in GATES)
    do = fn.tidy(dh * fn.act(s.c))
    dc = fn.tidy(dc_later + dh * o * fn.act_d(s.c))
    df, di, dg = fn.tidy(dc * s.c_prev), fn.tidy(dc * g), fn.tidy(dc * i)
    da = [
        fn.tidy(di * fn.rec_d(s.a["input"])),
        fn.tidy(df * fn.rec_d(s.a["forget"])),
        fn.tidy(dg * fn.act_d(s.a["candidate"])),
        fn.tidy(do * fn.rec_d(s.a["output"])),
    ]
    da_all = np.concatenate(da, axis=1)  # (batch, 4*units)
    return BackwardStep(
        d_kernel=s.x.T @ da_all,  # (features, 4*units)
        d_recurrent_kernel=s.h_prev.T @ da_all,  # (units, 4*units)
        d_bias=da_all.sum(axis=0),  # (4*units,)
        dx=fn.tidy(da_all @ p.kernel.T),  # (batch, features)
        d_state_prev=(fn.tidy(da_all @ p.recurrent_kernel.T), fn.tidy(dc * f)),
        d_state=(dh, dc),
        gates=dict(zip(GATES, (di, df, dg, do), strict=True)),
        a=dict(zip(GATES, da, strict=True)),
    )
