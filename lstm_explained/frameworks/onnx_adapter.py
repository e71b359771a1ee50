"""The engine's layers as ONNX `LSTM`, `GRU` and `RNN` operators, written with `onnx.helper`.

ONNX keeps one layer (one node) as three tensors, for each direction d:

    LSTM  W (dirs, 4*H, in)   gate blocks in rows, order i, o, f, c    W[d] = kernel.T, reordered
          R (dirs, 4*H, H)                                             R[d] = recurrent_kernel.T
          B (dirs, 8*H)       input-side bias Wb, then recurrent-side Rb; only Wb + Rb is used
    GRU   W (dirs, 3*H, in)   order z, r, h (Keras's)
          R (dirs, 3*H, H)
          B (dirs, 6*H)       Wb, Rb: Keras's two bias rows with linear_before_reset=1
                              (reset_after=True); with 0 (ONNX's default, reset_after=False)
                              only Wb + Rb is used
    RNN   W (dirs, H, in), R (dirs, H, H), B (dirs, 2*H)   one block; only Wb + Rb is used

Activations are named in the node, `activations` = [f, g, h] for an LSTM ([f, g] for a
GRU, [f] for an RNN) per direction: f for the gates (an RNN's one activation), g for
the candidate, h for the cell state on its way out. `from_onnx` (in `onnx_reader`)
reads models back. ONNX is imported only when a function here runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..engine._validate import describe, to_float
from ..engine.layers import Bidirectional
from ..engine.options import ActivationSpec, check_precision
from ..engine.parametric import onnx_activation
from ..engine.recurrence import cell_of
from ..engine.weights import PEEPHOLE_GATES, GRUWeights, LSTMWeights, RNNWeights, Weights
from ..errors import LSTMInputError
from .layouts import layout, reorder
from .optional import require

Array = NDArray[Any]
OPSET = 14  # LSTM-14 and GRU-14 (the `layout` attribute); onnxruntime runs them
IR_VERSION = 8  # old enough for any onnxruntime that runs opset 14


def import_onnx() -> Any:
    """Import the `onnx` package on first use, or explain how to install it."""
    return require("onnx", "onnx", "the onnx package")


def onnx_arrays(weights: Weights) -> dict[str, Array]:
    """One direction's W (n*H, in), R (n*H, H) and B (2*n*H,) in ONNX's gate order, as
    float64. An LSTM's whole bias goes into Wb (Rb is zeros); a GRU's two rows become
    Wb and Rb with reset_after=True, and Wb alone without it. No B without a bias; an
    LSTM's peepholes as P (3*H,), blocks i, o, f."""
    cell_of(weights)
    lay = layout(f"onnx-{weights.cell.lower()}")
    ours = weights.gates

    def rows(arr: Array) -> Array:  # (k, n*H) -> (n*H, k), ONNX's order
        return reorder(to_float(np.asarray(arr)).T, ours, lay.gate_order, axis=0)

    arrays = {"W": rows(weights.kernel), "R": rows(weights.recurrent_kernel)}
    if weights.bias is not None:
        bias = to_float(np.asarray(weights.bias)).reshape(-1, weights.kernel.shape[1])
        halves = list(bias) + [np.zeros_like(bias[0])] * (2 - len(bias))  # Wb, Rb
        arrays["B"] = np.concatenate([rows(h[None])[:, 0] for h in halves])  # (2*n*H,)
    peephole = getattr(weights, "peephole", None)
    if peephole is not None:  # rows input, forget, output -> P's blocks i, o, f
        arrays["P"] = to_float(np.asarray(peephole))[list(ONNX_PEEPHOLE_ROWS)].reshape(-1)
    return arrays


ONNX_PEEPHOLE_ROWS = tuple(
    layout("onnx-lstm").peephole_order.index(gate) for gate in PEEPHOLE_GATES
)
"""ONNX's P holds i, o, f (`layouts`); `LSTMWeights.peephole` rows input, forget, output:
row k of ours is block ONNX_PEEPHOLE_ROWS[k] of P, (0, 2, 1), a swap, so the same
permutation maps ours to ONNX's."""


