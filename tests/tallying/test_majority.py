"""Decisions on questions: thresholds, ties, casting votes, quorum (tallying.majority)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tallying.errors import CountError
from tallying.majority import (
    Decision,
    Electorate,
    Outcome,
    Side,
    Tally,
    Threshold,
    TieRule,
    decide,
)

pytestmark = pytest.mark.unit

S = Threshold.SIMPLE_MAJORITY
ROOM = Electorate(present=20, members=30)


def carried(
    for_votes: int,
    against: int,
    abstain: int = 0,
    threshold: Threshold = S,
    electorate: Electorate = ROOM,
) -> bool:
    return decide(Tally(for_votes, against, abstain), threshold, electorate).carried


# --- the published cases ---------------------------------------------------------------------


def test_amendment_carried_8_to_5_with_no_abstentions() -> None:
    decision = decide(Tally(8, 5, 0), S, Electorate(present=13, members=20))
    assert decision.outcome is Outcome.CARRIED
    assert decision.threshold == "simple_majority_of_votes_cast"
    assert not decision.tied
    assert decision.casting_vote is None
    assert decision.needed == "more for than against"
    assert decision.explanation == (
        "Carried by 8 votes to 5, with no abstentions (simple majority of votes cast)."
    )


def test_substantive_motion_carried_9_to_5_with_1_abstention() -> None:
    decision = decide(Tally(9, 5, 1), S, Electorate(present=15, members=20))
    assert decision.outcome is Outcome.CARRIED
    assert decision.explanation == (
        "Carried by 9 votes to 5, with 1 abstention (simple majority of votes cast)."
    )


# --- each threshold at and around its boundary -----------------------------------------------


@pytest.mark.parametrize(
    ("for_votes", "against", "abstain", "expected"),
    [(6, 5, 0, True), (5, 5, 0, False), (4, 5, 0, False), (6, 5, 9, True), (1, 0, 0, True)],
)
def test_simple_majority_boundary(
    for_votes: int, against: int, abstain: int, expected: bool
) -> None:
    assert carried(for_votes, against, abstain) is expected


@pytest.mark.parametrize(
    ("for_votes", "against", "abstain", "expected"),
    # for > against + abstain: 8 > 5 + 2 carries, 7 == 5 + 2 is a tie, 6 < 7 is lost
    [(8, 5, 2, True), (7, 5, 2, False), (6, 5, 2, False), (6, 5, 0, True)],
)
def test_absolute_majority_boundary(
    for_votes: int, against: int, abstain: int, expected: bool
) -> None:
    assert carried(for_votes, against, abstain, Threshold.ABSOLUTE_MAJORITY) is expected


@pytest.mark.parametrize(
    ("members", "for_votes", "expected"),
    [(30, 16, True), (30, 15, False), (31, 16, True), (31, 15, False)],
)
def test_majority_of_members_boundary(members: int, for_votes: int, expected: bool) -> None:
    electorate = Electorate(present=members, members=members)
    got = carried(for_votes, 0, 0, Threshold.MAJORITY_OF_MEMBERS, electorate)
    assert got is expected


def test_majority_of_members_ignores_turnout() -> None:
    """16 of 30 members carry it even if nobody else voted; 15 for to 0 against does not."""
    electorate = Electorate(present=16, members=30)
    assert carried(16, 0, 0, Threshold.MAJORITY_OF_MEMBERS, electorate)
    assert not carried(15, 0, 1, Threshold.MAJORITY_OF_MEMBERS, electorate)


@pytest.mark.parametrize(
    ("for_votes", "against", "expected"),
    # exactly two-thirds carries; one below does not
    [
        (10, 5, True),
        (9, 5, False),
        (11, 5, True),
        (2, 1, True),
        (1, 1, False),
        (20, 10, True),
        (19, 10, False),
    ],
)
def test_two_thirds_of_votes_cast_boundary(for_votes: int, against: int, expected: bool) -> None:
    hall = Electorate(present=40, members=40)
    assert carried(for_votes, against, 3, Threshold.TWO_THIRDS_OF_VOTES_CAST, hall) is expected


@pytest.mark.parametrize(
    ("for_votes", "against", "expected"),
    [(15, 5, True), (14, 5, False), (3, 1, True), (2, 1, False)],
)
def test_three_quarters_of_votes_cast_boundary(
    for_votes: int, against: int, expected: bool
) -> None:
    assert carried(for_votes, against, 0, Threshold.THREE_QUARTERS_OF_VOTES_CAST) is expected


@pytest.mark.parametrize(
    ("threshold", "present", "at_boundary"),
    [
        (Threshold.TWO_THIRDS_OF_PRESENT, 21, 14),
        (Threshold.TWO_THIRDS_OF_PRESENT, 20, 14),  # 40/3 rounds up to 14
        (Threshold.THREE_QUARTERS_OF_PRESENT, 20, 15),
        (Threshold.THREE_QUARTERS_OF_PRESENT, 21, 16),  # 63/4 rounds up to 16
    ],
)
def test_fractions_of_present_boundary(
    threshold: Threshold, present: int, at_boundary: int
) -> None:
    electorate = Electorate(present=present, members=40)
    assert carried(at_boundary, 0, 0, threshold, electorate)
    assert not carried(at_boundary - 1, 0, 0, threshold, electorate)


def test_fraction_of_present_counts_those_who_did_not_vote() -> None:
    """14 for to 0 against is all the votes cast but not two-thirds of 24 present."""
    electorate = Electorate(present=24, members=40)
    assert not carried(14, 0, 0, Threshold.TWO_THIRDS_OF_PRESENT, electorate)
    assert carried(14, 0, 0, Threshold.TWO_THIRDS_OF_VOTES_CAST, electorate)


@pytest.mark.parametrize(
    ("threshold", "members", "at_boundary"),
    [
        (Threshold.TWO_THIRDS_OF_MEMBERS, 30, 20),
        (Threshold.TWO_THIRDS_OF_MEMBERS, 31, 21),
        (Threshold.THREE_QUARTERS_OF_MEMBERS, 40, 30),
        (Threshold.THREE_QUARTERS_OF_MEMBERS, 41, 31),
    ],
)
def test_fractions_of_members_boundary(
    threshold: Threshold, members: int, at_boundary: int
) -> None:
    electorate = Electorate(present=members, members=members)
    assert carried(at_boundary, 0, 0, threshold, electorate)
    assert not carried(at_boundary - 1, 0, 0, threshold, electorate)


@pytest.mark.parametrize(
    ("for_votes", "against", "abstain", "expected"),
    [(1, 0, 0, True), (12, 0, 5, True), (12, 1, 0, False), (0, 0, 4, False)],
)
def test_unanimity(for_votes: int, against: int, abstain: int, expected: bool) -> None:
    assert carried(for_votes, against, abstain, Threshold.UNANIMITY) is expected


def test_needed_gives_the_number_for_two_thirds() -> None:
    decision = decide(Tally(10, 5, 0), Threshold.TWO_THIRDS_OF_VOTES_CAST, ROOM)
    assert decision.needed == "at least 2/3 of votes cast (10 of 15)"
    lost = decide(Tally(9, 5, 1), Threshold.TWO_THIRDS_OF_VOTES_CAST, ROOM)
    assert lost.outcome is Outcome.LOST
    assert lost.explanation == (
        "Lost under two-thirds of votes cast: 9 votes for and 5 against, with 1 abstention; "
        "it needed at least 2/3 of votes cast (10 of 14)."
    )


def test_needed_for_majority_of_members() -> None:
    decision = decide(Tally(15, 2), Threshold.MAJORITY_OF_MEMBERS, ROOM)
    assert decision.needed == "more than half of all members (16 of 30)"


def test_lost_explanation_under_simple_majority() -> None:
    decision = decide(Tally(5, 8, 2), S, ROOM)
    assert decision.outcome is Outcome.LOST
    assert decision.explanation == (
        "Lost under simple majority of votes cast: 5 votes for and 8 against, "
        "with 2 abstentions; it needed more for than against."
    )


def test_large_card_vote_reads_with_separators() -> None:
    decision = decide(Tally(412_000, 380_500, 1_000), S, Electorate(900_000, 1_000_000))
    assert decision.explanation == (
        "Carried by 412,000 votes to 380,500, with 1,000 abstentions "
        "(simple majority of votes cast)."
    )


def test_one_vote_to_none() -> None:
    decision = decide(Tally(1, 0), S, ROOM)
    assert decision.explanation == (
        "Carried by 1 vote to none, with no abstentions (simple majority of votes cast)."
    )


# --- equality of votes and the casting vote ---------------------------------------------------


def test_tie_falls() -> None:
    decision = decide(Tally(6, 6, 1), S, ROOM)
    assert decision.outcome is Outcome.LOST
    assert decision.tied
    assert decision.casting_vote is None
    assert decision.explanation == (
        "Lost under simple majority of votes cast: 6 votes for and 6 against, with 1 abstention; "
        "the votes for and against are equal, and on an equality of votes the question is not "
        "carried."
    )


@pytest.mark.parametrize(
    ("side", "outcome"), [(Side.FOR, Outcome.CARRIED), (Side.AGAINST, Outcome.LOST)]
)
def test_casting_vote_decides_a_tie(side: Side, outcome: Outcome) -> None:
    decision = decide(Tally(6, 6), S, ROOM, tie_rule=TieRule.CHAIR_CASTING_VOTE, casting_vote=side)
    assert decision.outcome is outcome
    assert decision.tied
    assert decision.casting_vote is side
    assert decision.tie_rule is TieRule.CHAIR_CASTING_VOTE
    assert decision.explanation.startswith(f"{outcome.capitalize()} on the chair's casting vote")
    assert decision.explanation.endswith(f"the chair's casting vote was {side}.")


def test_casting_vote_required_on_a_tie() -> None:
    with pytest.raises(CountError, match="the votes are equal: the chair must give a casting vote"):
        decide(Tally(6, 6), S, ROOM, tie_rule=TieRule.CHAIR_CASTING_VOTE)


def test_casting_vote_refused_without_a_tie() -> None:
    with pytest.raises(CountError, match="no equality of votes"):
        decide(Tally(7, 6), S, ROOM, tie_rule=TieRule.CHAIR_CASTING_VOTE, casting_vote=Side.AGAINST)


def test_casting_vote_refused_when_ties_fall() -> None:
    with pytest.raises(CountError, match="no casting vote"):
        decide(Tally(6, 6), S, ROOM, tie_rule=TieRule.FALLS, casting_vote=Side.FOR)


def test_absolute_majority_tie_takes_a_casting_vote() -> None:
    tally = Tally(7, 5, 2)  # 7 == 5 + 2
    assert decide(tally, Threshold.ABSOLUTE_MAJORITY, ROOM).tied
    decision = decide(
        tally,
        Threshold.ABSOLUTE_MAJORITY,
        ROOM,
        tie_rule=TieRule.CHAIR_CASTING_VOTE,
        casting_vote=Side.FOR,
    )
    assert decision.outcome is Outcome.CARRIED


def test_majority_of_members_tie_takes_a_casting_vote() -> None:
    electorate = Electorate(present=20, members=20)
    decision = decide(
        Tally(10, 9),
        Threshold.MAJORITY_OF_MEMBERS,
        electorate,
        tie_rule=TieRule.CHAIR_CASTING_VOTE,
        casting_vote=Side.FOR,
    )
    assert decision.tied
    assert decision.outcome is Outcome.CARRIED


@pytest.mark.parametrize(
    "threshold",
    [
        Threshold.TWO_THIRDS_OF_VOTES_CAST,
        Threshold.TWO_THIRDS_OF_PRESENT,
        Threshold.TWO_THIRDS_OF_MEMBERS,
        Threshold.THREE_QUARTERS_OF_VOTES_CAST,
        Threshold.UNANIMITY,
    ],
)
def test_at_least_rules_have_no_tie(threshold: Threshold) -> None:
    """Equality at a two-thirds boundary carries, so it is never a tie to be broken."""
    electorate = Electorate(present=15, members=15)
    decision = decide(Tally(10, 5), threshold, electorate, tie_rule=TieRule.CHAIR_CASTING_VOTE)
    assert not decision.tied
    with pytest.raises(CountError):
        decide(
            Tally(10, 5),
            threshold,
            electorate,
            tie_rule=TieRule.CHAIR_CASTING_VOTE,
            casting_vote=Side.FOR,
        )


# --- quorum, zero votes ------------------------------------------------------------------------


def test_inquorate_is_no_decision_whatever_the_counts() -> None:
    for tally in (Tally(10, 0), Tally(0, 10), Tally(5, 5), Tally(0, 0)):
        decision = decide(tally, S, ROOM, quorate=False)
        assert decision.outcome is Outcome.INQUORATE
        assert not decision.quorate
        assert not decision.tied
        assert decision.explanation.startswith("No decision: a quorum was not present")


def test_inquorate_refuses_a_casting_vote() -> None:
    with pytest.raises(CountError, match="inquorate"):
        decide(
            Tally(5, 5),
            S,
            ROOM,
            tie_rule=TieRule.CHAIR_CASTING_VOTE,
            casting_vote=Side.FOR,
            quorate=False,
        )


@pytest.mark.parametrize("threshold", list(Threshold))
def test_zero_votes_cast_is_lost_under_every_threshold(threshold: Threshold) -> None:
    decision = decide(Tally(0, 0, 2), threshold, Electorate(present=2, members=2))
    assert decision.outcome is Outcome.LOST
    assert not decision.tied


def test_zero_votes_cast_says_so() -> None:
    decision = decide(Tally(0, 0), S, ROOM, tie_rule=TieRule.CHAIR_CASTING_VOTE)
    assert decision.outcome is Outcome.LOST
    assert not decision.tied
    assert decision.explanation == (
        "Lost: no votes were cast for or against, with no abstentions, and a question is "
        "carried only by votes cast for it (simple majority of votes cast)."
    )
    with pytest.raises(CountError, match="no votes were cast"):
        decide(Tally(0, 0), S, ROOM, tie_rule=TieRule.CHAIR_CASTING_VOTE, casting_vote=Side.FOR)


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        (-1, 0, 0),
        (0, -1, 0),
        (0, 0, -1),
        (True, 0, 0),
        (0, False, 0),
        (1.5, 0, 0),
        ("3", 0, 0),
        (Fraction(-1, 2), 0, 0),
    ],
)
def test_tally_rejects_bad_counts(values: tuple[object, object, object]) -> None:
    with pytest.raises(CountError):
        Tally(*values)  # type: ignore[arg-type]


def test_tally_accepts_fractions() -> None:
    tally = Tally(Fraction(1, 3), Fraction(1, 6), Fraction(0))
    assert tally.votes_cast == Fraction(1, 2)


@pytest.mark.parametrize("values", [(-1, 5), (5, 0), (6, 5), (True, 5), (1, 2.0)])
def test_electorate_rejects_bad_values(values: tuple[object, object]) -> None:
    with pytest.raises(CountError):
        Electorate(*values)  # type: ignore[arg-type]


def test_more_votes_than_present_is_refused() -> None:
    with pytest.raises(CountError, match="than members present"):
        decide(Tally(10, 10, 1), S, ROOM)


def test_threshold_and_side_accept_their_names() -> None:
    decision = decide(
        Tally(3, 3),
        "simple_majority_of_votes_cast",  # type: ignore[arg-type]
        ROOM,
        tie_rule="chair_casting_vote",  # type: ignore[arg-type]
        casting_vote="for",  # type: ignore[arg-type]
    )
    assert decision.threshold is Threshold.SIMPLE_MAJORITY
    assert decision.casting_vote is Side.FOR
    with pytest.raises(CountError, match="no threshold named"):
        decide(Tally(3, 3), "most_votes", ROOM)  # type: ignore[arg-type]


def test_decision_is_frozen() -> None:
    decision = decide(Tally(3, 1), S, ROOM)
    assert isinstance(decision, Decision)
    with pytest.raises(AttributeError):
        decision.outcome = Outcome.LOST  # type: ignore[misc]


# --- properties ------------------------------------------------------------------------------

SMALL = st.integers(min_value=0, max_value=40)


@st.composite
def situations(draw: st.DrawFn) -> tuple[Tally, Electorate]:
    """A tally with an electorate that can hold it: votes <= present <= members."""
    tally = Tally(draw(SMALL), draw(SMALL), draw(SMALL))
    present = tally.total + draw(SMALL)
    members = max(present + draw(SMALL), 1)
    return tally, Electorate(present=present, members=members)


def brute_force(threshold: Threshold, f: int, a: int, ab: int, present: int, members: int) -> bool:
    """Each rule written a second way: as a share compared with a Fraction, or by enumeration."""
    cast = f + a
    if cast == 0:
        return False
    if threshold is Threshold.SIMPLE_MAJORITY:
        return Fraction(f, cast) > Fraction(1, 2)
    if threshold is Threshold.ABSOLUTE_MAJORITY:
        return Fraction(f, f + a + ab) > Fraction(1, 2)
    if threshold is Threshold.MAJORITY_OF_MEMBERS:
        # the least number that is more than half the roll, found by counting up
        return f >= next(k for k in range(members + 2) if k + k > members)
    if threshold is Threshold.TWO_THIRDS_OF_VOTES_CAST:
        return Fraction(f, cast) >= Fraction(2, 3)
    if threshold is Threshold.TWO_THIRDS_OF_PRESENT:
        return Fraction(f, present) >= Fraction(2, 3)
    if threshold is Threshold.TWO_THIRDS_OF_MEMBERS:
        return Fraction(f, members) >= Fraction(2, 3)
    if threshold is Threshold.THREE_QUARTERS_OF_VOTES_CAST:
        return Fraction(f, cast) >= Fraction(3, 4)
    if threshold is Threshold.THREE_QUARTERS_OF_PRESENT:
        return Fraction(f, present) >= Fraction(3, 4)
    if threshold is Threshold.THREE_QUARTERS_OF_MEMBERS:
        return Fraction(f, members) >= Fraction(3, 4)
    return a == 0  # unanimity: every vote cast is for, and at least one was cast


@given(situations(), st.sampled_from(list(Threshold)))
def test_every_threshold_agrees_with_its_definition(
    situation: tuple[Tally, Electorate], threshold: Threshold
) -> None:
    """ "Two-thirds of votes cast" means for/(for+against) >= 2/3, and likewise for every
    rule: each threshold agrees with an independent definition, ties falling."""
    tally, electorate = situation
    f, a, ab = int(tally.for_votes), int(tally.against), int(tally.abstain)
    expected = brute_force(threshold, f, a, ab, int(electorate.present), int(electorate.members))
    assert decide(tally, threshold, electorate).carried is expected


def settle(
    tally: Tally, threshold: Threshold, electorate: Electorate, chair: Side | None
) -> Outcome:
    """Decide, giving the chair's casting vote ``chair`` only where the votes are equal."""
    if chair is None:
        return decide(tally, threshold, electorate).outcome
    tied = decide(tally, threshold, electorate).tied
    return decide(
        tally,
        threshold,
        electorate,
        tie_rule=TieRule.CHAIR_CASTING_VOTE,
        casting_vote=chair if tied else None,
    ).outcome


