"""Casts that arrive together are logged together (group commit, ``api.http.ballots``): one
ledger transaction and one signed checkpoint for the group, each member's own receipt, and
each cast still its own claim (one vote per member, one answer per Idempotency-Key)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from api.db import CastRow, write
from api.http import ballots
from api.http.ballots import _queue
from audit.receipt import parse_receipt, verify_receipt
from tests.api.http.conftest import Service, bearer

B = "/api/v1/bodies/group"
VOTERS = [f"v{n}" for n in range(8)]


@pytest.fixture
def service(any_service: Service) -> Service:
    """Every test here on SQLite and on PostgreSQL (where a group is one transaction)."""
    return any_service


@pytest.fixture
def ballot(service: Service) -> dict[str, str]:
    """A recorded ballot open, every voter present; the voters' tokens."""
    chair, voters = debating(service)
    open_ballot(service, chair)
    return voters


def debating(service: Service) -> tuple[str, dict[str, str]]:
    """The body with every voter present and a motion under debate; the chair's token and
    the voters'."""
    secretary = service.body("group", "sec")
    chair = service.admit("group", secretary, "chair", ("chair", "member"))
    voters = {m: service.admit("group", secretary, m) for m in VOTERS}
    steps = [
        (f"{B}/meetings", secretary, {"id": "june", "title": "June", "chair": "chair",
                                      "secretary": "sec", "quorum_number": 2}),
        *[(f"{B}/meetings/june/attendance", secretary, {"member": m})
          for m in ("sec", "chair", *VOTERS)],
        (f"{B}/meetings/june/start", chair, None),
        (f"{B}/motions", voters["v0"], {"id": "mo", "meeting": "june", "title": "Monthly",
                                        "text": "That we meet monthly."}),
        (f"{B}/motions/mo/second", voters["v1"], None),
        (f"{B}/motions/mo/debate", chair, None),
    ]
    for path, token, body in steps:
        response = service.post(path, token, body)
        assert response.status_code == 201, (path, response.json)
    return chair, voters


def open_ballot(service: Service, chair: str) -> None:
    """The chair opens the recorded ballot ``b1`` on the motion."""
    response = service.post(f"{B}/ballots", chair, {"id": "b1", "subject": "mo",
                                                    "method": "recorded"})
    assert response.status_code == 201, response.json


def grouped(service: Service, calls: list[tuple[str, dict[str, Any], dict[str, str]]]
            ) -> list[Any]:
    """Make the calls (token, json, headers) at once and have them logged as ONE group: the
    body's queue is held as if a group were being written until every call waits in it,
    then the first is handed the lead. The responses, in order."""
    queue = _queue(service.instance, "group")
    with queue.guard:
        assert not queue.leading
        queue.leading = True
    answers: list[Any] = [None] * len(calls)

    def run(position: int) -> None:
        token, body, headers = calls[position]
        answers[position] = service.app.test_client().post(
            f"{B}/ballots/b1/votes", json=body, headers={**bearer(token), **headers})

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while True:
        with queue.guard:
            if len(queue.pending) == len(calls):
                first = queue.pending[0]
                first.lead = True
                break
        assert time.monotonic() < deadline, "the calls never all reached the queue"
        time.sleep(0.01)
    first.done.set()
    for thread in threads:
        thread.join()
    return answers


def test_casts_arriving_together_share_one_checkpoint_and_each_gets_its_receipt(
        service: Service, ballot: dict[str, str]) -> None:
    ledger = service.instance.ledger("group")
    kept = ledger.store.all_checkpoints(published=False)
    size = ledger.log.size
    answers = grouped(service, [(ballot[m], {"choice": "for"}, {}) for m in VOTERS])
    assert [a.status_code for a in answers] == [201] * len(VOTERS), [a.json for a in answers]
    assert sorted(a.json["entry"] for a in answers) == list(range(size, size + len(VOTERS)))
    notes = {parse_receipt(a.json["receipt"]).note for a in answers}
    assert len(notes) == 1  # one signature for the group
    assert ledger.store.all_checkpoints(published=False) == [*kept, *notes]
    data = ledger.entry_bytes()
    for answer in answers:
        index = answer.json["entry"]
        assert verify_receipt(answer.json["receipt"], data[index], ledger.vkey).index == index
    with service.instance.engine.connect() as conn:
        rows = dict(conn.execute(select(CastRow.member, CastRow.receipt)).all())
    assert rows == {a.json["member"]: a.json["receipt"] for a in answers}


