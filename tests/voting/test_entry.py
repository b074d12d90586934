"""Log entries: the envelope around an event, and its fast decoder against the careful one."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voting import events as ev
from voting.codec import from_entry, from_json, to_entry, to_json
from voting.errors import DomainError

pytestmark = pytest.mark.unit

EVENT_CLASSES = sorted(ev.EVENT_TYPES.values(), key=lambda cls: cls.TYPE)
ANY_EVENT = st.sampled_from(EVENT_CLASSES).flatmap(st.builds)
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5),
                         st.lists(st.integers(), max_size=2))  # fmt: skip


@given(ANY_EVENT, st.integers(min_value=0, max_value=2**53 - 1))
def test_every_event_round_trips_through_its_entry(event: ev.Event, seq: int) -> None:
    """Property: from_entry(to_entry(seq, e)) == (seq, e), through JSON text."""
    entry = json.loads(json.dumps(to_entry(seq, event)))
    assert from_entry(entry) == (seq, event)


@given(ANY_EVENT, st.data())
def test_the_fast_decoder_refuses_exactly_what_the_careful_one_refuses(
    event: ev.Event, data: st.DataObject
) -> None:
    """Property: with one body field replaced by any JSON value, or dropped, or one added,
    from_entry decodes exactly when from_json does, and to the same event."""
    entry = json.loads(json.dumps(to_entry(7, event)))
    body = entry["body"]
    change = data.draw(st.sampled_from(["replace", "drop", "add"]))
    if change == "add" or not body:
        body[data.draw(st.sampled_from(["extra", "x"]))] = data.draw(JSON_SCALARS)
    else:
        name = data.draw(st.sampled_from(sorted(body)))
        if change == "drop":
            del body[name]
        else:
            body[name] = data.draw(JSON_SCALARS)
    flat = {**body, "type": entry["type"], "at": entry["time"]}
    try:
        expected = from_json(flat)
    except DomainError:
        with pytest.raises(DomainError):
            from_entry(entry)
    else:
        assert from_entry(entry) == (7, expected)


@pytest.mark.parametrize(
    "entry",
    [
        {"v": 2, "seq": 0, "time": "t", "type": "member_reinstated", "body": {}},
        {"v": True, "seq": 0, "time": "t", "type": "member_reinstated", "body": {}},
        {"v": 1, "seq": -1, "time": "t", "type": "member_reinstated", "body": {}},
        {"v": 1, "seq": True, "time": "t", "type": "member_reinstated", "body": {}},
        {"v": 1, "seq": 0, "time": "t", "type": "member_reinstated", "body": []},
        {"v": 1, "seq": 0, "time": 5, "type": "member_reinstated",
         "body": {"member": "m", "by": "s"}},
        {"v": 1, "seq": 0, "time": "t", "type": "nope", "body": {}},
        {"v": 1, "seq": 0, "time": "t", "type": "member_reinstated", "body": {"at": "t"}},
        {"v": 1, "seq": 0, "time": "t", "type": "member_reinstated"},
    ],
)  # fmt: skip
def test_a_malformed_envelope_is_refused(entry: dict[str, object]) -> None:
    with pytest.raises(DomainError):
        from_entry(entry)


def test_the_entry_carries_the_event_time_and_type_outside_the_body() -> None:
    event = ev.MemberReinstated("2026-01-01T00:00:00Z", "m1", "sec")
    entry = to_entry(3, event)
    assert entry == {
        "v": 1,
        "seq": 3,
        "time": "2026-01-01T00:00:00Z",
        "type": "member_reinstated",
        "body": {"member": "m1", "by": "sec"},
    }
    assert to_json(event)["type"] == entry["type"]
