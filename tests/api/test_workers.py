"""Several processes, one truth (docs/architecture.md A1, A2, INV-CHECKPOINT, INV-FSCK): each
process keeps its own ledger of one body on one SQLite store, catches up from what the others
stored, and none is refused or signs a fork for having been overtaken."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from api.ledger import Ledger
from api.storage import StoredSignerState
from audit.checkpoint import parse_checkpoint
from audit.log import Log
from audit.note import parse_note
from audit.signer_state import FileSignerState
from tests.api import crash_child
from tests.api.workers import AT, ORIGIN, every_vote_in_one_tree, open_ballot_of, voters
from tests.conftest import ROOT
from voting import commands as c

pytestmark = pytest.mark.api


def opener(path: Path) -> Ledger:
    return Ledger.open(path, origin=ORIGIN)


def size_of(note: str) -> int:
    return parse_checkpoint(parse_note(note).text).size


@pytest.mark.slow
def test_sixteen_processes_cast_sixteen_votes_at_once_on_sqlite(tmp_path: Path) -> None:
    every_vote_in_one_tree(opener, tmp_path)


def test_a_ledger_overtaken_by_another_catches_up_instead_of_refusing(tmp_path: Path) -> None:
    members = voters(4)
    first = opener(tmp_path)
    open_ballot_of(first, members)
    second = opener(tmp_path)
    assert first.submit(c.CastVote(AT, "v00", ballot="v1", choice="for")).first_index == \
        second.log.size
    done = second.submit(c.CastVote(AT, "v01", ballot="v1", choice="against"))
    assert done.first_index == first.log.size  # after first's vote, not over it
    assert second.state.ballots["v1"].votes.keys() == {"v00", "v01"}
    assert first.refresh() == 1 and first.refresh() == 0
    assert first.state == second.state and first.log.root() == second.log.root()
    # both sign: the one behind catches up first, so it signs the same tree, never a fork
    assert first.checkpoint().note == second.checkpoint().note
    first.close()
    second.close()


def test_opening_while_another_process_writes_never_fails_its_check(tmp_path: Path) -> None:
    """The start-up check (INV-FSCK) reads the tail of the log and the signer's head in one
    locked transaction: a writer that commits and signs meanwhile cannot make it fail."""
    writer = opener(tmp_path)
    writer.submit(c.FoundBody(AT, "s", name="Branch"))
    writer.submit(c.AdmitMember(AT, "s", member="s", name="Sam", roles=("secretary",)))
    stop = threading.Event()
    failures: list[BaseException] = []

    def write() -> None:
        number = 0
        while not stop.is_set():
            try:
                writer.submit(c.AdmitMember(AT, "s", member=f"x{number}", name=f"X {number}"))
                writer.checkpoint()  # move the signer's head after every write
            except BaseException as exc:
                failures.append(exc)
                return
            number += 1
            time.sleep(0.001)  # a busy server's pace, not a lock held without a pause

    thread = threading.Thread(target=write)
    thread.start()
    try:
        for _ in range(10):
            reader = opener(tmp_path)
            assert len(reader.state.members) == reader.log.size - 1
            reader.close()
    finally:
        stop.set()
        thread.join()
    assert not failures, failures
    writer.close()


def test_an_unsigned_head_left_by_a_crash_is_signed_once_at_start_up(tmp_path: Path) -> None:
    """A writer killed between its commit and its signature leaves the log ahead of the last
    signed checkpoint; :meth:`Ledger.sign_head` (``tellers serve`` at start-up) signs it, in
    the store's shared head and the file alike, and a second call has nothing to do."""
    instance = tmp_path / "instance"
    child = subprocess.run(
        [sys.executable, "-m", "tests.api.crash_child", str(instance), "after_commit", "3"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert child.returncode == 137, child.stderr
    ledger = Ledger.open(instance, origin=crash_child.ORIGIN)
    shared = StoredSignerState(ledger.store).stored()
    assert shared is not None and shared.size == ledger.log.size - 1
    signed = ledger.sign_head()
    assert signed is not None and signed.checkpoint.size == ledger.log.size
    shared = StoredSignerState(ledger.store).stored()
    head = FileSignerState(instance / "signer.state").load()
    assert shared == head == signed.checkpoint
    assert [size_of(n) for n in ledger.store.all_checkpoints(published=False)][-1] == \
        ledger.log.size
    assert ledger.sign_head() is None
    ledger.close()


def test_an_error_after_the_commit_is_success(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The close is committed; its checkpoint then fails to be signed: the caller is told it
    stands (it is in the log), and the next signature covers it."""
    members = voters(3)
    ledger = opener(tmp_path)
    open_ballot_of(ledger, members)
    ledger.submit(c.CastVote(AT, "v00", ballot="v1", choice="for"))
    original = Log.checkpoint

    def failing(self: Log, extensions: tuple[str, ...] = ()) -> object:
        raise OSError("disk full")

    monkeypatch.setattr(Log, "checkpoint", failing)
    done = ledger.submit(c.CloseBallot(AT, "s", ballot="v1"))
    monkeypatch.setattr(Log, "checkpoint", original)
    assert ledger.store.size() == done.first_index + len(done.events) == ledger.log.size
    assert ledger.state.ballots["v1"].closed
    assert ledger.checkpoint().checkpoint.size == ledger.log.size
    again = opener(tmp_path)
    assert again.state == ledger.state
    again.close()
    ledger.close()


def test_a_refused_command_after_catching_up_writes_nothing(tmp_path: Path) -> None:
    """A member's vote cast through a stale ledger after another process closed the ballot:
    refused on the state it catches up to, and nothing stored."""
    members = voters(3)
    first = opener(tmp_path)
    open_ballot_of(first, members)
    stale = opener(tmp_path)
    first.submit(c.CloseBallot(AT, "s", ballot="v1"))
    before = first.store.all_entries()
    with pytest.raises(Exception, match="closed"):
        stale.submit(c.CastVote(AT, "v00", ballot="v1", choice="for"))
    assert stale.store.all_entries() == before
    assert stale.state == first.state
    first.close()
    stale.close()


def test_a_command_that_waited_for_the_lock_is_logged_at_the_log_s_time(tmp_path: Path) -> None:
    """Two workers stamp their commands as they arrive; the one stamped first may get the
    lock second. With ``waited_times`` (the service) it is logged at the time of the entry
    it waited for; without, it is refused as going back in time, and nothing is stored."""
    members = voters(3)
    first = opener(tmp_path)
    open_ballot_of(first, members)
    later, earlier = "2026-01-15T18:00:05Z", "2026-01-15T18:00:04Z"
    first.submit(c.CastVote(later, "v00", ballot="v1", choice="for"))
    strict = opener(tmp_path)
    size = strict.log.size
    with pytest.raises(Exception, match="only moves forward"):
        strict.submit(c.CastVote(earlier, "v01", ballot="v1", choice="for"))
    assert strict.store.size() == size
    waiting = Ledger.open(tmp_path, origin=ORIGIN, waited_times=True)
    done = waiting.submit(c.CastVote(earlier, "v01", ballot="v1", choice="for"))
    assert done.events[0].at == later
    assert waiting.state.time == later
    for ledger in (first, strict, waiting):
        ledger.close()


def test_a_cast_signed_in_its_own_transaction_needs_no_second(tmp_path: Path) -> None:
    """``submit(sign=True)``: the entry, the note of a checkpoint covering it and the signer's
    head are committed together; the receipt then signs nothing more."""
    members = voters(3)
    ledger = opener(tmp_path)
    open_ballot_of(ledger, members)
    done = ledger.submit(c.CastVote(AT, "v00", ballot="v1", choice="for"), sign=True)
    size = ledger.log.size
    assert size == done.first_index + 1 == ledger.store.size()
    kept = ledger.store.all_checkpoints(published=False)
    assert size_of(kept[-1]) == size
    head = StoredSignerState(ledger.store).stored()
    assert head is not None and head.size == size and head.root_hash == ledger.log.root()
    receipt = ledger.receipt(done.first_index)
    assert ledger.store.all_checkpoints(published=False) == kept  # nothing signed anew
    assert kept[-1] in receipt
    ledger.close()


def test_a_failed_commit_after_growing_the_tree_leaves_nothing_and_rebuilds_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    members = voters(3)
    ledger = opener(tmp_path)
    open_ballot_of(ledger, members)
    before = (ledger.state, ledger.log.size, ledger.log.root(), ledger.store.all_entries(),
              StoredSignerState(ledger.store).stored())

    def failing(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(Ledger, "_keep", staticmethod(failing))
    with pytest.raises(OSError, match="disk full"):
        ledger.submit(c.CastVote(AT, "v00", ballot="v1", choice="for"), sign=True)
    monkeypatch.undo()
    assert (ledger.state, ledger.log.size, ledger.log.root(), ledger.store.all_entries(),
            StoredSignerState(ledger.store).stored()) == before
    done = ledger.submit(c.CastVote(AT, "v00", ballot="v1", choice="for"), sign=True)
    assert done.first_index == before[1]
    again = opener(tmp_path)
    assert again.log.root() == ledger.log.root() and again.state == ledger.state
    again.close()
    ledger.close()


def test_a_ledger_asks_the_store_only_when_someone_has_committed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``refresh`` first asks SQLite's ``data_version`` (a connection of the store's own that
    never writes): unchanged, it reads nothing; after another writer's commit it reads the
    size and catches up, every time, however many looks came between."""
    members = voters(3)
    first = opener(tmp_path)
    open_ballot_of(first, members)
    second = opener(tmp_path)
    assert first.refresh() == 0  # its own commits moved the version: one read, then quiet
    reads: list[int] = []
    size = first.store.size
    monkeypatch.setattr(first.store, "size", lambda *a: reads.append(1) or size(*a))
    for _ in range(5):
        assert first.refresh() == 0
    assert reads == []
    second.submit(c.CastVote(AT, "v00", ballot="v1", choice="for"))
    assert first.refresh() == 1 and reads == [1]
    assert first.refresh() == 0 and reads == [1]
    assert first.state == second.state
    second.submit(c.CastVote(AT, "v01", ballot="v1", choice="for"))
    second.submit(c.CastVote(AT, "v02", ballot="v1", choice="for"))
    assert first.refresh() == 2 and first.log.root() == second.log.root()
    first.close()
    second.close()


def test_the_store_s_version_moves_with_any_other_connection_s_commit(tmp_path: Path) -> None:
    from sqlalchemy import insert

    from api.storage import Store, checkpoints

    url = f"sqlite:///{tmp_path / 'log.sqlite3'}"
    mine, other = Store(url), Store(url)
    before = mine.version()
    assert before is not None and mine.version() == before
    with other.transaction() as conn:
        conn.execute(insert(checkpoints).values(size=1, note="other's"))
    after = mine.version()
    assert after != before
    with mine.transaction() as conn:  # its own engine is another connection than the probe
        conn.execute(insert(checkpoints).values(size=2, note="mine"))
    settled = mine.version()
    assert settled not in (before, after)
    with other.transaction():
        pass  # a transaction that commits nothing changes nothing
    assert mine.version() == settled
    assert Store("sqlite://").version() is None  # in memory: no probe, ask the size
    mine.close()
    other.close()
