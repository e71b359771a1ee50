"""Keras `.keras` files read as zips of config.json and model.weights.h5, without
Keras's loader: every LSTM and GRU layer (in stacks, Bidirectional wrappers and nested
models) read with its settings and the weights Keras saved for it, and the engine's trace
of each against the model's own output, computed here from the model the test built,
also with Keras and TensorFlow unimportable. A file without a recurrent layer, an
archive whose names climb out of its folder, and a config that names code (a Lambda, a
function outside Keras, Keras's own enable_unsafe_deserialization) are refused in one
line, and nothing in them runs."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from lstm_explained import LSTMInputError
from lstm_explained.saved.files import load_model
from tests.command_line import (
    one_line_error,
    refused_in_a_fresh_process,
    run,
    run_without_keras,
)
from tests.saved.runs import X, agree, engine


def rezip(source, target, *, config=None, weights=None, extra=(), drop=()):
    """A copy of the .keras archive `source` with its config.json replaced (a dict),
    its model.weights.h5 edited (a function of the open h5py file), members added
    ((name, bytes) pairs, names kept as given) or left out."""
    with zipfile.ZipFile(source) as archive:
        members = {n: archive.read(n) for n in archive.namelist() if n not in drop}
    if config is not None:
        members["config.json"] = json.dumps(config).encode()
    if weights is not None:
        import h5py  # comes with Keras, as the tests that edit weights do

        buffer = io.BytesIO(members["model.weights.h5"])
        with h5py.File(buffer, "r+") as store:
            weights(store)
        members["model.weights.h5"] = buffer.getvalue()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in [*members.items(), *extra]:
            archive.writestr(zipfile.ZipInfo(name), data)
    return target


def config_of(path):
    return json.loads(zipfile.ZipFile(path).read("config.json"))


def assert_live(keras, path, marker):
    """The file's payload runs when Keras rebuilds it unsafely and calls it: it creates
    `marker` (removed again), so a refusal that leaves no marker has stopped real code."""
    model = keras.saving.load_model(path, safe_mode=False, compile=False)
    model(np.ones((1, 2, 1), dtype="float32"))
    assert marker.exists()
    marker.unlink()


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
    assert_live(keras, tmp_path / "lambda.keras", marker)
    err = refused_in_a_fresh_process(tmp_path / "lambda.keras", marker)
    assert "refused" in err
    assert "never runs code from a file" in err


@pytest.fixture(scope="module")
def recurrent(keras, tmp_path_factory):
    """LSTM -> Bidirectional(GRU): nothing below the top layer but recurrent ones, saved,
    with Keras's own output of each layer on inputs `X` computed here, now."""
    keras.utils.set_random_seed(21)
    x_in = keras.Input((None, 3), name="x")
    low = keras.layers.LSTM(4, return_sequences=True, bias_initializer="random_normal",
                            name="low")(x_in)  # fmt: skip
    gru = keras.layers.GRU(3, return_sequences=True, bias_initializer="random_normal")
    top = keras.layers.Bidirectional(gru, name="top")(low)
    model = keras.Model(x_in, top)
    folder = tmp_path_factory.mktemp("recurrent")
    model.save(folder / "m.keras")
    np.save(folder / "x.npy", X)
    theirs = {name: keras.Model(x_in, model.get_layer(name).output).predict(X, verbose=0)
              for name in ("low", "top")}  # fmt: skip
    return folder, theirs


@pytest.mark.keras
def test_a_keras_file_is_listed_and_traced_with_keras_and_tensorflow_unimportable(recurrent):
    folder, theirs = recurrent
    listed = run_without_keras("trace", folder / "m.keras", "--list")
    assert listed.returncode == 0, listed.stderr
    assert "1. low: LSTM, input size 3, 4 units, forward; reads the model's input 'x'" in (
        listed.stdout
    )
    assert "2. top: GRU, input size 4, 3 units per direction, output 6, bidirectional" in (
        listed.stdout
    )
    for name in ("low", "top"):
        traced = run_without_keras("trace", folder / "m.keras", "--layer", name,
                                   "-i", folder / "x.npy", "--no-check", "--json")  # fmt: skip
        assert traced.returncode == 0, traced.stderr
        doc = json.loads(traced.stdout)
        assert doc["check"]["reason"] == "--no-check"
        np.testing.assert_allclose(doc["output"], theirs[name], atol=1e-5, rtol=0)


