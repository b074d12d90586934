"""The body's store: entries, checkpoints, sealed ballot papers and ballot secrets, in SQL.

SQLAlchemy 2 Core on SQLite (the embedded default) or PostgreSQL. The log's
canonical bytes are kept as bytes with their leaf hash, never as JSON
columns (docs/architecture.md, "Storage": jsonb reorders keys). On SQLite the connection uses WAL,
``synchronous=FULL``, foreign keys and a busy timeout, and every write
transaction starts with ``BEGIN IMMEDIATE`` so two writers never interleave
(the SQLAlchemy "pysqlite serializable" recipe: Python 3.11's sqlite3 has no
``autocommit`` argument).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    select,
)

__all__ = [
    "Store",
    "ballot_secrets",
    "checkpoints",
    "entries",
    "metadata",
    "receipt_checkpoints",
    "sealed_papers",
    "sealed_rankings",
]

metadata = MetaData()

entries = Table(
    "entries",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("type", String(64), nullable=False),
    Column("time", String(40), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("leaf_hash", LargeBinary(32), nullable=False, unique=True),
)

checkpoints = Table(  # the published checkpoints: the ones a bundle carries
    "checkpoints",
    metadata,
    Column("size", Integer, primary_key=True, autoincrement=False),
    Column("note", Text, nullable=False),
)

receipt_checkpoints = Table(  # signed only for a receipt, between published ones
    "receipt_checkpoints",
    metadata,
    Column("size", Integer, primary_key=True, autoincrement=False),
    Column("note", Text, nullable=False),
)

# Sealed papers and ballot secrets are kept so that nothing stored links a paper to its
# voter: a paper's row holds no member and no time, and on SQLite these tables are
# WITHOUT ROWID, stored in the order of their key (the random tracker), not of casting.
# Both are deleted in the transaction that logs the close (the papers are then in the log).
# On PostgreSQL a heap table keeps rows in the order written and each row's xmin; see
# docs/verifying.md, "Sealed papers".

sealed_papers = Table(
    "sealed_papers",
    metadata,
    Column("ballot", String(64), primary_key=True),
    Column("tracker", String(64), primary_key=True),
    Column("choice", String(16), nullable=False),
    sqlite_with_rowid=False,
)


sealed_rankings = Table(
    "sealed_rankings",
    metadata,
    Column("election", String(64), primary_key=True),
    Column("tracker", String(64), primary_key=True),
    Column("ranking", Text, nullable=False),  # candidate ids joined by newlines
    sqlite_with_rowid=False,
)

ballot_secrets = Table(
    "ballot_secrets",
    metadata,
    Column("kind", String(16), primary_key=True),  # "ballot", "election" or "meeting"
    Column("question", String(64), primary_key=True),
    Column("secret", String(64), nullable=False),  # 32 random bytes as hex (voting.seal)
    sqlite_with_rowid=False,
)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
    cursor = dbapi_connection.cursor()
    for pragma in (
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=FULL",
        "PRAGMA foreign_keys=ON",
        "PRAGMA busy_timeout=5000",
        "PRAGMA secure_delete=ON",  # a deleted ballot secret is overwritten, not left in a page
    ):
        cursor.execute(pragma)
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class Store:
    """A body's tables behind one engine."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        metadata.create_all(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction: committed on success, rolled back on any error."""
        with self.engine.begin() as conn:
            yield conn

    def size(self, conn: Connection | None = None) -> int:
        """The number of entries: the next ``seq``, read from the key's index (the entries are
        dense from 0, INV-DENSE), so that it costs the same on a log of any length."""
        query = select(func.coalesce(func.max(entries.c.seq) + 1, 0))
        if conn is not None:
            return int(conn.execute(query).scalar_one())
        with self.engine.connect() as fresh:
            return int(fresh.execute(query).scalar_one())

    def all_entries(self) -> list[tuple[int, bytes, bytes]]:
        """Every (seq, canonical bytes, leaf hash), in order."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(entries.c.seq, entries.c.data, entries.c.leaf_hash).order_by(entries.c.seq)
            )
            return [(int(seq), bytes(data), bytes(leaf)) for seq, data, leaf in rows]

    def all_checkpoints(self, *, published: bool = True) -> list[str]:
        """The published checkpoint notes in order of size (with ``published=False``, the
        ones signed only for receipts)."""
        table = checkpoints if published else receipt_checkpoints
        with self.engine.connect() as conn:
            rows = conn.execute(select(table.c.note).order_by(table.c.size))
            return [str(note) for (note,) in rows]

    def papers(self, ballot: str) -> tuple[tuple[str, str], ...]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(sealed_papers.c.tracker, sealed_papers.c.choice)
                .where(sealed_papers.c.ballot == ballot)
                .order_by(sealed_papers.c.tracker)
            )
            return tuple((str(t), str(c)) for t, c in rows)

    def rankings(self, election: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(sealed_rankings.c.tracker, sealed_rankings.c.ranking)
                .where(sealed_rankings.c.election == election)
                .order_by(sealed_rankings.c.tracker)
            )
            return tuple((str(t), tuple(str(r).split("\n"))) for t, r in rows)

    def secret(self, kind: str, question: str, conn: Connection | None = None) -> str | None:
        """The ballot secret held for an open secret ballot or election, if any (read on
        ``conn`` when given: a batch sees the secrets it has stored but not yet committed)."""
        query = select(ballot_secrets.c.secret).where(
            (ballot_secrets.c.kind == kind) & (ballot_secrets.c.question == question))
        if conn is not None:
            found = conn.execute(query).scalar_one_or_none()
        else:
            with self.engine.connect() as own:
                found = own.execute(query).scalar_one_or_none()
        return None if found is None else str(found)

    def scrub(self) -> None:
        """After a close deleted a ballot's secret and papers: on SQLite, copy the write-ahead
        log into the database and truncate it, so the deleted rows' old page images do not
        linger in the ``-wal`` file (``secure_delete`` has already zeroed them in the file)."""
        if self.engine.dialect.name == "sqlite":
            raw = self.engine.raw_connection()  # outside a transaction: no BEGIN IMMEDIATE
            try:
                cursor = raw.cursor()
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                cursor.close()
            finally:
                raw.close()

    def close(self) -> None:
        self.engine.dispose()
