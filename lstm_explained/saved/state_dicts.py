"""A PyTorch state dict's recurrent modules, whichever file held it (`torch.save`'s, read
by `torch_files`; safetensors, read by `safetensors_files`): every `nn.LSTM`, `nn.GRU`,
`nn.RNN`, `nn.LSTMCell`, `nn.GRUCell` and `nn.RNNCell`, one `SavedLayer` per layer, and
the modules rebuilt in PyTorch to check against.

A module's tensors are found by their names, under the module's dotted path:

    <module>.weight_ih_l{k}[_reverse]  (n*H, in)    nn.LSTM, nn.GRU: layer k (and its
    <module>.weight_hh_l{k}[_reverse]  (n*H, H)     reverse direction)
    <module>.bias_ih_l{k}, bias_hh_l{k}  (n*H,)     absent when built with bias=False
    <module>.weight_hr_l{k}[_reverse]  (P, H)       nn.LSTM with proj_size=P; then
                                                    weight_hh is (4*H, P)
    <module>.weight_ih, weight_hh, bias_ih, bias_hh  nn.LSTMCell, nn.GRUCell: one step

n = 4 for an LSTM, 3 for a GRU, 1 for nn.RNN and nn.RNNCell (the plain recurrent cell).
An nn.RNN's `nonlinearity` (tanh or relu) is a constructor argument that the state dict
does not hold: it is given (`nonlinearity=`, the CLI's `--nonlinearity`) or assumed to
be PyTorch's default, tanh, and the layer's settings say which. Reading needs NumPy
alone; PyTorch is imported only to run the modules for the check. A cell is traced as a
loop applies it: one call per step over the sequence, each from the state the last one
returned, as one layer of the module it would be; the check runs the cell so,
`cell(x_t, (h, c))` step by step.

A state dict has no graph: the layers of one module follow one another; separate
modules are traced each from its own input.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..engine.layers import Bidirectional
from ..engine.weights import GRUWeights, Weights
from ..errors import LSTMInputError
from ..frameworks.layouts import layout, reorder
from ..frameworks.torch_adapter import import_torch, weights_from_torch_arrays
from .layer import SavedLayer
from .model import SavedModel

Array = NDArray[Any]
KEY = re.compile(r"^(?:(?P<module>.*)\.)?(?P<tensor>weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)"
                 r"(?:_l(?P<layer>\d+)(?P<reverse>_reverse)?)?$")  # fmt: skip
"""A recurrent module's tensor: `rnn.weight_ih_l0`, `decoder.cell.bias_hh`, ..."""
KINDS = {4: "LSTM", 3: "GRU", 1: "RNN"}  # by the blocks of weight_hh
BLOCKS = {kind: n for n, kind in KINDS.items()}
NONLINEARITIES = ("tanh", "relu")
"""What an nn.RNN's `nonlinearity` can be; PyTorch's default is the first."""


@dataclass(frozen=True, eq=False)
class Recurrent:
    """One recurrent module of a state dict, its tensors checked.

    Attributes:
        prefix: the module's dotted path ("" at the top level).
        kind: "LSTM", "GRU" or "RNN".
        cell: an nn.LSTMCell, nn.GRUCell or nn.RNNCell (keys without `_l{k}`).
        tensors: short name ("weight_ih_l0", "bias_hh") -> array as PyTorch lays it
            out, float32 (float64 when the file stores float64).
        num_layers, bidirectional, bias, hidden, input_size: as the module was built.
        dtype: what the file stores the weights as ("float32", "bfloat16", ...).
        proj_size: an nn.LSTM's proj_size (weight_hr_l{k}), 0 without a projection.
        nonlinearity: an RNN's activation, "tanh" or "relu"; `nonlinearity_given` says
            whether it was given or assumed (the state dict does not hold it).
    """

    prefix: str
    kind: str
    cell: bool
    tensors: Mapping[str, Array]
    num_layers: int
    bidirectional: bool
    bias: bool
    hidden: int
    input_size: int
    dtype: str
    proj_size: int = 0
    nonlinearity: str = "tanh"
    nonlinearity_given: bool = False

    @property
    def h_size(self) -> int:
        """The size of h, what each direction outputs: proj_size, or hidden."""
        return self.proj_size or self.hidden

    @property
    def module(self) -> str:
        """The PyTorch class, as "nn.LSTMCell"."""
        return f"nn.{self.kind}{'Cell' if self.cell else ''}"

    def layer_name(self, k: int) -> str:
        """Layer k's name: "decoder.cell" for a cell, "encoder.rnn, layer 0" otherwise."""
        if self.cell:
            return self.prefix or "cell"
        return f"{self.prefix}, layer {k}" if self.prefix else f"layer {k}"


