"""How a Keras model runs one of its recurrent layers, and Keras's own run to check it.

A layer in a model reads more than a sequence: a mask made below it (by `Masking`,
`Embedding(mask_zero=True)`, or passed up a stack of recurrent layers) and, in an
encoder-decoder, initial states that another layer computes. `KerasGraph` reads all
three from the model's graph, and `KerasGraph.run` traces a layer from whatever is
given, computing what feeds it the way the model does:

- the recurrent layers below it (and the `Masking` layers, and those that are the
  identity at inference) in the engine, each with the mask and states the model gives it;
- anything else (Embedding, Dense, ...) in Keras, from the model's inputs, which then
  must be given; the run says which layers Keras ran.

Inputs are *bound* to tensors of the graph: the model's inputs by name, or the tensor
where the chosen layer's own inputs enter (the lowest recurrent or `Masking` layer's
input), or the chosen layer's initial-state tensors. The check (`KerasGraph.check`) runs
Keras alone from the same bound tensors to the layer's outputs: a sub-model from the
model's inputs when those are what is bound, else the model's own calls replayed as a
functional model replays them. A layer inside a nested model is reached in stages, and a
layer called more than once is traced at its first call, which the run says.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..engine.layers import BidirectionalTrace
from ..engine.trace import Trace
from ..errors import LSTMInputError
from .layer import LayerMask, SavedLayer
from .model import Given, LayerRun, Observed

Array = NDArray[Any]
Context = tuple[tuple[Any, int], ...]
"""The nested models a tensor sits in, outermost first, each with the call (node index)
that reaches it."""

IDENTITY_AT_INFERENCE = ("Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout",
                         "AlphaDropout", "ActivityRegularization")  # fmt: skip
MASK_MAKERS = ("Masking", "Embedding")


class MissingInput(LSTMInputError):
    """A value that only the model's input `name` can give was needed."""

    def __init__(self, name: str) -> None:
        super().__init__(f"the model's input {name!r} is needed")
        self.input_name = name


@dataclass
class Evaluation:
    """One engine run over the graph: what is bound, what the engine computes, and what
    it found on the way."""

    bound: dict[int, tuple[Array, Array | None]]
    engine: set[int]  # id() of the layers the engine computes
    target: int
    dtype: str
    units: Sequence[int] | None
    traces: dict[int, Trace | BidirectionalTrace] = field(default_factory=dict)  # the target's
    order: list[str] = field(default_factory=list)  # the layers traced, bottom first
    feeds: dict[int, tuple[Array, Array | None, Any]] = field(default_factory=dict)
    done: dict[int, list[tuple[Array, Array | None]]] = field(default_factory=dict)
    framework_ran: list[str] = field(default_factory=list)
    computed: list[str] = field(default_factory=list)


