"""from_torch / to_torch against a live torch.nn.LSTM and torch.nn.GRU.

PyTorch's own output is the independent reference: a module with random weights runs on
random input, and the engine, given the converted weights, must agree with it.
"""

from __future__ import annotations

import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstm_explained import GRUWeights, LSTMInputError, LSTMWeights, forward, from_torch, to_torch
from lstm_explained.frameworks.torch_adapter import weights_from_torch

pytestmark = pytest.mark.torch
TOL = 1e-5


def random_lstm(torch, input_size, hidden_size, *, seed, **options):
    """An nn.LSTM whose every parameter is drawn anew (std 0.5, larger than the default)."""
    torch.manual_seed(seed)
    module = torch.nn.LSTM(input_size, hidden_size, **options)
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.normal_(0.0, 0.5)
    return module


def numpy(tensor):
    return tensor.detach().numpy().astype(np.float64)


def as_f32(array):
    """What a float64 array becomes in a float32 module (nn.LSTM's default dtype)."""
    return array.astype(np.float32).astype(np.float64)


def bias_sum(module):
    return numpy(module.bias_ih_l0) + numpy(module.bias_hh_l0)


@pytest.mark.parametrize("batch_first", [False, True])
def test_forward_agrees_with_torch_on_a_batch_with_initial_state(torch, batch_first):
    batch, time, features, hidden = 3, 6, 4, 5
    module = random_lstm(torch, features, hidden, seed=1, batch_first=batch_first)
    torch.manual_seed(2)
    x = torch.randn(batch, time, features)  # (batch, time, features)
    h0, c0 = torch.randn(1, batch, hidden), torch.randn(1, batch, hidden)  # torch's shape
    with torch.no_grad():
        out, (h_n, c_n) = module(x if batch_first else x.transpose(0, 1), (h0, c0))
    if not batch_first:
        out = out.transpose(0, 1)  # (time, batch, hidden) -> (batch, time, hidden)

    trace = forward(numpy(x), from_torch(module), initial_state=(numpy(h0[0]), numpy(c0[0])))
    assert trace.sequence_out.shape == (batch, time, hidden)
    np.testing.assert_allclose(trace.sequence_out, numpy(out), rtol=0, atol=TOL)
    np.testing.assert_allclose(trace.state_h, numpy(h_n[0]), rtol=0, atol=TOL)
    np.testing.assert_allclose(trace.state_c, numpy(c_n[0]), rtol=0, atol=TOL)


def test_forward_agrees_with_torch_on_one_unbatched_sequence_from_zero_state(torch):
    module = random_lstm(torch, 2, 3, seed=3)
    torch.manual_seed(4)
    x = torch.randn(7, 2)  # (time, features): nn.LSTM also takes unbatched input
    with torch.no_grad():
        out, (h_n, c_n) = module(x)
    trace = forward(numpy(x), from_torch(module))
    np.testing.assert_allclose(trace.sequence_out, numpy(out), rtol=0, atol=TOL)
    np.testing.assert_allclose(trace.state_h, numpy(h_n[0]), rtol=0, atol=TOL)
    np.testing.assert_allclose(trace.state_c, numpy(c_n[0]), rtol=0, atol=TOL)


def test_a_module_without_bias_gives_weights_without_bias(torch):
    module = random_lstm(torch, 3, 2, seed=5, bias=False)
    torch.manual_seed(6)
    x = torch.randn(2, 4, 3)
    with torch.no_grad():
        out, _ = module(x.transpose(0, 1))
    weights = from_torch(module)
    assert weights.bias is None
    trace = forward(numpy(x), weights)
    np.testing.assert_allclose(trace.sequence_out, numpy(out.transpose(0, 1)), rtol=0, atol=TOL)


