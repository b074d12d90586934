"""Meetings: attendance, quorum at business start and at each ballot, proxies, publication."""

from __future__ import annotations

import pytest

from voting import commands as c
from voting import events as ev
from voting.errors import AlreadyExists, DomainError, InconsistentEvent, NotEntitled, OutOfOrder
from voting.state import Publication

from .builders import CHAIR, MEETING, MOTION, SEC, Room

pytestmark = pytest.mark.unit


def test_attendance_in_and_out_is_logged() -> None:
    room = Room.founded().members(3).meeting(present=(), start=False)
    (arrived,) = room.do(c.RecordAttendance, SEC, meeting=MEETING, member="m1")
    assert arrived == ev.AttendanceRecorded(arrived.at, MEETING, "m1", True)
    assert room.state.meetings[MEETING].present == {"m1"}
    (left,) = room.do(c.RecordAttendance, SEC, meeting=MEETING, member="m1", present=False)
    assert left.present is False
    assert room.state.meetings[MEETING].present == frozenset()


def test_attendance_is_recorded_by_the_chair_or_secretary_only() -> None:
    room = Room.founded().members(3).meeting(present=("m1",), start=False)
    error = room.refuse(NotEntitled, c.RecordAttendance, "m1", meeting=MEETING, member="m2")
    assert "records attendance" in str(error)
    room.do(c.RecordAttendance, CHAIR, meeting=MEETING, member="m2")


def test_arriving_twice_or_leaving_when_absent_is_refused() -> None:
    room = Room.founded().members(2).meeting(present=("m1",), start=False)
    assert "already" in str(room.refuse(OutOfOrder, c.RecordAttendance, SEC, meeting=MEETING,
                                         member="m1"))  # fmt: skip
    assert "not recorded" in str(room.refuse(OutOfOrder, c.RecordAttendance, SEC,
                                              meeting=MEETING, member="m2",
                                              present=False))  # fmt: skip


def test_a_suspended_member_cannot_be_recorded_present() -> None:
    room = Room.founded().members(2).meeting(present=(), start=False)
    room.do(c.SuspendMember, SEC, member="m1", reason="arrears")
    room.refuse(NotEntitled, c.RecordAttendance, SEC, meeting=MEETING, member="m1")


# -- quorum ---------------------------------------------------------------------------


def test_fixed_quorum_is_checked_when_business_starts() -> None:
    room = Room.founded().members(6).meeting(present=("m1", "m2"), quorum_number=3,
                                             start=False)  # fmt: skip
    error = room.refuse(OutOfOrder, c.StartBusiness, CHAIR, meeting=MEETING)
    assert "not quorate" in str(error) and "2 present, 3 needed" in str(error)
    room.arrive("m3")
    (started,) = room.do(c.StartBusiness, CHAIR, meeting=MEETING)
    assert started == ev.BusinessStarted(started.at, MEETING, 3, 3, "quorum_fixed_3")


def test_fraction_quorum_rounds_up_against_the_voting_membership() -> None:
    # 8 members (chair, sec, m1..m6) plus an observer who does not count: 1/3 of 8 -> 3.
    room = Room.founded().members(6).member("obs", roles=("observer",))
    room.meeting(present=("obs", "m1"), quorum_number=0, quorum_fraction="1/3", start=False)
    error = room.refuse(OutOfOrder, c.StartBusiness, CHAIR, meeting=MEETING)
    assert "1 present, 3 needed" in str(error)
    room.arrive("m2").arrive("m3")
    (started,) = room.do(c.StartBusiness, CHAIR, meeting=MEETING)
    assert (started.present, started.quorum_required) == (3, 3)
    assert started.quorum_rule == "quorum_one_third_of_members"


@pytest.mark.parametrize(("given", "logged"), [("0.5", "1/2"), ("2/4", "1/2"), ("1/3", "1/3"),
                                              (" 1/4 ", "1/4"), ("1", "1")])  # fmt: skip
def test_a_quorum_fraction_is_logged_in_lowest_terms(given: str, logged: str) -> None:
    """One rule, one spelling: "0.5" and "2/4" are both logged as "1/2"."""
    room = Room.founded().members(2)
    (convened,) = room.do(c.ConveneMeeting, SEC, meeting=MEETING, title="T", chair=CHAIR,
                          secretary=SEC, quorum_fraction=given)  # fmt: skip
    assert isinstance(convened, ev.MeetingConvened)
    assert convened.quorum_fraction == logged
    assert room.replayed() == room.state


def test_a_logged_quorum_fraction_not_in_lowest_terms_does_not_replay() -> None:
    room = Room.founded().members(2)
    room.log.append(ev.MeetingConvened(room.at(), MEETING, "T", CHAIR, SEC, 0, "0.5", "open"))
    with pytest.raises(InconsistentEvent, match="lowest terms"):
        room.replayed()


def test_quorum_is_checked_again_when_each_ballot_opens() -> None:
    room = Room.founded().members(4).meeting(quorum_number=4).motion()
    for member in ("m1", "m2", "m3"):
        room.leave(member)
    error = room.refuse(OutOfOrder, c.OpenBallot, CHAIR, ballot="b1", subject=MOTION)
    assert "no longer quorate" in str(error)
    room.arrive("m1")
    (opened,) = room.do(c.OpenBallot, CHAIR, ballot="b1", subject=MOTION)
    assert (opened.present, opened.quorum_required) == (4, 4)


