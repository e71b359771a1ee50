"""`lstm-explained diff A B`: two saved models on the same inputs, the first place they
part and the known mistake behind it. Each mistake is made in the test by hand, on
files written by the frameworks themselves; bad input is one line and exit status 2."""

from __future__ import annotations

import numpy as np
import pytest

from tests.command_line import one_line_error, run

X = "[[1, 0, 0.5], [-1, 1, 0], [0.5, -0.5, 1], [0, 1, -1]]"  # (time 4, features 3)


@pytest.fixture(scope="module")
def keras_stack(keras, tmp_path_factory):
    """A Keras model with two stacked LSTMs (3 -> 4 -> 2), saved; and its layers' weights."""
    keras.utils.set_random_seed(3)
    model = keras.Sequential([
        keras.Input((None, 3)),
        keras.layers.LSTM(4, return_sequences=True, name="low"),
        keras.layers.LSTM(2, return_sequences=True, name="high"),
    ])  # fmt: skip
    path = tmp_path_factory.mktemp("keras") / "stack.keras"
    model.save(path)
    return path, [layer.get_weights() for layer in model.layers]


def onnx_file(onnx, tmp_path, name, layers, lens=False):
    """An ONNX model with one LSTM node per layer, written with onnx.helper from
    (W, R, B) arrays in ONNX's own shapes, the way a hand-written converter does; with
    `lens`, every node reads sequence_lens from the model input "lens" (batch,)."""
    helper, numpy_helper = onnx.helper, onnx.numpy_helper
    nodes, inits, x = [], [], "x"
    for k, (w, r, b) in enumerate(layers):
        units = r.shape[-1]
        names = [f"W{k}", f"R{k}", f"B{k}"]
        inits += [numpy_helper.from_array(a.astype(np.float32), n) for a, n in
                  zip((w, r, b), names, strict=True)]  # fmt: skip
        lengths = ["lens"] if lens else []
        nodes.append(helper.make_node("LSTM", [x, *names, *lengths], [f"y{k}"], hidden_size=units))
        if k < len(layers) - 1:  # (time, 1, batch, H) -> (time, batch, H), as exporters do
            inits.append(numpy_helper.from_array(np.array([1], np.int64), f"axis{k}"))
            nodes.append(helper.make_node("Squeeze", [f"y{k}", f"axis{k}"], [f"x{k + 1}"]))
            x = f"x{k + 1}"
    inputs = [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["time", "batch", 3])]
    if lens:
        inputs.append(helper.make_tensor_value_info("lens", onnx.TensorProto.INT32, ["batch"]))
    graph = helper.make_graph(
        nodes, name, inputs,
        [helper.make_tensor_value_info(f"y{len(layers) - 1}", onnx.TensorProto.FLOAT, None)],
        inits,
    )  # fmt: skip
    path = tmp_path / f"{name}.onnx"
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    onnx.save(model, path)
    return path


def onnx_arrays(kernel, recurrent, bias, order=(0, 3, 1, 2)):
    """Keras's (kernel, recurrent_kernel, bias) as ONNX's W, R, B: gate blocks i, o, f, c
    (`order` picks Keras's blocks i, f, c, o by index), transposed, bias then zeros."""
    n = recurrent.shape[0]

    def blocks(a):
        return np.concatenate([a[..., k * n : (k + 1) * n] for k in order], axis=-1)

    b = blocks(bias)
    return blocks(kernel).T[None], blocks(recurrent).T[None], np.concatenate([b, 0 * b])[None]


@pytest.mark.keras
@pytest.mark.onnx
def test_a_correct_conversion_agrees_layer_by_layer(
    capsys, onnx, onnxruntime, keras_stack, tmp_path
):
    path, weights = keras_stack
    right = onnx_file(onnx, tmp_path, "right", [onnx_arrays(*w) for w in weights])
    code, out, err = run(capsys, "diff", path, right, "-i", X)
    assert code == 0, out + err
    assert "low (A) against LSTM node 1 (B):" in out
    assert "high (A) against LSTM node 2 (B):" in out
    assert out.count("A and B agree within tolerance 1e-05") == 2
    assert "both read what A's low output(s) for these inputs" in out


