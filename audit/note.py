"""Signed notes with Ed25519 (c2sp.org/signed-note).

A note is UTF-8 text ending in a newline, a blank line, then one or more
signature lines ``— <key name> <base64(key ID || signature)>``. The text is
split from the signatures at the *last* blank line. A key is named by its key
name and its 4-byte key ID, ``SHA-256(name || 0x0A || type || public key)[:4]``
(type 0x01 for Ed25519).

Keys travel as strings: a verifier key (vkey) is
``<name>+<hex key ID>+<base64(type || public key)>``, a signer key (skey)
``PRIVATE+KEY+<name>+<hex key ID>+<base64(type || 32-byte seed)>``.

:func:`open_note` is the only way to read a note's text: it verifies every
signature whose (name, key ID) it knows, ignores the others as the spec
requires, rejects the note if a known key's signature fails, and rejects it
if none verifies.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from hashlib import sha256
from typing import ClassVar, NewType, Protocol, Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from audit.errors import NoteError, SignatureError

__all__ = [
    "ED25519",
    "MAX_SIGNATURES",
    "Ed25519Key",
    "Ed25519Signer",
    "Ed25519Verifier",
    "KeyId",
    "Note",
    "NoteSignature",
    "NoteSigner",
    "OpenedNote",
    "Verifier",
    "VerifierKey",
    "b64decode",
    "check_key_name",
    "check_text",
    "key_id",
    "open_note",
    "parse_note",
    "parse_vkey",
    "sign_note",
    "split_note",
]

ED25519 = 0x01
"""The signature type byte of plain Ed25519 note signatures (c2sp.org/signed-note)."""

MAX_SIGNATURES = 100
"""Signature lines a note may carry (the spec asks verifiers to accept at least 16)."""

_DASH = "\u2014 "
_SKEY_PREFIX = "PRIVATE+KEY+"

KeyId = NewType("KeyId", bytes)
"""The 4-byte identifier of a key: the first four bytes of SHA-256(name, 0x0A, type, key)."""


def b64decode(text: str, what: str) -> bytes:
    """Strict standard base64 (RFC 4648 §4): padded, no stray characters, canonical bits."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what} is not base64") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise NoteError(f"{what} is not canonical base64")
    return raw


def check_key_name(name: str) -> str:
    """A key name is non-empty, with no Unicode space, no ``+`` and no control character."""
    if not name or any(ch.isspace() or ch == "+" or ch < " " for ch in name):
        raise NoteError(f"key name {name!r} is empty or holds a space, '+' or control character")
    return name


_CONTROL_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f]")


def check_text(text: str) -> str:
    """Note text: ends in a newline and holds no control character but newline."""
    if not text.endswith("\n"):
        raise NoteError("note text does not end with a newline")
    if _CONTROL_BUT_NEWLINE.search(text):
        raise NoteError("note text holds a control character")
    try:
        text.encode("utf-8")
    except UnicodeError:
        raise NoteError("note text is not valid UTF-8") from None
    return text


def key_id(name: str, sig_type: int, public_key: bytes) -> KeyId:
    """SHA-256(key name || 0x0A || signature type || public key)[:4] (c2sp.org/signed-note)."""
    return KeyId(sha256(name.encode() + b"\n" + bytes([sig_type]) + public_key).digest()[:4])


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line: the signer's key name and key ID, and the signature bytes."""

    name: str
    key_id: KeyId
    signature: bytes

    def line(self) -> str:
        """``— <name> <base64(key ID || signature)>`` and a newline."""
        encoded = base64.b64encode(self.key_id + self.signature).decode("ascii")
        return f"{_DASH}{self.name} {encoded}\n"


@dataclass(frozen=True, slots=True)
class Note:
    """A parsed note: its text (with its final newline) and its signature lines, unverified."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def __str__(self) -> str:
        return self.text + "\n" + "".join(sig.line() for sig in self.signatures)

    def with_signatures(self, *signatures: NoteSignature) -> Note:
        """This note with more signature lines appended after the ones it has."""
        return Note(self.text, self.signatures + signatures)


def _decode(data: str | bytes) -> str:
    try:
        if isinstance(data, bytes):
            return data.decode("utf-8")
        data.encode("utf-8")
    except UnicodeError:
        raise NoteError("note is not valid UTF-8") from None
    return data


def split_note(data: str | bytes) -> tuple[str, str]:
    """The text and the signature block of a note, split at the last blank line.

    Checks only the layout around the split; :func:`parse_note` checks the rest.
    """
    note = _decode(data)
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("note has no blank line before its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block or not block.endswith("\n"):
        raise NoteError("note has no signature lines, or they do not end with a newline")
    return text, block


def _parse_signature(line: str) -> NoteSignature:
    if not line.startswith(_DASH):
        raise NoteError(f"{line[:40]!r} is not a signature line")
    name, space, encoded = line[len(_DASH) :].partition(" ")
    if not space:
        raise NoteError(f"signature line {line[:40]!r} has no signature")
    check_key_name(name)
    raw = b64decode(encoded, "signature")
    if len(raw) < 5:
        raise NoteError("signature is shorter than a key ID and one byte")
    return NoteSignature(name, KeyId(raw[:4]), raw[4:])


def parse_note(data: str | bytes) -> Note:
    """Split and check a note's syntax (c2sp.org/signed-note, "Format"); verify nothing."""
    note = _decode(data)
    text, block = split_note(note)
    check_text(note)
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has more than {MAX_SIGNATURES} signatures")
    return Note(text, tuple(_parse_signature(line) for line in lines))


