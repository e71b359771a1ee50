"""Read the LSTM, GRU and RNN nodes of an ONNX model as engine layers, and run them.

`from_onnx(model_or_path)` finds every `LSTM`, `GRU` and `RNN` node of the main graph in graph
order (exporters write one per layer) and reads each by its inputs' positions (X, W, R,
B, sequence_lens, initial_h, initial_c, P), never by tensor names, which exporters make
up (`val_109`). Tensors come from initializers (in the file, or in data files in the
model's own folder: `onnx_tensors.load_external_data`), `Constant` nodes, and the nodes
that only slice, join and reshape them (`onnx_tensors.constants`). Loading never runs
code: an ONNX file is data.

What the engine can compute is kept: the directions, activations with their alpha and
beta, `layout`, constant or runtime `sequence_lens` and initial states, and an LSTM's
peepholes `P`, `clip` and `input_forget` (computed as onnxruntime computes them; see
`engine.lstm_variants`). What it cannot is refused with an `LSTMInputError`: a GRU's
`clip`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..engine._validate import describe
from ..engine.layers import Bidirectional
from ..engine.options import ActivationSpec
from ..engine.parametric import DEFAULTS, KINDS, engine_activation
from ..engine.recurrence import forward
from ..engine.weights import Weights
from ..errors import LSTMInputError
from .layouts import layout, reorder
from .onnx_adapter import import_onnx, weights_from_onnx_arrays
from .onnx_tensors import FOLDED, load_external_data
from .onnx_tensors import constants as stored_constants

Array = NDArray[Any]
SLOTS = ("X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P")
"""An LSTM node's inputs by position (a GRU's and an RNN's stop after initial_h)."""
RECURRENT_OPS = ("LSTM", "GRU", "RNN")
"""The ONNX operators read as layers."""


@dataclass(frozen=True, eq=False)
class OnnxLayer:
    """One LSTM, GRU or RNN node in the engine's terms.

    `weights` is `LSTMWeights`/`GRUWeights`/`RNNWeights`, or a `Bidirectional` pair when `direction`
    is "bidirectional". `initial_state` holds the stored arrays as the node reads them
    (h, then c for an LSTM): (dirs, batch, H), or (batch, dirs, H) with layout 1; None for
    zeros or a state given when the model runs. `sequence_lens` is (batch,) or None.
    `runtime` names the tensors that supply X, and sequence_lens or initial states when
    they are not stored in the file but given when the model runs (graph inputs, or
    slices of them, or tensors other nodes compute).
    """

    name: str
    op_type: str
    weights: Weights | Bidirectional
    direction: str
    activation: ActivationSpec
    recurrent_activation: ActivationSpec
    layout: int
    initial_state: tuple[Array | None, ...]
    sequence_lens: Array | None
    runtime: dict[str, str]
    bias_halves: Any = None
    """(input side Wb, recurrent side Rb) in Keras's gate order, float64, each (n*H,);
    a pair of pairs for a bidirectional node; None when the node has no B."""

    def run(
        self,
        x: Any,
        *,
        initial_state: tuple[Any, ...] | None = None,
        sequence_lens: Any = None,
        exact: bool = False,
        dtype: str = "float64",
    ) -> tuple[Array, ...]:
        """What the node outputs for `x`: Y, Y_h (and Y_c for an LSTM), in ONNX's shapes.

        `x` is (time, batch, features), or (batch, time, features) with layout 1; Y is
        (time, dirs, batch, H) or (batch, time, dirs, H); Y_h (dirs, batch, H) or (batch,
        dirs, H); `initial_state` (h, then c) is shaped as Y_h. Padded steps past
        `sequence_lens` output zeros, as in ONNX.
        """
        x = np.asarray(x)
        if x.ndim != 3:
            raise LSTMInputError(f"x must be 3-D (time, batch, features); got shape {x.shape}")
        batch_first = x if self.layout else x.transpose(1, 0, 2)  # (batch, time, features)
        for key, given in (("sequence_lens", sequence_lens), ("initial_h", initial_state),
                           ("initial_c", initial_state)):  # fmt: skip
            if key in self.runtime and given is None:
                raise LSTMInputError(
                    f"node {self.name!r} reads {key} from {self.runtime[key]!r} when the model "
                    f"runs; pass {'sequence_lens' if key == 'sequence_lens' else 'initial_state'}="
                )
        lens = self.sequence_lens if sequence_lens is None else np.asarray(sequence_lens)
        time = batch_first.shape[1]
        mask = None if lens is None else np.arange(time) < np.asarray(lens)[:, None]
        states = initial_state if initial_state is not None else self.initial_state
        parts = self.weights
        pairs = [(parts.forward, False), (parts.backward, True)] if isinstance(
            parts, Bidirectional) else [(parts, self.direction == "reverse")]  # fmt: skip
        ys, finals = [], []
        for d, (weights, backwards) in enumerate(pairs):
            start = None if all(s is None for s in states) else [
                np.zeros((batch_first.shape[0], weights.units)) if s is None
                else np.asarray(s)[:, d] if self.layout else np.asarray(s)[d]
                for s in states]  # fmt: skip
            trace = forward(
                batch_first, weights, activation=self.activation,
                recurrent_activation=self.recurrent_activation, initial_state=start,
                mask=mask, go_backwards=backwards, zero_output_for_mask=True, exact=exact,
                dtype=dtype,  # type: ignore[arg-type]
            )  # fmt: skip
            out = trace.sequence_out[:, ::-1] if backwards else trace.sequence_out
            ys.append(out)  # (batch, time, H), input order
            finals.append(list(trace.states.values()))
        y = np.stack(ys, axis=2)  # (batch, time, dirs, H)
        y = y if self.layout else y.transpose(1, 2, 0, 3)  # (time, dirs, batch, H)
        states_out = [np.stack([f[k] for f in finals], axis=1 if self.layout else 0)
                      for k in range(len(finals[0]))]  # fmt: skip
        return (y, *states_out)


