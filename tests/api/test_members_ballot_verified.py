"""Members' ballots written through a ledger, verified by ``tellers verify`` in another
process: a petition meets its threshold, a recorded and a secret members' ballot are called
outside any meeting, voted in their windows and closed, and the verifier replays them from
the log alone (docs/counting.md, "Members' ballots")."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.ledger import Ledger
from api.storage import Store
from audit.note import Ed25519Signer
from audit.report import member_records
from audit.signer import MemorySignerState
from tests.api.verified import verified_elsewhere
from voting import (
    AdmitMember,
    CastVote,
    CloseBallot,
    ClosePetition,
    ConveneMeeting,
    FoundBody,
    OpenMembersBallot,
    OpenPetition,
    SignPetition,
    events,
)

pytestmark = [pytest.mark.api]

ORIGIN = "test.tellers.invalid/members-ballot"
KEY = Ed25519Signer.from_seed(ORIGIN, bytes(range(64, 96)))
MEMBERS = ("sec", "m1", "m2", "m3", "m4", "m5")


def test_members_ballots_verify_in_another_process(tmp_path: Path) -> None:
    ledger = Ledger(Store(f"sqlite:///{tmp_path / 'ledger.db'}"), KEY, MemorySignerState())

    def do(at: str, command: type, by: str, /, **fields: object) -> None:
        ledger.submit(command(at, by, **fields))

    do("2026-05-01T09:00:00Z", FoundBody, "sec", name="Members Branch")
    for member in MEMBERS:
        roles = ("secretary", "member") if member == "sec" else ("member",)
        do("2026-05-01T09:00:00Z", AdmitMember, "sec", member=member, name=member.title(),
           roles=roles)
    do("2026-05-01T09:00:00Z", ConveneMeeting, "sec", meeting="agm", title="AGM", chair="sec",
       secretary="sec", quorum_number=2)
    do("2026-05-01T10:00:00Z", OpenPetition, "m1", petition="pet", text="Ballot the members.",
       fraction="1/3")
    for member in ("m1", "m2"):
        do("2026-05-01T10:00:00Z", SignPetition, member, petition="pet")
    do("2026-05-02T10:00:00Z", ClosePetition, "sec", petition="pet")
    do("2026-05-02T11:00:00Z", OpenMembersBallot, "sec", ballot="named",
       question="That the branch affiliates.", opens_at="2026-05-03T09:00:00Z",
       closes_at="2026-05-10T17:00:00Z", petition="pet")
    do("2026-05-02T11:00:00Z", OpenMembersBallot, "sec", ballot="sealed",
       question="That the branch buys a banner.", method="secret",
       opens_at="2026-05-03T09:00:00Z", closes_at="2026-05-10T17:00:00Z",
       threshold="two_thirds_of_votes_cast")
    for member, choice in (("m1", "for"), ("m2", "for"), ("m3", "against"), ("sec", "for")):
        do("2026-05-04T12:00:00Z", CastVote, member, ballot="named", choice=choice)
        do("2026-05-04T12:00:00Z", CastVote, member, ballot="sealed", choice=choice)
    do("2026-05-10T17:00:00Z", CloseBallot, "sec", ballot="named")
    do("2026-05-10T17:00:00Z", CloseBallot, "sec", ballot="sealed")
    closes = [e for e in ledger.events() if isinstance(e, events.BallotClosed)]
    assert [(e.ballot, e.for_votes, e.against, e.outcome) for e in closes] == [
        ("named", 3, 1, "carried"), ("sealed", 3, 1, "carried")]
    assert closes[1].voters == (("m1", "m1"), ("m2", "m2"), ("m3", "m3"), ("sec", "sec"))

    opened = next(e for e in ledger.events() if isinstance(e, events.MembersBallotOpened))
    records = [r.summary for r in member_records(0, opened, "m4")]
    assert records == ["in the electorate of members' ballot named, weight 1"]
    bundle, _ = verified_elsewhere(ledger, tmp_path)
    text = "\n".join(p.read_text(encoding="utf-8") for p in (bundle / "minutes").glob("*.md"))
    assert "**Members' ballot** `named` (recorded)" in text
    assert "on the petition 'pet', which met its threshold" in text
    assert "**Members' ballot `sealed` closed: Carried" in text
    assert "- For (3): M1, M2, Sec." in text
