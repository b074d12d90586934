"""Receipts: offline proof that an entry is in the log (c2sp.org/tlog-proof).

A receipt is text::

    c2sp.org/tlog-proof@v1
    extra <base64>            (optional, unauthenticated)
    index <leaf index>
    <base64 proof hash>       (zero or more: RFC 9162 §2.1.3 PATH, leaf's sibling first)

    <the signed checkpoint note, verbatim, cosignatures and all>

:func:`verify_receipt` needs only the receipt, the entry's canonical bytes and
the log's verifier key (the one a body publishes and members pin): it opens
the checkpoint note with that key, checks the checkpoint's origin is that
key's name, and checks the inclusion proof of SHA-256(0x00 || entry) at the
index against the checkpoint's root. A :class:`audit.witness.WitnessPolicy`
adds "and k of these witnesses cosigned it".

The ``extra`` line is for the log to fill; for a sealed vote tellers puts
the paper's tracker and the voter's mark key there (:func:`tracker_extra`):
the tracker opens the entry's seal with the voter's paper once the papers
are published, and the mark key opens the entry's mark for the voter's
member id (``voting.seal``). For an act in an unattributed meeting its last
line is ``member-key <hex>``, the member's key for that meeting, which opens
their pseudonym there (``voting.chatham``, :func:`member_key_extra`). It is
not signed: it tells the voter where to look, and the verifier checks what it
claims against the signed entry.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from audit.checkpoint import Checkpoint, parse_checkpoint, parse_decimal
from audit.errors import AuditError, ReceiptError
from audit.merkle import HASH_SIZE, leaf_hash, verify_inclusion
from audit.note import Ed25519Verifier, Verifier, b64decode, open_note, split_note
from audit.witness import WitnessPolicy

__all__ = [
    "HEADER",
    "MARK_KEY_EXTRA",
    "MAX_PROOF_LINES",
    "MEMBER_KEY_EXTRA",
    "TRACKER_EXTRA",
    "Receipt",
    "VerifiedReceipt",
    "format_receipt",
    "member_key_extra",
    "parse_receipt",
    "receipt_member_key",
    "receipt_sealed",
    "receipt_tracker",
    "tracker_extra",
    "verify_receipt",
]

HEADER = "c2sp.org/tlog-proof@v1"
"""The first line of every receipt."""

TRACKER_EXTRA = b"tracker "
"""How a receipt's extra data starts when it carries a secret ballot's tracker."""

MARK_KEY_EXTRA = b"\nmark-key "
"""What follows the tracker in the extra data when it also carries the voter's mark key."""

MEMBER_KEY_EXTRA = b"member-key "
"""The line of the extra data that carries a member's key for an unattributed meeting
(``voting.chatham``): last, after a sealed vote's tracker and mark key if any."""

MAX_PROOF_LINES = 63
"""The longest inclusion proof in a tree of fewer than 2**63 leaves."""


@dataclass(frozen=True, slots=True)
class Receipt:
    """A parsed receipt; nothing in it is trusted until :func:`verify_receipt` says so."""

    index: int
    proof: tuple[bytes, ...]
    note: str
    extra: bytes | None = None

    @property
    def checkpoint(self) -> Checkpoint:
        """The checkpoint body inside the note, unverified."""
        text, _ = split_note(self.note)
        return parse_checkpoint(text)

    def __str__(self) -> str:
        return format_receipt(self)


def format_receipt(receipt: Receipt) -> str:
    lines = [HEADER]
    if receipt.extra is not None:
        lines.append("extra " + base64.b64encode(receipt.extra).decode("ascii"))
    lines.append(f"index {receipt.index}")
    lines.extend(base64.b64encode(h).decode("ascii") for h in receipt.proof)
    return "".join(f"{line}\n" for line in lines) + "\n" + receipt.note


def tracker_extra(tracker: str, mark_key: str = "") -> bytes:
    """The extra data of a receipt for a sealed vote: ``tracker <hex>``, then
    ``\nmark-key <hex>`` when the mark key is given."""
    extra = TRACKER_EXTRA + tracker.encode("ascii")
    return extra + MARK_KEY_EXTRA + mark_key.encode("ascii") if mark_key else extra


def member_key_extra(extra: bytes | None, member_key: str) -> bytes:
    """``extra`` with the member's key for an unattributed meeting as its last line."""
    line = MEMBER_KEY_EXTRA + member_key.encode("ascii")
    return line if not extra else extra + b"\n" + line


