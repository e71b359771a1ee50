"""`lstm-explained trace MODEL`: listing, tables, hand calculations, JSON and .npz of a
user's own model, each number compared with the framework that saved the model; every
bad file and bad input is one line on stderr and exit status 2, and nothing in a file
runs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from tests.command_line import flat, one_line_error, run, working_lines

RNG = np.random.default_rng(11)
X = RNG.uniform(-1, 1, (2, 6, 3))  # (batch, time, features)


@pytest.fixture(scope="module")
def torch_file(torch, tmp_path_factory):
    """A state dict of a module holding a 2-layer bidirectional nn.LSTM, and the module."""
    torch.manual_seed(0)
    net = torch.nn.Module()
    net.encoder = torch.nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True)
    path = tmp_path_factory.mktemp("torch") / "model.pt"
    torch.save(net.state_dict(), path)
    return path, net.encoder


def torch_output(torch, module, x):
    with torch.no_grad():
        return module(torch.from_numpy(np.asarray(x)).float())[0].numpy()


@pytest.mark.torch
def test_list_shows_each_layer_and_its_settings(capsys, torch_file):
    code, out, _ = run(capsys, "trace", torch_file[0], "--list")
    assert code == 0
    first, second = flat(out).split(" 2. ")  # wrapped lines joined
    assert first.endswith(
        ": 2 LSTM/GRU layer(s) 1. encoder, layer 0: LSTM, input size 3, 5 units per direction, "
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
                         tmp_path / "x.npy", "--units", "1,3", "--npz", npz)  # fmt: skip
    assert code == 0, err
    arrays = np.load(npz)
    theirs = torch_output(torch, module, X)  # (batch, time, 2*5), the top layer's output
    np.testing.assert_allclose(arrays["layer_output"], theirs, atol=2e-6, rtol=0)
    # the forward direction's h is the first 5 columns of PyTorch's output
    np.testing.assert_allclose(arrays["forward_h"], theirs[..., :5], atol=2e-6, rtol=0)
    # the backward direction ran from the last step: its step k is input step T - k
    np.testing.assert_allclose(arrays["backward_h"][:, ::-1], theirs[..., 5:], atol=2e-6, rtol=0)
    assert arrays["forward_units"].tolist() == [1, 3]
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
    assert {"layer_output", "gate_output", "preact_output", "h", "c"} <= set(arrays)
    h = torch_output(torch, module, X)  # (batch, time, 2): PyTorch's own outputs
    np.testing.assert_allclose(arrays["layer_output"], h, atol=2e-6, rtol=0)
    # The output gate from PyTorch's weights (gate order i, f, g, o: o is rows 6:8 for
    # H = 2) and PyTorch's h of the step before: o = sigmoid(W_io x + b_io + W_ho h + b_ho).
    w = {k: v.detach().numpy().astype(np.float64) for k, v in module.state_dict().items()}
    h_prev = np.concatenate([np.zeros((2, 1, 2)), h[:, :-1]], axis=1)
    a = X @ w["weight_ih_l0"][6:].T + w["bias_ih_l0"][6:] + h_prev @ w["weight_hh_l0"][6:].T
    o = 1 / (1 + np.exp(-(a + w["bias_hh_l0"][6:])))
    np.testing.assert_allclose(arrays["preact_output"], a + w["bias_hh_l0"][6:], atol=2e-6)
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
    code, out, err = run(capsys, "trace", tmp_path / "bi.pt", "-i", x, "--units", "0,1,2,3")
    assert code == 0, err
    assert "showing unit(s) 0, 1, 2, 3 of 4 per direction" in out
    code, out, err = run(capsys, "trace", tmp_path / "bi.pt", "-i", x, "--units", "3")
    assert code == 0, err
    theirs = torch_output(torch, module, X[:1])[0]  # (time, 8): forward 0-3, backward 4-7
    finals = {line.split(":")[0]: float(line.rsplit("= ", 1)[1])
              for line in out.splitlines() if line.startswith("final state")}  # fmt: skip
    assert finals["final state, forward in time"] == pytest.approx(theirs[-1, 3], abs=2e-6)
    # the backward direction ends on the first input: PyTorch's column 4 + 3 at step 0
    assert finals["final state, backward in time"] == pytest.approx(theirs[0, 7], abs=2e-6)
    err = one_line_error(capsys, "trace", tmp_path / "bi.pt", "-i", x, "--units", "0,7")
    assert "--units must be distinct unit numbers from 0 to 3" in err
    assert "each direction's units are numbered 0 to 3" in err
    assert "backward unit k is column 4 + k of the output" in err


@pytest.mark.torch
def test_explain_writes_out_one_unit_at_one_step(capsys, torch, tmp_path):
    torch.manual_seed(3)
    module = torch.nn.GRU(3, 3, batch_first=True)
    torch.save(module.state_dict(), tmp_path / "gru.pt")
    x = X[0].tolist()
    code, out, err = run(capsys, "trace", tmp_path / "gru.pt", "-i", json.dumps(x),
                         "--explain", "--step", "4", "--unit", "2", "--digits", "9")  # fmt: skip
    assert code == 0, err
    assert "unit 2:" in out
    assert "time step 4:" in out
    line = next(s for s in working_lines(out) if s.startswith("hidden state: h = z×h_prev"))
    # PyTorch's own h of unit 2 after step 4, to the 9 digits printed (float32 ~ 7, so the
    # line may say ≈: float32 rounds it otherwise than exact arithmetic on what it shows)
    assert float(re.split("[=≈] ", line)[-1]) == pytest.approx(
        torch_output(torch, module, X[:1])[0, 3, 2], abs=2e-6
    )


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


# ---- bad files and bad input: one line, exit 2 ----------------------------------------


def test_missing_empty_and_unknown_files(capsys, tmp_path):
    assert "No such file" in one_line_error(capsys, "trace", tmp_path / "nope.keras")
    (tmp_path / "empty.pt").write_bytes(b"")
    assert "is empty" in one_line_error(capsys, "trace", tmp_path / "empty.pt")
    (tmp_path / "model.txt").write_text("hello")
    err = one_line_error(capsys, "trace", tmp_path / "model.txt")
    assert "cannot tell the format" in err
    assert "ONNX models (.onnx)" in err
    (tmp_path / "old.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))
    assert "Keras 2's .h5" in one_line_error(capsys, "trace", tmp_path / "old.h5")
    (tmp_path / "saved").mkdir()
    (tmp_path / "saved" / "saved_model.pb").write_bytes(b"x")
    assert "SavedModel directory" in one_line_error(capsys, "trace", tmp_path / "saved")
    (tmp_path / "fake.keras").write_text("not a zip")
    assert "not a zip archive" in one_line_error(capsys, "trace", tmp_path / "fake.keras")


@pytest.mark.keras
def test_a_truncated_keras_file(capsys, keras, tmp_path):
    model = keras.Sequential([keras.Input((None, 1)), keras.layers.LSTM(1)])
    model.save(tmp_path / "m.keras")
    data = (tmp_path / "m.keras").read_bytes()
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])
    assert "truncated or corrupt" in one_line_error(capsys, "trace", tmp_path / "cut.keras")


@pytest.mark.keras
def test_a_keras_model_without_a_recurrent_layer_lists_its_layers(capsys, keras, tmp_path):
    model = keras.Sequential([keras.Input((None, 2)), keras.layers.Conv1D(2, 1, name="conv"),
                              keras.layers.SimpleRNN(2, name="plain")])  # fmt: skip
    model.save(tmp_path / "none.keras")
    err = one_line_error(capsys, "trace", tmp_path / "none.keras")
    assert "has no LSTM or GRU layer; its layers are ['Conv1D', 'SimpleRNN']" in err
    assert "plain is a SimpleRNN layer, which the engine does not compute" in err


@pytest.mark.torch
def test_bad_torch_files(capsys, torch, tmp_path):
    linear = torch.nn.Linear(2, 2)
    torch.save(linear.state_dict(), tmp_path / "linear.pt")
    err = one_line_error(capsys, "trace", tmp_path / "linear.pt")
    assert "holds no nn.LSTM or nn.GRU weights" in err
    assert "'weight', 'bias'" in err
    torch.save(torch.nn.RNN(2, 2).state_dict(), tmp_path / "rnn.pt")
    assert "an nn.RNN" in one_line_error(capsys, "trace", tmp_path / "rnn.pt")
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


@pytest.mark.onnx
def test_an_onnx_model_without_a_recurrent_node_and_a_corrupt_one(capsys, onnx, tmp_path):
    helper = onnx.helper
    x, y = (helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, [1]) for n in "xy")
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y])
    (tmp_path / "relu.onnx").write_bytes(helper.make_model(graph).SerializeToString())
    err = one_line_error(capsys, "trace", tmp_path / "relu.onnx")
    assert "has no LSTM or GRU node; its nodes are ['Relu']" in err
    (tmp_path / "bad.onnx").write_bytes(b"\x08\x07\x12\xff\xff")
    assert "truncated or corrupt" in one_line_error(capsys, "trace", tmp_path / "bad.onnx")


@pytest.mark.torch
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--layer", "decoder"), "no LSTM or GRU layer is called 'decoder'; the layers are "
                                 "'encoder, layer 0', 'encoder, layer 1'"),
        (("-i", "1,2,3"), "encoder, layer 0 reads 3 feature(s) per time step (its input size)"),
        (("-i", "[[1, 2]]"), "the inputs from --inputs have shape (1, 1, 2)"),
        (("-i", "x.npy"), "--inputs x.npy: no such file"),
        (("--units", "0,9"), "--units must be distinct unit numbers from 0 to 4"),
        (("--step", "2"), "--step chooses what --explain prints; add --explain"),
        (("--explain", "--step", "9"), "--step must be from 1 to 5"),
        (("--batch", "3"), "--batch must be from 0 to 0"),
    ],
)  # fmt: skip
def test_bad_options_are_one_line(capsys, torch_file, args, message):
    assert message in one_line_error(capsys, "trace", torch_file[0], *args)


@pytest.mark.torch
def test_inputs_without_time_steps_say_so_and_a_csv_header_is_named(capsys, torch_file, tmp_path):
    model = torch_file[0]  # its bottom layer reads 3 features
    np.save(tmp_path / "none.npy", np.zeros((1, 0, 3)))
    err = one_line_error(capsys, "trace", model, "-i", tmp_path / "none.npy")
    assert "have no time steps (shape (1, 0, 3))" in err
    assert "reads 3 feature(s)" not in err
    assert "have no time steps (shape (0,))" in one_line_error(capsys, "trace", model, "-i", "[]")
    (tmp_path / "header.csv").write_text("a,b,c\n")  # a header and no rows of numbers
    err = one_line_error(capsys, "trace", model, "-i", tmp_path / "header.csv")
    assert "(skipped a header row: a,b,c) have no time steps (shape (1, 0, 3))" in err
    np.save(tmp_path / "no_batch.npy", np.zeros((0, 2, 3)))
    err = one_line_error(capsys, "trace", model, "-i", tmp_path / "no_batch.npy")
    assert "hold no sequence (shape (0, 2, 3), batch 0)" in err
    (tmp_path / "x.csv").write_text("a,b,c\n1,2,3\n4,5,6\n")
    code, out, err = run(capsys, "trace", model, "-i", tmp_path / "x.csv")
    assert code == 0, err
    inputs = f"inputs: {tmp_path / 'x.csv'} (skipped a header row: a,b,c), shape (1, 2, 3)"
    assert inputs in flat(out)  # wrapped lines joined


def test_a_missing_framework_names_the_extra(capsys, monkeypatch, tmp_path):
    (tmp_path / "m.pt").write_bytes(b"\x80\x02}q\x00.")  # a pickled empty dict
    monkeypatch.setitem(sys.modules, "torch", None)
    err = one_line_error(capsys, "trace", tmp_path / "m.pt")
    assert "pip install 'lstm-explained[torch]'" in err


# ---- nothing in a file runs -----------------------------------------------------------


def refused_in_a_fresh_process(path, marker) -> str:
    """`trace PATH` in a new interpreter: exit status 2, one line on stderr with no
    traceback, and the file's code never ran (it would have created `marker`).
    Returns stderr."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run([sys.executable, "-m", "lstm_explained", "trace", str(path)],
                          capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert proc.returncode == 2
    assert not marker.exists()
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.stderr


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


@pytest.mark.keras
def test_a_keras_lambda_layer_is_refused_and_nothing_runs(keras, tmp_path):
    marker = tmp_path / "ran"
    body = eval(f"lambda t: (open({str(marker)!r}, 'w').close(), t)[1]")
    model = keras.Sequential([keras.Input((None, 1)), keras.layers.Lambda(body),
                              keras.layers.LSTM(1)])  # fmt: skip
    model.save(tmp_path / "lambda.keras")
    marker.unlink(missing_ok=True)  # building the model called the lambda once
    err = refused_in_a_fresh_process(tmp_path / "lambda.keras", marker)
    assert "refused" in err
    assert "never runs code from a file" in err