def state_dict_model(path: str, arrays: Mapping[str, Array], stored: Mapping[str, str],
                     nonlinearity: str | None = None) -> SavedModel:  # fmt: skip
    """The recurrent modules of a state dict: `arrays` holds the tensors whose names
    `KEY` matches, decoded (float32, or float64), and `stored` every tensor's name and
    dtype as the file stores it. `nonlinearity` is the nn.RNN's and nn.RNNCell's
    activation, "tanh" or "relu"; None assumes PyTorch's default, tanh."""
    check_nonlinearity(nonlinearity)
    groups: dict[tuple[str, bool], dict[str, tuple[Array | None, str]]] = {}
    for key, dtype in stored.items():
        m = KEY.match(key)
        if m:
            cell = m["layer"] is None
            short = m["tensor"] if cell else f"{m['tensor']}_l{m['layer']}{m['reverse'] or ''}"
            groups.setdefault((m["module"] or "", cell), {})[short] = (arrays.get(key), dtype)
    if not groups:
        shown = list(stored)[:6]
        raise LSTMInputError(
            f"{path} holds no nn.LSTM, nn.GRU, nn.RNN or cell module weights (keys like "
            f"rnn.weight_ih_l0 or cell.weight_ih); its {len(stored)} tensor(s) are "
            f"{shown}{' ...' if len(stored) > 6 else ''}"
        )
    layers: list[SavedLayer] = []
    below: dict[str, str] = {}
    skipped: list[tuple[str, str]] = []
    built: dict[str, tuple[Recurrent, int]] = {}
    for (prefix, cell), group in groups.items():
        label = prefix or ("cell" if cell else "(top level)")
        try:
            module = recurrent(prefix, cell, group)
            if module.kind == "RNN" and nonlinearity is not None:
                module = dataclasses.replace(module, nonlinearity=nonlinearity,
                                             nonlinearity_given=True)  # fmt: skip
        except LSTMInputError as err:
            skipped.append((label, str(err)))
            continue
        for k, saved in enumerate(saved_layers(module)):
            if k:
                below[saved.name] = layers[-1].name
            layers.append(saved)
            built[saved.name] = (module, k)
    if not layers:
        why = "; ".join(f"{name} is {reason}" for name, reason in skipped)
        raise LSTMInputError(f"{path} has no LSTM, GRU or RNN the engine computes: {why}")
    return SavedModel(
        path, "torch", tuple(layers), below, {}, tuple(skipped),
        run_own=lambda names, x, states: run_own([built[n] for n in names], x, states),
    )  # fmt: skip


