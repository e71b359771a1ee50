"""What a reader sees on a page, measured in the browser: the checks behind "it fits".

`layout_problems(page)` runs one script in the page and returns a list of
sentences, one per problem; an empty list means the page passes. It measures rendered
boxes and computed styles (getBoundingClientRect, getComputedStyle, getScreenCTM), not
pixels, so it names what is wrong and where:

- the page itself scrolls sideways;
- a figure is wider than its column, scrolls inside a box, or clips a label; a label
  renders below MIN_FONT_PX CSS pixels, or two labels overlap;
- a table is wider than its box, at a desk or on a phone (where wide tables reflow);
- a line of a hand calculation ends outside its box, so its result is cut off, or its
  box scrolls, sideways or down, hiding some of its lines;
- a long line of an Output block that should wrap runs past its block;
- a notebook's code cell is narrower than MIN_CODE_PX.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

MIN_FONT_PX = 10
MIN_CODE_PX = 250  # a notebook code cell this wide shows some 30 characters

SCRIPT = (Path(__file__).parent / "layout.js").read_text("utf8")


def layout_problems(page: Any) -> list[str]:
    """Every layout problem on the open page, at whatever size its window is."""
    limits = {"minFont": MIN_FONT_PX, "minCode": MIN_CODE_PX}
    problems: list[str] = page.evaluate(SCRIPT, limits)
    return problems


def text_sizes(page: Any) -> list[float]:
    """The rendered size in CSS px of every visible label in the page's figures."""
    sizes: list[float] = page.evaluate(
        """() => [...document.querySelectorAll('.md-content svg[role="img"] text')]
            .filter((t) => t.getBoundingClientRect().width > 0 && t.textContent.trim())
            .map((t) => {
              const m = t.getScreenCTM();
              return parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
            })"""
    )
    return sizes
