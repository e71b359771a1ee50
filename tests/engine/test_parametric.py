"""Activations with parameters: each kind against its formula worked out by hand, exact
and in float32, and the errors."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from lstm_explained import LSTMInputError, LSTMWeights, ParametricActivation, forward
from lstm_explained.engine.activations import keeps_rationals

Q = Fraction(1, 4)
H = Fraction(1, 2)


@pytest.mark.parametrize(
    ("activation", "x", "expected"),
    [
        # min(max(x/4 + 1/2, 0), 1): -2 -> 0, -1 -> 1/4, 1 -> 3/4, 3 -> 5/4 clipped to 1
        (ParametricActivation("hard_sigmoid", Q, H), [-3, -1, 1, 3], [0, Q, 3 * Q, 1]),
        # ONNX's default HardSigmoid, 0.2x + 0.5 with alpha = 1/5 exactly: 1 -> 7/10
        (ParametricActivation("hard_sigmoid", Fraction(1, 5), H), [1, -5], [Fraction(7, 10), 0]),
        (ParametricActivation("affine", 3, -1), [2, Fraction(1, 3)], [5, 0]),  # 3x - 1
        (ParametricActivation("leaky_relu", Fraction(1, 10)), [-5, 2], [Fraction(-1, 2), 2]),
        (ParametricActivation("thresholded_relu", 1), [Fraction(1, 2), 1, 3], [0, 1, 3]),
        (ParametricActivation("softsign"), [-3, 1], [Fraction(-3, 4), Fraction(1, 2)]),
    ],
)
def test_exact_kinds_by_hand(activation, x, expected):
    out = activation(np.array([Fraction(v) for v in x], dtype=object))
    assert list(out) == expected
    assert all(isinstance(v, (int, Fraction)) for v in out)
    assert activation.exact
    assert keeps_rationals(activation)


@pytest.mark.parametrize(
    ("activation", "x", "expected"),
    [
        (ParametricActivation("scaled_tanh", 2, Fraction(1, 2)), 1.0, 2 * math.tanh(0.5)),
        (ParametricActivation("elu", 1), -1.0, math.exp(-1.0) - 1),
        (ParametricActivation("elu", 1), 2.0, 2.0),
        (ParametricActivation("softplus"), 0.0, math.log(2.0)),
        (ParametricActivation("softplus"), 1000.0, 1000.0),  # log(1 + e^1000) without overflow
    ],
)
def test_float_kinds(activation, x, expected):
    assert activation(np.array([x]))[0] == pytest.approx(expected, rel=1e-15)
    assert not activation.exact
    assert not keeps_rationals(activation)
    with pytest.raises(LSTMInputError, match=r"exact=True cannot use .*irrational"):
        activation(np.array([Fraction(1)], dtype=object))


def test_float32_stays_float32_and_other_tensors_use_the_same_formula():
    gate = ParametricActivation("hard_sigmoid", Q, H)
    out = gate(np.array([-1.0, 1.5, 9.0], dtype=np.float32))
    assert out.dtype == np.float32
    assert out.tolist() == [0.25, 0.875, 1.0]  # 1.5/4 + 0.5 = 0.875
    # Anything that is not a NumPy array (here Python floats, in Keras a tensor) goes
    # through +, * and abs only: clip(y, 0, 1) = (|y| - |y - 1| + 1) / 2.
    assert [gate(v) for v in (-9.0, -1.0, 1.5, 9.0)] == [0.0, 0.25, 0.875, 1.0]
    assert ParametricActivation("leaky_relu", Fraction(1, 4))(-2.0) == -0.5
    with pytest.raises(LSTMInputError, match=r"runs on NumPy arrays only"):
        ParametricActivation("elu", 1)(1.0)


def test_names_show_the_parameters_as_written():
    assert (
        ParametricActivation("hard_sigmoid", Q, H).__name__ == "hard_sigmoid[alpha=1/4, beta=1/2]"
    )
    # ONNX stores 0.2 as the float32 13421773/67108864; shown as the shortest float32 text
    onnx_default = ParametricActivation("hard_sigmoid", float(np.float32(0.2)), 0.5)
    assert str(onnx_default) == "hard_sigmoid[alpha=0.2, beta=1/2]"
    assert onnx_default.alpha == Fraction(13421773, 67108864)
    assert ParametricActivation("softsign").__name__ == "softsign"
    assert ParametricActivation("leaky_relu", 0.5).__name__ == "leaky_relu[alpha=1/2]"


def test_forward_records_the_name_and_computes_exactly():
    gate = ParametricActivation("hard_sigmoid", Q, H)
    weights = LSTMWeights.constant(1)  # z = x + h_prev for every gate
    trace = forward([1, 1], weights, activation="linear", recurrent_activation=gate, exact=True)
    # step 1: z = 1, i = f = o = 3/4, g = 1, c = 3/4, h = 9/16
    # step 2: z = 1 + 9/16 = 25/16, gates = 25/64 + 1/2 = 57/64, g = 25/16,
    #         c = 57/64 * 3/4 + 57/64 * 25/16 = 57/64 * 37/16 = 2109/1024, h = 57/64 * c
    assert trace.recurrent_activation == "hard_sigmoid[alpha=1/4, beta=1/2]"
    assert trace.steps[0].h.tolist() == [Fraction(9, 16)]
    assert trace.state_c.tolist() == [Fraction(2109, 1024)]
    assert trace.state_h.tolist() == [Fraction(57 * 2109, 64 * 1024)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("swish",), r"kind must be one of hard_sigmoid, .*; got 'swish'"),
        (("softsign", 1), r"softsign takes no alpha; got alpha=1"),
        (("leaky_relu", 1, 2), r"leaky_relu takes no beta; got beta=2"),
        (("affine", float("nan"), 0), r"alpha must be finite; got nan"),
        (("affine", "1", 0), r"alpha must be a real number; got '1'"),
        (("affine", True, 0), r"alpha must be a real number; got True"),
    ],
)
def test_errors_name_what_was_wrong(args, message):
    with pytest.raises(LSTMInputError, match=message):
        ParametricActivation(*args)
