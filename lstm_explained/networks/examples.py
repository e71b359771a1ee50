"""The networks the documentation works through, built in one place.

The site's build hook, the command line's `--preset` and the tests take them from here,
so a page and its checks can never describe two different networks.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine.options import ActivationSpec
from ..engine.recurrence import forward
from ..engine.trace import Trace, jsonable
from ..engine.weights import GRUWeights, LSTMWeights, RNNWeights, Weights
from .fingerprint import (
    FINGERPRINT_GATE_ACTIVATION,
    FINGERPRINT_INPUTS,
    fingerprint_gru_weights,
    fingerprint_weights,
)

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

    Column blocks in Keras's order: the input and forget gates, the candidate, the output
    gate.
    """
    kernel = np.array([[0.5, 0.25, 0.75, -0.5]])  # (input_dim 1, 4 * units 1)
    recurrent = np.array([[0.25, 0.5, -0.25, 0.5]])  # (units 1, 4 * units 1)
    bias = np.array([0.0, 1.0, 0.0, 0.25])  # (4 * units,): forget gate starts open
    return LSTMWeights(kernel, recurrent, bias)


def standard_trace() -> Trace:
    """The second worked example: tanh and sigmoid, as Keras uses by default."""
    return forward(list(STANDARD_INPUTS), standard_weights())


@dataclass(frozen=True)
class Network:
    """A named network: its weights, the inputs it is shown on, and how it computes.

    `run()` gives its trace; keyword arguments override what `forward` gets (inputs,
    activations, exact, initial_state, ...).
    """

    name: str
    summary: str
    build: Callable[[], Weights]
    inputs: tuple[Any, ...]
    activation: ActivationSpec = "tanh"
    recurrent_activation: ActivationSpec = "sigmoid"
    exact: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def weights(self) -> Weights:
        """A fresh copy of the network's weights."""
        return self.build()

    def run(self, **overrides: Any) -> Trace:
        """The network's trace on its own inputs, or on what `overrides` says."""
        options: dict[str, Any] = {
            "inputs": list(self.inputs),
            "activation": self.activation,
            "recurrent_activation": self.recurrent_activation,
            "exact": self.exact,
        }
        options |= overrides
        return forward(options.pop("inputs"), self.weights, **options)

    def plain(self) -> dict[str, Any]:
        """The network as plain JSON values, for the interactive stepper's presets: its
        weights in Keras's packed layout (`PackedWeights.plain()`), inputs, activations
        by name and whether it computes exactly."""
        return self.weights.plain() | {
            "inputs": jsonable(np.asarray(self.inputs, dtype=object)),
            "activation": str(self.activation),
            "recurrentActivation": str(self.recurrent_activation),
            "exact": self.exact,
        }


NETWORKS: dict[str, Network] = {}
"""Every named network, by the name `lstm-explained --preset` takes."""


def register(network: Network) -> Network:
    """Add a network to `NETWORKS` (its name must be new)."""
    if network.name in NETWORKS:
        raise ValueError(f"a network named {network.name!r} is already registered")
    NETWORKS[network.name] = network
    return network


# The toy network and what Keras's default unit_forget_bias=True makes of it.
for _name, _summary, _forget_bias in (
    ("article",
     "the article's toy network: one unit, every weight 1, no bias, identity activations", 0),
    ("forget-bias",
     "the toy network with the forget bias of 1 that Keras's unit_forget_bias=True sets", 1),
):  # fmt: skip
    register(
        Network(
            _name,
            _summary,
            functools.partial(article_weights, forget_bias=_forget_bias),
            ARTICLE_INPUTS,
            "linear",
            "linear",
            exact=True,
        )
    )
register(
    Network(
        "second-example",
        "different weights per gate with Keras's default tanh and sigmoid",
        standard_weights,
        STANDARD_INPUTS,
    )
)


def _peephole_weights() -> LSTMWeights:
    """The second example with peepholes (ONNX's `P`)."""
    peephole = np.array([[0.5], [-0.25], [0.75]])  # (3, units 1): rows p_i, p_f, p_o
    weights: LSTMWeights = standard_weights().replace(peephole=peephole)
    return weights


register(
    Network(
        "peepholes",
        "the second example with peepholes (ONNX's P): i and f see c_prev, o the new c",
        _peephole_weights,
        STANDARD_INPUTS,
    )
)


def gru_example_weights() -> GRUWeights:
    """A one-unit GRU whose numbers move (the article's all-ones network stays at 0).

    Column blocks in Keras's order: update (z), reset (r), candidate (n). Row 0 of the
    bias is added on the input side, row 1 on the recurrent side (reset_after=True).
    """
    kernel = np.array([[-0.5, 0.5, 1.0]])  # (input_dim 1, 3 * units 1)
    recurrent = np.array([[0.5, -0.5, 1.0]])  # (units 1, 3 * units 1)
    bias = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.5]])  # (2, 3 * units)
    return GRUWeights(kernel, recurrent, bias, reset_after=True)


register(
    Network(
        "gru-example",
        "a one-unit GRU with different weights per gate, tanh and sigmoid",
        gru_example_weights,
        STANDARD_INPUTS,
    )
)


PLAIN_INPUTS = (1, 0, 0, 0, 0, 0)
"""One input of 1, then nothing: what the plain cell remembers of it, step by step."""


def plain_cell_weights() -> RNNWeights:
    """The plain cell of the why-gates page: one unit, input weight 1, recurrent weight 1,
    zero bias. With tanh, what it holds of an input can only shrink: each step passes
    h_prev through tanh, whose slope is below one away from zero."""
    kernel = np.array([[1.0]])  # (input_dim 1, units 1)
    recurrent = np.array([[1.0]])  # (units 1, units 1)
    return RNNWeights(kernel, recurrent, np.array([0.0]))


register(
    Network(
        "plain-cell",
        "the plain recurrent cell with tanh: one input of 1, then its memory of it fades",
        plain_cell_weights,
        PLAIN_INPUTS,
    )
)


def reset_pair_weights(*, reset_after: bool) -> GRUWeights:
    """Two units, no bias: the same numbers computed with the reset gate applied after
    the recurrent product (Keras's default) or before it (Keras 2, ONNX's default).

    From a zero state the recurrent side is zero either way, so the two forms agree at
    step 1 and part once h_prev is not zero. Columns z z r r n n.
    """
    kernel = np.array([[0.5, -0.5, 1.0, -1.0, 1.0, 0.5]])  # (input_dim 1, 3 * units 2)
    recurrent = np.array(
        [[0.5, 0.0, -0.5, 1.0, 1.0, 0.5],
         [0.0, 0.5, 1.0, 0.5, 0.5, -1.0]]
    )  # (units 2, 3 * units 2)  # fmt: skip
    return GRUWeights(kernel, recurrent, None, reset_after=reset_after)


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


# The fingerprint networks (see `fingerprint`): every mistaken conversion changes their numbers.
for _name, _build, _what in (
    ("fingerprint", fingerprint_weights, "LSTM"),
    ("fingerprint-gru", fingerprint_gru_weights, "GRU"),
):
    register(
        Network(
            _name,
            f"a two-unit {_what} whose numbers catch every mistaken weight conversion",
            _build,
            tuple(list(x) for x in FINGERPRINT_INPUTS),
            "linear",
            FINGERPRINT_GATE_ACTIVATION,
            exact=True,
        )
    )
