"""`lstm-explained trace MODEL`: one LSTM or GRU layer of your own model, step by step.

Reads a Keras `.keras` or legacy `.h5` file, a PyTorch state dict or an ONNX model
(`load_model`), runs the chosen layer in the engine on the inputs given, prints the
per-step table (or the hand calculation of one unit at one step, the JSON trace, an .npz
of the arrays), and always runs the framework's own layer(s) on the same inputs and
prints the largest difference. Exit status 0 when they agree, 1 when they differ by more than the
tolerance, 2 for bad input, 3 when the check could not run.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from typing import Any, Literal

import click
import numpy as np
from numpy.typing import NDArray

from ..engine.layers import Bidirectional
from ..errors import LSTMInputError
from ..saved.files import load_model
from ..saved.layer import SavedLayer
from ..saved.model import (
    FORMAT_NAMES,
    FRAMEWORK_NAMES,
    Check,
    Given,
    SavedModel,
    compare,
    observe,
    run_layer,
)
from .inputs import read_inputs, read_model_inputs, read_states
from .report import describe_layer, npz_arrays, report_text, trace_json, wrap

Array = NDArray[Any]
SHOWN_UNITS = 4  # units in the table unless --units says otherwise

EPILOG = """Examples:

\b
  lstm-explained trace model.keras --list        every LSTM and GRU layer and its settings
  lstm-explained trace model.keras --layer lstm_1 -i '[[0.5, -1], [1, 0]]' --units 1,2
  lstm-explained trace model.pt --inputs x.npy --explain --step 3 --unit 1
  lstm-explained trace model.onnx --inputs x.csv --json > trace.json
  lstm-explained trace model.keras --npz trace.npz

