"""hooks/page_context/cells_and_layers.py: the GRU, LSTM-or-GRU and layers pages' values."""

from __future__ import annotations

from tests.docs.hooks.loader import page_context


def test_the_two_reset_forms_agree_at_step_1_only():
    ctx = page_context("cells_and_layers").context()
    # From a zero state the recurrent side is zero, wherever the reset gate applies.
    assert ctx["gru_after"].parted_at(ctx["gru_before"]) == 2


def test_stacked_and_bidirectional_toy_layers():
    ctx = page_context("cells_and_layers").context()
    stack = ctx["stack_toy"]
    # layer 1 reads 1, 1: h = 1, 12. Layer 2 reads those: z = 1, 12 + 1; c = 1, 13 + 169;
    # h = 1, 13*182.
    assert stack[0].outputs() == "1, 12"
    assert (stack[1].value(2, "x"), stack[1].outputs()) == ("12", "1, 2366")
    # forward h = 1, 36; backward (reading 2, 1) h = 8, 1053: see test_trace_view.py
    assert ctx["bi_toy"].merged(1) == "[1, 1053]"
    rows = ctx["merge_modes_table"]().splitlines()
    assert "| `'sum'` | 1054, 44 |" in rows
    assert "| `'mul'` | 1053, 288 |" in rows
    assert "| `'ave'` | 527, 22 |" in rows
    assert "| `None` | two outputs: [1, 36] and [1053, 8] |" in rows


def test_the_parameter_table():
    table = page_context("cells_and_layers").context()["parameter_table"]([(1, 1), (16, 64)])
    # LSTM 4*units*(in + units + 1); GRU 3*units*(in + units + 2) with reset_after's two
    # biases, 3*units*(in + units + 1) without: 4*64*81, 3*64*82, 3*64*81.
    assert table.splitlines()[2:] == [
        "| 1 | 1 | 12 | 12 | 9 |",
        "| 16 | 64 | 20,736 | 15,744 | 15,552 |",
    ]


def test_the_side_by_side_table():
    shared = page_context("shared").context()
    table = page_context("cells_and_layers").context()["side_by_side"]
    rows = table(shared["std"], shared["gru"]).splitlines()
    assert rows[0] == "| t | x | LSTM $h$ | LSTM $c$ | GRU $h$ |"
    # the second example's inputs 1, 0.5, -1, one row each
    assert [row.split(" | ")[:2] for row in rows[2:]] == [
        ["| 1", "1"],
        ["| 2", "0.5"],
        ["| 3", "-1"],
    ]
