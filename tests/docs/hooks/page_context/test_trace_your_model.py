"""hooks/page_context/trace_your_model.py: the trained model the trace page draws."""

from __future__ import annotations

import numpy as np
import pytest

from tests.docs.hooks.loader import page_context


def test_the_flagged_sequence_as_the_model_reads_it():
    view = page_context("trace_your_model").context()["flagged"]
    assert view.inputs[view.FLAGGED - 1] == [view.VALUES[view.FLAGGED - 1], 1]
    assert sum(flag for _, flag in view.inputs) == 1  # one flagged step
    assert view.inputs_json().startswith("[[1,0],[-1,0],[1,0],[-1,1],[1,0]")
    assert len(view.trace.steps) == len(view.VALUES) == 10
    heatmap = view.heatmap()
    assert 'id="flagged-heatmap' in heatmap
    assert heatmap.count("⚑") >= 1


@pytest.mark.keras
def test_the_trace_the_page_describes_is_keras_s(keras):
    # What docs/trace-your-model.md says of the trained model's forget gates (they drop
    # at the flag, one from above one half to below it, and it is nearly open the step
    # after) is checked when the page renders (CLAIMS in trace_your_model.py). Here: the
    # engine's trace they read is the one Keras's own layer computes, step by step.
    view = page_context("trace_your_model").FlaggedModelView()
    module = page_context("trace_your_model")
    assert module.forget_gates_drop_at_the_flag(view)
    layer = keras.layers.LSTM(4, return_sequences=True)
    layer.build((None, None, 2))
    layer.set_weights(view.trace.weights.to_keras("float32"))
    h = np.asarray(layer(np.array([view.inputs], dtype="float32")))[0]
    np.testing.assert_allclose(view.trace.sequence_out, h, atol=1e-5)
