"""The layout descriptions behind the site's table, checked against each framework's own
tensors and parameter counts (Keras count_params, PyTorch named_parameters, the ONNX
initializers, Flax's nnx.Param state)."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_explained import LAYOUTS, GRUWeights, LSTMInputError, LSTMWeights, RNNWeights, to_onnx
from lstm_explained.frameworks.layouts import layout, reorder

IN, H = 3, 2  # a layer of 3 input features and 2 units: every shape term differs


def shapes(key):
    return [t.concrete_shape(IN, H) for t in LAYOUTS[key].tensors]


def test_counts_follow_the_formula_written_out():
    # n gates of H units, each with in + H weights and one or two bias vectors
    expected = {
        "keras-lstm": 4 * H * (IN + H + 1),
        "torch-lstm": 4 * H * (IN + H + 2),
        "onnx-lstm": 4 * H * (IN + H + 2),
        "flax-lstm": 4 * H * (IN + H + 1),
        "flax-optimized-lstm": 4 * H * (IN + H + 1),
        "keras-gru": 3 * H * (IN + H + 2),
        "torch-gru": 3 * H * (IN + H + 2),
        "onnx-gru": 3 * H * (IN + H + 2),
        "flax-gru": 3 * H * (IN + H + 1),
        "keras-rnn": H * (IN + H + 1),
        "torch-rnn": H * (IN + H + 2),
        "onnx-rnn": H * (IN + H + 2),
        "flax-rnn": H * (IN + H + 1),
    }
    assert {k: lay.parameter_count(IN, H) for k, lay in LAYOUTS.items()} == expected
    assert LAYOUTS["torch-lstm"].count_formula() == "4H(in + H + 2)"
    assert LAYOUTS["flax-gru"].count_formula() == "3H(in + H + 1)"
    assert LAYOUTS["torch-rnn"].count_formula() == "H(in + H + 2)"


def test_gate_orders_name_every_gate_once():
    for key, lay in LAYOUTS.items():
        cell = {"LSTM": LSTMWeights, "GRU": GRUWeights, "RNN": RNNWeights}[lay.cell]
        assert sorted(lay.gate_order) == sorted(cell.gates), key
        assert len(lay.gate_letters.split(", ")) == len(cell.gates), key
    assert LAYOUTS["onnx-lstm"].gate_order == ("input", "output", "forget", "candidate")
    assert LAYOUTS["torch-gru"].gate_order == ("reset", "update", "candidate")


def test_reorder_moves_whole_blocks():
    blocks = np.array([[1, 1, 2, 2, 3, 3, 4, 4]])  # i, f, g, o blocks of two units
    onnx = reorder(blocks, LAYOUTS["keras-lstm"].gate_order, LAYOUTS["onnx-lstm"].gate_order)
    assert onnx.tolist() == [[1, 1, 4, 4, 2, 2, 3, 3]]  # i, o, f, c
    back = reorder(onnx, LAYOUTS["onnx-lstm"].gate_order, LAYOUTS["keras-lstm"].gate_order)
    assert back.tolist() == blocks.tolist()
    with pytest.raises(LSTMInputError, match=r"cannot reorder gate blocks"):
        reorder(np.zeros((1, 7)), ("a", "b"), ("b", "a"))
    with pytest.raises(LSTMInputError, match=r"no layout named 'tf-lstm'; layouts are"):
        layout("tf-lstm")


@pytest.mark.keras
@pytest.mark.parametrize(("cell", "key"), [("LSTM", "keras-lstm"), ("GRU", "keras-gru"),
                                          ("SimpleRNN", "keras-rnn")])  # fmt: skip
def test_keras_tensors_and_count_params(keras, cell, key):
    layer = getattr(keras.layers, cell)(H)
    layer.build((None, None, IN))
    assert [tuple(w.shape) for w in layer.weights] == shapes(key)
    assert [w.path.split("/")[-1] for w in layer.weights] == [t.name for t in LAYOUTS[key].tensors]
    assert layer.count_params() == LAYOUTS[key].parameter_count(IN, H)


@pytest.mark.torch
@pytest.mark.parametrize("cell", ["LSTM", "GRU", "RNN"])
def test_pytorch_named_parameters(torch, cell):
    module = getattr(torch.nn, cell)(IN, H)
    params = dict(module.named_parameters())
    key = f"torch-{cell.lower()}"
    assert [(n, tuple(p.shape)) for n, p in params.items()] == [
        (t.name, t.concrete_shape(IN, H)) for t in LAYOUTS[key].tensors
    ]
    assert sum(p.numel() for p in params.values()) == LAYOUTS[key].parameter_count(IN, H)


@pytest.mark.onnx
@pytest.mark.parametrize(
    "weights",
    [
        LSTMWeights.random(IN, H, seed=0),
        GRUWeights.random(IN, H, seed=0),
        RNNWeights.random(IN, H, seed=0),
    ],
)
def test_onnx_initializers(onnx, weights):
    model = to_onnx(weights)
    found = {t.name.split("_")[-1]: tuple(t.dims) for t in model.graph.initializer}
    key = f"onnx-{weights.cell.lower()}"
    assert found == {t.name: t.concrete_shape(IN, H) for t in LAYOUTS[key].tensors}
    count = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    assert count == LAYOUTS[key].parameter_count(IN, H)


@pytest.mark.flax
@pytest.mark.parametrize(
    ("cls", "key"),
    [
        ("LSTMCell", "flax-lstm"),
        ("OptimizedLSTMCell", "flax-optimized-lstm"),
        ("GRUCell", "flax-gru"),
        ("SimpleCell", "flax-rnn"),
    ],
)
def test_flax_parameters(nnx, cls, key):
    cell = getattr(nnx, cls)(IN, H, rngs=nnx.Rngs(0))
    params = {
        ".".join(str(p) for p in path): tuple(value.shape)
        for path, value in nnx.to_flat_state(nnx.state(cell, nnx.Param))
    }
    described = {}
    for tensor in LAYOUTS[key].tensors:  # "hi, hf, hg, ho .bias" stands for four tensors
        owners, attr = tensor.name.replace(" .", ".").rsplit(".", 1)
        for owner in owners.split(", "):
            described[f"{owner}.{attr}"] = tensor.concrete_shape(IN, H)
    assert params == described
    assert sum(int(np.prod(s)) for s in params.values()) == LAYOUTS[key].parameter_count(IN, H)


def test_the_variants_row_says_which_framework_holds_which_variant():
    rows = {key: lay.variants for key, lay in LAYOUTS.items()}
    assert rows["torch-lstm"].startswith("`proj_size` P: `weight_hr_l0` (P, H)")
    assert "peepholes `P` (dirs, 3H), blocks i, o, f" in rows["onnx-lstm"]
    assert "`input_forget=1` makes f = 1 - i" in rows["onnx-lstm"]
    assert rows["keras-lstm"].startswith("none")
    # the blocks the text names are the order the ONNX converter uses
    assert LAYOUTS["onnx-lstm"].peephole_order == ("input", "output", "forget")


def test_an_onnx_models_peepholes_are_stored_in_the_order_the_table_gives(onnx):
    # peepholes 1, 2, 3 on the input, forget and output rows (one unit) must be stored
    # as P = [P_i, P_o, P_f] = [1, 3, 2], as ONNX's LSTM spec orders them
    w = LSTMWeights.constant(1.0).replace(peephole=np.array([[1.0], [2.0], [3.0]]))
    p = next(t for t in to_onnx(w).graph.initializer if t.name.endswith("_P"))
    assert onnx.numpy_helper.to_array(p).tolist() == [[1.0, 3.0, 2.0]]
