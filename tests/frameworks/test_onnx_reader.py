"""from_onnx: models written by to_onnx and by torch.onnx.export, run in onnxruntime (the
independent reference), read back by from_onnx and run by the engine; and what the
reader cannot compute, or cannot read, refused."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lstm_explained import (
    Bidirectional,
    GRUWeights,
    LSTMInputError,
    LSTMWeights,
    ParametricActivation,
    fingerprint_gru_weights,
    fingerprint_weights,
    forward,
    from_onnx,
    to_onnx,
)
from lstm_explained.frameworks.onnx_reader import run_layers
from tests.frameworks.onnx_runs import f32, ort_run
from tests.strategies import gru_configurations, lstm_configurations, rnn_configurations

pytestmark = pytest.mark.onnx
ACTIVATIONS = [
    "sigmoid",
    "tanh",
    "linear",
    "relu",
    "hard_sigmoid",
    ParametricActivation("hard_sigmoid", Fraction(3, 8), Fraction(1, 4)),
    ParametricActivation("leaky_relu", Fraction(1, 8)),
    ParametricActivation("softsign"),
    ParametricActivation("scaled_tanh", Fraction(3, 2), Fraction(1, 2)),
    ParametricActivation("elu", Fraction(1, 2)),
    ParametricActivation("softplus"),
]


def time_major(x):
    return f32(np.asarray(x).transpose(1, 0, 2))  # (batch, time, f) -> (time, batch, f)


@pytest.mark.parametrize(
    "weights",
    [
        fingerprint_weights(),
        fingerprint_gru_weights(),
        GRUWeights(*fingerprint_gru_weights().to_keras()[:2], reset_after=False),
        LSTMWeights(*[f32(a) for a in LSTMWeights.random(3, 2, seed=1).to_keras()[:2]]),
    ],
)
def test_round_trip_is_exact(onnx, weights):
    again = from_onnx(to_onnx(weights))[0].weights
    assert type(again) is type(weights)
    for name in ("kernel", "recurrent_kernel", "bias"):
        mine, back = getattr(weights, name), getattr(again, name)
        assert (mine is None) == (back is None), name
        if mine is not None:
            assert np.array_equal(np.asarray(mine, dtype=float), back), name


def test_two_biases_come_back_summed_and_float64_keeps_every_digit(onnx):
    weights = LSTMWeights.random(2, 3, seed=4)  # float64 values float32 cannot hold
    model = to_onnx(weights, dtype="float64")
    tensors = {t.name.split("_")[-1]: t for t in model.graph.initializer}
    w = onnx.numpy_helper.to_array(tensors["W"])
    # W (dirs, 4H, in), rows i, o, f, c: the output gate's rows come second
    assert np.array_equal(w[0, 3:6], weights.gate("output").kernel.T)
    assert np.array_equal(from_onnx(model)[0].weights.kernel, weights.kernel)
    b = onnx.numpy_helper.to_array(tensors["B"]).copy()  # (1, 8H): Wb then Rb, 12 each
    b[0, 12:] += 1.0  # move 1 from Wb into Rb: only the sum counts
    b[0, :12] -= 1.0
    tensors["B"].CopyFrom(onnx.numpy_helper.from_array(b, tensors["B"].name))
    again = from_onnx(model)[0].weights
    np.testing.assert_allclose(again.bias, weights.bias, rtol=0, atol=1e-15)


@st.composite
def onnx_configurations(draw, cell):
    strategy = {"LSTM": lstm_configurations, "GRU": gru_configurations, "RNN": rnn_configurations}
    config = draw(strategy[cell]())
    config.pop("go_backwards", None)  # direction="reverse" instead
    config.pop("mask", None)  # ONNX pads at the end only: sequence_lens instead
    config["activation"] = draw(st.sampled_from(ACTIVATIONS))
    config["recurrent_activation"] = draw(st.sampled_from(ACTIVATIONS))
    batch, time, _ = config["inputs"].shape
    config["lens"] = (
        np.array(draw(st.lists(st.integers(1, time), min_size=batch, max_size=batch)), np.int32)
        if draw(st.booleans())
        else None
    )
    config["direction"] = draw(st.sampled_from(["forward", "reverse", "bidirectional"]))
    return config


def agree(ours, theirs, what):
    scale = max(1.0, float(np.max(np.abs(theirs))))
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=3e-5 * scale, err_msg=what)


@pytest.mark.parametrize("cell", ["LSTM", "GRU", "RNN"])
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=st.data())
def test_engine_agrees_with_onnxruntime_on_random_configurations(onnxruntime, cell, data):
    config = data.draw(onnx_configurations(cell))
    w = config["weights"]
    layer = Bidirectional(w, w) if config["direction"] == "bidirectional" else w
    dirs = 2 if config["direction"] == "bidirectional" else 1
    states = config.get("initial_state")
    model = to_onnx(
        layer,
        activation=config["activation"],
        recurrent_activation=config["recurrent_activation"],
        direction="forward" if dirs == 2 else config["direction"],
        initial_state=states is not None,
        sequence_lens=config["lens"] is not None,
    )
    x = time_major(config["inputs"])
    onnx_states = None if states is None else [f32(np.stack([s] * dirs)) for s in states]
    feeds = {"X": x, "sequence_lens": config["lens"]}
    if onnx_states is not None:
        feeds |= dict(zip(("initial_h", "initial_c"), onnx_states, strict=False))
    theirs = ort_run(onnxruntime, model, **feeds)
    # Linear and relu gates can grow a GRU by orders of magnitude in five steps; float32
    # (onnxruntime's only precision) then says more about rounding than about the
    # equations, so such draws are set aside (Keras's GRU test compares in float64).
    assume(all(np.all(np.abs(a) < 1e3) for a in theirs))
    ours = from_onnx(model)[0].run(x, initial_state=onnx_states, sequence_lens=config["lens"])
    assert len(ours) == len(theirs) == (3 if cell == "LSTM" else 2)
    for name, a, b in zip(("Y", "Y_h", "Y_c"), ours, theirs, strict=False):
        agree(a, b, name)
    if dirs == 1 and config["direction"] == "forward" and config["lens"] is None:
        # and the plain engine, with no ONNX on our side at all
        trace = forward(
            config["inputs"],
            w,
            activation=config["activation"],
            recurrent_activation=config["recurrent_activation"],
            initial_state=states,
        )
        agree(trace.sequence_out.transpose(1, 0, 2), theirs[0][:, 0], "forward()")


def test_a_stack_agrees_with_onnxruntime(onnxruntime):
    layers = [
        Bidirectional(LSTMWeights.random(3, 2, seed=1), LSTMWeights.random(3, 2, seed=2)),
        GRUWeights.random(4, 3, seed=3),
        LSTMWeights.random(3, 2, seed=4),
    ]
    model = to_onnx(layers)
    x = f32(np.random.default_rng(0).normal(size=(5, 2, 3)))
    theirs = ort_run(onnxruntime, model, X=x)
    read = from_onnx(model)
    assert [(layer.op_type, layer.direction) for layer in read] == [
        ("LSTM", "bidirectional"),
        ("GRU", "forward"),
        ("LSTM", "forward"),
    ]
    for name, a, b in zip(("Y", "Y_h", "Y_c"), run_layers(read, x), theirs, strict=True):
        agree(a, b, name)


@pytest.mark.torch
@pytest.mark.parametrize(
    ("cell", "dynamo", "with_state"),
    [("LSTM", False, False), ("GRU", False, True), ("LSTM", True, True)],
)
def test_a_torch_onnx_export_reads_back_and_agrees(
    torch, onnxruntime, tmp_path, cell, dynamo, with_state
):
    from lstm_explained.frameworks.torch_adapter import layers_from_torch

    torch.manual_seed(0)
    module = getattr(torch.nn, cell)(3, 2, num_layers=2, bidirectional=True)
    x = torch.randn(5, 4, 3)  # (time, batch, features)
    h0 = torch.randn(4, 4, 2)  # (layers * dirs, batch, H)
    args = (x, (h0, torch.randn(4, 4, 2)) if cell == "LSTM" else h0) if with_state else (x,)
    path = tmp_path / "exported.onnx"
    torch.onnx.export(module, args, str(path), dynamo=dynamo)
    layers = from_onnx(path)
    assert [layer.direction for layer in layers] == ["bidirectional", "bidirectional"]
    for ours, theirs in zip(layers, layers_from_torch(module), strict=True):
        for d in ("forward", "backward"):
            a, b = getattr(ours.weights, d), getattr(theirs, d)
            assert np.array_equal(a.kernel, b.kernel)
            assert np.array_equal(a.bias, b.bias)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = dict(
        zip(
            [i.name for i in session.get_inputs()],
            [a.numpy() for a in torch.utils._pytree.tree_leaves(args)],
            strict=True,
        )
    )
    onnx_out = session.run(None, feeds)
    states = []
    if with_state:
        held = [args[1]] if cell == "GRU" else list(args[1])
        states = [[s.numpy()[2 * k : 2 * k + 2] for s in held] for k in range(2)]
    out = x.numpy()
    for k, layer in enumerate(layers):
        y = layer.run(out, initial_state=states[k] if states else None)[0]
        out = y.transpose(0, 2, 1, 3).reshape(5, 4, -1)
    agree(out, onnx_out[0], "ONNX Y")
    with torch.no_grad():
        agree(out, module(*args)[0].numpy(), "PyTorch")


def one_node(onnx, *, activations=None, alpha=None, beta=None, extra=(), peephole=None, **attrs):
    """A one-node LSTM model (2 inputs, 2 units) built by hand, for the reader's corners."""
    helper = onnx.helper
    rng = np.random.default_rng(0)
    w, r = f32(rng.normal(size=(1, 8, 2))), f32(rng.normal(size=(1, 8, 2)))
    inits = [onnx.numpy_helper.from_array(w, "w"), onnx.numpy_helper.from_array(r, "r")]
    inputs = ["X", "w", "r"]
    if peephole is not None:
        inits.append(onnx.numpy_helper.from_array(f32(peephole), "p"))
        inputs += ["", "", "", "", "p"]
    for key, value in (
        ("activations", activations),
        ("activation_alpha", alpha),
        ("activation_beta", beta),
    ):
        if value is not None:
            attrs[key] = value
    node = helper.make_node("LSTM", inputs, ["Y", "Y_h"], hidden_size=2, **attrs)
    x_info = helper.make_tensor_value_info("X", onnx.TensorProto.FLOAT, [3, 1, 2])
    outs = [helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, None) for n in ("Y", "Y_h")]
    graph = helper.make_graph([*extra, node], "g", [x_info], outs, initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)], ir_version=8)


