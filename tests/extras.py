"""One rule for optional extras, shared by unit tests and documentation snippets.

A test or snippet that needs an optional framework which is not installed is skipped
locally, with the reason and the command that installs it, and fails under CI=true, so
CI cannot pass by skipping what it is meant to check.
"""

from __future__ import annotations

import importlib.util
import os
import re
from typing import NoReturn

import pytest

# Top-level module -> (what it is, the extra of pyproject.toml that installs it).
# tests/repo/test_extras.py checks this against [project.optional-dependencies].
EXTRAS: dict[str, tuple[str, str]] = {
    "keras": ("Keras", "keras"),
    "tensorflow": ("TensorFlow", "keras"),
    "torch": ("PyTorch", "torch"),
    "safetensors": ("safetensors (writes the tests' .safetensors files)", "torch"),
    "jax": ("JAX", "jax"),
    "jaxlib": ("JAX", "jax"),
    "onnx": ("ONNX", "onnx"),
    "onnxruntime": ("ONNX Runtime", "onnx"),
    "onnxscript": ("onnxscript (torch.onnx.export's exporter)", "onnx"),
    "flax": ("Flax", "flax"),
}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def install_command(extra: str) -> str:
    return f"pip install 'lstm-explained[{extra}]'"


def missing(module: str, detail: str = "") -> NoReturn:
    """Skip (locally) or fail (under CI=true) because `module`'s extra is not installed."""
    what, extra = EXTRAS[module.partition(".")[0]]
    reason = f"{what} is not installed{f' ({detail})' if detail else ''}"
    if in_ci():
        pytest.fail(f"CI must run this, but {reason}; {install_command(extra)}", pytrace=False)
    pytest.skip(f"{reason}; install it with {install_command(extra)}")


def require(module: str) -> None:
    """Skip or fail unless `module` (a key of EXTRAS) can be imported; does not import it."""
    if importlib.util.find_spec(module) is None:
        missing(module, f"No module named {module!r}")


def extra_module(name: str | None) -> str | None:
    """The EXTRAS key for a module that failed to import, or None if no extra provides it."""
    top = (name or "").partition(".")[0]
    return top if top in EXTRAS else None


_NO_MODULE = re.compile(r"^ModuleNotFoundError: No module named '([\w.]+)'\s*$")


def missing_module_in(stderr: str) -> str | None:
    """The EXTRAS key named by a traceback's last line, for a snippet run in a new process."""
    lines = stderr.strip().splitlines()
    m = _NO_MODULE.match(lines[-1]) if lines else None
    return extra_module(m[1]) if m else None
