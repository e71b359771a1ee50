"""The networks the documentation works through, built in one place.

The site's build hook and the tests take them from here, so a page and its checks can
never describe two different networks.
"""

from __future__ import annotations

import numpy as np

from .cell import forward
from .trace import Trace
from .weights import LSTMWeights

ARTICLE_INPUTS = (1, 1, 1)
"""The input sequence of "Stepping Through An LSTM Cell"."""


def article_weights(*, forget_bias: int = 0) -> LSTMWeights:
    """The article's toy network: one input, one unit, every weight 1, bias 0.

    `forget_bias=1` is what Keras's default `unit_forget_bias=True` silently sets.
    """
    return LSTMWeights.constant(1, bias={"forget": forget_bias})


def toy_trace(
    steps: int = 3, *, forget_bias: int = 0, exact: bool = True, **kwargs: object
) -> Trace:
    """The toy network (identity activations) run on `steps` inputs of 1."""
    return forward(
        [1] * steps,
        article_weights(forget_bias=forget_bias),
        activation="linear",
        recurrent_activation="linear",
        exact=exact,
        **kwargs,  # type: ignore[arg-type]
    )


STANDARD_INPUTS = (1.0, 0.5, -1.0)
"""Inputs of the second worked example (Keras's default tanh and sigmoid)."""


def standard_weights() -> LSTMWeights:
    """Small, different weights per gate for the second worked example.

    Gate columns in Keras's order: input, forget, candidate, output.
    """
    kernel = np.array([[0.5, 0.25, 0.75, -0.5]])  # (input_dim 1, 4 * units 1)
    recurrent = np.array([[0.25, 0.5, -0.25, 0.5]])  # (units 1, 4 * units 1)
    bias = np.array([0.0, 1.0, 0.0, 0.25])  # (4 * units,): forget gate starts open
    return LSTMWeights(kernel, recurrent, bias)


def standard_trace() -> Trace:
    """The second worked example: tanh and sigmoid, as Keras uses by default."""
    return forward(list(STANDARD_INPUTS), standard_weights())


def toy_variant_trace(
    inputs: tuple[int, ...] = ARTICLE_INPUTS,
    *,
    gate_weights: dict[str, int] | None = None,
    recurrent: int = 1,
) -> Trace:
    """The toy network with one thing changed: the exercises' "what if?" networks.

    `gate_weights` sets both the input and the recurrent weight of the gates named
    (`{"forget": 0}` shuts the forget gate), `recurrent` scales every recurrent weight
    (0 makes the cell ignore h_prev), and `inputs` replaces the sequence 1, 1, 1.
    Computed exactly, with identity activations, like the toy network.
    """
    per_gate = {gate: 1 for gate in ("input", "forget", "candidate", "output")}
    per_gate |= gate_weights or {}
    kernel = np.array([list(per_gate.values())])  # (input_dim 1, 4 * units 1)
    weights = LSTMWeights(kernel, recurrent * kernel, np.zeros(4, dtype=int))
    return forward(
        list(inputs), weights, activation="linear", recurrent_activation="linear", exact=True
    )


def half_forget_trace() -> Trace:
    """The toy network with the forget gate's input weight one half, computed exactly in
    fractions: the stepper's example of a network whose every line still adds up."""
    weights = LSTMWeights(np.array([[1, 0.5, 1, 1]]), np.ones((1, 4)), np.zeros(4))
    return forward(
        list(ARTICLE_INPUTS), weights, activation="linear", recurrent_activation="linear",
        exact=True,
    )  # fmt: skip
