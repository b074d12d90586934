"""On PostgreSQL a group of casts is ONE transaction (``api.http.ballots._Together``): the
registry and the body's log share the database, so each cast's claim, its vote, the signed
checkpoint and the kept receipt commit together or not at all. What must hold: one commit
for the group and no registry transaction of its own; an error before the commit leaves
neither vote nor claim; a commit reported failed that went through still answers its
receipt; a cast decided on a stale state (another worker logged meanwhile) is refused as
the log and registry then say, leaving nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, select

from api import failpoints
from api.auth import rfc3339
from api.db import CastRow, IdempotencyRow
from api.http import ballots
from audit.receipt import verify_receipt
from tests.api.http.conftest import Service, bearer
from tests.api.http.test_cast_groups import VOTERS, grouped
from tests.api.http.test_cast_groups import ballot as _ballot
from voting import commands as c

B = "/api/v1/bodies/group"

pytestmark = [pytest.mark.api, pytest.mark.postgres,
              pytest.mark.parametrize("any_service", ["postgres"], indirect=True)]

ballot = _ballot


@pytest.fixture
def service(any_service: Service) -> Service:
    return any_service


def _commits(engine: Any) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "commit", lambda _conn: seen.append("commit"))
    return seen


def test_a_group_commits_once_and_the_registry_writes_nothing_apart(
        service: Service, ballot: dict[str, str]) -> None:
    inst = service.instance
    store = inst.ledger("group").store.engine
    logged, registry = _commits(store), _commits(inst.engine)
    answers = grouped(service, [(ballot[m], {"choice": "for"},
                                 {"Idempotency-Key": f"k-{m}"} if m in ("v0", "v1") else {})
                                for m in VOTERS])
    assert [a.status_code for a in answers] == [201] * len(VOTERS), [a.json for a in answers]
    assert (logged, registry) == (["commit"], [])
    with inst.engine.connect() as conn:
        rows = {r.member: (r.entry, r.receipt) for r in conn.execute(select(CastRow))}
        keys = dict(conn.execute(select(IdempotencyRow.key, IdempotencyRow.status)).all())
    assert rows == {a.json["member"]: (a.json["entry"], a.json["receipt"]) for a in answers}
    assert keys == {"k-v0": 201, "k-v1": 201}
    data = inst.ledger("group").entry_bytes()
    for answer in answers:
        index = answer.json["entry"]
        assert verify_receipt(answer.json["receipt"], data[index],
                              inst.ledger("group").vkey).index == index


def test_an_error_before_the_commit_leaves_neither_vote_nor_claim(
        service: Service, ballot: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    finish = ballots._Together.finish

    def broken(self: Any, conn: Any, answers: Any) -> None:
        finish(self, conn, answers)  # the receipts kept, in the transaction
        raise RuntimeError("the connection dropped before the commit")

    monkeypatch.setattr(ballots._Together, "finish", broken)
    monkeypatch.setitem(service.app.config, "PROPAGATE_EXCEPTIONS", False)  # as served: a 500
    before = service.fingerprint("group")
    answers = grouped(service, [(ballot["v0"], {"choice": "for"}, {"Idempotency-Key": "k0"}),
                                (ballot["v1"], {"choice": "against"}, {})])
    assert [a.status_code for a in answers] == [500, 500], [a.json for a in answers]
    assert service.fingerprint("group") == before
    monkeypatch.setattr(ballots._Together, "finish", finish)
    again = service.post(f"{B}/ballots/b1/votes", ballot["v0"], {"choice": "for"},
                         headers={"Idempotency-Key": "k0"})
    assert again.status_code == 201, again.json


def test_a_commit_reported_failed_that_went_through_answers_its_receipt(
        service: Service, ballot: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    hit = failpoints.hit

    def after_commit_fails(name: str) -> None:
        if name == failpoints.AFTER_COMMIT:
            raise failpoints.FailpointError("the commit's answer was lost")
        hit(name)

    monkeypatch.setattr(failpoints, "hit", after_commit_fails)
    answers = grouped(service, [(ballot["v2"], {"choice": "for"}, {}),
                                (ballot["v3"], {"choice": "for"}, {"Idempotency-Key": "k3"})])
    assert [a.status_code for a in answers] == [201, 201], [a.json for a in answers]
    monkeypatch.setattr(failpoints, "hit", hit)
    with service.instance.engine.connect() as conn:
        kept = dict(conn.execute(select(CastRow.member, CastRow.receipt)).all())
    assert kept == {"v2": answers[0].json["receipt"], "v3": answers[1].json["receipt"]}
    retry = service.post(f"{B}/ballots/b1/votes", ballot["v3"], {"choice": "for"},
                         headers={"Idempotency-Key": "k3"})
    assert retry.status_code == 201 and retry.data == answers[1].data
    other = service.post(f"{B}/ballots/b1/votes", ballot["v2"], {"choice": "for"})
    assert other.status_code == 409, other.json


def _stays_behind(ledger: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """``ledger`` does not look for other workers' entries before its next write (as when
    they commit between its look and its write): only the write's transaction catches up."""
    monkeypatch.setattr(ledger, "refresh", lambda: 0)


def test_a_cast_decided_on_a_stale_state_is_refused_as_the_other_worker_left_it(
        service: Service, ballot: dict[str, str], second_worker: Service,
        monkeypatch: pytest.MonkeyPatch) -> None:
    behind = second_worker.instance.ledger("group")  # opened now: it knows of no vote
    _stays_behind(behind, monkeypatch)
    first = service.post(f"{B}/ballots/b1/votes", ballot["v4"], {"choice": "for"})
    assert first.status_code == 201
    size = service.instance.ledger("group").log.size
    assert behind.log.size == size - 1 and "v4" not in behind.state.ballot("b1").votes
    before = service.fingerprint("group")
    again = second_worker.app.test_client().post(
        f"{B}/ballots/b1/votes", json={"choice": "against"}, headers=bearer(ballot["v4"]))
    assert again.status_code == 409, again.json
    assert again.json["type"] == "urn:tellers:problem:already-voted"
    assert service.fingerprint("group") == before


def test_a_cast_claimed_then_refused_by_the_log_leaves_no_claim(
        service: Service, ballot: dict[str, str], second_worker: Service,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The other worker closed the ballot: this one, behind, decides the cast on the open
    ballot and claims it, and the log (caught up in the same transaction) refuses it; the
    claim goes with the refusal."""
    behind = second_worker.instance.ledger("group")
    _stays_behind(behind, monkeypatch)
    inst = service.instance
    inst.ledger("group").submit(c.CloseBallot(rfc3339(datetime.now(UTC)), "chair",
                                              ballot="b1"))
    assert not behind.state.ballot("b1").closed
    before = service.fingerprint("group")
    late = second_worker.app.test_client().post(
        f"{B}/ballots/b1/votes", json={"choice": "for"}, headers=bearer(ballot["v5"]))
    assert late.status_code == 409, late.json
    assert service.fingerprint("group") == before
    with inst.engine.connect() as conn:
        assert conn.execute(select(CastRow)).all() == []

