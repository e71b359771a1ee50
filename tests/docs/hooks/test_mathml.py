"""hooks/mathml.py: math becomes MathML at build time."""

from __future__ import annotations

from tests.docs.hooks.loader import load


def test_mathml_replaces_arithmatex_markup():
    mathml = load("mathml")
    html = (
        r'<p>Inline <span class="arithmatex">\(c_t = f_t\)</span>.</p>'
        r'<div class="arithmatex">\[h = o \cdot \phi(c)\]</div>'
    )
    out = mathml.on_page_content(html)
    assert "arithmatex" not in out
    assert out.count("<math") == 2
    assert 'display="block"' in out
    assert '<div class="lx-math">' in out
    assert "<mi>ϕ</mi>" in out or "<mi>&#x003D5;</mi>" in out or "ϕ" in out
