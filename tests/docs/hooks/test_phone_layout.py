"""hooks/phone_layout.py: which tables reflow on a phone, and which output lines wrap.

The browser tests measure the result on every page (tests/docs/layout.py); these pin the
hook's decisions on small cases worked out by hand.
"""

from __future__ import annotations

import html
import re

from tests.docs.hooks.loader import load

phone_layout = load("phone_layout")


def table(*rows: list[str]) -> str:
    head, *body = rows
    cells = "".join(f"<th>{c}</th>" for c in head)
    trs = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in body)
    return f"<table>\n<thead>\n<tr>{cells}</tr>\n</thead>\n<tbody>\n{trs}\n</tbody>\n</table>"


NAMES = ["t", "x", "h_prev", "c_prev", "i", "f", "g", "o", "c", "h"]
STEPS = [NAMES, *[[str(t)] + ["1"] * 9 for t in (1, 2, 3)]]


def test_a_table_that_fits_is_left_alone():
    # two columns, longest words "symbol" and "meaning": 13 characters, far below 343px
    small = table(["symbol", "meaning"], ["x", "input"])
    assert phone_layout.reflow([["symbol", "meaning"], ["x", "input"]]) is None
    assert phone_layout.mark_table(small) == small


def test_a_table_of_steps_is_turned_a_quarter():
    # ten columns at least one character wide each, plus padding: 10 x (7.68 + 24.04)
    # = 317px at the least, 6 of them ("h_prev", "c_prev" six characters): over 343px.
    # Turned, four columns: the names (6 characters) and three one-digit steps,
    # 70 + 3 x 32 = 166px.
    assert phone_layout.reflow(STEPS) == "transpose"
    marked = phone_layout.mark_table(table(*STEPS))
    assert marked.startswith('<table data-lx-reflow="transpose">')


def test_a_table_of_long_entries_becomes_cards_with_labels():
    rows = [
        ["", "Keras 3", "PyTorch"],
        ["input weights", "<code>kernel</code> (in, 4H)", "<code>weight_ih_l0</code> (4H, in)"],
        ["biases", "<code>bias</code> (4H)", "<code>bias_ih_l0</code>;<br><code>bias_hh_l0</code>"],
    ]
    # "bias_ih_l0;" is 11 characters, "weights" 7, "Keras"/"PyTorch" short: the table
    # fits a phone as it is...
    assert phone_layout.reflow(rows) is None
    # ...until a word in each column is as long as "unit_forget_bias=True" (21
    # characters): 3 x (21 x 7.68 + 24.04) = 556px; turned, its rows are as wide.
    flag = "<code>unit_forget_bias=True</code>"
    wide = [["", "Keras 3", "PyTorch"], [f"a {flag}", flag, flag], [f"b {flag}", flag, flag]]
    assert phone_layout.reflow(wide) == "cards"
    marked = phone_layout.mark_table(table(*wide))
    assert marked.startswith('<table data-lx-reflow="cards">')
    labels = re.findall(r'<td( data-label="[^"]*")?>', marked)
    assert labels == ["", ' data-label="Keras 3"', ' data-label="PyTorch"'] * 2
    assert "<th>" in marked  # the header stays, for screen readers


def test_header_labels_are_escaped_text():
    rows = [["a &amp; <em>b</em>", *NAMES[1:]], *STEPS[1:]]
    marked = phone_layout.mark_table(table(*rows))
    assert 'data-lx-reflow="transpose"' in marked
    assert phone_layout.reflow([[*row, "x" * 60] for row in rows]) == "cards"
    cards = phone_layout.mark_table(table(*[[*row, "x" * 60] for row in rows]))
    assert 'data-label="a &amp; b"' in cards


def test_tables_with_a_class_are_not_touched():
    styled = table(*STEPS).replace("<table>", '<table class="stepper-table">')
    assert phone_layout.on_page_content(styled) == styled


def test_where_a_long_output_line_wraps_to():
    hang = phone_layout.hanging_indent
    assert hang("short line") is None
    assert hang("| t | x | h_prev | c_prev |  i |  f |  g |  o |   c |    h |") is None
    assert hang("   4  11,110,308  11,110,308    35,686,309,296    35,686,309,888") is None
    # under the value after a label and its aligning spaces: "new kernel:" and 11 spaces
    assert hang("new kernel:           [0.82373, 0.98425, 0.82373, 0.84299]") == 22
    # under the text after "lstm-explained: " (16 characters)
    assert hang("lstm-explained: error: layer 'decoder' starts from the states of encoder") == 16
    # past the line's own indent of four: at eight
    assert hang("    weights float32, activation=tanh, recurrent_activation=sigmoid,") == 8


def test_wrapping_keeps_the_text_and_marks_only_long_lines():
    code = (
        "saved flagged.keras\n"
        "lstm-explained: error: layer &#39;decoder&#39; starts from the states of encoder\n"
        "| t |       x | h_prev | c_prev |     i |      f |      g |     o |      c |\n"
    )
    block = (
        '<div class="highlight"><span class="filename">Output</span><pre><span></span>'
        f"<code>{code}</code></pre></div>"
    )
    out = phone_layout.on_page_content(block)
    assert out.count('class="lx-wrap"') == 1
    assert '<span class="lx-wrap" style="--lx-hang: 16ch">lstm-explained: error' in out
    text = re.search(r"<code>(.*)</code>", out, re.S)
    assert text is not None
    assert html.unescape(re.sub(r"<[^>]+>", "", text[1])) == html.unescape(code)


def test_only_output_blocks_wrap():
    line = "x" * 80
    source = f'<div class="highlight"><pre><span></span><code>{line}\n</code></pre></div>'
    assert phone_layout.on_page_content(source) == source
