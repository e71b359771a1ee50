"""Recurrent-layer weights in Keras's packed layout, so Keras weights load without transposes.

Keras stores a cell's gates side by side in column blocks of `units` columns each:

    LSTM  gates input, forget, candidate, output (Keras's code calls the candidate "c")
          kernel            (input_dim, 4*units)   input  -> gates
          recurrent_kernel  (units, 4*units)       h_prev -> gates
          bias              (4*units,)
    GRU   gates update, reset, candidate (Keras's code calls them z, r, h)
          kernel            (input_dim, 3*units)
          recurrent_kernel  (units, 3*units)
          bias              (2, 3*units) with reset_after=True (Keras's default): row 0 is
                            added on the input side, row 1 on the recurrent side;
                            (3*units,) with reset_after=False
    RNN   one block, the new hidden state (Keras's SimpleRNN; no gates)
          kernel            (input_dim, units)
          recurrent_kernel  (units, units)
          bias              (units,)

PyTorch keeps other orders and transposes: `frameworks.torch_adapter.from_torch` and
`to_torch` convert, as the other adapters do for their frameworks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from ..errors import LSTMInputError
from ._validate import describe, numeric_array

GATES: tuple[str, ...] = ("input", "forget", "candidate", "output")
"""The LSTM's gate names in Keras's column order."""

GRU_GATES: tuple[str, ...] = ("update", "reset", "candidate")
"""The GRU's gate names in Keras's column order (Keras writes z, r, h)."""

PEEPHOLE_GATES: tuple[str, ...] = ("input", "forget", "output")
"""The rows of an LSTM's `peephole` (ONNX's P orders them input, output, forget)."""

LSTM_VARIANTS: tuple[str, ...] = ("peephole", "input_forget", "clip", "projection")
"""The LSTM variants the engine computes, by the name of the `LSTMWeights` field."""
RNN_GATES: tuple[str, ...] = ("hidden",)
"""The plain recurrent cell's one block: the new hidden state itself, no gate."""


@dataclass(frozen=True)
class GateWeights:
    """The slice of each weight that feeds one gate.

    `bias` is `(units,)`, or `(2, units)` (input side, recurrent side) for a GRU with
    `reset_after=True`; None without a bias.
    """

    kernel: NDArray[Any]  # (input_dim, units)
    recurrent_kernel: NDArray[Any]  # (units, units)
    bias: NDArray[Any] | None


