"""What the reliability suites over HTTP share: a cast that never retries on its own, the
served bundle verified with the receipts members kept, and a served instance on SQLite or
on its own PostgreSQL database."""

from __future__ import annotations

import base64
import http.client
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.commands.verify import read_source
from audit.checkpoint import parse_checkpoint
from audit.known import KnownState
from audit.merkle import verify_consistency
from audit.note import Ed25519Verifier, open_note
from audit.receipt import parse_receipt
from audit.report import Report
from audit.verify import canonical_value, verify
from tests.postgres import fresh_database, postgres_server, require_server

DATABASES = ("sqlite", "postgres")


@dataclass(frozen=True)
class Answer:
    """One request's outcome: ``status`` 0 when no answer came (the connection broke)."""

    status: int
    raw: bytes
    problem_type: str = ""

    @property
    def json(self) -> Any:
        return json.loads(self.raw)


def cast(port: int, body: str, ballot: str, token: str, choice: str, key: str | None = None,
         conn: http.client.HTTPConnection | None = None) -> Answer:
    """POST one vote, once: a broken connection is an answer of status 0, never retried."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    try:
        conn.request("POST", f"/api/v1/bodies/{body}/ballots/{ballot}/votes",
                     body=json.dumps({"choice": choice}).encode(), headers=headers)
        response = conn.getresponse()
        raw = response.read()
    except (OSError, http.client.HTTPException):
        conn.close()
        return Answer(0, b"")
    finally:
        if own:
            conn.close()
    kind = ""
    if "problem+json" in (response.getheader("Content-Type") or ""):
        kind = str(json.loads(raw).get("type", ""))
    return Answer(response.status, raw, kind)


def at_once(count: int, step: Callable[[int], Answer]) -> list[Answer]:
    """``step(i)`` for i < ``count`` on as many threads, all released by one barrier."""
    start = threading.Barrier(count)
    answers: list[Answer | None] = [None] * count

    def run(position: int) -> None:
        start.wait()
        answers[position] = step(position)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(answer is not None for answer in answers)
    return [answer for answer in answers if answer is not None]


def served_bundle(port: int, body: str, vkey: str, receipts: Sequence[str] = (),
                  known: Path | None = None) -> tuple[Report, list[Any]]:
    """Read the served bundle over HTTP and verify it with ``receipts`` (and the checkpoint
    last verified in ``known``, which every later bundle must extend); the report and the
    entries' values. Fails the test unless every check holds."""
    bundle = read_source(f"http://127.0.0.1:{port}/api/v1/bodies/{body}/bundles/latest/")
    report = verify(bundle, key=vkey, known=KnownState(known) if known else None,
                    receipts=[(f"r{i}", r) for i, r in enumerate(receipts)])
    assert report.ok, report.failure
    return report, [canonical_value(line) for line in bundle.entries]


def votes_by_member(entries: Sequence[Any], ballot: str) -> Counter[str]:
    """How many votes the log holds in each member's name on ``ballot``."""
    found: Counter[str] = Counter()
    for entry in entries:
        body = entry.get("body") if isinstance(entry, dict) else None
        if isinstance(body, dict) and body.get("ballot") == ballot and "voter" in body:
            found[str(body["voter"])] += 1
    return found


def consistent_with(port: int, body: str, vkey: str, notes: Sequence[str]) -> str:
    """Check over HTTP that the served log extends every signed checkpoint in ``notes`` (the
    ones a client saw: in receipts, or heads read before): the head's signature, then for
    each an RFC 9162 consistency proof from its size to the head's, served by the log.
    Returns the head's note, for the client to keep."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", f"/api/v1/bodies/{body}/log/checkpoint")
        response = conn.getresponse()
        head_note = response.read().decode()
        assert response.status == 200, head_note
        verifier = Ed25519Verifier.from_vkey(vkey)
        head = parse_checkpoint(open_note(head_note, [verifier]).text)
        for note in notes:
            seen = parse_checkpoint(open_note(note, [verifier]).text)
            assert seen.size <= head.size, f"the log shrank from {seen.size} to {head.size}"
            if seen.size == head.size:
                assert seen.root_hash == head.root_hash, "two trees of one size"
                continue
            conn.request("GET", f"/api/v1/bodies/{body}/log/proofs/consistency"
                                f"?old={seen.size}&new={head.size}")
            response = conn.getresponse()
            proof = json.loads(response.read())
            assert response.status == 200, proof
            assert base64.b64decode(proof["root"]) == head.root_hash
            verify_consistency(seen.size, head.size, seen.root_hash, head.root_hash,
                               [base64.b64decode(step) for step in proof["proof"]])
    finally:
        conn.close()
    return head_note


def receipt_note(receipt: str) -> str:
    """The signed checkpoint a receipt carries."""
    return parse_receipt(receipt).note


@contextmanager
def database(kind: str, name: str) -> Iterator[dict[str, str]]:
    """The environment that points ``tellers serve`` at a fresh database: none for SQLite
    (the instance folder's), else ``TELLERS_DATABASE_URL`` on a private PostgreSQL server."""
    if kind == "sqlite":
        yield {}
        return
    require_server()
    with postgres_server() as server:
        yield {"TELLERS_DATABASE_URL": fresh_database(server, name)}
