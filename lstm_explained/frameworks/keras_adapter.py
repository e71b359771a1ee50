"""Run the same layer through a real Keras `LSTM`, `GRU` or `SimpleRNN`, and compare
with the engine.

Keras is imported here and only here, on first use, so `import lstm_explained` stays
fast and needs nothing but NumPy. Whatever Keras backend is configured is used.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..engine._validate import describe, to_float
from ..engine.activations import resolve
from ..engine.layers import Bidirectional
from ..engine.options import ActivationSpec
from ..engine.recurrence import cell_of, initial_states, sequence_inputs, time_mask
from ..engine.trace import Trace, require_trace
from ..engine.weights import GRUWeights, RNNWeights, Weights
from ..errors import LSTMInputError
from .optional import require

Array = NDArray[Any]

# Quiet TensorFlow start-up logs; oneDNN off also gives the plainer float32 order of sums.
# Set before TensorFlow is imported; the test gate applies the same (conftest.py).
TENSORFLOW_ENV = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}


def import_keras() -> Any:
    """Import Keras once, quietly, or explain how to install it."""
    for name, value in TENSORFLOW_ENV.items():
        os.environ.setdefault(name, value)
    return require("keras", "keras", "Keras")


@dataclass(frozen=True, eq=False)
class KerasResult:
    """What a Keras `LSTM` or `GRU` with `return_sequences=True, return_state=True`
    returned, as NumPy. Shapes as in `Trace`: a batch axis exactly when the input had
    one. `state_c` is None for a GRU."""

    sequence_out: Array
    state_h: Array
    state_c: Array | None = None


def _activation_name(spec: ActivationSpec) -> Any:
    return spec if spec is not None else "linear"


def build_keras_layer(
    weights: Weights,
    *,
    activation: ActivationSpec = "tanh",
    recurrent_activation: ActivationSpec = "sigmoid",
    go_backwards: bool = False,
    input_dim: int | None = None,
    dtype: str = "float32",
    zero_output_for_mask: bool = False,
) -> Any:
    """A built `keras.layers.LSTM`, `keras.layers.GRU` or `keras.layers.SimpleRNN`
    holding `weights`, returning sequences and states.

    An LSTM gets `unit_forget_bias=False`, so its bias is exactly `weights.bias`; a GRU
    gets `reset_after=weights.reset_after`; either gets `use_bias=False` when
    `weights.bias` is None. `dtype` is the layer's (Keras computes in float32 unless
    told otherwise; "float64" shows what is left once float32's rounding is gone). A
    SimpleRNN (for `RNNWeights`) has no gates and takes no `recurrent_activation`.
    """
    cell_of(weights)
    for spec, arg in ((activation, "activation"), (recurrent_activation, "recurrent_activation")):
        resolve(spec, argument=arg, exact=False)  # same error as forward() for a bad name
    keras = import_keras()
    options: dict[str, Any] = {
        "activation": _activation_name(activation),
        "recurrent_activation": _activation_name(recurrent_activation),
        "use_bias": weights.bias is not None,
        "return_sequences": True,
        "return_state": True,
        "go_backwards": go_backwards,
        "zero_output_for_mask": zero_output_for_mask,
        "dtype": _dtype(dtype),
    }
    if isinstance(weights, RNNWeights):
        del options["recurrent_activation"]  # SimpleRNN has no gates
        layer = keras.layers.SimpleRNN(weights.units, **options)
    elif isinstance(weights, GRUWeights):
        layer = keras.layers.GRU(weights.units, reset_after=weights.reset_after, **options)
    else:
        layer = keras.layers.LSTM(weights.units, unit_forget_bias=False, **options)
    layer.build((None, None, input_dim or weights.input_dim))
    layer.set_weights([to_float(np.asarray(a)) for a in weights.to_keras(dtype)])
    return layer


def _dtype(dtype: str) -> str:
    if dtype not in ("float32", "float64"):
        raise LSTMInputError(f"dtype must be 'float32' or 'float64'; got {describe(dtype)}")
    return dtype


def build_keras_lstm(
    weights: Weights,
    *,
    activation: ActivationSpec = "tanh",
    recurrent_activation: ActivationSpec = "sigmoid",
) -> Any:
    """`build_keras_layer` under the name it had when the engine knew only the LSTM."""
    return build_keras_layer(
        weights, activation=activation, recurrent_activation=recurrent_activation
    )


def _f32(a: Any, dtype: str = "float32") -> Array:
    return np.ascontiguousarray(to_float(np.asarray(a)), dtype=dtype)


def _prepared(
    inputs: Any, weights: Weights, initial_state: Any, mask: Any, dtype: str = "float32"
) -> tuple[Array, bool, list[Array], Array | None]:
    """Inputs (batch, time, features), whether batched, the initial states, the mask."""
    cell_of(weights)  # an LSTMWeights or GRUWeights, or the engine's own message
    x, batched = sequence_inputs(inputs, weights)
    batch, time, _ = x.shape
    states = initial_states(initial_state, cell_of(weights).STATES, batch, weights.units)
    keep = None if mask is None else time_mask(mask, batch, time, batched)
    return x, batched, [_f32(s, _dtype(dtype)) for s in states], keep


def keras_forward(
    inputs: Any,
    weights: Weights,
    *,
    activation: ActivationSpec = "tanh",
    recurrent_activation: ActivationSpec = "sigmoid",
    initial_state: Any = None,
    mask: Any = None,
    go_backwards: bool = False,
    zero_output_for_mask: bool = False,
    dtype: str = "float32",
) -> KerasResult:
    """Run `inputs` through a Keras LSTM or GRU; arguments mean what they mean in `forward`.

    `dtype="float64"` builds the layer in float64 instead of Keras's float32.
    """
    x, batched, states, keep = _prepared(inputs, weights, initial_state, mask, dtype)
    layer = build_keras_layer(
        weights,
        activation=activation,
        recurrent_activation=recurrent_activation,
        go_backwards=go_backwards,
        zero_output_for_mask=zero_output_for_mask,
        dtype=dtype,
    )
    kwargs: dict[str, Any] = {"initial_state": states}
    if keep is not None:
        kwargs["mask"] = np.ascontiguousarray(keep)
    keras = import_keras()
    arrays = [keras.ops.convert_to_numpy(a) for a in layer(_f32(x, dtype), **kwargs)]
    if not batched:
        arrays = [a[0] for a in arrays]
    return KerasResult(*arrays)


def _keras_bidirectional(layer: Bidirectional, options: dict[str, Any]) -> Any:
    """An unbuilt `keras.layers.Bidirectional` of two layers for `layer`'s directions."""
    keras = import_keras()
    fwd = build_keras_layer(layer.forward, **options)
    back = build_keras_layer(layer.backward, go_backwards=True, **options)
    return keras.layers.Bidirectional(fwd, backward_layer=back, merge_mode=layer.merge_mode)


