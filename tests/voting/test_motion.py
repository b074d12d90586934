"""Motions: moving, seconding, debate one at a time, withdrawal (Citrine and Robert's)."""

from __future__ import annotations

import pytest

from voting import commands as c
from voting import events as ev
from voting.errors import NotEntitled, OutOfOrder
from voting.lifecycle import MotionState

from .builders import CHAIR, MEETING, MOTION, TEXT, Room

pytestmark = pytest.mark.unit


def test_move_second_and_debate() -> None:
    room = Room.founded().members(3).meeting()
    (moved,) = room.do(c.MoveMotion, "m1", motion=MOTION, meeting=MEETING, title="Strike",
                       text=TEXT + "  \r\n")  # fmt: skip
    assert moved == ev.MotionMoved(moved.at, MOTION, MEETING, "m1", "Strike", TEXT)
    assert room.state.motions[MOTION].state is MotionState.PROPOSED
    (seconded,) = room.do(c.SecondMotion, "m2", motion=MOTION)
    assert seconded == ev.MotionSeconded(seconded.at, MOTION, "m2")
    (opened,) = room.do(c.OpenDebate, CHAIR, motion=MOTION)
    assert opened == ev.DebateOpened(opened.at, MOTION, CHAIR)
    motion = room.state.motions[MOTION]
    assert (motion.state, motion.mover, motion.seconder) == (MotionState.UNDER_DEBATE, "m1", "m2")
    assert motion.text == motion.original


def test_the_mover_cannot_second_their_own_motion() -> None:
    room = Room.founded().members(3).meeting().motion(seconder="", debate=False)
    error = room.refuse(NotEntitled, c.SecondMotion, "m1", motion=MOTION)
    assert "mover cannot second" in str(error)


def test_debate_needs_a_seconder_and_the_chair() -> None:
    room = Room.founded().members(3).meeting().motion(seconder="", debate=False)
    error = room.refuse(OutOfOrder, c.OpenDebate, CHAIR, motion=MOTION)
    assert "not seconded" in str(error)
    room.do(c.SecondMotion, "m2", motion=MOTION)
    room.refuse(NotEntitled, c.OpenDebate, "m1", motion=MOTION)


def test_one_motion_under_debate_at_a_time() -> None:
    room = Room.founded().members(4).meeting().motion()
    room.motion("second-motion", mover="m3", seconder="m4", debate=False)
    error = room.refuse(OutOfOrder, c.OpenDebate, CHAIR, motion="second-motion")
    assert "one motion at a time" in str(error)
    room.defeat(MOTION, "b1")
    room.do(c.OpenDebate, CHAIR, motion="second-motion")


def test_an_absent_member_cannot_move_or_second() -> None:
    room = Room.founded().members(3).meeting(present=("chair", "sec", "m1"))
    error = room.refuse(NotEntitled, c.MoveMotion, "m2", motion=MOTION, meeting=MEETING,
                        title="T", text="That we act.")  # fmt: skip
    assert "not recorded as present" in str(error)
    room.do(c.MoveMotion, "m1", motion=MOTION, meeting=MEETING, title="T", text="That we act.")
    room.refuse(NotEntitled, c.SecondMotion, "m3", motion=MOTION)


def test_an_observer_cannot_move() -> None:
    room = Room.founded().members(2).member("obs", roles=("observer",)).meeting(
        present=("chair", "sec", "m1", "obs"))  # fmt: skip
    error = room.refuse(NotEntitled, c.MoveMotion, "obs", motion=MOTION, meeting=MEETING,
                        title="T", text="That we act.")  # fmt: skip
    assert "observer" in str(error)


# -- withdrawal --------------------------------------------------------------------------


def test_citrine_withdrawal_once_seconded_needs_the_meetings_unanimous_consent() -> None:
    room = Room.founded("citrine").members(3).meeting().motion(debate=False)
    error = room.refuse(OutOfOrder, c.WithdrawMotion, "m1", subject=MOTION)
    assert "unanimous consent" in str(error)
    room.do(c.MoveProcedural, "m1", procedural="p1", kind="withdraw", target=MOTION,
            seconder="m2")  # fmt: skip
    room.consent("p1", "b1")
    assert room.state.motions[MOTION].state is MotionState.WITHDRAWN


def test_an_unseconded_motion_is_withdrawn_by_the_mover_alone() -> None:
    room = Room.founded("citrine").members(3).meeting().motion(seconder="", debate=False)
    room.do(c.WithdrawMotion, "m1", subject=MOTION)
    assert room.state.motions[MOTION].state is MotionState.WITHDRAWN


def test_roberts_withdrawal_before_debate_is_the_movers_alone() -> None:
    room = Room.founded("roberts").members(3).meeting().motion(debate=False)
    room.do(c.WithdrawMotion, "m1", subject=MOTION)
    assert room.state.motions[MOTION].state is MotionState.WITHDRAWN


def test_only_the_mover_withdraws() -> None:
    room = Room.founded().members(3).meeting().motion(debate=False)
    error = room.refuse(NotEntitled, c.WithdrawMotion, "m2", subject=MOTION)
    assert "only the mover" in str(error)


@pytest.mark.parametrize("orders", ["citrine", "roberts"])
def test_after_debate_withdrawal_needs_the_meetings_consent(orders: str) -> None:
    room = Room.founded(orders).members(4).meeting().motion()
    error = room.refuse(OutOfOrder, c.WithdrawMotion, "m1", subject=MOTION)
    assert "consent of the meeting" in str(error)
    others = room.refuse(NotEntitled, c.MoveProcedural, "m3", procedural="p1", kind="withdraw",
                         target=MOTION, seconder="m4")  # fmt: skip
    assert "only the mover" in str(others)
    room.do(c.MoveProcedural, "m1", procedural="p1", kind="withdraw", target=MOTION,
            seconder="m2")  # fmt: skip
    room.consent("p1", "b1")
    disposed = room.events_of(ev.MotionDisposed)
    assert disposed[-1].subject == MOTION and disposed[-1].state == "withdrawn"
    assert "consent of the meeting" in disposed[-1].reason
    assert room.state.motions[MOTION].state is MotionState.WITHDRAWN


def test_withdrawing_a_motion_makes_its_pending_amendments_fall() -> None:
    room = Room.founded("roberts").members(4).meeting().motion(debate=False)
    room.amendment("a1", kind="leave_out", leave_out="fifty pounds")
    room.do(c.WithdrawMotion, "m1", subject=MOTION)
    fell = [e for e in room.events_of(ev.MotionDisposed) if e.subject == "a1"]
    assert fell and fell[0].state == "fell" and "withdrawn" in fell[0].reason
    assert room.replayed() == room.state
