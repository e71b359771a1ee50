"""How Keras, PyTorch, ONNX and Flax lay out one recurrent layer's weights.

One `Layout` per framework and cell: its tensors (names and shapes in terms of `in`,
the input features, and `H`, the units), the order of the gate blocks, where the biases
go, the activations and their defaults, the state, and the parameter count. The
converters (`torch_adapter`, `onnx_adapter`, `flax_adapter`) take their gate orders from
here, and the site's table "One cell, four layouts" is generated from the same objects,
so the table cannot describe a layout the code does not use.

The engine itself uses Keras's layout (`LSTMWeights`, `GRUWeights`, `RNNWeights`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import LSTMInputError


@dataclass(frozen=True)
class Tensor:
    """One stored tensor: its name, its shape in terms of `in`, `H` and `dirs`
    (directions, 1 here), and `copies` when one line stands for several tensors."""

    name: str
    shape: tuple[str, ...]
    copies: int = 1

    def concrete_shape(self, input_dim: int, units: int) -> tuple[int, ...]:
        """The shape for a layer of `input_dim` features and `units` units (one direction)."""
        sizes = {"in": input_dim, "H": units, "dirs": 1}
        return tuple(
            int(term) if term.isdigit()
            else int(term[:-1] or 1) * units if term.endswith("H")
            else sizes[term]
            for term in self.shape
        )  # fmt: skip

    def text(self) -> str:
        """`name (shape)`, as the site's table shows it."""
        each = " each" if self.copies > 1 else ""
        return f"`{self.name}` ({', '.join(self.shape)}){each}"


@dataclass(frozen=True)
class Layout:
    """One framework's layout of one cell (see the module docstring)."""

    framework: str
    layer: str
    cell: str  # "LSTM", "GRU" or "RNN"
    gate_order: tuple[str, ...]  # the engine's gate names, in this framework's block order
    gate_letters: str  # how the framework writes that order (the site's letter beside)
    tensors: tuple[Tensor, ...]
    biases: str
    activations: str
    state: str
    bias_vectors: int  # bias vectors per gate: the "+ 1" or "+ 2" of the count
    variants: str = "none"  # what else the layer can compute (peepholes, clip, ...)
    peephole_order: tuple[str, ...] = ()  # the gates of its peephole blocks, in order

    def parameter_count(self, input_dim: int, units: int) -> int:
        """How many numbers the layer stores (one direction, no peepholes)."""
        return sum(t.copies * math.prod(t.concrete_shape(input_dim, units)) for t in self.tensors)

    def count_formula(self) -> str:
        """The parameter count in terms of `in` and `H`, e.g. "4H(in + H + 1)"."""
        blocks = len(self.gate_order)
        return f"{blocks if blocks > 1 else ''}H(in + H + {self.bias_vectors})"


LSTM_ORDER = ("input", "forget", "candidate", "output")
GRU_ORDER = ("update", "reset", "candidate")
RNN_ORDER = ("hidden",)  # the plain cell: one block, the new hidden state

