"""The lstm-explained command: output, options, errors and exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lstm_explained.cli.main import main

TOY_TABLE = """\
| t | x | h_prev | c_prev |  i |  f |  g |  o |   c |    h |
|--:|--:|-------:|-------:|---:|---:|---:|---:|----:|-----:|
| 1 | 1 |      0 |      0 |  1 |  1 |  1 |  1 |   1 |    1 |
| 2 | 1 |      1 |      1 |  2 |  2 |  2 |  2 |   6 |   12 |
| 3 | 1 |     12 |      6 | 13 | 13 | 13 | 13 | 247 | 3211 |"""


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_no_arguments_runs_the_articles_network(capsys):
    code, out, err = run(capsys)
    assert code == 0, err
    assert TOY_TABLE in out
    assert out.rstrip().endswith("final state: h = 3211, c = 247")
    assert err == ""


def test_forget_bias_reproduces_the_keras_default(capsys):
    code, out, _ = run(capsys, "--forget-bias", "1")
    assert code == 0
    assert "final state: h = 5055, c = 337" in out
    assert "bias 0 (forget gate 1)" in out


def test_explain_prints_each_step_by_hand(capsys):
    _, out, _ = run(capsys, "--explain")
    assert "cell state:   c = f×c_prev + i×g = 2×1 + 2×2 = 6" in out
    assert "hidden state: h = o×linear(c) = 13×linear(247) = 3211" in out


def test_exact_mode_prints_every_digit(capsys):
    _, out, _ = run(capsys, "--exact", "-i", "1,1,1,1,1,1")
    h6 = (
        "93955083749147926534946897890485357012182772103974179616116457441152309060382842"
        "235471595401996"
    )
    assert f"final state: h = {h6}," in out


def test_json_is_the_whole_trace(capsys):
    code, out, _ = run(
        capsys, "--json", "--activation", "tanh", "--recurrent-activation", "sigmoid"
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["activation"] == "tanh"
    assert len(doc["steps"]) == 3
    assert set(doc["steps"][0]["gates"]) == {"input", "forget", "candidate", "output"}


def test_several_features_and_units(capsys):
    code, out, _ = run(capsys, "-i", "[[1, 0], [0, 1]]", "-u", "2", "-w", "1/2", "--exact")
    assert code == 0
    assert "2 unit(s), 2 input feature(s)" in out


def test_initial_state_options(capsys):
    _, out, _ = run(capsys, "-i", "1", "--h0", "1", "--c0", "1")
    assert "final state: h = 12, c = 6" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-a", "softmax"], "'softmax' is not one of 'linear', 'sigmoid', 'hard_sigmoid'"),
        (["-w", "abc"], "'abc' is not a number"),
        (["-i", "1,x,1"], "--inputs must be numbers separated by commas"),
        (["-i", "[[1, 2]"], "--inputs is not valid JSON"),
        (["-i", "[[1, 2], [3]]"], "inputs is ragged"),
        (["-i", ""], "--inputs must be numbers separated by commas"),
        (["--exact", "-a", "tanh"], "exact=True cannot use activation='tanh'"),
        (["--no-bias", "--forget-bias", "1"], "--no-bias and --forget-bias contradict"),
        (["-u", "0"], "0 is not in the range x>=1"),
        (["--bogus"], "No such option '--bogus'"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_2(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("lstm-explained: error: ")
    assert message in err


def test_overflow_is_a_warning_on_stderr(capsys):
    code, out, err = run(capsys, "-i", ",".join(["1"] * 8))
    assert code == 0
    assert "lstm-explained: warning: float overflow at time step 8" in err
    assert "| 8 |" in out


def test_help_and_version(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert "Stepping Through An LSTM Cell" in out
    assert "--exact" in out
    assert "Examples:" in out
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.startswith("lstm-explained, version ")


@pytest.mark.keras
def test_keras_option_shows_keras_beside_ours(capsys, keras):
    code, out, _ = run(capsys, "--keras")
    assert code == 0
    assert "Keras (float32): h = 3211, c = 247" in out
    assert "largest difference from Keras: 0 " in out


@pytest.mark.keras
def test_keras_json(capsys, keras):
    _, out, _ = run(capsys, "--keras", "--json")
    assert json.loads(out)["keras"]["state_h"] == [3211]


def test_python_dash_m_and_console_script_in_fresh_processes():
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, "-m", "lstm_explained", "-i", "1,1"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "final state: h = 12, c = 6" in proc.stdout
    script = shutil.which("lstm-explained", path=str(Path(sys.executable).parent))
    assert script, "the lstm-explained console script is not installed beside this Python"
    proc = subprocess.run([script, "--weight", "nope"], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith("lstm-explained: error:")


def test_exact_ten_steps_prints_every_digit(capsys):
    import sys as _sys

    h = c = 0
    for _ in range(10):  # the toy network in integers: z = 1 + h, c = z c + z z, h = z c
        z = 1 + h
        c = z * c + z * z
        h = z * c
    code, out, err = run(capsys, "--exact", "-i", ",".join(["1"] * 10))
    assert code == 0, err
    printed = out.rstrip().splitlines()[-1].split("h = ")[1].split(",")[0]
    old = _sys.get_int_max_str_digits()
    try:
        _sys.set_int_max_str_digits(0)
        assert printed == str(h)
        assert len(printed) > 4300
    finally:
        _sys.set_int_max_str_digits(old)


def test_presets_bring_their_weights_inputs_and_activations(capsys):
    code, out, _ = run(capsys, "--preset", "forget-bias")
    assert code == 0
    assert out.startswith("preset forget-bias: ")
    assert "exact arithmetic" in out
    assert "final state: h = 5055, c = 337" in out  # see test_forget_bias_... above
    code, out, _ = run(capsys, "--preset", "article", "-i", "1,1")
    assert "final state: h = 12, c = 6" in out
    code, out, _ = run(capsys, "--preset", "second-example", "--digits", "4")
    # the second example's step 1, by hand: a_i = 0.5, a_f = 1.25, a_g = 0.75, a_o = -0.25;
    # c = sigmoid(0.5)*tanh(0.75) = 0.622459*0.635149 = 0.395354, h = sigmoid(-0.25)*tanh(c)
    assert "| 1 |   1 |" in out
    assert "0.3954" in out
    assert "activation=tanh, recurrent_activation=sigmoid" in out


def test_a_gru_from_the_shell(capsys):
    # The article's network as a GRU stays at 0 (z = 1 keeps h at h0 = 0).
    code, out, _ = run(capsys, "--cell", "gru", "--explain")
    assert code == 0
    assert "GRU with 1 unit(s)" in out
    assert "reset_after=True" in out
    assert "hidden state: h = z×h_prev + (1-z)×n = 1×0 + (1-1)×1 = 0" in out
    assert out.rstrip().endswith("final state: h = 0")
    # With h0 = 1: z = 1 + 1 = 2, r = 2, n = 1 + 2*(1*1 + 0) = 3; h = 2*1 + (1-2)*3 = -1
    code, out, _ = run(capsys, "--cell", "gru", "-i", "1", "--h0", "1", "--exact")
    assert out.rstrip().endswith("final state: h = -1")
    # reset before the product: n = 1 + (2*1)*1 = 3 as well with one unit and no bias
    code, out, _ = run(capsys, "--cell", "gru", "--no-reset-after", "-i", "1", "--h0", "1")
    assert "reset_after=False" in out
    assert out.rstrip().endswith("final state: h = -1")


def test_layers_and_bidirectional_from_the_shell(capsys):
    # Two stacked toy layers on 1, 1: layer 1 gives h = 1, 12 (the toy network). Layer 2
    # reads 1, 12: t1: z = 1, c = 1, h = 1; t2: z = 12 + 1 = 13, c = 13 + 169 = 182,
    # h = 13*182 = 2366.
    code, out, _ = run(capsys, "--layers", "2", "-i", "1,1", "--exact")
    assert code == 0
    assert "layer 2:" in out
    assert "  t = 2: 2366" in out
    code, out, _ = run(capsys, "--bidirectional", "-i", "1,2", "--exact")
    # by hand in tests/engine/test_layers.py: [1, 1053] at t = 1 and [36, 8] at t = 2
    assert "  t = 1: [1, 1053]" in out
    assert "  t = 2: [36, 8]" in out
    assert "layer 1, backward in time (step 1 reads the last input):" in out
    code, out, _ = run(capsys, "--bidirectional", "-i", "1,2", "--json")
    assert json.loads(out)["sequence_out"] == [[1, 1053], [36, 8]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--preset", "article", "-w", "2"], "--preset article fixes the weights"),
        (["--preset", "nope"], "'nope' is not one of 'article'"),
        (["--cell", "gru", "--forget-bias", "1"], "--forget-bias is for an LSTM"),
        (["--cell", "gru", "--c0", "1"], "--c0 is for an LSTM"),
        (["--no-reset-after"], "--reset-after and --no-reset-after are for a GRU"),
        (["--layers", "2", "--h0", "1"], "--h0 and --c0 apply to one layer"),
        (["--preset", "article", "--layers", "2"], "cannot be combined with --layers"),
        (["nope"], "No such command 'nope'"),
    ],
)
def test_bad_network_options(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert message in err


@pytest.mark.keras
def test_keras_beside_a_gru_and_a_bidirectional_stack(capsys, keras):
    # The article's network as a GRU stays at 0 in Keras too (z = 1 keeps h at 0).
    code, out, _ = run(capsys, "--cell", "gru", "--keras")
    assert code == 0
    assert "Keras (float32): h = 0" in out
    assert "state_c" not in out  # a GRU has no cell state to compare
    code, out, _ = run(capsys, "--layers", "2", "--bidirectional", "-a", "tanh", "-r", "sigmoid",
                       "-w", "0.5", "--keras")  # fmt: skip
    assert code == 0
    diff = float(out.rstrip().rsplit("largest difference ", 1)[1])
    assert diff < 1e-6


def test_the_fingerprint_presets_say_which_gate_each_number_came_from(capsys):
    from tests.networks.test_fingerprint import lstm_arrays, reference_lstm

    code, out, _ = run(capsys, "--preset", "fingerprint", "--explain")
    assert code == 0
    assert "LSTM with 2 unit(s), 2 input feature(s)" in out
    assert "recurrent_activation=hard_sigmoid[alpha=1/4, beta=1/2], exact arithmetic" in out
    # Step 1, unit 1: x = (1, 0), h_prev = (0, 0). The input gate's column of the kernel is
    # (-1, 3), of the recurrent kernel (2, 3), its bias -2 + 2 = 0: a_i = -1, i = 1/4.
    assert "input gate:   a_i = 1×(-1) + 0×3 + 0×2 + 0×3 + 0 = -1" in out
    assert "              i = hard_sigmoid[alpha=1/4, beta=1/2](-1) = 1/4" in out
    # the candidate's column: kernel (-1, 2), recurrent (1, 2), bias -1 - 2 = -3
    assert "candidate:    a_g = 1×(-1) + 0×2 + 0×1 + 0×2 + (-3) = -4" in out
    kernel, recurrent, b_ih, b_hh = lstm_arrays()
    steps, _ = reference_lstm(kernel, recurrent, [p + q for p, q in zip(b_ih, b_hh, strict=True)])
    h = ", ".join(str(v) for v in steps[-1])
    assert f"final state: h = [{h}]" in out
    code, out, _ = run(capsys, "--preset", "fingerprint-gru", "--explain")
    assert code == 0
    # step 1 by hand: a_z = (1 - 1) + 1 = 1 and (1 - 1) - 1 = -1, so z = (3/4, 1/4); a_r = 0,
    # r = 1/2; n = x·W_n + b_in_n = (1 - 2, -2 + 3) = (-1, 1); h = (1 - z)·n = (-1/4, 3/4)
    assert "| 1 | [1, 0] |" in out
    assert "hidden state: h = z×h_prev + (1-z)×n = (3/4)×0 + (1-(3/4))×(-1) = -1/4" in out
    assert "hidden state: h = z×h_prev + (1-z)×n = (1/4)×0 + (1-(1/4))×1 = 3/4" in out
    code, out, _ = run(capsys, "--preset", "fingerprint", "--json")
    assert json.loads(out)["steps"][0]["h"] == ["-3/4", "-3/16"]


def test_the_plain_cell_runs_from_the_command_line(capsys):
    # by hand, W = U = 1, b = 0.5, linear: h1 = 1 + 0.5, h2 = 1 + 1.5 + 0.5, h3 = 1 + 3 + 0.5
    code, out, _ = run(capsys, "--cell", "rnn", "-i", "1,1,1", "-w", "1", "-b", "0.5",
                       "-a", "linear")  # fmt: skip
    assert code == 0
    assert out.splitlines()[0] == (
        "RNN with 1 unit(s), 1 input feature(s): activation=linear, every weight 1, bias 0.5"
    )
    assert "final state: h = 4.5" in out
    # two layers, exact: layer 1 gives 1, 2; layer 2 reads them: 1, 2 + 1
    code, out, _ = run(capsys, "--cell", "rnn", "-i", "1,1", "-w", "1", "-a", "linear",
                       "--layers", "2", "--exact")  # fmt: skip
    assert code == 0
    assert "final state, layer 1: h = 2" in out
    assert "final state, layer 2: h = 3" in out


@pytest.mark.parametrize("option", [("--c0", "1"), ("--forget-bias", "1"), ("--no-reset-after",)])
def test_the_plain_cell_refuses_what_gated_cells_have(capsys, option):
    code, _, err = run(capsys, "--cell", "rnn", "-i", "1", *option)
    assert code == 2
    assert "the plain cell (--cell rnn) has no gates and no cell state" in err


def test_the_plain_cell_preset_names_no_recurrent_activation(capsys):
    code, out, _ = run(capsys, "--preset", "plain-cell")
    assert code == 0
    assert out.splitlines()[1] == "RNN with 1 unit(s), 1 input feature(s): activation=tanh"
