"""LSTM weights in Keras's packed layout, so Keras weights load without transposes.

Keras stores the four gates side by side in column blocks, in the order
input, forget, candidate, output (Keras's own code calls the candidate "c"):

    kernel            (input_dim, 4*units)   input  -> gates
    recurrent_kernel  (units, 4*units)       h_prev -> gates
    bias              (4*units,)

PyTorch's `nn.LSTM` keeps the same gate order (it writes i, f, g, o) but transposed and
with two biases that only ever appear as their sum:

    weight_ih_l0  (4*units, input_dim)  = kernel.T
    weight_hh_l0  (4*units, units)      = recurrent_kernel.T
    bias_ih_l0 + bias_hh_l0  (4*units,) = bias

`LSTMWeights.from_torch` and `to_torch` convert; PyTorch is imported only inside them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._validate import describe, numeric_array, to_float
from .errors import LSTMInputError

GATES: tuple[str, ...] = ("input", "forget", "candidate", "output")
"""Gate names in Keras's column order."""


@dataclass(frozen=True)
class GateWeights:
    """The slice of each weight that feeds one gate."""

    kernel: NDArray[Any]  # (input_dim, units)
    recurrent_kernel: NDArray[Any]  # (units, units)
    bias: NDArray[Any] | None  # (units,)


