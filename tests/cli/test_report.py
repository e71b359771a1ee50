"""What `lstm-explained trace` prints: every line fits a terminal of 100 columns, and every
line of --explain's working adds up from the numbers it shows, redone here with a parser
of our own (exact arithmetic; sigmoid and tanh from the math module)."""

from __future__ import annotations

import json
import math
import re
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest

from tests.command_line import run, working_lines

WIDTH = 100
RNG = np.random.default_rng(21)
X2 = RNG.uniform(-1, 1, (6, 2)).round(3)  # (time, features)
X8 = RNG.uniform(-1, 1, (6, 8)).round(3)


@pytest.fixture(scope="module")
def keras_files(keras, tmp_path_factory):
    """A Keras LSTM of 4 units reading 2 features and a GRU (reset_after=False) of 4
    units reading 8: each saved, its inputs, and Keras's own output on them."""
    keras.utils.set_random_seed(3)
    folder = tmp_path_factory.mktemp("keras")
    lstm = keras.Sequential([keras.Input((None, 2)), keras.layers.LSTM(4, name="lstm")])
    gru = keras.Sequential(
        [keras.Input((None, 8)), keras.layers.GRU(4, reset_after=False, name="gru")]
    )
    lstm.save(folder / "lstm.keras")
    gru.save(folder / "gru.keras")
    return {  # each output (units,): h after the last step
        "lstm": (folder / "lstm.keras", X2, lstm.predict(X2[None], verbose=0)[0]),
        "gru": (folder / "gru.keras", X8, gru.predict(X8[None], verbose=0)[0]),
    }


@pytest.mark.keras
@pytest.mark.parametrize("name", ["lstm", "gru"])
@pytest.mark.parametrize("extra", [[], ["--explain"], ["--list"]], ids=["table", "explain", "list"])
def test_every_line_fits_100_columns(capsys, keras_files, name, extra):
    path, x, _ = keras_files[name]
    code, out, err = run(capsys, "trace", path, "-i", json.dumps(x.tolist()), *extra)
    assert code == 0, err
    too_wide = [line for line in out.splitlines() if len(line) > WIDTH]
    assert too_wide == []


def tables(out: str) -> list[list[list[str]]]:
    """Each Markdown table in the output as rows of cells, the header first."""
    found: list[list[list[str]]] = []
    for block in out.split("\n\n"):
        rows = [line for line in block.splitlines() if line.startswith("|")]
        if rows:
            found.append(
                [[c.strip() for c in r.strip("|").split("|")] for r in rows if ":|" not in r]
            )
    return found


@pytest.mark.keras
def test_a_table_split_to_fit_still_shows_every_value(capsys, keras_files):
    path, x, h_last = keras_files["lstm"]
    code, out, err = run(capsys, "trace", path, "-i", json.dumps(x.tolist()))
    assert code == 0, err
    gates, states = tables(out)  # a row per step and unit; too wide for one table
    assert gates[0] == ["t", "unit", "x", "i", "f", "g", "o"]
    assert states[0] == ["t", "unit", "h_prev", "c_prev", "c", "h"]
    steps_and_units = [[str(t), str(u)] for t in range(1, 7) for u in range(1, 5)]  # from 1
    assert [row[:2] for row in gates[1:]] == [row[:2] for row in states[1:]] == steps_and_units
    last = {int(row[1]): float(row[-1]) for row in states[1:] if row[0] == "6"}
    np.testing.assert_allclose([last[u] for u in range(1, 5)], h_last, atol=1e-5)  # Keras's h


# ---- every line of working adds up --------------------------------------------------

TOKEN = re.compile(r"\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?|[a-z_]+(?=\()|[()×+\-])")


def _sigmoid(v: Fraction) -> Fraction:
    return Fraction(1 / (1 + math.exp(-float(v))))


FUNCTIONS = {
    "sigmoid": _sigmoid,
    "tanh": lambda v: Fraction(math.tanh(float(v))),
    "linear": lambda v: v,
}


def redo(expression: str) -> Fraction:
    """The value of an expression of numbers, +, -, ×, brackets and activations, exactly
    but for sigmoid and tanh (float64)."""
    tokens = TOKEN.findall(expression)
    assert "".join(tokens) == expression.replace(" ", ""), expression
    k = 0

    def take() -> str:
        nonlocal k
        k += 1
        return tokens[k - 1]

    def total() -> Fraction:  # product (("+" | "-") product)*
        value = product()
        while k < len(tokens) and tokens[k] in "+-":
            value = value + product() if take() == "+" else value - product()
        return value

    def product() -> Fraction:  # factor ("×" factor)*
        value = factor()
        while k < len(tokens) and tokens[k] == "×":
            take()
            value *= factor()
        return value

    def factor() -> Fraction:  # "-" factor | number | "(" total ")" | function "(" total ")"
        token = take()
        if token == "-":
            return -factor()
        if token in FUNCTIONS or token == "(":
            if token != "(":
                assert take() == "("
            value = total()
            assert take() == ")"
            return FUNCTIONS[token](value) if token != "(" else value
        return Fraction(token)

    value = total()
    assert k == len(tokens), expression
    return value


def significant(text: str) -> int:
    """Significant digits of a number as written: "0.0801" has 3, "-1.4" 2, "12" 2."""
    mantissa = text.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
    return len(mantissa) or 1


