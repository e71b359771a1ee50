"""A readable NumPy LSTM that records every intermediate value and agrees with Keras.

>>> from lstm_explained import LSTMWeights, forward
>>> trace = forward([1, 1, 1], LSTMWeights.constant(1.0), activation="linear",
...                 recurrent_activation="linear")
>>> [int(h) for h in trace.sequence_out[:, 0]]
[1, 12, 3211]
"""

from .activations import ACTIVATIONS, EXACT_ACTIVATIONS
from .backward import Gradients, StepGradients, backward, sgd_step
from .cell import forward
from .errors import LSTMInputError, LSTMOverflowWarning
from .hand import SYMBOLS, format_number, hand_backward, hand_calculation, trace_table
from .losses import Loss, mean_squared_error, sum_of_outputs
from .trace import Step, Trace
from .weights import GATES, GateWeights, LSTMWeights

__all__ = [
    "ACTIVATIONS",
    "EXACT_ACTIVATIONS",
    "GATES",
    "SYMBOLS",
    "GateWeights",
    "Gradients",
    "LSTMInputError",
    "LSTMOverflowWarning",
    "LSTMWeights",
    "Loss",
    "Step",
    "StepGradients",
    "Trace",
    "backward",
    "format_number",
    "forward",
    "hand_backward",
    "hand_calculation",
    "mean_squared_error",
    "sgd_step",
    "sum_of_outputs",
    "trace_table",
]
__version__ = "0.1.0"
