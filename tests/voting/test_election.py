"""Elections in the domain: nominations, ranked ballots, the count at the close."""

from __future__ import annotations

import dataclasses

import pytest

from tallying.errors import TellersError
from voting import commands as c
from voting import events as ev
from voting.decider import decide, execute, replay
from voting.errors import (
    AlreadyExists,
    AlreadyVoted,
    BallotClosed,
    DomainError,
    InconsistentEvent,
    InvalidVote,
    NotEntitled,
    OutOfOrder,
)
from voting.seal import mark, mark_key, seal
from voting.state import BodyState, ElectionStage

AT = "2026-02-01T10:00:00Z"
TRACKERS = {m: f"{i:032x}" for i, m in enumerate("abcdefg", start=1)}


class Body:
    def __init__(self) -> None:
        self.state = BodyState()
        self.log: list[ev.Event] = []
        self.do(c.FoundBody(AT, "sec", name="Branch"))
        self.do(c.AdmitMember(AT, "sec", member="sec", name="Sec", roles=("secretary", "member")))
        for m in "abcdefg":
            self.do(c.AdmitMember(AT, "sec", member=m, name=m.upper() * 3))

    def do(self, command: c.Command) -> tuple[ev.Event, ...]:
        self.state, events = execute(self.state, command)
        self.log.extend(events)
        return events

    def refused(self, command: c.Command, error: type[Exception], phrase: str) -> None:
        before = self.state
        with pytest.raises(error, match=phrase):
            decide(self.state, command)
        assert self.state == before


def nominations(body: Body, *, secret: bool, method: str = "scottish_stv", seats: int = 2) -> None:
    body.do(c.OpenNominations(AT, "sec", election="x", title="Executive", seats=seats,
                              method=method, secret=secret))  # fmt: skip
    for candidate in "abcd":
        body.do(c.Nominate(AT, "e", election="x", candidate=candidate, seconder="f"))
    body.do(c.CloseNominations(AT, "sec", election="x"))


RANKINGS = {
    "a": ("a", "b"),
    "b": ("a", "c"),
    "c": ("b", "a"),
    "d": ("c",),
    "e": ("d", "c"),
    "f": ("a",),
    "g": ("b",),
}


def test_a_recorded_stv_election_counts_at_the_close_and_replays() -> None:
    body = Body()
    nominations(body, secret=False)
    for voter, ranking in RANKINGS.items():
        body.do(c.CastRanking(AT, voter, election="x", ranking=ranking))
    assert body.state.election("x").elected == ()  # nothing counted before the close
    (closed,) = body.do(c.CloseElection(AT, "sec", election="x", seed="00ff"))
    assert isinstance(closed, ev.ElectionClosed)
    # Quota floor(7/3)+1 = 3: A has 3 first preferences and is elected at stage 1.
    assert closed.elected[0] == "a"
    assert closed.rule == "scottish_stv_2007"
    assert body.state.election("x").stage == ElectionStage.DECLARED
    assert replay(body.log) == body.state


def test_a_tie_needs_the_public_seed_and_the_lot_is_recorded() -> None:
    body = Body()
    nominations(body, secret=False)
    for voter, ranking in RANKINGS.items():
        body.do(c.CastRanking(AT, voter, election="x", ranking=ranking))
    body.refused(c.CloseElection(AT, "sec", election="x"), OutOfOrder, "lot")
    (closed,) = body.do(c.CloseElection(AT, "sec", election="x", seed="00ff"))
    assert isinstance(closed, ev.ElectionClosed)
    assert closed.lots == 1
    assert closed.seed == "00ff"


SECRET = "5e" * 32


def cast_sealed(body: Body) -> None:
    for voter, ranking in RANKINGS.items():
        events = body.do(c.CastRanking(AT, voter, election="x", ranking=ranking,
                                       tracker=TRACKERS[voter], mark_key=mark_key(SECRET, voter)))
        sealed = ev.SealedRankingCast(AT, "x", mark("x", voter, mark_key(SECRET, voter)),
                                      seal("x", TRACKERS[voter], "\n".join(ranking)))
        assert events == (sealed,)  # no ranking and no voter in the log


