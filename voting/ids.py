"""Identifiers of the things a body decides about.

Ids are chosen by the caller (the shell makes them unique); the domain only
checks that they are not reused. They are plain strings in events.
"""

from __future__ import annotations

from typing import NewType

__all__ = [
    "AmendmentId",
    "BallotId",
    "MeetingId",
    "MemberId",
    "MotionId",
    "PetitionId",
    "ProceduralId",
    "check_id",
]

MemberId = NewType("MemberId", str)
MeetingId = NewType("MeetingId", str)
MotionId = NewType("MotionId", str)
AmendmentId = NewType("AmendmentId", str)
ProceduralId = NewType("ProceduralId", str)
BallotId = NewType("BallotId", str)
PetitionId = NewType("PetitionId", str)

MAX_ID_CHARS = 64


def check_id(value: str, what: str) -> None:
    """Refuse an id that is empty, too long, or not printable ASCII without spaces."""
    from voting.errors import DomainError

    if not isinstance(value, str) or not value:
        raise DomainError(f"a {what} needs an id")
    if len(value) > MAX_ID_CHARS:
        raise DomainError(f"a {what} id may be at most {MAX_ID_CHARS} characters")
    if not all("!" <= ch <= "~" for ch in value):
        raise DomainError(f"a {what} id may use only printable ASCII without spaces: {value!r}")
