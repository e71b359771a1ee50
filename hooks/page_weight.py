"""MkDocs hook: less for every page to download (at most 150 KiB a page, gzipped:
tests/docs/test_weight.py), and less for the API reference's pages to lay out.

**The search index.** Every page downloads it as it loads (Material's search fetches it
at once on a host) and parses it on the main thread: about 70 KiB gzipped without this
hook, half of a page's weight. Most of it was text nobody searches for: the numbers on
the figures, in the hand calculations and in printed output, which also stand in the
pages' tables and prose.
Material's search plugin skips any element marked `data-search-exclude`, but it knows
elements by their tag alone: the first `</div>` inside a marked `<div>` ends the
exclusion. So only elements with nothing of their own tag inside are marked (a code
block's `<div>` holds a `<pre>`; not a notebook cell's `<div>`, which holds more);
tests/docs/hooks/test_page_weight.py checks the built pages for it. This marks

- every figure (an SVG) and the stepper's figure templates: labels and numbers;
- every hand calculation (`.lx-hand`): lines of arithmetic;
- every code block: a snippet's code, a shell session, and its Output (what it printed,
  numbers and messages a reader finds by running it). The prose around a snippet names
  what it uses, in inline code, which stays; what only code spelled out (Python's own
  words such as `enumerate`, and calls of other libraries such as onnxruntime's
  `InferenceSession` or PyTorch's `named_parameters`) no longer finds the page;
- the API reference's signatures: each repeats its heading and its parameters table;
- the notebook's code and printed output: the same code and numbers as the walkthrough
  pages, whose prose the notebook's text cells link to. mkdocs-jupyter writes each code
  cell twice, highlighted and as plain text for its copy button (`clipboard-copy-txt`);
  the plain copy went into the index until it was marked too (1 KiB gzipped off every
  page, when ONNX's LSTM variants had taken the stepper's page over 150 KiB);
- tables of numbers only (a trace's steps, the fingerprint's fractions);
- on the API reference, each object's docstring past its first paragraph, and its
  tables of parameters, attributes, returns and raises (`api_summaries_only`): the API
  was over a quarter of the index. Its names (headings) and one-line summaries stay;
  a word only a parameter's description held no longer finds the page (the index went
  from 49 to 44 KiB gzipped when the plain cell and the two recurrent pages came in; the
  phone layout's `data-lx-reflow` on the tables had let them back in, 0.4 KiB).

What stays searchable: every heading, the prose, lists, tables with words in them,
inline code, and the API's names and summaries (with
the signatures gone, mkdocs.yml's search `separator` splits a dotted name such as
`lstm_explained.frameworks.keras_adapter.build_keras_layer` so its last part finds it).
Pages opt out as a whole with `search: exclude: true` in their front matter (the
plugin's own setting; the changelog does).

What readers lose, measured against an index built without this hook (Material's
default separator, the changelog in): 71 KiB gzipped before, 44 KiB after. Of the
1,957 words (letters, digits after the first, underscores) the old index held, 266 no
longer find any page: 116 only the changelog had, the rest code that only a snippet or
a signature spells out (`enumerate`, `InferenceSession`, `named_parameters`,
`recurrent_dropout`, `kwargs`) or a figure's label (`dz_f`); and the 453 numbers
only figures, hand calculations and outputs held.

**The index's own text** is HTML as the search plugin writes it (`<p>`, `<code>`,
`<li>`, ...): `plain_search_index` keeps its words and drops the markup after the build,
2 KiB gzipped off every page. Search matches words; a result's preview loses its code
font.

**mkdocstrings' stylesheet** goes on every page; only a page that shows the API needs it.

**The API's signatures** come highlighted, a `<span>` per token: 2,149 of the API page's
5,326 elements, each styled and laid out again whenever Material's scripts measure the
page as it loads (a long blocking task on a phone). `plain_signatures` keeps their text
and drops the colouring spans; the page's other code keeps its colours.

**Our own stylesheets and scripts** (docs/stylesheets, docs/javascripts) are written for
people to read, a third of them comments. The built site's copies go without their
comments, blank lines and indentation (`without_comments`: a scanner that knows
strings, template literals and regular expressions, so only real comments go, and
indentation only where the language ignores it: 0.7 KiB gzipped off the stepper's page,
which ONNX's LSTM variants had pushed over 150 KiB); the code itself is unchanged.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

EXCLUDE = " data-search-exclude"

# Opening tags of what the index leaves out; the mark goes before each one's ">".
OPENERS = re.compile(
    r"<svg\b[^>]*"  # figures
    r"|<template\b[^>]*"  # the stepper's figure templates
    r'|<(?:pre|div) class="[^"]*\blx-hand\b[^"]*"[^>]*'  # hand calculations
    r'|<div class="[^"]*\bhighlight\b[^"]*"[^>]*'  # code blocks and their Output
    r'|<div class="[^"]*\bdoc-signature\b[^"]*"[^>]*'  # API signatures
    r'|<div class="[^"]*\bjp-RenderedText\b[^"]*"[^>]*'  # the notebook's printed output
    r'|<div class="[^"]*\bclipboard-copy-txt\b[^"]*"[^>]*'  # its code again, for copying
)


TABLE = re.compile(r"<table\b([^>]*)>(.*?)</table>", re.S)
DATA_CELL = re.compile(r"<td\b[^>]*>(.*?)</td>", re.S)
TAG = re.compile(r"<[^>]+>")
NUMBERS = re.compile(r"[-+−*/.,;:\[\]()\s\deE]*")  # 3211, -0.5, [1, 0], 25245/16384, 3*


def only_numbers(table: str) -> bool:
    """Whether every data cell of a table's HTML holds numbers and nothing else."""
    cells = [TAG.sub("", cell).replace("&minus;", "−") for cell in DATA_CELL.findall(table)]
    return bool(cells) and all(NUMBERS.fullmatch(cell) for cell in cells)


