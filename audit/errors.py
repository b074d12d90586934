"""Why the audit log refuses an entry, a proof, a note or a checkpoint.

Every class is a :class:`tallying.errors.TellersError` and a ``ValueError``
(the input was wrong), and where a narrower builtin fits it is that too, so
a caller can catch either our class or the builtin::

    TellersError
    └── AuditError(TellersError, ValueError)
        ├── CanonicalError                       not canonical JSON of the entry schema (RFC 8785)
        ├── ProofError                           an inclusion or consistency proof does not verify
        │                                        (RFC 9162 §2.1.3.2, §2.1.4.2) or cannot be made
        ├── ConsistencyError                     two tree heads are not one append-only history
        │   └── EquivocationError                the log signer refuses: smaller size, or same
        │                                        size with another root (INV-CHECKPOINT)
        ├── NoteError                            a malformed signed note or key string
        │                                        (c2sp.org/signed-note)
        ├── SignatureError                       no trusted signature verifies, or one is invalid
        │   └── PolicyError                      fewer than k of the n trusted witnesses cosigned
        ├── CheckpointError                      a malformed checkpoint (c2sp.org/tlog-checkpoint)
        ├── ReceiptError                         a malformed receipt (c2sp.org/tlog-proof)
        ├── UnknownLogError(AuditError, LookupError)
        │                                        a witness is not configured for that origin
        └── StateError                           a signer's or witness's stored state is unreadable

A refusal changes nothing: the signer, the witness and the log leave their
state exactly as it was when they raise.
"""

from __future__ import annotations

from tallying.errors import TellersError

__all__ = [
    "AuditError",
    "CanonicalError",
    "CheckpointError",
    "ConsistencyError",
    "EquivocationError",
    "NoteError",
    "PolicyError",
    "ProofError",
    "ReceiptError",
    "SignatureError",
    "StateError",
    "UnknownLogError",
]


class AuditError(TellersError, ValueError):
    """Base class of the audit log's errors."""


class CanonicalError(AuditError):
    """A value or byte string is outside the canonical entry schema (RFC 8785, narrowed)."""


class ProofError(AuditError):
    """A Merkle proof does not verify, is malformed, or asks for sizes the tree does not have."""


class ConsistencyError(AuditError):
    """Two views of a log are not one append-only history (rollback, fork, size mismatch).

    ``latest_size`` is the size the refusing party holds, when it holds one
    (c2sp.org/tlog-witness answers a mismatched old size with it).
    """

    def __init__(self, message: str, *, latest_size: int | None = None) -> None:
        self.latest_size = latest_size
        super().__init__(message)


class EquivocationError(ConsistencyError):
    """The log signer refuses a checkpoint that would contradict one it has signed."""


class NoteError(AuditError):
    """A signed note, key name, verifier key or signer key string is malformed."""


class SignatureError(AuditError):
    """No signature from a trusted key verifies, or a trusted key's signature is invalid."""


class PolicyError(SignatureError):
    """A witness policy is not met; ``reasons`` says why, one line per finding."""

    def __init__(self, message: str, *, reasons: tuple[str, ...] = ()) -> None:
        self.reasons = reasons
        super().__init__("; ".join((message, *reasons)))


class CheckpointError(AuditError):
    """A checkpoint body breaks c2sp.org/tlog-checkpoint."""


class ReceiptError(AuditError):
    """A receipt breaks c2sp.org/tlog-proof."""


class UnknownLogError(AuditError, LookupError):
    """A witness has no log configured under that origin."""


class StateError(AuditError):
    """A signer's or witness's stored state cannot be read; nothing is signed until it can."""
