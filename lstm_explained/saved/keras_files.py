"""Keras `.keras` files, read as what they are: a zip of `config.json`, `metadata.json`
and `model.weights.h5`, opened with zipfile, json and h5py, never with Keras's loader.

Every LSTM and GRU layer (inside `Bidirectional` wrappers and nested models too) becomes
a `SavedLayer`: its settings from config.json, its weights from model.weights.h5, where
Keras's saving (keras/src/saving/saving_lib.py, `_save_container_state`) puts them: not
under the layer's name but under its class name in snake case, numbered in
`model.layers` order within each model (`layers/lstm`, `layers/lstm_1`, ...; a nested
model's own under `layers/<its group>/layers/...`), a cell's variables at
`<group>/cell/vars/0..2` (kernel, recurrent kernel, bias), a Bidirectional's at
`<group>/forward_layer/cell/vars` and `backward_layer`. Keras 3.15 writes each layer's
name beside its variables (the `name` attribute of `<group>/vars`): where it does, the
mapping is checked against it.

The archive is refused when a member's name climbs out of its folder (`..`, an absolute
path), when two members share a name, and when config.json or the weights are missing.
The config is checked by keras_safety before Keras may ever rebuild the model (for the
check, or a layer the engine does not compute); one that fails is refused unless traced
with `--no-check`. `metadata.json`'s `keras_version` says which `hard_sigmoid` the file
means: 0.2x + 0.5 before Keras 3, x/6 + 1/2 from Keras 3.
"""

from __future__ import annotations

import dataclasses
import importlib
import io
import json
import posixpath
import zipfile
from collections.abc import Callable, Iterator, Mapping
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..engine.layers import Bidirectional
from ..engine.options import ActivationSpec
from ..engine.parametric import ParametricActivation
from ..engine.weights import GRUWeights, LSTMWeights, RNNWeights, Weights
from ..errors import LSTMInputError
from ..frameworks.optional import install_command
from .keras_config import Graph, Op, model_graph, snake_case
from .keras_graph import KerasGraph
from .keras_live import Rebuild
from .keras_safety import UnsafeConfig, check_config, check_hdf5
from .layer import LayerMask, SavedLayer
from .model import SavedModel

Array = NDArray[Any]
Arrays = list[Array]  # kernel (in, n*units), recurrent kernel (units, n*units)[, bias]
WeightReader = Callable[[Op], tuple[Arrays, Arrays | None]]
"""A recurrent layer's arrays (the backward layer's too for a Bidirectional), or an
LSTMInputError saying where they were looked for."""

ACTIVATIONS: dict[str, ActivationSpec] = {
    **{name: name for name in ("tanh", "sigmoid", "hard_sigmoid", "relu", "linear")},
    "softsign": ParametricActivation("softsign"),
    "softplus": ParametricActivation("softplus"),
    "elu": ParametricActivation("elu", Fraction(1)),
}
"""Keras's activation names (as a layer's config stores them) the engine computes."""
KERAS2_HARD_SIGMOID = ParametricActivation("hard_sigmoid", Fraction(1, 5), Fraction(1, 2))
"""Keras 2's hard_sigmoid, clip(0.2x + 0.5, 0, 1); Keras 3's is clip(x/6 + 1/2, 0, 1)."""

SETTINGS = ("use_bias", "unit_forget_bias", "reset_after", "return_sequences", "return_state",
            "go_backwards", "stateful", "unroll", "dropout", "recurrent_dropout",
            "zero_output_for_mask")  # fmt: skip
CONFIG_LIMIT = 64 * 2**20  # bytes: a config.json larger than this is no model's
BOMB_SIZE = 256 * 2**20  # bytes: weights past this size, and
BOMB_RATIO = 1000  # packed more than this many times smaller, are a zip bomb's


def read_keras(path: str) -> SavedModel:
    """The LSTM and GRU layers of a Keras `.keras` file, bottom first."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as err:
        raise LSTMInputError(f"cannot read the model file {path}: {err.strerror}") from None
    archive = open_archive(path, data)
    config = _json_member(path, archive, "config.json")
    metadata = _json_member(path, archive, "metadata.json") if "metadata.json" in \
        archive.namelist() else {}  # fmt: skip
    version = str(metadata.get("keras_version") or "") if isinstance(metadata, dict) else ""
    major = keras_major(version, config)
    unsafe = refusal(path, config)
    graph = graph_of(config, major, unsafe)
    h5py = import_h5py()
    with h5py.File(io.BytesIO(_weights_bytes(path, archive)), "r") as store:
        check_hdf5(path, store, h5py, member="model.weights.h5")
        reader = archive_weights(path, graph, store)
        return keras_model(path, graph, reader, version or f"{major}.x",
                           Rebuild(data, ".keras", major, unsafe), unsafe)  # fmt: skip


def import_h5py() -> Any:
    """h5py, which reads Keras's HDF5 files, or an error saying how to install it."""
    try:  # typed as Any: h5py ships no type information
        return importlib.import_module("h5py")
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            "reading a Keras file needs h5py, which is not installed; install it with pip "
            f"install h5py (it needs neither Keras nor TensorFlow), or {install_command('keras')}"
            " to check traces in Keras too"
        ) from None


