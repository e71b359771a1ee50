"""hooks/page_context/backward_view.py: backpropagation through a trace, as pages show it."""

from __future__ import annotations

import html
import re

from lstm_explained import LSTMWeights, backward, forward, hand_backward, sum_of_outputs
from lstm_explained.networks.examples import toy_trace
from tests.docs.hooks.loader import imported_modules, page_context

BACKWARD_GATES = ["input gate:", "forget gate:", "candidate:", "output gate:"]


def gate_labels(text: str) -> list[str]:
    return [
        label for line in text.splitlines() for label in BACKWARD_GATES if line.startswith(label)
    ]


def test_hand_backward_itself_lists_the_gates_in_keras_order():
    trace = toy_trace(3)
    text = hand_backward(trace, backward(trace, sum_of_outputs(trace).d_sequence_out), 2)
    assert gate_labels(text) == BACKWARD_GATES


def last_output_only():
    """L = h3 of the article's network, built here."""
    linear = {"activation": "linear", "recurrent_activation": "linear", "exact": True}
    trace = forward([1, 1, 1], LSTMWeights.constant(1), **linear)
    return page_context("backward_view").BackwardView(trace, "b", outputs=(3,))


def test_a_backward_view_quotes_the_gradients_of_its_loss():
    # By hand, step 3: z = 13 in every gate, c_prev = 6, c = 247, h = z*c = 3211.
    # dh = 1; dc = dh*o = 13; d_o = dh*c = 247; d_f = dc*c_prev = 78;
    # d_i = dc*g = 169 = d_g; dh_prev = the four summed (recurrent weights 1) = 663;
    # dc_prev = dc*f = 169.
    view = last_output_only()
    assert view.loss() == "3211"
    assert [view.value(3, g) for g in ("input", "forget", "candidate", "output")] == [
        "169",
        "78",
        "169",
        "247",
    ]
    assert (view.value(3, "dh_prev"), view.value(3, "dc_prev")) == ("663", "169")
    rows = view.table().splitlines()
    assert rows[0] == "| gate | dL/dW | dL/dU | dL/db |"
    assert [row.split(" | ")[0] for row in rows[2:]] == [
        "| input",
        "| forget",
        "| candidate",
        "| output",
    ]


def test_the_views_hand_calculation_lists_the_gates_in_keras_order():
    block = last_output_only().hand(3)
    lines = re.findall(r'<span class="lx-line">(.*?)</span>', block)
    assert gate_labels("\n".join(html.unescape(line) for line in lines)) == BACKWARD_GATES


def test_the_view_names_no_network():
    imports = imported_modules(page_context("backward_view"))
    assert not any(name.startswith("lstm_explained.networks") for name in imports)
