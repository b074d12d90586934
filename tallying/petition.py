"""Petitions that trigger a members' ballot.

Rules of this kind are written as "a petition signed by 5% of members or 1,000
members, whichever is lower" (``PetitionRule.EITHER``: meeting either figure is
enough) or "by at least 5% of members and at least 1,000 members"
(``PetitionRule.BOTH``: the higher figure is needed). The fraction is taken of
the membership **as it stood when the petition opened** (a snapshot passed in),
so joining or leaving during the petition does not move the target, and is
rounded **up**: 5% of 1,010 members is 51 signatures, because 50 is less than 5%.

A petition always needs at least one signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from tallying._checks import check_whole
from tallying.errors import CountError
from tallying.quorum import ceil_fraction, fraction_name, fraction_words

__all__ = ["PetitionRule", "PetitionThreshold"]


class PetitionRule(StrEnum):
    """How a fraction of members and a number of members combine."""

    EITHER = "either"  # meeting either figure is enough: whichever is lower
    BOTH = "both"  # both figures must be met: whichever is higher


def _percent(value: Fraction) -> str | None:
    """``5`` for 1/20, ``2.5`` for 1/40; ``None`` if it is not a short exact percentage."""
    scaled = value * 1000
    if scaled.denominator != 1:
        return None
    tenths = int(scaled)
    whole, rest = divmod(tenths, 10)
    return f"{whole}" if rest == 0 else f"{whole}.{rest}"


@dataclass(frozen=True, slots=True)
class PetitionThreshold:
    """The signatures a petition needs: a fraction of members, a number, or both.

    With both, ``rule`` says how they combine (:class:`PetitionRule`); with one,
    ``rule`` makes no difference. ``fraction_of_members`` is more than 0 and at
    most 1; ``members`` is at least 1.
    """

    fraction_of_members: Fraction | None = None
    members: int | None = None
    rule: PetitionRule = PetitionRule.EITHER

    def __post_init__(self) -> None:
        if self.fraction_of_members is None and self.members is None:
            raise CountError("a petition threshold needs a fraction of members, a number, or both")
        if self.fraction_of_members is not None:
            if not isinstance(self.fraction_of_members, Fraction):
                raise CountError(
                    "a petition's fraction of members must be an exact Fraction, not "
                    f"{type(self.fraction_of_members).__name__}"
                )
            if not 0 < self.fraction_of_members <= 1:
                raise CountError(
                    "a petition's fraction of members must be more than 0 and at most 1 "
                    f"(got {self.fraction_of_members})"
                )
        if self.members is not None:
            check_whole(self.members, "a petition's number of members", least=1)
        try:
            rule = PetitionRule(self.rule)
        except ValueError:
            raise CountError(f"no petition rule named {self.rule!r}") from None
        object.__setattr__(self, "rule", rule)

    def required(self, membership: int) -> int:
        """The signatures needed, for the membership as it stood when the petition opened.

        ``ceil(fraction * membership)`` and ``members``, combined by ``rule``
        (the lower for ``EITHER``, the higher for ``BOTH``), and never less than 1.
        """
        membership = check_whole(membership, "the membership", least=0)
        parts: list[int] = []
        if self.fraction_of_members is not None:
            parts.append(ceil_fraction(self.fraction_of_members * membership))
        if self.members is not None:
            parts.append(self.members)
        needed = min(parts) if self.rule is PetitionRule.EITHER else max(parts)
        return max(needed, 1)

    def is_met(self, signatures: int, membership: int) -> bool:
        """Whether ``signatures`` valid signatures reach :meth:`required` for ``membership``."""
        signatures = check_whole(signatures, "the number of signatures", least=0)
        return signatures >= self.required(membership)

    @property
    def name(self) -> str:
        """The named value shown with results, e.g. ``petition_5_percent_or_1000_members``."""
        parts: list[str] = []
        if self.fraction_of_members is not None:
            percent = _percent(self.fraction_of_members)
            if percent is not None:
                parts.append(f"{percent.replace('.', '_')}_percent_of_members")
            else:
                parts.append(f"{fraction_name(self.fraction_of_members)}_of_members")
        if self.members is not None:
            parts.append(f"{self.members}_{'member' if self.members == 1 else 'members'}")
        joiner = "_or_" if self.rule is PetitionRule.EITHER else "_and_"
        return "petition_" + joiner.join(parts)

    @property
    def description(self) -> str:
        """The rule in words: "5% of members or 1,000 members, whichever is lower"."""
        parts: list[str] = []
        if self.fraction_of_members is not None:
            percent = _percent(self.fraction_of_members)
            words = (
                f"{percent}%" if percent is not None else fraction_words(self.fraction_of_members)
            )
            parts.append(f"{words} of members")
        if self.members is not None:
            parts.append(f"{self.members:,} {'member' if self.members == 1 else 'members'}")
        if len(parts) == 1:
            return parts[0]
        if self.rule is PetitionRule.EITHER:
            return f"{parts[0]} or {parts[1]}, whichever is lower"
        return f"{parts[0]} and {parts[1]}, whichever is higher"
