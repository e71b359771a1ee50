"""The values of "Why gates: the vanishing gradient, with numbers" (docs/why-gates.md).

One sequence of `STEPS` inputs goes through a plain recurrent cell and through an LSTM,
one unit each; the loss is the last output, L = h at the last step, so `backward` with
d_state_h = 1 gives dL/dh (and an LSTM's dL/dc) at every earlier step.
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

import numpy as np

from lstm_explained import LSTMWeights, RNNWeights, Trace, backward, format_number, forward
from lstm_explained.explain.figures.gradient_plot import Series, gradient_plot_figure
from lstm_explained.explain.through_time import cell_state_lines, gradient_sizes, plain_lines

from .claims import Claim, registry
from .trace_view import TraceView, hand_block

STEPS = 50
"""How long the sequence is."""

SEED = 0
"""The inputs: STEPS draws from the uniform distribution on [-1, 1], to one decimal."""

LINES = 4
"""How many steps back the hand calculations go."""


def inputs() -> list[float]:
    """The sequence both cells read."""
    return [float(v) for v in np.round(np.random.default_rng(SEED).uniform(-1, 1, STEPS), 1)]


def plain_weights() -> RNNWeights:
    """The plain cell: input weight 1, recurrent weight 1, no bias to speak of (zero).
    U = 1 is the largest recurrent weight whose factor tanh'(a)·U cannot exceed one."""
    return RNNWeights(np.array([[1.0]]), np.array([[1.0]]), np.array([0.0]))


def lstm_weights() -> LSTMWeights:
    """The LSTM: every weight 0.5; biases i -2 (let little in), f 4 (keep nearly all),
    g 0, o 2 (show most), so that c stays small and tanh(c) far from flat."""
    return LSTMWeights(np.full((1, 4), 0.5), np.full((1, 4), 0.5), np.array([-2.0, 4, 0, 2]))


class ThroughTimeView(TraceView):
    """A trace and the gradients of its last output, L = h at the last step."""

    def __init__(self, trace: Trace, name: str, digits: int = 4) -> None:
        super().__init__(trace, name, digits)
        last = np.zeros(np.shape(trace.sequence_out))
        self.gradients = backward(trace, last, d_state_h=np.ones(np.shape(trace.state_h)))

    @property
    def steps(self) -> int:
        return len(self.trace.steps)

    def grad_number(self, t: int, state: str = "h") -> float:
        """dL/d`state` at step t, unformatted, for a claim."""
        return gradient_sizes(self.gradients, state)[t - 1]

    def grad(self, t: int, state: str = "h") -> str:
        """dL/d`state` at step t, to two significant digits ("1.8e-11")."""
        return format_number(self.grad_number(t, state), 2)

    def gate_range(self, gate: str) -> tuple[float, float]:
        """The smallest and largest value `gate` takes over the sequence."""
        values = [self.number(s.t, gate) for s in self.trace.steps]
        return min(values), max(values)

    def smallest(self, gate: str) -> str:
        return format_number(self.gate_range(gate)[0], 3)

    def largest(self, gate: str) -> str:
        return format_number(self.gate_range(gate)[1], 3)

    def hand_back(self, label: str) -> str:
        """The first LINES steps back from the last, one line each (see through_time)."""
        steps = range(self.steps, self.steps - LINES, -1)
        write = plain_lines if self.trace.cell == "RNN" else cell_state_lines
        return hand_block("\n".join(write(self.trace, self.gradients, steps)), label)

    def first_inputs(self, count: int = 5) -> str:
        return ", ".join(self.value(t, "x") for t in range(1, count + 1))


def vanishing_figure(plain: ThroughTimeView, lstm: ThroughTimeView, caption: str) -> str:
    """The size of each gradient at every step, both cells, on a log scale."""
    series = [
        Series("plain cell: dL/dh", gradient_sizes(plain.gradients, "h")),
        Series("LSTM: dL/dh", gradient_sizes(lstm.gradients, "h")),
        Series("LSTM: dL/dc", gradient_sizes(lstm.gradients, "c")),
    ]
    title = f"How much of the last output's gradient reaches each of {plain.steps} steps"
    return gradient_plot_figure(series, caption=caption, ident="why-gates-plot", title=title,
                                y_label="size of the gradient (log scale)")  # fmt: skip


@functools.cache
def context() -> dict[str, Any]:
    """Computed once per build, when the page is rendered."""
    sequence = inputs()
    plain = ThroughTimeView(forward(sequence, plain_weights()), "why-plain")
    lstm = ThroughTimeView(forward(sequence, lstm_weights()), "why-lstm")
    return {
        "plain": plain,
        "lstm": lstm,
        "vanishing_figure": lambda caption: vanishing_figure(plain, lstm, caption),
    }


# ---- claims: what the page says of the gradients above (see claims.py) -------------------


def plain_factors_below_one(plain: ThroughTimeView) -> bool:
    """Every step's recurrent factor tanh'(a)·U = (1 - h²)·U of the plain cell is below
    one, and the gradient on h shrinks at every step going back."""
    u = float(np.ravel(plain.trace.weights.recurrent_kernel)[0])
    factors = [(1 - plain.number(s.t, "h") ** 2) * abs(u) for s in plain.trace.steps]
    sizes = [abs(plain.grad_number(t)) for t in range(1, plain.steps + 1)]
    return max(factors) < 1 and all(a < b for a, b in itertools.pairwise(sizes))


def plain_vanishes(plain: ThroughTimeView) -> bool:
    """At step 1 the plain cell's gradient is below a billionth of the last step's."""
    return abs(plain.grad_number(1)) < 1e-9 * abs(plain.grad_number(plain.steps))


def forget_near_one(lstm: ThroughTimeView) -> bool:
    """The LSTM's forget gate stays between 0.95 and 1 at every step."""
    low, high = lstm.gate_range("forget")
    return 0.95 < low <= high < 1


def lstm_keeps_its_gradient(plain: ThroughTimeView, lstm: ThroughTimeView) -> bool:
    """The LSTM's dL/dc never falls below a tenth of its value at the last step, and its
    dL/dh at step 1 is more than a million times the plain cell's."""
    dc = [abs(lstm.grad_number(t, "c")) for t in range(1, lstm.steps + 1)]
    return min(dc) > dc[-1] / 10 and abs(lstm.grad_number(1)) > 1e6 * abs(plain.grad_number(1))


CLAIMS = registry(
    Claim("plain-factors-below-one", plain_factors_below_one),
    Claim("plain-vanishes", plain_vanishes),
    Claim("forget-near-one", forget_near_one),
    Claim("lstm-keeps-its-gradient", lstm_keeps_its_gradient),
)
"""The claims of the why-gates page (see claims.py)."""
