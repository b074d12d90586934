"""The refusing log signer (docs/architecture.md INV-CHECKPOINT): audit.signer, signer_state."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from audit.checkpoint import Checkpoint
from audit.errors import ConsistencyError, EquivocationError, StateError
from audit.merkle import consistency_proof, root
from audit.note import open_note
from audit.signer import CheckpointSigner, MemorySignerState, SignerState
from audit.signer_state import FileSignerState
from tests.audit.helpers import build_store, log_key, numbered_store

KEY = log_key()
ORIGIN = KEY.name
STORE = numbered_store(40)
FORK = build_store([b"other %d" % i for i in range(40)])


def head(size: int, store: object = STORE) -> Checkpoint:
    return Checkpoint(ORIGIN, size, root(store, size))  # type: ignore[arg-type]


def proof(old: int, new: int) -> list[bytes]:
    return consistency_proof(STORE, old, new)


@pytest.fixture(params=["memory", "file"])
def state(request: pytest.FixtureRequest, tmp_path: Path) -> SignerState:
    if request.param == "memory":
        return MemorySignerState()
    return FileSignerState(tmp_path / "signer.state")


def test_signs_and_remembers(state: SignerState) -> None:
    signer = CheckpointSigner(KEY, state)
    signed = signer.sign(head(10))
    assert open_note(signed.note, [KEY.verifier()]).text == head(10).body()
    assert state.load() == head(10)
    signer.sign(head(25), proof(10, 25))
    assert state.load() == head(25)
    assert signer.last_signed() == head(25)


def test_refuses_a_smaller_size(state: SignerState) -> None:
    signer = CheckpointSigner(KEY, state)
    signer.sign(head(20))
    with pytest.raises(EquivocationError, match="roll back") as raised:
        signer.sign(head(19))
    assert raised.value.latest_size == 20
    assert state.load() == head(20)


def test_refuses_the_same_size_with_another_root(state: SignerState) -> None:
    signer = CheckpointSigner(KEY, state)
    signer.sign(head(20))
    with pytest.raises(EquivocationError, match="fork"):
        signer.sign(head(20, FORK))
    assert state.load() == head(20)


def test_re_signs_the_same_head(state: SignerState) -> None:
    """Same size and root: the same note again (Ed25519 is deterministic)."""
    signer = CheckpointSigner(KEY, state)
    first = signer.sign(head(20))
    assert signer.sign(head(20)) == first


def test_refuses_a_larger_size_that_does_not_extend(state: SignerState) -> None:
    """A store restored from an old backup that then grew differently gets no signature."""
    signer = CheckpointSigner(KEY, state)
    signer.sign(head(10))
    with pytest.raises(EquivocationError):
        signer.sign(head(30, FORK), consistency_proof(FORK, 10, 30))
    with pytest.raises(EquivocationError):
        signer.sign(head(30))
    assert state.load() == head(10)


def test_equivocation_is_a_consistency_error() -> None:
    assert issubclass(EquivocationError, ConsistencyError)


def test_refuses_another_origin_and_short_roots() -> None:
    signer = CheckpointSigner(KEY, MemorySignerState())
    with pytest.raises(EquivocationError):
        signer.sign(Checkpoint("other.example/log", 1, root(STORE, 1)))
    with pytest.raises(EquivocationError):
        signer.sign(Checkpoint(ORIGIN, 1, b"short"))
    assert signer.last_signed() is None


def test_state_of_another_log_is_refused() -> None:
    state = MemorySignerState(Checkpoint("other.example/log", 1, root(STORE, 1)))
    with pytest.raises(StateError):
        CheckpointSigner(KEY, state).sign(head(2))


def test_refusal_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "signer.state"
    CheckpointSigner(KEY, FileSignerState(path)).sign(head(30))
    restarted = CheckpointSigner(KEY, FileSignerState(path))
    with pytest.raises(EquivocationError):
        restarted.sign(head(29))
    assert restarted.last_signed() == head(30)


def test_file_state_is_the_checkpoint_body_and_private(tmp_path: Path) -> None:
    path = tmp_path / "signer.state"
    state = FileSignerState(path)
    assert state.load() is None
    state.save(head(7))
    assert path.read_text(encoding="utf-8") == head(7).body()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["signer.state"]


@pytest.mark.parametrize("content", [b"", b"garbage\n", b"\xff\xfe", b"log\n1\nAAAA\n"])
def test_an_unreadable_file_state_refuses_to_sign(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "signer.state"
    path.write_bytes(content)
    with pytest.raises(StateError):
        CheckpointSigner(KEY, FileSignerState(path)).sign(head(1))
    assert path.read_bytes() == content


def test_a_stale_temporary_file_does_not_matter(tmp_path: Path) -> None:
    path = tmp_path / "signer.state"
    (tmp_path / "signer.state.tmp").write_bytes(b"half written")
    FileSignerState(path).save(head(3))
    assert FileSignerState(path).load() == head(3)
