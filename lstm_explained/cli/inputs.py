"""What the shell gives: `-i/--inputs` (numbers, JSON, a .npy or .csv file), `trace
--model-input` (the model's own inputs, by name) and `--initial-state` (the states a
layer starts from), read from files, never from a pickle."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..engine.layers import Bidirectional
from ..errors import LSTMInputError
from ..saved.layer import SavedLayer
from ..saved.model import SavedModel

Array = NDArray[Any]


def parse_number(text: str) -> int | float | Fraction:
    """'2' -> 2, '0.5' -> 0.5, '1/3' -> Fraction(1, 3); ValueError otherwise."""
    text = text.strip()
    if "/" in text:
        return Fraction(text)
    try:
        return int(text)
    except ValueError:
        return float(text)


def parse_inputs(text: str) -> Any:
    """'1,1,1' (one feature per step) or JSON such as '[[1, 0], [0, 1]]'."""
    if text.strip().startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            raise LSTMInputError(
                f"--inputs is not valid JSON: {err.msg} at column {err.colno}"
            ) from None
    parts = [p for p in text.replace(" ", "").split(",")]
    try:
        return [parse_number(p) for p in parts]
    except ValueError:
        raise LSTMInputError(
            f"--inputs must be numbers separated by commas, like 1,1,1; got {text!r}"
        ) from None


EXAMPLE_TIME = 5  # steps of example inputs when none are given


def read_inputs(text: str | None, bottom: SavedLayer, model: SavedModel) -> tuple[Array, str]:
    """The inputs as (batch, time, features) float64, and where they came from in words."""
    features = bottom.input_dim
    if text is None:
        fixed = model.input_shape.get(bottom.name) or (None, None, None)
        shape = (fixed[0] or 1, fixed[1] or EXAMPLE_TIME, features)
        x = np.round(np.random.default_rng(0).uniform(-1, 1, shape), 2)
        return x, ("no --inputs given: example inputs from numpy.random.default_rng(0), "
                   "uniform in [-1, 1], rounded to 2 decimals")  # fmt: skip
    if text.lower().endswith((".npy", ".csv", ".txt")):
        arr, origin = _read_file(text)
        arr = arr.astype(np.float64)
    else:
        try:
            arr, origin = np.asarray(parse_inputs(text), dtype=np.float64), "--inputs"
        except (TypeError, ValueError):
            raise LSTMInputError(
                f"--inputs must be numbers, (time, features) or (batch, time, features); "
                f"got {text[:40]!r}"
            ) from None
    if arr.ndim == 1 and features == 1:
        arr = arr[:, None]  # a sequence of one-feature steps
    if arr.ndim == 2:
        arr = arr[None]
    if (arr.ndim < 3 and arr.size == 0) or (arr.ndim == 3 and arr.shape[1] == 0):
        raise LSTMInputError(
            f"the inputs from {origin} have no time steps (shape {arr.shape}); {bottom.name} "
            f"needs at least one step of {features} feature(s)"
        )
    if arr.ndim == 3 and arr.shape[0] == 0:
        raise LSTMInputError(
            f"the inputs from {origin} hold no sequence (shape {arr.shape}, batch 0); give "
            f"(time, {features}) or (batch, time, {features})"
        )
    if arr.ndim != 3 or arr.shape[-1] != features or 0 in arr.shape:
        raise LSTMInputError(
            f"{bottom.name} reads {features} feature(s) per time step (its input size); the "
            f"inputs from {origin} have shape {arr.shape}; give (time, {features}) or (batch, "
            f"time, {features})"
        )
    if not np.all(np.isfinite(arr)):
        raise LSTMInputError(f"the inputs from {origin} hold inf or NaN")
    return arr, origin


def _read_file(path: str, what: str = "--inputs") -> tuple[Array, str]:
    """A .npy array (never a pickle) or a .csv table of numbers, and where it came from
    in words: the path, and a .csv's header row if one was skipped. `what` names the
    option in errors."""
    if not Path(path).is_file():
        raise LSTMInputError(f"{what} {path}: no such file")
    origin = path
    try:
        if path.lower().endswith(".npy"):
            arr = np.load(path, allow_pickle=False)
        else:
            with open(path, encoding="utf8") as fh:
                lines = [line for line in fh.read().splitlines() if line.strip()]
            if lines and not _numeric(lines[0]):  # a header row: say so, not silently
                head = lines.pop(0).strip()
                shown = head if len(head) <= 40 else head[:37] + "..."
                origin += f" (skipped a header row: {shown})"
                columns = len(head.split(","))
            else:
                columns = 0
            # no rows of numbers: an empty table, not loadtxt's warning
            arr = np.loadtxt(lines, delimiter=",", ndmin=2) if lines else np.empty((0, columns))
    except (ValueError, OSError, EOFError) as err:
        text = " ".join(str(err).split())[:160]
        raise LSTMInputError(f"cannot read {what} {path}: {text}") from None
    if arr.dtype.kind not in "iuf":
        raise LSTMInputError(f"{what} {path} holds {arr.dtype} values; numbers expected")
    return np.asarray(arr), origin


def _numeric(line: str) -> bool:
    try:
        [float(part) for part in line.split(",")]
    except ValueError:
        return False
    return True


def read_array(text: str, what: str) -> tuple[Array, str]:
    """Inline JSON, or a .npy or .csv file (as `_read_file` reads it), as an array and
    where it came from in words; `what` names the option in errors."""
    if text.lstrip().startswith("["):
        try:
            return np.asarray(json.loads(text), dtype=np.float64), text
        except (json.JSONDecodeError, TypeError, ValueError):
            raise LSTMInputError(f"{what}: not a JSON array of numbers: {text[:40]!r}") from None
    if not text.lower().endswith((".npy", ".csv", ".txt")):
        raise LSTMInputError(f"{what} {text}: give a .npy or .csv file, or inline JSON")
    return _read_file(text, what)


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
        found[name] = read_array(where, "--model-input")
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
            f"--initial-state {path} must hold the arrays {' and '.join(names)} for "
            f"{'an' if layer.kind == 'LSTM' else 'a'} {layer.kind} layer; it holds "
            f"{sorted(arrays) or 'none'}"
        )
    w = layer.weights
    dirs = 2 if isinstance(w, Bidirectional) else 1
    one = w.forward if isinstance(w, Bidirectional) else w
    found = {}
    for k in names:
        units = one.units if k == "c" else one.output_units  # h: proj_size when projected
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
