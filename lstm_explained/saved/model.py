"""A saved model's LSTM and GRU layers, the path an input takes to reach one of them,
and the check of the engine against the framework that saved them.

`SavedModel` is what `load_model` returns for a Keras, PyTorch or ONNX file: its layers
as `SavedLayer`s, bottom first, what feeds each one, what else it holds that the engine
does not compute, and a function that runs the model's own layers. `SavedModel.chain`
follows an input up through the recurrent layers below a chosen one; `run_chain` runs
that path in the engine and `check` compares it with the framework.

Each framework hands a layer's output to the next layer its own way, and the engine
does the same: a Keras layer with `go_backwards=True` returns its outputs in the order it
processed them (last input first), an ONNX node with direction "reverse" in input order,
and a bidirectional layer merges both directions in input order (an ONNX node, and
PyTorch, concatenate them).
"""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from ..engine.layers import BidirectionalTrace
from ..engine.trace import Trace
from ..errors import LSTMInputError
from .layer import SavedLayer, in_trace_order

Array = NDArray[Any]
FORMAT_NAMES = {"keras": "Keras", "torch": "PyTorch", "onnx": "ONNX"}
"""A file's format, as reports name it."""
FRAMEWORK_NAMES = FORMAT_NAMES | {"onnx": "ONNX Runtime"}
"""What runs a file's layers for the check."""
TOLERANCE = {"float32": 1e-5, "float64": 1e-9}
"""Largest difference accepted between the engine and the framework, relative to the
largest output (at least 1): float32's rounding in a different order of sums stays well
inside 1e-5; two float64 computations agree to about 1e-15."""

EXIT_UNCHECKED = 3
"""`trace`'s exit status when the check could not run: not 0 (agree), 1 (differ) or 2
(bad input), so that a script never takes an unchecked trace for a checked one."""

OwnRunner = Callable[[Sequence[str], Array, Any], tuple[dict[str, Array], str]]
"""Runs the model's own layers (names bottom first) on (batch, time, features) inputs, in
the precision the file stores, the top one from the initial states given (None: as the
model starts); returns the top layer's outputs by name (`chain_outputs` names and shapes
them), and what was run, in words."""


