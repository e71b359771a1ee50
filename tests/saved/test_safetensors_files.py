"""safetensors state dicts: files written by the safetensors package itself, and files
laid out by hand from the bytes PyTorch holds, each read into the layers `torch.save`'s
file of the same state dict gives and traced to the module's own output (F16 and BF16
weights widened as PyTorch widens them); read without PyTorch; and every malformed
header refused in one line with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from lstm_explained.saved.files import load_model
from tests.command_line import one_line_error, refused_in_a_fresh_process, run
from tests.saved.runs import X, agree, engine


def module_state(torch, dtype=None):
    """A model with an nn.LSTM (two layers, both directions) and a decoder's nn.GRUCell."""
    torch.manual_seed(5)
    net = torch.nn.Module()
    net.rnn = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    net.decoder = torch.nn.Module()
    net.decoder.cell = torch.nn.GRUCell(3, 2)
    return net if dtype is None else net.to(dtype)


def outputs(torch, net):
    """What the modules compute on X: the LSTM's output, and the cell's in a loop."""
    x = torch.from_numpy(X).float()
    with torch.no_grad():
        rnn = net.rnn.float()(x)[0].numpy()
        cell, h = net.decoder.cell.float(), None
        steps = [h := cell(x[:, t], h) for t in range(x.shape[1])]
    return rnn, torch.stack(steps, dim=1).numpy()


def by_hand(torch, state, metadata=None):
    """The state dict in safetensors' documented layout, the bytes PyTorch holds for each
    tensor written as they are (in reverse order of names, to show order is free)."""
    names = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16",
             torch.bfloat16: "BF16"}  # fmt: skip
    header, blobs, at = ({"__metadata__": metadata} if metadata else {}), [], 0
    for name, tensor in sorted(state.items(), reverse=True):
        raw = tensor.detach().contiguous().flatten().view(torch.uint8).numpy().tobytes()
        header[name] = {"dtype": names[tensor.dtype], "shape": list(tensor.shape),
                        "data_offsets": [at, at + len(raw)]}  # fmt: skip
        blobs.append(raw)
        at += len(raw)
    return layout(json.dumps(header).encode(), b"".join(blobs))


def layout(header: bytes, data: bytes) -> bytes:
    return len(header).to_bytes(8, "little") + header + data


def same_layers(a, b):
    """Two reads of one state dict give the same layers, weight for weight (modules in
    the order each file keeps them: safetensors sorts its tensors by name)."""
    assert sorted(layer.name for layer in a.layers) == sorted(layer.name for layer in b.layers)
    for x in a.layers:
        y = b.layer(x.name)
        sides = [(x.weights, y.weights)]
        if x.direction == "bidirectional":
            sides = [(x.weights.forward, y.weights.forward), (x.weights.backward,
                                                             y.weights.backward)]  # fmt: skip
        for one, other in sides:
            for name in ("kernel", "recurrent_kernel", "bias"):
                assert np.array_equal(getattr(one, name), getattr(other, name)), name
        assert (x.dtype, x.settings) == (y.dtype, y.settings)


# ---- files the safetensors package writes ---------------------------------------------


@pytest.mark.torch
def test_a_file_safetensors_torch_writes_reproduces_the_modules(torch, safetensors, tmp_path):
    import safetensors.torch

    net = module_state(torch)
    safetensors.torch.save_file(net.state_dict(), tmp_path / "m.safetensors",
                                metadata={"format": "pt"})  # fmt: skip
    torch.save(net.state_dict(), tmp_path / "m.pt")
    same_layers(load_model(tmp_path / "m.safetensors"), load_model(tmp_path / "m.pt"))
    rnn, cell = outputs(torch, net)
    agree(engine(tmp_path / "m.safetensors", "rnn, layer 1")[2], rnn)
    agree(engine(tmp_path / "m.safetensors", "decoder.cell")[2], cell)


