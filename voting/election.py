"""Elections: nominations, ranked (or single-choice) voting, and the count at the close.

An election is a ballot that fills seats from candidates with a named
counting method (``tallying.registry``: ``scottish_stv``, ``meek``, ``irv``,
``schulze``, ``plurality`` ...). Nominations open and close; the candidates
and the roll are fixed when nominations close (in a meeting, a voter on the
roll who has since left is refused until they return); each ranked ballot is checked
when cast (every candidate known, none ranked twice, no blank preference)
and refused with a clear error; nothing is counted until the close, when
the count is made and recorded with the rule's name and any lot's seed.
In a secret election a ranking is sealed when cast, as a secret ballot's
paper is (:mod:`voting.seal`, :mod:`voting.ballot`).
On replay the count is made again and must elect the same candidates in the
same order.
"""

from __future__ import annotations

from tallying.errors import CountError, LotNeeded
from tallying.profile import Profile, RankedBallot, merge_identical
from tallying.registry import CountOptions, count, methods
from tallying.result import ElectionResult
from voting import events as ev
from voting import seal as sealing
from voting.ballot import check_papers, check_tracker, marked_register
from voting.body import check_name, require_founded, require_officer
from voting.commands import (
    CastRanking,
    CloseElection,
    CloseNominations,
    Nominate,
    OpenNominations,
    SecondNomination,
    WithdrawNomination,
)
from voting.derived import Derived, make
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
from voting.ids import check_id
from voting.meeting import open_meeting
from voting.state import BodyState, Election, ElectionStage, put, with_

__all__ = [
    "cast_ranking",
    "close_election",
    "close_nominations",
    "derive_nominations_closed",
    "nominate",
    "open_nominations",
    "run_count",
    "second_nomination",
    "withdraw_nomination",
]

MAX_SEATS = 1000


def open_nominations(state: BodyState, cmd: OpenNominations) -> list[ev.Event]:
    require_founded(state)
    require_officer(state, cmd.by)
    check_id(cmd.election, "election")
    if cmd.election in state.elections:
        raise AlreadyExists(f"there is already an election {cmd.election!r}")
    check_name(cmd.title, "election")
    if (
        isinstance(cmd.seats, bool)
        or not isinstance(cmd.seats, int)
        or not 1 <= cmd.seats <= MAX_SEATS
    ):
        raise DomainError(f"an election fills from 1 to {MAX_SEATS} seats, not {cmd.seats!r}")
    if cmd.method not in methods():
        raise DomainError(f"no counting method {cmd.method!r}; known: {', '.join(methods())}")
    if cmd.meeting:
        open_meeting(state, cmd.meeting)
    return [
        ev.NominationsOpened(
            cmd.at, cmd.election, cmd.title, cmd.seats, cmd.method, cmd.meeting, cmd.secret, cmd.by
        )
    ]


def evolve_opened(state: BodyState, e: ev.NominationsOpened) -> BodyState:
    election = Election(e.election, e.title, e.seats, e.method, e.meeting, e.secret)
    return with_(state, elections=put(state.elections, e.election, election))


def _nominating(state: BodyState, election_id: str) -> Election:
    election = state.election(election_id)
    if election.stage != ElectionStage.NOMINATING:
        raise OutOfOrder(f"nominations for {election.title!r} have closed")
    return election


def _voting_member(state: BodyState, member_id: str, act: str) -> None:
    member = state.member(member_id)
    if not member.may_vote:
        raise NotEntitled(f"{member.name} may not {act} (suspended or an observer)")


def nominate(state: BodyState, cmd: Nominate) -> list[ev.Event]:
    """Propose a candidate; with a named seconder (a record kept in the room), nominate at once.

    A nomination needs a proposer and a different seconder, both entitled to
    vote. Over the service a member proposes and another seconds by their own
    act (:func:`second_nomination`): nobody may second in another's name.
    """
    election = _nominating(state, cmd.election)
    _voting_member(state, cmd.candidate, "stand")
    _voting_member(state, cmd.by, "propose a candidate")
    if cmd.candidate in election.nominated:
        raise AlreadyExists(f"{state.name_of(cmd.candidate)} is already nominated")
    if cmd.candidate in election.proposed:
        raise AlreadyExists(
            f"{state.name_of(cmd.candidate)} is already proposed and awaits a seconder"
        )
    if not cmd.seconder:
        return [ev.NominationProposed(cmd.at, cmd.election, cmd.candidate, cmd.by)]
    _voting_member(state, cmd.seconder, "second a nomination")
    if cmd.by == cmd.seconder:
        raise NotEntitled("a nomination needs a proposer and a different seconder")
    return [ev.CandidateNominated(cmd.at, cmd.election, cmd.candidate, cmd.by, cmd.seconder)]