@dataclass(frozen=True, eq=False)
class PackedWeights:
    """What every cell's weights share: Keras's packed layout, checked once, read-only.

    Subclasses name their gates; shapes follow from `len(gates)`.
    """

    cell: ClassVar[str] = ""
    gates: ClassVar[tuple[str, ...]] = ()

    kernel: NDArray[Any]
    recurrent_kernel: NDArray[Any]
    bias: NDArray[Any] | None = None

    def __post_init__(self) -> None:
        n = len(self.gates)
        kernel = numeric_array(self.kernel, "kernel")
        if kernel.ndim != 2 or kernel.shape[1] == 0 or kernel.shape[1] % n:
            raise LSTMInputError(
                f"kernel must have shape (input_dim, {n}*units), the gates' and the "
                f"candidate's blocks side by side in the order {', '.join(self.gates)}; got "
                f"shape {kernel.shape}"
            )
        units = kernel.shape[1] // n
        if kernel.shape[0] == 0:
            raise LSTMInputError(f"kernel has input_dim 0; an {self.cell} needs at least one input")
        recurrent = numeric_array(self.recurrent_kernel, "recurrent_kernel")
        rows = self._h_units(units)
        if recurrent.shape != (rows, n * units):
            what = "units" if rows == units else "proj_size"
            raise LSTMInputError(
                f"recurrent_kernel must have shape ({what}, {n}*units) = {(rows, n * units)} "
                f"to match kernel {kernel.shape}; got shape {recurrent.shape}"
            )
        bias = None if self.bias is None else self._checked_bias(self.bias, kernel.shape)
        for name, arr in (("kernel", kernel), ("recurrent_kernel", recurrent), ("bias", bias)):
            if arr is not None:
                arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    def _h_units(self, units: int) -> int:
        """The size of h, which the recurrent kernel reads: `units` (an LSTM with a
        projection overrides it)."""
        return units

    def _checked_bias(self, value: Any, kernel_shape: tuple[int, ...]) -> NDArray[Any]:
        n, units = len(self.gates), kernel_shape[1] // len(self.gates)
        bias = numeric_array(value, "bias")
        if bias.shape != (n * units,):
            raise LSTMInputError(
                f"bias must have shape ({n}*units,) = {(n * units,)} to match kernel "
                f"{kernel_shape}; got shape {bias.shape}"
            )
        return bias

    @property
    def input_dim(self) -> int:
        """Number of input features per time step."""
        return int(self.kernel.shape[0])

    @property
    def units(self) -> int:
        """Number of units: the size of each gate block, of c for an LSTM, and of h
        unless an LSTM projects it (see `output_units`)."""
        return int(self.kernel.shape[1] // len(self.gates))

    @property
    def output_units(self) -> int:
        """The size of h, the output: `units`, or an LSTM's `proj_size`."""
        return self.units

    def gate(self, name: str) -> GateWeights:
        """The kernel, recurrent kernel and bias columns of one gate."""
        if name not in self.gates:
            raise LSTMInputError(f"unknown gate {name!r}; gates are {', '.join(self.gates)}")
        k = self.gates.index(name)
        cols = slice(k * self.units, (k + 1) * self.units)
        return GateWeights(
            self.kernel[:, cols],
            self.recurrent_kernel[:, cols],
            None if self.bias is None else self.bias[..., cols],
        )

    def to_keras(self, dtype: str = "float32") -> list[NDArray[np.floating[Any]]]:
        """`[kernel, recurrent_kernel, bias]` as float32 (or `dtype`), for `layer.set_weights`.

        No bias entry when there is no bias (a layer built with `use_bias=False`).
        """
        arrays = [self.kernel, self.recurrent_kernel]
        if self.bias is not None:
            arrays.append(self.bias)
        return [np.asarray(a, dtype=dtype) for a in arrays]

    def replace(self, **changes: Any) -> Any:
        """A copy with some arrays replaced (checked like the original)."""
        return dataclasses.replace(self, **changes)

    def parameter_count(self) -> int:
        """How many numbers the layer holds, as Keras's `count_params()` counts them."""
        return sum(a.size for a in (self.kernel, self.recurrent_kernel, self.bias) if a is not None)

    def plain(self) -> dict[str, Any]:
        """The weights as JSON values in this packed layout, for a script (the stepper's
        presets): `cell`, `kernel`, `recurrentKernel`, `bias` (None without one), a
        GRU's `resetAfter` and an LSTM's variants where it uses them (`peephole`, `clip`,
        `inputForget`, `projection`); whole numbers as ints, others as floats."""

        def values(a: NDArray[Any] | None) -> Any:
            if a is None:
                return None
            return [values(row) for row in a] if a.ndim else _plain_number(a.item())

        doc = {
            "cell": self.cell,
            "kernel": values(self.kernel),
            "recurrentKernel": values(self.recurrent_kernel),
            "bias": values(self.bias),
        }
        if hasattr(self, "reset_after"):
            doc["resetAfter"] = self.reset_after
        for name in getattr(self, "variants", ()):  # an LSTM's, only those it uses
            value = getattr(self, name)
            key = {"input_forget": "inputForget"}.get(name, name)
            doc[key] = value if isinstance(value, bool) else values(np.asarray(value))
        return doc


def _plain_number(v: Any) -> int | float:
    as_float = float(v)
    return int(v) if as_float.is_integer() else as_float


@dataclass(frozen=True, eq=False)
class LSTMWeights(PackedWeights):
    """Kernel, recurrent kernel and optional bias of one LSTM layer, in Keras's layout.

    `LSTMWeights(*layer.get_weights())` reads a Keras layer; `weights.to_keras()` gives
    the list for `layer.set_weights`. Shapes are checked here, once.

    The variants (all off by default; `lstm_variants` computes them):

        peephole      (3, units), rows input, forget, output: i and f add
                      peephole[k] * c_prev to their pre-activations, o adds
                      peephole[2] * c (the new c); ONNX's `P`
        input_forget  True couples the gates: f = 1 - i, the forget columns unused
                      (ONNX's `input_forget=1`, as onnxruntime computes it)
        clip          every gate's pre-activation, peephole term included, is clipped
                      to [-clip, clip] (ONNX's `clip`, as onnxruntime computes it)
        projection    (units, proj_size): h = (o * act(c)) @ projection, so h has
                      proj_size values and recurrent_kernel is (proj_size, 4*units);
                      PyTorch's `weight_hr_l{k}` transposed (`proj_size`)

    They are keywords: `LSTMWeights(kernel, recurrent, bias, peephole=p)`, or
    `LSTMWeights.random(2, 3, seed=0).replace(clip=1.0)`.
    """

    cell: ClassVar[str] = "LSTM"
    gates: ClassVar[tuple[str, ...]] = GATES

    # keyword-only, so that LSTMWeights(*layer.get_weights()) reads only the three arrays
    peephole: NDArray[Any] | None = field(default=None, kw_only=True)
    projection: NDArray[Any] | None = field(default=None, kw_only=True)
    input_forget: bool = field(default=False, kw_only=True)
    clip: Any = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        check_flag_value("input_forget", self.input_forget)
        object.__setattr__(self, "input_forget", bool(self.input_forget))
        object.__setattr__(self, "clip", _checked_clip(self.clip))
        if self.projection is not None:
            projection = numeric_array(self.projection, "projection")
            if projection.ndim != 2 or 0 in projection.shape:
                raise LSTMInputError(
                    f"projection must have shape (units, proj_size), PyTorch's weight_hr "
                    f"transposed; got shape {projection.shape}"
                )
            object.__setattr__(self, "projection", projection)
        super().__post_init__()
        units = self.units
        for name, shape in (("peephole", (3, units)), ("projection", (units, self.output_units))):
            arr = getattr(self, name)
            if arr is None:
                continue
            arr = numeric_array(arr, name)
            if arr.shape != shape:
                layout = {"peephole": "(3, units): rows input, forget, output",
                          "projection": "(units, proj_size)"}[name]  # fmt: skip
                raise LSTMInputError(
                    f"{name} must have shape {layout} = {shape} to match kernel "
                    f"{self.kernel.shape}; got shape {arr.shape}"
                )
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    def _h_units(self, units: int) -> int:
        return units if self.projection is None else int(self.projection.shape[1])

    @property
    def output_units(self) -> int:
        """The size of h: `units`, or `proj_size` when a projection maps o * act(c) to h."""
        return self.units if self.projection is None else int(self.projection.shape[1])

    @property
    def variants(self) -> tuple[str, ...]:
        """Which of the LSTM's variants these weights turn on, by name: "peephole",
        "input_forget", "clip", "projection" (empty for the plain LSTM)."""
        on = (self.peephole is not None, self.input_forget, self.clip is not None,
              self.projection is not None)  # fmt: skip
        return tuple(n for n, flag in zip(LSTM_VARIANTS, on, strict=True) if flag)

    def to_keras(self, dtype: str = "float32") -> list[NDArray[np.floating[Any]]]:
        """`[kernel, recurrent_kernel, bias]`, for `layer.set_weights`; Keras's LSTM has
        none of the variants, so weights that use one are refused."""
        if self.variants:
            raise LSTMInputError(
                f"Keras's LSTM has no {' or '.join(self.variants)}; these weights cannot "
                "be set on a Keras layer (ONNX and PyTorch hold them: to_onnx, to_torch)"
            )
        return super().to_keras(dtype)

    def parameter_count(self) -> int:
        """How many numbers the layer holds, peepholes and projection included."""
        extra = (self.peephole, self.projection)
        return super().parameter_count() + sum(a.size for a in extra if a is not None)

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
        kernel, recurrent = _constant_kernels(value, input_dim, units, len(GATES))
        return cls(kernel, recurrent, None if bias is None else _gate_bias(bias, GATES, units))

    @classmethod
    def random(
        cls, input_dim: int, units: int, *, seed: int, scale: float = 0.5, use_bias: bool = True
    ) -> LSTMWeights:
        """Weights drawn from a normal distribution (mean 0, standard deviation `scale`).

        The same `seed` gives the same weights on every machine.
        """
        kernel, recurrent, bias = _random_arrays(
            input_dim, units, len(GATES), seed, scale, (4 * units,) if use_bias else None
        )
        return cls(kernel, recurrent, bias)


@dataclass(frozen=True, eq=False)
class GRUWeights(PackedWeights):
    """Kernel, recurrent kernel and optional bias of one GRU layer, in Keras's layout.

    `reset_after` is Keras's setting of the same name: True (Keras's default, cuDNN's
    and PyTorch's form) applies the reset gate after the recurrent matrix product and
    keeps two biases, `(2, 3*units)`; False (Cho et al.'s final paper, Keras 2) applies it
    before, with one bias `(3*units,)`. `GRUWeights(*layer.get_weights(),
    reset_after=layer.reset_after)` reads a Keras layer.
    """

    cell: ClassVar[str] = "GRU"
    gates: ClassVar[tuple[str, ...]] = GRU_GATES

    reset_after: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.reset_after, (bool, np.bool_)):
            raise LSTMInputError(
                f"reset_after must be True or False; got {describe(self.reset_after)}"
            )
        object.__setattr__(self, "reset_after", bool(self.reset_after))
        super().__post_init__()

    def _checked_bias(self, value: Any, kernel_shape: tuple[int, ...]) -> NDArray[Any]:
        units = kernel_shape[1] // 3
        bias = numeric_array(value, "bias")
        expected = (2, 3 * units) if self.reset_after else (3 * units,)
        if bias.shape != expected:
            layout = "(2, 3*units)" if self.reset_after else "(3*units,)"
            hint = ""
            if bias.shape == ((3 * units,) if self.reset_after else (2, 3 * units)):
                hint = (
                    f"; a bias of shape {bias.shape} is the reset_after="
                    f"{not self.reset_after} layout, so pass reset_after={not self.reset_after}"
                )
            raise LSTMInputError(
                f"bias must have shape {layout} = {expected} for a GRU with reset_after="
                f"{self.reset_after} and kernel {kernel_shape}; got shape {bias.shape}{hint}"
            )
        return bias

    @property
    def input_bias(self) -> NDArray[Any] | None:
        """The bias added on the input side, `(3*units,)` (the only one without reset_after)."""
        if self.bias is None:
            return None
        return self.bias[0] if self.reset_after else self.bias

    @property
    def recurrent_bias(self) -> NDArray[Any] | None:
        """The bias added to `h_prev @ recurrent_kernel`, `(3*units,)`; None without
        reset_after or without a bias."""
        return self.bias[1] if self.bias is not None and self.reset_after else None

    @classmethod
    def constant(
        cls,
        value: float,
        *,
        input_dim: int = 1,
        units: int = 1,
        bias: float | Mapping[str, float] | None = 0.0,
        reset_after: bool = True,
    ) -> GRUWeights:
        """Every kernel and recurrent-kernel entry set to `value`.

        `bias` is one number for every gate or a mapping from gate name to number (gates
        left out get 0), or None. With `reset_after=True` both bias rows get it, as
        Keras's `bias_initializer=Constant(b)` does.
        """
        kernel, recurrent = _constant_kernels(value, input_dim, units, len(GRU_GATES))
        row = None if bias is None else _gate_bias(bias, GRU_GATES, units)
        full = None if row is None else (np.stack([row, row]) if reset_after else row)
        return cls(kernel, recurrent, full, reset_after=reset_after)

    @classmethod
    def random(
        cls,
        input_dim: int,
        units: int,
        *,
        seed: int,
        scale: float = 0.5,
        use_bias: bool = True,
        reset_after: bool = True,
    ) -> GRUWeights:
        """Weights drawn from a normal distribution (mean 0, standard deviation `scale`)."""
        shape = ((2, 3 * units) if reset_after else (3 * units,)) if use_bias else None
        kernel, recurrent, bias = _random_arrays(input_dim, units, 3, seed, scale, shape)
        return cls(kernel, recurrent, bias, reset_after=reset_after)


