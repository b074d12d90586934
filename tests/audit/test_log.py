"""The append-only signed log (audit.log): appends, checkpoints, proofs, receipts, fsck."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from audit.canonical import canonical
from audit.checkpoint import Checkpoint
from audit.errors import CanonicalError, ConsistencyError, EquivocationError, ProofError
from audit.log import Log
from audit.merkle import EMPTY_ROOT, leaf_hash, verify_consistency, verify_inclusion
from audit.note import open_note
from audit.receipt import verify_receipt
from audit.signer import CheckpointSigner, MemorySignerState
from audit.signer_state import FileSignerState
from audit.store import MemoryStore
from tests.audit.helpers import log_key

KEY = log_key()


def entry(i: int) -> dict[str, object]:
    return {"type": "motion.moved", "motion": f"m-{i}", "seq": i}


def new_log(store: MemoryStore | None = None, every: int | None = None) -> Log:
    return Log(CheckpointSigner(KEY, MemorySignerState()), store, checkpoint_every=every)


def test_append_returns_index_and_leaf_hash_of_the_canonical_bytes() -> None:
    log = new_log()
    assert log.size == 0 and log.root() == EMPTY_ROOT
    for i in range(5):
        assert log.append(entry(i)) == (i, leaf_hash(canonical(entry(i))))
    assert log.size == 5
    assert log.origin == KEY.name


def test_a_refused_entry_changes_nothing() -> None:
    log = new_log()
    log.append(entry(0))
    before = log.root()
    with pytest.raises(CanonicalError):
        log.append({"weight": 1.5})
    with pytest.raises(CanonicalError):
        log.append_canonical(b'{"b":1,"a":2}')
    assert (log.size, log.root()) == (1, before)


def test_append_canonical_matches_append() -> None:
    a, b = new_log(), new_log()
    for i in range(9):
        a.append(entry(i))
        b.append_canonical(canonical(entry(i)), validate=i % 2 == 0)
    assert a.root() == b.root()


def test_checkpoint_every_n() -> None:
    log = new_log(every=4)
    for i in range(9):
        log.append(entry(i))
    latest = log.latest_checkpoint
    assert latest is not None and latest.checkpoint.size == 8
    assert latest.checkpoint.root_hash == log.root(8)
    assert open_note(latest.note, [KEY.verifier()]).text == latest.checkpoint.body()


def test_checkpoint_on_demand_signs_the_current_head() -> None:
    log = new_log()
    assert log.checkpoint().checkpoint.size == 0
    log.append(entry(0))
    signed = log.checkpoint(extensions=("meeting 7",))
    assert signed.checkpoint.size == 1
    assert signed.note.splitlines()[3] == "meeting 7"


def test_proofs_verify() -> None:
    log = new_log()
    for i in range(37):
        log.append(entry(i))
    for size in (1, 16, 37):
        for index in range(size):
            verify_inclusion(index, size, leaf_hash(canonical(entry(index))),
                             log.inclusion_proof(index, size), log.root(size))
    for old in range(38):
        verify_consistency(old, 37, log.root(old), log.root(), log.consistency_proof(old))
    with pytest.raises(ProofError):
        log.inclusion_proof(37)
    with pytest.raises(ProofError):
        log.consistency_proof(5, 38)


def test_receipts() -> None:
    log = new_log()
    for i in range(6):
        log.append(entry(i))
    first = log.receipt(2)
    assert verify_receipt(first, canonical(entry(2)), KEY.vkey()).checkpoint.size == 6
    assert log.receipt(5).endswith(log.latest_checkpoint.note)  # type: ignore[union-attr]
    log.append(entry(6))
    later = log.receipt(6)
    assert verify_receipt(later, canonical(entry(6)), KEY.vkey()).checkpoint.size == 7
    with pytest.raises(ProofError):
        log.receipt(7)


def test_reopening_a_store_resumes() -> None:
    store, state = MemoryStore(), MemorySignerState()
    log = Log(CheckpointSigner(KEY, state), store)
    for i in range(10):
        log.append(entry(i))
    log.checkpoint()
    reopened = Log(CheckpointSigner(KEY, state), store)
    assert reopened.size == 10 and reopened.root() == log.root()
    reopened.append(entry(10))
    assert reopened.checkpoint().checkpoint.size == 11


def test_restored_backup_is_refused(tmp_path: Path) -> None:
    """docs/threat-model.md C5 case 4: a store restored from before the last signed checkpoint."""
    state = FileSignerState(tmp_path / "signer.state")
    backup = MemoryStore()
    old = Log(CheckpointSigner(KEY, state), backup)
    for i in range(5):
        old.append(entry(i))
    live = MemoryStore()
    log = Log(CheckpointSigner(KEY, state), live)
    for i in range(12):
        log.append(entry(i))
    log.checkpoint()
    with pytest.raises(ConsistencyError, match="behind"):
        Log(CheckpointSigner(KEY, state), backup)


def test_a_forked_store_is_refused_at_open_and_by_the_signer() -> None:
    state = MemorySignerState()
    honest = Log(CheckpointSigner(KEY, state))
    for i in range(8):
        honest.append(entry(i))
    honest.checkpoint()
    forked_store = MemoryStore()
    forked = Log(CheckpointSigner(KEY, MemorySignerState()), forked_store)
    for i in range(10):
        forked.append(entry(100 + i))
    with pytest.raises(ConsistencyError, match="not the signed one"):
        Log(CheckpointSigner(KEY, state), forked_store)
    with pytest.raises(EquivocationError):
        CheckpointSigner(KEY, state).sign(
            forked.checkpoint().checkpoint, forked.consistency_proof(8, 10))


class FlakyStore(MemoryStore):
    """A store that fails its n-th append, as a database might."""

    def __init__(self, fail_at: int) -> None:
        super().__init__()
        self.fail_at = fail_at

    def append_hashes(self, index: int, hashes: Sequence[bytes]) -> None:
        if index == self.fail_at:
            self.fail_at = -1
            raise OSError("disk full")
        super().append_hashes(index, hashes)


def test_a_failed_store_write_leaves_the_log_as_it_was() -> None:
    flaky = FlakyStore(fail_at=3)
    log = new_log(flaky)
    for i in range(3):
        log.append(entry(i))
    root3 = log.root()
    with pytest.raises(OSError):
        log.append(entry(3))
    assert (log.size, log.root()) == (3, root3)
    log.append(entry(3))
    reference = new_log()
    for i in range(4):
        reference.append(entry(i))
    assert log.root() == reference.root()


def test_checkpoint_every_must_be_positive() -> None:
    with pytest.raises(ValueError):
        new_log(every=0)


# Log.extend: a batch of canonical entries at once.


@pytest.mark.parametrize("batches", [[10], [3, 4, 3], [1] * 10, [7, 0, 3], [2, 8]])
def test_extend_logs_a_batch_as_appending_one_by_one_would(batches: list[int]) -> None:
    data = [canonical(entry(i)) for i in range(sum(batches))]
    one_by_one, batched = new_log(every=4), new_log(every=4)
    notes, batch_notes = [], []
    for item in data:
        one_by_one.append_canonical(item)
        if one_by_one.size % 4 == 0:
            notes.append(one_by_one.latest_checkpoint)
    done = 0
    for count in batches:
        assert batched.extend(data[done:done + count]) == range(done, done + count)
        done += count
        batch_notes.append(batched.latest_checkpoint)
    assert batched.root() == one_by_one.root()
    assert batched.latest_checkpoint == one_by_one.latest_checkpoint
    assert {c for c in batch_notes if c is not None} <= set(notes)
    for level, count in enumerate([10, 5, 2, 1]):
        assert [batched.store.get_hash(level, i) for i in range(count)] == [
            one_by_one.store.get_hash(level, i) for i in range(count)]


class RecordingState(MemorySignerState):
    """Signer state that remembers every size saved."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    def save(self, checkpoint: Checkpoint) -> None:
        self.sizes.append(checkpoint.size)
        super().save(checkpoint)


