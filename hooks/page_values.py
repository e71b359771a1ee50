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
import numpy as np
from mkdocs.structure.pages import Page

from lstm_explained import (
    GATES,
    Bidirectional,
    BidirectionalTrace,
    GRUWeights,
    LSTMWeights,
    Trace,
    backward,
    bidirectional,
    format_number,
    forward,
    hand_backward,
    hand_calculation,
    stacked,
    sum_of_outputs,
    trace_table,
)
from lstm_explained.examples import (
    NETWORKS,
    STANDARD_INPUTS,
    article_weights,
    reset_pair_weights,
    standard_trace,
    toy_trace,
)
from lstm_explained.figures import cell_svg
from lstm_explained.hand import format_vector
from lstm_explained.layers import MERGE_MODES


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
        if name in step.gates:
            return step.gates[name]
        if name.startswith("z_"):
            return step.z[name[2:]]
        return getattr(step, name)

    def value(self, t: int, name: str, sep: bool = False, unit: int = 0) -> str:
        """One number: `name` is x, h, c, h_prev, c_prev, a gate, or z_<gate> (the
        pre-activation); `unit` picks the unit when there are several."""
        arr = self._get(t, name)
        return self._fmt(arr.ravel()[unit] if hasattr(arr, "ravel") else arr, sep)

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
        """A Markdown table of each gate's input weight, recurrent weight and bias (one
        unit); a GRU with reset_after gets a column for each of its two biases."""
        w = self.trace.weights
        two_biases = w.bias is not None and w.bias.ndim == 2
        if two_biases:
            header = (
                "| gate | input weight $W$ | recurrent weight $U$ | input-side bias "
                "| recurrent-side bias |"
            )
        else:
            header = "| gate | input weight $W$ | recurrent weight $U$ | bias $b$ |"
        rows = [header, "| --- | --: | --: | --: |" + (" --: |" if two_biases else "")]
        for gate in w.gates:
            gw = w.gate(gate)
            cells = [self._fmt(gw.kernel.ravel()[0], False),
                     self._fmt(gw.recurrent_kernel.ravel()[0], False)]  # fmt: skip
            biases = [0] if gw.bias is None else list(gw.bias.ravel())
            cells += [self._fmt(b, False) for b in biases]
            rows.append(f"| {gate} | " + " | ".join(cells) + " |")
        return "\n".join(rows)

    def digits_of(self, t: int, name: str = "h") -> int:
        """How many digits an exact integer value has."""
        return len(self.value(t, name).lstrip("-"))

    def outputs(self, unit: int = 0) -> str:
        """All h values (of one unit), comma separated: the sequence output."""
        steps = range(1, len(self.trace.steps) + 1)
        return ", ".join(self.value(t, "h", unit=unit) for t in steps)

    def parted_at(self, other: TraceView) -> int:
        """The first step at which this trace's h differs from another's (0 if never)."""
        for a, b in zip(self.trace.steps, other.trace.steps, strict=True):
            if np.any(np.asarray(a.h) != np.asarray(b.h)):
                return a.t
        return 0

    def parameters(self) -> str:
        """How many numbers the layer holds, as Keras's count_params() counts them."""
        return f"{self.trace.weights.parameter_count():,}"

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


class BidirectionalView:
    """What a page may quote from a bidirectional layer: both directions and the merge."""

    def __init__(self, trace: BidirectionalTrace, digits: int = 4) -> None:
        self.trace = trace
        self.forward = TraceView(trace.forward, digits)
        self.backward = TraceView(trace.backward, digits)
        self.digits = digits

    def merged(self, t: int) -> str:
        """The merged output at input position t, as "[a, b]" or one number."""
        return format_vector(np.asarray(self.trace.sequence_out)[t - 1], self.digits)

    def table(self) -> str:
        """Input position t: the input, each direction's output there, and the merge."""
        flipped = self.trace.backward_in_input_order
        rows = ["| t | x | forward h | backward h | merged |", "| --: | --: | --: | --: | --: |"]
        for k, step in enumerate(self.trace.forward.steps):
            cells = [format_vector(a, self.digits)
                     for a in (step.x, step.h, flipped[k])]  # fmt: skip
            rows.append(f"| {step.t} | " + " | ".join(cells) + f" | {self.merged(step.t)} |")
        return "\n".join(rows)


