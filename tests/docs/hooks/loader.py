"""Hook files loaded as MkDocs loads them, and the helpers of hooks/page_context/."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

from tests.docs.site import ROOT

HOOKS = ROOT / "hooks"


def load(name: str) -> ModuleType:
    """A hook module loaded from its file, as MkDocs loads it (not as a package)."""
    if name in sys.modules:
        return sys.modules[name]
    return load_fresh(name)


def load_fresh(name: str) -> ModuleType:
    """The hook file run again, for a hook whose work is done when it loads."""
    spec = importlib.util.spec_from_file_location(name, HOOKS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def page_context(name: str) -> ModuleType:
    """hooks/page_context/NAME.py, imported the way the page_values hook imports it."""
    load("page_values")  # which makes hooks/page_context/ importable
    return importlib.import_module(f"page_context.{name}")


def imported_modules(module: ModuleType) -> set[str]:
    """Every module that `module`'s source imports from, by its full name."""
    assert module.__file__ is not None
    tree = ast.parse(Path(module.__file__).read_text("utf8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def fake_page(src: str) -> SimpleNamespace:
    return SimpleNamespace(file=SimpleNamespace(src_uri=src, src_path=src))
