"""MkDocs hook: every number, table, hand calculation and figure comes from the engine.

Pages are Jinja templates rendered before Markdown with the context below, so prose
writes `{{ toy.h(3) }}` rather than a number typed by hand. Math written as `$...$` or
`$$...$$` (pymdownx.arithmatex, generic mode) becomes MathML here at build time, so
pages load no math JavaScript and make no network request.

Registered in mkdocs.yml under `hooks:`.
"""

from __future__ import annotations

import functools
import html
import re
from typing import Any

import jinja2
from latex2mathml.converter import convert as latex_to_mathml

from lstm_explained import (
    GATES,
    Trace,
    backward,
    format_number,
    hand_backward,
    hand_calculation,
    sum_of_outputs,
    trace_table,
)
from lstm_explained.examples import standard_trace, toy_trace
from lstm_explained.figures import cell_svg


class TraceView:
    """What a page may quote from one trace, formatted as the page shows it."""

    def __init__(self, trace: Trace, digits: int = 4) -> None:
        self.trace = trace
        self.digits = digits

    def _fmt(self, value: Any, sep: bool) -> str:
        if sep and float(value).is_integer():  # a whole number, every digit grouped
            return f"{int(value):,}"
        return format_number(value, self.digits)

    def _get(self, t: int, name: str) -> Any:
        step = self.trace.steps[t - 1]
        if name in GATES:
            return step.gates[name]
        if name.startswith("z_"):
            return step.z[name[2:]]
        return getattr(step, name)

    def value(self, t: int, name: str, sep: bool = False) -> str:
        """One number: `name` is x, h, c, h_prev, c_prev, a gate, or z_<gate>."""
        arr = self._get(t, name)
        return self._fmt(arr.ravel()[0] if hasattr(arr, "ravel") else arr, sep)

    def h(self, t: int, sep: bool = False) -> str:
        return self.value(t, "h", sep)

    def c(self, t: int, sep: bool = False) -> str:
        return self.value(t, "c", sep)

    def inputs(self) -> str:
        """The input sequence, comma separated."""
        return ", ".join(self.value(t, "x") for t in range(1, len(self.trace.steps) + 1))

    def weight(self, gate: str = "input", which: str = "kernel") -> str:
        """One weight of a gate (the first entry of its slice): kernel, recurrent_kernel or bias."""
        gw = self.trace.weights.gate(gate)
        arr = getattr(gw, which)
        return self._fmt(0 if arr is None else arr.ravel()[0], False)

    def weights_table(self) -> str:
        """A Markdown table of each gate's input weight, recurrent weight and bias (one unit)."""
        rows = [
            "| gate | input weight $W$ | recurrent weight $U$ | bias $b$ |",
            "| --- | --: | --: | --: |",
        ]
        for gate in GATES:
            cells = [self.weight(gate, which) for which in ("kernel", "recurrent_kernel", "bias")]
            rows.append(f"| {gate} | " + " | ".join(cells) + " |")
        return "\n".join(rows)

    def digits_of(self, t: int, name: str = "h") -> int:
        """How many digits an exact integer value has."""
        return len(self.value(t, name).lstrip("-"))

    def outputs(self) -> str:
        """All h values, comma separated: the sequence output."""
        return ", ".join(self.h(t) for t in range(1, len(self.trace.steps) + 1))

    def table(self, preactivations: bool = False) -> str:
        return trace_table(self.trace, digits=self.digits, preactivations=preactivations)

    def hand(self, t: int) -> str:
        return "```text\n" + hand_calculation(self.trace, t, digits=self.digits) + "\n```"

    def figure(self, t: int, caption: str = "") -> str:
        svg = cell_svg(self.trace, t, digits=self.digits, ident=f"cell-{id(self)}-{t}")
        cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
        return f'<figure class="lx-figure">{svg}{cap}</figure>'


