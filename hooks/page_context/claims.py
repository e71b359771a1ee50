"""Sentences about numbers, checked against the same numbers when the page is built.

A page that says a value "falls", "grows", "stays near one" or is "larger than" another
makes a claim about values it quotes. Each such claim is registered in the page group's
module, beside the values it speaks of (its `CLAIMS`), as a `Claim`: a name, what it
checks in words, and a predicate whose parameters are named like the values the page
quotes (`lambda std, gru: ...` reads the page's `std` and `gru`). The page wraps the
sentence in it:

    {% call claim("lstm-c-falls-further") %}the LSTM's memory falls further{% endcall %}

or, inside a figure's caption, `{{ std.figure(3, claim("std-falls-at-step-3", "...")) }}`.
Rendering the page checks the predicate on the page's own values and puts the sentence in
unchanged. A claim that no longer holds, or one that the page's group does not register,
fails the build, naming the page, the claim, what it checks and the sentence.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any


class ClaimError(Exception):
    """A sentence about numbers that the numbers no longer bear out, or an unknown claim."""


@dataclass(frozen=True)
class Claim:
    """A sentence's check: `holds` takes the page's values by name and says whether the
    sentence is still true of them; `checks` says what it checks, for the error (by
    default the predicate's docstring)."""

    name: str
    holds: Callable[..., bool]
    checks: str = ""

    def __post_init__(self) -> None:
        checks = " ".join((self.checks or self.holds.__doc__ or "").split())
        if not checks:
            raise ValueError(f"the claim {self.name!r} does not say what it checks")
        object.__setattr__(self, "checks", checks)

    @property
    def reads(self) -> tuple[str, ...]:
        """The names of the values the check reads: its parameters."""
        return tuple(inspect.signature(self.holds).parameters)

    def holds_for(self, values: Mapping[str, Any]) -> bool:
        """Whether the claim holds of `values` (a page's values, by name)."""
        missing = [name for name in self.reads if name not in values]
        if missing:
            raise ClaimError(
                f"the claim {self.name!r} reads {', '.join(missing)}, which this page does "
                "not see (a claim is registered in the module of the values it reads)"
            )
        return bool(self.holds(**{name: values[name] for name in self.reads}))


def registry(*claims: Claim) -> tuple[Claim, ...]:
    """A module's claims, checked for names used twice."""
    names = [c.name for c in claims]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"claims registered twice: {', '.join(twice)}")
    return claims


def checker(claims: Iterable[Claim], values: Mapping[str, Any]) -> Callable[..., str]:
    """The `claim` a page calls: the sentence, once its claim holds of the page's values."""
    known = {c.name: c for c in claims}

    def claim(name: str, sentence: str = "", caller: Callable[[], str] | None = None) -> str:
        """The sentence: the second argument, or the body of a {% call %} block."""
        text = caller() if caller is not None else sentence
        found = known.get(name)
        if found is None:
            raise ClaimError(
                f"no claim {name!r} is registered for this page (CLAIMS of the page group's "
                "module in hooks/page_context/, or of shared.py)"
            )
        if not found.holds_for(values):
            said = " ".join(text.split())  # the sentence as the page renders it
            raise ClaimError(
                f"the claim {name!r} no longer holds ({found.checks}); the page says: {said}"
            )
        return text

    return claim


# ---- what claims say of numbers ---------------------------------------------------------


def share_lost(before: float, after: float) -> float:
    """How much of `before` is gone at `after`, as a share of `before` (0.25: a quarter)."""
    return (before - after) / before


def all_equal(values: Iterable[Any]) -> bool:
    values = list(values)
    return all(v == values[0] for v in values)