@dataclass(frozen=True, eq=False)
class RNNWeights(PackedWeights):
    """Kernel, recurrent kernel and optional bias of one plain recurrent layer (Elman's
    cell: h = act(x @ kernel + bias + h_prev @ recurrent_kernel)), in the layout of
    Keras's `SimpleRNN`: kernel (input_dim, units), recurrent_kernel (units, units),
    bias (units,). `RNNWeights(*layer.get_weights())` reads a Keras SimpleRNN.
    """

    cell: ClassVar[str] = "RNN"
    gates: ClassVar[tuple[str, ...]] = RNN_GATES

    @classmethod
    def constant(
        cls, value: float, *, input_dim: int = 1, units: int = 1, bias: float | None = 0.0
    ) -> RNNWeights:
        """Every kernel and recurrent-kernel entry set to `value`, every bias entry to
        `bias` (None for no bias)."""
        kernel, recurrent = _constant_kernels(value, input_dim, units, 1)
        return cls(kernel, recurrent, None if bias is None else _gate_bias(bias, RNN_GATES, units))

    @classmethod
    def random(
        cls, input_dim: int, units: int, *, seed: int, scale: float = 0.5, use_bias: bool = True
    ) -> RNNWeights:
        """Weights drawn from a normal distribution (mean 0, standard deviation `scale`)."""
        shape = (units,) if use_bias else None
        kernel, recurrent, bias = _random_arrays(input_dim, units, 1, seed, scale, shape)
        return cls(kernel, recurrent, bias)


