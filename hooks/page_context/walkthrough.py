"""The walkthrough's values: the cell, the toy network, Keras, steps 1 to 3, after the
sequence, pitfalls and the second example (see `PAGES` in hooks/page_values.py)."""

from __future__ import annotations

import functools
import itertools
import math
import sys
from typing import Any

import numpy as np

from lstm_explained.explain.figures import cell_figure
from lstm_explained.networks.examples import toy_trace, toy_variant_trace

from .claims import Claim, all_equal, registry
from .trace_view import TraceView


def symbolic_figure(caption: str = "") -> str:
    """The cell with symbols in place of numbers."""
    return cell_figure(caption=caption, ident="cell-symbols")


@functools.cache
def context() -> dict[str, Any]:
    """Computed once per build, when the first page of the group is rendered."""
    return {
        "toy_f32": TraceView(toy_trace(4, exact=False, dtype="float32"), "toy-f32"),
        # the exercises' "what if?" networks
        "in_two": TraceView(toy_variant_trace((2,)), "in-two"),
        "no_forget": TraceView(toy_variant_trace(gate_weights={"forget": 0}), "no-forget"),
        "no_recurrence": TraceView(toy_variant_trace(recurrent=0), "no-recurrence"),
        "no_output": TraceView(toy_variant_trace(gate_weights={"output": 0}), "no-output"),
        "last_zero": TraceView(toy_variant_trace((1, 1, 0)), "last-zero"),
        "symbolic_figure": symbolic_figure,
    }


# ---- claims: what the walkthrough's pages say of the values they quote (see claims.py) ---

LSTM_PARTS = ("input", "forget", "candidate", "output")
FLOAT32_INTEGERS = 2**24  # every integer up to this is a float32, and not every one above
FLOAT64_INTEGERS = 2**53


def each(view: TraceView, name: str) -> list[float]:
    """`name` at every step of a trace, one unit's."""
    return [view.number(s.t, name) for s in view.trace.steps]


def forget_bias_opens(std: TraceView) -> bool:
    """The second example's forget bias is positive and its forget gate above one half at
    every step: mostly open."""
    return float(std.weight("forget", "bias")) > 0 and all(f > 0.5 for f in each(std, "forget"))


def toy_z_is_h_plus_one(toy: TraceView) -> bool:
    """In the toy network every pre-activation is the previous h plus one at every step."""
    return all(
        toy.number(s.t, f"z_{part}") == toy.number(s.t, "h_prev") + 1
        for s in toy.trace.steps
        for part in LSTM_PARTS
    )


def toy_h_cubes(toy6: TraceView) -> bool:
    """From step 3 on, log c_t / log h_(t-1) lies between 1.5 and 2.5 (c about the square of
    the previous h) and log h_t / log h_(t-1) between 2.5 and 3.5 (h about its cube); from
    step 4 on, h has 2.5 to 3.5 times as many digits as the step before."""
    steps = toy6.trace.steps
    for before, now in itertools.pairwise(steps[1:]):
        log_h = math.log(before.h[0])
        if not (1.5 < math.log(now.c[0]) / log_h < 2.5 and 2.5 < math.log(now.h[0]) / log_h < 3.5):
            return False
        more_digits = toy6.digits_of(now.t) / toy6.digits_of(before.t)
        if now.t >= 4 and not 2.5 < more_digits < 3.5:
            return False
    return len(steps) >= 6


def toy_grows_faster_at_step_2(toy: TraceView) -> bool:
    """c and h grow more at step 2 than at step 1, and every gate of step 2 is above one."""
    c0, c1, c2 = (toy.number(1, "c_prev"), toy.number(1, "c"), toy.number(2, "c"))
    h0, h1, h2 = (toy.number(1, "h_prev"), toy.number(1, "h"), toy.number(2, "h"))
    gates = [toy.number(2, part) for part in LSTM_PARTS]
    return c2 - c1 > c1 - c0 and h2 - h1 > h1 - h0 and all(g > 1 for g in gates)


