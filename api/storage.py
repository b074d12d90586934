"""The body's store: entries, checkpoints, sealed ballot papers and ballot secrets, in SQL.

SQLAlchemy 2 Core on SQLite (the embedded default) or PostgreSQL. The log's
canonical bytes are kept as bytes with their leaf hash, never as JSON
columns (docs/architecture.md, "Storage": jsonb reorders keys). On SQLite the connection uses WAL,
``synchronous=FULL``, foreign keys and a busy timeout, and every write
transaction starts with ``BEGIN IMMEDIATE`` so two writers never interleave
(the SQLAlchemy "pysqlite serializable" recipe: Python 3.11's sqlite3 has no
``autocommit`` argument). On PostgreSQL a write transaction takes a
transaction-scoped advisory lock on the body's schema first, so appends to one
body are serialised there too (other bodies never wait); every body's store in a
process shares one engine there, each naming its schema (:class:`_Database`).
Reads that need no lock go through a second engine whose transactions start
with a plain ``BEGIN`` (a WAL snapshot on SQLite), so they never queue behind a
writer.

The signer's memory of the last head it signed (:class:`StoredSignerState`) is
a row of the store, read and moved inside the same locked write transaction
as the notes, so every process serving the body shares it (docs/verifying.md,
"Several workers, one log").
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
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
    text,
    update,
)
from sqlalchemy import insert as sql_insert

from api.writers import WriterQueue
from audit.checkpoint import Checkpoint, parse_checkpoint
from audit.errors import AuditError, StateError
from audit.signer_state import FileSignerState

__all__ = [
    "Store",
    "StoredSignerState",
    "ballot_secrets",
    "checkpoints",
    "entries",
    "metadata",
    "receipt_checkpoints",
    "sealed_papers",
    "sealed_rankings",
    "signer_head",
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


signer_head = Table(  # one row: the body of the last checkpoint the log key signed
    "signer_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1
    Column("checkpoint", Text, nullable=False),
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


def _sqlite_read_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN")  # deferred: a snapshot of what is committed, no lock




class _Database:
    """One PostgreSQL database as this process uses it: one engine (so one pool of
    connections) and one probe, shared by the stores of every body kept there. A body is
    a schema, named on each statement (``schema_translate_map``), so an instance of many
    bodies holds one pool's connections, not a pool and a probe for each body (with 30
    bodies that was 91 connections in one process, against PostgreSQL's default
    ``max_connections`` of 100). Counted by its stores; the last to close disposes it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = create_engine(url)
        self.probe = _Probe()
        self.users = 0


class _Probe:
    """A connection that never writes, asked in autocommit (:meth:`Store._ask`)."""

    def __init__(self) -> None:
        self.connection: tuple[int, Any] | None = None  # (pid, a DB-API connection)
        self.guard = threading.Lock()

    def close(self) -> None:
        with self.guard:
            held, self.connection = self.connection, None
        if held is not None and held[0] == os.getpid():  # never a connection of the parent
            held[1].close()


_SCHEMA = re.compile(r"[a-z][a-z0-9_]{0,62}")
"""A schema's name as the instance makes them (``body_`` and the body's folder)."""

_databases: dict[str, _Database] = {}
_databases_guard = threading.Lock()


def _database(url: str) -> _Database:
    with _databases_guard:
        found = _databases.get(url)
        if found is None:
            found = _databases[url] = _Database(url)
        found.users += 1
        return found


def _forget_database(database: _Database) -> None:
    with _databases_guard:
        database.users -= 1
        if database.users > 0:
            return
        if _databases.get(database.url) is database:
            del _databases[database.url]
    database.engine.dispose()
    database.probe.close()


