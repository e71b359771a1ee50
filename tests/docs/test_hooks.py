"""The build hooks, one module per job, each tested on its own."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType, SimpleNamespace

import pytest

from tests.docs.site import ROOT

HOOKS = ROOT / "hooks"


def load(name: str) -> ModuleType:
    """A hook module loaded from its file, as MkDocs loads it (not as a package)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HOOKS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def fake_page(src: str) -> SimpleNamespace:
    return SimpleNamespace(file=SimpleNamespace(src_uri=src, src_path=src))


def test_every_hook_file_is_registered_in_mkdocs_yml():
    config = (ROOT / "mkdocs.yml").read_text("utf8")
    files = sorted(p.name for p in HOOKS.glob("*.py"))
    assert files, "no hooks found"
    for name in files:
        assert f"hooks/{name}" in config, f"hooks/{name} is not in mkdocs.yml"


def test_page_values_quote_the_engine():
    page_values = load("page_values")
    ctx = page_values.context()
    # Hand-derived: the toy network's h = 1, 12, 3211 and c = 1, 6, 247.
    assert ctx["toy"].outputs() == "1, 12, 3211"
    assert ctx["toy"].c(3) == "247"
    assert ctx["toy6"].h(4, sep=True) == "35,686,309,296"
    assert ctx["toy6"].digits_of(6) == 95
    assert ctx["toy_f32"].h(4, sep=True) == "35,686,309,888"
    assert ctx["ufb"].outputs() == "1, 14, 5055"
    assert isinstance(ctx["std"], page_values.TraceView)
    assert ctx["std"].weight("forget", "bias") == "1"
    # backprop of L = h1 + h2 + h3 (hand-derived in tests/test_backward.py)
    assert ctx["toy_back"].loss() == "3224"
    assert ctx["toy_back"].value(2, "dh") == "664"
    assert ctx["toy_back"].value(3, "forget") == "78"


def test_page_values_render_a_page_and_name_it_on_a_typo():
    page_values = load("page_values")
    page = fake_page("toy-network.md")
    assert page_values.on_page_markdown("h = {{ toy.h(2) }}", page) == "h = 12"
    with pytest.raises(RuntimeError, match=r"toy-network\.md"):
        page_values.on_page_markdown("{{ toy.hh(2) }}", page)


def test_mathml_replaces_arithmatex_markup():
    mathml = load("mathml")
    html = (
        r'<p>Inline <span class="arithmatex">\(c_t = f_t\)</span>.</p>'
        r'<div class="arithmatex">\[h = o \cdot \phi(c)\]</div>'
    )
    out = mathml.on_page_content(html)
    assert "arithmatex" not in out
    assert out.count("<math") == 2
    assert 'display="block"' in out
    assert '<div class="lx-math">' in out
    assert "<mi>ϕ</mi>" in out or "<mi>&#x003D5;</mi>" in out or "ϕ" in out


def test_prune_css_keeps_only_rules_for_classes_in_use():
    prune_css = load("notebook_page").prune_css
    css = (
        "/* a comment with .dots.in.it */ .a .b{color:red}.a .zz{color:blue}"
        ".a :is(.b, .c){margin:0}@media (max-width: 10px){.zz{x:1}.b{y:2}}"
        "@keyframes spin{0%{opacity:0}to{opacity:1}}.a :root{--big:url(x)}"
        ".a{--used:1;--unused:2;width:var(--used)}"
    )
    out = prune_css(css, {"a", "b"})
    assert ".a .b{color:red}" in out
    assert ".zz" not in out
    assert ".a :is(.b, .c){margin:0}" not in out  # names .c, which the page lacks
    assert "@media (max-width: 10px){.b{y:2}}" in out
    assert "@keyframes spin" in out
    assert ":root" not in out
    assert "--used:1" in out
    assert "--unused" not in out


def test_notebook_page_touches_only_notebooks():
    notebook_page = load("notebook_page")
    html = '<script src=""></script><style>.unused{color:red}</style><p class="x">hi</p>'
    assert notebook_page.on_post_page(html, page=fake_page("index.md")) == html
    slim = notebook_page.on_post_page(html, page=fake_page("notebooks/a.ipynb"))
    assert '<script src="">' not in slim
    assert ".unused" not in slim
    assert '<p class="x">hi</p>' in slim


def test_the_notebook_page_is_slim(site):
    page = site / "notebooks" / "step-through-it-yourself" / "index.html"
    assert page.stat().st_size < 150_000  # about 650 kB before the hook prunes its CSS


def test_material_fixes_name_the_search_dialog():
    fixes = load("material_fixes")
    html = '<div class="md-search" data-md-component="search" role="dialog"><input></div>'
    out = fixes.on_post_page(html, page=fake_page("index.md"))
    assert 'role="dialog" aria-label="Search">' in out


