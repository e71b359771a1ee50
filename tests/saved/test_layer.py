"""SavedLayer: a loaded layer runs as the engine does with the same settings."""

import numpy as np

from lstm_explained import GRUWeights, LSTMWeights
from lstm_explained.engine.layers import Bidirectional
from lstm_explained.saved.layer import SavedLayer


def test_a_saved_layer_runs_with_its_own_activations():
    layer = SavedLayer("lstm", "keras", LSTMWeights.constant(1.0), "linear", "linear")
    assert (layer.kind, layer.units, layer.input_dim, layer.direction) == ("LSTM", 1, 1, "forward")
    # the article's network: h = 1, 12, 3211 (worked by hand in the article)
    assert layer.trace([1, 1, 1]).sequence_out.ravel().tolist() == [1, 12, 3211]


def test_direction_and_kind_follow_the_weights():
    gru = GRUWeights(np.ones((2, 9)), np.ones((3, 9)), np.zeros((2, 9)))
    assert SavedLayer("g", "onnx", gru, go_backwards=True).direction == "reverse"
    both = SavedLayer("b", "torch", Bidirectional(gru, gru))
    assert (both.kind, both.direction, both.units) == ("GRU", "bidirectional", 6)