@dataclass(frozen=True, eq=False)
class LSTMWeights:
    """Kernel, recurrent kernel and optional bias of one LSTM layer, in Keras's layout.

    `LSTMWeights(*layer.get_weights())` reads a Keras layer; `weights.to_keras()` gives
    the list for `layer.set_weights`. Shapes are checked here, once.
    """

    kernel: NDArray[Any]
    recurrent_kernel: NDArray[Any]
    bias: NDArray[Any] | None = None

    def __post_init__(self) -> None:
        kernel = numeric_array(self.kernel, "kernel")
        if kernel.ndim != 2 or kernel.shape[1] == 0 or kernel.shape[1] % 4:
            raise LSTMInputError(
                "kernel must have shape (input_dim, 4*units), gates side by side in the "
                f"order {', '.join(GATES)}; got shape {kernel.shape}"
            )
        units = kernel.shape[1] // 4
        if kernel.shape[0] == 0:
            raise LSTMInputError("kernel has input_dim 0; an LSTM needs at least one input")
        recurrent = numeric_array(self.recurrent_kernel, "recurrent_kernel")
        if recurrent.shape != (units, 4 * units):
            raise LSTMInputError(
                f"recurrent_kernel must have shape (units, 4*units) = {(units, 4 * units)} "
                f"to match kernel {kernel.shape}; got shape {recurrent.shape}"
            )
        bias = None
        if self.bias is not None:
            bias = numeric_array(self.bias, "bias")
            if bias.shape != (4 * units,):
                raise LSTMInputError(
                    f"bias must have shape (4*units,) = {(4 * units,)} to match kernel "
                    f"{kernel.shape}; got shape {bias.shape}"
                )
        for name, arr in (("kernel", kernel), ("recurrent_kernel", recurrent), ("bias", bias)):
            if arr is not None:
                arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    @property
    def input_dim(self) -> int:
        """Number of input features per time step."""
        return int(self.kernel.shape[0])

    @property
    def units(self) -> int:
        """Number of LSTM units (the size of h and c)."""
        return int(self.kernel.shape[1] // 4)

    def gate(self, name: str) -> GateWeights:
        """The kernel, recurrent kernel and bias columns of one gate."""
        if name not in GATES:
            raise LSTMInputError(f"unknown gate {name!r}; gates are {', '.join(GATES)}")
        k = GATES.index(name)
        cols = slice(k * self.units, (k + 1) * self.units)
        return GateWeights(
            self.kernel[:, cols],
            self.recurrent_kernel[:, cols],
            None if self.bias is None else self.bias[cols],
        )

    def to_keras(self) -> list[NDArray[np.float32]]:
        """`[kernel, recurrent_kernel, bias]` as float32, for `layer.set_weights`.

        No bias entry when there is no bias (a layer built with `use_bias=False`).
        """
        arrays = [self.kernel, self.recurrent_kernel]
        if self.bias is not None:
            arrays.append(self.bias)
        return [np.asarray(a, dtype=np.float32) for a in arrays]

    @classmethod
    def from_torch(cls, module: Any) -> LSTMWeights:
        """The weights of a PyTorch `torch.nn.LSTM` in Keras's layout.

        `module` must have one layer, one direction and no `proj_size`; `batch_first`
        does not matter (it changes the inputs, not the weights). The kernel is
        `weight_ih_l0.T`, the recurrent kernel `weight_hh_l0.T` and the bias
        `bias_ih_l0 + bias_hh_l0` (no bias when the module was built with `bias=False`),
        all as float64. PyTorch's activations are fixed, so run the result with
        `forward`'s defaults (sigmoid and tanh).
        """
        torch = _import_torch()
        hidden, inputs = _check_torch_lstm(module, torch)
        tensors = _torch_tensors(module, hidden, inputs)
        with torch.no_grad():
            arrays = {name: t.detach().cpu().double().numpy() for name, t in tensors.items()}
        bias = None
        if module.bias:
            bias = arrays["bias_ih_l0"] + arrays["bias_hh_l0"]  # (4*units,)
        return cls(arrays["weight_ih_l0"].T, arrays["weight_hh_l0"].T, bias)

    def to_torch(self, module: Any) -> Any:
        """Copy these weights into a PyTorch `torch.nn.LSTM`, in place, and return it.

        The module must match: `input_size == input_dim`, `hidden_size == units`, one
        layer, one direction, no `proj_size`. The whole bias goes into `bias_ih_l0` and
        `bias_hh_l0` is set to zeros, since PyTorch only ever uses their sum. Weights
        without a bias give zeros in both; a module built with `bias=False` accepts only
        weights whose bias is None or all zeros. Values are rounded to the module's
        dtype (float32 by default).
        """
        torch = _import_torch()
        hidden, inputs = _check_torch_lstm(module, torch)
        if (hidden, inputs) != (self.units, self.input_dim):
            raise LSTMInputError(
                f"module must be an nn.LSTM with input_size={self.input_dim} and "
                f"hidden_size={self.units} to hold these weights; got input_size={inputs} "
                f"and hidden_size={hidden}"
            )
        tensors = _torch_tensors(module, hidden, inputs)
        bias = None if self.bias is None else to_float(self.bias)  # (4*units,)
        if not module.bias and bias is not None and np.any(bias != 0):
            raise LSTMInputError(
                "module was built with bias=False, so it cannot hold these weights' nonzero "
                "bias; build it with bias=True (the default) or use weights with bias=None"
            )
        zeros = np.zeros(4 * self.units)
        values = {
            "weight_ih_l0": to_float(self.kernel).T,  # (4*units, input_dim)
            "weight_hh_l0": to_float(self.recurrent_kernel).T,  # (4*units, units)
            "bias_ih_l0": zeros if bias is None else bias,  # (4*units,)
            "bias_hh_l0": zeros,  # (4*units,)
        }
        with torch.no_grad():
            for name, tensor in tensors.items():
                new = torch.from_numpy(np.array(values[name], dtype=np.float64))  # a copy
                tensor.copy_(new.to(dtype=tensor.dtype, device=tensor.device))
        return module

    @classmethod
    def constant(
        cls,
        value: float,
        *,
        input_dim: int = 1,
        units: int = 1,
        bias: float | Mapping[str, float] | None = 0.0,
    ) -> LSTMWeights:
        """Every kernel and recurrent-kernel entry set to `value`.

        `bias` is one number for every gate, a mapping from gate name to number (gates
        left out get 0; `{"forget": 1.0}` is what Keras's `unit_forget_bias=True` does),
        or None for no bias at all.
        """
        _check_size("input_dim", input_dim)
        _check_size("units", units)
        kernel = np.full((input_dim, 4 * units), value, dtype=object)
        recurrent = np.full((units, 4 * units), value, dtype=object)
        return cls(kernel, recurrent, None if bias is None else _bias(bias, units))

    @classmethod
    def random(
        cls, input_dim: int, units: int, *, seed: int, scale: float = 0.5, use_bias: bool = True
    ) -> LSTMWeights:
        """Weights drawn from a normal distribution (mean 0, standard deviation `scale`).

        The same `seed` gives the same weights on every machine.
        """
        _check_size("input_dim", input_dim)
        _check_size("units", units)
        rng = np.random.default_rng(seed)
        kernel = rng.normal(0.0, scale, (input_dim, 4 * units))
        recurrent = rng.normal(0.0, scale, (units, 4 * units))
        bias = rng.normal(0.0, scale, (4 * units,)) if use_bias else None
        return cls(kernel, recurrent, bias)


def _import_torch() -> Any:
    """Import PyTorch on first use, or explain how to install it."""
    try:
        import torch
    except ModuleNotFoundError as err:
        raise ModuleNotFoundError(
            "this needs PyTorch, which is not installed; install it with "
            "pip install 'lstm-explained[torch]'"
        ) from err
    return torch


def _check_torch_lstm(module: Any, torch: Any) -> tuple[int, int]:
    """`(hidden_size, input_size)` of a one-layer, one-direction `nn.LSTM`, or an error."""
    if not isinstance(module, torch.nn.LSTM):
        raise LSTMInputError(f"module must be a torch.nn.LSTM; got {type(module).__name__}")
    if module.num_layers != 1:
        raise LSTMInputError(
            f"module must be an nn.LSTM with num_layers=1; got num_layers={module.num_layers} "
            "(convert one layer at a time)"
        )
    if module.bidirectional:
        raise LSTMInputError(
            "module must be an nn.LSTM with bidirectional=False; got bidirectional=True"
        )
    if module.proj_size:
        raise LSTMInputError(
            f"module must be an nn.LSTM with proj_size=0 (Keras has no projection); "
            f"got proj_size={module.proj_size}"
        )
    return int(module.hidden_size), int(module.input_size)


def _torch_tensors(module: Any, hidden: int, inputs: int) -> dict[str, Any]:
    """The module's weight tensors by name, each checked against the shape it must have."""
    shapes: dict[str, tuple[int, ...]] = {
        "weight_ih_l0": (4 * hidden, inputs),
        "weight_hh_l0": (4 * hidden, hidden),
    }
    if module.bias:
        shapes |= {"bias_ih_l0": (4 * hidden,), "bias_hh_l0": (4 * hidden,)}
    tensors = {}
    for name, shape in shapes.items():
        tensor = getattr(module, name)
        if tuple(tensor.shape) != shape:
            raise LSTMInputError(
                f"module.{name} must have shape {shape} for input_size={inputs} and "
                f"hidden_size={hidden}; got shape {tuple(tensor.shape)}"
            )
        tensors[name] = tensor
    return tensors


def _check_size(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise LSTMInputError(f"{name} must be a positive integer; got {describe(value)}")


def _bias(bias: float | Mapping[str, float], units: int) -> NDArray[Any]:
    if isinstance(bias, Mapping):
        unknown = set(bias) - set(GATES)
        if unknown:
            raise LSTMInputError(
                f"bias names unknown gates {sorted(unknown)}; gates are {', '.join(GATES)}"
            )
        per_gate = [bias.get(gate, 0.0) for gate in GATES]
    else:
        per_gate = [bias] * 4
    return np.repeat(np.array(per_gate, dtype=object), units)
