"""Layers around the cell: bidirectional layers and stacks, each recording a trace per
layer and direction.

A bidirectional layer runs one cell forward in time and another backward (Keras's
`Bidirectional`, PyTorch's `bidirectional=True`). The backward direction reads the
sequence from its last step to its first, so its output at processing step k belongs to
input step T - k; Keras and PyTorch flip it back before merging, so that position t of
the merged output holds both directions' outputs for input step t:

    merged[t] = merge(forward.sequence_out[t], backward.sequence_out[T - 1 - t])

In a stack, one layer's sequence output is the next layer's input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from ..errors import LSTMInputError
from ._validate import describe, to_exact
from .options import ActivationSpec, RunOptions
from .recurrence import cell_of, forward
from .trace import Trace
from .weights import RNNWeights, Weights

Array = NDArray[Any]
MERGE_MODES = ("concat", "sum", "mul", "ave", None)
"""Keras's `Bidirectional(merge_mode=...)` values; None keeps the two outputs apart."""


@dataclass(frozen=True, eq=False)
class Bidirectional:
    """The weights of a bidirectional layer: one cell per direction, and how their
    outputs merge (Keras's `merge_mode`, default "concat", which is PyTorch's way)."""

    forward: Weights
    backward: Weights
    merge_mode: str | None = "concat"

    def __post_init__(self) -> None:
        for name in ("forward", "backward"):
            cell_of(getattr(self, name))  # an LSTMWeights or a GRUWeights
        if self.merge_mode not in MERGE_MODES:
            raise LSTMInputError(
                f"merge_mode must be one of 'concat', 'sum', 'mul', 'ave' or None; got "
                f"{describe(self.merge_mode)}"
            )
        if self.forward.input_dim != self.backward.input_dim:
            raise LSTMInputError(
                f"both directions must read the same input: the forward weights have "
                f"input_dim={self.forward.input_dim}, the backward {self.backward.input_dim}"
            )
        if self.merge_mode in ("sum", "mul", "ave") and self.forward.units != self.backward.units:
            raise LSTMInputError(
                f"merge_mode={self.merge_mode!r} needs the same units in both directions; "
                f"got {self.forward.units} and {self.backward.units}"
            )

    @property
    def input_dim(self) -> int:
        """Number of input features per time step."""
        return self.forward.input_dim

    @property
    def units(self) -> int:
        """Size of the merged output per step."""
        both = self.forward.units + self.backward.units
        return both if self.merge_mode == "concat" else self.forward.units


@dataclass(frozen=True, eq=False)
class BidirectionalTrace:
    """The two directions' traces and their merged output.

    `backward` is in its own processing order (its step 1 read the last input), as
    Keras's `go_backwards=True` layer returns it. `sequence_out` is the merged output
    `(batch, time, units)` in input order, or, with `merge_mode=None`, the pair
    (forward output, backward output flipped into input order).
    """

    forward: Trace
    backward: Trace
    merge_mode: str | None
    sequence_out: Any

    @property
    def backward_in_input_order(self) -> Array:
        """The backward direction's outputs flipped so position t belongs to input t."""
        return np.flip(self.backward.sequence_out, axis=-2)

    @property
    def states(self) -> tuple[Array, ...]:
        """The final states, forward then backward, as Keras returns them with
        `return_state=True`: [h_f, c_f, h_b, c_b] for LSTMs, [h_f, h_b] for GRUs."""
        return (*self.forward.states.values(), *self.backward.states.values())


@dataclass(frozen=True, eq=False)
class StackedTrace:
    """One trace per layer (a `Trace`, or a `BidirectionalTrace`), bottom first."""

    layers: tuple[Trace | BidirectionalTrace, ...]

    @property
    def sequence_out(self) -> Any:
        """The top layer's output."""
        return self.layers[-1].sequence_out


def _merge(a: Array, b: Array, mode: str | None) -> Any:
    if mode == "concat":
        return np.concatenate([a, b], axis=-1)
    if mode == "sum":
        return a + b
    if mode == "mul":
        return a * b
    if mode == "ave":
        if a.dtype == object:  # exact: one half as a Fraction, not a float
            return to_exact((a + b) * Fraction(1, 2))
        return (a + b) / 2
    return (a, b)


