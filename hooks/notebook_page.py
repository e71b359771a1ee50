"""MkDocs hook: slim the notebook page that mkdocs-jupyter renders.

mkdocs-jupyter adds loaders for MathJax and Mermaid (the latter from a CDN) and inlines
all of JupyterLab's CSS, about 570 kB. This drops the loaders and keeps only the CSS
rules whose classes the page uses, and the custom properties something reads.
"""

from __future__ import annotations

import re

from mkdocs.structure.pages import Page

# Scripts that mkdocs-jupyter puts on notebook pages and this site does not want: a
# MathJax loader with no source plus its configuration (notebook math is not used), and
# a loader that would import Mermaid from a CDN.
_NOTEBOOK_SCRIPTS = re.compile(
    r'<script src="">\s*</script>'
    r'|<script type="text/x-mathjax-config">.*?</script>'
    r'|<script type="module">(?:(?!</script>).)*?mermaid.*?</script>',
    re.S,
)


_CLASS_ATTR = re.compile(r'class="([^"]*)"')
_STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.S)
_CLASS_NAME = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_NESTED_ROOT = re.compile(r"\S\s+:root")
_VAR_USE = re.compile(r"var\(\s*--([\w-]+)")


def _css_blocks(css: str) -> list[tuple[str, str]]:
    """Top-level `prelude { body }` pairs of a stylesheet (bodies may nest, as in @media)."""
    blocks, depth, start, prelude_end = [], 0, 0, 0
    for k, ch in enumerate(css):
        if ch == "{":
            if depth == 0:
                prelude_end = k
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                blocks.append((css[start:prelude_end].strip(), css[prelude_end + 1 : k]))
                start = k + 1
    return blocks


def _split_selectors(prelude: str) -> list[str]:
    """Split a selector list at its top-level commas (not those inside :is(...) and the like)."""
    parts, depth, start = [], 0, 0
    for k, ch in enumerate(prelude):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(prelude[start:k])
            start = k + 1
    return [*parts, prelude[start:]]


def _drop_unused_properties(body: str, used: set[str]) -> str:
    """Remove custom-property declarations (`--name: ...`) that nothing reads."""
    kept = [d for d in body.split(";") if not (d.strip().startswith("--")
            and d.strip()[2:].split(":")[0].strip() not in used)]  # fmt: skip
    return ";".join(kept)


def prune_css(css: str, classes: set[str], used: set[str] | None = None) -> str:
    """Drop the rules whose every selector names a class that the page does not use, and
    the custom properties that no `var(...)` reads."""
    kept = []
    css = _CSS_COMMENT.sub("", css)
    if used is None:
        used = set(_VAR_USE.findall(css))
    for prelude, body in _css_blocks(css):
        if prelude.startswith("@media") or prelude.startswith("@supports"):
            inner = prune_css(body, classes, used)
            if inner:
                kept.append(f"{prelude}{{{inner}}}")
        elif prelude.startswith("@"):
            kept.append(f"{prelude}{{{body}}}")
        else:
            selectors = [
                sel for sel in _split_selectors(prelude)
                if set(_CLASS_NAME.findall(sel)) <= classes
                and not _NESTED_ROOT.search(sel)  # ".jupyter-wrapper :root" matches nothing
            ]  # fmt: skip
            body = _drop_unused_properties(body, used)
            if selectors and body.strip(" ;\n"):
                kept.append(f"{','.join(selectors)}{{{body}}}")
    return "".join(kept)


def _slim_notebook_styles(output: str) -> str:
    """mkdocs-jupyter inlines all of JupyterLab's CSS (about 570 kB); keep what is used."""
    classes = {c for attr in _CLASS_ATTR.findall(_STYLE.sub("", output)) for c in attr.split()}
    # Custom properties read anywhere on the page; dropping one may orphan others, so
    # repeat until nothing more goes.
    for _ in range(6):
        used = set(_VAR_USE.findall(output))

        def prune(m: re.Match[str], used: set[str] = used) -> str:
            return m[1] + prune_css(m[2], classes, used) + m[3]

        slimmer = _STYLE.sub(prune, output)
        if slimmer == output:
            break
        output = slimmer
    return output


def on_post_page(output: str, page: Page, **_: object) -> str:
    """Slim notebook pages; leave every other page as it is."""
    if page.file.src_uri.endswith(".ipynb"):
        output = _slim_notebook_styles(_NOTEBOOK_SCRIPTS.sub("", output))
    return output
