"""The roll is fixed when a question is put and recorded again when the vote closes."""

from __future__ import annotations

import dataclasses

import pytest

from voting import commands as c
from voting import events as ev
from voting.decider import replay
from voting.errors import InconsistentEvent

from .builders import CHAIR, MOTION, SEC, Room

pytestmark = pytest.mark.unit


def closed_with_a_departure() -> Room:
    room = Room.founded().members(4).meeting().motion()
    room.do(c.OpenBallot, CHAIR, ballot="b1", subject=MOTION, method="recorded")
    room.do(c.CastVote, "m1", ballot="b1", choice="for")
    room.do(c.RecordAttendance, SEC, meeting=room.events_of(ev.MeetingConvened)[0].meeting,
            member="m4", present=False)  # fmt: skip
    room.do(c.CloseBallot, CHAIR, ballot="b1")
    return room


def test_both_rolls_are_on_the_record() -> None:
    room = closed_with_a_departure()
    (opened,) = room.events_of(ev.BallotOpened)
    (closed,) = room.events_of(ev.BallotClosed)
    assert "m4" in {member for _, member, _ in opened.roll}
    assert "m4" not in closed.present_at_close
    assert list(closed.present_at_close) == sorted(closed.present_at_close)
    assert {"m1", "m2", "m3"} <= set(closed.present_at_close)


def test_a_forged_roll_at_the_close_does_not_replay() -> None:
    room = closed_with_a_departure()
    log = list(room.log)
    index = next(i for i, e in enumerate(log) if isinstance(e, ev.BallotClosed))
    closed = log[index]
    assert isinstance(closed, ev.BallotClosed)
    log[index] = dataclasses.replace(closed, present_at_close=(*closed.present_at_close, "m4"))
    with pytest.raises(InconsistentEvent, match="roll logged at the close"):
        replay(log)
