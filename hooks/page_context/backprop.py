"""The values of "Backprop through the three steps" (docs/backprop.md)."""

from __future__ import annotations

import functools
from fractions import Fraction
from typing import Any

import numpy as np

from lstm_explained import GATES, backward, forward, sgd_step, sum_of_outputs
from lstm_explained.networks.examples import toy_trace

from .backward_view import BackwardView
from .claims import Claim, registry
from .trace_view import TraceView


@functools.cache
def context() -> dict[str, Any]:
    """Computed once per build, when the page is rendered."""
    return {
        "toy_back": BackwardView(toy_trace(3), "toy-back"),  # L = h1 + h2 + h3
        "last_only_back": BackwardView(toy_trace(3), "last-only", outputs=(3,)),  # L = h3
    }


# ---- claims: what the page says of the gradients above (see claims.py) -------------------

SGD_RATE = Fraction(1, 100_000)  # the page's learning rate in its SGD snippet


def only_own_term_at_step_3(toy_back: BackwardView) -> bool:
    """Nothing flows back into step 3's h, so dh_3 is the output's own gradient, one; and
    at step 2 that one is joined by what flows back: dh_2 = 1 + dh_later."""
    return (
        toy_back.number(3, "dh_later") == 0
        and toy_back.number(3, "dh") == toy_back.number(3, "d_output") == 1
        and toy_back.number(2, "dh") == 1 + toy_back.number(2, "dh_later")
    )


def dc_later_through_forget(toy: TraceView, toy_back: BackwardView) -> bool:
    """What reaches step 2's cell state from step 3 is dc_3 times the forget gate f_3, by
    which step 3 multiplied c_2."""
    return toy_back.number(2, "dc_later") == toy_back.number(3, "dc") * toy.number(3, "forget")


def dx_equals_dh_prev(toy: TraceView, toy_back: BackwardView) -> bool:
    """Every block's input weight equals its recurrent weight, so dx = dz·Wᵀ equals
    dh_prev = dz·Uᵀ at every step."""
    w = toy.trace.weights
    same = np.array_equal(np.asarray(w.kernel), np.asarray(w.recurrent_kernel))
    steps = range(1, len(toy.trace.steps) + 1)
    return same and all(toy_back.number(t, "dx") == toy_back.number(t, "dh_prev") for t in steps)


def forget_gradient_zero_at_step_1(toy: TraceView, toy_back: BackwardView) -> bool:
    """At step 1, c_0 = 0 and the forget gate's gradient is zero."""
    return toy.number(1, "c_prev") == 0 and toy_back.number(1, "forget") == 0


def gradients_grow_backwards(toy_back: BackwardView) -> bool:
    """dh and dc grow from step 3 back to step 1, and dh_1 is over a hundred times dh_3."""
    dh = [toy_back.number(t, "dh") for t in (1, 2, 3)]
    dc = [toy_back.number(t, "dc") for t in (1, 2, 3)]
    return dh[0] > dh[1] > dh[2] and dc[0] > dc[1] > dc[2] and dh[0] > 100 * dh[2]


def sgd_moves_every_weight_down(toy_back: BackwardView) -> bool:
    """Every weight's gradient is positive (so SGD lowers it), the forget gate's the least of
    each kind, and one SGD step at the page's rate leaves under a hundredth of the loss."""
    g = toy_back.gradients
    kinds = [np.asarray(g.kernel)[0], np.asarray(g.recurrent_kernel)[0], np.asarray(g.bias)]
    forget = GATES.index("forget")
    if not all(v > 0 for kind in kinds for v in kind):
        return False
    if not all(min(range(len(GATES)), key=lambda k: kind[k]) == forget for kind in kinds):
        return False
    trace = toy_back.trace
    new = sgd_step(trace.weights, g, SGD_RATE)
    after = forward([s.x for s in trace.steps], new, activation="linear",
                    recurrent_activation="linear", exact=True)  # fmt: skip
    return bool(sum_of_outputs(after).value < sum_of_outputs(trace).value / 100)


def truncation_loses_nearly_all(toy_back: BackwardView) -> bool:
    """Split after step 2, each gate's kernel gradient keeps under a tenth of the full one."""
    trace, options = toy_back.trace, {"activation": "linear", "recurrent_activation": "linear",
                                      "exact": True}  # fmt: skip
    inputs = [s.x for s in trace.steps]
    first = forward(inputs[:2], trace.weights, **options)  # type: ignore[arg-type]
    second = forward(inputs[2:], trace.weights, initial_state=(first.state_h, first.state_c),
                     **options)  # type: ignore[arg-type]  # fmt: skip
    truncated = sum(
        np.asarray(backward(t, sum_of_outputs(t).d_sequence_out).kernel) for t in (first, second)
    )
    full = np.asarray(toy_back.gradients.kernel)
    return bool(np.all(10 * truncated < full))


def last_only_one_less(toy_back: BackwardView, last_only_back: BackwardView) -> bool:
    """With L = h_3, dh_2 is one less than with the sum, and step 3's gradients are the same."""
    names = ["dh", "dc", *GATES]
    return last_only_back.number(2, "dh") == toy_back.number(2, "dh") - 1 and all(
        last_only_back.number(3, n) == toy_back.number(3, n) for n in names
    )


def forget_weight_changes_least(toy_back: BackwardView) -> bool:
    """The forget gate's input weight changes least of the four in one SGD step."""
    changes = {gate: abs(float(toy_back.weight_change(gate))) for gate in GATES}
    return min(changes, key=lambda gate: changes[gate]) == "forget"


CLAIMS = registry(
    Claim("only-own-term-at-step-3", only_own_term_at_step_3),
    Claim("dc-later-through-forget", dc_later_through_forget),
    Claim("dx-equals-dh-prev", dx_equals_dh_prev),
    Claim("forget-gradient-zero-at-step-1", forget_gradient_zero_at_step_1),
    Claim("gradients-grow-backwards", gradients_grow_backwards),
    Claim("sgd-moves-every-weight-down", sgd_moves_every_weight_down),
    Claim("truncation-loses-nearly-all", truncation_loses_nearly_all),
    Claim("last-only-one-less", last_only_one_less),
    Claim("forget-weight-changes-least", forget_weight_changes_least),
)
"""The claims of "Backprop through the three steps"."""
