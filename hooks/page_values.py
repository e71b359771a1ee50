"""MkDocs hook: every number, table, hand calculation and figure comes from the engine.

Pages are Jinja templates rendered before Markdown with the context below, so prose
writes `{{ toy.h(3) }}` rather than a number typed by hand. A typo in a `{{ ... }}`
fails the build.

Registered in mkdocs.yml under `hooks:`, with the other hooks in this folder, one job each.
"""

from __future__ import annotations

import functools
import html
from typing import Any

import jinja2
from mkdocs.structure.pages import Page

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


def on_page_markdown(markdown: str, page: Page, **_: Any) -> str:
    """Render the page as a template before MkDocs turns it into HTML."""
    try:
        return _ENV.from_string(markdown).render(context())
    except jinja2.TemplateError as err:
        raise RuntimeError(f"{page.file.src_path}: {err}") from err