class KerasGraph:
    """The graph of a loaded Keras model, seen from its recurrent layers."""

    def __init__(self, keras: Any, model: Any, layers: Mapping[str, tuple[Any, SavedLayer]]):
        self.keras, self.model = keras, model
        self.saved = {id(layer): saved for layer, saved in layers.values()}
        self.names = {id(layer): name for name, (layer, _) in layers.items()}
        self.objects = {name: layer for name, (layer, _) in layers.items()}
        self.calls: dict[int, list[tuple[int, Context]]] = {}
        self._collect(_flat(model.outputs), ())
        self.inputs = {t.name: t for t in _flat(model.inputs)}

    # ---- reading the graph ----------------------------------------------------------
    def _collect(self, outputs: Sequence[Any], ctx: Context) -> None:
        """Every (operation, call) in the graph below `outputs`, nested models opened."""
        seen: set[tuple[int, int]] = set()
        stack = list(outputs)
        while stack:
            op, index, _ = _history(stack.pop())
            if (id(op), index) in seen:
                continue
            seen.add((id(op), index))
            if isinstance(op, self.keras.Model):
                self._collect(_flat(op.outputs), (*ctx, (op, index)))
            self.calls.setdefault(id(op), []).append((index, ctx))
            stack.extend(op._inbound_nodes[index].input_tensors)

    def call_of(self, layer: Any) -> tuple[Any, Context, int]:
        """The layer's first call in the model: its node, context and how many calls."""
        calls = sorted(self.calls.get(id(layer), []), key=lambda call: call[0])
        if not calls:
            raise LSTMInputError(f"layer {layer.name!r} is not called in the model's graph")
        index, ctx = calls[0]
        return layer._inbound_nodes[index], ctx, len(calls)

    def resolve(self, t: Any, ctx: Context, bound: Mapping[int, Any]) -> tuple[Any, Any, Context]:
        """The operation that makes `t`, seen through nested models' boundaries; None
        as the operation when `t` is bound."""
        while id(t) not in bound:
            op, index, which = _history(t)
            if isinstance(op, self.keras.Model):  # a nested model's output: step inside
                t, ctx = _flat(op.outputs)[which], (*ctx, (op, index))
            elif isinstance(op, self.keras.layers.InputLayer) and ctx:  # step outside
                outer, call = ctx[-1]
                k = [id(i) for i in _flat(outer.inputs)].index(id(t))
                t, ctx = _call_inputs(outer._inbound_nodes[call])[k], ctx[:-1]
            else:
                return op, t, ctx
        return None, t, ctx

    def feeds(self, node: Any) -> tuple[Any, list[Any], Any]:
        """A recurrent layer's call: its sequence, initial-state tensors and mask tensor."""
        args, kwargs = list(node.arguments.args), dict(node.arguments.kwargs)
        x = args[0] if args else kwargs.get("sequences", kwargs.get("inputs"))
        states = kwargs.get("initial_state", args[1] if len(args) > 1 else None)
        mask = kwargs.get("mask", args[2] if len(args) > 2 else None)
        if mask is not None and mask is getattr(x, "_keras_mask", None):
            mask = None  # the mask Keras passes up with the sequence: followed with it
        return x, _flat(states) if states is not None else [], mask

    def entry(self, layer: Any, *, direct: bool) -> tuple[Any, Context, list[str]]:
        """Where a layer's own inputs enter: down from its sequence through layers that
        pass it on (the identity at inference, `Masking`) and, unless `direct`, through
        the recurrent layers below; the tensor, its context and the layers passed."""
        node, ctx, _ = self.call_of(layer)
        t, passed = self.feeds(node)[0], []
        while True:
            op, t, ctx = self.resolve(t, ctx, {})
            name = type(op).__name__
            if id(op) in self.saved and not direct:
                passed.append(self.names[id(op)])
                t = self.feeds(self.call_of(op)[0])[0]
            elif name in IDENTITY_AT_INFERENCE or name == "Masking":
                passed.append(op.name)
                t = _node_of(t).input_tensors[0]
            else:
                return t, ctx, passed

    def below(self, name: str) -> str | None:
        """The recurrent layer whose output layer `name` reads (through layers that pass
        it on), or None."""
        node, ctx, _ = self.call_of(self.objects[name])
        t = self.feeds(node)[0]
        while True:
            op, t, ctx = self.resolve(t, ctx, {})
            if id(op) in self.saved:
                return self.names[id(op)]
            if type(op).__name__ not in (*IDENTITY_AT_INFERENCE, "Masking"):
                return None
            t = _node_of(t).input_tensors[0]

    def model_input(self, t: Any, ctx: Context) -> str | None:
        """The model input's name when `t` is one, else None."""
        op, t, ctx = self.resolve(t, ctx, {})
        if isinstance(op, self.keras.layers.InputLayer) and not ctx:
            return str(t.name)
        return None

    def mask_makers_below(self, t: Any, ctx: Context) -> list[str]:
        """The layers below `t` that make a mask (Masking, Embedding with mask_zero)."""
        found, stack, seen = [], [(t, ctx)], set()
        while stack:
            op, tensor, where = self.resolve(*stack.pop(), {})
            if op is None or id(op) in seen or isinstance(op, self.keras.layers.InputLayer):
                continue
            seen.add(id(op))
            kind = type(op).__name__
            if kind == "Masking" or (kind == "Embedding" and getattr(op, "mask_zero", False)):
                found.append(f"{op.name} ({kind})")
            stack.extend((s, where) for s in _node_of(tensor).input_tensors)
        return found

    def mask_source(self, name: str) -> LayerMask | None:
        """How the model masks layer `name`'s steps, for `SavedLayer.mask`: from the one
        `Masking` layer on the path `entry` follows below its chain of recurrent layers
        (the chain's inputs show that mask), else made where they cannot show it."""
        node, ctx, _ = self.call_of(self.objects[name])
        t, _, given = self.feeds(node)
        makers = self.mask_makers_below(t, ctx)
        if given is None and not makers:
            return None
        passed = []  # the layers `entry` passes on its way down, top first
        while True:
            op, t, ctx = self.resolve(t, ctx, {})
            if id(op) in self.saved:
                t = self.feeds(self.call_of(op)[0])[0]
            elif type(op).__name__ in (*IDENTITY_AT_INFERENCE, "Masking"):
                t = _node_of(t).input_tensors[0]
            else:
                break
            passed.append(op)
        maskings = [op for op in passed if type(op).__name__ == "Masking"]
        plain = given is None and len(maskings) == 1 and not self.mask_makers_below(t, ctx)
        if plain and all(id(op) not in self.saved for op in passed[passed.index(maskings[0]) :]):
            value = float(maskings[0].mask_value)
            return LayerMask("values", f"{maskings[0].name} (Masking, mask_value={value:g})", value)
        return LayerMask("model", ", ".join(makers) or f"the mask passed to {name}'s call")

    def describe(self, name: str) -> str:
        """What feeds layer `name` in the model, in words, for `trace --list`."""
        layer = self.objects[name]
        node, ctx, calls = self.call_of(layer)
        x, states, _ = self.feeds(node)
        parts = [self._source(x, ctx)]
        makers = self.mask_makers_below(x, ctx)
        if makers:
            parts.append(f"masked by {', '.join(makers)}")
        if states:
            parts.append(f"starts from {self._source(states[0], ctx, states=True)}")
        if calls > 1:
            parts.append(f"called {calls} times (the first call is traced)")
        return "; ".join(parts)

    def _source(self, t: Any, ctx: Context, *, states: bool = False) -> str:
        while True:
            op, t, ctx = self.resolve(t, ctx, {})
            if type(op).__name__ not in IDENTITY_AT_INFERENCE:
                break
            t = _node_of(t).input_tensors[0]
        if isinstance(op, self.keras.layers.InputLayer):
            return f"the model's input {t.name!r}"
        name = self.names.get(id(op), op.name)
        if states:
            return f"the states of {name} ({type(op).__name__})"
        return f"the output of {name} ({type(op).__name__})"

    # ---- the engine's run -------------------------------------------------------------
    def evaluate(self, ev: Evaluation, t: Any, ctx: Context) -> tuple[Array, Array | None]:
        """The value and mask of tensor `t` as the model computes them: bound, or by the
        engine, or through a pass-on layer, or by Keras from the model's inputs."""
        op, t, ctx = self.resolve(t, ctx, ev.bound)
        if op is None:
            return ev.bound[id(t)]
        if isinstance(op, self.keras.layers.InputLayer):
            raise MissingInput(str(t.name))
        which = _history(t)[2]
        if id(op) in ev.engine:
            return self._engine_layer(ev, op)[which]
        kind = type(op).__name__
        if kind in IDENTITY_AT_INFERENCE:
            return self.evaluate(ev, _node_of(t).input_tensors[0], ctx)
        if kind == "Masking":
            value, _ = self.evaluate(ev, _node_of(t).input_tensors[0], ctx)
            value = np.asarray(value, dtype=op.compute_dtype)
            keep = np.any(value != np.asarray(op.mask_value, value.dtype), axis=-1)  # (batch, time)
            ev.computed.append(f"the Masking layer {op.name} (mask_value={op.mask_value})")
            return value * keep[..., None], keep
        ran = self.ops_below(t, ctx) or ["the mask's operations in the model's graph"]
        ev.framework_ran.extend(n for n in ran if n not in ev.framework_ran)
        (value, mask), = self.keras_values(ev.bound, [t], ctx, masks=True)  # fmt: skip
        return value, mask

    def _engine_layer(self, ev: Evaluation, layer: Any) -> list[tuple[Array, Array | None]]:
        """A recurrent layer's outputs by the engine, from what the model feeds it."""
        if id(layer) in ev.done:
            return ev.done[id(layer)]
        node, ctx, _ = self.call_of(layer)
        x_t, state_ts, mask_t = self.feeds(node)
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
        units = ev.units if id(layer) == ev.target else [0]
        target = id(layer) == ev.target
        trace = saved.trace(x, dtype=ev.dtype, units=units, mask=mask,  # type: ignore[arg-type]
                            initial_state=states, record=target)  # fmt: skip
        ev.order.append(self.names[id(layer)])
        if target:  # a lower layer's steps are not shown: not kept
            ev.traces[id(layer)] = trace
            ev.feeds[id(layer)] = (np.asarray(x), mask, states)
        outputs = keras_outputs(saved, trace)
        keeps_mask = saved.settings.get("return_sequences", False)
        main = 2 if isinstance(trace, BidirectionalTrace) and trace.merge_mode is None else 1
        ev.done[id(layer)] = [(value, mask if k < main and keeps_mask else None)
                              for k, (_, value) in enumerate(outputs)]  # fmt: skip
        return ev.done[id(layer)]

    def _states_refusal(self, layer: Any, state: Any, ctx: Context, missing: str) -> Exception:
        name = self.names[id(layer)]
        source = self._source(state, ctx, states=True)
        needed = " ".join(f"--model-input {n}=FILE" for n in self.inputs)
        return LSTMInputError(
            f"layer {name!r} starts from {source}, which needs the model's input {missing!r}: "
            f"give every model input ({needed}), or the states with --initial-state "
            "FILE.npz (arrays h and c)"
        )

    def ops_below(self, t: Any, ctx: Context) -> list[str]:
        """The layers Keras runs to compute `t` from the model's inputs, bottom first."""
        names, stack, seen = [], [(t, ctx)], set()
        while stack:
            op, tensor, where = self.resolve(*stack.pop(), {})
            if op is None or isinstance(op, self.keras.layers.InputLayer) or id(op) in seen:
                continue
            seen.add(id(op))
            if isinstance(op, self.keras.layers.Layer):  # not the ops that compute a mask
                names.append(f"{op.name} ({type(op).__name__})")
            stack.extend((s, where) for s in _node_of(tensor).input_tensors)
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
        ev = Evaluation(bound, engine, id(layer), dtype, units)
        try:
            self._engine_layer(ev, layer)
        except MissingInput as err:
            raise LSTMInputError(
                f"layer {name!r} needs the model's input {err.input_name!r} (through "
                f"{self._source(self.feeds(node)[0], ctx)}): give the model's inputs with "
                f"--model-input {' --model-input '.join(f'{n}=FILE' for n in self.inputs)}"
            ) from None
        x, mask, _ = ev.feeds[id(layer)]
        traced = ev.order
        path += _path_notes(ev, traced, calls, mask, given, self.feeds(node)[1], self, ctx)
        return LayerRun(
            saved, ev.traces[id(layer)], dict(keras_outputs(saved, ev.traces[id(layer)])), x,
            traced[0], tuple(traced[1:]), mask, tuple(path), tuple(ev.framework_ran), bound,
        )  # fmt: skip

    def _bind(self, layer: Any, given: Given, *, direct: bool
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
            outer = (
                _flat(node.outputs)
                if not ctx
                else _call_inputs(ctx[0][0]._inbound_nodes[ctx[0][1]])
            )
            missing = [t.name for t in self._inputs_of(outer) if t.name not in given.model]
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

    def _bind_states(self, layer: Any, given: Given, bound: dict[int, Any]) -> None:
        state_ts = self.feeds(self.call_of(layer)[0])[1]
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
        model's inputs, or the model's own calls from the bound tensors."""
        layer = self.objects[name]
        node, ctx, _ = self.call_of(layer)
        bound, _, _ = self._bind(layer, given, direct=direct)
        model_inputs = {id(t): n for n, t in self.inputs.items()}
        if all(key in model_inputs for key in bound):
            names = ", ".join(model_inputs[key] for key in bound)
            what = f"Keras ran the model from its input(s) {names} to {name}'s outputs"
        else:
            what = (f"Keras ran the model's own layers from the given inputs to {name}'s "
                    "outputs, as the model calls them")  # fmt: skip
        try:
            values = self.keras_values(bound, _flat(node.outputs), ctx)
        except MissingInput as err:
            return Observed(what, unchecked=f"Keras needs the model's input {err.input_name!r}")
        except Exception as err:  # whatever Keras raises while running the model
            text = " ".join(str(err).split())[:200]
            return Observed(what, unchecked=f"Keras could not run the model: {text}")
        keys = output_names(self.saved[id(layer)])
        if len(keys) != len(values):
            return Observed(what, unchecked=f"Keras returned {len(values)} outputs, not "
                                            f"{len(keys)} ({', '.join(keys)})")  # fmt: skip
        return Observed(what, {key: v for key, (v, _) in zip(keys, values, strict=True)})

    # ---- Keras's own run ----------------------------------------------------------------
    def keras_values(
        self, bound: Mapping[int, tuple[Array, Array | None]], tensors: Sequence[Any],
        ctx: Context, *, masks: bool = False,
    ) -> list[tuple[Array, Array | None]]:  # fmt: skip
        """`tensors` computed by Keras alone: a sub-model from the model's inputs (in
        stages through nested models) when only model inputs are bound, else the model's
        calls replayed from the bound tensors. With `masks`, each value's mask too (the
        sub-model then runs eagerly, where masks ride on tensors)."""
        model_inputs = {id(t) for t in self.inputs.values()}
        if any(key not in model_inputs for key in bound):
            cache: dict[int, list[Any]] = {}
            return [self._numpy(self._replay(bound, t, ctx, cache)) for t in tensors]
        if not ctx:
            needed = self._inputs_of(tensors)
            for t in needed:
                if id(t) not in bound:
                    raise MissingInput(str(t.name))
            sub = self.keras.Model(needed, list(tensors))
            values = [bound[id(t)][0] for t in needed]
            if not masks:  # the model's own compiled run, in one batch
                one: Any = values[0] if len(values) == 1 else values
                got = sub.predict(one, verbose=0, batch_size=len(values[0]))
                return [(np.asarray(v), None) for v in _flat(got)]
            outs = _call(sub, values, None)
        else:
            outer, call = ctx[-1]
            node = outer._inbound_nodes[call]
            fed = self.keras_values(bound, _call_inputs(node), ctx[:-1], masks=True)
            given = [m for _, m in fed]
            mask_ts = _flat(node.arguments.kwargs.get("mask"))
            if mask_ts:  # the masks the model hands the nested model, as it computes them
                given = [v for v, _ in self.keras_values(bound, mask_ts, ctx[:-1])]
            sub = self.keras.Model(_flat(outer.inputs), list(tensors))
            outs = _call(sub, [v for v, _ in fed], given)
        return [self._numpy(out) for out in _flat(outs)]

    def _inputs_of(self, tensors: Sequence[Any]) -> list[Any]:
        """The model inputs that `tensors` (in the outer graph) depend on, in order."""
        reached: set[int] = set()
        stack, seen = list(tensors), set()
        while stack:
            t = stack.pop()
            if id(t) in seen:
                continue
            seen.add(id(t))
            op, index, _ = _history(t)
            if isinstance(op, self.keras.layers.InputLayer):
                reached.add(id(t))
            stack.extend(op._inbound_nodes[index].input_tensors)
        return [t for t in self.inputs.values() if id(t) in reached]

    def _replay(self, bound: Mapping[int, Any], t: Any, ctx: Context, cache: dict[int, Any]) -> Any:
        """`t` computed by calling the model's own layers as its graph calls them,
        from the bound tensors up (what a functional model does when it runs)."""
        op, t, ctx = self.resolve(t, ctx, bound)
        if op is None:
            value, mask = bound[id(t)]
            tensor = self.keras.ops.convert_to_tensor(value)
            return _with_mask(tensor, mask, self.keras)
        if isinstance(op, self.keras.layers.InputLayer):
            raise MissingInput(str(t.name))
        node = _node_of(t)
        if id(node) not in cache:
            values = {
                id(k): self._replay(bound, k, ctx, cache) for k in node.arguments.keras_tensors
            }
            args, kwargs = node.arguments.fill_in(values)
            cache[id(node)] = _flat(op(*args, **kwargs))
        return cache[id(node)][_history(t)[2]]

    def _numpy(self, out: Any) -> tuple[Array, Array | None]:
        mask = _mask_of(out, self.keras)
        value = np.asarray(self.keras.ops.convert_to_numpy(out))
        return value, None if mask is None else np.asarray(self.keras.ops.convert_to_numpy(mask))


def fit_input(arr: Array, tensor: Any, name: str) -> Array:
    """`arr` with a batch axis, shaped and typed as the model's input `tensor` declares."""
    shape = tuple(tensor.shape)
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