def test_a_refused_cast_in_a_group_is_refused_alone_and_leaves_nothing(
        service: Service, ballot: dict[str, str]) -> None:
    first = service.post(f"{B}/ballots/b1/votes", ballot["v0"], {"choice": "for"})
    assert first.status_code == 201
    size = service.instance.ledger("group").log.size
    # v1 twice in the group (the second's claim is refused: it waits, then finds the first
    # finished and is refused as already voted), v2 with a key
    answers = grouped(service, [
        (ballot["v1"], {"choice": "for"}, {}),
        (ballot["v1"], {"choice": "against"}, {}),
        (ballot["v2"], {"choice": "abstain"}, {"Idempotency-Key": "k2"}),
    ])
    statuses = sorted(a.status_code for a in answers[:2])
    assert statuses == [201, 409], [a.json for a in answers]
    assert answers[2].status_code == 201
    assert service.instance.ledger("group").log.size == size + 2
    with service.instance.engine.connect() as conn:
        members = sorted(conn.execute(select(CastRow.member).where(
            CastRow.entry.is_not(None))).scalars())
    assert members == ["v0", "v1", "v2"]
    retry = service.post(f"{B}/ballots/b1/votes", ballot["v2"], {"choice": "abstain"},
                         headers={"Idempotency-Key": "k2"})
    assert retry.status_code == 201 and retry.json == answers[2].json


