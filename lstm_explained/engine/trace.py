"""The record of a forward pass: every intermediate value, step by step.

Arrays have a batch axis exactly when the input had one, as Keras returns them with
`return_sequences=True, return_state=True`. In exact mode they are object arrays of
Python ints and Fractions. The engine itself works with the batch axis throughout;
`Trace.with_batch_axis()` and `Trace.sample(k)` convert between the two views.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import LSTMInputError
from ._validate import describe
from .weights import Weights

Array = NDArray[Any]
NOTHING: Mapping[str, Array] = MappingProxyType({})


def _state(states: Mapping[str, Array], name: str, what: str) -> Array:
    if name not in states:
        raise AttributeError(
            f"this cell has no {what}: its state is {', '.join(states) or 'empty'}"
        )
    return states[name]


@dataclass(frozen=True, eq=False)
class Step:
    """One time step. `t` counts from 1, as people count steps, in processing order.

    Shapes (without the leading batch axis when the input had none): `x`
    (batch, features); every entry of `state_prev`, `state`, `a` and `gates`
    (batch, units). `state_prev` and `state` hold "h" (and "c" for an LSTM), also
    readable as `h_prev`, `c_prev`, `h`, `c`. `a[gate]` is a gate's pre-activation (the
    site's a_i, a_f, a_g, a_o for an LSTM, a_z, a_r, a_n for a GRU) and
    `gates[gate]` its value after the activation. `parts` holds what else a cell needs
    to show its arithmetic (a GRU's two halves of the candidate's pre-activation; an
    LSTM's peephole terms `peephole_<gate>`, its pre-activations before the clip
    `unclipped_<gate>` and o * act(c) `before_projection`: see `lstm_variants`).
    `mask` is None when no mask was given, else whether each batch row used this step.
    """

    t: int
    x: Array
    state_prev: Mapping[str, Array]
    a: Mapping[str, Array]
    gates: Mapping[str, Array]
    state: Mapping[str, Array]
    mask: Array | None = None
    parts: Mapping[str, Array] = field(default_factory=lambda: NOTHING)

    @property
    def h_prev(self) -> Array:
        """The hidden state this step started from."""
        return self.state_prev["h"]

    @property
    def c_prev(self) -> Array:
        """The cell state this step started from (an LSTM's; a GRU has none)."""
        return _state(self.state_prev, "c", "cell state c")

    @property
    def h(self) -> Array:
        """The new hidden state."""
        return self.state["h"]

    @property
    def c(self) -> Array:
        """The new cell state (an LSTM's; a GRU has none)."""
        return _state(self.state, "c", "cell state c")

    def map(self, fn: Any) -> Step:
        """The same step with `fn` applied to every array (used to add or drop an axis)."""

        def each(d: Mapping[str, Array]) -> Mapping[str, Array]:
            return MappingProxyType({k: fn(v) for k, v in d.items()})

        return Step(
            self.t,
            fn(self.x),
            each(self.state_prev),
            each(self.a),
            each(self.gates),
            each(self.state),
            None if self.mask is None else fn(self.mask),
            each(self.parts),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain Python values (Fractions as "p/q" strings), ready for `json.dumps`."""
        doc: dict[str, Any] = {"t": self.t, "x": jsonable(self.x)}
        doc |= {f"{name}_prev": jsonable(v) for name, v in self.state_prev.items()}
        doc |= {
            "a": {g: jsonable(v) for g, v in self.a.items()},
            "gates": {g: jsonable(v) for g, v in self.gates.items()},
        }
        doc |= {name: jsonable(v) for name, v in self.state.items()}
        if self.parts:
            doc["parts"] = {k: jsonable(v) for k, v in self.parts.items()}
        doc["mask"] = None if self.mask is None else jsonable(self.mask)
        return doc


@dataclass(frozen=True, eq=False)
class Trace:
    """Outputs of `forward` plus one `Step` per time step.

    `sequence_out` (batch, time, units); `states` the final state by name ("h", and
    "c" for an LSTM), also readable as `state_h` and `state_c`, each (batch, units).
    With `go_backwards=True` the steps, like `sequence_out`, run from the last input to
    the first, as Keras returns them. `zero_output_for_mask` says whether masked steps
    output zeros (True) or repeat the previous output (False, Keras's default).
    `units` is None when every unit's gates were recorded; otherwise the steps' `a`,
    `gates` and `parts` hold only the columns of these units, in this order (the states
    are always recorded whole, since every unit's h_prev enters every gate).
    """

    sequence_out: Array
    states: Mapping[str, Array]
    steps: tuple[Step, ...]
    weights: Weights
    activation: str
    recurrent_activation: str
    exact: bool
    batched: bool
    go_backwards: bool = False
    zero_output_for_mask: bool = False
    units: tuple[int, ...] | None = None

    @property
    def recorded_units(self) -> tuple[int, ...]:
        """The units whose gates the steps hold (every unit unless `units` chose some)."""
        return self.units if self.units is not None else tuple(range(self.weights.units))

    def column(self, unit: int) -> int:
        """Where unit `unit` sits in the steps' gate arrays, or an error if not recorded."""
        if self.units is None:
            if not 0 <= unit < self.weights.units:
                raise LSTMInputError(
                    f"unit must be from 0 to {self.weights.units - 1}; got {unit!r}"
                )
            return unit
        if unit not in self.units:
            raise LSTMInputError(
                f"unit {unit} was not recorded; this trace holds the gates of units "
                f"{list(self.units)}"
            )
        return self.units.index(unit)

    @property
    def cell(self) -> str:
        """Which cell computed this: "LSTM" or "GRU"."""
        return self.weights.cell

    @property
    def state_h(self) -> Array:
        """The final hidden state."""
        return self.states["h"]

    @property
    def state_c(self) -> Array:
        """The final cell state (an LSTM's; a GRU has none)."""
        return _state(self.states, "c", "cell state c")

    @property
    def batch_size(self) -> int:
        """How many sequences were run (1 for an input without a batch axis)."""
        return int(self.state_h.shape[0]) if self.batched else 1

    def step(self, t: int) -> Step:
        """Time step `t`, counting from 1; an error names the steps there are."""
        if (
            isinstance(t, bool)
            or not isinstance(t, (int, np.integer))
            or not (1 <= t <= len(self.steps))
        ):
            raise LSTMInputError(f"t must be a time step from 1 to {len(self.steps)}; got {t!r}")
        return self.steps[int(t) - 1]

    def with_batch_axis(self) -> Trace:
        """This trace with a batch axis on every array (itself if it has one)."""
        if self.batched:
            return self
        return self._rebuild(lambda a: np.asarray(a)[None], batched=True)

    def sample(self, k: int = 0) -> Trace:
        """The trace of sequence `k` of the batch alone, without a batch axis."""
        size = self.batch_size
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k < size:
            if not self.batched:
                raise LSTMInputError(
                    f"sample must be 0 for an input without a batch axis; got {k!r}"
                )
            raise LSTMInputError(f"sample must be from 0 to {size - 1}; got {k!r}")
        if not self.batched:
            return self
        return self._rebuild(lambda a: np.asarray(a)[k], batched=False)

    def _rebuild(self, fn: Any, *, batched: bool) -> Trace:
        return Trace(
            sequence_out=fn(self.sequence_out),
            states=MappingProxyType({k: fn(v) for k, v in self.states.items()}),
            steps=tuple(step.map(fn) for step in self.steps),
            weights=self.weights,
            activation=self.activation,
            recurrent_activation=self.recurrent_activation,
            exact=self.exact,
            batched=batched,
            go_backwards=self.go_backwards,
            zero_output_for_mask=self.zero_output_for_mask,
            units=self.units,
        )

    def to_dict(self) -> dict[str, Any]:
        """The whole trace as plain Python values, ready for `json.dumps`; "units" (when
        some were chosen) holds their indices from 0, as `units` does."""
        w = self.weights
        doc: dict[str, Any] = {"cell": self.cell}
        doc |= {
            "activation": self.activation,
            "recurrent_activation": self.recurrent_activation,
            "exact": self.exact,
            "weights": {
                "kernel": jsonable(w.kernel),
                "recurrent_kernel": jsonable(w.recurrent_kernel),
                "bias": None if w.bias is None else jsonable(w.bias),
            },
        }
        for name in getattr(w, "variants", ()):  # an LSTM's peepholes, clip, ...
            value = getattr(w, name)
            doc["weights"][name] = value if isinstance(value, bool) else jsonable(value)
        if self.go_backwards:
            doc["go_backwards"] = True
        if self.units is not None:
            doc["units"] = list(self.units)
        doc["steps"] = [step.to_dict() for step in self.steps]
        doc["sequence_out"] = jsonable(self.sequence_out)
        doc |= {f"state_{name}": jsonable(v) for name, v in self.states.items()}
        return doc


def require_trace(trace: Any, *, wanted: str = "a Trace from forward()") -> Trace:
    """`trace` itself when it is a `Trace`; otherwise an error that names what was given."""
    if not isinstance(trace, Trace):
        raise LSTMInputError(f"trace must be {wanted}; got {describe(trace)}")
    return trace


def _scalar(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    if isinstance(value, (int, np.integer)):
        return int(value)
    as_float = float(value)
    # JSON has no inf or NaN; spell them out rather than emit invalid JSON.
    return as_float if math.isfinite(as_float) else str(as_float)


def jsonable(arr: Array) -> Any:
    """Nested lists of JSON-safe scalars."""
    arr = np.asarray(arr)
    if arr.ndim == 0:
        return _scalar(arr.item())
    return [jsonable(row) for row in arr]
