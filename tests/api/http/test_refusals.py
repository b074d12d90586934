"""Every route's refusals: the right status and problem type, and nothing written."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import update

from api.db import CastRow
from tests.api.http.conftest import Service

B = "/api/v1/bodies/group"
TEXT = "That this group meets monthly."


@dataclass
class Meeting:
    service: Service
    secretary: str
    chair: str
    voters: dict[str, str]


@pytest.fixture
def meeting(service: Service) -> Meeting:
    """A meeting in business with a seconded motion under debate and a recorded ballot open."""
    secretary = service.body("group", "sec")
    chair = service.admit("group", secretary, "chair", ("chair", "member"))
    voters = {m: service.admit("group", secretary, m) for m in ("m1", "m2", "m3")}
    voters["late"] = service.admit("group", secretary, "late")
    steps = [
        (f"{B}/meetings", secretary, {"id": "june", "title": "June", "chair": "chair",
                                      "secretary": "sec", "quorum_number": 2}),
        *[(f"{B}/meetings/june/attendance", secretary, {"member": m})
          for m in ("sec", "chair", "m1", "m2", "m3")],
        (f"{B}/meetings/june/start", chair, None),
        (f"{B}/motions", voters["m1"], {"id": "mo", "meeting": "june", "title": "Monthly",
                                        "text": TEXT}),
        (f"{B}/motions/mo/second", voters["m2"], None),
        (f"{B}/motions/mo/debate", chair, None),
        (f"{B}/ballots", chair, {"id": "b1", "subject": "mo", "method": "recorded"}),
    ]
    for path, token, body in steps:
        response = service.post(path, token, body)
        assert response.status_code == 201, (path, response.json)
    return Meeting(service, secretary, chair, voters)


REFUSALS = [
    # (who, path, json, status, problem type, field)
    ("m1", "/meetings", {"title": "x", "chair": "chair", "secretary": "sec"}, 403, "forbidden",
     None),
    ("sec", "/meetings", {"title": "x", "chair": "chair"}, 422, "invalid-request", "secretary"),
    ("sec", "/meetings", {"id": "june", "title": "Again", "chair": "chair", "secretary": "sec"},
     409, "already-exists", None),
    ("sec", "/meetings/nope/attendance", {"member": "m1"}, 404, "not-found", None),
    ("sec", "/meetings/june/attendance", {"member": "ghost"}, 404, "not-found", None),
    ("sec", "/meetings/june/attendance", {}, 422, "invalid-request", "member"),
    ("m1", "/meetings/june/start", None, 403, "forbidden", None),
    ("chair", "/meetings/june/start", None, 409, "out-of-order", None),
    ("m1", "/motions", {"meeting": "june", "title": "T", "text": ""}, 422, "invalid-request",
     "text"),
    ("m1", "/motions", {"meeting": "nope", "title": "T", "text": "Elsewhere."}, 404,
     "not-found", None),
    ("late", "/motions", {"meeting": "june", "title": "T", "text": "Absent."}, 403,
     "not-entitled", None),
    ("m3", "/motions/mo/second", None, 409, "out-of-order", None),
    ("m1", "/motions/nope/second", None, 404, "not-found", None),
    ("m1", "/motions/mo/debate", None, 403, "forbidden", None),
    ("m3", "/motions/mo/amendments", {"kind": "leave_out", "leave_out": "weekly"}, 409,
     "out-of-order", None),
    ("m3", "/motions/mo/amendments", {"kind": "sideways"}, 422, "invalid-request", "kind"),
    ("m3", "/amendments/nope/second", None, 404, "not-found", None),
    ("chair", "/ballots", {"subject": "mo", "method": "telepathy"}, 422, "invalid-request",
     "method"),
    ("chair", "/ballots", {"id": "b1", "subject": "mo"}, 409, "already-exists", None),
    ("m1", "/ballots", {"subject": "mo"}, 403, "forbidden", None),
    ("m1", "/ballots/b1/votes", {"choice": "maybe"}, 422, "invalid-request", "choice"),
    ("m1", "/ballots/b1/votes", {"choice": "for", "extra": 1}, 422, "invalid-request", "extra"),
    ("m1", "/ballots/nope/votes", {"choice": "for"}, 404, "not-found", None),
    ("late", "/ballots/b1/votes", {"choice": "for"}, 403, "not-entitled", None),
    ("m1", "/ballots/b1/close", {}, 403, "forbidden", None),
    ("chair", "/ballots/b1/close", {"counts": [1, 2]}, 422, "invalid-request", "counts"),
    ("sec", "/members", {"id": "m1", "name": "Again"}, 409, "already-exists", None),
    ("sec", "/members", {"id": "x y", "name": "Space"}, 422, "invalid-request", "id"),
    ("sec", "/members", {"id": "w", "name": "W", "weight": 0}, 422, "invalid-request",
     "weight"),
    ("sec", "/members/ghost/invites", None, 404, "not-found", None),
]


@pytest.mark.parametrize(("who", "path", "body", "status", "problem", "field"), REFUSALS)
def test_refused_and_nothing_written(meeting: Meeting, who: str, path: str, body: object,
                                     status: int, problem: str, field: str | None) -> None:
    tokens = {"sec": meeting.secretary, "chair": meeting.chair, **meeting.voters}
    service = meeting.service
    before = service.fingerprint("group")
    response = service.post(f"{B}{path}", tokens[who], body)
    assert response.status_code == status, response.json
    assert response.content_type == "application/problem+json"
    assert response.json["type"] == f"urn:tellers:problem:{problem}"
    assert response.json["status"] == status
    assert response.json["detail"]
    if field is not None:
        assert response.json["field"] == field
        assert any(e["field"] == field for e in response.json["errors"])
    assert service.fingerprint("group") == before


def test_one_vote_per_member(meeting: Meeting) -> None:
    service = meeting.service
    first = service.post(f"{B}/ballots/b1/votes", meeting.voters["m1"], {"choice": "for"})
    assert first.status_code == 201
    before = service.fingerprint("group")
    again = service.post(f"{B}/ballots/b1/votes", meeting.voters["m1"], {"choice": "against"})
    assert again.status_code == 409
    assert again.json["type"] == "urn:tellers:problem:already-voted"
    assert service.fingerprint("group") == before


def test_the_unique_constraint_is_the_last_guard(meeting: Meeting) -> None:
    """Even if the domain were to accept a second vote, the casts table refuses it."""
    service = meeting.service
    assert service.post(f"{B}/ballots/b1/votes", meeting.voters["m1"],
                        {"choice": "for"}).status_code == 201
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), service.instance.engine.begin() as conn:
        conn.execute(insert(CastRow).values(body="group", ballot="b1", member="m1", tracker="",
                                            created_at="2026-01-01T00:00:00Z"))


def test_idempotency_key_returns_the_same_receipt(meeting: Meeting) -> None:
    service = meeting.service
    token = meeting.voters["m2"]
    headers = {"Idempotency-Key": "vote-1"}
    first = service.post(f"{B}/ballots/b1/votes", token, {"choice": "against"}, headers=headers)
    assert first.status_code == 201
    before = service.fingerprint("group")
    retry = service.post(f"{B}/ballots/b1/votes", token, {"choice": "against"},
                         headers=dict(headers))
    assert retry.status_code == 201
    assert retry.json == first.json
    assert service.fingerprint("group") == before
    other = service.post(f"{B}/ballots/b1/votes", token, {"choice": "for"},
                         headers=dict(headers))
    assert other.status_code == 422
    assert other.json["type"] == "urn:tellers:problem:idempotency-key-reused"
    assert other.json["field"] == "Idempotency-Key"
    assert service.fingerprint("group") == before


def test_a_retry_after_a_crash_between_log_and_registry_gets_the_receipt(
        meeting: Meeting) -> None:
    """The vote is in the log but the registry never heard it finished (a kill in between)."""
    service = meeting.service
    token = meeting.voters["m3"]
    headers = {"Idempotency-Key": "k"}
    first = service.post(f"{B}/ballots/b1/votes", token, {"choice": "for"}, headers=headers)
    assert first.status_code == 201
    from api.db import IdempotencyRow

    with service.instance.engine.begin() as conn:  # as it stood just before the last write
        conn.execute(update(CastRow).values(entry=None, receipt=None))
        conn.execute(update(IdempotencyRow).values(status=None, response=None))
    size = service.instance.ledger("group").log.size
    retry = service.post(f"{B}/ballots/b1/votes", token, {"choice": "for"},
                         headers=dict(headers))
    assert retry.status_code == 201, retry.json
    assert retry.json["entry"] == first.json["entry"]
    assert service.instance.ledger("group").log.size == size


def test_a_vote_begun_but_never_logged_can_be_cast_again(meeting: Meeting) -> None:
    service = meeting.service
    from sqlalchemy import insert

    with service.instance.engine.begin() as conn:  # a kill before the log was written
        conn.execute(insert(CastRow).values(body="group", ballot="b1", member="m1", tracker="",
                                            created_at="2026-01-01T00:00:00Z"))
    response = service.post(f"{B}/ballots/b1/votes", meeting.voters["m1"], {"choice": "for"})
    assert response.status_code == 201, response.json


def test_a_closed_ballot_refuses_votes(meeting: Meeting) -> None:
    service = meeting.service
    assert service.post(f"{B}/ballots/b1/votes", meeting.voters["m1"],
                        {"choice": "for"}).status_code == 201
    assert service.post(f"{B}/ballots/b1/close", meeting.chair, {}).status_code == 201
    before = service.fingerprint("group")
    late = service.post(f"{B}/ballots/b1/votes", meeting.voters["m2"], {"choice": "for"})
    assert late.status_code == 409
    assert late.json["type"] == "urn:tellers:problem:ballot-closed"
    assert service.fingerprint("group") == before


def test_bodies_over_one_mib_are_refused(meeting: Meeting) -> None:
    service = meeting.service
    before = service.fingerprint("group")
    big = {"meeting": "june", "title": "T", "text": "word " * 300_000}
    response = service.post(f"{B}/motions", meeting.voters["m1"], big)
    assert response.status_code == 413
    assert response.json["type"] == "urn:tellers:problem:request-too-large"
    assert service.fingerprint("group") == before


def test_unknown_routes_and_methods_are_problems(service: Service) -> None:
    missing = service.client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.content_type == "application/problem+json"
    wrong = service.client.delete("/api/v1/bodies")
    assert wrong.status_code == 405
    assert wrong.content_type == "application/problem+json"
    broken = service.client.post("/api/v1/auth/token", data="{not json",
                                 content_type="application/json")
    assert broken.status_code == 400
    assert broken.content_type == "application/problem+json"
