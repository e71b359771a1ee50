"""Every line of working a built page shows, found in its HTML as a reader sees it.

A page holds working in four places: hand calculations and Output blocks (lines of
`<pre>`), figures (the `<text>` lines of each SVG, σ and φ named by its legend), math
(MathML, whose `·` is a product) and prose. `page_working(html)` gives each place's
text in blocks of lines, for tests/docs/arithmetic.py to redo; it does not know which
lines are working, so a line the checker cannot read is reported, not passed over.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from tests.docs.arithmetic import Verdict, verdicts

SVG = re.compile(r"<svg\b.*?</svg>", re.S)
MATH = re.compile(r"<math\b.*?</math>", re.S)
PRE = re.compile(r"<pre\b.*?</pre>", re.S)
HIDDEN = re.compile(r"<(script|style|template)\b.*?</\1>", re.S)
LEGEND = re.compile(r"([σφ]) = ([a-z_]+(?:\[[^\]]*\])?)")


def text_of(fragment: str) -> str:
    """A fragment's text, each line of a hand calculation on a line of its own."""
    fragment = re.sub(r'</span>(?=<span class="lx-line">)', "\n", fragment)
    fragment = re.sub(r"<br\s*/?>", "\n", fragment)
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def svg_lines(svg: str) -> tuple[list[str], dict[str, str]]:
    """A figure's text lines in document order, and what its σ and φ are."""
    texts = [text_of(t) for t in re.findall(r"<text\b[^>]*>(.*?)</text>", svg, re.S)]
    functions = {symbol: name for t in texts for symbol, name in LEGEND.findall(t)}
    return texts, functions


def svg_description(svg: str) -> list[str]:
    """A figure's description for screen readers, clause by clause."""
    found = re.search(r"<desc\b[^>]*>(.*?)</desc>", svg, re.S)
    return clauses(text_of(found[1])) if found else []


def clauses(text: str) -> list[str]:
    """Running text cut where a line of working would end: at ", ", "; ", " and ", and a
    full stop before a capital."""
    return [c.strip().rstrip(".") for c in re.split(r"[;,] | and |\. (?=[A-Z])", text)]


def prose_lines(page: str) -> list[str]:
    """The rest of the page's text, clause by clause of each paragraph, list item or
    table cell."""
    page = re.sub(r"</(p|li|td|th|h\d|div|figcaption|caption|dd|dt)>", "\n", page)
    return [c for line in text_of(page).splitlines() for c in clauses(line)]


@dataclass
class PageWorking:
    """A page's lines of working by where they are, with each one's verdict."""

    verdicts: dict[str, list[Verdict]] = field(default_factory=dict)

    def add(self, where: str, found: list[Verdict]) -> None:
        self.verdicts.setdefault(where, []).extend(found)

    def count(self, where: str | None = None) -> int:
        return sum(len(v) for k, v in self.verdicts.items() if where in (None, k))

    def failing(self) -> list[str]:
        return [
            f"{where}: {v.line}  [{v.why}]"
            for where, found in self.verdicts.items()
            for v in found
            if not v.adds_up
        ]


def page_working(page: str) -> PageWorking:
    """Every line of working on a built page, redone: figures, math, `<pre>` blocks
    (hand calculations, Output blocks, a notebook's outputs) and prose."""
    working = PageWorking()
    page = HIDDEN.sub("", page)
    for svg in SVG.findall(page):
        texts, functions = svg_lines(svg)
        working.add("figure", verdicts("\n".join(texts), functions=functions))
        described = svg_description(svg)
        working.add("prose", verdicts(*described, functions=functions, symbols_allowed=True))
    page = SVG.sub("", page)
    for math in MATH.findall(page):  # "x_1 W + h_0 U + b = 2" is an equation: not working
        working.add("math", verdicts(text_of(math).replace("\n", ""), symbols_allowed=True))
    page = MATH.sub(" ", page)
    for pre in PRE.findall(page):
        where = "hand" if 'class="lx-hand"' in pre else "pre"
        working.add(where, verdicts(text_of(pre)))
    page = PRE.sub("", page)
    working.add("prose", verdicts(*prose_lines(page), symbols_allowed=True))
    return working
