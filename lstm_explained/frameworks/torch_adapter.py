"""PyTorch's `nn.LSTM`, `nn.GRU` and `nn.RNN` in the engine's layout (Keras's), and back.

PyTorch stacks the gates in rows and keeps two biases, for every layer `k` and, in a
bidirectional module, for the reverse direction too (names ending in `_reverse`):

    LSTM  weight_ih_l{k} (4*H, in)   rows i, f, g, o (Keras's order)   = kernel.T
          weight_hh_l{k} (4*H, H)                                       = recurrent_kernel.T
          bias_ih_l{k} + bias_hh_l{k}  (4*H,)  only their sum is used   = bias
          with proj_size P: weight_hr_l{k} (P, H)                       = projection.T
          and weight_hh_l{k} (4*H, P), upper layers' weight_ih (4*H, dirs*P)
    GRU   weight_ih_l{k} (3*H, in)   rows r, z, n (Keras: z, r, h)
          weight_hh_l{k} (3*H, H)
          bias_ih_l{k}, bias_hh_l{k}  (3*H,)   = Keras's bias rows 0 and 1 (reset_after)

    RNN   weight_ih_l{k} (H, in), weight_hh_l{k} (H, H)   = kernel.T, recurrent_kernel.T
          bias_ih_l{k} + bias_hh_l{k}  (H,)    only their sum is used   = bias
          `nonlinearity` ("tanh", the default, or "relu") is the activation; it is a
          constructor argument, not a tensor: `torch_activation(module)` reads it

A GRU's two biases cannot be summed: b_hn sits inside r * (W_hn h + b_hn). So PyTorch's
GRU is Keras's `reset_after=True`, and both biases carry over unchanged but for the
gate order. PyTorch is imported only when one of these functions runs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..engine._validate import describe, to_float
from ..engine.layers import Bidirectional
from ..engine.weights import GRUWeights, LSTMWeights, RNNWeights, Weights
from ..errors import LSTMInputError
from .optional import require

Array = NDArray[Any]

_GRU_ORDER = [1, 0, 2]  # Keras's block k is PyTorch's block _GRU_ORDER[k] (and back)
_BLOCKS = {"LSTM": 4, "GRU": 3, "RNN": 1}  # gate blocks per cell
_CELL_MODULES = {"LSTMCell": "LSTM", "GRUCell": "GRU", "RNNCell": "RNN"}


def import_torch() -> Any:
    """Import PyTorch on first use, or explain how to install it."""
    return require("torch", "torch", "PyTorch")


def _kind(module: Any, torch: Any, want: str | None = None) -> str:
    """ "LSTM" or "GRU" for a PyTorch recurrent module (of the kind wanted), or an error."""
    if want is not None and not isinstance(module, getattr(torch.nn, want)):
        raise LSTMInputError(f"module must be a torch.nn.{want}; got {type(module).__name__}")
    if isinstance(module, torch.nn.LSTM):
        return "LSTM"  # with proj_size too: LSTMWeights.projection
    if isinstance(module, torch.nn.GRU):
        return "GRU"
    if isinstance(module, torch.nn.RNN):
        return "RNN"
    raise LSTMInputError(
        f"module must be a torch.nn.LSTM, nn.GRU or nn.RNN; got {type(module).__name__}"
    )


def _reorder(blocks: Array, kind: str, units: int) -> Array:
    """Swap PyTorch's GRU gate blocks (r, z, n) into Keras's (z, r, n), or back; the
    LSTM's order is the same in both. Works along the first axis."""
    if kind != "GRU":
        return blocks
    return np.concatenate([blocks[k * units : (k + 1) * units] for k in _GRU_ORDER])


