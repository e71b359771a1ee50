"""The optional extras: one rule in tests/extras.py, in step with pyproject and the Makefile."""

from __future__ import annotations

import re
import tomllib

import pytest

from tests.extras import EXTRAS, extra_module, install_command, missing_module_in
from tests.paths import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
OPTIONAL = PYPROJECT["project"]["optional-dependencies"]
TOOLS = {"docs", "dev"}  # extras for working on the project, not frameworks to compare with


def requirement_names(extra: str) -> set[str]:
    return {re.match(r"[A-Za-z0-9_.-]+", r)[0].lower() for r in OPTIONAL[extra]}  # type: ignore[index]


def test_every_framework_extra_has_its_modules_in_the_rule():
    frameworks = set(OPTIONAL) - TOOLS
    assert frameworks == {"keras", "keras2", "torch", "jax", "onnx", "flax"}
    assert {extra for _, extra in EXTRAS.values()} == frameworks
    for extra in frameworks:
        # Module names are distribution names here, but for TensorFlow's -cpu build and
        # tf-keras (module tf_keras).
        modules = {name.removesuffix("-cpu").replace("-", "_") for name in requirement_names(extra)}
        covered = {module for module, (_, e) in EXTRAS.items() if e == extra}
        assert modules <= covered, (extra, modules - covered)


def makefile() -> str:
    return (ROOT / "Makefile").read_text()


def makefile_extras(name: str) -> set[str]:
    m = re.search(rf"^{name} := (.+)$", makefile(), re.M)
    assert m, name
    return set(m[1].split(","))


def test_make_test_installs_every_extra_and_make_serve_only_the_sites():
    # keras2 is installed on its own, without its dependency (the full tensorflow
    # distribution, which would be written over tensorflow-cpu)
    assert makefile_extras("TEST_EXTRAS") == set(OPTIONAL) - {"keras2"}
    assert requirement_names("keras2") == {"tf-keras"}
    assert "$(PIP) --no-deps tf-keras\n" in makefile()
    assert makefile_extras("SERVE_EXTRAS") == {"keras", "docs"}
    # The site's tools bring no framework beyond Keras, and no test tools.
    heavy = {"torch", "jax", "jaxlib", "onnx", "onnxruntime", "flax", "pytest", "playwright"}
    assert not (requirement_names("docs") | requirement_names("keras")) & heavy


def test_the_rule_names_the_extra_of_a_missing_module():
    assert extra_module("jax.numpy") == "jax"
    assert extra_module("onnxscript") == "onnxscript"
    assert extra_module("numpyy") is None  # a typo is not a missing extra
    assert extra_module(None) is None
    assert install_command("flax") == "pip install 'lstm-explained[flax]'"


def test_a_fresh_process_traceback_is_read_by_its_last_line():
    tb = (
        "Traceback (most recent call last):\n"
        '  File "<string>", line 9, in <module>\n'
        "ModuleNotFoundError: No module named 'jax'\n"
    )
    assert missing_module_in(tb) == "jax"
    assert missing_module_in(tb + "ValueError: later\n") is None
    assert missing_module_in("ModuleNotFoundError: No module named 'numpyy'\n") is None


@pytest.mark.parametrize("fixture", ["keras", "tf_keras", "torch", "onnx", "onnxruntime", "flax"])
def test_each_extra_has_a_fixture_that_imports_it(fixture, request):
    module = request.getfixturevalue(fixture)
    assert module.__name__ == fixture


def test_make_check_leaves_out_every_test_marked_for_a_framework():
    # `make check` stays quick by deselecting what needs Keras, PyTorch, JAX, ONNX or
    # Flax: every marker pyproject.toml declares is one of those, and each is left out.
    declared = {m.split(":")[0] for m in PYPROJECT["tool"]["pytest"]["ini_options"]["markers"]}
    check = re.search(r"^CHECK_TESTS := .* -m \"not \(([^)]*)\)\"$", makefile(), re.M)
    assert check, 'CHECK_TESTS in the Makefile no longer ends with -m "not (...)"'
    assert set(check[1].split(" or ")) == declared


def test_the_tf_keras_install_line_pins_what_the_keras2_extra_pins():
    # README, the trace page and the error a missing tf-keras raises all tell a user to
    # install it with --no-deps; each names the same versions as the keras2 extra.
    (pin,) = OPTIONAL["keras2"]
    line = f'pip install --no-deps "{pin}"'
    assert line in (ROOT / "README.md").read_text()
    assert line in (ROOT / "docs" / "trace-your-model.md").read_text()
    source = (ROOT / "lstm_explained" / "saved" / "keras_live.py").read_text()
    assert f"'{pin}'" in source
    assert "lstm-explained[keras2]" not in (ROOT / "README.md").read_text()
