"""The LSTM's variants (peepholes, coupled gates, cell clip, projection): exact arithmetic
written out in the test, onnxruntime on ONNX nodes built here by hand, PyTorch's
`proj_size` with autograd, and finite differences for the step backward."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from lstm_explained import LSTMInputError, LSTMWeights, backward, forward, sgd_step
from lstm_explained.engine import lstm, lstm_variants
from lstm_explained.engine.recurrence import cell_of
from tests.calculus import numeric_gradient
from tests.frameworks.onnx_runs import f32, ort_run

SIG_TANH = {"activation": "tanh", "recurrent_activation": "sigmoid"}


def variant_weights(seed, *, features=2, units=3, proj=None, peephole=True, **settings):
    """Random weights with the variants asked for (`settings`: input_forget, clip)."""
    rng = np.random.default_rng(seed)
    h = proj or units
    return LSTMWeights(
        rng.normal(0, 0.6, (features, 4 * units)),
        rng.normal(0, 0.6, (h, 4 * units)),
        rng.normal(0, 0.6, 4 * units),
        peephole=rng.normal(0, 0.6, (3, units)) if peephole else None,
        projection=rng.normal(0, 0.6, (units, proj)) if proj else None,
        **settings,
    )


# ---- the arithmetic, written out on Python numbers -----------------------------------


def reference_lstm(xs, w, *, h0, c0, rec, act):
    """An LSTM with the variants, unit by unit on Python numbers, from ONNX's LSTM
    equations (peepholes; onnxruntime's clip and input_forget, FACTS.md) and PyTorch's
    proj_size, independent of the engine."""
    units, kernel, recurrent = w.units, w.kernel.tolist(), w.recurrent_kernel.tolist()
    bias = [0] * 4 * units if w.bias is None else list(w.bias)
    peep = [[0] * units] * 3 if w.peephole is None else w.peephole.tolist()
    clip = (lambda v: v) if w.clip is None else (lambda v: min(max(v, -w.clip), w.clip))
    h, c, out = list(h0), list(c0), []
    for x in xs:
        a = [sum(x[j] * kernel[j][k] for j in range(len(x)))
             + sum(h[i] * recurrent[i][k] for i in range(len(h))) + bias[k]
             for k in range(4 * units)]  # fmt: skip
        new_c, m = [], []
        for u in range(units):
            i = rec(clip(a[u] + peep[0][u] * c[u]))
            f = 1 - i if w.input_forget else rec(clip(a[units + u] + peep[1][u] * c[u]))
            g = act(clip(a[2 * units + u]))
            new_c.append(f * c[u] + i * g)
            o = rec(clip(a[3 * units + u] + peep[2][u] * new_c[u]))
            m.append(o * act(new_c[u]))
        c = new_c
        if w.projection is None:
            h = m
        else:
            p = w.projection.tolist()
            h = [sum(m[u] * p[u][q] for u in range(units)) for q in range(len(p[0]))]
        out.append(h)
    return out, c


def hard_sigmoid(v):  # Keras 3's, exact on Fractions
    return min(max(v / 6 + Fraction(1, 2), 0), 1)


@pytest.mark.parametrize(
    "settings",
    [
        {"clip": Fraction(1, 2)},
        {"input_forget": True},
        {"clip": Fraction(3, 4), "input_forget": True, "proj": 2},
        {"peephole": False, "proj": 2},
    ],
    ids=["peephole+clip", "peephole+input_forget", "all four", "projection"],
)
def test_exact_mode_is_the_arithmetic_written_out_and_float64_agrees(settings):
    w = variant_weights(4, **settings)
    as_fractions = np.vectorize(lambda q: Fraction(q).limit_denominator(64), otypes=[object])
    w = w.replace(**{k: as_fractions(v)
                     for k in ("kernel", "recurrent_kernel", "bias", "peephole", "projection")
                     if (v := getattr(w, k)) is not None})  # fmt: skip
    xs = [[Fraction(1), Fraction(-1, 2)], [Fraction(2), Fraction(1, 3)], [Fraction(-1), 3]]
    h0 = [Fraction(1, 4)] * w.output_units
    c0 = [Fraction(-1, 2)] * w.units
    options = {"activation": "linear", "recurrent_activation": "hard_sigmoid"}
    trace = forward(xs, w, initial_state=(h0, c0), exact=True, **options)
    want_h, want_c = reference_lstm(xs, w, h0=h0, c0=c0, rec=hard_sigmoid, act=lambda v: v)
    assert trace.sequence_out.tolist() == want_h  # exactly, Fractions
    assert trace.state_c.tolist() == want_c
    floats = forward(np.array(xs, float), w, initial_state=(h0, c0), **options)
    exact = trace.sequence_out.astype(float)
    np.testing.assert_allclose(floats.sequence_out, exact, rtol=1e-12, atol=1e-12)


def test_clip_bounds_the_pre_activations_the_gates_see_and_records_both():
    # one unit, every weight 2 and input 1: a = 2 + 2*0 + 0 = 2 for every gate at step 1
    w = LSTMWeights.constant(2, bias=0).replace(clip=Fraction(1, 2))
    step = forward([1], w, activation="linear", recurrent_activation="linear", exact=True).step(1)
    assert {g: step.a[g].tolist() for g in step.a} == {g: [Fraction(1, 2)] for g in step.a}
    assert step.parts["unclipped_input"].tolist() == [2]
    # i = f = g = o = 1/2 (linear), c = 1/2 * 0 + 1/2 * 1/2 = 1/4, h = 1/2 * 1/4 = 1/8
    assert step.c.tolist() == [Fraction(1, 4)]
    assert step.h.tolist() == [Fraction(1, 8)]


def test_peephole_terms_are_recorded_and_the_output_gate_sees_the_new_c():
    # one unit, kernel 1, recurrent 0, P = (input 1, forget 2, output 3), c0 = 1, x = 1:
    # a = 1 for every gate; z_i = 1 + 1*1 = 2, z_f = 1 + 2*1 = 3, z_g = 1 (linear)
    # c = 3*1 + 2*1 = 5; z_o = 1 + 3*5 = 16; h = 16 * 5 = 80
    w = LSTMWeights([[1, 1, 1, 1]], [[0, 0, 0, 0]], peephole=[[1], [2], [3]])
    trace = forward([1], w, activation="linear", recurrent_activation="linear",
                    initial_state=([0], [1]), exact=True)  # fmt: skip
    step = trace.step(1)
    assert [step.parts[f"peephole_{g}"].tolist() for g in ("input", "forget", "output")] == [
        [1], [2], [15]]  # fmt: skip
    assert [step.a[g].tolist()[0] for g in ("input", "forget", "candidate", "output")] == [
        2, 3, 1, 16]  # fmt: skip
    assert (step.c.tolist(), step.h.tolist()) == ([5], [80])


def test_coupled_gates_ignore_the_forget_columns():
    w = variant_weights(2, peephole=True, input_forget=True)
    other = w.replace(
        kernel=w.kernel.copy() + np.repeat([0, 9, 0, 0], 3),  # forget columns changed
        bias=w.bias + np.repeat([0, -5, 0, 0], 3),
        peephole=w.peephole + np.array([[0], [7], [0]]),
    )
    x = np.random.default_rng(0).normal(size=(2, 4, 2))
    a, b = forward(x, w), forward(x, other)
    np.testing.assert_array_equal(a.sequence_out, b.sequence_out)
    step = a.step(2)
    np.testing.assert_allclose(step.gates["forget"], 1 - step.gates["input"], rtol=0, atol=0)


def test_projection_gives_h_proj_size_values_and_records_what_it_projected():
    w = variant_weights(1, peephole=False, proj=2, units=3)
    trace = forward(np.ones((4, 2)), w)
    assert trace.sequence_out.shape == (4, 2)
    assert (trace.state_h.shape, trace.state_c.shape) == ((2,), (3,))
    step = trace.step(3)
    m = step.gates["output"] * np.tanh(step.c)
    np.testing.assert_allclose(step.parts["before_projection"], m, rtol=1e-15)
    np.testing.assert_allclose(step.h, m @ w.projection, rtol=1e-14)
    doc = trace.to_dict()
    assert np.array(doc["weights"]["projection"]).shape == (3, 2)


def test_the_plain_lstm_keeps_its_own_step():
    assert cell_of(LSTMWeights.constant(1.0)) is lstm
    assert cell_of(LSTMWeights.constant(1.0).replace(clip=3)) is lstm_variants
    assert LSTMWeights.constant(1.0).variants == ()
    assert variant_weights(0, proj=2, clip=1.0, input_forget=True).variants == (
        "peephole", "input_forget", "clip", "projection")  # fmt: skip


# ---- backward: finite differences ----------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"input_forget": True},
        {"clip": 0.6},
        {"clip": 0.8, "input_forget": True},
        {"peephole": False, "proj": 2},
        {"proj": 2, "clip": 0.7, "input_forget": True},
    ],
    ids=["peephole", "+input_forget", "+clip", "+clip+input_forget", "projection", "all four"],
)
def test_backward_matches_finite_differences(settings):
    w = variant_weights(3, **settings)
    rng = np.random.default_rng(5)
    x = rng.normal(0, 1, (2, 5, 2))
    h0, c0 = rng.normal(0, 1, (2, w.output_units)), rng.normal(0, 1, (2, w.units))
    trace = forward(x, w, initial_state=(h0, c0), **SIG_TANH)
    dy = rng.normal(size=trace.sequence_out.shape)
    dh, dc = rng.normal(size=trace.state_h.shape), rng.normal(size=trace.state_c.shape)
    grads = backward(trace, dy, d_state_h=dh, d_state_c=dc)
    arrays = {k: np.array(getattr(w, k)) for k in ("kernel", "recurrent_kernel", "bias",
                                                   "peephole", "projection")
              if getattr(w, k) is not None}  # fmt: skip
    arrays |= {"inputs": x, "h0": h0, "c0": c0}

    def loss():
        ws = w.replace(**{k: v for k, v in arrays.items() if hasattr(w, k)})
        t = forward(arrays["inputs"], ws, initial_state=(arrays["h0"], arrays["c0"]),
                    record=False, **SIG_TANH)  # fmt: skip
        return (t.sequence_out * dy).sum() + (t.state_h * dh).sum() + (t.state_c * dc).sum()

    ours = {k: getattr(grads, k) for k in arrays if hasattr(grads, k)}
    ours |= {"h0": grads.initial_h, "c0": grads.initial_c}
    for name, value in ours.items():
        np.testing.assert_allclose(value, numeric_gradient(loss, arrays[name]), rtol=0,
                                   atol=1e-7, err_msg=name)  # fmt: skip


def test_exact_backward_equals_float_backward_through_clip_and_coupling():
    w = variant_weights(7, clip=Fraction(1, 2), input_forget=True, proj=2)
    x = np.random.default_rng(1).normal(0, 1, (3, 2))
    options = {"activation": "linear", "recurrent_activation": "hard_sigmoid"}
    exact = forward(x, w, exact=True, **options)
    floats = forward(x, w, **options)
    d = np.ones(floats.sequence_out.shape)
    ge, gf = backward(exact, d), backward(floats, d)
    assert ge.peephole.dtype == object
    for name in ("kernel", "recurrent_kernel", "bias", "peephole", "projection", "inputs"):
        np.testing.assert_allclose(getattr(ge, name).astype(float), getattr(gf, name),
                                   rtol=1e-12, atol=1e-12, err_msg=name)  # fmt: skip


# ---- onnxruntime, on nodes built here ------------------------------------------------

ONNX_BLOCKS = [0, 2, 3, 1]  # ONNX's W rows i, o, f, c -> ours i, f, c, o


def onnx_case(rng, *, dirs=1, batch=3, time=5, features=2, hidden=3):
    """ONNX arrays for a node: W, R, B, P, X, initial h and c, all float32."""

    def normal(*shape):
        return f32(rng.normal(0, 0.8, shape))

    return {"W": normal(dirs, 4 * hidden, features), "R": normal(dirs, 4 * hidden, hidden),
            "B": normal(dirs, 8 * hidden), "P": normal(dirs, 3 * hidden),
            "X": normal(time, batch, features), "initial_h": normal(dirs, batch, hidden),
            "initial_c": normal(dirs, batch, hidden)}  # fmt: skip


def engine_weights(arrays, d, **settings):
    """Direction d of the node's arrays as LSTMWeights, converted here by hand."""
    hidden = arrays["R"].shape[-1]

    def ours(m):  # (4H, k) in ONNX's order -> (k, 4H) in ours
        return np.concatenate([m[b * hidden : (b + 1) * hidden] for b in ONNX_BLOCKS]).T

    b = arrays["B"][d].astype(np.float64)
    p = arrays["P"][d].astype(np.float64).reshape(3, hidden)  # i, o, f
    return LSTMWeights(ours(arrays["W"][d].astype(np.float64)),
                       ours(arrays["R"][d].astype(np.float64)),
                       ours((b[: 4 * hidden] + b[4 * hidden :])[:, None])[0],
                       peephole=p[[0, 2, 1]], **settings)  # fmt: skip


RUNTIME = ("X", "initial_h", "initial_c")  # the model's inputs; W, R, B and P stored


def runtime(arrays):
    return {k: arrays[k] for k in RUNTIME}


def lstm_node_model(onnx, arrays, *, with_lens=False, **attrs):
    helper, tp = onnx.helper, onnx.TensorProto
    names = ["X", "W", "R", "B", "sequence_lens" if with_lens else "", "initial_h",
             "initial_c", "P"]  # fmt: skip
    node = helper.make_node("LSTM", names, ["Y", "Y_h", "Y_c"],
                            hidden_size=arrays["R"].shape[-1], **attrs)  # fmt: skip
    inputs = [helper.make_tensor_value_info(n, tp.FLOAT, arrays[n].shape)
              for n in RUNTIME]  # fmt: skip
    if with_lens:
        inputs.append(helper.make_tensor_value_info("sequence_lens", tp.INT32, [None]))
    outputs = [helper.make_tensor_value_info(n, tp.FLOAT, None) for n in ("Y", "Y_h", "Y_c")]
    stored = [onnx.numpy_helper.from_array(arrays[n], n) for n in ("W", "R", "B", "P")]
    graph = helper.make_graph([node], "variants", inputs, outputs, initializer=stored)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)], ir_version=8)


