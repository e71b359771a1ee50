"""Lines of working that add up from the digits they show: the site's one rule.

A line such as "c = f×c_prev + i×g = 0.0801×0.272 + 0.963×(-0.945) = -0.889" is an
expression of recorded values (`Num`, `Sym`, `Op`, `Wrap`, `Noted`) and a recorded
result. It *adds up* when its result, written at the digits it shows, is the rounding
of what its numbers give as written, computed exactly (an activation other than linear,
relu and hard_sigmoid in float64); a value exactly halfway between two roundings has no
rounding, so it never adds up. Here the numbers give -0.8882478, so the line does not
add up at 3 digits although every number in it is a correct rounding. `redo` does what
the reader does, and `choose_digits` finds the fewest digits with which the line adds
up: first its operands get more digits, then its result too (`digits_to_show`). Every
hand calculation, figure and the stepper's script (docs/javascripts/lstm-stepper-cells.js,
which mirrors this module) write their lines with it. `wrap_working` breaks a long line
before its " + " and " = ". Writing the expression as text is the hand calculation's
job (`hand.py`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..engine.activations import keeps_rationals, resolve
from ..errors import LSTMInputError


@dataclass(frozen=True)
class Num:
    """A recorded number; `bare` ones (an activation's argument) take no brackets."""

    value: Any
    bare: bool = False


@dataclass(frozen=True)
class Sym:
    """A letter for a number an earlier line showed ("r" in a GRU's a_n), and that text."""

    name: str
    shown: str


@dataclass(frozen=True)
class Op:
    """Parts joined by "+" or "×"."""

    op: str
    parts: tuple[Expr, ...]


@dataclass(frozen=True)
class Noted:
    """`inner` followed by a note in brackets, "663 (from step 3)": read past when redone."""

    inner: Expr
    note: str


@dataclass(frozen=True)
class Wrap:
    """`inner` in brackets: "(...)" (head ""), "(1-...)" (head "1-") or an activation
    "tanh(...)" (head its name)."""

    head: str
    inner: Expr


Expr = Num | Sym | Op | Wrap | Noted
Shown = Callable[[Any, int], Fraction]  # the exact value of a number as written at d digits


def redo(expr: Expr, shown: Shown, digits: int) -> Fraction:
    """The expression's value from its numbers as written at `digits`, exactly (an
    activation other than linear, relu and hard_sigmoid in float64). ValueError when a
    number or an activation cannot be redone (inf, or an activation known only by name)."""
    if isinstance(expr, Num):
        return shown(expr.value, digits)
    if isinstance(expr, Sym):
        return Fraction(expr.shown)
    if isinstance(expr, Noted):
        return redo(expr.inner, shown, digits)
    if isinstance(expr, Op):
        values = [redo(part, shown, digits) for part in expr.parts]
        return sum(values, Fraction(0)) if expr.op == "+" else math.prod(values, start=Fraction(1))
    inner = redo(expr.inner, shown, digits)
    if expr.head == "":
        return inner
    if expr.head == "1-":
        return 1 - inner
    return _activation(expr.head, inner)


PARAMETRIC = re.compile(r"hard_sigmoid\[alpha=(-?\d+(?:/\d+)?), beta=(-?\d+(?:/\d+)?)\]")


def _activation(name: str, v: Fraction) -> Fraction:
    hard = PARAMETRIC.fullmatch(name)  # ONNX's, with exact parameters: min(max(a·v + b, 0), 1)
    if hard:
        return min(max(Fraction(hard[1]) * v + Fraction(hard[2]), Fraction(0)), Fraction(1))
    try:
        if keeps_rationals(name):  # linear, relu, hard_sigmoid: exactly
            fn = resolve(name, argument="activation", exact=True).fn
            return Fraction(fn(np.array([v], dtype=object))[0])
        fn = resolve(name, argument="activation", exact=False).fn
        return Fraction(float(fn(np.array([float(v)]))[0]))
    except LSTMInputError:
        raise ValueError(f"cannot redo the activation {name!r}") from None


def rounding(value: Fraction, digits: int) -> Fraction | None:
    """`value` rounded to `digits` significant digits, or None when it lies exactly
    halfway between two roundings (then no rounding is *the* rounding)."""
    if value == 0:
        return Fraction(0)
    size = abs(value)
    e = math.floor(math.log10(size))
    while Fraction(10) ** e > size:  # the float estimate can be one off
        e -= 1
    while Fraction(10) ** (e + 1) <= size:
        e += 1
    unit = Fraction(10) ** (e - digits + 1)
    scaled = value / unit
    if scaled - math.floor(scaled) == Fraction(1, 2):
        return None
    return round(scaled) * unit


SPREAD = 3  # a line's operands show at most this many digits more than its result


def digits_to_show(
    expr: Expr, result: Any, shown: Shown, digits: int, most: int
) -> tuple[int, int] | None:
    """(operand digits, result digits), each from `digits` to `most`, at which the
    recorded `result` written at its digits is the rounding of what the operands give as
    written: the result's fewest first and, for each, the operands' fewest, at most
    `SPREAD` more than the result's (rather than many more, the result shows one more:
    "hard_sigmoid(-0.9783) = 0.33695", not "hard_sigmoid(-0.9782999999999997) = 0.337");
    None if no pair does (the recorded result is not the exact arithmetic of its
    operands, as float32's rounding can make it). ValueError when the line cannot be
    redone (inf or NaN, an activation known only by name)."""
    for d_result in range(digits, most + 1):
        target = shown(result, d_result)
        for d_operands in range(d_result, min(d_result + SPREAD, most) + 1):
            if rounding(redo(expr, shown, d_operands), d_result) == target:
                return d_operands, d_result
    return None


@dataclass(frozen=True)
class Digits:
    """How a line is written: its operands' and its result's significant digits, and
    whether it adds up at them (None: it cannot be redone, so nobody knows)."""

    operands: int
    result: int
    adds_up: bool | None

    @property
    def equals(self) -> str:
        """The sign before the result: "≈" for a line that cannot add up, else "="."""
        return "≈" if self.adds_up is False else "="


def choose_digits(expr: Expr, result: Any, shown: Shown, digits: int, most: int) -> Digits:
    """The digits to write a line with: the fewest from `digits` with which it adds up
    (`digits_to_show`). A line that adds up at no digits up to `most` (float32 rounded
    its result otherwise than exact arithmetic would) shows its operands at `most` and
    its result at `digits`; one that cannot be redone (inf, an activation known only by
    name) is written at `digits`."""
    try:
        found = digits_to_show(expr, result, shown, digits, most)
    except ValueError:
        return Digits(digits, digits, None)
    if found is None:
        return Digits(most, digits, False)
    return Digits(*found, True)


GLUED = ("+", "=", "≈")  # kept with the word after them, so a continuation starts "+ ..."


def wrap_working(line: str, width: int) -> list[str]:
    """A line of working in lines of at most `width` characters where it can be: broken
    between terms (and between vectors rather than inside one), each continuation
    indented to where the first " = " ends."""
    if len(line) <= width:
        return [line]
    equals = line.find(" = ")
    indent = equals + 3 if 0 <= equals < width // 2 else 8
    head, words = line[:indent], line[indent:].split(" ")
    glued: list[str] = []
    for word in words:
        if glued and glued[-1] in GLUED:
            glued[-1] += " " + word
        else:
            glued.append(word)
    for k in range(len(glued) - 1, 0, -1):  # "= value" stays with the word before it
        if glued[k].startswith(("= ", "≈ ")):
            glued[k - 1] += " " + glued.pop(k)
    whole: list[str] = []  # the same with each "[...]" in one piece
    for word in glued:
        if whole and whole[-1].count("[") > whole[-1].count("]"):
            whole[-1] += " " + word
        else:
            whole.append(word)
    lines = _fill(head, whole, indent, width)
    return lines if all(len(part) <= width for part in lines) else _fill(head, glued, indent, width)


def _fill(head: str, words: list[str], indent: int, width: int) -> list[str]:
    lines, current = [], head + words[0]
    for word in words[1:]:
        if len(current) + 1 + len(word) > width:
            lines.append(current)
            current = " " * indent + word
        else:
            current += " " + word
    return [*lines, current]
