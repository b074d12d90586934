"""The service on a real PostgreSQL server: the registry and each body's log in its own schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

from api import create_app
from tests.api.http.conftest import Service
from tests.api.http.test_meeting import hold_meeting
from tests.postgres import database_name, fresh_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_service(postgres_url: str, tmp_path: Path,
               request: pytest.FixtureRequest) -> Iterator[Service]:
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "TESTING": True,
                      "DATABASE_URL": fresh_database(postgres_url, database_name("s_", request))})
    yield Service(app, app.test_client(use_cookies=False))
    app.extensions["tellers"].close()


def test_a_meeting_over_http_on_postgres_verifies(pg_service: Service) -> None:
    hold_meeting(pg_service)
    assert pg_service.instance.engine.dialect.name == "postgresql"
    assert not (pg_service.instance.path / "tellers.sqlite3").exists()
    assert not list(pg_service.instance.path.rglob("*.sqlite3"))


def test_each_body_has_its_own_schema(pg_service: Service) -> None:
    pg_service.body("first", "s1")
    pg_service.body("second-body", "s2")
    names = inspect(pg_service.instance.engine).get_schema_names()
    assert {"body_first", "body_second_body"} <= set(names)
    for schema in ("body_first", "body_second_body"):
        tables = inspect(pg_service.instance.engine).get_table_names(schema=schema)
        assert "entries" in tables
    assert pg_service.instance.ledger("first").log.size == 2
    assert pg_service.instance.ledger("second-body").log.size == 2
