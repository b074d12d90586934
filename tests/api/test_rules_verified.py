"""A body with rules of its own, written through a ledger, verified by ``tellers verify`` in
another process: the verifier learns the rules from the log alone (docs/standing-orders.md),
with no registry of bodies or rules shared with the process that wrote it."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.ledger import Ledger
from api.storage import Store
from audit.note import Ed25519Signer
from audit.signer import MemorySignerState
from tests.api.verified import verified_elsewhere
from voting import (
    AdmitMember,
    CastVote,
    CloseBallot,
    ConveneMeeting,
    FoundBody,
    GiveConsent,
    MoveMotion,
    MoveProcedural,
    OpenBallot,
    OpenDebate,
    RecordAttendance,
    SecondMotion,
    StartBusiness,
    events,
)

pytestmark = [pytest.mark.api]

ORIGIN = "test.tellers.invalid/own-rules"
KEY = Ed25519Signer.from_seed(ORIGIN, bytes(range(32, 64)))
MEMBERS = ("sec", "chair", "m1", "m2", "m3", "m4", "m5")
RULES = (("orders_threshold", "three_quarters_of_votes_cast"),
         ("procedural_threshold.remit", "two_thirds_of_votes_cast"),
         ("question_thresholds", "majority_of_all_members,unanimity_of_votes_cast"),
         ("quorum_number", "4"), ("tie_rule", "tie_falls"))


def _times() -> list[str]:
    return [f"2026-04-01T19:{m:02d}:{s:02d}Z" for m in range(60) for s in range(0, 60, 5)]


def test_a_body_with_rules_of_its_own_verifies_in_another_process(tmp_path: Path) -> None:
    ledger = Ledger(Store(f"sqlite:///{tmp_path / 'ledger.db'}"), KEY, MemorySignerState())
    clock = iter(_times())

    def do(command: type, by: str, /, **fields: object) -> None:
        ledger.submit(command(next(clock), by, **fields))

    do(FoundBody, "sec", name="Own Rules Branch", standing_orders="citrine", rules=RULES)
    for member in MEMBERS:
        roles = {"sec": ("secretary", "member"), "chair": ("chair", "member")}
        do(AdmitMember, "sec", member=member, name=member.title(),
           roles=roles.get(member, ("member",)))
    do(ConveneMeeting, "sec", meeting="mtg", title="April", chair="chair", secretary="sec")
    for member in MEMBERS:
        do(RecordAttendance, "sec", meeting="mtg", member=member)
    do(StartBusiness, "chair", meeting="mtg")

    def recorded(ballot: str, subject: str, choices: dict[str, str], **put: object) -> None:
        do(OpenBallot, "chair", ballot=ballot, subject=subject, method="recorded", **put)
        for member, choice in choices.items():
            do(CastVote, member, ballot=ballot, choice=choice)
        do(CloseBallot, "chair", ballot=ballot)

    # A motion with its own rule, a majority of all members: 4 of 7.
    do(MoveMotion, "m1", motion="own", meeting="mtg", title="Own rule",
       text="That the branch meets monthly.", threshold="majority_of_all_members")
    do(SecondMotion, "m2", motion="own")
    do(OpenDebate, "chair", motion="own")
    recorded("b1", "own", {"m1": "for", "m2": "for", "m3": "for", "m5": "for", "m4": "against"})
    # A remit with the mover's own consent, to a named committee, by two-thirds.
    do(MoveMotion, "m3", motion="rem", meeting="mtg", title="Remit me",
       text="That the branch buys a banner.")
    do(SecondMotion, "m4", motion="rem")
    do(OpenDebate, "chair", motion="rem")
    do(GiveConsent, "m3", subject="rem", act="remit")
    do(MoveProcedural, "m5", procedural="p1", kind="remit", target="rem", seconder="m1",
       to="the banner committee")
    recorded("b2", "p1", {m: "for" for m in MEMBERS})
    # The standing orders amended by three-quarters: the chair regains a casting vote.
    do(MoveMotion, "m2", motion="so", meeting="mtg", title="Casting vote",
       text="That the chair has a casting vote.", orders=(("tie_rule", "chair_casting_vote"),))
    do(SecondMotion, "m1", motion="so")
    do(OpenDebate, "chair", motion="so")
    recorded("b3", "so", {m: "for" for m in MEMBERS[:6]} | {"m5": "against"})
    assert any(isinstance(e, events.StandingOrdersAmended) for e in ledger.events())
    assert ledger.state.orders.tie_rule.value == "chair_casting_vote"
    assert ledger.state.motions["own"].state.value == "carried"
    assert ledger.state.motions["rem"].state.value == "remitted"

    bundle, _ = verified_elsewhere(ledger, tmp_path)
    minutes = next((bundle / "minutes").glob("*.md"))
    assert minutes.exists()
    text = "\n".join(p.read_text(encoding="utf-8") for p in (bundle / "minutes").glob("*.md"))
    assert "with these rules set otherwise" in text
    assert "remitted to the banner committee" in text
    assert "**The standing orders are amended**" in text
