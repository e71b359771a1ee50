"""The tensors of an ONNX model: weights kept in data files beside it, read by `from_onnx`
and `trace` alike from the model's own folder and compared with onnxruntime (which reads
the same files itself); locations that leave the folder refused before anything is
opened; and the slicing and reshaping nodes computed on stored tensors, each compared
with onnxruntime running the same node."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from lstm_explained import LSTMInputError, LSTMWeights, from_onnx, to_onnx
from lstm_explained.frameworks.onnx_reader import run_layers
from lstm_explained.frameworks.onnx_tensors import FOLDED, constants
from tests.command_line import one_line_error, run
from tests.frameworks.onnx_runs import f32

pytestmark = pytest.mark.onnx
X = np.random.default_rng(3).uniform(-1, 1, (6, 2, 3))  # (time, batch, features)


def session_outputs(onnxruntime, path, x):
    """onnxruntime's outputs of the model file at `path` (it reads the data files itself)."""
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: f32(x)})


def test_a_torch_export_with_external_data_is_read_by_from_onnx_and_trace(
    capsys, onnx, onnxruntime, torch, tmp_path
):
    torch.manual_seed(2)
    module = torch.nn.LSTM(3, 64, num_layers=2, bidirectional=True)  # large enough
    path = tmp_path / "big.onnx"
    torch.onnx.export(module, (torch.from_numpy(f32(X)),), str(path), dynamo=True)
    capsys.readouterr()  # the exporter's progress lines
    assert (tmp_path / "big.onnx.data").is_file()
    stored = onnx.load(str(path), load_external_data=False).graph.initializer
    assert any(t.data_location == onnx.TensorProto.EXTERNAL for t in stored)
    y = session_outputs(onnxruntime, path, X)[0]  # (time, batch, 2*H)
    layers = from_onnx(path)
    ours = run_layers(layers, X)[0]  # (time, dirs, batch, H)
    np.testing.assert_allclose(ours.transpose(0, 2, 1, 3).reshape(y.shape), y, rtol=0, atol=1e-5)
    with torch.no_grad():
        theirs = module(torch.from_numpy(f32(X)))[0].numpy()
    np.testing.assert_allclose(y, theirs, rtol=0, atol=1e-5)
    batch_first = json.dumps(X.transpose(1, 0, 2).tolist())
    code, out, err = run(capsys, "trace", path, "--layer", "2", "-i", batch_first, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["check"]["checked"] is True
    assert doc["check"]["what"].startswith("onnxruntime ran the graph")
    np.testing.assert_allclose(np.asarray(doc["outputs"]["Y"]), y.transpose(1, 0, 2), rtol=0,
                               atol=1e-5)  # fmt: skip


def save_external(onnx, model, path, location):
    onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=location, size_threshold=0)  # fmt: skip


def test_data_in_a_subfolder_of_the_models_folder_is_read(capsys, onnx, onnxruntime, tmp_path):
    (tmp_path / "weights").mkdir()
    path = tmp_path / "m.onnx"
    save_external(onnx, to_onnx(LSTMWeights.random(3, 2, seed=4)), path, "weights/w.bin")
    assert (tmp_path / "weights" / "w.bin").is_file()
    y = session_outputs(onnxruntime, path, X)[0]  # (time, 1, batch, H)
    np.testing.assert_allclose(run_layers(from_onnx(path), X)[0], y, rtol=0, atol=1e-5)
    code, _, err = run(capsys, "trace", path, "-i", json.dumps(X.transpose(1, 0, 2).tolist()))
    assert code == 0, err


def pointing_to(onnx, tmp_path, location):
    """A model whose weights are stored outside it, its location edited by hand."""
    folder = tmp_path / "model"
    folder.mkdir()
    path = folder / "m.onnx"
    save_external(onnx, to_onnx(LSTMWeights.random(3, 2, seed=4)), path, "w.bin")
    model = onnx.load(str(path), load_external_data=False)
    for tensor in model.graph.initializer:
        for entry in tensor.external_data:
            if entry.key == "location":
                entry.value = location
    path.write_bytes(model.SerializeToString())
    return path


