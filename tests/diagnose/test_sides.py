"""sides.py: one direction of a saved layer as the diagnosis compares it, and where two of
them differ, block by block and setting by setting. The layers are built here with
NumPy by hand, and every expected difference is worked out in the comments."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_explained import Bidirectional, GRUWeights, LSTMInputError, LSTMWeights
from lstm_explained import ParametricActivation as Parametric
from lstm_explained.diagnose.sides import (
    PROBE,
    Side,
    activation_values,
    block,
    block_correlations,
    block_differences,
    close,
    largest_weight_difference,
    mismatches,
    relative_difference,
    same_function,
)
from lstm_explained.saved.layer import SavedLayer

# One input, one unit: kernel (i, f, g, o) = (1, 2, 3, 4), recurrent 5..8, bias 9..12.
KERNEL, RECURRENT, BIAS = [[1.0, 2, 3, 4]], [[5.0, 6, 7, 8]], [9.0, 10, 11, 12]


def side(kernel=KERNEL, recurrent=RECURRENT, bias=BIAS, **settings):
    layer = SavedLayer("A", "keras", LSTMWeights(kernel, recurrent, bias), **settings)
    return Side.of(layer, "A")


def test_differences_are_absolute_below_one_and_relative_above():
    # |0.5 - 0.25| = 0.25; |100 - 110| / 110; inf against inf is equal; NaN differs by inf
    a = [0.5, 100.0, np.inf, np.nan, -2.0]
    b = [0.25, 110.0, np.inf, 1.0, -2.0]
    np.testing.assert_array_equal(relative_difference(a, b), [0.25, 10 / 110, 0.0, np.inf, 0.0])
    assert close(np.array([1.0, 200.0]), np.array([1.0 + 1e-6, 200.0 + 1e-4]), 1e-5)
    assert not close(np.array([1.0, 200.0]), np.array([1.0, 200.1]), 1e-5)  # 0.1/200.1
    assert not close(np.zeros(2), np.zeros((1, 2)), 1.0)  # shapes differ


def test_activations_are_compared_on_321_points_from_minus_8_to_8():
    assert (len(PROBE), PROBE[0], PROBE[-1]) == (321, -8.0, 8.0)
    assert np.diff(PROBE) == pytest.approx(np.full(320, 0.05))
    assert activation_values("relu")[[0, 160, 320]].tolist() == [0.0, 0.0, 8.0]
    assert same_function(None, "linear", 1e-12)  # None is linear, as in Keras
    # Keras 3's hard_sigmoid is x/6 + 1/2, clipped: the parametric form with 1/6 and 1/2
    assert same_function("hard_sigmoid", Parametric("hard_sigmoid", 1 / 6, 0.5), 1e-12)
    assert not same_function("hard_sigmoid", Parametric("hard_sigmoid", 0.2, 0.5), 1e-3)
    assert not same_function("tanh", "sigmoid", 1e-3)


def test_a_side_holds_one_directions_weights_as_float64_and_its_settings():
    a = side(activation="relu", go_backwards=True)
    assert (a.cell, a.units, a.gates) == ("LSTM", 1, ("input", "forget", "candidate", "output"))
    assert a.kernel.dtype == np.float64
    assert a.kernel.tolist() == KERNEL
    assert (a.activation, a.recurrent_activation, a.go_backwards) == ("relu", "sigmoid", True)
    assert a.letters() == "i, f, g, o"
    assert a.letters(("forget", "input", "candidate", "output")) == "f, i, g, o"
    assert block(a.recurrent_kernel, 2, 4).tolist() == [[7.0]]  # the candidate's block


def test_a_missing_bias_is_zeros_of_the_cells_shape():
    assert side(bias=None).full_bias().tolist() == [0, 0, 0, 0]
    gru = SavedLayer("G", "onnx", GRUWeights(np.ones((1, 6)), np.ones((2, 6)), None))
    assert Side.of(gru, "B").full_bias().shape == (2, 6)  # reset_after: two rows of 3*2
    assert Side.of(gru, "B").letters() == "z, r, n"


def test_each_direction_of_a_bidirectional_layer_with_its_own_bias_halves():
    forward_w = LSTMWeights(KERNEL, RECURRENT, BIAS)
    backward_w = LSTMWeights([[4.0, 3, 2, 1]], RECURRENT, BIAS)
    halves = ((np.ones(4), np.full(4, 8.0)), (np.zeros(4), np.array(BIAS)))
    layer = SavedLayer("B", "torch", Bidirectional(forward_w, backward_w), bias_halves=halves)
    ahead, back = Side.of(layer, "B", "forward"), Side.of(layer, "B", "backward")
    assert (ahead.kernel.tolist(), ahead.go_backwards) == (KERNEL, False)
    assert (back.kernel.tolist(), back.go_backwards) == ([[4.0, 3, 2, 1]], True)
    assert [h.tolist() for h in ahead.halves] == [[1] * 4, [8] * 4]
    assert [h.tolist() for h in back.halves] == [[0] * 4, BIAS]


@pytest.mark.parametrize(
    ("weights", "halves", "message"),
    [
        (
            LSTMWeights(KERNEL, RECURRENT, BIAS),
            (np.zeros(4),),
            "A.bias_halves must be (input side, recurrent side), two arrays of shape (4,) in "
            "Keras's gate order; got (array([0., 0., 0., 0.]),)",
        ),
        (
            LSTMWeights(KERNEL, RECURRENT, BIAS),
            (np.zeros(4), np.zeros(8)),
            "A.bias_halves must be (input side, recurrent side), two arrays of shape (4,)",
        ),
        (
            Bidirectional(LSTMWeights(KERNEL, RECURRENT, BIAS), LSTMWeights(KERNEL, RECURRENT)),
            (np.zeros(4), np.zeros(4), np.zeros(4)),
            "A.bias_halves of a bidirectional layer must be a pair, one (input side, "
            "recurrent side) per direction",
        ),
    ],
)
def test_bias_halves_of_the_wrong_shape_are_refused_naming_the_layer(weights, halves, message):
    layer = SavedLayer("A", "torch", weights, bias_halves=halves)
    with pytest.raises(LSTMInputError) as caught:
        Side.of(layer, "A")
    assert str(caught.value).startswith(message)


def test_mismatches_name_each_block_and_setting_that_differs():
    a = side()
    assert mismatches(a, a, 1e-5) == []
    # f's kernel 2 -> 2.5 (0.5 / 2.5 = 0.2 relative), o's bias 12 -> 13 (1/13), go_backwards
    # and tanh -> relu
    b = side([[1.0, 2.5, 3, 4]], bias=[9.0, 10, 11, 13], go_backwards=True, activation="relu")
    assert mismatches(a, b, 1e-5) == [
        "kernel block f",
        "bias block o",
        "activation",
        "go_backwards",
    ]
    assert mismatches(a, b, 0.25) == ["activation", "go_backwards"]  # 0.2, 1/13 within
    gru_rows = GRUWeights(np.ones((1, 3)), np.ones((1, 3)), np.zeros((2, 3)))
    gru_one = GRUWeights(np.ones((1, 3)), np.ones((1, 3)), np.zeros(3), reset_after=False)
    left = Side.of(SavedLayer("A", "keras", gru_rows), "A")
    right = Side.of(SavedLayer("B", "keras", gru_one), "B")
    assert mismatches(left, right, 1e-5) == ["bias layout", "reset_after"]


def test_the_blocks_that_differ_with_their_largest_difference():
    a = side()
    # g's kernel 3 -> 3.25 (0.25 / 3.25 relative), o's recurrent 8 -> 8.5 (0.5 / 8.5)
    b = side([[1.0, 2.0, 3.25, 4]], [[5.0, 6, 7, 8.5]])
    assert block_differences(a, b, 1e-5) == [
        "kernel blocks that differ (largest difference): g 0.0769",
        "recurrent kernel blocks that differ (largest difference): o 0.0588",
    ]
    assert largest_weight_difference(a, b) == pytest.approx(0.25 / 3.25)
    assert block_differences(a, b, 0.07) == [
        "kernel blocks that differ (largest difference): g 0.0769"
    ]


def test_which_of_as_blocks_each_of_bs_blocks_looks_most_like():
    a = Side.of(SavedLayer("A", "keras", LSTMWeights.random(3, 3, seed=11)), "A")
    k = a.kernel
    swapped = np.concatenate([k[:, 3:6], k[:, 0:3], k[:, 6:]], axis=1)  # i and f exchanged
    b = a.replace(kernel=swapped)
    assert block_correlations(a, b, "kernel") == "i~f 1.00, f~i 1.00, g~g 1.00, o~o 1.00"
