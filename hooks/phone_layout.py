"""MkDocs hook: mark what a phone's column cannot show as it is, for extra.css to reflow.

A phone's column is 343 CSS px wide (375 less Material's margins). Two kinds of content
are wider, and would hide their right side in a box that scrolls sideways:

- **Tables.** Each table whose words cannot fit that column gets `data-lx-reflow`, and
  each of its data cells the header of its column as `data-label`. Below Material's
  tablet width, extra.css then lays it out another way, without JavaScript:
  `transpose` turns it a quarter (the quantities down the side, the steps across),
  for a table of few rows such as a trace's steps; `cards` stacks each row as a card
  of "header: value" lines, for a table of long entries such as the layouts table.
  Whether a table fits is estimated from its text: a word never breaks, so a column is
  at least as wide as its longest word. The browser tests measure the result.
- **Output blocks** (```` ```text title="Output" ````). Each line too long for the
  column is put in a `<span class="lx-wrap">` that wraps under its own value (a hanging
  indent to the value after a label such as `new kernel:`, or past the line's own
  indent), so a long error message reads on a phone. Lines of a table (a Markdown row,
  or columns aligned with spaces) stay whole: wrapped, they would no longer line up.
  The text itself, and what the copy button copies, is unchanged.
"""

from __future__ import annotations

import html
import re

# ---- tables ---------------------------------------------------------------------------

PHONE_COLUMN_PX = 343  # 375 px less Material's 0.8rem margins on either side
# Material sets tables in .64rem (12.8 px); a character is at most ~0.6em wide in the
# fonts of tables (digits, code), and a cell is padded .9em on either side (extra.css).
CHAR_PX = 0.6 * 12.8
CELL_PAD_PX = 2 * 0.9 * 12.8 + 1

TABLE = re.compile(r"<table>(.*?)</table>", re.S)  # Material styles only class-less tables
ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S)
CELL = re.compile(r"<(t[hd])\b([^>]*)>(.*?)</\1>", re.S)
BREAK = re.compile(r"<(?:br|/p|/div|/li)\b[^>]*>")
TAG = re.compile(r"<[^>]+>")


def _text(cell: str) -> str:
    """A cell's text as a reader sees it (its line breaks as spaces)."""
    return html.unescape(TAG.sub("", BREAK.sub(" ", cell))).strip()


def _longest_word(cell: str) -> int:
    return max((len(word) for word in _text(cell).split()), default=0)


def _min_width(rows: list[list[str]]) -> float:
    """The narrowest a table of these rows of cells can be: each column's longest word."""
    columns = max(len(row) for row in rows)
    widest = [0] * columns
    for row in rows:
        for k, cell in enumerate(row):
            widest[k] = max(widest[k], _longest_word(cell))
    return sum(chars * CHAR_PX + CELL_PAD_PX for chars in widest)


def reflow(rows: list[list[str]]) -> str | None:
    """How a table of these rows (of cells' HTML, the header row first) shows on a phone:
    None (as it is, it fits), "transpose" or "cards"."""
    if _min_width(rows) <= PHONE_COLUMN_PX:
        return None
    turned = [list(column) for column in zip(*rows, strict=False)]
    if len({len(row) for row in rows}) == 1 and _min_width(turned) <= PHONE_COLUMN_PX:
        return "transpose"
    return "cards"


def _label(cell_attrs: str, label: str) -> str:
    return f'{cell_attrs} data-label="{html.escape(label)}"' if label else cell_attrs


def mark_table(table: str) -> str:
    """A table (its HTML from `<table>` to `</table>`) marked for a phone, if it needs it."""
    rows = [[m[3] for m in CELL.finditer(row)] for row in ROW.findall(table)]
    rows = [row for row in rows if row]
    how = reflow(rows) if rows else None
    if how is None:
        return table
    heads = [_text(cell) for cell in rows[0]]

    def label_row(row: re.Match[str]) -> str:
        k = iter(range(len(heads)))

        def label_cell(cell: re.Match[str]) -> str:
            index = next(k, len(heads))
            if cell[1] != "td" or index >= len(heads):
                return cell[0]
            return f"<td{_label(cell[2], heads[index])}>{cell[3]}</td>"

        return CELL.sub(label_cell, row[0])

    body = ROW.sub(label_row, table[len("<table>") :])
    return f'<table data-lx-reflow="{how}">{body}'


# ---- output blocks --------------------------------------------------------------------

PHONE_LINE_CHARS = 40  # monospaced characters that fit a phone's code block
OUTPUT = re.compile(
    r'(<span class="filename">Output</span><pre\b[^>]*>(?:<span></span>)?<code\b[^>]*>)'
    r"(.*?)(</code></pre>)",
    re.S,
)
GAP = re.compile(r"(?<=\S) {2,}(?=\S)")
MAX_LABEL = 24  # a value after a label this long or shorter wraps under the value


def hanging_indent(line: str) -> int | None:
    """Where the wrapped part of a long output line starts, in characters; None for a line
    that must stay whole (a table's row) or is short enough to fit."""
    if len(line) <= PHONE_LINE_CHARS or line.lstrip().startswith("|"):
        return None
    gaps = list(GAP.finditer(line))
    if len(gaps) >= 3:  # columns aligned with spaces
        return None
    if gaps and gaps[0].end() <= MAX_LABEL:
        return gaps[0].end()
    label = line.find(": ")
    if 0 < label < MAX_LABEL:
        return label + 2
    return len(line) - len(line.lstrip(" ")) + 4


def wrap_output(code: str) -> str:
    """An Output block's code (escaped HTML text), each long line marked to wrap."""
    lines = code.split("\n")
    out = []
    for k, line in enumerate(lines):
        end = "\n" if k < len(lines) - 1 else ""
        indent = hanging_indent(html.unescape(line))
        if indent is None:
            out.append(line + end)
        else:
            out.append(f'<span class="lx-wrap" style="--lx-hang: {indent}ch">{line}{end}</span>')
    return "".join(out)


def on_page_content(content: str, **_: object) -> str:
    """Mark the page's wide tables and long output lines."""
    content = TABLE.sub(lambda m: mark_table(m[0]), content)
    return OUTPUT.sub(lambda m: m[1] + wrap_output(m[2]) + m[3], content)
