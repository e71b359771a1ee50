"""A Keras model's config read as data: its layers, and how each call connects them.

The config is the JSON a Keras file keeps (`config.json` in a `.keras` zip, the
`model_config` attribute of a legacy `.h5`). `model_graph` turns it into a `Graph` of
`Op`s (one per entry of the config's `layers`: a layer, an operation Keras writes into a
functional model such as `NotEqual`, or a nested model with a `Graph` of its own), each
with its calls (`Node`s) whose arguments hold `Tensor`s, the outputs of other calls.
Nothing is imported or built: the graph is what the file says, read with `json` alone.

Two ways of writing a call are read. Keras 3 writes `{"args": [...], "kwargs": {...}}`
with each tensor as `{"class_name": "__keras_tensor__", "config": {"keras_history":
[layer, call, output]}}`; Keras 2 writes a list of `[layer, call, output, kwargs]`, one
per input, a recurrent layer's initial states after its sequence. A `Sequential` model
keeps no calls: each layer reads the one before. A nested functional model's call 0 is
its own construction, so the calls the file lists count from 1 (Keras 2's `Sequential`
is functional too).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import LSTMInputError

MODELS = ("Functional", "Sequential", "Model")
FUNCTIONS = ("function", "__lambda__")  # how Keras writes a function where an object goes
OPERATION_MODULE = "keras.src.ops."
LEGACY_OPERATIONS = frozenset({"NotEqual", "Any", "All", "Equal", "LogicalAnd", "LogicalOr",
                               "LogicalNot", "ExpandDims", "Squeeze", "Cast"})  # fmt: skip
"""Operations (not layers) that Keras 3 writes into a legacy `.h5` config without a module:
the ones that compute masks."""
RECURRENT_CALLS = ("LSTM", "GRU", "SimpleRNN", "RNN", "Bidirectional", "ConvLSTM1D",
                   "ConvLSTM2D", "ConvLSTM3D")  # fmt: skip
"""Layers whose Keras 2 calls list their initial states after the sequence."""


@dataclass(eq=False)
class Tensor:
    """Output `index` of call `node` of `op`; `shape` (batch first, None where free) and
    `dtype` where the file records them (a model's inputs always)."""

    op: Op
    node: int
    index: int
    shape: tuple[int | None, ...] | None = None
    dtype: str | None = None

    @property
    def name(self) -> str:
        """The name Keras gives it: its layer's (a model input's name)."""
        return self.op.name


@dataclass(eq=False)
class Node:
    """One call of `op`: positional and keyword arguments, with `Tensor`s where the call
    received another call's output."""

    op: Op
    index: int
    args: list[Any]
    kwargs: dict[str, Any]

    @property
    def input_tensors(self) -> list[Tensor]:
        """Every tensor the call receives, the positional ones first."""
        return flat_tensors([self.args, self.kwargs])

    def outputs(self, count: int) -> list[Tensor]:
        """The call's first `count` outputs."""
        return [self.op.tensor(self.index, k) for k in range(count)]


@dataclass(eq=False)
class Op:
    """One entry of a config's `layers`: its name, class (`kind`), module where the file
    names one, settings (`config`), calls by index, and for a nested model its graph."""

    name: str
    kind: str
    module: str | None
    config: dict[str, Any]
    nodes: dict[int, Node] = field(default_factory=dict)
    graph: Graph | None = None
    _tensors: dict[tuple[int, int], Tensor] = field(default_factory=dict)

    @property
    def is_layer(self) -> bool:
        """A layer (or model), not an operation such as `NotEqual` that computes a mask."""
        if self.module is not None:
            return not self.module.startswith(OPERATION_MODULE)
        return self.kind not in LEGACY_OPERATIONS

    def tensor(self, node: int, index: int) -> Tensor:
        """Output `index` of call `node`: one object per output, so that tensors compare
        by identity as a graph's do."""
        key = (node, index)
        if key not in self._tensors:
            self._tensors[key] = Tensor(self, node, index)
        return self._tensors[key]

    def node(self, index: int) -> Node:
        """Call `index`, or an error naming the call the config does not list."""
        if index not in self.nodes:
            raise LSTMInputError(
                f"the model's config refers to call {index} of layer {self.name!r}, which it "
                "does not list"
            )
        return self.nodes[index]


@dataclass(eq=False)
class Graph:
    """A model as its config describes it: its operations in the config's order, and
    its inputs and outputs."""

    name: str
    kind: str
    ops: dict[str, Op]
    inputs: list[Tensor]
    outputs: list[Tensor]

    @property
    def layers(self) -> list[Op]:
        """`model.layers` as Keras lists them: a functional model's layers (its inputs
        too) in the config's order, a Sequential's without its input."""
        layers = [op for op in self.ops.values() if op.is_layer]
        if self.kind == "Sequential":
            return [op for op in layers if op.kind != "InputLayer"]
        return layers

    def walk(self) -> Iterator[tuple[Graph, Op]]:
        """(graph, op) for every operation, nested models' own opened after them."""
        for op in self.ops.values():
            yield self, op
            if op.graph is not None:
                yield from op.graph.walk()


def model_graph(config: Any, *, keras_major: int = 3) -> Graph:
    """The graph of a model's config (the dict with "class_name" and "config" that a
    `.keras` file's config.json holds). `keras_major` is the Keras version that wrote it
    (2 or 3), which says how a nested model numbers its calls."""
    if not isinstance(config, dict) or config.get("class_name") not in MODELS:
        found = config.get("class_name") if isinstance(config, dict) else type(config).__name__
        raise LSTMInputError(f"the file's config describes a {found}, not a Keras model")
    try:
        return _graph(config, keras_major)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as err:
        raise LSTMInputError(
            f"the file's model config is malformed ({type(err).__name__}: {err})"
        ) from None


def _graph(config: dict[str, Any], keras_major: int) -> Graph:
    body = config["config"]
    name = str(body.get("name", config["class_name"].lower()))
    if config["class_name"] == "Sequential":
        return _sequential(name, body, keras_major)
    ops = {op.name: op for op in (_op(entry, keras_major) for entry in body["layers"])}
    for entry, op in zip(body["layers"], list(ops.values()), strict=True):
        first = 1 if _counts_from_one(op, keras_major) else 0
        for k, call in enumerate(entry.get("inbound_nodes") or []):
            op.nodes[first + k] = _node(op, first + k, call, ops)
    inputs = [_ref(ref, ops) for ref in _refs(body["input_layers"])]
    outputs = [_ref(ref, ops) for ref in _refs(body["output_layers"])]
    for op in ops.values():  # every call referred to is one the config lists
        for node, _ in list(op._tensors):
            op.node(node)
    return Graph(name, "Functional", ops, inputs, outputs)


def _sequential(name: str, body: dict[str, Any], keras_major: int) -> Graph:
    """A Sequential: each layer's one call reads the one before; an input made from the
    first layer's recorded input shape when the config lists none. An entry that is a
    function, not a layer (keras_safety refuses such a config), is no step of the chain."""
    entries = [e for e in body["layers"] if e.get("class_name") not in FUNCTIONS]
    ops: dict[str, Op] = {}
    if not entries or entries[0].get("class_name") != "InputLayer":
        first = entries[0]["config"] if entries else {}
        built = (first.get("build_config") or {}).get("input_shape")
        shape = body.get("build_input_shape") or first.get("batch_input_shape") or \
            first.get("batch_shape") or built  # fmt: skip
        entries.insert(0, {"class_name": "InputLayer", "config": {
            "name": "input_layer", "batch_shape": shape, "dtype": "float32"}})  # fmt: skip
    previous: Tensor | None = None
    for entry in entries:
        op = _op(entry, keras_major)
        ops[op.name] = op
        if previous is not None:
            op.nodes[0] = Node(op, 0, [previous], {})
        previous = op.tensor(0, 0)
    first_op = next(iter(ops.values()))
    assert previous is not None
    return Graph(name, "Sequential", ops, [first_op.tensor(0, 0)], [previous])


def _op(entry: dict[str, Any], keras_major: int) -> Op:
    kind = str(entry["class_name"])
    settings = entry.get("config") or {}
    name = str(entry.get("name") or settings.get("name") or kind.lower())
    op = Op(name, kind, entry.get("module"), settings if isinstance(settings, dict) else {})
    if kind in MODELS:
        op.graph = _graph(entry, keras_major)
    if kind == "InputLayer":  # its one "call" makes the model's input
        op.nodes[0] = Node(op, 0, [], {})
        op.tensor(0, 0).shape, op.tensor(0, 0).dtype = _input_spec(op.config)
    return op


def _counts_from_one(op: Op, keras_major: int) -> bool:
    """Whether the op's call 0 is its own construction (a nested functional model)."""
    return op.graph is not None and (op.kind != "Sequential" or keras_major < 3)


def _input_spec(config: dict[str, Any]) -> tuple[tuple[int | None, ...] | None, str]:
    shape = config.get("batch_shape") or config.get("batch_input_shape")
    dtype = config.get("dtype") or "float32"
    dtype = dtype.get("config", {}).get("name", "float32") if isinstance(dtype, dict) else dtype
    return (tuple(shape) if shape is not None else None), str(dtype)


def _refs(value: Any) -> list[Any]:
    """A config's input_layers or output_layers: one [name, call, output] or a list."""
    if isinstance(value, list) and value and isinstance(value[0], str):
        return [value]
    return list(value)


def _ref(ref: Any, ops: dict[str, Op]) -> Tensor:
    name, node, index = ref[0], int(ref[1]), int(ref[2])
    if name not in ops:
        raise LSTMInputError(f"the model's config refers to a layer {name!r} it does not list")
    return ops[name].tensor(node, index)


def _node(op: Op, index: int, call: Any, ops: dict[str, Op]) -> Node:
    if isinstance(call, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
        args = _tensors_in(call.get("args", []), ops)
        return Node(op, index, list(args), dict(_tensors_in(call.get("kwargs", {}), ops)))
    entries = [e for e in call if isinstance(e, list)]  # Keras 2: [name, call, output, kwargs]
    inputs = [_ref(e, ops) if e[0] != "_CONSTANT_VALUE" else e[2] for e in entries]
    kwargs = _legacy_kwargs(entries[0][3] if entries and len(entries[0]) > 3 else {}, ops)
    if op.kind in RECURRENT_CALLS and len(inputs) > 1:  # sequence, then initial states
        kwargs["initial_state"] = inputs[1:]
        return Node(op, index, [inputs[0]], kwargs)
    return Node(op, index, [inputs[0] if len(inputs) == 1 else inputs], kwargs)


def _tensors_in(value: Any, ops: dict[str, Op]) -> Any:
    """`value` with each `__keras_tensor__` replaced by its `Tensor`."""
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            tensor = _ref(value["config"]["keras_history"], ops)
            tensor.shape = tensor.shape or _shape(value["config"].get("shape"))
            tensor.dtype = tensor.dtype or value["config"].get("dtype")
            return tensor
        return {k: _tensors_in(v, ops) for k, v in value.items()}
    if isinstance(value, list):
        return [_tensors_in(v, ops) for v in value]
    return value


def _legacy_kwargs(value: Any, ops: dict[str, Op]) -> Any:
    """Keras 2's call kwargs, each tensor written as [layer, call, output]."""
    if isinstance(value, dict):
        return {k: _legacy_kwargs(v, ops) for k, v in value.items()}
    if isinstance(value, list):
        if len(value) == 3 and isinstance(value[0], str) and value[0] in ops \
                and all(isinstance(v, int) for v in value[1:]):  # fmt: skip
            return _ref(value, ops)
        return [_legacy_kwargs(v, ops) for v in value]
    return value


def _shape(value: Any) -> tuple[int | None, ...] | None:
    return tuple(value) if isinstance(value, list) else None


def flat_tensors(value: Any) -> list[Tensor]:
    """Every `Tensor` in a structure of lists, tuples and dicts, in order."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in flat_tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in flat_tensors(v)]
    return []


def snake_case(name: str) -> str:
    """A class name as Keras's saving names its group ("InputLayer" -> "input_layer",
    "LSTM" -> "lstm"): keras.src.utils.naming.to_snake_case."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