def test_from_torch_reads_the_layout_transposed_and_adds_the_two_biases(torch):
    module = torch.nn.LSTM(2, 1)  # 4 gates x 1 unit: rows i, f, g, o
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]))
        module.weight_hh_l0.copy_(torch.tensor([[10.0], [20.0], [30.0], [40.0]]))
        module.bias_ih_l0.copy_(torch.tensor([1.0, 2.0, 3.0, 4.0]))
        module.bias_hh_l0.copy_(torch.tensor([0.5, 0.25, -3.0, 4.0]))
    weights = from_torch(module)
    assert weights.kernel.tolist() == [[1, 3, 5, 7], [2, 4, 6, 8]]  # (input_dim, 4*units)
    assert weights.recurrent_kernel.tolist() == [[10, 20, 30, 40]]
    assert weights.bias.tolist() == [1.5, 2.25, 0, 8]  # bias_ih + bias_hh, gate by gate
    assert weights.gate("candidate").kernel.tolist() == [[5], [6]]  # torch's g rows


def test_round_trip_weights_to_torch_and_back(torch):
    weights = LSTMWeights.random(3, 2, seed=7)
    module = torch.nn.LSTM(3, 2, batch_first=True)
    kept = module.weight_ih_l0
    assert to_torch(weights, module) is module
    assert module.weight_ih_l0 is kept  # copied in place: same Parameter, still trainable
    assert module.weight_ih_l0.requires_grad
    assert module.bias_hh_l0.tolist() == [0.0] * 8  # the whole bias goes into bias_ih_l0

    again = from_torch(module)
    assert np.array_equal(again.kernel, as_f32(weights.kernel))
    assert np.array_equal(again.recurrent_kernel, as_f32(weights.recurrent_kernel))
    assert np.array_equal(again.bias, as_f32(weights.bias))


def test_round_trip_torch_to_weights_and_into_another_module(torch):
    original = random_lstm(torch, 4, 3, seed=8)
    copy = to_torch(from_torch(original), torch.nn.LSTM(4, 3))
    torch.manual_seed(9)
    x = torch.randn(5, 2, 4)
    with torch.no_grad():
        a, (ha, ca) = original(x)
        b, (hb, cb) = copy(x)
    for ours, theirs in ((b, a), (hb, ha), (cb, ca)):
        np.testing.assert_allclose(numpy(ours), numpy(theirs), rtol=0, atol=1e-6)
    # Same sums, split differently between the two biases.
    np.testing.assert_allclose(bias_sum(copy), bias_sum(original), rtol=0, atol=1e-6)
    assert bias_sum(copy).tolist() == numpy(copy.bias_ih_l0).tolist()


def test_to_torch_runs_the_toy_networks_weights_under_sigmoid_and_tanh(torch):
    # nn.LSTM cannot have identity activations, but it can hold the toy network's weights:
    # every weight 1, bias 0, so z = x + h_prev for every gate. By hand, with x = 1:
    # step 1: z = 1, c = s(1)*0 + s(1)*tanh(1), h = s(1)*tanh(c).
    module = to_torch(LSTMWeights.constant(Fraction(1)), torch.nn.LSTM(1, 1))
    with torch.no_grad():
        _, (h_n, c_n) = module(torch.ones(1, 1))
    sigmoid_1 = 1 / (1 + np.exp(-1.0))
    c1 = sigmoid_1 * np.tanh(1.0)
    assert float(c_n[0, 0]) == pytest.approx(c1, abs=1e-6)
    assert float(h_n[0, 0]) == pytest.approx(sigmoid_1 * np.tanh(c1), abs=1e-6)


def test_weights_without_bias_give_zero_biases_in_a_module_with_bias(torch):
    module = random_lstm(torch, 1, 1, seed=10)
    to_torch(LSTMWeights.constant(1.0, bias=None), module)
    assert module.bias_ih_l0.tolist() == [0.0] * 4
    assert module.bias_hh_l0.tolist() == [0.0] * 4


def test_a_module_without_bias_takes_weights_whose_bias_is_zero(torch):
    module = to_torch(LSTMWeights.constant(2.0, bias=0.0), torch.nn.LSTM(1, 1, bias=False))
    assert module.weight_hh_l0.tolist() == [[2.0]] * 4


