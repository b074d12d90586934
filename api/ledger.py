"""A body's ledger: a command becomes events, log entries and leaves, in one transaction.

This is the imperative shell around the pure core (docs/architecture.md): ``voting``
decides, ``audit`` hashes and signs, and the ledger stores. On opening it
rebuilds the state by replaying every stored entry through ``voting`` and
rebuilds the Merkle tree from the stored leaves, then checks the tree
against the last checkpoint the signer signed (docs/architecture.md INV-FSCK):
a store behind its own signed log refuses to open.

Write path (docs/architecture.md INV-ATOMIC, INV-DENSE, INV-CHECKPOINT): in one
transaction holding the body's write lock (``BEGIN IMMEDIATE`` on SQLite, an advisory
lock on PostgreSQL), catch up with the entries other processes stored since this one
last looked, decide on that state, insert the entries at the next dense sequence
numbers (the primary key refuses a gap or a duplicate) and any sealed ballot paper or
ballot secret (or, at a secret close, delete them); commit; only then append the leaves
to the tree and sign a checkpoint from the stored leaves (or, for a cast whose receipt
is answered at once, sign inside the transaction and commit the note and the signer's
head with the entries, :meth:`Ledger.submit`). The signer's memory of the last head it
signed is shared by every process through the store (:class:`api.storage.StoredSignerState`).

Group commit (:meth:`Ledger.submit_group`): the casts that reach one process together
are decided one after another in ONE such transaction (a command is refused before it
writes, so a refused one leaves nothing and stops nothing), and ONE checkpoint covering
them all is signed and committed with them; each voter's receipt proves its own entry
under it. One commit, one fsync and one signature for the group, where one cast at a time
paid each of them.
A group may bring a *companion* (:class:`Companion`): rows of other tables in the same
database, claimed before the group's commands are decided and finished after its
checkpoint is signed, in the same transaction (the service's registry of casts on
PostgreSQL, ``api/http/ballots.py``).

Checkpoint policy (docs/verifying.md, "Which checkpoints a bundle carries"):
a checkpoint is *published* (kept in ``checkpoints``, carried by every bundle
written later) after a command that brings the log to or past a multiple of
``checkpoint_every`` entries, after a command that closes a ballot, an
election, a petition or a meeting, and at the head of every bundle written
(:meth:`Ledger.write_bundle`). A receipt is signed at once all the same: if
no checkpoint covers its entry yet, one is signed for it and kept apart
(``receipt_checkpoints``); the verifier checks it against the root it
rebuilds from the published entries, so no bundle needs to carry it.

:meth:`Ledger.submit_many` is the bulk road: the same ``submit`` for each
command, but the entries go to the store in one transaction per stretch
between published checkpoints, so a long log is written without a commit
(and an fsync) per command; the store, the tree and the notes end exactly as
after one ``submit`` per command.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import Connection, Table, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from api import failpoints
from api.storage import (
    Store,
    StoredSignerState,
    ballot_secrets,
    checkpoints,
    entries,
    receipt_checkpoints,
    sealed_papers,
    sealed_rankings,
)
from audit.bundle import write_bundle
from audit.canonical import canonical
from audit.entry_patterns import decode_line
from audit.log import Log
from audit.merkle import Frontier, leaf_hash, leaf_hashes
from audit.note import Ed25519Signer
from audit.receipt import member_key_extra, tracker_extra
from audit.signer import CheckpointSigner, SignedCheckpoint, SignerState
from audit.signer_state import FileSignerState
from audit.store import MemoryStore
from audit.verify import canonical_value
from voting import chatham
from voting import commands as c
from voting import events as ev
from voting.codec import from_entry, to_entry
from voting.decider import decide, evolve, replay, require_complete
from voting.errors import DomainError
from voting.minutes import minutes_of
from voting.seal import mark_key, ranking_choice
from voting.state import BallotMethod, BodyState, ElectionStage, transient
from voting.times import TimeGoesBack, check_time

__all__ = ["CHECKPOINT_EVERY", "Companion", "Ledger", "Submitted", "Unclaimed"]

_log = logging.getLogger(__name__)

CHECKPOINT_EVERY = 1_000
"""The default cadence: a published checkpoint at least every this many entries."""

_CLOSES = (ev.BallotClosed, ev.ElectionClosed, ev.PetitionClosed, ev.MeetingClosed)
"""Events after which the ledger publishes a checkpoint at once: a result, or a meeting's end."""

_ANOTHER_WRITER = "the log was changed by another writer; reopen the ledger"


@dataclass(frozen=True, slots=True)
class Submitted:
    """What a command produced: its events and where they sit in the log.

    For a sealed vote or ranking, ``tracker`` and ``mark_key`` are what the ledger
    drew (or was given) for the voter: they go in the voter's receipt
    (:meth:`Ledger.receipt`) and nowhere else, for the ledger keeps no link from
    a paper or a mark to its voter.
    """

    events: tuple[ev.Event, ...]
    first_index: int
    tracker: str = ""
    mark_key: str = ""
    member_key: str = ""  # an act in an unattributed meeting: the member's key (voting.chatham)

    @property
    def indices(self) -> range:
        return range(self.first_index, self.first_index + len(self.events))


_C = TypeVar("_C", bound=c.Command)  # a command, completed as the same kind


class Unclaimed(DomainError):
    """A command of a group whose companion refused its claim (:class:`Companion`): it was
    not decided, and nothing of it was written."""


