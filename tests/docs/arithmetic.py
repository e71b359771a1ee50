"""Redo a line of working from the digits it shows, as a reader would.

The site's rule: a line "lhs = expression = result" adds up when its result, as
written, is the rounding (to the significant digits it shows) of the expression's
value computed from the numbers exactly as written. "0.7698×0.3954 + 0.5723×0.322 =
0.4886" does not add up: the shown numbers give 0.48866..., whose rounding to four
digits is 0.4887. Every number is the decimal (or fraction) it reads as; linear, relu
and the hard sigmoids are applied exactly, sigmoid and tanh in float64. A value exactly
halfway between two roundings has no rounding, so a line whose value is a tie does not
add up (207.25 may not be shown as 207.2). "≈" in place of the last "=" claims no more
than that the result is within float32's precision of the value.

Lines may be written for a reader: "dh = 1 (output) + 663 (from step 3) = 664" (notes
in brackets are read past), "a_n = 0.5×1 + 0 + r×(0.5382×1 + 0.5) = 1.014" (a letter a
line above gave a number: "r = sigmoid(-0.01908) = 0.4952"), "h = 2×φ(6) = 12" (σ and φ
as a figure's legend names them), continuation lines that start with "+", "=" or "≈".
Independent of the package: its own parser and activations.
"""

from __future__ import annotations

import contextlib
import math
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction

NUMBER = r"\d+(?:\.\d+)?(?:e[+-]?\d+)?"
PARAMETRIC = r"hard_sigmoid\[alpha=-?\d+(?:/\d+)?, beta=-?\d+(?:/\d+)?\]"
FUNCTIONS = ("linear", "relu", "sigmoid", "tanh", "hard_sigmoid")
TOKEN = re.compile(rf"\s*({NUMBER}|{PARAMETRIC}(?=\()|[a-z_]+(?=\()|[()×·+\-/])")
CALL = re.compile(rf"(?:{PARAMETRIC}|{'|'.join(FUNCTIONS)})(?=\()")
RESULT = re.compile(rf"^(≈?)(-?{NUMBER}(?:/{NUMBER})?)$")
NOTE = re.compile(r"\s\((?=[^()]*[a-z]{3})[^()×+=]*\)")  # "(output)", "(from step 3)"
DEFINES = re.compile(rf"^\s*(?:[a-z ]+:)?\s*([a-z])\s*=(?:.*=)?\s*(-?{NUMBER}(?:/{NUMBER})?)\s*$")
F32_EPS = Fraction(1, 2**23)


def normal(text: str) -> str:
    """The text with the site's typography undone: minus signs, thin spaces, commas."""
    text = text.replace("−", "-").replace("\u2009", " ").replace("\u200b", "")
    return re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)


def significant(text: str) -> int:
    """Significant digits written: "0.322" has 3, "11470" has 5, "1.5e+10" has 2."""
    mantissa = text.lower().lstrip("-").split("e")[0]
    return len(mantissa.replace(".", "").lstrip("0")) or 1


def rounding(value: Fraction, digits: int) -> Fraction | None:
    """`value` rounded to `digits` significant digits; None for a tie."""
    if value == 0:
        return Fraction(0)
    size = abs(value)  # its power of ten from the lengths of its integers: no float
    e = len(str(size.numerator)) - len(str(size.denominator))
    while Fraction(10) ** e > size:
        e -= 1
    while Fraction(10) ** (e + 1) <= size:
        e += 1
    unit = Fraction(10) ** (e - digits + 1)
    scaled = value / unit
    if scaled - math.floor(scaled) == Fraction(1, 2):
        return None
    return round(scaled) * unit


