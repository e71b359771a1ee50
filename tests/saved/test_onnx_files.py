"""ONNX files read by load_model and traced by `lstm-explained trace`: the initial states
and sequence lengths a node stores, takes as inputs or reads from another node, the runs
whose check cannot run, exports of torch.onnx.export and of to_onnx, files without an
LSTM or GRU node, and ONNX's own operator test cases.
Every number is compared with onnxruntime run here on the same model (or on the same
node written with layout=0 and float32, which onnxruntime runs)."""

from __future__ import annotations

import importlib
import json

import numpy as np
import pytest

from lstm_explained import Bidirectional, GRUWeights, LSTMWeights, from_onnx, to_onnx
from lstm_explained.frameworks.onnx_adapter import IR_VERSION, OPSET
from lstm_explained.saved.files import load_model
from tests.command_line import one_line_error, run
from tests.saved import runs

pytestmark = pytest.mark.onnx
SLOTS = ("X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c")
X = np.random.default_rng(5).uniform(-1, 1, (2, 4, 2))  # (batch, time, features)


def lstm_model(onnx, *, layout=0, dtype=np.float32, stored=None, **attrs):
    """One LSTM node "lstm" (2 features, 3 units, weights seeded alike in every model):
    X is the model's input, W, R, B and `stored` (name -> array) its initializers; Y,
    Y_h and Y_c its outputs."""
    helper = onnx.helper
    rng = np.random.default_rng(0)
    arrays = {"W": rng.normal(size=(1, 12, 2)), "R": rng.normal(size=(1, 12, 3)),
              "B": rng.normal(size=(1, 24)), **(stored or {})}  # fmt: skip
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    inits = [onnx.numpy_helper.from_array(np.asarray(v, np.int32 if k == "sequence_lens"
                                                     else dtype), k)
             for k, v in arrays.items()]  # fmt: skip
    used = {"X", *arrays}
    node = helper.make_node("LSTM", [s if s in used else "" for s in SLOTS], ["Y", "Y_h", "Y_c"],
                            name="lstm", hidden_size=3, layout=layout, **attrs)  # fmt: skip
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("X", elem, None)],
        [helper.make_tensor_value_info(n, elem, None) for n in ("Y", "Y_h", "Y_c")],
        initializer=inits,
    )  # fmt: skip
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                             ir_version=IR_VERSION)  # fmt: skip


def ort_outputs(onnxruntime, model, **feeds):
    """onnxruntime's Y, Y_h and Y_c of a one-node layout-0 model, shaped as the trace
    gives them: Y (batch, time, dirs*H), the states (dirs, batch, H)."""
    session = onnxruntime.InferenceSession(model.SerializeToString(),
                                           providers=["CPUExecutionProvider"])  # fmt: skip
    values = session.run(None, {k: np.asarray(v, np.float32) for k, v in feeds.items()})
    y = values[0].transpose(2, 0, 1, 3)  # (time, dirs, batch, H) -> (batch, time, dirs, H)
    found = {"Y": y.reshape(*y.shape[:2], -1), "Y_h": values[1]}
    return found | ({"Y_c": values[2]} if len(values) > 2 else {})


def traced(capsys, path, *args, code=0):
    """`trace PATH -i X ... --json`: the exit status expected, the document."""
    status, out, err = run(capsys, "trace", path, *args, "--json")
    assert status == code, err
    return json.loads(out), err


def agree(doc, theirs):
    """The trace's outputs are the framework's, to float32's rounding."""
    for key, value in theirs.items():
        scale = max(1.0, float(np.max(np.abs(value))))
        np.testing.assert_allclose(np.asarray(doc["outputs"][key]), value, rtol=0,
                                   atol=1e-5 * scale, err_msg=key)  # fmt: skip


def save(tmp_path, name, model):
    (tmp_path / name).write_bytes(model.SerializeToString())
    return tmp_path / name


# ---- initial states and sequence lengths stored in the file ---------------------------

STATE = np.random.default_rng(6).uniform(-1, 1, (2, 1, 2, 3))  # h and c, (dirs, batch, H)


