"""Small losses and their gradients with respect to `sequence_out`, for `backward`.

Each returns a `Loss` with the value and `d_sequence_out`, exact for exact traces.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import LSTMInputError
from ._validate import numeric_array, to_exact
from .trace import Trace

Array = NDArray[Any]


@dataclass(frozen=True, eq=False)
class Loss:
    """A loss value and its gradient with respect to `sequence_out` (same shape)."""

    value: Any
    d_sequence_out: Array


def sum_of_outputs(trace: Trace) -> Loss:
    """L = the sum of every output; dL/d(sequence_out) is all ones."""
    out = trace.sequence_out
    ones = np.full(out.shape, 1, dtype=object) if trace.exact else np.ones_like(out)
    total = sum(out.ravel().tolist()) if trace.exact else out.sum()
    return Loss(total, ones)


def mean_squared_error(trace: Trace, targets: Any) -> Loss:
    """L = mean over every element of (sequence_out - targets)**2, as Keras's "mse" loss
    gives for a sequence output: dL/d(sequence_out) = 2 * (sequence_out - targets) / N."""
    out = trace.sequence_out
    y = numeric_array(targets, "targets")
    if y.shape != out.shape:
        raise LSTMInputError(
            f"targets must have the shape of sequence_out, {out.shape}; got shape {y.shape}"
        )
    n = out.size
    if trace.exact:
        diff = to_exact(out - to_exact(y))
        mean = Fraction(sum(d * d for d in diff.ravel().tolist()), n)
        value: Any = int(mean) if mean.denominator == 1 else mean
        return Loss(value, to_exact(diff * Fraction(2, n)))
    diff = out - y.astype(out.dtype)
    return Loss(float(np.mean(diff**2)), (2.0 / n) * diff)
