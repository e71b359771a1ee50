"""Fixtures shared by the command's tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def torch_file(torch, tmp_path_factory):
    """A state dict of a module holding a 2-layer bidirectional nn.LSTM, and the module."""
    torch.manual_seed(0)
    net = torch.nn.Module()
    net.encoder = torch.nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True)
    path = tmp_path_factory.mktemp("torch") / "model.pt"
    torch.save(net.state_dict(), path)
    return path, net.encoder
