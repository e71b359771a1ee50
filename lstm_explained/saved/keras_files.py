"""Keras 3 `.keras` files: every LSTM and GRU layer, inside `Bidirectional` wrappers and
nested models too, as `SavedLayer`s, and the loaded layers themselves to check against.

The file is loaded with `keras.saving.load_model(path, safe_mode=True, compile=False)`:
a model that holds Python code (a `Lambda` layer's function) is refused before anything
from it runs. A layer's input is followed down through the LSTM and GRU layers below it
and through layers that are the identity at inference (Dropout and its kin); any other
layer (Embedding, Dense, Masking, ...) ends the path, and the inputs a user gives are
what that layer would have passed up.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..engine.layers import Bidirectional
from ..engine.options import ActivationSpec
from ..engine.parametric import ParametricActivation
from ..engine.weights import GRUWeights, LSTMWeights, RNNWeights, Weights
from ..errors import LSTMInputError
from ..frameworks.keras_adapter import import_keras
from .keras_graph import KerasGraph
from .layer import SavedLayer
from .model import SavedModel

Array = NDArray[Any]
ACTIVATIONS: dict[str, ActivationSpec] = {
    **{name: name for name in ("tanh", "sigmoid", "hard_sigmoid", "relu", "linear")},
    "softsign": ParametricActivation("softsign"),
    "softplus": ParametricActivation("softplus"),
    "elu": ParametricActivation("elu", Fraction(1)),
}
"""Keras's activation names (as a layer's config stores them) the engine computes."""

SETTINGS = ("use_bias", "unit_forget_bias", "reset_after", "return_sequences", "return_state",
            "go_backwards", "stateful", "unroll", "dropout", "recurrent_dropout",
            "zero_output_for_mask")  # fmt: skip


def read_keras(path: str) -> SavedModel:
    """The LSTM and GRU layers of a Keras 3 `.keras` file, bottom first."""
    keras = import_keras()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = keras.saving.load_model(path, safe_mode=True, compile=False)
        except Exception as err:  # Keras raises ValueError, TypeError, OSError, ...
            raise LSTMInputError(_load_error(path, err)) from None
    found: dict[str, tuple[Any, SavedLayer]] = {}
    skipped: list[tuple[str, str]] = []
    for name, layer in _walk(model, keras):
        try:
            saved = _saved(layer, name, keras)
        except LSTMInputError as err:
            skipped.append((name, str(err)))
            continue
        if saved is not None:
            found[name] = (layer, saved)
    if not found:
        kinds = sorted({type(layer).__name__ for _, layer in _walk(model, keras)})
        why = "".join(f"; {name} is {reason}" for name, reason in skipped)
        raise LSTMInputError(
            f"{path} has no LSTM, GRU or SimpleRNN layer; its layers are {kinds}{why}"
        )
    graph = KerasGraph(keras, model, found)
    found = {name: (layer, dataclasses.replace(saved, mask=graph.mask_source(name)))
             for name, (layer, saved) in found.items()}  # fmt: skip
    graph = KerasGraph(keras, model, found)  # with the layers that know their masks
    below = {name: low for name in found if (low := graph.below(name)) is not None}
    layers = tuple(saved for _, saved in found.values())
    return SavedModel(path, "keras", layers, below, {}, tuple(skipped), graph=graph)


def _load_error(path: str, err: Exception) -> str:
    text = " ".join(str(err).split())
    if "safe_mode" in text or "Lambda" in text:
        return (
            f"refused {path}: it holds Python code (a Lambda layer or a function), which Keras "
            "loads only with safe_mode=False; lstm-explained never runs code from a file"
        )
    text = text if len(text) <= 200 else text[:197] + "..."
    return f"cannot read {path} as a Keras model ({type(err).__name__}: {text})"


def _walk(model: Any, keras: Any, seen: set[str] | None = None) -> Iterator[tuple[str, Any]]:
    """(name, layer) for every layer, nested models opened; a name already taken gets
    its model's name in front ("encoder/lstm")."""
    seen = set() if seen is None else seen
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _walk(layer, keras, seen)
            continue
        name = layer.name if layer.name not in seen else f"{model.name}/{layer.name}"
        seen.add(name)
        yield name, layer


def _activation(config: dict[str, Any], key: str, name: str) -> ActivationSpec:
    value = config.get(key)
    value = "linear" if value is None else value
    if not isinstance(value, str) or value not in ACTIVATIONS:
        raise LSTMInputError(
            f"a layer whose {key} is {value!r}, which the engine does not compute (it "
            f"computes {', '.join(ACTIVATIONS)})"
        )
    return ACTIVATIONS[value]


def _weights(layer: Any, keras: Any) -> Weights:
    """The layer's weights in Keras's layout, float64."""
    config = layer.get_config()
    arrays = [np.asarray(a, dtype=np.float64) for a in layer.get_weights()]
    kernel, recurrent = arrays[0], arrays[1]  # (in, n*units), (units, n*units)
    bias = arrays[2] if config.get("use_bias", True) else None
    if isinstance(layer, keras.layers.LSTM):
        return LSTMWeights(kernel, recurrent, bias)
    if isinstance(layer, keras.layers.SimpleRNN):
        return RNNWeights(kernel, recurrent, bias)  # (in, units), (units, units), (units,)
    return GRUWeights(kernel, recurrent, bias, reset_after=config.get("reset_after", True))


def _saved(layer: Any, name: str, keras: Any) -> SavedLayer | None:
    """A SavedLayer for an LSTM, GRU or Bidirectional of one; None for a layer that is
    not recurrent; an LSTMInputError saying why for a recurrent layer the engine does
    not compute."""
    cells = (keras.layers.LSTM, keras.layers.GRU, keras.layers.SimpleRNN)
    inner = layer.forward_layer if isinstance(layer, keras.layers.Bidirectional) else layer
    kind = type(inner).__name__
    if not isinstance(inner, cells):
        if isinstance(inner, keras.layers.RNN) or any(k in kind for k in ("LSTM", "GRU", "RNN")):
            wrapped = " inside a Bidirectional" if inner is not layer else ""
            raise LSTMInputError(
                f"a {kind} layer{wrapped}, which the engine does not compute (it computes "
                "LSTM, GRU and SimpleRNN layers)"
            )
        return None
    config = inner.get_config()
    activation = _activation(config, "activation", name)
    recurrent = _activation(config, "recurrent_activation", name)
    settings = {k: config[k] for k in SETTINGS if k in config}
    settings["dtype_policy"] = inner.dtype_policy.name
    weights: Weights | Bidirectional = _weights(inner, keras)
    if inner is not layer:
        assert not isinstance(weights, Bidirectional)
        back = layer.backward_layer
        if inner.go_backwards or type(back) is not type(inner):
            raise LSTMInputError(
                "a Bidirectional whose forward layer reads backwards, or whose two layers "
                "differ in kind; the engine computes two layers of one kind, forward and back"
            )
        back_config = back.get_config()
        for key in ("activation", "recurrent_activation"):
            if back_config.get(key) != config.get(key):
                raise LSTMInputError(
                    f"a Bidirectional whose two layers have different {key}s; the engine "
                    "uses one for both directions"
                )
        weights = Bidirectional(weights, _weights(back, keras), merge_mode=layer.merge_mode)
        settings["merge_mode"] = layer.merge_mode
        settings.pop("go_backwards", None)
    return SavedLayer(
        name, "keras", weights, activation, recurrent,
        go_backwards=bool(inner is layer and config.get("go_backwards")),
        dtype=str(inner.variable_dtype), settings=settings,
    )  # fmt: skip
