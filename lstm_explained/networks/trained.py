"""A small Keras model trained on a toy task, for the page "Trace your own model".

The task: read a sequence of steps, each a value (+1 or -1) and a flag (1 at exactly
one step, else 0), and answer at the end whether the *flagged* value was +1. A model
that solves it must let in the value at the flagged step, forget whatever it held
before, and keep the new value to the end: its forget gates drop at the flag, which the
page's heatmap shows.

    python -m lstm_explained.networks.trained flagged.keras   # the trained model, saved

Training is seeded and runs TensorFlow's deterministic kernels, so on one machine every
run gives the same weights to the last bit; but a processor with other vector
instructions changes them in their last digits (seen here: 1.066419 against 1.066417 in
one pre-activation). So the weights the training gave are stored here, rounded to three
decimals (`FLAGGED_WEIGHTS`), and `flagged_model` builds the model from them: the same
file, and the same numbers on the page, on every machine. A test trains the model again
and checks that it still gives these weights. Needs the `keras` extra.
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


def _architecture(keras: Any) -> Any:
    """`LSTM(4, name="memory")` then `Dense(1, sigmoid, name="answer")`."""
    return keras.Sequential([
        keras.Input((None, 2)),  # any number of steps, two features
        keras.layers.LSTM(4, name="memory"),
        keras.layers.Dense(1, activation="sigmoid", name="answer"),
    ])  # fmt: skip


def train_flagged_value(path: str | None = None, *, seed: int = 7, epochs: int = 10) -> Any:
    """Train `LSTM(4, name="memory")` and `Dense(1, sigmoid)` on 2,048 sequences; save
    the model to `path` (a `.keras` file) when given, and return it."""
    from ..frameworks.keras_adapter import import_keras

    keras = import_keras()
    import tensorflow as tf

    keras.utils.set_random_seed(seed)  # Python's, NumPy's and the backend's generators
    tf.config.experimental.enable_op_determinism()
    x, y = flagged_value_data(2048, seed=seed)
    model = _architecture(keras)
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy")
    model.fit(x, y, epochs=epochs, batch_size=64, verbose=0)
    if path is not None:
        model.save(path)
    return model


FLAGGED_WEIGHTS: dict[str, list[Any]] = {
    "memory": [  # LSTM(4): kernel (2, 16), recurrent kernel (4, 16), bias (16,)
        [
            [1.075, -0.177, 0.13, -1.668, -0.527, 1.705, 0.273, 1.202,
             0.001, 0.7, 1.164, -0.27, 0.806, -0.035, -0.47, -1.047],
            [0.663, 1.583, 2.147, -0.333, -1.15, -1.922, -1.227, -1.461,
             1.128, -1.4, -0.644, -1.981, -0.359, 1.7, 2.271, 1.481],
        ],
        [
            [0.893, 0.059, -0.031, 0.818, 0.662, -0.143, 1.59, -0.235,
             0.648, 0.397, 0.685, 0.522, 0.233, -0.948, 0.775, 0.209],
            [-1.189, 0.497, 0.564, -0.129, -0.619, -0.712, -1.186, -0.956,
             -0.208, 0.518, -0.119, 0.15, -0.794, -0.541, 0.107, -1.357],
            [0.07, 0.459, 0.39, 0.407, 0.998, -0.46, 0.377, -0.834,
             0.99, 0.647, 0.727, 0.56, 1.297, 1.391, 1.048, 0.414],
            [-1.177, 0.096, 0.986, -0.358, 0.042, -0.813, -0.754, -0.42,
             0.784, 1.931, 1.248, 0.79, -0.477, -0.667, 0.545, -0.227],
        ],
        [0.635, 1.309, -0.369, 0.761, 1.594, 1.481, 1.281, 1.729,
         -0.249, -0.01, 0.341, -0.006, 1.37, 1.822, 0.819, 1.43],
    ],
    "answer": [[[2.731], [2.515], [2.889], [2.409]], [0.012]],  # Dense(1): (4, 1), (1,)
}  # fmt: skip
"""What `train_flagged_value` gives, rounded to three decimals: each layer's weights in
the order `get_weights` returns them."""


def flagged_arrays(layer: str = "memory") -> list[NDArray[Any]]:
    """One layer's stored weights as float32 arrays (Keras's layout)."""
    return [np.asarray(w, dtype=np.float32) for w in FLAGGED_WEIGHTS[layer]]


def flagged_model(path: str | None = None) -> Any:
    """The trained flagged-value model, built from `FLAGGED_WEIGHTS`; saved to `path`
    (a `.keras` file) when given, and returned."""
    from ..frameworks.keras_adapter import import_keras

    model = _architecture(import_keras())
    for name in FLAGGED_WEIGHTS:
        model.get_layer(name).set_weights(flagged_arrays(name))
    if path is not None:
        model.save(path)
    return model


def main(argv: list[str]) -> int:
    """`python -m lstm_explained.networks.trained FILE.keras`: the trained model, saved."""
    if len(argv) != 1 or not argv[0].endswith(".keras"):
        print("usage: python -m lstm_explained.networks.trained FILE.keras", file=sys.stderr)
        return 2
    flagged_model(argv[0])
    print(f"saved {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
