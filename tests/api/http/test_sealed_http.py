"""A secret ballot cast over HTTP, in an open and in an unattributed meeting.

Each member's receipt proves their own sealed vote with ``--member`` (in an unattributed
meeting through the member's key, the opening the receipt carries), and once the ballot
closes the registry keeps nothing that links a member to a paper: no tracker, no receipt,
no kept answer for a retry (docs/verifying.md, "Sealed papers").
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from api.db import CastRow, IdempotencyRow
from audit.bundle import read_bundle_from
from audit.receipt import parse_receipt, receipt_member_key
from audit.verify import verify
from tests.api.http.conftest import Service, meeting_under_way
from tests.api.http.test_meeting import fetcher

pytestmark = pytest.mark.api

B = "/api/v1/bodies/group"
VOTERS = ("m1", "m2", "m3", "m4")


@pytest.mark.parametrize("publication", ["open", "unattributed"])
def test_sealed_votes_over_http_are_receipted_and_unlinked_after_the_close(
        service: Service, publication: str) -> None:
    chair, voters = meeting_under_way(service, publication)
    assert service.post(f"{B}/motions", voters["m1"], {
        "id": "m", "meeting": "agm", "title": "M", "text": "That we agree."}).status_code == 201
    assert service.post(f"{B}/motions/m/second", voters["m2"]).status_code == 201
    assert service.post(f"{B}/motions/m/debate", chair).status_code == 201
    r = service.post(f"{B}/ballots", chair, {"id": "b", "subject": "m", "method": "secret"})
    assert r.status_code == 201, r.json

    answers = {}
    for member, choice in zip(VOTERS, ("for", "for", "against", "abstain"), strict=True):
        r = service.post(f"{B}/ballots/b/votes", voters[member], {"choice": choice},
                         headers={"Idempotency-Key": f"vote-{member}"})
        assert r.status_code == 201, r.json
        answers[member] = r.json
    opening = receipt_member_key(parse_receipt(answers["m1"]["receipt"]).extra)
    assert bool(opening) == (publication == "unattributed")
    with service.instance.engine.connect() as conn:  # while open, a retry gets its answer
        assert conn.execute(select(CastRow.tracker).where(CastRow.ballot == "b")).all()
    r = service.post(f"{B}/ballots/b/close", chair, {})
    assert r.status_code == 201, r.json
    assert r.json["ballot"]["outcome"] == "carried"

    with service.instance.engine.connect() as conn:
        rows = conn.execute(select(CastRow.member, CastRow.tracker, CastRow.receipt)
                            .where(CastRow.ballot == "b")).all()
        kept = conn.execute(select(IdempotencyRow.key)).scalars().all()
    assert sorted(row.member for row in rows) == sorted(VOTERS)  # who voted: also in the log
    assert all(row.tracker == "" and row.receipt is None for row in rows)
    assert not [key for key in kept if key.startswith("vote-")]
    retry = service.post(f"{B}/ballots/b/votes", voters["m1"], {"choice": "for"},
                         headers={"Idempotency-Key": "vote-m1"})
    assert retry.status_code == 409, retry.json

    vkey = service.client.get(B).json["vkey"]
    base = f"{B}/bundles/latest"
    bundle = read_bundle_from(fetcher(service, base), base)
    for member, answer in answers.items():
        report = verify(bundle, key=vkey, member=member,
                        receipts=[(f"{member}.proof", answer["receipt"])])
        assert report.ok, (member, report.failure)
    other = verify(bundle, key=vkey, member="m2",  # m1's receipt is not m2's vote
                   receipts=[("m1.proof", answers["m1"]["receipt"])])
    assert other.failure is not None
