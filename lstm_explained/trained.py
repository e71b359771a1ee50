"""Small Keras models for the page "Trace your own model": one trained on a toy task, a
padded (masked) one and an encoder-decoder.

The task: read a sequence of steps, each a value (+1 or -1) and a flag (1 at exactly
one step, else 0), and answer at the end whether the *flagged* value was +1. A model
that solves it must let in the value at the flagged step, forget whatever it held
before, and keep the new value to the end: its forget gates drop at the flag, which the
page's heatmap shows.

    python -m lstm_explained.trained flagged.keras   # train (a few seconds) and save
    python -m lstm_explained.trained --padded padded.keras
    python -m lstm_explained.trained --encoder-decoder translate.keras

The padded model and the encoder-decoder are not trained: their weights are seeded
numbers rounded to one decimal, the same on every machine. Training is seeded and runs
TensorFlow's deterministic kernels, so on one machine every run gives the same weights
to the last bit. Needs the `keras` extra.
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


def _weights(rng: Any, layer: Any) -> list[NDArray[Any]]:
    """Seeded weights for `layer`, shaped as its own, rounded to one decimal."""
    return [rng.normal(0, 0.8, w.shape).round(1).astype("float32") for w in layer.get_weights()]


# --8<-- [start:padded]
def padded_model(path: str | None = None) -> Any:
    """Masking below an LSTM that returns every step: zeros mark padding."""
    from .keras_adapter import import_keras

    keras = import_keras()
    model = keras.Sequential([
        keras.Input((None, 2), name="x"),
        keras.layers.Masking(mask_value=0.0, name="padding"),  # all-zero steps are padding
        keras.layers.LSTM(2, return_sequences=True, name="lstm"),
    ])  # fmt: skip
    model.get_layer("lstm").set_weights(_weights(np.random.default_rng(3), model.get_layer("lstm")))
    if path is not None:
        model.save(path)
    return model
    # --8<-- [end:padded]


# --8<-- [start:encoder-decoder]
def encoder_decoder(path: str | None = None) -> Any:
    """An encoder reads the source; its final h and c start the decoder."""
    from .keras_adapter import import_keras

    keras = import_keras()
    source = keras.Input((None, 2), name="source")
    target = keras.Input((None, 2), name="target")
    _, h, c = keras.layers.LSTM(2, return_state=True, name="encoder")(source)
    decoder = keras.layers.LSTM(2, return_sequences=True, name="decoder")
    decoded = decoder(target, initial_state=[h, c])  # it starts where the encoder ended
    model = keras.Model([source, target], decoded)
    rng = np.random.default_rng(4)
    for name in ("encoder", "decoder"):
        model.get_layer(name).set_weights(_weights(rng, model.get_layer(name)))
    if path is not None:
        model.save(path)
    return model
    # --8<-- [end:encoder-decoder]


MAKERS = {"--padded": padded_model, "--encoder-decoder": encoder_decoder}
USAGE = "usage: python -m lstm_explained.trained [--padded | --encoder-decoder] FILE.keras"


def main(argv: list[str]) -> int:
    """`python -m lstm_explained.trained [--padded | --encoder-decoder] FILE.keras`:
    train the flagged-value model (or make one of the others) and save it."""
    make = MAKERS.get(argv[0]) if len(argv) == 2 else None
    if not argv or not argv[-1].endswith(".keras") or (len(argv) == 2 and make is None) \
            or len(argv) > 2:  # fmt: skip
        print(USAGE, file=sys.stderr)
        return 2
    (make or train_flagged_value)(argv[-1])
    print(f"saved {argv[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