def _set_bidirectional_weights(wrapper: Any, layer: Bidirectional) -> None:
    # Bidirectional rebuilds the two layers from their configs; give the copies our weights.
    wrapper.forward_layer.set_weights(layer.forward.to_keras())
    wrapper.backward_layer.set_weights(layer.backward.to_keras())


def keras_bidirectional(
    inputs: Any,
    layer: Bidirectional,
    *,
    activation: ActivationSpec = "tanh",
    recurrent_activation: ActivationSpec = "sigmoid",
    mask: Any = None,
) -> tuple[Array, ...]:
    """What `keras.layers.Bidirectional` returns for these weights, as NumPy with a batch
    axis: the merged output (two outputs with `merge_mode=None`), then the forward
    direction's states, then the backward one's."""
    if not isinstance(layer, Bidirectional):
        raise LSTMInputError(f"layer must be a Bidirectional; got {describe(layer)}")
    keras = import_keras()
    x, _, _, keep = _prepared(inputs, layer.forward, None, mask)
    options: dict[str, Any] = {
        "activation": activation,
        "recurrent_activation": recurrent_activation,
    }
    wrapper = _keras_bidirectional(layer, options)
    wrapper.build((None, None, layer.input_dim))
    _set_bidirectional_weights(wrapper, layer)
    kwargs = {} if keep is None else {"mask": np.ascontiguousarray(keep)}
    return tuple(keras.ops.convert_to_numpy(a) for a in wrapper(_f32(x), **kwargs))


