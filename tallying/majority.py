"""Decisions on questions: is a motion or an amendment carried?

A question put to a body is decided by a *threshold* (which votes must outnumber
which), a *tie rule* (what an exact equality at the threshold means) and a
*quorum* (whether the meeting may decide at all). Each is a named value shown
next to the result (docs/architecture.md principle 3), so that two people reading a result
cannot disagree about what it means.

Sources for the rules:

* Walter Citrine, *ABC of Chairmanship*: "votes cast" are the votes for and
  against; an abstention is a member declining to vote, so it is not a vote
  cast and does not count towards either side. The chair has a casting vote
  only where the body's rules give one, and then only on an equality of votes;
  without one an equality means the question is not carried.
* *Robert's Rules of Order Newly Revised*, 12th edition, §44 (bases for
  determining a voting result): a majority vote is more than half of the votes
  cast, blanks and abstentions excluded; a two-thirds vote is at least two-thirds
  of the votes cast; a tie on a majority vote means the motion is lost. The
  same section describes the variants based on members present and on the
  whole membership, which are named separately here because they differ.

Arithmetic is exact: every comparison is made in integers (card votes) or
``Fraction`` s (electoral colleges, see :mod:`tallying.college`), never floats.
"Two-thirds of votes cast" is ``3 * for >= 2 * (for + against)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Final

from tallying.errors import CountError

__all__ = [
    "Decision",
    "Electorate",
    "Outcome",
    "Side",
    "Tally",
    "Threshold",
    "TieRule",
    "decide",
]

Count = int | Fraction


class Threshold(StrEnum):
    """The named rule a question must satisfy to be carried."""

    SIMPLE_MAJORITY = "simple_majority_of_votes_cast"  # for > against
    ABSOLUTE_MAJORITY = "absolute_majority_of_votes"  # for > against + abstain
    MAJORITY_OF_MEMBERS = "majority_of_all_members"  # 2*for > members on the roll
    TWO_THIRDS_OF_VOTES_CAST = "two_thirds_of_votes_cast"  # 3*for >= 2*(for+against)
    TWO_THIRDS_OF_PRESENT = "two_thirds_of_present"  # 3*for >= 2*present
    TWO_THIRDS_OF_MEMBERS = "two_thirds_of_all_members"  # 3*for >= 2*members
    THREE_QUARTERS_OF_VOTES_CAST = "three_quarters_of_votes_cast"  # 4*for >= 3*(for+against)
    THREE_QUARTERS_OF_PRESENT = "three_quarters_of_present"  # 4*for >= 3*present
    THREE_QUARTERS_OF_MEMBERS = "three_quarters_of_all_members"  # 4*for >= 3*members
    UNANIMITY = "unanimity_of_votes_cast"  # for >= 1 and against == 0


class TieRule(StrEnum):
    """What an equality of votes at the threshold means (Citrine, on the casting vote)."""

    FALLS = "tie_falls"  # an equality of votes: the question is not carried
    CHAIR_CASTING_VOTE = "chair_casting_vote"  # the chair gives a casting vote, recorded


class Outcome(StrEnum):
    """The result of a question."""

    CARRIED = "carried"
    LOST = "lost"
    INQUORATE = "inquorate"  # no decision: a quorum was not present


class Side(StrEnum):
    """A side of a question, as given by the chair's casting vote."""

    FOR = "for"
    AGAINST = "against"


def _check_count(value: object, what: str) -> None:
    """Reject anything but a non-negative ``int`` or ``Fraction`` (``bool`` included)."""
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise CountError(
            f"{what} must be a whole number or an exact fraction, not {type(value).__name__}"
        )
    if value < 0:
        raise CountError(f"{what} cannot be negative (got {value})")


@dataclass(frozen=True, slots=True)
class Tally:
    """The votes on one question, weighted for card votes.

    Counts are ``int`` (one member one vote, or integer card weights) or exact
    ``Fraction`` s (shares of an electoral college). Abstentions are recorded
    but are not votes cast (Citrine; RONR 12th ed. §44).
    """

    for_votes: Count
    against: Count
    abstain: Count = 0

    def __post_init__(self) -> None:
        _check_count(self.for_votes, "the votes for")
        _check_count(self.against, "the votes against")
        _check_count(self.abstain, "the abstentions")

    @property
    def votes_cast(self) -> Count:
        """The votes cast: for and against. Abstentions are not votes cast."""
        return self.for_votes + self.against

    @property
    def total(self) -> Count:
        """Everyone who answered the question, abstentions included."""
        return self.for_votes + self.against + self.abstain


