"""svg.py: the drawing primitives every figure is made of. Each primitive's output is read
back as SVG text or parsed as XML; the expected markup, coordinates and widths are
written out by hand from the module's docstrings."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from lstm_explained.explain.figures.svg import (
    FONT,
    LINE,
    OP_R,
    Canvas,
    LegendEntry,
    fill,
    legend,
    num,
    subscripts,
    text_width,
)

SVG = "{http://www.w3.org/2000/svg}"


def test_coordinates_keep_one_decimal_and_drop_trailing_zeros():
    assert [num(v) for v in (10.0, 2.26, 37.5, 0.04, 1e3)] == ["10", "2.3", "37.5", "0", "1000"]


def test_fields_are_filled_and_subscript_digits_are_lowered_full_size():
    assert fill("h = {h}, c = {c}", {"h": "12", "c": "6"}) == "h = 12, c = 6"
    with pytest.raises(KeyError):
        fill("{missing}", {})
    assert subscripts("c₁₂ = 6") == ('c<tspan dy="4">12</tspan><tspan dy="-4">\u200b</tspan> = 6')
    assert subscripts("no digits") == "no digits"


def test_text_widths_are_generous_estimates_from_per_character_ems():
    # digits 0.64 em, "+" and "=" 0.84 em, "i" 0.32 em, capitals 0.72 em; bold is 8% wider
    assert text_width("10") == pytest.approx(2 * 0.64 * FONT)
    assert text_width("+=", 10) == pytest.approx(2 * 0.84 * 10)
    assert text_width("iW", 10) == pytest.approx((0.32 + 0.72) * 10)
    assert text_width("10", bold=True) == pytest.approx(1.08 * 2 * 0.64 * FONT)


def test_text_with_values_is_filled_and_escaped():
    canvas = Canvas(100, 50, "f", values={"h": "12"})
    canvas.text(10, 20, "h = {h} < 13 & more", "lx-value", "middle")
    assert canvas.labels == [
        '<text x="10" y="20" class="lx-t lx-value" text-anchor="middle">'
        "h = 12 &lt; 13 &amp; more</text>"
    ]


def test_text_without_values_is_a_template_for_a_script_to_fill():
    canvas = Canvas(100, 50, "f")
    canvas.text(10, 20, "h = {h}")
    assert canvas.labels == ['<text x="10" y="20" class="lx-t" data-text="h = {h}"></text>']


def test_lines_are_one_line_apart_and_focus_dims_all_but_the_highlighted():
    canvas = Canvas(100, 100, "f", values={}, focus=True)
    canvas.lines(5, 10, ["a", "b", "c"], ["first", "", "last"])
    canvas.text(0, 0, "lit", hl=True)
    ys = [ET.fromstring(label).get("y") for label in canvas.labels[:3]]
    assert ys == ["10", str(10 + LINE), str(10 + 2 * LINE)]
    assert [ET.fromstring(label).get("class") for label in canvas.labels] == [
        "lx-t first lx-dim",
        "lx-t lx-dim",
        "lx-t last lx-dim",
        "lx-t lx-hl",
    ]


def test_a_wire_is_a_path_through_its_points_with_an_arrow_head():
    canvas = Canvas(100, 100, "f")
    canvas.wire([(0, 0), (10, 0), (10, 20)])
    canvas.wire([(0, 0), (0, 5)], arrow=False)
    canvas.wire([(1, 1), (2, 1)], hl=True)
    assert canvas.wires == [
        '<path d="M0 0 L10 0 L10 20" class="lx-wire" marker-end="url(#f-arrow)"/>',
        '<path d="M0 0 L0 5" class="lx-wire"/>',
        '<path d="M1 1 L2 1" class="lx-wire lx-hl" marker-end="url(#f-arrow-hl)"/>',
    ]


def test_a_wire_hops_over_another_with_a_small_arc():
    # rightwards along y = 10, hopping at x = 20 with radius 5: to 15, arc to 25, on to 40
    canvas = Canvas(100, 100, "f")
    canvas.wire([(0, 10), (40, 10)], hops=[(20, 10), (60, 10)], arrow=False)
    assert canvas.wires == ['<path d="M0 10 L15 10 A5 5 0 0 1 25 10 L40 10" class="lx-wire"/>']


def test_boxes_operators_and_the_outline():
    canvas = Canvas(200, 100, "f", values={})
    canvas.box(1, 2, 30, 40, "lx-gate")
    canvas.op((50, 60), "×")
    canvas.wire([(0, 0), (5, 0)])
    canvas.outline(0, 0, 200, 100)
    assert canvas.shapes == [
        '<rect x="1" y="2" width="30" height="40" rx="6" class="lx-box lx-gate"/>',
        f'<circle cx="50" cy="60" r="{OP_R}" class="lx-box lx-op"/>',
    ]
    assert canvas.labels == [  # the sign sits 5 below the centre, centred
        '<text x="50" y="65" class="lx-t lx-sign" text-anchor="middle">×</text>'
    ]
    assert canvas.wires[0].startswith('<rect x="0" y="0" width="200" height="100" rx="14"')
    assert 'stroke-dasharray="6 4"' in canvas.wires[0]  # under everything, dashed


def test_render_is_an_accessible_svg_with_wires_under_shapes_under_labels():
    canvas = Canvas(120, 80, "cell", values={"t": "2"}, focus=True)
    canvas.wire([(0, 0), (5, 0)])
    canvas.box(0, 0, 10, 10)
    canvas.text(0, 0, "t = {t}")
    root = ET.fromstring(canvas.render(title="Step {t}", desc="At step {t}.", cls="lx-cell"))
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 120 80"
    assert (root.get("role"), root.get("aria-labelledby")) == ("img", "cell-title cell-desc")
    assert root.get("class") == "lx-svg lx-cell lx-focus"
    assert (root.find(f"{SVG}title").text, root.find(f"{SVG}desc").text) == ("Step 2", "At step 2.")
    markers = [m.get("id") for m in root.iter(f"{SVG}marker")]
    assert markers == ["cell-arrow", "cell-arrow-hl"]
    groups = root.findall(f"{SVG}g")
    assert [[child.tag.removeprefix(SVG) for child in g] for g in groups] == [
        ["path"],
        ["rect"],
        ["text"],
    ]
    assert (groups[0].get("fill"), groups[0].get("stroke")) == ("none", "currentColor")
    assert groups[1].get("fill").startswith("var(--md-default-bg-color")
    assert groups[2].get("font-size") == str(FONT)


def test_a_rendered_template_leaves_title_and_description_to_the_script():
    root = ET.fromstring(Canvas(10, 10, "s").render(title="Step {t}", desc="{t}.", cls=""))
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert (title.text, title.get("data-text")) == (None, "Step {t}")
    assert (desc.text, desc.get("data-text")) == (None, "{t}.")
    assert root.get("class") == "lx-svg"


def test_a_legend_wraps_its_entries_into_rows_that_fit():
    # each entry is 4 + 50 wide plus a gap of 14: the second does not fit in 60 and wraps
    # to the next row, 22 lower; a text's baseline is 4.5 below its row's middle
    canvas = Canvas(100, 100, "f", values={})
    entries = [LegendEntry("text", "a", width=50), LegendEntry("box", "b", width=50)]
    bottom = legend(canvas, 0, 0, entries, width=60)
    assert bottom == 44
    labels = [ET.fromstring(label) for label in canvas.labels]
    assert [(t.get("x"), t.get("y"), t.text) for t in labels] == [
        ("0", "15.5", "a"),
        ("26", "37.5", "b"),  # a sample drawing indents its label by 26
    ]
    assert canvas.shapes == ['<rect x="0" y="25" width="20" height="16" rx="3" class="lx-box"/>']
    one_row = Canvas(100, 100, "f", values={})
    assert legend(one_row, 0, 0, entries, width=200) == 22
