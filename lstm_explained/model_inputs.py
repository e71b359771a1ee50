"""`trace --model-input` and `--initial-state`: the model's own inputs, by name, and the
states a layer starts from, read from files (never a pickle) and checked against what
the model declares."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import LSTMInputError
from .layers import Bidirectional
from .saved import SavedLayer
from .saved_model import SavedModel

Array = NDArray[Any]


def read_array(text: str, what: str) -> Array:
    """A .npy file (allow_pickle=False), a .csv of numbers (a header row skipped), or
    inline JSON, as an array; `what` names the option in errors."""
    if text.lstrip().startswith("["):
        try:
            return np.asarray(json.loads(text), dtype=np.float64)
        except (json.JSONDecodeError, TypeError, ValueError):
            raise LSTMInputError(f"{what}: not a JSON array of numbers: {text[:40]!r}") from None
    path = Path(text)
    if not path.is_file():
        raise LSTMInputError(f"{what} {text}: no such file")
    try:
        if path.suffix.lower() == ".npy":
            arr = np.load(path, allow_pickle=False)
        elif path.suffix.lower() in (".csv", ".txt"):
            lines = [line for line in path.read_text("utf8").splitlines() if line.strip()]
            header = bool(lines) and not _numeric(lines[0])
            arr = np.loadtxt(lines[1:] if header else lines, delimiter=",", ndmin=2)
        else:
            raise LSTMInputError(f"{what} {text}: give a .npy or .csv file, or inline JSON")
    except (ValueError, OSError, EOFError) as err:
        if isinstance(err, LSTMInputError):
            raise
        raise LSTMInputError(f"cannot read {what} {text}: {' '.join(str(err).split())[:160]}"
                             ) from None  # fmt: skip
    if arr.dtype.kind not in "iuf":
        raise LSTMInputError(f"{what} {text} holds {arr.dtype} values; numbers expected")
    return np.asarray(arr)


def _numeric(line: str) -> bool:
    try:
        [float(part) for part in line.split(",")]
    except ValueError:
        return False
    return True


def read_model_inputs(specs: Sequence[str], model: SavedModel) -> dict[str, tuple[Array, str]]:
    """`--model-input [NAME=]FILE` options as arrays by the model's input names (the
    graph checks their shapes and types when it binds them)."""
    declared: Mapping[str, Any] = getattr(model.graph, "inputs", {})
    if not declared:
        raise LSTMInputError(
            "--model-input needs a model file that keeps its graph (Keras); give the layer's "
            "own inputs with -i/--inputs"
        )
    found: dict[str, tuple[Array, str]] = {}
    for spec in specs:
        name, _, where = spec.rpartition("=") if "=" in spec.split("[")[0] else ("", "", spec)
        if not name:
            if len(declared) != 1:
                raise LSTMInputError(
                    f"the model has {len(declared)} inputs ({', '.join(declared)}): name each, "
                    f"--model-input NAME=FILE; got {spec!r}"
                )
            name = next(iter(declared))
        if name not in declared:
            raise LSTMInputError(
                f"the model has no input {name!r}; its inputs are {', '.join(declared)}"
            )
        if name in found:
            raise LSTMInputError(f"--model-input gives {name!r} twice")
        found[name] = (read_array(where, "--model-input"), where)
    return found


def read_states(path: str, layer: SavedLayer) -> dict[str, Array]:
    """`--initial-state FILE.npz`: h (and c for an LSTM), each (batch, units) or
    (directions, batch, units), as (directions, batch, units)."""
    names = ("h", "c") if layer.kind == "LSTM" else ("h",)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: np.asarray(data[k], dtype=np.float64) for k in data.files}
    except (OSError, ValueError, EOFError) as err:
        raise LSTMInputError(
            f"cannot read --initial-state {path} as an .npz of arrays: "
            f"{' '.join(str(err).split())[:160]}"
        ) from None
    if sorted(arrays) != sorted(names):
        raise LSTMInputError(
            f"--initial-state {path} must hold the arrays {' and '.join(names)} for a "
            f"{layer.kind} layer; it holds {sorted(arrays) or 'none'}"
        )
    w = layer.weights
    dirs = 2 if isinstance(w, Bidirectional) else 1
    units = (w.forward if isinstance(w, Bidirectional) else w).units
    found = {}
    for k in names:
        a = arrays[k][None] if arrays[k].ndim == 2 and dirs == 1 else arrays[k]
        if a.ndim != 3 or a.shape[0] != dirs or a.shape[2] != units or not np.all(np.isfinite(a)):
            raise LSTMInputError(
                f"--initial-state {path}: {k} must be finite, (batch, {units})"
                f"{'' if dirs == 2 else ' or (1, batch, ' + str(units) + ')'}"
                f"{' as (2, batch, ' + str(units) + ') for both directions' if dirs == 2 else ''}"
                f"; got shape {arrays[k].shape}"
            )
        found[k] = a
    return found
