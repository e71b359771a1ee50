"""diff_layers: each known mistake, seeded here by hand on the arrays, is named as the
cause it is, and nothing else is.

Every mistake is made in this file with NumPy alone (splitting into gate blocks,
transposing, reshaping, adding a bias half), never with the package's own converters,
so the expected cause is the one the test seeded. The base layers are the fingerprint
networks (every weight its own small integer) and random ones with the default
activations; with input size == units, so that kernel blocks are square too.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from fractions import Fraction

import numpy as np
import pytest

from lstm_explained import (
    FINGERPRINT_GATE_ACTIVATION,
    Bidirectional,
    GRUWeights,
    LSTMInputError,
    LSTMWeights,
    ParametricActivation,
    fingerprint_bias_halves,
    fingerprint_gru_weights,
    fingerprint_weights,
)
from lstm_explained.diagnose.diff import TOLERANCE, Padding, default_inputs, diff_layers
from lstm_explained.saved.layer import LayerMask, SavedLayer

LSTM = ("input", "forget", "candidate", "output")
GRU = ("update", "reset", "candidate")


def floats(a):
    return np.asarray(a, dtype=np.float64)


def in_order(arr, order, gates):
    """The gate blocks of `arr` (last axis) rearranged so that block k holds gate order[k]:
    what reading a file stored in `order` as if it were Keras's order gives."""
    parts = np.split(floats(arr), len(gates), axis=-1)
    return np.concatenate([parts[gates.index(g)] for g in order], axis=-1)


def block_transposed(arr, k, units):
    out = floats(arr).copy()
    cols = slice(k * units, (k + 1) * units)
    out[:, cols] = out[:, cols].T
    return out


def reshaped(arr):
    """A (n*units, rows) matrix, the transpose of Keras's, read with reshape, not .T."""
    return floats(arr).T.reshape(np.shape(arr))


def keras_layer(name, weights, fingerprint, settings):
    """A Keras layer of `weights`, or of the `fingerprint` network with its own
    activations when no weights are given."""
    if weights is None:
        weights = fingerprint()
        settings = {
            "activation": "linear",
            "recurrent_activation": FINGERPRINT_GATE_ACTIVATION,
        } | settings
    return SavedLayer(name, "keras", weights, **settings)


def lstm(name="A", weights=None, **settings):
    """The fingerprint LSTM (its own activations) unless other weights are given."""
    return keras_layer(name, weights, fingerprint_weights, settings)


def gru(name="A", weights=None, **settings):
    """The fingerprint GRU (its own activations) unless other weights are given."""
    return keras_layer(name, weights, fingerprint_gru_weights, settings)


def like(a, kernel=None, recurrent=None, bias="same", name="B", **settings):
    """B: A's layer with some arrays replaced (settings from A unless given)."""
    w = a.weights
    kernel = floats(w.kernel) if kernel is None else kernel
    recurrent = floats(w.recurrent_kernel) if recurrent is None else recurrent
    bias = (None if w.bias is None else floats(w.bias)) if isinstance(bias, str) else bias
    if isinstance(w, GRUWeights):
        reset_after = settings.pop("reset_after", w.reset_after)
        weights = GRUWeights(kernel, recurrent, bias, reset_after=reset_after)
    else:
        weights = LSTMWeights(kernel, recurrent, bias)
    keep = {
        "activation": a.activation,
        "recurrent_activation": a.recurrent_activation,
        "go_backwards": a.go_backwards,
    } | settings
    return SavedLayer(name, "torch", weights, **keep)


BASES = {
    "fingerprint": lambda: lstm(),
    "random": lambda: lstm(weights=LSTMWeights.random(3, 3, seed=7)),  # tanh, sigmoid
}
GRU_BASES = {
    "fingerprint": lambda: gru(),
    "random": lambda: gru(weights=GRUWeights.random(3, 3, seed=8)),
}


def only(diff, cause):
    """The diff's one finding, after checking it is `cause` and the report says so."""
    assert not diff.agree
    assert diff.exit_code == 1
    assert diff.causes == (cause,), diff.report()
    assert f"{cause}: " in diff.report()
    return diff.findings[0]


# ---- gate orders -------------------------------------------------------------------

# One of each cycle type of the four LSTM gates, and the orders frameworks use.
ORDERS = {
    "i and f swapped": ("forget", "input", "candidate", "output"),
    "TensorFlow 1's i, c, f, o (f and c swapped)": ("input", "candidate", "forget", "output"),
    "ONNX's i, o, f, c (a 3-cycle)": ("input", "output", "forget", "candidate"),
    "another 3-cycle": ("forget", "candidate", "input", "output"),
    "a 4-cycle": ("output", "input", "forget", "candidate"),
    "two swaps": ("forget", "input", "output", "candidate"),
}


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("order", ORDERS.values(), ids=list(ORDERS))
def test_each_kind_of_gate_order_is_named(base, order):
    a = BASES[base]()
    w = a.weights
    b = like(a, *(in_order(m, order, LSTM) for m in (w.kernel, w.recurrent_kernel, w.bias)))
    finding = only(diff_layers(a, b), "gate-order")
    assert finding.detail["order"] == order


