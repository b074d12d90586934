"""Procedural motions: closure, next business, remit, adjournments, refer back, withdraw."""

from __future__ import annotations

from typing import Any

import pytest

from voting import commands as c
from voting import events as ev
from voting.decider import replay
from voting.errors import DomainError, InconsistentEvent, NotEntitled, OutOfOrder
from voting.lifecycle import MotionState
from voting.minutes import render_minutes

from .builders import CHAIR, MEETING, MOTION, Room

pytestmark = pytest.mark.unit

CLOSURE = "that_the_question_be_now_put"


def debating(orders: str = "citrine") -> Room:
    return Room.founded(orders).members(6).meeting().motion()


def move(room: Room, kind: str, target: str, *, pid: str = "p1", **fields: Any) -> None:
    room.do(c.MoveProcedural, "m3", procedural=pid, kind=kind, target=target, seconder="m4",
            **fields)  # fmt: skip


def test_a_procedural_motion_is_logged_with_mover_and_seconder() -> None:
    room = debating()
    move(room, "refer_back", MOTION)
    moved = room.log[-1]
    assert moved == ev.ProceduralMoved(moved.at, "p1", MEETING, "refer_back", MOTION, "m3", "m4",
                                       False)  # fmt: skip


def test_the_mover_cannot_second_a_procedural_motion() -> None:
    room = debating()
    error = room.refuse(NotEntitled, c.MoveProcedural, "m3", procedural="p1", kind="refer_back",
                        target=MOTION, seconder="m3")  # fmt: skip
    assert "cannot second" in str(error)


def test_closure_on_an_amendment_applies_to_the_amendment_only() -> None:
    room = debating()
    room.amendment("a1", kind="leave_out", leave_out="fifty pounds", take=True)
    on_motion = room.refuse(OutOfOrder, c.MoveProcedural, "m3", procedural="p1", kind=CLOSURE,
                            target=MOTION, seconder="m4")  # fmt: skip
    assert "applies to the amendment only" in str(on_motion)
    move(room, CLOSURE, "a1")
    room.carry("p1", "b1")
    assert room.log[-1] == ev.QuestionToBePut(room.log[-1].at, "a1")
    assert room.state.amendments["a1"].closure
    assert not room.state.motions[MOTION].closure
    room.defeat("a1", "b2")
    # The motion itself may still be amended.
    room.amendment("a2", mover="m5", seconder="m6", kind="insert", after="strike", insert="fully")


def test_next_business_is_not_moved_on_an_amendment() -> None:
    room = debating()
    room.amendment("a1", kind="leave_out", leave_out="fifty pounds", take=True)
    error = room.refuse(OutOfOrder, c.MoveProcedural, "m3", procedural="p1",
                        kind="next_business", target="a1", seconder="m4")  # fmt: skip
    assert "cannot be moved on an amendment" in str(error)


def test_next_business_carried_drops_the_motion_and_its_amendments_fall() -> None:
    room = debating()
    room.amendment("a1", kind="leave_out", leave_out="fifty pounds")
    move(room, "next_business", MOTION)
    room.carry("p1", "b1")
    assert room.state.motions[MOTION].state is MotionState.NEXT_BUSINESS
    assert room.state.amendments["a1"].state is MotionState.FELL
    assert room.log[-1].reason == "next business was carried"


@pytest.mark.parametrize("orders", ["citrine", "roberts"])
def test_remit_needs_the_movers_consent(orders: str) -> None:
    room = debating(orders)
    error = room.refuse(OutOfOrder, c.MoveProcedural, "m3", procedural="p1", kind="remit",
                        target=MOTION, seconder="m4", to="the executive committee")  # fmt: skip
    assert "consent of its mover" in str(error)
    room.do(c.GiveConsent, room.state.motions[MOTION].mover, subject=MOTION, act="remit")
    move(room, "remit", MOTION, to="the executive committee")
    room.carry("p1", "b1")
    assert room.state.motions[MOTION].state is MotionState.REMITTED


def test_refer_back_carried() -> None:
    room = debating()
    move(room, "refer_back", MOTION)
    room.carry("p1", "b1")
    assert room.log[-1] == ev.MotionDisposed(room.log[-1].at, MOTION, "referred_back",
                                             "it was referred back")  # fmt: skip


def test_adjourning_the_debate_keeps_the_motion_for_later() -> None:
    room = debating()
    move(room, "adjourn_the_debate", MOTION)
    room.carry("p1", "b1")
    assert room.state.motions[MOTION].state is MotionState.ADJOURNED
    room.motion("other", mover="m5", seconder="m6")
    room.defeat("other", "b2")
    room.do(c.OpenDebate, CHAIR, motion=MOTION)
    assert room.state.motions[MOTION].state is MotionState.UNDER_DEBATE


def test_adjourning_the_meeting_adjourns_the_debate_and_closes_the_meeting() -> None:
    room = debating()
    wrong = room.refuse(OutOfOrder, c.MoveProcedural, "m3", procedural="p1",
                        kind="adjourn_the_meeting", target=MOTION, seconder="m4")  # fmt: skip
    assert "cannot be moved on a motion" in str(wrong)
    move(room, "adjourn_the_meeting", MEETING)
    room.carry("p1", "b1")
    assert room.log[-2:] == [
        ev.MotionDisposed(room.log[-1].at, MOTION, "adjourned", "the meeting was adjourned"),
        ev.MeetingClosed(room.log[-1].at, MEETING, "adjourned"),
    ]
    assert room.state.meetings[MEETING].closed


