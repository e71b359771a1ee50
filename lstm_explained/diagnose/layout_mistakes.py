"""Mistakes in how a file's matrices were laid out: gate blocks in another order, a
matrix reshaped instead of transposed, square gate blocks transposed.

Each function is a hypothesis (see `hypotheses`): it yields B with the mistake undone.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..frameworks.layouts import LAYOUTS, reorder
from .findings import Finding, Repairs
from .sides import Array, Side, block, block_correlations, close


def _named_orders() -> dict[tuple[str, ...], str]:
    """Gate orders by whose they are: every framework layout that differs from Keras's,
    and TensorFlow 1's LSTMCell (`i, j, f, o = split(...)` in its rnn_cell_impl.py, j the
    candidate)."""
    keras = (LAYOUTS["keras-lstm"].gate_order, LAYOUTS["keras-gru"].gate_order)
    named: dict[tuple[str, ...], str] = {}
    for lay in LAYOUTS.values():
        if lay.gate_order not in keras:
            owner = f"{lay.framework}'s"
            known = named.get(lay.gate_order)
            named[lay.gate_order] = owner if known is None else f"{known} and {owner}"
    named[("input", "candidate", "forget", "output")] = "TensorFlow 1's LSTMCell"
    return named


NAMED_ORDERS = _named_orders()


def permutation_class(order: tuple[str, ...], gates: tuple[str, ...], letters: str) -> str:
    """A reordering by its cycles: "f and c swapped", "a 3-cycle of f, c, o", ..."""
    names = dict(zip(gates, letters.split(", "), strict=True))
    where = {g: gates[k] for k, g in enumerate(order)}  # gate g sits in the slot of where[g]
    cycles, seen = [], set()
    for g in gates:
        cycle = []
        while g not in seen:
            seen.add(g)
            cycle.append(g)
            g = where[g]
        if len(cycle) > 1:
            cycles.append(sorted(cycle, key=gates.index))
    if len(cycles) == 2:
        return "two swaps: " + "; ".join(" and ".join(names[g] for g in c) for c in cycles)
    (cycle,) = cycles
    if len(cycle) == 2:
        return f"{names[cycle[0]]} and {names[cycle[1]]} swapped"
    return f"a {len(cycle)}-cycle of {', '.join(names[g] for g in cycle)}"


MATRICES = (("kernel", "kernel"), ("recurrent_kernel", "recurrent kernel"))


def gate_order(a: Side, b: Side, tolerance: float) -> Repairs:
    """B's blocks in another order: try every one, consistently on every array."""
    gates = b.gates
    evidence = tuple(
        f"B's {label} blocks look most like A's: {block_correlations(a, b, matrix)}"
        for matrix, label in MATRICES
    )
    for order in itertools.permutations(gates):
        if order == gates:
            continue

        def undo(arr: Array, order: tuple[str, ...] = order) -> Array:
            return reorder(arr, order, gates)

        halves = None if b.halves is None else (undo(b.halves[0]), undo(b.halves[1]))
        repaired = b.replace(
            kernel=undo(b.kernel),
            recurrent_kernel=undo(b.recurrent_kernel),
            bias=None if b.bias is None else undo(b.bias),
            halves=halves,
        )
        named = NAMED_ORDERS.get(order)
        summary = (
            f"B's gates are in order {b.letters(order)}"
            f"{f' ({named} order)' if named else ''} read as {b.letters()}: "
            f"{permutation_class(order, gates, b.letters())}"
        )
        yield Finding("gate-order", summary, evidence, {"order": order}), repaired


def reshaped(a: Side, b: Side, tolerance: float) -> Repairs:
    """A matrix stored (n*H, rows), as PyTorch and ONNX do, read with reshape, not .T."""
    undone = {m: getattr(b, m).reshape(-1, getattr(b, m).shape[0]).T for m, _ in MATRICES}
    for chosen in (("kernel",), ("recurrent_kernel",), ("kernel", "recurrent_kernel")):
        if all(np.array_equal(undone[m], getattr(b, m)) for m in chosen):
            continue  # one row, or one column per block: reshape and .T agree
        labels = " and ".join(dict(MATRICES)[m] for m in chosen)
        verb = "was" if len(chosen) == 1 else "were"
        summary = (
            f"B's {labels} {verb} reshaped instead of transposed: a (n*units, rows) "
            "matrix (PyTorch's, ONNX's) read with reshape, not .T"
        )
        evidence = tuple(
            f"undone: B's {dict(MATRICES)[m]} {getattr(b, m).shape} reshaped to "
            f"{undone[m].shape[::-1]} and transposed"
            for m in chosen
        )
        repaired = b.replace(**{m: undone[m] for m in chosen})
        yield Finding("reshaped", summary, evidence, {"matrices": chosen}), repaired


def transposed(a: Side, b: Side, tolerance: float) -> Repairs:
    """Square gate blocks (units, units) of a matrix stored transposed: the blocks of B
    that equal A's transposed (and not A's) are transposed back."""
    n, letters = len(b.gates), b.letters().split(", ")
    for matrix, label in MATRICES:
        x, y = getattr(a, matrix), getattr(b, matrix)
        if x.shape[0] != b.units:
            continue  # kernel blocks are square only when input_dim == units
        flipped = [
            k
            for k in range(n)
            if close(block(y, k, n).T, block(x, k, n), tolerance)
            and not close(block(y, k, n), block(x, k, n), tolerance)
        ]
        if not flipped:
            continue
        fixed = y.copy()
        for k in flipped:
            fixed[:, k * b.units : (k + 1) * b.units] = block(y, k, n).T
        which = (
            "every block"
            if len(flipped) == n
            else (f"the {', '.join(letters[k] for k in flipped)} block{'s' * (len(flipped) > 1)}")
        )
        summary = (
            f"B's {label} has {which} transposed: (units, units) blocks read as their transposes"
        )
        asym = max(float(np.abs(block(x, k, n) - block(x, k, n).T).max()) for k in flipped)
        evidence = (
            f"those blocks of B equal A's transposed; A's are not symmetric "
            f"(they differ from their transposes by up to {asym:.3g})",
        )
        gates = tuple(b.gates[k] for k in flipped)
        yield (
            Finding("transposed", summary, evidence, {"matrix": matrix, "gates": gates}),
            b.replace(**{matrix: fixed}),
        )
