"""`lstm-explained trace MODEL`: listing, tables, hand calculations, JSON and .npz of a
user's own model, each number compared with the framework that saved the model, and the
exit status of a check that fails or cannot run; a bad option is one line on stderr and
exit status 2. (Files that are refused are in tests/saved/, with their readers.)"""

from __future__ import annotations

import json
import re
import sys

import numpy as np
import pytest

from tests.command_line import flat, one_line_error, run, working_lines
from tests.docs.arithmetic import lines_that_do_not_add_up

RNG = np.random.default_rng(11)
X = RNG.uniform(-1, 1, (2, 6, 3))  # (batch, time, features)


def torch_output(torch, module, x):
    with torch.no_grad():
        return module(torch.from_numpy(np.asarray(x)).float())[0].numpy()


@pytest.mark.torch
def test_list_shows_each_layer_and_its_settings(capsys, torch_file):
    code, out, _ = run(capsys, "trace", torch_file[0], "--list")
    assert code == 0
    first, second = flat(out).split(" 2. ")  # wrapped lines joined
    assert first.endswith(
        ": 2 recurrent layer(s) 1. encoder, layer 0: LSTM, input size 3, 5 units per direction, "
        "output 10, bidirectional; reads the model's input weights float32, activation=tanh, "
        "recurrent_activation=sigmoid, num_layers=2, bias=True, bidirectional=True"
    )
    assert second.startswith("encoder, layer 1: LSTM, input size 10, 5 units per direction")
    assert "bidirectional; reads the output of encoder, layer 0 weights float32" in second


@pytest.mark.torch
def test_npz_holds_the_top_layers_output_and_the_chosen_units(capsys, torch, torch_file, tmp_path):
    path, module = torch_file
    np.save(tmp_path / "x.npy", X)
    npz = tmp_path / "trace.npz"
    code, out, err = run(capsys, "trace", path, "--layer", "encoder, layer 1", "--inputs",
                         tmp_path / "x.npy", "--units", "2,4", "--npz", npz)  # fmt: skip
    assert code == 0, err
    arrays = np.load(npz)
    theirs = torch_output(torch, module, X)  # (batch, time, 2*5), the top layer's output
    np.testing.assert_allclose(arrays["layer_output"], theirs, atol=2e-6, rtol=0)
    # the forward direction's h is the first 5 columns of PyTorch's output
    np.testing.assert_allclose(arrays["forward_h"], theirs[..., :5], atol=2e-6, rtol=0)
    # the backward direction ran from the last step: its step k is input step T - k
    np.testing.assert_allclose(arrays["backward_h"][:, ::-1], theirs[..., 5:], atol=2e-6, rtol=0)
    assert arrays["forward_units"].tolist() == [1, 3]  # units 2 and 4, indexed from 0
    assert "x has 10 features per step: left out of the table" in out
    assert arrays["forward_gate_input"].shape == (2, 6, 2)  # only the recorded units' gates
    assert "given to encoder, layer 0 (in the model it reads the model's input), then " \
           "through encoder, layer 1" in out  # fmt: skip
    assert "check: PyTorch ran nn.LSTM (layers 0 to 1" in out
    assert "within the tolerance" in out


@pytest.mark.torch
def test_npz_keeps_an_lstms_output_gate_apart_from_the_layers_output(capsys, torch, tmp_path):
    torch.manual_seed(5)
    module = torch.nn.LSTM(3, 2, batch_first=True)
    torch.save(module.state_dict(), tmp_path / "lstm.pt")
    np.save(tmp_path / "x.npy", X)
    code, _, err = run(capsys, "trace", tmp_path / "lstm.pt", "--inputs", tmp_path / "x.npy",
                       "--npz", tmp_path / "t.npz")  # fmt: skip
    assert code == 0, err
    arrays = np.load(tmp_path / "t.npz")
    assert {"layer_output", "gate_output", "a_output", "h", "c"} <= set(arrays)
    h = torch_output(torch, module, X)  # (batch, time, 2): PyTorch's own outputs
    np.testing.assert_allclose(arrays["layer_output"], h, atol=2e-6, rtol=0)
    # The output gate from PyTorch's weights (gate order i, f, g, o: o is rows 6:8 for
    # H = 2) and PyTorch's h of the step before: o = sigmoid(W_io x + b_io + W_ho h + b_ho).
    w = {k: v.detach().numpy().astype(np.float64) for k, v in module.state_dict().items()}
    h_prev = np.concatenate([np.zeros((2, 1, 2)), h[:, :-1]], axis=1)
    a = X @ w["weight_ih_l0"][6:].T + w["bias_ih_l0"][6:] + h_prev @ w["weight_hh_l0"][6:].T
    o = 1 / (1 + np.exp(-(a + w["bias_hh_l0"][6:])))
    np.testing.assert_allclose(arrays["a_output"], a + w["bias_hh_l0"][6:], atol=2e-6)
    np.testing.assert_allclose(arrays["gate_output"], o, atol=2e-6, rtol=0)
    assert not np.allclose(arrays["gate_output"], arrays["layer_output"])


