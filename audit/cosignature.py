"""Witness cosignatures on checkpoints, Ed25519 flavour (c2sp.org/tlog-cosignature).

A cosignature is a note signature line of signature type 0x04 whose bytes are
``key ID (4) || timestamp (u64, big-endian) || Ed25519 signature (64)``. The
signature covers::

    cosignature/v1
    time <timestamp>
    <the whole checkpoint body, extension lines included>

and states that, as of ``timestamp`` (POSIX seconds), the cosigner had seen
no larger consistent tree for that origin. The timestamp is always passed in:
nothing here reads a clock.

:class:`CosignatureVerifier` meets :class:`audit.note.Verifier`, so a log key
and witness keys can be handed to :func:`audit.note.open_note` together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.checkpoint import MAX_TREE_SIZE, parse_checkpoint
from audit.errors import NoteError
from audit.note import (
    Ed25519Key,
    KeyId,
    NoteSignature,
    check_key_name,
    key_id,
)

__all__ = [
    "COSIGNATURE_ED25519",
    "CosignatureVerifier",
    "Cosigner",
    "cosignature_message",
    "cosignature_timestamp",
]

COSIGNATURE_ED25519 = 0x04
"""The signature type byte of timestamped Ed25519 cosignatures."""

_SIGNATURE_SIZE = 8 + 64


def cosignature_message(checkpoint_body: bytes, timestamp: int) -> bytes:
    """``cosignature/v1\\ntime <timestamp>\\n`` followed by the checkpoint body."""
    if type(timestamp) is not int or not 0 <= timestamp <= MAX_TREE_SIZE:
        raise NoteError(f"cosignature timestamp {timestamp!r} is not between 0 and 2**63 - 1")
    return b"cosignature/v1\ntime %d\n" % timestamp + checkpoint_body


def cosignature_timestamp(signature: NoteSignature) -> int:
    """The timestamp a cosignature line carries (its first 8 bytes after the key ID)."""
    if len(signature.signature) != _SIGNATURE_SIZE:
        raise NoteError(f"a cosignature is {_SIGNATURE_SIZE} bytes after the key ID")
    return int.from_bytes(signature.signature[:8], "big")


@dataclass(frozen=True, slots=True)
class CosignatureVerifier(Ed25519Key):
    """Checks one witness's Ed25519 cosignatures (type 0x04)."""

    SIG_TYPE: ClassVar[int] = COSIGNATURE_ED25519
    KIND: ClassVar[str] = "an Ed25519 cosignature key (0x04)"

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (timestamp and Ed25519 bytes) cosigns checkpoint ``text``."""
        if len(signature) != _SIGNATURE_SIZE:
            return False
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > MAX_TREE_SIZE:
            return False
        return self._valid(signature[8:], cosignature_message(text, timestamp))


@dataclass(frozen=True, slots=True)
class Cosigner:
    """A witness's signing key for cosignatures; the seed is passed in, never drawn here."""

    name: str
    _private: Ed25519PrivateKey = field(repr=False, compare=False)
    public_key: bytes = field(init=False)
    key_id: KeyId = field(init=False)

    def __post_init__(self) -> None:
        check_key_name(self.name)
        public = self._private.public_key().public_bytes_raw()
        object.__setattr__(self, "public_key", public)
        object.__setattr__(self, "key_id", key_id(self.name, COSIGNATURE_ED25519, public))

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Cosigner:
        if len(seed) != 32:
            raise NoteError(f"an Ed25519 seed is 32 bytes, not {len(seed)}")
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))

    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier(self.name, self.public_key)

    def vkey(self) -> str:
        return self.verifier().vkey()

    def cosign(self, checkpoint_body: str, timestamp: int) -> NoteSignature:
        """The cosignature line over a checkpoint body at ``timestamp``.

        The body must parse as a checkpoint: a cosigner signs nothing else.
        """
        parse_checkpoint(checkpoint_body)
        message = cosignature_message(checkpoint_body.encode("utf-8"), timestamp)
        signed = timestamp.to_bytes(8, "big") + self._private.sign(message)
        return NoteSignature(self.name, self.key_id, signed)