@pytest.mark.parametrize("layout", [0, 1])
def test_a_stored_initial_state_is_where_the_trace_starts(capsys, onnx, onnxruntime, tmp_path,
                                                          layout):  # fmt: skip
    h, c = (s.transpose(1, 0, 2) if layout else s for s in STATE)  # layout 1: (batch, dirs, H)
    model = lstm_model(onnx, layout=layout, stored={"initial_h": h, "initial_c": c})
    path = save(tmp_path, "m.onnx", model)
    doc, _ = traced(capsys, path, "-i", json.dumps(X.tolist()))
    assert doc["check"]["checked"] is True
    assert doc["check"]["what"].startswith("onnxruntime" if layout == 0 else "ONNX's reference")
    assert (
        doc["settings"]["initial_h"] == "stored in the file, (1, 2, 3) (directions, batch, units)"
    )
    # onnxruntime runs the node written with layout 0 from the same stored state
    reference = lstm_model(onnx, stored={"initial_h": STATE[0], "initial_c": STATE[1]})
    theirs = ort_outputs(onnxruntime, reference, X=X.transpose(1, 0, 2))
    agree(doc, theirs)
    # from_onnx's layer reads the stored state in the node's layout too
    y = from_onnx(path)[0].run(X if layout else X.transpose(1, 0, 2))[0]
    y = y if layout else y.transpose(2, 0, 1, 3)  # (batch, time, dirs, H)
    np.testing.assert_allclose(y.reshape(2, 4, 3), theirs["Y"], rtol=0, atol=1e-5)


def test_a_stored_state_for_another_batch_is_refused_and_not_replaced(capsys, onnx, tmp_path):
    model = lstm_model(onnx, stored={"initial_h": STATE[0], "initial_c": STATE[1]})
    path = save(tmp_path, "m.onnx", model)
    err = one_line_error(capsys, "trace", path, "-i", json.dumps(X[:1].tolist()))
    assert "layer 'lstm' starts from the initial state h stored in the file, of shape " \
           "(1, 2, 3) (directions, batch, units), made for a batch of 2; the inputs hold 1 " \
           "sequence(s) (shape (1, 4, 2)): give 2" in err  # fmt: skip
    np.savez(tmp_path / "s.npz", h=STATE[0], c=STATE[1])
    err = one_line_error(capsys, "trace", path, "-i", json.dumps(X.tolist()),
                         "--initial-state", tmp_path / "s.npz")  # fmt: skip
    assert "layer 'lstm' starts from the initial state stored in the file (h (1, 2, 3), " \
           "c (1, 2, 3)); --initial-state cannot replace it" in err  # fmt: skip


def test_stored_sequence_lengths_pad_as_onnxruntime_pads(capsys, onnx, onnxruntime, tmp_path):
    lens = np.array([4, 2])
    model = lstm_model(onnx, stored={"sequence_lens": lens}, direction="reverse")
    doc, _ = traced(capsys, save(tmp_path, "m.onnx", model), "-i", json.dumps(X.tolist()))
    assert doc["check"]["checked"] is True
    assert doc["inputs"]["mask"] == [[True] * 4, [True, True, False, False]]
    theirs = ort_outputs(onnxruntime, model, X=X.transpose(1, 0, 2))
    assert not np.any(theirs["Y"][1, 2:])  # ONNX writes zeros past a sequence's length
    agree(doc, theirs)
    err = one_line_error(capsys, "trace", tmp_path / "m.onnx", "-i", json.dumps(X[:, :3].tolist()))
    assert "the sequence_lens stored in the file, [4, 2], do not fit inputs of 3 steps" in err


def test_stored_full_lengths_leave_a_double_precision_node_checked(capsys, onnx, onnxruntime,
                                                                   tmp_path):  # fmt: skip
    # the reference evaluator ignores sequence_lens, which changes nothing when every
    # sequence uses every step
    stored = {"sequence_lens": np.array([4, 4])}
    model = lstm_model(onnx, dtype=np.float64, stored=stored)
    doc, _ = traced(capsys, save(tmp_path, "m.onnx", model), "-i", json.dumps(X.tolist()))
    assert doc["check"]["what"].startswith("ONNX's reference evaluator ran")
    assert doc["check"]["tolerance"] == 1e-9  # two float64 computations
    agree(doc, ort_outputs(onnxruntime, lstm_model(onnx, stored=stored), X=X.transpose(1, 0, 2)))


# ---- initial states the model takes or computes ---------------------------------------


