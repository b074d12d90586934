"""Recognise the common log entries by one regular expression per event type.

A verifier spends most of its time on a few kinds of entry (a vote, a
ranking, a member admitted), each of them flat: text, whole numbers and
booleans. For such an entry the canonical bytes (RFC 8785) are fixed up to
the values, so one regular expression per event type can accept exactly the
canonical lines of that type and read the values out of them, with no JSON
parser, no re-encoding and no walk over a parsed object.

:func:`decode_line` returns ``None`` for any line its patterns do not accept,
and the caller then takes the general road (:func:`audit.verify.canonical_value`,
then :func:`voting.codec.from_entry`), which decides and explains. What a
pattern accepts is a strict subset of what the general road accepts, with the
same result; the tests hold the two to that. The subset:

* keys in RFC 8785 §3.2.3 order (code point order, as the names are ASCII),
  no whitespace (§3.2.1), ``"v":1``;
* text of printable ASCII other than ``"`` and ``\\``, which RFC 8785
  §3.2.2.2 writes unescaped (and which is in Unicode Normalization Form C);
  any other text, escaped or not ASCII, is left to the general road;
* whole numbers written as §3.2.2.3 writes them (no ``-0``, no leading zero)
  with at most 15 digits, so inside ±(2**53 - 1); longer ones go the general
  road;
* ``true`` and ``false`` for booleans; lists of such text for ``tuple[str, ...]``.

An event type with any other kind of field (pairs, nested lists) has no
pattern. This module belongs to the upper half of :mod:`audit`: it knows the
domain's event types.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Callable

from voting.codec import ENTRY_VERSION
from voting.events import EVENT_TYPES, Event

__all__ = ["decode_line", "has_pattern"]

_TEXT = r'"([ !#-\[\]-~]*)"'
_WHOLE = r"(0|-?[1-9][0-9]{0,14})"
_COUNT = r"(0|[1-9][0-9]{0,14})"
_BOOL = r"(true|false)"
_ITEM = r'"[ !#-\[\]-~]*"'
_TEXTS = rf"\[((?:{_ITEM}(?:,{_ITEM})*)?)\]"

def _to_bool(text: str) -> bool:
    return text == "true"


def _to_texts(text: str) -> tuple[str, ...]:
    # The items hold no '"', so '","' separates them exactly.
    return tuple(text[1:-1].split('","')) if text else ()


_KINDS: dict[object, tuple[str, str]] = {  # field type: (pattern, converter's name)
    str: (_TEXT, ""),
    int: (_WHOLE, "int"),
    bool: (_BOOL, "_to_bool"),
    tuple[str, ...]: (_TEXTS, "_to_texts"),
}

Build = Callable[[tuple[str, ...]], Event]


@dataclasses.dataclass(frozen=True, slots=True)
class _Pattern:
    """One event type's canonical entry line, and how to build the event from its groups."""

    match: Callable[[str], re.Match[str] | None]
    build: Build  # groups (the body's in key order, then seq and time) -> the event


def _pattern(cls: type[Event]) -> _Pattern | None:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.name != "at"]
    kinds = []
    for name in names:
        kind = _KINDS.get(hints[name])
        if kind is None:
            return None
        kinds.append(kind)
    by_key = sorted(range(len(names)), key=lambda i: names[i])  # RFC 8785 §3.2.3, ASCII keys
    body = ",".join(f'"{re.escape(names[i])}":{kinds[i][0]}' for i in by_key)
    regex = (
        rf'\{{"body":\{{{body}\}},"seq":{_COUNT},"time":{_TEXT},'
        rf'"type":"{re.escape(cls.TYPE)}","v":{ENTRY_VERSION}\}}'
    )
    # The constructor call is written out once per type, as dataclasses writes __init__:
    # the source holds only group numbers and the converters' names above.
    group = {field: number for number, field in enumerate(by_key)}
    arguments = [f"g[{len(names) + 1}]"]  # at: the entry's time
    for i, (_, convert) in enumerate(kinds):
        arguments.append(f"{convert}(g[{group[i]}])" if convert else f"g[{group[i]}]")
    source = f"lambda g: cls({', '.join(arguments)})"
    scope = {"cls": cls, "int": int, "_to_bool": _to_bool, "_to_texts": _to_texts}
    build: Build = eval(source, scope)  # noqa: S307 - built from our own names only
    return _Pattern(re.compile(regex).fullmatch, build)


_PATTERNS: dict[str, _Pattern] = {}
for _kind, _cls in EVENT_TYPES.items():
    _found = _pattern(_cls)
    if _found is not None:
        _PATTERNS[_kind] = _found
del _kind, _cls, _found

_TAIL = len(f'","v":{ENTRY_VERSION}}}')


def has_pattern(kind: str) -> bool:
    """Whether entries of event type ``kind`` can be recognised by :func:`decode_line`."""
    return kind in _PATTERNS


def decode_line(line: bytes) -> tuple[int, str, Event] | None:
    """``(seq, time, event)`` of a canonical entry line of a flat event type, or ``None``.

    ``None`` means only "not recognised here": the line may still be a good
    entry (or a bad one), for the general road to decide.
    """
    if not line.isascii():
        return None
    text = line.decode("ascii")
    # The type is the last text of a canonical entry: ... "type":"KIND","v":1}
    pattern = _PATTERNS.get(text[text.rfind('"', 0, -_TAIL) + 1:-_TAIL])
    if pattern is None:
        return None
    found = pattern.match(text)
    if found is None:
        return None
    groups = found.groups()
    return int(groups[-2]), groups[-1], pattern.build(groups)
