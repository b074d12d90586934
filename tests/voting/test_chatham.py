"""Unattributed meetings (voting.chatham): pseudonyms in the log, judged on replay."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting import chatham
from voting import commands as c
from voting import events as ev
from voting.codec import from_json, to_json
from voting.decider import replay
from voting.errors import AlreadyVoted, DomainError, InconsistentEvent, NotFound, OutOfOrder
from voting.state import Publication
from voting.testing import proceedings

from .builders import CHAIR, MEETING, MOTION, SEC, Room, meeting_secret_of

pytestmark = pytest.mark.unit

SECRET = meeting_secret_of(MEETING)
MEMBERS = ("m1", "m2", "m3", "m4")


def unattributed(*, start: bool = True) -> Room:
    room = Room.founded().members(4)
    room.do(c.ConveneMeeting, SEC, meeting=MEETING, title="Closed session", chair=CHAIR,
            secretary=SEC, quorum_number=2, publication="unattributed")  # fmt: skip
    for member in (CHAIR, SEC, *MEMBERS):
        room.arrive(member)
    if start:
        room.do(c.StartBusiness, CHAIR, meeting=MEETING)
    return room


def p(member: str) -> str:
    return chatham.pseudonym_of(MEETING, member, SECRET)


def names_in(event: ev.Event) -> set[str]:
    """Every text anywhere in the event's JSON form."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for key, value in to_json(event).items():
        if key != "type":
            walk(value)
    return found


def test_the_register_is_every_member_under_a_pseudonym_and_commits_to_the_secret() -> None:
    room = unattributed(start=False)
    convened, register = room.log[-8:-6]
    assert isinstance(convened, ev.MeetingConvened) and isinstance(register, ev.RegisterRecorded)
    assert register.commitment == chatham.commitment(MEETING, SECRET)
    rows = register.register
    assert [r[0] for r in rows] == sorted(p(m) for m in room.state.members)
    assert all(chatham.is_pseudonym(r[0]) and len(r[0]) == 34 for r in rows)
    assert room.state.meetings[MEETING].publication is Publication.UNATTRIBUTED


def test_every_act_of_the_meeting_is_logged_by_pseudonym_and_replays() -> None:
    room = unattributed().motion(mover="m1", seconder="m2")
    room.vote(MOTION, "b1", votes={"m1": "for", "m2": "for", "m3": "against", CHAIR: "for"})
    room.do(c.CloseMeeting, CHAIR, meeting=MEETING)
    start = next(i for i, e in enumerate(room.log) if isinstance(e, ev.MeetingConvened))
    named = {m for m in room.state.members} | {m.name for m in room.state.members.values()}
    for event in room.log[start:]:
        leaked = names_in(event) & named
        if isinstance(event, ev.MeetingConvened):
            assert leaked == {CHAIR, SEC}  # the officers named when it is convened
        elif hasattr(event, "by") and getattr(event, "by") in (CHAIR, SEC):  # noqa: B009
            assert leaked == {getattr(event, "by")}  # noqa: B009  (acting as officer)
        else:
            assert not leaked, event
    votes = room.events_of(ev.VoteCast)
    assert {v.voter for v in votes} == {p("m1"), p("m2"), p("m3"), p(CHAIR)}
    assert room.events_of(ev.MotionMoved)[0].mover == p("m1")
    assert room.replayed() == room.state


def test_the_minutes_show_pseudonyms_and_no_member_name() -> None:
    from voting.minutes import render_minutes

    room = unattributed().motion(mover="m1", seconder="m2")
    room.vote(MOTION, "b1", votes={"m1": "for", "m2": "against", "m3": "for"})
    text = render_minutes(room.state, room.log, MEETING)
    text = text[text.index("Closed session"):]  # the meeting's own minutes
    assert f"Member {chatham.short(p('m1'))}" in text
    for member in MEMBERS:
        assert f"Member {member}" not in text


