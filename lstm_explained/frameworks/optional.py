"""The frameworks, imported on first use, or an error that says how to install them.

`import lstm_explained` imports no framework: it needs only NumPy and loads in
milliseconds. An adapter calls `require` when one of its functions runs; a framework that
is missing is named with the pip command of the extra (pyproject.toml's
`[project.optional-dependencies]`) that installs it.
"""

from __future__ import annotations

import importlib
from typing import Any


def install_command(extra: str) -> str:
    """The command that installs one of the package's extras ("keras", "onnx", ...)."""
    return f"pip install 'lstm-explained[{extra}]'"


def require(module: str, extra: str, what: str | None = None) -> Any:
    """Import `module` (e.g. "flax.nnx") and return it; if it, or something it imports,
    is missing, raise ModuleNotFoundError naming `what` it is (the module's name if None)
    and the command that installs `extra`."""
    try:  # typed as Any: mypy needs no stubs for a package the gate may not install
        return importlib.import_module(module)
    except ModuleNotFoundError as err:
        raise ModuleNotFoundError(
            f"this needs {what or module}, which is not installed; install it with "
            f"{install_command(extra)}"
        ) from err
