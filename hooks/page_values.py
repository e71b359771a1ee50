"""MkDocs hook: every number, table, hand calculation and figure comes from the engine.

Pages are Jinja templates rendered before Markdown with the context below, so prose
writes `{{ toy.h(3) }}` rather than a number typed by hand. A typo in a `{{ ... }}`
fails the build.

Registered in mkdocs.yml under `hooks:`, with the other hooks in this folder, one job each.
"""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Callable
from fractions import Fraction
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
from lstm_explained.engine.layers import MERGE_MODES
from lstm_explained.engine.weights import Weights
from lstm_explained.explain.figures import (
    backward_figure,
    cell_figure,
    cell_template,
    gru_figure,
    gru_template,
    unrolled_figure,
)
from lstm_explained.explain.figures.heatmap import heatmap_figure
from lstm_explained.explain.figures.numbers import digits_that_add_up
from lstm_explained.explain.hand import format_vector, preactivation_symbol, symbols
from lstm_explained.frameworks.layouts import LAYOUTS, Layout
from lstm_explained.networks.examples import (
    NETWORKS,
    STANDARD_INPUTS,
    article_weights,
    half_forget_trace,
    reset_pair_weights,
    standard_trace,
    toy_trace,
    toy_variant_trace,
)
from lstm_explained.networks.fingerprint import (
    MISTAKES,
    Mistake,
    fingerprint_bias_halves,
    fingerprint_gru_weights,
    fingerprint_trace,
    fingerprint_weights,
)
from lstm_explained.networks.trained import flagged_arrays


def hand_block(text: str, label: str) -> str:
    """A hand calculation as HTML: one block per line, so a line that is too long for a
    phone wraps under its own equation instead of hiding its result off the edge."""
    lines = "".join(
        f'<span class="lx-line">{html.escape(line)}</span>' for line in text.splitlines()
    )
    return f'<pre class="lx-hand" aria-label="{html.escape(label)}"><code>{lines}</code></pre>'


def figure_ident(prefix: str, trace_name: str, *parts: object) -> str:
    return "-".join([prefix, trace_name, *(str(p) for p in parts)])


class TraceView:
    """What a page may quote from one trace, formatted as the page shows it."""

    def __init__(self, trace: Trace, name: str, digits: int = 4) -> None:
        self.trace = trace
        self.name = name  # for unique element ids in figures
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

    def steps_table(self) -> str:
        """The same numbers turned round: a row per quantity, a column per time step.
        Fourteen columns of decimals do not fit a page; four do, even on a phone."""
        one, first = self.trace, self.trace.steps[0]
        gates = one.weights.gates
        letters = symbols(one)

        def tex(symbol: str) -> str:  # "z_i" -> "$z_{i}$"
            name, _, sub = symbol.partition("_")
            return f"${name}_{{{sub}}}$" if sub else f"${name}$"

        rows_of = [("$x$", "x", "")]
        rows_of += [(f"${s}_{{t-1}}$", "state_prev", s) for s in first.state_prev]
        rows_of += [(tex(preactivation_symbol(one, g)), "z", g) for g in gates]
        rows_of += [(f"${letters[g]}$ ({g})", "gates", g) for g in gates]
        rows_of += [(f"${s}$", "state", s) for s in list(first.state)[::-1]]
        steps = one.steps
        rows = ["| | " + " | ".join(f"step {s.t}" for s in steps) + " |",
                "| --- |" + " --: |" * len(steps)]  # fmt: skip
        for label, field, key in rows_of:
            values = [getattr(s, field)[key] if key else getattr(s, field) for s in steps]
            cells = " | ".join(format_vector(v, self.digits) for v in values)
            rows.append(f"| {label} | {cells} |")
        return "\n".join(rows)

    def hand_digits(self, t: int) -> int:
        """At least `digits`, more if a line of step t's working would not add up."""
        return digits_that_add_up(self.trace, t, fewest=self.digits)

    def hand(self, t: int) -> str:
        text = hand_calculation(self.trace, t, digits=self.hand_digits(t))
        return hand_block(text, f"Hand calculation of time step {t}")

    def figure(self, t: int, caption: str = "", highlight: str | None = None, unit: int = 0) -> str:
        """The cell at step t; `highlight` singles out forget, input, cell or output (an
        LSTM's); `unit` picks the unit a GRU's drawing shows."""
        ident = figure_ident("cell", self.name, t, highlight or "all")
        if self.trace.cell == "GRU":
            return gru_figure(self.trace, t, caption=caption, ident=ident, unit=unit,
                              digits=self.hand_digits(t))  # fmt: skip
        return cell_figure(self.trace, t, caption=caption, ident=ident,
                           digits=self.hand_digits(t), highlight=highlight)  # fmt: skip

    def unrolled(self, caption: str = "") -> str:
        """Every step side by side, h and c flowing from one into the next."""
        return unrolled_figure(self.trace, caption=caption, ident=f"unrolled-{self.name}")


