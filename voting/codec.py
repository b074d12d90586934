"""The stable JSON form of events: ``{"type": TYPE, ...fields}``.

Only strings, integers, booleans and lists appear, so the form can be hashed
as RFC 8785 canonical JSON by the audit log. :func:`from_json` refuses an
unknown type, a missing or extra field, or a value of the wrong kind. A field
added to an event later carries a default value (``voting.events``): an entry
written before it existed may leave it out and reads as holding the default,
so older logs keep their meaning; every new entry holds every field.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Mapping
from itertools import repeat
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


Convert = Callable[[object, str], object]


def _converter(hint: Any) -> Convert:
    """A function that checks and converts one field's JSON value, built once per type."""
    origin = typing.get_origin(hint)
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _converter(args[0])
            row = _scalar_row(args[0])

            def many(value: object, where: str) -> object:
                if type(value) is not list:
                    raise DomainError(f"{where}: expected a list")
                if row is not None and _rows_of(value, row):
                    return tuple(map(tuple, value))
                return tuple([item(v, where) for v in value])

            return many
        items = tuple(_converter(arg) for arg in args)

        def fixed(value: object, where: str) -> object:
            if type(value) is not list:
                raise DomainError(f"{where}: expected a list")
            if len(value) != len(items):
                raise DomainError(f"{where}: expected {len(items)} items")
            return tuple([convert(v, where) for convert, v in zip(items, value, strict=True)])

        return fixed
    if hint in (bool, int, str):
        words = {bool: "true or false", int: "a whole number", str: "text"}[hint]

        def exactly(value: object, where: str) -> object:
            if type(value) is not hint:  # bool is not an int here
                raise DomainError(f"{where}: expected {words}")
            return value

        return exactly
    raise DomainError(f"unsupported field type {hint!r}")


def _scalar_row(hint: Any) -> tuple[type, ...] | None:
    """The exact kinds of a fixed tuple of str, int and bool (``tuple[str, str, int]``), or None."""
    if typing.get_origin(hint) is not tuple:
        return None
    args = typing.get_args(hint)
    if Ellipsis in args or not all(arg in (bool, int, str) for arg in args):
        return None
    return tuple(args)


def _rows_of(value: list[Any], row: tuple[type, ...]) -> bool:
    """Whether every item of ``value`` is a list of exactly the kinds ``row`` (bool is not int).

    The common case of a long roll, checked with the loops in C; anything else
    goes item by item, which names the problem.
    """
    return set(map(type, value)) <= {list} and set(
        map(tuple, map(map, repeat(type), value))) <= {row}


Fields = tuple[tuple[str, Convert, str], ...]  # name, converter, where (for messages)
_DECODERS: dict[str, tuple[type[Event], Fields, frozenset[str]]] = {}
_OPTIONAL: dict[str, dict[str, object]] = {}  # per type, the fields added later: their defaults


def _decoder(kind: str) -> tuple[type[Event], Fields, frozenset[str]]:
    decoder = _DECODERS.get(kind)
    if decoder is None:
        cls = EVENT_TYPES[kind]
        hints = typing.get_type_hints(cls)
        fields = tuple(
            (f.name, _converter(hints[f.name]), f"{kind}.{f.name}")
            for f in dataclasses.fields(cls)
        )
        allowed = frozenset(name for name, _, _ in fields) | {"type"}
        _OPTIONAL[kind] = {
            f.name: f.default for f in dataclasses.fields(cls)
            if f.default is not dataclasses.MISSING
        }
        decoder = _DECODERS[kind] = (cls, fields, allowed)
    return decoder


def from_json(data: Mapping[str, object]) -> Event:
    """Rebuild an event from its JSON form, checking every field's kind."""
    if not isinstance(data, Mapping):
        raise DomainError(f"an event is a JSON object, not {type(data).__name__}")
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        raise DomainError(f"unknown event type {kind!r}")
    cls, fields, allowed = _decoder(kind)
    optional = _OPTIONAL[kind]
    if len(data) != len(allowed) or not allowed.issuperset(data):
        extra = set(data) - allowed
        if extra:
            raise DomainError(f"{kind}: unexpected fields {sorted(extra)}")
        missing = sorted(allowed - set(data) - optional.keys())
        if missing:
            raise DomainError(f"{kind}: missing field {missing[0]!r}")
    values = [
        convert(data[name], where) if name in data else optional[name]
        for name, convert, where in fields
    ]
    event: Event = cls(*values)  # type: ignore[arg-type]  # checked field by field above
    return event


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


Fast = Callable[[Mapping[str, object], object], Event | None]
_FAST: dict[str, Fast] = {}


def _fast_decoder(kind: str) -> Fast:
    """A decoder for the common case: every field present and of its plain JSON kind.

    It returns ``None`` on anything unusual, and the caller then takes
    :func:`from_json`, which finds and names the problem. Replaying a long log
    spends most of its decoding time here, so it avoids building any message.
    """
    decoder = _FAST.get(kind)
    if decoder is not None:
        return decoder
    cls, fields, _ = _decoder(kind)
    hints = typing.get_type_hints(cls)
    body = tuple(name for name, _, _ in fields if name != "at")
    kinds = tuple(
        list if typing.get_origin(hints[name]) is tuple else hints[name] for name in body
    )
    nested = tuple(
        (i, convert, where)
        for i, (name, convert, where) in enumerate(f for f in fields if f[0] != "at")
        if kinds[i] is list
    )
    count = len(body)

    def fast(data: Mapping[str, object], at: object) -> Event | None:
        if len(data) != count or type(at) is not str:
            return None
        try:
            values = [data[name] for name in body]
        except KeyError:
            return None
        if tuple(map(type, values)) != kinds:  # exact kinds: a bool is not an int here
            return None
        for i, convert, where in nested:
            values[i] = convert(values[i], where)
        event: Event = cls(at, *values)  # kinds checked above
        return event

    _FAST[kind] = fast
    return fast


def from_entry(entry: object) -> tuple[int, Event]:
    """The sequence number and event of an entry; refuses anything malformed."""
    if not isinstance(entry, Mapping):
        raise DomainError(f"an entry is a JSON object, not {type(entry).__name__}")
    if len(entry) != 5 or entry.keys() != _ENTRY_KEYS:
        raise DomainError(f"an entry has exactly v, seq, time, type and body; got {sorted(entry)}")
    if entry["v"] != ENTRY_VERSION or type(entry["v"]) is not int:
        raise DomainError(f"unknown entry version {entry['v']!r}")
    seq = entry["seq"]
    if type(seq) is not int or seq < 0:
        raise DomainError("an entry's seq is a whole number of at least 0")
    body = entry["body"]
    if not isinstance(body, Mapping) or "type" in body or "at" in body:
        raise DomainError("an entry's body is an object without type or at")
    kind = entry["type"]
    if type(kind) is str and kind in EVENT_TYPES:
        event = _fast_decoder(kind)(body, entry["time"])
        if event is not None:
            return seq, event
    return seq, from_json({**body, "type": kind, "at": entry["time"]})


_ENTRY_KEYS = frozenset({"v", "seq", "time", "type", "body"})
