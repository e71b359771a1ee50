"""diff_layers: where two layers part and the report that says so. Float rounding
named, agreement said (and weights that differ only elsewhere), one real PyTorch module
read two wrong ways, and the layers and arguments it refuses, naming what differs.
Each mistake's own tests are in the file of the module that names it (test_search.py,
test_layout_mistakes.py, test_bias_mistakes.py, test_hypotheses.py, test_padding.py);
the layers are seeded in tests/diagnose/seeded.py."""

from __future__ import annotations

import re

import numpy as np
import pytest

from lstm_explained import Bidirectional, LSTMInputError, LSTMWeights, fingerprint_weights
from lstm_explained.diagnose.diff import TOLERANCE, Padding, default_inputs, diff_layers
from lstm_explained.frameworks.torch_adapter import weights_from_torch
from lstm_explained.saved.layer import SavedLayer
from tests.diagnose.seeded import (
    BASES,
    GRU_BASES,
    LSTM,
    floats,
    gru,
    in_order,
    like,
    lstm,
    only,
    padded_pair,
    tensors,
)
from tests.engine.toy import W

# ---- float rounding ---------------------------------------------------------------


def test_float32_drift_on_a_long_sequence():
    # A chaotic layer (8 units, weights of scale 4): float32's rounding, about 1e-7 at
    # step 1, grows until the two runs part; in float64 both are the same computation.
    w = LSTMWeights.random(1, 8, seed=2, scale=4.0)
    w = LSTMWeights(*(floats(np.float32(m)) for m in (w.kernel, w.recurrent_kernel, w.bias)))
    a = SavedLayer("A", "keras", w, dtype="float64")
    b = SavedLayer("B", "onnx", w, dtype="float32")
    x = default_inputs(1, steps=300) * 0.1
    finding = only(diff_layers(a, b, x), "float-drift")
    assert dict(finding.detail) == {"a": "float64", "b": "float32"}
    assert "(first beyond)" in finding.evidence[0]
    assert diff_layers(a, b, x[:, :5]).agree  # five steps: still within the tolerance


# ---- agreement, and the report -----------------------------------------------------


@pytest.mark.parametrize("make", [*BASES.values(), *GRU_BASES.values()])
def test_identical_layers_agree(make):
    a = make()
    diff = diff_layers(a, like(a))
    assert diff.agree
    assert diff.exit_code == 0
    assert diff.findings == ()
    assert diff.report().startswith(f"A and B agree within tolerance {TOLERANCE:g}")


def test_agreeing_layers_that_differ_elsewhere_say_so():
    a = BASES["random"]()  # one step read backwards is the same step
    diff = diff_layers(a, like(a, go_backwards=True), default_inputs(3, steps=1))
    assert diff.agree
    assert diff.evidence == ("the layers differ in go_backwards, but not on these inputs",)


def test_the_report_is_verdict_findings_then_indented_evidence():
    a = lstm()
    w = a.weights
    order = ("forget", "input", "candidate", "output")
    b = like(a, *(in_order(m, order, LSTM) for m in (w.kernel, w.recurrent_kernel, w.bias)))
    lines = diff_layers(a, b, default_inputs(2, steps=3)).report().splitlines()
    # step 1 reads x @ kernel + bias: the input gate's block holds the forget gate's,
    # so the first value that differs is the input gate's pre-activation of unit 1
    assert lines[0].startswith(
        "A and B differ beyond tolerance 1e-05, first at step 1, "
        "batch row 0: the input gate's pre-activation, unit 1: A "
    )
    assert lines[1] == "    A: A (keras LSTM, forward, 2 units, float32)"
    assert lines[2] == "    B: B (torch LSTM, forward, 2 units, float32)"
    assert lines[3].startswith("gate-order: B's gates are in order f, i, g, o read as")
    assert all(line.startswith("    ") for line in lines[4:])
    assert "against" in lines[-1]


# ---- masks that do not fit the inputs -----------------------------------------------


