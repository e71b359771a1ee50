"""What a diff reports for each cause it finds, and what a hypothesis proposes.

A hypothesis (`hypotheses.HYPOTHESES`) yields `Repairs`: pairs of a `Finding` that names
one mistake and B (a `sides.Side`) with that mistake undone.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .sides import Side


@dataclass(frozen=True)
class Finding:
    """One cause that explains (part of) the difference.

    `cause` is a short key ("gate-order", "reshaped", ...), `summary` the one line a
    report prints, `evidence` the lines under it, and `detail` what a program may test:
    "order" (the gate names in B's block order), "matrices", "gates", "half", "lacking"
    ("A" or "B"), "delta", "argument", "a", "b", "direction".
    """

    cause: str
    summary: str
    evidence: tuple[str, ...] = ()
    detail: Mapping[str, Any] = field(default_factory=dict)


Repairs = Iterator[tuple[Finding, Side]]
"""What a hypothesis yields: the finding, and B with the mistake undone."""
