"""MkDocs hook: small fixes to Material's own markup, for accessibility.

Material's search dialog has no accessible name (Lighthouse's aria-dialog-name audit);
this gives it one.
"""

from __future__ import annotations

SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'


def on_post_page(output: str, **_: object) -> str:
    """Name the search dialog."""
    return output.replace(SEARCH_DIALOG, SEARCH_DIALOG[:-1] + ' aria-label="Search">')
