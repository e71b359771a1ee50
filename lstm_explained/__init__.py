"""A readable NumPy LSTM (and GRU) that records every intermediate value and agrees with Keras.

>>> from lstm_explained import LSTMWeights, forward
>>> trace = forward([1, 1, 1], LSTMWeights.constant(1.0), activation="linear",
...                 recurrent_activation="linear")
>>> [int(h) for h in trace.sequence_out[:, 0]]
[1, 12, 3211]
"""

from .activations import ACTIVATIONS, EXACT_ACTIVATIONS
from .backward import Gradients, StepGradients, backward, sgd_step
from .diagnose import LayerDiff, diff_layers
from .errors import LSTMInputError, LSTMOverflowWarning
from .fingerprint import (
    FINGERPRINT_GATE_ACTIVATION,
    FINGERPRINT_INPUTS,
    fingerprint_bias_halves,
    fingerprint_gru_weights,
    fingerprint_trace,
    fingerprint_weights,
)
from .flax_adapter import from_flax, to_flax
from .hand import (
    GRU_SYMBOLS,
    SYMBOLS,
    format_number,
    hand_backward,
    hand_calculation,
    trace_table,
)
from .layers import Bidirectional, BidirectionalTrace, StackedTrace, bidirectional, stacked
from .layouts import LAYOUTS, Layout
from .losses import Loss, mean_squared_error, sum_of_outputs
from .model_files import load_model
from .onnx_adapter import to_onnx
from .onnx_reader import OnnxLayer, from_onnx
from .parametric import ParametricActivation
from .recurrence import forward
from .saved_model import SavedModel
from .trace import Step, Trace
from .weights import GATES, GRU_GATES, GateWeights, GRUWeights, LSTMWeights

__all__ = [
    "ACTIVATIONS",
    "EXACT_ACTIVATIONS",
    "FINGERPRINT_GATE_ACTIVATION",
    "FINGERPRINT_INPUTS",
    "GATES",
    "GRU_GATES",
    "GRU_SYMBOLS",
    "LAYOUTS",
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
    "hand_backward",
    "hand_calculation",
    "load_model",
    "mean_squared_error",
    "sgd_step",
    "stacked",
    "sum_of_outputs",
    "to_flax",
    "to_onnx",
    "trace_table",
]
__version__ = "0.1.0"
