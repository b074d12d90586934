"""The stable JSON form of events: ``{"type": TYPE, ...fields}``.

Only strings, integers, booleans and lists appear, so the form can be hashed
as RFC 8785 canonical JSON by the audit log. :func:`from_json` refuses an
unknown type, a missing or extra field, or a value of the wrong kind.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from typing import Any

from voting.errors import DomainError
from voting.events import EVENT_TYPES, Event

__all__ = ["ENTRY_VERSION", "from_entry", "from_json", "to_entry", "to_json"]


def to_json(event: Event) -> dict[str, object]:
    """The event as plain JSON data (tuples become lists)."""
    data: dict[str, object] = {"type": event.TYPE}
    for field in dataclasses.fields(event):
        data[field.name] = _plain(getattr(event, field.name))
    return data


def _plain(value: object) -> object:
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


_HINTS: dict[str, dict[str, Any]] = {}


def _hints(cls: type[Event]) -> dict[str, Any]:
    hints = _HINTS.get(cls.TYPE)
    if hints is None:
        hints = _HINTS[cls.TYPE] = typing.get_type_hints(cls)
    return hints


def from_json(data: Mapping[str, object]) -> Event:
    """Rebuild an event from its JSON form, checking every field's kind."""
    if not isinstance(data, Mapping):
        raise DomainError(f"an event is a JSON object, not {type(data).__name__}")
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        raise DomainError(f"unknown event type {kind!r}")
    cls = EVENT_TYPES[kind]
    hints = _hints(cls)
    names = [field.name for field in dataclasses.fields(cls)]
    extra = set(data) - set(names) - {"type"}
    if extra:
        raise DomainError(f"{kind}: unexpected fields {sorted(extra)}")
    values: dict[str, object] = {}
    for name in names:
        if name not in data:
            raise DomainError(f"{kind}: missing field {name!r}")
        values[name] = _typed(data[name], hints[name], f"{kind}.{name}")
    event: Event = cls(**values)  # type: ignore[arg-type]  # checked field by field above
    return event


def _typed(value: object, hint: Any, where: str) -> object:
    origin = typing.get_origin(hint)
    if origin is tuple:
        if not isinstance(value, list):
            raise DomainError(f"{where}: expected a list")
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_typed(item, args[0], where) for item in value)
        if len(args) != len(value):
            raise DomainError(f"{where}: expected {len(args)} items")
        return tuple(_typed(item, arg, where) for item, arg in zip(value, args, strict=True))
    if hint is bool:
        if not isinstance(value, bool):
            raise DomainError(f"{where}: expected true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise DomainError(f"{where}: expected a whole number")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise DomainError(f"{where}: expected text")
        return value
    raise DomainError(f"{where}: unsupported field type {hint!r}")


ENTRY_VERSION = 1


def to_entry(seq: int, event: Event) -> dict[str, object]:
    """The audit-log entry for an event: ``{"v", "seq", "time", "type", "body"}``.

    ``seq`` is the entry's leaf index in the body's log; ``time`` is the
    event's ``at``; ``body`` is every other field.
    """
    data = to_json(event)
    kind = data.pop("type")
    time = data.pop("at")
    return {"v": ENTRY_VERSION, "seq": seq, "time": time, "type": kind, "body": data}


def from_entry(entry: Mapping[str, object]) -> tuple[int, Event]:
    """The sequence number and event of an entry; refuses anything malformed."""
    if set(entry) != {"v", "seq", "time", "type", "body"}:
        raise DomainError(f"an entry has exactly v, seq, time, type and body; got {sorted(entry)}")
    if entry["v"] != ENTRY_VERSION:
        raise DomainError(f"unknown entry version {entry['v']!r}")
    seq = entry["seq"]
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise DomainError("an entry's seq is a whole number of at least 0")
    body = entry["body"]
    if not isinstance(body, Mapping) or "type" in body or "at" in body:
        raise DomainError("an entry's body is an object without type or at")
    return seq, from_json({**body, "type": entry["type"], "at": entry["time"]})