@pytest.mark.keras
def test_a_keras_file_is_checked_by_keras_rebuilt_after_reading(capsys, recurrent):
    folder, theirs = recurrent
    code, out, err = run(capsys, "trace", folder / "m.keras", "--layer", "top",
                         "-i", folder / "x.npy", "--json")  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    assert doc["check"]["ok"] is True
    assert doc["check"]["what"] == "Keras ran the model from its input(s) x to top's outputs"
    np.testing.assert_allclose(doc["output"], theirs["top"], atol=1e-5, rtol=0)


@pytest.mark.keras
def test_weights_are_found_where_keras_saves_them_and_checked_by_name(keras, tmp_path):
    """Two LSTMs named against their order: Keras saves them as layers/lstm and
    layers/lstm_1 in model.layers order, and names each group's layer beside it."""
    keras.utils.set_random_seed(22)
    x_in = keras.Input((None, 2), name="x")
    b = keras.layers.LSTM(3, return_sequences=True, name="b_first")(x_in)
    a = keras.layers.LSTM(2, name="a_second")(b)
    model = keras.Model(x_in, a)
    model.save(tmp_path / "m.keras")
    for name in ("b_first", "a_second"):
        saved = load_model(tmp_path / "m.keras").layer(name)
        kernel, recurrent, bias = model.get_layer(name).get_weights()
        np.testing.assert_array_equal(saved.weights.kernel, kernel)
        np.testing.assert_array_equal(saved.weights.recurrent_kernel, recurrent)
        np.testing.assert_array_equal(saved.weights.bias, bias)

    def unnamed(store):  # as Keras before 3.15 wrote them: the path alone says
        for group in ("layers/lstm/vars", "layers/lstm_1/vars"):
            del store[group].attrs["name"]

    layers = load_model(rezip(tmp_path / "m.keras", tmp_path / "unnamed.keras",
                              weights=unnamed)).layers  # fmt: skip
    kernel = model.get_layer("b_first").get_weights()[0]
    np.testing.assert_array_equal(layers[0].weights.kernel, kernel)

    def mislabelled(store):
        store["layers/lstm/vars"].attrs["name"] = "someone_else"

    saved = load_model(rezip(tmp_path / "m.keras", tmp_path / "odd.keras", weights=mislabelled))
    assert [layer.name for layer in saved.layers] == ["a_second"]
    assert saved.skipped == (("b_first", "its weights are not in layers/lstm (that group holds "
                                         "layer 'someone_else')"),)  # fmt: skip


@pytest.mark.keras
def test_an_archive_without_its_parts_or_with_doubled_names_is_refused(capsys, recurrent,
                                                                       tmp_path):  # fmt: skip
    source = recurrent[0] / "m.keras"
    rezip(source, tmp_path / "bare.keras", drop=("model.weights.h5",))
    err = one_line_error(capsys, "trace", tmp_path / "bare.keras")
    assert "is not a Keras .keras file: a .keras zip holds config.json and model.weights.h5" in err
    twice = zipfile.ZipFile(source).read("config.json")
    rezip(source, tmp_path / "twice.keras", extra=[("config.json", twice)])
    err = one_line_error(capsys, "trace", tmp_path / "twice.keras")
    assert "it holds two members named 'config.json'" in err


@pytest.mark.keras
def test_weights_in_keras_npz_store_are_pickles_and_refused(capsys, keras, tmp_path):
    from keras.src.saving import saving_lib  # the npz store is not in Keras's public API

    model = keras.Sequential([keras.Input((None, 1)), keras.layers.LSTM(1)])
    saving_lib.save_model(model, tmp_path / "npz.keras", weights_format="npz")
    err = one_line_error(capsys, "trace", tmp_path / "npz.keras")
    assert "keeps its weights in model.weights.npz, which Keras writes as pickled objects" in err