def recurrent(prefix: str, cell: bool, group: Mapping[str, tuple[Array | None, str]]
              ) -> Recurrent:  # fmt: skip
    """The module these tensors make (short name -> the array, None when it is not
    floating point, and the dtype stored), their shapes checked; an error saying what it
    is when the engine does not compute it, or what is wrong with its tensors (worded to
    follow "<module> is ...")."""
    what = f"nn.{{}}{'Cell' if cell else ''}"
    first = "" if cell else "_l0"
    unread = "a set of tensors named as a recurrent module's that make none"
    for key in (f"weight_ih{first}", f"weight_hh{first}"):
        if key not in group:
            raise LSTMInputError(f"{unread} ({key} is missing)")
    tensors: dict[str, Array] = {}
    for key, (value, stored) in group.items():
        if value is None:
            raise LSTMInputError(f"{unread} ({key} is stored as {stored}, not as floating-point "
                                 "weights: float32, float64, float16 or bfloat16)")  # fmt: skip
        tensors[key] = value
    hh, hr = tensors[f"weight_hh{first}"], tensors.get("weight_hr_l0")
    rows, hidden = hh.shape if hh.ndim == 2 else (0, 0)  # (n*H, H), or (4*H, P)
    proj, hr_shape = 0, None if hr is None else hr.shape
    if hr is not None and hr.ndim == 2 and not cell:  # proj_size: weight_hr_l0 is (P, H)
        proj, hidden = hr.shape
    n = rows // hidden if hidden and rows % hidden == 0 else 0
    if proj and n != 4:
        raise LSTMInputError(f"{unread} (weight_hh{first} of shape {hh.shape} is not (4*H, P) "
                             f"for weight_hr_l0 of shape {hr_shape}, (P, H))")  # fmt: skip
    if n not in KINDS:
        raise LSTMInputError(f"{unread} (weight_hh{first} of shape {hh.shape} is not (n*H, H) "
                             "for an LSTM, n = 4, a GRU, n = 3, or an RNN, n = 1)")  # fmt: skip
    kind = KINDS[n]
    layers = 1 if cell else 1 + max(int(key.split("_l")[1].split("_")[0]) for key in group)
    module = Recurrent(
        prefix, kind, cell, tensors, layers, any(k.endswith("_reverse") for k in group),
        f"bias_ih{first}" in group or f"bias_hh{first}" in group, hidden,
        tensors[f"weight_ih{first}"].shape[-1], group[f"weight_hh{first}"][1], proj,
    )  # fmt: skip
    _check_shapes(module, what.format(kind))
    return module


def _expected(module: Recurrent) -> dict[str, tuple[int, ...]]:
    """Every tensor the module holds, by short name, and its shape."""
    n, hidden = BLOCKS[module.kind], module.hidden
    dirs = ("", "_reverse") if module.bidirectional else ("",)
    shapes: dict[str, tuple[int, ...]] = {}
    for k in range(module.num_layers):
        inputs = module.input_size if k == 0 else module.h_size * len(dirs)
        for d in dirs:
            end = "" if module.cell else f"_l{k}{d}"
            shapes[f"weight_ih{end}"] = (n * hidden, inputs)
            shapes[f"weight_hh{end}"] = (n * hidden, module.h_size)
            if module.proj_size:
                shapes[f"weight_hr{end}"] = (module.proj_size, hidden)
            if module.bias:
                shapes[f"bias_ih{end}"] = shapes[f"bias_hh{end}"] = (n * hidden,)
    return shapes


def _check_shapes(module: Recurrent, what: str) -> None:
    """Refuse tensors that do not make the module: one missing, one too many, or a
    shape other than the one the module would store."""
    expected = _expected(module)
    built = (f"an {what} with input_size={module.input_size}, hidden_size={module.hidden}"
             + (f", proj_size={module.proj_size}" if module.proj_size else "")
             + ("" if module.cell else f", num_layers={module.num_layers}, "
                f"bidirectional={module.bidirectional}"))  # fmt: skip
    for key, shape in expected.items():
        if key not in module.tensors:
            raise LSTMInputError(f"{built} whose tensors do not fit ({key} is missing)")
        found = tuple(module.tensors[key].shape)
        if found != shape:
            raise LSTMInputError(f"{built} whose tensors do not fit ({key} has shape {found}, "
                                 f"not {shape})")  # fmt: skip
    extra = sorted(set(module.tensors) - set(expected))
    if extra:
        raise LSTMInputError(f"{built} whose tensors do not fit ({', '.join(extra)}: no such "
                             "layer)")  # fmt: skip