def test_the_order_names_its_class_and_framework():
    a = lstm()
    w = a.weights

    def summary(order):
        b = like(a, *(in_order(m, order, LSTM) for m in (w.kernel, w.recurrent_kernel, w.bias)))
        return diff_layers(a, b).findings[0].summary

    onnx = summary(ORDERS["ONNX's i, o, f, c (a 3-cycle)"])
    assert onnx.startswith("B's gates are in order i, o, f, g (ONNX's order) read as i, f, g, o")
    assert onnx.endswith("a 3-cycle of f, g, o")
    assert summary(ORDERS["i and f swapped"]).endswith("i and f swapped")
    tf1 = summary(ORDERS["TensorFlow 1's i, c, f, o (f and c swapped)"])
    assert "(TensorFlow 1's LSTMCell order)" in tf1
    assert summary(ORDERS["a 4-cycle"]).endswith("a 4-cycle of i, f, g, o")
    assert summary(ORDERS["two swaps"]).endswith("two swaps: i and f; g and o")


@pytest.mark.parametrize("base", BASES)
def test_all_23_lstm_orders_are_named_exactly(base):
    a = BASES[base]()
    w = a.weights
    named = 0
    for order in itertools.permutations(LSTM):
        if order == LSTM:
            continue
        b = like(a, *(in_order(m, order, LSTM) for m in (w.kernel, w.recurrent_kernel, w.bias)))
        diff = diff_layers(a, b)
        assert diff.causes == ("gate-order",), (order, diff.report())
        named += diff.findings[0].detail["order"] == order
    assert named == 23


@pytest.mark.parametrize("base", GRU_BASES)
def test_all_5_gru_orders_are_named_and_pytorchs_by_name(base):
    a = GRU_BASES[base]()
    w = a.weights
    for order in itertools.permutations(GRU):
        if order == GRU:
            continue
        b = like(a, *(in_order(m, order, GRU) for m in (w.kernel, w.recurrent_kernel, w.bias)))
        finding = only(diff_layers(a, b), "gate-order")
        assert finding.detail["order"] == order
        if order == ("reset", "update", "candidate"):  # PyTorch's r, z, n: z and r swapped
            assert "(PyTorch's and Flax's order)" in finding.summary
            assert finding.summary.endswith("z and r swapped")


# ---- transposes and reshapes --------------------------------------------------------


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize(("matrix", "k"), [("kernel", 3), ("recurrent_kernel", 1)])
def test_one_transposed_block_is_named_with_its_gate(base, matrix, k):
    a = BASES[base]()
    units = a.units
    arrays = {"kernel": None, "recurrent": None}
    arrays["kernel" if matrix == "kernel" else "recurrent"] = block_transposed(
        getattr(a.weights, matrix), k, units
    )
    finding = only(diff_layers(a, like(a, **arrays)), "transposed")
    assert dict(finding.detail) == {"matrix": matrix, "gates": (LSTM[k],)}


def test_every_recurrent_block_transposed():
    a = GRU_BASES["random"]()
    r = a.weights.recurrent_kernel
    for k in range(3):
        r = block_transposed(r, k, 3)
    finding = only(diff_layers(a, like(a, recurrent=r)), "transposed")
    assert finding.detail["gates"] == GRU
    assert "has every block transposed" in finding.summary


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize(
    "which", [("kernel",), ("recurrent_kernel",), ("kernel", "recurrent_kernel")]
)
def test_reshaped_instead_of_transposed(base, which):
    a = BASES[base]()
    w = a.weights
    b = like(
        a,
        kernel=reshaped(w.kernel) if "kernel" in which else None,
        recurrent=reshaped(w.recurrent_kernel) if "recurrent_kernel" in which else None,
    )
    assert only(diff_layers(a, b), "reshaped").detail["matrices"] == which


def test_reshaped_gru_read_from_pytorch():
    a = GRU_BASES["random"]()
    b = like(a, kernel=reshaped(a.weights.kernel), recurrent=reshaped(a.weights.recurrent_kernel))
    assert only(diff_layers(a, b), "reshaped").detail["matrices"] == ("kernel", "recurrent_kernel")


# ---- biases ---------------------------------------------------------------------------


def torch_like_lstm():
    """The fingerprint as PyTorch stores it: two bias halves, summed in the weights."""
    return lstm(bias_halves=fingerprint_bias_halves())


@pytest.mark.parametrize(("kept", "lost"), [(0, "recurrent"), (1, "input")])
def test_a_lost_bias_half_is_named_with_its_side(kept, lost):
    a = torch_like_lstm()
    b = like(a, bias=floats(fingerprint_bias_halves()[kept]))
    finding = only(diff_layers(a, b), "bias-half-missing")
    assert dict(finding.detail) == {"half": lost, "lacking": "B"}