@dataclass(frozen=True, eq=False)
class SavedModel:
    """The recurrent layers (LSTM, GRU, plain) of one saved model.

    Attributes:
        path: the file read.
        framework: "keras", "torch" or "onnx".
        layers: every layer the engine computes, bottom first.
        below: layer name -> name of the layer in `layers` whose output it reads.
        sources: layer name -> what feeds it when that is not one of `layers` ("the
            model's input", "dense (Dense)").
        skipped: (name, why) of recurrent layers the engine does not compute.
        refused: layer name -> why it cannot be traced although it was read.
        needs_state: layer name -> why it cannot start from zeros (its initial state is
            computed by another layer when the model runs): traced only as the chosen
            layer, from the initial state given (`Given.initial_state`).
        run_own: runs the model's own layers; None when nothing can run them.
        graph: how the model connects its layers, where the file keeps it (a Keras
            model's `KerasGraph`); None when layers are followed by `chain` alone.
        input_shape: the (batch, time, features) the file fixes for a layer's input,
            by layer name, where it fixes one (ONNX exports do); None for a free size.
        unsafe: why the framework must not rebuild the model (a Keras config that names
            code, keras_safety), in one line; None when it may. The file was read as
            data all the same: its layers trace in the engine, but nothing the
            framework computes (the check, a layer below that the engine does not
            compute) runs, and `trace` refuses it unless told --no-check.
    """

    path: str
    framework: Literal["keras", "torch", "onnx"]
    layers: tuple[SavedLayer, ...]
    below: Mapping[str, str] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    skipped: tuple[tuple[str, str], ...] = ()
    refused: Mapping[str, str] = field(default_factory=dict)
    needs_state: Mapping[str, str] = field(default_factory=dict)
    run_own: OwnRunner | None = None
    input_shape: Mapping[str, tuple[int | None, ...]] = field(default_factory=dict)
    graph: Any = None
    unsafe: str | None = None

    def layer(self, name: str | None = None) -> SavedLayer:
        """The layer called `name` (or numbered so, from 1, as `--list` shows them); the
        first layer when None."""
        if name is None:
            return self.layers[0]
        for layer in self.layers:
            if layer.name == name:
                return layer
        if name.isdigit() and 1 <= int(name) <= len(self.layers):
            return self.layers[int(name) - 1]
        why = dict(self.skipped).get(name)
        if why is not None:
            raise LSTMInputError(f"layer {name!r} is {why}")
        names = ", ".join(repr(layer.name) for layer in self.layers)
        raise LSTMInputError(f"no LSTM or GRU layer is called {name!r}; the layers are {names}")

    def chain(self, name: str | None = None, *, direct: bool = False) -> tuple[SavedLayer, ...]:
        """The layers an input goes through to reach layer `name`, bottom first: down
        through the LSTM and GRU layers below it, to the first one whose input is not
        another's output. `direct=True` gives the layer alone."""
        top = self.layer(name)
        by_name = {layer.name: layer for layer in self.layers}
        path = [top]
        while not direct and path[-1].name in self.below:
            path.append(by_name[self.below[path[-1].name]])
        for layer in path:
            if layer.name in self.refused:
                raise LSTMInputError(f"layer {layer.name!r}: {self.refused[layer.name]}")
        return tuple(reversed(path))

    def trace(
        self,
        name: str | None = None,
        inputs: Any = None,
        *,
        model_inputs: Mapping[str, Any] | None = None,
        initial_state: Mapping[str, Any] | None = None,
        direct: bool = False,
        dtype: Literal["float64", "float32"] | None = None,
        units: Sequence[int] | None = None,
    ) -> LayerRun:
        """Trace layer `name` as the model runs it: from its own `inputs` ((time,
        features) or (batch, time, features); they enter the lowest recurrent layer
        below it, the layer itself with `direct`), or from the model's inputs by name
        (`model_inputs`, Keras files), with the masks and initial states the model
        gives it. `initial_state` holds "h" (and "c"), each (directions, batch, units).
        `dtype` defaults to what the file stores. `check(run)` compares the run with the
        framework. (`SavedLayer.trace` runs a layer alone, with no mask.)"""
        layer = self.layer(name)
        states = None if initial_state is None else {
            k: np.asarray(v, dtype=np.float64) for k, v in initial_state.items()}  # fmt: skip
        if model_inputs is not None:
            given = Given(model={k: np.asarray(v) for k, v in model_inputs.items()},
                          initial_state=states, origin="model_inputs")  # fmt: skip
        else:
            x = np.asarray(inputs, dtype=np.float64)
            x = x[None] if x.ndim == 2 else x
            given = Given(x=x, initial_state=states, origin="inputs")
        chosen = dtype or ("float64" if layer.dtype == "float64" else "float32")
        return run_layer(self, layer.name, given, direct=direct, dtype=chosen, units=units)

    def check(self, run: LayerRun) -> Check:
        """Run the framework on what `run` was given and compare it with the run."""
        dtype = "float64" if run.layer.dtype == run.dtype == "float64" else "float32"
        return check_layer(self, run, run.given, dtype)

    def source(self, layer: SavedLayer) -> str:
        """What feeds `layer` in the model, in words."""
        if self.graph is not None:
            return str(self.graph.describe(layer.name))
        if layer.name in self.below:
            return f"the output of {self.below[layer.name]}"
        return self.sources.get(layer.name, "the model's input")


def engine_output(layer: SavedLayer, trace: Trace | BidirectionalTrace) -> Array:
    """What the framework's layer outputs for this trace, as the next layer reads it:
    (batch, time, units), or (batch, units) for a Keras layer with
    return_sequences=False. Both directions of a bidirectional layer with
    merge_mode=None come concatenated."""
    if isinstance(trace, BidirectionalTrace):
        if not layer.settings.get("return_sequences", True):  # each direction's final h
            fwd, back = trace.forward.states["h"], trace.backward.states["h"]
            return merge(fwd, back, trace.merge_mode)
        out = trace.sequence_out
        return np.concatenate(out, axis=-1) if isinstance(out, tuple) else np.asarray(out)
    out = trace.sequence_out  # (batch, time, units), in processing order
    if layer.framework == "onnx" and layer.go_backwards:
        out = out[:, ::-1]  # ONNX returns a reverse node's outputs in input order
    if not layer.settings.get("return_sequences", True):
        return np.asarray(out[:, -1])
    return np.asarray(out)


def merge(a: Array, b: Array, mode: str | None) -> Array:
    """Two directions' outputs merged as Keras's `Bidirectional(merge_mode=mode)` does
    (None: side by side, as the engine compares them)."""
    if mode in ("concat", None):
        return np.concatenate([a, b], axis=-1)
    return {"sum": a + b, "mul": a * b, "ave": (a + b) / 2}[str(mode)]


