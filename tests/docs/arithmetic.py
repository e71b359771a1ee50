"""Redo a hand calculation's arithmetic from the numbers it shows, as a reader would.

`lines_that_do_not_add_up(text)` reads each line of working ("a_f = 1×0.5 + 11×1 + 0 =
11.5", "f = linear(11.5) = 11.5", "c = f×c_prev + i×g = 11.5×5.5 + 12×12 = 207.25",
"h = o×linear(c) = 12×linear(207.25) = 2487"), computes the right-hand side from the
numbers shown, and returns the lines whose stated result does not follow.

GRU working too: "a_n = 0.5×1 + 0 + r×(0.5382×1 + 0.5) = 1.014" reads r from the
reset gate's line above it, and "h = z×h_prev + (1-z)×n = ..." subtracts. ONNX's
hard_sigmoid with parameters, "hard_sigmoid[alpha=1/4, beta=1/2](3/4)", is min(max(
alpha·x + beta, 0), 1).

A number is exact if it is whole or a fraction, if it is an input or a weight (in a
line of a pre-activation, z_... or a_..., everything but h_prev and the gate values
shown above it), or if an earlier line (or, for h_prev and c_prev, the step before)
gave it as an exact result; any other decimal is rounded, to the significant digits of
the block (the most any of its decimals has).
From exact numbers a line's result must be exact too when it has a short decimal form
(207.25 may not be shown as 207.2), or else be its rounding; from rounded numbers it
must be the rounding of some value they allow. Independent of the engine: its own
parser and activations.
"""

from __future__ import annotations

import contextlib
import math
import re
import sys
from collections.abc import Iterator
from fractions import Fraction

Interval = tuple[Fraction, Fraction]
NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e[+-]?\d+)?")
PARAMETRIC = r"hard_sigmoid\[alpha=-?\d+(?:/\d+)?, beta=-?\d+(?:/\d+)?\]"
TOKEN = re.compile(
    r"\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?|" + PARAMETRIC + r"(?=\()|[a-z_]+(?=\()|[()×+\-/])"
)
FUNCTIONS = ("linear", "relu", "sigmoid", "tanh", "hard_sigmoid")
CALL = re.compile(r"(?:{}|{})\(".format(PARAMETRIC, "|".join(FUNCTIONS)))
SHOWN = re.compile(r"^\s*(?:[a-z ]+:)?\s*([a-z])\s*=.* = (\S+)$")  # "r = sigmoid(..) = 0.4952"


def significant(text: str) -> int:
    mantissa = text.lower().split("e")[0]
    return len(mantissa.replace("-", "").replace(".", "").lstrip("0")) or 1


def _half_ulp(value: Fraction, digits: int) -> Fraction:
    if value == 0:
        return Fraction(0)
    return Fraction(10) ** (math.floor(math.log10(abs(value))) - digits + 1) / 2


def _apply(name: str, a: Interval) -> Interval:
    def one(v: Fraction) -> Fraction:
        if name.startswith("hard_sigmoid["):  # hard_sigmoid[alpha=a, beta=b]
            alpha, beta = (Fraction(p.split("=")[1]) for p in name[13:-1].split(", "))
            return min(max(alpha * v + beta, Fraction(0)), Fraction(1))
        if name == "linear":
            return v
        if name == "relu":
            return max(v, Fraction(0))
        if name == "hard_sigmoid":
            return min(max(v / 6 + Fraction(1, 2), Fraction(0)), Fraction(1))
        if name == "sigmoid":
            return Fraction(1 / (1 + math.exp(-float(v))))
        return Fraction(math.tanh(float(v)))

    return one(a[0]), one(a[1])  # all of them are monotone


class _Parser:
    """sum := product (('+' | '-') product)*; product := factor (('×' | '/') factor)*;
    factor := '-' factor | number | '(' sum ')' | function '(' sum ')'."""

    def __init__(self, expression: str, digits: int, exact: set[str]) -> None:
        self.tokens = TOKEN.findall(expression)
        assert "".join(self.tokens).replace(" ", "") == expression.replace(" ", ""), expression
        self.digits = digits
        self.exact = exact
        self.k = 0

    def peek(self) -> str | None:
        return self.tokens[self.k] if self.k < len(self.tokens) else None

    def take(self) -> str:
        self.k += 1
        return self.tokens[self.k - 1]

    def sum(self) -> Interval:
        lo, hi = self.product()
        while self.peek() in ("+", "-"):
            op = self.take()
            a, b = self.product()
            lo, hi = (lo + a, hi + b) if op == "+" else (lo - b, hi - a)
        return lo, hi

    def product(self) -> Interval:
        value = self.factor()
        while self.peek() in ("×", "/"):
            op, other = self.take(), self.factor()
            if op == "/":
                assert other[0] == other[1] != 0
                other = (1 / other[0], 1 / other[0])
            ends = [x * y for x in value for y in other]
            value = (min(ends), max(ends))
        return value

    def factor(self) -> Interval:
        token = self.take()
        if token == "-":
            lo, hi = self.factor()
            return -hi, -lo
        if token == "(":
            value = self.sum()
            assert self.take() == ")"
            return value
        if token in FUNCTIONS or token.startswith("hard_sigmoid["):
            assert self.take() == "("
            value = self.sum()
            assert self.take() == ")"
            return _apply(token, value)
        value = Fraction(token)
        if "." not in token or token in self.exact:
            return value, value
        half = _half_ulp(value, self.digits)
        return value - half, value + half


