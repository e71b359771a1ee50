"""PyTorch state dicts saved with `torch.save(model.state_dict(), path)`, or training
checkpoints that hold one (under `state_dict`, `model_state_dict` or `model`): read,
and handed to `state_dicts`, which finds every `nn.LSTM`, `nn.GRU`, `nn.LSTMCell` and
`nn.GRUCell` in them.

The file is loaded with `torch.load(path, map_location="cpu", weights_only=True)`, which
reads tensors and plain containers and refuses any other Python object before it is
made: a pickle that would call a function (`os.system`) is refused, and so is a whole
model saved with `torch.save(model)`.
"""

from __future__ import annotations

import pickle
import re
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import LSTMInputError
from ..frameworks.torch_adapter import import_torch
from .model import SavedModel
from .state_dicts import KEY, Array, state_dict_model

CHECKPOINT_KEYS = ("state_dict", "model_state_dict", "model")
"""Where a training checkpoint keeps the model's state dict."""


def read_torch(path: str, nonlinearity: str | None = None) -> SavedModel:
    """The recurrent layers of a PyTorch state dict file, module by module, bottom
    layer first; `nonlinearity` is an nn.RNN's activation ("tanh", assumed when None,
    or "relu"), which the file does not store."""
    torch = import_torch()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            content = torch.load(path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as err:
            raise LSTMInputError(_refusal(path, err)) from None
        except Exception as err:  # a truncated or corrupt archive: RuntimeError, EOFError
            text = " ".join(str(err).split())[:160]
            raise LSTMInputError(
                f"cannot read {path} as a PyTorch file; it is truncated or corrupt "
                f"({type(err).__name__}: {text})"
            ) from None
    tensors = _tensors(content, path, torch)
    arrays: dict[str, Array] = {}
    for key, tensor in tensors.items():
        if KEY.match(key) and tensor.is_floating_point():
            wide = torch.float64 if tensor.dtype == torch.float64 else torch.float32
            arrays[key] = np.asarray(tensor.detach().to(wide).numpy())
    stored = {key: str(t.dtype).removeprefix("torch.") for key, t in tensors.items()}
    return state_dict_model(path, arrays, stored, nonlinearity)


def _refusal(path: str, err: Exception) -> str:
    found = re.search(r"GLOBAL ([\w.]+)", str(err))
    what = f"asks for {found[1]}, " if found else "holds something other than tensors, "
    return (
        f"refused {path}: its pickle {what}which torch.load(weights_only=True) blocks, so "
        "nothing from it ran; lstm-explained reads state dicts of tensors only (a whole "
        "model saved with torch.save(model) is refused too: save model.state_dict() instead)"
    )


def _tensors(content: Any, path: str, torch: Any) -> dict[str, Any]:
    """The tensors of a state dict (or of a checkpoint's state dict), by dotted name."""
    if not isinstance(content, Mapping):
        raise LSTMInputError(
            f"{path} holds a {type(content).__name__}, not a state dict (a dict of tensors "
            "saved with torch.save(model.state_dict(), path))"
        )
    for key in CHECKPOINT_KEYS:
        if isinstance(content.get(key), Mapping):
            content = content[key]
            break
    found: dict[str, Any] = {}

    def collect(mapping: Mapping[Any, Any], prefix: str) -> None:
        for key, value in mapping.items():
            if isinstance(value, torch.Tensor):
                found[prefix + str(key)] = value
            elif isinstance(value, Mapping):
                collect(value, f"{prefix}{key}.")

    collect(content, "")
    return found