def run_chain(
    chain: Sequence[SavedLayer],
    x: Array,
    *,
    dtype: Literal["float64", "float32"],
    units: Sequence[int] | None = None,
    initial_state: Sequence[Array] | None = None,
) -> tuple[Trace | BidirectionalTrace, Array]:
    """Run `x` (batch, time, features) through the layers of `chain`, bottom first, each
    reading the one below's output; the top layer's trace (recording `units`, starting
    from `initial_state` when given) and its output (`engine_output`). Lower layers
    record one unit's gates only."""
    for layer in chain[:-1]:
        x = engine_output(layer, layer.trace(x, dtype=dtype, record=False))
        if x.ndim != 3:
            raise LSTMInputError(
                f"layer {layer.name!r} returns its last step only (return_sequences=False), "
                "so no recurrent layer above it reads a sequence from it"
            )
    top = chain[-1]
    trace = top.trace(x, dtype=dtype, units=units, initial_state=initial_state)
    return trace, engine_output(top, trace)


@dataclass(frozen=True)
class Given:
    """What a trace starts from.

    Attributes:
        x: the chosen layer's own inputs (batch, time, features): they enter the lowest
            recurrent layer below it (the layer itself with `direct`).
        model: the model's inputs by name, when the file keeps a graph to run them
            through (Keras); the layers below are then computed as the model computes them.
        initial_state: the chosen layer's initial states by name ("h", and "c" for an
            LSTM), each (directions, batch, units) as PyTorch's h_0 and ONNX's
            initial_h stack them.
        origin: where the inputs came from, in words.
    """

    x: Array | None = None
    model: Mapping[str, Array] | None = None
    initial_state: Mapping[str, Array] | None = None
    origin: str = ""

    def states_for(self, layer: SavedLayer) -> list[Array] | None:
        """The initial states in the order `SavedLayer.trace` takes them: (h, c) for a
        layer, forward's then backward's for a bidirectional one."""
        if self.initial_state is None:
            return None
        return in_trace_order(self.initial_state, 2 if layer.direction == "bidirectional" else 1)


@dataclass(frozen=True)
class LayerRun:
    """The engine's run of one layer, as the model runs it.

    `outputs` are the layer's outputs by the names its framework gives them (Keras:
    "output", "state h", ...; ONNX: "Y", "Y_h", "Y_c"; PyTorch: "output", "h_n", "c_n");
    `x` is what the layer itself read and `mask` its mask ((batch, time), True where a
    step is used); `path` says in lines how the inputs reached the layer, and
    `framework_ran` names the layers below that the framework computed for the engine."""

    layer: SavedLayer
    trace: Trace | BidirectionalTrace
    outputs: Mapping[str, Array]
    x: Array
    given_to: str
    through: tuple[str, ...] = ()
    mask: Array | None = None
    path: tuple[str, ...] = ()
    framework_ran: tuple[str, ...] = ()
    bound: Any = None  # what the framework's check starts from (the graph's own record)
    given: Given = field(default_factory=lambda: Given())
    dtype: str = "float32"
    direct: bool = False


