"""The log signer: signs checkpoints, and never two that contradict each other.

docs/architecture.md INV-CHECKPOINT: a checkpoint is derived data, signed after
commit; the signer durably records the last ``(size, root)`` it signed and
**refuses** to sign a smaller size, or the same size with a different root.
c2sp.org/tlog-checkpoint says the same from the other side: "a log MUST not
sign any checkpoint which is inconsistent with any checkpoint it previously
signed". So this signer goes one step further and, for a larger size,
demands the RFC 9162 §2.1.4 consistency proof from the last signed head:
a log restored from a stale backup that has since grown cannot get a
signature for its new, forked history either.

The memory of the last signed checkpoint sits behind :class:`SignerState`.
The new head is saved *before* the signature is returned, so a crash
between the two loses a signature, never the refusal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from audit.checkpoint import Checkpoint
from audit.errors import EquivocationError, ProofError, StateError
from audit.merkle import HASH_SIZE, verify_consistency
from audit.note import Ed25519Signer, sign_note

__all__ = [
    "CheckpointSigner",
    "MemorySignerState",
    "SignedCheckpoint",
    "SignerState",
]


class SignerState(Protocol):
    """Durable memory of the last checkpoint a signer signed."""

    def load(self) -> Checkpoint | None:
        """The last signed checkpoint, ``None`` if nothing was ever signed.

        Raises :class:`audit.errors.StateError` if the state exists but cannot be read.
        """
        ...

    def save(self, checkpoint: Checkpoint) -> None:
        """Record ``checkpoint`` durably before returning."""
        ...


class MemorySignerState:
    """A :class:`SignerState` that lasts as long as the process (tests, demos)."""

    __slots__ = ("_last",)

    def __init__(self, last: Checkpoint | None = None) -> None:
        self._last = last

    def load(self) -> Checkpoint | None:
        return self._last

    def save(self, checkpoint: Checkpoint) -> None:
        self._last = checkpoint


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    """A checkpoint and its signed note (c2sp.org/tlog-checkpoint as a c2sp.org/signed-note)."""

    checkpoint: Checkpoint
    note: str


class CheckpointSigner:
    """Signs a log's checkpoints with its Ed25519 key; the key's name is the log's origin."""

    __slots__ = ("_key", "_state")

    def __init__(self, key: Ed25519Signer, state: SignerState) -> None:
        self._key = key
        self._state = state

    @property
    def origin(self) -> str:
        return self._key.name

    @property
    def vkey(self) -> str:
        """The verifier key string members pin to check this log's checkpoints."""
        return self._key.vkey()

    def last_signed(self) -> Checkpoint | None:
        """The last checkpoint signed (from the durable state)."""
        last = self._state.load()
        if last is not None and last.origin != self.origin:
            raise StateError(f"signer state belongs to log {last.origin!r}, not {self.origin!r}")
        return last

    def sign(self, checkpoint: Checkpoint, proof: Sequence[bytes] = ()) -> SignedCheckpoint:
        """Sign ``checkpoint`` unless it contradicts the last one signed.

        ``proof`` is the consistency proof from the last signed size to
        ``checkpoint.size`` (empty when the sizes are equal or nothing was
        signed yet). Raises :class:`EquivocationError` for a smaller size, the
        same size with another root, or a larger size the proof does not tie
        to the last root; the state is left as it was.
        """
        if checkpoint.origin != self.origin:
            raise EquivocationError(
                f"this signer signs for {self.origin!r}, not {checkpoint.origin!r}"
            )
        if len(checkpoint.root_hash) != HASH_SIZE:
            raise EquivocationError("a checkpoint root is a 32-byte SHA-256 hash")
        last = self.last_signed()
        if last is None or checkpoint.size != last.size:
            if last is not None:
                self._check_extends(last, checkpoint, proof)
            self._state.save(checkpoint)
        elif checkpoint.root_hash != last.root_hash:
            raise EquivocationError(
                f"already signed size {last.size} with another root: refusing to fork the log",
                latest_size=last.size,
            )
        note = sign_note(checkpoint.body(), self._key)
        return SignedCheckpoint(checkpoint, note)

    @staticmethod
    def _check_extends(last: Checkpoint, new: Checkpoint, proof: Sequence[bytes]) -> None:
        if new.size < last.size:
            raise EquivocationError(
                f"already signed size {last.size}: refusing to roll back to {new.size}",
                latest_size=last.size,
            )
        try:
            verify_consistency(last.size, new.size, last.root_hash, new.root_hash, proof)
        except ProofError as exc:
            raise EquivocationError(
                f"size {new.size} is not shown to extend the signed size {last.size}: {exc}",
                latest_size=last.size,
            ) from exc
