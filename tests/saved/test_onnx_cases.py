"""ONNX's own operator test cases for LSTM, GRU and RNN, traced by `lstm-explained trace`.

The onnx wheel ships them in `onnx.backend.test.case.node`: each `export_*` method
builds a node, its inputs and the outputs ONNX expects (from a NumPy helper in the same
file) and hands them to `expect`. Here each case becomes a model file (X and any
initial states or sequence lengths as graph inputs, W, R, B and P stored) and is traced:
the engine must give ONNX's expected outputs, and the check must run. The cases are
listed by name, so a case a new onnx release adds, or a new refusal, fails a test.
"""

from __future__ import annotations

import importlib
import json

import numpy as np
import pytest

from lstm_explained.frameworks.onnx_adapter import IR_VERSION, OPSET
from tests.command_line import one_line_error, run

pytestmark = pytest.mark.onnx
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
}
REFUSED = {
    "test_lstm_with_peepholes": "LSTM node 1 has nonzero peepholes P; the engine's cell "
    "(Keras's, PyTorch's) has none",
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
    assert lstm_gru == set(COMPUTED) | set(REFUSED)
    assert len(COMPUTED) == 11
    assert len(cases) - len(lstm_gru) == 6  # the RNN cases


@pytest.mark.parametrize("name", sorted(COMPUTED))
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
    assert doc["check"]["what"].startswith(COMPUTED[name])
    assert doc["check"]["compared"] == list(expected)  # only Y_h, where that is all it outputs
    for key, value in expected.items():
        scale = max(1.0, float(np.max(np.abs(value))))
        ours = np.asarray(doc["outputs"][key])
        np.testing.assert_allclose(ours, value, rtol=0, atol=1e-6 * scale, err_msg=key)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_what_the_engine_cannot_compute_is_refused_in_one_line(capsys, onnx, cases, tmp_path, name):
    path = model_file(onnx, tmp_path / f"{name}.onnx", *cases[name])
    assert REFUSED[name] in one_line_error(capsys, "trace", path)


def test_an_rnn_node_is_refused_in_one_line(capsys, onnx, cases, tmp_path):
    rnn = [name for name in cases if name.startswith(("test_simple_rnn", "test_rnn"))]
    for name in rnn:
        path = model_file(onnx, tmp_path / f"{name}.onnx", *cases[name])
        err = one_line_error(capsys, "trace", path)
        assert err.endswith(
            "has no LSTM or GRU node; its nodes are ['RNN']; RNN node 1: an ONNX RNN node, "
            "which the engine does not compute (LSTM and GRU only)\n"
        ), name