@pytest.mark.keras
@pytest.mark.onnx
def test_keras_order_written_into_onnx_is_named_in_the_layer_that_has_it(
    capsys, onnx, onnxruntime, keras_stack, tmp_path
):
    path, weights = keras_stack
    keras_order = (0, 1, 2, 3)  # the converter forgot ONNX's i, o, f, c in the top layer
    layers = [onnx_arrays(*weights[0]), onnx_arrays(*weights[1], order=keras_order)]
    wrong = onnx_file(onnx, tmp_path, "wrong", layers)
    code, out, _ = run(capsys, "diff", path, wrong, "-i", X)
    assert code == 1
    low, high = out.split("high (A) against LSTM node 2 (B):")
    assert "A and B agree" in low
    assert "A and B differ beyond tolerance 1e-05, first at step 1" in high
    # ONNX reads blocks (i, o, f, c) from a file that holds Keras's (i, f, c, o), c being
    # the candidate, which reports call g as the site does: what ONNX calls o is Keras's
    # f, its f Keras's g, its g Keras's o.
    assert "gate-order: B's gates are in order i, g, o, f read as i, f, g, o" in high
    code, out, _ = run(capsys, "diff", path, wrong, "-i", X, "--layer", "high")
    assert code == 1
    assert "low (A)" not in out
    assert "gate-order" in out


@pytest.mark.torch
def test_a_lost_pytorch_bias_half_is_named(capsys, torch, tmp_path):
    torch.manual_seed(5)
    lstm = torch.nn.LSTM(3, 4, batch_first=True)
    right, wrong = tmp_path / "right.pt", tmp_path / "wrong.pt"
    torch.save(lstm.state_dict(), right)
    state = {k: v.clone() for k, v in lstm.state_dict().items()}
    state["bias_hh_l0"].zero_()  # a converter that kept only bias_ih
    torch.save(state, wrong)
    code, out, _ = run(capsys, "diff", right, wrong, "-i", X)
    assert code == 1
    assert "bias-half-missing" in out
    assert "recurrent" in out.split("bias-half-missing")[1].splitlines()[0]


@pytest.mark.torch
def test_diff_errors_are_one_line(capsys, torch, tmp_path):
    torch.manual_seed(1)
    one, two = tmp_path / "one.pt", tmp_path / "two.pt"
    torch.save(torch.nn.LSTM(3, 4).state_dict(), one)
    torch.save(torch.nn.LSTM(3, 5, num_layers=2).state_dict(), two)
    err = one_line_error(capsys, "diff", one, two, "-i", X)
    assert "A has 1 LSTM or GRU layer(s)" in err
    assert "B has 2" in err
    assert "choose a pair with --layer and --layer-b" in err
    err = one_line_error(capsys, "diff", one, two, "--layer", "1", "--layer-b", "1", "-i", X)
    assert "units" in err  # 4 against 5: nothing to compare
    err = one_line_error(capsys, "diff", one, two, "--layer-b", "1")
    assert "add --layer" in err
    err = one_line_error(capsys, "diff", one, tmp_path / "missing.pt")
    assert "missing.pt" in err
    err = one_line_error(capsys, "diff", one, one, "-i", "[[1, 2]]")
    assert "3 feature(s)" in err
    err = one_line_error(capsys, "diff", one, one, "--tolerance", "0")
    assert "--tolerance" in err


@pytest.mark.torch
def test_without_inputs_the_example_is_said_and_identical_files_agree(capsys, torch, tmp_path):
    path = tmp_path / "same.pt"
    torch.save(torch.nn.GRU(2, 3).state_dict(), path)
    code, out, _ = run(capsys, "diff", path, path)
    assert code == 0
    assert "inputs: no --inputs given: example inputs" in out
    assert "A and B agree within tolerance" in out


# ---- padding: each side masks the padded steps as its model does ------------------------


