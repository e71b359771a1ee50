"""The built site: strict build, offline pages, accessible figures and math, right numbers."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

from tests.docs.arithmetic import checked_lines, lines_that_do_not_add_up
from tests.docs.rendered_working import page_working
from tests.docs.site import ROOT, build, copy_project


def html_pages(site: Path) -> list[Path]:
    """The site's pages, each a folder's index.html as the other site tests count them: not
    404.html, nor the fragment the stepper's script fetches (stepper/cell-figures.html)."""
    return sorted(site.rglob("index.html"))


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
        # the stepper's drawing is a <template> for its script: checked in the browser
        text = re.sub(r"<template.*?</template>", "", text, flags=re.S)
        for svg in re.findall(r'<svg[^>]*class="lx-svg[^"]*".*?</svg>', text, re.S):
            figures += 1
            assert 'role="img"' in svg
            labelled = re.search(r'aria-labelledby="([^"]+) ([^"]+)"', svg)
            assert labelled, svg[:200]
            assert f'<title id="{labelled[1]}">' in svg
            assert f'<desc id="{labelled[2]}">' in svg
            desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S)[1]
            assert len(desc) > 100
    # each in a desk and a phone layout: the symbolic cell and four highlights (cell page),
    # steps 1-3 of the toy and of the second example, the unrolled toy network (home and
    # toy network pages), one step backwards, step 3 in the notebook, the GRU page's
    # two GRU cells (reset after and before), the trained model's gate heatmap, the
    # why-gates page's gradient plot and the recurrent family's plain cell
    assert figures == 2 * (5 + 6 + 2 + 1 + 1 + 2 + 1 + 1 + 1)


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
    assert '<span class="lx-line">cell state:   c = f×c_prev + i×g = 2×1 + 2×2 = 6</span>' in step2
    pitfalls = (site / "pitfalls" / "index.html").read_text("utf8")
    # forget bias 1: a_f = z + 1, so c = 16×7 + 15×15 = 337 and h = 15×337 = 5055 at step 3
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


# Two pages that link only to each other: the configuration, hooks, theme and plugins of
# the whole site build them in a fraction of its time, for the builds below.
TWO_PAGES = ["toy-network.md", "pitfalls.md"]


def build_with_extra_text(tmp_path, text):
    """Build two pages of the site (TWO_PAGES) with `text` appended to the first."""
    project = copy_project(tmp_path / "project", execute_notebook=False, pages=TWO_PAGES)
    page = project / "docs" / "toy-network.md"
    page.write_text(page.read_text("utf8") + text)
    return build(project, tmp_path / "site")


def test_a_broken_anchor_fails_the_strict_build(tmp_path):
    proc = build_with_extra_text(tmp_path, "\nSee [nowhere](pitfalls.md#no-such-heading).\n")
    assert proc.returncode != 0
    assert "no-such-heading" in proc.stderr
    assert len(re.findall(r"^WARNING", proc.stderr, re.M)) == 1  # that one, no other


def test_a_template_typo_fails_the_build(tmp_path):
    proc = build_with_extra_text(tmp_path, "\nThe value {{ toy.hh(3) }}.\n")
    assert proc.returncode != 0
    assert "toy-network.md" in proc.stderr
    assert "has no attribute 'hh'" in proc.stderr  # the typo, named by the hook


def test_a_value_of_another_page_group_fails_the_build(tmp_path):
    # toy_back is the backprop page's; toy-network.md is a walkthrough page.
    proc = build_with_extra_text(tmp_path, "\nThe loss {{ toy_back.loss() }}.\n")
    assert proc.returncode != 0
    assert "toy-network.md: 'toy_back' is undefined here" in proc.stderr
    assert "toy_back is the backprop group's" in proc.stderr


def hand_blocks(page: Path) -> list[str]:
    """The hand calculations of a built page, one string each, a line per line."""
    blocks = re.findall(
        r'<pre class="lx-hand"[^>]*><code>(.*?)</code></pre>', page.read_text("utf8")
    )
    return [
        "\n".join(
            html.unescape(line) for line in re.findall(r'<span class="lx-line">(.*?)</span>', b)
        )
        for b in blocks
    ]