\b
Inputs are (time, features) or (batch, time, features): JSON or '1,2,3' (one feature per
step) with -i, or a .npy or .csv file (rows are steps, columns features). They go to the
lowest LSTM or GRU layer below the chosen one and are followed up through the layers in
between; --direct gives them to the chosen layer itself. Where that layer reads the
model's input, they are the model's input, and a Masking layer in between masks them.
With --model-input, every layer below is run as the model runs it: the recurrent ones
by the engine (an encoder's final states start its decoder), the others by Keras.

\b
Units count from 1, as steps do (--units 1 is the first unit); only the arrays of
--json and --npz are indexed from 0, and their "units" lists those indices.

\b
Exit status: 0 when the engine and the framework agree, 1 when they differ by more than
the tolerance (1e-5 relative in float32), 2 for bad input, 3 when the check could not
run (the report says why; --no-check asks for none).
"""


@click.command("trace", epilog=EPILOG, context_settings={"max_content_width": 100})
@click.argument("model_file", metavar="MODEL")
@click.option("--list", "list_layers", is_flag=True, help="List the recurrent layers.")
@click.option("--layer", default=None, help="The layer to trace, by name or number in --list "
              "(default: the first).")  # fmt: skip
@click.option("--direct", is_flag=True, help="Give the inputs to the chosen layer itself, "
              "not to the lowest LSTM or GRU layer below it.")  # fmt: skip
@click.option("-i", "--inputs", default=None, help="The layer's inputs: '1,2,3', JSON such as "
              "'[[1,0],[0,1]]', or a .npy or .csv file (a first row that is not numbers is a "
              "header: skipped, and the report's inputs line says so). Without it, seeded "
              "example inputs (said so).")  # fmt: skip
@click.option("-m", "--model-input", "model_inputs", multiple=True, metavar="[NAME=]FILE",
              help="One of the model's inputs (.npy, .csv or JSON), by the name --list shows; "
              "repeat for each. The layers below are then run as the model runs them "
              "(Keras files).")  # fmt: skip
@click.option("--initial-state", "state_file", default=None, metavar="FILE.npz",
              help="The chosen layer's initial states: arrays h (and c for an LSTM), "
              "(batch, units) or (directions, batch, units).")  # fmt: skip
@click.option("--units", "units_text", default=None, help="Units shown, counted from 1, e.g. "
              f"1,4 (default: the first {SHOWN_UNITS}); only these are recorded. A "
              "bidirectional layer's directions number their units from 1 each.")  # fmt: skip
@click.option("--batch", "sample", type=click.IntRange(min=0), default=0, show_default=True,
              help="Which sequence of a batch the table and hand calculation show.")  # fmt: skip
@click.option("--explain", is_flag=True, help="Print the hand calculation (of --unit at --step); "
              "each line shows the digits it needs to add up from the numbers on it.")  # fmt: skip
@click.option("--step", type=click.IntRange(min=1), default=None,
              help="With --explain: the time step, from 1 (default: every step).")  # fmt: skip
@click.option("--unit", type=click.IntRange(min=1), default=None,
              help="With --explain: the unit, from 1 (default: the units shown).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the whole trace and check as JSON "
              "(its arrays, and the unit indices its \"units\" lists, count from 0).")  # fmt: skip
@click.option("--npz", "npz_file", default=None, metavar="FILE",
              help="Also write the arrays of every step (numpy.savez_compressed): x, "
              "layer_output, units, a_<gate> (the pre-activation), gate_<gate> (gate_input, "
              "gate_forget, gate_candidate, gate_output; gate_update, gate_reset), h and c, "
              "the last five prefixed forward_ and backward_ for a bidirectional "
              "layer.")  # fmt: skip
@click.option("--dtype", type=click.Choice(["float32", "float64"]), default=None,
              help="Precision of the engine (default: what the file stores).")  # fmt: skip
@click.option("--digits", type=click.IntRange(1, 17), default=6, show_default=True,
              help="Significant digits shown for floats.")  # fmt: skip
@click.option("--no-check", is_flag=True, help="Do not run the framework to check the trace "
              "(the report says so). A Keras file whose config names code is refused unless "
              "given this: the engine then traces it alone, and Keras never rebuilds "
              "it.")  # fmt: skip
@click.option("--nonlinearity", type=click.Choice(["tanh", "relu"]), default=None,
              help="A PyTorch state dict's nn.RNN activation, which the file does not store "
              "(default: tanh, PyTorch's, and the report says it was assumed).")  # fmt: skip
def trace_command(model_file: str, **o: Any) -> int:
    """Trace one LSTM, GRU or plain RNN layer of your own model (Keras .keras, PyTorch state dict,
    ONNX) step by step, and check every number against the framework itself."""
    model = load_model(model_file, nonlinearity=o["nonlinearity"])
    if model.unsafe is not None and not o["no_check"]:
        raise LSTMInputError(model.unsafe)  # read as data; never handed to the framework
    if o["list_layers"]:
        _list(model)
        return 0
    for name in ("step", "unit"):
        if o[name] is not None and not o["explain"]:
            raise LSTMInputError(f"--{name} chooses what --explain prints; add --explain")
    layer = model.layer(o["layer"])
    given = given_inputs(model, layer, o)
    per_direction = _direction_units(layer)
    shown = _units(o["units_text"], per_direction, layer)  # indices from 0
    if o["unit"] is not None:
        if o["unit"] > per_direction:
            raise LSTMInputError(f"--unit must be from 1 to {per_direction}; got {o['unit']}")
        o["unit"] -= 1  # the index of the unit the person numbered from 1
    recorded = sorted(set(shown) | ({o["unit"]} if o["unit"] is not None else set()))
    if not getattr(_first(layer), "reset_after", True):  # its hand calculation needs all
        recorded = list(range(per_direction))
    dtype: Literal["float32", "float64"] = o["dtype"] or (
        "float64" if layer.dtype == "float64" else "float32"
    )
    # the framework first: its run and the engine's never hold their memory at once
    observed = None if o["no_check"] else observe(model, layer.name, given, direct=o["direct"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = run_layer(model, layer.name, given, direct=o["direct"], dtype=dtype, units=recorded)
    for warning in caught:
        click.echo(f"lstm-explained: warning: {warning.message}", err=True)
    x = run.x
    if o["sample"] >= x.shape[0]:
        raise LSTMInputError(f"--batch must be from 0 to {x.shape[0] - 1}; got {o['sample']}")
    if o["step"] is not None and o["step"] > x.shape[1]:
        raise LSTMInputError(f"--step must be from 1 to {x.shape[1]}; got {o['step']}")
    stored = "float64" if layer.dtype == "float64" else "float32"
    coarser = "float64" if dtype == stored == "float64" else "float32"
    result = Check("", requested=False) if observed is None else compare(observed, run.outputs,
                                                                          coarser)  # fmt: skip
    if o["npz_file"]:
        arrays = npz_arrays(run.trace, x, run.outputs)
        np.savez_compressed(o["npz_file"], **arrays)  # type: ignore[arg-type]  # numpy's stub
    if o["as_json"]:
        click.echo(json.dumps(trace_json(model, run, result, given, dtype), indent=2, default=str))
    else:
        click.echo(report_text(model, run, result, given, dtype, shown, o))
        if o["npz_file"]:
            click.echo(f"wrote {o['npz_file']} (numpy.savez_compressed; arrays are (batch, "
                       "time, ...) in processing order)")  # fmt: skip
    if result.requested and not result.checked:
        click.echo(f"lstm-explained: not checked: {result.unchecked}", err=True)
    elif result.checked and not result.ok:
        click.echo(
            f"lstm-explained: warning: the engine and {FRAMEWORK_NAMES[model.framework]} differ "
            "by more than the tolerance; please report it with the model file", err=True,
        )  # fmt: skip
    return result.exit_code


def given_inputs(model: SavedModel, layer: SavedLayer, o: Mapping[str, Any]) -> Given:
    """What the user gave: the layer's inputs (or example ones), the model's inputs, the
    initial states."""
    states = read_states(o["state_file"], layer) if o["state_file"] else None
    if o["model_inputs"]:
        if o["inputs"] is not None:
            raise LSTMInputError(
                "give either the layer's inputs (-i) or the model's (--model-input)"
            )
        named = read_model_inputs(o["model_inputs"], model)
        shown = ", ".join(f"{k}: {origin}" for k, (_, origin) in named.items())
        return Given(model={k: v for k, (v, _) in named.items()}, initial_state=states,
                     origin=shown)  # fmt: skip
    bottom = model.chain(layer.name, direct=o["direct"])[0]
    x, origin = read_inputs(o["inputs"], bottom, model)
    return Given(x=x, initial_state=states, origin=origin)


def _first(layer: SavedLayer) -> Any:
    w = layer.weights
    return w.forward if isinstance(w, Bidirectional) else w


def _direction_units(layer: SavedLayer) -> int:
    return int(_first(layer).units)


def _units(text: str | None, total: int, layer: SavedLayer) -> list[int]:
    """--units (unit numbers from 1), checked, as indices from 0; the first few by default."""
    if text is None:
        return list(range(min(SHOWN_UNITS, total)))
    try:
        units = [int(part) for part in text.replace(" ", "").split(",")]
    except ValueError:
        raise LSTMInputError(f"--units must be unit numbers like 1,4; got {text!r}") from None
    bad = [u for u in units if not 1 <= u <= total]
    if bad or len(set(units)) != len(units):
        where = f"layer {layer.name!r} has {total} units"
        w = layer.weights
        if isinstance(w, Bidirectional):  # as --list says: "4 units per direction, output 8"
            where = (
                f"layer {layer.name!r} is bidirectional: each direction's units are "
                f"numbered 1 to {total} and the table shows each direction apart"
            )
            if w.merge_mode == "concat":
                where += f"; backward unit k is column {w.forward.units} + k of the output"
        raise LSTMInputError(
            f"--units must be distinct unit numbers from 1 to {total} ({where}); got {text!r}"
        )
    return [u - 1 for u in units]


def _list(model: SavedModel) -> None:
    name = FORMAT_NAMES[model.framework]
    click.echo(f"{model.path} ({name}): {len(model.layers)} recurrent layer(s)")
    for k, layer in enumerate(model.layers, start=1):
        refused, needs = model.refused.get(layer.name), model.needs_state.get(layer.name)
        note = f"; cannot be traced: {refused}" if refused else f"; {needs}" if needs else ""
        click.echo(
            describe_layer(layer, lead=f"{k}. ", tail=f"; reads {model.source(layer)}{note}")
        )
    for name, why in model.skipped:
        click.echo(wrap(f"-  {name}: not computed: {why}"))
