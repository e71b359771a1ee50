"""Legacy Keras `.h5` files read with h5py, never with `load_model`: Keras 3's
`model.save("m.h5")` and real Keras 2 files (written by tf-keras, a fixture), every
recurrent layer with the weights its `weight_names` point to, traced and checked against
the framework's own output computed here; Keras 2's hard_sigmoid (0.2x + 0.5) used and
said for a Keras 2 file; a Lambda whose code would write a file, and a truncated file,
refused in one line with nothing run."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from lstm_explained.saved.files import load_model
from tests.command_line import one_line_error, refused_in_a_fresh_process, run, run_without_keras

pytestmark = pytest.mark.keras  # Keras 3 writes the files; tf-keras, a Keras 2 one
RNG = np.random.default_rng(31)


def traced(capsys, *args, code=0):
    out_code, out, err = run(capsys, "trace", *args, "--json")
    assert out_code == code, out + err
    return json.loads(out)


@pytest.fixture(scope="module")
def legacy(keras, tmp_path_factory):
    """Keras 3's legacy save of LSTM -> Bidirectional(GRU, hard_sigmoid) -> encoder-decoder
    states, and each layer's output as the model computes it on inputs `x`."""
    keras.utils.set_random_seed(32)
    x_in = keras.Input((None, 3), name="x")
    d_in = keras.Input((None, 2), name="d")
    low = keras.layers.LSTM(4, return_sequences=True, name="low")(x_in)
    gru = keras.layers.GRU(3, return_sequences=True, recurrent_activation="hard_sigmoid",
                           bias_initializer="random_normal")  # fmt: skip
    bi = keras.layers.Bidirectional(gru, merge_mode="sum", name="bi")(low)
    _, h, c = keras.layers.LSTM(2, return_state=True, name="enc")(bi)
    dec = keras.layers.LSTM(2, return_sequences=True, name="dec")(d_in, initial_state=[h, c])
    model = keras.Model([x_in, d_in], dec)
    folder = tmp_path_factory.mktemp("legacy")
    model.save(folder / "m.h5")
    x, d = RNG.normal(size=(2, 5, 3)), RNG.normal(size=(2, 4, 2))
    np.save(folder / "x.npy", x)
    np.save(folder / "d.npy", d)
    theirs = {name: keras.Model(model.inputs, model.get_layer(name).output).predict(
        [x, d], verbose=0) for name in ("low", "bi", "dec")}  # fmt: skip
    return model, folder, theirs


def test_a_keras_3_legacy_file_is_read_with_its_weights(keras, legacy):
    model, folder, _ = legacy
    saved = load_model(folder / "m.h5")
    assert [layer.name for layer in saved.layers] == ["low", "bi", "enc", "dec"]
    bi = saved.layer("bi")
    forward, backward = model.get_layer("bi").forward_layer, model.get_layer("bi").backward_layer
    np.testing.assert_array_equal(bi.weights.forward.kernel, forward.get_weights()[0])
    np.testing.assert_array_equal(bi.weights.backward.bias, backward.get_weights()[2])
    assert bi.settings["hard_sigmoid"] == (
        f"Keras 3's, x/6 + 1/2 (keras_version {keras.__version__})"
    )
    assert saved.source(saved.layer("dec")) == (
        "the model's input 'd'; starts from the states of enc (LSTM)"
    )


@pytest.mark.parametrize("layer", ["low", "bi", "dec"])
def test_a_keras_3_legacy_file_is_traced_and_checked_by_keras(capsys, legacy, layer):
    _, folder, theirs = legacy
    doc = traced(capsys, folder / "m.h5", "--layer", layer,
                 "-m", f"x={folder / 'x.npy'}", "-m", f"d={folder / 'd.npy'}")  # fmt: skip
    assert doc["check"]["ok"] is True
    np.testing.assert_allclose(doc["output"], theirs[layer], atol=1e-5, rtol=0)


def test_a_legacy_file_is_listed_without_keras(legacy):
    proc = run_without_keras("trace", legacy[1] / "m.h5", "--list")
    assert proc.returncode == 0, proc.stderr
    assert "2. bi: GRU, input size 4, 3 units per direction, output 3 (sum of the two)" in (
        proc.stdout
    )


def test_a_legacy_file_with_a_mask_is_traced_though_keras_cannot_rebuild_it(
    capsys, keras, tmp_path
):
    """Keras 3 writes its mask operations (NotEqual, Any) into a functional model's
    legacy .h5 and cannot read them back: the engine computes them, and the check says
    it could not run (exit 3)."""
    keras.utils.set_random_seed(33)
    x_in = keras.Input((None, 2), name="x")
    masked = keras.layers.Masking(name="pad")(x_in)
    model = keras.Model(x_in, keras.layers.LSTM(2, return_sequences=True, name="lstm")(masked))
    model.save(tmp_path / "masked.h5")
    x = RNG.normal(size=(1, 4, 2)).astype("float32")
    x[0, 2:] = 0.0
    np.save(tmp_path / "x.npy", x)
    doc = traced(capsys, tmp_path / "masked.h5", "-m", tmp_path / "x.npy", code=3)
    np.testing.assert_allclose(doc["output"], model.predict(x, verbose=0), atol=1e-5, rtol=0)
    assert np.asarray(doc["inputs"]["mask"]).tolist() == [[True, True, False, False]]
    assert "Keras could not rebuild the model" in doc["check"]["reason"]


