"""What the shell gives the command: inputs from a file or inline, with the error each
kind of wrong input gets."""

from __future__ import annotations

import numpy as np
import pytest

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
