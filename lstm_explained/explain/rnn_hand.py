"""The plain recurrent cell's hand calculation: one step of one unit, two lines.

    weighted sum: a = x×W + h_prev×U + b = ...     (every product written out)
    hidden state: h = act(a) = ...

`hand.hand_calculation` calls `unit_lines` for a trace of `RNNWeights` and hands it
its line writer, which chooses the digits each line shows so that it adds up from the
numbers on it (`working.digits_to_show`). The cell has no gates, so `RNN_SYMBOLS` names
its one block h and its pre-activation a.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..engine.trace import Step, Trace
from .working import Expr, Num, Op, Wrap

RNN_SYMBOLS = {"hidden": "h"}
"""The plain cell's one block is the new hidden state h; its pre-activation is a."""

PREACTIVATION = "a"

LineWriter = Callable[[str, Expr, Any], tuple[str, str]]
"""(label and left-hand side, expression, result) -> (the line, the result as shown)."""


def weighted_sum(one: Trace, step: Step, u: int) -> Expr:
    """x×W + h_prev×U + b for unit u: every product, then the bias (when there is one)."""
    gw = one.weights.gate("hidden")
    terms: list[Expr] = [Op("×", (Num(step.x[j]), Num(gw.kernel[j, u])))
                         for j in range(len(step.x))]  # fmt: skip
    terms += [Op("×", (Num(step.h_prev[k]), Num(gw.recurrent_kernel[k, u])))
              for k in range(len(step.h_prev))]  # fmt: skip
    if gw.bias is not None:
        terms.append(Num(gw.bias[u]))
    return Op("+", tuple(terms))


def unit_lines(
    one: Trace, step: Step, u: int, j: int, line: LineWriter, label: Callable[[str], str],
    masked: bool,
) -> list[str]:  # fmt: skip
    """Unit u's lines (its recorded values in column j): the weighted sum a, and, unless
    the step was masked (the caller adds what a masked step keeps), h = act(a)."""
    a = step.z["hidden"][j]
    lines = [line(f"{label('weighted sum')}a = x×W + h_prev×U + b = ",
                  weighted_sum(one, step, u), a)[0]]  # fmt: skip
    if masked:
        return lines
    act = one.activation
    start = f"{label('hidden state')}h = {act}(a) = "
    return [*lines, line(start, Wrap(act, Num(a, bare=True)), step.h[u])[0]]
