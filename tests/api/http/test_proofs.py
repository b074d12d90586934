"""Inclusion and consistency proofs over HTTP, a member's own receipts, a meeting's minutes."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from api import create_app
from audit.merkle import leaf_hash, verify_consistency, verify_inclusion
from audit.receipt import verify_receipt
from tests.api.http.conftest import Service, bearer

B = "/api/v1/bodies/group"


@pytest.fixture
def voted(tmp_path: Path) -> Iterator[tuple[Service, dict[str, str], dict[str, dict[str, str]]]]:
    """A body whose members m1..m3 voted on a recorded ballot; their tokens and answers."""
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "TESTING": True})
    service = Service(app, app.test_client(use_cookies=False))
    secretary = service.body("group", "sec")
    chair = service.admit("group", secretary, "chair", ("chair", "member"))
    tokens = {m: service.admit("group", secretary, m) for m in ("m1", "m2", "m3")}
    assert service.post(f"{B}/meetings", secretary, {
        "id": "june", "title": "June", "chair": "chair", "secretary": "sec",
        "quorum_number": 2}).status_code == 201
    for member in ("sec", "chair", *tokens):
        assert service.post(f"{B}/meetings/june/attendance", secretary,
                            {"member": member}).status_code == 201
    assert service.post(f"{B}/meetings/june/start", chair).status_code == 201
    assert service.post(f"{B}/motions", tokens["m1"], {
        "id": "mo", "meeting": "june", "title": "T", "text": "That."}).status_code == 201
    assert service.post(f"{B}/motions/mo/second", tokens["m2"]).status_code == 201
    assert service.post(f"{B}/motions/mo/debate", chair).status_code == 201
    assert service.post(f"{B}/ballots", chair, {"id": "b1", "subject": "mo",
                                                "method": "recorded"}).status_code == 201
    answers = {}
    for member in ("m1", "m2"):
        r = service.post(f"{B}/ballots/b1/votes", tokens[member], {"choice": "for"})
        assert r.status_code == 201, r.json
        answers[member] = r.json
    yield service, tokens, answers
    app.extensions["tellers"].close()


def _hashes(answer: dict[str, object]) -> list[bytes]:
    return [base64.b64decode(item) for item in answer["proof"]]  # type: ignore[attr-defined]


def test_inclusion_and_consistency_proofs_check_against_the_tree(voted: tuple) -> None:
    service, _tokens, answers = voted
    ledger = service.instance.ledger("group")
    entries = ledger.entry_bytes()
    size = len(entries)
    index = answers["m1"]["entry"]
    r = service.client.get(f"{B}/log/proofs/inclusion?index={index}")
    assert r.status_code == 200, r.json
    assert r.json["size"] == size and r.json["index"] == index
    root = base64.b64decode(r.json["root"])
    assert root == ledger.log.root()
    verify_inclusion(index, size, leaf_hash(entries[index]), _hashes(r.json), root)
    r = service.client.get(f"{B}/log/proofs/inclusion?index=3&size=5")
    verify_inclusion(3, 5, leaf_hash(entries[3]), _hashes(r.json), ledger.log.root(5))
    r = service.client.get(f"{B}/log/proofs/consistency?old=4&new={size - 1}")
    assert r.status_code == 200, r.json
    verify_consistency(4, size - 1, ledger.log.root(4), ledger.log.root(size - 1),
                       _hashes(r.json))
    r = service.client.get(f"{B}/log/proofs/consistency?old=7")
    assert r.json["size"] == size and r.json["old"] == 7


@pytest.mark.parametrize(("query", "field"), [
    ("inclusion?index=999", "index"),
    ("inclusion?index=2&size=2", "index"),
    ("inclusion?index=0&size=999", "size"),
    ("inclusion?index=-1", "index"),
    ("inclusion", "index"),
    ("consistency?old=5&new=4", "old"),
    ("consistency?old=1&new=999", "new"),
    ("consistency?old=0", "old"),
])
def test_a_proof_beyond_the_log_is_refused_with_its_field(voted: tuple, query: str,
                                                          field: str) -> None:
    service = voted[0]
    before = service.fingerprint("group")
    r = service.client.get(f"{B}/log/proofs/{query}")
    assert r.status_code == 422, r.json
    assert r.json["field"] == field
    assert service.fingerprint("group") == before


def test_a_member_sees_their_own_receipts_and_nobody_else_s(voted: tuple) -> None:
    service, tokens, answers = voted
    ledger = service.instance.ledger("group")
    r = service.client.get(f"{B}/receipts", headers=bearer(tokens["m1"]))
    assert r.status_code == 200, r.json
    assert r.json["receipts"] == [answers["m1"]]
    proved = verify_receipt(answers["m1"]["receipt"],
                            ledger.entry_bytes()[answers["m1"]["entry"]], ledger.vkey)
    assert proved.index == answers["m1"]["entry"]
    assert service.client.get(f"{B}/receipts", headers=bearer(tokens["m3"])).json == \
        {"receipts": []}
    assert service.client.get(f"{B}/receipts").status_code == 401


@pytest.mark.parametrize(("fmt", "kind"), [("md", "text/markdown"), ("html", "text/html"),
                                           ("json", "application/json")])
def test_a_meeting_s_minutes_in_each_format(voted: tuple, fmt: str, kind: str) -> None:
    service = voted[0]
    answer = service.client.get(f"{B}/meetings/june/minutes?format={fmt}")
    assert answer.status_code == 200
    assert answer.mimetype == kind
    text = answer.data.decode()
    assert "June" in text
    if fmt == "json":
        assert answer.json  # parses


def test_minutes_of_an_unknown_meeting_or_format_are_refused(voted: tuple) -> None:
    service = voted[0]
    before = service.fingerprint("group")
    r = service.client.get(f"{B}/meetings/july/minutes")
    assert r.status_code == 404 and "june" in r.json["detail"]
    r = service.client.get(f"{B}/meetings/june/minutes?format=pdf")
    assert r.status_code == 422 and r.json["field"] == "format"
    assert service.fingerprint("group") == before
