"""`lstm-explained`: run an LSTM or a GRU step by step from the shell and print what it
computed. With no command it runs a network; commands (`lstm-explained COMMAND --help`)
do other jobs."""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Callable
from typing import Any

import click
import numpy as np
from click.core import ParameterSource

from .._version import __version__
from ..engine.activations import ACTIVATIONS, keeps_rationals
from ..engine.layers import Bidirectional, BidirectionalTrace, StackedTrace, stacked
from ..engine.recurrence import forward
from ..engine.trace import Trace, jsonable
from ..engine.weights import GRUWeights, LSTMWeights, RNNWeights, Weights
from ..errors import LSTMInputError
from ..explain.hand import format_number, format_vector, hand_calculation, trace_table
from ..networks.examples import NETWORKS
from .diff import diff_command
from .inputs import parse_inputs, parse_number
from .trace import trace_command

PROG = "lstm-explained"


class Number(click.ParamType):  # type: ignore[type-arg]  # generic only in click>=8.2
    """An int, a decimal or a fraction such as 1/3 (kept exact for --exact)."""

    name = "NUMBER"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return parse_number(value)
        except ValueError:
            self.fail(f"{value!r} is not a number (examples: 1, -0.5, 1/3)", param, ctx)


NUMBER = Number()
ACTIVATION = click.Choice(ACTIVATIONS)
WEIGHT_OPTIONS = ("weight", "bias", "forget_bias", "no_bias", "units", "cell", "reset_after")

EPILOG = """Examples:

\b
  lstm-explained                     the article's network (h 1, 12, 3211)
  lstm-explained --forget-bias 1     what Keras's unit_forget_bias=True gives
  lstm-explained -i 1,1,1,1,1 --exact   exact integers at any length
  lstm-explained -a tanh -r sigmoid -w 0.5 --explain
                                     standard activations, by hand
  lstm-explained --preset second-example --explain
                                     a network from the site, by name
  lstm-explained --cell gru -w 1/2 -r hard_sigmoid --exact
                                     a GRU (Keras's reset_after=True form)
  lstm-explained --layers 2 --bidirectional -a tanh -r sigmoid -w 0.5
                                     two bidirectional layers, one above the other
  lstm-explained --keras             Keras's numbers beside ours

\b
Presets (--preset):
"""


def _epilog() -> str:
    width = max(len(name) for name in NETWORKS)
    lines = [f"  {name:<{width}}  {net.summary}" for name, net in NETWORKS.items()]
    return EPILOG + "\n".join(lines)


@click.group(
    name=PROG,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=_epilog(),
)
@click.option(
    "-i",
    "--inputs",
    default="1,1,1",
    show_default=True,
    help="Input sequence: '1,1,1' is three steps of one feature; JSON such as "
    "'[[1,0],[0,1]]' gives several features per step.",
)
@click.option(
    "-p",
    "--preset",
    type=click.Choice(list(NETWORKS)),
    default=None,
    help="A network from the site by name (see below); it fixes the weights, and brings "
    "its inputs and activations unless you give them.",
)
@click.option(
    "--cell",
    type=click.Choice(["lstm", "gru", "rnn"]),
    default="lstm",
    show_default=True,
    help="Which recurrent cell to run: rnn is the plain cell (Keras's SimpleRNN), which "
    "has no gates and uses --activation only.",
)
@click.option(
    "--reset-after/--no-reset-after",
    default=True,
    show_default=True,
    help="GRU only: apply the reset gate after the recurrent product (Keras's default, "
    "cuDNN and PyTorch) or before it (Keras 2, ONNX's default).",
)
@click.option(
    "-w",
    "--weight",
    type=NUMBER,
    default=1,
    show_default=True,
    help="Value of every kernel and recurrent-kernel entry.",
)
@click.option("-b", "--bias", type=NUMBER, default=0, show_default=True, help="Bias of every gate.")
@click.option(
    "--forget-bias",
    type=NUMBER,
    default=None,
    help="LSTM only: bias of the forget gate alone (Keras's default unit_forget_bias=True "
    "makes it 1).",
)
@click.option("--no-bias", is_flag=True, help="No bias at all, like Keras's use_bias=False.")
@click.option(
    "-u",
    "--units",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Number of units (size of h, and of c for an LSTM).",
)
@click.option(
    "--layers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Stack this many layers, each reading the sequence the one below outputs.",
)
@click.option(
    "--bidirectional",
    is_flag=True,
    help="Run every layer in both directions and concatenate the outputs, as Keras's "
    "Bidirectional and PyTorch's bidirectional=True do.",
)
@click.option(
    "-a",
    "--activation",
    type=ACTIVATION,
    default="linear",
    show_default=True,
    help="Activation of the candidate (and, in an LSTM, of c on its way to h); Keras's "
    "default is tanh.",
)
@click.option(
    "-r",
    "--recurrent-activation",
    type=ACTIVATION,
    default="linear",
    show_default=True,
    help="Activation of the gates (Keras's default is sigmoid).",
)
@click.option(
    "--h0", type=NUMBER, default=0, show_default=True, help="Initial hidden state of every unit."
)
@click.option(
    "--c0",
    type=NUMBER,
    default=0,
    show_default=True,
    help="LSTM only: initial cell state of every unit.",
)
@click.option(
    "--exact/--no-exact",
    default=None,
    help="Exact arithmetic with integers and fractions (linear, relu, hard_sigmoid only). "
    "Presets that can be exact are, unless --no-exact.",
)
@click.option("--explain", is_flag=True, help="Print the hand calculation of every step.")
@click.option(
    "--keras",
    "with_keras",
    is_flag=True,
    help="Also run the same layers in Keras and print its numbers beside ours.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the whole trace as JSON instead of tables."
)
@click.option(
    "--digits",
    type=click.IntRange(1, 17),
    default=6,
    show_default=True,
    help="Significant digits shown for floats.",
)
@click.version_option(__version__, "-V", "--version", prog_name=PROG)
@click.pass_context
def cli(ctx: click.Context, /, **options: Any) -> None:
    """Run an LSTM or GRU step by step and print every gate, state and output.

    With no options it runs the toy network of "Stepping Through An LSTM Cell": one
    unit, one input, identity activations, every weight 1, no bias, inputs 1, 1, 1.
    """
    if ctx.invoked_subcommand is not None:
        given = [name for name in options if _given(ctx, name)]
        if given:
            names = ", ".join("--" + name.replace("_", "-") for name in given)
            raise LSTMInputError(
                f"{names} belong(s) to running a network, not to the "
                f"'{ctx.invoked_subcommand}' command; put a command's own options after it"
            )
        return
    run_network(ctx, **options)