@pytest.mark.parametrize(
    "layer",
    [LSTMWeights.random(2, 3, seed=1),
     Bidirectional(GRUWeights.random(2, 3, seed=2), GRUWeights.random(2, 3, seed=3))],
)  # fmt: skip
def test_initial_state_is_fed_to_the_models_inputs(capsys, onnxruntime, tmp_path, layer):
    model = to_onnx(layer, initial_state=True)
    dirs = 2 if isinstance(layer, Bidirectional) else 1
    states = np.random.default_rng(7).uniform(-1, 1, (2, dirs, 2, 3))
    names = ("h", "c") if model.graph.node[0].op_type == "LSTM" else ("h",)
    np.savez(tmp_path / "s.npz", **dict(zip(names, states, strict=False)))
    doc, _ = traced(capsys, save(tmp_path, "m.onnx", model), "-i", json.dumps(X.tolist()),
                    "--initial-state", tmp_path / "s.npz")  # fmt: skip
    assert doc["check"]["checked"] is True
    feeds = dict(zip(("initial_h", "initial_c"), states[: len(names)], strict=False))
    agree(doc, ort_outputs(onnxruntime, model, X=X.transpose(1, 0, 2), **feeds))


def encoder_decoder(onnx):
    """An encoder LSTM whose final h and c start a decoder LSTM on other inputs; the
    model outputs the decoder's Y, Y_h, Y_c and the encoder's states."""
    helper = onnx.helper
    rng = np.random.default_rng(1)
    inits = [onnx.numpy_helper.from_array(rng.normal(size=shape).astype(np.float32), name)
             for name, shape in (("W1", (1, 12, 2)), ("R1", (1, 12, 3)), ("W2", (1, 12, 1)),
                                 ("R2", (1, 12, 3)))]  # fmt: skip
    nodes = [
        helper.make_node("LSTM", ["X_enc", "W1", "R1"], ["", "enc_h", "enc_c"], name="encoder",
                         hidden_size=3),
        helper.make_node("LSTM", ["X_dec", "W2", "R2", "", "", "enc_h", "enc_c"],
                         ["Y", "Y_h", "Y_c"], name="decoder", hidden_size=3),
    ]  # fmt: skip
    inputs, outputs = [
        [helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, None) for n in names]
        for names in (("X_enc", "X_dec"), ("Y", "Y_h", "Y_c", "enc_h", "enc_c"))
    ]
    graph = helper.make_graph(nodes, "seq2seq", inputs, outputs, initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                             ir_version=IR_VERSION)  # fmt: skip


def test_a_state_another_node_computes_must_be_given(capsys, onnx, onnxruntime, tmp_path):
    model = encoder_decoder(onnx)
    path = save(tmp_path, "seq2seq.onnx", model)
    x_dec = np.random.default_rng(8).uniform(-1, 1, (2, 3, 1))  # (batch, time, features)
    err = one_line_error(
        capsys, "trace", path, "--layer", "decoder", "-i", json.dumps(x_dec.tolist())
    )
    assert "layer 'decoder': it starts from initial_h 'enc_h', which encoder computes when " \
           "the model runs; give that state with --initial-state FILE.npz" in err  # fmt: skip
    _, out, _ = run(capsys, "trace", path, "--list")
    listed = out.split("\n2. ")[1]  # the decoder's entry, its wrapped lines joined
    assert "which encoder computes when the model runs" in " ".join(listed.split())
    # the whole model in onnxruntime: the encoder's states, and the decoder run from them
    session = onnxruntime.InferenceSession(model.SerializeToString(),
                                           providers=["CPUExecutionProvider"])  # fmt: skip
    feeds = {"X_enc": X.transpose(1, 0, 2), "X_dec": x_dec.transpose(1, 0, 2)}
    y, y_h, y_c, enc_h, enc_c = session.run(None, {k: v.astype(np.float32)
                                                   for k, v in feeds.items()})  # fmt: skip
    np.savez(tmp_path / "s.npz", h=enc_h, c=enc_c)
    doc, _ = traced(capsys, path, "--layer", "decoder", "-i", json.dumps(x_dec.tolist()),
                    "--initial-state", tmp_path / "s.npz")  # fmt: skip
    assert doc["check"]["checked"] is True
    assert "to the outputs Y, Y_h, Y_c of decoder" in doc["check"]["what"]
    agree(doc, {"Y": y.transpose(2, 0, 1, 3).reshape(2, 3, 3), "Y_h": y_h, "Y_c": y_c})