@dataclass(frozen=True, slots=True)
class Electorate:
    """Who could vote, weighted the same way as the tally.

    ``present`` is the weight of the votes that could be cast when the question
    was put: the voting members present, with any proxies they hold (for a
    ballot held outside a meeting, the weight of those taking part, or the
    whole roll). A tally larger than ``present`` is refused. ``members`` is the
    weight of everyone on the roll. For an electoral college both are
    ``Fraction(1)``: the college is the whole (see :mod:`tallying.college`).
    """

    present: Count
    members: Count

    def __post_init__(self) -> None:
        _check_count(self.present, "the members present")
        _check_count(self.members, "the members on the roll")
        if self.members == 0:
            raise CountError("a body with no members on the roll cannot decide a question")
        if self.present > self.members:
            raise CountError(
                f"more members present ({self.present}) than on the roll ({self.members})"
            )


@dataclass(frozen=True, slots=True)
class Decision:
    """The decision on one question, with the rule that made it and a sentence explaining it.

    ``tied`` is true when the counts were exactly at the threshold for a rule
    on which equality is not enough to carry (see :func:`decide`);
    ``casting_vote`` is the chair's casting vote when one decided the question.
    ``needed`` says what the rule required; ``explanation`` is one sentence a
    chair reads out.
    """

    outcome: Outcome
    threshold: Threshold
    tie_rule: TieRule
    tally: Tally
    electorate: Electorate
    tied: bool
    casting_vote: Side | None
    quorate: bool
    needed: str
    explanation: str

    @property
    def carried(self) -> bool:
        """Whether the question was carried."""
        return self.outcome is Outcome.CARRIED


class _Base(StrEnum):
    VOTES_CAST = "votes cast"
    ALL_VOTES = "all votes"
    PRESENT = "those present"
    MEMBERS = "all members"


@dataclass(frozen=True, slots=True)
class _Rule:
    """A threshold as data: ``for`` compared with ``ratio * base``.

    ``strict`` rules need *more than* the ratio (so equality is a tie); the
    others need *at least* the ratio (so equality carries).
    """

    base: _Base
    ratio: Fraction
    strict: bool
    label: str


_RULES: Final[dict[Threshold, _Rule]] = {
    Threshold.SIMPLE_MAJORITY: _Rule(
        _Base.VOTES_CAST, Fraction(1, 2), True, "simple majority of votes cast"
    ),
    Threshold.ABSOLUTE_MAJORITY: _Rule(
        _Base.ALL_VOTES, Fraction(1, 2), True, "absolute majority of votes, abstentions included"
    ),
    Threshold.MAJORITY_OF_MEMBERS: _Rule(
        _Base.MEMBERS, Fraction(1, 2), True, "majority of all members"
    ),
    Threshold.TWO_THIRDS_OF_VOTES_CAST: _Rule(
        _Base.VOTES_CAST, Fraction(2, 3), False, "two-thirds of votes cast"
    ),
    Threshold.TWO_THIRDS_OF_PRESENT: _Rule(
        _Base.PRESENT, Fraction(2, 3), False, "two-thirds of those present"
    ),
    Threshold.TWO_THIRDS_OF_MEMBERS: _Rule(
        _Base.MEMBERS, Fraction(2, 3), False, "two-thirds of all members"
    ),
    Threshold.THREE_QUARTERS_OF_VOTES_CAST: _Rule(
        _Base.VOTES_CAST, Fraction(3, 4), False, "three-quarters of votes cast"
    ),
    Threshold.THREE_QUARTERS_OF_PRESENT: _Rule(
        _Base.PRESENT, Fraction(3, 4), False, "three-quarters of those present"
    ),
    Threshold.THREE_QUARTERS_OF_MEMBERS: _Rule(
        _Base.MEMBERS, Fraction(3, 4), False, "three-quarters of all members"
    ),
    Threshold.UNANIMITY: _Rule(_Base.VOTES_CAST, Fraction(1), False, "unanimity of votes cast"),
}

