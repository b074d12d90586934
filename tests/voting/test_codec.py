"""The JSON form of events: every type round-trips; malformed input is refused."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voting import commands as c
from voting import events as ev
from voting.codec import from_json, to_json
from voting.errors import DomainError

from .builders import CHAIR, MEETING, MOTION, SEC, Room

pytestmark = pytest.mark.unit


def tour() -> list[ev.Event]:
    """A meeting that produces every type of event at least once."""
    room = Room.founded(proxies_allowed=True).members(6).meeting(
        present=(CHAIR, SEC, "m1", "m2", "m3", "m4", "m5"))  # fmt: skip
    room.do(c.DefineCollege, SEC, sections=(("affiliates", "1/2"), ("branches", "1/2")))
    room.do(c.SuspendMember, SEC, member="m6", reason="arrears")
    room.do(c.ReinstateMember, SEC, member="m6")
    room.do(c.AppointProxy, SEC, meeting=MEETING, giver="m6", holder="m5")
    room.motion()
    room.amendment("a1", kind="leave_out", leave_out="fifty pounds")
    room.amendment("a2", mover="m5", seconder="m1", kind="leave_out_and_insert",
                   leave_out="fifty", insert="sixty")  # fmt: skip
    room.amendment("a3", mover="m5", seconder="m1", kind="insert", after="strike", insert="fully")
    room.do(c.RuleOutOfOrder, CHAIR, amendment="a3", ground="not_relevant", reason="Off topic.")
    room.do(c.MoveProcedural, "m5", procedural="p1", kind="challenge_to_the_chair", target="a3",
            seconder="m1")  # fmt: skip
    room.carry("p1", "b1")
    room.take("a3")
    room.do(c.MoveProcedural, "m3", procedural="p2", kind="that_the_question_be_now_put",
            target="a3")  # fmt: skip
    room.do(c.SecondProcedural, "m4", procedural="p2")
    room.carry("p2", "b2")
    room.vote("a3", "b3", method="card", votes={"m1": "for", "m2": "against", "m3": "against"})
    room.take("a1")
    room.do(c.OpenBallot, CHAIR, ballot="b4", subject="a1", method="secret")
    room.do(c.CastVote, "m1", ballot="b4", choice="for", tracker="ab" * 16)
    room.do(c.CastVote, "m5", ballot="b4", choice="for", tracker="cd" * 16, on_behalf_of="m6")
    room.do(c.CloseBallot, CHAIR, ballot="b4", papers=(("cd" * 16, "for"), ("ab" * 16, "for")))
    room.carry(MOTION, "b5")
    room.do(c.OpenPetition, "m1", petition="pet", text="We want a ballot.", number=1)
    room.do(c.SignPetition, "m2", petition="pet")
    room.do(c.ClosePetition, SEC, petition="pet")
    # A members' ballot the petition triggered, outside the meeting.
    room.do(c.OpenMembersBallot, SEC, ballot="mb", question="That we affiliate.",
            opens_at=room.later(1), closes_at=room.later(5), petition="pet")
    room.do(c.CastVote, "m2", ballot="mb", choice="for")
    room.wait(5).do(c.CloseBallot, SEC, ballot="mb")
    room.motion("other", mover="m3", seconder="", debate=False)
    room.do(c.WithdrawMotion, "m3", subject="other")
    # A motion to amend the standing orders, carried (their change is its consequence), and a
    # mover's consent to a remit, their own act.
    room.do(c.MoveMotion, "m1", motion="so", meeting=MEETING, title="Ties",
            text="That an equality of votes loses.", orders=(("tie_rule", "tie_falls"),))
    room.do(c.SecondMotion, "m2", motion="so")
    room.do(c.OpenDebate, CHAIR, motion="so")
    room.carry("so", "b6")
    room.motion("rem", mover="m3", seconder="m4", debate=False)
    room.do(c.GiveConsent, "m3", subject="rem", act="remit")
    room.do(c.CloseMeeting, CHAIR, meeting=MEETING)
    # An unattributed meeting: the policy set before attendance, then its register.
    room.do(c.ConveneMeeting, SEC, meeting="u", title="U", chair=CHAIR, secretary=SEC,
            quorum_number=1)  # fmt: skip
    room.do(c.SetPublication, CHAIR, meeting="u", publication="unattributed")
    room.do(c.RecordAttendance, SEC, meeting="u", member="m1")
    room.do(c.CloseMeeting, CHAIR, meeting="u")
    # A recorded election and a secret one.
    room.do(c.OpenNominations, SEC, election="e1", title="Delegate", seats=1, method="irv",
            secret=False)  # fmt: skip
    room.do(c.Nominate, "m1", election="e1", candidate="m2", seconder="m3")
    room.do(c.Nominate, "m1", election="e1", candidate="m4", seconder="m3")
    room.do(c.WithdrawNomination, "m4", election="e1")
    room.do(c.Nominate, "m1", election="e1", candidate="m5")
    room.do(c.SecondNomination, "m3", election="e1", candidate="m5")
    room.do(c.CloseNominations, SEC, election="e1")
    room.do(c.CastRanking, "m1", election="e1", ranking=("m2", "m5"))
    room.do(c.CloseElection, SEC, election="e1")
    room.do(c.OpenNominations, SEC, election="e2", title="Auditor", seats=1, method="plurality")
    room.do(c.Nominate, "m1", election="e2", candidate="m3", seconder="m2")
    room.do(c.CloseNominations, SEC, election="e2")
    room.do(c.CastRanking, "m1", election="e2", ranking=("m3",), tracker="ef" * 16)
    room.do(c.CloseElection, SEC, election="e2", papers=(("ef" * 16, ("m3",)),))
    return room.log


TOUR = tour()


def test_the_tour_covers_every_event_type() -> None:
    assert {e.TYPE for e in TOUR} == set(ev.EVENT_TYPES)


@pytest.mark.parametrize("event", TOUR, ids=lambda e: e.TYPE)
def test_every_logged_event_round_trips_through_json_text(event: ev.Event) -> None:
    data = to_json(event)
    assert data["type"] == event.TYPE
    assert from_json(json.loads(json.dumps(data))) == event


def _no_floats(value: object) -> bool:
    if isinstance(value, dict):
        return all(_no_floats(v) for v in value.values())
    if isinstance(value, list):
        return all(_no_floats(v) for v in value)
    return isinstance(value, str | int | bool)


def test_the_json_form_has_only_strings_integers_booleans_and_lists() -> None:
    for event in TOUR:
        assert _no_floats(to_json(event)), event


EVENT_CLASSES = sorted(ev.EVENT_TYPES.values(), key=lambda cls: cls.TYPE)


@given(st.sampled_from(EVENT_CLASSES).flatmap(st.builds))
def test_any_event_value_round_trips(event: ev.Event) -> None:
    """Property: from_json(to_json(e)) == e for every event of every type, whatever its values."""
    data = to_json(event)
    assert _no_floats(data)
    assert from_json(json.loads(json.dumps(data))) == event


# -- refusals -------------------------------------------------------------------------

VOTE = to_json(ev.VoteCast("t", "b1", "m1", "m1", 1, 0, 0))
OPENED = next(to_json(e) for e in TOUR if isinstance(e, ev.BallotOpened))
FOUNDED = to_json(TOUR[0])


def changed(data: dict[str, object], **fields: Any) -> dict[str, object]:
    return {**data, **fields}


def without(data: dict[str, object], name: str) -> dict[str, object]:
    return {k: v for k, v in data.items() if k != name}


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        (changed(VOTE, type="vote_stolen"), "unknown event type"),
        (without(VOTE, "type"), "unknown event type"),
        (changed(VOTE, type=7), "unknown event type"),
        (without(VOTE, "against"), "missing field 'against'"),
        (changed(VOTE, extra=1), "unexpected fields ['extra']"),
        (changed(VOTE, for_votes=True), "expected a whole number"),
        (changed(VOTE, for_votes=1.0), "expected a whole number"),
        (changed(VOTE, for_votes="1"), "expected a whole number"),
        (changed(VOTE, voter=5), "expected text"),
        (changed(VOTE, voter=None), "expected text"),
        (changed(FOUNDED, proxies_allowed=1), "expected true or false"),
        (changed(FOUNDED, proxies_allowed="true"), "expected true or false"),
        (changed(OPENED, roll=[["m1", "m1"]]), "expected 3 items"),
        (changed(OPENED, roll=[["m1", "m1", 1.5]]), "expected a whole number"),
        (changed(OPENED, roll="m1"), "expected a list"),
        (changed(OPENED, roll=[("m1", "m1", 1)]), "expected a list"),
        (changed(OPENED, roll=[["m1", "m1", 1], ["m2", "m2", True]]), "expected a whole number"),
        (changed(OPENED, roll=[["m1", "m1", 1], ["m2", 2, 1]]), "expected text"),
        (changed(OPENED, roll=[["m1", "m1", 1], ["m2", "m2", 1, 1]]), "expected 3 items"),
        (changed(OPENED, roll=[["m1", "m1", 1], "m2m2"]), "expected a list"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_from_json_refuses_malformed_events(data: dict[str, object], phrase: str) -> None:
    with pytest.raises(DomainError) as raised:
        from_json(data)
    assert isinstance(raised.value, ValueError)
    assert phrase in str(raised.value)


scalars = st.one_of(st.text(max_size=3), st.integers(-3, 3), st.booleans(), st.none(),
                    st.floats(allow_nan=False))
rows = st.lists(st.one_of(st.lists(scalars, max_size=4), scalars,
                          st.tuples(st.text(max_size=3), st.text(max_size=3), st.integers())),
                max_size=5)


@given(rows)
def test_a_roll_is_decoded_as_item_by_item_checking_would(roll: list[Any]) -> None:
    """A roll whose rows all have the exact kinds is taken whole; any other is refused."""
    exact = all(type(row) is list and [type(v) for v in row] == [str, str, int] for row in roll)
    data = changed(OPENED, roll=roll)
    if exact:
        event = from_json(data)
        assert isinstance(event, ev.BallotOpened)
        assert event.roll == tuple(tuple(row) for row in roll)
    else:
        with pytest.raises(DomainError):
            from_json(data)


@pytest.mark.parametrize("data", [[], "vote_cast", None, 3])
def test_from_json_refuses_what_is_not_an_object(data: Any) -> None:
    with pytest.raises(DomainError):
        from_json(data)


def test_event_fields_are_only_text_numbers_flags_and_tuples() -> None:
    """The vocabulary has no float fields at all, so no float can reach the log."""
    for cls in ev.EVENT_TYPES.values():
        for field in dataclasses.fields(cls):
            assert "float" not in str(field.type), (cls.TYPE, field.name)
