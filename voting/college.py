"""Electoral colleges: each section's votes make up that section's share of the result.

A body defines its college once (for example 50% affiliates and 50%
constituency parties, or three sections of a third each, whatever their
sizes); a ``college`` ballot then counts each section separately and
combines the sections by share (``tallying.college``: each vote cast in a
section is worth share ÷ that section's votes cast, in exact fractions).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from tallying.college import Section, combine, decide_college
from tallying.errors import CountError
from tallying.majority import Decision, Side, Tally, Threshold, TieRule
from voting import events as ev
from voting.body import check_name, require_founded, require_officer
from voting.commands import DefineCollege
from voting.errors import DomainError, InconsistentEvent, InvalidVote, OutOfOrder
from voting.state import Ballot, BallotMethod, BodyState, with_

__all__ = ["college_decision", "define_college", "section_figures", "sections_of"]


def _sections(pairs: tuple[tuple[str, str], ...]) -> tuple[Section, ...]:
    sections: list[Section] = []
    for pair in pairs:
        if len(pair) != 2:
            raise DomainError("a college section is a (name, share) pair")
        name, share = pair
        check_name(name, "section")
        try:
            value = Fraction(share)
        except (ValueError, ZeroDivisionError):
            raise DomainError(f"a section's share looks like 1/2, not {share!r}") from None
        try:
            sections.append(Section(name, value))
        except CountError as refusal:
            raise DomainError(str(refusal)) from refusal
    try:
        # checks that the names are distinct and the shares add up to 1
        combine(sections, {section.name: Tally(0, 0) for section in sections})
    except CountError as refusal:
        raise DomainError(f"that college cannot be used: {refusal}") from refusal
    return tuple(sections)


def sections_of(state: BodyState) -> tuple[Section, ...]:
    """The body's college; refuses when none is defined."""
    if not state.college:
        raise OutOfOrder(f"{state.name} has no electoral college defined")
    return _sections(state.college)


def define_college(state: BodyState, cmd: DefineCollege) -> list[ev.Event]:
    require_founded(state)
    require_officer(state, cmd.by)
    _sections(cmd.sections)
    for ballot in state.ballots.values():
        if ballot.method == BallotMethod.COLLEGE and not ballot.closed:
            raise OutOfOrder("a college vote is open: the college cannot change now")
    pairs = tuple((name, str(Fraction(share))) for name, share in cmd.sections)
    return [ev.CollegeDefined(cmd.at, pairs, cmd.by)]


def evolve_defined(state: BodyState, e: ev.CollegeDefined) -> BodyState:
    try:
        _sections(e.sections)
    except DomainError as refusal:
        raise InconsistentEvent(f"the logged college is not valid: {refusal}") from refusal
    return with_(state, college=e.sections)


def section_tallies(state: BodyState, ballot: Ballot) -> Mapping[str, Tally]:
    """Each section's own for/against/abstain, from the members' votes."""
    totals: dict[str, list[int]] = {section.name: [0, 0, 0] for section in sections_of(state)}
    for member, split in ballot.votes.items():
        row = totals[state.member(member).section]
        for i in range(3):
            row[i] += split[i]
    return {name: Tally(*row) for name, row in totals.items()}


def section_figures(
    state: BodyState, ballot: Ballot
) -> tuple[tuple[str, str, int, int, int, str, str], ...]:
    """A college vote's working, logged with its close: each section's weight for, against
    and abstaining, and its part of the combined result (``tallying.college.combine``)."""
    if ballot.method != BallotMethod.COLLEGE:
        return ()
    sections = sections_of(state)
    try:
        result = combine(sections, section_tallies(state, ballot))
    except CountError as refusal:
        raise InvalidVote(str(refusal)) from refusal
    shares = {section.name: section.share for section in sections}
    return tuple(
        (name, str(shares[name]), int(raw.for_votes), int(raw.against), int(raw.abstain),
         str(part.for_votes), str(part.against))
        for name, raw, part in result.by_section
    )


def college_decision(state: BodyState, ballot: Ballot, casting: Side | None) -> Decision:
    """The named rule applied to the combined shares of every section."""
    try:
        _, decision = decide_college(
            sections_of(state),
            section_tallies(state, ballot),
            Threshold(ballot.threshold),
            tie_rule=TieRule(ballot.tie_rule),
            casting_vote=casting,
        )
    except CountError as refusal:
        raise InvalidVote(str(refusal)) from refusal
    return decision
