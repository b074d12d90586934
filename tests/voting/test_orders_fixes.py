"""What the standing orders got wrong, run as meetings through the public names only.

- Citrine: a motion once stated (seconded) is withdrawn only by the meeting's unanimous
  consent; a single objection (a member's own vote against) stops it. Robert's keeps the
  mover's own withdrawal until debate opens, and the assembly's leave by a majority after.
- "Next business" is not moved while an amendment is before the meeting.

Each refusal changes nothing, and each rule is enforced on replay as well as in ``decide``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from voting import (
    AdmitMember,
    BodyState,
    CastVote,
    CloseBallot,
    Command,
    ConveneMeeting,
    FoundBody,
    GiveConsent,
    MotionState,
    MoveAmendment,
    MoveMotion,
    MoveProcedural,
    OpenBallot,
    OpenDebate,
    OutOfOrder,
    ProceduralKind,
    RecordAttendance,
    SecondAmendment,
    SecondMotion,
    StartBusiness,
    TakeAmendment,
    WithdrawMotion,
    events,
    execute,
    replay,
)

pytestmark = pytest.mark.unit

MEMBERS = ("ana", "bo", "cy", "dee")


class Meeting:
    """A body with a chair (``chris``), a secretary (``sam``) and four members, all present."""

    def __init__(self, orders: str) -> None:
        self.state = BodyState()
        self.log: list[events.Event] = []
        self.minute = 0
        self.do(FoundBody, "sam", name="Branch", standing_orders=orders)
        self.do(AdmitMember, "sam", member="sam", name="Sam", roles=("secretary", "member"))
        self.do(AdmitMember, "sam", member="chris", name="Chris", roles=("chair", "member"))
        for member in MEMBERS:
            self.do(AdmitMember, "sam", member=member, name=member.title())
        self.do(ConveneMeeting, "sam", meeting="m", title="AGM", chair="chris", secretary="sam",
                quorum_number=3)  # fmt: skip
        for member in ("sam", "chris", *MEMBERS):
            self.do(RecordAttendance, "sam", meeting="m", member=member)
        self.do(StartBusiness, "chris", meeting="m")
        self.do(MoveMotion, "ana", motion="mo", meeting="m", title="Rent strike",
                text="This branch supports the rent strike.")  # fmt: skip

    def at(self) -> str:
        self.minute += 1
        return f"2026-05-01T18:{self.minute // 60:02d}:{self.minute % 60:02d}Z"

    def do(self, command: type[Command], by: str, **fields: Any) -> tuple[events.Event, ...]:
        self.state, new = execute(self.state, command(self.at(), by, **fields))
        self.log.extend(new)
        return new

    def refuse(self, error: type[Exception], command: type[Command], by: str, **fields: Any) -> str:
        before, size = self.state, len(self.log)
        with pytest.raises(error) as raised:
            self.do(command, by, **fields)
        assert self.state is before and len(self.log) == size  # nothing changed
        return str(raised.value)

    def recorded_vote(self, subject: str, ballot: str, votes: dict[str, str]) -> events.Event:
        self.do(OpenBallot, "chris", ballot=ballot, subject=subject, method="recorded")
        for member, choice in votes.items():
            self.do(CastVote, member, ballot=ballot, choice=choice)
        return self.do(CloseBallot, "chris", ballot=ballot)[0]


def everyone(choice: str) -> dict[str, str]:
    return dict.fromkeys(("sam", "chris", *MEMBERS), choice)


def seek_leave(meeting: Meeting, pid: str = "p1") -> None:
    meeting.do(MoveProcedural, "ana", procedural=pid, kind=ProceduralKind.WITHDRAW, target="mo",
               seconder="bo")  # fmt: skip


# -- withdrawal under citrine ---------------------------------------------------------------


def test_citrine_an_unseconded_motion_is_withdrawn_by_its_mover_alone() -> None:
    meeting = Meeting("citrine")
    meeting.do(WithdrawMotion, "ana", subject="mo")
    assert meeting.state.motions["mo"].state is MotionState.WITHDRAWN
    assert replay(meeting.log) == meeting.state


@pytest.mark.parametrize("debate", [False, True])
def test_citrine_a_stated_motion_is_not_withdrawn_by_the_mover_and_seconder(debate: bool) -> None:
    meeting = Meeting("citrine")
    meeting.do(SecondMotion, "bo", motion="mo")
    if debate:
        meeting.do(OpenDebate, "chris", motion="mo")
    meeting.do(GiveConsent, "bo", subject="mo", act="withdraw")  # the seconder's consent
    error = meeting.refuse(OutOfOrder, WithdrawMotion, "ana", subject="mo")
    assert ("unanimous consent" if not debate else "consent of the meeting") in error
    assert meeting.state.motions["mo"].state is not MotionState.WITHDRAWN


def test_citrine_a_logged_withdrawal_of_a_stated_motion_does_not_replay() -> None:
    """The rule holds on replay too: a mover's withdrawal logged once the motion is
    seconded is refused, naming the rule."""
    meeting = Meeting("citrine")
    meeting.do(SecondMotion, "bo", motion="mo")
    forged = [*meeting.log, events.MotionDisposed(meeting.at(), "mo", "withdrawn",
                                                  "withdrawn by the mover")]  # fmt: skip
    with pytest.raises(OutOfOrder, match="unanimous consent"):
        replay(forged)


@pytest.mark.parametrize("debate", [False, True])
def test_citrine_a_single_objection_stops_the_withdrawal(debate: bool) -> None:
    meeting = Meeting("citrine")
    meeting.do(SecondMotion, "bo", motion="mo")
    if debate:
        meeting.do(OpenDebate, "chris", motion="mo")
    seek_leave(meeting)
    votes = everyone("for") | {"dee": "against"}  # five for, one objection
    closed = meeting.recorded_vote("p1", "b1", votes)
    assert isinstance(closed, events.BallotClosed)
    assert (closed.for_votes, closed.against, closed.outcome) == (5, 1, "lost")
    assert meeting.state.motions["mo"].state is (
        MotionState.UNDER_DEBATE if debate else MotionState.SECONDED
    )
    assert replay(meeting.log) == meeting.state


@pytest.mark.parametrize("debate", [False, True])
def test_citrine_with_no_objection_the_motion_is_withdrawn(debate: bool) -> None:
    meeting = Meeting("citrine")
    meeting.do(SecondMotion, "bo", motion="mo")
    if debate:
        meeting.do(OpenDebate, "chris", motion="mo")
    seek_leave(meeting)
    votes = everyone("for") | {"dee": "abstain"}  # an abstention is not an objection
    closed = meeting.recorded_vote("p1", "b1", votes)
    assert isinstance(closed, events.BallotClosed)
    assert closed.outcome == "carried"
    assert meeting.state.ballots["b1"].threshold == "unanimity_of_votes_cast"
    assert meeting.state.motions["mo"].state is MotionState.WITHDRAWN
    assert replay(meeting.log) == meeting.state


def test_citrine_unanimous_consent_is_not_taken_on_a_show_of_hands() -> None:
    """Each objection is the objecting member's own vote on the record, not a teller's count."""
    meeting = Meeting("citrine")
    meeting.do(SecondMotion, "bo", motion="mo")
    seek_leave(meeting)
    error = meeting.refuse(OutOfOrder, OpenBallot, "chris", ballot="b1", subject="p1",
                           method="show_of_hands")  # fmt: skip
    assert "unanimous consent" in error and "recorded" in error
    # Nor may the log hold one: replay refuses it.
    meeting.do(OpenBallot, "chris", ballot="b1", subject="p1", method="recorded")
    opened = meeting.log[-1]
    assert isinstance(opened, events.BallotOpened)
    forged = [*meeting.log[:-1], dataclasses.replace(opened, method="show_of_hands")]
    with pytest.raises(OutOfOrder, match="unanimous consent"):
        replay(forged)


# -- withdrawal under roberts ---------------------------------------------------------------


def test_roberts_the_mover_withdraws_alone_until_debate_opens() -> None:
    meeting = Meeting("roberts")
    meeting.do(SecondMotion, "bo", motion="mo")
    meeting.do(WithdrawMotion, "ana", subject="mo")
    assert meeting.state.motions["mo"].state is MotionState.WITHDRAWN
    assert replay(meeting.log) == meeting.state


def test_roberts_leave_to_withdraw_after_debate_is_a_majority_on_a_show_of_hands() -> None:
    meeting = Meeting("roberts")
    meeting.do(SecondMotion, "bo", motion="mo")
    meeting.do(OpenDebate, "chris", motion="mo")
    seek_leave(meeting)
    meeting.do(OpenBallot, "chris", ballot="b1", subject="p1", method="show_of_hands")
    (closed, *_) = meeting.do(CloseBallot, "chris", ballot="b1", counts=(4, 2, 0))
    assert isinstance(closed, events.BallotClosed)
    assert closed.outcome == "carried"
    assert meeting.state.ballots["b1"].threshold == "simple_majority_of_votes_cast"
    assert meeting.state.motions["mo"].state is MotionState.WITHDRAWN


# -- next business --------------------------------------------------------------------------


def amendment_before_the_meeting(orders: str) -> Meeting:
    meeting = Meeting(orders)
    meeting.do(SecondMotion, "bo", motion="mo")
    meeting.do(OpenDebate, "chris", motion="mo")
    meeting.do(MoveAmendment, "cy", amendment="a1", motion="mo", kind="leave_out",
               leave_out="rent")  # fmt: skip
    meeting.do(SecondAmendment, "dee", amendment="a1")
    meeting.do(TakeAmendment, "chris", amendment="a1")
    return meeting


@pytest.mark.parametrize("orders", ["citrine", "roberts"])
def test_next_business_is_out_of_order_while_an_amendment_is_before_the_meeting(
    orders: str,
) -> None:
    meeting = amendment_before_the_meeting(orders)
    error = meeting.refuse(OutOfOrder, MoveProcedural, "cy", procedural="p1",
                           kind=ProceduralKind.NEXT_BUSINESS, target="mo",
                           seconder="dee")  # fmt: skip
    assert "amendment 1 is before the meeting" in error
    # Once the amendment is disposed of, next business is in order again.
    meeting.recorded_vote("a1", "b1", everyone("against"))
    meeting.do(MoveProcedural, "cy", procedural="p1", kind=ProceduralKind.NEXT_BUSINESS,
               target="mo", seconder="dee")  # fmt: skip
    assert meeting.state.procedurals["p1"].kind == "next_business"


def test_next_business_logged_while_an_amendment_is_before_the_meeting_does_not_replay() -> None:
    meeting = amendment_before_the_meeting("citrine")
    forged = [*meeting.log, events.ProceduralMoved(meeting.at(), "p1", "m", "next_business",
                                                   "mo", "cy", "dee", False)]  # fmt: skip
    with pytest.raises(OutOfOrder, match="amendment 1 is before the meeting"):
        replay(forged)
