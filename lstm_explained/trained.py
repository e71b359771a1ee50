"""A small Keras model trained on a toy task, for the page "Trace your own model".

The task: read a sequence of +1s and -1s and answer, at the end, whether the *first*
value was +1. Nothing after step 1 matters, so a model that solves it must store one
bit when the sequence starts and keep it: the input gate should open at step 1 and the
forget gate stay near 1 afterwards, which is what the page's heatmap shows.

    python -m lstm_explained.trained first-value.keras   # train (about 5 s) and save

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


def first_value_data(n: int, *, steps: int = STEPS, seed: int = 7) -> tuple[NDArray[Any], ...]:
    """`n` sequences of +1/-1, `(n, steps, 1)` float32, and the answers `(n,)`: 1.0 where
    the first value is +1."""
    rng = np.random.default_rng(seed)
    x = rng.choice([-1.0, 1.0], size=(n, steps, 1)).astype("float32")
    return x, (x[:, 0, 0] > 0).astype("float32")


def train_first_value(path: str | None = None, *, seed: int = 7, epochs: int = 15) -> Any:
    """Train `LSTM(4, name="memory")` and `Dense(1, sigmoid)` on 1,024 sequences; save
    the model to `path` (a `.keras` file) when given, and return it."""
    from .keras_adapter import import_keras

    keras = import_keras()
    import tensorflow as tf

    keras.utils.set_random_seed(seed)  # Python's, NumPy's and the backend's generators
    tf.config.experimental.enable_op_determinism()
    x, y = first_value_data(1024, seed=seed)
    model = keras.Sequential([
        keras.Input((None, 1)),  # any number of steps, one feature
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
    train_first_value(argv[0])
    print(f"saved {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