@pytest.mark.parametrize(
    ("options", "gates", "candidate"),
    [
        # HardSigmoid without parameters: ONNX's 0.2 and 0.5 (Keras 2's), not Keras 3's 1/6
        (
            {"activations": ["HardSigmoid", "Tanh", "Tanh"]},
            ParametricActivation("hard_sigmoid", float(np.float32(0.2)), 0.5),
            "tanh",
        ),
        # alphas and betas are used up in order, only by functions that take them
        (
            {
                "activations": ["sigmoid", "Affine", "affine"],
                "alpha": [0.5, 0.5],
                "beta": [0.25, 0.25],
            },
            "sigmoid",
            ParametricActivation("affine", 0.5, 0.25),
        ),
        (
            {
                "activations": ["LeakyRelu", "Affine", "Affine"],
                "alpha": [0.125, 1.0, 1.0],
                "beta": [0.0, 0.0],
            },
            ParametricActivation("leaky_relu", 0.125),
            "linear",
        ),
        ({"peephole": np.zeros((1, 6))}, "sigmoid", "tanh"),  # zero peepholes change nothing
    ],
)
def test_the_reader_reads_activations_as_onnxruntime_does(
    onnx, onnxruntime, options, gates, candidate
):
    model = one_node(onnx, **options)
    layer = from_onnx(model)[0]
    assert (layer.recurrent_activation, layer.activation) == (gates, candidate)
    x = f32(np.random.default_rng(1).normal(size=(3, 1, 2)))
    y = ort_run(onnxruntime, model, X=x)[0]
    agree(layer.run(x)[0], y, "Y")


