"""Which files in hooks/ are hooks: each one registered in mkdocs.yml, and no others."""

from __future__ import annotations

import ast

from mkdocs.plugins import EVENTS

from tests.docs.hooks.loader import HOOKS
from tests.docs.site import ROOT

# Folders of hooks/ that hold no hooks, and who reads them instead of MkDocs.
NOT_HOOKS = {
    "page_context": "the values pages quote, imported by page_values.py",
    "jupyter": "Jupyter's own config, read by nbconvert (see notebook_kernel.py)",
}


def test_every_hook_file_is_registered_in_mkdocs_yml():
    config = (ROOT / "mkdocs.yml").read_text("utf8")
    files = sorted(
        p.relative_to(HOOKS).as_posix()
        for p in HOOKS.rglob("*.py")
        if p.relative_to(HOOKS).parts[0] not in NOT_HOOKS
    )
    assert "page_values.py" in files, "no hooks found"
    for name in files:
        assert f"hooks/{name}" in config, f"hooks/{name} is not in mkdocs.yml"


def test_the_helper_folders_hold_no_hooks():
    # A function named after an MkDocs event in a file MkDocs never loads would never
    # run: such a file is a hook, and belongs at the top of hooks/, registered.
    events = {f"on_{event}" for event in EVENTS}
    assert "on_page_markdown" in events
    for folder in NOT_HOOKS:
        files = sorted((HOOKS / folder).rglob("*.py"))
        assert files, f"hooks/{folder}/ is gone: take it out of NOT_HOOKS"
        for path in files:
            tree = ast.parse(path.read_text("utf8"))
            defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
            assert not defined & events, f"{path.relative_to(ROOT)} defines MkDocs events"
