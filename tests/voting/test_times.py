"""The log's time: one definition (``voting.times``), refused up front by the decider and on
replay, and the verifier's C-TIME the same (docs/verifying.md, C-TIME)."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from audit.verify import _Times
from tallying.errors import TellersError
from voting import commands as c
from voting import events as ev
from voting.decider import decide, execute, replay
from voting.errors import DomainError
from voting.state import BodyState
from voting.times import InvalidTime, TimeGoesBack, check_time, time_key

from .builders import CHAIR, MEETING, SEC, Room

pytestmark = pytest.mark.unit

VALID = [
    "2025-03-12T10:00:00Z",
    "2025-03-12T10:00:00.5Z",
    "2025-03-12T10:00:00.000000001Z",
    "2025-03-12T23:59:59.999999Z",
    "2024-02-29T00:00:00Z",  # a leap day
    "2000-02-29T12:00:00Z",  # divisible by 400: a leap year
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
]
INVALID = [
    "",
    "2025-03-12",
    "2025-03-12T10:00Z",  # no seconds
    "2025-03-12T10:00:00",  # no zone
    "2025-03-12T10:00:00+00:00",  # UTC, but not spelt Z
    "2025-03-12T10:00:00z",
    "2025-03-12t10:00:00Z",
    "2025-03-12 10:00:00Z",
    "2025-03-12T10:00:00.Z",  # a point and no digits
    "2025-03-12T24:00:00Z",
    "2025-03-12T10:60:00Z",
    "2025-03-12T10:00:60Z",  # no leap second
    "2025-02-29T10:00:00Z",  # not a leap year
    "1900-02-29T10:00:00Z",  # nor this
    "2025-13-01T10:00:00Z",
    "2025-00-10T10:00:00Z",
    "0000-01-01T00:00:00Z",
    "2025-03-12T10:00:00Z\n",
    " 2025-03-12T10:00:00Z",
    "+2025-03-12T10:00:00Z",
    "\uff12\uff10\uff12\uff15-03-12T10:00:00Z",  # fullwidth digits are digits, but not these
    "2025-03-12T1\u0660:00:00Z",  # an Arabic-Indic zero
    "20250312T100000Z",  # ISO 8601 basic form, not RFC 3339
]


@pytest.mark.parametrize("value", VALID)
def test_a_valid_time(value: str) -> None:
    assert time_key(value) is not None
    assert _Times().key(value) == time_key(value)  # C-TIME's own definition
    check_time(value)
    check_time(value, value)


@pytest.mark.parametrize("value", [*INVALID, None, 20250312, b"2025-03-12T10:00:00Z"])
def test_an_invalid_time(value: object) -> None:
    assert time_key(value) is None
    assert _Times().key(value) is None
    with pytest.raises(InvalidTime) as raised:
        check_time(value, "2025-03-12T10:00:00Z")
    assert not isinstance(raised.value, TimeGoesBack)
    assert isinstance(raised.value, DomainError) and isinstance(raised.value, ValueError)
    assert "YYYY-MM-DDTHH:MM:SS[.fraction]Z" in str(raised.value)


@st.composite
def spellings(draw: st.DrawFn) -> tuple[datetime, str]:
    """An instant and one of its valid spellings (no fraction, trimmed, padded with zeros)."""
    moment = draw(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31),
                               timezones=st.just(UTC)))
    fraction = f"{moment.microsecond:06d}"
    if draw(st.booleans()):
        fraction = fraction.rstrip("0")
    fraction += "0" * draw(st.integers(0, 4))
    text = moment.replace(tzinfo=None, microsecond=0).isoformat()
    return moment, text + (f".{fraction}" if fraction else "") + "Z"


@given(first=spellings(), second=spellings())
def test_times_are_ordered_by_instant_not_by_text(first: tuple[datetime, str],
                                                  second: tuple[datetime, str]) -> None:
    """``10:00:00.5Z`` sorts before ``10:00:00Z`` as text, and is later: the key knows."""
    (a, a_text), (b, b_text) = first, second
    key_a, key_b = time_key(a_text), time_key(b_text)
    assert key_a is not None and key_b is not None
    assert (key_a < key_b, key_a == key_b) == (a < b, a == b)
    if a < b:
        with pytest.raises(TimeGoesBack):
            check_time(a_text, b_text)
    else:
        check_time(a_text, b_text)


@given(st.text(max_size=30) | st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{8,12}Z\Z"))
def test_the_decider_and_c_time_accept_the_same_strings(value: str) -> None:
    accepted = True
    try:
        check_time(value)
    except InvalidTime:
        accepted = False
    assert accepted == (_Times().key(value) is not None)


# -- the decider ----------------------------------------------------------------------------


def refused(state: BodyState, command: c.Command, error: type[TellersError]) -> TellersError:
    """``command`` is refused with ``error`` (a ValueError too), and nothing changes."""
    snapshot = copy.deepcopy(state)
    with pytest.raises(error) as raised:
        decide(state, command)
    with pytest.raises(error):
        execute(state, command)
    assert state == snapshot, "a refused command changed the state"
    assert isinstance(raised.value, DomainError) and isinstance(raised.value, ValueError)
    return raised.value


def test_the_state_remembers_the_time_of_its_last_event() -> None:
    room = Room.founded().members(2).meeting()
    assert room.state.time == room.log[-1].at
    assert replay(room.log).time == room.log[-1].at
    assert BodyState().time == ""


@pytest.mark.parametrize("value", INVALID)
def test_decide_refuses_a_command_whose_time_is_not_rfc_3339_utc(value: str) -> None:
    room = Room.founded().members(2).meeting()
    error = refused(room.state, c.RecordAttendance(value, SEC, meeting=MEETING, member="m1",
                                                   present=False), InvalidTime)
    assert not isinstance(error, TimeGoesBack)
    assert (repr(value) in str(error)) if value else "needs the time" in str(error)


def test_decide_refuses_a_founding_whose_time_is_not_rfc_3339_utc() -> None:
    refused(BodyState(), c.FoundBody("12 March 2025", SEC, name="Branch"), InvalidTime)


@pytest.mark.parametrize(("last", "earlier"), [
    ("2030-03-12T10:00:01Z", "2030-03-12T10:00:00Z"),
    ("2030-03-12T10:00:00.5Z", "2030-03-12T10:00:00Z"),  # sorts after it as text
    ("2030-03-12T10:00:00.5Z", "2030-03-12T10:00:00.25Z"),
    ("2030-03-12T10:00:00.000001Z", "2030-03-12T10:00:00.0000009Z"),
    ("2030-03-13T00:00:00Z", "2030-03-12T23:59:59.999Z"),
])  # fmt: skip
def test_decide_refuses_a_command_earlier_than_the_last_entry(last: str, earlier: str) -> None:
    room = Room.founded().members(2).meeting()
    state = execute(room.state, c.RecordAttendance(last, SEC, meeting=MEETING, member="m1",
                                                   present=False))[0]
    assert state.time == last
    error = refused(state, c.RecordAttendance(earlier, SEC, meeting=MEETING, member="m1"),
                    TimeGoesBack)
    assert earlier in str(error) and last in str(error)


@pytest.mark.parametrize(("last", "later"), [
    ("2030-03-12T10:00:00Z", "2030-03-12T10:00:00Z"),  # the same time is in order
    ("2030-03-12T10:00:00.5Z", "2030-03-12T10:00:00.500Z"),  # the same instant, spelt longer
    ("2030-03-12T10:00:00Z", "2030-03-12T10:00:00.000Z"),
    ("2030-03-12T10:00:00Z", "2030-03-12T10:00:00.1Z"),  # sorts before it as text
    ("2030-03-12T10:00:00.25Z", "2030-03-12T10:00:00.3Z"),
    ("2028-02-28T23:59:59.9Z", "2028-02-29T00:00:00Z"),
])  # fmt: skip
def test_decide_accepts_a_command_at_or_after_the_last_entry(last: str, later: str) -> None:
    room = Room.founded().members(2).meeting()
    state = execute(room.state, c.RecordAttendance(last, SEC, meeting=MEETING, member="m1",
                                                   present=False))[0]
    state, events = execute(state, c.RecordAttendance(later, SEC, meeting=MEETING, member="m1"))
    assert [e.at for e in events] == [later] and state.time == later


def test_every_event_of_a_command_carries_its_time_and_the_next_may_share_it() -> None:
    room = Room.founded().members(4).meeting().motion()
    at = room.state.time
    state, _ = execute(room.state, c.OpenBallot(at, CHAIR, ballot="b", subject="mot"))
    assert state.time == at


# -- replay ---------------------------------------------------------------------------------


def _room_log() -> list[ev.Event]:
    room = Room.founded().members(4).meeting().motion()
    return list(room.log)


@pytest.mark.parametrize("index", [1, 5, -1])
def test_replay_refuses_a_log_that_goes_back_in_time(index: int) -> None:
    log = _room_log()
    before = log[index - 1].at
    log[index] = replace(log[index], at="2025-03-12T09:00:00Z")
    with pytest.raises(TimeGoesBack) as raised:
        replay(log)
    assert "2025-03-12T09:00:00Z" in str(raised.value) and before in str(raised.value)


@pytest.mark.parametrize("value", ["2025-03-12T10:00:03", "2025-02-30T10:00:00Z", ""])
def test_replay_refuses_an_event_whose_time_is_not_rfc_3339_utc(value: str) -> None:
    log = _room_log()
    log[3] = replace(log[3], at=value)
    with pytest.raises(InvalidTime):
        replay(log)
    with pytest.raises(InvalidTime):
        replay(log[:3] + log[3:4])


def test_replay_accepts_equal_times_and_later_times_that_sort_first_as_text() -> None:
    founded = ev.BodyFounded("2025-03-12T10:00:00Z", "Branch", "citrine", False, "no_revote")
    admitted = ev.MemberAdmitted("2025-03-12T10:00:00.5Z", "sec", "Sam", 1, "", ("secretary",))
    again = ev.MemberAdmitted("2025-03-12T10:00:00.50Z", "m1", "Mo", 1, "", ("member",))
    state = replay([founded, admitted, again])
    assert state.time == "2025-03-12T10:00:00.50Z" and state.size == 3


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_replay_refuses_any_event_moved_before_its_predecessor(data: st.DataObject) -> None:
    """In a random history, an event given a time earlier than the one before is refused."""
    from voting.testing import histories

    history = data.draw(histories())
    later = [i for i in range(1, len(history))
             if time_key(history[i - 1].at) != time_key(history[0].at)]  # fmt: skip
    assume(later)
    index = data.draw(st.sampled_from(later))
    history[index] = replace(history[index], at=history[0].at)
    with pytest.raises(TimeGoesBack):
        replay(history)
