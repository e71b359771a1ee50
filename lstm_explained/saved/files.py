"""`load_model(path)`: the LSTM and GRU layers of a model file, whichever framework saved it.

The format is chosen by the file's content first, then by its extension:

    .keras       a zip holding config.json and model.weights.h5 -> Keras 3 (keras_files)
    .pt .pth .bin .ckpt  a zip holding data.pkl, or a pickle   -> PyTorch state dict (torch_files)
    .safetensors  8 bytes of header length, then a JSON header  -> PyTorch state dict
                                                                   (safetensors_files)
    .onnx        a protobuf                                      -> ONNX (onnx_files)

Nothing that can run code is loaded: Keras with safe_mode=True, PyTorch with
weights_only=True; a safetensors file is a JSON header and raw numbers, read with NumPy;
ONNX is data. Files that need code to load (TorchScript archives, whole pickled modules)
and formats not read here (Keras 2's .h5, TensorFlow's SavedModel directories) are
refused with one line saying what is read instead.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

from ..engine._validate import describe
from ..errors import LSTMInputError
from .model import SavedModel

SUPPORTED = (
    "Keras 3 .keras files, PyTorch state dicts saved with torch.save(model.state_dict(), "
    "path) (.pt, .pth, .bin) or as .safetensors, and ONNX models (.onnx)"
)
TORCH_EXTENSIONS = (".pt", ".pth", ".bin", ".ckpt")
NOT_YET = {
    kind: f"a {kind} model, which is not read yet; trace the model it was made from (a "
    "Keras model saved with model.save('model.keras'), a PyTorch state dict, or its ONNX "
    "export)"
    for kind in ("TensorFlow Lite", "Core ML")
}


def load_model(path: str | os.PathLike[str], *, nonlinearity: str | None = None) -> SavedModel:
    """Read the LSTM, GRU and plain recurrent (RNN) layers of a Keras, PyTorch or ONNX
    model file.

    Returns a `SavedModel` whose `layers` are `SavedLayer`s, bottom first.
    `nonlinearity` ("tanh" or "relu") is a PyTorch state dict's nn.RNN activation, which
    the file does not hold (tanh, PyTorch's default, is assumed without it); Keras and
    ONNX files store their activations, and refuse it. Raises
    `LSTMInputError` (one line) for a missing, truncated or unsupported file, a file that
    would run code, or one without an LSTM or GRU layer, and `ModuleNotFoundError` naming
    the extra to install when the framework that reads the file is missing.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise LSTMInputError(f"path must be a file path (str or os.PathLike); got {describe(path)}")
    where = os.fspath(path)
    p = Path(where)
    if p.is_dir():
        if p.suffix.lower() == ".mlpackage":
            raise LSTMInputError(f"{where} is {NOT_YET['Core ML']}")
        if (p / "saved_model.pb").exists():
            raise LSTMInputError(
                f"{where} is a TensorFlow SavedModel directory, which is not read here; "
                f"load it in Keras and save it with model.save('model.keras'). Read: {SUPPORTED}"
            )
        raise LSTMInputError(f"{where} is a directory; give a model file ({SUPPORTED})")
    try:
        with open(where, "rb") as fh:
            head = fh.read(9)
    except OSError as err:
        raise LSTMInputError(f"cannot read the model file {where}: {err.strerror}") from None
    if not head:
        raise LSTMInputError(f"{where} is empty")
    reader = _reader(where, head, p.suffix.lower())
    if nonlinearity is None:
        model: SavedModel = reader(where)
        return model
    if getattr(reader, "__name__", "") not in ("read_torch", "read_safetensors"):
        raise LSTMInputError(
            f"nonlinearity is for a PyTorch state dict's nn.RNN, which does not store it; "
            f"{where} stores its activations, so leave it out"
        )
    model = reader(where, nonlinearity)
    return model


def _reader(where: str, head: bytes, suffix: str) -> Any:
    """The function that reads this file, chosen by content, then extension."""
    if head.startswith(b"\x89HDF"):
        raise LSTMInputError(
            f"{where} is an HDF5 file (Keras 2's .h5 format), which is not read here; load it "
            f"in Keras and save it with model.save('model.keras'). Read: {SUPPORTED}"
        )
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(where) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError) as err:
            raise LSTMInputError(
                f"{where} is a zip archive (as .keras and PyTorch files are) that is truncated "
                f"or corrupt: {err}"
            ) from None
        if "config.json" in names and any(n.endswith(".weights.h5") for n in names):
            from .keras_files import read_keras

            return read_keras
        if any(n.endswith("/code/") or "/code/" in n or n.endswith("constants.pkl")
               for n in names):  # fmt: skip
            raise LSTMInputError(
                f"{where} is a TorchScript archive, which holds code; lstm-explained reads "
                "state dicts: save model.state_dict() with torch.save instead"
            )
        if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
            from .torch_files import read_torch

            return read_torch
        raise LSTMInputError(f"{where} is a zip archive of no format read here ({SUPPORTED})")
    if suffix == ".tflite" or head[4:8] == b"TFL3":  # a TFLite flatbuffer's identifier
        raise LSTMInputError(f"{where} is {NOT_YET['TensorFlow Lite']}")
    if suffix == ".mlmodel":
        raise LSTMInputError(f"{where} is {NOT_YET['Core ML']}")
    if suffix == ".safetensors" or _safetensors_shaped(where, head):
        from .safetensors_files import read_safetensors

        return read_safetensors
    if suffix == ".keras":
        raise LSTMInputError(f"{where} is not a .keras file: it is not a zip archive")
    if suffix in TORCH_EXTENSIONS:
        from .torch_files import read_torch

        return read_torch
    if suffix == ".onnx":
        from .onnx_files import read_onnx

        return read_onnx
    if suffix in (".h5", ".hdf5"):
        raise LSTMInputError(f"{where} is not an HDF5 file, and .h5 is not read here ({SUPPORTED})")
    raise LSTMInputError(
        f"{where}: cannot tell the format from its content or its extension "
        f"{suffix or '(none)'}; read: {SUPPORTED}"
    )


def _safetensors_shaped(where: str, head: bytes) -> bool:
    """Whether the file begins as a safetensors file does: a little-endian header length
    that fits in the file, and the header's opening brace."""
    if len(head) < 9 or head[8:9] != b"{":
        return False
    return 2 <= int.from_bytes(head[:8], "little") <= os.path.getsize(where) - 8