def test_a_keras_2_hard_sigmoid_is_0_2x_plus_0_5(capsys, keras, tmp_path):
    """A file whose keras_version says Keras 2: one LSTM unit, kernel 1, no recurrence, no
    bias, x = 1. Each gate is hard_sigmoid(1) = 0.2 + 0.5 = 0.7 (Keras 3's would be
    1/6 + 1/2), so c = 0.7 tanh(1) and h = 0.7 tanh(c)."""
    import h5py

    layer = keras.layers.LSTM(1, recurrent_activation="hard_sigmoid", use_bias=False,
                              kernel_initializer="ones", recurrent_initializer="zeros")  # fmt: skip
    keras.Sequential([keras.Input((None, 1)), layer]).save(tmp_path / "k2.h5")
    with h5py.File(tmp_path / "k2.h5", "r+") as store:
        store.attrs["keras_version"] = "2.15.0"
    doc = traced(capsys, tmp_path / "k2.h5", "-i", "[[1]]", "--no-check")
    c = 0.7 * math.tanh(1)
    np.testing.assert_allclose(doc["output"], [[0.7 * math.tanh(c)]], rtol=1e-6)
    _, listed, _ = run(capsys, "trace", tmp_path / "k2.h5", "--list")
    assert "recurrent_activation=hard_sigmoid[alpha=1/5, beta=1/2]" in listed
    assert "hard_sigmoid=Keras 2's, 0.2x + 0.5 (keras_version 2.15.0)" in " ".join(listed.split())
    # Keras 3 cannot check it: without tf-keras it is traced, and said unchecked (exit 3)
    proc = run_without_keras("trace", tmp_path / "k2.h5", "-i", "[[1]]")
    assert proc.returncode == 3, proc.stderr
    assert "run by tf-keras (Keras 2's API), which is not installed" in " ".join(
        proc.stdout.split()
    )


def test_a_legacy_lambda_whose_code_writes_a_file_is_refused_and_never_rebuilt(keras, tmp_path):
    """The route of CVE-2025-9905: a Lambda's marshalled bytecode in a legacy .h5 runs
    when the model is rebuilt; here it would create `marker`."""
    marker = tmp_path / "ran"
    body = eval(f"lambda t: (open({str(marker)!r}, 'w').close(), t)[1]")
    model = keras.Sequential([keras.Input((None, 1)), keras.layers.Lambda(body, name="lam"),
                              keras.layers.LSTM(1)])  # fmt: skip
    model.save(tmp_path / "lambda.h5")
    marker.unlink()  # building the model called the lambda once
    keras.saving.load_model(tmp_path / "lambda.h5", safe_mode=False, compile=False)
    assert marker.exists()  # the payload is live: rebuilding it runs the code
    marker.unlink()
    err = refused_in_a_fresh_process(tmp_path / "lambda.h5", marker)
    assert "layer 'lam' is a Lambda layer, which holds Python code" in err
    assert "never runs code from a file" in err


