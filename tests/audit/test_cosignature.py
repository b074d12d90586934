"""Witness cosignatures (c2sp.org/tlog-cosignature, Ed25519 type 0x04), audit.cosignature."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.cosignature import (
    COSIGNATURE_ED25519,
    CosignatureVerifier,
    Cosigner,
    cosignature_message,
    cosignature_timestamp,
)
from audit.errors import AuditError, CheckpointError, NoteError
from audit.note import Ed25519Verifier, parse_note
from audit.witness import WitnessPolicy
from tests.audit.helpers import flip_bit, vectors

COSIGNATURES = vectors("cosignatures.json")["cases"]
SIGNED = [c for c in COSIGNATURES if "ed25519_seed" in c]
EXAMPLE = next(c for c in COSIGNATURES if c["id"] == "c2sp-tlog-cosignature-example")


@pytest.mark.parametrize("case", SIGNED, ids=lambda c: c["id"])
def test_keys(case: dict[str, Any]) -> None:
    """Key ID = SHA-256(name || 0x0A || 0x04 || public key)[:4]; vkeys carry type 0x04."""
    cosigner = Cosigner.from_seed(case["cosigner_name"], bytes.fromhex(case["ed25519_seed"]))
    assert case["signature_type"] == COSIGNATURE_ED25519
    assert cosigner.public_key.hex() == case["public_key"]
    assert cosigner.key_id.hex() == case["key_id"]
    assert cosigner.vkey() == case["vkey"]
    assert CosignatureVerifier.from_vkey(case["vkey"]) == cosigner.verifier()


@pytest.mark.parametrize("case", SIGNED, ids=lambda c: c["id"])
def test_signing_reproduces_the_line(case: dict[str, Any]) -> None:
    """The signed message is cosignature/v1, the time line, then the checkpoint body."""
    message = cosignature_message(case["checkpoint_text"].encode(), case["timestamp"])
    assert message == case["signed_message"].encode()
    cosigner = Cosigner.from_seed(case["cosigner_name"], bytes.fromhex(case["ed25519_seed"]))
    line = cosigner.cosign(case["checkpoint_text"], case["timestamp"]).line()
    assert line in case["note"].splitlines(keepends=True)


@pytest.mark.parametrize("case", SIGNED, ids=lambda c: c["id"])
def test_verification_ignores_other_signers(case: dict[str, Any]) -> None:
    """Other signature lines (e.g. a log's type 0x05 RFC 6962 signature) are ignored."""
    verifier = CosignatureVerifier.from_vkey(case["vkey"])
    policy = WitnessPolicy((verifier,), 1)
    assert policy.check(case["note"]) == (case["cosigner_name"],)
    note = parse_note(case["note"])
    others = [s for s in note.signatures if s.name != case["cosigner_name"]]
    assert [(s.name, s.key_id.hex(), len(s.signature), s.signature[:1].hex()) for s in others] == [
        (o["key_name"], o["key_id"], o["signature_len"], o["first_byte_after_key_id"])
        for o in case["other_signatures"]
    ]
    mine = next(s for s in note.signatures if s.name == case["cosigner_name"])
    assert cosignature_timestamp(mine) == case["timestamp"]


def test_spec_example_layout() -> None:
    """4-byte key ID, 8-byte big-endian timestamp, 64-byte Ed25519 signature."""
    parsed = EXAMPLE["parsed"]
    sig = next(s for s in parse_note(EXAMPLE["note"]).signatures
               if s.name == parsed["key_name"])
    assert sig.key_id.hex() == parsed["key_id"]
    assert cosignature_timestamp(sig) == parsed["timestamp"]
    assert sig.signature[8:].hex() == parsed["signature"]
    assert len(sig.signature[8:]) == parsed["signature_len"]


def test_a_log_vkey_is_not_a_cosigner_vkey_and_back() -> None:
    case = SIGNED[0]
    with pytest.raises(NoteError):
        Ed25519Verifier.from_vkey(case["vkey"])
    with pytest.raises(NoteError):
        CosignatureVerifier.from_vkey(
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")


BODY = "example.org/log\n3\nq80wNS/2gAfdyaZkw0UaEcFjNHzl5SfUd0K2WfNe5j0=\n"


def test_cosigner_signs_only_checkpoints_and_valid_times() -> None:
    cosigner = Cosigner.from_seed("w.example", bytes(32))
    with pytest.raises(CheckpointError):
        cosigner.cosign("not a checkpoint\n", 1)
    for timestamp in (-1, 2**63):
        with pytest.raises(NoteError):
            cosigner.cosign(BODY, timestamp)


def test_a_cosignature_binds_its_timestamp() -> None:
    cosigner = Cosigner.from_seed("w.example", bytes(32))
    sig = cosigner.cosign(BODY, 1000)
    moved = sig.signature[:8].replace((1000).to_bytes(8, "big"), (1001).to_bytes(8, "big"))
    assert cosigner.verifier().verify(BODY.encode(), sig.signature)
    assert not cosigner.verifier().verify(BODY.encode(), moved + sig.signature[8:])
    assert not cosigner.verifier().verify(BODY.encode(), sig.signature[:-1])


@given(st.integers(min_value=0, max_value=2**63 - 1), st.data())
def test_any_bit_flip_in_a_cosignature_is_rejected(timestamp: int, data: st.DataObject) -> None:
    """Flipping any bit of a cosignature line leaves no valid cosignature from the witness."""
    cosigner = Cosigner.from_seed("w.example", bytes(32))
    line = cosigner.cosign(BODY, timestamp).line().encode()
    bit = data.draw(st.integers(min_value=0, max_value=len(line) * 8 - 1))
    mutated = flip_bit(line, bit)
    policy = WitnessPolicy((cosigner.verifier(),), 1)
    assert policy.satisfied(BODY + "\n" + line.decode())
    with pytest.raises((AuditError, UnicodeDecodeError)):
        policy.check(BODY + "\n" + mutated.decode("utf-8"))