def test_only_the_chair_starts_business_and_only_once() -> None:
    room = Room.founded().members(3).meeting(start=False)
    room.refuse(NotEntitled, c.StartBusiness, SEC, meeting=MEETING)
    room.do(c.StartBusiness, CHAIR, meeting=MEETING)
    room.refuse(OutOfOrder, c.StartBusiness, CHAIR, meeting=MEETING)


def test_no_motion_before_business_starts() -> None:
    room = Room.founded().members(3).meeting(start=False)
    error = room.refuse(OutOfOrder, c.MoveMotion, "m1", motion="x", meeting=MEETING, title="T",
                        text="That we act.")  # fmt: skip
    assert "business has not started" in str(error)


def test_a_meeting_needs_a_quorum_rule() -> None:
    room = Room.founded().members(2)
    error = room.refuse(DomainError, c.ConveneMeeting, SEC, meeting="m", title="T", chair=CHAIR,
                        secretary=SEC, quorum_number=0, quorum_fraction="")  # fmt: skip
    assert "needs a quorum" in str(error)


# -- proxies --------------------------------------------------------------------------


def test_proxies_are_refused_unless_the_standing_orders_allow_them() -> None:
    room = Room.founded("citrine").members(3).meeting(present=(CHAIR, SEC, "m1", "m2"))
    error = room.refuse(OutOfOrder, c.AppointProxy, SEC, meeting=MEETING, giver="m3", holder="m1")
    assert "do not allow proxies" in str(error)


def test_a_proxy_needs_an_absent_giver_and_a_present_holder_and_is_shown_on_the_roll() -> None:
    room = Room.founded(proxies_allowed=True).members(4)
    room.meeting(present=(CHAIR, SEC, "m1", "m2")).motion()
    present_giver = room.refuse(OutOfOrder, c.AppointProxy, SEC, meeting=MEETING, giver="m1",
                                holder="m2")  # fmt: skip
    assert "present" in str(present_giver)
    absent_holder = room.refuse(NotEntitled, c.AppointProxy, SEC, meeting=MEETING, giver="m3",
                                holder="m4")  # fmt: skip
    assert "not recorded as present" in str(absent_holder)
    room.refuse(DomainError, c.AppointProxy, SEC, meeting=MEETING, giver="m3", holder="m3")
    (event,) = room.do(c.AppointProxy, SEC, meeting=MEETING, giver="m3", holder="m1")
    assert event == ev.ProxyAppointed(event.at, MEETING, "m3", "m1")
    room.refuse(AlreadyExists, c.AppointProxy, SEC, meeting=MEETING, giver="m3", holder="m2")
    (opened,) = room.do(c.OpenBallot, CHAIR, ballot="b1", subject=MOTION, method="recorded")
    assert ("m1", "m3", 1) in opened.roll
    assert ("m4", "m4", 1) not in opened.roll


def test_a_proxy_lapses_from_the_roll_when_the_giver_arrives() -> None:
    room = Room.founded(proxies_allowed=True).members(3)
    room.meeting(present=(CHAIR, SEC, "m1", "m2")).motion()
    room.do(c.AppointProxy, SEC, meeting=MEETING, giver="m3", holder="m1")
    room.arrive("m3")
    (opened,) = room.do(c.OpenBallot, CHAIR, ballot="b1", subject=MOTION, method="recorded")
    assert ("m1", "m3", 1) not in opened.roll
    assert ("m3", "m3", 1) in opened.roll


# -- publication and closing ----------------------------------------------------------


def test_publication_policy_is_an_event_set_by_the_chair() -> None:
    room = Room.founded().members(2).meeting(present=(), start=False)
    assert room.state.meetings[MEETING].publication is Publication.OPEN
    room.refuse(NotEntitled, c.SetPublication, SEC, meeting=MEETING, publication="unattributed")
    event, register = room.do(c.SetPublication, CHAIR, meeting=MEETING,
                              publication="unattributed")  # fmt: skip
    assert event == ev.PublicationSet(event.at, MEETING, "unattributed", CHAIR)
    assert isinstance(register, ev.RegisterRecorded) and len(register.register) == 4
    assert room.state.meetings[MEETING].publication is Publication.UNATTRIBUTED
    room.refuse(OutOfOrder, c.SetPublication, CHAIR, meeting=MEETING, publication="unattributed")
    room.refuse(DomainError, c.SetPublication, CHAIR, meeting=MEETING, publication="secret")


def test_a_meeting_cannot_close_with_a_vote_open_or_a_motion_under_debate() -> None:
    room = Room.founded().members(3).meeting().motion()
    assert "under debate" in str(room.refuse(OutOfOrder, c.CloseMeeting, CHAIR, meeting=MEETING))
    room.do(c.OpenBallot, CHAIR, ballot="b1", subject=MOTION, method="recorded")
    assert "still open" in str(room.refuse(OutOfOrder, c.CloseMeeting, CHAIR, meeting=MEETING))
    room.do(c.CloseBallot, CHAIR, ballot="b1")
    (closed,) = room.do(c.CloseMeeting, CHAIR, meeting=MEETING)
    assert closed == ev.MeetingClosed(closed.at, MEETING, "closed")
    error = room.refuse(OutOfOrder, c.RecordAttendance, SEC, meeting=MEETING, member="m1",
                        present=False)  # fmt: skip
    assert "has closed" in str(error)