def test_a_state_for_a_node_that_reads_none_is_not_checked(capsys, tmp_path):
    path = save(tmp_path, "m.onnx", to_onnx(LSTMWeights.random(2, 3, seed=1)))
    np.savez(tmp_path / "s.npz", h=STATE[0], c=STATE[1])
    doc, err = traced(capsys, path, "-i", json.dumps(X.tolist()), "--initial-state",
                      tmp_path / "s.npz", code=3)  # fmt: skip
    assert doc["check"]["checked"] is False
    assert "reads no initial_h or initial_c when the model runs" in doc["check"]["reason"]
    assert err.startswith("lstm-explained: not checked: layer0 reads no initial_h")


# ---- checks that cannot run ------------------------------------------------------------

UNCHECKED = {
    # onnxruntime refuses layout=1; the reference evaluator would compute sigmoid and tanh
    "layout=1 with Affine and HardSigmoid": (
        {"layout": 1, "activations": ["HardSigmoid", "Affine", "Affine"],
         "activation_alpha": [0.25, 0.5, 0.5], "activation_beta": [0.5, 0.125, 0.125]},
        "onnxruntime does not run layout=1, and ONNX's reference evaluator would silently "
        "ignore what the node sets (lstm: activations ['HardSigmoid', 'Affine', 'Affine'])",
    ),
    # onnxruntime refuses float64; the reference evaluator would run every step
    "float64 with stored sequence_lens": (
        {"dtype": np.float64, "stored": {"sequence_lens": np.array([4, 1])}},
        "onnxruntime does not run double precision, and ONNX's reference evaluator would "
        "silently ignore what the node sets (lstm: sequence_lens stored in the file)",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(UNCHECKED))
def test_a_check_that_cannot_run_exits_3_and_says_why(capsys, onnx, onnxruntime, tmp_path, case):
    options, reason = UNCHECKED[case]
    path = save(tmp_path, "m.onnx", lstm_model(onnx, **options))
    doc, err = traced(capsys, path, "-i", json.dumps(X.tolist()), code=3)
    assert doc["check"]["checked"] is False
    assert doc["check"]["reason"] == reason
    assert err == f"lstm-explained: not checked: {reason}\n"
    # the trace is right all the same: onnxruntime on the node in layout 0 and float32
    same = {k: v for k, v in options.items() if k not in ("layout", "dtype")}
    theirs = ort_outputs(onnxruntime, lstm_model(onnx, **same), X=X.transpose(1, 0, 2))
    agree(doc, theirs)
    code, out, err = run(capsys, "trace", path, "-i", json.dumps(X.tolist()), "--no-check")
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "check: not run (--no-check)"


# ---- exports read and checked, and files refused --------------------------------------


@pytest.mark.onnx
@pytest.mark.torch
@pytest.mark.parametrize("dynamo", [False, True])
def test_torch_onnx_exports_reproduce_onnxruntime(torch, onnxruntime, tmp_path, dynamo):
    torch.manual_seed(1)
    module = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    x = torch.from_numpy(runs.X.transpose(1, 0, 2)).float()  # (time, batch, features)
    path = tmp_path / "exported.onnx"
    torch.onnx.export(module, (x,), str(path), dynamo=dynamo)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    theirs = session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]  # (t, b, 2H)
    model = load_model(path)
    assert len(model.layers) == 2
    assert model.below[model.layers[1].name] == model.layers[0].name
    assert model.input_shape[model.layers[0].name] == (2, 6, 3)
    _, _chain, ours = runs.engine(path, model.layers[1].name)
    runs.agree(ours, theirs.transpose(1, 0, 2))
    with torch.no_grad():
        runs.agree(ours, module(x)[0].numpy().transpose(1, 0, 2))


@pytest.mark.onnx
def test_the_packages_own_onnx_reverse_gru_with_hard_sigmoid(onnxruntime, tmp_path):
    from lstm_explained import GRUWeights, to_onnx

    weights = GRUWeights.random(input_dim=3, units=2, seed=3, reset_after=False)
    onnx_model = to_onnx(weights, recurrent_activation="hard_sigmoid", direction="reverse")
    path = tmp_path / "gru.onnx"
    path.write_bytes(onnx_model.SerializeToString())
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    y = session.run(None, {"X": np.float32(runs.X.transpose(1, 0, 2))})[0]  # (t, 1, b, H)
    model, chain, ours = runs.engine(path)
    assert (chain[0].direction, chain[0].settings["linear_before_reset"]) == ("reverse", 0)
    runs.agree(ours, y[:, 0].transpose(1, 0, 2))
    _, halves = model.layers[0].bias_halves  # Rb: the recurrent half, Keras order z, r, h
    assert halves.shape == (6,)