def activation(name: str, v: Fraction) -> Fraction:
    if name.startswith("hard_sigmoid["):  # hard_sigmoid[alpha=a, beta=b]
        alpha, beta = (Fraction(p.split("=")[1]) for p in name[13:-1].split(", "))
        return min(max(alpha * v + beta, Fraction(0)), Fraction(1))
    if name == "linear":
        return v
    if name == "relu":
        return max(v, Fraction(0))
    if name == "hard_sigmoid":
        return min(max(v / 6 + Fraction(1, 2), Fraction(0)), Fraction(1))
    x = float(v)
    if name == "sigmoid":
        return Fraction(0.5 * (math.tanh(0.5 * x) + 1.0))
    if name == "tanh":
        return Fraction(math.tanh(x))
    raise ValueError(f"no activation {name!r}")


class Unreadable(ValueError):
    """An expression with something in it that is neither a number nor arithmetic."""


class _Parser:
    """sum := product (('+' | '-') product)*; product := factor (('×' | '·' | '/')
    factor)*; factor := '-' factor | number | '(' sum ')' | function '(' sum ')'."""

    def __init__(self, expression: str) -> None:
        self.tokens = TOKEN.findall(expression)
        if "".join(self.tokens).replace(" ", "") != expression.replace(" ", ""):
            raise Unreadable(expression)
        self.k = 0
        self.operations = 0

    def take(self) -> str:
        if self.k >= len(self.tokens):
            raise Unreadable("ends early")
        self.k += 1
        return self.tokens[self.k - 1]

    def peek(self) -> str | None:
        return self.tokens[self.k] if self.k < len(self.tokens) else None

    def whole(self) -> Fraction:
        value = self.sum()
        if self.peek() is not None:
            raise Unreadable(f"left over: {self.tokens[self.k :]}")
        return value

    def sum(self) -> Fraction:
        value = self.product()
        while self.peek() in ("+", "-"):
            op, other = self.take(), self.product()
            value = value + other if op == "+" else value - other
            self.operations += 1
        return value

    def product(self) -> Fraction:
        value = self.factor()
        while self.peek() in ("×", "·", "/"):
            op, other = self.take(), self.factor()
            value = value / other if op == "/" else value * other
            self.operations += 1
        return value

    def factor(self) -> Fraction:
        token = self.take()
        if token == "-":
            return -self.factor()
        if token == "(":
            value = self.sum()
            if self.take() != ")":
                raise Unreadable("unbalanced")
            return value
        if token in FUNCTIONS or token.startswith("hard_sigmoid["):
            if self.take() != "(":
                raise Unreadable(token)
            value = self.sum()
            if self.take() != ")":
                raise Unreadable("unbalanced")
            self.operations += 1
            return activation(token, value)
        if not re.fullmatch(NUMBER, token):
            raise Unreadable(token)
        return Fraction(token)


@dataclass
class Verdict:
    """One line of working: whether it adds up, what its numbers give, and why not."""

    line: str
    adds_up: bool
    value: Fraction | None = None
    why: str = ""


