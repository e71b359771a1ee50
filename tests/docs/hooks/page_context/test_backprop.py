"""hooks/page_context/backprop.py: the backprop page's losses."""

from __future__ import annotations

from tests.docs.hooks.loader import page_context


def test_the_backprop_page_values():
    ctx = page_context("backprop").context()
    # backprop of L = h1 + h2 + h3 (hand-derived in tests/test_backward.py)
    assert ctx["toy_back"].loss() == "3224"
    assert ctx["toy_back"].value(2, "dh") == "664"
    assert ctx["toy_back"].value(3, "forget") == "78"
    # L = h3 alone: step 2's dh is only what flows back from step 3 (664 - 1)
    assert ctx["last_only_back"].loss() == "3211"
    assert ctx["last_only_back"].value(2, "dh") == "663"