def _load(model_or_path: Any) -> Any:
    """An `onnx.ModelProto` from a model, bytes or a path; a clear error otherwise."""
    onnx = import_onnx()
    if isinstance(model_or_path, onnx.ModelProto):
        return model_or_path
    if isinstance(model_or_path, (bytes, bytearray)):
        data, where = bytes(model_or_path), "the bytes given"
    elif isinstance(model_or_path, (str, os.PathLike)):
        where = os.fspath(model_or_path)
        try:
            with open(where, "rb") as fh:
                data = fh.read()
        except OSError as err:
            raise LSTMInputError(f"cannot read the ONNX file {where!r}: {err.strerror}") from None
    else:
        raise LSTMInputError(
            f"model_or_path must be an onnx.ModelProto, bytes or a path; got "
            f"{describe(model_or_path)}"
        )
    try:
        model = onnx.load_model_from_string(data)
    except Exception as err:  # protobuf's DecodeError, whatever its module
        raise LSTMInputError(
            f"{where} is not an ONNX model, or it is truncated ({type(err).__name__}: {err})"
        ) from None
    if not model.opset_import or not model.graph.node:
        raise LSTMInputError(f"{where} is not an ONNX model: it has no graph or no opset")
    if isinstance(model_or_path, (str, os.PathLike)):
        load_external_data(model, where)
    return model


def _zeros_made_by(model: Any, name: str, constants: dict[str, Array]) -> bool:
    """Whether `name` is zeros broadcast to a shape (Expand or ConstantOfShape), as
    `torch.onnx.export` writes a zero initial state."""
    onnx = import_onnx()
    for node in model.graph.node:
        if name in node.output:
            if node.op_type == "Expand" and node.input[0] in constants:
                return not np.any(constants[node.input[0]])
            if node.op_type == "ConstantOfShape":
                value = [a for a in node.attribute if a.name == "value"]
                return not value or not np.any(onnx.numpy_helper.to_array(value[0].t))
    return False


def _attributes(node: Any) -> dict[str, Any]:
    onnx = import_onnx()
    values = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    return {k: v.decode() if isinstance(v, bytes) else
            [s.decode() for s in v] if isinstance(v, list) and v and isinstance(v[0], bytes)
            else v for k, v in values.items()}  # fmt: skip