@dataclass(frozen=True)
class Check:
    """The engine's outputs beside the framework's, on the same inputs; or why no
    comparison could run (`unchecked`), or that none was asked for (`requested`)."""

    what: str  # what was run, in words
    difference: float | None = None  # largest |engine - framework| over `compared`
    scale: float = 0.0  # largest |engine output|
    tolerance: float = 0.0  # relative to max(1, scale)
    unchecked: str | None = None  # why nothing was compared
    compared: tuple[str, ...] = ()  # the outputs compared, by name
    requested: bool = True
    scope: str = ""  # what the check covers, when less than the model (in words)

    @property
    def checked(self) -> bool:
        """Whether a comparison ran."""
        return self.difference is not None

    @property
    def ok(self) -> bool:
        """A comparison ran and stayed within the tolerance."""
        if self.difference is None:
            return False
        return bool(self.difference <= self.tolerance * max(1.0, self.scale))

    @property
    def exit_code(self) -> int:
        """0 agree (or no check asked for), 1 differ, EXIT_UNCHECKED could not check."""
        if not self.requested:
            return 0
        if self.difference is None:
            return EXIT_UNCHECKED
        return 0 if self.ok else 1

    def lines(self) -> list[str]:
        """The check as the report prints it, each line within 100 columns."""
        if not self.requested:
            return ["check: not run (--no-check)"]
        if self.difference is None:
            return textwrap.wrap(f"NOT CHECKED: {self.unchecked}", 100,
                                 subsequent_indent="    ")  # fmt: skip
        relative = self.difference / max(1.0, self.scale)
        verdict = "within" if self.ok else "MORE than"
        lines = textwrap.wrap(f"check: {self.what}", 100, subsequent_indent="    ")
        lines += textwrap.wrap(
            f"compared {', '.join(self.compared)}: largest difference {self.difference:.3g} "
            f"(relative {relative:.3g}), {verdict} the tolerance {self.tolerance:.0e}",
            100, initial_indent="    ", subsequent_indent="    ",
        )  # fmt: skip
        if self.scope:
            lines += textwrap.wrap(self.scope, 100, initial_indent="    ",
                                   subsequent_indent="    ")  # fmt: skip
        return lines

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def to_json(self) -> dict[str, Any]:
        """The check as JSON values: `checked` false with the `reason` when none ran."""
        return {"checked": self.checked, "requested": self.requested,
                "reason": None if self.checked else (self.unchecked or "--no-check"),
                "what": self.what, "compared": list(self.compared),
                "largest_difference": self.difference, "largest_output": self.scale,
                "tolerance": self.tolerance, "ok": self.ok, "scope": self.scope}  # fmt: skip


@dataclass(frozen=True)
class Observed:
    """What the framework computed for a layer, before the engine runs: its outputs by
    name, or why it could not run (`unchecked`)."""

    what: str
    outputs: Mapping[str, Array] | None = None
    unchecked: str | None = None
    scope: str = ""


def compare(observed: Observed, ours: Mapping[str, Array], dtype: str) -> Check:
    """Compare every output the framework returned with the engine's of the same name."""
    what = observed.what
    if observed.outputs is None:
        return Check(what, unchecked=observed.unchecked or f"{what} did not run")
    if not observed.outputs:
        return Check(what, unchecked=f"{what} returned none of the layer's outputs")
    diff = scale = 0.0
    for name, value in observed.outputs.items():
        mine, value = np.asarray(ours[name]), np.asarray(value)
        if mine.shape != value.shape:
            shapes = f"{name} of shape {value.shape}, the engine {mine.shape}"
            return Check(what, unchecked=f"{what} returned {shapes}")
        # in the finer of the two dtypes, without float64 copies of a large output: the
        # difference of two nearby float32 numbers is exact in float32
        common = np.result_type(mine.dtype, value.dtype, np.float32)
        with np.errstate(invalid="ignore", over="ignore"):
            gap = np.subtract(mine, value, dtype=common)
            diff = max(diff, float(np.max(np.abs(gap, out=gap), initial=0.0)))
            scale = max(scale, float(np.max(np.abs(mine), initial=0.0)))
        if not np.isfinite(diff):
            diff = float("inf")
    tolerance = TOLERANCE.get(dtype, TOLERANCE["float32"])
    return Check(what, diff, scale, tolerance, compared=tuple(observed.outputs),
                 scope=observed.scope)  # fmt: skip


def final_states(trace: Trace | BidirectionalTrace) -> dict[str, Array]:
    """Each final state (h, and c for an LSTM) as (directions, batch, units), the way
    PyTorch's h_n and ONNX's Y_h stack them."""
    ones = [trace.forward, trace.backward] if isinstance(trace, BidirectionalTrace) else [trace]
    return {k: np.stack([np.asarray(one.with_batch_axis().states[k]) for one in ones])
            for k in ones[0].states}  # fmt: skip


def chain_outputs(model: SavedModel, trace: Trace | BidirectionalTrace, layer: SavedLayer
                  ) -> dict[str, Array]:  # fmt: skip
    """The top layer's outputs by the names its framework gives them."""
    out = engine_output(layer, trace)
    finals = final_states(trace)
    if model.framework == "onnx":
        found = {"Y": out, "Y_h": finals["h"]}
        return found | ({"Y_c": finals["c"]} if "c" in finals else {})
    found = {"output": out, "h_n": finals["h"]}
    return found | ({"c_n": finals["c"]} if "c" in finals else {})


