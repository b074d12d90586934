"""Many bodies in one PostgreSQL database: one pool of connections for all of them, each
body in its own schema, each body's writers serialised on their own lock only."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from api.db import upgrade
from api.instance import Instance
from api.ledger import Ledger
from api.storage import Store
from tests.postgres import database_name, fresh_database
from voting import commands as c

pytestmark = pytest.mark.postgres

BODIES = 30
NOW = datetime(2026, 1, 15, 18, 0, tzinfo=UTC)


@pytest.fixture
def instance(postgres_url: str, tmp_path: Path,
             request: pytest.FixtureRequest) -> Iterator[Instance]:
    found = Instance(tmp_path / "instance",
                     database_url=fresh_database(postgres_url, database_name("b_", request)))
    upgrade(found.engine)
    for n in range(BODIES):
        found.create_body(f"body{n}", name=f"Branch {n}", origin=None,
                          standing_orders="citrine", secretary="sec",
                          secretary_name=f"Secretary {n}", now=NOW, invite_seconds=3600)
    yield found
    found.close()


def _connections(server: str, database: str) -> int:
    admin = create_engine(f"{server}/postgres")
    try:
        with admin.connect() as conn:
            return int(conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = :name"),
                {"name": database}).scalar_one())
    finally:
        admin.dispose()


def test_thirty_bodies_share_one_pool(instance: Instance, postgres_url: str) -> None:
    """Each body read by three threads at once: a pool and a probe for the database, not
    one for each body (which took 91 connections here, against a server's default
    ``max_connections`` of 100, before a second worker opened its own)."""

    def read(n: int) -> None:
        for _ in range(5):
            instance.state(f"body{n % BODIES}")
            instance.ledger(f"body{n % BODIES}").store.entries_from(0)

    threads = [threading.Thread(target=read, args=(n,)) for n in range(3 * BODIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    database = instance.engine.url.database
    assert database is not None
    assert _connections(postgres_url, database) <= 12
    # each body sees its own log only
    for n in range(BODIES):
        state = instance.state(f"body{n}")
        assert state.name == f"Branch {n}"
        assert state.member("sec").name == f"Secretary {n}"
        assert instance.ledger(f"body{n}").size == 2


def test_a_write_to_one_body_does_not_wait_for_another(instance: Instance) -> None:
    """Body 0's write lock held in an open transaction; body 1 writes meanwhile (the lock
    is the body's schema's, not the database's)."""
    held = instance.ledger("body0").store
    other = instance.ledger("body1")
    wrote = threading.Event()

    def write_other() -> None:
        other.submit(c.AdmitMember("2026-01-15T18:05:00Z", "sec", member="m1", name="Ann"))
        wrote.set()

    with held.transaction():
        writer = threading.Thread(target=write_other)
        writer.start()
        assert wrote.wait(30), "body 1's write waited for body 0's lock"
    writer.join()
    assert instance.state("body1").member("m1").name == "Ann"
    assert "m1" not in instance.state("body0").members


def test_a_write_to_one_body_waits_for_its_own_lock(instance: Instance) -> None:
    """The control: another writer of body 0 (a ledger of its own, as another worker's)
    waits while body 0's lock is held, and writes once it is released."""
    store = instance.ledger("body0").store
    url, schema = instance._store("body0")
    origin = instance.require_body("body0").origin
    second = Ledger.open(instance.body_folder("body0"), origin=origin,
                         database_url=url, schema=schema, waited_times=True)
    wrote = threading.Event()

    def write() -> None:
        second.submit(c.AdmitMember("2026-01-15T18:05:00Z", "sec", member="m2", name="Bo"))
        wrote.set()

    try:
        with store.transaction():
            writer = threading.Thread(target=write)
            writer.start()
            assert not wrote.wait(1)
        writer.join()
        assert wrote.is_set()
        assert instance.state("body0").member("m2").name == "Bo"
    finally:
        second.close()


def test_a_schema_is_named_for_postgresql_only_and_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="PostgreSQL only"):
        Store(f"sqlite:///{tmp_path / 'x.sqlite3'}", "body_x")
    with pytest.raises(ValueError, match="not a schema"):
        Store("postgresql+psycopg://nobody@127.0.0.1:1/none", 'body_x"; DROP TABLE entries')