cli.add_command(trace_command)
cli.add_command(diff_command)


def _given(ctx: click.Context, name: str) -> bool:
    return ctx.get_parameter_source(name) not in (ParameterSource.DEFAULT, None)


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def _network_weights(ctx: click.Context, o: dict[str, Any], input_dim: int) -> Weights:
    """The weights the options describe (one layer reading `input_dim` features)."""
    if o["cell"] == "rnn":
        for name in ("forget_bias", "c0", "reset_after"):
            if _given(ctx, name):
                raise LSTMInputError(f"{_option(name)} is for a gated cell; the plain cell "
                                     "(--cell rnn) has no gates and no cell state")  # fmt: skip
        bias = None if o["no_bias"] else o["bias"]
        return RNNWeights.constant(o["weight"], input_dim=input_dim, units=o["units"], bias=bias)
    if o["cell"] == "gru":
        for name in ("forget_bias", "c0"):
            if _given(ctx, name):
                raise LSTMInputError(f"{_option(name)} is for an LSTM; a GRU has no cell state")
        bias = None if o["no_bias"] else o["bias"]
        return GRUWeights.constant(
            o["weight"], input_dim=input_dim, units=o["units"], bias=bias,
            reset_after=o["reset_after"],
        )  # fmt: skip
    if _given(ctx, "reset_after"):
        raise LSTMInputError("--reset-after and --no-reset-after are for a GRU (--cell gru)")
    if o["no_bias"] and o["forget_bias"] is not None:
        raise LSTMInputError("--no-bias and --forget-bias contradict each other; give one")
    gate_bias: Any = o["bias"]
    if o["no_bias"]:
        gate_bias = None
    elif o["forget_bias"] is not None:
        gate_bias = {"input": o["bias"], "forget": o["forget_bias"], "candidate": o["bias"],
                     "output": o["bias"]}  # fmt: skip
    return LSTMWeights.constant(o["weight"], input_dim=input_dim, units=o["units"], bias=gate_bias)