def evolve_proposed(state: BodyState, e: ev.NominationProposed) -> BodyState:
    election = state.election(e.election)
    election = with_(election, proposed=put(election.proposed, e.candidate, e.proposer))
    return with_(state, elections=put(state.elections, e.election, election))


def second_nomination(state: BodyState, cmd: SecondNomination) -> list[ev.Event]:
    """The seconder's own act makes a proposed nomination stand."""
    election = _nominating(state, cmd.election)
    proposer = election.proposed.get(cmd.candidate)
    if proposer is None:
        if cmd.candidate in election.nominated:
            raise AlreadyExists(f"{state.name_of(cmd.candidate)} is already nominated")
        raise OutOfOrder(
            f"nobody has proposed {state.name_of(cmd.candidate)} in {election.title!r}"
        )
    _voting_member(state, cmd.by, "second a nomination")
    if cmd.by == proposer:
        raise NotEntitled("a nomination needs a proposer and a different seconder")
    return [ev.CandidateNominated(cmd.at, cmd.election, cmd.candidate, proposer, cmd.by)]


def evolve_nominated(state: BodyState, e: ev.CandidateNominated) -> BodyState:
    election = state.election(e.election)
    proposed = {c: p for c, p in election.proposed.items() if c != e.candidate}
    election = with_(election, nominated=(*election.nominated, e.candidate), proposed=proposed)
    return with_(state, elections=put(state.elections, e.election, election))


def withdraw_nomination(state: BodyState, cmd: WithdrawNomination) -> list[ev.Event]:
    """A candidate withdraws a nomination, standing or still awaiting its seconder."""
    election = _nominating(state, cmd.election)
    if cmd.by not in election.nominated and cmd.by not in election.proposed:
        raise NotEntitled(f"{state.name_of(cmd.by)} is not a candidate in {election.title!r}")
    return [ev.NominationWithdrawn(cmd.at, cmd.election, cmd.by)]


def evolve_withdrawn(state: BodyState, e: ev.NominationWithdrawn) -> BodyState:
    election = state.election(e.election)
    nominated = tuple(c for c in election.nominated if c != e.candidate)
    proposed = {c: p for c, p in election.proposed.items() if c != e.candidate}
    election = with_(election, nominated=nominated, proposed=proposed)
    return with_(state, elections=put(state.elections, e.election, election))


def close_nominations(state: BodyState, cmd: CloseNominations) -> list[ev.Event]:
    return [make(ev.NominationsClosed, derive_nominations_closed, state, at=cmd.at,
                 election=cmd.election, by=cmd.by)]


def derive_nominations_closed(state: BodyState, e: ev.NominationsClosed
                              ) -> dict[str, Derived]:
    """The ballot paper and the roll, fixed as nominations close: the nominated candidates
    who may still stand, by name; the voting members present (or, for a ballot of all
    members, every voting member)."""
    election = _nominating(state, e.election)
    require_officer(state, e.by)
    candidates = tuple(
        sorted(
            (c for c in election.nominated if state.member(c).may_vote),
            key=lambda c: (state.name_of(c), c),
        )
    )
    if not candidates:
        raise OutOfOrder(f"nobody is nominated for {election.title!r}")
    if election.meeting:
        meeting = open_meeting(state, election.meeting)
        roll = tuple(sorted(m for m in meeting.present if state.member(m).may_vote))
    else:
        roll = tuple(sorted(m.id for m in state.members.values() if m.may_vote))
    return {
        "candidates": Derived(
            candidates, "the nominated candidates who may stand, in ballot-paper order"
        ),
        "roll": Derived(roll, "the roll the attendance gives"),
    }


def evolve_nominations_closed(state: BodyState, e: ev.NominationsClosed) -> BodyState:
    election = state.election(e.election)
    if set(e.candidates) - set(election.nominated):
        raise InconsistentEvent("a candidate on the ballot paper was never nominated")
    election = with_(
        election,
        stage=ElectionStage.VOTING,
        candidates=e.candidates,
        roll=frozenset(e.roll),
    )
    return with_(state, elections=put(state.elections, e.election, election))


