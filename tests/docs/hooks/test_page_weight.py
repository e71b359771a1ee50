"""hooks/page_weight.py: what the search index leaves out, and the stylesheet only the
API needs."""

from __future__ import annotations

import gzip
import json
from html.parser import HTMLParser

from tests.docs.hooks.loader import load
from tests.docs.site import ROOT

page_weight = load("page_weight")

MARK = " data-search-exclude"


def test_figures_hand_calculations_code_outputs_and_signatures_are_marked():
    content = (
        '<p>A figure:</p><svg xmlns="http://www.w3.org/2000/svg" role="img">'
        "<text>c = 6</text></svg>"
        '<template id="t"><svg><text>h</text></svg></template>'
        '<pre class="lx-hand" aria-label="Hand calculation"><span class="lx-line">z</span></pre>'
        '<div class="language-python highlight"><pre><span></span><code>print(1)</code></pre></div>'
        '<div class="language-text highlight"><span class="filename">Output</span><pre>'
        "<code>1</code></pre></div>"
        '<div class="doc-signature highlight"><pre><code>forward(inputs)</code></pre></div>'
        '<div class="jp-RenderedText jp-OutputArea-output"><pre>x</pre></div>'
        '<div class="clipboard-copy-txt" id="cell-1">print(1)</div>'
    )
    out = page_weight.exclude_from_search(content)
    # two SVGs, the template, hand, a snippet's code, its output, signature, a notebook
    # cell's output and its code as the copy button takes it
    assert out.count(MARK) == 9
    assert '<div class="language-python highlight" data-search-exclude><pre>' in out
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
    # 71 KiB gzipped without the hook, 44 KiB with it; room for new pages' prose
    assert len(gzip.compress(raw)) < 50 * 1024
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
    assert "hidden state: h =" not in text  # a hand calculation's line
    assert "time step 2: x =" not in text
    assert "<svg" not in text
    titles = " ".join(doc["title"] for doc in index["docs"])
    assert "build_keras_layer" in titles  # the API's names stay, in its headings


def test_the_notebooks_code_is_not_in_the_index(site):
    # Its cells' code, highlighted and as the copy button's plain text, is the same code
    # as the walkthrough's snippets: neither copy is searchable.
    index = json.loads((site / "search" / "search_index.json").read_bytes())
    notebook = [d for d in index["docs"] if d["location"].startswith("notebooks/")]
    assert notebook
    text = " ".join(d["text"] for d in notebook)
    assert "This notebook runs the toy network" in text  # its prose stays
    assert "from lstm_explained import" not in text
    assert "trace_table(trace)" not in text


def test_comments_go_and_code_stays_in_javascript():
    src = (
        "/* a file's opening comment,\n * over lines */\n"
        "(() => {\n"
        "  // a comment line\n"
        '  const url = "http://example.org/*not a comment*/"; // after code\n'
        "  const tpl = `a // b ${x.replace(/\\/\\//g, '`') + `${y /* in ${} */}`} /* c */`;\n"
        "  const ratio = a / b / c; /* two divisions */\n"
        "  if (/^\\/\\*/.test(s)) return /[/*]/;\n"
        "})();\n"
    )
    assert page_weight.without_comments(src, javascript=True) == (
        "(() => {\n"
        '  const url = "http://example.org/*not a comment*/"; \n'
        "  const tpl = `a // b ${x.replace(/\\/\\//g, '`') + `${y  }`} /* c */`;\n"
        "  const ratio = a / b / c;  \n"
        "  if (/^\\/\\*/.test(s)) return /[/*]/;\n"
        "})();\n"
    )


def test_comments_go_and_rules_stay_in_css():
    src = (
        "/* Figures: why they look so */\n"
        '.a::after { content: "/* kept */"; } /* trailing */\n'
        "  /* an indented comment line */\n"
        ".b { background: url(//x/y.svg); }\n"
    )
    assert page_weight.without_comments(src, javascript=False) == (
        '.a::after { content: "/* kept */"; }  \n.b { background: url(//x/y.svg); }\n'
    )


def test_indentation_and_blank_lines_go_but_not_inside_template_literals():
    src = (
        "function f() {\n"
        "  // a comment line\n"
        "\n"
        "  const html = `<p>\n\n    kept\n  </p>`;\n"
        '\tif (a) return "  kept too";\n'
        "}\n"
    )
    assert page_weight.without_comments(src, javascript=True, dedent=True) == (
        'function f() {\nconst html = `<p>\n\n    kept\n  </p>`;\nif (a) return "  kept too";\n}\n'
    )
    css = ".a {\n  color: red; /* why */\n\n}\n"
    assert page_weight.without_comments(css, javascript=False, dedent=True) == (
        ".a {\ncolor: red;  \n}\n"
    )


