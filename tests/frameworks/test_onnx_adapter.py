"""to_onnx: a layer written as an ONNX model that onnxruntime (the independent reference)
runs to the engine's numbers, Keras 3's hard_sigmoid written as ONNX can hold it, and
what ONNX cannot hold refused."""

from __future__ import annotations

from fractions import Fraction

import pytest

from lstm_explained import (
    FINGERPRINT_GATE_ACTIVATION,
    FINGERPRINT_INPUTS,
    Bidirectional,
    LSTMInputError,
    LSTMWeights,
    ParametricActivation,
    fingerprint_gru_weights,
    fingerprint_trace,
    fingerprint_weights,
    from_onnx,
    to_onnx,
)
from lstm_explained.engine.parametric import SIXTH_F32
from tests.frameworks.onnx_runs import f32, ort_run

pytestmark = pytest.mark.onnx


def test_the_fingerprint_gives_the_same_numbers_in_onnxruntime(onnxruntime):
    # float32 holds every fingerprint value, so onnxruntime's numbers are exact: equal.
    x = f32(FINGERPRINT_INPUTS)[:, None, :]  # (time 2, batch 1, features 2)
    for weights in (fingerprint_weights(), fingerprint_gru_weights()):
        model = to_onnx(
            weights, activation="linear", recurrent_activation=FINGERPRINT_GATE_ACTIVATION
        )
        y = ort_run(onnxruntime, model, X=x)[0]  # (time, dirs, batch, H)
        exact = fingerprint_trace(weights).sequence_out  # Fractions
        assert [[Fraction(float(v)) for v in row] for row in y[:, 0, 0]] == exact.tolist()


def test_keras_3_hard_sigmoid_is_written_as_float32_one_sixth(onnx):
    model = to_onnx(LSTMWeights.random(1, 1, seed=0), recurrent_activation="hard_sigmoid")
    node = model.graph.node[0]
    alpha = next(a for a in node.attribute if a.name == "activation_alpha").floats
    assert list(alpha) == [SIXTH_F32]  # 1/6 rounded to float32: 0.16666667163372040
    assert SIXTH_F32 != 1 / 6
    assert from_onnx(model)[0].recurrent_activation == ParametricActivation(
        "hard_sigmoid", SIXTH_F32, Fraction(1, 2)
    )


@pytest.mark.parametrize(
    ("layers", "options", "message"),
    [
        (LSTMWeights.constant(1), {"activation": lambda x: x}, r"a Python callable cannot"),
        (LSTMWeights.constant(1), {"recurrent_activation": "swish"}, r"not an activation"),
        (
            Bidirectional(LSTMWeights.constant(1), LSTMWeights.constant(1), merge_mode="sum"),
            {},
            r"only merge_mode='concat' can be written; got merge_mode='sum'",
        ),
        (
            [LSTMWeights.constant(1), LSTMWeights.constant(1)],
            {"initial_state": True},
            r"initial_state=True is for one layer",
        ),
        (
            [LSTMWeights.constant(1, units=2), LSTMWeights.constant(1)],
            {},
            r"layer 1 expects input_dim=1, but layer 0 outputs 2 values per step",
        ),
        (LSTMWeights.constant(1), {"direction": "backward"}, r"'forward' or 'reverse'"),
        (LSTMWeights.constant(1), {"dtype": "float16"}, r"dtype must be 'float32' or 'float64'"),
        ([], {}, r"layers must hold at least one layer"),
        ("weights", {}, r"weights must be an LSTMWeights; got 'weights'"),
    ],
)
def test_to_onnx_refuses_what_onnx_cannot_hold(onnx, layers, options, message):
    with pytest.raises(LSTMInputError, match=message):
        to_onnx(layers, **options)


def test_without_onnx_the_error_says_how_to_install_it(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ModuleNotFoundError, match=r"lstm-explained\[onnx\]"):
        to_onnx(LSTMWeights.constant(1))
    with pytest.raises(ModuleNotFoundError, match=r"lstm-explained\[onnx\]"):
        from_onnx("model.onnx")
