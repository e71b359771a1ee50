"""The fingerprint networks: an LSTM and a GRU in which every weight leaves its own mark.

The article's toy network (every weight 1, identity activations) cannot catch a wrong
conversion: every gate computes the same value, so a converter that swaps gates,
forgets a transpose or drops a bias half still gets 1, 12, 3211. These networks can:

- two inputs and two units, so each gate block (2, 2) is a matrix that a transpose or a
  reshape changes;
- small integers, different for every gate and every matrix, and a bias split in two
  halves (input side, recurrent side) as PyTorch and ONNX store it;
- gates `hard_sigmoid[alpha=1/4, beta=1/2]` (x/4 + 1/2, inside its linear range
  -2 < z < 2 at every step) and a linear candidate, so each gate plays its own role:
  with identity everywhere i·g = g·i and swapping two gates would change nothing.

Every value is a fraction whose denominator is a power of two with few digits, so the
engine computes it exactly (`exact=True`) and float32 holds it exactly: Keras,
onnxruntime and Flax give the same numbers to the last bit. `tests/networks/test_fingerprint.py`
checks that every mistake in its list (24 gate orders, a reshape for a transpose, a
transposed block, a bias half dropped or doubled, the forget bias added twice; for the
GRU the same and reset_after flipped) changes the output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..engine.parametric import ParametricActivation
from ..engine.recurrence import forward
from ..engine.trace import Trace
from ..engine.weights import GATES, GRUWeights, LSTMWeights
from ..frameworks.layouts import LAYOUTS, reorder

Array = NDArray[Any]

FINGERPRINT_INPUTS = ((1, 0), (0, 1))
"""Two time steps of two features: the first reads kernel row 0, the second row 1."""

FINGERPRINT_GATE_ACTIVATION = ParametricActivation("hard_sigmoid", Fraction(1, 4), Fraction(1, 2))
"""The gates' activation: min(max(x/4 + 1/2, 0), 1), ONNX's HardSigmoid(alpha=0.25)."""

# Keras's layout: columns are gate blocks of two units (LSTM i, f, g, o; GRU z, r, n).
_LSTM_KERNEL = [[-1, -1, -2, 1, -1, -3, 3, -1], [3, -2, -1, 3, 2, 3, 3, 2]]  # (2, 8)
_LSTM_RECURRENT = [[2, -3, 1, 2, 1, -3, -1, 3], [3, -1, 1, 3, 2, -3, 2, -2]]  # (2, 8)
_LSTM_BIAS_INPUT = [-2, -1, 2, -1, -1, 2, -1, 1]  # (8,): PyTorch's bias_ih, ONNX's Wb
_LSTM_BIAS_RECURRENT = [2, 1, -1, -1, -2, -2, -1, -1]  # (8,): bias_hh, Rb
_GRU_KERNEL = [[1, 1, 1, 2, -2, 3], [-1, 3, -1, 3, 2, -3]]  # (2, 6)
_GRU_RECURRENT = [[2, 2, -2, -2, -1, -2], [3, 1, 3, -3, 2, -2]]  # (2, 6)
# (2, 6): input-side row, recurrent-side row; no recurrent candidate bias, which Flax lacks
_GRU_BIAS = [[-1, -1, -2, -1, 1, -2], [1, -1, 1, -1, 0, 0]]


def _ints(rows: Any) -> Array:
    return np.array(rows, dtype=object)  # Python ints: exact in every mode


def fingerprint_bias_halves() -> tuple[Array, Array]:
    """The LSTM's bias as PyTorch and ONNX store it, in Keras's gate order: (input side
    `bias_ih_l0`/`Wb`, recurrent side `bias_hh_l0`/`Rb`), each (8,). Keras's bias is
    their sum."""
    return _ints(_LSTM_BIAS_INPUT), _ints(_LSTM_BIAS_RECURRENT)


def fingerprint_weights() -> LSTMWeights:
    """The fingerprint LSTM: two inputs, two units, in Keras's layout."""
    b_ih, b_hh = fingerprint_bias_halves()
    return LSTMWeights(_ints(_LSTM_KERNEL), _ints(_LSTM_RECURRENT), b_ih + b_hh)