def _mark_table(m: re.Match[str]) -> str:
    if EXCLUDE in m[1] or not only_numbers(m[2]):
        return m[0]
    return f"<table{m[1]}{EXCLUDE}>{m[2]}</table>"


def exclude_from_search(content: str) -> str:
    """`content` (a page's HTML) with what the index leaves out marked."""
    content = OPENERS.sub(lambda m: m[0] if EXCLUDE in m[0] else m[0] + EXCLUDE, content)
    return TABLE.sub(_mark_table, content)


SIGNATURE = re.compile(r'<div class="doc-signature highlight"[^>]*>.*?</div>', re.S)
TOKEN = re.compile(r'<span class="[^"]*">([^<]*)</span>')


def plain_signatures(content: str) -> str:
    """`content` with each API signature's text without its highlighting spans."""
    return SIGNATURE.sub(lambda m: TOKEN.sub(r"\1", m[0]), content)


CONTENTS = re.compile(r'<div class="doc doc-contents[^"]*">')
PARAGRAPH = re.compile(r"<p>")
API_TABLE = re.compile(r"<table((?:(?!data-search-exclude)[^>])*)>")  # any attributes: the
# phone layout's data-lx-reflow is set on these tables before this hook runs


def api_summaries_only(content: str) -> str:
    """An API page's HTML with each object's docstring past its first paragraph, and its
    tables of parameters, attributes, returns and raises, left out of the search index:
    the names (headings) and each summary stay searchable."""
    if 'class="doc doc-' not in content:
        return content
    parts = CONTENTS.split(content)
    openers = CONTENTS.findall(content)
    out = [parts[0]]
    for opener, part in zip(openers, parts[1:], strict=True):
        first = PARAGRAPH.search(part)
        keep = first.end() if first else 0
        rest = PARAGRAPH.sub(f"<p{EXCLUDE}>", part[keep:])
        out += [opener, part[:keep] + API_TABLE.sub(rf"<table\1{EXCLUDE}>", rest)]
    return "".join(out)


def on_page_content(content: str, **_: object) -> str:
    return exclude_from_search(api_summaries_only(plain_signatures(content)))


MKDOCSTRINGS_CSS = re.compile(r'<link rel="stylesheet" href="[^"]*assets/_mkdocstrings\.css">\n?')


def on_post_page(output: str, **_: object) -> str:
    """Drop mkdocstrings' stylesheet from a page without API documentation."""
    if 'class="doc doc-' in output:
        return output
    return MKDOCSTRINGS_CSS.sub("", output)


# ---- comments out of our own CSS and JavaScript ---------------------------------------

# After one of these (or at the start), a "/" begins a regular expression, not a division.
REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^") | {""}
REGEX_KEYWORDS = {"return", "typeof", "case", "do", "else", "in", "of", "new", "delete",
                  "void", "throw", "instanceof", "yield", "await"}  # fmt: skip