@pytest.mark.torch
def test_a_bidirectional_layers_units_are_listed_and_chosen_per_direction(capsys, torch, tmp_path):
    torch.manual_seed(6)
    module = torch.nn.GRU(3, 4, bidirectional=True, batch_first=True)
    torch.save(module.state_dict(), tmp_path / "bi.pt")
    code, out, _ = run(capsys, "trace", tmp_path / "bi.pt", "--list")
    assert code == 0
    assert "GRU, input size 3, 4 units per direction, output 8, bidirectional" in out
    x = json.dumps(X[0].tolist())
    code, out, err = run(capsys, "trace", tmp_path / "bi.pt", "-i", x, "--units", "1,2,3,4")
    assert code == 0, err
    assert "showing unit(s) 1, 2, 3, 4 of 4 per direction" in out
    code, out, err = run(capsys, "trace", tmp_path / "bi.pt", "-i", x, "--units", "4")
    assert code == 0, err
    theirs = torch_output(torch, module, X[:1])[0]  # (time, 8): forward 0-3, backward 4-7
    finals = {line.split(":")[0]: float(line.rsplit("= ", 1)[1])
              for line in out.splitlines() if line.startswith("final state")}  # fmt: skip
    assert finals["final state, forward in time"] == pytest.approx(theirs[-1, 3], abs=2e-6)
    # the backward direction ends on the first input: PyTorch's column 4 + 3 at step 0
    assert finals["final state, backward in time"] == pytest.approx(theirs[0, 7], abs=2e-6)
    err = one_line_error(capsys, "trace", tmp_path / "bi.pt", "-i", x, "--units", "1,8")
    assert "--units must be distinct unit numbers from 1 to 4" in err
    assert "each direction's units are numbered 1 to 4" in err
    assert "backward unit k is column 4 + k of the output" in err


@pytest.mark.torch
def test_explain_writes_out_one_unit_at_one_step(capsys, torch, tmp_path):
    torch.manual_seed(3)
    module = torch.nn.GRU(3, 3, batch_first=True)
    torch.save(module.state_dict(), tmp_path / "gru.pt")
    x = X[0].tolist()
    code, out, err = run(capsys, "trace", tmp_path / "gru.pt", "-i", json.dumps(x),
                         "--explain", "--step", "4", "--unit", "3", "--digits", "9")  # fmt: skip
    assert code == 0, err
    assert "unit 3:" in out
    assert "time step 4:" in out
    line = next(s for s in working_lines(out) if s.startswith("hidden state: h = z×h_prev"))
    # PyTorch's own h of unit 3 (column 2) after step 4, to the 9 digits printed (float32
    # ~ 7, so the line may say ≈: float32 rounds it otherwise than exact arithmetic on what
    # it shows)
    assert float(re.split("[=≈] ", line)[-1]) == pytest.approx(
        torch_output(torch, module, X[:1])[0, 3, 2], abs=2e-6
    )


@pytest.mark.torch
def test_explain_writes_out_a_projection_whose_sums_give_pytorchs_h(capsys, torch, tmp_path):
    torch.manual_seed(5)
    module = torch.nn.LSTM(3, 3, proj_size=2, batch_first=True)
    torch.save(module.state_dict(), tmp_path / "proj.pt")
    code, out, err = run(capsys, "trace", tmp_path / "proj.pt", "-i", json.dumps(X[0].tolist()),
                         "--explain", "--step", "3", "--digits", "7")  # fmt: skip
    assert code == 0, err
    lines = working_lines(out)
    assert sum(line.startswith("to project:   m = o×tanh(c) = ") for line in lines) == 3
    sums = [s for s in lines if s.startswith("hidden state: h_")]
    assert [s.split(" = ")[0] for s in sums] == ["hidden state: h_1", "hidden state: h_2"]
    theirs = torch_output(torch, module, X[:1])[0, 2]  # PyTorch's h after step 3, (proj_size,)
    for line, value in zip(sums, theirs, strict=True):
        assert float(re.split("[=≈] ", line)[-1]) == pytest.approx(value, abs=2e-6)
    assert lines_that_do_not_add_up(*lines) == []


