"""Races over HTTP against ``tellers serve --workers 2``, on SQLite and on PostgreSQL.

32 casts for one member on one ballot, released at once by a barrier on 32 connections
that the kernel spreads over both worker processes: exactly one is accepted (201), every
other is refused as a conflict (409), none fails (5xx), and the served bundle verifies
with the one receipt, the log holding that member's vote once and no gap. Retries under
one ``Idempotency-Key`` racing each other all get the first answer, byte for byte; the
same key with another choice is refused with a problem, also while racing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from audit.checkpoint import format_checkpoint, parse_checkpoint
from audit.errors import ProofError
from audit.note import Ed25519Signer, parse_note, sign_note
from tests.api.http.reliability import (
    DATABASES,
    at_once,
    cast,
    consistent_with,
    database,
    receipt_note,
    served_bundle,
    votes_by_member,
)
from tests.api.http.served import Served, ready_body

pytestmark = [pytest.mark.api, pytest.mark.slow]

RACERS = 32


@pytest.fixture(params=[pytest.param(kind, marks=[pytest.mark.postgres] if kind == "postgres"
                                      else []) for kind in DATABASES])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    with database(str(request.param), "races") as env, \
            Served(tmp_path / "instance", workers=2, threads=8, env=env) as served:
        yield served


def test_32_casts_for_one_member_one_accepted_the_rest_409(served: Served) -> None:
    ready = ready_body(served, 3)
    member, token = sorted(ready.members.items())[0]
    answers = at_once(RACERS, lambda _: cast(served.port, ready.body, ready.ballot, token,
                                             "for"))
    statuses = Counter(answer.status for answer in answers)
    assert statuses == {201: 1, 409: RACERS - 1}, [(a.status, a.raw) for a in answers]
    accepted = next(answer for answer in answers if answer.status == 201)
    assert all(a.problem_type.endswith("already-voted") or a.problem_type.endswith(
        "cast-in-progress") for a in answers if a.status == 409), \
        {a.problem_type for a in answers}
    _, entries = served_bundle(served.port, ready.body, ready.vkey,
                               [accepted.json["receipt"]])
    assert votes_by_member(entries, ready.ballot) == {member: 1}
    assert [entry["seq"] for entry in entries] == list(range(len(entries)))
    head = consistent_with(served.port, ready.body, ready.vkey,
                           [receipt_note(accepted.json["receipt"])])
    assert consistent_with(served.port, ready.body, ready.vkey, [head]) == head
    # the check can fail: a checkpoint signed with the log's key over another history
    seen = parse_checkpoint(parse_note(head).text)
    key = Ed25519Signer.from_skey((served.where / "bodies" / ready.body / "log.key")
                                  .read_text().strip())
    forked = sign_note(format_checkpoint(seen.origin, seen.size - 1, bytes(32)), key)
    with pytest.raises(ProofError):
        consistent_with(served.port, ready.body, ready.vkey, [forked])
    assert "Traceback" not in "".join(served.output), "".join(served.output)


def test_racing_retries_under_one_key_get_one_receipt_byte_for_byte(served: Served) -> None:
    ready = ready_body(served, 3)
    (member, token), (other, other_token) = sorted(ready.members.items())[:2]
    same = at_once(RACERS, lambda _: cast(served.port, ready.body, ready.ballot, token, "for",
                                          key="k-1"))
    assert {answer.status for answer in same} == {201}, [(a.status, a.raw) for a in same]
    assert len({answer.raw for answer in same}) == 1  # one receipt, byte for byte
    # later, and from another worker: still the same bytes; another choice is refused
    again = [cast(served.port, ready.body, ready.ballot, token, "for", key="k-1")
             for _ in range(4)]
    assert {answer.raw for answer in again} == {same[0].raw}
    changed = cast(served.port, ready.body, ready.ballot, token, "against", key="k-1")
    assert changed.status == 422 and changed.problem_type.endswith("idempotency-key-reused")
    # racing retries where half change the choice: the first answer or a refusal, never a
    # second vote, never a 5xx
    mixed = at_once(RACERS, lambda i: cast(served.port, ready.body, ready.ballot, other_token,
                                           "for" if i % 2 else "against", key="k-2"))
    accepted = {answer.raw for answer in mixed if answer.status == 201}
    assert len(accepted) == 1, [(a.status, a.raw) for a in mixed]
    refused = [answer for answer in mixed if answer.status != 201]
    assert refused and all(answer.status == 422 and answer.problem_type.endswith(
        "idempotency-key-reused") for answer in refused), [(a.status, a.raw) for a in refused]
    chosen = Counter(a.raw for a in mixed if a.status == 201)
    assert sum(chosen.values()) == RACERS // 2  # exactly the requests with the first choice
    first = next(answer for answer in mixed if answer.status == 201)
    _, entries = served_bundle(served.port, ready.body, ready.vkey,
                               [same[0].json["receipt"], first.json["receipt"]])
    assert votes_by_member(entries, ready.ballot) == {member: 1, other: 1}
    assert "Traceback" not in "".join(served.output), "".join(served.output)
