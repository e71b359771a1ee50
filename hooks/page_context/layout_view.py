"""Views of layouts: how frameworks store a cell's weights, and a trace in exact fractions
whose numbers tell the layouts apart.

`LayoutTables` formats `lstm_explained.frameworks.layouts`; `FractionsView` formats a
trace of several units computed exactly, and the traces of wrongly converted weights
next to it. Neither names a network: the page groups' modules pick the traces.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from lstm_explained import Trace
from lstm_explained.explain.hand import format_vector
from lstm_explained.frameworks.layouts import LAYOUTS, Layout

from .trace_view import TraceView


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
        ("variants", lambda lay: lay.variants),
    )

    def __init__(self, inputs: int, units: int) -> None:
        self.inputs = inputs  # the layer size that `count` counts parameters for
        self.units = units

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
        """The parameter count of one layout for `inputs` input features and `units` units."""
        return str(LAYOUTS[key].parameter_count(self.inputs, self.units))


class Wrong(NamedTuple):
    """Weights converted wrongly: the mistake's name, what went wrong, and their trace."""

    name: str
    what: str
    trace: Trace


class FractionsView:
    """What a page quotes from a trace of several units computed in exact fractions, and
    from the traces of the same weights converted wrongly (`wrong`)."""

    def __init__(self, trace: Trace, bias_halves: tuple[Any, Any], wrong: tuple[Wrong, ...] = ()):
        self.trace = trace
        self.weights = trace.weights
        self.bias_halves = bias_halves  # input side, recurrent side: each (gates * units,)
        self.wrong = wrong

    def h(self, t: int, trace: Trace | None = None) -> str:
        """h after step t, both units, exactly: "[-3/4, -3/16]"."""
        return format_vector((trace or self.trace).steps[t - 1].h)

    def decimals(self, t: int) -> str:
        """h after step t as the decimals a float32 framework prints (they are exact)."""
        return "[" + ", ".join(repr(float(v)) for v in self.trace.steps[t - 1].h) + "]"

    def table(self) -> str:
        """The trace turned round, a row per quantity and a column per step, so that two
        units' fractions fit a page."""
        return TraceView(self.trace, "fractions").steps_table()

    def weights_table(self) -> str:
        """Each gate's blocks, one row per unit's column: kernel, recurrent kernel, and its
        bias as input side + recurrent side (PyTorch's two biases, ONNX's Wb and Rb,
        Keras's two GRU bias rows)."""
        w, halves = self.weights, self.bias_halves
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
        for mistake in self.wrong:
            rows.append(f"| {mistake.name} | {mistake.what} | "
                        + " | ".join(self.h(t, mistake.trace) for t in steps) + " |")  # fmt: skip
        return "\n".join(rows)


def format_vector_rows(matrix: Any) -> str:
    """A small matrix row by row: "[-1, -1]; [3, -2]"."""
    return "; ".join(format_vector(row) for row in np.asarray(matrix))
