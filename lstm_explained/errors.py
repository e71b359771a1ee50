"""The two things the engine raises or warns, so callers can catch them by name."""

from __future__ import annotations


class LSTMInputError(ValueError):
    """Bad input: the message names the argument, what was expected and what was given."""


class LSTMOverflowWarning(RuntimeWarning):
    """A float computation left the representable range at a named time step."""
