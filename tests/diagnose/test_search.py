"""The search over chains of repairs: a bidirectional layer's directions exchanged or one
direction wrong, two mistakes undone together, and what differs when no known cause
explains it."""

from __future__ import annotations

from lstm_explained import Bidirectional, LSTMWeights, fingerprint_bias_halves
from lstm_explained.diagnose.diff import diff_layers
from lstm_explained.saved.layer import SavedLayer
from tests.diagnose.seeded import (
    BASES,
    LSTM,
    ORDERS,
    floats,
    in_order,
    like,
    only,
    reshaped,
    torch_like_lstm,
)


def test_bidirectional_directions_swapped_or_one_direction_wrong():
    fwd, back = LSTMWeights.random(3, 3, seed=1), LSTMWeights.random(3, 3, seed=2)
    a = SavedLayer("A", "keras", Bidirectional(fwd, back))
    only(diff_layers(a, SavedLayer("B", "torch", Bidirectional(back, fwd))), "directions-swapped")
    order = ORDERS["ONNX's i, o, f, c (a 3-cycle)"]
    wrong = LSTMWeights(
        *(in_order(m, order, LSTM) for m in (back.kernel, back.recurrent_kernel, back.bias))
    )
    diff = diff_layers(a, SavedLayer("B", "onnx", Bidirectional(fwd, wrong)))
    finding = only(diff, "gate-order")
    assert finding.detail["direction"] == "backward"
    assert finding.summary.startswith("backward direction: ")
    assert diff.first.direction == "backward"


def test_onnx_order_and_a_lost_half_together():
    a = torch_like_lstm()
    w, order = a.weights, ORDERS["ONNX's i, o, f, c (a 3-cycle)"]
    b_ih = floats(fingerprint_bias_halves()[0])
    b = like(
        a,
        in_order(w.kernel, order, LSTM),
        in_order(w.recurrent_kernel, order, LSTM),
        in_order(b_ih, order, LSTM),
    )
    diff = diff_layers(a, b)
    assert sorted(diff.causes) == ["bias-half-missing", "gate-order"], diff.report()
    assert diff.findings[diff.causes.index("gate-order")].detail["order"] == order


def test_reshaped_and_in_onnx_order_together():
    a = BASES["random"]()
    w, order = a.weights, ORDERS["ONNX's i, o, f, c (a 3-cycle)"]
    b = like(
        a,
        reshaped(in_order(w.kernel, order, LSTM)),
        reshaped(in_order(w.recurrent_kernel, order, LSTM)),
        in_order(w.bias, order, LSTM),
    )
    assert sorted(diff_layers(a, b).causes) == ["gate-order", "reshaped"]


def test_an_unknown_difference_is_said_plainly_with_the_blocks_that_differ():
    a = BASES["random"]()
    kernel = floats(a.weights.kernel).copy()
    kernel[1, 7] += 0.3  # column 7 of 3-unit blocks: the candidate block (c)
    diff = diff_layers(a, like(a, kernel=kernel))
    assert not diff.agree
    assert diff.findings == ()
    report = diff.report().splitlines()
    assert report[3] == "no known cause explains the difference"
    assert report[4] == "    kernel blocks that differ (largest difference): g 0.3"