def test_a_truncated_h5_is_refused_in_one_line(capsys, legacy, tmp_path):
    data = (legacy[1] / "m.h5").read_bytes()
    (tmp_path / "cut.h5").write_bytes(data[: len(data) // 2])
    err = refused_in_a_fresh_process(tmp_path / "cut.h5", tmp_path / "never")
    assert "as an HDF5 file: it is truncated or corrupt" in err
    (tmp_path / "tiny.h5").write_bytes(data[:6])  # HDF5's signature cut short
    err = one_line_error(capsys, "trace", tmp_path / "tiny.h5")
    assert "as an HDF5 file: it is truncated or corrupt" in err


def test_a_weights_only_h5_is_refused(capsys, keras, tmp_path):
    model = keras.Sequential([keras.Input((None, 1)), keras.layers.LSTM(1)])
    model.save_weights(tmp_path / "only.weights.h5")
    err = one_line_error(capsys, "trace", tmp_path / "only.weights.h5")
    assert "an HDF5 file without a model_config" in err


@pytest.fixture(scope="module")
def keras2(tf_keras, tmp_path_factory):
    """A real Keras 2 file: Masking -> LSTM(hard_sigmoid) -> Bidirectional(GRU with
    reset_after=False), and tokens -> Embedding(mask_zero) -> GRU -> nested Sequential
    LSTM; each layer's output as tf-keras computes it."""
    tf_keras.utils.set_random_seed(34)
    layers = tf_keras.layers
    x_in = tf_keras.Input((None, 3), name="x")
    low = layers.LSTM(4, return_sequences=True, recurrent_activation="hard_sigmoid",
                      name="low")(layers.Masking(name="pad")(x_in))  # fmt: skip
    high = layers.Bidirectional(layers.GRU(3, return_sequences=True, reset_after=False),
                                name="high")(layers.Dropout(0.2)(low))  # fmt: skip
    masked = tf_keras.Model(x_in, high)
    tokens = tf_keras.Input((None,), dtype="int32", name="tokens")
    g = layers.GRU(4, return_sequences=True, name="gru")(
        layers.Embedding(9, 3, mask_zero=True, name="embed")(tokens)
    )
    inner = tf_keras.Sequential([tf_keras.Input((None, 4)), layers.LSTM(
        3, return_sequences=True, name="inner_lstm")], name="inner")  # fmt: skip
    nested = tf_keras.Model(tokens, inner(g))
    folder = tmp_path_factory.mktemp("keras2")
    masked.save(folder / "masked.h5")
    nested.save(folder / "nested.h5")
    x = RNG.normal(size=(2, 6, 3)).astype("float32")
    x[0, 4:] = 0.0
    t = np.array([[3, 7, 1, 0, 0], [0, 0, 5, 2, 8]], dtype="int32")
    np.save(folder / "x.npy", x)
    np.save(folder / "t.npy", t)
    theirs = {name: tf_keras.Model(x_in, masked.get_layer(name).output).predict(x, verbose=0)
              for name in ("low", "high")}  # fmt: skip
    theirs["gru"] = tf_keras.Model(tokens, nested.get_layer("gru").output).predict(t, verbose=0)
    theirs["inner_lstm"] = nested.predict(t, verbose=0)
    return folder, theirs, tf_keras.__version__


@pytest.mark.parametrize(("file", "layer", "given"), [
    ("masked.h5", "low", "-i"), ("masked.h5", "high", "-i"),
    ("nested.h5", "gru", "-m"), ("nested.h5", "inner_lstm", "-m"),
])  # fmt: skip
def test_a_keras_2_file_is_traced_and_checked_by_tf_keras(capsys, keras2, file, layer, given):
    folder, theirs, version = keras2
    inputs = folder / ("x.npy" if given == "-i" else "t.npy")
    doc = traced(capsys, folder / file, "--layer", layer, given, inputs)
    assert doc["check"]["ok"] is True
    assert doc["check"]["what"].startswith("tf-keras ran the model from its input(s)")
    np.testing.assert_allclose(doc["output"], theirs[layer], atol=1e-5, rtol=0)
    if layer == "low":
        low = load_model(folder / file).layer("low")
        assert low.settings["hard_sigmoid"] == f"Keras 2's, 0.2x + 0.5 (keras_version {version})"


def first_weight(store):
    """The path of the first weight dataset under model_weights."""
    found = []
    store["model_weights"].visititems(lambda name, item: found.append(name) if hasattr(
        item, "shape") and not found else None)  # fmt: skip
    return "model_weights/" + found[0]


def leaky(h5py, store, path, secret, how):
    """Replace the dataset at `path` by one whose data is read from `secret` ("external"
    storage, a "virtual" dataset mapping it) or by an "external link" to it."""
    shape, dtype = store[path].shape, store[path].dtype
    del store[path]
    if how == "external":
        size = int(np.prod(shape)) * dtype.itemsize
        store.create_dataset(path, shape=shape, dtype=dtype, external=[(str(secret), 0, size)])
    elif how == "virtual":
        layout = h5py.VirtualLayout(shape=shape, dtype=dtype)
        layout[...] = h5py.VirtualSource(str(secret), "w", shape=shape, dtype=dtype)
        store.create_virtual_dataset(path, layout)
    else:
        store[path] = h5py.ExternalLink(str(secret), "w")


@pytest.mark.parametrize("how", ["external", "virtual", "link"])
def test_an_h5_whose_weights_read_another_file_is_refused(capsys, legacy, tmp_path, how):
    import h5py  # comes with Keras

    path = tmp_path / "leaky.h5"
    path.write_bytes((legacy[1] / "m.h5").read_bytes())
    with h5py.File(path, "r+") as store:
        weight = first_weight(store)
        shape, dtype = store[weight].shape, store[weight].dtype
    private = np.arange(1, 1 + int(np.prod(shape)), dtype=dtype).reshape(shape) * 1001
    secret = tmp_path / ("secret.h5" if how != "external" else "secret.bin")
    if how == "external":
        secret.write_bytes(private.tobytes())
    else:
        with h5py.File(secret, "w") as other:
            other["w"] = private
    with h5py.File(path, "r+") as store:
        leaky(h5py, store, weight, secret, how)
    with h5py.File(path, "r") as store:  # the payload is live: reading it reads the secret
        np.testing.assert_array_equal(store[weight][()], private)
    err = one_line_error(capsys, "trace", path)
    assert f"refused {path}: its " in err
    assert "a model file must hold its own weights" in err
    assert str(secret) in err or "other datasets" in err
