"""The known reasons two copies of a layer disagree, each as a way to undo it.

A hypothesis looks at A and B (one direction each, a `sides.Side`) and proposes
repairs: B with one mistake undone, and the `Finding` that names the mistake, with
evidence from the weights. `search` keeps a repair when it leaves fewer
`sides.mismatches` than before and accepts a chain of at most three when nothing is
left and B's trace then matches A's:

    gate-order         the gate blocks of kernel, recurrent kernel, bias (and halves)
                       in another order: 23 for an LSTM, 5 for a GRU
    reshaped           a (n*H, in) matrix read with reshape instead of .T
    transposed         a matrix's square gate blocks transposed
    bias-half-missing, bias-half-twice, bias-doubled, bias-missing, bias-rows-swapped
                       PyTorch's and ONNX's two biases (`SavedLayer.bias_halves`, or a
                       GRU's two rows) lost, counted twice, or swapped
    forget-bias        the forget block's bias differs by exactly 1 (unit_forget_bias)
    reset-after        a GRU run with the other reset_after, its bias rows adapted
    activation, recurrent-activation, go-backwards
                       a setting with other numbers (compared on -8..8), tried with A's;
                       tanh against relu names nn.RNN's nonlinearity, which a state dict
                       does not hold

How to add one: write a function `(a, b, tolerance) -> Iterator[(Finding, Side)]` that
yields B with the mistake undone (only when undoing changes something), name its
`cause` in the Finding and add it to HYPOTHESES with a group (a chain uses each group
once); then seed the mistake by hand in the test file of the module that holds it
(tests/diagnose/) and assert the cause.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from ..engine.activations import resolve
from ..engine.parametric import ParametricActivation
from .bias_mistakes import bias_halves, forget_bias, reset_after
from .findings import Finding, Repairs
from .layout_mistakes import gate_order, reshaped, transposed
from .sides import PROBE, Side, activation_values, same_function

__all__ = ["HYPOTHESES", "Finding", "describe_activation"]


KNOWN_ACTIVATIONS = {
    "x/6 + 1/2, Keras 3's hard_sigmoid": ParametricActivation(
        "hard_sigmoid", Fraction(1, 6), Fraction(1, 2)
    ),
    "0.2x + 1/2, Keras 2's hard_sigmoid and ONNX HardSigmoid's default": ParametricActivation(
        "hard_sigmoid", Fraction(1, 5), Fraction(1, 2)
    ),
}


def describe_activation(spec: Any, tolerance: float = 1e-6) -> str:
    """An activation's name, and which known function it is when it is one."""
    name = resolve(spec, argument="activation", exact=False).name
    for what, known in KNOWN_ACTIVATIONS.items():
        if same_function(spec, known, tolerance):
            return f"{name} ({what})"
    return name


def recurrent_activation(a: Side, b: Side, tolerance: float) -> Repairs:
    """The gates' activation differs from A's on -8..8: B run with A's."""
    return _activation(a, b, tolerance, "recurrent_activation")


def activation(a: Side, b: Side, tolerance: float) -> Repairs:
    """The candidate's (and an LSTM's cell output's) activation differs: B run with A's."""
    return _activation(a, b, tolerance, "activation")


def _activation(a: Side, b: Side, tolerance: float, argument: str) -> Repairs:
    mine, theirs = getattr(b, argument), getattr(a, argument)
    if same_function(mine, theirs, tolerance):
        return
    gap = np.abs(activation_values(mine) - activation_values(theirs))
    where = int(np.argmax(gap))
    summary = f"B's {argument} is {describe_activation(mine)}; A's is {describe_activation(theirs)}"
    evidence: tuple[str, ...] = (
        f"the two functions differ by up to {gap[where]:.3g} (at z = "
        f"{PROBE[where]:g}: A {activation_values(theirs)[where]:.4g}, "
        f"B {activation_values(mine)[where]:.4g})",
    )
    if {
        resolve(mine, argument="", exact=False).name,
        resolve(theirs, argument="", exact=False).name,
    } == {"linear", "tanh"}:
        evidence += ("Keras reads activation=None as linear, not as its default tanh (keras#7805)",)
    evidence += _nonlinearity_evidence(mine, theirs)
    detail = {
        "argument": argument,
        "a": describe_activation(theirs),
        "b": describe_activation(mine),
    }
    cause = argument.replace("_", "-")
    yield Finding(cause, summary, evidence, detail), b.replace(**{argument: theirs})


def _nonlinearity_evidence(mine: Any, theirs: Any) -> tuple[str, ...]:
    """Why tanh against relu is a likely mistake: PyTorch's nn.RNN does not store it."""
    names = {resolve(f, argument="", exact=False).name for f in (mine, theirs)}
    if names != {"tanh", "relu"}:
        return ()
    return ("tanh against relu: PyTorch's nn.RNN takes nonlinearity='tanh' (its default) or "
            "'relu' when it is built, and its state dict does not store it; a state dict "
            "read without --nonlinearity is assumed tanh",)  # fmt: skip


def go_backwards(a: Side, b: Side, tolerance: float) -> Repairs:
    """One reads the sequence from its last step to its first and the other does not."""
    if a.go_backwards != b.go_backwards:
        who = "B" if b.go_backwards else "A"
        summary = (
            f"{who} reads the sequence from its last step to its first "
            "(go_backwards=True, ONNX's direction='reverse'); the other from its first"
        )
        yield (
            Finding("go-backwards", summary, (), {"a": a.go_backwards, "b": b.go_backwards}),
            b.replace(go_backwards=a.go_backwards),
        )


Hypothesis = Callable[[Side, Side, float], Repairs]
HYPOTHESES: tuple[tuple[str, Hypothesis], ...] = (
    ("order", gate_order),
    ("layout", reshaped),
    ("transpose", transposed),
    ("bias", bias_halves),
    ("forget", forget_bias),
    ("reset", reset_after),
    ("recurrent_activation", recurrent_activation),
    ("activation", activation),
    ("direction", go_backwards),
)
"""(group, hypothesis) in the order a report lists them; a chain of repairs uses each
group once."""