@pytest.mark.parametrize(
    ("build", "pattern"),
    [
        (lambda nn: nn.GRU(3, 2), r"module must be a torch.nn.LSTM; got GRU"),
        (lambda nn: nn.Linear(3, 8), r"module must be a torch.nn.LSTM; got Linear"),
        (lambda nn: "lstm", r"module must be a torch.nn.LSTM; got str"),
        (
            lambda nn: nn.LSTM(3, 2, num_layers=2),
            r"num_layers=1; got num_layers=2 \(convert one layer at a time\)",
        ),
        (lambda nn: nn.LSTM(3, 2, bidirectional=True), r"bidirectional=False; got bidirectional"),
    ],
)
def test_from_torch_and_to_torch_refuse_what_keras_cannot_hold(torch, build, pattern):
    module = build(torch.nn)
    with pytest.raises(LSTMInputError, match=pattern):
        weights_from_torch(module, want="LSTM")  # what reading LSTM weights asks for
    with pytest.raises(LSTMInputError, match=pattern):
        to_torch(LSTMWeights.random(3, 2, seed=0), module)


@pytest.mark.parametrize(
    ("size", "pattern"),
    [
        ((4, 2), r"input_size=3 and hidden_size=2 .*; got input_size=4 and hidden_size=2"),
        ((3, 5), r"input_size=3 and hidden_size=2 .*; got input_size=3 and hidden_size=5"),
    ],
)
def test_to_torch_refuses_a_module_of_another_size(torch, size, pattern):
    module = torch.nn.LSTM(*size)
    before = module.weight_hh_l0.detach().clone()
    with pytest.raises(LSTMInputError, match=pattern):
        to_torch(LSTMWeights.random(3, 2, seed=0), module)
    assert torch.equal(module.weight_hh_l0, before)  # nothing was copied


def test_to_torch_refuses_a_nonzero_bias_for_a_module_without_bias(torch):
    module = torch.nn.LSTM(1, 1, bias=False)
    before = module.weight_ih_l0.detach().clone()
    with pytest.raises(LSTMInputError, match=r"bias=False.*nonzero bias"):
        to_torch(LSTMWeights.constant(1.0, bias={"forget": 1.0}), module)
    assert torch.equal(module.weight_ih_l0, before)  # nothing was copied


def test_a_parameter_of_the_wrong_shape_is_caught_before_copying(torch):
    module = torch.nn.LSTM(3, 2)
    module.weight_hh_l0 = torch.nn.Parameter(torch.zeros(8, 5))  # replaced by hand
    with pytest.raises(LSTMInputError, match=r"module.weight_hh_l0 must have shape \(8, 2\).*"):
        from_torch(module)
    with pytest.raises(LSTMInputError, match=r"got shape \(8, 5\)"):
        to_torch(LSTMWeights.random(3, 2, seed=0), module)