def toy_h_dominates_at_step_3(toy: TraceView) -> bool:
    """At step 3, h_prev·U is at least ten times x·W in every block of the toy network."""
    x, h_prev = toy.number(3, "x"), toy.number(3, "h_prev")
    blocks = [toy.trace.weights.gate(part) for part in LSTM_PARTS]
    recurrent = [abs(h_prev * float(b.recurrent_kernel.ravel()[0])) for b in blocks]
    from_input = [abs(x * float(b.kernel.ravel()[0])) for b in blocks]
    return all(r >= 10 * i for r, i in zip(recurrent, from_input, strict=True))


def no_forget_same_c1(toy: TraceView, no_forget: TraceView) -> bool:
    """With the forget gate shut, f_1 = 0, but c_0 = 0, so c_1 is the toy network's."""
    return (
        no_forget.number(1, "forget") == 0
        and no_forget.number(1, "c_prev") == 0
        and no_forget.number(1, "c") == toy.number(1, "c")
    )


def no_forget_step_2(toy: TraceView, no_forget: TraceView) -> bool:
    """With the forget gate shut, f_2 = 0 and the other gates of step 2 are the toy's."""
    others = ("input", "candidate", "output")
    return no_forget.number(2, "forget") == 0 and all(
        no_forget.number(2, g) == toy.number(2, g) for g in others
    )


def no_recurrence_step_2(no_recurrence: TraceView) -> bool:
    """Without recurrent weights every pre-activation of step 2 is x_2, and c_1 is not zero."""
    x2 = no_recurrence.number(2, "x")
    return no_recurrence.number(2, "c_prev") != 0 and all(
        no_recurrence.number(2, f"z_{part}") == x2 for part in LSTM_PARTS
    )


def ufb_forget_one_more(toy: TraceView, ufb: TraceView) -> bool:
    """With unit_forget_bias, z_f is one more than the other pre-activations (all equal) at
    every step, and f is larger than the toy network's at every step."""
    for s in ufb.trace.steps:
        others = [ufb.number(s.t, f"z_{p}") for p in ("input", "candidate", "output")]
        if not (all_equal(others) and ufb.number(s.t, "z_forget") == others[0] + 1):
            return False
    return all(f > f_toy for f, f_toy in zip(each(ufb, "forget"), each(toy, "forget"), strict=True))


def ufb_step_2(toy: TraceView, ufb: TraceView) -> bool:
    """With unit_forget_bias, step 1 ends with the toy's c_1 and step 2's other
    pre-activations are the toy's (the forget gate's one more)."""
    others = ("input", "candidate", "output")
    return (
        ufb.number(1, "c") == toy.number(1, "c")
        and all(ufb.number(2, f"z_{p}") == toy.number(2, f"z_{p}") for p in others)
        and ufb.number(2, "z_forget") == toy.number(2, "z_forget") + 1
    )


def no_output_silent(no_output: TraceView) -> bool:
    """With the output gate shut, o and h are zero at every step, the other pre-activations
    are the input, and c grows by one a step."""
    c = [no_output.number(1, "c_prev"), *each(no_output, "c")]
    return (
        all(v == 0 for v in each(no_output, "output") + each(no_output, "h"))
        and all(
            no_output.number(s.t, f"z_{p}") == no_output.number(s.t, "x")
            for s in no_output.trace.steps
            for p in ("input", "forget", "candidate")
        )
        and all(b - a == 1 for a, b in itertools.pairwise(c))
    )


def last_zero_differs_at_step_3(toy: TraceView, last_zero: TraceView) -> bool:
    """With a last input of zero, steps 1 and 2 are the toy's and step 3's pre-activations
    are one less."""
    same = all(last_zero.number(t, n) == toy.number(t, n) for t in (1, 2) for n in ("h", "c"))
    z = [last_zero.number(3, f"z_{p}") - toy.number(3, f"z_{p}") for p in LSTM_PARTS]
    return same and all(d == -1 for d in z)