@dataclass
class Reader:
    """Reads lines of working in order, remembering the letters earlier lines gave a
    number ("r = ... = 0.4952") and what σ and φ stand for. `symbols_allowed`: a line
    whose arithmetic has letters it cannot read is left alone (math and prose, where
    "x_1 W + h_0 U + b = 2" is an equation, not working) instead of reported."""

    functions: dict[str, str] = field(default_factory=dict)
    letters: dict[str, str] = field(default_factory=dict)
    symbols_allowed: bool = False

    def read(self, line: str) -> Verdict | None:
        """The verdict on a line, or None when it is not a line of working: it needs a
        result that is a number and, before it, numbers with arithmetic between them."""
        text = normal(line).strip()
        if re.match(r"^unit \d+:", text):
            self.letters = {}
        verdict = self._verdict(text)
        # "r = sigmoid(a_r) = 0.4952", "i = 1,  f = 1," (not the comma of hard_sigmoid[...])
        for clause in re.split(r",(?![^\[]*\])", text):
            if defined := DEFINES.match(clause):
                self.letters[defined[1]] = defined[2]
        return verdict

    def _verdict(self, text: str) -> Verdict | None:
        body = NOTE.sub("", text)
        body = body.split(":", 1)[1] if re.match(r"^[a-z ]+:", body) else body
        parts = [p.strip() for p in re.split(r"\s*=\s*(?![^\[]*\])|\s*(?=≈)", body)]
        if len(parts) < 3 or not RESULT.match(parts[-1]) or not re.search(r"\d", parts[-2]):
            return None
        approximate, result = RESULT.match(parts[-1]).groups()  # type: ignore[union-attr]
        expression = parts[-2]
        for symbol, name in self.functions.items():
            expression = expression.replace(f"{symbol}(", f"{name}(")
        for letter, number in self.letters.items():
            expression = re.sub(rf"(?<![\w.]){letter}(?=×|·|\))", f"({number})", expression)
        try:
            parser = _Parser(expression)
            value = parser.whole()
        except Unreadable as e:
            symbolic = re.search(r"[a-zA-Z]", re.sub(CALL, "", expression))
            if self.symbols_allowed and symbolic:
                return None
            if re.search(r"[×·+]", expression) or re.search(r"[a-z]+\(", expression):
                return Verdict(text, False, None, f"cannot read {expression!r}: {e}")
            return None
        except (ValueError, ZeroDivisionError, OverflowError) as e:
            return Verdict(text, False, None, f"cannot redo {expression!r}: {e}")
        if parser.operations == 0:
            return None  # "x = 0.5 = 1/2": a number written twice, no arithmetic
        return judge(text, value, result, bool(approximate))


def judge(line: str, value: Fraction, result: str, approximate: bool) -> Verdict:
    shown = Fraction(result)
    if approximate:
        close = abs(shown - value) <= F32_EPS * abs(value) + _half_unit(shown, result)
        return Verdict(line, close, value, "" if close else "not even approximately")
    if "/" in result:
        return Verdict(line, shown == value, value, "" if shown == value else "not exact")
    rounded = rounding(value, significant(result))
    if rounded == shown:
        return Verdict(line, True, value)
    return Verdict(line, False, value, f"the numbers shown give {_decimal(value)}")


def _half_unit(shown: Fraction, text: str) -> Fraction:
    if shown == 0:
        return Fraction(0)
    return Fraction(10) ** (math.floor(math.log10(abs(shown))) - significant(text) + 1) / 2


def _decimal(value: Fraction) -> str:
    try:
        return f"{float(value):.10g}"
    except OverflowError:
        return f"a number of {len(str(abs(value.numerator)))} digits"


CONTINUES = re.compile(r"^\s*(?:[+=≈]\s|≈)")


def joined(lines: list[str]) -> list[str]:
    """Lines with their continuations ("  + 0.5) = 1.014") put back on them."""
    out: list[str] = []
    for line in lines:
        if out and CONTINUES.match(normal(line)):
            out[-1] = out[-1].rstrip() + " " + line.strip()
        else:
            out.append(line)
    return out


@contextlib.contextmanager
def _long_integers() -> Iterator[None]:
    """Exact working can hold integers longer than Python's 4300-digit str() limit."""
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(limit)


def verdicts(
    *blocks: str, functions: dict[str, str] | None = None, symbols_allowed: bool = False
) -> list[Verdict]:
    """The verdict on every line of working in blocks of text, each block's lines read
    in order (a letter a line defines is known to the lines after it: a figure's r)."""
    reader = Reader(dict(functions or {}), symbols_allowed=symbols_allowed)
    found = []
    with _long_integers():
        for block in blocks:
            reader.letters = {}
            for line in joined(block.splitlines()):
                verdict = reader.read(line)
                if verdict is not None:
                    found.append(verdict)
    return found


def lines_that_do_not_add_up(*blocks: str) -> list[str]:
    """The lines of working in `blocks` whose result does not follow from what they show,
    each with what its numbers give."""
    return [f"{v.line}  [{v.why}]" for v in verdicts(*blocks) if not v.adds_up]


def checked_lines(*blocks: str) -> int:
    """How many lines of working `blocks` hold."""
    return len(verdicts(*blocks))
