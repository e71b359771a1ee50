"""The values of the pages on other cells and layers: the GRU, LSTM or GRU, stacked and
bidirectional layers, the same cell elsewhere (see `PAGES` in hooks/page_values.py)."""

from __future__ import annotations

import functools
from typing import Any

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


def parameter_table(sizes: list[tuple[int, int]]) -> str:
    """Parameter counts of an LSTM and a GRU layer (both reset_after forms) by size."""
    rows = [
        "| input features | units | LSTM | GRU, `reset_after=True` | GRU, `reset_after=False` |",
        "| --: | --: | --: | --: | --: |",
    ]
    for features, units in sizes:
        counts = [
            LSTMWeights.random(features, units, seed=0).parameter_count(),
            GRUWeights.random(features, units, seed=0).parameter_count(),
            GRUWeights.random(features, units, seed=0, reset_after=False).parameter_count(),
        ]
        rows.append(f"| {features} | {units} | " + " | ".join(f"{c:,}" for c in counts) + " |")
    return "\n".join(rows)


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
        "parameter_table": parameter_table,
        "side_by_side": side_by_side,
    }
