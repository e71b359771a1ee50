"""frameworks.optional: a missing framework is named with the command that installs it.

Each case hides the framework (`sys.modules[name] = None` makes importing it fail, even
when it is installed and loaded) and calls a public function that needs it; the expected
message is written out here, with the extra pyproject.toml lists for that framework.
"""

from __future__ import annotations

import ast
import json
import sys
import tomllib

import numpy as np
import pytest

from lstm_explained import LSTMWeights, from_flax, from_onnx, from_torch, to_onnx
from lstm_explained.frameworks.keras_adapter import keras_forward
from lstm_explained.frameworks.optional import install_command, require
from tests.command_line import run
from tests.paths import PACKAGE, ROOT


def hide(monkeypatch, *names: str) -> None:
    for name in names:
        monkeypatch.setitem(sys.modules, name, None)


def test_require_returns_the_module_it_imports():
    assert require("json", "unused") is json


def test_a_missing_module_is_named_with_its_extras_install_command(monkeypatch):
    hide(monkeypatch, "no_such_framework")
    message = (
        "this needs No Such Framework, which is not installed; install it with "
        "pip install 'lstm-explained[nsf]'"
    )
    with pytest.raises(ModuleNotFoundError) as caught:
        require("no_such_framework", "nsf", "No Such Framework")
    assert str(caught.value) == message
    assert isinstance(caught.value.__cause__, ModuleNotFoundError)  # the import's own error
    with pytest.raises(ModuleNotFoundError, match=r"^this needs no_such_framework, which"):
        require("no_such_framework", "nsf")  # named by its module when not said otherwise


def test_a_module_missing_beneath_the_one_required_gives_the_same_message(monkeypatch, tmp_path):
    # Keras installed without TensorFlow: the framework is there, what it imports is not.
    (tmp_path / "half_installed").mkdir()
    (tmp_path / "half_installed" / "__init__.py").write_text("import no_such_backend\n")
    monkeypatch.syspath_prepend(tmp_path)
    hide(monkeypatch, "no_such_backend")
    with pytest.raises(ModuleNotFoundError, match=r"^this needs Half, .*'lstm-explained\[x\]'$"):
        require("half_installed", "x", "Half")


@pytest.mark.parametrize(
    ("hidden", "call", "message"),
    [
        (("keras",), lambda: keras_forward([1.0], LSTMWeights.constant(1.0)),
         "this needs Keras, which is not installed; install it with "
         "pip install 'lstm-explained[keras]'"),
        (("torch",), lambda: from_torch(object()),
         "this needs PyTorch, which is not installed; install it with "
         "pip install 'lstm-explained[torch]'"),
        (("onnx",), lambda: to_onnx(LSTMWeights.constant(1.0)),
         "this needs the onnx package, which is not installed; install it with "
         "pip install 'lstm-explained[onnx]'"),
        (("onnx",), lambda: from_onnx("model.onnx"),
         "this needs the onnx package, which is not installed; install it with "
         "pip install 'lstm-explained[onnx]'"),
        (("flax", "flax.nnx"), lambda: from_flax(object()),
         "this needs Flax, which is not installed; install it with "
         "pip install 'lstm-explained[flax]'"),
    ],
    ids=["keras", "torch", "onnx-writer", "onnx-reader", "flax"],
)  # fmt: skip
def test_each_adapter_names_its_missing_framework(monkeypatch, hidden, call, message):
    hide(monkeypatch, *hidden)
    with pytest.raises(ModuleNotFoundError) as caught:
        call()
    assert str(caught.value) == message


def test_tracing_an_onnx_file_without_onnxruntime_says_it_is_not_checked_and_how_to_be(
    onnx, capsys, monkeypatch, tmp_path
):
    path = tmp_path / "m.onnx"
    path.write_bytes(to_onnx(LSTMWeights.constant(0.5)).SerializeToString())
    np.save(tmp_path / "x.npy", np.ones((1, 3, 1), dtype=np.float32))
    hide(monkeypatch, "onnxruntime")
    code, out, err = run(capsys, "trace", path, "-i", tmp_path / "x.npy")
    assert code == 3, out + err  # traced, but not checked against the framework
    assert err == (
        "lstm-explained: not checked: this needs onnxruntime, which is not installed; "
        "install it with pip install 'lstm-explained[onnx]'\n"
    )


def required_extras() -> set[str]:
    """The extra of every `require(module, extra, ...)` call in the package."""
    extras = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "require"):  # fmt: skip
                extras.add(ast.literal_eval(node.args[1]))
    return extras


def test_every_extra_named_is_one_pyproject_defines():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf8"))
    defined = set(pyproject["project"]["optional-dependencies"])
    assert required_extras() == {"keras", "torch", "onnx", "flax"}
    assert required_extras() <= defined
    assert install_command("onnx") == "pip install 'lstm-explained[onnx]'"