def open_archive(path: str, data: bytes) -> zipfile.ZipFile:
    """The zip, once its member names are safe and it holds a config and weights."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as err:
        raise LSTMInputError(f"{path} is not a readable zip archive (a .keras file is one): "
                             f"it is truncated or corrupt ({err})") from None  # fmt: skip
    names = archive.namelist()
    for name in names:
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
            raise LSTMInputError(f"refused {path}: its member {name!r} climbs out of the "
                                 "archive's folder (an absolute path or '..')")  # fmt: skip
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise LSTMInputError(f"refused {path}: it holds two members named {twice[0]!r}, and "
                             "readers may disagree on which one counts")  # fmt: skip
    if "config.json" not in names or not any(n.startswith("model.weights.") for n in names):
        raise LSTMInputError(
            f"{path} is not a Keras .keras file: a .keras zip holds config.json and "
            f"model.weights.h5; this one holds {', '.join(sorted(names)[:6]) or 'nothing'}"
        )
    return archive


def _json_member(path: str, archive: zipfile.ZipFile, name: str) -> Any:
    info = archive.getinfo(name)
    if info.file_size > CONFIG_LIMIT:
        raise LSTMInputError(f"refused {path}: its {name} is {info.file_size} bytes, more "
                             "than any model's config")  # fmt: skip
    try:
        return json.loads(archive.read(info).decode("utf-8"))
    except (ValueError, zipfile.BadZipFile, OSError) as err:
        raise LSTMInputError(f"cannot read the {name} of {path}: "
                             f"{' '.join(str(err).split())[:160]}") from None  # fmt: skip


def _weights_bytes(path: str, archive: zipfile.ZipFile) -> bytes:
    names = archive.namelist()
    if "model.weights.h5" not in names:
        stored = next(n for n in names if n.startswith("model.weights."))
        raise LSTMInputError(
            f"{path} keeps its weights in {stored}, which Keras writes as pickled objects "
            "(Keras itself does not load it with allow_pickle=False); lstm-explained "
            "never unpickles: save the model again with model.save('model.keras')"
        )
    info = archive.getinfo("model.weights.h5")
    if info.file_size > BOMB_SIZE and info.file_size > BOMB_RATIO * max(info.compress_size, 1):
        raise LSTMInputError(
            f"refused {path}: its model.weights.h5 says it unpacks to {info.file_size:,} bytes "
            f"from {info.compress_size:,}, more than {BOMB_RATIO} times: no model's weights "
            "compress that far"
        )
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise LSTMInputError(f"cannot read the model.weights.h5 in {path}: {err}") from None


def keras_major(version: str, config: Any) -> int:
    """The major Keras version that wrote a file: from its keras_version, else 2 when
    its config writes calls as Keras 2 does (lists), else 3."""
    head = version.split(".")[0]
    if head.isdigit():
        return int(head)
    text = json.dumps(config)[:100_000]
    return 2 if '"inbound_nodes": [[[' in text else 3


def graph_of(config: Any, major: int, unsafe: str | None) -> Graph:
    """The config's graph; for a config that fails keras_safety and cannot be read as a
    graph either, the refusal, which says more."""
    try:
        return model_graph(config, keras_major=major)
    except LSTMInputError:
        if unsafe is not None:
            raise LSTMInputError(unsafe) from None
        raise


def refusal(path: str, config: Any) -> str | None:
    """Why Keras must not rebuild this config (one line), or None when it may."""
    try:
        check_config(config)
    except UnsafeConfig as err:
        return (
            f"refused {path}: {err}; lstm-explained never runs code from a file, and "
            "lets Keras rebuild a model only when every layer is a built-in one with "
            "plain settings (trace --no-check traces what the engine computes, without Keras)"
        )
    return None


# ---- weights where Keras's saving puts them ------------------------------------------------


def archive_weights(path: str, graph: Graph, store: Any) -> WeightReader:
    """A WeightReader for a .keras file's model.weights.h5 (`store`, open)."""
    groups = dict(_groups(graph, ""))

    def reader(op: Op) -> tuple[Arrays, Arrays | None]:
        group = _checked_group(store, groups[id(op)], op.name)
        if op.kind == "Bidirectional":
            return (_cell(store, f"{group}/forward_layer", op.name),
                    _cell(store, f"{group}/backward_layer", op.name))  # fmt: skip
        return _cell(store, group, op.name), None

    return reader


