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
def test_the_trace_page_says_what_the_trained_models_forget_gates_do(keras):
    # docs/trace-your-model.md claims, of the model trained at build time: at the flag
    # the forget gate of one unit drops below its value the step before, and the step
    # after it is nearly open again. Checked here against Keras's own layer, step by step.
    view = page_context("trace_your_model").FlaggedModelView()
    flag, unit = view.FLAGGED, view.lowest_forget_unit()  # counted from 1
    forget = [float(s.gates["forget"][unit - 1]) for s in view.trace.steps]
    assert forget[flag - 1] < 0.5 < forget[flag - 2]
    assert forget[flag] > 0.9
    layer = keras.layers.LSTM(4, return_sequences=True)
    layer.build((None, None, 2))
    layer.set_weights(view.trace.weights.to_keras("float32"))
    h = np.asarray(layer(np.array([view.inputs], dtype="float32")))[0]
    np.testing.assert_allclose(view.trace.sequence_out, h, atol=1e-5)
