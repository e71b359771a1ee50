"""hooks/page_context/layouts.py: the layouts page's tables and the fingerprint GRU."""

from __future__ import annotations

from tests.docs.hooks.loader import page_context
from tests.networks.test_fingerprint import gru_arrays, run_gru


def test_the_layouts_page_values():
    ctx = page_context("layouts").context()
    lstm = ctx["layouts"].table("LSTM")
    order = "| gate order | i, f, c (our g), o | i, f, g, o | i, o, f, c (our g) | i, f, g, o |"
    assert order in lstm
    assert "| parameters | 4H(in + H + 1) | 4H(in + H + 2) | 4H(in + H + 2) |" in lstm
    # the fingerprint's size, 2 inputs and 2 units: 4*2*(2 + 2 + 1) and 4*2*(2 + 2 + 2)
    assert (ctx["layouts"].count("keras-lstm"), ctx["layouts"].count("onnx-lstm")) == ("40", "48")


def test_the_fingerprint_gru():
    gru = page_context("layouts").context()["fingerprint_gru"]
    # h from a Fraction reference GRU written out in tests/networks/test_fingerprint.py
    want = run_gru(*gru_arrays())
    for t, h in enumerate(want, start=1):
        assert gru.h(t) == "[" + ", ".join(str(v) for v in h) + "]"
    # Keras's two bias rows, input side + recurrent side: z's columns of each
    _, _, b_in, b_rec = gru_arrays()
    z_bias = f"[{b_in[0]}, {b_in[1]}] + [{b_rec[0]}, {b_rec[1]}]"
    assert f"| {z_bias} |" in gru.weights_table().splitlines()[2]
