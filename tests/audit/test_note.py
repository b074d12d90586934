"""Signed notes with Ed25519 (c2sp.org/signed-note), audit.note."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.errors import AuditError, NoteError, SignatureError
from audit.note import (
    ED25519,
    Ed25519Signer,
    Ed25519Verifier,
    Note,
    key_id,
    open_note,
    parse_note,
    parse_vkey,
    sign_note,
)
from tests.audit.helpers import flip_bit, log_key, vectors

NOTES = vectors("signed_notes.json")
CASES = {case["id"]: case for case in NOTES["cases"]}


# Vectors (signed_notes.json)


@pytest.mark.parametrize("case", [c for c in NOTES["cases"] if "vkey" in c], ids=lambda c: c["id"])
def test_vkey_parsing_and_key_id(case: dict[str, Any]) -> None:
    """vkey = name+hex(key ID)+base64(0x01 || key); key ID = SHA-256(name\\n 0x01 key)[:4]."""
    verifier = Ed25519Verifier.from_vkey(case["vkey"])
    assert verifier.name == case["key_name"]
    assert verifier.key_id.hex() == case["key_id"]
    assert verifier.public_key.hex() == case["public_key"]
    assert case["signature_type"] == ED25519
    assert key_id(case["key_name"], ED25519, verifier.public_key).hex() == case["key_id"]
    assert verifier.vkey() == case["vkey"]
    assert str(parse_vkey(case["vkey"])) == case["vkey"]


def test_spec_example_verifies() -> None:
    case = CASES["c2sp-signed-note-example"]
    opened = open_note(case["note"], [Ed25519Verifier.from_vkey(case["vkey"])])
    assert opened.text == case["text"]
    assert opened.verified_names == (case["key_name"],)


def test_spec_intro_parses_at_the_last_blank_line_but_does_not_open() -> None:
    case = CASES["c2sp-signed-note-intro-unverifiable"]
    note = parse_note(case["note"])
    assert note.text == case["text"]
    assert [(s.name, s.key_id.hex(), s.signature.hex()) for s in note.signatures] == [
        (s["key_name"], s["key_id"], s["signature"]) for s in case["signatures"]
    ]
    assert str(note) == case["note"]
    with pytest.raises(SignatureError):
        open_note(case["note"], [])


def test_signing_is_byte_exact() -> None:
    """Ed25519 is deterministic: signing the text with the seed reproduces the note."""
    case = CASES["go-note-peterneumann-sign"]
    signer = Ed25519Signer.from_seed(case["key_name"], bytes.fromhex(case["ed25519_seed"]))
    assert signer.vkey() == case["vkey"]
    assert signer.skey() == case["skey"]
    assert sign_note(case["text"], signer) == case["note"]
    assert Ed25519Signer.from_skey(case["skey"]).vkey() == case["vkey"]


def test_a_second_signature_appends_a_line() -> None:
    case = CASES["go-note-enochroot-cosign"]
    peter = CASES["go-note-peterneumann-sign"]
    first = Ed25519Signer.from_seed(peter["key_name"], bytes.fromhex(peter["ed25519_seed"]))
    second = Ed25519Signer.from_seed(case["key_name"], bytes.fromhex(case["ed25519_seed"]))
    assert second.vkey() == case["vkey"]
    assert sign_note(case["text"], first, second) == case["note"]
    signed_once = parse_note(sign_note(case["text"], first))
    assert str(signed_once.with_signatures(second.sign(case["text"].encode()))) == case["note"]
    opened = open_note(case["note"], [first.verifier(), second.verifier()])
    assert opened.verified_names == (peter["key_name"], case["key_name"])


@pytest.mark.parametrize("case", NOTES["open_cases"]["cases"], ids=lambda c: c["desc"])
def test_open(case: dict[str, Any]) -> None:
    """Known keys must verify, unknown keys are ignored, malformed notes are refused."""
    note = case["note"] if "note" in case else bytes.fromhex(case["note_hex"])
    trusted = [Ed25519Verifier.from_vkey(v) for v in case["trusted"]]
    if case["expect"] == "accept":
        opened = open_note(note, trusted)
        assert list(opened.verified_names) == case["verified"]
        assert [s.name for s in opened.unverified] == case.get("unverified", [])
        return
    assert case["expect"].startswith("reject")
    expected = NoteError if "malformed" in case["expect"] else SignatureError
    with pytest.raises(expected):
        open_note(note, trusted)


@pytest.mark.parametrize("case", NOTES["bad_vkeys"]["cases"], ids=lambda c: c["why"])
def test_bad_vkeys(case: dict[str, str]) -> None:
    with pytest.raises(NoteError):
        Ed25519Verifier.from_vkey(case["vkey"])


@pytest.mark.parametrize("case", NOTES["key_pairs"]["cases"], ids=lambda c: c["label"])
def test_key_pairs(case: dict[str, str]) -> None:
    signer = Ed25519Signer.from_skey(case["skey"])
    assert signer.name == case["key_name"]
    assert signer.key_id.hex() == case["key_id"]
    assert signer.public_key.hex() == case["public_key"]
    assert signer.vkey() == case["vkey"]
    assert signer.skey() == case["skey"]
    assert Ed25519Signer.from_seed(case["key_name"], bytes.fromhex(case["ed25519_seed"])) == signer


# Our own cases

TEXT = "example.org/log\n3\nq80wNS/2gAfdyaZkw0UaEcFjNHzl5SfUd0K2WfNe5j0=\n"


def test_same_name_other_id_is_ignored_not_rejected() -> None:
    """Verifiers ignore signatures that share the name but not the key ID of a known key."""
    real, impostor = log_key(seed=1), log_key(seed=2)
    note = sign_note(TEXT, impostor, real)
    opened = open_note(note, [real.verifier()])
    assert opened.verified_names == (real.name,)
    assert [s.key_id for s in opened.unverified] == [impostor.key_id]


def test_a_forged_signature_under_a_known_key_rejects_the_note() -> None:
    real, forger = log_key(seed=1), log_key(seed=2)
    forged = forger.sign(TEXT.encode())
    note = Note(TEXT, (type(forged)(real.name, real.key_id, forged.signature),))
    with pytest.raises(SignatureError, match="invalid signature"):
        open_note(str(note), [real.verifier()])


def test_two_verifiers_for_one_key_is_a_configuration_error() -> None:
    key = log_key()
    with pytest.raises(NoteError):
        open_note(sign_note(TEXT, key), [key.verifier(), key.verifier()])


@pytest.mark.parametrize(
    "text", ["no newline", "tab\there\n", "carriage\r\n", "", "bell\x07\n", "\ud800\n"],
    ids=repr,
)
def test_sign_refuses_bad_text(text: str) -> None:
    with pytest.raises(NoteError):
        sign_note(text, log_key())


def test_a_lone_surrogate_is_malformed_not_a_crash() -> None:
    key = log_key()
    note = sign_note(TEXT, key).replace("example.org", "example\udcff.org")
    with pytest.raises(NoteError):
        open_note(note, [key.verifier()])


def test_sign_needs_a_signer() -> None:
    with pytest.raises(NoteError):
        sign_note(TEXT)


@pytest.mark.parametrize("name", ["", "has space", "has+plus", "nbsp\u00a0", "ctl\x01"], ids=repr)
def test_bad_key_names(name: str) -> None:
    with pytest.raises(NoteError):
        Ed25519Signer.from_seed(name, bytes(32))


@pytest.mark.parametrize(
    "note",
    [
        TEXT + "\n\u2014 Bad Name AAAAAAA=\n",
        TEXT + "\n\u2014 name AAAA\n",
        TEXT + "\n\u2014 name !!!!\n",
        TEXT + "\n- name AAAAAAA=\n",
        TEXT + "\n\u2014 nameonly\n",
        TEXT + "\n\u2014 name AAAAAAA=\n\n",
    ],
    ids=repr,
)
def test_malformed_signature_lines(note: str) -> None:
    with pytest.raises(NoteError):
        parse_note(note)


@pytest.mark.parametrize(
    "skey",
    [
        "PRIVATE+KEY+Log+00000000+AdEIq9FLRQni54Wg68T96VJO+iayOaulswav2DUMKgvQ",
        "PRIVATE+Log+2271c621+AdEIq9FLRQni54Wg68T96VJO+iayOaulswav2DUMKgvQ",
        "PRIVATE+KEY+Log+2271c621+AtEIq9FLRQni54Wg68T96VJO+iayOaulswav2DUMKgvQ",
        "PRIVATE+KEY+Log+2271C621+AdEIq9FLRQni54Wg68T96VJO+iayOaulswav2DUMKgvQ",
    ],
)
def test_bad_skeys(skey: str) -> None:
    with pytest.raises(NoteError):
        Ed25519Signer.from_skey(skey)


def test_seed_is_not_in_repr() -> None:
    key = Ed25519Signer.from_seed("k", bytes([0xAB]) * 32)
    assert "abab" not in repr(key).lower()
    assert "q6ur" not in repr(key).lower()


# Properties


@given(st.data())
def test_any_bit_flip_in_a_signed_note_is_rejected(data: st.DataObject) -> None:
    """c2sp.org/signed-note: no single-bit change of a note opens under the same key."""
    key = log_key()
    note = sign_note(TEXT, key).encode("utf-8")
    bit = data.draw(st.integers(min_value=0, max_value=len(note) * 8 - 1))
    with pytest.raises(AuditError):
        open_note(flip_bit(note, bit), [key.verifier()])


@given(st.integers(min_value=0, max_value=511))
def test_any_bit_flip_in_a_signature_is_rejected(bit: int) -> None:
    """RFC 8032 verification fails for every single-bit change of the signature."""
    key = log_key()
    signature = key.sign(TEXT.encode()).signature
    assert key.verifier().verify(TEXT.encode(), signature)
    assert not key.verifier().verify(TEXT.encode(), flip_bit(signature, bit))