def _groups(graph: Graph, prefix: str) -> Iterator[tuple[int, str]]:
    """(id of op, its group) for every layer, as `_save_container_state` names them."""
    used: dict[str, int] = {}
    for op in graph.layers:
        key = snake_case(op.kind)
        used[key] = used.get(key, -1) + 1
        group = f"{prefix}layers/{key}" + (f"_{used[key]}" if used[key] else "")
        yield id(op), group
        if op.graph is not None:
            yield from _groups(op.graph, group + "/")


def _checked_group(store: Any, group: str, name: str) -> str:
    """`group`, or where Keras 3.15's `name` attributes say layer `name` is instead."""
    found = _name_at(store, group)
    if found in (None, name):
        return group
    parent = posixpath.dirname(group)
    for key in store.get(parent, {}):
        if _name_at(store, f"{parent}/{key}") == name:
            return f"{parent}/{key}"
    raise LSTMInputError(f"its weights are not in {group} (that group holds layer {found!r})")


def _name_at(store: Any, group: str) -> str | None:
    vars_ = store.get(f"{group}/vars")
    name = None if vars_ is None else vars_.attrs.get("name")
    return name.decode() if isinstance(name, bytes) else name


def _cell(store: Any, group: str, name: str) -> Arrays:
    cell = store.get(f"{group}/cell/vars")
    if cell is None or "0" not in cell:
        raise LSTMInputError(f"its weights are not at {group}/cell/vars in model.weights.h5, "
                             "where Keras saves them")  # fmt: skip
    return [np.asarray(cell[str(k)]) for k in range(len(cell)) if str(k) in cell]


# ---- the layers ----------------------------------------------------------------------


def keras_model(path: str, graph: Graph, reader: WeightReader, version: str,
                rebuild: Rebuild, unsafe: str | None) -> SavedModel:  # fmt: skip
    """The SavedModel of a Keras file's graph: every LSTM and GRU layer with its weights
    (`reader`), what feeds each one, and `rebuild` for what only Keras computes."""
    found: dict[str, tuple[Op, SavedLayer]] = {}
    skipped: list[tuple[str, str]] = []
    walked = list(_walk(graph))
    for name, op in walked:
        try:
            saved = _saved(op, name, reader, version)
        except LSTMInputError as err:
            skipped.append((name, str(err)))
            continue
        if saved is not None:
            found[name] = (op, saved)
    if not found:
        if unsafe is not None:  # the refusal says more than the layers that are left
            raise LSTMInputError(unsafe)
        kinds = sorted({op.kind for _, op in walked})
        why = "".join(f"; {name} is {reason}" for name, reason in skipped)
        raise LSTMInputError(
            f"{path} has no LSTM, GRU or SimpleRNN layer; its layers are {kinds}{why}"
        )
    keras_graph = KerasGraph(graph, found, rebuild)
    found = {name: (op, _with_mask(saved, keras_graph.mask_source(name)))
             for name, (op, saved) in found.items()}  # fmt: skip
    keras_graph = KerasGraph(graph, found, rebuild)  # with the layers that know their masks
    below = {name: low for name in found if (low := keras_graph.below(name)) is not None}
    layers = tuple(saved for _, saved in found.values())
    return SavedModel(path, "keras", layers, below, {}, tuple(skipped), graph=keras_graph,
                      unsafe=unsafe)  # fmt: skip


def _with_mask(saved: SavedLayer, mask: LayerMask | None) -> SavedLayer:
    return dataclasses.replace(saved, mask=mask)


def _walk(graph: Graph, seen: set[str] | None = None) -> Iterator[tuple[str, Op]]:
    """(name, op) for every layer, nested models opened; a name already taken gets its
    model's name in front ("encoder/lstm")."""
    seen = set() if seen is None else seen
    for op in graph.layers:
        if op.graph is not None:
            yield from _walk(op.graph, seen)
            continue
        name = op.name if op.name not in seen else f"{graph.name}/{op.name}"
        seen.add(name)
        yield name, op


def _activation(config: Mapping[str, Any], key: str, major: int) -> ActivationSpec:
    value = config.get(key)
    value = "linear" if value is None else value
    if not isinstance(value, str) or value not in ACTIVATIONS:
        raise LSTMInputError(
            f"a layer whose {key} is {value!r}, which the engine does not compute (it "
            f"computes {', '.join(ACTIVATIONS)})"
        )
    return KERAS2_HARD_SIGMOID if value == "hard_sigmoid" and major < 3 else ACTIVATIONS[value]


