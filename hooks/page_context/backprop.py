"""The values of "Backprop through the three steps" (docs/backprop.md)."""

from __future__ import annotations

import functools
from typing import Any

from lstm_explained.networks.examples import toy_trace

from .backward_view import BackwardView


@functools.cache
def context() -> dict[str, Any]:
    """Computed once per build, when the page is rendered."""
    return {
        "toy_back": BackwardView(toy_trace(3), "toy-back"),  # L = h1 + h2 + h3
        "last_only_back": BackwardView(toy_trace(3), "last-only", outputs=(3,)),  # L = h3
    }