class Companion(Protocol):
    """What a group's transaction writes beside the log (:meth:`Ledger.submit_group`), on the
    same connection, so that both commit or neither does."""

    def claim(self, conn: Connection, commands: Sequence[c.Command]
              ) -> Sequence[c.Command | None]:
        """Before any command of the group is decided, the ledger caught up: the commands to
        decide, each of ``commands`` (``None`` for one whose claim is refused: it must leave
        nothing written, and its answer is :class:`Unclaimed`), then any that join the
        group here."""
        ...

    def finish(self, conn: Connection, answers: Sequence[Submitted | DomainError]) -> None:
        """After the group's entries are stored and its checkpoint signed, before the commit:
        ``answers`` as :meth:`Ledger.submit_group` will return them."""
        ...

_REBUILD_STEP = 65_536  # leaves added to the rebuilt tree at a time


@dataclass(slots=True)
class _Batch:
    """A run of :meth:`Ledger.submit_many`: its connection, the rows stored since the last
    commit (not yet in the tree), and the state as of that commit."""

    conn: Connection
    committed: BodyState
    rows: list[dict[str, Any]] = field(default_factory=list)


def _checked_leaves(stored: Sequence[tuple[int, bytes, bytes]], start: int) -> list[bytes]:
    """The leaf hashes of stored entries that must begin at ``seq`` ``start``, each checked
    against the hash stored beside it, and the run checked dense (INV-DENSE)."""
    computed = leaf_hashes([entry for _, entry, _ in stored])
    for index, ((seq, _, leaf), rebuilt) in enumerate(zip(stored, computed, strict=True)):
        if seq != start + index or rebuilt != leaf:
            raise DomainError(f"stored entry {seq} does not match its leaf hash")
    return computed


def _event(entry: bytes) -> ev.Event:
    """The event a stored entry holds, its canonical form checked (flat entries by pattern)."""
    decoded = decode_line(entry)
    if decoded is not None:
        return decoded[2]
    return from_entry(canonical_value(entry))[1]


