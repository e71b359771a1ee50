"""PyTorch state dicts (`torch.save(model.state_dict(), path)`): every `nn.LSTM` and
`nn.GRU` in them, one `SavedLayer` per layer and module, and the modules rebuilt to check
against.

The file is loaded with `torch.load(path, map_location="cpu", weights_only=True)`, which
reads tensors and plain containers and refuses any other Python object before it is
made: a pickle that would call a function (`os.system`) is refused, and so is a whole
model saved with `torch.save(model)`. A module's tensors are found by their names,

    <module>.weight_ih_l{k}[_reverse]  (n*H, in)    n = 4 for an LSTM, 3 for a GRU
    <module>.weight_hh_l{k}[_reverse]  (n*H, H)     which of the two: n*H rows, H columns
    <module>.bias_ih_l{k}, bias_hh_l{k}  (n*H,)     absent when built with bias=False

A state dict has no graph: the layers of one module follow one another; separate
modules are traced each from its own input.
"""

from __future__ import annotations

import pickle
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..engine.weights import GRUWeights
from ..errors import LSTMInputError
from ..frameworks.layouts import layout, reorder
from ..frameworks.torch_adapter import import_torch, layers_from_torch
from .layer import SavedLayer
from .model import SavedModel

Array = NDArray[Any]
KEY = re.compile(r"^(?:(?P<module>.*)\.)?(?P<tensor>weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)"
                 r"_l(?P<layer>\d+)(?P<reverse>_reverse)?$")  # fmt: skip
CHECKPOINT_KEYS = ("state_dict", "model_state_dict", "model")
"""Where a training checkpoint keeps the model's state dict."""


def read_torch(path: str) -> SavedModel:
    """The LSTM and GRU layers of a PyTorch state dict file, module by module, bottom
    layer first."""
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
    modules: dict[str, dict[str, Any]] = {}
    for key, tensor in tensors.items():
        m = KEY.match(key)
        if m:
            short = f"{m['tensor']}_l{m['layer']}{m['reverse'] or ''}"
            modules.setdefault(m["module"] or "", {})[short] = tensor
    if not modules:
        shown = list(tensors)[:6]
        raise LSTMInputError(
            f"{path} holds no nn.LSTM or nn.GRU weights (keys like rnn.weight_ih_l0); its "
            f"{len(tensors)} tensor(s) are {shown}{' ...' if len(tensors) > 6 else ''}"
        )
    layers: list[SavedLayer] = []
    below: dict[str, str] = {}
    skipped: list[tuple[str, str]] = []
    built: dict[str, Any] = {}
    for prefix, group in modules.items():
        try:
            module = _module(torch, prefix, group)
        except LSTMInputError as err:
            skipped.append((prefix or "(top level)", str(err)))
            continue
        for k, saved in enumerate(_layers(module, prefix, group)):
            if k:
                below[saved.name] = layers[-1].name
            layers.append(saved)
            built[saved.name] = (module, k)
    if not layers:
        why = "; ".join(f"{name} is {reason}" for name, reason in skipped)
        raise LSTMInputError(f"{path} has no LSTM or GRU the engine computes: {why}")
    return SavedModel(
        path, "torch", tuple(layers), below, {}, tuple(skipped),
        run_own=lambda names, x, states: _run_own(torch, [built[n] for n in names], x, states),
    )  # fmt: skip


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


def _module(torch: Any, prefix: str, group: dict[str, Any]) -> Any:
    """The `nn.LSTM` or `nn.GRU` these tensors belong to, rebuilt and loaded."""
    label = f"module {prefix!r}" if prefix else "the top-level module"
    if any(key.startswith("weight_hr") for key in group):
        raise LSTMInputError(
            "an nn.LSTM with proj_size (weight_hr_l0), which the engine does not compute "
            "(Keras has no projection of h)"
        )
    if "weight_hh_l0" not in group or "weight_ih_l0" not in group:
        raise LSTMInputError(f"{label}: weight_ih_l0 or weight_hh_l0 is missing")
    rows, hidden = group["weight_hh_l0"].shape  # (n*H, H)
    n = rows // hidden if hidden and rows % hidden == 0 else 0
    kinds = {4: "LSTM", 3: "GRU", 1: "RNN"}
    if n not in (3, 4):
        what = "an nn.RNN (one block of weights)" if n == 1 else f"weight_hh_l0 {(rows, hidden)}"
        raise LSTMInputError(f"{what}, which the engine does not compute (LSTM and GRU only)")
    num_layers = 1 + max(int(key.split("_l")[1].split("_")[0]) for key in group)
    dtype = group["weight_hh_l0"].dtype
    module = getattr(torch.nn, kinds[n])(
        group["weight_ih_l0"].shape[1], hidden, num_layers=num_layers,
        bias="bias_ih_l0" in group, bidirectional=any(k.endswith("_reverse") for k in group),
        batch_first=True, dtype=dtype if dtype == torch.float64 else torch.float32,
    )  # fmt: skip
    try:
        module.load_state_dict(group, strict=True)
    except RuntimeError as err:
        first = " ".join(str(err).split())[:240]
        raise LSTMInputError(f"{label}'s tensors do not make an nn.{kinds[n]}: {first}") from None
    return module


