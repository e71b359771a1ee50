"""The fingerprint networks: their numbers by hand and in Fractions written out here, and
the proof that every listed conversion mistake gives numbers of its own.

The mistakes are built here from the raw arrays and run through cells written out in
this file (and `reference_gru` from test_gru), independently of the engine.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

import lstm_explained
from lstm_explained import (
    FINGERPRINT_GATE_ACTIVATION,
    FINGERPRINT_INPUTS,
    fingerprint_bias_halves,
    fingerprint_gru_weights,
    fingerprint_trace,
    fingerprint_weights,
)
from lstm_explained.networks.examples import NETWORKS
from lstm_explained.networks.fingerprint import MISTAKES, plain
from tests.engine.test_gru import reference_gru

U = 2  # units
XS = [[Fraction(v) for v in x] for x in FINGERPRINT_INPUTS]


def gate(z):
    """hard_sigmoid with alpha 1/4, beta 1/2, written out."""
    return min(max(z / 4 + Fraction(1, 2), 0), 1)


def linear(z):
    return z


def reference_lstm(kernel, recurrent, bias):
    """An LSTM on Fractions, unit by unit (Keras's equations, FACTS.md): columns i, f, g, o.
    Returns the hidden states, step by step, and every gate pre-activation."""
    h, c, out, zs = [Fraction(0)] * U, [Fraction(0)] * U, [], []
    for x in XS:
        z = [
            sum(x[j] * kernel[j][k] for j in range(len(x)))
            + sum(h[m] * recurrent[m][k] for m in range(U))
            + bias[k]
            for k in range(4 * U)
        ]
        i, f, g, o = ([z[b * U + u] for u in range(U)] for b in range(4))
        c = [gate(f[u]) * c[u] + gate(i[u]) * g[u] for u in range(U)]
        h = [gate(o[u]) * c[u] for u in range(U)]
        out.append(tuple(h))
        zs.append(z)
    return tuple(out), zs


def as_lists(arr):
    return [[Fraction(int(v)) for v in row] for row in np.atleast_2d(arr)]


def columns(matrix, order, n):
    """Gate blocks of a (rows, n*U) matrix taken in another order."""
    return [[v for b in order for v in row[b * U : (b + 1) * U]] for row in matrix]


def reshaped(matrix):
    """What reading PyTorch's (n*U, rows) weight with reshape instead of .T gives."""
    flat = [v for col in zip(*matrix, strict=True) for v in col]  # the transposed, row by row
    width = len(matrix[0])
    return [flat[r * width : (r + 1) * width] for r in range(len(matrix))]


def block_transposed(matrix, b):
    """The (2, 2) block of gate b transposed in place."""
    out = [row[:] for row in matrix]
    for r, s in itertools.product(range(U), range(U)):
        out[r][b * U + s] = matrix[s][b * U + r]
    return out


def lstm_arrays():
    w = fingerprint_weights()
    b_ih, b_hh = (list(map(Fraction, half)) for half in fingerprint_bias_halves())
    return as_lists(w.kernel), as_lists(w.recurrent_kernel), b_ih, b_hh


def lstm_mistakes():
    k, r, b_ih, b_hh = lstm_arrays()
    b = [p + q for p, q in zip(b_ih, b_hh, strict=True)]
    found = {}
    for order in itertools.permutations(range(4)):  # the identity is the true network
        bias = columns([b], order, 4)[0]
        found[f"gates in order {order}"] = (columns(k, order, 4), columns(r, order, 4), bias)
    found["kernel reshaped"] = (reshaped(k), r, b)
    found["recurrent kernel reshaped"] = (k, reshaped(r), b)
    found["both reshaped"] = (reshaped(k), reshaped(r), b)
    for g in range(4):
        found[f"kernel block {g} transposed"] = (block_transposed(k, g), r, b)
        found[f"recurrent block {g} transposed"] = (k, block_transposed(r, g), b)
    found["input-side bias dropped"] = (k, r, b_hh)
    found["recurrent-side bias dropped"] = (k, r, b_ih)
    found["input-side bias doubled"] = (k, r, [2 * p + q for p, q in zip(b_ih, b_hh, strict=True)])
    found["recurrent-side bias doubled"] = (
        k,
        r,
        [p + 2 * q for p, q in zip(b_ih, b_hh, strict=True)],
    )
    found["unit_forget_bias twice"] = (k, r, [v + (U <= n < 2 * U) for n, v in enumerate(b)])
    return found


def test_step_one_by_hand():
    # x = (1, 0) reads kernel row 0 [-1, -1 | -2, 1 | -1, -3 | 3, -1] (i | f | g | o);
    # bias = b_ih + b_hh = [0, 0 | 1, -2 | -3, 0 | -2, 0]; h_prev = 0.
    # a_i = (-1, -1) -> i = -1/4 + 1/2 = 1/4;  a_f = (-1, -1) -> f = 1/4
    # a_g = (-4, -3) = g;  a_o = (1, -1) -> o = (3/4, 1/4)
    # c = i*g = (-1, -3/4);  h = o*c = (-3/4, -3/16)
    trace = fingerprint_trace()
    assert trace.steps[0].c.tolist() == [-1, Fraction(-3, 4)]
    assert trace.steps[0].h.tolist() == [Fraction(-3, 4), Fraction(-3, 16)]


def test_the_engine_gives_the_written_out_numbers_and_stays_in_the_linear_range():
    k, r, b_ih, b_hh = lstm_arrays()
    expected, zs = reference_lstm(k, r, [p + q for p, q in zip(b_ih, b_hh, strict=True)])
    assert [tuple(s.h.tolist()) for s in fingerprint_trace().steps] == list(expected)
    for z in zs:  # gates i, f, o: inside (-2, 2), where x/4 + 1/2 is not clipped
        assert all(-2 < v < 2 for b in (0, 1, 3) for v in z[b * U : (b + 1) * U])


def test_every_lstm_mistake_gives_numbers_of_its_own():
    mistakes = lstm_mistakes()
    assert len(mistakes) == 24 + 3 + 8 + 4 + 1
    outputs = {name: reference_lstm(*arrays)[0] for name, arrays in mistakes.items()}
    true = outputs.pop("gates in order (0, 1, 2, 3)")
    assert true == tuple(tuple(s.h.tolist()) for s in fingerprint_trace().steps)
    assert true not in outputs.values()
    clashes = {o: [n for n in outputs if outputs[n] == o] for o in outputs.values()}
    assert len(set(outputs.values())) == len(outputs), [v for v in clashes.values() if len(v) > 1]


def test_identity_activations_could_not_do_it():
    # With identity gates, i*g = g*i: swapping the input gate and the candidate (and
    # more) changes nothing, which is why the fingerprint uses hard_sigmoid gates.
    k, r, b_ih, b_hh = lstm_arrays()
    b = [p + q for p, q in zip(b_ih, b_hh, strict=True)]
    w = lstm_explained.LSTMWeights(np.array(k, dtype=object), np.array(r, dtype=object), b)
    order = (2, 1, 0, 3)  # candidate where the input gate was, and back
    swapped = lstm_explained.LSTMWeights(
        np.array(columns(k, order, 4), dtype=object),
        np.array(columns(r, order, 4), dtype=object),
        columns([b], order, 4)[0],
    )

    def h(weights):
        return lstm_explained.forward(
            XS, weights, activation="linear", recurrent_activation="linear", exact=True
        ).sequence_out

    assert h(w).tolist() == h(swapped).tolist()


def gru_arrays():
    w = fingerprint_gru_weights()
    b_in, b_rec = as_lists(w.bias)
    return as_lists(w.kernel), as_lists(w.recurrent_kernel), b_in, b_rec


def run_gru(kernel, recurrent, b_in, b_rec, reset_after=True):
    out = reference_gru(
        XS,
        kernel,
        recurrent,
        b_in,
        b_rec,
        reset_after=reset_after,
        h0=[Fraction(0)] * U,
        rec=gate,
        act=linear,
    )
    return tuple(tuple(h) for h in out)


def test_every_gru_mistake_gives_numbers_of_its_own():
    k, r, b_in, b_rec = gru_arrays()
    found = {}
    for order in itertools.permutations(range(3)):
        found[f"gates in order {order}"] = (
            columns(k, order, 3),
            columns(r, order, 3),
            *columns([b_in, b_rec], order, 3),
        )
    found["kernel reshaped"] = (reshaped(k), r, b_in, b_rec)
    found["recurrent kernel reshaped"] = (k, reshaped(r), b_in, b_rec)
    found["both reshaped"] = (reshaped(k), reshaped(r), b_in, b_rec)
    for g in range(3):
        found[f"kernel block {g} transposed"] = (block_transposed(k, g), r, b_in, b_rec)
        found[f"recurrent block {g} transposed"] = (k, block_transposed(r, g), b_in, b_rec)
    zeros = [Fraction(0)] * (3 * U)
    found["input bias row dropped"] = (k, r, zeros, b_rec)
    found["recurrent bias row dropped"] = (k, r, b_in, zeros)
    found["input bias row doubled"] = (k, r, [2 * v for v in b_in], b_rec)
    found["recurrent bias row doubled"] = (k, r, b_in, [2 * v for v in b_rec])
    assert len(found) == 6 + 3 + 6 + 4
    outputs = {name: run_gru(*arrays) for name, arrays in found.items()}
    # reset_after flipped: the two rows become Keras's one reset-before bias
    summed = [p + q for p, q in zip(b_in, b_rec, strict=True)]
    outputs["reset_after flipped"] = run_gru(k, r, summed, None, reset_after=False)
    true = outputs.pop("gates in order (0, 1, 2)")
    engine = fingerprint_trace(fingerprint_gru_weights())
    assert true == tuple(tuple(s.h.tolist()) for s in engine.steps)
    assert true not in outputs.values()
    assert len(set(outputs.values())) == len(outputs)


def test_float32_holds_every_value_exactly():
    for weights in (fingerprint_weights(), fingerprint_gru_weights()):
        exact = fingerprint_trace(weights)
        f32 = lstm_explained.forward(
            [list(x) for x in FINGERPRINT_INPUTS],
            weights,
            activation="linear",
            recurrent_activation=FINGERPRINT_GATE_ACTIVATION,
            dtype="float32",
        )
        for a, b in zip(exact.steps, f32.steps, strict=True):
            for name in (*a.a, *a.state):
                got = b.a[name] if name in b.a else b.state[name]
                want = a.a[name] if name in a.a else a.state[name]
                assert [Fraction(float(v)) for v in got] == list(want), name


def test_the_sites_mistakes_are_the_ones_they_name():
    k, r, b_ih, b_hh = lstm_arrays()
    b = [p + q for p, q in zip(b_ih, b_hh, strict=True)]
    built = {
        "ONNX read in Keras's order": (
            columns(k, (0, 3, 1, 2), 4),
            columns(r, (0, 3, 1, 2), 4),
            columns([b], (0, 3, 1, 2), 4)[0],
        ),
        "a missing transpose": (reshaped(k), reshaped(r), b),
        "one PyTorch bias dropped": (k, r, b_ih),
        "the forget bias added twice": (k, r, [v + (U <= n < 2 * U) for n, v in enumerate(b)]),
    }
    assert [m.name for m in MISTAKES] == list(built)
    for mistake in MISTAKES:
        w = mistake.weights()
        got = (as_lists(w.kernel), as_lists(w.recurrent_kernel), as_lists(w.bias)[0])
        assert got == built[mistake.name], mistake.name


def test_registered_exported_and_plain():
    for name, cell in (("fingerprint", "LSTM"), ("fingerprint-gru", "GRU")):
        net = NETWORKS[name]
        assert net.weights.cell == cell
        assert net.exact
        assert net.recurrent_activation == FINGERPRINT_GATE_ACTIVATION
        assert (
            net.run().sequence_out.tolist() == fingerprint_trace(net.weights).sequence_out.tolist()
        )
    doc = plain(fingerprint_weights())
    assert doc["kernel"][0][:4] == [-1, -1, -2, 1]  # ints, not floats
    assert all(type(v) is int for row in doc["recurrentKernel"] for v in row)
    assert doc["recurrentActivation"] == {"kind": "hard_sigmoid", "alpha": "1/4", "beta": "1/2"}
    assert plain(fingerprint_gru_weights())["resetAfter"] is True


@pytest.mark.parametrize(
    "name",
    [
        "fingerprint_weights",
        "fingerprint_gru_weights",
        "fingerprint_bias_halves",
        "FINGERPRINT_INPUTS",
        "FINGERPRINT_GATE_ACTIVATION",
    ],
)
def test_exported_from_the_package(name):
    assert name in lstm_explained.__all__
