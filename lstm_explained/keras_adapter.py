"""Run the same LSTM through a real `keras.layers.LSTM`, and compare with the engine.

Keras is imported here and only here, on first use, so `import lstm_explained` stays
fast and needs nothing but NumPy. Whatever Keras backend is configured is used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._validate import to_float
from .activations import resolve
from .cell import ActivationSpec, _initial_state, _inputs, _mask
from .errors import LSTMInputError
from .trace import Trace
from .weights import LSTMWeights

Array = NDArray[Any]

# Quiet TensorFlow start-up logs; oneDNN off also gives the plainer float32 order of sums.
# Set before TensorFlow is imported; the test gate applies the same (conftest.py).
TENSORFLOW_ENV = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}


def import_keras() -> Any:
    """Import Keras once, quietly, or explain how to install it."""
    for name, value in TENSORFLOW_ENV.items():
        os.environ.setdefault(name, value)
    try:
        import keras
    except ModuleNotFoundError as err:
        raise ModuleNotFoundError(
            "this needs Keras, which is not installed; install it with "
            "pip install 'lstm-explained[keras]'"
        ) from err
    return keras


@dataclass(frozen=True, eq=False)
class KerasResult:
    """What `keras.layers.LSTM(return_sequences=True, return_state=True)` returned, as NumPy.

    Shapes as in `Trace`: a batch axis exactly when the input had one.
    """

    sequence_out: NDArray[np.float32]
    state_h: NDArray[np.float32]
    state_c: NDArray[np.float32]


def build_keras_lstm(
    weights: LSTMWeights,
    *,
    activation: ActivationSpec = "tanh",
    recurrent_activation: ActivationSpec = "sigmoid",
) -> Any:
    """A built `keras.layers.LSTM` holding `weights`, returning sequences and states.

    `unit_forget_bias=False` so the bias is exactly `weights.bias`; `use_bias=False`
    when `weights.bias` is None.
    """
    for spec, arg in ((activation, "activation"), (recurrent_activation, "recurrent_activation")):
        resolve(spec, argument=arg, exact=False)  # same error as forward() for a bad name
    keras = import_keras()
    layer = keras.layers.LSTM(
        weights.units,
        activation=activation if activation is not None else "linear",
        recurrent_activation=recurrent_activation if recurrent_activation is not None else "linear",
        use_bias=weights.bias is not None,
        unit_forget_bias=False,
        return_sequences=True,
        return_state=True,
    )
    layer.build((None, None, weights.input_dim))
    layer.set_weights(weights.to_keras())
    return layer


def keras_forward(
    inputs: Any,
    weights: LSTMWeights,
    *,
    activation: ActivationSpec = "tanh",
    recurrent_activation: ActivationSpec = "sigmoid",
    initial_state: Any = None,
    mask: Any = None,
) -> KerasResult:
    """Run `inputs` through a Keras LSTM; arguments mean what they mean in `forward`."""
    if not isinstance(weights, LSTMWeights):
        raise LSTMInputError(f"weights must be an LSTMWeights; got {type(weights).__name__}")
    x, batched = _inputs(inputs, weights.input_dim)  # (batch, time, features)
    batch, time, _ = x.shape
    h0, c0 = _initial_state(initial_state, batch, weights.units)  # (batch, units) each
    keep = None if mask is None else _mask(mask, batch, time, batched)
    layer = build_keras_lstm(
        weights, activation=activation, recurrent_activation=recurrent_activation
    )
    kwargs: dict[str, Any] = {"initial_state": [_f32(h0), _f32(c0)]}
    if keep is not None:
        kwargs["mask"] = np.ascontiguousarray(keep)
    sequence_out, state_h, state_c = layer(_f32(x), **kwargs)
    keras = import_keras()
    arrays = [keras.ops.convert_to_numpy(a) for a in (sequence_out, state_h, state_c)]
    if not batched:
        arrays = [a[0] for a in arrays]
    return KerasResult(*arrays)


def _f32(a: Any) -> NDArray[np.float32]:
    return np.ascontiguousarray(to_float(np.asarray(a)), dtype=np.float32)


@dataclass(frozen=True)
class Comparison:
    """Largest absolute differences between the engine and Keras, field by field."""

    sequence_out: float
    state_h: float
    state_c: float
    scale: float

    @property
    def max_abs_diff(self) -> float:
        """The largest absolute difference over all three outputs."""
        return max(self.sequence_out, self.state_h, self.state_c)

    @property
    def max_rel_diff(self) -> float:
        """`max_abs_diff` relative to the largest magnitude in the engine's outputs."""
        return self.max_abs_diff / self.scale if self.scale else self.max_abs_diff

    def __str__(self) -> str:
        return (
            f"largest difference from Keras: {self.max_abs_diff:.3g} "
            f"(relative {self.max_rel_diff:.3g}; sequence_out {self.sequence_out:.3g}, "
            f"state_h {self.state_h:.3g}, state_c {self.state_c:.3g})"
        )