class BackwardView:
    """What a page may quote from backpropagation through one trace, for a stated loss:
    the sum of the outputs at the steps in `outputs` (by default, every step)."""

    def __init__(
        self, trace: Trace, name: str, digits: int = 4, outputs: tuple[int, ...] | None = None
    ) -> None:
        self.trace = trace
        self.name = name
        self.digits = digits
        steps = range(1, len(trace.steps) + 1)
        self.outputs = tuple(steps) if outputs is None else outputs
        d_out = sum_of_outputs(trace).d_sequence_out.copy()  # (time, units): ones
        for t in steps:
            if t not in self.outputs:
                d_out[t - 1] = d_out[t - 1] * 0  # this output is not in the loss
        self._loss_value = sum(trace.steps[t - 1].h.ravel()[0] for t in self.outputs)
        self.gradients = backward(trace, d_out)

    def _fmt(self, value: Any) -> str:
        return format_number(value, self.digits)

    def loss(self) -> str:
        """The loss value: the sum of the chosen outputs."""
        return self._fmt(self._loss_value)

    def weight_change(self, gate: str, which: str = "kernel", rate: str = "1/100000") -> str:
        """How much one SGD step with learning rate `rate` lowers a gate's weight."""
        grads = getattr(self.gradients, which)
        k = GATES.index(gate)
        gradient = grads[k] if which == "bias" else grads[0, k]
        return format_number(float(Fraction(rate) * gradient), 6)

    def value(self, t: int, name: str) -> str:
        """dh, dc, d_output, dh_later, dc_later, dh_prev, dc_prev, or a gate's gradient."""
        grad = self.gradients.steps[t - 1]
        arr = grad.gates[name] if name in GATES else getattr(grad, name)
        return self._fmt(arr.ravel()[0])

    def hand(self, t: int) -> str:
        text = hand_backward(self.trace, self.gradients, t, digits=self.digits)
        return hand_block(text, f"Backpropagation by hand at time step {t}")

    def figure(self, t: int, caption: str = "") -> str:
        return backward_figure(self.trace, self.gradients, t, caption=caption,
                               ident=f"backward-{self.name}-{t}", digits=self.digits)  # fmt: skip

    def gradient(self, gate: str, which: str = "kernel") -> str:
        """dL/d(weight) of one gate: which is kernel, recurrent_kernel or bias."""
        grads = getattr(self.gradients, which)
        k = GATES.index(gate)
        return self._fmt(grads[k] if which == "bias" else grads[0, k])

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
    return cell_figure(caption=caption, ident="cell-symbols")


def stepper_figure_template() -> str:
    """The cell drawings with {fields} for the stepper's script to fill: one drawing per
    cell, the LSTM's with its products written out (one input, one unit) or as symbols."""
    templates = {
        "lstm-stepper-figure": cell_template("stepper-cell"),
        "lstm-stepper-figure-units": cell_template("stepper-cell-units", products=False),
    }
    for after, name in ((True, "after"), (False, "before")):
        for products, suffix in ((True, ""), (False, "-units")):
            ident = f"gru-stepper-figure-{name}{suffix}"
            templates[ident] = gru_template(ident, reset_after=after, products=products)
    return "".join(f'<template id="{k}">{v}</template>' for k, v in templates.items())


