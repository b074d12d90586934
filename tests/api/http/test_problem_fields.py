"""A domain refusal names the field of the request it is about (api.errors.field_at_fault),
where one is: in ``field`` and in ``errors`` with where the field is, as schema errors do."""

from __future__ import annotations

import pytest

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
