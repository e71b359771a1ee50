"""The networks the site works through, checked against numbers derived in the tests."""

from __future__ import annotations

import json
import math

import pytest

from lstm_explained.networks.examples import (
    ARTICLE_INPUTS,
    NETWORKS,
    STANDARD_INPUTS,
    standard_trace,
    standard_weights,
    toy_trace,
)


def test_article_network():
    assert ARTICLE_INPUTS == (1, 1, 1)
    trace = toy_trace()
    assert [s.h[0] for s in trace.steps] == [1, 12, 3211]
    assert [s.c[0] for s in trace.steps] == [1, 6, 247]


def test_article_network_with_keras_default_forget_bias():
    assert [s.h[0] for s in toy_trace(forget_bias=1).steps] == [1, 14, 5055]


def test_standard_example_against_math_module():
    w = standard_weights()
    per_gate = {
        g: (w.gate(g).kernel[0, 0], w.gate(g).recurrent_kernel[0, 0], w.gate(g).bias[0])
        for g in ("input", "forget", "candidate", "output")
    }
    assert per_gate["forget"] == (0.25, 0.5, 1.0)

    def sig(v):
        return 1 / (1 + math.exp(-v))

    h = c = 0.0
    for step, x in zip(standard_trace().steps, STANDARD_INPUTS, strict=True):
        z = {g: k * x + u * h + b for g, (k, u, b) in per_gate.items()}
        i, f, o = sig(z["input"]), sig(z["forget"]), sig(z["output"])
        g = math.tanh(z["candidate"])
        c = f * c + i * g
        h = o * math.tanh(c)
        assert step.c[0] == pytest.approx(c, abs=1e-14)
        assert step.h[0] == pytest.approx(h, abs=1e-14)


def test_networks_as_plain_json_for_the_stepper():
    # The article's network by hand: one input, one unit, every weight 1, zero bias, in
    # Keras's packed layout (columns i, f, c, o); the GRU example's two bias rows.
    article = NETWORKS["article"].plain()
    assert article == {
        "cell": "LSTM",
        "inputs": [1, 1, 1],
        "kernel": [[1, 1, 1, 1]],
        "recurrentKernel": [[1, 1, 1, 1]],
        "bias": [0, 0, 0, 0],
        "activation": "linear",
        "recurrentActivation": "linear",
        "exact": True,
    }
    assert NETWORKS["forget-bias"].plain()["bias"] == [0, 1, 0, 0]
    gru = NETWORKS["gru-example"].plain()
    assert gru["resetAfter"] is True
    assert gru["bias"] == [[0, 0, 0], [0, 0, 0.5]]
    fingerprint = NETWORKS["fingerprint"].plain()
    assert fingerprint["inputs"] == [[1, 0], [0, 1]]
    assert fingerprint["recurrentActivation"] == "hard_sigmoid[alpha=1/4, beta=1/2]"
    assert json.loads(json.dumps(fingerprint)) == fingerprint  # plain JSON values only
    plain = NETWORKS["plain-cell"].plain()  # one block: W = 1, U = 1, b = 0
    assert (plain["cell"], plain["kernel"], plain["recurrentKernel"], plain["bias"]) == (
        "RNN",
        [[1]],
        [[1]],
        [0],
    )


def test_the_peephole_network_by_hand():
    # The second example's weights (columns i, f, g, o) with peepholes p_i, p_f, p_o =
    # 0.5, -0.25, 0.75: i and f add p×c_prev to their sums, o adds p×c, the new c
    # (ONNX's LSTM with its input P), sigmoid gates and tanh, worked here in floats.
    per_gate = {"input": (0.5, 0.25, 0.0), "forget": (0.25, 0.5, 1.0),
                "candidate": (0.75, -0.25, 0.0), "output": (-0.5, 0.5, 0.25)}  # fmt: skip
    p_i, p_f, p_o = 0.5, -0.25, 0.75

    def sig(v: float) -> float:
        return 1 / (1 + math.exp(-v))

    net = NETWORKS["peepholes"]
    assert net.inputs == STANDARD_INPUTS
    assert (net.activation, net.recurrent_activation) == ("tanh", "sigmoid")
    h = c = 0.0
    for step, x in zip(net.run().steps, STANDARD_INPUTS, strict=True):
        z = {g: k * x + u * h + b for g, (k, u, b) in per_gate.items()}
        i, f = sig(z["input"] + p_i * c), sig(z["forget"] + p_f * c)
        c = f * c + i * math.tanh(z["candidate"])
        h = sig(z["output"] + p_o * c) * math.tanh(c)
        assert step.c[0] == pytest.approx(c, abs=1e-14)
        assert step.h[0] == pytest.approx(h, abs=1e-14)
