"""Canonical bytes of a log entry: RFC 8785 (JCS) on a narrow schema.

A log entry is hashed exactly once, as its canonical bytes, so one logical
entry must have one byte string and every byte string at most one entry.
RFC 8785 fixes key order (§3.2.3), whitespace (§3.2.1), string escaping
(§3.2.2.2) and number formatting (§3.2.2.3); the ``rfc8785`` package writes
them. On top of RFC 8785 this module narrows what an entry may hold:

* values are ``None``, ``bool``, ``int``, ``str``, ``list`` and ``dict`` only;
* object keys are ASCII strings (so UTF-16 key order is plain code point order);
* no floats at all: numbers are integers within ±(2**53 - 1), the I-JSON exact
  range (RFC 7493 §2.2); larger quantities travel as strings;
* strings must already be in Unicode Normalization Form C. Non-NFC text is
  **rejected, not normalised**: the log must hash what the caller meant to
  log, and a silent rewrite would give the caller a leaf hash for bytes it
  never saw. The shell normalises user input with :func:`to_nfc` at the edge,
  before the entry is built;
* nesting is at most :data:`MAX_DEPTH` levels.

:func:`parse` is the inverse: it accepts exactly the byte strings that
:func:`canonical` produces, so ``canonical(parse(b)) == b`` for every ``b``
it accepts and ``parse(canonical(v)) == v`` for every ``v`` in the schema.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any, NoReturn, TypeAlias

import rfc8785

from audit.errors import CanonicalError

__all__ = [
    "MAX_DEPTH",
    "MAX_SAFE_INTEGER",
    "JSONValue",
    "canonical",
    "parse",
    "to_nfc",
]

JSONValue: TypeAlias = "bool | int | str | list[JSONValue] | dict[str, JSONValue] | None"

MAX_SAFE_INTEGER = 2**53 - 1
"""The largest integer an entry may hold (RFC 7493 §2.2; ECMAScript Number.MAX_SAFE_INTEGER)."""

MAX_DEPTH = 64
"""The deepest nesting of lists and objects an entry may have."""


def _check(value: object, depth: int) -> None:
    """Raise :class:`CanonicalError` unless ``value`` is inside the entry schema."""
    if depth > MAX_DEPTH:
        raise CanonicalError(f"entry is nested more than {MAX_DEPTH} levels deep")
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise CanonicalError(f"integer {value} is outside ±(2**53 - 1)")
    elif isinstance(value, str):
        _check_text(value)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalError(f"object key {key!r} is not a string")
            if not key.isascii():
                raise CanonicalError(f"object key {key!r} is not ASCII")
            _check(item, depth + 1)
    elif isinstance(value, float):
        raise CanonicalError(f"number {value!r} is not an integer: entries hold no floats")
    else:
        raise CanonicalError(
            f"a {type(value).__name__} cannot be logged (use str, int, bool, None, list or dict)"
        )


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalError("string holds a lone surrogate, which UTF-8 cannot encode") from None
    if not unicodedata.is_normalized("NFC", text):
        raise CanonicalError(f"string {text[:40]!r} is not in Unicode Normalization Form C")


def canonical(value: JSONValue) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of ``value``, which must be in the entry schema.

    Raises :class:`CanonicalError` naming the first value outside the schema.
    """
    _check(value, 0)
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, RecursionError) as exc:  # pragma: no cover
        raise CanonicalError(str(exc)) from exc


def _no_float(text: str) -> NoReturn:
    raise CanonicalError(f"number {text} is not an integer: entries hold no floats")


def _no_constant(text: str) -> NoReturn:
    raise CanonicalError(f"{text} is not JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, item in pairs:
        if key in result:
            raise CanonicalError(f"duplicate object key {key!r}")
        result[key] = item
    return result


def parse(data: bytes) -> JSONValue:
    """The entry whose canonical bytes are ``data``.

    Rejects (with :class:`CanonicalError`) invalid UTF-8, duplicate keys,
    floats, anything outside the entry schema, and any byte string that is
    not exactly what :func:`canonical` writes (whitespace, key order,
    escapes, ``-0``, ``1.0``, a byte order mark ...).
    """
    if not isinstance(data, bytes):
        raise CanonicalError(f"canonical entries are bytes, not {type(data).__name__}")
    try:
        text = data.decode("utf-8")
        value: JSONValue = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_float=_no_float,
            parse_constant=_no_constant,
        )
    except UnicodeDecodeError as exc:
        raise CanonicalError(f"entry is not valid UTF-8: {exc.reason}") from None
    except RecursionError:
        raise CanonicalError("entry is nested too deeply") from None
    except ValueError as exc:
        if isinstance(exc, CanonicalError):
            raise
        raise CanonicalError(f"entry is not JSON: {exc}") from None
    if canonical(value) != data:
        raise CanonicalError("entry is valid JSON but not its canonical form (RFC 8785)")
    return value


def to_nfc(value: JSONValue) -> JSONValue:
    """A copy of ``value`` with every string (keys too) in Unicode Normalization Form C.

    For the shell to apply to user input before building an entry; the log
    itself never rewrites what it is given.
    """
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [to_nfc(item) for item in value]
    if isinstance(value, dict):
        return {unicodedata.normalize("NFC", key): to_nfc(item) for key, item in value.items()}
    return value
