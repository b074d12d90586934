"""The root of the tellers error hierarchy, and the errors of counting.

Every error tellers raises on purpose is a :class:`TellersError`, and also an
instance of the builtin exception it is (so ``except ValueError`` keeps
working for an embedder who does not know our classes)::

    TellersError(Exception)
    ├── CountError(TellersError, ValueError)          tallying: a count cannot be made
    │   ├── UnknownMethod(CountError, LookupError)     no method of that name
    │   ├── InvalidBallot(CountError)                  a ballot breaks the method's rules
    │   ├── LotNeeded(CountError)                      a tie needs a lot and no seed was given
    │   └── InvalidProfile(CountError)                 seats, candidates or weights are wrong
    ├── BallotFileError(TellersError, ValueError)      a BLT file cannot be read (names the line)
    ├── voting.errors.DomainError ...                  a command is refused (see voting.errors)
    └── audit.errors.AuditError ...                    a log, proof or signature fails

The root lives here because ``tallying`` is the package every other one may
import (docs/architecture.md: ``api -> voting -> tallying``); it imports nothing of ours.
"""

from __future__ import annotations

__all__ = [
    "BallotFileError",
    "CountError",
    "InvalidBallot",
    "InvalidProfile",
    "LotNeeded",
    "TellersError",
    "UnknownMethod",
]


class TellersError(Exception):
    """Base class of every error tellers raises on purpose."""


class CountError(TellersError, ValueError):
    """A count cannot be made as asked."""


class UnknownMethod(CountError, LookupError):
    """No counting method is registered under that name."""


class InvalidBallot(CountError):
    """A ballot breaks the rules of the method counting it."""


class InvalidProfile(CountError):
    """The election itself is malformed: seats, candidates or weights."""


class LotNeeded(CountError):
    """A tie the rule breaks by lot, and the count was given no seed to draw it with.

    A count never guesses (docs/counting.md, "Lots"): ``purpose`` says which
    tie (``"exclusion at stage 3"``), ``tied`` holds the tied candidates'
    indices in ballot-paper order, so a caller can name them and ask for the
    seed in its own words (``tellers count --seed``).
    """

    def __init__(self, message: str, *, purpose: str, tied: tuple[int, ...]) -> None:
        self.purpose = purpose
        self.tied = tied
        super().__init__(message)


class BallotFileError(TellersError, ValueError):
    """A ballot file cannot be read; the message names the line."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)
