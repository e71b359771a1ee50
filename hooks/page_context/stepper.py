"""The values of the interactive stepper (docs/stepper.md): its presets and the drawings
its script fills in: the LSTM's written into the page at build time, the other cells' into a
file beside it (LAZY_FIGURES)."""

from __future__ import annotations

import functools
import json
from typing import Any

from lstm_explained.explain.figures import cell_template, gru_template, rnn_template
from lstm_explained.networks.examples import NETWORKS, half_forget_trace

from .claims import Claim, registry
from .trace_view import TraceView

LAZY_FIGURES = "stepper/cell-figures.html"
"""Where the site keeps the GRU's and the plain cell's drawings (below the site's root):
the stepper's script fetches them the first time a reader picks one of those cells, so
that a page opened on the LSTM does not download them (3 KiB gzipped of its weight)."""


def _templates(templates: dict[str, str]) -> str:
    return "".join(f'<template id="{k}">{v}</template>' for k, v in templates.items())


def stepper_figure_template() -> str:
    """The LSTM's drawings, with {fields} for the stepper's script to fill: its products
    written out (one input, one unit) or as symbols. The page opens on an LSTM, so
    these are in the page; the other cells' are in LAZY_FIGURES (`lazy_figures`)."""
    return _templates({
        "lstm-stepper-figure": cell_template("stepper-cell"),
        "lstm-stepper-figure-units": cell_template("stepper-cell-units", products=False),
    })  # fmt: skip


def lazy_figures() -> str:
    """The GRU's drawings (reset_after both ways) and the plain cell's, each with its
    products written out or as symbols, as the stepper's script fetches them."""
    templates = {}
    for after, name in ((True, "after"), (False, "before")):
        for products, suffix in ((True, ""), (False, "-units")):
            ident = f"gru-stepper-figure-{name}{suffix}"
            templates[ident] = gru_template(ident, reset_after=after, products=products)
    for products, suffix in ((True, ""), (False, "-units")):
        templates[f"rnn-stepper-figure{suffix}"] = rnn_template(
            f"rnn-stepper-figure{suffix}", products=products
        )
    return _templates(templates)


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