def merge_modes_table(layer_weights: Any, inputs: list[Any]) -> str:
    """What each of Keras's merge modes makes of the same two directions."""
    rows = ["| `merge_mode` | output at each input position |", "| --- | --- |"]
    for mode in MERGE_MODES:
        pair = Bidirectional(layer_weights, layer_weights, merge_mode=mode)
        out = bidirectional(inputs, pair, activation="linear", recurrent_activation="linear",
                            exact=True).sequence_out  # fmt: skip
        if mode is None:
            text = f"two outputs: {format_vector(out[0])} and {format_vector(out[1])}"
        else:
            text = ", ".join(format_vector(row) for row in out)
        rows.append(f"| `{mode!r}` | {text} |" if mode else f"| `None` | {text} |")
    return "\n".join(rows)


def parameter_table(sizes: list[tuple[int, int]]) -> str:
    """Parameter counts of an LSTM and a GRU layer (both reset_after forms) by size."""
    rows = [
        "| input features | units | LSTM | GRU, `reset_after=True` | GRU, `reset_after=False` |",
        "| --: | --: | --: | --: | --: |",
    ]
    for features, units in sizes:
        counts = [
            LSTMWeights.random(features, units, seed=0).parameter_count(),
            GRUWeights.random(features, units, seed=0).parameter_count(),
            GRUWeights.random(features, units, seed=0, reset_after=False).parameter_count(),
        ]
        rows.append(f"| {features} | {units} | " + " | ".join(f"{c:,}" for c in counts) + " |")
    return "\n".join(rows)


def side_by_side(lstm: TraceView, gru: TraceView) -> str:
    """The same inputs through an LSTM and a GRU: each step's h, and the LSTM's c."""
    rows = ["| t | x | LSTM $h$ | LSTM $c$ | GRU $h$ |", "| --: | --: | --: | --: | --: |"]
    for step in lstm.trace.steps:
        t = step.t
        rows.append(f"| {t} | {lstm.value(t, 'x')} | {lstm.h(t)} | {lstm.c(t)} | {gru.h(t)} |")
    return "\n".join(rows)


def recurrent_context() -> dict[str, Any]:
    """The GRU, LSTM-or-GRU and layers pages: every trace they quote."""
    gru_ones = GRUWeights.constant(1)
    linear: dict[str, Any] = {"activation": "linear", "recurrent_activation": "linear",
                              "exact": True}  # fmt: skip
    toy_layer = article_weights()
    return {
        "gru_ones": TraceView(forward([1, 1, 1], gru_ones, **linear)),
        "gru": TraceView(NETWORKS["gru-example"].run()),
        "gru_after": TraceView(
            forward(list(STANDARD_INPUTS), reset_pair_weights(reset_after=True))
        ),
        "gru_before": TraceView(
            forward(list(STANDARD_INPUTS), reset_pair_weights(reset_after=False))
        ),
        "stack_toy": [
            TraceView(layer)  # type: ignore[arg-type]
            for layer in stacked([1, 1], [toy_layer, toy_layer], **linear).layers
        ],
        "bi_toy": BidirectionalView(
            bidirectional([1, 2], Bidirectional(toy_layer, toy_layer), **linear)
        ),
        "merge_modes_table": lambda: merge_modes_table(toy_layer, [1, 2]),
        "parameter_table": parameter_table,
        "side_by_side": side_by_side,
    }


@functools.cache
def context() -> dict[str, Any]:
    """Computed once per build: the traces the pages quote."""
    return recurrent_context() | {
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
