"""The values of "Trace your own model" (docs/trace-your-model.md).

The page trains a small Keras model in a snippet; its figures use the weights that
training gives, stored in lstm_explained.networks.trained (rounded to three decimals, so
that every machine draws the same numbers; a test trains it again and compares).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from lstm_explained import GATES, LSTMWeights, Trace, format_number, forward
from lstm_explained.explain.figures.heatmap import heatmap_figure
from lstm_explained.networks.trained import flagged_arrays

from .claims import Claim, registry


def flagged_weights() -> LSTMWeights:
    """The trained model's LSTM weights, as `lstm_explained.networks.trained` stores them."""
    return LSTMWeights(*flagged_arrays("memory"))


class FlaggedModelView:
    """The flagged-value model's gates on one sequence, as the page quotes and draws them."""

    VALUES = (1, -1, 1, -1, 1, 1, -1, 1, 1, -1)  # one sequence: the value at each step
    FLAGGED = 4  # and the step whose value the model must report

    @property
    def inputs(self) -> list[list[int]]:
        """The sequence as the model reads it: (value, flag) per step."""
        return [[v, int(t == self.FLAGGED)] for t, v in enumerate(self.VALUES, start=1)]

    def inputs_json(self) -> str:
        return "[" + ",".join(f"[{v},{f}]" for v, f in self.inputs) + "]"

    @functools.cached_property
    def trace(self) -> Trace:
        return forward(self.inputs, flagged_weights())

    def gate(self, name: str, t: int, unit: int) -> str:
        """One gate value at step t, two decimals as the heatmap prints it."""
        return f"{float(self.trace.steps[t - 1].gates[name][unit]):.2f}"

    def kernel(self, gate: str, feature: int, unit: int) -> str:
        """One input weight: from `feature` (0 value, 1 flag) into `gate` of `unit`."""
        w = self.trace.weights
        column = GATES.index(gate) * w.units + unit
        return format_number(float(w.kernel[feature, column]), 3)

    def lowest_forget_unit(self) -> int:
        """The unit whose forget gate drops furthest at the flag."""
        return int(np.argmin(self.trace.steps[self.FLAGGED - 1].gates["forget"]))

    def heatmap(self) -> str:
        notes = [f"{v:+d}".replace("-", "\u2212") + ("⚑" if t == self.FLAGGED else "")
                 for t, v in enumerate(self.VALUES, start=1)]  # fmt: skip
        caption = (
            "The trained model's gates on one sequence, step by step. Under each step "
            "number, the value it reads; ⚑ marks the flagged step."
        )
        return heatmap_figure(self.trace, units=range(self.trace.weights.units), notes=notes,
                              caption=caption, ident="flagged-heatmap")  # fmt: skip


@functools.cache
def context() -> dict[str, Any]:
    """Computed once per build, when the page is rendered (the trace when first quoted)."""
    return {"flagged": FlaggedModelView()}


# ---- claims: what the page says of the trained model's gates (see claims.py) -------------


def forget_gates_drop_at_the_flag(flagged: FlaggedModelView) -> bool:
    """Every unit's forget gate is lower at the flag than the step before; the lowest one
    falls from above one half to below it, and is above 0.9 at the next step."""
    steps, flag = flagged.trace.steps, flagged.FLAGGED
    before, at, after = (
        np.asarray(steps[t - 1].gates["forget"]) for t in range(flag - 1, flag + 2)
    )
    unit = flagged.lowest_forget_unit()
    return bool(np.all(at < before) and at[unit] < 0.5 < before[unit] and after[unit] > 0.9)


def lowest_unit_drops_furthest(flagged: FlaggedModelView) -> bool:
    """The unit whose forget gate is lowest at the flag is the one whose gate drops most."""
    steps, flag = flagged.trace.steps, flagged.FLAGGED
    drop = np.asarray(steps[flag - 2].gates["forget"]) - np.asarray(steps[flag - 1].gates["forget"])
    return int(np.argmax(drop)) == flagged.lowest_forget_unit()


def flag_shuts_forget_opens_others(flagged: FlaggedModelView) -> bool:
    """For that unit, the flag's input weight is negative into the forget gate and positive
    into the input and output gates, and at the flag the forget gate's pre-activation is
    below zero and theirs above."""
    unit, step = flagged.lowest_forget_unit(), flagged.trace.steps[flagged.FLAGGED - 1]
    w = flagged.trace.weights
    weight = {g: float(w.kernel[1, GATES.index(g) * w.units + unit]) for g in GATES}  # flag: 1
    z = {g: float(step.z[g][unit]) for g in GATES}
    weights_say_so = weight["forget"] < 0 < min(weight["input"], weight["output"])
    return weights_say_so and z["forget"] < 0 < min(z["input"], z["output"])


CLAIMS = registry(
    Claim("forget-gates-drop-at-the-flag", forget_gates_drop_at_the_flag),
    Claim("lowest-unit-drops-furthest", lowest_unit_drops_furthest),
    Claim("flag-shuts-forget-opens-others", flag_shuts_forget_opens_others),
)
"""The claims of "Trace your own model"."""
