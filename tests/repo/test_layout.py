"""The tests mirror the package, both ways.

Every module of lstm_explained/ has its tests in the same folder under tests/, named
test_<module>.py with a leading underscore dropped (engine/_validate.py ->
tests/engine/test_validate.py; a top-level module -> tests/test_<module>.py);
`__init__.py` and `__main__.py` are exempt. And every test_*.py file under tests/ is
such a mirror, except in tests/docs/ (the site) and tests/repo/ (the repository), so a
reader finds a module's tests from the module and the module from its tests. Other
files beside the tests (conftest.py, shared helpers such as tests/diagnose/seeded.py)
are not test files and may be named freely.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.paths import PACKAGE, ROOT

EXEMPT = {"__init__.py", "__main__.py"}  # run or re-export; their work is tested elsewhere
OWN_FOLDERS = {"docs", "repo"}  # tests of the site and of the repository, not of a module


def modules(package: Path) -> list[Path]:
    """Every module of the package, recursively, as paths relative to it."""
    return sorted(
        p.relative_to(package)
        for p in package.rglob("*.py")
        if p.name not in EXEMPT and "__pycache__" not in p.parts
    )


def mirror(module: Path) -> Path:
    """Where a module's tests go, relative to tests/: same folder, test_<name>.py."""
    return module.parent / f"test_{module.stem.lstrip('_')}.py"


def modules_without_tests(package: Path, tests: Path) -> list[str]:
    """The modules whose mirror test file is missing, each with the file it needs."""
    return [
        f"{m} has no tests/{mirror(m)}"
        for m in modules(package)
        if not (tests / mirror(m)).is_file()
    ]


def stray_test_files(package: Path, tests: Path) -> list[str]:
    """The test files that mirror no module (outside tests/docs and tests/repo)."""
    wanted = {mirror(m) for m in modules(package)}
    found = sorted(p.relative_to(tests) for p in tests.rglob("test_*.py"))
    return [
        f"tests/{t} mirrors no module of the package"
        for t in found
        if t.parts[0] not in OWN_FOLDERS and t not in wanted
    ]


def make_tree(root: Path, files: list[str]) -> None:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")


@pytest.fixture
def made_up(tmp_path: Path) -> tuple[Path, Path]:
    """A package with a module of each kind (top level, private, nested, exempt) and
    tests that miss some and add strays."""
    package, tests = tmp_path / "pkg", tmp_path / "tests"
    make_tree(package, [
        "__init__.py", "__main__.py", "errors.py", "_version.py",
        "engine/__init__.py", "engine/cell.py", "engine/_validate.py",
        "explain/figures/__init__.py", "explain/figures/svg.py",
    ])  # fmt: skip
    make_tree(tests, [
        "conftest.py", "test_errors.py", "test_main.py",
        "engine/conftest.py", "engine/toy.py", "engine/test_cell.py", "engine/test_cells.py",
        "explain/figures/test_svg.py", "explain/test_svg.py",
        "docs/test_site.py", "repo/test_quality.py",
    ])  # fmt: skip
    return package, tests


def test_the_check_names_each_module_without_its_test_file(made_up):
    assert modules_without_tests(*made_up) == [
        "_version.py has no tests/test_version.py",
        "engine/_validate.py has no tests/engine/test_validate.py",
    ]


def test_the_check_names_each_test_file_that_mirrors_no_module(made_up):
    # __main__.py is exempt, so test_main.py mirrors nothing; a test file in the wrong
    # folder mirrors nothing either; helpers, conftest.py, docs/ and repo/ are not checked
    assert stray_test_files(*made_up) == [
        "tests/engine/test_cells.py mirrors no module of the package",
        "tests/explain/test_svg.py mirrors no module of the package",
        "tests/test_main.py mirrors no module of the package",
    ]


def test_a_complete_mirror_passes_both_checks(made_up):
    package, tests = made_up
    make_tree(tests, ["test_version.py", "engine/test_validate.py"])
    for stray in ("test_main.py", "engine/test_cells.py", "explain/test_svg.py"):
        (tests / stray).unlink()
    assert modules_without_tests(package, tests) == []
    assert stray_test_files(package, tests) == []


def test_every_module_has_its_test_file():
    missing = modules_without_tests(PACKAGE, ROOT / "tests")
    assert not missing, "\n".join(missing)


def test_every_test_file_mirrors_a_module():
    strays = stray_test_files(PACKAGE, ROOT / "tests")
    assert not strays, "\n".join(strays)
