"""The fixtures for optional frameworks: a missing one skips its tests on a developer's
machine, with the command that installs it, and fails them under CI=true."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import optional_module


@pytest.mark.parametrize(
    ("module", "extra"), [("onnx", "onnx"), ("onnxruntime", "onnx"), ("flax.nnx", "flax")]
)
def test_a_missing_framework_skips_locally_and_fails_under_ci(monkeypatch, module, extra):
    for name in {module, module.split(".")[0]}:  # importing it now fails, even if loaded
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=rf"pip install 'lstm-explained\[{extra}\]'"):
        optional_module(module)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"CI must run this, but .* not installed"):
        optional_module(module)