@pytest.mark.parametrize("how", ["parent", "absolute", "symlink"])
def test_a_location_that_leaves_the_models_folder_is_refused(capsys, onnx, tmp_path, how):
    outside = tmp_path / "x.bin"
    outside.write_bytes(bytes(4096))  # there, so that only where it is can refuse it
    where = {"parent": "../x.bin", "absolute": str(outside), "symlink": "link.bin"}[how]
    path = pointing_to(onnx, tmp_path, where)
    if how == "symlink":  # inside by its name, outside where it resolves
        os.symlink(outside, path.parent / "link.bin")
    expected = f"points to data at {where!r}, outside the model's folder"
    with pytest.raises(LSTMInputError, match=expected.replace(".", r"\.")):
        from_onnx(path)
    err = one_line_error(capsys, "trace", path)
    assert f"refused {path}: tensor " in err
    assert "CVE-2024-27318" in err


def test_a_missing_or_short_data_file_and_a_modelproto_without_its_folder(capsys, onnx, tmp_path):
    path = pointing_to(onnx, tmp_path, "gone.bin")
    assert "keeps its weights in 'gone.bin' next to it, and that file is missing" in (
        one_line_error(capsys, "trace", path))  # fmt: skip
    (path.parent / "gone.bin").write_bytes(bytes(8))
    with pytest.raises(LSTMInputError, match=r"cannot read the weights .* keeps beside it"):
        from_onnx(path)
    model = onnx.load(str(path), load_external_data=False)
    with pytest.raises(LSTMInputError, match=r"a ModelProto or bytes do not say which folder"):
        from_onnx(model)


# ---- nodes computed on stored tensors, against onnxruntime -----------------------------

A = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
INT = np.int64
CASES = {
    "Identity": ([A], {}, 14),
    "Concat": ([A, A[:, :1]], {"axis": 1}, 14),
    "Slice": ([A, np.array([1, -1], INT), np.array([-9, 0], INT), np.array([1, 2], INT),
               np.array([-1, -2], INT)], {}, 14),
    "Slice clamped": ([A, np.array([0, 2], INT), np.array([99, 2**62], INT)], {}, 14),
    "Slice as attributes": ([A], {"starts": [1], "ends": [3], "axes": [2]}, 9),
    "Unsqueeze": ([A, np.array([-1, 0], INT)], {}, 14),
    "Unsqueeze as attribute": ([A], {"axes": [1]}, 11),
    "Squeeze": ([A[:1, :, 1:2], np.array([0, -1], INT)], {}, 14),
    "Reshape": ([A, np.array([0, -1], INT)], {}, 14),
    "Transpose": ([A], {"perm": [2, 0, 1]}, 14),
    "Cast": ([A], {"to": 11}, 14),  # to DOUBLE
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_folded_operator_computes_what_onnxruntime_computes(onnx, onnxruntime, case):
    inputs, attrs, opset = CASES[case]
    op = case.split()[0]
    helper = onnx.helper
    names = [f"in{k}" for k in range(len(inputs))]
    node = helper.make_node(op, names, ["out"], **attrs)
    elem = onnx.TensorProto.DOUBLE if op == "Cast" else onnx.TensorProto.FLOAT
    graph = helper.make_graph(
        [node], "g", [], [helper.make_tensor_value_info("out", elem, None)],
        initializer=[onnx.numpy_helper.from_array(v, n) for n, v in zip(names, inputs,
                                                                         strict=True)],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              ir_version=8)  # fmt: skip
    session = onnxruntime.InferenceSession(model.SerializeToString(),
                                           providers=["CPUExecutionProvider"])  # fmt: skip
    (theirs,) = session.run(None, {})
    ours = constants(model)["out"]
    assert ours.dtype == theirs.dtype
    assert np.array_equal(ours, theirs)


def test_every_folded_operator_is_compared():
    assert {case.split()[0] for case in CASES} == set(FOLDED)
