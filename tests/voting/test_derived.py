"""Replay recomputes every field the state decides, and every consequence of an act.

docs/architecture.md principle 7. An event holds the acts (who moved, who voted how, what
the chair ruled); everything else in it follows from the state, and a replay
refuses an event whose derived field differs (naming ``type.field``), a
consequence left out, added or changed, and a log that stops before the
consequences the rules give.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.voting.builders import CHAIR, MEETING, MOTION, SEC, Room
from voting import commands as c
from voting import events as ev
from voting.decider import decide, evolve, replay, require_complete
from voting.derived import FIELDS
from voting.errors import DomainError, InconsistentEvent, OutOfOrder
from voting.state import BodyState
from voting.testing import histories

pytestmark = pytest.mark.unit


@cache
def proceedings() -> tuple[ev.Event, ...]:
    """A meeting with every kind of derived field and consequence in it."""
    room = Room.founded("citrine").members(6).meeting(quorum_number=3).motion()
    room.amendment("a1", kind="leave_out_and_insert", leave_out="fifty pounds",
                   insert="a hundred pounds")
    room.amendment("a2", kind="leave_out", leave_out="fifty")  # falls when a1 is carried
    room.amendment("a3", kind="add_at_end", insert="Solidarity.", seconder="")  # never seconded
    room.amendment("a4", kind="leave_out", leave_out="picket", mover="m5", seconder="m6")
    room.do(c.RuleOutOfOrder, CHAIR, amendment="a4", ground="not_relevant", reason="Late.")
    room.do(c.MoveProcedural, "m2", procedural="p1", kind="challenge_to_the_chair",
            target="a4", seconder="m3")
    room.carry("p1", "b1")  # ruling_overturned
    room.take("a1")
    room.do(c.MoveProcedural, "m2", procedural="p2", kind="that_the_question_be_now_put",
            target="a1", seconder="m4")
    room.carry("p2", "b2")  # question_to_be_put
    room.vote("a1", "b3", votes={"m1": "for", "m2": "for", "m3": "for", "m4": "against"})
    room.take("a4")
    room.defeat("a4", "b4")
    # a3, never seconded, falls as the motion is put
    room.vote("mot", "b5", method="card", votes={"m1": "for", "m2": "against", "m3": "for"})
    room.motion("mot2", seconder="", debate=False)
    room.do(c.WithdrawMotion, "m1", subject="mot2")  # unseconded: the mover alone
    room.motion("mot3")
    room.amendment("a5", motion="mot3", kind="add_at_end", insert="Now.", seconder="")
    room.do(c.MoveProcedural, "m3", procedural="p3", kind="next_business", target="mot3",
            seconder="m4")
    room.carry("p3", "b6")
    room.motion("mot5")  # remitted, with its mover's consent given by the mover
    room.do(c.GiveConsent, "m1", subject="mot5", act="remit")
    room.do(c.MoveProcedural, "m3", procedural="p5", kind="remit", target="mot5", seconder="m4",
            to="the executive committee")
    room.carry("p5", "b8")
    room.do(c.MoveMotion, "m1", motion="so", meeting=MEETING, title="Ties",
            text="That an equality of votes loses.", orders=(("tie_rule", "tie_falls"),))
    room.do(c.SecondMotion, "m2", motion="so")
    room.do(c.OpenDebate, CHAIR, motion="so")
    room.carry("so", "b9")  # the standing orders change from the next entry on
    room.do(c.OpenPetition, "m1", petition="pet", text="Ballot all members.", fraction="1/3")
    for member in ("m1", "m2", "m3"):
        room.do(c.SignPetition, member, petition="pet")
    room.do(c.ClosePetition, SEC, petition="pet")
    room.do(c.OpenNominations, SEC, election="e1", title="Delegate", seats=1, method="irv",
            meeting=MEETING, secret=False)
    room.do(c.Nominate, "m1", election="e1", candidate="m5", seconder="m2")
    room.do(c.Nominate, "m3", election="e1", candidate="m6", seconder="m4")
    room.do(c.CloseNominations, SEC, election="e1")
    room.do(c.CastRanking, "m1", election="e1", ranking=("m5", "m6"))
    room.do(c.CastRanking, "m2", election="e1", ranking=("m6",))
    room.do(c.CastRanking, "m3", election="e1", ranking=("m5",))
    room.do(c.CloseElection, SEC, election="e1")
    room.motion("mot4")
    room.do(c.MoveProcedural, "m3", procedural="p4", kind="adjourn_the_meeting",
            target=MEETING, seconder="m4")
    room.carry("p4", "b7")  # mot4 adjourned, the meeting closed
    room.meeting("mtg2", quorum_number=2)
    room.do(c.CloseMeeting, CHAIR, meeting="mtg2")
    return tuple(room.log)


def altered(value: object) -> object:
    """Another value of the same kind."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + " (as the operator wrote it)"
    if isinstance(value, tuple):
        return value[:-1] if value else ("m1",)
    raise TypeError(type(value))


