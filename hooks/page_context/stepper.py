"""The values of the interactive stepper (docs/stepper.md): its presets and the drawings
its script fills in, both written into the page at build time."""

from __future__ import annotations

import functools
import json
from typing import Any

from lstm_explained.explain.figures import cell_template, gru_template, rnn_template
from lstm_explained.networks.examples import NETWORKS, half_forget_trace

from .claims import Claim, registry
from .trace_view import TraceView


def stepper_figure_template() -> str:
    """The cell drawings with {fields} for the stepper's script to fill: one drawing per
    cell, the LSTM's with its products written out (one input, one unit) or as symbols,
    and so the GRU's (reset_after both ways) and the plain cell's."""
    templates = {
        "lstm-stepper-figure": cell_template("stepper-cell"),
        "lstm-stepper-figure-units": cell_template("stepper-cell-units", products=False),
    }
    for after, name in ((True, "after"), (False, "before")):
        for products, suffix in ((True, ""), (False, "-units")):
            ident = f"gru-stepper-figure-{name}{suffix}"
            templates[ident] = gru_template(ident, reset_after=after, products=products)
    for products, suffix in ((True, ""), (False, "-units")):
        templates[f"rnn-stepper-figure{suffix}"] = rnn_template(
            f"rnn-stepper-figure{suffix}", products=products
        )
    return "".join(f'<template id="{k}">{v}</template>' for k, v in templates.items())


STEPPER_PRESETS = {
    "article": "the article's toy network",
    "forget-bias": "unit_forget_bias",
    "second-example": "the second example",
    "gru-example": "the GRU example",
    "fingerprint": "the fingerprint LSTM",
    "fingerprint-gru": "the fingerprint GRU",
    "plain-cell": "The plain cell",
    "peepholes": "Peepholes (ONNX P)",
}
"""The stepper's presets: networks of `NETWORKS` by name, and how its menu calls them."""


def stepper_presets() -> str:
    """The presets as JSON for the stepper's script: the engine's networks, not a copy."""
    doc = {name: {"label": label, "config": NETWORKS[name].plain()}
           for name, label in STEPPER_PRESETS.items()}  # fmt: skip
    text = json.dumps(doc, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="application/json" id="lstm-stepper-presets">{text}</script>'


@functools.cache
def context() -> dict[str, Any]:
    """Computed once per build, when the page is rendered."""
    return {
        "half_forget": TraceView(half_forget_trace(), "half-forget"),
        "plain_fading": TraceView(NETWORKS["plain-cell"].run(), "plain-cell"),
        "peepholes": TraceView(NETWORKS["peepholes"].run(), "peepholes"),
        "stepper_figure_template": stepper_figure_template,
        "stepper_presets": stepper_presets,
    }


def std_between_closed_and_open(std: TraceView) -> bool:
    """The second example's gates i, f, o lie strictly between 0 (closed) and 1 (open) at
    every step, and its c stays below one in size."""
    steps = std.trace.steps
    gates = [std.number(s.t, g) for s in steps for g in ("input", "forget", "output")]
    return all(0 < v < 1 for v in gates) and all(abs(std.number(s.t, "c")) < 1 for s in steps)


CLAIMS = registry(Claim("std-between-closed-and-open", std_between_closed_and_open))
"""The claims of the stepper's page (see claims.py)."""