@pytest.mark.keras
def test_an_archive_whose_names_climb_out_is_refused_and_nothing_is_written(recurrent, tmp_path):
    folder = tmp_path / "unpack"
    folder.mkdir()
    marker = tmp_path / "climbed.txt"  # where '../climbed.txt' lands if unpacked into folder
    path = rezip(recurrent[0] / "m.keras", folder / "climb.keras",
                 extra=[("assets/../../climbed.txt", b"written")])  # fmt: skip
    err = refused_in_a_fresh_process(path, marker)
    assert "its member 'assets/../../climbed.txt' climbs out of the archive's folder" in err


PAYLOAD = """
import pathlib
pathlib.Path({marker!r}).touch()  # on import


def act(x):
    pathlib.Path({marker!r}).touch()
    return x
"""


@pytest.mark.keras
def test_a_config_that_names_a_function_outside_keras_is_refused(capsys, recurrent, tmp_path):
    """The route of CVE-2025-1550: a setting that names a function in a module outside
    Keras, here a module that creates `marker` when imported or called, put where the
    refusing interpreter could import it. (Keras 3.15 itself no longer imports it; the
    marker shows that the reader does not either.)"""
    marker = tmp_path / "ran"
    (tmp_path / "lstm_payload_1550.py").write_text(PAYLOAD.format(marker=str(marker)))
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}  # as the refusing run has it
    control = subprocess.run([sys.executable, "-c", "import lstm_payload_1550"], env=env,
                             cwd="/", check=False)  # fmt: skip
    assert control.returncode == 0
    assert marker.exists()  # the payload is live when imported
    marker.unlink()
    config = config_of(recurrent[0] / "m.keras")
    payload = {"module": "lstm_payload_1550", "class_name": "function", "config": "act",
               "registered_name": "function"}  # fmt: skip
    low = next(layer for layer in config["config"]["layers"] if layer["name"] == "low")
    low["config"]["activation"] = payload
    path = rezip(recurrent[0] / "m.keras", tmp_path / "outside.keras", config=config)
    err = refused_in_a_fresh_process(path, marker, importable=tmp_path)
    assert "layer 'low''s setting activation is the function lstm_payload_1550.act" in err
    assert "lstm-explained never runs code from a file" in err
    os_system = {"module": "os", "class_name": "function", "config": "system",
                 "registered_name": "function"}  # fmt: skip
    low["config"]["activation"] = os_system
    path = rezip(recurrent[0] / "m.keras", tmp_path / "os.keras", config=config)
    assert "activation is the function os.system" in one_line_error(capsys, "trace", path)
    # with no layer left that the engine computes, the refusal is still what is said
    top = next(layer for layer in config["config"]["layers"] if layer["name"] == "top")
    top["config"]["layer"]["config"]["activation"] = os_system
    path = rezip(recurrent[0] / "m.keras", tmp_path / "none.keras", config=config)
    assert "is the function os.system" in one_line_error(capsys, "trace", path)
    # with no layer left that the engine computes, the refusal is still what is said
    top = next(layer for layer in config["config"]["layers"] if layer["name"] == "top")
    top["config"]["layer"]["config"]["activation"] = os_system
    path = rezip(recurrent[0] / "m.keras", tmp_path / "none.keras", config=config)
    assert "is the function os.system" in one_line_error(capsys, "trace", path)