SETTINGS = {
    "peephole": {},
    "clip": {"clip": 0.5},
    "input_forget": {"input_forget": True},
    "peephole+clip+input_forget": {"clip": 0.7, "input_forget": True},
}


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_each_variant_matches_onnxruntime_in_float32(onnx, onnxruntime, name):
    settings = SETTINGS[name]
    arrays = onnx_case(np.random.default_rng(len(name)))
    attrs = {"clip": settings["clip"]} if "clip" in settings else {}
    attrs |= {"input_forget": 1} if settings.get("input_forget") else {}
    y, y_h, y_c = ort_run(onnxruntime, lstm_node_model(onnx, arrays, **attrs), **runtime(arrays))
    w = engine_weights(arrays, 0, **settings)
    x = arrays["X"].transpose(1, 0, 2)  # (batch, time, features)
    start = (arrays["initial_h"][0], arrays["initial_c"][0])
    for dtype, atol in (("float32", 2e-6), ("float64", 2e-6)):
        trace = forward(x, w, initial_state=start, dtype=dtype, **SIG_TANH)
        np.testing.assert_allclose(trace.sequence_out, y[:, 0].transpose(1, 0, 2), atol=atol,
                                   rtol=0)  # fmt: skip
        np.testing.assert_allclose(trace.state_h, y_h[0], atol=atol, rtol=0)
        np.testing.assert_allclose(trace.state_c, y_c[0], atol=atol, rtol=0)


