"""ONNX models: every `LSTM`, `GRU` and `RNN` node as a `SavedLayer` (read by `from_onnx`), the
path from one node down to the nodes below it, and onnxruntime to check against.

An ONNX file is data, never code. A node reads the node below when its X is that node's
Y seen through reshaping alone (Transpose, Reshape, Squeeze, ...), which is how
`torch.onnx.export` connects the layers of a module (as `onnx_reader.run_layers` does).
The check runs the part of the graph from the bottom node's X to the top node's Y,
extracted with `onnx.utils.Extractor`; initial states and sequence lengths the model
takes as inputs are fed as zeros (or the chosen node's states given) and full lengths,
as the engine runs. Initial states and sequence lengths the file stores are the
engine's too (`SavedLayer.initial_state`, `sequence_lens`); an initial state another
node computes (a decoder's, from its encoder) is traced only from a state given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..engine.layers import Bidirectional
from ..engine.weights import GRUWeights
from ..errors import LSTMInputError
from ..frameworks.onnx_adapter import import_onnx
from ..frameworks.onnx_reader import RECURRENT_OPS, OnnxLayer, from_onnx
from ..frameworks.onnx_tensors import load_external_data
from ..frameworks.optional import require
from .layer import LayerMask, SavedLayer
from .model import SavedModel

Array = NDArray[Any]
RESHAPING = ("Transpose", "Reshape", "Squeeze", "Unsqueeze", "Identity", "Flatten")


def read_onnx(path: str) -> SavedModel:
    """The LSTM, GRU and RNN nodes of an ONNX file, in graph order."""
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
    load_external_data(model, path)
    nodes = [n for n in model.graph.node if n.op_type in RECURRENT_OPS
             and n.domain in ("", "ai.onnx")]  # fmt: skip
    skipped: list[tuple[str, str]] = []
    if not nodes:
        found = sorted({n.op_type for n in model.graph.node})
        raise LSTMInputError(f"{path} has no LSTM, GRU or RNN node; its nodes are {found}")
    read = from_onnx(model)
    names = [n.name or f"{n.op_type} node {k}" for k, n in enumerate(nodes, start=1)]
    producers = {out: n for n in model.graph.node for out in n.output if out}
    recurrent = {out: name for n, name in zip(nodes, names, strict=True) for out in n.output
                 if out}  # fmt: skip
    shapes = _static_shapes(onnx, model)
    below, sources, needs_state, fixed = {}, {}, {}, {}
    for node, name, layer in zip(nodes, names, read, strict=True):
        tensor = _through(node.input[0], producers, RESHAPING)
        if tensor in recurrent and producers[tensor].output[0] == tensor:
            below[name] = recurrent[tensor]
        elif tensor in producers:
            p = producers[tensor]
            sources[name] = f"the output of {p.name or p.output[0]} ({p.op_type})"
        else:
            sources[name] = f"the model's input {tensor!r}"
        why = _computed_states(layer, producers, recurrent)
        if why:
            needs_state[name] = why
        dims = shapes.get(node.input[0])
        if dims is not None and len(dims) == 3:
            fixed[name] = dims if layer.layout else (dims[1], dims[0], dims[2])
    by_name = {name: (name, node, layer) for name, node, layer in zip(names, nodes, read,
                                                                      strict=True)}  # fmt: skip
    return SavedModel(
        path, "onnx", tuple(_saved(n, layer, model, node, producers, recurrent)
                            for n, layer, node in zip(names, read, nodes, strict=True)),
        below, sources, tuple(skipped), needs_state=needs_state,
        run_own=lambda chosen, x, states: _run_own(model, [by_name[n] for n in chosen], x, states),
        input_shape=fixed,
    )  # fmt: skip


SLICING = (*RESHAPING, "Slice", "Gather", "Split", "Cast")
"""Operators that only select, reshape or retype their first input: zeros fed at the
model's input reach the node as zeros (`torch.onnx.export` slices each layer's initial
state out of one input this way)."""


def _through(tensor: str, producers: Mapping[str, Any], ops: Sequence[str]) -> str:
    """The tensor that `tensor` is, seen back through operators `ops` alone."""
    while tensor in producers and producers[tensor].op_type in ops:
        tensor = producers[tensor].input[0]
    return tensor


def _computed_states(layer: OnnxLayer, producers: Mapping[str, Any],
                     recurrent: Mapping[str, str]) -> str:  # fmt: skip
    """Why the node cannot start from zeros: an initial state another node computes
    (not the model's input, nor a slice of it); empty when it can."""
    for key, tensor in layer.runtime.items():
        source = _through(tensor, producers, SLICING)
        if key.startswith("initial_") and source in producers:
            p = producers[source]
            who = recurrent.get(source) or f"{p.name or p.output[0]} ({p.op_type})"
            return (f"it starts from {key} {tensor!r}, which {who} computes when the model "
                    "runs; give that state with --initial-state FILE.npz")  # fmt: skip
    return ""


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


def _saved(name: str, layer: OnnxLayer, model: Any, node: Any, producers: Mapping[str, Any],
           recurrent: Mapping[str, str]) -> SavedLayer:  # fmt: skip
    """The node as a `SavedLayer`, with the initial state and sequence lengths the file
    stores (a stored state of zeros is the engine's own start, for any batch)."""
    onnx = import_onnx()
    stored = {t.name: t.data_type for t in model.graph.initializer}
    dtype = onnx.helper.tensor_dtype_to_np_dtype(stored[node.input[1]]).name \
        if node.input[1] in stored else "float32"  # fmt: skip
    settings: dict[str, Any] = {"direction": layer.direction, "layout": layer.layout}
    weights = layer.weights.forward if isinstance(layer.weights, Bidirectional) else layer.weights
    if isinstance(weights, GRUWeights):
        settings["linear_before_reset"] = int(weights.reset_after)
    for variant in getattr(weights, "variants", ()):  # an LSTM's P, clip, input_forget
        value = getattr(weights, variant)
        settings[variant] = ("P stored in the file" if variant == "peephole"
                             else int(value) if variant == "input_forget" else value)  # fmt: skip
    settings |= _runtime_settings(layer, producers, recurrent)
    start = _stored_states(layer)
    for k, v in (start or {}).items():
        settings[f"initial_{k}"] = f"stored in the file, {v.shape} (directions, batch, units)"
    if layer.sequence_lens is not None:
        settings["sequence_lens"] = f"stored in the file, {layer.sequence_lens.tolist()}"
    return SavedLayer(
        name, "onnx", layer.weights, layer.activation, layer.recurrent_activation,
        go_backwards=layer.direction == "reverse", bias_halves=layer.bias_halves, dtype=dtype,
        settings=settings, initial_state=start, sequence_lens=layer.sequence_lens,
        mask=_lengths(layer),
    )  # fmt: skip


def _runtime_settings(layer: OnnxLayer, producers: Mapping[str, Any],
                      recurrent: Mapping[str, str]) -> dict[str, str]:  # fmt: skip
    """Where the node's runtime initial states and sequence lengths come from, in words."""
    found = {}
    for key, tensor in layer.runtime.items():
        if key == "X":
            continue
        source, lens = _through(tensor, producers, SLICING), key == "sequence_lens"
        if source in producers:
            who = recurrent.get(source) or producers[source].op_type
            how = "fed as full lengths" if lens else "give --initial-state"
            found[key] = f"{tensor!r}, computed by {who} ({how})"
        else:
            part = "" if source == tensor else f"{tensor!r}, from "
            how = "full lengths" if lens else "zeros, or --initial-state"
            found[key] = f"{part}model input {source!r} (fed as {how})"
    return found


def _stored_states(layer: OnnxLayer) -> dict[str, Array] | None:
    """The initial states the file stores, each (dirs, batch, H) whatever the layout, one
    stored alone paired with zeros; None when there are none, or only zeros (the engine's
    own start, for any batch)."""
    found = {}
    for k, value in zip(("h", "c"), layer.initial_state, strict=False):
        if value is not None:  # (dirs, batch, H), or (batch, dirs, H) with layout 1
            found[k] = np.asarray(value, np.float64).swapaxes(0, 1) if layer.layout else \
                np.asarray(value, np.float64)  # fmt: skip
    if not any(np.any(v) for v in found.values()):
        return None
    shape = next(iter(found.values())).shape
    return {k: found.get(k, np.zeros(shape)) for k in ("h", "c")[: len(layer.initial_state)]}


def _lengths(layer: OnnxLayer) -> LayerMask | None:
    """The node's sequence_lens as a mask: real steps first, padding at the end."""
    if "sequence_lens" in layer.runtime:
        return LayerMask(
            "lengths", f"sequence_lens (model input {layer.runtime['sequence_lens']!r})"
        )
    if layer.sequence_lens is None:
        return None
    stored = tuple(int(n) for n in layer.sequence_lens)
    return LayerMask("lengths", "sequence_lens (stored in the file)", lengths=stored)


Link = tuple[str, Any, OnnxLayer]  # a node's name as reports give it, the node, the layer


def _run_own(model: Any, chain: Sequence[Link], x: Array, states: Any
             ) -> tuple[dict[str, Array], str]:  # fmt: skip
    """The graph from the bottom node's X to the top node's outputs, run by onnxruntime,
    or by ONNX's reference evaluator where onnxruntime refuses the nodes (`layout=1`,
    double precision) and the evaluator computes every attribute they set. Returns
    whichever of Y, Y_h and Y_c the top node outputs: Y as (batch, time, dirs*H), the
    states as (dirs, batch, H)."""
    onnx = import_onnx()
    (low, bottom, _), (high, top, last) = chain[0], chain[-1]
    outputs = {key: name for key, name in zip(("Y", "Y_h", "Y_c"), top.output, strict=False)
               if name}  # fmt: skip
    if not outputs:
        raise LSTMInputError(f"{high} has no outputs to compare")
    unfed = [f"initial_{k}" for k, v in (states or {}).items()
             if f"initial_{k}" not in last.runtime and np.any(v)]  # fmt: skip
    if unfed:
        raise LSTMInputError(
            f"{high} reads no {' or '.join(unfed)} when the model runs (the model starts it "
            "from zeros or from what the file stores), so the graph cannot be run from the "
            "initial state given"
        )
    dtype = _stored_dtype(onnx, model, bottom)
    feeds = _feeds(chain, x, states, dtype)
    sub = _extract(onnx, model, feeds, list(outputs.values()))
    batch, time = x.shape[:2]
    runner = _runner(chain, dtype, time)
    run = _onnxruntime if runner == "onnxruntime" else _reference
    values = run(sub, feeds)
    name = "onnxruntime" if runner == "onnxruntime" else "ONNX's reference evaluator"
    found: dict[str, Array] = {}
    for key, value in zip(outputs, values, strict=True):
        value = np.asarray(value, dtype=np.float64)
        if value.ndim != (4 if key == "Y" else 3):
            raise LSTMInputError(f"{name} returned {key} of shape {value.shape}")
        if key == "Y":  # (time, dirs, batch, H), or (batch, time, dirs, H) with layout 1
            value = value.transpose(0, 2, 1, 3) if last.layout else value.transpose(2, 0, 1, 3)
            found[key] = value.reshape(batch, time, -1)
        else:  # (dirs, batch, H), or (batch, dirs, H) with layout 1
            found[key] = value.transpose(1, 0, 2) if last.layout else value
    what = (f"{name} ran the graph from the input X of {low} to the outputs "
            f"{', '.join(outputs)} of {high}")  # fmt: skip
    return found, what


def _stored_dtype(onnx: Any, model: Any, node: Any) -> Any:
    stored = {t.name: t.data_type for t in model.graph.initializer}
    if node.input[1] in stored:
        return onnx.helper.tensor_dtype_to_np_dtype(stored[node.input[1]])
    return np.dtype(np.float32)


def _feeds(chain: Sequence[Link], x: Array, states: Any, dtype: Any) -> dict[str, Array]:
    """X for the bottom node; initial states (given, or zeros) and full sequence lengths
    for the tensors the nodes read when the model runs."""
    (_, bottom, first) = chain[0]
    batch, time = x.shape[:2]
    feeds: dict[str, Array] = {
        bottom.input[0]: np.asarray(x if first.layout else x.transpose(1, 0, 2), dtype=dtype)
    }
    for k, (_, _, layer) in enumerate(chain):
        dirs = 2 if layer.direction == "bidirectional" else 1
        for key, tensor in layer.runtime.items():
            if key == "sequence_lens":
                feeds[tensor] = np.full(batch, time, dtype=np.int32)
            elif key != "X":
                given = None
                if states is not None and k == len(chain) - 1:
                    given = np.asarray(states[key.removeprefix("initial_")])  # (dirs, b, H)
                    given = given.transpose(1, 0, 2) if layer.layout else given
                shape = (batch, dirs, layer.weights.units // dirs) if layer.layout else (
                    dirs, batch, layer.weights.units // dirs)  # fmt: skip
                feeds[tensor] = np.asarray(np.zeros(shape) if given is None else given, dtype)
    return feeds


def _extract(onnx: Any, model: Any, feeds: dict[str, Array], outputs: list[str]) -> Any:
    """The part of the graph from the fed tensors to `outputs`."""
    known = {i.name for i in (*model.graph.input, *model.graph.output, *model.graph.value_info)}
    typed = model.__class__()
    typed.CopyFrom(model)
    for name in (*feeds, *outputs):  # the Extractor needs a type for each end
        if name not in known:
            elem = onnx.helper.np_dtype_to_tensor_dtype(feeds[name].dtype) if name in feeds \
                else onnx.TensorProto.FLOAT  # fmt: skip
            typed.graph.value_info.append(onnx.helper.make_tensor_value_info(name, elem, None))
    try:
        return onnx.utils.Extractor(typed).extract_model(list(feeds), outputs)
    except Exception as err:  # onnx's own exception types
        text = " ".join(str(err).split())
        raise LSTMInputError(f"cannot cut the graph at the layer's inputs: {text[:200]}") from None


def _runner(chain: Sequence[Link], dtype: Any, time: int) -> str:
    """onnxruntime, unless it refuses the nodes (layout=1, double precision); then ONNX's
    reference evaluator, if it computes everything the nodes set for inputs of `time`
    steps. Decided from the nodes' attributes: the evaluator silently ignores some (see
    `_reference_ignores`)."""
    refused = [why for _, _, layer in chain for why in (
        "layout=1" if layer.layout else "", "double precision" if dtype == np.float64 else "")
        if why]  # fmt: skip
    if not refused:
        return "onnxruntime"
    ignored = [f"{name}: {why}" for name, node, layer in chain
               for why in _reference_ignores(node, layer, time)]  # fmt: skip
    if ignored:
        raise LSTMInputError(
            f"onnxruntime does not run {' and '.join(sorted(set(refused)))}, and ONNX's "
            f"reference evaluator would silently ignore what the node sets ({'; '.join(ignored)})"
        )
    return "reference"


DEFAULT_ACTIVATIONS = {
    "LSTM": ["sigmoid", "tanh", "tanh"], "GRU": ["sigmoid", "tanh"], "RNN": ["tanh"],
}  # fmt: skip


def _reference_ignores(node: Any, layer: OnnxLayer, time: int) -> list[str]:
    """What a node sets that ONNX's reference evaluator ignores (onnx/reference/ops/
    op_lstm.py, op_gru.py and op_rnn.py read neither sequence_lens, activations nor clip, and the
    LSTM not input_forget). Sequence lengths fed as full lengths, or stored ones that
    are `time`, change nothing."""
    onnx = import_onnx()
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    found = []
    if layer.sequence_lens is not None and np.any(layer.sequence_lens < time):
        found.append("sequence_lens stored in the file")
    dirs = 2 if layer.direction == "bidirectional" else 1
    names = [a.decode() if isinstance(a, bytes) else str(a) for a in attrs.get("activations", [])]
    if names and [n.lower() for n in names] != DEFAULT_ACTIVATIONS[node.op_type] * dirs:
        found.append(f"activations {names}")
    if "clip" in attrs:
        found.append(f"clip={attrs['clip']}")
    if attrs.get("input_forget", 0):
        found.append("input_forget=1")
    return found


def _onnxruntime(sub: Any, feeds: dict[str, Array]) -> list[Array]:
    ort = require("onnxruntime", "onnx")
    try:
        session = ort.InferenceSession(sub.SerializeToString(), providers=["CPUExecutionProvider"])
        return list(session.run(None, feeds))
    except Exception as err:  # onnxruntime's own exception types
        text = " ".join(str(err).split())
        raise LSTMInputError(f"onnxruntime could not run the graph: {text[:200]}") from None


def _reference(sub: Any, feeds: dict[str, Array]) -> list[Array]:
    try:
        from onnx.reference import ReferenceEvaluator

        return list(ReferenceEvaluator(sub).run(None, feeds))
    except Exception as err:  # the evaluator's own exception types
        text = " ".join(str(err).split())
        raise LSTMInputError(f"ONNX's reference evaluator could not run the graph: {text[:200]}"
                             ) from None  # fmt: skip
