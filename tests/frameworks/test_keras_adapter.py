"""The engine against a live keras.layers.LSTM: fixed cases and random ones (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from lstm_explained import LSTMInputError, LSTMWeights, forward
from lstm_explained.frameworks.keras_adapter import build_keras_lstm, compare, keras_forward
from tests.strategies import lstm_configurations

pytestmark = pytest.mark.keras
TOY = {"activation": "linear", "recurrent_activation": "linear"}


def test_toy_network_in_keras_gives_the_articles_numbers(keras):
    result = keras_forward(
        [1, 1, 1], LSTMWeights.constant(1.0), activation=None, recurrent_activation="linear"
    )
    assert result.sequence_out[:, 0].tolist() == [1, 12, 3211]
    assert result.state_h.tolist() == [3211]
    assert result.state_c.tolist() == [247]


def test_float32_keras_rounds_step_four(keras):
    result = keras_forward([1, 1, 1, 1], LSTMWeights.constant(1.0), **TOY)
    assert result.state_h.tolist() == [35_686_309_888]  # exact value is 35,686,309,296
    assert result.state_c.tolist() == [11_110_308]
    exact = forward([1, 1, 1, 1], LSTMWeights.constant(1), **TOY, exact=True)
    assert compare(exact, result).max_abs_diff == 35_686_309_888 - 35_686_309_296


def test_keras_default_unit_forget_bias_is_the_trap(keras):
    # A layer built the obvious way: every weight 1, biases "zero"... but the forget slice is 1.
    layer = keras.layers.LSTM(
        1,
        activation=None,
        recurrent_activation="linear",
        return_sequences=True,
        kernel_initializer="ones",
        recurrent_initializer="ones",
        bias_initializer="zeros",
    )
    out = keras.ops.convert_to_numpy(layer(np.ones((1, 3, 1), "float32")))
    assert out[0, :, 0].tolist() == [1, 14, 5055]
    weights = LSTMWeights(*layer.get_weights())
    assert weights.bias.tolist() == [0, 1, 0, 0]
    trace = forward([1, 1, 1], weights, **TOY)
    assert trace.sequence_out[:, 0].tolist() == [1, 14, 5055]


def test_keras_golden_values_through_the_adapter(keras):
    weights = LSTMWeights(np.full((4, 12), 0.01), np.full((3, 12), 0.02), np.full(12, 0.03))
    result = keras_forward(np.arange(72).reshape((3, 6, 4)), weights)
    np.testing.assert_allclose(result.state_h[:, 0], [0.57019705, 0.8661914, 0.9459622], atol=1e-5)


def test_build_keras_lstm_holds_our_weights(keras):
    weights = LSTMWeights.random(3, 2, seed=4, use_bias=False)
    layer = build_keras_lstm(weights)
    got = layer.get_weights()
    assert len(got) == 2
    np.testing.assert_allclose(got[0], weights.kernel, rtol=1e-6)


def test_adapter_validates_like_forward(keras):
    with pytest.raises(LSTMInputError, match="is not a known activation"):
        keras_forward([1], LSTMWeights.constant(1.0), activation="swish")
    with pytest.raises(LSTMInputError, match="inputs is an empty sequence"):
        keras_forward([], LSTMWeights.constant(1.0))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=lstm_configurations())
def test_engine_agrees_with_keras_on_random_configurations(keras, config):
    trace = forward(**config)
    result = keras_forward(**config)
    diff = compare(trace, result)
    # float32 (Keras) against float64 (engine): relative to the size of the values. With
    # unbounded activations on the gates too, h grows like the square of the step before
    # (the toy network's 1, 12, 3211), and squaring doubles a relative rounding error:
    # float32's error may double at every step.
    unbounded = {"linear", None, "relu"}
    steps = np.asarray(config["inputs"]).shape[-2]
    squares = {config["activation"], config["recurrent_activation"]} <= unbounded
    allowed = 1e-5 * (2.0**steps if squares else 1.0)
    assert diff.max_abs_diff <= allowed * max(1.0, diff.scale), (str(diff), config)
