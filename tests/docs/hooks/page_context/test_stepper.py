"""hooks/page_context/stepper.py: what the stepper's script finds in its page."""

from __future__ import annotations

import json
import math
import re

import pytest

from tests.docs.hooks.loader import page_context
from tests.docs.site import ROOT


def test_the_presets_are_the_engines_networks_as_json():
    html = page_context("stepper").context()["stepper_presets"]()
    m = re.fullmatch(
        r'<script type="application/json" id="lstm-stepper-presets">(.*)</script>', html
    )
    assert m is not None
    assert "</" not in m[1]  # nothing in the JSON can close the script early
    doc = json.loads(m[1])
    assert list(doc) == [
        "article",
        "forget-bias",
        "second-example",
        "gru-example",
        "fingerprint",
        "fingerprint-gru",
        "plain-cell",
        "peepholes",
    ]
    article = doc["article"]["config"]
    assert (article["inputs"], article["activation"], article["exact"]) == (
        [1, 1, 1],
        "linear",
        True,
    )
    assert doc["forget-bias"]["label"] == "unit_forget_bias"


def test_the_figure_templates_one_per_drawing():
    # The LSTM's in the page, the others in the file the script fetches when needed
    stepper = page_context("stepper")
    html = stepper.context()["stepper_figure_template"]()
    ids = re.findall(r'<template id="([^"]+)">', html)
    assert ids == ["lstm-stepper-figure", "lstm-stepper-figure-units"]
    assert re.findall(r'<template id="([^"]+)">', stepper.lazy_figures()) == [
        "gru-stepper-figure-after",
        "gru-stepper-figure-after-units",
        "gru-stepper-figure-before",
        "gru-stepper-figure-before-units",
        "rnn-stepper-figure",
        "rnn-stepper-figure-units",
    ]
    # beside the stepper's page, where its container's data-figures points
    page = (ROOT / "docs" / "stepper.md").read_text("utf8")
    folder, name = stepper.LAZY_FIGURES.rsplit("/", 1)
    assert folder == "stepper"
    assert f'<div id="lstm-stepper" data-figures="{name}">' in page


def test_the_half_forget_network_in_fractions():
    half = page_context("stepper").context()["half_forget"]
    # a_f = x/2 + h_prev, every other gate z = x + h_prev; c = f*c_prev + z*z; h = z*c.
    # step 1: c = 1, h = 1; step 2: a_f = 3/2, z = 2: c = 3/2 + 4 = 11/2, h = 11;
    # step 3: a_f = 23/2, z = 12: c = 253/4 + 144 = 829/4, h = 12 * 829/4 = 2487
    assert half.outputs() == "1, 11, 2487"
    assert half.c(3) == "829/4"


def test_the_plain_cell_preset_fades_as_tanh_does():
    # W = 1, U = 1, b = 0, input 1 then zeros: h1 = tanh(1), then h = tanh(h_prev).
    doc = json.loads(re.sub(r"^<script[^>]*>|</script>$", "",
                            page_context("stepper").context()["stepper_presets"]()))  # fmt: skip
    plain = doc["plain-cell"]
    assert plain["label"] == "The plain cell"
    assert plain["config"]["cell"] == "RNN"
    assert (plain["config"]["kernel"], plain["config"]["recurrentKernel"]) == ([[1]], [[1]])
    h = [math.tanh(1)]
    for _ in range(5):
        h.append(math.tanh(h[-1]))
    view = page_context("stepper").context()["plain_fading"]
    assert [view.number(t, "h") for t in range(1, 7)] == pytest.approx(h, rel=1e-15)


def test_the_plain_cell_preset_is_the_why_gates_cell():
    # docs/stepper.md calls the preset the cell of the why-gates page: the same weights.
    from lstm_explained.networks.examples import NETWORKS

    ours = NETWORKS["plain-cell"].weights
    theirs = page_context("why_gates").plain_weights()
    for name in ("kernel", "recurrent_kernel", "bias"):
        assert getattr(ours, name).tolist() == getattr(theirs, name).tolist()


def test_the_peephole_preset_is_the_family_pages_peephole_network():
    # docs/stepper.md calls the preset the second example with peepholes, as the recurrent
    # family's page works it: the same weights, P and inputs, and no other variant.
    from lstm_explained.networks.examples import NETWORKS, STANDARD_INPUTS

    preset = NETWORKS["peepholes"]
    family = page_context("family").variant_weights("peepholes")
    assert preset.weights.variants == family.variants == ("peephole",)
    for name in ("kernel", "recurrent_kernel", "bias", "peephole"):
        assert getattr(preset.weights, name).tolist() == getattr(family, name).tolist()
    assert preset.inputs == STANDARD_INPUTS
    doc = json.loads(re.sub(r"^<script[^>]*>|</script>$", "",
                            page_context("stepper").context()["stepper_presets"]()))  # fmt: skip
    assert doc["peepholes"]["label"] == "Peepholes (ONNX P)"
    assert doc["peepholes"]["config"]["peephole"] == [[0.5], [-0.25], [0.75]]
