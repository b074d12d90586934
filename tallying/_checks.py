"""Checks on the whole numbers the decision rules take (counts, members, signatures)."""

from __future__ import annotations

from tallying.errors import CountError

__all__ = ["check_whole"]


def check_whole(value: object, what: str, *, least: int) -> int:
    """``value`` if it is a whole number (not a bool) of at least ``least``; else CountError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise CountError(f"{what} must be a whole number, not {type(value).__name__}")
    if value < least:
        raise CountError(f"{what} must be at least {least} (got {value})")
    return value