def _activations(node: Any, attrs: dict[str, Any], dirs: int, label: str) -> tuple[Any, Any]:
    """(activation, recurrent_activation) of a node, read as onnxruntime reads them."""
    per = {"LSTM": 3, "GRU": 2, "RNN": 1}[node.op_type]
    fallback = ["Tanh"] if node.op_type == "RNN" else ["Sigmoid", "Tanh", "Tanh"][:per]
    names = attrs.get("activations") or (fallback * dirs)
    if len(names) != per * dirs:
        raise LSTMInputError(
            f"{label}: activations must name {per * dirs} functions ({per} per "
            f"direction); got {names}"
        )
    alphas, betas = list(attrs.get("activation_alpha", [])), list(attrs.get("activation_beta", []))
    spelled = {n.lower(): n for n in ("Sigmoid", "Tanh", "Relu", *(k.onnx for k in KINDS.values()))}
    specs = []
    for name in names:
        canonical = spelled.get(name.lower(), name)  # onnxruntime ignores case
        kind = next((k for k in KINDS.values() if k.onnx == canonical), None)
        params: list[float | None] = [None, None]
        for k, (wanted, values) in enumerate(((kind and kind.uses_alpha, alphas),
                                              (kind and kind.uses_beta, betas))):  # fmt: skip
            if wanted:
                default = DEFAULTS.get(canonical)
                if not values and default is None:
                    raise LSTMInputError(
                        f"{label}: {canonical} needs activation_"
                        f"{'alpha' if k == 0 else 'beta'}, and ONNX and onnxruntime disagree "
                        "on its default; write it explicitly"
                    )
                params[k] = values.pop(0) if values else default[k]  # type: ignore[index]
        specs.append(engine_activation(canonical, *params))
    if specs[per:] and specs[per:] != specs[:per]:
        raise LSTMInputError(f"{label}: both directions must use the same activations; got {names}")
    if node.op_type == "RNN":  # one activation; no gates, so no recurrent_activation
        return specs[0], "linear"
    gates, candidate = specs[0], specs[1]
    if node.op_type == "LSTM" and specs[2] != candidate:
        raise LSTMInputError(
            f"{label}: the engine uses one activation for the candidate and for "
            f"the cell state on its way to h; this node has {names[1]} and {names[2]}"
        )
    return candidate, gates


def _inputs(model: Any, slot: dict[str, str], constants: dict[str, Array], label: str
            ) -> tuple[dict[str, Array | None], dict[str, str]]:  # fmt: skip
    """A node's optional inputs by slot, the stored ones as arrays (None when absent or
    given when the model runs), and the names of the tensors given when it runs."""
    tensors: dict[str, Array | None] = {}
    runtime = {"X": slot["X"]}
    for key in ("W", "R", "B", "P", "sequence_lens", "initial_h", "initial_c"):
        name = slot[key]
        if not name:
            tensors[key] = None
        elif name in constants:
            tensors[key] = np.asarray(constants[name])
        elif key in ("initial_h", "initial_c") and _zeros_made_by(model, name, constants):
            tensors[key] = None
        elif key in ("sequence_lens", "initial_h", "initial_c"):
            tensors[key], runtime[key] = None, name  # a graph input, or computed
        else:
            raise LSTMInputError(
                f"{label}: its {key} input {name!r} is computed by other nodes; from_onnx reads "
                "W, R, B and P from initializers and Constant nodes, and from what "
                f"{', '.join(FOLDED)} nodes make of them, and runs no other operator"
            )
    return tensors, runtime


