"""Keras 3 `.keras` files: every LSTM and GRU layer (in stacks, Bidirectional wrappers
and nested models) read with its settings, and the engine's trace of each against the
model's own output, computed here from the model the test built; a file without a
recurrent layer, or one that holds code, refused in one line, and nothing in it runs."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_explained import LSTMInputError
from lstm_explained.saved.files import load_model
from tests.command_line import one_line_error, refused_in_a_fresh_process
from tests.saved.runs import X, agree, engine


@pytest.fixture(scope="module")
def keras_stack(keras, tmp_path_factory):
    """Dense -> LSTM -> Dropout -> Bidirectional(GRU, hard_sigmoid, sum) -> LSTM(go_backwards,
    last step only), saved as .keras; the in-memory model is the reference."""
    layers = keras.layers
    inp = keras.Input((None, 3))
    h = layers.Dense(4, name="dense")(inp)
    h = layers.LSTM(5, return_sequences=True, name="lstm_a")(h)
    h = layers.Dropout(0.5)(h)
    gru = layers.GRU(2, return_sequences=True, activation="hard_sigmoid",
                     bias_initializer="glorot_uniform")  # fmt: skip
    h = layers.Bidirectional(gru, merge_mode="sum", name="bi")(h)
    out = layers.LSTM(3, go_backwards=True, activation="linear", name="lstm_b")(h)
    model = keras.Model(inp, out)
    path = tmp_path_factory.mktemp("keras") / "stack.keras"
    model.save(path)
    return model, path


@pytest.mark.keras
@pytest.mark.parametrize("name", ["lstm_a", "bi", "lstm_b"])
def test_keras_layers_reproduce_the_models_own_outputs(keras, keras_stack, name):
    model, path = keras_stack
    saved, chain, ours = engine(path, name, x=np.asarray(model.get_layer("dense")(X)))
    # the model's own output at that layer, from its raw input through the Dense layer
    theirs = keras.Model(model.input, model.get_layer(name).output).predict(X, verbose=0)
    agree(ours, theirs)
    assert [layer.name for layer in chain] == ["lstm_a", "bi", "lstm_b"][: len(chain)]
    assert saved.source(chain[0]) == "the output of dense (Dense)"


@pytest.mark.keras
def test_keras_layers_keep_their_settings(keras_stack):
    layers = {layer.name: layer for layer in load_model(keras_stack[1]).layers}
    assert (layers["bi"].kind, layers["bi"].direction, layers["bi"].units) == (
        "GRU",
        "bidirectional",
        2,
    )
    assert layers["bi"].activation == "hard_sigmoid"
    assert layers["bi"].settings["merge_mode"] == "sum"
    assert layers["bi"].settings["reset_after"] is True
    assert layers["lstm_b"].direction == "reverse"
    assert layers["lstm_b"].activation == "linear"
    assert layers["lstm_a"].settings["unit_forget_bias"] is True
    assert layers["lstm_a"].dtype == "float32"


@pytest.mark.keras
@pytest.mark.parametrize(
    ("make", "merge_mode"),
    [("LSTM", "concat"), ("GRU", "ave"), ("GRU", "mul"), ("LSTM", None)],
)
def test_keras_bidirectional_merge_modes_and_sequential_stacks(keras, tmp_path, make, merge_mode):
    layers = keras.layers
    reset_after = merge_mode != "ave"  # one GRU each way
    options = {"reset_after": reset_after} if make == "GRU" else {"unit_forget_bias": False}
    inner = getattr(layers, make)(3, return_sequences=True, recurrent_activation="hard_sigmoid",
                                  bias_initializer="uniform", **options)  # fmt: skip
    model = keras.Sequential([
        keras.Input((None, 3)),
        getattr(layers, make)(4, return_sequences=True, name="below", **options),
        layers.Bidirectional(inner, merge_mode=merge_mode, name="top"),
    ])  # fmt: skip
    path = tmp_path / "seq.keras"
    model.save(path)
    _, chain, ours = engine(path, "top")
    theirs = model.predict(X, verbose=0)
    theirs = np.concatenate(theirs, axis=-1) if merge_mode is None else theirs
    assert [layer.name for layer in chain] == ["below", "top"]
    agree(ours, theirs)


@pytest.mark.keras
def test_a_nested_model_and_skipped_layers(keras, tmp_path):
    layers = keras.layers
    inner = keras.Sequential([keras.Input((None, 3)), layers.GRU(2, return_sequences=True,
                              reset_after=False, name="inner_gru")], name="encoder")  # fmt: skip
    inp = keras.Input((None, 3))
    h = inner(inp)
    h = layers.RNN(layers.SimpleRNNCell(2), return_sequences=True, name="plain")(h)
    out = layers.LSTM(2, name="top")(h)
    model = keras.Model(inp, out)
    path = tmp_path / "nested.keras"
    model.save(path)
    saved = load_model(path)
    assert [layer.name for layer in saved.layers] == ["inner_gru", "top"]
    assert saved.skipped[0][0] == "plain"
    assert "a RNN layer" in saved.skipped[0][1]  # a cell in Keras's generic RNN wrapper
    with pytest.raises(LSTMInputError, match="RNN layer, which the engine does not"):
        saved.layer("plain")
    assert saved.source(saved.layer("top")) == "the output of plain (RNN)"
    _, _, ours = engine(path, "inner_gru")
    agree(ours, inner.predict(X, verbose=0))


@pytest.mark.keras
def test_a_keras_model_without_a_recurrent_layer_lists_its_layers(capsys, keras, tmp_path):
    wrapped = keras.layers.RNN(keras.layers.SimpleRNNCell(2), name="plain")  # generic RNN
    model = keras.Sequential([keras.Input((None, 2)), keras.layers.Conv1D(2, 1, name="conv"),
                              wrapped])  # fmt: skip
    model.save(tmp_path / "none.keras")
    err = one_line_error(capsys, "trace", tmp_path / "none.keras")
    assert "has no LSTM, GRU or SimpleRNN layer; its layers are ['Conv1D', 'RNN']" in err
    assert "plain is a RNN layer, which the engine does not compute" in err


@pytest.mark.keras
def test_a_keras_lambda_layer_is_refused_and_nothing_runs(keras, tmp_path):
    marker = tmp_path / "ran"
    body = eval(f"lambda t: (open({str(marker)!r}, 'w').close(), t)[1]")
    model = keras.Sequential([keras.Input((None, 1)), keras.layers.Lambda(body),
                              keras.layers.LSTM(1)])  # fmt: skip
    model.save(tmp_path / "lambda.keras")
    marker.unlink(missing_ok=True)  # building the model called the lambda once
    err = refused_in_a_fresh_process(tmp_path / "lambda.keras", marker)
    assert "refused" in err
    assert "never runs code from a file" in err


@pytest.mark.keras
def test_a_simple_rnn_and_a_bidirectional_one_reproduce_the_models_own_outputs(keras, tmp_path):
    keras.utils.set_random_seed(4)
    model = keras.Sequential([
        keras.Input((None, 3)),
        keras.layers.SimpleRNN(4, activation="relu", return_sequences=True,
                               bias_initializer="random_normal", name="plain"),
        keras.layers.Bidirectional(keras.layers.SimpleRNN(2, return_sequences=True,
                                                          go_backwards=False), name="both"),
    ])  # fmt: skip
    path = tmp_path / "simple.keras"
    model.save(path)
    layers = {layer.name: layer for layer in load_model(path).layers}
    assert (layers["plain"].kind, layers["plain"].activation) == ("RNN", "relu")
    assert layers["plain"].recurrent_activation == "linear"  # SimpleRNN has none
    assert layers["both"].direction == "bidirectional"
    for name in ("plain", "both"):
        _, _, ours = engine(path, name)
        theirs = keras.Model(model.inputs, model.get_layer(name).output).predict(X, verbose=0)
        agree(ours, theirs)