def bidirectional(
    inputs: Any,
    layer: Bidirectional,
    *,
    activation: ActivationSpec = "tanh",
    recurrent_activation: ActivationSpec = "sigmoid",
    initial_state: Sequence[Any] | None = None,
    mask: Any = None,
    exact: bool = False,
    dtype: Literal["float64", "float32"] = "float64",
    units: Sequence[int] | None = None,
    record: bool = True,
) -> BidirectionalTrace:
    """Run both directions of a bidirectional layer over `inputs` and merge them.

    Arguments mean what they mean in `forward`; `initial_state` is the forward
    direction's states followed by the backward one's ([h_f, c_f, h_b, c_b] for LSTMs),
    as Keras's `Bidirectional` takes it. `units` records those units' gates in each
    direction.
    """
    if not isinstance(layer, Bidirectional):
        raise LSTMInputError(
            f"layer must be a Bidirectional(forward_weights, backward_weights); got "
            f"{describe(layer)}"
        )
    n_fwd = len(cell_of(layer.forward).STATES)
    states: list[Any] = [None, None]
    if initial_state is not None:
        n_all = n_fwd + len(cell_of(layer.backward).STATES)
        if isinstance(initial_state, (str, np.ndarray)) or len(initial_state) != n_all:
            raise LSTMInputError(
                f"initial_state must hold {n_all} arrays, the forward direction's state "
                f"then the backward's; got {describe(initial_state)}"
            )
        states = [list(initial_state[:n_fwd]), list(initial_state[n_fwd:])]
    recurrent_activation = _gates_use(recurrent_activation, [layer])
    options = RunOptions(activation, recurrent_activation, exact, dtype)
    # Keras's Bidirectional makes both directions output zeros at masked steps.
    both: dict[str, Any] = {"mask": mask, "zero_output_for_mask": True, "units": units,
                            "record": record, **options.keywords()}  # fmt: skip
    fwd = forward(inputs, layer.forward, initial_state=states[0], **both)
    back = forward(inputs, layer.backward, initial_state=states[1], go_backwards=True, **both)
    flipped = np.flip(back.sequence_out, axis=-2)  # into input order
    merged = _merge(fwd.sequence_out, flipped, layer.merge_mode)
    return BidirectionalTrace(fwd, back, layer.merge_mode, merged)


def stacked(
    inputs: Any,
    layers: Sequence[Weights | Bidirectional],
    *,
    activation: ActivationSpec = "tanh",
    recurrent_activation: ActivationSpec = "sigmoid",
    mask: Any = None,
    exact: bool = False,
    dtype: Literal["float64", "float32"] = "float64",
) -> StackedTrace:
    """Run layers one above the other: each layer's sequence output is the next one's input.

    `layers` holds `LSTMWeights`, `GRUWeights` or `Bidirectional` pairs, bottom first;
    each starts from a zero state, and the mask applies to every layer, as Keras passes
    it up a stack. Arguments mean what they mean in `forward`.
    """
    if not isinstance(layers, (list, tuple)) or not layers:
        raise LSTMInputError(f"layers must be a non-empty list of weights; got {describe(layers)}")
    recurrent_activation = _gates_use(recurrent_activation, layers)
    options = RunOptions(activation, recurrent_activation, exact, dtype)
    traces: list[Trace | BidirectionalTrace] = []
    x = inputs
    for k, layer in enumerate(layers):
        if not isinstance(layer, Bidirectional):
            cell_of(layer)  # an LSTMWeights or a GRUWeights, or a clear error
        if k and layer.input_dim != layers[k - 1].units:
            raise LSTMInputError(
                f"layer {k} expects input_dim={layer.input_dim}, but layer {k - 1} outputs "
                f"{layers[k - 1].units} values per step"
            )
        if isinstance(layer, Bidirectional):
            if layer.merge_mode is None and k < len(layers) - 1:
                raise LSTMInputError(
                    f"layer {k} has merge_mode=None, whose pair of outputs no layer above "
                    "can read; only the top layer may keep them apart"
                )
            trace: Trace | BidirectionalTrace = bidirectional(
                x, layer, mask=mask, **options.keywords()
            )
        else:
            trace = forward(x, layer, mask=mask, **options.keywords())
        traces.append(trace)
        x = trace.sequence_out
    return StackedTrace(tuple(traces))


def _gates_use(recurrent_activation: ActivationSpec, layers: Sequence[Any]) -> ActivationSpec:
    """The gates' activation, or "linear" when no layer has gates (plain cells only):
    as `forward` does, so that exact runs of plain cells are not refused for a sigmoid
    they never compute."""
    cells = [w for layer in layers
             for w in ((layer.forward, layer.backward) if isinstance(layer, Bidirectional)
                       else (layer,))]  # fmt: skip
    return "linear" if all(isinstance(w, RNNWeights) for w in cells) else recurrent_activation