def test_every_line_of_every_hand_calculation_adds_up(site):
    # Redone from the numbers shown, by tests/docs/arithmetic.py's own parser.
    # The toy network's three steps, one page each, then the second example's.
    toy = [hand_blocks(site / f"step-{t}" / "index.html")[0] for t in (1, 2, 3)]
    second = hand_blocks(site / "standard-activations" / "index.html")
    assert len(second) == 3
    for steps in (toy, second):
        assert lines_that_do_not_add_up(*steps) == []
        assert checked_lines(*steps) == 3 * 10  # ten lines a step


# What the pages hold today, at the least: the checker must keep finding them, or it
# could pass by reading nothing. Hand calculations: the toy network and the second
# example (3 × 10 lines each), the GRU page (56), backprop (3 × 12); figures, both
# layouts: the cell page's five, the walkthrough's, the GRU's, the unrolled toy network
# (home, toy network), backprop's, the notebook's; Output blocks: the notebook's hand
# calculations (2 × 10) and the trace page's --explain (10); math: the cell page's c_2.
AT_LEAST = {"hand": 152, "figure": 138, "pre": 30, "math": 1, "prose": 2}


def test_every_line_of_working_on_every_page_adds_up(site):
    # Every line of working a built page shows, wherever it shows it: hand calculations,
    # figures (their text and their descriptions), Output blocks of snippets and shell
    # sessions, math and prose, each redone from the digits it shows by
    # tests/docs/arithmetic.py: its result must be the rounding of what they give.
    failing, counts = [], dict.fromkeys(AT_LEAST, 0)
    for page in html_pages(site):
        found = page_working(page.read_text("utf8"))
        name = page.relative_to(site).parent.as_posix()
        failing += [f"{name or 'home'}: {line}" for line in found.failing()]
        for where in counts:
            counts[where] += found.count(where)
    assert failing == []
    assert all(counts[where] >= least for where, least in AT_LEAST.items()), counts
    cell = page_working((site / "cell" / "index.html").read_text("utf8"))
    assert cell.count("math") == 1  # c_2 with the numbers: the 0.4886 line
    trace_page = page_working((site / "trace-your-model" / "index.html").read_text("utf8"))
    assert trace_page.count("pre") >= 10  # the shell session's --explain


def test_backprop_lists_the_gates_in_keras_order(site):
    # hand_backward writes o, f, i, g; the page shows i, f, g, o like its sums and table
    for block in hand_blocks(site / "backprop" / "index.html"):
        labels = [line.split(":")[0] for line in block.splitlines() if "gate:" in line or
                  line.startswith("candidate:")]  # fmt: skip
        assert labels == ["input gate", "forget gate", "candidate", "output gate"]


# The exercises' answers, derived by hand on the toy network (z = x×W + h_prev×U + b,
# identity activations, c = f×c_prev + i×g, h = o×c), each with the one change asked.
ANSWERS = {
    # first input 2: z = 2, c1 = 2×0 + 2×2 = 4, h1 = 2×4 = 8
    "step-1-input-two-c": "4",
    "step-1-input-two-h": "8",
    # f1 = 0 but c0 = 0: c1 = 0×0 + 1×1 = 1
    "step-1-no-forget-c": "1",
    # f = 0 throughout; step 1 as before (c1 = h1 = 1); step 2: z = 1 + 1 = 2,
    # c2 = 0×1 + 2×2 = 4, h2 = 2×4 = 8
    "step-2-no-forget-c": "4",
    "step-2-no-forget-h": "8",
    # U = 0: z = x = 1 at every step; c1 = 1, c2 = 1×1 + 1×1 = 2, h2 = 1×2 = 2
    "step-2-no-recurrence-h": "2",
    # forget bias 1: step 1 a_f = 2, c1 = 2×0 + 1×1 = 1, h1 = 1; step 2 z = 2, a_f = 3,
    # c2 = 3×1 + 2×2 = 7, h2 = 2×7 = 14
    "step-2-forget-bias-c": "7",
    "step-2-forget-bias-h": "14",
    # o = 0: h = 0 always, so z = x = 1 for i, f, g; c1 = 1, c2 = 1×1 + 1 = 2, c3 = 3
    "step-3-no-output-c": "3",
    "step-3-no-output-h": "0",
    # x3 = 0: steps 1-2 as before (h2 = 12, c2 = 6); z3 = 0 + 12 = 12,
    # c3 = 12×6 + 12×12 = 72 + 144 = 216, h3 = 12×216 = 2592
    "step-3-last-zero-c": "216",
    "step-3-last-zero-h": "2592",
    # L = h3: step 3 as in the sum (dh3 = 1, dc3 = 13, do = 247, df = 78, di = dg = 169),
    # so dh2 = 0 + (247 + 78 + 169 + 169) = 663
    "backprop-last-only-dh2": "663",
    # step 2: dc2 = 13×13 + 663×2 = 169 + 1326 = 1495; do = 663×6 = 3978,
    # df = 1495×1 = 1495, di = dg = 1495×2 = 2990; dh1 = 3978 + 1495 + 2990 + 2990 = 11453
    "backprop-last-only-dh1": "11453",
    # dL/dW_f = 1575 (the gradient table); with the learning rate 1/100000: 0.01575
    "backprop-sgd-forget": "0.01575",
}