def compare(trace: Trace, result: KerasResult) -> Comparison:
    """How far `result` (from `keras_forward`) is from `trace` (from `forward`)."""
    diffs = {}
    scale = 0.0
    for name in ("sequence_out", "state_h", "state_c"):
        ours = to_float(np.asarray(getattr(trace, name)))
        theirs = np.asarray(getattr(result, name), dtype=np.float64)
        if ours.shape != theirs.shape:
            raise LSTMInputError(
                f"cannot compare {name}: the trace has shape {ours.shape}, Keras {theirs.shape}"
            )
        with np.errstate(invalid="ignore", over="ignore"):
            diffs[name] = float(np.max(np.abs(ours - theirs))) if ours.size else 0.0
            scale = max(scale, float(np.max(np.abs(ours))) if ours.size else 0.0)
    return Comparison(scale=scale, **diffs)


@dataclass(frozen=True, eq=False)
class KerasGradients:
    """Gradients from `tf.GradientTape` on a Keras LSTM, shaped like `Gradients`."""

    kernel: NDArray[np.float32]
    recurrent_kernel: NDArray[np.float32]
    bias: NDArray[np.float32] | None
    inputs: NDArray[np.float32]
    initial_h: NDArray[np.float32]
    initial_c: NDArray[np.float32]


def keras_gradients(
    inputs: Any,
    weights: LSTMWeights,
    d_sequence_out: Any,
    *,
    d_state_h: Any = None,
    d_state_c: Any = None,
    activation: ActivationSpec = "tanh",
    recurrent_activation: ActivationSpec = "sigmoid",
    initial_state: Any = None,
    mask: Any = None,
) -> KerasGradients:
    """What `tf.GradientTape` says for the same loss as `backward(trace, d_sequence_out, ...)`.

    The loss is sum(sequence_out * d_sequence_out) + sum(state_h * d_state_h) +
    sum(state_c * d_state_c), whose gradient with respect to the outputs is exactly the
    given arrays. Needs Keras on its TensorFlow backend.
    """
    keras = import_keras()
    if keras.backend.backend() != "tensorflow":
        raise ModuleNotFoundError("keras_gradients needs Keras's TensorFlow backend")
    import tensorflow as tf

    x, batched = _inputs(inputs, weights.input_dim)  # (batch, time, features)
    batch, time, _ = x.shape
    h0, c0 = _initial_state(initial_state, batch, weights.units)
    keep = None if mask is None else _mask(mask, batch, time, batched)
    layer = build_keras_lstm(
        weights, activation=activation, recurrent_activation=recurrent_activation
    )

    def upstream(value: Any, name: str, shape: tuple[int, ...]) -> Any:
        """An upstream gradient with the batch axis, zeros when not given."""
        if value is None:
            return tf.zeros(shape, dtype=tf.float32)
        arr = to_float(np.asarray(value))
        arr = arr if batched else arr[None]
        if arr.shape != shape:
            given = arr.shape if batched else arr.shape[1:]
            raise LSTMInputError(f"{name} has shape {given}, which does not fit the outputs")
        return tf.constant(_f32(arr))

    units = weights.units
    d_seq = upstream(d_sequence_out, "d_sequence_out", (batch, time, units))
    d_h = upstream(d_state_h, "d_state_h", (batch, units))
    d_c = upstream(d_state_c, "d_state_c", (batch, units))
    xs, h0v, c0v = (tf.Variable(_f32(a)) for a in (x, h0, c0))
    with tf.GradientTape() as tape:
        kwargs: dict[str, Any] = {"initial_state": [h0v, c0v]}
        if keep is not None:
            kwargs["mask"] = tf.constant(np.ascontiguousarray(keep))
        seq, state_h, state_c = layer(xs, **kwargs)
        loss = (
            tf.reduce_sum(seq * d_seq) + tf.reduce_sum(state_h * d_h) + tf.reduce_sum(state_c * d_c)
        )
    variables = [*layer.trainable_variables, xs, h0v, c0v]
    grads = [np.asarray(g, dtype=np.float32) for g in tape.gradient(loss, variables)]
    kernel, recurrent = grads[0], grads[1]
    bias = grads[2] if weights.bias is not None else None
    d_x, d_h0, d_c0 = (g if batched else g[0] for g in grads[-3:])
    return KerasGradients(kernel, recurrent, bias, d_x, d_h0, d_c0)
