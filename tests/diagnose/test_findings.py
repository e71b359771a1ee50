"""findings.py: a Finding holds one cause, the line a report prints for it and its
evidence, and is rendered in a report as "cause: summary" with its evidence indented
under it; the report below is written out by hand."""

from __future__ import annotations

import dataclasses

import pytest

from lstm_explained.diagnose.diff import LayerDiff
from lstm_explained.diagnose.divergence import Divergence
from lstm_explained.diagnose.findings import Finding


def test_a_finding_is_frozen_and_starts_with_no_evidence_and_no_detail():
    finding = Finding("bias-missing", "B has no bias")
    assert (finding.evidence, dict(finding.detail)) == ((), {})
    assert Finding("a", "b").detail is not Finding("c", "d").detail  # not one shared dict
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.cause = "forget-bias"  # type: ignore[misc]
    again = Finding("bias-missing", "B has no bias")
    assert finding == again  # compared by value, as tests of a diff compare them


def test_a_report_prints_each_finding_with_its_evidence_indented():
    order = Finding(
        "gate-order",
        "B's gates are in order f, i, g, o read as i, f, g, o: i and f swapped",
        ("B's kernel blocks look most like A's: i~f 1.00, f~i 1.00", "undone, B's trace matches"),
        {"order": ("forget", "input", "candidate", "output")},
    )
    half = Finding("bias-half-missing", "B's bias lacks A's recurrent-side half")
    diff = LayerDiff(
        "A (keras LSTM, forward, 2 units, float32)",
        "B (torch LSTM, forward, 2 units, float32)",
        1e-5,
        1.0,
        Divergence(1, 0, "pre-activation", "input", 0, 0.5, 0.25),
        findings=(order, half),
    )
    assert diff.causes == ("gate-order", "bias-half-missing")
    assert diff.report().splitlines() == [
        "A and B differ beyond tolerance 1e-05, first at step 1, batch row 0: the input "
        "gate's pre-activation, unit 1: A 0.5, B 0.25",
        "    A: A (keras LSTM, forward, 2 units, float32)",
        "    B: B (torch LSTM, forward, 2 units, float32)",
        "gate-order: B's gates are in order f, i, g, o read as i, f, g, o: i and f swapped",
        "    B's kernel blocks look most like A's: i~f 1.00, f~i 1.00",
        "    undone, B's trace matches",
        "bias-half-missing: B's bias lacks A's recurrent-side half",
    ]
