"""hooks/page_context/layout_view.py: layouts side by side, and a trace in fractions."""

from __future__ import annotations

import numpy as np

from lstm_explained import LSTMWeights, forward
from tests.docs.hooks.loader import imported_modules, page_context

LINEAR = {"activation": "linear", "recurrent_activation": "linear", "exact": True}


def test_layout_tables_count_parameters_for_their_size():
    tables = page_context("layout_view").LayoutTables(inputs=1, units=1)
    # Keras: 4 gates * 1 unit * (1 input + 1 recurrent + 1 bias); ONNX has two biases
    assert (tables.count("keras-lstm"), tables.count("onnx-lstm")) == ("12", "16")
    rows = tables.table("GRU").splitlines()
    assert rows[0] == "| | Keras 3 | PyTorch | ONNX | Flax |"  # the frameworks with a GRU
    assert [row.split(" | ")[0] for row in rows[2:]] == [
        "| layer",
        "| input weights",
        "| recurrent weights",
        "| biases",
        "| gate order",
        "| activations",
        "| state",
        "| parameters",
        "| variants",
    ]


def test_a_fractions_view_quotes_units_and_mistakes():
    # Two units, every weight 1, identity: step 1 z = 1, c = 1, h = 1; step 2
    # z = x + h_prev summed over both units = 3, c = 3 + 9 = 12, h = 36, in each unit.
    layout_view = page_context("layout_view")
    weights = LSTMWeights.constant(1, input_dim=1, units=2)
    trace = forward([1, 1], weights, **LINEAR)
    zero = forward([1, 1], LSTMWeights.constant(0, input_dim=1, units=2), **LINEAR)
    wrong = (layout_view.Wrong("zeroed", "every weight 0", zero),)
    view = layout_view.FractionsView(trace, (np.ones(8), -np.ones(8)), wrong)
    assert (view.h(1), view.h(2), view.decimals(2)) == ("[1, 1]", "[36, 36]", "[36.0, 36.0]")
    assert "| input | [1, 1] | [1, 1]; [1, 1] | [1, 1] + [-1, -1] |" in view.weights_table()
    assert view.mistakes_table().splitlines()[2:] == [
        "| **right** | | [1, 1] | [36, 36] |",
        "| zeroed | every weight 0 | [0, 0] | [0, 0] |",
    ]
    assert view.table().splitlines()[-1] == "| $h$ | [1, 1] | [36, 36] |"


def test_the_view_names_no_network():
    imports = imported_modules(page_context("layout_view"))
    assert not any(name.startswith("lstm_explained.networks") for name in imports)
