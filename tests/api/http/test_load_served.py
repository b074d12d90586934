"""A bounded load run against ``tellers serve --workers 2`` on loopback, with the accounts
kept: every answer counted, zero 5xx, every acknowledged vote in the log exactly once.

Many client threads, each with its own members, vote round after round: in each round a
ballot is open and every member casts under an ``Idempotency-Key``, sometimes asking again
under the key (the same bytes must come back) or again without it (409), with reads in
between; then the chair closes the ballot and the next motion is moved, seconded and put.
When the time is up the server is stopped and started again (its start-up check reopens
every log and checks it against its last signed checkpoint), and the served bundle must
verify with every receipt given. CI runs :data:`CI_SECONDS`; ``nightly`` runs
:data:`NIGHTLY_SECONDS`. Each run prints its figures.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.api.http.reliability import DATABASES, cast, database, served_bundle
from tests.api.http.served import Client, Ready, Served, ready_body

pytestmark = [pytest.mark.api, pytest.mark.slow]

CI_SECONDS = 15.0
NIGHTLY_SECONDS = 60.0
CLIENTS = 16
MEMBERS_EACH = 4


def _next_ballot(client: Client, ready: Ready, number: int) -> str:
    """Close the open ballot; move, second and put the next motion; its ballot's id."""
    api = f"/api/v1/bodies/{ready.body}"
    members = sorted(ready.members)
    status, answer = client.call("POST", f"{api}/ballots/b{number - 1}/close", {}, ready.chair)
    if status == 422 and "equal" in str(answer):  # a tie: the chair gives the casting vote
        client.ok("POST", f"{api}/ballots/b{number - 1}/close", {"casting_vote": "against"},
                  ready.chair)
    elif status >= 300:
        raise AssertionError(f"close b{number - 1}: {status} {answer!r}")
    motion = f"m{number}"
    client.ok("POST", f"{api}/motions", {"id": motion, "meeting": "agm", "title": motion,
                                         "text": f"That we do {number}."},
              ready.members[members[number % len(members)]])
    client.ok("POST", f"{api}/motions/{motion}/second", None,
              ready.members[members[(number + 1) % len(members)]])
    client.ok("POST", f"{api}/motions/{motion}/debate", None, ready.chair)
    client.ok("POST", f"{api}/ballots", {"id": f"b{number}", "subject": motion,
                                         "method": "recorded"}, ready.chair)
    return f"b{number}"


def run_load(tmp_path: Path, kind: str, seconds: float) -> dict[str, Any]:
    with database(kind, "load") as env:
        where = tmp_path / "instance"
        with Served(where, workers=2, threads=8, env=env) as served:
            ready = ready_body(served, CLIENTS * MEMBERS_EACH)
            members = sorted(ready.members)
            statuses: Counter[int] = Counter()
            acked: dict[tuple[str, str], str] = {}  # (ballot, member) -> receipt
            ballot = [ready.ballot]
            lock = threading.Lock()
            deadline = time.monotonic() + seconds
            done = threading.Event()
            rounds = [0]

            def next_round() -> None:  # run by the barrier's last thread, alone
                if time.monotonic() >= deadline:
                    done.set()
                    return
                coordinator = served.client()
                try:
                    ballot[0] = _next_ballot(coordinator, ready, len(rounds) + 1)
                    rounds.append(len(rounds))
                finally:
                    coordinator.close()

            barrier = threading.Barrier(CLIENTS, action=next_round)

            errors: list[BaseException] = []

            def client(position: int) -> None:
                try:
                    vote(position)
                except BaseException as exc:  # kept for the test, and the others stopped
                    errors.append(exc)
                    done.set()
                    barrier.abort()

            def vote(position: int) -> None:
                rng = random.Random(position)
                mine = members[position * MEMBERS_EACH:(position + 1) * MEMBERS_EACH]
                reader = served.client()
                try:
                    while not done.is_set():
                        current = ballot[0]
                        for member in mine:
                            key = f"{current}-{member}"
                            choice = rng.choice(["for", "against", "abstain"])
                            answer = cast(served.port, ready.body, current,
                                          ready.members[member], choice, key=key)
                            with lock:
                                statuses[answer.status] += 1
                            if answer.status == 201:
                                with lock:
                                    acked[(current, member)] = answer.json["receipt"]
                                if rng.random() < 0.2:
                                    again = cast(served.port, ready.body, current,
                                                 ready.members[member], choice, key=key)
                                    with lock:
                                        statuses[again.status] += 1
                                    assert again.raw == answer.raw
                                if rng.random() < 0.1:
                                    twice = cast(served.port, ready.body, current,
                                                 ready.members[member], choice)
                                    with lock:
                                        statuses[twice.status] += 1
                                    assert twice.status == 409, twice.raw
                            status, _ = reader.call(
                                "GET", f"/api/v1/bodies/{ready.body}/ballots/{current}")
                            with lock:
                                statuses[status] += 1
                        barrier.wait()
                finally:
                    reader.close()

            started = time.monotonic()
            threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - started
            assert not errors, errors
        # stopped; started again: the start-up check reopens the log against its last head
        with Served(where, workers=2, threads=8, env=env) as served:
            report, entries = served_bundle(served.port, ready.body, ready.vkey,
                                            list(acked.values()))
        assert "Traceback" not in "".join(served.output), "".join(served.output)
    logged: Counter[tuple[str, str]] = Counter(
        (entry["body"]["ballot"], entry["body"]["voter"]) for entry in entries
        if entry["type"] == "vote_cast")
    figures = {"database": kind, "seconds": round(elapsed, 1), "rounds": len(rounds),
               "requests": sum(statuses.values()), "statuses": dict(statuses),
               "acknowledged": len(acked), "found_once": sum(
                   1 for key in acked if logged[key] == 1),
               "entries": report.counts.entries}
    print(json.dumps({"load_run": figures}))
    assert not [status for status in statuses if status >= 500 or status == 0], statuses
    assert logged == dict.fromkeys(acked, 1), "a vote lost, or logged twice"
    return figures


@pytest.mark.parametrize("kind", [
    pytest.param(kind, marks=[pytest.mark.postgres] if kind == "postgres" else [])
    for kind in DATABASES])
def test_a_bounded_load_run_loses_nothing_and_fails_nothing(tmp_path: Path, kind: str) -> None:
    figures = run_load(tmp_path, kind, CI_SECONDS)
    assert figures["acknowledged"] >= CLIENTS * MEMBERS_EACH  # at least a round


@pytest.mark.nightly
@pytest.mark.timeout(3600)  # beyond the suite's 600 s: these run long on purpose
@pytest.mark.parametrize("kind", [
    pytest.param(kind, marks=[pytest.mark.postgres] if kind == "postgres" else [])
    for kind in DATABASES])
def test_a_60_second_load_run_loses_nothing_and_fails_nothing(tmp_path: Path,
                                                              kind: str) -> None:
    figures = run_load(tmp_path, kind, NIGHTLY_SECONDS)
    assert figures["acknowledged"] >= CLIENTS * MEMBERS_EACH