def fingerprint_gru_weights() -> GRUWeights:
    """The fingerprint GRU: two inputs, two units, reset_after=True (Keras's default,
    PyTorch's form), bias rows (input side, recurrent side)."""
    return GRUWeights(_ints(_GRU_KERNEL), _ints(_GRU_RECURRENT), _ints(_GRU_BIAS))


def fingerprint_trace(weights: Any = None, *, exact: bool = True) -> Trace:
    """The fingerprint network (or `weights` in its place) on its inputs, exactly."""
    return forward(
        [list(x) for x in FINGERPRINT_INPUTS],
        fingerprint_weights() if weights is None else weights,
        activation="linear",
        recurrent_activation=FINGERPRINT_GATE_ACTIVATION,
        exact=exact,
    )


def plain(weights: LSTMWeights | GRUWeights) -> dict[str, Any]:
    """The network as plain nested lists (`weights.plain()`), with its inputs and
    activations (the gates' as ONNX parameters), for a script to copy."""
    return weights.plain() | {
        "inputs": [list(x) for x in FINGERPRINT_INPUTS],
        "activation": "linear",
        "recurrentActivation": {"kind": "hard_sigmoid", "alpha": "1/4", "beta": "1/2"},
    }


@dataclass(frozen=True)
class Mistake:
    """A common conversion mistake and the weights it leaves the engine with."""

    name: str
    what: str
    weights: Callable[[], LSTMWeights]


def _onnx_in_keras_order() -> LSTMWeights:
    w = fingerprint_weights()  # ONNX's blocks (i, o, f, g) taken as if they were i, f, g, o
    onnx = LAYOUTS["onnx-lstm"].gate_order
    k, r = (reorder(a, GATES, onnx) for a in (w.kernel, w.recurrent_kernel))
    return LSTMWeights(k, r, reorder(_bias(w), GATES, onnx))


def _bias(w: LSTMWeights) -> Array:
    assert w.bias is not None  # the fingerprint has one
    return w.bias


def _reshaped_not_transposed() -> LSTMWeights:
    w = fingerprint_weights()  # PyTorch's (8, 2) weights reshaped to (2, 8)
    k, r = (a.T.reshape(a.shape) for a in (w.kernel, w.recurrent_kernel))
    return LSTMWeights(k, r, w.bias)


def _one_bias_dropped() -> LSTMWeights:
    w = fingerprint_weights()  # bias_ih_l0 kept, bias_hh_l0 lost
    return LSTMWeights(w.kernel, w.recurrent_kernel, fingerprint_bias_halves()[0])


def _forget_bias_twice() -> LSTMWeights:
    w = fingerprint_weights()  # unit_forget_bias's 1 added on top of trained weights
    forget_ones = np.repeat(_ints([0, 1, 0, 0]), w.units)  # (4*units,)
    return LSTMWeights(w.kernel, w.recurrent_kernel, _bias(w) + forget_ones)


MISTAKES: tuple[Mistake, ...] = (
    Mistake("ONNX read in Keras's order",
            "ONNX's W, R and B blocks (i, o, f, g) used as if they were Keras's i, f, g, o",
            _onnx_in_keras_order),
    Mistake("a missing transpose",
            "weight_ih_l0 (4H, in) and weight_hh_l0 (4H, H) reshaped instead of transposed",
            _reshaped_not_transposed),
    Mistake("one PyTorch bias dropped", "bias_ih_l0 kept, bias_hh_l0 lost", _one_bias_dropped),
    Mistake("the forget bias added twice",
            "unit_forget_bias's 1 added to a forget bias that already holds it",
            _forget_bias_twice),
)  # fmt: skip
"""The mistakes the site shows with the numbers they produce."""