def _voting(state: BodyState, election_id: str) -> Election:
    election = state.election(election_id)
    if election.stage == ElectionStage.NOMINATING:
        raise BallotClosed(f"voting in {election.title!r} has not opened: nominations are open")
    if election.stage == ElectionStage.DECLARED:
        raise BallotClosed(f"voting in {election.title!r} has closed")
    return election


def check_ranking(state: BodyState, election: Election, ranking: tuple[str, ...]) -> None:
    """A ranked ballot: at least one candidate, each on the paper, none twice, no blanks."""
    if not isinstance(ranking, tuple) or not ranking:
        raise InvalidVote("a ballot must rank at least one candidate")
    seen: set[str] = set()
    for place, candidate in enumerate(ranking, start=1):
        if not isinstance(candidate, str) or not candidate:
            raise InvalidVote(f"preference {place} is blank: preferences may not be skipped")
        if candidate not in election.candidates:
            raise InvalidVote(f"preference {place}: {candidate!r} is not a candidate")
        if candidate in seen:
            raise InvalidVote(
                f"preference {place}: {state.name_of(candidate)} is ranked more than once"
            )
        seen.add(candidate)


def _check_voter(state: BodyState, election: Election, voter: str) -> None:
    if voter not in state.members:
        raise NotEntitled(f"{voter!r} is not a member of {state.name}")
    if voter not in election.roll:
        raise NotEntitled(f"{state.name_of(voter)} is not on the roll for {election.title!r}")
    if state.member(voter).suspended:
        raise NotEntitled(f"{state.name_of(voter)} has been suspended and may not vote")
    if election.meeting and voter not in state.meetings[election.meeting].present:
        raise NotEntitled(
            f"{state.name_of(voter)} has left the meeting and may no longer vote in "
            f"{election.title!r}"
        )
    if voter in election.rankings or voter in election.voters:
        raise AlreadyVoted(f"{state.name_of(voter)} has already voted in {election.title!r}")


def cast_ranking(state: BodyState, cmd: CastRanking) -> list[ev.Event]:
    election = _voting(state, cmd.election)
    _check_voter(state, election, cmd.by)
    check_ranking(state, election, cmd.ranking)
    if election.secret:
        check_tracker(cmd.tracker)
        key = sealing.check_digest(cmd.mark_key, "mark key")
        mark = sealing.mark(election.id, cmd.by, key)
        if mark in election.marks:
            raise AlreadyVoted(f"{state.name_of(cmd.by)} has already voted in {election.title!r}")
        seal = sealing.seal(election.id, cmd.tracker, sealing.ranking_choice(cmd.ranking))
        if seal in election.seals:
            raise InvalidVote("a paper with this tracker and ranking is already sealed in "
                              f"{election.title!r}: draw another tracker")
        return [ev.SealedRankingCast(cmd.at, cmd.election, mark, seal)]
    if cmd.tracker or cmd.mark_key:
        raise InvalidVote("only a secret election takes a tracker and a mark key")
    return [ev.RankingCast(cmd.at, cmd.election, cmd.by, cmd.ranking)]


def evolve_ranking(state: BodyState, e: ev.RankingCast) -> BodyState:
    election = _voting(state, e.election)
    _check_voter(state, election, e.voter)
    check_ranking(state, election, e.ranking)
    if election.secret:
        raise InconsistentEvent("a named ranking was logged in a secret election")
    election = with_(election, rankings=put(election.rankings, e.voter, e.ranking))
    return with_(state, elections=put(state.elections, e.election, election))


def evolve_sealed(state: BodyState, e: ev.SealedRankingCast) -> BodyState:
    """As :func:`voting.ballot.evolve_secret_vote`: the poll is open and secret, the mark and
    seal are digests neither used before in it, and no more sealed rankings than the roll."""
    election = _voting(state, e.election)
    if not election.secret:
        raise InconsistentEvent("a sealed ranking was logged in an election that is not secret")
    sealing.check_digest(e.mark, "sealed ranking's mark")
    sealing.check_digest(e.seal, "sealed ranking's seal")
    if e.mark in election.marks:
        raise InconsistentEvent(f"a second sealed ranking with one member's mark in "
                                f"{election.title!r}")
    if e.seal in election.seals:
        raise InconsistentEvent(f"a second sealed ranking with one seal in {election.title!r}")
    if len(election.marks) >= len(election.roll):
        raise InconsistentEvent(f"more sealed rankings in {election.title!r} than the "
                                f"{len(election.roll)} members on its roll")
    election = with_(election, marks=put(election.marks, e.mark, e.seal),
                     seals=put(election.seals, e.seal, e.mark))
    return with_(state, elections=put(state.elections, e.election, election))