def test_bidirectional_with_sequence_lens_matches_onnxruntime(onnx, onnxruntime):
    from lstm_explained.frameworks.onnx_reader import from_onnx

    arrays = onnx_case(np.random.default_rng(11), dirs=2)
    lens = np.array([5, 2, 4], np.int32)
    model = lstm_node_model(onnx, arrays, with_lens=True, direction="bidirectional",
                            clip=0.6, input_forget=1)  # fmt: skip
    theirs = ort_run(onnxruntime, model, sequence_lens=lens, **runtime(arrays))
    (layer,) = from_onnx(model)
    for d, part in enumerate((layer.weights.forward, layer.weights.backward)):
        want = engine_weights(arrays, d, clip=float(np.float32(0.6)), input_forget=True)
        np.testing.assert_array_equal(part.peephole, want.peephole)
        assert (part.clip, part.input_forget) == (want.clip, True)
    state = (arrays["initial_h"], arrays["initial_c"])
    ours = layer.run(arrays["X"], initial_state=state, sequence_lens=lens, dtype="float32")
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=2e-6)


# ---- PyTorch's proj_size, float64 ----------------------------------------------------


def test_projection_matches_torch_forward_and_autograd(torch):
    torch.manual_seed(0)
    module = torch.nn.LSTM(3, 5, proj_size=2, batch_first=True).double()
    sd = {k: v.detach().numpy() for k, v in module.state_dict().items()}
    # PyTorch's gate order is Keras's (i, f, g, o): only transposes, written out here
    w = LSTMWeights(sd["weight_ih_l0"].T, sd["weight_hh_l0"].T,
                    sd["bias_ih_l0"] + sd["bias_hh_l0"],
                    projection=sd["weight_hr_l0"].T)  # fmt: skip
    x = torch.randn(2, 6, 3, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(1, 2, 2, dtype=torch.float64)
    c0 = torch.randn(1, 2, 5, dtype=torch.float64)
    y, (_, c_n) = module(x, (h0, c0))
    trace = forward(x.detach().numpy(), w, initial_state=(h0[0].numpy(), c0[0].numpy()))
    np.testing.assert_allclose(trace.sequence_out, y.detach().numpy(), rtol=0, atol=1e-13)
    np.testing.assert_allclose(trace.state_c, c_n[0].detach().numpy(), rtol=0, atol=1e-13)
    dy = torch.randn_like(y)
    (y * dy).sum().backward()
    grads = backward(trace, dy.numpy())
    np.testing.assert_allclose(grads.projection, module.weight_hr_l0.grad.numpy().T, atol=1e-12)
    np.testing.assert_allclose(grads.recurrent_kernel, module.weight_hh_l0.grad.numpy().T,
                               atol=1e-12)  # fmt: skip
    np.testing.assert_allclose(grads.inputs, x.grad.numpy(), atol=1e-12)


# ---- what is refused ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"peephole": np.ones((4, 1))},
            "peephole must have shape (3, units): rows input, forget, output = (3, 1)",
        ),
        ({"projection": np.ones(2)}, "projection must have shape (units, proj_size)"),
        ({"projection": np.ones((2, 1))}, "projection must have shape (units, proj_size) = (1, 1)"),
        ({"clip": -1}, "clip must be a positive number"),
        ({"clip": [1, 2]}, "clip must be a positive number"),
        ({"input_forget": 1}, "input_forget must be True or False; got 1"),
    ],
)
def test_malformed_variants_are_refused_in_one_line(changes, message):
    with pytest.raises(LSTMInputError) as err:
        LSTMWeights(np.ones((1, 4)), np.ones((1, 4)), **changes)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_a_recurrent_kernel_that_ignores_the_projection_is_refused():
    with pytest.raises(LSTMInputError, match=r"recurrent_kernel must have shape \(proj_size, "
                       r"4\*units\) = \(2, 12\)"):  # fmt: skip
        LSTMWeights(np.ones((1, 12)), np.ones((3, 12)), projection=np.ones((3, 2)))


