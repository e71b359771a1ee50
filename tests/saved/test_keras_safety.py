"""Which Keras configs may be handed to Keras to rebuild: the ones Keras writes for
built-in layers pass; one object that names code, a module outside Keras, a custom or
registered class or a Keras function (the route of CVE-2025-9906) is refused, naming the
layer and the setting."""

from __future__ import annotations

import copy
import json
import zipfile

import pytest

from lstm_explained.saved.keras_safety import UnsafeConfig, check_config


def lstm(name="lstm", **config):
    return {"module": "keras.layers", "class_name": "LSTM", "registered_name": None,
            "name": name, "inbound_nodes": [],
            "config": {"name": name, "units": 2, "activation": "tanh",
                       "dtype": {"module": "keras", "class_name": "DTypePolicy",
                                 "config": {"name": "float32"}, "registered_name": None},
                       "kernel_initializer": {"module": "keras.initializers",
                                              "class_name": "GlorotUniform",
                                              "config": {"seed": None}, "registered_name": None},
                       **config}}  # fmt: skip


def sequential(*layers):
    return {"module": "keras", "class_name": "Sequential", "registered_name": None,
            "config": {"name": "sequential", "layers": list(layers)}}  # fmt: skip


def refused(config):
    with pytest.raises(UnsafeConfig) as caught:
        check_config(config)
    return str(caught.value)


def test_built_in_layers_with_plain_settings_pass():
    regularized = lstm(
        kernel_regularizer={
            "module": "keras.regularizers",
            "class_name": "L2",
            "config": {"l2": 0.01},
            "registered_name": None,
        }
    )
    check_config(sequential(regularized, lstm("second", activation="hard_sigmoid")))


def test_a_lambda_layer_is_refused_by_name():
    body = {"module": "keras.layers", "class_name": "Lambda", "name": "lam",
            "config": {"name": "lam", "function": {"class_name": "__lambda__",
                                                   "config": {"code": "4wEAAA=="}}}}  # fmt: skip
    assert "layer 'lam' is a Lambda layer, which holds Python code" in refused(sequential(body))
    legacy = {"class_name": "Lambda", "config": {"name": "lam", "function": ["4wEAAA=="]}}
    assert "is a Lambda layer" in refused(sequential(legacy))  # a legacy .h5's, no module


def test_a_function_outside_keras_as_a_setting_is_refused():
    os_system = {"module": "os", "class_name": "function", "config": "system",
                 "registered_name": "function"}  # fmt: skip
    err = refused(sequential(lstm(activation=os_system)))
    assert err.startswith("layer 'lstm''s setting activation is the function os.system")
    assert "a setting may name an activation as a string, never hold a function" in err


def test_a_call_of_a_keras_function_is_refused_as_cve_2025_9906_used_it():
    unsafe = {"module": "keras.config", "class_name": "function",
              "config": "enable_unsafe_deserialization", "registered_name": "function"}  # fmt: skip
    err = refused(sequential(unsafe, lstm()))
    assert "is a call of the function keras.config.enable_unsafe_deserialization" in err
    assert "CVE-2025-9906" in err


@pytest.mark.parametrize(("change", "expected"), [
    ({"module": "mypackage.layers"}, "LSTM from module mypackage.layers, not one of Keras's"),
    ({"registered_name": "mypackage>LSTM"}, "registered custom object 'mypackage>LSTM'"),
    ({"class_name": "TFSMLayer"}, "TFSMLayer layer, which loads and runs the TensorFlow"),
    ({"class_name": "TorchModuleWrapper"}, "holds a pickled PyTorch module"),
    ({"class_name": "my_function"}, "is a my_function from module keras.layers, not a built-in"),
])  # fmt: skip
def test_layers_that_are_not_keras_built_ins_are_refused(change, expected):
    assert expected in refused(sequential(lstm() | change))


def test_a_legacy_class_name_must_be_one_of_keras_layers():
    assert "is a MyLayer, not one of Keras's built-in layers" in refused(
        sequential({"class_name": "MyLayer", "config": {"name": "mine"}})
    )
    assert "is a TFOpLambda layer, which calls the TensorFlow function it names" in refused(
        sequential(
            {"class_name": "TFOpLambda", "config": {"name": "op", "function": "io.write_file"}}
        )
    )


def test_an_object_from_outside_keras_in_a_setting_is_refused():
    odd = {"module": "numpy", "class_name": "Random", "config": {}}
    err = refused(sequential(lstm(kernel_initializer=odd)))
    assert "setting kernel_initializer is a Random from module numpy, from outside Keras's" in err


def test_a_wrapped_layer_is_checked_as_a_layer_and_named_by_its_wrapper():
    lam = {"module": "keras.layers", "class_name": "Lambda", "config": {"name": "inner"}}
    wrapper = {"module": "keras.layers", "class_name": "TimeDistributed", "name": "td",
               "config": {"name": "td", "layer": lam}}  # fmt: skip
    assert "layer 'td''s setting layer is a Lambda layer" in refused(sequential(wrapper))


def test_a_lookup_layer_that_reads_a_file_is_refused():
    lookup = {"module": "keras.layers", "class_name": "StringLookup", "name": "words",
              "config": {"name": "words", "vocabulary": "/etc/passwd"}}  # fmt: skip
    assert "vocabulary is the file '/etc/passwd', which Keras would read" in refused(
        sequential(lookup)
    )
    check_config(sequential(lookup | {"config": {"name": "words", "vocabulary": ["a", "b"]}}))


def test_the_compile_config_is_not_read_as_keras_never_reads_it_with_compile_false():
    model = sequential(lstm())
    model["compile_config"] = {"loss": {"module": "mypackage", "class_name": "function",
                                        "config": "my_loss"}}  # fmt: skip
    check_config(model)


def test_a_model_that_is_not_functional_or_sequential_is_refused():
    subclassed = copy.deepcopy(sequential(lstm()))
    subclassed.update(module="mypackage.models", class_name="Sequential")
    assert "not a Keras Functional or Sequential model" in refused(subclassed)
    assert "not a Keras Functional or Sequential model" in refused({"class_name": "MyModel"})


@pytest.mark.keras
def test_the_configs_keras_writes_pass(keras, tmp_path):
    """Masking, Embedding's mask operations, a nested model, an encoder-decoder,
    Bidirectional, initializers, regularizers, constraints, an optimizer."""
    layers = keras.layers
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    e = layers.Embedding(9, 3, mask_zero=True)(tokens)
    inner = keras.Sequential([keras.Input((None, 3)), layers.Masking(),
                              layers.LSTM(2, return_sequences=True)])  # fmt: skip
    h = layers.Bidirectional(layers.GRU(2, return_sequences=True,
                             kernel_constraint=keras.constraints.MaxNorm(2)))(inner(e))  # fmt: skip
    _, s_h, s_c = layers.LSTM(2, return_state=True, dropout=0.1,
                              kernel_regularizer="l2")(h)  # fmt: skip
    out = layers.LSTM(2)(layers.Dense(2)(h), initial_state=[s_h, s_c])
    model = keras.Model(tokens, out)
    model.compile(optimizer="adam", loss="mse")
    model.save(tmp_path / "m.keras")
    check_config(json.loads(zipfile.ZipFile(tmp_path / "m.keras").read("config.json")))
