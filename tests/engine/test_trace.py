"""Trace and Step: the record of a forward pass, read-only, in either batch view, and
as plain JSON values. Values expected are the toy network's, worked out by hand in
tests/engine/test_lstm.py."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from lstm_explained import GRUWeights, LSTMInputError, LSTMWeights, forward
from lstm_explained.engine.trace import jsonable
from tests.engine.toy import TOY, toy_trace


def test_trace_is_read_only_and_to_dict_is_json_safe():
    import dataclasses
    import json

    trace = toy_trace(2, exact=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        trace.state_h = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        trace.steps[0].gates["input"] = 0  # type: ignore[index]
    doc = json.loads(json.dumps(trace.to_dict()))
    assert doc["state_h"] == [12]
    assert doc["steps"][1]["gates"]["forget"] == [2]
    assert doc["weights"]["bias"] == [0, 0, 0, 0]


def test_steps_count_from_one_and_a_step_out_of_range_names_the_steps_there_are():
    trace = toy_trace(3)
    assert [trace.step(t).t for t in (1, 2, 3)] == [1, 2, 3]
    assert trace.step(2).h.tolist() == [12]  # by hand: h = 1, 12, 3211
    for t in (0, 4, True, 1.0):
        with pytest.raises(LSTMInputError, match=rf"t must be a time step from 1 to 3; got {t!r}"):
            trace.step(t)


def test_a_sample_of_a_batch_is_that_row_run_alone():
    # rows 1, 1, 1 (the toy network: h = 1, 12, 3211; c = 1, 6, 247) and 0, 0, 0 (all zero)
    batch = forward([[[1], [1], [1]], [[0], [0], [0]]], LSTMWeights.constant(1.0), **TOY)
    first = batch.sample(0)
    assert (batch.batched, first.batched) == (True, False)
    assert first.sequence_out.tolist() == [[1], [12], [3211]]
    assert (first.state_h.tolist(), first.state_c.tolist()) == ([3211], [247])
    assert [s.c.tolist() for s in first.steps] == [[1], [6], [247]]
    assert batch.sample(1).sequence_out.tolist() == [[0], [0], [0]]
    assert batch.batch_size == 2
    with pytest.raises(LSTMInputError, match="sample must be from 0 to 1; got 2"):
        batch.sample(2)
    with pytest.raises(LSTMInputError, match="sample must be 0 for an input without a batch"):
        first.sample(1)
    assert first.sample(0) is first


def test_with_batch_axis_adds_the_axis_the_engine_keeps_inside():
    trace = toy_trace(2)
    batched = trace.with_batch_axis()
    assert batched.sequence_out.shape == (1, 2, 1)
    assert batched.state_h.tolist() == [[12]]
    assert batched.steps[1].x.tolist() == [[1]]
    assert batched.steps[1].c_prev.tolist() == [[1]]
    assert batched.with_batch_axis() is batched
    assert batched.sample(0).sequence_out.tolist() == trace.sequence_out.tolist()


def test_a_units_column_in_a_trace_that_recorded_some_units_only():
    weights = LSTMWeights.constant(1.0, units=3)
    full, part = forward([1], weights), forward([1], weights, units=[2, 0])
    assert (full.recorded_units, part.recorded_units) == ((0, 1, 2), (2, 0))
    assert [full.column(u) for u in (0, 1, 2)] == [0, 1, 2]
    assert [part.column(u) for u in (2, 0)] == [0, 1]
    with pytest.raises(LSTMInputError, match=r"unit 1 was not recorded; .* units \[2, 0\]"):
        part.column(1)
    with pytest.raises(LSTMInputError, match="unit must be from 0 to 2; got 3"):
        full.column(3)


def test_a_gru_trace_has_no_cell_state_and_says_what_its_state_is():
    trace = forward([1], GRUWeights.constant(1.0))
    assert trace.cell == "GRU"
    for read in (lambda: trace.state_c, lambda: trace.steps[0].c, lambda: trace.steps[0].c_prev):
        with pytest.raises(AttributeError, match="this cell has no cell state c: its state is h"):
            read()


def test_json_values_write_fractions_as_p_over_q_and_spell_out_what_json_lacks():
    assert jsonable(np.array([Fraction(1, 3), Fraction(4, 2), 7], dtype=object)) == ["1/3", 2, 7]
    assert jsonable(np.array([np.inf, -np.inf, np.nan])) == ["inf", "-inf", "nan"]
    assert jsonable(np.array([[True, False]])) == [[True, False]]
    assert jsonable(np.float32(0.5)) == 0.5
    doc = forward([1, 1], LSTMWeights.constant(1.0), go_backwards=True, units=[0]).to_dict()
    assert (doc["cell"], doc["go_backwards"], doc["units"]) == ("LSTM", True, [0])
    assert doc["steps"][0]["mask"] is None
    assert "go_backwards" not in toy_trace(1).to_dict()


@pytest.mark.parametrize("given", ["a trace", None, [1, 2, 3]])
def test_what_reads_a_trace_says_when_it_is_given_something_else(given):
    from lstm_explained import hand_calculation, trace_table
    from lstm_explained.explain.figures import cell_svg, unrolled_figure
    from lstm_explained.explain.figures.gru_cell import gru_svg

    readers = [
        lambda: hand_calculation(given, 1),
        lambda: trace_table(given),
        lambda: unrolled_figure(given),
        lambda: gru_svg(given, 1),
    ]
    if given is not None:  # cell_svg without a trace draws the symbols
        readers.append(lambda: cell_svg(given, 1))
    for read in readers:
        with pytest.raises(LSTMInputError, match=r"^trace must be a Trace from forward\(\); got "):
            read()