def _tensors(module: Any, layer: int, direction: str, kind: str) -> dict[str, Any]:
    """One layer's tensors by their short name ("weight_ih", ...), each shape-checked."""
    if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < module.num_layers:
        raise LSTMInputError(
            f"layer must be from 0 to {module.num_layers - 1}; got {describe(layer)}"
        )
    if direction not in ("forward", "backward"):
        raise LSTMInputError(
            f"direction must be 'forward' or 'backward'; got {describe(direction)}"
        )
    if direction == "backward" and not module.bidirectional:
        raise LSTMInputError("direction='backward' needs a module built with bidirectional=True")
    n = _BLOCKS[kind]
    hidden = module.hidden_size
    proj = getattr(module, "proj_size", 0)  # an LSTM's h has proj_size values when set
    h_size = proj or hidden
    inputs = module.input_size if layer == 0 else h_size * (2 if module.bidirectional else 1)
    suffix = f"_l{layer}" + ("_reverse" if direction == "backward" else "")
    shapes: dict[str, tuple[int, ...]] = {
        "weight_ih": (n * hidden, inputs),
        "weight_hh": (n * hidden, h_size),
    }
    if module.bias:
        shapes |= {"bias_ih": (n * hidden,), "bias_hh": (n * hidden,)}
    if proj:
        shapes["weight_hr"] = (proj, hidden)
    tensors = {}
    for name, shape in shapes.items():
        tensor = getattr(module, name + suffix)
        if tuple(tensor.shape) != shape:
            raise LSTMInputError(
                f"module.{name}{suffix} must have shape {shape} for input_size={inputs} and "
                f"hidden_size={hidden}; got shape {tuple(tensor.shape)}"
            )
        tensors[name] = tensor
    return tensors


def _one_layer(module: Any, kind: str) -> None:
    """Refuse a module with more than one layer or direction where one was meant."""
    if module.num_layers != 1:
        raise LSTMInputError(
            f"module must be an nn.{kind} with num_layers=1; got num_layers="
            f"{module.num_layers} (convert one layer at a time); "
            "lstm_explained.frameworks.torch_adapter.layers_from_torch reads them all"
        )
    if module.bidirectional:
        raise LSTMInputError(
            f"module must be an nn.{kind} with bidirectional=False; got bidirectional=True; "
            "lstm_explained.frameworks.torch_adapter.layers_from_torch reads both directions"
        )


def weights_from_torch(
    module: Any, *, layer: int | None = None, direction: str = "forward", want: str | None = None
) -> Weights:
    """One layer and direction of an `nn.LSTM` or `nn.GRU`, as `LSTMWeights` or
    `GRUWeights` (float64).

    An LSTM's two biases come back summed (PyTorch only uses their sum); a GRU's stay
    two rows, with `reset_after=True`. Without `layer` the module must have one layer
    and one direction; `want` ("LSTM" or "GRU") refuses the other kind.
    """
    torch = import_torch()
    kind = _kind(module, torch, want)
    if layer is None:
        _one_layer(module, kind)
    tensors = _tensors(module, layer or 0, direction, kind)
    with torch.no_grad():
        a = {name: t.detach().cpu().double().numpy() for name, t in tensors.items()}
    return weights_from_torch_arrays(kind, a["weight_ih"], a["weight_hh"], a.get("bias_ih"),
                                     a.get("bias_hh"), weight_hr=a.get("weight_hr"))  # fmt: skip


def weights_from_torch_arrays(
    kind: str, weight_ih: Any, weight_hh: Any, bias_ih: Any = None, bias_hh: Any = None,
    *, weight_hr: Any = None,
) -> Weights:  # fmt: skip
    """One layer and direction from PyTorch's arrays as a state dict names them, or
    an `nn.LSTMCell`'s or `nn.GRUCell`'s (`weight_ih` (n*H, in), `weight_hh` (n*H, H),
    `bias_ih` and `bias_hh` (n*H,) or both None), as `LSTMWeights` or `GRUWeights`
    (float64), with the shapes already checked. `kind` is "LSTM" or "GRU". An LSTM with
    `proj_size` P has `weight_hr` (P, H), which becomes `projection` = weight_hr.T, and
    its `weight_hh` is (4*H, P)."""
    units = np.shape(weight_hh)[1]
    kernel = _reorder(np.asarray(weight_ih, np.float64), kind, units).T  # (in, n*units)
    recurrent = _reorder(np.asarray(weight_hh, np.float64), kind, units).T  # (units, n*units)
    biases = None if bias_ih is None else [np.asarray(b, np.float64) for b in (bias_ih, bias_hh)]
    if kind == "LSTM":
        bias = None if biases is None else biases[0] + biases[1]  # (4*units,): only the sum counts
        projection = None if weight_hr is None else np.asarray(weight_hr, np.float64).T
        return LSTMWeights(kernel, recurrent, bias, projection=projection)  # (H, P)
    if kind == "RNN":
        bias = None if biases is None else biases[0] + biases[1]  # (units,): only the sum counts
        return RNNWeights(kernel, recurrent, bias)
    rows = None if biases is None else np.stack([_reorder(b, kind, units) for b in biases])
    return GRUWeights(kernel, recurrent, rows, reset_after=True)  # rows (2, 3*units)


