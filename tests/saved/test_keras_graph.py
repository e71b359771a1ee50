"""`trace` follows a layer as its model runs it: masks from Masking and Embedding, masks
passed up a stack, initial states from an encoder, nested models, Bidirectional
wrappers and layers called twice. Each expected value is the model's own output
(`predict` on a sub-model Keras builds), never the check that `trace` prints."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.command_line import one_line_error, run

pytestmark = pytest.mark.keras
RNG = np.random.default_rng(5)


def traced(capsys, *args):
    """`trace ... --json` that must pass its check: the document."""
    code, out, err = run(capsys, "trace", *args, "--json")
    assert code == 0, out + err
    doc = json.loads(out)
    assert doc["check"]["checked"] is True
    assert doc["check"]["ok"] is True
    return doc


def own_output(keras, model, layer, inputs):
    """The layer's output as the model computes it (a sub-model to it, predicted)."""
    return keras.Model(model.inputs, model.get_layer(layer).output).predict(inputs, verbose=0)


def padded(batch=3, time=7, features=3):
    """Inputs whose rows are post-padded, pre-padded and unpadded (zeros mark padding)."""
    x = RNG.normal(size=(batch, time, features)).astype("float32")
    x[0, 4:] = 0.0  # post
    x[1, :3] = 0.0  # pre
    return x


@pytest.fixture(scope="module")
def masked(keras, tmp_path_factory):
    """Masking below two stacked LSTMs with random biases (so padding would show)."""
    keras.utils.set_random_seed(2)
    x_in = keras.Input((None, 3), name="x")
    low = keras.layers.Masking(0.0, name="pad")(x_in)
    low = keras.layers.LSTM(4, return_sequences=True, bias_initializer="random_normal",
                            name="low")(low)  # fmt: skip
    high = keras.layers.LSTM(3, return_sequences=True, bias_initializer="random_normal",
                             name="high")(low)  # fmt: skip
    model = keras.Model(x_in, high)
    path = tmp_path_factory.mktemp("masked") / "masked.keras"
    model.save(path)
    return path, model


def test_a_masked_stack_is_traced_as_the_model_runs_it(capsys, keras, masked, tmp_path):
    path, model = masked
    x = padded()
    np.save(tmp_path / "x.npy", x)
    doc = traced(capsys, path, "--layer", "high", "-i", tmp_path / "x.npy")
    theirs = own_output(keras, model, "high", x)
    np.testing.assert_allclose(doc["output"], theirs, atol=1e-5, rtol=0)
    # the padded steps carry h forward: the post-padded row repeats its step-4 output
    out = np.asarray(doc["output"])
    np.testing.assert_array_equal(out[0, 4:], np.repeat(out[0, 3:4], 3, axis=0))
    np.testing.assert_array_equal(out[1, :3], 0.0)  # pre-padding: zeros before any step
    assert doc["inputs"]["mask"][0] == [True] * 4 + [False] * 3
    assert "given to the model's input 'x'" in doc["inputs"]["path"]


def test_the_table_marks_masked_steps(capsys, masked):
    path, _ = masked
    x = [[1, 2, 3], [0.5, 0, 1], [0, 0, 0]]  # the last step is padding
    code, out, err = run(capsys, "trace", path, "--layer", "low", "-i", json.dumps(x),
                         "--units", "1")  # fmt: skip
    assert code == 0, err
    for table in out.split("\n\n"):  # gates and states may be two tables: both mark it
        rows = [line for line in table.splitlines() if line.startswith("| ")][1:]
        if rows:
            assert [row.split("|")[1].strip() for row in rows] == ["1", "2", "3*"]
    assert "mask: 1 of 3 steps masked (marked * in the table)" in out


