"""LSTMWeights: Keras's layout, constructors and round trips, and the error each
malformed array or constructor argument gets."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from lstm_explained import GRUWeights, LSTMInputError, LSTMWeights
from tests.engine.toy import W


def test_constant_shapes_and_values():
    w = LSTMWeights.constant(0.5, input_dim=3, units=2, bias=0.25)
    assert (w.input_dim, w.units) == (3, 2)
    assert w.kernel.shape == (3, 8)
    assert np.all(w.kernel == 0.5)
    assert w.recurrent_kernel.shape == (2, 8)
    assert np.all(w.recurrent_kernel == 0.5)
    assert w.bias.tolist() == [0.25] * 8


def test_constant_bias_per_gate_in_keras_order():
    w = LSTMWeights.constant(1.0, units=2, bias={"forget": 1.0, "output": -2})
    assert w.bias.tolist() == [0, 0, 1, 1, 0, 0, -2, -2]
    assert LSTMWeights.constant(1.0, bias=None).bias is None


def test_gate_slices():
    kernel = np.arange(8.0).reshape(1, 8)  # units 2: columns i i f f c c o o
    w = LSTMWeights(kernel, np.arange(16.0).reshape(2, 8), np.arange(8.0))
    forget = w.gate("forget")
    assert forget.kernel.tolist() == [[2, 3]]
    assert forget.recurrent_kernel.tolist() == [[2, 3], [10, 11]]
    assert forget.bias.tolist() == [2, 3]
    assert w.gate("candidate").bias.tolist() == [4, 5]


def test_arrays_are_copied_and_read_only():
    kernel = np.ones((1, 4))
    w = LSTMWeights(kernel, np.ones((1, 4)))
    kernel[0, 0] = 5
    assert w.kernel[0, 0] == 1
    with pytest.raises(ValueError, match="read-only"):
        w.kernel[0, 0] = 2


def test_random_is_reproducible_by_seed():
    a = LSTMWeights.random(3, 2, seed=7)
    b = LSTMWeights.random(3, 2, seed=7)
    c = LSTMWeights.random(3, 2, seed=8)
    assert np.array_equal(a.kernel, b.kernel)
    assert np.array_equal(a.bias, b.bias)
    assert not np.array_equal(a.kernel, c.kernel)
    assert a.kernel.shape == (3, 8)
    assert a.recurrent_kernel.shape == (2, 8)
    assert LSTMWeights.random(1, 1, seed=0, use_bias=False).bias is None


def test_to_keras_round_trip():
    w = LSTMWeights.random(3, 2, seed=1)
    arrays = w.to_keras()
    assert [a.shape for a in arrays] == [(3, 8), (2, 8), (8,)]
    assert all(a.dtype == np.float32 for a in arrays)
    again = LSTMWeights(*arrays)
    np.testing.assert_allclose(again.kernel, w.kernel, rtol=1e-7)
    assert len(LSTMWeights.constant(1.0, bias=None).to_keras()) == 2


def test_fractions_are_kept_for_exact_mode():
    w = LSTMWeights.constant(Fraction(1, 3))
    assert w.kernel[0, 0] == Fraction(1, 3)
    assert w.to_keras()[0][0, 0] == np.float32(1 / 3)


def test_plain_weights_are_json_values_in_the_packed_layout():
    # by hand: one input, one unit; whole numbers stay ints, halves floats
    lstm = LSTMWeights([[1, 0.5, 1, 1]], [[1, 1, 1, 1]], None)
    assert lstm.plain() == {"cell": "LSTM", "kernel": [[1, 0.5, 1, 1]],
                            "recurrentKernel": [[1, 1, 1, 1]], "bias": None}  # fmt: skip
    assert type(lstm.plain()["kernel"][0][0]) is int
    gru = GRUWeights([[1, 2, 3]], [[4, 5, 6]], [[0, 0, 0], [0, 0, -0.25]])
    assert gru.plain()["bias"] == [[0, 0, 0], [0, 0, -0.25]]
    assert gru.plain()["resetAfter"] is True


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        (
            {"kernel": np.ones((1, 3)), "recurrent_kernel": np.ones((1, 4))},
            r"kernel must have shape \(input_dim, 4\*units\).*got shape \(1, 3\)",
        ),
        (
            {"kernel": np.ones(4), "recurrent_kernel": np.ones((1, 4))},
            r"kernel must have shape.*got shape \(4,\)",
        ),
        ({"kernel": np.ones((0, 4)), "recurrent_kernel": np.ones((1, 4))}, r"input_dim 0"),
        (
            {"kernel": np.ones((2, 8)), "recurrent_kernel": np.ones((1, 8))},
            r"recurrent_kernel must have shape \(units, 4\*units\) = \(2, 8\).*got shape \(1, 8\)",
        ),
        (
            {"kernel": np.ones((1, 4)), "recurrent_kernel": np.ones((1, 4)), "bias": np.ones(8)},
            r"bias must have shape \(4\*units,\) = \(4,\).*got shape \(8,\)",
        ),
        (
            {"kernel": [[1, 1, np.nan, 1]], "recurrent_kernel": np.ones((1, 4))},
            r"kernel contains NaN at index \[0, 2\]",
        ),
        (
            {"kernel": np.ones((1, 4)), "recurrent_kernel": [[1, np.inf, 1, 1]]},
            r"recurrent_kernel contains inf",
        ),
        (
            {"kernel": [["a", 1, 1, 1]], "recurrent_kernel": np.ones((1, 4))},
            r"kernel must hold real numbers; found 'a'",
        ),
        (
            {"kernel": [[1, 1, 1, 1], [1, 1]], "recurrent_kernel": np.ones((1, 4))},
            r"kernel is ragged",
        ),
        (
            {"kernel": np.ones((1, 4)), "recurrent_kernel": np.ones((1, 4)), "bias": [None] * 4},
            r"bias must hold real numbers; found None",
        ),
    ],
)
def test_bad_weights(kwargs, pattern):
    with pytest.raises(LSTMInputError, match=pattern):
        LSTMWeights(**kwargs)


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: LSTMWeights.constant(1.0, units=0), r"units must be a positive integer; got 0"),
        (lambda: LSTMWeights.constant(1.0, input_dim=1.5), r"input_dim must be a positive"),
        (lambda: LSTMWeights.constant(1.0, bias={"forgot": 1}), r"unknown gates \['forgot'\]"),
        (lambda: LSTMWeights.random(2, -1, seed=0), r"units must be a positive integer; got -1"),
        (lambda: W.gate("cell"), r"unknown gate 'cell'; gates are input, forget"),
    ],
)
def test_bad_weight_constructors(call, pattern):
    with pytest.raises(LSTMInputError, match=pattern):
        call()
