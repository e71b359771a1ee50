"""A state dict's recurrent modules: nn.LSTMCell, nn.GRUCell and nn.RNNCell traced as a
decoder loop calls them, each compared with the cell run in a loop in PyTorch here;
several modules in one file, each listed and traced by name; the plain recurrent cell's
nonlinearity, which the file does not hold, given or assumed and said so; tensors that
make no module refused, saying which."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.command_line import flat, one_line_error, run
from tests.saved.runs import X

pytestmark = pytest.mark.torch


def decoder_model(torch, cell, dtype=None):
    """An nn.LSTM encoder and a decoder holding `cell` (3 features, 5 units) under
    `decoder.cell`, as a sequence-to-sequence model keeps them."""
    torch.manual_seed(3)
    net = torch.nn.Module()
    net.encoder = torch.nn.LSTM(3, 4, batch_first=True)
    net.decoder = torch.nn.Module()
    net.decoder.cell = getattr(torch.nn, cell)(3, 5)
    net.decoder.out = torch.nn.Linear(5, 3)
    return net if dtype is None else net.to(dtype)


def loop(torch, cell, x, state=None):
    """What a decoder loop computes: the cell called once per step; the h of every step
    (batch, time, units) and the last state."""
    outputs = []
    with torch.no_grad():
        for t in range(x.shape[1]):
            state = cell(x[:, t], state)
            outputs.append(state[0] if isinstance(state, tuple) else state)
    return torch.stack(outputs, dim=1).numpy(), state


def traced(capsys, path, *args):
    code, out, err = run(capsys, "trace", path, *args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize("cell", ["LSTMCell", "GRUCell", "RNNCell"])
@pytest.mark.parametrize("nested", ["model_state_dict", "state_dict", "model"])
def test_a_cell_is_traced_as_a_loop_calls_it(capsys, torch, tmp_path, cell, nested):
    net = decoder_model(torch, cell)
    path = tmp_path / "seq2seq.pt"
    torch.save({nested: net.state_dict(), "epoch": 7, "optimizer": {"lr": 0.1}}, path)
    _, listing, _ = run(capsys, "trace", path, "--list")
    assert "1. encoder, layer 0: LSTM, input size 3, 4 units" in listing
    kind = cell.removesuffix("Cell")
    assert f"2. decoder.cell: {kind}, input size 3, 5 units, forward" in listing
    assert f"module=nn.{cell}" in flat(listing)
    doc = traced(capsys, path, "--layer", "decoder.cell", "-i", json.dumps(X.tolist()))
    assert doc["check"]["checked"] is True
    assert doc["check"]["what"].startswith(f"PyTorch called nn.{cell} once per step")
    ours, state = loop(torch, net.decoder.cell, torch.from_numpy(X).float())
    np.testing.assert_allclose(doc["outputs"]["output"], ours, rtol=0, atol=2e-6)
    finals = state if isinstance(state, tuple) else (state,)
    for name, value in zip(("h_n", "c_n"), finals, strict=False):
        np.testing.assert_allclose(doc["outputs"][name], value[None].numpy(), rtol=0, atol=2e-6)
    # the other module of the same file, by its name
    doc = traced(capsys, path, "--layer", "encoder, layer 0", "-i", json.dumps(X.tolist()))
    with torch.no_grad():
        theirs = net.encoder(torch.from_numpy(X).float())[0].numpy()
    np.testing.assert_allclose(doc["outputs"]["output"], theirs, rtol=0, atol=2e-6)


def test_a_cell_starts_from_the_state_given(capsys, torch, tmp_path):
    net = decoder_model(torch, "LSTMCell")
    torch.save(net.state_dict(), tmp_path / "m.pt")
    h0, c0 = np.random.default_rng(4).uniform(-1, 1, (2, 2, 5))  # (batch, units) each
    np.savez(tmp_path / "s.npz", h=h0, c=c0)
    doc = traced(capsys, tmp_path / "m.pt", "--layer", "decoder.cell", "-i",
                 json.dumps(X.tolist()), "--initial-state", tmp_path / "s.npz")  # fmt: skip
    assert doc["check"]["checked"] is True
    start = (torch.from_numpy(h0).float(), torch.from_numpy(c0).float())
    ours, _ = loop(torch, net.decoder.cell, torch.from_numpy(X).float(), start)
    np.testing.assert_allclose(doc["outputs"]["output"], ours, rtol=0, atol=2e-6)


def test_a_float64_cell_is_traced_and_checked_in_float64(capsys, torch, tmp_path):
    net = decoder_model(torch, "GRUCell", torch.float64)
    torch.save(net.state_dict(), tmp_path / "m.pt")
    doc = traced(capsys, tmp_path / "m.pt", "--layer", "decoder.cell", "-i",
                 json.dumps(X.tolist()))  # fmt: skip
    assert doc["check"]["tolerance"] == 1e-9
    ours, _ = loop(torch, net.decoder.cell, torch.from_numpy(X))
    np.testing.assert_allclose(doc["outputs"]["output"], ours, rtol=0, atol=1e-13)


@pytest.mark.parametrize("suffix", [".pt", ".safetensors"])
def test_an_nn_rnns_nonlinearity_is_given_or_assumed_and_said_so(capsys, torch, tmp_path, suffix):
    torch.manual_seed(6)
    net = torch.nn.Module()
    net.rnn = torch.nn.RNN(3, 4, num_layers=2, nonlinearity="relu", batch_first=True)
    net.step = torch.nn.RNNCell(3, 2, nonlinearity="relu")
    path = tmp_path / f"m{suffix}"
    if suffix == ".pt":
        torch.save(net.state_dict(), path)
    else:
        from safetensors.torch import save_file

        save_file(dict(net.state_dict()), str(path))
    with torch.no_grad():
        relu_out = net.rnn(torch.from_numpy(X).float())[0].numpy()
        tanh_twin = torch.nn.RNN(3, 4, num_layers=2, batch_first=True)  # tanh, same weights
        tanh_twin.load_state_dict(net.rnn.state_dict())
        tanh_out = tanh_twin(torch.from_numpy(X).float())[0].numpy()
    top, x = "rnn, layer 1", json.dumps(X.tolist())
    doc = traced(capsys, path, "--layer", top, "-i", x, "--nonlinearity", "relu")
    assert doc["activation"] == "relu"
    assert doc["settings"]["nonlinearity"].startswith("relu (given")
    assert "nonlinearity='relu'" in doc["check"]["what"]
    assert "as assumed" not in doc["check"]["what"]
    np.testing.assert_allclose(doc["outputs"]["output"], relu_out, rtol=0, atol=2e-6)
    # without the option: tanh, PyTorch's default, and the report says it was assumed
    doc = traced(capsys, path, "--layer", top, "-i", x)
    assert doc["activation"] == "tanh"
    assert doc["settings"]["nonlinearity"].startswith("tanh (assumed, PyTorch's default")
    # the check rebuilt the module with the same assumption, and says what it cannot confirm
    assert doc["check"]["what"].endswith(
        "; tanh, as assumed, on both sides: this confirms the arithmetic, not which "
        "nonlinearity the model was built with"
    )
    np.testing.assert_allclose(doc["outputs"]["output"], tanh_out, rtol=0, atol=2e-6)
    assert np.max(np.abs(np.asarray(doc["outputs"]["output"]) - relu_out)) > 0.1
    doc = traced(capsys, path, "--layer", "step", "-i", x, "--nonlinearity", "relu")
    ours, _ = loop(torch, net.step, torch.from_numpy(X).float())
    np.testing.assert_allclose(doc["outputs"]["output"], ours, rtol=0, atol=2e-6)
    _, listing, _ = run(capsys, "trace", path, "--list")
    assert "1. rnn, layer 0: RNN, input size 3, 4 units, forward" in listing
    assert "recurrent_activation" not in flat(listing).split("step: RNN")[-1]


def test_nonlinearity_is_only_for_a_state_dict(capsys, onnx, tmp_path):
    from lstm_explained import RNNWeights, to_onnx

    (tmp_path / "m.onnx").write_bytes(to_onnx(RNNWeights.random(3, 2, seed=0)).SerializeToString())
    err = one_line_error(capsys, "trace", tmp_path / "m.onnx", "--nonlinearity", "relu")
    assert "nonlinearity is for a PyTorch state dict's nn.RNN, which does not store it" in err
    code, _, err = run(capsys, "trace", tmp_path / "m.onnx", "--nonlinearity", "sigmoid")
    assert code == 2
    assert "'sigmoid' is not one of 'tanh', 'relu'" in err


CELL = "an nn.LSTMCell with input_size=3, hidden_size=5 whose tensors do not fit"
NONE = "a set of tensors named as a recurrent module's that make none"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s, torch: s.pop("decoder.cell.bias_hh"), f"{CELL} (bias_hh is missing)"),
        (lambda s, torch: s.__setitem__("decoder.cell.bias_ih", torch.zeros(21)),
         f"{CELL} (bias_ih has shape (21,), not (20,))"),
        (lambda s, torch: s.__setitem__("decoder.cell.weight_hh", torch.zeros(10, 5)),
         f"{NONE} (weight_hh of shape (10, 5) is not (n*H, H) for an LSTM, n = 4, a GRU, n = 3"),
        (lambda s, torch: s.__setitem__("decoder.cell.weight_ih",
                                        torch.zeros(20, 3, dtype=torch.int8)),
         f"{NONE} (weight_ih is stored as int8, not as floating-point weights"),
        (lambda s, torch: s.pop("decoder.cell.weight_ih"), f"{NONE} (weight_ih is missing)"),
    ],
)  # fmt: skip
def test_tensors_that_make_no_cell_are_refused_saying_which(capsys, torch, tmp_path, change,
                                                            message):  # fmt: skip
    state = decoder_model(torch, "LSTMCell").state_dict()
    change(state, torch)
    torch.save(state, tmp_path / "m.pt")
    _, listing, _ = run(capsys, "trace", tmp_path / "m.pt", "--list")
    assert f"- decoder.cell: not computed: {message}" in flat(listing)
    assert "1. encoder, layer 0" in listing  # the rest of the file is still read
    err = one_line_error(capsys, "trace", tmp_path / "m.pt", "--layer", "decoder.cell")
    assert f"layer 'decoder.cell' is {message}" in err


def test_layers_that_do_not_stack_are_refused(capsys, torch, tmp_path):
    state = torch.nn.LSTM(3, 4, num_layers=3).state_dict()
    state["weight_ih_l1"] = torch.zeros(16, 3)  # layer 1 reads layer 0's 4 units
    torch.save(state, tmp_path / "m.pt")
    err = one_line_error(capsys, "trace", tmp_path / "m.pt")
    assert ("has no LSTM, GRU or RNN the engine computes: (top level) is an nn.LSTM with "
            "input_size=3, hidden_size=4, num_layers=3, bidirectional=False whose tensors do "
            "not fit (weight_ih_l1 has shape (16, 3), not (16, 4))") in err  # fmt: skip
    for key in [k for k in state if k.endswith("_l1")]:
        del state[key]
    torch.save(state, tmp_path / "gap.pt")
    err = one_line_error(capsys, "trace", tmp_path / "gap.pt")
    assert "whose tensors do not fit (weight_ih_l1 is missing)" in err


def test_a_proj_size_lstm_is_traced_and_checked_against_pytorch(capsys, torch, tmp_path):
    torch.manual_seed(8)
    net = torch.nn.Module()
    net.rnn = torch.nn.LSTM(3, 5, proj_size=2, num_layers=2, batch_first=True)
    torch.save(net.state_dict(), tmp_path / "proj.pt")
    h0, c0 = np.random.default_rng(2).uniform(-1, 1, (2, 2)), np.zeros((2, 5))
    np.savez(tmp_path / "s.npz", h=h0, c=c0)  # h has proj_size values, c hidden_size
    doc = traced(capsys, tmp_path / "proj.pt", "--layer", "rnn, layer 0", "-i",
                 json.dumps(X.tolist()), "--initial-state", tmp_path / "s.npz")  # fmt: skip
    assert doc["settings"]["proj_size"] == 2
    assert doc["units"] == 2  # what the layer outputs per step
    assert doc["check"]["checked"] is True
    assert doc["check"]["ok"] is True
    assert np.array(doc["trace"]["weights"]["projection"]).shape == (5, 2)
    start = (torch.from_numpy(h0[None]).float(), torch.from_numpy(c0[None]).float())
    with torch.no_grad():
        layer0 = torch.nn.LSTM(3, 5, proj_size=2, batch_first=True)
        layer0.load_state_dict({k[:-3] + "_l0": v for k, v in net.rnn.state_dict().items()
                                if k.endswith("_l0")})  # fmt: skip
        theirs, (h_n, c_n) = layer0(torch.from_numpy(X).float(), start)
    for name, value in (("output", theirs), ("h_n", h_n), ("c_n", c_n)):
        np.testing.assert_allclose(doc["outputs"][name], value.numpy(), atol=2e-6, rtol=0)


def test_a_proj_size_lstm_whose_tensors_do_not_fit_is_refused(capsys, torch, tmp_path):
    state = torch.nn.LSTM(3, 5, proj_size=2).state_dict()
    state["weight_hr_l0"] = torch.zeros(2, 4)  # (P, H) with the wrong H
    torch.save(state, tmp_path / "bad.pt")
    err = one_line_error(capsys, "trace", tmp_path / "bad.pt")
    assert (
        "(weight_hh_l0 of shape (20, 2) is not (4*H, P) for weight_hr_l0 of shape (2, 4), "
        "(P, H))" in err
    )
