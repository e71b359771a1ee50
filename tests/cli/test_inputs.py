"""What the shell gives the command: inputs from a file or inline, the model's own inputs
by name, and initial states, each shaped as the layer reads it, with the error each kind
of wrong input gets. Through `lstm-explained trace` on a PyTorch file, and the readers
alone on layers built here."""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest

from lstm_explained import Bidirectional, GRUWeights, LSTMInputError, LSTMWeights
from lstm_explained.cli.inputs import (
    parse_inputs,
    parse_number,
    read_array,
    read_inputs,
    read_model_inputs,
    read_states,
)
from lstm_explained.saved.layer import SavedLayer
from lstm_explained.saved.model import SavedModel
from tests.command_line import flat, one_line_error, run


@pytest.mark.torch
def test_inputs_without_time_steps_say_so_and_a_csv_header_is_named(capsys, torch_file, tmp_path):
    model = torch_file[0]  # its bottom layer reads 3 features
    np.save(tmp_path / "none.npy", np.zeros((1, 0, 3)))
    err = one_line_error(capsys, "trace", model, "-i", tmp_path / "none.npy")
    assert "have no time steps (shape (1, 0, 3))" in err
    assert "reads 3 feature(s)" not in err
    assert "have no time steps (shape (0,))" in one_line_error(capsys, "trace", model, "-i", "[]")
    (tmp_path / "header.csv").write_text("a,b,c\n")  # a header and no rows of numbers
    err = one_line_error(capsys, "trace", model, "-i", tmp_path / "header.csv")
    assert "(skipped a header row: a,b,c) have no time steps (shape (1, 0, 3))" in err
    np.save(tmp_path / "no_batch.npy", np.zeros((0, 2, 3)))
    err = one_line_error(capsys, "trace", model, "-i", tmp_path / "no_batch.npy")
    assert "hold no sequence (shape (0, 2, 3), batch 0)" in err
    (tmp_path / "x.csv").write_text("a,b,c\n1,2,3\n4,5,6\n")
    code, out, err = run(capsys, "trace", model, "-i", tmp_path / "x.csv")
    assert code == 0, err
    inputs = f"inputs: {tmp_path / 'x.csv'} (skipped a header row: a,b,c), shape (1, 2, 3)"
    assert inputs in flat(out)  # wrapped lines joined


# ---- the readers, without a model file ----------------------------------------------------

ONE = SavedLayer("lstm", "keras", LSTMWeights.constant(1.0))  # one feature per step
TWO = SavedLayer("gru", "torch", GRUWeights.constant(1.0, input_dim=2, units=3))


def model_of(layer, **options):
    return SavedModel("m.keras", "keras", (layer,), **options)


def test_numbers_as_the_shell_writes_them():
    assert [parse_number(t) for t in ("2", " 0.5", "1/3", "-4")] == [2, 0.5, Fraction(1, 3), -4]
    assert type(parse_number("2")) is int
    with pytest.raises(ValueError, match="two"):
        parse_number("two")
    assert parse_inputs("1, 1 ,1") == [1, 1, 1]
    assert parse_inputs("[[1, 0], [0, 1]]") == [[1, 0], [0, 1]]
    with pytest.raises(LSTMInputError, match=r"--inputs is not valid JSON: .* at column 5"):
        parse_inputs("[1, ]")
    with pytest.raises(LSTMInputError) as caught:
        parse_inputs("1,a")
    assert (
        str(caught.value) == "--inputs must be numbers separated by commas, like 1,1,1; got '1,a'"
    )


def test_inputs_are_shaped_batch_time_features_for_the_bottom_layer():
    x, origin = read_inputs("1,2,3", ONE, model_of(ONE))
    assert (x.shape, x[0, :, 0].tolist(), origin) == ((1, 3, 1), [1, 2, 3], "--inputs")
    x, _ = read_inputs("[[1, 2], [3, 4], [5, 6]]", TWO, model_of(TWO))  # (time, features)
    assert x.shape == (1, 3, 2)
    x, _ = read_inputs("[[[1, 2]], [[3, 4]]]", TWO, model_of(TWO))  # (batch, time, features)
    assert x.tolist() == [[[1, 2]], [[3, 4]]]


