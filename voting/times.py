"""When something happened: the one definition of a time a body's log may hold.

Every command carries the time it was given (``at``; the domain reads no
clock) and every event keeps it. A valid time is RFC 3339 in UTC, in exactly
one spelling::

    YYYY-MM-DDTHH:MM:SS[.fraction]Z

a real calendar date, hours 00-23, minutes and seconds 00-59 (no leap
second), an optional fraction of any number of digits, upper-case ``T`` and
``Z`` and no offset other than ``Z``. Times are ordered by instant: trailing
zeros of the fraction do not count, so ``10:00:00.50Z`` equals
``10:00:00.5Z`` and both are later than ``10:00:00Z``.

A log's time only moves forward: an event may share its predecessor's time
but never be earlier. :func:`voting.decider.decide` refuses a command whose
time breaks either rule, replay (:func:`voting.decider.evolve`) refuses such
an event, and the verifier's C-TIME check (``audit/verify.py``,
``docs/verifying.md``) applies this same definition to every entry.

Pure: no clock, no I/O.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Final

from voting.errors import DomainError

__all__ = [
    "FORM",
    "InvalidTime",
    "TimeGoesBack",
    "TimeKey",
    "check_time",
    "time_key",
]

FORM: Final = "YYYY-MM-DDTHH:MM:SS[.fraction]Z"
"""How a valid time is written, for messages."""

TimeKey = tuple[str, str]
"""A time's place in order: its date and time to the second, and its fraction's digits
without trailing zeros (compared as strings, which orders decimal fractions)."""

_RFC3339_UTC: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?Z"
)


class InvalidTime(DomainError):
    """A time that is not RFC 3339 UTC in the form :data:`FORM` (a ``ValueError`` too)."""


class TimeGoesBack(InvalidTime):
    """A time earlier than the last one the log holds: a log's time only moves forward."""


@lru_cache(maxsize=4096)
def _real_date(day: str) -> bool:
    """Whether ``YYYY-MM-DD`` names a day of the calendar (cached: a log has few days)."""
    try:
        date.fromisoformat(day)
    except ValueError:
        return False
    return True


def time_key(value: object) -> TimeKey | None:
    """``value``'s place in order, or ``None`` unless it is a valid time (module docstring)."""
    if not isinstance(value, str) or not _valid(value):
        return None
    return _known_key(value)


class _Last:
    """The string found valid last. The verifier's C-TIME checks an entry's time just before
    its replay checks it again; the second look then costs nothing. Validity is a property
    of the string alone, so whatever this holds is valid."""

    valid = ""


def _valid(value: str) -> bool:
    if value is _Last.valid:
        return True
    if _RFC3339_UTC.fullmatch(value) is None or not _real_date(value[:10]):
        return False
    _Last.valid = value
    return True


def _known_key(value: str) -> TimeKey:
    """The key of a time already found valid (``value[19]`` is ``.`` or ``Z``)."""
    return value[:19], value[20:-1].rstrip("0")


def check_time(value: object, last: str = "") -> None:
    """Refuse ``value`` unless it is a valid time no earlier than ``last``.

    ``last`` is the time of the log's last event (a valid time), or ``""``
    for an empty log. An equal time is in order. (Replay runs this once per
    event, so two times of one length are compared as text, without keys.)

    Raises:
        InvalidTime: ``value`` is not RFC 3339 UTC in the form :data:`FORM`.
        TimeGoesBack: ``value`` is earlier than ``last``.
    """
    if value == last and last:
        return
    if not isinstance(value, str) or not _valid(value):
        if not value:
            raise InvalidTime(f"every command and event needs the time it was given ({FORM})")
        raise InvalidTime(
            f"the time {value!r} is not an RFC 3339 UTC time ({FORM}, a real date)"
        )
    # Two valid times of one length have their fractions' digits at the same places, so
    # they compare as text; otherwise by their keys.
    if last and (value < last if len(value) == len(last) else _known_key(value) < _known_key(last)):
        raise TimeGoesBack(
            f"the time {value} is earlier than {last}, the time of the log's last entry: "
            "a log's time only moves forward"
        )
