"""A witness anyone can run, and the "k of n witnesses" policy a member checks.

:class:`Witness` follows c2sp.org/tlog-witness ``add-checkpoint``: it keeps the
last checkpoint it cosigned per origin, and cosigns a new one only when

* the origin is one it follows (else :class:`UnknownLogError`, HTTP 404);
* a trusted log key signed it (else :class:`SignatureError`, 403);
* the old size is at most the new size (else :class:`ConsistencyError`, 400);
* the old size is the size it last cosigned (else :class:`ConsistencyError`
  carrying ``latest_size``, 409);
* at equal sizes the roots are equal (else :class:`ConsistencyError`, 409: a fork);
* the consistency proof from its last root verifies (else :class:`ProofError`, 422).

Checking the old state and recording the new one is one compare-and-swap on
:class:`WitnessState`, so two racing requests cannot roll the witness back.
Time is passed in; the witness reads no clock.

:class:`WitnessPolicy` is the member's side: a checkpoint counts only when at
least ``threshold`` of the listed witnesses cosigned it.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from audit.checkpoint import Checkpoint, parse_checkpoint, parse_decimal
from audit.cosignature import CosignatureVerifier, Cosigner, cosignature_timestamp
from audit.errors import (
    ConsistencyError,
    NoteError,
    PolicyError,
    ProofError,
    UnknownLogError,
)
from audit.merkle import verify_consistency
from audit.note import NoteSignature, Verifier, b64decode, open_note, parse_note

__all__ = [
    "MAX_PROOF_LINES",
    "MemoryWitnessState",
    "Witness",
    "WitnessPolicy",
    "WitnessState",
    "format_add_checkpoint",
    "parse_add_checkpoint",
]

MAX_PROOF_LINES = 63
"""Consistency proof lines an add-checkpoint request may carry (c2sp.org/tlog-witness)."""


class WitnessState(Protocol):
    """The last checkpoint a witness cosigned, per origin."""

    def latest(self, origin: str) -> Checkpoint | None:
        """The last cosigned checkpoint for ``origin``, or ``None``."""
        ...

    def replace(self, origin: str, expected: Checkpoint | None, new: Checkpoint) -> None:
        """Record ``new`` if the stored checkpoint is still ``expected``, atomically.

        Raises :class:`audit.errors.ConsistencyError` (with ``latest_size``) otherwise.
        """
        ...


class MemoryWitnessState:
    """A :class:`WitnessState` in a dictionary."""

    __slots__ = ("_latest",)

    def __init__(self) -> None:
        self._latest: dict[str, Checkpoint] = {}

    def latest(self, origin: str) -> Checkpoint | None:
        return self._latest.get(origin)

    def replace(self, origin: str, expected: Checkpoint | None, new: Checkpoint) -> None:
        current = self._latest.get(origin)
        if current != expected:
            raise ConsistencyError(
                "the witness moved on meanwhile",
                latest_size=0 if current is None else current.size,
            )
        self._latest[origin] = new


class Witness:
    """Cosigns the checkpoints of the logs it follows, if they only ever grow."""

    __slots__ = ("_cosigner", "_logs", "_state")

    def __init__(
        self,
        cosigner: Cosigner,
        logs: Mapping[str, Iterable[Verifier]],
        state: WitnessState,
    ) -> None:
        self._cosigner = cosigner
        self._logs = {origin: tuple(keys) for origin, keys in logs.items()}
        self._state = state

    @property
    def vkey(self) -> str:
        """The cosigner's verifier key string, for members' :class:`WitnessPolicy`."""
        return self._cosigner.vkey()

    def latest(self, origin: str) -> Checkpoint | None:
        return self._state.latest(origin)

    def add_checkpoint(
        self, note: str, old_size: int, proof: Sequence[bytes], timestamp: int
    ) -> NoteSignature:
        """Check a signed checkpoint against the last one cosigned; cosign it at ``timestamp``."""
        checkpoint = parse_checkpoint(parse_note(note).text)
        keys = self._logs.get(checkpoint.origin)
        if keys is None:
            raise UnknownLogError(f"this witness does not follow log {checkpoint.origin!r}")
        open_note(note, keys)
        if old_size > checkpoint.size:
            raise ConsistencyError(f"old size {old_size} is larger than size {checkpoint.size}")
        latest = self._state.latest(checkpoint.origin)
        latest_size = 0 if latest is None else latest.size
        if old_size != latest_size:
            raise ConsistencyError(
                f"old size {old_size} is not the last cosigned size {latest_size}",
                latest_size=latest_size,
            )
        if latest is None:
            if proof:
                raise ProofError("a consistency proof from size 0 is empty")
        elif latest.size == checkpoint.size and latest.root_hash != checkpoint.root_hash:
            raise ConsistencyError(
                f"size {latest.size} was cosigned with another root: the log has forked",
                latest_size=latest_size,
            )
        else:
            verify_consistency(
                latest.size, checkpoint.size, latest.root_hash, checkpoint.root_hash, proof
            )
        self._state.replace(checkpoint.origin, latest, checkpoint)
        return self._cosigner.cosign(checkpoint.body(), timestamp)

    def handle(self, request: str, timestamp: int) -> str:
        """An add-checkpoint request body in, the response body (signature lines) out."""
        old_size, proof, note = parse_add_checkpoint(request)
        return self.add_checkpoint(note, old_size, proof, timestamp).line()


def format_add_checkpoint(old_size: int, proof: Sequence[bytes], note: str) -> str:
    """An add-checkpoint request body: ``old <n>``, proof lines, a blank line, the note."""
    lines = [f"old {old_size}", *(base64.b64encode(h).decode("ascii") for h in proof)]
    return "".join(f"{line}\n" for line in lines) + "\n" + note


def parse_add_checkpoint(request: str) -> tuple[int, list[bytes], str]:
    """Split an add-checkpoint request body into old size, proof and checkpoint note."""
    head, blank, note = request.partition("\n\n")
    if not blank:
        raise NoteError("add-checkpoint request has no blank line before the checkpoint")
    first, *proof_lines = head.split("\n")
    word, space, size_text = first.partition(" ")
    if word != "old" or not space:
        raise NoteError("add-checkpoint request does not start with 'old <size>'")
    if len(proof_lines) > MAX_PROOF_LINES:
        raise NoteError(f"add-checkpoint request has more than {MAX_PROOF_LINES} proof lines")
    proof = [b64decode(line, "consistency proof line") for line in proof_lines]
    return parse_decimal(size_text, "old size"), proof, note


@dataclass(frozen=True, slots=True)
class WitnessPolicy:
    """Trust a checkpoint only if ``threshold`` of these ``witnesses`` cosigned it."""

    witnesses: tuple[CosignatureVerifier, ...]
    threshold: int

    def __post_init__(self) -> None:
        if not 1 <= self.threshold <= len(self.witnesses):
            raise ValueError(
                f"threshold {self.threshold} is not between 1 and {len(self.witnesses)}"
            )
        names = {w.name for w in self.witnesses}
        if len(names) != len(self.witnesses):
            raise ValueError("each witness appears once in a policy")

    @classmethod
    def from_vkeys(cls, vkeys: Iterable[str], threshold: int) -> WitnessPolicy:
        return cls(tuple(CosignatureVerifier.from_vkey(v) for v in vkeys), threshold)

    def check(self, note: str, *, now: int | None = None) -> tuple[str, ...]:
        """The names of the witnesses whose cosignatures verify; raise unless enough do.

        Only cosignatures are checked here; the log's own signature is
        :func:`audit.note.open_note`'s job (as :func:`audit.receipt.verify_receipt`
        does). A cosignature that fails from a listed witness rejects the note
        (c2sp.org/signed-note: a known key's bad signature taints it). With
        ``now``, a cosignature dated after it does not count.
        """
        parsed = parse_note(note)
        text = parsed.text.encode("utf-8")
        by_key = {(w.name, bytes(w.key_id)): w for w in self.witnesses}
        cosigned: list[str] = []
        invalid: list[str] = []
        late: list[str] = []
        for sig in parsed.signatures:
            witness = by_key.pop((sig.name, bytes(sig.key_id)), None)
            if witness is None:
                continue
            if not witness.verify(text, sig.signature):
                invalid.append(f"witness {sig.name}: invalid cosignature")
            elif now is not None and cosignature_timestamp(sig) > now:
                late.append(f"witness {sig.name}: cosignature dated in the future")
            else:
                cosigned.append(sig.name)
        if invalid:
            raise PolicyError("checkpoint carries an invalid cosignature", reasons=tuple(invalid))
        if len(cosigned) < self.threshold:
            missing = [f"witness {name}: no cosignature" for name, _ in by_key]
            raise PolicyError(
                f"{len(cosigned)} of the required {self.threshold} witnesses cosigned",
                reasons=(*late, *missing),
            )
        return tuple(cosigned)

    def satisfied(self, note: str, *, now: int | None = None) -> bool:
        """Whether :meth:`check` passes (malformed notes still raise)."""
        try:
            self.check(note, now=now)
        except PolicyError:
            return False
        return True