def test_the_exercises_answers_are_right(site):
    found = {}
    for page in html_pages(site):
        text = page.read_text("utf8")
        found |= dict(re.findall(r'<strong data-answer="([^"]+)">([^<]*)</strong>', text))
    assert found == ANSWERS


def test_each_walkthrough_page_ends_with_exercises_whose_answers_are_folded(site):
    # The question shows; only its answer is folded (tests/docs/test_words.py: no question
    # anywhere hides inside a folded block).
    for name in ("step-1", "step-2", "step-3", "backprop"):
        text = (site / name / "index.html").read_text("utf8")
        assert 'id="exercises"' in text
        questions = re.findall(r'<div class="admonition question">', text)
        answers = re.findall(r'<details class="success">', text)
        assert 2 <= len(questions) == len(answers) <= 3, name
        assert "<details open" not in text  # answers stay folded until asked for


def test_the_site_calls_the_candidate_g(site):
    # Keras's source calls the candidate block "c"; the site calls it g everywhere.
    for page in html_pages(site):
        assert "i, f, c, o" not in page.read_text("utf8"), page


def test_float32_is_described_as_keras_computes_it(site):
    pitfalls = (site / "pitfalls" / "index.html").read_text("utf8")
    assert 'id="float32-rounds-the-hidden-state-from-step-4"' in pitfalls
    # step 4 by hand: z = 1 + 3211 = 3212, c4 = 3212×247 + 3212² = 793,364 + 10,316,944
    # = 11,110,308 < 2²⁴ = 16,777,216, so float32 holds it; h4 = 3212 × c4 = 35,686,309,296
    # does not fit and rounds to 35,686,309,888 (a multiple of 2¹¹ = 2048)
    assert "   4  11,110,308  11,110,308    35,686,309,296    35,686,309,888" in pitfalls
    for page in html_pages(site):
        assert "float32-is-exact-only-up-to-step-3" not in page.read_text("utf8"), page


def test_the_api_reference_lists_each_object_once(site):
    pages = sorted((site / "api").glob("*/index.html"))
    assert [p.parent.name for p in pages] == ["engine", "explain", "frameworks", "your-models"]
    text = "".join(p.read_text("utf8") for p in pages)
    ids = re.findall(r'id="(lstm_explained\.[\w.]+)"', text)
    for name in ("backward", "Gradients", "StepGradients", "sgd_step", "cell_svg", "cell_figure",
                 "unrolled_figure", "backward_figure", "cell_template"):  # fmt: skip
        assert [i for i in ids if i.rsplit(".", 1)[-1] == name] != [], name
        assert len([i for i in ids if i.rsplit(".", 1)[-1] == name]) == 1, name


def test_the_version_selector_is_on_under_mike(site):
    # The site is built as mike builds it, so every page has the selector and the
    # older-version banner.
    for page in html_pages(site):
        text = page.read_text("utf8")
        assert '"version": {"default": "latest", "provider": "mike"}' in text, page
        assert 'data-md-component="outdated"' in text, page


def test_without_mike_there_is_no_version_selector_to_fetch_versions_json(tmp_path):
    # Under `make serve` or a plain build there is no versions.json; the selector, which
    # fetches it, is switched on only when mike builds (see hooks/material_fixes.py).
    # The switch is in the configuration, the same for every page: two pages show it.
    project = copy_project(tmp_path / "project", execute_notebook=False, pages=TWO_PAGES)
    proc = build(project, tmp_path / "site")
    assert proc.returncode == 0, proc.stderr[-4000:]
    pages = html_pages(tmp_path / "site")
    assert len(pages) == len(TWO_PAGES)
    for page in pages:
        text = page.read_text("utf8")
        assert '"version": null' in text, page
        assert 'data-md-component="outdated"' not in text, page
