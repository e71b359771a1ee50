"""The notebook: stored clean, executed at every build, downloadable, failing loudly."""

from __future__ import annotations

import json

from tests.docs.site import DOCS, build, copy_project

NOTEBOOK = DOCS / "notebooks" / "step-through-it-yourself.ipynb"
PAGE = "notebooks/step-through-it-yourself/index.html"


def test_the_stored_notebook_has_no_outputs():
    nb = json.loads(NOTEBOOK.read_text("utf8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert len(code) >= 5
    for cell in code:
        assert cell.get("outputs", []) == []
        assert cell.get("execution_count") is None


def test_the_build_executed_it(site):
    page = (site / PAGE).read_text("utf8")
    # Outputs exist only because the build ran the cells: the toy table's last row
    # (h = 13 x 247 = 3211 by hand) and Keras agreeing exactly.
    assert "| 3 | 1 |     12 |      6 | 13 | 13 | 13 | 13 | 247 | 3211 |" in page
    assert "largest difference from Keras: 0 " in page
    assert 'aria-labelledby="nb-step-3-desk-title nb-step-3-desk-desc"' in page  # the same figure
    assert 'aria-labelledby="nb-step-3-phone-title nb-step-3-phone-desc"' in page


def test_it_can_be_downloaded(site):
    page = (site / PAGE).read_text("utf8")
    assert '<a href="step-through-it-yourself.ipynb" download' in page
    copy = site / "notebooks" / "step-through-it-yourself" / "step-through-it-yourself.ipynb"
    assert json.loads(copy.read_text("utf8")) == json.loads(NOTEBOOK.read_text("utf8"))


def test_a_failing_cell_fails_the_build(tmp_path):
    # The notebook alone, its failing cell first: execution stops at the first error, so
    # the build fails before the notebook imports Keras (the site's build runs the rest).
    project = copy_project(tmp_path / "project", pages=[NOTEBOOK.relative_to(DOCS).as_posix()])
    target = project / "docs" / "notebooks" / "step-through-it-yourself.ipynb"
    nb = json.loads(target.read_text("utf8"))
    nb["cells"].insert(0, {"cell_type": "code", "metadata": {}, "execution_count": None,
                           "outputs": [], "source": ["1 / 0"]})  # fmt: skip
    target.write_text(json.dumps(nb))
    proc = build(project, tmp_path / "site")
    assert proc.returncode != 0
    assert "ZeroDivisionError" in proc.stderr