class Verifier(Protocol):
    """Something that checks signatures made by one key (name, key ID)."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> KeyId: ...

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (without the key ID) is this key's over note ``text``."""
        ...


class NoteSigner(Protocol):
    """Something that signs note text with one key."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> KeyId: ...

    def sign(self, text: bytes) -> NoteSignature:
        """The signature line for note ``text``."""
        ...


@dataclass(frozen=True, slots=True)
class VerifierKey:
    """A parsed verifier key string: name, signature type and public key material."""

    name: str
    sig_type: int
    public_key: bytes

    @property
    def key_id(self) -> KeyId:
        return key_id(self.name, self.sig_type, self.public_key)

    def __str__(self) -> str:
        material = base64.b64encode(bytes([self.sig_type]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{material}"


def _split_key(text: str, what: str) -> tuple[str, KeyId, bytes]:
    name, plus1, rest = text.partition("+")
    hex_id, plus2, encoded = rest.partition("+")
    if not (plus1 and plus2) or len(hex_id) != 8 or hex_id != hex_id.lower():
        raise NoteError(f"{what} is not <name>+<8 hex digits>+<base64>")
    check_key_name(name)
    try:
        given = KeyId(bytes.fromhex(hex_id))
    except ValueError:
        raise NoteError(f"{what} key ID {hex_id!r} is not hexadecimal") from None
    material = b64decode(encoded, f"{what} key material")
    if not material:
        raise NoteError(f"{what} has no key material")
    return name, given, material


def parse_vkey(vkey: str) -> VerifierKey:
    """Parse ``<name>+<hex key ID>+<base64(type || key)>``; the key ID must match the key."""
    name, given, material = _split_key(vkey, "verifier key")
    parsed = VerifierKey(name, material[0], material[1:])
    if parsed.key_id != given:
        raise NoteError(f"verifier key {name}: key ID {given.hex()} does not match the key")
    return parsed


def _ed25519_public(material: bytes) -> Ed25519PublicKey:
    if len(material) != 32:
        raise NoteError(f"an Ed25519 public key is 32 bytes, not {len(material)}")
    return Ed25519PublicKey.from_public_bytes(material)


@dataclass(frozen=True, slots=True)
class Ed25519Key:
    """An Ed25519 public key under a signed-note key name, for one signature type.

    The key ID is SHA-256(name || 0x0A || type || key)[:4] (c2sp.org/signed-note),
    so the same key under another type is another key. Subclasses say which type
    (``SIG_TYPE``) and what a signature of theirs covers (``verify``).
    """

    SIG_TYPE: ClassVar[int] = ED25519
    KIND: ClassVar[str] = "Ed25519 (0x01)"

    name: str
    public_key: bytes
    key_id: KeyId = field(init=False)
    _key: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_key_name(self.name)
        object.__setattr__(self, "_key", _ed25519_public(self.public_key))
        object.__setattr__(self, "key_id", key_id(self.name, self.SIG_TYPE, self.public_key))

    @classmethod
    def from_vkey(cls, vkey: str) -> Self:
        """The key of a vkey string of this class's signature type; other types are refused."""
        parsed = parse_vkey(vkey)
        if parsed.sig_type != cls.SIG_TYPE:
            raise NoteError(f"verifier key {parsed.name} is type {parsed.sig_type:#04x}, "
                            f"not {cls.KIND}")
        return cls(parsed.name, parsed.public_key)

    def vkey(self) -> str:
        return str(VerifierKey(self.name, self.SIG_TYPE, self.public_key))

    def _valid(self, signature: bytes, message: bytes) -> bool:
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True, slots=True)
class Ed25519Verifier(Ed25519Key):
    """Checks Ed25519 note signatures (type 0x01) of one key."""

    def verify(self, text: bytes, signature: bytes) -> bool:
        return self._valid(signature, text)


