"""hooks/page_context/shared.py: the values pages of several groups quote."""

from __future__ import annotations

from tests.docs.hooks.loader import page_context
from tests.networks.test_fingerprint import lstm_arrays, reference_lstm


def test_the_shared_values_quote_the_engine():
    ctx = page_context("shared").context()
    # Hand-derived: the toy network's h = 1, 12, 3211 and c = 1, 6, 247.
    assert ctx["toy"].outputs() == "1, 12, 3211"
    assert ctx["toy"].c(3) == "247"
    assert ctx["toy6"].h(4, sep=True) == "35,686,309,296"
    assert ctx["toy6"].digits_of(6) == 95
    assert ctx["ufb"].outputs() == "1, 14, 5055"
    assert isinstance(ctx["std"], page_context("trace_view").TraceView)
    assert ctx["std"].weight("forget", "bias") == "1"
    # The article's weights in a GRU: z = 1 at step 1 keeps h at its initial 0, and so on.
    assert ctx["gru_ones"].outputs() == "0, 0, 0"
    assert ctx["gru"].trace.cell == "GRU"


def test_the_fingerprint_lstm():
    fingerprint = page_context("shared").context()["fingerprint"]
    # step 1 by hand in tests/test_fingerprint.py; step 2 from the Fractions written out there
    kernel, recurrent, b_ih, b_hh = lstm_arrays()
    steps, _ = reference_lstm(kernel, recurrent, [p + q for p, q in zip(b_ih, b_hh, strict=True)])
    assert fingerprint.h(1) == "[-3/4, -3/16]"
    assert fingerprint.decimals(2) == repr([float(v) for v in steps[1]])
    mistakes = fingerprint.mistakes_table().splitlines()
    assert mistakes[2].startswith("| **right** | | [-3/4, -3/16] |")
    # a forget bias added twice multiplies c_prev = 0 at step 1: right there, wrong after
    twice = next(row for row in mistakes if row.startswith("| the forget bias added twice"))
    assert "| [-3/4, -3/16] |" in twice
    assert twice.split(" | ")[-1] != mistakes[2].split(" | ")[-1]
    assert "| input | [-1, -1]; [3, -2] | [2, -3]; [3, -1] | [-2, -1] + [2, 1] |" in (
        fingerprint.weights_table()
    )
