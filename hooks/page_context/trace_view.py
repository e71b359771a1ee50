"""Views of a forward pass: what a page may quote from a trace, formatted as it shows it.

A view takes a trace (or a bidirectional layer's) and formats its numbers, tables, hand
calculations and figures; it names no network. The page groups' modules decide which
traces the pages see.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from lstm_explained import BidirectionalTrace, Trace, format_number, hand_calculation, trace_table
from lstm_explained.explain.figures import cell_figure, gru_figure, unrolled_figure
from lstm_explained.explain.figures.numbers import digits_that_add_up
from lstm_explained.explain.hand import format_vector, preactivation_symbol, symbols


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

    def number(self, t: int, name: str, unit: int = 0) -> float:
        """The number `value` shows, unformatted, for a claim to compare (see claims.py)."""
        arr = self._get(t, name)
        return float(arr.ravel()[unit] if hasattr(arr, "ravel") else arr)

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
