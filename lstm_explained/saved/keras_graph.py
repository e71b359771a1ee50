"""How a Keras model runs one of its recurrent layers, read from its file's graph.

A layer in a model reads more than a sequence: a mask made below it (by `Masking`,
`Embedding(mask_zero=True)`, or passed up a stack of recurrent layers) and, in an
encoder-decoder, initial states that another layer computes. `KerasGraph` reads all
three from the graph the file's config describes (keras_config), without Keras, and
`KerasGraph.run` traces a layer from whatever is given, computing what feeds it the way
the model does:

- the recurrent layers below it, the `Masking` layers, the layers that are the identity
  at inference and the operations Keras writes to compute masks (`NotEqual`, `Any`) in
  NumPy, each with the mask and states the model gives it;
- anything else (Embedding, Dense, ...) in Keras, from the model's inputs, which then
  must be given; the run says which layers Keras ran. Only then is Keras imported, and
  the model rebuilt (keras_live), if its config passed keras_safety.

Inputs are *bound* to tensors of the graph: the model's inputs by name, or the tensor
where the chosen layer's own inputs enter (the lowest recurrent or `Masking` layer's
input), or the chosen layer's initial-state tensors. The check (`KerasGraph.observe`)
runs Keras alone from the same bound tensors to the layer's outputs (keras_live). A
layer inside a nested model is reached through it, and a layer called more than once is
traced at its first call, which the run says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..engine.layers import BidirectionalTrace
from ..engine.trace import Trace
from ..errors import LSTMInputError
from .keras_config import Graph, Node, Op, Tensor, flat_tensors
from .keras_live import Context, MissingInput, Rebuild, call_inputs, inputs_below
from .layer import LayerMask, SavedLayer
from .model import Given, LayerRun, Observed

Array = NDArray[Any]
IDENTITY_AT_INFERENCE = ("Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout",
                         "AlphaDropout", "ActivityRegularization")  # fmt: skip
RECURRENT = ("LSTM", "GRU", "SimpleRNN", "Bidirectional")
MASK_OPERATIONS = ("NotEqual", "Any")
"""The operations Keras writes to compute a mask that the engine computes itself."""


@dataclass
class Evaluation:
    """One engine run over the graph: what is bound, what the engine computes, and what
    it found on the way."""

    bound: dict[int, tuple[Array, Array | None]]
    engine: set[int]  # id() of the layers the engine computes
    target: tuple[int, tuple[tuple[int, int], ...]]  # the traced call: id(node), context
    dtype: str
    units: Sequence[int] | None
    traces: dict[int, Trace | BidirectionalTrace] = field(default_factory=dict)  # the target's
    order: list[str] = field(default_factory=list)  # the layers traced, bottom first
    feeds: dict[int, tuple[Array, Array | None, Any]] = field(default_factory=dict)
    done: dict[Any, list[tuple[Array, Array | None]]] = field(default_factory=dict)
    framework_ran: list[str] = field(default_factory=list)
    computed: list[str] = field(default_factory=list)


def _key(node: Node, ctx: Context) -> tuple[int, tuple[tuple[int, int], ...]]:
    """A call in its nested models, as a dict key."""
    return id(node), tuple((id(op), call) for op, call in ctx)


class KerasGraph:
    """The graph of a Keras model as its file describes it, seen from its recurrent layers."""

    def __init__(self, graph: Graph, layers: Mapping[str, tuple[Op, SavedLayer]],
                 rebuild: Rebuild) -> None:  # fmt: skip
        self.graph, self.rebuild = graph, rebuild
        self.saved = {id(op): saved for op, saved in layers.values()}
        self.names = {id(op): name for name, (op, _) in layers.items()}
        self.objects = {name: op for name, (op, _) in layers.items()}
        self.calls: dict[int, list[tuple[int, Context]]] = {}
        self._collect(graph.outputs, ())
        self.inputs = {t.name: t for t in graph.inputs}

    # ---- reading the graph ----------------------------------------------------------
    def _collect(self, outputs: Sequence[Tensor], ctx: Context) -> None:
        """Every (operation, call) in the graph below `outputs`, nested models opened."""
        seen: set[tuple[int, int]] = set()
        stack = list(outputs)
        while stack:
            t = stack.pop()
            op = t.op
            if (id(op), t.node) in seen:
                continue
            seen.add((id(op), t.node))
            if op.graph is not None:
                self._collect(op.graph.outputs, (*ctx, (op, t.node)))
            self.calls.setdefault(id(op), []).append((t.node, ctx))
            stack.extend(op.node(t.node).input_tensors)

    def call_of(self, layer: Op) -> tuple[Node, Context, int]:
        """The layer's first call in the model: its node, context and how many calls."""
        calls = sorted(self.calls.get(id(layer), []), key=lambda call: call[0])
        if not calls:
            raise LSTMInputError(f"layer {layer.name!r} is not called in the model's graph")
        index, ctx = calls[0]
        return layer.node(index), ctx, len(calls)

    def resolve(self, t: Tensor, ctx: Context, bound: Mapping[int, Any]
                ) -> tuple[Op | None, Tensor, Context]:  # fmt: skip
        """The operation that makes `t`, seen through nested models' boundaries; None
        as the operation when `t` is bound."""
        while id(t) not in bound:
            op = t.op
            if op.graph is not None:  # a nested model's output: step inside
                t, ctx = op.graph.outputs[t.index], (*ctx, (op, t.node))
            elif op.kind == "InputLayer" and ctx:  # step outside
                outer, call = ctx[-1]
                assert outer.graph is not None
                k = outer.graph.inputs.index(t)
                t, ctx = call_inputs(outer.node(call))[k], ctx[:-1]
            else:
                return op, t, ctx
        return None, t, ctx

    def feeds(self, node: Node, ctx: Context) -> tuple[Tensor, list[Tensor], Tensor | None]:
        """A recurrent layer's call: its sequence, initial-state tensors and mask tensor
        (None for the mask Keras passes up with the sequence: followed with it)."""
        args, kwargs = list(node.args), dict(node.kwargs)
        x = args[0] if args else kwargs.get("sequences", kwargs.get("inputs"))
        states = kwargs.get("initial_state", args[1] if len(args) > 1 else None)
        mask = kwargs.get("mask", args[2] if len(args) > 2 else None)
        if not isinstance(x, Tensor):
            raise LSTMInputError(f"layer {node.op.name!r} is called without a sequence tensor")
        if not isinstance(mask, Tensor) or mask is self.carried(x, ctx):
            mask = None
        return x, flat_tensors(states), mask

    def carried(self, t: Tensor, ctx: Context) -> Tensor | None:
        """The mask tensor Keras attaches to `t` as it builds the model (`_keras_mask`),
        where the graph shows which: a Masking or Embedding(mask_zero=True) layer's, passed
        on by the identity layers and up a stack of recurrent layers."""
        op, t, ctx = self.resolve(t, ctx, {})
        if op is None or op.kind == "InputLayer":
            return None
        node = op.node(t.node)
        if op.kind in IDENTITY_AT_INFERENCE and node.input_tensors:
            return self.carried(node.input_tensors[0], ctx)
        if op.kind in RECURRENT and t.index == 0:
            x, _, mask = self.feeds(node, ctx)
            return mask if mask is not None else self.carried(x, ctx)
        if op.kind == "Masking" or (op.kind == "Embedding" and op.config.get("mask_zero")):
            return self._made_mask(op, node, ctx)
        return None

    def _made_mask(self, op: Op, node: Node, ctx: Context) -> Tensor | None:
        """The tensor Keras 3 writes for a Masking layer's mask, any(x != mask_value,
        axis=-1), or an Embedding's, x != 0; None where the graph holds none."""
        graph = ctx[-1][0].graph if ctx else self.graph
        assert graph is not None
        x = node.input_tensors[0] if node.input_tensors else None
        value = op.config.get("mask_value", 0.0) if op.kind == "Masking" else 0
        compared = [ne.tensor(n.index, 0) for ne in graph.ops.values() if ne.kind == "NotEqual"
                    for n in ne.nodes.values() if n.args[:2] == [x, value]]  # fmt: skip
        if op.kind == "Embedding":
            return compared[0] if compared else None
        for any_op in (o for o in graph.ops.values() if o.kind == "Any"):
            for n in any_op.nodes.values():
                if n.args and any(n.args[0] is c for c in compared):
                    return any_op.tensor(n.index, 0)
        return None

    def entry(self, layer: Op, *, direct: bool) -> tuple[Tensor, Context, list[str]]:
        """Where a layer's own inputs enter: down from its sequence through layers that
        pass it on (the identity at inference, `Masking`) and, unless `direct`, through
        the recurrent layers below; the tensor, its context and the layers passed."""
        node, ctx, _ = self.call_of(layer)
        t, passed = self.feeds(node, ctx)[0], []
        while True:
            op, t, ctx = self.resolve(t, ctx, {})
            assert op is not None
            if id(op) in self.saved and not direct:
                passed.append(self.names[id(op)])
                t = self.feeds(op.node(t.node), ctx)[0]
            elif op.kind in IDENTITY_AT_INFERENCE or op.kind == "Masking":
                passed.append(op.name)
                t = op.node(t.node).input_tensors[0]
            else:
                return t, ctx, passed

    def below(self, name: str) -> str | None:
        """The recurrent layer whose output layer `name` reads (through layers that pass
        it on), or None."""
        node, ctx, _ = self.call_of(self.objects[name])
        t = self.feeds(node, ctx)[0]
        while True:
            op, t, ctx = self.resolve(t, ctx, {})
            assert op is not None
            if id(op) in self.saved:
                return self.names[id(op)]
            if op.kind not in (*IDENTITY_AT_INFERENCE, "Masking"):
                return None
            t = op.node(t.node).input_tensors[0]

    def model_input(self, t: Tensor, ctx: Context) -> str | None:
        """The model input's name when `t` is one, else None."""
        op, t, ctx = self.resolve(t, ctx, {})
        if op is not None and op.kind == "InputLayer" and not ctx:
            return t.name
        return None

    def mask_makers_below(self, t: Tensor, ctx: Context) -> list[str]:
        """The layers below `t` that make a mask (Masking, Embedding with mask_zero)."""
        found, stack, seen = [], [(t, ctx)], set()
        while stack:
            op, tensor, where = self.resolve(*stack.pop(), {})
            if op is None or id(op) in seen or op.kind == "InputLayer":
                continue
            seen.add(id(op))
            if op.kind == "Masking" or (op.kind == "Embedding" and op.config.get("mask_zero")):
                found.append(f"{op.name} ({op.kind})")
            stack.extend((s, where) for s in op.node(tensor.node).input_tensors)
        return found

    def mask_source(self, name: str) -> LayerMask | None:
        """How the model masks layer `name`'s steps, for `SavedLayer.mask`: from the one
        `Masking` layer on the path `entry` follows below its chain of recurrent layers
        (the chain's inputs show that mask), else made where they cannot show it."""
        node, ctx, _ = self.call_of(self.objects[name])
        t, _, given = self.feeds(node, ctx)
        makers = self.mask_makers_below(t, ctx)
        if given is None and not makers:
            return None
        passed = []  # the layers `entry` passes on its way down, top first
        while True:
            op, t, ctx = self.resolve(t, ctx, {})
            assert op is not None
            if id(op) in self.saved:
                t = self.feeds(op.node(t.node), ctx)[0]
            elif op.kind in (*IDENTITY_AT_INFERENCE, "Masking"):
                t = op.node(t.node).input_tensors[0]
            else:
                break
            passed.append(op)
        maskings = [op for op in passed if op.kind == "Masking"]
        plain = given is None and len(maskings) == 1 and not self.mask_makers_below(t, ctx)
        if plain and all(id(op) not in self.saved for op in passed[passed.index(maskings[0]) :]):
            value = float(maskings[0].config.get("mask_value", 0.0))
            return LayerMask("values", f"{maskings[0].name} (Masking, mask_value={value:g})", value)
        return LayerMask("model", ", ".join(makers) or f"the mask passed to {name}'s call")

    def describe(self, name: str) -> str:
        """What feeds layer `name` in the model, in words, for `trace --list`."""
        layer = self.objects[name]
        node, ctx, calls = self.call_of(layer)
        x, states, _ = self.feeds(node, ctx)
        parts = [self._source(x, ctx)]
        makers = self.mask_makers_below(x, ctx)
        if makers:
            parts.append(f"masked by {', '.join(makers)}")
        if states:
            parts.append(f"starts from {self._source(states[0], ctx, states=True)}")
        if calls > 1:
            parts.append(f"called {calls} times (the first call is traced)")
        return "; ".join(parts)

    def _source(self, t: Tensor, ctx: Context, *, states: bool = False) -> str:
        while True:
            op, t, ctx = self.resolve(t, ctx, {})
            assert op is not None
            if op.kind not in IDENTITY_AT_INFERENCE:
                break
            t = op.node(t.node).input_tensors[0]
        if op.kind == "InputLayer":
            return f"the model's input {t.name!r}"
        name = self.names.get(id(op), op.name)
        if states:
            return f"the states of {name} ({op.kind})"
        return f"the output of {name} ({op.kind})"

    # ---- the engine's run -------------------------------------------------------------
    def evaluate(self, ev: Evaluation, t: Tensor, ctx: Context) -> tuple[Array, Array | None]:
        """The value and mask of tensor `t` as the model computes them: bound, or by the
        engine, or through a pass-on layer, or by Keras from the model's inputs."""
        op, t, ctx = self.resolve(t, ctx, ev.bound)
        if op is None:
            return ev.bound[id(t)]
        if op.kind == "InputLayer":
            raise MissingInput(t.name)
        node = op.node(t.node)
        if id(op) in ev.engine:
            return self._engine_layer(ev, op, node, ctx)[t.index]
        if op.kind in IDENTITY_AT_INFERENCE:
            return self.evaluate(ev, node.input_tensors[0], ctx)
        if op.kind == "Masking":
            value, _ = self.evaluate(ev, node.input_tensors[0], ctx)
            value = np.asarray(value, dtype=compute_dtype(op.config))
            mask_value = op.config.get("mask_value", 0.0)
            keep = np.any(value != np.asarray(mask_value, value.dtype), axis=-1)  # (batch, time)
            ev.computed.append(f"the Masking layer {op.name} (mask_value={mask_value})")
            return value * keep[..., None], keep
        if op.kind in MASK_OPERATIONS and not op.is_layer:
            return self._mask_operation(ev, op, node, ctx), None
        ran = self.ops_below(t, ctx) or [f"the operation {op.name} ({op.kind})"]
        ev.framework_ran.extend(n for n in ran if n not in ev.framework_ran)
        try:
            found = self.rebuild.values(self.graph, ev.bound, [t], ctx, masks=True)
        except MissingInput:
            raise
        except (ModuleNotFoundError, LSTMInputError) as err:  # said with what needs it
            why = f"{', '.join(ran)} needs {self.rebuild.framework_name}, as the engine does not "
            raise type(err)(f"{why}compute it: {err}") from None
        return found[0]

    def _mask_operation(self, ev: Evaluation, op: Op, node: Node, ctx: Context) -> Array:
        """NotEqual or Any, as Keras computes them for a mask: x != value in x's dtype;
        any over the axis the config names."""
        args = [np.asarray(self.evaluate(ev, a, ctx)[0], dtype=a.dtype or None)
                if isinstance(a, Tensor) else a for a in node.args]  # fmt: skip
        ev.computed.append(f"the mask operation {op.name} ({op.kind})")
        if op.kind == "NotEqual":
            a, b = args[0], args[1] if len(args) > 1 else node.kwargs.get("x2")
            return np.asarray(np.not_equal(a, np.asarray(b, dtype=a.dtype)))
        axis, keepdims = op.config.get("axis"), bool(op.config.get("keepdims", False))
        where = None if axis is None else tuple(int(k) for k in np.atleast_1d(axis))
        return np.asarray(np.any(args[0], axis=where, keepdims=keepdims))

    def _engine_layer(self, ev: Evaluation, layer: Op, node: Node, ctx: Context
                      ) -> list[tuple[Array, Array | None]]:  # fmt: skip
        """A recurrent layer's outputs from one of its calls, by the engine, from what
        the model feeds it."""
        key = _key(node, ctx)
        if key in ev.done:
            return ev.done[key]
        x_t, state_ts, mask_t = self.feeds(node, ctx)
        x, mask = self.evaluate(ev, x_t, ctx)
        if mask_t is not None:
            mask = np.asarray(self.evaluate(ev, mask_t, ctx)[0], dtype=bool)
        states = None
        if state_ts:
            try:
                states = [self.evaluate(ev, s, ctx)[0] for s in state_ts]
            except MissingInput as err:
                raise self._states_refusal(layer, state_ts[0], ctx, err.input_name) from None
        saved = self.saved[id(layer)]
        target = key == ev.target
        units = ev.units if target else [0]
        trace = saved.trace(x, dtype=ev.dtype, units=units, mask=mask,  # type: ignore[arg-type]
                            initial_state=states, record=target)  # fmt: skip
        ev.order.append(self.names[id(layer)])
        if target:  # a lower layer's steps are not shown: not kept
            ev.traces[id(layer)] = trace
            ev.feeds[id(layer)] = (np.asarray(x), mask, states)
        outputs = keras_outputs(saved, trace)
        keeps_mask = saved.settings.get("return_sequences", False)
        main = 2 if isinstance(trace, BidirectionalTrace) and trace.merge_mode is None else 1
        ev.done[key] = [(value, mask if k < main and keeps_mask else None)
                        for k, (_, value) in enumerate(outputs)]  # fmt: skip
        return ev.done[key]

    def _states_refusal(self, layer: Op, state: Tensor, ctx: Context, missing: str
                        ) -> Exception:  # fmt: skip
        name = self.names[id(layer)]
        source = self._source(state, ctx, states=True)
        needed = " ".join(f"--model-input {n}=FILE" for n in self.inputs)
        return LSTMInputError(
            f"layer {name!r} starts from {source}, which needs the model's input {missing!r}: "
            f"give every model input ({needed}), or the states with --initial-state "
            "FILE.npz (arrays h and c)"
        )

    def ops_below(self, t: Tensor, ctx: Context) -> list[str]:
        """The layers Keras runs to compute `t` from the model's inputs, bottom first."""
        names, stack, seen = [], [(t, ctx)], set()
        while stack:
            op, tensor, where = self.resolve(*stack.pop(), {})
            if op is None or op.kind == "InputLayer" or id(op) in seen:
                continue
            seen.add(id(op))
            if op.is_layer:  # not the operations that compute a mask
                names.append(f"{op.name} ({op.kind})")
            stack.extend((s, where) for s in op.node(tensor.node).input_tensors)
        return names[::-1]

    def run(
        self, name: str, given: Given, *, direct: bool = False, dtype: str = "float32",
        units: Sequence[int] | None = None,
    ) -> LayerRun:  # fmt: skip
        """Trace layer `name` from what is given, as the model runs it (module docstring)."""
        layer = self.objects[name]
        saved = self.saved[id(layer)]
        node, ctx, calls = self.call_of(layer)
        bound, engine, path = self._bind(layer, given, direct=direct)
        ev = Evaluation(bound, engine, _key(node, ctx), dtype, units)
        try:
            self._engine_layer(ev, layer, node, ctx)
        except MissingInput as err:
            raise LSTMInputError(
                f"layer {name!r} needs the model's input {err.input_name!r} (through "
                f"{self._source(self.feeds(node, ctx)[0], ctx)}): give the model's inputs with "
                f"--model-input {' --model-input '.join(f'{n}=FILE' for n in self.inputs)}"
            ) from None
        x, mask, _ = ev.feeds[id(layer)]
        traced = ev.order
        path += _path_notes(ev, traced, calls, mask, given, self.feeds(node, ctx)[1], self, ctx)
        return LayerRun(
            saved, ev.traces[id(layer)], dict(keras_outputs(saved, ev.traces[id(layer)])), x,
            traced[0], tuple(traced[1:]), mask, tuple(path), tuple(ev.framework_ran), bound,
        )  # fmt: skip

    def _bind(self, layer: Op, given: Given, *, direct: bool
              ) -> tuple[dict[int, tuple[Array, Array | None]], set[int], list[str]]:  # fmt: skip
        """What the given inputs are bound to, which layers the engine computes, and the
        first lines of the run's path."""
        bound: dict[int, tuple[Array, Array | None]] = {}
        if given.model is not None:
            unknown = [key for key in given.model if key not in self.inputs]
            if unknown:
                raise LSTMInputError(f"the model has no input {unknown[0]!r}; its inputs are "
                                     f"{', '.join(self.inputs)}")  # fmt: skip
            node, ctx, _ = self.call_of(layer)
            outer = node.outputs(1) if not ctx else call_inputs(ctx[0][0].node(ctx[0][1]))
            missing = [t.name for t in inputs_below(self.graph, outer) if t.name not in given.model]
            if missing:
                raise LSTMInputError(
                    f"the model's input(s) {', '.join(missing)} are not given; give every "
                    "one (--model-input NAME=FILE)"
                )
            for key, value in given.model.items():
                value = fit_input(np.asarray(value), self.inputs[key], key)
                bound[id(self.inputs[key])] = (value, None)
            engine = {id(layer)} if direct else set(self.saved)
            shown = ", ".join(f"{k} {v.shape}" for k, v in given.model.items())
            path = [f"the model's inputs: {shown}"]
        else:
            assert given.x is not None
            t, ctx, passed = self.entry(layer, direct=direct)
            engine = {id(layer)} | {id(self.objects[n]) for n in passed if n in self.objects}
            entry = self.model_input(t, ctx)
            if entry is not None:
                t = self.inputs[entry]
                path = [f"given to the model's input {entry!r}"]
            else:
                makers = self.mask_makers_below(t, ctx)
                if makers:
                    raise LSTMInputError(
                        f"layer {self.names[id(layer)]!r} reads a mask that {', '.join(makers)} "
                        "makes below it, which its own inputs cannot give; give the model's "
                        f"inputs with --model-input ({', '.join(self.inputs)})"
                    )
                _, t, _ = self.resolve(t, ctx, {})
                path = [f"given where {self._source(t, ctx)} enters"]
            bound[id(t)] = (given.x, None)
        if given.initial_state is not None:
            self._bind_states(layer, given, bound)
        return bound, engine, path

    def _bind_states(self, layer: Op, given: Given, bound: dict[int, Any]) -> None:
        node, ctx, _ = self.call_of(layer)
        state_ts = self.feeds(node, ctx)[1]
        if not state_ts:
            raise LSTMInputError(
                f"layer {self.names[id(layer)]!r} starts from zero states in the model; "
                "--initial-state is for a layer whose states come from another (a decoder)"
            )
        states = given.states_for(self.saved[id(layer)]) or []
        if len(states) != len(state_ts):
            raise LSTMInputError(
                f"layer {self.names[id(layer)]!r} takes {len(state_ts)} state arrays; "
                f"--initial-state gives {len(states)}"
            )
        for t, value in zip(state_ts, states, strict=True):
            bound[id(t)] = (np.asarray(value), None)

    def observe(self, name: str, given: Given, *, direct: bool = False) -> Observed:
        """Keras alone, from what is given to the layer's outputs: a sub-model from the
        model's inputs, or the model's own calls from the bound tensors (keras_live)."""
        layer = self.objects[name]
        node, ctx, _ = self.call_of(layer)
        bound, _, _ = self._bind(layer, given, direct=direct)
        who = self.rebuild.framework_name
        model_inputs = {id(t): n for n, t in self.inputs.items()}
        if all(key in model_inputs for key in bound):
            names = ", ".join(model_inputs[key] for key in bound)
            what = f"{who} ran the model from its input(s) {names} to {name}'s outputs"
        else:
            what = (f"{who} ran the model's own layers from the given inputs to {name}'s "
                    "outputs, as the model calls them")  # fmt: skip
        keys = output_names(self.saved[id(layer)])
        try:
            values = self.rebuild.values(self.graph, bound, node.outputs(len(keys)), ctx)
        except MissingInput as err:
            return Observed(what, unchecked=f"{who} needs the model's input {err.input_name!r}")
        except (LSTMInputError, ModuleNotFoundError) as err:
            return Observed(what, unchecked=str(err))
        except Exception as err:  # whatever Keras raises while running the model
            text = " ".join(str(err).split())[:200]
            return Observed(what, unchecked=f"{who} could not run the model: {text}")
        return Observed(what, {key: v for key, (v, _) in zip(keys, values, strict=True)})