def run_layer(
    model: SavedModel,
    name: str | None,
    given: Given,
    *,
    direct: bool = False,
    dtype: Literal["float64", "float32"] = "float32",
    units: Sequence[int] | None = None,
) -> LayerRun:
    """Trace layer `name` of `model` from what is given, as the model runs it: through
    the file's graph where it keeps one (Keras), else up the chain of recurrent layers."""
    if model.graph is not None:
        chosen = model.layer(name).name
        run: LayerRun = model.graph.run(chosen, given, direct=direct, dtype=dtype, units=units)
        return dataclasses.replace(run, given=given, dtype=dtype, direct=direct)
    if given.model is not None:
        raise LSTMInputError(
            f"--model-input needs a model file that keeps its graph (Keras); a "
            f"{FORMAT_NAMES[model.framework]} file's recurrent layers are traced from their "
            "own inputs: give them with -i/--inputs"
        )
    chain = model.chain(name, direct=direct)
    _check_states(model, chain, given)
    assert given.x is not None
    states = given.states_for(chain[-1])
    trace, _ = run_chain(chain, given.x, dtype=dtype, units=units, initial_state=states)
    top = chain[-1]
    x_top = given.x if len(chain) == 1 else run_chain(chain[:-1], given.x, dtype=dtype)[1]
    return LayerRun(
        top, trace, chain_outputs(model, trace, top), np.asarray(x_top), chain[0].name,
        tuple(layer.name for layer in chain[1:]), mask=top.stored_start(x_top)[1],
        given=given, dtype=dtype, direct=direct,
    )  # fmt: skip


def _check_states(model: SavedModel, chain: Sequence[SavedLayer], given: Given) -> None:
    """Refuse what no trace of `chain` can start from: a state another layer computes
    (unless it is given for the chosen layer), a given state for a layer below the
    inputs' entry or one the file stores its own for."""
    top = chain[-1]
    for layer in chain:
        why = model.needs_state.get(layer.name)
        if why and (layer is not top or given.initial_state is None):
            raise LSTMInputError(f"layer {layer.name!r}: {why}")
    if given.initial_state is None:
        return
    if len(chain) > 1:
        raise LSTMInputError(
            f"--initial-state starts the chosen layer, but the inputs enter {chain[0].name!r} "
            "below it; add --direct to give the chosen layer its own inputs"
        )
    if top.initial_state is not None:
        shapes = ", ".join(f"{k} {v.shape}" for k, v in top.initial_state.items())
        raise LSTMInputError(
            f"layer {top.name!r} starts from the initial state stored in the file ({shapes}); "
            "--initial-state cannot replace it"
        )


def observe(model: SavedModel, name: str, given: Given, *, direct: bool = False) -> Observed:
    """The framework's own outputs of layer `name` from what is given: run before the
    engine, so that the two never hold their memory at once."""
    if model.graph is not None:
        found: Observed = model.graph.observe(name, given, direct=direct)
        return found
    who = FRAMEWORK_NAMES[model.framework]
    scope = ("only the layer(s) traced were checked: a state dict holds no graph of the "
             "model around them") if model.framework == "torch" else ""  # fmt: skip
    if model.run_own is None:
        return Observed(who, unchecked=f"nothing can run {who}'s layers for this file")
    chain = model.chain(name, direct=direct)
    assert given.x is not None
    fixed = model.input_shape.get(chain[0].name)
    x = given.x
    if fixed and any(d is not None and d != n for d, n in zip(fixed, x.shape, strict=True)):
        shown = tuple("any" if d is None else d for d in fixed)
        return Observed(who, unchecked=(
            f"the model was exported for inputs of shape {shown} (batch, time, features) "
            f"and runs only at that shape; these inputs are {x.shape}. Give inputs of that "
            "shape, or export with dynamic axes"))  # fmt: skip
    try:
        theirs, what = model.run_own([layer.name for layer in chain], x, given.initial_state)
    except (ModuleNotFoundError, LSTMInputError) as err:
        return Observed(who, unchecked=str(err))
    except Exception as err:  # the framework's own failure: no check, never a pass
        text = " ".join(str(err).split())[:200]
        return Observed(who, unchecked=f"{who} could not run the layer ({type(err).__name__}: "
                                       f"{text})")  # fmt: skip
    return Observed(what, theirs, scope=scope)


def check_layer(model: SavedModel, run: LayerRun, given: Given, dtype: str) -> Check:
    """Run the framework on the same inputs and compare its outputs with the run's.
    `dtype` is the coarser precision of the two computations, which sets the tolerance."""
    return compare(observe(model, run.layer.name, given, direct=run.direct), run.outputs, dtype)