@pytest.mark.parametrize(
    ("padding", "message"),
    [
        (
            Padding(np.ones((3, 5), bool)),
            "padding.a must be booleans of shape (batch, time) = (3, 6)",
        ),
        (Padding(None, np.ones((3, 6))), "padding.b must be booleans"),
        ("mask", "padding must be a Padding"),
    ],
)
def test_masks_that_do_not_fit_the_inputs(padding, message):
    a, b, x = padded_pair()
    with pytest.raises(LSTMInputError, match=re.escape(message)):
        diff_layers(a, b, x, padding=padding)


# ---- what cannot be compared ----------------------------------------------------------


@pytest.mark.parametrize(
    ("b", "message"),
    [
        (lambda: gru(), "different cell (A LSTM, B GRU)"),
        (
            lambda: lstm(weights=LSTMWeights.random(3, 2, seed=0)),
            "different input size (features per step) (A 2, B 3)",
        ),
        (lambda: lstm(weights=LSTMWeights.random(2, 3, seed=0)), "different units (A 2, B 3)"),
        (
            lambda: lstm(weights=Bidirectional(*[fingerprint_weights()] * 2)),
            "different direction (A one direction, B bidirectional)",
        ),
    ],
)
def test_layers_that_cannot_be_compared(b, message):
    with pytest.raises(LSTMInputError, match=re.escape(message)):
        diff_layers(lstm(), b())


def test_bidirectional_layers_merged_differently_cannot_be_compared():
    both = [fingerprint_weights()] * 2
    a, b = lstm(weights=Bidirectional(*both)), lstm(weights=Bidirectional(*both, "sum"))
    with pytest.raises(LSTMInputError, match=re.escape("different merge_mode (A concat, B sum)")):
        diff_layers(a, b)


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda a: diff_layers(a, W), r"b must be a SavedLayer; got LSTMWeights"),
        (lambda a: diff_layers(a, a, tolerance=0), r"tolerance must be a positive number; got 0"),
        (lambda a: diff_layers(a, a, tolerance=float("nan")), r"tolerance must be a positive"),
        (lambda a: diff_layers(a, a, np.zeros((4, 3))), r"inputs has 3 feature\(s\) per time"),
        (
            lambda a: diff_layers(a, SavedLayer("B", "torch", W, bias_halves=(np.zeros(4),))),
            r"B.bias_halves must be \(input side, recurrent side\), two arrays of shape \(4,\)",
        ),
        (lambda a: default_inputs(0), r"input_dim must be a positive integer; got 0"),
        (lambda a: default_inputs(2, steps=1.5), r"steps must be a positive integer; got 1.5"),
    ],
)
def test_bad_diff_arguments(call, pattern):
    with pytest.raises(LSTMInputError, match=pattern):
        call(SavedLayer("A", "keras", W))


# ---- a PyTorch module read two wrong ways ---------------------------------------------


@pytest.mark.torch
def test_a_pytorch_lstm_read_with_reshape_and_with_one_bias(torch):
    torch.manual_seed(0)
    module = torch.nn.LSTM(3, 4, batch_first=True)
    t = tensors(module)
    halves = (t["bias_ih_l0"], t["bias_hh_l0"])
    a = SavedLayer("lstm", "torch", weights_from_torch(module), bias_halves=halves)
    x = default_inputs(3, steps=6)
    with torch.no_grad():
        out, _ = module(torch.from_numpy(x).float())
    np.testing.assert_allclose(a.trace(x).sequence_out, out.double().numpy(), atol=1e-6)

    # Keras's layout by reshape instead of .T: weight_ih_l0 (16, 3) -> (3, 16)
    wrong = LSTMWeights(
        t["weight_ih_l0"].reshape(3, 16), t["weight_hh_l0"].reshape(4, 16), sum(halves)
    )
    diff = diff_layers(a, SavedLayer("lstm", "keras", wrong))
    assert diff.causes == ("reshaped",), diff.report()
    assert diff.findings[0].detail["matrices"] == ("kernel", "recurrent_kernel")

    # transposed correctly, but only bias_ih_l0 kept
    one_bias = LSTMWeights(t["weight_ih_l0"].T, t["weight_hh_l0"].T, t["bias_ih_l0"])
    diff = diff_layers(a, SavedLayer("lstm", "keras", one_bias))
    assert diff.causes == ("bias-half-missing",), diff.report()
    assert dict(diff.findings[0].detail) == {"half": "recurrent", "lacking": "B"}