def method_of(log: tuple[ev.Event, ...] | list[ev.Event], ballot: str) -> str:
    return next(e.method for e in log if isinstance(e, ev.BallotOpened) and e.ballot == ballot)


def checked_fields(log: tuple[ev.Event, ...] | list[ev.Event]) -> list[tuple[int, str, str]]:
    """(index, field, how replay checks it) for every field of the log that is not an act,
    except the lot's seed (checked against the log's root by the verifier)."""
    found = []
    for index, event in enumerate(log):
        for name, how in FIELDS.get(event.TYPE, {}).items():
            if how == "root":
                continue
            if (isinstance(event, ev.BallotClosed) and name in {"for_votes", "against", "abstain"}
                    and method_of(log, event.ballot) == "show_of_hands"):
                continue  # the tellers' figures are an act
            found.append((index, name, how))
    return found


def forged(log: tuple[ev.Event, ...] | list[ev.Event], index: int, name: str) -> list[ev.Event]:
    events = list(log)
    events[index] = dataclasses.replace(
        events[index], **{name: altered(getattr(events[index], name))}
    )
    return events


def test_the_proceedings_replay_and_hold_every_kind() -> None:
    log = proceedings()
    require_complete(replay(log))
    kinds = {e.TYPE for e in log}
    assert set(FIELDS) - kinds == set(), "a type with derived fields is missing from the log"
    reasons = {(e.amendment, e.reason) for e in log if isinstance(e, ev.AmendmentFell)}
    assert ("a3", "it was not seconded") in reasons
    assert any(a == "a2" and "amendment 1 was carried" in r for a, r in reasons)
    disposed = {(e.subject, e.state) for e in log if isinstance(e, ev.MotionDisposed)}
    assert {("mot2", "withdrawn"), ("a5", "fell"), ("mot3", "next_business"),
            ("mot4", "adjourned")} <= disposed
    assert {e.reason for e in log if isinstance(e, ev.MeetingClosed)} == {"adjourned", "closed"}


def test_every_field_not_an_act_is_refused_when_altered() -> None:
    """Exhaustively, on the proceedings: each derived field of each event, altered alone."""
    log = proceedings()
    cases = checked_fields(log)
    assert len(cases) > 80
    for index, name, how in cases:
        event = log[index]
        with pytest.raises(DomainError) as refused:
            replay(forged(log, index, name))
        if how == "derived":
            assert f"{event.TYPE}.{name} is not " in str(refused.value), (index, name)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories(), data=st.data())
def test_random_histories_refuse_any_derived_field_altered(history: list[ev.Event],
                                                           data: st.DataObject) -> None:
    require_complete(replay(history))
    cases = checked_fields(history)
    assume(cases)
    index, name, how = data.draw(st.sampled_from(cases))
    event = history[index]
    assume(not (isinstance(getattr(event, name), tuple) and not getattr(event, name)))
    with pytest.raises(DomainError) as refused:
        replay(forged(history, index, name))
    if how == "derived":
        assert str(refused.value).startswith(f"{event.TYPE}.{name} is not ")


