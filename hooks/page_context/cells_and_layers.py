"""The values of the pages on other cells and layers: the GRU, LSTM or GRU, stacked and
bidirectional layers, the same cell elsewhere (see `PAGES` in hooks/page_values.py)."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from lstm_explained import (
    Bidirectional,
    GRUWeights,
    LSTMWeights,
    bidirectional,
    forward,
    stacked,
)
from lstm_explained.engine.layers import MERGE_MODES
from lstm_explained.explain.hand import format_vector
from lstm_explained.networks.examples import STANDARD_INPUTS, article_weights, reset_pair_weights

from .claims import Claim, registry, share_lost
from .shared import LINEAR_EXACT
from .trace_view import BidirectionalView, TraceView


def merge_modes_table(layer_weights: Any, inputs: list[Any]) -> str:
    """What each of Keras's merge modes makes of the same two directions."""
    rows = ["| `merge_mode` | output at each input position |", "| --- | --- |"]
    for mode in MERGE_MODES:
        pair = Bidirectional(layer_weights, layer_weights, merge_mode=mode)
        out = bidirectional(inputs, pair, activation="linear", recurrent_activation="linear",
                            exact=True).sequence_out  # fmt: skip
        if mode is None:
            text = f"two outputs: {format_vector(out[0])} and {format_vector(out[1])}"
        else:
            text = ", ".join(format_vector(row) for row in out)
        rows.append(f"| `{mode!r}` | {text} |" if mode else f"| `None` | {text} |")
    return "\n".join(rows)


PARAMETER_SIZES = [(1, 1), (16, 64), (64, 256)]
"""The layer sizes (input features, units) whose parameters "LSTM or GRU" counts."""


def layer_weights(features: int, units: int) -> list[LSTMWeights | GRUWeights]:
    """An LSTM and a GRU layer (reset_after True, then False) of one size."""
    return [
        LSTMWeights.random(features, units, seed=0),
        GRUWeights.random(features, units, seed=0),
        GRUWeights.random(features, units, seed=0, reset_after=False),
    ]


def parameter_table(sizes: list[tuple[int, int]]) -> str:
    """Parameter counts of an LSTM and a GRU layer (both reset_after forms) by size."""
    rows = [
        "| input features | units | LSTM | GRU, `reset_after=True` | GRU, `reset_after=False` |",
        "| --: | --: | --: | --: | --: |",
    ]
    for features, units in sizes:
        counts = [w.parameter_count() for w in layer_weights(features, units)]
        rows.append(f"| {features} | {units} | " + " | ".join(f"{c:,}" for c in counts) + " |")
    return "\n".join(rows)


def percent_lost(view: TraceView, name: str, t: int) -> str:
    """How much of its value `name` loses at step t, in percent of step t - 1's: "83%"."""
    return f"{share_lost(view.number(t - 1, name), view.number(t, name)):.0%}"


def side_by_side(lstm: TraceView, gru: TraceView) -> str:
    """The same inputs through an LSTM and a GRU: each step's h, and the LSTM's c."""
    rows = ["| t | x | LSTM $h$ | LSTM $c$ | GRU $h$ |", "| --: | --: | --: | --: | --: |"]
    for step in lstm.trace.steps:
        t = step.t
        rows.append(f"| {t} | {lstm.value(t, 'x')} | {lstm.h(t)} | {lstm.c(t)} | {gru.h(t)} |")
    return "\n".join(rows)


@functools.cache
def context() -> dict[str, Any]:
    """Computed once per build, when the first page of the group is rendered."""
    toy_layer = article_weights()
    return {
        "gru_after": TraceView(
            forward(list(STANDARD_INPUTS), reset_pair_weights(reset_after=True)), "gru-after"
        ),
        "gru_before": TraceView(
            forward(list(STANDARD_INPUTS), reset_pair_weights(reset_after=False)), "gru-before"
        ),
        "stack_toy": [
            TraceView(layer, f"stack-toy-{k}")  # type: ignore[arg-type]
            for k, layer in enumerate(
                stacked([1, 1], [toy_layer, toy_layer], **LINEAR_EXACT).layers
            )
        ],
        "bi_toy": BidirectionalView(
            bidirectional([1, 2], Bidirectional(toy_layer, toy_layer), **LINEAR_EXACT), "bi-toy"
        ),
        "merge_modes_table": lambda: merge_modes_table(toy_layer, [1, 2]),
        "parameter_sizes": PARAMETER_SIZES,
        "parameter_table": parameter_table,
        "percent_lost": percent_lost,
        "side_by_side": side_by_side,
    }


# ---- claims: what the pages of this group say of the values above (see claims.py) --------