def _split_member_key(extra: bytes | None) -> tuple[bytes | None, str]:
    """The extra data without its member-key line, and the member's key (``""`` if none)."""
    if extra is None:
        return None, ""
    head, newline, last = extra.rpartition(b"\n")
    if not last.startswith(MEMBER_KEY_EXTRA):
        return extra, ""
    key = last[len(MEMBER_KEY_EXTRA):].decode("ascii", errors="replace")
    return (head if newline else None), key


def receipt_member_key(extra: bytes | None) -> str:
    """The member's key for an unattributed meeting a receipt's extra data carries, or ""."""
    return _split_member_key(extra)[1]


def receipt_sealed(extra: bytes | None) -> tuple[str, str] | None:
    """The tracker and mark key (``""`` if absent) a receipt's extra data carries, if any."""
    extra = _split_member_key(extra)[0]
    if extra is None or not extra.startswith(TRACKER_EXTRA):
        return None
    tracker, _, key = extra[len(TRACKER_EXTRA):].partition(MARK_KEY_EXTRA)
    return tracker.decode("ascii", errors="replace"), key.decode("ascii", errors="replace")


def receipt_tracker(extra: bytes | None) -> str | None:
    """The tracker a receipt's extra data carries, if it carries one."""
    sealed = receipt_sealed(extra)
    return None if sealed is None else sealed[0]


def _field(line: str, word: str) -> str | None:
    prefix = word + " "
    return line[len(prefix) :] if line.startswith(prefix) else None


def parse_receipt(text: str) -> Receipt:
    """Split a receipt into its parts and check their syntax (c2sp.org/tlog-proof, "Format")."""
    head, blank, note = text.partition("\n\n")
    if not blank or not note:
        raise ReceiptError("receipt has no blank line before its checkpoint")
    lines = head.split("\n")
    if lines[0] != HEADER:
        raise ReceiptError(f"receipt does not start with {HEADER}")
    position = 1
    extra = None
    try:
        if len(lines) > 1 and (encoded := _field(lines[1], "extra")) is not None:
            extra = b64decode(encoded, "extra data")
            position = 2
        index_text = _field(lines[position], "index") if len(lines) > position else None
        if index_text is None:
            raise ReceiptError("receipt has no 'index <n>' line")
        index = parse_decimal(index_text, "leaf index")
        proof_lines = lines[position + 1 :]
        if len(proof_lines) > MAX_PROOF_LINES:
            raise ReceiptError(f"receipt has more than {MAX_PROOF_LINES} proof lines")
        proof = tuple(b64decode(line, "proof line") for line in proof_lines)
    except ReceiptError:
        raise
    except AuditError as exc:
        raise ReceiptError(str(exc)) from None
    if any(len(h) != HASH_SIZE for h in proof):
        raise ReceiptError("every proof line is one 32-byte SHA-256 hash")
    return Receipt(index, proof, note, extra)


@dataclass(frozen=True, slots=True)
class VerifiedReceipt:
    """What a verified receipt proves: this entry is leaf ``index`` under ``checkpoint``."""

    index: int
    leaf_hash: bytes
    checkpoint: Checkpoint
    cosigners: tuple[str, ...] = ()


def verify_receipt(
    receipt_text: str,
    entry_bytes: bytes,
    verifier_key: str | Verifier,
    *,
    policy: WitnessPolicy | None = None,
    now: int | None = None,
) -> VerifiedReceipt:
    """Check a receipt offline against the log's verifier key (and optionally witnesses).

    ``verifier_key`` is a vkey string or a :class:`audit.note.Verifier`; the
    checkpoint's origin must be its key name. Raises an
    :class:`audit.errors.AuditError` subclass saying what failed: the
    receipt's syntax (:class:`ReceiptError`), the signature
    (:class:`SignatureError`), the proof (:class:`ProofError`) or the
    witnesses (:class:`PolicyError`).
    """
    receipt = parse_receipt(receipt_text)
    verifier = (
        Ed25519Verifier.from_vkey(verifier_key) if isinstance(verifier_key, str) else verifier_key
    )
    opened = open_note(receipt.note, [verifier])
    checkpoint = parse_checkpoint(opened.text)
    if checkpoint.origin != verifier.name:
        raise ReceiptError(
            f"receipt is for log {checkpoint.origin!r}, not {verifier.name!r}"
        )
    leaf = leaf_hash(entry_bytes)
    verify_inclusion(receipt.index, checkpoint.size, leaf, receipt.proof, checkpoint.root_hash)
    cosigners = policy.check(receipt.note, now=now) if policy is not None else ()
    return VerifiedReceipt(receipt.index, leaf, checkpoint, cosigners)