def _flat(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return [item for v in value for item in _flat(v)]
    if isinstance(value, dict):
        return [item for v in value.values() for item in _flat(v)]
    return [] if value is None else [value]


def _call_inputs(node: Any) -> list[Any]:
    """The tensors a call passes as its inputs (its first argument), masks aside."""
    args, kwargs = node.arguments.args, node.arguments.kwargs
    return _flat(args[0] if args else kwargs.get("inputs"))


def _history(t: Any) -> tuple[Any, int, int]:
    history = t._keras_history
    return history.operation, history.node_index, history.tensor_index


def _node_of(t: Any) -> Any:
    op, index, _ = _history(t)
    return op._inbound_nodes[index]


def _mask_of(tensor: Any, keras: Any) -> Any:
    getter = getattr(getattr(keras.src, "backend", None), "get_keras_mask", None)
    return getter(tensor) if getter else getattr(tensor, "_keras_mask", None)


def _with_mask(tensor: Any, mask: Array | None, keras: Any) -> Any:
    if mask is not None:
        setter = getattr(keras.src.backend, "set_keras_mask", None)
        if setter:
            setter(tensor, keras.ops.convert_to_tensor(mask))
        else:  # pragma: no cover - older Keras keeps it as an attribute
            tensor._keras_mask = keras.ops.convert_to_tensor(mask)
    return tensor


def _call(sub: Any, values: list[Array], masks: list[Any] | None) -> Any:
    """A sub-model called eagerly (masks come back on its outputs), one input bare."""
    arg: Any = values[0] if len(values) == 1 else values
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns when a list's structure differs
        if masks is not None and any(m is not None for m in masks):
            return sub(arg, mask=masks[0] if len(masks) == 1 else masks)
        return sub(arg)


def _path_notes(
    ev: Evaluation, traced: list[str], calls: int, mask: Array | None, given: Given,
    state_ts: list[Any], graph: KerasGraph, ctx: Context,
) -> list[str]:  # fmt: skip
    """The lines of a run's path after where the inputs went: what computed what."""
    notes = []
    if ev.computed:
        notes.append(f"the engine applied {', '.join(ev.computed)}")
    if ev.framework_ran:
        notes.append(f"Keras ran {', '.join(ev.framework_ran)}")
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
