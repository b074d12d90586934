"""The demo meeting: an organising group waters down its motion on a left slate.

A published case: an organising group of fifteen debated a motion setting
conditions for joining a common left slate (a principled platform every
candidate signs, a candidate of ours in a winnable place, and, failing
agreement, our own slate). An amendment left out the conditions and the
fallback; it was carried by 8 votes to 5 with no abstentions on a recorded
vote, and the substantive motion as amended was carried by 9 votes to 5 with
1 abstention. None of it reached the minutes. Here every step is an event,
and the minutes and the diff are generated from them.

``tellers demo`` runs it on the embedded store with the signed log;
``examples/lla_organising_group.py`` runs it with the pure library alone.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import replace

from audit.canonical import canonical
from audit.merkle import Frontier, leaf_hash
from voting import commands as c
from voting.codec import to_entry
from voting.decider import execute
from voting.events import Event, NominationsClosed
from voting.seal import mark_key
from voting.state import BodyState

__all__ = ["DELEGATE_RANKINGS", "MEMBERS", "MOTION", "commands", "run"]

MEMBERS = [
    ("m01", "Aisha Khan", ("chair", "member")),
    ("m02", "Ben Carter", ("secretary", "member")),
    ("m03", "Ciara Doyle", ("member",)),
    ("m04", "Dev Patel", ("member",)),
    ("m05", "Eleni Georgiou", ("member",)),
    ("m06", "Farid Haddad", ("member",)),
    ("m07", "Grace Okafor", ("member",)),
    ("m08", "Hamish Reid", ("member",)),
    ("m09", "Ines Moreau", ("member",)),
    ("m10", "Jonah Weiss", ("member",)),
    ("m11", "Kasia Nowak", ("member",)),
    ("m12", "Liam Byrne", ("member",)),
    ("m13", "Maya Cohen", ("member",)),
    ("m14", "Niall Quinn", ("member",)),
    ("m15", "Olu Adeyemi", ("member",)),
]

MOTION = (
    "That this organising group will join a common left slate only on three conditions:\n"
    "1. a principled platform that every candidate of the slate signs;\n"
    "2. a candidate of ours in a winnable place on the list;\n"
    "3. failing agreement on these conditions, we stand our own slate."
)

# How each member voted on the recorded vote on the amendment (8-5, none abstaining;
# the chair, m01, did not vote, and m15 had not yet arrived).
AMENDMENT_VOTES = {
    "m02": "for", "m03": "for", "m04": "for", "m05": "for", "m06": "for",
    "m07": "for", "m08": "for", "m09": "for",
    "m10": "against", "m11": "against", "m12": "against", "m13": "against", "m14": "against",
}  # fmt: skip

# The substantive motion: 9-5 with 1 abstention (m15 arrived, m01 voted this time).
SUBSTANTIVE_VOTES = {
    **{m: "for" for m in ("m01", "m02", "m03", "m04", "m05", "m06", "m07", "m08", "m09")},
    **{m: "against" for m in ("m10", "m11", "m12", "m13", "m14")},
    "m15": "abstain",
}


# The delegates to the slate talks, elected by STV in a secret ballot: first preferences
# Ciara 6 (the quota, floor(15/3) + 1), Jonah 5, Eleni 2 and Liam 2. Eleni and Liam are
# equal at every stage, so which of them is excluded is decided by lot from a seed
# announced in advance: the root hash of the log when nominations closed.
DELEGATE_RANKINGS = {
    "m02": ("m03",), "m03": ("m03", "m05"), "m04": ("m03",), "m06": ("m03", "m10"),
    "m07": ("m03",), "m08": ("m03", "m12"),
    "m10": ("m10",), "m11": ("m10", "m12"), "m13": ("m10",), "m14": ("m10", "m05"),
    "m15": ("m10",),
    "m01": ("m05", "m03"), "m05": ("m05", "m12"),
    "m12": ("m12", "m10"), "m09": ("m12", "m05"),
}  # fmt: skip


def commands() -> Iterator[c.Command]:
    """The meeting as the commands the secretary and chair gave, in order.

    The election's close gives no seed for its lot: the ledger fills in the log's root
    hash as nominations closed (``api.ledger``, docs/verifying.md), and :func:`run`
    does the same.
    """
    clock = iter(range(0, 60 * 60 * 3, 60))

    def at() -> str:
        minutes = next(clock)
        return f"2025-03-12T{19 + minutes // 3600:02d}:{minutes // 60 % 60:02d}:00Z"

    yield c.FoundBody(at(), "m02", name="Left Organising Group", standing_orders="citrine")
    # The secretary, who founded the body, is admitted first and admits the rest.
    for member_id, name, roles in sorted(MEMBERS, key=lambda m: m[0] != "m02"):
        yield c.AdmitMember(at(), "m02", member=member_id, name=name, roles=roles)
    yield c.ConveneMeeting(
        at(),
        "m02",
        meeting="2025-03",
        title="General meeting, March 2025",
        chair="m01",
        secretary="m02",
        quorum_fraction="1/3",
    )
    for member_id, _, _ in MEMBERS[:14]:
        yield c.RecordAttendance(at(), "m02", meeting="2025-03", member=member_id)
    yield c.StartBusiness(at(), "m01", meeting="2025-03")

    yield c.MoveMotion(
        at(), "m10", motion="slate", meeting="2025-03",
        title="Conditions for a common left slate", text=MOTION,
    )  # fmt: skip
    yield c.SecondMotion(at(), "m11", motion="slate")
    yield c.OpenDebate(at(), "m01", motion="slate")

    yield c.MoveAmendment(
        at(), "m03", amendment="slate-a1", motion="slate", kind="leave_out_and_insert",
        leave_out="only on three conditions: 1. a principled platform that every candidate of "
        "the slate signs; 2. a candidate of ours in a winnable place on the list; 3. failing "
        "agreement on these conditions, we stand our own slate.",
        insert="and will seek a place on it for one of our members.",
    )  # fmt: skip
    yield c.SecondAmendment(at(), "m04", amendment="slate-a1")
    yield c.TakeAmendment(at(), "m01", amendment="slate-a1")
    yield c.OpenBallot(at(), "m01", ballot="b1", subject="slate-a1", method="recorded")
    for member_id, choice in AMENDMENT_VOTES.items():
        yield c.CastVote(at(), member_id, ballot="b1", choice=choice)
    yield c.CloseBallot(at(), "m01", ballot="b1")

    yield c.RecordAttendance(at(), "m02", meeting="2025-03", member="m15")
    yield c.OpenBallot(at(), "m01", ballot="b2", subject="slate", method="recorded")
    for member_id, choice in SUBSTANTIVE_VOTES.items():
        yield c.CastVote(at(), member_id, ballot="b2", choice=choice)
    yield c.CloseBallot(at(), "m01", ballot="b2")

    yield c.OpenNominations(
        at(), "m02", election="delegates", title="Delegates to the slate talks", seats=2,
        method="scottish_stv", meeting="2025-03", secret=True,
    )  # fmt: skip
    for candidate, proposer, seconder in (
        ("m03", "m04", "m06"), ("m10", "m11", "m13"), ("m05", "m01", "m09"),
        ("m12", "m09", "m14"),
    ):  # fmt: skip
        yield c.Nominate(at(), proposer, election="delegates", candidate=candidate,
                         seconder=seconder)  # fmt: skip
    yield c.CloseNominations(at(), "m02", election="delegates")
    for member, ranking in DELEGATE_RANKINGS.items():  # sealed: the shell adds the tracker
        yield c.CastRanking(at(), member, election="delegates", ranking=ranking)
    yield c.CloseElection(at(), "m02", election="delegates")
    yield c.CloseMeeting(at(), "m01", meeting="2025-03")


def run(
    random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    sealed_votes: dict[int, tuple[str, str, str]] | None = None,
) -> tuple[BodyState, list[Event]]:
    """Hold the meeting in memory with the pure core; the final state and every event.

    Without a store, this does what the ledger does: for the secret election it
    draws the ballot secret as nominations open and a random tracker for each
    sealed ranking (from ``random_bytes``) and keeps the papers until the close;
    and it fills in the lot's seed, the log's root hash as nominations closed,
    from the events' entries. ``sealed_votes``, if given, is filled with what
    each voter's receipt would carry: entry index -> (member, tracker, mark key).
    """
    state = BodyState()
    log: list[Event] = []
    frontier = Frontier()
    sealed: list[tuple[str, tuple[str, ...]]] = []
    secrets_held: dict[str, str] = {}
    seeds: dict[str, str] = {}  # election -> the root as its nominations closed

    for command in commands():
        if isinstance(command, c.OpenNominations) and command.secret:
            secrets_held[command.election] = random_bytes(32).hex()
        if isinstance(command, c.CastRanking) and command.election in secrets_held:
            command = replace(command, tracker=random_bytes(32).hex(),
                              mark_key=mark_key(secrets_held[command.election], command.by))
            sealed.append((command.tracker, command.ranking))
            if sealed_votes is not None:
                sealed_votes[len(log)] = (command.by, command.tracker, command.mark_key)
        if isinstance(command, c.CloseElection) and command.election in secrets_held:
            command = replace(command, papers=tuple(sealed),
                              ballot_secret=secrets_held.pop(command.election))
        if isinstance(command, c.CloseElection) and not command.seed:
            command = replace(command, seed=seeds[command.election])
        state, events = execute(state, command)
        for event in events:
            frontier.append(leaf_hash(canonical(to_entry(len(log), event))))  # type: ignore[arg-type]
            log.append(event)
            if isinstance(event, NominationsClosed):
                seeds[event.election] = frontier.root().hex()
    return state, log
