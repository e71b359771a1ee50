"""The plain recurrent cell: goldens by hand and by exact arithmetic written out in the
test, its step backward against finite differences, forward-mode dual numbers and
PyTorch's autograd, masks and initial states through the shared loops."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from lstm_explained import (
    RNN_GATES,
    LSTMInputError,
    RNNWeights,
    backward,
    forward,
    sum_of_outputs,
)
from lstm_explained.engine import rnn
from tests.calculus import Dual, numeric_gradient


def reference_rnn(xs, kernel, recurrent, bias, *, h0, act, keep=None):
    """Elman's cell on Python numbers, unit by unit: h = act(x·W + b + h_prev·U), a
    masked step (keep False) carrying h forward. Independent of the engine."""
    units = len(h0)
    h, out = list(h0), []
    for t, x in enumerate(xs):
        a = [
            sum(x[j] * kernel[j][u] for j in range(len(x)))
            + bias[u]
            + sum(h[i] * recurrent[i][u] for i in range(units))
            for u in range(units)
        ]
        if keep is None or keep[t]:
            h = [act(v) for v in a]
        out.append(list(h))
    return out


def relu(v):
    return max(v, 0)


def test_all_ones_linear_by_hand():
    # h1 = 1*1 + 1*0 = 1, h2 = 2 + 1 = 3, h3 = 3 + 3 = 6 (weights 1, bias 0, linear)
    trace = forward([1, 2, 3], RNNWeights.constant(1), activation="linear", exact=True)
    assert trace.sequence_out[:, 0].tolist() == [1, 3, 6]
    assert trace.cell == "RNN"
    assert list(trace.steps[0].gates) == list(RNN_GATES)
    assert trace.steps[2].a["hidden"].tolist() == [6]
    assert trace.state_h.tolist() == [6]


def test_relu_cuts_a_negative_pre_activation_by_hand():
    # kernel 2, recurrent -1, bias 1/2, relu; x = 1, -1, 1:
    # a1 = 2 + 1/2 = 5/2 -> 5/2; a2 = -2 + 1/2 - 5/2 = -4 -> 0; a3 = 2 + 1/2 - 0 = 5/2
    weights = RNNWeights([[2]], [[-1]], [Fraction(1, 2)])
    trace = forward([1, -1, 1], weights, activation="relu", exact=True)
    assert [s.a["hidden"][0] for s in trace.steps] == [Fraction(5, 2), -4, Fraction(5, 2)]
    assert trace.sequence_out[:, 0].tolist() == [Fraction(5, 2), 0, Fraction(5, 2)]


@pytest.mark.parametrize("seed", range(4))
def test_exact_engine_matches_the_cell_written_out_in_fractions(seed):
    rng = np.random.default_rng(seed)
    features, units, time = 2, 3, 5
    kernel = rng.integers(-3, 4, (features, units)).tolist()
    recurrent = rng.integers(-3, 4, (units, units)).tolist()
    bias = [Fraction(int(b), 2) for b in rng.integers(-3, 4, units)]
    xs = rng.integers(-2, 3, (time, features)).tolist()
    h0 = rng.integers(-1, 2, units).tolist()
    keep = [True, False, True, True, False]
    expected = reference_rnn(xs, kernel, recurrent, bias, h0=h0, act=relu, keep=keep)
    trace = forward(xs, RNNWeights(kernel, recurrent, np.array(bias, dtype=object)),
                    activation="relu", initial_state=(h0,), mask=keep, exact=True)  # fmt: skip
    assert trace.sequence_out.tolist() == expected
    floats = forward(xs, RNNWeights(kernel, recurrent, [float(b) for b in bias]),
                     activation="relu", initial_state=(h0,), mask=keep)  # fmt: skip
    np.testing.assert_allclose(floats.sequence_out, np.array(expected, float), atol=1e-12)


def test_tanh_float64_matches_the_cell_written_out():
    rng = np.random.default_rng(7)
    w = RNNWeights.random(3, 2, seed=1)
    xs = rng.normal(size=(6, 3))
    expected = reference_rnn(xs.tolist(), w.kernel.tolist(), w.recurrent_kernel.tolist(),
                             w.bias.tolist(), h0=[0.3, -0.2], act=np.tanh)  # fmt: skip
    trace = forward(xs, w, initial_state=([0.3, -0.2],))
    np.testing.assert_allclose(trace.sequence_out, expected, atol=1e-14)


def test_recurrent_activation_plays_no_part():
    w = RNNWeights.random(2, 2, seed=3)
    x = np.random.default_rng(0).normal(size=(4, 2))
    a = forward(x, w, recurrent_activation="sigmoid")
    b = forward(x, w, recurrent_activation="relu")
    assert np.array_equal(a.sequence_out, b.sequence_out)
    assert forward([1], RNNWeights.constant(1), exact=True, activation="linear").exact


def test_weights_layout_and_errors():
    w = RNNWeights.random(3, 2, seed=0)
    assert (w.kernel.shape, w.recurrent_kernel.shape, w.bias.shape) == ((3, 2), (2, 2), (2,))
    assert w.parameter_count() == 3 * 2 + 2 * 2 + 2
    assert RNNWeights.random(3, 2, seed=0, use_bias=False).bias is None
    assert RNNWeights.constant(1, units=2, bias=3).bias.tolist() == [3, 3]
    with pytest.raises(LSTMInputError, match=r"recurrent_kernel must have shape \(units, 1\*un"):
        RNNWeights(np.ones((1, 2)), np.ones((2, 3)))
    with pytest.raises(LSTMInputError, match=r"bias must have shape \(1\*units,\) = \(2,\)"):
        RNNWeights(np.ones((1, 2)), np.ones((2, 2)), np.ones(3))
    with pytest.raises(LSTMInputError, match=r"initial_state must be a sequence \(h0,\); got 2"):
        forward([1], RNNWeights.constant(1), initial_state=([0], [0]))
    with pytest.raises(AttributeError, match="no cell state c"):
        forward([1], RNNWeights.constant(1)).state_c  # noqa: B018
    with pytest.raises(LSTMInputError, match="d_state_c was given, but a RNN has no cell state"):
        backward(forward([1], RNNWeights.constant(1)), [[1]], d_state_c=[1])


def test_each_module_name_the_loops_read():
    assert (rnn.NAME, rnn.STATES, rnn.GATES) == ("RNN", ("h",), ("hidden",))


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "linear"])
def test_gradients_match_central_differences(activation):
    rng = np.random.default_rng(11)
    w = RNNWeights.random(3, 2, seed=4)
    x = rng.normal(size=(2, 5, 3))
    h0 = rng.normal(size=(2, 2))
    mask = [[True, True, False, True, True], [True, False, True, True, False]]
    g_out = rng.normal(size=(2, 5, 2))
    g_final = rng.normal(size=(2, 2))
    arrays = {"kernel": w.kernel.copy(), "recurrent_kernel": w.recurrent_kernel.copy(),
              "bias": w.bias.copy(), "inputs": x, "initial_h": h0}  # fmt: skip

    def loss():
        weights = RNNWeights(arrays["kernel"], arrays["recurrent_kernel"], arrays["bias"])
        t = forward(arrays["inputs"], weights, activation=activation, mask=mask,
                    initial_state=(arrays["initial_h"],))  # fmt: skip
        return float((t.sequence_out * g_out).sum() + (t.state_h * g_final).sum())

    trace = forward(x, w, activation=activation, mask=mask, initial_state=(h0,))
    grads = backward(trace, g_out, d_state_h=g_final)
    for name, ours in (("kernel", grads.kernel), ("recurrent_kernel", grads.recurrent_kernel),
                       ("bias", grads.bias), ("inputs", grads.inputs),
                       ("initial_h", grads.initial_h)):  # fmt: skip
        np.testing.assert_allclose(ours, numeric_gradient(loss, arrays[name]), atol=1e-7,
                                   err_msg=name)  # fmt: skip


def test_exact_gradients_equal_forward_mode_dual_numbers():
    # d(sum of outputs)/d(recurrent weight) by dual numbers through the written-out
    # cell (linear): exactly what backward gives.
    kernel, recurrent, bias = [[1, 2]], [[Fraction(1, 2), -1], [1, Fraction(1, 3)]], [1, -1]
    xs = [[1], [2], [-1]]
    w = RNNWeights(kernel, recurrent, bias)
    trace = forward(xs, w, activation="linear", exact=True)
    grads = backward(trace, sum_of_outputs(trace).d_sequence_out)
    for i in range(2):
        for u in range(2):
            dual = [[Dual(v, 1 if (r, c) == (i, u) else 0) for c, v in enumerate(row)]
                    for r, row in enumerate(recurrent)]  # fmt: skip
            out = reference_rnn(xs, kernel, dual, bias, h0=[0, 0], act=lambda v: v)
            total = sum((h for row in out for h in row), Dual(0))
            assert grads.recurrent_kernel[i][u] == total.b


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_gradients_agree_with_pytorch_autograd(torch, nonlinearity):
    rng = np.random.default_rng(5)
    w = RNNWeights.random(3, 4, seed=9)
    x = rng.normal(size=(2, 6, 3))
    h0 = rng.normal(size=(2, 4))
    g_out = rng.normal(size=(2, 6, 4))
    module = torch.nn.RNN(3, 4, nonlinearity=nonlinearity, batch_first=True).double()
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.tensor(w.kernel.T))
        module.weight_hh_l0.copy_(torch.tensor(w.recurrent_kernel.T))
        module.bias_ih_l0.copy_(torch.tensor(w.bias))
        module.bias_hh_l0.zero_()
    xt = torch.tensor(x, requires_grad=True)
    ht = torch.tensor(h0[None], requires_grad=True)
    out, _ = module(xt, ht)
    (out * torch.tensor(g_out)).sum().backward()
    trace = forward(x, w, activation=nonlinearity, initial_state=(h0,))
    np.testing.assert_allclose(trace.sequence_out, out.detach().numpy(), atol=1e-12)
    grads = backward(trace, g_out)
    np.testing.assert_allclose(grads.kernel, module.weight_ih_l0.grad.numpy().T, atol=1e-12)
    np.testing.assert_allclose(grads.recurrent_kernel, module.weight_hh_l0.grad.numpy().T,
                               atol=1e-12)  # fmt: skip
    np.testing.assert_allclose(grads.bias, module.bias_ih_l0.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(grads.inputs, xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(grads.initial_h, ht.grad.numpy()[0], atol=1e-12)


@pytest.mark.keras
@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_gradients_agree_with_keras_gradient_tape(keras, activation):
    from lstm_explained.frameworks.keras_adapter import keras_gradients

    rng = np.random.default_rng(8)
    w = RNNWeights.random(2, 3, seed=2)
    x, h0 = rng.normal(size=(2, 5, 2)), rng.normal(size=(2, 3))
    mask = [[True, True, False, True, True], [True, True, True, True, False]]
    g_out, g_h = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 3))
    trace = forward(x, w, activation=activation, initial_state=(h0,), mask=mask)
    ours = backward(trace, g_out, d_state_h=g_h)
    theirs = keras_gradients(x, w, g_out, d_state_h=g_h, activation=activation,
                             initial_state=(h0,), mask=mask, dtype="float64")  # fmt: skip
    for name in ("kernel", "recurrent_kernel", "bias", "inputs", "initial_h"):
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), atol=1e-12,
                                   err_msg=name)  # fmt: skip


def test_stacks_and_bidirectional_plain_cells_run_exactly():
    from lstm_explained import Bidirectional, bidirectional, stacked

    # layer 1: kernel [[1, -1]], recurrent I, relu; x = 1, 2 -> a = [1, -1] -> h = [1, 0],
    # then a = [2, -2] + [1, 0] = [3, -2] -> h = [3, 0]. Layer 2 sums them: 1, then 3 + 1.
    low = RNNWeights([[1, -1]], [[1, 0], [0, 1]])
    top = RNNWeights([[1], [1]], [[1]])
    trace = stacked([1, 2], [low, top], activation="relu", exact=True)
    assert trace.sequence_out[:, 0].tolist() == [1, 4]
    # both directions of [1, 2] through top's first column alone: forward 1, 1 + 2 = 3;
    # backward 2, then 2 + 1 = 3, returned in input order [3, 2]
    one = RNNWeights([[1]], [[1]])
    both = bidirectional([1, 2], Bidirectional(one, one), activation="linear", exact=True)
    assert both.sequence_out.tolist() == [[1, 3], [3, 2]]