WORD = re.compile(r"[\w$]+$")


def _end_of_quoted(src: str, i: int, quote: str) -> int:
    """The index just past the string or regular expression opened at `i`."""
    j, in_class = i + 1, False
    while src[j] != quote or in_class:
        if src[j] == "\\":
            j += 1
        elif quote == "/" and src[j] in "[]":
            in_class = src[j] == "["
        j += 1
    return j + 1


def _regex_may_start(code: str) -> bool:
    """Whether a "/" after `code` (the output so far) opens a regular expression."""
    before = code.rstrip()
    word = WORD.search(before)
    if word:
        return word[0] in REGEX_KEYWORDS
    return before[-1:] in REGEX_AFTER


def without_comments(src: str, *, javascript: bool, dedent: bool = False) -> str:
    """`src` (CSS, or JavaScript with `javascript`) without its comments; a line that held
    only a comment goes with it. Strings, template literals (with `${...}` inside) and,
    in JavaScript, regular expressions are copied as they are. `dedent` drops each line's
    indentation and blank lines too, outside template literals (where they are text):
    neither language reads them."""
    out: list[str] = []
    braces: list[int] = []  # per open `${`: the depth of { } inside it
    i, n = 0, len(src)
    while i < n:
        c, pair = src[i], src[i : i + 2]
        if pair in ("/*", "//") and (javascript or pair == "/*"):
            end = src.find("*/", i) + 2 if pair == "/*" else src.find("\n", i)
            if end < 2:  # not closed before the end of the file
                end = n
            line = "".join(out[-200:]).rsplit("\n", 1)[-1]
            whole_line = not line.strip() and src[end : end + 1] in ("\n", "")
            out.append(DROP if whole_line else " " if pair == "/*" else "")
            i = end
        elif c in "'\"" or (javascript and c == "/" and _regex_may_start("".join(out[-200:]))):
            j = _end_of_quoted(src, i, c)
            out.append(src[i:j])
            i = j
        elif javascript and (c == "`" or (c == "}" and braces and braces[-1] == 0)):
            if c == "}":
                braces.pop()
            j = i + 1
            while src[j] != "`" and src[j : j + 2] != "${":
                j += 2 if src[j] == "\\" else 1
            if src[j] == "$":
                braces.append(0)
                j += 1
            out.append(src[i : j + 1])
            i = j + 1
        else:
            if braces and c in "{}":
                braces[-1] += 1 if c == "{" else -1
            out.append(c)
            i += 1
            while dedent and c == "\n" and src[i : i + 1] in (" ", "\t", "\n"):
                i += 1
    return WHOLE_LINE_COMMENT.sub("", "".join(out))


DROP = "\x00"  # where a comment filled its line: the line goes
WHOLE_LINE_COMMENT = re.compile(r"^[ \t]*\x00\n?", re.M)
OWN_FILES = {"stylesheets": ".css", "javascripts": ".js"}


INLINE_TAG = re.compile(r"</?(?:code|em|strong|a|span|sub|sup|kbd|abbr)\b[^>]*>")
BLOCK_TAG = re.compile(r"\s*<[^>]+>\s*")


def plain_index_text(text: str) -> str:
    """A search entry's text without its markup: inline tags go, block tags become one
    space. Search matches words, not tags; a result's preview reads as plain text."""
    return re.sub(r"\s+", " ", BLOCK_TAG.sub(" ", INLINE_TAG.sub("", text))).strip()


def plain_search_index(path: Path) -> None:
    """Rewrite the search plugin's index with `plain_index_text` in every entry."""
    if not path.exists():
        return
    index = json.loads(path.read_text("utf8"))
    for doc in index.get("docs", []):
        doc["text"] = plain_index_text(doc.get("text", ""))
    path.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")), "utf8")


def on_post_build(config: Any, **_: object) -> None:
    """The built site's copies of our own stylesheets and scripts, without comments, and
    a search index without markup (hooks run after the search plugin has written it)."""
    for folder, suffix in OWN_FILES.items():
        for path in Path(config["site_dir"], folder).glob(f"*{suffix}"):
            src = path.read_text("utf8")
            lean = without_comments(src, javascript=suffix == ".js", dedent=True)
            path.write_text(lean, "utf8")
    plain_search_index(Path(config["site_dir"], "search", "search_index.json"))