def test_without_the_mask_the_layer_alone_would_differ(keras, masked):
    """The case the old check missed: the layer run alone on the padded inputs is not
    the model's output, so comparing with it proves nothing."""
    _, model = masked
    x = padded()
    alone = model.get_layer("low")(keras.layers.Masking(999.0)(x))  # a mask that masks nothing
    alone = keras.ops.convert_to_numpy(alone)
    assert np.max(np.abs(alone - own_output(keras, model, "low", x))) > 1e-2


@pytest.fixture(scope="module")
def embedded(keras, tmp_path_factory):
    """Embedding(mask_zero=True) -> GRU -> Bidirectional(LSTM), sequences and last step."""
    keras.utils.set_random_seed(3)
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    e = keras.layers.Embedding(12, 3, mask_zero=True, name="embed")(tokens)
    g = keras.layers.GRU(4, return_sequences=True, bias_initializer="random_normal", name="gru")(e)
    both = keras.layers.Bidirectional(keras.layers.LSTM(2, return_sequences=True), name="both")(g)
    last = keras.layers.Bidirectional(keras.layers.LSTM(2), name="last")(g)
    model = keras.Model(tokens, [both, last])
    path = tmp_path_factory.mktemp("embedded") / "embedded.keras"
    model.save(path)
    return path, model


@pytest.mark.parametrize("layer", ["gru", "both", "last"])
def test_an_embedding_mask_is_followed_from_the_models_input(capsys, keras, embedded, tmp_path,
                                                              layer):  # fmt: skip
    path, model = embedded
    t = np.array([[3, 7, 1, 0, 0], [0, 0, 5, 2, 9], [4, 4, 4, 4, 4]], dtype="int32")
    np.save(tmp_path / "t.npy", t)
    doc = traced(capsys, path, "--layer", layer, "--model-input", f"tokens={tmp_path / 't.npy'}")
    np.testing.assert_allclose(doc["output"], own_output(keras, model, layer, t), atol=1e-5, rtol=0)
    assert "Keras ran embed (Embedding)" in " ".join(doc["inputs"]["path"])
    if layer == "both":  # inside Bidirectional, padded steps output zeros in both directions
        np.testing.assert_array_equal(np.asarray(doc["output"])[0, 3:], 0.0)


def test_an_embedding_mask_cannot_come_from_the_layers_own_inputs(capsys, embedded):
    path, _ = embedded
    err = one_line_error(capsys, "trace", path, "--layer", "gru", "-i", "[[1, 2, 3], [0, 0, 0]]")
    assert "reads a mask that embed (Embedding) makes below it" in err
    assert "--model-input" in err


@pytest.fixture(scope="module")
def encoder_decoder(keras, tmp_path_factory):
    keras.utils.set_random_seed(4)
    enc_in = keras.Input((None, 3), name="enc_in")
    dec_in = keras.Input((None, 2), name="dec_in")
    _, h, c = keras.layers.LSTM(4, return_state=True, name="encoder")(enc_in)
    dec = keras.layers.LSTM(4, return_sequences=True, return_state=True, name="decoder")(
        dec_in, initial_state=[h, c]
    )
    model = keras.Model([enc_in, dec_in], keras.layers.Dense(1, name="head")(dec[0]))
    path = tmp_path_factory.mktemp("encdec") / "encdec.keras"
    model.save(path)
    return path, model


def test_a_decoder_starts_from_the_encoders_final_states(capsys, keras, encoder_decoder, tmp_path):
    path, model = encoder_decoder
    enc, dec = RNG.normal(size=(2, 5, 3)), RNG.normal(size=(2, 4, 2))
    np.save(tmp_path / "enc.npy", enc)
    np.save(tmp_path / "dec.npy", dec)
    doc = traced(capsys, path, "--layer", "decoder", "-m", f"dec_in={tmp_path / 'dec.npy'}",
                 "-m", f"enc_in={tmp_path / 'enc.npy'}")  # fmt: skip
    sub = keras.Model(model.inputs, model.get_layer("decoder").output)  # [seq, h, c]
    seq, h, c = sub.predict([enc, dec], verbose=0)
    np.testing.assert_allclose(doc["outputs"]["output"], seq, atol=1e-5, rtol=0)
    np.testing.assert_allclose(doc["outputs"]["state h"], h, atol=1e-5, rtol=0)
    np.testing.assert_allclose(doc["outputs"]["state c"], c, atol=1e-5, rtol=0)
    assert doc["check"]["compared"] == ["output", "state h", "state c"]
    # the decoder's first step starts from the encoder's final h, not zeros
    _, enc_h, _ = keras.Model(model.inputs[0], model.get_layer("encoder").output).predict(
        enc, verbose=0
    )
    np.testing.assert_allclose(doc["trace"]["steps"][0]["h_prev"], enc_h, atol=1e-5, rtol=0)


