"""Every page within its weight: what it downloads as it loads, gzipped as a host serves it.

A page loads its HTML, the stylesheets, scripts, icon and images it names, and, through
Material's search, the search worker and the whole search index (fetched at once, on
every page). Each is counted gzipped (as GitHub Pages and `benchmarks/lighthouse.py`'s
server send them) plus HEADER_BYTES for the response's headers, so the sum comes out
at or just above what Lighthouse reports as the page's total byte weight.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

MAX_KIB = 150
HEADER_BYTES = 300  # a response's status line and headers, as Lighthouse counts them
SEARCH_INDEX = "search/search_index.json"


class Loads(HTMLParser):
    """The URLs a page fetches by itself as it loads (not links a reader may click)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self._config = False
        self.config: dict[str, object] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("script", "img") and a.get("src"):
            self.urls.append(a["src"] or "")
        if tag == "link" and (a.get("rel") or "") in ("stylesheet", "icon", "preload"):
            self.urls.append(a.get("href") or "")
        self._config = tag == "script" and a.get("id") == "__config"

    def handle_data(self, data: str) -> None:
        if self._config:  # Material's settings: the search worker, the site's base
            self.config = json.loads(data)
            self._config = False


def downloads(site: Path, page: Path) -> dict[str, int]:
    """Each file `page` (an index.html of `site`) downloads as it loads: its path below
    `site` and its size gzipped, with HEADER_BYTES for the headers."""
    loads = Loads()
    loads.feed(page.read_text("utf8"))
    here = page.relative_to(site).parent.as_posix() + "/"
    urls = [urljoin(here, url) for url in loads.urls]
    if loads.config.get("search"):  # the worker, and the index the page fetches for it
        urls.append(urljoin(here, str(loads.config["search"])))
        base = urljoin(here, str(loads.config.get("base", ".")) + "/")
        urls.append(urljoin(base, SEARCH_INDEX))
    sizes = {here: len(gzip.compress(page.read_bytes())) + HEADER_BYTES}
    for url in urls:
        path = urlparse(url).path.lstrip("/")
        if path.startswith("data:") or path in sizes:
            continue
        file = site / path
        assert file.is_file(), f"{here} loads {url}, which the site does not have"
        sizes[path] = len(gzip.compress(file.read_bytes())) + HEADER_BYTES
    return sizes


def built_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("index.html") if p.parent.name != "search")


def test_every_page_is_within_its_weight(site):
    heavy = {}
    for page in built_pages(site):
        sizes = downloads(site, page)
        kib = sum(sizes.values()) / 1024
        if kib > MAX_KIB:
            biggest = sorted(sizes.items(), key=lambda item: -item[1])[:4]
            heavy[page.parent.relative_to(site).as_posix()] = (round(kib), biggest)
    assert len(built_pages(site)) >= 20
    assert heavy == {}


def test_the_weight_counts_what_a_page_loads(site):
    """The count sees the search index, the worker, Material's bundle and a page's own
    script and stylesheet; it would miss the budget if a page loaded one more big file."""
    stepper = downloads(site, site / "stepper" / "index.html")
    assert SEARCH_INDEX in stepper
    assert any(re.search(r"workers/search\.\w+\.min\.js$", p) for p in stepper)
    assert any(re.search(r"bundle\.\w+\.min\.js$", p) for p in stepper)
    assert {"javascripts/lstm-stepper.js", "stylesheets/stepper.css"} <= set(stepper)
    home = downloads(site, site / "index.html")
    assert "stylesheets/stepper.css" not in home
    assert "assets/_mkdocstrings.css" in downloads(site, site / "api" / "engine" / "index.html")
    assert "assets/_mkdocstrings.css" not in home


def test_a_page_over_its_weight_fails(tmp_path):
    """A page that loaded one image of the budget's size, which gzip cannot shrink, is
    counted over the budget."""
    page = tmp_path / "heavy" / "index.html"
    page.parent.mkdir()
    (tmp_path / "big.bin").write_bytes(os.urandom(MAX_KIB * 1024))
    page.write_text('<img src="../big.bin">', "utf8")
    assert sum(downloads(tmp_path, page).values()) > MAX_KIB * 1024
