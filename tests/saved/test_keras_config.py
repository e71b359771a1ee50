"""A Keras config read as a graph of calls without Keras: Keras 3's calls (args and
kwargs with `__keras_tensor__` references), Keras 2's (lists, initial states after the
sequence), Sequential chains and nested models. The configs below are written the way
Keras writes them (checked against files Keras saved, in the tests marked keras), and
each expectation is read off the config by eye."""

from __future__ import annotations

import json
import zipfile

import pytest

from lstm_explained import LSTMInputError
from lstm_explained.saved.keras_config import model_graph, snake_case


def tensor(name, call=0, index=0):
    """A reference to another call's output, as Keras 3 writes one."""
    return {"class_name": "__keras_tensor__",
            "config": {"shape": [None, None, 3], "dtype": "float32",
                       "keras_history": [name, call, index]}}  # fmt: skip


def entry(kind, name, *calls, module="keras.layers", **config):
    return {"module": module, "class_name": kind, "config": {"name": name, **config},
            "registered_name": None, "name": name, "inbound_nodes": list(calls)}  # fmt: skip


def functional(*layers, inputs, outputs):
    return {"module": "keras.src.models.functional", "class_name": "Functional",
            "config": {"name": "functional", "layers": list(layers),
                       "input_layers": inputs, "output_layers": outputs}}  # fmt: skip


MASKED = functional(
    entry("InputLayer", "x", batch_shape=[None, None, 3], dtype="float32"),
    entry("NotEqual", "not_equal", {"args": [tensor("x"), 0.0], "kwargs": {}},
          module="keras.src.ops.numpy"),
    entry("Masking", "pad", {"args": [tensor("x")], "kwargs": {}}, mask_value=0.0),
    entry("Any", "any", {"args": [tensor("not_equal")], "kwargs": {}},
          module="keras.src.ops.numpy", axis=-1, keepdims=False),
    entry("LSTM", "low", {"args": [tensor("pad")], "kwargs": {"mask": tensor("any")}}),
    inputs=["x", 0, 0],  # one input: Keras 3 writes the reference alone
    outputs=["low", 0, 0],
)  # fmt: skip


def test_a_keras_3_call_holds_the_tensors_it_reads():
    graph = model_graph(MASKED)
    ops = graph.ops
    low = ops["low"].node(0)
    assert low.args == [ops["pad"].tensor(0, 0)]  # one object per output: compared by identity
    assert low.kwargs["mask"] is ops["any"].tensor(0, 0)
    assert low.input_tensors == [ops["pad"].tensor(0, 0), ops["any"].tensor(0, 0)]
    assert ops["not_equal"].node(0).args[1] == 0.0  # a constant stays a value
    assert [t.name for t in graph.inputs] == ["x"]
    assert graph.inputs[0].shape == (None, None, 3)
    assert graph.outputs == [ops["low"].tensor(0, 0)]
    # model.layers: the layers and inputs in the config's order, not the mask operations
    assert [op.name for op in graph.layers] == ["x", "pad", "low"]
    assert not ops["any"].is_layer


def test_a_keras_2_call_lists_its_inputs_with_the_initial_states_after_the_sequence():
    config = {"class_name": "Functional", "config": {"name": "model", "layers": [
        {"class_name": "InputLayer", "name": "enc_in", "inbound_nodes": [],
         "config": {"batch_input_shape": [None, None, 3], "dtype": "float32", "name": "enc_in"}},
        {"class_name": "InputLayer", "name": "dec_in", "inbound_nodes": [],
         "config": {"batch_input_shape": [None, None, 2], "dtype": "float32", "name": "dec_in"}},
        {"class_name": "LSTM", "name": "encoder", "config": {"name": "encoder"},
         "inbound_nodes": [[["enc_in", 0, 0, {}]]]},
        {"class_name": "LSTM", "name": "decoder", "config": {"name": "decoder"},
         "inbound_nodes": [[["dec_in", 0, 0, {}], ["encoder", 0, 1, {}], ["encoder", 0, 2, {}]]]},
        {"class_name": "Concatenate", "name": "both", "config": {"name": "both"},
         "inbound_nodes": [[["decoder", 0, 0, {}], ["dec_in", 0, 0, {}]]]},
    ], "input_layers": [["enc_in", 0, 0], ["dec_in", 0, 0]],
        "output_layers": [["both", 0, 0]]}}  # fmt: skip
    graph = model_graph(config, keras_major=2)
    ops = graph.ops
    decoder = ops["decoder"].node(0)
    assert decoder.args == [ops["dec_in"].tensor(0, 0)]
    assert decoder.kwargs["initial_state"] == [ops["encoder"].tensor(0, 1),
                                               ops["encoder"].tensor(0, 2)]  # fmt: skip
    # a layer that is not recurrent gets its inputs as one list, as Keras 2 called it
    assert ops["both"].node(0).args == [[ops["decoder"].tensor(0, 0), ops["dec_in"].tensor(0, 0)]]
    assert [t.name for t in graph.inputs] == ["enc_in", "dec_in"]
    assert graph.inputs[1].shape == (None, None, 2)