def test_a_defeated_procedural_motion_changes_nothing_else() -> None:
    room = debating()
    move(room, "refer_back", MOTION)
    room.defeat("p1", "b1")
    assert room.state.procedurals["p1"].state is MotionState.LOST
    assert room.state.motions[MOTION].state is MotionState.UNDER_DEBATE


def test_one_procedural_motion_at_a_time_and_it_is_put_first() -> None:
    room = debating()
    move(room, "refer_back", MOTION)
    second = room.refuse(OutOfOrder, c.MoveProcedural, "m5", procedural="p2", kind=CLOSURE,
                         target=MOTION, seconder="m6")  # fmt: skip
    assert "still before the meeting" in str(second)
    put_motion = room.refuse(OutOfOrder, c.OpenBallot, CHAIR, ballot="b1", subject=MOTION)
    assert "is put first" in str(put_motion)


def test_procedural_motions_are_out_of_order_when_the_motion_is_not_under_debate() -> None:
    room = Room.founded().members(4).meeting().motion(debate=False)
    error = room.refuse(OutOfOrder, c.MoveProcedural, "m3", procedural="p1", kind="refer_back",
                        target=MOTION, seconder="m4")  # fmt: skip
    assert "not under debate" in str(error)


def test_a_procedural_motion_on_nothing_is_refused() -> None:
    room = debating()
    error = room.refuse(DomainError, c.MoveProcedural, "m3", procedural="p1", kind="refer_back",
                        target="nowhere", seconder="m4")  # fmt: skip
    assert "no meeting, motion or amendment" in str(error)


@pytest.mark.parametrize(("orders", "counts", "outcome"), [
    ("roberts", (4, 2, 0), "carried"),   # exactly two-thirds of votes cast
    ("roberts", (3, 2, 0), "lost"),      # a simple majority is not enough
    ("citrine", (3, 2, 0), "carried"),   # Citrine: a simple majority
])  # fmt: skip
def test_the_closure_needs_the_threshold_the_standing_orders_give(
    orders: str, counts: tuple[int, int, int], outcome: str
) -> None:
    room = debating(orders)
    move(room, CLOSURE, MOTION)
    (opened,) = room.do(c.OpenBallot, CHAIR, ballot="b1", subject="p1")
    expected = "two_thirds_of_votes_cast" if orders == "roberts" else (
        "simple_majority_of_votes_cast")  # fmt: skip
    assert opened.threshold == expected
    (closed, *effects) = room.do(c.CloseBallot, CHAIR, ballot="b1", counts=counts)
    assert closed.outcome == outcome
    assert room.state.motions[MOTION].closure is (outcome == "carried")
    assert [type(e) for e in effects] == ([ev.QuestionToBePut] if outcome == "carried" else [])


def test_a_procedural_motion_moved_alone_waits_for_the_seconder_s_own_act() -> None:
    """Moved without a seconder it is proposed, not before the meeting: it cannot be put
    until a member present seconds it by their own act; the log holds both acts, the
    replay rebuilds the same state, and the minutes say who did what."""
    room = debating()
    room.do(c.MoveProcedural, "m3", procedural="p1", kind="refer_back", target=MOTION)
    assert room.log[-1] == ev.ProceduralMoved(room.log[-1].at, "p1", MEETING, "refer_back",
                                              MOTION, "m3", "", False)
    assert room.state.procedurals["p1"].state == MotionState.PROPOSED
    put = room.refuse(OutOfOrder, c.OpenBallot, CHAIR, ballot="b1", subject="p1")
    assert "not waiting to be put" in str(put)
    room.do(c.SecondProcedural, "m4", procedural="p1")
    assert room.log[-1] == ev.ProceduralSeconded(room.log[-1].at, "p1", "m4")
    seconded = room.state.procedurals["p1"]
    assert (seconded.state, seconded.seconder) == (MotionState.SECONDED, "m4")
    again = room.refuse(OutOfOrder, c.SecondProcedural, "m5", procedural="p1")
    assert "not awaiting a seconder" in str(again)
    room.carry("p1", "b1")
    assert room.state.motions[MOTION].state == MotionState.REFERRED_BACK
    assert room.replayed() == room.state
    minutes = render_minutes(room.state, room.log)
    assert "moved by Member m3, awaiting a seconder." in minutes
    assert "Procedural motion **refer back** seconded by Member m4." in minutes


def test_seconding_is_refused_once_the_procedural_motion_is_out_of_order() -> None:
    """The seconder's act is decided on the meeting as it stands then: another procedural
    motion before the meeting, or a target no longer under debate, refuses it."""
    room = debating()
    room.do(c.MoveProcedural, "m3", procedural="p1", kind="refer_back", target=MOTION)
    room.do(c.MoveProcedural, "m5", procedural="p2", kind="adjourn_the_debate", target=MOTION,
            seconder="m6")
    floor = room.refuse(OutOfOrder, c.SecondProcedural, "m4", procedural="p1")
    assert "still before the meeting" in str(floor)
    room.carry("p2", "b1")  # the debate is adjourned: the motion is no longer under debate
    gone = room.refuse(OutOfOrder, c.SecondProcedural, "m4", procedural="p1")
    assert "not under debate" in str(gone)


def test_a_forged_seconding_is_refused_on_replay() -> None:
    """A log naming the mover as the seconder, or seconding what awaits no seconder, does
    not replay (the verifier's C-REPLAY)."""
    room = debating()
    room.do(c.MoveProcedural, "m3", procedural="p1", kind="refer_back", target=MOTION)
    for forged in (ev.ProceduralSeconded(room.log[-1].at, "p1", "m3"),
                   ev.ProceduralSeconded(room.log[-1].at, "p9", "m4")):
        with pytest.raises(InconsistentEvent, match="procedural_seconded"):
            replay([*room.log, forged])
