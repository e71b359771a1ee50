"""The engine against a live keras.layers.LSTM: fixed cases and random ones (hypothesis);
and Keras 3 on its JAX and PyTorch backends, which builds the article's toy network too
(the adapter uses whatever backend Keras is configured with)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from lstm_explained import LSTMInputError, LSTMWeights, forward
from lstm_explained.frameworks.keras_adapter import build_keras_lstm, compare, keras_forward
from tests.strategies import lstm_configurations, rnn_configurations

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


# ---- Keras 3 on its JAX and PyTorch backends ------------------------------------------
# Keras picks its backend once, when it is first imported, and this test process already
# runs Keras on TensorFlow; so each backend runs in a fresh interpreter with KERAS_BACKEND
# set, and prints what it computed as JSON.

SCRIPT = """
import json, sys
import numpy as np
import keras

toy = dict(
    activation=None,  # identity
    recurrent_activation=None,
    kernel_initializer="ones",
    recurrent_initializer="ones",
    unit_forget_bias=False,  # bias stays zero
)
x = np.ones((1, 3, 1), dtype="float32")  # one sequence: 1, 1, 1
layer = keras.layers.LSTM(1, return_sequences=True, return_state=True, **toy)
sequence_out, state_h, state_c = (keras.ops.convert_to_numpy(a) for a in layer(x))

cell = keras.layers.LSTMCell(1, **toy)  # one step at a time, to see c at every step
state, cs = [np.zeros((1, 1), "float32"), np.zeros((1, 1), "float32")], []
for t in range(3):
    _, state = cell(x[:, t], state)
    cs.append(float(keras.ops.convert_to_numpy(state[1])[0, 0]))

print(json.dumps({
    "backend": keras.backend.backend(),
    "tensorflow_imported": "tensorflow" in sys.modules,
    "h": sequence_out[0, :, 0].tolist(),
    "state_h": float(state_h[0, 0]),
    "state_c": float(state_c[0, 0]),
    "c": cs,
}))
"""


def toy_by_hand(steps):
    """The toy network in integers: every gate sees z = x + h_prev with x = 1;
    c = z*c_prev + z*z and h = z*c (identity activations, weights 1, bias 0)."""
    h = c = 0
    hs, cs = [], []
    for _ in range(steps):
        z = 1 + h
        c = z * c + z * z
        h = z * c
        hs.append(h)
        cs.append(c)
    return hs, cs


def run_on_backend(backend):
    env = {**os.environ, "KERAS_BACKEND": backend}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.backends
def test_toy_by_hand_is_the_articles_table():
    assert toy_by_hand(3) == ([1, 12, 3211], [1, 6, 247])  # the article's numbers


# What each backend needs installed: conftest fixtures that skip, or fail under CI=true.
NEEDS = {"jax": "jax_installed", "torch": "torch"}


@pytest.mark.backends
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_keras_on_another_backend_reproduces_the_toy_network(backend, keras_installed, request):
    request.getfixturevalue(NEEDS[backend])
    result = run_on_backend(backend)
    hs, cs = toy_by_hand(3)
    assert result["backend"] == backend
    assert not result["tensorflow_imported"]  # really not TensorFlow underneath
    assert result["h"] == hs
    assert result["c"] == cs
    assert (result["state_h"], result["state_c"]) == (hs[-1], cs[-1])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=rnn_configurations())
def test_the_plain_cell_agrees_with_keras_simple_rnn_on_random_configurations(keras, config):
    # float64 on both sides: what is left is the equations, not float32's rounding
    trace = forward(**config)
    diff = compare(trace, keras_forward(**config, dtype="float64"))
    assert diff.max_abs_diff <= 1e-12 * max(1.0, diff.scale), (str(diff), config)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_a_simple_rnn_with_keras_own_weights_read_by_get_weights(keras, activation):
    from lstm_explained import RNNWeights

    layer = keras.layers.SimpleRNN(3, activation=activation, return_sequences=True,
                                   bias_initializer="random_normal", seed=4)  # fmt: skip
    x = np.random.default_rng(2).normal(size=(2, 7, 5)).astype(np.float32)
    theirs = keras.ops.convert_to_numpy(layer(x))
    weights = RNNWeights(*layer.get_weights())
    assert (weights.kernel.shape, weights.recurrent_kernel.shape) == ((5, 3), (3, 3))
    ours = forward(x, weights, activation=activation, dtype="float32").sequence_out
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=2e-6)
    assert layer.count_params() == weights.parameter_count()
