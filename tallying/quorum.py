"""Quorum: how many members must be present before a meeting may decide anything.

A quorum is a fixed number of persons, a fraction of the members on the roll
(rounded up), or both. When both are given the quorum is **the larger** of the
two: the fixed number acts as a floor under the fraction. This is how such
rules are usually written ("one-third of the members, but never fewer than
three", as the Local Government Act 1972, Schedule 12, sets the quorum of a
parish council), and it is the reading that never lets a shrinking membership
shrink the quorum below the number the body chose. A body that wants "whichever
is smaller" should state a single figure instead.

A fraction is rounded **up**: "one-third of 10 members" is 4, because 3 members
are fewer than a third of 10. A quorum is always at least one person: a meeting
with nobody present decides nothing.

Without a quorum the meeting cannot transact business (Citrine, *ABC of
Chairmanship*, on the quorum), so there is no decision; :func:`tallying.majority.decide` records the
question as ``Outcome.INQUORATE``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Final

from tallying._checks import check_whole
from tallying.errors import CountError

__all__ = ["Quorum", "ceil_fraction", "fraction_name", "fraction_words"]

_NAMES: Final[dict[Fraction, tuple[str, str]]] = {
    # fraction: (name part, words)
    Fraction(1): ("all", "all"),
    Fraction(1, 2): ("one_half", "one-half"),
    Fraction(1, 3): ("one_third", "one-third"),
    Fraction(2, 3): ("two_thirds", "two-thirds"),
    Fraction(1, 4): ("one_quarter", "one-quarter"),
    Fraction(3, 4): ("three_quarters", "three-quarters"),
    Fraction(1, 5): ("one_fifth", "one-fifth"),
    Fraction(2, 5): ("two_fifths", "two-fifths"),
    Fraction(1, 10): ("one_tenth", "one-tenth"),
}


def fraction_name(value: Fraction) -> str:
    """A fraction as part of a rule's name: ``one_third``, ``3_in_7``."""
    known = _NAMES.get(value)
    if known is not None:
        return known[0]
    return f"{value.numerator}_in_{value.denominator}"


def fraction_words(value: Fraction) -> str:
    """A fraction as read out: ``one-third``, ``3/7``."""
    known = _NAMES.get(value)
    if known is not None:
        return known[1]
    return str(value)


def _check_fraction(value: object, what: str) -> None:
    if not isinstance(value, Fraction):
        raise CountError(f"{what} must be an exact Fraction, not {type(value).__name__}")
    if not 0 < value <= 1:
        raise CountError(f"{what} must be more than 0 and at most 1 (got {value})")


def ceil_fraction(value: Fraction) -> int:
    """The least whole number at or above ``value``."""
    return -(-value.numerator // value.denominator)


@dataclass(frozen=True, slots=True)
class Quorum:
    """A quorum: a fixed number of persons, a fraction of members rounded up, or both.

    With both, the quorum is the larger of the two (the number is a floor).
    At least one of ``number`` (at least 1) and ``fraction`` (more than 0, at
    most 1) must be given.
    """

    number: int | None = None
    fraction: Fraction | None = None

    def __post_init__(self) -> None:
        if self.number is None and self.fraction is None:
            raise CountError("a quorum needs a number of persons, a fraction of members, or both")
        if self.number is not None:
            check_whole(self.number, "a quorum's number of persons", least=1)
        if self.fraction is not None:
            _check_fraction(self.fraction, "a quorum's fraction of members")

    def required(self, members: int) -> int:
        """The number of persons that must be present, for a roll of ``members``.

        ``max(number, ceil(fraction * members), 1)`` over whichever parts are
        given. It may exceed the roll (a committee of four with a fixed quorum
        of five can never be quorate); that is what the rule says, so it is
        returned as it is.
        """
        members = check_whole(members, "the number of members", least=0)
        parts = [1]
        if self.number is not None:
            parts.append(self.number)
        if self.fraction is not None:
            parts.append(ceil_fraction(self.fraction * members))
        return max(parts)

    def is_met(self, present: int, members: int) -> bool:
        """Whether ``present`` persons of a roll of ``members`` make a quorum."""
        present = check_whole(present, "the number present", least=0)
        members = check_whole(members, "the number of members", least=0)
        if present > members:
            raise CountError(f"more present ({present}) than members on the roll ({members})")
        return present >= self.required(members)

    @property
    def name(self) -> str:
        """The named value shown with results: ``quorum_fixed_5``,
        ``quorum_one_third_of_members``, ``quorum_one_third_of_members_at_least_3``."""
        if self.fraction is None:
            return f"quorum_fixed_{self.number}"
        head = (
            "quorum_all_members"
            if self.fraction == 1
            else f"quorum_{fraction_name(self.fraction)}_of_members"
        )
        if self.number is None:
            return head
        return f"{head}_at_least_{self.number}"

    @property
    def description(self) -> str:
        """The rule in words: "one-third of the members (rounded up), and at least 3"."""
        if self.fraction is None:
            return f"{self.number} {'person' if self.number == 1 else 'persons'} present"
        head = (
            "all the members"
            if self.fraction == 1
            else f"{fraction_words(self.fraction)} of the members (rounded up)"
        )
        if self.number is None:
            return head
        return f"{head}, and at least {self.number}"