def rounded(value: Fraction, digits: int) -> Fraction | None:
    """`value` to `digits` significant digits, half to even; None if exactly halfway."""
    with localcontext() as ctx:
        ctx.prec = 200
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        if exact == 0:
            return Fraction(0)
        quantum = Decimal(1).scaleb(exact.adjusted() - digits + 1)
        down, up = (exact.quantize(quantum, rounding=r) for r in ("ROUND_DOWN", "ROUND_UP"))
        if exact - down == up - exact and down != up:
            return None
        return Fraction(exact.quantize(quantum, rounding=ROUND_HALF_EVEN))


def lines_of_working(out: str) -> list[tuple[str, str, str]]:
    """(line, its arithmetic, its result and the sign before it) for every line of
    working: 'label: lhs = [symbols =] arithmetic = result', or '≈ result'."""
    found = []
    for line in working_lines(out):
        body = re.sub(r"^[a-z ]+:", "", line).strip()
        if line.startswith(("time step", "final state", "check:", "≈:")) or " = " not in body:
            continue
        sign = "≈" if " ≈ " in body else "="
        left, result = body.rsplit(f" {sign} ", 1)
        if sign == "=" and " = " not in left:
            continue  # a line without arithmetic
        found.append((line, left.rsplit(" = ", 1)[-1], sign + " " + result))
    return found


def check_working(out: str, digits: int) -> tuple[int, list[str]]:
    """How many lines of working `out` holds, and those that say "≈" (their result
    within float32's rounding of the arithmetic shown). Fails on a line whose "=" result
    is not the rounding of its arithmetic at its digits (at least `digits`). A GRU's a_n
    may name r by its letter: the value the reset gate's line above it shows."""
    lines, approx, r = lines_of_working(out), [], ""
    assert lines
    for line, arithmetic, result in lines:
        if re.match(r"\s*r = ", line):  # under the reset gate's label
            r = result[2:]  # "r = sigmoid(...) = 0.4952": r as shown
        arithmetic = arithmetic.replace("r×(", f"({r})×(") if r else arithmetic
        assert not re.search(r"[a-z]", re.sub(r"(sigmoid|tanh|linear)\(", "", arithmetic)), line
        value, shown = redo(arithmetic), result[2:]
        d = max(digits, significant(shown))
        if result.startswith("≈"):
            approx.append(line)
            half = Fraction(10) ** (math.floor(math.log10(abs(Fraction(shown)))) - d + 1) / 2
            assert abs(value - Fraction(shown)) <= half + Fraction(1, 10**5) * max(1, abs(value))
        else:
            assert rounded(value, d) == Fraction(shown), (line, float(value))
    return len(lines), approx


@pytest.fixture(scope="module")
def torch_files(torch, tmp_path_factory):
    """PyTorch state dicts: an nn.LSTM of 4 units reading 2 features, an nn.GRU of 4
    reading 8 (its candidate is Keras's reset_after=True)."""
    folder = tmp_path_factory.mktemp("torch")
    torch.manual_seed(8)
    torch.save(torch.nn.LSTM(2, 4, batch_first=True).state_dict(), folder / "lstm.pt")
    torch.save(torch.nn.GRU(8, 4, batch_first=True).state_dict(), folder / "gru.pt")
    return {"lstm": (folder / "lstm.pt", X2), "gru": (folder / "gru.pt", X8)}


CASES = [("float32", d) for d in (2, 3, 4, 6)] + [("float64", d) for d in (3, 8)]


@pytest.mark.torch
@pytest.mark.parametrize("name", ["lstm", "gru"])
@pytest.mark.parametrize(("dtype", "digits"), CASES)
def test_every_line_of_working_adds_up_from_the_digits_shown(
    capsys, torch_files, name, dtype, digits
):
    path, x = torch_files[name]
    code, out, err = run(capsys, "trace", path, "-i", json.dumps(x.tolist()), "--explain",
                         "--digits", digits, "--dtype", dtype)  # fmt: skip
    assert code == 0, err
    count, approx = check_working(out, digits)
    assert count == 6 * 4 * (10 if name == "lstm" else 7)  # steps × units × lines per unit
    if dtype == "float64":
        assert approx == []
    else:  # only where float32 rounded a result otherwise than exact arithmetic would
        assert len(approx) <= count // 20, approx
        assert ("≈: the engine computed this result in float32" in out) == bool(approx)


@pytest.mark.keras
@pytest.mark.parametrize("digits", [3, 6])
def test_a_reset_before_grus_working_adds_up(capsys, keras_files, digits):
    path, x, _ = keras_files["gru"]
    code, out, err = run(capsys, "trace", path, "-i", json.dumps(x.tolist()), "--explain",
                         "--step", "3", "--digits", digits)  # fmt: skip
    assert code == 0, err
    assert "candidate:    a_n = " in out
    count, approx = check_working(out, digits)
    assert count == 4 * 7
    assert len(approx) <= 2


def test_the_parser_redoes_what_it_reads():
    assert redo("0.0801×0.272 + 0.963×(-0.945)") == Fraction("-0.8882478")  # 0.0217872 - 0.910035
    assert redo("(1-0.25)×(-2) + 0.5×4") == Fraction("0.5")
    assert rounded(Fraction("-0.8882478"), 3) == Fraction("-0.888")
    assert rounded(Fraction("0.1235"), 3) is None
    assert significant("0.0801") == 3
    line = "cell state:   c = f×c_prev + i×g = 0.0801×0.272 + 0.963×(-0.945) = -0.889"
    with pytest.raises(AssertionError):  # the docs' old line: the digits give -0.888
        check_working(line, 3)
