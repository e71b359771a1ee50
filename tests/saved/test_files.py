"""load_model: the format is told by a file's content, then its extension; a missing,
empty, truncated or unsupported file is refused in one line that says what is read
instead (through `lstm-explained trace`)."""

from __future__ import annotations

import pytest

from lstm_explained import LSTMInputError, load_model
from tests.command_line import one_line_error


def test_missing_empty_and_unknown_files(capsys, tmp_path):
    assert "No such file" in one_line_error(capsys, "trace", tmp_path / "nope.keras")
    (tmp_path / "empty.pt").write_bytes(b"")
    assert "is empty" in one_line_error(capsys, "trace", tmp_path / "empty.pt")
    (tmp_path / "model.txt").write_text("hello")
    err = one_line_error(capsys, "trace", tmp_path / "model.txt")
    assert "cannot tell the format" in err
    assert "ONNX models (.onnx)" in err
    (tmp_path / "old.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))
    assert "Keras 2's .h5" in one_line_error(capsys, "trace", tmp_path / "old.h5")
    (tmp_path / "saved").mkdir()
    (tmp_path / "saved" / "saved_model.pb").write_bytes(b"x")
    assert "SavedModel directory" in one_line_error(capsys, "trace", tmp_path / "saved")
    (tmp_path / "fake.keras").write_text("not a zip")
    assert "not a zip archive" in one_line_error(capsys, "trace", tmp_path / "fake.keras")


def test_formats_not_read_yet_say_what_to_trace_instead(capsys, tmp_path):
    (tmp_path / "m.bin").write_bytes(bytes(4) + b"TFL3" + bytes(32))  # a TFLite flatbuffer
    (tmp_path / "m.mlmodel").write_bytes(bytes(16))
    (tmp_path / "m.mlpackage").mkdir()
    for name, kind in (("m.bin", "TensorFlow Lite"), ("m.mlmodel", "Core ML"),
                       ("m.mlpackage", "Core ML")):  # fmt: skip
        err = one_line_error(capsys, "trace", tmp_path / name)
        assert f"is a {kind} model, which is not read yet; trace the model it was made " in err


@pytest.mark.keras
def test_a_truncated_keras_file(capsys, keras, tmp_path):
    model = keras.Sequential([keras.Input((None, 1)), keras.layers.LSTM(1)])
    model.save(tmp_path / "m.keras")
    data = (tmp_path / "m.keras").read_bytes()
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])
    assert "truncated or corrupt" in one_line_error(capsys, "trace", tmp_path / "cut.keras")


@pytest.mark.parametrize("given", [42, None, ["model.keras"]])
def test_a_path_that_is_not_a_path_is_named(given):
    expected = r"^path must be a file path \(str or os.PathLike\); got "
    with pytest.raises(LSTMInputError, match=expected):
        load_model(given)
