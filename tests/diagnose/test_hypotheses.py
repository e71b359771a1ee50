"""The settings hypotheses: a gate or candidate activation with other numbers, named
with the known function it is (Keras 3's or Keras 2's hard_sigmoid, ONNX's default),
activation=None read as linear, and go_backwards on one side only."""

from __future__ import annotations

from fractions import Fraction

import pytest

from lstm_explained import ParametricActivation
from lstm_explained.diagnose.diff import diff_layers
from lstm_explained.saved.layer import SavedLayer
from tests.diagnose.seeded import BASES, GRU_BASES, like, only

KERAS2_HARD_SIGMOID = ParametricActivation("hard_sigmoid", Fraction(1, 5), Fraction(1, 2))


@pytest.mark.parametrize(
    ("mine", "theirs", "label"),
    [
        ("sigmoid", "hard_sigmoid", "x/6 + 1/2, Keras 3's"),
        ("hard_sigmoid", KERAS2_HARD_SIGMOID, "0.2x + 1/2, Keras 2's"),
        ("sigmoid", KERAS2_HARD_SIGMOID, "ONNX HardSigmoid's default"),
    ],
)
@pytest.mark.parametrize("make", [BASES["random"], GRU_BASES["random"]], ids=["LSTM", "GRU"])
def test_gate_activations(make, mine, theirs, label):
    a = SavedLayer("A", "keras", make().weights, recurrent_activation=mine)
    b = SavedLayer("B", "onnx", a.weights, recurrent_activation=theirs)
    finding = only(diff_layers(a, b), "recurrent-activation")
    assert label in finding.detail["b"]


def test_none_is_linear_not_tanh():
    a = BASES["random"]()
    finding = only(diff_layers(a, like(a, activation=None)), "activation")
    assert finding.detail["b"] == "linear"
    assert any("keras#7805" in line for line in finding.evidence)


def test_go_backwards_mismatch():
    a = BASES["random"]()
    assert only(diff_layers(a, like(a, go_backwards=True)), "go-backwards").detail["b"] is True


def test_tanh_against_relu_names_nn_rnns_nonlinearity():
    from lstm_explained import RNNWeights

    weights = RNNWeights.random(3, 4, seed=2)
    a = SavedLayer("A", "onnx", weights, activation="relu", recurrent_activation="linear")
    b = SavedLayer("B", "torch", weights, activation="tanh", recurrent_activation="sigmoid")
    result = diff_layers(a, b)
    finding = only(result, "activation")
    assert (finding.detail["a"], finding.detail["b"]) == ("relu", "tanh")
    assert any("state dict does not store it" in line for line in finding.evidence)
    # only(...) checked it is the one cause: the gates' activation a file records
    # (linear from ONNX's reader, sigmoid from PyTorch's) means nothing for a cell without gates
