"""The snippet runner itself: optional extras, rewriting Output blocks, the `varies` mark.

Each test writes a small page outside the project and runs pytest on it in a
subprocess with only the snippet plugin, so the outcome is pytest's own report.
"""

from __future__ import annotations

import os
import re

from tests.docs.site import ROOT
from tests.docs.snippets import matches_loosely, rewrite_outputs
from tests.docs.test_sources import run_pytest_on

PY, FRESH, VARIES = "```python\n", "```{.python fresh-process}\n", "```{.python varies}\n"
OUT = '```text title="Output"\n'


def env_with(ci: str | None, pythonpath: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTHONPATH")}
    if ci is not None:
        env["CI"] = ci
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    return env


def counts(stdout: str) -> dict[str, int]:
    """The closing line's counts, e.g. {'failed': 1, 'skipped': 2}."""
    return {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|skipped)", stdout)}


# ---- optional extras: skipped locally with the install command, failed under CI -----
def hidden_flax_page(tmp_path):
    # A package named flax ahead of the real one on the path, that fails to import the way
    # a missing module does: flax looks uninstalled, in this process and in a new one.
    hide = tmp_path / "hide"
    (hide / "flax").mkdir(parents=True)
    (hide / "flax" / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'flax'\", name='flax')\n"
    )
    page = tmp_path / "page.md"
    page.write_text(
        f"{PY}import flax\nprint(1)\n```\n\n{OUT}1\n```\n\n"
        f"{FRESH}import flax\nprint(1)\n```\n\n{OUT}1\n```\n\n"
        # Not an extra: a typo must fail, never skip.
        f"{PY}import no_such_module_anywhere\n```\n"
    )
    return page, str(hide)


def test_a_snippet_needing_a_missing_extra_skips_locally_with_the_install_command(tmp_path):
    page, hide = hidden_flax_page(tmp_path)
    proc = run_pytest_on(page, "-rs", env=env_with(None, hide))
    assert counts(proc.stdout) == {"skipped": 2, "failed": 1}, proc.stdout
    assert proc.stdout.count("install it with pip install 'lstm-explained[flax]'") == 2
    assert "No module named 'no_such_module_anywhere'" in proc.stdout


def test_a_snippet_needing_a_missing_extra_fails_under_ci(tmp_path):
    page, hide = hidden_flax_page(tmp_path)
    proc = run_pytest_on(page, "-rs", env=env_with("true", hide))
    assert counts(proc.stdout) == {"failed": 3}, proc.stdout
    assert proc.stdout.count("CI must run this, but Flax is not installed") == 2
    assert "pip install 'lstm-explained[flax]'" in proc.stdout


# ---- rewriting Output blocks ---------------------------------------------------------
WRONG = (
    "# A page\n\n"
    f"{PY}print(6 * 2)\n```\n\n{OUT}13\n```\n\n"  # wrong: replaced
    "Some prose, kept as it is.  \n\n"
    f"{PY}print('a')\nprint('b')\n```\n\n"  # prints, has no block: one is added
    f"{PY}x = 1\n```\n\n{OUT}stale\n```\n\n"  # prints nothing: its block goes
    "~~~text\nnot an Output block\n~~~\n"
)
RIGHT = (
    "# A page\n\n"
    f"{PY}print(6 * 2)\n```\n\n{OUT}12\n```\n\n"
    "Some prose, kept as it is.  \n\n"
    f"{PY}print('a')\nprint('b')\n```\n\n{OUT}a\nb\n```\n\n"
    f"{PY}x = 1\n```\n\n"
    "~~~text\nnot an Output block\n~~~\n"
)


def test_update_output_rewrites_wrong_blocks_that_the_gate_fails(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(WRONG)
    before = run_pytest_on(page)
    assert counts(before.stdout) == {"failed": 3}, before.stdout
    assert page.read_text() == WRONG  # the gate never writes

    update = run_pytest_on(page, "--update-output")
    assert update.returncode == 0, update.stdout
    assert "rewrote the Output blocks of: " + str(page) in update.stdout
    assert page.read_text() == RIGHT

    after = run_pytest_on(page)
    assert counts(after.stdout) == {"passed": 3}, after.stdout
    again = run_pytest_on(page, "--update-output")
    assert "rewrote the Output blocks of: none" in again.stdout
    assert page.read_text() == RIGHT


def test_update_output_leaves_a_failing_snippet_alone_and_fails(tmp_path):
    page = tmp_path / "page.md"
    text = f"{PY}print(1)\nraise ValueError('boom')\n```\n\n{OUT}2\n```\n"
    page.write_text(text)
    proc = run_pytest_on(page, "--update-output")
    assert proc.returncode == 1
    assert "ValueError: boom" in proc.stdout
    assert page.read_text() == text


def test_update_output_refuses_to_run_under_xdist(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(f"{PY}print(1)\n```\n")
    proc = run_pytest_on(page, "--update-output", "-n", "2")
    assert proc.returncode == 4  # usage error
    assert "add -n 0" in proc.stderr


def test_rewrite_keeps_every_other_byte():
    # CRLF-free but with odd spacing and a tilde fence the rewrite must not touch.
    text = "x  \n\n\n" + f"{PY}print(1)\n```\n" + "\n\n  tail\t\n"
    assert rewrite_outputs(text, {4: "1\n"}) == (
        "x  \n\n\n" + f"{PY}print(1)\n```\n" + f"\n{OUT}1\n```\n" + "\n\n  tail\t\n"
    )
    assert rewrite_outputs(text, {4: ""}) == text


# ---- output that depends on the machine ------------------------------------------------
def test_an_unmarked_snippet_whose_output_changes_between_runs_is_not_written(tmp_path):
    page = tmp_path / "page.md"
    text = f"{PY}import time\nprint(time.perf_counter_ns())\n```\n"
    page.write_text(text)
    proc = run_pytest_on(page, "--update-output")
    assert proc.returncode == 1, proc.stdout
    assert "printed something else when run again" in proc.stdout
    assert page.read_text() == text


def test_a_varies_snippet_is_written_then_checked_loosely(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        f"{VARIES}import time\nprint('at', hex(time.perf_counter_ns()))\nprint('done')\n```\n"
    )
    assert run_pytest_on(page, "--update-output").returncode == 0
    written = page.read_text()
    assert re.search(r"\nat 0x[0-9a-f]+\ndone\n```\n$", written), written
    assert counts(run_pytest_on(page).stdout) == {"passed": 1}
    # The words still count: a changed word fails even under the loose rule.
    page.write_text(written.replace("done\n```\n", "finished\n```\n"))
    proc = run_pytest_on(page)
    assert counts(proc.stdout) == {"failed": 1}
    assert "does not match the page even with any number allowed to differ" in proc.stdout


def test_the_loose_rule():
    assert matches_loosely("took 0.52 s\n", "took 1.7 s")
    assert matches_loosely("at 0x7f3a9c\n", "at 0x10")
    assert matches_loosely("loss 1e-07 at step 3\n", "loss 0.25 at step 12")
    assert matches_loosely("Python 3.11.7 on linux\n", "Python ... on linux")
    assert not matches_loosely("took 0.52 s\n", "took 0.52 ms")
    assert not matches_loosely("a\nb\n", "a")
    assert not matches_loosely("on linux\n", "on ... windows")


def test_an_indented_python_fence_fails_the_page(tmp_path):
    # Inside an admonition the fence is indented code to Markdown and would never run.
    page = tmp_path / "page.md"
    page.write_text("!!! note\n\n    ```python\n    print(1)\n    ```\n\n```pycon\n>>> 1\n```\n")
    proc = run_pytest_on(page)
    assert counts(proc.stdout) == {"failed": 1}, proc.stdout
    assert "page.md:3: this Python fence is indented" in proc.stdout


# ---- shell sessions -----------------------------------------------------------------
SH = "```{.sh run}\n"


def test_a_run_shell_fence_is_checked_and_an_unmarked_one_is_only_shown(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        f"{SH}touch made-here\nls\npython -c 'print(6 * 7)'\n```\n\n{OUT}made-here\n42\n```\n\n"
        "```sh\nexit 3\n```\n"
    )
    proc = run_pytest_on(page)
    assert counts(proc.stdout) == {"passed": 1}, proc.stdout


def test_a_shell_fence_with_the_wrong_output_or_a_failing_command_fails(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        f"{SH}echo 1\n```\n\n{OUT}2\n```\n\n"
        f"{SH}false\necho never\n```\n\n"
        f'{SH}false || echo "exit status $?"\n```\n\n{OUT}exit status 1\n```\n'
    )
    proc = run_pytest_on(page)
    assert counts(proc.stdout) == {"failed": 2, "passed": 1}, proc.stdout
    assert "the shell session failed (exit status 1)" in proc.stdout
    update = run_pytest_on(page, "--update-output")
    assert update.returncode == 1  # the failing session keeps its page as it is


def test_each_snippet_runs_in_its_own_empty_directory(tmp_path):
    page = tmp_path / "page.md"
    write_and_list = "import os\nopen('model.keras', 'w').close()\nprint(sorted(os.listdir()))\n"
    page.write_text(
        f"{PY}{write_and_list}```\n\n{OUT}['model.keras']\n```\n\n"
        f"{FRESH}{write_and_list}```\n\n{OUT}['model.keras']\n```\n\n"
        f"{PY}import os\nprint(os.listdir())\n```\n\n{OUT}[]\n```\n"
    )
    proc = run_pytest_on(page)
    assert counts(proc.stdout) == {"passed": 3}, proc.stdout
    assert not (tmp_path / "model.keras").exists()  # the page's directory
    assert not (ROOT / "model.keras").exists()  # where pytest ran


# ---- shell sessions: one command per fence, run in order in one directory --------------
SH, SH_MORE = "```{.sh run}\n", "```{.sh run continue}\n"


def test_a_shell_session_runs_its_fences_in_one_directory_each_checked(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        f"{SH}echo made > file.txt\n```\n\n"  # prints nothing: no Output block
        f"{SH_MORE}cat file.txt\n```\n\n{OUT}made\n```\n\n"
        f"{SH_MORE}echo two; echo lines\n```\n\n{OUT}two\nlines\n```\n"
    )
    proc = run_pytest_on(page)
    assert counts(proc.stdout) == {"passed": 1}, proc.stdout  # one session, one test
    page.write_text(page.read_text().replace("two\nlines", "two\nwords"))
    proc = run_pytest_on(page)
    assert counts(proc.stdout) == {"failed": 1}, proc.stdout
    assert "page.md:13: the snippet's output differs from the page" in proc.stdout  # 3rd fence
    assert "--- printed\ntwo\nlines" in proc.stdout


def test_update_output_writes_each_fence_of_a_session_its_own_block(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(f"{SH}echo a > f; echo one\n```\n\n{SH_MORE}cat f\n```\n")
    assert run_pytest_on(page, "--update-output").returncode == 0
    assert page.read_text() == (
        f"{SH}echo a > f; echo one\n```\n\n{OUT}one\n```\n\n{SH_MORE}cat f\n```\n\n{OUT}a\n```\n"
    )
    assert counts(run_pytest_on(page).stdout) == {"passed": 1}


def test_a_continue_fence_needs_a_session_before_it(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(f"{PY}x = 1\n```\n\n{SH_MORE}echo hi\n```\n\n{OUT}hi\n```\n")
    proc = run_pytest_on(page)
    assert counts(proc.stdout) == {"passed": 1, "failed": 1}, proc.stdout
    assert "page.md:5: this shell fence is marked `continue` but follows no `run`" in proc.stdout
