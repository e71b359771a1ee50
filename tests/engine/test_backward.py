"""backward(): checked three independent ways: forward-mode dual numbers with exact
integers, central finite differences in float64, and tf.GradientTape on a Keras LSTM."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstm_explained import (
    ACTIVATIONS,
    GATES,
    LSTMInputError,
    LSTMWeights,
    backward,
    forward,
    mean_squared_error,
    sgd_step,
    sum_of_outputs,
)
from tests.calculus import Dual, numeric_gradient
from tests.strategies import gru_configurations, lstm_configurations

TOY = {"activation": "linear", "recurrent_activation": "linear"}


def toy_loss(seed_name):
    """The toy network (one unit, identity activations, weights 1, bias 0, inputs 1, 1, 1)
    written out on scalars, loss = h1 + h2 + h3, differentiated in `seed_name` by duals."""
    params = {f"{kind}_{g}": Dual(1 if kind != "b" else 0) for kind in "WUb" for g in GATES}
    xs = [Dual(1), Dual(1), Dual(1)]
    h, c = Dual(0), Dual(0)
    if seed_name in params:
        params[seed_name].b = 1
    elif seed_name.startswith("x"):
        xs[int(seed_name[1:])].b = 1
    elif seed_name == "h0":
        h.b = 1
    elif seed_name == "c0":
        c.b = 1
    loss = Dual(0)
    for x in xs:
        z = {g: params[f"W_{g}"] * x + params[f"U_{g}"] * h + params[f"b_{g}"] for g in GATES}
        c = z["forget"] * c + z["input"] * z["candidate"]
        h = z["output"] * c
        loss = loss + h
    return loss


def test_toy_gradients_equal_forward_mode_derivatives_exactly():
    trace = forward([1, 1, 1], LSTMWeights.constant(1), **TOY, exact=True)
    loss = sum_of_outputs(trace)
    assert loss.value == toy_loss("h0").a == 1 + 12 + 3211
    grads = backward(trace, loss.d_sequence_out)
    for k, gate in enumerate(GATES):
        assert grads.kernel[0, k] == toy_loss(f"W_{gate}").b
        assert grads.recurrent_kernel[0, k] == toy_loss(f"U_{gate}").b
        assert grads.bias[k] == toy_loss(f"b_{gate}").b
    assert [grads.inputs[t, 0] for t in range(3)] == [toy_loss(f"x{t}").b for t in range(3)]
    assert grads.initial_h[0] == toy_loss("h0").b
    assert grads.initial_c[0] == toy_loss("c0").b
    assert all(type(v) is int for v in grads.kernel.ravel())


def test_toy_step_three_by_hand():
    # L = h1 + h2 + h3. At step 3 only h3's own term arrives: dh = 1. With o = f = i = g = 13,
    # c = 247, c_prev = 6: dc = dh*o = 13, do = dh*c = 247, df = dc*c_prev = 78,
    # di = dc*g = 169, dg = dc*i = 169; dh_prev = 169 + 78 + 169 + 247 = 663, dc_prev = 169.
    trace = forward([1, 1, 1], LSTMWeights.constant(1), **TOY, exact=True)
    step = backward(trace, sum_of_outputs(trace).d_sequence_out).steps[2]
    assert (step.t, step.dh[0], step.dc[0]) == (3, 1, 13)
    assert [step.gates[g][0] for g in GATES] == [169, 78, 169, 247]
    assert (step.dh_prev[0], step.dc_prev[0]) == (663, 169)


def test_exact_fractions_and_sgd_step():
    trace = forward([1, 1], LSTMWeights.constant(Fraction(1, 2)), **TOY, exact=True)
    grads = backward(trace, sum_of_outputs(trace).d_sequence_out)
    new = sgd_step(trace.weights, grads, Fraction(1, 10))
    for old, g, w in zip((trace.weights.kernel, trace.weights.recurrent_kernel),
                         (grads.kernel, grads.recurrent_kernel),
                         (new.kernel, new.recurrent_kernel), strict=True):  # fmt: skip
        assert w.tolist() == [[Fraction(1, 2) - Fraction(1, 10) * gv for gv in g[0]] for _ in old]


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("recurrent_activation", ["sigmoid", "hard_sigmoid", "tanh"])
def test_float_gradients_match_central_differences(activation, recurrent_activation):
    rng = np.random.default_rng(7)
    kernel, recurrent, bias = (
        rng.normal(0, 0.5, (2, 8)),
        rng.normal(0, 0.5, (2, 8)),
        rng.normal(0, 0.5, 8),
    )
    x = rng.normal(size=(2, 3, 2))
    h0, c0 = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
    mask = np.array([[True, False, True], [True, True, False]])
    targets = rng.normal(size=(2, 3, 2))
    options = {"activation": activation, "recurrent_activation": recurrent_activation,
               "mask": mask}  # fmt: skip

    def loss():
        trace = forward(x, LSTMWeights(kernel, recurrent, bias), initial_state=(h0, c0), **options)
        return mean_squared_error(trace, targets).value + float(np.sum(trace.state_c * 0.3))

    trace = forward(x, LSTMWeights(kernel, recurrent, bias), initial_state=(h0, c0), **options)
    grads = backward(trace, mean_squared_error(trace, targets).d_sequence_out,
                     d_state_c=np.full((2, 2), 0.3))  # fmt: skip
    for name, arr in (("kernel", kernel), ("recurrent_kernel", recurrent), ("bias", bias),
                      ("inputs", x), ("initial_h", h0), ("initial_c", c0)):  # fmt: skip
        np.testing.assert_allclose(getattr(grads, name), numeric_gradient(loss, arr),
                                   rtol=1e-5, atol=1e-8, err_msg=name)  # fmt: skip


ONES = np.ones((2, 1))


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda t: backward(t, np.ones((3, 1))),
         r"d_sequence_out must have the shape of the trace's sequence_out, \(2, 1\); "
         r"got shape \(3, 1\)"),
        (lambda t: backward(t, [[1.0], [float("nan")]]), r"d_sequence_out contains NaN"),
        (lambda t: backward(t, ONES, d_state_h=[1.0, 2.0]),
         r"d_state_h must have the shape of the trace's state_h, \(1,\)"),
        (lambda t: backward("trace", ONES), r"trace must be a Trace from forward\(\)"),
        (lambda t: mean_squared_error(t, [1.0]),
         r"targets must have the shape of sequence_out, \(2, 1\)"),
        (lambda t: sgd_step(t.weights, backward(t, ONES), [0.1, 0.2]),
         r"learning_rate must be one number"),
        (lambda t: sgd_step(LSTMWeights.constant(1.0, units=2), backward(t, ONES), 0.1),
         r"does not match weight shape"),
    ],
)  # fmt: skip
def test_bad_input_to_backward(call, pattern):
    trace = forward([1.0, 1.0], LSTMWeights.constant(0.5))
    with pytest.raises(LSTMInputError, match=pattern):
        call(trace)


def test_a_callable_activation_has_no_known_derivative():
    trace = forward([1.0], LSTMWeights.constant(0.5), activation=lambda a: a)
    with pytest.raises(LSTMInputError, match=r"backward\(\) needs activation to be one of linear"):
        backward(trace, np.ones((1, 1)))


@st.composite
def configurations(draw, cell):
    """A random forward configuration plus random upstream gradients of the right shapes."""
    strategy = lstm_configurations if cell == "LSTM" else gru_configurations
    config = draw(strategy(max_time=4))
    batch, time, _ = config["inputs"].shape
    units = config["weights"].units
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    upstream = {
        "d_sequence_out": rng.normal(size=(batch, time, units)),
        "d_state_h": rng.normal(size=(batch, units)),
    }
    if cell == "LSTM":
        upstream["d_state_c"] = rng.normal(size=(batch, units))
    return config, upstream


@pytest.mark.keras
@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_gradients_agree_with_tf_gradient_tape(keras, cell, data):
    from lstm_explained.frameworks.keras_adapter import keras_gradients

    config, upstream = data.draw(configurations(cell))
    ours = backward(forward(**config), **upstream)
    # float64 on both sides, so that float32's rounding (which a GRU with linear gates can
    # grow a thousandfold in four steps) cannot hide a wrong formula or fake a right one.
    theirs = keras_gradients(**config, **upstream, dtype="float64")
    names = ["kernel", "recurrent_kernel", "bias", "inputs", "initial_h"]
    for name in names + (["initial_c"] if cell == "LSTM" else []):
        a, b = getattr(ours, name), getattr(theirs, name)
        if a is None:
            assert b is None
            continue
        scale = max(1.0, float(np.max(np.abs(a))))
        assert float(np.max(np.abs(a - b))) <= 1e-9 * scale, (name, config)


def test_exact_gradients_for_relu_and_hard_sigmoid_match_float64():
    # Piecewise-linear activations keep backward exact (hard_sigmoid' = 1/6 inside (-3, 3)).
    weights = LSTMWeights.constant(Fraction(1, 4), input_dim=2, units=2, bias={"forget": 1})
    inputs = [[Fraction(1, 2), -1], [2, Fraction(1, 3)], [-1, 1]]
    options = {"activation": "relu", "recurrent_activation": "hard_sigmoid"}
    exact = forward(inputs, weights, exact=True, **options)
    grads = backward(exact, sum_of_outputs(exact).d_sequence_out)
    assert all(isinstance(v, (int, Fraction)) for v in grads.recurrent_kernel.ravel())
    assert any(isinstance(v, Fraction) for v in grads.kernel.ravel())
    floats = forward(np.array(inputs, dtype=float), weights, **options)
    f_grads = backward(floats, sum_of_outputs(floats).d_sequence_out)
    np.testing.assert_allclose(grads.kernel.astype(float), f_grads.kernel, rtol=1e-12)
    np.testing.assert_allclose(grads.inputs.astype(float), f_grads.inputs, rtol=1e-12)


@pytest.mark.parametrize(("go_backwards", "zero_output_for_mask"), [(True, False), (False, True)])
def test_gradients_of_backwards_runs_and_zeroed_masked_outputs(go_backwards, zero_output_for_mask):
    # The time order of go_backwards and the constant zeros of zero_output_for_mask both
    # change where gradients flow; central differences do not care how.
    rng = np.random.default_rng(3)
    kernel, recurrent, bias = rng.normal(0, 0.5, (2, 8)), rng.normal(0, 0.5, (2, 8)), None
    x = rng.normal(size=(2, 4, 2))
    mask = np.array([[True, False, True, True], [True, True, False, False]])
    targets = rng.normal(size=(2, 4, 2))
    options = {"mask": mask, "go_backwards": go_backwards,
               "zero_output_for_mask": zero_output_for_mask}  # fmt: skip

    def run():
        return forward(x, LSTMWeights(kernel, recurrent, bias), **options)

    def loss():
        return mean_squared_error(run(), targets).value

    trace = run()
    grads = backward(trace, mean_squared_error(trace, targets).d_sequence_out)
    for name, arr in (("kernel", kernel), ("recurrent_kernel", recurrent), ("inputs", x)):
        np.testing.assert_allclose(getattr(grads, name), numeric_gradient(loss, arr),
                                   rtol=1e-5, atol=1e-8, err_msg=name)  # fmt: skip