def test_the_side_without_halves_can_be_the_one_that_lacks_one():
    b_ih, b_hh = (floats(h) for h in fingerprint_bias_halves())
    a = like(lstm(), bias=b_ih, name="A")
    b = SavedLayer(
        "B",
        "torch",
        fingerprint_weights(),
        "linear",
        FINGERPRINT_GATE_ACTIVATION,
        bias_halves=(b_ih, b_hh),
    )
    finding = only(diff_layers(a, b), "bias-half-missing")
    assert dict(finding.detail) == {"half": "recurrent", "lacking": "A"}


def test_a_half_counted_twice_and_both_halves_twice():
    a = torch_like_lstm()
    b_ih, b_hh = (floats(h) for h in fingerprint_bias_halves())
    twice = only(diff_layers(a, like(a, bias=b_ih + 2 * b_hh)), "bias-half-twice")
    assert dict(twice.detail) == {"half": "recurrent", "doubled": "B"}
    doubled = only(diff_layers(a, like(a, bias=2 * (b_ih + b_hh))), "bias-doubled")
    assert doubled.detail["doubled"] == "B"


def test_no_bias_at_all():
    a = BASES["random"]()
    assert only(diff_layers(a, like(a, bias=None)), "bias-missing").detail["lacking"] == "B"


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("delta", [1.0, -1.0])
def test_unit_forget_bias(base, delta):
    a = BASES[base]()
    units = a.units
    bias = floats(a.weights.bias).copy()
    bias[units : 2 * units] += delta  # the forget block, every unit
    assert only(diff_layers(a, like(a, bias=bias)), "forget-bias").detail["delta"] == delta


def test_a_gru_bias_row_lost_or_the_rows_swapped():
    a = GRU_BASES["random"]()
    rows = floats(a.weights.bias)
    lost = only(diff_layers(a, like(a, bias=np.stack([rows[0], 0 * rows[1]]))), "bias-half-missing")
    assert dict(lost.detail) == {"half": "recurrent", "lacking": "B"}
    only(diff_layers(a, like(a, bias=rows[::-1].copy())), "bias-rows-swapped")


# ---- reset_after ----------------------------------------------------------------------


@pytest.mark.parametrize("base", GRU_BASES)
def test_bias_rows_summed_and_run_reset_before(base):
    a = GRU_BASES[base]()  # reset_after=True, two bias rows
    rows = floats(a.weights.bias)
    b = like(a, bias=rows[0] + rows[1], reset_after=False)
    finding = only(diff_layers(a, b), "reset-after")
    assert dict(finding.detail) == {"a": True, "b": False}
    assert "sum of A's two rows" in finding.evidence[0]


def test_the_same_numbers_run_with_the_other_convention():
    a = gru(weights=GRUWeights.random(3, 3, seed=9, reset_after=False))
    one = floats(a.weights.bias)
    b = like(a, bias=np.stack([one, np.zeros_like(one)]), reset_after=True)
    assert dict(only(diff_layers(a, b), "reset-after").detail) == {"a": False, "b": True}


def test_an_onnx_gru_read_as_reset_before_keeps_its_halves():
    a = GRU_BASES["random"]()
    rows = floats(a.weights.bias)
    b = SavedLayer(
        "B",
        "onnx",
        like(a, bias=rows[0] + rows[1], reset_after=False).weights,
        bias_halves=(rows[0], rows[1]),
    )
    finding = only(diff_layers(a, b), "reset-after")
    assert "keeps the two halves" in finding.evidence[0]


# ---- activations, direction -----------------------------------------------------------

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


# ---- several mistakes at once, none, and agreement ---------------------------------


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
    # so the first value that differs is the input gate's pre-activation of unit 0
    assert lines[0].startswith(
        "A and B differ beyond tolerance 1e-05, first at step 1, "
        "batch row 0: the input gate's pre-activation, unit 0: A "
    )
    assert lines[1] == "    A: A (keras LSTM, forward, 2 units, float32)"
    assert lines[2] == "    B: B (torch LSTM, forward, 2 units, float32)"
    assert lines[3].startswith("gate-order: B's gates are in order f, i, g, o read as")
    assert all(line.startswith("    ") for line in lines[4:])
    assert "against" in lines[-1]


# ---- masking: the masks written here by hand, (batch, time), True at a real step --------

REAL = np.array([
    [1, 1, 1, 1, 0, 0],  # row 0: padded at the end, steps 5-6
    [1, 1, 1, 1, 1, 1],  # row 1: no padding
    [0, 0, 1, 1, 1, 1],  # row 2: padded at the start, steps 1-2
], dtype=bool)  # fmt: skip
AT_THE_END = np.array([[1, 1, 1, 1, 0, 0], [1] * 6, [1, 1, 1, 1, 0, 0]], dtype=bool)


def padded_pair(framework_b="onnx", weights=None, **settings):
    """A Keras layer (masked steps repeat the last output) and B, the same weights in
    `framework_b` (ONNX: masked steps output zeros), with inputs of 3 rows and 6 steps."""
    a = lstm(weights=LSTMWeights.random(3, 3, seed=4) if weights is None else weights)
    b = SavedLayer("B", framework_b, a.weights, a.activation, a.recurrent_activation, **settings)
    x = np.random.default_rng(2).normal(size=(3, 6, 3)) * REAL[..., None]
    return a, b, x


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