def run_count(
    state: BodyState,
    election: Election,
    papers: tuple[tuple[str, tuple[str, ...]], ...],
    seed: str,
) -> ElectionResult:
    """Count the election's ballots with its method (the named rule, ``tallying``)."""
    if election.secret:
        for _, ranking in papers:
            check_ranking(state, election, ranking)
        opened = tuple((tracker, sealing.ranking_choice(ranking)) for tracker, ranking in papers)
        check_papers(election.id, election.seals, opened, repr(election.title))
        rankings = [ranking for _, ranking in papers]
    else:
        if papers:
            raise InvalidVote("a named election has no sealed papers")
        rankings = list(election.rankings.values())
    try:
        seed_bytes = bytes.fromhex(seed)
    except ValueError:
        raise DomainError("the seed of a lot is given in hex") from None
    index = {candidate: i for i, candidate in enumerate(election.candidates)}
    ballots = merge_identical(
        RankedBallot(1, tuple((index[c],) for c in ranking)) for ranking in rankings
    )
    profile = Profile(election.candidates, election.seats, ballots, title=election.title)
    try:
        return count(profile, election.method, CountOptions(election.seats, seed_bytes))
    except LotNeeded as tie:  # docs/counting.md, "Lots": never guessed, so asked for
        names = [state.name_of(election.candidates[c]) for c in tie.tied]
        tied = ", ".join(names[:-1]) + " and " + names[-1]
        raise OutOfOrder(
            f"the count cannot be made: {tie.purpose}: {tied} are tied, and the rule breaks "
            "the tie by lot; close the election with the lot's public seed (seed, in hex)"
        ) from tie
    except CountError as error:
        raise OutOfOrder(f"the count cannot be made: {error}") from error


def close_election(state: BodyState, cmd: CloseElection) -> list[ev.Event]:
    election = _voting(state, cmd.election)
    require_officer(state, cmd.by)
    papers = tuple(sorted(cmd.papers))
    voters: tuple[str, ...] = ()
    if election.secret:
        secret = sealing.check_digest(cmd.ballot_secret, "ballot secret")
        register = marked_register(
            election.id, ((m, m) for m in election.roll), election.marks, secret
        )
        voters = tuple(member for _, member in register)
    elif cmd.ballot_secret:
        raise InvalidVote("only a secret election takes a ballot secret")
    result = run_count(state, election, papers, cmd.seed)
    elected = tuple(election.candidates[i] for i in result.elected)
    return [
        ev.ElectionClosed(
            cmd.at, cmd.election, elected, result.rule, cmd.seed, len(result.lots), papers,
            voters, cmd.by,
        )
    ]


def _check_register(election: Election, voters: tuple[str, ...]) -> None:
    """The marked register at a secret election's close: sorted, distinct members of the
    roll, as many as sealed rankings (as :func:`voting.ballot.check_register`)."""
    if not election.secret:
        if voters:
            raise InconsistentEvent("a named election has no marked register")
        return
    if list(voters) != sorted(set(voters)):
        raise InconsistentEvent("the marked register is listed sorted, each voter once")
    for member in voters:
        if member not in election.roll:
            raise InconsistentEvent(f"the marked register lists {member}, who is not on the "
                                    f"roll for {election.title!r}")
    if len(voters) != len(election.marks):
        raise InconsistentEvent(f"the marked register lists {len(voters)} voters for "
                                f"{len(election.marks)} sealed rankings in {election.title!r}")


def evolve_closed(state: BodyState, e: ev.ElectionClosed) -> BodyState:
    election = _voting(state, e.election)
    if list(e.papers) != sorted(e.papers):
        raise InconsistentEvent("secret ballot papers must be published sorted by tracker")
    _check_register(election, e.voters)
    result = run_count(state, election, e.papers, e.seed)
    elected = tuple(election.candidates[i] for i in result.elected)
    if (elected, result.rule, len(result.lots)) != (e.elected, e.rule, e.lots):
        raise InconsistentEvent(
            f"the declared result of {election.title!r} is not what the recount by "
            f"{election.method} gives"
        )
    election = with_(election, stage=ElectionStage.DECLARED, elected=elected,
                     voters=frozenset(e.voters), result=result)
    return with_(state, elections=put(state.elections, e.election, election))
