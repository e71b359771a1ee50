"""ONNX models: every `LSTM` and `GRU` node as a `SavedLayer` (read by `from_onnx`), the
path from one node down to the nodes below it, and onnxruntime to check against.

An ONNX file is data, never code. A node reads the node below when its X is that node's
Y seen through reshaping alone (Transpose, Reshape, Squeeze, ...), which is how
`torch.onnx.export` connects the layers of a module (as `onnx_reader.run_layers` does).
The check runs the part of the graph from the bottom node's X to the top node's Y,
extracted with `onnx.utils.Extractor`; initial states and sequence lengths the model
takes as inputs are fed as zeros and full lengths, as the engine runs.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import LSTMInputError
from .layers import Bidirectional
from .onnx_adapter import import_onnx
from .onnx_reader import OnnxLayer, from_onnx
from .saved import SavedLayer
from .saved_model import SavedModel
from .weights import GRUWeights

Array = NDArray[Any]
RESHAPING = ("Transpose", "Reshape", "Squeeze", "Unsqueeze", "Identity", "Flatten")


def read_onnx(path: str) -> SavedModel:
    """The LSTM and GRU nodes of an ONNX file, in graph order."""
    onnx = import_onnx()
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        model = onnx.load_model_from_string(data)
    except Exception as err:  # protobuf's DecodeError, whatever its module
        raise LSTMInputError(
            f"cannot read {path} as an ONNX model; it is truncated or corrupt "
            f"({type(err).__name__}: {' '.join(str(err).split())[:160]})"
        ) from None
    if not model.opset_import or not model.graph.node:
        raise LSTMInputError(f"{path} is not an ONNX model: it has no graph or no opset")
    _load_external_data(onnx, model, path)
    nodes = [n for n in model.graph.node if n.op_type in ("LSTM", "GRU")
             and n.domain in ("", "ai.onnx")]  # fmt: skip
    skipped = [(n.name or n.output[0], "an ONNX RNN node, which the engine does not compute "
                "(LSTM and GRU only)") for n in model.graph.node if n.op_type == "RNN"]  # fmt: skip
    if not nodes:
        found = sorted({n.op_type for n in model.graph.node})
        raise LSTMInputError(f"{path} has no LSTM or GRU node; its nodes are {found}")
    read = from_onnx(model)
    names = [n.name or f"{n.op_type} {k}" for k, n in enumerate(nodes)]
    producers = {out: n for n in model.graph.node for out in n.output if out}
    tops = {n.output[0]: name for n, name in zip(nodes, names, strict=True) if n.output}
    shapes = _static_shapes(onnx, model)
    layers, below, sources, refused, fixed = [], {}, {}, {}, {}
    for node, name, layer in zip(nodes, names, read, strict=True):
        layers.append(_saved(name, layer, model, node))
        tensor = node.input[0]
        while tensor in producers and producers[tensor].op_type in RESHAPING:
            tensor = producers[tensor].input[0]
        if tensor in tops:
            below[name] = tops[tensor]
        elif tensor in producers:
            p = producers[tensor]
            sources[name] = f"the output of {p.name or p.output[0]} ({p.op_type})"
        else:
            sources[name] = f"the model's input {tensor!r}"
        if any(s is not None and np.any(s) for s in layer.initial_state):
            refused[name] = ("it starts from an initial state stored in the file; the engine "
                             "traces from zeros")  # fmt: skip
        dims = shapes.get(node.input[0])
        if dims is not None and len(dims) == 3:
            fixed[name] = dims if layer.layout else (dims[1], dims[0], dims[2])
    by_name = dict(zip(names, zip(nodes, read, strict=True), strict=True))
    return SavedModel(
        path, "onnx", tuple(layers), below, sources, tuple(skipped), refused,
        run_own=lambda chosen, x: _run_own(model, [by_name[n] for n in chosen], x),
        input_shape=fixed,
    )  # fmt: skip


def _load_external_data(onnx: Any, model: Any, path: str) -> None:
    """Weights kept beside the file (`torch.onnx.export` writes model.onnx.data for
    larger tensors): read them when they sit in the file's own directory."""
    folder = os.path.dirname(os.path.abspath(path))
    for tensor in model.graph.initializer:
        if tensor.data_location != onnx.TensorProto.EXTERNAL:
            continue
        where = {e.key: e.value for e in tensor.external_data}.get("location", "")
        if not where or os.path.isabs(where) or ".." in where.replace("\\", "/").split("/"):
            raise LSTMInputError(
                f"{path}: tensor {tensor.name!r} points to data at {where!r}, outside the "
                "model's folder; refused"
            )
        if not os.path.isfile(os.path.join(folder, where)):
            raise LSTMInputError(
                f"{path} keeps its weights in {where!r} next to it, and that file is missing"
            )
    try:
        onnx.external_data_helper.load_external_data_for_model(model, folder)
    except Exception as err:  # a short or unreadable data file
        raise LSTMInputError(f"cannot read the weights {path} keeps beside it: {err}") from None


