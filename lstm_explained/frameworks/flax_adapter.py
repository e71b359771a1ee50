"""Flax's recurrent cells (`flax.nnx`) in the engine's layout (Keras's), and back.

Flax's `Linear` stores its kernel as (in, out), as Keras does, so nothing is transposed;
what differs is how the gates are split and where the bias sits:

    LSTMCell           ii, if_, ig, io   (in, H) each, no bias      input side, gates i, f, g, o
                       hi, hf, hg, ho    (H, H) each, bias (H,)     hidden side
    OptimizedLSTMCell  dense_i (in, 4*H) no bias; dense_h (H, 4*H) with bias (4*H,); i, f, g, o
    GRUCell            dense_i (in, 3*H) with bias (3*H,); dense_h (H, 3*H) no bias; r, z, n
    SimpleCell         dense_i (in, H) with bias (H,); dense_h (H, H) no bias: the plain
                       cell, its bias on the input side (the reverse of LSTMCell's)

The carry differs too: an LSTM cell's is `(c, h)`, the reverse of Keras's `[h, c]`
(`carry_from_state`, `state_from_carry`). Activations are the cell's `gate_fn` and
`activation_fn`, Python functions that these converters neither read nor change: run
the engine with the matching ones (`flax_activation` names a SimpleCell's). A SimpleCell
built with `residual=True` adds h_prev before its activation, which is the plain cell
with recurrent kernel U + I: `from_flax` folds the identity in, `to_flax` takes it out.
JAX and Flax are imported only when a function runs.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..engine._validate import describe, to_float
from ..engine.weights import GRU_GATES, GRUWeights, LSTMWeights, RNNWeights, Weights
from ..errors import LSTMInputError
from .layouts import layout, reorder
from .optional import require

Array = NDArray[Any]
_LSTM_PARTS = (("ii", "hi"), ("if_", "hf"), ("ig", "hg"), ("io", "ho"))  # gates i, f, g, o


def import_nnx() -> Any:
    """Import `flax.nnx` on first use, or explain how to install it."""
    return require("flax.nnx", "flax", "Flax")


def _kind(cell: Any) -> str:
    """ "LSTMCell", "OptimizedLSTMCell", "GRUCell" or "SimpleCell", or an error."""
    nnx = import_nnx()
    for name in ("OptimizedLSTMCell", "LSTMCell", "GRUCell", "SimpleCell"):
        if isinstance(cell, getattr(nnx, name)):
            return name
    raise LSTMInputError(
        "cell must be a flax.nnx LSTMCell, OptimizedLSTMCell, GRUCell or SimpleCell; got "
        f"{describe(cell)}"
    )


def _get(param: Any) -> Array:
    return np.asarray(param[...], dtype=np.float64)


def _set(param: Any, value: Array) -> None:
    jnp: Any = importlib.import_module("jax.numpy")  # present wherever Flax is
    old = param[...]
    if tuple(old.shape) != value.shape:  # the cell was built by hand with other sizes
        raise LSTMInputError(f"a Flax parameter has shape {tuple(old.shape)}; expected "
                             f"{value.shape}")  # fmt: skip
    param.set_value(jnp.asarray(value, dtype=old.dtype))


def from_flax(cell: Any) -> Weights:
    """The weights of a Flax `LSTMCell`, `OptimizedLSTMCell`, `GRUCell` or `SimpleCell`,
    float64.

    An LSTM's bias is the hidden side's (the only one Flax has). A GRU comes back as
    `GRUWeights(reset_after=True)` whose recurrent bias row is zeros: Flax's GRU has
    its whole bias on the input side. A SimpleCell comes back as `RNNWeights` (with
    `residual=True`, its recurrent kernel plus the identity); run it with
    `activation=flax_activation(cell)`.
    """
    kind = _kind(cell)
    if kind == "SimpleCell":
        recurrent = _get(cell.dense_h.kernel)  # (H, H)
        if cell.residual:  # act(x W + b + h U + h) = act(x W + b + h (U + I))
            recurrent = recurrent + np.eye(recurrent.shape[0])
        return RNNWeights(_get(cell.dense_i.kernel), recurrent, _get(cell.dense_i.bias))
    if kind == "LSTMCell":
        kernel = np.concatenate([_get(getattr(cell, i).kernel) for i, _ in _LSTM_PARTS], 1)
        recurrent = np.concatenate([_get(getattr(cell, h).kernel) for _, h in _LSTM_PARTS], 1)
        bias = np.concatenate([_get(getattr(cell, h).bias) for _, h in _LSTM_PARTS])
        return LSTMWeights(kernel, recurrent, bias)  # (in, 4H), (H, 4H), (4H,)
    if kind == "OptimizedLSTMCell":
        return LSTMWeights(_get(cell.dense_i.kernel), _get(cell.dense_h.kernel),
                           _get(cell.dense_h.bias))  # fmt: skip
    flax_order = layout("flax-gru").gate_order  # r, z, n

    def ours(arr: Array) -> Array:
        return reorder(arr, flax_order, GRU_GATES)

    b_in = ours(_get(cell.dense_i.bias))  # (3H,)
    bias = np.stack([b_in, np.zeros_like(b_in)])  # (2, 3H): no recurrent bias in Flax
    return GRUWeights(ours(_get(cell.dense_i.kernel)), ours(_get(cell.dense_h.kernel)), bias)


def to_flax(weights: Weights, cell: Any) -> Any:
    """Copy `weights` into a matching Flax cell, in place, and return the cell.

    Values are rounded to the cell's parameter dtype (float32 by default). Weights
    without a bias give zeros. A GRU must be `reset_after=True` (Flax's only form) and
    have a zero recurrent candidate bias (Flax has none); its recurrent update and
    reset biases are added to the input side's, which is all they ever are.
    """
    kind = _kind(cell)
    wanted = {"GRUCell": "GRU", "SimpleCell": "RNN"}.get(kind, "LSTM")
    if not isinstance(weights, (LSTMWeights, GRUWeights, RNNWeights)) or weights.cell != wanted:
        raise LSTMInputError(f"a Flax {kind} holds {wanted} weights; got {describe(weights)}")
    variants = getattr(weights, "variants", ())
    if variants:
        raise LSTMInputError(
            f"Flax's {kind} has no {' or '.join(variants)}; these weights cannot be copied "
            "into one (to_onnx holds peepholes, clip and input_forget; to_torch a projection)"
        )
    if (cell.in_features, cell.hidden_features) != (weights.input_dim, weights.units):
        raise LSTMInputError(
            f"cell must have in_features={weights.input_dim} and hidden_features="
            f"{weights.units} to hold these weights; got {cell.in_features} and "
            f"{cell.hidden_features}"
        )
    kernel, recurrent = to_float(weights.kernel), to_float(weights.recurrent_kernel)
    units = weights.units
    if isinstance(weights, GRUWeights):
        _to_flax_gru(weights, cell)
        return cell
    if isinstance(weights, RNNWeights):
        _to_flax_simple(weights, cell)
        return cell
    bias = np.zeros(4 * units) if weights.bias is None else to_float(weights.bias)
    if kind == "OptimizedLSTMCell":
        for param, value in ((cell.dense_i.kernel, kernel), (cell.dense_h.kernel, recurrent),
                             (cell.dense_h.bias, bias)):  # fmt: skip
            _set(param, value)
        return cell
    for k, (i, h) in enumerate(_LSTM_PARTS):
        cols = slice(k * units, (k + 1) * units)
        _set(getattr(cell, i).kernel, kernel[:, cols])  # (in, H)
        _set(getattr(cell, h).kernel, recurrent[:, cols])  # (H, H)
        _set(getattr(cell, h).bias, bias[cols])  # (H,)
    return cell


def _to_flax_gru(weights: GRUWeights, cell: Any) -> None:
    if not weights.reset_after:
        raise LSTMInputError(
            "Flax's GRUCell computes the reset-after form (r multiplies h_prev @ U), so it "
            "cannot hold GRUWeights with reset_after=False"
        )
    units = weights.units
    b_in = np.zeros(3 * units) if weights.input_bias is None else to_float(weights.input_bias)
    b_rec = weights.recurrent_bias
    b_rec = np.zeros(3 * units) if b_rec is None else to_float(b_rec)
    if np.any(b_rec[2 * units :]):
        raise LSTMInputError(
            "Flax's GRUCell has no recurrent candidate bias (the b_hn inside r * (...)), so "
            "it cannot hold these weights' nonzero recurrent candidate bias "
            f"{b_rec[2 * units :].tolist()}"
        )
    flax_order = layout("flax-gru").gate_order

    def theirs(arr: Array) -> Array:
        return reorder(arr, GRU_GATES, flax_order)

    _set(cell.dense_i.kernel, theirs(to_float(weights.kernel)))  # (in, 3H)
    _set(cell.dense_h.kernel, theirs(to_float(weights.recurrent_kernel)))  # (H, 3H)
    _set(cell.dense_i.bias, theirs(b_in + b_rec))  # z and r sums; n's recurrent part is 0


def _to_flax_simple(weights: RNNWeights, cell: Any) -> None:
    """The plain cell into a SimpleCell: bias on the input side; a residual cell's
    dense_h holds U - I, as it adds h_prev itself."""
    units = weights.units
    recurrent = to_float(weights.recurrent_kernel)  # (H, H)
    if cell.residual:
        recurrent = recurrent - np.eye(units)
    bias = np.zeros(units) if weights.bias is None else to_float(weights.bias)
    _set(cell.dense_i.kernel, to_float(weights.kernel))  # (in, H)
    _set(cell.dense_h.kernel, recurrent)  # (H, H)
    _set(cell.dense_i.bias, bias)  # (H,)


_FLAX_ACTIVATIONS = ("tanh", "relu", "sigmoid")


def flax_activation(cell: Any) -> str:
    """The engine's name for a SimpleCell's `activation_fn` (or any cell's), when it is
    JAX's tanh, relu or sigmoid (as `flax.nnx` and `jax.nn` export them); an error naming
    the function otherwise, since a Python function cannot be read as data."""
    nnx = import_nnx()
    jax_nn: Any = importlib.import_module("jax.nn")
    jnp: Any = importlib.import_module("jax.numpy")
    fn = cell.activation_fn
    for name in _FLAX_ACTIVATIONS:
        known = {getattr(module, name, None) for module in (nnx, jax_nn, jnp)}
        if fn in known - {None}:
            return name
    raise LSTMInputError(
        f"the cell's activation_fn {getattr(fn, '__name__', describe(fn))} is not one of "
        f"{', '.join(_FLAX_ACTIVATIONS)} from flax.nnx or jax.nn; pass the engine the matching "
        "activation yourself"
    )


def carry_from_state(state: tuple[Any, ...]) -> Any:
    """The engine's initial state as a Flax carry: (h, c) -> (c, h); (h,) -> h."""
    if len(state) == 2:
        h, c = state
        return (c, h)
    if len(state) == 1:
        return state[0]
    raise LSTMInputError(f"state must be (h, c) or (h,); got {len(state)} arrays")


def state_from_carry(carry: Any) -> tuple[Any, ...]:
    """A Flax carry as the engine's state: (c, h) -> (h, c); h -> (h,)."""
    if isinstance(carry, tuple):
        if len(carry) != 2:
            raise LSTMInputError(f"an LSTM cell's carry is (c, h); got {len(carry)} arrays")
        c, h = carry
        return (h, c)
    return (carry,)
