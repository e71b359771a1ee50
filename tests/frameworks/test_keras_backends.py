"""Keras 3 on its JAX and PyTorch backends builds the article's toy network too.

Keras picks its backend once, when it is first imported, and this test process already
runs Keras on TensorFlow; so each backend runs in a fresh interpreter with KERAS_BACKEND
set, and prints what it computed as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.backends

SCRIPT = """
import json, sys
import numpy as np
import keras

toy = dict(
    activation=None,  # identity
    recurrent_activation=None,
    kernel_initializer="ones",
    recurrent_initializer="ones",
    unit_forget_bias=False,  # bias stays zero
)
x = np.ones((1, 3, 1), dtype="float32")  # one sequence: 1, 1, 1
layer = keras.layers.LSTM(1, return_sequences=True, return_state=True, **toy)
sequence_out, state_h, state_c = (keras.ops.convert_to_numpy(a) for a in layer(x))

cell = keras.layers.LSTMCell(1, **toy)  # one step at a time, to see c at every step
state, cs = [np.zeros((1, 1), "float32"), np.zeros((1, 1), "float32")], []
for t in range(3):
    _, state = cell(x[:, t], state)
    cs.append(float(keras.ops.convert_to_numpy(state[1])[0, 0]))

print(json.dumps({
    "backend": keras.backend.backend(),
    "tensorflow_imported": "tensorflow" in sys.modules,
    "h": sequence_out[0, :, 0].tolist(),
    "state_h": float(state_h[0, 0]),
    "state_c": float(state_c[0, 0]),
    "c": cs,
}))
"""


def toy_by_hand(steps):
    """The toy network in integers: every gate sees z = x + h_prev with x = 1;
    c = z*c_prev + z*z and h = z*c (identity activations, weights 1, bias 0)."""
    h = c = 0
    hs, cs = [], []
    for _ in range(steps):
        z = 1 + h
        c = z * c + z * z
        h = z * c
        hs.append(h)
        cs.append(c)
    return hs, cs


def run_on_backend(backend):
    env = {**os.environ, "KERAS_BACKEND": backend}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_toy_by_hand_is_the_articles_table():
    assert toy_by_hand(3) == ([1, 12, 3211], [1, 6, 247])  # the article's numbers


# What each backend needs installed: conftest fixtures that skip, or fail under CI=true.
NEEDS = {"jax": "jax_installed", "torch": "torch"}


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_keras_on_another_backend_reproduces_the_toy_network(backend, keras_installed, request):
    request.getfixturevalue(NEEDS[backend])
    result = run_on_backend(backend)
    hs, cs = toy_by_hand(3)
    assert result["backend"] == backend
    assert not result["tensorflow_imported"]  # really not TensorFlow underneath
    assert result["h"] == hs
    assert result["c"] == cs
    assert (result["state_h"], result["state_c"]) == (hs[-1], cs[-1])
