"""hooks/page_context/claims.py: sentences about numbers, checked when their page renders."""

from __future__ import annotations

import re
from types import SimpleNamespace

import jinja2
import pytest

from tests.docs.hooks.loader import fake_page, load, page_context
from tests.docs.site import DOCS, bare_numbers, build, copy_project

CALL = re.compile(r"""\bclaim\(\s*["']([^"']+)["']""")


def render(page: str, text: str) -> str:
    return load("page_values").on_page_markdown(text, fake_page(page))


def test_a_claim_that_holds_puts_its_sentence_on_the_page_unchanged():
    # docs/lstm-or-gru.md: at step 3 the LSTM's c falls from 0.4886 to 0.08222 (-83%), the
    # GRU's h from 0.6517 to 0.2793 (-57%); so "the LSTM's memory falls further" holds.
    text = 'A {% call claim("lstm-c-falls-further") %}c falls {{ std.c(3) }}{% endcall %} B.'
    assert render("lstm-or-gru.md", text) == "A c falls 0.08222 B."
    caption = '{{ claim("lstm-c-falls-further", "in a caption") }}'
    assert render("lstm-or-gru.md", caption) == "in a caption"


def test_a_false_claim_fails_naming_the_page_the_claim_and_the_sentence(monkeypatch):
    claims = page_context("claims")
    page_values = load("page_values")

    def rises(std):
        """c rises at step 3."""
        return std.number(3, "c") > std.number(2, "c")  # 0.08222 > 0.4886: false

    false = claims.Claim("c-rises", rises)
    registered = page_values.CLAIMS["cells_and_layers"]
    monkeypatch.setitem(page_values.CLAIMS, "cells_and_layers", (*registered, false))
    text = "Then {% call claim('c-rises') %}the memory  grows\nat step 3{% endcall %}."
    with pytest.raises(RuntimeError) as err:
        render("lstm-or-gru.md", text)
    assert str(err.value) == (
        "lstm-or-gru.md: the claim 'c-rises' no longer holds (c rises at step 3.); the page "
        "says: the memory grows at step 3"
    )


def test_a_claim_no_module_registers_fails():
    with pytest.raises(RuntimeError, match=r"step-1\.md: no claim 'made-up' is registered"):
        render("step-1.md", '{% call claim("made-up") %}c grows{% endcall %}')


def test_a_claim_of_another_group_fails_on_this_page():
    # lstm-c-falls-further is the cells_and_layers group's; step-1.md is a walkthrough page
    with pytest.raises(RuntimeError, match="no claim 'lstm-c-falls-further' is registered"):
        render("step-1.md", '{{ claim("lstm-c-falls-further", "c falls further") }}')


def test_a_claim_reads_only_values_its_page_sees():
    claims = page_context("claims")
    claim = claims.Claim("needs-gru", lambda gru_after: True, "reads gru_after")
    with pytest.raises(claims.ClaimError, match="reads gru_after, which this page does not see"):
        claim.holds_for({"std": object()})
    assert claim.holds_for({"gru_after": object()})


def test_claims_say_what_they_check_and_are_registered_once():
    claims = page_context("claims")
    with pytest.raises(ValueError, match="'mute' does not say what it checks"):
        claims.Claim("mute", lambda std: True)
    twice = claims.Claim("a", lambda: True, "one"), claims.Claim("a", lambda: False, "two")
    with pytest.raises(ValueError, match="claims registered twice: a"):
        claims.registry(*twice)


class Falls(SimpleNamespace):
    """A stand-in view whose `name` goes from `before` at step 2 to `after` at step 3."""

    def number(self, t: int, name: str) -> float:
        return {2: self.before, 3: self.after}[t]


def test_the_lstm_or_gru_claim_fails_when_the_gru_falls_further():
    # The sentence the issue found wrong said the GRU's state "falls with it at once" while
    # the LSTM's c "only shrinks". Its check holds of the page's numbers (c: -83%, the
    # GRU's h: -57%) and fails for a GRU that falls further (-90%) than the LSTM's c.
    module = page_context("cells_and_layers")
    shared = page_context("shared").context()
    assert module.lstm_c_falls_further(shared["std"], shared["gru"])
    assert not module.lstm_c_falls_further(shared["std"], Falls(before=0.65, after=0.065))
    assert module.share_lost(0.4886, 0.08222) == pytest.approx(0.8317, abs=1e-4)


def test_percent_lost_is_what_the_page_prints():
    module = page_context("cells_and_layers")
    shared = page_context("shared").context()
    # (0.48861 - 0.08222) / 0.48861 = 0.8317; (0.65172 - 0.27932) / 0.65172 = 0.5714
    assert module.percent_lost(shared["std"], "c", 3) == "83%"
    assert module.percent_lost(shared["gru"], "h", 3) == "57%"


def pages_claims() -> dict[str, set[str]]:
    """The claims each page under docs/ makes, by name."""
    found: dict[str, set[str]] = {}
    for path in sorted(DOCS.rglob("*.md")):
        names = set(CALL.findall(path.read_text("utf8")))
        if names:
            found[path.relative_to(DOCS).as_posix()] = names
    return found


def test_every_registered_claim_is_made_by_a_page_that_may_make_it():
    # A claim no page makes would check nothing a reader sees; a page's claim must be its
    # group's or a shared one (the build fails otherwise: checked here from the sources).
    page_values = load("page_values")
    made = pages_claims()
    assert {"lstm-or-gru.md", "trace-your-model.md", "backprop.md"} <= set(made)
    for page, names in made.items():
        assert names <= {c.name for c in page_values.claims_for(page)}, page
    groups_making = {}
    for page, names in made.items():
        for name in names:
            groups_making.setdefault(name, set()).add(page_values.PAGES.get(page))
    for group, registered in page_values.CLAIMS.items():
        for claim in registered:
            assert group in groups_making.get(claim.name, set()), f"{claim.name} ({group})"
    for claim in page_values.shared.CLAIMS:
        assert claim.name in groups_making, claim.name


def test_the_claim_tag_is_no_number_typed_in_prose():
    # The check of typed numbers (tests/docs/site.py) skips template tags.
    text = '{% call claim("std-falls-at-step-3") %}The memory falls.{% endcall %}'
    assert bare_numbers(text) == []
    assert jinja2.Environment().parse(text)  # and it is a template the hook can render


def test_a_false_claim_fails_the_strict_build(tmp_path):
    # The copied project registers a claim that the toy network's numbers contradict (h
    # grows from 12 to 3211 at step 3) and a page makes it: the build stops on that page.
    project = copy_project(tmp_path / "project", execute_notebook=False,
                           pages=["toy-network.md", "pitfalls.md"])  # fmt: skip
    shared = project / "hooks" / "page_context" / "shared.py"
    shared.write_text(
        shared.read_text("utf8")
        + "\n\nCLAIMS = (*CLAIMS, Claim('h-falls', lambda toy: toy.number(3, 'h') < "
        "toy.number(2, 'h'), 'h falls at step 3'))\n"
    )
    page = project / "docs" / "toy-network.md"
    page.write_text(
        page.read_text("utf8")
        + '\n{% call claim("h-falls") %}At step 3 the hidden state falls.{% endcall %}\n'
    )
    proc = build(project, tmp_path / "site")
    assert proc.returncode != 0
    assert (
        "toy-network.md: the claim 'h-falls' no longer holds (h falls at step 3); the page "
        "says: At step 3 the hidden state falls." in proc.stderr
    )
