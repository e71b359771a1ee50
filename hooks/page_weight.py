"""MkDocs hook: less for every page to download. Goal: at most 150 KiB a page.

**The search index.** Every page downloads it as it loads (Material's search fetches it
at once on a host) and parses it on the main thread: 69 KiB gzipped, half of a page's
weight. Most of it was text nobody searches for: the numbers on the figures, in the hand
calculations and in printed output, which also stand in the pages' tables and prose.
Material's search plugin skips any element marked `data-search-exclude`; this marks

- every figure (an SVG) and the stepper's figure templates: labels and numbers;
- every hand calculation (`.lx-hand`): lines of arithmetic;
- every code block's Output (```` ```text title="Output" ````): what a snippet printed,
  numbers and messages a reader finds by running it;
- the API reference's signatures: each repeats its heading and its parameters table;
- the notebook's code cells and their outputs: the same code and numbers as the
  walkthrough pages, whose prose the notebook's text cells link to;
- tables of numbers only (a trace's steps, the fingerprint's fractions).

What stays searchable: every heading, the prose, lists, tables with words in them, the
code of snippets, inline code, and the API's names, parameters and docstrings (with
the signatures gone, mkdocs.yml's search `separator` splits a dotted name such as
`lstm_explained.frameworks.keras_adapter.build_keras_layer` so its last part finds it).
Pages opt out as a whole with `search: exclude: true` in their front matter (the
plugin's own setting; the changelog does).

**mkdocstrings' stylesheet** goes on every page; only a page that shows the API needs it.
"""

from __future__ import annotations

import re

EXCLUDE = " data-search-exclude"

# Opening tags of what the index leaves out; the mark goes before each one's ">".
OPENERS = re.compile(
    r"<svg\b[^>]*"  # figures
    r"|<template\b[^>]*"  # the stepper's figure templates
    r'|<(?:pre|div) class="[^"]*\blx-hand\b[^"]*"[^>]*'  # hand calculations
    r'|<div class="[^"]*\bhighlight\b[^"]*"(?=><span class="filename">Output</span>)'
    r'|<div class="[^"]*\bdoc-signature\b[^"]*"[^>]*'  # API signatures
    r'|<div class="[^"]*\bjp-CodeCell\b[^"]*"[^>]*'  # the notebook's code and outputs
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


def on_page_content(content: str, **_: object) -> str:
    return exclude_from_search(content)


MKDOCSTRINGS_CSS = re.compile(r'<link rel="stylesheet" href="[^"]*assets/_mkdocstrings\.css">\n?')


def on_post_page(output: str, **_: object) -> str:
    """Drop mkdocstrings' stylesheet from a page without API documentation."""
    if 'class="doc doc-' in output:
        return output
    return MKDOCSTRINGS_CSS.sub("", output)