def test_a_decoder_given_only_its_own_inputs_is_refused(capsys, encoder_decoder):
    path, _ = encoder_decoder
    err = one_line_error(capsys, "trace", path, "--layer", "decoder", "-i", "[[1, 0], [0, 1]]")
    assert "layer 'decoder' starts from the states of encoder (LSTM)" in err
    assert "--model-input enc_in=FILE --model-input dec_in=FILE" in err
    assert "--initial-state FILE.npz" in err


def test_a_decoder_from_given_states(capsys, keras, encoder_decoder, tmp_path):
    path, model = encoder_decoder
    dec = RNG.normal(size=(2, 3, 2))
    h0, c0 = RNG.normal(size=(2, 4)), RNG.normal(size=(2, 4))
    np.savez(tmp_path / "s.npz", h=h0, c=c0)
    np.save(tmp_path / "dec.npy", dec)
    doc = traced(capsys, path, "--layer", "decoder", "-i", tmp_path / "dec.npy",
                 "--initial-state", tmp_path / "s.npz")  # fmt: skip
    theirs = model.get_layer("decoder")(dec.astype("float32"), initial_state=[
        h0.astype("float32"), c0.astype("float32")])[0]  # fmt: skip
    np.testing.assert_allclose(doc["output"], keras.ops.convert_to_numpy(theirs), atol=1e-5)


def test_every_model_input_must_be_given_by_a_name_the_model_has(capsys, encoder_decoder):
    path, _ = encoder_decoder
    err = one_line_error(capsys, "trace", path, "--layer", "decoder", "-m", "[[[1, 0]]]")
    assert "the model has 2 inputs (enc_in, dec_in): name each" in err
    err = one_line_error(capsys, "trace", path, "--layer", "decoder", "-m", "dec=[[[1, 0]]]")
    assert "the model has no input 'dec'; its inputs are enc_in, dec_in" in err
    err = one_line_error(capsys, "trace", path, "--layer", "decoder", "-m", "dec_in=[[[1, 0]]]")
    assert "the model's input(s) enc_in are not given" in err


def test_a_layer_in_a_nested_model_gets_the_mask_from_outside(capsys, keras, tmp_path):
    keras.utils.set_random_seed(6)
    inner = keras.Sequential([keras.Input((None, 4)), keras.layers.LSTM(
        3, return_sequences=True, bias_initializer="random_normal", name="inner_lstm")],
        name="inner")  # fmt: skip
    x_in = keras.Input((None, 4), name="x")
    y = inner(keras.layers.Dense(4, name="dense")(keras.layers.Masking(name="pad")(x_in)))
    model = keras.Model(x_in, keras.layers.GRU(2, name="top")(y))
    model.save(tmp_path / "nested.keras")
    x = padded(features=4)
    np.save(tmp_path / "x.npy", x)
    for layer in ("inner_lstm", "top"):
        doc = traced(capsys, tmp_path / "nested.keras", "--layer", layer, "-m", tmp_path / "x.npy")
        if layer == "inner_lstm":  # the nested model's output is its LSTM's
            theirs = own_output(keras, model, "inner", x)
            np.testing.assert_array_equal(theirs[0, 4:], np.repeat(theirs[0, 3:4], 3, axis=0))
        else:
            theirs = model.predict(x, verbose=0)
        np.testing.assert_allclose(doc["output"], theirs, atol=1e-5, rtol=0)


