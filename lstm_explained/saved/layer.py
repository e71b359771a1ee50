"""A recurrent layer read from a user's saved model, in the engine's terms.

`SavedLayer` is what the loaders (Keras `.keras`, PyTorch `state_dict`, ONNX) return
for each LSTM or GRU layer they find, and what `trace` and `diff` work on: the weights
in Keras's layout, the activations, the direction, how the model masks the layer's
padded steps (`LayerMask`), and what the file stored besides (`settings`), so that a
report can name it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from ..engine.layers import Bidirectional, BidirectionalTrace, bidirectional
from ..engine.options import ActivationSpec
from ..engine.recurrence import cell_of, forward
from ..engine.trace import Trace
from ..engine.weights import Weights
from ..errors import LSTMInputError

Array = NDArray[Any]
FRAMEWORKS = ("keras", "torch", "onnx")


def in_trace_order(states: Mapping[str, Array], directions: int) -> list[Array]:
    """States by name ("h", and "c" for an LSTM), each (directions, batch, units), in the
    order `SavedLayer.trace` takes them: h, c of the forward direction, then the
    backward's."""
    return [np.asarray(states[k])[d] for d in range(directions) for k in states]


@dataclass(frozen=True)
class LayerMask:
    """How a model marks a layer's padded steps (the loaders fill it in).

    `kind` is "values" for a Keras `Masking` layer below the layer's chain of recurrent
    layers: a step is padding where every feature of the inputs entering that chain
    equals `mask_value`; "lengths" for an ONNX node's `sequence_lens`: the first
    `lengths[row]` steps of each row are real, the rest padding, the lengths given when
    the model runs (`lengths` None) or stored in the file; "model" for a mask made
    where those inputs cannot show it (`Embedding(mask_zero=True)`, a `Masking` layer
    below other layers, a mask passed to the call). `by` says what makes it, in words.
    """

    kind: Literal["values", "lengths", "model"]
    by: str
    mask_value: float = 0.0
    lengths: tuple[int, ...] | None = None


