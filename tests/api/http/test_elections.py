"""An election over HTTP: called by the chair, nominations, each member's own ranking with
its receipt, the count; and the refusals, which write nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from audit.bundle import read_bundle_from
from audit.verify import verify
from tests.api.http.conftest import Service, meeting_under_way

B = "/api/v1/bodies/group"


@pytest.fixture
def meeting(service: Service) -> Iterator[tuple[Service, str, dict[str, str]]]:
    """A meeting under way with the chair and members m1..m4 present."""
    chair, tokens = meeting_under_way(service)
    yield service, chair, tokens


def fetcher(service: Service, base: str) -> Any:
    def fetch(name: str, limit: int) -> bytes | None:
        response = service.client.get(f"{base}/{name}")
        return None if response.status_code == 404 else response.data[: limit + 1]
    return fetch


@pytest.mark.parametrize("secret", [True, False])
def test_an_election_over_http_counts_and_verifies(meeting: tuple, secret: bool) -> None:
    service, chair, tokens = meeting
    r = service.post(f"{B}/elections", chair, {"id": "e1", "title": "Treasurer", "seats": 1,
                                               "method": "irv", "meeting": "agm",
                                               "secret": secret})
    assert r.status_code == 201, r.json
    assert r.json["election"]["stage"] == "nominating"
    for candidate, by, seconder in (("m1", "m2", "m3"), ("m2", "m3", "m4")):
        r = service.post(f"{B}/elections/e1/nominations", tokens[by], {"candidate": candidate})
        assert r.status_code == 201, r.json
        assert candidate in r.json["election"]["proposed"]
        assert candidate not in r.json["election"]["nominated"]
        r = service.post(f"{B}/elections/e1/nominations/{candidate}/second", tokens[seconder])
        assert r.status_code == 201, r.json
        assert candidate in r.json["election"]["nominated"]
    r = service.post(f"{B}/elections/e1/nominations/close", chair)
    assert r.status_code == 201, r.json
    assert r.json["election"]["candidates"] == ["m1", "m2"]
    receipts = []
    for member, ranking in (("m1", ["m1", "m2"]), ("m2", ["m2"]), ("m3", ["m1"]),
                            ("m4", ["m1", "m2"])):
        r = service.post(f"{B}/elections/e1/rankings", tokens[member], {"ranking": ranking})
        assert r.status_code == 201, r.json
        assert r.json["member"] == member
        assert (len(r.json["tracker"]) == 64) is secret
        receipts.append((member, r.json["receipt"]))
    assert service.client.get(f"{B}/elections/e1").json["elected"] == []  # hidden till close
    r = service.post(f"{B}/elections/e1/close", chair)
    assert r.status_code == 201, r.json
    assert r.json["election"]["elected"] == ["m1"]
    body = service.client.get(B).json
    base = f"{B}/bundles/latest"
    report = verify(read_bundle_from(fetcher(service, base), base), key=body["vkey"],
                    receipts=receipts)
    assert report.failure is None, report.failure


def test_election_refusals_write_nothing(meeting: tuple) -> None:
    service, chair, tokens = meeting
    before = service.fingerprint("group")
    r = service.post(f"{B}/elections", tokens["m1"], {"title": "T", "seats": 1,
                                                      "method": "irv"})
    assert r.status_code == 403
    r = service.post(f"{B}/elections", chair, {"title": "T", "seats": 1, "method": "coin"})
    assert r.status_code == 422 and r.json["field"] == "method"
    r = service.post(f"{B}/elections", chair, {"title": "T", "seats": 0, "method": "irv"})
    assert r.status_code == 422 and r.json["field"] == "seats"
    assert service.client.get(f"{B}/elections/nope").status_code == 404
    r = service.post(f"{B}/elections/nope/rankings", tokens["m1"], {"ranking": ["m1"]})
    assert r.status_code == 404
    assert service.post(f"{B}/elections/nope/close", chair).status_code == 404
    assert service.fingerprint("group") == before
    assert service.post(f"{B}/elections", chair, {"id": "e1", "title": "T", "seats": 1,
                                                  "method": "irv", "meeting": "agm"}
                        ).status_code == 201
    assert service.post(f"{B}/elections/e1/nominations", tokens["m2"],
                        {"candidate": "m1"}).status_code == 201
    assert service.post(f"{B}/elections/e1/nominations/m1/second",
                        tokens["m3"]).status_code == 201
    before = service.fingerprint("group")
    r = service.post(f"{B}/elections/e1/rankings", tokens["m1"], {"ranking": ["m1"]})
    assert r.status_code == 409, r.json  # nominations still open
    assert service.post(f"{B}/elections/e1/nominations/close", tokens["m1"]).status_code == 403
    assert service.fingerprint("group") == before
    assert service.post(f"{B}/elections/e1/nominations/close", chair).status_code == 201
    assert service.post(f"{B}/elections/e1/rankings", tokens["m1"],
                        {"ranking": ["m1"]}).status_code == 201
    before = service.fingerprint("group")
    r = service.post(f"{B}/elections/e1/rankings", tokens["m1"], {"ranking": ["m1"]})
    assert r.status_code == 409, r.json
    r = service.post(f"{B}/elections/e1/rankings", tokens["m2"], {"ranking": ["m9"]})
    assert r.status_code == 422, r.json
    r = service.post(f"{B}/elections/e1/rankings", tokens["m2"], {"ranking": []})
    assert r.status_code == 422 and r.json["field"] == "ranking"
    assert service.fingerprint("group") == before
