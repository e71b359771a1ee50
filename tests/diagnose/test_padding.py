"""padding_of: each side's mask over the inputs, made as its model makes it. The inputs
and the masks expected are written here by hand: a Keras `Masking` layer masks a step
whose features all equal mask_value (compared in float32, as Keras does), an ONNX
node's sequence_lens masks every step past each row's length."""

from __future__ import annotations

import numpy as np

from lstm_explained import LSTMWeights
from lstm_explained.diagnose.padding import Padding, padded_text, padding_of, steps_text
from lstm_explained.saved.layer import LayerMask, SavedLayer

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
REAL = np.array([
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
    np.testing.assert_array_equal(padding.a, REAL)
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
    np.testing.assert_array_equal(padding.b, REAL)
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