@pytest.mark.torch
@pytest.mark.parametrize("half", ["bfloat16", "float16"])
def test_half_precision_files_are_widened_as_pytorch_widens(capsys, torch, safetensors, tmp_path,
                                                            half):  # fmt: skip
    import safetensors.torch

    net = module_state(torch, getattr(torch, half))
    safetensors.torch.save_file(net.state_dict(), tmp_path / "m.safetensors")
    layer = load_model(tmp_path / "m.safetensors").layer("rnn, layer 0")
    assert layer.dtype == half
    lstm = layer.weights.forward
    expected = net.rnn.weight_ih_l0.detach().float().numpy().T  # PyTorch's own widening
    assert np.array_equal(lstm.kernel, expected)
    code, out, err = run(capsys, "trace", tmp_path / "m.safetensors", "--layer", "rnn, layer 1",
                         "-i", json.dumps(X.tolist()), "--json")  # fmt: skip
    assert code == 0, err
    agree(np.asarray(json.loads(out)["outputs"]["output"]), outputs(torch, net)[0])


@pytest.mark.torch  # the safetensors package comes with the torch extra
def test_a_file_safetensors_numpy_writes(safetensors, tmp_path):
    import safetensors.numpy

    rng = np.random.default_rng(2)
    state = {"cell.weight_ih": rng.normal(size=(8, 3)), "cell.weight_hh": rng.normal(size=(8, 2)),
             "cell.bias_ih": rng.normal(size=8), "cell.bias_hh": rng.normal(size=8)}  # fmt: skip
    safetensors.numpy.save_file({k: v.astype(np.float16) for k, v in state.items()},
                                str(tmp_path / "cell.safetensors"))  # fmt: skip
    (layer,) = load_model(tmp_path / "cell.safetensors").layers
    assert (layer.name, layer.kind, layer.dtype) == ("cell", "LSTM", "float16")
    wide = {k: v.astype(np.float16).astype(np.float64) for k, v in state.items()}
    assert np.array_equal(layer.weights.kernel, wide["cell.weight_ih"].T)  # i, f, g, o: same
    assert np.array_equal(layer.weights.bias, wide["cell.bias_ih"] + wide["cell.bias_hh"])


# ---- files laid out by hand from PyTorch's bytes ---------------------------------------


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16", "float16"])
def test_the_documented_layout_reads_as_torch_save_does(torch, tmp_path, dtype):
    net = module_state(torch, getattr(torch, dtype))
    (tmp_path / "m.safetensors").write_bytes(by_hand(torch, net.state_dict(), {"format": "pt"}))
    torch.save(net.state_dict(), tmp_path / "m.pt")
    same_layers(load_model(tmp_path / "m.safetensors"), load_model(tmp_path / "m.pt"))
    rnn, cell = outputs(torch, net)
    agree(engine(tmp_path / "m.safetensors", "rnn, layer 1")[2], rnn)
    agree(engine(tmp_path / "m.safetensors", "decoder.cell")[2], cell)


@pytest.mark.torch
def test_the_format_is_told_by_the_header_whatever_the_name(capsys, torch, tmp_path):
    (tmp_path / "model.bin").write_bytes(by_hand(torch, module_state(torch).state_dict()))
    code, out, _ = run(capsys, "trace", tmp_path / "model.bin", "--list")
    assert code == 0
    assert "3. decoder.cell: GRU, input size 3, 2 units" in out


@pytest.mark.torch
def test_listing_a_safetensors_file_needs_no_pytorch(torch, tmp_path):
    (tmp_path / "m.safetensors").write_bytes(by_hand(torch, module_state(torch).state_dict()))
    path = str(tmp_path / "m.safetensors")
    code = ("import sys; sys.modules['torch'] = None  # import torch fails\n"
            "from lstm_explained.cli.main import main\n"
            f"sys.exit(main(['trace', {path!r}, '--list']))")  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "2. rnn, layer 1: LSTM" in proc.stdout


# ---- malformed headers -----------------------------------------------------------------

W = np.arange(16, dtype="<f4").tobytes()  # 64 bytes: one (16,) float32 tensor


