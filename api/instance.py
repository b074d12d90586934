"""An instance: one folder (and database) serving many bodies, each with its own log.

Layout of the instance folder (created owner-only, 0700)::

    tellers.sqlite3          the registry (unless TELLERS_DATABASE_URL names PostgreSQL)
    keys/token-<kid>.pem     the keys that sign access tokens (0600); keys/token.current
    bodies/<body>/log.key    the body's log key (0600), its own origin and signer state
    bodies/<body>/signer.state
    bodies/<body>/tellers.sqlite3   the body's log on SQLite; on PostgreSQL, the schema
                                    ``body_<body>`` of the instance database instead

A body's folder is the unit that can later move to another host (docs/architecture.md
principle 8). Each body's :class:`api.ledger.Ledger` is opened once per
process, on first use, and every write to one body holds that body's lock
(different bodies never wait on each other). Several processes may serve one
instance (``tellers serve --workers N``): each keeps its bodies' states in
memory and catches up from the entries the others stored (:meth:`Ledger.refresh`)
before it reads a state or writes; the store's write lock serialises their
appends and signatures (:mod:`api.ledger`).
"""

from __future__ import annotations

import re
import secrets
import shutil
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select, text

from api.auth import Principal, TokenCache, TokenKeys, create_invite, load_principal, rfc3339
from api.db import BodyRow, PrincipalRow, registry_engine, schema_status, write
from api.errors import Problem
from api.ledger import Ledger
from audit.errors import NoteError
from audit.note import check_key_name
from voting import commands as c
from voting.decider import execute
from voting.state import BodyState

__all__ = ["BODY_ID", "BodyInfo", "Instance"]

BODY_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
"""A body id: lowercase letters, digits and inner hyphens, at most 63 (a path segment, a
folder name and a PostgreSQL schema name alike)."""


@dataclass(frozen=True, slots=True)
class BodyInfo:
    id: str
    name: str
    origin: str
    created_at: str
    show_turnout: bool = False


