"""The built site says things one way: what a gate is, captions on tables that come in
pairs, exercises whose questions show, and other words a reader trips over."""

from __future__ import annotations

import html
import itertools
import re
from pathlib import Path

from tests.docs.site import DOCS, open_page
from tests.docs.snippets import fences
from tests.docs.stepper_page import LSTM_COLUMNS, loaded, table
from tests.docs.test_site import html_pages


def article(page: Path) -> str:
    """The page's own content, without Material's navigation around it."""
    text = page.read_text("utf8")
    start = text.find("<article")
    return text[start : text.find("</article>", start)] if start >= 0 else ""


def plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def captions_of_tables(text: str) -> list[str | None]:
    """Each table's caption, in order: the <figcaption> of the <figure> it sits in, or None."""
    found = []
    for opening in re.finditer(r"<table[ >]", text):
        before = text[: opening.start()]
        opened = before.rfind("<figure")
        inside = opened > before.rfind("</figure>")
        caption = re.search(r"<figcaption>(.*?)</figcaption>", before[opened:], re.S)
        found.append(plain(caption[1]) if inside and caption else None)
    return found


def adjacent_tables(text: str) -> list[tuple[int, int]]:
    """Pairs of tables (by their order on the page) with no prose between them but captions."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"<table[ >].*?</table>", text, re.S)]
    pairs = []
    for k, ((_, end), (start, _)) in enumerate(itertools.pairwise(spans)):
        between = re.sub(r"<figcaption>.*?</figcaption>", "", text[end:start], flags=re.S)
        if not plain(between):
            pairs.append((k, k + 1))
    return pairs


def test_tables_that_come_in_pairs_have_captions(site):
    # Two tables one after the other (layer 1 and 2, forward and backward, reset_after
    # True and False) would leave the reader to guess which is which.
    pairs = 0
    for page in html_pages(site):
        text = article(page)
        captions = captions_of_tables(text)
        for first, second in adjacent_tables(text):
            pairs += 1
            where = f"{page.relative_to(site)}, tables {first + 1} and {second + 1}"
            assert captions[first], where
            assert captions[second], where
            assert captions[first] != captions[second], where
    assert pairs >= 4


def test_the_named_pairs_say_which_is_which(site):
    gru = [c for c in captions_of_tables(article(site / "gru" / "index.html")) if c]
    assert [c.split(":")[0].strip() for c in gru] == ["reset_after=True", "reset_after=False"]
    layers = [c for c in captions_of_tables(article(site / "layers" / "index.html")) if c]
    assert [c.split(" ")[1] for c in layers] == ["first", "second", "forward", "backward"]


def test_the_caption_check_finds_a_pair_without_captions():
    two = "<p>Intro.</p><table><tr><td>1</td></tr></table>\n<table><tr><td>2</td></tr></table>"
    assert adjacent_tables(two) == [(0, 1)]
    assert captions_of_tables(two) == [None, None]
    told = "<p>One.</p><table></table><p>Another.</p><table></table>"
    assert adjacent_tables(told) == []
    captioned = (
        "<figure><figcaption><p>A</p></figcaption><table></table></figure>"
        "<figure><figcaption><p>B</p></figcaption><table></table></figure>"
    )
    assert adjacent_tables(captioned) == [(0, 1)]
    assert captions_of_tables(captioned) == ["A", "B"]


def test_exercise_questions_show_and_only_their_answers_fold(site):
    # A question hidden inside the folded block with its answer cannot be worked on before
    # opening the answer. Every folded block is an answer, and each question shows.
    questions = 0
    for page in html_pages(site):
        text = article(page)
        where = page.relative_to(site)
        for folded in re.finditer(r"<details([^>]*)>\s*<summary>(.*?)</summary>", text, re.S):
            assert (folded[1].strip(), plain(folded[2])) == ('class="success"', "Answer"), where
        shown = re.findall(r'<div class="admonition question">(.*?)<details', text, re.S)
        for question in shown:
            assert "?" in plain(question), where  # the question itself, outside the fold
        questions += len(shown)
    assert questions == 10  # steps 1 to 3 and backprop: 2 + 3 + 2 + 3


# What a gate is, said one way: an LSTM has three gates (input, forget, output) and a
# candidate, a GRU two (update, reset) and a candidate; the four (or three) blocks of the
# weights are the gates' and the candidate's. Phrasings that count the candidate as a
# gate, anywhere a reader sees them: prose, tables, figures' descriptions, the stepper's
# templates, printed output and the API reference.
CONTRADICTIONS = {
    r"\bfour gates\b": "an LSTM has three gates and a candidate",
    r"\b(?:candidate|cell) gates?\b": "the candidate is not a gate",
    r"\bgate blocks?\b": "a block of the weights is a gate's or the candidate's",
    r"\bthree gates\b[^.]*\b(?:update|reset)\b": "a GRU has two gates and a candidate",
    r"\b(?:update|reset) gate[^.]*\bthree gates\b": "a GRU has two gates and a candidate",
}


def seen(page: Path) -> str:
    """What a page shows or reads out: its HTML without scripts and styles, so that text,
    figures' titles and descriptions and the stepper's templates are all searched."""
    return html.unescape(
        re.sub(r"<(script|style)\b.*?</\1>", " ", page.read_text("utf8"), flags=re.S)
    )


def contradictions(text: str) -> list[str]:
    return [
        f"{m[0]!r} ({why})"
        for pattern, why in CONTRADICTIONS.items()
        for m in re.finditer(pattern, text, re.I)
    ]


def test_the_candidate_is_never_counted_as_a_gate(site):
    home = plain(seen(site / "index.html"))
    assert "an LSTM has three gates (input, forget, output)" in home
    assert "and a candidate that proposes new content" in home
    found = {str(page.relative_to(site)): contradictions(seen(page)) for page in html_pages(site)}
    assert {page: bad for page, bad in found.items() if bad} == {}


def test_the_gate_check_finds_each_phrasing():
    assert contradictions("Keras stacks the four gates side by side") != []
    assert contradictions("the candidate gate g") != []
    assert contradictions("gate blocks in the weights") != []
    assert contradictions("h_prev feed three gates: update gate z and reset gate r") != []
    assert contradictions("an LSTM has three gates (input, forget, output) and a candidate") == []
    assert contradictions("Two gates replace the LSTM's three: the update gate z") == []
    assert contradictions("the recurrent candidate bias") == []


def test_the_stepper_says_how_to_add_a_unit_and_it_works(browser, server):
    # The hint under the weights said "rows separated by semicolons" and nothing of how
    # to change the number of units. It now says: one more number in every b. Done as
    # it says on the article's network (every W and U 1, no bias), two units by hand:
    # step 1 z = 1, c = 1, h = 1; step 2 z = 1 + 1 + 1 = 3, c = 3×1 + 3×3 = 12,
    # h = 3×12 = 36; step 3 z = 1 + 36 + 36 = 73, c = 73×12 + 73² = 6205, h = 73×6205.
    with open_page(browser, f"{server}latest/stepper/") as (page, errors, _):
        loaded(page, errors)
        hint = page.inner_text("#stepper-legend")
        assert "to add a unit, type one more number into every b (0, 0 for two units)" in hint
        assert page.get_attribute("#stepper-gates", "aria-describedby") == "stepper-legend"
        for block in ("input", "forget", "candidate", "output"):
            page.fill(f"#stepper-b-{block}", "0, 0")
        assert page.inner_text("#stepper-error").strip() == ""
        h = [row[LSTM_COLUMNS.index("h")] for row in table(page)]
        assert h == ["[1, 1]", "[36, 36]", f"[{73 * 6205}, {73 * 6205}]"]
        assert errors == []


def prose(fragment: str) -> str:
    """A page's text outside its figures and code blocks, spaces removed (MathML spells
    dx as two letters): what the page itself says."""
    fragment = re.sub(r"<(figure|pre|svg)\b.*?</\1>", " ", fragment, flags=re.S)
    return re.sub(r"\s", "", plain(fragment))


def test_what_the_backward_figure_shows_the_page_explains(site):
    # The backward figure labels dx and dc_later; the prose next to it must say what they
    # are, with the figure's numbers.
    pages = 0
    for page in html_pages(site):
        text = article(page)
        for svg in re.findall(r'<svg[^>]*aria-labelledby="backward-.*?</svg>', text, re.S):
            pages += 1
            desc = plain(re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S)[1])
            dx = re.search(r"dx = (\S+?)\.", desc)[1]
            dc_later = re.search(r"dc_later = (\S+?);", desc)[1]
            said = prose(text)
            assert f"dx={dx},isthegradientwithrespecttothisstep'sinput" in said, page
            assert re.search(rf"{dc_later}.{{0,60}}dc_later", said), page
    assert pages >= 2  # a desk and a phone layout


def test_the_cell_page_introduces_its_example_before_drawing_it(site):
    # The gate-by-gate figures carry the second example's step 2; its weights, activations
    # and inputs come first, on the page itself.
    text = article(site / "cell" / "index.html")
    first_figure = text.index('aria-labelledby="cell-std-2-')
    before = plain(text[:first_figure])
    weights = re.search(r"<table>.*?</table>", text[:first_figure].split("Gate by gate")[-1], re.S)
    assert weights, "no table of the example's weights before its first figure"
    rows = [plain(r) for r in re.findall(r"<tr>(.*?)</tr>", weights[0], re.S)]
    assert [r.split()[0] for r in rows[1:]] == ["input", "forget", "candidate", "output"]
    assert "It reads the inputs 1, 0.5, -1, one per time step" in before
    assert "Keras's default activations" in before


def shell_commands(source: str) -> list[str]:
    """The commands of a shell fence: a heredoc and the lines a backslash continues belong
    to the command they start; blank lines and comments are none."""
    found: list[str] = []
    ends_heredoc = None
    joined = False
    for line in source.splitlines():
        if ends_heredoc is not None:
            ends_heredoc = None if line.strip() == ends_heredoc else ends_heredoc
        elif joined:
            found[-1] += "\n" + line
        elif line.strip() and not line.lstrip().startswith("#"):
            found.append(line)
            heredoc = re.search(r"<<-?\s*'?\"?(\w+)", line)
            ends_heredoc = heredoc[1] if heredoc else None
        joined = ends_heredoc is None and line.endswith("\\")
    return found


def test_each_shell_command_has_its_own_output():
    # A session of four commands under one Output block left the reader to find where
    # each command's output starts. Every shell fence the gate runs holds one command.
    sessions = 0
    for path in sorted(DOCS.rglob("*.md")):
        for fence in fences(path):
            if fence.is_shell_run:
                sessions += 1
                commands = shell_commands(fence.content)
                assert len(commands) == 1, f"{path.name}:{fence.start_line}: {commands}"
    assert sessions >= 8


def test_the_command_count_sees_heredocs_and_continued_lines():
    assert shell_commands("python - <<'EOF'\nimport x\nEOF\nls\n") == ["python - <<'EOF'", "ls"]
    assert shell_commands("a \\\n    -i 1\n# note\n\nb || echo no\n") == [
        "a \\\n    -i 1",
        "b || echo no",
    ]
