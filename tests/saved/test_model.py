"""model.py: a saved model's layers (by name or number), the path an input takes up to
one of them, what each layer hands the next as its framework does, both directions
merged, and the check's verdict, tolerance and exit status. Expected outputs are the
toy network's, worked out in integers here."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from lstm_explained import LSTMInputError, LSTMWeights
from lstm_explained.saved.layer import SavedLayer
from lstm_explained.saved.model import Check, SavedModel, engine_output, merge, run_chain


def test_the_tolerance_is_relative_to_the_largest_output_but_at_least_one():
    # float32: 1e-5 × max(1, scale); 2e-5 is over it at scale 1, within it at scale 3
    assert not Check("x", 2e-5, 1.0, 1e-5).ok
    assert Check("x", 2e-5, 3.0, 1e-5).ok
    assert Check("x", 9e-6, 0.1, 1e-5).ok
    assert [Check("x", 2e-5, 1.0, 1e-5).exit_code, Check("x", 2e-5, 3.0, 1e-5).exit_code] == [1, 0]
    unchecked = Check("x", unchecked="PyTorch is missing")
    assert not unchecked.ok  # a check that could not run never passes
    assert unchecked.exit_code == 3  # nor fails: a status of its own
    assert str(unchecked) == "NOT CHECKED: PyTorch is missing"
    assert unchecked.to_json()["checked"] is False
    assert unchecked.to_json()["reason"] == "PyTorch is missing"
    not_asked = Check("x", requested=False)  # --no-check
    assert (not_asked.exit_code, str(not_asked)) == (0, "check: not run (--no-check)")


# ---- the path an input takes, and what each layer hands the next -------------------------

TOY = LSTMWeights.constant(1.0)  # the article's network: h = z×c, c = z×c_prev + z², z = x + h


def toy_layer(name, framework="keras", **options):
    return SavedLayer(name, framework, TOY, "linear", "linear", **options)


LOW, MID, TOP = toy_layer("low"), toy_layer("mid"), toy_layer("top")
MODEL = SavedModel(
    "m.keras",
    "keras",
    (LOW, MID, TOP),
    below={"mid": "low", "top": "mid"},
    sources={"low": "dense (Dense)"},
    skipped=(("plain", "a SimpleRNN layer, which the engine does not compute"),),
)


def test_a_layer_by_name_or_number_and_an_unknown_one_named():
    assert MODEL.layer() is LOW
    assert MODEL.layer("top") is TOP
    assert MODEL.layer("2") is MID  # numbered from 1, as --list shows them
    with pytest.raises(LSTMInputError, match="layer 'plain' is a SimpleRNN layer, which"):
        MODEL.layer("plain")
    with pytest.raises(LSTMInputError) as caught:
        MODEL.layer("4")
    assert str(caught.value) == (
        "no LSTM or GRU layer is called '4'; the layers are 'low', 'mid', 'top'"
    )


def test_the_chain_follows_the_layers_below_and_says_what_feeds_each():
    assert MODEL.chain("top") == (LOW, MID, TOP)
    assert MODEL.chain("mid") == (LOW, MID)
    assert MODEL.chain("top", direct=True) == (TOP,)
    assert [MODEL.source(layer) for layer in (LOW, MID, TOP)] == [
        "dense (Dense)",
        "the output of low",
        "the output of mid",
    ]
    assert SavedModel("m.pt", "torch", (LOW,)).source(LOW) == "the model's input"
    refused = dataclasses.replace(MODEL, refused={"mid": "its initial state is computed"})
    with pytest.raises(LSTMInputError, match="layer 'mid': its initial state is computed"):
        refused.chain("top")


def test_a_stack_runs_each_layer_on_the_output_below():
    # The toy network on 1, 1, 1 outputs 1, 12, 3211; the same network on those outputs,
    # in Python integers:
    h = c = 0
    expected = []
    for x in (1, 12, 3211):
        z = x + h
        c = z * c + z * z
        h = z * c
        expected.append(h)
    assert expected[:2] == [1, 2366]  # z = 12 + 1 = 13, c = 13 + 169 = 182, h = 13 × 182
    trace, out = run_chain(MODEL.chain("mid"), np.ones((1, 3, 1)), dtype="float64")
    assert out[0, :, 0].tolist() == expected  # below 2**53: float64 holds them exactly
    assert trace.sequence_out[0, :, 0].tolist() == expected


def test_each_framework_hands_the_next_layer_its_own_order_and_length():
    # Read backwards, the toy network on 1, 0, 0 sees 0, 0, 1: h = 0, 0, 1 as processed.
    x = np.array([[[1.0], [0.0], [0.0]]])
    keras = toy_layer("k", go_backwards=True)
    onnx = toy_layer("o", "onnx", go_backwards=True)
    last = toy_layer("l", go_backwards=True, settings={"return_sequences": False})
    assert engine_output(keras, keras.trace(x))[0, :, 0].tolist() == [0, 0, 1]  # as processed
    assert engine_output(onnx, onnx.trace(x))[0, :, 0].tolist() == [1, 0, 0]  # in input order
    assert engine_output(last, last.trace(x)).tolist() == [[1]]  # (batch, units): last step


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("concat", [[1, 2, 3, 5]]),
        (None, [[1, 2, 3, 5]]),
        ("sum", [[4, 7]]),
        ("mul", [[3, 10]]),
        ("ave", [[2, 3.5]]),
    ],
)
def test_two_directions_merged_as_keras_merges_them(mode, expected):
    forward_h, backward_h = np.array([[1.0, 2.0]]), np.array([[3.0, 5.0]])
    assert merge(forward_h, backward_h, mode).tolist() == expected