@dataclass(slots=True)
class _Deferred:
    """The rows a group's commands store, written at the group's end in one statement a
    table (:meth:`Ledger.submit_group`): a command refused on the way then needs no savepoint
    to leave nothing. Two papers of the group with one tracker for one question are refused
    here, as the store's key would refuse them."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    papers: list[dict[str, str]] = field(default_factory=list)
    rankings: list[dict[str, str]] = field(default_factory=list)
    trackers: set[tuple[str, str, str]] = field(default_factory=set)

    def take(self, rows: list[dict[str, Any]], paper: dict[str, str] | None,
             ranking: dict[str, str] | None) -> None:
        held = [("ballot", paper["ballot"], paper["tracker"])] if paper is not None else []
        if ranking is not None:
            held.append(("election", ranking["election"], ranking["tracker"]))
        if any(key in self.trackers for key in held):
            raise DomainError("a sealed paper with this tracker is already held for this "
                              "ballot or election: draw another tracker")
        self.trackers.update(held)
        self.entries.extend(rows)
        self.papers.extend([paper] if paper is not None else [])
        self.rankings.extend([ranking] if ranking is not None else [])

    def write(self, conn: Connection) -> None:
        if self.entries:
            conn.execute(insert(entries), self.entries)
        if self.papers:
            conn.execute(insert(sealed_papers), self.papers)
        if self.rankings:
            conn.execute(insert(sealed_rankings), self.rankings)


class Ledger:
    """One body's state, store and log."""

    def __init__(
        self,
        store: Store,
        key: Ed25519Signer,
        signer_state: SignerState,
        *,
        checkpoint_every: int = CHECKPOINT_EVERY,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
        waited_times: bool = False,
    ) -> None:
        if type(checkpoint_every) is not int or checkpoint_every < 1:
            raise DomainError(f"checkpoint_every is a positive number of entries, "
                              f"not {checkpoint_every!r}")
        self.store = store
        self._key, self._signer_state = key, signer_state
        self._heads = signer_state if isinstance(signer_state, StoredSignerState) else None
        self._signer = CheckpointSigner(key, signer_state)
        self._every = checkpoint_every
        self._random = random_bytes  # trackers and ballot secrets (tests may fix it)
        self._waited_times = waited_times
        self._batch: _Batch | None = None
        self._mutex = threading.RLock()  # one thread of this process writes at a time
        self._state = BodyState()
        self._working: tuple[int, BodyState] | None = None  # a group's (thread, state)
        self._seen: int | None = None  # the store's version when last caught up (refresh)
        # The bulk of the log is read and folded without the write lock (other processes
        # go on writing meanwhile); what they add is caught up under it, below.
        stored = store.all_entries()
        data = [entry for _, entry, _ in stored]
        computed = _checked_leaves(stored, 0)
        state = BodyState()
        self._nominations_closed: dict[str, int] = {}  # election -> the log's size just after
        with transient():  # the fold's own intermediate states are changed in place
            for index, entry in enumerate(data):
                event = _event(entry)
                state = evolve(state, event)
                if isinstance(event, ev.NominationsClosed):
                    self._nominations_closed[event.election] = index + 1
        tree, frontier = MemoryStore(), Frontier()
        for start in range(0, len(computed), _REBUILD_STEP):  # from the leaves checked above
            run = computed[start:start + _REBUILD_STEP]
            tree.append_levels(frontier.size, frontier.extend(run))
        with store.transaction() as conn, self._bound(conn):
            later = store.entries_from(len(stored), conn)
            if later:
                leaves = _checked_leaves(later, len(stored))
                state = self._fold(state, [entry for _, entry, _ in later], len(stored))
                tree.append_levels(frontier.size, frontier.extend(leaves))
            require_complete(state)
            self.state = state
            # Checks the rebuilt tree against the last signed checkpoint (INV-FSCK), read in
            # the same transaction as the entries: no other writer moves it in between.
            self.log = Log(self._signer, tree)

    @classmethod
    def open(
        cls,
        instance: Path,
        *,
        origin: str,
        checkpoint_every: int = CHECKPOINT_EVERY,
        database_url: str | None = None,
        schema: str | None = None,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
        waited_times: bool = False,
    ) -> Ledger:
        """The ledger kept in ``instance``: the log key, the signer state, and the store.

        The store is ``instance/tellers.sqlite3`` unless ``database_url`` names
        another database (PostgreSQL in production: ``postgresql+psycopg://...``),
        there in ``schema`` if given (one schema a body, :class:`api.storage.Store`).
        ``random_bytes`` draws sealed papers' trackers and ballot secrets (tests
        may make it repeatable; the log key is always drawn from ``secrets``).

        With ``waited_times`` (the service, whose clock stamps each command as it
        arrives), a command stamped earlier than the log's last entry, because it
        waited for the write lock while another writer logged, is logged at that
        entry's time, the time it was in fact logged; without it, it is refused
        (voting.times: a log's time only moves forward).
        """
        instance.mkdir(parents=True, exist_ok=True)
        key_path = instance / "log.key"
        if not key_path.exists():
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(Ed25519Signer.from_seed(origin, secrets.token_bytes(32)).skey())
        key = Ed25519Signer.from_skey(key_path.read_text().strip())
        store = Store(database_url or f"sqlite:///{instance / 'tellers.sqlite3'}", schema)
        return cls(
            store,
            key,
            StoredSignerState(store, FileSignerState(instance / "signer.state")),
            checkpoint_every=checkpoint_every,
            random_bytes=random_bytes,
            waited_times=waited_times,
        )

    def sign_head(self) -> SignedCheckpoint | None:
        """Sign the stored head if the store's shared signer head is behind it; the signature,
        or ``None`` when it was signed already.

        ``tellers serve`` calls it for every body as it starts: a writer killed between its
        commit and its signature, or between signing and committing the head's row, leaves
        the log ahead of its last signed checkpoint. The note is kept with the
        receipts' checkpoints: the published ones follow the policy alone.
        """
        with self._mutex, self.store.transaction() as conn, self._bound(conn):
            self._catch_up(conn)
            head = self._signer.last_signed()
            shared = self._heads.stored(conn) if self._heads is not None else head
            if not self.log.size or (shared is not None and shared.size >= self.log.size):
                return None
            signed = self.log.checkpoint()
            if self._heads is not None and head is not None \
                    and head.size == signed.checkpoint.size:
                self._heads.save(signed.checkpoint)  # the file had it; the row follows
            self._keep(conn, receipt_checkpoints, signed)
        if self._heads is not None:
            self._heads.mirror_up(signed.checkpoint)
        return signed

    @property
    def vkey(self) -> str:
        return self._signer.vkey

    @property
    def size(self) -> int:
        """Entries stored: those in the tree, and during :meth:`submit_many` those stored since
        its last commit."""
        return self.log.size + (len(self._batch.rows) if self._batch is not None else 0)

    def _sealed(self, command: c.Command) -> tuple[str, str] | None:
        """``(kind, question)`` if ``command`` casts in or closes a secret ballot or election."""
        if isinstance(command, c.CastVote | c.CloseBallot):
            ballot = self.state.ballots.get(command.ballot)
            if ballot is not None and ballot.method == BallotMethod.SECRET:
                return ("ballot", command.ballot)
        elif isinstance(command, c.CastRanking | c.CloseElection):
            election = self.state.elections.get(command.election)
            if election is not None and election.secret:
                return ("election", command.election)
        return None

    def _open(self, kind: str, question: str) -> bool:
        """Whether a secret ballot, or an election's poll, is open for votes."""
        if kind == "ballot":
            return not self.state.ballots[question].closed
        return self.state.elections[question].stage == ElectionStage.VOTING

    def _meeting_secret(self, command: c.Command, conn: Connection
                        ) -> tuple[c.Command, dict[str, str] | None]:
        """The secret of an unattributed meeting, which the shell adds to the command:
        drawn at random as the policy is set, unless the caller gave one (as a tracker may
        be given), and returned to be stored; read from the store for the meeting's acts
        (``voting.chatham``), whatever the caller gave."""
        if isinstance(command, c.ConveneMeeting | c.SetPublication):
            if command.publication != "unattributed":
                return command, None
            secret = command.meeting_secret or self._random(32).hex()
            drawn = {"kind": "meeting", "question": command.meeting, "secret": secret}
            return replace(command, meeting_secret=secret), drawn
        if type(command) not in chatham.COMMAND_MEMBERS or not self.state.unattributed:
            return command, None
        meeting = chatham.meeting_of(self.state, command)
        if meeting not in self.state.unattributed:
            return command, None
        stored = self.store.secret("meeting", meeting, conn)  # on the write transaction
        if stored is None:
            raise DomainError(f"the store holds no secret for the unattributed meeting "
                              f"{meeting!r}, so its members' acts cannot be logged here")
        return replace(command, meeting_secret=stored), None

    def _acting(self, command: c.Command) -> tuple[str, str]:
        """``(meeting, member)``: the unattributed meeting ``command`` is an act in and the
        member who acts (the first member it names as a member), or ``("", "")``."""
        fields = chatham.COMMAND_MEMBERS.get(type(command))
        if fields is None or not command.meeting_secret:
            return "", ""
        meeting = chatham.meeting_of(self.state, command)
        if meeting not in self.state.unattributed:
            return "", ""
        return meeting, str(getattr(command, fields[0]))

    def _complete(self, command: c.Command, conn: Connection) -> c.Command:
        """What the shell adds to a sealed cast or close, unless the caller gave it: a tracker
        drawn at random for the paper and the member's mark key from the ballot secret; at
        the close, the papers held sealed and the secret (:mod:`voting.seal`). In an
        unattributed meeting the mark stands for the member's pseudonym there."""
        sealed = self._sealed(command)
        if sealed is None:
            return command
        kind, question = sealed
        # read on the write transaction: a batch's holds secrets not yet committed
        secret = self.store.secret(kind, question, conn)
        if secret is None and self._open(kind, question):
            raise DomainError(f"the store holds no ballot secret for the secret {kind} "
                              f"{question!r}, so its sealed votes cannot be cast or counted here")
        if isinstance(command, c.CastVote | c.CastRanking):
            if not command.tracker:
                command = replace(command, tracker=self._random(32).hex())
            meeting, _ = self._acting(command)
            member = command.on_behalf_of if isinstance(command, c.CastVote) else ""
            member = member or command.by
            # in an unattributed meeting the mark stands for the pseudonym, which only the
            # shell can compute: a mark key the caller made over the member id is replaced
            named = (bool(meeting) and secret is not None
                     and command.mark_key == mark_key(secret, member))
            if (not command.mark_key or named) and secret is not None:
                if meeting:
                    member = chatham.pseudonym_of(meeting, member, command.meeting_secret)
                command = replace(command, mark_key=mark_key(secret, member))
        elif isinstance(command, c.CloseBallot | c.CloseElection):
            if isinstance(command, c.CloseBallot) and not command.papers:
                command = replace(command, papers=self.store.papers(question))
            if isinstance(command, c.CloseElection) and not command.papers:
                command = replace(command, papers=self.store.rankings(question))
            if not command.ballot_secret and secret is not None:
                command = replace(command, ballot_secret=secret)
        return command

    def complete(self, command: _C) -> _C:
        """``command`` as :meth:`submit` would decide it now, without writing anything: with
        an unattributed meeting's secret, and for a sealed cast the tracker (drawn unless
        given) and the mark key over the member, or over their pseudonym in an unattributed
        meeting. A shell checks a command with it before recording that it began, and knows
        the keys that go in the voter's receipt. A command with nothing to complete (a
        named vote outside an unattributed meeting) is returned as it is, at once: it
        neither waits for a write in progress nor reads the store."""
        if not isinstance(command, c.ConveneMeeting | c.SetPublication) \
                and self._sealed(command) is None and (
                    type(command) not in chatham.COMMAND_MEMBERS or not self.state.unattributed):
            return command
        with self._mutex, self.store.reader.connect() as conn:
            completed, _ = self._meeting_secret(command, conn)
            return cast(_C, self._complete(completed, conn))  # only fields are replaced

    def member_key_of(self, command: c.Command) -> str:
        """The acting member's key in the unattributed meeting ``command`` is an act in (the
        opening a receipt carries, ``voting.chatham``), or ``""``: of a completed command."""
        meeting, member = self._acting(command)
        return chatham.member_key(command.meeting_secret, member) if meeting else ""

    def submit(self, command: c.Command, *, sign: bool = False) -> Submitted:
        """Decide, store and log a command; raises and changes nothing if it is refused.

        Other processes may write to the same store (the workers of one server): the
        command is decided inside the write transaction that stores it, which holds the
        body's lock (``BEGIN IMMEDIATE``, or the PostgreSQL advisory lock), after catching
        up with whatever they stored since this process last looked (:meth:`refresh`). So
        no writer is refused for having been overtaken, and none decides on a stale state.

        A secret ballot's or election's secret is drawn as it opens and kept in its own
        table until the transaction that logs its close deletes it; a sealed paper is kept
        under its (random) tracker until then (``api/storage.py``).

        With ``sign`` (a cast whose receipt is answered at once), a checkpoint covering the
        new entries is signed in the same transaction, and its note and the signer's head
        are committed with them: one commit, not two. The signature leaves this object
        only after that commit (INV-CHECKPOINT: nothing uncommitted is ever attested); if
        the commit fails, the in-memory tree, grown before it, is rebuilt from the store.

        Once the transaction has committed the command stands: a failure to publish a
        checkpoint after it is logged, not raised (the next signature covers the entry).
        """
        with self._mutex:
            return self._submit(command, sign=sign and self._batch is None)

    def _submit(self, command: c.Command, *, sign: bool = False) -> Submitted:
        grown = False
        try:
            with self._transaction() as conn:
                self._catch_up_locked(conn)
                done, rows, scrub = self._store(conn, command)
                if sign and rows:
                    grown = True
                    for row in rows:
                        self.log.append_canonical(row["data"], validate=False)
                    published = self._publishes(done.first_index, done.events)
                    with self._bound(conn):
                        self._keep(conn, checkpoints if published else receipt_checkpoints,
                                   self.log.checkpoint())
                        failpoints.hit(failpoints.SIGNING)
                failpoints.hit(failpoints.BEFORE_COMMIT)
        except BaseException as exc:
            if grown:  # the tree holds leaves the store does not: rebuild it from the store
                self._reload()
            if isinstance(exc, IntegrityError):
                # Rolled back: under the write lock no seq can clash, so the only key left
                # to clash is a sealed paper's tracker.
                raise DomainError("a sealed paper with this tracker is already held for this "
                                  "ballot or election: draw another tracker") from None
            raise
        failpoints.hit(failpoints.AFTER_COMMIT)
        first = done.first_index
        for offset, event in enumerate(done.events):
            if isinstance(event, ev.NominationsClosed):
                self._nominations_closed[event.election] = first + offset + 1
        if grown:
            self.state = replay(done.events, self.state)
            if self._heads is not None and self._publishes(first, done.events):
                self._after_commit(lambda: self._mirror_latest())
        else:
            self._logged(rows, done.events, first)
        if scrub:  # the deleted secret's old page images go too
            self._after_commit(self._flush)
            self._after_commit(self.store.scrub)
        return done

    def submit_group(self, commands: Sequence[c.Command], *, companion: Companion | None = None
                     ) -> list[Submitted | DomainError]:
        """Submit several commands in ONE transaction under ONE signature (group commit).

        Each command is decided on the state the ones before it left, and refused before
        it writes, so a refused one leaves no row and does not stop the others: its place in the
        answer holds its :class:`DomainError`. The entries of those accepted are stored,
        one checkpoint covering them all is signed, and its note and the signer's head are
        committed with them: one commit (one fsync) for the group, as :meth:`submit` with
        ``sign`` makes one for a command. Each entry's receipt (:meth:`receipt`) then
        proves its inclusion under that checkpoint, signing nothing more. The note is
        published if the group brings the log to or past a multiple of the cadence, or
        closes something (docs/verifying.md, "Which checkpoints a bundle carries"): the
        published checkpoint then comes at the group's end, past the multiple.

        A ``companion`` claims its rows under the body's lock once the ledger has caught
        up, before the first command is decided (a command whose claim it refuses is
        answered :class:`Unclaimed`; commands it adds are decided after the others, and
        answered after them), and finishes them after the signature, all in this
        transaction: an error of either rolls the whole group back.

        An error of the transaction itself (the commit) raises for the whole group, and
        the in-memory tree and state are rebuilt from the store; an error after the
        commit is logged, not raised (the entries stand).
        """
        with self._mutex:
            if self._batch is not None:
                raise DomainError("submit_group cannot run inside submit_many")
            return self._submit_group(list(commands), companion)

    @property
    def state(self) -> BodyState:
        """The body's state as committed; to the thread writing a group, as its group has
        moved it so far (each command is decided on the ones before it), which no other
        thread sees before the commit (:meth:`submit_group`)."""
        working = self._working
        if working is not None and working[0] == threading.get_ident():
            return working[1]
        return self._state

    @state.setter
    def state(self, value: BodyState) -> None:
        working = self._working
        if working is not None and working[0] == threading.get_ident():
            self._working = (working[0], value)
        else:
            self._state = value

    def _submit_group(self, commands: list[c.Command], companion: Companion | None
                      ) -> list[Submitted | DomainError]:
        answers: list[Submitted | DomainError] = []
        grown = False
        first = self.log.size
        try:
            with self.store.transaction() as conn:
                self._catch_up_locked(conn)
                first = self.log.size
                self._working = (threading.get_ident(), self._state)
                deferred = _Deferred()
                claimed: list[c.Command | None] = list(commands) if companion is None \
                    else list(companion.claim(conn, commands))
                for command in claimed:
                    answers.append(self._group_member(conn, command, deferred)
                                   if command is not None else
                                   Unclaimed("another request holds this command's claim"))
                    grown = grown or isinstance(answers[-1], Submitted)
                deferred.write(conn)
                if grown:
                    self._sign_group(conn, first, [
                        event for answer in answers if isinstance(answer, Submitted)
                        for event in answer.events], len(answers))
                if companion is not None:
                    companion.finish(conn, answers)
                for _ in answers:  # a failpoint counts the commands reaching it
                    failpoints.hit(failpoints.BEFORE_COMMIT)
        except BaseException as exc:
            self._working = None  # the committed state stands: nobody else saw the group's
            if grown:  # the tree holds what the store does not: rebuild it from the store
                self._reload()
            if isinstance(exc, IntegrityError):  # rolled back: only a tracker can clash
                raise DomainError("a sealed paper of this group has a tracker already held "
                                  "for its ballot or election: the group wrote nothing; "
                                  "draw other trackers") from None
            raise
        working, self._working = self._working, None
        if working is not None:  # committed: now everyone sees it
            self._state = working[1]
        for _ in answers:
            failpoints.hit(failpoints.AFTER_COMMIT)
        done = [answer for answer in answers if isinstance(answer, Submitted)]
        for submitted in done:
            for offset, event in enumerate(submitted.events):
                if isinstance(event, ev.NominationsClosed):
                    self._nominations_closed[event.election] = submitted.first_index + offset + 1
        events = [event for submitted in done for event in submitted.events]
        if self._heads is not None and done and self._publishes(first, events):
            self._after_commit(lambda: self._mirror_latest())
        return answers

    def _group_member(self, conn: Connection, command: c.Command, deferred: _Deferred
                      ) -> Submitted | DomainError:
        """One command of a group: decided, its rows kept for the group's end (``deferred``),
        its leaves added to the tree and its events folded at once (the next command is
        decided on them); a refusal is returned, having written and kept nothing."""
        if isinstance(command, c.CloseBallot | c.CloseElection):
            return DomainError("a close is submitted on its own, not in a group")
        try:  # a refusal comes before the command writes anything: no savepoint needed
            submitted, rows, scrub = self._store(conn, command, deferred=deferred)
        except DomainError as refused:
            return refused
        if scrub:  # only a close deletes a secret, and a close is refused above
            raise DomainError("a command of a group deleted a secret")
        for row in rows:
            self.log.append_canonical(row["data"], validate=False)
        self.state = replay(submitted.events, self.state)
        return submitted

    def _sign_group(self, conn: Connection, first: int, events: Sequence[ev.Event],
                    count: int = 1) -> None:
        """Sign one checkpoint over the group's entries (stored from ``first`` on) and keep
        its note in the same transaction: published if the policy says so, else kept for
        the receipts. The failpoints of the write path are reached once per command of the
        group (``count``), as each would reach them alone (:mod:`api.failpoints`)."""
        published = self._publishes(first, events)
        with self._bound(conn):
            self._keep(conn, checkpoints if published else receipt_checkpoints,
                       self.log.checkpoint())
            for _ in range(count):
                failpoints.hit(failpoints.SIGNING)

    def _mirror_latest(self) -> None:
        latest = self.log.latest_checkpoint
        if self._heads is not None and latest is not None:
            self._heads.mirror_up(latest.checkpoint)

    def _reload(self) -> None:
        """Rebuild the state and the tree from the store (after a failed commit whose leaves
        the tree had taken)."""
        fresh = Ledger(self.store, self._key, self._signer_state, checkpoint_every=self._every,
                       random_bytes=self._random, waited_times=self._waited_times)
        self._signer, self.log, self.state = fresh._signer, fresh.log, fresh.state
        self._nominations_closed = fresh._nominations_closed

    def in_order(self, command: _C) -> _C:
        """``command`` as this ledger logs it: with ``waited_times`` (the service), a command
        stamped earlier than the log's last entry (it waited for the lock, or the clock was
        set back) is logged at the log's time, since a log's time only moves forward
        (voting.times); otherwise as it is. A check made before :meth:`submit` (the cast's
        "refuse before anything is written") decides the command as this gives it."""
        if self._waited_times and self.state.time:
            try:
                check_time(command.at, self.state.time)
            except TimeGoesBack:
                return replace(command, at=self.state.time)
        return command

    def _store(self, conn: Connection, command: c.Command, *,
               deferred: _Deferred | None = None
               ) -> tuple[Submitted, list[dict[str, Any]], bool]:
        """Decide ``command`` on the current state and write its rows on ``conn``; with
        whether a secret was deleted (so the store is to be scrubbed after the commit). The
        transaction has caught up under the lock already (:meth:`_catch_up_locked`), which
        checked that the store holds exactly :attr:`size` entries."""
        command = self.in_order(command)
        sealed = self._sealed(command)
        command, drawn = self._meeting_secret(command, conn)
        command = self._complete(command, conn)
        if isinstance(command, c.CloseElection):
            command = replace(command, seed=self._lot_seed(command))
        acting = self._acting(command)
        events = decide(self.state, command)
        member_key = (chatham.member_key(command.meeting_secret, acting[1]) if acting[0]
                      else "")
        ended = [e.meeting for e in events  # a meeting's close: its secret goes
                 if isinstance(e, ev.MeetingClosed) and e.meeting in self.state.unattributed]
        paper: dict[str, str] | None = None
        sealed_ranking: dict[str, str] | None = None
        keys = ("", "")  # a sealed cast's tracker and mark key, for the voter's receipt
        if isinstance(command, c.CastVote) and any(
            isinstance(e, ev.SecretVoteCast) for e in events
        ):
            paper = {"ballot": command.ballot, "tracker": command.tracker,
                     "choice": command.choice}
            keys = (command.tracker, command.mark_key)
        if isinstance(command, c.CastRanking) and any(
            isinstance(e, ev.SealedRankingCast) for e in events
        ):
            sealed_ranking = {
                "election": command.election,
                "tracker": command.tracker,
                "ranking": ranking_choice(command.ranking),
            }
            keys = (command.tracker, command.mark_key)
        opened: dict[str, str] | None = None  # a secret ballot or election opens: its secret
        for event in events:
            if isinstance(event, ev.BallotOpened | ev.MembersBallotOpened) and (
                    event.method == BallotMethod.SECRET.value):
                opened = {"kind": "ballot", "question": event.ballot}
            elif isinstance(event, ev.NominationsOpened) and event.secret:
                opened = {"kind": "election", "question": event.election}
        if opened is not None:
            opened["secret"] = self._random(32).hex()
        closing = sealed if isinstance(command, c.CloseBallot | c.CloseElection) else None
        first = self.size
        rows = []
        for offset, event in enumerate(events):
            data = canonical(to_entry(first + offset, event))  # type: ignore[arg-type]
            rows.append(
                {
                    "seq": first + offset,
                    "type": event.TYPE,
                    "time": event.at,
                    "data": data,
                    "leaf_hash": leaf_hash(data),
                }
            )
        if deferred is not None:  # a group's: its rows go in at its end (_Deferred)
            deferred.take(rows, paper, sealed_ranking)
        else:
            if rows:
                conn.execute(insert(entries), rows)
            if paper is not None:
                conn.execute(insert(sealed_papers).values(**paper))
            if sealed_ranking is not None:
                conn.execute(insert(sealed_rankings).values(**sealed_ranking))
        if opened is not None:
            conn.execute(insert(ballot_secrets).values(**opened))
        if drawn is not None:  # an unattributed meeting's secret, kept until its close
            conn.execute(insert(ballot_secrets).values(**drawn))
        for meeting in ended:
            conn.execute(delete(ballot_secrets).where(
                (ballot_secrets.c.kind == "meeting") & (ballot_secrets.c.question == meeting)))
        if closing is not None:  # the papers are in the log now; the secret goes
            kind, question = closing
            conn.execute(delete(ballot_secrets).where(
                (ballot_secrets.c.kind == kind) & (ballot_secrets.c.question == question)))
            if kind == "ballot":
                conn.execute(delete(sealed_papers).where(sealed_papers.c.ballot == question))
            else:
                conn.execute(delete(sealed_rankings).where(
                    sealed_rankings.c.election == question))
        scrub = closing is not None or bool(ended)  # a secret was deleted
        return Submitted(events, first, *keys, member_key=member_key), rows, scrub

    def _after_commit(self, step: Callable[[], object]) -> None:
        """Run a step that follows a commit: in a batch its error is the batch's, else the
        command stands, and the error is logged, not raised (the issue's "an error after
        the commit is success")."""
        if self._batch is not None:
            step()
            return
        try:
            step()
        except Exception:
            _log.exception("after a committed write to %s", self._signer.origin)

    def refresh(self) -> int:
        """Catch up with the entries other processes stored since this one last looked: fold
        them into the state and the tree (never a full replay). Returns how many.

        The look itself takes no lock, so a reader never waits for a write of this process
        in progress: when the store's version (:meth:`Store.version`) has not moved there is
        nothing to read; else when the store holds no more entries than this ledger there
        is nothing new either (a write in progress here holds the store's write lock, taken
        after catching up, so no other process can have added one meanwhile: its own rows
        are the only ones the tree may hold beyond the store). Only a catch-up takes the
        ledger's lock."""
        version = self.store.version()  # read first: a commit after it changes it
        if version is not None and version == self._seen:
            return 0  # nobody has committed since the last look: no read at all
        if self.store.size() <= self.size:  # one indexed read
            self._seen = version
            return 0
        with self._mutex:
            if self._batch is not None:
                return 0  # a batch holds the write lock: nobody else has written
            before = self.size
            with self.store.reader.connect() as conn:  # what another thread left to read
                self._catch_up(conn)
            self._seen = version
            return self.size - before

    def _catch_up(self, conn: Connection) -> None:
        """Fold the entries stored from :attr:`size` on (read on ``conn``) into the state,
        the tree and the election seeds: what other writers committed."""
        self._fold_stored(self.store.entries_from(self.size, conn))

    def _catch_up_locked(self, conn: Connection) -> None:
        """:meth:`_catch_up` on a write transaction holding the body's lock, in one read: the
        entry at the last place this ledger holds, and every later one. That entry must be
        stored (else the store is behind this ledger: never assume, INV-DENSE); the later
        ones are folded in. The store then holds exactly :attr:`size` entries, for no other
        writer commits while the lock is held."""
        size = self.size
        start = max(size - 1, 0)
        stored = self.store.entries_from(start, conn)
        if size and (not stored or stored[0][0] != start):
            raise DomainError(_ANOTHER_WRITER)
        self._fold_stored(stored[1:] if size else stored)

    def _fold_stored(self, later: list[tuple[int, bytes, bytes]]) -> None:
        """Fold stored (seq, entry, leaf hash) rows, from :attr:`size` on, into the state, the
        tree and the election seeds, each checked against its leaf hash."""
        if not later:
            return
        if self._batch is not None and self._batch.rows:
            raise DomainError(_ANOTHER_WRITER)  # a batch holds the lock: cannot happen
        start = self.size
        _checked_leaves(later, start)
        data = [entry for _, entry, _ in later]
        self.state = self._fold(self.state, data, start)
        self.log.extend(data, validate=False)
        if self._batch is not None:
            self._batch.committed = self.state

    def _fold(self, state: BodyState, data: Sequence[bytes], start: int) -> BodyState:
        """``state`` moved on by stored entries from ``start`` on (and the elections' seeds)."""
        events = [_event(entry) for entry in data]
        for offset, event in enumerate(events):
            if isinstance(event, ev.NominationsClosed):
                self._nominations_closed[event.election] = start + offset + 1
        return replay(events, state)

    @contextmanager
    def _bound(self, conn: Connection) -> Iterator[None]:
        """The signer's memory read and moved on ``conn`` meanwhile (if kept in the store)."""
        if self._heads is None:
            yield
            return
        with self._heads.bound(conn):
            yield

    def _lot_seed(self, command: c.CloseElection) -> str:
        """The seed of any lot in the count: the log's root hash as the election's nominations
        closed (docs/verifying.md, "The seed of a lot"), which nobody could choose. A command
        without a seed gets it; one with another seed is refused."""
        size = self._nominations_closed.get(command.election)
        if size is None:
            return command.seed  # the domain refuses to close an election still nominating
        if size > self.log.size:  # in a batch, the tree grows at a commit
            raise DomainError("the election's nominations closed in this batch's open "
                              "stretch: its seed is not in the tree yet")
        seed = self.log.root(size).hex()
        if command.seed and command.seed != seed:
            raise DomainError(
                "the seed of an election's lot is the log's root hash as its nominations "
                f"closed ({seed}), not one given at the close"
            )
        return seed

    def submit_many(self, commands: Iterable[c.Command]) -> list[Submitted]:
        """Submit each command in turn, exactly as :meth:`submit` would, in few transactions.

        Each command is decided on the state the ones before it left and stored
        under a savepoint (a refused one leaves no row); the transaction commits
        at every checkpoint the policy publishes, before every close (which
        reads the sealed papers the store holds), and at the end. The tree is
        grown and a checkpoint signed only after a commit (INV-CHECKPOINT), so
        the store, the tree and every note end as after one :meth:`submit` per
        command (tests/api/test_cadence.py). The first refused command raises,
        after the commands before it are committed and logged as they would
        have been one by one. On SQLite other writers wait (busy timeout) from
        a stretch's first command to its commit.
        """
        with self._mutex:
            return self._submit_many(commands)

    def _submit_many(self, commands: Iterable[c.Command]) -> list[Submitted]:
        if self._batch is not None:
            raise DomainError("submit_many is already running on this ledger")
        self._batch = _Batch(self.store.engine.connect(), self.state)
        done: list[Submitted] = []
        try:
            for command in commands:
                if isinstance(command, c.CloseBallot | c.CloseElection):
                    self._flush()
                try:
                    done.append(self.submit(command))
                except BaseException:
                    self._flush()  # the commands before it stand, as one by one
                    raise
            self._flush()
        finally:
            batch, self._batch = self._batch, None
            if batch.conn.in_transaction():  # a commit failed: nothing since the last stands
                batch.conn.rollback()
                self.state = batch.committed
            batch.conn.close()
        return done

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """The write transaction of one command: its own, or a savepoint in the batch's."""
        batch = self._batch
        if batch is None:
            with self.store.transaction() as conn:
                yield conn
            return
        if not batch.conn.in_transaction():
            batch.conn.begin()
            self.store.lock(batch.conn)  # held to the stretch's commit
        with batch.conn.begin_nested():
            yield batch.conn

    def _logged(self, rows: list[dict[str, Any]], events: tuple[ev.Event, ...],
                first: int) -> None:
        """After the command's rows are stored: grow the tree (at once, or at the batch's next
        commit), move the state on, and publish a checkpoint if the policy says so."""
        if self._batch is None:
            for row in rows:
                self.log.append_canonical(row["data"], validate=False)
        else:
            self._batch.rows.extend(rows)
        self.state = replay(events, self.state)
        if rows and self._publishes(first, events):
            self._after_commit(self.checkpoint)

    def _publishes(self, first: int, events: Sequence[ev.Event]) -> bool:
        """The checkpoint policy (docs/verifying.md, "Which checkpoints a bundle carries"): a
        command that brings the log from ``first`` to or past a multiple of the cadence, or
        that closes a ballot, an election, a petition or a meeting."""
        size = first + len(events)
        return size // self._every > first // self._every or any(
            isinstance(event, _CLOSES) for event in events)

    def _flush(self) -> None:
        """Commit the batch's rows, then add them to the tree (INV-CHECKPOINT: after commit)."""
        batch = self._batch
        if batch is None:
            return
        if batch.conn.in_transaction():
            batch.conn.commit()
        rows, batch.rows = batch.rows, []
        if rows:
            self.log.extend([row["data"] for row in rows], validate=False)
        batch.committed = self.state

    def checkpoint(self) -> SignedCheckpoint:
        """Sign the current size and root (unless signed already) and publish the note: every
        bundle written later carries it."""
        with self._mutex:
            return self._sign(checkpoints)

    def _sign(self, table: Table) -> SignedCheckpoint:
        """Sign the store's current size (or take the checkpoint signed last, if it is of this
        size) and keep its note in ``table``.

        All in one write transaction holding the body's lock: catch up with other writers,
        sign (the signer reads and moves its shared head on the same connection), keep the
        note, commit. So the head a signer saw is the head it moves, and two processes can
        never sign two different trees of one size.
        """
        self._flush()
        with self.store.transaction() as conn, self._bound(conn):
            self._catch_up(conn)
            latest = self.log.latest_checkpoint
            signed = latest if latest is not None and latest.checkpoint.size == self.log.size \
                else self.log.checkpoint()
            self._keep(conn, table, signed)
            failpoints.hit(failpoints.SIGNING)
        if table is checkpoints and self._heads is not None:
            self._heads.mirror_up(signed.checkpoint)
        return signed

    @staticmethod
    def _keep(conn: Connection, table: Table, signed: SignedCheckpoint) -> None:
        """Keep ``signed``'s note in ``table`` unless one of its size is there (re-signed after
        a restart, or by another process: keep the first note)."""
        size = signed.checkpoint.size
        dialect = conn.dialect.name
        if dialect in ("sqlite", "postgresql"):  # one statement: the key keeps the first
            upsert = sqlite_insert if dialect == "sqlite" else postgresql_insert
            conn.execute(upsert(table).values(size=size, note=signed.note)
                         .on_conflict_do_nothing(index_elements=[table.c.size]))
            return
        known = conn.execute(select(table.c.size).where(table.c.size == size))
        if known.first() is None:
            conn.execute(insert(table).values(size=size, note=signed.note))

    def events(self) -> list[ev.Event]:
        return [_event(data) for _, data, _ in self.store.all_entries()]

    def entry_bytes(self) -> list[bytes]:
        return [data for _, data, _ in self.store.all_entries()]

    def checkpoints(self) -> Sequence[str]:
        """The published checkpoint notes, in order of size: the ones a bundle carries."""
        return self.store.all_checkpoints()

    def receipt(self, index: int, *, tracker: str = "", mark_key: str = "",
                member_key: str = "") -> str:
        """A c2sp.org/tlog-proof receipt for entry ``index``, for the member to keep.

        Its checkpoint is the latest signed if that covers the entry; otherwise
        one is signed now, at once, and kept with the receipts' checkpoints,
        not published: ``tellers verify --receipt`` checks its root against
        the root of the published entries at its size, so it holds against
        every bundle written later. For a sealed vote, ``tracker`` and
        ``mark_key`` (from :class:`Submitted`) go in the receipt's extra data:
        the tracker opens the entry's seal with the voter's paper once it is
        published, the mark key its mark (:func:`audit.receipt.tracker_extra`).
        """
        with self._mutex:
            self._flush()
            latest = self.log.latest_checkpoint
            # (an index past this tree: stored by another process since this one looked)
            if index >= self.log.size or latest is None or latest.checkpoint.size <= index:
                self._sign(receipt_checkpoints)
            extra = tracker_extra(tracker, mark_key) if tracker else None
            if member_key:  # an act in an unattributed meeting: the member's opening
                extra = member_key_extra(extra, member_key)
            return self.log.receipt(index, extra=extra)

    def write_bundle(
        self,
        directory: str | os.PathLike[str],
        *,
        cosigned: Mapping[int, Sequence[str]] | None = None,
        witness_vkeys: Sequence[str] = (),
    ) -> Path:
        """Publish a checkpoint at the current size and write the verification bundle.

        The bundle holds every entry and the published checkpoints only (the
        cadence, the closes and each bundle's head; receipts' checkpoints are
        not needed, see :meth:`receipt`), with any witness cosignatures, and the
        minutes of every meeting as the body publishes them (``voting.minutes``,
        checked by C-MINUTES) (:func:`audit.bundle.write_bundle`). Returns the
        manifest's path.
        """
        with self._mutex:
            self.checkpoint()
            return write_bundle(directory, entries=self.entry_bytes(),
                                checkpoints=list(self.checkpoints()), vkey=self.vkey,
                                cosigned=cosigned, witness_vkeys=witness_vkeys,
                                minutes=minutes_of(self.state, self.events()).by_entry())

    def close(self) -> None:
        self.store.close()
