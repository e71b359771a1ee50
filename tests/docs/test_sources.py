"""Checks on the Markdown sources: snippets collected, self-contained, numbers not typed."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.docs import snippet_lint
from tests.docs.site import (
    DOCS,
    PAGE_NUMBERS,
    ROOT,
    bare_numbers,
    page_source,
    pages,
    raw_python_fences,
)
from tests.docs.snippets import FRESH_PROCESS, PYTHON, fences

PAGES = pages()


def collected_lines(path):
    """The opening lines of the Python fences the snippet collector runs."""
    return [f.start_line for f in fences(path) if f.is_python]


def test_there_are_pages_and_snippets():
    assert len(PAGES) >= 10
    assert sum(len(collected_lines(p)) for p in PAGES) >= 20


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_every_python_fence_is_collected(path):
    # A fence indented inside an admonition or tab is no fence to Markdown and would be
    # silently skipped; a plain scan of the lines finds it anyway.
    assert raw_python_fences(path.read_text("utf8")) == collected_lines(path)


def test_the_collection_check_catches_an_indented_fence(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("!!! note\n\n    ```python\n    print(1)\n    ```\n\n```python\nx = 1\n```\n")
    assert raw_python_fences(page.read_text()) == [3, 7]
    assert collected_lines(page) == [7]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_snippets_are_self_contained_and_outputs_follow_snippets(path):
    page = fences(path)
    for k, fence in enumerate(page):
        if fence.lang in PYTHON:
            assert not fence.options & {"continuation", "notest"}, f"{path.name}:{fence.start_line}"
        if fence.is_output:
            where = f"{path.name}:{fence.start_line}"
            assert k > 0, where
            assert page[k - 1].runs, where


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_prose_has_no_hand_typed_numbers(path):
    # Numbers in prose come from the engine through {{ ... }}; a typed one could go stale.
    assert bare_numbers(page_source(path), PAGE_NUMBERS.get(path.name)) == []


def test_the_prose_check_catches_a_typed_number():
    assert bare_numbers("After step 3 the state is {{ toy.h(3) }}.") == []
    assert bare_numbers("After step 3 the state is 3211.") == ["3211."[:-1]]
    assert bare_numbers("It has 95 digits, not `95`.") == ["95"]
    assert bare_numbers("Keras 3 computes in 32-bit floats: $h_3 = 3211$.") == []


def test_the_changelog_is_linted_with_its_own_narrow_allowances():
    changelog = page_source(DOCS / "changelog.md")
    assert "## [0.1.0] - " in changelog  # the include is followed
    allowed = PAGE_NUMBERS["changelog.md"]
    release = "## [0.2.0] - 2027-01-31\n\n- Faster.\n\n[0.2.0]: https://example.org/v0.2.0\n"
    assert bare_numbers(release, allowed) == []
    assert bare_numbers(release) == ["0.2", "2027", "01", "31", "0.2"]  # elsewhere: flagged
    # Results typed into an entry are still caught, as is a date outside a heading.
    assert bare_numbers("- The toy network now gives h = 3211.\n", allowed) == ["3211"]
    assert bare_numbers("Released on 2027-01-31.\n", allowed) == ["2027", "01", "31"]


def test_a_changed_output_block_fails_the_gate(tmp_path):
    original = (DOCS / "toy-network.md").read_text("utf8")
    changed = original.replace("|   6 |   12 |", "|   6 |   13 |")
    assert changed != original
    (tmp_path / "page.md").write_text(changed, "utf8")
    proc = run_pytest_on(tmp_path / "page.md")
    assert proc.returncode == 1, proc.stdout
    assert "the snippet's output differs from the page" in proc.stdout


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_a_snippet_that_picks_a_keras_backend_runs_in_a_fresh_process(path):
    # In this process Keras is already imported on TensorFlow, so KERAS_BACKEND would be
    # ignored and the snippet would "prove" TensorFlow's numbers under another name.
    for fence in fences(path):
        if fence.needs_fresh_process:
            assert fence.fresh_process, f"{path.name}:{fence.start_line}"


def test_the_fresh_process_mark_is_read_and_python_is_still_collected(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        '```{.python fresh-process}\nimport os\nos.environ["KERAS_BACKEND"] = "jax"\n```\n\n'
        "```python\nos = 1\n```\n"
    )
    marked, plain = fences(page)
    assert (marked.lang, marked.options) == ("python", frozenset({FRESH_PROCESS}))
    assert marked.needs_fresh_process
    assert (plain.options, plain.needs_fresh_process) == (frozenset(), False)
    assert raw_python_fences(page.read_text()) == collected_lines(page) == [1, 6]


def test_elsewhere_uses_the_fresh_process_mark():
    marked = [f for f in fences(DOCS / "elsewhere.md") if FRESH_PROCESS in f.options]
    assert len(marked) == 2
    assert {f.content.count('os.environ["KERAS_BACKEND"]') for f in marked} == {1}


def run_pytest_on(page, *options, env=None):
    """pytest with only the snippet plugin, on one page outside the project (and not
    Hypothesis's, which pytest would load for nothing: 0.5 to 0.8 s a run)."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:hypothesispytest",
            "-p",
            "tests.docs.snippets",
            *options,
            "--rootdir",
            str(page.parent),
            "-c",
            "/dev/null",
            str(page),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_fresh_process_snippets_run_in_a_new_interpreter_and_are_checked(tmp_path):
    page = tmp_path / "page.md"
    fence = "```{.python fresh-process}\n"
    output = '```text title="Output"\n'
    page.write_text(
        # 1: passes only outside this process: a new interpreter has not loaded pytest.
        f"{fence}import sys\nprint(sys.argv[0], 'pytest' in sys.modules)\n```\n\n"
        f"{output}-c False\n```\n\n"
        # 2: prints something else than the page shows.
        f"{fence}print(13)\n```\n\n{output}12\n```\n\n"
        # 3: raises; the error and the page's line number are reported.
        f"{fence}raise ValueError('from the snippet')\n```\n\n"
        # 4: sets KERAS_BACKEND without the mark, so it is not run in-process.
        '```python\nimport os\nos.environ["KERAS_BACKEND"] = "jax"\n```\n\n'
        # 5 and 6: warn when run alone; a UserWarning is an error, and any other fails too.
        f"{fence}import warnings\nwarnings.warn('careful', UserWarning)\n```\n\n"
        f"{fence}import warnings\nwarnings.warn('later', FutureWarning)\n```\n"
    )
    proc = run_pytest_on(page)
    assert proc.returncode == 1, proc.stdout
    assert "5 failed, 1 passed" in proc.stdout, proc.stdout
    assert "UserWarning: careful" in proc.stdout
    assert "the snippet warned when run alone in a fresh interpreter" in proc.stdout
    assert "FutureWarning: later" in proc.stdout
    assert "the snippet's output differs from the page" in proc.stdout
    assert "the snippet failed in a fresh interpreter" in proc.stdout
    assert "line 19, in <module>\nValueError: from the snippet" in proc.stdout
    assert "sets KERAS_BACKEND, which does nothing once Keras is imported" in proc.stdout


def test_the_test_suite_is_not_called_the_gate_on_the_pages():
    # On pages about LSTM gates, "the gate checks it" reads as if a gate did the checking.
    for path in PAGES:
        text = path.read_text("utf8")
        assert not re.search(r"\b[Tt]he (?:test )?gate (?:checks|runs|fails|enforces)", text), path


def test_step_one_gives_h_with_phi():
    # h = o × φ(c): the toy network's φ is the identity, but the page must not drop it.
    text = (DOCS / "step-1.md").read_text("utf8")
    sentence = re.search(r"The new hidden state is[^.]*\.", text.replace("\n", " "))
    assert sentence
    assert "\\phi" in sentence[0]


def test_the_sgd_snippet_shows_everything_its_loss_depends_on():
    page = fences(DOCS / "backprop.md")
    sgd = next(f for f in page if "sgd_step(" in f.content and "Fraction" in f.content)
    for part in ("new.kernel", "new.recurrent_kernel", "new.bias"):
        assert part in sgd.content
    output = page[page.index(sgd) + 1].content
    # bias 0 - (1/100000) × dL/db, with dL/db = [17627, 1575, 17627, 15701] (the table)
    assert "new bias:             [-0.17627, -0.01575, -0.17627, -0.15701]" in output


def test_the_snippets_pass_the_packages_lint_rules():
    # fix with: python -m tests.docs.snippet_lint --fix (then review the pages' diff)
    assert [str(finding) for finding in snippet_lint.lint()] == []


def test_the_snippet_lint_names_the_page_line_and_rule(tmp_path):
    code = "import numpy\nimport keras\nprint(zip([keras], [numpy]))\n"
    page = f"Some prose.\n\n```python\n{code}```\n"
    (tmp_path / "page.md").write_text(page, "utf8")
    found = [(f.page, f.line, f.code) for f in snippet_lint.lint(tmp_path)]
    assert found == [("page.md", 4, "I001"), ("page.md", 6, "B905")]
