"""An app on a fresh instance, and helpers to act as the admin, the secretary or a member."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from api import create_app
from api.db import Base
from api.instance import Instance
from tests.postgres import database_name, fresh_database


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Service:
    app: Flask
    client: FlaskClient

    @property
    def instance(self) -> Instance:
        found: Instance = self.app.extensions["tellers"]
        return found

    def admin(self) -> str:
        """A fresh access token for the instance's admin."""
        moment = datetime.now(UTC)
        principal, _ = self.instance.admin_principal(now=moment)
        invite = self.instance.invite(principal, now=moment, lifetime=600)
        return self.exchange(invite)

    def exchange(self, invite: str) -> str:
        response = self.client.post("/api/v1/auth/token", json={"invite": invite})
        assert response.status_code == 201, response.json
        token: str = response.json["access_token"]
        return token

    def body(self, body: str = "group", secretary: str = "sec") -> str:
        """Found a body; the secretary's access token."""
        response = self.client.post("/api/v1/bodies", headers=bearer(self.admin()), json={
            "id": body, "name": f"The {body}", "secretary": {"id": secretary,
                                                             "name": "Sam Secretary"}})
        assert response.status_code == 201, response.json
        return self.exchange(response.json["secretary_invite"])

    def admit(self, body: str, officer: str, member: str, roles: tuple[str, ...] = ("member",),
              ) -> str:
        """Admit a member as ``officer``; the member's access token."""
        response = self.client.post(f"/api/v1/bodies/{body}/members", headers=bearer(officer),
                                    json={"id": member, "name": f"Member {member}",
                                          "roles": list(roles)})
        assert response.status_code == 201, response.json
        return self.exchange(response.json["invite"]["invite"])

    def post(self, path: str, token: str | None, json: Any = None,
             **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers.update(bearer(token))
        return self.client.post(path, headers=headers, json=json, **kwargs)

    def fingerprint(self, body: str) -> tuple[object, ...]:
        """Everything a refused request must leave as it was: the log, the state, the registry."""
        ledger = self.instance.ledger(body)
        with self.instance.engine.connect() as conn:
            counts = tuple(conn.execute(select(func.count()).select_from(table)).scalar_one()
                           for table in Base.metadata.sorted_tables)
        return (ledger.state, tuple(ledger.entry_bytes()), tuple(ledger.checkpoints()), counts)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "TESTING": True})
    # a program's client: the bearer token only (the browser's cookie has its own tests)
    yield Service(app, app.test_client(use_cookies=False))
    app.extensions["tellers"].close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Service]:
    """The service on SQLite, then on PostgreSQL (a database of its own on the run's server),
    where the cast's registry and the body's log share one database and one transaction."""
    config: dict[str, Any] = {"INSTANCE_PATH": str(tmp_path / "instance"), "TESTING": True}
    if request.param == "postgres":
        config["DATABASE_URL"] = fresh_database(request.getfixturevalue("postgres_url"),
                                                database_name("s_", request))
    app = create_app(config)
    yield Service(app, app.test_client(use_cookies=False))
    app.extensions["tellers"].close()


def meeting_under_way(service: Service, publication: str = "open"
                      ) -> tuple[str, dict[str, str]]:
    """Body ``group`` with its secretary ``sec``, a chair and members m1..m4, all present at
    meeting ``agm`` (quorum 2, the given publication policy), business started: the chair's
    token and the members' tokens."""
    secretary = service.body("group", "sec")
    chair = service.admit("group", secretary, "chair", ("chair", "member"))
    tokens = {m: service.admit("group", secretary, m) for m in ("m1", "m2", "m3", "m4")}
    body = "/api/v1/bodies/group"
    assert service.post(f"{body}/meetings", secretary, {
        "id": "agm", "title": "AGM", "chair": "chair", "secretary": "sec",
        "quorum_number": 2, "publication": publication}).status_code == 201
    for member in ("sec", "chair", *tokens):
        assert service.post(f"{body}/meetings/agm/attendance", secretary,
                            {"member": member}).status_code == 201
    assert service.post(f"{body}/meetings/agm/start", chair).status_code == 201
    return chair, tokens


@pytest.fixture
def second_worker(service: Service) -> Iterator[Service]:
    """Another worker on the same instance and database as ``service``: its own ledgers,
    behind until it looks."""
    config = {key: value for key, value in service.app.config.items()
              if key in ("INSTANCE_PATH", "DATABASE_URL")}
    app = create_app({**config, "TESTING": True})
    yield Service(app, app.test_client(use_cookies=False))
    app.extensions["tellers"].close()
