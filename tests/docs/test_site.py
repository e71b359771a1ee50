"""The built site: strict build, offline pages, accessible figures and math, right numbers."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from tests.docs.site import ROOT, build, copy_project


def html_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if p.name != "404.html")


class Resources(HTMLParser):
    """Everything a page would fetch by itself (not links a reader may click)."""

    def __init__(self) -> None:
        super().__init__()
        self.fetched: list[str] = []
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "audio", "video", "source", "embed"):
            self.fetched += [a.get("src") or "", *(a.get("srcset") or "").split(",")]
        if tag == "link" and (a.get("rel") or "") not in ("canonical", "alternate"):
            self.fetched.append(a.get("href") or "")
        if tag == "meta" and a.get("name"):
            self.meta[a["name"]] = a.get("content") or ""


def parse(page: Path) -> Resources:
    parser = Resources()
    parser.feed(page.read_text("utf8"))
    return parser


EXTERNAL = re.compile(r"^\s*(?:https?:)?//", re.I)


def test_pages_fetch_nothing_from_the_network(site):
    pages = html_pages(site)
    assert len(pages) >= 10
    for page in pages:
        external = [u for u in parse(page).fetched if EXTERNAL.match(u)]
        assert external == [], f"{page.relative_to(site)} fetches {external}"
    for css in site.rglob("*.css"):
        text = css.read_text("utf8")
        assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", text), css
        assert "fonts.googleapis" not in text, css
        assert "@import url(http" not in text, css
    for js in site.rglob("*.js"):
        assert "fonts.googleapis" not in js.read_text("utf8"), js


def test_every_page_has_its_own_meta_description(site):
    descriptions = {}
    for page in html_pages(site):
        description = parse(page).meta.get("description", "")
        assert len(description) > 40, page
        descriptions[page] = description
    assert len(set(descriptions.values())) == len(descriptions)


def test_figures_have_a_title_and_description(site):
    figures = 0
    for page in html_pages(site):
        text = page.read_text("utf8")
        ids = re.findall(r'\sid="([^"]+)"', text)
        assert len(ids) == len(set(ids)), f"duplicate ids in {page}"
        for svg in re.findall(r"<svg[^>]*class=\"lx-cell\".*?</svg>", text, re.S):
            figures += 1
            assert 'role="img"' in svg
            labelled = re.search(r'aria-labelledby="([^"]+) ([^"]+)"', svg)
            assert labelled, svg[:200]
            assert f'<title id="{labelled[1]}">' in svg
            assert f'<desc id="{labelled[2]}">' in svg
    assert figures >= 7  # the symbolic cell, steps 1-3 of the toy and of the second example


def test_math_is_mathml_and_nothing_is_left_for_a_script(site):
    cell = (site / "cell" / "index.html").read_text("utf8")
    assert cell.count("<math") >= 10
    for page in html_pages(site):
        assert "arithmatex" not in page.read_text("utf8"), page


def test_the_changelog_page_shows_every_release_of_changelog_md(site):
    changelog = (ROOT / "CHANGELOG.md").read_text("utf8")
    releases = re.findall(r"^## \[([^\]]+)\]", changelog, re.M)
    assert releases[:1] == ["Unreleased"]
    assert len(releases) >= 2
    html = (site / "changelog" / "index.html").read_text("utf8")
    html = re.sub(r'<a class="headerlink".*?</a>', "", html)
    headings = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html, re.S)]
    assert [h.split(" - ")[0] for h in headings] == releases


def test_home_credits_the_article(site):
    home = (site / "index.html").read_text("utf8")
    assert "https://chatbotsmagazine.com/stepping-through-an-lstm-cell-3563e90bb691" in home


def cells(html: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)
        ]
        for r in rows
    ]


def test_published_numbers_match_the_hand_calculation(site):
    # Derived by hand on the toy network: z = x + h_prev; c = z c_prev + z^2; h = z c.
    home = cells((site / "index.html").read_text("utf8"))
    assert ["3", "1", "12", "6", "13", "13", "13", "13", "247", "3211"] in home
    step2 = (site / "step-2" / "index.html").read_text("utf8")
    assert "the new cell state c = 6." in step2  # the figure's description
    assert "the new hidden state h = 12," in step2
    assert "c = f×c_prev + i×g = 2×1 + 2×2 = 6" in step2
    pitfalls = (site / "pitfalls" / "index.html").read_text("utf8")
    # forget bias 1: z_f = z + 1, so c = 16×7 + 15×15 = 337 and h = 15×337 = 5055 at step 3
    assert [
        "3",
        "1",
        "14",
        "7",
        "15",
        "16",
        "15",
        "15",
        "15",
        "16",
        "15",
        "15",
        "337",
        "5055",
    ] in cells(pitfalls)
    assert "35,686,309,296" in pitfalls
    assert "35,686,309,888" in pitfalls


def build_with_extra_text(tmp_path, text):
    """Build a copy of the site with `text` appended to one page."""
    project = copy_project(tmp_path / "project")
    page = project / "docs" / "toy-network.md"
    page.write_text(page.read_text("utf8") + text)
    return build(project, tmp_path / "site")


def test_a_broken_anchor_fails_the_strict_build(tmp_path):
    proc = build_with_extra_text(tmp_path, "\nSee [nowhere](pitfalls.md#no-such-heading).\n")
    assert proc.returncode != 0
    assert "no-such-heading" in proc.stderr


def test_a_template_typo_fails_the_build(tmp_path):
    proc = build_with_extra_text(tmp_path, "\nThe value {{ toy.hh(3) }}.\n")
    assert proc.returncode != 0
    assert "toy-network.md" in proc.stderr
