"""The tensors an ONNX model holds: its initializers, inline or in data files beside the
model (`load_external_data`), its `Constant` nodes, and what nodes that only select,
join or reshape them make of them (`constants`).

`torch.onnx.export` writes a larger module's weights to `model.onnx.data` next to
`model.onnx`, and keeps them in PyTorch's layout: a node's W and R are then built from
the stored `weight_ih_l0` by `Slice`, `Concat`, `Unsqueeze` (gate blocks reordered for
ONNX). Those few operators are computed here with NumPy; nothing else in the graph is
run, and nothing in a model file can run code.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import LSTMInputError
from .onnx_adapter import import_onnx

Array = NDArray[Any]


def load_external_data(model: Any, path: str) -> None:
    """Read into `model` the tensors it keeps in files beside it, from the folder of the
    model file at `path`. A location that leaves that folder is refused before anything
    is opened (`..`, an absolute path, a symbolic link that resolves elsewhere: the path
    traversal onnx itself has refused since CVE-2024-27318), and so is a missing or
    short data file."""
    onnx = import_onnx()
    folder = os.path.dirname(os.path.abspath(path))
    home = os.path.realpath(folder)
    external = [t for t in model.graph.initializer
                if t.data_location == onnx.TensorProto.EXTERNAL]  # fmt: skip
    for tensor in external:
        where = {e.key: e.value for e in tensor.external_data}.get("location", "")
        parts = where.replace("\\", "/").split("/")
        real = os.path.realpath(os.path.join(folder, where))
        if (not where or os.path.isabs(where) or ".." in parts
                or os.path.commonpath([home, real]) != home):  # fmt: skip
            raise LSTMInputError(
                f"refused {path}: tensor {tensor.name!r} points to data at {where!r}, outside "
                "the model's folder (onnx refuses such paths too, since CVE-2024-27318)"
            )
        if not os.path.isfile(real):
            raise LSTMInputError(
                f"{path} keeps its weights in {where!r} next to it, and that file is missing"
            )
    if not external:
        return
    try:
        onnx.external_data_helper.load_external_data_for_model(model, folder)
    except Exception as err:  # a short or unreadable data file
        text = " ".join(str(err).split())[:160]
        raise LSTMInputError(f"cannot read the weights {path} keeps beside it: {text}") from None


def constants(model: Any) -> dict[str, Array]:
    """Every tensor whose value the file holds, by name: initializers, `Constant` nodes'
    outputs, and the outputs of `FOLDED` nodes whose inputs are all such tensors."""
    onnx = import_onnx()
    found: dict[str, Array] = {}
    for tensor in model.graph.initializer:
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            raise LSTMInputError(
                f"the tensor {tensor.name!r} keeps its values in an external file, and a "
                "ModelProto or bytes do not say which folder it is in: pass the model "
                "file's path, and from_onnx reads it from the model's folder"
            )
        found[tensor.name] = onnx.numpy_helper.to_array(tensor)
    for node in model.graph.node:  # in graph order, which ONNX requires to be topological
        if node.op_type == "Constant" and node.attribute:
            found[node.output[0]] = np.asarray(onnx.helper.get_attribute_value(
                node.attribute[0]) if node.attribute[0].name != "value"
                else onnx.numpy_helper.to_array(node.attribute[0].t))  # fmt: skip
        elif (node.op_type in FOLDED and node.domain in ("", "ai.onnx") and len(node.output) == 1
              and all(name in found for name in node.input if name)):  # fmt: skip
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            inputs = [found[name] if name else None for name in node.input]
            try:
                found[node.output[0]] = np.asarray(FOLDED[node.op_type](inputs, attrs))
            except (ValueError, IndexError, TypeError, KeyError) as err:
                label = node.name or node.output[0]
                raise LSTMInputError(
                    f"the {node.op_type} node {label!r} cannot be computed on the tensors "
                    f"the file stores ({' '.join(str(err).split())[:120]})"
                ) from None
    return found


def _slice(inputs: list[Any], attrs: dict[str, Any]) -> Array:
    """ONNX's Slice: starts, ends, axes and steps as inputs (attributes before opset 10);
    Python's slices clamp out-of-range bounds as ONNX does."""
    if len(inputs) == 1:  # opset 1 to 9: attributes, no steps
        inputs = [inputs[0], attrs["starts"], attrs["ends"], attrs.get("axes")]
    data, starts, ends = inputs[0], inputs[1], inputs[2]
    axes = inputs[3] if len(inputs) > 3 and inputs[3] is not None else range(len(starts))
    steps = inputs[4] if len(inputs) > 4 and inputs[4] is not None else [1] * len(starts)
    index = [slice(None)] * data.ndim
    for start, end, axis, step in zip(starts, ends, axes, steps, strict=True):
        index[int(axis)] = slice(int(start), int(end), int(step))
    return np.asarray(data[tuple(index)])


def _axes(inputs: list[Any], attrs: dict[str, Any]) -> list[int] | None:
    """The axes of Squeeze or Unsqueeze: an input from opset 13, an attribute before."""
    given = inputs[1] if len(inputs) > 1 and inputs[1] is not None else attrs.get("axes")
    return None if given is None else [int(a) for a in np.ravel(given)]


def _unsqueeze(inputs: list[Any], attrs: dict[str, Any]) -> Array:
    out = np.asarray(inputs[0])
    axes = _axes(inputs, attrs) or []
    rank = out.ndim + len(axes)
    for axis in sorted(a % rank for a in axes):
        out = np.expand_dims(out, axis)
    return out


def _squeeze(inputs: list[Any], attrs: dict[str, Any]) -> Array:
    axes = _axes(inputs, attrs)
    return np.squeeze(np.asarray(inputs[0]), axis=None if axes is None else tuple(axes))


def _reshape(inputs: list[Any], attrs: dict[str, Any]) -> Array:
    """ONNX's Reshape: a 0 copies the input's dimension (unless allowzero), -1 is inferred."""
    data, shape = np.asarray(inputs[0]), [int(d) for d in inputs[1]]
    if not attrs.get("allowzero"):
        shape = [data.shape[k] if d == 0 else d for k, d in enumerate(shape)]
    return data.reshape(shape)


def _transpose(inputs: list[Any], attrs: dict[str, Any]) -> Array:
    perm = attrs.get("perm")
    return np.transpose(inputs[0], None if perm is None else [int(p) for p in perm])


def _cast(inputs: list[Any], attrs: dict[str, Any]) -> Array:
    dtype = np.dtype(import_onnx().helper.tensor_dtype_to_np_dtype(attrs["to"]))
    return np.asarray(inputs[0]).astype(dtype)


FOLDED: dict[str, Callable[[list[Any], dict[str, Any]], Array]] = {
    "Identity": lambda inputs, attrs: np.asarray(inputs[0]),
    "Concat": lambda inputs, attrs: np.concatenate(inputs, axis=int(attrs["axis"])),
    "Slice": _slice,
    "Unsqueeze": _unsqueeze,
    "Squeeze": _squeeze,
    "Reshape": _reshape,
    "Transpose": _transpose,
    "Cast": _cast,
}
"""The operators computed on stored tensors: each only selects, joins, reshapes or
retypes them, so its output is never larger than its inputs together."""
