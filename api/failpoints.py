"""Failpoints: named places on the write path where a test can make the server fail.

The crash tests (tests/api/http/test_crash_served.py) start ``tellers serve`` with
``TELLERS_FAILPOINTS`` set, a comma-separated list of ``NAME:ACTION``, ``ACTION`` one of

* ``kill``: SIGKILL the whole process group of the server (the supervisor and every
  worker: the server dies as if the machine lost power between two instructions);
* ``sleep=SECONDS``: wait that long, then go on (to widen a window for a kill from
  outside);
* ``raise``: raise :class:`FailpointError` (an unexpected error at that point).

``NAME:ACTION@N`` acts only at the N-th time this process reaches ``NAME`` (counted from
1), and from then on every time. ``TELLERS_FAILPOINTS=@PATH`` reads the list from the file
``PATH`` instead, again whenever the file changes (the counts start afresh), so a test arms
and disarms a running server; no file, or an empty one, sets none. The places are the
constants below; :func:`hit` is called at each. When the variable is unset (every ordinary
run), :func:`hit` returns at once.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tallying.errors import TellersError

__all__ = ["FAILPOINTS", "FailpointError", "hit", "parse"]

BEFORE_COMMIT = "ledger.before_commit"
"""A write's rows (and a cast's checkpoint) are in its transaction, not yet committed."""
AFTER_COMMIT = "ledger.after_commit"
"""The transaction committed; the process's tree and state are not yet moved on."""
SIGNING = "ledger.signing"
"""A checkpoint is signed and its note is in the transaction, which is not yet committed."""
CAST_LOGGED = "cast.logged"
"""A cast's vote is logged and signed; the registry does not yet hold its receipt."""
CAST_ANSWERED = "cast.answered"
"""A cast's receipt is in the registry; the response is not yet sent."""

FAILPOINTS = (BEFORE_COMMIT, AFTER_COMMIT, SIGNING, CAST_LOGGED, CAST_ANSWERED)
ACTIONS = ("kill", "sleep", "raise")


class FailpointError(TellersError, RuntimeError):
    """Raised by a failpoint whose action is ``raise``, or by a malformed setting."""


@dataclass(frozen=True, slots=True)
class _Point:
    action: str
    seconds: float
    at: int  # the hit it starts acting at (1: the first)


def parse(setting: str) -> dict[str, _Point]:
    """The failpoints a ``TELLERS_FAILPOINTS`` value names; a malformed one is refused."""
    points: dict[str, _Point] = {}
    for item in (part.strip() for part in setting.split(",")):
        if not item:
            continue
        name, colon, rest = item.partition(":")
        action, _, count = rest.partition("@")
        verb, _, argument = action.partition("=")
        if not colon or name not in FAILPOINTS or verb not in ACTIONS:
            raise FailpointError(f"TELLERS_FAILPOINTS: {item!r} is not NAME:ACTION[@N] with "
                                 f"NAME one of {', '.join(FAILPOINTS)} and ACTION one of "
                                 "kill, sleep=SECONDS, raise")
        try:
            seconds = float(argument) if verb == "sleep" else 0.0
            at = int(count) if count else 1
        except ValueError:
            raise FailpointError(f"TELLERS_FAILPOINTS: {item!r} has a malformed number") \
                from None
        if seconds < 0 or at < 1 or (verb == "sleep") != bool(argument):
            raise FailpointError(f"TELLERS_FAILPOINTS: {item!r}: sleep takes seconds >= 0, "
                                 "the others none; @N counts from 1")
        points[name] = _Point(verb, seconds, at)
    return points


_SETTING = os.environ.get("TELLERS_FAILPOINTS", "")
_FILE = Path(_SETTING[1:]) if _SETTING.startswith("@") else None
_POINTS = parse(_SETTING) if _FILE is None else {}
_hits: dict[str, int] = {}
_guard = threading.Lock()
_read: tuple[int, int] | None = None  # the file's (mtime, size) when last read


def _armed() -> dict[str, _Point]:
    """The failpoints set now: those of the variable, or of its file as it stands."""
    global _POINTS, _read
    if _FILE is None:
        return _POINTS
    try:
        found = _FILE.stat()
    except FileNotFoundError:
        return {}
    with _guard:
        if _read != (found.st_mtime_ns, found.st_size):
            _POINTS, _read = parse(_FILE.read_text()), (found.st_mtime_ns, found.st_size)
            _hits.clear()
        return _POINTS


def hit(name: str) -> None:
    """Reach the failpoint ``name``: act if ``TELLERS_FAILPOINTS`` says so, else nothing."""
    if not _SETTING:
        return
    point = _armed().get(name)
    if point is None:
        return
    with _guard:
        _hits[name] = _hits.get(name, 0) + 1
        if _hits[name] < point.at:
            return
    if point.action == "kill":
        os.killpg(os.getpgrp(), signal.SIGKILL)
    elif point.action == "sleep":
        time.sleep(point.seconds)
    else:
        raise FailpointError(f"failpoint {name} reached")