@pytest.mark.onnx
def test_an_onnx_model_without_a_recurrent_node_and_a_corrupt_one(capsys, onnx, tmp_path):
    helper = onnx.helper
    x, y = (helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, [1]) for n in "xy")
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y])
    (tmp_path / "relu.onnx").write_bytes(helper.make_model(graph).SerializeToString())
    err = one_line_error(capsys, "trace", tmp_path / "relu.onnx")
    assert "has no LSTM, GRU or RNN node; its nodes are ['Relu']" in err
    (tmp_path / "bad.onnx").write_bytes(b"\x08\x07\x12\xff\xff")
    assert "truncated or corrupt" in one_line_error(capsys, "trace", tmp_path / "bad.onnx")


# ---- ONNX's own operator test cases ---------------------------------------------------
# The onnx wheel ships its test cases for LSTM, GRU and RNN in
# `onnx.backend.test.case.node`: each `export_*` method builds a node, its inputs and the
# outputs ONNX expects (from a NumPy helper in the same file) and hands them to `expect`.
# Here each case becomes a model file (X and any initial states or sequence lengths as
# graph inputs, W, R, B and P stored) and is traced: the engine must give ONNX's expected
# outputs, and the check must run. The cases are listed by name, so a case a new onnx
# release adds, or a new refusal, fails a test.

ORT, REFERENCE = "onnxruntime ran", "ONNX's reference evaluator ran"
COMPUTED = {  # case -> what the check runs
    "test_lstm_defaults": ORT,
    "test_lstm_with_initial_bias": ORT,
    "test_lstm_batchwise": REFERENCE,  # layout=1, which onnxruntime refuses
    "test_lstm_reverse": ORT,
    "test_lstm_bidirectional": ORT,
    "test_gru_defaults": ORT,
    "test_gru_with_initial_bias": ORT,
    "test_gru_seq_length": ORT,
    "test_gru_batchwise": REFERENCE,
    "test_gru_reverse": ORT,
    "test_gru_bidirectional": ORT,
    "test_lstm_with_peepholes": ORT,  # P computed (engine.lstm_variants)
}


RNN_COMPUTED = {  # ONNX's plain recurrent cell, the engine's RNNWeights
    "test_simple_rnn_defaults": ORT,
    "test_simple_rnn_with_initial_bias": ORT,
    "test_rnn_seq_length": ORT,
    "test_simple_rnn_batchwise": REFERENCE,  # layout=1
    "test_simple_rnn_reverse": ORT,
    "test_simple_rnn_bidirectional": ORT,
}


RUNTIME = ("X", "sequence_lens", "initial_h", "initial_c")  # the model's inputs; the rest stored


@pytest.fixture(scope="module")
def cases(onnx):
    """Every LSTM, GRU and RNN case by name: (node, inputs, expected outputs)."""
    found = {}
    state = np.random.get_state()  # noqa: NPY002 -- the seq_length cases draw from it
    np.random.seed(0)  # noqa: NPY002 -- so that their weights are the same every run
    try:
        for op in ("lstm", "gru", "rnn"):
            module = importlib.import_module(f"onnx.backend.test.case.node.{op}")
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(module, "expect", lambda node, inputs, outputs, name, **_: (
                    found.__setitem__(name, (node, inputs, outputs))))  # fmt: skip
                cls = getattr(module, op.upper())
                for name in sorted(vars(cls)):
                    if name.startswith("export"):
                        getattr(cls, name)()
    finally:
        np.random.set_state(state)  # noqa: NPY002
    return found


def model_file(onnx, path, node, inputs, outputs):
    """The case's node alone in a model: the model's inputs X and any runtime inputs,
    W, R, B and P stored, the node's outputs the model's."""
    helper = onnx.helper
    present = [name for name in node.input if name]
    graph_inputs, stored = [], []
    for name, value in zip(present, inputs, strict=True):
        if name in RUNTIME:
            elem = helper.np_dtype_to_tensor_dtype(value.dtype)
            graph_inputs.append(helper.make_tensor_value_info(name, elem, value.shape))
        else:
            stored.append(onnx.numpy_helper.from_array(value, name))
    names = [name for name in node.output if name]
    graph_outputs = [helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, value.shape)
                     for name, value in zip(names, outputs, strict=True)]  # fmt: skip
    graph = helper.make_graph([node], "case", graph_inputs, graph_outputs, initializer=stored)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              ir_version=IR_VERSION)  # fmt: skip
    onnx.checker.check_model(model)
    path.write_bytes(model.SerializeToString())
    return path