@pytest.mark.onnx
def test_explain_writes_out_peepholes_the_clip_and_coupled_gates(capsys, onnx, onnxruntime,
                                                                 tmp_path):  # fmt: skip
    from lstm_explained import LSTMWeights, to_onnx

    rng = np.random.default_rng(4)
    weights = LSTMWeights.random(3, 2, seed=4, scale=0.8).replace(
        peephole=rng.normal(0, 0.8, (3, 2)), clip=0.5, input_forget=True)  # fmt: skip
    model = to_onnx(weights)
    (tmp_path / "p.onnx").write_bytes(model.SerializeToString())
    code, out, err = run(capsys, "trace", tmp_path / "p.onnx", "-i", json.dumps(X[0].tolist()),
                         "--explain", "--step", "2", "--digits", "7")  # fmt: skip
    assert code == 0, err
    lines = working_lines(out)
    assert any(line.startswith("clipped:      a_") for line in lines)
    assert sum(line.startswith("forget gate:  f = 1 - i = (1-") for line in lines) == 2
    assert sum("(peephole, new c)" in line for line in lines) == 2
    session = onnxruntime.InferenceSession(model.SerializeToString(),
                                           providers=["CPUExecutionProvider"])  # fmt: skip
    x = X[:1].transpose(1, 0, 2).astype(np.float32)  # (time, batch, features)
    y = session.run(None, {session.get_inputs()[0].name: x})[0]  # (time, dirs, batch, H)
    hs = [s for s in lines if s.startswith("hidden state: h = o×tanh(c)")]
    for line, value in zip(hs, y[1, 0, 0], strict=True):  # onnxruntime's h after step 2
        assert float(re.split("[=≈] ", line)[-1]) == pytest.approx(value, abs=2e-6)
    assert lines_that_do_not_add_up(*lines) == []


@pytest.mark.torch
def test_json_is_the_trace_and_the_check(capsys, torch, tmp_path):
    torch.manual_seed(4)
    module = torch.nn.LSTM(1, 2, batch_first=True)
    torch.save(module.state_dict(), tmp_path / "one.pth")
    (tmp_path / "x.csv").write_text("value\n0.5\n-1\n0.25\n2\n")  # one feature, a header
    code, out, err = run(capsys, "trace", tmp_path / "one.pth", "-i", tmp_path / "x.csv", "--json")
    assert code == 0, err
    doc = json.loads(out)
    theirs = torch_output(torch, module, [[[0.5], [-1], [0.25], [2]]])
    np.testing.assert_allclose(doc["output"], theirs, atol=2e-6, rtol=0)
    assert doc["inputs"]["shape"] == [1, 4, 1]
    assert doc["inputs"]["from"] == f"{tmp_path / 'x.csv'} (skipped a header row: value)"
    assert len(doc["trace"]["steps"]) == 4
    assert doc["check"]["ok"] is True
    assert doc["check"]["largest_difference"] < 1e-5


@pytest.mark.torch
def test_initial_state_starts_a_torch_layer_as_h0_and_c0_start_it(capsys, torch, tmp_path):
    torch.manual_seed(5)
    module = torch.nn.LSTM(3, 4, bidirectional=True, batch_first=True)
    torch.save(module.state_dict(), tmp_path / "bi.pt")
    h0, c0 = np.random.default_rng(12).uniform(-1, 1, (2, 2, 2, 4))  # (dirs, batch, H) each
    np.savez(tmp_path / "s.npz", h=h0, c=c0)
    code, out, err = run(capsys, "trace", tmp_path / "bi.pt", "-i", json.dumps(X.tolist()),
                         "--initial-state", tmp_path / "s.npz", "--json")  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    assert doc["check"]["checked"] is True
    start = (torch.from_numpy(h0).float(), torch.from_numpy(c0).float())
    with torch.no_grad():
        theirs, (h_n, c_n) = module(torch.from_numpy(X).float(), start)
    for name, value in (("output", theirs), ("h_n", h_n), ("c_n", c_n)):
        np.testing.assert_allclose(doc["outputs"][name], value.numpy(), atol=2e-6, rtol=0)


