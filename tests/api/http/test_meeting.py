"""A short meeting held over HTTP, each member voting with their own token, then verified."""

from __future__ import annotations

from typing import Any

from api.ledger import Ledger
from audit.bundle import read_bundle_from
from audit.receipt import parse_receipt
from audit.verify import verify
from tests.api.http.conftest import Service, bearer

B = "/api/v1/bodies/group"
MOTION = "That this group meets monthly.\nThat the minutes are published."


def fetcher(service: Service, base: str) -> Any:
    def fetch(name: str, limit: int) -> bytes | None:
        response = service.client.get(f"{base}/{name}")
        if response.status_code == 404:
            return None
        assert response.status_code == 200, (name, response.status_code)
        return response.data[: limit + 1]
    return fetch


def test_a_short_meeting_over_http_verifies(service: Service) -> None:
    hold_meeting(service)


def hold_meeting(service: Service) -> None:
    """The meeting: officers and members each with their own token; the bundle verified."""
    secretary = service.body("group", "sec")
    chair = service.admit("group", secretary, "chair", ("chair", "member"))
    voters = {m: service.admit("group", secretary, m) for m in ("m1", "m2", "m3", "m4")}

    r = service.post(f"{B}/meetings", secretary, {
        "id": "june", "title": "June meeting", "chair": "chair", "secretary": "sec",
        "quorum_number": 3})
    assert r.status_code == 201, r.json
    for member in ("sec", "chair", *voters):
        r = service.post(f"{B}/meetings/june/attendance", secretary, {"member": member})
        assert r.status_code == 201, r.json
    assert service.post(f"{B}/meetings/june/start", chair).status_code == 201

    r = service.post(f"{B}/motions", voters["m1"], {"id": "monthly", "meeting": "june",
                                                    "title": "Monthly meetings", "text": MOTION})
    assert r.status_code == 201, r.json
    assert r.json["motion"]["mover"] == "m1"
    assert service.post(f"{B}/motions/monthly/second", voters["m2"]).status_code == 201
    assert service.post(f"{B}/motions/monthly/debate", chair).status_code == 201

    r = service.post(f"{B}/motions/monthly/amendments", voters["m3"], {
        "id": "a1", "kind": "leave_out_and_insert", "leave_out": "monthly.",
        "insert": "weekly."})
    assert r.status_code == 201, r.json
    assert service.post(f"{B}/amendments/a1/second", voters["m4"]).status_code == 201
    assert service.post(f"{B}/amendments/a1/take", chair).status_code == 201
    r = service.post(f"{B}/ballots", chair, {"id": "b1", "subject": "a1", "method": "recorded"})
    assert r.status_code == 201, r.json
    receipts = {}
    for member, choice in {"m1": "against", "m2": "against", "m3": "for",
                           "m4": "against"}.items():
        r = service.post(f"{B}/ballots/b1/votes", voters[member], {"choice": choice})
        assert r.status_code == 201, r.json
        assert r.json["member"] == member
        receipts[member] = r.json
    r = service.post(f"{B}/ballots/b1/close", chair, {})
    assert r.status_code == 201, r.json
    assert r.json["ballot"]["outcome"] == "lost"

    r = service.post(f"{B}/ballots", chair, {"id": "b2", "subject": "monthly",
                                             "method": "secret"})
    assert r.status_code == 201, r.json
    for member in voters:
        r = service.post(f"{B}/ballots/b2/votes", voters[member], {"choice": "for"})
        assert r.status_code == 201, r.json
        assert len(r.json["tracker"]) == 64
        receipts[f"{member}-secret"] = r.json
    r = service.post(f"{B}/ballots/b2/close", chair, {})
    assert r.json["ballot"]["outcome"] == "carried", r.json
    assert service.post(f"{B}/meetings/june/close", chair).status_code == 201

    # the served bundle passes the verifier, pinned to the key the body publishes
    vkey = service.client.get(B).json["vkey"]
    size = service.client.get(B).json["size"]
    for base in (f"{B}/bundles/latest", f"{B}/bundles/{size}"):
        bundle = read_bundle_from(fetcher(service, base), base)
        member_receipts = [(name, r["receipt"]) for name, r in receipts.items()]
        report = verify(bundle, key=vkey, receipts=member_receipts)
        assert report.failure is None, report.failure
        assert report.size == size
    # each receipt names the entry the response said
    for answer in receipts.values():
        assert parse_receipt(answer["receipt"]).index == answer["entry"]
    # the log over HTTP is the ledger's log
    ledger: Ledger = service.instance.ledger("group")
    r = service.client.get(f"{B}/log/checkpoint")
    assert r.data.decode() == ledger.checkpoints()[-1]
    r = service.client.get(f"{B}/ballots/b1")
    assert r.json["closed"] and r.json["method"] == "recorded"
    assert service.client.get(f"{B}/motions/monthly").json["state"] == "carried"
    assert service.client.get("/api/v1/auth/me", headers=bearer(voters["m1"])).json["member"] \
        == "m1"