def layout_of(node):
    return next((a.i for a in node.attribute if a.name == "layout"), 0)


def expected_as_traced(node, outputs):
    """ONNX's expected outputs by name, shaped as the trace gives them: Y (batch, time,
    dirs*H), Y_h and Y_c (dirs, batch, H)."""
    batch_first = layout_of(node)
    found = {}
    for key, name in zip(("Y", "Y_h", "Y_c"), node.output, strict=False):
        if not name:
            continue
        value = np.asarray(outputs[[n for n in node.output if n].index(name)], np.float64)
        if key == "Y":  # (time, dirs, batch, H), or (batch, time, dirs, H) with layout 1
            value = value.transpose(0, 2, 1, 3) if batch_first else value.transpose(2, 0, 1, 3)
            found[key] = value.reshape(*value.shape[:2], -1)
        else:  # (dirs, batch, H), or (batch, dirs, H)
            found[key] = value.transpose(1, 0, 2) if batch_first else value
    return found


def test_every_case_is_listed(cases):
    lstm_gru = {name for name in cases if not name.startswith(("test_simple_rnn", "test_rnn"))}
    assert lstm_gru == set(COMPUTED)  # every LSTM and GRU case is computed
    assert len(COMPUTED) == 12
    assert set(cases) - lstm_gru == set(RNN_COMPUTED)  # the 6 RNN cases


@pytest.mark.parametrize("name", sorted(COMPUTED) + sorted(RNN_COMPUTED))
def test_the_engine_gives_onnxs_expected_outputs_and_the_check_runs(
    capsys, onnx, cases, tmp_path, name
):
    node, inputs, outputs = cases[name]
    path = model_file(onnx, tmp_path / f"{name}.onnx", node, inputs, outputs)
    x = inputs[0] if layout_of(node) else inputs[0].transpose(1, 0, 2)  # (batch, time, f)
    code, out, err = run(capsys, "trace", path, "-i", json.dumps(x.tolist()), "--json")
    assert code == 0, err
    doc = json.loads(out)
    expected = expected_as_traced(node, outputs)
    assert doc["check"]["checked"] is True
    assert doc["check"]["what"].startswith((COMPUTED | RNN_COMPUTED)[name])
    assert doc["check"]["compared"] == list(expected)  # only Y_h, where that is all it outputs
    for key, value in expected.items():
        scale = max(1.0, float(np.max(np.abs(value))))
        ours = np.asarray(doc["outputs"][key])
        np.testing.assert_allclose(ours, value, rtol=0, atol=1e-6 * scale, err_msg=key)


# ---- an LSTM's peepholes, clip and input_forget ---------------------------------------


@pytest.mark.parametrize("bidirectional", [False, True])
def test_peepholes_clip_and_input_forget_are_traced_and_checked_by_onnxruntime(
    capsys, onnx, onnxruntime, tmp_path, bidirectional
):
    def weights(seed):
        rng = np.random.default_rng(seed)
        w = LSTMWeights.random(2, 3, seed=seed, scale=0.8)
        return w.replace(peephole=rng.normal(0, 0.8, (3, 3)), clip=0.75, input_forget=True)

    layer = Bidirectional(weights(1), weights(2)) if bidirectional else weights(1)
    model = to_onnx(layer)
    node = model.graph.node[0]
    assert {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}.keys() >= {
        "clip", "input_forget"}  # fmt: skip
    assert len(node.input) == 8  # P is the eighth input
    path = save(tmp_path, "peepholes.onnx", model)
    doc, _ = traced(capsys, path, "-i", json.dumps(X.tolist()))
    assert doc["check"]["checked"] is True
    assert doc["check"]["what"].startswith("onnxruntime ran")
    assert {k: doc["settings"][k] for k in ("peephole", "clip", "input_forget")} == {
        "peephole": "P stored in the file", "clip": 0.75, "input_forget": 1}  # fmt: skip
    agree(doc, ort_outputs(onnxruntime, model, X=X.transpose(1, 0, 2)))
    read = load_model(path).layers[0].weights
    first = read.forward if bidirectional else read
    np.testing.assert_allclose(first.peephole, weights(1).peephole, rtol=1e-7)
    assert (first.clip, first.input_forget) == (0.75, True)