class Store:
    """A body's tables behind one engine (and a second one for lock-free reads).

    On SQLite in a file, writers also queue on an advisory lock (``flock``) of a file
    beside the database (``<database>.lock``), taken before ``BEGIN IMMEDIATE``: a writer
    that finds the database locked by another process then sleeps in the kernel until it
    is released and starts at once, where SQLite's busy handler would poll it with
    growing sleeps (up to 100 ms each). The lock only orders writers; ``BEGIN IMMEDIATE``
    still keeps them apart.
    """

    def __init__(self, url: str, schema: str | None = None) -> None:
        if schema is not None and not (url.startswith("postgresql") and
                                       _SCHEMA.fullmatch(schema)):
            raise ValueError(f"not a schema a store is kept in: {schema!r} (a body's "
                             "schema, on PostgreSQL only)")
        self.schema = schema
        self._shared: _Database | None = None  # PostgreSQL: the database's engine and probe
        if url.startswith("postgresql"):
            self._shared = _database(url)
            engine = self._shared.engine
            self.engine: Engine = engine if schema is None else engine.execution_options(
                schema_translate_map={None: schema})
        else:
            self.engine = create_engine(url)
        self.reader: Engine = self.engine
        self._queue: WriterQueue | None = None  # its writers' queue (SQLite in a file)
        self._local = threading.RLock()
        self._probe = self._shared.probe if self._shared is not None else _Probe()
        self._database: str | None = None  # the SQLite file, for the probe
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
            self.reader = create_engine(url)
            event.listen(self.reader, "connect", _sqlite_pragmas)
            event.listen(self.reader, "begin", _sqlite_read_begin)
            database = self.engine.url.database
            if database and database != ":memory:" and not database.startswith("file:"):
                self._database = database
                self._queue = WriterQueue(database)
        try:
            metadata.create_all(self.engine)
        except BaseException:
            self.close()
            raise

    @contextmanager
    def _writer(self) -> Iterator[None]:
        """One writing thread of this process at a time, and (SQLite) first in the queue of
        the processes writing to the database (:mod:`api.writers`)."""
        if self._queue is None:
            with self._local:
                yield
            return
        with self._queue.hold():
            yield

    def lock(self, conn: Connection) -> None:
        """Serialise this transaction with every other writer of the body: on SQLite the
        ``BEGIN IMMEDIATE`` has done it; on PostgreSQL a transaction-scoped advisory lock
        keyed by the body's schema (released at commit or rollback)."""
        if self.engine.dialect.name == "postgresql":
            if self.schema is None:
                conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(current_schema()))"))
            else:
                conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:schema))"),
                             {"schema": self.schema})

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction, holding the body's write lock: committed on success,
        rolled back on any error."""
        with self._writer(), self.engine.begin() as conn:
            self.lock(conn)
            yield conn

    def version(self) -> int | None:
        """A number that changes whenever another connection (of this process or another)
        has committed to the database since the last call: SQLite's ``PRAGMA data_version``
        (sqlite.org/pragma.html#pragma_data_version), asked of a connection of its own that
        never writes, so that "has anyone written?" costs no transaction. ``None`` where
        there is no such probe (PostgreSQL, a database in memory): ask :meth:`size`.

        Read it *before* reading what it guards: a commit after the reading changes it.
        """
        if self._database is None:
            return None
        return int(self._ask("PRAGMA data_version"))

    def _ask(self, query: str) -> Any:
        """One value asked of the probe, the store's own connection that never writes, in
        autocommit (each statement sees what is committed; no BEGIN, no ROLLBACK, no pool),
        made in this process: on SQLite its own connection to the file; on PostgreSQL one
        taken from the engine and detached from the pool, shared by every body's store in
        the database (``query`` names the body's table in full, :meth:`_table`)."""
        with self._probe.guard:
            probe = self._probe.connection
            if probe is None or probe[0] != os.getpid():  # never a connection of the parent
                if self._database is not None:
                    connection: Any = sqlite3.connect(self._database, timeout=5.0,
                                                      isolation_level=None,
                                                      check_same_thread=False)
                else:
                    pooled = self.engine.raw_connection()
                    connection = pooled.dbapi_connection
                    pooled.detach()  # ours now: the pool neither resets nor reuses it
                    connection.autocommit = True
                probe = self._probe.connection = (os.getpid(), connection)
            cursor = probe[1].cursor()
            try:
                cursor.execute(query)
                return cursor.fetchone()[0]
            finally:
                cursor.close()

    def _table(self, name: str) -> str:
        """A table of this store as a query written out names it: in its schema, if any."""
        return name if self.schema is None else f'"{self.schema}".{name}'

    def size(self, conn: Connection | None = None) -> int:
        """The number of entries: the next ``seq``, read from the key's index (the entries are
        dense from 0, INV-DENSE), so that it costs the same on a log of any length."""
        query = select(func.coalesce(func.max(entries.c.seq) + 1, 0))
        if conn is not None:
            return int(conn.execute(query).scalar_one())
        if self._database is not None or self.engine.dialect.name == "postgresql":
            # asked of the probe: no pooled connection, no transaction
            entries_table = self._table("entries")  # a checked name (_SCHEMA), not input
            return int(self._ask(f"SELECT coalesce(max(seq) + 1, 0) FROM {entries_table}"))  # noqa: S608
        with self.reader.connect() as fresh:
            return int(fresh.execute(query).scalar_one())

    def all_entries(self) -> list[tuple[int, bytes, bytes]]:
        """Every (seq, canonical bytes, leaf hash), in order."""
        return self.entries_from(0)

    def entries_from(self, start: int, conn: Connection | None = None, *,
                     limit: int | None = None) -> list[tuple[int, bytes, bytes]]:
        """Every (seq, canonical bytes, leaf hash) from ``seq`` ``start`` on, in order (read on
        ``conn`` when given), or the first ``limit`` of them: what a process that holds the
        first ``start`` has not seen, or one page of the log (a keyset read on the key)."""
        query = (select(entries.c.seq, entries.c.data, entries.c.leaf_hash)
                 .where(entries.c.seq >= start).order_by(entries.c.seq).limit(limit))
        if conn is not None:
            return [(int(seq), bytes(data), bytes(leaf))
                    for seq, data, leaf in conn.execute(query)]
        with self.reader.connect() as own:
            return [(int(seq), bytes(data), bytes(leaf))
                    for seq, data, leaf in own.execute(query)]

    def all_checkpoints(self, *, published: bool = True) -> list[str]:
        """The published checkpoint notes in order of size (with ``published=False``, the
        ones signed only for receipts)."""
        table = checkpoints if published else receipt_checkpoints
        with self.reader.connect() as conn:
            rows = conn.execute(select(table.c.note).order_by(table.c.size))
            return [str(note) for (note,) in rows]

    def papers(self, ballot: str) -> tuple[tuple[str, str], ...]:
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(sealed_papers.c.tracker, sealed_papers.c.choice)
                .where(sealed_papers.c.ballot == ballot)
                .order_by(sealed_papers.c.tracker)
            )
            return tuple((str(t), str(c)) for t, c in rows)

    def rankings(self, election: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        with self.reader.connect() as conn:
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
            with self.reader.connect() as own:
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

    def release_connections(self) -> None:
        """Close the pooled connections and the probe (before a fork); the next use opens
        new ones in the process that uses them. The writers' queue reopens its lock file in
        a new process by itself. On PostgreSQL that is the pool and probe every body's
        store in the database shares."""
        self.engine.dispose()
        if self.reader is not self.engine:
            self.reader.dispose()
        self._probe.close()

    def close(self) -> None:
        if self._shared is not None:  # the database's pool outlives this store if shared
            shared, self._shared = self._shared, None
            _forget_database(shared)
        else:
            self.release_connections()
        if self._queue is not None:
            self._queue.close()


class StoredSignerState:
    """The signer's memory (:class:`audit.signer.SignerState`) shared by every process of a
    body: the ``signer_head`` row of its store, read and saved on the connection of the
    locked write transaction it is bound to (:meth:`bound`), so it moves in the same
    commit as the note it signed, and two processes can never sign two trees of one size
    (docs/architecture.md INV-CHECKPOINT).

    ``mirror`` (the body's ``signer.state`` file) is a copy the ledger brings up to each
    *published* head after its commit (:meth:`mirror_up`): the store alone cannot tell
    that it was restored from an old backup, for its row would be restored with it, but
    the file outlives the restore (INV-FSCK). Written after the commit, it is never ahead
    of the row; kept for published heads only, it costs no fsync on a receipt's road (a
    store restored to a point between two published heads is caught by the members'
    receipts instead, which the verifier checks against the published entries).
    :meth:`load` answers the larger of the two heads; they are of one log, and opening
    the ledger checks both against the stored tree.
    """

    __slots__ = ("_conn", "_held", "_mirror", "_store")

    def __init__(self, store: Store, mirror: FileSignerState | None = None) -> None:
        self._store = store
        self._mirror = mirror
        self._conn: Connection | None = None
        self._held: tuple[Checkpoint | None] | None = None  # the head as of this binding

    @contextmanager
    def bound(self, conn: Connection) -> Iterator[None]:
        """Read and save on ``conn`` (a write transaction holding the body's lock) meanwhile.

        The head is read once a binding: the lock keeps every other writer from moving it
        until the commit, so what this binding read or saved last is the head (a signature
        reads it twice, to check and to sign)."""
        before, self._conn = self._conn, conn
        held, self._held = self._held, None
        try:
            yield
        finally:
            self._conn, self._held = before, held

    def stored(self, conn: Connection | None = None) -> Checkpoint | None:
        """The head kept in the store (``None``: never signed, or signed before it was kept
        there)."""
        query = select(signer_head.c.checkpoint).where(signer_head.c.id == 1)
        conn = conn or self._conn
        if conn is not None:
            found = conn.execute(query).scalar_one_or_none()
        else:
            with self._store.reader.connect() as own:
                found = own.execute(query).scalar_one_or_none()
        if found is None:
            return None
        try:
            return parse_checkpoint(str(found))
        except AuditError as exc:
            raise StateError(f"the signer head kept in the store is unreadable: {exc}") from exc

    def load(self) -> Checkpoint | None:
        if self._conn is not None and self._held is not None:
            return self._held[0]
        kept = self.stored()
        mirrored = self._mirror.load() if self._mirror is not None else None
        if mirrored is not None and (kept is None or mirrored.size > kept.size):
            kept = mirrored
        if self._conn is not None:
            self._held = (kept,)
        return kept

    def save(self, checkpoint: Checkpoint) -> None:
        conn = self._conn
        if conn is None:
            raise StateError("the signer's head moves only inside a write transaction")
        body = checkpoint.body()
        done = conn.execute(update(signer_head).where(signer_head.c.id == 1)
                            .values(checkpoint=body))
        if done.rowcount == 0:
            conn.execute(sql_insert(signer_head).values(id=1, checkpoint=body))
        self._held = (checkpoint,)


    def mirror_up(self, checkpoint: Checkpoint) -> None:
        """After the commit that kept ``checkpoint``: bring the file up to it, unless it holds
        as large a head already (another process may have written a later one)."""
        if self._mirror is None:
            return
        held = self._mirror.load()
        if held is None or held.size < checkpoint.size:
            self._mirror.save(checkpoint)
