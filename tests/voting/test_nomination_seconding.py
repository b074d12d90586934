"""A nomination stands only once its seconder seconds it by their own act."""

from __future__ import annotations

import pytest

from voting import (
    AlreadyExists,
    BodyState,
    CloseNominations,
    Command,
    Event,
    Nominate,
    NotEntitled,
    OpenNominations,
    OutOfOrder,
    SecondNomination,
    WithdrawNomination,
    decide,
    execute,
    render_minutes,
    replay,
)
from voting import commands as c
from voting import events as ev

AT = "2026-02-01T10:00:00Z"


class Body:
    def __init__(self) -> None:
        self.state = BodyState()
        self.log: list[Event] = []
        self.do(c.FoundBody(AT, "sec", name="Branch"))
        self.do(c.AdmitMember(AT, "sec", member="sec", name="Sec", roles=("secretary", "member")))
        for m in "abcde":
            self.do(c.AdmitMember(AT, "sec", member=m, name=m.upper() * 3))
        self.do(OpenNominations(AT, "sec", election="x", title="Treasurer", seats=1,
                                method="irv", secret=False))

    def do(self, command: Command) -> tuple[Event, ...]:
        self.state, events = execute(self.state, command)
        self.log.extend(events)
        return events

    def refused(self, command: Command, error: type[Exception], phrase: str) -> None:
        before, size = self.state, len(self.log)
        with pytest.raises(error, match=phrase):
            decide(self.state, command)
        assert self.state == before and len(self.log) == size


def test_a_proposal_waits_for_its_seconder_and_then_stands() -> None:
    body = Body()
    (proposed,) = body.do(Nominate(AT, "b", election="x", candidate="a"))
    assert isinstance(proposed, ev.NominationProposed)
    election = body.state.election("x")
    assert election.nominated == () and dict(election.proposed) == {"a": "b"}
    (nominated,) = body.do(SecondNomination(AT, "c", election="x", candidate="a"))
    assert nominated == ev.CandidateNominated(AT, "x", "a", "b", "c")
    election = body.state.election("x")
    assert election.nominated == ("a",) and dict(election.proposed) == {}
    assert replay(body.log) == body.state
    minutes = render_minutes(body.state, body.log)
    assert "AAA proposed by BBB, awaiting a seconder." in minutes
    assert "AAA nominated by BBB, seconded by CCC." in minutes


def test_seconding_is_refused_where_it_is_not_the_seconders_to_give() -> None:
    body = Body()
    body.refused(SecondNomination(AT, "c", election="x", candidate="a"), OutOfOrder,
                 "nobody has proposed")
    body.do(Nominate(AT, "b", election="x", candidate="a"))
    body.refused(Nominate(AT, "d", election="x", candidate="a"), AlreadyExists, "awaits a seconder")
    body.refused(SecondNomination(AT, "b", election="x", candidate="a"), NotEntitled,
                 "different seconder")
    body.refused(SecondNomination(AT, "zz", election="x", candidate="a"), LookupError, "member")
    body.do(c.SuspendMember(AT, "sec", member="e", reason="arrears"))
    body.refused(SecondNomination(AT, "e", election="x", candidate="a"), NotEntitled,
                 "may not second")
    body.do(SecondNomination(AT, "c", election="x", candidate="a"))
    body.refused(SecondNomination(AT, "d", election="x", candidate="a"), AlreadyExists,
                 "already nominated")


def test_an_unseconded_proposal_lapses_when_nominations_close() -> None:
    body = Body()
    body.do(Nominate(AT, "b", election="x", candidate="a"))
    body.do(Nominate(AT, "c", election="x", candidate="d"))
    body.do(SecondNomination(AT, "e", election="x", candidate="d"))
    (closed,) = body.do(CloseNominations(AT, "sec", election="x"))
    assert isinstance(closed, ev.NominationsClosed) and closed.candidates == ("d",)
    body.refused(SecondNomination(AT, "c", election="x", candidate="a"), OutOfOrder, "closed")
    assert replay(body.log) == body.state


def test_a_candidate_may_withdraw_a_proposal_before_it_is_seconded() -> None:
    body = Body()
    body.do(Nominate(AT, "b", election="x", candidate="a"))
    body.do(WithdrawNomination(AT, "a", election="x"))
    assert dict(body.state.election("x").proposed) == {}
    body.refused(SecondNomination(AT, "c", election="x", candidate="a"), OutOfOrder,
                 "nobody has proposed")
    body.refused(WithdrawNomination(AT, "a", election="x"), NotEntitled, "not a candidate")
    assert replay(body.log) == body.state


def test_a_seconder_named_in_the_room_still_nominates_at_once() -> None:
    body = Body()
    (nominated,) = body.do(Nominate(AT, "b", election="x", candidate="a", seconder="c"))
    assert nominated == ev.CandidateNominated(AT, "x", "a", "b", "c")