def test_without_inputs_examples_in_the_shape_the_file_fixes():
    x, origin = read_inputs(None, TWO, model_of(TWO))
    assert x.shape == (1, 5, 2)  # one sequence of five steps when the file fixes nothing
    assert np.all(np.abs(x) <= 1)
    assert np.array_equal(x, np.round(x, 2))  # two decimals, as a reader would type them
    assert origin.startswith("no --inputs given: example inputs from numpy.random.default_rng(0)")
    fixed = model_of(TWO, input_shape={"gru": (4, 7, None)})
    assert read_inputs(None, TWO, fixed)[0].shape == (4, 7, 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[1, 2, 3]]", "gru reads 2 feature(s) per time step (its input size); the inputs "
                        "from --inputs have shape (1, 1, 3); give (time, 2) or (batch, time, 2)"),
        ("[[1, NaN]]", "the inputs from --inputs hold inf or NaN"),
        ('[["a", "b"]]', "--inputs must be numbers, (time, features) or (batch, time, features)"),
        ("x.npy", "--inputs x.npy: no such file"),
    ],
)  # fmt: skip
def test_inputs_that_do_not_fit_say_what_would(text, message):
    with pytest.raises(LSTMInputError) as caught:
        read_inputs(text, TWO, model_of(TWO))
    assert str(caught.value).startswith(message)


def test_arrays_from_a_file_or_inline_and_never_a_pickle(tmp_path):
    (tmp_path / "a.csv").write_text("1,2\n3,4\n")
    array, origin = read_array(str(tmp_path / "a.csv"), "--model-input")
    assert (array.tolist(), origin) == ([[1, 2], [3, 4]], str(tmp_path / "a.csv"))
    assert read_array("[[0.5]]", "--model-input")[0].tolist() == [[0.5]]
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object))
    with pytest.raises(LSTMInputError, match=r"cannot read --model-input .*objects.npy"):
        read_array(str(tmp_path / "objects.npy"), "--model-input")
    with pytest.raises(LSTMInputError, match=r"--model-input x\.bin: give a \.npy or \.csv file"):
        read_array("x.bin", "--model-input")


def test_initial_states_are_h_and_c_per_direction(tmp_path):
    h, c = np.full((2, 1), 0.5), np.full((2, 1), -0.5)  # (batch 2, units 1)
    np.savez(tmp_path / "s.npz", h=h, c=c)
    states = read_states(str(tmp_path / "s.npz"), ONE)
    assert {k: v.shape for k, v in states.items()} == {"h": (1, 2, 1), "c": (1, 2, 1)}
    assert states["c"][0].tolist() == c.tolist()
    np.savez(tmp_path / "h.npz", h=h)
    with pytest.raises(LSTMInputError) as caught:
        read_states(str(tmp_path / "h.npz"), ONE)
    assert str(caught.value).endswith(
        "must hold the arrays h and c for an LSTM layer; it holds ['h']"
    )
    both = SavedLayer("bi", "torch", Bidirectional(*[LSTMWeights.constant(1.0)] * 2))
    with pytest.raises(LSTMInputError, match=r"h must be finite, \(batch, 1\) as \(2, batch, 1\)"):
        read_states(str(tmp_path / "s.npz"), both)  # one direction's states for two


def test_model_inputs_by_the_names_the_model_declares():
    graph = SimpleNamespace(inputs={"tokens": None, "lengths": None})
    model = model_of(ONE, graph=graph)
    found = read_model_inputs(["tokens=[[1, 2]]", "lengths=[2]"], model)
    assert {k: v[0].tolist() for k, v in found.items()} == {"tokens": [[1, 2]], "lengths": [2]}
    for specs, message in (
        (["[[1]]"], "the model has 2 inputs (tokens, lengths): name each, --model-input NAME=FILE"),
        (["words=[1]"], "the model has no input 'words'; its inputs are tokens, lengths"),
        (["tokens=[1]", "tokens=[2]"], "--model-input gives 'tokens' twice"),
    ):
        with pytest.raises(LSTMInputError) as caught:
            read_model_inputs(specs, model)
        assert str(caught.value).startswith(message)
    with pytest.raises(LSTMInputError, match="needs a model file that keeps its graph"):
        read_model_inputs(["[[1]]"], model_of(ONE))
