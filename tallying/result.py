"""The one result type every ranked counting method returns.

A result says who was elected and in what order, and explains itself: every
stage with each candidate's total, what was transferred and why, the votes
that could not be transferred, and any lot drawn with the seed that drew it.
Values are exact ``Fraction`` s; ``precision`` is the number of decimal places
the rule set itself works to (5 for ``scottish_stv_2007``, 2 for ``ers97``),
used only to print them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

__all__ = ["ElectionResult", "Lot", "Stage", "StageKind", "format_value"]


class StageKind(StrEnum):
    """What a stage of a count did."""

    FIRST = "first"  # the first count of first preferences
    SURPLUS = "surplus"  # the transfer of one (or, in ers97, several) surpluses
    EXCLUSION = "exclusion"  # the exclusion of one or more candidates
    ROUND = "round"  # one round of a method without transfers (irv, meek iterations)
    FILL = "fill"  # last vacancies filled without a transfer (SSI 2007/42 r.52)


@dataclass(frozen=True, slots=True)
class Lot:
    """A lot drawn to break a tie: who was tied, the seed, and who was chosen."""

    purpose: str
    tied: tuple[int, ...]
    seed: str  # hex of the seed bytes
    chosen: int


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage: the totals after it, and what it did.

    ``totals[i]`` is candidate ``i``'s vote after this stage. ``transfers[i]``
    is what this stage moved to (positive) or from (negative) candidate ``i``.
    ``non_transferable`` is the running total of votes that reached no
    continuing candidate (exhausted papers and, where the rules truncate,
    the loss from truncation).
    """

    number: int
    kind: StageKind
    subjects: tuple[int, ...]
    totals: tuple[Fraction, ...]
    transfers: tuple[Fraction, ...]
    non_transferable: Fraction
    elected: tuple[int, ...]
    excluded: tuple[int, ...]
    note: str
    quota: Fraction | None = None


@dataclass(frozen=True, slots=True)
class ElectionResult:
    """The outcome of a count, with its full explanation."""

    method: str
    rule: str
    version: str
    seats: int
    candidates: tuple[str, ...]
    elected: tuple[int, ...]  # in order of election
    stages: tuple[Stage, ...]
    precision: int
    valid_votes: Fraction
    quota: Fraction | None = None
    lots: tuple[Lot, ...] = ()
    tied: tuple[int, ...] = ()  # candidates left tied for the last seat when no lot was drawn

    @property
    def elected_names(self) -> tuple[str, ...]:
        """Names of the elected, in order of election."""
        return tuple(self.candidates[i] for i in self.elected)


def format_value(value: Fraction, places: int) -> str:
    """``value`` as a decimal string with ``places`` places, truncated toward zero.

    Truncation (not rounding) matches how the fixed-point rule sets publish
    their sheets: SSI 2007/42 Sch. 1 r.48(3) "any remainder being ignored".
    """
    scale = 10**places
    units = abs(value.numerator) * scale // value.denominator
    sign = "-" if value < 0 and units else ""
    whole, frac = divmod(units, scale)
    if places == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{frac:0{places}d}"
