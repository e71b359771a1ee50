"""load_model: a user's Keras, PyTorch and ONNX files read as SavedLayers, and the engine's
trace of each layer (stacked and bidirectional ones followed from the inputs) against the
framework's own output, computed here from the model the test built."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_explained import LSTMInputError
from lstm_explained.saved.files import load_model
from lstm_explained.saved.model import Check, run_chain

RNG = np.random.default_rng(7)
X = RNG.uniform(-1, 1, (2, 6, 3))  # (batch, time, features)


def engine(path, layer=None, x=X, dtype="float32"):
    model = load_model(path)
    chain = model.chain(layer)
    _, out = run_chain(chain, x, dtype=dtype)
    return model, chain, out


def agree(ours, theirs, atol=2e-6):
    theirs = np.asarray(theirs, dtype=np.float64)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, atol=atol, rtol=0)


# ---- Keras ----------------------------------------------------------------------------


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
    h = layers.SimpleRNN(2, return_sequences=True, name="plain")(h)
    out = layers.LSTM(2, name="top")(h)
    model = keras.Model(inp, out)
    path = tmp_path / "nested.keras"
    model.save(path)
    saved = load_model(path)
    assert [layer.name for layer in saved.layers] == ["inner_gru", "top"]
    assert saved.skipped[0][0] == "plain"
    assert "SimpleRNN" in saved.skipped[0][1]
    with pytest.raises(LSTMInputError, match="SimpleRNN layer, which the engine does not"):
        saved.layer("plain")
    assert saved.source(saved.layer("top")) == "the output of plain (SimpleRNN)"
    _, _, ours = engine(path, "inner_gru")
    agree(ours, inner.predict(X, verbose=0))


# ---- PyTorch ----------------------------------------------------------------------------


def torch_state(torch, cell, **options):
    torch.manual_seed(0)
    net = torch.nn.Module()
    net.rnn = getattr(torch.nn, cell)(3, 4, batch_first=True, **options)
    return net


@pytest.mark.torch
@pytest.mark.parametrize(
    ("cell", "options"),
    [("LSTM", {"num_layers": 2, "bidirectional": True}),
     ("GRU", {"num_layers": 2, "bidirectional": True}),
     ("LSTM", {"bias": False}),
     ("GRU", {"num_layers": 2})],
)  # fmt: skip
def test_torch_state_dicts_reproduce_the_module(torch, tmp_path, cell, options):
    net = torch_state(torch, cell, **options)
    path = tmp_path / "model.pt"
    torch.save({"model_state_dict": net.state_dict(), "epoch": 3}, path)  # a checkpoint
    saved = load_model(path)
    top = saved.layers[-1].name
    _, chain, ours = engine(path, top)
    with torch.no_grad():
        theirs = net.rnn(torch.from_numpy(X).float())[0].numpy()
    agree(ours, theirs)
    layers = options.get("num_layers", 1)
    assert top == f"rnn, layer {layers - 1}"
    assert len(chain) == layers


@pytest.mark.torch
def test_torch_bias_halves_are_the_two_stored_biases_in_keras_order(torch, tmp_path):
    net = torch_state(torch, "GRU", bidirectional=True)
    torch.save(net.state_dict(), tmp_path / "gru.pth")
    layer = load_model(tmp_path / "gru.pth").layers[0]
    (fwd_in, fwd_rec), (bwd_in, _) = layer.bias_halves
    b_ih = net.rnn.bias_ih_l0.detach().double().numpy()  # rows r, z, n
    b_hh = net.rnn.bias_hh_l0.detach().double().numpy()
    assert np.array_equal(fwd_in, np.concatenate([b_ih[4:8], b_ih[0:4], b_ih[8:]]))  # z, r, n
    assert np.array_equal(fwd_rec, np.concatenate([b_hh[4:8], b_hh[0:4], b_hh[8:]]))
    reverse = net.rnn.bias_ih_l0_reverse.detach().double().numpy()
    assert np.array_equal(bwd_in[8:], reverse[8:])
    assert layer.settings["reset_after"] is True
    assert layer.dtype == "float32"


@pytest.mark.torch
def test_a_float64_state_dict_is_traced_and_checked_in_float64(torch, tmp_path):
    net = torch_state(torch, "LSTM").double()
    torch.save(net.state_dict(), tmp_path / "double.pt")
    _model, chain, ours = engine(tmp_path / "double.pt", dtype="float64")
    with torch.no_grad():
        theirs = net.rnn(torch.from_numpy(X))[0].numpy()
    agree(ours, theirs, atol=1e-13)
    assert chain[0].dtype == "float64"


# ---- ONNX -------------------------------------------------------------------------------


@pytest.mark.onnx
@pytest.mark.torch
@pytest.mark.parametrize("dynamo", [False, True])
def test_torch_onnx_exports_reproduce_onnxruntime(torch, onnxruntime, tmp_path, dynamo):
    torch.manual_seed(1)
    module = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    x = torch.from_numpy(X.transpose(1, 0, 2)).float()  # (time, batch, features)
    path = tmp_path / "exported.onnx"
    torch.onnx.export(module, (x,), str(path), dynamo=dynamo)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    theirs = session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]  # (t, b, 2H)
    model = load_model(path)
    assert len(model.layers) == 2
    assert model.below[model.layers[1].name] == model.layers[0].name
    assert model.input_shape[model.layers[0].name] == (2, 6, 3)
    _, _chain, ours = engine(path, model.layers[1].name)
    agree(ours, theirs.transpose(1, 0, 2))
    with torch.no_grad():
        agree(ours, module(x)[0].numpy().transpose(1, 0, 2))


@pytest.mark.onnx
def test_the_packages_own_onnx_reverse_gru_with_hard_sigmoid(onnxruntime, tmp_path):
    from lstm_explained import GRUWeights, to_onnx

    weights = GRUWeights.random(input_dim=3, units=2, seed=3, reset_after=False)
    onnx_model = to_onnx(weights, recurrent_activation="hard_sigmoid", direction="reverse")
    path = tmp_path / "gru.onnx"
    path.write_bytes(onnx_model.SerializeToString())
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    y = session.run(None, {"X": np.float32(X.transpose(1, 0, 2))})[0]  # (t, 1, b, H)
    model, chain, ours = engine(path)
    assert (chain[0].direction, chain[0].settings["linear_before_reset"]) == ("reverse", 0)
    agree(ours, y[:, 0].transpose(1, 0, 2))
    _, halves = model.layers[0].bias_halves  # Rb: the recurrent half, Keras order z, r, h
    assert halves.shape == (6,)


# ---- the check's verdict ----------------------------------------------------------------


def test_the_tolerance_is_relative_to_the_largest_output_but_at_least_one():
    # float32: 1e-5 × max(1, scale); 2e-5 is over it at scale 1, within it at scale 3
    assert not Check("x", 2e-5, 1.0, 1e-5).ok
    assert Check("x", 2e-5, 3.0, 1e-5).ok
    assert Check("x", 9e-6, 0.1, 1e-5).ok
    assert [Check("x", 2e-5, 1.0, 1e-5).exit_code, Check("x", 2e-5, 3.0, 1e-5).exit_code] == [1, 0]
    unchecked = Check("x", unchecked="PyTorch is missing")
    assert not unchecked.ok  # a check that could not run never passes
    assert unchecked.exit_code == 3  # nor fails: a status of its own
    assert str(unchecked) == "NOT CHECKED: PyTorch is missing"
    assert unchecked.to_json()["checked"] is False
    assert unchecked.to_json()["reason"] == "PyTorch is missing"
    not_asked = Check("x", requested=False)  # --no-check
    assert (not_asked.exit_code, str(not_asked)) == (0, "check: not run (--no-check)")
