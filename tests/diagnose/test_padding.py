"""padding_of: each side's mask over the inputs, made as its model makes it. The inputs
and the masks expected are written here by hand: a Keras `Masking` layer masks a step
whose features all equal mask_value (compared in float32, as Keras does), an ONNX
node's sequence_lens masks every step past each row's length.

padding_findings, through diff_layers: each masking mistake seeded by hand (padding
that repeats h against padding that outputs zeros, a mask ignored, padding moved from
the end to the start, masks that differ otherwise) is named as the cause it is."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from lstm_explained import Bidirectional, LSTMWeights
from lstm_explained.diagnose.diff import diff_layers
from lstm_explained.diagnose.padding import Padding, padded_text, padding_of, steps_text
from lstm_explained.saved.layer import LayerMask, SavedLayer
from tests.diagnose.seeded import AT_THE_END, LSTM, ORDERS, REAL, in_order, lstm, only, padded_pair

W = LSTMWeights.random(2, 2, seed=1)
MASKING = LayerMask("values", "pad (Masking, mask_value=0)")
LENS = LayerMask("lengths", "sequence_lens (model input 'lens')")

# rows: padded at the end (steps 4-5); none; at the start (step 1); a value float32 reads as 0
X = np.array([
    [[1, 2], [3, 0], [0, 4], [0, 0], [0, 0]],
    [[1, 1], [1, 1], [1, 1], [1, 1], [1, 1]],
    [[0, 0], [5, 5], [5, 5], [5, 5], [5, 5]],
    [[1, 1], [1, 1], [1, 1], [1, 1], [1e-50, 0]],
], dtype=np.float64)  # fmt: skip
REAL_IN_X = np.array([
    [1, 1, 1, 0, 0],
    [1, 1, 1, 1, 1],
    [0, 1, 1, 1, 1],
    [1, 1, 1, 1, 0],
], dtype=bool)  # fmt: skip
LENGTHS = np.array([
    [1, 1, 1, 0, 0],
    [1, 1, 1, 1, 1],
    [1, 1, 1, 1, 0],
    [1, 1, 1, 1, 0],
], dtype=bool)  # fmt: skip


def layer(framework, mask=None, dtype="float32"):
    return SavedLayer(framework, framework, W, dtype=dtype, mask=mask)


def test_masking_from_the_values_and_sequence_lens_from_its_counts():
    padding = padding_of(layer("keras", MASKING), layer("onnx", LENS), X)
    np.testing.assert_array_equal(padding.a, REAL_IN_X)
    np.testing.assert_array_equal(padding.b, LENGTHS)  # 3, 5, 4, 4 real steps, first
    assert padding.lines() == (
        "A's mask: pad (Masking, mask_value=0); padded: row 0 steps 4-5, row 2 step 1, "
        "row 3 step 5",
        "B's mask: sequence_lens (model input 'lens'), given the number of real steps in "
        "each row of A's mask: lengths 3, 5, 4, 4; padded: row 0 steps 4-5, row 2 step 5, "
        "row 3 step 5",
    )


def test_the_counts_come_from_whichever_side_masks_by_values():
    padding = padding_of(layer("onnx", LENS), layer("keras", MASKING), X)
    np.testing.assert_array_equal(padding.a, LENGTHS)
    np.testing.assert_array_equal(padding.b, REAL_IN_X)
    assert "given the number of real steps in each row of B's mask" in padding.a_how


def test_a_float64_layer_compares_in_float64():
    padding = padding_of(layer("keras", MASKING, dtype="float64"), layer("keras"), X)
    assert padding.a[3, 4]  # 1e-50 is not 0 in float64
    assert padding.b is None
    assert padding.b_how == "none (no Masking or Embedding(mask_zero=True) layer below it)"


def test_stored_lengths_are_used_as_stored_and_others_fall_back_to_full_lengths():
    stored = LayerMask("lengths", "sequence_lens (stored in the file)", lengths=(2, 5, 5, 9))
    padding = padding_of(layer("keras", MASKING), layer("onnx", stored), X)
    np.testing.assert_array_equal(padding.b.sum(axis=1), [2, 5, 5, 5])
    assert padding.b_how.startswith("sequence_lens (stored in the file): lengths 2, 5, 5, 9")
    wrong = LayerMask("lengths", "sequence_lens (stored in the file)", lengths=(2, 5))
    padding = padding_of(layer("onnx", wrong), layer("torch"), X)
    assert padding.a.all()
    assert "given full lengths (it stores 2 lengths): B's mask does not mark" in padding.a_how
    assert padding.b_how.startswith("none (a state dict records none")


def test_no_mask_or_one_the_inputs_cannot_show():
    assert padding_of(layer("keras"), layer("onnx"), X).lines() == ()
    made = LayerMask("model", "emb (Embedding)")
    padding = padding_of(layer("keras", made), layer("onnx", LENS), X)
    assert padding.a is None
    assert padding.b is None
    assert padding.lines() == (
        "padding not compared: A's mask comes from emb (Embedding), made below where these "
        "inputs enter, which cannot show it; both sides run every step as a real one",
    )
    assert Padding().lines() == ()


def test_steps_are_counted_from_one_in_runs():
    assert steps_text([0, 1, 4, 6, 7, 8]) == "1-2, 5, 7-9"
    assert padded_text(None) == "no step padded in these inputs"
    many = np.zeros((5, 2), dtype=bool)
    assert padded_text(many) == (
        "padded: row 0 steps 1-2, row 1 steps 1-2, row 2 steps 1-2, and 2 more row(s)"
    )


@pytest.mark.parametrize("keras_side", ["A", "B"])
def test_padding_that_repeats_h_against_padding_that_outputs_zeros(keras_side):
    a, b, x = padded_pair()
    if keras_side == "B":
        a, b = dataclasses.replace(b, name="A"), dataclasses.replace(a, name="B")
    diff = diff_layers(a, b, x, padding=Padding(REAL, REAL))
    finding = only(diff, "padding-output")
    assert finding.detail["repeats"] == keras_side
    assert finding.detail["rows"] == [0]  # row 2's padded steps come before any real one
    assert diff.first.step == 5
    assert diff.first.quantity == "output"
    zeros = "B" if keras_side == "A" else "A"
    assert (
        f"at padded step(s) 5-6 of row 0 {keras_side} repeats h of step 4 (" in finding.evidence[0]
    )
    assert finding.evidence[0].endswith(f"{zeros} outputs 0")
    assert finding.evidence[-1].startswith("undone, B's trace matches A's over 6 step(s) of 3")


def test_zero_output_for_mask_and_padding_only_before_the_first_real_step_agree():
    a, b, x = padded_pair()
    zeroing = dataclasses.replace(a, settings={"zero_output_for_mask": True})
    assert diff_layers(zeroing, b, x, padding=Padding(REAL, REAL)).agree
    start = REAL.copy()
    start[0] = True  # only row 2, padded at the start: a Keras layer outputs zeros there too
    assert diff_layers(a, b, x, padding=Padding(start, start)).agree


@pytest.mark.parametrize("ignores", ["A", "B"])
def test_a_mask_ignored_on_either_side(ignores):
    a, b, x = padded_pair("keras")
    masks = (None, REAL) if ignores == "A" else (REAL, None)
    finding = only(diff_layers(a, b, x, padding=Padding(*masks)), "mask-ignored")
    assert finding.detail == {"ignores": ignores, "rows": [0, 2]}
    other = "B" if ignores == "A" else "A"
    assert finding.summary.startswith(f"{ignores} runs the padded steps as real steps: {other}")
    assert finding.evidence[0].startswith(f"row 0, padded step(s) 5-6: {other} carries h of step 4")
    assert f"{ignores}'s h at step 5 is (" in finding.evidence[0]


def test_a_mask_ignored_by_a_bidirectional_layer():
    w = LSTMWeights.random(3, 2, seed=6)
    a = lstm(weights=Bidirectional(w, LSTMWeights.random(3, 2, seed=9)))
    b = SavedLayer("B", "onnx", a.weights, a.activation, a.recurrent_activation)
    x = np.random.default_rng(2).normal(size=(3, 6, 3)) * REAL[..., None]
    diff = diff_layers(a, b, x, padding=Padding(REAL, None))
    assert diff.causes == ("mask-ignored",), diff.report()  # both output zeros when masked


def test_padding_at_the_start_against_lengths_at_the_end():
    lengths = LayerMask("lengths", "sequence_lens (model input 'lens')")
    a, b, x = padded_pair(mask=lengths)
    diff = diff_layers(a, b, x, padding=Padding(REAL, AT_THE_END))
    # row 2 is padded at the start for A, at the end for B; row 0 at the end on both
    # sides, where A repeats h and B outputs zeros: two findings, confirmed together
    assert diff.causes == ("padding-moved", "padding-output"), diff.report()
    moved, output = diff.findings
    assert moved.detail == {"a": "at the start", "b": "at the end", "rows": [2]}
    assert moved.evidence[0].startswith("row 2: A masks steps 1-2 (at the start), B steps 5-6")
    assert moved.evidence[1].startswith("B's sequence_lens can only mark the last steps")
    assert output.detail == {"repeats": "A", "rows": [0]}
    assert moved.evidence[-1].startswith("undone with the other finding(s) of this diff")


def test_masks_that_differ_otherwise():
    a, b, x = padded_pair("keras")
    other = REAL.copy()
    other[0, 4] = True  # B masks step 6 of row 0 only
    finding = only(diff_layers(a, b, x, padding=Padding(REAL, other)), "mask-differs")
    assert finding.detail["rows"] == [0]
    assert finding.evidence[0] == "row 0: A masks step(s) 5-6, B step(s) 6"


def test_a_masking_mistake_and_a_gate_order_together():
    a = lstm(weights=LSTMWeights.random(3, 3, seed=4))
    w, order = a.weights, ORDERS["ONNX's i, o, f, c (a 3-cycle)"]
    arrays = (in_order(m, order, LSTM) for m in (w.kernel, w.recurrent_kernel, w.bias))
    b = SavedLayer("B", "onnx", LSTMWeights(*arrays), a.activation, a.recurrent_activation)
    x = np.random.default_rng(2).normal(size=(3, 6, 3)) * REAL[..., None]
    diff = diff_layers(a, b, x, padding=Padding(REAL, REAL))
    assert diff.causes == ("padding-output", "gate-order"), diff.report()
    assert diff.findings[0].evidence[-1] == (
        "undone, B's trace still differs from A's: see what follows"
    )