def test_a_secret_election_publishes_sorted_papers_and_recounts_them() -> None:
    body = Body()
    nominations(body, secret=True, method="irv", seats=1)
    cast_sealed(body)
    body.refused(c.CastRanking(AT, "a", election="x", ranking=("b",), tracker="ff" * 16,
                               mark_key=mark_key(SECRET, "a")), AlreadyVoted, "already voted")
    papers = tuple((TRACKERS[v], r) for v, r in reversed(RANKINGS.items()))
    body.refused(c.CloseElection(AT, "sec", election="x", papers=papers[:-1],
                                 ballot_secret=SECRET), InvalidVote, "6 ballot papers")
    body.refused(c.CloseElection(AT, "sec", election="x", papers=papers, seed="01",
                                 ballot_secret="00" * 32), InvalidVote, "not the secret")
    changed = ((TRACKERS["a"], ("b", "a")), *papers[:-1])
    body.refused(c.CloseElection(AT, "sec", election="x", papers=changed, seed="01",
                                 ballot_secret=SECRET), InvalidVote, "opens no seal")
    (closed,) = body.do(c.CloseElection(AT, "sec", election="x", papers=papers, seed="01",
                                        ballot_secret=SECRET))
    assert isinstance(closed, ev.ElectionClosed)
    assert [t for t, _ in closed.papers] == sorted(TRACKERS.values())
    assert closed.voters == tuple("abcdefg")
    # IRV: first preferences A 3, B 2, C 1, D 1; C and D (tied, by lot) go, A wins 3-2.
    assert closed.elected == ("a",)
    assert replay(body.log) == body.state
    forged = dataclasses.replace(closed, voters=("a", "b", "c", "d", "e", "f", "z"))
    with pytest.raises(InconsistentEvent, match="z, who is not on the roll"):
        replay([*body.log[:-1], forged])
    with pytest.raises(InconsistentEvent, match="lists 6 voters for 7 sealed rankings"):
        replay([*body.log[:-1], dataclasses.replace(closed, voters=tuple("abcdef"))])
    swapped = tuple(sorted((TRACKERS["a"] if t == TRACKERS["g"] else TRACKERS["g"] if
                            t == TRACKERS["a"] else t, r) for t, r in closed.papers))
    with pytest.raises(InvalidVote, match="opens no seal"):
        replay([*body.log[:-1], dataclasses.replace(closed, papers=swapped)])


def test_replay_refuses_a_sealed_ranking_the_election_cannot_hold() -> None:
    body = Body()
    nominations(body, secret=True, method="irv", seats=1)
    cast_sealed(body)
    first = body.log[-7]
    assert isinstance(first, ev.SealedRankingCast)
    roll = len(body.state.election("x").roll)  # 8: the secretary and a to g
    extra = [ev.SealedRankingCast(AT, "x", f"{n:064x}", f"{n + 99:064x}") for n in range(roll - 6)]
    for forged, phrase in (
        ([dataclasses.replace(first, seal="cd" * 32)], "one member's mark"),
        ([dataclasses.replace(first, mark="cd" * 32)], "one seal"),
        ([dataclasses.replace(first, mark="a", seal="cd" * 32)], "mark is 64 lowercase hex"),
        (extra, "more sealed rankings in .Executive. than the 8 members"),
    ):
        with pytest.raises(DomainError, match=phrase):
            replay([*body.log, *forged])
    replay([*body.log, *extra[:1]])  # the eighth fits the roll
    named = ev.RankingCast(AT, "x", "a", ("a",))
    with pytest.raises(DomainError, match="named ranking"):
        replay([*body.log, named])


def test_a_logged_result_the_recount_does_not_give_is_refused_on_replay() -> None:
    body = Body()
    nominations(body, secret=False, method="plurality", seats=1)
    for voter, ranking in RANKINGS.items():
        body.do(c.CastRanking(AT, voter, election="x", ranking=ranking))
    (closed,) = body.do(c.CloseElection(AT, "sec", election="x"))
    assert isinstance(closed, ev.ElectionClosed)
    forged = ev.ElectionClosed(AT, "x", ("b",), closed.rule, "", 0, (), (), "sec")
    with pytest.raises(InconsistentEvent, match="recount"):
        replay([*body.log[:-1], forged])


@pytest.mark.parametrize(
    ("ranking", "phrase"),
    [
        ((), "at least one"),
        (("a", "a"), "more than once"),
        (("a", "", "b"), "preference 2 is blank"),
        (("a", "zz"), "not a candidate"),
        (("e",), "not a candidate"),  # a member, but not nominated
    ],
)
def test_bad_rankings_are_refused_when_cast_and_change_nothing(
    ranking: tuple[str, ...], phrase: str
) -> None:
    body = Body()
    nominations(body, secret=False)
    body.refused(c.CastRanking(AT, "a", election="x", ranking=ranking), InvalidVote, phrase)


def test_who_may_vote_and_when() -> None:
    body = Body()
    body.do(c.OpenNominations(AT, "sec", election="x", title="Exec", seats=1, method="irv",
                              secret=False))  # fmt: skip
    body.refused(c.CastRanking(AT, "a", election="x", ranking=("a",)), BallotClosed, "not opened")
    body.do(c.Nominate(AT, "b", election="x", candidate="a", seconder="c"))
    again = c.Nominate(AT, "b", election="x", candidate="a", seconder="c")
    body.refused(again, AlreadyExists, "already nominated")
    alone = c.Nominate(AT, "b", election="x", candidate="b", seconder="b")
    body.refused(alone, NotEntitled, "different seconder")
    body.do(c.SuspendMember(AT, "sec", member="g", reason="arrears"))
    body.do(c.CloseNominations(AT, "sec", election="x"))
    body.refused(c.CastRanking(AT, "g", election="x", ranking=("a",)), NotEntitled, "roll")
    body.refused(c.CastRanking(AT, "zz", election="x", ranking=("a",)), NotEntitled, "member")
    body.do(c.CastRanking(AT, "b", election="x", ranking=("a",)))
    body.refused(c.CastRanking(AT, "b", election="x", ranking=("a",)), AlreadyVoted, "already")
    body.refused(
        c.Nominate(AT, "b", election="x", candidate="c", seconder="d"), OutOfOrder, "closed"
    )


