"""Hypothesis strategies shared by the tests that compare the engine with Keras."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from lstm_explained import ACTIVATIONS, LSTMWeights


@st.composite
def lstm_configurations(draw: Any, max_time: int = 5) -> dict[str, Any]:
    """Keyword arguments for `forward` (and `keras_forward`): random shapes, weights,
    activations, and sometimes an initial state and a mask."""
    batch, time = draw(st.integers(1, 3)), draw(st.integers(1, max_time))
    features, units = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    config: dict[str, Any] = {
        "inputs": rng.normal(0.0, 1.0, (batch, time, features)),
        "weights": LSTMWeights.random(features, units, seed=seed, use_bias=draw(st.booleans())),
        "activation": draw(st.sampled_from(ACTIVATIONS)),
        "recurrent_activation": draw(st.sampled_from(ACTIVATIONS)),
    }
    if draw(st.booleans()):
        config["initial_state"] = (
            rng.normal(0, 1, (batch, units)),
            rng.normal(0, 1, (batch, units)),
        )
    if draw(st.booleans()):
        config["mask"] = rng.random((batch, time)) < 0.7
    return config
