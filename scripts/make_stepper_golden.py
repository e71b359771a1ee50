"""Write the golden vectors that the interactive stepper's JavaScript is tested against.

Every vector is a stepper configuration (an LSTM, with or without ONNX's variants, a
GRU or the plain cell, weights per gate), the
engine's trace of it, so the browser test can check the page's own code against
`lstm_explained.forward`, and the engine's hand calculation of every step at the
stepper's four digits, each line with the digits it needs to add up, which the page
must write word for word. The gate regenerates this in memory and fails when the file
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

from lstm_explained import (
    ACTIVATIONS,
    GATES,
    GRU_GATES,
    GRUWeights,
    LSTMWeights,
    RNNWeights,
    format_number,
    forward,
    hand_calculation,
)
from lstm_explained.engine.weights import RNN_GATES, Weights
from lstm_explained.networks.examples import (
    NETWORKS,
    STANDARD_INPUTS,
    reset_pair_weights,
    standard_weights,
)
from lstm_explained.networks.fingerprint import FINGERPRINT_GATE_ACTIVATION

OUT = Path(__file__).resolve().parents[1] / "tests" / "docs" / "stepper_golden.json"
QUARTER = str(FINGERPRINT_GATE_ACTIVATION)  # "hard_sigmoid[alpha=1/4, beta=1/2]"


def decimal(v: Any, exact: bool) -> Any:
    """In exact mode a number typed on the page is the decimal it reads as: 0.1 is 1/10
    (not the float nearest it), as the stepper's script takes it."""
    if isinstance(v, list):
        return [decimal(x, exact) for x in v]
    return Fraction(repr(v)) if exact and isinstance(v, float) else v


def as_matrix(v: Any) -> list[list[Any]]:
    """A per-gate W or U: a number is a 1 x 1 matrix."""
    return v if isinstance(v, list) else [[v]]