def _halves(module: Any, k: int, suffix: str) -> tuple[Array, Array] | None:
    """One direction's (input side, recurrent side) bias in Keras's gate order."""
    if not module.bias:
        return None
    halves = [getattr(module, f"{name}_l{k}{suffix}").detach().double().numpy()
              for name in ("bias_ih", "bias_hh")]  # fmt: skip
    if module.mode == "GRU":  # PyTorch's r, z, n -> Keras's z, r, n
        halves = [reorder(h, layout("torch-gru").gate_order, GRUWeights.gates) for h in halves]
    return halves[0], halves[1]


def _layers(module: Any, prefix: str, group: dict[str, Any]) -> list[SavedLayer]:
    kind = module.mode  # "LSTM" or "GRU"
    dtype = str(group["weight_hh_l0"].dtype).removeprefix("torch.")
    saved = []
    for k, weights in enumerate(layers_from_torch(module)):
        halves: Any = _halves(module, k, "")
        if module.bidirectional:
            halves = None if halves is None else (halves, _halves(module, k, "_reverse"))
        name = f"{prefix}, layer {k}" if prefix else f"layer {k}"
        settings = {"num_layers": module.num_layers, "bias": module.bias,
                    "bidirectional": module.bidirectional}  # fmt: skip
        if kind == "GRU":
            settings["reset_after"] = True  # PyTorch's r multiplies (W_hn h + b_hn)
        saved.append(SavedLayer(name, "torch", weights, bias_halves=halves, dtype=dtype,
                                settings=settings))  # fmt: skip
    return saved


def _run_own(
    torch: Any, layers: Sequence[tuple[Any, int]], x: Array, states: Mapping[str, Array] | None
) -> tuple[dict[str, Array], str]:
    """The module's layers named, rebuilt as one module of that many layers and run (a
    single layer from `states`, h and c as (directions, batch, units), when given); the
    output, and the top layer's h_n (and c_n), as (directions, batch, units)."""
    module, first = layers[0]
    count = len(layers)
    own = type(module)(
        getattr(module, f"weight_ih_l{first}").shape[1], module.hidden_size, num_layers=count,
        bias=module.bias, bidirectional=module.bidirectional, batch_first=True,
        dtype=module.weight_hh_l0.dtype,
    )  # fmt: skip
    state = {}
    for key, value in module.state_dict().items():
        m = re.fullmatch(r"(\w+)_l(\d+)(_reverse)?", key)
        if m and first <= int(m[2]) < first + count:
            state[f"{m[1]}_l{int(m[2]) - first}{m[3] or ''}"] = value
    own.load_state_dict(state, strict=True)
    dtype = module.weight_hh_l0.dtype
    start = None
    if states is not None:
        h0, *c0 = (torch.from_numpy(np.asarray(states[k])).to(dtype) for k in states)
        start = (h0, c0[0]) if c0 else h0
    with torch.no_grad():
        out, finals = own(torch.from_numpy(np.asarray(x)).to(dtype), start)
    dirs = 2 if module.bidirectional else 1
    finals = finals if isinstance(finals, tuple) else (finals,)
    found = {"output": out.double().numpy()}
    for name, value in zip(("h_n", "c_n"), finals, strict=False):
        found[name] = value[-dirs:].double().numpy()  # the top layer's
    kind = type(module).__name__
    span = f"layer {first}" if count == 1 else f"layers {first} to {first + count - 1}"
    return found, f"PyTorch ran nn.{kind} ({span}, rebuilt from the state dict)"