def test_a_layer_called_twice_is_traced_at_its_first_call(capsys, keras, tmp_path):
    shared = keras.layers.LSTM(3, name="shared")
    a, b = keras.Input((None, 2), name="a"), keras.Input((None, 2), name="b")
    model = keras.Model([a, b], keras.layers.Concatenate()([shared(a), shared(b)]))
    model.save(tmp_path / "twice.keras")
    xa, xb = RNG.normal(size=(1, 4, 2)), RNG.normal(size=(1, 4, 2))
    np.save(tmp_path / "a.npy", xa)
    np.save(tmp_path / "b.npy", xb)
    doc = traced(capsys, tmp_path / "twice.keras", "-m", f"a={tmp_path / 'a.npy'}",
                 "-m", f"b={tmp_path / 'b.npy'}")  # fmt: skip
    assert any("called 2 times" in line for line in doc["inputs"]["path"])
    first = model.predict([xa, xb], verbose=0)[:, :3]  # the first call's half of the concat
    np.testing.assert_allclose(doc["output"], first, atol=1e-5, rtol=0)


def test_zero_output_for_mask_and_merge_mode_none(capsys, keras, tmp_path):
    keras.utils.set_random_seed(8)
    x_in = keras.Input((None, 2), name="x")
    pad = keras.layers.Masking(name="pad")(x_in)
    zeros = keras.layers.LSTM(3, return_sequences=True, zero_output_for_mask=True, name="zeros")
    pair = keras.layers.Bidirectional(keras.layers.GRU(2, return_sequences=True),
                                      merge_mode=None, name="pair")  # fmt: skip
    model = keras.Model(x_in, pair(zeros(pad)))
    model.save(tmp_path / "m.keras")
    x = padded(features=2)
    np.save(tmp_path / "x.npy", x)
    doc = traced(capsys, tmp_path / "m.keras", "--layer", "zeros", "-i", tmp_path / "x.npy")
    np.testing.assert_allclose(doc["output"], own_output(keras, model, "zeros", x), atol=1e-5)
    np.testing.assert_array_equal(np.asarray(doc["output"])[0, 4:], 0.0)
    doc = traced(capsys, tmp_path / "m.keras", "--layer", "pair", "-i", tmp_path / "x.npy")
    fwd, back = model.predict(x, verbose=0)
    np.testing.assert_allclose(doc["outputs"]["forward output"], fwd, atol=1e-5, rtol=0)
    np.testing.assert_allclose(doc["outputs"]["backward output"], back, atol=1e-5, rtol=0)


def test_no_check_is_said_and_exits_zero(capsys, masked):
    path, _ = masked
    code, out, _ = run(capsys, "trace", path, "-i", "[[1, 2, 3]]", "--no-check")
    assert code == 0
    assert out.rstrip().endswith("check: not run (--no-check)")
    code, out, _ = run(capsys, "trace", path, "-i", "[[1, 2, 3]]", "--no-check", "--json")
    assert json.loads(out)["check"]["checked"] is False
    assert json.loads(out)["check"]["reason"] == "--no-check"


def test_a_functional_models_mask_is_read_from_the_masking_layer_below(masked):
    """Keras 3 writes the mask it passes each layer as an explicit call argument,
    any(x != 0, axis=-1), in a functional model: it is the Masking layer's own mask,
    which the layer's inputs show, so diff can compare padding by the inputs' values."""
    from lstm_explained.saved.files import load_model
    from lstm_explained.saved.layer import LayerMask

    path, _ = masked
    layers = load_model(path).layers
    assert [layer.mask for layer in layers] == [
        LayerMask("values", "pad (Masking, mask_value=0)")
    ] * 2
