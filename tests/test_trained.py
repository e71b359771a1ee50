"""The toy task's model: it learns the task, and training it twice gives the same weights."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_explained.trained import first_value_data, main, train_first_value


def test_the_answers_are_the_first_values():
    x, y = first_value_data(50, steps=6, seed=1)
    assert x.shape == (50, 6, 1)
    assert set(np.unique(x)) == {-1.0, 1.0}
    assert y.tolist() == [1.0 if row[0, 0] == 1 else 0.0 for row in x]


@pytest.mark.keras
def test_the_model_learns_to_remember_the_first_value_and_is_reproducible(keras, tmp_path):
    path = tmp_path / "first-value.keras"
    model = train_first_value(str(path))
    x, y = first_value_data(400, steps=25, seed=99)  # unseen, and longer than in training
    guesses = model.predict(x, verbose=0)[:, 0] > 0.5
    assert np.mean(guesses == (y == 1)) == 1.0
    again = keras.saving.load_model(path, safe_mode=True)
    for a, b in zip(model.get_weights(), train_first_value().get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # seeded, deterministic kernels
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))


def test_the_command_wants_one_keras_file(capsys):
    assert main([]) == 2
    assert main(["model.h5"]) == 2
    assert "usage: python -m lstm_explained.trained FILE.keras" in capsys.readouterr().err
