"""`lstm-explained diff A B`: where two models' recurrent layers part, and why.

Reads two saved models (`load_model`; Keras, PyTorch or ONNX, in any mix), pairs their
LSTM and GRU layers bottom first (or the ones `--layer` names), gives each pair the same
inputs, and prints `diff_layers`'s report for each: the first step, quantity, gate and
unit where the two part beyond the tolerance, and the known mistake that explains it.
Each side masks the padded steps as its model does (`padding.padding_of`): a Keras
`Masking` layer from the inputs' values, an ONNX node's `sequence_lens` from the number
of real steps in each row of the other side's mask. Exit status 0 when every pair
agrees, 1 when one differs, 2 for bad input.
"""

from __future__ import annotations

from typing import Any

import click
import numpy as np
from numpy.typing import NDArray

from ..diagnose.diff import TOLERANCE, diff_layers
from ..diagnose.padding import padding_of
from ..errors import LSTMInputError
from ..saved.files import load_model
from ..saved.layer import SavedLayer
from ..saved.model import FORMAT_NAMES, SavedModel, engine_output
from .inputs import read_inputs

Array = NDArray[Any]

EPILOG = """Examples:

\b
  lstm-explained diff model.keras model.onnx      the same model, converted
  lstm-explained diff before.pt after.pt -i x.npy
  lstm-explained diff model.keras model.onnx --layer lstm_1 --layer-b 2

\b
Without --layer every pair of layers is compared, bottom first; both models need the same
number of LSTM and GRU layers. Each pair reads the same inputs: for a layer above the
lowest, A's own layers below it compute them from yours. Without --inputs, seeded
example inputs are used (said so). A difference is measured as |a - b| / max(1, |a|,
|b|), on every gate, state and output. Exit status: 0 when the models agree, 1 when
they differ, 2 for bad input.

\b
Padding: give padded inputs to compare how the two mask them. A Keras model with a
Masking layer masks the steps whose features all equal its mask_value; an ONNX node
with sequence_lens is given each row's number of real steps in the other side's mask
(ONNX pads at the end only). diff names: padding-output (padded steps repeat the last
h on one side, output zeros on the other), mask-ignored (one side runs the padded steps
as real ones), padding-moved (padding at the start on one side, at the end on the
other). A mask from Embedding(mask_zero=True) cannot be seen in a layer's inputs: then
the padding is not compared (said so).
"""


@click.command("diff", epilog=EPILOG, context_settings={"max_content_width": 100})
@click.argument("model_a", metavar="A")
@click.argument("model_b", metavar="B")
@click.option("--layer", default=None, help="Compare only this layer of A, by name or number "
              "in `trace --list` (default: every pair, bottom first).")  # fmt: skip
@click.option("--layer-b", default=None, help="The layer of B to compare with --layer, by "
              "name or number (default: the one at the same position).")  # fmt: skip
@click.option("-i", "--inputs", default=None, help="Inputs: '1,2,3', JSON such as "
              "'[[1,0],[0,1]]', or a .npy or .csv file. Without it, seeded example "
              "inputs.")  # fmt: skip
@click.option("--tolerance", type=click.FloatRange(min=0, min_open=True), default=TOLERANCE,
              show_default=True, help="Largest difference taken as agreement.")  # fmt: skip
@click.option("--nonlinearity-a", type=click.Choice(["tanh", "relu"]), default=None,
              help="A is a PyTorch state dict: its nn.RNN's activation, which the file does "
              "not store (default: tanh, assumed).")  # fmt: skip
@click.option("--nonlinearity-b", type=click.Choice(["tanh", "relu"]), default=None,
              help="The same for B.")  # fmt: skip
def diff_command(model_a: str, model_b: str, **o: Any) -> int:
    """Run two models (or one model in two frameworks) on the same inputs, each masking
    the padded steps as it does, find the first step, gate and unit where their LSTM or
    GRU layers part, and name the known mistake that explains it."""
    a = load_model(model_a, nonlinearity=o["nonlinearity_a"])
    b = load_model(model_b, nonlinearity=o["nonlinearity_b"])
    pairs = layer_pairs(a, b, o["layer"], o["layer_b"])
    click.echo(f"A: {a.path} ({FORMAT_NAMES[a.framework]})")
    click.echo(f"B: {b.path} ({FORMAT_NAMES[b.framework]})")
    worst, said = 0, None
    for layer_a, layer_b in pairs:
        chain = a.chain(layer_a.name)
        x, origin = read_inputs(o["inputs"], chain[0], a)
        inputs = f"inputs: {origin}, shape {x.shape} (batch, time, features)"
        if inputs != said:
            click.echo(inputs)
            said = inputs
        click.echo(f"\n{layer_a.name} (A) against {layer_b.name} (B):")
        if len(chain) > 1:
            below = ", ".join(layer.name for layer in chain[:-1])
            click.echo(f"    both read what A's {below} output(s) for these inputs")
        padding = padding_of(layer_a, layer_b, x)
        x_top = inputs_of(chain, x, padding.a)
        result = diff_layers(layer_a, layer_b, x_top, tolerance=o["tolerance"], padding=padding)
        click.echo(result.report())
        worst = max(worst, result.exit_code)
    return worst


def layer_pairs(
    a: SavedModel, b: SavedModel, name_a: str | None, name_b: str | None
) -> list[tuple[SavedLayer, SavedLayer]]:
    """The layers to compare: the named one of A with the named (or same-position) one
    of B, or every layer of A with B's at the same position."""
    if name_b is not None and name_a is None:
        raise LSTMInputError("--layer-b says which layer of B to compare with --layer; add --layer")
    if name_a is not None:
        layer_a = a.layer(name_a)
        if name_b is None:
            k = a.layers.index(layer_a)
            if k >= len(b.layers):
                raise LSTMInputError(
                    f"{layer_a.name!r} is layer {k + 1} of A, but B has {len(b.layers)} LSTM or "
                    f"GRU layer(s); name B's with --layer-b"
                )
            return [(layer_a, b.layers[k])]
        return [(layer_a, b.layer(name_b))]
    if len(a.layers) != len(b.layers):
        names = [", ".join(layer.name for layer in m.layers) for m in (a, b)]
        raise LSTMInputError(
            f"A has {len(a.layers)} LSTM or GRU layer(s) ({names[0]}) and B has "
            f"{len(b.layers)} ({names[1]}); choose a pair with --layer and --layer-b"
        )
    return list(zip(a.layers, b.layers, strict=True))


def inputs_of(chain: tuple[SavedLayer, ...], x: Array, mask: Array | None = None) -> Array:
    """What the top layer of `chain` reads when `x` enters its lowest layer: computed by
    the engine (float64) through the layers below it, each that masks with `mask`
    ((batch, time), the top layer's: a mask passes up a stack)."""
    for layer in chain[:-1]:
        used = mask if layer.mask is not None else None
        x = engine_output(layer, layer.trace(x, dtype="float64", units=[0], mask=used))
        if x.ndim != 3:
            raise LSTMInputError(
                f"layer {layer.name!r} returns its last step only (return_sequences=False), "
                "so no recurrent layer above it reads a sequence from it"
            )
    return np.asarray(x)