def test_a_cast_stamped_before_the_logs_last_entry_is_logged_at_its_time(
        service: Service, ballot: dict[str, str]) -> None:
    """A request whose clock reading is older than the last entry (it waited while another
    cast was logged) is decided and logged at that entry's time, not refused."""
    state = service.instance.state("group")
    last = datetime.strptime(state.time, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    service.app.config["CLOCK"] = lambda: last - timedelta(seconds=30)
    answer = service.post(f"{B}/ballots/b1/votes", ballot["v3"], {"choice": "for"})
    assert answer.status_code == 201, answer.json
    assert service.instance.state("group").time == state.time


def test_one_key_twice_in_a_group_gets_one_vote_and_the_same_answer_twice(
        service: Service, ballot: dict[str, str]) -> None:
    size = service.instance.ledger("group").log.size
    answers = grouped(service, [(ballot["v4"], {"choice": "for"}, {"Idempotency-Key": "k"}),
                                (ballot["v4"], {"choice": "for"}, {"Idempotency-Key": "k"}),
                                (ballot["v5"], {"choice": "against"}, {})])
    assert [a.status_code for a in answers] == [201, 201, 201], [a.json for a in answers]
    assert answers[0].get_data() == answers[1].get_data()  # byte for byte
    assert service.instance.ledger("group").log.size == size + 2


def test_after_a_group_the_queue_is_free_and_a_refused_cast_leaves_no_claim(
        service: Service, ballot: dict[str, str]) -> None:
    """A cast refused before its claim (an unknown ballot) writes nothing, and leads its
    own group once the last one is done."""
    queue = _queue(service.instance, "group")
    answers = grouped(service, [(ballot["v6"], {"choice": "for"}, {}),
                                (ballot["v7"], {"choice": "for"}, {})])
    assert [a.status_code for a in answers] == [201, 201]
    late = service.post(f"{B}/ballots/nope/votes", ballot["v6"], {"choice": "for"},
                        headers={"Idempotency-Key": "x"})
    assert late.status_code == 404, late.json
    with service.instance.engine.connect() as conn:
        members = sorted(conn.execute(select(CastRow.member)).scalars())
    assert members == ["v6", "v7"]
    assert not queue.pending and not queue.leading


def test_a_group_of_keyed_casts_keeps_each_key_s_own_answer(
        service: Service, ballot: dict[str, str]) -> None:
    """The group's casts are finished together (one read of their rows and keys, one update
    each of rows and keys): each key keeps its own cast's answer, and a retry under it gets
    those bytes again, never a neighbour's."""
    calls = [(ballot[m], {"choice": "for"}, {"Idempotency-Key": f"key-{m}"}) for m in VOTERS]
    answers = grouped(service, calls)
    assert [a.status_code for a in answers] == [201] * len(VOTERS), [a.json for a in answers]
    assert len({parse_receipt(a.json["receipt"]).note for a in answers}) == 1
    assert [a.json["member"] for a in answers] == VOTERS
    for (token, body, headers), first in zip(calls, answers, strict=True):
        again = service.app.test_client().post(f"{B}/ballots/b1/votes", json=body,
                                               headers={**bearer(token), **headers})
        assert again.status_code == 201 and again.data == first.data


def test_a_first_cast_without_a_key_is_decided_without_reading_the_registry(
        service: Service, ballot: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The common cast, a member's first, unkeyed, is decided on the state and claimed: the
    claim's key refuses it if the registry holds anything of it. A cast under a key, or one
    the state refuses, asks the registry first (a finished cast's answer is kept there)."""
    from api.http import ballots as module

    asked: list[list[str]] = []
    registered = module._registered

    def counting(inst: Any, group: list[Any]) -> Any:
        asked.append([item.member for item in group])
        return registered(inst, group)

    monkeypatch.setattr(module, "_registered", counting)
    answers = grouped(service, [(ballot[m], {"choice": "for"}, {}) for m in VOTERS[:4]])
    assert [a.status_code for a in answers] == [201] * 4 and asked == []
    keyed = grouped(service, [(ballot["v4"], {"choice": "for"}, {"Idempotency-Key": "k4"})])
    assert keyed[0].status_code == 201 and asked == [["v4"]]
    again = grouped(service, [(ballot["v0"], {"choice": "against"}, {})])
    assert again[0].status_code == 409 and asked[-1] == ["v0"]  # refused: asked, then refused
    assert again[0].json["type"] == "urn:tellers:problem:already-voted"


def _while_the_lock_is_held(service: Service, calls: list[tuple[str, dict[str, str]]]
                            ) -> list[Any]:
    """Cast ``calls`` (token, headers) one after another while another writer holds the
    body's lock: the first leads a group that waits for it, the others wait in the queue
    behind; then the lock is let go. The responses, in order."""
    inst = service.instance
    queue = ballots._queue(inst, "group")
    answers: list[Any] = [None] * len(calls)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:  # the lock a group first waits for: on SQLite the registry's
        # (its claims are a transaction of their own), on PostgreSQL the body's
        with inst.ledger("group").store.transaction() if inst.postgres else write(inst.engine):
            held.set()
            release.wait(60)

    def run(position: int) -> None:
        token, headers = calls[position]
        answers[position] = service.app.test_client().post(
            f"{B}/ballots/b1/votes", json={"choice": "for"}, headers={**bearer(token),
                                                                     **headers})

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(30)
    threads = []
    for position in range(len(calls)):
        threads.append(threading.Thread(target=run, args=(position,)))
        threads[-1].start()
        deadline = time.monotonic() + 30
        while True:  # in order: the first leads, each later one waits in the queue
            with queue.guard:
                if queue.leading and len(queue.pending) == position:
                    break
            assert time.monotonic() < deadline, "the cast never reached the queue"
            time.sleep(0.005)
    release.set()
    holder.join()
    for thread in threads:
        thread.join()
    return answers


def test_casts_arriving_while_a_group_waits_for_the_lock_join_it(
        service: Service, ballot: dict[str, str]) -> None:
    """The group's commits serve them: the same checkpoint in every receipt. A try
    under a key waits for the next group (it asks the registry first); a second try of a
    member who joined is refused as already voted, once the group is written."""
    inst = service.instance
    logged: list[str] = []
    event.listen(inst.ledger("group").store.engine, "commit", lambda _: logged.append("c"))
    answers = _while_the_lock_is_held(service, [
        (ballot["v0"], {}), (ballot["v1"], {}), (ballot["v2"], {}),
        (ballot["v3"], {"Idempotency-Key": "k3"}), (ballot["v1"], {})])
    statuses = [a.status_code for a in answers]
    assert statuses == [201, 201, 201, 201, 409], [a.json for a in answers]
    assert answers[4].json["type"] == "urn:tellers:problem:already-voted"
    notes = [parse_receipt(a.json["receipt"]).note for a in answers[:4]]
    assert notes[0] == notes[1] == notes[2] != notes[3]
    # on PostgreSQL: the lock's holder, the group of three, the keyed cast; on SQLite the
    # log's two (the registry's claims and receipts commit apart)
    assert len(logged) == (3 if inst.postgres else 2)
    ledger = service.instance.ledger("group")
    data = ledger.entry_bytes()
    for answer in answers[:4]:
        index = answer.json["entry"]
        assert verify_receipt(answer.json["receipt"], data[index], ledger.vkey).index == index
