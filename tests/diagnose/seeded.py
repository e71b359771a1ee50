"""Layers with one known mistake each, seeded by hand, for the diagnosis's tests.

Every mistake is made here with NumPy alone (splitting into gate blocks, transposing,
reshaping, adding a bias half), never with the package's own converters, so the
expected cause is the one a test seeded. The base layers are the fingerprint networks
(every weight its own small integer) and random ones with the default activations;
with input size == units, so that kernel blocks are square too. The masks are written
by hand, (batch, time), True at a real step; a framework's own tensors are read as
float64 (`tensors`, `onnx_tensors`).
"""

from __future__ import annotations

import numpy as np

from lstm_explained import (
    FINGERPRINT_GATE_ACTIVATION,
    GRUWeights,
    LSTMWeights,
    fingerprint_bias_halves,
    fingerprint_gru_weights,
    fingerprint_weights,
)
from lstm_explained.saved.layer import SavedLayer

LSTM = ("input", "forget", "candidate", "output")


GRU = ("update", "reset", "candidate")


def floats(a):
    return np.asarray(a, dtype=np.float64)


def in_order(arr, order, gates):
    """The gate blocks of `arr` (last axis) rearranged so that block k holds gate order[k]:
    what reading a file stored in `order` as if it were Keras's order gives."""
    parts = np.split(floats(arr), len(gates), axis=-1)
    return np.concatenate([parts[gates.index(g)] for g in order], axis=-1)


def block_transposed(arr, k, units):
    out = floats(arr).copy()
    cols = slice(k * units, (k + 1) * units)
    out[:, cols] = out[:, cols].T
    return out


def reshaped(arr):
    """A (n*units, rows) matrix, the transpose of Keras's, read with reshape, not .T."""
    return floats(arr).T.reshape(np.shape(arr))


def keras_layer(name, weights, fingerprint, settings):
    """A Keras layer of `weights`, or of the `fingerprint` network with its own
    activations when no weights are given."""
    if weights is None:
        weights = fingerprint()
        settings = {
            "activation": "linear",
            "recurrent_activation": FINGERPRINT_GATE_ACTIVATION,
        } | settings
    return SavedLayer(name, "keras", weights, **settings)


def lstm(name="A", weights=None, **settings):
    """The fingerprint LSTM (its own activations) unless other weights are given."""
    return keras_layer(name, weights, fingerprint_weights, settings)


def gru(name="A", weights=None, **settings):
    """The fingerprint GRU (its own activations) unless other weights are given."""
    return keras_layer(name, weights, fingerprint_gru_weights, settings)


def like(a, kernel=None, recurrent=None, bias="same", name="B", **settings):
    """B: A's layer with some arrays replaced (settings from A unless given)."""
    w = a.weights
    kernel = floats(w.kernel) if kernel is None else kernel
    recurrent = floats(w.recurrent_kernel) if recurrent is None else recurrent
    bias = (None if w.bias is None else floats(w.bias)) if isinstance(bias, str) else bias
    if isinstance(w, GRUWeights):
        reset_after = settings.pop("reset_after", w.reset_after)
        weights = GRUWeights(kernel, recurrent, bias, reset_after=reset_after)
    else:
        weights = LSTMWeights(kernel, recurrent, bias)
    keep = {
        "activation": a.activation,
        "recurrent_activation": a.recurrent_activation,
        "go_backwards": a.go_backwards,
    } | settings
    return SavedLayer(name, "torch", weights, **keep)


BASES = {
    "fingerprint": lambda: lstm(),
    "random": lambda: lstm(weights=LSTMWeights.random(3, 3, seed=7)),  # tanh, sigmoid
}


GRU_BASES = {
    "fingerprint": lambda: gru(),
    "random": lambda: gru(weights=GRUWeights.random(3, 3, seed=8)),
}


def only(diff, cause):
    """The diff's one finding, after checking it is `cause` and the report says so."""
    assert not diff.agree
    assert diff.exit_code == 1
    assert diff.causes == (cause,), diff.report()
    assert f"{cause}: " in diff.report()
    return diff.findings[0]


# One of each cycle type of the four LSTM gates, and the orders frameworks use.
ORDERS = {
    "i and f swapped": ("forget", "input", "candidate", "output"),
    "TensorFlow 1's i, c, f, o (f and c swapped)": ("input", "candidate", "forget", "output"),
    "ONNX's i, o, f, c (a 3-cycle)": ("input", "output", "forget", "candidate"),
    "another 3-cycle": ("forget", "candidate", "input", "output"),
    "a 4-cycle": ("output", "input", "forget", "candidate"),
    "two swaps": ("forget", "input", "output", "candidate"),
}


def torch_like_lstm():
    """The fingerprint as PyTorch stores it: two bias halves, summed in the weights."""
    return lstm(bias_halves=fingerprint_bias_halves())


REAL = np.array([
    [1, 1, 1, 1, 0, 0],  # row 0: padded at the end, steps 5-6
    [1, 1, 1, 1, 1, 1],  # row 1: no padding
    [0, 0, 1, 1, 1, 1],  # row 2: padded at the start, steps 1-2
], dtype=bool)  # fmt: skip


AT_THE_END = np.array([[1, 1, 1, 1, 0, 0], [1] * 6, [1, 1, 1, 1, 0, 0]], dtype=bool)


def padded_pair(framework_b="onnx", weights=None, **settings):
    """A Keras layer (masked steps repeat the last output) and B, the same weights in
    `framework_b` (ONNX: masked steps output zeros), with inputs of 3 rows and 6 steps."""
    a = lstm(weights=LSTMWeights.random(3, 3, seed=4) if weights is None else weights)
    b = SavedLayer("B", framework_b, a.weights, a.activation, a.recurrent_activation, **settings)
    x = np.random.default_rng(2).normal(size=(3, 6, 3)) * REAL[..., None]
    return a, b, x


def tensors(module):
    """The module's weights by name, as float64 arrays."""
    return {name: p.detach().double().numpy() for name, p in module.named_parameters()}


def onnx_tensors(onnx, model):
    return {
        i.name: onnx.numpy_helper.to_array(i).astype(np.float64) for i in model.graph.initializer
    }
