"""What the resource blueprints share: the caller, the clock, submitting a command."""

from __future__ import annotations

import secrets
from typing import Any

from flask import g
from marshmallow import Schema, fields, validate

from api.app import instance, now
from api.auth import Principal, rfc3339
from api.errors import Problem
from api.ledger import Submitted
from voting import commands as c
from voting.ids import MAX_ID_CHARS

__all__ = [
    "AcceptedSchema",
    "Bool",
    "Id",
    "Int",
    "accept",
    "at",
    "fresh_id",
    "me",
    "submit",
]


def Id(**kwargs: Any) -> fields.String:  # noqa: N802 (a field factory, named like a field)
    """An id field: 1 to 64 printable ASCII characters without spaces (voting.ids)."""
    return fields.String(validate=[validate.Length(1, MAX_ID_CHARS),
                                   validate.Regexp(r"^[!-~]+$", error="printable ASCII, "
                                                   "no spaces")], **kwargs)


def Int(**kwargs: Any) -> fields.Integer:  # noqa: N802 (a field factory, named like a field)
    """A whole number in a request body: a JSON integer, never a string ("5") or a float
    (5.0), which marshmallow would otherwise turn into one."""
    return fields.Integer(strict=True, **kwargs)


class _StrictBoolean(fields.Boolean):
    """A JSON ``true`` or ``false``; not "yes", "1" or 1, which marshmallow would accept."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def Bool(**kwargs: Any) -> fields.Boolean:  # noqa: N802 (a field factory, named like a field)
    """A yes-or-no in a request body: JSON ``true`` or ``false`` only."""
    return _StrictBoolean(**kwargs)


class AcceptedSchema(Schema):
    """Where a command's events went in the log."""

    entries = fields.List(fields.Integer(), required=True,
                          metadata={"description": "The leaf indices of the new entries"})
    size = fields.Integer(required=True, metadata={"description": "The log's size after"})


def at() -> str:
    return rfc3339(now())


def fresh_id(prefix: str) -> str:
    """An id for something the caller did not name: the prefix and 8 random hex digits."""
    return f"{prefix}-{secrets.token_hex(4)}"


def me() -> str:
    """The member id of the caller (the route table has already checked the role)."""
    principal: Principal | None = g.get("principal")
    if principal is None or principal.member is None:
        raise Problem(403, "not-a-member", "only a member of this body may do this")
    return principal.member


def submit(body: str, command: c.Command) -> tuple[Submitted, dict[str, Any]]:
    """Decide, store and log ``command`` on ``body``'s ledger, holding its write lock.

    Returns what was submitted and where it went (:class:`AcceptedSchema`). A
    refused command raises its :class:`voting.errors.DomainError` and writes nothing.
    """
    with instance().writing(body) as ledger:
        submitted = ledger.submit(command)
        return submitted, {"entries": list(submitted.indices), "size": ledger.log.size}


def accept(body: str, command: c.Command) -> dict[str, Any]:
    """:func:`submit`, answering only where the entries went."""
    return submit(body, command)[1]
