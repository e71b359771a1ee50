"""Mistakes in how a file's matrices were laid out, each seeded by hand and named by
diff_layers as its cause: every other gate order (23 for an LSTM, 5 for a GRU) with
its cycle class and the framework whose order it is, square gate blocks transposed,
matrices reshaped instead of transposed; and PyTorch's and ONNX's own tensors read in
their own gate order."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from lstm_explained import GRUWeights, LSTMWeights, from_onnx, to_onnx
from lstm_explained.diagnose.diff import default_inputs, diff_layers
from lstm_explained.frameworks.torch_adapter import weights_from_torch
from lstm_explained.saved.layer import SavedLayer
from tests.diagnose.seeded import (
    BASES,
    GRU,
    GRU_BASES,
    LSTM,
    ORDERS,
    block_transposed,
    in_order,
    like,
    lstm,
    only,
    onnx_tensors,
    reshaped,
    tensors,
)


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


@pytest.mark.torch
def test_a_pytorch_gru_read_in_its_own_gate_order(torch):
    torch.manual_seed(1)
    module = torch.nn.GRU(2, 3, batch_first=True)
    t = tensors(module)
    a = SavedLayer("gru", "torch", weights_from_torch(module))
    x = default_inputs(2, steps=6)
    with torch.no_grad():
        out, _ = module(torch.from_numpy(x).float())
    np.testing.assert_allclose(a.trace(x).sequence_out, out.double().numpy(), atol=1e-6)

    # transposed, but PyTorch's row blocks r, z, n taken as Keras's z, r, h
    as_is = GRUWeights(
        t["weight_ih_l0"].T, t["weight_hh_l0"].T, np.stack([t["bias_ih_l0"], t["bias_hh_l0"]])
    )
    diff = diff_layers(a, SavedLayer("gru", "keras", as_is))
    assert diff.causes == ("gate-order",), diff.report()
    assert diff.findings[0].detail["order"] == ("reset", "update", "candidate")
    assert "PyTorch's" in diff.findings[0].summary


@pytest.mark.onnx
def test_an_onnx_lstm_read_back_agrees_and_read_in_its_order_is_named(onnx):
    w = LSTMWeights.random(3, 4, seed=3)
    w = LSTMWeights(
        *(np.float32(m).astype(np.float64) for m in (w.kernel, w.recurrent_kernel, w.bias))
    )
    a = SavedLayer("lstm", "keras", w)
    model = to_onnx(w)
    (node,) = from_onnx(model)
    t = onnx_tensors(onnx, model)
    W, R, B = t["layer0_W"][0], t["layer0_R"][0], t["layer0_B"][0]  # (16, 3), (16, 4), (32,)

    def keras_order(rows):  # ONNX's blocks i, o, f, c -> Keras's i, f, c, o
        parts = np.split(rows, 4)
        return np.concatenate([parts[k] for k in (0, 2, 3, 1)])

    halves = (keras_order(B[:16]), keras_order(B[16:]))
    read = SavedLayer("layer0", "onnx", node.weights, bias_halves=halves)
    assert diff_layers(a, read).agree

    in_onnx_order = LSTMWeights(W.T, R.T, B[:16] + B[16:])
    diff = diff_layers(a, SavedLayer("layer0", "onnx", in_onnx_order))
    assert diff.causes == ("gate-order",), diff.report()
    assert diff.findings[0].detail["order"] == ("input", "output", "forget", "candidate")
    assert "(ONNX's order)" in diff.findings[0].summary
