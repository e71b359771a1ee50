"""Keras's own run of a file's graph: the model rebuilt from the bytes read, only when
its config passed, and graph tensors computed by the model's compiled sub-model or by
its layers called as the graph calls them; each expected value comes from the model the
test built, run by Keras itself."""

from __future__ import annotations

import json
import sys
import zipfile

import numpy as np
import pytest

from lstm_explained import LSTMInputError
from lstm_explained.saved.keras_config import model_graph
from lstm_explained.saved.keras_live import MissingInput, Rebuild, find

pytestmark = pytest.mark.keras
RNG = np.random.default_rng(11)


def read(path):
    """The graph of a saved .keras file, and a Rebuild of its bytes."""
    data = path.read_bytes()
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    return model_graph(config), Rebuild(data, ".keras", 3, None)


@pytest.fixture(scope="module")
def embedded(keras, tmp_path_factory):
    """Embedding(mask_zero) -> Dense -> LSTM, and the in-memory model as the reference."""
    keras.utils.set_random_seed(12)
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    e = keras.layers.Embedding(7, 3, mask_zero=True, name="embed")(tokens)
    d = keras.layers.Dense(3, name="dense")(e)
    out = keras.layers.LSTM(2, return_sequences=True, name="lstm")(d)
    model = keras.Model(tokens, out)
    path = tmp_path_factory.mktemp("live") / "m.keras"
    model.save(path)
    return model, path


def test_from_the_models_inputs_the_values_are_the_models_own(keras, embedded):
    model, path = embedded
    graph, rebuild = read(path)
    t = np.array([[1, 4, 0, 0], [2, 3, 5, 6]], dtype="int32")
    bound = {id(graph.inputs[0]): (t, None)}
    (out, _), = rebuild.values(graph, bound, graph.outputs, ())  # fmt: skip
    np.testing.assert_allclose(out, model.predict(t, verbose=0), atol=1e-6, rtol=0)
    (dense, mask), = rebuild.values(graph, bound, [graph.ops["dense"].tensor(0, 0)], (),
                                    masks=True)  # fmt: skip
    own = model.get_layer("dense")(model.get_layer("embed")(t))
    np.testing.assert_allclose(dense, keras.ops.convert_to_numpy(own), atol=1e-6, rtol=0)
    np.testing.assert_array_equal(mask, t != 0)  # the Embedding's mask rides along


def test_from_a_tensor_inside_the_graph_the_layers_are_called_as_the_graph_calls_them(
    keras, embedded, tmp_path
):
    keras.utils.set_random_seed(13)
    model = keras.Sequential([keras.Input((None, 2)), keras.layers.Dense(3, name="dense"),
                              keras.layers.GRU(2, return_sequences=True, name="gru")])  # fmt: skip
    model.save(tmp_path / "plain.keras")
    graph, rebuild = read(tmp_path / "plain.keras")
    x = RNG.normal(size=(2, 5, 3)).astype("float32")
    bound = {id(graph.ops["dense"].tensor(0, 0)): (x, None)}
    (out, _), = rebuild.values(graph, bound, graph.outputs, ())  # fmt: skip
    own = keras.ops.convert_to_numpy(model.get_layer("gru")(x))
    np.testing.assert_allclose(out, own, atol=1e-6, rtol=0)
    # the Embedding model's LSTM reads a mask made from the tokens: bound below, it asks
    graph, rebuild = read(embedded[1])
    bound = {id(graph.ops["dense"].tensor(0, 0)): (x, None)}
    with pytest.raises(MissingInput, match="'tokens'"):
        rebuild.values(graph, bound, graph.outputs, ())


def test_a_config_that_failed_its_check_is_never_rebuilt(embedded):
    graph, _ = read(embedded[1])
    refusal = "refused m.keras: layer 'lam' is a Lambda layer"
    rebuild = Rebuild(embedded[1].read_bytes(), ".keras", 3, refusal)
    with pytest.raises(LSTMInputError, match=r"^refused m\.keras: layer 'lam'"):
        rebuild.values(graph, {}, graph.outputs, ())


def test_a_keras_2_file_needs_tf_keras(monkeypatch, embedded):
    monkeypatch.setitem(sys.modules, "tf_keras", None)  # not installed, as far as import sees
    rebuild = Rebuild(embedded[1].read_bytes(), ".h5", 2, None)
    assert rebuild.framework_name == "tf-keras"
    with pytest.raises(
        ModuleNotFoundError,
        match=r"run by tf-keras \(Keras 2's API\), which is "
        r"not installed; install it beside Keras with pip install --no-deps "
        r"'tf-keras>=2\.21,<2\.22' \(--no-deps keeps it on the TensorFlow you have;",
    ):
        rebuild.model()


def test_bytes_keras_cannot_read_say_so(keras):
    rebuild = Rebuild(b"PK\x03\x04 not really", ".keras", 3, None)
    with pytest.raises(LSTMInputError, match=r"^Keras could not rebuild the model"):
        rebuild.model()


def test_layers_and_operations_are_found_by_name_in_nested_models(keras):
    inner = keras.Sequential([keras.Input((None, 2)), keras.layers.LSTM(2, name="deep")],
                             name="inner")  # fmt: skip
    x = keras.Input((None, 2), name="x")
    model = keras.Model(x, inner(keras.layers.Masking(name="pad")(x)))
    assert find(find(model, "inner"), "deep") is inner.get_layer("deep")
    assert find(model, "pad") is model.get_layer("pad")
    with pytest.raises(ValueError, match="no operation 'nowhere'"):
        find(model, "nowhere")
