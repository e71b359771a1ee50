"""Legacy Keras `.h5` files (Keras 2's, and Keras 3's `model.save("m.h5")`), read with
h5py, never with `load_model`.

The file's root attributes hold the model's config (`model_config`, JSON, checked by
keras_safety as a `.keras` file's is), `keras_version` and `backend`. Under
`model_weights`, the `layer_names` attribute lists the layers that have a group, and
each group's `weight_names` attribute says where each of its arrays is: for an LSTM
"lstm/lstm_cell/kernel:0" (Keras 2) or "lstm/lstm_cell/kernel" (Keras 3), for a
Bidirectional its forward layer's then its backward layer's, and for a nested model
every array of the layers inside it, each under that layer's name.

A `Lambda` layer in a legacy `.h5` holds marshalled bytecode that runs when Keras
rebuilds the model, and `load_model` ignored `safe_mode` for `.h5` files before a recent
fix (CVE-2025-9905): a file is read here without being rebuilt, and rebuilt for the
check only once its config passed keras_safety (Keras 3 for a Keras 3 file, tf-keras for
a Keras 2 one, as keras_live says). `keras_version` decides which `hard_sigmoid` the file
means: 0.2x + 0.5 before Keras 3, x/6 + 1/2 from Keras 3.
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np

from ..errors import LSTMInputError
from .keras_config import Graph, Op
from .keras_files import (
    Arrays,
    WeightReader,
    graph_of,
    import_h5py,
    keras_major,
    keras_model,
    refusal,
)
from .keras_live import Rebuild
from .keras_safety import check_hdf5
from .model import SavedModel

ORDER = ("kernel", "recurrent_kernel", "bias")


def read_h5(path: str) -> SavedModel:
    """The LSTM and GRU layers of a legacy Keras `.h5` file, bottom first."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as err:
        raise LSTMInputError(f"cannot read the model file {path}: {err.strerror}") from None
    h5py = import_h5py()
    try:
        with h5py.File(io.BytesIO(data), "r") as store:
            check_hdf5(path, store, h5py)
            return _read(path, data, store)
    except (OSError, KeyError, RuntimeError, ValueError) as err:  # h5py's for a broken file
        if isinstance(err, LSTMInputError):
            raise
        text = " ".join(str(err).split())[:160]
        raise LSTMInputError(f"cannot read {path} as an HDF5 file: it is truncated or corrupt "
                             f"({type(err).__name__}: {text})") from None  # fmt: skip


def _read(path: str, data: bytes, store: Any) -> SavedModel:
    text = store.attrs.get("model_config")
    if text is None:
        held = ", ".join(sorted(store)[:4]) or "nothing"
        raise LSTMInputError(
            f"{path} is an HDF5 file without a model_config (it holds {held}): a weights "
            "file, which does not say what the layers are; save the whole model with "
            "model.save('model.keras')"
        )
    try:
        config = json.loads(_text(text))
    except ValueError as err:
        raise LSTMInputError(f"the model_config of {path} is not JSON: {err}") from None
    version = _text(store.attrs.get("keras_version", ""))
    major = keras_major(version, config)
    unsafe = refusal(path, config)
    weights = store.get("model_weights")
    if weights is None:
        raise LSTMInputError(f"{path} holds a model_config but no model_weights group: "
                             "it was saved without its weights")  # fmt: skip
    graph = graph_of(config, major, unsafe)
    reader = legacy_weights(graph, weights)
    return keras_model(path, graph, reader, version or f"{major}.x",
                       Rebuild(data, ".h5", major, unsafe), unsafe)  # fmt: skip


def legacy_weights(graph: Graph, group: Any) -> WeightReader:
    """A WeightReader for the `model_weights` group of a legacy `.h5`."""
    owners = dict(_owners(graph))
    listed = {_text(n) for n in group.attrs.get("layer_names", [])}

    def reader(op: Op) -> tuple[Arrays, Arrays | None]:
        top = owners[id(op)]
        if top not in listed or top not in group:
            raise LSTMInputError(f"its weights are not in the file: model_weights lists no "
                                 f"layer {top!r}")  # fmt: skip
        layer = group[top]
        names = [_text(n) for n in layer.attrs.get("weight_names", [])]
        if op.kind != "Bidirectional":
            return _pick(layer, names, None if top == op.name else {op.name}), None
        inner = (op.config.get("layer") or {}).get("config") or {}
        back = (op.config.get("backward_layer") or {}).get("config") or {}
        name = str(inner.get("name", ""))
        forward = {name, f"forward_{name}"}
        backward = {str(back.get("name", f"backward_{name}")), f"backward_{name}"}
        return _pick(layer, names, forward - backward), _pick(layer, names, backward - forward)

    return reader


def _owners(graph: Graph) -> Any:
    """(id of op, the model_weights group that holds its arrays): its own, or the
    outermost nested model's around it."""
    for op in graph.layers:
        if op.graph is None:
            yield id(op), op.name
            continue
        for _, inner in op.graph.walk():
            yield id(inner), op.name


def _pick(layer: Any, names: list[str], owners: set[str] | None) -> Arrays:
    """The arrays named in `names` whose path holds one of `owners` (all when None), in
    the order kernel, recurrent kernel, bias."""
    found: dict[str, str] = {}
    for name in names:
        parts = name.split("/")
        if owners is not None and not owners & set(parts[:-2]):
            continue
        kind = parts[-1].split(":")[0]
        if kind in found:
            raise LSTMInputError(f"its weights are ambiguous: {found[kind]!r} and {name!r}")
        found[kind] = name
    if "kernel" not in found or "recurrent_kernel" not in found:
        shown = ", ".join(names[:6]) or "none"
        raise LSTMInputError(f"its kernel and recurrent kernel are not among the weights the "
                             f"file names for it ({shown})")  # fmt: skip
    return [np.asarray(layer[found[k]]) for k in ORDER if k in found]


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