def _layer(model: Any, node: Any, constants: dict[str, Array], position: int) -> OnnxLayer:
    """The node as a layer; `position` numbers it among the recurrent nodes, from 1, to
    name an unnamed node ("LSTM node 2") as `trace` does."""
    attrs = _attributes(node)
    op = node.op_type
    label = f"node {node.name!r} ({op})" if node.name else f"{op} node {position}"
    names = list(node.input) + [""] * (len(SLOTS) - len(node.input))
    slot = dict(zip(SLOTS, names, strict=True))
    for bad, why in (("clip", "clips its pre-activations"),
                     ("input_forget", "couples the input and forget gates")):  # fmt: skip
        if attrs.get(bad) and op != "LSTM":  # an LSTM's are computed (lstm_variants)
            raise LSTMInputError(f"{label} has {bad}={attrs[bad]}: it {why}, which the engine "
                                 "does not compute")  # fmt: skip
    direction = attrs.get("direction", "forward")
    if direction not in ("forward", "reverse", "bidirectional"):
        raise LSTMInputError(f"{label}: direction must be forward, reverse or bidirectional; "
                             f"got {direction!r}")  # fmt: skip
    dirs = 2 if direction == "bidirectional" else 1
    tensors, runtime = _inputs(model, slot, constants, label)
    w, r = tensors["W"], tensors["R"]
    if w is None or r is None:
        raise LSTMInputError(f"{label} has no W or R input")
    n = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    hidden = int(attrs.get("hidden_size") or r.shape[-1])
    expected = {"W": (dirs, n * hidden, w.shape[-1]), "R": (dirs, n * hidden, hidden),
                "B": (dirs, 2 * n * hidden), "P": (dirs, 3 * hidden)}  # fmt: skip
    for key, shape in expected.items():
        value = tensors[key]
        if value is not None and value.shape != shape:
            raise LSTMInputError(
                f"{label}: {key} must have shape {shape} for direction={direction} and "
                f"hidden_size={hidden}; got {value.shape}"
            )
    b, p = tensors["B"], tensors["P"]
    lbr = int(attrs.get("linear_before_reset", 0))
    clip, coupled = attrs.get("clip"), int(attrs.get("input_forget", 0))  # an LSTM's
    parts = [weights_from_onnx_arrays(op, w[d], r[d], None if b is None else b[d],
                                      linear_before_reset=lbr, p=None if p is None else p[d],
                                      clip=clip, input_forget=coupled)
             for d in range(dirs)]  # fmt: skip
    weights: Weights | Bidirectional = parts[0] if dirs == 1 else Bidirectional(parts[0], parts[1])
    lay, ours = layout(f"onnx-{op.lower()}"), type(parts[0]).gates
    halves = None if b is None else tuple(
        tuple(reorder(np.asarray(h, np.float64), lay.gate_order, ours) for h in np.split(b[d], 2))
        for d in range(dirs))  # fmt: skip
    activation, recurrent = _activations(node, attrs, dirs, label)
    lens = tensors["sequence_lens"]
    states = tuple(tensors[k] for k in ("initial_h", "initial_c")[: 2 if op == "LSTM" else 1])
    return OnnxLayer(node.name, op, weights, direction, activation, recurrent,
                     int(attrs.get("layout", 0)), states,
                     None if lens is None else lens.astype(np.int64), runtime,
                     None if halves is None else halves[0] if dirs == 1 else halves)  # fmt: skip


def from_onnx(model_or_path: Any) -> list[OnnxLayer]:
    """Every LSTM, GRU and RNN node of an ONNX model (a `ModelProto`, bytes or a path), in
    graph order, as `OnnxLayer`s. Given a path, weights the model keeps in data files
    beside it are read from its folder (`onnx_tensors.load_external_data`).

    Weights come back in Keras's layout, float64; a node's two biases (Wb, Rb) come back
    summed, except a GRU's with linear_before_reset=1, which stay two rows of a
    reset_after=True bias. Nodes inside subgraphs (If, Loop, Scan) are not read.
    """
    model = _load(model_or_path)
    constants = stored_constants(model)
    nodes = [node for node in model.graph.node
             if node.op_type in RECURRENT_OPS and node.domain in ("", "ai.onnx")]  # fmt: skip
    layers = [_layer(model, node, constants, k) for k, node in enumerate(nodes, start=1)]
    if not layers:
        found = sorted({node.op_type for node in model.graph.node})
        raise LSTMInputError(f"the model has no LSTM, GRU or RNN node; its nodes are {found}")
    return layers


def run_layers(layers: list[OnnxLayer], x: Any, **options: Any) -> tuple[Array, ...]:
    """Run layers one above the other, each reading the one below's Y reshaped to (time,
    batch, dirs*H) as `torch.onnx.export` connects them; the top layer's outputs.
    `options` go to `OnnxLayer.run` (exact, dtype)."""
    outputs: tuple[Array, ...] = ()
    for k, layer in enumerate(layers):
        if k:
            y = outputs[0]  # (time, dirs, batch, H)
            x = y.transpose(0, 2, 1, 3).reshape(y.shape[0], y.shape[2], -1)
        outputs = layer.run(x, **options)
    return outputs
