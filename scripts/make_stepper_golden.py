"""Write the golden vectors that the interactive stepper's JavaScript is tested against.

Every vector is a stepper configuration (one input, one unit, per-gate weights) and the
engine's trace of it, so the browser test can check the page's own code against
`lstm_explained.forward`. The gate regenerates this in memory and fails when the file
on disk differs, so it cannot go stale.

    python scripts/make_stepper_golden.py            # rewrite the file
    python scripts/make_stepper_golden.py --check    # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from lstm_explained import ACTIVATIONS, GATES, LSTMWeights, format_number, forward
from lstm_explained.examples import STANDARD_INPUTS, standard_weights

OUT = Path(__file__).resolve().parents[1] / "tests" / "docs" / "stepper_golden.json"


def decimal(v: Any, exact: bool) -> Any:
    """In exact mode a number typed on the page is the decimal it reads as: 0.1 is 1/10
    (not the float nearest it), as the stepper's script takes it."""
    return Fraction(repr(v)) if exact and isinstance(v, float) else v


def weights_of(config: dict[str, Any]) -> LSTMWeights:
    w, exact = config["weights"], config["exact"]

    def get(gate: str, key: str) -> Any:
        return decimal(w[gate][key], exact)

    return LSTMWeights(
        [[get(g, "W") for g in GATES]],  # (input_dim 1, 4 gates)
        [[get(g, "U") for g in GATES]],  # (units 1, 4 gates)
        [get(g, "b") for g in GATES],
    )


def value(v: Any, exact: bool) -> Any:
    """Exact values as the engine writes them ("12", "829/4"), floats as numbers."""
    return format_number(v) if exact else float(v)


def expected(config: dict[str, Any]) -> list[dict[str, Any]]:
    exact = config["exact"]
    trace = forward(
        [decimal(x, exact) for x in config["inputs"]],
        weights_of(config),
        activation=config["activation"],
        recurrent_activation=config["recurrentActivation"],
        initial_state=([decimal(config["h0"], exact)], [decimal(config["c0"], exact)]),
        exact=exact,
    )
    steps = []
    for step in trace.steps:
        steps.append({
            "t": step.t,
            "x": value(step.x[0], exact),
            "h_prev": value(step.h_prev[0], exact),
            "c_prev": value(step.c_prev[0], exact),
            "z": {g: value(step.z[g][0], exact) for g in GATES},
            "gates": {g: value(step.gates[g][0], exact) for g in GATES},
            "c": value(step.c[0], exact),
            "h": value(step.h[0], exact),
        })  # fmt: skip
    return steps


Gates = dict[str, tuple[Any, Any, Any]]  # gate -> (W, U, b)


def config(
    inputs: list[Any],
    per_gate: Gates,
    activation: str,
    recurrent: str,
    *,
    exact: bool = False,
    h0: Any = 0,
    c0: Any = 0,
) -> dict[str, Any]:
    return {
        "inputs": list(inputs),
        "weights": {g: dict(zip("WUb", per_gate[g], strict=True)) for g in GATES},
        "activation": activation,
        "recurrentActivation": recurrent,
        "exact": exact,
        "h0": h0,
        "c0": c0,
    }


def vectors() -> list[dict[str, Any]]:
    ones: Gates = {g: (1, 1, 0) for g in GATES}
    ufb: Gates = {**ones, "forget": (1, 1, 1)}
    std = standard_weights()
    standard = {
        g: (float(std.gate(g).kernel[0, 0]), float(std.gate(g).recurrent_kernel[0, 0]),
            float(std.gate(g).bias[0]))  # type: ignore[index]
        for g in GATES
    }  # fmt: skip
    cases = [
        ("article", config([1, 1, 1], ones, "linear", "linear", exact=True)),
        ("article, six steps", config([1] * 6, ones, "linear", "linear", exact=True)),
        ("article, ten steps", config([1] * 10, ones, "linear", "linear", exact=True)),
        ("article in floats", config([1] * 4, ones, "linear", "linear")),
        ("unit_forget_bias", config([1, 1, 1], ufb, "linear", "linear", exact=True)),
        ("second example", config(list(STANDARD_INPUTS), standard, "tanh", "sigmoid")),
    ]
    rng = np.random.default_rng(2026)
    for k, activation in enumerate(ACTIVATIONS):
        recurrent = ACTIVATIONS[(k + 1) % len(ACTIVATIONS)]
        for rec in (recurrent, "sigmoid"):
            length = int(rng.integers(1, 11))
            per_gate = {g: tuple(round(float(v), 3) for v in rng.normal(0, 0.8, 3)) for g in GATES}
            inputs = [round(float(v), 3) for v in rng.normal(0, 1, length)]
            h0, c0 = (round(float(v), 3) for v in rng.normal(0, 0.5, 2))
            if rec == "sigmoid":  # half start from zero state, as the page's controls do
                h0 = c0 = 0
            cases.append((f"random, {activation} / {rec}",
                          config(inputs, per_gate, activation, rec, h0=h0, c0=c0)))  # fmt: skip
    # Exact fractions: decimals typed on the page count as the decimals they read as.
    half: Gates = {**ones, "forget": (0.5, 1, 0)}  # c3 = 23/2 × 11/2 + 12 × 12 = 829/4
    cases.append(
        ("decimal weights, exact", config([1, 1, 1], half, "linear", "linear", exact=True))
    )
    tenths = {g: (round(0.1 * (k + 1), 1), -0.25, 0.5) for k, g in enumerate(GATES)}
    cases.append(("tenths, relu and hard_sigmoid, exact",
                  config([0.1, -2, 1.5], tenths, "hard_sigmoid", "relu", exact=True, h0=0.5,
                         c0=-0.2)))  # fmt: skip
    for n in range(3):  # exact integer networks with random small weights
        per_gate = {g: tuple(int(v) for v in rng.integers(-2, 3, 3)) for g in GATES}
        inputs = [int(v) for v in rng.integers(-2, 3, int(rng.integers(2, 7)))]
        cases.append((f"random integers {n + 1}", config(inputs, per_gate, "linear", "linear",
                                                         exact=True, h0=1, c0=-1)))  # fmt: skip
    return [{"name": name, "config": cfg, "steps": expected(cfg)} for name, cfg in cases]


def render() -> str:
    return json.dumps({"generated_by": "scripts/make_stepper_golden.py", "vectors": vectors()},
                      indent=1) + "\n"  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args()
    text = render()
    if args.check:
        if not OUT.exists() or OUT.read_text("utf8") != text:
            sys.exit(f"{OUT} is out of date: run python scripts/make_stepper_golden.py")
        print(f"{OUT.name} is up to date ({len(json.loads(text)['vectors'])} vectors)")
        return
    OUT.write_text(text, "utf8")
    print(f"wrote {len(json.loads(text)['vectors'])} vectors to {OUT}")


if __name__ == "__main__":
    main()