def test_without_torch_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now fails
    with pytest.raises(ModuleNotFoundError, match=r"lstm-explained\[torch\]"):
        from_torch(object())
    with pytest.raises(ModuleNotFoundError, match=r"lstm-explained\[torch\]"):
        to_torch(LSTMWeights.constant(1.0), object())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31 - 1),
    layers=st.integers(1, 2),
    bidirectional=st.booleans(),
    bias=st.booleans(),
)
def test_random_nn_lstm_modules_agree_through_the_conversion(
    torch, seed, layers, bidirectional, bias
):
    from lstm_explained import stacked
    from lstm_explained.frameworks.torch_adapter import layers_from_torch

    rng = np.random.default_rng(seed)
    features, units, batch, time = (int(v) for v in rng.integers(1, 4, 4))
    torch.manual_seed(seed)
    module = torch.nn.LSTM(
        features,
        units,
        num_layers=layers,
        bidirectional=bidirectional,
        bias=bias,
        batch_first=True,
    ).double()
    x = rng.normal(size=(batch, time, features))
    with torch.no_grad():
        out, (h_n, c_n) = module(torch.from_numpy(x))
    trace = stacked(x, layers_from_torch(module))
    np.testing.assert_allclose(trace.sequence_out, out.numpy(), rtol=0, atol=1e-12)
    top = trace.layers[-1]
    last = top.backward if bidirectional else top
    np.testing.assert_allclose(last.state_h, h_n.numpy()[-1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(last.state_c, c_n.numpy()[-1], rtol=0, atol=1e-12)


def test_the_fingerprint_in_pytorchs_layout_by_pytorchs_own_equations(torch):
    # nn.LSTM's activations are fixed, but its tensors can hold the fingerprint: written
    # out with PyTorch's documented step (rows i, f, g, o; both biases added), in float32,
    # they give the fingerprint's exact numbers.
    from lstm_explained import (
        FINGERPRINT_INPUTS,
        fingerprint_bias_halves,
        fingerprint_trace,
        fingerprint_weights,
    )

    module = to_torch(fingerprint_weights(), torch.nn.LSTM(2, 2))
    b_ih, b_hh = (torch.tensor(np.asarray(b, dtype=np.float32)) for b in fingerprint_bias_halves())
    with torch.no_grad():
        module.bias_ih_l0.copy_(b_ih)  # the halves as a PyTorch model would have them
        module.bias_hh_l0.copy_(b_hh)
    assert np.array_equal(from_torch(module).bias, fingerprint_weights().bias)
    h = c = torch.zeros(2)
    outputs = []
    for x in torch.tensor(FINGERPRINT_INPUTS, dtype=torch.float32):
        z = (
            x @ module.weight_ih_l0.T
            + module.bias_ih_l0
            + h @ module.weight_hh_l0.T
            + module.bias_hh_l0
        )
        i, f, g, o = z.detach().chunk(4)
        i, f, o = ((v / 4 + 0.5).clamp(0, 1) for v in (i, f, o))  # hard_sigmoid x/4 + 1/2
        c = f * c + i * g  # linear candidate
        h = o * c
        outputs.append([Fraction(float(v)) for v in h])
    assert outputs == fingerprint_trace().sequence_out.tolist()


@pytest.mark.torch
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), batch_first=st.booleans(), bias=st.booleans())
def test_nn_gru_agrees_with_the_engine_through_the_conversion(torch, seed, batch_first, bias):
    rng = np.random.default_rng(seed)
    features, units, batch, time = rng.integers(1, 4, 4)
    torch.manual_seed(seed % 2**31)
    module = torch.nn.GRU(int(features), int(units), bias=bias, batch_first=batch_first).double()
    weights = from_torch(module)
    x = rng.normal(size=(int(batch), int(time), int(features)))
    h0 = rng.normal(size=(int(batch), int(units)))
    with torch.no_grad():
        xt = torch.from_numpy(x if batch_first else x.transpose(1, 0, 2))
        out, h_n = module(xt, torch.from_numpy(h0[None]))
    out = out.numpy() if batch_first else out.numpy().transpose(1, 0, 2)
    trace = forward(x, weights, initial_state=(h0,))
    np.testing.assert_allclose(trace.sequence_out, out, atol=1e-12)
    np.testing.assert_allclose(trace.state_h, h_n.numpy()[0], atol=1e-12)
    # and back into a fresh module, exactly
    again = to_torch(weights, torch.nn.GRU(int(features), int(units), bias=bias).double())
    for name, tensor in module.named_parameters():
        assert torch.equal(tensor, getattr(again, name)), name


@pytest.mark.torch
def test_the_conversion_swaps_r_and_z_and_keeps_both_biases(torch):
    module = torch.nn.GRU(1, 1)
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.tensor([[1.0], [2.0], [3.0]]))  # rows r, z, n
        module.weight_hh_l0.copy_(torch.tensor([[4.0], [5.0], [6.0]]))
        module.bias_ih_l0.copy_(torch.tensor([7.0, 8.0, 9.0]))
        module.bias_hh_l0.copy_(torch.tensor([10.0, 11.0, 12.0]))
    w = from_torch(module)
    assert w.kernel.tolist() == [[2, 1, 3]]  # columns z, r, n
    assert w.recurrent_kernel.tolist() == [[5, 4, 6]]
    assert w.bias.tolist() == [[8, 7, 9], [11, 10, 12]]
    assert w.reset_after is True