def entry(begin=0, end=64, dtype="F32", shape=(16,)):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": [begin, end]}


def header(**tensors):
    return json.dumps({f"rnn.{k}": v for k, v in tensors.items()}).encode()


MALFORMED = {
    "header length past the file": (
        (1000).to_bytes(8, "little") + b'{"a": 1}',
        "its safetensors header length (1000 bytes) runs past the end of the file (16 bytes)"),
    "header not JSON": (layout(b"{not json", W), "its safetensors header is not JSON"),
    "header not an object": (layout(b"[1, 2]", W), "header is a JSON list, not an object"),
    "header not UTF-8": (layout(b'{"\xff": 1}', W), "its safetensors header is not JSON"),
    "a key twice": (layout(b'{"a": {}, "a": {}}', W), "the key 'a' appears twice"),
    "a tensor not an object": (layout(header(bias_ih_l0=[0, 64]), W),
                               "gives tensor 'rnn.bias_ih_l0' as [0, 64], not as"),
    "metadata not strings": (layout(b'{"__metadata__": {"a": 1}}', b""),
                             "header's __metadata__ is not an object of strings"),
    "an unknown dtype": (layout(header(bias_ih_l0=entry(dtype="F128")), W),
                         "the dtype \"F128\", which is not one the format defines"),
    "a negative offset": (layout(header(bias_ih_l0=entry(begin=-1)), W),
                          "they must be lists of whole numbers"),
    "offsets past the end": (layout(header(bias_ih_l0=entry(end=640)), W),
                             "'rnn.bias_ih_l0' has data_offsets [0, 640], which run past the end "
                             "of the data (64 bytes)"),
    "a range out of order": (layout(header(bias_ih_l0=entry(0, 32, shape=(8,)),
                                           bias_hh_l0=entry(64, 32, shape=(8,))), W),
                             "'rnn.bias_hh_l0' has data_offsets [64, 32], which end before "
                             "they begin"),
    "overlapping ranges": (layout(header(bias_ih_l0=entry(0, 64),
                                         bias_hh_l0=entry(32, 64, shape=(8,))), W),
                           "data_offsets [32, 64], which overlap the tensor before it (it "
                           "ends at 64)"),
    "a gap": (layout(header(bias_ih_l0=entry(0, 32, shape=(8,)),
                            bias_hh_l0=entry(48, 64, shape=(4,))), W),
              "data_offsets [48, 64], which leave a gap after the one before (it ends at 32)"),
    "a shape that does not fill its bytes": (
        layout(header(bias_ih_l0=entry(shape=(4, 3))), W),
        "data_offsets [0, 64], 64 bytes, but its shape [4, 3] in F32 needs 48"),
    "bytes no tensor covers": (layout(header(bias_ih_l0=entry()), W + bytes(8)),
                               "its safetensors data holds 8 bytes after the last tensor"),
    "a recurrent weight stored as integers": (
        layout(header(weight_ih_l0=entry(dtype="I32", shape=(4, 4)),
                      weight_hh_l0=entry(64, 128, dtype="I32", shape=(4, 4))), W + W),
        "rnn is a set of tensors named as a recurrent module's that make none "
        "(weight_ih_l0 is stored as int32"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_file_is_refused_in_one_line(capsys, tmp_path, case):
    data, message = MALFORMED[case]
    (tmp_path / "m.safetensors").write_bytes(data)
    assert message in one_line_error(capsys, "trace", tmp_path / "m.safetensors")


def test_offsets_past_the_end_are_refused_by_the_command_itself(tmp_path):
    path = tmp_path / "evil.safetensors"
    path.write_bytes(layout(header(weight_ih_l0=entry(0, 10**12, shape=(250_000_000_000,))), W))
    err = refused_in_a_fresh_process(path, tmp_path / "ran")
    assert err.startswith(f"lstm-explained: error: refused {path}: in its safetensors header, ")
    assert "which run past the end of the data (64 bytes)" in err