def as_vector(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [v]


def weights_of(config: dict[str, Any]) -> Weights:
    """The per-gate weights of a config packed in Keras's layout, gate blocks side by side."""
    w, exact = config["weights"], config["exact"]
    cell = config.get("cell", "lstm")
    gru = cell == "gru"
    gates = {"lstm": GATES, "gru": GRU_GATES, "rnn": RNN_GATES}[cell]

    def packed(key: str) -> Any:
        blocks = [np.array(decimal(as_matrix(w[g][key]), exact), dtype=object) for g in gates]
        return np.concatenate(blocks, axis=1)  # (rows, gates * units)

    def bias(key: str) -> list[Any]:
        return [b for g in gates for b in decimal(as_vector(w[g][key]), exact)]

    kernel, recurrent = packed("W"), packed("U")  # (inputs, G*units), (units, G*units)
    if cell == "rnn":
        return RNNWeights(kernel, recurrent, np.array(bias("b"), dtype=object))
    if not gru:  # the LSTM's variants as lstm_explained.engine.lstm_variants takes them
        variants = {"peephole": decimal(config.get("peephole"), exact),
                    "clip": decimal(config.get("clip"), exact),
                    "input_forget": config.get("inputForget", False)}  # fmt: skip
        return LSTMWeights(kernel, recurrent, bias("b"), **variants)
    reset_after = config.get("resetAfter", True)
    rows = [bias("b"), bias("bRecurrent")] if reset_after else bias("b")
    return GRUWeights(kernel, recurrent, rows, reset_after=reset_after)


def activation(name: str) -> Any:
    return FINGERPRINT_GATE_ACTIVATION if name == QUARTER else name


def value(v: Any, exact: bool) -> Any:
    """Exact values as the engine writes them ("12", "829/4"), floats as numbers; a
    vector of one as its number, as the page gives it."""
    items = [format_number(x) if exact else float(x) for x in np.asarray(v).ravel()]
    return items[0] if len(items) == 1 else items


DIGITS = 4  # the stepper's: its table's digits, the fewest its working shows


def expected(config: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """The engine's steps for a config and its hand calculation of each."""
    exact = config["exact"]
    weights = weights_of(config)
    units = weights.units
    h0, c0 = (decimal(as_vector(config.get(k, 0)), exact) for k in ("h0", "c0"))
    state = [h0 * (units // len(h0))] + (
        [c0 * (units // len(c0))] if weights.cell == "LSTM" else []
    )
    trace = forward(
        [decimal(as_vector(x), exact) for x in config["inputs"]],
        weights,
        activation=activation(config["activation"]),
        recurrent_activation=activation(config["recurrentActivation"]),
        initial_state=state,
        exact=exact,
    )
    steps = []
    for step in trace.steps:
        doc: dict[str, Any] = {"t": step.t, "x": value(step.x, exact)}
        doc |= {f"{k}_prev": value(v, exact) for k, v in step.state_prev.items()}
        doc["a"] = {g: value(v, exact) for g, v in step.a.items()}
        doc["gates"] = {g: value(v, exact) for g, v in step.gates.items()}
        doc |= {k: value(step.state[k], exact) for k in ("c", "h") if k in step.state}
        steps.append(doc)
    return steps, [hand_calculation(trace, s.t, digits=DIGITS) for s in trace.steps]


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
    cases += gru_and_vector_cases()
    cases += plain_cell_cases()
    cases += variant_cases()
    vectors = []
    for name, cfg in cases:
        steps, hand = expected(cfg)
        vectors.append({"name": name, "config": cfg, "steps": steps, "hand": hand})
    return vectors


def per_gate(weights: Weights, *, reset_after: bool | None = None) -> dict[str, Any]:
    """A network's weights as the stepper's per-gate config: W (inputs, units) and U
    (units, units) as rows, b (units); a GRU with reset_after adds bRecurrent. A GRU's
    two bias rows are summed when `reset_after=False` asks for its one bias."""

    def plain(a: Any) -> Any:
        return np.asarray(a).tolist()

    if reset_after is None:
        reset_after = getattr(weights, "reset_after", False)
    doc: dict[str, Any] = {}
    for gate in weights.gates:
        gw = weights.gate(gate)
        b = np.zeros(weights.units) if gw.bias is None else np.asarray(gw.bias)
        two = b.ndim == 2
        entry = {"W": plain(gw.kernel), "U": plain(gw.recurrent_kernel)}
        entry["b"] = plain(b.sum(axis=0) if two and reset_after is False else b[0] if two else b)
        if weights.cell == "GRU" and reset_after:
            entry["bRecurrent"] = plain(b[1] if two else np.zeros(weights.units))
        doc[gate] = entry
    return doc


def network_config(
    weights: Weights,
    inputs: list[Any],
    act: str,
    rec: str,
    *,
    exact: bool,
    reset_after: bool | None = None,
    h0: Any = 0,
    c0: Any = 0,
) -> dict[str, Any]:
    cfg: dict[str, Any] = {"cell": weights.cell.lower(), "inputs": inputs}
    if weights.cell == "GRU":
        cfg["resetAfter"] = (
            getattr(weights, "reset_after", True) if reset_after is None else reset_after
        )
    cfg |= {"weights": per_gate(weights, reset_after=reset_after), "activation": act,
            "recurrentActivation": rec, "exact": exact, "h0": h0}  # fmt: skip
    for name in getattr(weights, "variants", ()):  # an LSTM's, named as the stepper names them
        value = getattr(weights, name)
        key = {"input_forget": "inputForget"}.get(name, name)
        cfg[key] = value if isinstance(value, bool) else np.asarray(value).tolist()
    return cfg | ({"c0": c0} if weights.cell == "LSTM" else {})


def gru_and_vector_cases() -> list[tuple[str, dict[str, Any]]]:
    """The GRU (reset_after both ways) and networks of several inputs and units: the
    engine's own networks, then random ones from a generator of their own."""
    gru = NETWORKS["gru-example"].weights
    inputs = list(STANDARD_INPUTS)
    fingerprint = [list(x) for x in NETWORKS["fingerprint"].inputs]
    cases = [
        ("gru example", network_config(gru, inputs, "tanh", "sigmoid", exact=False)),
        ("gru example, reset before",
         network_config(gru, inputs, "tanh", "sigmoid", exact=False, reset_after=False)),
        ("gru, the article's network",  # h stays 0: z = 1 at step 1 keeps h0
         network_config(GRUWeights.constant(1), [1, 1, 1], "linear", "linear", exact=True)),
        ("reset pair, after", network_config(reset_pair_weights(reset_after=True), inputs,
                                             "tanh", "sigmoid", exact=False)),
        ("reset pair, before", network_config(reset_pair_weights(reset_after=False), inputs,
                                              "tanh", "sigmoid", exact=False)),
        ("fingerprint", network_config(NETWORKS["fingerprint"].weights, fingerprint, "linear",
                                       QUARTER, exact=True)),
        ("fingerprint gru", network_config(NETWORKS["fingerprint-gru"].weights, fingerprint,
                                           "linear", QUARTER, exact=True)),
        ("fingerprint gru, reset before",
         network_config(NETWORKS["fingerprint-gru"].weights, fingerprint, "linear", QUARTER,
                        exact=True, reset_after=False)),
    ]  # fmt: skip
    rng = np.random.default_rng(2027)

    def rounded(*shape: int, scale: float = 0.8) -> Any:
        return np.round(rng.normal(0, scale, shape), 3)

    for name, cell, act, rec, after in (
        ("random gru, tanh / sigmoid", GRUWeights, "tanh", "sigmoid", True),
        ("random gru before, relu / hard_sigmoid", GRUWeights, "relu", "hard_sigmoid", False),
        ("random lstm, 2 inputs 3 units", LSTMWeights, "tanh", "sigmoid", None),
    ):
        features, units = (2, 2) if cell is GRUWeights else (2, 3)
        gates = len(GRU_GATES if cell is GRUWeights else GATES)
        kernel, recurrent = rounded(features, gates * units), rounded(units, gates * units)
        if cell is GRUWeights:
            weights: Weights = GRUWeights(kernel, recurrent, rounded(2, gates * units),
                                          reset_after=True)  # fmt: skip
        else:
            weights = LSTMWeights(kernel, recurrent, rounded(gates * units))
        steps = rounded(int(rng.integers(2, 6)), features, scale=1).tolist()
        cases.append((name, network_config(weights, steps, act, rec, exact=False,
                                           reset_after=after)))  # fmt: skip
    ints = GRUWeights(rng.integers(-2, 3, (1, 6)), rng.integers(-2, 3, (2, 6)),
                      rng.integers(-2, 3, (2, 6)))  # fmt: skip
    cases.append(
        (
            "random integers gru",
            network_config(
                ints,
                [int(v) for v in rng.integers(-2, 3, 4)],
                "linear",
                "relu",
                exact=True,
                h0=[1, -1],
            ),
        )
    )
    return cases


def plain_cell_cases() -> list[tuple[str, dict[str, Any]]]:
    """The plain cell: its preset, then tanh, relu and linear on random weights, exact
    decimals, and two inputs and two units, from a generator of their own. The
    recurrent activation plays no part in it; the configs keep sigmoid, the page's."""
    plain = NETWORKS["plain-cell"]
    cases = [("plain cell", network_config(plain.weights, list(plain.inputs), "tanh", "sigmoid",
                                           exact=False))]  # fmt: skip
    rng = np.random.default_rng(2028)

    def rounded(*shape: int, scale: float = 0.8) -> Any:
        return np.round(rng.normal(0, scale, shape), 3)

    for act, units, features in (("tanh", 1, 1), ("relu", 1, 1), ("linear", 1, 1),
                                 ("tanh", 2, 1), ("relu", 2, 2)):  # fmt: skip
        weights = RNNWeights(rounded(features, units), rounded(units, units), rounded(units))
        steps = rounded(int(rng.integers(3, 8)), features, scale=1).tolist()
        inputs = [x[0] for x in steps] if features == 1 else steps
        h0 = rounded(units).tolist() if units > 1 else float(rounded(1)[0])
        name = f"random plain, {act}, {features} x {units} (inputs x units)"
        cases.append((name, network_config(weights, inputs, act, "sigmoid", exact=False, h0=h0)))
    tenths = RNNWeights(np.array([[0.5]]), np.array([[-0.3]]), np.array([0.1]))
    cases.append(("plain, decimals, exact", network_config(
        tenths, [1, 0.2, -1.5, 2], "linear", "sigmoid", exact=True, h0=0.5)))  # fmt: skip
    ints = RNNWeights(rng.integers(-2, 3, (2, 2)), rng.integers(-2, 3, (2, 2)),
                      rng.integers(-2, 3, 2))  # fmt: skip
    steps = rng.integers(-2, 3, (4, 2)).tolist()
    cases.append(
        (
            "plain, two units, exact relu",
            network_config(ints, steps, "relu", "sigmoid", exact=True, h0=[1, -1]),
        )
    )
    return cases


def variant_cases() -> list[tuple[str, dict[str, Any]]]:
    """The LSTM with ONNX's variants: the peephole preset, then clip, input_forget and
    all three on the second example and on random weights (a generator of their own),
    exact fractions (a clip of three quarters) and two inputs and two units. Each clip
    is below some gate's sum, so the clip bites (test_stepper_variants.py checks)."""
    std = standard_weights()
    inputs = list(STANDARD_INPUTS)
    peepholes = NETWORKS["peepholes"]
    cases = [
        ("peepholes", network_config(peepholes.weights, list(peepholes.inputs), "tanh",
                                     "sigmoid", exact=False)),
        ("clip", network_config(std.replace(clip=0.5), inputs, "tanh", "sigmoid", exact=False)),
        ("input_forget", network_config(std.replace(input_forget=True), inputs, "tanh",
                                        "sigmoid", exact=False)),
        ("peepholes, clip and input_forget",
         network_config(peepholes.weights.replace(clip=0.75, input_forget=True), inputs,
                        "tanh", "sigmoid", exact=False)),
    ]  # fmt: skip
    rng = np.random.default_rng(2029)

    def rounded(*shape: int, scale: float = 0.8) -> Any:
        return np.round(rng.normal(0, scale, shape), 3)

    for name, features, units, variants, act, rec in (
        ("random peepholes and clip, tanh / sigmoid", 1, 1, {"clip": 0.6}, "tanh", "sigmoid"),
        ("random, all three, relu / hard_sigmoid", 1, 1, {"clip": 1.1, "input_forget": True},
         "relu", "hard_sigmoid"),
        ("random, all three, 2 inputs 2 units", 2, 2, {"clip": 0.9, "input_forget": True},
         "tanh", "sigmoid"),
    ):  # fmt: skip
        kernel, recurrent = rounded(features, 4 * units), rounded(units, 4 * units)
        weights = LSTMWeights(kernel, recurrent, rounded(4 * units), peephole=rounded(3, units),
                              **variants)  # fmt: skip
        steps = rounded(int(rng.integers(3, 6)), features, scale=1.2).tolist()
        cases.append((name, network_config(weights, [x[0] for x in steps] if features == 1
                                           else steps, act, rec, exact=False)))  # fmt: skip
    # Exact: decimals typed on the page are the decimals they read as, the clip too.
    tenths = LSTMWeights(np.array([[0.5, 0.25, 0.75, -0.5]]), np.array([[0.25, 0.5, -0.25, 0.5]]),
                         np.array([0.1, 1, 0, 0.2]), peephole=np.array([[0.5], [-0.3], [0.7]]),
                         clip=0.75, input_forget=True)  # fmt: skip
    cases.append(("peepholes, clip and input_forget, exact",
                  network_config(tenths, [1, 0.5, -1.5, 2], "linear", "hard_sigmoid",
                                 exact=True, h0=0.5, c0=-0.25)))  # fmt: skip
    fingerprint = NETWORKS["fingerprint"]
    two = fingerprint.weights.replace(peephole=np.array([[1, -1], [0.5, 0], [-0.5, 1]]))
    cases.append(("peepholes, fingerprint, exact",
                  network_config(two, [list(x) for x in fingerprint.inputs], "linear", QUARTER,
                                 exact=True)))  # fmt: skip
    ints = LSTMWeights(rng.integers(-2, 3, (2, 8)), rng.integers(-2, 3, (2, 8)),
                       rng.integers(-2, 3, 8), peephole=rng.integers(-1, 2, (3, 2)), clip=3,
                       input_forget=True)  # fmt: skip
    cases.append(("random integers, all three, two units, exact",
                  network_config(ints, rng.integers(-2, 3, (4, 2)).tolist(), "linear", "relu",
                                 exact=True)))  # fmt: skip
    return cases


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
