"""What `lstm-explained trace` prints or writes about a traced layer of a saved model:
a few lines per layer for `--list`, the text report (tables, hand calculations, the
check), the JSON document and the arrays of the .npz file. The text fits a terminal of
`WIDTH` columns: long lines wrap, indented."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..engine.layers import Bidirectional, BidirectionalTrace
from ..engine.trace import Trace, jsonable
from ..explain.hand import format_vector, hand_calculation, trace_table
from ..saved.layer import SavedLayer
from ..saved.model import FORMAT_NAMES, Check, Given, LayerRun, SavedModel

Array = NDArray[Any]
WIDEST_X = 6  # features per step the table still shows
WIDTH = 100  # characters per line of the text report
INDENT = "    "  # a wrapped line's continuation, and a layer's settings under it


def wrap(text: str, indent: str = INDENT) -> str:
    """A line of prose in lines of at most `WIDTH` characters (a word longer than that,
    such as a long path, stays whole), continuations indented."""
    return textwrap.fill(text, WIDTH, subsequent_indent=indent, break_long_words=False,
                         break_on_hyphens=False)  # fmt: skip


def activation_name(spec: Any) -> str:
    """An activation as a person reads it: "tanh", "softsign", "hard_sigmoid(alpha=...)"."""
    if spec is None or isinstance(spec, str):
        return spec or "linear"
    return str(getattr(spec, "__name__", type(spec).__name__))


def units_text(layer: SavedLayer) -> str:
    """The layer's units as --units numbers them: "4 units", or for a bidirectional
    layer "4 units per direction, output 8" (each direction's units count from 0)."""
    w = layer.weights
    if not isinstance(w, Bidirectional):
        return f"{w.units} units"
    fwd, back = w.forward.units, w.backward.units
    per = f"{fwd} units per direction" if fwd == back else f"{fwd} units forward, {back} backward"
    if w.merge_mode is None:
        return f"{per}, two outputs (merge_mode=None)"
    merged = "" if w.merge_mode == "concat" else f" ({w.merge_mode} of the two)"
    return f"{per}, output {w.units}{merged}"


def describe_layer(layer: SavedLayer, lead: str = "", tail: str = "") -> str:
    """The layer in lines of at most `WIDTH` characters: `lead`, its name, kind, input
    size, units and direction, `tail` (continued, if need be, indented twice); then,
    indented once, its weights' type, activations and every setting the file stores."""
    head = (f"{lead}{layer.name}: {layer.kind}, input size {layer.input_dim}, "
            f"{units_text(layer)}, {layer.direction}{tail}")  # fmt: skip
    settings = [
        f"weights {layer.dtype}",
        f"activation={activation_name(layer.activation)}",
        f"recurrent_activation={activation_name(layer.recurrent_activation)}",
        *(f"{k}={v}" for k, v in layer.settings.items()),
    ]
    if layer.kind == "RNN":  # no gates: the plain cell has no recurrent activation
        settings.pop(2)
    return wrap(head, 2 * INDENT) + "\n" + wrap(INDENT + ", ".join(settings))


def as_traces(trace: Trace | BidirectionalTrace) -> list[tuple[str, Trace]]:
    """(heading, trace) for each direction: one for a layer, two for a bidirectional."""
    if isinstance(trace, BidirectionalTrace):
        return [("forward in time", trace.forward),
                ("backward in time (step 1 reads the last input)", trace.backward)]  # fmt: skip
    return [("", trace)]


def _path(run: LayerRun, model: SavedModel, given: Given) -> list[str]:
    """How the inputs reached the traced layer, in lines of at most WIDTH columns."""
    if given.model is not None:
        lines = [f"inputs: {given.origin}"]
    else:
        assert given.x is not None
        batch, time, features = given.x.shape
        lines = [f"inputs: {given.origin}, shape {given.x.shape} (batch {batch}, time {time}, "
                 f"features {features})"]  # fmt: skip
    if run.path:
        lines += list(run.path)
    else:
        bottom = next(layer for layer in model.layers if layer.name == run.given_to)
        line = f"given to {bottom.name} (in the model it reads {model.source(bottom)})"
        if run.through:
            line += ", then through " + " -> ".join(run.through)
        lines.append(line)
    return [wrap(line) for line in lines]


def report_text(
    model: SavedModel,
    run: LayerRun,
    result: Check,
    given: Given,
    dtype: str,
    shown: list[int],
    o: dict[str, Any],
) -> str:
    """The report: the layer, the inputs' path, a table per direction, the hand
    calculations asked for, the final state and the check."""
    layer, trace, digits, sample = run.layer, run.trace, o["digits"], o["sample"]
    framework = FORMAT_NAMES[model.framework]
    per = shown if len(shown) < 8 else [*shown[:7], "..."]
    total = getattr(layer.weights, "forward", layer.weights).units
    x = run.x
    of = f"{total} per direction" if isinstance(layer.weights, Bidirectional) else str(total)
    lines = [
        describe_layer(layer, lead=f"{model.path} ({framework}), layer "),
        *_path(run, model, given),
        wrap(f"computed in {dtype}; showing unit(s) {', '.join(map(str, per))} of {of}"
             + (f", sequence {sample} of the batch" if x.shape[0] > 1 else "")),
    ]  # fmt: skip
    if layer.go_backwards:
        lines.append("the layer reads backwards: step 1 reads the last input")
    show_x = layer.input_dim <= WIDEST_X
    if not show_x:
        lines.append(wrap(f"x has {layer.input_dim} features per step: left out of the table "
                          "(in --json and --npz; --explain shows it)"))  # fmt: skip
    rounded_apart = False  # whether a line of working says "≈"
    for heading, one in as_traces(trace):
        lines += ["", f"{heading}:"] if heading else [""]
        lines.append(trace_table(one, sample=sample, digits=digits, units=shown,
                                 show_x=show_x, width=WIDTH))  # fmt: skip
        if o["explain"]:
            steps = [o["step"]] if o["step"] else range(1, len(one.steps) + 1)
            units = [o["unit"]] if o["unit"] is not None else shown
            for t in steps:
                text = hand_calculation(
                    one,
                    t,
                    sample=sample,
                    digits=digits,
                    units=units,
                    count_units_from=0,
                    add_up=True,
                    width=WIDTH,
                )  # units numbered as --units numbers them
                lines += ["", text]
                rounded_apart = rounded_apart or "≈" in text
    if rounded_apart:
        more = "; --dtype float64 rounds far less" if dtype == "float32" else ""
        note = (f"≈: the engine computed this result in {dtype}, whose rounding keeps it from "
                f"being the exact arithmetic of the numbers shown{more}")  # fmt: skip
        lines += ["", wrap(note)]
    lines.append("")
    for heading, one in as_traces(trace):
        final = one.sample(sample) if one.batched else one
        lead = f"final state{', ' + heading.split(' (')[0] if heading else ''}: "
        states = [f"{k} = {format_vector(np.asarray(v)[shown], digits)}"
                  for k, v in final.states.items()]  # fmt: skip
        if len(lead + ", ".join(states)) <= WIDTH:
            lines.append(lead + ", ".join(states))
        else:  # one state a line, under each other
            indent = " " * len(lead)
            lines += [wrap((lead if k == 0 else indent) + state, indent + INDENT)
                      for k, state in enumerate(states)]  # fmt: skip
    lines += result.lines()
    return "\n".join(lines)


def trace_json(
    model: SavedModel, run: LayerRun, result: Check, given: Given, dtype: str
) -> dict[str, Any]:
    """The whole trace, the inputs' path, the layer's output and the check, as JSON values."""
    layer, trace = run.layer, run.trace
    doc: dict[str, Any] = {
        "model": model.path,
        "framework": model.framework,
        "layer": layer.name,
        "kind": layer.kind,
        "input_size": layer.input_dim,
        "units": layer.units,
        "direction": layer.direction,
        "activation": activation_name(layer.activation),
        "recurrent_activation": activation_name(layer.recurrent_activation),
        "settings": dict(layer.settings),
        "dtype": dtype,
        "inputs": {"from": given.origin, "given_to": run.given_to, "through": list(run.through),
                   "path": list(run.path), "framework_ran": list(run.framework_ran),
                   "shape": list(run.x.shape), "values": jsonable(run.x),
                   "mask": None if run.mask is None else jsonable(run.mask)},
    }  # fmt: skip
    if isinstance(trace, BidirectionalTrace):
        doc["trace"] = {"forward": trace.forward.to_dict(), "backward": trace.backward.to_dict()}
    else:
        doc["trace"] = trace.to_dict()
    doc["output"] = jsonable(next(iter(run.outputs.values())))  # the layer's (Y for ONNX)
    doc["outputs"] = {name: jsonable(value) for name, value in run.outputs.items()}
    doc["check"] = result.to_json()
    return doc


def npz_arrays(
    trace: Trace | BidirectionalTrace, x: Array, outputs: Mapping[str, Array]
) -> dict[str, Array]:
    """Arrays for `numpy.savez_compressed`, under keys that cannot collide (an LSTM's
    output gate is not the layer's output):

    - `x`: the inputs given (batch, time, features); `layer_output`: the layer's
      output as the framework returns it, (batch, time, units) in input order, or
      (batch, units) with return_sequences=False (a bidirectional layer's merged output);
    - per direction, prefixed "forward_" and "backward_" for a bidirectional layer:
      `units` (the recorded units), `preact_<gate>` and `gate_<gate>` (batch, time,
      recorded units) for each gate by name (`gate_input`, `gate_forget`,
      `gate_candidate`, `gate_output`; a GRU's `gate_update`, `gate_reset`,
      `gate_candidate`), and the states `h` and, for an LSTM, `c` (batch, time, units);
      the per-direction arrays run in processing order (a backward direction's step 1
      read the last input).
    """
    ours = next(iter(outputs.values()))  # the layer's output (Y for ONNX)
    arrays: dict[str, Array] = {"x": x, "layer_output": ours}
    for heading, one in as_traces(trace):
        prefix = heading.split(" ")[0] + "_" if heading else ""
        steps = one.with_batch_axis().steps
        arrays[prefix + "units"] = np.asarray(one.recorded_units)
        for gate in steps[0].gates:
            arrays[f"{prefix}preact_{gate}"] = np.stack([s.z[gate] for s in steps], axis=1)
            arrays[f"{prefix}gate_{gate}"] = np.stack([s.gates[gate] for s in steps], axis=1)
        for state in steps[0].state:
            arrays[prefix + state] = np.stack([s.state[state] for s in steps], axis=1)
    return arrays
