"""_version.py: the one place the version lives. The build reads it (pyproject.toml's
dynamic version, from hatch's `[tool.hatch.version] path`), the package exports it, and
it is the newest release the changelog records."""

from __future__ import annotations

import re
import tomllib

import lstm_explained
from lstm_explained import _version
from tests.paths import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf8"))
# hatch's own pattern for a version file: `__version__ = "..."` (or VERSION), v optional
HATCH_PATTERN = re.compile(r"""(?im)^(__version__|VERSION) *= *(['"])v?(?P<version>.+?)\2""")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$")


def test_the_build_takes_the_version_from_this_file_and_from_nowhere_else():
    project = PYPROJECT["project"]
    assert "version" in project["dynamic"]
    assert "version" not in project  # no second copy to fall out of step
    path = ROOT / PYPROJECT["tool"]["hatch"]["version"]["path"]
    assert path == ROOT / "lstm_explained" / "_version.py"
    found = HATCH_PATTERN.findall(path.read_text("utf8"))
    assert len(found) == 1  # hatch reads the first match; there is only one
    assert HATCH_PATTERN.search(path.read_text("utf8"))["version"] == _version.__version__


def test_the_package_exports_it_as_a_semantic_version():
    assert lstm_explained.__version__ == _version.__version__
    assert SEMVER.match(lstm_explained.__version__), lstm_explained.__version__


def test_it_is_the_newest_release_in_the_changelog():
    changelog = (ROOT / "CHANGELOG.md").read_text("utf8")
    releases = re.findall(r"^## \[(\d[^\]]*)\] - \d{4}-\d{2}-\d{2}$", changelog, re.M)
    assert releases, "CHANGELOG.md records no release"
    assert releases[0] == _version.__version__
    assert f"[{releases[0]}]: " in changelog  # the heading's link target is there too
