"""The values of "The recurrent family" (docs/recurrent-family.md): a worked step of each
cell on the second example's inputs.

The LSTM and the GRU are the site's second example and GRU example (`std` and `gru`,
shared values); the plain cell here is the LSTM's candidate block alone, the same
weights with h = tanh(a) and nothing else, so the three read alike.
"""

from __future__ import annotations

import functools
from typing import Any

from lstm_explained import RNNWeights, forward, hand_calculation
from lstm_explained.explain.figures.rnn_cell import rnn_figure
from lstm_explained.networks.examples import STANDARD_INPUTS, standard_weights

from .claims import registry
from .trace_view import TraceView, hand_block

WORKED_STEP = 2
"""The step each cell is worked at: the first whose h_prev is not zero."""


def plain_weights() -> RNNWeights:
    """The second example's candidate block as a plain cell: its input weight, recurrent
    weight and bias."""
    g = standard_weights().gate("candidate")
    return RNNWeights(g.kernel, g.recurrent_kernel, g.bias)


def worked(view: TraceView, t: int = WORKED_STEP) -> str:
    """Step t of a view's trace by hand, every line adding up from the digits it shows."""
    text = hand_calculation(view.trace, t, digits=view.digits)
    return hand_block(text, f"Hand calculation of time step {t}, {view.trace.cell}")


def plain_figure(view: TraceView, caption: str) -> str:
    """The plain cell drawn with its numbers at the worked step."""
    return rnn_figure(view.trace, WORKED_STEP, caption=caption, ident="family-plain-cell")


@functools.cache
def context() -> dict[str, Any]:
    """Computed once per build, when the page is rendered."""
    plain = TraceView(forward(list(STANDARD_INPUTS), plain_weights()), "family-plain")
    return {
        "plain_cell": plain,
        "plain_figure": lambda caption: plain_figure(plain, caption),
        "worked_step": WORKED_STEP,
        "worked": worked,
    }


CLAIMS = registry()
"""The page compares no numbers in words (see claims.py)."""