def _static_shapes(onnx: Any, model: Any) -> dict[str, tuple[int | None, ...]]:
    """Every tensor's shape as shape inference sees it, None for a free dimension."""
    try:
        inferred = onnx.shape_inference.infer_shapes(model)
    except Exception:  # a graph shape inference cannot follow: no shapes known
        return {}
    found = {}
    for info in (*inferred.graph.input, *inferred.graph.value_info):
        dims = info.type.tensor_type.shape.dim
        found[info.name] = tuple(d.dim_value if d.HasField("dim_value") else None for d in dims)
    return found


def _saved(name: str, layer: OnnxLayer, model: Any, node: Any) -> SavedLayer:
    onnx = import_onnx()
    stored = {t.name: t.data_type for t in model.graph.initializer}
    dtype = onnx.helper.tensor_dtype_to_np_dtype(stored[node.input[1]]).name \
        if node.input[1] in stored else "float32"  # fmt: skip
    settings: dict[str, Any] = {"direction": layer.direction, "layout": layer.layout}
    weights = layer.weights.forward if isinstance(layer.weights, Bidirectional) else layer.weights
    if isinstance(weights, GRUWeights):
        settings["linear_before_reset"] = int(weights.reset_after)
    for key, tensor in layer.runtime.items():
        fed = "full lengths" if key == "sequence_lens" else "zeros"
        if key != "X":
            settings[key] = f"model input {tensor!r} (fed as {fed})"
    return SavedLayer(
        name, "onnx", layer.weights, layer.activation, layer.recurrent_activation,
        go_backwards=layer.direction == "reverse", bias_halves=layer.bias_halves, dtype=dtype,
        settings=settings,
    )  # fmt: skip


def _run_own(model: Any, chain: Sequence[tuple[Any, OnnxLayer]], x: Array) -> tuple[Array, str]:
    """onnxruntime on the graph from the bottom node's X to the top node's Y."""
    onnx = import_onnx()
    try:
        ort: Any = importlib.import_module("onnxruntime")
    except ModuleNotFoundError as err:
        raise ModuleNotFoundError(
            "onnxruntime is not installed; install it with pip install 'lstm-explained[onnx]'"
        ) from err
    (bottom, first), (top, last) = chain[0], chain[-1]
    if not top.output or not top.output[0]:
        raise LSTMInputError(f"node {top.name!r} does not output its sequence Y")
    batch, time = x.shape[:2]
    x_fed = np.asarray(x if first.layout else x.transpose(1, 0, 2), dtype=np.float32)
    feeds: dict[str, Array] = {bottom.input[0]: x_fed}
    for _, layer in chain:
        dirs = 2 if layer.direction == "bidirectional" else 1
        for key, tensor in layer.runtime.items():
            if key == "sequence_lens":
                feeds[tensor] = np.full(batch, time, dtype=np.int32)
            elif key != "X":
                feeds[tensor] = np.zeros((dirs, batch, layer.weights.units // dirs), np.float32)
    known = {i.name for i in (*model.graph.input, *model.graph.output, *model.graph.value_info)}
    typed = model.__class__()
    typed.CopyFrom(model)
    for name in (*feeds, top.output[0]):  # the Extractor needs a type for each end
        if name not in known:
            elem = onnx.TensorProto.INT32 if name in feeds and feeds[name].dtype == np.int32 \
                else onnx.TensorProto.FLOAT  # fmt: skip
            typed.graph.value_info.append(onnx.helper.make_tensor_value_info(name, elem, None))
    try:
        sub = onnx.utils.Extractor(typed).extract_model(list(feeds), [top.output[0]])
        session = ort.InferenceSession(sub.SerializeToString(), providers=["CPUExecutionProvider"])
        y = session.run(None, feeds)[0]
    except Exception as err:  # onnxruntime's own exception types
        text = " ".join(str(err).split())
        raise LSTMInputError(f"onnxruntime could not run the graph: {text[:200]}") from None
    y = y.transpose(0, 2, 1, 3) if last.layout else y.transpose(2, 0, 1, 3)  # (b, t, dirs, H)
    what = (f"onnxruntime ran the graph from the input X of node {bottom.name or bottom.output[0]}"
            f" to the output Y of node {top.name or top.output[0]}")  # fmt: skip
    return y.reshape(batch, time, -1).astype(np.float64), what