STEPPER_PRESETS = {
    "article": "the article's toy network",
    "forget-bias": "unit_forget_bias",
    "second-example": "the second example",
    "gru-example": "the GRU example",
    "fingerprint": "the fingerprint LSTM",
    "fingerprint-gru": "the fingerprint GRU",
}
"""The stepper's presets: networks of `NETWORKS` by name, and how its menu calls them."""


def stepper_presets() -> str:
    """The presets as JSON for the stepper's script: the engine's networks, not a copy."""
    doc = {name: {"label": label, "config": NETWORKS[name].plain()}
           for name, label in STEPPER_PRESETS.items()}  # fmt: skip
    text = json.dumps(doc, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="application/json" id="lstm-stepper-presets">{text}</script>'


class BidirectionalView:
    """What a page may quote from a bidirectional layer: both directions and the merge."""

    def __init__(self, trace: BidirectionalTrace, name: str, digits: int = 4) -> None:
        self.trace = trace
        self.forward = TraceView(trace.forward, f"{name}-forward", digits)
        self.backward = TraceView(trace.backward, f"{name}-backward", digits)
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
        "gru_ones": TraceView(forward([1, 1, 1], gru_ones, **linear), "gru-ones"),
        "gru": TraceView(NETWORKS["gru-example"].run(), "gru"),
        "gru_after": TraceView(
            forward(list(STANDARD_INPUTS), reset_pair_weights(reset_after=True)), "gru-after"
        ),
        "gru_before": TraceView(
            forward(list(STANDARD_INPUTS), reset_pair_weights(reset_after=False)), "gru-before"
        ),
        "stack_toy": [
            TraceView(layer, f"stack-toy-{k}")  # type: ignore[arg-type]
            for k, layer in enumerate(stacked([1, 1], [toy_layer, toy_layer], **linear).layers)
        ],
        "bi_toy": BidirectionalView(
            bidirectional([1, 2], Bidirectional(toy_layer, toy_layer), **linear), "bi-toy"
        ),
        "merge_modes_table": lambda: merge_modes_table(toy_layer, [1, 2]),
        "parameter_table": parameter_table,
        "side_by_side": side_by_side,
    }


@functools.cache
def context() -> dict[str, Any]:
    """Computed once per build: the traces the pages quote."""
    return (
        recurrent_context()
        | {
            "toy": TraceView(toy_trace(3), "toy"),
            "toy6": TraceView(toy_trace(6), "toy6"),
            "toy_f32": TraceView(toy_trace(4, exact=False, dtype="float32"), "toy-f32"),
            "ufb": TraceView(toy_trace(3, forget_bias=1), "ufb"),
            "std": TraceView(standard_trace(), "std"),
            "toy_back": BackwardView(toy_trace(3), "toy-back"),
            "half_forget": TraceView(half_forget_trace(), "half-forget"),
            # the exercises' "what if?" networks
            "in_two": TraceView(toy_variant_trace((2,)), "in-two"),
            "no_forget": TraceView(toy_variant_trace(gate_weights={"forget": 0}), "no-forget"),
            "no_recurrence": TraceView(toy_variant_trace(recurrent=0), "no-recurrence"),
            "no_output": TraceView(toy_variant_trace(gate_weights={"output": 0}), "no-output"),
            "last_zero": TraceView(toy_variant_trace((1, 1, 0)), "last-zero"),
            "last_only_back": BackwardView(toy_trace(3), "last-only", outputs=(3,)),
            "symbolic_figure": symbolic_figure,
            "stepper_figure_template": stepper_figure_template,
            "stepper_presets": stepper_presets,
        }
        | layouts_page_context()
        | {"flagged": FlaggedModelView()}
    )


