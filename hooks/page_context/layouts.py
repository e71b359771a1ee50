"""The values of "One cell, four layouts" (docs/layouts.md): the frameworks' layouts
side by side and the fingerprint GRU. The fingerprint LSTM is shared: the stepper's
page quotes it too."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from lstm_explained.networks.fingerprint import fingerprint_gru_weights, fingerprint_trace

from .layout_view import FractionsView, LayoutTables


@functools.cache
def context() -> dict[str, Any]:
    """Computed once per build, when the page is rendered."""
    gru = fingerprint_gru_weights()
    bias = np.asarray(gru.bias)  # (2, 3 * units): Keras's input-side and recurrent-side rows
    return {
        # parameter counts for the fingerprint networks' size
        "layouts": LayoutTables(inputs=gru.input_dim, units=gru.units),
        "fingerprint_gru": FractionsView(fingerprint_trace(gru), (bias[0], bias[1])),
    }