def test_a_command_without_the_secret_or_with_another_is_refused() -> None:
    room = unattributed()
    error = room.refuse(DomainError, c.MoveMotion, "m1", motion="x", meeting=MEETING, title="T",
                        text="That we act.", meeting_secret="")  # fmt: skip
    assert "meeting secret" in str(error)
    error = room.refuse(DomainError, c.MoveMotion, "m1", motion="x", meeting=MEETING, title="T",
                        text="That we act.", meeting_secret="ab" * 32)  # fmt: skip
    assert "not the secret" in str(error)
    room.refuse(NotFound, c.MoveMotion, p("m1"), motion="x", meeting=MEETING, title="T",
                text="That we act.")  # fmt: skip  (a pseudonym is not a member id)


def test_the_policy_is_set_before_attendance_and_stays() -> None:
    room = Room.founded().members(2).meeting(present=(CHAIR,), start=False)
    error = room.refuse(OutOfOrder, c.SetPublication, CHAIR, meeting=MEETING,
                        publication="unattributed")  # fmt: skip
    assert "before attendance" in str(error)
    room = unattributed(start=False)
    room.refuse(OutOfOrder, c.SetPublication, CHAIR, meeting=MEETING, publication="open")


def test_the_membership_is_frozen_and_no_election_held_while_it_is_open() -> None:
    room = unattributed()
    room.refuse(OutOfOrder, c.AdmitMember, SEC, member="m9", name="New")
    room.refuse(OutOfOrder, c.SuspendMember, SEC, member="m1", reason="arrears")
    room.refuse(OutOfOrder, c.OpenNominations, SEC, election="e", title="E", seats=1,
                method="irv", meeting=MEETING)  # fmt: skip
    room.do(c.CloseMeeting, CHAIR, meeting=MEETING)
    room.do(c.AdmitMember, SEC, member="m9", name="New")


def test_a_secret_ballot_marks_the_pseudonym() -> None:
    room = unattributed().motion()
    room.do(c.OpenBallot, CHAIR, ballot="b1", subject=MOTION, method="secret")
    room.do(c.CastVote, "m1", ballot="b1", choice="for", tracker="ab" * 16)
    room.do(c.CastVote, "m2", ballot="b1", choice="for", tracker="cd" * 16)
    (closed, *_) = room.do(c.CloseBallot, CHAIR, ballot="b1",
                           papers=(("ab" * 16, "for"), ("cd" * 16, "for")))  # fmt: skip
    assert isinstance(closed, ev.BallotClosed)
    assert {m for _, m in closed.voters} == {p("m1"), p("m2")}
    assert room.replayed() == room.state


def _replay_with(room: Room, index: int, event: ev.Event) -> None:
    log = [from_json(to_json(e)) for e in room.log]
    log[index] = event
    replay(log)


def _index(room: Room, kind: type[ev.Event]) -> int:
    return next(i for i, e in enumerate(room.log) if isinstance(e, kind))


def test_replay_refuses_a_member_id_where_a_pseudonym_belongs() -> None:
    room = unattributed().motion(mover="m1", seconder="m2")
    room.vote(MOTION, "b1", votes={"m1": "for"})
    for kind, field, value in ((ev.AttendanceRecorded, "member", "m3"),
                               (ev.MotionMoved, "mover", "m1"),
                               (ev.MotionMoved, "mover", "Member m1"),
                               (ev.VoteCast, "voter", "m1")):  # fmt: skip
        i = _index(room, kind)
        forged = dataclasses.replace(room.log[i], **{field: value})
        refusal = re.escape(f"{forged.TYPE}.{field} is not a pseudonym")
        with pytest.raises(InconsistentEvent, match=refusal):
            _replay_with(room, i, forged)


def test_replay_refuses_a_register_that_is_not_the_membership() -> None:
    room = unattributed(start=False)
    i = _index(room, ev.RegisterRecorded)
    register: ev.RegisterRecorded = room.log[i]
    rows = list(register.register)
    heavier = (rows[0][0], 5, rows[0][2], rows[0][3])
    for forged_rows in ([heavier, *rows[1:]], rows[1:], [*rows, ("p-" + "0" * 32, 1, "", True)],
                        list(reversed(rows))):
        forged = dataclasses.replace(register, register=tuple(forged_rows))
        with pytest.raises(InconsistentEvent, match=re.escape("register_recorded.register")):
            _replay_with(room, i, forged)
    with pytest.raises(InconsistentEvent, match="register of the unattributed meeting"):
        replay(room.log[:i] + room.log[i + 1:])


