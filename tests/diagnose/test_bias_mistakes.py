"""Mistakes in a layer's bias, each seeded by hand and named by diff_layers: a bias half
lost or counted twice (on either side), both doubled, none at all, the forget gate's 1
of unit_forget_bias, a GRU's two rows lost or swapped, and a GRU's bias carried into the
other reset_after form, also from an ONNX model's own tensors."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_explained import (
    FINGERPRINT_GATE_ACTIVATION,
    GRUWeights,
    fingerprint_bias_halves,
    fingerprint_weights,
    to_onnx,
)
from lstm_explained.diagnose.diff import diff_layers
from lstm_explained.saved.layer import SavedLayer
from tests.diagnose.seeded import (
    BASES,
    GRU_BASES,
    floats,
    gru,
    like,
    lstm,
    only,
    onnx_tensors,
    torch_like_lstm,
)


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


@pytest.mark.onnx
def test_an_onnx_gru_read_without_linear_before_reset(onnx):
    w = GRUWeights.random(2, 3, seed=4)  # reset_after=True: linear_before_reset=1
    a = SavedLayer("gru", "keras", w)
    model = to_onnx(w)
    t = onnx_tensors(onnx, model)
    W, R, B = t["layer0_W"][0], t["layer0_R"][0], t["layer0_B"][0]  # z, r, h as Keras
    # a reader that ignores linear_before_reset sums Wb and Rb into one reset-before bias
    summed = GRUWeights(W.T, R.T, B[:9] + B[9:], reset_after=False)
    read = SavedLayer("layer0", "onnx", summed, bias_halves=(B[:9], B[9:]))
    diff = diff_layers(a, read)
    assert diff.causes == ("reset-after",), diff.report()
    assert dict(diff.findings[0].detail) == {"a": True, "b": False}
