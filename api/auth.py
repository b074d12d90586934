"""Tokens and invites: who is asking, proved by an EdDSA-signed JWT or a single-use invite.

Access tokens (RFC 7519, header ``typ`` ``at+jwt`` as RFC 9068 names it) are
signed with Ed25519 only (``alg`` EdDSA); a token whose ``alg`` is anything
else is refused before its signature is looked at. The claims ``exp``,
``iat``, ``nbf``, ``iss``, ``aud``, ``sub`` and ``jti`` are all required and
checked, with a small leeway for clocks, and a token that claims to live longer
than the service issues tokens for (``exp - iat`` over ``ACCESS_TOKEN_SECONDS``)
is refused, so shortening that setting ends older tokens at once. The ``kid``
in the header is looked up only in this instance's own key set
(``keys/token-<kid>.pem``, readable by the owner only); these keys sign tokens
and nothing else (the logs have their own keys).

An invite is 32 random bytes (``secrets``), given once as URL-safe text and
stored only as its SHA-256; it expires, and redeeming it marks it used in
the same statement that checks it is unused, so it works exactly once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, insert, select, update

from api.db import InviteRow, PrincipalRow
from api.errors import Problem

__all__ = [
    "AUDIENCE",
    "Claims",
    "Principal",
    "TokenCache",
    "TokenKeys",
    "create_invite",
    "invite_hash",
    "issue_token",
    "load_principal",
    "redeem_invite",
    "rfc3339",
    "verify_token",
]

_log = logging.getLogger(__name__)

AUDIENCE = "tellers-api"
ACCESS_TYP = "at+jwt"
REQUIRED = ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]


def rfc3339(moment: datetime) -> str:
    """``moment`` in UTC as RFC 3339 with a ``Z`` and whole seconds (how times are stored)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _kid(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


class TokenKeys:
    """The instance's token keys: every ``token-<kid>.pem`` verifies; ``token.current`` signs.

    Rotation (``tellers keys rotate``) writes a new key and replaces ``token.current``;
    a running service notices the replaced file (its inode and time change) at the next
    token it signs or checks and reloads the set, so every worker signs with the new
    ``kid`` at once. Tokens signed with an older key verify until they expire while its
    file stays; retiring the older keys (``--retire``) removes their files, and tokens
    that name them are refused from then on.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._stamp: tuple[int, int] | None = None
        self._keys: tuple[str, dict[str, Ed25519PrivateKey], dict[str, Ed25519PublicKey]]
        self._load()

    def _current_stamp(self) -> tuple[int, int] | None:
        try:
            stat = (self.folder / "token.current").stat()
        except FileNotFoundError:
            return None
        return stat.st_ino, stat.st_mtime_ns

    def _reload_if_rotated(self) -> None:
        stamp = self._current_stamp()
        if stamp is not None and stamp != self._stamp:
            try:
                self._load()
            except (OSError, ValueError):  # caught mid-rotation: the set held so far stands
                _log.warning("the token keys in %s could not be reloaded", self.folder,
                             exc_info=True)

    def _load(self) -> None:
        """Read the key set; swapped in whole, so a thread never sees half of one."""
        folder = self.folder
        stamp = self._current_stamp()
        private: dict[str, Ed25519PrivateKey] = {}
        for path in sorted(folder.glob("token-*.pem")):
            try:
                data = path.read_bytes()
            except FileNotFoundError:  # retired while we looked
                continue
            key = serialization.load_pem_private_key(data, password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ValueError(f"{path} is not an Ed25519 private key")
            kid = _kid(key.public_key())
            if path.name != f"token-{kid}.pem":
                raise ValueError(f"{path} holds the key {kid}, not the one its name says")
            private[kid] = key
        current_file = folder / "token.current"
        current = current_file.read_text().strip() if current_file.exists() else ""
        if current not in private:
            raise ValueError(f"{current_file} does not name one of the keys in {folder}")
        public = {kid: key.public_key() for kid, key in private.items()}
        self._keys = (current, private, public)
        self._stamp = stamp

    @property
    def current(self) -> str:
        """The ``kid`` of the key that signs new tokens."""
        return self._keys[0]

    @classmethod
    def ensure(cls, folder: Path) -> TokenKeys:
        """The key set in ``folder``, creating the folder (0700) and a first key if need be."""
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not (folder / "token.current").exists():
            cls.add(folder)
        return cls(folder)

    @staticmethod
    def add(folder: Path) -> str:
        """Make a new signing key and make it current (key rotation); its ``kid``."""
        key = Ed25519PrivateKey.generate()
        kid = _kid(key.public_key())
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        _write_private(folder / f"token-{kid}.pem", pem)
        current = folder / "token.current.new"
        current.unlink(missing_ok=True)
        _write_private(current, kid.encode() + b"\n")
        current.replace(folder / "token.current")
        return kid

    @staticmethod
    def retire(folder: Path) -> list[str]:
        """Remove every key but the current one; the ``kid`` of each removed. Tokens naming
        them are refused from then on (the current file is rewritten so services reload)."""
        keys = TokenKeys(folder)
        retired = keys.kids()[1:]
        for kid in retired:
            (folder / f"token-{kid}.pem").unlink()
        current = folder / "token.current.new"
        current.unlink(missing_ok=True)
        _write_private(current, keys.current.encode() + b"\n")
        current.replace(folder / "token.current")
        return retired

    def kids(self) -> list[str]:
        """Every ``kid`` that verifies, the current one first."""
        self._reload_if_rotated()
        current, _, public = self._keys
        return [current, *sorted(k for k in public if k != current)]

    def signing(self) -> tuple[str, Ed25519PrivateKey]:
        self._reload_if_rotated()
        current, private, _ = self._keys
        return current, private[current]

    def public(self, kid: str) -> Ed25519PublicKey | None:
        self._reload_if_rotated()
        return self._keys[2].get(kid)


@dataclass(frozen=True, slots=True)
class Claims:
    """The checked claims of an access token."""

    subject: str
    token_id: str
    expires: int
    principal: Principal | None = None  # a member's, as the token names it (MEMBER_CLAIM)


MEMBER_CLAIM = "tellers_member"
"""A private claim (RFC 7519 section 4.3) of a member's access token: ``[body, member]``, as
the token's principal row says. A principal's row is never changed or removed, so a request
with such a token needs no read of it; a token without it (or the admin's, which never has
it) is looked up. Only a holder of a token key can write it, who could name any principal
in ``sub`` as well."""


def issue_token(keys: TokenKeys, *, issuer: str, subject: str, lifetime: int,
                now: datetime, principal: Principal | None = None) -> str:
    """A signed access token for ``subject``, valid from ``now`` for ``lifetime`` seconds;
    naming the member (:data:`MEMBER_CLAIM`) when ``principal``, whose id is ``subject``,
    is a member."""
    kid, key = keys.signing()
    moment = int(now.timestamp())
    claims: dict[str, object] = {
        "iss": issuer, "aud": AUDIENCE, "sub": subject, "jti": secrets.token_urlsafe(16),
        "iat": moment, "nbf": moment, "exp": moment + lifetime,
    }
    if principal is not None:
        if principal.id != subject:
            raise ValueError(f"the token's subject is {subject!r}, not {principal.id!r}")
        if principal.kind == "member" and principal.body and principal.member:
            claims[MEMBER_CLAIM] = [principal.body, principal.member]
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid, "typ": ACCESS_TYP})


def _unauthorized(detail: str) -> Problem:
    return Problem(401, "invalid-token", detail,
                   headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def verify_token(keys: TokenKeys, token: str, *, issuer: str, leeway: int,
                 max_lifetime: int | None = None) -> Claims:
    """The claims of a valid access token; a 401 :class:`Problem` for anything else.

    With ``max_lifetime``, a token whose ``exp`` lies more than that many seconds after
    its ``iat`` is refused too: the service issues none such, so one was made before the
    lifetime was shortened, or by someone holding a key (RFC 9068 section 4: the
    resource server checks the token's validity window).
    """
    return _verified(keys, token, issuer=issuer, leeway=leeway,
                     max_lifetime=max_lifetime)[0]


def _key_id(token: str) -> object:
    """The ``kid`` a token's header names, read only to choose the key that must verify the
    token (RFC 7515 section 4.1.4); PyJWT then checks the header, as signed, in full."""
    try:
        segment = token.split(".", 1)[0]
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, UnicodeError, binascii.Error):
        raise _unauthorized("the token is not a JWT") from None
    if not isinstance(header, dict):
        raise _unauthorized("the token is not a JWT")
    return header.get("kid")


def _verified(keys: TokenKeys, token: str, *, issuer: str, leeway: int,
              max_lifetime: int | None) -> tuple[Claims, int, str]:
    """:func:`verify_token`'s checks, parsing the token once: the claims, ``nbf`` and the
    ``kid`` of the key that verified it (what :class:`TokenCache` keeps)."""
    kid = _key_id(token)
    public = keys.public(kid) if isinstance(kid, str) else None
    if public is None or not isinstance(kid, str):
        raise _unauthorized("the token names no key of this service")
    try:
        decoded = jwt.api_jwt.decode_complete(
            token, public, algorithms=["EdDSA"], audience=AUDIENCE, issuer=issuer,
            leeway=leeway, options={"require": REQUIRED},
        )
    except jwt.ExpiredSignatureError:
        raise _unauthorized("the token has expired") from None
    except jwt.PyJWTError as exc:
        raise _unauthorized(f"the token is not valid: {exc}") from None
    header, claims = decoded["header"], decoded["payload"]
    if header.get("alg") != "EdDSA":  # cannot pass decode: the algorithms allowed are these
        raise _unauthorized("the token is not signed with EdDSA")
    if header.get("typ") != ACCESS_TYP:
        raise _unauthorized("the token is not an access token")
    if max_lifetime is not None and int(claims["exp"]) - int(claims["iat"]) > max_lifetime:
        raise _unauthorized("the token claims to live longer than this service's tokens")
    subject, token_id = claims["sub"], claims["jti"]
    if not isinstance(subject, str) or not isinstance(token_id, str):
        raise _unauthorized("the token's sub and jti must be strings")
    named, member = claims.get(MEMBER_CLAIM), None
    if named is not None:
        if not (isinstance(named, list) and len(named) == 2
                and all(isinstance(part, str) and part for part in named)):
            raise _unauthorized(f"the token's {MEMBER_CLAIM} is not [body, member]")
        member = Principal(subject, "member", named[0], named[1])
    return (Claims(subject, token_id, int(claims["exp"]), member), int(claims["nbf"]),
            kid)


class TokenCache:
    """Access tokens this process has verified, so that a token's signature and claims are
    checked once, not on every request it comes with (an Ed25519 check and PyJWT's parsing
    cost more than the rest of a read).

    A token is the same bytes every time, so what :func:`verify_token` found of it
    holds as long as the key that signed it is in the key set (a hit asks the key set
    again, so a key retired by ``tellers keys rotate --retire`` refuses its tokens at
    once, cached or not) and the same ``issuer``, ``leeway`` and ``max_lifetime``
    apply; only the clock moves, so a hit is checked against the clock again as PyJWT
    checks it: expired once ``exp`` plus the leeway has passed (RFC 7519 section 4.1.4),
    not yet valid before ``nbf`` less the leeway (section 4.1.5; a token refused as not
    yet valid is never kept). Refused tokens are not kept: each one is checked in full.
    At most ``size`` tokens are kept; when full, the oldest half goes.
    """

    def __init__(self, size: int = 8192) -> None:
        if type(size) is not int or size < 2:
            raise ValueError(f"a token cache holds at least 2 tokens, not {size!r}")
        self._size = size
        self._kept: dict[tuple[str, str, int, int | None], tuple[Claims, int, str]] = {}
        self._guard = threading.Lock()

    def verify(self, keys: TokenKeys, token: str, *, issuer: str, leeway: int,
               max_lifetime: int | None = None, now: float | None = None) -> Claims:
        """:func:`verify_token`, from the cache when this token was verified before."""
        key = (token, issuer, leeway, max_lifetime)
        with self._guard:
            hit = self._kept.get(key)
        if hit is not None:
            claims, not_before, kid = hit
            if keys.public(kid) is None:  # retired since: refused as an unknown key is
                with self._guard:
                    self._kept.pop(key, None)
                return verify_token(keys, token, issuer=issuer, leeway=leeway,
                                    max_lifetime=max_lifetime)
            moment = time.time() if now is None else now
            if moment > claims.expires + leeway:
                with self._guard:
                    self._kept.pop(key, None)
                raise _unauthorized("the token has expired")
            if moment < not_before - leeway:  # cannot happen: it was valid when kept
                raise _unauthorized("the token is not valid yet")
            return claims
        claims, not_before, kid = _verified(keys, token, issuer=issuer, leeway=leeway,
                                            max_lifetime=max_lifetime)
        with self._guard:
            if len(self._kept) >= self._size:
                for old in list(self._kept)[: self._size // 2]:
                    del self._kept[old]
            self._kept[key] = (claims, not_before, kid)
        return claims


def invite_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_invite(conn: Connection, principal: str, *, lifetime: int, now: datetime) -> str:
    """A new single-use invite for ``principal``; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    conn.execute(insert(InviteRow).values(
        token_sha256=invite_hash(token), principal=principal, created_at=rfc3339(now),
        expires_at=rfc3339(now + timedelta(seconds=lifetime)), used_at=None))
    return token


def redeem_invite(conn: Connection, token: str, *, now: datetime) -> Principal:
    """Use an invite once: the principal it was made for; a 401 problem if it cannot be used."""
    digest = invite_hash(token)
    invite = conn.execute(select(InviteRow.used_at, InviteRow.expires_at, InviteRow.principal)
                          .where(InviteRow.token_sha256 == digest)).first()
    if invite is None:
        raise Problem(401, "invite-unknown", "this invite is not one the service gave",
                      field="invite")
    if invite.used_at is not None:
        raise Problem(401, "invite-used", "this invite has already been used; ask the "
                      "secretary for a new one", field="invite")
    if invite.expires_at <= rfc3339(now):
        raise Problem(401, "invite-expired", "this invite has expired; ask the secretary "
                      "for a new one", field="invite")
    done = conn.execute(update(InviteRow)
                        .where(InviteRow.token_sha256 == digest, InviteRow.used_at.is_(None))
                        .values(used_at=rfc3339(now)))
    if done.rowcount != 1:
        raise Problem(401, "invite-used", "this invite has already been used", field="invite")
    return load_principal(conn, invite.principal)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a token speaks for: the instance's admin, or one member of one body."""

    id: str
    kind: str
    body: str | None
    member: str | None


def load_principal(conn: Connection, principal_id: str) -> Principal:
    row = conn.execute(select(PrincipalRow.id, PrincipalRow.kind, PrincipalRow.body,
                              PrincipalRow.member)
                       .where(PrincipalRow.id == principal_id)).first()
    if row is None:
        raise _unauthorized("the token's subject is not known here")
    return Principal(row.id, row.kind, row.body, row.member)
