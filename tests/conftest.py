"""Shared fixtures. Keras is imported once per test process, on first use.

An optional framework that is missing skips its tests locally and fails them under
CI=true (tests/extras.py, the same rule the documentation snippets follow).
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from tests.extras import missing, require


def optional_module(module: str) -> Any:
    """Import an optional framework; skip (locally) or fail (CI=true) when it is missing."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as err:
        missing(module, str(err))


@pytest.fixture(scope="session")
def keras() -> Any:
    """The keras module; skipped when absent locally, a failure under CI=true."""
    try:
        from lstm_explained.frameworks.keras_adapter import import_keras

        return import_keras()
    except ModuleNotFoundError as err:
        missing("keras", str(err))


@pytest.fixture(scope="session")
def torch() -> Any:
    """The torch module (PyTorch); skipped when absent locally, a failure under CI=true."""
    return optional_module("torch")


@pytest.fixture(scope="session")
def safetensors() -> Any:
    """The safetensors package, which writes the files the reader is tested on."""
    return optional_module("safetensors")


@pytest.fixture(scope="session")
def onnx() -> Any:
    """The onnx module (building and checking ONNX graphs)."""
    return optional_module("onnx")


@pytest.fixture(scope="session")
def onnxruntime() -> Any:
    """The onnxruntime module (running ONNX graphs); comes with the onnx extra."""
    return optional_module("onnxruntime")


@pytest.fixture(scope="session")
def flax() -> Any:
    """The flax module (brings JAX)."""
    return optional_module("flax")


@pytest.fixture(scope="session")
def nnx() -> Any:
    """Flax's `flax.nnx` (it brings JAX)."""
    return optional_module("flax.nnx")


@pytest.fixture(scope="session")
def jax_installed() -> None:
    """JAX is importable (for Keras's JAX backend in a fresh process); not imported here."""
    require("jax")


@pytest.fixture(scope="session")
def keras_installed() -> None:
    """Keras is importable (for a fresh process with another backend); not imported here."""
    require("keras")