def _ed25519_private(seed: bytes) -> Ed25519PrivateKey:
    if len(seed) != 32:
        raise NoteError(f"an Ed25519 seed is 32 bytes, not {len(seed)}")
    return Ed25519PrivateKey.from_private_bytes(seed)


@dataclass(frozen=True, slots=True)
class Ed25519Signer:
    """Signs notes with one Ed25519 key (type 0x01). The seed is never shown in ``repr``.

    Made from 32 seed bytes the caller supplies (``secrets.token_bytes(32)``
    in the shell): this module draws no randomness of its own.
    """

    name: str
    _private: Ed25519PrivateKey = field(repr=False, compare=False)
    public_key: bytes = field(init=False)
    key_id: KeyId = field(init=False)

    def __post_init__(self) -> None:
        check_key_name(self.name)
        public = self._private.public_key().public_bytes_raw()
        object.__setattr__(self, "public_key", public)
        object.__setattr__(self, "key_id", key_id(self.name, ED25519, public))

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Ed25519Signer:
        return cls(name, _ed25519_private(seed))

    @classmethod
    def from_skey(cls, skey: str) -> Ed25519Signer:
        """Parse ``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>``."""
        if not skey.startswith(_SKEY_PREFIX):
            raise NoteError("signer key does not start with PRIVATE+KEY+")
        name, given, material = _split_key(skey[len(_SKEY_PREFIX) :], "signer key")
        if material[0] != ED25519:
            raise NoteError(f"signer key {name} is type {material[0]:#04x}, not Ed25519 (0x01)")
        signer = cls.from_seed(name, material[1:])
        if signer.key_id != given:
            raise NoteError(f"signer key {name}: key ID {given.hex()} does not match the key")
        return signer

    def skey(self) -> str:
        seed = self._private.private_bytes_raw()
        material = base64.b64encode(bytes([ED25519]) + seed).decode("ascii")
        return f"{_SKEY_PREFIX}{self.name}+{self.key_id.hex()}+{material}"

    def vkey(self) -> str:
        return self.verifier().vkey()

    def verifier(self) -> Ed25519Verifier:
        return Ed25519Verifier(self.name, self.public_key)

    def sign(self, text: bytes) -> NoteSignature:
        return NoteSignature(self.name, self.key_id, self._private.sign(text))


def sign_note(text: str, *signers: NoteSigner) -> str:
    """The note of ``text`` signed by each signer in turn (c2sp.org/signed-note)."""
    check_text(text)
    if not signers:
        raise NoteError("a note needs at least one signature")
    raw = text.encode("utf-8")
    return str(Note(text, tuple(signer.sign(raw) for signer in signers)))


@dataclass(frozen=True, slots=True)
class OpenedNote:
    """A note whose signatures were checked: the text, and which keys vouched for it."""

    text: str
    verified: tuple[NoteSignature, ...]
    unverified: tuple[NoteSignature, ...]

    @property
    def verified_names(self) -> tuple[str, ...]:
        return tuple(sig.name for sig in self.verified)


def open_note(data: str | bytes, verifiers: Iterable[Verifier]) -> OpenedNote:
    """Parse a note and check it against known keys (c2sp.org/signed-note, "Signatures").

    A signature whose (name, key ID) matches a known verifier must verify,
    or the whole note is rejected (:class:`SignatureError`); signatures from
    unknown keys are ignored and reported in ``unverified``; at least one
    known signature must verify. A second signature line from a key already
    seen is skipped. Malformed notes raise :class:`NoteError`.
    """
    note = parse_note(data)
    known: dict[tuple[str, bytes], Verifier] = {}
    for verifier in verifiers:
        ident = (verifier.name, bytes(verifier.key_id))
        if ident in known:
            raise NoteError(f"two verifiers share the key name and ID of {verifier.name}")
        known[ident] = verifier
    text = note.text.encode("utf-8")
    verified: list[NoteSignature] = []
    unverified: list[NoteSignature] = []
    seen: set[tuple[str, bytes]] = set()
    for sig in note.signatures:
        ident = (sig.name, bytes(sig.key_id))
        if ident in seen:
            continue
        seen.add(ident)
        match = known.get(ident)
        if match is None:
            unverified.append(sig)
        elif match.verify(text, sig.signature):
            verified.append(sig)
        else:
            raise SignatureError(f"invalid signature for key {sig.name}+{sig.key_id.hex()}")
    if not verified:
        raise SignatureError("note has no verifiable signatures")
    return OpenedNote(note.text, tuple(verified), tuple(unverified))
