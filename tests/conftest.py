"""Shared fixtures. Keras is imported once per test process, on first use.

An optional framework that is missing skips its tests locally and fails them under
CI=true, so CI cannot pass by skipping what it is meant to compare with.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from typing import Any, NoReturn

import pytest


def _missing(what: str, extra: str, err: Exception) -> NoReturn:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI must compare with {what}, but it is not installed: {err}")
    pytest.skip(f"{what} not installed ({err}); pip install 'lstm-explained[{extra}]'")


@pytest.fixture(scope="session")
def keras() -> Any:
    """The keras module; skipped when absent locally, a failure under CI=true."""
    try:
        from lstm_explained.keras_adapter import import_keras

        return import_keras()
    except ModuleNotFoundError as err:
        _missing("Keras", "keras", err)


@pytest.fixture(scope="session")
def torch() -> Any:
    """The torch module (PyTorch); skipped when absent locally, a failure under CI=true."""
    try:
        return importlib.import_module("torch")
    except ModuleNotFoundError as err:
        _missing("PyTorch", "torch", err)


def optional_module(name: str, what: str, extra: str) -> Any:
    """Import an optional framework; skip (locally) or fail (CI=true) when it is missing."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as err:
        _missing(what, extra, err)


@pytest.fixture(scope="session")
def onnx() -> Any:
    """The onnx package (model files, onnx.helper); skipped locally when absent."""
    return optional_module("onnx", "ONNX", "onnx")


@pytest.fixture(scope="session")
def onnxruntime() -> Any:
    """onnxruntime, which runs ONNX models; skipped locally when absent."""
    return optional_module("onnxruntime", "onnxruntime", "onnx")


@pytest.fixture(scope="session")
def nnx() -> Any:
    """Flax's `flax.nnx` (it brings JAX); skipped locally when absent."""
    return optional_module("flax.nnx", "Flax", "flax")


def pytest_configure(config: pytest.Config) -> None:
    for name, what in (("onnx", "ONNX models run in onnxruntime"), ("flax", "Flax's cells")):
        config.addinivalue_line("markers", f"{name}: compares with {what} (needs the {name} extra)")


@pytest.fixture(scope="session")
def jax_installed() -> None:
    """JAX is importable (for Keras's JAX backend in a fresh process); not imported here."""
    if importlib.util.find_spec("jax") is None:
        _missing("JAX", "jax", ModuleNotFoundError("No module named 'jax'"))


@pytest.fixture(scope="session")
def keras_installed() -> None:
    """Keras is importable (for a fresh process with another backend); not imported here."""
    if importlib.util.find_spec("keras") is None:
        _missing("Keras", "keras", ModuleNotFoundError("No module named 'keras'"))
