"""The package's shape: one module per cell, no reaching into another module's private
names, and step functions short enough to read on one screen."""

from __future__ import annotations

import ast

import pytest

from tests.paths import PACKAGE

MODULES = sorted(PACKAGE.rglob("*.py"))
SCREEN = 50  # lines: a step function (docstring included) must fit on one screen


def private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def reaches_into_private_names(source: str) -> list[str]:
    """`from .x import _y`, and `x._y` where x is a module of this package."""
    tree = ast.parse(source)
    found, modules = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (
            node.level or "lstm_explained" in (node.module or "")
        ):
            found += [f"from {node.module} import {a.name}" for a in node.names if private(a.name)]
            if not node.module or node.module == "lstm_explained":
                modules |= {a.asname or a.name for a in node.names}
        if isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names if "lstm_explained" in a.name}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in modules and private(node.attr)):  # fmt: skip
            found.append(f"{node.value.id}.{node.attr}")
    return found


def test_the_check_catches_what_it_looks_for():
    assert reaches_into_private_names("from .cell import _inputs\n") == ["from cell import _inputs"]
    assert reaches_into_private_names("from . import hand\nhand._row(1)\n") == ["hand._row"]
    assert reaches_into_private_names("from ._validate import describe\n") == []


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_another_modules_private_names(module):
    assert reaches_into_private_names(module.read_text("utf8")) == []


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_each_cell_is_one_module_with_its_step_and_derivative_side_by_side(cell):
    tree = ast.parse((PACKAGE / "engine" / f"{cell}.py").read_text("utf8"))
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert {"prepare", "project", "step", "step_backward"} <= set(functions)
    for name in ("step", "step_backward"):
        node = functions[name]
        assert node.end_lineno - node.lineno + 1 <= SCREEN, f"{cell}.{name} is too long"
    imports = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not imports & {"recurrence", "backward", "keras_adapter", "torch_adapter"}, imports
