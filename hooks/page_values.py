"""MkDocs hook: every number, table, hand calculation and figure comes from the engine.

Pages are Jinja templates rendered before Markdown with the context below, so prose
writes `{{ toy.h(3) }}` rather than a number typed by hand. A typo in a `{{ ... }}`
fails the build.

Registered in mkdocs.yml under `hooks:`, with the other hooks in this folder, one job each.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from typing import Any

import jinja2
import numpy as np
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
from lstm_explained.fingerprint import (
    MISTAKES,
    Mistake,
    fingerprint_bias_halves,
    fingerprint_gru_weights,
    fingerprint_trace,
    fingerprint_weights,
)
from lstm_explained.hand import format_vector
from lstm_explained.layouts import LAYOUTS, Layout
from lstm_explained.weights import Weights


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
    } | layouts_page_context()


# ---- "One cell, four layouts" (docs/layouts.md) -----------------------------------------
# A self-contained block: the layout tables come from lstm_explained.layouts, the numbers
# from the fingerprint networks run in the engine. Merged into context() below.


class LayoutTables:
    """Side-by-side Markdown tables of the layouts in `lstm_explained.layouts`."""

    ROWS: tuple[tuple[str, Callable[[Layout], str]], ...] = (
        ("layer", lambda lay: f"`{lay.layer}`"),
        ("input weights", lambda lay: lay.tensors[0].text()),
        ("recurrent weights", lambda lay: lay.tensors[1].text()),
        ("biases", lambda lay: "; ".join(t.text() for t in lay.tensors[2:]) + ": " + lay.biases),
        ("gate order", lambda lay: lay.gate_letters),
        ("activations", lambda lay: lay.activations),
        ("state", lambda lay: lay.state),
        ("parameters", lambda lay: lay.count_formula()),
    )

    def table(self, cell: str) -> str:
        """One column per framework's layout of `cell` ("LSTM" or "GRU")."""
        layouts = [lay for lay in LAYOUTS.values() if lay.cell == cell]
        names = [lay.framework for lay in layouts]
        heads = [n if names.count(n) == 1 else f"{n} ({lay.layer.split('.')[-1]})"
                 for n, lay in zip(names, layouts, strict=True)]  # fmt: skip
        rows = ["| | " + " | ".join(heads) + " |",
                "| --- |" + " --- |" * len(layouts)]  # fmt: skip
        for label, cell_text in self.ROWS:
            rows.append(f"| {label} | " + " | ".join(cell_text(lay) for lay in layouts) + " |")
        return "\n".join(rows)

    def count(self, key: str) -> str:
        """The parameter count of one layout for the fingerprint's size (2 inputs, 2 units)."""
        return str(LAYOUTS[key].parameter_count(2, 2))


class FingerprintView:
    """What the page quotes from a fingerprint network and the mistakes made with it."""

    def __init__(self, weights: Weights, mistakes: tuple[Mistake, ...] = ()) -> None:
        self.weights = weights
        self.trace = fingerprint_trace(weights)
        self.mistakes = mistakes

    def h(self, t: int, trace: Trace | None = None) -> str:
        """h after step t, both units, exactly: "[-3/4, -3/16]"."""
        return format_vector((trace or self.trace).steps[t - 1].h)

    def decimals(self, t: int) -> str:
        """h after step t as the decimals a float32 framework prints (they are exact)."""
        return "[" + ", ".join(repr(float(v)) for v in self.trace.steps[t - 1].h) + "]"

    def table(self) -> str:
        return trace_table(self.trace, preactivations=True)

    def weights_table(self) -> str:
        """Each gate's blocks, one row per unit's column: kernel, recurrent kernel, and its
        bias as input side + recurrent side (PyTorch's two biases, ONNX's Wb and Rb,
        Keras's two GRU bias rows)."""
        w = self.weights
        halves = fingerprint_bias_halves() if w.cell == "LSTM" else tuple(np.asarray(w.bias))
        rows = ["| gate | kernel $W$ | recurrent kernel $U$ | bias: input side + recurrent side |",
                "| --- | --- | --- | --- |"]  # fmt: skip
        for k, gate in enumerate(w.gates):
            g, cols = w.gate(gate), slice(k * w.units, (k + 1) * w.units)
            bias = f"{format_vector(halves[0][cols])} + {format_vector(halves[1][cols])}"
            cells = [format_vector_rows(g.kernel), format_vector_rows(g.recurrent_kernel), bias]
            rows.append(f"| {gate} | " + " | ".join(cells) + " |")
        return "\n".join(rows)

    def mistakes_table(self) -> str:
        """The true network, then each mistake, with h after every step."""
        steps = range(1, len(self.trace.steps) + 1)
        rows = ["| weights | what went wrong | " + " | ".join(f"h after step {t}" for t in steps)
                + " |", "| --- | --- |" + " --: |" * len(steps)]  # fmt: skip
        rows.append("| **right** | | " + " | ".join(self.h(t) for t in steps) + " |")
        for mistake in self.mistakes:
            wrong = fingerprint_trace(mistake.weights())
            rows.append(f"| {mistake.name} | {mistake.what} | "
                        + " | ".join(self.h(t, wrong) for t in steps) + " |")  # fmt: skip
        return "\n".join(rows)


def format_vector_rows(matrix: Any) -> str:
    """A small matrix row by row: "[-1, -1]; [3, -2]"."""
    return "; ".join(format_vector(row) for row in np.asarray(matrix))


def layouts_page_context() -> dict[str, Any]:
    """The values docs/layouts.md quotes."""
    return {
        "layouts": LayoutTables(),
        "fingerprint": FingerprintView(fingerprint_weights(), MISTAKES),
        "fingerprint_gru": FingerprintView(fingerprint_gru_weights()),
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