def test_keras_cannot_hold_the_variants():
    with pytest.raises(LSTMInputError, match="Keras's LSTM has no peephole or clip"):
        LSTMWeights.constant(1.0, units=1).replace(peephole=np.ones((3, 1)), clip=2).to_keras()


def test_plain_values_carry_the_variants_in_use():
    w = LSTMWeights.constant(1).replace(peephole=np.full((3, 1), 0.5), clip=2, input_forget=True)
    assert w.plain() | {"kernel": None, "recurrentKernel": None} == {
        "cell": "LSTM", "kernel": None, "recurrentKernel": None, "bias": [0, 0, 0, 0],
        "peephole": [[0.5], [0.5], [0.5]], "inputForget": True, "clip": 2,
    }  # fmt: skip
    assert "peephole" not in LSTMWeights.constant(1).plain()
    # parameters: 4 gates * (1 input + 1 recurrent + 1 bias) + 3 peepholes
    assert w.parameter_count() == 12 + 3


def test_sgd_step_moves_the_peepholes_and_the_projection_too():
    w = variant_weights(9, proj=2)
    trace = forward(np.ones((3, 2)), w)
    grads = backward(trace, np.ones(trace.sequence_out.shape))
    new = sgd_step(w, grads, 0.5)
    np.testing.assert_array_equal(new.peephole, w.peephole - 0.5 * grads.peephole)
    np.testing.assert_array_equal(new.projection, w.projection - 0.5 * grads.projection)
    assert np.any(grads.peephole)
    assert np.any(grads.projection)