@pytest.mark.parametrize(
    "options",
    [
        {"peephole": np.arange(-3, 3).reshape(1, 6) / 2},
        {"clip": 0.5},
        {"input_forget": 1},
        {"peephole": np.arange(-3, 3).reshape(1, 6) / 2, "clip": 0.5, "input_forget": 1},
    ],
    ids=["peephole", "clip", "input_forget", "all three"],
)
def test_an_lstms_peepholes_clip_and_input_forget_are_read_as_onnxruntime_runs_them(
    onnx, onnxruntime, options
):
    model = one_node(onnx, **options)
    (layer,) = from_onnx(model)
    if "peephole" in options:  # P holds i, o, f; the weights' rows input, forget, output
        np.testing.assert_array_equal(layer.weights.peephole, [[-1.5, -1], [0.5, 1], [-0.5, 0]])
    assert layer.weights.clip == options.get("clip")
    assert layer.weights.input_forget is bool(options.get("input_forget"))
    x = f32(np.random.default_rng(3).normal(size=(3, 1, 2)) * 2)
    agree(layer.run(x)[0], ort_run(onnxruntime, model, X=x)[0], "Y")


def test_a_grus_clip_is_still_refused(onnx):
    helper, rng = onnx.helper, np.random.default_rng(0)
    inits = [onnx.numpy_helper.from_array(f32(rng.normal(size=s)), n)
             for n, s in (("w", (1, 6, 2)), ("r", (1, 6, 2)))]  # fmt: skip
    node = helper.make_node("GRU", ["X", "w", "r"], ["Y"], hidden_size=2, clip=3.0)
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("X", 1, [3, 1, 2])],
        [helper.make_tensor_value_info("Y", 1, None)],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)], ir_version=8)
    with pytest.raises(LSTMInputError, match=r"GRU node 1 has clip=3.0: it clips its pre-act"):
        from_onnx(model)