def _direction(module: Recurrent, k: int, suffix: str) -> tuple[Weights, Any]:
    """One layer and direction: weights in Keras's layout, and the two biases (input
    side, recurrent side) in Keras's gate order, or None without a bias."""
    end = "" if module.cell else f"_l{k}{suffix}"
    t = {name: module.tensors.get(name + end) for name in ("weight_ih", "weight_hh",
                                                           "bias_ih", "bias_hh")}  # fmt: skip
    weights = weights_from_torch_arrays(
        module.kind, *t.values(), weight_hr=module.tensors.get("weight_hr" + end)
    )
    if not module.bias:
        return weights, None
    halves = [np.asarray(t[name], np.float64) for name in ("bias_ih", "bias_hh")]
    if module.kind == "GRU":  # PyTorch's r, z, n -> Keras's z, r, n
        halves = [reorder(h, layout("torch-gru").gate_order, GRUWeights.gates) for h in halves]
    return weights, (halves[0], halves[1])


def saved_layers(module: Recurrent) -> list[SavedLayer]:
    """The module's layers, bottom first, as `SavedLayer`s."""
    saved = []
    for k in range(module.num_layers):
        forward, halves = _direction(module, k, "")
        weights: Weights | Bidirectional = forward
        if module.bidirectional:
            back, back_halves = _direction(module, k, "_reverse")
            weights = Bidirectional(forward, back, merge_mode="concat")
            halves = None if halves is None else (halves, back_halves)
        settings: dict[str, Any] = (
            {"module": module.module, "bias": module.bias,
             "run": "one call per time step, each from the state the last returned"}
            if module.cell else {"num_layers": module.num_layers, "bias": module.bias,
                                 "bidirectional": module.bidirectional})  # fmt: skip
        if module.proj_size:
            settings["proj_size"] = module.proj_size  # h = W_hr (o * tanh(c))
        if module.kind == "GRU":
            settings["reset_after"] = True  # PyTorch's r multiplies (W_hn h + b_hn)
        if module.kind == "RNN":
            settings["nonlinearity"] = nonlinearity_setting(module)
        saved.append(SavedLayer(module.layer_name(k), "torch", weights, module.nonlinearity,
                                bias_halves=halves, dtype=module.dtype,
                                settings=settings))  # fmt: skip
    return saved


def run_own(
    layers: Sequence[tuple[Recurrent, int]], x: Array, states: Mapping[str, Array] | None
) -> tuple[dict[str, Array], str]:
    """The module's layers named, rebuilt in PyTorch as one module of that many layers
    and run on `x` (batch, time, features), from `states` (h and c as (directions, batch,
    units)) when given; a cell is called once per step. Returns the output and the top
    layer's h_n (and c_n), as (directions, batch, units), and what ran, in words."""
    torch = import_torch()
    module, first = layers[0]
    dtype = torch.float64 if module.dtype == "float64" else torch.float32
    start = None
    if states is not None:
        h0, *c0 = (torch.from_numpy(np.asarray(states[k])).to(dtype) for k in states)
        start = (h0, c0[0]) if c0 else h0
    inputs = torch.from_numpy(np.asarray(x)).to(dtype)
    if module.cell:
        return _run_cell(torch, module, inputs, start, dtype)
    count = len(layers)
    projected = {"proj_size": module.proj_size} if module.proj_size else {}
    own = getattr(torch.nn, module.kind)(
        module.input_size if first == 0 else module.h_size * (2 if module.bidirectional else 1),
        module.hidden, num_layers=count, bias=module.bias,
        bidirectional=module.bidirectional, batch_first=True, dtype=dtype, **projected,
        **_constructor_only(module),
    )  # fmt: skip
    state = {}
    for key, value in module.tensors.items():
        m = re.fullmatch(r"(\w+)_l(\d+)(_reverse)?", key)
        if m and first <= int(m[2]) < first + count:
            state[f"{m[1]}_l{int(m[2]) - first}{m[3] or ''}"] = torch.from_numpy(value).to(dtype)
    own.load_state_dict(state, strict=True)
    with torch.no_grad():
        out, finals = own(inputs, start)
    dirs = 2 if module.bidirectional else 1
    finals = finals if isinstance(finals, tuple) else (finals,)
    found = {"output": out.double().numpy()}
    for name, value in zip(("h_n", "c_n"), finals, strict=False):
        found[name] = value[-dirs:].double().numpy()  # the top layer's
    span = f"layer {first}" if count == 1 else f"layers {first} to {first + count - 1}"
    how = f", nonlinearity={module.nonlinearity!r}" if module.kind == "RNN" else ""
    return found, (f"PyTorch ran nn.{module.kind} ({span}{how}, rebuilt from the state "
                   f"dict){_assumed(module)}")  # fmt: skip


