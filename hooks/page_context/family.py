"""The values of "The recurrent family" (docs/recurrent-family.md): a worked step of each
cell on the second example's inputs.

The LSTM and the GRU are the site's second example and GRU example (`std` and `gru`,
shared values); the plain cell here is the LSTM's candidate block alone, the same
weights with h = tanh(a) and nothing else, so the three read alike. Each LSTM variant
is the second example with that variant switched on (`VARIANTS`), worked at the same
step, so a reader compares it line by line with the plain LSTM's.
"""

from __future__ import annotations

import functools
from typing import Any, cast

import numpy as np

from lstm_explained import LSTMWeights, RNNWeights, format_number, forward, hand_calculation
from lstm_explained.explain.figures.rnn_cell import rnn_figure
from lstm_explained.networks.examples import NETWORKS, STANDARD_INPUTS, standard_weights

from .claims import registry
from .trace_view import TraceView, hand_block

WORKED_STEP = 2
"""The step each cell is worked at: the first whose h_prev is not zero."""


def plain_weights() -> RNNWeights:
    """The second example's candidate block as a plain cell: its input weight, recurrent
    weight and bias."""
    g = standard_weights().gate("candidate")
    return RNNWeights(g.kernel, g.recurrent_kernel, g.bias)


VARIANTS: dict[str, dict[str, Any]] = {
    # the stepper's preset's P, rows p_i, p_f, p_o
    "peepholes": {"peephole": cast(LSTMWeights, NETWORKS["peepholes"].weights).peephole},
    "coupled": {"input_forget": True},
    "clip": {"clip": 0.5},  # below the forget gate's sum at the worked step: it bites
    "projection": {"projection": [[0.5]]},  # W_hr, (units 1, proj_size 1)
}
"""Each LSTM variant as the page shows it: the second example's weights and this one
setting (`LSTMWeights` fields)."""

VARIANT_NAMES = {
    "peepholes": "LSTM with peepholes",
    "coupled": "LSTM with coupled input and forget gates",
    "clip": "LSTM with cell clip",
    "projection": "LSTM with projection",
}


def variant_weights(name: str) -> LSTMWeights:
    """The second example with one variant on."""
    weights: LSTMWeights = standard_weights().replace(**VARIANTS[name])
    return weights


def worked(view: TraceView, t: int = WORKED_STEP, what: str | None = None) -> str:
    """Step t of a view's trace by hand, every line adding up from the digits it shows;
    `what` names the cell for screen readers (its cell's name by default)."""
    text = hand_calculation(view.trace, t, digits=view.digits)
    return hand_block(text, f"Hand calculation of time step {t}, {what or view.trace.cell}")


def variant_view(name: str) -> TraceView:
    """The trace of the second example's inputs through one variant."""
    return TraceView(forward(list(STANDARD_INPUTS), variant_weights(name)), f"family-{name}")


def variant_setting(view: TraceView, name: str) -> str:
    """What a variant adds to the weights, as the page writes it: "0.5, -0.25 and 0.75"
    for the peepholes, the clip, W_hr."""
    value = getattr(view.trace.weights, {"peepholes": "peephole", "clip": "clip",
                                         "projection": "projection"}[name])  # fmt: skip
    numbers = [format_number(v, view.digits) for v in np.ravel(value)]
    return numbers[0] if len(numbers) == 1 else ", ".join(numbers[:-1]) + " and " + numbers[-1]


def plain_figure(view: TraceView, caption: str) -> str:
    """The plain cell drawn with its numbers at the worked step."""
    return rnn_figure(view.trace, WORKED_STEP, caption=caption, ident="family-plain-cell")


@functools.cache
def context() -> dict[str, Any]:
    """Computed once per build, when the page is rendered."""
    plain = TraceView(forward(list(STANDARD_INPUTS), plain_weights()), "family-plain")
    variants = {name: variant_view(name) for name in VARIANTS}
    return {
        "variant_setting": lambda name: variant_setting(variants[name], name),
        "worked_variant": lambda name: worked(variants[name], what=VARIANT_NAMES[name]),
        "plain_cell": plain,
        "plain_figure": lambda caption: plain_figure(plain, caption),
        "worked_step": WORKED_STEP,
        "worked": worked,
    }


CLAIMS = registry()
"""The page compares no numbers in words (see claims.py)."""
