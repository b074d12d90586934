"""An organising group decides on a common left slate, and waters its motion down.

A published case: an organising group of fifteen debated a motion setting
conditions for joining a common left slate (a principled platform every
candidate signs, a candidate of ours in a winnable place, and, failing
agreement, our own slate). An amendment left out the conditions and the
fallback; it was carried by 8 votes to 5 with no abstentions on a recorded
vote, and the substantive motion as amended was carried by 9 votes to 5 with
1 abstention. None of it reached the minutes. Here every step is an event,
and the minutes and the diff are generated from them.

Run it with ``python examples/lla_organising_group.py`` or ``tellers demo``.
"""

from __future__ import annotations

from voting import commands as c
from voting.decider import execute
from voting.events import Event
from voting.minutes import render_minutes
from voting.report import watered_down
from voting.state import BodyState

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


def run() -> tuple[BodyState, list[Event]]:
    """Hold the meeting; return the final state and every event, in order."""
    state = BodyState()
    log: list[Event] = []
    clock = iter(range(0, 60 * 60 * 3, 60))

    def at() -> str:
        minutes = next(clock)
        return f"2025-03-12T{19 + minutes // 3600:02d}:{minutes // 60 % 60:02d}:00Z"

    def do(command_type: type[c.Command], by: str, **fields: object) -> None:
        nonlocal state
        state, events = execute(state, command_type(at=at(), by=by, **fields))
        log.extend(events)

    do(c.FoundBody, "m02", name="Left Organising Group", standing_orders="citrine")
    # The secretary, who founded the body, is admitted first and admits the rest.
    for member_id, name, roles in sorted(MEMBERS, key=lambda m: m[0] != "m02"):
        do(c.AdmitMember, "m02", member=member_id, name=name, roles=roles)
    do(
        c.ConveneMeeting,
        "m02",
        meeting="2025-03",
        title="General meeting, March 2025",
        chair="m01",
        secretary="m02",
        quorum_fraction="1/3",
    )
    for member_id, _, _ in MEMBERS[:14]:
        do(c.RecordAttendance, "m02", meeting="2025-03", member=member_id)
    do(c.StartBusiness, "m01", meeting="2025-03")

    do(c.MoveMotion, "m10", motion="slate", meeting="2025-03",
       title="Conditions for a common left slate", text=MOTION)  # fmt: skip
    do(c.SecondMotion, "m11", motion="slate")
    do(c.OpenDebate, "m01", motion="slate")

    do(c.MoveAmendment, "m03", amendment="slate-a1", motion="slate",
       kind="leave_out_and_insert",
       leave_out="only on three conditions: 1. a principled platform that every candidate of "
       "the slate signs; 2. a candidate of ours in a winnable place on the list; 3. failing "
       "agreement on these conditions, we stand our own slate.",
       insert="and will seek a place on it for one of our members.")  # fmt: skip
    do(c.SecondAmendment, "m04", amendment="slate-a1")
    do(c.TakeAmendment, "m01", amendment="slate-a1")
    do(c.OpenBallot, "m01", ballot="b1", subject="slate-a1", method="recorded")
    for member_id, choice in AMENDMENT_VOTES.items():
        do(c.CastVote, member_id, ballot="b1", choice=choice)
    do(c.CloseBallot, "m01", ballot="b1")

    do(c.RecordAttendance, "m02", meeting="2025-03", member="m15")
    do(c.OpenBallot, "m01", ballot="b2", subject="slate", method="recorded")
    for member_id, choice in SUBSTANTIVE_VOTES.items():
        do(c.CastVote, member_id, ballot="b2", choice=choice)
    do(c.CloseBallot, "m01", ballot="b2")
    do(c.CloseMeeting, "m01", meeting="2025-03")
    return state, log


def main() -> None:
    state, log = run()
    print(render_minutes(state, log))
    print(watered_down(state, log, "slate"))


if __name__ == "__main__":
    main()
