"""An LSTM's variants lost on one side, each seeded by hand and named by diff_layers:
peepholes, the clip, coupled gates, the projection (also folded into the recurrent
kernel), and two lost at once; and an ONNX peephole model read by `diff` from files."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_explained import LSTMWeights, forward, to_onnx
from lstm_explained.diagnose.diff import diff_layers
from lstm_explained.saved.layer import SavedLayer
from tests.command_line import run
from tests.diagnose.seeded import only

RNG = np.random.default_rng(21)
PLAIN = LSTMWeights(RNG.normal(0, 0.8, (3, 12)), RNG.normal(0, 0.8, (3, 12)),
                    RNG.normal(0, 0.8, 12))  # fmt: skip
PEEPHOLES = RNG.normal(0, 0.8, (3, 3))


def layer(name, weights):
    return SavedLayer(name, "onnx", weights, "tanh", "sigmoid")


def with_variants(**changes):
    return PLAIN.replace(**changes)


@pytest.mark.parametrize("lacking", ["A", "B"])
def test_dropped_peepholes_are_named_with_the_side_that_lacks_them(lacking):
    full, plain = layer("full", with_variants(peephole=PEEPHOLES)), layer("plain", PLAIN)
    a, b = (full, plain) if lacking == "B" else (plain, full)
    finding = only(diff_layers(a, b), "peepholes-dropped")
    assert finding.detail["lacking"] == lacking
    assert finding.summary.startswith(f"{lacking} has no peepholes")


def test_a_dropped_clip_is_named_with_its_bound():
    a = layer("A", with_variants(clip=0.5))
    finding = only(diff_layers(a, layer("B", PLAIN)), "clip-dropped")
    assert "clips every gate's pre-activation to [-0.5, 0.5]" in finding.summary
    assert dict(finding.detail) == {"lacking": "B", "a": 0.5, "b": None}


def test_dropped_coupled_gates_are_named():
    a = layer("A", with_variants(input_forget=True))
    finding = only(diff_layers(a, layer("B", PLAIN)), "input-forget-dropped")
    assert "f = 1 - i" in finding.summary


def test_peepholes_and_clip_dropped_together_are_both_named():
    a = layer("A", with_variants(peephole=PEEPHOLES, clip=0.6))
    diff = diff_layers(a, layer("B", PLAIN))
    assert sorted(diff.causes) == ["clip-dropped", "peepholes-dropped"], diff.report()


def test_identical_variants_agree():
    a = layer("A", with_variants(peephole=PEEPHOLES, clip=0.6, input_forget=True))
    assert diff_layers(a, layer("B", a.weights)).agree


def projected(units=4, proj=2):
    rng = np.random.default_rng(3)
    return LSTMWeights(rng.normal(0, 0.7, (3, 4 * units)), rng.normal(0, 0.7, (proj, 4 * units)),
                       rng.normal(0, 0.7, 4 * units),
                       projection=rng.normal(0, 0.7, (units, proj)))  # fmt: skip


def test_a_dropped_projection_is_named_and_a_folded_one_recognised():
    a = projected()
    # B as a converter without proj_size might write it: the projection folded into the
    # recurrent kernel (h_prev @ R = m_prev @ (W_hr.T @ R)), h left unprojected
    folded = LSTMWeights(a.kernel, a.projection @ a.recurrent_kernel, a.bias)
    diff = diff_layers(layer("A", a), layer("B", folded))
    finding = only(diff, "projection-dropped")
    assert dict(finding.detail) == {"lacking": "B", "proj_size": 2, "units": 4}
    assert "the projection folded in" in finding.evidence[0]
    assert "A's output has 2 values per step, B's 4" in diff.report()
    # and the folded B computes A's h before the projection: checked by hand here
    x = np.random.default_rng(0).normal(size=(1, 5, 3))
    ours_a, ours_b = forward(x, a), forward(x, folded)
    np.testing.assert_allclose(ours_b.sequence_out @ a.projection, ours_a.sequence_out, atol=1e-12)


def test_a_projection_dropped_without_folding_has_no_folding_evidence():
    a = projected()
    unfolded = LSTMWeights(a.kernel, np.ones((4, 16)), a.bias)
    finding = only(diff_layers(layer("B", unfolded), layer("A", a)), "projection-dropped")
    assert finding.detail["lacking"] == "A"
    assert finding.evidence == ()


def test_diff_reads_two_onnx_files_and_names_dropped_peepholes(capsys, onnx, tmp_path):
    (tmp_path / "a.onnx").write_bytes(to_onnx(with_variants(peephole=PEEPHOLES))
                                      .SerializeToString())  # fmt: skip
    (tmp_path / "b.onnx").write_bytes(to_onnx(PLAIN).SerializeToString())
    code, out, err = run(capsys, "diff", tmp_path / "a.onnx", tmp_path / "b.onnx")
    assert code == 1, err
    assert "peepholes-dropped: B has no peepholes" in out


def test_diff_reads_two_state_dicts_and_names_a_folded_projection(capsys, torch, tmp_path):
    torch.manual_seed(0)
    a = torch.nn.LSTM(3, 5, proj_size=2, batch_first=True)
    b = torch.nn.LSTM(3, 5, batch_first=True)  # a converter without proj_size: folded in
    with torch.no_grad():
        for name in ("weight_ih_l0", "bias_ih_l0", "bias_hh_l0"):
            getattr(b, name).copy_(getattr(a, name))
        b.weight_hh_l0.copy_(a.weight_hh_l0 @ a.weight_hr_l0)  # (20, 2) @ (2, 5)
    torch.save(a.state_dict(), tmp_path / "a.pt")
    torch.save(b.state_dict(), tmp_path / "b.pt")
    code, out, err = run(capsys, "diff", tmp_path / "a.pt", tmp_path / "b.pt")
    assert code == 1, err
    assert "projection-dropped: B has no projection: its h has 5 values" in out
    assert "with the projection folded in" in out
