"""_validate.py: user input (lists, arrays, Fractions) turned into checked arrays, and the
one-line error that names the argument, what was expected and what was given.

Expected values are written out here: the float64 nearest 0.1 as its exact fraction,
integers past 2**53 that float64 would round, and the digits of numbers longer than
Python's own str() allows.
"""

from __future__ import annotations

import sys
from fractions import Fraction

import numpy as np
import pytest

from lstm_explained import LSTMInputError
from lstm_explained.engine._validate import (
    bool_array,
    describe,
    exact_scalar,
    int_text,
    numeric_array,
    to_exact,
    to_float,
)

TENTH = Fraction(3602879701896397, 36028797018963968)  # the double nearest 0.1: m / 2**55


def test_describe_says_an_arrays_shape_and_cuts_a_long_repr_to_40_characters():
    assert describe(np.zeros((2, 3))) == "an array of shape (2, 3)"
    assert describe("abc") == "'abc'"
    assert describe(None) == "None"
    long = "x" * 50  # repr is 52 characters: 37 of them and "..."
    assert describe(long) == "'" + "x" * 36 + "..."
    assert len(describe(long)) == 40


def test_numbers_become_float64_and_an_array_is_copied():
    given = np.array([[1, 2], [3, 4]], dtype=np.int32)
    arr = numeric_array(given, "kernel")
    assert arr.dtype == np.float64
    assert arr.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    given[0, 0] = 9
    assert arr[0, 0] == 1.0  # a copy, not a view of the caller's array
    assert numeric_array([0.5, 2, np.float32(0.25)], "x").tolist() == [0.5, 2.0, 0.25]


def test_fractions_and_integers_beyond_2_to_the_53_are_kept_exact():
    # 2**53 + 1 is the first integer float64 cannot hold: float(2**53 + 1) == 2**53
    assert float(2**53 + 1) == 2**53
    big = numeric_array([2**53 + 1, 1], "x")
    assert big.dtype == object
    assert big.tolist() == [2**53 + 1, 1]
    assert type(big[0]) is int
    exact = numeric_array([Fraction(1, 3), 0.1], "x")
    assert exact.tolist() == [Fraction(1, 3), TENTH]  # a float is taken at its stored value
    assert numeric_array([2**53, 1], "x").dtype == np.float64  # 2**53 itself fits


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("111", "x must hold numbers, not the string '111'"),
        ([1, "a"], "x must hold real numbers; found 'a' at index [1]"),
        ([[1, 2], [3, None]], "x must hold real numbers; found None at index [1, 1]"),
        ([1, 2j], "x must hold real numbers; found 2j at index [1]"),
        ([[1, 2], [3]], "x is ragged: every row must have the same length; got [[1, 2], [3]]"),
        ([1.0, float("nan")], "x contains NaN at index [1]; only finite numbers are allowed"),
        (np.array([[0.0], [-np.inf]]), "x contains inf at index [1, 0]"),
    ],
)
def test_what_is_not_a_finite_real_number_is_refused_naming_where(value, message):
    with pytest.raises(LSTMInputError) as caught:
        numeric_array(value, "x")
    assert str(caught.value).startswith(message)


def test_exact_values_are_ints_where_whole_and_fractions_otherwise():
    exact = to_exact(np.array([0.5, 2.0, 0.1, -3.0]))
    assert exact.tolist() == [Fraction(1, 2), 2, TENTH, -3]
    assert [type(v) for v in exact] == [Fraction, int, Fraction, int]
    assert exact_scalar(Fraction(6, 3)) == 2
    assert type(exact_scalar(Fraction(6, 3))) is int
    assert to_exact(np.zeros((0, 2))).dtype == object
    with pytest.raises(LSTMInputError, match="exact mode needs finite numbers; got inf"):
        exact_scalar(float("inf"))


def test_to_float_converts_fractions_and_leaves_float_arrays_alone():
    floats = np.array([0.25, 1.5])
    assert to_float(floats) is floats
    halves = to_float(np.array([Fraction(1, 2), Fraction(3, 4)], dtype=object))
    assert halves.dtype == np.float64
    assert halves.tolist() == [0.5, 0.75]


def test_a_mask_takes_booleans_or_0_and_1_only():
    assert bool_array([1, 0, True], "mask").tolist() == [True, False, True]
    given = np.array([True, False])
    assert bool_array(given, "mask") is given
    with pytest.raises(LSTMInputError) as caught:
        bool_array([[1, 0], [2, 1]], "mask")
    assert str(caught.value) == (
        "mask must hold booleans (True keeps a step, False masks it); found 2 at index [1, 0]"
    )
    with pytest.raises(LSTMInputError, match="mask is ragged"):
        bool_array([[1], [1, 0]], "mask")


def test_int_text_writes_numbers_longer_than_str_allows():
    limit = sys.get_int_max_str_digits()
    assert limit in (0, 4300)  # Python's default; 0 would mean no limit at all
    n = 10**5000 + 7  # a 1, then 4,999 zeros, then a 7: 5,001 digits
    assert int_text(n) == "1" + "0" * 4999 + "7"
    assert int_text(-n) == "-1" + "0" * 4999 + "7"
    assert int_text(3211) == "3211"
    power = 3**20000  # 9,543 digits: against Python's own conversion, the limit lifted
    sys.set_int_max_str_digits(0)
    try:
        expected = str(power)
    finally:
        sys.set_int_max_str_digits(limit)
    assert int_text(power) == expected
