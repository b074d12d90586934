"""Sealed papers: the byte strings behind a secret vote's mark and seal.

A secret vote (or ranking) is logged when it is cast as an entry that names
nobody and carries two SHA-256 digests, written as 64 lowercase hex digits:

* the **seal** binds the paper: ``SHA-256("tellers seal v1\\n" ‖ question ‖
  "\\n" ‖ tracker ‖ "\\n" ‖ choice)``, where ``question`` is the ballot's (or
  election's) id, ``tracker`` the paper's tracker as lowercase hex, and
  ``choice`` ``for``, ``against`` or ``abstain`` (for a ranking, the candidate
  ids in order of preference joined by ``"\\n"``). At the close every published
  paper must open exactly one logged seal, so no paper can be changed, added or
  dropped after it was cast.
* the **mark** stands for the member without naming them:
  ``SHA-256("tellers mark v1\\n" ‖ question ‖ "\\n" ‖ member ‖ "\\n" ‖ mark key)``,
  where the mark key (64 hex digits) is ``HMAC-SHA256(ballot secret, member)``
  and the ballot secret is 32 random bytes the shell draws when the ballot
  opens and deletes at its close. A member has one mark per ballot, so a
  second vote is refused; at the close the shell finds, from the secret, which
  members of the roll made the logged marks (the marked register), and once
  the secret is gone nobody can link a mark to a member. A voter's receipt
  carries their own mark key, which opens their mark and no other.

Every string is UTF-8 (ids, trackers and hex digests are printable ASCII);
``‖`` is concatenation and ``"\\n"`` the byte 0x0A, which no id, tracker or
choice contains, so each byte string reads one way only. This module is pure:
the secret, the tracker and the member come in; no randomness is drawn here.
"""

from __future__ import annotations

import hashlib
import hmac
import string

from voting.errors import InvalidVote

__all__ = [
    "DIGEST_HEX",
    "MARK_TAG",
    "SEAL_TAG",
    "check_digest",
    "is_digest",
    "mark",
    "mark_key",
    "ranking_choice",
    "seal",
]

MARK_TAG = b"tellers mark v1\n"
"""The domain tag that starts every mark's hashed bytes."""

SEAL_TAG = b"tellers seal v1\n"
"""The domain tag that starts every seal's hashed bytes."""

DIGEST_HEX = 64
"""A mark, a seal, a mark key and a ballot secret are each 32 bytes, as 64 hex digits."""

_HEX = frozenset(string.hexdigits.lower())


def is_digest(value: object) -> bool:
    """Whether ``value`` is 64 lowercase hex digits."""
    return isinstance(value, str) and len(value) == DIGEST_HEX and set(value) <= _HEX


def check_digest(value: object, what: str) -> str:
    """``value`` if it is 64 lowercase hex digits (32 bytes); :class:`InvalidVote` otherwise."""
    if not is_digest(value):
        raise InvalidVote(f"a {what} is 64 lowercase hex digits (32 bytes)")
    return str(value)


def mark_key(ballot_secret: str, member: str) -> str:
    """A member's mark key for one ballot: ``HMAC-SHA256(ballot secret, member)``, in hex."""
    secret = bytes.fromhex(check_digest(ballot_secret, "ballot secret"))
    return hmac.new(secret, member.encode("utf-8"), hashlib.sha256).hexdigest()


def mark(question: str, member: str, key: str) -> str:
    """The mark a member's sealed vote carries on ``question`` (module docstring)."""
    data = b"\n".join((question.encode("utf-8"), member.encode("utf-8"), key.encode("utf-8")))
    return hashlib.sha256(MARK_TAG + data).hexdigest()


def seal(question: str, tracker: str, choice: str) -> str:
    """The seal of the paper ``(tracker, choice)`` on ``question`` (module docstring)."""
    data = b"\n".join((question.encode("utf-8"), tracker.encode("utf-8"), choice.encode("utf-8")))
    return hashlib.sha256(SEAL_TAG + data).hexdigest()


def ranking_choice(ranking: tuple[str, ...]) -> str:
    """A ranking as the ``choice`` its seal covers: candidate ids joined by newlines."""
    return "\n".join(ranking)
