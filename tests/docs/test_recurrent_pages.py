"""The two pages of the recurrent family, as built: "Why gates" on the learner's path
before the LSTM cell, "The recurrent family" among the other cells, their working."""

from __future__ import annotations

import re

from tests.docs.arithmetic import checked_lines, lines_that_do_not_add_up
from tests.docs.test_site import hand_blocks
from tests.docs.test_words import article, plain


def nav_links(page_html: str) -> list[str]:
    """The navigation's page links, in order (its sections nest, so read them all)."""
    return re.findall(r'<a href="([^"#]+)" class="md-nav__link', page_html)


def test_why_gates_opens_the_learners_path_and_home_links_to_it(site):
    links = nav_links((site / "index.html").read_text("utf8"))
    assert links.index("why-gates/") + 1 == links.index("cell/")
    home = article(site / "index.html")
    why = home[home.find('id="why-the-gates"') :]
    assert 'href="why-gates/"' in why[: why.find("<h2")]
    assert 'href="../why-gates/"' in article(site / "lstm" / "index.html")


def test_the_why_gates_working_adds_up_line_by_line(site):
    blocks = hand_blocks(site / "why-gates" / "index.html")
    assert len(blocks) == 2  # the plain cell's factors, the LSTM's path through c
    for block in blocks:
        lines = block.splitlines()
        assert [line.split(":")[0] for line in lines] == [f"step {t}" for t in (50, 49, 48, 47)]
        assert [lines_that_do_not_add_up(line) for line in lines] == [[]] * 4


def test_the_why_gates_plot_is_drawn_in_both_layouts_and_described(site):
    text = (site / "why-gates" / "index.html").read_text("utf8")
    plots = re.findall(r'<svg[^>]*class="lx-svg lx-plot lx-(desk|phone)"', text)
    assert plots == ["desk", "phone"]
    desc = re.search(r'<desc id="why-gates-plot-desk-desc">(.*?)</desc>', text, re.S)[1]
    assert desc.count("from step 1 to step 50") == 3


FRAMEWORK_NAMES = (
    "SimpleRNN", "nn.RNN", "nnx.SimpleCell", "nn.LSTM", "nnx.LSTMCell", "nn.GRU", "nnx.GRUCell",
    "input_forget=1", "proj_size", "weight_hr_l0", "clip", "reset_after=False",
    "linear_before_reset=1", "linear_before_reset=0",
)  # fmt: skip


def test_the_family_table_names_every_cell_variant_and_flag(site):
    words = plain(article(site / "recurrent-family" / "index.html"))
    for name in FRAMEWORK_NAMES:
        assert name in words, name
    assert "three gates and a candidate" in words


def test_the_family_worked_steps_add_up(site):
    # Operands may show more digits than a result: each result must be the rounding, at
    # its own digits, of what its operands allow (tests/docs/arithmetic.py's own parser).
    # The plain cell, the LSTM, then each LSTM variant, then the GRU.
    blocks = hand_blocks(site / "recurrent-family" / "index.html")
    assert [b.splitlines()[0].split(":")[0] for b in blocks] == ["time step 2"] * 7
    assert lines_that_do_not_add_up(*blocks) == []
    # plain 2, LSTM 10, peepholes 10, coupled 9, clip 10 (+ a clip line that states),
    # projection 11, GRU 7
    assert checked_lines(*blocks) == 2 + 10 + 10 + 9 + 10 + 11 + 7
    clipped = [line for line in blocks[4].splitlines() if line.startswith("clipped:")]
    assert len(clipped) == 1
