"""Flax's LSTMCell, OptimizedLSTMCell and GRUCell (flax.nnx) through from_flax/to_flax:
the fingerprint to the last bit, random cells against the engine, and the refusals."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstm_explained import (
    FINGERPRINT_INPUTS,
    GRUWeights,
    LSTMInputError,
    LSTMWeights,
    fingerprint_gru_weights,
    fingerprint_trace,
    fingerprint_weights,
    forward,
    from_flax,
    to_flax,
)
from lstm_explained.frameworks.flax_adapter import carry_from_state, state_from_carry

pytestmark = pytest.mark.flax
CELLS = ["LSTMCell", "OptimizedLSTMCell", "GRUCell"]


def f32(a):
    return np.asarray(a, dtype=np.float64).astype(np.float32).astype(np.float64)


def run_flax(cell, x, carry):
    """The cell itself, step by step over (batch, time, features): (final carry, outputs).
    (nnx.RNN does the same in a compiled scan, which costs seconds per shape.)"""
    outputs = []
    for t in range(x.shape[1]):
        carry, y = cell(carry, np.asarray(x[:, t], dtype=np.float32))
        outputs.append(np.asarray(y))
    return carry, np.stack(outputs, axis=1)


def test_the_fingerprint_gives_the_same_numbers_in_flax(nnx):
    import jax.numpy as jnp

    def gate(z):  # hard_sigmoid x/4 + 1/2, written for JAX
        return jnp.clip(z / 4 + 0.5, 0.0, 1.0)

    x = np.array([FINGERPRINT_INPUTS], dtype=np.float32)  # (batch 1, time 2, features 2)
    for name, weights in [("LSTMCell", fingerprint_weights()),
                          ("OptimizedLSTMCell", fingerprint_weights()),
                          ("GRUCell", fingerprint_gru_weights())]:  # fmt: skip
        cell = getattr(nnx, name)(2, 2, gate_fn=gate, activation_fn=lambda z: z, rngs=nnx.Rngs(0))
        y = nnx.RNN(to_flax(weights, cell))(x)  # Flax's own loop over time
        exact = fingerprint_trace(weights).sequence_out
        assert [[Fraction(float(v)) for v in row] for row in np.asarray(y[0])] == exact.tolist()


@pytest.mark.parametrize("name", CELLS)
def test_round_trip_is_exact(nnx, name):
    cls = LSTMWeights if name != "GRUCell" else GRUWeights
    weights = cls.random(3, 2, seed=1)  # then rounded to float32, which Flax holds
    bias = f32(weights.bias)
    if cls is GRUWeights:
        bias[1] = 0.0  # Flax's GRU has no recurrent-side bias
    weights = weights.replace(
        kernel=f32(weights.kernel), recurrent_kernel=f32(weights.recurrent_kernel), bias=bias
    )
    again = from_flax(to_flax(weights, getattr(nnx, name)(3, 2, rngs=nnx.Rngs(0))))
    for array in ("kernel", "recurrent_kernel", "bias"):
        assert np.array_equal(getattr(again, array), getattr(weights, array)), array


def test_a_grus_recurrent_update_and_reset_biases_come_back_added_to_the_input_side(nnx):
    weights = fingerprint_gru_weights()  # bias rows [-1, -1, -2, -1, 1, -2], [1, -1, 1, -1, 0, 0]
    again = from_flax(to_flax(weights, nnx.GRUCell(2, 2, rngs=nnx.Rngs(0))))
    assert again.bias.tolist() == [[0, -2, -1, -2, 1, -2], [0, 0, 0, 0, 0, 0]]


@pytest.mark.parametrize("name", CELLS)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1))
def test_flax_agrees_with_the_engine_on_random_cells(nnx, name, seed):
    rng = np.random.default_rng(seed)
    features, units, batch, time = (int(v) for v in rng.integers(1, 4, 4))
    cell = getattr(nnx, name)(features, units, rngs=nnx.Rngs(seed % 2**31))
    with np.errstate(all="ignore"):  # Flax draws its own weights: read them from the cell
        weights = from_flax(cell)
    x = rng.normal(size=(batch, time, features))
    state = tuple(rng.normal(size=(batch, units)) for _ in range(1 if name == "GRUCell" else 2))
    carry, y = run_flax(cell, x, carry_from_state(tuple(np.float32(s) for s in state)))
    trace = forward(f32(x), weights, initial_state=tuple(f32(s) for s in state))  # sigmoid, tanh
    np.testing.assert_allclose(trace.sequence_out, np.asarray(y), rtol=0, atol=2e-6)
    for ours, theirs in zip(trace.states.values(), state_from_carry(carry), strict=True):
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=0, atol=2e-6)


def test_the_carry_is_c_then_h():
    h, c = np.array([1.0]), np.array([2.0])
    assert carry_from_state((h, c)) == (c, h)
    assert state_from_carry((c, h)) == (h, c)
    assert carry_from_state((h,)) is h
    assert state_from_carry(h) == (h,)
    with pytest.raises(LSTMInputError, match=r"state must be \(h, c\) or \(h,\); got 3 arrays"):
        carry_from_state((h, c, h))
    with pytest.raises(LSTMInputError, match=r"carry is \(c, h\); got 3 arrays"):
        state_from_carry((c, h, h))


def test_what_flax_cannot_hold_is_refused(nnx):
    gru = nnx.GRUCell(1, 1, rngs=nnx.Rngs(0))
    before = np.asarray(gru.dense_i.kernel[...]).copy()
    cases = [
        (GRUWeights.constant(1, reset_after=False), gru, r"reset-after form .* reset_after=False"),
        (GRUWeights.constant(1, bias=1), gru, r"no recurrent candidate bias .* \[1.0\]"),
        (LSTMWeights.constant(1), gru, r"a Flax GRUCell holds GRU weights; got LSTMWeights"),
        (GRUWeights.constant(1), nnx.LSTMCell(1, 1, rngs=nnx.Rngs(0)), r"holds LSTM weights"),
        (LSTMWeights.constant(1, units=2), nnx.LSTMCell(1, 1, rngs=nnx.Rngs(0)),
         r"in_features=1 and hidden_features=2 .*; got 1 and 1"),
        (LSTMWeights.constant(1), nnx.Linear(1, 1, rngs=nnx.Rngs(0)),
         r"cell must be a flax.nnx LSTMCell, OptimizedLSTMCell, GRUCell or SimpleCell; got Li"),
        (LSTMWeights.constant(1).replace(peephole=np.ones((3, 1)), input_forget=True),
         nnx.LSTMCell(1, 1, rngs=nnx.Rngs(0)),
         r"Flax's LSTMCell has no peephole or input_forget; these weights cannot be copied"),
    ]  # fmt: skip
    for weights, cell, message in cases:
        with pytest.raises(LSTMInputError, match=message):
            to_flax(weights, cell)
    assert np.array_equal(np.asarray(gru.dense_i.kernel[...]), before)  # nothing was copied
    with pytest.raises(LSTMInputError, match=r"cell must be a flax.nnx .*; got 'cell'"):
        from_flax("cell")


def test_without_flax_the_error_says_how_to_install_it(monkeypatch):
    import sys

    for name in ("flax", "flax.nnx"):  # importing it now fails, even if loaded
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ModuleNotFoundError, match=r"lstm-explained\[flax\]"):
        from_flax(object())


@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_a_simple_cell_agrees_with_the_engine(nnx, residual, activation):
    import jax

    from lstm_explained import RNNWeights
    from lstm_explained.frameworks.flax_adapter import flax_activation

    fn = getattr(jax.nn, activation) if activation != "tanh" else nnx.tanh
    cell = nnx.SimpleCell(3, 4, activation_fn=fn, residual=residual, rngs=nnx.Rngs(2))
    _set_random_bias(nnx, cell)
    weights = from_flax(cell)
    assert isinstance(weights, RNNWeights)
    assert flax_activation(cell) == activation
    rng = np.random.default_rng(5)
    x, h0 = rng.normal(size=(2, 6, 3)), f32(rng.normal(size=(2, 4)))
    _, theirs = run_flax(cell, x, np.asarray(h0, np.float32))
    ours = forward(f32(x), weights, activation=activation, initial_state=(h0,))
    np.testing.assert_allclose(ours.sequence_out, theirs, rtol=0, atol=2e-6)
    # and back into a fresh cell of the same kind: the same parameters, to float32
    again = to_flax(weights, nnx.SimpleCell(3, 4, residual=residual, rngs=nnx.Rngs(9)))
    for part in ("dense_i.kernel", "dense_i.bias", "dense_h.kernel"):
        owner, attr = part.split(".")
        a = np.asarray(getattr(getattr(cell, owner), attr)[...])
        b = np.asarray(getattr(getattr(again, owner), attr)[...])
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-7, err_msg=part)


def _set_random_bias(nnx, cell):
    """Flax starts a bias at zeros; a random one tells the input side from the hidden."""
    import jax.numpy as jnp

    values = np.random.default_rng(1).normal(size=cell.dense_i.bias[...].shape)
    cell.dense_i.bias.set_value(jnp.asarray(values, dtype=jnp.float32))


def test_a_simple_cells_bias_is_on_the_input_side_and_its_function_must_be_known(nnx):
    cell = nnx.SimpleCell(2, 2, activation_fn=lambda z: z, rngs=nnx.Rngs(0))
    assert not hasattr(cell.dense_h, "bias") or cell.dense_h.bias is None
    from lstm_explained.frameworks.flax_adapter import flax_activation

    with pytest.raises(LSTMInputError, match=r"activation_fn <lambda> is not one of tanh, relu"):
        flax_activation(cell)
    with pytest.raises(LSTMInputError, match=r"a Flax SimpleCell holds RNN weights"):
        to_flax(LSTMWeights.random(2, 2, seed=0), cell)