def peephole_from_onnx(p: Array) -> Array | None:
    """P (3*H,), blocks i, o, f, as `LSTMWeights.peephole` (3, H) (rows input, forget,
    output), float64; None when P is all zeros (the same arithmetic as no peepholes)."""
    blocks = np.asarray(p, dtype=np.float64).reshape(3, -1)  # (3, H): i, o, f
    return blocks[list(ONNX_PEEPHOLE_ROWS)] if np.any(blocks) else None


def weights_from_onnx_arrays(
    op_type: str, w: Array, r: Array, b: Array | None, *, linear_before_reset: int = 0,
    p: Array | None = None, clip: float | None = None, input_forget: int = 0,
) -> Weights:  # fmt: skip
    """One direction of an ONNX node as engine weights (float64): W (n*H, in),
    R (n*H, H), B (2*n*H,) or None. An LSTM's Wb and Rb come back summed; so do a GRU's
    with linear_before_reset=0; with 1 they are the two rows of a reset_after=True bias.
    An LSTM's peepholes P (3*H,), `clip` and `input_forget` become those fields of
    `LSTMWeights` (zero peepholes and clip None or 0 are left off)."""
    lay = layout(f"onnx-{op_type.lower()}")
    kinds: dict[str, type[LSTMWeights] | type[GRUWeights] | type[RNNWeights]] = {
        "LSTM": LSTMWeights, "GRU": GRUWeights, "RNN": RNNWeights,
    }  # fmt: skip
    ours = kinds[op_type].gates

    def columns(arr: Array) -> Array:  # (n*H, k) in ONNX's order -> (k, n*H), ours
        return reorder(np.asarray(arr, dtype=np.float64), lay.gate_order, ours, axis=0).T

    kernel, recurrent = columns(w), columns(r)  # (in, n*H), (H, n*H)
    halves = None if b is None else [columns(h[:, None])[0] for h in np.split(b, 2)]
    if op_type == "LSTM":
        return LSTMWeights(
            kernel, recurrent, None if halves is None else halves[0] + halves[1],
            peephole=None if p is None else peephole_from_onnx(p),
            clip=clip or None, input_forget=bool(input_forget),
        )  # fmt: skip
    if op_type == "RNN":
        return RNNWeights(kernel, recurrent, None if halves is None else halves[0] + halves[1])
    if linear_before_reset:
        return GRUWeights(kernel, recurrent, None if halves is None else np.stack(halves))
    bias = None if halves is None else halves[0] + halves[1]
    return GRUWeights(kernel, recurrent, bias, reset_after=False)


def _directions(layer: Weights | Bidirectional, direction: str) -> tuple[str, list[Weights]]:
    """A node's direction attribute and its weights, one per direction, or an error."""
    if isinstance(layer, Bidirectional):
        if layer.merge_mode != "concat":
            raise LSTMInputError(
                "ONNX's bidirectional node keeps both directions side by side, so only "
                f"merge_mode='concat' can be written; got merge_mode={layer.merge_mode!r}"
            )
        if (layer.forward.cell, layer.forward.units) != (layer.backward.cell, layer.backward.units):
            raise LSTMInputError(
                "an ONNX bidirectional node needs the same cell and units in both directions"
            )
        return "bidirectional", [layer.forward, layer.backward]
    cell_of(layer)
    if direction not in ("forward", "reverse"):
        raise LSTMInputError(f"direction must be 'forward' or 'reverse'; got {describe(direction)}")
    return direction, [layer]


def _checked(
    layers: Any, direction: str
) -> list[tuple[Weights | Bidirectional, str, list[Weights]]]:
    """Each layer with its direction and per-direction weights, each layer reading what
    the one below outputs."""
    stack = list(layers) if isinstance(layers, (list, tuple)) else [layers]
    if not stack:
        raise LSTMInputError("layers must hold at least one layer")
    checked = []
    for k, layer in enumerate(stack):
        way, parts = _directions(layer, direction)
        if k and layer.input_dim != stack[k - 1].units:
            raise LSTMInputError(
                f"layer {k} expects input_dim={layer.input_dim}, but layer {k - 1} outputs "
                f"{stack[k - 1].units} values per step"
            )
        checked.append((layer, way, parts))
    return checked