def _weights(kind: str, config: Mapping[str, Any], arrays: Arrays) -> Weights:
    """The layer's weights in Keras's layout, float64, shapes checked by the engine."""
    wanted = 3 if config.get("use_bias", True) else 2
    if len(arrays) != wanted:
        raise LSTMInputError(f"a {kind} layer with {len(arrays)} weight arrays where Keras "
                             f"keeps {wanted} (kernel, recurrent kernel, bias)")  # fmt: skip
    kernel, recurrent = (np.asarray(a, dtype=np.float64) for a in arrays[:2])
    bias = np.asarray(arrays[2], dtype=np.float64) if wanted == 3 else None
    if kind == "LSTM":
        return LSTMWeights(kernel, recurrent, bias)  # (in, 4u), (u, 4u), (4u,)
    if kind == "SimpleRNN":
        return RNNWeights(kernel, recurrent, bias)  # (in, u), (u, u), (u,)
    return GRUWeights(kernel, recurrent, bias, reset_after=bool(config.get("reset_after", True)))


def _saved(op: Op, name: str, reader: WeightReader, version: str) -> SavedLayer | None:
    """A SavedLayer for an LSTM, GRU or Bidirectional of one; None for a layer that is
    not recurrent; an LSTMInputError saying why for a recurrent layer the engine does
    not compute."""
    wrapped = op.config.get("layer") if op.kind == "Bidirectional" else None
    inner: dict[str, Any] = wrapped if isinstance(wrapped, dict) else \
        {"class_name": op.kind, "config": op.config}  # fmt: skip
    kind, config = str(inner.get("class_name")), dict(inner.get("config") or {})
    if kind not in ("LSTM", "GRU", "SimpleRNN"):
        if any(k in kind for k in ("LSTM", "GRU", "RNN")):
            inside = " inside a Bidirectional" if wrapped is not None else ""
            raise LSTMInputError(f"a {kind} layer{inside}, which the engine does not compute "
                                 "(it computes LSTM, GRU and SimpleRNN layers)")  # fmt: skip
        return None
    if config.get("time_major"):
        raise LSTMInputError(f"a {kind} layer with time_major=True, reading (time, batch, "
                             "features); the engine reads batch first")  # fmt: skip
    major = int(version.split(".")[0]) if version.split(".")[0].isdigit() else 3
    activation = _activation(config, "activation", major)
    recurrent = _activation(config, "recurrent_activation", major)
    settings = {k: config[k] for k in SETTINGS if k in config}
    settings["dtype_policy"] = _policy(config.get("dtype"))
    if "hard_sigmoid" in (config.get("activation"), config.get("recurrent_activation")):
        which = "Keras 2's, 0.2x + 0.5" if major < 3 else "Keras 3's, x/6 + 1/2"
        settings["hard_sigmoid"] = f"{which} (keras_version {version})"
    forward, backward = reader(op)
    weights: Weights | Bidirectional = _weights(kind, config, forward)
    if wrapped is not None:
        assert not isinstance(weights, Bidirectional)
        assert backward is not None
        weights = _pair(op, kind, config, weights, backward)
        settings["merge_mode"] = op.config.get("merge_mode", "concat")
        settings.pop("go_backwards", None)
    return SavedLayer(
        name, "keras", weights, activation, recurrent,
        go_backwards=bool(wrapped is None and config.get("go_backwards")),
        dtype=str(forward[0].dtype), settings=settings,
    )  # fmt: skip


def _pair(op: Op, kind: str, config: dict[str, Any], forward: Weights, arrays: Arrays
          ) -> Bidirectional:  # fmt: skip
    back = op.config.get("backward_layer")
    back_kind = back.get("class_name") if isinstance(back, dict) else kind
    back_config = dict(back.get("config") or {}) if isinstance(back, dict) else config
    if config.get("go_backwards") or back_kind != kind:
        raise LSTMInputError(
            "a Bidirectional whose forward layer reads backwards, or whose two layers "
            "differ in kind; the engine computes two layers of one kind, forward and back"
        )
    for key in ("activation", "recurrent_activation"):
        if back_config.get(key) != config.get(key):
            raise LSTMInputError(
                f"a Bidirectional whose two layers have different {key}s; the engine "
                "uses one for both directions"
            )
    backward = _weights(kind, back_config, arrays)
    return Bidirectional(forward, backward, merge_mode=op.config.get("merge_mode", "concat"))


def _policy(dtype: Any) -> str:
    """A layer's dtype policy by name ("float32", "mixed_float16")."""
    if isinstance(dtype, dict):
        return str((dtype.get("config") or {}).get("name", "float32"))
    return str(dtype or "float32")