def compute_dtype(config: Mapping[str, Any]) -> str:
    """The dtype a layer computes in, by its dtype policy ("mixed_float16" -> float16)."""
    policy = config.get("dtype") or "float32"
    if isinstance(policy, dict):
        policy = (policy.get("config") or {}).get("name", "float32")
    return str(policy).removeprefix("mixed_")


def fit_input(arr: Array, tensor: Any, name: str) -> Array:
    """`arr` with a batch axis, shaped and typed as the model's input `tensor` declares."""
    shape = tuple(tensor.shape) if tensor.shape is not None else (None,) * max(arr.ndim, 2)
    if arr.ndim == len(shape) - 1:
        arr = arr[None]
    fits = arr.ndim == len(shape) and all(
        d is None or d == n for d, n in zip(shape, arr.shape, strict=True)
    )
    if not fits or 0 in arr.shape:
        shown = tuple("any" if d is None else d for d in shape)
        raise LSTMInputError(
            f"the model's input {name!r} is {shown} (batch first); the file gives {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise LSTMInputError(f"the model's input {name!r} holds inf or NaN")
    dtype = np.dtype(str(tensor.dtype))
    if dtype.kind in "iu" and not np.all(arr == np.round(arr)):
        raise LSTMInputError(f"the model's input {name!r} takes integers ({dtype}); got fractions")
    return arr.astype(dtype)


def output_names(saved: SavedLayer) -> list[str]:
    """The layer's outputs as Keras returns them, by name: the output (two with
    `merge_mode=None`), then the final states when `return_state=True`."""
    states = ["h", "c"] if saved.kind == "LSTM" else ["h"]
    if saved.direction == "bidirectional":
        merged = saved.settings.get("merge_mode", "concat") is not None
        main = ["output"] if merged else ["forward output", "backward output"]
        return main + ([f"{d} state {k}" for d in ("forward", "backward") for k in states]
                       if saved.settings.get("return_state") else [])  # fmt: skip
    return ["output"] + ([f"state {k}" for k in states] if saved.settings.get("return_state")
                         else [])  # fmt: skip


def keras_outputs(saved: SavedLayer, trace: Trace | BidirectionalTrace) -> list[tuple[str, Array]]:
    """The layer's outputs as Keras returns them, named: the output (two with
    `merge_mode=None`), then the final states when `return_state=True`."""
    sequences = saved.settings.get("return_sequences", False)
    if isinstance(trace, BidirectionalTrace):
        if sequences:
            pair = (trace.forward.sequence_out, trace.backward_in_input_order)
        else:  # each direction's final h: a masked last step carries it
            pair = (trace.forward.states["h"], trace.backward.states["h"])
        if trace.merge_mode is None:
            main = [("forward output", pair[0]), ("backward output", pair[1])]
        else:
            main = [("output", trace.sequence_out if sequences else _merge(pair, trace))]
        if not saved.settings.get("return_state"):
            return main
        states = [(f"{d} state {k}", v) for d, one in (("forward", trace.forward),
                  ("backward", trace.backward)) for k, v in one.states.items()]  # fmt: skip
        return main + states
    out = trace.sequence_out if sequences else trace.sequence_out[:, -1]
    found = [("output", np.asarray(out))]
    if saved.settings.get("return_state"):
        found += [(f"state {k}", np.asarray(v)) for k, v in trace.states.items()]
    return found


def _merge(pair: tuple[Array, Array], trace: BidirectionalTrace) -> Array:
    a, b = pair
    mode = trace.merge_mode
    if mode == "concat":
        return np.concatenate([a, b], axis=-1)
    return {"sum": a + b, "mul": a * b, "ave": (a + b) / 2}[str(mode)]


def _path_notes(
    ev: Evaluation, traced: list[str], calls: int, mask: Array | None, given: Given,
    state_ts: list[Tensor], graph: KerasGraph, ctx: Context,
) -> list[str]:  # fmt: skip
    """The lines of a run's path after where the inputs went: what computed what."""
    notes = []
    if ev.computed:
        notes.append(f"the engine applied {', '.join(ev.computed)}")
    if ev.framework_ran:
        notes.append(f"{graph.rebuild.framework_name} ran {', '.join(ev.framework_ran)}")
    notes.append(f"the engine traced {' -> '.join(traced)}")
    if mask is not None:
        used, total = int(np.count_nonzero(mask)), mask.size
        notes.append(f"mask: {total - used} of {total} steps masked (marked * in the table): "
                     "a masked step carries h and c forward")  # fmt: skip
    if state_ts:
        source = "--initial-state" if given.initial_state is not None else \
            graph._source(state_ts[0], ctx, states=True)  # fmt: skip
        notes.append(f"initial state: {source}")
    if calls > 1:
        notes.append(f"the layer is called {calls} times in the model; its first call is traced "
                     "and checked")  # fmt: skip
    return notes