def _attributes(op: str, way: str, parts: list[Weights], acts: list[Any]) -> dict[str, Any]:
    """hidden_size, direction, activations with their alpha and beta (f, g[, h] for each
    direction, consumed in order by the functions that take them) and, for a GRU,
    linear_before_reset."""
    per_direction = acts + ([acts[1]] if op == "LSTM" else [])  # LSTM: h = g
    if op == "RNN":
        per_direction = [acts[1]]  # one activation, the engine's `activation`
    attrs: dict[str, Any] = {
        "hidden_size": parts[0].units,
        "direction": way,
        "activations": [name for name, _ in per_direction] * len(parts),
    }
    alphas = [p[0] for _, p in per_direction if len(p) > 0] * len(parts)
    betas = [p[1] for _, p in per_direction if len(p) > 1] * len(parts)
    attrs |= {"activation_alpha": alphas} if alphas else {}
    attrs |= {"activation_beta": betas} if betas else {}
    if op == "GRU":
        attrs["linear_before_reset"] = int(getattr(parts[0], "reset_after", True))
    else:  # node attributes: one value for both directions (checked in _lstm_settings)
        clip, input_forget = _lstm_settings(parts)
        attrs |= {"clip": float(clip)} if clip is not None else {}
        attrs |= {"input_forget": 1} if input_forget else {}
    return attrs


def _lstm_settings(parts: list[Weights]) -> tuple[Any, bool]:
    """An LSTM node's clip and input_forget, which both directions share; a projection,
    which ONNX's LSTM cannot hold, or settings that differ, are refused."""
    for w in parts:
        if getattr(w, "projection", None) is not None:
            raise LSTMInputError(
                "ONNX's LSTM has no projection (PyTorch's proj_size): h must have "
                "hidden_size values; these weights project h to "
                f"{w.output_units} values"
            )
    settings = {(getattr(w, "clip", None), getattr(w, "input_forget", False)) for w in parts}
    if len(settings) > 1:
        raise LSTMInputError(
            "an ONNX bidirectional node has one clip and one input_forget for both "
            f"directions; the two directions' weights differ: {sorted(settings, key=str)}"
        )
    return settings.pop()