def test_layout_one_is_computed_though_onnxruntime_refuses_it(onnx, onnxruntime):
    x = f32(np.random.default_rng(2).normal(size=(3, 1, 2)))  # (time, batch, features)
    y = ort_run(onnxruntime, one_node(onnx), X=x)[0]  # layout 0, run by onnxruntime
    batch_first = from_onnx(one_node(onnx, layout=1))[0].run(x.transpose(1, 0, 2))[0]
    agree(batch_first, y.transpose(2, 0, 1, 3), "layout 1: Y is (batch, time, dirs, H)")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"activations": ["Sigmoid", "Tanh", "Relu"]}, r"one activation for the candidate"),
        ({"activations": ["Sigmoid", "Affine", "Affine"]}, r"Affine needs activation_alpha"),
        ({"activations": ["Sigmoid", "Gelu", "Gelu"]}, r"'Gelu' is not one ONNX defines"),
        ({"activations": ["Sigmoid", "Tanh"]}, r"activations must name 3 functions"),
        ({"direction": "sideways"}, r"direction must be forward, reverse or bidirectional"),
    ],
)
def test_what_the_engine_cannot_compute_is_refused(onnx, options, message):
    with pytest.raises(LSTMInputError, match=message):
        from_onnx(one_node(onnx, **options))


def test_bad_files_and_computed_weights_are_refused(onnx, tmp_path):
    model = to_onnx(LSTMWeights.random(2, 2, seed=0))
    data = model.SerializeToString()
    (tmp_path / "cut.onnx").write_bytes(data[: len(data) // 2])
    (tmp_path / "text.onnx").write_text("not a model at all\n")
    for source, message in (
        (tmp_path / "cut.onnx", r"cut.onnx is not an ONNX model, or it is truncated"),
        (tmp_path / "text.onnx", r"text.onnx is not an ONNX model"),
        (tmp_path / "missing.onnx", r"cannot read the ONNX file .*missing.onnx"),
        (42, r"model_or_path must be an onnx.ModelProto, bytes or a path; got 42"),
    ):
        with pytest.raises(LSTMInputError, match=message):
            from_onnx(source)
    assert len(from_onnx(data)) == 1  # bytes are fine
    # W computed by an operator that does more than select or reshape is not evaluated
    computed = one_node(onnx, extra=[onnx.helper.make_node("Neg", ["w0"], ["w"])])
    computed.graph.initializer[0].name = "w0"
    with pytest.raises(LSTMInputError, match=r"its W input 'w' is computed by other nodes; "
                       r"from_onnx reads .* and runs no other operator"):  # fmt: skip
        from_onnx(computed)
    no_rnn = onnx.helper.make_model(
        onnx.helper.make_graph(
            [onnx.helper.make_node("Relu", ["X"], ["Y"])],
            "g",
            [onnx.helper.make_tensor_value_info("X", onnx.TensorProto.FLOAT, [1])],
            [onnx.helper.make_tensor_value_info("Y", onnx.TensorProto.FLOAT, [1])],
        )
    )
    with pytest.raises(LSTMInputError, match=r"no LSTM, GRU or RNN node; its nodes are \['Relu'\]"):
        from_onnx(no_rnn)


def rnn_node(onnx, *, dirs=1, seed=0, **attrs):
    """A one-node ONNX RNN model (3 inputs, 2 units) built by hand with onnx.helper, its
    B's two halves different, and X, sequence_lens and initial_h given when it runs."""
    helper = onnx.helper
    rng = np.random.default_rng(seed)
    w, r = f32(rng.normal(size=(dirs, 2, 3))), f32(rng.normal(size=(dirs, 2, 2)))
    b = f32(rng.normal(size=(dirs, 4)))
    inits = [onnx.numpy_helper.from_array(a, n) for a, n in ((w, "w"), (r, "r"), (b, "b"))]
    node = helper.make_node("RNN", ["X", "w", "r", "b", "lens", "h0"], ["Y", "Y_h"],
                            hidden_size=2, **attrs)  # fmt: skip
    float_info = onnx.TensorProto.FLOAT
    inputs = [helper.make_tensor_value_info("X", float_info, [4, 2, 3]),
              helper.make_tensor_value_info("lens", onnx.TensorProto.INT32, [2]),
              helper.make_tensor_value_info("h0", float_info, [dirs, 2, 2])]  # fmt: skip
    outs = [helper.make_tensor_value_info(n, float_info, None) for n in ("Y", "Y_h")]
    graph = helper.make_graph([node], "g", inputs, outs, initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)], ir_version=8)


