"""An electoral college over HTTP: defined by an officer, then a college vote whose close shows
each section's working."""

from __future__ import annotations

from tests.api.http.conftest import Service

B = "/api/v1/bodies/group"


def test_an_officer_defines_the_college_and_a_college_vote_shows_each_section(
        service: Service) -> None:
    secretary = service.body("group", "sec")
    assert service.client.get(f"{B}/college").json == {"sections": []}
    chair = service.admit("group", secretary, "chair", ("chair", "member"))
    member = service.admit("group", secretary, "m1")
    before = service.fingerprint("group")
    for token, payload, status in (
            (member, {"sections": [{"name": "a", "share": "1"}]}, 403),
            (secretary, {"sections": [{"name": "a", "share": "1/2"}]}, 422),
            (secretary, {"sections": [{"name": "a", "share": "half"}]}, 422),
            (secretary, {"sections": []}, 422)):
        r = service.post(f"{B}/college", token, payload)
        assert r.status_code == status, (payload, r.json)
        assert r.content_type == "application/problem+json"
    assert service.fingerprint("group") == before
    r = service.post(f"{B}/college", chair, {"sections": [
        {"name": "affiliates", "share": "1/2"}, {"name": "constituencies", "share": "1/2"}]})
    assert r.status_code == 201, r.json
    assert r.json["college"]["sections"][0] == {"name": "affiliates", "share": "1/2"}
    assert service.client.get(f"{B}/college").json == r.json["college"]
