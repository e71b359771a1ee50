"""The engine: an LSTM and a GRU in Keras's layout that record every intermediate value.

`weights` (the packed layout and its gate blocks), `activations` and `parametric` (the
functions a gate applies), one module per cell (`lstm`, `gru`, `rnn`: its step and that
step's derivatives, side by side; `lstm_variants`, the LSTM with peepholes, coupled gates, a
clip or a projection), `cells` (what every cell module provides), `options` (how a
run computes: its activations, exact or float, dtype), `recurrence` (the time loop every
cell shares: masks, initial states, the record), `trace` (the record), `backward`
(backpropagation through time) and `losses`, and `layers` (bidirectional layers and
stacks). A new cell goes here, as a module like `gru`. Nothing here imports a framework.
"""