EXPECTED = {
    ("business_started", "present"): "the number of voting members the attendance gives",
    ("business_started", "quorum_required"): "the quorum the meeting's rule requires",
    ("business_started", "quorum_rule"): "the meeting's quorum rule",
    ("meeting_closed", "reason"): "'closed': only a vote ends a meeting otherwise",
    ("amendment_moved", "description"): "how its edit reads against the text",
    ("motion_disposed", "state"): "withdrawn: nothing else is disposed of without a vote",
    ("motion_disposed", "reason"): "'withdrawn by the mover'",
    ("procedural_moved", "meeting"): "the meeting of what it is moved on",
    ("ballot_opened", "meeting"): "the meeting its subject belongs to",
    ("ballot_opened", "subject_kind"): "the kind of its subject",
    ("ballot_opened", "question"): "the question its subject gives",
    ("ballot_opened", "text"): "the text of its subject as it stands (the motion as amended)",
    ("ballot_opened", "substantive"): "whether an amendment to the motion was carried",
    ("ballot_opened", "threshold"):
        "the threshold of its subject (its own rule, or the standing orders')",
    ("consent_given", "capacity"): "the member's part in the subject (mover, seconder)",
    ("ballot_opened", "tie_rule"): "the tie rule of the standing orders",
    ("ballot_opened", "revote"): "the revote policy of the body",
    ("ballot_opened", "roll"): "the roll the attendance gives",
    ("ballot_opened", "present"): "the number of voting members the attendance gives",
    ("ballot_opened", "members"):
        "the body's voting membership (by weight for a card or college vote)",
    ("ballot_opened", "quorum_required"): "the quorum the meeting's rule requires",
    ("nominations_closed", "candidates"):
        "the nominated candidates who may stand, in ballot-paper order",
    ("nominations_closed", "roll"): "the roll the attendance gives",
    ("petition_opened", "membership"): "the body's voting membership",
    ("petition_opened", "required"): "what its threshold requires of that membership",
    ("petition_closed", "signatures"): "the number of members who signed",
    ("petition_closed", "required"): "the number required when it opened",
    ("petition_closed", "met"): "whether the signatures reach that number",
}  # fmt: skip


def test_every_derived_field_has_its_refusal_below() -> None:
    derived = {(kind, name) for kind, names in FIELDS.items()
               for name, how in names.items() if how == "derived"}
    assert derived == set(EXPECTED)


@pytest.mark.parametrize(("kind", "name"), sorted(EXPECTED))
def test_the_refusal_names_the_event_and_the_field(kind: str, name: str) -> None:
    log = proceedings()
    index = next(i for i, e in enumerate(log) if kind == e.TYPE
                 and not (isinstance(e, ev.MeetingClosed) and e.reason == "adjourned")
                 and not (isinstance(e, ev.MotionDisposed) and e.state != "withdrawn"))
    with pytest.raises(InconsistentEvent) as refused:
        replay(forged(log, index, name))
    assert str(refused.value) == f"{kind}.{name} is not {EXPECTED[(kind, name)]}"


def test_a_threshold_raised_by_the_operator() -> None:
    log = proceedings()
    index = next(i for i, e in enumerate(log) if isinstance(e, ev.BallotOpened))
    events = list(log)
    events[index] = dataclasses.replace(log[index], threshold="two_thirds_of_votes_cast")
    with pytest.raises(InconsistentEvent, match=r"^ballot_opened\.threshold is not"):
        replay(events)


# -- consequences ------------------------------------------------------------------------


def _at(log: tuple[ev.Event, ...], kind: type[ev.Event], **fields: Any) -> int:
    return next(i for i, e in enumerate(log)
                if isinstance(e, kind) and all(getattr(e, k) == v for k, v in fields.items()))


def test_a_consequence_left_out_is_refused() -> None:
    log = proceedings()
    index = _at(log, ev.MotionTextAmended)
    with pytest.raises(InconsistentEvent,
                       match="amendment_fell is logged where the rules give motion_text_amended"):
        replay(log[:index] + log[index + 1:])


