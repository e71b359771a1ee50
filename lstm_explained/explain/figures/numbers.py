"""The numbers a figure shows: each as the hand calculation writes it.

A figure writes out some of a step's lines of working (a gate's pre-activation, the
unrolled cell's c and h, the gradients backwards) and labels the values they compute.
It takes both from the hand calculation's lines (`hand.unit_working`,
`backward_working`), so each line shows the digits it needs to add up from the numbers
on it, and the figure and the hand calculation beside it show the same numbers. Long
integers are shortened ("≈3.569e+10") so that a box keeps its width.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ..hand import Written, format_number, written
from ..working import Expr, Noted, Num, Op, Sym, Wrap

LONG = 10  # integers with more digits are shortened in a figure ("≈3.569e+10")


def short(text: str) -> str:
    """A long integer shortened for a figure, "≈3.569e+10"; anything else unchanged."""
    digits = text.lstrip("-")
    if len(digits) <= LONG or not digits.isdigit():
        return text
    exponent = len(digits) - 1
    mantissa = round(int(digits[:5]) / 10_000, 3)
    if mantissa >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    sign = "-" if text.startswith("-") else ""
    return f"≈{sign}{mantissa:g}e+{exponent:02d}"


def number(value: Any, digits: int) -> str:
    """A value as a figure shows it: long integers and fractions shortened ("≈...")."""
    return shortened(format_number(value, digits))


def shortened(text: str) -> str:
    """A number's text as a figure shows it: a long integer ("≈3.569e+10") or fraction
    (its value to four digits) shortened; anything else unchanged."""
    if "/" in text and len(text.lstrip("-")) > LONG:
        return "≈" + format_number(float(Fraction(text)), 4)
    return short(text)


def factor(text: str) -> str:
    """A number written as a factor: negatives and fractions in brackets."""
    return f"({text})" if text.lstrip("≈").startswith("-") or "/" in text else text


def vector(values: Any, digits: int) -> str:
    items = [number(v, digits) for v in values.ravel()]
    return items[0] if len(items) == 1 else "[" + ", ".join(items) + "]"


def result(line: Written) -> str:
    """A line's result as the figure shows it: the hand calculation's, shortened."""
    return shortened(line.result)


def operands(line: Written) -> list[str]:
    """The numbers a line's arithmetic shows, in order, each as a figure writes a factor
    at the line's digits (a letter, a GRU's r, as its name)."""
    return [_leaf(leaf, line.digits.operands) for leaf in _leaves(line.expr)]


def _leaves(expr: Expr) -> list[Num | Sym]:
    if isinstance(expr, (Num, Sym)):
        return [expr]
    if isinstance(expr, (Wrap, Noted)):
        return _leaves(expr.inner)
    assert isinstance(expr, Op)
    return [leaf for part in expr.parts for leaf in _leaves(part)]


def _leaf(leaf: Num | Sym, digits: int) -> str:
    if isinstance(leaf, Sym):
        return leaf.name
    text = shortened(written(leaf.value, digits))
    return text if leaf.bare else factor(text)
