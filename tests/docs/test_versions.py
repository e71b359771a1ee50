"""Versioned publishing with mike: two versions side by side, an alias and a redirect."""

from __future__ import annotations

import json
import re


def test_versions_json_lists_both_versions_and_the_alias(published):
    versions = json.loads(published.git("show", "gh-pages:versions.json"))
    assert {v["version"]: v["aliases"] for v in versions} == {"0.2": ["latest"], "0.1": []}
    assert versions[0]["version"] == "0.2"  # newest first, as the selector shows them


def test_the_root_redirects_to_latest(published):
    index = (published.root / "index.html").read_text("utf8")
    assert 'window.location.replace(\n      "latest/"' in index
    assert re.search(r'http-equiv="refresh" content="\d; url=latest/"', index)  # without JS


def test_latest_is_an_alias_of_the_newest_version(published):
    assert (published.root / "latest").is_symlink()
    assert (published.root / "latest").resolve() == (published.root / "0.2").resolve()


def test_latest_serves_the_newest_version(published):
    latest = published.root / "latest" / "index.html"
    assert "This paragraph is new in version 0.2." in latest.read_text("utf8")


def test_the_older_version_stays_intact(published):
    old = (published.root / "0.1" / "index.html").read_text("utf8")
    assert "This paragraph is new in version 0.2." not in old
    pages = sorted(
        p.relative_to(published.root / "0.1") for p in (published.root / "0.1").rglob("index.html")
    )
    new = sorted(
        p.relative_to(published.root / "0.2") for p in (published.root / "0.2").rglob("index.html")
    )
    assert pages == new
    assert len(pages) >= 11
    assert (
        published.root
        / "0.1"
        / "notebooks"
        / "step-through-it-yourself"
        / "step-through-it-yourself.ipynb"
    ).exists()


def test_pages_carry_the_outdated_banner_hook(published):
    page = (published.root / "0.1" / "step-2" / "index.html").read_text("utf8")
    assert 'data-md-component="outdated"' in page
    assert "You are reading an older version of this site." in page
