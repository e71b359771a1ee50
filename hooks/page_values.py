"""MkDocs hook: every number, table, hand calculation and figure comes from the engine.

Pages are Jinja templates rendered before Markdown, so prose writes `{{ toy.h(3) }}`
rather than a number typed by hand. The values live in hooks/page_context/ (helpers, not
hooks): a page sees the shared ones (`shared.py`) and those of its own page group, as
`PAGES` below assigns it. A value of another group, or a typo in a `{{ ... }}`, fails
the build with an error that names the page; so does a sentence about numbers that they
no longer bear out (`claim(...)`, hooks/page_context/claims.py).

Registered in mkdocs.yml under `hooks:`, with the other hooks in this folder, one job each.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

# MkDocs puts this folder on sys.path only while it loads a hook file (mkdocs#3568).
# Adding it here too keeps page_context importable however this file is loaded (the
# tests load it by path, without MkDocs's help).
_FOLDER = str(Path(__file__).resolve().parent)
if _FOLDER not in sys.path:
    sys.path.append(_FOLDER)

from page_context import (  # noqa: E402  (found through the folder added above)
    backprop,
    cells_and_layers,
    family,
    layouts,
    shared,
    stepper,
    trace_your_model,
    walkthrough,
    why_gates,
)
from page_context.claims import Claim, ClaimError, checker  # noqa: E402

GROUPS: dict[str, Callable[[], dict[str, Any]]] = {
    "walkthrough": walkthrough.context,
    "backprop": backprop.context,
    "cells_and_layers": cells_and_layers.context,
    "layouts": layouts.context,
    "stepper": stepper.context,
    "trace_your_model": trace_your_model.context,
    "why_gates": why_gates.context,
    "family": family.context,
}
"""Each page group's values, by the name of its module in hooks/page_context/."""

CLAIMS: dict[str, tuple[Claim, ...]] = {
    "walkthrough": walkthrough.CLAIMS,
    "backprop": backprop.CLAIMS,
    "cells_and_layers": cells_and_layers.CLAIMS,
    "layouts": layouts.CLAIMS,
    "stepper": stepper.CLAIMS,
    "trace_your_model": trace_your_model.CLAIMS,
    "why_gates": why_gates.CLAIMS,
    "family": family.CLAIMS,
}
"""Each page group's claims (hooks/page_context/claims.py), registered beside its values."""

PAGES: dict[str, str | None] = {
    "index.md": None,  # the shared values only
    "why-gates.md": "why_gates",
    "cell.md": "walkthrough",
    "toy-network.md": "walkthrough",
    "keras.md": "walkthrough",
    "step-1.md": "walkthrough",
    "step-2.md": "walkthrough",
    "step-3.md": "walkthrough",
    "after-the-sequence.md": "walkthrough",
    "pitfalls.md": "walkthrough",
    "standard-activations.md": "walkthrough",
    "backprop.md": "backprop",
    "recurrent-family.md": "family",
    "gru.md": "cells_and_layers",
    "lstm-or-gru.md": "cells_and_layers",
    "layers.md": "cells_and_layers",
    "elsewhere.md": "cells_and_layers",
    "layouts.md": "layouts",
    "four-frameworks.md": "layouts",
    "stepper.md": "stepper",
    "trace-your-model.md": "trace_your_model",
}
"""Every page that quotes a value (its path under docs/), and its group: None for the
shared values only. A page not listed sees the shared values only, and fails a test if
it quotes any."""


def values_for(page: str) -> dict[str, Any]:
    """What `page` (its path under docs/) may quote: the shared values and its group's."""
    group = PAGES.get(page)
    return shared.context() | (GROUPS[group]() if group else {})


def claims_for(page: str) -> tuple[Claim, ...]:
    """The claims `page` may make: the shared ones and its group's."""
    group = PAGES.get(page)
    return shared.CLAIMS + (CLAIMS[group] if group else ())


def not_seen(page: str, names: list[str]) -> str:
    """Why a page cannot quote `names`, and whose values they are."""
    group = PAGES.get(page)
    sees = f"the shared values and the {group} group's" if group else "the shared values only"
    homes = []
    for name in names:
        owners = [g for g, values in GROUPS.items() if name in values()]
        homes.append(f"{name} is the {' and '.join(owners)} group's" if owners
                     else f"{name} is no group's")  # fmt: skip
    return (
        f"{', '.join(repr(n) for n in names)} {'is' if len(names) == 1 else 'are'} undefined "
        f"here: this page sees {sees} (PAGES in hooks/page_values.py); {'; '.join(homes)}. "
        "A value that pages of several groups quote belongs in hooks/page_context/shared.py."
    )


_ENV = jinja2.Environment(
    undefined=jinja2.StrictUndefined,  # a typo in a page fails the build
    autoescape=False,
    keep_trailing_newline=True,
)


def on_page_markdown(markdown: str, page: Page, **_: Any) -> str:
    """Render the page as a template, with the values it may quote, before MkDocs turns
    it into HTML."""
    values = values_for(page.file.src_uri)
    # `claim(...)` puts a sentence about numbers on the page once the numbers bear it out
    values["claim"] = checker(claims_for(page.file.src_uri), values)
    try:
        template = _ENV.parse(markdown)
        unknown = sorted(jinja2.meta.find_undeclared_variables(template) - values.keys())
        if unknown:  # what StrictUndefined would raise, saying where the names are
            raise jinja2.UndefinedError(not_seen(page.file.src_uri, unknown))
        return _ENV.from_string(template).render(values)
    except (jinja2.TemplateError, ClaimError) as err:
        raise RuntimeError(f"{page.file.src_path}: {err}") from err


def on_files(files: Files, config: MkDocsConfig, **_: Any) -> Files:
    """Files the site has that no page holds: the stepper's drawings of the GRU and the
    plain cell, which its script fetches when a reader picks one of them (when the site
    has the stepper: a test builds a site of two other pages)."""
    if files.get_file_from_path("stepper.md") is not None:
        figures = File.generated(config, stepper.LAZY_FIGURES, content=stepper.lazy_figures())
        files.append(figures)
    return files
