"""The GRU: goldens by hand and by exact arithmetic written out in the test, Keras's GRU
(both reset_after) on random configurations, and the step's derivatives."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from lstm_explained import GRU_GATES, GRUWeights, LSTMInputError, forward, hand_calculation
from tests.calculus import Dual, numeric_gradient
from tests.strategies import gru_configurations

LINEAR = {"activation": "linear", "recurrent_activation": "linear"}


def reference_gru(xs, kernel, recurrent, b_in, b_rec, *, reset_after, h0, rec, act):
    """A GRU written out on Python numbers, unit by unit, from Keras's equations
    (FACTS.md), independent of the engine. kernel[j][k], recurrent[i][k] with column
    blocks z, r, h; b_rec is None without reset_after."""
    units = len(h0)
    h, out = list(h0), []

    def col(block, u):
        return block * units + u

    def xw(x, block, u):
        return sum(x[j] * kernel[j][col(block, u)] for j in range(len(x))) + b_in[col(block, u)]

    def hu(block, u, hh):
        return sum(hh[i] * recurrent[i][col(block, u)] for i in range(units))

    for x in xs:
        z = [
            rec(xw(x, 0, u) + hu(0, u, h) + (b_rec[u] if reset_after else 0)) for u in range(units)
        ]
        r = [
            rec(xw(x, 1, u) + hu(1, u, h) + (b_rec[units + u] if reset_after else 0))
            for u in range(units)
        ]
        if reset_after:
            n = [
                act(xw(x, 2, u) + r[u] * (hu(2, u, h) + b_rec[2 * units + u])) for u in range(units)
            ]
        else:
            rh = [r[i] * h[i] for i in range(units)]
            n = [act(xw(x, 2, u) + hu(2, u, rh)) for u in range(units)]
        h = [z[u] * h[u] + (1 - z[u]) * n[u] for u in range(units)]
        out.append(h)
    return out


def test_the_articles_network_as_a_gru_stays_at_zero():
    # By hand, every weight 1, bias 0, linear: z = x + h_prev = 1 at step 1, so
    # h = z*h_prev + (1 - z)*n = 1*0 + 0*n = 0, and the same again at every step.
    for reset_after in (True, False):
        weights = GRUWeights.constant(1, reset_after=reset_after)
        trace = forward([1, 1, 1], weights, **LINEAR, exact=True)
        assert trace.sequence_out[:, 0].tolist() == [0, 0, 0]
        assert [s.gates["update"][0] for s in trace.steps] == [1, 1, 1]


def test_a_small_gru_by_hand():
    # kernel z, r, n = 1/2, 1, 2; recurrent 0, 1, 1; bias 0; linear; inputs 1, 1.
    # step 1: a_z = 1/2, a_r = 1, a_n = 2 + r*(0) = 2;  h = 1/2*0 + 1/2*2 = 1
    # step 2: a_z = 1/2, a_r = 1 + 1 = 2, a_n = 2 + 2*(1*1) = 4;  h = 1/2*1 + 1/2*4 = 5/2
    weights = GRUWeights([[Fraction(1, 2), 1, 2]], [[0, 1, 1]], np.zeros((2, 3)))
    trace = forward([1, 1], weights, **LINEAR, exact=True)
    assert [s.a["reset"][0] for s in trace.steps] == [1, 2]
    assert [s.gates["candidate"][0] for s in trace.steps] == [2, 4]
    assert trace.sequence_out[:, 0].tolist() == [1, Fraction(5, 2)]
    text = hand_calculation(trace, 2)
    assert "candidate:    a_n = 1×2 + 0 + r×(1×1 + 0) = 4" in text
    assert "hidden state: h = z×h_prev + (1-z)×n = (1/2)×1 + (1-(1/2))×4 = 5/2" in text


def test_a_reset_before_hand_calculation_takes_each_units_own_r():
    # Two units, no bias, linear candidate, hard_sigmoid gates (exact), inputs 1, 1; the
    # trace records every unit, in the order 1, 0 (as `trace --units 1,0` asks).
    # Step 1 from h0 = 0: a_r = x*W_r = [1, -1], a_n = x*W_n = [2, 1], z = 2/3 each,
    #   h = (1 - z)*n = [2/3, 1/3].
    # Step 2: a_r = [1, -1] + [2/3, 1/3] @ [[2, 1], [-1, 2]] = [2, 1/3],
    #   r = [2/6 + 1/2, 1/18 + 1/2] = [5/6, 5/9];
    #   unit 0's a_n = 1*2 + (5/6*2/3)*1 + (5/9*1/3)*1 = 2 + 5/9 + 5/27 = 74/27.
    kernel = [[1, 1, 1, -1, 2, 1]]
    recurrent = [[1, -1, 2, 1, 1, 0], [0, 1, -1, 2, 1, 3]]
    weights = GRUWeights(kernel, recurrent, None, reset_after=False)
    trace = forward([1, 1], weights, activation="linear", recurrent_activation="hard_sigmoid",
                    exact=True, units=[1, 0])  # fmt: skip
    text = hand_calculation(trace, 2, units=[0])
    assert "candidate:    a_n = 1×2 + ((5/6)×(2/3))×1 + ((5/9)×(1/3))×1 = 74/27" in text
    with pytest.raises(LSTMInputError, match="needs every unit's gates"):
        hand_calculation(forward([1, 1], weights, units=[0]), 2)


def test_the_recurrent_candidate_bias_sits_inside_the_reset_gate():
    # reset_after with b_rec_n = 3, one unit, U_n = 0: a_n = x*W_n + r*(0 + 3).
    # kernel z, r, n = 0, 1, 1; x = 1, h0 = 0: r = a_r = 1*1 = 1 -> a_n = 1 + 1*3 = 4.
    # If b_rec_n were added outside r (as summing PyTorch's two biases would), a_n = 4 too,
    # so take x = 2: r = 2, a_n = 2 + 2*3 = 8 (outside r it would be 2 + 3 = 5).
    bias = [[0, 0, 0], [0, 0, 3]]
    trace = forward([2], GRUWeights([[0, 1, 1]], [[0, 0, 0]], bias), **LINEAR, exact=True)
    assert trace.steps[0].a["candidate"][0] == 8
    assert trace.steps[0].parts["candidate_recurrent"][0] == 3


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("seed", range(4))
def test_exact_engine_matches_a_gru_written_out_in_fractions(seed, reset_after):
    rng = np.random.default_rng(seed)
    features, units, time = 2, 2, 4
    kernel = rng.integers(-3, 4, (features, 3 * units)).tolist()
    recurrent = rng.integers(-3, 4, (units, 3 * units)).tolist()
    biases = rng.integers(-2, 3, (2, 3 * units)).tolist()
    xs = rng.integers(-2, 3, (time, features)).tolist()
    h0 = rng.integers(-1, 2, units).tolist()

    # hard_sigmoid kept exact: clip(a/6 + 1/2, 0, 1); linear candidate.
    def hard(v):
        return min(max(Fraction(v) / 6 + Fraction(1, 2), 0), 1)

    expected = reference_gru(
        xs, kernel, recurrent, biases[0], biases[1] if reset_after else None,
        reset_after=reset_after, h0=h0, rec=hard, act=lambda v: v,
    )  # fmt: skip
    weights = GRUWeights(kernel, recurrent, biases if reset_after else biases[0],
                         reset_after=reset_after)  # fmt: skip
    trace = forward(xs, weights, activation="linear", recurrent_activation="hard_sigmoid",
                    initial_state=(h0,), exact=True)  # fmt: skip
    assert trace.sequence_out.tolist() == expected


def test_reset_after_and_before_agree_at_step_one_and_part_at_step_two():
    # From h0 = 0 the recurrent side is zero either way (no recurrent bias), so the two
    # forms can differ only once h_prev is not zero: r*(h@U) against (r*h)@U.
    kernel = [[1, 1, 1, -1, 2, 1]]
    recurrent = [[1, -1, 2, 1, 1, 0], [0, 1, -1, 2, 1, 3]]
    after = GRUWeights(kernel, recurrent, None, reset_after=True)
    before = GRUWeights(kernel, recurrent, None, reset_after=False)
    options = {"activation": "linear", "recurrent_activation": "hard_sigmoid", "exact": True}
    a = forward([1, 1], after, **options)
    b = forward([1, 1], before, **options)
    assert a.steps[0].h.tolist() == b.steps[0].h.tolist()
    assert a.steps[1].h.tolist() != b.steps[1].h.tolist()


def test_weights_layout_and_errors():
    w = GRUWeights.random(3, 2, seed=0)
    assert (w.kernel.shape, w.recurrent_kernel.shape, w.bias.shape) == ((3, 6), (2, 6), (2, 6))
    assert w.gate("reset").bias.shape == (2, 2)
    assert GRUWeights.random(3, 2, seed=0, reset_after=False).bias.shape == (6,)
    assert GRUWeights.constant(1, bias={"update": 2}).bias.tolist() == [[2, 0, 0], [2, 0, 0]]
    assert w.parameter_count() == 3 * 6 + 2 * 6 + 2 * 6
    with pytest.raises(
        LSTMInputError,
        match=r"bias must have shape \(2, 3\*units\) = \(2, 3\).*"
        r"got shape \(3,\); a bias of shape \(3,\) is the reset_after=False",
    ):
        GRUWeights(np.ones((1, 3)), np.ones((1, 3)), np.ones(3))
    with pytest.raises(LSTMInputError, match=r"kernel must have shape \(input_dim, 3\*units\)"):
        GRUWeights(np.ones((1, 4)), np.ones((1, 4)))
    with pytest.raises(LSTMInputError, match=r"unknown gate 'forget'; gates are update, reset"):
        w.gate("forget")
    with pytest.raises(LSTMInputError, match=r"initial_state must be a sequence \(h0,\); got 2"):
        forward([1], GRUWeights.constant(1), initial_state=([0], [0]))
    with pytest.raises(LSTMInputError, match="reset_after must be True or False"):
        GRUWeights(np.ones((1, 3)), np.ones((1, 3)), reset_after="yes")
    trace = forward([1], GRUWeights.constant(1))
    with pytest.raises(AttributeError, match="no cell state c"):
        trace.state_c  # noqa: B018
    assert trace.cell == "GRU"
    assert list(trace.steps[0].gates) == list(GRU_GATES)


@pytest.mark.keras
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=gru_configurations())
def test_engine_agrees_with_keras_gru_on_random_configurations(keras, config):
    from lstm_explained.frameworks.keras_adapter import compare, keras_forward

    # In float64 on both sides: float32's rounding can grow through a GRU's
    # z*h + (1-z)*n (linear gates reach 1e4 in four steps), which says nothing about
    # whether the equations agree.
    trace = forward(**config)
    diff = compare(trace, keras_forward(**config, dtype="float64"))
    assert diff.max_abs_diff <= 1e-9 * max(1.0, diff.scale), (str(diff), config)


@pytest.mark.keras
@pytest.mark.parametrize("reset_after", [True, False])
def test_go_backwards_agrees_with_keras(keras, reset_after):
    from lstm_explained.frameworks.keras_adapter import compare, keras_forward

    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 4, 3))
    mask = [[True, True, False, True], [True, False, True, True]]
    weights = GRUWeights.random(3, 2, seed=5, reset_after=reset_after)
    trace = forward(x, weights, mask=mask, go_backwards=True)
    result = keras_forward(x, weights, mask=mask, go_backwards=True, dtype="float64")
    assert compare(trace, result).max_abs_diff < 1e-12
    assert trace.steps[0].x.tolist() == x[:, -1].tolist()  # step 1 read the last input


# ---- backward ------------------------------------------------------------------------


def dual_gru_loss(kernel, recurrent, biases, xs, h0, reset_after, seed):
    """Sum of every output of `reference_gru` (linear activations) on dual numbers, with
    the entry named by `seed` (("kernel", j, k), ("x", t, j), ("h0", u), ...) carrying ε."""
    k = [[Dual(v) for v in row] for row in kernel]
    r = [[Dual(v) for v in row] for row in recurrent]
    b = [[Dual(v) for v in row] for row in biases]
    x = [[Dual(v) for v in row] for row in xs]
    h = [Dual(v) for v in h0]
    table = {"kernel": k, "recurrent": r, "bias": b, "x": x}
    if seed[0] == "h0":
        h[seed[1]].b = 1
    else:
        table[seed[0]][seed[1]][seed[2]].b = 1
    rec_bias = b[1] if reset_after else None
    out = reference_gru(x, k, r, b[0], rec_bias, reset_after=reset_after, h0=h,
                        rec=lambda v: v, act=lambda v: v)  # fmt: skip
    return sum((v for row in out for v in row), Dual(0))


@pytest.mark.parametrize("reset_after", [True, False])
def test_exact_gru_gradients_equal_forward_mode_derivatives(reset_after):
    from lstm_explained import backward, sum_of_outputs

    rng = np.random.default_rng(11)
    kernel = rng.integers(-2, 3, (2, 6)).tolist()
    recurrent = rng.integers(-2, 3, (2, 6)).tolist()
    biases = rng.integers(-2, 3, (2, 6)).tolist()
    xs = rng.integers(-2, 3, (3, 2)).tolist()
    h0 = [1, -1]
    weights = GRUWeights(kernel, recurrent, biases if reset_after else biases[0],
                         reset_after=reset_after)  # fmt: skip
    trace = forward(xs, weights, **LINEAR, initial_state=(h0,), exact=True)
    grads = backward(trace, sum_of_outputs(trace).d_sequence_out)

    def d(*seed):
        return dual_gru_loss(kernel, recurrent, biases, xs, h0, reset_after, seed).b

    assert grads.kernel.tolist() == [[d("kernel", j, c) for c in range(6)] for j in range(2)]
    assert grads.recurrent_kernel.tolist() == [
        [d("recurrent", i, c) for c in range(6)] for i in range(2)
    ]
    expected_bias = [[d("bias", row, c) for c in range(6)] for row in range(2)]
    if reset_after:
        assert grads.bias.tolist() == expected_bias
    else:
        assert grads.bias.tolist() == expected_bias[0]
    assert grads.inputs.tolist() == [[d("x", t, j) for j in range(2)] for t in range(3)]
    assert grads.initial_h.tolist() == [d("h0", u) for u in range(2)]


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize(
    ("activation", "recurrent_activation"),
    [("tanh", "sigmoid"), ("relu", "hard_sigmoid"), ("sigmoid", "tanh")],
)
def test_float_gru_gradients_match_central_differences(
    reset_after, activation, recurrent_activation
):
    from lstm_explained import backward, mean_squared_error

    rng = np.random.default_rng(5)
    kernel, recurrent = rng.normal(0, 0.5, (2, 6)), rng.normal(0, 0.5, (2, 6))
    bias = rng.normal(0, 0.5, (2, 6) if reset_after else (6,))
    x, h0 = rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 2))
    mask = np.array([[True, False, True], [True, True, False]])
    targets = rng.normal(size=(2, 3, 2))
    options = {"activation": activation, "recurrent_activation": recurrent_activation,
               "mask": mask, "initial_state": (h0,)}  # fmt: skip

    def run():
        return forward(x, GRUWeights(kernel, recurrent, bias, reset_after=reset_after), **options)

    def loss():
        trace = run()
        return mean_squared_error(trace, targets).value + float(np.sum(trace.state_h * 0.3))

    trace = run()
    grads = backward(trace, mean_squared_error(trace, targets).d_sequence_out,
                     d_state_h=np.full((2, 2), 0.3))  # fmt: skip
    for name, arr in (("kernel", kernel), ("recurrent_kernel", recurrent), ("bias", bias),
                      ("inputs", x), ("initial_h", h0)):  # fmt: skip
        np.testing.assert_allclose(getattr(grads, name), numeric_gradient(loss, arr),
                                   rtol=1e-5, atol=1e-8, err_msg=name)  # fmt: skip


def test_gru_backward_refuses_a_cell_state_gradient():
    from lstm_explained import backward

    trace = forward([1.0], GRUWeights.constant(0.5))
    with pytest.raises(LSTMInputError, match="a GRU has no cell state c"):
        backward(trace, np.ones((1, 1)), d_state_c=[1.0])