LAYOUTS: dict[str, Layout] = {
    "keras-lstm": Layout(
        "Keras 3", "keras.layers.LSTM", "LSTM", LSTM_ORDER, "i, f, c (our g), o",
        (Tensor("kernel", ("in", "4H")), Tensor("recurrent_kernel", ("H", "4H")),
         Tensor("bias", ("4H",))),
        "one; `unit_forget_bias=True` sets its forget slice to 1",
        "`activation` tanh, `recurrent_activation` sigmoid; any name or callable",
        "`[h, c]`", 1,
        "none: no peepholes, clip, coupled gates or projection",
    ),
    "torch-lstm": Layout(
        "PyTorch", "torch.nn.LSTM", "LSTM", LSTM_ORDER, "i, f, g, o",
        (Tensor("weight_ih_l0", ("4H", "in")), Tensor("weight_hh_l0", ("4H", "H")),
         Tensor("bias_ih_l0", ("4H",)), Tensor("bias_hh_l0", ("4H",))),
        "two, always added together",
        "sigmoid and tanh, fixed",
        "`(h_n, c_n)`", 2,
        "`proj_size` P: `weight_hr_l0` (P, H) projects h = W_hr (o ⊙ tanh(c)) to P values, "
        "`weight_hh_l0` is then (4H, P); no peepholes, clip or coupled gates",
    ),
    "onnx-lstm": Layout(
        "ONNX", "LSTM", "LSTM", ("input", "output", "forget", "candidate"),
        "i, o, f, c (our g)",
        (Tensor("W", ("dirs", "4H", "in")), Tensor("R", ("dirs", "4H", "H")),
         Tensor("B", ("dirs", "8H"))),
        "two, concatenated: input side `Wb`, then recurrent side `Rb`",
        "`activations` Sigmoid, Tanh, Tanh by name; HardSigmoid's `alpha` 0.2, `beta` 0.5",
        "`Y_h`, `Y_c`", 2,
        "peepholes `P` (dirs, 3H), blocks i, o, f: i and f add P ⊙ c_prev, o adds P ⊙ c; "
        "`clip` bounds every gate's pre-activation to [-clip, clip]; `input_forget=1` "
        "makes f = 1 - i (as onnxruntime computes them); no projection",
        ("input", "output", "forget"),
    ),
    "flax-lstm": Layout(
        "Flax", "nnx.LSTMCell", "LSTM", LSTM_ORDER, "i, f, g, o",
        (Tensor("ii, if_, ig, io .kernel", ("in", "H"), 4),
         Tensor("hi, hf, hg, ho .kernel", ("H", "H"), 4),
         Tensor("hi, hf, hg, ho .bias", ("H",), 4)),
        "one per gate, on the hidden side only",
        "`gate_fn` sigmoid, `activation_fn` tanh; any callable",
        "carry `(c, h)`", 1,
        "none: no peepholes, clip, coupled gates or projection",
    ),
    "flax-optimized-lstm": Layout(
        "Flax", "nnx.OptimizedLSTMCell", "LSTM", LSTM_ORDER, "i, f, g, o",
        (Tensor("dense_i.kernel", ("in", "4H")), Tensor("dense_h.kernel", ("H", "4H")),
         Tensor("dense_h.bias", ("4H",))),
        "one, on the hidden side only",
        "`gate_fn` sigmoid, `activation_fn` tanh; any callable",
        "carry `(c, h)`", 1,
        "none: no peepholes, clip, coupled gates or projection",
    ),
    "keras-gru": Layout(
        "Keras 3", "keras.layers.GRU", "GRU", GRU_ORDER, "z, r, h (our n)",
        (Tensor("kernel", ("in", "3H")), Tensor("recurrent_kernel", ("H", "3H")),
         Tensor("bias", ("2", "3H"))),
        "two rows, input side and recurrent side, with `reset_after=True` (the default); "
        "one row with `reset_after=False`",
        "`activation` tanh, `recurrent_activation` sigmoid; any name or callable",
        "`[h]`", 2,
    ),
    "torch-gru": Layout(
        "PyTorch", "torch.nn.GRU", "GRU", ("reset", "update", "candidate"), "r, z, n",
        (Tensor("weight_ih_l0", ("3H", "in")), Tensor("weight_hh_l0", ("3H", "H")),
         Tensor("bias_ih_l0", ("3H",)), Tensor("bias_hh_l0", ("3H",))),
        "two; the n block of `bias_hh_l0` sits inside r × (...), so they cannot be added",
        "sigmoid and tanh, fixed; always reset-after",
        "`h_n`", 2,
    ),
    "onnx-gru": Layout(
        "ONNX", "GRU", "GRU", GRU_ORDER, "z, r, h (our n)",
        (Tensor("W", ("dirs", "3H", "in")), Tensor("R", ("dirs", "3H", "H")),
         Tensor("B", ("dirs", "6H"))),
        "two, concatenated (`Wb`, `Rb`); `linear_before_reset=1` is reset-after, the "
        "default 0 is reset-before",
        "`activations` Sigmoid, Tanh by name",
        "`Y_h`", 2,
        "`clip`, which the engine does not compute (refused)",
    ),
    "flax-gru": Layout(
        "Flax", "nnx.GRUCell", "GRU", ("reset", "update", "candidate"), "r, z, n",
        (Tensor("dense_i.kernel", ("in", "3H")), Tensor("dense_h.kernel", ("H", "3H")),
         Tensor("dense_i.bias", ("3H",))),
        "one, on the input side only: no recurrent candidate bias; always reset-after",
        "`gate_fn` sigmoid, `activation_fn` tanh; any callable",
        "carry `h`", 1,
    ),
    "keras-rnn": Layout(
        "Keras 3", "keras.layers.SimpleRNN", "RNN", RNN_ORDER, "h (one block; no gates)",
        (Tensor("kernel", ("in", "H")), Tensor("recurrent_kernel", ("H", "H")),
         Tensor("bias", ("H",))),
        "one, added on the input side",
        "`activation` tanh; any name or callable",
        "`[h]`", 1,
    ),
    "torch-rnn": Layout(
        "PyTorch", "torch.nn.RNN", "RNN", RNN_ORDER, "h (one block; no gates)",
        (Tensor("weight_ih_l0", ("H", "in")), Tensor("weight_hh_l0", ("H", "H")),
         Tensor("bias_ih_l0", ("H",)), Tensor("bias_hh_l0", ("H",))),
        "two, always added together",
        "`nonlinearity` tanh or relu; not in the state dict",
        "`h_n`", 2,
    ),
    "onnx-rnn": Layout(
        "ONNX", "RNN", "RNN", RNN_ORDER, "h (one block; no gates)",
        (Tensor("W", ("dirs", "H", "in")), Tensor("R", ("dirs", "H", "H")),
         Tensor("B", ("dirs", "2H"))),
        "two, concatenated: input side `Wb`, then recurrent side `Rb`",
        "`activations` Tanh by name, one per direction",
        "`Y_h`", 2,
    ),
    "flax-rnn": Layout(
        "Flax", "nnx.SimpleCell", "RNN", RNN_ORDER, "h (one block; no gates)",
        (Tensor("dense_i.kernel", ("in", "H")), Tensor("dense_h.kernel", ("H", "H")),
         Tensor("dense_i.bias", ("H",))),
        "one, on the input side (`dense_i`), the reverse of its LSTMCell",
        "`activation_fn` tanh; any callable; not in the weights",
        "carry `h`", 1,
    ),
}  # fmt: skip
"""Every layout, by a short key: framework and cell."""


def layout(key: str) -> Layout:
    """One layout by its key, or an error naming the keys there are."""
    if key not in LAYOUTS:
        raise LSTMInputError(f"no layout named {key!r}; layouts are {', '.join(LAYOUTS)}")
    return LAYOUTS[key]


def reorder(
    blocks: NDArray[Any], source: tuple[str, ...], target: tuple[str, ...], axis: int = -1
) -> NDArray[Any]:
    """Gate blocks laid out in `source` order, rearranged into `target` order.

    `blocks` holds len(source) equal blocks side by side along `axis`, for example a
    Keras kernel (in, 4H) with source ("input", "forget", "candidate", "output").
    """
    arr = np.asarray(blocks)
    n = len(source)
    if sorted(source) != sorted(target) or arr.shape[axis] % n:
        raise LSTMInputError(
            f"cannot reorder gate blocks {source} into {target} along an axis of {arr.shape[axis]}"
        )
    parts = np.split(arr, n, axis=axis)
    return np.concatenate([parts[source.index(gate)] for gate in target], axis=axis)
