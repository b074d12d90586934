"""A domain refusal names the field of the request it is about (api.errors.field_at_fault),
where one is: in ``field`` and in ``errors`` with where the field is, as schema errors do."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.errors import Problem
from tests.api.http.conftest import Service, bearer
from tests.api.http.test_refusals import B, Meeting, meeting

__all__ = ["meeting"]  # the fixture, shared with the refusals of every route

FIELDS = [
    # (who, path, json, status, problem type, where, field)
    ("sec", "/meetings/nope/attendance", {"member": "m1"}, 404, "not-found", "path", "meeting"),
    ("sec", "/meetings/june/attendance", {"member": "ghost"}, 404, "not-found", "json",
     "member"),
    ("m1", "/motions", {"meeting": "nope", "title": "T", "text": "Elsewhere."}, 404,
     "not-found", "json", "meeting"),
    ("m1", "/motions/nope/second", None, 404, "not-found", "path", "motion"),
    ("m3", "/amendments/nope/second", None, 404, "not-found", "path", "amendment"),
    ("m1", "/ballots/nope/votes", {"choice": "for"}, 404, "not-found", "path", "ballot"),
    ("chair", "/ballots", {"subject": "ghost"}, 422, "domain-error", "json", "subject"),
    ("chair", "/ballots", {"id": "b1", "subject": "mo"}, 409, "already-exists", "json", "id"),
    ("sec", "/members", {"id": "m1", "name": "Again"}, 409, "already-exists", "json", "id"),
    ("sec", "/members/ghost/invites", None, 404, "not-found", "path", "member"),
    ("m1", "/petitions", {"text": "Ask", "fraction": "1/2", "number": 0, "rule": "both"}, 201,
     None, None, None),
    ("m3", "/motions/mo/amendments", {"kind": "insert", "insert": "  "}, 409, "out-of-order",
     None, None),
]


@pytest.mark.parametrize(("who", "path", "body", "status", "problem", "where", "field"), FIELDS)
def test_a_refusal_names_the_field_at_fault(meeting: Meeting, who: str, path: str,
                                            body: object, status: int, problem: str | None,
                                            where: str | None, field: str | None) -> None:
    tokens = {"sec": meeting.secretary, "chair": meeting.chair, **meeting.voters}
    service = meeting.service
    before = service.fingerprint("group")
    response = service.post(f"{B}{path}", tokens[who], body)
    assert response.status_code == status, response.json
    if problem is None:
        return
    assert response.json["type"] == f"urn:tellers:problem:{problem}"
    assert response.json.get("field") == field
    if field is not None:
        assert response.json["errors"] == [{"in": where, "field": field,
                                            "reason": response.json["detail"]}]
    else:
        assert "errors" not in response.json  # about the state, not a field
    assert service.fingerprint("group") == before


def test_a_text_error_names_the_text(meeting: Meeting) -> None:
    """A refusal that quotes no value is tied to the field its class is about."""
    service = meeting.service
    response = service.post(f"{B}/motions", meeting.voters["m1"], {
        "meeting": "june", "title": "T", "text": "word " * 20_000})
    assert response.status_code == 422, response.json
    assert response.json["type"].startswith("urn:tellers:problem:text")
    assert response.json["field"] == "text"
    assert response.json["errors"][0]["in"] == "json"


@pytest.mark.parametrize("origin", ["A+", "group one", "tab\there"])
def test_an_origin_that_cannot_name_a_key_is_refused_and_nothing_written(
        service: Service, origin: str) -> None:
    """Found by schemathesis: an origin with a '+' was taken, then the log's signer refused
    it as a key name, and the founding failed with a 500."""
    admin = service.admin()
    before = sorted(p.name for p in service.instance.path.rglob("*"))
    response = service.client.post("/api/v1/bodies", headers=bearer(admin), json={
        "id": "z", "name": "Z", "origin": origin, "secretary": {"id": "s", "name": "S"}})
    assert response.status_code == 422, response.json
    assert response.json["field"] == "origin"
    assert service.client.get("/api/v1/bodies").json == []
    assert sorted(p.name for p in service.instance.path.rglob("*")) == before


def test_the_instance_refuses_such_an_origin_whoever_asks(service: Service) -> None:
    """The check is in the instance, so no caller of ``create_body`` gets past it."""
    with pytest.raises(Problem) as refused:
        service.instance.create_body("z", name="Z", origin="A+", standing_orders="citrine",
                                     secretary="s", secretary_name="S",
                                     now=datetime.now(UTC), invite_seconds=60)
    assert refused.value.status == 422 and refused.value.field == "origin"
    assert service.instance.bodies() == []
