"""The check of the engine against the framework: its verdict, tolerance and exit status."""

from __future__ import annotations

from lstm_explained.saved.model import Check


def test_the_tolerance_is_relative_to_the_largest_output_but_at_least_one():
    # float32: 1e-5 × max(1, scale); 2e-5 is over it at scale 1, within it at scale 3
    assert not Check("x", 2e-5, 1.0, 1e-5).ok
    assert Check("x", 2e-5, 3.0, 1e-5).ok
    assert Check("x", 9e-6, 0.1, 1e-5).ok
    assert [Check("x", 2e-5, 1.0, 1e-5).exit_code, Check("x", 2e-5, 3.0, 1e-5).exit_code] == [1, 0]
    unchecked = Check("x", unchecked="PyTorch is missing")
    assert not unchecked.ok  # a check that could not run never passes
    assert unchecked.exit_code == 3  # nor fails: a status of its own
    assert str(unchecked) == "NOT CHECKED: PyTorch is missing"
    assert unchecked.to_json()["checked"] is False
    assert unchecked.to_json()["reason"] == "PyTorch is missing"
    not_asked = Check("x", requested=False)  # --no-check
    assert (not_asked.exit_code, str(not_asked)) == (0, "check: not run (--no-check)")
