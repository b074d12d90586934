"""Entries recognised by pattern (audit.entry_patterns) against the general road.

The general road is :func:`audit.verify.canonical_value` (RFC 8785 by
re-encoding, with :func:`audit.canonical.parse` as the authority) followed by
:func:`voting.codec.from_entry`. A pattern may decline a line; when it
accepts one, the general road must accept it too and give the same event.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from audit.canonical import canonical, parse
from audit.entry_patterns import decode_line, has_pattern
from audit.errors import CanonicalError
from audit.verify import canonical_value
from tallying.errors import TellersError
from voting import events as ev
from voting.codec import from_entry, to_entry
from voting.events import EVENT_TYPES

FLAT = {str, int, bool, tuple[str, ...]}


def _flat(cls: type[ev.Event]) -> bool:
    hints = typing.get_type_hints(cls)
    return all(hints[f.name] in FLAT for f in dataclasses.fields(cls))


FLAT_TYPES = sorted(kind for kind, cls in EVENT_TYPES.items() if _flat(cls))

# Text a pattern reads as it stands: printable ASCII without '"' or '\'.
plain_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E,
                                   blacklist_characters='"\\'), max_size=12)
any_text = st.text(max_size=12)
plain_whole = st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1)
any_whole = st.integers(min_value=-(2**60), max_value=2**60)


def _values(hint: object, text: st.SearchStrategy[str], whole: st.SearchStrategy[int]
            ) -> st.SearchStrategy[Any]:
    if hint is str:
        return text
    if hint is int:
        return whole
    if hint is bool:
        return st.booleans()
    return st.lists(text, max_size=4).map(tuple)


def events(text: st.SearchStrategy[str], whole: st.SearchStrategy[int]
           ) -> st.SearchStrategy[ev.Event]:
    """Events of every flat type, with fields drawn from ``text`` and ``whole``."""

    def build(kind: str) -> st.SearchStrategy[ev.Event]:
        cls = EVENT_TYPES[kind]
        hints = typing.get_type_hints(cls)
        fields = {f.name: _values(hints[f.name], text, whole) for f in dataclasses.fields(cls)}
        return st.builds(cls, **fields)

    return st.sampled_from(FLAT_TYPES).flatmap(build)


def general(line: bytes) -> tuple[int, str, ev.Event]:
    value = canonical_value(line)
    assert isinstance(value, dict)
    seq, event = from_entry(value)
    return seq, value["time"], event


def entry_line(seq: int, event: ev.Event) -> bytes:
    try:
        return canonical(to_entry(seq, event))  # type: ignore[arg-type]
    except CanonicalError:
        assume(False)  # outside the entry schema (an integer beyond 2**53, non-NFC text)
        raise


def test_every_flat_event_type_has_a_pattern_and_no_other() -> None:
    assert FLAT_TYPES
    for kind in EVENT_TYPES:
        assert has_pattern(kind) == (kind in FLAT_TYPES), kind
    assert has_pattern("vote_cast") and has_pattern("ranking_cast")
    # A sealed vote or ranking is flat too (question, mark, seal): read without a parser.
    assert has_pattern("secret_vote_cast") and has_pattern("sealed_ranking_cast")
    assert not has_pattern("ballot_closed")  # it holds pairs (the roll)


@given(events(plain_text, plain_whole), st.integers(min_value=0, max_value=10**15 - 1))
def test_a_plain_entry_is_recognised_and_decoded_as_the_general_road_decodes_it(
    event: ev.Event, seq: int
) -> None:
    line = entry_line(seq, event)
    assert decode_line(line) == general(line) == (seq, event.at, event)


@given(events(any_text, any_whole), st.integers(min_value=0, max_value=2**53 - 1))
def test_any_entry_is_decoded_as_the_general_road_decodes_it_or_left_to_it(
    event: ev.Event, seq: int
) -> None:
    line = entry_line(seq, event)
    decoded = decode_line(line)
    assert decoded is None or decoded == general(line)


@given(events(plain_text, plain_whole), st.data())
def test_a_changed_line_is_never_accepted_unless_the_general_road_accepts_it_alike(
    event: ev.Event, data: st.DataObject
) -> None:
    line = bytearray(entry_line(7, event))
    position = data.draw(st.integers(min_value=0, max_value=len(line) - 1))
    how = data.draw(st.sampled_from(["replace", "insert", "delete"]))
    byte = data.draw(st.integers(min_value=0, max_value=255))
    if how == "replace":
        line[position] = byte
    elif how == "insert":
        line.insert(position, byte)
    else:
        del line[position]
    changed = bytes(line)
    decoded = decode_line(changed)
    if decoded is not None:
        assert decoded == general(changed)


VOTE = (b'{"body":{"abstain":0,"against":0,"ballot":"b1","for_votes":1,"member":"m1",'
        b'"voter":"m1"},"seq":5,"time":"2025-06-01T09:00:00Z","type":"vote_cast","v":1}')


def test_the_reference_line_is_recognised() -> None:
    assert decode_line(VOTE) == (5, "2025-06-01T09:00:00Z", ev.VoteCast(
        "2025-06-01T09:00:00Z", "b1", "m1", "m1", 1, 0, 0))


NOT_CANONICAL, REFUSED, ACCEPTED = "not canonical", "refused by replay", "accepted"


@pytest.mark.parametrize(
    ("old", "new", "general_road"),
    [
        (b'"for_votes":1', b'"for_votes":01', NOT_CANONICAL),  # a leading zero
        (b'"abstain":0', b'"abstain":-0', NOT_CANONICAL),  # minus zero
        (b'"for_votes":1', b'"for_votes":1.0', NOT_CANONICAL),  # a float
        (b'"for_votes":1', b'"for_votes":true', REFUSED),  # a bool for a number
        (b'"for_votes":1', b'"for_votes":1234567890123456', ACCEPTED),  # 16 digits
        (b'"ballot":"b1"', b'"ballot":"b\\u0031"', NOT_CANONICAL),  # an escape
        (b'"ballot":"b1"', b'"ballot":"b\\\\1"', ACCEPTED),  # a backslash, escaped
        (b'"ballot":"b1"', b'"ballot":"b\x7f"', ACCEPTED),  # DEL, which RFC 8785 leaves as is
        (b'"ballot":"b1"', '"ballot":"b\u00e9"'.encode(), ACCEPTED),  # not ASCII
        (b'"ballot":"b1"', b'"ballot": "b1"', NOT_CANONICAL),  # whitespace
        (b'"abstain":0,"against":0', b'"against":0,"abstain":0', NOT_CANONICAL),  # key order
        (b'"v":1', b'"v":2', REFUSED),  # another version
        (b',"voter":"m1"', b"", REFUSED),  # a missing field
        (b'"voter":"m1"', b'"voter":"m1","x":1', REFUSED),  # an extra field
        (b'"type":"vote_cast"', b'"type":"vote_kast"', REFUSED),  # an unknown type
        (b'"seq":5', b'"seq":-5', REFUSED),  # a negative seq
        (b'"seq":5', b'"seq":05', NOT_CANONICAL),  # a leading zero in seq
        (b'"time":"2025', b'"time":"\t2025', NOT_CANONICAL),  # a raw control character
    ],
)
def test_lines_off_the_plain_road_are_left_to_the_general_one(
    old: bytes, new: bytes, general_road: str
) -> None:
    line = VOTE.replace(old, new)
    assert line != VOTE
    assert decode_line(line) is None
    if general_road == NOT_CANONICAL:
        with pytest.raises(CanonicalError):
            parse(line)
    elif general_road == REFUSED:
        with pytest.raises(TellersError):
            general(line)
    else:
        seq, _, event = general(line)
        assert (seq, type(event)) == (5, ev.VoteCast)
