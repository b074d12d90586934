"""The audit log: canonical entries in an RFC 9162 Merkle tree, signed checkpoints,
witness cosignatures and offline receipts, in the C2SP transparency-log formats.

An embedder usually needs only this::

    from audit import CheckpointSigner, Ed25519Signer, FileSignerState, Log

    key = Ed25519Signer.from_seed("example.org/tellers/body-42", seed)   # 32 bytes you keep
    log = Log(CheckpointSigner(key, FileSignerState("signer.state")), checkpoint_every=1000)
    entry = {"type": "motion.moved", "motion": "m-1"}
    index, leaf = log.append(entry)
    receipt = log.receipt(index)                            # hand this to the member
    verify_receipt(receipt, canonical(entry), key.vkey())  # what the member runs offline

This package knows nothing of voting, reads no clock and draws no randomness.
"""

from audit.canonical import JSONValue, canonical, parse
from audit.checkpoint import Checkpoint, parse_checkpoint
from audit.cosignature import CosignatureVerifier, Cosigner
from audit.errors import (
    AuditError,
    CanonicalError,
    CheckpointError,
    ConsistencyError,
    EquivocationError,
    NoteError,
    PolicyError,
    ProofError,
    ReceiptError,
    SignatureError,
    StateError,
    UnknownLogError,
)
from audit.log import Log
from audit.merkle import (
    EMPTY_ROOT,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)
from audit.note import Ed25519Signer, Ed25519Verifier, open_note, sign_note
from audit.receipt import Receipt, VerifiedReceipt, parse_receipt, verify_receipt
from audit.signer import CheckpointSigner, MemorySignerState, SignedCheckpoint, SignerState
from audit.signer_state import FileSignerState
from audit.store import HashStore, MemoryStore
from audit.witness import MemoryWitnessState, Witness, WitnessPolicy, WitnessState

__all__ = [
    "EMPTY_ROOT",
    "AuditError",
    "CanonicalError",
    "Checkpoint",
    "CheckpointError",
    "CheckpointSigner",
    "ConsistencyError",
    "CosignatureVerifier",
    "Cosigner",
    "Ed25519Signer",
    "Ed25519Verifier",
    "EquivocationError",
    "FileSignerState",
    "HashStore",
    "JSONValue",
    "Log",
    "MemorySignerState",
    "MemoryStore",
    "MemoryWitnessState",
    "NoteError",
    "PolicyError",
    "ProofError",
    "Receipt",
    "ReceiptError",
    "SignatureError",
    "SignedCheckpoint",
    "SignerState",
    "StateError",
    "UnknownLogError",
    "VerifiedReceipt",
    "Witness",
    "WitnessPolicy",
    "WitnessState",
    "canonical",
    "leaf_hash",
    "node_hash",
    "open_note",
    "parse",
    "parse_checkpoint",
    "parse_receipt",
    "sign_note",
    "verify_consistency",
    "verify_inclusion",
    "verify_receipt",
]
