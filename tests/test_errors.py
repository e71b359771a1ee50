"""errors.py: the two things the package raises or warns, so callers can catch them by name."""

from __future__ import annotations

from lstm_explained import LSTMInputError


def test_errors_are_value_errors():
    assert issubclass(LSTMInputError, ValueError)
