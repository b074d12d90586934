"""A large body's proceedings, as the commands its officers and members give, for the ledger.

One body of ``members`` members holds meetings until about ``target``
commands have been given (about one log entry each). A meeting is either a
general meeting (about half the members attend) or a committee (a few
dozen); at each, motions are moved, seconded and debated, some amended
(the amendment is put to the vote first), and every question is put by
recorded vote, secret ballot or show of hands; now and then the meeting
elects delegates by STV on sealed rankings. Between meetings there are
members' ballots (elections of every member, recorded rankings) and
petitions. Votes, attendance and trackers come from a seeded generator, so
the same arguments give the same commands; everything goes through the
domain's rules when a ledger (or ``voting.decider.execute``) takes them.

An election's close gives no seed for its lot: the ledger fills in the log's
root as nominations closed (docs/verifying.md, "The seed of a lot").
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from voting import commands as c

__all__ = ["CLOSE_COMMANDS", "Clock", "body_commands"]

CLOSE_COMMANDS = (c.CloseBallot, c.CloseElection, c.ClosePetition, c.CloseMeeting)


class Clock:
    """Seconds from a fixed start, RFC 3339 UTC, never going backwards."""

    def __init__(self) -> None:
        self._start = datetime(2024, 1, 6, 9, 0, 0, tzinfo=UTC)
        self._n = 0

    def __call__(self, step: int = 1) -> str:
        self._n += step
        return (self._start + timedelta(seconds=self._n)).strftime("%Y-%m-%dT%H:%M:%SZ")


def body_commands(
    target: int,
    *,
    members: int = 3000,
    rng_seed: int = 9,
) -> Iterator[c.Command]:
    """The commands, in order (module docstring); about ``target`` of them."""
    rng = random.Random(rng_seed)
    at = Clock()
    ids = [f"m{i:05d}" for i in range(members)]
    chair, secretary = ids[0], ids[1]
    given = 0

    def give(command: c.Command) -> c.Command:
        nonlocal given
        given += 1
        return command

    yield give(c.FoundBody(at(), secretary, name="Federation of Tenants' Associations"))
    for number in sorted(range(members), key=lambda n: n != 1):
        roles = {0: ("chair", "member"), 1: ("member", "secretary")}.get(number, ("member",))
        yield give(c.AdmitMember(at(), secretary, member=ids[number], name=f"Member {number}",
                                 roles=roles))
    choices = ("for", "against", "abstain")
    meeting_no = 0
    while given < target:
        meeting_no += 1
        at(86_400 * 7)  # a week later
        if meeting_no % 4 == 2:  # between meetings: a members' ballot, a petition
            election = f"e{meeting_no:04d}"
            yield give(c.OpenNominations(at(), secretary, election=election,
                                         title=f"Council, round {meeting_no}", seats=3,
                                         method="scottish_stv", secret=False))
            candidates = rng.sample(ids, 6)
            for candidate in candidates:
                proposer, seconder = rng.sample([m for m in ids if m != candidate], 2)
                yield give(c.Nominate(at(), proposer, election=election, candidate=candidate,
                                      seconder=seconder))
            yield give(c.CloseNominations(at(), secretary, election=election))
            for voter in rng.sample(ids, members // 3):
                ranking = tuple(rng.sample(candidates, rng.randint(1, len(candidates))))
                yield give(c.CastRanking(at(), voter, election=election, ranking=ranking))
            yield give(c.CloseElection(at(), secretary, election=election))
            petition = f"p{meeting_no:04d}"
            yield give(c.OpenPetition(at(), rng.choice(ids), petition=petition,
                                      text="That a special general meeting be called.",
                                      number=members // 20))
            for signer in rng.sample(ids, rng.randint(members // 40, members // 10)):
                yield give(c.SignPetition(at(), signer, petition=petition))
            yield give(c.ClosePetition(at(), secretary, petition=petition))
        general = meeting_no % 3 != 2
        meeting = f"mt{meeting_no:04d}"
        officers = {chair, secretary}
        pool = [m for m in ids if m not in officers]
        size = members // 2 if general else rng.randint(min(20, len(pool)), min(60, len(pool)))
        present = sorted(officers | set(rng.sample(pool, size)))
        yield give(c.ConveneMeeting(
            at(), secretary, meeting=meeting,
            title=("General meeting" if general else "Committee") + f" {meeting_no}",
            chair=chair, secretary=secretary,
            **({"quorum_fraction": "1/10"} if general else {"quorum_number": 12})))
        for member in present:
            yield give(c.RecordAttendance(at(), secretary, meeting=meeting, member=member))
        yield give(c.StartBusiness(at(), chair, meeting=meeting))
        for item in range(rng.randint(4, 12)):
            motion = f"{meeting}-{item}"
            mover, seconder = rng.sample(present, 2)
            yield give(c.MoveMotion(at(), mover, motion=motion, meeting=meeting,
                                    title=f"Item {item}",
                                    text=f"That this meeting resolves item {item}."))
            yield give(c.SecondMotion(at(), seconder, motion=motion))
            yield give(c.OpenDebate(at(), chair, motion=motion))
            subjects = [motion]
            if rng.random() < 0.3:
                amendment = f"{motion}-a"
                mover, seconder = rng.sample(present, 2)
                yield give(c.MoveAmendment(at(), mover, amendment=amendment, motion=motion,
                                           kind="add_at_end", insert=" without delay",
                                           at_end=True))
                yield give(c.SecondAmendment(at(), seconder, amendment=amendment))
                yield give(c.TakeAmendment(at(), chair, amendment=amendment))
                subjects.insert(0, amendment)
            for subject in subjects:
                ballot = f"b-{subject}"
                draw = rng.random()
                method = "recorded" if draw < 0.7 else "secret" if draw < 0.85 \
                    else "show_of_hands"
                yield give(c.OpenBallot(at(), chair, ballot=ballot, subject=subject,
                                        method=method))
                lean = rng.uniform(0.25, 0.75)
                if method == "show_of_hands":
                    voters = len(present)
                    ayes = int(voters * lean)
                    counts = (ayes, voters - ayes - 2, 2) if ayes * 2 != voters - 2 \
                        else (ayes + 1, voters - ayes - 3, 2)
                    yield give(c.CloseBallot(at(), chair, ballot=ballot, counts=counts))
                    continue
                tally = [0, 0, 0]
                for voter in present:
                    if rng.random() < 0.1:
                        continue  # did not vote
                    pick = 0 if rng.random() < lean else 1 + int(rng.random() < 0.15)
                    if voter == present[-1] and pick < 2 and tally[pick] + 1 == tally[1 - pick]:
                        pick = 2  # keep clear of a tie: the last voter abstains
                    tally[pick] += 1
                    tracker = rng.randbytes(16).hex() if method == "secret" else ""
                    yield give(c.CastVote(at(), voter, ballot=ballot, choice=choices[pick],
                                          tracker=tracker))
                casting = "for" if tally[0] == tally[1] else ""
                yield give(c.CloseBallot(at(), chair, ballot=ballot, casting_vote=casting))
        if meeting_no % 5 == 1:  # the meeting elects delegates, by sealed rankings
            election = f"d{meeting_no:04d}"
            yield give(c.OpenNominations(at(), secretary, election=election,
                                         title=f"Delegates {meeting_no}", seats=2,
                                         method="scottish_stv", meeting=meeting, secret=True))
            candidates = rng.sample(present, 5)
            for candidate in candidates:
                proposer, seconder = rng.sample([m for m in present if m != candidate], 2)
                yield give(c.Nominate(at(), proposer, election=election, candidate=candidate,
                                      seconder=seconder))
            yield give(c.CloseNominations(at(), secretary, election=election))
            for voter in present:
                ranking = tuple(rng.sample(candidates, rng.randint(1, len(candidates))))
                yield give(c.CastRanking(at(), voter, election=election, ranking=ranking,
                                         tracker=rng.randbytes(16).hex()))
            yield give(c.CloseElection(at(), secretary, election=election))
        yield give(c.CloseMeeting(at(), chair, meeting=meeting))
