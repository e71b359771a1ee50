"""PyTorch state dicts: every nn.LSTM and nn.GRU layer read in Keras's layout (its two
biases kept), and the engine's trace against the module's own output; files that hold
no recurrent weights, hold code or are cut short refused in one line, and a pickle that
would run code never runs."""

from __future__ import annotations

import os

import numpy as np
import pytest

from lstm_explained.saved.files import load_model
from tests.command_line import one_line_error, refused_in_a_fresh_process
from tests.saved.runs import X, agree, engine


def torch_state(torch, cell, **options):
    torch.manual_seed(0)
    net = torch.nn.Module()
    net.rnn = getattr(torch.nn, cell)(3, 4, batch_first=True, **options)
    return net


@pytest.mark.torch
@pytest.mark.parametrize(
    ("cell", "options"),
    [("LSTM", {"num_layers": 2, "bidirectional": True}),
     ("GRU", {"num_layers": 2, "bidirectional": True}),
     ("LSTM", {"bias": False}),
     ("GRU", {"num_layers": 2}),
     ("RNN", {"num_layers": 3, "bidirectional": True}),
     ("RNN", {"bias": False})],
)  # fmt: skip
def test_torch_state_dicts_reproduce_the_module(torch, tmp_path, cell, options):
    net = torch_state(torch, cell, **options)
    path = tmp_path / "model.pt"
    torch.save({"model_state_dict": net.state_dict(), "epoch": 3}, path)  # a checkpoint
    saved = load_model(path)
    top = saved.layers[-1].name
    _, chain, ours = engine(path, top)
    with torch.no_grad():
        theirs = net.rnn(torch.from_numpy(X).float())[0].numpy()
    agree(ours, theirs)
    layers = options.get("num_layers", 1)
    assert top == f"rnn, layer {layers - 1}"
    assert len(chain) == layers


@pytest.mark.torch
def test_torch_bias_halves_are_the_two_stored_biases_in_keras_order(torch, tmp_path):
    net = torch_state(torch, "GRU", bidirectional=True)
    torch.save(net.state_dict(), tmp_path / "gru.pth")
    layer = load_model(tmp_path / "gru.pth").layers[0]
    (fwd_in, fwd_rec), (bwd_in, _) = layer.bias_halves
    b_ih = net.rnn.bias_ih_l0.detach().double().numpy()  # rows r, z, n
    b_hh = net.rnn.bias_hh_l0.detach().double().numpy()
    assert np.array_equal(fwd_in, np.concatenate([b_ih[4:8], b_ih[0:4], b_ih[8:]]))  # z, r, n
    assert np.array_equal(fwd_rec, np.concatenate([b_hh[4:8], b_hh[0:4], b_hh[8:]]))
    reverse = net.rnn.bias_ih_l0_reverse.detach().double().numpy()
    assert np.array_equal(bwd_in[8:], reverse[8:])
    assert layer.settings["reset_after"] is True
    assert layer.dtype == "float32"


@pytest.mark.torch
def test_a_float64_state_dict_is_traced_and_checked_in_float64(torch, tmp_path):
    net = torch_state(torch, "LSTM").double()
    torch.save(net.state_dict(), tmp_path / "double.pt")
    _model, chain, ours = engine(tmp_path / "double.pt", dtype="float64")
    with torch.no_grad():
        theirs = net.rnn(torch.from_numpy(X))[0].numpy()
    agree(ours, theirs, atol=1e-13)
    assert chain[0].dtype == "float64"


@pytest.mark.torch
def test_bad_torch_files(capsys, torch, tmp_path):
    linear = torch.nn.Linear(2, 2)
    torch.save(linear.state_dict(), tmp_path / "linear.pt")
    err = one_line_error(capsys, "trace", tmp_path / "linear.pt")
    assert "holds no nn.LSTM, nn.GRU, nn.RNN or cell module weights" in err
    assert "'weight', 'bias'" in err
    torch.save(torch.nn.LSTM(2, 4, proj_size=2).state_dict(), tmp_path / "proj.pt")
    assert "proj_size" in one_line_error(capsys, "trace", tmp_path / "proj.pt")
    torch.save(torch.nn.LSTM(2, 2), tmp_path / "whole.pt")
    err = one_line_error(capsys, "trace", tmp_path / "whole.pt")
    assert "asks for torch.nn.modules.rnn.LSTM" in err
    assert "save model.state_dict()" in err
    torch.jit.save(torch.jit.script(torch.nn.LSTM(2, 2)), tmp_path / "script.pt")
    assert "TorchScript" in one_line_error(capsys, "trace", tmp_path / "script.pt")
    torch.save(torch.nn.LSTM(2, 2).state_dict(), tmp_path / "ok.pt")
    data = (tmp_path / "ok.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[:300])
    assert "truncated or corrupt" in one_line_error(capsys, "trace", tmp_path / "cut.pt")


@pytest.mark.torch
def test_a_malicious_pickle_is_refused_and_nothing_runs(torch, tmp_path):
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    torch.save({"rnn.weight_ih_l0": Payload()}, tmp_path / "evil.pt")
    err = refused_in_a_fresh_process(tmp_path / "evil.pt", marker)
    assert "asks for posix.system" in err
    assert "nothing from it ran" in err
