"""hooks/notebook_page.py: the notebook page without CDN loaders or unused CSS."""

from __future__ import annotations

from tests.docs.hooks.loader import fake_page, load


def test_prune_css_keeps_only_rules_for_classes_in_use():
    prune_css = load("notebook_page").prune_css
    css = (
        "/* a comment with .dots.in.it */ .a .b{color:red}.a .zz{color:blue}"
        ".a :is(.b, .c){margin:0}@media (max-width: 10px){.zz{x:1}.b{y:2}}"
        "@keyframes spin{0%{opacity:0}to{opacity:1}}.a :root{--big:url(x)}"
        ".a{--used:1;--unused:2;width:var(--used)}"
    )
    out = prune_css(css, {"a", "b"})
    assert ".a .b{color:red}" in out
    assert ".zz" not in out
    assert ".a :is(.b, .c){margin:0}" not in out  # names .c, which the page lacks
    assert "@media (max-width: 10px){.b{y:2}}" in out
    assert "@keyframes spin" in out
    assert ":root" not in out
    assert "--used:1" in out
    assert "--unused" not in out


def test_notebook_page_touches_only_notebooks():
    notebook_page = load("notebook_page")
    html = '<script src=""></script><style>.unused{color:red}</style><p class="x">hi</p>'
    assert notebook_page.on_post_page(html, page=fake_page("index.md")) == html
    slim = notebook_page.on_post_page(html, page=fake_page("notebooks/a.ipynb"))
    assert '<script src="">' not in slim
    assert ".unused" not in slim
    assert '<p class="x">hi</p>' in slim


def test_the_notebook_page_is_slim(site):
    page = site / "notebooks" / "step-through-it-yourself" / "index.html"
    assert page.stat().st_size < 150_000  # about 650 kB before the hook prunes its CSS
