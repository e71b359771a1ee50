"""safetensors files: PyTorch state dicts (same key names as `torch.save`'s), read from
the format's documented layout with NumPy alone, then handed to `state_dicts`.

A safetensors file is three parts (huggingface/safetensors, "Format"):

    8 bytes   N, the header's length, an unsigned little-endian integer
    N bytes   a JSON object {name: {"dtype": "F32", "shape": [16, 3],
              "data_offsets": [begin, end]}}, and optionally "__metadata__": {str: str}
    the rest  the tensors' bytes, little-endian in C order; offsets count from here

Nothing in the file can run. Before any byte is read as a number, the header is checked
as the safetensors package checks it: the header lies inside the file and is a JSON
object of tensors; each tensor's dtype is one the format defines and its byte count is
its shape's; sorted by offset, the tensors' ranges follow one another without overlap or
gap and end where the file ends. F32, F64, F16 and BF16 weights are read (F16 and BF16
widened to float32 exactly, BF16 by shifting its bits into a float32's top half); a
recurrent weight stored in any other dtype is refused.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import LSTMInputError
from .model import SavedModel
from .state_dicts import KEY, Array, state_dict_model

MAX_HEADER = 100_000_000
"""The largest header the safetensors package reads, in bytes."""
BITS = {"BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8,
        "F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8, "I16": 16, "U16": 16, "F16": 16, "BF16": 16,
        "I32": 32, "U32": 32, "F32": 32, "F64": 64, "I64": 64, "U64": 64, "C64": 64,
        "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6}  # fmt: skip
"""Every dtype the format defines, and its bits per element."""
NAMES = {"F32": "float32", "F64": "float64", "F16": "float16", "BF16": "bfloat16",
         "I64": "int64", "I32": "int32", "I16": "int16", "I8": "int8", "U8": "uint8",
         "BOOL": "bool"}  # fmt: skip
"""The dtypes as PyTorch names them, where it has the name."""


def read_safetensors(path: str, nonlinearity: str | None = None) -> SavedModel:
    """The recurrent layers of a PyTorch state dict saved as safetensors (`nonlinearity`
    as `torch_files.read_torch` takes it)."""
    arrays, stored = read_tensors(path, lambda name: KEY.match(name) is not None)
    return state_dict_model(path, arrays, stored, nonlinearity)


def read_tensors(path: str, wanted: Callable[[str], bool]
                 ) -> tuple[dict[str, Array], dict[str, str]]:  # fmt: skip
    """The `wanted` tensors stored as F32, F64, F16 or BF16, by name, as float32 (F64 as
    float64); and every tensor's dtype, named as PyTorch names it ("float32", "bfloat16")."""
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        header, start = _header(fh, path, size)
        entries = _entries(header, path)
        _check_ranges(entries, path, size - start)
        arrays: dict[str, Array] = {}
        for name, (dtype, shape, (begin, end)) in entries.items():
            if dtype in ("F32", "F64", "F16", "BF16") and wanted(name):
                fh.seek(start + begin)
                arrays[name] = _decode(fh.read(end - begin), dtype, shape)
    return arrays, {name: NAMES.get(e[0], e[0]) for name, e in entries.items()}


def _header(fh: Any, path: str, size: int) -> tuple[Any, int]:
    """The parsed JSON header, and where the data starts."""
    first = fh.read(8)
    if len(first) < 8:
        raise LSTMInputError(f"{path} is not a safetensors file: it is shorter than the 8 bytes "
                             "that give the header's length")  # fmt: skip
    n = int.from_bytes(first, "little")
    if n > min(MAX_HEADER, size - 8):
        raise LSTMInputError(
            f"refused {path}: its safetensors header length ({n} bytes) runs past the end of "
            f"the file ({size} bytes)" if n > size - 8 else
            f"refused {path}: its safetensors header is {n} bytes, more than the "
            f"{MAX_HEADER} the format allows"
        )  # fmt: skip
    raw = fh.read(n)
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError) as err:
        text = " ".join(str(err).split())[:120]
        raise LSTMInputError(f"refused {path}: its safetensors header is not JSON ({text})"
                             ) from None  # fmt: skip
    return header, 8 + n


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object that names no key twice (json.loads would keep the last silently)."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"the key {key!r} appears twice")
        found[key] = value
    return found


def _entries(header: Any, path: str) -> dict[str, tuple[str, list[int], tuple[int, int]]]:
    """Each tensor's (dtype, shape, (begin, end)), checked to be of the documented form."""
    bad = f"refused {path}: its safetensors header"
    if not isinstance(header, dict):
        raise LSTMInputError(f"{bad} is a JSON {type(header).__name__}, not an object of tensors")
    meta = header.get("__metadata__", {})
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise LSTMInputError(f"{bad}'s __metadata__ is not an object of strings")
    entries = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise LSTMInputError(f"{bad} gives tensor {name!r} as {_short(info)}, not as "
                                 '{"dtype", "shape", "data_offsets"}')  # fmt: skip
        dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in BITS:
            raise LSTMInputError(f"{bad} gives tensor {name!r} the dtype {_short(dtype)}, "
                                 "which is not one the format defines")  # fmt: skip
        if not _counts(shape) or not _counts(offsets) or len(offsets) != 2:
            raise LSTMInputError(f"{bad} gives tensor {name!r} the shape {_short(shape)} and "
                                 f"data_offsets {_short(offsets)}: they must be lists of "
                                 "whole numbers, the offsets two")  # fmt: skip
        entries[name] = (dtype, shape, (offsets[0], offsets[1]))
    return entries


def _counts(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value)  # fmt: skip


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_ranges(entries: dict[str, tuple[str, list[int], tuple[int, int]]], path: str,
                  data: int) -> None:  # fmt: skip
    """Refuse ranges that run past the data, end before they begin, overlap, leave a gap,
    or hold other than their shape's bytes, and data the last range does not reach."""
    bad = f"refused {path}: in its safetensors header, tensor"
    at = 0
    for name, (dtype, shape, (begin, end)) in sorted(entries.items(), key=lambda e: e[1][2]):
        where = f"{bad} {name!r} has data_offsets [{begin}, {end}]"
        if end > data:
            raise LSTMInputError(f"{where}, which run past the end of the data ({data} bytes)")
        if end < begin:
            raise LSTMInputError(f"{where}, which end before they begin")
        if begin != at:
            what = (
                "overlap the tensor before it" if begin < at else "leave a gap after the one before"
            )
            raise LSTMInputError(f"{where}, which {what} (it ends at {at})")
        bits = int(np.prod(shape, dtype=object)) * BITS[dtype]
        if bits != 8 * (end - begin):
            raise LSTMInputError(
                f"{where}, {end - begin} bytes, but its shape {shape} in {dtype} needs {bits / 8:g}"
            )
        at = end
    if at != data:
        raise LSTMInputError(f"refused {path}: its safetensors data holds {data - at} bytes after "
                             "the last tensor, which no tensor's offsets cover")  # fmt: skip


def _decode(raw: bytes, dtype: str, shape: list[int]) -> Array:
    """The bytes as an array of `shape`: float32, or float64 for F64."""
    if dtype == "BF16":  # bfloat16 is a float32's top 16 bits
        wide = np.frombuffer(raw, dtype="<u2").astype("<u4") << 16
        return wide.view("<f4").astype(np.float32).reshape(shape)
    little = {"F32": "<f4", "F64": "<f8", "F16": "<f2"}[dtype]
    native = np.float64 if dtype == "F64" else np.float32
    return np.frombuffer(raw, dtype=little).astype(native).reshape(shape)