@pytest.mark.parametrize(
    ("attrs", "activation"),
    [
        ({}, "tanh"),
        ({"activations": ["Relu"]}, "relu"),
        ({"activations": ["Sigmoid"], "direction": "reverse"}, "sigmoid"),
        ({"activations": ["Relu", "Relu"], "direction": "bidirectional"}, "relu"),
        ({"activations": ["Affine"], "activation_alpha": [0.5], "activation_beta": [0.25]},
         ParametricActivation("affine", 0.5, 0.25)),
        ({"activations": ["LeakyRelu"], "activation_alpha": [0.125]},
         ParametricActivation("leaky_relu", 0.125)),
    ],
)  # fmt: skip
def test_an_rnn_node_with_runtime_lengths_and_state_agrees_with_onnxruntime(
    onnx, onnxruntime, attrs, activation
):
    dirs = 2 if attrs.get("direction") == "bidirectional" else 1
    model = rnn_node(onnx, dirs=dirs, **attrs)
    layer = from_onnx(model)[0]
    assert (layer.op_type, layer.activation) == ("RNN", activation)
    assert set(layer.runtime) == {"X", "sequence_lens", "initial_h"}
    rng = np.random.default_rng(3)
    x, h0 = f32(rng.normal(size=(4, 2, 3))), f32(rng.normal(size=(dirs, 2, 2)))
    lens = np.array([4, 2], np.int32)
    theirs = ort_run(onnxruntime, model, X=x, lens=lens, h0=h0)
    ours = layer.run(x, initial_state=(h0,), sequence_lens=lens)
    assert len(ours) == len(theirs) == 2
    for name, a, b in zip(("Y", "Y_h"), ours, theirs, strict=True):
        agree(a, b, name)
    with pytest.raises(LSTMInputError, match=r"reads sequence_lens from 'lens' when the model"):
        layer.run(x)


def test_an_rnn_nodes_activations_are_one_per_direction(onnx):
    with pytest.raises(LSTMInputError, match=r"activations must name 1 functions \(1 per"):
        from_onnx(rnn_node(onnx, activations=["Tanh", "Tanh"]))
    with pytest.raises(LSTMInputError, match=r"both directions must use the same activations"):
        from_onnx(rnn_node(onnx, dirs=2, direction="bidirectional", activations=["Tanh", "Relu"]))
    with pytest.raises(LSTMInputError, match=r"has clip=2.0"):
        from_onnx(rnn_node(onnx, clip=2.0))


@pytest.mark.torch
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_a_torch_onnx_export_of_nn_rnn_reads_back_and_agrees(
    torch, onnxruntime, tmp_path, nonlinearity
):
    from lstm_explained.frameworks.torch_adapter import layers_from_torch

    torch.manual_seed(1)
    module = torch.nn.RNN(3, 2, num_layers=2, bidirectional=True, nonlinearity=nonlinearity)
    x = torch.randn(5, 4, 3)  # (time, batch, features)
    path = tmp_path / "rnn.onnx"
    torch.onnx.export(module, (x,), str(path), dynamo=False)
    layers = from_onnx(path)
    assert [(layer.op_type, layer.direction, layer.activation) for layer in layers] == [
        ("RNN", "bidirectional", nonlinearity)
    ] * 2
    for ours, theirs in zip(layers, layers_from_torch(module), strict=True):
        for d in ("forward", "backward"):
            a, b = getattr(ours.weights, d), getattr(theirs, d)
            np.testing.assert_allclose(a.kernel, b.kernel, rtol=0, atol=0)
            np.testing.assert_allclose(a.bias, b.bias, rtol=0, atol=1e-7)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    onnx_out = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    out = run_layers(layers, x.numpy())[0]
    out = out.transpose(0, 2, 1, 3).reshape(5, 4, -1)
    agree(out, onnx_out[0], "ONNX Y")
    with torch.no_grad():
        agree(out, module(x)[0].numpy(), "PyTorch")
