"""hooks/material_fixes.py: an accessible search dialog; the version selector under mike."""

from __future__ import annotations

from types import SimpleNamespace

from tests.docs.hooks.loader import fake_page, load


def test_material_fixes_name_the_search_dialog():
    fixes = load("material_fixes")
    html = '<div class="md-search" data-md-component="search" role="dialog"><input></div>'
    out = fixes.on_post_page(html, page=fake_page("index.md"))
    assert 'role="dialog" aria-label="Search">' in out


def test_the_built_search_dialog_has_its_name(site):
    assert 'role="dialog" aria-label="Search"' in (site / "index.html").read_text("utf8")


def test_the_version_selector_is_on_only_under_mike(monkeypatch):
    fixes = load("material_fixes")

    def config() -> SimpleNamespace:
        return SimpleNamespace(extra={"version": {"provider": "mike", "default": "latest"}})

    monkeypatch.delenv("MIKE_DOCS_VERSION", raising=False)
    assert "version" not in fixes.on_config(config()).extra  # make serve: no versions.json
    monkeypatch.setenv("MIKE_DOCS_VERSION", "0.2")  # what mike sets while it builds
    assert fixes.on_config(config()).extra["version"]["provider"] == "mike"