# ---- "One cell, four layouts" (docs/layouts.md) -----------------------------------------
# A self-contained block: the layout tables come from lstm_explained.frameworks.layouts, the numbers
# from the fingerprint networks run in the engine. Merged into context() below.


class LayoutTables:
    """Side-by-side Markdown tables of the layouts in `lstm_explained.frameworks.layouts`."""

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
        """One column per framework's layout of `cell` ("LSTM" or "GRU"); a framework with
        two layouts (Flax's LSTMCell and OptimizedLSTMCell) shares its column, each
        value named by its layer where the two differ."""
        frameworks: dict[str, list[Layout]] = {}
        for lay in LAYOUTS.values():
            if lay.cell == cell:
                frameworks.setdefault(lay.framework, []).append(lay)
        rows = ["| | " + " | ".join(frameworks) + " |", "| --- |" + " --- |" * len(frameworks)]
        for label, cell_text in self.ROWS:
            cells = []
            for layouts in frameworks.values():
                texts = [cell_text(lay) for lay in layouts]
                if len(set(texts)) == 1:
                    cells.append(texts[0])
                else:
                    cells.append("<br>".join(
                        f"*{lay.layer.split('.')[-1]}*: {text}"
                        for lay, text in zip(layouts, texts, strict=True)
                    ))  # fmt: skip
            rows.append(f"| {label} | " + " | ".join(cells) + " |")
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
        """The trace turned round, a row per quantity and a column per step, so that two
        units' fractions fit a page."""
        return TraceView(self.trace, "fingerprint").steps_table()

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


# ---- "Trace your own model" (docs/trace-your-model.md) ---------------------------------
# The page trains a small Keras model in a snippet; its figures use the weights that
# training gives, stored in lstm_explained.networks.trained (rounded to three decimals, so that
# every machine draws the same numbers; a test trains it again and compares).


def flagged_weights() -> LSTMWeights:
    """The trained model's LSTM weights, as `lstm_explained.networks.trained` stores them."""
    return LSTMWeights(*flagged_arrays("memory"))


class FlaggedModelView:
    """The flagged-value model's gates on one sequence, as the page quotes and draws them."""

    VALUES = (1, -1, 1, -1, 1, 1, -1, 1, 1, -1)  # one sequence: the value at each step
    FLAGGED = 4  # and the step whose value the model must report

    @property
    def inputs(self) -> list[list[int]]:
        """The sequence as the model reads it: (value, flag) per step."""
        return [[v, int(t == self.FLAGGED)] for t, v in enumerate(self.VALUES, start=1)]

    def inputs_json(self) -> str:
        return "[" + ",".join(f"[{v},{f}]" for v, f in self.inputs) + "]"

    @functools.cached_property
    def trace(self) -> Trace:
        return forward(self.inputs, flagged_weights())

    def gate(self, name: str, t: int, unit: int) -> str:
        """One gate value at step t, two decimals as the heatmap prints it."""
        return f"{float(self.trace.steps[t - 1].gates[name][unit]):.2f}"

    def kernel(self, gate: str, feature: int, unit: int) -> str:
        """One input weight: from `feature` (0 value, 1 flag) into `gate` of `unit`."""
        w = self.trace.weights
        column = GATES.index(gate) * w.units + unit
        return format_number(float(w.kernel[feature, column]), 3)

    def lowest_forget_unit(self) -> int:
        """The unit whose forget gate drops furthest at the flag."""
        return int(np.argmin(self.trace.steps[self.FLAGGED - 1].gates["forget"]))

    def heatmap(self) -> str:
        notes = [f"{v:+d}".replace("-", "\u2212") + ("⚑" if t == self.FLAGGED else "")
                 for t, v in enumerate(self.VALUES, start=1)]  # fmt: skip
        caption = (
            "The trained model's gates on one sequence, step by step. Under each step "
            "number, the value it reads; ⚑ marks the flagged step."
        )
        return heatmap_figure(self.trace, units=range(self.trace.weights.units), notes=notes,
                              caption=caption, ident="flagged-heatmap")  # fmt: skip