@pytest.mark.torch
def test_to_torch_refuses_reset_before_and_the_wrong_module(torch):
    with pytest.raises(LSTMInputError, match=r"nn.GRU computes the reset-after form"):
        to_torch(GRUWeights.random(1, 1, seed=0, reset_after=False), torch.nn.GRU(1, 1))
    with pytest.raises(LSTMInputError, match=r"module must be a torch.nn.GRU; got LSTM"):
        to_torch(GRUWeights.random(1, 1, seed=0), torch.nn.LSTM(1, 1))
    with pytest.raises(LSTMInputError, match=r"module must be a torch.nn.GRU; got LSTM"):
        weights_from_torch(torch.nn.LSTM(1, 1), want="GRU")  # one kind asked for


@pytest.mark.torch
def test_to_torch_names_weights_that_are_not_weights(torch):
    with pytest.raises(
        LSTMInputError, match=r"^weights must be an LSTMWeights, a GRUWeights or an RNNWeights"
    ):
        to_torch("x", torch.nn.LSTM(1, 1))


# ---- proj_size: h = W_hr (o * tanh(c)) ---------------------------------------------


@pytest.mark.parametrize(("layers", "bidirectional"), [(1, False), (2, False), (2, True)])
def test_proj_size_modules_agree_in_float64(torch, layers, bidirectional):
    from lstm_explained import stacked
    from lstm_explained.frameworks.torch_adapter import layers_from_torch

    module = random_lstm(torch, 3, 5, seed=layers + 2 * bidirectional, proj_size=2,
                         num_layers=layers, bidirectional=bidirectional,
                         batch_first=True).double()  # fmt: skip
    x = np.random.default_rng(3).normal(size=(2, 7, 3))
    with torch.no_grad():
        out, (h_n, c_n) = module(torch.from_numpy(x))
    converted = layers_from_torch(module)
    first = converted[0].forward if bidirectional else converted[0]
    assert first.projection.shape == (5, 2)
    np.testing.assert_array_equal(first.projection, numpy(module.weight_hr_l0).T)
    trace = stacked(x, converted)
    assert out.shape == (2, 7, 2 * (1 + bidirectional))
    np.testing.assert_allclose(trace.sequence_out, out.numpy(), rtol=0, atol=1e-12)
    top = trace.layers[-1]
    last = top.backward if bidirectional else top
    np.testing.assert_allclose(last.state_h, h_n.numpy()[-1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(last.state_c, c_n.numpy()[-1], rtol=0, atol=1e-12)


def test_proj_size_round_trips_through_to_torch(torch):
    module = random_lstm(torch, 3, 4, seed=5, proj_size=2)
    weights = from_torch(module)
    assert (weights.units, weights.output_units) == (4, 2)
    other = to_torch(weights, torch.nn.LSTM(3, 4, proj_size=2))
    for name in ("weight_ih_l0", "weight_hh_l0", "weight_hr_l0"):
        assert torch.equal(getattr(other, name), getattr(module, name)), name


@pytest.mark.parametrize(
    ("weights", "module", "message"),
    [
        (
            lambda: LSTMWeights.random(3, 2, seed=0),
            lambda nn: nn.LSTM(3, 2, proj_size=1),
            "module must be an nn.LSTM with proj_size=0 to hold these weights; got proj_size=1",
        ),
        (
            lambda: LSTMWeights(np.ones((3, 8)), np.ones((1, 8)), projection=np.ones((2, 1))),
            lambda nn: nn.LSTM(3, 2),
            "proj_size=1 to hold these weights; got proj_size=0",
        ),
        (
            lambda: LSTMWeights.random(3, 2, seed=0).replace(clip=1.0),
            lambda nn: nn.LSTM(3, 2),
            "PyTorch's nn.LSTM has no clip",
        ),
    ],
)
def test_to_torch_refuses_variants_it_cannot_hold(torch, weights, module, message):
    with pytest.raises(LSTMInputError, match=message):
        to_torch(weights(), module(torch.nn))


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31 - 1),
    layers=st.integers(1, 3),
    bidirectional=st.booleans(),
    bias=st.booleans(),
)
def test_random_nn_rnn_modules_agree_through_the_conversion(
    torch, nonlinearity, seed, layers, bidirectional, bias
):
    from lstm_explained import stacked
    from lstm_explained.frameworks.torch_adapter import layers_from_torch, torch_activation

    rng = np.random.default_rng(seed)
    features, units, batch, time = (int(v) for v in rng.integers(1, 5, 4))
    torch.manual_seed(seed)
    module = torch.nn.RNN(features, units, num_layers=layers, nonlinearity=nonlinearity,
                          bidirectional=bidirectional, bias=bias, batch_first=True)  # fmt: skip
    module = module.double()
    x = rng.normal(size=(batch, time, features))
    with torch.no_grad():
        out, h_n = module(torch.from_numpy(x))
    assert torch_activation(module) == nonlinearity
    trace = stacked(x, layers_from_torch(module), activation=torch_activation(module))
    np.testing.assert_allclose(trace.sequence_out, out.numpy(), rtol=0, atol=1e-12)
    top = trace.layers[-1]
    last = top.backward if bidirectional else top
    np.testing.assert_allclose(last.state_h, h_n.numpy()[-1], rtol=0, atol=1e-12)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_nn_rnn_round_trip_and_its_two_biases_summed(torch, nonlinearity):
    from lstm_explained import RNNWeights

    module = torch.nn.RNN(1, 1, nonlinearity=nonlinearity)
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.tensor([[2.0]]))
        module.weight_hh_l0.copy_(torch.tensor([[-0.5]]))
        module.bias_ih_l0.copy_(torch.tensor([0.25]))
        module.bias_hh_l0.copy_(torch.tensor([0.5]))
    w = from_torch(module)
    assert isinstance(w, RNNWeights)
    assert (w.kernel.tolist(), w.recurrent_kernel.tolist(), w.bias.tolist()) == (
        [[2.0]], [[-0.5]], [0.75],
    )  # fmt: skip
    # x = 1, -1: a1 = 2 + 0.75 = 2.75; a2 = -2 + 0.75 - 0.5*h1
    with torch.no_grad():
        out, _ = module(torch.tensor([[1.0], [-1.0]]))
    trace = forward([1.0, -1.0], w, activation=nonlinearity)
    np.testing.assert_allclose(trace.sequence_out, numpy(out), atol=1e-6)
    again = to_torch(w, torch.nn.RNN(1, 1, nonlinearity=nonlinearity).double())
    assert numpy(again.bias_ih_l0).tolist() == [0.75]
    assert numpy(again.bias_hh_l0).tolist() == [0.0]


