"""The search for the known mistakes that explain why B's trace differs from A's.

Breadth first over chains of repairs (`hypotheses.HYPOTHESES`): a repair is kept when
it leaves fewer `sides.mismatches` between A and B than its chain did before, and a
chain is accepted when nothing is left and B's trace then matches A's on the inputs
searched. Every accepted chain of the shortest length is reported. A bidirectional
layer is searched direction by direction, after testing whether its two directions
were exchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from numpy.typing import NDArray

from ..saved.layer import SavedLayer
from .divergence import TraceComparison, compare_traces, shown_difference
from .findings import Finding
from .hypotheses import HYPOTHESES, describe_activation
from .sides import (
    Side,
    block_correlations,
    block_differences,
    largest_weight_difference,
    mismatches,
)

Array = NDArray[Any]
MAX_CAUSES = 3  # the longest chain of mistakes the search undoes
FRONTIER = 40  # partial repairs kept from one length to the next


def search_layer(
    a: SavedLayer, b: SavedLayer, x: Array, tol: float
) -> tuple[tuple[Finding, ...], tuple[str, ...]]:
    """Findings that explain the difference, or evidence of what differs."""
    if a.direction != "bidirectional":
        return search(Side.of(a, "A"), Side.of(b, "B"), x, tol)
    sides = {
        (label, d): Side.of(layer, label, d)
        for label, layer in (("A", a), ("B", b))
        for d in ("forward", "backward")
    }
    swapped = _swapped_directions(sides, x, tol)
    if swapped is not None:
        return (swapped,), ()
    findings: list[Finding] = []
    evidence: list[str] = []
    for d in ("forward", "backward"):
        ta, tb = sides["A", d].run(x), sides["B", d].run(x)
        if compare_traces(ta, tb, tol).first is None:
            continue
        found, seen = search(sides["A", d], sides["B", d], x, tol)
        findings += [_in_direction(f, d) for f in found]
        evidence += [f"{d} direction: {e}" for e in seen]
    return tuple(findings), tuple(evidence)


def _in_direction(finding: Finding, direction: str) -> Finding:
    return dataclasses.replace(
        finding,
        summary=f"{direction} direction: {finding.summary}",
        detail={**finding.detail, "direction": direction},
    )


def _swapped_directions(sides: dict[tuple[str, str], Side], x: Array, tol: float) -> Finding | None:
    """Whether B's forward direction is A's backward one and the other way round."""
    pairs = [
        (sides["A", "forward"], sides["B", "backward"].replace(go_backwards=False)),
        (sides["A", "backward"], sides["B", "forward"].replace(go_backwards=True)),
    ]
    if any(mismatches(p, q, tol) for p, q in pairs):
        return None
    if any(compare_traces(p.run(x), q.run(x), tol).first for p, q in pairs):
        return None
    return Finding(
        "directions-swapped",
        "B's forward and backward directions are exchanged (PyTorch's _reverse weights, or "
        "ONNX's direction index, read the other way round)",
        (
            "each of B's directions has the weights and settings of A's other one, and runs "
            "like it over the searched steps",
        ),
    )


def search(a: Side, b: Side, x: Array, tol: float) -> tuple[tuple[Finding, ...], tuple[str, ...]]:
    """The shortest chains of repairs after which B is A: breadth first, by length."""
    reference = a.run(x)
    before = compare_traces(reference, b.run(x), tol).largest
    frontier: list[tuple[tuple[tuple[str, Finding], ...], Side, int]] = []
    start = mismatches(a, b, tol)
    frontier.append(((), b, len(start)))
    best: tuple[tuple[Finding, ...], list[str]] = ((), start)
    for _ in range(MAX_CAUSES):
        done: dict[frozenset[str], tuple[Finding, ...]] = {}
        grown = []
        for chain, side, left in frontier:
            used = {group for group, _ in chain}
            for group, hypothesis in HYPOTHESES:
                if group in used:
                    continue
                for finding, repaired in hypothesis(a, side, tol):
                    rest = mismatches(a, repaired, tol)
                    longer = (*chain, (group, finding))
                    if not rest:
                        after = compare_traces(reference, repaired.run(x), tol)
                        if after.first is None:
                            key = frozenset(f.summary for _, f in longer)
                            done[key] = _with_trace_evidence(longer, a, repaired, x, after, before)
                    elif len(rest) < left:
                        grown.append((longer, repaired, len(rest)))
                        if len(rest) < len(best[1]):
                            best = (tuple(f for _, f in longer), rest)
        if done:
            return tuple(f for chain in done.values() for f in chain), ()
        frontier = sorted(grown, key=lambda c: c[2])[:FRONTIER]
        if not frontier:
            break
    return (), _unexplained(a, b, tol, best)


def _with_trace_evidence(
    chain: Sequence[tuple[str, Finding]],
    a: Side,
    repaired: Side,
    x: Array,
    after: TraceComparison,
    before: float,
) -> tuple[Finding, ...]:
    """The chain's findings, each with the line that says the repair was confirmed."""
    together = len(chain) > 1
    line = (
        f"undone{' with the other finding(s) of this diff' if together else ''}, B's "
        f"weights and settings equal A's (largest weight difference "
        f"{largest_weight_difference(a, repaired):.2g}), and B's trace matches A's over "
        f"{x.shape[1]} step(s) of {x.shape[0]} batch row(s): largest difference "
        f"{shown_difference(after.largest)}, against {before:.2g} before"
    )
    return tuple(dataclasses.replace(f, evidence=(*f.evidence, line)) for _, f in chain)


def _unexplained(
    a: Side, b: Side, tol: float, best: tuple[tuple[Finding, ...], list[str]]
) -> tuple[str, ...]:
    """What differs when no chain of known mistakes explains it."""
    lines = block_differences(a, b, tol)
    settings = [m for m in mismatches(a, b, tol) if "block" not in m]
    lines += [
        f"{name}: A {_setting(a, name)}, B {_setting(b, name)}"
        for name in settings
        if name != "bias layout"
    ]
    if not lines:
        lines.append(
            "the weights and settings agree within the tolerance, yet the traces part: "
            "small differences grow along the sequence"
        )
    lines += [
        f"B's {label} blocks look most like A's: {block_correlations(a, b, m)}"
        for m, label in (("kernel", "kernel"), ("recurrent_kernel", "recurrent kernel"))
    ]
    chain, rest = best
    if chain:
        lines.append(
            f"closest: with {'; '.join(f.cause for f in chain)} undone, still "
            f"different: {', '.join(rest)}"
        )
    return tuple(lines)


def _setting(side: Side, name: str) -> str:
    value = getattr(side, name)
    return describe_activation(value) if name.endswith("activation") else repr(value)