@pytest.fixture(scope="module")
def padded(keras, onnx, onnxruntime, tmp_path_factory):
    """One LSTM's weights in three Keras models (Masking below it; Masking and
    zero_output_for_mask=True; no Masking) and two ONNX ones (sequence_lens as the model
    input "lens"; none); post- and pre-padded inputs (row 0 two padded steps, row 1
    one); and what Keras and onnxruntime themselves output for them."""
    folder = tmp_path_factory.mktemp("padded")
    keras.utils.set_random_seed(7)

    def model(masking=True, zeros=False):
        top = keras.layers.LSTM(4, return_sequences=True, zero_output_for_mask=zeros, name="lstm")
        below = [keras.layers.Masking(0.0, name="pad")] if masking else []
        return keras.Sequential([keras.Input((None, 3)), *below, top])

    files, keras_out = {}, {}
    post = np.random.default_rng(0).uniform(-1, 1, (2, 6, 3)).round(2)
    post[0, 4:], post[1, 5:] = 0, 0
    pre = np.zeros_like(post)
    pre[0, 2:], pre[1, 1:] = post[0, :4], post[1, :5]
    weights = model().layers[-1].get_weights()
    for name, options in (
        ("masked", {}),
        ("zeroing", {"zeros": True}),
        ("plain", {"masking": False}),
    ):
        m = model(**options)
        m.layers[-1].set_weights(weights)
        files[name] = folder / f"{name}.keras"
        m.save(files[name])
        keras_out[name] = {k: m.predict(x, verbose=0) for k, x in (("post", post), ("pre", pre))}
    for name, lens in (("lens", True), ("nolens", False)):
        files[name] = onnx_file(onnx, folder, name, [onnx_arrays(*weights)], lens=lens)
    for name, x in (("post", post), ("pre", pre)):
        files[name] = folder / f"{name}.npy"
        np.save(files[name], x)

    def ort(name, x, lengths=None):  # Y as (batch, time, H)
        session = onnxruntime.InferenceSession(str(files[name]), providers=["CPUExecutionProvider"])
        feeds = {"x": x.transpose(1, 0, 2).astype(np.float32)}
        if lengths is not None:
            feeds["lens"] = np.asarray(lengths, np.int32)
        return session.run(None, feeds)[0][:, 0].transpose(1, 0, 2)

    return files, keras_out, ort, post, pre


def values(v):
    """A vector's first three values as diff's evidence writes them."""
    return "(" + ", ".join(f"{float(u):.3g}" for u in v[:3]) + ", ...)"


@pytest.mark.keras
@pytest.mark.onnx
def test_carried_forward_against_zero_filled_padding_is_named(capsys, padded):
    files, keras_out, ort, post, _ = padded
    ours, theirs = keras_out["masked"]["post"], ort("lens", post, [4, 5])
    # What the frameworks do: Keras repeats h of step 4 at row 0's padded steps 5-6,
    # onnxruntime writes zeros there; every real step agrees.
    assert np.allclose(ours[0, 4:], ours[0, 3])
    assert not np.any(theirs[0, 4:])
    real = np.array([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 0]], bool)
    assert np.allclose(ours[real], theirs[real], atol=1e-5)
    code, out, _ = run(capsys, "diff", files["masked"], files["lens"], "-i", files["post"])
    assert code == 1, out
    assert "first at step 5, batch row 0: the output, unit 0" in out
    assert "A's mask: pad (Masking, mask_value=0); padded: row 0 steps 5-6, row 1 step 6" in out
    assert "B's mask: sequence_lens (model input 'lens'), given the number of real steps" in out
    assert "lengths 4, 5" in out
    assert (
        "padding-output: at padded steps A repeats the last real output and B outputs zeros" in out
    )
    assert (
        f"at padded step(s) 5-6 of row 0 A repeats h of step 4 {values(ours[0, 3])}, B outputs 0"
        in out
    )
    assert "undone, B's trace matches A's over 6 step(s) of 2 batch row(s)" in out
    assert "gate-order" not in out
    assert "float rounding" not in out


@pytest.mark.keras
@pytest.mark.onnx
def test_pairs_that_pad_alike_agree(capsys, padded):
    files, keras_out, ort, post, _ = padded
    # zero_output_for_mask=True outputs what onnxruntime outputs, zeros included
    assert np.allclose(keras_out["zeroing"]["post"], ort("lens", post, [4, 5]), atol=1e-5)
    code, out, _ = run(capsys, "diff", files["zeroing"], files["lens"], "-i", files["post"])
    assert code == 0, out
    assert "A and B agree within tolerance" in out
    code, out, _ = run(capsys, "diff", files["masked"], files["masked"], "-i", files["post"])
    assert code == 0, out  # both carry h forward
    assert out.count("padded: row 0 steps 5-6, row 1 step 6") == 2