@pytest.mark.parametrize("kind", ["RNNCell", "GRUCell", "LSTMCell"])
@pytest.mark.parametrize("seed", range(3))
def test_a_cell_module_step_by_step_agrees_with_the_engine(torch, kind, seed):
    from lstm_explained.frameworks.torch_adapter import from_torch_cell, torch_activation

    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    options = {"nonlinearity": "relu"} if kind == "RNNCell" and seed % 2 else {}
    cell = getattr(torch.nn, kind)(3, 2, bias=bool(seed != 2), **options).double()
    x = rng.normal(size=(2, 5, 3))
    h = torch.zeros(2, 2, dtype=torch.float64)
    state = (h, h.clone()) if kind == "LSTMCell" else h
    outputs = []
    with torch.no_grad():
        for t in range(5):
            state = cell(torch.from_numpy(x[:, t]), state)
            outputs.append((state[0] if kind == "LSTMCell" else state).numpy())
    trace = forward(x, from_torch_cell(cell), activation=torch_activation(cell))
    np.testing.assert_allclose(trace.sequence_out, np.stack(outputs, axis=1), atol=1e-12)


def test_from_torch_cell_refuses_a_layer_module(torch):
    from lstm_explained.frameworks.torch_adapter import from_torch_cell

    with pytest.raises(LSTMInputError, match=r"cell must be a torch\.nn\.LSTMCell, nn\.GRUCell or"):
        from_torch_cell(torch.nn.RNN(1, 1))
