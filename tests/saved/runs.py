"""A saved model's layers run by the engine along the path an input takes (`engine`), and
its agreement with the framework's own output (`agree`), on shared inputs `X`."""

from __future__ import annotations

import numpy as np

from lstm_explained.saved.files import load_model
from lstm_explained.saved.model import run_chain

RNG = np.random.default_rng(7)
X = RNG.uniform(-1, 1, (2, 6, 3))  # (batch, time, features)


def engine(path, layer=None, x=X, dtype="float32"):
    model = load_model(path)
    chain = model.chain(layer)
    _, out = run_chain(chain, x, dtype=dtype)
    return model, chain, out


def agree(ours, theirs, atol=2e-6):
    theirs = np.asarray(theirs, dtype=np.float64)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, atol=atol, rtol=0)
