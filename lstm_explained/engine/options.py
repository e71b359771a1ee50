"""How a run computes: the options `forward`, `bidirectional` and `stacked` share.

Each option is defined here once, with its default and its check. The public functions
still spell the keywords out, so that their signatures (and the API reference) show them;
each builds one `RunOptions` from them, which checks them, and hands it on.

    activation              for the candidate (and an LSTM's cell state on its way to h)
    recurrent_activation    for the gates
    exact                   Python ints and Fractions, never rounding
    dtype                   the float precision when not exact
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from ..errors import LSTMInputError
from ._validate import describe, to_exact
from .activations import Activation, resolve
from .cells import Functions, keep_as_is

Array = NDArray[Any]
ActivationSpec = str | Callable[..., Any] | None
"""An activation as the caller gives it: a name Keras uses, None (linear) or a callable."""
Precision = Literal["float64", "float32"]
PRECISIONS: tuple[Precision, ...] = ("float64", "float32")


def check_flag(name: str, value: Any) -> None:
    """An on/off option must be a bool: 1 or "yes" is refused rather than guessed at."""
    if not isinstance(value, bool):
        raise LSTMInputError(f"{name} must be True or False; got {describe(value)}")


def check_precision(dtype: Any, allowed: tuple[str, ...] = PRECISIONS) -> None:
    """`dtype` must be one of `allowed` (each caller lists its default first)."""
    if dtype not in allowed:
        choices = " or ".join(repr(d) for d in allowed)
        raise LSTMInputError(f"dtype must be {choices}; got {describe(dtype)}")


@dataclass(frozen=True)
class RunOptions:
    """The options of a run, checked when made; each means what `forward`'s argument of
    that name means, and has the same default."""

    activation: ActivationSpec = "tanh"
    recurrent_activation: ActivationSpec = "sigmoid"
    exact: bool = False
    dtype: Precision = "float64"

    def __post_init__(self) -> None:
        check_flag("exact", self.exact)
        check_precision(self.dtype)
        # look both up now: an unknown activation, or one exact cannot use, fails here
        self.activations  # noqa: B018

    @cached_property
    def activations(self) -> tuple[Activation, Activation]:
        """(activation, recurrent_activation), each with the name a trace shows and the
        function to apply (the exact one when `exact`)."""
        return (
            resolve(self.activation, argument="activation", exact=self.exact),
            resolve(self.recurrent_activation, argument="recurrent_activation", exact=self.exact),
        )

    @property
    def functions(self) -> Functions:
        """What a cell's step applies: the two activations and the run's `tidy`."""
        act, rec = self.activations
        return Functions(act.fn, rec.fn, to_exact if self.exact else keep_as_is)

    def convert(self, a: Array) -> Array:
        """An array in the run's numbers: exact ints and Fractions, or floats of `dtype`."""
        return to_exact(a) if self.exact else np.asarray(a, dtype=self.dtype)

    def keywords(self) -> dict[str, Any]:
        """The options as keyword arguments, for `forward(..., **options.keywords())`."""
        return {field.name: getattr(self, field.name) for field in fields(self)}
