"""Backpropagation through time over a recorded `Trace`, written once for every cell.

Going backwards from the last step, with `dX` meaning dLoss/dX, the loop hands each
step what reaches its state (its output's gradient plus what the step after sent back)
and the cell's `step_backward` turns that into gradients of its gates, its weights, its
input and the state before (see `lstm.step_backward`, `gru.step_backward`):

    dh  = d_sequence_out[t] + dh from step t+1          # (batch, units)
    dc  = dc from step t+1                              # an LSTM's cell state
    ... the cell's step backward ...
    dkernel += x.T @ da    drecurrent_kernel += ...     dbias += ...

A masked step passes its gradients straight through to the step before, as its forward
pass passed the state. Exact traces give exact gradients (ints and Fractions).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import LSTMInputError
from ._validate import numeric_array, to_exact
from .activations import derivative, resolve
from .cells import BackwardStep, Cell, Derivatives, keep_as_is
from .recurrence import cell_of
from .trace import Trace, jsonable, require_trace
from .weights import PackedWeights

Array = NDArray[Any]


@dataclass(frozen=True, eq=False)
class StepGradients:
    """The gradients at one time step (`t` counts from 1), shaped like `Step`'s arrays.

    `d_output` is the loss's gradient on this step's output; `later` holds what arrives
    from the following step (or, at the last step, from the loss's use of the final
    state) and `total` what reaches this step's new state in all (an LSTM's dc includes
    the path through h); `prev` flows to the step before. Each is keyed by state name,
    "h" (and "c"), also readable as `dh_later`, `dc_later`, `dh`, `dc`, `dh_prev`,
    `dc_prev`. `gates[gate]` is the gradient of a gate's value and `a[gate]` of its
    pre-activation; `dx` flows to the input.
    """

    t: int
    d_output: Array
    later: Mapping[str, Array]
    total: Mapping[str, Array]
    gates: Mapping[str, Array]
    a: Mapping[str, Array]
    dx: Array
    prev: Mapping[str, Array]

    @property
    def dh_later(self) -> Array:
        return self.later["h"]

    @property
    def dc_later(self) -> Array:
        return self.later["c"]

    @property
    def dh(self) -> Array:
        return self.total["h"]

    @property
    def dc(self) -> Array:
        return self.total["c"]

    @property
    def dh_prev(self) -> Array:
        return self.prev["h"]

    @property
    def dc_prev(self) -> Array:
        return self.prev["c"]


@dataclass(frozen=True, eq=False)
class Gradients:
    """dLoss with respect to the weights, the inputs and the initial state.

    `kernel`, `recurrent_kernel` and `bias` are shaped like the weights (bias None when
    the weights have none); `inputs` like the trace's inputs; `initial_state` holds the
    initial state's gradients by name ("h", "c"), also readable as `initial_h` and
    `initial_c`, each like `state_h`. `steps` holds one `StepGradients` per time step,
    in time order. `peephole` and `projection` are shaped like those weights of an LSTM
    that has them, None otherwise.
    """

    kernel: Array
    recurrent_kernel: Array
    bias: Array | None
    inputs: Array
    initial_state: Mapping[str, Array]
    steps: tuple[StepGradients, ...]
    peephole: Array | None = None
    projection: Array | None = None

    @property
    def initial_h(self) -> Array:
        return self.initial_state["h"]

    @property
    def initial_c(self) -> Array:
        return self.initial_state["c"]

    def to_dict(self) -> dict[str, Any]:
        """Plain Python values (Fractions as "p/q"), ready for `json.dumps`."""
        doc = {
            "kernel": jsonable(self.kernel),
            "recurrent_kernel": jsonable(self.recurrent_kernel),
            "bias": None if self.bias is None else jsonable(self.bias),
            "inputs": jsonable(self.inputs),
        }
        for name in ("peephole", "projection"):
            if getattr(self, name) is not None:
                doc[name] = jsonable(getattr(self, name))
        return doc | {f"initial_{k}": jsonable(v) for k, v in self.initial_state.items()}


def backward(
    trace: Trace,
    d_sequence_out: Any,
    *,
    d_state_h: Any = None,
    d_state_c: Any = None,
) -> Gradients:
    """Gradients of a loss whose gradient with respect to the outputs is given.

    Args:
        trace: a `forward` result (LSTM or GRU); its recorded values are reused.
        d_sequence_out: dLoss/d(sequence_out), shaped like `trace.sequence_out`
            (see `lstm_explained.engine.losses` for common losses).
        d_state_h: dLoss/d(state_h), shaped like `trace.state_h`, if the loss uses it.
        d_state_c: dLoss/d(state_c), likewise (an LSTM's only).

    Returns:
        `Gradients` for the weights, inputs and initial state, with a record per step.

    Raises:
        LSTMInputError: for a wrongly shaped or non-finite gradient, or a trace whose
            activation is a callable (its derivative is unknown).
    """
    cell = _cell_to_run_back(trace, d_state_c)
    full = trace.with_batch_axis()  # the loop works with the batch axis throughout
    dtype = full.sequence_out.dtype

    def convert(a: Array) -> Array:
        return to_exact(a) if trace.exact else np.asarray(a, dtype=dtype)

    def batched(value: Any, name: str, like: Array) -> Array:
        arr = convert(_checked(value, name, like))
        return arr if trace.batched else arr[None]

    d_seq = batched(d_sequence_out, "d_sequence_out", trace.sequence_out)
    given = {"h": d_state_h, "c": d_state_c}
    d_final = tuple(batched(given[s], f"d_state_{s}", trace.states[s]) for s in cell.STATES)
    fn = _derivatives(trace)

    def view(a: Array) -> Array:  # without the batch axis where the caller gave none
        return a if trace.batched else a[0]

    sums, records, d_initial = _through_time(full, cell, fn, convert, d_seq, d_final, view)
    d_x = np.stack(sums.inputs, axis=1)  # (batch, time, features), in processing order
    if trace.go_backwards:
        d_x = d_x[:, ::-1]  # back to the order the inputs were given in
    return Gradients(
        kernel=sums.kernel,
        recurrent_kernel=sums.recurrent_kernel,
        bias=sums.bias,
        inputs=view(d_x),
        initial_state=_named(cell.STATES, d_initial, view),
        steps=tuple(reversed(records)),
        peephole=sums.extra.get("peephole"),
        projection=sums.extra.get("projection"),
    )


def _cell_to_run_back(trace: Any, d_state_c: Any) -> Cell:
    """The cell of a trace that `backward` can run back through, or an error saying why not."""
    require_trace(trace)
    cell = cell_of(trace.weights)
    if trace.units is not None:
        raise LSTMInputError(
            f"backward() needs every unit's gates, but this trace recorded only units "
            f"{list(trace.units)}; run forward() without units="
        )
    if d_state_c is not None and "c" not in cell.STATES:
        raise LSTMInputError(f"d_state_c was given, but a {cell.NAME} has no cell state c")
    return cell


def _derivatives(trace: Trace) -> Derivatives:
    """The trace's activations and their derivatives; a callable one has no known
    derivative, and is refused."""
    act_d = derivative(trace.activation, argument="activation")  # refuses a callable
    rec_d = derivative(trace.recurrent_activation, argument="recurrent_activation")
    exact = trace.exact
    return Derivatives(
        act=resolve(trace.activation, argument="activation", exact=exact).fn,
        rec=resolve(trace.recurrent_activation, argument="recurrent_activation", exact=exact).fn,
        tidy=to_exact if exact else keep_as_is,
        act_d=act_d,
        rec_d=rec_d,
    )


@dataclass
class _Sums:
    """The weight gradients summed over the steps run back so far, shaped like the
    weights (bias None when there is none), and each step's input gradient
    (batch, features), in processing order."""

    kernel: Array
    recurrent_kernel: Array
    bias: Array | None
    inputs: list[Array]
    extra: dict[str, Array] = field(default_factory=dict)  # an LSTM's peephole, projection

    def add(self, t: int, b: BackwardStep, tidy: Callable[[Array], Array]) -> None:
        """Add step t's (from 0) contributions."""
        self.kernel = tidy(self.kernel + b.d_kernel)
        self.recurrent_kernel = tidy(self.recurrent_kernel + b.d_recurrent_kernel)
        if self.bias is not None:
            self.bias = tidy(self.bias + b.d_bias)
        for name, d in (b.d_extra or {}).items():
            self.extra[name] = tidy(self.extra[name] + d) if name in self.extra else d
        self.inputs[t] = b.dx


def _through_time(
    full: Trace, cell: Cell, fn: Derivatives, convert: Callable[[Any], Array], d_seq: Array,
    d_final: tuple[Array, ...], view: Callable[[Array], Array],
) -> tuple[_Sums, list[StepGradients], tuple[Array, ...]]:  # fmt: skip
    """The loop from the last step to the first of `full` (a trace with a batch axis):
    the sums, each step's record (last step first, its arrays passed through `view`) and
    what reaches the initial state. `d_seq` (batch, time, units) is the loss's gradient
    on the outputs, `d_final` on the final state, one (batch, units) per state name."""
    batch, time, units = full.sequence_out.shape  # units: h's size (proj_size if projected)
    w = full.weights
    params = cell.prepare(w, convert)
    sums = _Sums(
        kernel=convert(np.zeros(w.kernel.shape)),
        recurrent_kernel=convert(np.zeros(w.recurrent_kernel.shape)),
        bias=None if w.bias is None else convert(np.zeros(np.shape(w.bias))),
        inputs=[convert(np.zeros(0))] * time,
    )
    zero = convert(np.zeros((batch, units)))
    out_carry = zero  # gradient a masked step hands back
    d_next, records = d_final, []
    with np.errstate(over="ignore", invalid="ignore"):
        for step in reversed(full.steps):
            t = step.t - 1
            keep = _keep(step.mask, batch, object if full.exact else full.sequence_out.dtype)
            d_out = fn.tidy(d_seq[:, t, :] + out_carry)  # this step's output, and repeats
            d_in = [fn.tidy(keep * (d_out + d_next[0]))]  # reaches h only if the step ran
            d_in += [fn.tidy(keep * d) for d in d_next[1:]]
            b = cell.step_backward(step, tuple(d_in), params, fn)
            sums.add(t, b, fn.tidy)
            skip = 1 - keep  # a masked step hands its gradients straight back
            d_prev = tuple(
                fn.tidy(p + skip * d) for p, d in zip(b.d_state_prev, d_next, strict=True)
            )
            # a masked step's output repeats this step's, unless it is a constant zero
            out_carry = zero if full.zero_output_for_mask else fn.tidy(skip * d_out)
            records.append(_record(step.t, d_out, d_next, b, d_prev, cell.STATES, view))
            d_next = d_prev
    return sums, records, d_next


def _named(
    names: tuple[str, ...], arrays: Sequence[Array], view: Callable[[Array], Array]
) -> Mapping[str, Array]:
    return MappingProxyType({s: view(a) for s, a in zip(names, arrays, strict=True)})


def _record(
    t: int, d_out: Array, d_next: tuple[Array, ...], b: BackwardStep, d_prev: tuple[Array, ...],
    names: tuple[str, ...], view: Callable[[Array], Array],
) -> StepGradients:  # fmt: skip
    """Step t's (from 1) record of what ran back through it."""
    return StepGradients(
        t=t,
        d_output=view(d_out),
        later=_named(names, d_next, view),
        total=_named(names, b.d_state, view),
        gates=MappingProxyType({g: view(a) for g, a in b.gates.items()}),
        a=MappingProxyType({g: view(arr) for g, arr in b.a.items()}),
        dx=view(b.dx),
        prev=_named(names, d_prev, view),
    )


def sgd_step(weights: PackedWeights, gradients: Gradients, learning_rate: Any) -> Any:
    """One plain gradient-descent update: each weight minus `learning_rate` times its gradient.

    Returns weights of the same kind (LSTM or GRU). With exact gradients and a Fraction
    or int learning rate, the new weights are exact.
    """
    if not isinstance(weights, PackedWeights) or not isinstance(gradients, Gradients):
        raise LSTMInputError("sgd_step(weights, gradients, learning_rate) needs LSTMWeights "
                             "(or GRUWeights) and the Gradients from backward()")  # fmt: skip
    lr = numeric_array(learning_rate, "learning_rate")
    if lr.shape != ():
        raise LSTMInputError(f"learning_rate must be one number; got shape {lr.shape}")
    exact = gradients.kernel.dtype == object
    lr_value = lr.item() if not exact else to_exact(lr).item()

    def step(w: Array, g: Array) -> Array:
        w = to_exact(w) if exact else w
        if w.shape != g.shape:
            raise LSTMInputError(
                f"gradient shape {g.shape} does not match weight shape {w.shape}; were the "
                "gradients computed for these weights?"
            )
        return to_exact(w - lr_value * g) if exact else w - lr_value * g

    changes = {}
    for name in ("bias", "peephole", "projection"):
        value = getattr(weights, name, None)
        if value is not None:
            if getattr(gradients, name) is None:
                raise LSTMInputError(f"the weights have a {name} but the gradients do not")
            changes[name] = step(value, getattr(gradients, name))
    return weights.replace(
        kernel=step(weights.kernel, gradients.kernel),
        recurrent_kernel=step(weights.recurrent_kernel, gradients.recurrent_kernel),
        **changes,
    )


def _keep(mask: Any, batch: int, dtype: Any) -> Array:
    """1 where the step ran, 0 where it was masked, as a (batch, 1) column."""
    if mask is None:
        return np.full((batch, 1), 1, dtype=dtype)
    return np.asarray(mask).astype(int).reshape(batch, 1).astype(dtype)


def _checked(value: Any, name: str, like: Array) -> Array:
    """A gradient argument: zeros when None, else numbers shaped exactly like `like`."""
    if value is None:
        return np.zeros(like.shape)
    arr = numeric_array(value, name)
    if arr.shape != like.shape:
        raise LSTMInputError(
            f"{name} must have the shape of the trace's {name[2:]}, {like.shape}; "
            f"got shape {arr.shape}"
        )
    return arr