def test_extend_signs_every_checkpoint_inside_a_batch() -> None:
    state = RecordingState()
    log = Log(CheckpointSigner(KEY, state), checkpoint_every=3)
    log.extend([canonical(entry(i)) for i in range(10)])
    assert state.sizes == [3, 6, 9]


def test_extend_refuses_a_batch_with_one_bad_entry_and_changes_nothing() -> None:
    log = new_log(every=2)
    log.extend([canonical(entry(i)) for i in range(3)])
    before = (log.size, log.root(), log.latest_checkpoint)
    bad = [canonical(entry(3)), b'{"a": 1}', canonical(entry(5))]
    with pytest.raises(CanonicalError):
        log.extend(bad)
    assert (log.size, log.root(), log.latest_checkpoint) == before


class FlakyBatchStore(MemoryStore):
    """A store whose batch write fails once, as a database might."""

    def __init__(self) -> None:
        super().__init__()
        self.fail_next = False

    def append_levels(self, index: int, levels: Sequence[Sequence[bytes]]) -> None:
        if self.fail_next:
            self.fail_next = False
            raise OSError("disk full")
        super().append_levels(index, levels)


def test_a_failed_batch_write_leaves_the_log_as_it_was() -> None:
    store = FlakyBatchStore()
    log = new_log(store)
    log.extend([canonical(entry(i)) for i in range(5)])
    root5 = log.root()
    store.fail_next = True
    with pytest.raises(OSError):
        log.extend([canonical(entry(i)) for i in range(5, 9)])
    assert (log.size, log.root()) == (5, root5)
    log.extend([canonical(entry(i)) for i in range(5, 9)])
    reference = new_log()
    for i in range(9):
        reference.append(entry(i))
    assert log.root() == reference.root()


class FailingState(MemorySignerState):
    """Signer state that cannot record one size, as a full disk might refuse."""

    def __init__(self, refuse: int) -> None:
        super().__init__()
        self.refuse = refuse

    def save(self, checkpoint: Checkpoint) -> None:
        if checkpoint.size == self.refuse:
            raise OSError("disk full")
        super().save(checkpoint)


def test_a_checkpoint_refused_inside_a_batch_keeps_the_parts_before_it() -> None:
    log = Log(CheckpointSigner(KEY, FailingState(refuse=6)), checkpoint_every=3)
    data = [canonical(entry(i)) for i in range(10)]
    with pytest.raises(OSError):
        log.extend(data)
    assert log.size == 6
    assert log.latest_checkpoint is not None and log.latest_checkpoint.checkpoint.size == 3
    reference = new_log()
    reference.extend(data[:6])
    assert log.root() == reference.root()