def block_digits(text: str) -> int:
    """The significant digits a block of working rounds to: the most any decimal has."""
    decimals = [n for n in NUMBER.findall(text) if "." in n]
    return max((significant(n) for n in decimals), default=0)


def check(
    line: str,
    digits: int,
    exact: set[str],
    rounded: frozenset[str] = frozenset(),
    symbols: dict[str, str] | None = None,
) -> bool | None:
    """True or False for a line of working; None for a line without arithmetic.

    `exact` holds the texts of numbers known to be exact; an exact result is added.
    In a pre-activation's line the numbers in `rounded` (h_prev, gate values) are not
    weights; `symbols` gives the values of letters shown earlier ("r" in a_n's line).
    """
    body = line.split(":", 1)[1] if re.match(r"^[a-z ]+:", line) else line
    parts = [p.strip() for p in body.split(" = ")]
    if len(parts) < 3:
        return None
    expression, result = parts[-2], parts[-1]
    local = set(exact)
    if parts[0].startswith(("z_", "a_")):  # x×W + h_prev×U + b: inputs, weights are exact
        terms = [t.strip().strip("()") for t in re.split(r" \+ |×", re.sub(CALL, "", expression))]
        local |= {t for t in terms if t not in rounded and not re.search("[a-z]", t)}
    for letter, number in (symbols or {}).items():  # "r×(" -> "0.4952×("
        expression = re.sub(rf"(?<![a-z_]){letter}(?=×)", f"({number})", expression)
    if re.search(r"[a-z]", re.sub(CALL, "", expression)):
        return None  # symbols, not numbers
    lo, hi = _Parser(expression, digits, local).sum()
    shown = Fraction(result.replace(" ", "").replace("(", "").replace(")", ""))
    if lo == hi:
        small = abs(lo) < 10**300  # a float holds it
        short = small and Fraction(float(lo)) == lo and significant(repr(float(lo))) <= 10
        if short or "." not in result:
            if shown == lo:
                exact.add(result)
            return shown == lo
        return any(f"{float(lo):.{d}g}" == result for d in range(significant(result), 18))
    half = _half_ulp(shown, max(digits, significant(result)))
    return lo <= shown + half and shown - half <= hi


@contextlib.contextmanager
def _long_integers() -> Iterator[None]:
    """Exact working can hold integers longer than Python's 4300-digit str() limit."""
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(limit)


def _verdicts(*blocks: str) -> Iterator[tuple[str, bool | None]]:
    """Each line of hand calculations (consecutive steps, in order) with check's verdict."""
    exact: set[str] = set()
    with _long_integers():
        for text in blocks:
            digits = block_digits(text)
            rounded, symbols = _header_values(text), {}
            for line in text.splitlines():
                if line.startswith("unit "):
                    symbols = {}
                yield line, check(line.strip(), digits, exact, frozenset(rounded), symbols)
                shown = SHOWN.match(line)
                if shown and shown[1] in "zrnifgo" and "(" in line:  # a gate's value
                    symbols[shown[1]] = shown[2]
                    rounded.add(shown[2])


def lines_that_do_not_add_up(*blocks: str) -> list[str]:
    """The lines of hand calculations (consecutive steps, in order) whose result does not
    follow from what they show."""
    return [line for line, verdict in _verdicts(*blocks) if verdict is False]


def _header_values(text: str) -> set[str]:
    """The numbers of "time step t: ..., h_prev = [a, b], c_prev = ..." given as h_prev."""
    found = re.search(r"h_prev = (\[[^\]]*\]|\S+?)(?:,|$)", text.splitlines()[0])
    return set(found[1].strip("[]").split(", ")) if found else set()


def checked_lines(text: str) -> int:
    """How many lines of `text` carry arithmetic that `check` redoes."""
    return sum(verdict is not None for _, verdict in _verdicts(text))
