"""cells.py: what every cell module provides and what the loops hand it.

Each cell module (lstm, gru) has the names the loops read, and one step through the
interface, on weights small enough to work out by hand, gives a `CellStep` with the
state in the cell's STATES order and the gates in Keras's column order; the LSTM's step
backward gives a `BackwardStep` whose every gradient is worked out here from the
equations in lstm.py's docstring.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from lstm_explained import GATES, GRU_GATES, RNN_GATES, GRUWeights, LSTMWeights
from lstm_explained.engine import cells, gru, lstm, rnn
from lstm_explained.engine.cells import BackwardStep, CellStep, Derivatives, Functions


def identity(a):
    return a


LINEAR = Functions(act=identity, rec=identity, tidy=cells.keep_as_is)


def floats(a):
    return np.asarray(a, dtype=np.float64)


@pytest.mark.parametrize(
    ("cell", "name", "gates", "states"),
    [
        (lstm, "LSTM", GATES, ("h", "c")),
        (gru, "GRU", GRU_GATES, ("h",)),
        (rnn, "RNN", RNN_GATES, ("h",)),
    ],
)
def test_each_cell_module_has_what_the_loops_read(cell, name, gates, states):
    assert name == cell.NAME
    assert gates == cell.GATES
    assert states == cell.STATES
    for function in ("prepare", "project", "step", "step_backward"):
        assert callable(getattr(cell, function)), function


def test_flat_matmul_is_x_times_kernel_at_every_leading_index():
    rng = np.random.default_rng(0)
    x, kernel = rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 5))  # (batch, time, f)
    out = cells.flat_matmul(x, kernel)
    assert out.shape == (2, 3, 5)
    for b in range(2):
        for t in range(3):
            for n in range(5):
                by_hand = sum(x[b, t, k] * kernel[k, n] for k in range(4))
                assert out[b, t, n] == pytest.approx(by_hand, abs=1e-12)
    assert cells.flat_matmul(x[0, 0], kernel).shape == (5,)  # no leading axis at all


def test_float_runs_tidy_nothing_and_the_functions_are_frozen():
    a = np.array([1.5])
    assert cells.keep_as_is(a) is a
    assert issubclass(Derivatives, Functions)
    with pytest.raises(dataclasses.FrozenInstanceError):
        LINEAR.act = np.tanh  # type: ignore[misc]


def test_one_lstm_step_through_the_interface_by_hand():
    # One unit, kernel (i, f, g, o) = (1, 2, 3, 4), nothing recurrent, no bias, linear:
    # x = 1 gives z = (1, 2, 3, 4); with c_prev = 5: c = f×c_prev + i×g = 2×5 + 1×3 = 13,
    # h = o×c = 4×13 = 52.
    weights = LSTMWeights([[1, 2, 3, 4]], np.zeros((1, 4)), None)
    params = lstm.prepare(weights, floats)
    xw = lstm.project(floats([[[1.0]]]), params)  # (batch 1, time 1, 4 units' worth)
    assert xw.tolist() == [[[1, 2, 3, 4]]]
    result = lstm.step(xw[:, 0], (floats([[7.0]]), floats([[5.0]])), params, LINEAR)
    assert isinstance(result, CellStep)
    h, c = result.state  # in STATES order, (batch, units) each
    assert (h.tolist(), c.tolist()) == ([[52]], [[13]])
    assert list(result.a) == list(result.gates) == list(GATES)
    assert [result.a[g].item() for g in GATES] == [1, 2, 3, 4]
    assert [result.gates[g].item() for g in GATES] == [1, 2, 3, 4]


def test_one_gru_step_through_the_interface_by_hand():
    # One unit, kernel (z, r, n) = (0.5, 2, 3), nothing recurrent, no bias, linear: x = 1
    # gives z = 0.5, r = 2, n = 3; from h_prev = 5: h = z×h_prev + (1-z)×n = 2.5 + 1.5 = 4.
    weights = GRUWeights([[0.5, 2, 3]], np.zeros((1, 3)), None)
    params = gru.prepare(weights, floats)
    xw = gru.project(floats([[[1.0]]]), params)
    result = gru.step(xw[:, 0], (floats([[5.0]]),), params, LINEAR)
    (h,) = result.state
    assert h.tolist() == [[4]]
    assert [result.gates[g].item() for g in GRU_GATES] == [0.5, 2, 3]


def test_one_lstm_step_backward_through_the_interface_by_hand():
    # The step above, from h_prev = 1 (the recurrent kernel is zero, so a is unchanged),
    # with dL/dh = 1 and nothing reaching c from later. By lstm.py's equations with
    # act = rec = identity (every derivative 1):
    #   do = dh×c = 13, dc = 0 + dh×o = 4, df = dc×c_prev = 20, di = dc×g = 12, dg = dc×i = 4
    #   da = (12, 20, 4, 13); dW = x.T @ da, dU = h_prev.T @ da, db = da
    #   dx = da @ W.T = 12×1 + 20×2 + 4×3 + 13×4 = 116; dh_prev = da @ U.T = 0; dc_prev = dc×f = 8
    weights = LSTMWeights([[1, 2, 3, 4]], np.zeros((1, 4)), None)
    params = lstm.prepare(weights, floats)
    record = SimpleNamespace(
        x=floats([[1.0]]),
        h_prev=floats([[1.0]]),
        c_prev=floats([[5.0]]),
        c=floats([[13.0]]),
        a={g: floats([[v]]) for g, v in zip(GATES, (1, 2, 3, 4), strict=True)},
        gates={g: floats([[v]]) for g, v in zip(GATES, (1, 2, 3, 4), strict=True)},
    )
    fn = Derivatives(identity, identity, cells.keep_as_is, np.ones_like, np.ones_like)
    back = lstm.step_backward(record, (floats([[1.0]]), floats([[0.0]])), params, fn)
    assert isinstance(back, BackwardStep)
    assert back.d_kernel.tolist() == [[12, 20, 4, 13]]
    assert back.d_recurrent_kernel.tolist() == [[12, 20, 4, 13]]
    assert back.d_bias.tolist() == [12, 20, 4, 13]
    assert back.dx.tolist() == [[116]]
    assert [s.tolist() for s in back.d_state_prev] == [[[0]], [[8]]]  # (dh_prev, dc_prev)
    assert [s.tolist() for s in back.d_state] == [[[1]], [[4]]]  # what reached h and c
    assert [back.gates[g].item() for g in GATES] == [12, 20, 4, 13]  # di, df, dg, do
