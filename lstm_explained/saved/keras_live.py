"""Keras's own run of a model read from a file, for the check and for the layers the
engine does not compute (an Embedding, a Dense below the traced layer).

Nothing here runs when a file is listed or traced by the engine alone. `Rebuild` keeps
the file's bytes as they were read and checked; only when Keras is needed, and only if
the config passed keras_safety, does it hand a copy of those very bytes to
`load_model(..., safe_mode=True, compile=False)`: Keras 3's for a Keras 3 file, tf-keras's
(Keras 2's API) for a Keras 2 file, whose recurrent layers Keras 3 cannot rebuild and
whose hard_sigmoid it computes differently.

`Rebuild.values` computes tensors of the file's graph (keras_config) in Keras, from
values bound to some of its tensors: the model's compiled run of a sub-model, from the
model's inputs to the tensors, when only model inputs are bound; else the model's own
layers called one by one as its graph calls them (what a functional model does when it
runs), stepping into nested models, with the masks the graph hands each call.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import LSTMInputError
from .keras_config import Graph, Op, Tensor, flat_tensors

Array = NDArray[Any]
Context = tuple[tuple[Op, int], ...]
"""The nested models a tensor sits in, outermost first, each with the call that reaches it."""
Bound = Mapping[int, tuple[Array, Array | None]]
"""id() of a graph tensor -> its value and mask ((batch, time) booleans, or None)."""
TF_QUIET = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}


class MissingInput(LSTMInputError):
    """A value that only the model's input `name` can give was needed."""

    def __init__(self, name: str) -> None:
        super().__init__(f"the model's input {name!r} is needed")
        self.input_name = name


@dataclass
class Framework:
    """Keras 3, or tf-keras for a Keras 2 file: the few calls that differ."""

    name: str
    keras: Any
    legacy: bool

    def tensor(self, value: Array, mask: Array | None = None) -> Any:
        """A tensor of the framework from `value`, carrying `mask` as Keras does."""
        tensor = self._convert(value)
        return tensor if mask is None else self.with_mask(tensor, mask)

    def with_mask(self, tensor: Any, mask: Any) -> Any:
        """A copy of `tensor` that carries `mask`."""
        tensor = self._convert(tensor) if isinstance(tensor, np.ndarray) else \
            self._copy(tensor)  # fmt: skip
        mask = self._convert(np.asarray(mask)) if isinstance(mask, np.ndarray) else mask
        if self.legacy:
            tensor._keras_mask = mask
        else:
            self.keras.src.backend.set_keras_mask(tensor, mask)
        return tensor

    def mask_of(self, tensor: Any) -> Any:
        if self.legacy:
            return getattr(tensor, "_keras_mask", None)
        return self.keras.src.backend.get_keras_mask(tensor)

    def numpy(self, tensor: Any) -> Array:
        if self.legacy:
            return np.asarray(tensor)
        return np.asarray(self.keras.ops.convert_to_numpy(tensor))

    def _convert(self, value: Any) -> Any:
        if self.legacy:
            return self.keras.backend.constant(value, dtype=np.asarray(value).dtype.name)
        return self.keras.ops.convert_to_tensor(value)

    def _copy(self, tensor: Any) -> Any:
        if self.legacy:
            return self.keras.backend.identity(tensor)
        return self.keras.ops.copy(tensor)


class Rebuild:
    """The model rebuilt by Keras from the bytes read, on first need, if it may be."""

    def __init__(self, data: bytes, suffix: str, keras_major: int, unsafe: str | None) -> None:
        self.data, self.suffix, self.keras_major, self.unsafe = data, suffix, keras_major, unsafe
        self._loaded: tuple[Framework, Any] | None = None

    @property
    def framework_name(self) -> str:
        """What rebuilds and runs the file: "Keras", or "tf-keras" for a Keras 2 file."""
        return "Keras" if self.keras_major >= 3 else "tf-keras"

    def model(self) -> tuple[Framework, Any]:
        """The framework and the rebuilt model; LSTMInputError when the config failed
        validation or Keras cannot rebuild it, ModuleNotFoundError when the framework
        is not installed."""
        if self._loaded is None:
            if self.unsafe is not None:
                raise LSTMInputError(self.unsafe)
            framework = self._framework()
            with tempfile.TemporaryDirectory(prefix="lstm-explained-") as folder:
                copy = os.path.join(folder, f"model{self.suffix}")  # the bytes validated
                with open(copy, "wb") as fh:
                    fh.write(self.data)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        model = framework.keras.models.load_model(copy, safe_mode=True,
                                                                  compile=False)  # fmt: skip
                    except Exception as err:  # Keras raises ValueError, TypeError, ...
                        text = " ".join(str(err).split())[:200]
                        why = f"{type(err).__name__}: {text}"
                        raise LSTMInputError(f"{framework.name} could not rebuild the model "
                                             f"({why})") from None  # fmt: skip
            self._loaded = (framework, model)
        return self._loaded

    def _framework(self) -> Framework:
        for name, value in TF_QUIET.items():
            os.environ.setdefault(name, value)
        if self.keras_major >= 3:
            from ..frameworks.keras_adapter import import_keras

            return Framework("Keras", import_keras(), legacy=False)
        try:
            import tf_keras  # type: ignore[import-not-found,import-untyped,unused-ignore]
        except ModuleNotFoundError:
            raise ModuleNotFoundError(
                f"this Keras {self.keras_major} file is run by tf-keras (Keras 2's API), which "
                "is not installed; install it beside Keras with pip install --no-deps "
                "'tf-keras>=2.21,<2.22' (--no-deps keeps it on the TensorFlow you have; Keras 3 "
                "cannot rebuild Keras 2's recurrent layers, and computes hard_sigmoid as "
                "x/6 + 1/2)"
            ) from None
        return Framework("tf-keras", tf_keras, legacy=True)

    def values(self, graph: Graph, bound: Bound, tensors: Sequence[Tensor], ctx: Context,
               *, masks: bool = False) -> list[tuple[Array, Array | None]]:  # fmt: skip
        """`tensors` (in the nested models `ctx`) computed by the framework alone from
        the `bound` values, each with its mask when `masks`."""
        framework, model = self.model()
        inputs = {id(t): k for k, t in enumerate(graph.inputs)}
        if not masks and not ctx and all(key in inputs for key in bound):
            found = _predicted(framework, model, graph, bound, tensors)
            if found is not None:
                return found
        run = Replay(framework, model, bound)
        outs = [run.value(t, ctx) for t in tensors]
        return [(framework.numpy(out), _mask(framework, out) if masks else None) for out in outs]