class BackwardView:
    """What a page may quote from backpropagation through one trace, for a stated loss."""

    def __init__(self, trace: Trace, digits: int = 4) -> None:
        self.trace = trace
        self.digits = digits
        self._loss = sum_of_outputs(trace)
        self.gradients = backward(trace, self._loss.d_sequence_out)

    def _fmt(self, value: Any) -> str:
        return format_number(value, self.digits)

    def loss(self) -> str:
        """The loss value (here the sum of the outputs)."""
        return self._fmt(self._loss.value)

    def value(self, t: int, name: str) -> str:
        """dh, dc, d_output, dh_later, dc_later, dh_prev, dc_prev, or a gate's gradient."""
        grad = self.gradients.steps[t - 1]
        arr = grad.gates[name] if name in GATES else getattr(grad, name)
        return self._fmt(arr.ravel()[0])

    def hand(self, t: int) -> str:
        text = hand_backward(self.trace, self.gradients, t, digits=self.digits)
        return "```text\n" + text + "\n```"

    def table(self) -> str:
        """Each gate's weight gradients (one input, one unit)."""
        g = self.gradients
        rows = ["| gate | dL/dW | dL/dU | dL/db |", "| --- | --: | --: | --: |"]
        for k, gate in enumerate(GATES):
            bias = "" if g.bias is None else self._fmt(g.bias[k])
            cells = (self._fmt(g.kernel[0, k]), self._fmt(g.recurrent_kernel[0, k]), bias)
            rows.append(f"| {gate} | " + " | ".join(cells) + " |")
        return "\n".join(rows)


def symbolic_figure(caption: str = "") -> str:
    """The cell with symbols in place of numbers."""
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f'<figure class="lx-figure">{cell_svg(ident="cell-symbols")}{cap}</figure>'


@functools.cache
def context() -> dict[str, Any]:
    """Computed once per build: the traces the pages quote."""
    return {
        "toy": TraceView(toy_trace(3)),
        "toy6": TraceView(toy_trace(6)),
        "toy_f32": TraceView(toy_trace(4, exact=False, dtype="float32")),
        "ufb": TraceView(toy_trace(3, forget_bias=1)),
        "std": TraceView(standard_trace()),
        "toy_back": BackwardView(toy_trace(3)),
        "symbolic_figure": symbolic_figure,
    }


_ENV = jinja2.Environment(
    undefined=jinja2.StrictUndefined,  # a typo in a page fails the build
    autoescape=False,
    keep_trailing_newline=True,
)


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    """Render the page as a template before MkDocs turns it into HTML."""
    try:
        return _ENV.from_string(markdown).render(context())
    except jinja2.TemplateError as err:
        raise RuntimeError(f"{page.file.src_path}: {err}") from err


_INLINE = re.compile(r'<span class="arithmatex">\\\((.+?)\\\)</span>', re.S)
_BLOCK = re.compile(r'<div class="arithmatex">\\\[(.+?)\\\]</div>', re.S)


def _mathml(latex: str, display: str) -> str:
    return latex_to_mathml(html.unescape(latex).strip(), display=display)


def on_page_content(html_text: str, **_: Any) -> str:
    """Turn arithmatex's LaTeX into MathML, which browsers render natively."""
    html_text = _BLOCK.sub(
        lambda m: f'<div class="lx-math">{_mathml(m[1], "block")}</div>', html_text
    )
    return _INLINE.sub(lambda m: _mathml(m[1], "inline"), html_text)


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


def on_post_page(output: str, page: Any, **_: Any) -> str:
    """Last fixes to each finished page, for offline use and accessibility."""
    if page.file.src_uri.endswith(".ipynb"):
        output = _slim_notebook_styles(_NOTEBOOK_SCRIPTS.sub("", output))
    # Material's search dialog has no accessible name (Lighthouse: aria-dialog-name).
    return output.replace(
        '<div class="md-search" data-md-component="search" role="dialog">',
        '<div class="md-search" data-md-component="search" role="dialog" aria-label="Search">',
    )
