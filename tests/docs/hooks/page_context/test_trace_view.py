"""hooks/page_context/trace_view.py: a forward trace as the pages show it."""

from __future__ import annotations

from lstm_explained import Bidirectional, LSTMWeights, bidirectional, forward
from tests.docs.hooks.loader import imported_modules, page_context

LINEAR = {"activation": "linear", "recurrent_activation": "linear", "exact": True}


def toy():
    """The article's network, built here: one unit, weights 1, no bias, identity."""
    view = page_context("trace_view")
    return view.TraceView(forward([1, 1, 1], LSTMWeights.constant(1), **LINEAR), "t")


def test_hand_calculations_are_one_block_per_line():
    block = page_context("trace_view").hand_block("a: x = 1 < 2\n   y = 3", "Working")
    assert block == (
        '<pre class="lx-hand" aria-label="Working"><code>'
        '<span class="lx-line">a: x = 1 &lt; 2</span><span class="lx-line">   y = 3</span>'
        "</code></pre>"
    )


def test_a_trace_view_quotes_the_steps():
    # By hand: every gate's z = x + h_prev; c = z*c_prev + z*z; h = z*c.
    # z = 1, 2, 13; c = 1, 6, 247; h = 1, 12, 3211.
    view = toy()
    assert view.inputs() == "1, 1, 1"
    assert view.outputs() == "1, 12, 3211"
    assert (view.c(2), view.value(2, "a_forget"), view.value(3, "h_prev")) == ("6", "2", "12")
    assert view.digits_of(3) == 4
    assert view.weight("forget", "bias") == "0"
    assert view.parameters() == "12"  # 4 gates * (1 input + 1 unit + 1 bias)
    assert "| forget | 1 | 1 | 0 |" in view.weights_table().splitlines()
    rows = view.steps_table().splitlines()
    assert rows[0] == "| | step 1 | step 2 | step 3 |"
    assert "| $c$ | 1 | 6 | 247 |" in rows
    assert rows[-1] == "| $h$ | 1 | 12 | 3211 |"


def test_two_traces_part_where_their_outputs_first_differ():
    view = page_context("trace_view")
    ufb = LSTMWeights.constant(1, bias={"forget": 1})
    # A forget bias multiplies c_prev = 0 at step 1: h1 = 1 both; at step 2 a_f = 3, not 2.
    other = view.TraceView(forward([1, 1, 1], ufb, **LINEAR), "u")
    assert toy().parted_at(other) == 2
    assert toy().parted_at(toy()) == 0


def test_a_figure_ident_is_unique_to_its_trace_and_step():
    view = toy()
    assert 'id="cell-t-2-forget' in view.figure(2, "caption", highlight="forget")
    assert 'id="unrolled-t' in view.unrolled("caption")


def test_a_bidirectional_view_merges_both_directions():
    # Forward reads 1, 2: z = 1, 3; c = 1, 12; h = 1, 36.
    # Backward reads 2, 1: z = 2, 9; c = 4, 117; h = 8, 1053; at input position 1 it
    # has read both (1053), at position 2 only the 2 (8). concat: [forward, backward].
    w = LSTMWeights.constant(1)
    trace = bidirectional([1, 2], Bidirectional(w, w), **LINEAR)
    view = page_context("trace_view").BidirectionalView(trace, "bi")
    assert (view.merged(1), view.merged(2)) == ("[1, 1053]", "[36, 8]")
    assert view.forward.outputs() == "1, 36"
    assert view.table().splitlines()[2:] == [
        "| 1 | 1 | 1 | 1053 | [1, 1053] |",
        "| 2 | 2 | 36 | 8 | [36, 8] |",
    ]


def test_the_view_names_no_network():
    imports = imported_modules(page_context("trace_view"))
    assert not any(name.startswith("lstm_explained.networks") for name in imports)