@given(situations(), st.sampled_from(list(Threshold)), st.sampled_from([None, *Side]))
def test_one_more_vote_for_never_loses(
    situation: tuple[Tally, Electorate], threshold: Threshold, chair: Side | None
) -> None:
    """Monotonicity: if a question is carried, one more vote for it (from someone present
    who had not voted) still carries it, whether ties fall or the chair casts a vote."""
    tally, electorate = situation
    assume(tally.total < electorate.present)
    before = settle(tally, threshold, electorate, chair)
    after = settle(
        Tally(tally.for_votes + 1, tally.against, tally.abstain), threshold, electorate, chair
    )
    if before is Outcome.CARRIED:
        assert after is Outcome.CARRIED


@given(situations(), st.integers(min_value=0, max_value=40))
def test_abstentions_never_change_a_simple_majority(
    situation: tuple[Tally, Electorate], extra: int
) -> None:
    """Simple majority of votes cast: "abstentions are not votes cast", so any number of
    abstentions gives the same outcome and the same tie."""
    tally, electorate = situation
    more = Tally(tally.for_votes, tally.against, tally.abstain + extra)
    roomier = Electorate(electorate.present + extra, electorate.members + extra)
    before = decide(tally, S, electorate)
    after = decide(more, S, roomier)
    assert (after.outcome, after.tied) == (before.outcome, before.tied)


@given(situations(), st.sampled_from(list(Threshold)))
def test_inquorate_whatever_the_counts(
    situation: tuple[Tally, Electorate], threshold: Threshold
) -> None:
    """Without a quorum there is no decision, whatever the counts."""
    tally, electorate = situation
    decision = decide(tally, threshold, electorate, quorate=False)
    assert decision.outcome is Outcome.INQUORATE


@given(situations())
def test_a_tie_is_exact_equality(situation: tuple[Tally, Electorate]) -> None:
    """Simple majority: a tie is for == against, with at least one vote cast; nothing else."""
    tally, electorate = situation
    decision = decide(tally, S, electorate)
    assert decision.tied is (tally.for_votes == tally.against and tally.votes_cast > 0)