@pytest.mark.keras
def test_a_config_that_turns_safe_mode_off_before_a_lambda_is_refused(keras, tmp_path):
    """The route of CVE-2025-9906: a call of keras.config.enable_unsafe_deserialization
    listed before a Lambda whose code writes a file."""
    marker = tmp_path / "ran"
    body = eval(f"lambda t: (open({str(marker)!r}, 'w').close(), t)[1]")
    model = keras.Sequential([keras.Input((None, 1)), keras.layers.Lambda(body, name="lam"),
                              keras.layers.LSTM(1, name="lstm")])  # fmt: skip
    model.save(tmp_path / "lambda.keras")
    marker.unlink(missing_ok=True)  # building the model called the lambda once
    assert_live(keras, tmp_path / "lambda.keras", marker)
    config = config_of(tmp_path / "lambda.keras")
    config["config"]["layers"].insert(0, {
        "module": "keras.config", "class_name": "function",
        "config": "enable_unsafe_deserialization", "registered_name": "function"})  # fmt: skip
    path = rezip(tmp_path / "lambda.keras", tmp_path / "unsafe.keras", config=config)
    err = refused_in_a_fresh_process(path, marker)
    assert "the model's layer 1 is a call of the function " in err
    assert (
        "keras.config.enable_unsafe_deserialization, not a layer (the route of CVE-2025-9906" in err
    )
    # read as data all the same: --no-check traces the LSTM from its own inputs, and
    # nothing is rebuilt (the Lambda below it never runs)
    proc = run_without_keras("trace", path, "--layer", "lstm", "-i", "[[1], [2]]", "--no-check")
    assert proc.returncode == 0, proc.stderr
    assert "given where the output of lam (Lambda) enters" in proc.stdout
    assert not marker.exists()


@pytest.mark.keras
def test_diff_refuses_a_file_trace_refuses(capsys, keras, tmp_path):
    body = eval("lambda t: t")
    keras.Sequential([keras.Input((None, 1)), keras.layers.Lambda(body, name="lam"),
                      keras.layers.LSTM(1)]).save(tmp_path / "lambda.keras")  # fmt: skip
    err = one_line_error(capsys, "diff", tmp_path / "lambda.keras", tmp_path / "lambda.keras")
    assert "layer 'lam' is a Lambda layer, which holds Python code" in err


@pytest.mark.keras
def test_hard_sigmoid_is_said_to_be_keras_3s(keras, keras_stack):
    bi = load_model(keras_stack[1]).layer("bi")
    assert bi.activation == "hard_sigmoid"  # the engine's own: x/6 + 1/2
    version = keras.__version__
    assert bi.settings["hard_sigmoid"] == f"Keras 3's, x/6 + 1/2 (keras_version {version})"


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


@pytest.mark.keras
def test_an_archive_whose_weights_read_another_file_is_refused(capsys, recurrent, tmp_path):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(1, 200, dtype="<f4").tobytes())

    def external(store):
        name = "layers/lstm/cell/vars/0"
        shape, dtype = store[name].shape, store[name].dtype
        del store[name]
        size = int(np.prod(shape)) * dtype.itemsize
        store.create_dataset(name, shape=shape, dtype=dtype, external=[(str(secret), 0, size)])

    path = rezip(recurrent[0] / "m.keras", tmp_path / "leaky.keras", weights=external)
    err = one_line_error(capsys, "trace", path)
    assert (
        f"refused {path}'s model.weights.h5: its dataset /layers/lstm/cell/vars/0 keeps its "
        f"data in '{secret}', outside the file" in err
    )


@pytest.mark.keras
def test_weights_that_unpack_a_thousand_times_larger_are_refused(capsys, recurrent, tmp_path,
                                                                   monkeypatch):  # fmt: skip
    from lstm_explained.saved import keras_files

    monkeypatch.setattr(keras_files, "BOMB_SIZE", 2**20)  # so that the test's bomb is small
    bomb = tmp_path / "bomb.keras"
    with zipfile.ZipFile(recurrent[0] / "m.keras") as source, zipfile.ZipFile(bomb, "w") as out:
        out.writestr("config.json", source.read("config.json"))
        out.writestr("model.weights.h5", bytes(4 * 2**20), compress_type=zipfile.ZIP_DEFLATED)
    info = zipfile.ZipFile(bomb).getinfo("model.weights.h5")
    assert info.file_size > 1000 * info.compress_size  # 4 MiB of zeros pack into about 4 KiB
    err = one_line_error(capsys, "trace", bomb)
    assert f"refused {bomb}: its model.weights.h5 says it unpacks to 4,194,304 bytes" in err
    assert "more than 1000 times: no model's weights compress that far" in err
    # the model itself, with the same limit, is still read
    assert run(capsys, "trace", recurrent[0] / "m.keras", "--list")[0] == 0
