"""Trace and Step: the record of a forward pass, read-only, in either batch view, and
as plain JSON values."""

from __future__ import annotations

import pytest

from tests.engine.toy import toy_trace


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
