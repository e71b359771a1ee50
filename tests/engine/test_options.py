"""engine.options: the options forward, bidirectional, stacked and to_onnx share, defined
once (their meaning, default and check) and the same in every signature that spells
them out."""

from __future__ import annotations

import dataclasses
import inspect
import typing
from fractions import Fraction

import numpy as np
import pytest

from lstm_explained import (
    Bidirectional,
    LSTMInputError,
    LSTMWeights,
    bidirectional,
    forward,
    stacked,
    to_onnx,
)
from lstm_explained.engine.options import RunOptions, check_precision

# What forward's docstring says, written out: the option, its default.
DEFAULTS = {
    "activation": "tanh",
    "recurrent_activation": "sigmoid",
    "exact": False,
    "dtype": "float64",
}
W = LSTMWeights.constant(1)


def test_the_options_and_their_defaults():
    assert {f.name: f.default for f in dataclasses.fields(RunOptions)} == DEFAULTS
    assert RunOptions().keywords() == DEFAULTS


@pytest.mark.parametrize("function", [forward, bidirectional, stacked], ids=lambda f: f.__name__)
def test_each_public_function_spells_the_options_as_run_options_defines_them(function):
    parameters = inspect.signature(function).parameters
    types, defined = typing.get_type_hints(function), typing.get_type_hints(RunOptions)
    for field in dataclasses.fields(RunOptions):
        parameter = parameters[field.name]
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, field.name
        assert parameter.default == field.default, field.name
        assert types[field.name] == defined[field.name], field.name


def test_to_onnx_shares_the_activations_and_keeps_its_own_dtype_default():
    parameters = inspect.signature(to_onnx).parameters
    for name in ("activation", "recurrent_activation"):
        assert parameters[name].default == DEFAULTS[name]
    assert parameters["dtype"].default == "float32"  # what onnxruntime runs


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"exact": "yes"}, "exact must be True or False; got 'yes'"),
        ({"exact": 1}, "exact must be True or False; got 1"),
        ({"dtype": "float16"}, "dtype must be 'float64' or 'float32'; got 'float16'"),
        ({"activation": "softmax"}, "activation='softmax' is not a known activation"),
        ({"recurrent_activation": 3}, "recurrent_activation=3 is not a known activation"),
        ({"exact": True}, "exact=True cannot use activation='tanh'"),
        ({"exact": True, "activation": None}, "exact=True cannot use recurrent_activation="),
    ],
)
def test_bad_options_are_refused_when_made_and_by_every_function_that_takes_them(options, message):
    for make in (
        lambda: RunOptions(**options),
        lambda: forward([1], W, **options),
        lambda: bidirectional([1], Bidirectional(W, W), **options),
        lambda: stacked([1], [W, W], **options),
    ):
        with pytest.raises(LSTMInputError) as caught:
            make()
        assert str(caught.value).startswith(message), str(caught.value)


def test_to_onnx_names_its_dtypes_default_first():
    with pytest.raises(LSTMInputError, match=r"^dtype must be 'float32' or 'float64'; got 1$"):
        check_precision(1, ("float32", "float64"))


def test_what_the_options_give_a_run():
    exact = RunOptions(activation="relu", recurrent_activation="hard_sigmoid", exact=True)
    act, rec = exact.activations
    assert (act.name, rec.name) == ("relu", "hard_sigmoid")
    z = np.array([Fraction(-3, 2), Fraction(3, 2)], dtype=object)
    assert list(exact.functions.act(z)) == [0, Fraction(3, 2)]
    assert list(exact.functions.rec(z)) == [Fraction(1, 4), Fraction(3, 4)]  # 1/2 ± 1/4
    converted = exact.convert(np.array([0.5, 2.0]))
    assert list(converted) == [Fraction(1, 2), 2]
    assert converted.dtype == object
    assert exact.functions.tidy(np.array([Fraction(6, 1)], dtype=object))[0] == 6
    single = RunOptions(dtype="float32")
    assert single.convert(np.array([0.1])).dtype == np.float32
    assert single.functions.act(np.array([0.0]))[0] == 0.0  # tanh(0)
    assert single.functions.rec(np.array([0.0]))[0] == 0.5  # sigmoid(0)


def test_stacked_and_bidirectional_pass_the_options_on_to_every_layer():
    # The toy network with identity activations, exact: h = 1, 12, 3211 (the article).
    linear = {"activation": None, "recurrent_activation": "linear", "exact": True}
    top = stacked([1, 1, 1], [W, LSTMWeights.constant(0)], **linear)
    assert [int(v) for v in top.layers[0].sequence_out.ravel()] == [1, 12, 3211]
    assert [int(v) for v in top.layers[1].sequence_out.ravel()] == [0, 0, 0]
    both = bidirectional([1, 1, 1], Bidirectional(W, W, merge_mode="sum"), **linear)
    for trace in (*top.layers, both.forward, both.backward):
        assert (trace.activation, trace.recurrent_activation, trace.exact) == (
            "linear",
            "linear",
            True,
        )
    assert [int(v) for v in both.sequence_out.ravel()] == [1 + 3211, 12 + 12, 3211 + 1]