def _describe(weights: Weights, o: dict[str, Any], exact: bool) -> str:
    """The first line of the report: which network, with which settings."""
    if o["preset"]:
        what = f"preset {o['preset']}: {NETWORKS[o['preset']].summary}"
    else:
        bias = "none" if o["no_bias"] else format_number(o["bias"])
        if o["forget_bias"] is not None:
            bias += f" (forget gate {format_number(o['forget_bias'])})"
        what = f"every weight {format_number(o['weight'])}, bias {bias}"
    layout = f"{weights.cell} with {weights.units} unit(s), {weights.input_dim} input feature(s)"
    if o["layers"] > 1 or o["bidirectional"]:
        layout = f"{o['layers']} {'bidirectional ' if o['bidirectional'] else ''}{layout}"
        layout = layout.replace(f"{weights.cell} with", f"{weights.cell} layer(s) of", 1)
    settings = f"activation={o['activation']}"
    if not isinstance(weights, RNNWeights):  # the plain cell has no gate to apply it to
        settings += f", recurrent_activation={o['recurrent_activation']}"
    if isinstance(weights, GRUWeights):
        settings += f", reset_after={weights.reset_after}"
    exact_text = ", exact arithmetic" if exact else ""
    if o["preset"]:
        return f"{what}\n{layout}: {settings}{exact_text}"
    return f"{layout}: {settings}, {what}{exact_text}"


def run_network(ctx: click.Context, **o: Any) -> None:
    """Run the network the options describe and print tables, hand work and states."""
    preset = NETWORKS[o["preset"]] if o["preset"] else None
    if preset is not None:
        conflicting = [_option(name) for name in WEIGHT_OPTIONS if _given(ctx, name)]
        if conflicting or o["layers"] > 1 or o["bidirectional"]:
            conflicting += [n for n in ("--layers", "--bidirectional") if _given(ctx, n[2:])]
            raise LSTMInputError(
                f"--preset {preset.name} fixes the weights, so it cannot be combined with "
                f"{', '.join(conflicting)}"
            )
        for name in ("activation", "recurrent_activation"):
            if not _given(ctx, name):
                o[name] = getattr(preset, name)
    x = (
        parse_inputs(o["inputs"])
        if preset is None or _given(ctx, "inputs")
        else list(preset.inputs)
    )
    if o["exact"] is None:
        can_be_exact = all(keeps_rationals(o[n]) for n in ("activation", "recurrent_activation"))
        o["exact"] = bool(preset is not None and preset.exact and can_be_exact)
    input_dim = len(x[0]) if isinstance(x, list) and x and isinstance(x[0], list) else 1
    weights = preset.weights if preset is not None else _network_weights(ctx, o, input_dim)
    n_states = 2 if isinstance(weights, LSTMWeights) else 1
    state = ([o["h0"]] * weights.units, [o["c0"]] * weights.units)[:n_states]
    run_options = {"activation": o["activation"], "recurrent_activation": o["recurrent_activation"],
                   "exact": o["exact"]}  # fmt: skip
    layers = _layers(ctx, o, weights) if o["layers"] > 1 or o["bidirectional"] else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if layers is None:
            result: Trace | StackedTrace = forward(x, weights, initial_state=state, **run_options)
        else:
            result = stacked(x, layers, **run_options)
    for warning in caught:
        click.echo(f"{PROG}: warning: {warning.message}", err=True)
    if isinstance(result, StackedTrace):
        _report_layers(result, x, layers or [], o)
    else:
        _report_one(result, x, state, o, _describe(weights, o, o["exact"]))


def _layers(ctx: click.Context, o: dict[str, Any], first: Weights) -> list[Weights | Bidirectional]:
    """`--layers` copies of the options' weights, each reading what the one below outputs."""
    if _given(ctx, "h0") or _given(ctx, "c0"):
        raise LSTMInputError("--h0 and --c0 apply to one layer; stacked layers start from zero")
    layers: list[Weights | Bidirectional] = []
    width = first.input_dim
    for _ in range(o["layers"]):
        weights = _network_weights(ctx, o, width)
        layers.append(Bidirectional(weights, weights) if o["bidirectional"] else weights)
        width = layers[-1].units
    return layers


def _final_state(trace: Trace, digits: int) -> str:
    return ", ".join(f"{k} = {format_vector(v, digits)}" for k, v in trace.states.items())


def _report_one(
    trace: Trace, x: Any, state: tuple[Any, ...], o: dict[str, Any], title: str
) -> None:
    digits = o["digits"]
    keras_result = comparison = None
    if o["with_keras"]:
        from ..frameworks.keras_adapter import compare, keras_forward

        keras_result = keras_forward(
            x, trace.weights, activation=o["activation"],
            recurrent_activation=o["recurrent_activation"], initial_state=state,
        )  # fmt: skip
        comparison = compare(trace, keras_result)
    if o["as_json"]:
        doc = trace.to_dict()
        if keras_result is not None and comparison is not None:
            doc["keras"] = {
                "sequence_out": jsonable(keras_result.sequence_out),
                "state_h": jsonable(keras_result.state_h),
            }
            if keras_result.state_c is not None:
                doc["keras"]["state_c"] = jsonable(keras_result.state_c)
            doc["keras"]["max_abs_diff"] = comparison.max_abs_diff
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo(title)
    click.echo("")
    click.echo(trace_table(trace, digits=digits))
    if o["explain"]:
        for step in trace.steps:
            click.echo("")
            click.echo(hand_calculation(trace, step.t, digits=digits))
    click.echo("")
    click.echo(f"final state: {_final_state(trace, digits)}")
    if keras_result is not None:
        keras_states = [("h", keras_result.state_h), ("c", keras_result.state_c)]
        text = ", ".join(f"{k} = {format_vector(v, digits)}" for k, v in keras_states
                         if v is not None)  # fmt: skip
        click.echo(f"Keras (float32): {text}")
        click.echo(str(comparison))


