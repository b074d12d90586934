"""A members' ballot outside a meeting, run through the public names only.

An officer calls it for a window; the electorate is every member who may vote as it is
called; members vote with ``CastVote`` inside the window (sealed on a secret ballot); the
close, no earlier than the end of the window, declares the result by the standing orders'
motion threshold or the question's own rule; a petition that met its threshold may
trigger it (docs/counting.md, "Members' ballots").
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voting import (
    AdmitMember,
    AdmitMembers,
    AlreadyExists,
    AlreadyVoted,
    BallotClosed,
    BallotMethod,
    BodyState,
    CastVote,
    CloseBallot,
    ClosePetition,
    Command,
    FoundBody,
    InconsistentEvent,
    NotEntitled,
    OpenMembersBallot,
    OpenPetition,
    OutOfOrder,
    SignPetition,
    SuspendMember,
    decide,
    events,
    execute,
    from_entry,
    mark_key,
    minutes_of,
    replay,
    to_entry,
)

pytestmark = pytest.mark.unit

SEC = "sec"
DAY = "2026-06-0{}T{:02d}:00:00Z"


def when(day: int, hour: int = 12) -> str:
    return DAY.format(day, hour)


def secret_of(ballot: str) -> str:
    return hashlib.sha256(f"members' ballot secret\n{ballot}".encode()).hexdigest()


class Body:
    """A body and its log, acted on through ``execute``."""

    def __init__(self, members: int = 5, *, weights: tuple[int, ...] = ()) -> None:
        self.state = BodyState()
        self.log: list[events.Event] = []
        self.do(FoundBody(when(1, 8), SEC, name="National Party"))
        self.do(AdmitMember(when(1, 8), SEC, member=SEC, name="Sam Secretary",
                            roles=("secretary",)))  # fmt: skip
        rows = tuple(
            (f"m{n}", f"Member {n}", weights[n - 1] if weights else 1, "", ("member",))
            for n in range(1, members + 1)
        )
        self.do(AdmitMembers(when(1, 8), SEC, members=rows))

    def do(self, command: Command) -> tuple[events.Event, ...]:
        self.state, new = execute(self.state, command)
        self.log.extend(new)
        return new

    def refuse(self, error: type[Exception], command: Command) -> str:
        before = self.state
        snapshot = copy.deepcopy(before)
        with pytest.raises(error) as raised:
            decide(before, command)
        assert self.state is before and before == snapshot
        return str(raised.value)

    def call(self, ballot: str = "mb", **fields: Any) -> events.MembersBallotOpened:
        fields.setdefault("question", "That the party affiliates to the federation.")
        fields.setdefault("opens_at", when(2, 9))
        fields.setdefault("closes_at", when(4, 17))
        opened = self.do(OpenMembersBallot(fields.pop("at", when(1, 9)), SEC, ballot=ballot,
                                           **fields))  # fmt: skip
        assert isinstance(opened[0], events.MembersBallotOpened)
        return opened[0]

    def vote(self, member: str, choice: str, at: str = "", ballot: str = "mb") -> None:
        self.do(CastVote(at or when(3), member, ballot=ballot, choice=choice))

    def replayed(self) -> BodyState:
        return replay(from_entry(to_entry(n, e))[1] for n, e in enumerate(self.log))


def test_a_recorded_members_ballot_is_declared_at_the_close() -> None:
    body = Body(5)
    opened = body.call()
    assert opened.roll == tuple((m, 1) for m in ("m1", "m2", "m3", "m4", "m5", SEC))
    assert opened.members == 6 and opened.threshold == "simple_majority_of_votes_cast"
    for member, choice in (("m1", "for"), ("m2", "for"), ("m3", "against"), (SEC, "abstain")):
        body.vote(member, choice)
    ballot = body.state.ballots["mb"]
    assert ballot.result is None and not ballot.closed  # no result while it is open
    assert len(ballot.votes) == 4  # the turnout is a count
    closed = body.do(CloseBallot(when(4, 17), SEC, ballot="mb"))
    assert len(closed) == 1 and isinstance(closed[0], events.BallotClosed)
    assert (closed[0].for_votes, closed[0].against, closed[0].abstain) == (2, 1, 1)
    assert closed[0].outcome == "carried" and closed[0].present_at_close == ()
    result = body.state.ballots["mb"].result
    assert result is not None and result.carried
    assert body.replayed() == body.state


def test_the_electorate_is_fixed_as_the_ballot_is_called() -> None:
    body = Body(3)
    body.call()
    body.do(AdmitMember(when(1, 10), SEC, member="late", name="Late Joiner"))
    message = body.refuse(NotEntitled, CastVote(when(3), "late", ballot="mb", choice="for"))
    assert "not on the roll" in message
    body.do(SuspendMember(when(1, 11), SEC, member="m1", reason="arrears"))
    assert "suspended" in body.refuse(NotEntitled, CastVote(when(3), "m1", ballot="mb",
                                                             choice="for"))  # fmt: skip
    assert len(body.state.ballots["mb"].roll) == 4


def test_votes_count_only_inside_the_window() -> None:
    body = Body(3)
    body.call(opens_at=when(2, 9), closes_at=when(2, 17))
    early = body.refuse(BallotClosed, CastVote(when(2, 8), "m1", ballot="mb", choice="for"))
    assert "opens at 2026-06-02T09:00:00Z" in early and "too early" in early
    body.vote("m1", "for", when(2, 9))  # at the opening: in time
    body.vote("m2", "for", "2026-06-02T16:59:59.5Z")  # just before the close: in time
    late = body.refuse(BallotClosed, CastVote(when(2, 17), "m3", ballot="mb", choice="for"))
    assert "closed for votes at 2026-06-02T17:00:00Z" in late and "too late" in late


def test_the_close_comes_no_earlier_than_the_end_of_the_window_and_by_an_officer() -> None:
    body = Body(3)
    body.call(closes_at=when(4, 17))
    body.vote("m1", "for")
    assert "not before" in body.refuse(OutOfOrder, CloseBallot(when(4, 16), SEC, ballot="mb"))
    assert "chair or secretary" in body.refuse(
        NotEntitled, CloseBallot(when(4, 18), "m1", ballot="mb"))
    body.do(CloseBallot(when(4, 18), SEC, ballot="mb"))
    assert "closed" in body.refuse(BallotClosed, CastVote(when(4, 18), "m2", ballot="mb",
                                                          choice="for"))  # fmt: skip


def test_an_equality_of_votes_is_not_carried() -> None:
    body = Body(3)
    body.call()
    body.vote("m1", "for")
    body.vote("m2", "against")
    closed = body.do(CloseBallot(when(4, 17), SEC, ballot="mb"))[0]
    assert isinstance(closed, events.BallotClosed)
    assert closed.tied and closed.outcome == "lost" and closed.casting_vote == ""


def test_the_questions_own_rule_decides_it() -> None:
    body = Body(5)
    opened = body.call(threshold="two_thirds_of_votes_cast")
    assert opened.threshold == "two_thirds_of_votes_cast" and opened.rule == opened.threshold
    for member, choice in (("m1", "for"), ("m2", "for"), ("m3", "for"), ("m4", "against"),
                           ("m5", "against")):  # fmt: skip
        body.vote(member, choice)
    closed = body.do(CloseBallot(when(4, 17), SEC, ballot="mb"))[0]
    assert isinstance(closed, events.BallotClosed) and closed.outcome == "lost"  # 3 of 5 < 2/3
    minutes = minutes_of(body.state, body.log).markdown(None)
    assert "Rule: `two_thirds_of_votes_cast` (its own, given as it was called)" in minutes
    assert "Decided by `two_thirds_of_votes_cast`" in minutes
    assert "3 for, 2 against, 0 abstaining, of an electorate of 6" in minutes


def test_a_rule_the_standing_orders_do_not_allow_is_refused() -> None:
    body = Body(3)
    message = body.refuse(OutOfOrder, OpenMembersBallot(
        when(1, 9), SEC, ballot="mb", question="Q", opens_at=when(2), closes_at=when(3),
        threshold="three_quarters_of_present"))  # fmt: skip
    assert "do not let a members' ballot carry" in message


def test_a_weighted_ballot_counts_each_members_weight() -> None:
    body = Body(3, weights=(5, 2, 1))
    opened = body.call(weighted=True)
    assert opened.members == 9 and ("m1", 5) in opened.roll and (SEC, 1) in opened.roll
    body.vote("m1", "against")
    body.vote("m2", "for")
    body.vote("m3", "for")
    closed = body.do(CloseBallot(when(4, 17), SEC, ballot="mb"))[0]
    assert isinstance(closed, events.BallotClosed)
    assert (closed.for_votes, closed.against, closed.outcome) == (3, 5, "lost")
    assert body.replayed() == body.state


def test_a_secret_members_ballot_is_sealed_and_opened_at_the_close() -> None:
    body = Body(3)
    body.call(method="secret")
    papers = []
    for n, (member, choice) in enumerate((("m1", "for"), ("m2", "against"), ("m3", "for"))):
        tracker = f"{n:02x}" * 16
        cast = body.do(CastVote(when(3), member, ballot="mb", choice=choice, tracker=tracker,
                                mark_key=mark_key(secret_of("mb"), member)))  # fmt: skip
        assert isinstance(cast[0], events.SecretVoteCast)  # names nobody
        papers.append((tracker, choice))
    assert len(body.state.ballots["mb"].marks) == 3  # the turnout while open
    closed = body.do(CloseBallot(when(4, 17), SEC, ballot="mb", papers=tuple(papers),
                                 ballot_secret=secret_of("mb")))[0]  # fmt: skip
    assert isinstance(closed, events.BallotClosed)
    assert (closed.for_votes, closed.against, closed.outcome) == (2, 1, "carried")
    assert closed.voters == (("m1", "m1"), ("m2", "m2"), ("m3", "m3"))
    minutes = minutes_of(body.state, body.log).markdown(None)
    assert "3 ballot papers published" in minutes and "Voted (3): Member 1, Member 2" in minutes
    assert body.replayed() == body.state


def test_a_petition_that_met_its_threshold_triggers_one_ballot() -> None:
    body = Body(4)
    body.do(OpenPetition(when(1, 9), "m1", petition="pet", text="Ballot the members.",
                         number=2))  # fmt: skip
    body.do(OpenPetition(when(1, 9), "m1", petition="few", text="Ballot them.", number=3))
    for member in ("m1", "m2"):
        body.do(SignPetition(when(1, 9), member, petition="pet"))
    body.do(SignPetition(when(1, 9), "m1", petition="few"))
    command = OpenMembersBallot(when(1, 10), SEC, ballot="mb", question="Q", opens_at=when(2),
                                closes_at=when(3), petition="pet")  # fmt: skip
    assert "has not closed" in body.refuse(OutOfOrder, command)
    body.do(ClosePetition(when(1, 10), SEC, petition="pet"))
    body.do(ClosePetition(when(1, 10), SEC, petition="few"))
    failed = dataclasses.replace(command, petition="few")
    assert "without meeting its threshold (1 of 3" in body.refuse(OutOfOrder, failed)
    opened = body.do(command)[0]
    assert isinstance(opened, events.MembersBallotOpened) and opened.petition == "pet"
    again = dataclasses.replace(command, ballot="mb2")
    assert "already triggered the members' ballot 'mb'" in body.refuse(AlreadyExists, again)
    minutes = minutes_of(body.state, body.log).markdown(None)
    assert "on the petition 'pet', which met its threshold" in minutes


def test_the_minutes_show_the_question_window_electorate_result_and_names() -> None:
    body = Body(3)
    body.call()
    body.vote("m1", "for")
    body.vote("m2", "against")
    body.vote("m3", "for")
    body.do(CloseBallot(when(4, 17), SEC, ballot="mb"))
    minutes = minutes_of(body.state, body.log).markdown(None)
    assert "**Members' ballot** `mb` (recorded) called by Sam Secretary: That the party" in minutes
    assert "Voting from 2026-06-02T09:00:00Z until 2026-06-04T17:00:00Z; electorate 4" in minutes
    assert "Rule: `simple_majority_of_votes_cast` (the standing orders')" in minutes
    assert "closed: Carried by 2 votes to 1" in minutes
    assert "Voted: 3 of an electorate of 4" in minutes
    assert "- For (2): Member 1, Member 3." in minutes
    assert "- Against (1): Member 2." in minutes


def test_a_vote_logged_outside_the_window_is_refused_on_replay() -> None:
    body = Body(3)
    body.call(closes_at=when(3, 17))
    body.vote("m1", "for", when(3, 16))
    log = list(body.log)
    log[-1] = dataclasses.replace(log[-1], at=when(3, 17))
    with pytest.raises(BallotClosed, match="too late"):
        replay(log)


def test_a_close_logged_early_or_with_a_meetings_roll_is_refused_on_replay() -> None:
    body = Body(3)
    body.call(closes_at=when(3, 17))
    body.vote("m1", "for", when(3, 16))
    body.do(CloseBallot(when(3, 17), SEC, ballot="mb"))
    early = list(body.log)
    early[-1] = dataclasses.replace(early[-1], at=when(3, 16))
    with pytest.raises(OutOfOrder, match="not before"):
        replay(early)
    present = list(body.log)
    present[-1] = dataclasses.replace(present[-1], present_at_close=("m1",))
    with pytest.raises(InconsistentEvent, match="not who was present"):
        replay(present)


def test_a_roll_altered_in_the_log_is_refused_on_replay() -> None:
    body = Body(3)
    body.call()
    log = list(body.log)
    opened = log[-1]
    assert isinstance(opened, events.MembersBallotOpened)
    log[-1] = dataclasses.replace(opened, roll=opened.roll[:-1])
    refusal = r"members_ballot_opened\.roll is not the electorate"
    with pytest.raises(InconsistentEvent, match=refusal):
        replay(log)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    members=st.integers(min_value=1, max_value=8),
    weights=st.lists(st.integers(min_value=1, max_value=9), min_size=8, max_size=8),
    weighted=st.booleans(),
    secret=st.booleans(),
    threshold=st.sampled_from(["", "two_thirds_of_votes_cast", "majority_of_all_members"]),
    choices=st.lists(st.sampled_from(["for", "against", "abstain", ""]), min_size=9,
                     max_size=9),
)
def test_random_members_ballots_replay_to_the_same_state(
    members: int, weights: list[int], weighted: bool, secret: bool, threshold: str,
    choices: list[str],
) -> None:
    weighted = weighted and not secret
    body = Body(members, weights=tuple(weights[:members]))
    opened = body.call(method="secret" if secret else "recorded", weighted=weighted,
                       threshold=threshold)  # fmt: skip
    papers = []
    for n, ((member, weight), choice) in enumerate(zip(opened.roll, choices, strict=False)):
        if not choice:
            continue
        if secret:
            tracker = f"{n:02x}" * 16
            body.do(CastVote(when(3), member, ballot="mb", choice=choice, tracker=tracker,
                             mark_key=mark_key(secret_of("mb"), member)))  # fmt: skip
            papers.append((tracker, choice))
        else:
            body.vote(member, choice)
            assert body.state.ballots["mb"].votes[member][["for", "against", "abstain"]
                                                           .index(choice)] == weight
    voted = [m for m, _ in opened.roll if m in body.state.ballots["mb"].votes]
    if voted:  # a second vote changes nothing
        body.refuse(AlreadyVoted, CastVote(when(3), voted[0], ballot="mb", choice="for"))
    body.do(CloseBallot(when(4, 17), SEC, ballot="mb", papers=tuple(papers),
                        ballot_secret=secret_of("mb") if secret else ""))  # fmt: skip
    state = body.replayed()
    assert state == body.state
    ballot = state.ballots["mb"]
    assert ballot.closed and ballot.result is not None
    assert ballot.result.tally.for_votes + ballot.result.tally.against \
        + ballot.result.tally.abstain <= opened.members


def test_the_method_is_given_as_the_enum_or_its_value_alike() -> None:
    given = [Body(2), Body(2)]
    by_enum = given[0].call(method=BallotMethod.SECRET)
    by_value = given[1].call(method="secret")
    assert by_enum == by_value and by_enum.method == "secret"