def weights_to_torch(
    weights: Weights, module: Any, *, layer: int | None = None, direction: str = "forward"
) -> Any:
    """Copy `weights` into one layer and direction of a matching `nn.LSTM` or `nn.GRU`,
    in place, and return the module.

    An LSTM's whole bias goes into `bias_ih` and `bias_hh` is set to zeros, since
    PyTorch only ever uses their sum. Weights without a bias give zeros; a module built
    with `bias=False` accepts only weights whose bias is None or all zeros. Values are
    rounded to the module's dtype (float32 by default).
    """
    if not isinstance(weights, (LSTMWeights, GRUWeights, RNNWeights)):
        raise LSTMInputError(
            f"weights must be an LSTMWeights, a GRUWeights or an RNNWeights; got "
            f"{describe(weights)}"
        )
    torch = import_torch()
    kind = _kind(module, torch, weights.cell)
    if layer is None:
        _one_layer(module, kind)
    if isinstance(weights, GRUWeights) and not weights.reset_after:
        raise LSTMInputError(
            "PyTorch's nn.GRU computes the reset-after form (r multiplies h_prev @ U + b), "
            "so it cannot hold GRUWeights with reset_after=False"
        )
    tensors = _tensors(module, layer or 0, direction, kind)
    expected_in = tensors["weight_ih"].shape[1]
    if (module.hidden_size, expected_in) != (weights.units, weights.input_dim):
        raise LSTMInputError(
            f"module must be an nn.{kind} with input_size={weights.input_dim} and "
            f"hidden_size={weights.units} to hold these weights; got input_size="
            f"{expected_in} and hidden_size={module.hidden_size}"
        )
    _check_variants(weights, module)
    units = weights.units
    bias = None if weights.bias is None else to_float(weights.bias)
    if not module.bias and bias is not None and np.any(bias != 0):
        raise LSTMInputError(
            "module was built with bias=False, so it cannot hold these weights' nonzero "
            "bias; build it with bias=True (the default) or use weights with bias=None"
        )
    zeros = np.zeros(weights.kernel.shape[1])
    if kind in ("LSTM", "RNN"):
        b_ih, b_hh = (zeros if bias is None else bias), zeros
    else:
        b_ih, b_hh = (zeros, zeros) if bias is None else (bias[0], bias[1])
    values = {
        "weight_ih": _reorder(to_float(weights.kernel).T, kind, units),  # (n*units, in)
        "weight_hh": _reorder(to_float(weights.recurrent_kernel).T, kind, units),
        "bias_ih": _reorder(b_ih, kind, units),
        "bias_hh": _reorder(b_hh, kind, units),
    }
    projection = getattr(weights, "projection", None)
    if projection is not None:
        values["weight_hr"] = to_float(projection).T  # (proj_size, units)
    with torch.no_grad():
        for name, tensor in tensors.items():
            new = torch.from_numpy(np.array(values[name], dtype=np.float64))  # a copy
            tensor.copy_(new.to(dtype=tensor.dtype, device=tensor.device))
    return module


def _check_variants(weights: Weights, module: Any) -> None:
    """PyTorch's LSTM has a projection (proj_size) but no peepholes, clip or coupled
    gates; the module's proj_size must be the weights' (0 for none)."""
    if not isinstance(weights, LSTMWeights):
        return
    others = [v for v in weights.variants if v != "projection"]
    if others:
        raise LSTMInputError(
            f"PyTorch's nn.LSTM has no {' or '.join(others)}; these weights cannot be "
            "copied into one (to_onnx writes them)"
        )
    proj = weights.output_units if weights.projection is not None else 0
    if module.proj_size != proj:
        raise LSTMInputError(
            f"module must be an nn.LSTM with proj_size={proj} to hold these weights; got "
            f"proj_size={module.proj_size}"
        )


def from_torch(module: Any) -> Weights:
    """The weights of a one-layer, one-direction `torch.nn.LSTM`, `nn.GRU` or `nn.RNN`, as
    `LSTMWeights`, `GRUWeights` or `RNNWeights` in Keras's layout (float64): an LSTM's kernel is
    `weight_ih_l0.T`, its recurrent kernel `weight_hh_l0.T` and its bias `bias_ih_l0 +
    bias_hh_l0` (PyTorch only ever uses their sum), and with `proj_size` its projection
    `weight_hr_l0.T`; a GRU's gates are reordered from r, z, n to z, r, h and keep both
    biases (`reset_after=True`); an RNN's are an LSTM's with one block, and its activation
    is `torch_activation(module)`. `layers_from_torch` reads every layer and direction."""
    return weights_from_torch(module)


