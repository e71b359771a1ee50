"""errors.py: the two things the package raises or warns, so callers can catch them by name
(or by the built-in class each extends), each with a message that says what went wrong."""

from __future__ import annotations

import warnings

import pytest

import lstm_explained
from lstm_explained import LSTMInputError, LSTMOverflowWarning, LSTMWeights, forward
from lstm_explained.errors import LSTMInputError as DefinedInputError
from lstm_explained.errors import LSTMOverflowWarning as DefinedOverflowWarning


def test_errors_are_value_errors():
    assert issubclass(LSTMInputError, ValueError)


def test_the_overflow_warning_is_a_runtime_warning_and_the_two_are_unrelated():
    assert issubclass(LSTMOverflowWarning, RuntimeWarning)
    assert not issubclass(LSTMOverflowWarning, LSTMInputError)
    assert not issubclass(LSTMInputError, Warning)


def test_the_package_exports_the_classes_errors_defines():
    assert lstm_explained.LSTMInputError is DefinedInputError
    assert lstm_explained.LSTMOverflowWarning is DefinedOverflowWarning
    assert {"LSTMInputError", "LSTMOverflowWarning"} <= set(lstm_explained.__all__)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: forward([], LSTMWeights.constant(1.0)), "inputs is an empty sequence"),
        (lambda: LSTMWeights.constant(1.0, units=0), "units must be a positive integer; got 0"),
        (lambda: forward([1], "weights"), "weights must be an LSTMWeights; got 'weights'"),
    ],
)
def test_bad_input_raises_the_input_error_with_a_message_a_value_error_catches(call, message):
    with pytest.raises(ValueError, match=message) as caught:
        call()
    assert type(caught.value) is LSTMInputError
    assert "\n" not in str(caught.value)  # one line, for the command to print as it is


def test_overflow_warns_with_the_step_a_runtime_warning_filter_catches():
    # The toy network in float64 overflows at step 8 (h at step 7 is about 1e285).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        forward([1] * 8, LSTMWeights.constant(1.0), activation="linear",
                recurrent_activation="linear")  # fmt: skip
    overflow = [w for w in caught if issubclass(w.category, LSTMOverflowWarning)]
    assert len(overflow) == 1
    assert str(overflow[0].message).startswith("float overflow at time step 8:")
