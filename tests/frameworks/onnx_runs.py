"""Running an ONNX model in onnxruntime, the independent reference, and the float32 values
it computes in."""

from __future__ import annotations

import numpy as np


def ort_run(onnxruntime, model, **feeds):
    session = onnxruntime.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {k: v for k, v in feeds.items() if v is not None})


def f32(a):
    return np.asarray(a, dtype=np.float64).astype(np.float32)
