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

from collections.abc import Iterator

from voting import commands as c
from voting.decider import execute
from voting.events import Event
from voting.state import BodyState

__all__ = ["MEMBERS", "MOTION", "commands", "run"]

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


def commands() -> Iterator[c.Command]:
    """The meeting as the commands the secretary and chair gave, in order."""
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
    yield c.CloseMeeting(at(), "m01", meeting="2025-03")


def run() -> tuple[BodyState, list[Event]]:
    """Hold the meeting in memory with the pure core; the final state and every event."""
    state = BodyState()
    log: list[Event] = []
    for command in commands():
        state, events = execute(state, command)
        log.extend(events)
    return state, log