def keras_stacked(
    inputs: Any,
    layers: Sequence[Weights | Bidirectional],
    *,
    activation: ActivationSpec = "tanh",
    recurrent_activation: ActivationSpec = "sigmoid",
    mask: Any = None,
) -> list[Any]:
    """Every layer's sequence output from one Keras model that stacks these layers
    (bidirectional ones as `keras.layers.Bidirectional`), bottom first, each
    (batch, time, units); a pair for a top layer with `merge_mode=None`."""
    keras = import_keras()
    first = layers[0].forward if isinstance(layers[0], Bidirectional) else layers[0]
    x, _, _, keep = _prepared(inputs, first, None, mask)
    options: dict[str, Any] = {
        "activation": activation,
        "recurrent_activation": recurrent_activation,
    }
    features = keras.Input(shape=(None, first.input_dim))
    time_mask_in = keras.Input(shape=(None,), dtype="bool")
    h, outputs, built = features, [], []
    for layer in layers:
        if isinstance(layer, Bidirectional):
            keras_layer = _keras_bidirectional(layer, options)
            result = keras_layer(h, mask=time_mask_in)
            n_out = 1 if layer.merge_mode is not None else 2
            h = result[0]
            outputs.append(tuple(result[:n_out]) if n_out == 2 else result[0])
        else:
            keras_layer = build_keras_layer(layer, **options)
            h = keras_layer(h, mask=time_mask_in)[0]
            outputs.append(h)
        built.append((keras_layer, layer))
    model = keras.Model([features, time_mask_in], outputs)
    for keras_layer, layer in built:
        if isinstance(layer, Bidirectional):
            _set_bidirectional_weights(keras_layer, layer)
        else:
            keras_layer.set_weights(layer.to_keras())
    full_mask = np.ones(x.shape[:2], dtype=bool) if keep is None else np.ascontiguousarray(keep)
    results = model([_f32(x), full_mask])
    results = results if isinstance(results, (list, tuple)) else [results]
    return [
        tuple(keras.ops.convert_to_numpy(a) for a in r) if isinstance(r, tuple)
        else keras.ops.convert_to_numpy(r)
        for r in results
    ]  # fmt: skip


@dataclass(frozen=True)
class Comparison:
    """Largest absolute differences between the engine and Keras, field by field."""

    sequence_out: float
    state_h: float
    state_c: float | None  # None for a GRU, which has no cell state
    scale: float

    @property
    def max_abs_diff(self) -> float:
        """The largest absolute difference over all outputs."""
        return max(self.sequence_out, self.state_h, self.state_c or 0.0)

    @property
    def max_rel_diff(self) -> float:
        """`max_abs_diff` relative to the largest magnitude in the engine's outputs."""
        return self.max_abs_diff / self.scale if self.scale else self.max_abs_diff

    def __str__(self) -> str:
        state_c = "" if self.state_c is None else f", state_c {self.state_c:.3g}"
        return (
            f"largest difference from Keras: {self.max_abs_diff:.3g} "
            f"(relative {self.max_rel_diff:.3g}; sequence_out {self.sequence_out:.3g}, "
            f"state_h {self.state_h:.3g}{state_c})"
        )


def largest_difference(ours: Any, theirs: Any, name: str) -> tuple[float, float]:
    """(largest |ours - theirs|, largest |ours|) of two arrays of the same shape."""
    a = to_float(np.asarray(ours))
    b = np.asarray(theirs, dtype=np.float64)
    if a.shape != b.shape:
        raise LSTMInputError(f"cannot compare {name}: ours has shape {a.shape}, theirs {b.shape}")
    if not a.size:
        return 0.0, 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        return float(np.max(np.abs(a - b))), float(np.max(np.abs(a)))


