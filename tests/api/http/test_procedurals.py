"""A chair's ruling and a procedural motion challenging it, over HTTP; their refusals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.http.conftest import Service, meeting_under_way

B = "/api/v1/bodies/group"


@pytest.fixture
def debating(service: Service) -> Iterator[tuple[Service, str, dict[str, str]]]:
    """A motion under debate with an amendment moved and seconded; chair and m1..m4 present."""
    chair, tokens = meeting_under_way(service)
    assert service.post(f"{B}/motions", tokens["m1"], {
        "id": "mo", "meeting": "agm", "title": "Fees",
        "text": "That the fee is fifty pounds."}).status_code == 201
    assert service.post(f"{B}/motions/mo/second", tokens["m2"]).status_code == 201
    assert service.post(f"{B}/motions/mo/debate", chair).status_code == 201
    r = service.post(f"{B}/motions/mo/amendments", tokens["m3"], {
        "id": "a1", "kind": "leave_out_and_insert", "leave_out": "fifty",
        "insert": "sixty"})
    assert r.status_code == 201, r.json
    assert service.post(f"{B}/amendments/a1/second", tokens["m4"]).status_code == 201
    yield service, chair, tokens


def test_a_ruling_challenged_and_overturned(debating: tuple) -> None:
    service, chair, tokens = debating
    r = service.post(f"{B}/amendments/a1/ruling", chair, {"ground": "other",
                                                         "reason": "Moved late."})
    assert r.status_code == 201, r.json
    assert service.client.get(f"{B}/amendments/a1").json["state"] == "out_of_order"
    r = service.post(f"{B}/procedurals", tokens["m3"], {
        "id": "p1", "kind": "challenge_to_the_chair", "target": "a1"})
    assert r.status_code == 201, r.json
    assert r.json["procedural"]["kind"] == "challenge_to_the_chair"
    assert r.json["procedural"]["mover"] == "m3"
    assert (r.json["procedural"]["state"], r.json["procedural"]["seconder"]) == ("proposed", "")
    r = service.post(f"{B}/procedurals/p1/second", tokens["m4"])
    assert r.status_code == 201, r.json
    assert (r.json["procedural"]["state"], r.json["procedural"]["seconder"]) == ("seconded",
                                                                               "m4")
    r = service.post(f"{B}/ballots", chair, {"id": "b1", "subject": "p1",
                                             "method": "recorded"})
    assert r.status_code == 201, r.json
    for member in tokens:
        r = service.post(f"{B}/ballots/b1/votes", tokens[member], {"choice": "for"})
        assert r.status_code == 201, r.json
    r = service.post(f"{B}/ballots/b1/close", chair, {})
    assert r.status_code == 201 and r.json["ballot"]["outcome"] == "carried", r.json
    assert service.client.get(f"{B}/procedurals/p1").json["state"] == "carried"
    assert service.client.get(f"{B}/amendments/a1").json["state"] == "seconded"


def test_ruling_and_procedural_refusals_write_nothing(debating: tuple) -> None:
    service, chair, tokens = debating
    before = service.fingerprint("group")
    r = service.post(f"{B}/amendments/a1/ruling", tokens["m1"], {"ground": "other",
                                                                "reason": "No."})
    assert r.status_code == 403
    r = service.post(f"{B}/amendments/a1/ruling", chair, {"ground": "boring", "reason": "No."})
    assert r.status_code == 422 and r.json["field"] == "ground"
    r = service.post(f"{B}/amendments/zz/ruling", chair, {"ground": "other", "reason": "No."})
    assert r.status_code == 404
    r = service.post(f"{B}/procedurals", tokens["m3"], {
        "kind": "filibuster", "target": "mo"})
    assert r.status_code == 422 and r.json["field"] == "kind"
    r = service.post(f"{B}/procedurals", tokens["m3"], {
        "kind": "next_business", "target": "nothing"})
    assert r.status_code == 422 and "nothing" in r.json["detail"], r.json  # the domain's word
    r = service.post(f"{B}/procedurals", None, {"kind": "next_business", "target": "mo"})
    assert r.status_code == 401
    assert service.client.get(f"{B}/procedurals/p9").status_code == 404
    r = service.post(f"{B}/procedurals/p9/second", tokens["m4"])
    assert r.status_code == 404, r.json
    assert service.fingerprint("group") == before


def test_nobody_names_another_member_as_the_seconder(debating: tuple) -> None:
    """Seconding is the seconder's own act: a request naming a seconder is refused and
    writes nothing; the mover cannot second their own; a second seconding is refused."""
    service, _chair, tokens = debating
    before = service.fingerprint("group")
    r = service.post(f"{B}/procedurals", tokens["m3"], {
        "kind": "adjourn_the_debate", "target": "mo", "seconder": "m4"})
    assert r.status_code == 422 and r.json["field"] == "seconder", r.json
    assert service.fingerprint("group") == before
    r = service.post(f"{B}/procedurals", tokens["m3"], {
        "id": "p2", "kind": "adjourn_the_debate", "target": "mo"})
    assert r.status_code == 201, r.json
    moved = service.fingerprint("group")
    r = service.post(f"{B}/procedurals/p2/second", tokens["m3"])
    assert r.status_code == 403 and "cannot second" in r.json["detail"], r.json
    assert service.fingerprint("group") == moved
    assert service.post(f"{B}/procedurals/p2/second", tokens["m1"]).status_code == 201
    seconded = service.fingerprint("group")
    r = service.post(f"{B}/procedurals/p2/second", tokens["m2"])
    assert r.status_code == 409 and "not awaiting a seconder" in r.json["detail"], r.json
    assert service.fingerprint("group") == seconded
