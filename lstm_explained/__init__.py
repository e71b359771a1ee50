"""A readable NumPy LSTM (and GRU) that records every intermediate value and agrees with Keras.

>>> from lstm_explained import LSTMWeights, forward
>>> trace = forward([1, 1, 1], LSTMWeights.constant(1.0), activation="linear",
...                 recurrent_activation="linear")
>>> [int(h) for h in trace.sequence_out[:, 0]]
[1, 12, 3211]
"""

from ._version import __version__ as __version__
from .diagnose.diff import LayerDiff, diff_layers
from .engine.activations import ACTIVATIONS, EXACT_ACTIVATIONS
from .engine.backward import Gradients, StepGradients, backward, sgd_step
from .engine.layers import Bidirectional, BidirectionalTrace, StackedTrace, bidirectional, stacked
from .engine.losses import Loss, mean_squared_error, sum_of_outputs
from .engine.parametric import ParametricActivation
from .engine.recurrence import forward
from .engine.trace import Step, Trace
from .engine.weights import (
    GATES,
    GRU_GATES,
    RNN_GATES,
    GateWeights,
    GRUWeights,
    LSTMWeights,
    RNNWeights,
)
from .errors import LSTMInputError, LSTMOverflowWarning
from .explain.backward_working import hand_backward
from .explain.hand import GRU_SYMBOLS, SYMBOLS, format_number, hand_calculation, trace_table
from .frameworks.flax_adapter import from_flax, to_flax
from .frameworks.layouts import LAYOUTS, Layout
from .frameworks.onnx_adapter import to_onnx
from .frameworks.onnx_reader import OnnxLayer, from_onnx
from .frameworks.torch_adapter import from_torch, to_torch
from .networks.fingerprint import (
    FINGERPRINT_GATE_ACTIVATION,
    FINGERPRINT_INPUTS,
    fingerprint_bias_halves,
    fingerprint_gru_weights,
    fingerprint_trace,
    fingerprint_weights,
)
from .saved.files import load_model
from .saved.model import SavedModel

__all__ = [
    "ACTIVATIONS",
    "EXACT_ACTIVATIONS",
    "FINGERPRINT_GATE_ACTIVATION",
    "FINGERPRINT_INPUTS",
    "GATES",
    "GRU_GATES",
    "GRU_SYMBOLS",
    "LAYOUTS",
    "RNN_GATES",
    "SYMBOLS",
    "Bidirectional",
    "BidirectionalTrace",
    "GRUWeights",
    "GateWeights",
    "Gradients",
    "LSTMInputError",
    "LSTMOverflowWarning",
    "LSTMWeights",
    "LayerDiff",
    "Layout",
    "Loss",
    "OnnxLayer",
    "ParametricActivation",
    "RNNWeights",
    "SavedModel",
    "StackedTrace",
    "Step",
    "StepGradients",
    "Trace",
    "backward",
    "bidirectional",
    "diff_layers",
    "fingerprint_bias_halves",
    "fingerprint_gru_weights",
    "fingerprint_trace",
    "fingerprint_weights",
    "format_number",
    "forward",
    "from_flax",
    "from_onnx",
    "from_torch",
    "hand_backward",
    "hand_calculation",
    "load_model",
    "mean_squared_error",
    "sgd_step",
    "stacked",
    "sum_of_outputs",
    "to_flax",
    "to_onnx",
    "to_torch",
    "trace_table",
]
