"""The plain recurrent cell (Elman's): one time step forward, and the same step backward.

With Keras's `SimpleRNN` layout (one block of `units` columns) and `act` the layer's
`activation` (tanh by default; PyTorch's `nonlinearity` tanh or relu):

    a = x @ kernel + bias + h_prev @ recurrent_kernel     # (batch, units), pre-activation
    h = act(a)                                            # new hidden state, and the output

No gates: the one block is the new hidden state itself, recorded under the name
"hidden" (`a["hidden"]` is a, `gates["hidden"]` is h). `recurrent_activation` plays no
part. The loops around it are `recurrence.forward` and `backward.backward`, as for the
LSTM and the GRU; see `cells` for the interface.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import cells
from .cells import Array, ArrayFn, BackwardStep, CellStep, Derivatives, Functions
from .weights import RNN_GATES, RNNWeights

NAME = "RNN"
STATES = ("h",)
GATES = RNN_GATES


@dataclass(frozen=True)
class Params:
    """The weights in the run's number type (floats of one dtype, or exact)."""

    kernel: Array  # (features, units)
    recurrent_kernel: Array  # (units, units)
    bias: Array | None  # (units,)
    units: int


def prepare(weights: RNNWeights, convert: ArrayFn) -> Params:
    """The weights as the step uses them."""
    bias = None if weights.bias is None else convert(weights.bias)
    return Params(convert(weights.kernel), convert(weights.recurrent_kernel), bias, weights.units)


def project(x: Array, p: Params) -> Array:
    """`x @ kernel + bias` for every step at once: (batch, time, features) -> (batch,
    time, units); Keras's SimpleRNN adds the bias on the input side, before h_prev @ U."""
    xw = cells.flat_matmul(x, p.kernel)
    return xw if p.bias is None else xw + p.bias


def step(xw: Array, state: tuple[Array, ...], p: Params, fn: Functions) -> CellStep:
    """One step forward from `xw = x @ kernel + bias` (batch, units) and h_prev."""
    (h_prev,) = state  # (batch, units)
    a = fn.tidy(xw + h_prev @ p.recurrent_kernel)  # (batch, units)
    h = fn.tidy(fn.act(a))  # (batch, units)
    return CellStep((h,), {"hidden": a}, {"hidden": h})


def step_backward(s: Any, d_state: tuple[Array, ...], p: Params, fn: Derivatives) -> BackwardStep:
    """The step in reverse, from dL/dh (batch, units) to weights, input and h_prev:

    da = dh * act'(a)
    dkernel = x.T @ da    drecurrent_kernel = h_prev.T @ da    dbias = sum of da
    dx = da @ kernel.T    dh_prev = da @ recurrent_kernel.T
    """
    (dh,) = d_state
    da = fn.tidy(dh * fn.act_d(s.a["hidden"]))  # (batch, units)
    return BackwardStep(
        d_kernel=s.x.T @ da,  # (features, units)
        d_recurrent_kernel=s.h_prev.T @ da,  # (units, units)
        d_bias=da.sum(axis=0),  # (units,)
        dx=fn.tidy(da @ p.kernel.T),  # (batch, features)
        d_state_prev=(fn.tidy(da @ p.recurrent_kernel.T),),
        d_state=(dh,),
        gates={"hidden": dh},
        a={"hidden": da},
    )
