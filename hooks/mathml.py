"""MkDocs hook: math becomes MathML at build time.

Math written as `$...$` or `$$...$$` reaches here as pymdownx.arithmatex's generic
markup (LaTeX inside spans and divs); it leaves as MathML, which browsers lay out
natively, so no page loads math JavaScript or fetches anything from the network.
"""

from __future__ import annotations

import html
import re
from typing import Any

from latex2mathml.converter import convert as latex_to_mathml

_INLINE = re.compile(r'<span class="arithmatex">\\\((.+?)\\\)</span>', re.S)
_BLOCK = re.compile(r'<div class="arithmatex">\\\[(.+?)\\\]</div>', re.S)


def _mathml(latex: str, display: str) -> str:
    return latex_to_mathml(html.unescape(latex).strip(), display=display)


def on_page_content(html_text: str, **_: Any) -> str:
    """Turn arithmatex's LaTeX into MathML, which browsers render natively."""
    html_text = _BLOCK.sub(
        lambda m: f'<div class="lx-math">{_mathml(m[1], "block")}</div>', html_text
    )
    return _INLINE.sub(lambda m: _mathml(m[1], "inline"), html_text)
