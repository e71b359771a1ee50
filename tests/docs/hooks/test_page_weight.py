"""hooks/page_weight.py: what the search index leaves out, and the stylesheet only the
API needs."""

from __future__ import annotations

import gzip
import json

from tests.docs.hooks.loader import load

page_weight = load("page_weight")

MARK = " data-search-exclude"


def test_figures_hand_calculations_outputs_and_signatures_are_marked():
    content = (
        '<p>A figure:</p><svg xmlns="http://www.w3.org/2000/svg" role="img">'
        "<text>c = 6</text></svg>"
        '<template id="t"><svg><text>h</text></svg></template>'
        '<pre class="lx-hand" aria-label="Hand calculation"><span class="lx-line">z</span></pre>'
        '<div class="language-python highlight"><pre><span></span><code>print(1)</code></pre></div>'
        '<div class="language-text highlight"><span class="filename">Output</span><pre>'
        "<code>1</code></pre></div>"
        '<div class="doc-signature highlight"><pre><code>forward(inputs)</code></pre></div>'
        '<div class="jp-Cell jp-CodeCell jp-Notebook-cell">x</div>'
    )
    out = page_weight.exclude_from_search(content)
    assert out.count(MARK) == 7  # two SVGs, the template, hand, output, signature, cell
    assert '<div class="language-python highlight"><pre>' in out  # a snippet's code stays
    assert "<p>A figure:</p>" in out
    assert page_weight.exclude_from_search(out) == out  # marked once


def test_tables_of_numbers_only_are_marked():
    numbers = (
        "<table><tr><th>t</th><th>h</th></tr><tr><td>1</td><td>[-0.75, 3/16]</td></tr></table>"
    )
    words = "<table><tr><th>gate</th></tr><tr><td>forget</td></tr></table>"
    assert page_weight.exclude_from_search(numbers).startswith(f"<table{MARK}>")
    assert page_weight.exclude_from_search(words) == words
    assert page_weight.only_numbers("<tr><td>3*</td><td>&minus;1e-05</td></tr>")
    assert not page_weight.only_numbers("<tr><th>only a header</th></tr>")


def test_mkdocstrings_stylesheet_only_where_the_api_is():
    link = '<link rel="stylesheet" href="../assets/_mkdocstrings.css">\n'
    page = f"<head>{link}</head><body><p>prose</p></body>"
    api = f'<head>{link}</head><body><div class="doc doc-object doc-function"></div></body>'
    assert page_weight.on_post_page(page) == "<head></head><body><p>prose</p></body>"
    assert page_weight.on_post_page(api) == api


def test_the_built_index_is_smaller_and_keeps_every_page(site):
    raw = (site / "search" / "search_index.json").read_bytes()
    # 69 KiB gzipped before the hook; 51 KiB after it, leaving room for new pages' prose
    assert len(gzip.compress(raw)) < 56 * 1024
    index = json.loads(raw)
    pages = {doc["location"].split("#")[0] for doc in index["docs"]}
    built = {
        p.parent.relative_to(site).as_posix() + "/"
        for p in site.rglob("index.html")
        if p.parent != site and p.parent.name not in ("search", "changelog")
    }
    assert built <= pages  # every page but the changelog can be found
    assert "changelog/" not in pages
    text = " ".join(doc["text"] for doc in index["docs"])
    assert "hidden state:" not in text  # a hand calculation's line
    assert "time step 2:" not in text
    assert "<svg" not in text
    titles = " ".join(doc["title"] for doc in index["docs"])
    assert "build_keras_layer" in titles  # the API's names stay, in its headings