@pytest.mark.keras
@pytest.mark.onnx
def test_a_mask_ignored_is_named_on_either_side(capsys, padded):
    files, keras_out, ort, post, _ = padded
    ours, theirs = keras_out["masked"]["post"], ort("nolens", post)
    assert not np.allclose(ours[0, 4], theirs[0, 4], atol=1e-3)  # B ran step 5 as real
    code, out, _ = run(capsys, "diff", files["masked"], files["nolens"], "-i", files["post"])
    assert code == 1, out
    assert "B's mask: none (the node has no sequence_lens input)" in out
    assert "mask-ignored: B runs the padded steps as real steps: A masks them" in out
    assert f"row 0, padded step(s) 5-6: A carries h of step 4 forward {values(ours[0, 3])}" in out
    assert f"B's h at step 5 is {values(theirs[0, 4])}" in out
    # given sequence_lens, B would still output zeros where A repeats h: both are named
    assert "padding-output" in out
    assert out.count("undone with the other finding(s) of this diff") == 2
    plain = keras_out["plain"]["post"]
    code, out, _ = run(capsys, "diff", files["plain"], files["masked"], "-i", files["post"])
    assert code == 1, out
    assert "mask-ignored: A runs the padded steps as real steps: B masks them" in out
    assert f"A's h at step 5 is {values(plain[0, 4])}" in out
    assert "put the Masking layer below it" in out
    assert "padding-output" not in out  # both are Keras layers that repeat h


@pytest.mark.keras
@pytest.mark.onnx
def test_padding_at_the_start_against_sequence_lens_is_named(capsys, padded):
    files, keras_out, ort, _, pre = padded
    # Keras masks the first steps; onnxruntime, given as many real steps, the last
    assert not np.allclose(keras_out["masked"]["pre"][0, -1], ort("lens", pre, [4, 5])[0, 3])
    code, out, _ = run(capsys, "diff", files["masked"], files["lens"], "-i", files["pre"])
    assert code == 1, out
    assert "padding-moved: A pads at the start of the sequence, B at the end" in out
    assert "row 0: A masks steps 1-2 (at the start), B steps 5-6 (at the end)" in out
    assert "B's sequence_lens can only mark the last steps as padding" in out
    assert "undone, B's trace matches A's" in out
    assert "padding-output" not in out  # before the first real step both output zeros


@pytest.mark.keras
def test_where_a_keras_layers_mask_comes_from(keras, tmp_path):
    from lstm_explained.saved.files import load_model

    layers = keras.layers

    def masks(name, first, *rest):
        path = tmp_path / f"{name}.keras"
        keras.Sequential([first, *rest]).save(path)
        return [(layer.mask.kind, layer.mask.by) if layer.mask else None
                for layer in load_model(str(path)).layers]  # fmt: skip

    seq = keras.Input((None, 3))
    stack = [layers.Masking(-1.0, name="pad"), layers.LSTM(4, return_sequences=True),
             layers.Dropout(0.1), layers.LSTM(2, return_sequences=True)]  # fmt: skip
    assert masks("stack", seq, *stack) == [("values", "pad (Masking, mask_value=-1)")] * 2
    between = [layers.LSTM(4, return_sequences=True), layers.Masking(name="pad"), layers.LSTM(2)]
    assert masks("between", seq, *between) == [None, ("model", "pad (Masking)")]
    words = [layers.Embedding(10, 3, mask_zero=True, name="emb"), layers.GRU(2)]
    assert masks("words", keras.Input((None,), dtype="int32"), *words) == [
        ("model", "emb (Embedding)")
    ]


@pytest.mark.keras
def test_a_mask_made_below_the_inputs_is_said_not_compared(capsys, keras, tmp_path):
    path = tmp_path / "words.keras"
    keras.Sequential([
        keras.Input((None,), dtype="int32"),
        keras.layers.Embedding(10, 3, mask_zero=True, name="emb"),
        keras.layers.LSTM(2, return_sequences=True),
    ]).save(path)  # fmt: skip
    code, out, _ = run(capsys, "diff", path, path, "-i", X)
    assert code == 0, out
    assert (
        "padding not compared: A's mask comes from emb (Embedding) and B's from emb "
        "(Embedding), made below where these inputs enter" in out
    )


@pytest.mark.torch
def test_an_nn_rnn_read_with_the_other_nonlinearity_is_named(capsys, torch, tmp_path):
    torch.manual_seed(2)
    path = tmp_path / "rnn.pt"
    torch.save(torch.nn.RNN(3, 4, nonlinearity="relu", batch_first=True).state_dict(), path)
    code, out, _ = run(capsys, "diff", path, path, "-i", X, "--nonlinearity-a", "relu")
    assert code == 1
    assert "activation: B's activation is tanh; A's is relu" in out
    assert "its state dict does not store it" in " ".join(out.split())
    code, out, _ = run(capsys, "diff", path, path, "-i", X, "--nonlinearity-a", "relu",
                       "--nonlinearity-b", "relu")  # fmt: skip
    assert code == 0, out