def float32_rounds_h_at_step_4(toy6: TraceView, toy_f32: TraceView) -> bool:
    """At step 4, h passes 2**24 (h_3 below it) and float32 gives the nearest float32 to the
    exact h, off by less than a millionth; c_4 is below 2**24 and float32's is exact, and c_5
    is above."""
    steps = toy6.trace.steps
    h3, h4, c4, c5 = steps[2].h[0], steps[3].h[0], steps[3].c[0], steps[4].c[0]
    f32_h4, f32_c4 = toy_f32.trace.steps[3].h[0], toy_f32.trace.steps[3].c[0]
    return bool(
        h3 < FLOAT32_INTEGERS < h4
        and c4 < FLOAT32_INTEGERS < c5
        and f32_c4 == c4
        and f32_h4 == float(np.float32(h4)) != h4
        and abs(f32_h4 - h4) < 1e-6 * h4
    )


def float64_rounds_then_overflows(toy6: TraceView) -> bool:
    """Exactly, every number of step 4 is below 2**53 and h_5 above it and no float64, and
    continued from step 6, step 7 stays below the largest float64 and step 8's h passes it."""
    steps = toy6.trace.steps
    more = toy_trace(2, initial_state=(steps[-1].h, steps[-1].c)).steps  # steps 7 and 8
    largest = sys.float_info.max
    return bool(
        max(steps[3].h[0], steps[3].c[0]) < FLOAT64_INTEGERS < steps[4].h[0]
        and float(steps[4].h[0]) != steps[4].h[0]
        and max(more[0].h[0], more[0].c[0]) < largest < more[1].h[0]
    )


def std_gates_are_fractions(std: TraceView) -> bool:
    """The second example's gates i, f, o lie between zero and one at every step."""
    return all(0 < v < 1 for g in ("input", "forget", "output") for v in each(std, g))


def std_h1_below_c1(std: TraceView) -> bool:
    """The second example's output gate is a fraction and h_1 is below c_1."""
    return 0 < std.number(1, "output") < 1 and std.number(1, "h") < std.number(1, "c")


def std_falls_at_step_3(std: TraceView) -> bool:
    """At step 3 of the second example x and g are negative, so i·g takes from the memory,
    and c falls."""
    added = std.number(3, "input") * std.number(3, "candidate")
    return (
        std.number(3, "x") < 0
        and std.number(3, "candidate") < 0
        and added < 0
        and std.number(3, "c") < std.number(2, "c")
    )


def std_stays_small(std: TraceView) -> bool:
    """In the second example i·g is below one in size at every step, and so is h."""
    added = [i * g for i, g in zip(each(std, "input"), each(std, "candidate"), strict=True)]
    return all(abs(a) < 1 for a in added) and all(abs(h) < 1 for h in each(std, "h"))


CLAIMS = registry(
    Claim("forget-bias-opens", forget_bias_opens),
    Claim("toy-z-is-h-plus-one", toy_z_is_h_plus_one),
    Claim("toy-h-cubes", toy_h_cubes),
    Claim("toy-grows-faster-at-step-2", toy_grows_faster_at_step_2),
    Claim("toy-h-dominates-at-step-3", toy_h_dominates_at_step_3),
    Claim("no-forget-same-c1", no_forget_same_c1),
    Claim("no-forget-step-2", no_forget_step_2),
    Claim("no-recurrence-step-2", no_recurrence_step_2),
    Claim("ufb-forget-one-more", ufb_forget_one_more),
    Claim("ufb-step-2", ufb_step_2),
    Claim("no-output-silent", no_output_silent),
    Claim("last-zero-differs-at-step-3", last_zero_differs_at_step_3),
    Claim("float32-rounds-h-at-step-4", float32_rounds_h_at_step_4),
    Claim("float64-rounds-then-overflows", float64_rounds_then_overflows),
    Claim("std-gates-are-fractions", std_gates_are_fractions),
    Claim("std-h1-below-c1", std_h1_below_c1),
    Claim("std-falls-at-step-3", std_falls_at_step_3),
    Claim("std-stays-small", std_stays_small),
)
"""The claims of the walkthrough's pages."""
