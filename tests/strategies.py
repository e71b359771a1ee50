"""Hypothesis strategies shared by the tests that compare the engine with Keras."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from lstm_explained import ACTIVATIONS, GRUWeights, LSTMWeights, RNNWeights


def _configuration(draw: Any, cell: str, max_time: int) -> dict[str, Any]:
    batch, time = draw(st.integers(1, 3)), draw(st.integers(1, max_time))
    features, units = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    use_bias = draw(st.booleans())
    rng = np.random.default_rng(seed)
    if cell == "LSTM":
        weights: Any = LSTMWeights.random(features, units, seed=seed, use_bias=use_bias)
    else:
        reset_after = draw(st.booleans())
        weights = GRUWeights.random(
            features, units, seed=seed, use_bias=use_bias, reset_after=reset_after
        )
    config: dict[str, Any] = {
        "inputs": rng.normal(0.0, 1.0, (batch, time, features)),
        "weights": weights,
        "activation": draw(st.sampled_from(ACTIVATIONS)),
        "recurrent_activation": draw(st.sampled_from(ACTIVATIONS)),
    }
    if draw(st.booleans()):
        n_states = 2 if cell == "LSTM" else 1
        config["initial_state"] = tuple(rng.normal(0, 1, (batch, units)) for _ in range(n_states))
    if draw(st.booleans()):
        config["mask"] = rng.random((batch, time)) < 0.7
    return config


@st.composite
def lstm_configurations(draw: Any, max_time: int = 5) -> dict[str, Any]:
    """Keyword arguments for `forward` (and `keras_forward`) with an LSTM: random shapes,
    weights, activations, and sometimes an initial state and a mask."""
    return _configuration(draw, "LSTM", max_time)


@st.composite
def gru_configurations(draw: Any, max_time: int = 5) -> dict[str, Any]:
    """The same for a GRU, with `reset_after` either way."""
    return _configuration(draw, "GRU", max_time)


@st.composite
def rnn_configurations(draw: Any, max_time: int = 6) -> dict[str, Any]:
    """The same for the plain recurrent cell: one activation (any of the engine's, all of
    which Keras's SimpleRNN takes by name), sometimes h0, a mask and go_backwards."""
    batch, time = draw(st.integers(1, 3)), draw(st.integers(1, max_time))
    features, units = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    weights = RNNWeights.random(features, units, seed=seed, use_bias=draw(st.booleans()))
    config: dict[str, Any] = {
        "inputs": rng.normal(0.0, 1.0, (batch, time, features)),
        "weights": weights,
        "activation": draw(st.sampled_from(ACTIVATIONS)),
        "go_backwards": draw(st.booleans()),
    }
    if draw(st.booleans()):
        config["initial_state"] = (rng.normal(0, 1, (batch, units)),)
    if draw(st.booleans()):
        config["mask"] = rng.random((batch, time)) < 0.7
    return config
