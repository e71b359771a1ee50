"""The article's toy network, shared by the engine's tests: one unit, identity
activations, every weight 1, bias 0 (`W`), run on the inputs 1, 1, 1 (`toy_trace`)."""

from __future__ import annotations

from lstm_explained import LSTMWeights, forward

TOY = {"activation": "linear", "recurrent_activation": "linear"}


def toy_trace(steps: int = 3, **kwargs):
    return forward([1] * steps, LSTMWeights.constant(1.0), **TOY, **kwargs)


W = LSTMWeights.constant(1.0)