def test_the_built_search_dialog_has_its_name(site):
    assert 'role="dialog" aria-label="Search"' in (site / "index.html").read_text("utf8")


def test_the_version_selector_is_on_only_under_mike(monkeypatch):
    fixes = load("material_fixes")

    def config() -> SimpleNamespace:
        return SimpleNamespace(extra={"version": {"provider": "mike", "default": "latest"}})

    monkeypatch.delenv("MIKE_DOCS_VERSION", raising=False)
    assert "version" not in fixes.on_config(config()).extra  # make serve: no versions.json
    monkeypatch.setenv("MIKE_DOCS_VERSION", "0.2")  # what mike sets while it builds
    assert fixes.on_config(config()).extra["version"]["provider"] == "mike"


def test_hand_calculations_are_one_block_per_line():
    page_values = load("page_values")
    block = page_values.hand_block("a: x = 1 < 2\n   y = 3", "Working")
    assert block == (
        '<pre class="lx-hand" aria-label="Working"><code>'
        '<span class="lx-line">a: x = 1 &lt; 2</span><span class="lx-line">   y = 3</span>'
        "</code></pre>"
    )


BACKWARD_GATES = ["input gate:", "forget gate:", "candidate:", "output gate:"]


def gate_labels(text: str) -> list[str]:
    return [
        label for line in text.splitlines() for label in BACKWARD_GATES if line.startswith(label)
    ]


def test_hand_backward_itself_lists_the_gates_in_keras_order():
    from lstm_explained import backward, hand_backward, sum_of_outputs
    from lstm_explained.networks.examples import toy_trace

    trace = toy_trace(3)
    text = hand_backward(trace, backward(trace, sum_of_outputs(trace).d_sequence_out), 2)
    assert gate_labels(text) == BACKWARD_GATES


def test_the_layouts_page_values():
    ctx = load("page_values").context()
    lstm = ctx["layouts"].table("LSTM")
    order = "| gate order | i, f, c (our g), o | i, f, g, o | i, o, f, c (our g) | i, f, g, o |"
    assert order in lstm
    assert "| parameters | 4H(in + H + 1) | 4H(in + H + 2) | 4H(in + H + 2) |" in lstm
    # the fingerprint's size, 2 inputs and 2 units: 4*2*(2 + 2 + 1) and 4*2*(2 + 2 + 2)
    assert (ctx["layouts"].count("keras-lstm"), ctx["layouts"].count("onnx-lstm")) == ("40", "48")
    # step 1 by hand in tests/test_fingerprint.py; step 2 from the Fractions written out there
    from tests.networks.test_fingerprint import lstm_arrays, reference_lstm

    kernel, recurrent, b_ih, b_hh = lstm_arrays()
    steps, _ = reference_lstm(kernel, recurrent, [p + q for p, q in zip(b_ih, b_hh, strict=True)])
    assert ctx["fingerprint"].h(1) == "[-3/4, -3/16]"
    assert ctx["fingerprint"].decimals(2) == repr([float(v) for v in steps[1]])
    mistakes = ctx["fingerprint"].mistakes_table().splitlines()
    assert mistakes[2].startswith("| **right** | | [-3/4, -3/16] |")
    # a forget bias added twice multiplies c_prev = 0 at step 1: right there, wrong after
    twice = next(row for row in mistakes if row.startswith("| the forget bias added twice"))
    assert "| [-3/4, -3/16] |" in twice
    assert twice.split(" | ")[-1] != mistakes[2].split(" | ")[-1]
    assert "| input | [-1, -1]; [3, -2] | [2, -3]; [3, -1] | [-2, -1] + [2, 1] |" in (
        ctx["fingerprint"].weights_table()
    )


@pytest.mark.keras
def test_the_trace_page_says_what_the_trained_models_forget_gates_do(keras):
    # docs/trace-your-model.md claims, of the model trained at build time: at the flag
    # the forget gate of one unit drops below its value the step before, and the step
    # after it is nearly open again. Checked here against Keras's own layer, step by step.
    import numpy as np

    view = load("page_values").FlaggedModelView()
    flag, unit = view.FLAGGED, view.lowest_forget_unit()
    forget = [float(s.gates["forget"][unit]) for s in view.trace.steps]
    assert forget[flag - 1] < 0.5 < forget[flag - 2]
    assert forget[flag] > 0.9
    layer = keras.layers.LSTM(4, return_sequences=True)
    layer.build((None, None, 2))
    layer.set_weights(view.trace.weights.to_keras("float32"))
    h = np.asarray(layer(np.array([view.inputs], dtype="float32")))[0]
    np.testing.assert_allclose(view.trace.sequence_out, h, atol=1e-5)
