"""The losses and their gradients with respect to sequence_out, against their
definitions worked out here."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_explained import LSTMWeights, forward, mean_squared_error


def test_mean_squared_error_matches_its_definition():
    trace = forward([1, 2], LSTMWeights.constant(0.5))
    targets = [[0.25], [-1.0]]
    loss = mean_squared_error(trace, targets)
    out = trace.sequence_out[:, 0]
    assert loss.value == pytest.approx(((out[0] - 0.25) ** 2 + (out[1] + 1) ** 2) / 2)
    np.testing.assert_allclose(loss.d_sequence_out[:, 0], [out[0] - 0.25, out[1] + 1.0])
