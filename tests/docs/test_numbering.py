"""One numbering and one set of names on the built site (issue 20, part of Deliver 5).

Units count from one wherever a reader reads or types them (home says so: "`--unit 1` is
the first unit"), and a pre-activation is `a` in the text, the math, the figures, the
printed output and the stepper's script, as in the code (`Step.a`, `a_<gate>`). The
changelog is left out: it names the old spellings to say what changed.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from tests.docs.site import ROOT

ZERO_UNIT = re.compile(r"\bunits?(?:\(s\))? 0\b|--units? 0\b")
# z with an LSTM gate's letter is the old name of a_i..a_o (a GRU's z alone is its update
# gate, and z_1 its value at step 1); dz_ the old gradient's; Step.z, z["..."], preact_
OLD_NAMES = re.compile(
    r"\bd?z_[ifgo]\b|<msub><mi>d?z</mi><mi>[ifgo]</mi></msub>|\bstep\.z\b|\bz\[\"|preact_"
)
SCRIPTS = ("lstm-stepper-cells.js", "lstm-stepper.js")


def text_of(page: str) -> str:
    """What a reader sees of a page: its text without scripts and markup."""
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    page = re.sub(r"</(p|li|td|th|h\d|div|pre|figcaption|caption|text|desc)>", "\n", page)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def zero_based_units(text: str) -> list[str]:
    return ZERO_UNIT.findall(text)


def old_names(markup: str) -> list[str]:
    return OLD_NAMES.findall(markup)


def pages(site: Path) -> dict[str, str]:
    found = {}
    for path in sorted(site.rglob("index.html")):
        name = path.relative_to(site).parent.as_posix() or "home"
        if name != "changelog":
            found[name] = path.read_text("utf8")
    return found


def test_the_checks_find_what_they_look_for():
    # Planted: each must be found, or the site tests below could pass by finding nothing.
    assert zero_based_units("computed in float32; showing unit(s) 0, 1 of 2") != []
    assert zero_based_units("lstm-explained trace m.keras --explain --unit 0") != []
    assert zero_based_units("unit 0: A 1.067, B -0.248") != []
    assert zero_based_units("unit 1: A 1.067; --units 10; units=[0]") == []
    assert old_names("(z_i = 0.2)") != []
    assert old_names("<msub><mi>z</mi><mi>f</mi></msub>") != []
    assert old_names('step.z["forget"]') != []
    assert old_names("gate z = 0.52 (a_z = 0.08), z_1 = 0.5") == []


def test_no_page_numbers_a_unit_from_zero(site):
    found = {name: zero_based_units(text_of(page)) for name, page in pages(site).items()}
    assert {name: hits for name, hits in found.items() if hits} == {}


def test_the_trace_page_types_the_unit_its_prose_names(site):
    # "the table shows unit N": the commands ask for unit N and the output shows unit N,
    # all counted from one (the page's claims check that N is the unit whose forget gate
    # drops furthest at the flag).
    text = text_of((site / "trace-your-model" / "index.html").read_text("utf8"))
    unit = int(re.search(r"the table shows unit\s+(\d+)", text)[1])
    assert unit >= 1
    assert f"--units {unit} --digits 3 --explain --step 4 --unit {unit} " in text
    assert text.count(f"showing unit(s) {unit} of 4") == 2  # the table and --explain
    assert f"\nunit {unit}:\n" in text  # the hand calculation's heading


def test_a_pre_activation_is_a_on_every_page(site):
    everything = pages(site)
    found = {name: old_names(page) for name, page in everything.items()}
    assert {name: hits for name, hits in found.items() if hits} == {}
    # and the pages do write it: the cell page's table and math, the GRU page's code name
    cell, gru = everything["cell"], text_of(everything["gru"])
    assert "step.a[" in text_of(cell)
    assert "<msub><mi>a</mi><mi>f</mi></msub>" in cell
    assert "step.a" in gru
    assert "a_z" in gru


def test_the_stepper_script_names_a_pre_activation_a():
    for name in SCRIPTS:
        source = (ROOT / "docs" / "javascripts" / name).read_text("utf8")
        assert re.findall(r"\bs\.z\b|\bz:|\.z\[|preact", source) == [], name
        assert "s.a[" in source or "a_${" in source, name
