"""Shared fixtures. Keras is imported once per test process, on first use."""

from __future__ import annotations

import os
from typing import Any

import pytest


@pytest.fixture(scope="session")
def keras() -> Any:
    """The keras module; skipped when absent locally, a failure under CI=true."""
    try:
        from lstm_explained.keras_adapter import import_keras

        return import_keras()
    except ModuleNotFoundError as err:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI must compare with Keras, but it is not installed: {err}")
        pytest.skip(f"Keras not installed ({err}); install lstm-explained[keras]")