def _mask(framework: Framework, tensor: Any) -> Array | None:
    mask = framework.mask_of(tensor)
    return None if mask is None else framework.numpy(mask)


def _predicted(framework: Framework, model: Any, graph: Graph, bound: Bound,
               tensors: Sequence[Tensor]) -> list[tuple[Array, Array | None]] | None:  # fmt: skip
    """The model's compiled run of a sub-model from its inputs to `tensors`, in one
    batch; None when a tensor cannot be found in the rebuilt model."""
    needed = inputs_below(graph, tensors)
    for t in needed:
        if id(t) not in bound:
            raise MissingInput(t.name)
    try:
        outs = [_flat(find(model, t.op.name)._inbound_nodes[t.node].outputs)[t.index]
                for t in tensors]  # fmt: skip
    except (ValueError, IndexError, AttributeError):
        return None
    live_inputs = [_flat(model.inputs)[graph.inputs.index(t)] for t in needed]
    sub = framework.keras.Model(live_inputs, outs)
    values = [bound[id(t)][0] for t in needed]
    one: Any = values[0] if len(values) == 1 else values
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = sub.predict(one, verbose=0, batch_size=len(values[0]))
    return [(np.asarray(v), None) for v in _flat(got)]


def inputs_below(graph: Graph, tensors: Sequence[Tensor]) -> list[Tensor]:
    """The model inputs of `graph` that `tensors` (in it, not nested) depend on, in order."""
    reached: set[int] = set()
    stack, seen = list(tensors), set()
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if t.op.kind == "InputLayer":
            reached.add(id(t))
        stack.extend(t.op.node(t.node).input_tensors)
    return [t for t in graph.inputs if id(t) in reached]


class Replay:
    """Graph tensors computed by calling the rebuilt model's own layers as the graph
    calls them, from the bound values up; each call once."""

    def __init__(self, framework: Framework, model: Any, bound: Bound) -> None:
        self.framework, self.model, self.bound = framework, model, bound
        self.cache: dict[tuple[int, tuple[tuple[int, int], ...]], list[Any]] = {}

    def value(self, t: Tensor, ctx: Context) -> Any:
        if id(t) in self.bound:
            value, mask = self.bound[id(t)]
            return self.framework.tensor(np.asarray(value), mask)
        op = t.op
        if op.graph is not None:  # a nested model's output: computed inside it
            return self.value(op.graph.outputs[t.index], (*ctx, (op, t.node)))
        if op.kind == "InputLayer":
            return self._entering(t, ctx)
        node = op.node(t.node)
        key = (id(node), tuple((id(o), call) for o, call in ctx))
        if key not in self.cache:
            args = _filled(node.args, self, ctx)
            kwargs = _filled(node.kwargs, self, ctx)
            layer = self._live(op, ctx)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.cache[key] = _flat(layer(*args, **kwargs))
        return self.cache[key][t.index]

    def _entering(self, t: Tensor, ctx: Context) -> Any:
        """A nested model's input: what its call passes, with the mask the call gives."""
        if not ctx:
            raise MissingInput(t.name)
        outer, call = ctx[-1]
        assert outer.graph is not None
        node = outer.node(call)
        k = outer.graph.inputs.index(t)
        value = self.value(call_inputs(node)[k], ctx[:-1])
        masks = flat_tensors(node.kwargs.get("mask"))
        if len(masks) > k:
            value = self.framework.with_mask(value, self.value(masks[k], ctx[:-1]))
        return value

    def _live(self, op: Op, ctx: Context) -> Any:
        container = self.model
        for nested, _ in ctx:
            container = find(container, nested.name)
        return find(container, op.name)


def find(container: Any, name: str) -> Any:
    """The layer or operation called `name` in a rebuilt model."""
    functional = getattr(container, "_functional", None) or container
    for op in getattr(functional, "operations", None) or functional.layers:
        if op.name == name:
            return op
    raise ValueError(f"no operation {name!r} in {container.name}")


def call_inputs(node: Any) -> list[Tensor]:
    """The tensors a call passes as its inputs (its first argument), masks aside."""
    first = node.args[0] if node.args else node.kwargs.get("inputs")
    return flat_tensors(first)


def _filled(value: Any, run: Replay, ctx: Context) -> Any:
    if isinstance(value, Tensor):
        return run.value(value, ctx)
    if isinstance(value, list):
        return [_filled(v, run, ctx) for v in value]
    if isinstance(value, dict):
        return {k: _filled(v, run, ctx) for k, v in value.items()}
    return value


def _flat(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return [item for v in value for item in _flat(v)]
    if isinstance(value, dict):
        return [item for v in value.values() for item in _flat(v)]
    return [] if value is None else [value]