Weights = LSTMWeights | GRUWeights | RNNWeights
"""The weights of any cell the engine computes."""


def check_flag_value(name: str, value: Any) -> None:
    """An on/off setting must be a bool (NumPy's too): 1 or "yes" is refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise LSTMInputError(f"{name} must be True or False; got {describe(value)}")


def _checked_clip(value: Any) -> Any:
    """An LSTM's cell clip: None, or one positive finite number (kept as given)."""
    if value is None:
        return None
    arr = numeric_array(value, "clip")
    if arr.shape != () or not arr.item() > 0:
        raise LSTMInputError(
            f"clip must be a positive number (the gates' pre-activations are clipped to "
            f"[-clip, clip]) or None; got {describe(value)}"
        )
    return arr.item()


def check_size(name: str, value: Any) -> None:
    """A positive integer size, or an error naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise LSTMInputError(f"{name} must be a positive integer; got {describe(value)}")


def _constant_kernels(
    value: Any, input_dim: int, units: int, n_gates: int
) -> tuple[NDArray[Any], NDArray[Any]]:
    check_size("input_dim", input_dim)
    check_size("units", units)
    kernel = np.full((input_dim, n_gates * units), value, dtype=object)
    recurrent = np.full((units, n_gates * units), value, dtype=object)
    return kernel, recurrent


def _random_arrays(
    input_dim: int,
    units: int,
    n_gates: int,
    seed: int,
    scale: float,
    bias_shape: tuple[int, ...] | None,
) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any] | None]:
    check_size("input_dim", input_dim)
    check_size("units", units)
    rng = np.random.default_rng(seed)
    kernel = rng.normal(0.0, scale, (input_dim, n_gates * units))
    recurrent = rng.normal(0.0, scale, (units, n_gates * units))
    bias = None if bias_shape is None else rng.normal(0.0, scale, bias_shape)
    return kernel, recurrent, bias


def _gate_bias(
    bias: float | Mapping[str, float], gates: tuple[str, ...], units: int
) -> NDArray[Any]:
    if isinstance(bias, Mapping):
        unknown = set(bias) - set(gates)
        if unknown:
            raise LSTMInputError(
                f"bias names unknown gates {sorted(unknown)}; gates are {', '.join(gates)}"
            )
        per_gate = [bias.get(gate, 0.0) for gate in gates]
    else:
        per_gate = [bias] * len(gates)
    return np.repeat(np.array(per_gate, dtype=object), units)