@settings(max_examples=25, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.sampled_from(MEMBERS))
def test_a_key_opens_its_own_pseudonym_and_no_other(secret: bytes, member: str) -> None:
    """A member's key recomputes their pseudonym; it opens no other member's."""
    key = chatham.member_key(secret.hex(), member)
    own = chatham.pseudonym_of(MEETING, member, secret.hex())
    assert chatham.opens(MEETING, member, key, own)
    for other in MEMBERS:
        if other != member:
            theirs = chatham.pseudonym_of(MEETING, other, secret.hex())
            assert not chatham.opens(MEETING, other, key, theirs)
            assert not chatham.opens(MEETING, member, key, theirs)


def test_a_pseudonym_is_nobody_outside_its_meeting() -> None:
    """A register row is a member only in its own meeting: a forged log that has it attend
    (or vote, or sign a petition) elsewhere is refused on replay, and so is the command."""
    room = unattributed()
    room.do(c.CloseMeeting, CHAIR, meeting=MEETING)
    room.do(c.ConveneMeeting, SEC, meeting="later", title="Later", chair=CHAIR, secretary=SEC,
            quorum_number=1)  # fmt: skip
    room.refuse(InconsistentEvent, c.RecordAttendance, SEC, meeting="later", member=p("m1"))
    room.refuse(InconsistentEvent, c.OpenPetition, p("m1"), petition="pet", text="T.",
                number=1)  # fmt: skip
    room.arrive("m1", "later")
    i = len(room.log) - 1
    forged = dataclasses.replace(room.log[i], member=p("m2"))
    with pytest.raises(InconsistentEvent, match="outside that meeting's acts"):
        _replay_with(room, i, forged)


@settings(max_examples=60, deadline=None)
@given(proceedings())
def test_random_unattributed_meetings_name_nobody_but_their_officers(
        steps: list[tuple[c.Command, tuple[ev.Event, ...]]]) -> None:
    """For random proceedings (voting.testing): when the meeting is unattributed, no entry
    of it holds a member's id or name except its chair and secretary acting as officers;
    and the log replays to the same state either way."""
    log = [e for _, events in steps for e in events]
    state = replay(log)
    assert replay(from_json(to_json(e)) for e in log) == state
    convened = next(i for i, e in enumerate(log) if isinstance(e, ev.MeetingConvened))
    meeting = state.meetings["m1"]
    if meeting.publication is not Publication.UNATTRIBUTED:
        assert not meeting.register and not state.pseudonyms
        return
    officers = {meeting.chair, meeting.secretary}
    ids = set(state.members)
    names = {m.name for m in state.members.values()}
    for event in log[convened + 1:]:
        found = names_in(event)
        assert not found & names, event
        leaked = found & ids
        assert leaked <= officers and (not leaked or getattr(event, "by", "") in officers), event
    assert len(meeting.register) == len(state.members)


def test_a_proxy_is_given_held_and_voted_under_pseudonyms() -> None:
    room = Room.founded(proxies_allowed=True).members(4)
    room.do(c.ConveneMeeting, SEC, meeting=MEETING, title="Closed session", chair=CHAIR,
            secretary=SEC, quorum_number=2, publication="unattributed")  # fmt: skip
    for member in (CHAIR, SEC, "m1", "m2", "m3"):
        room.arrive(member)
    (proxy,) = room.do(c.AppointProxy, SEC, meeting=MEETING, giver="m4", holder="m1")
    assert (proxy.giver, proxy.holder) == (p("m4"), p("m1"))
    room.do(c.StartBusiness, CHAIR, meeting=MEETING)
    room.motion()
    room.do(c.OpenBallot, CHAIR, ballot="b1", subject=MOTION, method="recorded")
    (vote,) = room.do(c.CastVote, "m1", ballot="b1", choice="for", on_behalf_of="m4")
    assert (vote.voter, vote.member) == (p("m1"), p("m4"))
    room.refuse(AlreadyVoted, c.CastVote, "m1", ballot="b1", choice="against",
                on_behalf_of="m4")  # fmt: skip
    room.do(c.CastVote, "m1", ballot="b1", choice="for")
    closed = room.do(c.CloseBallot, CHAIR, ballot="b1")[0]
    assert isinstance(closed, ev.BallotClosed) and closed.for_votes == 2
    assert room.replayed() == room.state
