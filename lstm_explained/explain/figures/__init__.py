"""SVG figures drawn from a `Trace`, so every number they show comes from the engine.

- `cell_svg(trace, t)` / `cell_figure(trace, t)`: the cell at step `t` (one layout, or
  both in a `<figure>`); without a trace, with symbols. `highlight=` singles out a gate.
- `cell_template()`: the same drawing with `{fields}` for the interactive stepper.
- `gru_figure(trace, t)` / `gru_svg(trace, t)`: the GRU cell at step `t`, its reset gate
  marked where it multiplies under either `reset_after`; `gru_template()` for the stepper.
- `rnn_figure(trace, t)` / `rnn_svg(trace, t)`: the plain recurrent cell at step `t`, one
  box and no gates; `rnn_template()` for a stepper.
- `unrolled_figure(trace)`: the cell at every step side by side, h and c flowing on.
- `backward_figure(trace, gradients, t)`: one step of backpropagation.

Figures carry a <title> and a <desc> with the numbers for screen readers, use
`currentColor` and Material's colour variables so they follow the light or dark palette,
and come in a desk layout and a phone layout.

Modules: `svg` (drawing primitives any cell can reuse: canvas, text, wires, boxes,
operators, legend), `numbers` (a trace's values as a figure shows them), `lstm_cell`
(where the LSTM cell's parts go, desk and phone), `lstm_figures` (the cell with a
trace's numbers, forwards and backwards), `gru_cell` (the GRU cell, drawn and filled),
`rnn_cell` (the plain recurrent cell, drawn and filled),
`unrolled` (the cell over time).
"""

from .gru_cell import gru_figure, gru_svg, gru_template
from .lstm_figures import (
    backward_figure,
    backward_svg,
    both_layouts,
    cell_figure,
    cell_svg,
    cell_template,
)
from .rnn_cell import rnn_figure, rnn_svg, rnn_template
from .unrolled import unrolled_figure, unrolled_svg

__all__ = [
    "backward_figure",
    "backward_svg",
    "both_layouts",
    "cell_figure",
    "cell_svg",
    "cell_template",
    "gru_figure",
    "gru_svg",
    "gru_template",
    "rnn_figure",
    "rnn_svg",
    "rnn_template",
    "unrolled_figure",
    "unrolled_svg",
]