@pytest.mark.keras
def test_keras_stack_with_example_inputs_says_so(capsys, keras, tmp_path):
    model = keras.Sequential([
        keras.Input((None, 2)),
        keras.layers.Dense(2, name="dense"),
        keras.layers.LSTM(3, return_sequences=True, name="lstm"),
        keras.layers.GRU(2, go_backwards=True, return_sequences=True, name="gru"),
    ])  # fmt: skip
    model.save(tmp_path / "m.keras")
    code, out, err = run(capsys, "trace", tmp_path / "m.keras", "--layer", "gru")
    assert code == 0, err
    assert "no --inputs given: example inputs from numpy.random.default_rng(0)" in out
    assert "given where the output of dense (Dense) enters" in out
    assert "the engine traced lstm -> gru" in out
    assert "the layer reads backwards: step 1 reads the last input" in out
    x = np.round(np.random.default_rng(0).uniform(-1, 1, (1, 5, 2)), 2)  # as the output says
    sub = keras.Model(model.get_layer("lstm").input, model.get_layer("gru").output)
    h_last = sub.predict(x, verbose=0)[0, -1]  # go_backwards: the last output read input 1
    final = next(s for s in out.splitlines() if s.startswith("final state: h = "))
    shown = [float(v) for v in final.split("= ")[1].strip("[]").split(", ")]
    np.testing.assert_allclose(shown, h_last, atol=1e-5)


@pytest.mark.onnx
@pytest.mark.torch
def test_a_fixed_shape_onnx_export_says_why_it_was_not_checked(capsys, torch, tmp_path):
    module = torch.nn.GRU(3, 2)
    torch.onnx.export(module, (torch.zeros(6, 2, 3),), str(tmp_path / "g.onnx"), dynamo=False)
    code, out, err = run(capsys, "trace", tmp_path / "g.onnx", "-i", "[[1, 2, 3], [0, 0, 1]]")
    assert code == 3, err  # traced, but not checked: never the exit status of a check
    assert "NOT CHECKED: the model was exported for inputs of shape (2, 6, 3)" in out
    assert err.startswith("lstm-explained: not checked: the model was exported")
    code, out, _ = run(capsys, "trace", tmp_path / "g.onnx")  # example inputs at that shape
    assert code == 0
    assert "shape (2, 6, 3)" in out
    assert "within the tolerance" in out


@pytest.mark.onnx
def test_a_graph_the_engine_reads_wrongly_fails_the_check_with_exit_1(capsys, onnx, tmp_path):
    from lstm_explained import LSTMWeights, to_onnx
    from lstm_explained.engine.layers import Bidirectional

    def both(seed, n):
        return Bidirectional(
            LSTMWeights.random(n, 3, seed=seed), LSTMWeights.random(n, 3, seed=seed + 1)
        )

    model = to_onnx([both(1, 3), both(3, 6)])
    # Between the layers, interleave the two directions instead of concatenating them:
    # the engine still reads the node below as torch.onnx.export connects layers.
    transpose = next(n for n in model.graph.node if n.op_type == "Transpose")
    del transpose.attribute[:]
    transpose.attribute.append(onnx.helper.make_attribute("perm", [0, 2, 3, 1]))
    (tmp_path / "odd.onnx").write_bytes(model.SerializeToString())
    code, out, err = run(capsys, "trace", tmp_path / "odd.onnx", "--layer", "layer1")
    assert code == 1
    assert "MORE than the tolerance" in out
    assert "differ by more than the tolerance" in err


# ---- bad options: one line, exit 2 ----------------------------------------------------


@pytest.mark.torch
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--layer", "decoder"), "no LSTM or GRU layer is called 'decoder'; the layers are "
                                 "'encoder, layer 0', 'encoder, layer 1'"),
        (("-i", "1,2,3"), "encoder, layer 0 reads 3 feature(s) per time step (its input size)"),
        (("-i", "[[1, 2]]"), "the inputs from --inputs have shape (1, 1, 2)"),
        (("-i", "x.npy"), "--inputs x.npy: no such file"),
        (("--units", "0,5"), "--units must be distinct unit numbers from 1 to 5"),
        (("--explain", "--unit", "6"), "--unit must be from 1 to 5; got 6"),
        (("--step", "2"), "--step chooses what --explain prints; add --explain"),
        (("--explain", "--step", "9"), "--step must be from 1 to 5"),
        (("--batch", "3"), "--batch must be from 0 to 0"),
    ],
)  # fmt: skip
def test_bad_options_are_one_line(capsys, torch_file, args, message):
    assert message in one_line_error(capsys, "trace", torch_file[0], *args)


def test_a_missing_framework_names_the_extra(capsys, monkeypatch, tmp_path):
    (tmp_path / "m.pt").write_bytes(b"\x80\x02}q\x00.")  # a pickled empty dict
    monkeypatch.setitem(sys.modules, "torch", None)
    err = one_line_error(capsys, "trace", tmp_path / "m.pt")
    assert "pip install 'lstm-explained[torch]'" in err
