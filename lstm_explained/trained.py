"""A small Keras model trained on a toy task, for the page "Trace your own model".

The task: read a sequence of steps, each a value (+1 or -1) and a flag (1 at exactly
one step, else 0), and answer at the end whether the *flagged* value was +1. A model
that solves it must let in the value at the flagged step, forget whatever it held
before, and keep the new value to the end: its forget gates drop at the flag, which the
page's heatmap shows.

    python -m lstm_explained.trained flagged.keras   # train (a few seconds) and save

Training is seeded and runs TensorFlow's deterministic kernels, so on one machine every
run gives the same weights to the last bit. Needs the `keras` extra.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
from numpy.typing import NDArray

STEPS = 10
"""Length of each training sequence (the trained model reads any length)."""


def flagged_value_data(n: int, *, steps: int = STEPS, seed: int = 7) -> tuple[NDArray[Any], ...]:
    """`n` sequences `(n, steps, 2)` float32 of (value, flag) and the answers `(n,)`:
    1.0 where the flagged value is +1."""
    rng = np.random.default_rng(seed)
    values = rng.choice([-1.0, 1.0], size=(n, steps))
    flagged = rng.integers(0, steps, size=n)  # the one flagged step of each sequence
    flags = np.zeros((n, steps))
    flags[np.arange(n), flagged] = 1.0
    x = np.stack([values, flags], axis=-1).astype("float32")  # (n, steps, 2)
    return x, (values[np.arange(n), flagged] > 0).astype("float32")


def train_flagged_value(path: str | None = None, *, seed: int = 7, epochs: int = 10) -> Any:
    """Train `LSTM(4, name="memory")` and `Dense(1, sigmoid)` on 2,048 sequences; save
    the model to `path` (a `.keras` file) when given, and return it."""
    from .keras_adapter import import_keras

    keras = import_keras()
    import tensorflow as tf

    keras.utils.set_random_seed(seed)  # Python's, NumPy's and the backend's generators
    tf.config.experimental.enable_op_determinism()
    x, y = flagged_value_data(2048, seed=seed)
    model = keras.Sequential([
        keras.Input((None, 2)),  # any number of steps, two features
        keras.layers.LSTM(4, name="memory"),
        keras.layers.Dense(1, activation="sigmoid", name="answer"),
    ])  # fmt: skip
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy")
    model.fit(x, y, epochs=epochs, batch_size=64, verbose=0)
    if path is not None:
        model.save(path)
    return model


def main(argv: list[str]) -> int:
    """`python -m lstm_explained.trained FILE.keras`: train and save."""
    if len(argv) != 1 or not argv[0].endswith(".keras"):
        print("usage: python -m lstm_explained.trained FILE.keras", file=sys.stderr)
        return 2
    train_flagged_value(argv[0])
    print(f"saved {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