def compare(trace: Trace, result: KerasResult) -> Comparison:
    """How far `result` (from `keras_forward`) is from `trace` (from `forward`)."""
    require_trace(trace)
    diffs: dict[str, float | None] = {"state_c": None}
    scale = 0.0
    names = ["sequence_out", "state_h"] + (["state_c"] if trace.cell == "LSTM" else [])
    for name in names:
        diff, size = largest_difference(getattr(trace, name), getattr(result, name), name)
        diffs[name] = diff
        scale = max(scale, size)
    return Comparison(
        sequence_out=float(diffs["sequence_out"] or 0.0),
        state_h=float(diffs["state_h"] or 0.0),
        state_c=diffs["state_c"],
        scale=scale,
    )


@dataclass(frozen=True, eq=False)
class KerasGradients:
    """Gradients from `tf.GradientTape` on a Keras LSTM or GRU, shaped like `Gradients`
    (`initial_c` None for a GRU)."""

    kernel: NDArray[np.float32]
    recurrent_kernel: NDArray[np.float32]
    bias: NDArray[np.float32] | None
    inputs: NDArray[np.float32]
    initial_h: NDArray[np.float32]
    initial_c: NDArray[np.float32] | None = None


def keras_gradients(
    inputs: Any,
    weights: Weights,
    d_sequence_out: Any,
    *,
    d_state_h: Any = None,
    d_state_c: Any = None,
    activation: ActivationSpec = "tanh",
    recurrent_activation: ActivationSpec = "sigmoid",
    initial_state: Any = None,
    mask: Any = None,
    dtype: str = "float32",
) -> KerasGradients:
    """What `tf.GradientTape` says for the same loss as `backward(trace, d_sequence_out, ...)`.

    The loss is sum(sequence_out * d_sequence_out) + sum(state_h * d_state_h) +
    sum(state_c * d_state_c), whose gradient with respect to the outputs is exactly the
    given arrays. Needs Keras on its TensorFlow backend. `dtype="float64"` builds the
    layer in float64.
    """
    keras = import_keras()
    if keras.backend.backend() != "tensorflow":
        raise ModuleNotFoundError("keras_gradients needs Keras's TensorFlow backend")
    import tensorflow as tf

    x, batched, states, keep = _prepared(inputs, weights, initial_state, mask, dtype)
    batch, time, _ = x.shape
    layer = build_keras_layer(
        weights, activation=activation, recurrent_activation=recurrent_activation, dtype=dtype
    )

    def upstream(value: Any, name: str, shape: tuple[int, ...]) -> Any:
        """An upstream gradient with the batch axis, zeros when not given."""
        if value is None:
            return tf.zeros(shape, dtype=dtype)
        arr = to_float(np.asarray(value))
        arr = arr if batched else arr[None]
        if arr.shape != shape:
            given = arr.shape if batched else arr.shape[1:]
            raise LSTMInputError(f"{name} has shape {given}, which does not fit the outputs")
        return tf.constant(_f32(arr, dtype))

    units = weights.units
    d_seq = upstream(d_sequence_out, "d_sequence_out", (batch, time, units))
    d_states = [upstream(d_state_h, "d_state_h", (batch, units))]
    if len(states) == 2:
        d_states.append(upstream(d_state_c, "d_state_c", (batch, units)))
    elif d_state_c is not None:
        raise LSTMInputError("d_state_c was given, but a GRU has no cell state c")
    xs = tf.Variable(_f32(x, dtype))
    state_vars = [tf.Variable(s) for s in states]
    with tf.GradientTape() as tape:
        kwargs: dict[str, Any] = {"initial_state": state_vars}
        if keep is not None:
            kwargs["mask"] = tf.constant(np.ascontiguousarray(keep))
        seq, *final = layer(xs, **kwargs)
        loss = tf.reduce_sum(seq * d_seq)
        for state, d in zip(final, d_states, strict=True):
            loss += tf.reduce_sum(state * d)
    variables = [*layer.trainable_variables, xs, *state_vars]
    grads = [np.asarray(g) for g in tape.gradient(loss, variables)]
    kernel, recurrent = grads[0], grads[1]
    bias = grads[2] if weights.bias is not None else None
    rest = [g if batched else g[0] for g in grads[-1 - len(states) :]]
    return KerasGradients(kernel, recurrent, bias, *rest)