class Instance:
    """The instance folder, its registry database, its token keys and its bodies' ledgers."""

    def __init__(self, path: Path, *, database_url: str | None = None,
                 origin_prefix: str = "tellers.invalid") -> None:
        self.path = path
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.database_url = database_url or f"sqlite:///{path / 'tellers.sqlite3'}"
        self.engine: Engine = registry_engine(self.database_url)
        self.keys = TokenKeys.ensure(path / "keys")
        self.tokens = TokenCache()  # access tokens verified once (api.auth.TokenCache)
        self._known_bodies: dict[str, BodyInfo] = {}  # bodies are never removed or changed
        self._principals: dict[str, Principal] = {}  # nor are principals
        self.origin_prefix = origin_prefix
        self._ledgers: dict[str, Ledger] = {}
        self._locks: dict[str, threading.RLock] = {}
        self._guard = threading.Lock()
        self._registry_schema: str | None = None

    @property
    def postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def schema(self) -> str:
        """``current``, ``empty`` or ``behind`` (see :func:`api.db.schema_status`)."""
        return schema_status(self.engine)

    def registry_schema(self) -> str:
        """On PostgreSQL, the schema holding the registry's tables (the first of its
        connections' search path), asked once: a statement on a body's store connection,
        whose search path names the body's schema alone, names it (``schema_translate_map``)
        to write the registry in the same transaction as the body's log."""
        if self._registry_schema is None:
            with self.engine.connect() as conn:
                self._registry_schema = str(conn.execute(text("SELECT current_schema()"))
                                            .scalar_one())
        return self._registry_schema

    # -- bodies ----------------------------------------------------------------------

    def body(self, body_id: str) -> BodyInfo | None:
        """The body registered under ``body_id``; remembered once found (a body's row is never
        removed, and its id, name, origin and founding time never change; the turnout policy
        is read afresh by :meth:`shows_turnout`), so that every request naming it does not
        read the registry."""
        with self._guard:
            known = self._known_bodies.get(body_id)
        if known is not None:
            return known
        with self.engine.connect() as conn:
            row = conn.execute(select(BodyRow.id, BodyRow.name, BodyRow.origin,
                                      BodyRow.created_at, BodyRow.show_turnout)
                               .where(BodyRow.id == body_id)).first()
        if row is None:
            return None
        found = BodyInfo(row.id, row.name, row.origin, row.created_at, bool(row.show_turnout))
        with self._guard:
            self._known_bodies[body_id] = found
        return found

    def principal(self, principal_id: str) -> Principal:
        """The principal a token names (a 401 problem if unknown); remembered once found, for
        a principal's row is never changed or removed."""
        with self._guard:
            known = self._principals.get(principal_id)
        if known is not None:
            return known
        with self.engine.connect() as conn:
            found = load_principal(conn, principal_id)
        with self._guard:
            self._principals[principal_id] = found
        return found

    def bodies(self) -> list[BodyInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(BodyRow.id, BodyRow.name, BodyRow.origin,
                                       BodyRow.created_at, BodyRow.show_turnout)
                                .order_by(BodyRow.id))
            return [BodyInfo(r.id, r.name, r.origin, r.created_at, bool(r.show_turnout))
                    for r in rows]

    def require_body(self, body_id: str) -> BodyInfo:
        info = self.body(body_id)
        if info is None:
            raise Problem(404, "body-not-found", f"there is no body {body_id!r} here",
                          field="body")
        return info

    def shows_turnout(self, body_id: str) -> bool:
        """Whether the body's policy shows turnout while a ballot is open, read afresh (the
        one column of a body's row an operator may change, so it is not remembered)."""
        with self.engine.connect() as conn:
            shown = conn.execute(select(BodyRow.show_turnout)
                                 .where(BodyRow.id == body_id)).scalar()
        return bool(shown)

    def body_folder(self, body_id: str) -> Path:
        if not BODY_ID.match(body_id):
            raise ValueError(f"{body_id!r} is not a body id")
        return self.path / "bodies" / body_id

    def _schema(self, body_id: str) -> str:
        """The PostgreSQL schema of a body's log (ids have no ``_``, so none collide)."""
        return "body_" + self.body_folder(body_id).name.replace("-", "_")

    def _store(self, body_id: str) -> tuple[str | None, str | None]:
        """Where the body's store is (database URL and schema, :meth:`Ledger.open`): SQLite in
        its folder, or on PostgreSQL the instance's database, in a schema of its own."""
        if not self.postgres:
            return None, None
        return self.database_url, self._schema(body_id)

    def ledger(self, body_id: str) -> Ledger:
        """The body's ledger, opened (by replay) the first time this process asks for it."""
        with self._guard:
            ledger = self._ledgers.get(body_id)
        if ledger is not None:
            return ledger
        with self.lock(body_id):
            with self._guard:
                ledger = self._ledgers.get(body_id)
            if ledger is None:
                info = self.require_body(body_id)
                url, schema = self._store(body_id)
                ledger = Ledger.open(self.body_folder(body_id), origin=info.origin,
                                     database_url=url, schema=schema, waited_times=True)
                with self._guard:
                    self._ledgers[body_id] = ledger
            return ledger

    def lock(self, body_id: str) -> threading.RLock:
        with self._guard:
            lock = self._locks.get(body_id)
            if lock is None:
                lock = self._locks[body_id] = threading.RLock()
            return lock

    @contextmanager
    def writing(self, body_id: str) -> Iterator[Ledger]:
        """The body's ledger with its write lock held: one writer per body in this process."""
        ledger = self.ledger(body_id)
        with self.lock(body_id):
            ledger.refresh()
            yield ledger

    def state(self, body_id: str) -> BodyState:
        """The body's state, caught up with what other processes have stored."""
        ledger = self.ledger(body_id)
        ledger.refresh()
        return ledger.state

    def create_body(self, body_id: str, *, name: str, origin: str | None, standing_orders: str,
                    secretary: str, secretary_name: str, now: datetime,
                    invite_seconds: int, rules: tuple[tuple[str, str], ...] = (),
                    history: Sequence[c.Command] | None = None,
                    show_turnout: bool = False) -> tuple[BodyInfo, str]:
        """Found a body with its first member, its secretary; the secretary's invite token.

        The founding is decided by the pure core first, so a refused name or
        id writes nothing: no registry row, no folder, no key. With ``history``
        the body's log is those commands instead (the demo meeting, ``tellers
        serve --demo``), all logged or none: a refusal removes the folder and
        rolls the registry back. ``show_turnout`` is the body's policy on showing
        how many have voted while a ballot is open (never what they chose).
        """
        at = rfc3339(now)
        founding: list[c.Command] = list(history) if history is not None else [
            c.FoundBody(at, secretary, name=name, standing_orders=standing_orders, rules=rules),
            c.AdmitMember(at, secretary, member=secretary, name=secretary_name,
                          roles=("secretary", "member")),
        ]
        state = BodyState()
        for command in founding if history is None else ():
            state, _ = execute(state, command)
        origin = origin or f"{self.origin_prefix}/{body_id}"
        try:  # the origin names the log's key in every signed note (c2sp.org/signed-note)
            check_key_name(origin)
        except NoteError as refusal:
            raise Problem(422, "invalid-request", f"the origin cannot name a log key: {refusal}",
                          field="origin") from None
        folder = self.body_folder(body_id)
        if self.postgres:  # committed first: the ledger's own connection must see it
            with write(self.engine) as conn:
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self._schema(body_id)}"'))
        with write(self.engine) as conn:
            taken = conn.execute(select(BodyRow.id).where(
                (BodyRow.id == body_id) | (BodyRow.origin == origin))).first()
            if taken is not None or folder.exists():
                raise Problem(409, "body-exists", f"a body {body_id!r} or a log with the "
                              f"origin {origin!r} already exists here", field="id")
            conn.execute(insert(BodyRow).values(id=body_id, name=name, origin=origin,
                                                created_at=at, show_turnout=show_turnout))
            principal = self.add_member_principal(conn, body_id, secretary, now=now)
            invite = create_invite(conn, principal, lifetime=invite_seconds, now=now)
            folder.parent.mkdir(mode=0o700, exist_ok=True)
            folder.mkdir(mode=0o700)
            try:
                url, schema = self._store(body_id)
                ledger = Ledger.open(folder, origin=origin, database_url=url, schema=schema,
                                     waited_times=True)
                for command in founding:
                    ledger.submit(command)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)  # the registry rolls back too
                raise
        with self._guard:
            self._ledgers[body_id] = ledger
        return BodyInfo(body_id, name, origin, at, show_turnout), invite

    # -- principals ------------------------------------------------------------------

    @staticmethod
    def add_member_principal(conn: Connection, body_id: str, member: str, *,
                             now: datetime) -> str:
        """The principal id of ``member`` of ``body_id``, made if it is not there yet."""
        found = conn.execute(select(PrincipalRow.id).where(
            PrincipalRow.body == body_id, PrincipalRow.member == member)).first()
        if found is not None:
            return str(found.id)
        principal = "p-" + secrets.token_hex(12)
        conn.execute(insert(PrincipalRow).values(id=principal, kind="member", body=body_id,
                                                 member=member, created_at=rfc3339(now)))
        return principal

    def admin_principal(self, *, now: datetime) -> tuple[str, bool]:
        """The instance admin's principal id, and whether it was made just now."""
        with write(self.engine) as conn:
            found = conn.execute(select(PrincipalRow.id).where(
                PrincipalRow.kind == "admin")).first()
            if found is not None:
                return str(found.id), False
            principal = "admin-" + secrets.token_hex(8)
            conn.execute(insert(PrincipalRow).values(id=principal, kind="admin", body=None,
                                                     member=None, created_at=rfc3339(now)))
            return principal, True

    def invite(self, principal: str, *, now: datetime, lifetime: int) -> str:
        with write(self.engine) as conn:
            return create_invite(conn, principal, lifetime=lifetime, now=now)

    def release_connections(self) -> None:
        """Close every database connection this process holds (the registry's, each open
        ledger's), keeping the ledgers' states: before a fork, so that no connection is
        shared with a child; each process makes its own on next use."""
        self.engine.dispose()
        with self._guard:
            ledgers = list(self._ledgers.values())
        for ledger in ledgers:
            ledger.store.release_connections()

    def close(self) -> None:
        with self._guard:
            ledgers = list(self._ledgers.values())
            self._ledgers.clear()
        for ledger in ledgers:
            ledger.close()
        self.engine.dispose()
