"""diff_layers on layers read from real PyTorch modules and ONNX models: read correctly
they agree; read with a deliberate mistake (made here, on the framework's own tensors)
the diff names it.

A correctly read layer is first checked against the framework itself (PyTorch's own
output), so the comparison starts from a layer known to be right.
"""

from __future__ import annotations

import numpy as np
import pytest

from lstm_explained import GRUWeights, LSTMWeights, from_onnx, to_onnx
from lstm_explained.diagnose.diff import default_inputs, diff_layers
from lstm_explained.frameworks.torch_adapter import weights_from_torch
from lstm_explained.saved.layer import SavedLayer


def tensors(module):
    """The module's weights by name, as float64 arrays."""
    return {name: p.detach().double().numpy() for name, p in module.named_parameters()}


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


def onnx_tensors(onnx, model):
    return {
        i.name: onnx.numpy_helper.to_array(i).astype(np.float64) for i in model.graph.initializer
    }


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