def to_onnx(
    layers: Weights | Bidirectional | Sequence[Weights | Bidirectional],
    *,
    activation: ActivationSpec = "tanh",
    recurrent_activation: ActivationSpec = "sigmoid",
    direction: str = "forward",
    initial_state: bool = False,
    sequence_lens: bool = False,
    dtype: str = "float32",
) -> Any:
    """A runnable ONNX model (`onnx.ModelProto`) of one layer or a stack, one node per layer.

    Inputs: `X` (time, batch, features), and with `initial_state=True` (one layer only)
    `initial_h` (dirs, batch, H) and, for an LSTM, `initial_c`; with `sequence_lens=True`
    `sequence_lens` (batch,) int32. Outputs are the top node's `Y` (time, dirs, batch, H),
    `Y_h` (dirs, batch, H) and, for an LSTM, `Y_c`. A `Bidirectional` layer becomes a
    bidirectional node; `direction="reverse"` runs one-direction layers backwards (ONNX
    returns their outputs in input order). Between layers, Y is reshaped to (time, batch,
    dirs*H) as `torch.onnx.export` does. An `RNNWeights` layer becomes an `RNN` node with
    `activation` as its one activation. onnxruntime runs LSTM, GRU and RNN in float32 only;
    `dtype="float64"` keeps every weight exactly, for storage.
    """
    onnx = import_onnx()
    helper, TensorProto = onnx.helper, onnx.TensorProto
    stack = _checked(layers, direction)
    check_precision(dtype, ("float32", "float64"))  # float32 first: what onnxruntime runs
    if initial_state and len(stack) > 1:
        raise LSTMInputError("initial_state=True is for one layer; stacked layers start at zero")
    elem = TensorProto.FLOAT if dtype == "float32" else TensorProto.DOUBLE
    acts = [onnx_activation(recurrent_activation, "recurrent_activation"),
            onnx_activation(activation, "activation")]  # fmt: skip
    x, nodes, inits = "X", [], []
    inputs = [helper.make_tensor_value_info(x, elem, ["time", "batch", stack[0][0].input_dim])]
    if sequence_lens:
        inputs.append(helper.make_tensor_value_info("sequence_lens", TensorProto.INT32, ["batch"]))
    for k, (_, way, parts) in enumerate(stack):
        op, top = parts[0].cell, k == len(stack) - 1
        arrays = _node_arrays(parts)
        for key in arrays[0]:  # W, R, (with a bias) B and (peepholes) P, each (dirs, ...)
            value = np.stack([a[key] for a in arrays]).astype(dtype)
            inits.append(onnx.numpy_helper.from_array(value, f"layer{k}_{key}"))
        b = f"layer{k}_B" if "B" in arrays[0] else ""
        node_in = [x, f"layer{k}_W", f"layer{k}_R", b, "sequence_lens" if sequence_lens else ""]
        for state in (
            ("initial_h", "initial_c")[: 2 if op == "LSTM" else 1] if initial_state else ()
        ):
            node_in.append(state)
            dims = [len(parts), "batch", parts[0].units]
            inputs.append(helper.make_tensor_value_info(state, elem, dims))
        if "P" in arrays[0]:  # the eighth input, after the (possibly empty) initial states
            node_in += [""] * (7 - len(node_in)) + [f"layer{k}_P"]
        outs = (["Y", "Y_h", "Y_c"] if top else [f"layer{k}_Y"])[: 3 if op == "LSTM" else 2]
        node = helper.make_node(op, _trim(node_in), outs, name=f"layer{k}",
                                **_attributes(op, way, parts, acts))  # fmt: skip
        nodes.append(node)
        if not top:  # (time, dirs, batch, H) -> (time, batch, dirs*H) for the next layer
            if k == 0:
                flat = np.array([0, 0, -1], np.int64)  # 0 keeps a dimension, -1 is the rest
                inits.append(onnx.numpy_helper.from_array(flat, "flat_shape"))
            nodes.append(helper.make_node("Transpose", [outs[0]], [f"layer{k}_T"],
                                          perm=[0, 2, 1, 3]))  # fmt: skip
            x = f"layer{k}_out"
            nodes.append(helper.make_node("Reshape", [f"layer{k}_T", "flat_shape"], [x]))
    top_layer, op = stack[-1][0], stack[-1][2][0].cell
    dirs, units = len(stack[-1][2]), _units(top_layer)
    outputs = [helper.make_tensor_value_info("Y", elem, ["time", dirs, "batch", units])]
    outputs += [helper.make_tensor_value_info(n, elem, [dirs, "batch", units])
                for n in ("Y_h", "Y_c")[: 2 if op == "LSTM" else 1]]  # fmt: skip
    graph = helper.make_graph(nodes, "lstm_explained", inputs, outputs, initializer=inits)
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION,
        producer_name="lstm_explained",
    )  # fmt: skip
    onnx.checker.check_model(model)
    return model


def _node_arrays(parts: list[Weights]) -> list[dict[str, Array]]:
    """`onnx_arrays` of each direction; where one direction has peepholes and the other
    none, the other's P is zeros (the same arithmetic), since a node has one P."""
    arrays = [onnx_arrays(w) for w in parts]
    if any("P" in a for a in arrays):
        zeros = [np.zeros(3 * w.units) for w in parts]
        arrays = [a | {"P": a.get("P", z)} for a, z in zip(arrays, zeros, strict=True)]
    return arrays


def _units(layer: Weights | Bidirectional) -> int:
    return layer.forward.units if isinstance(layer, Bidirectional) else layer.units


def _trim(names: list[str]) -> list[str]:
    """Leave out trailing empty (absent) optional inputs, as ONNX allows."""
    while names and not names[-1]:
        names.pop()
    return names
