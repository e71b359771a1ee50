"""A view of backpropagation: what a page may quote from the gradients of one trace.

It takes a trace and the steps whose outputs the loss sums, and formats the gradients,
their hand calculation and figure; it names no network.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from lstm_explained import GATES, Trace, backward, format_number, hand_backward, sum_of_outputs
from lstm_explained.explain.figures import backward_figure

from .trace_view import hand_block


class BackwardView:
    """What a page may quote from backpropagation through one trace, for a stated loss:
    the sum of the outputs at the steps in `outputs` (by default, every step)."""

    def __init__(
        self, trace: Trace, name: str, digits: int = 4, outputs: tuple[int, ...] | None = None
    ) -> None:
        self.trace = trace
        self.name = name
        self.digits = digits
        steps = range(1, len(trace.steps) + 1)
        self.outputs = tuple(steps) if outputs is None else outputs
        d_out = sum_of_outputs(trace).d_sequence_out.copy()  # (time, units): ones
        for t in steps:
            if t not in self.outputs:
                d_out[t - 1] = d_out[t - 1] * 0  # this output is not in the loss
        self._loss_value = sum(trace.steps[t - 1].h.ravel()[0] for t in self.outputs)
        self.gradients = backward(trace, d_out)

    def _fmt(self, value: Any) -> str:
        return format_number(value, self.digits)

    def loss(self) -> str:
        """The loss value: the sum of the chosen outputs."""
        return self._fmt(self._loss_value)

    def weight_change(self, gate: str, which: str = "kernel", rate: str = "1/100000") -> str:
        """How much one SGD step with learning rate `rate` lowers a gate's weight."""
        grads = getattr(self.gradients, which)
        k = GATES.index(gate)
        gradient = grads[k] if which == "bias" else grads[0, k]
        return format_number(float(Fraction(rate) * gradient), 6)

    def value(self, t: int, name: str) -> str:
        """dh, dc, d_output, dh_later, dc_later, dh_prev, dc_prev, or a gate's gradient."""
        grad = self.gradients.steps[t - 1]
        arr = grad.gates[name] if name in GATES else getattr(grad, name)
        return self._fmt(arr.ravel()[0])

    def number(self, t: int, name: str) -> float:
        """The number `value` shows, unformatted, for a claim to compare (see claims.py)."""
        grad = self.gradients.steps[t - 1]
        arr = grad.gates[name] if name in GATES else getattr(grad, name)
        return float(arr.ravel()[0])

    def hand(self, t: int) -> str:
        text = hand_backward(self.trace, self.gradients, t, digits=self.digits)
        return hand_block(text, f"Backpropagation by hand at time step {t}")

    def figure(self, t: int, caption: str = "") -> str:
        return backward_figure(self.trace, self.gradients, t, caption=caption,
                               ident=f"backward-{self.name}-{t}", digits=self.digits)  # fmt: skip

    def gradient(self, gate: str, which: str = "kernel") -> str:
        """dL/d(weight) of one gate: which is kernel, recurrent_kernel or bias."""
        grads = getattr(self.gradients, which)
        k = GATES.index(gate)
        return self._fmt(grads[k] if which == "bias" else grads[0, k])

    def table(self) -> str:
        """Each gate's weight gradients (one input, one unit)."""
        g = self.gradients
        rows = ["| gate | dL/dW | dL/dU | dL/db |", "| --- | --: | --: | --: |"]
        for k, gate in enumerate(GATES):
            bias = "" if g.bias is None else self._fmt(g.bias[k])
            cells = (self._fmt(g.kernel[0, k]), self._fmt(g.recurrent_kernel[0, k]), bias)
            rows.append(f"| {gate} | " + " | ".join(cells) + " |")
        return "\n".join(rows)
