"""Verifiable lots: RFC 3797's public selection procedure, with SHA-256.

A lot (SSI 2007/42 Sch. 1 r.49(3) and r.51(2)(b); ERS97 5.2.3 and 5.2.5) or a
sortition draw is a pure function of public inputs, so that anyone can redo
it with nothing but a SHA-256 implementation. Follow these steps to check a
draw by hand (RFC 3797 §4, with SHA-256 in place of MD5):

1. Take the key: the seed bytes. When the seed comes from announced public
   sources (lottery numbers, a log checkpoint hash), :func:`seed_from_sources`
   builds it in RFC 3797's canonical form: each source's values sorted, each
   value followed by ``.``, each source followed by ``/``, the sources in
   their announced order, encoded as UTF-8.
2. Write the pool in its announced order (for a count: the tied candidates
   in ballot-paper order, i.e. by candidate index).
3. For j = 0, 1, 2, ...: let ``h_j = SHA-256(J ‖ key ‖ J)``, where ``J`` is j
   as two bytes, big-endian, and read ``h_j`` as a 256-bit unsigned
   big-endian integer. Selection j takes the item at 0-based position
   ``h_j mod len(pool)`` out of the pool.
4. The selections, in order, are the draw.

A count that draws several lots gives each its own key,
:func:`lot_key` ``(seed, n)`` for the n-th lot (1-based): the seed followed
by the ASCII text ``/lot/n``. The count records that key (as hex) in the
result's :class:`tallying.result.Lot`, so the draw is
``draw(bytes.fromhex(lot.seed), lot.tied, 1)``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TypeVar

from tallying.errors import CountError

__all__ = ["MAX_SELECTIONS", "draw", "lot_key", "seed_from_sources"]

T = TypeVar("T")

# The counter J is two bytes (RFC 3797 §4), so a draw makes at most 65,536 selections.
MAX_SELECTIONS = 1 << 16


def _selection_hash(key: bytes, counter: int) -> int:
    """``SHA-256(J ‖ key ‖ J)`` as an unsigned integer (RFC 3797 §4, SHA-256 for MD5)."""
    j = counter.to_bytes(2, "big")
    return int.from_bytes(hashlib.sha256(j + key + j).digest(), "big")


def draw(seed: bytes, pool: Sequence[T], how_many: int) -> tuple[T, ...]:
    """Select ``how_many`` items of ``pool``, in order, as RFC 3797 §4 does.

    ``pool`` is taken in the order given (announce it before the draw). The
    result is deterministic: the same seed and pool always give the same
    selection.
    """
    if not isinstance(seed, bytes):
        raise CountError("a lot's seed must be bytes")
    if how_many < 0 or how_many > len(pool):
        raise CountError(f"cannot select {how_many} of {len(pool)}")
    if how_many > MAX_SELECTIONS:
        raise CountError(f"a draw makes at most {MAX_SELECTIONS} selections")
    remaining = list(pool)
    chosen: list[T] = []
    for counter in range(how_many):
        index = _selection_hash(seed, counter) % len(remaining)
        chosen.append(remaining.pop(index))
    return tuple(chosen)


def lot_key(seed: bytes, number: int) -> bytes:
    """The key of the ``number``-th lot (1-based) of one count: ``seed ‖ "/lot/<number>"``."""
    if number < 1:
        raise CountError("lots are numbered from 1")
    return seed + f"/lot/{number}".encode("ascii")


def _canonical_value(value: int | str) -> str:
    if isinstance(value, bool):
        raise CountError("a source value is a whole number or a text, not a truth value")
    if isinstance(value, int):
        if value < 0:
            raise CountError("numeric source values must not be negative")
        return str(value)
    text = value.strip().upper()
    if not text or any(ch in "./" for ch in text):
        raise CountError(f"text source value {value!r} is empty or contains '.' or '/'")
    return text


def seed_from_sources(sources: Sequence[Sequence[int | str]]) -> bytes:
    """The key built from announced public sources, canonically (RFC 3797 §4).

    Each source is a sequence of values: whole numbers (written in decimal
    without leading zeros, sorted numerically) or texts (stripped,
    upper-cased, sorted); a source does not mix the two. Every value is
    followed by ``.`` and every source by ``/``; sources keep their announced
    order. For example ``[[9, 18, 2], ["abc"]]`` gives ``b"2.9.18./ABC./"``.
    """
    parts: list[str] = []
    for source in sources:
        if isinstance(source, str | bytes):
            raise CountError("each source is a sequence of values, not a single text")
        kinds = {isinstance(value, int) for value in source}
        if len(kinds) > 1:
            raise CountError("a source mixes numbers and texts")
        if kinds == {True}:
            numbers = sorted(source, key=lambda value: int(value))
            values = [_canonical_value(value) for value in numbers]
        else:
            values = sorted(_canonical_value(value) for value in source)
        parts.append("".join(f"{value}." for value in values) + "/")
    return "".join(parts).encode("utf-8")
