"""`lstm-explained`: run an LSTM step by step from the shell and print what it computed."""

from __future__ import annotations

import json
import sys
import warnings
from fractions import Fraction
from typing import Any

import click

from . import __version__
from .activations import ACTIVATIONS
from .errors import LSTMInputError
from .hand import format_number, format_vector, hand_calculation, trace_table
from .recurrence import forward
from .trace import jsonable
from .weights import LSTMWeights

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


def parse_number(text: str) -> int | float | Fraction:
    """'2' -> 2, '0.5' -> 0.5, '1/3' -> Fraction(1, 3); ValueError otherwise."""
    text = text.strip()
    if "/" in text:
        return Fraction(text)
    try:
        return int(text)
    except ValueError:
        return float(text)


def parse_inputs(text: str) -> Any:
    """'1,1,1' (one feature per step) or JSON such as '[[1, 0], [0, 1]]'."""
    if text.strip().startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            raise LSTMInputError(
                f"--inputs is not valid JSON: {err.msg} at column {err.colno}"
            ) from None
    parts = [p for p in text.replace(" ", "").split(",")]
    try:
        return [parse_number(p) for p in parts]
    except ValueError:
        raise LSTMInputError(
            f"--inputs must be numbers separated by commas, like 1,1,1; got {text!r}"
        ) from None


NUMBER = Number()
ACTIVATION = click.Choice(ACTIVATIONS)


@click.command(
    name=PROG,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Examples:\n\n\b\n"
    "  lstm-explained                     the article's network (h 1, 12, 3211)\n"
    "  lstm-explained --forget-bias 1     what Keras's unit_forget_bias=True gives\n"
    "  lstm-explained -i 1,1,1,1,1 --exact   exact integers at any length\n"
    "  lstm-explained -a tanh -r sigmoid -w 0.5 --explain\n"
    "                                     standard activations, by hand\n"
    "  lstm-explained --keras             Keras's numbers beside ours",
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
    help="Bias of the forget gate alone (Keras's default unit_forget_bias=True makes it 1).",
)
@click.option("--no-bias", is_flag=True, help="No bias at all, like Keras's use_bias=False.")
@click.option(
    "-u",
    "--units",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Number of LSTM units (size of h and c).",
)
@click.option(
    "-a",
    "--activation",
    type=ACTIVATION,
    default="linear",
    show_default=True,
    help="Activation of the candidate and of c on its way to h (Keras's default is tanh).",
)
@click.option(
    "-r",
    "--recurrent-activation",
    type=ACTIVATION,
    default="linear",
    show_default=True,
    help="Activation of the input, forget and output gates (Keras's default is sigmoid).",
)
@click.option(
    "--h0", type=NUMBER, default=0, show_default=True, help="Initial hidden state of every unit."
)
@click.option(
    "--c0", type=NUMBER, default=0, show_default=True, help="Initial cell state of every unit."
)
@click.option(
    "--exact",
    is_flag=True,
    help="Exact arithmetic with integers and fractions (linear, relu, hard_sigmoid only).",
)
@click.option("--explain", is_flag=True, help="Print the hand calculation of every step.")
@click.option(
    "--keras",
    "with_keras",
    is_flag=True,
    help="Also run a real keras.layers.LSTM and print its numbers beside ours.",
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
def cli(
    inputs: str,
    weight: Any,
    bias: Any,
    forget_bias: Any,
    no_bias: bool,
    units: int,
    activation: str,
    recurrent_activation: str,
    h0: Any,
    c0: Any,
    exact: bool,
    explain: bool,
    with_keras: bool,
    as_json: bool,
    digits: int,
) -> None:
    """Run an LSTM cell step by step and print every gate, state and output.

    With no options it runs the toy network of "Stepping Through An LSTM Cell": one
    unit, one input, identity activations, every weight 1, no bias, inputs 1, 1, 1.
    """
    if no_bias and forget_bias is not None:
        raise LSTMInputError("--no-bias and --forget-bias contradict each other; give one")
    x = parse_inputs(inputs)
    input_dim = 1
    if isinstance(x, list) and x and isinstance(x[0], list):
        input_dim = len(x[0])
    gate_bias: Any = (
        None
        if no_bias
        else (
            bias
            if forget_bias is None
            else {"input": bias, "forget": forget_bias, "candidate": bias, "output": bias}
        )
    )
    weights = LSTMWeights.constant(weight, input_dim=input_dim, units=units, bias=gate_bias)
    state = ([h0] * units, [c0] * units)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trace = forward(
            x,
            weights,
            activation=activation,
            recurrent_activation=recurrent_activation,
            initial_state=state,
            exact=exact,
        )
    for warning in caught:
        click.echo(f"{PROG}: warning: {warning.message}", err=True)

    keras_result = comparison = None
    if with_keras:
        from .keras_adapter import compare, keras_forward

        keras_result = keras_forward(
            x,
            weights,
            activation=activation,
            recurrent_activation=recurrent_activation,
            initial_state=state,
        )
        comparison = compare(trace, keras_result)

    if as_json:
        doc = trace.to_dict()
        if keras_result is not None and comparison is not None:
            doc["keras"] = {
                "sequence_out": jsonable(keras_result.sequence_out),
                "state_h": jsonable(keras_result.state_h),
                "state_c": None if keras_result.state_c is None else jsonable(keras_result.state_c),
                "max_abs_diff": comparison.max_abs_diff,
            }
        click.echo(json.dumps(doc, indent=2))
        return

    bias_text = (
        "none"
        if no_bias
        else format_number(bias)
        + ("" if forget_bias is None else f" (forget gate {format_number(forget_bias)})")
    )
    click.echo(
        f"LSTM with {units} unit(s), {input_dim} input feature(s): activation={activation}, "
        f"recurrent_activation={recurrent_activation}, every weight {format_number(weight)}, "
        f"bias {bias_text}{', exact arithmetic' if exact else ''}"
    )
    click.echo("")
    click.echo(trace_table(trace, digits=digits))
    if explain:
        for step in trace.steps:
            click.echo("")
            click.echo(hand_calculation(trace, step.t, digits=digits))
    click.echo("")
    h_text, c_text = format_vector(trace.state_h, digits), format_vector(trace.state_c, digits)
    click.echo(f"final state: h = {h_text}, c = {c_text}")
    if keras_result is not None:
        click.echo(
            f"Keras (float32): h = {format_vector(keras_result.state_h, digits)}, "
            f"c = {format_vector(keras_result.state_c, digits)}"
        )
        click.echo(str(comparison))


def main(argv: list[str] | None = None) -> int:
    """Entry point: bad input becomes one line on stderr and exit status 2."""
    # Exact runs reach integers of thousands of digits; let json and str print them.
    sys.set_int_max_str_digits(0)
    try:
        cli.main(args=argv, prog_name=PROG, standalone_mode=False)
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
    return 0
