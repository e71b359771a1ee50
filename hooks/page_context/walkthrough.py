"""The walkthrough's values: the cell, the toy network, Keras, steps 1 to 3, after the
sequence, pitfalls and the second example (see `PAGES` in hooks/page_values.py)."""

from __future__ import annotations

import functools
from typing import Any

from lstm_explained.explain.figures import cell_figure
from lstm_explained.networks.examples import toy_trace, toy_variant_trace

from .trace_view import TraceView


def symbolic_figure(caption: str = "") -> str:
    """The cell with symbols in place of numbers."""
    return cell_figure(caption=caption, ident="cell-symbols")


@functools.cache
def context() -> dict[str, Any]:
    """Computed once per build, when the first page of the group is rendered."""
    return {
        "toy_f32": TraceView(toy_trace(4, exact=False, dtype="float32"), "toy-f32"),
        # the exercises' "what if?" networks
        "in_two": TraceView(toy_variant_trace((2,)), "in-two"),
        "no_forget": TraceView(toy_variant_trace(gate_weights={"forget": 0}), "no-forget"),
        "no_recurrence": TraceView(toy_variant_trace(recurrent=0), "no-recurrence"),
        "no_output": TraceView(toy_variant_trace(gate_weights={"output": 0}), "no-output"),
        "last_zero": TraceView(toy_variant_trace((1, 1, 0)), "last-zero"),
        "symbolic_figure": symbolic_figure,
    }
