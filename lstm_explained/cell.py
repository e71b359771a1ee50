"""The LSTM forward pass, one readable loop that records every intermediate value.

Per time step, with the gate columns of Keras's packed layout (input, forget,
candidate, output):

    z = x @ kernel + h_prev @ recurrent_kernel + bias     # (batch, 4*units)
    i, f, o = recurrent_activation(z_i, z_f, z_o)         # gates
    g = activation(z_candidate)                           # candidate values
    c = f * c_prev + i * g                                # new cell state
    h = o * activation(c)                                 # new hidden state
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from ._validate import bool_array, describe, numeric_array, to_exact
from .activations import resolve
from .errors import LSTMInputError, LSTMOverflowWarning
from .trace import Step, Trace
from .weights import LSTMWeights

Array = NDArray[Any]
ActivationSpec = str | Callable[..., Any] | None


def forward(
    inputs: Any,
    weights: LSTMWeights,
    *,
    activation: ActivationSpec = "tanh",
    recurrent_activation: ActivationSpec = "sigmoid",
    initial_state: Sequence[Any] | None = None,
    mask: Any = None,
    exact: bool = False,
    dtype: Literal["float64", "float32"] = "float64",
) -> Trace:
    """Run an LSTM over `inputs` and record every step.

    Args:
        inputs: `(time, features)` or `(batch, time, features)`; a flat list such as
            `[1, 1, 1]` is a sequence of one-feature steps.
        weights: the layer's weights in Keras's layout.
        activation: for the candidate and for the cell state on its way to h
            (Keras's `activation`): "tanh", "linear" (also None), "sigmoid",
            "hard_sigmoid", "relu" or a callable on arrays.
        recurrent_activation: for the input, forget and output gates.
        initial_state: `(h0, c0)`, each `(units,)` or `(batch, units)`; zeros if None.
        mask: booleans `(batch, time)` or `(time,)`; a masked step carries h and c
            forward and repeats the previous output, as in Keras.
        exact: compute with Python ints and Fractions, never rounding. Needs
            activations that keep rationals rational (linear, relu, hard_sigmoid).
            A float enters at the exact value it stores (0.1 is not one tenth);
            pass `Fraction("0.1")` for one tenth.
        dtype: float precision when not exact; "float32" is what Keras computes in.

    Returns:
        A `Trace`: `sequence_out` `(batch, time, units)`, `state_h` and `state_c`
        `(batch, units)` (no batch axis when the input had none), and `steps`.

    Raises:
        LSTMInputError: for any malformed argument, naming it.

    Warns:
        LSTMOverflowWarning: when a float value becomes inf or NaN, naming the step.
    """
    if not isinstance(weights, LSTMWeights):
        raise LSTMInputError(
            f"weights must be an LSTMWeights; got {describe(weights)}. Build one with "
            "LSTMWeights(kernel, recurrent_kernel, bias) or LSTMWeights.constant(1.0)"
        )
    if not isinstance(exact, bool):
        raise LSTMInputError(f"exact must be True or False; got {describe(exact)}")
    if dtype not in ("float64", "float32"):
        raise LSTMInputError(f"dtype must be 'float64' or 'float32'; got {describe(dtype)}")
    act = resolve(activation, argument="activation", exact=exact)
    rec = resolve(recurrent_activation, argument="recurrent_activation", exact=exact)
    x, batched = _inputs(inputs, weights.input_dim)
    batch, time, _ = x.shape
    units = weights.units
    h, c = _initial_state(initial_state, batch, units)
    keep = None if mask is None else _mask(mask, batch, time, batched)

    def convert(a: Array) -> Array:
        return to_exact(a) if exact else np.asarray(a, dtype=dtype)

    def tidy(a: Array) -> Array:  # Fraction(6, 1) -> 6, so exact values print as people write them
        return to_exact(a) if exact else a

    def view(a: Array) -> Array:  # drop the batch axis the caller did not give
        return a if batched else a[0]

    x, h, c = convert(x), convert(h), convert(c)
    kernel = convert(weights.kernel)  # (features, 4*units)
    recurrent = convert(weights.recurrent_kernel)  # (units, 4*units)
    bias = None if weights.bias is None else convert(weights.bias)  # (4*units,)

    out = convert(np.zeros((batch, units)))  # the output a masked first step repeats
    outputs: list[Array] = []
    steps: list[Step] = []
    overflow_step = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(time):
            x_t = x[:, t, :]  # (batch, features)
            z = x_t @ kernel  # (batch, 4*units)
            z += h @ recurrent
            if bias is not None:
                z += bias
            z = tidy(z)
            z_i, z_f, z_c, z_o = (z[:, k * units : (k + 1) * units] for k in range(4))
            i = rec.fn(z_i)  # input gate, (batch, units)
            f = rec.fn(z_f)  # forget gate
            g = act.fn(z_c)  # candidate values
            o = rec.fn(z_o)  # output gate
            c_new = tidy(f * c + i * g)  # (batch, units)
            h_new = tidy(o * act.fn(c_new))  # (batch, units)
            if keep is not None:
                k_t = keep[:, t, None]  # (batch, 1)
                c_new = np.where(k_t, c_new, c)
                h_new = np.where(k_t, h_new, h)
                out = np.where(k_t, h_new, out)
            else:
                out = h_new
            if not exact and not overflow_step and not _finite(z, c_new, h_new):
                overflow_step = t + 1
            mask_t = None if keep is None else keep[:, t]
            if not batched:  # people see one sequence without its batch axis
                x_t, h, c, c_new, h_new = x_t[0], h[0], c[0], c_new[0], h_new[0]
                z_i, z_f, z_c, z_o, i, f, g, o = (a[0] for a in (z_i, z_f, z_c, z_o, i, f, g, o))
                mask_t = None if mask_t is None else mask_t[0]
            steps.append(
                Step(
                    t + 1,
                    x_t,
                    h,
                    c,
                    MappingProxyType(
                        {"input": z_i, "forget": z_f, "candidate": z_c, "output": z_o}
                    ),
                    MappingProxyType({"input": i, "forget": f, "candidate": g, "output": o}),
                    c_new,
                    h_new,
                    mask_t,
                )
            )
            if not batched:  # back to (1, units) for the next step's arithmetic
                h_new, c_new = h_new[None], c_new[None]
            outputs.append(out)
            h, c = h_new, c_new
    if overflow_step:
        warnings.warn(
            f"float overflow at time step {overflow_step}: values became inf or NaN and "
            "everything from that step on is meaningless. Identity activations let the "
            "toy network grow doubly exponentially; use exact=True for exact integers.",
            LSTMOverflowWarning,
            stacklevel=2,
        )
    sequence_out = np.stack(outputs, axis=1)  # (batch, time, units)
    return Trace(
        sequence_out=view(sequence_out),
        state_h=view(h),
        state_c=view(c),
        steps=tuple(steps),
        weights=weights,
        activation=act.name,
        recurrent_activation=rec.name,
        exact=exact,
        batched=batched,
    )


def _finite(*arrays: Array) -> bool:
    # One sum per array: inf or NaN anywhere makes it non-finite (sums beyond 1e308 are
    # flagged too, which is overflow in all but name). Cheaper than isfinite on each.
    return math.isfinite(sum(float(a.sum()) for a in arrays))


def _inputs(inputs: Any, input_dim: int) -> tuple[Array, bool]:
    """Inputs as (batch, time, features) and whether the caller gave a batch axis."""
    x = numeric_array(inputs, "inputs")
    if x.ndim == 0:
        raise LSTMInputError(
            f"inputs must be a sequence, (time, features) or (batch, time, features); "
            f"got the single number {describe(x.item())}. For one step write [{x.item()}]"
        )
    if x.ndim > 3:
        raise LSTMInputError(
            f"inputs must be (time, features) or (batch, time, features); got shape {x.shape}"
        )
    if x.ndim == 1:
        if x.size and input_dim != 1:
            raise LSTMInputError(
                f"inputs of shape {x.shape} is read as {x.shape[0]} time steps of one "
                f"feature each, but the weights expect input_dim={input_dim} features per "
                "step; give inputs as (time, features)"
            )
        x = x[:, None]
    batched = x.ndim == 3
    if not batched:
        x = x[None]
    batch, time, features = x.shape
    if time == 0:
        raise LSTMInputError("inputs is an empty sequence; give at least one time step")
    if batch == 0:
        raise LSTMInputError("inputs has a batch of 0 sequences; give at least one")
    if features != input_dim:
        raise LSTMInputError(
            f"inputs has {features} feature(s) per time step but the weights expect "
            f"input_dim={input_dim} (kernel shape {(input_dim, '4*units')}); "
            f"got inputs of shape {x.shape if batched else x.shape[1:]}"
        )
    return x, batched


def _initial_state(initial_state: Any, batch: int, units: int) -> tuple[Array, Array]:
    if initial_state is None:
        zeros = np.zeros((batch, units))
        return zeros, zeros
    if isinstance(initial_state, (str, np.ndarray)) or not isinstance(initial_state, Sequence):
        raise LSTMInputError(
            f"initial_state must be a pair (h0, c0); got {describe(initial_state)}"
        )
    if len(initial_state) != 2:
        raise LSTMInputError(
            f"initial_state must be a pair (h0, c0); got {len(initial_state)} item(s)"
        )
    states = []
    names = ("initial_state[0] (h0)", "initial_state[1] (c0)")
    for name, value in zip(names, initial_state, strict=True):
        arr = numeric_array(value, name)
        if arr.shape == (units,):
            arr = np.broadcast_to(arr, (batch, units))
        elif arr.shape != (batch, units):
            raise LSTMInputError(
                f"{name} must have shape (units,) = {(units,)} or (batch, units) = "
                f"{(batch, units)}; got shape {arr.shape}"
            )
        states.append(arr)
    return states[0], states[1]


def _mask(mask: Any, batch: int, time: int, batched: bool) -> NDArray[np.bool_]:
    m = bool_array(mask, "mask")
    if m.shape == (time,):
        return np.broadcast_to(m, (batch, time))
    if m.shape != (batch, time):
        expected = f"(batch, time) = {(batch, time)} or " if batched else ""
        raise LSTMInputError(
            f"mask must have shape {expected}(time,) = {(time,)}; got shape {m.shape}"
        )
    return m
