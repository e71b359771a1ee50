"""Backpropagation through time over a recorded `Trace`, step by step and readable.

Going backwards from the last step, with `dX` meaning dLoss/dX and the forward values
taken from the trace (Keras's gate order input, forget, candidate, output):

    dh  = d_sequence_out[t] + dh from step t+1          # (batch, units)
    do  = dh * act(c)
    dc  = dc from step t+1 + dh * o * act'(c)
    df  = dc * c_prev       di = dc * g       dg = dc * i
    dz  = [di * rec'(z_i), df * rec'(z_f), dg * act'(z_g), do * rec'(z_o)]
    dkernel += x.T @ dz     drecurrent += h_prev.T @ dz     dbias += sum(dz)
    dx  = dz @ kernel.T     dh_prev = dz @ recurrent.T      dc_prev = dc * f

A masked step passes dh and dc straight through to the step before, as its forward
pass passed h and c. Exact traces give exact gradients (ints and Fractions).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._validate import describe, numeric_array, to_exact
from .activations import derivative, resolve
from .errors import LSTMInputError
from .trace import Trace, jsonable
from .weights import GATES, LSTMWeights

Array = NDArray[Any]


@dataclass(frozen=True, eq=False)
class StepGradients:
    """The gradients at one time step (`t` counts from 1), shaped like `Step`'s arrays.

    `d_output` is the loss's gradient on this step's output; `dh_later` and `dc_later`
    arrive from the following step (or, at the last step, from the loss's use of
    `state_h` and `state_c`). `dh` and `dc` are the totals reaching this step's new
    hidden and cell state (`dc` includes the path through h). `gates[gate]` is the
    gradient of a gate's value and `z[gate]` of its pre-activation; `dx`, `dh_prev`,
    `dc_prev` flow to the input and to the step before.
    """

    t: int
    d_output: Array
    dh_later: Array
    dc_later: Array
    dh: Array
    dc: Array
    gates: MappingProxyType[str, Array]
    z: MappingProxyType[str, Array]
    dx: Array
    dh_prev: Array
    dc_prev: Array


@dataclass(frozen=True, eq=False)
class Gradients:
    """dLoss with respect to the weights, the inputs and the initial state.

    `kernel`, `recurrent_kernel` and `bias` are shaped like `LSTMWeights` (bias None when
    the weights have none); `inputs` like the trace's inputs; `initial_h`, `initial_c`
    like `state_h`. `steps` holds one `StepGradients` per time step, in time order.
    """

    kernel: Array
    recurrent_kernel: Array
    bias: Array | None
    inputs: Array
    initial_h: Array
    initial_c: Array
    steps: tuple[StepGradients, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain Python values (Fractions as "p/q"), ready for `json.dumps`."""
        return {
            "kernel": jsonable(self.kernel),
            "recurrent_kernel": jsonable(self.recurrent_kernel),
            "bias": None if self.bias is None else jsonable(self.bias),
            "inputs": jsonable(self.inputs),
            "initial_h": jsonable(self.initial_h),
            "initial_c": jsonable(self.initial_c),
        }