def _each_trace(result: StackedTrace) -> list[tuple[str, Trace]]:
    """(heading, trace) for every layer and direction, bottom first."""
    found = []
    for k, layer in enumerate(result.layers, start=1):
        if isinstance(layer, BidirectionalTrace):
            found.append((f"layer {k}, forward in time", layer.forward))
            found.append((f"layer {k}, backward in time (step 1 reads the last input)",
                          layer.backward))  # fmt: skip
        else:
            found.append((f"layer {k}", layer))
    return found


def _report_layers(
    result: StackedTrace, x: Any, layers: list[Weights | Bidirectional], o: dict[str, Any]
) -> None:
    digits = o["digits"]
    bottom = layers[0].forward if isinstance(layers[0], Bidirectional) else layers[0]
    assert not isinstance(bottom, Bidirectional)
    keras_outputs = None
    if o["with_keras"]:
        from ..frameworks.keras_adapter import keras_stacked, largest_difference

        keras_outputs = keras_stacked(x, layers, activation=o["activation"],
                                      recurrent_activation=o["recurrent_activation"])  # fmt: skip
    top = result.sequence_out
    if keras_outputs is not None and np.ndim(top) == 2:  # no batch axis was given
        keras_outputs = [np.asarray(out)[0] for out in keras_outputs]
    if o["as_json"]:
        doc: dict[str, Any] = {"layers": []}
        for layer in result.layers:
            if isinstance(layer, BidirectionalTrace):
                doc["layers"].append(
                    {"forward": layer.forward.to_dict(), "backward": layer.backward.to_dict()}
                )
            else:
                doc["layers"].append(layer.to_dict())
        doc["sequence_out"] = jsonable(top)
        if keras_outputs is not None:
            doc["keras"] = {"sequence_out": jsonable(keras_outputs[-1])}
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo(_describe(bottom, o, o["exact"]))
    for heading, trace in _each_trace(result):
        click.echo("")
        click.echo(f"{heading}:")
        click.echo(trace_table(trace, digits=digits))
        if o["explain"]:
            for step in trace.steps:
                click.echo("")
                click.echo(hand_calculation(trace, step.t, digits=digits))
    click.echo("")
    merged = " (both directions concatenated, in input order)" if o["bidirectional"] else ""
    click.echo(f"output of the top layer{merged}:")
    for t, row in enumerate(top, start=1):
        click.echo(f"  t = {t}: {format_vector(row, digits)}")
    click.echo("")
    for heading, trace in _each_trace(result):
        click.echo(f"final state, {heading.split(' (')[0]}: {_final_state(trace, digits)}")
    if keras_outputs is not None:
        diff, _ = largest_difference(top, keras_outputs[-1], "the top layer's output")
        click.echo(f"Keras (float32), stacked model: largest difference {diff:.3g}")


def main(argv: list[str] | None = None) -> int:
    """Entry point: bad input becomes one line on stderr and exit status 2."""
    # Exact runs reach integers of thousands of digits; let json and str print them.
    sys.set_int_max_str_digits(0)
    return run_main(cli, argv)


def run_main(command: Callable[..., Any], argv: list[str] | None) -> int:
    """Run a click command so that bad input is one line on stderr and exit status 2."""
    try:
        code = command.main(args=argv, prog_name=PROG, standalone_mode=False)  # type: ignore[attr-defined]
    except (LSTMInputError, ModuleNotFoundError) as err:
        click.echo(f"{PROG}: error: {err}", err=True)
        return 2
    except click.exceptions.NoArgsIsHelpError as err:  # pragma: no cover - not configured
        click.echo(err.format_message(), err=True)
        return 2
    except click.ClickException as err:
        click.echo(f"{PROG}: error: {err.format_message()} (see {PROG} --help)", err=True)
        return 2
    except click.exceptions.Abort:
        return 130
    return code if isinstance(code, int) else 0  # a command's own exit status (trace: 1)
