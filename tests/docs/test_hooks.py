"""The build hook's helpers: CSS pruning for the notebook page, and the values it quotes."""

from __future__ import annotations

import sys

from tests.docs.site import ROOT

sys.path.insert(0, str(ROOT / "hooks"))
from lstm_pages import TraceView, context, prune_css


def test_prune_css_keeps_only_rules_for_classes_in_use():
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


def test_trace_views_quote_the_engine():
    ctx = context()
    # Hand-derived: the toy network's h = 1, 12, 3211 and c = 1, 6, 247.
    assert ctx["toy"].outputs() == "1, 12, 3211"
    assert ctx["toy"].c(3) == "247"
    assert ctx["toy6"].h(4, sep=True) == "35,686,309,296"
    assert ctx["toy6"].digits_of(6) == 95
    assert ctx["toy_f32"].h(4, sep=True) == "35,686,309,888"
    assert ctx["ufb"].outputs() == "1, 14, 5055"
    assert isinstance(ctx["std"], TraceView)
    assert ctx["std"].weight("forget", "bias") == "1"
    # backprop of L = h1 + h2 + h3 (hand-derived in tests/test_backward.py)
    assert ctx["toy_back"].loss() == "3224"
    assert ctx["toy_back"].value(2, "dh") == "664"
    assert ctx["toy_back"].value(3, "forget") == "78"


def test_the_notebook_page_is_slim(site):
    page = site / "notebooks" / "step-through-it-yourself" / "index.html"
    assert page.stat().st_size < 150_000  # about 650 kB before the hook prunes its CSS