def to_torch(weights: Weights, module: Any) -> Any:
    """Copy `weights` into a matching one-layer `torch.nn.LSTM`, `nn.GRU` or `nn.RNN`, in
    place, and return it: an LSTM's or RNN's whole bias goes into `bias_ih_l0` (`bias_hh_l0`
    zeros; an nn.RNN must be built with the nonlinearity the weights are run with); only
    `reset_after=True` GRU weights fit, as PyTorch has no reset-before form."""
    return weights_to_torch(weights, module)


def layers_from_torch(module: Any) -> list[Weights | Bidirectional]:
    """Every layer of an `nn.LSTM`, `nn.GRU` or `nn.RNN`, bottom first: weights, or a
    `Bidirectional` pair when the module is bidirectional (merged by concatenation,
    as PyTorch's output is)."""
    torch = import_torch()
    _kind(module, torch)
    layers: list[Weights | Bidirectional] = []
    for k in range(module.num_layers):
        fwd = weights_from_torch(module, layer=k)
        if module.bidirectional:
            back = weights_from_torch(module, layer=k, direction="backward")
            layers.append(Bidirectional(fwd, back, merge_mode="concat"))
        else:
            layers.append(fwd)
    return layers


def layers_to_torch(layers: list[Weights | Bidirectional], module: Any) -> Any:
    """Copy layers (as `layers_from_torch` returns them) into a matching module, in place."""
    torch = import_torch()
    _kind(module, torch)
    if len(layers) != module.num_layers:
        raise LSTMInputError(
            f"module has num_layers={module.num_layers} but {len(layers)} layer(s) were given"
        )
    for k, layer in enumerate(layers):
        if isinstance(layer, Bidirectional) != bool(module.bidirectional):
            raise LSTMInputError(
                f"layer {k} is {'' if isinstance(layer, Bidirectional) else 'not '}"
                f"bidirectional but the module has bidirectional={module.bidirectional}"
            )
        if isinstance(layer, Bidirectional):
            if layer.merge_mode != "concat":
                raise LSTMInputError(
                    f"PyTorch concatenates the two directions; layer {k} has merge_mode="
                    f"{layer.merge_mode!r}"
                )
            weights_to_torch(layer.forward, module, layer=k)
            weights_to_torch(layer.backward, module, layer=k, direction="backward")
        else:
            weights_to_torch(layer, module, layer=k)
    return module


def torch_activation(module: Any) -> str:
    """The activation an `nn.RNN` or `nn.RNNCell` computes with, its `nonlinearity`
    ("tanh" or "relu"), as the engine's `activation` names it; "tanh" for the other
    modules, whose candidate activation is fixed."""
    value = getattr(module, "nonlinearity", "tanh")
    if value not in ("tanh", "relu"):
        raise LSTMInputError(f"nonlinearity must be 'tanh' or 'relu'; got {describe(value)}")
    return str(value)


def from_torch_cell(cell: Any) -> Weights:
    """The weights of an `nn.LSTMCell`, `nn.GRUCell` or `nn.RNNCell` (one step, no
    layers), as `from_torch` gives a one-layer module's; an RNNCell's activation is
    `torch_activation(cell)`."""
    torch = import_torch()
    kind = next((k for name, k in _CELL_MODULES.items()
                 if isinstance(cell, getattr(torch.nn, name))), None)  # fmt: skip
    if kind is None:
        raise LSTMInputError(
            f"cell must be a torch.nn.LSTMCell, nn.GRUCell or nn.RNNCell; got {describe(cell)}"
        )
    n, hidden, inputs = _BLOCKS[kind], cell.hidden_size, cell.input_size
    shapes: dict[str, tuple[int, ...]] = {
        "weight_ih": (n * hidden, inputs),
        "weight_hh": (n * hidden, hidden),
    }
    if cell.bias:
        shapes |= {"bias_ih": (n * hidden,), "bias_hh": (n * hidden,)}
    arrays = {}
    for name, shape in shapes.items():
        tensor = getattr(cell, name)
        if tuple(tensor.shape) != shape:
            raise LSTMInputError(
                f"cell.{name} must have shape {shape}; got shape {tuple(tensor.shape)}"
            )
        arrays[name] = tensor.detach().cpu().double().numpy()
    return weights_from_torch_arrays(kind, arrays["weight_ih"], arrays["weight_hh"],
                                     arrays.get("bias_ih"), arrays.get("bias_hh"))  # fmt: skip
