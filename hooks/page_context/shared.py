"""The values that pages of several groups quote; every page sees them.

A value goes here when pages of two or more groups (or a page of none, such as the home
page) quote it; a value that one group's pages quote belongs in that group's module.
The test of hooks/page_values.py checks both ways against the pages.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from lstm_explained import GRUWeights, forward
from lstm_explained.networks.examples import NETWORKS, standard_trace, toy_trace
from lstm_explained.networks.fingerprint import (
    MISTAKES,
    fingerprint_bias_halves,
    fingerprint_trace,
)

from .claims import Claim, all_equal, registry
from .layout_view import FractionsView, Wrong
from .trace_view import TraceView

LINEAR_EXACT: dict[str, Any] = {"activation": "linear", "recurrent_activation": "linear",
                                "exact": True}  # fmt: skip
"""The article's identity activations, computed exactly: for the toy network's weights
used in another cell or layer."""


def fingerprint() -> FractionsView:
    """The fingerprint LSTM, its bias in PyTorch's two halves, and each mistaken
    conversion of its weights run the same way."""
    wrong = tuple(Wrong(m.name, m.what, fingerprint_trace(m.weights())) for m in MISTAKES)
    return FractionsView(fingerprint_trace(), fingerprint_bias_halves(), wrong)


@functools.cache
def context() -> dict[str, Any]:
    """Computed once per build."""
    return {
        "toy": TraceView(toy_trace(3), "toy"),  # the article's network
        "toy6": TraceView(toy_trace(6), "toy6"),  # the same over six steps
        "ufb": TraceView(toy_trace(3, forget_bias=1), "ufb"),  # with unit_forget_bias=True
        "std": TraceView(standard_trace(), "std"),  # the second example: tanh and sigmoid
        "gru": TraceView(NETWORKS["gru-example"].run(), "gru"),
        "gru_ones": TraceView(
            forward([1, 1, 1], GRUWeights.constant(1), **LINEAR_EXACT), "gru-ones"
        ),
        "fingerprint": fingerprint(),
    }


def exact_in_float32(value: Any) -> bool:
    """Whether a 32-bit float holds `value` exactly (every integer up to 2**24 does)."""
    return bool(float(np.float32(value)) == value)


def toy_gates_equal(toy: TraceView) -> bool:
    """At every step of the toy network, the three gates and the candidate are one number."""
    return all(all_equal(g[0] for g in step.gates.values()) for step in toy.trace.steps)


def toy_exact_in_float32_to_step_3(toy6: TraceView) -> bool:
    """Every number of the toy network's first three steps is a float32; step 4's h is not."""
    early = [v[0] for s in toy6.trace.steps[:3] for v in (s.x, s.h, s.c, *s.gates.values())]
    return all(map(exact_in_float32, early)) and not exact_in_float32(toy6.trace.steps[3].h[0])


CLAIMS = registry(
    Claim("toy-gates-equal", toy_gates_equal),
    Claim("toy-exact-in-float32", toy_exact_in_float32_to_step_3),
)
"""Claims about the shared values that pages of several groups make (see claims.py)."""