_RATIO_WORDS: Final[dict[Fraction, str]] = {
    Fraction(1, 2): "half",
    Fraction(2, 3): "2/3",
    Fraction(3, 4): "3/4",
}

_TIE_PHRASES: Final[dict[_Base, str]] = {
    _Base.VOTES_CAST: "the votes for and against are equal",
    _Base.ALL_VOTES: "the votes for equal the votes against and abstentions together",
    _Base.MEMBERS: "the votes for are exactly half of all members",
    _Base.PRESENT: "the votes for are exactly half of those present",
}


def _is_whole(value: Count) -> bool:
    return isinstance(value, int) or value.denominator == 1


def _num(value: Count) -> str:
    """A count as read out: ``1,200`` for a whole number, ``31/60`` for a share."""
    if _is_whole(value):
        return f"{int(value):,}"
    return str(value)


def _votes(value: Count) -> str:
    """``1 vote``, ``8 votes``; a fractional share is given bare (``31/60``)."""
    if not _is_whole(value):
        return str(value)
    return f"{_num(value)} vote" if value == 1 else f"{_num(value)} votes"


def _against(value: Count) -> str:
    return "none" if value == 0 else _num(value)


def _abstentions(value: Count) -> str:
    if value == 0:
        return "no abstentions"
    if not _is_whole(value):
        return f"abstentions of {value}"
    return "1 abstention" if value == 1 else f"{_num(value)} abstentions"


def _base_value(rule: _Rule, tally: Tally, electorate: Electorate) -> Count:
    if rule.base is _Base.VOTES_CAST:
        return tally.votes_cast
    if rule.base is _Base.ALL_VOTES:
        return tally.total
    if rule.base is _Base.PRESENT:
        return electorate.present
    return electorate.members


def _needed(threshold: Threshold, rule: _Rule, base: Count, whole: bool) -> str:
    """What the rule required, in words, with the number where the counts are whole."""
    if threshold is Threshold.SIMPLE_MAJORITY:
        return "more for than against"
    if threshold is Threshold.UNANIMITY:
        return "at least one vote for and none against"
    if threshold is Threshold.ABSOLUTE_MAJORITY:
        head = "more for than against and abstentions together"
    elif rule.strict:
        head = f"more than {_RATIO_WORDS[rule.ratio]} of {rule.base}"
    else:
        head = f"at least {_RATIO_WORDS[rule.ratio]} of {rule.base}"
    if base == 0:
        return f"{head} (none were cast)"
    exact = rule.ratio * base
    if not whole:
        relation = "more than" if rule.strict else "at least"
        return f"{head} ({relation} {exact} of {base})"
    # The smallest whole number of votes for that meets the rule.
    least = exact.numerator // exact.denominator + 1 if rule.strict else -(-exact // 1)
    return f"{head} ({_num(least)} of {_num(base)})"


