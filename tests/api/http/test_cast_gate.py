"""The cast's gate (``api.http.access.DECIDED_IN_THE_LOG``): a member whose role this worker
has seen already is let through without a look for other workers' entries, for the cast is
decided again under the body's lock on a caught-up state. What must hold, on SQLite and on
PostgreSQL: no look is made for such a cast; a member suspended in another worker meanwhile
is refused there (403, not entitled) and nothing is written; a member admitted in another
worker is looked for and let in; every other route still looks first."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from api.auth import rfc3339
from api.db import PrincipalRow
from tests.api.http.conftest import Service, bearer
from tests.api.http.test_cast_groups import ballot as _ballot
from tests.api.http.test_cast_groups import debating, open_ballot
from voting import commands as c

B = "/api/v1/bodies/group"

pytestmark = pytest.mark.api

ballot = _ballot


@pytest.fixture
def service(any_service: Service) -> Service:
    return any_service


def _looks(service: Service, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count this worker's looks for other workers' entries in the body."""
    ledger = service.instance.ledger("group")
    looks: list[int] = []
    refresh = ledger.refresh

    def counted() -> int:
        looks.append(1)
        return refresh()

    monkeypatch.setattr(ledger, "refresh", counted)
    return looks


def test_a_known_member_s_cast_passes_the_gate_without_a_look(
        service: Service, ballot: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    looks = _looks(service, monkeypatch)
    answer = service.post(f"{B}/ballots/b1/votes", ballot["v0"], {"choice": "for"})
    assert answer.status_code == 201, answer.json
    assert looks == []
    mine = service.client.get(f"{B}/receipts", headers=bearer(ballot["v0"]))
    assert mine.status_code == 200 and len(mine.json["receipts"]) == 1
    assert looks == [1]  # any other route looks first


def test_a_cast_on_a_ballot_opened_in_another_worker_is_cast_not_refused(
        service: Service, second_worker: Service) -> None:
    """The gate lets a known member through on what this worker has seen, where the ballot
    is not open yet: the cast, refused on that state, is decided again on a caught-up one."""
    chair, voters = debating(service)
    behind = second_worker.instance.ledger("group")
    open_ballot(service, chair)
    assert "b1" not in behind.state.ballots
    answer = second_worker.client.post(f"{B}/ballots/b1/votes", json={"choice": "for"},
                                       headers=bearer(voters["v0"]))
    assert answer.status_code == 201, answer.json


def test_a_member_suspended_in_another_worker_is_refused_and_nothing_is_written(
        service: Service, ballot: dict[str, str], second_worker: Service) -> None:
    behind = second_worker.instance.ledger("group")  # sees v1 a member in good standing
    service.instance.ledger("group").submit(c.SuspendMember(
        rfc3339(datetime.now(UTC)), "sec", member="v1", reason="arrears"))
    assert not behind.state.member("v1").suspended
    before = service.fingerprint("group")
    answer = second_worker.client.post(f"{B}/ballots/b1/votes", json={"choice": "for"},
                                       headers=bearer(ballot["v1"]))
    assert answer.status_code == 403, answer.json
    assert answer.json["type"] == "urn:tellers:problem:not-entitled"
    assert "suspended" in answer.json["detail"]
    assert service.fingerprint("group") == before


def test_a_member_admitted_in_another_worker_is_looked_for_and_let_in(
        service: Service, ballot: dict[str, str], second_worker: Service) -> None:
    behind = second_worker.instance.ledger("group")
    secretary = service.exchange(_invite_of(service, "sec"))
    newcomer = service.admit("group", secretary, "new")
    assert "new" not in behind.state.members
    answer = second_worker.client.post(f"{B}/ballots/b1/votes", json={"choice": "for"},
                                       headers=bearer(newcomer))
    # past the gate (which refuses as "forbidden"): the domain refuses, for a member
    # admitted after the meeting began is not on its roll
    assert answer.status_code == 403, answer.json
    assert answer.json["type"] == "urn:tellers:problem:not-entitled"
    assert "new" in behind.state.members


def _invite_of(service: Service, member: str) -> str:
    inst = service.instance
    with inst.engine.connect() as conn:
        principal = conn.execute(select(PrincipalRow.id).where(
            PrincipalRow.body == "group", PrincipalRow.member == member)).scalar_one()
    return inst.invite(principal, now=datetime.now(UTC), lifetime=600)
