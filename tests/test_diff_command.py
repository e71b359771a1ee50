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


def onnx_file(onnx, tmp_path, name, layers):
    """An ONNX model with one LSTM node per layer, written with onnx.helper from
    (W, R, B) arrays in ONNX's own shapes, the way a hand-written converter does."""
    helper, numpy_helper = onnx.helper, onnx.numpy_helper
    nodes, inits, x = [], [], "x"
    for k, (w, r, b) in enumerate(layers):
        units = r.shape[-1]
        names = [f"W{k}", f"R{k}", f"B{k}"]
        inits += [numpy_helper.from_array(a.astype(np.float32), n) for a, n in
                  zip((w, r, b), names, strict=True)]  # fmt: skip
        nodes.append(helper.make_node("LSTM", [x, *names], [f"y{k}"], hidden_size=units))
        if k < len(layers) - 1:  # (time, 1, batch, H) -> (time, batch, H), as exporters do
            inits.append(numpy_helper.from_array(np.array([1], np.int64), f"axis{k}"))
            nodes.append(helper.make_node("Squeeze", [f"y{k}", f"axis{k}"], [f"x{k + 1}"]))
            x = f"x{k + 1}"
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["time", "batch", 3])],
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