def decide(
    tally: Tally,
    threshold: Threshold,
    electorate: Electorate,
    *,
    tie_rule: TieRule = TieRule.FALLS,
    casting_vote: Side | None = None,
    quorate: bool = True,
) -> Decision:
    """Decide a question by its threshold, tie rule and quorum.

    The rules, in the order they apply:

    1. *Quorum.* If a quorum was not present (``quorate=False``) there is no
       decision: the outcome is ``INQUORATE`` whatever the counts.
    2. *Votes cast.* If no votes were cast for or against, the question is
       lost under every threshold: a question is carried only by votes cast for
       it. This is not an equality of votes, so no casting vote is taken (the
       chair alone cannot carry a question nobody voted on).
    3. *Threshold.* Compared exactly (see :class:`Threshold`). "Votes cast"
       are for and against; abstentions are not votes cast (Citrine; RONR 12th
       ed. §44). Two-thirds and three-quarters rules are "at least", so a count
       exactly at the boundary carries (RONR §44 on the two-thirds vote).
    4. *Equality.* For the majority rules, where equality is not enough (simple
       majority: ``for == against``; absolute majority: ``for == against +
       abstain``; majority of members: ``2 * for == members``) the question is
       tied. Under ``TieRule.FALLS`` it is lost (RONR §44: a tie vote on a
       majority question is lost). Under ``TieRule.CHAIR_CASTING_VOTE`` the
       chair's casting vote decides it (Citrine: a casting vote exists only
       where the rules give one, and only on an equality of votes); the vote
       given is recorded in the decision. Citrine's convention is that a chair
       casts it to leave things as they are; that is advice to the chair, not
       a rule this function enforces.

    Raises :class:`CountError` for a tally larger than those present or on the
    roll, a tie under ``CHAIR_CASTING_VOTE`` with no ``casting_vote``, or a
    ``casting_vote`` given when it cannot decide the question (no tie, a tie
    rule without a casting vote, or an inquorate meeting).
    """
    try:
        threshold = Threshold(threshold)
    except ValueError:
        raise CountError(f"no threshold named {threshold!r}") from None
    try:
        tie_rule = TieRule(tie_rule)
    except ValueError:
        raise CountError(f"no tie rule named {tie_rule!r}") from None
    if not isinstance(tally, Tally):
        raise CountError("the tally must be a Tally")
    if not isinstance(electorate, Electorate):
        raise CountError("the electorate must be an Electorate")
    if not isinstance(quorate, bool):
        raise CountError("quorate must be True or False")
    if casting_vote is not None:
        try:
            casting_vote = Side(casting_vote)
        except ValueError:
            raise CountError(
                f"a casting vote is 'for' or 'against', not {casting_vote!r}"
            ) from None
    if tally.total > electorate.present:
        raise CountError(
            f"more votes and abstentions ({tally.total}) than members present "
            f"({electorate.present})"
        )

    rule = _RULES[threshold]
    base = _base_value(rule, tally, electorate)
    whole = all(
        _is_whole(v)
        for v in (
            tally.for_votes,
            tally.against,
            tally.abstain,
            electorate.present,
            electorate.members,
        )
    )
    needed = _needed(threshold, rule, base, whole)
    label = rule.label
    counts = (
        f"{_votes(tally.for_votes)} for and {_against(tally.against)} against, "
        f"with {_abstentions(tally.abstain)}"
    )

    def result(outcome: Outcome, tied: bool, explanation: str) -> Decision:
        return Decision(
            outcome=outcome,
            threshold=threshold,
            tie_rule=tie_rule,
            tally=tally,
            electorate=electorate,
            tied=tied,
            casting_vote=casting_vote,
            quorate=quorate,
            needed=needed,
            explanation=explanation,
        )

    def no_casting_vote(why: str) -> None:
        if casting_vote is not None:
            raise CountError(f"a casting vote cannot be given: {why}")

    if not quorate:
        no_casting_vote("the meeting is inquorate, so there is no decision to make")
        return result(
            Outcome.INQUORATE,
            False,
            f"No decision: a quorum was not present, so the count ({counts}) "
            f"does not decide the question under {label}.",
        )

    if tally.votes_cast == 0:
        no_casting_vote("no votes were cast, which is not an equality of votes")
        return result(
            Outcome.LOST,
            False,
            f"Lost: no votes were cast for or against, with {_abstentions(tally.abstain)}, "
            f"and a question is carried only by votes cast for it ({label}).",
        )

    scaled_for = rule.ratio.denominator * tally.for_votes
    scaled_base = rule.ratio.numerator * base
    tied = rule.strict and scaled_for == scaled_base
    carried = scaled_for > scaled_base if rule.strict else scaled_for >= scaled_base

    if not tied:
        no_casting_vote(f"there is no equality of votes ({counts})")
        if carried:
            return result(
                Outcome.CARRIED,
                False,
                f"Carried by {_votes(tally.for_votes)} to {_against(tally.against)}, "
                f"with {_abstentions(tally.abstain)} ({label}).",
            )
        return result(
            Outcome.LOST,
            False,
            f"Lost under {label}: {counts}; it needed {needed}.",
        )

    tie_phrase = _TIE_PHRASES[rule.base]
    if tie_rule is TieRule.FALLS:
        no_casting_vote("these standing orders give the chair no casting vote")
        return result(
            Outcome.LOST,
            True,
            f"Lost under {label}: {counts}; {tie_phrase}, "
            "and on an equality of votes the question is not carried.",
        )
    if casting_vote is None:
        raise CountError("the votes are equal: the chair must give a casting vote")
    outcome = Outcome.CARRIED if casting_vote is Side.FOR else Outcome.LOST
    return result(
        outcome,
        True,
        f"{outcome.capitalize()} on the chair's casting vote under {label}: {counts}; "
        f"{tie_phrase}, and the chair's casting vote was {casting_vote}.",
    )
