"""MkDocs hook: small fixes to Material's own behaviour, for accessibility and a clean console.

- Material's search dialog has no accessible name (Lighthouse's aria-dialog-name audit);
  this gives it one.
- Material's version selector fetches `../versions.json`, which only a mike deployment
  has. Built any other way (`make serve`, a plain `mkdocs build`), every page would log
  a 404 for it, so the version provider is switched on only when mike builds the site
  (mike sets MIKE_DOCS_VERSION while it runs `mkdocs build`).
"""

from __future__ import annotations

import os
from typing import Any

SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'
MIKE_VERSION = "MIKE_DOCS_VERSION"


def on_config(config: Any, **_: object) -> Any:
    """Keep `extra.version` (the selector and the older-version banner) only under mike."""
    if not os.environ.get(MIKE_VERSION):
        config.extra.pop("version", None)
    return config


def on_post_page(output: str, **_: object) -> str:
    """Name the search dialog."""
    return output.replace(SEARCH_DIALOG, SEARCH_DIALOG[:-1] + ' aria-label="Search">')