def test_a_consequence_changed_is_refused_naming_the_field() -> None:
    log = proceedings()
    index = _at(log, ev.AmendmentFell, amendment="a2")
    with pytest.raises(InconsistentEvent, match=r"^amendment_fell\.reason is not what the rules"):
        replay(forged(log, index, "reason"))


def test_an_act_between_an_act_and_its_consequences_is_refused() -> None:
    log = proceedings()
    index = _at(log, ev.MotionTextAmended)
    arrival = ev.AttendanceRecorded(log[index].at, MEETING, "m6", False)
    with pytest.raises(InconsistentEvent, match="attendance_recorded is logged where the rules "
                                                "give motion_text_amended next"):
        replay((*log[:index], arrival, *log[index:]))


@pytest.mark.parametrize("kind", [ev.QuestionToBePut, ev.RulingOverturned,
                                  ev.MotionTextAmended])
def test_a_consequence_added_without_its_act_is_refused(kind: type[ev.Event]) -> None:
    log = proceedings()
    index = _at(log, kind)
    end = _at(log, ev.MeetingConvened, meeting="mtg2")  # long after, with nothing pending
    added = dataclasses.replace(log[index], at=log[end - 1].at)  # in time: only the act is missing
    with pytest.raises(InconsistentEvent, match="is logged without the act that causes it"):
        replay((*log[:end], added))


def test_an_amendment_fallen_ahead_of_no_question_is_refused() -> None:
    log = proceedings()
    moved = _at(log, ev.AmendmentMoved, amendment="a1")
    fall = ev.AmendmentFell(log[moved].at, "a1", "it was not seconded")  # in time order
    with pytest.raises(InconsistentEvent, match="amendments fall so only as a question is put"):
        replay((*log[:moved + 1], fall, log[moved + 1]))


def test_an_amendment_that_falls_as_the_motion_is_put_may_not_be_left_out() -> None:
    log = proceedings()
    index = _at(log, ev.AmendmentFell, amendment="a3")
    with pytest.raises(InconsistentEvent, match="amendment_fell is missing before it"):
        replay(log[:index] + log[index + 1:])


def test_an_amendment_may_not_be_made_to_fall_as_the_motion_is_put() -> None:
    """The operator drops the vote on amendment 4 and has it fall as the motion is put."""
    log = proceedings()
    opened = _at(log, ev.BallotOpened, ballot="b4")
    closed = _at(log, ev.BallotClosed, ballot="b4")
    fall = _at(log, ev.AmendmentFell, amendment="a3")
    extra = ev.AmendmentFell(log[fall].at, "a4", "it was not seconded")
    events = (*log[:opened], *log[closed + 1:fall + 1], extra, *log[fall + 1:])
    with pytest.raises(InconsistentEvent, match="amendment_fell for 'a4' is not one the rules"):
        replay(events)


def test_a_log_may_not_end_before_the_consequences() -> None:
    log = proceedings()
    index = _at(log, ev.MotionTextAmended)
    state = replay(log[:index])
    with pytest.raises(InconsistentEvent, match=r"^the log ends before motion_text_amended"):
        require_complete(state)
    with pytest.raises(OutOfOrder, match="middle of a command"):
        decide(state, c.RecordAttendance("2026-01-01T00:00:00Z", SEC, meeting=MEETING,
                                         member="m6", present=False))


def test_a_withdrawal_logged_after_debate_opened_is_refused() -> None:
    """Only a vote disposes of a motion under debate; the mover alone may not."""
    room = Room.founded("citrine").members(4).meeting().motion()
    state = room.state
    event = ev.MotionDisposed("2026-01-01T00:00:00Z", MOTION, "withdrawn",
                              "withdrawn by the mover")
    with pytest.raises(OutOfOrder, match="debate on the motion 'Motion mot' has opened"):
        evolve(state, event)


def test_decide_fills_the_fields_with_the_same_derivation() -> None:
    """What decide writes is what replay recomputes: the log of any command replays."""
    log = proceedings()
    assert replay(log).size == len(log)
    assert replay(log) == replay(list(log), BodyState())
