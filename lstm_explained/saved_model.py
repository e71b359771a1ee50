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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from .errors import LSTMInputError
from .layers import BidirectionalTrace
from .saved import SavedLayer
from .trace import Trace

Array = NDArray[Any]
FORMAT_NAMES = {"keras": "Keras", "torch": "PyTorch", "onnx": "ONNX"}
"""A file's format, as reports name it."""
FRAMEWORK_NAMES = FORMAT_NAMES | {"onnx": "ONNX Runtime"}
"""What runs a file's layers for the check."""
TOLERANCE = {"float32": 1e-5, "float64": 1e-9}
"""Largest difference accepted between the engine and the framework, relative to the
largest output (at least 1): float32's rounding in a different order of sums stays well
inside 1e-5; two float64 computations agree to about 1e-15."""

OwnRunner = Callable[[Sequence[str], Array], tuple[Array, str]]
"""Runs the model's own layers (names bottom first) on (batch, time, features) inputs, in
the precision the file stores; returns the top layer's output as `engine_output` shapes
it, and what was run, in words."""


@dataclass(frozen=True, eq=False)
class SavedModel:
    """The LSTM and GRU layers of one saved model.

    Attributes:
        path: the file read.
        framework: "keras", "torch" or "onnx".
        layers: every layer the engine computes, bottom first.
        below: layer name -> name of the layer in `layers` whose output it reads.
        sources: layer name -> what feeds it when that is not one of `layers` ("the
            model's input", "dense (Dense)").
        skipped: (name, why) of recurrent layers the engine does not compute.
        refused: layer name -> why it cannot be traced although it was read.
        run_own: runs the model's own layers; None when nothing can run them.
        input_shape: the (batch, time, features) the file fixes for a layer's input,
            by layer name, where it fixes one (ONNX exports do); None for a free size.
    """

    path: str
    framework: Literal["keras", "torch", "onnx"]
    layers: tuple[SavedLayer, ...]
    below: Mapping[str, str] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    skipped: tuple[tuple[str, str], ...] = ()
    refused: Mapping[str, str] = field(default_factory=dict)
    run_own: OwnRunner | None = None
    input_shape: Mapping[str, tuple[int | None, ...]] = field(default_factory=dict)

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

    def source(self, layer: SavedLayer) -> str:
        """What feeds `layer` in the model, in words."""
        if layer.name in self.below:
            return f"the output of {self.below[layer.name]}"
        return self.sources.get(layer.name, "the model's input")


def engine_output(layer: SavedLayer, trace: Trace | BidirectionalTrace) -> Array:
    """What the framework's layer outputs for this trace, as the next layer reads it:
    (batch, time, units), or (batch, units) for a Keras layer with
    return_sequences=False. Both directions of a bidirectional layer with
    merge_mode=None come concatenated."""
    if isinstance(trace, BidirectionalTrace):
        if not layer.settings.get("return_sequences", True):  # each direction's last step
            fwd, back = trace.forward.sequence_out[:, -1], trace.backward.sequence_out[:, -1]
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
) -> tuple[Trace | BidirectionalTrace, Array]:
    """Run `x` (batch, time, features) through the layers of `chain`, bottom first, each
    reading the one below's output; the top layer's trace (recording `units`) and its
    output (`engine_output`). Lower layers record one unit's gates only."""
    for layer in chain[:-1]:
        x = engine_output(layer, layer.trace(x, dtype=dtype, units=[0]))
        if x.ndim != 3:
            raise LSTMInputError(
                f"layer {layer.name!r} returns its last step only (return_sequences=False), "
                "so no recurrent layer above it reads a sequence from it"
            )
    top = chain[-1]
    trace = top.trace(x, dtype=dtype, units=units)
    return trace, engine_output(top, trace)


@dataclass(frozen=True)
class Check:
    """The engine's output beside the framework's, on the same input."""

    what: str  # what was run, in words
    difference: float | None = None  # largest |engine - framework|; None when skipped
    scale: float = 0.0  # largest |engine output|
    tolerance: float = 0.0  # relative to max(1, scale)
    skipped: str | None = None  # why nothing was compared

    @property
    def ok(self) -> bool:
        """Within the tolerance (a skipped check is not a failed one)."""
        if self.difference is None:
            return True
        return bool(self.difference <= self.tolerance * max(1.0, self.scale))

    def __str__(self) -> str:
        if self.difference is None:
            return f"check skipped: {self.skipped}"
        relative = self.difference / max(1.0, self.scale)
        verdict = "within" if self.ok else "MORE than"
        return (
            f"check: {self.what}: largest difference {self.difference:.3g} (relative "
            f"{relative:.3g}), {verdict} the tolerance {self.tolerance:.0e}"
        )


def check(
    model: SavedModel, chain: Sequence[SavedLayer], x: Array, ours: Array, dtype: str
) -> Check:
    """Run the model's own layers of `chain` on `x` (batch, time, features) and compare
    their output with `ours` (`engine_output` of the top layer). `dtype` is the coarser
    precision of the two computations, which sets the tolerance."""
    name = FRAMEWORK_NAMES[model.framework]
    if model.run_own is None:
        return Check(name, skipped=f"nothing can run {name}'s layers for this file")
    fixed = model.input_shape.get(chain[0].name)
    if fixed and any(d is not None and d != n for d, n in zip(fixed, x.shape, strict=True)):
        shown = tuple("any" if d is None else d for d in fixed)
        return Check(name, skipped=(
            f"the model was exported for inputs of shape {shown} (batch, time, features) "
            f"and runs only at that shape; these inputs are {x.shape}. Give inputs of that "
            "shape, or export with dynamic axes"))  # fmt: skip
    try:
        theirs, what = model.run_own([layer.name for layer in chain], x)
    except ModuleNotFoundError as err:
        return Check(name, skipped=str(err))
    except LSTMInputError as err:
        return Check(name, skipped=str(err))
    if theirs.shape != ours.shape:
        return Check(what, skipped=f"{what} returned shape {theirs.shape}, ours {ours.shape}")
    with np.errstate(invalid="ignore", over="ignore"):
        diff = float(np.max(np.abs(ours.astype(np.float64) - theirs.astype(np.float64))))
        scale = float(np.max(np.abs(ours)))
    return Check(what, diff, scale, TOLERANCE.get(dtype, TOLERANCE["float32"]))