def test_the_built_scripts_and_stylesheets_lost_only_comments_and_indentation(site):
    for folder, suffix in page_weight.OWN_FILES.items():
        built = sorted((site / folder).glob(f"*{suffix}"))
        assert built
        for path in built:
            src = (ROOT / "docs" / folder / path.name).read_text("utf8")
            out = path.read_text("utf8")
            assert len(out) < 0.9 * len(src)  # the comments are gone
            lean = page_weight.without_comments(src, javascript=suffix == ".js", dedent=True)
            assert lean == out


def test_signatures_lose_their_colouring_spans_but_not_their_text():
    signature = (
        '<div class="doc-signature highlight"><pre><span></span><code>'
        '<span class="n">forward</span><span class="p">(</span>'
        '<span class="n">inputs</span><span class="p">:</span> '
        '<span class="n">Any</span><span class="p">)</span>\n</code></pre></div>'
    )
    snippet = '<div class="language-python highlight"><pre><code><span class="n">x</span>'
    out = page_weight.plain_signatures(signature + snippet)
    assert out == (
        '<div class="doc-signature highlight"><pre><span></span><code>'
        "forward(inputs: Any)\n</code></pre></div>" + snippet
    )


def test_the_api_signatures_are_plain_text(site):
    api = "".join(p.read_text("utf8") for p in (site / "api").glob("*/index.html"))
    signatures = page_weight.SIGNATURE.findall(api)
    assert len(signatures) > 50
    assert not any('<span class="' in s for s in signatures)
    assert "forward(" in "".join(signatures)


VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})  # fmt: skip


class NestedInExcluded(HTMLParser):
    """Elements marked data-search-exclude that hold an element of their own tag, which
    ends the exclusion early in Material's search plugin (it knows elements by tag)."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, bool]] = []  # (tag, marked)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if any(t == tag and marked for t, marked in self.open):
            self.found.append(f"<{tag}> inside a marked <{tag}> at line {self.getpos()[0]}")
        if tag not in VOID:
            self.open.append((tag, "data-search-exclude" in dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass  # <path/> and the like: nothing inside

    def handle_endtag(self, tag: str) -> None:
        while self.open and self.open.pop()[0] != tag:
            pass


def test_nothing_marked_holds_an_element_of_its_own_tag(site):
    for page in site.rglob("index.html"):
        parser = NestedInExcluded()
        parser.feed(page.read_text("utf8"))
        assert parser.found[:3] == [], page.relative_to(site)
    parser = NestedInExcluded()
    parser.feed('<div data-search-exclude><div class="jp-Collapser"></div>x</div>')
    assert parser.found == ["<div> inside a marked <div> at line 1"]


def test_an_api_page_keeps_names_and_summaries_in_the_index():
    EXCLUDE, api_summaries_only = page_weight.EXCLUDE, page_weight.api_summaries_only
    html = (
        '<h2 id="f">f</h2><div class="doc doc-contents first">'
        '<p class="doc doc-class-bases">Bases: X</p><p>Run it.</p><p>More words.</p>'
        "<p>Parameters:</p><table><tr><td>x</td></tr></table></div>"
        '<div class="doc doc-contents "><p>Second summary.</p><p>Details.</p>'
        '<table data-lx-reflow="cards"><tr><td>y</td></tr></table></div>'
    )
    out = api_summaries_only(html)
    assert f'<table data-lx-reflow="cards"{EXCLUDE}>' in out  # as the phone layout marks it
    assert '<p class="doc doc-class-bases">Bases: X</p><p>Run it.</p>' in out
    assert f"<p{EXCLUDE}>More words.</p><p{EXCLUDE}>Parameters:</p><table{EXCLUDE}>" in out
    assert f"<p>Second summary.</p><p{EXCLUDE}>Details.</p>" in out
    plain = "<p>a page</p><p>without API</p>"
    assert api_summaries_only(plain) == plain


def test_the_search_index_keeps_words_and_drops_markup():
    text = (
        "<p>Run <code>forward</code> over <em>x</em>.</p> <ul> <li>one</li>\n"
        "<li>two &lt;3</li></ul>"
    )
    assert page_weight.plain_index_text(text) == "Run forward over x. one two &lt;3"


def test_no_api_parameters_table_reaches_the_search_index(site):
    index = json.loads((site / "search" / "search_index.json").read_text("utf8"))
    api = [doc for doc in index["docs"] if doc["location"].startswith("api/")]
    assert len(api) > 100
    leaked = [doc["location"] for doc in api if "Name Type Description" in doc["text"]]
    assert leaked == []