def test_a_sequential_chains_its_layers_and_makes_an_input_when_it_lists_none():
    config = {"class_name": "Sequential", "config": {"name": "seq", "layers": [
        {"module": "keras.layers", "class_name": "LSTM", "config": {"name": "a"}},
        {"module": "keras.layers", "class_name": "GRU", "config": {"name": "b"}},
    ], "build_input_shape": [None, None, 5]}}  # fmt: skip
    graph = model_graph(config)
    a, b = graph.ops["a"], graph.ops["b"]
    assert b.node(0).args == [a.tensor(0, 0)]
    assert a.node(0).args == graph.inputs
    assert graph.inputs[0].shape == (None, None, 5)
    assert graph.outputs == [b.tensor(0, 0)]
    assert [op.name for op in graph.layers] == ["a", "b"]  # Sequential.layers: no input


@pytest.mark.parametrize(("major", "first_call"), [(3, 0), (2, 1)])
def test_a_nested_sequential_counts_its_calls_as_its_keras_did(major, first_call):
    """Keras 3's Sequential is not functional: its first call is call 0. Keras 2's is,
    and its call 0 is its own construction (the file says ["inner", 1, 0])."""
    inner = {"class_name": "Sequential", "name": "inner", "config": {"name": "inner", "layers": [
        {"class_name": "InputLayer", "config": {"name": "i", "batch_shape": [None, None, 3]}},
        {"class_name": "LSTM", "config": {"name": "inner_lstm"}}]},
        "inbound_nodes": [{"args": [tensor("x")], "kwargs": {}}]}  # fmt: skip
    config = functional(entry("InputLayer", "x", batch_shape=[None, None, 3]), inner,
                        inputs=[["x", 0, 0]], outputs=[["inner", first_call, 0]])  # fmt: skip
    graph = model_graph(config, keras_major=major)
    nested = graph.ops["inner"]
    assert list(nested.nodes) == [first_call]
    assert nested.graph is not None
    assert [op.name for op in nested.graph.layers] == ["inner_lstm"]
    assert [(g.name, op.name) for g, op in graph.walk()] == [
        ("functional", "x"),
        ("functional", "inner"),
        ("inner", "i"),
        ("inner", "inner_lstm"),
    ]


def test_a_config_that_refers_to_what_it_does_not_list_is_refused():
    broken = functional(entry("InputLayer", "x"),
                        entry("LSTM", "l", {"args": [tensor("nowhere")], "kwargs": {}}),
                        inputs=["x", 0, 0], outputs=["l", 0, 0])  # fmt: skip
    with pytest.raises(LSTMInputError, match="refers to a layer 'nowhere' it does not list"):
        model_graph(broken)
    unlisted = functional(entry("InputLayer", "x"),
                          entry("LSTM", "l", {"args": [tensor("x")], "kwargs": {}}),
                          inputs=["x", 0, 0], outputs=["l", 1, 0])  # fmt: skip
    with pytest.raises(LSTMInputError, match="call 1 of layer 'l', which it does not list"):
        model_graph(unlisted)
    with pytest.raises(LSTMInputError, match="describes a Dense, not a Keras model"):
        model_graph({"class_name": "Dense", "config": {}})
    with pytest.raises(LSTMInputError, match="model config is malformed"):
        model_graph({"class_name": "Functional", "config": {"layers": 3}})


@pytest.mark.parametrize(("kind", "group"), [
    ("InputLayer", "input_layer"), ("LSTM", "lstm"), ("GRU", "gru"),
    ("Bidirectional", "bidirectional"), ("SimpleRNN", "simple_rnn"), ("Conv1D", "conv1d"),
    ("Functional", "functional"),
])  # fmt: skip
def test_class_names_become_the_groups_keras_saves_under(kind, group):
    assert snake_case(kind) == group


@pytest.mark.keras
def test_the_graph_lists_the_layers_keras_lists(keras, tmp_path):
    """Against Keras's own model.layers, nested and functional alike."""
    layers = keras.layers
    inner = keras.Sequential([keras.Input((None, 4)), layers.LSTM(3, return_sequences=True,
                              name="inner_lstm")], name="inner")  # fmt: skip
    x = keras.Input((None, 4), name="x")
    h = inner(layers.Masking(name="pad")(x))
    model = keras.Model(x, layers.GRU(2, name="top")(layers.Dropout(0.1, name="drop")(h)))
    model.save(tmp_path / "m.keras")
    config = json.loads(zipfile.ZipFile(tmp_path / "m.keras").read("config.json"))
    graph = model_graph(config)
    assert [op.name for op in graph.layers] == [layer.name for layer in model.layers]
    nested = graph.ops["inner"].graph
    assert nested is not None
    assert [op.name for op in nested.layers] == [layer.name for layer in inner.layers]
    assert [op.name for op in graph.ops.values()] == [op.name for op in model.operations]
