"""Why the domain refuses a command.

Each class is a :class:`tallying.errors.TellersError` and also the builtin it
is, so a caller can catch either. Messages are written for a chair or a
member, not for a developer::

    TellersError
    └── DomainError(TellersError, ValueError)
        ├── NotFound(DomainError, LookupError)         no such member, meeting, motion, ballot
        ├── AlreadyExists(DomainError)                 an id is already used
        ├── NotEntitled(DomainError, PermissionError)  absent, suspended, not a member, wrong role
        ├── OutOfOrder(DomainError)                    not allowed now (state, standing orders)
        │   └── BallotClosed(OutOfOrder)               the vote is over (or not yet open)
        ├── AlreadyVoted(DomainError)                  a second vote where revotes are not allowed
        ├── InvalidWeight(DomainError)                 a card weight below 1
        ├── InvalidVote(DomainError)                   a choice the ballot does not offer
        ├── InconsistentEvent(DomainError)             a logged event the state refuses (replay)
        └── TextError(DomainError)                     motion or amendment text
            ├── EmptyText(TextError)
            ├── TextTooLong(TextError)
            ├── SpanNotFound(TextError, LookupError)   no such line or word
            ├── QuotedWordsMismatch(TextError)         the quoted words are not at that place
            └── EditNoLongerApplies(TextError)         an earlier amendment removed its words

Every command that raises leaves state and events exactly as they were
(docs/architecture.md principle 4): ``decide`` returns events only when nothing is wrong.
"""

from __future__ import annotations

from tallying.errors import TellersError

__all__ = [
    "AlreadyExists",
    "AlreadyVoted",
    "BallotClosed",
    "DomainError",
    "EditNoLongerApplies",
    "EmptyText",
    "InconsistentEvent",
    "InvalidVote",
    "InvalidWeight",
    "NotEntitled",
    "NotFound",
    "OutOfOrder",
    "QuotedWordsMismatch",
    "SpanNotFound",
    "TextError",
    "TextTooLong",
]


class DomainError(TellersError, ValueError):
    """A command the rules do not allow."""


class NotFound(DomainError, LookupError):
    """The command names a member, meeting, motion or ballot that does not exist."""


class AlreadyExists(DomainError):
    """The command would reuse an id that is already taken."""


class NotEntitled(DomainError, PermissionError):
    """The person may not do this: absent, suspended, not a member, or lacking the role."""


class OutOfOrder(DomainError):
    """Not allowed at this point of the proceedings."""


class BallotClosed(OutOfOrder):
    """The ballot is not open: it has closed, or has not been opened."""


class AlreadyVoted(DomainError):
    """The member has voted and the revote policy does not allow another vote."""


class InvalidWeight(DomainError):
    """A card vote weight must be a whole number of at least 1."""


class InvalidVote(DomainError):
    """The vote is not one the ballot offers."""


class TextError(DomainError):
    """Something is wrong with the text of a motion or an amendment."""


class EmptyText(TextError):
    """The text is empty."""


class TextTooLong(TextError):
    """The text is longer than the documented limit."""


class SpanNotFound(TextError, LookupError):
    """There is no such line or word in the motion."""


class QuotedWordsMismatch(TextError):
    """The words quoted in the amendment are not the words at that place."""


class EditNoLongerApplies(TextError):
    """An amendment's words are no longer in the motion, so it falls."""


class InconsistentEvent(DomainError):
    """An event in a log contradicts the state it is applied to (found on replay)."""