def gru_about_three_quarters(parameter_sizes: list[tuple[int, int]]) -> bool:
    """From 16 units up a GRU holds 0.7 to 0.8 of an LSTM's parameters (both forms), at one
    input and one unit the reset_after=True GRU as many, and a GRU's matrices hold three
    quarters of the LSTM's weights (the multiplications of a step)."""
    for features, units in parameter_sizes:
        lstm, after, before = layer_weights(features, units)
        products = [w.kernel.size + w.recurrent_kernel.size for w in (lstm, after, before)]
        if any(4 * p != 3 * products[0] for p in products[1:]):
            return False
        shares = [g.parameter_count() / lstm.parameter_count() for g in (after, before)]
        if units >= 16 and not all(0.7 < share < 0.8 for share in shares):
            return False
        if features == units == 1 and after.parameter_count() != lstm.parameter_count():
            return False
    return any(units >= 16 for _, units in parameter_sizes)


def lstm_takes_in_more(std: TraceView, gru: TraceView) -> bool:
    """At step 3 the LSTM keeps about the GRU's share of its old state (within 5%), but its
    new content i·g is more negative than the GRU's (1 - z)·n, on a smaller old state."""
    kept_lstm, kept_gru = std.number(3, "forget"), gru.number(3, "update")
    added_lstm = std.number(3, "input") * std.number(3, "candidate")
    added_gru = (1 - kept_gru) * gru.number(3, "candidate")
    return (
        abs(kept_lstm - kept_gru) < 0.05 * kept_gru
        and added_lstm < added_gru < 0
        and std.number(2, "c") < gru.number(2, "h")
    )


def stack_reads_outputs(stack_toy: list[TraceView]) -> bool:
    """The second layer's input at step 2 is the first layer's output there, not one, and
    its output grows from step 1 to step 2."""
    first, second = stack_toy
    x2 = second.number(2, "x")
    return x2 == first.number(2, "h") and x2 != 1 and second.number(2, "h") > second.number(1, "h")


def backward_direction_reversed(bi_toy: BidirectionalView) -> bool:
    """The backward direction reads the last input first, and the merged output at the first
    position ends with the backward direction's last h."""
    forward, backward = bi_toy.forward.trace.steps, bi_toy.backward.trace.steps
    merged_first = np.asarray(bi_toy.trace.sequence_out)[0]  # (2 * units,): forward, backward
    units = len(forward[0].h)
    return bool(
        np.array_equal(backward[0].x, forward[-1].x)
        and np.array_equal(merged_first[units:], backward[-1].h)
    )


def reset_forms_part_at_first_state(gru_after: TraceView, gru_before: TraceView) -> bool:
    """The two reset_after forms agree at step 1 (zero state) and part at the first step
    whose h_prev is not zero."""
    nonzero = [s.t for s in gru_after.trace.steps if np.any(np.asarray(s.h_prev) != 0)]
    return bool(nonzero) and gru_after.parted_at(gru_before) == nonzero[0] > 1


def lstm_c_falls_further(std: TraceView, gru: TraceView) -> bool:
    """At step 3 the input is negative, the LSTM's c and the GRU's h both fall, and c loses
    the larger share of its value."""
    lstm_lost = share_lost(std.number(2, "c"), std.number(3, "c"))
    gru_lost = share_lost(gru.number(2, "h"), gru.number(3, "h"))
    return std.number(3, "x") < 0 and lstm_lost > gru_lost > 0


def lstm_h_below_c(std: TraceView) -> bool:
    """The second example's |h| is below its |c| at every step."""
    return all(abs(std.number(s.t, "h")) < abs(std.number(s.t, "c")) for s in std.trace.steps)


def gru_ones_keeps_zero(gru_ones: TraceView) -> bool:
    """The GRU with the article's weights has z = 1 at step 1, and h = 0 at every step."""
    steps = gru_ones.trace.steps
    return gru_ones.number(1, "update") == 1 and all(gru_ones.number(s.t, "h") == 0 for s in steps)


def gru_falls_at_step_3(gru: TraceView) -> bool:
    """The GRU example's input and candidate are negative at step 3, and h falls."""
    return (
        gru.number(3, "x") < 0
        and gru.number(3, "candidate") < 0
        and gru.number(3, "h") < gru.number(2, "h")
    )


CLAIMS = registry(
    Claim("gru-three-quarters", gru_about_three_quarters),
    Claim("lstm-h-below-c", lstm_h_below_c),
    Claim("lstm-c-falls-further", lstm_c_falls_further),
    Claim("lstm-takes-in-more", lstm_takes_in_more),
    Claim("gru-ones-keeps-zero", gru_ones_keeps_zero),
    Claim("gru-falls-at-step-3", gru_falls_at_step_3),
    Claim("reset-forms-part", reset_forms_part_at_first_state),
    Claim("stack-reads-outputs", stack_reads_outputs),
    Claim("backward-reads-last-first", backward_direction_reversed),
)
"""The claims of the GRU, LSTM or GRU, layers and elsewhere pages (see claims.py)."""