def backward(
    trace: Trace,
    d_sequence_out: Any,
    *,
    d_state_h: Any = None,
    d_state_c: Any = None,
) -> Gradients:
    """Gradients of a loss whose gradient with respect to the outputs is given.

    Args:
        trace: a `forward` result; its recorded values are reused, not recomputed.
        d_sequence_out: dLoss/d(sequence_out), shaped like `trace.sequence_out`
            (see `lstm_explained.losses` for common losses).
        d_state_h: dLoss/d(state_h), shaped like `trace.state_h`, if the loss uses it.
        d_state_c: dLoss/d(state_c), likewise.

    Returns:
        `Gradients` for the weights, inputs and initial state, with a record per step.

    Raises:
        LSTMInputError: for a wrongly shaped or non-finite gradient, or a trace whose
            activation is a callable (its derivative is unknown).
    """
    if not isinstance(trace, Trace):
        raise LSTMInputError(f"trace must be a Trace from forward(); got {describe(trace)}")
    exact = trace.exact
    batched = trace.batched
    out = trace.sequence_out if batched else trace.sequence_out[None]  # (batch, time, units)
    batch, time, units = out.shape
    dtype = out.dtype

    def convert(a: Array) -> Array:
        return to_exact(a) if exact else np.asarray(a, dtype=dtype)

    def as_batched(a: Array) -> Array:
        return a if batched else a[None]

    def view(a: Array) -> Array:
        return a if batched else a[0]

    d_seq = convert(as_batched(_checked(d_sequence_out, "d_sequence_out", trace.sequence_out)))
    dh_next = convert(as_batched(_checked(d_state_h, "d_state_h", trace.state_h)))
    dc_next = convert(as_batched(_checked(d_state_c, "d_state_c", trace.state_c)))

    act_d = derivative(trace.activation, argument="activation")
    rec_d = derivative(trace.recurrent_activation, argument="recurrent_activation")
    act = resolve(trace.activation, argument="activation", exact=exact).fn
    kernel = convert(trace.weights.kernel)  # (features, 4*units)
    recurrent = convert(trace.weights.recurrent_kernel)  # (units, 4*units)

    d_kernel = convert(np.zeros(kernel.shape))
    d_recurrent = convert(np.zeros(recurrent.shape))
    d_bias = convert(np.zeros(4 * units))
    d_inputs: list[Array] = [convert(np.zeros(0))] * time
    out_carry = convert(np.zeros((batch, units)))  # gradient a masked step hands back
    records: list[StepGradients] = []
    tidy = to_exact if exact else (lambda a: a)

    with np.errstate(over="ignore", invalid="ignore"):
        for step in reversed(trace.steps):
            t = step.t - 1
            x, h_prev, c_prev, c = (
                as_batched(a) for a in (step.x, step.h_prev, step.c_prev, step.c)
            )
            z = {g: as_batched(step.z[g]) for g in GATES}  # (batch, units) each
            i, f, g_, o = (as_batched(step.gates[g]) for g in GATES)
            keep = _keep(step.mask, batch, batched, dtype if not exact else object)  # (batch, 1)

            d_out = d_seq[:, t, :] + out_carry  # this step's output, and repeats of it
            dh = tidy(keep * (d_out + dh_next))  # reaches the new h only if the step ran
            dc_in = keep * dc_next
            squashed = act(c)
            do = tidy(dh * squashed)
            dc = tidy(dc_in + dh * o * act_d(c))
            df, di, dg = tidy(dc * c_prev), tidy(dc * g_), tidy(dc * i)
            dz_parts = [
                tidy(di * rec_d(z["input"])),
                tidy(df * rec_d(z["forget"])),
                tidy(dg * act_d(z["candidate"])),
                tidy(do * rec_d(z["output"])),
            ]
            dz = np.concatenate(dz_parts, axis=1)  # (batch, 4*units)
            d_kernel = tidy(d_kernel + x.T @ dz)
            d_recurrent = tidy(d_recurrent + h_prev.T @ dz)
            d_bias = tidy(d_bias + dz.sum(axis=0))
            dx = tidy(dz @ kernel.T)  # (batch, features)
            skip = 1 - keep  # a masked step hands its gradients straight back
            dh_prev = tidy(dz @ recurrent.T + skip * dh_next)
            dc_prev = tidy(dc * f + skip * dc_next)
            out_carry = tidy(skip * d_out)
            d_inputs[t] = dx
            records.append(
                StepGradients(
                    t=step.t,
                    d_output=view(d_out),
                    dh_later=view(dh_next),
                    dc_later=view(dc_next),
                    dh=view(dh),
                    dc=view(dc),
                    gates=_by_gate([view(a) for a in (di, df, dg, do)]),
                    z=_by_gate([view(a) for a in dz_parts]),
                    dx=view(dx),
                    dh_prev=view(dh_prev),
                    dc_prev=view(dc_prev),
                )
            )
            dh_next, dc_next = dh_prev, dc_prev

    return Gradients(
        kernel=d_kernel,
        recurrent_kernel=d_recurrent,
        bias=None if trace.weights.bias is None else d_bias,
        inputs=view(np.stack(d_inputs, axis=1)),  # (batch, time, features)
        initial_h=view(dh_next),
        initial_c=view(dc_next),
        steps=tuple(reversed(records)),
    )


def sgd_step(weights: LSTMWeights, gradients: Gradients, learning_rate: Any) -> LSTMWeights:
    """One plain gradient-descent update: each weight minus `learning_rate` times its gradient.

    With exact gradients and a Fraction or int learning rate, the new weights are exact.
    """
    if not isinstance(weights, LSTMWeights) or not isinstance(gradients, Gradients):
        raise LSTMInputError("sgd_step(weights, gradients, learning_rate) needs LSTMWeights "
                             "and the Gradients from backward()")  # fmt: skip
    lr = numeric_array(learning_rate, "learning_rate")
    if lr.shape != ():
        raise LSTMInputError(f"learning_rate must be one number; got shape {lr.shape}")
    exact = gradients.kernel.dtype == object
    lr_value = lr.item() if not exact else to_exact(lr).item()

    def step(w: Array, g: Array) -> Array:
        w = to_exact(w) if exact else w
        if w.shape != g.shape:
            raise LSTMInputError(
                f"gradient shape {g.shape} does not match weight shape {w.shape}; were the "
                "gradients computed for these weights?"
            )
        return to_exact(w - lr_value * g) if exact else w - lr_value * g

    bias = None
    if weights.bias is not None:
        if gradients.bias is None:
            raise LSTMInputError("the weights have a bias but the gradients do not")
        bias = step(weights.bias, gradients.bias)
    return LSTMWeights(
        step(weights.kernel, gradients.kernel),
        step(weights.recurrent_kernel, gradients.recurrent_kernel),
        bias,
    )


def _by_gate(arrays: list[Array]) -> MappingProxyType[str, Array]:
    return MappingProxyType(dict(zip(GATES, arrays, strict=True)))


def _keep(mask: Any, batch: int, batched: bool, dtype: Any) -> Array:
    """1 where the step ran, 0 where it was masked, as a (batch, 1) column."""
    if mask is None:
        return np.full((batch, 1), 1, dtype=dtype)
    m = np.asarray(mask) if batched else np.asarray(mask).reshape(1)
    return m.astype(int).reshape(batch, 1).astype(dtype)


def _checked(value: Any, name: str, like: Array) -> Array:
    """A gradient argument: zeros when None, else numbers shaped exactly like `like`."""
    if value is None:
        return np.zeros(like.shape)
    arr = numeric_array(value, name)
    if arr.shape != like.shape:
        raise LSTMInputError(
            f"{name} must have the shape of the trace's {name[2:]}, {like.shape}; "
            f"got shape {arr.shape}"
        )
    return arr