@dataclass(frozen=True, eq=False)
class SavedLayer:
    """One recurrent layer (LSTM, GRU or plain) of a saved model.

    Attributes:
        name: the layer's name in its framework: Keras's layer name ("lstm_1"),
            PyTorch's module path with the layer index ("encoder.rnn, layer 0"), the
            ONNX node's name.
        framework: "keras", "torch" or "onnx".
        weights: `LSTMWeights`/`GRUWeights` in Keras's layout, or a `Bidirectional`
            pair; float64 copies of what the file stores.
        activation, recurrent_activation: as `forward` takes them.
        go_backwards: the layer reads its input from the last step to the first.
        bias_halves: (input side, recurrent side) in Keras's gate order, each
            `(n*units,)` (per direction: a pair of pairs), when the file stores two
            biases (PyTorch, ONNX) that `weights` holds summed; None otherwise.
        dtype: the dtype the file stores the weights in ("float32", "float64").
        settings: what else the framework records and a report should name
            (`reset_after`, `unit_forget_bias`, `return_sequences`, `merge_mode`, ...).
        initial_state: the state the file stores for the layer to start from (an ONNX
            node's initial_h and initial_c initializers), by name ("h", "c"), each
            (directions, batch, units); None: the layer starts from zeros.
        sequence_lens: the steps each sequence uses, (batch,), when the file stores
            them (an ONNX node's sequence_lens initializer); None: every step.
        mask: how the model masks the layer's padded steps, or None when it does not.
    """

    name: str
    framework: Literal["keras", "torch", "onnx"]
    weights: Weights | Bidirectional
    activation: ActivationSpec = "tanh"
    recurrent_activation: ActivationSpec = "sigmoid"
    go_backwards: bool = False
    bias_halves: Any = None
    dtype: str = "float32"
    settings: Mapping[str, Any] = field(default_factory=dict)
    initial_state: Mapping[str, Array] | None = None
    sequence_lens: Array | None = None
    mask: LayerMask | None = None

    @property
    def kind(self) -> str:
        """ "LSTM" or "GRU"."""
        w = self.weights
        return cell_of(w.forward if isinstance(w, Bidirectional) else w).NAME

    @property
    def input_dim(self) -> int:
        """Features per time step the layer reads."""
        return self.weights.input_dim

    @property
    def units(self) -> int:
        """Size of the layer's output per step (both directions when concatenated; an
        LSTM's proj_size when it projects h)."""
        w = self.weights
        return w.units if isinstance(w, Bidirectional) else w.output_units

    @property
    def direction(self) -> str:
        """ "forward", "reverse" or "bidirectional"."""
        if isinstance(self.weights, Bidirectional):
            return "bidirectional"
        return "reverse" if self.go_backwards else "forward"

    @property
    def zero_output_for_mask(self) -> bool:
        """Whether a masked step outputs zeros (inside Keras's `Bidirectional`, with
        `zero_output_for_mask=True`, at ONNX's padded steps) instead of repeating the
        last output, as a plain Keras layer does. The state is carried either way."""
        if isinstance(self.weights, Bidirectional):
            return True
        return bool(self.settings.get("zero_output_for_mask", self.framework == "onnx"))

    def trace(
        self,
        inputs: Any,
        *,
        exact: bool = False,
        dtype: Literal["float64", "float32"] = "float64",
        units: Any = None,
        mask: Any = None,
        initial_state: Any = None,
        record: bool = True,
    ) -> Trace | BidirectionalTrace:
        """Run the engine over `inputs` ((time, features) or (batch, time, features))
        with this layer's weights and settings; `units` records only those units' gates
        (in each direction of a bidirectional layer). `mask` ((batch, time) booleans) and
        `initial_state` are applied as the framework applies them: a masked step carries
        the state forward, and outputs zeros where the framework does (inside Keras's
        `Bidirectional`, with `zero_output_for_mask`, and at ONNX's padded steps). Without
        them, the state and sequence lengths the file stores apply (`stored_start`).
        `record=False` keeps only the outputs and final states (for a layer below)."""
        if initial_state is None or mask is None:
            start, lens_mask = self.stored_start(inputs)
            initial_state = start if initial_state is None else initial_state
            mask = lens_mask if mask is None else mask
        options = {"activation": self.activation, "exact": exact, "dtype": dtype,
                   "recurrent_activation": self.recurrent_activation, "units": units,
                   "mask": mask, "initial_state": initial_state, "record": record}  # fmt: skip
        if isinstance(self.weights, Bidirectional):
            return bidirectional(inputs, self.weights, **options)
        return forward(
            inputs, self.weights, go_backwards=self.go_backwards,
            zero_output_for_mask=self.zero_output_for_mask, **options,
        )  # fmt: skip

    def stored_start(self, inputs: Any) -> tuple[list[Array] | None, Array | None]:
        """The stored initial state (in `trace`'s order) and the mask of the stored
        sequence lengths ((batch, time), True where a step is used) for `inputs`, None
        where the file stores none; an error naming the shapes when the inputs' batch is
        not the one the file stores them for."""
        shape = np.shape(inputs)  # (time,), (time, features) or (batch, time, features)
        batch, time = (shape[0], shape[1]) if len(shape) == 3 else (1, shape[0])
        stored = [(f"starts from the initial state {k}", v.shape, "(directions, batch, units)",
                   v.shape[1]) for k, v in (self.initial_state or {}).items()]  # fmt: skip
        if self.sequence_lens is not None:
            lens = np.asarray(self.sequence_lens)  # (batch,)
            stored.append(("uses the sequence_lens", lens.shape, "(batch,)", len(lens)))
        for what, found, axes, made_for in stored:
            if made_for != batch:
                raise LSTMInputError(
                    f"layer {self.name!r} {what} stored in the file, of shape {found} {axes}, "
                    f"made for a batch of {made_for}; the inputs hold {batch} sequence(s) "
                    f"(shape {shape}): give {made_for}"
                )
        mask = None
        if self.sequence_lens is not None:
            if np.any(lens < 0) or np.any(lens > time):
                raise LSTMInputError(
                    f"layer {self.name!r}: the sequence_lens stored in the file, "
                    f"{lens.tolist()}, do not fit inputs of {time} steps"
                )
            mask = np.arange(time) < lens[:, None]  # (batch, time)
        if self.initial_state is None:
            return None, mask
        dirs = 2 if isinstance(self.weights, Bidirectional) else 1
        return in_trace_order(self.initial_state, dirs), mask
