"""The log over HTTP: keyset pages of entries, the checkpoint, and sized bundles."""

from __future__ import annotations

from audit.canonical import parse
from tests.api.http.conftest import Service

B = "/api/v1/bodies/group"


def test_entries_by_keyset_pages(service: Service) -> None:
    secretary = service.body("group", "sec")
    for member in ("m1", "m2", "m3"):
        service.admit("group", secretary, member)
    stored = service.instance.ledger("group").entry_bytes()
    assert len(stored) == 5
    seen: list[dict[str, object]] = []
    after: int | None = None
    for _ in range(10):
        query = f"?limit=2&after={after}" if after is not None else "?limit=2"
        page = service.client.get(f"{B}/log/entries{query}").json
        assert page["size"] == 5
        seen.extend(page["entries"])
        after = page["next"]
        if after is None:
            break
    assert [e["seq"] for e in seen] == [0, 1, 2, 3, 4]
    assert [e["entry"] for e in seen] == [parse(data) for data in stored]
    tail = service.client.get(f"{B}/log/entries?after=4").json
    assert tail == {"entries": [], "size": 5, "next": None}
    for bad in ("limit=0", "limit=1001", "after=-2", "after=x"):
        response = service.client.get(f"{B}/log/entries?{bad}")
        assert response.status_code == 422, bad
        assert response.json["errors"][0]["in"] == "query"


def test_sized_bundles_exist_only_at_signed_sizes(service: Service) -> None:
    service.body("group", "sec")
    manifest = service.client.get(f"{B}/bundles/2/bundle.json").json
    assert manifest["size"] == 2
    assert service.client.get(f"{B}/bundles/2/entries.jsonl").data.count(b"\n") == 2
    assert service.client.get(f"{B}/bundles/99/bundle.json").status_code == 404
    missing = service.client.get(f"{B}/bundles/2/nothing.txt")
    assert missing.status_code == 404
    assert missing.content_type == "application/problem+json"
    note = service.client.get(f"{B}/log/checkpoint").data.decode()
    assert note.splitlines()[1] == "2"
