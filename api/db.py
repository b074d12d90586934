"""The service's own tables: the registry of bodies, principals, invites, casts and retries.

These live in the instance's database (``instance/tellers.sqlite3``, or the
PostgreSQL database ``TELLERS_DATABASE_URL`` names) and are created and
changed only by the Alembic migrations shipped in ``api/migrations``
(``tellers db upgrade``). Each body's log is kept by its own
:class:`api.ledger.Ledger` store, not here: the registry says which bodies
exist and who may act for them, the log says what they did.

Times are stored as RFC 3339 UTC strings (SQLite hands aware datetimes back
naive; a string compares correctly and means the same on both databases).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Boolean,
    Connection,
    Engine,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from api.writers import WriterQueue
from tallying.errors import TellersError

__all__ = [
    "MIGRATIONS",
    "Base",
    "BodyRow",
    "CastRow",
    "ContactRow",
    "IdempotencyRow",
    "InviteRow",
    "PrincipalRow",
    "SchemaBehind",
    "current_revision",
    "head_revision",
    "registry_engine",
    "schema_status",
    "upgrade",
    "write",
]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
"""The Alembic scripts, shipped inside the package (the wheel must hold them)."""


class SchemaBehind(TellersError, RuntimeError):
    """The instance's database is at an older schema than this version of tellers."""


class Base(DeclarativeBase):
    """Declarative base of the registry tables."""


class BodyRow(Base):
    """A body this instance serves; its log is in ``bodies/<id>/`` (or its own schema)."""

    __tablename__ = "bodies"

    id: Mapped[str] = mapped_column(String(63), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    origin: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[str] = mapped_column(String(40))
    # the body's policy: how many have voted is shown while a ballot is open (never choices)
    show_turnout: Mapped[bool] = mapped_column(Boolean, default=False,
                                               server_default=false())


class ContactRow(Base):
    """A member's e-mail address, for sending invites: kept here, never in the public log."""

    __tablename__ = "contacts"

    body: Mapped[str] = mapped_column(ForeignKey("bodies.id"), primary_key=True)
    member: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))


class PrincipalRow(Base):
    """Someone who may hold a token: the instance's admin, or one member of one body."""

    __tablename__ = "principals"
    __table_args__ = (UniqueConstraint("body", "member"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "admin" or "member"
    body: Mapped[str | None] = mapped_column(ForeignKey("bodies.id"), nullable=True)
    member: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[str] = mapped_column(String(40))


class InviteRow(Base):
    """A single-use invite: only the SHA-256 of its token is kept."""

    __tablename__ = "invites"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    principal: Mapped[str] = mapped_column(ForeignKey("principals.id"))
    created_at: Mapped[str] = mapped_column(String(40))
    expires_at: Mapped[str] = mapped_column(String(40))
    used_at: Mapped[str | None] = mapped_column(String(40), nullable=True)


class CastRow(Base):
    """One member's vote on one ballot: the primary key is the last guard against a second.

    ``entry`` is the vote's leaf index once it is in the log (``None`` while the
    vote is being written); ``receipt`` is what the member was given.
    """

    __tablename__ = "casts"

    body: Mapped[str] = mapped_column(ForeignKey("bodies.id"), primary_key=True)
    ballot: Mapped[str] = mapped_column(String(64), primary_key=True)
    member: Mapped[str] = mapped_column(String(64), primary_key=True)
    tracker: Mapped[str] = mapped_column(String(64), default="")
    entry: Mapped[int | None] = mapped_column(Integer, nullable=True)
    receipt: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[str] = mapped_column(String(40))


class IdempotencyRow(Base):
    """A request made under an ``Idempotency-Key``: what it asked and what it was answered."""

    __tablename__ = "idempotency"

    principal: Mapped[str] = mapped_column(ForeignKey("principals.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: not finished
    response: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[str] = mapped_column(String(40))


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # BEGIN is issued in _sqlite_begin
    cursor = dbapi_connection.cursor()
    for pragma in ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                   "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000"):
        cursor.execute(pragma)
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # A write transaction takes the write lock at once (a deferred one that writes later
    # could fail to upgrade); a read is a deferred snapshot that never waits for a writer.
    writes = conn.get_execution_options().get("tellers_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def registry_engine(url: str) -> Engine:
    """An engine on the instance database; on SQLite every write transaction (:func:`write`,
    :func:`upgrade`) is ``BEGIN IMMEDIATE``, and a read a deferred ``BEGIN``."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


_queues: weakref.WeakKeyDictionary[Engine, tuple[int, WriterQueue]] = \
    weakref.WeakKeyDictionary()
_queues_guard = threading.Lock()


def _queue_of(engine: Engine) -> WriterQueue | None:
    """The writers' queue of the SQLite file ``engine`` writes (:mod:`api.writers`): one per
    engine and process (two engines on one file queue on its lock file
    alike), gone with the engine; ``None`` when not writing a SQLite file."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    with _queues_guard:
        found = _queues.get(engine)
        if found is None or found[0] != os.getpid():  # never the lock file of the parent
            found = _queues[engine] = (os.getpid(), WriterQueue(database))
        return found[1]


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """One write transaction on the registry: committed on success, rolled back on error. On
    SQLite the writer first queues on the file's lock (:mod:`api.writers`)."""
    queue = _queue_of(engine)
    with queue.hold() if queue is not None else nullcontext(), engine.connect() as conn:
        conn.execution_options(tellers_write=True)
        with conn.begin():
            yield conn


def _config(conn: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def head_revision() -> str:
    """The newest schema revision this version of tellers ships."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise SchemaBehind("the package ships no schema migrations")
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at; ``None`` for a database never upgraded."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def schema_status(engine: Engine) -> str:
    """``"current"``, ``"empty"`` (never upgraded) or ``"behind"``."""
    current = current_revision(engine)
    if current is None:
        return "empty"
    return "current" if current == head_revision() else "behind"


def upgrade(engine: Engine) -> str:
    """Bring the database to the newest schema (``tellers db upgrade``); the revision reached."""
    with write(engine) as conn:
        command.upgrade(_config(conn), "head")
    return head_revision()
