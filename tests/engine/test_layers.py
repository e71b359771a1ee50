"""Stacked and bidirectional layers: by hand, against Keras's Bidirectional and a stacked
Keras model, and against PyTorch's multi-layer bidirectional nn.LSTM and nn.GRU."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from lstm_explained import (
    Bidirectional,
    GRUWeights,
    LSTMInputError,
    LSTMWeights,
    bidirectional,
    forward,
    stacked,
)

LINEAR = {"activation": "linear", "recurrent_activation": "linear"}


def test_the_toy_network_both_ways_by_hand():
    # Forward in time on 1, 2: z = x + h_prev; c = z*c_prev + z*z; h = z*c.
    #   t1: z = 1, c = 1, h = 1;   t2: z = 2 + 1 = 3, c = 3*1 + 9 = 12, h = 36
    # Backward in time reads 2 first:
    #   step 1 (input 2): z = 2, c = 4, h = 8;   step 2 (input 1): z = 1 + 8 = 9,
    #   c = 9*4 + 81 = 117, h = 1053
    # Merged by concatenation at input position t: [fwd at t, bwd at t]:
    #   t1: [1, 1053] (bwd read input 1 last);   t2: [36, 8]
    layer = Bidirectional(LSTMWeights.constant(1), LSTMWeights.constant(1))
    trace = bidirectional([1, 2], layer, **LINEAR, exact=True)
    assert trace.forward.sequence_out[:, 0].tolist() == [1, 36]
    assert trace.backward.sequence_out[:, 0].tolist() == [8, 1053]
    assert trace.sequence_out.tolist() == [[1, 1053], [36, 8]]
    assert [s.x[0] for s in trace.backward.steps] == [2, 1]
    assert [a.tolist() for a in trace.states] == [[36], [12], [1053], [117]]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("sum", [[1054], [44]]), ("mul", [[1053], [288]]), ("ave", [[Fraction(1054, 2)], [22]])],
)
def test_merge_modes_by_hand(mode, expected):
    # The same outputs as above: forward [1, 36], backward in input order [1053, 8].
    layer = Bidirectional(LSTMWeights.constant(1), LSTMWeights.constant(1), merge_mode=mode)
    assert bidirectional([1, 2], layer, **LINEAR, exact=True).sequence_out.tolist() == expected
    pair = Bidirectional(LSTMWeights.constant(1), LSTMWeights.constant(1), merge_mode=None)
    fwd, back = bidirectional([1, 2], pair, **LINEAR, exact=True).sequence_out
    assert (fwd.tolist(), back.tolist()) == ([[1], [36]], [[1053], [8]])


def test_a_stack_feeds_each_layer_the_one_below():
    # Layer 1 is the toy network on 1, 1, 1: h = 1, 12, 3211. Layer 2, a one-unit LSTM
    # with every weight 0 and bias 1 on every gate, ignores its input: z = 1 at every
    # step, c = 1*c_prev + 1*1 = t, h = 1*c = t. So the stack outputs 1, 2, 3, and
    # layer 2's steps read layer 1's outputs as their inputs.
    top = LSTMWeights.constant(0, bias=1)
    trace = stacked([1, 1, 1], [LSTMWeights.constant(1), top], **LINEAR, exact=True)
    assert trace.layers[0].sequence_out[:, 0].tolist() == [1, 12, 3211]
    assert [s.x[0] for s in trace.layers[1].steps] == [1, 12, 3211]
    assert trace.sequence_out[:, 0].tolist() == [1, 2, 3]


def test_layer_errors_name_what_fits():
    lstm = LSTMWeights.constant(1)
    with pytest.raises(LSTMInputError, match=r"merge_mode must be one of 'concat'"):
        Bidirectional(lstm, lstm, merge_mode="max")
    with pytest.raises(LSTMInputError, match=r"merge_mode='sum' needs the same units"):
        Bidirectional(lstm, LSTMWeights.constant(1, units=2), merge_mode="sum")
    with pytest.raises(LSTMInputError, match=r"layer 1 expects input_dim=1, but layer 0 outputs 2"):
        stacked([1], [Bidirectional(lstm, lstm), lstm])
    none = Bidirectional(lstm, lstm, merge_mode=None)
    with pytest.raises(LSTMInputError, match=r"layer 0 has merge_mode=None"):
        stacked([1], [none, LSTMWeights.constant(1, input_dim=2)])
    with pytest.raises(LSTMInputError, match=r"weights must be an LSTMWeights; got 'x'"):
        stacked([1], [lstm, "x"])
    with pytest.raises(LSTMInputError, match=r"layers must be a non-empty list"):
        stacked([1], [])
    with pytest.raises(LSTMInputError, match=r"initial_state must hold 4 arrays"):
        bidirectional([1], Bidirectional(lstm, lstm), initial_state=[[0], [0]])


def random_layers(cell, seed, features=3, units=(2, 3)):
    make = LSTMWeights.random if cell == "LSTM" else GRUWeights.random
    first = Bidirectional(
        make(features, units[0], seed=seed), make(features, units[0], seed=seed + 1)
    )
    second = make(2 * units[0], units[1], seed=seed + 2)
    return [first, second]


@pytest.mark.keras
@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_agrees_with_keras(keras, cell, merge_mode):
    from lstm_explained.frameworks.keras_adapter import keras_bidirectional

    make = LSTMWeights.random if cell == "LSTM" else GRUWeights.random
    layer = Bidirectional(make(3, 2, seed=1), make(3, 2, seed=2), merge_mode=merge_mode)
    x = np.random.default_rng(0).normal(size=(2, 5, 3))
    mask = [[True] * 5, [True, True, True, False, False]]  # padded at the end, as usual
    ours = bidirectional(x, layer, mask=mask)
    theirs = keras_bidirectional(x, layer, mask=mask)
    outputs = ours.sequence_out if merge_mode is None else (ours.sequence_out,)
    got = [*outputs, *ours.states]
    assert len(got) == len(theirs)
    for a, b in zip(got, theirs, strict=True):
        np.testing.assert_allclose(a, b, atol=2e-6)


@pytest.mark.keras
@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_a_stack_agrees_with_a_stacked_keras_model(keras, cell):
    from lstm_explained.frameworks.keras_adapter import keras_stacked

    layers = random_layers(cell, seed=10)
    x = np.random.default_rng(1).normal(size=(2, 4, 3))
    mask = [[True] * 4, [True, True, False, False]]
    ours = stacked(x, layers, mask=mask)
    theirs = keras_stacked(x, layers, mask=mask)
    for trace, result in zip(ours.layers, theirs, strict=True):
        np.testing.assert_allclose(trace.sequence_out, result, atol=2e-6)


@pytest.mark.keras
def test_go_backwards_lstm_agrees_with_keras(keras):
    from lstm_explained.frameworks.keras_adapter import compare, keras_forward

    x = np.random.default_rng(2).normal(size=(2, 4, 3))
    weights = LSTMWeights.random(3, 2, seed=3)
    trace = forward(x, weights, go_backwards=True, mask=[True, False, True, True])
    result = keras_forward(x, weights, go_backwards=True, mask=[True, False, True, True])
    assert compare(trace, result).max_abs_diff < 2e-6


@pytest.mark.torch
@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_a_two_layer_bidirectional_torch_module_agrees(torch, cell):
    from lstm_explained.frameworks.torch_adapter import layers_from_torch, layers_to_torch

    torch.manual_seed(0)
    module = getattr(torch.nn, cell)(3, 2, num_layers=2, bidirectional=True, batch_first=True)
    module = module.double()
    layers = layers_from_torch(module)
    assert len(layers) == 2
    assert all(isinstance(layer, Bidirectional) for layer in layers)
    x = np.random.default_rng(4).normal(size=(2, 5, 3))
    with torch.no_grad():
        result = module(torch.from_numpy(x))
    output, h_n = result[0].numpy(), (result[1][0] if cell == "LSTM" else result[1]).numpy()
    trace = stacked(x, layers)
    np.testing.assert_allclose(trace.sequence_out, output, atol=1e-12)
    # h_n holds, layer by layer, the forward direction's last state, then the backward
    # direction's, which is its state after reading the *first* input.
    for k, layer_trace in enumerate(trace.layers):
        np.testing.assert_allclose(h_n[2 * k], layer_trace.forward.state_h, atol=1e-12)
        np.testing.assert_allclose(h_n[2 * k + 1], layer_trace.backward.state_h, atol=1e-12)
    top = trace.layers[-1]
    np.testing.assert_allclose(output[:, -1, :2], h_n[2], atol=1e-12)  # forward: last position
    np.testing.assert_allclose(output[:, 0, 2:], h_n[3], atol=1e-12)  # backward: first position
    np.testing.assert_allclose(output[:, 0, 2:], top.backward.sequence_out[:, -1], atol=1e-12)
    if cell == "LSTM":
        c_n = result[1][1].numpy()
        np.testing.assert_allclose(c_n[3], top.backward.state_c, atol=1e-12)
    fresh = getattr(torch.nn, cell)(3, 2, num_layers=2, bidirectional=True).double()
    layers_to_torch(layers, fresh)
    for name, tensor in module.named_parameters():
        if cell == "LSTM" and name.startswith("bias"):
            continue  # the two LSTM biases come back summed into bias_ih
        assert torch.equal(tensor, getattr(fresh, name)), name