def _run_cell(torch: Any, module: Recurrent, x: Any, start: Any, dtype: Any
              ) -> tuple[dict[str, Array], str]:  # fmt: skip
    """The cell rebuilt and called once per step, as a decoder loop calls it."""
    cell = getattr(torch.nn, f"{module.kind}Cell")(module.input_size, module.hidden,
                                                   bias=module.bias, dtype=dtype,
                                                   **_constructor_only(module))  # fmt: skip
    cell.load_state_dict({k: torch.from_numpy(v).to(dtype) for k, v in module.tensors.items()},
                         strict=True)  # fmt: skip
    if start is not None:  # (1, batch, units) each -> (batch, units)
        start = tuple(s[0] for s in start) if isinstance(start, tuple) else start[0]
    state, outputs = start, []
    with torch.no_grad():
        for t in range(x.shape[1]):
            state = cell(x[:, t], state)  # (h, c) for an LSTMCell, h for a GRUCell
            outputs.append(state[0] if isinstance(state, tuple) else state)
    finals = state if isinstance(state, tuple) else (state,)
    found = {"output": torch.stack(outputs, dim=1).double().numpy()}  # (batch, time, units)
    for name, value in zip(("h_n", "c_n"), finals, strict=False):
        found[name] = value[None].double().numpy()  # (1, batch, units)
    return found, (f"PyTorch called {module.module} once per step over the sequence "
                   f"(rebuilt from the state dict){_assumed(module)}")  # fmt: skip


def check_nonlinearity(nonlinearity: Any) -> None:
    """None, "tanh" or "relu", or a one-line error saying what nn.RNN takes."""
    if nonlinearity is not None and nonlinearity not in NONLINEARITIES:
        raise LSTMInputError(
            f"nonlinearity must be 'tanh' or 'relu' (nn.RNN's choices); got {nonlinearity!r}"
        )


def nonlinearity_setting(module: Recurrent) -> str:
    """What a report says of an RNN's activation: given, or assumed."""
    if module.nonlinearity_given:
        return f"{module.nonlinearity} (given; the state dict does not store it)"
    return ("tanh (assumed, PyTorch's default: the state dict does not store nonlinearity; "
            "give --nonlinearity relu if the module was built with relu)")  # fmt: skip


def _assumed(module: Recurrent) -> str:
    """What a check of an RNN whose nonlinearity was assumed cannot confirm."""
    if module.kind != "RNN" or module.nonlinearity_given:
        return ""
    return (f"; {module.nonlinearity}, as assumed, on both sides: this confirms the "
            "arithmetic, not which nonlinearity the model was built with")  # fmt: skip


def _constructor_only(module: Recurrent) -> dict[str, Any]:
    """Constructor arguments the state dict does not hold: an RNN's nonlinearity."""
    return {"nonlinearity": module.nonlinearity} if module.kind == "RNN" else {}