def election(**changes: object) -> c.OpenNominations:
    fields: dict[str, object] = {"election": "y", "title": "T", "seats": 1, "method": "irv"}
    by = str(changes.pop("by", "sec"))
    fields.update(changes)
    return c.OpenNominations(AT, by, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("command", "error", "phrase"),
    [
        (election(seats=0), DomainError, "seats"),
        (election(method="borda"), DomainError, "no counting method"),
        (election(by="a"), NotEntitled, "chair or secretary"),
        (election(election=""), DomainError, "id"),
        (c.CloseNominations(AT, "sec", election="nope"), LookupError, "no election"),
    ],
)
def test_bad_election_commands_are_refused(
    command: c.Command, error: type[Exception], phrase: str
) -> None:
    body = Body()
    body.refused(command, error, phrase)
    with pytest.raises(TellersError):
        decide(body.state, command)


def test_nominations_close_with_nobody_nominated_is_refused() -> None:
    body = Body()
    body.do(c.OpenNominations(AT, "sec", election="x", title="Exec", seats=1, method="irv"))
    body.refused(c.CloseNominations(AT, "sec", election="x"), OutOfOrder, "nobody")


def _agm_election_voting(body: Body) -> None:
    """An AGM with sec, a, b and c present, and an election there with one nominee."""
    body.do(c.ConveneMeeting(AT, "sec", meeting="agm", title="AGM", chair="sec",
                             secretary="sec", quorum_number=2))  # fmt: skip
    for member in ("sec", "a", "b", "c"):
        body.do(c.RecordAttendance(AT, "sec", meeting="agm", member=member, present=True))
    body.do(c.StartBusiness(AT, "sec", meeting="agm"))
    body.do(c.OpenNominations(AT, "sec", election="x", title="Chair", seats=1, method="irv",
                              meeting="agm", secret=False))  # fmt: skip
    body.do(c.Nominate(AT, "b", election="x", candidate="a", seconder="c"))


def test_in_a_meeting_a_voter_who_has_left_may_not_cast_a_ranking() -> None:
    """The roll is the members present when nominations close; one who then leaves may not vote."""
    body = Body()
    _agm_election_voting(body)
    body.do(c.CloseNominations(AT, "sec", election="x"))
    body.refused(c.CastRanking(AT, "d", election="x", ranking=("a",)), NotEntitled, "roll")
    body.do(c.RecordAttendance(AT, "sec", meeting="agm", member="b", present=False))
    body.refused(c.CastRanking(AT, "b", election="x", ranking=("a",)), NotEntitled,
                 "has left the meeting")  # fmt: skip
    body.do(c.RecordAttendance(AT, "sec", meeting="agm", member="b", present=True))
    body.do(c.CastRanking(AT, "b", election="x", ranking=("a",)))
    assert replay(body.log) == body.state


def test_a_meeting_does_not_close_or_adjourn_while_its_election_is_open() -> None:
    """Its roll is the members present: nobody may go on voting after the meeting is over."""
    body = Body()
    _agm_election_voting(body)
    body.refused(c.CloseMeeting(AT, "sec", meeting="agm"), OutOfOrder, "still open \\(nominating")
    body.do(c.CloseNominations(AT, "sec", election="x"))
    body.refused(c.CloseMeeting(AT, "sec", meeting="agm"), OutOfOrder, "still open \\(voting")
    adjourn = c.MoveProcedural(AT, "b", procedural="p1", kind="adjourn_the_meeting",
                               target="agm", seconder="c")
    body.refused(adjourn, OutOfOrder, "election 'Chair' is still open")
    body.do(c.CastRanking(AT, "b", election="x", ranking=("a",)))
    body.do(c.CloseElection(AT, "sec", election="x"))
    body.do(c.CloseMeeting(AT, "sec", meeting="agm"))
    assert replay(body.log) == body.state


def test_a_logged_close_of_a_meeting_with_its_election_open_does_not_replay() -> None:
    body = Body()
    _agm_election_voting(body)
    body.do(c.CloseNominations(AT, "sec", election="x"))
    forged = [*body.log, ev.MeetingClosed(AT, "agm", "closed")]
    with pytest.raises(OutOfOrder, match="still open"):
        replay(forged)
