"""hooks/page_values.py: pages rendered with the values they may quote, and no others."""

from __future__ import annotations

import jinja2
import jinja2.meta
import pytest

from tests.docs.hooks.loader import fake_page, load
from tests.docs.site import DOCS


def quoting_pages() -> dict[str, set[str]]:
    """Every page under docs/ with a `{{ ... }}`, and the names it quotes."""
    env = jinja2.Environment()
    found = {}
    for path in sorted(DOCS.rglob("*")):
        text = path.read_text("utf8") if path.suffix in (".md", ".ipynb") else ""
        if "{{" in text:
            names = jinja2.meta.find_undeclared_variables(env.parse(text))
            found[path.relative_to(DOCS).as_posix()] = names
    return found


def test_page_values_render_a_page_and_name_it_on_a_typo():
    page_values = load("page_values")
    page = fake_page("toy-network.md")
    assert page_values.on_page_markdown("h = {{ toy.h(2) }}", page) == "h = 12"
    with pytest.raises(RuntimeError, match=r"toy-network\.md"):
        page_values.on_page_markdown("{{ toy.hh(2) }}", page)


def test_every_page_that_quotes_a_value_has_a_group():
    page_values = load("page_values")
    pages = quoting_pages()
    assert "index.md" in pages  # the scan finds them
    assert "backprop.md" in pages
    assert sorted(pages) == sorted(page_values.PAGES)  # and nothing stale in PAGES
    for page, group in page_values.PAGES.items():
        assert group is None or group in page_values.GROUPS, page


def test_a_page_sees_the_shared_values_and_its_groups_only():
    page_values = load("page_values")
    shared = set(page_values.shared.context())
    backprop = set(page_values.GROUPS["backprop"]())
    assert {"toy", "toy6", "std"} <= shared
    assert backprop == {"toy_back", "last_only_back"}
    assert set(page_values.values_for("backprop.md")) == shared | backprop
    assert set(page_values.values_for("index.md")) == shared  # in PAGES, with no group
    assert set(page_values.values_for("changelog.md")) == shared  # not in PAGES


def test_a_value_of_another_group_fails_naming_the_page_and_its_owner():
    page_values = load("page_values")
    text = "L = {{ toy_back.loss() }}"
    # L = h1 + h2 + h3 of the toy network = 1 + 12 + 3211
    assert page_values.on_page_markdown(text, fake_page("backprop.md")) == "L = 3224"
    with pytest.raises(RuntimeError) as err:
        page_values.on_page_markdown(text, fake_page("toy-network.md"))
    message = str(err.value)
    assert message.startswith("toy-network.md: 'toy_back' is undefined here")
    assert "the shared values and the walkthrough group's" in message
    assert "toy_back is the backprop group's" in message
    with pytest.raises(RuntimeError, match=r"index\.md: 'tooy' .* tooy is no group's"):
        page_values.on_page_markdown("{{ tooy.h(1) }}", fake_page("index.md"))


def test_each_value_is_where_the_pages_that_quote_it_are():
    # A group's value is quoted by pages of that group only; a shared one by pages of
    # two groups or more, or by a page of no group (which sees the shared values only).
    page_values = load("page_values")
    audience: dict[str, set[str]] = {}
    for page, names in quoting_pages().items():
        for name in names:
            audience.setdefault(name, set()).add(page_values.PAGES[page] or page)
    shared = set(page_values.shared.context())
    for name in shared:
        quoted_by = audience.get(name, set())
        no_group = quoted_by - set(page_values.GROUPS)
        assert len(quoted_by) >= 2 or no_group, f"{name} is shared, quoted by {quoted_by}"
    seen = set(shared)
    for group, values in page_values.GROUPS.items():
        for name in values():
            assert name not in seen, f"{name} is defined twice"
            seen.add(name)
            assert audience.get(name) == {group}, (
                f"{name} of {group}, quoted by {audience.get(name)}"
            )
    assert set(audience) - {"claim"} <= seen  # claim(...): the hook's, for every page
